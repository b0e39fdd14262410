#!/usr/bin/env bash
# check-house.sh [--report] [INCLUDE_DIR [DEVELOPMENT_MD]] — the house rules of include/hilm that a
# compiler cannot check (docs/development.md, "Layout" and "Layering"). Prints `file:line: problem`
# for each breach and a summary; exit 0 when all rules hold, 1 when one fails, 2 on a usage error.
# With --report it also prints the per-file figures behind each rule. Plain bash + awk + tsort.
# `ctest -L lint` runs it on the repository and on tests/lint/fixtures/house/ (a tree it must reject).
#
# Rules (a "module" is a folder under include/hilm; a "public header" is one not under detail/):
#   layering    no include cycle between modules (tsort of the module include graph); no header
#               outside synth/ and testing/ includes <hilm/synth/...> or <hilm/testing/...>.
#   namespaces  every namespace opened in include/hilm is hilm, hilm::detail (or `detail` nested
#               in hilm) or hilm::testing (only under testing/); aliases (`namespace fs = ...`)
#               inside functions are fine.
#   detail      at most DETAIL_BUDGET (300) lines of code (not blank, not comment) inside detail
#               namespaces of public headers, over the whole tree: implementation lives in
#               <module>/detail/, a public header reads top-down.
#   length      no function in include/hilm longer than MAX_FUNCTION_LINES (150) lines, from its
#               opening brace to its closing one, unless docs/development.md names it in its
#               "Long kernels" table as a row | `hilm/<module>/<file>.hpp` | `<function>` | why |.
set -euo pipefail

report=0
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi
if [[ ${1:-} == --report ]]; then
  report=1
  shift
fi
if [[ $# -eq 0 ]]; then
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  set -- include docs/development.md
fi
include_dir=${1%/}
development_md=${2:-docs/development.md}
detail_budget=${DETAIL_BUDGET:-300}
max_function_lines=${MAX_FUNCTION_LINES:-150}

if [[ ! -d $include_dir/hilm ]]; then
  echo "check-house: $include_dir/hilm is not a directory" >&2
  exit 2
fi
if [[ ! -f $development_md ]]; then
  echo "check-house: $development_md does not exist (it holds the table of long kernels)" >&2
  exit 2
fi

headers=()
while IFS= read -r -d '' f; do headers+=("$f"); done < <(find "$include_dir/hilm" -type f -name '*.hpp' -print0 | sort -z)
failures=0
# module_of FILE: the module folder of a header (empty for hilm/hilm.hpp and other top-level files).
module_of() {
  local rel=${1#"$include_dir"/hilm/}
  [[ $rel == */* ]] && echo "${rel%%/*}"
  return 0
}
include_pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*<hilm/'

# --- layering -----------------------------------------------------------------------------------
# One "from to" line per module-to-module include.
edges=$(for f in "${headers[@]}"; do
  from=$(module_of "$f")
  [[ -n $from ]] || continue
  sed -n 's|^[[:space:]]*#[[:space:]]*include[[:space:]]*<hilm/\([a-z_]*\)/.*|\1|p' "$f" |
    while read -r to; do [[ $to == "$from" ]] || echo "$from $to"; done
done | sort -u)
if [[ -n $edges ]] && ! tsort <<<"$edges" >/dev/null 2>&1; then
  # tsort names the modules of each loop on stderr; report every include between two of them.
  loop=" $(tsort <<<"$edges" 2>&1 >/dev/null | grep -v 'input contains a loop' |
    sed 's/^tsort: //' | sort -u | tr '\n' ' ' || true)"
  for f in "${headers[@]}"; do
    from=$(module_of "$f")
    [[ -n $from && $loop == *" $from "* ]] || continue
    while IFS=: read -r line text; do
      to=$(sed -n 's|.*<hilm/\([a-z_]*\)/.*|\1|p' <<<"$text")
      [[ $to != "$from" && $loop == *" $to "* ]] || continue
      echo "$f:$line: include of <hilm/$to/...> closes an include cycle between modules:$loop"
      failures=$((failures + 1))
    done < <(grep -n "$include_pattern" "$f" || true)
  done
fi
for f in "${headers[@]}"; do
  case $(module_of "$f") in synth | testing | '') continue ;; esac
  while IFS=: read -r line text; do
    echo "$f:$line: production header includes $(grep -o '<hilm/[^>]*>' <<<"$text") (generators and test oracles stay out of production headers)"
    failures=$((failures + 1))
  done < <(grep -n "$include_pattern"'\(synth\|testing\)/' "$f" || true)
done
if [[ $report -eq 1 ]]; then
  echo "== module include graph (from -> to)"
  sed 's/ / -> /' <<<"$edges" | sed 's/^/  /'
fi

# --- namespaces, detail, length (one awk pass over every header) --------------------------------
# "LINE hilm/<module>/<file>.hpp FUNCTION" for each row of the Long kernels table.
allowed=$(grep -n '^|' "$development_md" |
  sed -n 's/^\([0-9]*\):|[[:space:]]*`\(hilm\/[^`]*\.hpp\)`[[:space:]]*|[[:space:]]*`\([A-Za-z_0-9~]*\)\(()\)\{0,1\}`[[:space:]]*|.*/\1 \2 \3/p')

set +e
awk -v budget="$detail_budget" -v max_len="$max_function_lines" -v report="$report" \
  -v allowed="$allowed" -v prefix="$include_dir/" -v md="$development_md" '
BEGIN {
  n = split(allowed, a, "\n")
  for (i = 1; i <= n; i++) {
    if (split(a[i], parts, " ") != 3) continue
    ALLOWED[parts[2] " " parts[3]] = parts[1]
  }
}
# Code of `line` with comments removed and the contents of literals blanked; block comments carry
# over lines through `in_block`.
function strip(line,    out, n, i, c, nxt, q, prev) {
  out = ""; n = length(line); i = 1; prev = ""
  while (i <= n) {
    c = substr(line, i, 1); nxt = substr(line, i + 1, 1)
    if (in_block) {
      if (c == "*" && nxt == "/") { in_block = 0; i += 2; out = out " "; continue }
      i++; continue
    }
    if (c == "/" && nxt == "/") break
    if (c == "/" && nxt == "*") { in_block = 1; i += 2; continue }
    if (c == "\"" || (c == "\047" && prev !~ /[0-9]/)) {
      q = c; out = out q; i++
      while (i <= n) {
        c = substr(line, i, 1)
        if (c == "\\") { i += 2; continue }
        if (c == q) break
        i++
      }
      out = out q; i++; prev = q; continue
    }
    out = out c; prev = c; i++
  }
  return out
}
function fail(ln, msg) { printf "%s:%d: %s\n", FILENAME, ln, msg; failures++ }

# Name of the function whose signature is `sig`: the identifier before the first "(".
function function_name(sig,    p, head) {
  p = index(sig, "(")
  head = substr(sig, 1, p - 1)
  sub(/[ \t]+$/, "", head)
  if (head ~ /operator[^A-Za-z0-9_]*$/) { sub(/.*operator/, "operator", head); return head }
  sub(/.*[^A-Za-z0-9_~]/, "", head)
  return head
}

# Classifies the brace about to open, given the code since the previous ; { or } (`sig`) and the
# kind of scope it opens in: "namespace NAME", "class", "function", or "block".
function classify(sig, outer,    s, name, t, po, pc) {
  s = sig
  gsub(/[ \t]+/, " ", s)
  if (outer == "function" || outer == "block") return "block"
  # A brace inside an unclosed parenthesis (a default argument `= {}`) is part of the signature.
  t = s; po = gsub(/\(/, "", t); t = s; pc = gsub(/\)/, "", t)
  if (po > pc) return "init"
  if (match(s, /(^|[^A-Za-z0-9_])namespace [A-Za-z_:]*[ ]*$/)) {
    name = substr(s, RSTART, RLENGTH); sub(/.*namespace /, "", name); sub(/ +$/, "", name)
    return "namespace " name
  }
  if (s ~ /(^|[^A-Za-z0-9_])extern "[^"]*" *$/) return "namespace extern"
  if (s ~ /(^|[^A-Za-z0-9_])concept([^A-Za-z0-9_]|$)/) return "block"
  if (s ~ /= *$/ || s ~ /(^|[^A-Za-z0-9_])return *$/) return "block"
  if (s ~ /(^|[^A-Za-z0-9_])(class|struct|union|enum)([^A-Za-z0-9_]|$)/ && s !~ /\)[^()]*$/) return "class"
  if (s ~ /\)/) return "function"
  return "block"
}

FNR == 1 {
  file_detail[FILENAME] = 0
  rel = substr(FILENAME, length(prefix) + 1)
  depth = 0; in_block = 0; sig = ""; in_pp = 0; detail_depth = 0
  public = (FILENAME !~ /\/detail\//)
}
{
  raw = $0
  # Preprocessor lines (and their continuations) are not code.
  if (in_pp || raw ~ /^[ \t]*#/) { in_pp = (raw ~ /\\$/); next }
  code = strip(raw)
  counted = 0
  if (public && detail_depth > 0 && code ~ /[^ \t]/) {
    if (file_detail[FILENAME] == 0) first_detail[FILENAME] = FNR
    file_detail[FILENAME]++; total_detail++; counted = 1
  }
  n = length(code)
  for (i = 1; i <= n; i++) {
    c = substr(code, i, 1)
    if (c == "{") {
      outer = depth > 0 ? kind[depth] : "namespace"
      if (outer == "init") outer = "block"
      k = classify(sig, outer)
      depth++
      kind[depth] = k; start[depth] = FNR; name[depth] = ""
      if (k ~ /^namespace /) {
        ns = substr(k, 11)
        if (ns != "" && ns != "extern" && ns != "hilm" && ns != "hilm::detail" && ns != "detail" && \
            !(ns == "hilm::testing" && rel ~ /^hilm\/testing\//))
          fail(FNR, "namespace " ns " breaks the namespace rule (hilm, hilm::detail, hilm::testing under testing/)")
        if (ns ~ /detail$/) detail_depth++
      }
      if (k == "function") name[depth] = function_name(sig)
      if (k == "init") sig = sig c
      else sig = ""
    } else if (c == "}") {
      if (depth > 0) {
        if (kind[depth] == "function") {
          len = FNR - start[depth] + 1
          key = rel " " name[depth]
          if (report && len > 100) printf "  %4d lines  %s:%d %s()\n", len, FILENAME, start[depth], name[depth]
          if (len > max_len && !(key in ALLOWED))
            fail(start[depth], "function " name[depth] "() is " len " lines (over " max_len "): split it, or name it in the Long kernels table of " md " with why")
          if (len > max_len) long_found[key] = 1
        }
        if (kind[depth] ~ /^namespace .*detail$/) {
          detail_depth--
          # The line that closes the namespace is not implementation.
          if (counted && public && detail_depth == 0 && code ~ /^[ \t]*}[ \t;]*$/) { file_detail[FILENAME]--; total_detail--; counted = 0 }
        }
        closed = kind[depth]
        depth--
      }
      if (closed == "init") sig = sig c
      else sig = ""
      closed = ""
    } else if (c == ";") {
      sig = ""
    } else {
      sig = sig c
    }
  }
  sig = sig " "
}
END {
  for (key in ALLOWED) if (!(key in long_found)) {
    printf "%s:%d: the Long kernels table names %s(), which is not a function over %d lines in that header (remove the row)\n", md, ALLOWED[key], key, max_len
    failures++
  }
  if (report) {
    print "== lines of code inside detail namespaces of public headers"
    for (f in file_detail) if (file_detail[f] > 0) printf "  %4d  %s\n", file_detail[f], f
  }
  if (total_detail > budget) {
    for (f in file_detail) if (file_detail[f] > 0)
      printf "%s:%d: %d lines of implementation in a public header: move it into <module>/detail/ (the tree has %d, budget %d)\n", f, first_detail[f], file_detail[f], total_detail, budget
    failures++
  }
  printf "check-house: %d lines of detail code in public headers (budget %d)\n", total_detail, budget
  exit failures > 0 ? 1 : 0
}
' "${headers[@]}"
status=$?
set -e
if [[ $status -ne 0 || $failures -ne 0 ]]; then
  echo "check-house: FAILED"
  exit 1
fi
echo "check-house: all rules hold"
