#!/usr/bin/env python3
"""The write pipeline at full size: whole-process wall time and peak RSS, interleaved in one run.

  convert       `ldvc-convert ViT-B-16.pt`            against `cp` of the checkpoint and `openssl dgst -sha256`
                (the conversion hashes its input on the second core while it copies, so the slower of the
                two is the floor), and `cp` + `sync` of the copy (ours fsyncs before its rename)
  init-prompts  `ldvc-convert init-prompts model.h5`   against `cp` of the converted file
  import        `ldvc-convert import zegclip.pth`      against `cp` and `openssl dgst -sha256` of that checkpoint

The inputs are generated into --dir (never committed): open_clip's ViT-B/16 (random init, fp32, ~600 MB)
and a ZegCLIP MMSegmentation checkpoint of the real shapes built from it (VPT prompts 100 × 11, ATM
decoder D=512, 3 layers). Each round runs every contestant once, in a fixed order, on a warm page cache, after an untimed `sync`;
the report gives medians and the ratios the project's targets are stated in.

Usage (from the repository root; Python with torch and open_clip):
    swift build -c release --product ldvc-convert
    python3 scripts/bench/pipeline_bench.py [--repeat 5] [--dir bench-out]
"""
import argparse, json, os, statistics, subprocess, sys, time

GENERATE = r"""
import sys, types
sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
import torch, open_clip
torch.manual_seed(0)
model = open_clip.create_model("ViT-B-16", pretrained=None)
state = model.state_dict()
torch.save(state, sys.argv[1])

# ZegCLIP as MMSegmentation saves it: the CLIP towers under backbone./text_encoder., VPT prompts, the
# ATM decoder; random values of the real shapes.
W, D, N, deep, mlp = 768, 512, 100, 11, 2048
mmseg = {}
for key, value in state.items():
    if key.startswith("visual."):
        mmseg["backbone." + key[len("visual."):]] = value
    elif key != "logit_scale":
        mmseg["text_encoder." + key] = value
g = torch.Generator().manual_seed(1)
r = lambda *shape: torch.randn(*shape, generator=g) * 0.02
mmseg.update({
    "backbone.prompt_embeddings": r(1, N, W), "backbone.deep_prompt_embeddings": r(deep, N, W),
    "backbone.prompt_proj.weight": r(W, W), "backbone.prompt_proj.bias": r(W),
    "backbone.prompt_norm.weight": torch.ones(W), "backbone.prompt_norm.bias": torch.zeros(W),
    "decode_head.q_proj.weight": r(D, 2 * D), "decode_head.q_proj.bias": r(D),
    "decode_head.loss_decode.criterion.empty_weight": torch.ones(16),
})
for i in range(3):
    p = f"decode_head.decoder_1.layers.{i}."
    for name in ("q", "k", "v", "proj"):
        mmseg[p + f"multihead_attn.{name}.weight"] = r(D, D)
        mmseg[p + f"multihead_attn.{name}.bias"] = r(D)
    for name in ("norm1", "norm2", "norm3"):
        mmseg[p + f"{name}.weight"] = torch.ones(D)
        mmseg[p + f"{name}.bias"] = torch.zeros(D)
    mmseg[p + "linear1.weight"], mmseg[p + "linear1.bias"] = r(mlp, D), r(mlp)
    mmseg[p + "linear2.weight"], mmseg[p + "linear2.bias"] = r(D, mlp), r(D)
    mmseg[p + "self_attn.in_proj_weight"], mmseg[p + "self_attn.in_proj_bias"] = r(3 * D, D), r(3 * D)
    mmseg[p + "self_attn.out_proj.weight"], mmseg[p + "self_attn.out_proj.bias"] = r(D, D), r(D)
config = "model = dict(backbone=dict(num_tokens=100, total_d_layer=11), decode_head=dict(num_heads=8, img_size=512), " \
         "test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(426, 426)))"
torch.save({"meta": {"config": config, "CLASSES": [f"class{i}" for i in range(16)]}, "state_dict": mmseg}, sys.argv[2])
"""


def timed(command):
    """Runs a command; returns (wall seconds, peak RSS in MB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    stderr = process.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024.0


def warm(path):
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", default="bench-out")
    parser.add_argument("--binary", default=".build/release/ldvc-convert")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    clip = os.path.join(args.dir, "ViT-B-16-fp32.pt")
    zegclip = os.path.join(args.dir, "zegclip-ViT-B-16.pth")
    if not (os.path.exists(clip) and os.path.exists(zegclip)):
        # A child process: a forked child inherits its parent's peak RSS, so loading torch here would
        # inflate every later measurement.
        subprocess.run([sys.executable, "-c", GENERATE, clip, zegclip], check=True)
    out = lambda name: os.path.join(args.dir, name)
    model = out("model.h5")
    subprocess.run([args.binary, clip, "-o", model, "--force", "--quiet"], check=True)
    contestants = [
        ("cp checkpoint", ["cp", clip, out("copy.pt")]),
        # Our outputs are fsynced before the rename (a power loss leaves the old file or the new one);
        # `cp` is not, so the durable copy is shown too: `sync FILE` fsyncs that one file.
        ("cp+fsync checkpoint", ["sh", "-c", 'cp "$0" "$1" && sync "$1"', clip, out("copy-synced.pt")]),
        ("sha256 checkpoint", ["openssl", "dgst", "-sha256", clip]),
        ("convert", [args.binary, clip, "-o", out("converted.h5"), "--force", "--quiet"]),
        ("cp model.h5", ["cp", model, out("copy.h5")]),
        ("init-prompts", [args.binary, "init-prompts", model, "-o", out("prompts.h5"), "--force", "--quiet"]),
        ("cp zegclip", ["cp", zegclip, out("copy.pth")]),
        ("sha256 zegclip", ["openssl", "dgst", "-sha256", zegclip]),
        ("import", [args.binary, "import", zegclip, "-o", out("imported.h5"), "--force", "--quiet"]),
    ]
    for path in (clip, zegclip, model):
        warm(path)
    runs = {name: [] for name, _ in contestants}
    for _ in range(args.repeat):
        for name, command in contestants:
            # Untimed: write back what the previous contestant left dirty (a `cp` leaves 600 MB), so a
            # contestant that fsyncs its own output does not also wait for another's writeback.
            os.sync()
            runs[name].append(timed(command))
    median = {name: statistics.median(t for t, _ in r) for name, r in runs.items()}
    peak = {name: max(m for _, m in r) for name, r in runs.items()}
    size = {name: os.path.getsize(path) / 1e6 for name, path in (("clip", clip), ("model", model), ("zegclip", zegclip))}
    print(f"{args.repeat} interleaved rounds, median wall time and peak RSS per contestant")
    print(f"inputs: {clip} {size['clip']:.0f} MB, {model} {size['model']:.0f} MB, {zegclip} {size['zegclip']:.0f} MB")
    for name in runs:
        print(f"  {name:18s} {median[name]:7.3f} s   peak RSS {peak[name]:7.1f} MB")
    convert_floor = max(median["cp checkpoint"], median["sha256 checkpoint"])
    import_floor = max(median["cp zegclip"], median["sha256 zegclip"])
    ratios = {
        "convert / max(cp, sha256)": median["convert"] / convert_floor,
        "convert / max(cp+fsync, sha256)": median["convert"] / max(median["cp+fsync checkpoint"], median["sha256 checkpoint"]),
        "init-prompts / cp": median["init-prompts"] / median["cp model.h5"],
        "import / max(cp, sha256)": median["import"] / import_floor,
        "convert peak RSS / file %": peak["convert"] / size["clip"] * 100,
        "init-prompts peak RSS / file %": peak["init-prompts"] / size["model"] * 100,
        "import peak RSS / file %": peak["import"] / size["zegclip"] * 100,
    }
    targets = {"convert / max(cp, sha256)": 1.25, "init-prompts / cp": 2.0, "init-prompts peak RSS / file %": 25.0}
    for name, value in ratios.items():
        target = f"   (target <= {targets[name]})" if name in targets else ""
        print(f"{name:32s} {value:7.2f}{target}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"median_seconds": median, "peak_rss_mb": peak, "sizes_mb": size, "ratios": ratios}, f, indent=2)


if __name__ == "__main__":
    main()
