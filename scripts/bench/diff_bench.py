#!/usr/bin/env python3
"""`ldvc-convert diff` memory benchmark: peak RSS (GNU `/usr/bin/time -v`, "Maximum resident set size")
and wall time of `diff` on full-size CLIP ViT-B/16 pairs, against the target: peak RSS at most 25% of
the larger input.

The model is open_clip's ViT-B-16 with random weights (~600 MB fp32, OpenAI key names), generated into the
bench folder and never committed; the other side of each pair is made from it by the tool itself:

  1. checkpoint (.pt) vs its conversion (.h5)                  same weights, two formats
  2. checkpoint (.pt) vs its export in HF naming (.safetensors) renamed keys, q/k/v split, projections transposed
  3. conversion (.h5) vs an fp16 export of it (.h5)             every float tensor different, dtype changed

Usage (from the repository root; needs the Python packages of Fixtures/requirements.txt):
    swift build -c release --product ldvc-convert
    python3 scripts/bench/diff_bench.py [--dir bench-out] [--binary .build/release/ldvc-convert]
"""
import argparse
import os
import re
import subprocess
import sys
import time

GENERATE = r"""
import sys, types
# torchvision from PyPI is CUDA-built; open_clip only needs its Python parts here.
sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
import torch, open_clip
torch.manual_seed(0)
model = open_clip.create_model("ViT-B-16", pretrained=None)
torch.save(model.state_dict(), sys.argv[1])
"""


def measured(command):
    """Runs `command` under /usr/bin/time -v; returns (exit code, seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    if not match:
        sys.exit(f"no RSS in /usr/bin/time's output for {' '.join(command)}:\n{result.stderr}")
    return result.returncode, elapsed, int(match.group(1)) / 1024.0, result.stdout


def run(command):
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="bench-out")
    parser.add_argument("--binary", default=".build/release/ldvc-convert")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    path = lambda name: os.path.join(args.dir, name)
    checkpoint = path("ViT-B-16-fp32.pt")
    if not os.path.exists(checkpoint):
        # A child process: loading torch here would not change the measured processes, but keeps this one small.
        subprocess.run([sys.executable, "-c", GENERATE, checkpoint], check=True)
    # open_clip's ViT-B-16 has QuickGELU off; its heads are 64 wide, so nothing else is needed.
    heads = ["--activation", "gelu"]
    for name, command in (
        ("ViT-B-16.h5", [args.binary, checkpoint, "-o", path("ViT-B-16.h5"), "--quiet", "--force", *heads]),
        ("ViT-B-16-hf.safetensors", [args.binary, "export", path("ViT-B-16.h5"), "--naming", "hf", "-o",
                                     path("ViT-B-16-hf.safetensors"), "--quiet", "--force"]),
        ("ViT-B-16-f16.h5", [args.binary, "export", path("ViT-B-16.h5"), "--dtype", "f16", "-o",
                             path("ViT-B-16-f16.h5"), "--quiet", "--force"]),
    ):
        run(command)
    pairs = (
        ("checkpoint vs conversion", checkpoint, path("ViT-B-16.h5"), 0),
        ("checkpoint vs HF export", checkpoint, path("ViT-B-16-hf.safetensors"), 0),
        ("conversion vs fp16 export", path("ViT-B-16.h5"), path("ViT-B-16-f16.h5"), 1),
    )
    print(f"model: {checkpoint} ({os.path.getsize(checkpoint) / 1e6:.0f} MB)")
    worst = 0.0
    for label, a, b, expected_exit in pairs:
        for target in (a, b):  # every side read from the page cache, as a second run would
            with open(target, "rb") as f:
                while f.read(1 << 24):
                    pass
        code, seconds, rss, stdout = measured([args.binary, "diff", a, b, *heads])
        if code != expected_exit:
            sys.exit(f"{label}: exit {code}, expected {expected_exit}\n{stdout}")
        larger = max(os.path.getsize(a), os.path.getsize(b)) / (1024.0 * 1024.0)
        share = rss / larger * 100
        worst = max(worst, share)
        summary = stdout.strip().splitlines()[-1]
        print(f"  {label:28s} {seconds:6.2f} s  peak RSS {rss:6.1f} MB = {share:4.1f}% of {larger:.0f} MiB   {summary}")
    print(f"largest peak RSS / larger input = {worst:.1f}% (target <= 25%)")


if __name__ == "__main__":
    main()
