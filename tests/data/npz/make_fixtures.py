# Regenerates the .npz fixtures of tests/io/sparse_codes_test.cpp (needs numpy and scipy):
#   /usr/bin/python3 tests/data/npz/make_fixtures.py
# A 40 × 300 matrix with 5 active columns per row, values (i + 1) * 0.5 + c / 1000 at column
# c = (7 * i + 31 * t) % 300 for t = 0..4 — the test rebuilds it from this rule.
import os
import numpy as np
import scipy.sparse as sp

here = os.path.dirname(os.path.abspath(__file__))
rows, cols = 40, 300
dense = np.zeros((rows, cols), dtype=np.float32)
for i in range(rows):
    for t in range(5):
        c = (7 * i + 31 * t) % cols
        dense[i, c] = (i + 1) * 0.5 + c / 1000.0
sp.save_npz(os.path.join(here, "codes_csr.npz"), sp.csr_matrix(dense))  # deflate
sp.save_npz(os.path.join(here, "codes_csc.npz"), sp.csc_matrix(dense), compressed=False)
np.savez_compressed(os.path.join(here, "codes_dense.npz"), codes=dense)
sp.save_npz(os.path.join(here, "codes_coo.npz"), sp.coo_matrix(dense))  # unsupported format
