// Store threads (http/offload.h, docs/scale.md "Store threads"): on PostgreSQL a request's
// database work runs off the event loop, so a database answer that is slow holds only the
// request that waits for it. kiln runs one HTTP thread (--threads 1: every connection on the
// same loop); another session holds an ACCESS EXCLUSIVE lock on kiln.issues, so an issue GET
// waits for the lock (up to kiln's lock deadline). Meanwhile, on other connections of that
// same thread, /healthz and a project search answer at once. The same run against
// --store-threads 0 (the loop waits for the database itself) shows the test can fail: there
// /healthz waits as long as the issue GET holds the loop.
//
// Always PostgreSQL (its own database on the test process's cluster), so the suite runs it
// once (Makefile E2E_PG_SKIP).
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startKiln, expectStatus, describeRes, httpRequest } from './lib/kiln.mjs';

const kilns = [];
after(async () => { for (const k of kilns) await k.close(); });

/** psql on the kiln's database holding ACCESS EXCLUSIVE on `table` until release(). */
async function lockTable(url, table) {
  const p = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stderr.on('data', (c) => { err += c; });
  await new Promise((resolve, reject) => {
    p.stdout.on('data', (c) => { out += c; if (out.includes('locked')) resolve(); });
    p.on('exit', (code) => reject(new Error(`psql exited ${code}: ${err}`)));
    p.stdin.write(`BEGIN; LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n`);
  });
  let released = null;
  return {
    release: () => (released ??= new Promise((resolve) => {
      p.removeAllListeners('exit');
      p.on('exit', resolve);
      p.stdin.end('ROLLBACK;\n\\q\n');
    })),
  };
}

/** A kiln on PostgreSQL with one HTTP thread, a site, a project and one issue. */
async function setup(storeThreads) {
  const k = await startKiln({ store: 'postgres', threads: 1, extraArgs: ['--store-threads', String(storeThreads)] });
  kilns.push(k);
  const s = await k.siteWithToken(`slow${storeThreads}`);
  expectStatus(await k.jira(s.cloudId, '/project', {
    token: s.token, method: 'POST',
    body: { key: 'SLOW', name: 'Slow', projectTypeKey: 'software', leadAccountId: s.accountId } }), 201, 'project');
  expectStatus(await k.jira(s.cloudId, '/issue', {
    token: s.token, method: 'POST',
    body: { fields: { project: { key: 'SLOW' }, summary: 'slow', issuetype: { name: 'Task' } } } }), 201, 'issue');
  return { k, s };
}

/** While kiln.comments is locked: the comments GET started, then how long /healthz and a
 * project search took on other connections to the same thread, and the GET's answer. */
async function underLock(k, s) {
  const lock = await lockTable(k.storeUrl, 'kiln.comments');
  try {
    const slow = k.jira(s.cloudId, '/issue/SLOW-1/comment', { token: s.token, timeout: 30000 });
    await new Promise((r) => setTimeout(r, 300)); // the GET is waiting for the lock now
    let t0 = Date.now();
    const health = await httpRequest(k.port, '/healthz', { timeout: 30000 });
    const healthMs = Date.now() - t0;
    t0 = Date.now();
    const search = await k.jira(s.cloudId, '/project/search', { token: s.token, timeout: 30000 });
    const searchMs = Date.now() - t0;
    await lock.release();
    return { health, healthMs, search, searchMs, slow: await slow };
  } finally {
    await lock.release();
  }
}

describe('a slow database answer on PostgreSQL', () => {
  it('holds only its own request: the thread answers its other connections at once', async () => {
    const { k, s } = await setup(4);
    const r = await underLock(k, s);
    expectStatus(r.health, 200, '/healthz');
    expectStatus(r.search, 200, 'a project search');
    assert.ok(r.healthMs < 500, `/healthz took ${r.healthMs} ms while another request waited for the database`);
    assert.ok(r.searchMs < 1000, `a project search took ${r.searchMs} ms while another request waited for the database`);
    // the waiting GET: its comments once the lock went, or an error if kiln's lock deadline came first
    assert.ok(r.slow.status === 200 || r.slow.status >= 500, `the comments GET\n${describeRes(r.slow)}`);
    expectStatus(await k.jira(s.cloudId, '/issue/SLOW-1/comment', { token: s.token }), 200, 'the comments after the lock');
    const m = String((await httpRequest(k.port, '/metrics')).body);
    assert.match(m, /^kiln_store_threads 4$/m);
    assert.ok(Number(/^kiln_store_thread_jobs_total (\d+)/m.exec(m)[1]) >= 3, `the three GETs ran on store threads\n${m}`);
  });

  it('without store threads (--store-threads 0) the whole thread waits: what the test above would see', async () => {
    const { k, s } = await setup(0);
    const r = await underLock(k, s);
    expectStatus(r.health, 200, '/healthz');
    assert.ok(r.healthMs >= 1000, `/healthz took only ${r.healthMs} ms: the loop did not wait for the database`);
    assert.match(String((await httpRequest(k.port, '/metrics')).body), /^kiln_store_threads 0$/m);
  });
});
