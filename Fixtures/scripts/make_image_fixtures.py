#!/usr/bin/env python3
"""Fixtures for the imaging stack (Sources/Imaging, Sources/ImageProcessing).

What it makes (under Fixtures/images/):

* png/*.png        PNG files of every kind the decoder must read: grey 1/2/4/8/16-bit, grey+alpha 8/16,
                   RGB 8/16, RGBA 8/16, palette 1/2/4/8-bit (with tRNS, with indices past PLTE), tRNS on
                   grey and RGB, Adam7 interlacing (odd sizes, a 3x2 image with empty passes), every row
                   filter, eXIf orientation before and after the image data, and files written by Pillow
                   and OpenCV themselves. Most are written by the small PNG writer below, which gives
                   control over colour type, bit depth, filters and chunk order.
* jpeg/*.jpg       JPEG files: baseline and progressive at 4:4:4, 4:2:2, 4:2:0, 4:4:0 and 4:1:1 (OpenCV's
                   encoder, which takes every sampling factor), greyscale, restart intervals, CMYK
                   (Pillow), EXIF orientations 1-8 (Pillow; orientation 6 also big-endian).
* labels/*.png     annotation maps: palette, 8-bit grey, 1/4-bit grey, 16-bit grey, and an RGB one.
* hostile/*        truncated, corrupt and unsupported files, and files declaring huge sizes.
* reference.h5     what the reference libraries make of them (below), written with h5py.
* README.md        the file table (generated).

reference.h5 layout (uint8 images are [H, W, 3] RGB; float planes are [3, H, W] float32):

* decode/<file>/{pillow, pillow_exif, opencv}: PIL.Image.open(f).convert("RGB"); the same after
  ImageOps.exif_transpose (transformers' load_image); cv2.imdecode(bytes, IMREAD_COLOR)[..., ::-1].
  pillow_exif and opencv are stored only where they differ from pillow; the group attribute
  `same_as_pillow` names the profiles checked to be identical. Files Pillow refuses are listed in the
  root attribute `refused_by_pillow` (and sit in hostile/).
* labels/<file>: mmcv.imfrombytes(bytes, flag="unchanged", backend="pillow") (MMSeg's LoadAnnotations
  before its uint8 cast).
* sources/<name>: the uint8 RGB images the resize and pipeline references start from.
* resize/pillow/<source>/<W>x<H>: Image.fromarray(source).resize((W, H), Image.BICUBIC) (Pillow >= 13
  runs the vertical pass first when the height shrinks more than twice as much as the width).
* resize/pillow_horizontal_first/<source>/<W>x<H>: .resize((W, h)) then .resize((W, H)), which is the
  pass order of Pillow <= 12 (one-dimensional resizes run a single pass); stored only for the sizes where
  Pillow 13 takes the other order.
* resize/opencv/<source>/<W>x<H>: cv2.resize(source, (W, H), interpolation=cv2.INTER_LINEAR).
* clip/open_clip_<S>/<source>: open_clip.image_transform(S, is_train=False) (Resize(S, bicubic),
  CenterCrop(S), ToTensor, Normalize with OpenAI's mean/std) on Image.open(file).convert("RGB").
* clip/hf_<S>/<source>: transformers.CLIPImageProcessorPil(size={"shortest_edge": S}, crop_size=S).
* mmseg/<variant>/<source>: the MMSeg test pipeline on cv2-decoded BGR (see MMSEG_VARIANTS).
* mmseg/rescale_sizes: rows (w, h, scale_long, scale_short, min_size or 0, new_w, new_h) from
  mmcv.imrescale (with MMSeg 0.x's Resize(min_size) rule when min_size > 0).
* overlay/<name>: MMSeg 0.x BaseSegmentor.show_result blending, (img * (1 - opacity) + color * opacity)
  cast to uint8, for a label map (labels/overlay_labels) over sources/photo_37x23.
* palettes/<name>: the dataset palettes as [N, 3] uint8.

Run from the repository root:

    python3 Fixtures/scripts/make_image_fixtures.py

Seeded; reruns with the pinned library versions give byte-identical files.
"""

# The PyPI torchvision wheel is CUDA-built; open_clip and transformers import it, and its
# `_meta_registrations` module fails on CPU-only torch. Nothing here needs torchvision's operators.
import sys
import types

sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")

import io  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import struct  # noqa: E402
import warnings  # noqa: E402
import zlib  # noqa: E402
from pathlib import Path  # noqa: E402

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import cv2  # noqa: E402
import h5py  # noqa: E402
import mmcv  # noqa: E402
import numpy as np  # noqa: E402
import open_clip  # noqa: E402
import PIL  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402
from transformers import CLIPImageProcessor, CLIPImageProcessorPil  # noqa: E402

ROOT = Path(__file__).resolve().parents[1] / "images"
SEED = 20261201
OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)
MMSEG_MEAN = [123.675, 116.28, 103.53]
MMSEG_STD = [58.395, 57.12, 57.375]

torch.set_num_threads(1)
cv2.setNumThreads(1)


# --- a small PNG writer ------------------------------------------------------------------------


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def pack_row(samples, bits):
    """One row of samples (flattened over channels) as PNG bytes."""
    if bits == 16:
        return samples.astype(">u2").tobytes()
    if bits == 8:
        return samples.astype(np.uint8).tobytes()
    per_byte = 8 // bits
    out = bytearray((len(samples) * bits + 7) // 8)
    for index, value in enumerate(samples):
        out[index // per_byte] |= int(value) << (8 - bits * (index % per_byte + 1))
    return bytes(out)


def filter_row(kind, row, previous, bpp):
    """PNG filter `kind` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth) of one row (bytes)."""
    x = np.frombuffer(row, np.uint8).astype(np.int32)
    b = np.frombuffer(previous, np.uint8).astype(np.int32) if previous is not None else np.zeros_like(x)
    a = np.concatenate([np.zeros(bpp, np.int32), x[:-bpp]]) if len(x) > bpp else np.zeros_like(x)
    c = np.concatenate([np.zeros(bpp, np.int32), b[:-bpp]]) if len(x) > bpp else np.zeros_like(x)
    if kind == 0:
        out = x
    elif kind == 1:
        out = x - a
    elif kind == 2:
        out = x - b
    elif kind == 3:
        out = x - (a + b) // 2
    else:
        p = a + b - c
        pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
        predictor = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        out = x - predictor
    return bytes([kind]) + (out & 0xFF).astype(np.uint8).tobytes()


def png_bytes(pixels, color_type, bits, palette=None, trns=None, interlace=False, exif=None, exif_after=False,
              filters=(0,), idat_parts=1, ancillary=b""):
    """A PNG of `pixels` ([H, W] or [H, W, C] samples) with full control over its chunks."""
    a = pixels if pixels.ndim == 3 else pixels[..., None]
    height, width, channels = a.shape
    bpp = max(1, channels * bits // 8)
    raw = b""
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    row_index = 0
    for (x0, y0, dx, dy) in passes:
        sub = a[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        previous = None
        for row in sub:
            packed = pack_row(row.reshape(-1), bits)
            raw += filter_row(filters[row_index % len(filters)], packed, previous, bpp)
            previous = packed
            row_index += 1
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bits, color_type, 0, 0,
                                                            1 if interlace else 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.asarray(palette, np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    if exif is not None and not exif_after:
        out += chunk(b"eXIf", exif)
    out += ancillary
    data = zlib.compress(raw, 9)
    step = -(-len(data) // idat_parts)
    for start in range(0, len(data), step):
        out += chunk(b"IDAT", data[start:start + step])
    if exif is not None and exif_after:
        out += chunk(b"eXIf", exif)
    return out + chunk(b"IEND", b"")


def tiff_orientation(orientation, big_endian=False):
    """A minimal TIFF structure whose IFD0 holds one Orientation (SHORT) entry."""
    if big_endian:
        return b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">HHHIHH", 1, 0x0112, 3, 1, orientation, 0) + b"\0" * 4
    return b"II\x2a\x00\x08\x00\x00\x00" + struct.pack("<HHHIHH", 1, 0x0112, 3, 1, orientation, 0) + b"\0" * 4


# --- images ------------------------------------------------------------------------------------


def photo(height, width, rng):
    """Smooth colour gradients with texture and noise, so chroma upsampling and resampling matter."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float64)
    r = 128 + 100 * np.sin(xx / 5.0 + yy / 11.0)
    g = 128 + 90 * np.cos(yy / 4.0 - xx / 13.0)
    b = 255 * (xx + yy) / (width + height)
    image = np.stack([r, g, b], -1) + rng.normal(0, 18, (height, width, 3))
    image[height // 3:height // 3 + 3, :, :] = [250, 20, 30]  # a hard edge
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def luminance(rgb):
    return np.clip(np.rint(rgb @ np.array([0.299, 0.587, 0.114])), 0, 255).astype(np.uint8)


def make_pngs(rng, base):
    h, w = base.shape[:2]
    grey = luminance(base)
    alpha = rng.integers(0, 256, (h, w), dtype=np.uint8)
    rgb16 = (base.astype(np.uint16) << 8) | rng.integers(0, 256, base.shape, dtype=np.uint16)
    grey16 = rng.integers(0, 65536, (h, w)).astype(np.uint16)
    grey16[: h // 2] = rng.integers(0, 256, (h // 2, w)).astype(np.uint16)  # Pillow keeps v < 256 as is
    alpha16 = rng.integers(0, 65536, (h, w)).astype(np.uint16)
    palette = rng.integers(0, 256, (200, 3))
    indices = (grey.astype(np.int32) * 199 // 255).astype(np.uint8)
    files = {
        "grey1": png_bytes(grey >> 7, 0, 1),
        "grey2": png_bytes(grey >> 6, 0, 2),
        "grey4": png_bytes(grey >> 4, 0, 4, filters=(1, 2, 3, 4)),
        "grey8": png_bytes(grey, 0, 8),
        "grey8_trns": png_bytes(grey, 0, 8, trns=struct.pack(">H", int(grey[0, 0]))),
        "grey16": png_bytes(grey16, 0, 16),
        "grey_alpha8": png_bytes(np.stack([grey, alpha], -1), 4, 8, filters=(4, 3)),
        "grey_alpha16": png_bytes(np.stack([grey16, alpha16], -1), 4, 16),
        "rgb8": png_bytes(base, 2, 8),
        "rgb8_filters": png_bytes(base, 2, 8, filters=(0, 1, 2, 3, 4), idat_parts=3),
        "rgb8_trns": png_bytes(base, 2, 8, trns=struct.pack(">HHH", *map(int, base[0, 0]))),
        "rgb16": png_bytes(rgb16, 2, 16, filters=(4,)),
        "rgba8": png_bytes(np.concatenate([base, alpha[..., None]], -1), 6, 8, filters=(2,)),
        "rgba16": png_bytes(np.concatenate([rgb16, alpha16[..., None]], -1), 6, 16),
        "palette8": png_bytes(indices, 3, 8, palette=palette),
        "palette4_trns": png_bytes(indices % 16, 3, 4, palette=palette[:16],
                                   trns=bytes(rng.integers(0, 256, 10, dtype=np.uint8))),
        "palette2": png_bytes(indices % 4, 3, 2, palette=palette[:4]),
        "palette1": png_bytes(indices % 2, 3, 1, palette=palette[:2]),
        "palette_short": png_bytes(indices % 16, 3, 8, palette=palette[:10]),  # indices 10-15 past PLTE
        "rgb8_interlaced": png_bytes(base, 2, 8, interlace=True, filters=(0, 1, 2, 3, 4)),
        "grey16_interlaced": png_bytes(grey16, 0, 16, interlace=True),
        "palette2_interlaced": png_bytes(indices % 4, 3, 2, palette=palette[:4], interlace=True),
        "rgba16_tiny_interlaced": png_bytes(
            np.concatenate([rgb16[:2, :3], alpha16[:2, :3, None]], -1), 6, 16, interlace=True),
        # Colour metadata neither Pillow nor OpenCV applies to the pixels: gamma 1.0, significant bits,
        # chromaticities, an sRGB intent, text (plain and compressed).
        "rgb8_colour_metadata": png_bytes(base, 2, 8, ancillary=(
            chunk(b"gAMA", struct.pack(">I", 100000)) + chunk(b"sBIT", bytes([5, 6, 5]))
            + chunk(b"cHRM", struct.pack(">8I", 31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000))
            + chunk(b"sRGB", b"\x00") + chunk(b"tEXt", b"Comment\x00made by make_image_fixtures.py")
            + chunk(b"zTXt", b"Title\x00\x00" + zlib.compress(b"fixture" * 20)))),
        "exif6": png_bytes(base, 2, 8, exif=tiff_orientation(6)),
        "exif3_after_data": png_bytes(base, 2, 8, exif=tiff_orientation(3), exif_after=True),
        "exif8_big_endian": png_bytes(base, 2, 8, exif=tiff_orientation(8, big_endian=True)),
    }
    buffer = io.BytesIO()
    Image.fromarray(base).save(buffer, "PNG", optimize=True)
    files["pillow_written"] = buffer.getvalue()
    files["opencv_written"] = cv2.imencode(".png", base[..., ::-1])[1].tobytes()
    return files


SAMPLING = {"444": 0x111111, "422": 0x211111, "420": 0x221111, "440": 0x121111, "411": 0x411111}


def make_jpegs(base_small, base_large):
    files = {}
    for name, factor in SAMPLING.items():
        for source, suffix in ((base_small, ""), (base_large, "_64x48")):
            bgr = source[..., ::-1]
            params = [cv2.IMWRITE_JPEG_QUALITY, 90, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, factor]
            files[f"baseline_{name}{suffix}"] = cv2.imencode(".jpg", bgr, params)[1].tobytes()
            files[f"progressive_{name}{suffix}"] = cv2.imencode(
                ".jpg", bgr, params + [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    files["grey"] = cv2.imencode(".jpg", luminance(base_small))[1].tobytes()
    files["grey_progressive"] = cv2.imencode(".jpg", luminance(base_small), [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
    files["restart_intervals"] = cv2.imencode(
        ".jpg", base_large[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85, cv2.IMWRITE_JPEG_RST_INTERVAL, 2])[1].tobytes()
    buffer = io.BytesIO()
    Image.fromarray(base_small).convert("CMYK").save(buffer, "JPEG", quality=90)
    files["cmyk"] = buffer.getvalue()
    buffer = io.BytesIO()
    Image.fromarray(base_large).save(buffer, "JPEG", quality=80, optimize=True)
    files["pillow_written_420"] = buffer.getvalue()
    for orientation in range(1, 9):
        buffer = io.BytesIO()
        exif = Image.Exif()
        exif[0x0112] = orientation
        Image.fromarray(base_small).save(buffer, "JPEG", quality=92, exif=exif.tobytes())
        files[f"exif{orientation}"] = buffer.getvalue()
    buffer = io.BytesIO()
    Image.fromarray(base_small).save(buffer, "JPEG", quality=92, exif=b"Exif\x00\x00" + tiff_orientation(6, True))
    files["exif6_big_endian"] = buffer.getvalue()
    return files


def make_labels(rng):
    h, w = 23, 37
    labels = rng.integers(0, 21, (h, w)).astype(np.uint8)
    labels[rng.random((h, w)) < 0.1] = 255
    files = {}
    image = Image.fromarray(labels, "P")
    image.putpalette(np.asarray(VOC21, np.uint8).reshape(-1).tolist())
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    files["palette"] = buffer.getvalue()
    buffer = io.BytesIO()
    Image.fromarray(labels, "L").save(buffer, "PNG")
    files["grey8"] = buffer.getvalue()
    files["grey4"] = png_bytes(labels % 16, 0, 4)
    files["grey1"] = png_bytes(labels % 2, 0, 1)
    files["grey16"] = cv2.imencode(".png", (labels.astype(np.uint16) * 300))[1].tobytes()
    files["rgb"] = cv2.imencode(".png", np.stack([labels] * 3, -1))[1].tobytes()
    # Written like ldvc-swift's PNGEncoder.encodeIndexed (colour type 3, 8 bits, PLTE, IDAT, IEND);
    # Pillow must read the indices back unchanged.
    like_ours = png_bytes(labels, 3, 8, palette=VOC21 + [[0, 0, 0]] * (256 - len(VOC21)), filters=(0, 1, 2, 3, 4))
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(like_ours))), labels)
    assert Image.open(io.BytesIO(like_ours)).mode == "P"
    files["palette_like_ours"] = like_ours
    return files, labels


def make_hostile(pngs, jpegs):
    files = {}
    files["truncated.png"] = pngs["rgb8"][: len(pngs["rgb8"]) * 6 // 10]
    files["truncated.jpg"] = jpegs["baseline_420"][: len(jpegs["baseline_420"]) * 6 // 10]
    files["missing_eoi.jpg"] = jpegs["baseline_444"][:-2]  # Pillow: "image file is truncated"
    bad_crc = bytearray(pngs["rgb8"])
    bad_crc[29] ^= 0xFF  # last byte of IHDR's CRC
    files["bad_crc.png"] = bytes(bad_crc)
    h, w = 23, 37
    raw = b"".join(b"\x00" + bytes(w * 3) for _ in range(h))
    data = bytearray(zlib.compress(raw, 9))
    data[len(data) // 2: len(data) // 2 + 6] = b"\xff\xff\xff\xff\xff\xff"
    files["bad_zlib.png"] = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                             + chunk(b"IDAT", bytes(data)) + chunk(b"IEND", b""))
    files["zero_width.png"] = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 0, 5, 8, 2, 0, 0, 0))
                               + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    files["huge.png"] = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
                         + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    files["wide.png"] = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1 << 20, 1, 8, 0, 0, 0, 0))
                         + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    jpeg = bytearray(jpegs["baseline_444"])
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5: sof + 9] = struct.pack(">HH", 65500, 65500)
    files["huge.jpg"] = bytes(jpeg)
    jpeg = bytearray(jpegs["baseline_444"])
    jpeg[sof + 4] = 12  # sample precision
    files["twelve_bit.jpg"] = bytes(jpeg)
    rng = np.random.default_rng(SEED + 7)
    files["garbage.jpg"] = b"\xff\xd8\xff\xe0" + bytes(rng.integers(0, 256, 300, dtype=np.uint8))
    files["empty.png"] = b""
    files["text.png"] = b"this is not an image\n"
    files["animation.gif"] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    files["photo.webp"] = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
    return files


# --- references --------------------------------------------------------------------------------


def decode_pillow(data, transpose):
    image = Image.open(io.BytesIO(data))
    if transpose:
        image = ImageOps.exif_transpose(image)
    return np.asarray(image.convert("RGB"))


def decode_opencv(data):
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return None if image is None else image[..., ::-1].copy()


def torchvision_round(value):
    return int(round(value))


def mmseg_rescale_size(w, h, scale, min_size):
    """mmcv.imrescale's size, with MMSeg 0.x Resize._resize_img's min_size rule first."""
    if min_size:
        new_short = min_size if min(scale) < min_size else min(scale)
        scale = (new_short * h / w, new_short) if h > w else (new_short, new_short * w / h)
    return mmcv.rescale_size((w, h), scale)


MMSEG_VARIANTS = {
    # name: (scale, keep_ratio, min_size, normalisation)
    "keep_ratio_64x32_imnormalize": ((64, 32), True, 0, "imnormalize"),
    "keep_ratio_64x32_min40_imnormalize": ((64, 32), True, 40, "imnormalize"),
    "keep_ratio_48x40_preprocessor": ((48, 40), True, 0, "preprocessor"),
    "resize_50x30_imnormalize": ((50, 30), False, 0, "imnormalize"),
}


def mmseg_pipeline(bgr, scale, keep_ratio, min_size, normalisation):
    h, w = bgr.shape[:2]
    if keep_ratio:
        size = mmseg_rescale_size(w, h, scale, min_size)
        resized = mmcv.imresize(bgr, size, interpolation="bilinear", backend="cv2")
        if not min_size:
            assert np.array_equal(resized, mmcv.imrescale(bgr, scale, interpolation="bilinear", backend="cv2"))
    else:
        resized = mmcv.imresize(bgr, scale, interpolation="bilinear", backend="cv2")
    if normalisation == "imnormalize":  # MMSeg 0.x Normalize(to_rgb=True) -> mmcv.imnormalize
        # Normalize.__init__ stores np.array(mean, dtype=np.float32) and the same for std, so imnormalize's
        # 1 / np.float64(std) is the reciprocal of the float32-rounded deviation.
        out = mmcv.imnormalize(resized, np.array(MMSEG_MEAN, dtype=np.float32), np.array(MMSEG_STD, dtype=np.float32),
                               to_rgb=True)
        return out.transpose(2, 0, 1).astype(np.float32)
    # MMSeg 1.x SegDataPreProcessor(bgr_to_rgb=True): buffers torch.tensor(mean).view(-1, 1, 1) (float32),
    # then (input.float() - mean) / std.
    x = torch.from_numpy(np.ascontiguousarray(resized[..., ::-1])).permute(2, 0, 1).float()
    mean = torch.tensor(MMSEG_MEAN).view(-1, 1, 1)
    std = torch.tensor(MMSEG_STD).view(-1, 1, 1)
    return ((x - mean) / std).numpy().astype(np.float32)


VOC21 = [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128], [128, 0, 128], [0, 128, 128],
         [128, 128, 128], [64, 0, 0], [192, 0, 0], [64, 128, 0], [192, 128, 0], [64, 0, 128], [192, 0, 128],
         [64, 128, 128], [192, 128, 128], [0, 64, 0], [128, 64, 0], [0, 192, 0], [128, 192, 0], [0, 64, 128]]

# mmseg/datasets/coco_stuff.py COCOStuffDataset.PALETTE; ZegCLIP's ZeroCOCOStuffDataset changes entries 0 and 145.
MMSEG_COCO_STUFF = [
    [0, 192, 64], [0, 192, 64], [0, 64, 96], [128, 192, 192], [0, 64, 64], [0, 192, 224], [0, 192, 192],
    [128, 192, 64], [0, 192, 96], [128, 192, 64], [128, 32, 192], [0, 0, 224], [0, 0, 64], [0, 160, 192],
    [128, 0, 96], [128, 0, 192], [0, 32, 192], [128, 128, 224], [0, 0, 192], [128, 160, 192], [128, 128, 0],
    [128, 0, 32], [128, 32, 0], [128, 0, 128], [64, 128, 32], [0, 160, 0], [0, 0, 0], [192, 128, 160],
    [0, 32, 0], [0, 128, 128], [64, 128, 160], [128, 160, 0], [0, 128, 0], [192, 128, 32], [128, 96, 128],
    [0, 0, 128], [64, 0, 32], [0, 224, 128], [128, 0, 0], [192, 0, 160], [0, 96, 128], [128, 128, 128],
    [64, 0, 160], [128, 224, 128], [128, 128, 64], [192, 0, 32], [128, 96, 0], [128, 0, 192], [0, 128, 32],
    [64, 224, 0], [0, 0, 64], [128, 128, 160], [64, 96, 0], [0, 128, 192], [0, 128, 160], [192, 224, 0],
    [0, 128, 64], [128, 128, 32], [192, 32, 128], [0, 64, 192], [0, 0, 32], [64, 160, 128], [128, 64, 64],
    [128, 0, 160], [64, 32, 128], [128, 192, 192], [0, 0, 160], [192, 160, 128], [128, 192, 0], [128, 0, 96],
    [192, 32, 0], [128, 64, 128], [64, 128, 96], [64, 160, 0], [0, 64, 0], [192, 128, 224], [64, 32, 0],
    [0, 192, 128], [64, 128, 224], [192, 160, 0], [0, 192, 0], [192, 128, 96], [192, 96, 128], [0, 64, 128],
    [64, 0, 96], [64, 224, 128], [128, 64, 0], [192, 0, 224], [64, 96, 128], [128, 192, 128], [64, 0, 224],
    [192, 224, 128], [128, 192, 64], [192, 0, 96], [192, 96, 0], [128, 64, 192], [0, 128, 96], [0, 224, 0],
    [64, 64, 64], [128, 128, 224], [0, 96, 0], [64, 192, 192], [0, 128, 224], [128, 224, 0], [64, 192, 64],
    [128, 128, 96], [128, 32, 128], [64, 0, 192], [0, 64, 96], [0, 160, 128], [192, 0, 64], [128, 64, 224],
    [0, 32, 128], [192, 128, 192], [0, 64, 224], [128, 160, 128], [192, 128, 0], [128, 64, 32], [128, 32, 64],
    [192, 0, 128], [64, 192, 32], [0, 160, 64], [64, 0, 0], [192, 192, 160], [0, 32, 64], [64, 128, 128],
    [64, 192, 160], [128, 160, 64], [64, 128, 0], [192, 192, 32], [128, 96, 192], [64, 0, 128], [64, 64, 32],
    [0, 224, 192], [192, 0, 0], [192, 64, 160], [0, 96, 192], [192, 128, 128], [64, 64, 160], [128, 224, 192],
    [192, 128, 64], [192, 64, 32], [128, 96, 64], [192, 0, 192], [0, 192, 32], [64, 224, 64], [64, 0, 64],
    [128, 192, 160], [64, 96, 64], [64, 128, 192], [0, 192, 160], [192, 224, 64], [64, 128, 64], [128, 192, 32],
    [192, 32, 192], [64, 64, 192], [0, 64, 32], [64, 160, 192], [192, 64, 64], [128, 64, 160], [64, 32, 192],
    [192, 192, 192], [0, 64, 160], [192, 160, 192], [192, 192, 0], [128, 64, 96], [192, 32, 64], [192, 64, 128],
    [64, 192, 96], [64, 160, 64], [64, 64, 0]]
ZEGCLIP_COCO_STUFF = [list(color) for color in MMSEG_COCO_STUFF]
ZEGCLIP_COCO_STUFF[0] = [240, 128, 128]
ZEGCLIP_COCO_STUFF[145] = [238, 209, 156]


def voc_colormap(count):
    """The PASCAL VOC development kit's colour map (bits of the index spread over R, G, B)."""
    colors = []
    for index in range(count):
        r = g = b = 0
        c = index
        for bit in range(8):
            r |= ((c >> 0) & 1) << (7 - bit)
            g |= ((c >> 1) & 1) << (7 - bit)
            b |= ((c >> 2) & 1) << (7 - bit)
            c >>= 3
        colors.append([r, g, b])
    return colors


PILLOW_SIZES = {
    "photo_37x23": [(13, 7), (18, 11), (36, 22), (37, 11), (12, 23), (74, 46), (50, 50), (1, 1), (5, 40), (37, 5),
                    (224, 224), (30, 7), (50, 9)],
    "photo_64x48": [(32, 24), (63, 47), (64, 12), (20, 48), (100, 75), (7, 5), (60, 12)],
}
OPENCV_SIZES = {
    "photo_37x23": [(18, 11), (74, 46), (13, 7), (50, 50), (37, 11), (1, 1), (100, 3), (36, 23)],
    "photo_64x48": [(32, 24), (16, 12), (63, 47), (128, 96), (64, 49)],
}


def write_dataset(group, name, data, compress=False):
    kwargs = dict(compression="gzip", compression_opts=9, shuffle=True) if compress else {}
    group.create_dataset(name, data=data, track_times=False, **kwargs)


def main():
    rng = np.random.default_rng(SEED)
    base_small = photo(23, 37, rng)
    base_large = photo(48, 64, rng)
    pngs = make_pngs(rng, base_small)
    jpegs = make_jpegs(base_small, base_large)
    labels, overlay_labels = make_labels(rng)
    hostile = make_hostile(pngs, jpegs)
    assert voc_colormap(21) == VOC21

    folders = {"png": {f"{k}.png": v for k, v in pngs.items()}, "jpeg": {f"{k}.jpg": v for k, v in jpegs.items()},
               "labels": {f"{k}.png": v for k, v in labels.items()}, "hostile": hostile}
    for folder, files in folders.items():
        (ROOT / folder).mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (ROOT / folder / name).write_bytes(data)

    sources = {"photo_37x23": base_small, "photo_64x48": base_large}
    refused_by_pillow = {}
    with h5py.File(ROOT / "reference.h5", "w", track_order=True) as f:
        f.attrs["versions"] = (f"Pillow {PIL.__version__}, opencv-python {cv2.__version__}, numpy {np.__version__}, "
                               f"mmcv-lite {mmcv.__version__}, open_clip_torch {open_clip.__version__}, "
                               f"transformers {transformers.__version__}, torch {torch.__version__}, "
                               f"h5py {h5py.__version__}")
        decode = f.create_group("decode")
        for folder in ("png", "jpeg"):
            for name, data in folders[folder].items():
                try:
                    pillow = decode_pillow(data, False)
                except Exception as error:  # noqa: BLE001 - recorded; the Swift decoder must refuse it too
                    refused_by_pillow[f"{folder}/{name}"] = f"{type(error).__name__}: {error}"
                    continue
                group = decode.create_group(f"{folder}/{name}")
                write_dataset(group, "pillow", pillow, compress=True)
                # The other profiles are stored only where they differ from Pillow's pixels; the
                # attribute lists those checked here to be identical.
                same = []
                for profile, pixels in (("pillow_exif", decode_pillow(data, True)), ("opencv", decode_opencv(data))):
                    if pixels.shape == pillow.shape and np.array_equal(pixels, pillow):
                        same.append(profile)
                    else:
                        write_dataset(group, profile, pixels, compress=True)
                group.attrs["same_as_pillow"] = ",".join(same)
        label_group = f.create_group("labels")
        for name, data in folders["labels"].items():
            value = mmcv.imfrombytes(data, flag="unchanged", backend="pillow")
            if value.ndim == 2:
                write_dataset(label_group, name, value.astype(np.uint16))
        write_dataset(label_group, "overlay_labels", overlay_labels)

        source_group = f.create_group("sources")
        for name, image in sources.items():
            write_dataset(source_group, name, image)

        resize = f.create_group("resize")
        for name, sizes in PILLOW_SIZES.items():
            image = Image.fromarray(sources[name])
            for (w, h) in sizes:
                write_dataset(resize, f"pillow/{name}/{w}x{h}", np.asarray(image.resize((w, h), Image.BICUBIC)),
                              compress=True)
                # Pillow >= 13 runs the vertical pass first only when the height shrinks by more than twice
                # as many pixels as the width; elsewhere its order is Pillow 12's and `pillow/` serves both.
                if w != image.width and 0 < image.height - h and image.height - h > (image.width - w) * 2:
                    legacy = image.resize((w, image.height), Image.BICUBIC).resize((w, h), Image.BICUBIC)
                    write_dataset(resize, f"pillow_horizontal_first/{name}/{w}x{h}", np.asarray(legacy))
        for name, sizes in OPENCV_SIZES.items():
            for (w, h) in sizes:
                write_dataset(resize, f"opencv/{name}/{w}x{h}",
                              cv2.resize(sources[name], (w, h), interpolation=cv2.INTER_LINEAR), compress=True)

        clip_group = f.create_group("clip")
        clip_inputs = {"photo_37x23": "png/rgb8.png", "photo_64x48": None, "grey16": "png/grey16.png",
                       "exif6": "jpeg/exif6.jpg", "cmyk": "jpeg/cmyk.jpg"}
        torchvision_backend_difference = 0.0
        for size, names in ((224, ["photo_64x48"]), (32, list(clip_inputs))):
            transform = open_clip.image_transform(size, is_train=False, mean=OPENAI_MEAN, std=OPENAI_STD)
            processor = CLIPImageProcessorPil(size={"shortest_edge": size}, crop_size={"height": size, "width": size})
            # transformers 5's default CLIPImageProcessor resizes tensors with torchvision; not reproduced,
            # its distance from the Pillow backend is measured for the README.
            fast = CLIPImageProcessor(size={"shortest_edge": size}, crop_size={"height": size, "width": size})
            for name in names:
                path = clip_inputs[name]
                if path is None:
                    image = Image.fromarray(sources[name])
                else:
                    image = Image.open(io.BytesIO(folders[path.split("/")[0]][path.split("/")[1]])).convert("RGB")
                write_dataset(clip_group, f"open_clip_{size}/{name}", transform(image).numpy(), compress=size > 32)
                hf = processor(image, return_tensors="np")["pixel_values"][0].astype(np.float32)
                write_dataset(clip_group, f"hf_{size}/{name}", hf, compress=size > 32)
                fast_values = fast(image, return_tensors="pt")["pixel_values"][0].numpy()
                torchvision_backend_difference = max(torchvision_backend_difference, float(np.abs(fast_values - hf).max()))

        mmseg = f.create_group("mmseg")
        mmseg_inputs = {"photo_37x23": "png/rgb8.png", "exif6": "jpeg/exif6.jpg", "progressive_420": "jpeg/progressive_420_64x48.jpg"}
        for variant, (scale, keep_ratio, min_size, normalisation) in MMSEG_VARIANTS.items():
            for name, path in mmseg_inputs.items():
                folder, file = path.split("/")
                bgr = mmcv.imfrombytes(folders[folder][file], flag="color", backend="cv2")
                write_dataset(mmseg, f"{variant}/{name}", mmseg_pipeline(bgr, scale, keep_ratio, min_size, normalisation))
        rows = []
        size_rng = np.random.default_rng(SEED + 3)
        shapes = [(500, 375), (375, 500), (640, 480), (2048, 512), (4000, 30), (30, 4000), (37, 23), (513, 511), (1, 1)]
        shapes += [tuple(map(int, size_rng.integers(1, 3000, 2))) for _ in range(40)]
        for (w, h) in shapes:
            for scale, min_size in (((2048, 512), 0), ((2048, 512), 512), ((512, 2048), 0), ((1333, 800), 0), ((2048, 640), 640)):
                new_w, new_h = mmseg_rescale_size(w, h, scale, min_size)
                if not min_size:
                    probe = np.zeros((h, w, 1), np.uint8)
                    assert mmcv.imrescale(probe, scale).shape[:2] == (new_h, new_w) or min(new_w, new_h) == 0
                rows.append([w, h, max(scale), min(scale), min_size, new_w, new_h])
        write_dataset(mmseg, "rescale_sizes", np.asarray(rows, np.int64))

        overlay = f.create_group("overlay")
        palette = np.asarray(VOC21, np.uint8)
        for opacity in (0.5, 0.3):
            color = np.zeros(base_small.shape, np.uint8)
            for label, rgb in enumerate(palette):
                color[overlay_labels == label] = rgb
            blended = (base_small * (1 - opacity) + color * opacity).astype(np.uint8)
            write_dataset(overlay, f"voc21_opacity_{opacity}", blended)

        palettes = f.create_group("palettes")
        write_dataset(palettes, "voc21", np.asarray(VOC21, np.uint8))
        write_dataset(palettes, "voc_colormap_256", np.asarray(voc_colormap(256), np.uint8))
        write_dataset(palettes, "mmseg_coco_stuff", np.asarray(MMSEG_COCO_STUFF, np.uint8))
        write_dataset(palettes, "zegclip_coco_stuff", np.asarray(ZEGCLIP_COCO_STUFF, np.uint8))
        f.attrs["refused_by_pillow"] = "\n".join(f"{k}: {v}" for k, v in sorted(refused_by_pillow.items()))
        # What the reference libraries make of each hostile file (recorded for the README; ldvc-swift
        # refuses every one of them).
        verdicts = f.create_group("hostile")
        for name, data in hostile.items():
            try:
                pillow = "decoded %dx%d" % decode_pillow(data, False).shape[1::-1]
            except Exception as error:  # noqa: BLE001
                pillow = f"refused ({type(error).__name__}: {re.sub(' at 0x[0-9a-f]+', '', str(error))[:80]})"
            try:
                opencv = decode_opencv(data)
                opencv = "refused (None)" if opencv is None else "decoded %dx%d" % opencv.shape[1::-1]
            except Exception as error:  # noqa: BLE001
                opencv = f"refused ({type(error).__name__}: {str(error).strip()[:80]})"
            verdicts.attrs[name] = f"Pillow {pillow}; OpenCV {opencv}"

    write_readme(folders, torchvision_backend_difference)
    for name, reason in sorted(refused_by_pillow.items()):
        print(f"Pillow refuses {name}: {reason}")
    print("wrote", ROOT)


def write_readme(folders, torchvision_backend_difference):
    with h5py.File(ROOT / "reference.h5", "r") as f:
        verdicts = dict(f["hostile"].attrs)
        versions = f.attrs["versions"]
        same = {f"{folder}/{name}": f[f"decode/{folder}/{name}"].attrs["same_as_pillow"]
                for folder in ("png", "jpeg") for name in folders[folder] if f"decode/{folder}/{name}" in f}
    lines = [
        "# Image fixtures (`Fixtures/scripts/make_image_fixtures.py`)",
        "",
        "Inputs and reference outputs for `Sources/Imaging` and `Sources/ImageProcessing`. Python only makes",
        "these files; `swift test` reads them (`Tests/ImagingTests`, `Tests/ImageProcessingTests`). Rerun with",
        "`python3 Fixtures/scripts/make_image_fixtures.py` (seeded; byte-identical with the versions below).",
        "The layout of `reference.h5` is described at the top of the script. This file is generated.",
        "",
        f"Versions: {versions} (Python 3.11; `Fixtures/requirements.txt`).",
        "",
        "Images are 37×23 (odd sizes) unless their name says 64x48; photo-like content (gradients, texture,",
        "noise and a hard red edge) so that chroma upsampling and resampling matter.",
        "",
        "transformers 5's default `CLIPImageProcessor` (torchvision backend: PyTorch's uint8 antialiased bicubic",
        "kernel, whose code path depends on the CPU's vector extensions) differs from `CLIPImageProcessorPil` by up",
        f"to {torchvision_backend_difference:.6f} (max |Δ| over the `clip/hf_*` inputs, CPU capability",
        f"{torch.backends.cpu.get_cpu_capability()}); ldvc-swift reproduces the Pillow backend only.",
        "",
    ]
    for folder in ("png", "jpeg", "labels", "hostile"):
        lines += [f"## {folder}/", "", "| file | bytes | notes |", "|---|---|---|"]
        for name, data in sorted(folders[folder].items()):
            if folder == "hostile":
                note = verdicts.get(name, "")
            elif folder == "labels":
                note = "annotation map"
            else:
                equal = same.get(f"{folder}/{name}", "")
                note = "all profiles decode alike" if equal == "pillow_exif,opencv" else (
                    "profiles differ: " + ", ".join(p for p in ("pillow_exif", "opencv") if p not in equal.split(",")))
            lines.append(f"| `{name}` | {len(data)} | {note} |")
        lines.append("")
    size = (ROOT / "reference.h5").stat().st_size
    lines += ["## reference.h5", "", f"{size} bytes; see the script's docstring for its datasets.", ""]
    (ROOT / "README.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
