#!/usr/bin/env python3
"""Generates the scipy reference fixtures for tests/metrics/mcc_test.cpp.

Run with Debian's Python (numpy + scipy):  /usr/bin/python3 make_fixtures.py
Writes mcc_cases.txt next to this script. Each case is

    case n k m method          (method: 0 = Pearson, 1 = Spearman)
    n lines of k numbers       (truth)
    n lines of m numbers       (estimate)
    mean
    k numbers                  (matched |correlation| per true component, 0 if unmatched)
    k integers                 (matched estimate column, -1 if unmatched)

The expected values come from scipy.stats.pearsonr / spearmanr and
scipy.optimize.linear_sum_assignment (maximize=True) on |correlation|. Each case is checked to
have a unique optimal assignment (margin over the runner-up > 1e-6), so the assignment itself is
a fair test, not only the total.
"""
import itertools
import os

import numpy as np
from scipy import optimize, stats

rng = np.random.default_rng(20261128)


def correlation(truth, estimate, method):
    k, m = truth.shape[1], estimate.shape[1]
    r = np.zeros((k, m))
    for i in range(k):
        for j in range(m):
            if method == 0:
                r[i, j] = stats.pearsonr(truth[:, i], estimate[:, j])[0]
            else:
                r[i, j] = stats.spearmanr(truth[:, i], estimate[:, j])[0]
    return r


def margin(score):
    """Best total minus the best total of any other injective matching (brute force)."""
    k, m = score.shape
    totals = {}
    if k <= m:
        for cols in itertools.permutations(range(m), k):
            totals[cols] = sum(score[i, c] for i, c in enumerate(cols))
    else:
        for rows in itertools.permutations(range(k), m):
            totals[rows] = sum(score[r, j] for j, r in enumerate(rows))
    values = sorted(totals.values(), reverse=True)
    return values[0] - values[1] if len(values) > 1 else np.inf


cases = []
# (n, k, m, method, kind)
specs = [(60, 3, 3, 0, "perm"), (60, 3, 5, 0, "mix"), (80, 4, 6, 1, "mix"),
         (50, 4, 4, 1, "ties"), (70, 5, 3, 0, "mix"), (40, 2, 4, 1, "perm"),
         (90, 4, 5, 0, "mix"), (60, 3, 4, 1, "ties")]
for n, k, m, method, kind in specs:
    while True:
        truth = rng.standard_normal((n, k))
        if kind == "perm":
            perm = rng.permutation(max(k, m))[:m]
            estimate = np.column_stack([
                (rng.choice([-2.0, 0.5]) * truth[:, p] + 0.3 * rng.standard_normal(n))
                if p < k else rng.standard_normal(n) for p in perm])
        else:
            mixing = rng.standard_normal((k, m))
            estimate = truth @ mixing + 0.5 * rng.standard_normal((n, m))
        if kind == "ties":
            truth = np.round(truth * 2) / 2
            estimate = np.round(estimate)
        r = correlation(truth, estimate, method)
        score = np.abs(r)
        if margin(score) > 1e-6:
            break
    rows, cols = optimize.linear_sum_assignment(score, maximize=True)
    per = np.zeros(k)
    assignment = -np.ones(k, dtype=int)
    for i, j in zip(rows, cols):
        per[i] = score[i, j]
        assignment[i] = j
    cases.append((n, k, m, method, truth, estimate, per.mean(), per, assignment))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mcc_cases.txt")
with open(path, "w") as out:
    for n, k, m, method, truth, estimate, mean, per, assignment in cases:
        out.write(f"case {n} {k} {m} {method}\n")
        for row in truth:
            out.write(" ".join(repr(float(v)) for v in row) + "\n")
        for row in estimate:
            out.write(" ".join(repr(float(v)) for v in row) + "\n")
        out.write(repr(float(mean)) + "\n")
        out.write(" ".join(repr(float(v)) for v in per) + "\n")
        out.write(" ".join(str(int(v)) for v in assignment) + "\n")
print(f"wrote {len(cases)} cases to {path}")
