#!/usr/bin/env python3
"""Writes the JPEG fixtures of tests/io/jpeg_test.cpp with Pillow (libjpeg), and each one's
pixels as decoded by Pillow, as PNG: a 37x23 colour image (4:2:0, so partial MCUs and chroma
upsampling), a 21x11 gray image, and a progressive
file the baseline decoder must refuse. Run with Debian's /usr/bin/python3 (python3-pil)."""
import numpy as np
from PIL import Image

y, x = np.mgrid[0:23, 0:37]
rgb = np.stack([(x * 7) % 256, (y * 11) % 256, ((x + y) * 5 + 40 * ((x // 6 + y // 5) % 2)) % 256],
               axis=-1).astype(np.uint8)
image = Image.fromarray(rgb, "RGB")
image.save("colour_420.jpg", quality=85, subsampling=2)
image.save("progressive.jpg", quality=85, progressive=True)
gray = Image.fromarray(((x[:11, :21] * 12 + y[:11, :21] * 9) % 256).astype(np.uint8), "L")
gray.save("gray.jpg", quality=90)
for name in ("colour_420", "gray"):
    Image.open(name + ".jpg").save(name + ".png")
