// The audit log end to end: gateway decisions on every plane (product API with user
// tokens, a function's calls through the proxy, webtriggers, the admin API), installs,
// uninstalls and tokens issued, seen through `kiln audit` and GET /admin/v1/audit. Checks
// that a site's view holds its own events only (a refused reach for site B is site A's
// event, never B's), and that no credential ever lands in the log.
//
// Run: node --test tests/e2e/audit.test.mjs   (needs build/kiln, esbuild and node_modules)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, KILN_BIN, startKiln, expectStatus, sleep, tempDir, writeFiles,
  kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson, expectCliFailure as failsClearly,
} from './lib/kiln.mjs';

const MANIFEST = `modules:
  webtrigger:
    - key: probe
      function: probe-fn
      response:
        type: dynamic
  function:
    - key: probe-fn
      handler: index.probe
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
    - storage:app
`;
const SRC = `import api, { route } from '@forge/api';
import { kvs } from '@forge/kvs';
export const probe = async (request) => {
  if (request.queryParameters?.kvs) {
    await kvs.set('audited-key', { secret: 'never-in-the-audit-log' });
    const got = await kvs.get('audited-key');
    return { statusCode: 200, headers: {}, body: JSON.stringify({ got }) };
  }
  const own = await api.asApp().requestJira(route\`/rest/api/3/project/search\`);
  const other = request.queryParameters?.other?.[0];
  let foreign = null;
  if (other) foreign = (await api.asApp().requestJira(route\`/ex/jira/\${other}/rest/api/3/project/search\`)).status;
  return { statusCode: 200, headers: {}, body: JSON.stringify({ own: own.status, foreign }) };
};
`;

/** Audit events via the admin API (query: {site, since, n}), polled until `pred` holds. */
async function eventsUntil(k, query, pred, what, ms = 5000) {
  const qs = new URLSearchParams({ n: '1000', ...query }).toString();
  const end = Date.now() + ms;
  for (;;) {
    const r = await k.admin(`/audit?${qs}`);
    expectStatus(r, 200, 'GET /admin/v1/audit');
    const events = r.json.events;
    if (pred(events)) return events;
    if (Date.now() > end) throw new Error(`audit: never saw ${what}; last events:\n${JSON.stringify(events.slice(-15), null, 1)}`);
    await sleep(100);
  }
}

describe('audit log', () => {
  let k;
  let A;
  let B;
  let dir;
  let trig;
  const t0 = Date.now();

  before(async () => {
    k = await startKiln();
    const tag = randomBytes(3).toString('hex');
    [A, B] = await Promise.all([k.siteWithToken(`au-a-${tag}`, true), k.siteWithToken(`au-b-${tag}`, true)]);
    dir = path.join(tempDir('audit-app'), 'app');
    writeFiles(dir, { 'manifest.yml': MANIFEST, 'src/index.js': SRC });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir });
    trig = new URL((await okJson(k, ['webtrigger', 'probe', '--site', A.name, '--json'], { cwd: dir })).url).pathname;
  });

  after(async () => {
    await k?.close();
  });

  it('product API: allowed, refused for another site (recorded under the caller only), bad tokens', async () => {
    expectStatus(await k.jira(A.cloudId, '/project/search', { token: A.token }), 200, 'A on A');
    expectStatus(await k.jira(B.cloudId, '/project/search', { token: A.token }), 401, 'A on B');
    expectStatus(await k.jira(A.cloudId, '/project/search', { token: 'kiln_u_not-a-real-token' }), 401, 'garbage');
    const mine = await eventsUntil(k, { site: A.name }, (ev) => ev.some((e) => e.kind === 'gateway.deny' && e.plane === 'jira'), "A's refused reach");
    const allowed = mine.find((e) => e.kind === 'gateway.allow' && e.plane === 'jira' && e.path.includes(A.cloudId));
    assert.ok(allowed, 'the allowed call');
    assert.equal(allowed.status, 200);
    assert.equal(allowed.actor, A.accountId);
    assert.equal(allowed.method, 'GET');
    assert.equal(allowed.path, `/ex/jira/${A.cloudId}/rest/api/3/project/search`);
    const refused = mine.find((e) => e.kind === 'gateway.deny' && e.plane === 'jira');
    assert.equal(refused.status, 401);
    assert.equal(refused.category, 'FAILURE_CLIENT_SCOPE_CHECK');
    assert.equal(refused.actor, A.accountId);
    assert.equal(refused.site, A.name, "the refused reach is the caller's event");

    const theirs = await eventsUntil(k, { site: B.name }, () => true, "B's events");
    assert.ok(!theirs.some((e) => e.plane === 'jira' && e.actor === A.accountId), "nothing of A's attempt in B's log");
    const all = await eventsUntil(k, {}, (ev) => ev.some((e) => e.category === 'FAILURE_CLIENT_AUTH' && e.plane === 'jira'), 'the bad token');
    const bad = all.find((e) => e.category === 'FAILURE_CLIENT_AUTH' && e.plane === 'jira');
    assert.equal(bad.kind, 'gateway.deny');
    assert.equal(bad.site, '', 'a credential that binds no site');
  });

  it("a webtrigger and its function's calls: allowed and refused, tied to the invocation", async () => {
    const res = await k.api(`${trig}?other=${B.cloudId}`, { timeout: 30000 });
    expectStatus(res, 200, 'webtrigger');
    assert.deepEqual(res.json, { own: 200, foreign: 401 });
    const ev = await eventsUntil(k, { site: A.name }, (e) => e.some((x) => x.plane === 'webtrigger') && e.filter((x) => x.plane === 'proxy').length >= 2, 'the invocation');
    const wt = ev.find((e) => e.plane === 'webtrigger');
    assert.equal(wt.kind, 'gateway.allow');
    assert.equal(wt.status, 200);
    assert.match(wt.invocationId, /^[0-9a-f-]{36}$/);
    assert.match(wt.appId, /^ari:cloud:ecosystem::app\//);
    const calls = ev.filter((e) => e.plane === 'proxy' && e.invocationId === wt.invocationId);
    assert.equal(calls.length, 2, JSON.stringify(ev.filter((e) => e.plane === 'proxy')));
    const [own, foreign] = calls;
    assert.deepEqual([own.kind, own.status, own.path], ['gateway.allow', 200, '/_proxy/fpp/rest/api/3/project/search']);
    assert.deepEqual([foreign.kind, foreign.status, foreign.category], ['gateway.deny', 401, 'FAILURE_CLIENT_SCOPE_CHECK']);
    for (const c of calls) {
      assert.equal(c.installationId, wt.installationId);
      assert.equal(c.appId, wt.appId);
      assert.match(c.actor, /\S/, 'the app bot user acted');
    }
    expectStatus(await k.api('/x1/' + 'ab'.repeat(32)), 404, 'unknown trigger');
  });

  it("a function's app storage calls: the read and the group-committed write, tied to the invocation; no value", async () => {
    const res = await k.api(`${trig}?kvs=1`, { timeout: 30000 });
    expectStatus(res, 200, 'webtrigger with app storage');
    assert.deepEqual(res.json, { got: { secret: 'never-in-the-audit-log' } });
    const ev = await eventsUntil(k, { site: A.name }, (e) => e.some((x) => x.path === '/_proxy/kvs/api/v1/set') && e.some((x) => x.path === '/_proxy/kvs/api/v1/get'), 'the storage calls');
    const set = ev.find((x) => x.path === '/_proxy/kvs/api/v1/set');
    const get = ev.find((x) => x.path === '/_proxy/kvs/api/v1/get');
    for (const c of [set, get]) {
      assert.equal(c.kind, 'gateway.allow', JSON.stringify(c));
      assert.equal(c.plane, 'proxy');
      assert.ok(c.status >= 200 && c.status < 300, JSON.stringify(c));
    }
    assert.equal(set.invocationId, get.invocationId);
    assert.ok(!JSON.stringify(ev).includes('never-in-the-audit-log'), 'no stored value in the audit log');
  });

  it('installs, uninstalls and tokens issued are recorded; admin refusals too', async () => {
    await okJson(k, ['install', '--site', B.name, '--confirm-scopes', '--json'], { cwd: dir });
    ok(await kiln(k, ['uninstall', '--site', B.name], { cwd: dir }));
    const tok = await k.userToken(B.name);
    expectStatus(await k.api('/admin/v1/sites', { token: 'kiln_a_wrong' }), 401, 'admin with a wrong token');
    const ev = await eventsUntil(k, { site: B.name }, (e) => e.some((x) => x.kind === 'app.uninstall') && e.some((x) => x.kind === 'token.issue'), "B's lifecycle");
    const inst = ev.find((e) => e.kind === 'app.install');
    const un = ev.find((e) => e.kind === 'app.uninstall');
    assert.ok(inst && un, JSON.stringify(ev));
    assert.equal(inst.installationId, un.installationId);
    assert.ok(inst.id < un.id, 'in order');
    assert.equal(inst.plane, 'admin');
    const issued = ev.find((e) => e.kind === 'token.issue');
    assert.match(issued.detail, new RegExp(tok.accountId));
    const all = await eventsUntil(k, {}, (e) => e.some((x) => x.plane === 'admin' && x.kind === 'gateway.deny'), 'the admin refusal');
    assert.equal(all.find((x) => x.plane === 'admin' && x.kind === 'gateway.deny').status, 401);
    const text = JSON.stringify(all);
    for (const secret of [A.token, B.token, tok.token, k.adminToken]) assert.ok(!text.includes(secret), 'no credential in the audit log');
    assert.ok(!/kiln_[uia]_[A-Za-z0-9_-]{20}/.test(text), 'no token of any kind');
  });

  it('kiln audit: text and --json, --site, --since, -n; bad arguments fail clearly', async () => {
    // --json prints one object per line (not one document)
    const r = ok(await kiln(k, ['audit', '--site', A.name, '--json', '-n', '5']));
    const evs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(evs.length, 5);
    assert.ok(evs.every((e) => e.site === A.name));
    assert.ok(evs.every((e, i) => i === 0 || e.id > evs[i - 1].id), 'oldest first');
    const text = ok(await kiln(k, ['audit', '--site', A.name])).stdout;
    assert.match(text, /gateway\.deny\s+jira\s+\S+\s+401 GET \/ex\/jira\/\S+ FAILURE_CLIENT_SCOPE_CHECK/);
    const future = ok(await kiln(k, ['audit', '--since', String(Date.now() + 3600_000)])).stdout;
    assert.equal(future.trim(), '', 'nothing after a future --since');
    const recent = ok(await kiln(k, ['audit', '--since', '1h', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(recent.length > 0 && recent.every((e) => e.timeMs >= t0 - 1000));
    const day = new Date(t0).toISOString().slice(0, 10);
    assert.ok(ok(await kiln(k, ['audit', '--since', day])).stdout.length > 0, 'an ISO date');
    for (const bad of [['--since', 'yesterday'], ['--since', '5 minutes'], ['-n', '0'], ['-n', '1001'], ['--site', 'Bad Name!']]) {
      failsClearly(await kiln(k, ['audit', ...bad]), /--since|-n takes|invalid site/, 2);
    }
    failsClearly(await kiln(k, ['audit', '--site', 'no-such-site']), /No such site/);
    expectStatus(await k.admin('/audit?n=abc'), 400, 'malformed n');
    expectStatus(await k.admin('/audit?since=-5'), 400, 'negative since');
  });

  it('kiln audit --follow prints every new event once, in order, even thousands between two polls; SIGINT ends it', async () => {
    const siteId = k.sql(`SELECT id FROM sites WHERE name = '${A.name}'`);
    assert.match(siteId, /^\d+$/);
    const env = { ...process.env, KILN_URL: k.url, KILN_DATA: k.dataDir };
    const follower = spawn(KILN_BIN, ['audit', '--follow', '--json', '--site', A.name, '-n', '1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    follower.stdout.on('data', (d) => { out += d; });
    follower.stderr.on('data', (d) => { err += d; });
    const exited = new Promise((resolve) => follower.on('exit', (code, signal) => resolve({ code, signal })));
    // whole lines only: a read may end mid-line
    const lines = () => out.slice(0, out.lastIndexOf('\n') + 1).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    try {
      const until = async (pred, what) => {
        for (const end = Date.now() + 20000; !pred(lines());) {
          if (Date.now() > end) assert.fail(`--follow never printed ${what}: ${lines().length} lines; stderr: ${err}`);
          await sleep(100);
        }
      };
      await until((l) => l.length >= 1, 'the newest event');
      // 2500 events written at once, more than two pages of 1000 between two polls
      k.sql('WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2500) '
        + 'INSERT INTO audit_log (time_ms, site_id, kind, plane, actor, app_id, installation_id, invocation_id, '
        + 'method, path, status, category, detail, count, last_ms) '
        + `SELECT ${Date.now()}, ${siteId}, 'gateway.allow', 'jira', 'x', '', '', '', 'GET', '/follow/' || i, 200, '', '', 1, ${Date.now()} FROM s`);
      await until((l) => l.filter((e) => e.path.startsWith('/follow/')).length >= 2500, 'the 2500 events');
      const all = lines();
      assert.ok(all.every((e, i) => i === 0 || e.id > all[i - 1].id), 'in id order, none twice');
      const synthetic = all.filter((e) => e.path.startsWith('/follow/')).map((e) => Number(e.path.slice(8)));
      assert.deepEqual(synthetic, Array.from({ length: 2500 }, (_, i) => i + 1), 'every one, in order');
      assert.ok(all.every((e) => e.site === A.name), "the site's events only");
    } finally {
      follower.kill('SIGINT');
    }
    assert.deepEqual(await exited, { code: 0, signal: null }, `stderr: ${err}`);
  });
});
