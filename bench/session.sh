#!/usr/bin/env bash
# The web session cookie against an API token on the Jira plane, side by side in one run.
# See bench/README.md ("Session cookie vs API token").
#
# Starts one kiln (--threads 2), makes a site, mints its admin an API token and signs the
# admin in through a one-time link (`kiln ui login-url`) for a session cookie. wrk then
# runs GET /rest/api/3/myself with each credential in alternation, BENCH_ROUNDS times (the
# order flips every round, so drift on a shared machine hits both alike), and prints the
# medians and the median of the per-round cookie/token ratios. Target: >= 0.90.
#
# Environment:
#   BENCH_ROUNDS=3      measured rounds (each: one run per credential)
#   BENCH_SECONDS=5     duration of each measured wrk run
#   BENCH_CONNS=8       wrk connections
#   BENCH_KEEP=1        keep the temp dir
#   KILN=path           kiln binary (default: build/kiln in the repo root)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KILN=${KILN:-$ROOT/build/kiln}
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNS:-8}
KEEP=${BENCH_KEEP:-0}
TARGET=0.90

TMP=""
KPID=""

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$KPID" kiln
    if [[ -n $TMP && -d $TMP ]]; then
        if [[ $KEEP == 1 ]]; then log "kept temp dir $TMP"; else rm -rf -- "$TMP"; fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap on_signal INT TERM

need wrk curl jq node
check_int BENCH_ROUNDS "$ROUNDS" 1
check_int BENCH_SECONDS "$SECS" 1
check_int BENCH_CONNS "$CONNS" 1
[[ -x $KILN ]] || die "no kiln binary at $KILN (run make)"

TMP=$(mktemp -d)
PORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
BASE="http://127.0.0.1:$PORT"
"$KILN" serve --data "$TMP/data" --listen "127.0.0.1:$PORT" --threads 2 >"$TMP/kiln.out" 2>"$TMP/kiln.log" &
KPID=$!
wait_http "$BASE/healthz" 10 "$KPID" "$TMP/kiln.log" kiln

export KILN_URL=$BASE KILN_DATA=$TMP/data
CLOUD=$("$KILN" site create bench --json | jq -r .cloudId)
TOKEN=$("$KILN" user token --site bench --json | jq -r .token)
[[ $CLOUD != null && $TOKEN != null ]] || die "could not make the site or its token"
LINK=$("$KILN" ui login-url --site bench)
COOKIE=$(curl -s -o /dev/null -D - "$LINK" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: kiln_session=\([^;]*\);.*/\1/p')
[[ -n $COOKIE ]] || die "the one-time link gave no session cookie"
URL="$BASE/ex/jira/$CLOUD/rest/api/3/myself"
for h in "Authorization: Bearer $TOKEN" "Cookie: kiln_session=$COOKIE"; do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -H "$h" "$URL") == 200 ]] || die "GET /myself with ${h%%:*} is not 200"
done

# run KIND: req/s of one wrk run with that credential (non-2xx fails the bench).
run() {
    local h out
    if [[ $1 == token ]]; then h="Authorization: Bearer $TOKEN"; else h="Cookie: kiln_session=$COOKIE"; fi
    out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" -H "$h" "$URL")
    ! grep -q 'Non-2xx' <<<"$out" || die "wrk ($1): non-2xx answers: $out"
    awk '/^Requests\/sec:/ { printf "%d\n", $2 }' <<<"$out"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

wrk -t2 -c"$CONNS" -d1s -H "Authorization: Bearer $TOKEN" "$URL" >/dev/null
wrk -t2 -c"$CONNS" -d1s -H "Cookie: kiln_session=$COOKIE" "$URL" >/dev/null
: >"$TMP/token" >"$TMP/cookie" >"$TMP/ratio"
for ((r = 1; r <= ROUNDS; r++)); do
    if ((r % 2)); then t=$(run token); c=$(run cookie); else c=$(run cookie); t=$(run token); fi
    echo "$t" >>"$TMP/token"
    echo "$c" >>"$TMP/cookie"
    awk -v c="$c" -v t="$t" 'BEGIN { printf "%.3f\n", c / t }' >>"$TMP/ratio"
    log "round $r: token $t req/s, cookie $c req/s"
done
T=$(median <"$TMP/token")
C=$(median <"$TMP/cookie")
R=$(median <"$TMP/ratio")
printf 'session: GET /myself, %d conns, median of %d: token %s req/s, cookie %s req/s, cookie/token %s (target >= %s)\n' \
    "$CONNS" "$ROUNDS" "$T" "$C" "$R" "$TARGET"
