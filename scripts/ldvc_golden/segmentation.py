"""ZegCLIP / LDVC segmentation goldens on the repository's reconstruction
(`Fixtures/scripts/ldvc_reference.py`): the model, its settings from a checkpoint, and the taps.

`Segmentor` is the test-time path both golden scripts run: text features, one crop through backbone
and head (`head.*` taps), and sliding-window inference over a whole image (`slide.*` taps).
`Fixtures/scripts/make_goldens.py` builds seeded tiny models from it; `scripts/make_golden.py` builds
one from a trained checkpoint (`segmentor_from_checkpoint`). `SegmentationSettings` reads what the
tensors cannot tell from the checkpoint's `meta.config` (MMSegmentation `pretty_text` or the tiny
fixtures' JSON), under the names the Swift importer reads (Sources/Conversion/MMSegSettings.swift)
and with its defaults.
"""
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

import clip

from .config_text import lookup
from .weights import TRAINING_ONLY_PREFIXES

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "Fixtures" / "scripts"))
import ldvc_reference as ref  # noqa: E402

LABEL_MARGIN = 2e-5   # smallest top-1/top-2 score gap allowed in a label-map tap (scores are O(1))
ROUTING_GAP = 1e-4    # smallest gap between the k-th and (k+1)-th window affinity


def label_margin(scores):
    """Smallest top-1/top-2 gap over classes (axis 1) of a score map."""
    top2 = scores.topk(2, dim=1).values
    return (top2[:, 0] - top2[:, 1]).min().item()


def routing_gap(model):
    """Smallest k-th/(k+1)-th affinity gap over every route attention call since the last reset."""
    gaps = [g for block in getattr(model.decode_head, "decoder", []) for g in block.attn.gaps]
    return min(gaps) if gaps else float("inf")


def reset_routing_gaps(model):
    for block in getattr(model.decode_head, "decoder", []):
        block.attn.gaps = []


class Segmentor(torch.nn.Module):
    """backbone + text_encoder + decode_head, MMSeg names (the checkpoint's `state_dict` keys)."""

    def __init__(self, kind, backbone, text_encoder, decode_head, *, options, image_size, crop_size, stride, seen,
                 seen_offset):
        super().__init__()
        self.kind = kind
        self.backbone = backbone
        self.text_encoder = text_encoder
        self.options = options
        self.decode_head = decode_head
        self.image_size, self.crop_size, self.stride = image_size, crop_size, stride
        self.seen, self.seen_offset = list(seen), seen_offset
        self.eval()

    def keep_layers(self):
        return set(self.options["tap_layers"]) if self.kind == "ldvc" else set()

    def text_features(self, tokens, taps=ref.no_taps):
        features = self.text_encoder(tokens, taps)
        features = features / features.norm(dim=-1, keepdim=True)
        taps("text.features", features)
        return features

    def crop_scores(self, image, classes, taps=ref.no_taps):
        g, dense, kept = self.backbone(image, taps, keep=self.keep_layers())
        if self.kind == "zegclip":
            logits = self.decode_head(dense, g, classes, taps)
        else:
            logits = self.decode_head(dense, g, classes, kept, self.backbone, taps)
        return ref.head_scores(logits, self.image_size, self.seen, self.seen_offset, image.shape[-2:], taps)

    def record_image_taps(self, taps, classes, image, slide_image, output_size):
        """`vision.*` and `head.*` taps of `image` (a batch of crops), then `slide.*` of `slide_image`
        resized to `output_size`. Returns (crop scores, output scores) for the margin checks."""
        scores = self.crop_scores(image, classes, taps)
        slide = ref.slide_inference(slide_image, self.crop_size, self.stride, classes.shape[0],
                                    lambda crop: self.crop_scores(crop, classes))
        taps("slide.scores", slide)
        resized = F.interpolate(slide, size=tuple(output_size), mode="bilinear", align_corners=False)
        taps("slide.output_scores", resized)
        taps("slide.segmentation", resized.argmax(dim=1))
        return scores, resized


# ---------------------------------------------------------------------------------------------
# Settings of a trained checkpoint
# ---------------------------------------------------------------------------------------------

class SettingsError(ValueError):
    pass


def count_blocks(state_dict, prefix):
    """Number of `prefix{n}.…` entries."""
    return len({key[len(prefix):].split(".")[0] for key in state_dict if key.startswith(prefix)})


class SegmentationSettings:
    """What a ZegCLIP/LDVC checkpoint's tensors and `meta.config` say about the model and its test
    pipeline. `sources` records where each configured value came from."""

    def __init__(self, state_dict, config, classes=None):
        self.config = config or {}
        self.sources = {}
        sd = state_dict
        shape = {key: tuple(value.shape) for key, value in sd.items()}
        for key in ("backbone.conv1.weight", "backbone.positional_embedding", "backbone.proj",
                    "backbone.prompt_embeddings", "decode_head.q_proj.weight"):
            if key not in shape:
                raise SettingsError(f"no {key}: not a ZegCLIP/LDVC checkpoint (backbone./text_encoder./decode_head.)")
        # Vision tower and its prompts (tensor shapes).
        self.vision_width, _, self.patch_size, _ = shape["backbone.conv1.weight"]
        positions = shape["backbone.positional_embedding"][0] - 1
        self.grid = math.isqrt(positions)
        if self.grid * self.grid != positions:
            raise SettingsError(f"backbone.positional_embedding has {positions} patch rows, not a square grid")
        self.input_resolution = self.grid * self.patch_size
        self.vision_layers = count_blocks(sd, "backbone.transformer.resblocks.")
        self.embed_dim = shape["backbone.proj"][1]
        self.visual_tokens = shape["backbone.prompt_embeddings"][1]
        self.deep_layers = shape["backbone.deep_prompt_embeddings"][0] if "backbone.deep_prompt_embeddings" in shape else 0
        self.vision_heads = self.setting(["model.backbone.heads", "vision_heads"], self.vision_width // 64,
                                         "width / 64 (OpenAI convention)")
        # Text tower (tensor shapes) and language prompts.
        self.has_text = "text_encoder.token_embedding.weight" in shape
        if self.has_text:
            self.vocab_size, self.text_width = shape["text_encoder.token_embedding.weight"]
            self.context_length = shape["text_encoder.positional_embedding"][0]
            self.text_layers = count_blocks(sd, "text_encoder.transformer.resblocks.")
            self.text_embed_dim = shape["text_encoder.text_projection"][1]
            self.text_heads = self.setting(["model.text_encoder.transformer_heads", "clip.transformer_heads"],
                                           self.text_width // 64, "width / 64 (OpenAI convention)")
        self.text_prompts = None
        if "text_encoder.prompt_embeddings" in shape:
            layers, tokens, _ = shape["text_encoder.prompt_embeddings"]
            self.text_prompts = dict(
                tokens=tokens, layers=layers,
                start=self.setting(["model.text_encoder.prompt_start", "text_prompts.start"], 1, "[RECON] row 1"),
                add_position_at_first_layer=bool(self.setting(
                    ["model.text_encoder.prompt_add_position", "text_prompts.add_position_at_first_layer"], False,
                    "[RECON] no position term")),
                template=self.setting(["model.text_encoder.prompt_template", "text_prompts.template"],
                                      " ".join(["X"] * tokens + ["{}"]), "[RECON] N_t placeholders, then the name"))
        # Head.
        self.head_width = shape["decode_head.q_proj.weight"][0]
        if count_blocks(sd, "decode_head.decoder_1.layers.") > 0:
            self.kind = "zegclip"
            self.head_layers = count_blocks(sd, "decode_head.decoder_1.layers.")
            self.head_mlp = shape["decode_head.decoder_1.layers.0.linear1.weight"][0]
            self.options = None
        elif count_blocks(sd, "decode_head.decoder.") > 0:
            self.kind = "ldvc"
            self.options = self.ldvc_options(sd, shape)
        else:
            raise SettingsError("decode_head has neither ZegCLIP's decoder_1.layers nor LDVC's decoder blocks")
        self.head_heads = self.setting(["model.decode_head.num_heads", "head.heads"], 8, "8 heads (ZegCLIP/LDVC)")
        if self.head_width % self.head_heads:
            raise SettingsError(f"{self.head_heads} head attention heads do not divide the head width {self.head_width}")
        self.image_size = self.setting(["model.decode_head.img_size", "head.image_size"], self.input_resolution,
                                       "the vision input size")
        crop = self.setting(["model.test_cfg.crop_size", "test_cfg.crop_size", "head.crop_size"], self.image_size,
                            "the image size")
        self.crop_size = crop[0] if isinstance(crop, (list, tuple)) else crop
        stride = self.setting(["model.test_cfg.stride", "test_cfg.stride", "head.stride"],
                              (self.crop_size * 426 + 256) // 512, "ZegCLIP's 426/512 overlap")
        self.stride = stride[0] if isinstance(stride, (list, tuple)) else stride
        self.seen_offset = float(self.setting(["model.decode_head.seen_offset", "head.seen_offset"], 0.1,
                                              "ZegCLIP's 0.1"))
        self.self_training = bool(self.setting(["model.self_training"], False, "ZegCLIP's default"))
        seen = self.setting(["model.decode_head.seen_idx", "model.base_class", "seen_idx"], [], "no seen classes")
        # ZegCLIP's semantic_inference subtracts the offset only outside self-training (weight 0.0 there).
        self.seen = [] if self.self_training else [int(i) for i in seen]
        if self.self_training:
            self.sources["seen_classes"] = "model.self_training: no seen offset at test time"
        meta_classes = list(classes or [])
        self.classes = meta_classes
        # Test pipeline (MMSeg): normalisation and keep-ratio resize.
        self.pixel_mean = [float(v) for v in self.setting(["img_norm_cfg.mean", "model.data_preprocessor.mean",
                                                           "head.pixel_mean"], [123.675, 116.28, 103.53], "ImageNet")]
        self.pixel_std = [float(v) for v in self.setting(["img_norm_cfg.std", "model.data_preprocessor.std",
                                                          "head.pixel_std"], [58.395, 57.12, 57.375], "ImageNet")]
        self.to_rgb = bool(self.setting(["img_norm_cfg.to_rgb", "model.data_preprocessor.bgr_to_rgb"], True,
                                        "RGB (mmcv loads BGR)"))
        self.img_scale, self.min_size = self.test_resize()

    def setting(self, paths, default, why):
        value, place = lookup(self.config, paths)
        if place is None:
            self.sources[paths[0]] = f"default: {why}"
            return default
        self.sources[paths[0]] = f"meta.config: {place}"
        return value

    def ldvc_options(self, sd, shape):
        """The reconstructed decoder's options: structure from the tensors, the rest from the config
        (layout attribute names under model.decode_head, BiFormer's n_win/topk/side_dwconv)."""
        blocks = count_blocks(sd, "decode_head.decoder.")
        conv_weight = shape.get("decode_head.decoder.0.conv.weight")
        if conv_weight is None:
            conv, kernel = "none", 0
        else:
            conv, kernel = ("depthwise" if conv_weight[1] == 1 and self.head_width != 1 else "dense"), conv_weight[2]
        lepe = shape.get("decode_head.decoder.0.attn.lepe.weight")
        defaults = [max(0, self.vision_layers - 1 - (self.vision_layers + 2) // 3), self.vision_layers - 1]
        tap_layers, place = lookup(self.config, ["model.decode_head.tap_layers", "decoder.tap_layers"])
        if place is None:
            indices, place = lookup(self.config, ["model.backbone.out_indices"])
            tap_layers = list(indices)[-blocks:] if place and len(indices) >= blocks else defaults
            self.sources["model.decode_head.tap_layers"] = (f"meta.config: tail of {place}" if place and len(indices) >= blocks
                                                            else "default: notes' [7, 11] scaled to the depth [RECON]")
        else:
            self.sources["model.decode_head.tap_layers"] = f"meta.config: {place}"
        if len(tap_layers) != blocks or not all(0 <= int(i) < self.vision_layers for i in tap_layers):
            raise SettingsError(f"tap layers {list(tap_layers)} do not give one vision layer per decoder block ({blocks})")

        def configured(name, bi_former, default, why):
            names = [f"model.decode_head.{name}", f"decoder.{name}"]
            if bi_former:
                names.insert(0, f"model.decode_head.{bi_former}")
            return self.setting(names, default, why)

        recon = "the notes' recommendation [RECON]"
        return dict(
            blocks=blocks, tap_layers=[int(i) for i in tap_layers],
            tap_projection="learned" if "decode_head.input_proj_1.weight" in shape else "clip_head",
            tap_norm_eps=float(configured("tap_norm_eps", None, 1e-5, "nn.LayerNorm default")),
            conv=conv, conv_kernel=kernel,
            fusion=configured("fusion", None, "add_then_conv", recon),
            norm_position=configured("norm_position", None, "pre", recon),
            norm_eps=float(configured("norm_eps", None, 1e-6, "BiFormer LayerNorm eps [RECON]")),
            mlp_width=shape["decode_head.decoder.0.mlp.0.weight"][0],
            activation=configured("activation", None, "gelu", recon),
            route_windows=int(configured("route_windows", "n_win", 8, "the paper's 8×8 windows [PAPER]")),
            route_topk=int(configured("route_topk", "topk", 16, "the paper's top-16 [PAPER]")),
            route_scale=configured("route_scale", None, "qk_dim", recon),
            route_lepe_kernel=lepe[-1] if lepe else 0,
            route_output_projection=int("decode_head.decoder.0.attn.wo.weight" in shape),
            class_norm=int("decode_head.decoder.0.class_norm.weight" in shape),
            final_norm=int("decode_head.final_norm.weight" in shape))

    def test_resize(self):
        """(img_scale (long, short), min_size) of the keep-ratio Resize in the MMSeg test pipeline:
        `data.test.pipeline` or `test_pipeline` (MultiScaleFlipAug's img_scale, Resize's min_size;
        mmseg 1.x Resize(scale=...)). Without one: ZegCLIP's (4·crop, crop), min_size = crop, i.e.
        (2048, 512) / 512 at crop 512."""
        pipeline, place = lookup(self.config, ["data.test.pipeline", "test_pipeline", "test_dataloader.dataset.pipeline"])
        scale, min_size = None, None

        def visit(steps, outer_scale):
            nonlocal scale, min_size
            for step in steps if isinstance(steps, (list, tuple)) else []:
                if not isinstance(step, dict):
                    continue
                kind = step.get("type")
                if kind == "MultiScaleFlipAug":
                    visit(step.get("transforms", []), step.get("img_scale") or step.get("scale"))
                elif kind == "Resize" and step.get("keep_ratio", True):
                    scale = step.get("img_scale") or step.get("scale") or outer_scale
                    min_size = step.get("min_size")

        visit(pipeline, None)
        if scale is not None:
            if isinstance(scale, list) and scale and isinstance(scale[0], (list, tuple)):
                scale = scale[0]
            self.sources["test_pipeline.img_scale"] = f"meta.config: {place}"
            return tuple(int(v) for v in scale), (int(min_size) if min_size else None)
        self.sources["test_pipeline.img_scale"] = "default: ZegCLIP's (4 × crop, crop), min_size crop"
        return (4 * self.crop_size, self.crop_size), self.crop_size

    def class_template(self):
        """The template class names are put into: the language prompts' for LDVC, else ZegCLIP's
        `a photo of a {}` (models/segmentor/zegclip.py)."""
        return self.text_prompts["template"] if self.text_prompts else "a photo of a {}"


class TextTower(torch.nn.Module):
    """OpenAI CLIP's text parts under their `clip.model.CLIP` names, for `PromptedTextEncoder`."""

    def __init__(self, width, layers, heads, context_length, vocab_size, embed_dim):
        super().__init__()
        self.token_embedding = torch.nn.Embedding(vocab_size, width)
        self.positional_embedding = torch.nn.Parameter(torch.empty(context_length, width))
        mask = torch.empty(context_length, context_length).fill_(float("-inf")).triu_(1)
        self.transformer = clip.model.Transformer(width=width, layers=layers, heads=heads, attn_mask=mask)
        self.ln_final = clip.model.LayerNorm(width)
        self.text_projection = torch.nn.Parameter(torch.empty(width, embed_dim))


def segmentor_from_checkpoint(state_dict, settings):
    """The reconstruction (`ldvc_reference.py` modules on OpenAI `clip.model` towers) with the
    checkpoint's weights, loaded strictly (training-only tensors dropped)."""
    s = settings
    if not s.has_text:
        raise SettingsError("the checkpoint has no text_encoder.*: class embeddings need the text tower")
    if s.vision_width % s.vision_heads or s.text_width % s.text_heads:
        raise SettingsError("the configured attention heads do not divide the tower widths")
    visual = clip.model.VisionTransformer(input_resolution=s.input_resolution, patch_size=s.patch_size,
                                          width=s.vision_width, layers=s.vision_layers, heads=s.vision_heads,
                                          output_dim=s.embed_dim)
    backbone = ref.VPTVisionEncoder(visual, num_tokens=s.visual_tokens, deep_layers=s.deep_layers)
    tower = TextTower(s.text_width, s.text_layers, s.text_heads, s.context_length, s.vocab_size, s.text_embed_dim)
    tp = s.text_prompts or {}
    text_encoder = ref.PromptedTextEncoder(tower, num_tokens=tp.get("tokens", 0), layers=tp.get("layers", 0),
                                           start=tp.get("start", 1),
                                           add_position_at_first_layer=tp.get("add_position_at_first_layer", False))
    if s.kind == "zegclip":
        head = ref.ZegCLIPHead(s.head_width, s.head_heads, layers=s.head_layers, mlp=s.head_mlp)
    else:
        head = ref.LDVCHead(s.head_width, s.head_heads, s.options, vision_width=s.vision_width)
    model = Segmentor(s.kind, backbone, text_encoder, head, options=s.options, image_size=s.image_size,
                      crop_size=s.crop_size, stride=s.stride, seen=s.seen, seen_offset=s.seen_offset)
    weights = {k: v for k, v in state_dict.items() if not k.startswith(TRAINING_ONLY_PREFIXES)}
    result = model.load_state_dict(weights, strict=False)
    if result.missing_keys or result.unexpected_keys:
        detail = ", ".join(result.missing_keys[:3] + result.unexpected_keys[:3])
        raise SettingsError(f"the checkpoint does not fit the reconstruction ({len(result.missing_keys)} missing, "
                            f"{len(result.unexpected_keys)} unexpected tensors: {detail})")
    return model.float().eval()
