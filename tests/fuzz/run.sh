#!/usr/bin/env bash
# Builds each tests/fuzz/fuzz_*.c with clang's libFuzzer + ASan/UBSan against kiln's
# objects and runs it for FUZZ_SECONDS (default 10) from its seed corpus.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-10}
OUT=build/fuzz
mkdir -p "$OUT"
PKGS="libh2o-evloop jansson yajl yaml-0.1 sqlite3 openssl libcurl libarchive libhs libseccomp"
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -Isrc $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lpthread"
srcs=$(ls src/*/*.c | grep -v src/cli/main.c)
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
