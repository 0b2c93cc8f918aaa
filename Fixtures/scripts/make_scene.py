#!/usr/bin/env python3
"""A small outdoor test picture for goldens and the README walkthrough: Fixtures/images/scene.{png,jpg}.

Drawn here, not downloaded: a 160×120 scene with sky (gradient, two clouds, a sun), distant hills,
grass (textured), a road narrowing to the horizon with a dashed centre line, and a cat-like figure on
the grass, so segmentation classes such as sky / grass / road / cat each cover a region. Seeded; the
only randomness is the grass and road texture and the cloud placement. Run from the repository root:

    python3 Fixtures/scripts/make_scene.py

Reruns give byte-identical files with the same numpy and Pillow (its zlib and libjpeg) versions; the
README of Fixtures/runtime lists the ones used.
"""
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Fixtures" / "images"
WIDTH, HEIGHT = 160, 120
HORIZON = 50
SEED = 20261201


def sky(rng):
    rows = np.linspace(0.0, 1.0, HORIZON)[:, None, None]
    top, bottom = np.array([70, 120, 205]), np.array([170, 205, 240])
    pixels = np.broadcast_to(top + (bottom - top) * rows, (HORIZON, WIDTH, 3)).copy()
    image = Image.fromarray(pixels.round().astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.ellipse((124, 8, 140, 24), fill=(255, 236, 150))
    for _ in range(2):
        x, y = int(rng.integers(10, 90)), int(rng.integers(6, 26))
        for dx, dy, r in ((0, 4, 7), (8, 0, 9), (17, 3, 7), (9, 6, 8)):
            draw.ellipse((x + dx - r, y + dy - r // 2, x + dx + r, y + dy + r // 2 + 2), fill=(246, 248, 252))
    return image.filter(ImageFilter.GaussianBlur(0.8))


def ground(rng):
    # Grass: two low-frequency stripe patterns plus mild noise, darker towards the viewer.
    y, x = np.mgrid[HORIZON:HEIGHT, 0:WIDTH].astype(np.float64)
    depth = (y - HORIZON) / (HEIGHT - HORIZON)
    shade = 0.85 + 0.15 * np.sin(x / 3.0 + y / 5.0) * np.cos(y / 2.5)
    noise = rng.normal(0.0, 3.0, size=depth.shape)
    green = np.stack([60 + 20 * depth, 150 - 30 * depth, 50 + 10 * depth], axis=-1) * shade[..., None]
    grass = np.clip(green + noise[..., None], 0, 255)
    image = Image.fromarray(grass.round().astype(np.uint8))
    draw = ImageDraw.Draw(image)
    # Road: a trapezoid from the bottom edge to a point near the horizon, asphalt grey with texture.
    road = [(48, HEIGHT - HORIZON), (132, HEIGHT - HORIZON), (86, 2), (78, 2)]
    mask = Image.new("L", image.size, 0)
    ImageDraw.Draw(mask).polygon(road, fill=255)
    asphalt = np.clip(105 + rng.normal(0.0, 3.0, size=depth.shape) - 20 * depth, 0, 255)
    image.paste(Image.fromarray(np.repeat(asphalt[..., None], 3, axis=-1).round().astype(np.uint8)), (0, 0), mask)
    # Dashed centre line, longer dashes nearer the viewer.
    for start in range(4, HEIGHT - HORIZON, 9):
        t0, t1 = start / (HEIGHT - HORIZON), min(start + 5, HEIGHT - HORIZON) / (HEIGHT - HORIZON)
        x0, x1 = 82 + 8 * t0, 82 + 8 * t1
        half0, half1 = 0.3 + 1.2 * t0, 0.3 + 1.2 * t1
        draw.polygon([(x0 - half0, start), (x0 + half0, start), (x1 + half1, start + 5), (x1 - half1, start + 5)],
                     fill=(235, 232, 210))
    # A cat-like figure on the grass: body, head, ears, tail.
    fur, dark = (205, 130, 60), (120, 70, 30)
    draw.ellipse((14, 30, 40, 50), fill=fur)
    draw.ellipse((32, 22, 48, 38), fill=fur)
    draw.polygon([(33, 27), (35, 17), (40, 24)], fill=fur)
    draw.polygon([(41, 24), (46, 17), (47, 28)], fill=fur)
    draw.line([(16, 40), (8, 30), (10, 22)], fill=dark, width=3)
    draw.ellipse((36, 28, 38, 30), fill=(20, 20, 20))
    draw.ellipse((42, 28, 44, 30), fill=(20, 20, 20))
    return image


def main():
    rng = np.random.default_rng(SEED)
    scene = Image.new("RGB", (WIDTH, HEIGHT))
    scene.paste(sky(rng), (0, 0))
    scene.paste(ground(rng), (0, HORIZON))
    # Distant hills standing on the horizon line.
    ImageDraw.Draw(scene).polygon([(0, HORIZON), (0, HORIZON - 5), (30, HORIZON - 9), (62, HORIZON)], fill=(86, 124, 96))
    OUT.mkdir(parents=True, exist_ok=True)
    scene.save(OUT / "scene.png", optimize=False, compress_level=9)
    scene.save(OUT / "scene.jpg", quality=90, optimize=False, progressive=False, subsampling="4:2:0")
    for name in ("scene.png", "scene.jpg"):
        print(f"{name}: {(OUT / name).stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
