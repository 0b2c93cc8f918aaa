#!/usr/bin/env python3
"""Checks Fixtures/scripts/ldvc_reference.py's ZegCLIP against ZegCLIP's own model code.

ZegCLIP's classes (VPTCLIPVisionTransformer, CLIPTextEncoder, ATMSingleHeadSeg, ZegCLIP.slide_inference)
are imported from a checkout of https://github.com/ZiqinZhou66/ZegCLIP (commit 9ba4bb5) by
scripts/ldvc_golden/zegclip_checkout.py; nothing of it is copied here. Names of MMSegmentation 0.x,
mmcv 1.x, timm and matplotlib that this Python lacks are replaced by minimal stand-ins (registries,
base classes, decorators), which their forward math never uses.
The tiny ZegCLIP checkpoint (Fixtures/runtime/checkpoints/zegclip_tiny.pth) must load *strictly* into
ZegCLIP's modules, and their outputs must equal the golden's taps.

    git clone https://github.com/ZiqinZhou66/ZegCLIP /tmp/ZegCLIP
    python3 Fixtures/scripts/check_zegclip_reference.py --zegclip /tmp/ZegCLIP

Result when written (torch 2.13.0+cpu): every compared tap identical (max difference 0.0), labels equal.
"""
import argparse
import sys
import types
from pathlib import Path

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(FIXTURES.parent / "scripts"))
# ZegCLIP's classes and stand-ins for the MMSegmentation/mmcv/timm names they import, shared with
# scripts/make_golden.py.
from ldvc_golden.zegclip_checkout import import_zegclip  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--zegclip", required=True, help="a checkout of ZiqinZhou66/ZegCLIP")
    args = parser.parse_args()
    code = import_zegclip(args.zegclip)
    VPTCLIPVisionTransformer, CLIPTextEncoder, ATMSingleHeadSeg = (
        code.VPTCLIPVisionTransformer, code.CLIPTextEncoder, code.ATMSingleHeadSeg)

    torch.set_num_threads(1)
    checkpoint = torch.load(FIXTURES / "runtime/checkpoints/zegclip_tiny.pth", weights_only=False)
    sd = checkpoint["state_dict"]

    def part(prefix):
        return {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}

    backbone = VPTCLIPVisionTransformer(input_resolution=32, patch_size=4, width=32, layers=3, heads=2, output_dim=32,
                                        out_indices=[2], get_embeddings=True, num_tokens=5, prompt_dim=32, total_d_layer=2).eval()
    backbone.load_state_dict(part("backbone."), strict=True)
    text = CLIPTextEncoder(context_length=16, vocab_size=100, transformer_width=32, transformer_heads=2, transformer_layers=2,
                           embed_dim=32).eval()
    text.load_state_dict(part("text_encoder."), strict=True)
    head = ATMSingleHeadSeg(img_size=32, in_channels=32, seen_idx=[0, 1], all_idx=[0, 1, 2, 3], embed_dims=32, num_layers=3,
                            num_heads=4, use_stages=1, use_proj=False, channels=32, num_classes=4).eval()
    head.load_state_dict(part("decode_head."), strict=True)

    golden = h5py.File(FIXTURES / "runtime/goldens/zegclip_tiny.h5", "r")
    image = torch.from_numpy(golden["inputs/image"][()])
    classes = torch.from_numpy(golden["inputs/class_embeddings"][()])
    results = {}
    with torch.no_grad():
        results["text.embeds"] = (text(torch.from_numpy(golden["inputs/text_tokens"][()])), golden["taps/text.embeds"][()])
        outputs = backbone(image)
        results["vision.dense"] = (outputs[0][0], golden["taps/vision.dense"][()])
        results["vision.global"] = (outputs[1], golden["taps/vision.global"][()])
        results["head.scores"] = (head.forward([outputs, classes]), golden["taps/head.scores"][()])

        # zegclip.py's own slide_inference, called on a minimal segmentor object.
        segmentor = code.SlidingWindow()
        segmentor.test_cfg = types.SimpleNamespace(stride=(27, 27), crop_size=(32, 32))
        segmentor.both_class, segmentor.align_corners = np.arange(4), False
        segmentor.encode_decode = lambda crop, meta: F.interpolate(head.forward([backbone(crop), classes]),
                                                                   size=crop.shape[2:], mode="bilinear",
                                                                   align_corners=False)
        size = tuple(int(v) for v in golden["inputs/slide_output_size"][()])
        slide = segmentor.slide_inference(torch.from_numpy(golden["inputs/slide_image"][()]), [{"ori_shape": size}], True)
        results["slide.output_scores"] = (slide, golden["taps/slide.output_scores"][()])
    ok = True
    for name, (ours, reference) in results.items():
        difference = float(np.abs(ours.numpy() - reference).max())
        ok &= difference <= 1e-6 * float(np.abs(reference).max())
        print(f"{name:22s} max |ZegCLIP − golden| = {difference:.3e}")
    labels = (results["head.scores"][0].argmax(1).numpy() == golden["taps/head.segmentation"][()]).all()
    print(f"head.segmentation      labels equal: {bool(labels)}")
    sys.exit(0 if ok and labels else 1)


if __name__ == "__main__":
    main()
