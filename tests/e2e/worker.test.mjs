// kiln's Node worker (runtime/node/worker.js), end to end: the test spawns the worker the
// way kiln does (cwd = a snapshot dir, fd 3 = requests, fd 4 = replies), talks the
// protocol of runtime/node/README.md, and runs a tiny fake kiln proxy on 127.0.0.1.
//
// Bundles with the real @forge/api (and @forge/kvs) are built with esbuild exactly as
// `kiln deploy` does. They need the packages somewhere on disk; looked for in
//   $KILN_FORGE_NODE_MODULES, ./node_modules, examples/project-report/node_modules  (@forge/api)
//   $KILN_FORGE_KVS_NODE_MODULES, ./node_modules, examples/*/node_modules                  (@forge/kvs)
// and those tests are skipped (saying why) when a package or esbuild is missing, e.g.
//   npm i --prefix /tmp/kvs @forge/kvs && KILN_FORGE_KVS_NODE_MODULES=/tmp/kvs/node_modules node --test tests/e2e/worker.test.mjs
//
// Run: node --test tests/e2e/worker.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WORKER = path.join(ROOT, 'runtime', 'node', 'worker.js');
const TOKEN = 'kiln_i_test_token_0123456789';
const CLOUD_ID = '5f3e8a6c-1111-4222-8333-944455556666';
const CONTEXT_ARI = `ari:cloud:jira::site/${CLOUD_ID}`;

// ---- processes and temp dirs die with the test ----------------------------------------

const live = new Set();
const temps = new Set();
process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix) {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.add(d);
  return d;
}
function writeFiles(dir, files) {
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
}

// ---- finding @forge packages and esbuild ----------------------------------------------

function findNodeModules(pkg, envVar, candidates) {
  const dirs = [process.env[envVar], ...candidates].filter(Boolean);
  return dirs.find((d) => existsSync(path.join(d, pkg, 'package.json'))) ?? null;
}
function exampleNodeModules() {
  const ex = path.join(ROOT, 'examples');
  return existsSync(ex) ? readdirSync(ex).map((d) => path.join(ex, d, 'node_modules')) : [];
}
const FORGE_API_MODULES = findNodeModules('@forge/api', 'KILN_FORGE_NODE_MODULES', [
  path.join(ROOT, 'node_modules'),
  path.join(ROOT, 'examples', 'project-report', 'node_modules'),
]);
const FORGE_KVS_MODULES = findNodeModules('@forge/kvs', 'KILN_FORGE_KVS_NODE_MODULES', [
  path.join(ROOT, 'node_modules'),
  ...exampleNodeModules(),
]);
const ESBUILD = process.env.KILN_ESBUILD || 'esbuild';
const HAVE_ESBUILD = spawnSync(ESBUILD, ['--version'], { encoding: 'utf8' }).status === 0;

/** Bundles an ESM entry the way `kiln deploy` does (src/cli/pack.c). */
function bundle(appDir, entry, outfile) {
  const r = spawnSync(
    ESBUILD,
    [path.join(appDir, entry), '--bundle', '--platform=node', '--format=cjs', '--target=node20', `--outfile=${outfile}`, '--log-level=error'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, `esbuild failed:\n${r.stdout}\n${r.stderr}`);
  return outfile;
}

// ---- the fake kiln proxy -----------------------------------------------------------------

/** Answers like kiln's /_proxy would; records every request. */
/** A temp app of one src/index.mjs (`source`) over `nodeModules`, bundled as `kiln deploy`
 * does, and a worker started in it: {worker, bundlePath}. */
async function startBundledApp(tag, source, nodeModules) {
  const app = tempDir(`kiln-worker-${tag}-`);
  writeFiles(app, { 'src/index.mjs': source });
  symlinkSync(nodeModules, path.join(app, 'node_modules'), 'dir');
  const bundlePath = bundle(app, 'src/index.mjs', path.join(app, '.kiln', 'functions', 'index.cjs'));
  const worker = startWorker({ cwd: app });
  await worker.ready();
  return { worker, bundlePath };
}

/** `socket`: listen on that Unix socket (as kiln's /run/kiln/proxy.sock in the box) instead of TCP. */
async function startProxy({ socket } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const rec = { method: req.method, url: req.url, headers: req.headers, body };
      requests.push(rec);
      const json = (status, obj, extra = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...extra });
        res.end(obj === undefined ? '' : JSON.stringify(obj));
      };
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { message: 'bad token' });
      const u = new URL(req.url, 'http://x');
      if (u.pathname.startsWith('/_proxy/fpp/') && req.headers['x-forge-provider'] === 'user') {
        return json(401, { message: 'consent needed' }, { 'forge-proxy-error': 'NEEDS_AUTHENTICATION_ERR' });
      }
      if (u.pathname === '/_proxy/fpp/rest/api/3/project/search') {
        return json(200, { total: 1, values: [{ key: 'KILN', name: 'Kiln' }] });
      }
      if (u.pathname === '/_proxy/fpp/rest/late') {
        // what kiln answers a token whose invocation has ended
        return json(401, { code: 401, message: 'Unauthorized' }, { 'x-failure-category': 'FAILURE_CLIENT_AUTH' });
      }
      if (u.pathname === '/_proxy/fpp/rest/api/3/broken') {
        return json(502, { message: 'upstream' }, { 'forge-proxy-error': 'PROXY_UPSTREAM_ERR' });
      }
      if (u.pathname === '/_proxy/fpp/graphql') {
        return json(200, { data: { createWebTriggerUrl: { url: 'https://kiln.example/x1/abc' } } });
      }
      if (u.pathname === '/_proxy/kvs/api/v1/set') return json(200, undefined);
      if (u.pathname === '/_proxy/kvs/api/v1/get') {
        const { key } = JSON.parse(body);
        return key === 'greeting' ? json(200, { key, value: { hello: 'world' } }) : json(404, { code: 'KEY_NOT_FOUND', message: 'nope' });
      }
      if (u.pathname === '/_proxy/raw/bytes') {
        // the request body back as the response body, bytes as sent (BOMs, invalid UTF-8)
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-raw': 'yes' });
        return res.end(Buffer.concat(chunks));
      }
      if (u.pathname.startsWith('/_proxy/echo/')) {
        return json(200, { method: req.method, path: u.pathname + u.search, body });
      }
      return json(404, { message: `no route ${req.method} ${req.url}` });
    });
  });
  if (socket) await new Promise((resolve) => server.listen(socket, resolve));
  else await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: socket ? 'http://kiln.invalid/_proxy' : `http://127.0.0.1:${server.address().port}/_proxy`,
    socket,
    requests,
    take() {
      return requests.splice(0, requests.length);
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// ---- the worker, driven like kiln drives it ----------------------------------------------------

function startWorker({ cwd, env = process.env, nodeArgs = [] } = {}) {
  const proc = spawn(process.execPath, [...nodeArgs, WORKER], { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
  live.add(proc);
  const frames = [];
  const waiters = [];
  let stdout = '';
  let stderr = '';
  let pending = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  proc.stdio[4].setEncoding('utf8').on('data', (d) => {
    pending += d;
    let nl;
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let frame;
      try {
        frame = JSON.parse(line);
      } catch (err) {
        frame = { type: '<not json>', line, error: err.message };
      }
      frames.push(frame);
      if (frame.type === 'fetch' && w.onFetch) w.onFetch(frame);
      for (const waiter of [...waiters]) {
        if (waiter.pred(frame)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          clearTimeout(waiter.timer);
          waiter.resolve(frame);
        }
      }
    }
  });
  proc.stdio[3].on('error', () => {}); // EPIPE once the worker is gone
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });

  const w = {
    proc,
    frames,
    /** Called with each `fetch` frame (a product call carried on the pipe), when set. */
    onFetch: null,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    sendLine(text) {
      proc.stdio[3].write(text.endsWith('\n') ? text : `${text}\n`);
    },
    send(obj) {
      w.sendLine(JSON.stringify(obj));
    },
    waitFor(pred, what = 'a frame', ms = 15000) {
      const seen = frames.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { pred, resolve };
        waiter.timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`timed out waiting for ${what}\nframes: ${JSON.stringify(frames).slice(-3000)}\nstderr: ${stderr.slice(-3000)}`));
        }, ms);
        waiters.push(waiter);
      });
    },
    /** Sends an invoke frame and waits for its result; logs = that invocation's log frames. */
    async invoke(frame) {
      w.send({ type: 'invoke', ...frame });
      const result = await w.waitFor((f) => f.type === 'result' && f.id === frame.id, `the result of ${frame.id}`);
      const logs = frames.filter((f) => f.type === 'log' && f.id === frame.id);
      return { result, logs };
    },
    /** Resolves once stderr matches re (stderr is a separate pipe: it may trail the frames). */
    async waitStderr(re, ms = 5000) {
      const until = Date.now() + ms;
      while (!re.test(stderr)) {
        if (Date.now() > until) throw new Error(`stderr never matched ${re}:\n${stderr.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async ready() {
      return w.waitFor((f) => f.type === 'ready', 'the ready frame');
    },
    close() {
      proc.stdio[3].end();
      return exited;
    },
  };
  return w;
}

let seq = 0;
const nextId = (tag) => `inv-${tag}-${++seq}`;

function appContextFor(id) {
  return {
    appId: '0b9bd9b1-7c4a-4b8e-9d5c-2f0d6f0a1a11',
    appVersion: '3.1.0',
    environmentId: '9c3b0e57-1e0a-4d5f-8a55-3f1f2b6c7d22',
    environmentType: 'DEVELOPMENT',
    invocationId: id,
    installationId: 'c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8',
    moduleKey: 'kiln-test-trigger',
    installation: { id: 'c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8', contexts: [{ cloudId: CLOUD_ID, product: 'jira' }] },
    license: { isActive: true, type: 'commercial' },
    permissions: { scopes: ['read:jira-work', 'storage:app'], external: { fetch: { backend: ['https://api.example.com'] } } },
  };
}

function runtimeFor(proxyUrl, id, extra = {}) {
  return {
    appContext: appContextFor(id),
    proxy: { url: proxyUrl, token: TOKEN },
    contextAri: CONTEXT_ARI,
    deadline: Date.now() + 25_000,
    ...extra,
  };
}

// ---- a plain CommonJS bundle (no packages needed) --------------------------------------------

const PROTOCOL_BUNDLE = `'use strict';
let calls = 0;
const sleep = (ms, v) => new Promise((r) => setTimeout(() => r(v), ms));
console.log('module loaded (log from module scope)');
exports.echo = async (payload, context) => ({ payload, context });
exports.counter = () => ++calls;
exports.logs = () => {
  console.log('plain %s %d', 'text', 42, { nested: { a: [1, 2] } });
  console.info('an info');
  console.warn('a warning');
  console.error(new Error('an error object'));
  console.debug('a debug line');
  console.dir({ dir: true });
  console.assert(false, 'assertion');
  console.table([{ k: 'v' }]);
  console.trace('traced');
  return 'logged';
};
exports.env = () => ({ test: process.env.KILN_TEST_VAR ?? null, other: process.env.KILN_OTHER_VAR ?? null, base: process.env.KILN_BASE_VAR ?? null });
exports.setEnv = () => { process.env.KILN_SET_BY_FUNCTION = 'leak?'; return process.env.KILN_SET_BY_FUNCTION; };
exports.readSetEnv = () => process.env.KILN_SET_BY_FUNCTION ?? null;
exports.throws = () => { throw new RangeError('bad range'); };
exports.rejects = async () => { await sleep(5); throw new Error('async nope'); };
exports.throwsString = () => { throw 'a plain string'; };
exports.bigint = () => 10n;
exports.cycle = () => { const a = { name: 'a' }; a.self = a; return a; };
exports.undef = () => undefined;
exports.notAFunction = 42;
exports.unhandledLate = () => { setTimeout(() => { Promise.reject(new Error('late rejection')); }, 10); return sleep(3000, 'too late'); };
exports.unhandledSync = () => { Promise.reject(new Error('forgotten rejection')); return 'returned anyway'; };
exports.uncaught = () => { setTimeout(() => { throw new TypeError('thrown from a timer'); }, 10); return sleep(3000, 'too late'); };
exports.slow = () => sleep(300, 'slept');
exports.lateLoop = () => { setTimeout(() => { console.log('x'.repeat(5000)); for (let i = 1; i < 500; i++) console.log('loop ' + i); }, 50); return 'looping'; };
exports.lateLog = () => { setTimeout(() => console.log('late log line'), 100); return 'returned before logging'; };
exports.runtime = () => {
  const rt = global.__forge_runtime__;
  const m = rt.metrics;
  m.counter('c', { t: '1' }).incr(); m.counter('c').decr();
  m.timing('t', { t: '1' }).measure().stop({ success: 'true' });
  m.gauge('g').set(3); m.histogram('h').record(1);
  return {
    keys: Object.keys(rt).sort(),
    appContext: rt.appContext,
    proxy: rt.proxy,
    contextAri: rt.contextAri,
    remaining: rt.lambdaContext.getRemainingTimeInMillis(),
    tracing: rt.tracing,
    container: rt.container,
    externalAuth: rt.externalAuth,
    aaid: rt.aaid ?? null,
    limits: rt.limits ?? null,
    hasForgeFetch: typeof global.__forge_fetch__,
  };
};
exports.fetchRaw = async ({ descriptor, path, init }) => {
  try {
    const res = await global.__forge_fetch__(descriptor, path, init);
    return { status: res.status, proxyError: res.headers.get('forge-proxy-error'), body: await res.json() };
  } catch (e) {
    return { thrown: e.name, message: e.message };
  }
};
// What __forge_fetch__'s Response does, read every way an app may read it.
exports.responseSemantics = async () => {
  const get = (body) => global.__forge_fetch__({ type: 'raw' }, '/bytes', { method: 'POST', body });
  const out = {};
  const msg = async (f) => { try { await f(); return null; } catch (e) { return \`\${e.name}: \${e.message}\`; } };

  const a = await get('{"a":1}');
  out.isResponse = a instanceof Response;
  out.meta = { status: a.status, ok: a.ok, statusText: a.statusText, raw: a.headers.get('x-raw'), type: a.headers.get('content-type'), bodyUsed: a.bodyUsed };
  out.json = await a.json();
  out.usedAfterJson = a.bodyUsed;
  out.secondRead = await msg(() => a.text());
  out.cloneAfterRead = await msg(() => a.clone());

  const b = await get('\ufeff{"bom":true}');
  const bc = b.clone();
  out.bomJson = await b.json();
  out.bomText = await bc.text();

  const c = await get('bytes \u00e9');
  out.arrayBuffer = Buffer.from(await c.arrayBuffer()).toString('hex');

  const d = await get('blob body');
  const blob = await d.blob();
  out.blob = { type: blob.type, text: await blob.text() };
  out.blobSecondRead = await msg(() => d.json());

  const e = await get('streamed');
  const reader = e.body.getReader();
  const parts = [];
  for (;;) { const { done, value } = await reader.read(); if (done) break; parts.push(Buffer.from(value)); }
  out.stream = Buffer.concat(parts).toString();
  out.usedAfterStream = e.bodyUsed;
  out.textAfterStream = await msg(() => e.text());

  const f = await get('cloned twice');
  const f2 = f.clone();
  out.clones = [await f.text(), await f2.text()];

  const g = await get('not json');
  out.badJson = await msg(() => g.json());
  const h = await get('bytes');
  out.bytes = Array.from(await h.bytes()).length;
  return out;
};
exports.big = ({ bytes }) => 'y'.repeat(bytes);
exports.openGroup = () => { console.group('left open'); console.log('inside'); return 'grouped'; };
exports.plainLog = () => { console.log('top level'); return 'logged'; };
// A streamed request body of \`bytes\` bytes (1 MiB chunks), as only fetch could send it.
exports.streamBody = async ({ bytes }) => {
  let left = bytes;
  const body = new ReadableStream({
    pull(c) {
      if (left === 0) return c.close();
      const n = Math.min(left, 1 << 20);
      left -= n;
      c.enqueue(new Uint8Array(n).fill(0x61));
    },
  });
  try {
    const res = await global.__forge_fetch__({ type: 'echo' }, '/stream', { method: 'POST', body, duplex: 'half' });
    return { status: res.status, length: (await res.json()).body.length };
  } catch (e) {
    return { thrown: e.name, message: e.message };
  }
};
exports.length = (payload) => ({ length: payload.text.length, last: payload.text.slice(-3) });
`;

describe('kiln Node worker: protocol', () => {
  let proxy;
  let worker;
  let snap;
  let bundlePath;
  const BASE_ENV = { ...process.env, KILN_BASE_VAR: 'from the worker env' };
  const call = (tag, exportName, extra = {}) => {
    const id = nextId(tag);
    return worker.invoke({
      id,
      bundle: bundlePath,
      export: exportName,
      payload: extra.payload ?? {},
      context: extra.context ?? {},
      runtime: extra.runtime ?? runtimeFor(proxy.url, id),
      env: extra.env ?? {},
    });
  };

  before(async () => {
    proxy = await startProxy();
    snap = tempDir('kiln-worker-snap-');
    bundlePath = path.join(snap, '.kiln', 'functions', 'protocol.cjs');
    writeFiles(snap, { '.kiln/functions/protocol.cjs': PROTOCOL_BUNDLE, 'manifest.yml': 'app: {}\n' });
    worker = startWorker({ cwd: snap, env: BASE_ENV, nodeArgs: ['--max-old-space-size=256'] });
  });
  after(async () => {
    if (worker) await worker.close();
    if (proxy) await proxy.close();
  });

  it('says ready with its pid and Node version', async () => {
    const ready = await worker.ready();
    assert.deepEqual(ready, { type: 'ready', pid: worker.proc.pid, node: process.version });
    assert.equal(worker.frames[0].type, 'ready', 'ready is the first frame');
  });

  it('passes payload and context as sent, and returns the value', async () => {
    const payload = { issue: { key: 'KILN-1', fields: { summary: 'héllo ✓ 🚀' } }, list: [1, 2.5, null, true], empty: {} };
    const context = { principal: { accountId: '557058:abc' }, installContext: CONTEXT_ARI, cloudId: CLOUD_ID };
    const { result } = await call('echo', 'echo', { payload, context });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.value.payload, payload);
    assert.deepEqual(result.value.context, context);
    assert.deepEqual(Object.keys(result), ['type', 'id', 'ok', 'value']);
  });

  it('console.* calls become log frames with the invocation id, and nothing reaches stdout', async () => {
    const { result, logs } = await call('logs', 'logs');
    assert.equal(result.value, 'logged');
    const by = logs.map((l) => [l.level, l.message]);
    assert.deepEqual(by[0], ['log', "plain text 42 { nested: { a: [ 1, 2 ] } }"]);
    assert.deepEqual(by[1], ['info', 'an info']);
    assert.deepEqual(by[2], ['warn', 'a warning']);
    assert.equal(by[3][0], 'error');
    assert.match(by[3][1], /^Error: an error object\n\s+at /, 'an Error is formatted with its stack, as console does');
    assert.deepEqual(by[4], ['debug', 'a debug line']);
    assert.deepEqual(by[5], ['log', '{ dir: true }']);
    assert.deepEqual(by[6], ['warn', 'Assertion failed: assertion']);
    assert.equal(by[7][0], 'log');
    assert.match(by[7][1], /│ \(index\) │ k {3}│/);
    assert.equal(by[8][0], 'error');
    assert.match(by[8][1], /^Trace: traced\n\s+at /);
    assert.equal(by.length, 9);
    for (const l of logs) {
      assert.equal(typeof l.time, 'number');
      assert.ok(Math.abs(l.time - Date.now()) < 60_000);
      assert.deepEqual(Object.keys(l), ['type', 'id', 'level', 'message', 'time']);
    }
    // The log frames come before the result frame.
    const idx = (f) => worker.frames.indexOf(f);
    assert.ok(logs.every((l) => idx(l) < idx(result)));
    assert.equal(worker.stdout, '', 'the worker never writes to stdout');
  });

  it('the first invocation loaded the bundle: its module-scope log went to that invocation', async () => {
    const first = worker.frames.find((f) => f.type === 'log' && f.message === 'module loaded (log from module scope)');
    assert.ok(first, 'module-scope console.log is a log frame');
    assert.match(first.id, /^inv-echo-/);
    assert.equal(worker.frames.filter((f) => f.message === 'module loaded (log from module scope)').length, 1, 'loaded once');
  });

  it('module-level state persists across invocations (warm container)', async () => {
    const a = await call('count', 'counter');
    const b = await call('count', 'counter');
    assert.equal(a.result.ok, true);
    assert.equal(b.result.value, a.result.value + 1);
  });

  it('env vars of the frame are visible during the invocation and gone after it', async () => {
    const withEnv = await call('env', 'env', { env: { KILN_TEST_VAR: 'visible', KILN_OTHER_VAR: 'too', KILN_BASE_VAR: 'overridden' } });
    assert.deepEqual(withEnv.result.value, { test: 'visible', other: 'too', base: 'overridden' });
    const without = await call('env', 'env');
    assert.deepEqual(without.result.value, { test: null, other: null, base: 'from the worker env' });
    // What a function writes into process.env does not outlive its invocation either.
    assert.equal((await call('env', 'setEnv')).result.value, 'leak?');
    assert.equal((await call('env', 'readSetEnv')).result.value, null);
  });

  it('__forge_runtime__ has what @forge/api and @forge/kvs read', async () => {
    const id = nextId('rt');
    const rt = runtimeFor(proxy.url, id, { limits: { fetchCalls: 100 } });
    const { result } = await worker.invoke({ id, bundle: bundlePath, export: 'runtime', payload: {}, context: { accountId: '557058:user' }, runtime: rt, env: {} });
    assert.equal(result.ok, true, JSON.stringify(result));
    const v = result.value;
    for (const k of ['appContext', 'proxy', 'contextAri', 'lambdaContext', 'metrics', 'tracing', 'container', 'externalAuth', 'aaid']) {
      assert.ok(v.keys.includes(k), `has ${k}: ${v.keys}`);
    }
    assert.ok(!v.keys.includes('kvs'), 'no kvs field: @forge/kvs then goes through the proxy');
    assert.deepEqual(v.appContext, rt.appContext);
    assert.deepEqual(v.proxy, { url: proxy.url, token: TOKEN });
    assert.equal(v.contextAri, CONTEXT_ARI);
    assert.ok(v.remaining > 20_000 && v.remaining <= 25_000, `remaining ${v.remaining}`);
    assert.match(v.tracing.traceId, /^[0-9a-f]{32}$/);
    assert.match(v.tracing.spanId, /^[0-9a-f]{16}$/);
    assert.deepEqual(v.container, { appCodeDir: path.dirname(bundlePath) });
    assert.deepEqual(v.externalAuth, []);
    assert.equal(v.aaid, '557058:user', 'aaid defaults to context.accountId');
    assert.deepEqual(v.limits, { fetchCalls: 100 }, 'other runtime fields pass through');
    assert.equal(v.hasForgeFetch, 'function');

    // A deadline in the past: no time left, never negative.
    const id2 = nextId('rt');
    const late = await worker.invoke({ id: id2, bundle: bundlePath, export: 'runtime', payload: {}, context: {}, runtime: runtimeFor(proxy.url, id2, { deadline: Date.now() - 1000 }), env: {} });
    assert.equal(late.result.value.remaining, 0);
  });

  it('__forge_fetch__ goes to ${proxy.url}/${type}${path} with the token and the X-Forge-* headers', async () => {
    proxy.take();
    const { result } = await call('fetch', 'fetchRaw', {
      payload: {
        descriptor: { type: 'echo', provider: 'user', remote: 'confluence', accountId: '557058:abc', contextAri: CONTEXT_ARI, service: 'svc' },
        path: '/wiki/rest/api/space?limit=1',
        init: { method: 'POST', headers: { 'Content-Type': 'text/plain', 'X-App': 'mine', Authorization: 'Bearer forged', Skipped: undefined }, body: 'hi' },
      },
    });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.value, { status: 200, proxyError: null, body: { method: 'POST', path: '/_proxy/echo/wiki/rest/api/space?limit=1', body: 'hi' } });
    const [req] = proxy.take();
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`, "the worker's token wins over the app's");
    assert.equal(req.headers['x-forge-provider'], 'user');
    assert.equal(req.headers['x-forge-remote'], 'confluence');
    assert.equal(req.headers['x-forge-account-id'], '557058:abc');
    assert.equal(req.headers['x-forge-context-ari'], CONTEXT_ARI);
    assert.equal(req.headers['x-forge-service'], 'svc');
    assert.equal(req.headers['x-app'], 'mine');
    assert.equal(req.headers['content-type'], 'text/plain');
    assert.ok(!('skipped' in req.headers), 'undefined header values are dropped');

    // Headers not set in the descriptor are not sent.
    const plain = await call('fetch', 'fetchRaw', { payload: { descriptor: { type: 'echo' }, path: '/x' } });
    assert.equal(plain.result.value.status, 200);
    const [req2] = proxy.take();
    assert.equal(req2.method, 'GET');
    for (const h of ['x-forge-provider', 'x-forge-remote', 'x-forge-account-id', 'x-forge-context-ari']) assert.ok(!(h in req2.headers), h);
  });

  it("__forge_fetch__'s Response reads as undici's does: once, BOM dropped, clone, blob, stream, arrayBuffer", async () => {
    const { result } = await call('resp', 'responseSemantics');
    assert.equal(result.ok, true, JSON.stringify(result));
    const v = result.value;
    assert.equal(v.isResponse, true, 'an instance of the global Response');
    assert.deepEqual(v.meta, { status: 200, ok: true, statusText: 'OK', raw: 'yes', type: 'text/plain; charset=utf-8', bodyUsed: false });
    assert.deepEqual(v.json, { a: 1 });
    assert.equal(v.usedAfterJson, true);
    assert.equal(v.secondRead, 'TypeError: Body is unusable: Body has already been read');
    assert.equal(v.cloneAfterRead, 'TypeError: Response.clone: Body has already been consumed.');
    assert.deepEqual(v.bomJson, { bom: true }, 'json() drops a leading BOM');
    assert.equal(v.bomText, '{"bom":true}', 'text() of a clone drops it too');
    assert.equal(v.arrayBuffer, Buffer.from('bytes \u00e9').toString('hex'));
    assert.deepEqual(v.blob, { type: 'text/plain;charset=utf-8', text: 'blob body' });
    assert.equal(v.blobSecondRead, 'TypeError: Body is unusable: Body has already been read');
    assert.equal(v.stream, 'streamed');
    assert.equal(v.usedAfterStream, true);
    assert.equal(v.textAfterStream, 'TypeError: Body is unusable: Body has already been read');
    assert.deepEqual(v.clones, ['cloned twice', 'cloned twice']);
    assert.match(v.badJson, /^SyntaxError: /);
    assert.equal(v.bytes, 5);
  });

  it('__forge_fetch__ refuses paths that do not start with "/" or climb out of the type', async () => {
    proxy.take();
    for (const p of ['rest/api/3/myself', 'http://evil.example/x', '', '/../kvs/api/v1/get', '/a/%2e%2e/%2e%2e/kvs']) {
      const { result } = await call('fetchbad', 'fetchRaw', { payload: { descriptor: { type: 'echo' }, path: p } });
      assert.equal(result.ok, true);
      assert.equal(result.value.thrown, 'Error', `${JSON.stringify(p)}: ${JSON.stringify(result.value)}`);
      assert.match(result.value.message, /__forge_fetch__/);
    }
    const bad = await call('fetchbad', 'fetchRaw', { payload: { descriptor: { type: '../x' }, path: '/y' } });
    assert.match(bad.result.value.message, /invalid request type/);
    assert.equal(proxy.take().length, 0, 'nothing was sent');
  });

  it('a thrown error ends the invocation with ok:false, name and message', async () => {
    const { result } = await call('err', 'throws');
    assert.equal(result.ok, false);
    assert.equal(result.error.name, 'RangeError');
    assert.equal(result.error.message, 'bad range');
    assert.match(result.error.stack, /RangeError: bad range/);
  });

  it('a rejected promise ends the invocation with ok:false', async () => {
    const { result } = await call('err', 'rejects');
    assert.deepEqual([result.ok, result.error.name, result.error.message], [false, 'Error', 'async nope']);
  });

  it('a thrown non-Error is reported as its string', async () => {
    const { result } = await call('err', 'throwsString');
    assert.deepEqual([result.ok, result.error.name, result.error.message], [false, 'Error', 'a plain string']);
  });

  it('a missing export, a non-function export and a missing bundle → ok:false with clear messages', async () => {
    const missing = await call('err', 'run');
    assert.deepEqual(missing.result.error, { name: 'Error', message: 'export run not found in bundle' });
    const proto = await call('err', 'constructor');
    assert.deepEqual(proto.result.error, { name: 'Error', message: 'export constructor not found in bundle' });
    const notFn = await call('err', 'notAFunction');
    assert.equal(notFn.result.ok, false);
    assert.match(notFn.result.error.message, /export notAFunction of the bundle is not a function \(it is number\)/);
    const id = nextId('err');
    const gone = await worker.invoke({ id, bundle: path.join(snap, 'nope.cjs'), export: 'run', payload: {}, context: {}, runtime: runtimeFor(proxy.url, id) });
    assert.equal(gone.result.ok, false);
    assert.match(gone.result.error.message, /Cannot find module/);
    const id2 = nextId('err');
    const rel = await worker.invoke({ id: id2, bundle: 'relative.cjs', export: 'run', payload: {}, context: {}, runtime: runtimeFor(proxy.url, id2) });
    assert.match(rel.result.error.message, /"bundle" must be an absolute path/);
  });

  it('results that cannot be serialized (BigInt, cycles) → ok:false; undefined → no value (kiln: null, the bridge: undefined)', async () => {
    const big = await call('ser', 'bigint');
    assert.equal(big.result.ok, false);
    assert.equal(big.result.error.name, 'TypeError');
    assert.match(big.result.error.message, /cannot be serialized as JSON: .*BigInt/);
    const cyc = await call('ser', 'cycle');
    assert.equal(cyc.result.ok, false);
    assert.match(cyc.result.error.message, /cannot be serialized as JSON: .*circular/i);
    const undef = await call('ser', 'undef');
    assert.deepEqual(undef.result, { type: 'result', id: undef.result.id, ok: true });
  });

  it('an unhandled rejection scheduled by the function → ok:false, and the worker goes on', async () => {
    const late = await call('async', 'unhandledLate');
    assert.deepEqual([late.result.ok, late.result.error.message], [false, 'late rejection']);
    const sync = await call('async', 'unhandledSync');
    assert.deepEqual([sync.result.ok, sync.result.error.message], [false, 'forgotten rejection']);
  });

  it('an exception thrown from a timer → ok:false, and the worker goes on', async () => {
    const { result } = await call('async', 'uncaught');
    assert.deepEqual([result.ok, result.error.name, result.error.message], [false, 'TypeError', 'thrown from a timer']);
    const again = await call('async', 'counter');
    assert.equal(again.result.ok, true, 'served the next invocation');
  });

  it('a log made after the invocation returned is a late frame naming it, not a line of the next invocation', async () => {
    const { result } = await call('late', 'lateLog');
    assert.equal(result.value, 'returned before logging');
    const next = await call('late', 'slow'); // runs 300 ms; the late log fires meanwhile
    assert.equal(next.result.value, 'slept');
    const late = await worker.waitFor((f) => f.type === 'late' && f.message === 'late log line', 'the late frame');
    assert.equal(late.id, result.id, 'it names the invocation that ended');
    assert.ok(!worker.frames.some((f) => f.type === 'log' && f.message === 'late log line'), 'not a log frame');
    assert.equal(next.logs.length, 0);
  });

  it('a loop logging after the end sends at most 21 late frames (kiln logs 20 and says there were more)', async () => {
    const { result } = await call('late', 'lateLoop');
    await worker.waitFor((f) => f.type === 'late' && f.id === result.id && f.message === 'loop 20', 'the 21st late frame');
    await call('late', 'slow');
    const sent = worker.frames.filter((f) => f.type === 'late' && f.id === result.id);
    assert.equal(sent.length, 21);
    assert.ok(sent.every((f) => f.message.length <= 1024 + 64), 'each cut to 1,024 characters and a note');
  });

  it('large frames both ways (5 MB payload in, 5 MB value out), and too-large results are refused', async () => {
    const text = `${'x'.repeat(5 * 1024 * 1024)}é✓!`;
    const inp = await call('big', 'length', { payload: { text } });
    assert.deepEqual(inp.result.value, { length: text.length, last: 'é✓!' });
    const out = await call('big', 'big', { payload: { bytes: 5 * 1024 * 1024 } });
    assert.equal(out.result.ok, true);
    assert.equal(out.result.value.length, 5 * 1024 * 1024);
    const tooBig = await call('big', 'big', { payload: { bytes: 7 * 1024 * 1024 } });
    assert.equal(tooBig.result.ok, false);
    assert.match(tooBig.result.error.message, /return value is too large/);
  });

  it("a console.group left open ends with its invocation: the next one's lines are not indented", async () => {
    const open = await call('group', 'openGroup');
    // (the bundle's module-scope line comes first when this is the worker's first invocation)
    assert.deepEqual(open.logs.map((l) => l.message).slice(-2), ['left open', '  inside']);
    const next = await call('group', 'plainLog');
    assert.equal(next.result.value, 'logged');
    assert.deepEqual(next.logs.map((l) => l.message), ['top level']);
  });

  it("a streamed body over the box's socket is read whole up to kiln's body limit (base/limits.h), and refused past it before anything is sent", async () => {
    const limits = readFileSync(path.join(ROOT, 'src', 'base', 'limits.h'), 'utf8');
    const m = /#define KILN_MAX_BODY \((\d+)u \* 1024 \* 1024\)/.exec(limits);
    assert.ok(m, 'KILN_MAX_BODY in src/base/limits.h');
    const max = Number(m[1]) * 1024 * 1024;
    const sockProxy = await startProxy({ socket: path.join(tempDir('kiln-worker-sock-'), 'proxy.sock') });
    try {
      const viaSocket = (id) => ({ ...runtimeFor(sockProxy.url, id), proxy: { url: sockProxy.url, token: TOKEN, socket: sockProxy.socket } });
      const send = (bytes) => {
        const id = nextId('stream');
        return worker.invoke({ id, bundle: bundlePath, export: 'streamBody', payload: { bytes }, context: {}, runtime: viaSocket(id), env: {} });
      };
      const at = await send(max);
      assert.deepEqual(at.result.value, { status: 200, length: max }, JSON.stringify(at.result).slice(0, 300));
      assert.equal(sockProxy.take().length, 1);
      const over = await send(max + 1);
      assert.equal(over.result.value.thrown, 'Error', JSON.stringify(over.result).slice(0, 300));
      assert.equal(over.result.value.message, `__forge_fetch__: the request body is larger than ${max} bytes`);
      assert.equal(sockProxy.take().length, 0, 'nothing reached kiln');
    } finally {
      await sockProxy.close();
    }
  });

  it('ignores junk lines and unknown frame types, then serves the next invoke', async () => {
    worker.sendLine('this is not json');
    worker.sendLine('[1,2,3]');
    worker.send({ type: 'bogus' });
    worker.send({ type: 'invoke', bundle: bundlePath, export: 'counter' }); // no id
    const { result } = await call('junk', 'counter');
    assert.equal(result.ok, true);
    await worker.waitStderr(/not JSON/);
    await worker.waitStderr(/unknown type "bogus"/);
    await worker.waitStderr(/without a string "id"/);
  });

  it('nothing was written to stdout through all of this', () => {
    assert.equal(worker.stdout, '');
  });
});

// ---- product calls carried on the pipe (runtime.proxy.pipe) -----------------------------------

const PIPE_BUNDLE = `'use strict';
const call = (path, init) => global.__forge_fetch__({ type: 'fpp', provider: 'app', remote: 'jira' }, path, init);
const read = async (res) => ({ status: res.status, statusText: res.statusText, type: res.headers.get('content-type'), extra: res.headers.get('x-extra'), body: await res.text() });
exports.one = async ({ path, init }) => read(await call(path, init));
exports.parallel = async () => Promise.all(['/rest/a', '/rest/b', '/rest/c'].map(async (p) => (await call(p)).text()));
exports.aborted = async () => {
  const ac = new AbortController();
  const p = call('/rest/slow', { signal: ac.signal });
  ac.abort();
  try { await p; return 'resolved'; } catch (e) { return e.name; }
};
exports.late = async () => {
  globalThis.lateStatus = null;
  setTimeout(() => { call('/rest/late').then((r) => { globalThis.lateStatus = r.status; }, (e) => { globalThis.lateStatus = e.message; }); }, 30);
  return 'returned';
};
exports.lateStatus = async () => globalThis.lateStatus ?? null;
exports.slow = async () => { await new Promise((r) => setTimeout(r, 300)); return 'slow done'; };
exports.head = async () => { const r = await call('/rest/h', { method: 'HEAD' }); return { status: r.status, body: r.body }; };
exports.storage = async () => (await global.__forge_fetch__({ type: 'echo' }, '/api/v1/get', { method: 'POST', body: '{}' })).json();
exports.entities = async () => (await call('/forge/entities/graphql', { method: 'POST', body: '{}' })).status;
// The same call made every way __forge_fetch__ may get it: no init, a bare GET init, an
// init with (empty) headers, and descriptors with more proxy headers, one needing a trim.
exports.headerWays = async () => {
  const f = (d, init) => global.__forge_fetch__({ type: 'fpp', ...d }, '/rest/hdr', init);
  const jira = { provider: 'app', remote: 'jira' };
  const user = { provider: 'user', remote: 'jira', accountId: 'acc-1', contextAri: 'ari:cloud:jira::site/x' };
  const out = [];
  for (const [d, init] of [[jira, undefined], [jira, { method: 'get' }], [jira, { headers: {} }], [jira, { method: 'GET', headers: new Headers() }],
    [user, undefined], [user, { headers: {} }], [{ ...jira, accountId: ' padded ' }, undefined], [{ ...jira, accountId: ' padded ' }, { headers: {} }]]) {
    const r = await f(d, init);
    out.push({ status: r.status, multi: r.headers.get('x-multi'), type: r.headers.get('content-type'), body: await r.text() });
  }
  // a value Headers refuses (a character past U+00FF, a line break) is refused either way
  const refused = [];
  for (const init of [undefined, { headers: {} }]) {
    for (const accountId of ['\\u{1f600}', 'a\\nb']) {
      try { await f({ ...jira, accountId }, init); refused.push('sent'); } catch (e) { refused.push(e.name); }
    }
  }
  return { out, refused };
};
// An answer kiln sent as \`text\` (a string), read every way an app may read it.
exports.textReads = async () => {
  const out = {};
  const j = await call('/rest/t/json');
  out.type = j.headers.get('content-type');
  out.json = await j.json();
  try { await j.text(); out.second = 'read twice'; } catch (e) { out.second = e.message; }
  const t = await call('/rest/t/bom');
  const tc = t.clone();
  out.bomText = await t.text();
  out.bomJson = await tc.json();
  out.bytes = Buffer.from(await (await call('/rest/t/bytes')).arrayBuffer()).toString('hex');
  const parts = [];
  for await (const c of (await call('/rest/t/stream')).body) parts.push(Buffer.from(c));
  out.stream = Buffer.concat(parts).toString('utf8');
  out.blob = await (await (await call('/rest/t/blob')).blob()).text();
  return out;
};
`;

describe('kiln Node worker: product calls on the pipe (runtime.proxy.pipe)', () => {
  let proxy;
  let worker;
  let bundlePath;
  const answers = new Map(); // path -> response frame fields; '/slow' is never answered
  const invoke = (tag, exportName, payload = {}) => {
    const id = nextId(tag);
    return worker.invoke({ id, bundle: bundlePath, export: exportName, payload, context: {}, runtime: runtimeFor(proxy.url, id, { proxy: { url: proxy.url, token: TOKEN, pipe: true } }), env: {} });
  };
  const fetchFrames = () => worker.frames.filter((f) => f.type === 'fetch');

  before(async () => {
    proxy = await startProxy();
    const snap = tempDir('kiln-worker-pipe-');
    bundlePath = path.join(snap, '.kiln', 'functions', 'pipe.cjs');
    writeFiles(snap, { '.kiln/functions/pipe.cjs': PIPE_BUNDLE });
    worker = startWorker({ cwd: snap });
    await worker.ready();
    const pending = [];
    worker.onFetch = (f) => {
      const route = f.path.replace(/^\/_proxy\/fpp/, '').split('?')[0];
      if (route === '/rest/slow') return;
      const a = answers.get(route) ?? { status: 200, headers: [['content-type', 'text/plain']], body: Buffer.from(`answer to ${route}`).toString('base64url') };
      const frame = { type: 'response', seq: f.seq, ...a };
      if (route === '/rest/a' || route === '/rest/b' || route === '/rest/c') {
        // the three parallel calls are answered in reverse order: matched by seq, not order
        pending.push(frame);
        if (pending.length === 3) for (const fr of pending.reverse()) worker.send(fr);
        return;
      }
      worker.send(frame);
    };
  });
  after(async () => {
    if (worker) await worker.close();
    if (proxy) await proxy.close();
  });

  it('a call goes out as a fetch frame (method, path, headers, base64 body) and its response frame is the Response', async () => {
    answers.set('/rest/api/3/issue', { status: 201, headers: [['content-type', 'application/json'], ['x-extra', 'yes']], body: Buffer.from('{"id":"10001"}').toString('base64url') });
    const before = fetchFrames().length;
    const { result } = await invoke('pipe', 'one', { path: '/rest/api/3/issue?x=1', init: { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"fields":{"summary":"é"}}' } });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.value, { status: 201, statusText: 'Created', type: 'application/json', extra: 'yes', body: '{"id":"10001"}' });
    const [f] = fetchFrames().slice(before);
    assert.equal(f.id, result.id, "the frame names the invocation that made the call");
    assert.equal(f.method, 'POST');
    assert.equal(f.path, '/_proxy/fpp/rest/api/3/issue?x=1');
    const headers = Object.fromEntries(f.headers);
    assert.equal(headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(headers['x-forge-provider'], 'app');
    assert.equal(headers['x-forge-remote'], 'jira');
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(Buffer.from(f.body, 'base64').toString('utf8'), '{"fields":{"summary":"é"}}');
    assert.equal(proxy.take().length, 0, 'nothing went over HTTP');
  });

  it('an answer sent as text (a string, as kiln sends UTF-8 bodies) reads as the bytes would: json, text without BOM, bytes, stream, blob, once', async () => {
    const text = (t) => ({ status: 200, headers: [['content-type', 'application/json;charset=UTF-8']], text: t });
    answers.set('/rest/t/json', text('{"\u00e9":[1,"x"]}'));
    answers.set('/rest/t/bom', text('\ufeff{"bom":true}'));
    answers.set('/rest/t/bytes', text('bytes \u00e9\u{1f600}'));
    answers.set('/rest/t/stream', text('streamed \u00e9'));
    answers.set('/rest/t/blob', text('blob \u00e9'));
    const { result } = await invoke('pipe', 'textReads');
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.value, {
      type: 'application/json;charset=UTF-8',
      json: { '\u00e9': [1, 'x'] },
      second: 'Body is unusable: Body has already been read',
      bomText: '{"bom":true}',
      bomJson: { bom: true },
      bytes: Buffer.from('bytes \u00e9\u{1f600}', 'utf8').toString('hex'),
      stream: 'streamed \u00e9',
      blob: 'blob \u00e9',
    });
  });

  it('a call without headers of its own sends exactly the header pairs the Headers path sends; answers keep repeated headers', async () => {
    answers.set('/rest/hdr', { status: 200, headers: [['content-type', 'text/plain'], ['x-multi', 'a'], ['X-Multi', 'b']], text: 'ok' });
    const before = fetchFrames().length;
    const { result } = await invoke('pipe', 'headerWays');
    assert.equal(result.ok, true, JSON.stringify(result));
    for (const r of result.value.out) assert.deepEqual(r, { status: 200, multi: 'a, b', type: 'text/plain', body: 'ok' });
    assert.deepEqual(result.value.refused, ['TypeError', 'TypeError', 'TypeError', 'TypeError']);
    const frames = fetchFrames().slice(before);
    assert.equal(frames.length, 8);
    const app = [['authorization', `Bearer ${TOKEN}`], ['x-forge-provider', 'app'], ['x-forge-remote', 'jira']];
    for (const i of [0, 1, 2, 3]) {
      assert.deepEqual(frames[i].headers, app, `call ${i}`);
      assert.equal(frames[i].method, 'GET');
      assert.equal(frames[i].body, null);
    }
    const user = [['authorization', `Bearer ${TOKEN}`], ['x-forge-account-id', 'acc-1'], ['x-forge-context-ari', 'ari:cloud:jira::site/x'],
      ['x-forge-provider', 'user'], ['x-forge-remote', 'jira']];
    assert.deepEqual(frames[4].headers, user);
    assert.deepEqual(frames[5].headers, user);
    // a value Headers would trim goes the Headers way, whichever way the call came
    const padded = [['authorization', `Bearer ${TOKEN}`], ['x-forge-account-id', 'padded'], ['x-forge-provider', 'app'], ['x-forge-remote', 'jira']];
    assert.deepEqual(frames[6].headers, padded);
    assert.deepEqual(frames[7].headers, padded);
  });

  it('concurrent calls are matched to their answers by seq, whatever the order', async () => {
    const { result } = await invoke('pipe', 'parallel');
    assert.deepEqual(result.value, ['answer to /rest/a', 'answer to /rest/b', 'answer to /rest/c']);
  });

  it('an aborted call rejects with AbortError at once; HEAD and 204 have no body', async () => {
    const { result } = await invoke('pipe', 'aborted');
    assert.equal(result.value, 'AbortError');
    answers.set('/rest/h', { status: 204, headers: [], body: '' });
    const h = await invoke('pipe', 'head');
    assert.deepEqual(h.result.value, { status: 204, body: null });
  });

  it("a late call made while the worker is idle goes over HTTP, where its dead token is refused", async () => {
    // kiln reads an idle worker's fd 4 only when it hands it the next invocation
    proxy.take();
    const before = fetchFrames().length;
    const first = await invoke('pipe', 'late');
    assert.equal(first.result.value, 'returned');
    for (let i = 0; i < 100 && !proxy.requests.some((r) => r.url === '/_proxy/fpp/rest/late'); i++) await new Promise((r) => setTimeout(r, 10));
    const sent = proxy.take().filter((r) => r.url === '/_proxy/fpp/rest/late');
    assert.equal(sent.length, 1, 'the late call went over HTTP');
    assert.equal(sent[0].headers.authorization, `Bearer ${TOKEN}`, 'with the ended invocation\'s token');
    assert.equal(fetchFrames().length, before, 'no fetch frame');
    await new Promise((r) => setTimeout(r, 50));
    const second = await invoke('pipe', 'lateStatus');
    assert.equal(second.result.value, 401);
  });

  it("a late call made while another invocation runs carries no invocation id on the pipe (kiln refuses it)", async () => {
    answers.set('/rest/late', { status: 401, headers: [['content-type', 'application/json'], ['x-failure-category', 'FAILURE_CLIENT_AUTH']], body: Buffer.from('{"code":401,"message":"Unauthorized"}').toString('base64url') });
    const before = fetchFrames().length;
    const first = await invoke('pipe', 'late');
    assert.equal(first.result.value, 'returned');
    const running = invoke('pipe', 'slow'); // the late call (30 ms on) falls inside it
    const f = await worker.waitFor((fr) => fr.type === 'fetch' && fr.path.endsWith('/rest/late'), 'the late fetch frame');
    assert.ok(fetchFrames().length > before);
    assert.equal(f.id, '', 'the running invocation does not own the late call');
    assert.equal((await running).result.value, 'slow done');
    await new Promise((r) => setTimeout(r, 50));
    const second = await invoke('pipe', 'lateStatus');
    assert.equal(second.result.value, 401);
  });

  it('only product REST calls and /graphql ride the pipe: other types (kvs) and paths go over HTTP', async () => {
    proxy.take();
    const before = fetchFrames().length;
    const { result } = await invoke('pipe', 'storage');
    assert.deepEqual(result.value, { method: 'POST', path: '/_proxy/echo/api/v1/get', body: '{}' });
    const ent = await invoke('pipe', 'entities');
    assert.equal(ent.result.value, 404, 'the stand-in proxy has no /forge/entities/graphql');
    assert.equal(fetchFrames().length, before, 'no fetch frame');
    assert.deepEqual(proxy.take().map((r) => r.url), ['/_proxy/echo/api/v1/get', '/_proxy/fpp/forge/entities/graphql']);
  });

  it('a body over 3 MiB goes over HTTP instead (the frame would pass kiln\'s reader)', async () => {
    proxy.take();
    const before = fetchFrames().length;
    const big = 'x'.repeat(3 * 1024 * 1024 + 1);
    const { result } = await invoke('pipe', 'one', { path: '/rest/api/3/echo-big', init: { method: 'POST', body: big } });
    assert.equal(result.ok, true, JSON.stringify(result).slice(0, 500));
    assert.equal(fetchFrames().length, before, 'no fetch frame');
    const reqs = proxy.take();
    assert.equal(reqs.length, 1);
    assert.equal(reqs[0].body.length, big.length);
  });
});

describe('kiln Node worker: lifecycle', () => {
  it('exits 0 when fd 3 closes', async () => {
    const snap = tempDir('kiln-worker-exit-');
    const w = startWorker({ cwd: snap });
    await w.ready();
    const { code, signal } = await w.close();
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
  });

  it('exits 0 when fd 3 closes while idle after invocations', async () => {
    const snap = tempDir('kiln-worker-exit-');
    writeFiles(snap, { 'f.cjs': 'exports.run = () => "ran";\n' });
    const w = startWorker({ cwd: snap });
    await w.ready();
    const { result } = await w.invoke({ id: 'x1', bundle: path.join(snap, 'f.cjs'), export: 'run', payload: null, context: null, runtime: {} });
    assert.deepEqual(result, { type: 'result', id: 'x1', ok: true, value: 'ran' });
    assert.deepEqual(await w.close(), { code: 0, signal: null });
  });

  it('exits 0 when fd 3 closes in the middle of an invocation', async () => {
    const snap = tempDir('kiln-worker-exit-');
    writeFiles(snap, { 'f.cjs': 'exports.run = () => new Promise(() => {}); // never settles\n' });
    const w = startWorker({ cwd: snap });
    await w.ready();
    w.send({ type: 'invoke', id: 'hang', bundle: path.join(snap, 'f.cjs'), export: 'run', payload: {}, context: {}, runtime: {} });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    assert.deepEqual(await w.close(), { code: 0, signal: null });
    assert.ok(Date.now() - t0 < 2000, 'promptly');
    assert.ok(!w.frames.some((f) => f.type === 'result'));
  });

  it('reads frames split across writes and several frames in one write', async () => {
    const snap = tempDir('kiln-worker-split-');
    writeFiles(snap, { 'f.cjs': 'exports.run = (p) => p;\n' });
    const w = startWorker({ cwd: snap });
    await w.ready();
    const frame = (id, payload) => JSON.stringify({ type: 'invoke', id, bundle: path.join(snap, 'f.cjs'), export: 'run', payload, context: {}, runtime: {} });
    const one = Buffer.from(`${frame('s1', { text: 'naïve – ✓ 🚀' })}\n`);
    const cut = one.indexOf(Buffer.from('🚀')) + 2; // in the middle of a 4-byte character
    w.proc.stdio[3].write(one.subarray(0, cut));
    await new Promise((r) => setTimeout(r, 50));
    w.proc.stdio[3].write(one.subarray(cut));
    w.proc.stdio[3].write(`${frame('s2', 2)}\n\n${frame('s3', 3)}\r\n`);
    await w.waitFor((f) => f.id === 's3' && f.type === 'result', 'the third result');
    const results = w.frames.filter((f) => f.type === 'result');
    assert.deepEqual(results.map((r) => [r.id, r.value]), [['s1', { text: 'naïve – ✓ 🚀' }], ['s2', 2], ['s3', 3]]);
    await w.close();
  });

  it('works on plain pipes (pipe(2), as kiln creates them) as well as socketpairs', async () => {
    const snap = tempDir('kiln-worker-pipes-');
    writeFiles(snap, { 'f.cjs': 'exports.run = (p) => { console.log("on a pipe"); return p; };\n' });
    const out = path.join(snap, 'out.ndjson');
    const frame = JSON.stringify({ type: 'invoke', id: 'p1', bundle: path.join(snap, 'f.cjs'), export: 'run', payload: { via: 'pipe' }, context: {}, runtime: {} });
    // The writer keeps fd 3 open until the result is out, then closes it: the worker exits 0.
    const script = `{ printf '%s\\n' "$FRAME"; for i in $(seq 200); do grep -q '"result"' "$OUT" 2>/dev/null && break; sleep 0.05; done; } | "$NODE" "$WORKER" 3<&0 0</dev/null 4> >(cat > "$OUT"); rc=$?; sleep 0.2; exit $rc`;
    const r = spawnSync('bash', ['-c', script], { cwd: snap, encoding: 'utf8', env: { ...process.env, FRAME: frame, OUT: out, NODE: process.execPath, WORKER }, timeout: 20000 });
    assert.equal(r.status, 0, `bash: ${r.status} ${r.stderr}`);
    const frames = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(frames.map((f) => f.type), ['ready', 'log', 'result']);
    assert.deepEqual(frames[1].message, 'on a pipe');
    assert.deepEqual(frames[2], { type: 'result', id: 'p1', ok: true, value: { via: 'pipe' } });
  });

  it('invokes sent back to back are answered in order, one at a time', async () => {
    const snap = tempDir('kiln-worker-order-');
    writeFiles(snap, {
      'f.cjs': 'let active = 0; exports.run = async (p) => { active++; const a = active; await new Promise((r) => setTimeout(r, 20)); active--; return { n: p.n, concurrent: a }; };\n',
    });
    const w = startWorker({ cwd: snap });
    await w.ready();
    for (let n = 0; n < 5; n++) w.send({ type: 'invoke', id: `o${n}`, bundle: path.join(snap, 'f.cjs'), export: 'run', payload: { n }, context: {}, runtime: {} });
    await w.waitFor((f) => f.id === 'o4' && f.type === 'result', 'the last result');
    const results = w.frames.filter((f) => f.type === 'result');
    assert.deepEqual(results.map((r) => r.value), [0, 1, 2, 3, 4].map((n) => ({ n, concurrent: 1 })));
    await w.close();
  });
});

// ---- the real @forge/api ---------------------------------------------------------------------

const API_APP = `
import api, { route, getAppContext, NeedsAuthenticationError, webTrigger, requestJira } from '@forge/api';

let calls = 0;

export async function projects() {
  const res = await api.asApp().requestJira(route\`/rest/api/3/project/search?maxResults=\${5}&query=\${'a b'}\`);
  return { status: res.status, body: await res.json(), calls: ++calls };
}

export async function needsAuth() {
  try {
    await api.asUser().requestJira(route\`/rest/api/3/myself\`);
    return 'no error';
  } catch (e) {
    return { name: e.name, isNeedsAuthenticationError: e instanceof NeedsAuthenticationError, status: e.status };
  }
}

export async function needsAuthUncaught() {
  await api.asUser().requestJira(route\`/rest/api/3/myself\`);
}

export async function proxyError() {
  try {
    await requestJira(route\`/rest/api/3/broken\`);
    return 'no error';
  } catch (e) {
    return { name: e.name, status: e.status, errorCode: e.errorCode };
  }
}

export async function appContext() {
  const c = getAppContext();
  return { ...c, remaining: c.invocationRemainingTimeInMillis(), permissionsText: c.permissions.format() };
}

export async function trigger() {
  return webTrigger.getUrl('my-trigger');
}
`;

describe('kiln Node worker: the real @forge/api', () => {
  it('has @forge/api and esbuild to test with (make deps installs them)', () => {
    assert.ok(FORGE_API_MODULES, '@forge/api not found: run make deps');
    assert.ok(HAVE_ESBUILD, 'esbuild not found: run make deps');
  });
  let proxy;
  let worker;
  let bundlePath;
  const call = (exportName, { context = {}, runtime } = {}) => {
    const id = nextId(exportName);
    return worker.invoke({ id, bundle: bundlePath, export: exportName, payload: {}, context, runtime: runtime ?? runtimeFor(proxy.url, id), env: {} });
  };

  before(async () => {
    proxy = await startProxy();
    ({ worker, bundlePath } = await startBundledApp('api', API_APP, FORGE_API_MODULES));
  });
  after(async () => {
    if (worker) await worker.close();
    if (proxy) await proxy.close();
  });

  it("asApp().requestJira(route`/rest/api/3/project/search`) → GET /_proxy/fpp/rest/api/3/project/search, bearer token, X-Forge-Provider: app, X-Forge-Remote: jira", async () => {
    proxy.take();
    const { result } = await call('projects');
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.value.body, { total: 1, values: [{ key: 'KILN', name: 'Kiln' }] });
    assert.equal(result.value.status, 200);
    const reqs = proxy.take();
    assert.equal(reqs.length, 1);
    const [req] = reqs;
    assert.equal(req.method, 'GET');
    assert.equal(req.url, '/_proxy/fpp/rest/api/3/project/search?maxResults=5&query=a%20b');
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(req.headers['x-forge-provider'], 'app');
    assert.equal(req.headers['x-forge-remote'], 'jira');
    assert.ok(!('x-forge-account-id' in req.headers));
    // warm: module state survives
    const again = await call('projects');
    assert.equal(again.result.value.calls, result.value.calls + 1);
  });

  it('forge-proxy-error: NEEDS_AUTHENTICATION_ERR makes asUser().requestJira throw NeedsAuthenticationError', async () => {
    proxy.take();
    const { result } = await call('needsAuth');
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.value, { name: 'NEEDS_AUTHENTICATION_ERR', isNeedsAuthenticationError: true, status: 401 });
    const [req] = proxy.take();
    assert.equal(req.url, '/_proxy/fpp/rest/api/3/myself');
    assert.equal(req.headers['x-forge-provider'], 'user');
    assert.equal(req.headers['x-forge-remote'], 'jira');
  });

  it('uncaught, it ends the invocation with name NEEDS_AUTHENTICATION_ERR, status 401 and the service key', async () => {
    const { result } = await call('needsAuthUncaught');
    assert.equal(result.ok, false);
    assert.equal(result.error.name, 'NEEDS_AUTHENTICATION_ERR');
    assert.equal(result.error.message, 'Authentication Required');
    assert.equal(result.error.status, 401);
    assert.equal(result.error.serviceKey, 'atlassian-token-service-key');
  });

  it('another forge-proxy-error becomes ProxyRequestError (requestJira: provider none)', async () => {
    proxy.take();
    const { result } = await call('proxyError');
    assert.deepEqual(result.value, { name: 'PROXY_ERR', status: 502, errorCode: 'PROXY_UPSTREAM_ERR' });
    const [req] = proxy.take();
    assert.equal(req.headers['x-forge-provider'], 'none');
    assert.equal(req.headers['x-forge-remote'], 'jira');
  });

  it("getAppContext() returns the appContext's values", async () => {
    const id = nextId('appContext');
    const rt = runtimeFor(proxy.url, id);
    const { result } = await worker.invoke({ id, bundle: bundlePath, export: 'appContext', payload: {}, context: {}, runtime: rt });
    assert.equal(result.ok, true, JSON.stringify(result));
    const ac = rt.appContext;
    const v = result.value;
    assert.equal(v.appAri, `ari:cloud:ecosystem::app/${ac.appId}`);
    assert.equal(v.environmentAri, `ari:cloud:ecosystem::environment/${ac.appId}/${ac.environmentId}`);
    assert.equal(v.installationAri, `ari:cloud:ecosystem::installation/${ac.installationId}`);
    assert.equal(v.appVersion, ac.appVersion);
    assert.equal(v.environmentType, ac.environmentType);
    assert.equal(v.invocationId, id);
    assert.equal(v.moduleKey, ac.moduleKey);
    assert.deepEqual(v.license, ac.license);
    assert.deepEqual(v.installation, ac.installation);
    assert.deepEqual(v.permissions, { scopes: ac.permissions.scopes, external: ac.permissions.external });
    assert.equal(v.permissionsText, 'Scopes: read:jira-work, storage:app; External: Fetch Backend: https://api.example.com');
    assert.ok(v.remaining > 20_000 && v.remaining <= 25_000, `remaining ${v.remaining}`);
  });

  it('webTrigger.getUrl goes through metrics (no-ops) and POSTs GraphQL to /_proxy/fpp/graphql as app on stargate', async () => {
    proxy.take();
    const { result } = await call('trigger');
    assert.deepEqual([result.ok, result.value], [true, 'https://kiln.example/x1/abc'], JSON.stringify(result));
    const [req] = proxy.take();
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/_proxy/fpp/graphql');
    assert.equal(req.headers['x-forge-provider'], 'app');
    assert.equal(req.headers['x-forge-remote'], 'stargate');
    const gql = JSON.parse(req.body);
    assert.match(gql.query, /createWebTriggerUrl/);
    assert.equal(gql.variables.input.contextId, CONTEXT_ARI);
    assert.equal(gql.variables.input.triggerKey, 'my-trigger');
  });

  it('nothing was written to stdout', () => {
    assert.equal(worker.stdout, '');
  });
});

// ---- @forge/api 4.x: node-fetch and the FORGE_PRODUCT_REQUEST agent (runtime/node/magic-agent.js) ----

const API4_MODULES = findNodeModules('@forge/api', 'KILN_FORGE_API4_NODE_MODULES', [
  path.join(ROOT, 'tests', 'fixtures', 'apps', 'api-v4', 'node_modules'),
]);

const API4_APP = `
import api, { route, webTrigger } from '@forge/api';
import https from 'node:https';
export async function projects() {
  const r = await api.asApp().requestJira(route\`/rest/api/3/project/search?maxResults=5\`);
  return { status: r.status, body: await r.json() };
}
export async function trigger() {
  return webTrigger.getUrl('my-trigger');
}
export async function externalAuth() {
  try {
    https.request({ hostname: 'remote', path: '/x', agent: 'EXTERNAL_AUTH_REQUEST' });
    return 'sent';
  } catch (e) {
    return e.message;
  }
}
export async function plainRequest() {
  try {
    https.request({ hostname: 'jira', path: '/x', agent: 'SOMETHING_ELSE' });
    return 'sent';
  } catch (e) {
    return e.code;
  }
}
`;

describe('kiln Node worker: @forge/api 4.x (node-fetch with the FORGE_PRODUCT_REQUEST agent)', () => {
  it('has @forge/api 4.x (tests/fixtures/apps/api-v4, make deps) and esbuild', () => {
    assert.ok(API4_MODULES, 'tests/fixtures/apps/api-v4/node_modules not found: run make deps');
    assert.ok(HAVE_ESBUILD, 'esbuild not found: run make deps');
  });
  let proxy;
  let worker;
  let bundlePath;
  const call = (exportName) => {
    const id = nextId(exportName);
    return worker.invoke({ id, bundle: bundlePath, export: exportName, payload: {}, context: {}, runtime: runtimeFor(proxy.url, id), env: {} });
  };

  before(async () => {
    proxy = await startProxy();
    ({ worker, bundlePath } = await startBundledApp('api4', API4_APP, API4_MODULES));
  });
  after(async () => {
    if (worker) await worker.close();
    if (proxy) await proxy.close();
  });

  it('asApp().requestJira → GET /_proxy/fpp/rest/api/3/project/search with the bearer token, provider app, remote jira', async () => {
    proxy.take();
    const { result } = await call('projects');
    assert.deepEqual(result, { type: 'result', id: result.id, ok: true, value: { status: 200, body: { total: 1, values: [{ key: 'KILN', name: 'Kiln' }] } } });
    const [req] = proxy.take();
    assert.equal(req.method, 'GET');
    assert.equal(req.url, '/_proxy/fpp/rest/api/3/project/search?maxResults=5');
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`, "the app's `Forge app` authorization is replaced");
    assert.equal(req.headers['x-forge-provider'], 'app');
    assert.equal(req.headers['x-forge-remote'], 'jira');
    assert.notEqual(req.headers.host, 'jira');
  });

  it('webTrigger.getUrl → POST /_proxy/fpp/graphql as app on stargate', async () => {
    proxy.take();
    const { result } = await call('trigger');
    assert.deepEqual([result.ok, result.value], [true, 'https://kiln.example/x1/abc'], JSON.stringify(result));
    const [req] = proxy.take();
    assert.deepEqual([req.method, req.url, req.headers['x-forge-provider'], req.headers['x-forge-remote']], ['POST', '/_proxy/fpp/graphql', 'app', 'stargate']);
    assert.equal(JSON.parse(req.body).variables.input.contextId, CONTEXT_ARI);
  });

  it('EXTERNAL_AUTH_REQUEST is refused with a clear error; other requests are left to Node', async () => {
    assert.match((await call('externalAuth')).result.value, /external auth .* not available on kiln/);
    assert.equal((await call('plainRequest')).result.value, 'ERR_INVALID_ARG_TYPE');
    assert.deepEqual(proxy.take(), []);
  });
});

// ---- the real @forge/kvs ---------------------------------------------------------------------

const KVS_APP = `
import { kvs } from '@forge/kvs';
export async function run({ key }) {
  await kvs.set('greeting', { hello: 'world' });
  return { got: await kvs.get(key), missing: (await kvs.get('missing')) ?? null };
}
`;

describe('kiln Node worker: the real @forge/kvs', () => {
  it('has @forge/kvs and esbuild to test with (make deps installs them)', () => {
    assert.ok(FORGE_KVS_MODULES, '@forge/kvs not found: run make deps');
    assert.ok(HAVE_ESBUILD, 'esbuild not found: run make deps');
  });
  let proxy;
  let worker;
  let bundlePath;
  before(async () => {
    proxy = await startProxy();
    ({ worker, bundlePath } = await startBundledApp('kvs', KVS_APP, FORGE_KVS_MODULES));
  });
  after(async () => {
    if (worker) await worker.close();
    if (proxy) await proxy.close();
  });

  it('kvs.set / kvs.get → POST /_proxy/kvs/api/v1/{set,get} as app on remote kvs', async () => {
    const id = nextId('kvs');
    const { result } = await worker.invoke({ id, bundle: bundlePath, export: 'run', payload: { key: 'greeting' }, context: {}, runtime: runtimeFor(proxy.url, id) });
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.value, { got: { hello: 'world' }, missing: null });
    const reqs = proxy.take();
    assert.deepEqual(reqs.map((r) => `${r.method} ${r.url}`), ['POST /_proxy/kvs/api/v1/set', 'POST /_proxy/kvs/api/v1/get', 'POST /_proxy/kvs/api/v1/get']);
    for (const r of reqs) {
      assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(r.headers['x-forge-provider'], 'app');
      assert.equal(r.headers['x-forge-remote'], 'kvs');
      assert.equal(r.headers['content-type'], 'application/json');
    }
    assert.deepEqual(JSON.parse(reqs[0].body), { key: 'greeting', value: { hello: 'world' } });
    assert.deepEqual(JSON.parse(reqs[1].body), { key: 'greeting' });
  });
});
