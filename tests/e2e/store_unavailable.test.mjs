// STORE_UNAVAILABLE over HTTP (store.h, http/reply.c): another process holds the SQLite
// database's write lock past the busy timeout (`sqlite3 DATA/kiln.db` with BEGIN EXCLUSIVE,
// as an operator's shell could), so kiln cannot write now. Every plane answers such a write
// 503 with Retry-After and a message that names nothing of the request (the admin API in
// its {code,message} shape, the product API in Jira's), reads go on, the CLI exits with one
// clear line; once the lock is gone the same writes succeed. Two sites, so the message is
// seen to name neither.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startKiln, expectStatus, describeRes, kilnCli, expectCliFailure, expectCliOk } from './lib/kiln.mjs';

const MSG = 'The store is unavailable now; retry later.';
let k;
let A;
let B;

/** `sqlite3 DB` holding BEGIN EXCLUSIVE until release() (resolves once the lock is held). */
async function lockDb(db) {
  const p = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stderr.on('data', (c) => { err += c; });
  await new Promise((resolve, reject) => {
    p.stdout.on('data', (c) => { out += c; if (out.includes('locked')) resolve(); });
    p.on('exit', (code) => reject(new Error(`sqlite3 exited ${code}: ${err}`)));
    p.stdin.write("BEGIN EXCLUSIVE;\nSELECT 'locked';\n");
  });
  return {
    release: () => new Promise((resolve) => {
      p.removeAllListeners('exit');
      p.on('exit', resolve);
      p.stdin.end('ROLLBACK;\n.quit\n');
    }),
  };
}

function expectUnavailable(res, what) {
  expectStatus(res, 503, what);
  assert.equal(res.headers['retry-after'], '2', `${what}: Retry-After\n${describeRes(res)}`);
  for (const s of [A, B]) {
    assert.ok(!res.body.includes(s.cloudId) && !res.body.includes(s.name), `${what}: names a site\n${describeRes(res)}`);
  }
}

before(async () => {
  k = await startKiln();
  A = await k.siteWithToken('away-a');
  B = await k.siteWithToken('away-b');
});
after(async () => { await k?.close(); });

describe('the SQLite write lock held by another process', () => {
  it('writes answer 503 + Retry-After on every plane, reads go on, the CLI says so; then all succeed', async () => {
    const lock = await lockDb(path.join(k.dataDir, 'kiln.db'));
    let released = false;
    try {
      const t0 = Date.now();
      const site = await k.admin('/sites', { method: 'POST', body: { name: 'away-c' }, timeout: 30000 });
      expectUnavailable(site, 'admin: create a site');
      assert.deepEqual(site.json, { code: 503, message: MSG });
      assert.ok(Date.now() - t0 >= 4000, 'answered before the busy timeout ran out');

      const proj = await k.jira(A.cloudId, '/project', {
        token: A.token, method: 'POST', timeout: 30000,
        body: { key: 'AWAY', name: 'Away', projectTypeKey: 'software' },
      });
      expectUnavailable(proj, 'product: create a project');
      assert.deepEqual(proj.json, { errorMessages: [MSG], errors: {} });

      const read = await k.jira(B.cloudId, '/project/search', { token: B.token });
      expectStatus(read, 200, 'a read while the lock is held');

      const cli = await kilnCli(k, ['site', 'create', 'away-d']);
      expectCliFailure(cli, /unavailable now; retry later/);

      await lock.release();
      released = true;
      expectStatus(await k.admin('/sites', { method: 'POST', body: { name: 'away-c' } }), 201, 'after: create a site');
      expectStatus(await k.jira(A.cloudId, '/project', {
        token: A.token, method: 'POST', body: { key: 'AWAY', name: 'Away', projectTypeKey: 'software' },
      }), 201, 'after: create a project');
      expectCliOk(await kilnCli(k, ['site', 'create', 'away-d']));
    } finally {
      if (!released) await lock.release();
    }
  });
});
