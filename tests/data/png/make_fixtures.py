#!/usr/bin/env python3
"""Writes the PNG fixtures of tests/io/png_test.cpp with Python's zlib (an encoder independent of
hilm's): gradient_rgb.png (17x13 RGB, filter type y % 5 on row y, zlib level 9, so dynamic Huffman
blocks) and gradient_palette.png (9x7, 4-entry palette). Pixel values follow the formulas the test
recomputes: RGB (x*15, y*19, (x*y*7) % 256); palette index (x + y) % 4 with palette entries
(i*60, 255-i*60, 17*i)."""
import struct
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filtered(rows, bpp):
    out = bytearray()
    prev = bytes(len(rows[0]))
    for y, row in enumerate(rows):
        f = y % 5
        out.append(f)
        for x, v in enumerate(row):
            a = row[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][f]
            out.append((v - pred) % 256)
        prev = row
    return bytes(out)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, color_type, rows, bpp, extra=b""):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra +
            chunk(b"IDAT", zlib.compress(filtered(rows, bpp), 9)) + chunk(b"IEND", b""))


rgb = [bytes(v for x in range(17) for v in (x * 15, y * 19, (x * y * 7) % 256)) for y in range(13)]
open("gradient_rgb.png", "wb").write(png(17, 13, 2, rgb, 3))
pal = [bytes((x + y) % 4 for x in range(9)) for y in range(7)]
plte = chunk(b"PLTE", bytes(v for i in range(4) for v in (i * 60, 255 - i * 60, 17 * i)))
open("gradient_palette.png", "wb").write(png(9, 7, 3, pal, 1, plte))
