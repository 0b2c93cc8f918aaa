#!/usr/bin/env python3
"""ONNX fixtures for ldvc-swift's ONNX reader (issue 4).

The tiny reference models of ``make_checkpoints.py`` (loaded from the committed checkpoints, so the
values are the same) are exported to ONNX in each way users meet:

* ``onnx/openai/``  OpenAI ``clip.model.CLIP`` (weights of ``torch/openai_fp32.pt`` / ``openai_fp16.pt``):
  visual-only, text-only and combined exports with the TorchScript-based exporter (constant folding on,
  and off), the ``dynamo=True`` exporter, an export re-saved with external data, and exports rewritten
  to typed element fields (``float_data``, fp16 bit patterns in ``int32_data``) with a ``Constant`` node
  and an ``Identity`` alias.
* ``onnx/hf/``      HuggingFace weights of ``hf/model.safetensors``: ``CLIPVisionModelWithProjection``
  (TorchScript exporter and ``dynamo=True``), ``CLIPModel`` combined, the vision export with every name
  removed (only the graph pattern can name its weights), an opset-14 export (LayerNorm decomposed, optimum's
  default opset), and one whose names contradict the graph.
  ``config.json`` is copied beside them, as optimum does, for the head count.
* ``onnx/open_clip/`` the open_clip model's visual tower, with its ``open_clip_config.json``.
* ``onnx/adversarial/``  tiny graphs with broken external data and a byte count that does not match
  the shape.

Every export is run with onnxruntime against the PyTorch model and, except the onnxruntime-fused one,
checked with ``onnx.checker``; the broken files are only written.

    python3 Fixtures/scripts/make_onnx.py            # regenerate + verify
    python3 Fixtures/scripts/make_onnx.py --verify   # verify the committed files only

Pinned versions: see the make_onnx.py block of Fixtures/requirements.txt.
"""

# --- torchvision workaround -------------------------------------------------------
# The torchvision wheel from PyPI is built against CUDA torch; importing it (as clip and transformers
# do) registers fake kernels for `torchvision::nms`, which the CPU-only torch build lacks, and the import
# fails with "operator torchvision::nms does not exist". Nothing here uses torchvision's operators, so an
# empty stand-in for that module is registered before anything imports torchvision.
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import argparse  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import warnings  # noqa: E402
from contextlib import redirect_stderr, redirect_stdout  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import clip  # noqa: E402  (openai-clip)
import copy  # noqa: E402
import open_clip  # noqa: E402
import transformers  # noqa: E402
from transformers import CLIPModel, CLIPVisionModelWithProjection  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1]
OUT = FIXTURES / "onnx"
SEED_INPUTS = 5005
PINNED = {
    "torch": "2.13.0+cpu",
    "onnx": "1.23.2",
    "onnxruntime": "1.32.0",
    "onnxscript": "0.7.2",
    "onnx-ir": "1.1.0",
    "transformers": "5.24.0",
    "openai-clip": "1.0.1",
    "open_clip_torch": "3.3.0",
    "numpy": "2.4.6",
}
# The same tiny configurations as make_checkpoints.py (OPENAI_KW and OPEN_CLIP_CFG there).
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
README_BEGIN = "<!-- make_onnx.py: begin (generated; edit the template in scripts/make_onnx.py) -->"
README_END = "<!-- make_onnx.py: end -->"
REQ_BEGIN = "# --- pins for scripts/make_onnx.py (begin; generated) ---"
REQ_END = "# --- pins for scripts/make_onnx.py (end) ---"

warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()  # loading the vision half of CLIPModel lists the unused text weights


# ----------------------------------------------------------------------------------
# Models, loaded from the committed checkpoints
# ----------------------------------------------------------------------------------

def load_openai(precision="fp32"):
    model = clip.model.CLIP(**OPENAI_KW)
    if precision == "fp16":
        clip.model.convert_weights(model)  # as the fp16 checkpoint was made
    state = torch.load(FIXTURES / "torch" / f"openai_{precision}.pt", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()


def load_open_clip():
    model = open_clip.CLIP(**copy.deepcopy(OPEN_CLIP_CFG))
    model.load_state_dict(torch.load(FIXTURES / "torch" / "open_clip" / "open_clip_model.pt", weights_only=True), strict=True)
    return model.eval()


def load_hf(cls):
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        model = cls.from_pretrained(FIXTURES / "hf")
    return model.eval()


class OpenAIText(torch.nn.Module):
    """encode_text as a module; the wrapper's attribute adds the prefix 'm.' to every exported name."""

    def __init__(self, model):
        super().__init__()
        self.m = model

    def forward(self, text):
        return self.m.encode_text(text)


def inputs(dtype=torch.float32):
    gen = torch.Generator().manual_seed(SEED_INPUTS)
    image = torch.randn(1, 3, 32, 32, generator=gen).to(dtype)
    text = torch.randint(0, 998, (1, 16), generator=gen)
    text[0, 7] = 999  # the end-of-text id is the largest, as in CLIP
    return image, text


# ----------------------------------------------------------------------------------
# Exports
# ----------------------------------------------------------------------------------

def export(module, args, path, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, Path(str(path) + ".data")):
        if stale.exists():
            stale.unlink()
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        torch.onnx.export(module, args, str(path), **kwargs)


def to_typed_fields(model, constant=None, alias=None):
    """Rewrites every initializer from raw_data to its typed field (float_data; float16 bit patterns in
    int32_data; int64_data), moves `constant` into a Constant node and puts `alias` behind an Identity
    node whose output keeps the name (the initializer gets an anonymous one)."""
    graph = model.graph
    rewritten = []
    for init in graph.initializer:
        array = numpy_helper.to_array(init)
        tensor = TensorProto()
        tensor.name = init.name
        tensor.data_type = init.data_type
        tensor.dims.extend(init.dims)
        if init.data_type == TensorProto.FLOAT:
            tensor.float_data.extend(array.flatten().tolist())
        elif init.data_type == TensorProto.FLOAT16:
            tensor.int32_data.extend(array.view(np.uint16).astype(np.int32).flatten().tolist())
        elif init.data_type == TensorProto.INT64:
            tensor.int64_data.extend(array.flatten().tolist())
        else:
            tensor.CopyFrom(init)
        rewritten.append(tensor)
    del graph.initializer[:]
    front = []
    for tensor in rewritten:
        if tensor.name == constant:
            front.append(helper.make_node("Constant", [], [tensor.name], name="/fixture/weight_constant", value=tensor))
        elif tensor.name == alias:
            anonymous = "onnx::Identity_9000"
            tensor.name = anonymous
            graph.initializer.append(tensor)
            front.append(helper.make_node("Identity", [anonymous], [alias], name="/fixture/Identity"))
        else:
            graph.initializer.append(tensor)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(front + nodes)
    return model


def rename_initializers(model, mapping):
    for init in model.graph.initializer:
        if init.name in mapping:
            init.name = mapping[init.name]
    for node in model.graph.node:
        for index, name in enumerate(node.input):
            if name in mapping:
                node.input[index] = mapping[name]
    return model


def anonymize(model):
    """Every initializer renamed w0, w1, … and every node name and doc string removed: nothing but
    the graph says which weight is which."""
    mapping = {init.name: f"w{index}" for index, init in enumerate(model.graph.initializer)}
    rename_initializers(model, mapping)
    for index, node in enumerate(model.graph.node):
        node.name = ""
        node.doc_string = ""
        del node.metadata_props[:]
    return model


def tiny_model(initializer):
    """y = Identity(w): the smallest graph around one initializer (for broken-data fixtures)."""
    graph = helper.make_graph([helper.make_node("Identity", ["w"], ["y"], name="identity")], "tiny", [],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 2])], [initializer])
    return helper.make_model(graph, producer_name="ldvc-swift fixtures", opset_imports=[helper.make_opsetid("", 17)])


def external_initializer(location, offset=0, length=16):
    tensor = TensorProto()
    tensor.name = "w"
    tensor.data_type = TensorProto.FLOAT
    tensor.dims.extend([2, 2])
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", str(offset)), ("length", str(length))):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    return tensor


# What each fixture is, for the README and the verification. `reference` names the committed
# PyTorch checkpoint it must convert like; `run` says how to feed it.
FIXTURE_TABLE = []


def fixture(path, what, reference=None, run=None, torch_out=None, check=True, checker=True):
    """`check`: verify at all; `checker`: also with onnx.checker (which does not know onnxruntime's own ops)."""
    FIXTURE_TABLE.append(dict(path=path, what=what, reference=reference, run=run, torch_out=torch_out, check=check, checker=checker))


def generate():
    if OUT.exists():
        shutil.rmtree(OUT)
    image, text = inputs()
    openai = load_openai()
    with torch.no_grad():
        image_features = openai.visual(image)
        text_features = openai.encode_text(text)
        logits, _ = openai(image, text)

    base = OUT / "openai"
    export(openai.visual, (image,), base / "openai_visual.onnx", dynamo=False,
           input_names=["pixel_values"], output_names=["image_embeds"])
    fixture("openai/openai_visual.onnx", "`model.visual`, TorchScript exporter, constant folding on (default)",
            "torch/openai_fp32.pt", {"pixel_values": image}, image_features)
    export(openai.visual, (image,), base / "openai_visual_nofold.onnx", dynamo=False, do_constant_folding=False,
           input_names=["pixel_values"], output_names=["image_embeds"])
    fixture("openai/openai_visual_nofold.onnx", "`model.visual`, TorchScript exporter, `do_constant_folding=False`",
            "torch/openai_fp32.pt", {"pixel_values": image}, image_features)
    export(OpenAIText(openai), (text,), base / "openai_text.onnx", dynamo=False,
           input_names=["input_ids"], output_names=["text_embeds"])
    fixture("openai/openai_text.onnx", "`encode_text` in a wrapper module (names gain `m.`), TorchScript exporter, folding on",
            "torch/openai_fp32.pt", {"input_ids": text}, text_features)
    export(openai, (image, text), base / "openai_clip.onnx", dynamo=False,
           input_names=["pixel_values", "input_ids"], output_names=["logits_per_image", "logits_per_text"],
           dynamic_axes={"pixel_values": {0: "images"}, "input_ids": {0: "texts"}})
    fixture("openai/openai_clip.onnx", "whole model `forward(image, text)`, TorchScript exporter, folding on, dynamic batch axes",
            "torch/openai_fp32.pt", {"pixel_values": image, "input_ids": text}, logits)
    export(openai.visual, (image,), base / "openai_visual_dynamo.onnx", dynamo=True)
    fixture("openai/openai_visual_dynamo.onnx", "`model.visual`, `dynamo=True` exporter (writes external data by default)",
            "torch/openai_fp32.pt", {"x": image}, image_features)
    fixture("openai/openai_visual_dynamo.onnx.data", "its external data, written by the exporter")
    folded = onnx.load(base / "openai_visual.onnx")
    onnx.save_model(folded, base / "openai_visual_external.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                    location="openai_visual_external.data", size_threshold=1024)
    os.chmod(base / "openai_visual_external.data", 0o644)  # onnx creates it owner-only
    fixture("openai/openai_visual_external.onnx", "`openai_visual.onnx` re-saved by `onnx.save_model(save_as_external_data=True)` (tensors ≥ 1 KiB outside)",
            "torch/openai_fp32.pt", {"pixel_values": image}, image_features)
    fixture("openai/openai_visual_external.data", "its external data")
    typed = to_typed_fields(onnx.load(base / "openai_visual.onnx"), constant="conv1.weight", alias="ln_pre.weight")
    onnx.save_model(typed, base / "openai_visual_typed.onnx")
    fixture("openai/openai_visual_typed.onnx", "`openai_visual.onnx` with every initializer in `float_data`/`int64_data`, `conv1.weight` in a Constant node, `ln_pre.weight` behind an Identity",
            "torch/openai_fp32.pt", {"pixel_values": image}, image_features)

    openai16 = load_openai("fp16")
    image16 = image.half()
    with torch.no_grad():
        image_features16 = openai16.visual(image16)
    export(openai16.visual, (image16,), base / "openai_visual_fp16.onnx", dynamo=False,
           input_names=["pixel_values"], output_names=["image_embeds"])
    typed16 = to_typed_fields(onnx.load(base / "openai_visual_fp16.onnx"))
    onnx.save_model(typed16, base / "openai_visual_fp16.onnx")
    fixture("openai/openai_visual_fp16.onnx", "`model.visual` of the fp16 (`convert_weights`) model, folding on, then rewritten to typed fields (fp16 bit patterns in `int32_data`)",
            "torch/openai_fp16.pt", {"pixel_values": image16}, image_features16)

    hf_base = OUT / "hf"
    hf_base.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIXTURES / "hf" / "config.json", hf_base / "config.json")
    fixture("hf/config.json", "copy of `hf/config.json` (heads: 2), as optimum writes it beside `model.onnx`")
    vision = load_hf(CLIPVisionModelWithProjection)
    with torch.no_grad():
        hf_embeds = vision(pixel_values=image).image_embeds
    export(vision, (image,), hf_base / "hf_vision_with_projection.onnx", dynamo=False,
           input_names=["pixel_values"], output_names=["image_embeds", "last_hidden_state"])
    fixture("hf/hf_vision_with_projection.onnx", "`CLIPVisionModelWithProjection`, TorchScript exporter, folding on",
            "hf/model.safetensors", {"pixel_values": image}, hf_embeds)
    export(vision, (image,), hf_base / "hf_vision_with_projection_dynamo.onnx", dynamo=True)
    fixture("hf/hf_vision_with_projection_dynamo.onnx", "`CLIPVisionModelWithProjection`, `dynamo=True` exporter",
            "hf/model.safetensors", {"pixel_values": image}, hf_embeds)
    fixture("hf/hf_vision_with_projection_dynamo.onnx.data", "its external data")
    export(vision, (image,), hf_base / "hf_vision_with_projection_opset14.onnx", dynamo=False, opset_version=14,
           input_names=["pixel_values"], output_names=["image_embeds", "last_hidden_state"])
    fixture("hf/hf_vision_with_projection_opset14.onnx", "`CLIPVisionModelWithProjection` at opset 14 (optimum's default for CLIP): LayerNorm written out as ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add",
            "hf/model.safetensors", {"pixel_values": image}, hf_embeds)
    hf_clip = load_hf(CLIPModel)
    with torch.no_grad():
        hf_logits = hf_clip(input_ids=text, pixel_values=image).logits_per_image
    export(hf_clip, (text, image), hf_base / "hf_clip.onnx", dynamo=False,
           input_names=["input_ids", "pixel_values"], output_names=["logits_per_image"])
    fixture("hf/hf_clip.onnx", "`CLIPModel` (both towers), TorchScript exporter, folding on",
            "hf/model.safetensors", {"input_ids": text, "pixel_values": image}, hf_logits)
    anonymous = anonymize(onnx.load(hf_base / "hf_vision_with_projection.onnx"))
    onnx.save_model(anonymous, hf_base / "hf_vision_anonymous.onnx")
    fixture("hf/hf_vision_anonymous.onnx", "`hf_vision_with_projection.onnx` with initializers renamed `w0…` and node names removed",
            "hf/model.safetensors", {"pixel_values": image}, hf_embeds)
    prefix = "vision_model.encoder.layers.0."
    swapped = rename_initializers(onnx.load(hf_base / "hf_vision_with_projection.onnx"), {
        prefix + "layer_norm1.weight": prefix + "layer_norm2.weight", prefix + "layer_norm2.weight": prefix + "layer_norm1.weight"})
    onnx.save_model(swapped, hf_base / "hf_vision_swapped_names.onnx")
    fixture("hf/hf_vision_swapped_names.onnx", "`hf_vision_with_projection.onnx` with the names of block 0's two LayerNorm scales swapped (the graph contradicts them)",
            None, {"pixel_values": image}, hf_embeds)

    # onnxruntime's transformer optimizer fuses residual Add + LayerNorm (SkipLayerNormalization) and
    # QuickGELU into its own ops: the reader must refuse this rather than guess.
    from onnxruntime.transformers import optimizer
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        fused = optimizer.optimize_model(str(hf_base / "hf_vision_with_projection.onnx"), model_type="clip", num_heads=2,
                                         hidden_size=64, opt_level=0)
    fused.save_model_to_file(str(hf_base / "hf_vision_ort_fused.onnx"))
    fixture("hf/hf_vision_ort_fused.onnx", "`hf_vision_with_projection.onnx` after onnxruntime's transformer optimizer (`model_type='clip'`): SkipLayerNormalization, QuickGelu (refused)",
            None, {"pixel_values": image}, hf_embeds, checker=False)

    open_clip_model = load_open_clip()
    with torch.no_grad():
        open_clip_features = open_clip_model.visual(image)
    oc_base = OUT / "open_clip"
    export(open_clip_model.visual, (image,), oc_base / "open_clip_visual.onnx", dynamo=False,
           input_names=["pixel_values"], output_names=["image_embeds"])
    fixture("open_clip/open_clip_visual.onnx", "open_clip `model.visual` (2 heads, GELU), TorchScript exporter, folding on",
            "torch/open_clip/open_clip_model.pt", {"pixel_values": image}, open_clip_features)
    shutil.copyfile(FIXTURES / "torch" / "open_clip" / "open_clip_config.json", oc_base / "open_clip_config.json")
    fixture("open_clip/open_clip_config.json", "copy of `torch/open_clip/open_clip_config.json`: it makes the names open_clip's (heads 2, GELU)")

    bad = OUT / "adversarial"
    bad.mkdir(parents=True, exist_ok=True)
    onnx.save_model(tiny_model(external_initializer("missing.data")), bad / "missing_external.onnx")
    fixture("adversarial/missing_external.onnx", "external data in `missing.data`, which does not exist", check=False)
    (bad / "short_external.data").write_bytes(bytes(8))
    onnx.save_model(tiny_model(external_initializer("short_external.data")), bad / "short_external.onnx")
    fixture("adversarial/short_external.onnx", "needs 16 bytes of `short_external.data`, which has 8", check=False)
    fixture("adversarial/short_external.data", "8 zero bytes", check=False)
    onnx.save_model(tiny_model(external_initializer("../openai/openai_visual_external.data")), bad / "escaping_location.onnx")
    fixture("adversarial/escaping_location.onnx", "location `../openai/openai_visual_external.data` (exists, but outside the model's folder)", check=False)
    onnx.save_model(tiny_model(external_initializer("/etc/hostname", length=4)), bad / "absolute_location.onnx")
    fixture("adversarial/absolute_location.onnx", "location `/etc/hostname`, an absolute path", check=False)
    short = numpy_helper.from_array(np.arange(3, dtype=np.float32), name="w")
    short.ClearField("dims")
    short.dims.extend([2, 2])
    onnx.save_model(tiny_model(short), bad / "size_mismatch.onnx")
    fixture("adversarial/size_mismatch.onnx", "shape [2, 2] of FLOAT (16 bytes) with 12 bytes of raw_data", check=False)


# ----------------------------------------------------------------------------------
# Verification
# ----------------------------------------------------------------------------------

def verify():
    failures = 0
    for entry in FIXTURE_TABLE:
        path = OUT / entry["path"]
        if not path.exists():
            print(f"MISSING {entry['path']}")
            failures += 1
            continue
        if entry["run"] is None or not entry["check"]:
            continue
        if entry["checker"]:
            onnx.checker.check_model(str(path), full_check=True)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        feeds = {}
        names = [i.name for i in session.get_inputs()]
        for name, value in entry["run"].items():
            target = name if name in names else names[len(feeds)]
            feeds[target] = value.numpy()
        result = session.run(None, feeds)[0].astype(np.float32)
        expected = entry["torch_out"].float().numpy()
        tolerance = 5e-3 if "fp16" in entry["path"] else 1e-4
        error = float(np.abs(result - expected).max())
        status = "ok" if error <= tolerance * max(1.0, float(np.abs(expected).max())) else "MISMATCH"
        failures += status != "ok"
        entry["ort_error"] = error
        checked = "onnx.checker ok" if entry["checker"] else "onnx.checker skipped (com.microsoft ops)"
        print(f"{status:8} {entry['path']}: {checked}, onnxruntime max |ort - torch| = {error:.2e}")
    return failures


def write_readme():
    rows = []
    total = 0
    for entry in FIXTURE_TABLE:
        size = (OUT / entry["path"]).stat().st_size
        total += size
        reference = f"`{entry['reference']}`" if entry["reference"] else "—"
        rows.append(f"| `onnx/{entry['path']}` | {entry['what']} | {reference} | {size:,} |")
    lines = [
        README_BEGIN,
        "## ONNX fixtures (`scripts/make_onnx.py`)",
        "",
        "Inputs for the ONNX reader (issue 4). The tiny models of `make_checkpoints.py` are loaded **from the committed",
        "checkpoints** (`torch/openai_fp32.pt`, `torch/openai_fp16.pt`, `hf/`), exported, checked with `onnx.checker`",
        "(`full_check`) and run with onnxruntime against the PyTorch model (max abs difference ≤ 1e-4, fp16 ≤ 5e-3).",
        "The Swift tests convert each export and compare every tensor bit for bit with the conversion of the",
        "`reference` checkpoint.",
        "",
        "```sh",
        "python3 Fixtures/scripts/make_onnx.py           # regenerate everything here, then verify",
        "python3 Fixtures/scripts/make_onnx.py --verify  # verify the committed files only",
        "```",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in PINNED.items()) + " (Python 3.11; see `requirements.txt`).",
        "Reruns give byte-identical files. The `dynamo=True` exports record stack traces into the library code",
        "(site-packages paths and line numbers) in node metadata, so another installation changes their bytes.",
        "",
        "How the exporters name the weights (what the reader has to undo):",
        "",
        "- TorchScript exporter, folding on: `x @ W.T` is folded, so every Linear weight becomes an anonymous",
        "  `onnx::MatMul_N` holding **Wᵀ** (`[in, out]`); biases, LayerNorm parameters, the conv weight and",
        "  OpenAI's `proj` keep their names. Node names carry the module scope",
        "  (`/vision_model/encoder/layers.0/self_attn/q_proj/MatMul`, `/transformer/resblocks/resblocks.0/attn/MatMul`).",
        "  With a static batch, OpenAI's class token is folded with `zeros(batch, 1, width)` into `onnx::Concat_N`",
        "  `[1, 1, 64]`, and `positional_embedding.to(dtype)` into an anonymous copy `onnx::Add_N`; nn.MultiheadAttention",
        "  uses `out_proj.weight` in a Gemm, which keeps its name. In the fp16 model the folded class and position",
        "  embeddings are **cast to fp16** (the parameters are fp32), so those two cannot equal the checkpoint's.",
        "  `logit_scale` stays a named initializer feeding an `Exp` node.",
        "- Folding off: every parameter keeps its name; Linear weights reach MatMul through a `Transpose` node.",
        "- Opset < 17 (optimum's default for CLIP is 14): no LayerNormalization op; each LayerNorm is",
        "  ReduceMean → Sub → Pow → ReduceMean → Add(eps) → Sqrt → Div → Mul(weight) → Add(bias).",
        "- Untrained weights: the TorchScript exporter merges initializers with identical values under one name",
        "  (all LayerNorm scales of a freshly initialised model become `ln_pre.weight`); the fixtures' noise avoids it.",
        "- `dynamo=True`: Linear weights become `val_N` (Wᵀ); folded class/position embeddings are named after the",
        "  FX node (`add`, `expand`, `embedding` `[1, 17, 64]`); node names are `node_MatMul_18`, but",
        "  `metadata_props['pkg.torch.onnx.name_scopes']` keeps the module path. Tensors ≥ 1 KiB go to `<file>.data`.",
        "- Names are relative to the exported module (`model.visual` exports `conv1.weight`, not `visual.conv1.weight`),",
        "  and a wrapper adds its attribute (`m.token_embedding.weight`).",
        "",
        "| file | what | converts like | bytes |",
        "|---|---|---|---|",
        *rows,
        "",
        f"Total: {total / 1e6:.1f} MB.",
        README_END,
    ]
    path = FIXTURES / "README.md"
    old = path.read_text() if path.exists() else ""
    path.write_text(replace_block(old, README_BEGIN, README_END, "\n".join(lines)))


def write_requirements():
    lines = [REQ_BEGIN, "# Exact versions used to make the ONNX fixtures (Python 3.11, CPU-only torch)."]
    lines += [f"{k}=={v}" for k, v in PINNED.items()]
    lines.append(REQ_END)
    path = FIXTURES / "requirements.txt"
    old = path.read_text() if path.exists() else ""
    path.write_text(replace_block(old, REQ_BEGIN, REQ_END, "\n".join(lines)))


def replace_block(old_text, begin, end, block):
    """Replace this script's marked block of a shared file, keeping what other scripts wrote."""
    if begin in old_text and end in old_text:
        head, rest = old_text.split(begin, 1)
        return head + block + rest.split(end, 1)[1]
    if old_text.strip():
        return old_text.rstrip("\n") + "\n\n" + block + "\n"
    return block + "\n"


def check_versions():
    import importlib.metadata as metadata
    found = {name: metadata.version(name) for name in PINNED if name != "torch"}
    found["torch"] = torch.__version__
    wrong = {k: (v, PINNED[k]) for k, v in found.items() if v != PINNED[k]}
    if wrong:
        print("warning: versions differ from the pins: " + ", ".join(f"{k} {v} (pinned {p})" for k, (v, p) in wrong.items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verify", action="store_true", help="only verify the committed files")
    arguments = parser.parse_args()
    check_versions()
    torch.manual_seed(0)
    if arguments.verify:
        # Rebuild the table (and the reference outputs) without writing anything.
        global OUT
        real = OUT
        OUT = Path(os.environ.get("TMPDIR", "/tmp")) / "ldvc-onnx-verify"
        generate()
        OUT = real
    else:
        generate()
        write_readme()
        write_requirements()
    failures = verify()
    print("all ONNX fixtures verified" if failures == 0 else f"{failures} problem(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
