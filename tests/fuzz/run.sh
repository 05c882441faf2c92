#!/usr/bin/env bash
# Builds each tests/fuzz/fuzz_*.c with clang's libFuzzer + ASan/UBSan against kiln's
# objects and runs it for FUZZ_SECONDS (default 10) from its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-10}
OUT=build/fuzz
mkdir -p "$OUT"
# the libraries kiln links (the Makefile's PKGS, passed by `make fuzz`: one list)
PKGS=${KILN_PKGS:?run it as make fuzz, which passes KILN_PKGS}
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -Isrc $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lpthread"
srcs=$(find src -name "*.c" ! -path src/cli/main.c | sort)
for h in tests/fuzz/fuzz_*.c; do
  name=$(basename "$h" .c)
  echo "== $name"
  # shellcheck disable=SC2086
  clang $CFLAGS -o "$OUT/$name" "$h" $srcs $LIBS
  corpus="tests/fuzz/corpus/${name#fuzz_}"
  work="$OUT/corpus-${name#fuzz_}"
  mkdir -p "$work"
  "$OUT/$name" -max_total_time="$SECS" -max_len=8192 "$work" "$corpus" 2>&1 | tail -n 3
done
echo "fuzz: all harnesses ran ${SECS}s without a crash"
