#!/usr/bin/env bash
# The quick mode (make fuzz, CI): each harness (tests/fuzz/build.sh) for FUZZ_SECONDS
# (default 10) from its seed corpus tests/fuzz/corpus/NAME (and its dictionary
# tests/fuzz/NAME.dict when there is one); the corpus it grows stays in build/fuzz/corpus-NAME.
# The long mode with figures is tests/battery/fuzz.sh (make battery-fuzz).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-10}
names=$(tests/fuzz/build.sh)
for name in $names; do
  echo "== fuzz_$name"
  work=build/fuzz/corpus-$name
  mkdir -p "$work"
  dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=("-dict=tests/fuzz/$name.dict")
  "build/fuzz/bin/fuzz_$name" -max_total_time="$SECS" -max_len=8192 -artifact_prefix="build/fuzz/$name-" "${dict[@]}" \
    "$work" "tests/fuzz/corpus/$name" 2>&1 | tail -n 3
done
echo "fuzz: all harnesses ran ${SECS}s without a crash"
