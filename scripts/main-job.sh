#!/usr/bin/env bash
# The main job (README's `make run`): `hilm demo`, the whole pipeline on a synthetic hierarchy
# (SAEs per level, identifiability, concept graph, steering), the quick-start example, then the
# same pipeline on the real networks (USE-lite text transformer, ESRGAN-slim image generator).
set -euo pipefail
build=$(realpath "${1:-build}")
out=${HILM_OUT:-out}
mkdir -p "$out"
echo "== hilm demo --out $out/demo"
"$build/tools/hilm/hilm" --progress demo --out "$out/demo"
echo "== quick start example"
data=$(realpath examples/data/activations.npy)
(cd "$out" && "$build/examples/hilm_example_01_quickstart" "$data")
echo "== real networks (scripts/models.lock): fetch, then hilm demo --case use-lite and --case esrgan"
if models=$(scripts/fetch-models.sh use-lite esrgan photos); then
  dir_of() { awk -v n="$1" '$1 == n {print $2}' <<<"$models"; }
  "$build/tools/hilm/hilm" --progress demo --case use-lite --model "$(dir_of use-lite)" \
    --out "$out/use-lite"
  "$build/tools/hilm/hilm" --progress demo --case esrgan --model "$(dir_of esrgan)" \
    --out "$out/esrgan"
elif [[ ${HILM_REQUIRE_MODELS:-0} == 1 ]]; then
  echo "main job: the real networks could not be fetched (HILM_REQUIRE_MODELS=1)" >&2
  exit 1
else
  echo "main job: the real networks could not be fetched; their demos are skipped" >&2
fi
