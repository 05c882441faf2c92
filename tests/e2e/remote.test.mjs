// Forge Remote (docs/remote.md): kiln calls an app's remote backend with a Forge
// Invocation Token (FIT) that the remote verifies with `jose` against kiln's JWKS; the
// app system token it hands over opens exactly its installation's site and storage;
// events are retried as Forge's contract says, invokeRemote is answered without
// blocking anything else; keys rotate without breaking tokens in flight.
//
// The remote is a Node HTTP server in this file, on loopback; the fixture app is
// tests/fixtures/apps/remote-caller with its baseUrls rewritten to it.
//
// Run: KILN_BIN=build/kiln node --test tests/e2e/remote.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as jose from 'jose';
import {
  ROOT, startKiln, expectStatus, tempDir, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson, sleep,
  expectAuthFailure, expectScopeFailure, SCOPE_BODY,
} from './lib/kiln.mjs';

const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'apps', 'remote-caller');
const NODE_MODULES = path.join(ROOT, 'node_modules');
const HEX = (n) => new RegExp(`^[0-9a-f]{${n}}$`);

// ------------------------------------------------------------ the test remote

/** A remote backend: verifies every FIT against kiln's JWKS and records what it got. */
class Remote {
  constructor() {
    this.requests = []; // {path, method, headers, body, claims, header, verifyError}
    this.eventMode = 'ok'; // ok | fail:N (N failures with 500, then ok) | redirect | hang-once
    this.failed = 0;
    this.sockets = new Set();
  }

  async start(jwksUrl) {
    this.jwks = jose.createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 0, cacheMaxAge: 0 });
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    await new Promise((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
  }

  close() {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(r));
  }

  async verify(req, appAri) {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (!m) return { error: 'no bearer' };
    try {
      const { payload, protectedHeader } = await jose.jwtVerify(m[1], this.jwks, {
        issuer: 'forge/invocation-token', audience: appAri, algorithms: ['RS256'],
      });
      return { claims: payload, header: protectedHeader, token: m[1] };
    } catch (e) {
      return { error: `${e.code ?? e.name}: ${e.message}`, token: m[1] };
    }
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url, 'http://x');
      const rec = { at: Date.now(), path: url.pathname, search: url.search, method: req.method, headers: req.headers, body };
      const v = await this.verify(req, this.appAri);
      Object.assign(rec, v);
      this.requests.push(rec);
      if (v.error) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: v.error }));
        return;
      }
      const p = url.pathname;
      if (p === '/base/events') {
        const mode = this.eventMode;
        if (mode.startsWith('fail:') && this.failed < Number(mode.slice(5))) {
          this.failed++;
          res.writeHead(500);
          res.end('not now');
        } else if (mode === 'redirect') {
          res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
          res.end();
        } else if (mode === 'hang-once' && this.failed < 1) {
          this.failed++; // never answered: kiln's 5 s deadline cuts it
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"ok":true}');
        }
      } else if (p === '/base/echo') {
        res.writeHead(201, { 'content-type': 'application/json', 'x-remote': 'yes', connection: 'keep-alive' });
        res.end(JSON.stringify({ method: req.method, path: p, search: url.search, body, appHeader: req.headers['x-app-header'] ?? null }));
      } else if (p === '/base/500') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"remote broke"}');
      } else if (p === '/base/302') {
        res.writeHead(302, { location: 'https://example.invalid/' });
        res.end();
      } else if (p === '/base/hang') {
        // never answers: kiln's 25 s deadline cuts it
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  }

  events(cloudId) {
    return this.requests.filter((r) => r.path === '/base/events' && (!cloudId || r.claims?.app?.installation?.contexts?.[0]?.cloudId === cloudId));
  }
}

// ------------------------------------------------------------ helpers

async function until(fn, ms = 20000, what = 'condition') {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('Forge Remote', () => {
  let k, remote, dir, appId, appAri;
  const tag = randomBytes(3).toString('hex');
  const S = {}; // site name -> {cloudId, token}
  const names = { A: `rem-a-${tag}`, B: `rem-b-${tag}`, C: `rem-c-${tag}` };

  const trigger = async (site) => new URL((await okJson(k, ['webtrigger', 'call', '--site', site, '--json'], { cwd: dir })).url).pathname;
  const call = async (site, q, opts = {}) => {
    const r = await k.api(`${await trigger(site)}?${new URLSearchParams(q)}`, { timeout: 60000, ...opts });
    expectStatus(r, 200, `webtrigger call ${JSON.stringify(q)}`);
    return r.json;
  };
  const sysToken = (cloudId) => remote.events(cloudId).find((e) => e.claims)?.headers['x-forge-oauth-system'];
  const kvs = (token, op, body) => k.api(`/forge/storage/kvs/v1/${op}`, { method: 'POST', token, body });

  before(async () => {
    k = await startKiln({ threads: 2 });
    remote = new Remote();
    await remote.start(`${k.url}/.well-known/jwks.json`);
    for (const [key, name] of Object.entries(names)) {
      const s = await k.siteWithToken(name);
      S[key] = { name, cloudId: s.cloudId, token: s.token };
    }
    dir = path.join(tempDir('fx-remote'), 'remote-caller');
    cpSync(FIXTURE, dir, { recursive: true });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    const mf = path.join(dir, 'manifest.yml');
    writeFileSync(mf, readFileSync(mf, 'utf8').replaceAll('http://127.0.0.1:9', remote.url));
    await okJson(k, ['register', dir, '--json']);
    appId = /id: ari:cloud:ecosystem::app\/([0-9a-f-]{36})/.exec(readFileSync(mf, 'utf8'))[1];
    appAri = `ari:cloud:ecosystem::app/${appId}`;
    remote.appAri = appAri;
    await okJson(k, ['deploy', dir, '--json']);
    for (const key of ['A', 'B']) await okJson(k, ['install', '--site', S[key].name, '--confirm-scopes', '--json'], { cwd: dir });
  });

  after(async () => {
    await remote?.close();
    await k?.close();
  });

  it('publishes its keys at /.well-known/jwks.json without a credential', async () => {
    const r = await k.api('/.well-known/jwks.json');
    expectStatus(r, 200);
    assert.match(r.headers['content-type'], /^application\/json/);
    assert.ok(r.json.keys.length >= 1);
    for (const key of r.json.keys) {
      assert.equal(key.kty, 'RSA');
      assert.equal(key.alg, 'RS256');
      assert.match(key.kid, HEX(32));
      assert.equal(key.d, undefined, 'never the private key');
    }
    expectStatus(await k.api('/.well-known/jwks.json', { method: 'POST', body: {} }), 405);
  });

  it('delivers installed events to the remote endpoint with a FIT that jose verifies, Forge claims and a system token', async () => {
    for (const key of ['A', 'B']) {
      const ev = await until(() => remote.events(S[key].cloudId)[0], 20000, `installed event for ${key}`);
      assert.equal(ev.error, undefined, `the FIT verifies: ${ev.error}`);
      assert.equal(ev.method, 'POST');
      assert.equal(ev.header.alg, 'RS256');
      assert.match(ev.header.kid, HEX(32));
      const c = ev.claims;
      assert.equal(c.iss, 'forge/invocation-token');
      assert.equal(c.aud, appAri);
      assert.ok(c.exp > c.iat && c.exp - c.iat <= 60, 'short-lived');
      assert.equal(c.nbf, c.iat);
      assert.match(c.jti, HEX(40));
      assert.equal(c.app.id, appAri);
      assert.match(c.app.installationId, /^ari:cloud:ecosystem::installation\/[0-9a-f-]{36}$/);
      assert.equal(c.app.installation.id, c.app.installationId);
      assert.equal(c.app.apiBaseUrl, `${k.url}/ex/jira/${S[key].cloudId}`);
      assert.deepEqual(c.app.installation.contexts.map((x) => [x.cloudId, x.apiBaseUrl]), [[S[key].cloudId, c.app.apiBaseUrl]]);
      assert.deepEqual(c.app.environment.type, 'DEVELOPMENT');
      assert.match(c.app.environment.id, /^ari:cloud:ecosystem::environment\//);
      assert.deepEqual(c.app.module, { type: 'core:endpoint', key: 'remote-events' });
      assert.equal(c.app.appVersion, '1.0.0');
      assert.equal(c.context.cloudId, S[key].cloudId);
      assert.equal(c.principal, undefined, 'no user behind a lifecycle event');
      assert.match(ev.headers['x-forge-oauth-system'], /^kiln_s_[A-Za-z0-9_-]{43}$/);
      assert.equal(ev.headers['x-forge-oauth-user'], undefined);
      assert.match(ev.headers['x-b3-traceid'], HEX(32));
      assert.match(ev.headers['x-b3-spanid'], HEX(16));
      const body = JSON.parse(ev.body);
      assert.equal(body.eventType, 'avi:forge:installed:app');
      assert.equal(body.retryContext, undefined, 'first attempt');
    }
    assert.notEqual(sysToken(S.A.cloudId), sysToken(S.B.cloudId));
    // a FIT is refused by a remote when forged or expired (jose against kiln's JWKS)
    const ev = remote.events(S.A.cloudId)[0];
    await assert.rejects(jose.jwtVerify(ev.token, remote.jwks, { issuer: 'forge/invocation-token', audience: appAri, currentDate: new Date((ev.claims.exp + 1) * 1000) }), /exp/);
    await assert.rejects(jose.jwtVerify(ev.token, remote.jwks, { issuer: 'forge/invocation-token', audience: 'ari:cloud:ecosystem::app/00000000-0000-0000-0000-000000000000' }), /aud/);
    const [h, , s] = ev.token.split('.');
    const evil = Buffer.from(JSON.stringify({ ...ev.claims, app: { ...ev.claims.app, installationId: 'someone-else' } })).toString('base64url');
    await assert.rejects(jose.jwtVerify(`${h}.${evil}.${s}`, remote.jwks, { audience: appAri }), /signature/);
    const none = Buffer.from(JSON.stringify({ alg: 'none', kid: ev.header.kid })).toString('base64url');
    await assert.rejects(jose.jwtVerify(`${none}.${ev.token.split('.')[1]}.`, remote.jwks, { audience: appAri }));
  });

  it('the system token opens its own site and storage and nothing else', async () => {
    const ta = sysToken(S.A.cloudId), tb = sysToken(S.B.cloudId);
    assert.ok(ta && tb);
    // its own site's product API
    let r = await k.jira(S.A.cloudId, '/project/search', { token: ta });
    expectStatus(r, 200, 'A token on A');
    // another site, an unknown cloudId, junk: the same answer, byte for byte
    const other = await k.jira(S.B.cloudId, '/project/search', { token: ta });
    expectScopeFailure(other, 'A token on B');
    const unknown = await k.jira('00000000-0000-4000-8000-000000000000', '/project/search', { token: ta });
    expectScopeFailure(unknown, 'A token on an unknown cloudId');
    assert.equal(other.text, unknown.text);
    assert.equal(other.text, SCOPE_BODY);
    expectScopeFailure(await k.jira(S.C.cloudId, '/project/search', { token: ta }), 'A token on C (app not installed there)');
    // every product route tried with A's token on B (and on A, to show the route exists)
    const routes = [['GET', '/project/search'], ['GET', '/myself'], ['GET', '/serverInfo'], ['GET', '/users/search'],
      ['GET', '/issue/X-1'], ['GET', '/project/X'], ['GET', `/user?accountId=${S.B.cloudId}`],
      ['POST', '/project', { key: 'EVIL', name: 'evil', projectTypeKey: 'software' }],
      ['POST', '/issue', { fields: { project: { key: 'X' }, summary: 'evil', issuetype: { name: 'Task' } } }]];
    for (const [method, p, body] of routes) {
      const x = await k.jira(S.B.cloudId, p, { method, token: ta, body });
      expectScopeFailure(x, `A token on B ${method} ${p}`);
    }
    // other planes do not take it: the function proxy, the admin API
    expectAuthFailure(await k.api('/_proxy/fpp/rest/api/3/project/search', { token: ta }), 'system token on /_proxy');
    expectStatus(await k.admin('/sites', { token: ta }), 401, 'system token on /admin');
    // a scope the installation did not consent to (write:jira-work): 401 scope check
    r = await k.jira(S.A.cloudId, '/issue', { method: 'POST', token: ta, body: { fields: { summary: 'x' } } });
    expectScopeFailure(r, 'missing scope');
    // forged, truncated, other kinds of credential
    const forged = `kiln_s_${randomBytes(32).toString('base64url')}`;
    expectAuthFailure(await k.jira(S.A.cloudId, '/project/search', { token: forged }), 'forged system token');
    expectAuthFailure(await k.jira(S.A.cloudId, '/project/search', { token: ta.slice(0, -1) }), 'truncated');
    expectAuthFailure(await k.jira(S.A.cloudId, '/project/search', { token: remote.events(S.A.cloudId)[0].token }), 'a FIT is not a credential');

    // storage: each token sees its own installation's keys only
    expectStatus(await kvs(ta, 'set', { key: 'who', value: 'site A' }), 204, 'set A');
    expectStatus(await kvs(tb, 'set', { key: 'who', value: 'site B' }), 204, 'set B');
    r = await kvs(ta, 'get', { key: 'who' });
    expectStatus(r, 200);
    assert.equal(r.json.value, 'site A');
    r = await kvs(tb, 'get', { key: 'who' });
    assert.equal(r.json.value, 'site B');
    r = await kvs(tb, 'query', { where: [{ condition: 'BEGINS_WITH', property: 'key', values: ['w'] }] });
    expectStatus(r, 200);
    assert.deepEqual(r.json.data.map((x) => x.value), ['site B']);
    // no installation can be named in the request: the token decides (B's own value, exactly)
    r = await kvs(tb, 'get', { key: 'who', installationId: 'x', contextAri: `ari:cloud:jira::site/${S.A.cloudId}` });
    expectStatus(r, 200, 'get naming another installation in the body');
    assert.deepEqual(r.json, { key: 'who', value: 'site B' });
    for (const token of [forged, S.A.token, remote.events(S.A.cloudId)[0].token, '']) {
      r = await kvs(token, 'get', { key: 'who' });
      expectStatus(r, 401, 'storage without a valid system token');
      assert.equal(r.headers['x-failure-category'], 'FAILURE_CLIENT_AUTH');
    }
    expectStatus(await k.api('/forge/storage/kvs/v1/get', { method: 'GET', token: ta }), 405);
    expectStatus(await k.api('/forge/storage/kvs/v2/get', { method: 'POST', token: ta, body: { key: 'who' } }), 404);
    // the gateway audited the system token's calls with its installation
    await until(async () => (await k.admin(`/audit?site=${S.A.name}&n=1000`)).json.events
      .some((e) => e.plane === 'storage' && e.installationId && e.kind === 'gateway.allow'), 5000, 'storage calls audited');
    await until(async () => (await k.admin(`/audit?site=${S.A.name}&n=1000`)).json.events
      .some((e) => e.plane === 'jira' && e.kind === 'gateway.allow' && e.installationId), 5000, 'system token calls audited');
  });

  it('invokeRemote reaches the remote with a FIT for the invocation, through /_proxy/frc', async () => {
    const out = await call(S.A.name, { path: '/echo?x=1', method: 'POST', header: 'from-app' }, { method: 'POST', body: '{"hello":"remote"}', headers: { 'content-type': 'application/json' } });
    assert.equal(out.error, undefined, JSON.stringify(out));
    assert.equal(out.status, 201);
    assert.equal(out.remoteHeader, 'yes');
    const echo = JSON.parse(out.body);
    assert.equal(echo.method, 'POST');
    assert.equal(echo.search, '?x=1');
    assert.equal(echo.body, '{"hello":"remote"}');
    assert.equal(echo.appHeader, 'from-app');
    const rec = remote.requests.filter((x) => x.path === '/base/echo').at(-1);
    assert.equal(rec.error, undefined, `FIT verifies: ${rec.error}`);
    assert.deepEqual(rec.claims.app.module, { type: 'core:function', key: 'call' });
    assert.equal(rec.claims.app.installation.contexts[0].cloudId, S.A.cloudId);
    assert.notEqual(rec.headers.authorization, 'Bearer app-made-this-up', 'the app cannot replace the FIT');
    assert.match(rec.headers['x-forge-oauth-system'], /^kiln_s_/, 'remote.auth.appSystemToken');
    assert.notEqual(rec.headers['x-forge-oauth-system'], 'forged');
    // site B's call carries B's context and token
    await call(S.B.name, { path: '/echo' });
    const recB = remote.requests.filter((x) => x.path === '/base/echo').at(-1);
    assert.equal(recB.claims.app.installation.contexts[0].cloudId, S.B.cloudId);
    assert.equal(recB.headers['x-forge-oauth-system'], sysToken(S.B.cloudId));

    // errors, as @forge/api sees them
    assert.equal((await call(S.A.name, { remote: 'nope' })).error, 'INVALID_REMOTE_ERR');
    assert.equal((await call(S.A.name, { remote: 'storage-only' })).error, 'INVALID_REMOTE_ERR', 'no compute operation');
    const e500 = await call(S.A.name, { path: '/500' });
    assert.equal(e500.status, 500);
    assert.equal(e500.body, '{"error":"remote broke"}');
    const e302 = await call(S.A.name, { path: '/302' });
    assert.equal(e302.status, 502, 'a redirect is an error, never followed');
    assert.match(e302.body, /REMOTE_REDIRECT/);
    assert.ok(!remote.requests.some((x) => x.path === '/elsewhere'));
    // paths that would leave the baseUrl are refused before anything is sent: kiln's path
    // check (400) or the runtime's (a thrown Error); a space is encoded and stays under it
    const before = remote.requests.length;
    const invalid = { status: 400, remoteHeader: null, contentType: 'application/json;charset=UTF-8', body: '{"errorMessages":["Invalid request path"],"errors":{}}' };
    assert.deepEqual(await call(S.A.name, { path: '//evil.example/x' }), invalid, '//evil.example/x');
    assert.deepEqual(await call(S.A.name, { path: '/..%2f..%2fx' }), invalid, '/..%2f..%2fx');
    const noslash = await call(S.A.name, { path: 'noslash' });
    assert.equal(noslash.error, 'Error', JSON.stringify(noslash));
    assert.match(noslash.message, /path must be a string starting with "\/"/);
    const space = await call(S.A.name, { path: '/a b' });
    assert.equal(space.status, 404, `the remote's own answer: ${JSON.stringify(space)}`);
    // what the backend received meanwhile (lifecycle events aside): the encoded one only
    assert.deepEqual(remote.requests.slice(before).filter((x) => x.path !== '/base/events').map((x) => [x.method, x.path]),
      [['GET', '/base/a%20b']], 'the refused paths sent nothing');
  });

  it('a hanging remote is cut at 25 s while other calls are answered at once', async () => {
    const t0 = Date.now();
    const hang = call(S.A.name, { path: '/hang' });
    await sleep(300);
    // meanwhile: other invocations, product calls and the JWKS answer quickly
    for (let i = 0; i < 3; i++) {
      const t1 = Date.now();
      const out = await call(S.B.name, { path: '/echo' });
      assert.equal(out.status, 201);
      expectStatus(await k.jira(S.A.cloudId, '/project/search', { token: S.A.token }), 200);
      assert.ok(Date.now() - t1 < 3000, 'not blocked by the hanging call');
    }
    const out = await hang;
    const took = Date.now() - t0;
    assert.equal(out.status, 504, JSON.stringify(out));
    assert.match(out.body, /REMOTE_TIMEOUT/);
    assert.ok(took >= 24000 && took < 40000, `cut at the 25 s deadline (${took} ms)`);
  });

  it('events are retried with backoff and a retryContext; a redirect counts as a failure; given up after 4 retries', async () => {
    const instIdOf = (e) => e.claims?.app?.installationId?.replace('ari:cloud:ecosystem::installation/', '');
    // site C: the first two attempts fail with 500, the third is accepted
    remote.eventMode = 'fail:2';
    remote.failed = 0;
    await okJson(k, ['install', '--site', S.C.name, '--confirm-scopes', '--json'], { cwd: dir });
    const evs = await until(() => { const e = remote.events(S.C.cloudId); return e.length >= 3 && e; }, 30000, 'three attempts');
    await sleep(2500);
    assert.equal(remote.events(S.C.cloudId).length, 3, 'no attempt after the accepted one');
    const bodies = evs.map((e) => JSON.parse(e.body));
    assert.deepEqual(bodies.map((b) => b.retryContext?.retryCount), [undefined, 1, 2], 'no retryContext on the first attempt, then 1, 2');
    assert.equal(bodies[1].retryContext.retryReason, 'INVALID_REMOTE_INVOCATION_ERROR');
    assert.equal(bodies[1].retryContext.retryData, null);
    assert.equal(new Set(evs.map((e) => e.claims.jti)).size, 3, 'a fresh FIT per attempt');
    assert.ok(evs[1].at - evs[0].at >= 900, 'backoff 1 s');
    assert.ok(evs[2].at - evs[1].at >= 1900, 'backoff 2 s');

    // always a redirect: 5 attempts (the first and 4 retries), then kiln gives up
    remote.eventMode = 'redirect';
    const un = await okJson(k, ['uninstall', '--site', S.C.name, '--json'], { cwd: dir });
    assert.deepEqual([un.site, un.state, un.installationId], [S.C.name, 'removed', instIdOf(evs[0])], 'uninstalled the first installation');
    // counted before the install: the engine may POST its first attempt before the CLI returns
    const first = remote.events(S.C.cloudId).length;
    await okJson(k, ['install', '--site', S.C.name, '--confirm-scopes', '--json'], { cwd: dir });
    const instId = instIdOf;
    const reinstalled = await until(() => { const e = remote.events(S.C.cloudId).slice(first); return e.length >= 5 && e; }, 40000, 'five attempts');
    await sleep(9000);
    const all = remote.events(S.C.cloudId).slice(first);
    assert.equal(all.length, 5, `exactly 5 attempts, got ${all.length}`);
    assert.equal(new Set(all.map(instId)).size, 1);
    assert.notEqual(instId(all[0]), instId(evs[0]), 'a reinstall is a new installation');
    assert.ok(reinstalled.every((e) => !e.path.includes('elsewhere')));
    remote.eventMode = 'ok';
  });

  it('an event whose remote hangs is cut at 5 s and retried', async () => {
    remote.eventMode = 'hang-once';
    remote.failed = 0;
    const siteName = `rem-d-${tag}`;
    const s = await k.siteWithToken(siteName);
    await okJson(k, ['install', '--site', siteName, '--confirm-scopes', '--json'], { cwd: dir });
    const evs = await until(() => { const e = remote.events(s.cloudId); return e.length >= 2 && e; }, 30000, 'a retry after the hang');
    const gap = evs[1].at - evs[0].at;
    assert.ok(gap >= 5500 && gap < 9000, `5 s deadline + 1 s backoff (${gap} ms)`);
    assert.equal(JSON.parse(evs[1].body).retryContext.retryReason, 'TIMEOUT_ERROR');
    remote.eventMode = 'ok';
  });

  it('uninstalling kills the installation\'s system token at once, on every route', async () => {
    const tb = sysToken(S.B.cloudId);
    expectStatus(await k.jira(S.B.cloudId, '/project/search', { token: tb }), 200);
    ok(await kiln(k, ['uninstall', '--site', S.B.name], { cwd: dir }));
    expectAuthFailure(await k.jira(S.B.cloudId, '/project/search', { token: tb }), 'after uninstall');
    const r = await kvs(tb, 'get', { key: 'who' });
    expectStatus(r, 401, 'storage after uninstall');
    // A's token is unaffected
    expectStatus(await k.jira(S.A.cloudId, '/project/search', { token: sysToken(S.A.cloudId) }), 200);
  });

  it('kiln keys rotate: a new kid signs, the old one stays published, both verify; audited', async () => {
    const before = (await k.api('/.well-known/jwks.json')).json.keys.map((x) => x.kid);
    const r = await okJson(k, ['keys', 'rotate', '--json']);
    assert.match(r.kid, HEX(32));
    assert.ok(before.includes(r.retiredKid));
    const after = (await k.api('/.well-known/jwks.json')).json.keys.map((x) => x.kid);
    assert.ok(after.includes(r.kid) && after.includes(r.retiredKid), 'both published');
    // a FIT signed before the rotation still verifies; the next one uses the new kid
    const old = remote.requests.filter((x) => x.token && x.header?.kid === r.retiredKid).at(-1);
    const { protectedHeader } = await jose.jwtVerify(old.token, jose.createLocalJWKSet((await k.api('/.well-known/jwks.json')).json), { audience: appAri, currentDate: new Date(old.claims.iat * 1000) });
    assert.equal(protectedHeader.kid, r.retiredKid);
    await call(S.A.name, { path: '/echo' });
    const rec = remote.requests.filter((x) => x.path === '/base/echo').at(-1);
    assert.equal(rec.error, undefined);
    assert.equal(rec.header.kid, r.kid);
    await until(async () => (await k.admin('/audit?n=1000')).json.events
      .some((e) => e.kind === 'key.rotate' && String(e.detail).includes(r.kid)), 5000, 'key.rotate audited');
    await until(async () => (await k.admin('/audit?n=1000')).json.events
      .some((e) => e.kind === 'remote.call' && e.plane === 'remote'), 5000, 'remote calls audited');
  });

  it("records what went to remotes in each site's data-flow ledger (events and invokeRemote), never in another site's", async () => {
    const view = async (site) => {
      const r = await kiln(k, ['ledger', '--site', site, '-n', '1000', '--json']);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    };
    let a = [];
    for (let i = 0; i < 50 && !(a.some((x) => x.kind === 'remote' && x.invocationId) && a.some((x) => x.kind === 'remote' && !x.invocationId)); i++) {
      a = await view(S.A.name);
      if (i) await new Promise((r) => setTimeout(r, 100));
    }
    const calls = a.filter((x) => x.kind === 'remote');
    assert.ok(calls.some((x) => x.invocationId && x.destination.startsWith(`${remote.url}/base/echo`)), `invokeRemote under its invocation: ${JSON.stringify(calls.slice(0, 3))}`);
    assert.ok(calls.some((x) => !x.invocationId), 'lifecycle events (no invocation)');
    for (const x of calls) {
      assert.equal(x.site, S.A.name);
      assert.equal(x.direction, 'out');
      assert.ok(!x.destination.includes('?'), 'no query kept');
    }
    const b = (await view(S.B.name)).filter((x) => x.kind === 'remote');
    assert.ok(b.length > 0, "B's own remote calls are in B's view");
    assert.ok(b.every((x) => x.site === S.B.name), "B's view holds only B's remote records");
    const ids = new Set(calls.map((x) => x.invocationId).filter(Boolean));
    assert.ok(!b.some((x) => ids.has(x.invocationId)), "none of A's invocations in B's view");
  });

  it('counts what went to remotes in /metrics', async () => {
    const m = (await k.api('/metrics')).text;
    const v = (name) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(m)?.[1]);
    assert.ok(v('kiln_remote_transfers_total') >= 10);
    assert.ok(v('kiln_remote_transfer_bytes_total') > 0);
    assert.ok(v('kiln_remote_retries_total') >= 5);
    assert.ok(v('kiln_outbound_timeouts_total') >= 2);
    assert.ok(v('kiln_outbound_reused_total') >= 1, 'connections to the remote are reused');
    assert.ok(!k.allStderrLines().some((l) => /kiln_s_[A-Za-z0-9_-]{43}/.test(l)), 'no system token in kiln\'s log');
  });
});
