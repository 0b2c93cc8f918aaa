"""CLIP models from their own libraries, with what a golden needs of each: the fp32 model, the
modules `hook_clip_taps` hooks, the library's image preprocessing and tokenizer, and provenance.

* OpenAI `clip`: a released name (`clip.load`) or a file (state dict, wrapped checkpoint or TorchScript
  archive) built by `clip.model.build_model`. `build_model` stores the weights in fp16 before
  `clip.load` widens them; the exact stored weights are loaded again into the fp32 model, so an fp32
  checkpoint is not rounded.
* `open_clip`: `create_model_and_transforms(name, pretrained=PATH_OR_TAG)`, `hf-hub:` and `local-dir:`
  names, a folder with `open_clip_config.json`, or such a config file with `--pretrained` weights.
* HF `transformers`: `CLIPModel.from_pretrained(DIR)`, `CLIPImageProcessor` and the tokenizer of DIR.
"""
import inspect
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from .weights import WeightsError, describe_file, read_weights_file, unwrap_state_dict, weights_dtype_of


class ModelError(ValueError):
    pass


@dataclass
class ClipReference:
    model: torch.nn.Module
    hook_modules: dict
    encode_image: Callable
    encode_text: Callable
    preprocess: Callable          # list of Pillow images -> float tensor [B, 3, H, W]
    preprocessing: str
    tokenize: Callable            # list of strings -> int64 tensor [C, L]
    tokenizer: str
    context_length: int
    vocab_size: int
    reference: str
    weights_dtype: str
    model_files: list = field(default_factory=list)
    versions: dict = field(default_factory=dict)


def _hook_modules_clip(model, seq_first):
    """OpenAI / open_clip module roles (their attribute names agree)."""
    visual = model.visual
    if not hasattr(visual, "conv1") or not hasattr(visual, "transformer"):
        raise ModelError(f"the vision tower is {type(visual).__name__}, not a ViT (ResNet and timm towers are "
                         "not supported by the runtime)")
    if not hasattr(model, "transformer") or not hasattr(model, "ln_final"):
        raise ModelError(f"{type(model).__name__} has no CLIP text transformer (custom text towers are not supported)")
    return dict(seq_first=seq_first, patch=visual.conv1, ln_pre=visual.ln_pre,
                vision_blocks=visual.transformer.resblocks, ln_post=visual.ln_post,
                text_transformer=model.transformer, text_blocks=model.transformer.resblocks, ln_final=model.ln_final)


def _batch(transform):
    return lambda images: torch.stack([transform(image) for image in images])


# ---------------------------------------------------------------------------------------------
# OpenAI CLIP
# ---------------------------------------------------------------------------------------------

def load_openai(name_or_path, trust_pickle=False):
    import clip

    path = Path(name_or_path)
    files = []
    if path.is_file():
        state = unwrap_state_dict(read_weights_file(path, trust_pickle))
        if "visual.proj" not in state:
            raise ModelError(f"{path}: no visual.proj: not an OpenAI CLIP ViT state dict")
        stored = weights_dtype_of(state.values())
        try:
            model = clip.model.build_model(dict(state)).float()
        except Exception as error:  # e.g. widths that are not multiples of 64 (heads = width / 64)
            raise ModelError(f"{path}: clip.model.build_model failed: {' '.join(str(error).split())[:200]}") from None
        exact = {k: v for k, v in state.items() if k not in ("input_resolution", "context_length", "vocab_size")}
        model.load_state_dict(exact)
        preprocess = clip.clip._transform(model.visual.input_resolution)
        reference = f"openai-clip clip.model.build_model({path.name!r}) with the stored weights in fp32"
        files = [describe_file(path)]
    elif name_or_path in clip.available_models():
        model, preprocess = clip.load(name_or_path, device="cpu", jit=False)
        stored = weights_dtype_of(p.detach() for p in model.parameters())
        reference = f"openai-clip clip.load('{name_or_path}', jit=False)"
    else:
        raise ModelError(f"{name_or_path}: neither a file nor one of clip.available_models() "
                         f"({', '.join(clip.available_models())})")
    model = model.float().eval()
    context = model.context_length
    return ClipReference(
        model=model, hook_modules=_hook_modules_clip(model, seq_first=True),
        encode_image=model.encode_image, encode_text=model.encode_text,
        preprocess=_batch(preprocess), preprocessing=f"openai-clip preprocess: {_describe(preprocess)}",
        tokenize=lambda texts: clip.tokenize(texts, context_length=context).long(),
        tokenizer=f"clip.tokenize(context_length={context})", context_length=context,
        vocab_size=model.vocab_size, reference=reference, weights_dtype=stored, model_files=files,
        versions={"openai-clip": _version("openai-clip") or "unknown"})


# ---------------------------------------------------------------------------------------------
# open_clip
# ---------------------------------------------------------------------------------------------

CUSTOM_NAME = "ldvc-golden-custom"


def load_open_clip(model_name, pretrained=None, trust_pickle=False):
    """`model_name`: a built-in name, `hf-hub:org/repo`, `local-dir:PATH`, a folder holding
    `open_clip_config.json`, or such a JSON file. A folder or JSON file with `--pretrained` registers
    the config's `model_cfg` under a private name and takes its `preprocess_cfg`."""
    import open_clip

    kwargs = {}
    name = model_name
    path = Path(model_name)
    files = []
    weights_file = Path(pretrained) if pretrained is not None and Path(pretrained).is_file() else None
    if model_name.startswith("local-dir:"):
        path = Path(model_name[len("local-dir:"):])
    if path.is_dir() and pretrained is None:
        # open_clip builds an untrained model, with only a warning, when the folder has no weights file.
        weights = [p for pattern in ("*.safetensors", "*.bin", "*.pth") for p in sorted(path.glob(pattern))]
        if not weights:
            raise ModelError(f"{path}: no *.safetensors, *.bin or *.pth weights for open_clip's local-dir: "
                             "(give --pretrained FILE)")
        name = f"local-dir:{path}"
        choose = getattr(open_clip.factory, "_find_checkpoint_in_dir", None)  # the file open_clip will load
        weights_file = Path(choose(path)) if choose else weights[0]
        config_file = path / "open_clip_config.json"
        files += [describe_file(p) for p in (config_file, weights_file) if p.is_file()]
    elif path.is_dir() or path.suffix == ".json":
        config_path = path / "open_clip_config.json" if path.is_dir() else path
        if pretrained is None:
            raise ModelError(f"{config_path}: a model config needs --pretrained weights")
        try:
            config = json.loads(config_path.read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise ModelError(f"{config_path}: cannot read the config ({error})") from None
        model_cfg = config.get("model_cfg", config)
        if not all(key in model_cfg for key in ("embed_dim", "vision_cfg", "text_cfg")):
            raise ModelError(f"{config_path}: no model_cfg with embed_dim, vision_cfg, text_cfg")
        with tempfile.TemporaryDirectory(prefix="ldvc-golden-") as folder:
            (Path(folder) / f"{CUSTOM_NAME}.json").write_text(json.dumps(model_cfg))
            open_clip.add_model_config(folder)  # reads the file now; the registry keeps the dict
        name = CUSTOM_NAME
        preprocess_cfg = config.get("preprocess_cfg", {})
        for key, argument in (("mean", "image_mean"), ("std", "image_std"), ("interpolation", "image_interpolation"),
                              ("resize_mode", "image_resize_mode")):
            if key in preprocess_cfg:
                kwargs[argument] = tuple(preprocess_cfg[key]) if isinstance(preprocess_cfg[key], list) else preprocess_cfg[key]
        files.append(describe_file(config_path))
    elif pretrained is None and not model_name.startswith("hf-hub:"):
        raise ModelError(f"{model_name}: give --pretrained (a weights file or tag); without it open_clip builds "
                         "an untrained model")
    stored = None
    if weights_file is not None:
        if pretrained is not None:
            files.append(describe_file(weights_file))
        try:
            stored = weights_dtype_of(unwrap_state_dict(read_weights_file(weights_file, trust_pickle)).values())
        except WeightsError:
            stored = None  # open_clip reports its own loading error below
    if "weights_only" in inspect.signature(open_clip.create_model_and_transforms).parameters:
        kwargs["weights_only"] = not trust_pickle  # open_clip ≥ 2.30; older versions load with torch's default
    try:
        model, _, preprocess = open_clip.create_model_and_transforms(name, pretrained=pretrained, precision="fp32",
                                                                     device="cpu", **kwargs)
        tokenizer = open_clip.get_tokenizer(name)
    except Exception as error:  # open_clip raises RuntimeError/ValueError/FileNotFoundError with one-line messages
        raise ModelError(f"open_clip could not create {model_name!r}: {str(error).splitlines()[0]}") from None
    model = model.float().eval()
    if stored is None:
        stored = weights_dtype_of(p.detach() for p in model.parameters())
    seq_first = not getattr(model.transformer, "batch_first", True) if hasattr(model, "transformer") else False
    context = tokenizer.context_length if hasattr(tokenizer, "context_length") else model.context_length
    shown = f"{name!r} (model_cfg of {files[0]['file']})" if name == CUSTOM_NAME else repr(name)
    return ClipReference(
        model=model, hook_modules=_hook_modules_clip(model, seq_first=seq_first),
        encode_image=model.encode_image, encode_text=model.encode_text,
        preprocess=_batch(preprocess), preprocessing=f"open_clip preprocess_val: {_describe(preprocess)}",
        tokenize=lambda texts: tokenizer(texts).long(), tokenizer=f"open_clip.get_tokenizer({name!r}) "
        f"({type(tokenizer).__name__}, context {context})", context_length=context, vocab_size=model.vocab_size,
        reference=f"open_clip_torch open_clip.create_model_and_transforms({shown}, pretrained="
                  f"{Path(pretrained).name if pretrained and Path(pretrained).is_file() else pretrained!r}"
                  f"{''.join(f', {k}={v!r}' for k, v in kwargs.items() if k != 'weights_only')})",
        weights_dtype=stored, model_files=files, versions={"open_clip_torch": open_clip.__version__})


# ---------------------------------------------------------------------------------------------
# Hugging Face transformers
# ---------------------------------------------------------------------------------------------

def load_hf(directory, tokenizer_source=None):
    import transformers
    from transformers import AutoTokenizer, CLIPImageProcessor, CLIPModel

    transformers.utils.logging.disable_progress_bar()
    directory = Path(directory)
    if not (directory / "config.json").is_file():
        raise ModelError(f"{directory}: no config.json (a folder saved by CLIPModel.save_pretrained)")
    major, minor = (int(part) for part in transformers.__version__.split(".")[:2])
    # Keep the stored dtype (read below); transformers 4.56 renamed torch_dtype to dtype.
    keep_dtype = {"dtype": "auto"} if (major, minor) >= (4, 56) else {"torch_dtype": "auto"}
    try:
        model = CLIPModel.from_pretrained(str(directory), **keep_dtype)
    except Exception as error:
        raise ModelError(f"{directory}: CLIPModel.from_pretrained failed: {str(error).splitlines()[0]}") from None
    stored = weights_dtype_of(p.detach() for p in model.parameters())
    model = model.float().eval()
    size = model.config.vision_config.image_size
    if (directory / "preprocessor_config.json").is_file():
        processor = CLIPImageProcessor.from_pretrained(str(directory))
        preprocessing = f"CLIPImageProcessor.from_pretrained: {_processor_summary(processor)}"
    else:
        processor = CLIPImageProcessor(size={"shortest_edge": size}, crop_size={"height": size, "width": size})
        preprocessing = (f"CLIPImageProcessor defaults at vision_config.image_size {size} (no preprocessor_config.json):"
                         f" {_processor_summary(processor)}")
    context = model.config.text_config.max_position_embeddings
    tokenizer_dir = Path(tokenizer_source) if tokenizer_source else directory
    tokenizer = None
    if any((tokenizer_dir / name).is_file() for name in ("tokenizer.json", "vocab.json", "tokenizer_config.json")):
        tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))

    def tokenize(texts):
        if tokenizer is None:
            raise ModelError(f"{tokenizer_dir}: no tokenizer files (give --tokenizer DIR or --token-ids)")
        return tokenizer(texts, padding="max_length", max_length=context, truncation=False,
                         return_tensors="pt").input_ids.long()

    vm, tm = model.vision_model, model.text_model
    modules = dict(seq_first=False, patch=vm.embeddings.patch_embedding, embeddings_out=vm.embeddings,
                   ln_pre=vm.pre_layrnorm, vision_blocks=vm.encoder.layers, ln_post=vm.post_layernorm,
                   text_embeddings_out=tm.embeddings, text_blocks=tm.encoder.layers, ln_final=tm.final_layer_norm)

    def encode_image(pixels):
        out = model.get_image_features(pixel_values=pixels)
        return getattr(out, "pooler_output", out)

    def encode_text(tokens):
        out = model.get_text_features(input_ids=tokens)
        return getattr(out, "pooler_output", out)

    # from_pretrained reads model.safetensors when present, else pytorch_model.bin (sharded: the index).
    loaded = next((directory / name for name in ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json",
                                                 "pytorch_model.bin.index.json") if (directory / name).is_file()), None)
    files = [describe_file(loaded)] if loaded else []
    return ClipReference(
        model=model, hook_modules=modules, encode_image=encode_image, encode_text=encode_text,
        preprocess=lambda images: processor(images=images, return_tensors="pt").pixel_values,
        preprocessing=preprocessing, tokenize=tokenize,
        tokenizer=f"{type(tokenizer).__name__}.from_pretrained({tokenizer_dir.name!r}), padding max_length {context}"
        if tokenizer else "none", context_length=context, vocab_size=model.config.text_config.vocab_size,
        reference=f"transformers CLIPModel.from_pretrained({str(directory)!r})", weights_dtype=stored,
        model_files=files, versions={"transformers": transformers.__version__})


# ---------------------------------------------------------------------------------------------

def _describe(transform):
    """One line of a torchvision Compose: `Resize(size=224, interpolation=bicubic, …) → …`."""
    steps = getattr(transform, "transforms", [transform])
    parts = []
    for step in steps:
        text = " ".join(repr(step).split())
        parts.append(getattr(step, "__name__", None) or text)
    return " → ".join(parts)


def _processor_summary(processor):
    keys = ("do_resize", "size", "resample", "do_center_crop", "crop_size", "do_rescale", "rescale_factor",
            "do_normalize", "image_mean", "image_std", "do_convert_rgb")

    def plain(value):
        # transformers 5 keeps sizes in a SizeDict dataclass; show only the fields that are set.
        if hasattr(value, "__dataclass_fields__"):
            return {k: v for k, v in vars(value).items() if v is not None}
        return value if isinstance(value, (bool, int, float, str, list, tuple, dict, type(None))) else str(value)

    return json.dumps({k: plain(getattr(processor, k)) for k in keys if hasattr(processor, k)})


def _version(distribution):
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
