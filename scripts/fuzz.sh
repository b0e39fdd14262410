#!/usr/bin/env bash
# Builds every libFuzzer target with clang + ASan/UBSan and runs each for SECONDS seconds on a
# scratch copy of its seed corpus. Fails on any crash, leak, sanitizer report or timeout; crash
# inputs are kept in BUILD_DIR/fuzz-artifacts/.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
build=$(realpath -m "${1:-build-fuzz}")
seconds=${2:-60}
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHILM_BUILD_FUZZERS=ON -DHILM_BUILD_TESTS=OFF -DHILM_BUILD_TOOLS=OFF -DHILM_BUILD_EXAMPLES=OFF \
  -DHILM_INSTALL=OFF -DHILM_USE_OPENMP=OFF >/dev/null
cmake --build "$build" -j "$(nproc)"
mkdir -p "$build/fuzz-artifacts"
status=0
shopt -s nullglob
fuzzers=("$build"/tests/fuzz/hilm_fuzz_*)
[[ ${#fuzzers[@]} -gt 0 ]] || { echo "fuzz: no fuzz targets were built"; exit 1; }
for fuzzer in "${fuzzers[@]}"; do
  name=$(basename "$fuzzer"); name=${name#hilm_fuzz_}
  scratch=$(mktemp -d)
  mkdir -p "$scratch/corpus"
  [[ -d "tests/fuzz/corpus/$name" ]] && cp -r "tests/fuzz/corpus/$name/." "$scratch/corpus/"
  echo "fuzz: $name for ${seconds}s"
  if ! (cd "$scratch" && "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$build/fuzz-artifacts/$name-" -print_final_stats=1 \
        "$scratch/corpus" >"$scratch/log" 2>&1); then
    echo "fuzz: $name FAILED; last lines of its log:"; tail -n 40 "$scratch/log"
    status=1
  else
    grep -E "^stat::number_of_executed_units" "$scratch/log" || true
  fi
  rm -rf "$scratch"
done
exit $status
