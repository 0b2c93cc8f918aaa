#!/usr/bin/env python3
"""Reference numbers for the Inference target (`embed`, `classify`, `segment`): what the real libraries give
on the test picture `Fixtures/images/scene.{jpg,png}` with the tiny fixture models.

What it makes (under Fixtures/inference/):

* classify_reference.json  zero-shot probabilities of the tiny OpenAI CLIP (`torch/openai_fp32.pt`, through
  openai-clip's `build_model` and `preprocess`) and the tiny open_clip model (`torch/open_clip/`, through
  open_clip's `create_model_and_transforms` and `preprocess_val`) on scene.jpg and scene.png, for three prompts
  given as token ids (the tiny models have their own 1000-token vocabulary): per model the token ids,
  `logit_scale.exp()`, the logits `logit_scale.exp() * img_n @ txt_n.T` and their softmax (float32 written
  as the float64 it converts to, so the numbers are exact).
* preprocess_reference.h5  the model inputs those libraries make: `/open_clip_32/scene.jpg` (open_clip's
  `preprocess_val` at 32), `/openai_32/scene.jpg` (clip's `_transform(32)`), and `/zegclip_2048x512/scene.jpg`
  (ZegCLIP's MMSeg 0.x test pipeline at its real scale: mmcv.imread, `mmcv.imrescale` to (2048, 512) with
  min_size 512, `mmcv.imnormalize` with ImageNet statistics, to_rgb), float32 CHW, gzip.

The ZegCLIP pipeline at the tiny model's scale and the CLIP inputs of the goldens are checked against
`Fixtures/runtime/goldens/scene_*.h5`, which `scripts/make_golden.py` made with the same libraries.

Run from the repository root (torch, openai-clip, open_clip_torch, mmcv-lite, h5py, numpy, Pillow):

    python3 Fixtures/scripts/make_inference_references.py

Deterministic; reruns give byte-identical files.
"""
import sys
import types

# The CUDA-built torchvision wheel's `_meta_registrations` fails on CPU-only torch; nothing here needs it.
sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from ldvc_golden import clip_models  # noqa: E402
from ldvc_golden.images import mmseg_test_pipeline  # noqa: E402

OUT = ROOT / "Fixtures" / "inference"
IMAGES = ["scene.jpg", "scene.png"]
# The prompts of scene_openai_fp32.h5 (token ids of the tiny vocabulary: 998 = SOT, 999 = EOT).
TOKEN_IDS = [[998, 320, 125, 999], [998, 320, 539, 268, 17, 999], [998] + list(range(5, 19)) + [999]]


def tokens(context):
    rows = np.zeros((len(TOKEN_IDS), context), dtype=np.int64)
    for index, ids in enumerate(TOKEN_IDS):
        rows[index, :len(ids)] = ids
    return torch.from_numpy(rows)


def exact(array):
    """float32 values as the float64 numbers they are (JSON keeps them exactly)."""
    return np.asarray(array, dtype=np.float32).astype(np.float64).tolist()


def classify(reference, name, model_files):
    model = reference.model
    pictures = [Image.open(ROOT / "Fixtures" / "images" / file).convert("RGB") for file in IMAGES]
    with torch.no_grad():
        images = reference.preprocess(pictures)
        image_features = reference.encode_image(images)
        text_features = reference.encode_text(tokens(reference.context_length))
        image_features = image_features / image_features.norm(dim=-1, keepdim=True)
        text_features = text_features / text_features.norm(dim=-1, keepdim=True)
        scale = model.logit_scale.exp()
        logits = scale * image_features @ text_features.t()
        probabilities = logits.softmax(dim=-1)
    return {
        "model": name, "model_files": model_files, "images": IMAGES, "token_ids": TOKEN_IDS,
        "reference": reference.reference, "preprocessing": reference.preprocessing,
        "logit_scale": exact(scale.reshape(())), "logits": exact(logits.numpy()),
        "probabilities": exact(probabilities.numpy()),
    }, images[0].numpy()


def main():
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    openai = clip_models.load_openai(str(ROOT / "Fixtures/torch/openai_fp32.pt"))
    open_clip = clip_models.load_open_clip(
        str(ROOT / "Fixtures/torch/open_clip"), str(ROOT / "Fixtures/torch/open_clip/open_clip_model.pt"))
    openai_result, openai_input = classify(openai, "torch/openai_fp32.pt", ["openai_fp32.pt"])
    open_clip_result, open_clip_input = classify(
        open_clip, "torch/open_clip/open_clip_model.pt", ["open_clip_config.json", "open_clip_model.pt"])
    import clip
    import open_clip as open_clip_library
    versions = {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__,
                "Pillow": Image.__version__, "openai-clip": clip_models._version("openai-clip"),
                "open_clip_torch": open_clip_library.__version__}
    del clip
    document = {"producer": "Fixtures/scripts/make_inference_references.py", "library_versions": versions,
                "models": [openai_result, open_clip_result]}
    (OUT / "classify_reference.json").write_text(json.dumps(document, indent=1) + "\n")

    import mmcv
    zegclip, _, _ = mmseg_test_pipeline(
        ROOT / "Fixtures/images/scene.jpg", img_scale=(2048, 512), min_size=512,
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
    path = OUT / "preprocess_reference.h5"
    with h5py.File(path, "w", track_order=True) as file:
        file.attrs["producer"] = "Fixtures/scripts/make_inference_references.py"
        file.attrs["library_versions"] = json.dumps({**versions, "mmcv": mmcv.__version__})
        for group, value in [("open_clip_32", open_clip_input), ("openai_32", openai_input),
                             ("zegclip_2048x512", zegclip)]:
            file.create_dataset(f"{group}/scene.jpg", data=np.asarray(value, dtype=np.float32),
                                compression="gzip", shuffle=True)


if __name__ == "__main__":
    main()
