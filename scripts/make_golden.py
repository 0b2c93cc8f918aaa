#!/usr/bin/env python3
"""Make a golden file (Schemas/golden/ldvc-golden-v1.md) from your own PyTorch model and a real image,
for `ldvc-convert verify MODEL.h5 --golden GOLDEN.h5`.

Run it where the model's library is installed (Python 3.9+, torch, h5py, numpy, Pillow, and the
model's library: openai-clip, open_clip_torch, transformers, or for ZegCLIP/LDVC mmcv and optionally
your ZegCLIP checkout). It runs the model in fp32 with forward hooks on every tap of the format, on
images preprocessed the way the model's library does it and prompts tokenised by its tokenizer, and
records in the file what produced it (library versions, model, preprocessing, image names and SHA-256).

  python3 scripts/make_golden.py openai ViT-B-16.pt --image photo.jpg --classes cat,dog -o golden.h5
  python3 scripts/make_golden.py open_clip ViT-B-16 --pretrained open_clip_model.safetensors --image photo.jpg --text "a cat" -o golden.h5
  python3 scripts/make_golden.py hf clip-vit-base-patch16/ --image photo.jpg --classes cat,dog -o golden.h5
  python3 scripts/make_golden.py zegclip zegclip_voc.pth --zegclip ~/ZegCLIP --image photo.jpg -o golden.h5
  python3 scripts/make_golden.py ldvc ldvc_trained.pth --image photo.jpg -o golden.h5

Exit codes as ldvc-convert: 0 written, 64 bad usage, 65 input refused, 66 input missing, 73 output
cannot be created, 74 write error.
"""
import argparse
import json
import logging
import os
import platform
import sys
import types
import warnings
from pathlib import Path

SCRIPT = "scripts/make_golden.py"
EXIT_USAGE, EXIT_INPUT, EXIT_MISSING, EXIT_CANNOT_CREATE, EXIT_WRITE = 64, 65, 66, 73, 74


class GoldenError(Exception):
    def __init__(self, message, code=EXIT_INPUT):
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors and ldvc-convert's exit code for bad usage."""

    def error(self, message):
        raise GoldenError(f"{message} (see --help)", EXIT_USAGE)


def import_torchvision():
    """PyPI's CUDA torchvision wheels fail at import on CPU-only torch ("operator torchvision::nms
    does not exist"), which breaks `import clip` / `open_clip`. Only then is its unused operator
    registration replaced by an empty module."""
    try:
        import torchvision  # noqa: F401
    except Exception:
        for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
            del sys.modules[name]
        sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")


def build_parser():
    parser = Parser(prog="make_golden.py", description=__doc__.split("\n\n")[0],
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                    epilog=__doc__.split("\n\n", 1)[1])
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", parser_class=Parser)
    kinds.required = True

    def common(sub):
        sub.add_argument("-o", "--output", required=True, metavar="GOLDEN.h5", help="the golden file to write")
        sub.add_argument("--image", action="append", required=True, metavar="PATH",
                         help="an image file (repeatable; one batch item each)")
        sub.add_argument("--text", action="append", default=[], metavar="TEXT", help="a prompt, as is (repeatable)")
        sub.add_argument("--classes", action="append", default=[], metavar="A,B,…",
                         help="class names, each put into --template (repeatable, comma-separated)")
        sub.add_argument("--template", metavar="T", help="'{}' is replaced by a class name (default: the model's)")
        sub.add_argument("--token-ids", action="append", default=[], metavar="IDS",
                         help="one prompt as token ids ('998 12 999'), instead of text: for test models whose "
                              "vocabulary is not CLIP's (repeatable)")
        sub.add_argument("--dtype", choices=("auto", "f32", "f16", "bf16"), default="auto",
                         help="precision of the weights the reference computes with, always in fp32 arithmetic "
                              "(weights_dtype): auto = as stored; f16/bf16 = rounded to it first, like "
                              "`ldvc-convert --dtype f16` stores them")
        sub.add_argument("--threads", type=int, default=1, help="torch threads (default 1: reruns are identical)")
        sub.add_argument("--force", action="store_true", help="replace an existing output")
        sub.add_argument("--trust-pickle", action="store_true",
                         help="read weights with torch.load(weights_only=False): runs the file's pickle code, "
                              "only for files you trust")
        sub.add_argument("--traceback", action="store_true", help="show Python's traceback on errors")

    sub = kinds.add_parser("openai", help="OpenAI CLIP (clip.load name, state dict or TorchScript file)",
                           description="OpenAI CLIP: a name of clip.available_models() or a file (state dict, "
                                       "wrapped checkpoint, TorchScript). Images through clip's preprocess, text "
                                       "through clip.tokenize; class template 'a photo of a {}'.")
    sub.add_argument("model", metavar="MODEL")
    common(sub)
    sub = kinds.add_parser("open_clip", help="open_clip (model name, hf-hub:, local-dir:, folder or config)",
                           description="open_clip.create_model_and_transforms(MODEL, pretrained=…): MODEL is a "
                                       "built-in name (ViT-B-16), hf-hub:org/repo, local-dir:PATH, a folder with "
                                       "open_clip_config.json, or such a JSON file (then --pretrained is the "
                                       "weights). Images through its preprocess_val, text through get_tokenizer.")
    sub.add_argument("model", metavar="MODEL")
    sub.add_argument("--pretrained", metavar="PATH_OR_TAG", help="weights file or pretrained tag")
    common(sub)
    sub = kinds.add_parser("hf", help="HF transformers CLIPModel folder",
                           description="CLIPModel.from_pretrained(DIR); images through CLIPImageProcessor "
                                       "(DIR's preprocessor_config.json, else defaults at the model's image size), "
                                       "text through DIR's tokenizer (or --tokenizer).")
    sub.add_argument("model", metavar="DIR")
    sub.add_argument("--tokenizer", metavar="DIR", help="folder with the tokenizer files (default: DIR)")
    common(sub)
    for kind, summary in (("zegclip", "ZegCLIP checkpoint (MMSeg), through your ZegCLIP checkout or the reconstruction"),
                          ("ldvc", "LDVC checkpoint (MMSeg), through the reconstruction ldvc_reference.py")):
        sub = kinds.add_parser(kind, help=summary, description=(
            f"{summary}. Settings come from the checkpoint's meta.config (or --config). Each image goes through "
            "MMSeg's test pipeline (mmcv.imread, keep-ratio mmcv.imrescale to the configured scale, cv2 bilinear, "
            "RGB, normalise); head taps use its first sliding window, the slide taps the whole resized first "
            "image with slide_output_size = its original size. Class names default to meta.CLASSES."))
        sub.add_argument("model", metavar="CHECKPOINT")
        if kind == "zegclip":
            sub.add_argument("--zegclip", metavar="PATH",
                             help="a checkout of ZiqinZhou66/ZegCLIP: run its own modules (default: the "
                                  "repository's reconstruction Fixtures/scripts/ldvc_reference.py)")
            sub.add_argument("--class-embeddings", metavar="NPY",
                             help="class embeddings as ZegCLIP loads them (load_text_embedding .npy), used as given")
        sub.add_argument("--config", metavar="CONFIG.py", help="the MMSeg config, when the checkpoint has no meta.config")
        sub.add_argument("--scale", metavar="LONG,SHORT",
                         help="override the test pipeline's img_scale (default: the config's, else 4·crop,crop)")
        sub.add_argument("--min-size", type=int, metavar="N", help="override the test Resize's min_size")
        sub.add_argument("--seen-classes", metavar="I,J|none",
                         help="override the classes that get −seen_offset (default: the config's seen_idx)")
        common(sub)
    return parser


# ---------------------------------------------------------------------------------------------
# Prompts
# ---------------------------------------------------------------------------------------------

def parse_list(values):
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def prompt_tokens(args, tokenize, context, vocab, default_classes=(), template="a photo of a {}"):
    """(token ids [C, context], prompt texts or None, how they were made)."""
    import torch

    if args.token_ids:
        if args.text or args.classes:
            raise GoldenError("--token-ids replaces --text/--classes; give one or the other", EXIT_USAGE)
        rows = []
        for value in args.token_ids:
            try:
                rows.append([int(v) for v in value.replace(",", " ").split()])
            except ValueError:
                raise GoldenError(f"--token-ids {value!r}: not integers", EXIT_USAGE) from None
        if any(not row or len(row) > context for row in rows):
            raise GoldenError(f"--token-ids: each prompt needs 1 to {context} ids (the model's context)", EXIT_USAGE)
        tokens = torch.zeros(len(rows), context, dtype=torch.long)
        for index, row in enumerate(rows):
            tokens[index, :len(row)] = torch.tensor(row)
        texts, how = None, "token ids given on the command line"
    else:
        if args.template is not None:
            template = args.template
        if "{}" not in template:
            raise GoldenError(f"--template {template!r} has no '{{}}' for the class name", EXIT_USAGE)
        classes = parse_list(args.classes) or ([] if args.text else list(default_classes))
        texts = list(args.text) + [template.format(name) for name in classes]
        if not texts:
            raise GoldenError("give prompts: --text, --classes or --token-ids", EXIT_USAGE)
        try:
            tokens = tokenize(texts)
        except GoldenError:
            raise
        except Exception as error:
            raise GoldenError(f"tokenizing the prompts failed: {str(error).splitlines()[0]}") from None
        how = None
    if int(tokens.min()) < 0 or int(tokens.max()) >= vocab:
        if texts is None:
            raise GoldenError(f"--token-ids: id {int(tokens.max())} is outside the model's vocabulary of {vocab}",
                              EXIT_USAGE)
        raise GoldenError(f"token id {int(tokens.max())} is outside the model's vocabulary of {vocab}: a test model "
                          "with its own vocabulary? give --token-ids")
    return tokens, texts, how


# ---------------------------------------------------------------------------------------------
# CLIP
# ---------------------------------------------------------------------------------------------

def clip_golden(args):
    import torch

    from ldvc_golden import clip_models
    from ldvc_golden.images import image_record, open_pil
    from ldvc_golden.taps import TapLog, end_positions, hook_clip_taps, remove_hooks
    from ldvc_golden.weights import apply_dtype

    if args.kind == "openai":
        loaded = clip_models.load_openai(args.model, args.trust_pickle)
    elif args.kind == "open_clip":
        loaded = clip_models.load_open_clip(args.model, args.pretrained, args.trust_pickle)
    else:
        loaded = clip_models.load_hf(args.model, args.tokenizer)
    weights_dtype = apply_dtype(loaded.model, args.dtype, loaded.weights_dtype)
    pictures = [open_pil(path) for path in args.image]
    records = [image_record(path, picture.height, picture.width) for path, picture in zip(args.image, pictures)]
    with torch.no_grad():
        image = loaded.preprocess(pictures).float()
    tokens, texts, how = prompt_tokens(args, loaded.tokenize, loaded.context_length, loaded.vocab_size)
    taps = TapLog()
    handles = hook_clip_taps(loaded.hook_modules, taps, end_positions(tokens))
    try:
        with torch.no_grad():
            taps("vision.embeds", loaded.encode_image(image))
            taps("text.embeds", loaded.encode_text(tokens))
    finally:
        remove_hooks(handles)
    inputs = {"image": image.numpy(), "text_tokens": tokens.numpy()}
    provenance = dict(images=records, preprocessing=loaded.preprocessing, texts=texts,
                      tokenizer=how or loaded.tokenizer, model_files=loaded.model_files, versions=loaded.versions)
    return inputs, taps, loaded.reference, weights_dtype, provenance, {}


# ---------------------------------------------------------------------------------------------
# ZegCLIP / LDVC
# ---------------------------------------------------------------------------------------------

def segmentation_golden(args):
    import numpy as np
    import torch

    from ldvc_golden.config_text import ConfigTextError, load_config_file, parse_config_text
    from ldvc_golden.images import first_window, image_record, mmseg_test_pipeline
    from ldvc_golden.segmentation import (LABEL_MARGIN, ROUTING_GAP, SegmentationSettings, label_margin,
                                          reset_routing_gaps, routing_gap, segmentor_from_checkpoint)
    from ldvc_golden.taps import TapLog
    from ldvc_golden.weights import (TRAINING_ONLY_PREFIXES, apply_dtype, describe_file, read_weights_file,
                                     unwrap_state_dict, weights_dtype_of)

    checkpoint = read_weights_file(args.model, args.trust_pickle)
    state_dict = unwrap_state_dict(checkpoint)
    meta = checkpoint.get("meta", {}) if isinstance(checkpoint, dict) else {}
    meta = meta if isinstance(meta, dict) else {}
    try:
        if args.config:
            config = load_config_file(args.config)
        elif isinstance(meta.get("config"), str):
            config = parse_config_text(meta["config"])
        else:
            config = {}
    except ConfigTextError as error:
        raise GoldenError(f"{args.config or args.model}: {error}") from None
    settings = SegmentationSettings(state_dict, config, meta.get("CLASSES"))
    if settings.kind != args.kind:
        raise GoldenError(f"{args.model}: the decode_head is {settings.kind}'s, not {args.kind}'s "
                          f"(use `make_golden.py {settings.kind}`)")
    seen_override = None
    if args.seen_classes is not None:
        text = args.seen_classes.strip().lower()
        try:
            seen_override = [] if text == "none" else [int(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise GoldenError(f"--seen-classes {args.seen_classes!r}: class indices or 'none'", EXIT_USAGE) from None
    checkout = getattr(args, "zegclip", None)
    tokens_meta = {}
    if checkout:
        from ldvc_golden.zegclip_checkout import CheckoutSegmentor

        # The prompts are the classes; their count is known before ZegCLIP's tokenizer is loaded.
        class_count = len(args.token_ids) or len(args.text) + len(
            parse_list(args.classes) or ([] if args.text else settings.classes))
        model = CheckoutSegmentor(checkout, state_dict, config, settings, class_count, seen_override)
        tokenize = model.tokenize
        reference = f"ZegCLIP's own modules from {Path(checkout).name}/models (VPTCLIPVisionTransformer, " \
                    f"CLIPTextEncoder, ATMSingleHeadSeg, ZegCLIP.slide_inference)"
        if model.code.stood_in:
            reference += f" with stand-ins for {', '.join(model.code.stood_in)}"
        tokens_meta["tokenizer"] = f"ZegCLIP models/segmentor/untils.py tokenize(context_length={model.context_length})"
        seen = model.seen
    else:
        import clip

        model = segmentor_from_checkpoint(state_dict, settings)
        if seen_override is not None:
            model.seen = seen_override
        context = settings.context_length
        tokenize = lambda texts: clip.tokenize(texts, context_length=context).long()  # noqa: E731
        reference = f"Fixtures/scripts/ldvc_reference.py ({settings.kind}) on openai-clip clip.model towers"
        tokens_meta["tokenizer"] = f"clip.tokenize(context_length={context})"
        seen = model.seen
    module = model if not checkout else torch.nn.ModuleList([model.backbone, model.text_encoder, model.decode_head])
    detected = weights_dtype_of(v for k, v in state_dict.items() if not k.startswith(TRAINING_ONLY_PREFIXES))
    weights_dtype = apply_dtype(module, args.dtype, detected)

    scale = settings.img_scale
    if args.scale:
        try:
            scale = tuple(int(v) for v in args.scale.split(","))
        except ValueError:
            scale = ()
        if len(scale) != 2 or min(scale) <= 0:
            raise GoldenError(f"--scale {args.scale!r}: two positive integers LONG,SHORT", EXIT_USAGE)
    min_size = args.min_size if args.min_size is not None else settings.min_size
    crops, records, slide_image, output_size = [], [], None, None
    for path in args.image:
        normalised, original, resized = mmseg_test_pipeline(path, img_scale=scale, min_size=min_size,
                                                             mean=settings.pixel_mean, std=settings.pixel_std,
                                                             to_rgb=settings.to_rgb)
        records.append(dict(image_record(path, *original), resized_height=int(resized[0]), resized_width=int(resized[1])))
        crops.append(first_window(normalised, settings.crop_size))
        if slide_image is None:
            slide_image, output_size = normalised[None], original
    if len({crop.shape for crop in crops}) != 1:
        raise GoldenError("the images' first windows differ in size (an image smaller than the crop after resizing); "
                          "give images of similar aspect ratio")
    image = torch.from_numpy(np.stack(crops))
    slide = torch.from_numpy(np.ascontiguousarray(slide_image))
    template = args.template or settings.class_template()
    tokens, texts, how = prompt_tokens(args, tokenize, settings.context_length, settings.vocab_size,
                                       default_classes=settings.classes, template=template)
    class_embeddings = None
    if getattr(args, "class_embeddings", None):
        try:
            array = np.load(args.class_embeddings)
        except (OSError, ValueError) as error:
            raise GoldenError(f"{args.class_embeddings}: not a .npy array ({error})") from None
        if array.ndim != 2 or array.shape[0] != tokens.shape[0]:
            raise GoldenError(f"{args.class_embeddings}: shape {array.shape}, expected one row per prompt "
                              f"({tokens.shape[0]})")
        class_embeddings = torch.from_numpy(array.astype(np.float32))
    if seen and max(seen) >= tokens.shape[0]:
        raise GoldenError(f"seen class {max(seen)} is outside the {tokens.shape[0]} classes (give --seen-classes)")

    taps = TapLog()
    with torch.no_grad():
        features = model.text_features(tokens, taps)
        classes = features if class_embeddings is None else class_embeddings
        if not checkout:
            reset_routing_gaps(model)
        scores, resized = model.record_image_taps(taps, classes, image, slide, output_size)
    margins = {"label_margin": label_margin(scores), "slide_label_margin": label_margin(resized)}
    if not checkout and settings.kind == "ldvc":
        margins["routing_gap"] = routing_gap(model)
    notes = {}
    if min(margins["label_margin"], margins["slide_label_margin"]) < LABEL_MARGIN:
        notes["label maps"] = (f"a top-1/top-2 score gap is {min(margins['label_margin'], margins['slide_label_margin']):.1e}"
                               f" (< {LABEL_MARGIN:g}): fp32 noise may flip a label; verify allows no flip at fp32")
    if margins.get("routing_gap", float("inf")) < ROUTING_GAP:
        notes["routing"] = (f"a route-attention top-k decision is {margins['routing_gap']:.1e} from a tie "
                            f"(< {ROUTING_GAP:g}): fp32 noise may pick another window")

    inputs = {"image": image.numpy(), "text_tokens": tokens.numpy()}
    if class_embeddings is not None:
        inputs["class_embeddings"] = class_embeddings.numpy()
    if seen:
        inputs["seen_classes"] = np.asarray(seen, dtype=np.int64)
    inputs["slide_image"] = slide.numpy()
    inputs["slide_output_size"] = np.asarray(output_size, dtype=np.int64)
    mean, std = settings.pixel_mean, settings.pixel_std
    preprocessing = (f"MMSeg test pipeline: mmcv.imread (BGR) → Resize(img_scale={tuple(scale)}, keep_ratio=True, "
                     f"min_size={min_size}) with mmcv.imrescale (cv2 bilinear) → Normalize(mean={mean}, std={std}, "
                     f"to_rgb={settings.to_rgb}) → CHW; inputs/image: the first {settings.crop_size}×"
                     f"{settings.crop_size} sliding window of each image; inputs/slide_image: the whole first image, "
                     f"slide_output_size its original size")
    files = [describe_file(args.model)] + ([describe_file(args.class_embeddings)] if class_embeddings is not None else [])
    versions = {"mmcv": _version("mmcv") or _version("mmcv-lite") or _version("mmcv-full") or "unknown",
                "openai-clip": _version("openai-clip") or "unknown"}
    provenance = dict(images=records, preprocessing=preprocessing, texts=texts, tokenizer=how or tokens_meta["tokenizer"],
                      model_files=files, versions=versions, settings=settings.sources, margins=margins)
    return inputs, taps, reference, weights_dtype, provenance, notes


# ---------------------------------------------------------------------------------------------

def _version(distribution):
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def check_output(args):
    output = Path(args.output)
    if not output.parent.is_dir():
        raise GoldenError(f"{output}: the folder {output.parent} does not exist", EXIT_CANNOT_CREATE)
    if output.exists() and not args.force:
        raise GoldenError(f"{output}: exists (use --force to replace it)", EXIT_CANNOT_CREATE)
    inputs = [args.model] + list(args.image)
    if any(Path(p).exists() and Path(p).resolve() == output.resolve() for p in inputs):
        raise GoldenError(f"{output}: would overwrite an input", EXIT_CANNOT_CREATE)
    model = Path(args.model)
    if args.kind in ("zegclip", "ldvc", "hf") and not model.exists():
        raise GoldenError(f"{model}: no such file or folder", EXIT_MISSING)
    if args.kind == "openai" and not model.exists() and model.suffix in (".pt", ".pth", ".bin", ".safetensors"):
        raise GoldenError(f"{model}: no such file", EXIT_MISSING)
    for path in args.image:
        if not Path(path).is_file():
            raise GoldenError(f"{path}: no such file", EXIT_MISSING)


def run(argv):
    args = build_parser().parse_args(argv)
    if args.threads < 1:
        raise GoldenError("--threads must be at least 1", EXIT_USAGE)
    if getattr(args, "min_size", None) is not None and args.min_size <= 0:
        raise GoldenError("--min-size must be positive", EXIT_USAGE)
    check_output(args)
    warnings.filterwarnings("ignore")
    logging.disable(logging.ERROR)  # open_clip logs its failures on the root logger before raising them
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import_torchvision()
    import h5py
    import numpy
    import PIL
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ldvc_golden.writer import write_golden

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    if args.kind in ("openai", "open_clip", "hf"):
        inputs, taps, reference, weights_dtype, provenance, notes = clip_golden(args)
    else:
        inputs, taps, reference, weights_dtype, provenance, notes = segmentation_golden(args)
    versions = {"python": platform.python_version(), "torch": torch.__version__, "numpy": numpy.__version__,
                "Pillow": PIL.__version__, "h5py": h5py.__version__, **provenance.pop("versions")}
    attributes = {"images": json.dumps(provenance["images"]), "preprocessing": provenance["preprocessing"]}
    if provenance["texts"] is not None:
        attributes["texts"] = json.dumps(provenance["texts"], ensure_ascii=False)
    attributes["tokenizer"] = provenance["tokenizer"]
    attributes["model_files"] = json.dumps(provenance["model_files"])
    attributes["library_versions"] = json.dumps(versions)
    if "settings" in provenance:
        attributes["settings"] = json.dumps(provenance["settings"], sort_keys=True, ensure_ascii=False)
    if "margins" in provenance:
        attributes["margins"] = json.dumps(provenance["margins"])
    attributes["command"] = " ".join(["make_golden.py"] + [_quote(a) for a in argv])
    version_text = ", ".join(f"{k} {v}" for k, v in versions.items())
    try:
        write_golden(Path(args.output), inputs=inputs, taps=taps, producer=SCRIPT, reference=f"{reference}; {version_text}",
                     model=args.model, weights_dtype=weights_dtype, provenance=attributes)
    except OSError as error:
        raise GoldenError(f"{args.output}: cannot write ({error.strerror or error})", EXIT_WRITE) from None
    shapes = ", ".join(f"{name} {list(value.shape)}" for name, value in inputs.items())
    print(f"wrote {args.output}: {len(taps)} taps, weights_dtype {weights_dtype}; inputs {shapes}")
    for key, note in notes.items():
        print(f"warning: {key}: {note}")
    return 0


def _quote(argument):
    return argument if argument and all(c.isalnum() or c in "-_./:,=+@" for c in argument) else json.dumps(argument)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        return run(argv)
    except GoldenError as error:
        print(f"make_golden.py: error: {error}", file=sys.stderr)
        return error.code
    except Exception as error:
        if "--traceback" in argv:
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        known = {"ModelError", "WeightsError", "ImageError", "SettingsError", "CheckoutError", "ConfigTextError"}
        code = EXIT_INPUT if type(error).__name__ in known else 1
        prefix = "" if code == EXIT_INPUT else f"{type(error).__name__}: "
        print(f"make_golden.py: error: {prefix}{message[:600]}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
