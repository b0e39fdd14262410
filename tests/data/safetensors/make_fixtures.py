#!/usr/bin/python3
"""Writes python_fixture.safetensors, a .safetensors file built by the format description
(huggingface/safetensors README: u64 little-endian header length, JSON header, raw little-endian
C-order data) with numpy, json and struct only — independent of hilm's writer.

The header uses Python's default json separators (", " and ": "), tensors in insertion order (not
sorted by name) and space padding to a multiple of 8, so the reader sees a layout hilm's writer
never produces. Values are chosen to be exactly representable in their dtype; the C++ test
(tests/io/safetensors_test.cpp) recomputes them from the same formulas.

Run: /usr/bin/python3 tests/data/safetensors/make_fixtures.py   (rewrites the fixture)
"""
import json
import os
import struct

import numpy as np


def bf16_bytes(values):
    # bfloat16 = upper 16 bits of float32; the values below are exact in bfloat16, so truncation
    # is exact (asserted).
    f = np.asarray(values, dtype="<f4")
    bits = f.view("<u4")
    assert np.all((bits & 0xFFFF) == 0), "value not exact in bfloat16"
    return (bits >> 16).astype("<u2").tobytes()


def main():
    tensors = []  # (name, dtype code, shape, bytes)

    f32 = (np.arange(12, dtype=np.float64).reshape(3, 4) * 0.25 - 1.5).astype("<f4")
    tensors.append(("f32", "F32", [3, 4], f32.tobytes()))

    f64 = np.array([[0.1, -2.5, 1e300], [5e-324, -0.0, 1.0 / 3.0]], dtype="<f8")
    tensors.append(("f64", "F64", [2, 3], f64.tobytes()))

    f16 = np.array([1.0, -0.5, 65504.0, 2.0**-14, 2.0**-24], dtype="<f2")
    tensors.append(("f16", "F16", [5], f16.tobytes()))

    bf16_values = [1.0, -2.0, 3.140625, 2.0**100, -(2.0**-100), 0.0]
    tensors.append(("bf16", "BF16", [2, 3], bf16_bytes(bf16_values)))

    tensors.append(("i8", "I8", [4], np.array([-128, 127, 0, -1], dtype="<i1").tobytes()))
    tensors.append(("i16", "I16", [2, 2],
                    np.array([[-32768, 32767], [7, -7]], dtype="<i2").tobytes()))
    tensors.append(("i32", "I32", [1, 3],
                    np.array([[-2147483648, 2147483647, 12345]], dtype="<i4").tobytes()))
    tensors.append(("i64", "I64", [4],
                    np.array([2**53, -(2**53), 123456789012, -1], dtype="<i8").tobytes()))
    tensors.append(("i64_big", "I64", [1], np.array([2**53 + 1], dtype="<i8").tobytes()))
    tensors.append(("u8", "U8", [3], np.array([0, 200, 255], dtype="<u1").tobytes()))
    tensors.append(("u16", "U16", [2], np.array([0, 65535], dtype="<u2").tobytes()))
    tensors.append(("u32", "U32", [2], np.array([0, 4294967295], dtype="<u4").tobytes()))
    tensors.append(("u64", "U64", [2], np.array([0, 2**53], dtype="<u8").tobytes()))
    tensors.append(("u64_max", "U64", [1], np.array([2**64 - 1], dtype="<u8").tobytes()))
    tensors.append(("bool", "BOOL", [3], np.array([True, False, True], dtype="|b1").tobytes()))
    tensors.append(("scalar", "F32", [], np.array(42.5, dtype="<f4").tobytes()))
    cube = np.arange(8, dtype="<f4").reshape(2, 2, 2)
    tensors.append(("cube", "F32", [2, 2, 2], cube.tobytes()))
    tensors.append(("empty", "F32", [0, 3], b""))

    header = {"__metadata__": {"format": "pt", "source": "make_fixtures.py"}}
    data = b""
    for name, code, shape, raw in tensors:
        n = int(np.prod(shape, dtype=np.int64)) if shape else 1
        size = {"F32": 4, "F64": 8, "F16": 2, "BF16": 2, "I8": 1, "I16": 2, "I32": 4, "I64": 8,
                "U8": 1, "U16": 2, "U32": 4, "U64": 8, "BOOL": 1}[code]
        assert len(raw) == n * size, name
        header[name] = {"dtype": code, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python_fixture.safetensors")
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        f.write(data)
    print(out, 8 + len(text) + len(data), "bytes")


if __name__ == "__main__":
    main()
