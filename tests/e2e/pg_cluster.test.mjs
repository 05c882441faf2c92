// tools/pg-cluster and tests/e2e/lib/pg.mjs (issue 20, docs/scale.md "Test clusters"): two
// private PostgreSQL clusters started side by side, each its own server on its own socket
// (no TCP), run by an unprivileged user, independent of the other; stop removes one
// without touching the other; the tool refuses to start into or remove a directory that
// is not its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PG_CLUSTER, startPg } from './lib/pg.mjs';

const run = promisify(execFile);

// a process that exited but was not reaped yet (pg_ctl's server is a daemon: its parent is
// whatever reaps orphans here) counts as gone
function alive(pid) {
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function uidOf(pid) {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

test('two clusters side by side: own sockets, own data, unprivileged, stopped and removed', async () => {
  const [a, b] = await Promise.all([startPg(), startPg()]);
  try {
    assert.notEqual(a.dir, b.dir);
    assert.notEqual(a.pid, b.pid);
    for (const c of [a, b]) {
      assert.ok(alive(c.pid), `${c.dir}: postmaster ${c.pid} runs`);
      assert.ok(existsSync(path.join(c.dir, '.s.PGSQL.5432')), `${c.dir}: its socket is in its directory`);
      assert.equal(await c.psql('SHOW listen_addresses'), '', 'no TCP listener');
      assert.match(await c.psql('SELECT version()'), /^PostgreSQL 15\./);
      // PostgreSQL refuses root; the tool picks an unprivileged user when the tests are root
      const uid = uidOf(c.pid);
      if (process.getuid() === 0) assert.notEqual(uid, 0, 'the server does not run as root');
      else assert.equal(uid, process.getuid());
      assert.equal(await c.psql('SELECT current_setting(\'is_superuser\')'), 'on');
    }
    // what one cluster holds the other does not
    await a.psql('CREATE TABLE only_in_a (x int); INSERT INTO only_in_a VALUES (42)');
    assert.equal(await a.psql('SELECT x FROM only_in_a'), '42');
    await assert.rejects(b.psql('SELECT x FROM only_in_a'), /relation "only_in_a" does not exist/);

    // stopping one leaves the other running
    await a.stop();
    assert.equal(existsSync(a.dir), false, 'stop removes the directory');
    assert.equal(alive(a.pid), false, 'stop ends the server');
    assert.equal(await b.psql('SELECT 1'), '1');
    await run(PG_CLUSTER, ['status', b.dir]);
    await assert.rejects(run(PG_CLUSTER, ['status', a.dir]));
  } finally {
    for (const c of [a, b]) if (existsSync(c.dir)) await c.stop();
  }
  assert.equal(alive(b.pid), false);
});

test('pg-cluster refuses directories that are not its own', async () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'kiln-pg-refuse-'));
  try {
    writeFileSync(path.join(d, 'precious'), 'keep me');
    // start into a non-empty directory
    await assert.rejects(run(PG_CLUSTER, ['start', d]), (e) => /is not empty/.test(e.stderr));
    // stop of a directory it did not make removes nothing
    await assert.rejects(run(PG_CLUSTER, ['stop', d]), (e) => /not a pg-cluster directory/.test(e.stderr));
    assert.equal(readFileSync(path.join(d, 'precious'), 'utf8'), 'keep me');
    await assert.rejects(run(PG_CLUSTER, ['stop', path.join(d, 'missing')]), (e) => /no such directory/.test(e.stderr));
    await assert.rejects(run(PG_CLUSTER, ['bogus']), (e) => e.code === 2 && /usage/.test(e.stderr));
    // a path that would need quoting in the server's options is refused and left as it was
    const odd = path.join(d, "it's here");
    mkdirSync(odd);
    await assert.rejects(run(PG_CLUSTER, ['start', odd]), (e) => /letters, digits/.test(e.stderr));
    assert.deepEqual(readdirSync(odd), []);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
