#!/usr/bin/env python3
"""Inference benchmark: the Swift runtime's `segment` and `embed` pipelines against PyTorch (and ONNX
Runtime for `embed`), file to file, same image, same weights, same thread count, interleaved in one run.

Models (random weights of the real shapes, seeded, written into --dir, never committed):
  zegclip  ZegCLIP VOC: OpenAI CLIP ViT-B/16 at 512 (32×32 grid), 10 deep visual prompts × 11 layers,
           ATM decoder D=512, 8 heads, 3 layers, MLP 2048 (Fixtures/scripts/ldvc_reference.py).
  ldvc     LDVC VOC: the same backbone with 40 visual prompts, 6 language prompts in all 12 text layers,
           the local consensus decoder (2 blocks, taps [7, 11], learned tap projections, depthwise 3×3,
           route attention 8×8 windows top-16, GELU MLP 2048).
  clip     OpenAI CLIP ViT-B/16 at 224 (QuickGELU), loaded into open_clip's `ViT-B-16-quickgelu` and
           exported to ONNX (visual tower) for ONNX Runtime.
Image: Fixtures/images/scene.jpg upscaled to 500×375 (JPEG); MMSeg's test pipeline resizes it to
683×512, i.e. two 512×512 windows at stride 426.

Contestants (each a fresh process per round; rounds interleave them; medians reported):
  segment  `ldvc-bench segment` (OpenCV-exact decode → MMSeg resize/normalise → class embeddings of the
           20 VOC names → sliding window → resize to 500×375 + argmax → label PNG) against the same steps in
           PyTorch (cv2 decode/resize, reference modules, F.interpolate, argmax, cv2.imwrite).
  embed    `ldvc-bench embed` (Pillow-exact decode → CLIP preprocessing → image tower → embedding file)
           against open_clip (PIL + its preprocess + encode_image) and ONNX Runtime (PIL + numpy
           preprocessing + the exported visual tower).
Whole-process wall time and peak RSS come from wait4; every process also reports its own warm per-call
times (the pipeline again in the same process, model loaded, class embeddings cached on both sides).

Usage (repository root; Python packages of Fixtures/requirements.txt plus onnx/onnxruntime):
    swift build -c release --product ldvc-bench --scratch-path .build-bench
    python3 scripts/bench/inference_bench.py [--threads 2] [--rounds 5] [--warm 3] [--dir bench-out/inference]
"""
# The PyPI torchvision wheel is CUDA-built and breaks `import clip` on CPU-only torch; an empty stand-in
# for its `_meta_registrations` module avoids the failing operator registration (nothing here uses it).
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / ".build-bench/release/ldvc-bench"

VOC = ["aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog",
       "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor"]

LDVC_OPTIONS = dict(blocks=2, tap_layers=[7, 11], tap_projection="learned", tap_norm_eps=1e-5, conv="depthwise",
                    conv_kernel=3, fusion="add_then_conv", norm_position="pre", norm_eps=1e-6, mlp_width=2048,
                    activation="gelu", route_windows=8, route_topk=16, route_scale="qk_dim", route_lepe_kernel=0,
                    route_output_projection=1, class_norm=0, final_norm=0)
SETTINGS = {"zegclip": dict(visual_tokens=10, text_tokens=0), "ldvc": dict(visual_tokens=40, text_tokens=6)}


# ---------------------------------------------------------------------------------------------
# Models (generated once per --dir)
# ---------------------------------------------------------------------------------------------

def build_segmentor(kind):
    """A full-size ZegCLIP or LDVC VOC model from the reference modules, seeded."""
    import torch
    import torch.nn.functional as F
    import clip
    sys.path.insert(0, str(ROOT / "Fixtures" / "scripts"))
    sys.path.insert(0, str(ROOT / "scripts"))
    import ldvc_reference as ref
    from ldvc_golden.segmentation import Segmentor
    torch.manual_seed(11 if kind == "zegclip" else 12)
    model = clip.model.CLIP(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768, vision_patch_size=16,
                            context_length=77, vocab_size=49408, transformer_width=512, transformer_heads=8,
                            transformer_layers=12).eval()
    with torch.no_grad():
        # ZegCLIP init_weights: pos[1:] bilinearly resized once from 14×14 to the 32×32 grid of 512×512.
        pos = model.visual.positional_embedding.data
        spatial = F.interpolate(pos[1:].reshape(1, 14, 14, 768).permute(0, 3, 1, 2), size=(32, 32), mode="bilinear",
                                align_corners=False)
        model.visual.positional_embedding = torch.nn.Parameter(torch.cat([pos[:1], spatial.reshape(768, 1024).t()]))
    s = SETTINGS[kind]
    backbone = ref.VPTVisionEncoder(model.visual, num_tokens=s["visual_tokens"], deep_layers=11)
    text = ref.PromptedTextEncoder(model, num_tokens=s["text_tokens"], layers=12 if s["text_tokens"] else 0)
    if kind == "zegclip":
        head, options = ref.ZegCLIPHead(512, 8, layers=3, mlp=2048), None
    else:
        head, options = ref.LDVCHead(512, 8, LDVC_OPTIONS, vision_width=768), LDVC_OPTIONS
    segmentor = Segmentor(kind, backbone, text, head, options=options, image_size=512, crop_size=512, stride=426,
                          seen=[], seen_offset=0.1)
    with torch.no_grad():
        backbone.prompt_embeddings.uniform_(-0.0625, 0.0625)
        backbone.deep_prompt_embeddings.uniform_(-0.0625, 0.0625)
        if text.prompt_embeddings is not None:
            text.prompt_embeddings.normal_(0, 0.02)
    return segmentor.eval()


def write_segmentor(kind, segmentor, out):
    import torch
    sys.path.insert(0, str(ROOT / "Fixtures" / "scripts"))
    import make_goldens
    sd = {k: v.detach() for k, v in segmentor.state_dict().items()}
    # The whole module, so the PyTorch contestant loads it without constructing (and initialising) one.
    torch.save(segmentor, out / f"{kind}_module.pt")
    s = SETTINGS[kind]
    head = dict(kind=kind, width=512, heads=8, image_size=512, seen_offset=0.1, crop_size=512, stride=426,
                pixel_mean=[123.675, 116.28, 103.53], pixel_std=[58.395, 57.12, 57.375])
    if kind == "zegclip":
        head.update(layers=3, mlp_width=2048, norm_eps=1e-5)
    else:
        o = LDVC_OPTIONS
        head.update({k: o[k] for k in ("blocks", "tap_projection", "conv", "fusion", "norm_position", "activation",
                                       "route_windows", "route_topk", "route_scale", "route_lepe_kernel",
                                       "route_output_projection", "class_norm", "final_norm", "mlp_width")})
        head.update(tap_layers=list(o["tap_layers"]), tap_norm_eps=float(o["tap_norm_eps"]), norm_eps=float(o["norm_eps"]),
                    conv_kernel=o["conv_kernel"], conv_input_width=1)
    groups = {
        "vision": dict(width=768, layers=12, heads=12, patch_size=16, image_size=512, grid_size=32, mlp_width=3072,
                       layer_norm_eps=1e-5, activation="quick_gelu"),
        "text": dict(width=512, layers=12, heads=8, context_length=77, vocab_size=49408, mlp_width=2048,
                     layer_norm_eps=1e-5, activation="quick_gelu"),
        "prompts/vision": dict(tokens=s["visual_tokens"], deep_layers=11, norm_eps=1e-6, class_embedding_twice=1),
        "head": head,
    }
    if s["text_tokens"]:
        groups["prompts/text"] = dict(tokens=s["text_tokens"], layers=12, start=1, add_position_at_first_layer=0,
                                      template=" ".join(["X"] * s["text_tokens"] + ["{}"]))
    make_goldens.write_layout(out / f"{kind}.h5", tensors=make_goldens.canonical_tensors(sd, kind, LDVC_OPTIONS),
                              source_file=f"{kind}.pth (inference_bench, synthetic)", source_bytes=b"",
                              arch={"embed_dim": 512}, groups=groups)


def write_clip(out):
    """OpenAI ViT-B/16 (random, seeded): ldvc layout for Swift, open_clip state dict, ONNX visual tower."""
    import torch
    import clip
    import open_clip
    sys.path.insert(0, str(ROOT / "Fixtures" / "scripts"))
    import make_goldens
    torch.manual_seed(13)
    model = clip.model.CLIP(embed_dim=512, image_resolution=224, vision_layers=12, vision_width=768, vision_patch_size=16,
                            context_length=77, vocab_size=49408, transformer_width=512, transformer_heads=8,
                            transformer_layers=12).eval()
    state = {k: v.detach() for k, v in model.state_dict().items()}
    # canonical_tensors maps a ZegCLIP state dict; give it the plain towers under its prefixes and
    # placeholder prompts, then leave the prompts out of the file.
    sd = {("backbone." + k[len("visual."):] if k.startswith("visual.") else "text_encoder." + k): v
          for k, v in state.items() if k != "logit_scale"}
    for name, shape in (("prompt_embeddings", (1, 1, 768)), ("deep_prompt_embeddings", (1, 1, 768)),
                        ("prompt_proj.weight", (768, 768)), ("prompt_proj.bias", (768,)),
                        ("prompt_norm.weight", (768,)), ("prompt_norm.bias", (768,))):
        sd["backbone." + name] = torch.zeros(shape)
    tensors = [t for t in make_goldens.canonical_tensors(sd, None, None) if not t[0].startswith("prompts.")]
    groups = {
        "vision": dict(width=768, layers=12, heads=12, patch_size=16, image_size=224, grid_size=14, mlp_width=3072,
                       layer_norm_eps=1e-5, activation="quick_gelu"),
        "text": dict(width=512, layers=12, heads=8, context_length=77, vocab_size=49408, mlp_width=2048,
                     layer_norm_eps=1e-5, activation="quick_gelu"),
    }
    make_goldens.write_layout(out / "clip.h5", tensors=tensors, source_file="clip.pth (inference_bench, synthetic)",
                              source_bytes=b"", arch={"embed_dim": 512}, groups=groups)
    oc = open_clip.create_model("ViT-B-16-quickgelu", pretrained=None).eval()
    oc.load_state_dict(state, strict=True)
    torch.save(oc, out / "clip_module.pt")
    torch.onnx.export(oc.visual, torch.randn(1, 3, 224, 224), str(out / "clip_visual.onnx"), input_names=["image"],
                      output_names=["embedding"], opset_version=17, dynamo=False)


def make_image(out):
    from PIL import Image
    image = Image.open(ROOT / "Fixtures/images/scene.jpg").convert("RGB").resize((500, 375), Image.BICUBIC)
    image.save(out / "scene_500x375.jpg", quality=92)


# ---------------------------------------------------------------------------------------------
# PyTorch / ONNX Runtime contestants (run as `python3 inference_bench.py --worker …`)
# ---------------------------------------------------------------------------------------------

def worker_segment(kind, directory, image_path, output, threads, warm):
    t0 = time.perf_counter()
    import cv2
    import numpy as np
    import torch
    import torch.nn.functional as F
    import clip
    sys.path.insert(0, str(ROOT / "Fixtures" / "scripts"))
    import ldvc_reference as ref
    torch.set_num_threads(threads)
    sys.path.insert(0, str(ROOT / "scripts"))
    import ldvc_golden.segmentation  # noqa: F401  (the pickled module's classes)
    segmentor = torch.load(Path(directory) / f"{kind}_module.pt", weights_only=False).eval()
    load = time.perf_counter() - t0
    mean = np.array([123.675, 116.28, 103.53], dtype=np.float32)
    inverse_std = 1 / np.array([58.395, 57.12, 57.375], dtype=np.float64)
    template = " ".join(["X"] * SETTINGS[kind]["text_tokens"] + ["{}"]) if SETTINGS[kind]["text_tokens"] else "a photo of a {}"
    cache = {}

    def once():
        stages = {}
        t = time.perf_counter()
        bgr = cv2.imread(image_path, cv2.IMREAD_COLOR)
        stages["decode"] = time.perf_counter() - t
        t = time.perf_counter()
        height, width = bgr.shape[:2]
        scale = min(2048 / max(height, width), 512 / min(height, width))
        scale = max(scale, 512 / min(height, width))
        resized = cv2.resize(bgr, (int(width * scale + 0.5), int(height * scale + 0.5)), interpolation=cv2.INTER_LINEAR)
        rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB).astype(np.float32)
        normalised = cv2.multiply(cv2.subtract(rgb, mean[None]), inverse_std[None].astype(np.float32))
        image = torch.from_numpy(normalised.transpose(2, 0, 1).copy())[None]
        stages["preprocess"] = time.perf_counter() - t
        t = time.perf_counter()
        with torch.no_grad():
            if "classes" not in cache:
                tokens = clip.tokenize([template.format(name) for name in VOC])
                cache["classes"] = segmentor.text_features(tokens)
        stages["class_embeddings"] = time.perf_counter() - t
        t = time.perf_counter()
        with torch.no_grad():
            classes = cache["classes"]
            scores = ref.slide_inference(image, 512, 426, len(VOC), lambda crop: segmentor.crop_scores(crop, classes))
            labels = F.interpolate(scores, size=(height, width), mode="bilinear", align_corners=False).argmax(dim=1)[0]
        stages["sliding_window"] = time.perf_counter() - t
        t = time.perf_counter()
        cv2.imwrite(output, labels.numpy().astype(np.uint8))
        stages["png"] = time.perf_counter() - t
        return stages

    cold = once()
    runs = [once() for _ in range(warm)]
    result = {"load_seconds": load, "cold_stages": cold,
              "warm_stage_medians": {k: statistics.median(r[k] for r in runs) for k in cold} if runs else {},
              "warm_total_seconds": [sum(r.values()) for r in runs]}
    if warm:
        # Tower alone and tower + head on one 512×512 crop; for LDVC also one route attention call
        # on the full 32×32×512 map.
        crop = torch.randn(1, 3, 512, 512)
        classes = cache["classes"]
        tower, whole, route = [], [], []
        with torch.no_grad():
            for _ in range(warm):
                t = time.perf_counter()
                segmentor.backbone(crop, keep=segmentor.keep_layers())
                tower.append(time.perf_counter() - t)
                t = time.perf_counter()
                segmentor.crop_scores(crop, classes)
                whole.append(time.perf_counter() - t)
                if kind == "ldvc":
                    features = torch.randn(1, 32, 32, 512)
                    t = time.perf_counter()
                    segmentor.decode_head.decoder[0].attn(features)
                    route.append(time.perf_counter() - t)
        result["crop_split"] = {"tower_seconds": statistics.median(tower), "crop_seconds": statistics.median(whole),
                                "head_seconds": statistics.median(whole) - statistics.median(tower)}
        if route:
            result["crop_split"]["route_attention_seconds"] = statistics.median(route)
    return result


def worker_open_clip(directory, image_path, output, threads, warm):
    t0 = time.perf_counter()
    import numpy as np
    import torch
    import open_clip
    from PIL import Image
    torch.set_num_threads(threads)
    model = torch.load(Path(directory) / "clip_module.pt", weights_only=False).eval()
    preprocess = open_clip.image_transform(224, is_train=False)
    load = time.perf_counter() - t0

    def once():
        stages = {}
        t = time.perf_counter()
        image = Image.open(image_path).convert("RGB")
        image.load()
        stages["decode"] = time.perf_counter() - t
        t = time.perf_counter()
        pixels = preprocess(image)[None]
        stages["preprocess"] = time.perf_counter() - t
        t = time.perf_counter()
        with torch.no_grad():
            embedding = model.encode_image(pixels)
        stages["encode"] = time.perf_counter() - t
        t = time.perf_counter()
        embedding.numpy().astype(np.float32).tofile(output)
        stages["write"] = time.perf_counter() - t
        return stages

    cold = once()
    runs = [once() for _ in range(warm)]
    return {"load_seconds": load, "cold_stages": cold,
            "warm_stage_medians": {k: statistics.median(r[k] for r in runs) for k in cold} if runs else {},
            "warm_total_seconds": [sum(r.values()) for r in runs]}


def worker_onnxruntime(directory, image_path, output, threads, warm):
    t0 = time.perf_counter()
    import numpy as np
    import onnxruntime
    from PIL import Image
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(Path(directory) / "clip_visual.onnx"), options,
                                           providers=["CPUExecutionProvider"])
    load = time.perf_counter() - t0
    mean = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
    std = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)

    def once():
        stages = {}
        t = time.perf_counter()
        image = Image.open(image_path).convert("RGB")
        image.load()
        stages["decode"] = time.perf_counter() - t
        t = time.perf_counter()
        width, height = image.size
        size = (224, int(224 * height / width)) if width <= height else (int(224 * width / height), 224)
        resized = image.resize(size, Image.BICUBIC)
        left, top = int(round((size[0] - 224) / 2)), int(round((size[1] - 224) / 2))
        cropped = np.asarray(resized.crop((left, top, left + 224, top + 224)), dtype=np.float32) / 255
        pixels = ((cropped - mean) / std).transpose(2, 0, 1)[None].copy()
        stages["preprocess"] = time.perf_counter() - t
        t = time.perf_counter()
        embedding = session.run(None, {"image": pixels})[0]
        stages["encode"] = time.perf_counter() - t
        t = time.perf_counter()
        embedding.astype(np.float32).tofile(output)
        stages["write"] = time.perf_counter() - t
        return stages

    cold = once()
    runs = [once() for _ in range(warm)]
    return {"load_seconds": load, "cold_stages": cold,
            "warm_stage_medians": {k: statistics.median(r[k] for r in runs) for k in cold} if runs else {},
            "warm_total_seconds": [sum(r.values()) for r in runs]}


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------

def timed_process(command):
    """Runs one process; returns (wall seconds, peak RSS MB, its JSON report)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout = process.stdout.read()
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(command)}\n{stderr.decode()[-2000:]}")
    return elapsed, usage.ru_maxrss / 1024.0, json.loads(stdout), usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warm", type=int, default=3, help="warm pipeline runs inside each process")
    parser.add_argument("--dir", default="bench-out/inference")
    parser.add_argument("--only", default="segment,embed")
    parser.add_argument("--worker", nargs="*")
    args = parser.parse_args()
    if args.worker:
        kind, directory, image, output = args.worker
        if kind in ("zegclip", "ldvc"):
            result = worker_segment(kind, directory, image, output, args.threads, args.warm)
        elif kind == "open_clip":
            result = worker_open_clip(directory, image, output, args.threads, args.warm)
        else:
            result = worker_onnxruntime(directory, image, output, args.threads, args.warm)
        print(json.dumps(result))
        return

    out = (ROOT / args.dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(","))
    if not (out / "scene_500x375.jpg").exists():
        make_image(out)
    if "segment" in only:
        for kind in ("zegclip", "ldvc"):
            if not (out / f"{kind}.h5").exists():
                write_segmentor(kind, build_segmentor(kind), out)
    if "embed" in only and not (out / "clip_visual.onnx").exists():
        write_clip(out)
    if args.rounds == 0:
        print(f"models and image ready in {out}")
        return
    image = str(out / "scene_500x375.jpg")
    threads, warm = str(args.threads), str(args.warm)
    me = [sys.executable, str(Path(__file__).resolve())]
    contestants = {}
    if "segment" in only:
        for kind in ("zegclip", "ldvc"):
            contestants[f"segment_{kind}_swift"] = [str(BENCH), "segment", str(out / f"{kind}.h5"), "--image", image,
                                                   "--output", str(out / f"{kind}_swift.png"), "--threads", threads,
                                                   "--repeat", warm]
            contestants[f"segment_{kind}_torch"] = me + ["--threads", threads, "--warm", warm, "--worker", kind, str(out),
                                                          image, str(out / f"{kind}_torch.png")]
    if "embed" in only:
        contestants["embed_swift"] = [str(BENCH), "embed", str(out / "clip.h5"), "--image", image, "--output",
                                      str(out / "clip_swift.f32"), "--threads", threads, "--repeat", warm]
        contestants["embed_open_clip"] = me + ["--threads", threads, "--warm", warm, "--worker", "open_clip", str(out),
                                               image, str(out / "clip_open_clip.f32")]
        contestants["embed_onnxruntime"] = me + ["--threads", threads, "--warm", warm, "--worker", "onnxruntime",
                                                 str(out), image, str(out / "clip_ort.f32")]
    samples = {name: [] for name in contestants}
    loads = []
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for name, command in contestants.items():
            samples[name].append(timed_process(command))
    report = {"threads": args.threads, "rounds": args.rounds, "warm_runs_per_process": args.warm,
              "load_average_1min_at_round_start": loads}
    for name, runs in samples.items():
        warm_totals = [t for _, _, r, _ in runs for t in r.get("warm_total_seconds", [])]
        report[name] = {
            "process_seconds_median": statistics.median(w for w, _, _, _ in runs),
            "process_seconds_all": [round(w, 3) for w, _, _, _ in runs],
            "process_cpu_seconds_median": statistics.median(c for _, _, _, c in runs),
            "peak_rss_mb_median": statistics.median(m for _, m, _, _ in runs),
            "load_seconds_median": statistics.median(r["load_seconds"] for _, _, r, _ in runs),
            "cold_stages_median": {k: statistics.median(r["cold_stages"][k] for _, _, r, _ in runs)
                                   for k in runs[0][2]["cold_stages"]},
            "warm_call_seconds_median": statistics.median(warm_totals) if warm_totals else None,
            "warm_stage_medians": {k: statistics.median(r["warm_stage_medians"][k] for _, _, r, _ in runs)
                                   for k in runs[0][2].get("warm_stage_medians", {})},
        }
        if "blas_kernels" in runs[0][2]:
            report[name]["blas_kernels"] = runs[0][2]["blas_kernels"]
        if "crop_split" in runs[0][2]:
            report[name]["crop_split_median"] = {k: statistics.median(r["crop_split"][k] for _, _, r, _ in runs)
                                                 for k in runs[0][2]["crop_split"]}

    def ratio(baseline, contestant, key):
        a, b = report.get(baseline, {}).get(key), report.get(contestant, {}).get(key)
        return a / b if a and b else None

    report["speedups"] = {}
    for kind in ("zegclip", "ldvc"):
        if f"segment_{kind}_swift" in report:
            report["speedups"][f"segment_{kind}_vs_torch"] = {
                "process": ratio(f"segment_{kind}_torch", f"segment_{kind}_swift", "process_seconds_median"),
                "warm_call": ratio(f"segment_{kind}_torch", f"segment_{kind}_swift", "warm_call_seconds_median")}
    if "embed_swift" in report:
        for other in ("open_clip", "onnxruntime"):
            report["speedups"][f"embed_vs_{other}"] = {
                "process": ratio(f"embed_{other}", "embed_swift", "process_seconds_median"),
                "warm_call": ratio(f"embed_{other}", "embed_swift", "warm_call_seconds_median")}
    (out / "inference_bench.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
