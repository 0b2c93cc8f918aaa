#!/usr/bin/env python3
"""Runtime benchmark (issue 5): the Swift runtime against PyTorch CPU, in one run, same machine.

1. Builds a full-size CLIP ViT-B/16 (OpenAI `clip.model.CLIP`, random weights, seeded) with ZegCLIP's
   VPT-deep backbone (100 visual prompts per layer, 11 deep layers, position embedding resized to the
   32×32 grid of a 512×512 input), writes it in the ldvc layout (bench folder, never committed).
2. Runs `ldvc-bench` (release build) with 2 threads: OpenBLAS sgemm peak, the image encoder on one
   512×512 image (GFLOP/s of its matrix products), the text encoder on the 171 COCO-Stuff class prompts
   run only up to each end token, and the cached call.
3. Times PyTorch (same threads) on the same weights: the image encoder (Fixtures/scripts/ldvc_reference.py,
   whose blocks are OpenAI's) and `CLIP.encode_text` on the same prompts at full context (77).

Usage, from the repository root (Python packages of Fixtures/requirements.txt):
    python3 scripts/bench/runtime_bench.py [--threads 2] [--repeat 5] [--dir bench-out] [--no-build] [--reuse-model] [--verify]
        [--rounds R] [--binary LABEL=PATH[@VAR=VALUE]]...
With --rounds, Swift and PyTorch alternate R times and medians over rounds are reported (the machine is
shared); each --binary (default: the release ldvc-bench) is one Swift contestant, optionally run with one
environment variable set (e.g. `base@OPENBLAS_CORETYPE=SkylakeX`), so builds can be compared in one run.
Targets (issue 5): image encoder not slower than PyTorch; text side at least 5x faster.
"""
# The PyPI torchvision wheel is CUDA-built and breaks `import clip` on CPU-only torch; an empty stand-in
# for its `_meta_registrations` module avoids the failing operator registration (nothing here uses it).
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import argparse  # noqa: E402
import ast  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import clip  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Fixtures" / "scripts"))
sys.path.insert(0, str(ROOT / "scripts"))
import ldvc_reference as ref  # noqa: E402
import make_goldens  # noqa: E402
from ldvc_golden.taps import TapLog  # noqa: E402
from ldvc_golden.writer import write_golden  # noqa: E402


def coco_stuff_classes():
    """The 171 COCO-Stuff class names, read (not executed) from the tokenizer fixture script."""
    tree = ast.parse((ROOT / "Fixtures/scripts/make_tokenizer_goldens.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "COCO_STUFF_CLASSES":
            names = ast.literal_eval(node.value)
            assert len(names) == 171
            return names
    raise SystemExit("COCO_STUFF_CLASSES not found")


def build_model(seed=5):
    torch.manual_seed(seed)
    model = clip.model.CLIP(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768, vision_patch_size=16,
                            context_length=77, vocab_size=49408, transformer_width=512, transformer_heads=8,
                            transformer_layers=12).eval()
    with torch.no_grad():
        # ZegCLIP init_weights (notes B1.a): pos[1:] bilinearly resized once from 14×14 to 32×32.
        pos = model.visual.positional_embedding.data
        spatial = F.interpolate(pos[1:].reshape(1, 14, 14, 768).permute(0, 3, 1, 2), size=(32, 32), mode="bilinear",
                                align_corners=False)
        model.visual.positional_embedding = torch.nn.Parameter(torch.cat([pos[:1], spatial.reshape(768, 1024).t()]))
    backbone = ref.VPTVisionEncoder(model.visual, num_tokens=100, deep_layers=11).eval()
    with torch.no_grad():
        backbone.prompt_embeddings.uniform_(-0.0625, 0.0625)
        backbone.deep_prompt_embeddings.uniform_(-0.0625, 0.0625)
    segmentor = torch.nn.Module()
    segmentor.backbone = backbone
    segmentor.text_encoder = ref.PromptedTextEncoder(model)
    return model, segmentor


def write_model(segmentor, path):
    sd = {k: v.detach() for k, v in segmentor.state_dict().items()}
    groups = {
        "vision": dict(width=768, layers=12, heads=12, patch_size=16, image_size=512, grid_size=32, mlp_width=3072,
                       layer_norm_eps=1e-5, activation="quick_gelu"),
        "text": dict(width=512, layers=12, heads=8, context_length=77, vocab_size=49408, mlp_width=2048,
                     layer_norm_eps=1e-5, activation="quick_gelu"),
        "prompts/vision": dict(tokens=100, deep_layers=11, norm_eps=1e-6, class_embedding_twice=1),
    }
    make_goldens.write_layout(path, tensors=make_goldens.canonical_tensors(sd, None, None),
                              source_file="runtime_bench (synthetic)", source_bytes=b"", arch={"embed_dim": 512}, groups=groups)


def timed(function, repeat):
    function()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def full_size_verify(segmentor, model_path, image, tokens, out):
    """Every vision and text tap of the full-size model from the reference modules, checked by
    `ldvc-convert verify` at the default fp32 bound: the tiny fixtures' accuracy holds at ViT-B/16 scale."""
    taps = TapLog()
    with torch.no_grad():
        segmentor.text_encoder(tokens, taps)
        segmentor.backbone(image, taps)
    golden = out / "vitb16_vpt100_golden.h5"
    write_golden(golden, inputs={"image": image.numpy(), "text_tokens": tokens.numpy()}, taps=taps,
                 producer="scripts/bench/runtime_bench.py",
                 reference="Fixtures/scripts/ldvc_reference.py on openai-clip clip.model (full size)",
                 model=str(model_path), weights_dtype="f32")
    run = subprocess.run([str(ROOT / ".build-bench/release/ldvc-convert"), "verify", str(model_path), "--golden", str(golden),
                          "--json", "--threads", "2"], capture_output=True, text=True)
    report = json.loads(run.stdout)
    worst = max(report["taps"], key=lambda t: t["maxAbsError"] / (t["bound"] / report["relativeTolerance"]))
    return {"exit_code": run.returncode, "passed": report["passed"], "taps": len(report["taps"]),
            "worst_tap": worst["tap"], "worst_max_abs_over_max_ref": worst["maxAbsError"] / (worst["bound"] / report["relativeTolerance"]),
            "min_cosine": min(t["cosine"] for t in report["taps"])}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--dir", default="bench-out")
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--reuse-model", action="store_true", help="keep an existing model file (it is deterministic)")
    parser.add_argument("--template", default="a photo of a {}.")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--binary", action="append", default=[],
                        help="LABEL=PATH[@VAR=VALUE]: a Swift contestant (default swift=.build-bench/release/ldvc-bench)")
    parser.add_argument("--verify", action="store_true",
                        help="also write a full-size golden (1 image, 20 prompts) and run `ldvc-convert verify` on it")
    args = parser.parse_args()
    out = ROOT / args.dir
    out.mkdir(parents=True, exist_ok=True)
    if not args.no_build:
        for product in ("ldvc-bench", "ldvc-convert"):
            subprocess.run(["swift", "build", "-c", "release", "--product", product, "--scratch-path", ".build-bench"],
                           cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    model, segmentor = build_model()
    model_path = out / "vitb16_vpt100.h5"
    if not (args.reuse_model and model_path.exists()):
        write_model(segmentor, model_path)
    classes = coco_stuff_classes()
    (out / "coco_stuff_classes.txt").write_text("\n".join(classes) + "\n")

    binaries = args.binary or [f"swift={ROOT / '.build-bench/release/ldvc-bench'}"]
    torch.set_num_threads(args.threads)
    image = torch.randn(1, 3, 512, 512)
    tokens = clip.tokenize([args.template.format(name) for name in classes])  # [171, 77]
    swift_runs = {spec.split("=", 1)[0]: [] for spec in binaries}
    torch_image_runs, torch_text_runs, loads = [], [], []
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for spec in binaries:
            label, rest = spec.split("=", 1)
            path, _, variable = rest.partition("@")
            env = dict(os.environ)
            if variable:
                name, value = variable.split("=", 1)
                env[name] = value
            swift_runs[label].append(json.loads(subprocess.run(
                [path, str(model_path), "--threads", str(args.threads), "--repeat", str(args.repeat), "--classes",
                 str(out / "coco_stuff_classes.txt"), "--template", args.template],
                check=True, capture_output=True, text=True, env=env).stdout))
        with torch.no_grad():
            torch_image_runs.append(timed(lambda: segmentor.backbone(image), args.repeat))
            torch_text_runs.append(timed(lambda: model.encode_text(tokens), args.repeat))
    torch_image = (statistics.median(r[0] for r in torch_image_runs), min(r[1] for r in torch_image_runs))
    torch_text = (statistics.median(r[0] for r in torch_text_runs), min(r[1] for r in torch_text_runs))
    swift = swift_runs[binaries[0].split("=", 1)[0]][0]
    gflop = swift["image"]["gflop"]
    peak = max(max(run["sgemm_gflops"].values()) for runs in swift_runs.values() for run in runs)
    contestants = {}
    for label, runs in swift_runs.items():
        image_seconds = statistics.median(run["image"]["median_seconds"] for run in runs)
        text_seconds = statistics.median(run["text"]["median_seconds"] for run in runs)
        contestants[label] = {
            "blas_kernels": runs[0].get("blas_kernels", "linked (no report)"),
            "image_seconds_median": image_seconds,
            "image_seconds_min": min(run["image"]["min_seconds"] for run in runs),
            "image_speedup_vs_torch": torch_image[0] / image_seconds,
            "image_gflops": gflop / image_seconds,
            "image_fraction_of_sgemm_peak": gflop / image_seconds / peak,
            "text_seconds_median": text_seconds,
            "text_speedup_vs_torch": torch_text[0] / text_seconds,
            "sgemm_peak_gflops_median": statistics.median(max(run["sgemm_gflops"].values()) for run in runs),
        }
    result = {
        "threads": args.threads, "rounds": args.rounds, "load_average_1min_at_round_start": loads,
        "sgemm_peak_gflops": swift["sgemm_gflops"],
        "image_512_vpt100": {
            "swift_seconds": swift["image"]["median_seconds"], "torch_seconds": torch_image[0],
            "torch_seconds_min": torch_image[1],
            "speedup_vs_torch": torch_image[0] / swift["image"]["median_seconds"],
            "gflop": gflop, "swift_gflops": swift["image"]["gflops_per_second"], "torch_gflops": gflop / torch_image[0],
            "swift_fraction_of_sgemm_peak": swift["image"]["gflops_per_second"] / max(swift["sgemm_gflops"].values()),
        },
        "text_171_prompts": {
            "swift_seconds": swift["text"]["median_seconds"], "swift_cached_seconds": swift["text"]["cached_seconds"],
            "torch_full_context_seconds": torch_text[0],
            "speedup_vs_torch": torch_text[0] / swift["text"]["median_seconds"],
            "mean_tokens_per_prompt": swift["text"]["mean_tokens"], "context": swift["text"]["context"],
        },
        "swift_contestants": contestants,
        "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
    }
    if args.verify:
        result["full_size_verify"] = full_size_verify(segmentor, model_path, image, tokens[:20], out)
    (out / "runtime_bench.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
