#!/usr/bin/env bash
# Time-to-equal-error comparison of `hilm nmf` with scikit-learn (cd, mu) and RcppML on the same
# non-negative rank-12 matrix (DESIGN.md §5: ≥ 3× faster than scikit-learn's cd, faster than
# RcppML; both use 2 threads here).
#
# For each peer: run it for ITERS iterations (tol 0) and take its final relative error e (its
# floor); then, on both sides, the fewest iterations that reach rel_error ≤ e (+ half a printed
# digit) and the best of 3 timings of that run: the peer's own time (as it reports it) and hilm's
# elapsed_seconds (initialisation included on both sides, loading excluded). Ratio = peer / hilm.
#
# Usage: benchmarks/compare/nmf_vs_peers.sh [M N R ITERS SEED]   (default 3000 800 12 200 0)
# Environment: HILM_BIN   a `hilm` binary (default: build one in build-compare/ with -O3 -march=native)
#              SHARED     the shared bench folder (default: ../shared/bench next to the repo)
#              THREADS    threads for everyone (default 2)
# Installs its peers (python3-sklearn, python3-numpy, r-cran-rcppml) with OpenBLAS and refuses to
# report a ratio when a peer runs on the reference BLAS (peer_env.sh); the BLAS and thread count
# are printed beside each peer's figure. Take figures on a quiet machine (check `uptime`): OpenMP
# on an oversubscribed machine is slow. Last lines: one machine-readable row per peer,
# "nmf M N R PEER peer_s hilm_s ratio".
set -euo pipefail
M=${1:-3000}; N=${2:-800}; R=${3:-12}; ITERS=${4:-200}; SEED=${5:-0}
THREADS=${THREADS:-2}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/../shared/bench" && pwd)}
PY=/usr/bin/python3
# shellcheck source=peer_env.sh
source "$ROOT/benchmarks/compare/peer_env.sh"
peer_install python3-sklearn python3-numpy python3-scipy r-cran-rcppml cmake ninja-build g++ \
  libeigen3-dev libcli11-dev nlohmann-json3-dev
declare -A NOTE
peer_python_blas "scikit-learn" numpy scipy sklearn
NOTE[sklearn-cd]=$PEER_BLAS_NOTE; NOTE[sklearn-mu]=$PEER_BLAS_NOTE
peer_r_blas "RcppML" RcppML
NOTE[RcppML]=$PEER_BLAS_NOTE
if [[ -z "${HILM_BIN:-}" ]]; then
  BUILD="$ROOT/build-compare"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHILM_BUILD_TESTS=OFF \
    -DHILM_BUILD_EXAMPLES=OFF -DCMAKE_CXX_FLAGS="-march=native -Wno-maybe-uninitialized" >/dev/null
  cmake --build "$BUILD" -j2 --target hilm_cli >/dev/null
  HILM_BIN="$BUILD/tools/hilm/hilm"
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$PY" "$SHARED/make_nmf_data.py" "$M" "$N" "$R" "$SEED" "$WORK/data"
export OMP_NUM_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS

echo "# data: ${M} x ${N}, rank ${R}, ${ITERS} peer iterations, ${THREADS} threads; $(uptime | sed 's/.*load/load/')"
PEERS="$WORK/peers.txt"
"$PY" "$SHARED/sklearn_nmf.py" "$WORK/data.npy" "$R" "$ITERS" | tee "$PEERS"
Rscript "$SHARED/rcppml_nmf.R" "$WORK/data.f64" "$M" "$N" "$R" "$ITERS" | tee -a "$PEERS"

# One hilm run: prints "elapsed rel_error iterations".
run_hilm() {
  "$HILM_BIN" --threads "$THREADS" nmf --data "$WORK/data.npy" --rank "$R" --max-iter "$1" \
    --tol 0 --out "$WORK/out" | "$PY" -c \
    'import json,sys; j=json.load(sys.stdin); print(j["elapsed_seconds"], j["rel_error"], j["iterations"])'
}

# Fewest iterations reaching the target error (errors fall monotonically with iterations), then
# the best of 3 timings of that run.
time_to_error() {
  local target=$1 lo=0 hi=1 out err
  while :; do
    out=$(run_hilm "$hi"); err=$(echo "$out" | cut -d' ' -f2)
    if "$PY" -c "import sys; sys.exit(0 if $err <= $target else 1)"; then break; fi
    lo=$hi; hi=$((hi * 2))
    if (( hi > 20000 )); then echo "nan nan nan"; return; fi
  done
  while (( hi - lo > 1 )); do
    local mid=$(((lo + hi) / 2))
    out=$(run_hilm "$mid"); err=$(echo "$out" | cut -d' ' -f2)
    if "$PY" -c "import sys; sys.exit(0 if $err <= $target else 1)"; then hi=$mid; else lo=$mid; fi
  done
  local best=1e9
  for _ in 1 2 3; do
    out=$(run_hilm "$hi")
    best=$("$PY" -c "print(min($best, $(echo "$out" | cut -d' ' -f1)))")
  done
  echo "$best $(echo "$out" | cut -d' ' -f2) $hi"
}

# One peer run of N iterations: prints "seconds rel_error" of peer NAME (sklearn-cd, sklearn-mu,
# RcppML).
run_peer() {
  local name=$1 n=$2
  if [[ $name == RcppML ]]; then
    Rscript "$SHARED/rcppml_nmf.R" "$WORK/data.f64" "$M" "$N" "$R" "$n"
  else
    "$PY" "$SHARED/sklearn_nmf.py" "$WORK/data.npy" "$R" "$n"
  fi | grep "^$name:" | sed -E 's/.*: ([0-9.]+)s rel_err=([0-9.]+).*/\1 \2/'
}

# The peer's time to its own error floor: the fewest iterations (≤ ITERS) whose error is within
# half a printed digit of its ITERS-iteration error, best of 3 timings. Iterations past the
# floor would be time the peer did not need.
peer_time_to_error() {
  local name=$1 target=$2 lo=0 hi=$ITERS out err
  while (( hi - lo > 1 )); do
    local mid=$(((lo + hi) / 2))
    out=$(run_peer "$name" "$mid"); err=${out#* }
    if "$PY" -c "import sys; sys.exit(0 if $err <= $target else 1)"; then hi=$mid; else lo=$mid; fi
  done
  local best=1e9
  for _ in 1 2 3; do
    out=$(run_peer "$name" "$hi")
    best=$("$PY" -c "print(min($best, ${out% *}))")
  done
  echo "$best ${out#* } $hi"
}

printf '%-12s %10s %10s %8s %12s %10s %8s %8s  %s\n' peer peer_s peer_err p_iters hilm_s \
  hilm_err iters ratio "peer BLAS"
ROWS=()
while read -r line; do
  name=$(echo "$line" | cut -d: -f1)
  secs=$(echo "$line" | sed -E 's/.*: ([0-9.]+)s.*/\1/')
  err=$(echo "$line" | sed -E 's/.*rel_err=([0-9.]+).*/\1/')
  # The peers print 5 decimals: allow half a unit of the last digit.
  target=$("$PY" -c "print($err + 5e-6)")
  read -r secs perr pi <<<"$(peer_time_to_error "$name" "$target")"
  read -r hs he hi <<<"$(time_to_error "$target")"
  ratio=$("$PY" -c "print(f'{$secs / $hs:.2f}' if '$hs' != 'nan' else 'nan')")
  printf '%-12s %10s %10s %8s %12.4f %10.5f %8s %8s  %s\n' "$name" "$secs" "$perr" "$pi" "$hs" \
    "$he" "$hi" "$ratio" "${NOTE[$name]:-?}"
  ROWS+=("nmf $M $N $R $name $secs $hs $ratio")
done <"$PEERS"
printf '%s\n' "${ROWS[@]}"
