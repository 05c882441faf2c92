#!/usr/bin/env bash
# Issue 21 part 3, the long mode of the fuzzers (make battery-fuzz; docs/reliability.md
# "## Fuzzing"). Builds every harness (tests/fuzz/build.sh: libFuzzer + ASan + UBSan) and
# runs each for FUZZ_SECONDS (default 3600), FUZZ_JOBS at a time (default 1), niced, from
# its working corpus build/fuzz/corpus-NAME (kept between runs, as make fuzz keeps it) and
# its seed corpus tests/fuzz/corpus/NAME. Per harness it keeps the log in
# build/fuzz/battery/NAME.log and reads libFuzzer's figures (-print_final_stats): units
# executed, exec/s, coverage (cov: edges, ft: features), the corpus it ends with, peak
# RSS; a crash, leak, timeout or UB report stops that harness and leaves its input as
# build/fuzz/battery/NAME-crash-... (the run goes on with the others; exit status 1).
# Then the table between the fuzz-table markers of docs/reliability.md is rewritten, with
# the command and the date (FUZZ_NO_DOC=1: print it only).
set -uo pipefail
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-3600}
JOBS=${FUZZ_JOBS:-1}
OUT=build/fuzz/battery
mkdir -p "$OUT"
names=$(tests/fuzz/build.sh) || exit 1

run_one() {
  local name=$1 work=build/fuzz/corpus-$1 dict=()
  mkdir -p "$work"
  rm -f "$OUT/$name-"*
  [ -f "tests/fuzz/$name.dict" ] && dict=("-dict=tests/fuzz/$name.dict")
  local t0 t1 rc
  t0=$(date +%s)
  nice "build/fuzz/bin/fuzz_$name" -max_total_time="$SECS" -max_len=8192 -timeout=30 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$OUT/$name-" "${dict[@]}" "$work" "tests/fuzz/corpus/$name" \
    >"$OUT/$name.log" 2>&1
  rc=$?
  t1=$(date +%s)
  local execs eps rss cov ft corp crashes
  fstat() { sed -n "s/^stat::$1: *//p" "$OUT/$name.log" | tail -n 1; }
  execs=$(fstat number_of_executed_units)
  eps=$(fstat average_exec_per_sec)
  rss=$(fstat peak_rss_mb)
  cov=$(grep -o 'cov: [0-9]*' "$OUT/$name.log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$OUT/$name.log" | tail -n 1 | cut -d' ' -f2)
  corp=$(find "$work" -type f | wc -l)
  crashes=$(find "$OUT" -maxdepth 1 -name "$name-*" -type f | wc -l)
  [ $rc -ne 0 ] && [ "$crashes" = 0 ] && crashes="exit $rc"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$((t1 - t0))" "${execs:-?}" "${eps:-?}" "${cov:-?}" \
    "${ft:-?}" "$corp" "${rss:-?}" "$crashes" >"$OUT/$name.tsv"
  echo "fuzz_$name: $((t1 - t0)) s, ${execs:-?} execs (${eps:-?}/s), cov ${cov:-?} ft ${ft:-?}, corpus $corp, crashes $crashes"
}

# FUZZ_JOBS harnesses at a time
running=0
for name in $names; do
  if [ "$running" -ge "$JOBS" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_one "$name" &
  running=$((running + 1))
done
wait

date=$(date -u +%Y-%m-%d)
table=$(
  echo "Measured $date with \`make battery-fuzz FUZZ_SECONDS=$SECS FUZZ_JOBS=$JOBS\` (${SECS} s a harness, $JOBS at a time, niced, on a $(nproc)-core machine shared with other work)."
  echo
  echo "| Harness | Seconds | Executions | Exec/s | cov | ft | Corpus | Peak RSS MB | Crashes |"
  echo "|---|---|---|---|---|---|---|---|---|"
  total=0
  bad=0
  for name in $names; do
    IFS=$'\t' read -r n s e r c f k m x <"$OUT/$name.tsv"
    echo "| $n | $s | $e | $r | $c | $f | $k | $m | $x |"
    [[ $e =~ ^[0-9]+$ ]] && total=$((total + e))
    [ "$x" != 0 ] && bad=$((bad + 1))
  done
  echo
  echo "Total: $total executions; harnesses with a finding: $bad."
)
echo "$table"
if [ -z "${FUZZ_NO_DOC:-}" ]; then
  FUZZ_TABLE="$table" node -e '
    const fs = require("fs"), p = "docs/reliability.md";
    const s = fs.readFileSync(p, "utf8"), a = "<!-- fuzz-table -->", b = "<!-- /fuzz-table -->";
    const i = s.indexOf(a), j = s.indexOf(b);
    if (i < 0 || j < i) { console.error("docs/reliability.md: no fuzz-table markers"); process.exit(1); }
    fs.writeFileSync(p, s.slice(0, i + a.length) + "\n" + process.env.FUZZ_TABLE + "\n" + s.slice(j));
    console.log("docs/reliability.md: ## Fuzzing table written");'
fi
grep -q . <(find "$OUT" -maxdepth 1 -name '*-crash-*' -o -maxdepth 1 -name '*-leak-*' -o -maxdepth 1 -name '*-timeout-*' -o -maxdepth 1 -name '*-oom-*') && exit 1
exit 0
