// Background work across nodes (docs/scale.md "Scheduled triggers across nodes", "Deploy
// snapshots"): kiln nodes on one private PostgreSQL, each started with --test-clock (each
// node's scheduler clock stands at its own start time plus the advances it is given).
//
//  1. Both nodes hold an installation's fiveMinute trigger (B started after the install,
//     so its start loaded the row) and both are advanced past the same slots, at the same
//     moment: each slot gives one delivery across the two nodes, not one per node. Before
//     the claim (store_schedule_claim), every slot ran twice, once per node.
//  2. A site installed on A while B runs (B never had the install's notice), then A killed
//     -9: B, advanced past that installation's slot, takes the due row into its own
//     timetable and fires it, once. Before, B's timetable lacked it and the slot never ran
//     while A was down.
//  3. A version deployed before the database kept snapshots (its SHA-256 and chunks wiped
//     by hand, as migration 23 found it), and a fetch temporary a killed node left in A's
//     data dir: a new node C (its own data dir) cannot run the version; A restarted copies
//     its file into the database and removes the temporary at start; then C runs it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kiln, runCli, expectCliOk, expectStatus, cliOkJson, tempDir } from './lib/kiln.mjs';
import { deployApp, until } from './lib/events.mjs';
import { startPg } from './lib/pg.mjs';

const FIVE = 5 * 60 * 1000;

const MANIFEST = `modules:
  scheduledTrigger:
    - key: every-five
      function: tick
      interval: fiveMinute
  function:
    - { key: tick, handler: index.tick }
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - storage:app
`;

const SRC = `export async function tick() {
  return { statusCode: 204 };
}
`;

describe('background work across nodes on one PostgreSQL', () => {
  let pg, A, B, C, S1, S2, dir, opts;

  const advance = async (k, ms) => {
    const r = await k.admin('/scheduler/advance', { method: 'POST', body: { ms } });
    expectStatus(r, 200, `advance ${ms}`);
    return r.json;
  };
  /** The site's scheduledTrigger rows as node k lists them: {now, next} of every-five. */
  const schedule = async (k, site) => {
    const r = await k.admin(`/scheduler?site=${site.name}`);
    expectStatus(r, 200, 'scheduler');
    const row = r.json.schedules.find((s) => s.moduleKey === 'every-five');
    return { now: r.json.now, next: row?.nextRunMs };
  };
  /** The site's scheduled deliveries (every node's: one table). */
  const runsOf = async (k, site) => {
    const r = await k.admin(`/deliveries?site=${site.name}&limit=1000`);
    expectStatus(r, 200, 'deliveries');
    return r.json.deliveries.filter((d) => d.source === 'schedule' && d.module === 'every-five');
  };

  before(async () => {
    pg = await startPg();
    await pg.psql('CREATE DATABASE kiln');
    const url = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln?');
    const key = path.join(tempDir('schednodes-key'), 'master.key');
    expectCliOk(await runCli(['keys', 'new-master', key]));
    opts = { store: 'sqlite', extraArgs: ['--store', url, '--key-file', key, '--test-clock'], threads: 1 };
    A = new Kiln(opts);
    B = new Kiln(opts);
    await A.start();
    S1 = await A.siteWithToken('sched-n1');
    S2 = await A.siteWithToken('sched-n2');
    ({ dir } = await deployApp(A, 'schednodes', { 'manifest.yml': MANIFEST, 'src/index.js': SRC, 'package.json': JSON.stringify({ name: 'schednodes', private: true }) }));
    await cliOkJson(A, ['install', '--site', S1.name, '--confirm-scopes', '--json'], { cwd: dir });
    await until('A wrote S1\'s schedule row', async () => (await schedule(A, S1)).next);
    await B.start(); // loads S1's row at start
  });
  after(async () => {
    await C?.close();
    await B?.close();
    await A?.close();
    await pg?.stop();
  });

  it('both nodes advanced past the same slots at once: each slot runs once, not once per node', async () => {
    const first = (await schedule(A, S1)).next;
    let maxNow = 0;
    for (let i = 0; i < 4; i++) {
      const [a, b] = await Promise.all([advance(A, FIVE), advance(B, FIVE)]);
      maxNow = Math.max(maxNow, a.now, b.now);
    }
    // the slots of every-five from its first up to the later node's clock, each once
    const slots = Math.floor((maxNow - first) / FIVE) + 1;
    assert.ok(slots >= 4, `${slots} slots passed`);
    const settled = (d) => d.every((x) => !['pending', 'running'].includes(x.state));
    const done = await until(`${slots} runs ended`, async () => {
      const d = await runsOf(B, S1);
      return d.length >= slots && settled(d) ? d : null;
    }, { ms: 60000 });
    await advance(A, 1); // a turn of each node's scheduler: nothing more is due on either
    await advance(B, 1);
    const after = await runsOf(A, S1);
    console.log(`background_nodes: ${slots} slots passed on two nodes: ${after.length} deliveries`);
    assert.equal(done.length, slots, `one delivery per slot (${slots}), not one per node`);
    assert.deepEqual(done.map((x) => x.state), done.map(() => 'delivered'), 'each delivered');
    assert.equal(after.length, slots, 'and no more after');
    const row = await schedule(B, S1);
    assert.ok(row.next > maxNow, 'the row\'s next run is after both clocks');
  });

  it('an installation made on A, A killed -9: B fires its due slot, once', async () => {
    await cliOkJson(A, ['install', '--site', S2.name, '--confirm-scopes', '--json'], { cwd: dir });
    const row = await until('A wrote S2\'s schedule row', async () => (await schedule(A, S2)).next);
    A.expectExit({ signal: 'SIGKILL' });
    await A.kill9();
    const { now } = await schedule(B, S2);
    // past the row's slot on B's clock (B never had the install's notice)
    const r = await advance(B, Math.max(0, row - now) + 1000);
    assert.ok(r.now >= row, 'B\'s clock is past the slot');
    const done = await until('B ran S2\'s slot', async () => {
      const d = await runsOf(B, S2);
      return d.length >= 1 && d.every((x) => x.state === 'delivered') ? d : null;
    }, { ms: 30000 });
    await advance(B, 1);
    assert.equal(done.length, 1, 'one delivery for the one slot');
    assert.equal((await runsOf(B, S2)).length, 1, 'and no more');
    assert.ok((await schedule(B, S2)).next > r.now, 'the row moved to the next slot');
  });

  it('a version deployed before the database kept snapshots: backfilled by the node with its file at start; a killed fetch\'s temporary removed', async () => {
    assert.equal((await B.stop('SIGTERM')).code, 0, 'B stops: its copy of the snapshot would run the version anyway');
    const db = { db: 'kiln' };
    const snap = await pg.psql('SELECT snapshot FROM kiln.versions', db);
    assert.match(snap, /^snapshots\/[^\n]+\.tar$/, 'one version');
    // as migration 23 found a version deployed before it: no SHA-256, no chunks
    await pg.psql("UPDATE kiln.versions SET snapshot_sha256 = ''; DELETE FROM kiln.snapshot_chunks", db);
    const temp = path.join(A.dataDir, `${snap}.fetch-0123456789abcdef`);
    writeFileSync(temp, 'half a fetch');
    const slotOn = async (k, site) => {
      const { now, next } = await schedule(k, site);
      return advance(k, Math.max(0, next - now) + 1000);
    };
    // C, a new node with a data dir of its own, cannot run it
    C = new Kiln(opts);
    await C.start();
    const before = (await runsOf(C, S1)).length;
    await slotOn(C, S1);
    const refused = await until('C\'s run ended', async () => {
      const d = await runsOf(C, S1);
      return d.length > before && ['dead', 'failed'].includes(d.at(-1).state) ? d : null;
    }, { ms: 30000 });
    assert.equal(refused.length, before + 1, 'one run, not delivered');
    assert.ok(C.stderrLines.some((l) => l.includes('no snapshot SHA-256')), 'C said why');
    // A restarted on its data dir (it has the file): copies it, and removes the temporary
    await A.start();
    const copied = A.stderrLines.find((l) => l.includes("older versions' snapshots copied into the database"));
    assert.ok(copied, 'A copied the snapshot at start');
    assert.equal(JSON.parse(copied).count, '1');
    const removed = A.stderrLines.find((l) => l.includes('temporaries of interrupted fetches removed'));
    assert.ok(removed && JSON.parse(removed).count === '1', 'A removed the temporary at start');
    assert.ok(!existsSync(temp), 'the temporary is gone');
    const file = readFileSync(path.join(A.dataDir, snap));
    const sha = createHash('sha256').update(file).digest('hex');
    assert.equal(await pg.psql('SELECT snapshot_sha256 FROM kiln.versions', db), sha, 'the version has its file\'s SHA-256');
    assert.equal(await pg.psql("SELECT encode(sha256(string_agg(bytes, ''::bytea ORDER BY idx)), 'hex') FROM kiln.snapshot_chunks", db), sha, 'and its chunks are the file');
    assert.equal((await A.stop('SIGTERM')).code, 0, 'A stops: C alone runs the next slot');
    // C runs it now, from the database
    await slotOn(C, S1);
    const ran = await until('C ran the next slot', async () => {
      const d = await runsOf(C, S1);
      return d.length > refused.length && ['delivered', 'dead'].includes(d.at(-1).state) ? d : null;
    }, { ms: 30000 });
    assert.equal(ran.at(-1).state, 'delivered', 'C ran the version from the database');
    // a second start finds nothing left to copy
    await A.start();
    assert.ok(!A.stderrLines.some((l) => l.includes("older versions' snapshots copied")), 'nothing copied twice');
  });
});
