// Leases of running deliveries across nodes (docs/scale.md "Leases"): two kiln nodes on
// one private PostgreSQL, with a short lease (KILN_DELIVERY_LEASE_MS=2000: renewed every
// ~670 ms, expired ones taken back every second) so that a test waits seconds, not the
// default's 45.
//
//  1. A slow queue event (its handler sleeps 5 s) running on node A while node B starts:
//     B's start takes back only expired leases, and A renews its own while the handler
//     runs (longer than the lease), so the event runs once, is delivered once, in one
//     attempt. Before leases, B's start made A's running row pending again and the event
//     ran twice (as this file sees against a binary without them).
//  2. Node A killed -9 during a burst of queue pushes (handlers of 400 ms, so A holds
//     running attempts at the kill): B, still serving, takes A's running rows back once
//     their leases expire, without a restart, and every acknowledged event has exactly one
//     delivery, delivered, whose handler ran at least once and at most as many times as the
//     delivery's attempts (docs/events.md: at least once; an attempt cut by the kill may
//     have run its handler to the end before its verdict was written).
//  3. A node killed -9 and restarted on the same data dir (a 60 s lease): it takes its last
//     process's running rows back at start (DATA/deliver.node names that process, and its
//     flock proves it gone), and the interrupted delivery runs again in seconds.
//
// Prints what it saw, e.g.
//   leases: A held 6 running attempts at the kill; B took back 6 after 2,830 ms
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { Kiln, runCli, kilnCli, expectCliOk, expectStatus, cliOkJson, tempDir, sleep } from './lib/kiln.mjs';
import { deployApp, webtriggerPath, requireForge, until } from './lib/events.mjs';
import { startPg } from './lib/pg.mjs';

const LEASE_MS = 2000;

const MANIFEST = `modules:
  consumer:
    - key: work-consumer
      queue: work
      function: work-fn
  webtrigger:
    - { key: push, function: push-fn, response: { type: dynamic } }
    - { key: state, function: state-fn, response: { type: dynamic } }
  function:
    - { key: work-fn, handler: index.onWork }
    - { key: push-fn, handler: index.push }
    - { key: state-fn, handler: index.state }
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - storage:app
`;

// A handler run records its start and, after sleeping, its end: run-<t>-<n>-<random>,
// done-<t>-<n>-<random>.
const SRC = `import { kvs, WhereConditions } from '@forge/kvs';
import { Queue } from '@forge/events';

const rnd = () => Math.random().toString(36).slice(2, 10);
const q = (request, name) => request.queryParameters?.[name]?.[0];
const json = (statusCode, v) => ({ statusCode, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(v) });

export async function onWork(event) {
  const { t, n, ms } = event.body;
  await kvs.set('run-' + t + '-' + n + '-' + rnd(), 1);
  await new Promise((r) => setTimeout(r, ms));
  await kvs.set('done-' + t + '-' + n + '-' + rnd(), 1);
}

// ?t=T&from=N&count=C&ms=MS: pushes events {t, n, ms} for n = N .. N+C-1 in one push
export async function push(request) {
  const t = q(request, 't');
  const from = Number(q(request, 'from'));
  const count = Number(q(request, 'count'));
  const ms = Number(q(request, 'ms'));
  const events = Array.from({ length: count }, (_, i) => ({ body: { t, n: from + i, ms } }));
  const { jobId } = await new Queue({ key: 'work' }).push(events);
  return json(200, { jobId });
}

export async function state(request) {
  const out = [];
  let cursor;
  do {
    let qq = kvs.query().where('key', WhereConditions.beginsWith(q(request, 'prefix'))).limit(100);
    if (cursor) qq = qq.cursor(cursor);
    const page = await qq.getMany();
    for (const r of page.results) out.push(r.key);
    cursor = page.nextCursor;
  } while (cursor);
  return json(200, out);
}
`;

describe('the lease setting', () => {
  for (const bad of ['5', '600001', '30s', '-1']) {
    it(`KILN_DELIVERY_LEASE_MS=${bad} refuses to start, naming it`, async () => {
      const r = await runCli(['serve', '--data', tempDir('leases-bad'), '--listen', '127.0.0.1:0'], { env: { KILN_DELIVERY_LEASE_MS: bad } });
      assert.equal(r.code, 1, `exit 1: ${r.stderr}`);
      assert.match(r.stderr, /KILN_DELIVERY_LEASE_MS must be a number of ms from 1000 to 600000/);
    });
  }
});

describe('leases of running deliveries across two nodes on one PostgreSQL', () => {
  let pg, A, B, site, dir, paths;
  const node = {}; // a node's id for leases, from its start line

  /** The node id a run logged at start (null: none logged). */
  const nodeId = (k) => {
    const line = k.stderrLines.find((l) => l.includes("this node's id"));
    return line ? JSON.parse(line).node : null;
  };

  /** Handler runs recorded in app storage, read through node k: {run, done} maps of "t-n" to a count. */
  async function runs(k, t) {
    const count = async (kind) => {
      const r = await k.api(`${paths.state}?prefix=${kind}-${t}-`);
      expectStatus(r, 200, 'state');
      const m = new Map();
      for (const key of r.json) {
        const id = /^[a-z]+-(.+)-[a-z0-9]+$/.exec(key)[1];
        m.set(id, (m.get(id) ?? 0) + 1);
      }
      return m;
    };
    return { run: await count('run'), done: await count('done') };
  }

  /** Every queue delivery of the site (admin listing of node k), by "t-n", with its whole row. */
  async function deliveriesOf(k, t) {
    const r = await k.admin(`/deliveries?site=${site.name}&limit=1000`);
    expectStatus(r, 200, 'deliveries');
    const by = new Map();
    for (const d of r.json.deliveries) {
      const shown = await k.admin(`/deliveries/${d.id}`);
      expectStatus(shown, 200, 'delivery');
      if (shown.json.payload.body.t !== t) continue;
      const key = `${t}-${shown.json.payload.body.n}`;
      by.set(key, [...(by.get(key) ?? []), d]);
    }
    return by;
  }

  const push = (k, t, from, count, ms) => k.api(`${paths.push}?t=${t}&from=${from}&count=${count}&ms=${ms}`, { timeout: 30000 });

  before(async () => {
    requireForge('kvs', 'events');
    pg = await startPg();
    await pg.psql('CREATE DATABASE kiln');
    const url = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln?');
    const key = path.join(tempDir('leases-key'), 'master.key');
    expectCliOk(await runCli(['keys', 'new-master', key]));
    const opts = { store: 'sqlite', extraArgs: ['--store', url, '--key-file', key], env: { KILN_DELIVERY_LEASE_MS: String(LEASE_MS) } };
    A = new Kiln({ ...opts, threads: 1 });
    B = new Kiln({ ...opts, threads: 1 });
    await A.start();
    site = await A.siteWithToken('leases');
    ({ dir } = await deployApp(A, 'leases', { 'manifest.yml': MANIFEST, 'src/index.js': SRC, 'package.json': JSON.stringify({ name: 'leases', private: true }) }));
    await cliOkJson(A, ['install', '--site', site.name, '--confirm-scopes', '--json'], { cwd: dir });
    // deploy snapshots are files of the deploying node's data dir (docs/scale.md "What is
    // left"): B gets A's copy, as a shared volume would give it
    cpSync(path.join(A.dataDir, 'snapshots'), path.join(B.dataDir, 'snapshots'), { recursive: true });
    paths = { push: await webtriggerPath(A, dir, site, 'push'), state: await webtriggerPath(A, dir, site, 'state') };
    node.A = nodeId(A);
  });
  after(async () => {
    await B?.close();
    await A?.close();
    await pg?.stop();
  });

  it('a slow delivery running on A while B starts runs once, delivered once', async () => {
    expectStatus(await push(A, 'slow', 1, 1, 5000), 200, 'push on A');
    // A runs it: its handler started (and sleeps 5 s)
    await until('the slow handler started on A', async () => (await runs(A, 'slow')).run.get('slow-1'));
    const running = await until('the slow delivery running', async () => (await deliveriesOf(A, 'slow')).get('slow-1')?.[0].state === 'running');
    assert.ok(running);
    const leased = node.A && await pg.psql(`SELECT count(*) FROM kiln.deliveries WHERE state = 1 AND lease_owner = '${node.A}'`, { db: 'kiln' });
    await B.start(); // its start's recovery: before leases, every running row
    node.B = nodeId(B);
    const done = await until('the slow delivery ended', async () => {
      const d = (await deliveriesOf(B, 'slow')).get('slow-1');
      return d && d[0].state !== 'running' && d[0].state !== 'pending' ? d : null;
    }, { ms: 60000 });
    await sleep(3 * LEASE_MS); // a second run, if one was started, has time to show
    const seen = await runs(B, 'slow');
    assert.equal(done.length, 1, 'one delivery');
    assert.equal(done[0].state, 'delivered');
    assert.equal(seen.run.get('slow-1'), 1, `the handler ran once (runs: ${JSON.stringify([...seen.run])})`);
    assert.equal(seen.done.get('slow-1'), 1, 'and ended once');
    const shown = await B.admin(`/deliveries/${done[0].id}`);
    assert.equal(shown.json.attempts, 1, 'in one attempt: its lease was renewed past the lease time, never taken back');
    assert.match(node.A ?? '', /^[0-9a-f-]{36}$/, 'A logged its node id at start');
    assert.match(node.B ?? '', /^[0-9a-f-]{36}$/, 'B too');
    assert.notEqual(node.B, node.A, 'each node has its own id');
    assert.equal(leased, '1', 'the running row was leased to A');
  });

  it('A killed -9 during a burst: B takes back its running rows once their leases expire; every acknowledged event delivered once', async () => {
    assert.ok(B.running, 'B runs (started by the test before)');
    const acked = [];
    let n = 0;
    // pushes through A until A holds running attempts, then a few more, then kill -9
    const end = Date.now() + 30000;
    let heldAtKill = 0;
    for (let i = 0; Date.now() < end; i++) {
      const from = n;
      n += 5;
      const r = await push(A, 'burst', from, 5, 400);
      if (r.status === 200) acked.push(from);
      const held = Number(await pg.psql(`SELECT count(*) FROM kiln.deliveries WHERE state = 1 AND lease_owner = '${node.A}'`, { db: 'kiln' }));
      if (held >= 2 && i >= 4) {
        A.expectExit({ signal: 'SIGKILL' });
        await A.kill9();
        heldAtKill = Number(await pg.psql(`SELECT count(*) FROM kiln.deliveries WHERE state = 1 AND lease_owner = '${node.A}'`, { db: 'kiln' }));
        break;
      }
    }
    assert.ok(!A.running, 'A was killed while it held running attempts');
    assert.ok(heldAtKill > 0, 'A held running attempts at the kill');
    const killedAt = Date.now();
    // B, still serving, takes them back once expired, and runs them
    await until('B took back A\'s running rows', async () =>
      Number(await pg.psql(`SELECT count(*) FROM kiln.deliveries WHERE state = 1 AND lease_owner = '${node.A}'`, { db: 'kiln' })) === 0, { ms: 30000 });
    const tookMs = Date.now() - killedAt;
    const taken = B.stderrLines.filter((l) => l.includes("attempts whose node's lease expired are due again"));
    assert.ok(taken.length >= 1, 'B logged the rows it took back');
    console.log(`leases: A held ${heldAtKill} running attempts at the kill; B took them back after ${tookMs} ms`);
    // B's pushes keep working meanwhile, and every acknowledged event ends delivered
    const owed = new Set();
    for (const from of acked) for (let i = 0; i < 5; i++) owed.add(`burst-${from + i}`);
    const settled = await until('every acknowledged event delivered', async () => {
      const by = await deliveriesOf(B, 'burst');
      const all = [...by.values()].flat();
      return [...owed].every((k) => by.has(k)) && all.every((d) => ['delivered', 'dead', 'dropped', 'cancelled'].includes(d.state)) ? by : null;
    }, { ms: 120000 });
    const seen = await runs(B, 'burst');
    let retried = 0;
    for (const key of owed) {
      const ds = settled.get(key);
      assert.equal(ds.length, 1, `${key}: exactly one delivery`);
      assert.equal(ds[0].state, 'delivered', `${key}: delivered`);
      const { attempts } = (await B.admin(`/deliveries/${ds[0].id}`)).json;
      const ran = seen.done.get(key) ?? 0;
      assert.ok(ran >= 1, `${key}: its handler ran to the end at least once`);
      assert.ok(ran <= attempts, `${key}: ${ran} handler runs for ${attempts} attempts`);
      retried += attempts > 1;
    }
    assert.ok(retried >= 1, 'the attempts A held at the kill ran again on B');
    for (const key of settled.keys()) assert.ok(owed.has(key), `${key}: a delivery for nothing acknowledged`);
  });

  it('a node killed -9 and restarted on its data dir takes its last process\'s running rows back at once, not after the lease', async () => {
    // B stopped (so A claims the event), A started again with a 60 s lease
    const stopped = await B.stop('SIGTERM');
    assert.equal(stopped.code, 0, 'B stops cleanly');
    A.env = { KILN_DELIVERY_LEASE_MS: '60000' };
    await A.start();
    const first = nodeId(A);
    expectStatus(await push(A, 'restart', 1, 1, 5000), 200, 'push on A');
    await until('the slow handler started on A', async () => (await runs(A, 'restart')).run.get('restart-1'));
    const leased = await pg.psql(`SELECT count(*) FROM kiln.deliveries WHERE state = 1 AND lease_owner = '${first}'`, { db: 'kiln' });
    assert.equal(leased, '1', 'A holds it');
    A.expectExit({ signal: 'SIGKILL' });
    await A.kill9();
    const t0 = Date.now();
    await A.start();
    const line = A.stderrLines.find((l) => l.includes("attempts interrupted by this data dir's last stop are due again"));
    assert.ok(line, 'the restart took back its last process\'s rows');
    assert.equal(JSON.parse(line).node, first, 'named by the last process\'s id');
    assert.equal(JSON.parse(line).count, '1');
    const done = await until('the delivery ended', async () => {
      const d = (await deliveriesOf(A, 'restart')).get('restart-1');
      return d && d[0].state === 'delivered' ? d : null;
    }, { ms: 50000 });
    const ms = Date.now() - t0;
    console.log(`leases: restarted on its data dir, the interrupted delivery was delivered ${ms} ms after the kill (lease 60,000 ms)`);
    assert.ok(ms < 45000, `delivered ${ms} ms after the kill: well before the 60 s lease`);
    assert.equal((await A.admin(`/deliveries/${done[0].id}`)).json.attempts, 2, 'in a second attempt');
  });
});
