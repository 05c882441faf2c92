#!/usr/bin/env bash
# Issue 21 part 3, the long mode of the fuzzers (make battery-fuzz; docs/reliability.md
# "## Fuzzing"). Builds every harness (tests/fuzz/build.sh: libFuzzer + ASan + UBSan) and
# runs each for FUZZ_SECONDS (default 3600), FUZZ_JOBS at a time (default 1), niced, from
# its working corpus build/fuzz/corpus-NAME (kept between runs, as make fuzz keeps it) and
# its seed corpus tests/fuzz/corpus/NAME. FUZZ_ONLY="name ..." runs some of them.
# Per harness it keeps the log in build/fuzz/battery/NAME.log and reads libFuzzer's
# figures (-print_final_stats): units executed, exec/s, coverage (cov: edges, ft:
# features), the corpus it ends with, peak RSS; a crash, leak, timeout or UB report stops
# that harness and leaves its input as build/fuzz/battery/NAME-crash-... (the run goes on
# with the others; exit status 1). Then the table between the fuzz-table markers of
# docs/reliability.md is rewritten, with the command and the date, from the logs of every
# harness in build/fuzz/battery (FUZZ_NO_DOC=1: print it only; FUZZ_REPORT_ONLY=1: run
# nothing, only read the logs of the last runs again).
set -uo pipefail
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-3600}
JOBS=${FUZZ_JOBS:-1}
OUT=build/fuzz/battery
mkdir -p "$OUT"

run_one() {
  local name=$1 work=build/fuzz/corpus-$1 dict=() t0 rc
  mkdir -p "$work"
  rm -f "$OUT/$name-"*
  [ -f "tests/fuzz/$name.dict" ] && dict=("-dict=tests/fuzz/$name.dict")
  t0=$(date +%s)
  nice "build/fuzz/bin/fuzz_$name" -max_total_time="$SECS" -max_len=8192 -timeout=30 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$OUT/$name-" "${dict[@]}" "$work" "tests/fuzz/corpus/$name" \
    >"$OUT/$name.log" 2>&1
  rc=$?
  echo "$(($(date +%s) - t0)) $rc $(date -u +%Y-%m-%d)" >"$OUT/$name.run"
  figures "$name"
}

# One harness's figures from its last run, as a tab-separated row into NAME.tsv.
figures() {
  local name=$1 log=$OUT/$1.log secs rc day execs eps rss cov ft corp found
  read -r secs rc day <"$OUT/$name.run"
  fstat() { sed -n "s/^stat::$1: *//p" "$log" | tail -n 1; }
  execs=$(fstat number_of_executed_units)
  eps=$(fstat average_exec_per_sec)
  rss=$(fstat peak_rss_mb)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
  corp=$(find "build/fuzz/corpus-$name" -type f | wc -l)
  found=$(find "$OUT" -maxdepth 1 -name "$name-*" -type f | wc -l)
  [ "$rc" -ne 0 ] && [ "$found" = 0 ] && found="exit $rc"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$secs" "${execs:-?}" "${eps:-?}" "${cov:-?}" \
    "${ft:-?}" "$corp" "${rss:-?}" "$found" "$day" >"$OUT/$name.tsv"
  echo "fuzz_$name: $secs s, ${execs:-?} execs (${eps:-?}/s), cov ${cov:-?} ft ${ft:-?}, corpus $corp, findings $found"
}

if [ -z "${FUZZ_REPORT_ONLY:-}" ]; then
  names=$(tests/fuzz/build.sh) || exit 1
  running=0
  for name in $names; do # FUZZ_JOBS harnesses at a time
    if [ "$running" -ge "$JOBS" ]; then
      wait -n
      running=$((running - 1))
    fi
    run_one "$name" &
    running=$((running + 1))
  done
  wait
else
  for f in "$OUT"/*.run; do figures "$(basename "$f" .run)"; done
fi

table=$(
  echo "Each harness's last run of \`make battery-fuzz\` (FUZZ_SECONDS as its Seconds column, FUZZ_JOBS=$JOBS, niced) on a $(nproc)-core machine shared with other work: exec/s say as much about the load as about the harness. Findings: inputs left by a crash, leak, UB report or timeout (each fixed, listed below)."
  echo
  echo "| Harness | Date | Seconds | Executions | Exec/s | cov | ft | Corpus | Peak RSS MB | Findings |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  total=0
  secs=0
  for f in "$OUT"/*.tsv; do
    IFS=$'\t' read -r n s e r c ft k m x d <"$f"
    echo "| $n | $d | $s | $e | $r | $c | $ft | $k | $m | $x |"
    [[ $e =~ ^[0-9]+$ ]] && total=$((total + e))
    secs=$((secs + s))
  done
  echo
  echo "Total: $total executions in $((secs / 60)) harness-minutes."
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
! find "$OUT" -maxdepth 1 \( -name '*-crash-*' -o -name '*-leak-*' -o -name '*-timeout-*' -o -name '*-oom-*' \) | grep -q .
