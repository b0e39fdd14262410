#!/bin/sh
# Compiler launcher of target hilm_header_checks (tests/headers/headers.cmake): runs the compile
# command CMake wrote with -fsyntax-only appended, so that each header is parsed and checked with
# exactly the flags of a real build (include paths, -std, warnings, -Werror, the dependency file)
# without generating code, then creates the object file the build expects, so that an unchanged
# header is not checked again.
# Usage (set by CMake): syntax_only.sh COMPILER ARGS... -o OBJECT ... -c SOURCE
set -e
object=
previous=
for arg in "$@"; do
  if [ "$previous" = "-o" ]; then object=$arg; fi
  previous=$arg
done
"$@" -fsyntax-only
if [ -n "$object" ]; then
  : >"$object"
fi
