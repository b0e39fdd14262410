#!/usr/bin/env python3
"""Strong/weak-scaling model of hilm's distributed NMF and SAE training (docs/scale.md).

A model, not a measurement: per-rank time of one iteration (NMF) or step (SAE) as
compute + communication, with
  - collectives costed as in Thakur, Rabenseifner & Gropp 2005 ("Optimization of collective
    communication operations in MPICH"): all-gather / reduce-scatter of W words per rank in total,
    ring: (q-1)·alpha + (q-1)/q·W·beta; all-reduce (Rabenseifner / ring): 2·log2(q)·alpha +
    2·(q-1)/q·W·beta; a tree top-k merge: log2(q)·(alpha + W·beta);
  - the machine stated below (alpha latency, beta seconds per byte, F flop/s per node).
Usage: benchmarks/dist/scale_model.py [--alpha 2e-6] [--gbps 100] [--tflops 1.0]
"""
import argparse
import math


def allgather(q, words_total, alpha, beta):
    return 0.0 if q <= 1 else (q - 1) * alpha + (q - 1) / q * words_total * beta


def allreduce(q, words, alpha, beta):
    return 0.0 if q <= 1 else 2 * math.log2(q) * alpha + 2 * (q - 1) / q * words * beta


def nmf(p, m, n, k, alpha, beta, flops, one_d=False):
    """One HALS iteration, double precision (8-byte words)."""
    compute = 4.0 * k * m * n / p / flops + 2.0 * (m + n) / p * k * k * 5 / flops
    if one_d:  # rows of A split over p: the k x n product W'A all-reduced, H solved on every rank
        comm = allreduce(p, k * n * 8, alpha, beta)
    else:
        pr = max(1, round(math.sqrt(p * m / n)))
        while p % pr:
            pr -= 1
        pc = p // pr
        w_block, h_block = k * m / pr * 8, k * n / pc * 8
        comm = (2 * allgather(pc, w_block, alpha, beta) + 2 * allgather(pr, h_block, alpha, beta)
                + 2 * allreduce(p, k * k * 8, alpha, beta))
    return compute, comm


def sae(p, d, m, k, batch, alpha, beta, flops, sharded):
    """One TopK SAE step, float32: dense encoder GEMM forward, sparse backward and decoder."""
    compute = (2.0 * batch * d * m + 8.0 * batch * k * d) / p / flops
    if sharded:  # latents split over p: candidates merged by a tree, reconstruction all-reduced
        comm = (math.log2(p) * (alpha + batch * k * 8 * beta) if p > 1 else 0.0) + allreduce(
            p, batch * d * 4, alpha, beta)
    else:  # data parallel: the gradient of both weight matrices all-reduced
        comm = allreduce(p, 2 * d * m * 4, alpha, beta)
    return compute, comm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--alpha", type=float, default=2e-6, help="latency per message, s")
    ap.add_argument("--gbps", type=float, default=100.0, help="link bandwidth, Gbit/s")
    ap.add_argument("--tflops", type=float, default=1.0, help="GEMM rate per node, TFLOP/s")
    a = ap.parse_args()
    beta, flops = 8.0 / (a.gbps * 1e9), a.tflops * 1e12
    ps = [8, 32, 128, 512]
    print(f"machine: alpha {a.alpha:g} s, {a.gbps:g} Gbit/s, {a.tflops:g} TFLOP/s per node\n")
    print("NMF 1e6 x 1e5, rank 64, strong scaling (s per iteration; communication share)\n")
    print("| nodes | compute | 2-D grid comm | share | 1-D rows comm | share |")
    print("|---|---|---|---|---|---|")
    for p in ps:
        c, g = nmf(p, 1e6, 1e5, 64, a.alpha, beta, flops)
        _, r = nmf(p, 1e6, 1e5, 64, a.alpha, beta, flops, one_d=True)
        print(f"| {p} | {c:.3f} | {g:.4f} | {g / (c + g):.1%} | {r:.4f} | {r / (c + r):.1%} |")
    for name, batch_of in (("strong scaling, global batch 4,096", lambda p: 4096),
                           ("weak scaling, 4,096 rows per node", lambda p: 4096 * p)):
        print(f"\nTopK SAE d 2,304, m 65,536, k 64, {name} (s per step; communication share)\n")
        print("| nodes | compute | data-parallel comm | share | latent-sharded comm | share |")
        print("|---|---|---|---|---|---|")
        for p in ps:
            c, dp = sae(p, 2304, 65536, 64, batch_of(p), a.alpha, beta, flops, False)
            _, ls = sae(p, 2304, 65536, 64, batch_of(p), a.alpha, beta, flops, True)
            print(f"| {p} | {c:.4f} | {dp:.4f} | {dp / (c + dp):.0%} | {ls:.4f} | {ls / (c + ls):.0%} |")


if __name__ == "__main__":
    main()
