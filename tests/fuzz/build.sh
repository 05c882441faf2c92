#!/usr/bin/env bash
# Builds each tests/fuzz/fuzz_*.c (or those named in FUZZ_ONLY: "json path ...") into
# build/fuzz/bin/ with clang's libFuzzer, ASan and UBSan, linked against kiln's layer
# archives built with SANITIZE=fuzz (FUZZ_LIBS, from the Makefile). A harness is relinked
# when it or an archive is newer than its binary. Prints the names built, one a line.
set -euo pipefail
cd "$(dirname "$0")/../.."
PKGS=${KILN_PKGS:?run it through make fuzz / make battery-fuzz, which pass KILN_PKGS and FUZZ_LIBS}
LIBS=${FUZZ_LIBS:?}
CFLAGS="-g -O1 -Werror=implicit-function-declaration -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -DH2O_USE_LIBUV=0 -Isrc $(pkg-config --cflags $PKGS)"
LDLIBS="$(pkg-config --libs $PKGS) -lpthread"
mkdir -p build/fuzz/bin
names=()
for h in tests/fuzz/fuzz_*.c; do
  name=$(basename "$h" .c)
  name=${name#fuzz_}
  if [ -n "${FUZZ_ONLY:-}" ] && ! grep -qw -- "$name" <<<"$FUZZ_ONLY"; then continue; fi
  bin=build/fuzz/bin/fuzz_$name
  stale=0
  [ -x "$bin" ] && [ "$bin" -nt "$h" ] || stale=1
  # shellcheck disable=SC2086
  for l in $LIBS; do [ "$l" -nt "$bin" ] && stale=1; done
  if [ $stale = 1 ]; then
    echo "build: fuzz_$name" >&2
    # shellcheck disable=SC2086
    clang $CFLAGS -o "$bin" "$h" $LIBS $LDLIBS
  fi
  names+=("$name")
done
printf '%s\n' "${names[@]}"
