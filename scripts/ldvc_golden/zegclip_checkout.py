"""ZegCLIP goldens from ZegCLIP's own code: a checkout of https://github.com/ZiqinZhou66/ZegCLIP
(its `models/` folder), nothing of it copied here.

The modules are built from the checkpoint's MMSeg config the way MMSegmentation builds them
(`VPTCLIPVisionTransformer(**model.backbone)`, `CLIPTextEncoder(**model.text_encoder)`,
`ATMSingleHeadSeg(**model.decode_head)`, without the training loss), load the checkpoint strictly, and
run with forward hooks on their submodules; sliding-window inference is `ZegCLIP.slide_inference` from
`models/segmentor/zegclip.py`. Where MMSegmentation 0.x, mmcv 1.x or old timm names are missing (a
machine without ZegCLIP's training environment), minimal stand-ins for exactly the names those files
import are registered; the forward code uses none of them except `BaseDecodeHead`'s constructor
attributes and `resize` (F.interpolate).
"""
import importlib
import sys
import types
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

from .weights import TRAINING_ONLY_PREFIXES
from .taps import sequence_first, text_valid_rows, end_positions


class CheckoutError(ValueError):
    pass


def _resize(input, size=None, scale_factor=None, mode="nearest", align_corners=None, warning=True):
    return F.interpolate(input, size=size, scale_factor=scale_factor, mode=mode, align_corners=align_corners)


class _Registry:
    def register_module(self, *args, **kwargs):
        return (lambda cls: cls) if not args or not isinstance(args[0], type) else args[0]


class _BaseDecodeHead(nn.Module):
    """The attributes ATMSingleHeadSeg's constructor and forward read from MMSeg's BaseDecodeHead."""

    def __init__(self, in_channels, channels=32, num_classes=1, align_corners=False, ignore_index=255, **kwargs):
        super().__init__()
        self.in_channels, self.channels, self.num_classes = in_channels, channels, num_classes
        self.align_corners, self.ignore_index = align_corners, ignore_index
        self.conv_seg = nn.Conv2d(channels, num_classes, 1)  # ZegCLIP deletes it


def _placeholder(name):
    return type(name, (), {})


# (module, names it must provide, stand-in values). Placeholders stand for classes the forward never uses.
_STAND_INS = {
    "tkinter": {"OUTSIDE": "outside"},
    "curses": {"A_ALTCHARSET": 0},
    "matplotlib": {},
    "matplotlib.pyplot": {"text": None},
    "timm": {},
    "timm.models": {},
    "timm.models.layers": {"drop": None, "drop_path": lambda x, drop_prob=0.0, training=False, *a, **k: x,
                           "trunc_normal_": lambda tensor, *a, **k: tensor},
    "timm.models.resnet": {"ResNet": _placeholder("ResNet"), "Bottleneck": _placeholder("Bottleneck")},
    "timm.models.vision_transformer": {"VisionTransformer": _placeholder("VisionTransformer")},
    "mmcv.cnn": {"ConvModule": _placeholder("ConvModule")},
    "mmcv.runner": {"auto_fp16": lambda *a, **k: (lambda f: f), "force_fp32": lambda *a, **k: (lambda f: f)},
}
_MMSEG_STAND_INS = {
    "mmseg": {}, "mmseg.models": {}, "mmseg.models.decode_heads": {},
    "mmseg.models.builder": {"BACKBONES": _Registry(), "HEADS": _Registry(), "SEGMENTORS": _Registry(),
                             "build_backbone": None, "build_head": None},
    "mmseg.models.backbones": {"ResNet": _placeholder("ResNet"), "VisionTransformer": _placeholder("VisionTransformer")},
    "mmseg.models.decode_heads.decode_head": {"BaseDecodeHead": _BaseDecodeHead},
    "mmseg.models.losses": {"accuracy": lambda *a, **k: 0},
    "mmseg.ops": {"Upsample": _placeholder("Upsample"), "resize": _resize},
}


def _provides(module_name, names):
    try:
        module = importlib.import_module(module_name)
    except Exception:  # ImportError, or a version check failing at import (mmseg with mmcv 2)
        return None
    return module if all(hasattr(module, name) for name in names) else None


def install_stand_ins():
    """Registers stand-ins for the names ZegCLIP's model files import that this Python lacks.
    Returns the list of modules that were stood in for."""
    replaced = []
    if not all(_provides(name, names) for name, names in _MMSEG_STAND_INS.items()):
        for name in [n for n in sys.modules if n == "mmseg" or n.startswith("mmseg.")]:
            del sys.modules[name]
        for name, names in _MMSEG_STAND_INS.items():
            module = types.ModuleType(name)
            module.__dict__.update(names)
            sys.modules[name] = module
        replaced.append("mmseg")
    for name, names in _STAND_INS.items():
        real = _provides(name, names)
        if real is not None:
            continue
        module = types.ModuleType(name)
        try:
            module.__dict__.update({k: v for k, v in vars(importlib.import_module(name)).items()
                                    if not k.startswith("__")})
        except Exception:
            pass
        for key, value in names.items():
            if not hasattr(module, key):
                setattr(module, key, value)
        sys.modules[name] = module
        replaced.append(name)
    return replaced


def import_zegclip(checkout):
    """ZegCLIP's classes from a checkout, with `models` registered as a bare package over its folder
    (its __init__.py also imports datasets, losses and the segmentor, i.e. all of MMSegmentation)."""
    checkout = Path(checkout)
    for part in ("models/backbone/img_encoder.py", "models/backbone/text_encoder.py",
                 "models/decode_heads/decode_seg.py", "models/segmentor/zegclip.py", "models/segmentor/untils.py"):
        if not (checkout / part).is_file():
            raise CheckoutError(f"{checkout}: no {part} (give --zegclip a checkout of ZiqinZhou66/ZegCLIP)")
    stood_in = install_stand_ins()
    package = types.ModuleType("models")
    package.__path__ = [str(checkout / "models")]
    sys.modules["models"] = package
    try:
        from models.backbone.img_encoder import VPTCLIPVisionTransformer
        from models.backbone.text_encoder import CLIPTextEncoder
        from models.decode_heads.decode_seg import ATMSingleHeadSeg
        from models.segmentor.untils import tokenize
    except Exception as error:
        raise CheckoutError(f"{checkout}: importing ZegCLIP's models failed: {type(error).__name__}: {error}") from None
    source = (checkout / "models/segmentor/zegclip.py").read_text()
    if "    def slide_inference" not in source:
        raise CheckoutError(f"{checkout}: models/segmentor/zegclip.py has no slide_inference")
    method = source[source.index("    def slide_inference"):]
    namespace = {"torch": torch, "F": F, "resize": _resize}
    # Only the method's text is used: the segmentor class needs MMSegmentation's EncoderDecoder.
    exec(compile("class SlidingWindow:\n" + method, str(checkout / "models/segmentor/zegclip.py"), "exec"), namespace)
    return types.SimpleNamespace(VPTCLIPVisionTransformer=VPTCLIPVisionTransformer, CLIPTextEncoder=CLIPTextEncoder,
                                 ATMSingleHeadSeg=ATMSingleHeadSeg, tokenize=tokenize,
                                 SlidingWindow=namespace["SlidingWindow"], stood_in=stood_in)


def module_arguments(config, settings, class_count):
    """Constructor arguments of the three modules: the MMSeg config's dicts as MMSeg passes them
    (minus `type` and the training loss), or, for the tiny fixtures' JSON config, the same derived
    from the tensors and the JSON."""
    model = config.get("model") if isinstance(config.get("model"), dict) else None
    if model and all(isinstance(model.get(k), dict) for k in ("backbone", "text_encoder", "decode_head")):
        for part, expected in (("backbone", "VPTCLIPVisionTransformer"), ("decode_head", "ATMSingleHeadSeg")):
            if model[part].get("type") != expected:
                raise CheckoutError(f"model.{part}.type is {model[part].get('type')!r}; the runtime has "
                                    f"ZegCLIP's {expected} only")
        backbone = {k: v for k, v in model["backbone"].items() if k != "type"}
        text = {k: v for k, v in model["text_encoder"].items() if k != "type"}
        # ZegCLIP's configs leave the vocabulary to CLIPTextEncoder's default (49,408); a checkpoint
        # with another vocabulary (the tiny fixtures) states it only in its tensors.
        text.setdefault("vocab_size", settings.vocab_size)
        text.setdefault("context_length", settings.context_length)
        head = {k: v for k, v in model["decode_head"].items() if k not in ("type", "loss_decode")}
        return backbone, text, head
    s = settings
    backbone = dict(input_resolution=s.input_resolution, patch_size=s.patch_size, width=s.vision_width,
                    layers=s.vision_layers, heads=s.vision_heads, output_dim=s.embed_dim, out_indices=[s.vision_layers - 1],
                    get_embeddings=True, num_tokens=s.visual_tokens, prompt_dim=s.vision_width, total_d_layer=s.deep_layers)
    text = dict(context_length=s.context_length, vocab_size=s.vocab_size, transformer_width=s.text_width,
                transformer_heads=s.text_heads, transformer_layers=s.text_layers, embed_dim=s.text_embed_dim)
    head = dict(img_size=s.image_size, in_channels=s.head_width, seen_idx=list(s.seen), all_idx=list(range(class_count)),
                embed_dims=s.head_width, num_layers=s.head_layers, num_heads=s.head_heads, use_stages=1, use_proj=False,
                channels=s.head_width, num_classes=max(len(s.seen), 1))
    return backbone, text, head


def _load_part(module, state_dict, prefix):
    part = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix) and not k.startswith(TRAINING_ONLY_PREFIXES)}
    try:
        result = module.load_state_dict(part, strict=False)
    except RuntimeError as error:  # shape mismatches raise even when not strict
        raise CheckoutError(f"{prefix}* does not fit ZegCLIP's {type(module).__name__} built from the config: "
                            f"{' '.join(str(error).split())[:300]}") from None
    if result.missing_keys or result.unexpected_keys:
        detail = ", ".join(result.missing_keys[:3] + result.unexpected_keys[:3])
        raise CheckoutError(f"{prefix}* does not load strictly into ZegCLIP's {type(module).__name__} "
                            f"({len(result.missing_keys)} missing, {len(result.unexpected_keys)} unexpected: {detail})")


class CheckoutSegmentor:
    """ZegCLIP's own modules with the test-time path of `segmentation.Segmentor`."""

    def __init__(self, checkout, state_dict, config, settings, class_count, seen=None):
        code = import_zegclip(checkout)
        self.code = code
        backbone_args, text_args, head_args = module_arguments(config, settings, class_count)
        if int(head_args.get("use_stages", 1)) != 1:
            raise CheckoutError("ATMSingleHeadSeg with use_stages > 1 (multi-stage) is not supported by the runtime")
        if seen is not None:
            head_args["seen_idx"] = list(seen)
            head_args["all_idx"] = sorted(set(head_args.get("all_idx", range(class_count))) | set(seen))
        try:
            self.backbone = code.VPTCLIPVisionTransformer(**backbone_args).eval()
            self.text_encoder = code.CLIPTextEncoder(**text_args).eval()
            self.decode_head = code.ATMSingleHeadSeg(**head_args).eval()
        except Exception as error:
            raise CheckoutError(f"building ZegCLIP's modules from the config failed: {type(error).__name__}: {error}") from None
        if len(getattr(self.backbone, "out_indices", [0])) != 1:
            raise CheckoutError("backbone.out_indices has several layers; ZegCLIP's dense output needs exactly one")
        for module, prefix in ((self.backbone, "backbone."), (self.text_encoder, "text_encoder."),
                               (self.decode_head, "decode_head.")):
            _load_part(module, state_dict, prefix)
            module.float()
        self.self_training = settings.self_training
        self.seen = [] if self.self_training else list(self.decode_head.seen_idx)
        self.context_length = self.text_encoder.context_length
        self.crop_size, self.stride = settings.crop_size, settings.stride
        window = code.SlidingWindow()
        window.test_cfg = types.SimpleNamespace(stride=(self.stride, self.stride), crop_size=(self.crop_size,) * 2)
        window.align_corners = self.decode_head.align_corners
        self.window = window

    def tokenize(self, texts):
        return self.code.tokenize(texts, context_length=self.context_length).long()

    def text_features(self, tokens, taps):
        ends = end_positions(tokens)
        valid = text_valid_rows(tokens)
        encoder = self.text_encoder
        handles = [encoder.transformer.register_forward_pre_hook(
            lambda m, i: taps("text.embeddings", sequence_first(i[0], True), valid))]
        for index, block in enumerate(encoder.transformer.resblocks):
            handles.append(block.register_forward_hook(
                lambda m, i, o, index=index: taps(f"text.blocks.{index}", sequence_first(o, True), valid)))
        handles.append(encoder.ln_final.register_forward_hook(
            lambda m, i, o: taps("text.pooled", o[torch.arange(o.shape[0]), ends])))
        try:
            embeds = encoder(tokens)
        finally:
            for handle in handles:
                handle.remove()
        taps("text.embeds", embeds)
        features = embeds / embeds.norm(dim=-1, keepdim=True)
        taps("text.features", features)
        return features

    def _scores(self, image, classes):
        """ZegCLIP.encode_decode: head.forward_test, then resize to the crop."""
        out = self.decode_head.forward([self.backbone(image), classes], self.self_training)
        return _resize(out, size=image.shape[2:], mode="bilinear", align_corners=self.decode_head.align_corners)

    def record_image_taps(self, taps, classes, image, slide_image, output_size):
        backbone, head = self.backbone, self.decode_head
        last_prompt_norm = {}
        handles = [
            backbone.conv1.register_forward_hook(
                lambda m, i, o: taps("vision.patch_embed", o.flatten(2).transpose(1, 2))),
            backbone.ln_pre.register_forward_pre_hook(lambda m, i: taps("vision.embeddings", i[0])),
            backbone.ln_pre.register_forward_hook(lambda m, i, o: taps("vision.ln_pre", o)),
            # forward_deep_prompt also normalises the second-to-last layer's output; keep the last call.
            backbone.prompt_norm.register_forward_hook(lambda m, i, o: last_prompt_norm.update(value=o)),
        ]
        for index, block in enumerate(backbone.transformer.resblocks):
            handles.append(block.register_forward_hook(
                lambda m, i, o, index=index: taps(f"vision.blocks.{index}", sequence_first(o, True))))
        try:
            outputs = backbone(image)
        finally:
            for handle in handles:
                handle.remove()
        taps("vision.prompt_norm", sequence_first(last_prompt_norm["value"], True))
        dense, g = outputs[0][-1], outputs[1]
        taps("vision.global", g)
        taps("vision.dense", dense)
        batch, _, h, w = dense.shape
        attention = {}
        handles = [head.q_proj.register_forward_hook(lambda m, i, o: taps("head.adapter", o))]
        for index, layer in enumerate(head.decoder_1.layers):
            def record(m, i, o, index=index):
                query, attn = o
                attention[index] = attn.reshape(batch, -1, h, w)
                taps(f"head.layers.{index}.attention", attention[index])
                taps(f"head.layers.{index}.queries", query.transpose(0, 1))
            handles.append(layer.register_forward_hook(record))
        try:
            pred = head.forward([outputs, classes], self.self_training)
        finally:
            for handle in handles:
                handle.remove()
        taps("head.logits", attention[len(attention) - 1])
        scores = _resize(pred, size=image.shape[2:], mode="bilinear", align_corners=head.align_corners)
        taps("head.scores", scores)
        taps("head.segmentation", scores.argmax(dim=1))
        self.window.both_class = list(range(classes.shape[0]))
        self.window.encode_decode = lambda crop, meta: self._scores(crop, classes)
        slide = self.window.slide_inference(slide_image, [{"ori_shape": tuple(output_size)}], False)
        taps("slide.scores", slide)
        resized = _resize(slide, size=tuple(output_size), mode="bilinear", align_corners=head.align_corners)
        taps("slide.output_scores", resized)
        taps("slide.segmentation", resized.argmax(dim=1))
        return scores, resized

