#!/bin/sh
# Issue 21 part 5, exhaustion, long mode (docs/reliability.md "## Exhaustion"): the e2e
# file tests/e2e/exhaust.test.mjs with the bigger numbers of KILN_EXHAUST=long (1,000
# slow heads and 1,000 slow bodies, 10,000 idle connections, 2,000 connections against
# RLIMIT_NOFILE 256, the full disk). Prints the figures ("# figure ..." lines) and keeps
# them in build/battery/exhaust.txt. Run by `make battery-exhaust`; it raises its own
# RLIMIT_NOFILE (prlimit) and needs `unshare -m` (root) or `unshare -rm` (a user).
set -eu
BUILD=${BUILD:-build}
mkdir -p "$BUILD/battery"
out="$BUILD/battery/exhaust.txt"
{
  echo "# exhaust battery, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
  KILN_EXHAUST=long node --test --test-concurrency=1 --test-timeout=900000 tests/e2e/exhaust.test.mjs
} 2>&1 | tee "$out.tmp"
status=$(grep -c '^# fail 0' "$out.tmp" || true)
mv "$out.tmp" "$out"
grep '# figure' "$out" || true
[ "$status" = 1 ]
