"""Golden inputs from real image files, through the preprocessing of the model's own library.

CLIP libraries get the decoded Pillow image and apply their own transform (OpenAI's and open_clip's
`preprocess`, HF's `CLIPImageProcessor`). ZegCLIP/LDVC use MMSegmentation's test pipeline, run here
with mmcv's own functions: `LoadImageFromFile` (mmcv.imread, BGR), `Resize(keep_ratio=True,
min_size=...)` (mmcv.imrescale, cv2 bilinear), `Normalize` (mmcv.imnormalize, BGR→RGB), `ImageToTensor`.
"""
from pathlib import Path

import numpy as np

from .weights import sha256_file


class ImageError(ValueError):
    pass


def image_record(path, height, width):
    """Provenance of one input image: file name, SHA-256 and decoded size."""
    return {"file": Path(path).name, "sha256": sha256_file(path), "height": int(height), "width": int(width)}


def open_pil(path):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(path)
        image.load()
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError) as error:
        raise ImageError(f"{path}: not an image Pillow can read ({error})") from None
    return image


def mmseg_resize_scale(height, width, img_scale, min_size):
    """The `scale` MMSeg's Resize hands to mmcv.imrescale (mmseg 0.x `_resize_img` with keep_ratio):
    with `min_size`, the short side becomes max(min_size, min(img_scale)) and the long side follows the
    image's aspect ratio."""
    if min_size is None:
        return tuple(img_scale)
    new_short = min_size if min(img_scale) < min_size else min(img_scale)
    if height > width:
        return (new_short * height / width, new_short)
    return (new_short, new_short * width / height)


def mmseg_test_pipeline(path, *, img_scale, min_size, mean, std, to_rgb):
    """(normalised CHW float32 image, original (h, w), resized (h, w)) as MMSeg's test pipeline makes it."""
    try:
        import mmcv
    except ImportError:
        raise ImageError("the MMSeg test pipeline needs mmcv (pip install mmcv-lite, or the mmcv of your "
                         "ZegCLIP environment)") from None
    if not Path(path).is_file():
        raise ImageError(f"{path}: no such file")
    try:
        image = mmcv.imread(str(path), flag="color", channel_order="bgr")
    except Exception as error:  # mmcv/cv2 raise various types for undecodable files
        raise ImageError(f"{path}: mmcv.imread failed ({error})") from None
    if image is None:
        raise ImageError(f"{path}: not an image OpenCV can read")
    height, width = image.shape[:2]
    scale = mmseg_resize_scale(height, width, img_scale, min_size)
    resized = mmcv.imrescale(image, scale, interpolation="bilinear")
    normalised = mmcv.imnormalize(resized, np.asarray(mean, dtype=np.float32), np.asarray(std, dtype=np.float32),
                                  to_rgb)
    return np.ascontiguousarray(normalised.transpose(2, 0, 1)), (height, width), resized.shape[:2]


def first_window(image, crop):
    """The first sliding-window crop (top-left), as ZegCLIP's slide_inference cuts it: [3, ≤crop, ≤crop]."""
    _, height, width = image.shape
    y2, x2 = min(crop, height), min(crop, width)
    return image[:, max(y2 - crop, 0):y2, max(x2 - crop, 0):x2]
