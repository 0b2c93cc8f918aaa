#!/usr/bin/env python3
"""Fixtures for the forms users hold models in, and for what ldvc-convert must refuse by name.

Everything under Fixtures/forms/ is written by the reference libraries themselves, from tiny seeded
models (random init, then seeded N(0, 0.05²) noise on every parameter so no two tensors are alike):

* open_clip_gelu.pt           open_clip.CLIP with GELU (`quick_gelu: false`, a ViT-B/16-style config at tiny
                              size): `torch.save(model.state_dict())`, the state dict without its config.
* open_clip_hub/              the same model as open_clip's `push_to_hf_hub` lays it out
                              (`open_clip.push_to_hf_hub.save_for_hf`, written locally): open_clip_config.json
                              (`{"model_cfg", "preprocess_cfg"}`) + open_clip_model.safetensors.
* open_clip_configs/tiny_model.json   the same `model_cfg` as in open_clip's `model_configs/*.json`, under a
                              name open_clip would not give it (recognised by content).
* goldens/open_clip_gelu.h5   `scripts/make_golden.py open_clip` of that model on `images/scene.jpg`.
* hf_single/                  transformers `CLIPModel.save_pretrained` (config.json + model.safetensors) of a tiny
                              CLIP with 2 heads of 16 (not 64: only the config tells).
* hf_sharded/                 the same model, `save_pretrained(max_shard_size=…)`: 3 safetensors shards + index.
* hf_sharded_bin/             the same state dict, `huggingface_hub.save_torch_state_dict(safe_serialization=False,
                              max_shard_size=…)`: 3 `pytorch_model-0000N-of-00003.bin` shards + index (what
                              transformers < 5 wrote), and config.json.
* broken_shards/duplicate/    hf_sharded whose second shard also holds one tensor of the first (index unchanged).
* onnx/open_clip_{gelu,quickgelu}_3heads.onnx   one open_clip model, width 48 in heads of 16, exported whole
                              (`forward(image, text)`, TorchScript exporter) once with GELU and once with
                              QuickGELU (`quick_gelu=True`, the same weights): only the graphs tell the activation
                              and the head count. Checked with onnxruntime against PyTorch.
* torchscript/open_clip_gelu_3heads.pt   that GELU model `torch.jit.trace`d (its code/ holds torch.gelu and the
                              head count).
* unsupported/                models the runtime cannot run: open_clip ModifiedResNet (RN50 layout), open_clip timm
                              ConvNeXt and EVA trunks, transformers SiglipModel (config.json + model.safetensors),
                              open_clip SigLIP (timm ViT with attention pooling) and CoCa.
* lfs_pointer.safetensors     what a clone without `git lfs pull` holds instead of the weights.

    python3 Fixtures/scripts/make_model_forms.py            # regenerate + verify
    python3 Fixtures/scripts/make_model_forms.py --verify   # verify the committed files only

Seeds are fixed; reruns give byte-identical files. The TorchScript archive's `*.debug_pkl` members record
this script's path and line numbers, so editing the script changes those bytes.
"""

# The torchvision wheel is built against CUDA torch; importing it (as open_clip does) registers fake
# kernels for `torchvision::nms`, which the CPU-only build lacks. Nothing here uses them.
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import argparse  # noqa: E402
import copy  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import warnings  # noqa: E402
from contextlib import redirect_stderr, redirect_stdout  # noqa: E402
from pathlib import Path  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import safetensors.torch  # noqa: E402
import timm  # noqa: E402
import torch  # noqa: E402

import open_clip  # noqa: E402
import open_clip.timm_model  # noqa: E402
from open_clip.push_to_hf_hub import save_for_hf  # noqa: E402
import huggingface_hub  # noqa: E402
import transformers  # noqa: E402
from transformers import CLIPConfig, CLIPModel, SiglipConfig, SiglipModel  # noqa: E402

transformers.logging.set_verbosity_error()

FIXTURES = Path(__file__).resolve().parents[1]
REPO = FIXTURES.parent
OUT = FIXTURES / "forms"
NOISE_STD = 0.05
SEED_GELU = 6001
SEED_HF = 6002
SEED_HEADS = 6003
SEED_UNSUPPORTED = 6004
SEED_INPUTS = 6005
VERSIONS = {
    "torch": torch.__version__, "open_clip_torch": open_clip.__version__, "transformers": transformers.__version__,
    "huggingface_hub": huggingface_hub.__version__, "timm": timm.__version__, "onnx": onnx.__version__,
    "onnxruntime": ort.__version__, "safetensors": safetensors.__version__, "numpy": np.__version__,
}

# open_clip's ViT-B/16 layout at tiny size: 64 wide (one head of 64, as in ViT-B), GELU.
OPEN_CLIP_GELU_CFG = {
    "embed_dim": 32,
    "quick_gelu": False,
    "vision_cfg": {"image_size": 16, "layers": 1, "width": 64, "patch_size": 8, "mlp_ratio": 1.0},
    "text_cfg": {"context_length": 8, "vocab_size": 64, "width": 64, "heads": 1, "layers": 1, "mlp_ratio": 1.0},
}
# Heads of 16 in a width of 48: no default can guess 3.
OPEN_CLIP_HEADS_CFG = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 16, "layers": 1, "width": 48, "head_width": 16, "patch_size": 8, "mlp_ratio": 1.0},
    "text_cfg": {"context_length": 8, "vocab_size": 64, "width": 48, "heads": 3, "layers": 1, "mlp_ratio": 1.0},
}
HF_TEXT = dict(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
               max_position_embeddings=8, hidden_act="quick_gelu", projection_dim=16, bos_token_id=62,
               eos_token_id=63, pad_token_id=1)
HF_VISION = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, image_size=16,
                 patch_size=8, hidden_act="quick_gelu", projection_dim=16)
TINY_TEXT = dict(context_length=8, vocab_size=64, width=16, heads=2, layers=1)
# Token ids for the goldens: the end-of-text id is the largest, as in CLIP.
GOLDEN_TOKENS = ["62 5 9 63", "62 17 40 41 63"]


def perturb(model, seed):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.add_(torch.randn(p.shape, generator=gen, dtype=torch.float32).to(p.dtype) * NOISE_STD)
    return model.eval()


def open_clip_model(cfg, seed, **overrides):
    torch.manual_seed(seed)
    model = perturb(open_clip.CLIP(**copy.deepcopy(cfg), **overrides), seed + 100)
    # As open_clip.create_model sets them (save_for_hf writes them into preprocess_cfg).
    model.visual.image_mean = open_clip.OPENAI_DATASET_MEAN
    model.visual.image_std = open_clip.OPENAI_DATASET_STD
    return model


class NoTokenizerFiles:
    """save_for_hf saves the tokenizer beside the weights; the tiny models use CLIP's BPE, which has no files."""

    def save_pretrained(self, directory):
        pass


def inputs(image_size=16, context=8):
    gen = torch.Generator().manual_seed(SEED_INPUTS)
    image = torch.randn(1, 3, image_size, image_size, generator=gen)
    text = torch.randint(1, 62, (1, context), generator=gen)
    text[0, 0], text[0, 4] = 62, 63
    return image, text


class TimmSize:
    """open_clip builds timm trunks by name at full size; these fixtures need them tiny, so the
    constructor arguments timm accepts for each family are narrowed while the model is built."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.original = timm.create_model

    def __enter__(self):
        def create(name, **given):
            return self.original(name, **{**given, **self.kwargs})
        open_clip.timm_model.timm.create_model = create

    def __exit__(self, *exc):
        open_clip.timm_model.timm.create_model = self.original


def refill(model, seed):
    """Every parameter drawn afresh from a seeded generator: some modules of the unsupported families leave
    parameters as `torch.empty` until a training script initialises them, which would make reruns differ."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float32).to(p.dtype) * NOISE_STD)
    return model.eval()


def save_state_dict(model, path, half=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    sd = {k: (v.half() if half and v.is_floating_point() else v).clone() for k, v in model.state_dict().items()}
    torch.save(sd, path)


# ----------------------------------------------------------------------------------
# Generation
# ----------------------------------------------------------------------------------

def generate():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    # open_clip, GELU, with and without its config.
    gelu = open_clip_model(OPEN_CLIP_GELU_CFG, SEED_GELU)
    save_state_dict(gelu, OUT / "open_clip_gelu.pt")
    save_for_hf(gelu, NoTokenizerFiles(), copy.deepcopy(OPEN_CLIP_GELU_CFG), str(OUT / "open_clip_hub"),
                safe_serialization=True)
    configs = OUT / "open_clip_configs"
    configs.mkdir()
    (configs / "tiny_model.json").write_text(json.dumps(OPEN_CLIP_GELU_CFG, indent=4) + "\n")
    golden = OUT / "goldens" / "open_clip_gelu.h5"
    golden.parent.mkdir()
    command = [sys.executable, str(REPO / "scripts" / "make_golden.py"), "open_clip", str(OUT / "open_clip_hub"),
               "--pretrained", str(OUT / "open_clip_hub" / "open_clip_model.safetensors"),
               "--image", str(FIXTURES / "images" / "scene.jpg"), "-o", str(golden)]
    for ids in GOLDEN_TOKENS:
        command += ["--token-ids", ids]
    subprocess.run(command, check=True, cwd=REPO)

    # HF: one folder, sharded safetensors, sharded pickles.
    torch.manual_seed(SEED_HF)
    hf = perturb(CLIPModel(CLIPConfig(text_config=dict(HF_TEXT), vision_config=dict(HF_VISION), projection_dim=16)),
                 SEED_HF + 100)
    hf.save_pretrained(OUT / "hf_single")
    total = (OUT / "hf_single" / "model.safetensors").stat().st_size
    shard_size = total // 3 + 1024
    hf.save_pretrained(OUT / "hf_sharded", max_shard_size=shard_size)
    hf.config.save_pretrained(OUT / "hf_sharded_bin")
    huggingface_hub.save_torch_state_dict(
        {k: v.contiguous() for k, v in hf.state_dict().items()}, OUT / "hf_sharded_bin", safe_serialization=False,
        max_shard_size=shard_size)
    for folder in ("hf_sharded", "hf_sharded_bin"):
        shards = sorted(p.name for p in (OUT / folder).iterdir() if "-of-" in p.name)
        assert len(shards) == 3, (folder, shards)
    duplicate = OUT / "broken_shards" / "duplicate"
    shutil.copytree(OUT / "hf_sharded", duplicate)
    index = json.loads((duplicate / "model.safetensors.index.json").read_text())
    first, second = sorted(set(index["weight_map"].values()))[:2]
    stolen = next(name for name, shard in sorted(index["weight_map"].items()) if shard == first)
    tensors = safetensors.torch.load_file(duplicate / second)
    tensors[stolen] = safetensors.torch.load_file(duplicate / first)[stolen]
    safetensors.torch.save_file(tensors, duplicate / second, metadata={"format": "pt"})

    # One model, two activations, three heads of 16: ONNX and TorchScript.
    heads_gelu = open_clip_model(OPEN_CLIP_HEADS_CFG, SEED_HEADS)
    heads_quick = open_clip.CLIP(**copy.deepcopy(OPEN_CLIP_HEADS_CFG), quick_gelu=True).eval()
    heads_quick.load_state_dict(heads_gelu.state_dict())
    image, text = inputs()
    for name, model in (("gelu", heads_gelu), ("quickgelu", heads_quick)):
        path = OUT / "onnx" / f"open_clip_{name}_3heads.onnx"
        path.parent.mkdir(exist_ok=True)
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            torch.onnx.export(model, (image, text), str(path), dynamo=False, input_names=["pixel_values", "input_ids"],
                              output_names=["image_embeds", "text_embeds", "logit_scale"])
    traced_path = OUT / "torchscript" / "open_clip_gelu_3heads.pt"
    traced_path.parent.mkdir()
    with torch.no_grad():
        traced = torch.jit.trace(heads_gelu, (image, text), check_trace=False)
    torch.jit.save(traced, str(traced_path))

    # Families the runtime cannot run.
    unsupported = OUT / "unsupported"
    unsupported.mkdir()
    torch.manual_seed(SEED_UNSUPPORTED)
    rn = refill(open_clip.CLIP(embed_dim=16, vision_cfg=dict(layers=[1, 1, 1, 1], width=4, image_size=32,
                                                               head_width=8), text_cfg=dict(TINY_TEXT)), SEED_UNSUPPORTED)
    save_state_dict(rn, unsupported / "open_clip_rn50_layout.pt", half=True)
    with TimmSize(dims=(8, 8, 8, 8), depths=(1, 1, 1, 1)):
        convnext = open_clip.CLIP(embed_dim=16, vision_cfg=dict(timm_model_name="convnext_atto", timm_pool="",
                                                                timm_proj="linear", image_size=32),
                                  text_cfg=dict(TINY_TEXT))
    save_state_dict(refill(convnext, SEED_UNSUPPORTED + 1), unsupported / "open_clip_convnext.pt", half=True)
    with TimmSize(embed_dim=16, depth=1, num_heads=2, img_size=28):
        eva = open_clip.CLIP(embed_dim=16, vision_cfg=dict(timm_model_name="eva02_tiny_patch14_224",
                                                           timm_pool="token", timm_proj="linear", image_size=28),
                             text_cfg=dict(TINY_TEXT))
    save_state_dict(refill(eva, SEED_UNSUPPORTED + 2), unsupported / "open_clip_eva.pt", half=True)
    siglip_cfg = copy.deepcopy(open_clip.get_model_config("ViT-B-16-SigLIP"))
    siglip_cfg.pop("custom_text", None)
    siglip_cfg["embed_dim"] = 16
    siglip_cfg["text_cfg"].update(context_length=8, vocab_size=64, width=16, heads=2, layers=1)
    siglip_cfg["text_cfg"].pop("hf_tokenizer_name", None)
    with TimmSize(embed_dim=16, depth=1, num_heads=2, img_size=32):
        siglip_cfg["vision_cfg"]["image_size"] = 32
        open_clip_siglip = open_clip.CustomTextCLIP(**siglip_cfg)
    save_state_dict(refill(open_clip_siglip, SEED_UNSUPPORTED + 3), unsupported / "open_clip_siglip.pt", half=True)
    coca_cfg = copy.deepcopy(open_clip.get_model_config("coca_ViT-B-32"))
    coca_cfg.pop("custom_text", None)
    coca_cfg["embed_dim"] = 16
    coca_cfg["vision_cfg"].update(image_size=16, layers=1, width=16, patch_size=8, head_width=8, attn_pooler_heads=2,
                                  attn_pooler_queries=4)
    coca_cfg["text_cfg"].update(context_length=8, vocab_size=64, width=16, heads=2, layers=1)
    coca_cfg["multimodal_cfg"].update(context_length=8, vocab_size=64, width=16, heads=2, layers=1,
                                      attn_pooler_heads=2)
    coca = refill(open_clip.CoCa(**coca_cfg), SEED_UNSUPPORTED + 4)
    save_state_dict(coca, unsupported / "open_clip_coca.pt", half=True)
    torch.manual_seed(SEED_UNSUPPORTED + 5)
    siglip = refill(SiglipModel(SiglipConfig(
        text_config=dict(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, max_position_embeddings=8),
        vision_config=dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                           image_size=16, patch_size=8))), SEED_UNSUPPORTED + 6)
    siglip.save_pretrained(unsupported / "siglip_hf")

    (OUT / "lfs_pointer.safetensors").write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4a1b6ee7f3a7f0f5c4a3f9e1f0b6b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2\n"
        "size 598641023\n")


# ----------------------------------------------------------------------------------
# Verification: every file loads with the library that wrote it, and means what it should
# ----------------------------------------------------------------------------------

def verify():
    problems = []

    def check(condition, message):
        if not condition:
            problems.append(message)

    gelu = open_clip.CLIP(**copy.deepcopy(OPEN_CLIP_GELU_CFG)).eval()
    gelu.load_state_dict(torch.load(OUT / "open_clip_gelu.pt", weights_only=True))
    hub = safetensors.torch.load_file(OUT / "open_clip_hub" / "open_clip_model.safetensors")
    check(all(torch.equal(hub[k], v) for k, v in gelu.state_dict().items()), "hub weights differ from the state dict")
    hub_cfg = json.loads((OUT / "open_clip_hub" / "open_clip_config.json").read_text())
    check(hub_cfg["model_cfg"] == OPEN_CLIP_GELU_CFG, "hub config differs")
    check(json.loads((OUT / "open_clip_configs" / "tiny_model.json").read_text()) == OPEN_CLIP_GELU_CFG,
          "model config differs")
    check((OUT / "goldens" / "open_clip_gelu.h5").exists(), "golden missing")

    single = CLIPModel.from_pretrained(OUT / "hf_single").eval()
    for folder in ("hf_sharded", "hf_sharded_bin"):
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            if folder == "hf_sharded":
                loaded = CLIPModel.from_pretrained(OUT / folder).state_dict()
            else:
                index = json.loads((OUT / folder / "pytorch_model.bin.index.json").read_text())
                loaded = {}
                for shard in sorted(set(index["weight_map"].values())):
                    loaded.update(torch.load(OUT / folder / shard, weights_only=True))
        check(all(torch.equal(loaded[k], v) for k, v in single.state_dict().items() if k in loaded)
              and set(single.state_dict()) - set(loaded) <= {"text_model.embeddings.position_ids",
                                                              "vision_model.embeddings.position_ids"},
              f"{folder} differs from hf_single")

    image, text = inputs()
    gelu3 = open_clip.CLIP(**copy.deepcopy(OPEN_CLIP_HEADS_CFG)).eval()
    traced = torch.jit.load(OUT / "torchscript" / "open_clip_gelu_3heads.pt")
    gelu3.load_state_dict({k: v for k, v in traced.state_dict().items() if k in gelu3.state_dict()})
    quick3 = open_clip.CLIP(**copy.deepcopy(OPEN_CLIP_HEADS_CFG), quick_gelu=True).eval()
    quick3.load_state_dict(gelu3.state_dict())
    code = "\n".join(module.code for _, module in traced.named_modules() if hasattr(module, "code"))
    check("torch.gelu(" in code, "traced code lacks torch.gelu")
    for name, model in (("gelu", gelu3), ("quickgelu", quick3)):
        path = OUT / "onnx" / f"open_clip_{name}_3heads.onnx"
        onnx.checker.check_model(onnx.load(path), full_check=True)
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        result = session.run(None, {"pixel_values": image.numpy(), "input_ids": text.numpy()})
        with torch.no_grad():
            expected = model(image, text)
        for got, want in zip(result[:2], expected[:2]):
            error = float(np.abs(got - want.numpy()).max())
            check(error <= 1e-4, f"{path.name}: onnxruntime differs from PyTorch by {error:.2e}")
        print(f"ok       onnx/{path.name}: onnx.checker ok, onnxruntime matches PyTorch")
    check(not torch.allclose(gelu3(image, text)[0], quick3(image, text)[0]),
          "GELU and QuickGELU give the same features; the fixture cannot tell them apart")

    for name in ("open_clip_rn50_layout.pt", "open_clip_convnext.pt", "open_clip_eva.pt", "open_clip_siglip.pt",
                 "open_clip_coca.pt"):
        torch.load(OUT / "unsupported" / name, weights_only=True)
    SiglipModel.from_pretrained(OUT / "unsupported" / "siglip_hf")
    for problem in problems:
        print("PROBLEM", problem)
    return len(problems)


def write_readme():
    rows = []
    total = 0
    for path in sorted(p for p in OUT.rglob("*") if p.is_file() and p.name != "README.md"):
        size = path.stat().st_size
        total += size
        rows.append(f"| `{path.relative_to(OUT)}` | {size:,} |")
    doc = __doc__.split("\n\n")
    text = [
        "# Model forms (`scripts/make_model_forms.py`)",
        "",
        "The forms users hold CLIP models in, and models ldvc-convert refuses by name, made by the reference",
        "libraries from tiny seeded models. The Swift tests convert every form and compare it tensor by tensor",
        "with the single-file conversion, check the activation and head counts read from ONNX graphs and",
        "TorchScript code, and run `verify` of the GELU model against its golden.",
        "",
        "```sh",
        "python3 Fixtures/scripts/make_model_forms.py           # regenerate, then verify",
        "python3 Fixtures/scripts/make_model_forms.py --verify  # verify the committed files only",
        "```",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in VERSIONS.items()) + " (Python 3.11).",
        "",
        "What each file is:",
        "",
        doc[1],
        "",
        doc[2],
        "",
        "The HuggingFace cache form (`models--org--name/{blobs,refs/main,snapshots/<commit>}` with the snapshot's",
        "files as links into `blobs/`) is built by the tests from `hf/` at run time: git keeps links poorly.",
        "",
        "| file | bytes |",
        "|---|---|",
        *rows,
        "",
        f"Total: {total / 1e6:.2f} MB.",
        "",
    ]
    (OUT / "README.md").write_text("\n".join(text))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verify", action="store_true", help="only verify the committed files")
    arguments = parser.parse_args()
    if not arguments.verify:
        generate()
        write_readme()
    failures = verify()
    print("all model-form fixtures verified" if failures == 0 else f"{failures} problem(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
