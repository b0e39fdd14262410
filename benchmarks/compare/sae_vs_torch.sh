#!/usr/bin/env bash
# Side-by-side TopK SAE training throughput: hilm vs PyTorch (CPU) on the same shape and threads,
# plus hilm's encoder GEMM against the machine's OpenBLAS sgemm (numpy) at the encoder's shape.
#
#   benchmarks/compare/sae_vs_torch.sh [D M K [BUILD_DIR]]     (default 512 4096 32 build-bench)
#
# Shapes of issue 16: 512 4096 32; 768 24576 32 (GPT-2-small width x32); 2304 16384 64 (Gemma-2-2B
# width); batch 1024, 2 threads. Installs its peers (python3-torch, python3-numpy) with OpenBLAS
# and refuses to report a ratio when they run on the reference BLAS (peer_env.sh); the BLAS and
# thread count are printed beside each figure. BUILD_DIR is configured with
# -DHILM_BUILD_BENCHMARKS=ON and built when hilm_bench is missing. Runs alternate (torch, hilm,
# torch, hilm) and the best of each is kept, to be fair on a shared machine. Last line: one
# machine-readable row "sae D M K torch_rows_s hilm_rows_s ratio gemm_gflops sgemm_gflops".
set -euo pipefail
D=${1:-512}; M=${2:-4096}; K=${3:-32}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${4:-$ROOT/build-bench}
SHARED=${HILM_SHARED_DIR:-$ROOT/../shared}
PY=/usr/bin/python3
THREADS=${THREADS:-2}
BATCH=1024
# shellcheck source=peer_env.sh
source "$ROOT/benchmarks/compare/peer_env.sh"
peer_install python3-torch python3-numpy libbenchmark-dev cmake ninja-build g++ libeigen3-dev
peer_python_blas "pytorch + numpy" numpy torch
TORCH_NOTE=$PEER_BLAS_NOTE
if [ ! -x "$BUILD/benchmarks/hilm_bench" ]; then
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHILM_BUILD_BENCHMARKS=ON \
    -DHILM_BUILD_TESTS=OFF -DHILM_BUILD_EXAMPLES=OFF -DHILM_BUILD_TOOLS=OFF >/dev/null
  cmake --build "$BUILD" --target hilm_bench -j"$THREADS" >/dev/null
fi
BENCH="$BUILD/benchmarks/hilm_bench"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Fewer PyTorch steps at the large shapes (a step there takes seconds).
STEPS=$((D * M >= 10000000 ? 6 : 20))

torch_run() {
  OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS "$PY" "$SHARED/bench/torch_topk_sae.py" \
    --d "$D" --m "$M" --k "$K" --batch $BATCH --threads "$THREADS" --steps $STEPS |
    sed -E 's/.*: ([0-9.]+) rows\/s.*/\1/'
}
hilm_run() {
  OMP_NUM_THREADS=$THREADS "$BENCH" \
    --benchmark_filter="BM_Sae_(TopKStep|EncoderGemm)/d:$D/m:$M/k:$K/batch:$BATCH/" \
    --benchmark_min_time=2 --benchmark_format=json >"$TMP/hilm.json" 2>/dev/null
  "$PY" - "$TMP/hilm.json" "$D" "$M" <<'PYEOF'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
d, m = int(sys.argv[2]), int(sys.argv[3])
step = [b for b in runs if b["name"].startswith("BM_Sae_TopKStep")]
gemm = [b for b in runs if b["name"].startswith("BM_Sae_EncoderGemm")]
if not step or not gemm:
    sys.exit(f"hilm_bench has no BM_Sae_TopKStep/EncoderGemm at d {d}, m {m} (benchmarks/sae_bench.cpp)")
secs = gemm[0]["real_time"] * {"ms": 1e-3, "us": 1e-6, "ns": 1e-9, "s": 1.0}[gemm[0]["time_unit"]]
print(step[0]["items_per_second"], 2 * 1024 * d * m / secs / 1e9)
PYEOF
}
sgemm_run() {
  OPENBLAS_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS "$PY" - "$D" "$M" <<'PYEOF'
import sys, time
import numpy as np
d, m = int(sys.argv[1]), int(sys.argv[2])
a = np.random.default_rng(0).standard_normal((1024, d), dtype=np.float32)
b = np.random.default_rng(1).standard_normal((d, m), dtype=np.float32)
for _ in range(3):
    a @ b
best = float("inf")
for _ in range(5):
    t = time.perf_counter()
    for _ in range(5):
        a @ b
    best = min(best, (time.perf_counter() - t) / 5)
print(2 * 1024 * d * m / best / 1e9)
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
"$PY" - "$best_torch" "$best_hilm" "$best_gemm" "$best_sgemm" "$D" "$M" "$K" "$THREADS" "$TORCH_NOTE" <<'PYEOF'
import sys
torch, hilm, gemm, sgemm = map(float, sys.argv[1:5])
d, m, k, threads, note = sys.argv[5:]
print(f"# shape: d={d} m={m} k={k} batch=1024 threads={threads}")
print(f"pytorch  TopK SAE training: {torch:10.0f} rows/s   [{note}]")
print(f"hilm     TopK SAE training: {hilm:10.0f} rows/s   [Eigen kernels, {threads} OpenMP threads]")
print(f"ratio hilm / pytorch:       {hilm / torch:10.2f}x   (target >= 5)")
print(f"numpy sgemm (OpenBLAS):     {sgemm:10.1f} GFLOP/s [{note.split(', torch')[0]}]")
print(f"hilm encoder GEMM:          {gemm:10.1f} GFLOP/s")
print(f"ratio GEMM / sgemm:         {gemm / sgemm:10.2f}    (target >= 0.80)")
print(f"sae {d} {m} {k} {torch:.0f} {hilm:.0f} {hilm / torch:.2f} {gemm:.1f} {sgemm:.1f}")
PYEOF
