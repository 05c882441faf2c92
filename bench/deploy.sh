#!/usr/bin/env bash
# The edit loop: edit a handler -> `kiln deploy` -> the web trigger's new answer, and
# what a snapshot weighs for an app with a large node_modules. See bench/README.md.
#
# 1. Small app: bench/webtrigger-app (one web trigger making one Jira call with the real
#    @forge/api; node_modules a symlink to the repo's). BENCH_EDITS times: change one
#    line of src/index.js, run `kiln deploy`, then GET the web trigger until it answers
#    with the new build (the first GET does, as deploy returns once the version is live).
#    Edit-to-answer = the deploy's wall time + that first request's.
# 2. Large app: the same app with BENCH_BIG_MB of generated packages in its own
#    node_modules (never used by the handler) and one small package it does import;
#    deployed once: the snapshot's size, the deploy's time, and the answer.
#
# Environment:
#   BENCH_EDITS=5       edits timed in the small app
#   BENCH_BIG_MB=300    megabytes of node_modules in the large app (0 = skip it)
#   BENCH_KEEP=1        keep the temp dir
#   KILN=path           kiln binary (default build/kiln)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KILN=$(realpath -m "${KILN:-$ROOT/build/kiln}")
EDITS=${BENCH_EDITS:-5}
BIG_MB=${BENCH_BIG_MB:-300}
PAUSE_MS=0 # set by main: a developer's pause between the deploy and the first request
KEEP=${BENCH_KEEP:-0}
TARGET_EDIT_MS=300
TARGET_BIG_BYTES=$((10 * 1000 * 1000))
TMP=""
KILN_PID=""

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$KILN_PID" kiln
    if [[ -n $TMP && -d $TMP ]]; then
        if [[ $KEEP == 1 ]]; then log "kept temp dir $TMP"; else rm -rf -- "$TMP"; fi
    fi
    exit "$rc"
}

now_ms() { date +%s%3N; }

# cli APPDIR ARGS...: kiln in APPDIR; stdout to the caller, stderr to $TMP/cli.log.
cli() {
    local dir=$1
    shift
    (cd "$dir" && "$KILN" "$@") 2>"$TMP/cli.log" || {
        log_tail "$TMP/cli.log"
        log_tail "$TMP/kiln.log"
        die "'kiln $*' failed in $dir"
    }
}

# copy_app DIR: bench/webtrigger-app at DIR (node_modules not copied).
copy_app() {
    mkdir -p "$1"
    cp -R "$ROOT/bench/webtrigger-app/." "$1/"
    rm -rf "$1/node_modules" "$1/.kiln"
}

set_build() { sed -i "s/^const BUILD = '[0-9]*';\$/const BUILD = '$2';/" "$1/src/index.js"; }

# answer URL: "STATUS BUILD MS" of one GET.
answer() {
    local line status secs build
    line=$(curl -s -o "$TMP/body" -D "$TMP/headers" -w '%{http_code} %{time_total}' --max-time 30 "$1") || die "curl $1 failed"
    read -r status secs <<<"$line"
    build=$(awk 'tolower($1) == "x-bench-build:" { sub(/\r$/, "", $2); print $2 }' "$TMP/headers")
    printf '%s %s %s\n' "$status" "${build:--}" "$(awk -v s="$secs" 'BEGIN { printf "%.1f", s * 1000 }')"
}

# deploy_install DIR SITE: register, deploy, install; prints the web trigger's URL.
deploy_install() {
    local dir=$1 site=$2
    cli "$dir" register --name "$site" >/dev/null
    cli "$dir" site create "$site" --demo >/dev/null
    cli "$dir" deploy >"$TMP/deploy.out"
    cli "$dir" install --site "$site" --confirm-scopes >/dev/null
    cli "$dir" webtrigger report --site "$site"
}

# edit_series BUILD0 ARGS...: BENCH_EDITS edits, each deployed with `kiln deploy ARGS`;
# sets EDIT_TOTAL, EDIT_DEPLOY, EDIT_FIRST. Builds are numbered from BUILD0 + 1.
edit_series() {
    local base=$1 i t0 deploy_ms status build ms total
    shift
    EDIT_TOTAL=() EDIT_DEPLOY=() EDIT_FIRST=()
    for ((i = base + 1; i <= base + EDITS; i++)); do
        set_build "$SMALL" "$i"
        t0=$(now_ms)
        cli "$SMALL" deploy "$@" >/dev/null
        deploy_ms=$(($(now_ms) - t0))
        ((PAUSE_MS == 0)) || sleep "$(awk -v p="$PAUSE_MS" 'BEGIN { printf "%.3f", p / 1000 }')"
        read -r status build ms <<<"$(answer "$SMALL_URL")"
        [[ $status == 200 && $build == "$i" ]] || die "edit $i: the first answer after deploy was status $status build $build"
        total=$(awk -v a="$deploy_ms" -v b="$ms" 'BEGIN { printf "%.1f", a + b }')
        EDIT_TOTAL+=("$total") EDIT_DEPLOY+=("$deploy_ms") EDIT_FIRST+=("$ms")
        log "edit $i (kiln deploy $*): deploy $deploy_ms ms + first answer $ms ms = $total ms"
    done
}

small_app() {
    local status build ms
    SMALL=$TMP/small
    copy_app "$SMALL"
    ln -s "$ROOT/node_modules" "$SMALL/node_modules"
    SMALL_URL=$(deploy_install "$SMALL" small)
    read -r status build ms <<<"$(answer "$SMALL_URL")"
    [[ $status == 200 && $build == 0 ]] || die "first answer: status $status build $build: $(head -c 300 "$TMP/body")"
    SMALL_SNAPSHOT=$(sed -n 's/.*(\([0-9]*\) bytes of files).*/\1/p' "$TMP/deploy.out")
}

big_app() {
    local dir=$TMP/big url t0 deploy_ms status build ms out i
    copy_app "$dir"
    mkdir -p "$dir/node_modules"
    cp -R "$ROOT/node_modules/." "$dir/node_modules/" # @forge/api and its dependencies
    # ballast: BIG_MB of packages the handler never imports, 10 MB each
    for ((i = 0; i < (BIG_MB + 9) / 10; i++)); do
        mkdir -p "$dir/node_modules/ballast-$i/lib"
        printf '{"name":"ballast-%s","version":"1.0.0","main":"index.js"}\n' "$i" >"$dir/node_modules/ballast-$i/package.json"
        printf 'module.exports = %s;\n' "$i" >"$dir/node_modules/ballast-$i/index.js"
        head -c $((10 * 1024 * 1024)) /dev/urandom >"$dir/node_modules/ballast-$i/lib/data.bin"
    done
    BIG_NM=$(du -sm "$dir/node_modules" | cut -f1)
    cli "$dir" register --name big >/dev/null
    cli "$dir" site create big --demo >/dev/null
    t0=$(now_ms)
    if ! (cd "$dir" && "$KILN" deploy) >"$TMP/deploy.out" 2>"$TMP/deploy.err"; then
        BIG_DEPLOY_MS=$(($(now_ms) - t0))
        BIG_SNAPSHOT="(deploy refused after $BIG_DEPLOY_MS ms: $(head -n 1 "$TMP/deploy.err"))"
        BIG_REDEPLOY_MS=n/a
        return 0
    fi
    BIG_DEPLOY_MS=$(($(now_ms) - t0))
    BIG_SNAPSHOT=$(sed -n 's/.*(\([0-9]*\) bytes of files).*/\1/p' "$TMP/deploy.out")
    cli "$dir" install --site big --confirm-scopes >/dev/null
    url=$(cli "$dir" webtrigger report --site big)
    read -r status build ms <<<"$(answer "$url")"
    [[ $status == 200 && $build == 0 ]] || die "large app: status $status build $build"
    t0=$(now_ms)
    set_build "$dir" 1
    cli "$dir" deploy >/dev/null
    BIG_REDEPLOY_MS=$(($(now_ms) - t0))
}

main() {
    check_int BENCH_EDITS "$EDITS" 1
    check_int BENCH_BIG_MB "$BIG_MB" 0
    need curl awk sed du
    [[ -x $KILN ]] || die "$KILN not found (run make)"
    [[ -f $ROOT/node_modules/@forge/api/package.json ]] || die "no @forge/api in node_modules (run make deps)"
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/kiln-bench-deploy.XXXXXX")
    trap cleanup EXIT
    trap on_signal INT TERM
    local port
    port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
    mkdir -p "$TMP/kiln"
    "$KILN" serve --data "$TMP/kiln" --listen "127.0.0.1:$port" --threads 2 --webtrigger-rate 0 --proxy-rate 0 \
        >"$TMP/kiln.out" 2>"$TMP/kiln.log" &
    KILN_PID=$!
    wait_http "http://127.0.0.1:$port/healthz" 10 "$KILN_PID" "$TMP/kiln.log" kiln
    export KILN_URL="http://127.0.0.1:$port" KILN_DATA="$TMP/kiln"

    small_app
    edit_series 0
    local plain_total=("${EDIT_TOTAL[@]}") plain_deploy=("${EDIT_DEPLOY[@]}") plain_first=("${EDIT_FIRST[@]}")
    WARM_TOTAL=()
    if "$KILN" deploy --help 2>/dev/null | grep -q -- --warm; then
        edit_series "$EDITS" --warm
        WARM_TOTAL=("${EDIT_TOTAL[@]}") WARM_DEPLOY=("${EDIT_DEPLOY[@]}") WARM_FIRST=("${EDIT_FIRST[@]}")
        PAUSE_MS=1000 # as with kiln dev: save, then look (the warm worker is ready by then)
        edit_series $((2 * EDITS)) --warm
        PAUSE_MS=0
        PAUSED_FIRST=("${EDIT_FIRST[@]}")
    fi
    echo
    echo "== kiln edit loop: edit src/index.js -> kiln deploy -> the web trigger's new answer (bench/webtrigger-app)"
    printf '   machine        nproc=%s, %s, load %s\n' "$(nproc)" "$(uname -sr)" "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf '   rerun          BENCH_EDITS=%s BENCH_BIG_MB=%s bench/deploy.sh\n' "$EDITS" "$BIG_MB"
    printf '   snapshot       %s bytes of files\n' "$SMALL_SNAPSHOT"
    printf '   kiln deploy    deploy ms %s (median %s)\n' "${plain_deploy[*]}" "$(median "${plain_deploy[@]}")"
    printf '                  first answer ms %s (median %s)\n' "${plain_first[*]}" "$(median "${plain_first[@]}")"
    printf '                  edit to answer ms %s (median %s)\n' "${plain_total[*]}" "$(median "${plain_total[@]}")"
    if ((${#WARM_TOTAL[@]})); then
        printf '   deploy --warm  deploy ms %s (median %s)\n' "${WARM_DEPLOY[*]}" "$(median "${WARM_DEPLOY[@]}")"
        printf '   (as kiln dev)  first answer ms %s (median %s)\n' "${WARM_FIRST[*]}" "$(median "${WARM_FIRST[@]}")"
        printf '                  edit to answer ms %s (median %s)\n' "${WARM_TOTAL[*]}" "$(median "${WARM_TOTAL[@]}")"
        printf '                  first answer 1 s after the deploy ms %s (median %s)\n' "${PAUSED_FIRST[*]}" "$(median "${PAUSED_FIRST[@]}")"
    fi
    if ((BIG_MB > 0)); then
        big_app
        printf '   large app      %s MB of node_modules -> snapshot of %s bytes of files; deploy %s ms, redeploy %s ms\n' \
            "$BIG_NM" "$BIG_SNAPSHOT" "$BIG_DEPLOY_MS" "$BIG_REDEPLOY_MS"
    fi
    printf 'RESULT edit to new answer = %.0f ms with kiln deploy' "$(median "${plain_total[@]}")"
    ((${#WARM_TOTAL[@]})) && printf ', %.0f ms with kiln deploy --warm (kiln dev)' "$(median "${WARM_TOTAL[@]}")"
    printf ' (target <= %s)' "$TARGET_EDIT_MS"
    ((BIG_MB > 0)) && printf '; snapshot of a %s MB node_modules app = %s bytes (target < %s)' "$BIG_NM" "$BIG_SNAPSHOT" "$TARGET_BIG_BYTES"
    echo
}

main "$@"
