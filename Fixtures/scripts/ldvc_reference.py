"""PyTorch reference modules for ZegCLIP and LDVC inference, written from
`../shared/reference/ldvc-architecture.md` (the "notes"), for golden outputs only.

The CLIP towers themselves are OpenAI's `clip.model` classes (conv1, ln_pre, ResidualAttentionBlock,
ln_post, proj, token/positional embeddings, ln_final, text_projection); this file adds what ZegCLIP
and LDVC put around them:

* `VPTVisionEncoder`     notes B1: ZegCLIP's VPT-deep prompts and output head, with its quirks (§f)
* `PromptedTextEncoder`  notes B2: deep language prompts (LDVC, reconstructed layout)
* `ZegCLIPHead`          notes B3 + B4: text adapter and the attention-to-mask decoder
* `LDVCHead`             notes B3 + B5: text adapter and the local consensus transformer decoder,
                         every reconstructed choice a constructor option
* `head_scores`, `slide_inference`: notes B4.5 and B0.3

Module attribute names are chosen so that `state_dict()` keys are the MMSeg checkpoint keys of
notes §c.3 / §c.4 (`backbone.prompt_embeddings`, `decode_head.q_proj.weight`,
`decode_head.decoder_1.layers.0.multihead_attn.q.weight`, …), which is what a converter will meet.

Every module accepts a `taps` callable `taps(name, tensor, valid_rows=None)`; the golden script
stores what it is given. Tap names and layouts are documented in Schemas/golden/ldvc-golden-v1.md.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def no_taps(name, tensor, valid_rows=None):
    pass


# ---------------------------------------------------------------------------------------------
# B1: VPT-deep CLIP vision encoder (ZegCLIP VPTCLIPVisionTransformer semantics)
# ---------------------------------------------------------------------------------------------

class VPTVisionEncoder(nn.Module):
    """OpenAI `clip.model.VisionTransformer` plus ZegCLIP's deep visual prompts (notes B1).

    Parameters named as in ZegCLIP's backbone: `prompt_embeddings` [1, N, W],
    `deep_prompt_embeddings` [D, N, W], `prompt_proj` Linear(W, W), `prompt_norm` LayerNorm(W, 1e-6).
    The CLIP parameters keep OpenAI's names (`conv1`, `class_embedding`, `transformer.resblocks.*`, ...).
    """

    def __init__(self, visual, num_tokens, deep_layers):
        super().__init__()
        width = visual.conv1.out_channels
        # Keep OpenAI's parameter names at this level (the ZegCLIP backbone's own layout).
        self.conv1 = visual.conv1
        self.class_embedding = visual.class_embedding
        self.positional_embedding = visual.positional_embedding
        self.ln_pre = visual.ln_pre
        self.transformer = visual.transformer
        self.ln_post = visual.ln_post
        self.proj = visual.proj
        self.num_tokens = num_tokens
        self.prompt_embeddings = nn.Parameter(torch.zeros(1, num_tokens, width))
        self.deep_prompt_embeddings = nn.Parameter(torch.zeros(deep_layers, num_tokens, width)) if deep_layers > 0 else None
        self.prompt_proj = nn.Linear(width, width)
        self.prompt_norm = nn.LayerNorm(width, eps=1e-6)

    def forward(self, image, taps=no_taps, keep=()):
        """Returns (g [B, E] normalised, F [B, E, h, w] normalised, {layer: [B, h*w, W] raw patch rows})."""
        x = self.conv1(image)
        batch, width, h, w = x.shape
        x = x.reshape(batch, width, h * w).permute(0, 2, 1)
        taps("vision.patch_embed", x)
        x = torch.cat([self.class_embedding + torch.zeros(batch, 1, width), x], dim=1)
        pos = self.positional_embedding
        side = int(round(math.sqrt(pos.shape[0] - 1)))
        # B1.3: patch rows bilinearly re-interpolated to the current grid (identity at the stored size);
        # the CLS row of the position term is pos[0] + class_embedding (the "twice" quirk).
        spatial = F.interpolate(pos[1:].reshape(1, side, side, width).permute(0, 3, 1, 2), size=(h, w),
                                mode="bilinear", align_corners=False)
        spatial = spatial.reshape(1, width, h * w).permute(0, 2, 1)
        cls_pos = (pos[0] + self.class_embedding).reshape(1, 1, width)
        x = x + torch.cat([cls_pos, spatial], dim=1)
        taps("vision.embeddings", x)
        x = self.ln_pre(x)
        taps("vision.ln_pre", x)
        # B1.5: [CLS; P_0; patches].
        n = self.num_tokens
        x = torch.cat([x[:, :1], self.prompt_proj(self.prompt_embeddings).expand(batch, -1, -1), x[:, 1:]], dim=1)
        x = x.permute(1, 0, 2)  # NLD -> LND for clip.model's blocks
        deep = 0 if self.deep_prompt_embeddings is None else self.deep_prompt_embeddings.shape[0]
        has_prompts = True
        kept = {}
        for i, block in enumerate(self.transformer.resblocks):
            if i >= 1:
                if i <= deep:
                    # B1.6: fresh prompts replace the previous layer's prompt outputs.
                    fresh = self.prompt_proj(self.deep_prompt_embeddings[i - 1]).unsqueeze(1).expand(-1, batch, -1)
                    x = torch.cat([x[:1], fresh, x[1 + n:]], dim=0)
                elif has_prompts:
                    # Past the deep prompt layers ZegCLIP keeps CLS and the last h*w rows.
                    x = torch.cat([x[:1], x[-(h * w):]], dim=0)
                    has_prompts = False
            x = block(x)
            taps(f"vision.blocks.{i}", x.permute(1, 0, 2))
            if i in keep:
                kept[i] = x.permute(1, 0, 2)[:, -(h * w):]
        x = x.permute(1, 0, 2)
        # B1.7: prompt_norm, then ln_post, then proj; both norms on every row.
        x = self.prompt_norm(x)
        taps("vision.prompt_norm", x)
        x = self.ln_post(x) @ self.proj
        g = x[:, 0]
        g = g / g.norm(dim=-1, keepdim=True)
        dense = x[:, -(h * w):].reshape(batch, h, w, -1).permute(0, 3, 1, 2)
        dense = dense / dense.norm(dim=1, keepdim=True)
        taps("vision.global", g)
        taps("vision.dense", dense)
        return g, dense, kept


# ---------------------------------------------------------------------------------------------
# B2: CLIP text encoder with optional deep language prompts
# ---------------------------------------------------------------------------------------------

class PromptedTextEncoder(nn.Module):
    """OpenAI CLIP's text tower (`token_embedding`, `positional_embedding`, `transformer`, `ln_final`,
    `text_projection`) with LDVC's deep language prompts in the recommended layout (notes B2):
    before block i < layers, rows start..start+N-1 are overwritten by `prompt_embeddings[i]`; at i = 0
    optionally with the positional embedding added (IVLP alternative)."""

    def __init__(self, model, num_tokens=0, layers=0, start=1, add_position_at_first_layer=False):
        super().__init__()
        self.token_embedding = model.token_embedding
        self.positional_embedding = model.positional_embedding
        self.transformer = model.transformer
        self.ln_final = model.ln_final
        self.text_projection = model.text_projection
        self.start = start
        self.add_position = add_position_at_first_layer
        width = model.token_embedding.weight.shape[1]
        self.prompt_embeddings = nn.Parameter(torch.zeros(layers, num_tokens, width)) if num_tokens else None

    def forward(self, tokens, taps=no_taps):
        """Projected text features [C, E] (not normalised)."""
        ends = tokens.argmax(dim=-1)
        valid = (ends + 1).tolist()
        x = self.token_embedding(tokens) + self.positional_embedding
        taps("text.embeddings", x, valid)
        x = x.permute(1, 0, 2)
        count = tokens.shape[0]
        for i, block in enumerate(self.transformer.resblocks):
            if self.prompt_embeddings is not None and i < self.prompt_embeddings.shape[0]:
                n = self.prompt_embeddings.shape[1]
                rows = self.prompt_embeddings[i]
                if i == 0 and self.add_position:
                    rows = rows + self.positional_embedding[self.start:self.start + n]
                rows = rows.unsqueeze(1).expand(-1, count, -1)
                x = torch.cat([x[:self.start], rows, x[self.start + n:]], dim=0)
            x = block(x)
            taps(f"text.blocks.{i}", x.permute(1, 0, 2), valid)
        x = self.ln_final(x.permute(1, 0, 2))
        pooled = x[torch.arange(count), ends]
        taps("text.pooled", pooled)
        features = pooled @ self.text_projection
        taps("text.embeds", features)
        return features


# ---------------------------------------------------------------------------------------------
# B3 + B4: ZegCLIP head
# ---------------------------------------------------------------------------------------------

class QKVAttention(nn.Module):
    """ZegCLIP's `Attention`: q, k, v, proj linears with bias, heads of width dim/heads, scale
    1/sqrt(head width); also returns the pre-softmax logits averaged over heads (notes B4.3)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, xq, xkv):
        batch, nq, dim = xq.shape
        nk = xkv.shape[1]
        d = dim // self.heads
        q = self.q(xq).reshape(batch, nq, self.heads, d).transpose(1, 2)
        k = self.k(xkv).reshape(batch, nk, self.heads, d).transpose(1, 2)
        v = self.v(xkv).reshape(batch, nk, self.heads, d).transpose(1, 2)
        logits = (q @ k.transpose(-2, -1)) * (d ** -0.5)
        out = (logits.softmax(dim=-1) @ v).transpose(1, 2).reshape(batch, nq, dim)
        return self.proj(out), logits.mean(dim=1)


def text_adapter(q_proj, classes, g):
    """B3: T_hat = q_proj(concat(T * g, T)) per image; classes [C, D], g [B, D] -> [B, C, D]."""
    t = classes.unsqueeze(0).expand(g.shape[0], -1, -1)
    return q_proj(torch.cat([t * g.unsqueeze(1), t], dim=-1))


class ATMLayer(nn.Module):
    """One TPN_DecoderLayer as ZegCLIP runs it: post-norm, self-attention skipped (its weights and
    norm1 exist but are unused), cross-attention, ReLU MLP (notes B4.3, §f)."""

    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(dim, heads)  # unused at inference, present in checkpoints
        self.multihead_attn = QKVAttention(dim, heads)
        self.linear1 = nn.Linear(dim, mlp)
        self.linear2 = nn.Linear(mlp, dim)
        self.norm1 = nn.LayerNorm(dim)  # unused
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)

    def forward(self, q, memory):
        out, attn = self.multihead_attn(q, memory)
        q = self.norm2(q + out)
        q = self.norm3(q + self.linear2(F.relu(self.linear1(q))))
        return q, attn


class ATMDecoder(nn.Module):
    def __init__(self, dim, heads, mlp, layers):
        super().__init__()
        self.layers = nn.ModuleList([ATMLayer(dim, heads, mlp) for _ in range(layers)])


class ZegCLIPHead(nn.Module):
    """`decode_head`: `q_proj` and `decoder_1` (use_stages=1, use_proj=False)."""

    def __init__(self, dim, heads, layers, mlp):
        super().__init__()
        self.q_proj = nn.Linear(2 * dim, dim)
        self.decoder_1 = ATMDecoder(dim, heads, mlp, layers)

    def forward(self, dense, g, classes, taps=no_taps, keep=None):
        batch, dim, h, w = dense.shape
        q = text_adapter(self.q_proj, classes, g)
        taps("head.adapter", q)
        memory = dense.flatten(2).transpose(1, 2)
        attn = None
        for i, layer in enumerate(self.decoder_1.layers):
            q, attn = layer(q, memory)
            taps(f"head.layers.{i}.attention", attn.reshape(batch, -1, h, w))
            taps(f"head.layers.{i}.queries", q)
        # B4.4: the mask is the last layer's head-averaged pre-softmax logits.
        logits = attn.reshape(batch, -1, h, w)
        taps("head.logits", logits)
        return logits


# ---------------------------------------------------------------------------------------------
# B5: LDVC head (local consensus transformer decoder), options = the [RECON] choices
# ---------------------------------------------------------------------------------------------

class RouteAttention(nn.Module):
    """B5.1: bi-level routing attention on an NHWC map. Names follow BiFormer: `qkv.qkv` (its
    QKVLinear nesting), `wo`, `lepe`."""

    def __init__(self, dim, heads, windows, topk, scale_mode, lepe_kernel, output_projection):
        super().__init__()
        self.qkv = nn.Module()
        self.qkv.qkv = nn.Linear(dim, 3 * dim)
        self.wo = nn.Linear(dim, dim) if output_projection else None
        self.lepe = nn.Conv2d(dim, dim, lepe_kernel, padding=lepe_kernel // 2, groups=dim) if lepe_kernel else None
        self.heads, self.windows, self.topk = heads, windows, topk
        self.scale = (dim if scale_mode == "qk_dim" else dim // heads) ** -0.5

    def forward(self, x):
        batch, h, w, dim = x.shape
        n, wh, ww = self.windows, h // self.windows, w // self.windows
        assert h % n == 0 and w % n == 0
        q, k, v = self.qkv.qkv(x).split(dim, dim=-1)

        def to_windows(t):  # [B, H, W, D] -> [B, n*n, wh*ww, D], windows row-major, tokens row-major
            return t.reshape(batch, n, wh, n, ww, dim).permute(0, 1, 3, 2, 4, 5).reshape(batch, n * n, wh * ww, dim)

        qw, kw, vw = to_windows(q), to_windows(k), to_windows(v)
        affinity = (qw.mean(dim=2) * self.scale) @ kw.mean(dim=2).transpose(-2, -1)  # Eq. 10
        index = affinity.topk(self.topk, dim=-1).indices  # [B, nW, topk]
        if hasattr(self, "gaps") and self.topk < affinity.shape[-1]:
            # The golden script checks no routing decision is a near tie (see make_goldens.py).
            ordered = affinity.sort(dim=-1, descending=True).values
            self.gaps.append((ordered[..., self.topk - 1] - ordered[..., self.topk]).min().item())
        gather = index[..., None, None].expand(-1, -1, -1, wh * ww, dim)
        ks = torch.gather(kw.unsqueeze(1).expand(-1, n * n, -1, -1, -1), 2, gather).reshape(batch, n * n, -1, dim)
        vs = torch.gather(vw.unsqueeze(1).expand(-1, n * n, -1, -1, -1), 2, gather).reshape(batch, n * n, -1, dim)
        d = dim // self.heads
        qh = qw.reshape(batch, n * n, wh * ww, self.heads, d).transpose(2, 3)
        kh = ks.reshape(batch, n * n, -1, self.heads, d).transpose(2, 3)
        vh = vs.reshape(batch, n * n, -1, self.heads, d).transpose(2, 3)
        out = ((qh * self.scale) @ kh.transpose(-2, -1)).softmax(dim=-1) @ vh  # Eq. 12
        out = out.transpose(2, 3).reshape(batch, n, n, wh, ww, dim).permute(0, 1, 3, 2, 4, 5).reshape(batch, h, w, dim)
        if self.lepe is not None:
            out = out + self.lepe(v.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return self.wo(out) if self.wo is not None else out


class LCTDBlock(nn.Module):
    def __init__(self, dim, heads, o):
        super().__init__()
        self.o = o
        if o["conv"] == "depthwise":
            self.conv = nn.Conv2d(dim, dim, o["conv_kernel"], padding=o["conv_kernel"] // 2, groups=dim)
        elif o["conv"] == "dense":
            self.conv = nn.Conv2d(dim, dim, o["conv_kernel"], padding=o["conv_kernel"] // 2)
        else:
            self.conv = None
        eps = o["norm_eps"]
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = RouteAttention(dim, heads, o["route_windows"], o["route_topk"], o["route_scale"],
                                   o["route_lepe_kernel"], o["route_output_projection"])
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.class_norm = nn.LayerNorm(dim, eps=eps) if o["class_norm"] else None
        self.cross_attn = QKVAttention(dim, heads)
        self.norm3 = nn.LayerNorm(dim, eps=eps)
        # BiFormer naming mlp.0 / mlp.3 with GELU; torch decoder naming would be linear1/linear2.
        act = nn.GELU() if o["activation"] == "gelu" else nn.ReLU()
        self.mlp = nn.Sequential(nn.Linear(dim, o["mlp_width"]), nn.Identity(), act, nn.Linear(o["mlp_width"], dim))

    def conv_nhwc(self, t):
        return self.conv(t.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)

    def forward(self, x, tap, classes):
        """x, tap: [B, h, w, D]; classes: [B, C, D]."""
        if self.o["fusion"] == "add_then_conv":  # Eq. 4, recommended: Z = X + V; Z = Z + Conv(Z)
            z = x + tap
            if self.conv is not None:
                z = z + self.conv_nhwc(z)
        else:  # conv_on_tap: Z = X + Conv(V)
            z = x + (self.conv_nhwc(tap) if self.conv is not None else tap)
        b, h, w, d = z.shape
        keys = self.class_norm(classes) if self.class_norm is not None else classes

        def cross(t):  # Eq. 6: image features are the queries, class embeddings keys and values
            return self.cross_attn(t.reshape(b, h * w, d), keys)[0].reshape(b, h, w, d)

        if self.o["norm_position"] == "pre":
            z = z + self.attn(self.norm1(z))
            z = z + cross(self.norm2(z))
            z = z + self.mlp(self.norm3(z))
        else:
            z = self.norm1(z + self.attn(z))
            z = self.norm2(z + cross(z))
            z = self.norm3(z + self.mlp(z))
        return z


class LDVCHead(nn.Module):
    """`decode_head` of the reconstructed LDVC: q_proj, optional input_proj_{l}/proj_norm_{l}
    (1-based like ZegCLIP's multi-stage path), `decoder.{l}` blocks, optional `final_norm`."""

    def __init__(self, dim, heads, o, vision_width):
        super().__init__()
        self.o = o
        self.q_proj = nn.Linear(2 * dim, dim)
        if o["tap_projection"] == "learned":
            for l in range(o["blocks"]):
                self.add_module(f"input_proj_{l + 1}", nn.Linear(vision_width, dim))
                self.add_module(f"proj_norm_{l + 1}", nn.LayerNorm(dim, eps=o["tap_norm_eps"]))
        self.decoder = nn.ModuleList([LCTDBlock(dim, heads, o) for _ in range(o["blocks"])])
        self.final_norm = nn.LayerNorm(dim, eps=o["norm_eps"]) if o["final_norm"] else None

    def forward(self, dense, g, classes, kept, backbone, taps=no_taps):
        batch, dim, h, w = dense.shape
        fused = text_adapter(self.q_proj, classes, g)
        taps("head.adapter", fused)
        x = dense.permute(0, 2, 3, 1)
        for l, block in enumerate(self.decoder):
            raw = kept[self.o["tap_layers"][l]]  # [B, h*w, W_v]
            if self.o["tap_projection"] == "learned":
                v = getattr(self, f"proj_norm_{l + 1}")(getattr(self, f"input_proj_{l + 1}")(raw))
            else:  # frozen CLIP head, then L2 normalisation
                v = backbone.ln_post(raw) @ backbone.proj
                v = v / v.norm(dim=-1, keepdim=True)
            v = v.reshape(batch, h, w, dim)
            taps(f"head.taps.{l}", v)
            x = block(x, v, fused)
            taps(f"head.blocks.{l}", x)
        if self.final_norm is not None:
            x = self.final_norm(x)
        logits = torch.einsum("bhwd,bcd->bchw", x, fused)  # Eq. 13
        taps("head.logits", logits)
        return logits


# ---------------------------------------------------------------------------------------------
# B4.5 / B0.3: test-time mask path and sliding window
# ---------------------------------------------------------------------------------------------

def head_scores(logits, image_size, seen, offset, crop_hw, taps=no_taps):
    """Logits at the grid -> image_size -> sigmoid, minus offset on seen -> crop size."""
    pred = F.interpolate(logits, size=(image_size, image_size), mode="bilinear", align_corners=False)
    pred = pred.sigmoid()
    if len(seen):
        pred[:, list(seen)] = pred[:, list(seen)] - offset
    out = F.interpolate(pred, size=crop_hw, mode="bilinear", align_corners=False)
    taps("head.scores", out)
    taps("head.segmentation", out.argmax(dim=1))
    return out


def slide_inference(image, crop, stride, classes_count, crop_scores):
    """B0.3 (zegclip.py slide_inference): windows, canvas sum, divide by overlap count."""
    batch, _, height, width = image.shape
    rows = max(height - crop + stride - 1, 0) // stride + 1
    cols = max(width - crop + stride - 1, 0) // stride + 1
    canvas = image.new_zeros((batch, classes_count, height, width))
    count = image.new_zeros((batch, 1, height, width))
    for r in range(rows):
        for c in range(cols):
            y2, x2 = min(r * stride + crop, height), min(c * stride + crop, width)
            y1, x1 = max(y2 - crop, 0), max(x2 - crop, 0)
            canvas[:, :, y1:y2, x1:x2] += crop_scores(image[:, :, y1:y2, x1:x2])
            count[:, :, y1:y2, x1:x2] += 1
    return canvas / count
