// The function runtime end to end: real Forge apps (the real @forge/api 8.x, bundled by
// `kiln deploy`) installed on two demo sites, invoked through their webtrigger URLs on warm
// Node workers. Covers tenant binding inside functions (own site only, /ex/jira refused,
// consented scopes per installation, asUser, invocation tokens), the webtrigger payload and
// response contract (dynamic and static, malformed results), faults (throw, hang, exit,
// out of memory) and recovery, rate-limit headers, worker reuse and its consequences, and
// concurrency across sites.
//
// Run: node --test tests/e2e/runtime.test.mjs   (needs build/kiln, esbuild and the root
// node_modules with @forge/api; every server is a fresh `kiln serve` on 127.0.0.1)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { startTap, tapPrelude, waitWorkerGone, workerPrelude } from './lib/tap.mjs';
import {
  ROOT, startKiln, describeCli, describeRes, expectStatus, rawRequest, expectAuthFailure, allProjects, sleep,
  tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson,
} from './lib/kiln.mjs';

const NODE_MODULES = path.join(ROOT, 'node_modules');
const HEX64_PATH_RE = /^\/(x1|public)\/([0-9a-f]{64})$/;

// ---------------------------------------------------------------- helpers

/** A fresh app directory holding `files`, with node_modules → the repository's node_modules. */
function makeApp(name, files) {
  const dir = path.join(tempDir('app'), name);
  writeFiles(dir, files);
  symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
  return dir;
}

async function register(k, dir) {
  return okJson(k, ['register', dir, '--json']);
}

async function deploy(k, dir) {
  return okJson(k, ['deploy', dir, '--json']);
}

async function install(k, dir, site, extra = []) {
  return okJson(k, ['install', '--site', site, '--confirm-scopes', '--json', ...extra], { cwd: dir });
}

/** `kiln webtrigger KEY --site SITE` in the app dir: {url, path, id, installationId}. */
async function triggerUrl(k, dir, key, site) {
  const plain = ok(await kiln(k, ['webtrigger', key, '--site', site], { cwd: dir })).stdout.trim();
  const j = await okJson(k, ['webtrigger', key, '--site', site, '--json'], { cwd: dir });
  assert.equal(j.url, plain, 'the plain and --json forms print the same URL');
  const u = new URL(j.url);
  assert.equal(u.origin, k.url, `the URL is on kiln's own address: ${j.url}`);
  const m = HEX64_PATH_RE.exec(u.pathname);
  assert.ok(m, `URL is {kiln}/x1|public/{64 hex}: ${j.url}`);
  return { url: j.url, path: u.pathname, format: m[1], id: m[2], installationId: j.installationId };
}

function expectRateHeaders(res) {
  for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
    assert.match(String(res.headers[h] ?? ''), /^\d+$/, `${h} on a webtrigger response\n${describeRes(res)}`);
  }
  assert.ok(Number(res.headers['x-ratelimit-remaining']) <= Number(res.headers['x-ratelimit-limit']), describeRes(res));
}

/** Calls a webtrigger (a path from triggerUrl plus an optional suffix); checks the rate-limit headers. */
async function call(k, trig, suffix = '', opts = {}) {
  const res = await k.api(`${trig.path}${suffix}`, { timeout: 30000, ...opts });
  expectRateHeaders(res);
  return res;
}

/** The JSON a dynamic function returned with statusCode 200. */
async function callJson(k, trig, suffix = '', opts = {}) {
  const res = await call(k, trig, suffix, opts);
  expectStatus(res, 200, `webtrigger ${trig.path}${suffix}`);
  assert.ok(res.json && typeof res.json === 'object', `a JSON body\n${describeRes(res)}`);
  return res.json;
}

function expectFault(res, status, message, what) {
  expectStatus(res, status, what);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, `${what}: JSON\n${describeRes(res)}`);
  assert.equal(res.json?.code, status, `${what}: code\n${describeRes(res)}`);
  if (message instanceof RegExp) assert.match(res.json?.message ?? '', message, `${what}: message\n${describeRes(res)}`);
  else assert.equal(res.json?.message, message, `${what}: message\n${describeRes(res)}`);
}

async function healthy(k) {
  const r = await k.api('/healthz', { timeout: 2000 });
  expectStatus(r, 200, 'kiln answers /healthz');
  return r;
}

// ---------------------------------------------------------------- the apps

function mainManifest(tap) {
  const dyn = (key, fn, extra = '') => `    - key: ${key}\n      function: ${fn}\n${extra}      response:\n        type: dynamic\n`;
  return `modules:
  webtrigger:
${dyn('projects', 'projects-fn')}${dyn('echo', 'echo-fn')}${dyn('echo-v2', 'echo-fn', '      urlFormat: v2\n')}${dyn('malformed', 'malformed-fn')}${dyn('as-user', 'as-user-fn')}${dyn('token', 'token-fn')}${dyn('get-url', 'get-url-fn')}${dyn('state', 'state-fn')}${dyn('fault', 'fault-fn')}${dyn('oom', 'oom-fn')}    - key: static
      function: static-fn
      response:
        type: static
        outputs:
          - key: created
            statusCode: 201
            contentType: text/plain
            body: made it
          - key: teapot
            statusCode: 418
            contentType: application/json
            body: '{"short":"stout"}'
  function:
    - key: projects-fn
      handler: index.projects
    - key: echo-fn
      handler: index.echo
    - key: malformed-fn
      handler: index.malformed
    - key: as-user-fn
      handler: index.asUser
    - key: token-fn
      handler: index.token
    - key: get-url-fn
      handler: index.getUrl
    - key: state-fn
      handler: index.state
    - key: static-fn
      handler: index.staticOutput
    - key: fault-fn
      handler: index.fault
      timeoutSeconds: 3
    - key: oom-fn
      handler: index.fault
      timeoutSeconds: 20
      runtime:
        memoryMB: 128
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
    - read:jira-user
  external:
    fetch:
      backend:
        - ${tap}
`;
}

// WORKER names the worker process (its process title) and stands for it in answers: in
// its box every worker is pid 2 (lib/tap.mjs).
const MAIN_SRC = `import api, { route, assumeTrustedRoute, webTrigger, NeedsAuthenticationError } from '@forge/api';

const json = (statusCode, payload) => ({
  statusCode,
  headers: { 'Content-Type': ['application/json'] },
  body: JSON.stringify(payload),
});
const cloudIdOf = (context) => /::site\\/([^/]+)$/.exec(context?.installContext ?? '')?.[1] ?? null;
const q = (request, name) => request?.queryParameters?.[name]?.[0];
${workerPrelude}${tapPrelude}
// Every project of the invocation's own site, with descriptions.
async function ownProjects() {
  const values = [];
  for (let startAt = 0; ; startAt += 50) {
    const res = await api.asApp().requestJira(route\`/rest/api/3/project/search?expand=description&startAt=\${startAt}&maxResults=50\`);
    if (!res.ok) return { status: res.status, body: await res.text(), values };
    const page = await res.json();
    values.push(...page.values);
    if (page.isLast || page.values.length === 0) return { status: res.status, values };
  }
}

export const projects = async (request, context) => {
  const own = await ownProjects();
  const probes = [];
  for (const cloudId of request.queryParameters?.probe ?? []) {
    const res = await api.asApp().requestJira(route\`/ex/jira/\${cloudId}/rest/api/3/project/search\`);
    probes.push({ cloudId, status: res.status, failureCategory: res.headers.get('x-failure-category'), body: await res.text() });
  }
  for (const p of request.queryParameters?.path ?? []) {
    const res = await api.asApp().requestJira(assumeTrustedRoute(p));
    probes.push({ path: p, status: res.status, failureCategory: res.headers.get('x-failure-category'), body: await res.text() });
  }
  if (q(request, 'confluence')) {
    const res = await api.asApp().requestConfluence(route\`/wiki/rest/api/space\`);
    probes.push({ product: 'confluence', status: res.status, failureCategory: res.headers.get('x-failure-category'), body: await res.text() });
  }
  return json(200, { cloudId: cloudIdOf(context), own, probes });
};

export const echo = async (request, context) => json(200, { request, context, pid: WORKER, tracing: global.__forge_runtime__.tracing });

export const malformed = async (request) => {
  switch (q(request, 'mode')) {
    case 'string-status': return { statusCode: '200', headers: { 'Content-Type': ['text/plain'] }, body: 'x' };
    case 'headers-not-arrays': return { statusCode: 200, headers: { 'Content-Type': 'text/plain' }, body: 'x' };
    case 'number-body': return { statusCode: 200, headers: { 'Content-Type': ['text/plain'] }, body: 42 };
    case 'status-out-of-range': return { statusCode: 600, body: 'x' };
    case 'not-an-object': return 'just a string';
    case 'well-formed':
      return { statusCode: 202, statusText: 'Accepted', headers: { 'Content-Type': ['text/plain'], 'X-Two': ['a', 'b'] }, body: 'fine' };
    default: return undefined;
  }
};

export const staticOutput = async (request) => ({ outputKey: q(request, 'key') });

export const asUser = async () => {
  try {
    const res = await api.asUser().requestJira(route\`/rest/api/3/project/search\`);
    return json(200, { threw: false, status: res.status });
  } catch (e) {
    return json(200, {
      threw: true, name: e?.name, status: e?.status,
      isNeedsAuth: e instanceof NeedsAuthenticationError, message: String(e?.message),
    });
  }
};

let savedToken = null;
export const token = async () => {
  const { token: tok, url } = global.__forge_runtime__.proxy;
  const previous = savedToken;
  savedToken = tok;
  const probe = async (t) => {
    const res = await fetch(\`\${url}/fpp/rest/api/3/project/search?expand=description\`, { headers: { Authorization: \`Bearer \${t}\` } });
    return { status: res.status, failureCategory: res.headers.get('x-failure-category'), body: await res.text() };
  };
  return json(200, {
    token: tok, url, pid: WORKER,
    live: await probe(tok),
    previous: previous && previous !== tok ? await probe(previous) : null,
  });
};

export const getUrl = async (request) => {
  try {
    if (q(request, 'op') === 'query') return json(200, { urls: await webTrigger.queryUrls(q(request, 'key') || undefined) });
    if (q(request, 'op') === 'delete') return json(200, { deleted: (await webTrigger.deleteUrl(q(request, 'url'))) ?? true });
    return json(200, { url: await webTrigger.getUrl(q(request, 'key')) });
  } catch (e) {
    return json(200, { error: String(e?.message ?? e) });
  }
};

// Module-level state: a counter, and a cache filled from whichever site came first.
let counter = 0;
let cache = null;
export const state = async (request, context) => {
  counter += 1;
  if (!cache || q(request, 'refresh')) {
    const own = await ownProjects();
    cache = { cloudId: cloudIdOf(context), descriptions: own.values.map((p) => p.description ?? '') };
  }
  return json(200, { pid: WORKER, counter, site: cloudIdOf(context), cache });
};

export const fault = async (request) => {
  if (q(request, 'tap')) await report(q(request, 'tap'), q(request, 'key'), { pid: WORKER, ...global.__forge_runtime__.proxy });
  switch (q(request, 'mode')) {
    case 'throw': throw new Error('boom on purpose');
    case 'hang': return new Promise(() => {});
    case 'exit': process.exit(1);
    case 'oom': {
      const hog = [];
      for (;;) hog.push(new Array(1 << 20).fill(Math.random()));
    }
    case 'alloc': { // about 8 MB per step, kept alive until the function returns
      const hog = [];
      for (let i = 0; i < Number(q(request, 'steps')); i++) hog.push(new Array(1 << 20).fill(Math.random()));
      return json(200, { ok: true, pid: WORKER, arrays: hog.length });
    }
    default: return json(200, { ok: true, pid: WORKER });
  }
};
`;

function scopedManifest(scopes) {
  return `modules:
  webtrigger:
    - key: search
      function: search-fn
      response:
        type: dynamic
  function:
    - key: search-fn
      handler: index.search
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
${scopes.map((s) => `    - ${s}`).join('\n')}
`;
}

const scopedSrc = (marker) => `import api, { route } from '@forge/api';
const seen = new Set(); // module-level: every site this worker has served
export const search = async (request, context) => {
  seen.add(context.installContext);
  const res = await api.asApp().requestJira(route\`/rest/api/3/project/search?expand=description\`);
  return {
    statusCode: 200,
    headers: { 'Content-Type': ['application/json'] },
    body: JSON.stringify({ marker: ${JSON.stringify(marker)}, seen: [...seen], installContext: context.installContext, status: res.status, body: await res.text() }),
  };
};
`;

/** Keep app.id (written by register) while replacing the rest of the manifest. */
function rewriteManifest(dir, text) {
  const p = path.join(dir, 'manifest.yml');
  const id = YAML.parse(readFileSync(p, 'utf8')).app.id;
  writeFileSync(p, text.replace('app:\n', `app:\n  id: ${id}\n`));
}

// ---------------------------------------------------------------- the tests

describe('function runtime: webtriggers on warm workers, bound to one site', () => {
  let k;
  let tap;
  let A;
  let B;
  let C;
  let dir;
  const T = { A: {}, B: {} };

  before(async () => {
    assert.ok(existsSync(path.join(NODE_MODULES, '@forge', 'api', 'package.json')), `@forge/api in ${NODE_MODULES}`);
    k = await startKiln();
    const tag = randomBytes(3).toString('hex');
    [A, B] = await Promise.all([k.siteWithToken(`rt-a-${tag}`, true), k.siteWithToken(`rt-b-${tag}`, true)]);
    C = await k.siteWithToken(`rt-c-${tag}`, false);
    for (const s of [A, B]) {
      assert.equal(typeof s.canary, 'string', 'demo site has a canary');
      assert.ok(s.cloudId, JSON.stringify(s.site));
    }
    tap = await startTap();
    dir = makeApp('runtime-app', { 'manifest.yml': mainManifest(tap.origin), 'src/index.js': MAIN_SRC });
    await register(k, dir);
    const v = await deploy(k, dir);
    assert.equal(v.version, '1.0.0', JSON.stringify(v));
    for (const [name, s] of [['A', A], ['B', B]]) {
      await install(k, dir, s.name);
      for (const key of ['projects', 'echo', 'echo-v2', 'malformed', 'as-user', 'token', 'get-url', 'state', 'fault', 'oom', 'static']) {
        T[name][key] = await triggerUrl(k, dir, key, s.name);
      }
    }
  });

  after(async () => {
    await k?.close();
    tap?.close();
  });

  it('the CLI prints stable, distinct URLs: /x1/ by default, /public/ for urlFormat v2', async () => {
    assert.equal(T.A.echo.format, 'x1');
    assert.equal(T.A['echo-v2'].format, 'public');
    assert.equal((await triggerUrl(k, dir, 'echo', A.name)).url, T.A.echo.url, 'the same URL again');
    const all = [...Object.values(T.A), ...Object.values(T.B)].map((t) => t.id);
    assert.equal(new Set(all).size, all.length, 'one id per (installation, module)');
    assert.notEqual(T.A.echo.installationId, T.B.echo.installationId);
    const r = await kiln(k, ['webtrigger', 'no-such-module', '--site', A.name], { cwd: dir });
    assert.notEqual(r.code, 0, `an unknown module key fails\n${describeCli(r)}`);
  });

  it("each site's webtrigger sees only its own site's projects (canaries)", async () => {
    for (const [me, other, t] of [[A, B, T.A], [B, A, T.B]]) {
      const j = await callJson(k, t.projects);
      assert.equal(j.cloudId, me.cloudId, 'installContext names the own site');
      assert.equal(j.own.status, 200, JSON.stringify(j.own).slice(0, 500));
      const text = JSON.stringify(j.own.values);
      assert.ok(j.own.values.length > 0, 'a demo site has projects');
      assert.ok(text.includes(me.canary), `${me.name}'s canary in its projects`);
      assert.ok(!text.includes(other.canary), `${other.name}'s canary must not appear in ${me.name}'s invocation`);
      // exactly the projects the site's own API lists
      const expected = await allProjects(k, me.cloudId, me.token, '&expand=description');
      assert.deepEqual(j.own.values.map((p) => p.id).sort(), expected.map((p) => p.id).sort(), 'same projects as the site API');
      assert.deepEqual(j.own.values.map((p) => p.description).sort(), expected.map((p) => p.description).sort());
    }
  });

  it('/ex/jira/{cloudId} from inside a function: 401 FAILURE_CLIENT_SCOPE_CHECK for both cloudIds, hint names the bound site', async () => {
    for (const [me, t] of [[A, T.A], [B, T.B]]) {
      const j = await callJson(k, t.projects, `?probe=${A.cloudId}&probe=${B.cloudId}`);
      assert.equal(j.probes.length, 2, JSON.stringify(j.probes));
      for (const p of j.probes) {
        const what = `${me.name} probing ${p.cloudId}`;
        assert.equal(p.status, 401, `${what}: ${JSON.stringify(p)}`);
        assert.equal(p.failureCategory, 'FAILURE_CLIENT_SCOPE_CHECK', `${what}: ${JSON.stringify(p)}`);
        const body = JSON.parse(p.body);
        assert.equal(body.code, 401, p.body);
        assert.equal(body.message, 'Unauthorized; scope does not match', p.body);
        assert.equal(typeof body.hint, 'string', p.body);
        assert.ok(body.hint.includes(me.cloudId), `${what}: the hint names the bound site ${me.cloudId}: ${p.body}`);
        assert.ok(!p.body.includes(A.canary) && !p.body.includes(B.canary), `${what}: no data`);
      }
    }
  });

  it('non-product paths and other products from inside a function: 401 FAILURE_CLIENT_SCOPE_CHECK', async () => {
    const paths = ['/admin/v1/sites', '/healthz', '/wiki/rest/api/space', '/_proxy/fpp/rest/api/3/project/search', '/metrics'];
    const j = await callJson(k, T.A.projects, `?${paths.map((p) => `path=${encodeURIComponent(p)}`).join('&')}&confluence=1`);
    assert.equal(j.probes.length, paths.length + 1, JSON.stringify(j.probes));
    for (const p of j.probes) {
      const what = `A requesting ${p.path ?? p.product}`;
      assert.equal(p.status, 401, `${what}: ${JSON.stringify(p)}`);
      assert.equal(p.failureCategory, 'FAILURE_CLIENT_SCOPE_CHECK', `${what}: ${JSON.stringify(p)}`);
      const body = JSON.parse(p.body);
      assert.equal(body.message, 'Unauthorized; scope does not match', p.body);
      assert.ok(body.hint.includes(A.cloudId), `${what}: the hint names the bound site: ${p.body}`);
      assert.ok(!p.body.includes(A.canary) && !p.body.includes(B.canary) && !p.body.includes(k.adminToken), `${what}: no data`);
    }
  });

  it('the payload: method, path, userPath, queryParameters and headers as arrays, body; no Authorization or Cookie', async () => {
    const t = T.A.echo;
    const body = '{"hello":"wörld","n":1}';
    const j = await callJson(k, t, '/some/path?q=1&q=2&empty=&sp=a%20b', {
      method: 'POST',
      body,
      token: 'secret-bearer-value',
      headers: { 'content-type': 'application/json', 'x-multi': ['one', 'two'], cookie: 'session=secret-cookie', 'x-single': 'v' },
    });
    const req = j.request;
    assert.deepEqual(Object.keys(req).sort(), ['body', 'headers', 'method', 'path', 'queryParameters', 'userPath'], JSON.stringify(req));
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `${t.path}/some/path`);
    assert.equal(req.userPath, '/some/path');
    assert.deepEqual(req.queryParameters, { q: ['1', '2'], empty: [''], sp: ['a b'] });
    assert.equal(req.body, body);
    assert.deepEqual(req.headers['x-multi'], ['one', 'two']);
    assert.deepEqual(req.headers['x-single'], ['v']);
    assert.deepEqual(req.headers['content-type'], ['application/json']);
    for (const [name, vals] of Object.entries(req.headers)) {
      assert.equal(name, name.toLowerCase(), `header names are lower case: ${name}`);
      assert.ok(Array.isArray(vals) && vals.every((v) => typeof v === 'string'), `${name}: an array of strings`);
    }
    assert.equal(req.headers.authorization, undefined, 'Authorization is not passed to the app');
    assert.equal(req.headers.cookie, undefined, 'Cookie is not passed to the app');
    assert.ok(!JSON.stringify(j).includes('secret-bearer-value') && !JSON.stringify(j).includes('secret-cookie'), 'credentials nowhere');

    // a plain GET on the trigger itself
    const g = (await callJson(k, t)).request;
    assert.equal(g.method, 'GET');
    assert.equal(g.path, t.path);
    assert.equal(g.userPath, '');
    assert.deepEqual(g.queryParameters, {});
    assert.equal(g.body, '');

    // the v2 (/public/) URL runs the same function
    const v2 = await callJson(k, T.A['echo-v2'], '/p?x=1');
    assert.equal(v2.request.userPath, '/p');
    assert.equal(v2.request.path, `${T.A['echo-v2'].path}/p`);
    assert.equal(v2.context.moduleKey, 'echo-v2');

    // an id answers only under its own urlFormat's prefix
    const swapped = [[T.A['echo-v2'].path.replace('/public/', '/x1/'), 'v2 id under /x1/'],
      [T.A.echo.path.replace('/x1/', '/public/'), 'v1 id under /public/']];
    for (const [p, what] of swapped) {
      const r = await k.api(p);
      expectStatus(r, 404, what);
    }
  });

  it('a request JSON cannot carry (bytes that are not UTF-8) gets 400; a body that is not UTF-8 text arrives as ""', async () => {
    const t = T.A.echo;
    const raw = (target, headers = '', body = Buffer.alloc(0)) =>
      rawRequest(k.port, Buffer.concat([
        Buffer.from(`POST ${target} HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`, 'latin1'),
        body]));
    const refused = [
      [`${t.path}?%ff=1`, '', 'a parameter name'], // kiln once freed this name's array and then wrote to it
      [`${t.path}?a=%ff%fe`, '', 'a parameter value'],
      [`${t.path}?a=%c0%80`, '', 'an overlong parameter value'],
      [`${t.path}/\xff`, '', 'a raw byte in the user path'], // percent-encoded ones are passed as they came
      [t.path, 'X-Bin: \xff\xfe\r\n', 'a header value'],
    ];
    for (const [target, headers, what] of refused) {
      const res = await raw(target, headers);
      expectFault(res, 400, 'The request cannot be passed to the function.', what);
    }
    const res = await raw(`${t.path}?ok=%c3%a9`, 'X-Ok: caf\xc3\xa9\r\n', Buffer.from([0x7b, 0xff, 0x7d]));
    expectStatus(res, 200, 'valid UTF-8 around a binary body');
    const req = res.json.request;
    assert.deepEqual(req.queryParameters, { ok: ['é'] });
    assert.deepEqual(req.headers['x-ok'], ['café']);
    assert.equal(req.body, '');
    // kiln still serves the next request normally
    assert.equal((await callJson(k, t, '?again=1')).request.queryParameters.again[0], '1');
  });

  it('the context: installContext, moduleKey, installationId, installation.{ari, contexts}, environmentType', async () => {
    for (const [me, t] of [[A, T.A], [B, T.B]]) {
      const { context } = await callJson(k, t.echo);
      assert.equal(context.installContext, `ari:cloud:jira::site/${me.cloudId}`);
      assert.equal(context.moduleKey, 'echo');
      assert.equal(context.installationId, t.echo.installationId, 'the installation the CLI named');
      assert.equal(context.installation.ari, `ari:cloud:ecosystem::installation/${context.installationId}`);
      assert.equal(context.installation.contexts.length, 1, JSON.stringify(context));
      assert.equal(context.installation.contexts[0].cloudId, me.cloudId);
      assert.ok(context.installation.contexts[0].apiBaseUrl.endsWith(`/ex/jira/${me.cloudId}`), JSON.stringify(context));
      assert.equal(context.environmentType, 'DEVELOPMENT');
    }
    // b3 trace ids come with each invocation: well formed, never the same twice
    const seen = new Set();
    for (let i = 0; i < 5; i++) {
      const { tracing } = await callJson(k, T.A.echo);
      assert.match(tracing?.traceId ?? '', /^[0-9a-f]{32}$/, JSON.stringify(tracing));
      assert.match(tracing.spanId, /^[0-9a-f]{16}$/);
      assert.ok(!seen.has(tracing.traceId), 'a fresh trace id per invocation');
      seen.add(tracing.traceId);
    }
  });

  it('a well-formed dynamic result becomes the response (status, headers, body)', async () => {
    const res = await call(k, T.A.malformed, '?mode=well-formed');
    expectStatus(res, 202);
    assert.equal(res.text, 'fine');
    assert.match(res.headers['content-type'] ?? '', /^text\/plain/);
    assert.equal(res.headers['x-two'], 'a, b', describeRes(res));
  });

  it('malformed results → 500 with a JSON body saying what was wrong', async () => {
    const cases = [
      ['string-status', /statusCode must be an integer from 100 to 599/],
      ['status-out-of-range', /statusCode must be an integer from 100 to 599/],
      ['headers-not-arrays', /headers must be an object of arrays of strings/],
      ['number-body', /body must be a string/],
      ['not-an-object', /not an object/],
      ['undefined', /not an object/],
    ];
    for (const [mode, re] of cases) {
      const res = await call(k, T.A.malformed, `?mode=${mode}`);
      expectFault(res, 500, re, `malformed result ${mode}`);
      assert.match(res.json.message, /malformed/i, describeRes(res));
    }
  });

  it("static webtrigger: the function's outputKey picks the manifest output", async () => {
    const c = await call(k, T.A.static, '?key=created');
    expectStatus(c, 201);
    assert.match(c.headers['content-type'] ?? '', /^text\/plain/);
    assert.equal(c.text, 'made it');
    const t = await call(k, T.B.static, '?key=teapot');
    expectStatus(t, 418);
    assert.match(t.headers['content-type'] ?? '', /^application\/json/);
    assert.deepEqual(t.json, { short: 'stout' });
    const none = await call(k, T.A.static, '?key=nope');
    expectStatus(none, 500, 'an outputKey the manifest does not have');
  });

  it('asUser() in a webtrigger: NeedsAuthenticationError', async () => {
    const j = await callJson(k, T.A['as-user']);
    assert.equal(j.threw, true, JSON.stringify(j));
    // @forge/api's NeedsAuthenticationError sets name to the code NEEDS_AUTHENTICATION_ERR
    assert.equal(j.isNeedsAuth, true, JSON.stringify(j));
    assert.equal(j.name, 'NEEDS_AUTHENTICATION_ERR', JSON.stringify(j));
    assert.equal(j.status, 401, JSON.stringify(j));
  });

  it('the invocation token works only while the invocation runs', async () => {
    const first = await callJson(k, T.A.token);
    assert.match(first.token, /^kiln_i_/, JSON.stringify(first));
    assert.equal(first.live.status, 200, `the token works during the invocation: ${JSON.stringify(first.live).slice(0, 300)}`);
    assert.ok(first.live.body.includes(A.canary), 'and reads its own site');
    const u = new URL(first.url);
    assert.equal(u.hostname, '127.0.0.1', first.url);
    // replayed by the test after the invocation ended
    const replay = await k.api(`${u.pathname}/fpp/rest/api/3/project/search`, { token: first.token });
    expectAuthFailure(replay, 'a token replayed after its invocation');
    assert.ok(!replay.text.includes(A.canary));
    // replayed by a later invocation from a module variable (same warm worker)
    let later = null;
    for (let i = 0; i < 8 && !later?.previous; i++) later = await callJson(k, T.A.token);
    assert.ok(later.previous, `some later invocation ran on the worker holding an old token: ${JSON.stringify(later)}`);
    assert.equal(later.previous.status, 401, JSON.stringify(later.previous));
    assert.equal(later.previous.failureCategory, 'FAILURE_CLIENT_AUTH', JSON.stringify(later.previous));
    assert.equal(later.live.status, 200);
    // a made-up token
    expectAuthFailure(await k.api('/_proxy/fpp/rest/api/3/project/search', { token: `kiln_i_${'A'.repeat(43)}` }), 'a made-up token');
  });

  it("webTrigger.getUrl(key) equals the CLI's URL for the app's own webtriggers", async () => {
    for (const [me, t] of [[A, T.A], [B, T.B]]) {
      assert.equal((await callJson(k, t['get-url'], '?key=echo')).url, t.echo.url, me.name);
      assert.equal((await callJson(k, t['get-url'], '?key=echo-v2')).url, t['echo-v2'].url, me.name);
      assert.equal((await callJson(k, t['get-url'], '?key=get-url')).url, t['get-url'].url, me.name);
      const missing = await callJson(k, t['get-url'], '?key=no-such-trigger');
      assert.ok(missing.error, `an unknown key fails: ${JSON.stringify(missing)}`);
    }
  });

  it("webTrigger.queryUrls lists the installation's own URLs, as the CLI prints them; deleteUrl takes only its own", async () => {
    const sorted = (l) => [...l].sort((x, y) => x.moduleKey.localeCompare(y.moduleKey));
    for (const [me, t] of [[A, T.A], [B, T.B]]) {
      const all = await callJson(k, t['get-url'], '?op=query');
      assert.ok(Array.isArray(all.urls), `${me.name}: ${JSON.stringify(all)}`);
      const keys = ['projects', 'echo', 'echo-v2', 'malformed', 'as-user', 'token', 'get-url', 'state', 'fault', 'oom', 'static'];
      assert.deepEqual(sorted(all.urls), sorted(keys.map((key) => ({ moduleKey: key, url: t[key].url }))), me.name);
      const one = await callJson(k, t['get-url'], '?op=query&key=echo-v2');
      assert.deepEqual(one.urls, [{ moduleKey: 'echo-v2', url: t['echo-v2'].url }], me.name);
    }
    // the other site's URL is not this installation's to delete; both keep working
    const other = await callJson(k, T.A['get-url'], `?op=delete&url=${encodeURIComponent(T.B.echo.url)}`);
    assert.match(other.error ?? '', /Failed to delete web trigger URL: No such webtrigger URL for this installation/, JSON.stringify(other));
    assert.equal((await call(k, T.B.echo)).status, 200);
    const listed = await callJson(k, T.B['get-url'], '?op=query&key=echo');
    assert.deepEqual(listed.urls, [{ moduleKey: 'echo', url: T.B.echo.url }]);
  });

  it('rate-limit headers: the limit is stable and remaining counts down per installation', async () => {
    const r1 = await call(k, T.A.echo);
    const r2 = await call(k, T.A.echo);
    assert.equal(r1.headers['x-ratelimit-limit'], r2.headers['x-ratelimit-limit']);
    assert.ok(Number(r2.headers['x-ratelimit-remaining']) < Number(r1.headers['x-ratelimit-remaining']),
      `remaining decreases: ${r1.headers['x-ratelimit-remaining']} then ${r2.headers['x-ratelimit-remaining']}`);
    assert.ok(Number(r1.headers['x-ratelimit-reset']) > 0);
    // faults carry them too
    expectRateHeaders(await call(k, T.A.malformed, '?mode=number-body'));
  });

  it('workers are reused: module-level state persists across invocations', async () => {
    const seen = [];
    for (let i = 0; i < 6; i++) seen.push(await callJson(k, T.A.state));
    const byPid = new Map();
    for (const s of seen) byPid.set(s.pid, [...(byPid.get(s.pid) ?? []), s.counter]);
    assert.ok([...byPid.values()].some((c) => c.length >= 2), `some worker served two invocations: ${JSON.stringify([...byPid])}`);
    for (const [pid, counters] of byPid) {
      for (let i = 1; i < counters.length; i++) {
        assert.ok(counters[i] > counters[i - 1], `worker ${pid}: the counter only goes up: ${counters}`);
      }
    }
    assert.ok(seen.some((s) => s.counter >= 2), 'a counter incremented across invocations');
  });

  it("the reuse is real across sites: a module-level cache filled on site A is visible to site B's invocation", async () => {
    let leak = null;
    for (let i = 0; i < 10 && !leak; i++) {
      const a = await callJson(k, T.A.state, '?refresh=1');
      assert.equal(a.cache.cloudId, A.cloudId);
      const b = await callJson(k, T.B.state);
      assert.equal(b.site, B.cloudId, 'the invocation itself is B');
      if (b.pid === a.pid) leak = b;
    }
    assert.ok(leak, 'B ran on the worker that just served A');
    assert.equal(leak.cache.cloudId, A.cloudId, "B's invocation sees A's cached entry");
    assert.ok(JSON.stringify(leak.cache.descriptions).includes(A.canary), "…with A's data (the app's own cache, as on Forge)");
  });

  it('a throwing function → 500 "The webtrigger function failed."; the next request works', async () => {
    const res = await call(k, T.A.fault, '?mode=throw');
    expectFault(res, 500, 'The webtrigger function failed.', 'throw');
    assert.equal(res.text, '{"code":500,"message":"The webtrigger function failed."}');
    assert.ok(!res.text.includes('boom on purpose'), 'the error stays in the logs');
    assert.ok(res.ms < 3000, `answered at once (${res.ms} ms)`);
    // ...and is there: kiln logs shows it under A, never under B
    let lines = [];
    for (let i = 0; i < 20 && !lines.some((l) => l.message.includes('boom on purpose')); i++) {
      const r = await kiln(k, ['logs', '--site', A.name, '-n', '200', '--json']);
      assert.equal(r.code, 0, describeCli(r));
      lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      if (!lines.some((l) => l.message.includes('boom on purpose'))) await sleep(50);
    }
    const boom = lines.find((l) => l.message.includes('boom on purpose'));
    assert.ok(boom, `kiln logs --site ${A.name} shows the thrown error`);
    assert.equal(boom.level, 'error');
    assert.equal(boom.site, A.name);
    const other = await kiln(k, ['logs', '--site', B.name, '-n', '1000', '--json']);
    assert.ok(!other.stdout.includes('boom on purpose'), "B's logs do not show A's error");
    assert.equal((await callJson(k, T.A.fault)).ok, true);
  });

  it('a function that never resolves → 504 after its timeoutSeconds; other sites carry on; the worker is replaced', async () => {
    const key = `hang-${randomBytes(4).toString('hex')}`;
    let hangAnswered = false;
    const hanging = call(k, T.A.fault, `?mode=hang&tap=${encodeURIComponent(tap.origin)}&key=${key}`);
    hanging.then(() => { hangAnswered = true; }, () => { hangAnswered = true; });
    const { pid, token, url } = await tap.wait(key);
    const proxyPath = `${new URL(url).pathname}/fpp/rest/api/3/project/search?expand=description`;
    const live = await k.api(proxyPath, { token });
    expectStatus(live, 200, "the hung invocation's token while it still runs");
    assert.ok(live.text.includes(A.canary) && !live.text.includes(B.canary), "…reads A's projects only");
    // meanwhile: B's invocations and kiln itself answer
    const during = await callJson(k, T.B.projects);
    assert.equal(during.cloudId, B.cloudId);
    assert.ok(JSON.stringify(during.own.values).includes(B.canary));
    await healthy(k);
    assert.equal(hangAnswered, false, "B and /healthz answered while A's invocation was still hanging");
    const res = await hanging;
    expectFault(res, 504, /time limit/, 'hang');
    assert.ok(res.ms >= 2500 && res.ms < 6000, `504 after the 3 s limit, took ${res.ms} ms`);
    expectAuthFailure(await k.api(proxyPath, { token }), "the timed-out invocation's token");
    assert.ok(await waitWorkerGone(pid), `the hung worker ${pid} was killed`);
    const next = await callJson(k, T.A.fault);
    assert.equal(next.ok, true);
    assert.notEqual(next.pid, pid);
    await healthy(k);
  });

  it('process.exit(1) → 500 "process failed"; the next request works', async () => {
    const key = `exit-${randomBytes(4).toString('hex')}`;
    const res = await call(k, T.B.fault, `?mode=exit&tap=${encodeURIComponent(tap.origin)}&key=${key}`);
    expectFault(res, 500, /process failed/, 'exit');
    assert.ok(res.ms < 3000, `answered at once (${res.ms} ms)`);
    const { pid, token, url } = await tap.wait(key);
    expectAuthFailure(await k.api(`${new URL(url).pathname}/fpp/rest/api/3/project/search`, { token }), "the dead worker's token");
    assert.ok(await waitWorkerGone(pid), `the exited worker ${pid} is gone`);
    const next = await callJson(k, T.B.fault);
    assert.equal(next.ok, true);
    assert.notEqual(next.pid, pid);
    assert.equal((await callJson(k, T.A.projects)).cloudId, A.cloudId, 'the other site carries on');
    await healthy(k);
  });

  it('runtime.memoryMB is the heap limit: 200 MB fits the default 512 MB function, not the 128 MB one', async () => {
    const big = await callJson(k, T.B.fault, '?mode=alloc&steps=25');
    assert.equal(big.arrays, 25, JSON.stringify(big));
    const res = await call(k, T.B.oom, '?mode=alloc&steps=25');
    expectFault(res, 500, /process failed/, '200 MB in a 128 MB function');
    assert.equal((await callJson(k, T.B.oom, '?mode=alloc&steps=2')).arrays, 2, 'a small allocation fits, on a new worker');
  });

  it('allocating past runtime.memoryMB → 500; the next request works', async () => {
    const key = `oom-${randomBytes(4).toString('hex')}`;
    const done = call(k, T.A.oom, `?mode=oom&tap=${encodeURIComponent(tap.origin)}&key=${key}`);
    const res = await done;
    expectFault(res, 500, /process failed/, 'out of memory');
    assert.ok(res.ms < 20000, `answered within the function's limit (${res.ms} ms)`);
    const { pid, token, url } = await tap.wait(key);
    expectAuthFailure(await k.api(`${new URL(url).pathname}/fpp/rest/api/3/project/search`, { token }), "the dead worker's token");
    assert.ok(await waitWorkerGone(pid), `the worker ${pid} that ran out of memory is gone`);
    const next = await callJson(k, T.A.oom);
    assert.equal(next.ok, true);
    assert.notEqual(next.pid, pid);
    assert.equal((await callJson(k, T.B.projects)).cloudId, B.cloudId, 'the other site carries on');
    await healthy(k);
  });

  it('20 concurrent requests across both sites each get their own site', async () => {
    const jobs = Array.from({ length: 20 }, (_, i) => (i % 2 ? ['B', B] : ['A', A]));
    const results = await Promise.all(jobs.map(([n]) => call(k, T[n].projects)));
    results.forEach((res, i) => {
      const [, me] = jobs[i];
      const other = me === A ? B : A;
      expectStatus(res, 200, `concurrent #${i}`);
      assert.equal(res.json.cloudId, me.cloudId, `concurrent #${i}`);
      assert.equal(res.json.own.status, 200);
      assert.ok(res.text.includes(me.canary), `concurrent #${i}: own canary`);
      assert.ok(!res.text.includes(other.canary), `concurrent #${i}: never the other site's canary`);
    });
  });

  it('warm workers are driven by the HTTP thread that took the request; a full pool queues the rest (backlog) and faults still answer', async () => {
    const counters = async () => {
      const m = await k.api('/metrics');
      expectStatus(m, 200, '/metrics');
      const get = (name) => {
        const line = m.body.toString().split('\n').find((l) => l.startsWith(`${name} `));
        assert.ok(line, `${name} in /metrics`);
        return Number(line.split(' ').pop());
      };
      return {
        http: get('kiln_invocations_started_total{driver="http_thread"}'),
        runtime: get('kiln_invocations_started_total{driver="runtime_thread"}'),
        backlogged: get('kiln_invocations_backlogged_total'),
        demoted: get('kiln_invocations_demoted_total'),
      };
    };
    await callJson(k, T.A.projects); // warm
    const c0 = await counters();
    for (let i = 0; i < 8; i++) assert.equal((await callJson(k, T.A.projects)).cloudId, A.cloudId);
    const c1 = await counters();
    assert.equal(c1.http - c0.http, 8, `each sequential request on a warm worker was driven by its HTTP thread: ${JSON.stringify([c0, c1])}`);
    assert.equal(c1.runtime, c0.runtime, 'none went through the runtime thread');
    // more at once than a version's pool has workers (4): while the pool grows to its
    // bound the runtime thread takes the overflow and starts workers (one at a time); once
    // it is full, the rest wait in the pool's backlog for the next worker to finish
    let c2 = c1;
    for (let round = 0; round < 20 && c2.backlogged === c1.backlogged; round++) {
      const before = await counters();
      const jobs = Array.from({ length: 40 }, (_, i) => (i % 2 ? B : A));
      const results = await Promise.all(jobs.map((s) => call(k, T[s === A ? 'A' : 'B'].projects)));
      results.forEach((res, i) => {
        const me = jobs[i];
        const other = me === A ? B : A;
        expectStatus(res, 200, `burst ${round} #${i}`);
        assert.equal(res.json.cloudId, me.cloudId, `burst ${round} #${i}`);
        assert.ok(res.text.includes(me.canary) && !res.text.includes(other.canary), `burst ${round} #${i}: own canary only`);
      });
      c2 = await counters();
      assert.equal(c2.http + c2.runtime - before.http - before.runtime, 40, 'each started once');
      await sleep(300);
    }
    assert.ok(c2.backlogged > c1.backlogged, `once the pool was full, some waited in the backlog: ${JSON.stringify([c1, c2])}`);
    // a warm worker that exits mid-invocation is handed to the runtime thread, which answers
    await callJson(k, T.A.fault);
    const res = await call(k, T.A.fault, `?mode=exit&tap=${encodeURIComponent(tap.origin)}&key=lent-exit`);
    expectFault(res, 500, /process failed/, 'exit on a lent worker');
    const c3 = await counters();
    assert.ok(c3.demoted > c2.demoted, `the exit was handed over: ${JSON.stringify([c2, c3])}`);
    assert.equal((await callJson(k, T.A.fault)).ok, true, 'the next request works');
  });

  it('unknown trigger ids → 404 at once', async () => {
    const hex = () => randomBytes(32).toString('hex');
    for (const p of [`/x1/${hex()}`, `/public/${hex()}`, '/x1/abc', `/x1/${'g'.repeat(64)}`, `/x1/${hex()}/deeper/path?q=1`,
      `/x1/${T.A.echo.id.toUpperCase()}`, `/x1/${T.A.echo.id.slice(1)}`, `/x1/${T.A.echo.id}0`]) {
      const res = await k.api(p);
      expectFault(res, 404, /./, `GET ${p}`);
      assert.ok(res.ms < 1000, `${p}: ${res.ms} ms`);
    }
    for (const p of ['/x1/', '/x1', '/public']) {
      const res = await k.api(p);
      expectStatus(res, [400, 404], `GET ${p} (no id at all)`);
    }
  });

  it("an uninstalled site's webtrigger → 404 at once", async () => {
    await install(k, dir, C.name);
    const t = await triggerUrl(k, dir, 'echo', C.name);
    const j = await callJson(k, t);
    assert.equal(j.context.installContext, `ari:cloud:jira::site/${C.cloudId}`);
    ok(await kiln(k, ['uninstall', '--site', C.name], { cwd: dir }));
    const res = await k.api(t.path);
    expectFault(res, 404, /./, 'after uninstall');
    assert.ok(res.ms < 1000, `at once (${res.ms} ms)`);
    // the other installations are untouched
    assert.equal((await callJson(k, T.A.echo)).context.installContext, `ari:cloud:jira::site/${A.cloudId}`);
    assert.equal((await callJson(k, T.B.echo)).context.installContext, `ari:cloud:jira::site/${B.cloudId}`);
  });
});

describe('function runtime: scopes follow each installation\'s consent', () => {
  let k;
  let A;
  let B;
  let dir;
  const T = {};

  before(async () => {
    k = await startKiln();
    const tag = randomBytes(3).toString('hex');
    [A, B] = await Promise.all([k.siteWithToken(`sc-a-${tag}`, true), k.siteWithToken(`sc-b-${tag}`, true)]);
    dir = makeApp('scoped-app', {
      'manifest.yml': scopedManifest(['read:jira-work', 'read:jira-user']),
      'src/index.js': scopedSrc('v1'),
    });
    await register(k, dir);
    assert.equal((await deploy(k, dir)).version, '1.0.0');
    for (const s of [A, B]) {
      await install(k, dir, s.name);
      T[s.name] = await triggerUrl(k, dir, 'search', s.name);
    }
  });

  after(async () => {
    await k?.close();
  });

  it('v1 with read:jira-work: project/search → 200 on both sites', async () => {
    for (const s of [A, B]) {
      const j = await callJson(k, T[s.name]);
      assert.equal(j.marker, 'v1');
      assert.equal(j.status, 200, j.body.slice(0, 300));
      assert.ok(j.body.includes(s.canary), 'own projects');
      assert.ok(!j.body.includes((s === A ? B : A).canary), "never the other site's");
    }
  });

  it('a new major without read:jira-work, upgraded on A only: A → 403 with Jira\'s body, B (old major) → 200', async () => {
    rewriteManifest(dir, scopedManifest(['read:jira-user']));
    writeFileSync(path.join(dir, 'src/index.js'), scopedSrc('v2'));
    const v = await deploy(k, dir);
    assert.equal(v.version, '2.0.0', `a scope change is a major: ${JSON.stringify(v)}`);
    // before consent both still run 1.x
    assert.equal((await callJson(k, T[A.name])).marker, 'v1', 'A runs the consented major until it upgrades');
    await install(k, dir, A.name, ['--upgrade']);
    assert.equal((await triggerUrl(k, dir, 'search', A.name)).url, T[A.name].url, 'the URL survives the upgrade');

    const a = await callJson(k, T[A.name]);
    assert.equal(a.marker, 'v2', 'A now runs 2.0.0');
    assert.equal(a.status, 403, `A: ${a.body.slice(0, 500)}`);
    const body = JSON.parse(a.body);
    assert.ok(Array.isArray(body.errorMessages) && body.errorMessages.length > 0, a.body);
    assert.ok(body.errors && typeof body.errors === 'object', a.body);
    const msg = body.errorMessages.join(' ');
    assert.match(msg, /read:jira-user/, `names the granted scopes: ${msg}`);
    assert.match(msg, /read:jira-work/, `names the required scope: ${msg}`);
    assert.ok(!a.body.includes(A.canary) && !a.body.includes(B.canary), 'no data');

    const b = await callJson(k, T[B.name]);
    assert.equal(b.marker, 'v1', 'B stays on 1.x');
    assert.equal(b.status, 200, `B: ${b.body.slice(0, 300)}`);
    assert.ok(b.body.includes(B.canary), "B's own projects");
    assert.ok(!b.body.includes(A.canary));
  });

  it('workers are pooled per version: the 2.0.0 workers only ever served A', async () => {
    for (let i = 0; i < 4; i++) {
      const [a, b] = await Promise.all([callJson(k, T[A.name]), callJson(k, T[B.name])]);
      assert.equal(a.marker, 'v2');
      assert.equal(b.marker, 'v1');
      assert.deepEqual(a.seen, [`ari:cloud:jira::site/${A.cloudId}`], 'a 2.0.0 worker never ran B (B is on 1.x)');
      assert.ok(b.seen.includes(`ari:cloud:jira::site/${B.cloudId}`));
    }
  });
});

describe('function runtime: a deploy unpacks its version off the runtime thread', () => {
  let k;
  let S;
  let quick;
  let big;

  before(async () => {
    k = await startKiln();
    S = await k.siteWithToken(`rt-unpack-${randomBytes(3).toString('hex')}`, true);
    const manifest = `modules:
  webtrigger:
    - key: ping
      function: ping-fn
      response:
        type: dynamic
  function:
    - key: ping-fn
      handler: index.ping
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`;
    const src = `export const ping = async () => ({ statusCode: 200, headers: {}, body: 'pong' });\n`;
    quick = makeApp('quick-app', { 'manifest.yml': manifest, 'src/index.js': src });
    // Thousands of small files make the snapshot slow to unpack (each is a create, write,
    // chmod and utime), as a real app's node_modules does.
    const assets = {};
    for (let i = 0; i < 12000; i++) assets[`assets/${i % 100}/f${i}.txt`] = `asset ${i}\n`;
    // package.json's kiln.include packs them (a snapshot holds only what runs, docs/apps.md).
    const pkg = '{"name":"big-app","kiln":{"include":["assets"]}}\n';
    big = makeApp('big-app', { 'manifest.yml': manifest, 'package.json': pkg, 'src/index.js': src, ...assets });
    for (const d of [quick, big]) await register(k, d);
    await deploy(k, quick);
    await install(k, quick, S.name);
  });

  after(async () => {
    await k?.close();
  });

  it("another app's webtrigger keeps answering while a big version unpacks", async () => {
    const trig = await triggerUrl(k, quick, 'ping', S.name);
    const warm = await call(k, trig);
    expectStatus(warm, 200, 'the quick app answers before the deploy');
    let deploying = true;
    const started = Date.now();
    const deployed = deploy(k, big).finally(() => { deploying = false; });
    const latencies = [];
    while (deploying) {
      const t0 = Date.now();
      const res = await call(k, trig);
      expectStatus(res, 200, 'the quick app answers during the deploy');
      assert.equal(res.body.toString(), 'pong');
      latencies.push(Date.now() - t0);
      await sleep(20);
    }
    await deployed;
    const took = Date.now() - started;
    const worst = Math.max(...latencies);
    assert.ok(latencies.length >= 10, `calls made while the deploy ran (${took} ms): ${latencies.length}`);
    // The unpack alone takes hundreds of ms here (more under sanitizers); were it on the
    // runtime thread, a call made meanwhile would wait for all of it.
    assert.ok(worst < Math.max(400, took / 4), `slowest webtrigger call during a ${took} ms deploy: ${worst} ms (${latencies.join(' ')})`);
  });
});

describe("function runtime: product calls on the worker's pipe", () => {
  let k;
  let A;
  let B;
  let dir;
  let tap;
  const T = {};
  const KEYS = ['hold', 'steal', 'late', 'limits', 'own'];

  before(async () => {
    k = await startKiln();
    const tag = randomBytes(3).toString('hex');
    [A, B] = await Promise.all([k.siteWithToken(`rt-pipe-a-${tag}`, true), k.siteWithToken(`rt-pipe-b-${tag}`, true)]);
    tap = await startTap();
    const manifest = `modules:
  webtrigger:
${KEYS.map((key) => `    - key: ${key}\n      function: ${key}-fn\n      response:\n        type: dynamic\n`).join('')}  function:
${KEYS.map((key) => `    - key: ${key}-fn\n      handler: index.${key}\n      timeoutSeconds: 20\n`).join('')}app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
  external:
    fetch:
      backend:
        - ${tap.origin}
`;
    const src = `import api, { route, assumeTrustedRoute } from '@forge/api';
${workerPrelude}${tapPrelude}
const json = (body) => ({ statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(body) });
const q = (request, name) => request?.queryParameters?.[name]?.[0];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const projects = async () => {
  const res = await api.asApp().requestJira(route\`/rest/api/3/project/search?expand=description\`);
  return { status: res.status, failureCategory: res.headers.get('x-failure-category'), body: await res.text() };
};
// Keeps its invocation (and so its token) alive until told to stop, its token reported
// to the test's tap.
export const hold = async (request) => {
  const tap = q(request, 'tap'), key = q(request, 'key');
  await report(tap, key, { token: global.__forge_runtime__.proxy.token });
  await holdOn(tap, key);
  return json({ held: true });
};
// Uses another invocation's live token for its own product call.
export const steal = async (request) => {
  const rt = global.__forge_runtime__;
  const own = rt.proxy.token;
  rt.proxy.token = q(request, 'token');
  try { return json(await projects()); } finally { rt.proxy.token = own; }
};
// A call made by a timer after the invocation returned. Its answer stays in the worker
// (nothing can leave after the invocation: egress needs a live token too), where the next
// invocation on the same worker picks it up.
let lateResult = null;
export const late = async (request) => {
  if (q(request, 'collect')) return json({ worker: WORKER, result: lateResult });
  lateResult = null;
  setTimeout(async () => { lateResult = await projects(); }, 50);
  return json({ started: true, worker: WORKER });
};
export const limits = async () => {
  const long = await api.asApp().requestJira(assumeTrustedRoute('/rest/api/3/project/search?x=' + 'a'.repeat(5000)));
  const heavy = await api.asApp().requestJira(route\`/rest/api/3/project/search\`, { headers: { 'x-heavy': 'h'.repeat(70000) } });
  return json({ long: long.status, heavy: heavy.status });
};
export const own = async () => json(await projects());
`;
    dir = makeApp('pipe-app', { 'manifest.yml': manifest, 'src/index.js': src });
    await register(k, dir);
    await deploy(k, dir);
    for (const s of [A, B]) {
      await install(k, dir, s.name);
      T[s.name] = {};
      for (const key of KEYS) T[s.name][key] = await triggerUrl(k, dir, key, s.name);
    }
  });

  after(async () => {
    await k?.close();
    tap?.close();
  });

  it("each site's calls on the pipe see its own projects", async () => {
    for (const [me, other] of [[A, B], [B, A]]) {
      const r = await callJson(k, T[me.name].own);
      assert.equal(r.status, 200, JSON.stringify(r));
      assert.ok(r.body.includes(me.canary), `${me.name} sees its own canary`);
      assert.ok(!r.body.includes(other.canary), `${me.name} never sees ${other.name}'s canary`);
    }
  });

  it("a live token of another site's invocation opens nothing through this worker's pipe", async () => {
    const key = `token-${randomBytes(4).toString('hex')}`;
    const held = call(k, T[B.name].hold, `?tap=${encodeURIComponent(tap.origin)}&key=${key}`);
    const { token } = await tap.wait(key);
    assert.match(token, /^kiln_i_/, "site B's invocation reported its token");
    try {
      const r = await callJson(k, T[A.name].steal, `?token=${encodeURIComponent(token)}`);
      assert.equal(r.status, 401, `the stolen token is refused: ${JSON.stringify(r)}`);
      assert.equal(r.failureCategory, 'FAILURE_CLIENT_AUTH');
      assert.ok(!r.body.includes(B.canary) && !r.body.includes(A.canary), 'no project data in the refusal');
    } finally {
      tap.release(key);
    }
    expectStatus(await held, 200, 'the holding invocation ends normally');
  });

  it('a call made after its invocation ended is refused (401 FAILURE_CLIENT_AUTH)', async () => {
    const started = await callJson(k, T[A.name].late);
    assert.equal(started.started, true);
    // the next invocation on the same worker (sequential calls reuse the warm worker)
    let r = null;
    for (let i = 0; i < 50 && !r; i++) {
      await sleep(40);
      const c = await callJson(k, T[A.name].late, '?collect=1');
      if (c.worker === started.worker) r = c.result;
    }
    assert.ok(r, 'the late call finished');
    assert.equal(r.status, 401, JSON.stringify(r));
    assert.equal(r.failureCategory, 'FAILURE_CLIENT_AUTH');
    assert.ok(!r.body.includes(A.canary));
  });

  it('calls carried on the pipe are counted in /metrics, as the same calls over HTTP are', async () => {
    // routed calls count under their product route; those refused before routing, under the plane's
    const count = async (route, status) => {
      const m = await k.api('/metrics');
      expectStatus(m, 200, '/metrics');
      const line = m.body.toString().split('\n').find((l) => l.startsWith(`kiln_http_requests_total{route="${route}",status="${status}"}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    const search = 'jira GET /rest/api/3/project/search';
    const plane = 'proxy /_proxy/{type}/...';
    const [ok0, limits0] = [await count(search, 200), await count(plane, 414)];
    for (let i = 0; i < 3; i++) assert.equal((await callJson(k, T[A.name].own)).status, 200);
    assert.deepEqual(await callJson(k, T[A.name].limits), { long: 414, heavy: 431 });
    assert.equal((await count(search, 200)) - ok0, 3, 'each own-site call, once');
    assert.equal((await count(plane, 414)) - limits0, 1, 'the over-long path, refused before routing');
  });

  it('limits on the pipe answer as on HTTP: a 5 KB path → 414, 70 KB of headers → 431', async () => {
    const r = await callJson(k, T[A.name].limits);
    assert.deepEqual(r, { long: 414, heavy: 431 });
    const healthy = await callJson(k, T[A.name].own);
    assert.equal(healthy.status, 200, 'the worker carries on');
  });
});
