#!/usr/bin/env bash
# check-parallel-regions.sh [PATH...] — no exception may leave an OpenMP parallel region.
#
# An exception that escapes an OpenMP structured block calls std::terminate (SIGABRT). hilm
# therefore requires every parallel region to be either GUARDED or marked NOTHROW. This script
# finds every region in the C++ sources under PATH... (default: include tools examples, from the
# repository root) and prints `file:line: problem` for each one that is neither. Exit status: 0 all
# regions pass, 1 some region fails, 2 usage error. Plain bash + awk + find; no Python.
# `ctest -L lint` runs it on the repository and on tests/lint/fixtures/ (which it must reject).
#
# A REGION starts at a line (outside comments) holding `#pragma omp parallel ...`,
# `HILM_SAE_OMP(omp parallel ...)` or `_Pragma("omp parallel ...")`; `#define` lines are not
# regions. Its extent is the statement that follows the directive: from the directive to the
# matching `}` of the first brace block (or to the first `;`) at parenthesis depth 0, counted on
# code with comments and string/character literals removed and preprocessor lines skipped.
#
# GUARDED (hilm::detail::ParallelGuard, include/hilm/core/detail/parallel.hpp) means all of:
#   1. `ParallelGuard NAME` is declared within the 12 lines above the directive (the nearest
#      declaration names the guard);
#   2. `NAME.run(` appears inside the region;
#   3. `NAME.rethrow()` appears after the region, on the line that closes it or within the 3 lines
#      that follow.
# It is on the author to route every possibly-throwing statement through `NAME.run`; the script
# checks that the guard is wired up, not that nothing outside `run` throws.
#
# NOTHROW means the nearest line above the directive — skipping `#if/#ifdef/#ifndef/#elif/#else/
# #endif` lines — is a comment `// hilm-nothrow: <reason>` with a non-empty reason. As a tripwire,
# a NOTHROW region fails anyway if its code contains an obvious throwing or allocating construct
# (throw, raise<, HILM_ASSERT, .at(, new, push_back/emplace/insert/resize/reserve/assign, a local
# std::vector/std::string/Eigen Matrix/Vector); such a region needs a guard instead.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi
if [[ $# -eq 0 ]]; then
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  set -- include tools examples
fi
for path in "$@"; do
  if [[ ! -e $path ]]; then
    echo "check-parallel-regions: no such file or directory: $path" >&2
    exit 2
  fi
done

files=()
while IFS= read -r -d '' f; do files+=("$f"); done < <(
  find "$@" -type f \( -name '*.hpp' -o -name '*.h' -o -name '*.hh' -o -name '*.cpp' \
    -o -name '*.cc' -o -name '*.cxx' -o -name '*.ipp' -o -name '*.inl' -o -name '*.tpp' \) \
    -print0 | sort -z)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "check-parallel-regions: no C++ sources under $*"
  exit 0
fi

awk '
# Splits `line` into CODE (comments and the contents of literals removed) and TEXT (comments
# removed, literals kept); block comments carry over lines through `in_block`.
function split_line(line,    n, i, c, nxt, q, prev) {
  CODE = ""; TEXT = ""; n = length(line); i = 1; prev = ""
  while (i <= n) {
    c = substr(line, i, 1); nxt = substr(line, i + 1, 1)
    if (in_block) {
      if (c == "*" && nxt == "/") { in_block = 0; i += 2; CODE = CODE " "; TEXT = TEXT " "; continue }
      i++; continue
    }
    if (c == "/" && nxt == "/") break
    if (c == "/" && nxt == "*") { in_block = 1; i += 2; continue }
    if (c == "\"" || (c == "\047" && prev !~ /[0-9]/)) {
      q = c; CODE = CODE q; TEXT = TEXT q; i++
      while (i <= n) {
        c = substr(line, i, 1)
        if (c == "\\") { TEXT = TEXT substr(line, i, 2); i += 2; continue }
        if (c == q) break
        TEXT = TEXT c; i++
      }
      CODE = CODE q; TEXT = TEXT q; i++; prev = q; continue
    }
    CODE = CODE c; TEXT = TEXT c; prev = c; i++
  }
}

function is_conditional(s) { return s ~ /^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|else|endif)([^A-Za-z0-9_]|$)/ }
function is_preprocessor(s) { return s ~ /^[ \t]*#/ }

# Column just after the parenthesis that closes the first "(" at or after column `from` of
# code[ln] (the directive macro call); 0 if it does not close on that line.
function after_call(ln, from,    s, n, i, c, depth) {
  s = code[ln]; n = length(s); depth = 0
  for (i = from; i <= n; i++) {
    c = substr(s, i, 1)
    if (c == "(") depth++
    else if (c == ")") { depth--; if (depth == 0) return i + 1 }
  }
  return 0
}

# Finds the end of the statement that starts at line `ln`, column `col`. Sets END_LINE and
# END_COL (0 when not found) and REGION (the code of the extent).
function find_end(ln, col,    j, s, n, i, c, paren, brace, first) {
  END_LINE = 0; END_COL = 0; REGION = ""; paren = 0; brace = 0
  for (j = ln; j <= nlines && j < ln + 5000; j++) {
    first = (j == ln) ? col : 1
    if (j > ln && is_preprocessor(code[j])) continue
    s = code[j]; n = length(s)
    for (i = first; i <= n; i++) {
      c = substr(s, i, 1)
      REGION = REGION c
      if (c == "(") paren++
      else if (c == ")") paren--
      else if (c == "{") brace++
      else if (c == "}") {
        brace--
        if (brace == 0 && paren == 0) { END_LINE = j; END_COL = i + 1; return }
      } else if (c == ";" && brace == 0 && paren == 0) { END_LINE = j; END_COL = i + 1; return }
    }
    REGION = REGION "\n"
  }
}

function report(ln, msg) { printf "%s:%d: %s\n", file, ln, msg; failures++ }

function check_file(    ln, form, start, col, k, name, t, after, marked, bad, m, problem) {
  for (ln = 1; ln <= nlines; ln++) {
    if (text[ln] ~ /^[ \t]*#[ \t]*define([^A-Za-z0-9_]|$)/) continue
    form = ""
    if (text[ln] ~ /^[ \t]*#[ \t]*pragma[ \t]+omp[ \t]+parallel([^A-Za-z0-9_]|$)/) form = "pragma"
    else if (match(text[ln], /HILM_SAE_OMP[ \t]*\([ \t]*omp[ \t]+parallel([^A-Za-z0-9_]|$)/)) form = "macro"
    else if (match(text[ln], /_Pragma[ \t]*\([ \t]*"[ \t]*omp[ \t]+parallel([^A-Za-z0-9_]|$)/)) form = "macro"
    if (form == "") continue
    regions++
    if (form == "pragma") { start = ln + 1; col = 1 }
    else {
      start = ln; col = after_call(ln, RSTART)
      if (col == 0) { report(ln, "cannot parse the parallel directive (it must close on its line)"); continue }
    }
    find_end(start, col)
    if (END_LINE == 0) { report(ln, "cannot find the end of the parallel region"); continue }

    # NOTHROW marker: nearest line above that is not a preprocessor conditional.
    marked = 0
    for (k = ln - 1; k >= 1 && is_conditional(code[k]); k--) ;
    if (k >= 1 && raw[k] ~ /\/\/[ \t]*hilm-nothrow:[ \t]*[^ \t]/) marked = 1

    # GUARDED: nearest `ParallelGuard NAME` within 12 lines above.
    name = ""
    for (k = ln - 1; k >= 1 && k >= ln - 12; k--) {
      if (match(code[k], /ParallelGuard[ \t]+[A-Za-z_][A-Za-z0-9_]*/)) {
        name = substr(code[k], RSTART, RLENGTH); sub(/^ParallelGuard[ \t]+/, "", name); break
      }
    }
    problem = ""
    if (name != "") {
      after = substr(code[END_LINE], END_COL)
      for (t = END_LINE + 1; t <= nlines && t <= END_LINE + 3; t++) after = after "\n" code[t]
      if (REGION !~ ("(^|[^A-Za-z0-9_])" name "[ \t]*\\.[ \t]*run[ \t]*\\("))
        problem = "guard `" name "` is declared but `" name ".run(` is not used inside the region"
      else if (after !~ ("(^|[^A-Za-z0-9_])" name "[ \t]*\\.[ \t]*rethrow[ \t]*\\([ \t]*\\)"))
        problem = "`" name ".rethrow()` must follow the region (within 3 lines of its end, line " END_LINE ")"
      else { guarded++; continue }
    }
    if (marked) {
      bad = ""
      m = REGION
      if (m ~ /(^|[^A-Za-z0-9_])throw([^A-Za-z0-9_]|$)/) bad = "throw"
      else if (m ~ /raise[ \t]*</) bad = "raise<"
      else if (m ~ /HILM_ASSERT/) bad = "HILM_ASSERT"
      else if (m ~ /(^|[^A-Za-z0-9_])new[ \t]/) bad = "new"
      else if (m ~ /\.[ \t]*at[ \t]*\(/) bad = ".at("
      else if (m ~ /(push_back|emplace_back|emplace|insert|resize|reserve|assign)[ \t]*\(/) bad = "a growing container call"
      else if (m ~ /std::(vector|string|map|set|unordered_map)[ \t]*[<A-Za-z_ \t]/) bad = "a std container"
      else if (m ~ /(^|[^A-Za-z0-9_])(Row)?(Matrix|Vector)[ \t]*</) bad = "an Eigen Matrix/Vector"
      if (bad != "") { report(ln, "marked hilm-nothrow but the region contains " bad ": guard it with ParallelGuard"); continue }
      nothrow++
      continue
    }
    if (problem != "") { report(ln, problem); continue }
    report(ln, "unguarded OpenMP parallel region: route its work through hilm::detail::ParallelGuard (run + rethrow) or mark the line above `// hilm-nothrow: <reason>`")
  }
}

FNR == 1 {
  if (NR > 1) check_file()
  file = FILENAME; nlines = 0; in_block = 0
}
{
  nlines++
  raw[nlines] = $0
  split_line($0)
  code[nlines] = CODE
  text[nlines] = TEXT
}
END {
  if (NR > 0) check_file()
  printf "check-parallel-regions: %d parallel regions: %d guarded, %d hilm-nothrow, %d failing\n", regions, guarded, nothrow, failures
  if (failures > 0) exit 1
  exit 0
}
' "${files[@]}"
