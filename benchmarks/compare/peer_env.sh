# Sourced by the side-by-side scripts of benchmarks/compare/: fair peers, always.
#
# Debian's python3-numpy, python3-scipy, python3-torch and r-base link libblas.so.3, which is the
# slow reference BLAS unless libopenblas0-pthread is installed (then OpenBLAS takes the
# alternative); a ratio against a peer on the reference BLAS overstates hilm 10-40x. So every
# script installs OpenBLAS with its peers, checks what each peer process really maps, prints the
# BLAS and thread count beside each figure, and refuses to report a ratio otherwise.
#
#   peer_install PKG...               libopenblas0-pthread and PKG... (scripts/install-deps.sh)
#   peer_python_blas LABEL MODULE...  checks the BLAS that `import MODULE...` maps; prints
#                                     "LABEL: BLAS ..., N threads" and sets PEER_BLAS_NOTE; exits 3
#                                     when it is the reference BLAS or none is found
#   peer_r_blas LABEL RPKG            the same for an R package (loaded with library(RPKG))
# Needs ROOT (the repository) and PY (/usr/bin/python3) set by the caller.

peer_install() {
  "$ROOT/scripts/install-deps.sh" libopenblas0-pthread "$@"
}

peer_refuse() {
  echo "refusing to report a ratio: $1 runs on $2, not OpenBLAS (install libopenblas0-pthread" \
    "and check: update-alternatives --display libblas.so.3-x86_64-linux-gnu)" >&2
  exit 3
}

peer_python_blas() {
  local label=$1 info kind
  shift
  info=$(OMP_NUM_THREADS=${THREADS:-2} OPENBLAS_NUM_THREADS=${THREADS:-2} \
    PEER_THREADS=${THREADS:-2} "$PY" "$ROOT/benchmarks/compare/peer_blas.py" "$@")
  kind=$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["kind"])' "$info")
  [[ $kind == openblas ]] || peer_refuse "$label ($*)" "the $kind BLAS ($info)"
  PEER_BLAS_NOTE=$("$PY" -c '
import json, sys
i = json.loads(sys.argv[1])
name = i["config"] or i["libraries"][0]
note = "BLAS " + name + ", " + str(i["threads"]) + " BLAS threads"
if "torch_threads" in i:
    note += ", torch " + str(i["torch_threads"]) + " threads"
print(note)' "$info")
  echo "# $label: $PEER_BLAS_NOTE"
}

peer_r_blas() {
  local label=$1 rpkg=$2 libs
  libs=$(OMP_NUM_THREADS=${THREADS:-2} OPENBLAS_NUM_THREADS=${THREADS:-2} Rscript -e "
    suppressMessages(library($rpkg)); invisible(matrix(1, 2, 2) %*% matrix(1, 2, 2))
    m <- readLines('/proc/self/maps'); m <- grep('blas|lapack', m, value = TRUE)
    cat(unique(sapply(strsplit(m, ' +'), function(p) p[length(p)])), sep = '\n')")
  # As in peer_blas.py: the libblas.so.3 R linked decides (LAPACK may be OpenBLAS's either way).
  local blas
  blas=$(grep '/libblas\.so' <<<"$libs" || true)
  if [[ -n $blas ]] && ! grep -qv openblas <<<"$blas"; then
    PEER_BLAS_NOTE="BLAS $blas, ${THREADS:-2} threads"
  elif grep -q '/blas/libblas' <<<"$blas"; then
    peer_refuse "$label (R, $rpkg)" "the reference BLAS ($blas)"
  else
    peer_refuse "$label (R, $rpkg)" "no OpenBLAS libblas.so.3 found ($libs)"
  fi
  echo "# $label: $PEER_BLAS_NOTE"
}
