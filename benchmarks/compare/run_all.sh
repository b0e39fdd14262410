#!/usr/bin/env bash
# `make compare`: every side-by-side script in one run, peers on OpenBLAS (peer_env.sh), and one
# table of the results, printed and written to OUT (default build-bench/compare.md).
#
#   benchmarks/compare/run_all.sh [OUT]
#
# SAE: TopK training rows/s against PyTorch at the three shapes of issue 16 (sae_vs_torch.sh).
# NMF: time to the peer's error at 3000 x 800 rank 12 against scikit-learn (cd, mu) and RcppML
# (nmf_vs_peers.sh); the Fisher-z / KCI anchor (causallearn_equivalent_stats.py), printed only.
# Take it on an idle machine (the load average is printed at start and end).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/build-bench/compare.md}
mkdir -p "$(dirname "$OUT")"
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
echo "# compare: start $(date -u +%FT%TZ); $(uptime | sed 's/.*load/load/')" | tee "$LOG"
for shape in "512 4096 32" "768 24576 32" "2304 16384 64"; do
  # shellcheck disable=SC2086
  "$ROOT/benchmarks/compare/sae_vs_torch.sh" $shape | tee -a "$LOG"
done
"$ROOT/benchmarks/compare/nmf_vs_peers.sh" 3000 800 12 200 0 | tee -a "$LOG"
# The CI-test anchor (numpy/scipy restatement of causal-learn's per-call work; causal-learn is not
# installable here): printed with its BLAS, not put in the ratio table.
OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 \
  "$ROOT/benchmarks/compare/causallearn_equivalent_stats.py" | tee -a "$LOG"
echo "# compare: end $(date -u +%FT%TZ); $(uptime | sed 's/.*load/load/')" | tee -a "$LOG"

/usr/bin/python3 - "$LOG" "$OUT" <<'PYEOF'
import os, sys
lines = open(sys.argv[1]).read().splitlines()
notes = [l for l in lines if l.startswith("# ")]
blas = sorted({l.split(": ", 1)[1] for l in notes if ": BLAS " in l})
rows = ["| work | peer | peer | hilm | ratio | target |", "|---|---|---|---|---|---|"]
for l in lines:
    f = l.split()
    if f and f[0] == "sae" and len(f) == 9:
        d, m, k, torch, hilm, ratio, gemm, sgemm = f[1:]
        rows.append(f"| TopK SAE d {d}, m {m}, k {k}, batch 1024 | PyTorch | {float(torch):,.0f} rows/s"
                    f" | {float(hilm):,.0f} rows/s | {ratio}x | >= 5x |")
        rows.append(f"| encoder GEMM 1024x{d} . {d}x{m} | OpenBLAS sgemm | {sgemm} GFLOP/s"
                    f" | {gemm} GFLOP/s | {float(gemm) / float(sgemm):.2f} | >= 0.80 |")
    elif f and f[0] == "nmf" and len(f) == 8:
        m, n, r, peer, ps, hs, ratio = f[1:]
        target = {"sklearn-cd": ">= 3x", "RcppML": ">= 2x"}.get(peer, "")
        rows.append(f"| NMF {m}x{n} rank {r}, each side to the peer's error floor | {peer} | {float(ps):.3f} s"
                    f" | {float(hs):.3f} s | {ratio}x | {target} |")
text = "\n".join([notes[0]] + ["# peer " + b for b in blas] + [""] + rows + ["", notes[-1]]) + "\n"
with open(sys.argv[2] + ".tmp", "w") as f:  # written whole, then renamed
    f.write(text)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
print(text)
PYEOF
echo "compare: table written to $OUT"
