#!/usr/bin/env bash
# expect_findings.sh DIR COMMAND [ARGS...] — runs a repository checker (COMMAND ARGS...) on the
# fixture tree DIR and passes only if it exits 1 and reports exactly the lines of DIR that end in
# `lint-expect` (as file:line, paths relative to DIR), no more and no fewer. Shows that the check
# can fail, and fails for the right lines.
set -uo pipefail
dir=${1%/}
shift
output=$("$@")
status=$?
printf '%s\n' "$output"
if [[ $status -ne 1 ]]; then
  echo "expect_findings: the checker exited $status, expected 1" >&2
  exit 1
fi
expected=$(cd "$dir" && grep -rn 'lint-expect$' . | sed 's|^\./||' | cut -d: -f1,2 | sort)
reported=$(printf '%s\n' "$output" | grep -E '^[^ ]+:[0-9]+: ' | sed "s|^$dir/||" |
  cut -d: -f1,2 | sort)
if [[ -z $expected ]]; then
  echo "expect_findings: no 'lint-expect' line under $dir" >&2
  exit 1
fi
if [[ $expected != "$reported" ]]; then
  echo "expect_findings: reported lines differ from the expected ones (< expected, > reported):" >&2
  diff <(printf '%s\n' "$expected") <(printf '%s\n' "$reported") >&2
  exit 1
fi
echo "expect_findings: the checker reported exactly the $(printf '%s\n' "$expected" | wc -l) expected lines"
