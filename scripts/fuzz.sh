#!/usr/bin/env bash
# Builds every libFuzzer target with clang + ASan/UBSan and runs each for SECONDS seconds on a
# scratch copy of its seed corpus, JOBS fuzzers at a time (each libFuzzer process is
# single-threaded, so on a 2-core machine two parsers fuzz side by side and each still gets its
# full SECONDS of one core). Fails on any crash, leak, sanitizer report or timeout; crash inputs
# are kept in BUILD_DIR/fuzz-artifacts/.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS [JOBS]
set -euo pipefail
build=$(realpath -m "${1:-build-fuzz}")
seconds=${2:-60}
jobs=${3:-$(nproc)}
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHILM_BUILD_FUZZERS=ON -DHILM_BUILD_TESTS=OFF -DHILM_BUILD_TOOLS=OFF -DHILM_BUILD_EXAMPLES=OFF \
  -DHILM_INSTALL=OFF -DHILM_USE_OPENMP=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
mkdir -p "$build/fuzz-artifacts"
shopt -s nullglob
fuzzers=("$build"/tests/fuzz/hilm_fuzz_*)
[[ ${#fuzzers[@]} -gt 0 ]] || { echo "fuzz: no fuzz targets were built"; exit 1; }
scratch_root=$(mktemp -d)
trap 'rm -rf "$scratch_root"' EXIT

# One fuzzer on its scratch corpus; writes its log and exit status into its scratch directory.
fuzz_one() {
  local fuzzer=$1 name scratch
  name=$(basename "$fuzzer"); name=${name#hilm_fuzz_}
  scratch="$scratch_root/$name"
  mkdir -p "$scratch/corpus"
  [[ -d "tests/fuzz/corpus/$name" ]] && cp -r "tests/fuzz/corpus/$name/." "$scratch/corpus/"
  echo "fuzz: $name for ${seconds}s"
  local rc=0
  (cd "$scratch" && "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
     -artifact_prefix="$build/fuzz-artifacts/$name-" -print_final_stats=1 \
     "$scratch/corpus" >"$scratch/log" 2>&1) || rc=$?
  echo "$rc" >"$scratch/status"
}

running=0
for fuzzer in "${fuzzers[@]}"; do
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$fuzzer" &
  running=$((running + 1))
done
wait

status=0
for fuzzer in "${fuzzers[@]}"; do
  name=$(basename "$fuzzer"); name=${name#hilm_fuzz_}
  scratch="$scratch_root/$name"
  if [[ "$(cat "$scratch/status" 2>/dev/null || echo missing)" != 0 ]]; then
    echo "fuzz: $name FAILED; last lines of its log:"; tail -n 40 "$scratch/log" 2>/dev/null || true
    status=1
  else
    echo "fuzz: $name: $(grep -E '^stat::number_of_executed_units' "$scratch/log" || echo 'no stats')"
  fi
done
exit $status
