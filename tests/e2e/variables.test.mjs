// Environment variables end to end: `kiln variables set/list/unset` in the app directory,
// seen by deployed functions in process.env from their next invocation (no redeploy), per
// environment and app, on every site the environment is installed on; encrypted values
// sealed at rest, masked in every CLI and API answer and never in kiln's logs; Forge's
// key format and limits; hostile input to the admin API; a tampered or moved sealed
// value never opens.
//
// Run: node --test tests/e2e/variables.test.mjs   (needs build/kiln and esbuild)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  startKiln, expectStatus, describeRes, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok,
  cliOkJson as okJson, expectCliFailure, describeCli, sleep,
} from './lib/kiln.mjs';

const MANIFEST = `modules:
  webtrigger:
    - key: env
      function: env-fn
      response:
        type: dynamic
  function:
    - key: env-fn
      handler: index.run
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`;

// Answers with the variables whose names the caller asks for, and leaves a mark in
// process.env that the next invocation must not see.
const SRC = `export async function run(request) {
  const names = (request.queryParameters.names?.[0] ?? '').split(',').filter(Boolean);
  const seen = {};
  for (const n of names) seen[n] = Object.prototype.hasOwnProperty.call(process.env, n) ? process.env[n] : null;
  const leftover = process.env.LEFT_BY_FUNCTION ?? null;
  process.env.LEFT_BY_FUNCTION = 'mark';
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify({ seen, leftover }) };
}
`;

async function deploy(k, name, { env = 'development', sites }) {
  const dir = path.join(tempDir('varapp'), name);
  writeFiles(dir, { 'manifest.yml': MANIFEST, 'src/index.js': SRC });
  await okJson(k, ['register', dir, '--json']);
  return addEnv(k, dir, env, sites);
}

async function addEnv(k, dir, env, sites) {
  if (!['development', 'staging', 'production'].includes(env)) ok(await kiln(k, ['environments', 'create', env, dir]));
  await okJson(k, ['deploy', dir, '-e', env, '--json']);
  const triggers = {};
  for (const s of sites) {
    await okJson(k, ['install', '--site', s, '-e', env, '--confirm-scopes', '--json'], { cwd: dir });
    triggers[s] = new URL((await okJson(k, ['webtrigger', 'env', '--site', s, '-e', env, '--json'], { cwd: dir })).url).pathname;
  }
  return { dir, triggers };
}

async function seen(k, trigger, names) {
  const r = await k.api(`${trigger}?names=${names.join(',')}`, { timeout: 30000 });
  expectStatus(r, 200, 'env function');
  return r.json;
}

const vars = (k, dir, args, opts = {}) => kiln(k, ['variables', ...args], { cwd: dir, ...opts });

/** What the store holds: SQLite's files (the database and its WAL, as they are on disk),
 * or on PostgreSQL the stored values of every variable. */
function dbBytes(k) {
  if (k.store === 'postgres') return k.sql("SELECT encode(value, 'hex') FROM variables").split('\n').map((h) => Buffer.from(h, 'hex'));
  return readdirSync(k.dataDir).filter((f) => f.startsWith('kiln.db')).map((f) => readFileSync(path.join(k.dataDir, f)));
}

/** The sealed bytes of variable `key`, in upper-case hex. */
const hexOf = (k, key) => k.sql({
  sqlite: `SELECT hex(value) FROM variables WHERE key = '${key}'`,
  postgres: `SELECT upper(encode(value, 'hex')) FROM variables WHERE key = '${key}'`,
});

describe('environment variables (kiln variables)', () => {
  let k, A, B, app, other;
  const tag = randomBytes(3).toString('hex');
  const SECRET = `s3cr3t-${randomBytes(12).toString('hex')}`;

  before(async () => {
    k = await startKiln();
    A = `var-a-${tag}`;
    B = `var-b-${tag}`;
    await k.createSite(A);
    await k.createSite(B);
    app = await deploy(k, 'env-app', { sites: [A, B] });
    other = await deploy(k, 'other-app', { sites: [A] });
  });

  after(async () => {
    await k?.close();
  });

  it('set (plain and --encrypt) reaches process.env from the next invocation, on every site, without a redeploy', async () => {
    const before_ = await seen(k, app.triggers[A], ['PLAIN', 'TOKEN']);
    assert.deepEqual(before_.seen, { PLAIN: null, TOKEN: null });
    const s1 = ok(await vars(k, app.dir, ['set', 'PLAIN', 'hello world']));
    assert.match(s1.stdout, /^Set PLAIN in development\n$/);
    const s2 = ok(await vars(k, app.dir, ['set', '--encrypt', 'TOKEN', SECRET]));
    assert.match(s2.stdout, /^Set TOKEN \(encrypted\) in development\n$/);
    assert.ok(!s2.stdout.includes(SECRET) && !s2.stderr.includes(SECRET), describeCli(s2));
    for (const site of [A, B]) {
      const r = await seen(k, app.triggers[site], ['PLAIN', 'TOKEN']);
      assert.deepEqual(r.seen, { PLAIN: 'hello world', TOKEN: SECRET }, site);
    }
    // what a function sets in process.env does not outlive its invocation
    const again = await seen(k, app.triggers[A], []);
    assert.equal(again.leftover, null);
  });

  it('list masks encrypted values (text and --json); the API never returns them', async () => {
    const text = ok(await vars(k, app.dir, ['list']));
    assert.match(text.stdout, /^PLAIN\s+no\s+hello world$/m, text.stdout);
    assert.match(text.stdout, /^TOKEN\s+yes\s+\*{8}$/m, text.stdout);
    assert.ok(!text.stdout.includes(SECRET));
    const j = await okJson(k, ['variables', 'list', '--json'], { cwd: app.dir });
    assert.equal(j.environment, 'development');
    const byKey = Object.fromEntries(j.variables.map((v) => [v.key, v]));
    assert.equal(byKey.PLAIN.value, 'hello world');
    assert.equal(byKey.PLAIN.encrypted, false);
    assert.equal(byKey.TOKEN.value, null);
    assert.equal(byKey.TOKEN.encrypted, true);
    assert.ok(!Number.isNaN(Date.parse(byKey.TOKEN.createdAt)));
    const set = await okJson(k, ['variables', 'set', 'TOKEN', SECRET, '--encrypt', '--json'], { cwd: app.dir });
    assert.deepEqual(set, { key: 'TOKEN', environment: 'development', encrypted: true, created: false });
  });

  it('encrypted values are sealed at rest and never logged', async () => {
    await sleep(200); // let the log writer flush
    for (const b of dbBytes(k)) assert.equal(b.indexOf(SECRET), -1, 'the secret is not in the database files');
    assert.ok(dbBytes(k).some((b) => b.indexOf('hello world') >= 0), 'plain values are stored as they are');
    assert.ok(!k.allStderrLines().some((l) => l.includes(SECRET)), 'the secret is not in kiln\'s log');
    assert.equal(k.sql({
      sqlite: "SELECT count(*) FROM variables WHERE key = 'TOKEN' AND encrypted = 1 AND CAST(substr(value, 1, 3) AS TEXT) = 'ks1'",
      postgres: "SELECT count(*) FROM variables WHERE key = 'TOKEN' AND encrypted = 1 AND substr(value, 1, 3) = convert_to('ks1', 'UTF8')",
    }), '1');
  });

  it('update and unset take effect from the next invocation; unset of a missing key fails', async () => {
    ok(await vars(k, app.dir, ['set', 'PLAIN', 'second']));
    assert.deepEqual((await seen(k, app.triggers[B], ['PLAIN'])).seen, { PLAIN: 'second' });
    const u = ok(await vars(k, app.dir, ['unset', 'PLAIN']));
    assert.match(u.stdout, /^Removed PLAIN from development\n$/);
    assert.deepEqual((await seen(k, app.triggers[A], ['PLAIN', 'TOKEN'])).seen, { PLAIN: null, TOKEN: SECRET });
    expectCliFailure(await vars(k, app.dir, ['unset', 'PLAIN']), /no variable with that key/, 1);
    // a value that looks like an option, after --
    ok(await vars(k, app.dir, ['set', '--', 'DASHED', '--not-an-option']));
    assert.deepEqual((await seen(k, app.triggers[A], ['DASHED'])).seen, { DASHED: '--not-an-option' });
    ok(await vars(k, app.dir, ['unset', 'DASHED']));
  });

  it('a value read from stdin (VALUE omitted), with its trailing newline dropped', async () => {
    ok(await vars(k, app.dir, ['set', 'FROM_STDIN', '--encrypt'], { input: 'piped value\n' }));
    assert.deepEqual((await seen(k, app.triggers[A], ['FROM_STDIN'])).seen, { FROM_STDIN: 'piped value' });
    ok(await vars(k, app.dir, ['set', 'EMPTY'], { input: '' }));
    assert.deepEqual((await seen(k, app.triggers[A], ['EMPTY'])).seen, { EMPTY: '' });
    expectCliFailure(await vars(k, app.dir, ['set', 'BIG'], { input: 'x'.repeat(3073) }), /at most 3072 bytes/, 1);
    ok(await vars(k, app.dir, ['unset', 'FROM_STDIN']));
    ok(await vars(k, app.dir, ['unset', 'EMPTY']));
  });

  it('environments and apps are separate: no variable crosses to another environment or app', async () => {
    const staging = await addEnv(k, app.dir, 'staging', [A]);
    const custom = await addEnv(k, app.dir, 'qa', [B]);
    ok(await vars(k, app.dir, ['set', 'WHERE', 'staging', '-e', 'staging']));
    ok(await vars(k, app.dir, ['set', 'WHERE', 'qa', '--environment', 'qa']));
    ok(await vars(k, other.dir, ['set', 'WHERE', 'other']));
    assert.deepEqual((await seen(k, staging.triggers[A], ['WHERE', 'TOKEN'])).seen, { WHERE: 'staging', TOKEN: null });
    assert.deepEqual((await seen(k, custom.triggers[B], ['WHERE', 'TOKEN'])).seen, { WHERE: 'qa', TOKEN: null });
    assert.deepEqual((await seen(k, app.triggers[A], ['WHERE'])).seen, { WHERE: null });
    assert.deepEqual((await seen(k, other.triggers[A], ['WHERE', 'TOKEN'])).seen, { WHERE: 'other', TOKEN: null });
    const sj = await okJson(k, ['variables', 'list', '-e', 'staging', '--json'], { cwd: app.dir });
    assert.deepEqual(sj.variables.map((v) => v.key), ['WHERE']);
    expectCliFailure(await vars(k, app.dir, ['list', '-e', 'nosuch']), /no such environment/, 1);
    expectCliFailure(await vars(k, app.dir, ['list', '-e', 'Bad Env']), /invalid environment/, 2);
  });

  it("Forge's key format: letters, digits and _, not starting with a digit, at most 128 characters", async () => {
    for (const bad of ['1ABC', 'A-B', 'A.B', 'A B', 'x'.repeat(129), 'ÄPFEL', 'A=B', '']) {
      expectCliFailure(await vars(k, app.dir, ['set', bad, 'v']), /variable key is 1 to 128 letters/, 2);
    }
    for (const good of ['a', '_', 'K_1', 'x'.repeat(128), 'lower_Case9']) {
      ok(await vars(k, app.dir, ['set', good, 'v']));
      ok(await vars(k, app.dir, ['unset', good]));
    }
    expectCliFailure(await vars(k, app.dir, ['set']), /usage/, 2);
    expectCliFailure(await vars(k, app.dir, ['unset']), /usage/, 2);
    expectCliFailure(await vars(k, app.dir, ['set', 'A', 'B', 'C']), /unexpected argument/, 2);
    expectCliFailure(await vars(k, tempDir('noapp'), ['list']), /manifest\.yml/, 1);
  });

  it('limits: 50 plain and 10 encrypted variables per environment, counted apart; values up to 3,072 bytes', async () => {
    const env = 'limits';
    await addEnv(k, app.dir, env, []);
    const base = `/apps/${(await appId(app.dir))}/environments/${env}/variables`;
    const put = (key, body) => k.admin(`${base}/${key}`, { method: 'PUT', body });
    for (let i = 0; i < 50; i++) expectStatus(await put(`P${i}`, { value: `v${i}` }), 200, `plain ${i}`);
    const over = await put('P50', { value: 'x' });
    expectStatus(over, 409, 'the 51st plain variable');
    assert.match(over.json.message, /50 plain variables/);
    expectStatus(await put('P0', { value: 'replaced' }), 200, 'replacing one at the limit');
    for (let i = 0; i < 10; i++) expectStatus(await put(`E${i}`, { value: `e${i}`, encrypt: true }), 200, `encrypted ${i}`);
    const eover = await put('E10', { value: 'x', encrypt: true });
    expectStatus(eover, 409, 'the 11th encrypted variable');
    assert.match(eover.json.message, /10 encrypted variables/);
    // turning a plain one into an encrypted one counts against the encrypted limit
    expectStatus(await put('P1', { value: 'x', encrypt: true }), 409, 'plain -> encrypted at the limit');
    expectStatus(await put('E0', { value: 'now plain' }), 409, 'encrypted -> plain at the plain limit');
    expectStatus(await put('V', { value: 'x'.repeat(3072) }), 409, 'a 3072-byte value passes the size check (limit reached)');
    expectStatus(await k.admin(`${base}/P2`, { method: 'DELETE' }), 200);
    expectStatus(await put('V', { value: 'é'.repeat(1536) }), 200, '3072 bytes of UTF-8');
    const big = await put('V', { value: 'é'.repeat(1536) + 'x' });
    expectStatus(big, 400, '3073 bytes');
    assert.match(big.json.message, /3072 bytes/);
    const list = await k.admin(base);
    expectStatus(list, 200);
    assert.equal(list.json.variables.filter((v) => v.encrypted).length, 10);
    assert.equal(list.json.variables.filter((v) => !v.encrypted).length, 50);
  });

  it('hostile input to the admin API: 400 for bad bodies and keys, 404 for unknown apps, environments and keys, 401 without the token', async () => {
    const id = await appId(app.dir);
    const base = `/apps/${id}/environments/development/variables`;
    const put = (key, body, opts = {}) => k.admin(`${base}/${key}`, { method: 'PUT', body, ...opts });
    const cases = [
      ['K', { value: 1 }], ['K', { value: null }], ['K', {}], ['K', { value: 'v', encrypt: 'yes' }],
      ['K', { value: 'v', extra: 1 }], ['K', { value: 'a\u0000b' }], ['K', ['v']], ['K', 'not json'],
      ['K', '{"value": "v"'], ['K', { value: { nested: 'v' } }],
      ['1K', { value: 'v' }], ['K-1', { value: 'v' }], ['K%2F1', { value: 'v' }], ['x'.repeat(129), { value: 'v' }],
      ['%C3%84', { value: 'v' }], ['K%00', { value: 'v' }],
    ];
    for (const [key, body] of cases) {
      const r = await put(key, body, typeof body === 'string' ? { headers: { 'content-type': 'application/json' } } : {});
      assert.ok(r.status === 400, `PUT ${key} ${JSON.stringify(body)}: ${describeRes(r)}`);
      assert.ok(typeof r.json?.message === 'string' || r.json?.errorMessages?.length === 1, describeRes(r));
    }
    expectStatus(await k.admin(`/apps/${id}/environments/development/variables/NOPE`, { method: 'DELETE' }), 404);
    expectStatus(await k.admin(`/apps/${id}/environments/development/variables/1BAD`, { method: 'DELETE' }), 404);
    expectStatus(await k.admin(`/apps/00000000-0000-4000-8000-000000000000/environments/development/variables`), 404);
    expectStatus(await k.admin(`/apps/not-an-app/environments/development/variables/K`, { method: 'PUT', body: { value: 'v' } }), 404);
    expectStatus(await k.admin(`/apps/${id}/environments/nosuch/variables/K`, { method: 'PUT', body: { value: 'v' } }), 404);
    expectStatus(await k.admin(`/apps/${id}/environments/..%2F/variables`), 400);
    expectStatus(await k.api(`/admin/v1${base}`, {}), 401);
    expectStatus(await k.api(`/admin/v1${base}/K`, { method: 'PUT', body: { value: 'v' }, token: 'kiln_a_wrong' }), 401);
    expectStatus(await k.admin(`${base}/K`, { method: 'POST', body: { value: 'v' } }), 405);
    // a big value (4 MB: under the 5 MB body limit, so kiln reads it all and answers
    // rather than closing the connection early on a 413) is refused without harm
    const huge = await put('K', { value: 'x'.repeat(4 * 1024 * 1024) });
    expectStatus(huge, 400, 'a 4 MB value');
    assert.ok(k.running);
    const listed = await k.admin(base);
    expectStatus(listed, 200, 'list after the refusal');
    assert.ok(!JSON.stringify(listed.json).includes('xxxxxxxx'), 'nothing of the refused value was stored');
  });

  it('a sealed value that was tampered with, or moved to another key, never opens', async () => {
    ok(await vars(k, app.dir, ['set', '--encrypt', 'SEALED', 'sealed-value']));
    assert.deepEqual((await seen(k, app.triggers[A], ['SEALED'])).seen, { SEALED: 'sealed-value' });
    // moved: the sealed bytes of SEALED copied under another key
    k.sql("INSERT INTO variables SELECT app_id, env_key, 'MOVED', encrypted, value, created_ms, updated_ms FROM variables WHERE key = 'SEALED'");
    // tampered: one byte of SEALED's ciphertext flipped
    const hex = hexOf(k, 'SEALED');
    const i = hex.length - 40; // a byte of the ciphertext
    const flipped = hex.slice(0, i) + (parseInt(hex.slice(i, i + 2), 16) ^ 1).toString(16).padStart(2, '0').toUpperCase() + hex.slice(i + 2);
    k.sql({
      sqlite: `UPDATE variables SET value = X'${flipped}' WHERE key = 'SEALED'`,
      postgres: `UPDATE variables SET value = decode('${flipped}', 'hex') WHERE key = 'SEALED'`,
    });
    assert.notEqual(hexOf(k, 'SEALED'), hex);
    await sleep(250); // kiln sees writes from outside its process within 100 ms (docs/store.md)
    const r = await seen(k, app.triggers[A], ['SEALED', 'MOVED', 'TOKEN']);
    assert.deepEqual(r.seen, { SEALED: null, MOVED: null, TOKEN: SECRET });
    await sleep(100);
    const warn = k.stderrLines.filter((l) => l.includes('does not open'));
    assert.ok(warn.some((l) => l.includes('"SEALED"')) && warn.some((l) => l.includes('"MOVED"')), warn.join('\n'));
    assert.ok(!warn.some((l) => l.includes('sealed-value')));
    k.sql("DELETE FROM variables WHERE key IN ('SEALED', 'MOVED')");
  });

  it('variables survive a restart', async () => {
    await k.restart();
    assert.deepEqual((await seen(k, app.triggers[B], ['TOKEN'])).seen, { TOKEN: SECRET });
  });
});

async function appId(dir) {
  const m = /app\/([0-9a-f-]{36})/.exec(readFileSync(path.join(dir, 'manifest.yml'), 'utf8'));
  return m[1];
}
