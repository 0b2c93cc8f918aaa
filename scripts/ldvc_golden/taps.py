"""Recording taps (Schemas/golden/ldvc-golden-v1.md) from PyTorch reference models.

A tap is a named intermediate value. `TapLog` collects them in forward order; `hook_clip_taps` puts
forward hooks on the modules of a CLIP model (OpenAI `clip.model.CLIP`, `open_clip.CLIP`, HF
`CLIPModel`) so that its own forward pass records every vision and text tap. Models written for
goldens (`Fixtures/scripts/ldvc_reference.py`) call a `TapLog` directly instead.
"""
import numpy as np
import torch


class TapLog:
    """Collects taps in forward order. Tensors are stored as float32 (int64 for label maps)."""

    def __init__(self):
        self.items = []
        self.names = set()

    def __call__(self, name, tensor, valid_rows=None):
        if name in self.names:
            raise RuntimeError(f"tap {name} recorded twice")
        self.names.add(name)
        t = tensor.detach()
        array = t.numpy().astype(np.int64) if not t.dtype.is_floating_point else t.float().numpy().astype(np.float32)
        self.items.append((name, np.ascontiguousarray(array), valid_rows))

    def __len__(self):
        return len(self.items)


def end_positions(tokens):
    """Index of each prompt's end token: CLIP pools at `argmax` (the end token has the largest id)."""
    return tokens.argmax(dim=-1)


def text_valid_rows(tokens):
    """`valid_rows` of the text taps: positions up to and including the end token. The causal mask
    makes later positions irrelevant to every output, and the runtime does not compute them."""
    return (end_positions(tokens) + 1).tolist()


def sequence_first(t, seq_first):
    """Block outputs as [batch, tokens, width]; OpenAI's blocks run [tokens, batch, width]."""
    t = t[0] if isinstance(t, tuple) else t
    return t.permute(1, 0, 2) if seq_first else t


def hook_clip_taps(modules, taps, ends):
    """Forward hooks that record the CLIP taps from a model's own modules.

    `modules` maps tap roles to modules: patch (conv), embeddings (module whose *input* is the
    embedding sum), ln_pre, vision_blocks, pooled, text_embed (module whose input is token+pos),
    text_blocks, ln_final; `seq_first` says whether blocks run LND (OpenAI) or NLD. Returns the hook
    handles; remove them when done. `vision.embeds` / `text.embeds` are the model's own outputs and
    are recorded by the caller.
    """
    handles = []
    seq_first = modules["seq_first"]

    def nld(t):
        return sequence_first(t, seq_first)

    def add(module, fn, pre=False):
        if pre:
            handles.append(module.register_forward_pre_hook(lambda m, i: fn(i[0])))
        else:
            handles.append(module.register_forward_hook(lambda m, i, o: fn(o)))

    def patch(o):
        taps("vision.patch_embed", o.flatten(2).transpose(1, 2))

    add(modules["patch"], patch)
    if modules.get("embeddings_out") is not None:
        add(modules["embeddings_out"], lambda o: taps("vision.embeddings", o))
    else:
        add(modules["ln_pre"], lambda i: taps("vision.embeddings", i), pre=True)
    add(modules["ln_pre"], lambda o: taps("vision.ln_pre", o))
    for index, block in enumerate(modules["vision_blocks"]):
        add(block, lambda o, index=index: taps(f"vision.blocks.{index}", nld(o)))
    add(modules["ln_post"], lambda o: taps("vision.pooled", o if o.dim() == 2 else o[:, 0]))
    valid = (ends + 1).tolist()
    if modules.get("text_embeddings_out") is not None:
        add(modules["text_embeddings_out"], lambda o: taps("text.embeddings", o, valid))
    else:
        add(modules["text_transformer"], lambda i: taps("text.embeddings", nld(i), valid), pre=True)
    for index, block in enumerate(modules["text_blocks"]):
        add(block, lambda o, index=index: taps(f"text.blocks.{index}", nld(o), valid))
    add(modules["ln_final"], lambda o: taps("text.pooled", o[torch.arange(o.shape[0]), ends]))
    return handles


def remove_hooks(handles):
    for handle in handles:
        handle.remove()
