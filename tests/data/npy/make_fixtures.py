#!/usr/bin/python3
"""Writes the .npy fixtures of tests/io/npy_test.cpp and tests/io/npy_file_source_test.cpp.

Run from anywhere with /usr/bin/python3 (numpy only); the files land next to this script.
Every value is formulaic so that the C++ tests recompute it instead of reading a list:

grid_<type>_<order>[_<endian>].npy  shape (3, 4); element (i, j) has k = 4*i + j and holds
    bool      k % 3 == 0
    intB      (k - 5) * (2**(B-5) + 1)        (several non-zero bytes, negative values)
    uintB     k * (2**(B-4) + 1)
    floatB    (k - 5) * 0.25
  order C or F (numpy order='C'/'F'); endian le or be (only for multi-byte types).
The special files below hold the listed values.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def out(name):
    return os.path.join(HERE, name)


def grid(kind, bits):
    k = np.arange(12, dtype=np.int64).reshape(3, 4)
    if kind == "bool":
        return k % 3 == 0
    if kind == "int":
        return ((k - 5) * (2 ** (bits - 5) + 1)).astype(f"i{bits // 8}")
    if kind == "uint":
        return (k.astype(np.uint64) * np.uint64(2 ** (bits - 4) + 1)).astype(f"u{bits // 8}")
    return ((k - 5) * 0.25).astype(f"f{bits // 8}")


TYPES = [("bool", "bool", 8), ("int8", "int", 8), ("int16", "int", 16), ("int32", "int", 32),
         ("int64", "int", 64), ("uint8", "uint", 8), ("uint16", "uint", 16),
         ("uint32", "uint", 32), ("uint64", "uint", 64), ("float16", "float", 16),
         ("float32", "float", 32), ("float64", "float", 64)]


def main():
    for name, kind, bits in TYPES:
        a = grid(kind, bits)
        for order in ("C", "F"):
            if bits == 8:
                np.save(out(f"grid_{name}_{order}.npy"), np.array(a, order=order))
                continue
            for endian, code in (("le", "<"), ("be", ">")):
                b = np.array(a.astype(a.dtype.newbyteorder(code)), order=order)
                np.save(out(f"grid_{name}_{order}_{endian}.npy"), b)

    # Format versions 2.0 and 3.0 (numpy picks 1.0 by itself; force the others).
    with open(out("version2_float64.npy"), "wb") as f:
        np.lib.format.write_array(f, grid("float", 64), version=(2, 0))
    with open(out("version3_float32_F.npy"), "wb") as f:
        np.lib.format.write_array(f, np.asfortranarray(grid("float", 32)), version=(3, 0))

    # Shapes other than (r, c).
    np.save(out("scalar_0d_float64.npy"), np.array(3.5))
    np.save(out("vector_1d_int32.npy"), np.array([10, 20, 30, 40, 50], dtype=np.int32))
    np.save(out("empty_0x3_float32.npy"), np.zeros((0, 3), dtype=np.float32))
    np.save(out("three_d_float32.npy"), np.zeros((2, 3, 4), dtype=np.float32))

    # Special values.
    np.save(out("int64_beyond_2p53.npy"),
            np.array([1, 2 ** 53, 2 ** 53 + 1, -(2 ** 53 + 1)], dtype=np.int64))
    np.save(out("uint64_max.npy"), np.array([0, 2 ** 64 - 1], dtype=np.uint64))
    np.save(out("float16_special.npy"),
            np.array([np.inf, -np.inf, np.nan, 2.0 ** -24, 65504.0, -0.0], dtype=np.float16))
    np.save(out("float64_out_of_float32_range.npy"), np.array([0.5, 1e300], dtype=np.float64))
    np.save(out("float64_inexact_in_float32.npy"), np.array([0.5, 0.1], dtype=np.float64))
    nonfinite = np.arange(12, dtype=np.float32).reshape(4, 3)
    nonfinite[2, 1] = np.nan
    np.save(out("nonfinite_float32.npy"), nonfinite)

    # Dtypes hilm does not support.
    np.save(out("unsupported_complex64.npy"), np.zeros((2, 2), dtype=np.complex64))
    np.save(out("unsupported_bytes.npy"), np.array([b"abc", b"de"]))
    np.save(out("unsupported_unicode.npy"), np.array(["ab", "c"]))
    np.save(out("unsupported_structured.npy"),
            np.zeros(3, dtype=[("x", "<f4"), ("y", "<i4")]))
    np.save(out("unsupported_datetime.npy"), np.array(["2024-01-01"], dtype="datetime64[D]"))


if __name__ == "__main__":
    main()
