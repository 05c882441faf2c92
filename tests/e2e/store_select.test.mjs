// Choosing the store and the master key (docs/scale.md "Serving from PostgreSQL", "The
// master key"): `kiln serve --key-file F` / KILN_MASTER_KEY_FILE (F from `kiln keys
// new-master F`) uses that key and never reads or makes DATA/master.key; a key file of the
// wrong size or mode, or none, is a clear refusal. `kiln serve --store postgresql://...` on
// a private cluster sets the database up in one step (roles, schema, every migration) and,
// in this build without the PostgreSQL driver, then refuses with one clear line; `kiln
// store check --store` checks it as kiln_runtime, names a table whose row-level security
// was switched off, and says when the database is away.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  Kiln, runCli, describeCli, expectCliFailure, expectCliOk, tempDir, HOST,
} from './lib/kiln.mjs';
import { startPg } from './lib/pg.mjs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dir = tempDir('keys');
const K1 = path.join(dir, 'k1');
const K2 = path.join(dir, 'k2');
const NOT_OPEN = 'signing key does not open with this master key';

/** `kiln serve ARGS` that must exit on its own: {code, stderr}. */
async function serveFails(args, env = {}) {
  const data = tempDir('data');
  chmodSync(data, 0o700);
  const r = await runCli(['serve', '--data', data, '--listen', `${HOST}:0`, ...args], { env, timeout: 60000 });
  assert.notEqual(r.code, 0, `kiln serve should have refused\n${describeCli(r)}`);
  assert.equal(r.code !== null, true, `kiln serve did not exit\n${describeCli(r)}`);
  return { ...r, data };
}

describe('--key-file', () => {
  it('kiln keys new-master makes a 0600 key; it refuses to overwrite one', async () => {
    expectCliOk(await runCli(['keys', 'new-master', K1]));
    expectCliOk(await runCli(['keys', 'new-master', K2]));
    expectCliFailure(await runCli(['keys', 'new-master', K1]), /cannot create .*k1: File exists/, 1);
    expectCliFailure(await runCli(['keys', 'new-master']), /needs the FILE/, 2);
  });

  it('the key file is the master key: DATA/master.key is never made, another key does not open what it wrapped', async () => {
    const k = new Kiln({ extraArgs: ['--key-file', K1] });
    try {
      await k.start();
      assert.equal(existsSync(path.join(k.dataDir, 'master.key')), false, 'DATA/master.key made despite --key-file');
      // the same key through the environment: what it wrapped at the first start opens
      k.extraArgs = [];
      k.env = { KILN_MASTER_KEY_FILE: K1 };
      await k.restart();
      assert.equal(existsSync(path.join(k.dataDir, 'master.key')), false);
      assert.ok(!k.stderrLines.some((l) => l.includes(NOT_OPEN)), 'the same key file did not open the signing key');
      // another key: what the first wrapped does not open (so the file, not the data dir, is the key)
      k.env = {};
      k.extraArgs = ['--key-file', K2];
      await k.restart();
      assert.ok(k.stderrLines.some((l) => l.includes(NOT_OPEN)), 'a different key file opened the signing key');
    } finally {
      await k.close();
    }
  });

  it('a key file of the wrong mode or size, or none, is refused with a clear line', async () => {
    const loose = path.join(dir, 'loose');
    expectCliOk(await runCli(['keys', 'new-master', loose]));
    chmodSync(loose, 0o644);
    let r = await serveFails(['--key-file', loose]);
    assert.match(r.stderr, /loose must not be readable by group or others \(chmod 600\)/);
    assert.equal(existsSync(path.join(r.data, 'master.key')), false);
    const short = path.join(dir, 'short');
    writeFileSync(short, 'x'.repeat(31), { mode: 0o600 });
    r = await serveFails([], { KILN_MASTER_KEY_FILE: short });
    assert.match(r.stderr, /short does not hold a 32-byte master key/);
    r = await serveFails(['--key-file', path.join(dir, 'absent')]);
    assert.match(r.stderr, /cannot read .*absent: No such file or directory/);
    assert.equal(existsSync(path.join(r.data, 'master.key')), false);
  });
});

describe('--store', () => {
  let pg;
  before(async () => { pg = await startPg(); });
  after(async () => { await pg?.stop(); });

  it('refuses a URL that is not postgresql://', async () => {
    const r = await serveFails(['--store', 'mysql://x/y']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--store: not a postgresql:\/\/ or postgres:\/\/ URL/);
    expectCliFailure(await runCli(['store', 'check', '--store', 'sqlite:///x']), /not a postgresql:\/\//, 2);
  });

  it('sets the database up in one step, then refuses: no PostgreSQL driver in this build', async () => {
    await pg.psql('CREATE DATABASE kiln');
    const url = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln?');
    const r = await serveFails(['--store', url, '--key-file', K1]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /PostgreSQL backend not in this build's serving path/);
    assert.match(r.stderr, /"store: PostgreSQL ready","migrations_applied":"[1-9]\d*"/);
    // the one-step setup happened: roles, schema, every migration, row-level security
    assert.equal(await pg.psql("SELECT count(*) FROM pg_roles WHERE rolname IN ('kiln_owner','kiln_admin','kiln_runtime')"), '3');
    const version = Number(await pg.psql('SELECT version FROM kiln.schema_version', { db: 'kiln' }));
    assert.ok(version > 0);
    // a second node's start finds nothing to do
    const again = await serveFails(['--store', url, '--key-file', K1]);
    assert.match(again.stderr, /"migrations_applied":"0"/);

    const ok = await runCli(['store', 'check', '--store', url]);
    expectCliOk(ok);
    assert.equal(ok.stdout, 'ok\n');
    // least privilege: the check runs as the URL's kiln_runtime login just the same
    const rt = url.replace(/user=[^&]*/, 'user=kiln_runtime');
    assert.equal((await runCli(['store', 'check', '--store', rt])).stdout, 'ok\n');
    // and a node started with kiln_runtime's URL finds the database up to date (it may not migrate)
    const least = await serveFails(['--store', rt, '--key-file', K1]);
    assert.match(least.stderr, /"migrations_applied":"0"/);
    assert.match(least.stderr, /PostgreSQL backend not in this build's serving path/);

    await pg.psql('ALTER TABLE kiln.issues NO FORCE ROW LEVEL SECURITY', { db: 'kiln' });
    const bad = await runCli(['store', 'check', '--store', url]);
    assert.equal(bad.code, 1, describeCli(bad));
    assert.equal(bad.stdout, 'table issues has a site_id column but no forced row-level security policy\n');
    await pg.psql('ALTER TABLE kiln.issues FORCE ROW LEVEL SECURITY', { db: 'kiln' });

    await pg.pause();
    try {
      const t0 = Date.now();
      const away = await runCli(['store', 'check', '--store', url]);
      expectCliFailure(away, /^kiln: the database is unavailable: connect: /, 1);
      assert.ok(Date.now() - t0 < 10000);
      const down = await serveFails(['--store', url, '--key-file', K1]);
      assert.match(down.stderr, /the database is unavailable: connect: /);
    } finally {
      await pg.resume();
    }
    expectCliOk(await runCli(['store', 'check', '--store', url]));
  });
});

describe('STORE=postgres in the e2e harness (tests/e2e/lib/kiln.mjs)', () => {
  it('a Kiln of the postgres store gets its own database on the process cluster and --store; this build refuses clearly', async () => {
    const k = new Kiln({ store: 'postgres' });
    try {
      await assert.rejects(k.start(), /exited early \(code 1[\s\S]*PostgreSQL backend not in this build/);
      k.expectExit({ code: 1 });
      assert.match(k.storeUrl, /^postgresql:\/\/\/kiln_\d+_1\?host=/);
      const { stdout } = await run('psql', ['-X', '-A', '-t', '-c', 'SELECT version FROM kiln.schema_version', k.storeUrl]);
      assert.ok(Number(stdout) > 0, `the harness's database was not set up: ${stdout}`);
      // a second Kiln: a database of its own
      const k2 = new Kiln({ store: 'postgres' });
      await assert.rejects(k2.start(), /PostgreSQL backend not in this build's serving path/);
      k2.expectExit({ code: 1 });
      assert.match(k2.storeUrl, /^postgresql:\/\/\/kiln_\d+_2\?host=/);
      await k2.close();
    } finally {
      await k.close();
    }
  });
});
