#!/usr/bin/env bash
# make demo: runs kiln on its embedded SQLite store in ./.kiln (or $KILN_DATA), creates
# two demo sites if there are none, prints what to try, and runs until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=$(realpath -m "${KILN_DATA:-./.kiln}")
LISTEN=${KILN_LISTEN:-127.0.0.1:8080}
URL="http://$LISTEN"
KILN=$PWD/build/kiln
export KILN_URL="$URL" KILN_DATA="$DATA"

"$KILN" serve --data "$DATA" --listen "$LISTEN" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; exit 0' INT TERM

for _ in $(seq 1 50); do
  curl -sf "$URL/healthz" >/dev/null 2>&1 && break
  if ! kill -0 $pid 2>/dev/null; then echo "kiln failed to start (is $LISTEN in use? set KILN_LISTEN)" >&2; exit 1; fi
  sleep 0.1
done

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

sites=$("$KILN" site list --json)
a_name=$(jq -r '.sites[0].name' <<<"$sites"); a_cloud=$(jq -r '.sites[0].cloudId' <<<"$sites")
b_name=$(jq -r '.sites[1].name // .sites[0].name' <<<"$sites"); b_cloud=$(jq -r '.sites[1].cloudId // .sites[0].cloudId' <<<"$sites")
token=$("$KILN" user token --site "$a_name")
wa=$(cd "$APP" && "$KILN" webtrigger site-report --site "$a_name")
wb=$(cd "$APP" && "$KILN" webtrigger site-report --site "$b_name")

cat <<MSG

kiln is running at $URL (data in $DATA; admin token in $DATA/admin.token)

sites:
$("$KILN" site list)

a user API token for $a_name's admin:
  export TOKEN=$token

try:
  # $a_name's projects (200)
  curl -s -H "Authorization: Bearer \$TOKEN" "$URL/ex/jira/$a_cloud/rest/api/3/project/search" | jq .
  # the same token on $b_name's cloudId: 401, x-failure-category: FAILURE_CLIENT_SCOPE_CHECK
  curl -si -H "Authorization: Bearer \$TOKEN" "$URL/ex/jira/$b_cloud/rest/api/3/project/search"
  # create an issue on $a_name
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
       -d '{"fields":{"project":{"key":"WEB"},"summary":"Hello from the demo","issuetype":{"name":"Task"}}}' \\
       "$URL/ex/jira/$a_cloud/rest/api/3/issue"
  # the example Forge app (examples/project-report, real @forge/api), installed on both sites:
  # each site's webtrigger reads only its own site's projects
  curl -s "$wa" | jq '{cloudId, projects: [.projects[].key]}'
  curl -s "$wb" | jq '{cloudId, projects: [.projects[].key]}'
  # from inside the function, /ex/jira/{cloudId} of another site (or its own) is refused: 401 FAILURE_CLIENT_SCOPE_CHECK
  curl -s "$wa?probeCloudId=$b_cloud" | jq .crossSiteProbe
  # what the functions logged
  KILN_URL=$URL KILN_DATA=$DATA $KILN logs -n 20
  # metrics
  curl -s $URL/metrics | head -20

Ctrl-C stops kiln.
MSG
wait $pid
