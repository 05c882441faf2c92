// Moving a SQLite installation to PostgreSQL (docs/scale.md "Moving"): `kiln store migrate
// --from DATA --to postgresql://...` on a private cluster. A data dir with two demo sites,
// an app deployed and installed, app storage values and a secret, audit rows and
// deliveries; kiln stopped; migrated; `kiln serve --store URL --key-file F` (F: a copy of
// DATA/master.key) then serves the same: the old token, the issues, the secret read back
// through the app, the audit log, and new writes (ids past the copied ones). Every table of
// the schema catalog is in the report with the count sqlite3 itself gives. The deploy
// snapshots are copied into snapshot_chunks with their SHA-256 checked, and the node serves
// the app without the files (it fetches them from the database). Refused, with nothing
// written: a running server, a non-kiln file, a damaged store, a missing dir, an
// unreachable database, a target that already holds data, a version's missing snapshot file.
//
//   node --test --test-concurrency=1 tests/e2e/store_migrate.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, openSync, writeSync, closeSync, statSync, writeFileSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import {
  Kiln, runCli, describeCli, expectCliFailure, expectCliOk, tempDir, kilnCli, expectStatus,
} from './lib/kiln.mjs';
import { startPg } from './lib/pg.mjs';
import { deployApp, webtriggerPath, until } from './lib/events.mjs';

const MANIFEST = `modules:
  webtrigger:
    - key: kvs
      function: kvs-fn
      response:
        type: dynamic
  trigger:
    - key: on-issue
      function: on-issue-fn
      events:
        - avi:jira:created:issue
  function:
    - key: kvs-fn
      handler: index.run
    - key: on-issue-fn
      handler: index.onIssue
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - storage:app
    - read:jira-work
`;

const SRC = `import { kvs } from '@forge/kvs';
const json = (statusCode, payload) => ({
  statusCode, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(payload),
});
export async function run(req) {
  const s = JSON.parse(req.body || '{}');
  try {
    switch (s.op) {
      case 'set': return json(200, { r: (await kvs.set(s.key, s.value)) ?? null });
      case 'get': return json(200, { r: (await kvs.get(s.key)) ?? null });
      case 'setSecret': return json(200, { r: (await kvs.setSecret(s.key, s.value)) ?? null });
      case 'getSecret': return json(200, { r: (await kvs.getSecret(s.key)) ?? null });
    }
    return json(400, { error: 'op' });
  } catch (e) {
    return json(500, { error: String(e && e.message) });
  }
}
export async function onIssue(event) {
  await kvs.set('seen-' + event.issue.key, true);
}
`;

const SECRET = 'the secret 7f3e, sealed at rest';

/** sqlite3 on DATA/kiln.db: its output, trimmed */
const sq = (db, sql) => execFileSync('sqlite3', [db, sql], { encoding: 'utf8' }).trim();

/** `kiln store migrate ARGS` */
const migrate = (args) => runCli(['store', 'migrate', ...args], { timeout: 120000 });

describe('kiln store migrate', () => {
  let pg, url, data, db, k, site, other, app, hook, key;
  const kilnTables = async (d = 'kmig') => (await pg.psql(
    "SELECT count(*) FROM pg_namespace WHERE nspname = 'kiln'", { db: d }));

  before(async () => {
    pg = await startPg();
    await pg.psql('CREATE DATABASE kmig');
    url = pg.url.replace('postgresql:///postgres?', 'postgresql:///kmig?');
    data = tempDir('migdata');
    chmodSync(data, 0o700);
    db = path.join(data, 'kiln.db');
    k = new Kiln({ dataDir: data, store: 'sqlite' });
    await k.start();
    site = await k.siteWithToken('mig-a', true);
    other = await k.siteWithToken('mig-b', true);
    app = await deployApp(k, 'migapp', { 'manifest.yml': MANIFEST, 'src/index.js': SRC });
    expectCliOk(await kilnCli(k, ['install', '--site', 'mig-a', '--confirm-scopes', '--json'], { cwd: app.dir }));
    hook = await webtriggerPath(k, app.dir, { name: 'mig-a' }, 'kvs');
    const call = async (body) => {
      const r = await k.api(hook, { method: 'POST', body });
      expectStatus(r, 200, JSON.stringify(body));
      return r.json.r;
    };
    await call({ op: 'set', key: 'plain', value: { n: 1, s: 'tab\there, line\nthere, back\\slash' } });
    await call({ op: 'setSecret', key: 'api-token', value: SECRET });
    assert.equal(await call({ op: 'getSecret', key: 'api-token' }), SECRET);
    // a product event for the app's trigger: a delivery row, and the value it writes
    const projects = await k.jira(site.cloudId, '/project/search', { token: site.token });
    key = projects.json.values[0].key;
    const created = await k.jira(site.cloudId, '/issue', {
      method: 'POST', token: site.token,
      body: { fields: { project: { key }, summary: 'before the move', issuetype: { name: 'Task' } } },
    });
    expectStatus(created, 201, 'create issue');
    site.issue = created.json.key;
    await until('the trigger ran', async () => call({ op: 'get', key: `seen-${site.issue}` }));
  });

  after(async () => {
    await k?.close();
    await pg?.stop();
  });

  it('refuses a running server, a missing dir, a non-kiln or damaged store, an unreachable database; nothing written', async () => {
    expectCliFailure(await migrate(['--from', data, '--to', url]),
      /^kiln: a kiln server is running on the data dir .* \(it holds serve\.lock\): stop it first$/m, 1);
    await k.stop();
    expectCliFailure(await migrate(['--from', path.join(data, 'nope'), '--to', url]), /^kiln: no data dir at .*nope$/m, 1);
    expectCliFailure(await migrate(['--from', data]), /needs --from DATA_DIR and --to/, 2);
    expectCliFailure(await migrate(['--from', data, '--to', 'mysql://x/y']), /--to: not a postgresql:\/\//, 2);
    expectCliFailure(await migrate(['--from', data, '--to', 'postgresql:///kmig?host=/nonexistent']),
      /^kiln: the database is unavailable: connect: /m, 1);
    expectCliFailure(await migrate(['--from', data, '--to', url.replace('kmig', 'absent')]),
      /^kiln: the database is unavailable: .*database "absent" does not exist/m, 1);

    const junk = tempDir('migjunk');
    writeFileSync(path.join(junk, 'kiln.db'), 'this is not a database, just text\n'.repeat(200));
    expectCliFailure(await migrate(['--from', junk, '--to', url]), /^kiln: .*kiln\.db is not a kiln store: file is not a database$/m, 1);

    // a damaged copy: a page in the middle overwritten
    const bad = tempDir('migbad');
    cpSync(db, path.join(bad, 'kiln.db'));
    const size = statSync(path.join(bad, 'kiln.db')).size;
    const fd = openSync(path.join(bad, 'kiln.db'), 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(size / 8192) * 4096);
    closeSync(fd);
    const r = await migrate(['--from', bad, '--to', url]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /^kiln: .*kiln\.db (is damaged|is not a kiln store)/m);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(r.stdout, '');
    // no site's data in any of it
    for (const text of [r.stderr]) assert.ok(!text.includes(site.canary) && !text.includes(SECRET));
    assert.equal(await kilnTables(), '0', 'a refused migration wrote nothing');
  });

  it('copies every table of the catalog, counts and checksums equal, then a PostgreSQL node serves it', async () => {
    // a version's snapshot file missing: refused, nothing committed
    const nosnap = tempDir('mignosnap');
    cpSync(data, nosnap, { recursive: true, filter: (src) => !src.includes(`${path.sep}snapshots`) });
    const refused = await migrate(['--from', nosnap, '--to', url]);
    expectCliFailure(refused, /^kiln: the snapshot file .*snapshots\/.*\.tar of a version cannot be read: No such file or directory: nothing was written$/m, 1);
    assert.equal(await pg.psql('SELECT count(*) FROM kiln.versions', { db: 'kmig' }), '0', 'nothing committed');

    const r = await migrate(['--from', data, '--to', url]);
    expectCliOk(r);
    // every table of PostgreSQL's catalog and of SQLite's is a line of the report, with the
    // count sqlite3 gives, equal on both sides
    const pgTables = (await pg.psql("SELECT relname FROM pg_class WHERE relnamespace = 'kiln'::regnamespace"
      + " AND relkind = 'r' AND relname <> 'schema_version' ORDER BY 1", { db: 'kmig' })).split('\n');
    const sqTables = sq(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1")
      .split('\n');
    assert.deepEqual(pgTables, sqTables);
    assert.ok(pgTables.length > 40, pgTables.join(' '));
    const lines = new Map(r.stdout.split('\n').map((l) => l.split(/\s+/)).filter((w) => w.length >= 5).map((w) => [w[0], w]));
    for (const t of pgTables) {
      const w = lines.get(t);
      assert.ok(w, `table ${t} missing from the report\n${r.stdout}`);
      const n = sq(db, `SELECT count(*) FROM "${t}"`);
      assert.equal(w[1], n, `${t}: SQLite count`);
      assert.equal(w[2], n, `${t}: PostgreSQL count`);
      assert.equal(w[4], 'equal', t);
      // snapshot_chunks is empty in SQLite (the files are the snapshots) and filled from the files (below)
      if (t !== 'snapshot_chunks')
        assert.equal(await pg.psql(`SELECT count(*) FROM kiln."${t}"`, { db: 'kmig' }), n, `${t} in PostgreSQL`);
    }
    for (const t of ['sites', 'users', 'user_tokens', 'apps', 'versions', 'installations', 'kvs', 'audit_log',
      'deliveries', 'keys', 'issues']) {
      assert.ok(Number(lines.get(t)[1]) > 0, `the fixture should hold ${t} rows`);
    }
    assert.match(r.stdout, /every table's count and checksum equal/);
    assert.match(r.stdout, /copied still sealed: .*--key-file FILE/);
    // the deploy snapshots: every version's file in snapshot_chunks, its SHA-256 the file's
    const chunkLine = r.stdout.match(/^snapshot chunks\s+(\d+)\s+(\d+)\s+sha-256\s+equal$/m);
    assert.ok(chunkLine, r.stdout);
    assert.equal(chunkLine[1], chunkLine[2]);
    assert.equal(await pg.psql('SELECT count(*) FROM kiln.snapshot_chunks', { db: 'kmig' }), chunkLine[1]);
    const versions = sq(db, 'SELECT snapshot FROM versions ORDER BY snapshot').split('\n');
    assert.ok(versions.length >= 1);
    for (const snap of versions) {
      const file = readFileSync(path.join(data, snap));
      const sha = createHash('sha256').update(file).digest('hex');
      assert.equal(await pg.psql(`SELECT snapshot_sha256 FROM kiln.versions WHERE snapshot = '${snap}'`, { db: 'kmig' }), sha, snap);
      assert.equal(await pg.psql(`SELECT encode(sha256(string_agg(bytes, ''::bytea ORDER BY idx)), 'hex') FROM kiln.snapshot_chunks WHERE snapshot = '${snap}'`, { db: 'kmig' }), sha, `${snap}: the chunks`);
    }
    assert.match(r.stdout, new RegExp(`^deploy snapshots: ${versions.length} \\(\\d+ bytes in ${chunkLine[1]} chunks\\) copied into the database and read back, every SHA-256 equal`, 'm'));
    // the secret's bytes are the sealed ones, not the plain text
    assert.equal(await pg.psql("SELECT count(*) FROM kiln.kvs WHERE position(convert_to('the secret 7f3e', 'UTF8') IN value) > 0",
      { db: 'kmig' }), '0', 'the secret in plain text');
    assert.ok(Number(await pg.psql("SELECT count(*) FROM kiln.kvs WHERE key = 'api-token'", { db: 'kmig' })) === 1);

    // a second run: the target holds data now
    const again = await migrate(['--from', data, '--to', url]);
    expectCliFailure(again, /^kiln: the target database already holds kiln data \(table \w+ has rows\): migrate only into an empty one; nothing was written$/m, 1);
    assert.equal(await pg.psql('SELECT count(*) FROM kiln.sites', { db: 'kmig' }), sq(db, 'SELECT count(*) FROM sites'));

    // serve it from PostgreSQL with the installation's master key as a key file
    const keyFile = path.join(tempDir('migkey'), 'master.key');
    copyFileSync(path.join(data, 'master.key'), keyFile);
    chmodSync(keyFile, 0o600);
    const auditBefore = sq(db, `SELECT count(*) FROM audit_log WHERE site_id = (SELECT id FROM sites WHERE name = 'mig-a')`);
    // the node has no snapshot file: it runs the app from the database's copy
    renameSync(path.join(data, 'snapshots'), path.join(data, 'snapshots.moved'));
    rmSync(path.join(data, 'unpacked'), { recursive: true, force: true });
    const node = new Kiln({ dataDir: data, store: 'sqlite', extraArgs: ['--store', url, '--key-file', keyFile] });
    try {
      await node.start();
      assert.ok(node.stderrLines.some((l) => l.includes('"migrations_applied":"0"')), 'the schema was already there');
      assert.ok(!node.stderrLines.some((l) => l.includes('does not open with this master key')));
      // the old token, the issues
      const me = await node.jira(site.cloudId, '/myself', { token: site.token });
      expectStatus(me, 200, 'myself with the token minted before the move');
      assert.equal(me.json.accountId, site.accountId);
      const issue = await node.jira(site.cloudId, `/issue/${site.issue}`, { token: site.token });
      expectStatus(issue, 200, 'the issue made before the move');
      assert.equal(issue.json.fields.summary, 'before the move');
      // each token still holds to its own site
      expectStatus(await node.jira(site.cloudId, `/issue/${site.issue}`, { token: other.token }), 401, 'cross-site');
      // the app: its storage and its secret, opened by the same key
      const call = async (body) => {
        const res = await node.api(hook, { method: 'POST', body });
        expectStatus(res, 200, JSON.stringify(body));
        return res.json.r;
      };
      assert.equal(await call({ op: 'getSecret', key: 'api-token' }), SECRET);
      assert.deepEqual(readFileSync(path.join(data, versions[0])), readFileSync(path.join(data, 'snapshots.moved', versions[0].slice('snapshots/'.length))), 'fetched from the database');
      assert.deepEqual(await call({ op: 'get', key: 'plain' }), { n: 1, s: 'tab\there, line\nthere, back\\slash' });
      assert.equal(await call({ op: 'get', key: `seen-${site.issue}` }), true);
      // the audit log
      const rows = expectCliOk(await kilnCli(node, ['audit', '--site', 'mig-a', '-n', '1000', '--json'])).stdout
        .split('\n').filter(Boolean).map((l) => JSON.parse(l));
      assert.ok(rows.length >= Number(auditBefore) && Number(auditBefore) > 0, `${rows.length} audit rows, ${auditBefore} before`);
      // new writes get ids past the copied ones (the identity sequences moved)
      const c = await node.siteWithToken('mig-c');
      expectStatus(await node.jira(c.cloudId, '/myself', { token: c.token }), 200, 'a site made after the move');
      const created = await node.jira(site.cloudId, '/issue', {
        method: 'POST', token: site.token,
        body: { fields: { project: { key }, summary: 'after the move', issuetype: { name: 'Task' } } },
      });
      expectStatus(created, 201, 'create an issue after the move');
      await call({ op: 'set', key: 'after', value: 2 });
      assert.equal(await call({ op: 'get', key: 'after' }), 2);
    } finally {
      await node.close();
    }
  });
});
