// The bridge's fetchRemote (@forge/bridge requestRemote): POST /_ui/v1/bridge {op:
// "fetchRemote"} calls one of the app's declared remotes (a loopback server here) with a
// FIT (verified with jose against kiln's JWKS) naming the signed-in user, the module and
// the installation of the session's site; a remote of another app or an undeclared key is
// refused; a context token of site A with a session of site B is refused.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import * as jose from 'jose';
import { ROOT, startKiln, expectStatus, describeRes, tempDir, writeFiles } from './lib/kiln.mjs';
import { deployApp, sessionPost, uiSession } from './lib/ui.mjs';

const NODE_MODULES = path.join(ROOT, 'node_modules');

const manifest = (remoteKey, port) => `modules:
  jira:globalPage:
    - key: panel
      resource: main
      title: Remote panel
      icon: https://example.com/icon.svg
resources:
  - key: main
    path: static/main
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
remotes:
  - key: ${remoteKey}
    baseUrl: http://127.0.0.1:${port}/base
    operations: [compute]
    auth:
      appSystemToken:
        enabled: true
`;

describe('bridge fetchRemote: a declared remote, with a FIT of the user and the session\'s site', () => {
  let k, A, B, sA, sB, remote, port;
  const seen = [];
  const tag = randomBytes(3).toString('hex');
  const post = (s, p, body, headers) => sessionPost(k, s, p, body, headers);
  const apps = {}; // name -> app id
  const appId = (name) => apps[name];

  before(async () => {
    ({ remote, port } = await loopbackRemote(seen, (req, res) => {
      if (req.url.startsWith('/base/bin')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(Buffer.from([0xff, 0x00, 0xfe]));
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-remote': 'yes', 'set-cookie': 'a=b' });
      res.end(JSON.stringify({ echo: req.url }));
    }));
    k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
    A = await k.siteWithToken(`br-a-${tag}`, true);
    B = await k.siteWithToken(`br-b-${tag}`, true);
    for (const [name, key] of [['remote-panel-app', 'backend'], ['remote-other-app', 'elsewhere']]) {
      const dir = path.join(tempDir('brapp'), name);
      writeFiles(dir, {
        'manifest.yml': manifest(key, port), 'src/index.js': 'export const x = 1;\n',
        'static/main/index.html': '<!doctype html><p>remote</p>',
      });
      symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
      apps[name] = await deployApp(k, dir, [A, B]);
    }
    sA = await uiSession(k, A.name, A.accountId);
    sB = await uiSession(k, B.name, B.accountId);
  });

  after(async () => {
    await k?.close();
    remote?.close();
  });

  const frameOf = async (s) => {
    const f = await post(s, '/_ui/v1/frames', { appId: appId('remote-panel-app'), moduleKey: 'panel', extension: {} });
    expectStatus(f, 200, 'frame');
    return f.json.token;
  };
  const fetchRemote = (s, t, payload) => post(s, '/_ui/v1/bridge', { op: 'fetchRemote', payload, extension: {} }, { 'x-kiln-context': t });

  it('calls the remote with a FIT naming the user, the module and the session\'s site; answers as requestRemote reads it', async () => {
    const jwks = jose.createRemoteJWKSet(new URL(`${k.url}/.well-known/jwks.json`));
    for (const [s, site] of [[sA, A], [sB, B]]) {
      seen.length = 0;
      const t = await frameOf(s);
      const r = await fetchRemote(s, t, {
        remoteKey: 'backend', isMultipartFormData: false,
        fetchRequestInit: { path: '/items?x=1', method: 'POST', body: '{"n":1}', headers: [['content-type', 'application/json'], ['x-app', 'v']] },
      });
      expectStatus(r, 200, 'fetchRemote');
      assert.equal(r.json.status, 201, describeRes(r));
      assert.equal(r.json.isAttachment, false);
      assert.deepEqual(JSON.parse(r.json.body), { echo: '/base/items?x=1' });
      assert.equal(r.json.headers['x-remote'], 'yes');
      assert.equal(r.json.headers['content-type'], 'application/json');
      assert.equal(r.json.headers['set-cookie'], undefined, 'the remote\'s cookies are not passed on');
      assert.equal(seen.length, 1);
      const got = seen[0];
      assert.equal(got.method, 'POST');
      assert.equal(got.body, '{"n":1}');
      assert.equal(got.headers['x-app'], 'v');
      assert.equal(got.headers['x-forge-oauth-system'], undefined, 'requestRemote carries no OAuth tokens');
      const fit = /^Bearer (.+)$/.exec(got.headers.authorization)?.[1];
      assert.ok(fit, 'a FIT');
      const { payload } = await jose.jwtVerify(fit, jwks, {
        issuer: 'forge/invocation-token', audience: `ari:cloud:ecosystem::app/${appId('remote-panel-app')}`, algorithms: ['RS256'],
      });
      assert.equal(payload.principal, site.accountId);
      assert.equal(payload.context.cloudId, site.cloudId);
      assert.equal(payload.context.moduleKey, 'panel');
      assert.deepEqual(payload.app.module, { type: 'jira:globalPage', key: 'panel' });
      const inst = k.sql(`SELECT i.id FROM installations i JOIN sites s ON s.id = i.site_id JOIN apps a ON a.id = i.app_id
                           WHERE s.name = '${site.name}' AND a.name = 'remote-panel-app' AND i.removed = 0`);
      assert.equal(payload.app.installationId, `ari:cloud:ecosystem::installation/${inst}`);
      assert.equal(payload.app.installation.contexts[0].cloudId, site.cloudId);
    }
    // a body that is not UTF-8 comes as base64, isAttachment
    const bin = await fetchRemote(sA, await frameOf(sA), { remoteKey: 'backend', fetchRequestInit: { path: '/bin' } });
    expectStatus(bin, 200);
    assert.equal(bin.json.isAttachment, true);
    assert.deepEqual([...Buffer.from(bin.json.body, 'base64')], [0xff, 0x00, 0xfe]);
  });

  it('refuses another app\'s remote, an undeclared key, a bad path, bad payloads and A\'s token with B\'s session', async () => {
    seen.length = 0;
    const t = await frameOf(sA);
    for (const key of ['elsewhere', 'nope']) {
      const r = await fetchRemote(sA, t, { remoteKey: key, fetchRequestInit: { path: '/x' } });
      expectStatus(r, 400, key);
      assert.match(r.json.message ?? r.text, /no remote with this key/);
    }
    expectStatus(await fetchRemote(sA, t, { remoteKey: 'backend', fetchRequestInit: { path: '//evil.example/x' } }), 400, 'path leaving the baseUrl');
    expectStatus(await fetchRemote(sA, t, { remoteKey: 'backend', fetchRequestInit: { path: 'x' } }), 400, 'relative path');
    expectStatus(await fetchRemote(sA, t, { remoteKey: 'backend', fetchRequestInit: { path: '/x', method: 'TRACE' } }), 400, 'method');
    expectStatus(await fetchRemote(sA, t, { remoteKey: 'backend', fetchRequestInit: { path: '/x', headers: [['a']] } }), 400, 'headers');
    expectStatus(await fetchRemote(sA, t, { remoteKey: 'backend', fetchRequestInit: { path: '/x', body: { a: 1 } } }), 400, 'body');
    const many = Array.from({ length: 30 }, (_, i) => [`x-h${i}`, 'v']);
    expectStatus(await fetchRemote(sA, t, { remoteKey: 'backend', fetchRequestInit: { path: '/x', headers: many } }), 400, 'too many headers');
    expectStatus(await fetchRemote(sA, t, 'x'), 400, 'payload not an object');
    expectStatus(await fetchRemote(sB, t, { remoteKey: 'backend', fetchRequestInit: { path: '/x' } }), 403, 'A\'s token, B\'s session');
    assert.equal(seen.length, 0, 'nothing reached the remote');
  });
});

// The bridge's invoke with invokeType "ui-remote-fetch" (@forge/bridge's invokeRemote):
// the module's resolver.endpoint, its remote at route.path + path, a FIT naming the user,
// the module and the session's site, the endpoint's app system token; the answer as
// @forge/bridge's _invokeEndpointFn reads it ({success, payload|error: {status, headers:
// {name: [values]}, body}}). A module without resolver.endpoint, another site's session,
// malformed payloads are refused and nothing reaches the remote.
const endpointManifest = (port) => `modules:
  jira:globalPage:
    - key: ep-page
      resource: main
      title: Endpoint page
      resolver:
        endpoint: ep
    - key: plain-page
      resource: main
      title: Plain page
  endpoint:
    - key: ep
      remote: backend
      route:
        path: /ep
      auth:
        appSystemToken:
          enabled: true
resources:
  - key: main
    path: static/main
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
remotes:
  - key: backend
    baseUrl: http://127.0.0.1:${port}/base
`;

describe('bridge invokeRemote: the module\'s resolver.endpoint, with a FIT of the user and the session\'s site', () => {
  let k, A, B, sA, sB, remote, port, app;
  const seen = [];
  const tag = randomBytes(3).toString('hex');
  const post = (s, p, body, headers) => sessionPost(k, s, p, body, headers);

  before(async () => {
    ({ remote, port } = await loopbackRemote(seen, (req, res) => {
      if (req.url.startsWith('/base/ep/text')) {
        res.writeHead(404, { 'content-type': 'text/plain', 'x-many': ['1', '2'] });
        res.end('not here');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-remote': 'yes', 'set-cookie': 'a=b' });
      res.end(JSON.stringify({ echo: req.url }));
    }));
    k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
    A = await k.siteWithToken(`ir-a-${tag}`, true);
    B = await k.siteWithToken(`ir-b-${tag}`, true);
    const dir = path.join(tempDir('irapp'), 'endpoint-app');
    writeFiles(dir, {
      'manifest.yml': endpointManifest(port), 'src/index.js': 'export const x = 1;\n',
      'static/main/index.html': '<!doctype html><p>endpoint</p>',
    });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    app = await deployApp(k, dir, [A, B]);
    sA = await uiSession(k, A.name, A.accountId);
    sB = await uiSession(k, B.name, B.accountId);
  });

  after(async () => {
    await k?.close();
    remote?.close();
  });

  const frameOf = async (s, moduleKey = 'ep-page') => {
    const f = await post(s, '/_ui/v1/frames', { appId: app, moduleKey, extension: {} });
    expectStatus(f, 200, 'frame');
    return f.json.token;
  };
  const invokeRemote = (s, t, payload) => post(s, '/_ui/v1/bridge', {
    op: 'invoke', payload: { invokeType: 'ui-remote-fetch', ...payload }, extension: {},
  }, { 'x-kiln-context': t });

  it('calls the endpoint\'s remote at route.path + path with a FIT of the user, module and site', async () => {
    const jwks = jose.createRemoteJWKSet(new URL(`${k.url}/.well-known/jwks.json`));
    for (const [s, site] of [[sA, A], [sB, B]]) {
      seen.length = 0;
      const r = await invokeRemote(s, await frameOf(s), { path: '/items?x=1', method: 'POST', headers: { 'x-app': 'v' }, body: { n: 1 } });
      expectStatus(r, 200, 'invokeRemote');
      assert.deepEqual(r.json, {
        success: true,
        payload: { status: 200, headers: { 'content-type': ['application/json'], 'x-remote': ['yes'] }, body: { echo: '/base/ep/items?x=1' } },
      }, describeRes(r));
      assert.equal(seen.length, 1);
      const got = seen[0];
      assert.equal(got.method, 'POST');
      assert.equal(got.url, '/base/ep/items?x=1');
      assert.deepEqual(JSON.parse(got.body), { n: 1 }, 'an object body goes as JSON');
      assert.equal(got.headers['content-type'], 'application/json');
      assert.equal(got.headers['x-app'], 'v');
      assert.ok(got.headers['x-forge-oauth-system'], 'the endpoint\'s appSystemToken');
      const fit = /^Bearer (.+)$/.exec(got.headers.authorization)?.[1];
      const { payload } = await jose.jwtVerify(fit, jwks, {
        issuer: 'forge/invocation-token', audience: `ari:cloud:ecosystem::app/${app}`, algorithms: ['RS256'],
      });
      assert.equal(payload.principal, site.accountId);
      assert.equal(payload.context.cloudId, site.cloudId);
      assert.deepEqual(payload.app.module, { type: 'jira:globalPage', key: 'ep-page' });
      const inst = k.sql(`SELECT i.id FROM installations i JOIN sites s ON s.id = i.site_id
                           WHERE s.name = '${site.name}' AND i.app_id = '${app}' AND i.removed = 0`);
      assert.equal(payload.app.installationId, `ari:cloud:ecosystem::installation/${inst}`);
    }
    // a remote's 404 with a text body: success false, the same shape; repeated headers as arrays
    const r = await invokeRemote(sA, await frameOf(sA), { path: '/text', method: 'GET' });
    expectStatus(r, 200);
    assert.equal(r.json.success, false);
    assert.equal(r.json.error.status, 404);
    assert.equal(r.json.error.body, 'not here');
    assert.deepEqual(r.json.error.headers['x-many'], ['1', '2']);
  });

  it('refuses a module without resolver.endpoint, bad payloads and A\'s token with B\'s session', async () => {
    seen.length = 0;
    const plain = await invokeRemote(sA, await frameOf(sA, 'plain-page'), { path: '/x', method: 'GET' });
    expectStatus(plain, 400, 'no resolver.endpoint');
    assert.match(plain.json.message ?? plain.text, /resolver names no endpoint/);
    assert.equal(plain.headers['forge-proxy-error'], 'INVALID_REMOTE');
    const t = await frameOf(sA);
    expectStatus(await invokeRemote(sA, t, { path: '//evil.example/x', method: 'GET' }), 400, 'path leaving the baseUrl');
    expectStatus(await invokeRemote(sA, t, { path: 'x', method: 'GET' }), 400, 'relative path');
    expectStatus(await invokeRemote(sA, t, { path: '/x', method: 'TRACE' }), 400, 'method');
    expectStatus(await invokeRemote(sA, t, { path: '/x', method: 'GET', headers: [['a', 'b']] }), 400, 'headers not an object');
    expectStatus(await invokeRemote(sA, t, { path: '/x', method: 'GET', headers: { a: 1 } }), 400, 'header not a string');
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x-h${i}`, 'v']));
    expectStatus(await invokeRemote(sA, t, { path: '/x', method: 'GET', headers: many }), 400, 'too many headers');
    expectStatus(await invokeRemote(sB, t, { path: '/x', method: 'GET' }), 403, 'A\'s token, B\'s session');
    // a forged token of site B's installation with A's session
    expectStatus(await invokeRemote(sA, await frameOf(sB), { path: '/x', method: 'GET' }), 403, 'B\'s token, A\'s session');
    assert.equal(seen.length, 0, 'nothing reached the remote');
  });
});

/** A loopback remote on a free port: each request is pushed on `seen` ({method, url,
 * headers, body}) once its body is in, then `answer(req, res)` writes the response. */
async function loopbackRemote(seen, answer) {
  const remote = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      answer(req, res);
    });
  });
  await new Promise((r) => remote.listen(0, '127.0.0.1', r));
  return { remote, port: remote.address().port };
}
