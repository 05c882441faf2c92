#!/usr/bin/env bash
# make demo: runs kiln on its embedded SQLite store in ./.kiln (or $KILN_DATA), creates
# two demo sites if there are none, installs the example apps on both (project-report, and
# cross-site-report with its backend on $XSITE_LISTEN, default 127.0.0.1:8090), prints what
# to try, and runs until Ctrl-C.
#
# make demo STORE=postgres (docs/scale.md "The demo on PostgreSQL"): the same on a private
# PostgreSQL cluster it starts (tools/pg-cluster: initdb + pg_ctl as this user, a Unix
# socket in a new directory under $TMPDIR), with TWO kiln nodes sharing it and one master
# key file ($KILN_DATA/master.key, $KILN_DATA default ./.kiln-pg): node A on $KILN_LISTEN
# (127.0.0.1:8080) with data dir $KILN_DATA/a, node B on $KILN_LISTEN_B (127.0.0.1:8082)
# with $KILN_DATA/b. Everything is set up through A; B serves the same sites and runs the
# same apps (their snapshots come from the database). Each run starts afresh (the previous
# run's $KILN_DATA/a and b are removed); Ctrl-C stops both nodes and the cluster, whose
# directory goes with it.
set -euo pipefail
cd "$(dirname "$0")/.."

STORE=${STORE:-sqlite}
case "$STORE" in sqlite|postgres) ;; *) echo "demo: STORE is sqlite or postgres, not $STORE" >&2; exit 2 ;; esac
LISTEN=${KILN_LISTEN:-127.0.0.1:8080}
URL="http://$LISTEN"
KILN=$(realpath "${KILN_BIN:-build/kiln}") # KILN_BIN: another build (tests/e2e/demo.test.mjs)
# the UI origin (Custom UI apps' files, docs/ui.md "Custom UI"): its own listener and host
UI_LISTEN=${KILN_UI_LISTEN:-127.0.0.1:8081}

XSITE_LISTEN=${XSITE_LISTEN:-127.0.0.1:8090}
XSITE_URL="http://$XSITE_LISTEN"

pid= pidb= bpid= pgdir=
stop() {
  set +e # a child that Ctrl-C ended already makes kill and wait fail: carry on
  [ -n "$bpid" ] && kill -TERM "$bpid" 2>/dev/null && wait "$bpid" 2>/dev/null
  [ -n "$pidb" ] && kill -TERM "$pidb" 2>/dev/null && wait "$pidb" 2>/dev/null
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  if [ -n "$pgdir" ]; then
    if tools/pg-cluster stop "$pgdir" >/dev/null; then echo "the PostgreSQL cluster in $pgdir is stopped and removed"; fi
    rm -f "$BASE/pg.dir"
  fi
  exit "${1:-0}"
}
trap 'stop 0' INT TERM

# wait_up URL PID WHAT: until URL/healthz answers; WHAT says which listener when the process is gone
wait_up() {
  for _ in $(seq 1 100); do
    curl -sf "$1/healthz" >/dev/null 2>&1 && return 0
    if ! kill -0 "$2" 2>/dev/null; then echo "kiln failed to start (is $3 in use?)" >&2; stop 1; fi
    sleep 0.1
  done
  echo "kiln did not answer on $1 within 10 s" >&2; stop 1
}

if [ "$STORE" = postgres ]; then
  BASE=$(realpath -m "${KILN_DATA:-./.kiln-pg}")
  DATA=$BASE/a DATA_B=$BASE/b
  LISTEN_B=${KILN_LISTEN_B:-127.0.0.1:8082}
  URL_B="http://$LISTEN_B"
  UI_LISTEN_B=${KILN_UI_LISTEN_B:-127.0.0.1:8083}
  # a run that was killed (not Ctrl-C) left its cluster running: stop it
  if [ -s "$BASE/pg.dir" ]; then tools/pg-cluster stop "$(cat "$BASE/pg.dir")" >/dev/null 2>&1 || true; fi
  rm -rf "$DATA" "$DATA_B" "$BASE/pg.dir"
  mkdir -p "$BASE"
  # the cluster in a directory of its own under $TMPDIR (/tmp), which the server's user can
  # reach (as root: Debian's postgres user, tools/pg-cluster)
  pgenv=$(tools/pg-cluster start) || { echo "demo: the PostgreSQL cluster did not start" >&2; exit 1; }
  eval "$pgenv"
  pgdir=$PGHOST
  echo "$pgdir" >"$BASE/pg.dir"
  psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE DATABASE kiln' >/dev/null || stop 1
  STORE_URL=$(printf %s "$KILN_PG_URL" | sed 's#:///postgres?#:///kiln?#')
  [ -s "$BASE/master.key" ] || "$KILN" keys new-master "$BASE/master.key" >/dev/null
  common=(--store "$STORE_URL" --key-file "$BASE/master.key")
  # A first: its first start sets the database up (roles, schema, migrations); then B
  "$KILN" serve --data "$DATA" --listen "$LISTEN" --ui-listen "$UI_LISTEN" "${common[@]}" 2>>"$BASE/node-a.log" &
  pid=$!
  wait_up "$URL" $pid "$LISTEN (set KILN_LISTEN)"
  "$KILN" serve --data "$DATA_B" --listen "$LISTEN_B" --ui-listen "$UI_LISTEN_B" "${common[@]}" 2>>"$BASE/node-b.log" &
  pidb=$!
  wait_up "$URL_B" $pidb "$LISTEN_B (set KILN_LISTEN_B)"
else
  DATA=$(realpath -m "${KILN_DATA:-./.kiln}")
  "$KILN" serve --data "$DATA" --listen "$LISTEN" --ui-listen "$UI_LISTEN" &
  pid=$!
fi
export KILN_URL="$URL" KILN_DATA="$DATA"

wait_up "$URL" $pid "$LISTEN (set KILN_LISTEN)"

if [ "$("$KILN" site list --json | jq '.sites | length')" = 0 ]; then
  "$KILN" site create acme --demo >/dev/null
  "$KILN" site create globex --demo >/dev/null
fi

# the example app, deployed and installed on both demo sites (once)
APP="$DATA/demo-app"
if [ ! -f "$APP/manifest.yml" ]; then
  mkdir -p "$APP" && cp -r examples/project-report/. "$APP/"
  ( cd "$APP" && "$KILN" register --name "Cross-site report" >/dev/null )
fi
( cd "$APP" && "$KILN" deploy >/dev/null )
for s in $("$KILN" site list --json | jq -r '.sites[].name'); do
  ( cd "$APP" && "$KILN" install --site "$s" --confirm-scopes >/dev/null 2>&1 || true )
done

# examples/cross-site-report: the same report over both sites, in the two ways kiln
# supports, with the example's backend (a Node server) running beside kiln.
XAPP="$DATA/xsite-app"
if [ ! -f "$XAPP/manifest.yml" ]; then
  mkdir -p "$XAPP"
  cp -r examples/cross-site-report/{manifest.yml,package.json,package-lock.json,src,node_modules} "$XAPP/"
  sed -i "s#http://127.0.0.1:8090#$XSITE_URL#g" "$XAPP/manifest.yml"
  ( cd "$XAPP" && "$KILN" register --name "Cross-site report (web triggers and remote)" >/dev/null )
fi
SECRET_FILE="$DATA/xsite-hmac.secret"
[ -s "$SECRET_FILE" ] || ( umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$SECRET_FILE" )
( cd "$XAPP" && "$KILN" variables set XSITE_BACKEND_URL "$XSITE_URL" >/dev/null \
    && "$KILN" variables set --encrypt XSITE_HMAC_SECRET <"$SECRET_FILE" >/dev/null )
XAPP_ID=$(sed -n 's/^ *id: *\(ari:cloud:ecosystem::app\/[0-9a-f-]*\).*/\1/p' "$XAPP/manifest.yml" | head -1)
XSITE_LISTEN="$XSITE_LISTEN" XSITE_KILN_URL="$URL" XSITE_APP_ID="$XAPP_ID" XSITE_HMAC_SECRET_FILE="$SECRET_FILE" \
  XSITE_STATE="$DATA/xsite-backend.json" node examples/cross-site-report/backend/server.js >/dev/null 2>>"$DATA/xsite-backend.log" &
bpid=$!
for _ in $(seq 1 50); do
  curl -sf "$XSITE_URL/healthz" >/dev/null 2>&1 && break
  if ! kill -0 $bpid 2>/dev/null; then echo "the cross-site-report backend failed to start (is $XSITE_LISTEN in use? set XSITE_LISTEN)" >&2; stop 1; fi
  sleep 0.1
done
( cd "$XAPP" && "$KILN" deploy >/dev/null )
for s in $("$KILN" site list --json | jq -r '.sites[].name'); do
  ( cd "$XAPP" && "$KILN" install --site "$s" --confirm-scopes >/dev/null 2>&1 || true )
done
# the install events register each site with the backend within a second or two
for _ in $(seq 1 40); do
  [ "$(curl -sf "$XSITE_URL/report?way=webtrigger" | jq '.webtriggers.sites | length' 2>/dev/null || echo 0)" -ge 2 ] && break
  sleep 0.25
done

# examples/issue-panel-customui: a Custom UI issue panel (its page built with esbuild from
# the real @forge/bridge), installed on both sites; each site's admin has consented to it
CAPP="$DATA/customui-app"
if [ ! -f "$CAPP/manifest.yml" ]; then
  mkdir -p "$CAPP"
  cp -r examples/issue-panel-customui/{manifest.yml,package.json,package-lock.json,build.sh,src,ui-src,static,node_modules} "$CAPP/"
  ( cd "$CAPP" && "$KILN" register --name "Team notes (Custom UI)" >/dev/null )
fi
( cd "$CAPP" && ./build.sh && "$KILN" deploy >/dev/null )
"$KILN" site list --json | jq -r '.sites[] | "\(.name) \(.adminAccountId)"' | while read -r s admin; do
  ( cd "$CAPP" && "$KILN" install --site "$s" --confirm-scopes >/dev/null 2>&1 || true )
  ( cd "$CAPP" && "$KILN" consent --site "$s" --account "$admin" >/dev/null 2>&1 || true )
done

# examples/global-page-uikit: a UI Kit global page (the real @forge/react, bundled by
# kiln deploy from src/frontend/index.jsx) with a Frame of its static resource `about`,
# installed on both sites
UAPP="$DATA/uikit-app"
if [ ! -f "$UAPP/manifest.yml" ]; then
  mkdir -p "$UAPP"
  cp -r examples/global-page-uikit/{manifest.yml,package.json,package-lock.json,build.sh,src,ui-src,static,node_modules} "$UAPP/"
  ( cd "$UAPP" && "$KILN" register --name "Fruit list (UI Kit)" >/dev/null )
fi
# build.sh: the page of its `about` resource (shown by <Frame>), with the real @forge/bridge
( cd "$UAPP" && { [ ! -x build.sh ] || ./build.sh; } && "$KILN" deploy >/dev/null )
"$KILN" site list --json | jq -r '.sites[].name' | while read -r s; do
  ( cd "$UAPP" && "$KILN" install --site "$s" --confirm-scopes >/dev/null 2>&1 || true )
done

sites=$("$KILN" site list --json)
a_name=$(jq -r '.sites[0].name' <<<"$sites"); a_cloud=$(jq -r '.sites[0].cloudId' <<<"$sites")
b_name=$(jq -r '.sites[1].name // .sites[0].name' <<<"$sites"); b_cloud=$(jq -r '.sites[1].cloudId // .sites[0].cloudId' <<<"$sites")
token=$("$KILN" user token --site "$a_name")
a_web=$(curl -s -H "Authorization: Bearer $token" "$URL/ex/jira/$a_cloud/rest/api/3/project/search?typeKey=software" | jq -r '.values[0].key')
wa=$(cd "$APP" && "$KILN" webtrigger site-report --site "$a_name")
signin=$("$KILN" ui login-url --site "$a_name") # the web UI, signed in as the admin: once, within 10 minutes
wb=$(cd "$APP" && "$KILN" webtrigger site-report --site "$b_name")

if [ "$STORE" = postgres ]; then
  wb_b=${wb/#$URL/$URL_B}
  cat <<MSG

two kiln nodes share the PostgreSQL cluster in $pgdir (database kiln: PGHOST=$pgdir PGUSER=$PGUSER psql kiln):
  node A: $URL (data in $DATA; log $BASE/node-a.log)
  node B: $URL_B (data in $DATA_B; log $BASE/node-b.log)
both with the master key $BASE/master.key. The commands below go to node A; node B serves
the same sites, tokens and apps (an app's snapshot comes from the database on first use):
  curl -s -H "Authorization: Bearer $token" "$URL_B/ex/jira/$a_cloud/rest/api/3/project/search" | jq '[.values[].key]'
  curl -s "$wb_b" | jq '{cloudId, projects: [.projects[].key]}'
  ls $DATA_B/snapshots/*/*/   # B's copies, fetched from the database
MSG
fi

cat <<MSG

kiln is running at $URL (data in $DATA; admin token in $DATA/admin.token)

sites:
$("$KILN" site list)

open the web UI as $a_name's admin (a one-time link, valid 10 minutes; another one:
KILN_URL=$URL KILN_DATA=$DATA $KILN ui login-url --site $a_name):
  $signin
or sign in at $URL/s/$a_name/login with the admin's email and the API token below.

a user API token for $a_name's admin:
  export TOKEN=$token

try:
  # $a_name's projects (200)
  curl -s -H "Authorization: Bearer \$TOKEN" "$URL/ex/jira/$a_cloud/rest/api/3/project/search" | jq .
  # the same token on $b_name's cloudId: 401, x-failure-category: FAILURE_CLIENT_SCOPE_CHECK
  curl -si -H "Authorization: Bearer \$TOKEN" "$URL/ex/jira/$b_cloud/rest/api/3/project/search"
  # create an issue on $a_name
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
       -d '{"fields":{"project":{"key":"$a_web"},"summary":"Hello from the demo","issuetype":{"name":"Task"}}}' \\
       "$URL/ex/jira/$a_cloud/rest/api/3/issue"
  # the example Forge app (examples/project-report, real @forge/api), installed on both sites:
  # each site's webtrigger reads only its own site's projects
  curl -s "$wa" | jq '{cloudId, projects: [.projects[].key]}'
  curl -s "$wb" | jq '{cloudId, projects: [.projects[].key]}'
  # its trigger got the issue you created above (a product event of $a_name only; $b_name's stays null)
  curl -s "$wa" | jq .lastIssueEvent
  curl -s "$wb" | jq .lastIssueEvent
  # the deliveries of events to apps' triggers, consumers and scheduled triggers (docs/events.md)
  KILN_URL=$URL KILN_DATA=$DATA $KILN events --site $a_name --limit 20
  # from inside the function, /ex/jira/{cloudId} of another site (or its own) is refused: 401 FAILURE_CLIENT_SCOPE_CHECK
  curl -s "$wa?probeCloudId=$b_cloud" | jq .crossSiteProbe
  # what the functions logged
  KILN_URL=$URL KILN_DATA=$DATA $KILN logs -n 20
  # where acme's data went (webtrigger answers, egress, remote calls; cross-site flows named)
  KILN_URL=$URL KILN_DATA=$DATA $KILN ledger --site acme -n 20
  # every gateway decision on acme, allowed and refused
  KILN_URL=$URL KILN_DATA=$DATA $KILN audit --site acme -n 20
  # metrics
  curl -s $URL/metrics | head -20

  # examples/cross-site-report: one report over every site that installed the app, built by
  # its backend ($XSITE_URL) from each site's own web trigger (way 1, HMAC-signed calls)
  # and from each installation's app system token (way 2, Forge Remote)
  XSITE_BACKEND_URL=$XSITE_URL node examples/cross-site-report/backend/report.js
  curl -s $XSITE_URL/report | jq '.summary'
  # what the backend did (registrations, lifecycle events, tokens kept)
  cat $DATA/xsite-backend.log

  # the site web UI with the Custom UI issue panel (examples/issue-panel-customui): sign in
  # with a one-time link, open an issue; the panel is a frame from the UI origin (UI_LISTEN);
  # Apps > "Fruit list (UI Kit)" is the UI Kit global page (examples/global-page-uikit)
  KILN_URL=$URL KILN_DATA=$DATA $KILN ui login-url --site $a_name

Ctrl-C stops kiln$([ "$STORE" = postgres ] && echo "'s two nodes, the PostgreSQL cluster") and the backend.
MSG
echo "the cross-site report now:"
XSITE_BACKEND_URL="$XSITE_URL" node examples/cross-site-report/backend/report.js || true
wait $pid || true
stop 0 # node A ended on its own: the rest (node B, the backend, the cluster) with it
