import api, { route } from '@forge/api';

// bench/webtrigger.sh rewrites this line before each redeploy, so that every
// deploy is a new version and the cold-start request can tell which one ran.
const BUILD = '0';

// Web trigger `report`: one Jira call as the app, its JSON handed back.
export const report = async () => {
  const response = await api
    .asApp()
    .requestJira(route`/rest/api/3/project/search?maxResults=1`);
  const json = await response.json();
  return {
    statusCode: response.status,
    headers: { 'Content-Type': ['application/json'], 'X-Bench-Build': [BUILD] },
    body: JSON.stringify(json),
  };
};

// Web trigger `noop` (BENCH_TRIGGER=noop): answers at once, without a product call.
export const noop = async () => ({
  statusCode: 200,
  headers: { 'Content-Type': ['application/json'], 'X-Bench-Build': [BUILD] },
  body: '{"noop":true}',
});
