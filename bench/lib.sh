# Shared by bench/run.sh and bench/webtrigger.sh: logging, process control, waiting for
# a server, number helpers. Sourced, not run.
# shellcheck shell=bash

log() { printf 'bench: %s\n' "$*" >&2; }

die() {
    printf 'bench: FAIL: %s\n' "$*" >&2
    exit 1
}

# Print the last lines of a log file to stderr, indented.
log_tail() {
    local file=$1
    if [[ -s $file ]]; then
        printf -- '--- last lines of %s ---\n' "$file" >&2
        tail -n 30 "$file" | sed 's/^/  | /' >&2
    fi
}

# stop_pid PID NAME: SIGTERM, wait up to ~5 s, then SIGKILL.
stop_pid() {
    local pid=$1 name=$2 i
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name (pid $pid) did not exit on SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

on_signal() {
    log "interrupted"
    exit 130 # runs cleanup via the EXIT trap
}

need() {
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || die "required command not found: $cmd"
    done
}

check_int() { # check_int NAME VALUE MIN
    if ! [[ $2 =~ ^[0-9]+$ ]] || ((10#$2 < $3)); then
        die "$1 must be an integer >= $3 (got '$2')"
    fi
}

# wait_http URL TIMEOUT_S PID LOGFILE NAME: poll until URL answers 2xx.
wait_http() {
    local url=$1 timeout=$2 pid=$3 logfile=$4 name=$5
    local deadline=$((SECONDS + timeout))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            log_tail "$logfile"
            die "$name exited during startup"
        fi
        if curl -sf -o /dev/null --max-time 1 "$url"; then
            return 0
        fi
        sleep 0.1
    done
    log_tail "$logfile"
    die "$name did not answer $url within ${timeout}s"
}

# to_ms VALUE: wrk time ("512.00us", "1.20ms", "2.00s", "1.00m") -> ms.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") f = 0.001; else if (u == "ms") f = 1;
        else if (u == "s") f = 1000; else if (u == "m") f = 60000;
        else if (u == "h") f = 3600000; else { print "NaN"; exit 1 }
        printf "%.3f", n * f
    }'
}

# median NUMBERS...: median (mean of the two middle values for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "NaN"; exit }
            if (NR % 2) printf "%.3f", v[(NR + 1) / 2]
            else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2
        }'
}

# cpu_ticks PID...: CPU clock ticks (user + system) used so far by each PID and every
# process below it (children, theirs, ...): kiln's Node workers are not its children,
# each runs under its sandbox's bubblewrap processes. A process that exits takes its
# ticks with it.
cpu_ticks() {
    local p total=0 t
    for p in $(tree_pids "$@"); do
        # utime and stime: fields 14 and 15 of /proc/PID/stat, after the command name
        t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)
        total=$((total + ${t:-0}))
    done
    echo "$total"
}
tree_pids() {
    local p
    for p in "$@"; do
        [[ -n $p ]] || continue
        echo "$p"
        tree_pids $(pgrep -P "$p" 2>/dev/null || true)
    done
}
