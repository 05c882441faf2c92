// Durability: "a write is answered only after it is durable". Concurrent project and issue
// writers on two sites, SIGKILL mid-stream, restart on the same data dir: every write that
// was answered 201 must be readable. Then `kiln store check` on the stopped data dir.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  cpSync, readdirSync, openSync, readSync, writeSync, closeSync, statSync, mkdtempSync, rmSync, existsSync, writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  startKiln, expectStatus, describeRes, runCli, describeCli, sleep, trackTempDir, KILN_BIN, cliOkJson, STORE,
} from './lib/kiln.mjs';

/** The tests of SQLite's own files and group commit: with STORE=postgres they do not apply
 * (the cluster's files are not kiln's to corrupt, and its COMMIT is durable when it returns:
 * no fsync of kiln's holds an answer; docs/scale.md). */
const SQLITE_ONLY = STORE === 'postgres' && "SQLite's files and group commit";
import { until, deliveries, deployApp, requireForge } from './lib/events.mjs';

let k;
const sites = {}; // letter -> {name, cloudId, token, issueType}
const acked = { projects: [], issues: [], tokens: [] };
const unexpected = [];
let storeCheckedDir;

before(async () => {
  k = await startKiln({ threads: 4 });
  for (const letter of ['A', 'B']) {
    const s = await k.siteWithToken(`dur-${letter.toLowerCase()}`, false);
    const p = await k.jira(s.cloudId, '/project', {
      token: s.token, method: 'POST', body: { key: 'BASE', name: `Base ${letter}`, projectTypeKey: 'software' },
    });
    expectStatus(p, 201, 'setup BASE');
    const g = await k.jira(s.cloudId, '/project/BASE', { token: s.token });
    sites[letter] = { ...s, issueType: g.json.issueTypes[0], baseId: String(p.json.id) };
    acked.tokens.push({ letter, token: s.token, accountId: s.accountId });
  }
});

after(async () => {
  await k?.close();
  if (storeCheckedDir) rmSync(storeCheckedDir, { recursive: true, force: true });
});

async function writer(round, letter, loop, kind, state) {
  const s = sites[letter];
  for (let n = 0; !state.stop; n++) {
    if (kind === 'project') {
      const key = `R${round}${letter}${loop}${n}`;
      const name = `Durable ${key} ${randomUUID()}`;
      const r = await k.jira(s.cloudId, '/project', {
        token: s.token, method: 'POST', allowError: true, timeout: 10000,
        body: { key, name, projectTypeKey: 'business', description: `desc ${key}` },
      });
      if (r.error) return 'cut';
      if (r.status === 201) acked.projects.push({ letter, key, name, id: String(r.json.id) });
      else unexpected.push(describeRes(r, 400));
    } else {
      const summary = `durable r${round} ${letter} loop${loop} #${n} ${randomUUID()}`;
      const r = await k.jira(s.cloudId, '/issue', {
        token: s.token, method: 'POST', allowError: true, timeout: 10000,
        body: { fields: { project: { key: 'BASE' }, summary, issuetype: { name: s.issueType.name } } },
      });
      if (r.error) return 'cut';
      if (r.status === 201) acked.issues.push({ letter, key: r.json.key, id: String(r.json.id), summary });
      else unexpected.push(describeRes(r, 400));
    }
  }
}

async function stormAndKill(round) {
  const state = { stop: false };
  const startAcks = acked.projects.length + acked.issues.length;
  const loops = [];
  for (const letter of ['A', 'B']) {
    for (let l = 0; l < 3; l++) {
      loops.push(writer(round, letter, l, 'project', state));
      loops.push(writer(round, letter, l, 'issue', state));
    }
  }
  const t0 = Date.now();
  while (acked.projects.length + acked.issues.length - startAcks < 60 && Date.now() - t0 < 8000) await sleep(20);
  await sleep(Math.floor(Math.random() * 50));
  const r = await k.kill9();
  state.stop = true;
  assert.equal(r.signal, 'SIGKILL', `server was killed: ${JSON.stringify(r)}`);
  const ends = await Promise.all(loops);
  return { n: acked.projects.length + acked.issues.length - startAcks, cut: ends.filter((e) => e === 'cut').length };
}

async function verifyAll() {
  const problems = [];
  for (const p of acked.projects) {
    const s = sites[p.letter];
    const r = await k.jira(s.cloudId, `/project/${p.key}`, { token: s.token });
    if (r.status !== 200 || r.json.name !== p.name || String(r.json.id) !== p.id) {
      problems.push(`project ${p.letter}/${p.key} (id ${p.id}, name ${p.name}): ${describeRes(r, 300)}`);
      continue;
    }
    const byId = await k.jira(s.cloudId, `/project/${p.id}`, { token: s.token });
    if (byId.status !== 200 || byId.json.key !== p.key) problems.push(`project ${p.letter}/${p.id} by id: ${describeRes(byId, 300)}`);
  }
  for (const i of acked.issues) {
    const s = sites[i.letter];
    const r = await k.jira(s.cloudId, `/issue/${i.key}`, { token: s.token });
    if (r.status !== 200 || r.json.fields?.summary !== i.summary || String(r.json.id) !== i.id) {
      problems.push(`issue ${i.letter}/${i.key} (id ${i.id}, summary ${i.summary}): ${describeRes(r, 300)}`);
      continue;
    }
    const byId = await k.jira(s.cloudId, `/issue/${i.id}`, { token: s.token });
    if (byId.status !== 200 || byId.json.key !== i.key) problems.push(`issue ${i.letter}/${i.id} by id: ${describeRes(byId, 300)}`);
  }
  return problems;
}

function sqliteFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size >= 100) {
        const fd = openSync(p, 'r');
        const b = Buffer.alloc(16);
        readSync(fd, b, 0, 16, 0);
        closeSync(fd);
        if (b.toString('latin1') === 'SQLite format 3\0') out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

describe('durability under SIGKILL', () => {
  for (const round of [1, 2]) {
    it(`round ${round}: concurrent writes, SIGKILL, restart: every acknowledged write is there`, async (t) => {
      const before = { p: acked.projects.length, i: acked.issues.length };
      const { n, cut } = await stormAndKill(round);
      t.diagnostic(`round ${round}: ${acked.projects.length - before.p} projects and ${acked.issues.length - before.i} issues acknowledged before SIGKILL; ${cut} of 12 writers had a request cut off by it`);
      assert.ok(n > 0, 'some writes were acknowledged before the kill');
      assert.ok(acked.projects.length > before.p && acked.issues.length > before.i,
        `both kinds acknowledged (projects ${acked.projects.length - before.p}, issues ${acked.issues.length - before.i})`);
      await k.start();
      const problems = await verifyAll();
      assert.deepEqual(problems, [], `acknowledged writes missing after SIGKILL + restart (${problems.length} of ${acked.projects.length + acked.issues.length}):\n${problems.slice(0, 20).join('\n')}`);
    });
  }

  it('no write was answered with anything but 201 while running', () => {
    assert.deepEqual(unexpected, [], `non-201 answers to valid writes:\n${unexpected.slice(0, 10).join('\n')}`);
  });

  it('issue keys were never handed out twice', () => {
    for (const letter of ['A', 'B']) {
      const keys = acked.issues.filter((i) => i.letter === letter).map((i) => i.key);
      const ids = acked.issues.filter((i) => i.letter === letter).map((i) => i.id);
      assert.equal(new Set(keys).size, keys.length, `duplicate issue keys on ${letter}`);
      assert.equal(new Set(ids).size, ids.length, `duplicate issue ids on ${letter}`);
    }
  });

  it('sites, the admin token and acknowledged user tokens survive SIGKILL', async () => {
    const list = await k.admin('/sites');
    expectStatus(list, 200);
    const names = list.json.sites.map((s) => s.name).sort();
    assert.deepEqual(names, ['dur-a', 'dur-b']);
    for (const t of acked.tokens) {
      const s = sites[t.letter];
      const me = await k.jira(s.cloudId, '/myself', { token: t.token });
      expectStatus(me, 200, `token of ${t.letter} after restart`);
      assert.equal(me.json.accountId, t.accountId);
    }
    for (const letter of ['A', 'B']) {
      const s = sites[letter];
      const r = await k.jira(s.cloudId, '/project/search?keys=BASE&expand=insight', { token: s.token });
      expectStatus(r, 200);
      const count = acked.issues.filter((i) => i.letter === letter).length;
      assert.ok(r.json.values[0].insight.totalIssueCount >= count,
        `BASE on ${letter} has ${r.json.values[0].insight.totalIssueCount} issues, ${count} were acknowledged`);
    }
  });

  it('the server still takes writes after recovery', async () => {
    const s = sites.A;
    const r = await k.jira(s.cloudId, '/issue', {
      token: s.token, method: 'POST',
      body: { fields: { project: { key: 'BASE' }, summary: 'after recovery', issuetype: { name: s.issueType.name } } },
    });
    expectStatus(r, 201);
    const g = await k.jira(s.cloudId, `/issue/${r.json.key}`, { token: s.token });
    expectStatus(g, 200);
    assert.equal(g.json.fields.summary, 'after recovery');
  });

  it('clean stop, then `kiln store check` prints ok', async () => {
    const st = await k.stop('SIGTERM');
    assert.equal(st.code, 0, `exit on SIGTERM: ${JSON.stringify(st)}`);
    const r = await runCli(['store', 'check', ...k.storeArgs()], { timeout: 60000 });
    assert.equal(r.code, 0, describeCli(r));
    assert.equal(r.stdout.trim(), 'ok', describeCli(r));
  });

  it('`kiln store check` reports a corrupted store with exit 1', { skip: SQLITE_ONLY }, async () => {
    storeCheckedDir = trackTempDir(mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-corrupt-')));
    cpSync(k.dataDir, storeCheckedDir, { recursive: true });
    const dbs = sqliteFiles(storeCheckedDir);
    assert.ok(dbs.length > 0, `a SQLite file in the data dir: ${readdirSync(storeCheckedDir)}`);
    for (const db of dbs) {
      const size = statSync(db).size;
      const fd = openSync(db, 'r+');
      const hdr = Buffer.alloc(100);
      readSync(fd, hdr, 0, 100, 0);
      const pageSize = hdr.readUInt16BE(16) === 1 ? 65536 : hdr.readUInt16BE(16);
      const pages = Math.floor(size / pageSize);
      // Scribble over the b-tree page headers of every page but the first.
      const junk = Buffer.alloc(64, 0xa5);
      for (let pg = 1; pg < pages; pg++) writeSync(fd, junk, 0, junk.length, pg * pageSize);
      closeSync(fd);
      assert.ok(pages > 1, `${db} has more than one page`);
    }
    const r = await runCli(['store', 'check', '--data', storeCheckedDir], { timeout: 60000 });
    assert.equal(r.code, 1, `expected exit 1 for a corrupted store\n${describeCli(r)}`);
    assert.notEqual(r.stdout.trim(), 'ok', describeCli(r));
    assert.ok((r.stdout + r.stderr).trim().length > 0, 'problems are printed');
  });
});

// The syncer (docs/store.md "Answers after durable", "A failed fsync"): a write's answer is
// held until an fsync covers its commit. failsync.so (make build/tests/failsync.so) is
// preloaded: while the file `hold` exists the WAL's fsyncs wait, so answers stay held as
// long as a test needs; while the file `fail` exists they fail with EIO.
describe('answers held for the fsync (failsync.so)', { skip: SQLITE_ONLY }, () => {
  const failsync = process.env.KILN_TEST_FAILSYNC
    ? path.resolve(process.env.KILN_TEST_FAILSYNC) : path.join(path.dirname(KILN_BIN), 'tests', 'failsync.so');
  const project = (key) => ({ key, name: `Fsync ${key}`, projectTypeKey: 'business' });
  const metric = async (kf, name) => {
    const r = await kf.api('/metrics');
    expectStatus(r, 200, '/metrics');
    const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(r.text);
    assert.ok(m, `${name} in /metrics`);
    return Number(m[1]);
  };
  const poll = async (what, fn, ms = 30000) => {
    for (const end = Date.now() + ms; !(await fn());) {
      assert.ok(Date.now() < end, `${what}: not within ${ms} ms`);
      await sleep(50);
    }
  };
  const logged = (kf, text) => kf.stderrLines.some((l) => l.includes(text)); // the log is a pipe: polled
  let dir;
  const flag = (name) => path.join(dir, name);
  async function start(opts = {}) {
    assert.ok(existsSync(failsync), `${failsync} is built (make ${path.relative(process.cwd(), failsync)})`);
    dir = trackTempDir(mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-failsync-')));
    const pre = process.env.KILN_TEST_PRELOAD ? `${path.resolve(process.env.KILN_TEST_PRELOAD)}:` : '';
    return startKiln({
      ...opts,
      env: {
        LD_PRELOAD: `${pre}${failsync}`, FAILSYNC_FLAG: flag('fail'), FAILSYNC_HOLD: flag('hold'),
        FAILSYNC_HOLD_DB: flag('holddb'),
        ASAN_OPTIONS: [process.env.ASAN_OPTIONS, 'verify_asan_link_order=0'].filter(Boolean).join(':'),
      },
    });
  }
  // A write sent while the syncer's fsyncs are held: resolves once kiln holds its answer
  // (kiln_store_answers_held_total grew), with the pending response as {res} (a promise
  // returned bare would be awaited with it). `send` makes the request (default: a project).
  async function heldWrite(kf, s, key, send = () => kf.jira(s.cloudId, '/project', {
    token: s.token, method: 'POST', allowError: true, timeout: 60000, body: project(key) })) {
    const held0 = await metric(kf, 'kiln_store_answers_held_total');
    writeFileSync(flag('hold'), '');
    const res = send().catch((e) => ({ status: 0, error: e }));
    await poll('the answer is held', async () => (await metric(kf, 'kiln_store_answers_held_total')) > held0);
    return { res };
  }

  it('a failed fsync fails the answers it held, then kiln takes no writes (503, says why) until restarted; reads go on', async () => {
    const kf = await start();
    try {
      const s = await kf.siteWithToken('fsync-a', false);
      assert.equal(await metric(kf, 'kiln_store_writes_stopped'), 0);
      const { res } = await heldWrite(kf, s, 'FAILED');
      writeFileSync(flag('fail'), '');
      rmSync(flag('hold'));
      const r = await res;
      rmSync(flag('fail')); // fsyncs work again: kiln must not believe them (fsyncgate)
      assert.equal(r.status, 500, describeRes(r));
      assert.match(r.text, /could not be made durable.*no more writes until it is restarted/);
      await poll('the log names the failed fsync and the write answered 500',
        () => logged(kf, 'kiln takes no more writes until it is restarted') && logged(kf, 'its fsync failed'));
      const after = await kf.jira(s.cloudId, '/project', { token: s.token, method: 'POST', allowError: true, body: project('AFTER') });
      assert.equal(after.status, 503, `a write after the failed fsync is refused\n${describeRes(after)}`);
      assert.match(after.text, /kiln takes no writes: an fsync of its store failed/);
      assert.equal(await metric(kf, 'kiln_store_writes_stopped'), 1);
      const read = await kf.jira(s.cloudId, '/project/search', { token: s.token });
      expectStatus(read, 200, 'a read after the failed fsync');
      assert.ok(!read.json.values.some((p) => p.key === 'AFTER'), 'the refused write left nothing');
      await kf.restart();
      assert.equal(await metric(kf, 'kiln_store_writes_stopped'), 0);
      expectStatus(await kf.jira(s.cloudId, '/project', { token: s.token, method: 'POST', body: project('RESTART') }), 201, 'a write after a restart');
    } finally {
      rmSync(flag('hold'), { force: true });
      rmSync(flag('fail'), { force: true });
      await kf.close();
    }
  });

  it('a client that goes away while its answer is held: the write stays, nothing crashes or leaks, kiln serves on', async () => {
    const kf = await start();
    try {
      const s = await kf.siteWithToken('fsync-gone', false);
      const held0 = await metric(kf, 'kiln_store_answers_held_total');
      writeFileSync(flag('hold'), '');
      const body = JSON.stringify(project('GONE'));
      const sock = net.connect({ host: '127.0.0.1', port: kf.port });
      await new Promise((resolve, reject) => { sock.on('connect', resolve); sock.on('error', reject); });
      sock.on('error', () => {});
      sock.write(`POST /ex/jira/${s.cloudId}/rest/api/3/project HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${s.token}\r\n`
        + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      await poll('the answer is held', async () => (await metric(kf, 'kiln_store_answers_held_total')) > held0);
      sock.destroy(); // gone before the fsync: the held answer has no one to go to
      await new Promise((resolve) => { sock.on('close', resolve); if (sock.closed) resolve(); });
      rmSync(flag('hold'));
      const got = await kf.jira(s.cloudId, '/project/GONE', { token: s.token, allowError: true });
      expectStatus(got, 200, 'the write of the client that went away is committed');
      expectStatus(await kf.jira(s.cloudId, '/project', { token: s.token, method: 'POST', body: project('NEXT') }), 201, 'the next write');
      const r = await kf.stop('SIGTERM');
      assert.equal(r.code, 0, `a clean stop, no held answer left behind: ${JSON.stringify(r)}`);
    } finally {
      rmSync(flag('hold'), { force: true });
      await kf.close(); // a sanitizer report (use after free, leak) fails here
    }
  });

  // The WAL checkpoint (docs/store.md "the checkpointer"): a commit that grows the WAL
  // past 1,000 pages has it checkpointed by the checkpointer thread, not by its own HTTP
  // thread. With the database file's fsync held (FAILSYNC_HOLD_DB: only a checkpoint syncs
  // it) a checkpoint lasts as long as the hold; on one HTTP thread, every write must still
  // be answered meanwhile. (Before the checkpointer, the HTTP thread whose commit crossed
  // the threshold ran the checkpoint itself and answered nothing until the hold ended.)
  it('a checkpoint held in its fsync holds no HTTP thread: writes on the one thread are answered meanwhile', async () => {
    const kf = await start({ threads: 1 });
    try {
      const s = await kf.siteWithToken('fsync-ckpt', false);
      expectStatus(await kf.jira(s.cloudId, '/project', { method: 'POST', token: s.token,
        body: { key: 'CKPT', name: 'Checkpoint', projectTypeKey: 'software', leadAccountId: s.accountId } }), 201, 'project');
      const db = path.join(kf.dataDir, 'kiln.db');
      const walBytes = () => (existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0);
      const pastThreshold = 32 + 1000 * (24 + 4096); // the WAL's header and 1,000 frames of 4 KiB pages
      writeFileSync(flag('holddb'), '');
      const dbBytes0 = statSync(db).size;
      const words = (n) => Array.from({ length: n }, () => randomUUID().slice(0, 8)).join(' ');
      let after = 0; // writes answered after the WAL passed the threshold
      for (let n = 0; after < 20; n++) {
        assert.ok(n < 3000, `the WAL passed ${pastThreshold} bytes within 3,000 writes (at ${walBytes()})`);
        const past = walBytes() >= pastThreshold;
        const r = await kf.jira(s.cloudId, '/issue', { method: 'POST', token: s.token, allowError: true, timeout: 20000,
          body: { fields: { project: { key: 'CKPT' }, summary: `ckpt ${n}`, issuetype: { name: 'Task' },
            description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: words(3000) }] }] } } } });
        assert.ok(!r.error && r.status === 201, `write ${n} (WAL ${walBytes()} bytes, ${after} past the threshold) answered while a checkpoint is held\n${describeRes(r)}`);
        if (past) after++;
      }
      // a checkpoint did run under the hold: it copied pages into the database file and waits for its fsync
      assert.ok(statSync(db).size > dbBytes0, `the checkpoint copied into the database (${statSync(db).size} <= ${dbBytes0})`);
      rmSync(flag('holddb'));
      expectStatus(await kf.jira(s.cloudId, '/issue/CKPT-1', { token: s.token }), 200, 'a read after the hold');
      const st = await kf.stop('SIGTERM');
      assert.equal(st.code, 0, `a clean stop: ${JSON.stringify(st)}`);
    } finally {
      rmSync(flag('holddb'), { force: true });
      await kf.close();
    }
  });

  it('the delivery engine acts on a pass only once it is durable: no trigger runs while the fsync covering its event is held', async () => {
    requireForge('api');
    const kf = await start();
    try {
      const s = await kf.siteWithToken('fsync-engine', false);
      expectStatus(await kf.jira(s.cloudId, '/project', { method: 'POST', token: s.token,
        body: { key: 'ENG', name: 'Engine', projectTypeKey: 'software', leadAccountId: s.accountId } }), 201, 'project');
      const { dir } = await deployApp(kf, 'fsyncapp', {
        'manifest.yml': `modules:
  trigger:
    - key: on-created
      function: created-fn
      events:
        - avi:jira:created:issue
  function:
    - key: created-fn
      handler: index.onCreated
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`,
        'src/index.js': 'export async function onCreated(event) { console.log(`created ${event.issue.id}`); }\n',
      });
      await cliOkJson(kf, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
      const started = async () => {
        const r = await kf.api('/metrics');
        return [...r.text.matchAll(/^kiln_invocations_started_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      };
      const mine = (ds) => ds.filter((d) => d.module === 'on-created');
      const started0 = await started();
      const held0 = await metric(kf, 'kiln_store_answers_held_total');
      writeFileSync(flag('hold'), '');
      const res = kf.jira(s.cloudId, '/issue', { method: 'POST', token: s.token, timeout: 60000, allowError: true,
        body: { fields: { project: { key: 'ENG' }, summary: 'held', issuetype: { name: 'Task' } } } });
      await poll('the answer is held', async () => (await metric(kf, 'kiln_store_answers_held_total')) > held0);
      // the engine's pass read the event and committed its delivery (other threads see a
      // commit before its fsync), and waits for that fsync to act on it
      await until('the pass committed the delivery', () => deliveries(kf, { site: s.name }), { pred: (ds) => mine(ds).length === 1, ms: 30000 });
      for (let i = 0; i < 20; i++) { // an engine that did not wait launches at once after its commit
        assert.equal(await started(), started0, 'no trigger runs before the fsync covering its event and its delivery ended');
        await sleep(50);
      }
      rmSync(flag('hold'));
      expectStatus(await res, 201, 'the issue, once its fsync ended');
      await until('delivered, once', () => deliveries(kf, { site: s.name }), { pred: (ds) => mine(ds).length === 1 && mine(ds)[0].state === 'delivered', ms: 60000 });
      assert.ok((await started()) > started0, 'the trigger ran once durable');
    } finally {
      rmSync(flag('hold'), { force: true });
      await kf.close();
    }
  });

  for (const fail of [false, true]) {
    it(`shutdown with an answer held past the drain period: it is ${fail ? 'failed (the fsync fails)' : 'sent once the fsync ends'}, never dropped; kiln exits 0`, async () => {
      const kf = await start();
      try {
        const s = await kf.siteWithToken('fsync-stop', false);
        // a write that makes no product event (a token): no pass of the delivery engine
        // waits for the held fsync, so no stopping thread waits in the engine's stop
        const { res } = await heldWrite(kf, s, 'STOP', () => kf.admin(`/sites/${s.name}/tokens`, {
          method: 'POST', body: {}, allowError: true, timeout: 60000 }));
        if (fail) writeFileSync(flag('fail'), '');
        const t0 = Date.now();
        const stopped = kf.stop('SIGTERM', { timeout: 60000 });
        // held past the drain period (HTTP_DRAIN_MS, 10 s), after which other requests are
        // given up: waited out, as a stopping thread may itself wait for the held fsync (a
        // tick's write) and then has nothing to say
        await sleep(11000 - (Date.now() - t0));
        rmSync(flag('hold'));
        const r = await res;
        if (fail) {
          assert.equal(r.status, 500, `the held answer is failed\n${describeRes(r)}`);
          assert.match(r.text, /could not be made durable/);
        } else {
          expectStatus(r, 201, 'the held answer, once its fsync ended');
        }
        const st = await stopped;
        assert.equal(st.code, 0, `kiln exits 0: ${JSON.stringify(st)}`);
        assert.ok(logged(kf, "answers wait for the store's fsync"), 'the log says a stopping thread waited for a held answer');
        if (!fail) {
          await kf.start();
          expectStatus(await kf.jira(s.cloudId, '/project/search', { token: r.json.token }), 200, 'the acknowledged token after a restart');
        }
      } finally {
        rmSync(flag('hold'), { force: true });
        rmSync(flag('fail'), { force: true });
        await kf.close();
      }
    });
  }
});
