#!/usr/bin/env python3
"""Times, with numpy/scipy on this machine, the per-call work causal-learn does for one Fisher-z
test and one conditional KCI test (causal-learn itself is not installable here: no PyPI).

This is a re-statement of the operations documented in causal-learn's cit.py / KCI.py (sub-matrix
of the correlation matrix, np.linalg.inv, norm.cdf; z-scoring, pdist kernels, centring, pinv,
two eigh calls and the gamma approximation), not their code. It anchors the hilm benchmark
when the issue's measured figures (KCI n=1000: 0.70 s; PC fisherz 10000x20: 0.31 s) cannot be
re-measured.  Run: /usr/bin/python3 benchmarks/compare/causallearn_equivalent_stats.py
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_blas  # noqa: E402  (the OpenBLAS check every side-by-side script makes)

import numpy as np
from scipy import stats
from scipy.spatial.distance import pdist, squareform
from scipy.stats import norm


def fisherz_call(corr, n, x, y, s):
    var = [x, y] + list(s)
    sub = corr[np.ix_(var, var)]
    inv = np.linalg.inv(sub)
    r = -inv[0, 1] / np.sqrt(inv[0, 0] * inv[1, 1])
    z = 0.5 * np.log((1 + r) / (1 - r))
    stat = np.sqrt(n - len(s) - 3) * abs(z)
    return 2 * (1 - norm.cdf(abs(stat)))


def kci_conditional(x, y, z):
    def gauss(a, theta):
        return np.exp(-0.5 * squareform(pdist(a, "sqeuclidean")) * theta)

    def center(k):
        n = k.shape[0]
        h = np.eye(n) - 1.0 / n
        return h.dot(k.dot(h))

    n = x.shape[0]
    x = stats.zscore(x, ddof=1, axis=0)
    y = stats.zscore(y, ddof=1, axis=0)
    z = stats.zscore(z, ddof=1, axis=0)
    xa = np.concatenate((x, 0.5 * z), axis=1)
    w = 0.7 if n < 1200 else 0.4
    theta = 1.0 / (w * w) / z.shape[1]
    kx, ky, kz = center(gauss(xa, theta)), center(gauss(y, theta)), center(gauss(z, theta))
    eps = 1e-3
    rz = eps * np.linalg.pinv(kz + eps * np.eye(n))
    kxr = rz.dot(kx.dot(rz))
    kyr = rz.dot(ky.dot(rz))
    stat = np.sum(kxr * kyr)
    wx, vx = np.linalg.eigh(0.5 * (kxr + kxr.T))
    wy, vy = np.linalg.eigh(0.5 * (kyr + kyr.T))
    vx = vx[:, wx > wx.max() * 1e-5] * np.sqrt(wx[wx > wx.max() * 1e-5])
    vy = vy[:, wy > wy.max() * 1e-5] * np.sqrt(wy[wy > wy.max() * 1e-5])
    uu = (vx[:, :, None] * vy[:, None, :]).reshape(n, -1)
    prod = uu.dot(uu.T) if uu.shape[1] > n else uu.T.dot(uu)
    mean, var = np.trace(prod), 2 * np.trace(prod.dot(prod))
    return 1 - stats.gamma.cdf(stat, mean * mean / var, 0, var / mean)


def main():
    note = peer_blas.require_openblas("numpy/scipy", ["numpy", "scipy"])
    print(f"# numpy/scipy: BLAS {note}")
    rng = np.random.RandomState(11)
    n, p = 10000, 20
    data = rng.randn(n, p)
    for j in range(1, p):
        data[:, j] += 0.5 * data[:, j - 1]
    corr = np.corrcoef(data.T)
    queries = [(x, y, (a,)) for x in range(p) for y in range(x + 1, p) for a in range(p) if a not in (x, y)]
    t0 = time.perf_counter()
    for q in queries:
        fisherz_call(corr, n, *q)
    per_test = (time.perf_counter() - t0) / len(queries)
    print(f"fisherz: {len(queries)} tests, {per_test * 1e6:.2f} us per test [{note}]")

    rng = np.random.RandomState(7)
    m = 1000
    zc = rng.randn(m, 1)
    xc = np.tanh(zc) + 0.5 * rng.randn(m, 1)
    yc = zc * zc + 0.5 * rng.randn(m, 1)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        pv = kci_conditional(xc, yc, zc)
        times.append(time.perf_counter() - t0)
    print(f"kci conditional n={m}: best {min(times):.3f} s (p = {pv:.6f}) [{note}]")


if __name__ == "__main__":
    main()
