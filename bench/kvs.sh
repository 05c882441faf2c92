#!/usr/bin/env bash
# kiln app storage (KVS) through the gateway vs SQLite's own ceiling in-process.
# See bench/README.md ("bench/kvs.sh").
#
# Starts build/kiln (2 threads, --kvs-rate 0, its function sandbox on) and a tap
# (bench/tap.mjs: a loopback HTTP server, the app's declared egress backend), deploys
# bench/kvs-app (a web trigger whose function reports its live invocation token to the tap
# and stays alive until the tap releases it), then drives POST /_proxy/kvs/api/v1/get and
# /set with wrk at BENCH_CONNS connections using that token, exactly as @forge/kvs inside a
# function would. Then runs bench/kvs_sqlite.c
# (built here) for the same statements, table and pragmas (WAL, synchronous=FULL) on 2
# threads in-process: the ceiling no gateway can beat without batching commits.
#
# Environment:
#   BENCH_SECONDS=10   duration of each measured wrk run (get, set) and SQLite phase
#   BENCH_CONNS=64     wrk connections
#   BENCH_KEYS=10000   keys written before the run; gets and sets pick one at random
#   BENCH_VALUE=100    bytes of each value's JSON
#   BENCH_KEEP=1       keep the temp dir
#   KILN=path          kiln binary (default build/kiln)
#
# Targets (issue 5): >= 20,000 get ops/s and >= 5,000 durable set ops/s.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KILN=${KILN:-$ROOT/build/kiln}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
KEYS=${BENCH_KEYS:-10000}
VBYTES=${BENCH_VALUE:-100}
KEEP=${BENCH_KEEP:-0}
WRK_THREADS=2
TARGET_GET=20000
TARGET_SET=5000

TMP=""
KILN_PID=""
HOLD_PID=""
TAP_PID=""
TAP_IN="" # the tap's stdin: closing it releases the hold function

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    release_hold
    stop_pid "$HOLD_PID" curl
    stop_pid "$TAP_PID" tap
    stop_pid "$KILN_PID" kiln
    if [[ -n $TMP && -d $TMP ]]; then
        if [[ $KEEP == 1 ]]; then log "kept temp dir $TMP"; else rm -rf -- "$TMP"; fi
    fi
    exit "$rc"
}

# release_hold: the end of the tap's stdin lets the hold function return.
release_hold() {
    if [[ -n $TAP_IN ]]; then
        exec {TAP_IN}>&-
        TAP_IN=""
    fi
}

kiln_cli() {
    local label=$1
    shift
    (cd "$TMP/app" && "$KILN" "$@") 2>"$TMP/cli.log" || {
        log_tail "$TMP/cli.log"
        log_tail "$TMP/kiln.log"
        die "'kiln $label' failed"
    }
}

# wrk_run NAME OP OUT: wrk against /_proxy/kvs/api/v1/OP; sets W_OPS W_P50 W_P99.
wrk_run() {
    local name=$1 op=$2 out=$3
    OP=$op TOKEN=$TOKEN KEYS=$KEYS VBYTES=$VBYTES wrk -t"$WRK_THREADS" -c"$CONNS" -d"${SECS}s" --latency \
        -s "$ROOT/bench/kvs.lua" "$KILN_URL/_proxy/kvs/api/v1/$op" >"$out" 2>&1 || {
        cat "$out" >&2
        die "wrk $name failed"
    }
    if grep -qE 'Socket errors|Non-2xx' "$out"; then
        sed 's/^/  | /' "$out" >&2
        log_tail "$TMP/kiln.log"
        die "wrk $name saw errors"
    fi
    W_OPS=$(awk '/^Requests\/sec:/ { printf "%d", $2; exit }' "$out")
    W_P50=$(to_ms "$(awk '/Latency Distribution/ { d = 1 } d && $1 == "50%" { print $2; exit }' "$out")")
    W_P99=$(to_ms "$(awk '/Latency Distribution/ { d = 1 } d && $1 == "99%" { print $2; exit }' "$out")")
}

main() {
    need wrk curl jq awk cc node
    [[ -x $KILN ]] || die "$KILN not found (run make)"
    [[ -f $ROOT/node_modules/@forge/kvs/package.json ]] || die "no @forge/kvs in $ROOT/node_modules (run make deps)"
    trap cleanup EXIT
    trap on_signal INT TERM
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiln-bench-kvs.XXXXXX")

    cc -O2 -o "$TMP/kvs_sqlite" "$ROOT/bench/kvs_sqlite.c" -lsqlite3 -lpthread || die "cannot build bench/kvs_sqlite.c"

    local port
    port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    mkdir -p "$TMP/kiln"
    "$KILN" serve --data "$TMP/kiln" --listen "127.0.0.1:$port" --threads 2 --kvs-rate 0 --webtrigger-rate 0 \
        --proxy-rate 0 >"$TMP/kiln.out" 2>"$TMP/kiln.log" &
    KILN_PID=$!
    wait_http "http://127.0.0.1:$port/healthz" 10 "$KILN_PID" "$TMP/kiln.log" kiln
    export KILN_URL="http://127.0.0.1:$port" KILN_DATA="$TMP/kiln"

    mkdir -p "$TMP/app"
    cp -R "$ROOT/bench/kvs-app/." "$TMP/app/"
    ln -s "$ROOT/node_modules" "$TMP/app/node_modules"
    # the tap: declared in the app's copy as its backend, where the function reports its token
    coproc TAPCO { exec node "$ROOT/bench/tap.mjs" token "$TMP/app" 2>"$TMP/tap.log"; }
    TAP_PID=$TAPCO_PID
    TAP_IN=${TAPCO[1]}
    local tap_out=${TAPCO[0]} tap_origin
    read -r -t 10 -u "$tap_out" tap_origin || { log_tail "$TMP/tap.log"; die "bench/tap.mjs did not start"; }
    kiln_cli "site create" site create bench --json >/dev/null
    kiln_cli register register . >/dev/null
    kiln_cli deploy deploy >/dev/null
    kiln_cli install install --site bench --confirm-scopes >/dev/null
    local url
    url=$(kiln_cli webtrigger webtrigger hold --site bench)

    # The hold function reports its token to the tap and stays alive for the whole run.
    local hold_ms=$(((3 * SECS + 20) * 1000)) reported
    ((hold_ms <= 54000)) || die "BENCH_SECONDS too long for one invocation (55 s): at most 11"
    curl -s -o "$TMP/hold.out" -w '%{http_code}\n' --max-time 60 -G --data-urlencode "tap=$tap_origin" \
        --data-urlencode key=token --data-urlencode "ms=$hold_ms" "$url" >"$TMP/hold.status" &
    HOLD_PID=$!
    local hold_t0=$SECONDS
    read -r -t 35 -u "$tap_out" reported || {
        wait "$HOLD_PID" || true
        log "the hold trigger answered $(cat "$TMP/hold.status" 2>/dev/null): $(head -c 500 "$TMP/hold.out" 2>/dev/null)"
        log_tail "$TMP/tap.log"
        log_tail "$TMP/kiln.log"
        die "the hold function did not report its token to the tap"
    }
    TOKEN=$(jq -er .token <<<"$reported")
    jq -e '.probe.ok == true' <<<"$reported" >/dev/null || die "@forge/kvs inside the function did not read back its probe"

    # every key present before the gets: batches of 25, one curl (kept-alive), so that the
    # fill takes seconds even on a loaded machine and leaves the token's time to wrk
    log "writing $KEYS keys"
    local v
    v=$(printf '%*s' $((VBYTES - 2)) '' | tr ' ' v)
    jq -nr --argjson n "$KEYS" --arg v "$v" --arg url "$KILN_URL/_proxy/kvs/api/v1/batch/set" --arg token "$TOKEN" '
        range(0; $n; 25) as $b
        | (if $b > 0 then "next" else empty end), "url = \($url | tojson)", "header = \("authorization: Bearer \($token)" | tojson)",
          "header = \"content-type: application/json\"", "output = \"/dev/null\"", "write-out = \"%{http_code}\\n\"",
          "data-binary = \([range($b; [$b + 25, $n] | min) | {key: "k\(.)", value: $v}] | tojson | tojson)"' \
        >"$TMP/fill.curl"
    curl -s -K "$TMP/fill.curl" >"$TMP/fill.codes" || die "batch/set failed (curl exit $?)"
    [[ $(grep -c '^2' "$TMP/fill.codes") == $(((KEYS + 24) / 25)) ]] ||
        die "batch/set failed: answers $(sort "$TMP/fill.codes" | uniq -c | tr -s ' \n' ' ')"
    local left=$((hold_ms / 1000 - (SECONDS - hold_t0)))
    ((left >= 2 * SECS + 5)) || die "the fill left the token ${left}s, too little for the two ${SECS}s wrk runs (BENCH_KEYS=$KEYS)"

    log "wrk get (${SECS}s, $CONNS connections)"
    wrk_run get get "$TMP/wrk-get.txt"
    local kg=$W_OPS kg50=$W_P50 kg99=$W_P99
    log "wrk set (${SECS}s, $CONNS connections)"
    wrk_run set set "$TMP/wrk-set.txt"
    local ks=$W_OPS ks50=$W_P50 ks99=$W_P99
    release_hold
    wait "$HOLD_PID" || true
    HOLD_PID=""
    [[ $(cat "$TMP/hold.status") == 200 ]] || log "the hold trigger answered $(cat "$TMP/hold.status") at the end: $(head -c 500 "$TMP/hold.out")"
    wait "$TAP_PID" || true
    TAP_PID=""

    log "SQLite in-process (2 threads, ${SECS}s each)"
    local sq
    sq=$("$TMP/kvs_sqlite" "$TMP" 2 "$SECS" "$KEYS" "$VBYTES") || die "kvs_sqlite failed"
    local sg sg99 ss ss99
    read -r _ sg sg99 <<<"$(grep '^get' <<<"$sq")"
    read -r _ ss ss99 <<<"$(grep '^set' <<<"$sq")"

    printf '\nkiln app storage: %s conns, %s keys, %s-byte values, %ss per run, 2 server threads\n' "$CONNS" "$KEYS" "$VBYTES" "$SECS"
    printf '  %-5s %14s %10s %10s   %18s %12s   %s\n' op "kiln ops/s" "p50 ms" "p99 ms" "SQLite ops/s" "p99 ms" "target"
    printf '  %-5s %14s %10s %10s   %18s %12s   >= %s ops/s: %s\n' get "$kg" "$kg50" "$kg99" "$sg" "$sg99" "$TARGET_GET" \
        "$( ((kg >= TARGET_GET)) && echo met || echo MISSED)"
    printf '  %-5s %14s %10s %10s   %18s %12s   >= %s ops/s: %s\n' set "$ks" "$ks50" "$ks99" "$ss" "$ss99" "$TARGET_SET" \
        "$( ((ks >= TARGET_SET)) && echo met || echo MISSED)"
    printf '  (kiln: POST /_proxy/kvs/api/v1/{get,set} with a live invocation token, every set committed with fsync before its answer;\n'
    printf '   SQLite: the same statements in-process, one connection per thread, one transaction and fsync per set)\n'
    printf '  rerun: BENCH_SECONDS=%s BENCH_CONNS=%s BENCH_KEYS=%s BENCH_VALUE=%s bench/kvs.sh\n' "$SECS" "$CONNS" "$KEYS" "$VBYTES"
}

main "$@"
