// Direct invocation end to end: `kiln invoke FUNCTION_KEY --site NAME` runs any function
// of an installed app in that site's context and prints its result; a function that a
// module names as its resolver is driven through the real @forge/resolver with Forge's
// resolver payload ({call: {functionKey, payload}, context}); its setup writes app
// storage that stays on its own site; errors, time limits, hostile input; @forge/metrics
// and the runtime's metrics accept every call (what they record: app_metrics.test.mjs).
//
// Run: node --test tests/e2e/invoke.test.mjs   (needs build/kiln, esbuild and the root
// node_modules with @forge/resolver, @forge/kvs, @forge/metrics)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, expectStatus, describeRes, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok,
  cliOkJson as okJson, expectCliFailure, cliJson, UUID_RE,
} from './lib/kiln.mjs';

const NODE_MODULES = path.join(ROOT, 'node_modules');

const MANIFEST = `modules:
  jira:issuePanel:
    - key: setup-panel
      resource: main
      resolver:
        function: resolver
      title: Setup
      icon: https://example.com/icon.svg
  webtrigger:
    - key: state
      function: state-fn
      response:
        type: dynamic
  function:
    - key: resolver
      handler: index.handler
    - key: plain
      handler: index.plain
    - key: fails
      handler: index.fails
    - key: slow
      handler: index.slow
      timeoutSeconds: 2
    - key: metrics
      handler: index.metrics
    - key: state-fn
      handler: index.state
resources:
  - key: main
    path: static
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - storage:app
`;

const SRC = `import Resolver from '@forge/resolver';
import { kvs } from '@forge/kvs';
import { internalMetrics } from '@forge/metrics';

const resolver = new Resolver();
resolver.define('setup', async ({ payload, context }) => {
  await kvs.set('config', { team: payload.team, cloudId: context.cloudId });
  return { configured: payload.team, installContext: context.installContext };
});
resolver.define('echo', (req) => req);
resolver.define('getConfig', async () => (await kvs.get('config')) ?? null);
resolver.define('boom', () => { throw new RangeError('resolver refused'); });
resolver.define('text', () => 'just text');
export const handler = resolver.getDefinitions();

export async function plain(payload, context) {
  return { payload, installContext: context.installContext, moduleKey: context.moduleKey ?? null };
}
export async function fails() { throw new TypeError('bad input'); }
export async function slow() { await new Promise((r) => setTimeout(r, 10000)); return 'late'; }
export async function metrics() {
  const m = global.__forge_runtime__.metrics;
  m.counter('a', { t: 'x' }).incr();
  m.counter('a').incrBy(5);
  m.gauge('g').set(3);
  m.timing('t').measure().stop({ success: true });
  internalMetrics.counter('c').incr();
  internalMetrics.counter('c').decrBy(2);
  internalMetrics.gauge('g').set(1.5);
  const t = internalMetrics.timer('t').measure();
  t.stop();
  return 'counted';
}
export async function state() {
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify((await kvs.get('config')) ?? null) };
}
`;

describe('kiln invoke and @forge/resolver', () => {
  let k, A, B, dir;
  const tag = randomBytes(3).toString('hex');
  const inv = (args, opts = {}) => kiln(k, ['invoke', ...args], { cwd: dir, ...opts });

  before(async () => {
    for (const p of ['resolver', 'kvs', 'metrics']) {
      assert.ok(existsSync(path.join(NODE_MODULES, '@forge', p, 'package.json')), `@forge/${p} in ${NODE_MODULES} (run make deps)`);
    }
    k = await startKiln();
    A = (await k.createSite(`inv-a-${tag}`));
    B = (await k.createSite(`inv-b-${tag}`));
    dir = path.join(tempDir('invapp'), 'invoke-app');
    writeFiles(dir, { 'manifest.yml': MANIFEST, 'src/index.js': SRC, 'static/index.html': '<p>setup</p>' });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    for (const s of [A, B]) await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
  });

  after(async () => {
    await k?.close();
  });

  it('a plain function gets the payload as given and the site\'s context; its value is printed as JSON', async () => {
    const r = ok(await inv(['plain', '--site', A.name, '--payload', '{"n": 1, "s": "x"}']));
    const v = cliJson(r);
    assert.deepEqual(v.payload, { n: 1, s: 'x' });
    assert.equal(v.installContext, `ari:cloud:jira::site/${A.cloudId}`);
    const full = await okJson(k, ['invoke', 'plain', '--site', B.name, '--payload', '[1,2]', '--json'], { cwd: dir });
    assert.equal(full.ok, true);
    assert.deepEqual(full.value.payload, [1, 2]);
    assert.equal(full.value.installContext, `ari:cloud:jira::site/${B.cloudId}`);
    assert.equal(full.function, 'plain');
    assert.equal(full.site, B.name);
    assert.match(full.invocationId, UUID_RE);
    // default payload {}; payload from a file and from stdin
    assert.deepEqual(cliJson(ok(await inv(['plain', '--site', A.name]))).payload, {});
    const f = path.join(tempDir('payload'), 'p.json');
    writeFileSync(f, '{"from": "file"}');
    assert.deepEqual(cliJson(ok(await inv(['plain', '--site', A.name, '--payload-file', f]))).payload, { from: 'file' });
    assert.deepEqual(cliJson(ok(await inv(['plain', '--site', A.name, '--payload-file', '-'], { input: '"stdin"' }))).payload, 'stdin');
  });

  it('a resolver gets Forge\'s resolver payload through the real @forge/resolver', async () => {
    const v = cliJson(ok(await inv(['resolver', '--site', A.name, '--call', 'echo', '--payload', '{"q": 42}'])));
    assert.deepEqual(v.payload, { q: 42 });
    const c = v.context;
    assert.equal(c.cloudId, A.cloudId);
    assert.equal(c.moduleKey, 'setup-panel');
    assert.deepEqual(c.extension, { type: 'jira:issuePanel' });
    assert.equal(c.environmentType, 'DEVELOPMENT');
    assert.match(c.environmentId, UUID_RE);
    // what @forge/resolver adds from the platform's context
    assert.equal(c.installContext, `ari:cloud:jira::site/${A.cloudId}`);
    assert.equal(c.installation?.contexts?.[0]?.cloudId, A.cloudId);
    assert.equal(c.accountId, undefined, 'no user: kiln invoke acts as the app');
    assert.equal(cliJson(ok(await inv(['resolver', '--site', A.name, '--call', 'text']))), 'just text');
    // a definition that does not exist, one that throws
    const nf = expectCliFailure(await inv(['resolver', '--site', A.name, '--call', 'nope']), /function failed: Error: Resolver has no definition for 'nope'/, 1);
    assert.ok(nf);
    expectCliFailure(await inv(['resolver', '--site', A.name, '--call', 'boom']), /function failed: RangeError: resolver refused/, 1);
    const j = await kiln(k, ['invoke', 'resolver', '--site', A.name, '--call', 'boom', '--json'], { cwd: dir });
    assert.equal(j.code, 1);
    assert.deepEqual(cliJson(j).error, { name: 'RangeError', message: 'resolver refused' });
  });

  it('setup through a resolver writes app storage on its own site only', async () => {
    const a = cliJson(ok(await inv(['resolver', '--site', A.name, '--call', 'setup', '--payload', '{"team": "alpha"}'])));
    assert.deepEqual(a, { configured: 'alpha', installContext: `ari:cloud:jira::site/${A.cloudId}` });
    assert.deepEqual(cliJson(ok(await inv(['resolver', '--site', A.name, '--call', 'getConfig']))), { team: 'alpha', cloudId: A.cloudId });
    assert.equal(cliJson(ok(await inv(['resolver', '--site', B.name, '--call', 'getConfig']))), null, 'B sees nothing of A');
    ok(await inv(['resolver', '--site', B.name, '--call', 'setup', '--payload', '{"team": "beta"}']));
    // the same storage through the app's webtrigger on each site
    for (const [s, team] of [[A, 'alpha'], [B, 'beta']]) {
      const url = (await okJson(k, ['webtrigger', 'state', '--site', s.name, '--json'], { cwd: dir })).url;
      const r = await k.api(new URL(url).pathname);
      expectStatus(r, 200);
      assert.deepEqual(r.json, { team, cloudId: s.cloudId });
    }
  });

  it('@forge/metrics and the runtime\'s metrics accept every call', async () => {
    assert.equal(cliJson(ok(await inv(['metrics', '--site', A.name]))), 'counted');
  });

  it('faults: a thrown error, the time limit, unknown site/app/function, resolver misuse, bad payloads', async () => {
    expectCliFailure(await inv(['fails', '--site', A.name]), /function failed: TypeError: bad input/, 1);
    const t0 = Date.now();
    expectCliFailure(await inv(['slow', '--site', A.name]), /504: The function did not answer within its time limit/, 1);
    assert.ok(Date.now() - t0 < 8000, 'timeoutSeconds: 2 is honoured');
    expectCliFailure(await inv(['nosuch', '--site', A.name]), /no function module with that key/, 1);
    expectCliFailure(await inv(['plain', '--site', 'no-such-site']), /No such site/, 1);
    expectCliFailure(await inv(['plain', '--site', A.name, '-e', 'staging']), /not installed on this site/, 1);
    expectCliFailure(await inv(['resolver', '--site', A.name]), /resolver of module setup-panel: name the resolver definition/, 1);
    expectCliFailure(await inv(['plain', '--site', A.name, '--call', 'x']), /"call" is for resolver functions/, 1);
    expectCliFailure(await inv(['plain', '--site', A.name, '--payload', '{bad']), /payload is not JSON/, 2);
    expectCliFailure(await inv(['plain', '--site', A.name, '--payload', '{}', '--payload-file', 'x']), /usage/, 2);
    expectCliFailure(await inv(['plain']), /usage/, 2);
    expectCliFailure(await inv(['plain/../x', '--site', A.name]), /function key/, 2);
    expectCliFailure(await inv(['plain', '--site', A.name, '--payload-file', '/nonexistent/p.json']), /cannot read/, 2);
    expectCliFailure(await kiln(k, ['invoke', 'plain', '--site', A.name], { cwd: tempDir('noapp') }), /manifest\.yml/, 1);
  });

  it('hostile input to the admin route: 400 for bad bodies, 404 for unknown names, 401 without the token', async () => {
    const app = /app\/([0-9a-f-]{36})/.exec((await import('node:fs')).readFileSync(path.join(dir, 'manifest.yml'), 'utf8'))[1];
    const base = `/sites/${A.name}/installations/${app}/development/functions`;
    const post = (fn, body, opts = {}) => k.admin(`${base}/${fn}`, { method: 'POST', body, ...opts });
    for (const body of [{ extra: 1 }, { call: 5 }, { call: '' }, { call: 'x'.repeat(256) }, [1], 'null', '{"payload": [1,', '{"payload":' + '['.repeat(100) + ']'.repeat(100) + '}']) {
      const r = await post('resolver', body, typeof body === 'string' ? { headers: { 'content-type': 'application/json' } } : {});
      assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${describeRes(r)}`);
    }
    expectStatus(await post('plain', { payload: 1 }, { headers: { 'content-type': 'text/plain' } }), 415);
    const empty = await k.admin(`${base}/plain`, { method: 'POST' });
    expectStatus(empty, 200, 'no body: payload {}');
    assert.deepEqual(empty.json.value.payload, {});
    const over = await post('plain', { payload: 'x'.repeat(6 * 1024 * 1024) }, { allowError: true });
    assert.ok(over.status === 413 || over.error, `a body over 5 MB: 413 or the connection closed: ${describeRes(over)}`);
    expectStatus(await k.admin(`/sites/${A.name}/installations/not-an-app/development/functions/plain`, { method: 'POST', body: {} }), 404);
    expectStatus(await k.admin(`/sites/${A.name}/installations/${app}/Bad/functions/plain`, { method: 'POST', body: {} }), 404);
    expectStatus(await k.admin(`${base}/plain`, { method: 'GET' }), 405);
    expectStatus(await k.api(`/admin/v1${base}/plain`, { method: 'POST', body: {} }), 401);
    // a big payload within the limit goes through
    const big = await post('plain', { payload: { s: 'y'.repeat(1024 * 1024) } });
    expectStatus(big, 200);
    assert.equal(big.json.value.payload.s.length, 1024 * 1024);
    assert.ok(k.running);
  });
});
