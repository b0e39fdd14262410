#!/usr/bin/env python3
"""Writes pc_example.csv: the first 2000 rows of causal-learn's
tests/TestData/test_pc_simulated_linear_gaussian_data.txt (MIT; a linear-Gaussian model with
edges 0→1, 0→3, 1→2, 1→3, 2→3, 2→4, 3→4, documented in tests/TestPC.py), 6 decimals, with
illustrative column names. Usage: make_pc_example.py PATH_TO_test_pc_simulated_linear_gaussian_data.txt"""
import sys

import numpy as np

x = np.loadtxt(sys.argv[1], skiprows=1)[:2000]
np.savetxt("pc_example.csv", x, delimiter=",", fmt="%.6f",
           header="rain,sprinkler,wet_grass,slippery,accident", comments="")
