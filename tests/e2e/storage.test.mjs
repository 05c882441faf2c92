// `kiln storage` end to end (docs/kvs.md#kiln-storage): an installation's keys, secrets
// and custom entity items, written by a real app with the real @forge/kvs and read back
// with every verb (list, query, get, set, delete), paging with cursors, masking of secrets
// and --show-secrets, --json; writes the app then sees; the audit of writes and of
// secrets shown; bad input (one line, exit 1); and tenancy: one app on two sites with the
// same keys, where --site A never shows, changes or deletes B's.
//
// Run: node --test tests/e2e/storage.test.mjs   (needs build/kiln, esbuild and the root
// node_modules with @forge/kvs)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, expectStatus, sleep, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson,
  expectCliFailure, cliJson,
} from './lib/kiln.mjs';

const NODE_MODULES = path.join(ROOT, 'node_modules');

const MANIFEST = `modules:
  function:
    - key: seed
      handler: index.seed
    - key: peek
      handler: index.peek
app:
  runtime:
    name: nodejs20.x
  storage:
    entities:
      - name: employee
        attributes:
          name:
            type: string
          age:
            type: integer
        indexes:
          - age
permissions:
  scopes:
    - storage:app
`;

const SRC = `import { kvs } from '@forge/kvs';
export async function seed({ marker }) {
  for (let i = 1; i <= 5; i++) await kvs.set('cfg:' + i, { n: i, marker });
  await kvs.set('other', 'plain text ' + marker);
  await kvs.setSecret('token', 's3cret-' + marker);
  await kvs.setSecret('token2', 'also-' + marker);
  await kvs.entity('employee').set('e1', { name: 'Ada ' + marker, age: 36 });
  return 'seeded';
}
export async function peek({ key, secret, entity }) {
  const v = secret ? await kvs.getSecret(key) : entity ? await kvs.entity(entity).get(key) : await kvs.get(key);
  return { value: v === undefined ? '(absent)' : v };
}
`;

describe('kiln storage', () => {
  let k, A, B, dir, tag;
  const st = (args, opts = {}) => kiln(k, ['storage', ...args], { cwd: dir, ...opts });
  const peek = async (site, payload) =>
    (await okJson(k, ['invoke', 'peek', '--site', site, '--payload', JSON.stringify(payload), '--json'], { cwd: dir })).value.value;

  before(async () => {
    assert.ok(existsSync(path.join(NODE_MODULES, '@forge', 'kvs', 'package.json')), '@forge/kvs (make deps)');
    tag = randomBytes(3).toString('hex');
    k = await startKiln();
    A = await k.siteWithToken(`sto-a-${tag}`);
    B = await k.siteWithToken(`sto-b-${tag}`);
    dir = path.join(tempDir('stoapp'), 'sto-app');
    writeFiles(dir, { 'manifest.yml': MANIFEST, 'src/index.js': SRC });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    for (const [s, marker] of [[A, 'AAA'], [B, 'BBB']]) {
      await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
      await okJson(k, ['invoke', 'seed', '--site', s.name, '--payload', JSON.stringify({ marker }), '--json'], { cwd: dir });
    }
  });

  after(async () => {
    await k?.close();
  });

  it('list: the plain keys with their values, as a table and as --json', async () => {
    const r = ok(await st(['list', '--site', A.name]));
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0], /^key\s+value$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]), ['cfg:1', 'cfg:2', 'cfg:3', 'cfg:4', 'cfg:5', 'other']);
    assert.ok(lines.includes(`${'cfg:2'.padEnd(40)} {"n":2,"marker":"AAA"}`), r.stdout);
    assert.ok(!r.stdout.includes('BBB'), "never B's values");
    const j = cliJson(ok(await st(['list', '--site', A.name, '--json'])));
    assert.equal(j.cursor, null);
    assert.deepEqual(j.items.map((i) => i.key), ['cfg:1', 'cfg:2', 'cfg:3', 'cfg:4', 'cfg:5', 'other']);
    const other = j.items.find((i) => i.key === 'other');
    assert.equal(other.value, 'plain text AAA');
    assert.equal(other.kind, 'plain');
    assert.ok(Number.isInteger(other.createdAt) && Number.isInteger(other.updatedAt));
  });

  it('query PREFIX, and paging with cursors (--limit, --cursor, --all)', async () => {
    const q = cliJson(ok(await st(['query', 'cfg:', '--site', A.name, '--json'])));
    assert.deepEqual(q.items.map((i) => i.key), ['cfg:1', 'cfg:2', 'cfg:3', 'cfg:4', 'cfg:5']);
    const p1 = cliJson(ok(await st(['list', '--site', A.name, '--prefix', 'cfg:', '--limit', '2', '--json'])));
    assert.deepEqual(p1.items.map((i) => i.key), ['cfg:1', 'cfg:2']);
    assert.equal(p1.cursor, 'cfg:2');
    const p2 = cliJson(ok(await st(['list', '--site', A.name, '--prefix', 'cfg:', '--limit', '2', '--cursor', p1.cursor, '--json'])));
    assert.deepEqual(p2.items.map((i) => i.key), ['cfg:3', 'cfg:4']);
    const p3 = cliJson(ok(await st(['list', '--site', A.name, '--prefix', 'cfg:', '--limit', '2', '--cursor', p2.cursor, '--json'])));
    assert.deepEqual([p3.items.map((i) => i.key), p3.cursor], [['cfg:5'], null]);
    const allJ = cliJson(ok(await st(['query', 'cfg:', '--site', A.name, '--limit', '2', '--all', '--json'])));
    assert.deepEqual(allJ.items.map((i) => i.key), ['cfg:1', 'cfg:2', 'cfg:3', 'cfg:4', 'cfg:5']);
    const plain = ok(await st(['query', 'cfg:', '--site', A.name, '--limit', '2']));
    assert.match(plain.stderr, /^\(more: --cursor 'cfg:2', or --all\)$/m);
    const none = ok(await st(['query', 'zzz', '--site', A.name]));
    assert.equal(none.stdout.trim(), 'No plain keys starting with zzz.');
  });

  it('get: a value as JSON; --json with its metadata', async () => {
    assert.equal(ok(await st(['get', 'cfg:3', '--site', A.name])).stdout, '{"n":3,"marker":"AAA"}\n');
    const j = cliJson(ok(await st(['get', 'other', '--site', A.name, '--json'])));
    assert.equal(j.key, 'other');
    assert.equal(j.value, 'plain text AAA');
    assert.equal(j.kind, 'plain');
    assert.ok(Number.isInteger(j.createdAt));
  });

  it('secrets are masked unless --show-secrets, which is audited', async () => {
    const l = ok(await st(['list', '--site', A.name, '--secret']));
    assert.ok(!l.stdout.includes('s3cret'), l.stdout);
    assert.match(l.stdout, /^token\s+\*{8}$/m);
    const lj = cliJson(ok(await st(['list', '--site', A.name, '--secret', '--json'])));
    assert.deepEqual(lj.items.map((i) => [i.key, i.value, i.masked, i.kind]), [['token', null, true, 'secret'], ['token2', null, true, 'secret']]);
    const g = ok(await st(['get', 'token', '--site', A.name, '--secret']));
    assert.equal(g.stdout, '********\n');
    assert.ok(!JSON.stringify(cliJson(ok(await st(['get', 'token', '--site', A.name, '--secret', '--json'])))).includes('s3cret'));
    const shown = cliJson(ok(await st(['get', 'token', '--site', A.name, '--secret', '--show-secrets', '--json'])));
    assert.equal(shown.value, 's3cret-AAA');
    assert.equal(shown.masked, undefined);
    const ls = cliJson(ok(await st(['list', '--site', A.name, '--secret', '--show-secrets', '--json'])));
    assert.deepEqual(ls.items.map((i) => i.value), ['s3cret-AAA', 'also-AAA']);
    let reads = [];
    for (let i = 0; i < 30 && reads.length < 2; i++) {
      const au = ok(await kiln(k, ['audit', '--site', A.name, '-n', '1000', '--json']));
      reads = au.stdout.trim().split('\n').filter(Boolean).map((x) => JSON.parse(x)).filter((e) => e.kind === 'storage.secret_read');
      if (reads.length < 2) await sleep(100);
    }
    assert.equal(reads.length, 2, 'one event per request that showed secrets');
    assert.ok(reads.every((e) => e.actor === 'admin' && e.site === A.name), JSON.stringify(reads));
    assert.ok(reads.some((e) => e.detail === 'secret token shown'), JSON.stringify(reads));
  });

  it('entities: list, get, set (typed as declared), delete', async () => {
    const l = cliJson(ok(await st(['list', '--site', A.name, '--entity', 'employee', '--json'])));
    assert.deepEqual(l.items.map((i) => [i.key, i.value, i.kind, i.entity]), [['e1', { name: 'Ada AAA', age: 36 }, 'entity', 'employee']]);
    ok(await st(['set', 'e2', '{"name":"Grace","age":45}', '--site', A.name, '--entity', 'employee']));
    assert.deepEqual(await peek(A.name, { key: 'e2', entity: 'employee' }), { name: 'Grace', age: 45 });
    expectCliFailure(await st(['set', 'e3', '{"name":"Bad","age":"old"}', '--site', A.name, '--entity', 'employee']), /INVALID_ENTITY_VALUE/, 1);
    expectCliFailure(await st(['list', '--site', A.name, '--entity', 'nobody']), /not declared/, 1);
    ok(await st(['delete', 'e2', '--site', A.name, '--entity', 'employee']));
    assert.equal(await peek(A.name, { key: 'e2', entity: 'employee' }), '(absent)');
  });

  it('set and delete: what the app then reads; every write audited', async () => {
    const r = ok(await st(['set', 'new key', '{"from":"cli","list":[1,2]}', '--site', A.name]));
    assert.equal(r.stdout, 'Set plain new key\n');
    assert.deepEqual(await peek(A.name, { key: 'new key' }), { from: 'cli', list: [1, 2] });
    const j = cliJson(ok(await st(['set', 'str', '"just a string"', '--site', A.name, '--json'])));
    assert.deepEqual(j, { key: 'str', kind: 'plain', set: true });
    assert.equal(await peek(A.name, { key: 'str' }), 'just a string');
    ok(await st(['set', 'token', '"rotated"', '--site', A.name, '--secret']));
    assert.equal(await peek(A.name, { key: 'token', secret: true }), 'rotated');
    const f = path.join(tempDir('val'), 'v.json');
    writeFileSync(f, JSON.stringify({ big: 'x'.repeat(1000) }));
    ok(await st(['set', 'from-file', '--value-file', f, '--site', A.name]));
    assert.equal((await peek(A.name, { key: 'from-file' })).big.length, 1000);
    ok(await st(['set', 'from-stdin', '--value-file', '-', '--site', A.name], { input: '[true]' }));
    assert.deepEqual(await peek(A.name, { key: 'from-stdin' }), [true]);
    assert.equal(ok(await st(['delete', 'new key', '--site', A.name])).stdout, 'Deleted plain new key\n');
    assert.equal(await peek(A.name, { key: 'new key' }), '(absent)');
    let writes = [];
    for (let i = 0; i < 30 && writes.length < 6; i++) {
      const au = ok(await kiln(k, ['audit', '--site', A.name, '-n', '1000', '--json']));
      writes = au.stdout.trim().split('\n').filter(Boolean).map((x) => JSON.parse(x)).filter((e) => e.kind === 'storage.write');
      if (writes.length < 6) await sleep(100);
    }
    const details = writes.map((e) => e.detail);
    for (const d of ['set plain new key', 'set plain str', 'set secret token', 'delete plain new key', 'set entity of employee e2', 'delete entity of employee e2']) {
      assert.ok(details.includes(d), `${d} in ${JSON.stringify(details)}`);
    }
    assert.ok(writes.every((e) => e.actor === 'admin' && e.site === A.name));
    assert.ok(!details.some((d) => d.includes('rotated')), 'never a value in the audit');
  });

  it('--site A never shows, changes or deletes site B’s keys (one app, same keys)', async () => {
    const b = cliJson(ok(await st(['list', '--site', B.name, '--json'])));
    assert.ok(b.items.every((i) => JSON.stringify(i.value).includes('BBB')), JSON.stringify(b));
    assert.ok(!b.items.some((i) => i.key === 'str' || i.key === 'from-file'), "A's new keys are A's");
    const bs = cliJson(ok(await st(['list', '--site', B.name, '--secret', '--show-secrets', '--json'])));
    assert.deepEqual(bs.items.map((i) => i.value), ['s3cret-BBB', 'also-BBB']);
    expectCliFailure(await st(['get', 'str', '--site', B.name]), /KEY_NOT_FOUND/, 1);
    expectCliFailure(await st(['delete', 'from-file', '--site', B.name]), /KEY_NOT_FOUND/, 1);
    assert.equal((await peek(A.name, { key: 'from-file' })).big.length, 1000, "A's key is still there");
    ok(await st(['set', 'cfg:1', '"B only"', '--site', B.name]));
    assert.deepEqual(await peek(A.name, { key: 'cfg:1' }), { n: 1, marker: 'AAA' });
    assert.equal(await peek(B.name, { key: 'cfg:1' }), 'B only');
    const q = cliJson(ok(await st(['query', 'cfg:', '--site', A.name, '--all', '--json'])));
    assert.ok(!JSON.stringify(q).includes('BBB') && !JSON.stringify(q).includes('B only'));
  });

  it('bad input: one line, exit 1 (usage errors exit 2); nothing changes', async () => {
    expectCliFailure(await st(['list', '--site', `nosuch-${tag}`]), /No such site/, 1);
    const C = await k.createSite(`sto-c-${tag}`);
    expectCliFailure(await st(['list', '--site', C.name]), /not installed/, 1);
    expectCliFailure(await st(['get', 'nope', '--site', A.name]), /^kiln: .*KEY_NOT_FOUND/, 1);
    expectCliFailure(await st(['set', 'k1', '{not json', '--site', A.name]), /not JSON/, 1);
    expectCliFailure(await st(['set', 'k1', 'bare words', '--site', A.name]), /not JSON/, 1);
    const big = path.join(tempDir('val'), 'big.json');
    writeFileSync(big, JSON.stringify('x'.repeat(300 * 1024)));
    expectCliFailure(await st(['set', 'big', '--value-file', big, '--site', A.name]), /too large|exceed|maximum|240/i, 1);
    const huge = path.join(tempDir('val'), 'huge.json');
    writeFileSync(huge, JSON.stringify('x'.repeat(2 * 1024 * 1024)));
    expectCliFailure(await st(['set', 'big', '--value-file', huge, '--site', A.name]), /over 1048576 bytes/, 1);
    expectCliFailure(await st(['set', 'bad/key', '1', '--site', A.name]), /INVALID_KEY|key/i, 1);
    expectCliFailure(await st(['set', 'x'.repeat(501), '1', '--site', A.name]), /KEY_TOO_LONG|long/i, 1);
    expectCliFailure(await st(['get', 'k', '--site', A.name, '--secret', '--entity', 'employee']), /--secret and --entity/, 2);
    expectCliFailure(await st(['list']), /--site/, 2);
    expectCliFailure(await st(['list', '--site', A.name, '--limit', '0']), /limit/, 1);
    expectCliFailure(await st(['list', '--site', A.name, '--limit', '101']), /limit/, 1);
    expectCliFailure(await st(['list', '--site', A.name, '--prefix', 'p'.repeat(501)]), /at most 500/, 1);
    assert.equal(await peek(A.name, { key: 'k1' }), '(absent)');
    assert.equal(await peek(A.name, { key: 'big' }), '(absent)');
  });

  it('--help of each verb prints its usage and options, exit 0', async () => {
    for (const verb of ['list', 'query', 'get', 'set', 'delete']) {
      const r = ok(await st([verb, '--help']));
      assert.match(r.stdout + r.stderr, new RegExp(`kiln storage ${verb} .*--site NAME`), r.stdout);
      assert.match(r.stdout + r.stderr, /--entity/);
    }
    assert.match(ok(await st(['get', '--help'])).stdout, /--show-secrets/);
  });

  it('the admin API behind it needs the admin token', async () => {
    const list = cliJson(ok(await st(['list', '--site', A.name, '--json'])));
    assert.ok(list.items.length > 0);
    const appId = /ari:cloud:ecosystem::app\/([0-9a-f-]{36})/.exec(await import('node:fs').then((fs) => fs.readFileSync(path.join(dir, 'manifest.yml'), 'utf8')))[1];
    const p = `/admin/v1/sites/${A.name}/installations/${appId}/development/storage`;
    expectStatus(await k.api(p), 401, 'no token');
    expectStatus(await k.api(p, { token: A.token }), 401, "a site user's token");
    expectStatus(await k.api(`${p}/item?key=cfg%3A1`, { method: 'DELETE', token: A.token }), 401, "a site user's token");
    expectStatus(await k.admin(p.replace('/admin/v1', '')), 200, 'the admin token');
    assert.deepEqual(await peek(A.name, { key: 'cfg:1' }), { n: 1, marker: 'AAA' }, 'nothing was deleted');
  });
});
