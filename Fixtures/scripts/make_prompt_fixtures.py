#!/usr/bin/env python3
"""Fixtures for issue 6: deep prompt initialisation, MMSeg checkpoint import, and export.

What it makes (under Fixtures/prompts/):

* clip_fullvocab.pt      OpenAI `clip.model.CLIP` with CLIP's full 49,408-token vocabulary and context 77 but a
                         16-wide, 3-layer text tower (and a tiny vision tower), fp16, so real template token ids fit.
* text_layer_inputs.h5   for each template: the token ids `clip.tokenize` gives, and the hidden state *entering*
                         every text block at every one of the 77 positions, from the reference OpenAI model and from
                         open_clip's `CLIP` loaded with the same weights (both in fp32 from the widened fp16 weights).
* rng.h5                 values PyTorch's CPU generator produces: `torch.manual_seed(s)` then ZegCLIP's visual prompt
                         initialisation (`_init_prompt` order), the language prompts' `normal_(std=0.02)`, and plain
                         `uniform_`/`normal_` draws; large (ViT-B-sized) cases as SHA-256 digests of their bytes.
* ldvc_mmseg.pth, zegclip_mmseg.pth, ldvc_noconfig.pth, ldvc_badshape.pth
                         MMSegmentation-style training checkpoints `{meta: {config, CLASSES, PALETTE, ...},
                         state_dict, optimizer}` of tiny LDVC/ZegCLIP models built from `ldvc_reference.py`, with
                         `meta.config` written like mmcv's `Config.pretty_text` (Python source).
* ldvc_mmseg_start.pt    the OpenAI-named CLIP (fp32 state dict) ldvc_mmseg.pth's segmentor was built from: its
                         backbone and text encoder are these weights unchanged, as after training with a frozen CLIP
                         (`ldvc-convert diff` proves it; the prompts and head are new).
* mmseg_reference.h5     per checkpoint: the expected ldvc-layout-v1 tensors (`<name>/canonical/...`, mapped by this
                         script) and the expected architecture attributes (JSON).
* export_confirmation.json  written by `--confirm-export`: PyTorch's own verdict on files our exporter wrote.

Run from the repository root:

    python3 Fixtures/scripts/make_prompt_fixtures.py                          # make the fixtures
    python3 Fixtures/scripts/make_prompt_fixtures.py --confirm-export BINARY --zegclip PATH
                                        # after `swift build`: export with BINARY (ldvc-convert), load the files with
                                        # torch, transformers (CLIPModel.from_pretrained), open_clip (local-dir:) and
                                        # ZegCLIP's own modules from a checkout of ZiqinZhou66/ZegCLIP at PATH

Seeds are fixed; reruns give the same numbers (CPU, one thread).
"""

# The PyPI torchvision wheel is CUDA-built; `clip` and `open_clip` import it, and its
# `_meta_registrations` module fails on CPU-only torch ("operator torchvision::nms does not exist").
# Nothing here needs torchvision's operators, so an empty stand-in is registered before those imports.
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import argparse  # noqa: E402
import collections  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import safetensors.torch  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

import clip  # noqa: E402  (openai-clip)
import open_clip  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ldvc_reference as ref  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "Fixtures"
OUT = FIXTURES / "prompts"
VERSIONS = (f"torch {torch.__version__} (CPU capability {torch.backends.cpu.get_cpu_capability()}), openai-clip 1.0.1, "
            f"open_clip_torch {open_clip.__version__}, h5py {h5py.__version__}, numpy {np.__version__}")

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)


def perturb(module, seed, std=0.05):
    """Seeded N(0, std²) noise on every parameter, so LayerNorms and embeddings are distinct values."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.add_(torch.randn(p.shape, generator=gen) * std)


def dtype_name(t):
    return {torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16", torch.int64: "i64"}[t.dtype]


def sha256_f32(t):
    return hashlib.sha256(t.detach().contiguous().float().numpy().astype("<f4").tobytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# 1. Full-vocabulary tiny CLIP and the hidden states entering each text layer
# ---------------------------------------------------------------------------------------------

FULL_KW = dict(embed_dim=16, image_resolution=32, vision_layers=2, vision_width=64, vision_patch_size=8,
               context_length=77, vocab_size=49408, transformer_width=16, transformer_heads=2, transformer_layers=3)
TEMPLATES = ["a photo of a", "this is a photo of a", "a photo of", "a bad photo of the large {} in the scene"]


def build_fullvocab_clip():
    torch.manual_seed(600)
    model = clip.model.CLIP(**FULL_KW)
    # clip.model.CLIP gives the vision tower width // 64 heads; build it directly with 2 heads of 8.
    model.visual = clip.model.VisionTransformer(input_resolution=32, patch_size=8, width=16, layers=2, heads=2, output_dim=16)
    perturb(model, 601)
    return model.eval()


def layer_inputs_openai(model, tokens):
    """[layers, 77, W] hidden states entering each resblock (forward pre-hooks), in fp32."""
    captured = []
    hooks = [block.register_forward_pre_hook(lambda m, args: captured.append(args[0].permute(1, 0, 2)[0].clone()))
             for block in model.transformer.resblocks]
    with torch.no_grad():
        model.encode_text(tokens)
    for h in hooks:
        h.remove()
    return torch.stack(captured)


def layer_inputs_open_clip(model, tokens):
    captured = []

    def grab(m, args):
        x = args[0]
        # open_clip's blocks run batch-first unless the transformer says otherwise.
        x = x if getattr(model.transformer, "batch_first", True) else x.permute(1, 0, 2)
        captured.append(x[0].clone())

    hooks = [block.register_forward_pre_hook(grab) for block in model.transformer.resblocks]
    with torch.no_grad():
        model.encode_text(tokens)
    for h in hooks:
        h.remove()
    return torch.stack(captured)


def make_fullvocab():
    model = build_fullvocab_clip()
    sd = {k: v.detach().clone().half() for k, v in model.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(sd, buffer)
    (OUT / "clip_fullvocab.pt").write_bytes(buffer.getvalue())
    # The references compute in fp32 from the fp16 weights widened exactly, as the Swift runtime does.
    reference = clip.model.CLIP(**FULL_KW)
    reference.visual = clip.model.VisionTransformer(input_resolution=32, patch_size=8, width=16, layers=2, heads=2, output_dim=16)
    reference.load_state_dict({k: v.float() for k, v in sd.items()})
    reference = reference.float().eval()
    oc = open_clip.CLIP(embed_dim=16, quick_gelu=True,
                        vision_cfg=dict(image_size=32, layers=2, width=16, head_width=8, patch_size=8),
                        text_cfg=dict(context_length=77, vocab_size=49408, width=16, heads=2, layers=3))
    missing, unexpected = oc.load_state_dict({k: v.float() for k, v in sd.items()}, strict=False)
    assert not unexpected and set(missing) <= {"logit_bias"}, (missing, unexpected)
    oc = oc.float().eval()
    with h5py.File(OUT / "text_layer_inputs.h5", "w", track_order=True) as f:
        f.attrs["reference"] = f"clip.model.CLIP and open_clip.CLIP(quick_gelu=True) on clip_fullvocab.pt widened to fp32; {VERSIONS}"
        for index, template in enumerate(TEMPLATES):
            tokens = clip.tokenize([template])
            a = layer_inputs_openai(reference, tokens)
            b = layer_inputs_open_clip(oc, tokens)
            gap = (a - b).abs().max().item()
            assert gap <= 1e-6 * a.abs().max().item(), f"OpenAI and open_clip disagree by {gap}"
            g = f.create_group(f"template_{index}", track_order=True)
            g.attrs["template"] = template
            ids = tokens[0]
            g.create_dataset("token_ids", data=ids[: int(ids.argmax()) + 1].numpy().astype(np.int64))
            g.create_dataset("openai", data=a.numpy().astype(np.float32))
            g.create_dataset("open_clip", data=b.numpy().astype(np.float32))
    return sd


# ---------------------------------------------------------------------------------------------
# 2. PyTorch's CPU generator: what the Swift initialisers must reproduce bit for bit
# ---------------------------------------------------------------------------------------------

def zegclip_visual_prompts(tokens, deep, width, patch, seed):
    """ZegCLIP `VPTCLIPVisionTransformer._init_prompt` after torch.manual_seed(seed), in its order:
    uniform prompt_embeddings, uniform deep_prompt_embeddings, nn.Linear (its own reset_parameters),
    kaiming_normal_(fan_out) on the weight, LayerNorm(eps=1e-6)."""
    torch.manual_seed(seed)
    val = math.sqrt(6.0 / float(3 * patch * patch + width))
    prompt = torch.zeros(1, tokens, width)
    nn.init.uniform_(prompt, -val, val)
    deep_prompt = None
    if deep > 0:
        deep_prompt = torch.zeros(deep, tokens, width)
        nn.init.uniform_(deep_prompt, -val, val)
    proj = nn.Linear(width, width)
    nn.init.kaiming_normal_(proj.weight, a=0, mode="fan_out")
    norm = nn.LayerNorm(width, eps=1e-6)
    out = collections.OrderedDict(prompt_embeddings=prompt)
    if deep_prompt is not None:
        out["deep_prompt_embeddings"] = deep_prompt
    out.update({"prompt_proj.weight": proj.weight.detach(), "prompt_proj.bias": proj.bias.detach(),
                "prompt_norm.weight": norm.weight.detach(), "prompt_norm.bias": norm.bias.detach()})
    return out, val


def text_random_prompts(layers, tokens, width, seed, std=0.02):
    torch.manual_seed(seed)
    p = torch.empty(layers, tokens, width)
    nn.init.normal_(p, std=std)
    return p


def make_rng():
    with h5py.File(OUT / "rng.h5", "w", track_order=True) as f:
        f.attrs["reference"] = VERSIONS
        f.attrs["cpu_capability"] = torch.backends.cpu.get_cpu_capability()
        vis = f.create_group("visual", track_order=True)
        for seed, tokens, deep, width, patch in ((0, 5, 1, 16, 8), (7, 3, 2, 24, 4)):
            values, bound = zegclip_visual_prompts(tokens, deep, width, patch, seed)
            g = vis.create_group(f"seed_{seed}", track_order=True)
            for key, name in (("tokens", tokens), ("deep_layers", deep), ("width", width), ("patch_size", patch), ("seed", seed)):
                g.attrs[key] = np.int64(name)
            g.attrs["bound"] = bound
            for key, t in values.items():
                g.create_dataset(key, data=t.numpy().astype(np.float32))
        # ViT-B/16 as ZegCLIP/LDVC COCO configure it: N_v = 100, 11 deep layers, width 768, patch 16.
        values, bound = zegclip_visual_prompts(100, 11, 768, 16, 0)
        g = vis.create_group("vit_b16_seed_0", track_order=True)
        for key, name in (("tokens", 100), ("deep_layers", 11), ("width", 768), ("patch_size", 16), ("seed", 0)):
            g.attrs[key] = np.int64(name)
        g.attrs["bound"] = bound
        for key, t in values.items():
            g.attrs[f"sha256:{key}"] = sha256_f32(t)
        txt = f.create_group("text_random", track_order=True)
        for seed, layers, tokens, width in ((0, 3, 6, 16), (5, 2, 3, 32)):
            g = txt.create_group(f"seed_{seed}", track_order=True)
            for key, value in (("layers", layers), ("tokens", tokens), ("width", width), ("seed", seed)):
                g.attrs[key] = np.int64(value)
            g.create_dataset("embeddings", data=text_random_prompts(layers, tokens, width, seed).numpy())
        g = txt.create_group("vit_b16_seed_0", track_order=True)
        for key, value in (("layers", 12), ("tokens", 6), ("width", 512), ("seed", 0)):
            g.attrs[key] = np.int64(value)
        g.attrs["sha256:embeddings"] = sha256_f32(text_random_prompts(12, 6, 512, 0))
        raw = f.create_group("draws", track_order=True)

        def draw(name, seed, fn):
            torch.manual_seed(seed)
            t = fn()
            d = raw.create_dataset(name, data=t.numpy().astype(np.float32))
            d.attrs["seed"] = np.int64(seed)
            return d

        d = draw("uniform_4096", 9, lambda: torch.empty(4096).uniform_(-0.0306186217847897, 0.0306186217847897))
        d.attrs["from"], d.attrs["to"] = -0.0306186217847897, 0.0306186217847897
        d = draw("normal_4099", 1, lambda: torch.empty(4099).normal_(0.25, 0.02))
        d.attrs["mean"], d.attrs["std"] = 0.25, 0.02
        d = draw("normal_10", 11, lambda: torch.empty(10).normal_(0, 0.02))
        d.attrs["mean"], d.attrs["std"] = 0.0, 0.02

        def two_small():
            a = torch.empty(5).normal_(0, 0.02)  # leaves a cached Box–Muller value for the next call
            return torch.cat([a, torch.empty(5).normal_(0, 0.02)])

        d = draw("normal_5_then_5", 11, two_small)
        d.attrs["mean"], d.attrs["std"] = 0.0, 0.02
        torch.manual_seed(3)
        big = torch.empty(1_000_003).normal_(0, 1)
        raw.attrs["sha256:normal_1000003_seed_3"] = sha256_f32(big)


# ---------------------------------------------------------------------------------------------
# 3. MMSegmentation-style ZegCLIP / LDVC training checkpoints
# ---------------------------------------------------------------------------------------------

TINY_KW = dict(embed_dim=32, image_resolution=32, vision_layers=3, vision_width=64, vision_patch_size=8,
               context_length=16, vocab_size=100, transformer_width=32, transformer_heads=2, transformer_layers=2)
HEAD = dict(width=32, heads=4, image_size=32, crop_size=32, stride=27)
LDVC_OPTIONS = dict(blocks=2, tap_layers=[1, 2], tap_projection="learned", tap_norm_eps=1e-5, conv="depthwise",
                    conv_kernel=3, fusion="add_then_conv", norm_position="pre", norm_eps=1e-6, mlp_width=64,
                    activation="gelu", route_windows=2, route_topk=2, route_scale="qk_dim", route_lepe_kernel=3,
                    route_output_projection=1, class_norm=0, final_norm=1)
CLASSES = ("cat", "grass", "sky", "road")
PALETTE = [[120, 120, 120], [180, 120, 120], [6, 230, 230], [80, 50, 50]]


def segmentor_clip(seed):
    """The tiny OpenAI CLIP a `Segmentor` of `seed` wraps (its towers keep these weights)."""
    torch.manual_seed(seed)
    clip_model = clip.model.CLIP(**TINY_KW)
    clip_model.visual = clip.model.VisionTransformer(input_resolution=32, patch_size=8, width=32, layers=3, heads=2, output_dim=32)
    perturb(clip_model, seed + 1)
    return clip_model


class Segmentor(nn.Module):
    """`backbone` + `text_encoder` + `decode_head`, named as MMSeg saves a ZegCLIP/LDVC segmentor."""

    def __init__(self, kind, seed, visual_tokens, deep_layers, text_prompts=None):
        super().__init__()
        clip_model = segmentor_clip(seed)
        self.backbone = ref.VPTVisionEncoder(clip_model.visual, num_tokens=visual_tokens, deep_layers=deep_layers)
        tp = text_prompts or {}
        self.text_encoder = ref.PromptedTextEncoder(clip_model, num_tokens=tp.get("tokens", 0), layers=tp.get("layers", 0),
                                                    start=tp.get("start", 1))
        if kind == "zegclip":
            self.decode_head = ref.ZegCLIPHead(HEAD["width"], HEAD["heads"], layers=3, mlp=64)
        else:
            self.decode_head = ref.LDVCHead(HEAD["width"], HEAD["heads"], LDVC_OPTIONS, vision_width=32)
        with torch.no_grad():
            self.backbone.prompt_embeddings.uniform_(-0.5, 0.5)
            if self.backbone.deep_prompt_embeddings is not None:
                self.backbone.deep_prompt_embeddings.uniform_(-0.5, 0.5)
            if self.text_encoder.prompt_embeddings is not None:
                self.text_encoder.prompt_embeddings.normal_(0, 0.5)
        perturb(self.backbone.prompt_proj, seed + 8)
        perturb(self.backbone.prompt_norm, seed + 9)
        perturb(self.decode_head, seed + 10)
        # ZegCLIP's criterion keeps a (num_seen + 1) class-weight buffer in the head; checkpoints carry it.
        self.decode_head.register_buffer("loss_decode_empty_weight", torch.ones(3))
        self.eval()


def pretty_config(kind, visual_tokens, deep_layers, text_prompts):
    """`meta.config` as mmcv's `Config.pretty_text` writes it: Python source of resolved dicts."""
    if kind == "zegclip":
        head = f"""    decode_head=dict(
        type='ATMSingleHeadSeg',
        img_size={HEAD['image_size']},
        in_channels={HEAD['width']},
        seen_idx=[0, 1],
        all_idx=[0, 1, 2, 3],
        channels={HEAD['width']},
        num_classes=4,
        num_layers=3,
        num_heads={HEAD['heads']},
        use_proj=False,
        use_stages=1,
        embed_dims={HEAD['width']},
        loss_decode=dict(
            type='SegLossPlus',
            num_classes=4,
            dec_layers=3,
            mask_weight=100.0,
            dice_weight=1.0,
            loss_weight=1.0)),"""
    else:
        o = LDVC_OPTIONS
        head = f"""    decode_head=dict(
        type='LCTDHead',  # LDVC's local consensus transformer decoder (reconstructed names)
        img_size={HEAD['image_size']},
        in_channels={HEAD['width']},
        seen_idx=[0, 1],
        all_idx=[0, 1, 2, 3],
        channels={HEAD['width']},
        num_classes=4,
        num_layers={o['blocks']},
        num_heads={HEAD['heads']},
        embed_dims={HEAD['width']},
        tap_layers={o['tap_layers']},
        tap_projection='{o['tap_projection']}',
        tap_norm_eps={o['tap_norm_eps']},
        conv='{o['conv']}',
        conv_kernel={o['conv_kernel']},
        fusion='{o['fusion']}',
        norm_position='{o['norm_position']}',
        norm_eps={o['norm_eps']:g},
        mlp_width={o['mlp_width']},
        activation='{o['activation']}',
        n_win={o['route_windows']},
        topk={o['route_topk']},
        route_scale='{o['route_scale']}',
        side_dwconv={o['route_lepe_kernel']},
        final_norm=True,
        loss_decode=dict(type='SegLossPlus', num_classes=4, dec_layers=2, mask_weight=100.0, dice_weight=1.0)),"""
    text = ""
    if text_prompts:
        text = f"""
        num_tokens={text_prompts['tokens']},
        prompt_start={text_prompts['start']},
        prompt_template='{text_prompts['template']}',"""
    return f"""norm_cfg = dict(type='SyncBN', requires_grad=True)
img_size = {HEAD['image_size']}
out_indices = [1, 2]
model = dict(
    type='{'ZegCLIP' if kind == 'zegclip' else 'LDVC'}',
    pretrained='pretrained/ViT-B-16.pt',
    context_length={TINY_KW['context_length']},
    backbone=dict(
        type='VPTCLIPVisionTransformer',
        patch_size=8,
        width=32,
        heads=2,
        output_dim=32,
        get_embeddings=True,
        drop_path_rate=0.1,
        layers=3,
        input_resolution={HEAD['image_size']},
        out_indices=[2],
        num_tokens={visual_tokens},
        prompt_dim=32,
        total_d_layer={deep_layers},
        style='pytorch'),
    text_encoder=dict(
        type='CLIPTextEncoder',
        context_length={TINY_KW['context_length']},
        embed_dim=32,
        transformer_width=32,
        transformer_heads=2,
        transformer_layers=2,{text}
        style='pytorch'),
{head}
    test_cfg=dict(mode='slide', crop_size=({HEAD['crop_size']}, {HEAD['crop_size']}), stride=({HEAD['stride']}, {HEAD['stride']})),
    base_class=[0, 1],
    novel_class=[2, 3],
    both_class=[0, 1, 2, 3],
    ft_backbone=False,
    exclude_key='prompt')
dataset_type = 'ZeroPascalVOCDataset20'
img_norm_cfg = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
crop_size = ({HEAD['crop_size']}, {HEAD['crop_size']})
optimizer = dict(type='AdamW', lr=2e-05, weight_decay=0.01)
runner = dict(type='IterBasedRunner', max_iters=20000)
"""


def mmseg_canonical(sd, kind):
    """(canonical name, tensor, source key, transform) for every tensor of an MMSeg state dict; an
    independent mapping (notes §c.3/§c.4 plus the reference modules' names). Unknown keys fail."""
    out = []

    def add(canonical, key, transform="identity", tensor=None):
        t = sd[key] if tensor is None else tensor
        if transform == "transpose":
            t = t.t()
        out.append((canonical, t.contiguous(), key, transform))

    def count(prefix):
        return len({k[len(prefix):].split(".")[0] for k in sd if k.startswith(prefix)})

    def block(prefix, canonical_prefix, index):
        p, c = f"{prefix}.transformer.resblocks.{index}.", f"{canonical_prefix}.blocks.{index}."
        for s in ("weight", "bias"):
            fused = sd[p + f"attn.in_proj_{s}"]
            n = fused.shape[0] // 3
            for part, name in enumerate(("q_proj", "k_proj", "v_proj")):
                add(c + f"attn.{name}.{s}", p + f"attn.in_proj_{s}", f"split_qkv:{part}", fused[part * n:(part + 1) * n])
            add(c + f"attn.out_proj.{s}", p + f"attn.out_proj.{s}")
            add(c + f"ln_1.{s}", p + f"ln_1.{s}")
            add(c + f"ln_2.{s}", p + f"ln_2.{s}")
            add(c + f"mlp.fc1.{s}", p + f"mlp.c_fc.{s}")
            add(c + f"mlp.fc2.{s}", p + f"mlp.c_proj.{s}")

    add("vision.patch_embed.weight", "backbone.conv1.weight")
    add("vision.class_embedding", "backbone.class_embedding")
    add("vision.position_embedding", "backbone.positional_embedding")
    for s in ("weight", "bias"):
        add(f"vision.ln_pre.{s}", f"backbone.ln_pre.{s}")
    for i in range(count("backbone.transformer.resblocks.")):
        block("backbone", "vision", i)
    for s in ("weight", "bias"):
        add(f"vision.ln_post.{s}", f"backbone.ln_post.{s}")
    add("vision.proj.weight", "backbone.proj", "transpose")
    add("text.token_embedding", "text_encoder.token_embedding.weight")
    add("text.position_embedding", "text_encoder.positional_embedding")
    for i in range(count("text_encoder.transformer.resblocks.")):
        block("text_encoder", "text", i)
    for s in ("weight", "bias"):
        add(f"text.ln_final.{s}", f"text_encoder.ln_final.{s}")
    add("text.proj.weight", "text_encoder.text_projection", "transpose")
    add("prompts.vision.embeddings", "backbone.prompt_embeddings")
    if "backbone.deep_prompt_embeddings" in sd:
        add("prompts.vision.deep_embeddings", "backbone.deep_prompt_embeddings")
    for s in ("weight", "bias"):
        add(f"prompts.vision.proj.{s}", f"backbone.prompt_proj.{s}")
        add(f"prompts.vision.norm.{s}", f"backbone.prompt_norm.{s}")
    if "text_encoder.prompt_embeddings" in sd:
        add("prompts.text.embeddings", "text_encoder.prompt_embeddings")
    for s in ("weight", "bias"):
        add(f"head.adapter.{s}", f"decode_head.q_proj.{s}")
    if kind == "zegclip":
        for i in range(count("decode_head.decoder_1.layers.")):
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
    else:
        o = LDVC_OPTIONS
        for l in range(count("decode_head.decoder.")):
            p, c = f"decode_head.decoder.{l}.", f"head.blocks.{l}."
            for s in ("weight", "bias"):
                add(f"head.tap_proj.{l}.{s}", f"decode_head.input_proj_{l + 1}.{s}")
                add(f"head.tap_norm.{l}.{s}", f"decode_head.proj_norm_{l + 1}.{s}")
                add(c + f"conv.{s}", p + f"conv.{s}")
                for n in ("norm1", "norm2", "norm3"):
                    add(c + f"{n}.{s}", p + f"{n}.{s}")
                add(c + f"route_attn.qkv.{s}", p + f"attn.qkv.qkv.{s}")
                add(c + f"route_attn.out_proj.{s}", p + f"attn.wo.{s}")
                add(c + f"route_attn.lepe.{s}", p + f"attn.lepe.{s}")
                for src, dst in (("q", "q_proj"), ("k", "k_proj"), ("v", "v_proj"), ("proj", "out_proj")):
                    add(c + f"cross_attn.{dst}.{s}", p + f"cross_attn.{src}.{s}")
                add(c + f"mlp.fc1.{s}", p + f"mlp.0.{s}")
                add(c + f"mlp.fc2.{s}", p + f"mlp.3.{s}")
        assert o["final_norm"]
        for s in ("weight", "bias"):
            add(f"head.final_norm.{s}", f"decode_head.final_norm.{s}")
    # ZegCLIP's loss buffer is not a model weight; the importer drops it.
    used = {key for _, _, key, _ in out} | {k for k in sd if k.endswith("criterion.empty_weight")}
    unused = sorted(set(sd) - used)
    assert not unused, f"unmapped keys: {unused}"
    return out


def expected_architecture(kind, visual_tokens, deep_layers, text_prompts):
    arch = {
        "embed_dim": 32,
        "vision": dict(width=32, layers=3, heads=2, patch_size=8, image_size=32, grid_size=4, mlp_width=128, activation="quick_gelu"),
        "text": dict(width=32, layers=2, heads=2, context_length=16, vocab_size=100, mlp_width=128, activation="quick_gelu"),
        "prompts.vision": dict(tokens=visual_tokens, deep_layers=deep_layers, class_embedding_twice=1),
        "head": dict(kind=kind, width=HEAD["width"], heads=HEAD["heads"], image_size=HEAD["image_size"],
                     crop_size=HEAD["crop_size"], stride=HEAD["stride"]),
    }
    if text_prompts:
        arch["prompts.text"] = dict(tokens=text_prompts["tokens"], layers=text_prompts["layers"], start=text_prompts["start"],
                                    add_position_at_first_layer=0, template=text_prompts["template"])
    if kind == "zegclip":
        arch["head"].update(layers=3, mlp_width=64)
    else:
        o = LDVC_OPTIONS
        arch["head"].update({k: o[k] for k in ("blocks", "tap_layers", "tap_projection", "conv", "conv_kernel", "fusion", "norm_position",
                                               "mlp_width", "activation", "route_windows", "route_topk", "route_scale",
                                               "route_lepe_kernel", "route_output_projection", "class_norm", "final_norm")})
    return arch


def save_mmseg(name, model, config, *, with_optimizer=True):
    sd = collections.OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    sd = collections.OrderedDict((k.replace("decode_head.loss_decode_empty_weight", "decode_head.loss_decode.criterion.empty_weight"), v)
                                 for k, v in sd.items())
    meta = dict(mmseg_version="0.20.2", config=config, CLASSES=CLASSES, PALETTE=PALETTE, seed=0, exp_name="tiny.py",
                iter=20000, epoch=1, time="Mon Nov 24 12:00:00 2025")
    checkpoint = {"meta": meta, "state_dict": sd}
    if config is None:
        del meta["config"]
    if with_optimizer:
        trainable = [k for k in sd if "prompt" in k or k.startswith("decode_head.")]
        checkpoint["optimizer"] = {
            "state": {i: {"step": torch.tensor(20000.0), "exp_avg": torch.zeros_like(sd[k]), "exp_avg_sq": torch.zeros_like(sd[k])}
                      for i, k in enumerate(trainable[:3])},
            "param_groups": [{"lr": 2e-05, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0.01, "amsgrad": False,
                              "params": list(range(len(trainable)))}]}
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    (OUT / f"{name}.pth").write_bytes(buffer.getvalue())
    # The loader the fixture promises: torch's own weights-only unpickler accepts it.
    torch.load(OUT / f"{name}.pth", map_location="cpu", weights_only=True)
    return sd


def make_mmseg():
    text_prompts = dict(tokens=3, layers=2, start=1, template="X X X {}")
    cases = (("ldvc_mmseg", "ldvc", 1000, 4, 2, text_prompts, True),
             ("zegclip_mmseg", "zegclip", 1100, 5, 2, None, True),
             # The same model as ldvc_mmseg without meta.config: its tensors are ldvc_mmseg's.
             ("ldvc_noconfig", "ldvc", 1000, 4, 2, text_prompts, False))
    with h5py.File(OUT / "mmseg_reference.h5", "w", track_order=True) as f:
        f.attrs["reference"] = f"Fixtures/scripts/ldvc_reference.py modules; {VERSIONS}"
        for name, kind, seed, tokens, deep, tp, with_config in cases:
            model = Segmentor(kind, seed, tokens, deep, tp)
            config = pretty_config(kind, tokens, deep, tp) if with_config else None
            sd = save_mmseg(name, model, config)
            g = f.create_group(name, track_order=True)
            g.attrs["architecture"] = json.dumps(expected_architecture(kind, tokens, deep, tp), sort_keys=True)
            g.attrs["has_config"] = int(with_config)
            if name == "ldvc_noconfig":
                g.attrs["canonical_from"] = "ldvc_mmseg"
                continue
            c = g.create_group("canonical", track_order=True)
            mapping = []
            for canonical, tensor, source, transform in mmseg_canonical(sd, kind):
                d = c.create_dataset(canonical.replace(".", "/"), data=tensor.numpy())
                d.attrs["source_name"] = source
                d.attrs["transform"] = transform
                mapping.append(dict(canonical=canonical, source=source, transform=transform))
            g.attrs["mapping"] = json.dumps(mapping)
        # The CLIP ldvc_mmseg started from, for `diff` (the towers of ldvc_mmseg are these weights).
        start = collections.OrderedDict((k, v.detach().clone()) for k, v in segmentor_clip(1000).state_dict().items())
        trained = torch.load(OUT / "ldvc_mmseg.pth", map_location="cpu", weights_only=True)["state_dict"]
        assert torch.equal(start["visual.conv1.weight"], trained["backbone.conv1.weight"])
        assert torch.equal(start["token_embedding.weight"], trained["text_encoder.token_embedding.weight"])
        buffer = io.BytesIO()
        torch.save(start, buffer)
        (OUT / "ldvc_mmseg_start.pt").write_bytes(buffer.getvalue())
        # An import whose prompt shape does not match the architecture: deep prompts for 5 layers of a 3-layer tower.
        model = Segmentor("ldvc", 1300, 4, 2, text_prompts)
        sd = collections.OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
        sd["backbone.deep_prompt_embeddings"] = torch.zeros(5, 4, 32)
        del sd["decode_head.loss_decode_empty_weight"]
        buffer = io.BytesIO()
        torch.save({"meta": {"config": pretty_config("ldvc", 4, 5, text_prompts), "CLASSES": CLASSES}, "state_dict": sd}, buffer)
        (OUT / "ldvc_badshape.pth").write_bytes(buffer.getvalue())


# ---------------------------------------------------------------------------------------------
# 4. --confirm-export: PyTorch's verdict on files our exporter wrote
# ---------------------------------------------------------------------------------------------

def run(binary, *args):
    result = subprocess.run([binary, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{binary} {' '.join(args)} failed ({result.returncode}): {result.stderr}")
    return result


def same_tensors(a, b):
    """Names, dtypes, shapes and bits all equal."""
    if set(a) != set(b):
        return False, f"names differ: {sorted(set(a) ^ set(b))[:5]}"
    for k in a:
        x, y = a[k], b[k]
        if x.dtype != y.dtype or x.shape != y.shape:
            return False, f"{k}: {x.dtype}{list(x.shape)} vs {y.dtype}{list(y.shape)}"
        def bits(t):
            return t.contiguous().reshape(-1).view(torch.uint8) if t.dtype != torch.bool else t

        if not torch.equal(bits(x), bits(y)):
            return False, f"{k}: values differ"
    return True, "identical"


def confirm_export(binary, zegclip):
    import transformers
    record = {"reference": f"{VERSIONS}, transformers {transformers.__version__}, ZegCLIP checkout {zegclip_commit(zegclip)}",
              "binary": "ldvc-convert (swift build)", "checks": []}

    def check(what, ok, detail):
        record["checks"].append({"check": what, "passed": bool(ok), "detail": detail})
        print(("ok   " if ok else "FAIL ") + what + ": " + detail)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cases = (("openai", FIXTURES / "torch/openai_fp32.pt"), ("openai", FIXTURES / "torch/openai_fp16.pt"),
                 ("openai", FIXTURES / "torch/openai_bf16.pt"), ("open_clip", FIXTURES / "torch/open_clip/open_clip_model.pt"),
                 ("hf", FIXTURES / "hf/model.safetensors"))
        for naming, source in cases:
            h5 = tmp / (source.stem + ".h5")
            extra = ["--convention", "open_clip", "--vision-heads", "2", "--text-heads", "2", "--activation", "gelu"] if naming == "open_clip" else []
            run(binary, "convert", str(source), "-o", str(h5), "--quiet", *extra)
            for suffix in (".pt", ".safetensors"):
                out = tmp / (source.stem + "-export" + suffix)
                run(binary, "export", str(h5), "--naming", naming, "-o", str(out))
                if suffix == ".pt":
                    exported = torch.load(out, map_location="cpu", weights_only=True)
                else:
                    exported = safetensors.torch.load_file(out)
                original = (safetensors.torch.load_file(source) if source.suffix == ".safetensors"
                            else torch.load(source, map_location="cpu", weights_only=True))
                ok, detail = same_tensors(exported, dict(original))
                loader = "torch.load(weights_only=True)" if suffix == ".pt" else "safetensors.torch.load_file"
                check(f"{loader} of `export --naming {naming}` of {source.relative_to(FIXTURES)} equals the original", ok, detail)
                if naming == "openai":
                    from make_checkpoints import OPENAI_KW
                    model = clip.model.CLIP(**OPENAI_KW)
                elif naming == "open_clip":
                    cfg = json.loads((FIXTURES / "torch/open_clip/open_clip_config.json").read_text())["model_cfg"]
                    model = open_clip.CLIP(**cfg)
                else:
                    from transformers import CLIPModel
                    model = CLIPModel.from_pretrained(FIXTURES / "hf")
                result = model.load_state_dict(exported, strict=True)
                check(f"{type(model).__module__}.{type(model).__name__}.load_state_dict(strict=True) accepts {out.name}",
                      not result.missing_keys and not result.unexpected_keys, str(result))
        # A trained LDVC checkpoint: import, export the whole model in MMSeg names and the prompts alone.
        h5 = tmp / "ldvc.h5"
        run(binary, "import", str(OUT / "ldvc_mmseg.pth"), "-o", str(h5))
        out = tmp / "ldvc-export.pt"
        run(binary, "export", str(h5), "--naming", "mmseg", "-o", str(out))
        # A .pth under the mmseg naming is a training checkpoint {meta, state_dict}, as MMSegmentation saves one.
        loaded = torch.load(out, map_location="cpu", weights_only=True)
        exported, meta = loaded["state_dict"], loaded["meta"]
        source_meta = torch.load(OUT / "ldvc_mmseg.pth", map_location="cpu", weights_only=True)["meta"]
        check("the meta of `export --naming mmseg` holds the imported checkpoint's config text, CLASSES and PALETTE",
              meta == {k: source_meta[k] for k in ("config", "CLASSES", "PALETTE")},
              f"keys {sorted(meta)}; CLASSES {meta.get('CLASSES')}; PALETTE {meta.get('PALETTE')}")
        original = torch.load(OUT / "ldvc_mmseg.pth", map_location="cpu", weights_only=True)["state_dict"]
        buffer = "decode_head.loss_decode.criterion.empty_weight"
        ok, detail = same_tensors({k: v for k, v in exported.items() if k != buffer},
                                  {k: v for k, v in original.items() if k != buffer})
        check("torch.load(weights_only=True) of `export --naming mmseg` of an imported LDVC checkpoint equals its state_dict "
              "(the loss buffer aside, which the export recreates)", ok, detail)
        # ZegCLIP's SegPlusCriterion: ones(num_classes + 1), eos_coef 0.1 last; 2 seen classes here.
        check("the recreated loss buffer is ZegCLIP's ones(seen + 1) with eos_coef 0.1 last",
              torch.equal(exported[buffer], torch.tensor([1.0, 1.0, 0.1])), str(exported[buffer].tolist()))
        model = Segmentor("ldvc", 1000, 4, 2, dict(tokens=3, layers=2, start=1))
        # The reference segmentor keeps that buffer as decode_head.loss_decode_empty_weight.
        renamed = {("decode_head.loss_decode_empty_weight" if k == buffer else k): v for k, v in exported.items()}
        result = model.load_state_dict(renamed, strict=True)
        check("the reference LDVC segmentor's load_state_dict(strict=True) accepts it",
              not result.missing_keys and not result.unexpected_keys, str(result))
        for suffix in (".pt", ".safetensors", ".h5", ".npz"):
            out = tmp / ("prompts" + suffix)
            run(binary, "export-prompts", str(h5), "-o", str(out))
            if suffix == ".pt":
                loaded = torch.load(out, map_location="cpu", weights_only=True)
            elif suffix == ".safetensors":
                loaded = safetensors.torch.load_file(out)
            elif suffix == ".h5":
                with h5py.File(out, "r") as f:
                    loaded = {k: torch.from_numpy(f[k][()]) for k in f.keys()}
            else:
                with np.load(out) as z:
                    loaded = {k: torch.from_numpy(z[k]) for k in z.files}
            expected = {k: v for k, v in original.items() if "prompt" in k}
            ok, detail = same_tensors(loaded, expected)
            check(f"export-prompts {suffix} loads (torch/safetensors/h5py/numpy) to the checkpoint's prompt tensors", ok, detail)
        confirm_loadable_exports(binary, zegclip, tmp, check)
    record["passed"] = all(c["passed"] for c in record["checks"])
    (OUT / "export_confirmation.json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {OUT / 'export_confirmation.json'}: {'all passed' if record['passed'] else 'FAILURES'}")
    return record["passed"]


def zegclip_commit(checkout):
    """The commit of a ZegCLIP checkout when it is a git work tree, else what the fixtures were checked against."""
    try:
        return subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (subprocess.CalledProcessError, FileNotFoundError):
        return "9ba4bb5 (an archive of it)"


def state_dicts_equal(model_sd, exported):
    """The library-built model's state dict holds exactly the exported tensors."""
    return same_tensors({k: v for k, v in model_sd.items()}, exported)


def confirm_loadable_exports(binary, zegclip, tmp, check):
    """Each export form loaded by its own library, as a user would: transformers' from_pretrained on the hf folder,
    open_clip's local-dir: on the open_clip folder, ZegCLIP's modules (built from the checkpoint's meta.config) on the
    mmseg .pth, strictly."""
    from transformers import CLIPModel
    heads = ["--vision-heads", "2", "--text-heads", "2"]
    cases = (("hf/model.safetensors", FIXTURES / "hf/model.safetensors", []),
             ("torch/openai_fp32.pt", FIXTURES / "torch/openai_fp32.pt", heads),
             ("prompts/ldvc_mmseg.pth (an imported LDVC model, no logit_scale)", OUT / "ldvc_mmseg.pth", []))
    for label, source, extra in cases:
        h5 = tmp / (source.stem + "-loadable.h5")
        run(binary, "import" if source.suffix == ".pth" else "convert", str(source), "-o", str(h5), "--quiet", *extra)
        folder = tmp / (source.stem + "-hf")
        run(binary, "export", str(h5), "--naming", "hf", "-o", str(folder) + "/", "--quiet")
        model, info = CLIPModel.from_pretrained(folder, output_loading_info=True)
        problems = {k: v for k, v in info.items() if v}
        check(f"transformers.CLIPModel.from_pretrained loads `export --naming hf -o DIR/` of {label} with no missing, "
              "unexpected or mismatched keys", not problems, str(problems) if problems else "no missing/unexpected/mismatched keys")
        ok, detail = state_dicts_equal(model.state_dict(), safetensors.torch.load_file(folder / "model.safetensors"))
        check(f"the CLIPModel from_pretrained built from {label}'s hf folder holds exactly the exported tensors", ok, detail)
        oc_folder = tmp / (source.stem + "-open_clip")
        run(binary, "export", str(h5), "--naming", "open_clip", "-o", str(oc_folder) + "/", "--quiet")
        oc_model, _, _ = open_clip.create_model_and_transforms(f"local-dir:{oc_folder}")
        ok, detail = state_dicts_equal(oc_model.state_dict(), safetensors.torch.load_file(oc_folder / "open_clip_model.safetensors"))
        check(f"open_clip.create_model_and_transforms('local-dir:DIR') loads `export --naming open_clip -o DIR/` of {label} "
              "(strict load_checkpoint) to exactly the exported tensors", ok, detail)
        config = json.loads((oc_folder / "open_clip_config.json").read_text())["model_cfg"]
        act = type(oc_model.transformer.resblocks[0].mlp.gelu).__name__
        expected = "QuickGELU" if config["quick_gelu"] else "GELU"
        check(f"open_clip builds {label}'s MLPs with {expected}, as the exported config says", act == expected, act)
    # ZegCLIP's own modules, built from meta.config as MMSegmentation builds them, with the training loss. The
    # runtime's zegclip_tiny.pth is the ZegCLIP fixture that check_zegclip_reference.py loads into them (a JSON
    # meta.config); without its config (meta.config deleted here), the export generates one.
    code = import_zegclip_with_loss(zegclip)
    source = FIXTURES / "runtime/checkpoints/zegclip_tiny.pth"
    original = torch.load(source, map_location="cpu", weights_only=True)
    bare_checkpoint = tmp / "zegclip-noconfig.pth"
    torch.save({"meta": {k: v for k, v in original["meta"].items() if k != "config"}, "state_dict": original["state_dict"]},
               bare_checkpoint)
    cases = (("the imported checkpoint's own meta.config (JSON)", source, []),
             ("a generated meta.config (Python)", bare_checkpoint, heads))
    for label, checkpoint_path, extra in cases:
        h5 = tmp / (checkpoint_path.stem + ".h5")
        run(binary, "import", str(checkpoint_path), "-o", str(h5), "--quiet", *extra)
        out = tmp / (checkpoint_path.stem + "-export.pth")
        run(binary, "export", str(h5), "--naming", "mmseg", "-o", str(out), "--quiet")
        checkpoint = torch.load(out, map_location="cpu", weights_only=True)
        meta, sd = checkpoint["meta"], checkpoint["state_dict"]
        segmentor = None
        try:
            segmentor = zegclip_modules(code, meta["config"], sd, list(meta.get("CLASSES", ())))
            result = segmentor.load_state_dict(sd, strict=True)
            ok, detail = not result.missing_keys and not result.unexpected_keys, str(result)
        except Exception as error:  # a config ZegCLIP cannot build, or shapes that do not fit
            ok, detail = False, f"{type(error).__name__}: {' '.join(str(error).split())[:400]}"
        check(f"ZegCLIP's VPTCLIPVisionTransformer, CLIPTextEncoder and ATMSingleHeadSeg with SegLossPlus, built from "
              f"{label}, load `export --naming mmseg` strictly (load_state_dict(strict=True))", ok, detail)
        buffer = sd.get("decode_head.loss_decode.criterion.empty_weight")
        registered = segmentor.decode_head.loss_decode.criterion.empty_weight if segmentor is not None else None
        check(f"the exported loss buffer equals the one ZegCLIP's SegPlusCriterion registers ({label})",
              buffer is not None and registered is not None and torch.equal(buffer, registered),
              str(buffer.tolist() if buffer is not None else None))
        check(f"meta of `export --naming mmseg` ({label}) carries CLASSES as MMSegmentation saves them (a tuple)",
              meta.get("CLASSES") == tuple(original["meta"]["CLASSES"]), str(meta.get("CLASSES")))


def import_zegclip_with_loss(checkout):
    """ZegCLIP's model classes (scripts/ldvc_golden/zegclip_checkout.py's stand-ins for MMSeg names) plus its loss."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from ldvc_golden.zegclip_checkout import import_zegclip, _Registry
    code = import_zegclip(checkout)
    builder = sys.modules["mmseg.models.builder"]
    if not hasattr(builder, "LOSSES"):
        builder.LOSSES = _Registry()
    from models.losses.atm_loss import SegLossPlus
    code.SegLossPlus = SegLossPlus
    return code


def zegclip_modules(code, config_text, sd, classes):
    """`backbone`, `text_encoder`, `decode_head` (with `loss_decode`) built from an MMSeg config's text the way
    scripts/make_golden.py builds ZegCLIP's modules (`module_arguments`), plus the training loss: the config's
    `loss_decode`, else ZegCLIP's SegLossPlus(num_classes = seen classes, dec_layers = decoder layers)."""
    from ldvc_golden.config_text import parse_config_text
    from ldvc_golden.segmentation import SegmentationSettings
    from ldvc_golden.zegclip_checkout import module_arguments
    config = parse_config_text(config_text)
    settings = SegmentationSettings(sd, config, classes)
    backbone_args, text_args, head_args = module_arguments(config, settings, len(classes))
    segmentor = nn.Module()
    segmentor.backbone = code.VPTCLIPVisionTransformer(**backbone_args)
    segmentor.text_encoder = code.CLIPTextEncoder(**text_args)
    segmentor.decode_head = code.ATMSingleHeadSeg(**head_args)
    model = config.get("model") if isinstance(config.get("model"), dict) else {}
    loss = dict((model.get("decode_head") or {}).get("loss_decode") or {})
    loss.pop("type", None)
    if not loss:
        loss = dict(num_classes=len(head_args["seen_idx"]), dec_layers=head_args["num_layers"])
    segmentor.decode_head.loss_decode = code.SegLossPlus(**loss)
    return segmentor


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--confirm-export", metavar="BINARY", help="export with this ldvc-convert and load the results with torch")
    parser.add_argument("--zegclip", metavar="PATH", help="a checkout of ZiqinZhou66/ZegCLIP (with --confirm-export)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.confirm_export:
        if not args.zegclip:
            parser.error("--confirm-export needs --zegclip PATH (ZegCLIP's modules load the mmseg export)")
        sys.exit(0 if confirm_export(args.confirm_export, args.zegclip) else 1)
    make_fullvocab()
    make_rng()
    make_mmseg()
    total = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    print(f"Fixtures/prompts: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
