#!/usr/bin/env python3
"""Converts causal-learn's bnlearn_discrete_10000/data/<net>.txt (10000 rows of small integer
codes, one header row of names) to <net>.npy (uint8, C order) to halve the fixture size.
The conversion is exact: every value is an integer in 0..255 (checked below).
Usage: make_npy.py SOURCE_DATA_DIR OUTPUT_DIR"""
import os
import sys

import numpy as np

src, dst = sys.argv[1], sys.argv[2]
for name in sorted(os.listdir(src)):
    if not name.endswith(".txt"):
        continue
    x = np.loadtxt(os.path.join(src, name), skiprows=1)
    assert np.all(x == np.round(x)) and x.min() >= 0 and x.max() <= 255, name
    np.save(os.path.join(dst, name[:-4] + ".npy"), x.astype(np.uint8))
    print(name, x.shape, int(x.max()))
