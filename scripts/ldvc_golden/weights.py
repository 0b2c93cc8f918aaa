"""Reading weight files and deciding the precision the reference computes with (`weights_dtype`).

The reference always computes in fp32: f16/bf16 weights are widened exactly, which is what the Swift
runtime does. `weights_dtype` records how narrow the weight *values* are, so `ldvc-convert verify`
can tell a file holding the same values (fp32 bound) from one narrowed by conversion.
"""
import hashlib
import json
import struct
import zipfile
from pathlib import Path

import torch

DTYPE_NAMES = {torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16"}
TORCH_DTYPES = {"f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32}
# Training-only tensors of MMSeg checkpoints (ZegCLIP's criterion keeps a class-weight buffer in the head).
TRAINING_ONLY_PREFIXES = ("decode_head.loss_decode.",)


class WeightsError(ValueError):
    pass


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_torchscript(path):
    """TorchScript archives are zips with a `code/` folder (torch.save zips have `data.pkl` only)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.split("/", 2)[1:2] == ["code"] for name in archive.namelist())
    except (zipfile.BadZipFile, OSError, IndexError):
        return False


def is_safetensors(path):
    with open(path, "rb") as f:
        head = f.read(9)
    if len(head) < 9:
        return False
    (length,) = struct.unpack("<Q", head[:8])
    return 2 <= length < (1 << 27) and head[8:9] == b"{"


def read_weights_file(path, trust_pickle=False):
    """The object stored in a weights file: a TorchScript archive's state dict, a safetensors dict, or
    what `torch.load` gives (weights_only unless `trust_pickle`)."""
    path = Path(path)
    if is_torchscript(path):
        return torch.jit.load(str(path), map_location="cpu").state_dict()
    if is_safetensors(path):
        import safetensors.torch

        return safetensors.torch.load_file(str(path))
    try:
        return torch.load(path, map_location="cpu", weights_only=not trust_pickle)
    except Exception as error:  # torch reports unpickling refusals with multi-line messages
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        hint = "" if trust_pickle else " (a file you trust can be read with --trust-pickle)"
        raise WeightsError(f"{path}: torch.load failed: {first}{hint}") from None


def unwrap_state_dict(obj):
    """The tensors of a (possibly wrapped) checkpoint: `{"state_dict": ...}`, `{"model": ...}`, DDP's
    `module.` prefixes; non-tensor entries dropped."""
    for key in ("state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict):
        raise WeightsError(f"holds a {type(obj).__name__}, not a state dict")
    tensors = {k: v for k, v in obj.items() if isinstance(k, str) and isinstance(v, torch.Tensor)}
    if tensors and all(k.startswith("module.") for k in tensors):
        tensors = {k[len("module."):]: v for k, v in tensors.items()}
    return tensors


def stored_dtype(tensors):
    """The narrowest float type among the tensors (bf16 < f16 < f32), as the runtime's policy reads a
    converted file; f64 counts as f32."""
    names = {DTYPE_NAMES.get(t.dtype, "f32") for t in tensors if t.dtype.is_floating_point}
    return "bf16" if "bf16" in names else "f16" if "f16" in names else "f32"


def value_dtype(tensors):
    """The narrowest float type holding every value exactly: for weights already widened to fp32 by a
    library (e.g. open_clip's precision='fp32' on an fp16 file)."""
    floats = [t.detach() for t in tensors if t.dtype.is_floating_point and t.numel()]
    for name in ("bf16", "f16"):
        narrow = TORCH_DTYPES[name]
        if floats and all(torch.equal(t.float(), t.to(narrow).float()) for t in floats):
            return name
    return "f32"


def weights_dtype_of(tensors):
    """`stored_dtype` when the tensors keep their stored types, else what their values fit."""
    tensors = list(tensors)
    stored = stored_dtype(tensors)
    return stored if stored != "f32" else value_dtype(tensors)


def apply_dtype(module, requested, detected):
    """Rounds `module`'s float parameters and buffers to the requested weights dtype (f16/bf16: the
    values `ldvc-convert --dtype f16` stores), widened back to fp32. Returns the resulting
    `weights_dtype`. `auto` keeps the detected one; f32 cannot restore precision the file lacks."""
    if requested in (None, "auto"):
        return detected
    if requested == "f32":
        if detected != "f32":
            raise WeightsError(f"the weights are {detected} values; --dtype f32 cannot widen their precision "
                               f"(use --dtype auto)")
        return "f32"
    narrow = TORCH_DTYPES[requested]
    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            if tensor.dtype.is_floating_point:
                tensor.copy_(tensor.to(narrow).float())
    return requested


def describe_file(path):
    """{"file": name, "sha256": hex, "bytes": n} of a file, for provenance."""
    path = Path(path)
    return {"file": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size}


def json_attribute(value):
    return json.dumps(value, sort_keys=False, ensure_ascii=False)
