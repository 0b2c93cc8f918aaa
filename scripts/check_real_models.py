#!/usr/bin/env python3
"""Full-size check of ldvc-convert on the forms users hold CLIP models in (not part of `swift test`).

Each model is built at full size by its reference library (random weights, seeded: no download), saved
in the forms people get it in (an open_clip hub folder, a bare state dict, an HF folder saved in shards,
an ONNX export), converted with `ldvc-convert`, and checked with `ldvc-convert verify` against a golden
that `scripts/make_golden.py` makes by running the model in PyTorch on `Fixtures/images/scene.jpg`.
Models of families the runtime cannot run are converted too, to record the refusal. A table is printed
at the end (and written as Markdown with --table).

    swift build -c release --product ldvc-convert
    python3 scripts/check_real_models.py [--tool .build/release/ldvc-convert] [--work /tmp/ldvc-real]
                                         [--only ViT-B-32,hf-B-16] [--table table.md]

Needs torch, open_clip_torch, transformers, onnx, safetensors, h5py, numpy and Pillow; about 6 GB of
disk in --work (each model's files are removed after its checks) and some minutes per model.
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
import time  # noqa: E402
import warnings  # noqa: E402
from contextlib import redirect_stderr, redirect_stdout  # noqa: E402
from pathlib import Path  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402

import open_clip  # noqa: E402
from open_clip.push_to_hf_hub import save_for_hf  # noqa: E402
import transformers  # noqa: E402
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel  # noqa: E402

transformers.logging.set_verbosity_error()

REPO = Path(__file__).resolve().parents[1]
IMAGE = REPO / "Fixtures" / "images" / "scene.jpg"
# CLIP's BPE ids: start and end of text around a few word pieces.
TOKENS = ["49406 320 1125 539 320 2368 49407", "49406 320 1125 539 320 1929 49407"]
SEED = 7007


class NoTokenizerFiles:
    """save_for_hf also saves the tokenizer; open_clip's own BPE tokenizer has no files to write."""

    def save_pretrained(self, directory):
        pass


def run(command, cwd=REPO):
    started = time.time()
    result = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True)
    return result, time.time() - started


def open_clip_model(name, precision="fp32"):
    torch.manual_seed(SEED)
    model, _, _ = open_clip.create_model_and_transforms(name, pretrained=None, precision=precision)
    return model.eval()


def hub_folder(model, name, folder):
    save_for_hf(model, NoTokenizerFiles(), open_clip.get_model_config(name), str(folder), safe_serialization=True)
    return folder


def golden(kind, model_path, output, pretrained=None):
    command = [sys.executable, REPO / "scripts" / "make_golden.py", kind, model_path, "--image", IMAGE, "-o", output,
               "--force"]
    if pretrained:
        command += ["--pretrained", pretrained]
    for ids in TOKENS:
        command += ["--token-ids", ids]
    result, seconds = run(command)
    if result.returncode != 0:
        raise RuntimeError(f"make_golden.py failed: {result.stderr.strip().splitlines()[-1:]}")
    return seconds


class Checker:
    def __init__(self, tool, work):
        self.tool = tool
        self.work = work
        self.rows = []

    def check(self, model, form, input_path, golden_path, extra=(), expect="ok"):
        output = self.work / "out.h5"
        if output.exists():
            output.unlink()
        result, seconds = run([self.tool, input_path, "-o", output, *extra])
        row = dict(model=model, form=form, convert=f"exit {result.returncode}", seconds=f"{seconds:.1f}",
                   settings="", warnings="", verify="", expect=expect)
        stderr = [line for line in result.stderr.splitlines() if line]
        row["warnings"] = " / ".join(line for line in stderr if line.startswith("warning:"))[:400]
        if result.returncode != 0:
            row["convert"] += ": " + " ".join(line for line in stderr if line.startswith("error:"))[:600]
            self.rows.append(row)
            return row
        inspected, _ = run([self.tool, "inspect", output, "--json"])
        document = json.loads(inspected.stdout)
        architecture = document.get("architecture") or {}
        towers = []
        for tower in ("vision", "text"):
            if tower in architecture:
                settings = architecture[tower]
                towers.append(f"{tower} {settings['width']}w {settings['layers']}L {settings['heads']}h "
                              f"{settings['activation']}")
        sources = document.get("architecture_sources", {})
        stated = sorted({" ".join(value.split(":")[0].split(" /")[0].split()[:2]) for key, value in sources.items()
                         if key.endswith((".heads", ".activation"))})
        row["settings"] = "; ".join(towers) + " (from: " + ", ".join(stated) + ")"
        row["convert"] = "ok" + (" (assumed)" if "(assumed)" in result.stdout else "")
        if golden_path is None:
            self.rows.append(row)
            return row
        verified, verify_seconds = run([self.tool, "verify", output, "--golden", golden_path, "--json"])
        try:
            report = json.loads(verified.stdout)
            worst = max((tap["max_abs_error"] / tap["bound"] if tap["bound"] else 0.0) for tap in report["taps"]
                        if not tap.get("mismatches"))
            row["verify"] = (("pass" if report["passed"] else f"FAIL at {report['first_diverging_tap']}")
                             + f", {len(report['taps'])} taps, worst error/bound {worst:.3f}, {verify_seconds:.0f} s")
        except (json.JSONDecodeError, KeyError, ValueError):
            row["verify"] = f"exit {verified.returncode}: {verified.stderr.strip()[:300]}"
        self.rows.append(row)
        return row


def check_open_clip(checker, work, name, forms, precision="fp32"):
    model = open_clip_model(name, precision)
    hub = hub_folder(model, name, work / f"{name}-hub")
    weights = hub / "open_clip_model.safetensors"
    golden_path = work / f"{name}-golden.h5"
    golden("open_clip", hub, golden_path, pretrained=weights)
    if "hub folder" in forms:
        checker.check(name, "open_clip hub folder (config + safetensors)", hub, golden_path)
    if "state dict" in forms or "state dict + --config" in forms:
        state = work / f"{name}.pt"
        torch.save(model.state_dict(), state)
        if "state dict" in forms:
            checker.check(name, "bare state dict .pt (no config)", state, golden_path)
        if "state dict + --config" in forms:
            config = Path(open_clip.__file__).parent / "model_configs" / f"{name}.json"
            checker.check(name, f"state dict .pt + --config model_configs/{name}.json", state, golden_path,
                          extra=["--config", config])
    if "onnx" in forms:
        onnx_path = work / f"{name}.onnx"
        image = torch.randn(1, 3, model.visual.image_size[0], model.visual.image_size[1])
        text = torch.zeros(1, model.context_length, dtype=torch.long)
        text[0, :3] = torch.tensor([49406, 320, 49407])
        # Not under no_grad: there nn.MultiheadAttention takes its fused fast path, which has no ONNX export.
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            torch.onnx.export(model, (image, text), str(onnx_path), dynamo=False,
                              input_names=["pixel_values", "input_ids"])
        checker.check(name, "ONNX export of the whole model (no config)", onnx_path, golden_path)
    shutil.rmtree(hub, ignore_errors=True)
    for leftover in work.glob(f"{name}*"):
        if leftover.is_file():
            leftover.unlink()


def check_hf(checker, work):
    name = "hf clip-vit-base-patch16 (random)"
    torch.manual_seed(SEED)
    config = CLIPConfig(
        text_config=dict(vocab_size=49408, hidden_size=512, intermediate_size=2048, num_hidden_layers=12,
                         num_attention_heads=8, max_position_embeddings=77, hidden_act="quick_gelu",
                         projection_dim=512),
        vision_config=dict(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                           image_size=224, patch_size=16, hidden_act="quick_gelu", projection_dim=512),
        projection_dim=512)
    model = CLIPModel(config).eval()
    folder = work / "clip-vit-base-patch16"
    model.save_pretrained(folder, max_shard_size="200MB")
    CLIPImageProcessor(size={"shortest_edge": 224}, crop_size={"height": 224, "width": 224}).save_pretrained(folder)
    golden_path = work / "hf-golden.h5"
    golden("hf", folder, golden_path)
    shards = sorted(p.name for p in folder.iterdir() if "-of-" in p.name)
    checker.check(name, f"sharded HF folder ({len(shards)} shards)", folder, golden_path)
    checker.check(name, "its model.safetensors.index.json", folder / "model.safetensors.index.json", golden_path)
    checker.check(name, f"one shard ({shards[-1]})", folder / shards[-1], golden_path)
    shutil.rmtree(folder, ignore_errors=True)


def check_openai_torchscript(checker, work):
    """OpenAI's releases are `torch.jit.trace`d fp16 models; the activation and head counts are read from
    the archive's code."""
    import clip  # openai-clip

    torch.manual_seed(SEED)
    model = clip.model.CLIP(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768,
                            vision_patch_size=16, context_length=77, vocab_size=49408, transformer_width=512,
                            transformer_heads=8, transformer_layers=12).eval()
    clip.model.convert_weights(model)
    image = torch.randn(1, 3, 224, 224).half()
    text = torch.zeros(1, 77, dtype=torch.long)
    text[0, :3] = torch.tensor([49406, 320, 49407])
    with torch.no_grad():
        model(image, text)  # caches the attention mask in fp16 before tracing, as the releases have it
        traced = torch.jit.trace(model, (image, text), check_trace=False)
    path = work / "ViT-B-16-traced.pt"
    torch.jit.save(traced, str(path))
    golden_path = work / "openai-golden.h5"
    golden("openai", path, golden_path)
    checker.check("OpenAI ViT-B/16 (fp16, traced)", "TorchScript archive like the releases", path, golden_path)
    path.unlink()


def check_refused(checker, work):
    for name in ("RN50", "convnext_base", "ViT-B-16-SigLIP"):
        torch.manual_seed(SEED)
        model = open_clip.create_model(name, pretrained=None)
        state = work / f"{name}.pt"
        torch.save(model.state_dict(), state)
        checker.check(name, "state dict .pt", state, None, expect="refused")
        state.unlink()


def markdown(rows):
    lines = ["| model | form | convert | activation / heads (where from) | verify | convert s |", "|---|---|---|---|---|---|"]
    for row in rows:
        convert = row["convert"].replace("|", "\\|")
        lines.append(f"| {row['model']} | {row['form']} | {convert} | {row['settings']} | {row['verify']} | "
                     f"{row['seconds']} |")
    warned = [row for row in rows if row["warnings"]]
    if warned:
        lines += ["", "Warnings:", ""]
        lines += [f"- {row['model']}, {row['form']}: {row['warnings']}" for row in warned]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tool", default=str(REPO / ".build" / "release" / "ldvc-convert"))
    parser.add_argument("--work", default="/tmp/ldvc-real-models")
    parser.add_argument("--only", default="", help="comma-separated subset of: " + ", ".join(CASES))
    parser.add_argument("--table", help="also write the table (Markdown) here")
    arguments = parser.parse_args()
    tool = Path(arguments.tool)
    if not tool.is_file():
        sys.exit(f"{tool}: not built (swift build -c release --product ldvc-convert)")
    work = Path(arguments.work)
    work.mkdir(parents=True, exist_ok=True)
    checker = Checker(tool, work)
    selected = [name for name in CASES if not arguments.only or name in arguments.only.split(",")]
    for name in selected:
        print(f"== {name}", flush=True)
        try:
            CASES[name](checker, work)
        except Exception as error:  # a failed case is a row of the table, not the end of the run
            checker.rows.append(dict(model=name, form="(building the forms)", convert=f"not run: {error}",
                                     seconds="", settings="", warnings="", verify="", expect=""))
        print(markdown(checker.rows[-6:]).split("\n", 2)[2], flush=True)
    table = markdown(checker.rows)
    print()
    print(table)
    if arguments.table:
        Path(arguments.table).write_text(table + "\n")


CASES = {
    "ViT-B-32": lambda c, w: check_open_clip(c, w, "ViT-B-32", ["hub folder", "state dict", "state dict + --config"]),
    "ViT-B-16": lambda c, w: check_open_clip(c, w, "ViT-B-16", ["hub folder", "onnx"]),
    "ViT-B-16-quickgelu": lambda c, w: check_open_clip(c, w, "ViT-B-16-quickgelu", ["hub folder", "state dict"]),
    "ViT-L-14": lambda c, w: check_open_clip(c, w, "ViT-L-14", ["hub folder"], precision="fp16"),
    "ViT-B-16-plus-240": lambda c, w: check_open_clip(c, w, "ViT-B-16-plus-240", ["hub folder"]),
    "hf-B-16": check_hf,
    "openai-B-16-jit": check_openai_torchscript,
    "refused": check_refused,
}

if __name__ == "__main__":
    main()
