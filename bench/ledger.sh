#!/usr/bin/env bash
# The cost of the data-flow ledger and the canary scan on webtrigger throughput, side by
# side in one run. See bench/README.md.
#
# Starts two kilns on the same machine: "on" (--ledger on --leak-scan all: every
# webtrigger request and response is scanned for the canaries of every site, and every
# response is a ledger record) and "off" (--ledger off --leak-scan off). Each gets
# bench/webtrigger-app (the `report` web trigger: one requestJira back through /_proxy)
# installed on BENCH_SITES demo sites, plus BENCH_CANARIES more sites so the matcher holds
# that many canaries. wrk then runs against each in alternation, BENCH_ROUNDS times
# (the order flips every round, so drift on a shared machine hits both alike); the
# result is the median of the per-round on/off req/s ratios. Target: >= 0.90 (the
# issue's "at most 10% of webtrigger throughput").
#
# Environment:
#   BENCH_ROUNDS=5      measured rounds (each: one run against each kiln)
#   BENCH_SECONDS=8     duration of each measured wrk run
#   BENCH_CONNS=16      wrk connections
#   BENCH_WARMUP=2      seconds of the warm-up run against each kiln
#   BENCH_SITES=4       sites with the app installed, walked round-robin
#   BENCH_CANARIES=100  further sites (canaries in the matcher, no app)
#   BENCH_ON="--ledger on --leak-scan all"  the "on" kiln's switches (e.g. only one of
#                       the two, to see what each costs)
#   BENCH_KEEP=1        keep the temp dir
#   KILN=path           kiln binary (default: build/kiln in the repo root)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KILN=${KILN:-$ROOT/build/kiln}
ROUNDS=${BENCH_ROUNDS:-5}
SECONDS_PER_RUN=${BENCH_SECONDS:-8}
CONNS=${BENCH_CONNS:-16}
WARMUP=${BENCH_WARMUP:-2}
SITES=${BENCH_SITES:-4}
CANARIES=${BENCH_CANARIES:-100}
KEEP=${BENCH_KEEP:-0}
ON_ARGS=${BENCH_ON:---ledger on --leak-scan all}
WRK_THREADS=2
TARGET=0.90

TMP=""
PIDS=()
WRK_PID=""

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cleanup() {
    local rc=$? p
    trap - EXIT INT TERM
    stop_pid "$WRK_PID" wrk
    for p in "${PIDS[@]}"; do stop_pid "$p" kiln; done
    if [[ -n $TMP && -d $TMP ]]; then
        if [[ $KEEP == 1 ]]; then log "kept temp dir $TMP"; else rm -rf -- "$TMP"; fi
    fi
    exit "$rc"
}

free_port() {
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# start NAME ARGS...: a kiln of its own (data dir $TMP/NAME); sets PORT_<NAME>.
start() {
    local name=$1 port
    shift
    port=$(free_port)
    mkdir -p "$TMP/$name"
    "$KILN" serve --data "$TMP/$name/data" --listen "127.0.0.1:$port" --threads 2 --webtrigger-rate 0 --proxy-rate 0 \
        "$@" >"$TMP/$name/kiln.out" 2>"$TMP/$name/kiln.log" &
    PIDS+=($!)
    printf -v "PID_$name" '%s' "$!"
    wait_http "http://127.0.0.1:$port/healthz" 10 "$!" "$TMP/$name/kiln.log" "kiln ($name)"
    printf -v "PORT_$name" '%s' "$port"
}

# cli NAME ARGS...: the CLI against kiln NAME, in its app copy.
cli() {
    local name=$1 port_var="PORT_$1"
    shift
    (cd "$TMP/$name/app" && KILN_URL="http://127.0.0.1:${!port_var}" KILN_DATA="$TMP/$name/data" "$KILN" "$@") \
        2>>"$TMP/$name/cli.log" || {
        log_tail "$TMP/$name/cli.log"
        die "kiln $* ($name) failed"
    }
}

# setup NAME: the app deployed, installed on SITES sites (paths in $TMP/NAME/paths.txt),
# and CANARIES more sites.
setup() {
    local name=$1 i p url port_var="PORT_$1"
    mkdir -p "$TMP/$name/app"
    cp -R "$ROOT/bench/webtrigger-app/." "$TMP/$name/app/"
    rm -rf "$TMP/$name/app/node_modules"
    ln -s "$ROOT/node_modules" "$TMP/$name/app/node_modules"
    cli "$name" register --name "bench-$name" >/dev/null
    cli "$name" deploy >/dev/null
    : >"$TMP/$name/paths.txt"
    for ((i = 1; i <= SITES; i++)); do
        cli "$name" site create "s$i" --demo >/dev/null
        cli "$name" install --site "s$i" --confirm-scopes >/dev/null
        url=$(cli "$name" webtrigger report --site "s$i")
        printf '%s\n' "${url#http://127.0.0.1:${!port_var}}" >>"$TMP/$name/paths.txt"
    done
    local -a creating=()
    for ((i = 1; i <= CANARIES; i++)); do
        KILN_URL="http://127.0.0.1:${!port_var}" KILN_DATA="$TMP/$name/data" "$KILN" site create "c$i" >/dev/null 2>>"$TMP/$name/cli.log" &
        creating+=($!)
        if ((${#creating[@]} == 8 || i == CANARIES)); then
            for p in "${creating[@]}"; do wait "$p" || die "kiln site create ($name) failed"; done
            creating=()
        fi
    done
    curl -sf "http://127.0.0.1:${!port_var}$(head -n 1 "$TMP/$name/paths.txt")" | jq -e .values >/dev/null ||
        die "kiln ($name): the webtrigger does not answer the project search"
}

write_lua() {
    cat >"$TMP/paths.lua" <<'EOF'
local paths = {}
for line in io.lines(os.getenv("PATHS_FILE")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local n = 0
function setup(thread) n = n + 1; thread:set("start", n) end
function init(args) i = start or 0 end
function request() i = i % #paths + 1; return wrk.format("GET", paths[i]) end
EOF
}

# kiln_ticks NAME: CPU clock ticks used so far by kiln NAME and everything below it
# (its sandboxed Node workers; cpu_ticks in bench/lib.sh).
kiln_ticks() {
    local pid_var="PID_$1"
    cpu_ticks "${!pid_var}"
}

# run NAME SECONDS OUT: wrk against kiln NAME; sets RPS and CPU_US (CPU microseconds per
# request of kiln and its workers: less sensitive than req/s to other load on the machine,
# though workers that exit during the run take their ticks with them).
run() {
    local name=$1 dur=$2 out=$3 port_var="PORT_$1" rc=0 t0 t1 requests
    t0=$(kiln_ticks "$name")
    PATHS_FILE="$TMP/$name/paths.txt" wrk -t"$WRK_THREADS" -c"$CONNS" -d"${dur}s" -s "$TMP/paths.lua" \
        "http://127.0.0.1:${!port_var}/" >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || rc=$?
    WRK_PID=""
    ((rc == 0)) || { cat "$out" >&2; die "wrk against $name failed"; }
    if grep -qE 'Socket errors|Non-2xx' "$out"; then
        sed 's/^/  | /' "$out" >&2
        log_tail "$TMP/$name/kiln.log"
        die "wrk against $name saw errors"
    fi
    t1=$(kiln_ticks "$name")
    RPS=$(awk '/^Requests\/sec:/ { print $2; exit }' "$out")
    requests=$(awk '/ requests in / { print $1; exit }' "$out")
    [[ -n $RPS && -n $requests ]] || die "no req/s in wrk output ($name)"
    CPU_US=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
}

# micro: bench/ledger_micro.c, linked against kiln's layer archives by the Makefile
# (make bench builds it; built here when missing): the per-request pieces alone, where a
# shared machine's noise does not reach.
micro() {
    local bin="$ROOT/build/bench/ledger_micro"
    [[ -x $bin && $bin -nt $ROOT/bench/ledger_micro.c ]] || make -C "$ROOT" -s build/bench/ledger_micro >&2 ||
        die "cannot build bench/ledger_micro.c (make build/bench/ledger_micro)"
    mkdir -p "$TMP/micro"
    printf 'alone (bench/ledger_micro.c): %s\n' "$("$bin" "$TMP/micro" "$((SITES + CANARIES))" 2048)"
}

main() {
    check_int BENCH_ROUNDS "$ROUNDS" 1
    check_int BENCH_SECONDS "$SECONDS_PER_RUN" 1
    check_int BENCH_CONNS "$CONNS" "$WRK_THREADS"
    check_int BENCH_WARMUP "$WARMUP" 0
    check_int BENCH_SITES "$SITES" 1
    check_int BENCH_CANARIES "$CANARIES" 0
    need wrk curl jq awk node
    [[ -x $KILN ]] || die "$KILN not found (run make)"
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiln-bench-ledger.XXXXXX")
    trap cleanup EXIT
    trap on_signal INT TERM

    # shellcheck disable=SC2086 # ON_ARGS is a list of switches
    start on $ON_ARGS
    start off --ledger off --leak-scan off
    grep -q '"ledger":"off","leak_scan":"off"' "$TMP/off/kiln.log" || die "kiln (off) did not start with both off"
    log "setting up both kilns ($SITES sites with the app, $CANARIES more sites each)"
    setup on
    setup off
    write_lua
    if ((WARMUP > 0)); then
        run on "$WARMUP" "$TMP/warm-on.txt"
        run off "$WARMUP" "$TMP/warm-off.txt"
    fi
    local first_id last_id
    first_id=$(curl -sf -H "Authorization: Bearer $(cat "$TMP/on/data/admin.token")" \
        "http://127.0.0.1:$PORT_on/admin/v1/ledger?n=1" | jq -r '.records[0].id // 0')

    echo
    echo "== the data-flow ledger and the canary scan: webtrigger throughput with them on and off, side by side"
    printf '   on             kiln %s (%s canaries in the matcher)\n' "$ON_ARGS" "$((SITES + CANARIES))"
    printf '   off            kiln --ledger off --leak-scan off\n'
    printf '   load           wrk -t%s -c%s -d%ss against each in turn, %s round(s), the order flipping each round\n' \
        "$WRK_THREADS" "$CONNS" "$SECONDS_PER_RUN" "$ROUNDS"
    printf '   trigger        bench/webtrigger-app report: GET -> worker -> requestJira -> response, over %s sites\n' "$SITES"
    printf '   machine        nproc=%s, %s\n' "$(nproc)" "$(uname -sr)"
    echo
    printf '%-6s %12s %12s %7s   %14s %14s %7s\n' round "on req/s" "off req/s" ratio "on CPU us/req" "off CPU us/req" ratio
    local -a ratios=() ons=() offs=() cons=() coffs=() cratios=()
    local r on off con coff
    for ((r = 1; r <= ROUNDS; r++)); do
        if ((r % 2)); then
            run on "$SECONDS_PER_RUN" "$TMP/wrk-on-$r.txt"; on=$RPS con=$CPU_US
            run off "$SECONDS_PER_RUN" "$TMP/wrk-off-$r.txt"; off=$RPS coff=$CPU_US
        else
            run off "$SECONDS_PER_RUN" "$TMP/wrk-off-$r.txt"; off=$RPS coff=$CPU_US
            run on "$SECONDS_PER_RUN" "$TMP/wrk-on-$r.txt"; on=$RPS con=$CPU_US
        fi
        ons+=("$on") offs+=("$off") cons+=("$con") coffs+=("$coff")
        ratios+=("$(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.4f", a / b }')")
        cratios+=("$(awk -v a="$coff" -v b="$con" 'BEGIN { printf "%.4f", (b > 0) ? a / b : 0 }')")
        printf '%-6s %12.0f %12.0f %7.3f   %14s %14s %7.3f\n' "$r" "$on" "$off" "${ratios[-1]}" "$con" "$coff" "${cratios[-1]}"
    done
    sleep 1 # the ledger writer's last batch
    last_id=$(curl -sf -H "Authorization: Bearer $(cat "$TMP/on/data/admin.token")" \
        "http://127.0.0.1:$PORT_on/admin/v1/ledger?n=1" | jq -r '.records[0].id // 0')
    local dropped
    dropped=$(curl -sf "http://127.0.0.1:$PORT_on/metrics" | awk '$1 == "kiln_ledger_dropped_total" { print $2 }')
    echo
    printf '%-6s %12.0f %12.0f %7.3f   %14.1f %14.1f %7.3f\n' median "$(median "${ons[@]}")" "$(median "${offs[@]}")" \
        "$(median "${ratios[@]}")" "$(median "${cons[@]}")" "$(median "${coffs[@]}")" "$(median "${cratios[@]}")"
    printf 'ratio: on/off req/s; CPU ratio: off/on CPU per request (kiln and its workers), the throughput the CPU cost alone allows\n'
    printf 'ledger records written by "on" during the rounds: %s (dropped: %s)\n' "$((last_id - first_id))" "${dropped:-?}"
    micro
    printf 'RESULT ledger+scan on/off = %.3f req/s, %.3f by CPU per request (target >= %s)\n' "$(median "${ratios[@]}")" \
        "$(median "${cratios[@]}")" "$TARGET"
}

main "$@"
