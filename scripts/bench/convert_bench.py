#!/usr/bin/env python3
"""Conversion benchmark (issue 3): whole-process times of, in one run,

  1. `ldvc-convert` (release build) on a full-size CLIP ViT-B/16 checkpoint (torch.save zip, fp32),
  2. `cp` of the same file (the baseline),
  3. a Python pipeline: `torch.load` + h5py writing every tensor,

plus the peak RSS of each (from wait4). The checkpoint is generated with open_clip (random init,
~600 MB) into the bench folder and is never committed.

Usage (from the repository root; needs the Python packages of Fixtures/requirements.txt):
    swift build -c release --product ldvc-convert
    python3 scripts/bench/convert_bench.py [--repeat 5] [--dir bench-out] [--dtype fp32|fp16]
"""
import argparse, os, statistics, subprocess, sys, time

def timed(command, env=None):
    """Runs a command; returns (seconds, peak RSS in MB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024.0

PYTHON_PIPELINE = r"""
import sys, torch, h5py
state = torch.load(sys.argv[1], map_location="cpu", weights_only=True)
with h5py.File(sys.argv[2], "w") as f:
    for name, tensor in state.items():
        f.create_dataset(name, data=tensor.contiguous().numpy())
"""

GENERATE = r"""
import sys, types
# torchvision from PyPI is CUDA-built; open_clip only needs its Python parts here.
sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
import torch, open_clip
torch.manual_seed(0)
model = open_clip.create_model("ViT-B-16", pretrained=None)
if sys.argv[2] == "fp16":
    model = model.half()
torch.save(model.state_dict(), sys.argv[1])
"""

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", default="bench-out")
    parser.add_argument("--dtype", choices=["fp32", "fp16"], default="fp32")
    parser.add_argument("--binary", default=".build/release/ldvc-convert")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    checkpoint = os.path.join(args.dir, f"ViT-B-16-{args.dtype}.pt")
    if not os.path.exists(checkpoint):
        # Generated in a child process: a forked child inherits its parent's peak RSS, so loading
        # torch here would inflate every later measurement.
        subprocess.run([sys.executable, "-c", GENERATE, checkpoint, args.dtype], check=True)
    size_mb = os.path.getsize(checkpoint) / 1e6
    with open(checkpoint, "rb") as f:  # warm the page cache so every contestant reads from memory
        while f.read(1 << 24):
            pass
    outputs = {name: os.path.join(args.dir, f"out-{name}") for name in ("ours.h5", "cp.pt", "python.h5")}
    results = {"ldvc-convert": [], "cp": [], "torch.load+h5py": []}
    for _ in range(args.repeat):
        for path in outputs.values():
            if os.path.exists(path):
                os.remove(path)
        results["cp"].append(timed(["cp", checkpoint, outputs["cp.pt"]]))
        results["ldvc-convert"].append(timed([args.binary, checkpoint, "-o", outputs["ours.h5"], "--quiet"]))
        results["torch.load+h5py"].append(timed([sys.executable, "-c", PYTHON_PIPELINE, checkpoint, outputs["python.h5"]]))
    median = {name: statistics.median(t for t, _ in runs) for name, runs in results.items()}
    peak = {name: max(r for _, r in runs) for name, runs in results.items()}
    print(f"checkpoint: {checkpoint} ({size_mb:.0f} MB), {args.repeat} runs each, median wall time")
    for name in results:
        print(f"  {name:18s} {median[name]:7.3f} s   peak RSS {peak[name]:7.1f} MB")
    print(f"ldvc-convert / cp             = {median['ldvc-convert'] / median['cp']:.2f}x   (target <= 1.5)")
    print(f"python pipeline / ldvc-convert = {median['torch.load+h5py'] / median['ldvc-convert']:.1f}x faster (target >= 5)")
    print(f"ldvc-convert peak RSS / file size = {peak['ldvc-convert'] / size_mb * 100:.1f}% (target <= 25%)")

if __name__ == "__main__":
    main()
