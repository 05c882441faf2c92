// examples/cross-site-report end to end, against a real kiln and the example's real
// backend (a separate `node server.js` process):
//
// Way 1, per-site web triggers: the app is installed on two demo sites; each
// installation's `register` trigger sends its cloudId, installer and own web trigger URL
// to the backend (egress fetch, HMAC-signed); the backend's report holds both sites, each
// with exactly its own projects (and its own canary, never the other's). Each web
// trigger answers a correctly signed request with its own site only, and refuses
// unsigned, wrongly signed, stale, replayed and other-URL-signed requests.
//
// Way 2, Forge Remote: the same install events reach the backend's endpoint with a FIT
// that the backend verifies against kiln's real /.well-known/jwks.json, and an app system
// token per installation; the report via system tokens holds both sites; site A's token on
// site B's cloudId (or an unknown one) gets 401 FAILURE_CLIENT_SCOPE_CHECK; each token
// reads only its own installation's app storage; an uninstalled installation's token is
// dead; after `kiln keys rotate` a reinstall still reaches the backend (new kid).
//
// Needs build/kiln, esbuild, and `make deps` (the example's and its backend's node_modules).
// Run: KILN_BIN=build/kiln node --test tests/e2e/xsite.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';

import {
  ROOT, startKiln, kilnCli, cliOkJson, expectCliOk, tempDir, sleep, httpRequest, expectScopeFailure, expectAuthFailure,
  describeRes,
} from './lib/kiln.mjs';

const EXAMPLE = path.join(ROOT, 'examples', 'cross-site-report');
const BACKEND = path.join(EXAMPLE, 'backend');
const sig = await import(pathToFileURL(path.join(BACKEND, 'lib', 'signature.js')).href);

const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* gone */ }
  }
});

/** The example's backend as its own process; resolves {url, port, proc, stderr, stop}. */
function startBackend(env) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [path.join(BACKEND, 'server.js')], {
      env: { PATH: process.env.PATH, XSITE_LISTEN: '127.0.0.1:0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(proc);
    const stderr = [];
    proc.stderr.on('data', (c) => stderr.push(c.toString()));
    let out = '';
    const timer = setTimeout(() => reject(new Error(`backend did not start: ${stderr.join('')}`)), 10000);
    proc.on('exit', (code) => {
      live.delete(proc);
      clearTimeout(timer);
      reject(new Error(`backend exited (${code}): ${stderr.join('')}`));
    });
    proc.stdout.on('data', (c) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n')) return;
      clearTimeout(timer);
      const url = JSON.parse(line).listening;
      resolve({
        url, port: Number(new URL(url).port), proc, stderr,
        stop: () => new Promise((r) => { if (proc.exitCode !== null) r(); else { proc.once('exit', r); proc.kill('SIGTERM'); } }),
      });
    });
  });
}

/** A copy of the example app (no backend, node_modules linked), its backend address set. */
function appCopy() {
  const dir = path.join(tempDir('xsite'), 'cross-site-report');
  cpSync(EXAMPLE, dir, {
    recursive: true,
    filter: (src) => !src.split(path.sep).includes('node_modules') && src !== BACKEND,
  });
  assert.ok(existsSync(path.join(EXAMPLE, 'node_modules', '@forge', 'api')), 'make deps installed the example');
  symlinkSync(path.join(EXAMPLE, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function pointAt(dir, backendUrl) {
  const p = path.join(dir, 'manifest.yml');
  const t = readFileSync(p, 'utf8');
  assert.ok(t.includes('http://127.0.0.1:8090'), 'the manifest names the default backend address');
  writeFileSync(p, t.replaceAll('http://127.0.0.1:8090', backendUrl));
}

async function waitFor(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last.done) return last.value;
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms; last: ${JSON.stringify(last.value ?? last).slice(0, 2000)}`);
    await sleep(250);
  }
}

const report = async (backend, way) => {
  const r = await httpRequest(backend.port, `/report?way=${way}`, { timeout: 60000 });
  assert.equal(r.status, 200, describeRes(r));
  return r.json;
};

/** The site's projects as its admin sees them: [{key, description}] by key. */
async function ownProjects(k, site) {
  const r = await k.jira(site.cloudId, '/project/search?expand=description&maxResults=100', { token: site.token });
  assert.equal(r.status, 200, describeRes(r));
  return r.json.values.map((p) => ({ key: p.key, description: p.description ?? null })).sort((a, b) => a.key.localeCompare(b.key));
}

/** One site's section of the report checked against that site's own data and canary. */
function checkSection(section, site, other, want) {
  assert.ok(section, `a section for ${site.name}`);
  assert.equal(section.ok, true, JSON.stringify(section));
  assert.deepEqual(
    section.projects.map((p) => ({ key: p.key, description: p.description })).sort((a, b) => a.key.localeCompare(b.key)),
    want,
    `${site.name}: exactly its own projects`,
  );
  const text = JSON.stringify(section);
  assert.ok(text.includes(site.canary), `${site.name}'s section carries its own canary`);
  assert.ok(!text.includes(other.canary), `${site.name}'s section must not carry ${other.name}'s canary`);
}

describe('cross-site-report, way 1: per-site web triggers with HMAC', () => {
  let k, A, B, backend, dir, secret, installs, urls;

  before(async () => {
    k = await startKiln();
    A = await k.siteWithToken('xsite-acme', true);
    B = await k.siteWithToken('xsite-globex', true);
    assert.ok(A.canary && B.canary && A.canary !== B.canary, 'demo sites have distinct canaries');
    secret = randomBytes(32).toString('hex');
    backend = await startBackend({ XSITE_KILN_URL: k.url, XSITE_HMAC_SECRET: secret });
    dir = appCopy();
    pointAt(dir, backend.url);
    await cliOkJson(k, ['register', dir, '--json']);
    expectCliOk(await kilnCli(k, ['variables', 'set', 'XSITE_BACKEND_URL', backend.url], { cwd: dir }));
    expectCliOk(await kilnCli(k, ['variables', 'set', '--encrypt', 'XSITE_HMAC_SECRET'], { cwd: dir, input: secret }));
    await cliOkJson(k, ['deploy', dir, '--json']);
    installs = {};
    for (const s of [A, B]) installs[s.name] = await cliOkJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
    urls = {};
    for (const s of [A, B]) urls[s.name] = expectCliOk(await kilnCli(k, ['webtrigger', 'site-projects', '--site', s.name], { cwd: dir })).stdout.trim();
  });

  after(async () => {
    await backend?.stop();
    await k?.close();
  });

  it('both installations registered themselves with the backend (install event → egress fetch, signed)', async () => {
    const r = await waitFor('two registrations', async () => {
      const j = await report(backend, 'webtrigger');
      return { done: j.webtriggers.sites.length === 2, value: j };
    });
    const byCloud = Object.fromEntries(r.webtriggers.sites.map((s) => [s.cloudId, s]));
    assert.deepEqual(Object.keys(byCloud).sort(), [A.cloudId, B.cloudId].sort());
    for (const s of [A, B]) {
      const want = installs[s.name].installation?.installerAccountId ?? installs[s.name].installerAccountId;
      assert.ok(typeof want === 'string' && want.length > 0, `install --json names the installer: ${JSON.stringify(installs[s.name])}`);
      assert.equal(byCloud[s.cloudId].installerAccountId, want, `${s.name}'s installer`);
    }
  });

  it('the aggregated report holds both sites, each with exactly its own projects and canary', async () => {
    const r = await report(backend, 'webtrigger');
    const byCloud = Object.fromEntries(r.webtriggers.sites.map((s) => [s.cloudId, s]));
    checkSection(byCloud[A.cloudId], A, B, await ownProjects(k, A));
    checkSection(byCloud[B.cloudId], B, A, await ownProjects(k, B));
    assert.deepEqual(r.summary, { sites: 2, answered: 2, failed: 0 });
  });

  it('one command prints the report as text (backend/report.js), and /report?format=text', async () => {
    const out = await new Promise((resolve) => {
      const p = spawn(process.execPath, [path.join(BACKEND, 'report.js'), '--way', 'webtrigger'], {
        env: { PATH: process.env.PATH, XSITE_BACKEND_URL: backend.url }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let o = '', e = '';
      p.stdout.on('data', (c) => { o += c; });
      p.stderr.on('data', (c) => { e += c; });
      p.on('exit', (code) => resolve({ code, o, e }));
    });
    assert.equal(out.code, 0, out.e);
    assert.match(out.o, /Way 1, per-site web triggers: 2 sites/);
    for (const s of [A, B]) assert.ok(out.o.includes(s.cloudId), `${s.name} in the text report`);
    assert.match(out.o, /2 site\(s\), 2 answered, 0 failed/);
    const t = await httpRequest(backend.port, '/report?format=text&way=webtrigger', { timeout: 60000 });
    assert.equal(t.status, 200);
    assert.match(t.headers['content-type'], /^text\/plain/);
  });

  const signedGet = (url, { key = secret, at, path: p } = {}) => {
    const u = new URL(url);
    const h = sig.signedHeaders(key, { method: 'GET', path: p ?? u.pathname, body: '', now: at });
    return { headers: h, send: (headers = h) => httpRequest(Number(u.port), u.pathname, { headers }) };
  };

  it('each web trigger answers a signed request with its own site only', async () => {
    for (const [s, o] of [[A, B], [B, A]]) {
      const r = await signedGet(urls[s.name]).send();
      assert.equal(r.status, 200, describeRes(r));
      assert.equal(r.json.cloudId, s.cloudId);
      assert.deepEqual(r.json.projects.map((p) => p.key).sort(), (await ownProjects(k, s)).map((p) => p.key));
      assert.ok(r.text.includes(s.canary) && !r.text.includes(o.canary), `${s.name}'s web trigger: own canary only`);
    }
  });

  it('a web trigger refuses unsigned, wrongly signed, stale, replayed and other-URL-signed requests', async () => {
    const a = new URL(urls[A.name]);
    const get = (headers) => httpRequest(Number(a.port), a.pathname, { headers });
    const cases = {
      unsigned: await get({}),
      'another secret': await signedGet(urls[A.name], { key: randomBytes(32).toString('hex') }).send(),
      'stale (10 minutes old)': await signedGet(urls[A.name], { at: Math.floor(Date.now() / 1000) - 600 }).send(),
      'signed for site B\'s URL': await signedGet(urls[A.name], { path: new URL(urls[B.name]).pathname }).send(),
      'signature flipped': await (async () => {
        const s = signedGet(urls[A.name]);
        const h = { ...s.headers, 'x-xsite-signature': s.headers['x-xsite-signature'].replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')) };
        return s.send(h);
      })(),
      'garbage headers': await get({ 'x-xsite-timestamp': 'now', 'x-xsite-nonce': '../../etc', 'x-xsite-signature': 'v1=' + 'z'.repeat(5000) }),
    };
    for (const [what, r] of Object.entries(cases)) {
      assert.equal(r.status, 401, `${what}: ${describeRes(r)}`);
      assert.ok(!r.text.includes(A.canary) && !r.text.includes('"projects"'), `${what}: no data in a refusal`);
    }
    const once = signedGet(urls[A.name]);
    assert.equal((await once.send()).status, 200);
    const replay = await once.send();
    assert.equal(replay.status, 401, `replay: ${describeRes(replay)}`);
    assert.match(replay.text, /replayed/);
    // A nonce used at site A is not "used" at site B (storage is per installation), but a
    // signature for A's URL never opens B's: the path is signed.
    const forA = signedGet(urls[A.name]);
    const b = new URL(urls[B.name]);
    const cross = await httpRequest(Number(b.port), b.pathname, { headers: forA.headers });
    assert.equal(cross.status, 401, describeRes(cross));
  });

  it('the backend refuses a registration that is not signed with the secret, and keeps both real ones', async () => {
    const body = JSON.stringify({ cloudId: A.cloudId, webtriggerUrl: urls[B.name], installerAccountId: 'attacker' });
    const r = await httpRequest(backend.port, '/register', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 401, describeRes(r));
    const forged = await httpRequest(backend.port, '/register', {
      method: 'POST', body,
      headers: { 'content-type': 'application/json', ...sig.signedHeaders(randomBytes(32).toString('hex'), { method: 'POST', path: '/register', body }) },
    });
    assert.equal(forged.status, 401, describeRes(forged));
    const j = await report(backend, 'webtrigger');
    const siteA = j.webtriggers.sites.find((s) => s.cloudId === A.cloudId);
    assert.equal(siteA.ok, true);
    assert.ok(JSON.stringify(siteA).includes(A.canary));
  });
  it('a registration that pairs site A\'s cloudId with site B\'s web trigger never files B\'s data under A', async () => {
    // Even signed with the real secret (a bug in the app, a leaked secret): the web trigger
    // says which site it answered for, and the backend checks it against the registration.
    const signedRegister = (cloudId, webtriggerUrl) => {
      const body = JSON.stringify({ cloudId, webtriggerUrl, installerAccountId: 'x' });
      return httpRequest(backend.port, '/register', {
        method: 'POST', body,
        headers: { 'content-type': 'application/json', ...sig.signedHeaders(secret, { method: 'POST', path: '/register', body }) },
      });
    };
    assert.equal((await signedRegister(A.cloudId, urls[B.name])).status, 200);
    const r = await report(backend, 'webtrigger');
    const a = r.webtriggers.sites.find((s) => s.cloudId === A.cloudId);
    assert.equal(a.ok, false, JSON.stringify(a));
    assert.match(a.error, /another site/);
    assert.ok(!JSON.stringify(a).includes(B.canary), 'none of B\'s data under A');
    // put A's own registration back
    assert.equal((await signedRegister(A.cloudId, urls[A.name])).status, 200);
    const again = await report(backend, 'webtrigger');
    checkSection(again.webtriggers.sites.find((s) => s.cloudId === A.cloudId), A, B, await ownProjects(k, A));
  });

  it('a site that uninstalled the app fails in the report on its own; the other site is still reported', async () => {
    expectCliOk(await kilnCli(k, ['uninstall', '--site', B.name], { cwd: dir }));
    const r = await report(backend, 'webtrigger');
    const byCloud = Object.fromEntries(r.webtriggers.sites.map((s) => [s.cloudId, s]));
    checkSection(byCloud[A.cloudId], A, B, await ownProjects(k, A));
    assert.equal(byCloud[B.cloudId].ok, false, JSON.stringify(byCloud[B.cloudId]));
    assert.ok(byCloud[B.cloudId].status >= 400, JSON.stringify(byCloud[B.cloudId]));
    assert.ok(!JSON.stringify(byCloud[B.cloudId]).includes(B.canary));
    assert.deepEqual(r.summary, { sites: 2, answered: 1, failed: 1 });
  });
});

describe('cross-site-report, way 2: Forge Remote (FIT + app system tokens)', () => {
  let k, A, B, backend, dir, appId, stateFile, secret;

  before(async () => {
    k = await startKiln();
    A = await k.siteWithToken('remote-acme', true);
    B = await k.siteWithToken('remote-globex', true);
    dir = appCopy();
    appId = (await cliOkJson(k, ['register', dir, '--json'])).ari;
    // The backend is started after register: the FIT audience is this app's ARI.
    stateFile = path.join(tempDir('xsite-state'), 'state.json');
    secret = randomBytes(32).toString('hex');
    backend = await startBackend({ XSITE_KILN_URL: k.url, XSITE_APP_ID: appId, XSITE_HMAC_SECRET: secret, XSITE_STATE: stateFile });
    pointAt(dir, backend.url);
    expectCliOk(await kilnCli(k, ['variables', 'set', 'XSITE_BACKEND_URL', backend.url], { cwd: dir }));
    expectCliOk(await kilnCli(k, ['variables', 'set', '--encrypt', 'XSITE_HMAC_SECRET'], { cwd: dir, input: secret }));
    await cliOkJson(k, ['deploy', dir, '--json']);
    for (const s of [A, B]) await cliOkJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
  });

  after(async () => {
    await backend?.stop();
    await k?.close();
  });

  it('lifecycle events reach the backend with a FIT it verifies against kiln\'s JWKS; the report via system tokens holds both sites', async () => {
    const r = await waitFor('two installations with tokens', async () => {
      const j = await report(backend, 'remote');
      return { done: j.remote.sites.length === 2 && j.remote.sites.every((s) => s.ok), value: j };
    });
    const byCloud = Object.fromEntries(r.remote.sites.map((s) => [s.cloudId, s]));
    checkSection(byCloud[A.cloudId], A, B, await ownProjects(k, A));
    checkSection(byCloud[B.cloudId], B, A, await ownProjects(k, B));
    assert.ok(backend.stderr.join('').includes('token kept'), backend.stderr.join(''));
  });

  // The backend keeps each installation's token in its state file (mode 0600).
  const installationsOf = () => JSON.parse(readFileSync(stateFile, 'utf8')).installations;
  const tokenOf = (s) => installationsOf().find((i) => i.cloudId === s.cloudId)?.systemToken;

  it('site A\'s system token on site B\'s cloudId: 401 FAILURE_CLIENT_SCOPE_CHECK', async () => {
    const ta = tokenOf(A);
    const tb = tokenOf(B);
    assert.ok(ta && tb && ta !== tb, 'one token per installation');
    const own = await k.jira(A.cloudId, '/project/search', { token: ta });
    assert.equal(own.status, 200, describeRes(own));
    for (const [token, cloudId, what] of [[ta, B.cloudId, "A's token on B"], [tb, A.cloudId, "B's token on A"],
      [ta, '00000000-0000-4000-8000-000000000000', "A's token on an unknown cloudId"]]) {
      expectScopeFailure(await k.jira(cloudId, '/project/search', { token }), what);
      expectScopeFailure(await k.jira(cloudId, '/myself', { token }), `${what} (/myself)`);
    }
  });

  it('each system token opens only its own installation\'s app storage (the web triggers\' nonces)', async () => {
    // Each site's web trigger claims its nonce in its own app storage (way 1, both ways
    // are on here). Read them back through the storage API with each site's token.
    const nonces = {};
    for (const s of [A, B]) {
      const url = new URL(expectCliOk(await kilnCli(k, ['webtrigger', 'site-projects', '--site', s.name], { cwd: dir })).stdout.trim());
      const h = sig.signedHeaders(secret, { method: 'GET', path: url.pathname, body: '' });
      const r = await httpRequest(Number(url.port), url.pathname, { headers: h });
      assert.equal(r.status, 200, describeRes(r));
      nonces[s.name] = h['x-xsite-nonce'];
    }
    const kvs = (token, op, body) => k.api(`/forge/storage/kvs/v1/${op}`, { method: 'POST', token, body });
    for (const [s, o] of [[A, B], [B, A]]) {
      const token = tokenOf(s);
      const own = await kvs(token, 'get', { key: `xsite-nonce:${nonces[s.name]}` });
      assert.equal(own.status, 200, describeRes(own));
      const other = await kvs(token, 'get', { key: `xsite-nonce:${nonces[o.name]}` });
      assert.equal(other.status, 404, `${s.name}'s token must not see ${o.name}'s key: ${describeRes(other)}`);
      const q = await kvs(token, 'query', { where: [{ property: 'key', condition: 'BEGINS_WITH', values: ['xsite-nonce:'] }], limit: 100 });
      assert.equal(q.status, 200, describeRes(q));
      const keys = q.json.data.map((d) => d.key);
      assert.ok(keys.includes(`xsite-nonce:${nonces[s.name]}`) && !keys.includes(`xsite-nonce:${nonces[o.name]}`), JSON.stringify(keys));
    }
  });

  it('an uninstalled installation\'s token is dead; after a key rotation, a reinstall reaches the backend under the new kid', async () => {
    const before = installationsOf().find((i) => i.cloudId === B.cloudId);
    expectCliOk(await kilnCli(k, ['uninstall', '--site', B.name], { cwd: dir }));
    expectAuthFailure(await k.jira(B.cloudId, '/project/search', { token: before.systemToken }), "B's token after uninstall");
    const r = await report(backend, 'remote');
    const b = r.remote.sites.find((s) => s.cloudId === B.cloudId);
    assert.equal(b.ok, false, JSON.stringify(b));
    assert.equal(b.status, 401);
    assert.equal(r.remote.sites.find((s) => s.cloudId === A.cloudId).ok, true, 'A is unaffected');

    const kidsBefore = (await k.api('/.well-known/jwks.json')).json.keys.map((x) => x.kid);
    expectCliOk(await kilnCli(k, ['keys', 'rotate']));
    const kidsAfter = (await k.api('/.well-known/jwks.json')).json.keys.map((x) => x.kid);
    assert.ok(kidsAfter.some((kid) => !kidsBefore.includes(kid)), `a new kid is published: ${kidsBefore} -> ${kidsAfter}`);

    await cliOkJson(k, ['install', '--site', B.name, '--confirm-scopes', '--json'], { cwd: dir });
    const again = await waitFor('the reinstalled B with a fresh token', async () => {
      const j = await report(backend, 'remote');
      const s = j.remote.sites.find((x) => x.cloudId === B.cloudId);
      return { done: !!s && s.ok && s.installationId !== before.installationId, value: j };
    });
    const byCloud = Object.fromEntries(again.remote.sites.map((s) => [s.cloudId, s]));
    checkSection(byCloud[B.cloudId], B, A, await ownProjects(k, B));
    checkSection(byCloud[A.cloudId], A, B, await ownProjects(k, A));
    assert.notEqual(tokenOf(B), before.systemToken);
    assert.equal(again.remote.sites.length, 2, 'the dead installation was replaced, not kept beside the new one');
  });
});
