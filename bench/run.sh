#!/usr/bin/env bash
# kiln vs nginx throughput benchmark (`make bench`). See bench/README.md.
#
# Starts build/kiln and an nginx serving the same JSON bytes from a file, both
# on 127.0.0.1 with 2 workers, and runs wrk against each in alternation.
#
# Environment:
#   BENCH_ROUNDS=3      measured rounds (each: kiln run, then nginx run)
#   BENCH_SECONDS=10    duration of each measured wrk run
#   BENCH_CONNS=64      wrk connections (wrk always uses 2 threads)
#   BENCH_WARMUP=2      seconds of the warm-up run for each server (0 = none)
#   BENCH_KILN_ONLY=1   skip nginx, measure kiln alone
#   BENCH_KEEP=1        keep the temp dir (logs, wrk output) instead of deleting it
#   KILN=path           kiln binary (default: build/kiln in the repo root)
#
# Exit status: 0 when the measurement completed (whatever the ratio);
# non-zero when something failed to start, answered wrongly, or wrk saw
# non-2xx/3xx responses or socket errors.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KILN=${KILN:-$ROOT/build/kiln}
ROUNDS=${BENCH_ROUNDS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-64}
WARMUP=${BENCH_WARMUP:-2}
KILN_ONLY=${BENCH_KILN_ONLY:-0}
KEEP=${BENCH_KEEP:-0}
WRK_THREADS=2
SERVER_THREADS=2
TARGET=0.70

TMP=""
KILN_PID=""
NGINX_PID=""
WRK_PID=""

# ---------------------------------------------------------------- utilities

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$WRK_PID" wrk
    stop_pid "$NGINX_PID" nginx
    stop_pid "$KILN_PID" kiln
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
    if command -v python3 >/dev/null 2>&1; then
        python3 - <<'EOF'
import socket
socks = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
    elif command -v node >/dev/null 2>&1; then
        node -e '
const net = require("net");
const a = net.createServer().listen(0, "127.0.0.1", () => {
  const b = net.createServer().listen(0, "127.0.0.1", () => {
    console.log(a.address().port + " " + b.address().port);
    a.close(); b.close();
  });
});'
    else
        die "need python3 or node to pick free ports"
    fi
}

div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "NaN" }'; }

# ---------------------------------------------------------------- kiln

start_kiln() {
    [[ -x $KILN ]] || die "$KILN not found or not executable (run 'make' first)"
    mkdir -p "$TMP/kiln"
    log "starting kiln on 127.0.0.1:$KILN_PORT"
    "$KILN" serve --data "$TMP/kiln" --listen "127.0.0.1:$KILN_PORT" \
        --threads "$SERVER_THREADS" >"$TMP/kiln.out" 2>"$TMP/kiln.log" &
    KILN_PID=$!
    wait_http "http://127.0.0.1:$KILN_PORT/healthz" 10 "$KILN_PID" "$TMP/kiln.log" kiln
}

# Create the demo site and a user token; sets CLOUD_ID, TOKEN, URI_PATH, KILN_TARGET.
setup_kiln_site() {
    local out
    export KILN_URL="http://127.0.0.1:$KILN_PORT"
    out=$("$KILN" site create bench --demo --json --data "$TMP/kiln" 2>"$TMP/cli.log") || {
        log_tail "$TMP/cli.log"
        log_tail "$TMP/kiln.log"
        die "'kiln site create bench --demo' failed"
    }
    CLOUD_ID=$(jq -er '.cloudId' <<<"$out") || die "no cloudId in site create output: $out"

    out=$("$KILN" user token --site bench --json --data "$TMP/kiln" 2>"$TMP/cli.log") || {
        log_tail "$TMP/cli.log"
        log_tail "$TMP/kiln.log"
        die "'kiln user token --site bench' failed"
    }
    TOKEN=$(jq -er '.token' <<<"$out") || die "no token in user token output"

    URI_PATH="/ex/jira/$CLOUD_ID/rest/api/3/project/search"
    KILN_TARGET="http://127.0.0.1:$KILN_PORT$URI_PATH?maxResults=1"
}

# Fetch the target once: must be 200 with a JSON body; saves it to $TMP/body.json.
fetch_kiln_body() {
    local status
    status=$(curl -s -o "$TMP/body.json" -w '%{http_code}' --max-time 5 \
        -H "Authorization: Bearer $TOKEN" "$KILN_TARGET") || die "curl to kiln failed"
    if [[ $status != 200 ]]; then
        head -c 2000 "$TMP/body.json" >&2 || true
        echo >&2
        log_tail "$TMP/kiln.log"
        die "kiln answered $status (want 200) for GET $KILN_TARGET"
    fi
    jq -e . "$TMP/body.json" >/dev/null 2>&1 || die "kiln body is not JSON"
    BODY_SIZE=$(wc -c <"$TMP/body.json")
    BODY_SIZE=${BODY_SIZE// /}
    ((BODY_SIZE > 0)) || die "kiln answered an empty body"
}

# ---------------------------------------------------------------- nginx

# *_temp_path lines for every temp-using module this nginx was built with, so
# nothing is written outside the temp dir.
nginx_temp_paths() {
    local v m
    v=$(nginx -V 2>&1)
    printf '    client_body_temp_path %sclient_body;\n' "$TMP/"
    for m in proxy fastcgi uwsgi scgi; do
        [[ $v == *"--without-http_${m}_module"* ]] && continue
        printf '    %s_temp_path %s%s;\n' "$m" "$TMP/" "$m"
    done
}

start_nginx() {
    local conf status size
    [[ -f $ROOT/bench/nginx.conf.in ]] || die "missing bench/nginx.conf.in"
    # nginx workers run as 'nobody' when started by root: let them reach the file.
    mkdir -p "$TMP/www"
    cp "$TMP/body.json" "$TMP/www/body.json"
    chmod 711 "$TMP"
    chmod 755 "$TMP/www"
    chmod 644 "$TMP/www/body.json"

    # Drop comment lines first: they mention the placeholders too.
    conf=$(grep -v '^[[:space:]]*#' "$ROOT/bench/nginx.conf.in")
    conf=${conf//@PREFIX@/$TMP/}
    conf=${conf//@PORT@/$NGINX_PORT}
    conf=${conf//@URI_PATH@/$URI_PATH}
    conf=${conf//@BODY_FILE@/$TMP/www/body.json}
    conf=${conf//@TEMP_PATHS@/$(nginx_temp_paths)}
    printf '%s\n' "$conf" >"$TMP/nginx.conf"

    nginx -t -q -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" -p "$TMP/" 2>"$TMP/nginx.out" || {
        log_tail "$TMP/nginx.out"
        log_tail "$TMP/nginx-error.log"
        die "nginx rejected $TMP/nginx.conf"
    }
    log "starting nginx on 127.0.0.1:$NGINX_PORT"
    nginx -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" -p "$TMP/" >"$TMP/nginx.out" 2>&1 &
    NGINX_PID=$!
    NGINX_TARGET="http://127.0.0.1:$NGINX_PORT$URI_PATH?maxResults=1"
    wait_http "$NGINX_TARGET" 10 "$NGINX_PID" "$TMP/nginx-error.log" nginx

    read -r status size < <(curl -s -o "$TMP/nginx-body.json" -w '%{http_code} %{size_download}\n' \
        --max-time 5 "$NGINX_TARGET") || die "curl to nginx failed"
    [[ $status == 200 ]] || die "nginx answered $status (want 200)"
    [[ $size == "$BODY_SIZE" ]] || die "nginx body is $size bytes, kiln's is $BODY_SIZE"
    cmp -s "$TMP/body.json" "$TMP/nginx-body.json" || die "nginx body differs from kiln's"
}

# ---------------------------------------------------------------- wrk

# run_wrk NAME DURATION OUTFILE [wrk args...]: run wrk, check errors; sets
# W_RPS, W_P50, W_P99 (ms).
run_wrk() {
    local name=$1 dur=$2 out=$3
    shift 3
    # In the background + wait, so that Ctrl-C reaches our trap at once
    # (wrk itself catches SIGINT and would just print partial results).
    local rc=0
    wrk -t"$WRK_THREADS" -c"$CONNS" -d"${dur}s" --latency "$@" >"$out" 2>&1 &
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
    if [[ -n $errors || -n $non2xx || -z $requests || $requests == 0 ]]; then
        sed 's/^/  | /' "$out" >&2
        [[ -n $non2xx ]] && log "$name: ${non2xx#"${non2xx%%[! ]*}"}"
        [[ -n $errors ]] && log "$name: ${errors#"${errors%%[! ]*}"}"
        [[ -z $requests || $requests == 0 ]] && log "$name: no completed requests"
        [[ $name == kiln ]] && log_tail "$TMP/kiln.log"
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

bench_kiln() { run_wrk kiln "$1" "$2" -H "Authorization: Bearer $TOKEN" "$KILN_TARGET"; }
bench_nginx() { run_wrk nginx "$1" "$2" "$NGINX_TARGET"; }

# ---------------------------------------------------------------- report

rerun_command() {
    printf 'BENCH_ROUNDS=%s BENCH_SECONDS=%s BENCH_CONNS=%s BENCH_WARMUP=%s' \
        "$ROUNDS" "$SECONDS_PER_RUN" "$CONNS" "$WARMUP"
    [[ $KILN_ONLY == 1 ]] && printf ' BENCH_KILN_ONLY=1'
    [[ $KILN != "$ROOT/build/kiln" ]] && printf ' KILN=%q' "$KILN"
    printf ' make bench   # or: bench/run.sh\n'
}

print_header() {
    echo
    echo "== kiln benchmark: GET /ex/jira/{cloudId}/rest/api/3/project/search?maxResults=1"
    if [[ $KILN_ONLY == 1 ]]; then
        printf '   body size      %s bytes\n' "$BODY_SIZE"
    else
        printf '   body size      %s bytes (nginx serves the same bytes from a file)\n' "$BODY_SIZE"
    fi
    printf '   load           wrk -t%s -c%s -d%ss --latency, %s round(s), %ss warm-up\n' \
        "$WRK_THREADS" "$CONNS" "$SECONDS_PER_RUN" "$ROUNDS" "$WARMUP"
    printf '   servers        kiln --threads %s; nginx worker_processes %s\n' "$SERVER_THREADS" "$SERVER_THREADS"
    printf '   machine        nproc=%s, %s\n' "$(nproc)" "$(uname -sr)"
    if [[ $KILN_ONLY == 1 ]]; then
        printf '   nginx          skipped (BENCH_KILN_ONLY=1)\n'
    else
        printf '   nginx          %s\n' "$(nginx -v 2>&1 | sed 's/^nginx version: //')"
    fi
    printf '   rerun          %s\n' "$(rerun_command)"
    echo
}

# ---------------------------------------------------------------- main

main() {
    check_int BENCH_ROUNDS "$ROUNDS" 1
    check_int BENCH_SECONDS "$SECONDS_PER_RUN" 1
    check_int BENCH_CONNS "$CONNS" 1
    check_int BENCH_WARMUP "$WARMUP" 0
    ((CONNS >= WRK_THREADS)) || die "BENCH_CONNS must be >= $WRK_THREADS (wrk threads)"
    need wrk curl jq awk sort
    [[ $KILN_ONLY == 1 ]] || need nginx

    TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiln-bench.XXXXXX")
    trap cleanup EXIT
    trap on_signal INT TERM

    local ports
    ports=$(free_ports) || die "could not pick free ports"
    read -r KILN_PORT NGINX_PORT <<<"$ports"
    [[ -n $KILN_PORT && -n $NGINX_PORT ]] || die "could not pick free ports"

    start_kiln
    setup_kiln_site
    fetch_kiln_body
    [[ $KILN_ONLY == 1 ]] || start_nginx

    print_header

    if ((WARMUP > 0)); then
        log "warm-up ${WARMUP}s per server"
        bench_kiln "$WARMUP" "$TMP/wrk-warmup-kiln.txt"
        [[ $KILN_ONLY == 1 ]] || bench_nginx "$WARMUP" "$TMP/wrk-warmup-nginx.txt"
    fi

    local -a k_rps=() k_p50=() k_p99=() n_rps=() n_p50=() n_p99=() ratios=()
    local r ratio
    if [[ $KILN_ONLY == 1 ]]; then
        printf '%-6s %14s %10s %10s\n' round "kiln req/s" "p50 ms" "p99 ms"
    else
        printf '%-6s %14s %14s %8s   %-23s %-23s\n' round "kiln req/s" "nginx req/s" ratio \
            "kiln p50/p99 ms" "nginx p50/p99 ms"
    fi
    for ((r = 1; r <= ROUNDS; r++)); do
        bench_kiln "$SECONDS_PER_RUN" "$TMP/wrk-kiln-$r.txt"
        k_rps+=("$W_RPS") k_p50+=("$W_P50") k_p99+=("$W_P99")
        if [[ $KILN_ONLY == 1 ]]; then
            printf '%-6s %14.0f %10.3f %10.3f\n' "$r" "$W_RPS" "$W_P50" "$W_P99"
            continue
        fi
        bench_nginx "$SECONDS_PER_RUN" "$TMP/wrk-nginx-$r.txt"
        n_rps+=("$W_RPS") n_p50+=("$W_P50") n_p99+=("$W_P99")
        ratio=$(div "${k_rps[-1]}" "$W_RPS")
        ratios+=("$ratio")
        printf '%-6s %14.0f %14.0f %8.2f   %-23s %-23s\n' "$r" "${k_rps[-1]}" "$W_RPS" "$ratio" \
            "${k_p50[-1]} / ${k_p99[-1]}" "$W_P50 / $W_P99"
    done

    local mk mn mr
    mk=$(median "${k_rps[@]}")
    echo
    if [[ $KILN_ONLY == 1 ]]; then
        printf '%-6s %14.0f %10.3f %10.3f\n' median "$mk" "$(median "${k_p50[@]}")" "$(median "${k_p99[@]}")"
        echo
        printf 'RESULT kiln = %.0f req/s (nginx skipped, no ratio)\n' "$mk"
        return 0
    fi
    mn=$(median "${n_rps[@]}")
    mr=$(median "${ratios[@]}")
    printf '%-6s %14.0f %14.0f %8.2f   %-23s %-23s\n' median "$mk" "$mn" "$mr" \
        "$(median "${k_p50[@]}") / $(median "${k_p99[@]}")" \
        "$(median "${n_p50[@]}") / $(median "${n_p99[@]}")"
    echo
    printf 'RESULT kiln/nginx = %.2f (target >= %s)\n' "$mr" "$TARGET"
}

main "$@"
