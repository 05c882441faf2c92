#!/usr/bin/env bash
# JQL search latency through HTTP on a site of BENCH_ISSUES issues over 10 projects
# (docs/jql.md, "Cost"). Starts kiln on a fresh data dir, creates the site and its
# tokens, stops kiln, fills the site with bench/jql_load (through the store, as kiln
# writes), starts kiln again and measures each query of bench/jql-measure.mjs one request
# at a time (p50/p95/max). Fails when the selective query
# (project = X AND status = "In Progress" ORDER BY updated DESC) is over BENCH_TARGET_MS at
# the median, or a query answers wrongly.
#
# Environment:
#   BENCH_ISSUES=100000  issues on the site
#   BENCH_ROUNDS=200     measured requests per query
#   BENCH_WARMUP=20      unmeasured requests before them
#   BENCH_TARGET_MS=20   the selective query's p50 target
#   BENCH_KEEP=1         keep the temp dir
#   KILN=path            kiln binary (default: build/kiln)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KILN=${KILN:-$ROOT/build/kiln}
LOAD=${JQL_LOAD:-$ROOT/build/bench/jql_load}
ISSUES=${BENCH_ISSUES:-100000}
ROUNDS=${BENCH_ROUNDS:-200}
WARMUP=${BENCH_WARMUP:-20}
TARGET=${BENCH_TARGET_MS:-20}
KEEP=${BENCH_KEEP:-0}
TMP=""
KILN_PID=""

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$KILN_PID" kiln
    if [[ -n $TMP ]]; then
        if ((KEEP)); then log "kept $TMP"; else rm -rf "$TMP"; fi
    fi
    exit "$rc"
}

start_kiln() {
    "$KILN" serve --data "$TMP/kiln" --listen "127.0.0.1:$PORT" --threads 2 --proxy-rate 0 \
        >>"$TMP/kiln.out" 2>>"$TMP/kiln.log" &
    KILN_PID=$!
    wait_http "http://127.0.0.1:$PORT/healthz" 20 "$KILN_PID" "$TMP/kiln.log" kiln
}

token() { # token ACCOUNT|"" -> the token
    local args=(user token --site bench --json)
    [[ -n $1 ]] && args+=(--account "$1")
    "$KILN" "${args[@]}" 2>>"$TMP/cli.log" | jq -er .token
}

main() {
    need curl jq node
    check_int BENCH_ISSUES "$ISSUES" 1
    check_int BENCH_ROUNDS "$ROUNDS" 1
    [[ -x $KILN ]] || die "$KILN not found (run make)"
    [[ -x $LOAD ]] || die "$LOAD not found (run make build/bench/jql_load)"
    trap cleanup EXIT
    trap on_signal INT TERM
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiln-bench-jql.XXXXXX")
    mkdir -p "$TMP/kiln"
    PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    export KILN_URL="http://127.0.0.1:$PORT" KILN_DATA="$TMP/kiln"

    start_kiln
    local cloud
    cloud=$("$KILN" site create bench --json 2>>"$TMP/cli.log" | jq -er .cloudId) || die "site create failed"
    stop_pid "$KILN_PID" kiln
    KILN_PID=""
    log "loading $ISSUES issues"
    "$LOAD" "$TMP/kiln" bench "$ISSUES" || die "jql_load failed"
    start_kiln
    local admin user dev
    admin=$(token "") && user=$(token bench-user-03) && dev=$(token bench-dev) || die "cannot mint tokens"
    log "measuring ($ROUNDS requests per query, one at a time, after $WARMUP)"
    printf '\nkiln JQL search: %s issues over 10 projects, 2 server threads, through HTTP\n' "$ISSUES"
    CLOUD=$cloud ROUNDS=$ROUNDS WARMUP=$WARMUP TARGET_MS=$TARGET \
        TOKENS=$(jq -nc --arg a "$admin" --arg u "$user" --arg d "$dev" '{admin: $a, user: $u, dev: $d}') \
        node "$ROOT/bench/jql-measure.mjs"
}

main "$@"
