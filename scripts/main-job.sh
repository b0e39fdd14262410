#!/usr/bin/env bash
# The main job (README's `make run`): the hilm tool on the bundled example and the quick start.
# Later: `hilm demo`, the whole pipeline on a synthetic hierarchy.
set -euo pipefail
build=$(realpath "${1:-build}")
out=${HILM_OUT:-out}
mkdir -p "$out"
echo "== hilm info examples/data/activations.npy"
"$build/tools/hilm/hilm" info examples/data/activations.npy
echo "== quick start example"
data=$(realpath examples/data/activations.npy)
(cd "$out" && "$build/examples/hilm_example_01_quickstart" "$data")
