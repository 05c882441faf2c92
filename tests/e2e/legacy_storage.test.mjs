// The legacy storage API end to end: `storage` of a real old @forge/api (5.x, whose
// @forge/storage sends GraphQL to /forge/entities/graphql) in a deployed function:
// get/set/delete, secrets, prefix queries with cursors and limits, custom entities and
// their index queries; one storage with @forge/kvs (a key set through either front is
// read through the other); Forge's limits and error codes through the GraphQL errors;
// partitioning by installation (identical keys on two sites); malformed and unknown
// GraphQL documents answered with GraphQL errors; the acceptance fixture legacy-notes.
//
// Run: node --test tests/e2e/legacy_storage.test.mjs   (needs build/kiln, esbuild and
// tests/fixtures/apps/legacy-notes/node_modules from `make deps`)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, expectStatus, tempDir, writeFiles, cliOkJson as okJson,
} from './lib/kiln.mjs';

const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'apps', 'legacy-notes');
const NODE_MODULES = path.join(FIXTURE, 'node_modules'); // @forge/api 5.x and @forge/kvs

const MANIFEST = `modules:
  webtrigger:
    - key: steps
      function: steps-fn
      response:
        type: dynamic
  function:
    - key: steps-fn
      handler: index.run
app:
  runtime:
    name: nodejs20.x
  storage:
    entities:
      - name: note
        attributes:
          folder:
            type: string
          rank:
            type: integer
        indexes:
          - rank
          - name: by-folder
            partition:
              - folder
            range:
              - rank
permissions:
  scopes:
    - storage:app
`;

const SRC = `import { storage, startsWith, WhereConditions, FilterConditions, __requestAtlassianAsApp } from '@forge/api';
import { kvs } from '@forge/kvs';

async function one(s) {
  switch (s.op) {
    case 'get': return storage.get(s.key);
    case 'set': return storage.set(s.key, s.value);
    case 'delete': return storage.delete(s.key);
    case 'getSecret': return storage.getSecret(s.key);
    case 'setSecret': return storage.setSecret(s.key, s.value);
    case 'deleteSecret': return storage.deleteSecret(s.key);
    case 'query': {
      let q = storage.query();
      if (s.prefix !== undefined) q = q.where('key', startsWith(s.prefix));
      if (s.limit !== undefined) q = q.limit(s.limit);
      if (s.cursor) q = q.cursor(s.cursor);
      return s.one ? q.getOne() : q.getMany();
    }
    case 'eget': return storage.entity(s.entity).get(s.key);
    case 'eset': return storage.entity(s.entity).set(s.key, s.value);
    case 'edelete': return storage.entity(s.entity).delete(s.key);
    case 'equery': {
      let q = storage.entity(s.entity).query().index(s.index, s.partition ? { partition: s.partition } : undefined);
      if (s.range) q = q.where(WhereConditions[s.range[0]](...s.range.slice(1)));
      if (s.filter) q = q.andFilter(s.filter[0], FilterConditions[s.filter[1]](...s.filter.slice(2)));
      if (s.sort) q = q.sort(s.sort);
      if (s.limit !== undefined) q = q.limit(s.limit);
      if (s.cursor) q = q.cursor(s.cursor);
      return q.getMany();
    }
    case 'kvsGet': return kvs.get(s.key);
    case 'kvsSet': return kvs.set(s.key, s.value);
    case 'kvsGetSecret': return kvs.getSecret(s.key);
    case 'kvsSetSecret': return kvs.setSecret(s.key, s.value);
    case 'kvsEget': return kvs.entity(s.entity).get(s.key);
    case 'raw': {
      const r = await __requestAtlassianAsApp('/forge/entities/graphql', {
        method: 'POST', headers: { 'content-type': s.type ?? 'application/json' },
        body: typeof s.body === 'string' ? s.body : JSON.stringify(s.body),
      });
      return { status: r.status, body: await r.text() };
    }
    default: throw new Error('unknown step ' + s.op);
  }
}

export async function run(request) {
  const out = [];
  // what the platform answered, under @forge/storage's APIError (which keeps the message
  // only): the GraphQL errors of the step's last storage answer, codes included
  // (top-level for queries, in the mutation's payload for writes)
  const errorsIn = (j) => {
    if (!j || typeof j !== 'object') return null;
    if (Array.isArray(j.errors) && j.errors.length) return j.errors;
    for (const v of Object.values(j)) { const e = errorsIn(v); if (e) return e; }
    return null;
  };
  const real = global.__forge_fetch__;
  let graphql = null;
  global.__forge_fetch__ = async (...args) => {
    const res = await real(...args);
    try { graphql = errorsIn(await res.clone().json()); } catch { graphql = 'not JSON'; }
    return res;
  };
  try {
    for (const s of JSON.parse(request.body)) {
      graphql = null;
      try {
        const v = await one(s);
        out.push({ ok: true, value: v === undefined ? '__undefined__' : v });
      } catch (e) {
        out.push({ ok: false, error: { name: e.name, message: e.message, code: e.code, graphql } });
      }
    }
  } finally {
    global.__forge_fetch__ = real;
  }
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(out) };
}
`;

const U = '__undefined__';

describe('legacy storage API (@forge/api 5.x storage) over /forge/entities/graphql', () => {
  let k, A, B, T = {};
  const cloud = {};
  const tag = randomBytes(3).toString('hex');

  async function steps(site, list) {
    const r = await k.api(T[site], { method: 'POST', body: JSON.stringify(list), headers: { 'content-type': 'application/json' }, timeout: 60000 });
    expectStatus(r, 200, 'steps');
    return r.json;
  }
  async function val(site, step) {
    const [r] = await steps(site, [step]);
    assert.ok(r.ok, `${JSON.stringify(step).slice(0, 200)} failed: ${JSON.stringify(r.error)}`);
    return r.value;
  }
  async function err(site, step) {
    const [r] = await steps(site, [step]);
    assert.ok(!r.ok, `${JSON.stringify(step).slice(0, 200)} should fail, got ${String(JSON.stringify(r.value)).slice(0, 200)}`);
    return r.error;
  }
  /** The app's APIError carries `message`; the platform answered exactly that with
   * Forge's errorType and status 400 in its GraphQL errors. */
  function storageError(e, errorType, message) {
    assert.equal(e.name, 'Error', JSON.stringify(e));
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.deepEqual(e.graphql, [{ message: e.message, extensions: { errorType, statusCode: 400 } }], JSON.stringify(e));
  }

  before(async () => {
    assert.ok(existsSync(path.join(NODE_MODULES, '@forge', 'api', 'package.json')), `${NODE_MODULES} (run make deps)`);
    const major = JSON.parse(readFileSync(path.join(NODE_MODULES, '@forge', 'api', 'package.json'), 'utf8')).version.split('.')[0];
    assert.equal(major, '5', 'the fixture pins an old @forge/api major');
    k = await startKiln();
    A = `ls-a-${tag}`;
    B = `ls-b-${tag}`;
    cloud[A] = (await k.createSite(A)).cloudId;
    cloud[B] = (await k.createSite(B)).cloudId;
    const dir = path.join(tempDir('lsapp'), 'legacy-driver');
    writeFiles(dir, { 'manifest.yml': MANIFEST, 'src/index.js': SRC });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    for (const s of [A, B]) {
      await okJson(k, ['install', '--site', s, '--confirm-scopes', '--json'], { cwd: dir });
      T[s] = new URL((await okJson(k, ['webtrigger', 'steps', '--site', s, '--json'], { cwd: dir })).url).pathname;
    }
  });

  after(async () => {
    await k?.close();
  });

  it('get, set, delete of every JSON type; a missing key is undefined; deleting it again succeeds', async () => {
    const values = ['text', 7, 2.5, true, false, [1, { a: 'b' }], { deep: { x: [null] } }];
    const list = [];
    values.forEach((v, i) => list.push({ op: 'set', key: `v:${i}`, value: v }, { op: 'get', key: `v:${i}` }));
    const r = await steps(A, list);
    values.forEach((v, i) => {
      assert.deepEqual(r[2 * i], { ok: true, value: U }, `set ${i}: ${JSON.stringify(r[2 * i])}`);
      assert.deepEqual(r[2 * i + 1], { ok: true, value: v }, `get ${i}`);
    });
    const r2 = await steps(A, [{ op: 'delete', key: 'v:0' }, { op: 'get', key: 'v:0' }, { op: 'delete', key: 'v:0' }, { op: 'get', key: 'never' }]);
    assert.deepEqual(r2, [{ ok: true, value: U }, { ok: true, value: U }, { ok: true, value: U }, { ok: true, value: U }]);
  });

  it('one storage, two fronts: what one API sets the other reads, secrets included', async () => {
    assert.equal(await val(A, { op: 'set', key: 'shared', value: { from: 'legacy' } }), U);
    assert.deepEqual(await val(A, { op: 'kvsGet', key: 'shared' }), { from: 'legacy' });
    await val(A, { op: 'kvsSet', key: 'shared2', value: [1, 2] });
    assert.deepEqual(await val(A, { op: 'get', key: 'shared2' }), [1, 2]);
    await val(A, { op: 'setSecret', key: 'tok', value: 's3cret-legacy' });
    assert.equal(await val(A, { op: 'kvsGetSecret', key: 'tok' }), 's3cret-legacy');
    await val(A, { op: 'kvsSetSecret', key: 'tok2', value: { k: 'v' } });
    assert.deepEqual(await val(A, { op: 'getSecret', key: 'tok2' }), { k: 'v' });
    // a secret is not a plain key, and the reverse
    assert.equal(await val(A, { op: 'get', key: 'tok' }), U);
    assert.equal(await val(A, { op: 'getSecret', key: 'shared' }), U);
    await val(A, { op: 'deleteSecret', key: 'tok' });
    assert.equal(await val(A, { op: 'kvsGetSecret', key: 'tok' }), U);
    // custom entities too
    await val(A, { op: 'eset', entity: 'note', key: 'n1', value: { folder: 'x', rank: 1 } });
    assert.deepEqual(await val(A, { op: 'kvsEget', entity: 'note', key: 'n1' }), { folder: 'x', rank: 1 });
  });

  it('query: prefixes, limits, cursors over every page, getOne; secrets are never listed', async () => {
    const list = [];
    for (let i = 0; i < 23; i++) list.push({ op: 'set', key: `q:${String(i).padStart(2, '0')}`, value: i });
    list.push({ op: 'set', key: 'qq', value: 'other prefix' }, { op: 'setSecret', key: 'q:secret', value: 'hidden' });
    await steps(A, list);
    const seen = [];
    let cursor;
    let pages = 0;
    do {
      const page = await val(A, { op: 'query', prefix: 'q:', limit: 5, cursor });
      for (const r of page.results) seen.push([r.key, r.value]);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    assert.equal(pages, 6, 'five full pages, then an empty one ends the walk (nextCursor is the last key\'s)');
    assert.deepEqual(seen, Array.from({ length: 23 }, (_, i) => [`q:${String(i).padStart(2, '0')}`, i]));
    const first = await val(A, { op: 'query', prefix: 'q:' });
    assert.equal(first.results.length, 10, 'default limit 10');
    assert.deepEqual(await val(A, { op: 'query', prefix: 'q:1', one: true }), { key: 'q:10', value: 10 });
    assert.equal(await val(A, { op: 'query', prefix: 'nothing-here', one: true }), U);
    storageError(await err(A, { op: 'query', prefix: 'q:', limit: 101 }), 'LIST_QUERY_LIMIT_EXCEEDED', 'The limit of a query must be between 1 and 100.');
    storageError(await err(A, { op: 'query', prefix: 'q:', cursor: 'not-a-cursor' }), 'BAD_REQUEST', 'The cursor is not valid.');
  });

  it("Forge's limits and error codes come through as the storage API's errors", async () => {
    storageError(await err(A, { op: 'set', key: 'k'.repeat(501), value: 1 }), 'KEY_TOO_LONG', 'The provided key has exceeded the maximum 500 characters.');
    storageError(await err(A, { op: 'set', key: 'bad/key', value: 1 }), 'INVALID_KEY', /^The provided key does not match the regex: /);
    storageError(await err(A, { op: 'set', key: 'big', value: 'x'.repeat(241 * 1024) }), 'MAX_SIZE', 'The provided value has exceeded the maximum size limit (240 KiB of JSON).');
    assert.equal(await val(A, { op: 'get', key: 'big' }), U, 'nothing was written');
    storageError(await err(A, { op: 'eset', entity: 'note', key: 'n2', value: { folder: 'x', rank: 'high' } }), 'INVALID_ENTITY_VALUE',
      'Entity values must match the types of the attributes declared in the manifest.');
    assert.equal(await val(A, { op: 'eget', entity: 'note', key: 'n2' }), U, 'nothing was written');
    storageError(await err(A, { op: 'eset', entity: 'undeclared', key: 'n', value: {} }), 'INVALID_ENTITY_TYPE',
      "The entity is not declared in the manifest's app.storage.entities.");
  });

  it('custom entities: get/set/delete and index queries with partition, range, filters, sort and cursors', async () => {
    const list = [];
    for (let i = 0; i < 12; i++) list.push({ op: 'eset', entity: 'note', key: `e${i}`, value: { folder: i % 2 ? 'odd' : 'even', rank: i } });
    await steps(A, list);
    assert.deepEqual(await val(A, { op: 'eget', entity: 'note', key: 'e3' }), { folder: 'odd', rank: 3 });
    assert.equal(await val(A, { op: 'eget', entity: 'note', key: 'nope' }), U);
    const odd = await val(A, { op: 'equery', entity: 'note', index: 'by-folder', partition: ['odd'], range: ['isGreaterThan', 2], sort: 'DESC' });
    assert.deepEqual(odd.results.map((r) => r.key), ['e11', 'e9', 'e7', 'e5', 'e3']);
    const filtered = await val(A, { op: 'equery', entity: 'note', index: 'rank', range: ['between', [2, 8]], filter: ['folder', 'equalsTo', 'even'] });
    assert.deepEqual(filtered.results.map((r) => r.value.rank), [2, 4, 6, 8]);
    const keys = [];
    let cursor;
    let n = 0;
    do {
      const page = await val(A, { op: 'equery', entity: 'note', index: 'by-folder', partition: ['even'], limit: 2, cursor });
      keys.push(...page.results.map((r) => r.key));
      cursor = page.nextCursor ?? undefined;
      n++;
    } while (cursor && n < 10);
    assert.deepEqual(keys, ['e0', 'e2', 'e4', 'e6', 'e8', 'e10']);
    await val(A, { op: 'edelete', entity: 'note', key: 'e3' });
    await val(A, { op: 'edelete', entity: 'note', key: 'e3' });
    assert.equal(await val(A, { op: 'eget', entity: 'note', key: 'e3' }), U);
  });

  it('partitioned by installation: identical keys on two sites never meet', async () => {
    await val(B, { op: 'set', key: 'shared', value: 'B only' });
    await val(B, { op: 'setSecret', key: 'tok2', value: 'B secret' });
    assert.deepEqual(await val(A, { op: 'get', key: 'shared' }), { from: 'legacy' });
    assert.deepEqual(await val(A, { op: 'getSecret', key: 'tok2' }), { k: 'v' });
    assert.equal(await val(B, { op: 'get', key: 'shared' }), 'B only');
    assert.equal(await val(B, { op: 'get', key: 'shared2' }), U);
    const bq = await val(B, { op: 'query', prefix: 'q:' });
    assert.deepEqual(bq.results, []);
    assert.equal(await val(B, { op: 'eget', entity: 'note', key: 'e1' }), U);
    // a cursor from A's walk lists nothing of A's on B
    const aPage = await val(A, { op: 'query', prefix: 'q:', limit: 3 });
    const bPage = await val(B, { op: 'query', prefix: 'q:', cursor: aPage.nextCursor });
    assert.deepEqual(bPage.results, []);
  });

  it("contextAri (sent by @forge/storage 1.5, @forge/api 3.x): the invocation's own is served, another site's refused", async () => {
    const doc = 'query forge_app_getApplicationStorageEntity($contextAri: ID!, $key: ID!, $encrypted: Boolean!) { appStoredEntity(contextAri: $contextAri, key: $key, encrypted: $encrypted) { key value } }';
    const ask = (site, ari) => val(site, { op: 'raw', body: { query: doc, variables: { contextAri: ari, key: 'shared', encrypted: false } } });
    const own = await ask(A, `ari:cloud:jira::site/${cloud[A]}`);
    assert.deepEqual(JSON.parse(own.body), { data: { appStoredEntity: { key: 'shared', value: { from: 'legacy' } } } });
    for (const ari of [`ari:cloud:jira::site/${cloud[B]}`, 'ari:cloud:jira::site/', `ari:cloud:confluence::site/${cloud[A]}`, `ari:cloud:jira::site/${cloud[A]}x`]) {
      const other = await ask(A, ari);
      assert.equal(other.status, 200);
      const body = JSON.parse(other.body);
      assert.equal(body.data, undefined, `${ari}: ${other.body}`);
      assert.equal(body.errors[0].extensions.errorType, 'FORBIDDEN', other.body);
    }
  });

  it('malformed and unknown GraphQL: GraphQL error bodies, never a crash', async () => {
    const q = (doc, variables = {}) => ({ query: doc, variables });
    const cases = [
      [{ op: 'raw', body: 'not json' }, 400],
      [{ op: 'raw', body: '[1,2]' }, 400],
      [{ op: 'raw', body: {} }, 200],
      [{ op: 'raw', body: { query: 42 } }, 200],
      [{ op: 'raw', body: q('{ appStoredEntity(key: "x", encrypted: false) { value } }') }, 200],
      [{ op: 'raw', body: q('query Other { appStoredEntity { value } }') }, 200],
      [{ op: 'raw', body: q('query forge_app_getApplicationStorageEntity { somethingElse }', { key: 'x' }) }, 200],
      [{ op: 'raw', body: q('mutation forge_app_getApplicationStorageEntity { appStoredEntity { value } }', { key: 'x' }) }, 200],
      [{ op: 'raw', body: q('query forge_app_getApplicationStorageEntity { appStoredEntity { value } }', { key: 5 }) }, 200],
      [{ op: 'raw', body: q('query forge_app_getApplicationStorageEntity { appStoredEntity { value } }', { key: 'x', encrypted: 'yes' }) }, 200],
      [{ op: 'raw', body: q('query forge_app_getApplicationStorageEntity { appStoredEntity { value } }', { key: 'x', extra: 1 }) }, 200],
      [{ op: 'raw', body: q('mutation forge_app_setApplicationStorageEntity { appStorage { setAppStoredEntity { success } } }', { input: 'x' }) }, 200],
      [{ op: 'raw', body: q('mutation forge_app_setApplicationStorageEntity { appStorage { setAppStoredEntity { success } } }', { input: { key: 'x' } }) }, 200],
      [{ op: 'raw', body: q('query forge_app_getApplicationStorageEntities { appStoredEntities { edges { cursor } } }', { where: [{ field: 'key', condition: 'STARTS_WITH', value: 1 }] }) }, 200],
      [{ op: 'raw', body: q('query forge_app_getApplicationStorageEntities { appStoredEntities { edges { cursor } } }', { where: [{}, {}] }) }, 200],
      [{ op: 'raw', body: q('query AppStorageCustomEntityQueries { appStoredCustomEntities { cursor } }', { entityName: 'note' }) }, 200],
      [{ op: 'raw', body: q('query forge_app_getApplicationStorageEntity' + ' '.repeat(17000) + '{ appStoredEntity { value } }', { key: 'x' }) }, 200],
      [{ op: 'raw', body: { query: 'query forge_app_getApplicationStorageEntity { appStoredEntity { value } }', variables: { key: 'x' }, operationName: 'Other' } }, 200],
      [{ op: 'raw', body: '{"query":"query forge_app_getApplicationStorageEntity { appStoredEntity { value } }","variables":' + '['.repeat(200) + ']'.repeat(200) + '}' }, 400],
    ];
    const r = await steps(A, cases.map(([s]) => s));
    r.forEach((x, i) => {
      assert.ok(x.ok, JSON.stringify(x));
      assert.equal(x.value.status, cases[i][1], `case ${i}: ${x.value.body}`);
      const body = JSON.parse(x.value.body);
      assert.ok(Array.isArray(body.errors) && typeof body.errors[0].message === 'string', `case ${i}: ${x.value.body}`);
      // @forge/storage reads errors[0].extensions.errorType of any error
      assert.equal(typeof body.errors[0].extensions?.errorType, 'string', `case ${i}: ${x.value.body}`);
    });
    // a well-formed document with a comment and extra whitespace is answered
    const ok = await val(A, { op: 'raw', body: q('# read\n  query   forge_app_getApplicationStorageEntity($key: ID!, $encrypted: Boolean!) { appStoredEntity(key: $key, encrypted: $encrypted) { key value } }', { key: 'shared', encrypted: false }) });
    assert.deepEqual(JSON.parse(ok.body), { data: { appStoredEntity: { key: 'shared', value: { from: 'legacy' } } } });
    assert.ok(k.running);
  });

  it('legacy-notes (acceptance fixture): prefix walks with cursors and a secret, on two sites', async () => {
    const dir = path.join(tempDir('fx-legacy'), 'legacy-notes');
    cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
    rmSync(path.join(dir, 'node_modules'), { recursive: true, force: true });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    const t = {};
    for (const s of [A, B]) {
      await okJson(k, ['install', '--site', s, '--confirm-scopes', '--json'], { cwd: dir });
      t[s] = new URL((await okJson(k, ['webtrigger', 'notes', '--site', s, '--json'], { cwd: dir })).url).pathname;
    }
    const call = async (s, body, status = 200) => {
      const r = await k.api(t[s], { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      expectStatus(r, status);
      return r.json;
    };
    for (let i = 0; i < 7; i++) await call(A, { action: 'add', folder: 'work', id: `w${i}`, text: `work ${i}` }, 201);
    await call(A, { action: 'add', folder: 'home', id: 'h1', text: 'home' }, 201);
    await call(B, { action: 'add', folder: 'work', id: 'w0', text: 'B work' }, 201);
    const work = await call(A, { action: 'list', folder: 'work', pageSize: 3 });
    assert.deepEqual(work.keys.map((x) => x.key), Array.from({ length: 7 }, (_, i) => `note:work:w${i}`));
    assert.equal(work.pages, 4);
    assert.equal((await call(A, { action: 'list', pageSize: 20 })).keys.length, 8);
    assert.deepEqual((await call(B, { action: 'list', folder: 'work' })).keys, [{ key: 'note:work:w0', text: 'B work' }]);
    await call(A, { action: 'remove', folder: 'work', id: 'w3' });
    assert.equal((await call(A, { action: 'get', folder: 'work', id: 'w3' })).note, null);
    assert.deepEqual((await call(B, { action: 'get', folder: 'work', id: 'w0' })).note, { text: 'B work' });
    await call(A, { action: 'set-token', token: 'alpha-token' });
    assert.deepEqual(await call(A, { action: 'check-token', token: 'alpha-token' }), { valid: true });
    assert.deepEqual(await call(B, { action: 'check-token', token: 'alpha-token' }), { valid: false });
    await call(A, { action: 'drop-token' });
    assert.deepEqual(await call(A, { action: 'check-token', token: 'alpha-token' }), { valid: false });
  });
});
