// Choosing the store and the master key (docs/scale.md "Serving from PostgreSQL", "The
// master key"): `kiln serve --key-file F` / KILN_MASTER_KEY_FILE (F from `kiln keys
// new-master F`) uses that key and never reads or makes DATA/master.key; a key file of the
// wrong size or mode, or none, is a clear refusal. `kiln serve --store postgresql://...` on
// a private cluster sets the database up in one step (roles, schema, every migration) and
// serves from it as kiln_runtime: a second node shares it (what one node writes, the other
// serves), a least-privilege node (kiln_runtime's own login, --store-admin as kiln_admin)
// serves too; `kiln store check --store` checks it as kiln_runtime, names a table whose
// row-level security was switched off, and says when the database is away.
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

  it('sets the database up in one step, then serves from it; nodes share it; least privilege serves too', async () => {
    await pg.psql('CREATE DATABASE kiln');
    const url = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln?');
    const rt = url.replace(/user=[^&]*/, 'user=kiln_runtime');
    const adm = url.replace(/user=[^&]*/, 'user=kiln_admin');
    const node = (u, more = []) => new Kiln({ store: 'sqlite', extraArgs: ['--store', u, ...more, '--key-file', K1] });
    const n1 = node(url);
    const n2 = node(url);
    const least = node(rt, ['--store-admin', adm]);
    try {
      await n1.start();
      assert.ok(n1.stderrLines.some((l) => /"store: PostgreSQL ready","migrations_applied":"[1-9]\d*"/.test(l)),
        n1.stderrLines.join('\n'));
      // the listening line names the store it serves from (it said sqlite on PostgreSQL)
      assert.ok(n1.stderrLines.some((l) => /"msg":"listening".*"store":"postgresql"/.test(l)), n1.stderrLines.join('\n'));
      // the one-step setup happened: roles, schema, every migration, row-level security
      assert.equal(await pg.psql("SELECT count(*) FROM pg_roles WHERE rolname IN ('kiln_owner','kiln_admin','kiln_runtime')"), '3');
      const version = Number(await pg.psql('SELECT version FROM kiln.schema_version', { db: 'kiln' }));
      assert.ok(version > 0);
      // served from PostgreSQL: the site, its user and token are rows there
      const a = await n1.siteWithToken('pg-a', true);
      assert.equal(await pg.psql("SELECT count(*) FROM kiln.sites WHERE name = 'pg-a'", { db: 'kiln' }), '1');
      assert.ok(Number(await pg.psql('SELECT count(*) FROM kiln.projects', { db: 'kiln' })) > 0);
      // a second node finds nothing to do and serves what the first wrote
      await n2.start();
      assert.ok(n2.stderrLines.some((l) => l.includes('"migrations_applied":"0"')));
      const me = await n2.api(`/ex/jira/${a.cloudId}/rest/api/3/myself`, { token: a.token });
      assert.equal(me.status, 200, JSON.stringify(me.json));
      assert.equal(me.json.accountId, a.accountId);
      const projects = await n2.api(`/ex/jira/${a.cloudId}/rest/api/3/project/search`, { token: a.token });
      assert.equal(projects.status, 200);
      assert.ok(projects.json.values.length > 0);
      // a site made on the second node: the first serves it, and each token sees its own site only
      const b = await n2.siteWithToken('pg-b', true);
      const cross = await n1.api(`/ex/jira/${a.cloudId}/rest/api/3/project/search`, { token: b.token });
      assert.equal(cross.status, 401);
      const own = await n1.api(`/ex/jira/${b.cloudId}/rest/api/3/project/search`, { token: b.token });
      assert.equal(own.status, 200);
      assert.ok(own.json.values.every((p) => !JSON.stringify(p).includes(a.canary)));

      // least privilege: kiln_runtime's own login (it may not migrate: the database is up to
      // date) and kiln_admin's for the admin path; it serves as well
      await least.start();
      assert.ok(least.stderrLines.some((l) => l.includes('"migrations_applied":"0"')));
      const c = await least.siteWithToken('pg-c');
      const mine = await least.api(`/ex/jira/${c.cloudId}/rest/api/3/myself`, { token: c.token });
      assert.equal(mine.status, 200);
    } finally {
      await least.close();
      await n2.close();
      await n1.close();
    }

    const ok = await runCli(['store', 'check', '--store', url]);
    expectCliOk(ok);
    assert.equal(ok.stdout, 'ok\n');
    // least privilege: the check runs as the URL's kiln_runtime login just the same
    assert.equal((await runCli(['store', 'check', '--store', rt])).stdout, 'ok\n');
    // --store-admin needs --store
    const lone = await serveFails(['--store-admin', adm]);
    assert.equal(lone.code, 2);
    assert.match(lone.stderr, /--store-admin: needs --store postgresql:/);

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

  it('the database goes away: requests answer 503 with Retry-After at once, then kiln reconnects by itself', async () => {
    await pg.psql('CREATE DATABASE kiln_away');
    const url = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln_away?');
    const k = new Kiln({ store: 'sqlite', extraArgs: ['--store', url, '--key-file', K1] });
    try {
      await k.start();
      const a = await k.siteWithToken('away');
      const me = `/ex/jira/${a.cloudId}/rest/api/3/myself`;
      assert.equal((await k.api(me, { token: a.token })).status, 200);
      await pg.pause();
      try {
        for (let i = 0; i < 3; i++) {
          const t0 = Date.now();
          const res = await k.api(me, { token: a.token });
          assert.ok(Date.now() - t0 < 5000, `the answer took ${Date.now() - t0} ms`);
          assert.equal(res.status, 503, `${res.status} ${res.text}`);
          assert.ok(Number(res.headers['retry-after']) > 0, 'Retry-After');
          assert.match(res.text, /The store is unavailable now; retry later\./); // names nothing of the request
        }
      } finally {
        await pg.resume();
      }
      const end = Date.now() + 15000;
      let res;
      do {
        await new Promise((r) => setTimeout(r, 200));
        res = await k.api(me, { token: a.token });
      } while (res.status !== 200 && Date.now() < end);
      assert.equal(res.status, 200, `not back after the database returned: ${res.status} ${res.text}`);
      assert.equal(res.json.accountId, a.accountId);
    } finally {
      await k.close();
    }
  });
});

describe('STORE=postgres in the e2e harness (tests/e2e/lib/kiln.mjs)', () => {
  it('a Kiln of the postgres store gets its own database on the process cluster and --store, and serves from it', async () => {
    const k = new Kiln({ store: 'postgres' });
    const k2 = new Kiln({ store: 'postgres' });
    try {
      await k.start();
      assert.match(k.storeUrl, /^postgresql:\/\/\/kiln_\d+_\d+\?host=/); // _N: the file's Nth database (STORE=postgres: earlier Kilns took some)
      const { stdout } = await run('psql', ['-X', '-A', '-t', '-c', 'SELECT version FROM kiln.schema_version', k.storeUrl]);
      assert.ok(Number(stdout) > 0, `the harness's database was not set up: ${stdout}`);
      await k.siteWithToken('harness');
      const sites = await run('psql', ['-X', '-A', '-t', '-c', "SELECT count(*) FROM kiln.sites WHERE name = 'harness'", k.storeUrl]);
      assert.equal(sites.stdout.trim(), '1');
      // a second Kiln: a database of its own
      await k2.start();
      assert.match(k2.storeUrl, /^postgresql:\/\/\/kiln_\d+_\d+\?host=/);
      assert.notEqual(k2.storeUrl, k.storeUrl);
      const none = await run('psql', ['-X', '-A', '-t', '-c', 'SELECT count(*) FROM kiln.sites', k2.storeUrl]);
      assert.equal(none.stdout.trim(), '0');
    } finally {
      await k2.close();
      await k.close();
    }
  });
});
