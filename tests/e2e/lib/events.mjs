// Helpers shared by the events e2e tests (tests/e2e/events_*.test.mjs, docs/events.md):
// polling for an asynchronous outcome, the deliveries listing of the admin API, a test
// app written, registered and deployed with the root node_modules (the real @forge/*),
// its web triggers' paths, and the app-side source of a web trigger that dumps what the
// app's handlers recorded in app storage.

import assert from 'node:assert/strict';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT, sleep, tempDir, writeFiles, cliOkJson, expectStatus, kilnCli, expectCliOk } from './kiln.mjs';

export const NODE_MODULES = path.join(ROOT, 'node_modules');

/** Fails unless @forge/NAME is installed for each name (`make deps`). */
export function requireForge(...names) {
  for (const p of names) assert.ok(existsSync(path.join(NODE_MODULES, '@forge', p, 'package.json')), `@forge/${p} (make deps)`);
}

/** Polls `fn` every 100 ms until `pred` holds on its value (by default: the value is truthy)
 * and returns that value; after `ms` fails naming `what` with the last value. */
export async function until(what, fn, { pred = Boolean, ms = 90000 } = {}) {
  const end = Date.now() + ms;
  let v;
  for (;;) {
    v = await fn();
    if (pred(v)) return v;
    if (Date.now() > end) assert.fail(`${what}: not reached in ${ms} ms; last: ${JSON.stringify(v, null, 1)?.slice(0, 4000)}`);
    await sleep(100);
  }
}

/** The deliveries `kiln events` lists (GET /admin/v1/deliveries), oldest first; `query`
 * is the listing's filters ({site, app, state, limit, after}; limit 1000 unless given). */
export async function deliveries(k, query = {}) {
  const q = new URLSearchParams({ limit: '1000', ...query });
  const r = await k.admin(`/deliveries?${q}`);
  expectStatus(r, 200, 'deliveries');
  return r.json.deliveries;
}

/** Text of one JSON value a line (`--json` of kiln events, kiln logs ...) as a list. */
export const jsonLines = (text) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** `kiln ARGS` that must succeed and print one JSON object a line. */
export const cliJsonLines = async (k, args, opts) => jsonLines(expectCliOk(await kilnCli(k, args, opts)).stdout);

/** The last 1000 lines of `kiln logs --site SITE` (site: a name), as objects. */
export const siteLogs = (k, site) => cliJsonLines(k, ['logs', '--site', site, '-n', '1000', '--json']);

/** Writes a test app (`files`: {relative path: content}, at least manifest.yml) into a
 * fresh temp dir named `name`, links the root node_modules into it, registers and deploys
 * it. Returns {dir, id}. */
export async function deployApp(k, name, files) {
  const dir = path.join(tempDir('evapp'), name);
  writeFiles(dir, files);
  symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
  const { id } = await cliOkJson(k, ['register', dir, '--json']);
  await cliOkJson(k, ['deploy', dir, '--json']);
  return { dir, id };
}

const hookPaths = new Map();
/** The path of the app's (in `dir`) web trigger `key` on `site` (kiln webtrigger), cached. */
export async function webtriggerPath(k, dir, site, key) {
  const id = `${k.port}/${dir}/${site.name}/${key}`;
  if (!hookPaths.has(id)) {
    const { url } = await cliOkJson(k, ['webtrigger', key, '--site', site.name, '--json'], { cwd: dir });
    hookPaths.set(id, new URL(url).pathname);
  }
  return hookPaths.get(id);
}

/** What the app's web trigger `key` on `site` answers (200 and JSON), as JSON. */
export async function callWebtrigger(k, dir, site, key = 'state') {
  const r = await k.api(await webtriggerPath(k, dir, site, key));
  expectStatus(r, 200, `${key} webtrigger`);
  return r.json;
}

/** App source (text for the app's index.js, which imports kvs and WhereConditions from
 * @forge/kvs): `export async function state()`, a dynamic web trigger answering every
 * app-storage entry whose key begins with `prefix`, as `pick` (an expression over the
 * query result `r`) in key order, or sorted by `sort` (a comparison over a and b). */
export const stateSrc = (prefix, { pick = 'r.value', sort = '' } = {}) => `
export async function state() {
  const out = [];
  let cursor;
  do {
    let q = kvs.query().where('key', WhereConditions.beginsWith(${JSON.stringify(prefix)})).limit(100);
    if (cursor) q = q.cursor(cursor);
    const page = await q.getMany();
    for (const r of page.results) out.push(${pick});
    cursor = page.nextCursor;
  } while (cursor);
  ${sort ? `out.sort((a, b) => ${sort});` : ''}
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(out) };
}
`;
