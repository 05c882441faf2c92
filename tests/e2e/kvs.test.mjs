// App storage end to end: a real Forge app using the real @forge/kvs (bundled by
// `kiln deploy`) drives every operation from inside a deployed webtrigger function:
// get/set/delete with metadata, TTL, key policies and returned values; queries with
// conditions, limits and cursors; batches; transactions (limits, all or nothing,
// conditions); secrets (sealed at rest, bound to their installation); custom entities
// with partition/range/filters/sort/cursor; each of Forge's limits and error codes;
// the storage:app scope; the rate limit; isolation of installations with identical keys
// (one app on two sites, two apps on one site); uninstall/reinstall/purge; and
// durability of acknowledged writes across SIGKILL.
//
// Run: node --test tests/e2e/kvs.test.mjs   (needs build/kiln, esbuild, sqlite3 or psql and the
// root node_modules with @forge/kvs)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, describeRes, expectStatus, sleep, runCli, describeCli,
  tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson,
} from './lib/kiln.mjs';
import { startTap, tapPrelude } from './lib/tap.mjs';

const NODE_MODULES = path.join(ROOT, 'node_modules');
// the hold function reports its live token here (lib/tap.mjs): a function sees no file of the host
const tap = await startTap();
after(() => tap.close());

// ---------------------------------------------------------------- the app

function manifest({ scopes = ['storage:app'], entities = true } = {}) {
  const ent = entities
    ? `  storage:
    entities:
      - name: employee
        attributes:
          name:
            type: string
          age:
            type: integer
          dept:
            type: string
        indexes:
          - age
          - name: by-dept-age
            partition:
              - dept
            range:
              - age
`
    : '';
  return `modules:
  webtrigger:
    - key: kvs
      function: kvs-fn
      response:
        type: dynamic
    - key: hold
      function: hold-fn
      response:
        type: dynamic
  function:
    - key: kvs-fn
      handler: index.run
    - key: hold-fn
      handler: index.hold
      timeoutSeconds: 55
app:
  runtime:
    name: nodejs20.x
${ent}permissions:
  scopes:
${scopes.map((s) => `    - ${s}`).join('\n')}
  external:
    fetch:
      backend:
        - ${tap.origin}
`;
}

// The driver: runs a list of steps with the real @forge/kvs and reports each result or
// error ({name, code, message, status}), in order.
const SRC = `import { kvs, WhereConditions, FilterConditions, Filter } from '@forge/kvs';
${tapPrelude}
const json = (statusCode, payload) => ({
  statusCode,
  headers: { 'Content-Type': ['application/json'] },
  body: JSON.stringify(payload),
});
const cond = (table, [name, ...vals]) => table[name](...vals);
function filter(spec) {
  const mode = spec.and ? 'and' : 'or';
  let f = new Filter();
  for (const [prop, name, ...vals] of spec[mode]) f = f[mode](prop, FilterConditions[name](...vals));
  return f;
}
const ent = (x) => (x.entity ? { entityName: x.entity, conditions: x.conditions ? filter(x.conditions) : undefined } : undefined);

async function one(s) {
  switch (s.op) {
    case 'get': return kvs.get(s.key, s.options);
    case 'set': return kvs.set(s.key, s.value, s.options);
    case 'delete': return kvs.delete(s.key);
    case 'query': {
      let q = kvs.query(s.options);
      if (s.where) q = q.where('key', cond(WhereConditions, s.where));
      if (s.limit !== undefined) q = q.limit(s.limit);
      if (s.cursor) q = q.cursor(s.cursor);
      return s.one ? q.getOne() : q.getMany();
    }
    case 'batchSet': return kvs.batchSet(s.items);
    case 'batchGet': return kvs.batchGet(s.items);
    case 'batchDelete': return kvs.batchDelete(s.items);
    case 'getSecret': return kvs.getSecret(s.key);
    case 'setSecret': return kvs.setSecret(s.key, s.value, s.options);
    case 'deleteSecret': return kvs.deleteSecret(s.key);
    case 'eget': return kvs.entity(s.entity).get(s.key, s.options);
    case 'eset': return kvs.entity(s.entity).set(s.key, s.value, s.options);
    case 'edelete': return kvs.entity(s.entity).delete(s.key);
    case 'equery': {
      let q = kvs.entity(s.entity).query(s.options).index(s.index, s.partition ? { partition: s.partition } : undefined);
      if (s.range) q = q.where(cond(WhereConditions, s.range));
      if (s.filters) q = q.filters(filter(s.filters));
      if (s.sort) q = q.sort(s.sort);
      if (s.limit !== undefined) q = q.limit(s.limit);
      if (s.cursor) q = q.cursor(s.cursor);
      return q.getMany();
    }
    case 'transact': {
      let t = kvs.transact();
      for (const x of s.set ?? []) t = t.set(x.key, x.value, ent(x), x.options);
      for (const x of s.delete ?? []) t = t.delete(x.key, ent(x));
      for (const x of s.check ?? []) t = t.check(x.key, ent(x));
      return t.execute();
    }
    case 'raw': {
      const r = await global.__forge_fetch__({ type: 'kvs', provider: 'app', remote: 'kvs' }, s.path, {
        method: 'POST',
        body: typeof s.body === 'string' ? s.body : JSON.stringify(s.body),
        headers: { 'content-type': 'application/json' },
      });
      return { status: r.status, body: await r.text(), headers: Object.fromEntries(r.headers) };
    }
    case 'installation': return global.__forge_runtime__.appContext.installationId;
    default: throw new Error('unknown step ' + s.op);
  }
}

export async function run(request) {
  const out = [];
  for (const s of JSON.parse(request.body)) {
    try {
      const v = await one(s);
      out.push({ ok: true, value: v === undefined ? '__undefined__' : v });
    } catch (e) {
      out.push({ ok: false, error: { name: e.name, code: e.code, message: e.message, status: e.responseDetails?.status } });
    }
  }
  return json(200, out);
}

// Hands its live invocation token to the caller (the test's tap), then stays alive until
// told, or for ms.
export async function hold(request) {
  const tap = request.queryParameters.tap[0], key = request.queryParameters.key[0];
  await report(tap, key, global.__forge_runtime__.proxy);
  const ms = Number(request.queryParameters.ms?.[0] ?? 20000);
  await Promise.race([holdOn(tap, key), new Promise((r) => setTimeout(r, ms))]);
  return json(200, { held: true });
}
`;

function makeApp(name, opts) {
  const dir = path.join(tempDir('kvsapp'), name);
  writeFiles(dir, { 'manifest.yml': manifest(opts), 'src/index.js': SRC });
  symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
  return dir;
}

async function deployApp(k, name, sites, opts) {
  const dir = makeApp(name, opts);
  await okJson(k, ['register', dir, '--json']);
  await okJson(k, ['deploy', dir, '--json']);
  const triggers = {};
  for (const s of sites) {
    await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
    triggers[s.name] = await triggersOf(k, dir, s.name);
  }
  return { dir, triggers };
}

async function triggersOf(k, dir, site) {
  const t = {};
  for (const key of ['kvs', 'hold']) {
    const j = await okJson(k, ['webtrigger', key, '--site', site, '--json'], { cwd: dir });
    t[key] = new URL(j.url).pathname;
    t.installationId = j.installationId;
  }
  return t;
}

/** Runs steps in the function behind trigger path `t`; returns the array of results. */
async function steps(k, t, list) {
  const res = await k.api(t.kvs, { method: 'POST', body: JSON.stringify(list), timeout: 60000, headers: { 'content-type': 'application/json' } });
  expectStatus(res, 200, `kvs driver ${JSON.stringify(list).slice(0, 200)}`);
  assert.ok(Array.isArray(res.json), describeRes(res));
  return res.json;
}

/** One step's value; fails with the step's error otherwise. */
async function val(k, t, step) {
  const [r] = await steps(k, t, [step]);
  assert.ok(r.ok, `${JSON.stringify(step).slice(0, 300)} failed: ${JSON.stringify(r.error)}`);
  return r.value;
}

/** One step's error. */
async function err(k, t, step) {
  const [r] = await steps(k, t, [step]);
  assert.ok(!r.ok, `${JSON.stringify(step).slice(0, 300)} should fail, got ${String(JSON.stringify(r.value)).slice(0, 300)}`);
  assert.equal(r.error.name, 'ForgeKvsError', JSON.stringify(r.error));
  return r.error;
}

async function expectCode(k, t, step, status, code) {
  const e = await err(k, t, step);
  assert.equal(e.code, code, `${JSON.stringify(step).slice(0, 200)}: ${JSON.stringify(e)}`);
  assert.equal(e.status, status, `${JSON.stringify(step).slice(0, 200)}: ${JSON.stringify(e)}`);
}

const U = '__undefined__';


/** Starts the hold function; resolves with {token, url, release()} once it has written its token. */
async function holdToken(k, t, ms = 20000) {
  const key = `hold-${randomBytes(4).toString('hex')}`;
  const call = k.api(`${t.hold}?tap=${encodeURIComponent(tap.origin)}&key=${key}&ms=${ms}`, { timeout: ms + 10000 }).catch((e) => ({ error: e }));
  const { token, url } = await tap.wait(key);
  return {
    token, url, call,
    /** Lets the invocation finish; it must answer as the hold function does. */
    release: async () => {
      tap.release(key);
      const r = await call;
      assert.equal(r.error, undefined, `the hold invocation: ${r.error?.message}`);
      expectStatus(r, 200, 'the hold invocation');
      assert.deepEqual(r.json, { held: true });
      return r;
    },
  };
}

// ---------------------------------------------------------------- the tests

describe('app storage through the real @forge/kvs', () => {
  let k, A, B, app, app2, noscope;

  before(async () => {
    assert.ok(existsSync(path.join(NODE_MODULES, '@forge', 'kvs', 'package.json')), `@forge/kvs in ${NODE_MODULES}`);
    k = await startKiln();
    const tag = randomBytes(3).toString('hex');
    [A, B] = await Promise.all([k.siteWithToken(`kv-a-${tag}`), k.siteWithToken(`kv-b-${tag}`)]);
    app = await deployApp(k, 'kvs-app', [A, B]);
    app2 = await deployApp(k, 'kvs-app-2', [A]);
    noscope = await deployApp(k, 'kvs-noscope', [A], { scopes: ['read:jira-work'], entities: false });
  });

  after(async () => {
    await k?.close();
  });

  const TA = () => app.triggers[A.name];
  const TB = () => app.triggers[B.name];

  it('set, get, delete: values of every JSON type round-trip; a missing key is undefined', async () => {
    const values = ['text', 42, 1.5, true, false, null, [1, 'two', { three: 3 }], { nested: { deep: [true] } }];
    const list = [];
    values.forEach((v, i) => list.push({ op: 'set', key: `t:${i}`, value: v }, { op: 'get', key: `t:${i}` }));
    const r = await steps(k, TA(), list);
    values.forEach((v, i) => {
      assert.deepEqual(r[2 * i], { ok: true, value: U }, `set ${i}`);
      assert.deepEqual(r[2 * i + 1], { ok: true, value: v }, `get ${i}`);
    });
    const r2 = await steps(k, TA(), [
      { op: 'delete', key: 't:0' }, { op: 'get', key: 't:0' }, { op: 'delete', key: 't:0' }, { op: 'get', key: 'never-set' },
    ]);
    assert.deepEqual(r2.map((x) => x.value), [U, U, U, U], JSON.stringify(r2));
  });

  it('metadata fields, TTL (expireTime), keyPolicy FAIL_IF_EXISTS and returnValue PREVIOUS/LATEST', async () => {
    const t0 = Math.floor(Date.now() / 1000);
    await val(k, TA(), { op: 'set', key: 'meta', value: 'v1', options: { ttl: { value: 2, unit: 'HOURS' } } });
    const g = await val(k, TA(), { op: 'get', key: 'meta', options: { metadataFields: ['CREATED_AT', 'UPDATED_AT', 'EXPIRE_TIME'] } });
    assert.equal(g.key, 'meta');
    assert.equal(g.value, 'v1');
    assert.ok(Math.abs(g.createdAt - t0) <= 2 && Math.abs(g.updatedAt - t0) <= 2, JSON.stringify(g));
    const exp = Date.parse(g.expireTime);
    assert.ok(Math.abs(exp - (t0 * 1000 + 7200000)) < 5000, `expireTime about 2 h ahead: ${g.expireTime}`);
    await expectCode(k, TA(), { op: 'set', key: 'meta', value: 'v2', options: { keyPolicy: 'FAIL_IF_EXISTS' } }, 409, 'KEY_ALREADY_EXISTS');
    assert.equal(await val(k, TA(), { op: 'get', key: 'meta' }), 'v1');
    const prev = await val(k, TA(), { op: 'set', key: 'meta', value: 'v3', options: { keyPolicy: 'OVERRIDE', returnValue: 'PREVIOUS', returnMetadataFields: ['CREATED_AT'] } });
    assert.equal(prev.value, 'v1');
    assert.equal(typeof prev.createdAt, 'number');
    const latest = await val(k, TA(), { op: 'set', key: 'meta', value: 'v4', options: { keyPolicy: 'OVERRIDE', returnValue: 'LATEST' } });
    assert.deepEqual(latest, { key: 'meta', value: 'v4' });
    await val(k, TA(), { op: 'set', key: 'fresh', value: 1, options: { keyPolicy: 'FAIL_IF_EXISTS' } });
  });

  it('TTL: an expired value is never returned (get, query, batchGet) and is removed in the background', async () => {
    await val(k, TA(), { op: 'set', key: 'ttl:short', value: 'soon gone', options: { ttl: { value: 1, unit: 'SECONDS' } } });
    assert.equal(await val(k, TA(), { op: 'get', key: 'ttl:short' }), 'soon gone');
    await sleep(1200);
    const r = await steps(k, TA(), [
      { op: 'get', key: 'ttl:short' },
      { op: 'query', where: ['beginsWith', 'ttl:'] },
      { op: 'batchGet', items: [{ key: 'ttl:short' }] },
    ]);
    assert.equal(r[0].value, U);
    assert.deepEqual(r[1].value.results, []);
    assert.equal(r[2].value.failedKeys[0].error.code, 'KEY_NOT_FOUND');
    // the sweep (every second) deletes the row itself
    const end = Date.now() + 5000;
    let left;
    while ((left = k.sql("SELECT count(*) FROM kvs WHERE key = 'ttl:short'")) !== '0' && Date.now() < end) await sleep(200);
    assert.equal(left, '0', 'the expired row is gone from the store');
    await expectCode(k, TA(), { op: 'set', key: 'ttl:bad', value: 1, options: { ttl: { value: -1, unit: 'SECONDS' } } }, 400, 'INVALID_TTL');
  });

  it('query: beginsWith, default limit 10, max 100, cursors over every page, getOne, expireTime metadata', async () => {
    const items = [];
    for (let i = 0; i < 23; i++) items.push({ key: `q:${String(i).padStart(2, '0')}`, value: i });
    for (let i = 0; i < items.length; i += 20) assert.deepEqual((await val(k, TA(), { op: 'batchSet', items: items.slice(i, i + 20) })).failedKeys, []);
    const first = await val(k, TA(), { op: 'query', where: ['beginsWith', 'q:'] });
    assert.equal(first.results.length, 10, 'default limit 10');
    assert.ok(first.nextCursor);
    const seen = [];
    let cursor;
    for (let page = 0; page < 10; page++) {
      const r = await val(k, TA(), { op: 'query', where: ['beginsWith', 'q:'], limit: 7, cursor });
      seen.push(...r.results.map((x) => x.key));
      cursor = r.nextCursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, items.map((x) => x.key), 'every key once, in order');
    assert.deepEqual(await val(k, TA(), { op: 'query', where: ['beginsWith', 'q:1'], one: true }), { key: 'q:10', value: 10 });
    await expectCode(k, TA(), { op: 'query', limit: 101 }, 400, 'LIST_QUERY_LIMIT_EXCEEDED');
    // limit 100 over 110 matching keys: exactly 100, then the other 10
    const many = Array.from({ length: 110 }, (_, i) => ({ key: `l:${String(i).padStart(3, '0')}`, value: i }));
    for (let i = 0; i < many.length; i += 20) assert.deepEqual((await val(k, TA(), { op: 'batchSet', items: many.slice(i, i + 20) })).failedKeys, []);
    const p100 = await val(k, TA(), { op: 'query', where: ['beginsWith', 'l:'], limit: 100 });
    assert.deepEqual(p100.results.map((x) => x.key), many.slice(0, 100).map((x) => x.key), 'limit 100: the first 100');
    assert.ok(p100.nextCursor, 'and a cursor to the rest');
    const rest = await val(k, TA(), { op: 'query', where: ['beginsWith', 'l:'], limit: 100, cursor: p100.nextCursor });
    assert.deepEqual(rest.results.map((x) => x.key), many.slice(100).map((x) => x.key), 'the last 10');
    await val(k, TA(), { op: 'set', key: 'qt:1', value: 1, options: { ttl: { value: 1, unit: 'DAYS' } } });
    const m = await val(k, TA(), { op: 'query', where: ['beginsWith', 'qt:'], options: { metadataFields: ['EXPIRE_TIME'] } });
    assert.ok(Date.parse(m.results[0].expireTime) > Date.now(), JSON.stringify(m));
    const between = await val(k, TA(), { op: 'query', where: ['between', 'q:03', 'q:05'] });
    assert.deepEqual(between.results.map((x) => x.key), ['q:03', 'q:04', 'q:05']);
  });

  it('batchSet, batchGet, batchDelete: per-item failures, entities mixed in, duplicates refused', async () => {
    const s = await val(k, TA(), {
      op: 'batchSet',
      items: [
        { key: 'b:1', value: 1 },
        { key: 'bad key!', value: 2 },
        { key: 'b:e', value: { name: 'Ann', age: 30, dept: 'eng' }, entityName: 'employee' },
      ],
    });
    assert.deepEqual(s.successfulKeys, [{ key: 'b:1' }, { key: 'b:e', entityName: 'employee' }]);
    assert.equal(s.failedKeys.length, 1);
    assert.equal(s.failedKeys[0].key, 'bad key!');
    assert.equal(s.failedKeys[0].error.code, 'INVALID_KEY');
    const g = await val(k, TA(), { op: 'batchGet', items: [{ key: 'b:1' }, { key: 'b:none' }, { key: 'b:e', entityName: 'employee' }] });
    assert.deepEqual(g.successfulKeys.map((x) => [x.key, x.value]), [['b:1', 1], ['b:e', { name: 'Ann', age: 30, dept: 'eng' }]]);
    assert.deepEqual(g.failedKeys.map((x) => [x.key, x.error.code]), [['b:none', 'KEY_NOT_FOUND']]);
    await expectCode(k, TA(), { op: 'batchSet', items: [{ key: 'd', value: 1 }, { key: 'd', value: 2 }] }, 400, 'DUPLICATE_KEYS');
    await expectCode(k, TA(), { op: 'batchSet', items: [] }, 400, 'BAD_REQUEST');
    const d = await val(k, TA(), { op: 'batchDelete', items: [{ key: 'b:1' }, { key: 'b:e', entityName: 'employee' }] });
    assert.equal(d.successfulKeys.length, 2);
    assert.equal(await val(k, TA(), { op: 'get', key: 'b:1' }), U);
  });

  it('transactions: all or nothing, at most 25 operations, each key once, conditions on entities', async () => {
    await val(k, TA(), { op: 'set', key: 'tx:old', value: 'old' });
    assert.equal(await val(k, TA(), { op: 'transact', set: [{ key: 'tx:a', value: 'a' }, { key: 'tx:b', value: 'b', options: { ttl: { value: 1, unit: 'DAYS' } } }], delete: [{ key: 'tx:old' }] }), U);
    const r = await steps(k, TA(), [{ op: 'get', key: 'tx:a' }, { op: 'get', key: 'tx:b' }, { op: 'get', key: 'tx:old' }]);
    assert.deepEqual(r.map((x) => x.value), ['a', 'b', U]);
    // a bad operation anywhere: nothing lands
    const deep = JSON.parse('['.repeat(32) + ']'.repeat(32));
    await expectCode(k, TA(), { op: 'transact', set: [{ key: 'tx:c', value: 'c' }, { key: 'tx:d', value: deep }] }, 400, 'MAX_DEPTH');
    assert.equal(await val(k, TA(), { op: 'get', key: 'tx:c' }), U, 'the first set of the failed transaction did not land');
    const many = Array.from({ length: 26 }, (_, i) => ({ key: `tx:m${i}`, value: i }));
    await expectCode(k, TA(), { op: 'transact', set: many }, 400, 'TOO_MANY_OPERATIONS');
    assert.equal(await val(k, TA(), { op: 'get', key: 'tx:m0' }), U);
    assert.equal(await val(k, TA(), { op: 'transact', set: many.slice(0, 25) }), U, '25 operations are fine');
    await expectCode(k, TA(), { op: 'transact', set: [{ key: 'tx:x', value: 1 }], delete: [{ key: 'tx:x' }] }, 400, 'DUPLICATE_KEYS');
    // conditions: a check that fails rolls back the sets
    await val(k, TA(), { op: 'eset', entity: 'employee', key: 'tx:e', value: { name: 'Zed', age: 20, dept: 'hr' } });
    const tx = (age) => ({
      op: 'transact',
      set: [{ key: 'tx:cond', value: age }],
      check: [{ key: 'tx:e', entity: 'employee', conditions: { and: [['age', 'greaterThan', age]] } }],
    });
    await expectCode(k, TA(), tx(30), 409, 'CONDITION_CHECK_FAILED');
    assert.equal(await val(k, TA(), { op: 'get', key: 'tx:cond' }), U);
    assert.equal(await val(k, TA(), tx(10)), U);
    assert.equal(await val(k, TA(), { op: 'get', key: 'tx:cond' }), 10);
    // the 4 MB payload limit
    const big = 'x'.repeat(200 * 1024);
    const heavy = Array.from({ length: 21 }, (_, i) => ({ key: `tx:h${i}`, value: big }));
    await expectCode(k, TA(), { op: 'transact', set: heavy }, 400, 'PAYLOAD_TOO_LARGE');
  });

  it("Forge's limits: key length and pattern, value size (240 KiB), depth (31)", async () => {
    await val(k, TA(), { op: 'set', key: 'k'.repeat(500), value: 1 });
    await expectCode(k, TA(), { op: 'set', key: 'k'.repeat(501), value: 1 }, 400, 'KEY_TOO_LONG');
    await expectCode(k, TA(), { op: 'get', key: 'k'.repeat(501) }, 400, 'KEY_TOO_LONG');
    await expectCode(k, TA(), { op: 'set', key: 'slash/key', value: 1 }, 400, 'INVALID_KEY');
    await expectCode(k, TA(), { op: 'set', key: '   ', value: 1 }, 400, 'INVALID_KEY');
    await expectCode(k, TA(), { op: 'set', key: '', value: 1 }, 400, 'KEY_TOO_SHORT');
    await val(k, TA(), { op: 'set', key: 'Ok key:with.all_the-allowed#chars 1', value: 1 });
    await val(k, TA(), { op: 'set', key: 'size:ok', value: 'x'.repeat(240 * 1024 - 2) });
    await expectCode(k, TA(), { op: 'set', key: 'size:big', value: 'x'.repeat(240 * 1024 - 1) }, 400, 'MAX_SIZE');
    const nest = (n) => JSON.parse('['.repeat(n) + ']'.repeat(n));
    await val(k, TA(), { op: 'set', key: 'depth:ok', value: nest(31) });
    await expectCode(k, TA(), { op: 'set', key: 'depth:bad', value: nest(32) }, 400, 'MAX_DEPTH');
    await expectCode(k, TA(), { op: 'set', key: 'depth:worse', value: nest(100) }, 400, 'MAX_DEPTH');
    assert.deepEqual(await val(k, TA(), { op: 'get', key: 'depth:ok' }), nest(31));
  });

  it('NUL: values holding NUL round-trip byte for byte; a key, entity name or key condition holding one is refused', async () => {
    const nested = { s: 'a\u0000b', list: ['\u0000', 'x\u0000'] };
    const r = await steps(k, TA(), [
      { op: 'set', key: 'nul:v', value: 'x\u0000y' }, { op: 'get', key: 'nul:v' },
      { op: 'set', key: 'nul:o', value: nested }, { op: 'get', key: 'nul:o' },
      { op: 'eset', entity: 'employee', key: 'nul:e', value: { name: 'Ann\u0000Lee', age: 7, dept: 'd\u0000x' } },
      { op: 'equery', entity: 'employee', index: 'by-dept-age', partition: ['d\u0000x'] },
      { op: 'equery', entity: 'employee', index: 'by-dept-age', partition: ['d'] },
    ]);
    for (const x of r) assert.ok(x.ok, JSON.stringify(r));
    assert.equal(r[1].value, 'x\u0000y', 'a string value with a NUL comes back whole');
    assert.deepEqual(r[3].value, nested);
    assert.deepEqual(r[5].value.results.map((e) => [e.key, e.value.name]), [['nul:e', 'Ann\u0000Lee']],
      'a partition value with a NUL matches exactly that value');
    assert.deepEqual(r[6].value.results, [], 'and not the value cut at the NUL');
    // raw bodies, as a client that skips @forge/kvs would send them
    const raw = (p, body) => ({ op: 'raw', path: p, body });
    const bad = await steps(k, TA(), [
      raw('/api/v1/set', '{"key":"nul:k\\u0000x","value":1}'),
      raw('/api/v1/get', '{"key":"nul:v\\u0000"}'),
      raw('/api/v1/entity/get', '{"entityName":"employee\\u0000x","key":"nul:e"}'),
      raw('/api/v1/entity/query', '{"entityName":"employee","indexName":"by-dept-age\\u0000","partition":["d\\u0000x"]}'),
      raw('/api/v1/query', '{"where":[{"property":"key","condition":"BEGINS_WITH","values":["nul:\\u0000"]}]}'),
      raw('/api/v1/batch/set', '[{"key":"nul:b","entityName":"employee\\u0000","value":{"age":1}}]'),
    ]);
    for (const [i, x] of bad.entries()) {
      assert.ok(x.ok, JSON.stringify(x));
      assert.equal(x.value.status, 400, `raw ${i}: ${JSON.stringify(x.value)}`);
      assert.match(JSON.parse(x.value.body).message, /NUL|regex/, `raw ${i}: ${x.value.body}`);
    }
    assert.equal(await val(k, TA(), { op: 'get', key: 'nul:k' }), U, 'nothing was stored under the cut key');
    assert.equal(await val(k, TA(), { op: 'get', key: 'nul:b' }), U);
  });

  it('secrets: readable only through getSecret, stored encrypted, bound to their installation', async () => {
    const plain = `s3cret-${randomBytes(6).toString('hex')}`;
    await val(k, TA(), { op: 'setSecret', key: 'api-token', value: plain });
    assert.equal(await val(k, TA(), { op: 'getSecret', key: 'api-token' }), plain);
    assert.equal(await val(k, TA(), { op: 'get', key: 'api-token' }), U, 'not a plain value');
    const listed = await val(k, TA(), { op: 'query', limit: 100 });
    assert.ok(!JSON.stringify(listed).includes(plain), 'never listed');
    // at rest: the stored row does not hold the plaintext (either store), nor SQLite's files
    assert.equal(k.sql("SELECT count(*) FROM kvs WHERE kind = 1 AND key = 'api-token'"), '1', 'the secret is a row');
    assert.equal(k.sql({
      sqlite: `SELECT count(*) FROM kvs WHERE instr(CAST(value AS BLOB), CAST('${plain}' AS BLOB)) > 0`,
      postgres: `SELECT count(*) FROM kvs WHERE position(convert_to('${plain}', 'UTF8') IN value) > 0`,
    }), '0', 'no row holds the plaintext');
    for (const f of ['kiln.db', 'kiln.db-wal']) {
      const p = path.join(k.dataDir, f);
      if (existsSync(p)) assert.ok(!readFileSync(p).includes(Buffer.from(plain)), `${f} does not hold the plaintext`);
    }
    // nor do kiln's logs or the function logs
    assert.ok(!k.allStderrLines().join('\n').includes(plain), 'not in kiln\'s log');
    const logs = await kiln(k, ['logs', '--site', A.name, '-n', '1000', '--json']);
    assert.ok(!logs.stdout.includes(plain), 'not in the function logs');
    // a ciphertext moved to another installation does not open there
    const ia = TA().installationId, ib = TB().installationId;
    k.sql(`INSERT INTO kvs SELECT (SELECT site_id FROM installations WHERE id = '${ib}'), '${ib}', kind, entity, 'moved', value, created_ms, updated_ms, expire_ms FROM kvs WHERE installation_id = '${ia}' AND kind = 1 AND key = 'api-token'`);
    k.sql(`INSERT INTO kvs SELECT site_id, installation_id, kind, entity, 'renamed', value, created_ms, updated_ms, expire_ms FROM kvs WHERE installation_id = '${ia}' AND kind = 1 AND key = 'api-token'`);
    const moved = await err(k, TB(), { op: 'getSecret', key: 'moved' });
    assert.equal(moved.status, 500, JSON.stringify(moved));
    const renamed = await err(k, TA(), { op: 'getSecret', key: 'renamed' });
    assert.equal(renamed.status, 500, JSON.stringify(renamed));
    await val(k, TA(), { op: 'deleteSecret', key: 'api-token' });
    assert.equal(await val(k, TA(), { op: 'getSecret', key: 'api-token' }), U);
  });

  it('custom entities: get/set/delete, partition + range + filters + sort + cursor, declared types', async () => {
    const people = [['p1', 'Ann', 'eng', 30], ['p2', 'Bob', 'eng', 25], ['p3', 'Cid', 'ops', 41], ['p4', 'Dee', 'eng', 41], ['p5', 'Eve', 'eng', 35]];
    const put = await steps(k, TA(), people.map(([key, name, dept, age]) => ({ op: 'eset', entity: 'employee', key, value: { name, dept, age } })));
    assert.deepEqual(put.filter((x) => !x.ok), [], 'every employee stored');
    assert.deepEqual(await val(k, TA(), { op: 'eget', entity: 'employee', key: 'p3' }), { name: 'Cid', dept: 'ops', age: 41 });
    const q = { op: 'equery', entity: 'employee', index: 'by-dept-age', partition: ['eng'], range: ['greaterThanEqualTo', 30], sort: 'DESC', limit: 2 };
    const p1 = await val(k, TA(), q);
    assert.deepEqual(p1.results.map((x) => x.key), ['p4', 'p5']);
    assert.ok(p1.nextCursor);
    const p2 = await val(k, TA(), { ...q, cursor: p1.nextCursor });
    assert.deepEqual(p2.results.map((x) => x.key), ['p1']);
    assert.equal(p2.nextCursor, undefined);
    const f = await val(k, TA(), { op: 'equery', entity: 'employee', index: 'age', filters: { or: [['name', 'beginsWith', 'B'], ['dept', 'equalTo', 'ops']] } });
    assert.deepEqual(f.results.map((x) => x.key), ['p2', 'p3']);
    const between = await val(k, TA(), { op: 'equery', entity: 'employee', index: 'age', range: ['between', 30, 40] });
    assert.deepEqual(between.results.map((x) => x.key), ['p1', 'p5']);
    await expectCode(k, TA(), { op: 'eset', entity: 'employee', key: 'bad', value: { age: 'old' } }, 400, 'INVALID_ENTITY_VALUE');
    await expectCode(k, TA(), { op: 'eset', entity: 'stranger', key: 'x', value: {} }, 400, 'INVALID_ENTITY_TYPE');
    await expectCode(k, TA(), { op: 'equery', entity: 'employee', index: 'no-such-index' }, 400, 'INVALID_ENTITY_INDEX');
    await val(k, TA(), { op: 'edelete', entity: 'employee', key: 'p5' });
    assert.equal(await val(k, TA(), { op: 'eget', entity: 'employee', key: 'p5' }), U);
    assert.equal(await val(k, TA(), { op: 'get', key: 'p1' }), U, 'entities are apart from plain keys');
    // the same app on site B sees none of A's entities
    assert.deepEqual((await val(k, TB(), { op: 'equery', entity: 'employee', index: 'age' })).results, []);
  });

  it('isolation: identical keys in two installations of one app (two sites) and of two apps (one site)', async () => {
    const T2 = app2.triggers[A.name];
    const keys = ['same', 'shared:1', 'shared:2'];
    for (const [t, tag] of [[TA(), 'app1@A'], [TB(), 'app1@B'], [T2, 'app2@A']]) {
      const r = await steps(k, t, [
        ...keys.map((key) => ({ op: 'set', key, value: tag })),
        { op: 'setSecret', key: 'same', value: `secret ${tag}` },
        { op: 'eset', entity: 'employee', key: 'same', value: { name: tag, age: 1, dept: 'x' } },
      ]);
      assert.ok(r.every((x) => x.ok), JSON.stringify(r));
    }
    for (const [t, tag] of [[TA(), 'app1@A'], [TB(), 'app1@B'], [T2, 'app2@A']]) {
      const r = await steps(k, t, [
        ...keys.map((key) => ({ op: 'get', key })),
        { op: 'getSecret', key: 'same' },
        { op: 'eget', entity: 'employee', key: 'same' },
        { op: 'query', where: ['beginsWith', 'shared:'] },
      ]);
      assert.deepEqual(r.slice(0, 3).map((x) => x.value), [tag, tag, tag], `${tag} reads its own values`);
      assert.equal(r[3].value, `secret ${tag}`);
      assert.equal(r[4].value.name, tag);
      assert.deepEqual(r[5].value.results.map((x) => x.value), [tag, tag], `${tag} lists only its own`);
    }
    // a body that names another installation changes nothing: the token decides
    const ib = TB().installationId;
    const raw = await val(k, TA(), { op: 'raw', path: '/api/v1/set', body: { key: 'same', value: 'forged', installationId: ib, installation_id: ib } });
    assert.equal(raw.status, 204, JSON.stringify(raw));
    assert.equal(await val(k, TB(), { op: 'get', key: 'same' }), 'app1@B');
    assert.equal(await val(k, TA(), { op: 'get', key: 'same' }), 'forged');
    await val(k, TA(), { op: 'delete', key: 'shared:1' });
    assert.equal(await val(k, TB(), { op: 'get', key: 'shared:1' }), 'app1@B');
    assert.equal(await val(k, T2, { op: 'get', key: 'shared:1' }), 'app2@A');
  });

  it('examples/project-report keeps its last report per site in app storage (real @forge/kvs from its own node_modules)', async () => {
    const example = path.join(ROOT, 'examples', 'project-report');
    assert.ok(existsSync(path.join(example, 'node_modules', '@forge', 'kvs', 'package.json')), 'make deps installed the example');
    const dir = path.join(tempDir('example'), 'project-report');
    cpSync(example, dir, { recursive: true, filter: (src) => !src.split(path.sep).includes('node_modules') });
    symlinkSync(path.join(example, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    const url = {};
    for (const s of [A, B]) {
      await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
      url[s.name] = new URL((await okJson(k, ['webtrigger', 'site-report', '--site', s.name, '--json'], { cwd: dir })).url).pathname;
    }
    const report = async (s) => {
      const r = await k.api(url[s.name], { timeout: 60000 });
      expectStatus(r, 200, `site-report on ${s.name}`);
      return r.json;
    };
    const a1 = await report(A);
    assert.equal(a1.previousReport, null, 'the first report of A has no predecessor');
    const a2 = await report(A);
    assert.equal(a2.previousReport?.generatedAt, a1.generatedAt, JSON.stringify(a2.previousReport));
    const b1 = await report(B);
    assert.equal(b1.previousReport, null, "B does not see A's last report under the same key");
    const a3 = await report(A);
    assert.equal(a3.previousReport?.generatedAt, a2.generatedAt);
    assert.equal(a3.lastIssueEvent, null, 'no issue event yet');

    // its issue-activity trigger: an issue created on A is an event of A's installation only
    let r = await k.jira(A.cloudId, '/project', { method: 'POST', token: A.token,
      body: { key: 'EXR', name: 'Example report', projectTypeKey: 'software', leadAccountId: A.accountId } });
    expectStatus(r, 201, 'project on A');
    r = await k.jira(A.cloudId, '/issue', { method: 'POST', token: A.token,
      body: { fields: { project: { key: 'EXR' }, summary: 'an event for A', issuetype: { name: 'Task' } } } });
    expectStatus(r, 201, 'issue on A');
    const key = r.json.key;
    let a4;
    for (let i = 0; i < 200 && (a4 = await report(A)).lastIssueEvent?.issueKey !== key; i++) await sleep(100);
    assert.deepEqual({ ...a4.lastIssueEvent, at: undefined }, {
      eventType: 'avi:jira:created:issue', issueKey: key, summary: 'an event for A', changed: [], by: A.accountId, at: undefined,
    });
    assert.equal((await report(B)).lastIssueEvent, null, "B's installation got none of A's events");
  });

  it('the storage:app scope is required: 403 without it', async () => {
    const t = noscope.triggers[A.name];
    const e = await err(k, t, { op: 'get', key: 'x' });
    assert.equal(e.status, 403, JSON.stringify(e));
    assert.equal(e.code, 'FORBIDDEN');
    assert.match(e.message, /Granted: \[read:jira-work\]\. Allowed with all of: \[storage:app\]/);
    const r = await val(k, t, { op: 'raw', path: '/api/v1/set', body: { key: 'x', value: 1 } });
    assert.equal(r.status, 403);
  });

  it('wrong paths and methods answer clearly; a token outside an invocation is refused', async () => {
    const r = await steps(k, TA(), [
      { op: 'raw', path: '/api/v1/nope', body: {} },
      { op: 'raw', path: '/api/v2/get', body: { key: 'x' } },
      { op: 'raw', path: '/api/v1/get', body: 'not json' },
    ]);
    assert.equal(r[0].value.status, 404);
    assert.equal(r[1].value.status, 404);
    assert.equal(r[2].value.status, 400);
    assert.equal(JSON.parse(r[2].value.body).code, 'BAD_REQUEST');
    const h = await holdToken(k, TA(), 5000);
    await h.release();
    const dead = await k.api('/_proxy/kvs/api/v1/get', { method: 'POST', token: h.token, body: { key: 'same' } });
    expectStatus(dead, 401, 'a finished invocation\'s token');
  });

  it('uninstall keeps the data for the retention period; a reinstall does not see it; the purge removes it', async () => {
    const dir = makeApp('kvs-lifecycle');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    await okJson(k, ['install', '--site', B.name, '--confirm-scopes', '--json'], { cwd: dir });
    const first = await triggersOf(k, dir, B.name);
    const put = await steps(k, first, [{ op: 'set', key: 'life', value: 1 }, { op: 'setSecret', key: 'life', value: 2 }]);
    assert.deepEqual(put.filter((x) => !x.ok), [], 'both stored');
    const rows = (id) => k.sql(`SELECT count(*) FROM kvs WHERE installation_id = '${id}'`);
    assert.equal(rows(first.installationId), '2');
    const un = await okJson(k, ['uninstall', '--site', B.name, '--json'], { cwd: dir });
    await okJson(k, ['install', '--site', B.name, '--confirm-scopes', '--json'], { cwd: dir });
    const second = await triggersOf(k, dir, B.name);
    assert.notEqual(second.installationId, first.installationId);
    assert.equal(await val(k, second, { op: 'get', key: 'life' }), U, 'the reinstall starts empty');
    assert.equal(await val(k, second, { op: 'getSecret', key: 'life' }), U);
    assert.equal(rows(first.installationId), '2', 'kept during the retention period');
    // the uninstall says when: removedAt plus the retention period (28 days by default)
    assert.equal(un.state, 'removed', JSON.stringify(un));
    assert.equal(typeof un.purgeAfter, 'string', `uninstall --json names purgeAfter: ${JSON.stringify(un)}`);
    const purgeAfter = Date.parse(un.purgeAfter);
    assert.equal(purgeAfter - Date.parse(un.removedAt), 28 * 86400000, JSON.stringify(un));
    const early = await okJson(k, ['purge', '--now', String(purgeAfter - 1000), '--json']);
    assert.equal(early.purged, 0, `nothing to purge a second early: ${JSON.stringify(early)}`);
    assert.equal(rows(first.installationId), '2');
    const p = await okJson(k, ['purge', '--now', String(purgeAfter + 1000), '--json']);
    assert.equal(p.purged, 1, `the one removed installation: ${JSON.stringify(p)}`);
    assert.equal(rows(first.installationId), '0', 'purged');
    await val(k, second, { op: 'set', key: 'life', value: 3 });
    assert.equal(rows(second.installationId), '1', 'the active installation keeps its data');
  });

  it('durability: every acknowledged set survives SIGKILL during concurrent writes; store check passes', async () => {
    const h = await holdToken(k, TA(), 30000);
    const acked = [];
    const state = { stop: false };
    const writer = async (w) => {
      for (let i = 0; !state.stop; i++) {
        const key = `dur:${w}:${i}`;
        const value = { w, i, pad: 'p'.repeat(i % 50) };
        let r;
        try {
          r = await k.api('/_proxy/kvs/api/v1/set', { method: 'POST', token: h.token, body: { key, value }, timeout: 5000 });
        } catch {
          return;
        }
        if (r.status === 204) acked.push({ key, value });
        else if (!state.stop) return;
      }
    };
    const loops = Array.from({ length: 8 }, (_, w) => writer(w));
    const t0 = Date.now();
    while (acked.length < 300 && Date.now() - t0 < 10000) await sleep(10);
    const killed = await k.kill9();
    state.stop = true;
    assert.equal(killed.signal, 'SIGKILL');
    await Promise.all(loops);
    assert.ok(acked.length >= 50, `enough writes were acknowledged before the kill (${acked.length})`);
    await k.start();
    const h2 = await holdToken(k, TA(), 30000);
    const missing = [];
    for (let i = 0; i < acked.length; i += 25) {
      const batch = acked.slice(i, i + 25);
      const r = await k.api('/_proxy/kvs/api/v1/batch/get', { method: 'POST', token: h2.token, body: batch.map((a) => ({ key: a.key })) });
      expectStatus(r, 200, 'batch get after restart');
      const got = new Map(r.json.successfulKeys.map((x) => [x.key, x.value]));
      for (const a of batch) if (JSON.stringify(got.get(a.key)) !== JSON.stringify(a.value)) missing.push(a.key);
    }
    await h2.release();
    assert.deepEqual(missing, [], `acknowledged writes lost: ${missing.length} of ${acked.length}`);
    await k.stop();
    const check = await runCli(['store', 'check', ...k.storeArgs()], { timeout: 60000 });
    assert.equal(check.code, 0, describeCli(check));
    assert.match(check.stdout, /ok/);
    await k.start();
  });
});

describe('app storage rate limit', () => {
  let k, S, app;

  before(async () => {
    k = await startKiln({ extraArgs: ['--kvs-rate', '5'] });
    S = await k.siteWithToken(`kv-rate-${randomBytes(3).toString('hex')}`);
    app = await deployApp(k, 'kvs-rate', [S], { entities: false });
  });

  after(async () => {
    await k?.close();
  });

  it('per installation: over the limit answers 429 RATE_LIMIT_EXCEEDED with Retry-After', async () => {
    const t = app.triggers[S.name];
    const list = Array.from({ length: 7 }, () => ({ op: 'raw', path: '/api/v1/get', body: { key: 'x' } }));
    const r = await steps(k, t, list);
    const statuses = r.map((x) => x.value.status);
    assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429, 429], JSON.stringify(r.map((x) => x.value.body)));
    const last = r[6].value;
    assert.equal(JSON.parse(last.body).code, 'RATE_LIMIT_EXCEEDED');
    assert.match(last.headers['retry-after'] ?? '', /^\d+$/);
    assert.equal(last.headers['x-ratelimit-limit'], '5');
    assert.equal(last.headers['x-ratelimit-remaining'], '0');
    const e = await err(k, t, { op: 'get', key: 'x' });
    assert.equal(e.code, 'RATE_LIMIT_EXCEEDED');
    assert.equal(e.status, 429);
  });
});
