#!/usr/bin/env bash
# kiln webtrigger round trip vs a plain Node.js server. See bench/README.md.
#
# Starts build/kiln, deploys bench/webtrigger-app (a Forge web trigger whose
# function calls api.asApp().requestJira(route`/rest/api/3/project/search?maxResults=1`)
# back through kiln's /_proxy) and bench/plain-node-server.mjs (a plain Node
# server making the same Jira call with a user token), and runs wrk against each
# in alternation. Also measures the cold start: the first request after a deploy.
#
# Environment:
#   BENCH_ROUNDS=3        measured rounds (each: kiln, node at BENCH_CONNS; then
#                         kiln, node at BENCH_LAT_CONNS)
#   BENCH_SECONDS=10      duration of each measured wrk run
#   BENCH_CONNS=16        wrk connections of the throughput runs (req/s, ratio)
#   BENCH_LAT_CONNS=4     wrk connections of the latency runs (p50/p99 of RESULT);
#                         0 = no latency runs (RESULT then takes BENCH_CONNS's p50)
#   BENCH_WARMUP=2        seconds of each warm-up run (kiln at both connection
#                         counts, node once); >= 1 unless BENCH_SITES is given
#                         (kiln's warm-up req/s sizes the sites)
#   BENCH_COLD=3          redeploys whose first request is timed (0 = none)
#   BENCH_SITES=1         sites (installations) each kiln run spreads its load over.
#                         kiln runs here with its per-installation rate limits off
#                         (--webtrigger-rate 0 --proxy-rate 0): the benchmark measures
#                         the round trip, not the limiter. auto = size sets as if the
#                         default limits were on (twice what the highest req/s needs)
#   BENCH_TRIGGER=report  kiln's web trigger: report (the function makes the product
#                         call) or noop (it answers at once: the floor of kiln's
#                         invocation path, against the plain server still making
#                         the call; bodies then differ and are not compared)
#   BENCH_WORKER=real     kiln's workers: real (runtime/node/worker.js with @forge/api)
#                         or minimal (bench/minimal-worker.cjs: the same frames and the
#                         same product call with no Forge runtime at all: the floor of
#                         kiln's side plus the frame exchanges; implies BENCH_COLD=0)
#   BENCH_NODE_CLIENT=http  plain server's client: http (http.request + keep-alive
#                         Agent) or fetch (global fetch)
#   BENCH_KEEP=1          keep the temp dir (logs, wrk output) instead of deleting it
#   KILN=path             kiln binary (default: build/kiln in the repo root)
#   NODE=path             node binary for the plain server (default: node)
#
# Exit status: 0 when the measurement completed (whatever the figures);
# non-zero when something failed to start, answered wrongly, or wrk saw
# non-2xx/3xx responses or socket errors.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KILN=${KILN:-$ROOT/build/kiln}
NODE=${NODE:-node}
ROUNDS=${BENCH_ROUNDS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-16}
LAT_CONNS=${BENCH_LAT_CONNS:-4}
WARMUP=${BENCH_WARMUP:-2}
COLD=${BENCH_COLD:-3}
SITES=${BENCH_SITES:-1}
NODE_CLIENT=${BENCH_NODE_CLIENT:-http}
TRIGGER=${BENCH_TRIGGER:-report}
WORKER=${BENCH_WORKER:-real}
KEEP=${BENCH_KEEP:-0}
WRK_THREADS=2
SERVER_THREADS=2
TARGET_RATIO=0.67
TARGET_P50=2
TARGET_COLD=150
# kiln's per-installation limit (src/platform/webtrigger.h, src/gateway/proxy.c):
# 1200 webtrigger requests a calendar minute. The webtrigger request and the
# function's /_proxy call are counted on the same per-installation counter, so one
# round trip takes 2 of it: 600 round trips a minute per installation.
ROUND_TRIPS_PER_MIN=1200 # the default webtrigger limit; proxy calls are counted apart

TMP=""
KILN_PID=""
NODE_PID=""
WRK_PID=""

# ---------------------------------------------------------------- utilities

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$WRK_PID" wrk
    stop_pid "$NODE_PID" node
    stop_pid "$KILN_PID" kiln # its Node workers exit with it
    if [[ -n $TMP && -d $TMP ]]; then
        if [[ $KEEP == 1 ]]; then
            log "kept temp dir $TMP"
        else
            rm -rf -- "$TMP"
        fi
    fi
    exit "$rc"
}

# Print two distinct free TCP ports on 127.0.0.1 (both bound at once so they
# differ). Small race with other processes, as with any port-0 trick.
free_ports() {
    "$NODE" -e '
const net = require("net");
const a = net.createServer().listen(0, "127.0.0.1", () => {
  const b = net.createServer().listen(0, "127.0.0.1", () => {
    console.log(a.address().port + " " + b.address().port);
    a.close(); b.close();
  });
});'
}

div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "NaN" }'; }

# now_ms: wall clock in milliseconds (for durations of CLI steps).
now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- kiln

# kiln_cli LABEL ARGS...: run the CLI in the app dir (KILN_URL/KILN_DATA set);
# stdout to the caller, stderr to $TMP/cli.log; dies with both logs on failure.
kiln_cli() {
    local label=$1
    shift
    (cd "$TMP/app" && "$KILN" "$@") 2>"$TMP/cli.log" || {
        log_tail "$TMP/cli.log"
        log_tail "$TMP/kiln.log"
        die "'kiln $label' failed"
    }
}

start_kiln() {
    [[ -x $KILN ]] || die "$KILN not found or not executable (run 'make' first)"
    mkdir -p "$TMP/kiln"
    log "starting kiln on 127.0.0.1:$KILN_PORT"
    if [[ $WORKER == minimal ]]; then # kiln starts "$KILN_NODE worker.js": run the stand-in instead
        printf '#!/bin/sh\nexec %q %q\n' "$(command -v "$NODE")" "$ROOT/bench/minimal-worker.cjs" >"$TMP/minimal-node"
        chmod +x "$TMP/minimal-node"
        export KILN_NODE="$TMP/minimal-node"
    fi
    "$KILN" serve --data "$TMP/kiln" --listen "127.0.0.1:$KILN_PORT" \
        --threads "$SERVER_THREADS" --webtrigger-rate 0 --proxy-rate 0 >"$TMP/kiln.out" 2>"$TMP/kiln.log" &
    KILN_PID=$!
    wait_http "http://127.0.0.1:$KILN_PORT/healthz" 10 "$KILN_PID" "$TMP/kiln.log" kiln
    export KILN_URL="http://127.0.0.1:$KILN_PORT" KILN_DATA="$TMP/kiln"
}

# Copy bench/webtrigger-app to $TMP/app, with node_modules a symlink to the repo's
# (it has @forge/api). kiln deploy bundles @forge/api into the handler and packs only
# what runs (docs/apps.md), so the snapshot is the manifest, package.json and the bundle.
prepare_app() {
    local src=$ROOT/bench/webtrigger-app
    [[ -f $src/manifest.yml && -f $src/src/index.js ]] || die "missing bench/webtrigger-app"
    [[ -f $ROOT/node_modules/@forge/api/package.json ]] || die "no @forge/api in $ROOT/node_modules (run 'make deps')"
    mkdir -p "$TMP/app"
    cp -R "$src/." "$TMP/app/"
    rm -rf "$TMP/app/node_modules" "$TMP/app/.kiln"
    ln -s "$ROOT/node_modules" "$TMP/app/node_modules"
    grep -q "^const BUILD = '0';\$" "$TMP/app/src/index.js" ||
        die "bench/webtrigger-app/src/index.js has no line: const BUILD = '0';"
}

# set_build N: the trivial change that makes the next deploy a new version.
set_build() {
    sed -i "s/^const BUILD = '[0-9]*';\$/const BUILD = '$1';/" "$TMP/app/src/index.js"
}

# deploy: kiln deploy in the app dir; sets DEPLOY_MS, DEPLOY_VERSION, DEPLOY_LINE.
deploy() {
    local t0 out
    t0=$(now_ms)
    out=$(kiln_cli deploy deploy)
    DEPLOY_MS=$(($(now_ms) - t0))
    DEPLOY_LINE=$out
    DEPLOY_VERSION=$(sed -n 's/.* version \([0-9.]*\) .*/\1/p' <<<"$out" | head -n 1)
    [[ -n $DEPLOY_VERSION ]] || die "no version in deploy output: $out"
}

# add_site NAME: create a demo site, install the app on it; prints "URL CLOUDID".
add_site() {
    local name=$1 out cloud url
    out=$(kiln_cli "site create $name" site create "$name" --demo --json)
    cloud=$(jq -er '.cloudId' <<<"$out") || die "no cloudId in site create output: $out"
    kiln_cli "install --site $name" install --site "$name" --confirm-scopes >/dev/null
    url=$(kiln_cli "webtrigger $TRIGGER --site $name" webtrigger "$TRIGGER" --site "$name")
    [[ $url == "http://127.0.0.1:$KILN_PORT/"* ]] || die "unexpected webtrigger URL for $name: $url"
    printf '%s %s\n' "$url" "$cloud"
}

# timed_get URL OUTFILE: one GET; prints "STATUS MS BUILD" (BUILD: X-Bench-Build).
timed_get() {
    local url=$1 out=$2 line status secs build
    line=$(curl -s -o "$out" -D "$out.headers" -w '%{http_code} %{time_total}' --max-time 30 "$url") ||
        die "curl $url failed"
    read -r status secs <<<"$line"
    build=$(awk 'tolower($1) == "x-bench-build:" { sub(/\r$/, "", $2); print $2 }' "$out.headers")
    printf '%s %s %s\n' "$status" "$(awk -v s="$secs" 'BEGIN { printf "%.1f", s * 1000 }')" "${build:--}"
}

# cold_request LABEL BUILD: time the first request to the bench site's URL; it must
# be 200 JSON from build BUILD. Sets COLD_MS.
cold_request() {
    local label=$1 want=$2 line status ms build
    line=$(timed_get "$COLD_URL" "$TMP/cold-$label.json")
    read -r status ms build <<<"$line"
    if [[ $status != 200 ]]; then
        head -c 2000 "$TMP/cold-$label.json" >&2 || true
        echo >&2
        log_tail "$TMP/kiln.log"
        die "first request after deploy $label answered $status (want 200)"
    fi
    jq -e .values "$TMP/cold-$label.json" >/dev/null 2>&1 || die "cold-start body ($label) is not the project search JSON"
    [[ $build == "$want" ]] || die "deploy $label: the first request ran build '$build', want '$want'"
    COLD_MS=$ms
}

# The first deploy and install, then BENCH_COLD redeploys of a trivially changed
# app; the first request after each is the cold start (snapshot extraction, worker
# start, module load, the call). Sets COLD_FIRST, COLD_LIST, COLD_MEDIAN.
setup_and_cold_start() {
    local out i
    out=$(kiln_cli register register --name bench)
    grep -q 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000' "$TMP/app/manifest.yml" &&
        die "kiln register did not write app.id: $out"
    out=$(kiln_cli "site create bench" site create bench --demo --json)
    jq -e '.cloudId' <<<"$out" >/dev/null || die "no cloudId in site create output: $out"

    deploy
    FIRST_DEPLOY_LINE=$DEPLOY_LINE
    kiln_cli "install --site bench" install --site bench --confirm-scopes >/dev/null
    COLD_URL=$(kiln_cli "webtrigger report --site bench" webtrigger report --site bench)
    cold_request "$DEPLOY_VERSION" 0
    COLD_FIRST="$COLD_MS ms (version $DEPLOY_VERSION, deploy ${DEPLOY_MS} ms)"
    log "first deploy $DEPLOY_VERSION: deploy ${DEPLOY_MS} ms, first request $COLD_MS ms"

    COLD_LIST=() COLD_VALUES=()
    for ((i = 1; i <= COLD; i++)); do
        set_build "$i"
        deploy
        cold_request "$DEPLOY_VERSION" "$i"
        COLD_VALUES+=("$COLD_MS")
        COLD_LIST+=("$DEPLOY_VERSION: $COLD_MS ms (deploy ${DEPLOY_MS} ms)")
        log "redeploy $DEPLOY_VERSION: deploy ${DEPLOY_MS} ms, first request $COLD_MS ms"
    done
    if ((COLD > 0)); then
        COLD_MEDIAN=$(median "${COLD_VALUES[@]}")
    else
        COLD_MEDIAN=NaN
    fi
    probe_extraction
}

# How much of a cold start is unpacking: the newest snapshot's size and entry count,
# and the time `tar -xf` takes to unpack it next to kiln's data (same filesystem).
# Sets SNAPSHOT_INFO.
probe_extraction() {
    local tar entries bytes t0 ms
    tar=$(find "$TMP/kiln/snapshots" -name '*.tar' -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-)
    if [[ -z $tar ]] || ! command -v tar >/dev/null 2>&1; then
        SNAPSHOT_INFO="(not probed)"
        return 0
    fi
    bytes=$(wc -c <"$tar")
    entries=$(tar -tf "$tar" | wc -l)
    mkdir -p "$TMP/extract-probe"
    t0=$(now_ms)
    tar -xf "$tar" -C "$TMP/extract-probe"
    ms=$(($(now_ms) - t0))
    rm -rf "$TMP/extract-probe"
    SNAPSHOT_INFO="$((bytes / 1000000)) MB tar, ${entries// /} entries; tar -xf of it on kiln's filesystem alone: $ms ms"
}

# make_sites PREFIX COUNT PATHFILE [SITESJSON]: COUNT new sites with the app
# installed; their webtrigger paths go to PATHFILE (one a line) and, with
# SITESJSON, their cloudId and a user token to that JSON array (for node).
make_sites() {
    local prefix=$1 count=$2 pathfile=$3 sitesjson=${4:-} i line url cloud tok
    : >"$pathfile"
    [[ -z $sitesjson ]] || : >"$TMP/sites.jsonl"
    for ((i = 1; i <= count; i++)); do
        line=$(add_site "$prefix-$i")
        read -r url cloud <<<"$line"
        printf '%s\n' "${url#http://127.0.0.1:"$KILN_PORT"}" >>"$pathfile"
        if [[ -n $sitesjson ]]; then
            tok=$(kiln_cli "user token --site $prefix-$i" user token --site "$prefix-$i" --json | jq -er '.token') ||
                die "no token in user token output"
            jq -cn --arg c "$cloud" --arg t "$tok" '{cloudId: $c, token: $t}' >>"$TMP/sites.jsonl"
        fi
    done
    [[ -z $sitesjson ]] || jq -s . "$TMP/sites.jsonl" >"$sitesjson"
}

# ---------------------------------------------------------------- plain node

start_node() {
    log "starting the plain Node server on 127.0.0.1:$NODE_PORT (client: $NODE_CLIENT)"
    "$NODE" "$ROOT/bench/plain-node-server.mjs" --port "$NODE_PORT" --kiln "$KILN_URL" \
        --sites "$TMP/sites.json" --client "$NODE_CLIENT" >"$TMP/node.out" 2>"$TMP/node.log" &
    NODE_PID=$!
    wait_http "http://127.0.0.1:$NODE_PORT/healthz" 10 "$NODE_PID" "$TMP/node.log" "plain Node server"
}

# Both sides answer 200 with byte-identical JSON for the same site.
check_bodies() {
    local kpath npath status
    kpath=$(head -n 1 "$TMP/kiln-paths.txt")
    npath=$(head -n 1 "$TMP/node-paths.txt")
    status=$(curl -s -o "$TMP/body-kiln.json" -w '%{http_code}' --max-time 10 "$KILN_URL$kpath") ||
        die "curl to kiln's webtrigger failed"
    [[ $status == 200 ]] || {
        head -c 2000 "$TMP/body-kiln.json" >&2
        echo >&2
        log_tail "$TMP/kiln.log"
        die "kiln's webtrigger answered $status (want 200)"
    }
    status=$(curl -s -o "$TMP/body-node.json" -w '%{http_code}' --max-time 10 "http://127.0.0.1:$NODE_PORT$npath") ||
        die "curl to the plain Node server failed"
    [[ $status == 200 ]] || {
        head -c 2000 "$TMP/body-node.json" >&2
        echo >&2
        log_tail "$TMP/node.log"
        die "the plain Node server answered $status (want 200)"
    }
    if [[ $TRIGGER == noop ]]; then
        jq -e '.noop == true' "$TMP/body-kiln.json" >/dev/null 2>&1 || die "kiln's noop webtrigger body is not {\"noop\":true}"
        jq -e .values "$TMP/body-node.json" >/dev/null 2>&1 || die "the plain Node server's body is not the project search JSON"
        BODY_SIZE="$(wc -c <"$TMP/body-kiln.json" | tr -d ' ') (kiln, noop) / $(wc -c <"$TMP/body-node.json" | tr -d ' ') (node)"
        return
    fi
    jq -e .values "$TMP/body-kiln.json" >/dev/null 2>&1 || die "kiln's webtrigger body is not the project search JSON"
    cmp -s "$TMP/body-kiln.json" "$TMP/body-node.json" || die "the plain Node server's body differs from kiln's"
    BODY_SIZE=$(wc -c <"$TMP/body-kiln.json")
    BODY_SIZE=${BODY_SIZE// /}
}

# ---------------------------------------------------------------- wrk

# wrk takes one URL; this script makes each connection walk its side's path list
# (PATHS_FILE), so the load is spread evenly over the sites.
write_lua() {
    cat >"$TMP/paths.lua" <<'EOF'
local paths = {}
for line in io.lines(os.getenv("PATHS_FILE")) do
  if line ~= "" then paths[#paths + 1] = line end
end
assert(#paths > 0, "no paths in " .. tostring(os.getenv("PATHS_FILE")))
local n = 0
function setup(thread)
  n = n + 1
  thread:set("start", n)
end
function init(args)
  i = start or 0
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
EOF
}

# run_wrk NAME CONNS DURATION OUTFILE PATHFILE URL: run wrk, check errors; sets
# W_RPS, W_P50, W_P99 (ms).
run_wrk() {
    local name=$1 conns=$2 dur=$3 out=$4 paths=$5 url=$6
    # In the background + wait, so that Ctrl-C reaches our trap at once
    # (wrk itself catches SIGINT and would just print partial results).
    local rc=0
    PATHS_FILE=$paths wrk -t"$WRK_THREADS" -c"$conns" -d"${dur}s" --latency -s "$TMP/paths.lua" "$url" >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || rc=$?
    WRK_PID=""
    if ((rc != 0)); then
        cat "$out" >&2
        die "wrk against $name failed (exit $rc)"
    fi

    local errors non2xx requests p50 p99
    requests=$(awk '/ requests in / { print $1; exit }' "$out")
    errors=$(grep -E '^ *Socket errors:' "$out" || true)
    non2xx=$(grep -E '^ *Non-2xx or 3xx responses:' "$out" || true)
    W_NON2XX=$(awk '/^ *Non-2xx or 3xx responses:/ { print $NF; exit }' "$out")
    W_NON2XX=${W_NON2XX:-0}
    if [[ -n $non2xx && -z $errors && ${WRK_ALLOW_NON2XX:-0} == 1 ]]; then
        return 0 # the caller looks at W_NON2XX (the warm-up's probe for rate limiting)
    fi
    if [[ -n $errors || -n $non2xx || -z $requests || $requests == 0 ]]; then
        sed 's/^/  | /' "$out" >&2
        [[ -n $non2xx ]] && log "$name: ${non2xx#"${non2xx%%[! ]*}"}"
        [[ -n $errors ]] && log "$name: ${errors#"${errors%%[! ]*}"}"
        [[ -z $requests || $requests == 0 ]] && log "$name: no completed requests"
        if [[ $name == kiln* ]]; then
            log_tail "$TMP/kiln.log"
            [[ -n $non2xx ]] && log "if kiln answered 429 (rate limited), spread the load over more sites: BENCH_SITES=N (this run: $(wc -l <"$paths"))"
        else
            log_tail "$TMP/node.log"
        fi
        die "wrk against $name saw errors"
    fi

    W_RPS=$(awk '/^Requests\/sec:/ { print $2; exit }' "$out")
    p50=$(awk '/Latency Distribution/ { d = 1 } d && $1 == "50%" { print $2; exit }' "$out")
    p99=$(awk '/Latency Distribution/ { d = 1 } d && $1 == "99%" { print $2; exit }' "$out")
    [[ -n $W_RPS && -n $p50 && -n $p99 ]] || {
        cat "$out" >&2
        die "could not parse wrk output for $name"
    }
    W_P50=$(to_ms "$p50") || die "bad latency '$p50' in wrk output"
    W_P99=$(to_ms "$p99") || die "bad latency '$p99' in wrk output"
}

# server_cpu_ticks: CPU time (user + system, in clock ticks) used so far by every
# server-side process: kiln and everything below it (its sandboxes' bubblewrap and Node
# workers) and the plain Node server (bench/lib.sh). wrk's own is not counted.
server_cpu_ticks() { cpu_ticks "$KILN_PID" "$NODE_PID"; }

# cpu_per_request TICKS0 OUTFILE: server CPU microseconds per completed request of the
# wrk run in OUTFILE since TICKS0 (sets W_CPU_US). The plain server's figure includes
# kiln serving its product call, as kiln's includes its workers: each side's whole cost.
cpu_per_request() {
    local t1 requests
    t1=$(server_cpu_ticks)
    requests=$(awk '/ requests in / { print $1; exit }' "$2")
    W_CPU_US=$(awk -v a="$1" -v b="$t1" -v n="$requests" -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (n > 0) printf "%.0f", (b - a) * 1000000 / hz / n; else print "NaN" }')
}

# bench_kiln CONNS DURATION OUTFILE: one kiln run, on a fresh set of sites.
bench_kiln() {
    ((KILN_SET_UNUSED == 1)) || new_kiln_sites "$2"
    KILN_SET_UNUSED=0
    local t0
    t0=$(server_cpu_ticks)
    run_wrk "kiln c$1" "$1" "$2" "$3" "$TMP/kiln-paths.txt" "$KILN_URL/"
    cpu_per_request "$t0" "$3"
    RMAX=$(awk -v a="$RMAX" -v b="$W_RPS" 'BEGIN { print (b > a) ? b : a }')
}
# bench_node CONNS DURATION OUTFILE: one run of the plain server; also sets W_NODE_CORE,
# the share of one core its own process used (it is one event loop: at 100% it cannot
# go faster, whatever the machine's other cores do).
bench_node() {
    local t0 n0 n1 s0 s1
    t0=$(server_cpu_ticks)
    n0=$(cpu_ticks "$NODE_PID") s0=$(now_ms)
    run_wrk "node c$1" "$1" "$2" "$3" "$TMP/node-paths.txt" "http://127.0.0.1:$NODE_PORT/"
    n1=$(cpu_ticks "$NODE_PID") s1=$(now_ms)
    cpu_per_request "$t0" "$3"
    W_NODE_CORE=$(awk -v a="$n0" -v b="$n1" -v ms=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" \
        'BEGIN { if (ms > 0) printf "%.0f", (b - a) / hz * 100000 / ms; else print "NaN" }')
}

# ---------------------------------------------------------------- sites

# kiln rate-limits webtriggers per installation: ROUND_TRIPS_PER_MIN round trips a
# calendar minute. So every kiln run walks a fresh set of installations (sites),
# round-robin, big enough for twice the highest req/s seen so far: each site then
# gets at most half its budget, whatever minute the run falls in.

# sites_for_run DURATION: the size of a run's set (BENCH_SITES, if given).
sites_for_run() {
    if [[ $SITES != auto ]]; then
        echo "$SITES"
        return
    fi
    awk -v r="$RMAX" -v d="$1" -v lim="$ROUND_TRIPS_PER_MIN" 'BEGIN {
        n = r * d * 2 / lim; n = (n == int(n)) ? n : int(n) + 1
        if (n < 8) n = 8
        print n
    }'
}

# new_kiln_sites DURATION [SITESJSON]: a fresh set for the next kiln run in
# $TMP/kiln-paths.txt (with SITESJSON, also their cloudIds and user tokens).
new_kiln_sites() {
    local n
    n=$(sites_for_run "$1")
    SET_NO=$((SET_NO + 1))
    log "creating $n site(s) for the next kiln run"
    make_sites "set$SET_NO" "$n" "$TMP/kiln-paths.txt" "${2:-}"
    SET_SIZES+=("$n")
    KILN_SET_UNUSED=1
}

# Warm-up of kiln (BENCH_CONNS, then BENCH_LAT_CONNS connections) on sites of its
# own, whose budget is spent here and not in the rounds. Starts with 16 sites and
# retries with 4 times as many (fresh ones) while kiln answers 429. Sets RMAX
# (the higher req/s of the two runs).
warm_up_kiln() {
    local nwarm=16 try conns rps
    for ((try = 1; ; try++)); do
        log "creating $nwarm warm-up site(s)"
        make_sites "warmup$try" "$nwarm" "$TMP/warm-paths.txt"
        RMAX=0
        for conns in "$CONNS" "$LAT_CONNS"; do
            ((conns > 0)) || continue
            log "warm-up ${WARMUP}s: kiln, $conns connections"
            WRK_ALLOW_NON2XX=1 run_wrk "kiln warm-up c$conns" "$conns" "$WARMUP" \
                "$TMP/wrk-warmup-kiln-c$conns.txt" "$TMP/warm-paths.txt" "$KILN_URL/"
            ((W_NON2XX == 0)) || break
            rps=$W_RPS
            RMAX=$(awk -v a="$RMAX" -v b="$rps" 'BEGIN { print (b > a) ? b : a }')
        done
        ((W_NON2XX > 0)) || return 0
        ((try < 3)) || die "kiln's warm-up still saw non-2xx answers on $nwarm sites (see $TMP/wrk-warmup-kiln-*.txt)"
        log "the warm-up saw $W_NON2XX non-2xx answers (rate limited?): again with more sites"
        nwarm=$((nwarm * 4))
    done
}

# ---------------------------------------------------------------- report

rerun_command() {
    printf 'BENCH_ROUNDS=%s BENCH_SECONDS=%s BENCH_CONNS=%s BENCH_LAT_CONNS=%s BENCH_WARMUP=%s BENCH_COLD=%s' \
        "$ROUNDS" "$SECONDS_PER_RUN" "$CONNS" "$LAT_CONNS" "$WARMUP" "$COLD"
    [[ $SITES != auto ]] && printf ' BENCH_SITES=%s' "$SITES"
    [[ $NODE_CLIENT != http ]] && printf ' BENCH_NODE_CLIENT=%s' "$NODE_CLIENT"
    [[ $TRIGGER != report ]] && printf ' BENCH_TRIGGER=%s' "$TRIGGER"
    [[ $WORKER != real ]] && printf ' BENCH_WORKER=%s' "$WORKER"
    [[ $KILN != "$ROOT/build/kiln" ]] && printf ' KILN=%q' "$KILN"
    [[ $NODE != node ]] && printf ' NODE=%q' "$NODE"
    printf ' bench/webtrigger.sh\n'
}

print_header() {
    local i
    echo
    if [[ $WORKER == minimal ]]; then
        echo "== kiln webtrigger benchmark (BENCH_WORKER=minimal): GET <webtrigger> -> bench/minimal-worker.cjs (frames only, no Forge runtime) -> kiln /_proxy"
    elif [[ $TRIGGER == noop ]]; then
        echo "== kiln webtrigger benchmark (BENCH_TRIGGER=noop): GET <webtrigger> -> Node worker, which answers at once (no product call)"
    else
        echo "== kiln webtrigger benchmark: GET <webtrigger> -> Node worker -> requestJira(/rest/api/3/project/search?maxResults=1) -> kiln /_proxy"
    fi
    printf '   vs             plain Node server: GET /ex/jira/{cloudId}/rest/api/3/project/search?maxResults=1 with a user token (%s, keep-alive)\n' "$NODE_CLIENT"
    if [[ $TRIGGER == noop ]]; then
        printf '   body size      %s bytes\n' "$BODY_SIZE"
    else
        printf '   body size      %s bytes (both sides answer byte-identical JSON)\n' "$BODY_SIZE"
    fi
    printf '   app            %s\n' "$FIRST_DEPLOY_LINE"
    if ((LAT_CONNS > 0)); then
        printf '   load           wrk -t%s -c%s (throughput) and -c%s (latency) -d%ss --latency, %s round(s), %ss warm-up\n' \
            "$WRK_THREADS" "$CONNS" "$LAT_CONNS" "$SECONDS_PER_RUN" "$ROUNDS" "$WARMUP"
    else
        printf '   load           wrk -t%s -c%s -d%ss --latency, %s round(s), %ss warm-up\n' \
            "$WRK_THREADS" "$CONNS" "$SECONDS_PER_RUN" "$ROUNDS" "$WARMUP"
    fi
    printf '   sites          %s demo sites with the app installed, walked round-robin; kiln gets a fresh set each run\n' "$NSITES"
    printf '                  (it allows %s webtrigger round trips a minute per installation)\n' "$ROUND_TRIPS_PER_MIN"
    printf '   servers        kiln --threads %s (<= 4 Node workers per app version); plain Node: one process (%s)\n' \
        "$SERVER_THREADS" "$("$NODE" --version)"
    printf '   machine        nproc=%s, %s\n' "$(nproc)" "$(uname -sr)"
    printf '   rerun          %s\n' "$(rerun_command)"
    echo
    if ((COLD > 0)); then
        echo "cold start (first request after deploy: snapshot extraction, worker start, the call):"
        printf '   first deploy   %s\n' "$COLD_FIRST"
        for i in "${COLD_LIST[@]}"; do
            printf '   redeploy       %s\n' "$i"
        done
        printf '   median         %s ms over %s redeploy(s)\n' "$COLD_MEDIAN" "$COLD"
        printf '   snapshot       %s\n' "$SNAPSHOT_INFO"
        echo
    fi
}

# ---------------------------------------------------------------- main

main() {
    check_int BENCH_ROUNDS "$ROUNDS" 1
    check_int BENCH_SECONDS "$SECONDS_PER_RUN" 1
    check_int BENCH_CONNS "$CONNS" 1
    check_int BENCH_LAT_CONNS "$LAT_CONNS" 0
    check_int BENCH_COLD "$COLD" 0
    ((CONNS >= WRK_THREADS)) || die "BENCH_CONNS must be >= $WRK_THREADS (wrk threads)"
    ((LAT_CONNS == 0 || LAT_CONNS >= WRK_THREADS)) || die "BENCH_LAT_CONNS must be 0 or >= $WRK_THREADS (wrk threads)"
    if [[ $SITES == auto ]]; then
        check_int BENCH_WARMUP "$WARMUP" 1 # the warm-up's req/s sizes the site count
    else
        check_int BENCH_WARMUP "$WARMUP" 0
        check_int BENCH_SITES "$SITES" 1
    fi
    [[ $NODE_CLIENT == http || $NODE_CLIENT == fetch ]] || die "BENCH_NODE_CLIENT must be http or fetch"
    [[ $TRIGGER == report || $TRIGGER == noop ]] || die "BENCH_TRIGGER must be report or noop"
    [[ $WORKER == real || $WORKER == minimal ]] || die "BENCH_WORKER must be real or minimal"
    [[ $WORKER == real || $TRIGGER == report ]] || die "BENCH_WORKER=minimal makes the report's call: BENCH_TRIGGER must be report"
    [[ $WORKER == real ]] || COLD=0 # the stand-in loads no bundle: redeploys would measure nothing
    need wrk curl jq awk sort sed "$NODE"

    TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiln-bench-wt.XXXXXX")
    trap cleanup EXIT
    trap on_signal INT TERM

    local ports
    ports=$(free_ports) || die "could not pick free ports"
    read -r KILN_PORT NODE_PORT <<<"$ports"
    [[ -n $KILN_PORT && -n $NODE_PORT ]] || die "could not pick free ports"

    start_kiln
    prepare_app
    write_lua
    setup_and_cold_start

    RMAX=0 SET_NO=0 SET_SIZES=() KILN_SET_UNUSED=0
    ((WARMUP == 0)) || warm_up_kiln
    # The first set is also the plain Node server's, for all its runs.
    new_kiln_sites "$SECONDS_PER_RUN" "$TMP/sites.json"
    NSITES=${SET_SIZES[0]}
    local i
    for ((i = 0; i < NSITES; i++)); do printf '/site/%d\n' "$i"; done >"$TMP/node-paths.txt"

    start_node
    check_bodies
    if ((WARMUP > 0)); then
        log "warm-up ${WARMUP}s: plain Node"
        bench_node "$CONNS" "$WARMUP" "$TMP/wrk-warmup-node.txt"
    fi

    print_header

    local -a k_rps=() k_p50=() k_p99=() n_rps=() n_p50=() n_p99=() ratios=() k_cpu=() n_cpu=() cpu_ratios=() n_core=()
    local -a kl_rps=() kl_p50=() kl_p99=() nl_rps=() nl_p50=() nl_p99=()
    local r ratio
    printf '%-6s %5s %12s %12s %7s   %-21s %-21s %s\n' round conns "kiln req/s" "node req/s" ratio \
        "kiln p50/p99 ms" "node p50/p99 ms" "server CPU us/req kiln / node"
    for ((r = 1; r <= ROUNDS; r++)); do
        bench_kiln "$CONNS" "$SECONDS_PER_RUN" "$TMP/wrk-kiln-c$CONNS-$r.txt"
        k_rps+=("$W_RPS") k_p50+=("$W_P50") k_p99+=("$W_P99") k_cpu+=("$W_CPU_US")
        bench_node "$CONNS" "$SECONDS_PER_RUN" "$TMP/wrk-node-c$CONNS-$r.txt"
        n_rps+=("$W_RPS") n_p50+=("$W_P50") n_p99+=("$W_P99") n_cpu+=("$W_CPU_US") n_core+=("$W_NODE_CORE")
        ratio=$(div "${k_rps[-1]}" "$W_RPS")
        ratios+=("$ratio")
        cpu_ratios+=("$(div "${n_cpu[-1]}" "${k_cpu[-1]}")")
        printf '%-6s %5s %12.0f %12.0f %7.2f   %-21s %-21s %s / %s\n' "$r" "$CONNS" "${k_rps[-1]}" "$W_RPS" "$ratio" \
            "${k_p50[-1]} / ${k_p99[-1]}" "$W_P50 / $W_P99" "${k_cpu[-1]}" "${n_cpu[-1]}"
        ((LAT_CONNS > 0)) || continue
        bench_kiln "$LAT_CONNS" "$SECONDS_PER_RUN" "$TMP/wrk-kiln-c$LAT_CONNS-$r.txt"
        kl_rps+=("$W_RPS") kl_p50+=("$W_P50") kl_p99+=("$W_P99")
        bench_node "$LAT_CONNS" "$SECONDS_PER_RUN" "$TMP/wrk-node-c$LAT_CONNS-$r.txt"
        nl_rps+=("$W_RPS") nl_p50+=("$W_P50") nl_p99+=("$W_P99")
        printf '%-6s %5s %12.0f %12.0f %7.2f   %-21s %-21s\n' "$r" "$LAT_CONNS" "${kl_rps[-1]}" "$W_RPS" \
            "$(div "${kl_rps[-1]}" "$W_RPS")" "${kl_p50[-1]} / ${kl_p99[-1]}" "$W_P50 / $W_P99"
    done

    local mr mp50 lat_note
    mr=$(median "${ratios[@]}")
    echo
    printf '%-6s %5s %12.0f %12.0f %7.2f   %-21s %-21s %s / %s\n' median "$CONNS" "$(median "${k_rps[@]}")" \
        "$(median "${n_rps[@]}")" "$mr" \
        "$(median "${k_p50[@]}") / $(median "${k_p99[@]}")" \
        "$(median "${n_p50[@]}") / $(median "${n_p99[@]}")" "$(median "${k_cpu[@]}")" "$(median "${n_cpu[@]}")"
    if ((LAT_CONNS > 0)); then
        local lr=()
        for ((r = 0; r < ROUNDS; r++)); do lr+=("$(div "${kl_rps[r]}" "${nl_rps[r]}")"); done
        printf '%-6s %5s %12.0f %12.0f %7.2f   %-21s %-21s\n' median "$LAT_CONNS" "$(median "${kl_rps[@]}")" \
            "$(median "${nl_rps[@]}")" "$(median "${lr[@]}")" \
            "$(median "${kl_p50[@]}") / $(median "${kl_p99[@]}")" \
            "$(median "${nl_p50[@]}") / $(median "${nl_p99[@]}")"
        mp50=$(median "${kl_p50[@]}")
        lat_note="kiln p50 at $LAT_CONNS connections (no queueing for a worker)"
    else
        mp50=$(median "${k_p50[@]}")
        lat_note="kiln p50 at $CONNS connections"
    fi
    echo
    printf 'sites per kiln run: %s\n' "${SET_SIZES[*]}"
    printf 'ratio: median of the per-round kiln/node req/s at %s connections; p50: %s; cold start: median first request after %s redeploy(s)\n' \
        "$CONNS" "$lat_note" "$COLD"
    [[ $TRIGGER == noop ]] && printf '(BENCH_TRIGGER=noop: kiln runs a function without the product call; not the target measurement)\n'
    [[ $WORKER == minimal ]] && printf '(BENCH_WORKER=minimal: frames only, no Forge runtime: the floor of a round trip, not the target measurement)\n'
    printf 'RESULT webtrigger kiln/node = %.2f (target >= %s); p50 = %.2f ms (target <= %s); cold start = %s ms (target <= %s)\n' \
        "$mr" "$TARGET_RATIO" "$mp50" "$TARGET_P50" \
        "$(awk -v c="$COLD_MEDIAN" 'BEGIN { if (c == "NaN") print "n/a"; else printf "%.0f", c }')" "$TARGET_COLD"
    printf 'CPU webtrigger node/kiln server CPU per request = %.2f (median of rounds at %s connections; the efficiency ratio, less sensitive to a busy machine than req/s)\n' \
        "$(median "${cpu_ratios[@]}")" "$CONNS"
    printf 'plain Node process: %.0f%% of one core at %s connections (median; one event loop: near 100%% it is bound to one core however many the machine has; kiln'"'"'s workers are not)\n' \
        "$(median "${n_core[@]}")" "$CONNS"
    printf 'rerun: %s\n' "$(rerun_command)"
}

main "$@"
