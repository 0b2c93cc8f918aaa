"""Reading a training configuration stored in a checkpoint's `meta.config` without running it.

MMSegmentation stores mmcv's `Config.pretty_text`: Python source made of assignments whose values
are literals and `dict(...)` calls (`**name` of an earlier dict included) and `len(...)` (`model = dict(type='ZegCLIP', backbone=dict(...), ...)`). This
evaluates exactly that subset with `ast` (names refer to earlier assignments; `+ - * / //` on
numbers), so a checkpoint's text is never executed. The tiny fixture checkpoints store JSON, which is
read as is.
"""
import ast
import json
import operator

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}


class ConfigTextError(ValueError):
    pass


def parse_config_text(text):
    """A dict of the configuration's top-level names (JSON or `pretty_text`)."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigTextError(f"meta.config is neither JSON nor Python config text ({error})") from None
        if not isinstance(value, dict):
            raise ConfigTextError("meta.config JSON is not an object")
        return value
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        raise ConfigTextError(f"meta.config line {error.lineno}: not Python config text ({error.msg})") from None
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            names[node.targets[0].id] = _evaluate(node.value, names, depth=0)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        else:
            raise ConfigTextError(f"meta.config line {node.lineno}: only `name = value` assignments are read")
    return names


def _evaluate(node, names, depth):
    if depth > 64:
        raise ConfigTextError(f"meta.config line {node.lineno}: nested deeper than 64 levels")
    depth += 1
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        if node.id in ("None", "True", "False"):
            return {"None": None, "True": True, "False": False}[node.id]
        raise ConfigTextError(f"meta.config line {node.lineno}: unknown name {node.id!r}")
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_evaluate(item, names, depth) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict):
        result = {}
        for key, value in zip(node.keys, node.values):
            if key is None:  # {**other}
                result.update(_mapping(value, names, depth))
            else:
                result[_evaluate(key, names, depth)] = _evaluate(value, names, depth)
        return result
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        result = {}
        for keyword in node.keywords:
            if keyword.arg is None:  # dict(type=..., **img_norm_cfg)
                result.update(_mapping(keyword.value, names, depth))
            else:
                result[keyword.arg] = _evaluate(keyword.value, names, depth)
        return result
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"
            and len(node.args) == 1 and not node.keywords):
        value = _evaluate(node.args[0], names, depth)
        if not isinstance(value, (list, tuple, str, dict)):
            raise ConfigTextError(f"meta.config line {node.lineno}: len of a non-container")
        return len(value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand, names, depth)
        if not isinstance(value, (int, float)):
            raise ConfigTextError(f"meta.config line {node.lineno}: sign of a non-number")
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _evaluate(node.left, names, depth), _evaluate(node.right, names, depth)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)):
            raise ConfigTextError(f"meta.config line {node.lineno}: arithmetic on non-numbers")
        try:
            return _BINARY[type(node.op)](left, right)
        except ZeroDivisionError:
            raise ConfigTextError(f"meta.config line {node.lineno}: division by zero") from None
    raise ConfigTextError(f"meta.config line {getattr(node, 'lineno', '?')}: {type(node).__name__} is not read")


def _mapping(node, names, depth):
    value = _evaluate(node, names, depth)
    if not isinstance(value, dict):
        raise ConfigTextError(f"meta.config line {node.lineno}: `**` of a non-dict")
    return value


def lookup(config, paths, default=None):
    """The value at the first dotted path present (`model.decode_head.num_heads`), with that path;
    (default, None) when none is."""
    for path in paths:
        value = config
        for part in path.split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            else:
                break
        else:
            return value, path
    return default, None


def load_config_file(path, depth=0):
    """A config file as mmcv reads it, without running it: the file's assignments merged over its
    `_base_` files (dicts merged key by key, `_delete_=True` replaces, everything else overridden)."""
    from pathlib import Path

    path = Path(path)
    if depth > 16:
        raise ConfigTextError(f"{path}: `_base_` nested deeper than 16 files")
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigTextError(f"{path}: {error.strerror}") from None
    try:
        own = parse_config_text(text)
    except ConfigTextError as error:
        raise ConfigTextError(f"{path}: {error}".replace("meta.config ", "")) from None
    bases = own.pop("_base_", [])
    merged = {}
    for base in [bases] if isinstance(bases, str) else bases:
        merged = _merge(merged, load_config_file(path.parent / base, depth + 1))
    return _merge(merged, own)


def _merge(base, override):
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict) and not value.get("_delete_", False):
            result[key] = _merge(result[key], value)
        else:
            result[key] = {k: v for k, v in value.items() if k != "_delete_"} if isinstance(value, dict) else value
    return result
