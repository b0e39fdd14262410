#!/usr/bin/env bash
# expect_findings.sh CHECKER DIR — runs the parallel-region checker on the fixture directory DIR
# and passes only if it exits 1 and reports exactly the lines that end in `lint-expect` (as
# file:line), no more and no fewer. Shows that the check can fail, and fails for the right lines.
set -uo pipefail
checker=$1
dir=$2
output=$(bash "$checker" "$dir")
status=$?
printf '%s\n' "$output"
if [[ $status -ne 1 ]]; then
  echo "expect_findings: the checker exited $status, expected 1" >&2
  exit 1
fi
expected=$(grep -rn --include='*.hpp' 'lint-expect$' "$dir" | cut -d: -f1,2 | sort)
reported=$(printf '%s\n' "$output" | grep -E '^[^ ]+:[0-9]+: ' | cut -d: -f1,2 | sort)
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
