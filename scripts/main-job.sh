#!/usr/bin/env bash
# The main job (README's `make run`): `hilm demo`, the whole pipeline on a synthetic hierarchy
# (SAEs per level, identifiability, concept graph, steering), then the quick-start example.
set -euo pipefail
build=$(realpath "${1:-build}")
out=${HILM_OUT:-out}
mkdir -p "$out"
echo "== hilm demo --out $out/demo"
"$build/tools/hilm/hilm" --progress demo --out "$out/demo"
echo "== quick start example"
data=$(realpath examples/data/activations.npy)
(cd "$out" && "$build/examples/hilm_example_01_quickstart" "$data")
