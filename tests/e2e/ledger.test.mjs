// The data-flow ledger and tenant-leak detection end to end, with the fixture
// tests/fixtures/apps/tenant-cache (the real @forge/api and @forge/kvs) installed on three
// demo sites:
//  - a module-level cache filled on site A and served to site B from the same (reused)
//    worker is flagged: CROSS_TENANT_LEAK_SUSPECTED in both sites' audit views, a warning
//    in B's invocation logs; so is the same cache written to B's app storage;
//  - A's invocation POSTing A's projects to B's webtrigger (a declared transfer) is in the
//    ledger as A -> B and is not flagged, though B answers with A's data;
//  - a site's ledger view holds its own flows and the ones naming it, never another pair's;
//    the CLI and API filter by site and time, print JSON, and refuse malformed input;
//  - with `isolation: installation` the same app cannot leak: B gets a worker of its own.
//
// Run: node --test tests/e2e/ledger.test.mjs   (needs build/kiln, esbuild and the
// fixture's node_modules from `make deps`)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, expectStatus, sleep, tempDir, runCli,
  kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson, expectCliFailure as failsClearly,
} from './lib/kiln.mjs';

const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'apps', 'tenant-cache');
const LEAK = 'CROSS_TENANT_LEAK_SUSPECTED';


/** Polls GET /admin/v1/{what}?query until pred(list) holds; the list. */
async function until(k, what, query, pred, desc, ms = 8000) {
  const qs = new URLSearchParams({ n: '1000', ...query }).toString();
  const end = Date.now() + ms;
  for (;;) {
    const r = await k.admin(`/${what}?${qs}`);
    expectStatus(r, 200, `GET /admin/v1/${what}`);
    const list = r.json[what === 'audit' ? 'events' : what === 'logs' ? 'logs' : 'records'];
    if (pred(list)) return list;
    if (Date.now() > end) throw new Error(`${what}: never saw ${desc}; last:\n${JSON.stringify(list.slice(-12), null, 1)}`);
    await sleep(100);
  }
}

describe('data-flow ledger and tenant-leak detection', () => {
  let k;
  let A;
  let B;
  let C;
  let dir;
  const url = {}; // url[site][module]

  const call = async (site, module, query = '', opts = {}) => {
    const res = await k.api(`${new URL(url[site.name][module]).pathname}${query}`, { timeout: 60000, ...opts });
    expectStatus(res, 200, `${module} on ${site.name}`);
    return res.json;
  };

  before(async () => {
    k = await startKiln();
    const tag = randomBytes(3).toString('hex');
    [A, B, C] = await Promise.all(['a', 'b', 'c'].map((s) => k.siteWithToken(`lg-${s}-${tag}`, true)));
    for (const s of [A, B, C]) assert.match(s.canary, /^kiln-canary-[0-9a-f]{32}$/);
    dir = path.join(tempDir('ledger-app'), 'app');
    cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
    symlinkSync(path.join(FIXTURE, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    // the forward webtrigger posts to kiln's own webtrigger URLs: declare that origin as
    // egress (kiln's egress control allows nothing else; docs/egress.md)
    const mf = path.join(dir, 'manifest.yml');
    writeFileSync(mf, readFileSync(mf, 'utf8').replace(/^(\s+)- 127\.0\.0\.1$/m, `$1- http://127.0.0.1:${new URL(k.url).port}`));
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    for (const s of [A, B, C]) {
      await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
      url[s.name] = {};
      for (const m of ['projects', 'forward', 'receive'])
        url[s.name][m] = (await okJson(k, ['webtrigger', m, '--site', s.name, '--json'], { cwd: dir })).url;
    }
  });

  after(async () => {
    await k?.close();
  });

  it("the demo data carries each site's canary (what the scan looks for)", async () => {
    const a = await call(A, 'projects'); // the first call: this worker's cache is A's from now on
    assert.equal(a.cache.cloudId, A.cloudId);
    const text = JSON.stringify(a.cache.projects);
    assert.ok(text.includes(A.canary), "A's projects carry A's canary");
    assert.ok(!text.includes(B.canary) && !text.includes(C.canary));
  });

  it("site A's cache served to site B from a reused worker is flagged: audit event for both sites, warning in B's logs", async () => {
    let a = null;
    let b = null;
    for (let i = 0; i < 10 && !(b && b.worker === a.worker); i++) {
      a = await call(A, 'projects');
      b = await call(B, 'projects');
    }
    assert.equal(b.worker, a.worker, 'B ran on the worker that served A (the worker is reused)');
    assert.ok(b.served > 1, 'module state survived from an earlier invocation');
    assert.equal(b.site, B.cloudId, "B's invocation is bound to B");
    assert.equal(b.cache.cloudId, A.cloudId, "and yet it answers with A's cached projects");
    assert.ok(JSON.stringify(b.cache).includes(A.canary), "A's canary is in B's answer");

    const ev = await until(k, 'audit', { site: B.name }, (l) => l.some((e) => e.kind === LEAK && e.invocationId === b.invocationId), "B's leak event");
    const e = ev.find((x) => x.kind === LEAK && x.invocationId === b.invocationId);
    assert.equal(e.site, B.name, 'recorded under the destination site');
    assert.equal(e.category, LEAK);
    const appUuid = /app\/([0-9a-f-]{36})/.exec(readFileSync(path.join(dir, 'manifest.yml'), 'utf8'))[1];
    assert.ok(e.appId && e.appId.endsWith(appUuid), `the event names the app: ${e.appId} vs ${appUuid}`);
    assert.match(e.detail, new RegExp(`source site ${A.name}, destination site ${B.name}: webtrigger\\.response`));
    assert.ok(!e.detail.includes(A.canary), 'the canary itself is not written into the audit log');
    // A's admin sees it too: it is A's data
    await until(k, 'audit', { site: A.name }, (l) => l.some((x) => x.kind === LEAK && x.invocationId === b.invocationId), "the event in A's view");
    // C had nothing to do with it
    const cv = await until(k, 'audit', { site: C.name }, () => true, "C's view");
    assert.ok(!cv.some((x) => x.kind === LEAK), "nothing in C's view");
    // A's own invocation, serving A's own data, is not flagged
    const all = await until(k, 'audit', {}, () => true, 'all events');
    assert.ok(!all.some((x) => x.kind === LEAK && x.invocationId === a.invocationId), "A serving A's data is no leak");

    // the warning in B's invocation logs (kiln logs)
    const logs = await until(k, 'logs', { site: B.name }, (l) => l.some((x) => x.invocationId === b.invocationId && x.message.includes(LEAK)), 'the warning');
    const w = logs.find((x) => x.invocationId === b.invocationId && x.message.includes(LEAK));
    assert.equal(w.level, 'warn');
    assert.ok(w.message.includes(A.name) && w.message.includes('module-level'), w.message);
    const cli = ok(await kiln(k, ['logs', '--site', B.name, '-n', '200']));
    assert.ok(cli.stdout.includes(LEAK), 'kiln logs shows it');
    const cliA = ok(await kiln(k, ['logs', '--site', A.name, '-n', '200']));
    assert.ok(!cliA.stdout.includes(LEAK), "not in A's function logs: the warning belongs to B's invocation");
  });

  it("the same cache written to B's app storage and into an issue of B's Jira is flagged as those writes", async () => {
    let b = null;
    for (let i = 0; i < 10; i++) {
      await call(A, 'projects');
      b = await call(B, 'projects', '?store=1&issue=1');
      if (b.cache.cloudId === A.cloudId) break;
    }
    assert.equal(b.cache.cloudId, A.cloudId);
    assert.equal(b.issue, 201, 'the issue was created on B');
    await until(k, 'audit', { site: B.name }, (l) => l.some((e) => e.kind === LEAK && e.invocationId === b.invocationId && /kvs\.write/.test(e.detail)), 'the KVS write event');
    await until(k, 'audit', { site: B.name }, (l) => l.some((e) => e.kind === LEAK && e.invocationId === b.invocationId && /product\.write/.test(e.detail)), 'the product write event');
  });

  it("a direct invocation (kiln invoke) handing A's cache to B is flagged, and is in B's ledger as invoke.result", async () => {
    let r = null;
    let v = null;
    for (let i = 0; i < 10; i++) {
      await call(A, 'projects');
      r = await okJson(k, ['invoke', 'projects-fn', '--site', B.name, '--payload', '{}', '--json'], { cwd: dir });
      v = JSON.parse(r.value.body); // the handler returns a webtrigger-shaped result
      if (v.cache.cloudId === A.cloudId) break;
    }
    assert.equal(r.ok, true);
    assert.equal(v.site, B.cloudId);
    assert.equal(v.cache.cloudId, A.cloudId, "the worker still holds A's cache");
    await until(k, 'audit', { site: B.name }, (l) => l.some((e) => e.kind === LEAK && e.invocationId === r.invocationId && /invoke\.result/.test(e.detail)), 'the invoke.result event');
    const led = await until(k, 'ledger', { site: B.name }, (l) => l.some((x) => x.invocationId === r.invocationId), 'the record');
    const rec = led.find((x) => x.invocationId === r.invocationId);
    assert.equal(rec.kind, 'invoke.result');
    assert.equal(rec.destination, 'admin API (kiln invoke)');
    assert.ok(rec.bytes > 100);
  });

  it("a declared transfer A -> B through B's webtrigger is in the ledger as A -> B, and is not flagged", async () => {
    const r = await call(A, 'forward', `?to=${encodeURIComponent(url[B.name].receive)}`);
    assert.equal(r.status, 200, JSON.stringify(r).slice(0, 400));
    assert.ok(r.answer.received > 0, 'B received projects');
    assert.equal(r.answer.site, B.cloudId);
    assert.ok(JSON.stringify(r.answer.echo).includes(A.canary), "B's answer carries A's data back (declared: it came in)");
    const recv = r.answer.invocationId;

    const inB = await until(k, 'ledger', { site: B.name }, (l) => l.some((x) => x.invocationId === recv && x.kind === 'webtrigger.request'), 'the inbound flow');
    const flow = inB.find((x) => x.invocationId === recv && x.kind === 'webtrigger.request');
    assert.equal(flow.direction, 'in');
    assert.equal(flow.site, A.name, "A's data");
    assert.equal(flow.destinationSite, B.name, 'went to B');
    assert.ok(flow.bytes > 0);
    const inA = await until(k, 'ledger', { site: A.name }, (l) => l.some((x) => x.invocationId === recv), "the flow in A's view");
    const same = inA.find((x) => x.invocationId === recv && x.kind === 'webtrigger.request');
    assert.equal(same.direction, 'out', "in A's view its data went out");
    assert.equal(same.destinationSite, B.name);
    // the sender's side: A's egress request (through kiln's egress proxy) to B's webtrigger
    // URL is recorded under A's invocation, naming B as the destination site
    const outA = await until(k, 'ledger', { site: A.name }, (l) => l.some((x) => x.invocationId === r.invocationId && x.kind === 'egress'), "A's egress record");
    const eg = outA.find((x) => x.invocationId === r.invocationId && x.kind === 'egress');
    assert.equal(eg.direction, 'out');
    assert.equal(eg.destinationSite, B.name, 'the egress record names B');
    assert.ok(eg.bytes > 0 && !eg.destination.includes('?'), JSON.stringify(eg));
    const egB = await until(k, 'ledger', { site: B.name }, (l) => l.some((x) => x.invocationId === r.invocationId && x.kind === 'egress'), "A's egress in B's view");
    assert.equal(egB.find((x) => x.invocationId === r.invocationId && x.kind === 'egress').direction, 'in');
    // B's answer (carrying A's data back) and A's forward answer are recorded as transfers
    await until(k, 'ledger', { site: B.name }, (l) => l.some((x) => x.invocationId === recv && x.kind === 'webtrigger.response' && x.direction === 'out'), "B's answer");
    await until(k, 'ledger', { site: A.name }, (l) => l.some((x) => x.invocationId === r.invocationId && x.kind === 'webtrigger.response' && /^client /.test(x.destination)), "A's answer");
    // not flagged: neither B's answer nor its storage write of A's data, nor A's invocation
    await sleep(600); // past the audit writer's flush
    const ev = await until(k, 'audit', {}, () => true, 'all events');
    assert.ok(!ev.some((e) => e.kind === LEAK && (e.invocationId === recv || e.invocationId === r.invocationId)),
      `a declared transfer is no leak: ${JSON.stringify(ev.filter((e) => e.kind === LEAK && e.invocationId === recv))}`);
  });

  it("a site's ledger view: its own flows and those naming it, never another pair's (API and CLI)", async () => {
    await call(C, 'receive', '', { method: 'POST', body: { note: 'nothing of anyone else' } });
    const views = {};
    for (const s of [A, B, C]) {
      views[s.name] = await until(k, 'ledger', { site: s.name }, (l) => l.length > 0, `${s.name}'s records`);
      for (const x of views[s.name]) {
        assert.ok(x.site === s.name || x.destinationSite === s.name, `${s.name}'s view holds only flows naming it: ${JSON.stringify(x)}`);
        assert.equal(x.direction, x.site === s.name ? 'out' : 'in');
      }
    }
    assert.ok(!views[C.name].some((x) => x.site === A.name || x.site === B.name || x.destinationSite === B.name), "A -> B is not in C's view");
    assert.ok(!views[B.name].some((x) => x.site === A.name && x.kind === 'webtrigger.response'), "A's own answers are not in B's view");
    assert.ok(views[B.name].some((x) => x.site === A.name && x.direction === 'in'), "B sees A's data that came in");
    for (const x of views[A.name]) assert.ok(!JSON.stringify(x).includes(A.canary), 'records hold no body');

    // since, n, after
    const future = await k.admin(`/ledger?site=${A.name}&since=${Date.now() + 3600e3}`);
    expectStatus(future, 200);
    assert.deepEqual(future.json.records, []);
    const one = await k.admin(`/ledger?site=${A.name}&n=1`);
    assert.equal(one.json.records.length, 1);
    assert.equal(one.json.records[0].id, views[A.name].at(-1).id, 'the newest');
    const rest = await k.admin(`/ledger?site=${A.name}&after=${views[A.name][0].id}`);
    assert.equal(rest.json.records.length, views[A.name].length - 1);

    // the CLI: JSON lines, text, --since
    const lines = ok(await kiln(k, ['ledger', '--site', B.name, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((x) => x.id), views[B.name].map((x) => x.id));
    const text = ok(await kiln(k, ['ledger', '--site', B.name, '--since', '1h'])).stdout;
    assert.match(text, new RegExp(`in +webtrigger\\.request +<- ${A.name}`));
    assert.match(text, /out +webtrigger\.response +-> client 127\.0\.0\.1/);
    const none = ok(await kiln(k, ['ledger', '--site', B.name, '--since', '2100-01-01']));
    assert.equal(none.stdout, '');
    const recent = ok(await kiln(k, ['ledger', '--site', A.name, '--since', String(Date.now() + 3600e3), '--json']));
    assert.equal(recent.stdout, '');
  });

  it("site A's cached data sent out by site B's invocation through egress is flagged (source: egress)", async () => {
    let a = null;
    let fwd = null;
    for (let i = 0; i < 10 && !(fwd && fwd.worker === a.worker); i++) {
      a = await call(A, 'projects'); // this worker's cache is A's
      const res = await call(B, 'forward', `?cached=1&to=${encodeURIComponent(url[C.name].receive)}`);
      assert.equal(res.status, 200, JSON.stringify(res).slice(0, 300));
      const again = await call(B, 'projects'); // which worker ran B's forward: the one whose cache is A's?
      fwd = { ...res, worker: again.worker, cacheSite: again.cache.cloudId };
    }
    assert.equal(fwd.cacheSite, A.cloudId, "B's worker holds A's cache");
    const ev = await until(k, 'audit', { site: B.name }, (l) => l.some((e) => e.kind === LEAK && e.invocationId === fwd.invocationId && /: egress/.test(e.detail)), "B's egress leak event");
    const e = ev.find((x) => x.kind === LEAK && x.invocationId === fwd.invocationId && /: egress/.test(x.detail));
    assert.match(e.detail, new RegExp(`source site ${A.name}, destination site ${B.name}: egress`));
    assert.ok(!e.detail.includes(A.canary));
  });

  it('malformed input to the ledger CLI and API is refused, naming nothing of any tenant', async () => {
    for (const [q, status] of [
      ['site=no-such-site', 404], ['site=../etc', 404], ['site=%00', 404], [`site=${'a'.repeat(300)}`, 404],
      ['n=0', 400], ['n=abc', 400], ['n=-1', 400], ['since=-5', 400], ['since=1e9', 400], ['after=x', 400],
      ['n=99999999999999999999999', 400],
    ]) {
      const r = await k.admin(`/ledger?${q}`);
      expectStatus(r, status, q);
      assert.ok(!r.body.includes('no-such-site') && !r.body.includes('etc'), `no echo of the input: ${r.body}`);
    }
    // n is capped at 1000: with more records than that (1100 synthetic ones of site C,
    // written into the store directly), n=5000 answers exactly 1000, the newest
    const cid = k.sql(`SELECT id FROM sites WHERE name = '${C.name}'`);
    assert.match(cid, /^\d+$/);
    k.sql('WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 1100) '
      + 'INSERT INTO ledger (time_ms, site_id, dest_site_id, kind, app_id, installation_id, invocation_id, destination, bytes) '
      + `SELECT ${Date.now()}, ${cid}, 0, 'egress', 'cap-test', 'cap-test', 'cap-' || i, 'https://cap.example/' || i, 1 FROM s`);
    const big = await k.admin('/ledger?n=5000');
    expectStatus(big, 200, 'n is capped, not refused');
    assert.equal(big.json.records.length, 1000, 'n=5000 is capped at 1000');
    assert.ok(big.json.records.some((x) => x.invocationId === 'cap-1100'), 'the newest record is among them');
    const anon = await k.api('/admin/v1/ledger');
    expectStatus(anon, 401, 'the admin token is required');

    failsClearly(await kiln(k, ['ledger']), /--site/, 2);
    failsClearly(await kiln(k, ['ledger', '--site', 'Not A Site']), /site name/, 2);
    failsClearly(await kiln(k, ['ledger', '--site', A.name, '--since', 'yesterday']), /--since/, 2);
    failsClearly(await kiln(k, ['ledger', '--site', A.name, '-n', '0']), /-n/, 2);
    failsClearly(await kiln(k, ['ledger', '--site', A.name, '-n', '1001']), /-n/, 2);
    failsClearly(await kiln(k, ['ledger', '--site', 'no-such-site']), undefined, 1);

    // kiln serve's switches (refused before anything starts)
    for (const args of [['--ledger', 'maybe'], ['--leak-scan', 'sometimes'], ['--leak-scan', ''], ['--ledger-retention-days', '-1'],
      ['--ledger-retention-days', '36501'], ['--ledger-retention-days', '7x']]) {
      failsClearly(await runCli(['serve', '--data', tempDir('ledger-serve'), '--listen', '127.0.0.1:0', ...args]), undefined, 2);
    }

    // the isolation setting
    const app = (await okJson(k, ['environments', 'list', dir, '--json'])).id;
    for (const [body, status] of [
      [{ isolation: 'tenant' }, 400], [{ isolation: 1 }, 400], [{}, 400], [{ isolation: 'installation', x: 1 }, 400],
      ['not json', 415],
    ]) {
      const r = await k.admin(`/apps/${app}/environments/development`, { method: 'PATCH', body });
      expectStatus(r, status, JSON.stringify(body));
    }
    expectStatus(await k.admin(`/apps/${app}/environments/nope`, { method: 'PATCH', body: { isolation: 'installation' } }), 404);
    expectStatus(await k.admin(`/apps/${app}/environments/NOPE!`, { method: 'PATCH', body: { isolation: 'installation' } }), 404);
    failsClearly(await kiln(k, ['environments', 'set', 'development', '--isolation', 'tenant'], { cwd: dir }), /--isolation/, 2);
    failsClearly(await kiln(k, ['environments', 'set', '--isolation', 'installation'], { cwd: dir }), /NAME/, 2);
  });

  it('with isolation: installation the same app cannot leak: each installation gets workers of its own', async () => {
    const set = await okJson(k, ['environments', 'set', 'development', '--isolation', 'installation', '--json'], { cwd: dir });
    assert.equal(set.isolation, 'installation');
    const envs = await okJson(k, ['environments', 'list', '--json'], { cwd: dir });
    assert.equal(envs.environments.find((e) => e.key === 'development').isolation, 'installation');

    const a = await call(A, 'projects');
    const b = await call(B, 'projects');
    assert.notEqual(b.worker, a.worker, 'B never runs on the worker that served A');
    assert.equal(a.cache.cloudId, A.cloudId);
    assert.equal(b.cache.cloudId, B.cloudId, "B's cache holds B's own projects");
    assert.ok(!JSON.stringify(b).includes(A.canary), "nothing of A's in B's answer");
    const b2 = await call(B, 'projects');
    assert.equal(b2.worker, b.worker, "B's worker is kept warm for B");
    assert.ok(b2.served > 1);
    const a2 = await call(A, 'projects');
    assert.equal(a2.worker, a.worker, "and A's for A");

    await until(k, 'ledger', { site: B.name }, (l) => l.some((x) => x.invocationId === b2.invocationId), "B's answer in the ledger");
    await sleep(600);
    const ev = await until(k, 'audit', {}, () => true, 'all events');
    assert.ok(!ev.some((e) => e.kind === LEAK && [a.invocationId, b.invocationId, b2.invocationId, a2.invocationId].includes(e.invocationId)),
      'nothing flagged with isolation on');
    const back = await okJson(k, ['environments', 'set', 'development', '--isolation', 'version', '--json'], { cwd: dir });
    assert.equal(back.isolation, 'version');
  });
});
