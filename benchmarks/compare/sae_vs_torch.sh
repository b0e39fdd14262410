#!/usr/bin/env bash
# Side-by-side TopK SAE training throughput: hilm vs PyTorch (CPU) on the same shape
# (d = 512, m = 4096, k = 32, batch 1024, 2 threads), plus the encoder GEMM against the machine's
# sgemm (numpy with OpenBLAS). Prints both rates and the ratios.
#
#   benchmarks/compare/sae_vs_torch.sh [BUILD_DIR]
#
# Needs: python3-torch and python3-numpy (Debian), ideally libopenblas0 so that numpy and torch use
# OpenBLAS rather than the reference BLAS. BUILD_DIR (default build-bench) is configured with
# -DHILM_BUILD_BENCHMARKS=ON and built when hilm_bench is missing. Runs alternate (torch, hilm,
# torch, hilm) and the best of each is kept, to be fair on a shared machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-bench}
SHARED=${HILM_SHARED_DIR:-$ROOT/../shared}
PY=${PYTHON:-/usr/bin/python3}
THREADS=2
if [ ! -x "$BUILD/benchmarks/hilm_bench" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHILM_BUILD_BENCHMARKS=ON \
    -DHILM_BUILD_TESTS=OFF -DHILM_BUILD_EXAMPLES=OFF -DHILM_BUILD_TOOLS=OFF >/dev/null
  cmake --build "$BUILD" --target hilm_bench -j"$THREADS" >/dev/null
fi
BENCH="$BUILD/benchmarks/hilm_bench"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

torch_run() {
  OMP_NUM_THREADS=$THREADS "$PY" "$SHARED/bench/torch_topk_sae.py" --d 512 --m 4096 --k 32 \
    --batch 1024 --threads $THREADS --steps 20 | sed -E 's/.*: ([0-9.]+) rows\/s.*/\1/'
}
hilm_run() {
  OMP_NUM_THREADS=$THREADS "$BENCH" \
    --benchmark_filter='BM_Sae_(TopKStep|EncoderGemm)/d:512/m:4096/k:32/batch:1024' \
    --benchmark_min_time=2 --benchmark_format=json >"$TMP/hilm.json" 2>/dev/null
  "$PY" - "$TMP/hilm.json" <<'PYEOF'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
step = [b for b in runs if b["name"].startswith("BM_Sae_TopKStep")][0]
gemm = [b for b in runs if b["name"].startswith("BM_Sae_EncoderGemm")][0]
secs = gemm["real_time"] * {"ms": 1e-3, "us": 1e-6, "ns": 1e-9, "s": 1.0}[gemm["time_unit"]]
print(step["items_per_second"], 2 * 1024 * 512 * 4096 / secs / 1e9)
PYEOF
}
sgemm_run() {
  OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS "$PY" - <<'PYEOF'
import time
import numpy as np
a = np.random.default_rng(0).standard_normal((1024, 512), dtype=np.float32)
b = np.random.default_rng(1).standard_normal((512, 4096), dtype=np.float32)
for _ in range(3):
    a @ b
best = float("inf")
for _ in range(5):
    t = time.perf_counter()
    for _ in range(10):
        a @ b
    best = min(best, (time.perf_counter() - t) / 10)
print(2 * 1024 * 512 * 4096 / best / 1e9)
PYEOF
}

best_torch=0; best_hilm=0; best_gemm=0; best_sgemm=0
for round in 1 2; do
  t=$(torch_run); read -r h g < <(hilm_run); s=$(sgemm_run)
  best_torch=$("$PY" -c "print(max($best_torch, $t))")
  best_hilm=$("$PY" -c "print(max($best_hilm, $h))")
  best_gemm=$("$PY" -c "print(max($best_gemm, $g))")
  best_sgemm=$("$PY" -c "print(max($best_sgemm, $s))")
done
"$PY" - "$best_torch" "$best_hilm" "$best_gemm" "$best_sgemm" <<'PYEOF'
import sys
torch, hilm, gemm, sgemm = map(float, sys.argv[1:])
print(f"shape: d=512 m=4096 k=32 batch=1024 threads=2")
print(f"pytorch  TopK SAE training: {torch:10.0f} rows/s")
print(f"hilm     TopK SAE training: {hilm:10.0f} rows/s")
print(f"ratio hilm / pytorch:       {hilm / torch:10.2f}x   (target >= 5)")
print(f"numpy sgemm (BLAS):         {sgemm:10.1f} GFLOP/s")
print(f"hilm encoder GEMM:          {gemm:10.1f} GFLOP/s")
print(f"ratio GEMM / sgemm:         {gemm / sgemm:10.2f}    (target >= 0.70)")
PYEOF
