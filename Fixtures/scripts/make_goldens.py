#!/usr/bin/env python3
"""Golden outputs for ldvc-swift's runtime (`ldvc-convert verify`, Tests/RuntimeTests).

What it makes (under Fixtures/runtime/):

* goldens/clip_*.h5   every tap of the tiny CLIP checkpoints that scripts/make_checkpoints.py wrote
                      (OpenAI fp32 / fp16 / bf16 weights, open_clip GELU, HF quick_gelu), run by the
                      reference classes themselves (clip.model.CLIP, open_clip.CLIP, transformers.CLIPModel)
                      with forward hooks on fixed inputs.
* checkpoints/*.pth   tiny ZegCLIP and LDVC models built here from the reference modules in
                      ldvc_reference.py (OpenAI CLIP towers + notes B1–B5), MMSeg layout
                      `{meta: {config, CLASSES}, state_dict}` with MMSeg key names.
* models/*.h5         the same models written directly in ldvc-layout-v1 with h5py (every required root
                      attribute, the `/prompts` and `/head` groups), until the converter reads MMSeg files.
* goldens/{zegclip,ldvc,ldvc_alt}_tiny.h5
                      every tap of those models: vision (with prompts), text (with prompts), adapter,
                      decoder layers/blocks, logits, calibrated scores, per-crop label maps, sliding-window
                      scores and the final label map.

The golden format is documented in Schemas/golden/ldvc-golden-v1.md. Tap recording, writing and the
segmentation test path are scripts/ldvc_golden/, shared with scripts/make_golden.py (goldens of a user's
own model). Run from the repository root:

    python3 Fixtures/scripts/make_goldens.py

Seeds are fixed; reruns give the same numbers (CPU, torch 2.13.0+cpu, 1 thread).
"""

# The PyPI torchvision wheel is CUDA-built; `clip`, `open_clip` and `transformers` import it and its
# `_meta_registrations` module fails on CPU-only torch ("operator torchvision::nms does not exist").
# Nothing here needs torchvision's operators, so an empty stand-in is registered before those imports.
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import clip  # noqa: E402
import open_clip  # noqa: E402
import safetensors.torch  # noqa: E402
from transformers import CLIPConfig, CLIPModel  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import ldvc_reference as ref  # noqa: E402
# Tap recording, golden writing and the segmentation test path are shared with scripts/make_golden.py.
from ldvc_golden.segmentation import (LABEL_MARGIN, ROUTING_GAP, Segmentor, label_margin,  # noqa: E402
                                      reset_routing_gaps, routing_gap)
from ldvc_golden.taps import TapLog, hook_clip_taps, remove_hooks  # noqa: E402
from ldvc_golden.writer import write_golden  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Fixtures"
OUT = FIXTURES / "runtime"
PRODUCER = "Fixtures/scripts/make_goldens.py"
VERSIONS = (f"torch {torch.__version__}, openai-clip 1.0.1, open_clip_torch {open_clip.__version__}, "
            f"transformers {__import__('transformers').__version__}, h5py {h5py.__version__}")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


# ---------------------------------------------------------------------------------------------
# CLIP goldens from the reference classes (checkpoints from make_checkpoints.py)
# ---------------------------------------------------------------------------------------------

def clip_inputs(seed):
    gen = torch.Generator().manual_seed(seed)
    image = torch.randn(2, 3, 32, 32, generator=gen)
    tokens = torch.zeros(3, 16, dtype=torch.long)
    for row, end in enumerate((5, 9, 15)):  # end-token positions: short, middle, full context
        tokens[row, 0] = 998
        tokens[row, 1:end] = torch.randint(1, 998, (end - 1,), generator=gen)
        tokens[row, end] = 999
    return image, tokens


def clip_golden(name, convention, checkpoint, weights_dtype, seed):
    image, tokens = clip_inputs(seed)
    ends = tokens.argmax(dim=-1)
    taps = TapLog()
    if convention in ("openai", "open_clip"):
        if convention == "openai":
            from make_checkpoints import OPENAI_KW  # the tiny config the checkpoints were built with
            model = clip.model.CLIP(**OPENAI_KW)
            reference = "openai-clip 1.0.1 clip.model.CLIP"
        else:
            cfg = json.loads((FIXTURES / "torch/open_clip/open_clip_config.json").read_text())["model_cfg"]
            model = open_clip.CLIP(**cfg)
            reference = f"open_clip_torch {open_clip.__version__} open_clip.CLIP (quick_gelu false)"
        sd = torch.load(FIXTURES / checkpoint, map_location="cpu", weights_only=True)
        # load_state_dict copies into the fp32 parameters: f16/bf16 weights are widened exactly,
        # which is what the runtime does; the computation is fp32 either way.
        model.load_state_dict(sd)
        model = model.float().eval()
        seq_first = convention == "openai" or not getattr(model.transformer, "batch_first", True)
        modules = dict(seq_first=seq_first, patch=model.visual.conv1, ln_pre=model.visual.ln_pre,
                       vision_blocks=model.visual.transformer.resblocks, ln_post=model.visual.ln_post,
                       text_transformer=model.transformer, text_blocks=model.transformer.resblocks,
                       ln_final=model.ln_final)
        handles = hook_clip_taps(modules, taps, ends)
        with torch.no_grad():
            image_features = model.encode_image(image)
            taps("vision.embeds", image_features)
            text_features = model.encode_text(tokens)
            taps("text.embeds", text_features)
    else:
        model = CLIPModel.from_pretrained(FIXTURES / "hf").float().eval()
        sd = safetensors.torch.load_file(FIXTURES / checkpoint)
        model.load_state_dict(sd, strict=False)
        reference = f"transformers {__import__('transformers').__version__} CLIPModel"
        vm, tm = model.vision_model, model.text_model
        modules = dict(seq_first=False, patch=vm.embeddings.patch_embedding, embeddings_out=vm.embeddings,
                       ln_pre=vm.pre_layrnorm, vision_blocks=vm.encoder.layers, ln_post=vm.post_layernorm,
                       text_embeddings_out=tm.embeddings, text_blocks=tm.encoder.layers, ln_final=tm.final_layer_norm)
        handles = hook_clip_taps(modules, taps, ends)
        with torch.no_grad():
            out = model.get_image_features(pixel_values=image)
            taps("vision.embeds", getattr(out, "pooler_output", out))
            out = model.get_text_features(input_ids=tokens)
            taps("text.embeds", getattr(out, "pooler_output", out))
    remove_hooks(handles)
    # Text taps first recorded during encode_text; keep forward order per tower as recorded.
    write_golden(OUT / "goldens" / f"{name}.h5", inputs={"image": image.numpy(), "text_tokens": tokens.numpy()},
                 taps=taps, producer=PRODUCER, reference=f"{reference}; {VERSIONS}", model=checkpoint,
                 weights_dtype=weights_dtype)
    return taps


# ---------------------------------------------------------------------------------------------
# Tiny ZegCLIP / LDVC models
# ---------------------------------------------------------------------------------------------

VOCAB, CONTEXT, SOT, EOT, PLACEHOLDER = 100, 16, 98, 99, 5
CLIP_KW = dict(embed_dim=32, image_resolution=32, vision_layers=3, vision_width=32, vision_patch_size=4,
               context_length=CONTEXT, vocab_size=VOCAB, transformer_width=32, transformer_heads=2, transformer_layers=2)
HEAD = dict(width=32, heads=4, image_size=32, crop_size=32, stride=27, seen_offset=0.1)
CLASSES = ["cat", "grass", "sky", "road"]
SEEN = [0, 1]

LDVC_DEFAULT = dict(blocks=2, tap_layers=[1, 2], tap_projection="learned", tap_norm_eps=1e-5, conv="depthwise",
                    conv_kernel=3, fusion="add_then_conv", norm_position="pre", norm_eps=1e-6, mlp_width=128,
                    activation="gelu", route_windows=4, route_topk=4, route_scale="qk_dim", route_lepe_kernel=0,
                    route_output_projection=1, class_norm=0, final_norm=0)
LDVC_ALT = dict(LDVC_DEFAULT, tap_projection="clip_head", conv="dense", fusion="conv_on_tap", norm_position="post",
                norm_eps=1e-5, activation="relu", route_windows=2, route_topk=2, route_scale="head_dim",
                route_lepe_kernel=3, route_output_projection=0, class_norm=1, final_norm=1)


def perturb(module, seed, std=0.05):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.add_(torch.randn(p.shape, generator=gen) * std)


def build_clip(seed):
    torch.manual_seed(seed)
    model = clip.model.CLIP(**dict(CLIP_KW, vision_width=64))
    # clip.model.CLIP derives vision heads as width // 64, which is 0 for width 32; build the
    # vision tower with OpenAI's own VisionTransformer class directly, with 2 heads of 16.
    model.visual = clip.model.VisionTransformer(input_resolution=32, patch_size=4, width=32, layers=3, heads=2, output_dim=32)
    perturb(model, seed + 1)
    return model.eval()


def tiny_segmentor(kind, seed, options=None, text_prompts=None):
    """A seeded tiny ZegCLIP / LDVC model: OpenAI CLIP towers with the reference modules around them,
    every parameter given seeded noise."""
    clip_model = build_clip(seed)
    backbone = ref.VPTVisionEncoder(clip_model.visual, num_tokens=5, deep_layers=2)
    tp = text_prompts or {}
    text_encoder = ref.PromptedTextEncoder(clip_model, num_tokens=tp.get("tokens", 0), layers=tp.get("layers", 0),
                                           start=tp.get("start", 1),
                                           add_position_at_first_layer=tp.get("add_position_at_first_layer", False))
    if kind == "zegclip":
        decode_head = ref.ZegCLIPHead(HEAD["width"], HEAD["heads"], layers=3, mlp=128)
    else:
        decode_head = ref.LDVCHead(HEAD["width"], HEAD["heads"], options, vision_width=32)
    model = Segmentor(kind, backbone, text_encoder, decode_head, options=options, image_size=HEAD["image_size"],
                      crop_size=HEAD["crop_size"], stride=HEAD["stride"], seen=SEEN, seen_offset=HEAD["seen_offset"])
    torch.manual_seed(seed + 7)
    with torch.no_grad():
        model.backbone.prompt_embeddings.uniform_(-0.5, 0.5)
        if model.backbone.deep_prompt_embeddings is not None:
            model.backbone.deep_prompt_embeddings.uniform_(-0.5, 0.5)
        if model.text_encoder.prompt_embeddings is not None:
            model.text_encoder.prompt_embeddings.normal_(0, 0.5)
    perturb(model.backbone.prompt_proj, seed + 8)
    perturb(model.backbone.prompt_norm, seed + 9)
    perturb(model.decode_head, seed + 10)
    return model.eval()


def class_tokens(prompted, gen):
    """[C, 16] token ids: [SOT, (3 placeholders,) name ids, EOT, pad]."""
    tokens = torch.zeros(len(CLASSES), CONTEXT, dtype=torch.long)
    for row in range(len(CLASSES)):
        name = torch.randint(6, 90, (1 + row % 3,), generator=gen).tolist()
        ids = [SOT] + ([PLACEHOLDER] * 3 if prompted else []) + name + [EOT]
        tokens[row, :len(ids)] = torch.tensor(ids)
    return tokens


def runtime_golden(name, model, seed, fp16_class_embeddings):
    """Goldens for one tiny model. Inputs are redrawn (next seed) until no label map or route decision
    sits within LABEL_MARGIN / ROUTING_GAP of a tie, so float noise far below the tolerance cannot
    flip a discrete output of the golden."""
    for attempt in range(50):
        result = runtime_golden_attempt(name, model, seed + attempt, fp16_class_embeddings)
        if result is not None:
            return result
    raise RuntimeError(f"{name}: no input seed gave clear margins")


def runtime_golden_attempt(name, model, seed, fp16_class_embeddings):
    gen = torch.Generator().manual_seed(seed)
    image = torch.randn(2, 3, 32, 32, generator=gen)
    slide_image = torch.randn(1, 3, 40, 36, generator=gen)
    tokens = class_tokens(model.text_encoder.prompt_embeddings is not None, gen)
    taps = TapLog()
    reset_routing_gaps(model)
    with torch.no_grad():
        classes = model.text_features(tokens, taps)
        inputs = {"image": image.numpy(), "text_tokens": tokens.numpy()}
        if fp16_class_embeddings:
            # ZegCLIP's released class embeddings are float16 .npy files (notes B2); use them as given.
            classes = classes.half().float()
            inputs["class_embeddings"] = classes.numpy()
        inputs["seen_classes"] = np.asarray(SEEN, dtype=np.int64)
        output_size = (30, 27)
        scores, resized = model.record_image_taps(taps, classes, image, slide_image, output_size)
    margins = (label_margin(scores), label_margin(resized), routing_gap(model))
    if margins[0] < LABEL_MARGIN or margins[1] < LABEL_MARGIN or margins[2] < ROUTING_GAP:
        return None
    inputs["slide_image"] = slide_image.numpy()
    inputs["slide_output_size"] = np.asarray(output_size, dtype=np.int64)
    write_golden(OUT / "goldens" / f"{name}.h5", inputs=inputs, taps=taps, producer=PRODUCER,
                 reference=f"Fixtures/scripts/ldvc_reference.py ({model.kind}) on openai-clip clip.model; {VERSIONS}",
                 model=f"runtime/models/{name}.h5", weights_dtype="f32")
    return {"seed": seed, "label_margin": margins[0], "slide_label_margin": margins[1], "routing_gap": margins[2]}


# ---------------------------------------------------------------------------------------------
# MMSeg checkpoint and ldvc-layout-v1 file of a tiny model
# ---------------------------------------------------------------------------------------------

def canonical_tensors(sd, kind, options):
    """(canonical name, tensor, source key, transform) for every tensor of the MMSeg state dict.
    The mapping is the one issue 6's importer will need; unknown keys fail."""
    out = []

    def add(canonical, key, transform="identity", tensor=None):
        t = sd[key] if tensor is None else tensor
        if transform == "transpose":
            t = t.t()
        out.append((canonical, t.contiguous(), key, transform))

    def block(prefix, canonical_prefix, index):
        p, c = f"{prefix}.transformer.resblocks.{index}.", f"{canonical_prefix}.blocks.{index}."
        for kind_ in ("weight", "bias"):
            fused = sd[p + f"attn.in_proj_{kind_}"]
            n = fused.shape[0] // 3
            for part, name in enumerate(("q_proj", "k_proj", "v_proj")):
                add(c + f"attn.{name}.{kind_}", p + f"attn.in_proj_{kind_}", f"split_qkv:{part}", fused[part * n:(part + 1) * n])
            add(c + f"attn.out_proj.{kind_}", p + f"attn.out_proj.{kind_}")
            add(c + f"ln_1.{kind_}", p + f"ln_1.{kind_}")
            add(c + f"ln_2.{kind_}", p + f"ln_2.{kind_}")
            add(c + f"mlp.fc1.{kind_}", p + f"mlp.c_fc.{kind_}")
            add(c + f"mlp.fc2.{kind_}", p + f"mlp.c_proj.{kind_}")

    add("vision.patch_embed.weight", "backbone.conv1.weight")
    add("vision.class_embedding", "backbone.class_embedding")
    add("vision.position_embedding", "backbone.positional_embedding")
    add("vision.ln_pre.weight", "backbone.ln_pre.weight")
    add("vision.ln_pre.bias", "backbone.ln_pre.bias")

    def layers(prefix):
        return len({k[len(prefix):].split(".")[0] for k in sd if k.startswith(prefix)})

    for i in range(layers("backbone.transformer.resblocks.")):
        block("backbone", "vision", i)
    add("vision.ln_post.weight", "backbone.ln_post.weight")
    add("vision.ln_post.bias", "backbone.ln_post.bias")
    add("vision.proj.weight", "backbone.proj", "transpose")
    add("text.token_embedding", "text_encoder.token_embedding.weight")
    add("text.position_embedding", "text_encoder.positional_embedding")
    for i in range(layers("text_encoder.transformer.resblocks.")):
        block("text_encoder", "text", i)
    add("text.ln_final.weight", "text_encoder.ln_final.weight")
    add("text.ln_final.bias", "text_encoder.ln_final.bias")
    add("text.proj.weight", "text_encoder.text_projection", "transpose")
    add("prompts.vision.embeddings", "backbone.prompt_embeddings")
    add("prompts.vision.deep_embeddings", "backbone.deep_prompt_embeddings")
    for s in ("weight", "bias"):
        add(f"prompts.vision.proj.{s}", f"backbone.prompt_proj.{s}")
        add(f"prompts.vision.norm.{s}", f"backbone.prompt_norm.{s}")
    if "text_encoder.prompt_embeddings" in sd:
        add("prompts.text.embeddings", "text_encoder.prompt_embeddings")
    if kind is None:
        pass
    else:
        for s in ("weight", "bias"):
            add(f"head.adapter.{s}", f"decode_head.q_proj.{s}")
    if kind == "zegclip":
        for i in range(layers("decode_head.decoder_1.layers.")):
            p, c = f"decode_head.decoder_1.layers.{i}.", f"head.layers.{i}."
            for s in ("weight", "bias"):
                for src, dst in (("q", "q_proj"), ("k", "k_proj"), ("v", "v_proj"), ("proj", "out_proj")):
                    add(c + f"cross_attn.{dst}.{s}", p + f"multihead_attn.{src}.{s}")
                for n in ("norm1", "norm2", "norm3"):
                    add(c + f"{n}.{s}", p + f"{n}.{s}")
                add(c + f"mlp.fc1.{s}", p + f"linear1.{s}")
                add(c + f"mlp.fc2.{s}", p + f"linear2.{s}")
                fused = sd[p + f"self_attn.in_proj_{s}"]
                n = fused.shape[0] // 3
                for part, name in enumerate(("q_proj", "k_proj", "v_proj")):
                    add(c + f"self_attn.{name}.{s}", p + f"self_attn.in_proj_{s}", f"split_qkv:{part}", fused[part * n:(part + 1) * n])
                add(c + f"self_attn.out_proj.{s}", p + f"self_attn.out_proj.{s}")
    elif kind == "ldvc":
        o = options
        for l in range(o["blocks"]):
            p, c = f"decode_head.decoder.{l}.", f"head.blocks.{l}."
            for s in ("weight", "bias"):
                if o["tap_projection"] == "learned":
                    add(f"head.tap_proj.{l}.{s}", f"decode_head.input_proj_{l + 1}.{s}")
                    add(f"head.tap_norm.{l}.{s}", f"decode_head.proj_norm_{l + 1}.{s}")
                if o["conv"] != "none":
                    add(c + f"conv.{s}", p + f"conv.{s}")
                for n in ("norm1", "norm2", "norm3"):
                    add(c + f"{n}.{s}", p + f"{n}.{s}")
                add(c + f"route_attn.qkv.{s}", p + f"attn.qkv.qkv.{s}")
                if o["route_output_projection"]:
                    add(c + f"route_attn.out_proj.{s}", p + f"attn.wo.{s}")
                if o["route_lepe_kernel"]:
                    add(c + f"route_attn.lepe.{s}", p + f"attn.lepe.{s}")
                if o["class_norm"]:
                    add(c + f"class_norm.{s}", p + f"class_norm.{s}")
                for src, dst in (("q", "q_proj"), ("k", "k_proj"), ("v", "v_proj"), ("proj", "out_proj")):
                    add(c + f"cross_attn.{dst}.{s}", p + f"cross_attn.{src}.{s}")
                add(c + f"mlp.fc1.{s}", p + f"mlp.0.{s}")
                add(c + f"mlp.fc2.{s}", p + f"mlp.3.{s}")
        if o["final_norm"]:
            for s in ("weight", "bias"):
                add(f"head.final_norm.{s}", f"decode_head.final_norm.{s}")
    used = {key for _, _, key, _ in out}
    unused = sorted(set(sd) - used)
    assert not unused, f"unmapped keys: {unused}"
    return out


def write_layout(path, *, tensors, source_file, source_bytes, arch, groups, dropped=()):
    """An ldvc-layout-v1 file written with h5py: root attributes, group attributes, tensors."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    with h5py.File(path, "w", track_order=True) as f:
        f.attrs["format"] = "ldvc-swift.layout"
        f.attrs["format_version"] = np.int64(1)
        f.attrs["producer"] = PRODUCER
        f.attrs["source_file"] = source_file
        f.attrs["source_size"] = np.int64(len(source_bytes))
        f.attrs["source_sha256"] = hashlib.sha256(source_bytes).hexdigest()
        f.attrs["source_format"] = "torch-zip"
        f.attrs["source_convention"] = "openai"
        f.attrs["source_wrapper"] = "state_dict"
        f.attrs["dtype_policy"] = "keep"
        f.attrs["embed_dim"] = np.int64(arch["embed_dim"])
        f.attrs["architecture_sources"] = json.dumps({"*": "tiny configuration in make_goldens.py"})
        f.attrs["dropped_tensors"] = json.dumps(list(dropped))
        f.attrs["tied_tensors"] = "[]"
        for group_path, attrs in groups.items():
            g = f.require_group(group_path)
            for key, value in attrs.items():
                if isinstance(value, str):
                    g.attrs[key] = value
                elif isinstance(value, float):
                    g.attrs[key] = np.float64(value)
                elif isinstance(value, (list, tuple)):
                    kind = np.float64 if any(isinstance(v, float) for v in value) else np.int64
                    g.attrs[key] = np.asarray(value, dtype=kind)
                else:
                    g.attrs[key] = np.int64(value)
        for canonical, tensor, source, transform in tensors:
            ds = f.create_dataset("/" + canonical.replace(".", "/"), data=tensor.detach().float().numpy())
            ds.attrs["source_name"] = source
            ds.attrs["transform"] = transform
            ds.attrs["source_dtype"] = "f32"
            ds.attrs["dtype"] = "f32"


def layout_groups(kind, options, text_prompts):
    vision = dict(width=32, layers=3, heads=2, patch_size=4, image_size=32, grid_size=8, mlp_width=128,
                  layer_norm_eps=1e-5, activation="quick_gelu")
    text = dict(width=32, layers=2, heads=2, context_length=CONTEXT, vocab_size=VOCAB, mlp_width=128,
                layer_norm_eps=1e-5, activation="quick_gelu")
    head = dict(kind=kind, width=HEAD["width"], heads=HEAD["heads"], image_size=HEAD["image_size"],
                seen_offset=HEAD["seen_offset"], crop_size=HEAD["crop_size"], stride=HEAD["stride"],
                pixel_mean=[123.675, 116.28, 103.53], pixel_std=[58.395, 57.12, 57.375])
    if kind == "zegclip":
        head.update(layers=3, mlp_width=128, norm_eps=1e-5)
    else:
        o = options
        head.update({k: o[k] for k in ("blocks", "tap_projection", "conv", "fusion", "norm_position", "activation",
                                       "route_windows", "route_topk", "route_scale", "route_lepe_kernel",
                                       "route_output_projection", "class_norm", "final_norm", "mlp_width")})
        head.update(tap_layers=list(o["tap_layers"]), tap_norm_eps=float(o["tap_norm_eps"]), norm_eps=float(o["norm_eps"]),
                    conv_kernel=o["conv_kernel"] if o["conv"] != "none" else 0,
                    conv_input_width=HEAD["width"] if o["conv"] == "dense" else 1)
    groups = {"vision": vision, "text": text,
              "prompts/vision": dict(tokens=5, deep_layers=2, norm_eps=1e-6, class_embedding_twice=1), "head": head}
    if text_prompts:
        groups["prompts/text"] = dict(tokens=text_prompts["tokens"], layers=text_prompts["layers"], start=text_prompts["start"],
                                      add_position_at_first_layer=int(text_prompts["add_position_at_first_layer"]),
                                      template=" ".join(["X"] * text_prompts["tokens"] + ["{}"]))
    return groups


def save_runtime_model(name, model, kind, options, text_prompts, save_checkpoint):
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}
    config = json.dumps({"kind": kind, "clip": CLIP_KW, "vision_heads": 2, "visual_prompts": {"num_tokens": 5, "total_d_layer": 2},
                         "text_prompts": text_prompts, "head": HEAD, "decoder": options, "seen_idx": SEEN}, sort_keys=True)
    checkpoint = {"meta": {"config": config, "CLASSES": CLASSES}, "state_dict": sd}
    import io
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    data = buffer.getvalue()
    if save_checkpoint:
        (OUT / "checkpoints").mkdir(parents=True, exist_ok=True)
        (OUT / "checkpoints" / f"{name}.pth").write_bytes(data)
    arch = {"embed_dim": 32}
    write_layout(OUT / "models" / f"{name}.h5", tensors=canonical_tensors(sd, kind, options),
                 source_file=f"{name}.pth", source_bytes=data, arch=arch, groups=layout_groups(kind, options, text_prompts))


def main():
    sys.path.insert(0, str(FIXTURES / "scripts"))
    (OUT / "goldens").mkdir(parents=True, exist_ok=True)
    summary = {}
    for name, convention, checkpoint, dtype, seed in (
        ("clip_openai_fp32", "openai", "torch/openai_fp32.pt", "f32", 11),
        ("clip_openai_fp16", "openai", "torch/openai_fp16.pt", "f16", 11),
        ("clip_openai_bf16", "openai", "torch/openai_bf16.pt", "bf16", 11),
        ("clip_open_clip", "open_clip", "torch/open_clip/open_clip_model.pt", "f32", 12),
        ("clip_hf", "hf", "hf/model.safetensors", "f32", 13),
    ):
        taps = clip_golden(name, convention, checkpoint, dtype, seed)
        summary[name] = len(taps.items)
    text_prompts = dict(tokens=3, layers=2, start=1, add_position_at_first_layer=False)
    alt_prompts = dict(text_prompts, add_position_at_first_layer=True)
    for name, kind, options, prompts, seed, save in (
        ("zegclip_tiny", "zegclip", None, None, 100, True),
        ("ldvc_tiny", "ldvc", LDVC_DEFAULT, text_prompts, 200, True),
        ("ldvc_alt_tiny", "ldvc", LDVC_ALT, alt_prompts, 300, False),
    ):
        model = tiny_segmentor(kind, seed, options, prompts)
        save_runtime_model(name, model, kind, options, prompts, save)
        margins = runtime_golden(name, model, seed + 50, fp16_class_embeddings=(kind == "zegclip"))
        summary[name] = margins
    for key, value in summary.items():
        print(f"{key}: {value}")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"Fixtures/runtime: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
