// The backend of examples/cross-site-report on its own, without kiln:
//
// - its Forge Invocation Token check (jose) against a JWKS that this test serves: a valid
//   FIT passes and its installation's system token is kept under the site the FIT names;
//   a forged signature, a tampered payload, an expired or not-yet-valid token, the wrong
//   audience or issuer, `alg: none`, HS256 signed with the public key as the secret, an
//   unknown `kid`, missing claims, and an API base URL off the platform are refused;
// - its shared-secret HMAC check of registrations (good, bad signature, stale, replayed,
//   body or path changed) and hostile input (bad JSON, oversized bodies, wrong types,
//   URLs off the platform, unknown routes); the server keeps answering throughout;
// - the app's and the backend's copies of the signature code are the same file.
//
// Needs `npm ci` in examples/cross-site-report/backend (make deps does it).
// Run: node --test tests/e2e/xsite_backend.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { randomBytes, randomUUID, createHmac } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

import { ROOT, httpRequest } from './lib/kiln.mjs';

const EXAMPLE = path.join(ROOT, 'examples', 'cross-site-report');
const BACKEND = path.join(EXAMPLE, 'backend');
const jose = await import(pathToFileURL(createRequire(path.join(BACKEND, 'package.json')).resolve('jose')).href);
const { createBackend } = await import(pathToFileURL(path.join(BACKEND, 'server.js')).href);
const sigBackend = await import(pathToFileURL(path.join(BACKEND, 'lib', 'signature.js')).href);
const sigApp = await import(pathToFileURL(path.join(EXAMPLE, 'src', 'signature.js')).href);

const APP_UUID = randomUUID();
const APP_ARI = `ari:cloud:ecosystem::app/${APP_UUID}`;
const PLATFORM = 'http://127.0.0.1:9'; // the platform's origin as the backend is told it (never called here)
const SITE_A = randomUUID();
const SITE_B = randomUUID();
const SECRET = randomBytes(32).toString('hex');
const now = () => Math.floor(Date.now() / 1000);

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

describe('cross-site-report backend: FIT verification', () => {
  let keyA, keyB, jwksServer, jwksFetches = 0, backend, port, state, stateDir;

  before(async () => {
    keyA = await jose.generateKeyPair('RS256', { extractable: true });
    keyB = await jose.generateKeyPair('RS256', { extractable: true });
    // No "alg" in the JWK: then only the verifier's own pinning keeps other algorithms out.
    const jwk = { ...(await jose.exportJWK(keyA.publicKey)), kid: 'kiln-test-1', use: 'sig' };
    jwksServer = http.createServer((req, res) => {
      jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    const jwksPort = await listen(jwksServer);
    stateDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-xsite-'));
    const made = createBackend(
      {
        host: '127.0.0.1', port: 0, kilnOrigin: PLATFORM,
        jwksUrl: `http://127.0.0.1:${jwksPort}/.well-known/jwks.json`,
        appId: APP_ARI, secret: SECRET, stateFile: path.join(stateDir, 'state.json'), reportToken: null,
      },
      { log: () => {} },
    );
    backend = made.server;
    state = made.state;
    port = await listen(backend);
  });

  after(() => {
    backend?.close();
    jwksServer?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  const installationOf = (cloudId) => `ari:cloud:ecosystem::installation/${cloudId.slice(0, 8)}-inst`;
  function claims(cloudId = SITE_A, over = {}) {
    const apiBaseUrl = `${PLATFORM}/ex/jira/${cloudId}`;
    return {
      app: {
        id: APP_ARI, appVersion: '1.0.0', installationId: installationOf(cloudId), apiBaseUrl,
        environment: { type: 'DEVELOPMENT', id: randomUUID() },
        module: { type: 'core:endpoint', key: 'backend-lifecycle' },
        installation: { id: installationOf(cloudId), contexts: [{ cloudId, apiBaseUrl }] },
      },
      context: { cloudId },
      ...over,
    };
  }
  async function mint({ payload = claims(), key = keyA.privateKey, kid = 'kiln-test-1', iss = 'forge/invocation-token',
    aud = APP_ARI, iat = now(), nbf = now(), exp = now() + 300, alg = 'RS256' } = {}) {
    let t = new jose.SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'JWT' }).setJti(randomUUID()).setIssuedAt(iat);
    if (iss) t = t.setIssuer(iss);
    if (aud) t = t.setAudience(aud);
    if (nbf !== null) t = t.setNotBefore(nbf);
    if (exp !== null) t = t.setExpirationTime(exp);
    return t.sign(key);
  }
  const event = (eventType = 'avi:forge:installed:app', extra = {}) => ({ eventType, id: 'x', installerAccountId: 'acc', ...extra });
  function post(token, opts = {}) {
    const { body = event(), headers = {} } = opts;
    const systemToken = 'systemToken' in opts ? opts.systemToken : `kiln_s_${randomBytes(16).toString('hex')}`;
    return httpRequest(port, '/forge/lifecycle', {
      method: 'POST', body,
      headers: { authorization: token === undefined ? undefined : `Bearer ${token}`, 'x-forge-oauth-system': systemToken, ...headers },
    });
  }
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

  it('a valid FIT is accepted and the system token is kept for the site the FIT names, not the body', async () => {
    const sys = `kiln_s_${randomBytes(16).toString('hex')}`;
    const res = await post(await mint(), { systemToken: sys, body: event('avi:forge:installed:app', { context: { cloudId: SITE_B }, cloudId: SITE_B }) });
    assert.equal(res.status, 200, res.text);
    const inst = state.listInstallations();
    assert.equal(inst.length, 1);
    assert.equal(inst[0].cloudId, SITE_A);
    assert.equal(inst[0].installationId, installationOf(SITE_A));
    assert.equal(inst[0].apiBaseUrl, `${PLATFORM}/ex/jira/${SITE_A}`);
    assert.equal(inst[0].systemToken, sys);
    // kept on disk for restarts, readable by the owner only
    const file = path.join(stateDir, 'state.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(readFileSync(file, 'utf8'), new RegExp(SITE_A));
  });

  it('a second site gets its own record; a new token replaces the old one of the same installation', async () => {
    assert.equal((await post(await mint({ payload: claims(SITE_B) }), { systemToken: 'kiln_s_b1' })).status, 200);
    assert.equal((await post(await mint({ payload: claims(SITE_B) }), { systemToken: 'kiln_s_b2', body: event('avi:forge:upgraded:app') })).status, 200);
    const byCloud = Object.fromEntries(state.listInstallations().map((i) => [i.cloudId, i]));
    assert.deepEqual(Object.keys(byCloud).sort(), [SITE_A, SITE_B].sort());
    assert.equal(byCloud[SITE_B].systemToken, 'kiln_s_b2');
    assert.notEqual(byCloud[SITE_A].systemToken, 'kiln_s_b2');
  });

  const refused = [
    ['forged signature (another key, the JWKS kid)', () => mint({ key: keyB.privateKey })],
    ['tampered payload (valid signature of other claims)', async () => {
      const [h, , s] = (await mint()).split('.');
      return `${h}.${b64({ ...claims(SITE_B), iss: 'forge/invocation-token', aud: APP_ARI, iat: now(), exp: now() + 300, jti: 'j' })}.${s}`;
    }],
    ['expired', () => mint({ iat: now() - 600, nbf: now() - 600, exp: now() - 60 })],
    ['not yet valid (nbf in the future)', () => mint({ nbf: now() + 600, exp: now() + 900 })],
    ['issued in the future', () => mint({ iat: now() + 600, nbf: null, exp: now() + 900 })],
    ['issued too long ago (older than the maximum age)', () => mint({ iat: now() - 3600, nbf: now() - 3600, exp: now() + 300 })],
    ['no exp', () => mint({ exp: null })],
    ['wrong audience (another app)', () => mint({ aud: `ari:cloud:ecosystem::app/${randomUUID()}` })],
    ['audience as a bare uuid, not the ARI', () => mint({ aud: APP_UUID })],
    ['no audience', () => mint({ aud: null })],
    ['wrong issuer', () => mint({ iss: 'forge/not-an-invocation-token' })],
    ['no issuer', () => mint({ iss: null })],
    ['alg: none', async () => `${b64({ alg: 'none', typ: 'JWT', kid: 'kiln-test-1' })}.${b64({ ...claims(), iss: 'forge/invocation-token', aud: APP_ARI, iat: now(), exp: now() + 300, jti: 'j' })}.`],
    ['HS256 signed with the public key as the secret', async () => {
      const pem = await jose.exportSPKI(keyA.publicKey);
      const h = b64({ alg: 'HS256', typ: 'JWT', kid: 'kiln-test-1' });
      const p = b64({ ...claims(), iss: 'forge/invocation-token', aud: APP_ARI, iat: now(), exp: now() + 300, jti: 'j' });
      return `${h}.${p}.${createHmac('sha256', pem).update(`${h}.${p}`).digest('base64url')}`;
    }],
    ['HS256 signed with the JWK modulus as the secret', async () => {
      const secret = Buffer.from((await jose.exportJWK(keyA.publicKey)).n, 'base64url');
      return new jose.SignJWT({ ...claims() }).setProtectedHeader({ alg: 'HS256', kid: 'kiln-test-1' }).setIssuer('forge/invocation-token')
        .setAudience(APP_ARI).setIssuedAt().setExpirationTime('5m').setJti('j').sign(secret);
    }],
    ['unknown kid', () => mint({ kid: 'no-such-key' })],
    ['no kid', async () => new jose.SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).setIssuer('forge/invocation-token')
      .setAudience(APP_ARI).setIssuedAt().setExpirationTime('5m').setJti('j').sign(keyA.privateKey)],
    ['RS512 with the JWKS key (an algorithm other than RS256)', async () =>
      mint({ alg: 'RS512', key: await jose.importPKCS8(await jose.exportPKCS8(keyA.privateKey), 'RS512') })],
    ['PS256 with the JWKS key', async () =>
      mint({ alg: 'PS256', key: await jose.importPKCS8(await jose.exportPKCS8(keyA.privateKey), 'PS256') })],
    ['no app.installationId', () => mint({ payload: { ...claims(), app: { ...claims().app, installationId: undefined } } })],
    ['no site (no context.cloudId, no installation contexts)', () => mint({ payload: { app: { ...claims().app, installation: { id: 'i', contexts: [] } } } })],
    ['app.id of another app', () => mint({ payload: { ...claims(), app: { ...claims().app, id: `ari:cloud:ecosystem::app/${randomUUID()}` } } })],
  ];
  for (const [what, make] of refused) {
    it(`refuses a FIT: ${what}`, async () => {
      const before = JSON.stringify(state.listInstallations());
      const token = await make();
      const res = await post(token, { systemToken: 'kiln_s_must_not_be_kept' });
      assert.equal(res.status, 401, `${what}: ${res.status} ${res.text}`);
      assert.ok(!res.text.includes(token.split('.')[1] ?? '@@'), 'the answer must not echo the token');
      assert.equal(JSON.stringify(state.listInstallations()), before, 'nothing stored');
    });
  }

  it('the JWKS was fetched from the URL the backend was given', () => {
    assert.ok(jwksFetches >= 1, 'the JWKS was fetched');
  });

  it('refuses requests without a usable bearer token', async () => {
    for (const headers of [{}, { authorization: 'Basic Zm9vOmJhcg==' }, { authorization: 'Bearer' }, { authorization: 'Bearer a.b' },
      { authorization: `Bearer ${'a'.repeat(20000)}.b.c` }, { authorization: 'Bearer ....' }]) {
      const res = await httpRequest(port, '/forge/lifecycle', { method: 'POST', body: event(), headers });
      assert.ok([401, 431].includes(res.status), `${JSON.stringify(headers).slice(0, 80)}: ${res.status} ${res.text}`);
    }
  });

  it('refuses an apiBaseUrl that is not the named site on the platform (the token would leave the platform)', async () => {
    for (const apiBaseUrl of ['https://evil.example.com/ex/jira/' + SITE_A, `${PLATFORM}/ex/jira/${SITE_B}`, `${PLATFORM}/`]) {
      const c = claims(SITE_A);
      c.app.apiBaseUrl = apiBaseUrl;
      const res = await post(await mint({ payload: c }), { systemToken: 'kiln_s_offsite' });
      assert.equal(res.status, 400, `${apiBaseUrl}: ${res.text}`);
    }
    assert.ok(!state.listInstallations().some((i) => i.systemToken === 'kiln_s_offsite'));
  });

  it('an installed event without a system token, or with a malformed one, is refused', async () => {
    for (const systemToken of [undefined, '', 'has space', 'x'.repeat(9000)]) {
      const res = await post(await mint(), { systemToken });
      assert.ok([400, 431].includes(res.status), `${JSON.stringify(systemToken)?.slice(0, 20)}: ${res.status} ${res.text}`);
    }
  });

  it('hostile bodies with a valid FIT: 400/413, never a crash', async () => {
    for (const [body, want] of [['not json', 400], ['[1,2]', 400], ['null', 400], ['"s"', 400], [`{"eventType":${'['.repeat(5000)}`, 400],
      [JSON.stringify({ eventType: 'x'.repeat(1000) }), 400], ['{"a":"' + 'x'.repeat(70 * 1024) + '"}', 413]]) {
      const res = await post(await mint(), { body, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, want, `${body.slice(0, 30)}: ${res.text}`);
    }
    assert.equal((await httpRequest(port, '/healthz')).status, 200);
  });

  it('an uninstalled event removes the installation and its token', async () => {
    assert.ok(state.listInstallations().some((i) => i.cloudId === SITE_B));
    const res = await post(await mint({ payload: claims(SITE_B) }), { body: event('avi:forge:uninstalled:app'), systemToken: undefined });
    assert.equal(res.status, 200, res.text);
    assert.ok(!state.listInstallations().some((i) => i.cloudId === SITE_B));
    assert.ok(state.listInstallations().some((i) => i.cloudId === SITE_A), 'the other site is untouched');
  });
});

describe('cross-site-report: the shared-secret HMAC', () => {
  let backend, port, state;
  before(async () => {
    const made = createBackend(
      { host: '127.0.0.1', port: 0, kilnOrigin: PLATFORM, jwksUrl: `${PLATFORM}/.well-known/jwks.json`, appId: null, secret: SECRET, stateFile: null, reportToken: null },
      { log: () => {} },
    );
    backend = made.server;
    state = made.state;
    port = await listen(backend);
  });
  after(() => backend?.close());

  it('the app and the backend use the same signature code', () => {
    assert.equal(readFileSync(path.join(EXAMPLE, 'src', 'signature.js'), 'utf8'), readFileSync(path.join(BACKEND, 'lib', 'signature.js'), 'utf8'));
    const h = sigApp.signedHeaders(SECRET, { method: 'GET', path: '/x1/abc', body: '' });
    assert.equal(sigBackend.verify(SECRET, { method: 'GET', path: '/x1/abc', body: '', header: (n) => h[n] }).ok, true);
  });

  it('verify: good, bad signature, other secret, stale, future, body/path/method changed, malformed', () => {
    const { signedHeaders, verify } = sigBackend;
    const t = now();
    const h = signedHeaders(SECRET, { method: 'POST', path: '/register', body: '{"a":1}', now: t });
    const v = (over = {}) => verify(SECRET, { method: 'POST', path: '/register', body: '{"a":1}', now: t, header: (n) => h[n], ...over });
    assert.deepEqual(v(), { ok: true, timestamp: t, nonce: h['x-xsite-nonce'] });
    assert.equal(v({ body: '{"a":2}' }).reason, 'bad-signature');
    assert.equal(v({ path: '/register2' }).reason, 'bad-signature');
    assert.equal(v({ method: 'PUT' }).reason, 'bad-signature');
    assert.equal(verify('y'.repeat(32), { method: 'POST', path: '/register', body: '{"a":1}', now: t, header: (n) => h[n] }).reason, 'bad-signature');
    assert.equal(v({ now: t + 301 }).reason, 'stale');
    assert.equal(v({ now: t - 301 }).reason, 'stale');
    assert.equal(v({ now: t + 299 }).ok, true);
    const flip = h['x-xsite-signature'].replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    assert.equal(v({ header: (n) => (n === 'x-xsite-signature' ? flip : h[n]) }).reason, 'bad-signature');
    for (const [name, bad] of [['x-xsite-signature', 'v2=' + 'a'.repeat(64)], ['x-xsite-signature', 'v1=' + 'A'.repeat(64)],
      ['x-xsite-signature', 'v1=abc'], ['x-xsite-timestamp', '-1'], ['x-xsite-timestamp', '1e9'], ['x-xsite-nonce', 'short'],
      ['x-xsite-nonce', 'g'.repeat(32)], ['x-xsite-timestamp', ['1', '2']]]) {
      assert.equal(v({ header: (n) => (n === name ? bad : h[n]) }).ok, false, `${name}=${bad}`);
    }
    assert.equal(v({ header: () => undefined }).reason, 'missing');
    assert.throws(() => verify('short', { method: 'GET', path: '/', header: () => undefined }), /at least 32 bytes/);
  });

  const register = (body, { headers, sign = true, signPath = '/register', raw } = {}) => {
    const text = raw ?? JSON.stringify(body);
    const h = sign ? sigBackend.signedHeaders(SECRET, { method: 'POST', path: signPath, body: text }) : {};
    return httpRequest(port, '/register', { method: 'POST', body: text, headers: { 'content-type': 'application/json', ...h, ...headers } });
  };
  const reg = (cloudId = SITE_A, over = {}) => ({ cloudId, installerAccountId: 'acc-1', webtriggerUrl: `${PLATFORM}/x1/${'a'.repeat(43)}`, ...over });

  it('a signed registration is accepted; a replay of the same request is refused', async () => {
    const text = JSON.stringify(reg());
    const h = sigBackend.signedHeaders(SECRET, { method: 'POST', path: '/register', body: text });
    const send = () => httpRequest(port, '/register', { method: 'POST', body: text, headers: { 'content-type': 'application/json', ...h } });
    const first = await send();
    assert.equal(first.status, 200, first.text);
    assert.equal(state.listRegistrations()[0].cloudId, SITE_A);
    const again = await send();
    assert.equal(again.status, 401, again.text);
    assert.match(again.text, /replayed/);
  });

  it('unsigned, wrongly signed, stale, or signed for another path or body: refused, nothing stored', async () => {
    const before = JSON.stringify(state.listRegistrations());
    const cases = [
      ['unsigned', await register(reg(SITE_B), { sign: false })],
      ['signed for another path', await register(reg(SITE_B), { signPath: '/x1/abc' })],
      ['signed with another secret', await register(reg(SITE_B), { sign: false, headers: sigBackend.signedHeaders('z'.repeat(40), { method: 'POST', path: '/register', body: JSON.stringify(reg(SITE_B)) }) })],
      ['stale', await register(reg(SITE_B), { sign: false, headers: sigBackend.signedHeaders(SECRET, { method: 'POST', path: '/register', body: JSON.stringify(reg(SITE_B)), now: now() - 400 }) })],
      ['body swapped after signing', await register(null, { sign: false, raw: JSON.stringify(reg(SITE_B)), headers: sigBackend.signedHeaders(SECRET, { method: 'POST', path: '/register', body: JSON.stringify(reg(SITE_A)) }) })],
    ];
    for (const [what, res] of cases) assert.equal(res.status, 401, `${what}: ${res.text}`);
    assert.equal(JSON.stringify(state.listRegistrations()), before);
  });

  it('signed but hostile registrations: 400/413, nothing stored, the server stays up', async () => {
    const before = JSON.stringify(state.listRegistrations());
    const bad = [
      reg('not-a-uuid'), reg(SITE_B, { cloudId: 42 }), reg(SITE_B, { webtriggerUrl: 'https://evil.example.com/x1/' + 'a'.repeat(43) }),
      reg(SITE_B, { webtriggerUrl: `${PLATFORM}/admin/v1/sites` }), reg(SITE_B, { webtriggerUrl: `${PLATFORM}/x1/${'a'.repeat(43)}?x=1` }),
      reg(SITE_B, { webtriggerUrl: 'not a url' }), reg(SITE_B, { webtriggerUrl: undefined }), reg(SITE_B, { installerAccountId: 'x'.repeat(300) }),
      reg(SITE_B, { webtriggerUrl: `${PLATFORM}/x1/../admin/v1/${'a'.repeat(30)}` }),
    ];
    for (const body of bad) {
      const res = await register(body);
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 120)}: ${res.text}`);
    }
    for (const raw of ['nope', '[]', '{"cloudId":']) assert.equal((await register(null, { raw })).status, 400);
    assert.equal((await register(null, { raw: 'x'.repeat(65 * 1024 + 1) })).status, 413);
    assert.equal(JSON.stringify(state.listRegistrations()), before);
    assert.equal((await httpRequest(port, '/healthz')).status, 200);
  });

  it('unknown routes and methods; way 2 without an app id answers 503', async () => {
    assert.equal((await httpRequest(port, '/nope')).status, 404);
    assert.equal((await httpRequest(port, '/register')).status, 405);
    assert.equal((await httpRequest(port, '/report', { method: 'DELETE' })).status, 405);
    assert.equal((await httpRequest(port, '/forge/lifecycle', { method: 'POST', body: {} })).status, 503);
    assert.equal((await httpRequest(port, '/report?way=sideways')).status, 400);
    assert.equal((await httpRequest(port, '/report?format=xml')).status, 400);
  });
});

describe('cross-site-report backend: the report', () => {
  let backend, port;
  before(async () => {
    ({ server: backend } = createBackend(
      { host: '127.0.0.1', port: 0, kilnOrigin: PLATFORM, jwksUrl: `${PLATFORM}/.well-known/jwks.json`, appId: null, secret: SECRET, stateFile: null, reportToken: 'report-token-0123456789' },
      { log: () => {} },
    ));
    port = await listen(backend);
  });
  after(() => backend?.close());

  it('with XSITE_REPORT_TOKEN, /report needs it as a bearer token', async () => {
    for (const authorization of [undefined, 'Bearer wrong', 'Bearer report-token-012345678', 'Basic cmVwb3J0LXRva2Vu']) {
      const r = await httpRequest(port, '/report', { headers: { authorization } });
      assert.equal(r.status, 401, `${authorization}: ${r.text}`);
    }
    const ok = await httpRequest(port, '/report', { token: 'report-token-0123456789' });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json.summary, { sites: 0, answered: 0, failed: 0 });
    const text = await httpRequest(port, '/report', { token: 'report-token-0123456789', headers: { accept: 'text/plain' } });
    assert.match(text.text, /^Cross-site project report/);
  });

  it('the text form keeps control characters in site data off the terminal', async () => {
    const { reportText } = await import(pathToFileURL(path.join(BACKEND, 'lib', 'report.js')).href);
    const t = reportText({
      generatedAt: 'now',
      webtriggers: { sites: [{ cloudId: SITE_A, ok: true, total: 1, installerAccountId: 'acc\u001b[2J', projects: [{ key: 'K\u001b]0;x\u0007', name: 'N\r\nFAKE LINE' }] }] },
      summary: { sites: 1, answered: 1, failed: 0 },
    });
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(t), JSON.stringify(t));
    assert.ok(!t.includes('\nFAKE LINE'), t);
  });
});

describe('cross-site-report backend: configuration errors', () => {
  const run = (env) => spawnSync(process.execPath, [path.join(BACKEND, 'server.js')], {
    env: { PATH: process.env.PATH, XSITE_LISTEN: '127.0.0.1:0', ...env }, encoding: 'utf8', timeout: 10000,
  });
  it('a short secret, a bad listen address, a bad app id or a bad platform URL: exit 2 with one line that does not echo the secret', () => {
    for (const env of [{ XSITE_HMAC_SECRET: 'short-secret-value' }, { XSITE_LISTEN: 'nonsense' }, { XSITE_APP_ID: 'not-an-app' },
      { XSITE_KILN_URL: 'not a url' }, { XSITE_HMAC_SECRET_FILE: '/nonexistent/secret' }]) {
      const r = run(env);
      assert.equal(r.status, 2, `${JSON.stringify(env)}: exit ${r.status}\n${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(!r.stderr.includes('short-secret-value'), r.stderr);
    }
  });
});
