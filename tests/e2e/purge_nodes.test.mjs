// Purges across nodes (docs/scale.md "Purges across nodes"): two kiln nodes on one private
// PostgreSQL, each purging every 500 ms (KILN_PURGE_INTERVAL_MS). Thread 0's purge turn is
// claimed for its run (store_work_claim: a session-level advisory lock), so one node at a
// time runs it and the other skips its turn.
//
// The purge is made to last: expired sign-in links whose rows this test holds locked
// (SELECT ... FOR UPDATE in a psql session of its own), so the purging node's
// `DELETE FROM login_links` waits on them (up to the nodes' 2 s lock_timeout) while it
// holds the claim. Meanwhile the other node's turns come due and are skipped
// (kiln_purge_turns_total{outcome="skipped"}), and pg_stat_activity never shows two purges
// waiting at once. Without the claim no turn is skipped: every turn of both nodes runs,
// each waiting its turn behind the other's (the DELETE holds the admin path's write turn,
// pg_lock_site of site 0, so the statements themselves were serialised already; what the
// claim saves is the duplicated work and the waits). Then the node that claimed a turn is
// killed -9 while it holds it: its sessions end, and the other node takes a later turn
// and, once the rows are let go, deletes them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Kiln, runCli, expectCliOk, expectStatus, tempDir, sleep } from './lib/kiln.mjs';
import { until } from './lib/events.mjs';
import { startPg } from './lib/pg.mjs';

const INTERVAL_MS = 500;
const WAITING = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'kiln' AND wait_event_type = 'Lock' " +
  "AND query LIKE 'DELETE FROM login_links%'";

describe('purges across nodes on one PostgreSQL', () => {
  let pg, A, B, site, holder;
  const db = { db: 'kiln' };

  /** A node's purge turns from its /metrics: {ran, skipped}. */
  const turns = async (k) => {
    const r = await k.api('/metrics');
    expectStatus(r, 200, '/metrics');
    const { text } = r;
    const v = (o) => Number(text.match(new RegExp(`^kiln_purge_turns_total\\{outcome="${o}"\\} (\\d+)$`, 'm'))?.[1]);
    return { ran: v('ran'), skipped: v('skipped') };
  };

  /** A psql session of the test's own, held open: BEGIN and lock the site's sign-in links. */
  const holdLinks = async () => {
    const p = spawn('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', pg.host, '-p', String(pg.port),
      '-U', pg.user, '-d', 'kiln'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.stdin.write(`BEGIN; SELECT count(*) FROM (SELECT 1 FROM kiln.login_links WHERE site_id = ${site} FOR UPDATE) l; SELECT 'locked';\n`);
    await until('the links locked', async () => out.includes('locked'), { ms: 10000 });
    return {
      async release() {
        p.stdin.end('ROLLBACK;\n');
        await new Promise((r) => p.on('close', r));
      },
    };
  };

  /** Links of the site that expire `ms` from now (in the database: not purged before). */
  const addLinks = (n, ms) => pg.psql(`INSERT INTO kiln.login_links (token_hash, site_id, account_id, created_ms, ` +
    `expires_ms) SELECT sha256(convert_to(${Date.now()} || '-' || i, 'UTF8')), ${site}, 'acct', 1, ` +
    `(extract(epoch FROM clock_timestamp()) * 1000)::bigint + ${ms} FROM generate_series(1, ${n}) i`, db);
  const linksLeft = async () => Number(await pg.psql(`SELECT count(*) FROM kiln.login_links WHERE site_id = ${site}`, db));

  before(async () => {
    pg = await startPg();
    await pg.psql('CREATE DATABASE kiln');
    const url = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln?');
    const key = path.join(tempDir('purgenodes-key'), 'master.key');
    expectCliOk(await runCli(['keys', 'new-master', key]));
    // two threads: /metrics answers while thread 0 waits in a purge (when the connection
    // is thread 1's: one that thread 0 accepted waits for it, which delays what the test sees)
    const opts = { store: 'sqlite', extraArgs: ['--store', url, '--key-file', key], threads: 2,
      env: { KILN_PURGE_INTERVAL_MS: String(INTERVAL_MS) } };
    A = new Kiln(opts);
    B = new Kiln(opts);
    await A.start();
    await B.start();
    await A.siteWithToken('purge-n1');
    site = Number(await pg.psql("SELECT id FROM kiln.sites WHERE name = 'purge-n1'", db));
    assert.ok(site > 0, 'the site is in the database');
  });
  after(async () => {
    await holder?.release().catch(() => {});
    await B?.close();
    await A?.close();
    await pg?.stop();
  });

  for (const bad of ['10', '3600001', 'soon']) {
    it(`KILN_PURGE_INTERVAL_MS=${bad} refuses to start, naming it`, async () => {
      const r = await runCli(['serve', '--data', tempDir('purge-bad'), '--listen', '127.0.0.1:0'], { env: { KILN_PURGE_INTERVAL_MS: bad } });
      assert.equal(r.code, 1, `exit 1: ${r.stderr}`);
      assert.match(r.stderr, /KILN_PURGE_INTERVAL_MS must be a number of ms from 500 to 3600000/);
    });
  }

  it('both nodes purge, each turn on one node: never two at once, the other skips', async () => {
    // both nodes' turns come due and run (a purge with nothing held is milliseconds long)
    await until('both nodes ran purge turns', async () => {
      const [a, b] = await Promise.all([turns(A), turns(B)]);
      return a.ran >= 2 && b.ran >= 2;
    }, { ms: 20000 });
    // expired links purged by whichever node comes first
    await addLinks(5, 0);
    await until('expired links purged', async () => (await linksLeft()) === 0, { ms: 10000 });

    // links that expire in 2 s, locked by the test before then: each purge waits on them
    await addLinks(20, 2000);
    holder = await holdLinks();
    await sleep(2100); // expired now
    const [a0, b0] = await Promise.all([turns(A), turns(B)]);
    let most = 0, seen = 0, polls = 0;
    const end = Date.now() + 8000;
    while (Date.now() < end) {
      const n = Number(await pg.psql(WAITING));
      most = Math.max(most, n);
      seen += n > 0;
      polls++;
      await sleep(40);
    }
    const [a1, b1] = await Promise.all([turns(A), turns(B)]);
    const ran = a1.ran - a0.ran + b1.ran - b0.ran, skipped = a1.skipped - a0.skipped + b1.skipped - b0.skipped;
    console.log(`purge_nodes: 8 s with the links locked: ${polls} polls, a purge waiting in ${seen}, at most ${most} at once; ` +
      `turns run A ${a1.ran - a0.ran}, B ${b1.ran - b0.ran}; skipped A ${a1.skipped - a0.skipped}, B ${b1.skipped - b0.skipped}`);
    assert.ok(seen > 0, 'a purge waited on the locked links');
    assert.equal(most, 1, 'never two purges at once');
    assert.ok(ran >= 1, `purge turns ran (${ran})`);
    assert.ok(skipped >= 1, `turns that came due while the other node purged were skipped (${skipped})`);
    assert.equal(await linksLeft(), 20, 'nothing deleted while the rows are held');
  });

  it('the node purging is killed -9: the other takes the next turn and finishes the purge', async () => {
    // the node whose turn starts next holds the claim for ~2 s (its DELETE waits on the rows)
    const [a0, b0] = await Promise.all([turns(A), turns(B)]);
    const started = await until('a node started a purge turn', async () => {
      const [a, b] = await Promise.all([turns(A), turns(B)]);
      if (a.ran > a0.ran) return { victim: A, other: B, otherRan: b.ran };
      if (b.ran > b0.ran) return { victim: B, other: A, otherRan: a.ran };
      return null;
    }, { ms: 10000 });
    const { victim, other } = started;
    await until('its purge waits, holding the claim', async () => Number(await pg.psql(WAITING)) === 1, { ms: 1500 });
    victim.expectExit({ signal: 'SIGKILL' });
    await victim.kill9();
    const killedAt = Date.now();
    // the other's turns since the victim's began: none could run while it held the claim
    await until('the other node took a turn', async () => (await turns(other)).ran > started.otherRan, { ms: 20000 });
    const took = Date.now() - killedAt;
    await until('its purge waits on the links', async () => Number(await pg.psql(WAITING)) === 1, { ms: 10000 });
    assert.equal(await linksLeft(), 20, 'still held');
    await holder.release();
    holder = null;
    await until('the survivor purged the links', async () => (await linksLeft()) === 0, { ms: 10000 });
    console.log(`purge_nodes: the purging node killed -9; the other took a turn after ${took} ms and purged the links`);
    assert.ok(took < 20000, `taken over within seconds (${took} ms)`);
  });
});
