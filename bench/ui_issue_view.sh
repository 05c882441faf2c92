#!/usr/bin/env bash
# The issue view with two Custom UI panels (docs/ui.md "Performance"), builds side by side:
# runs the browser test's timing ("the issue view with two Custom UI panels", 1 cold + 7
# warm loads per run) for each kiln binary given, alternating, ROUNDS times, and prints one
# line per run: the load average, the test's clock (issue interactive, both frames shown:
# medians of 7), the page's clock (both frames shown, median of 7), the breakdown and the
# frame's document as seen inside it. Each binary finds the host bundle in ui/ beside it
# (copy another build's kiln and ui/ into a folder under build/, e.g. build/before/).
#
#   bench/ui_issue_view.sh ROUNDS BIN...     e.g. bench/ui_issue_view.sh 5 build/before/kiln build/kiln
#
# Needs `make -j2 all build/tests/nullfmt.so build/tests/sandbox_probe` and `make deps`
# (Chromium, playwright-core). A run that fails prints the assertion instead.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ $# -lt 2 ]; then
  echo "usage: $0 ROUNDS BIN..." >&2
  exit 2
fi
rounds=$1
shift
for _ in $(seq 1 "$rounds"); do
  for bin in "$@"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    out=$(KILN_BIN=$bin KILN_SANDBOX_PROBE=build/tests/sandbox_probe KILN_TEST_PRELOAD=build/tests/nullfmt.so \
      nice node --test --test-concurrency=1 --test-name-pattern 'two Custom UI panels' \
      tests/browser/app_modules.test.mjs 2>&1)
    test_clock=$(grep -o 'issue interactive median [0-9]* ms; both frames shown median [0-9]* ms' <<<"$out" | grep -o '[0-9]\+' | paste -sd/)
    page_clock=$(grep -o 'page clock: both frames shown median [0-9-]* ms' <<<"$out" | grep -o '[0-9-]\+ ms')
    steps=$(grep -o 'breakdown.*' <<<"$out" | sed 's/^breakdown ([^)]*): //')
    inside=$(grep -o 'request sent at [0-9]* ms, server [0-9]* ms, body [0-9]* ms, parsed to interactive [0-9]* ms' <<<"$out")
    failed=$(grep -A7 '^not ok' <<<"$out" | grep -v '^\s*$' | sed -n 7p | sed 's/^ *//')
    echo "$bin load $load | test clock issue/both ${test_clock:--} ms | page clock both ${page_clock:--} | $steps | in the frame: $inside ${failed:+| FAILED: $failed}"
  done
done
