#!/usr/bin/env python3
"""ONNX conversion benchmark (issue 4): whole-process wall time and peak RSS of

  1. `ldvc-convert` (release build) on a full-size CLIP ViT-B/16 visual encoder exported to ONNX,
  2. `cp` of the same bytes (the model file, and its external data file when there is one),

for files made from the same weights: a single `.onnx` (tensors in `raw_data`) and one saved with
external data (`onnx.save_model(save_as_external_data=True)`), each exported by the TorchScript-based
exporter with constant folding (the default: every Linear weight is stored transposed, so the
converter must transpose 85 M values back) and without (weights as in PyTorch, copied file to file
where the format allows). The encoder is OpenAI's `clip.model.CLIP` ViT-B/16 configuration with
random weights (~345 MB of fp32). Nothing generated here is committed.

Usage (from the repository root; needs the Python packages of Fixtures/requirements.txt):
    swift build -c release --product ldvc-convert
    python3 scripts/bench/onnx_bench.py [--repeat 5] [--dir bench-out] [--binary .build/release/ldvc-convert]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def timed(command):
    """Runs a command; returns (seconds, peak RSS in MB) from wait4."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024.0


GENERATE = r"""
import sys, types, io, contextlib, warnings
# torchvision from PyPI is CUDA-built; clip only needs its Python parts here.
sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
warnings.filterwarnings("ignore")
import torch, clip, onnx
embedded, external, data, fold = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "fold"
torch.manual_seed(0)
# OpenAI ViT-B/16 (clip/model.py build_model values for ViT-B-16.pt).
model = clip.model.CLIP(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768, vision_patch_size=16,
                        context_length=77, vocab_size=49408, transformer_width=512, transformer_heads=8,
                        transformer_layers=12).eval()
# Noise on every parameter, as in a trained model: the exporter would otherwise merge the identical
# all-ones LayerNorm scales (and all-zero biases) of a fresh model into one initializer.
with torch.no_grad():
    for parameter in model.parameters():
        parameter.add_(torch.randn_like(parameter) * 0.02)
image = torch.randn(1, 3, 224, 224)
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    torch.onnx.export(model.visual, (image,), embedded, dynamo=False, do_constant_folding=fold,
                      input_names=["pixel_values"], output_names=["image_embeds"])
proto = onnx.load(embedded)
onnx.save_model(proto, external, save_as_external_data=True, all_tensors_to_one_file=True, location=data, size_threshold=1024)
"""


def warm(paths):
    """Reads files once so every contestant starts from the page cache."""
    for path in paths:
        with open(path, "rb") as f:
            while f.read(1 << 24):
                pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", default="bench-out")
    parser.add_argument("--binary", default=".build/release/ldvc-convert")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    variants = {}
    for fold in ("fold", "nofold"):
        stem = "ViT-B-16-visual" + ("" if fold == "fold" else "-nofold")
        embedded = os.path.join(args.dir, stem + ".onnx")
        external = os.path.join(args.dir, stem + "-external.onnx")
        data_name = stem + "-external.data"
        data = os.path.join(args.dir, data_name)
        if not all(os.path.exists(p) for p in (embedded, external, data)):
            # Generated in a child process: a forked child inherits its parent's peak RSS, so loading
            # torch here would inflate every later measurement. onnx writes the data file beside the model.
            subprocess.run([sys.executable, "-c", GENERATE, embedded, external, data_name, fold], check=True)
        label = "folded (default)" if fold == "fold" else "do_constant_folding=False"
        variants[f"{label}, single file"] = ([embedded], embedded)
        variants[f"{label}, external data"] = ([external, data], external)
    print(f"binary: {args.binary}; {args.repeat} runs each; median wall time, max peak RSS")
    for label, (files, model) in variants.items():
        size_mb = sum(os.path.getsize(p) for p in files) / 1e6
        warm(files)
        out = os.path.join(args.dir, "out-onnx.h5")
        copies = [os.path.join(args.dir, "cp-" + os.path.basename(p)) for p in files]
        ours, baseline = [], []
        for _ in range(args.repeat):
            for path in [out] + copies:
                if os.path.exists(path):
                    os.remove(path)
            # cp of the same bytes: one process per file, timed together.
            start = time.perf_counter()
            peaks = [timed(["cp", source, target])[1] for source, target in zip(files, copies)]
            baseline.append((time.perf_counter() - start, max(peaks)))
            ours.append(timed([args.binary, model, "-o", out, "--quiet"]))
        t_ours = statistics.median(t for t, _ in ours)
        t_cp = statistics.median(t for t, _ in baseline)
        rss = max(r for _, r in ours)
        print(f"{label}: {', '.join(os.path.basename(p) for p in files)} ({size_mb:.0f} MB)")
        print(f"  ldvc-convert {t_ours:7.3f} s   peak RSS {rss:7.1f} MB")
        print(f"  cp           {t_cp:7.3f} s   peak RSS {max(r for _, r in baseline):7.1f} MB")
        print(f"  ldvc-convert / cp = {t_ours / t_cp:.2f}x (target <= 1.5); peak RSS / file size = {rss / size_mb * 100:.1f}% (target <= 25%)")


if __name__ == "__main__":
    main()
