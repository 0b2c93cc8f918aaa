#!/usr/bin/env python3
"""Fixture generator for ldvc-swift's checkpoint readers and name mapper.

What it makes (all under Fixtures/, paths relative to that folder):

* torch/     tiny CLIP ViT-B-shaped checkpoints built by the *real* reference code
             (openai-clip ``clip.model.CLIP``, ``open_clip.CLIP``,
             ``transformers.CLIPModel``), random init + seeded noise on every
             parameter, saved in every container the Swift side must read:
             torch zip (fp32 / mixed fp16 / bf16 / protocol 4 / views that share
             storage / MMSeg-style wrapped), the pre-1.6 legacy stacked-pickle
             format, a traced TorchScript archive, open_clip + sidecar config.
* hf/        the HF model as ``config.json`` + ``model.safetensors`` +
             ``pytorch_model.bin``.
* reference/ one HDF5 dump per checkpoint: ``source/`` (every tensor exactly as
             torch / safetensors loads it) and ``canonical/`` (the expected
             ldvc-layout-v1 tensors, computed by an independent mapping in this
             file), plus the expected architecture values as root attributes.
* adversarial/ hostile or broken inputs, the bad pickles assembled by hand from
             opcode bytes (nothing here ever unpickles them).
* README.md  the file table (generated; sizes are measured).

Pinned versions (see Fixtures/requirements.txt): torch 2.13.0+cpu,
open_clip_torch 3.3.0, transformers 5.24.0, openai-clip 1.0.1, h5py 3.16.0,
safetensors 0.8.0, numpy 2.4.6 (Python 3.11).

How to run, from the repository root:

    python3 Fixtures/scripts/make_checkpoints.py            # regenerate + verify
    python3 Fixtures/scripts/make_checkpoints.py --verify   # only verify the committed files

Everything is seeded. Reruns give byte-identical files except
``torch/openai_legacy.pt`` (and ``adversarial/legacy_truncated.pt``): the legacy
writer names storages by their C pointer (``str(storage._cdata)``), which
changes from process to process. Its reference dump does not depend on those keys.
"""

# --- torchvision workaround -------------------------------------------------------
# The torchvision wheel from PyPI is built against CUDA torch. When `clip`,
# `open_clip` or `transformers` import it, its `_meta_registrations` module
# registers fake kernels for `torchvision::nms`, an operator the CPU-only torch
# 2.13 build does not have, and the import dies with
# "operator torchvision::nms does not exist". None of the code used here needs
# torchvision's custom operators, so an empty stand-in module is registered first.
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import argparse  # noqa: E402
import collections  # noqa: E402
import copy  # noqa: E402
import dataclasses  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import pickletools  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import struct  # noqa: E402
import warnings  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import safetensors  # noqa: E402
import safetensors.torch  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import clip  # noqa: E402  (openai-clip)
import open_clip  # noqa: E402
from open_clip.push_to_hf_hub import save_config_for_hf  # noqa: E402
import open_clip.transform  # noqa: E402
import transformers  # noqa: E402
from transformers import CLIPConfig, CLIPModel  # noqa: E402

transformers.logging.set_verbosity_error()

FIXTURES = Path(__file__).resolve().parents[1]
REPO = FIXTURES.parent
SCHEMA = REPO / "Schemas" / "layout" / "ldvc-layout-v1.json"
SCRIPT_NAME = "scripts/make_checkpoints.py"

SEED_OPENAI = 1001
SEED_OPEN_CLIP = 2002
SEED_HF = 3003
SEED_INPUTS = 4004
NOISE_STD = 0.05

PINNED = {
    "torch": "2.13.0+cpu",
    "open_clip_torch": "3.3.0",
    "transformers": "5.24.0",
    "openai-clip": "1.0.1",
    "h5py": "3.16.0",
    "safetensors": "0.8.0",
    "numpy": "2.4.6",
}

# ----------------------------------------------------------------------------------
# Tiny configurations of the real architectures
# ----------------------------------------------------------------------------------

OPENAI_KW = dict(
    embed_dim=32, image_resolution=32, vision_layers=2, vision_width=64, vision_patch_size=8,
    context_length=16, vocab_size=1000, transformer_width=64, transformer_heads=1, transformer_layers=2,
)

OPEN_CLIP_CFG = {
    "embed_dim": 32,
    "quick_gelu": False,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 64, "patch_size": 8, "head_width": 32},
    "text_cfg": {"context_length": 16, "vocab_size": 1000, "width": 64, "heads": 2, "layers": 2},
}

HF_TEXT = dict(
    vocab_size=1000, hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=2,
    max_position_embeddings=16, hidden_act="quick_gelu", projection_dim=32,
    # Real CLIP uses bos/eos = the last two vocabulary ids (49406/49407); keep that shape here.
    bos_token_id=998, eos_token_id=999, pad_token_id=1,
)
HF_VISION = dict(
    hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=2, image_size=32,
    patch_size=8, hidden_act="quick_gelu", projection_dim=32,
)


def arch_values(convention):
    """Expected architecture attributes, written as root attributes of each reference dump."""
    heads = {"openai": 1, "open_clip": 2, "hf": 2}[convention]
    act = {"openai": "quick_gelu", "open_clip": "gelu", "hf": "quick_gelu"}[convention]
    return {
        "vision.width": 64, "vision.layers": 2, "vision.heads": heads, "vision.patch_size": 8,
        "vision.image_size": 32, "vision.grid_size": 4, "vision.mlp_width": 256, "vision.activation": act,
        "vision.layer_norm_eps": 1e-5,
        "text.width": 64, "text.layers": 2, "text.heads": heads, "text.context_length": 16,
        "text.vocab_size": 1000, "text.mlp_width": 256, "text.activation": act, "text.layer_norm_eps": 1e-5,
        "embed_dim": 32,
    }


def perturb(model, seed):
    """Add seeded noise to every parameter so LayerNorm weights/biases, embeddings and
    logit_scale are all distinct, non-trivial values (a wrong mapping cannot pass by luck)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.add_(torch.randn(p.shape, generator=gen, dtype=torch.float32).to(p.dtype) * NOISE_STD)
    return model


def build_openai():
    torch.manual_seed(SEED_OPENAI)
    model = clip.model.CLIP(**OPENAI_KW)
    return perturb(model, SEED_OPENAI + 1).eval()


def build_open_clip():
    torch.manual_seed(SEED_OPEN_CLIP)
    model = open_clip.CLIP(**copy.deepcopy(OPEN_CLIP_CFG))
    return perturb(model, SEED_OPEN_CLIP + 1).eval()


def build_hf():
    torch.manual_seed(SEED_HF)
    config = CLIPConfig(text_config=dict(HF_TEXT), vision_config=dict(HF_VISION), projection_dim=32)
    model = CLIPModel(config)
    return perturb(model, SEED_HF + 1).eval()


def clone_sd(sd, prefix=""):
    """Detached copy that keeps `_metadata` (the per-module version dict that nn.Module.state_dict()
    attaches and torch.save pickles with BUILD), as a real `torch.save(model.state_dict())` has it."""
    out = collections.OrderedDict((prefix + k, v.detach().clone()) for k, v in sd.items())
    meta = getattr(sd, "_metadata", None)
    if meta is not None:
        out._metadata = collections.OrderedDict(
            ((prefix + k if k else prefix.rstrip(".")), dict(v)) for k, v in meta.items())
    return out


# ----------------------------------------------------------------------------------
# Independent name mapping (source key -> canonical ldvc-layout-v1 names)
# ----------------------------------------------------------------------------------

OPENAI_DROP = {"input_resolution", "context_length", "vocab_size", "attn_mask", "visual.attn_mask"}
HF_DROP = {"text_model.embeddings.position_ids", "vision_model.embeddings.position_ids"}

OPENAI_BLOCK = {
    "ln_1.weight": "ln_1.weight", "ln_1.bias": "ln_1.bias",
    "ln_2.weight": "ln_2.weight", "ln_2.bias": "ln_2.bias",
    "attn.out_proj.weight": "attn.out_proj.weight", "attn.out_proj.bias": "attn.out_proj.bias",
    "mlp.c_fc.weight": "mlp.fc1.weight", "mlp.c_fc.bias": "mlp.fc1.bias",
    "mlp.c_proj.weight": "mlp.fc2.weight", "mlp.c_proj.bias": "mlp.fc2.bias",
}
OPENAI_TOP = {
    "visual.conv1.weight": ("vision.patch_embed.weight", "identity"),
    "visual.class_embedding": ("vision.class_embedding", "identity"),
    "visual.positional_embedding": ("vision.position_embedding", "identity"),
    "visual.ln_pre.weight": ("vision.ln_pre.weight", "identity"),
    "visual.ln_pre.bias": ("vision.ln_pre.bias", "identity"),
    "visual.ln_post.weight": ("vision.ln_post.weight", "identity"),
    "visual.ln_post.bias": ("vision.ln_post.bias", "identity"),
    "visual.proj": ("vision.proj.weight", "transpose"),
    "token_embedding.weight": ("text.token_embedding", "identity"),
    "positional_embedding": ("text.position_embedding", "identity"),
    "ln_final.weight": ("text.ln_final.weight", "identity"),
    "ln_final.bias": ("text.ln_final.bias", "identity"),
    "text_projection": ("text.proj.weight", "transpose"),
    "logit_scale": ("logit_scale", "identity"),
}
HF_BLOCK = {
    "layer_norm1.weight": "ln_1.weight", "layer_norm1.bias": "ln_1.bias",
    "layer_norm2.weight": "ln_2.weight", "layer_norm2.bias": "ln_2.bias",
    "mlp.fc1.weight": "mlp.fc1.weight", "mlp.fc1.bias": "mlp.fc1.bias",
    "mlp.fc2.weight": "mlp.fc2.weight", "mlp.fc2.bias": "mlp.fc2.bias",
}
for _p in ("q", "k", "v", "out"):
    for _s in ("weight", "bias"):
        HF_BLOCK[f"self_attn.{_p}_proj.{_s}"] = f"attn.{_p}_proj.{_s}"
HF_TOP = {
    "vision_model.embeddings.patch_embedding.weight": "vision.patch_embed.weight",
    "vision_model.embeddings.class_embedding": "vision.class_embedding",
    "vision_model.embeddings.position_embedding.weight": "vision.position_embedding",
    "vision_model.pre_layrnorm.weight": "vision.ln_pre.weight",
    "vision_model.pre_layrnorm.bias": "vision.ln_pre.bias",
    "vision_model.post_layernorm.weight": "vision.ln_post.weight",
    "vision_model.post_layernorm.bias": "vision.ln_post.bias",
    "visual_projection.weight": "vision.proj.weight",
    "text_model.embeddings.token_embedding.weight": "text.token_embedding",
    "text_model.embeddings.position_embedding.weight": "text.position_embedding",
    "text_model.final_layer_norm.weight": "text.ln_final.weight",
    "text_model.final_layer_norm.bias": "text.ln_final.bias",
    "text_projection.weight": "text.proj.weight",
    "logit_scale": "logit_scale",
}


def map_key(key, convention):
    """Returns [(canonical_name, transform)] for a source key (prefix already removed),
    [] for a key that is deliberately dropped; raises for anything unknown."""
    if convention in ("openai", "open_clip"):
        if key in OPENAI_DROP:
            return []
        if key in OPENAI_TOP:
            return [OPENAI_TOP[key]]
        m = re.fullmatch(r"(visual\.)?transformer\.resblocks\.(\d+)\.(.+)", key)
        if m:
            tower = "vision" if m.group(1) else "text"
            base = f"{tower}.blocks.{int(m.group(2))}."
            rest = m.group(3)
            if rest in ("attn.in_proj_weight", "attn.in_proj_bias"):
                kind = "weight" if rest.endswith("weight") else "bias"
                return [(f"{base}attn.{p}_proj.{kind}", f"split_qkv:{i}") for i, p in enumerate("qkv")]
            if rest in OPENAI_BLOCK:
                return [(base + OPENAI_BLOCK[rest], "identity")]
    elif convention == "hf":
        if key in HF_DROP:
            return []
        if key in HF_TOP:
            return [(HF_TOP[key], "identity")]
        m = re.fullmatch(r"(vision|text)_model\.encoder\.layers\.(\d+)\.(.+)", key)
        if m and m.group(3) in HF_BLOCK:
            return [(f"{m.group(1)}.blocks.{int(m.group(2))}.{HF_BLOCK[m.group(3)]}", "identity")]
    raise KeyError(f"unmapped {convention} key: {key}")


def apply_transform(t, transform):
    if transform == "identity":
        return t
    if transform == "transpose":
        return t.t().contiguous()
    if transform.startswith("split_qkv:"):
        k = int(transform.split(":")[1])
        rows = t.shape[0]
        assert rows % 3 == 0
        n = rows // 3
        return t[k * n:(k + 1) * n].contiguous()
    raise ValueError(transform)


def canonical_path(name):
    """Schema path rule: '/' + dotted name with '.' -> '/' (here below the canonical/ group)."""
    return "canonical/" + name.replace(".", "/")


# ----------------------------------------------------------------------------------
# HDF5 reference dumps
# ----------------------------------------------------------------------------------

DTYPE_CODE = {
    torch.float32: "f32", torch.float16: "f16", torch.bfloat16: "bf16", torch.float64: "f64",
    torch.int64: "i64", torch.int32: "i32", torch.int16: "i16", torch.int8: "i8", torch.uint8: "u8",
    torch.bool: "bool",
}


def to_numpy(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().view(np.uint16).copy(), "bf16"
    return t.numpy().copy(), DTYPE_CODE[t.dtype]


def tied_groups(sd):
    by_storage = collections.defaultdict(list)
    for k, v in sd.items():
        if v.numel() == 0:
            continue
        by_storage[v.untyped_storage().data_ptr()].append(k)
    return sorted(sorted(g) for g in by_storage.values() if len(g) > 1)


def write_reference(path, sd, *, convention, source_file, source_format, source_wrapper="", source_prefix=""):
    """sd: the state dict exactly as the loader returns it (keys with any prefix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    dropped, mapping = [], []
    canon = {}
    for key, t in sd.items():
        stripped = key[len(source_prefix):] if source_prefix and key.startswith(source_prefix) else key
        targets = map_key(stripped, convention)
        if not targets:
            dropped.append(key)
        for name, transform in targets:
            assert name not in canon, f"two sources for {name}"
            canon[name] = (key, transform)
            mapping.append({"canonical": name, "source": key, "transform": transform})
    mapping.sort(key=lambda e: e["canonical"])

    if path.exists():
        path.unlink()
    with h5py.File(path, "w") as f:
        src = f.create_group("source")
        for key, t in sd.items():
            arr, code = to_numpy(t)
            ds = src.create_dataset(key, data=arr, track_times=False)
            ds.attrs["dtype"] = code
        for name in sorted(canon):
            key, transform = canon[name]
            hpath = canonical_path(name)
            parent = hpath.rsplit("/", 1)[0]
            f.require_group(parent)
            if transform == "identity":
                # Same values, same dtype: an HDF5 hard link to the source dataset (saves space;
                # readers opening canonical/... see an ordinary dataset with its own `dtype` attribute).
                f[hpath] = src[key]
            else:
                arr, code = to_numpy(apply_transform(sd[key].detach().contiguous(), transform))
                ds = f.create_dataset(hpath, data=arr, track_times=False)
                ds.attrs["dtype"] = code
        a = f.attrs
        a["convention"] = convention
        for k, v in arch_values(convention).items():
            a[k] = v
        a["dropped"] = json.dumps(dropped)
        a["tied_tensors"] = json.dumps(tied_groups(sd))
        a["mapping"] = json.dumps(mapping)
        a["source_file"] = source_file
        a["source_format"] = source_format
        a["source_wrapper"] = source_wrapper
        a["source_prefix"] = source_prefix


def read_h5_tensor(ds):
    arr = ds[()]
    code = ds.attrs["dtype"]
    if code == "bf16":
        return torch.from_numpy(np.asarray(arr).view(np.int16).copy()).view(torch.bfloat16)
    return torch.from_numpy(np.array(arr))


def read_reference(path):
    with h5py.File(path, "r") as f:
        src = collections.OrderedDict((k, read_h5_tensor(f["source"][k])) for k in f["source"])
        canon = {}

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                canon[name.replace("/", ".")] = read_h5_tensor(obj)

        f["canonical"].visititems(visit)
        attrs = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in f.attrs.items()}
    return src, canon, attrs


# ----------------------------------------------------------------------------------
# Hand-assembled pickles for the adversarial inputs (never unpickled)
# ----------------------------------------------------------------------------------

class PickleAsm:
    """Writes pickle opcodes byte by byte."""

    def __init__(self, protocol=2):
        self.b = bytearray(b"\x80" + bytes([protocol]))  # PROTO

    def op(self, code):
        self.b += code
        return self

    def glob(self, module, name):  # GLOBAL 'module\nname\n'
        self.b += b"c" + module.encode() + b"\n" + name.encode() + b"\n"
        return self

    def str(self, s):  # BINUNICODE
        data = s.encode()
        self.b += b"X" + struct.pack("<I", len(data)) + data
        return self

    def int(self, n):
        if 0 <= n < 256:
            self.b += b"K" + bytes([n])  # BININT1
        elif 0 <= n < 65536:
            self.b += b"M" + struct.pack("<H", n)  # BININT2
        elif -(2 ** 31) <= n < 2 ** 31:
            self.b += b"J" + struct.pack("<i", n)  # BININT
        else:
            data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
            self.b += b"\x8a" + bytes([len(data)]) + data  # LONG1
        return self

    def int_tuple(self, values):
        if not values:
            return self.op(b")")  # EMPTY_TUPLE
        if len(values) <= 3:
            for v in values:
                self.int(v)
            return self.op({1: b"\x85", 2: b"\x86", 3: b"\x87"}[len(values)])  # TUPLE1/2/3
        self.op(b"(")
        for v in values:
            self.int(v)
        return self.op(b"t")

    def tensor(self, storage_type, key, numel, offset, size, stride):
        """torch._utils._rebuild_tensor_v2(persistent_load(('storage', T, key, 'cpu', numel)),
        offset, size, stride, False, OrderedDict()) exactly as torch.save lays it out."""
        self.glob("torch._utils", "_rebuild_tensor_v2").op(b"(")
        self.op(b"(").str("storage").glob("torch", storage_type).str(key).str("cpu").int(numel).op(b"t")
        self.op(b"Q")  # BINPERSID
        self.int(offset).int_tuple(size).int_tuple(stride)
        self.op(b"\x89")  # NEWFALSE (requires_grad)
        self.glob("collections", "OrderedDict").op(b")").op(b"R")  # backward hooks
        return self.op(b"t").op(b"R")

    def bytes(self):
        return bytes(self.b)


def write_torch_zip(path, records):
    """A torch-zip layout: <archive>/data.pkl, byteorder, data/<key>..., version, all ZIP_STORED,
    fixed timestamps so reruns are byte-identical."""
    archive = path.stem
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in records:
            info = zipfile.ZipInfo(f"{archive}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)


def torch_zip_records(pkl, storages):
    recs = [("data.pkl", pkl), ("byteorder", b"little")]
    recs += [(f"data/{k}", v) for k, v in storages]
    recs.append(("version", b"3\n"))
    return recs


def handmade_valid_pickle():
    """Control case (verified with torch.load in --verify): {'w': float32 tensor 2x2 from data/0}."""
    p = PickleAsm().op(b"}").str("w").tensor("FloatStorage", "0", 4, 0, (2, 2), (2, 1)).op(b"s").op(b".")
    return p.bytes()


def legacy_sections(data):
    """Offsets of the five pickles of a legacy file and the start of the raw storage section."""
    f = io.BytesIO(data)
    bounds = []
    for _ in range(5):
        start = f.tell()
        for _op in pickletools.genops(f):
            pass
        bounds.append((start, f.tell()))
    return bounds, f.tell()


def make_adversarial(out, fp32_path, legacy_path):
    out.mkdir(parents=True, exist_ok=True)
    (out / "empty.pt").write_bytes(b"")
    (out / "text.pt").write_text("This is a text file, not a PyTorch checkpoint.\n")
    fp32 = fp32_path.read_bytes()
    (out / "truncated.pt").write_bytes(fp32[: int(len(fp32) * 0.6)])

    # Central directory overwritten with deterministic garbage (EOCD left intact).
    eocd = fp32.rfind(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", fp32[eocd + 12: eocd + 20])
    assert cd_offset != 0xFFFFFFFF and cd_offset + cd_size <= eocd
    garbage = bytearray()
    counter = 0
    while len(garbage) < cd_size:
        garbage += hashlib.sha256(b"ldvc-garbage-%d" % counter).digest()
        counter += 1
    corrupt = bytearray(fp32)
    corrupt[cd_offset: cd_offset + cd_size] = garbage[:cd_size]
    (out / "corrupt_zip.pt").write_bytes(bytes(corrupt))

    f4 = struct.pack("<4f", 1.0, 2.0, 3.0, 4.0)

    # Would run `touch /tmp/ldvc_pwned` if unpickled naively.
    mal = PickleAsm().glob("posix", "system").str("touch /tmp/ldvc_pwned").op(b"\x85").op(b"R").op(b".")
    write_torch_zip(out / "malicious_reduce.pt", torch_zip_records(mal.bytes(), []))
    mal2 = (PickleAsm().glob("builtins", "eval")
            .str("__import__('os').system('touch /tmp/ldvc_pwned')").op(b"\x85").op(b"R").op(b"."))
    write_torch_zip(out / "malicious_builtins_eval.pt", torch_zip_records(mal2.bytes(), []))

    # A state dict with one good tensor and a whole nn.Linear object (GLOBAL + NEWOBJ + BUILD).
    ug = (PickleAsm().glob("collections", "OrderedDict").op(b")").op(b"R").op(b"(")
          .str("weight").tensor("FloatStorage", "0", 4, 0, (2, 2), (2, 1))
          .str("layer").glob("torch.nn.modules.linear", "Linear").op(b")").op(b"\x81")  # NEWOBJ
          .op(b"}").str("in_features").int(2).str("out_features").int(2).op(b"s").op(b"s").op(b"b")  # BUILD
          .op(b"u").op(b"."))
    write_torch_zip(out / "unknown_global.pt", torch_zip_records(ug.bytes(), [("0", f4)]))

    def one_tensor(name, *, key="0", numel, offset, size, stride, storages):
        p = PickleAsm().op(b"}").str("w").tensor("FloatStorage", key, numel, offset, size, stride).op(b"s").op(b".")
        write_torch_zip(out / name, torch_zip_records(p.bytes(), storages))

    one_tensor("storage_too_small.pt", numel=10000, offset=0, size=(100, 100), stride=(100, 1),
               storages=[("0", f4)])
    one_tensor("view_out_of_bounds.pt", numel=10, offset=8, size=(4,), stride=(1,),
               storages=[("0", struct.pack("<10f", *range(10)))])
    one_tensor("absurd_sizes.pt", numel=2 ** 62, offset=0, size=(2 ** 40, 2 ** 40), stride=(2 ** 40, 1),
               storages=[("0", f4)])
    one_tensor("missing_record.pt", key="7", numel=4, offset=0, size=(2, 2), stride=(2, 1),
               storages=[("0", f4)])

    # 100000 nested tuples: MARK x N, EMPTY_TUPLE, TUPLE x N -> ((((),),),...) as the value of 'x'.
    n = 100_000
    deep = PickleAsm().op(b"}").str("x").op(b"(" * n).op(b")").op(b"t" * n).op(b"s").op(b".")
    write_torch_zip(out / "deep_nesting.pt", torch_zip_records(deep.bytes(), []))

    # safetensors: header length field far larger than the file.
    hdr = json.dumps({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}, separators=(",", ":")).encode()
    (out / "bad_safetensors.safetensors").write_bytes(struct.pack("<Q", 1 << 30) + hdr + f4)
    # safetensors: valid header, data_offsets end past the end of the file.
    hdr = json.dumps({"__metadata__": {"format": "pt"},
                      "w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}, separators=(",", ":")).encode()
    hdr += b" " * (-len(hdr) % 8)
    (out / "safetensors_offsets.safetensors").write_bytes(struct.pack("<Q", len(hdr)) + hdr + f4)

    # Legacy file cut in the middle of its raw storage section.
    legacy = legacy_path.read_bytes()
    _, storage_start = legacy_sections(legacy)
    (out / "legacy_truncated.pt").write_bytes(legacy[: storage_start + (len(legacy) - storage_start) // 2])


# ----------------------------------------------------------------------------------
# Generation
# ----------------------------------------------------------------------------------

MMSEG_CONFIG_TEXT = """norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    pretrained='Fixtures/torch/openai_fp32.pt',
    backbone=dict(type='CLIPVisionTransformer', patch_size=8, width=64, layers=2, heads=1,
                  input_resolution=32, output_dim=32),
    text_encoder=dict(type='CLIPTextEncoder', context_length=16, vocab_size=1000,
                      transformer_width=64, transformer_heads=1, transformer_layers=2, embed_dim=32))
optimizer = dict(type='AdamW', lr=0.01, weight_decay=0.01)
runner = dict(type='IterBasedRunner', max_iters=100)
"""


def make_views_sd(sd):
    """fp32 state dict whose tensors are views sharing storage; torch.load returns the same values."""
    v = clone_sd(sd)
    sentinel = -9999.0
    # 1) block 0 in_proj_bias and in_proj_weight live in one flat storage behind a 16-float pad:
    #    bias = storage[16:208], weight = storage[208:208+192*64] viewed as [192, 64].
    kb = "visual.transformer.resblocks.0.attn.in_proj_bias"
    kw = "visual.transformer.resblocks.0.attn.in_proj_weight"
    b, w = sd[kb].detach(), sd[kw].detach()
    flat = torch.full((16 + b.numel() + w.numel(),), sentinel, dtype=torch.float32)
    flat[16:16 + b.numel()] = b
    flat[16 + b.numel():] = w.reshape(-1)
    v[kb] = flat[16:16 + b.numel()]
    v[kw] = flat[16 + b.numel():].view(w.shape)
    # 2) visual.proj [64, 32] as the transpose of a contiguous [32, 64] tensor: strides (1, 64).
    v["visual.proj"] = sd["visual.proj"].detach().t().contiguous().t()
    # 3) text_projection [64, 32] as every other column of a [64, 64] tensor: offset 1, strides (64, 2).
    wide = torch.full((64, 64), sentinel, dtype=torch.float32)
    wide[:, 1::2] = sd["text_projection"].detach()
    v["text_projection"] = wide[:, 1::2]
    # 4) ln_final.bias and visual.ln_post.bias tied: the same tensor object (values = visual.ln_post.bias).
    tied = sd["visual.ln_post.bias"].detach().clone()
    v["visual.ln_post.bias"] = tied
    v["ln_final.bias"] = tied
    assert v["visual.proj"].stride() == (1, 64) and v["text_projection"].stride() == (64, 2)
    assert v[kw].storage_offset() == 208 and v["text_projection"].storage_offset() == 1
    return v


def generate():
    torch.set_num_threads(2)
    tdir, hdir, rdir = FIXTURES / "torch", FIXTURES / "hf", FIXTURES / "reference"
    for d in (tdir, hdir, rdir, tdir / "open_clip"):
        d.mkdir(parents=True, exist_ok=True)

    refs = []  # (reference path, state dict as loaded, kwargs)

    # ---------------- OpenAI ----------------
    model = build_openai()
    sd32 = clone_sd(model.state_dict())

    p = tdir / "openai_fp32.pt"
    torch.save(sd32, p)
    refs.append(("openai_fp32", torch.load(p, weights_only=True),
                 dict(convention="openai", source_file="torch/openai_fp32.pt", source_format="torch-zip")))

    m16 = copy.deepcopy(model)
    clip.model.convert_weights(m16)
    sd16 = clone_sd(m16.state_dict())
    p = tdir / "openai_fp16.pt"
    torch.save(sd16, p)
    refs.append(("openai_fp16", torch.load(p, weights_only=True),
                 dict(convention="openai", source_file="torch/openai_fp16.pt", source_format="torch-zip")))

    sdbf = clone_sd(copy.deepcopy(model).to(torch.bfloat16).state_dict())
    p = tdir / "openai_bf16.pt"
    torch.save(sdbf, p)
    refs.append(("openai_bf16", torch.load(p, weights_only=True),
                 dict(convention="openai", source_file="torch/openai_bf16.pt", source_format="torch-zip")))

    # TorchScript like OpenAI's released ViT-B-16.pt: fp16 via convert_weights, scalar long
    # buffers on the root module, produced by torch.jit.trace.
    mj = copy.deepcopy(model)
    clip.model.convert_weights(mj)
    del mj.context_length, mj.vocab_size  # plain int attributes in clip.model.CLIP
    mj.register_buffer("input_resolution", torch.tensor(32, dtype=torch.int64))
    mj.register_buffer("context_length", torch.tensor(16, dtype=torch.int64))
    mj.register_buffer("vocab_size", torch.tensor(1000, dtype=torch.int64))
    gen = torch.Generator().manual_seed(SEED_INPUTS)
    image = torch.randn(1, 3, 32, 32, generator=gen).half()
    text = torch.randint(1, 998, (1, 16), generator=gen)
    with torch.no_grad():
        # Warm-up: ResidualAttentionBlock.attention caches attn_mask cast to the input dtype on its
        # first call; tracing before that makes the trace sanity check see a changed constant.
        mj(image, text)
        traced = torch.jit.trace(mj, (image, text))
    p = tdir / "openai_jit.pt"
    traced.save(str(p))
    jsd = torch.jit.load(str(p), map_location="cpu").state_dict()
    assert "visual.transformer.resblocks.0.attn.in_proj_weight" in jsd
    refs.append(("openai_jit", jsd, dict(convention="openai", source_file="torch/openai_jit.pt",
                                         source_format="torchscript")))

    p = tdir / "openai_legacy.pt"
    with open(p, "wb") as fh:
        torch.save(sd32, fh, _use_new_zipfile_serialization=False)
    refs.append(("openai_legacy", torch.load(p, weights_only=True),
                 dict(convention="openai", source_file="torch/openai_legacy.pt", source_format="torch-legacy")))

    wrapped = {
        "meta": {"config": MMSEG_CONFIG_TEXT, "CLASSES": ("a", "b"), "iter": 100, "mmcv_version": "1.7.0"},
        "state_dict": clone_sd(sd32, prefix="module."),
        "optimizer": {"state": {}, "param_groups": [{"lr": 0.01, "params": [0, 1]}]},
    }
    p = tdir / "openai_wrapped.pth"
    torch.save(wrapped, p)
    refs.append(("openai_wrapped", torch.load(p, weights_only=True)["state_dict"],
                 dict(convention="openai", source_file="torch/openai_wrapped.pth", source_format="torch-zip",
                      source_wrapper="state_dict", source_prefix="module.")))

    p = tdir / "openai_views.pt"
    torch.save(make_views_sd(sd32), p)
    refs.append(("openai_views", torch.load(p, weights_only=True),
                 dict(convention="openai", source_file="torch/openai_views.pt", source_format="torch-zip")))

    p = tdir / "openai_protocol4.pt"
    torch.save(sd32, p, pickle_protocol=4)
    # torch 2.13's weights_only unpickler rejects FRAME (opcode 0x95); this file is our own.
    refs.append(("openai_protocol4", torch.load(p, weights_only=False),
                 dict(convention="openai", source_file="torch/openai_protocol4.pt", source_format="torch-zip")))

    # ---------------- open_clip ----------------
    oc = build_open_clip()
    ocdir = tdir / "open_clip"
    p = ocdir / "open_clip_model.pt"
    torch.save(clone_sd(oc.state_dict()), p)
    pp = dataclasses.asdict(open_clip.transform.PreprocessCfg(size=32))
    open_clip.model.set_model_preprocess_cfg(oc, pp)
    save_config_for_hf(oc, ocdir / "open_clip_config.json", copy.deepcopy(OPEN_CLIP_CFG))
    refs.append(("open_clip_model", torch.load(p, weights_only=True),
                 dict(convention="open_clip", source_file="torch/open_clip/open_clip_model.pt",
                      source_format="torch-zip")))

    # ---------------- HF ----------------
    hf = build_hf()
    tmp = hdir.parent / ".hf_tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    hf.save_pretrained(tmp, safe_serialization=True)
    for name in ("config.json", "model.safetensors"):
        shutil.copyfile(tmp / name, hdir / name)
    extra = sorted(set(os.listdir(tmp)) - {"config.json", "model.safetensors"})
    shutil.rmtree(tmp)
    if extra:
        print("  save_pretrained also wrote (not kept):", extra)
    torch.save(clone_sd(hf.state_dict()), hdir / "pytorch_model.bin")
    refs.append(("hf_safetensors", safetensors.torch.load_file(hdir / "model.safetensors"),
                 dict(convention="hf", source_file="hf/model.safetensors", source_format="safetensors")))
    refs.append(("hf_bin", torch.load(hdir / "pytorch_model.bin", weights_only=True),
                 dict(convention="hf", source_file="hf/pytorch_model.bin", source_format="torch-zip")))

    for name, sd, kw in refs:
        write_reference(rdir / f"{name}.h5", sd, **kw)

    make_adversarial(FIXTURES / "adversarial", tdir / "openai_fp32.pt", tdir / "openai_legacy.pt")
    write_requirements()
    print("generated", len(refs), "checkpoints + reference dumps")


REQ_BEGIN = "# --- pins for scripts/make_checkpoints.py (begin; generated) ---"
REQ_END = "# --- pins for scripts/make_checkpoints.py (end) ---"


def replace_block(old_text, begin, end, block):
    """Replace the begin..end block of a shared file, keeping whatever other scripts wrote around it."""
    if begin in old_text and end in old_text:
        head, rest = old_text.split(begin, 1)
        tail = rest.split(end, 1)[1]
        return head + block + tail
    if old_text.strip():
        return old_text.rstrip("\n") + "\n\n" + block + "\n"
    return block + "\n"


def write_requirements():
    lines = [
        REQ_BEGIN,
        "# Exact versions used to generate the checkpoint fixtures (Python 3.11, CPU-only torch).",
        "# torch comes from the CPU wheel index: pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0",
        "# torchvision (pulled in by openai-clip/open_clip/transformers) needs the workaround at the top of make_checkpoints.py.",
    ]
    lines += [f"{k}=={v}" for k, v in PINNED.items()]
    lines.append(REQ_END)
    path = FIXTURES / "requirements.txt"
    old = path.read_text() if path.exists() else ""
    if old and REQ_BEGIN not in old and old.lstrip().startswith("# Exact versions used to generate the committed"):
        old = ""  # this script's own earlier, unmarked output
    path.write_text(replace_block(old, REQ_BEGIN, REQ_END, "\n".join(lines)))


# ----------------------------------------------------------------------------------
# Verification
# ----------------------------------------------------------------------------------

def eval_shape(expr, arch):
    if isinstance(expr, int):
        return expr
    s = re.sub(r"[a-z_]+(?:\.[a-z_]+)+|embed_dim", lambda m: str(arch[m.group(0)]), expr)
    assert re.fullmatch(r"[0-9+*() -]+", s), expr
    return int(eval(s, {"__builtins__": {}}))  # arithmetic on digits only (checked above)


def when_holds(conditions, arch):
    """Schema `when` entries: 'attr' (present and non-zero), 'attr=value', 'attr!=value'.
    Attributes a plain CLIP checkpoint does not have (prompts.*, head.*) make the condition false."""
    for cond in conditions:
        m = re.fullmatch(r"([a-z_.]+)(!=|=)(.+)", cond)
        if m:
            name, op, value = m.groups()
            if name not in arch or (str(arch[name]) == value) != (op == "="):
                return False
        elif not arch.get(cond):
            return False
    return True


def expected_shapes(arch):
    """Required canonical tensors (name -> shape) of the schema for these architecture values;
    optional tensors present in the file are checked by `optional_shapes`."""
    schema = json.loads(SCHEMA.read_text())
    required, optional = {}, {}
    for t in schema["tensors"]:
        if not when_holds(t.get("when", []), arch):
            continue
        shape = tuple(eval_shape(d, arch) for d in t["shape"])
        target = optional if t.get("optional") else required
        if "repeat" in t:
            for i in range(arch[t["repeat"]]):
                target[t["name"].replace("{i}", str(i))] = shape
        else:
            target[t["name"]] = shape
    return required, optional


def ln(x, c, prefix, eps):
    return F.layer_norm(x, (x.shape[-1],), c[prefix + ".weight"], c[prefix + ".bias"], eps)


def act(x, kind):
    return x * torch.sigmoid(1.702 * x) if kind == "quick_gelu" else F.gelu(x)


def block(x, c, pfx, heads, kind, eps, causal):
    h = ln(x, c, pfx + "ln_1", eps)
    B, T, W = h.shape
    d = W // heads
    q, k, v = (F.linear(h, c[f"{pfx}attn.{n}_proj.weight"], c[f"{pfx}attn.{n}_proj.bias"])
               .view(B, T, heads, d).transpose(1, 2) for n in "qkv")
    s = q @ k.transpose(-1, -2) / (d ** 0.5)
    if causal:
        s = s + torch.full((T, T), float("-inf")).triu(1)
    o = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, W)
    x = x + F.linear(o, c[pfx + "attn.out_proj.weight"], c[pfx + "attn.out_proj.bias"])
    h = ln(x, c, pfx + "ln_2", eps)
    h = F.linear(act(F.linear(h, c[pfx + "mlp.fc1.weight"], c[pfx + "mlp.fc1.bias"]), kind),
                 c[pfx + "mlp.fc2.weight"], c[pfx + "mlp.fc2.bias"])
    return x + h


def canonical_encode(c, a, image, tokens, eos_pos):
    """A from-scratch CLIP forward pass over the canonical tensors (fp32)."""
    x = F.conv2d(image, c["vision.patch_embed.weight"], stride=a["vision.patch_size"])
    x = x.flatten(2).transpose(1, 2)
    cls = c["vision.class_embedding"].view(1, 1, -1).expand(x.shape[0], 1, -1)
    x = torch.cat([cls, x], 1) + c["vision.position_embedding"]
    x = ln(x, c, "vision.ln_pre", a["vision.layer_norm_eps"])
    for i in range(a["vision.layers"]):
        x = block(x, c, f"vision.blocks.{i}.", a["vision.heads"], a["vision.activation"],
                  a["vision.layer_norm_eps"], False)
    img = F.linear(ln(x[:, 0], c, "vision.ln_post", a["vision.layer_norm_eps"]), c["vision.proj.weight"])
    t = c["text.token_embedding"][tokens] + c["text.position_embedding"][: tokens.shape[1]]
    for i in range(a["text.layers"]):
        t = block(t, c, f"text.blocks.{i}.", a["text.heads"], a["text.activation"], a["text.layer_norm_eps"], True)
    t = ln(t, c, "text.ln_final", a["text.layer_norm_eps"])
    txt = F.linear(t[torch.arange(t.shape[0]), eos_pos], c["text.proj.weight"])
    return img, txt


def reference_encode(convention, sd):
    """Features from the real reference implementation with `sd` loaded (cast to fp32)."""
    if convention == "openai":
        m = clip.model.CLIP(**OPENAI_KW)
        m.load_state_dict(sd)
        return m.float().eval(), lambda im, tok: (m.encode_image(im), m.encode_text(tok))
    if convention == "open_clip":
        cfg = json.loads((FIXTURES / "torch/open_clip/open_clip_config.json").read_text())["model_cfg"]
        m = open_clip.CLIP(**cfg)
        m.load_state_dict(sd)
        return m.float().eval(), lambda im, tok: (m.encode_image(im), m.encode_text(tok))
    m = CLIPModel.from_pretrained(FIXTURES / "hf")  # the committed config.json + model.safetensors
    m.load_state_dict(sd)
    m = m.float().eval()

    def enc(im, tok):
        a, b = m.get_image_features(pixel_values=im), m.get_text_features(input_ids=tok)
        return (getattr(a, "pooler_output", a), getattr(b, "pooler_output", b))

    return m, enc


def assert_same(a, b, what):
    assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} != {b.dtype}"
    assert tuple(a.shape) == tuple(b.shape), f"{what}: shape {tuple(a.shape)} != {tuple(b.shape)}"
    if a.dtype.is_floating_point:
        ai = a.contiguous().view({2: torch.int16, 4: torch.int32, 8: torch.int64}[a.element_size()])
        bi = b.contiguous().view({2: torch.int16, 4: torch.int32, 8: torch.int64}[b.element_size()])
        assert torch.equal(ai, bi), f"{what}: values differ"
    else:
        assert torch.equal(a, b), f"{what}: values differ"


LOADERS = {
    "openai_fp32": lambda: torch.load(FIXTURES / "torch/openai_fp32.pt", weights_only=True),
    "openai_fp16": lambda: torch.load(FIXTURES / "torch/openai_fp16.pt", weights_only=True),
    "openai_bf16": lambda: torch.load(FIXTURES / "torch/openai_bf16.pt", weights_only=True),
    "openai_jit": lambda: torch.jit.load(str(FIXTURES / "torch/openai_jit.pt"), map_location="cpu").state_dict(),
    "openai_legacy": lambda: torch.load(FIXTURES / "torch/openai_legacy.pt", weights_only=True),
    "openai_wrapped": lambda: torch.load(FIXTURES / "torch/openai_wrapped.pth", weights_only=True)["state_dict"],
    "openai_views": lambda: torch.load(FIXTURES / "torch/openai_views.pt", weights_only=True),
    "openai_protocol4": lambda: torch.load(FIXTURES / "torch/openai_protocol4.pt", weights_only=False),
    "open_clip_model": lambda: torch.load(FIXTURES / "torch/open_clip/open_clip_model.pt", weights_only=True),
    "hf_safetensors": lambda: safetensors.torch.load_file(FIXTURES / "hf/model.safetensors"),
    "hf_bin": lambda: torch.load(FIXTURES / "hf/pytorch_model.bin", weights_only=True),
}


def verify():
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(SEED_INPUTS + 1)
    image = torch.randn(2, 3, 32, 32, generator=gen)
    tokens = torch.zeros(2, 16, dtype=torch.long)
    eos_pos = torch.tensor([9, 15])
    for r, e in enumerate(eos_pos.tolist()):
        tokens[r, 0] = 998
        tokens[r, 1:e] = torch.randint(1, 998, (e - 1,), generator=gen)
        tokens[r, e] = 999  # eos: argmax for OpenAI/open_clip, first eos_token_id for HF

    # protocol 4 really is outside torch's weights_only subset (worth knowing for the readers)
    try:
        torch.load(FIXTURES / "torch/openai_protocol4.pt", weights_only=True)
        print("  note: torch.load(weights_only=True) now accepts protocol 4")
    except Exception as exc:  # noqa: BLE001
        why = [ln for ln in str(exc).splitlines() if "Unsupported" in ln] or [type(exc).__name__]
        print("  protocol4 + weights_only=True rejected by torch, as expected:", why[0].strip())

    fp32_src = None
    for name, loader in LOADERS.items():
        sd = loader()
        src, canon, attrs = read_reference(FIXTURES / "reference" / f"{name}.h5")
        # 1) the loaded file round-trips to the reference source/ group, key for key, bit for bit
        assert set(sd.keys()) == set(src.keys()), f"{name}: key set differs: {set(sd) ^ set(src)}"
        for k in sd:
            assert_same(sd[k].contiguous(), src[k], f"{name}:{k}")
        if name == "openai_fp32":
            fp32_src = src
        # 2) canonical tensors: exactly the schema's set and shapes for the architecture values
        arch = {k: attrs[k] for k in arch_values(attrs["convention"])}
        required, optional = expected_shapes(arch)
        missing = set(required) - set(canon)
        unknown = set(canon) - set(required) - set(optional)
        assert not missing and not unknown, f"{name}: missing {missing}, not in schema {unknown}"
        for k, t in canon.items():
            shape = required.get(k, optional.get(k))
            assert tuple(t.shape) == shape, f"{name}:{k} shape {tuple(t.shape)} != {shape}"
        for e in json.loads(attrs["mapping"]):
            assert canon[e["canonical"]].dtype == src[e["source"]].dtype, f"{name}:{e} dtype cast"
        # 3) the canonical tensors drive a from-scratch forward pass that matches the real code
        dropped = set(json.loads(attrs["dropped"]))
        prefix = attrs["source_prefix"]
        ref_sd = {k[len(prefix):]: v for k, v in sd.items() if k not in dropped}
        _, enc = reference_encode(attrs["convention"], ref_sd)
        c32 = {k: v.float() for k, v in canon.items()}
        with torch.no_grad():
            want_img, want_txt = enc(image, tokens)
            got_img, got_txt = canonical_encode(c32, arch, image, tokens, eos_pos)
        for w, g, what in ((want_img, got_img, "image"), (want_txt, got_txt, "text")):
            err = (w.float() - g).abs().max().item()
            assert err < 1e-4 * max(1.0, w.abs().max().item()), f"{name}: {what} features differ by {err}"
        print(f"  ok {name:18s} {len(sd):3d} source tensors, {len(canon)} canonical, "
              f"dropped={sorted(dropped)}, tied={attrs['tied_tensors']}")

    # container variants hold the same fp32 values as openai_fp32 (views: one tied key differs by design)
    for name in ("openai_legacy", "openai_protocol4", "openai_views"):
        src = read_reference(FIXTURES / "reference" / f"{name}.h5")[0]
        for k in fp32_src:
            if name == "openai_views" and k == "ln_final.bias":
                assert_same(src[k], fp32_src["visual.ln_post.bias"], "views tie")
                continue
            assert_same(src[k], fp32_src[k], f"{name} vs fp32: {k}")

    # views keep their layout through torch.load
    v = torch.load(FIXTURES / "torch/openai_views.pt", weights_only=True)
    kw, kb = "visual.transformer.resblocks.0.attn.in_proj_weight", "visual.transformer.resblocks.0.attn.in_proj_bias"
    assert v[kw].storage_offset() == 208 and v[kb].storage_offset() == 16
    assert v[kw].untyped_storage().data_ptr() == v[kb].untyped_storage().data_ptr()
    assert v["visual.proj"].stride() == (1, 64) and v["text_projection"].stride() == (64, 2)
    assert v["text_projection"].storage_offset() == 1
    assert v["ln_final.bias"].untyped_storage().data_ptr() == v["visual.ln_post.bias"].untyped_storage().data_ptr()

    # the wrapped checkpoint's non-tensor parts
    w = torch.load(FIXTURES / "torch/openai_wrapped.pth", weights_only=True)
    assert set(w) == {"meta", "state_dict", "optimizer"} and w["meta"]["CLASSES"] == ("a", "b")

    # open_clip keys are the OpenAI keys
    oc_keys = set(LOADERS["open_clip_model"]())
    assert oc_keys == set(LOADERS["openai_fp32"]()), "open_clip keys differ from OpenAI keys"

    # hand-made torch-zip control case: our pickle assembler produces what torch reads
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for n, d in torch_zip_records(handmade_valid_pickle(), [("0", struct.pack("<4f", 1, 2, 3, 4))]):
            z.writestr(f"archive/{n}", d)
    buf.seek(0)
    ctl = torch.load(buf, weights_only=True)
    assert torch.equal(ctl["w"], torch.tensor([[1.0, 2.0], [3.0, 4.0]]))

    # adversarial inputs: structure only (disassembled, never unpickled)
    adv = FIXTURES / "adversarial"
    for pth in sorted(adv.iterdir()):
        if f"adversarial/{pth.name}" not in DESCRIPTIONS:
            continue  # made and checked by scripts/make_adversarial.py
        data = pth.read_bytes()
        if data[:4] == b"PK\x03\x04" and pth.name not in ("truncated.pt", "corrupt_zip.pt"):
            with zipfile.ZipFile(pth) as z:
                pkl = z.read(f"{pth.stem}/data.pkl")
            ops = [o.name for o, _, _ in pickletools.genops(pkl)]
            assert ops[0] == "PROTO" and ops[-1] == "STOP", pth.name
            if len(pkl) < 4096:
                pickletools.dis(pkl, out=io.StringIO())  # also checks MARK/stack structure
    assert not Path("/tmp/ldvc_pwned").exists()

    # size budget
    sizes = {p: p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    mine = {p: p.stat().st_size for _, p in my_files()}
    big = {str(p.relative_to(FIXTURES)): s for p, s in sizes.items() if s > 2 * 1024 * 1024}
    print(f"  this script's files: {sum(mine.values()) / 1e6:.2f} MB in {len(mine)} files; whole Fixtures/: "
          f"{sum(sizes.values()) / 1e6:.2f} MB in {len(sizes)} files; over 2 MiB: {big or 'none'}")
    print("verify: all checks passed")


# ----------------------------------------------------------------------------------
# README
# ----------------------------------------------------------------------------------

DESCRIPTIONS = {
    "README.md": "this README (the checkpoint section between the markers is generated)",
    "requirements.txt": "pinned Python packages used to generate everything here",
    "scripts/make_checkpoints.py": "the generator and verifier",
    "torch/openai_fp32.pt": "OpenAI `clip.model.CLIP` tiny config, fp32 state dict, `torch.save` zip (protocol 2)",
    "torch/openai_fp16.pt": "same model after `clip.model.convert_weights` (fp16 Linear/Conv/MHA/proj; LayerNorm, embeddings, logit_scale stay fp32)",
    "torch/openai_bf16.pt": "same model, `model.to(torch.bfloat16).state_dict()`",
    "torch/openai_jit.pt": "TorchScript archive from `torch.jit.trace` of the fp16 (convert_weights) model with root buffers `input_resolution`, `context_length`, `vocab_size` (int64 scalars), like OpenAI's released `ViT-B-16.pt`",
    "torch/openai_legacy.pt": "fp32 state dict, `_use_new_zipfile_serialization=False` (pre-1.6 stacked pickles + raw storages)",
    "torch/openai_wrapped.pth": "MMSeg-style `{meta, state_dict, optimizer}`, state-dict keys prefixed `module.`, fp32",
    "torch/openai_views.pt": "fp32 state dict with views sharing storage (see below); `ln_final.bias` is tied to `visual.ln_post.bias`",
    "torch/openai_protocol4.pt": "fp32 state dict, `torch.save(..., pickle_protocol=4)` (FRAME, MEMOIZE, SHORT_BINUNICODE, STACK_GLOBAL)",
    "torch/open_clip/open_clip_model.pt": "`open_clip.CLIP` tiny config (2 heads, plain GELU), fp32 state dict",
    "torch/open_clip/open_clip_config.json": "open_clip's own sidecar format `{model_cfg, preprocess_cfg}` (written by `open_clip.push_to_hf_hub.save_config_for_hf`)",
    "hf/config.json": "`transformers.CLIPModel` config from `save_pretrained`",
    "hf/model.safetensors": "HF weights from `save_pretrained` (fp32)",
    "hf/pytorch_model.bin": "same HF weights, `torch.save(state_dict)` zip",
    "adversarial/empty.pt": "0 bytes",
    "adversarial/text.pt": "a short text file",
    "adversarial/truncated.pt": "first 60% of `torch/openai_fp32.pt`",
    "adversarial/corrupt_zip.pt": "`torch/openai_fp32.pt` with the central directory overwritten by garbage (EOCD intact)",
    "adversarial/malicious_reduce.pt": "torch-zip whose data.pkl is `GLOBAL posix.system`, `'touch /tmp/ldvc_pwned'`, TUPLE1, REDUCE",
    "adversarial/malicious_builtins_eval.pt": "same with `GLOBAL builtins.eval` of an `os.system` expression",
    "adversarial/unknown_global.pt": "OrderedDict state dict with a good tensor plus `torch.nn.modules.linear.Linear` via GLOBAL + NEWOBJ + BUILD",
    "adversarial/storage_too_small.pt": "tensor (100,100) on storage '0' declared numel 10000, but `data/0` holds 16 bytes",
    "adversarial/view_out_of_bounds.pt": "storage of 10 floats (40 bytes), view offset 8, size (4,), stride (1,)",
    "adversarial/absurd_sizes.pt": "size (2^40, 2^40), stride (2^40, 1), storage numel 2^62 (LONG1 ints); `data/0` is 16 bytes",
    "adversarial/missing_record.pt": "data.pkl references storage key '7'; only `data/0` exists",
    "adversarial/deep_nesting.pt": "value of 100000 nested tuples (MARK x 100000, EMPTY_TUPLE, TUPLE x 100000)",
    "adversarial/bad_safetensors.safetensors": "header length field 2^30, larger than the file",
    "adversarial/safetensors_offsets.safetensors": "valid header, `data_offsets` [0,64] but only 16 data bytes",
    "adversarial/legacy_truncated.pt": "`torch/openai_legacy.pt` cut in the middle of its raw storage section",
}


def ref_desc(name):
    return f"reference dump for `{name}`"


MY_DIRS = ("torch", "hf", "reference", "adversarial")
MY_FILES = ("README.md", "requirements.txt", "scripts/make_checkpoints.py")
README_BEGIN = "<!-- make_checkpoints.py: begin (generated; edit the template in scripts/make_checkpoints.py) -->"
README_END = "<!-- make_checkpoints.py: end -->"


def my_files():
    out = []
    for p in sorted(FIXTURES.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts or p.name.startswith("."):
            continue
        rel = p.relative_to(FIXTURES).as_posix()
        if rel.startswith("adversarial/") and rel not in DESCRIPTIONS:
            continue  # made by scripts/make_adversarial.py, listed in its own README section
        if rel in MY_FILES or rel.split("/")[0] in MY_DIRS:
            out.append((rel, p))
    return out


def write_readme():
    rows = []
    refmap = {
        "reference/openai_fp32.h5": "torch/openai_fp32.pt", "reference/openai_fp16.h5": "torch/openai_fp16.pt",
        "reference/openai_bf16.h5": "torch/openai_bf16.pt", "reference/openai_jit.h5": "torch/openai_jit.pt",
        "reference/openai_legacy.h5": "torch/openai_legacy.pt", "reference/openai_wrapped.h5": "torch/openai_wrapped.pth",
        "reference/openai_views.h5": "torch/openai_views.pt", "reference/openai_protocol4.h5": "torch/openai_protocol4.pt",
        "reference/open_clip_model.h5": "torch/open_clip/open_clip_model.pt",
        "reference/hf_safetensors.h5": "hf/model.safetensors", "reference/hf_bin.h5": "hf/pytorch_model.bin",
    }
    total = 0
    for rel, p in my_files():
        size = p.stat().st_size if rel != "README.md" else None
        if size is not None:
            total += size
        desc = DESCRIPTIONS.get(rel) or (ref_desc(refmap[rel]) if rel in refmap else "?")
        made = "hand-written" if rel == "scripts/make_checkpoints.py" else SCRIPT_NAME
        if rel == "requirements.txt":
            made += " (its marked block)"
        rows.append(f"| `{rel}` | {desc} | {made} | {'—' if size is None else f'{size:,}'} |")
    versions = ", ".join(f"{k} {v}" for k, v in PINNED.items())
    block = README_BEGIN + "\n" + README_TEMPLATE.format(
        table="\n".join(rows), versions=versions, total=f"{total / 1e6:.1f}") + README_END
    path = FIXTURES / "README.md"
    old = path.read_text() if path.exists() else ""
    if old and README_BEGIN not in old and old.startswith("# Fixtures\n\nTest inputs for ldvc-swift's checkpoint"):
        old = ""  # this script's own earlier, unmarked output
    if not old.strip():
        old = "# Fixtures\n"
    path.write_text(replace_block(old, README_BEGIN, README_END, block))


README_TEMPLATE = """## Checkpoint fixtures (`scripts/make_checkpoints.py`)

Test inputs for ldvc-swift's checkpoint readers (torch zip, TorchScript, legacy, safetensors) and the
CLIP name mapper. Python only *makes* these files; the Swift tests read the committed outputs.
`scripts/make_checkpoints.py` writes everything in `torch/`, `hf/`, `reference/` and `adversarial/`, plus this
section of the README and the marked block of `requirements.txt`. Other folders (for example `tokenizer/`) come
from other scripts, which document them.

Library versions: {versions} (Python 3.11; see `requirements.txt`).

### Rerun

```sh
python3 Fixtures/scripts/make_checkpoints.py           # regenerate everything, then verify
python3 Fixtures/scripts/make_checkpoints.py --verify  # verify the committed files only
```

Runs in well under a minute on 2 CPU cores. Seeds are fixed, so reruns give byte-identical files, with one
exception: `torch/openai_legacy.pt` and `adversarial/legacy_truncated.pt`. The legacy writer names each storage
`str(storage._cdata)` (a C pointer), so those keys change on every run. Nothing in the reference dump depends on them.

### The models

All are tiny configurations of the real architectures, built by the real reference code with random init
(seeded), and then given seeded N(0, 0.05²) noise on **every** parameter. So LayerNorm weights and biases,
class/positional embeddings and logit_scale are all non-trivial, distinct values.

| convention | code | vision | text | embed | activation |
|---|---|---|---|---|---|
| openai | `clip.model.CLIP` | width 64, 2 layers, 1 head (64/64), patch 8, image 32 (grid 4), mlp 256 | width 64, 2 layers, 1 head, ctx 16, vocab 1000, mlp 256 | 32 | quick_gelu |
| open_clip | `open_clip.CLIP` | same, head_width 32 → 2 heads | same, 2 heads | 32 | gelu (quick_gelu false) |
| hf | `transformers.CLIPModel` | same, 2 heads | same, 2 heads | 32 | quick_gelu |

`torch/openai_*` all come from the same OpenAI model. The open_clip and HF models are separate models with
different values.

### Reference dumps (`reference/*.h5`)

One per checkpoint, written with h5py:

- `source/<key>`: every tensor of the loaded state dict, named by its source key (dots kept, no slashes), exactly
  as `torch.load` / `torch.jit.load(...).state_dict()` / `safetensors.torch.load_file` returns it (made
  contiguous). float16/float32/int64 keep their type. bfloat16 is stored as uint16 bit patterns. Every dataset has
  a string attribute `dtype` (f32 f16 bf16 f64 i64 i32 i16 i8 u8 bool), and bf16 datasets are recognised by it.
  For `openai_wrapped` the keys keep their `module.` prefix.
- `canonical/...`: the expected ldvc-layout-v1 tensors, at HDF5 path = name with `.` → `/` (for example
  `canonical/vision/blocks/0/attn/q_proj/weight`). They are computed by the script's own mapping:
  `in_proj_*` split by rows q|k|v, and `visual.proj` / `text_projection` transposed to [E, W]. HF
  `visual_projection` / `text_projection` are not transposed. The dtype is always the source dtype. Tensors
  mapped by identity are **HDF5 hard links** to the `source/` dataset, which saves space. They open like any
  dataset and carry the same `dtype` attribute.
- Root attributes: `convention` (openai | open_clip | hf); the architecture values `vision.width`, `vision.layers`,
  `vision.heads`, `vision.patch_size`, `vision.image_size`, `vision.grid_size`, `vision.mlp_width`,
  `vision.activation`, `vision.layer_norm_eps`, `text.width`, `text.layers`, `text.heads`, `text.context_length`,
  `text.vocab_size`, `text.mlp_width`, `text.activation`, `text.layer_norm_eps`, `embed_dim` (ints, strings,
  doubles); these are JSON strings: `dropped` (source keys that are not CLIP weights), `tied_tensors` (groups of
  source keys sharing one storage after loading), `mapping` (list of `{{canonical, source, transform}}` with
  transform `identity` | `transpose` | `split_qkv:K`); and the strings `source_file` (relative to Fixtures/),
  `source_format` (torch-zip | torchscript | torch-legacy | safetensors), `source_wrapper` (`state_dict` for the
  wrapped file, otherwise empty), and `source_prefix` (`module.` for the wrapped file, otherwise empty).
- Note: heads cannot be recovered from OpenAI/open_clip shapes. The openai dumps record the convention default
  width/64 = 1. `open_clip_model.h5` records 2, which comes only from the sidecar `open_clip_config.json`
  (`head_width` 32 and text `heads` 2). A test of that file must give the reader the sidecar; without it, the
  width/64 fallback gives 1 and should not match. Its activation (`gelu`) likewise comes from the sidecar's
  `quick_gelu: false`.

`--verify` checks that each checkpoint loads (`torch.load(weights_only=True)`, except protocol 4, see below)
to exactly the `source/` tensors. It checks that `canonical/` holds exactly the schema's tensor set and shapes
for the recorded architecture values. It also checks that a from-scratch forward pass over the canonical tensors
gives the same image and text features as the real reference implementation with the checkpoint loaded.

### How the odd files were made

- `torch/openai_jit.pt` was made with **`torch.jit.trace`**, as OpenAI's own files were, not with `torch.jit.script`.
  (`clip.model.LayerNorm` calls `super().forward`, which `torch.jit.script` cannot compile.) The fp16 model is
  traced on CPU with a fp16 image and int64 tokens. One forward call runs before tracing, because
  `ResidualAttentionBlock.attention` caches `attn_mask` cast to the input dtype on its first call. Without that
  call the tracer's sanity check fails.
  `input_resolution`, `context_length` and `vocab_size` are registered as int64 scalar buffers on the root module.
  The plain-int attributes of the same names are deleted first, so the JIT state dict has 65 entries where the
  plain one has 62. The archive's debug info records the Python call stack of the trace, which includes this
  script's line numbers, so editing the script changes the bytes of this file.
- `torch/openai_protocol4.pt`: torch 2.13's `torch.load(weights_only=True)` **rejects** this file with
  "Unsupported operand 149" (FRAME). `--verify` loads it with `weights_only=False`. That is safe because the file
  is our own.
- `torch/open_clip/open_clip_config.json` is written by open_clip's own `save_config_for_hf`, after
  `set_model_preprocess_cfg(PreprocessCfg(size=32))`. `quick_gelu: false` is explicit in `model_cfg`.
- `hf/`: `save_pretrained` writes only `config.json` and `model.safetensors` in transformers 5.24. The text config
  uses bos/eos 998/999 (the last two ids, like 49406/49407 in real CLIP) and pad 1. `position_ids` buffers are
  non-persistent in this version, so no file holds them.
- State dicts are saved with their `_metadata` attribute, as `torch.save(model.state_dict())` does. It is pickled
  as a BUILD on the top-level OrderedDict. In the wrapped file its keys carry the `module` prefix, like mmcv's.
- The torchvision wheel from PyPI is CUDA-built. The script registers an empty
  `torchvision._meta_registrations` module before importing `clip`, `open_clip` or `transformers`; without it
  those imports fail.

### Size

This script's files take about {total} MB, which is over the ~15 MB target. Every file is under 1.5 MB. The brief's configs
are fixed (vocab 1000, width 64, 2+2 layers ≈ 283k parameters ≈ 1.13 MB per fp32 copy). Eight fp32 checkpoints,
their eight reference dumps, and fp32-derived adversarial copies already need about 24 MB. The canonical
identity tensors are already hard links. If the budget matters more than the file list, these are the cheapest
cuts: drop `reference/openai_{{legacy,protocol4,wrapped}}.h5` (same values as `openai_fp32.h5`), which saves
4.4 MB. Or lower `vocab_size` to 100, which saves about 0.23 MB per fp32 file.

### `torch/openai_views.pt`

- `visual.transformer.resblocks.0.attn.in_proj_bias` = storage[16:208], `…in_proj_weight` = storage[208:12496]
  viewed [192, 64]: one shared storage with a 16-float pad of -9999.0 in front.
- `visual.proj` [64, 32] has strides (1, 64): it is the transpose of a contiguous [32, 64].
- `text_projection` [64, 32] = every other column of a [64, 64] storage: offset 1, strides (64, 2). The
  unused elements are -9999.0.
- `ln_final.bias` and `visual.ln_post.bias` are the same tensor object. The value is the model's
  `visual.ln_post.bias`, so this file's `ln_final.bias` differs from `openai_fp32.pt`'s.

### Files

| file | what | made by | bytes |
|---|---|---|---|
{table}

Total (without this README): {total} MB.
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verify", action="store_true", help="only verify the committed fixtures")
    args = ap.parse_args()
    if not args.verify:
        generate()
    verify()
    if not args.verify:
        write_readme()


if __name__ == "__main__":
    main()
