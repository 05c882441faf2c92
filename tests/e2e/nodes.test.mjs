// Several kiln nodes on one PostgreSQL (docs/scale.md "Several nodes"): node A and node B
// share a private cluster and a master key. What one writes the other serves (a site, an
// app deployed and installed, app storage), and what A ends (a web session signed out, an
// installation removed) is refused on B within the staleness bound: B's per-thread
// credential cache hears A's committed change through LISTEN/NOTIFY instead of waiting out
// its 2 s TTL. B runs one HTTP thread, so the request that filled its cache is the one that
// must see the change (with two, another thread's empty cache could answer). The listener
// session killed (pg_terminate_backend): B treats every cache as stale, reconnects, and
// converges again. A key rotation on A is in B's JWKS at once (not after B's 5 s refresh).
// A NOTIFY forged by another role only ever makes caches miss. B's project search answers
// from its cache (store/qcache.h, 2 s TTL): a project created, renamed or deleted on A, and
// a project role given to a user on A, are in B's answers within the bound; two sites'
// searches on B never answer one with the other's projects.
//
// Prints the observed delays (sign-out on A -> refused on B), e.g.
//   nodes: sign-out seen on B after [12, 9, 15, 11, 10] ms (median 11)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Kiln, runCli, kilnCli, expectCliOk, expectStatus, cliOkJson, tempDir, sleep } from './lib/kiln.mjs';
import { deployApp, webtriggerPath, requireForge } from './lib/events.mjs';
import { startPg } from './lib/pg.mjs';

// What this file asserts. The target (docs/scale.md) is 100 ms; the assertion leaves room
// for a loaded 2-core machine but stays well under the 2 s credential TTL that bounded a
// sign-out on another node before the listener (that is what it fails on without it).
const BOUND_MS = 1000;

const MANIFEST = `modules:
  webtrigger:
    - key: put
      function: put-fn
      response:
        type: dynamic
    - key: get
      function: get-fn
      response:
        type: dynamic
  function:
    - key: put-fn
      handler: index.put
    - key: get-fn
      handler: index.get
permissions:
  scopes:
    - storage:app
app:
  runtime:
    name: nodejs20.x
`;
const SRC = `import { kvs } from '@forge/kvs';
export async function put(req) {
  await kvs.set('shared', JSON.parse(req.body));
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: '{"ok":true}' };
}
export async function get() {
  const v = await kvs.get('shared');
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify({ value: v ?? null }) };
}
`;

const setCookies = (res) => {
  const c = res.headers['set-cookie'];
  return Array.isArray(c) ? c : c ? [c] : [];
};
const cookieOf = (res, name) => {
  for (const c of setCookies(res)) {
    const m = c.match(new RegExp(`^${name}=([^;]*)`));
    if (m) return m[1];
  }
  return null;
};
const withCookie = (value, extra = {}) => ({ headers: { cookie: `kiln_session=${value}`, ...extra } });

/** Signs in on node k (email + API token): the session cookie's value. */
async function signIn(k, site, email, token) {
  const f = await k.api(`/s/${site}/login`);
  expectStatus(f, 200, 'login form');
  const nonce = cookieOf(f, 'kiln_login');
  const csrf = f.text.match(/name="csrf" value="([^"]+)"/)[1];
  const res = await k.api(`/s/${site}/login`, {
    method: 'POST',
    body: new URLSearchParams({ email, token, csrf }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `kiln_login=${nonce}` },
  });
  expectStatus(res, 302, 'sign in');
  return cookieOf(res, 'kiln_session');
}

/** A sign-in on node k with a wrong API token: its status (401, or 429 once throttled). */
async function failedSignIn(k, site, email) {
  const f = await k.api(`/s/${site}/login`);
  expectStatus(f, 200, 'login form');
  const csrf = f.text.match(/name="csrf" value="([^"]+)"/)[1];
  const res = await k.api(`/s/${site}/login`, {
    method: 'POST', allowError: true,
    body: new URLSearchParams({ email, token: 'not-the-token', csrf }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `kiln_login=${cookieOf(f, 'kiln_login')}` },
  });
  return res.status;
}

/** Signs the session out on node k. */
async function signOut(k, site, cookie) {
  const shell = await k.api(`/s/${site}/`, withCookie(cookie));
  expectStatus(shell, 200, 'shell');
  const csrf = shell.text.match(/<meta name="kiln-csrf" content="([^"]+)">/)[1];
  const r = await k.api(`/s/${site}/logout`, { method: 'POST', ...withCookie(cookie, { 'x-kiln-csrf': csrf }) });
  expectStatus(r, 302, 'logout');
}

/** Polls `fn` (an async predicate) every 2 ms until it holds: the ms it took from `t0`. */
// When fn held, measured from t0: the start of RUNS answers in a row for which it held. A
// node has one cache per thread that serves (HTTP threads, and store threads with
// --store-threads: docs/scale.md "Store threads"), and until the node hears the change a
// thread without the entry answers the new truth while another's entry still answers the
// old: one answer would take that for convergence.
const RUNS = 8;
async function convergedAfter(t0, fn, limit = 10000) {
  let held = 0, since = 0;
  for (;;) {
    if (await fn()) {
      if (held++ === 0) since = Date.now() - t0;
      if (held >= RUNS) return since;
      continue;
    }
    held = 0;
    if (Date.now() - t0 > limit) return Infinity;
    await sleep(2);
  }
}

/** The snapshot path (relative to a data dir) of the newest version of the app in `dir`, read from the database. */
let snapshotOf;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One of node k's counters from /metrics. */
async function metric(k, name) {
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec((await k.api('/metrics')).text);
  return m ? Number(m[1]) : NaN;
}

describe('two nodes on one PostgreSQL', () => {
  let pg, A, B, site, admin;
  before(async () => {
    requireForge('kvs');
    pg = await startPg();
    snapshotOf = async (dir) => {
      const app = readFileSync(path.join(dir, 'manifest.yml'), 'utf8').match(/ari:cloud:ecosystem::app\/([0-9a-f-]{36})/)[1];
      return pg.psql(`SELECT snapshot FROM kiln.versions WHERE app_id = '${app}' ORDER BY seq DESC LIMIT 1`, { db: 'kiln' });
    };
    await pg.psql('CREATE DATABASE kiln');
    const url = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln?');
    const key = path.join(tempDir('nodes-key'), 'master.key');
    expectCliOk(await runCli(['keys', 'new-master', key]));
    const args = ['--store', url, '--key-file', key];
    A = new Kiln({ store: 'sqlite', extraArgs: args });
    B = new Kiln({ store: 'sqlite', extraArgs: args, threads: 1 });
    await A.start();
    await B.start();
    site = await A.siteWithToken('nodes-a');
    admin = (await A.jira(site.cloudId, '/myself', { token: site.token })).json;
  });
  after(async () => {
    await B?.close();
    await A?.close();
    await pg?.stop();
  });

  it('a site made on A is served on B; an app deployed and installed on A runs on B; storage written on A is read on B', async () => {
    const me = await B.jira(site.cloudId, '/myself', { token: site.token });
    expectStatus(me, 200, 'the site made on A, on B');
    assert.equal(me.json.accountId, site.accountId);

    // 700 KB of random bytes in the snapshot (kiln.include): a snapshot of several chunks
    const { dir } = await deployApp(A, 'nodes', {
      'manifest.yml': MANIFEST, 'src/index.js': SRC, 'data/blob.bin': randomBytes(700000),
      'package.json': JSON.stringify({ name: 'nodes', private: true, kiln: { include: ['data'] } }),
    });
    await cliOkJson(A, ['install', '--site', site.name, '--confirm-scopes', '--json'], { cwd: dir });
    // The snapshot is in the database (docs/scale.md "Deploy snapshots"): B, whose data dir
    // is its own, has no file of it until its first invocation fetches it.
    const snap = await snapshotOf(dir);
    assert.ok(existsSync(path.join(A.dataDir, snap)), 'the deploying node keeps its file');
    assert.ok(!existsSync(path.join(B.dataDir, snap)), 'B has no copy of the file');
    const chunks = Number(await pg.psql(`SELECT count(*) FROM kiln.snapshot_chunks WHERE snapshot = '${snap}'`, { db: 'kiln' }));
    assert.ok(chunks >= 3, `${chunks} chunks of 256 KiB`);
    const put = await webtriggerPath(A, dir, site, 'put');
    const get = await webtriggerPath(A, dir, site, 'get');
    const value = { from: 'A', n: Date.now() };
    const wrote = await A.api(put, { method: 'POST', body: value });
    expectStatus(wrote, 200, 'put on A');
    const r = await B.api(get);
    expectStatus(r, 200, 'get on B');
    assert.deepEqual(r.json, { value }, 'B reads what A wrote');
    assert.ok(existsSync(path.join(B.dataDir, snap)), 'B fetched the snapshot from the database');
    assert.deepEqual(readFileSync(path.join(B.dataDir, snap)), readFileSync(path.join(A.dataDir, snap)), 'the same bytes');

    // uninstalled on A: B refuses the webtrigger (it reads the installation each time)
    expectCliOk(await kilnCli(A, ['uninstall', '--site', site.name], { cwd: dir }));
    const t0 = Date.now();
    const ms = await convergedAfter(t0, async () => (await B.api(get)).status === 404);
    console.log(`nodes: uninstall on A refused on B after ${ms} ms`);
    assert.ok(ms <= BOUND_MS, `uninstall seen on B after ${ms} ms`);
  });

  it('a snapshot whose chunk was corrupted in the database is refused on B with a clear error, and nothing runs', async () => {
    const { dir } = await deployApp(A, 'nodes-bad', { 'manifest.yml': MANIFEST, 'src/index.js': SRC, 'package.json': JSON.stringify({ name: 'nodes-bad', private: true }) });
    await cliOkJson(A, ['install', '--site', site.name, '--confirm-scopes', '--json'], { cwd: dir });
    const snap = await snapshotOf(dir);
    const chunks = Number(await pg.psql(`SELECT count(*) FROM kiln.snapshot_chunks WHERE snapshot = '${snap}'`, { db: 'kiln' }));
    assert.ok(chunks >= 1, `the snapshot is in the database (${chunks} chunks)`);
    console.log(`nodes: the snapshot is ${chunks} chunk(s) in the database`);
    // one byte of the first chunk flipped, its length kept
    await pg.psql(`UPDATE kiln.snapshot_chunks SET bytes = set_byte(bytes, 600, 255 - get_byte(bytes, 600)) WHERE snapshot = '${snap}' AND idx = 0`, { db: 'kiln' });
    const put = await webtriggerPath(A, dir, site, 'put');
    const get = await webtriggerPath(A, dir, site, 'get');
    const r = await B.api(put, { method: 'POST', body: { from: 'B' } });
    expectStatus(r, 500, 'the corrupted version on B');
    assert.match(r.text, /could not be started/);
    assert.ok(B.stderrLines.some((l) => /snapshot in the database is corrupt/.test(l)), 'B logs why');
    assert.ok(!existsSync(path.join(B.dataDir, snap)), 'no file of it left on B');
    assert.deepEqual(readdirSync(path.dirname(path.join(B.dataDir, snap))).filter((f) => f.includes('.fetch-')), [], 'no temporary file left');
    // A (which has its own file) runs it, and sees that B's put never ran
    const a = await A.api(get);
    expectStatus(a, 200, 'get on A');
    assert.deepEqual(a.json, { value: null }, "the function did not run on B");
  });

  /** Signs in on A, fills B's cache with the session, signs out on A: ms until B refuses it. */
  async function signOutDelay() {
    const cookie = await signIn(A, site.name, admin.emailAddress, site.token);
    for (let i = 0; i < 3; i++)
      expectStatus(await B.jira(site.cloudId, '/myself', withCookie(cookie)), 200, 'the session on B');
    await signOut(A, site.name, cookie);
    const t0 = Date.now();
    const ms = await convergedAfter(t0, async () => (await B.jira(site.cloudId, '/myself', withCookie(cookie))).status === 401);
    // and it stays refused
    for (let i = 0; i < 3; i++)
      expectStatus(await B.jira(site.cloudId, '/myself', withCookie(cookie)), 401, 'the ended session on B');
    return ms;
  }

  it('a sign-out on A is refused on B within the bound (B cached the session)', async () => {
    const heard0 = await metric(B, 'kiln_store_changes_heard_total');
    const delays = [];
    for (let i = 0; i < 10; i++) delays.push(await signOutDelay());
    console.log(`nodes: sign-out seen on B after ${JSON.stringify(delays)} ms (median ${median(delays)})`);
    for (const ms of delays) assert.ok(ms <= BOUND_MS, `a sign-out on A seen on B after ${ms} ms: ${JSON.stringify(delays)}`);
    assert.ok((await metric(B, 'kiln_store_changes_heard_total')) >= heard0 + 10, 'B heard the sign-outs');
  });

  it('the listener session killed: B treats its caches as stale, listens again, and converges', async () => {
    const lost0 = await metric(B, 'kiln_store_listener_lost_total');
    const conn0 = await metric(B, 'kiln_store_listener_connects_total');
    const killed = await pg.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'kiln listener'", { db: 'kiln' });
    assert.equal(killed, '2', 'one listener per node');
    // while it reconnects, and after: a sign-out on A is still seen on B within the bound
    const during = await signOutDelay();
    const end = Date.now() + 10000;
    while ((await metric(B, 'kiln_store_listener_connects_total')) <= conn0 && Date.now() < end) await sleep(20);
    assert.ok((await metric(B, 'kiln_store_listener_lost_total')) >= lost0 + 1, 'B noticed the loss');
    assert.ok((await metric(B, 'kiln_store_listener_connects_total')) >= conn0 + 1, 'B listens again');
    assert.ok(B.stderrLines.some((l) => l.includes('change listener lost its session')), 'the loss is logged');
    const afterwards = [await signOutDelay(), await signOutDelay()];
    console.log(`nodes: listener killed: sign-out seen on B after ${during} ms (reconnecting), then ${JSON.stringify(afterwards)} ms`);
    for (const ms of [during, ...afterwards]) assert.ok(ms <= BOUND_MS, `after the listener was killed: ${ms} ms`);
  });

  it("a key rotation on A is in B's JWKS within the bound (B had its keys loaded)", async () => {
    const kids = async () => (await B.api('/.well-known/jwks.json')).json.keys.map((k) => k.kid);
    const before = await kids();
    assert.ok(before.length >= 1);
    const r = await cliOkJson(A, ['keys', 'rotate', '--json']);
    const t0 = Date.now();
    const ms = await convergedAfter(t0, async () => (await kids()).includes(r.kid));
    console.log(`nodes: key rotation on A in B's JWKS after ${ms} ms`);
    assert.ok(ms <= BOUND_MS, `the new key in B's JWKS after ${ms} ms`);
  });

  // B's project search answers from its cache (store/qcache.h): each check below fills a
  // new entry on B right before A writes (a maxResults not asked before), so B would serve
  // the old answer for the cache's 2 s TTL if it did not hear A's notification.
  it("a project created, renamed and deleted on A is in B's cached project search within the bound", async () => {
    let n = 20;
    const search = async (max) => {
      const r = await B.jira(site.cloudId, `/project/search?maxResults=${max}`, { token: site.token });
      expectStatus(r, 200, 'project search on B');
      return r.json.values;
    };
    const delays = [];
    const after = async (write, holds) => {
      const max = n++;
      assert.ok(!holds(await search(max)), 'before the write');
      assert.ok(!holds(await search(max)), 'before the write (from the cache)');
      await write();
      const t0 = Date.now();
      delays.push(await convergedAfter(t0, async () => holds(await search(max))));
    };
    for (let i = 0; i < 3; i++) {
      const key = `NODES${i}`;
      const has = (name) => (vs) => vs.some((p) => p.key === key && p.name === name);
      await after(async () => expectStatus(await A.jira(site.cloudId, '/project', {
        token: site.token, method: 'POST', body: { key, name: `Nodes ${i}`, projectTypeKey: 'software' },
      }), 201, 'project created on A'), has(`Nodes ${i}`));
      await after(async () => expectStatus(await A.jira(site.cloudId, `/project/${key}`, {
        token: site.token, method: 'PUT', body: { name: `Renamed ${i}` },
      }), 200, 'project renamed on A'), has(`Renamed ${i}`));
      await after(async () => expectStatus(await A.jira(site.cloudId, `/project/${key}`, {
        token: site.token, method: 'DELETE',
      }), 204, 'project deleted on A'), (vs) => !vs.some((p) => p.key === key));
    }
    console.log(`nodes: project writes on A in B's project search after ${JSON.stringify(delays)} ms (median ${median(delays)})`);
    for (const ms of delays) assert.ok(ms <= BOUND_MS, `a project write on A seen on B after ${ms} ms: ${JSON.stringify(delays)}`);
  });

  it("a project role given on A lets the user browse the project in B's cached search within the bound; sites never mix", async () => {
    const demo = await A.siteWithToken('nodes-demo', true);
    const users = (await A.jira(demo.cloudId, '/users/search?maxResults=100', { token: demo.token })).json;
    const grace = users.find((u) => u.emailAddress?.startsWith('grace@'));
    assert.ok(grace, 'the demo user grace');
    const gt = (await A.userToken(demo.name, grace.accountId)).token;
    const all = (await B.jira(demo.cloudId, '/project/search?maxResults=50', { token: demo.token })).json.values;
    const web = all.find((p) => p.key.startsWith('WEB'));
    assert.ok(web, 'the demo project WEB');
    const sees = async () => {
      const r = await B.jira(demo.cloudId, '/project/search?maxResults=50', { token: gt });
      expectStatus(r, 200, "grace's project search on B");
      return r.json.values.some((p) => p.key === web.key);
    };
    assert.equal(await sees(), false, 'grace may not browse WEB yet');
    assert.equal(await sees(), false, 'grace may not browse WEB yet (from the cache)');
    const add = await A.jira(demo.cloudId, `/project/${web.key}/role/10004`, { token: demo.token, method: 'POST', body: { user: [grace.accountId] } });
    expectStatus(add, 200, 'grace made a viewer of WEB on A');
    const t0 = Date.now();
    const added = await convergedAfter(t0, sees);
    const del = await A.jira(demo.cloudId, `/project/${web.key}/role/10004?user=${grace.accountId}`, { token: demo.token, method: 'DELETE' });
    expectStatus(del, 204, 'grace no viewer of WEB on A');
    const t1 = Date.now();
    const removed = await convergedAfter(t1, async () => !(await sees()));
    console.log(`nodes: a project role on A in B's project search after ${added} ms, its removal after ${removed} ms`);
    assert.ok(added <= BOUND_MS && removed <= BOUND_MS, `role change seen on B after ${added} / ${removed} ms`);
    // the same search on two sites, both cached on B: each answers its own projects only
    expectStatus(await A.jira(site.cloudId, '/project', {
      token: site.token, method: 'POST', body: { key: 'ONLYA', name: 'Only on A', projectTypeKey: 'software' },
    }), 201, 'a project of the first site');
    const keys = (vs) => vs.map((p) => p.key).sort();
    for (let i = 0; i < 3; i++) {
      const a = (await B.jira(site.cloudId, '/project/search?maxResults=50', { token: site.token })).json.values;
      const d = (await B.jira(demo.cloudId, '/project/search?maxResults=50', { token: demo.token })).json.values;
      assert.deepEqual(keys(d), keys(all), "the demo site's own projects");
      assert.deepEqual(keys(a), ['ONLYA'], "the first site's own project");
    }
  });

  it('a NOTIFY forged by another role makes caches miss, never serves one site for another', async () => {
    const other = await A.siteWithToken('nodes-b');
    await pg.psql('CREATE ROLE mallory LOGIN');
    // the deploy snapshots (global, no row-level security) are kiln's roles' only
    await assert.rejects(pg.psql('SELECT count(*) FROM kiln.snapshot_chunks', { db: 'kiln', user: 'mallory' }), /permission denied/);
    await sleep(200); // A's own notifications (the site it just made) are in
    const heard0 = await metric(B, 'kiln_store_changes_heard_total');
    const ids = (await pg.psql("SELECT id FROM kiln.sites WHERE name IN ('nodes-a', 'nodes-b') ORDER BY name", { db: 'kiln' })).split('\n');
    for (const p of [`auth ${ids[1]}`, `installs ${ids[0]}`, 'auth 1; DROP TABLE x', 'keys', '', 'x'.repeat(7000), 'installs -1', 'auth 99999999999999999999'])
      await pg.psql(`NOTIFY kiln_changes, '${p.replace(/'/g, "''")}'`, { db: 'kiln', user: 'mallory' });
    await sleep(200);
    // the two well-formed ones were heard (and only moved generations)
    assert.equal(await metric(B, 'kiln_store_changes_heard_total'), heard0 + 2);
    const a = await B.jira(site.cloudId, '/myself', { token: site.token });
    const b = await B.jira(other.cloudId, '/myself', { token: other.token });
    expectStatus(a, 200);
    expectStatus(b, 200);
    assert.equal(a.json.accountId, site.accountId);
    assert.equal(b.json.accountId, other.accountId);
    expectStatus(await B.jira(site.cloudId, '/myself', { token: other.token }), 401, "one site's token on the other's path");
  });

  // Rate limits across nodes (docs/scale.md "Rate limits across nodes"): failed sign-ins for
  // one email, alternating between the nodes, are refused once the two together reach the
  // limit (10 a minute), not 10 on each. Each node reports its counts every 100 ms; the
  // attempts are 150 ms apart, so each node has heard the other's last one (a loaded
  // machine may deliver a report late: one or two more pass then).
  it('failed sign-ins alternating between A and B are throttled at the limit of both together', async () => {
    const LIMIT = 10;
    for (let round = 0; ; round++) {
      const minute = Math.floor(Date.now() / 60000);
      const email = `nobody-${round}-${Date.now()}@example.com`;
      const seen = [];
      while (seen.length < 3 * LIMIT && !seen.includes(429)) {
        seen.push(await failedSignIn(seen.length % 2 ? B : A, site.name, email));
        await sleep(150);
      }
      if (Math.floor(Date.now() / 60000) !== minute && round < 3) continue; // a minute's edge reset the counts: again
      const passed = seen.indexOf(429);
      console.log(`# nodes: failed sign-ins passed before the first 429: ${passed} (limit ${LIMIT} for both nodes together)`);
      assert.ok(seen.slice(0, passed).every((st) => st === 401), `refused as wrong until throttled: ${seen}`);
      assert.ok(passed >= LIMIT && passed <= LIMIT + 2, `throttled after ${passed} (${seen}); each node alone would allow ${LIMIT}`);
      const after = [await failedSignIn(A, site.name, email), await failedSignIn(B, site.name, email)];
      assert.deepEqual(after, [429, 429], 'both nodes refuse from then on');
      break;
    }
  });
});
