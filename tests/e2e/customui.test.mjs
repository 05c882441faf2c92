// Custom UI over HTTP: the UI origin (a listener of its own that serves app resources and
// nothing of kiln's), frames (POST /_ui/v1/frames: a context token + a signed frame URL)
// and the bridge (POST /_ui/v1/bridge with X-Kiln-Context). Tries to cross tenants: a
// token replayed with another site's or user's session, after an uninstall, with another
// extension, forged or cut; resources by traversal, with another installation's id, a
// bad signature; kiln's pages on the UI origin and app files on kiln's.
//
// Sessions are made the real way: `kiln ui login-url`, its link opened (tests/e2e/lib/ui.mjs).
//
// Run: node --test tests/e2e/customui.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, expectStatus, describeRes, tempDir, writeFiles, httpRequest, cliOkJson as okJson, kilnCli as kiln,
  expectCliOk as ok,
} from './lib/kiln.mjs';
import { deployApp, firstIssue, sessionPost, uiSession } from './lib/ui.mjs';

const NODE_MODULES = path.join(ROOT, 'node_modules');

const MANIFEST = `modules:
  jira:issuePanel:
    - key: panel
      resource: main
      resolver:
        function: resolver
      title: Custom UI panel
      icon: https://example.com/icon.svg
      viewportSize: medium
    - key: other-panel
      resource: other
      resolver:
        function: resolver
      title: Other panel
      icon: https://example.com/icon.svg
    - key: entry-panel
      resource: other/page2
      title: An entry of a resource
      icon: https://example.com/icon.svg
    - key: admins-panel
      resource: other
      title: Admins only
      icon: https://example.com/icon.svg
      displayConditions:
        isAdmin: true
  function:
    - key: resolver
      handler: index.handler
resources:
  - key: main
    path: static/main
  - key: other
    path: static/other
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - storage:app
    - read:jira-work
    - read:me
  content:
    styles:
      - unsafe-inline
  external:
    fetch:
      client:
        - https://api.example.com
    images:
      - address: "*.images.example.com"
`;

const SRC = `import Resolver from '@forge/resolver';
const resolver = new Resolver();
resolver.define('whoami', ({ payload, context }) => ({ payload, accountId: context.accountId, localId: context.localId,
  moduleKey: context.moduleKey, extension: context.extension, cloudId: context.cloudId }));
resolver.define('boom', () => { throw new RangeError('resolver refused'); });
resolver.define('nothing', () => undefined);
resolver.define('nullish', () => null);
export const handler = resolver.getDefinitions();
`;

const INDEX = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>panel</title></head><body><div id="root"></div><script src="app.js"></script></body></html>';

describe('Custom UI: the UI origin, frames, context tokens, the bridge', () => {
  let k, A, B, dir, app, sA, sA2, sB, issueA, issueB, issueA2;
  const tag = randomBytes(3).toString('hex');

  const post = (s, p, body, headers) => sessionPost(k, s, p, body, headers);
  const frame = (s, body) => post(s, '/_ui/v1/frames', body);
  const bridge = (s, token, body) => post(s, '/_ui/v1/bridge', body, { 'x-kiln-context': token });
  const ui = (url, opts) => { const u = new URL(url); return httpRequest(Number(u.port), u.pathname + u.search, opts); };

  before(async () => {
    assert.ok(existsSync(path.join(NODE_MODULES, '@forge', 'resolver', 'package.json')), 'run make deps');
    k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
    A = await k.siteWithToken(`cu-a-${tag}`, true);
    B = await k.siteWithToken(`cu-b-${tag}`, true);
    issueA = await firstIssue(k, A);
    issueB = await firstIssue(k, B);
    dir = path.join(tempDir('cuapp'), 'customui-app');
    writeFiles(dir, {
      'manifest.yml': MANIFEST, 'src/index.js': SRC,
      'static/main/index.html': INDEX, 'static/main/app.js': 'document.getElementById("root").textContent = "hi";',
      'static/main/style.css': 'body{margin:0}', 'static/main/data.bin': 'xx',
      'static/other/index.html': '<p>other</p>', 'static/other/page2.html': '<p>page two</p>', 'static/secret.txt': 'outside the resource',
    });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    app = await deployApp(k, dir, [A, B]);
    sA = await uiSession(k, A.name, A.accountId);
    sB = await uiSession(k, B.name, B.accountId);
    const other = k.sql(`SELECT account_id FROM users u JOIN sites s ON s.id = u.site_id WHERE s.name = '${A.name}' AND u.account_id != '${A.accountId}' AND u.account_type = 'atlassian' AND u.active = 1 LIMIT 1`);
    assert.ok(other, 'a second person on the demo site');
    sA2 = await uiSession(k, A.name, other);
    issueA2 = await firstIssue(k, A, (await k.userToken(A.name, other)).token);
  });

  after(async () => {
    await k?.close();
  });

  const appId = () => app;

  it('the modules listing gives each Custom UI module the frame URL the frames request answers (the host loads it early)', async () => {
    for (const [s, site, issue] of [[sA, A, issueA], [sB, B, issueB]]) {
      const r = await k.api(`/_ui/v1/modules?placement=issuePanel&issue=${issue}`, { headers: { cookie: s.cookie } });
      expectStatus(r, 200, `${site.name}'s listing`);
      const listed = Object.fromEntries(r.json.modules.map((m) => [m.moduleKey, m]));
      for (const key of ['panel', 'entry-panel']) {
        assert.ok(listed[key], `${key} listed on ${site.name}`);
        const f = await frame(s, { appId: appId(), moduleKey: key, extension: { issue: { key: issue } } });
        expectStatus(f, 200, key);
        assert.equal(listed[key].frameUrl, f.json.frameUrl, `${key} on ${site.name}`);
        // the URL names the site's own installation
        assert.equal(new URL(listed[key].frameUrl).pathname.split('/')[2], listed[key].installationId);
      }
    }
    // each site's page of the same module is its own installation's
    const a = await k.api(`/_ui/v1/modules?placement=issuePanel&issue=${issueA}`, { headers: { cookie: sA.cookie } });
    const b = await k.api(`/_ui/v1/modules?placement=issuePanel&issue=${issueB}`, { headers: { cookie: sB.cookie } });
    const url = (r) => r.json.modules.find((m) => m.moduleKey === 'panel').frameUrl;
    assert.notEqual(url(a), url(b));
  });

  it('frames: a session and its CSRF header are needed; the answer is a token, a frame URL on the UI origin and the context', async () => {
    const body = { appId: appId(), moduleKey: 'panel', extension: { issue: { key: issueA } } };
    expectStatus(await frame(null, body), 401, 'no session');
    expectStatus(await post({ cookie: sA.cookie }, '/_ui/v1/frames', body), 403, 'no CSRF header');
    expectStatus(await post({ cookie: sA.cookie, csrf: 'x'.repeat(43) }, '/_ui/v1/frames', body), 403, 'wrong CSRF');
    const r = await frame(sA, body);
    expectStatus(r, 200, 'frame');
    assert.match(r.json.token, /^kiln_c_/);
    const u = new URL(r.json.frameUrl);
    assert.equal(u.hostname, 'localhost', 'the UI origin is another host than kiln\'s 127.0.0.1');
    assert.notEqual(u.origin, new URL(k.url).origin);
    assert.equal(r.json.uiOrigin, u.origin);
    assert.match(u.pathname, /^\/r\/[0-9a-f-]{36}\/\d+\/main\/[0-9a-f]{32}\/index\.html$/);
    assert.equal(r.json.viewportSize, 'medium');
    assert.equal(r.json.context.accountId, A.accountId);
    assert.equal(r.json.context.extension.type, 'jira:issuePanel');
    assert.equal(r.json.context.extension.issue.key, issueA);
    assert.equal(r.json.context.moduleKey, 'panel');
    assert.equal(r.json.context.cloudId, A.cloudId);
    assert.match(r.headers['cache-control'], /no-store/);
  });

  it('frames: bad input, unknown modules, another site\'s issue', async () => {
    const id = appId();
    expectStatus(await frame(sA, { appId: id, moduleKey: 'nope' }), 404, 'unknown module');
    expectStatus(await frame(sA, { appId: id, moduleKey: 'resolver' }), 404, 'a function is no UI module');
    expectStatus(await frame(sA, { appId: '00000000-0000-4000-8000-000000000000', moduleKey: 'panel' }), 404, 'app not installed');
    expectStatus(await frame(sA, { appId: id, moduleKey: 'panel', extension: { issue: { key: issueB === issueA ? 'ZZZ-999999' : issueB } } }), 404, 'an issue key of another site (or none)');
    expectStatus(await frame(sA, { appId: id, moduleKey: 'panel', extension: 'x' }), 400, 'extension not an object');
    // shown only where its display conditions hold: isAdmin for the site's admin, not another user
    const onIssue = { issue: { key: issueA2 } };
    expectStatus(await frame(sA2, { appId: id, moduleKey: 'panel', extension: onIssue }), 200, 'another user sees the panel');
    expectStatus(await frame(sA2, { appId: id, moduleKey: 'admins-panel', extension: onIssue }), 404, 'not for a non-admin');
    expectStatus(await frame(sA, { appId: id, moduleKey: 'admins-panel', extension: onIssue }), 200, 'for the admin');
    expectStatus(await frame(sA, { appId: id, moduleKey: 'panel', evil: 1 }), 400, 'unknown member');
    expectStatus(await frame(sA, { appId: id }), 400, 'no module key');
    expectStatus(await post(sA, '/_ui/v1/frames', '{bad', { 'content-type': 'application/json' }), 400, 'malformed JSON');
    expectStatus(await post(sA, '/_ui/v1/frames', 'x'.repeat(600 * 1024), { 'content-type': 'application/json' }), 413, 'oversized');
    expectStatus(await k.api('/_ui/v1/frames', { headers: { cookie: sA.cookie } }), 405, 'GET');
  });

  it('resources: the signed URL serves the resource folder with the shim injected, Forge\'s CSP, nosniff and cache headers', async () => {
    const r = await frame(sA, { appId: appId(), moduleKey: 'panel', extension: { issue: { key: issueA } } });
    expectStatus(r, 200);
    // a page's URL carries the tag of what its answer holds besides the app's files (the
    // shim's build, kiln's and the UI origin): ?v=
    assert.match(r.json.frameUrl, /\/index\.html\?v=[0-9a-f]{16}$/);
    const url = r.json.frameUrl.replace(/\?.*$/, '');
    const html = await ui(r.json.frameUrl);
    expectStatus(html, 200, 'index.html');
    assert.equal(html.headers['content-type'], 'text/html; charset=utf-8');
    // the shim inline, first (no request of its own before the page can be parsed on),
    // allowed by its hash and nothing else inline
    const head = '<!doctype html><html lang="en"><head><script>';
    assert.ok(html.text.startsWith(head), html.text.slice(0, 200));
    const inline = html.text.slice(head.length, html.text.indexOf('</script>'));
    assert.ok(html.text.slice(head.length + inline.length).startsWith('</script><meta charset="utf-8">'), html.text.slice(0, 200));
    assert.ok(html.text.endsWith('<script src="app.js"></script></body></html>'));
    const csp = html.headers['content-security-policy'];
    assert.ok(csp, 'a CSP');
    const dirs = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([n, ...v]) => [n, v]));
    const shimHash = `'sha256-${createHash('sha256').update(inline).digest('base64')}'`;
    assert.deepEqual(dirs['script-src'], ["'self'", shimHash], 'no inline script but the shim without permissions.content.scripts');
    assert.deepEqual(dirs['style-src'], ["'self'", "'unsafe-inline'"]);
    assert.deepEqual(dirs['connect-src'], ["'self'", 'https://api.example.com']);
    assert.deepEqual(dirs['img-src'], ["'self'", 'data:', 'blob:', '*.images.example.com']);
    assert.deepEqual(dirs['frame-ancestors'], [k.url]);
    assert.deepEqual(dirs['object-src'], ["'none'"]);
    assert.equal(html.headers['x-content-type-options'], 'nosniff');
    // cached at that URL (a new shim or origin is a new URL); anywhere else revalidated
    assert.equal(html.headers['cache-control'], 'private, max-age=31536000, immutable');
    for (const q of ['', '?v=0000000000000000', '?v=' + new URL(r.json.frameUrl).searchParams.get('v').slice(0, 15), '?v=%zz']) {
      const other = await ui(url + q);
      expectStatus(other, 200, q);
      assert.equal(other.headers['cache-control'], 'no-cache', q);
      assert.equal(other.text, html.text, q);
    }
    const js = await ui(url.replace(/index\.html$/, 'app.js'));
    expectStatus(js, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    assert.equal((await ui(url.replace(/index\.html$/, 'style.css'))).headers['content-type'], 'text/css; charset=utf-8');
    assert.equal((await ui(url.replace(/index\.html$/, 'data.bin'))).headers['content-type'], 'application/octet-stream');
    // kiln's bridge shim, on the UI origin only
    const shim = await ui(new URL('/_kiln/frame-shim.js', url).toString());
    expectStatus(shim, 200, 'the shim');
    assert.equal(shim.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.ok(shim.text.includes('frame-init'));
    assert.equal(inline, shim.text, 'the inline shim is the served one');
    assert.ok([400, 404].includes((await k.api('/_kiln/frame-shim.js')).status), 'not on kiln\'s origin');
    // HEAD; other methods
    expectStatus(await ui(url, { method: 'HEAD' }), 200);
    expectStatus(await ui(url, { method: 'POST', body: 'x' }), 405);
  });

  it('resources: traversal, other resources, other installations, forged signatures and kiln\'s own paths are refused', async () => {
    const r = await frame(sA, { appId: appId(), moduleKey: 'panel', extension: { issue: { key: issueA } } });
    const url = r.json.frameUrl;
    const base = url.replace(/index\.html\?v=[0-9a-f]+$/, '');
    assert.ok(base.endsWith('/'), url);
    for (const p of ['../secret.txt', '..%2fsecret.txt', '%2e%2e/secret.txt', '%2e%2e%2fsecret.txt', 'a/../../secret.txt', '.%2e/secret.txt', 'nope.js', '%00', '']) {
      const res = await ui(base + p);
      assert.ok([400, 404].includes(res.status), `${p}: ${describeRes(res)}`);
      assert.ok(!res.text.includes('outside the resource'), p);
    }
    // the signature binds installation, version and resource
    const m = new URL(url).pathname.split('/'); // ['', 'r', inst, seq, key, mac, 'index.html']
    const rB = await frame(sB, { appId: appId(), moduleKey: 'panel', extension: { issue: { key: issueB } } });
    const mB = new URL(rB.json.frameUrl).pathname.split('/');
    assert.notEqual(m[2], mB[2], 'two installations');
    const swap = (parts, i, v) => { const c = [...parts]; c[i] = v; return new URL(url).origin + c.join('/'); };
    expectStatus(await ui(swap(m, 2, mB[2])), 404, 'another installation with this signature');
    expectStatus(await ui(swap(m, 4, 'other')), 404, 'another resource with this signature');
    expectStatus(await ui(swap(m, 3, String(Number(m[3]) + 1))), 404, 'another version');
    expectStatus(await ui(swap(m, 5, '0'.repeat(32))), 404, 'a forged signature');
    expectStatus(await ui(swap(m, 5, m[5].slice(0, 31))), 404, 'a cut signature');
    expectStatus(await ui(rB.json.frameUrl), 200, 'B\'s own URL');
    // the other module's frame serves its own resource only
    const ro = await frame(sA, { appId: appId(), moduleKey: 'other-panel', extension: { issue: { key: issueA } } });
    const other = await ui(ro.json.frameUrl);
    expectStatus(other, 200);
    assert.ok(other.text.includes('<p>other</p>'));
    // resource: other/page2 is the file page2.html of resource other, shim injected
    const re = await frame(sA, { appId: appId(), moduleKey: 'entry-panel', extension: { issue: { key: issueA } } });
    expectStatus(re, 200);
    assert.match(re.json.frameUrl, /\/other\/[0-9a-f]{32}\/page2\.html\?v=[0-9a-f]{16}$/);
    const entry = await ui(re.json.frameUrl);
    expectStatus(entry, 200, 'the entry');
    assert.ok(entry.text.startsWith('<script>') && entry.text.includes('frame-init') && entry.text.includes('<p>page two</p>'), entry.text.slice(0, 200));
    assert.equal(entry.headers['content-type'], 'text/html; charset=utf-8');
    // the UI origin serves nothing of kiln's; kiln's origin no app file
    const uiPort = Number(new URL(url).port);
    for (const p of ['/healthz', '/metrics', '/admin/v1/sites', '/_ui/v1/frames', `/ex/jira/${A.cloudId}/rest/api/3/myself`, '/s/x/login']) {
      expectStatus(await httpRequest(uiPort, p, { token: A.token }), 404, `UI origin ${p}`);
    }
    const onKiln = await k.api(new URL(url).pathname);
    assert.ok([400, 404].includes(onKiln.status), describeRes(onKiln));
    assert.ok(!onKiln.text.includes('<div id="root">'));
  });

  it('bridge: getContext and invoke run as the signed-in user, for the module the token names', async () => {
    const ext = { issue: { key: issueA } };
    const f = await frame(sA, { appId: appId(), moduleKey: 'panel', extension: ext });
    const t = f.json.token;
    const c = await bridge(sA, t, { op: 'getContext', extension: ext });
    expectStatus(c, 200, 'getContext');
    assert.equal(c.json.context.accountId, A.accountId);
    assert.equal(c.json.context.extension.issue.key, issueA);
    const v = await bridge(sA, t, { op: 'invoke', payload: { functionKey: 'whoami', payload: { n: 1 } }, extension: ext });
    expectStatus(v, 200, 'invoke');
    assert.equal(v.json.ok, true, describeRes(v));
    assert.deepEqual(v.json.value.payload, { n: 1 });
    assert.equal(v.json.value.accountId, A.accountId);
    assert.equal(v.json.value.moduleKey, 'panel');
    assert.equal(v.json.value.cloudId, A.cloudId);
    assert.equal(v.json.value.extension.issue.key, issueA);
    assert.match(v.json.value.localId, /panel/);
    const e = await bridge(sA, t, { op: 'invoke', payload: { functionKey: 'boom' }, extension: ext });
    expectStatus(e, 200);
    assert.deepEqual(e.json, { ok: false, error: { name: 'RangeError', message: 'resolver refused' } });
    // undefined stays undefined (as on Forge, where apps test `=== undefined`), null stays null
    const u = await bridge(sA, t, { op: 'invoke', payload: { functionKey: 'nothing' }, extension: ext });
    assert.deepEqual(u.json, { ok: true }, describeRes(u));
    const nl = await bridge(sA, t, { op: 'invoke', payload: { functionKey: 'nullish' }, extension: ext });
    assert.deepEqual(nl.json, { ok: true, value: null }, describeRes(nl));
    // the other module's token: its own module key, whatever the body says
    const fo = await frame(sA, { appId: appId(), moduleKey: 'other-panel', extension: ext });
    const vo = await bridge(sA, fo.json.token, { op: 'invoke', payload: { functionKey: 'whoami', moduleKey: 'panel' }, extension: ext });
    assert.equal(vo.json.value.moduleKey, 'other-panel');
    // renew: a fresh token of the same bindings
    const rn = await bridge(sA, t, { op: 'renew', extension: ext });
    expectStatus(rn, 200);
    assert.match(rn.json.token, /^kiln_c_/);
    expectStatus(await bridge(sA, rn.json.token, { op: 'getContext', extension: ext }), 200);
  });

  // the app holds read:me: each user consents first (Forge's simplified user consent asks
  // only then; tests/browser/customui.test.mjs runs an app without it, no consent given)
  it('bridge: fetchProduct (requestJira) acts as the user within the app\'s scopes, after the user\'s consent', async () => {
    const ext = { issue: { key: issueA } };
    const f = await frame(sA, { appId: appId(), moduleKey: 'panel', extension: ext });
    const t = f.json.token;
    const fetchJira = (restPath, init) => bridge(sA, t, { op: 'fetchProduct', payload: { product: 'jira', restPath, fetchRequestInit: init }, extension: ext });
    const before = await fetchJira(`/rest/api/3/issue/${issueA}/comment`);
    expectStatus(before, 200);
    assert.equal(before.json.status, 401, 'no consent yet');
    assert.equal(before.json.consentRequired, true);
    ok(await kiln(k, ['consent', '--site', A.name, '--account', A.accountId, '--app', dir], { cwd: dir }));
    const r = await fetchJira(`/rest/api/3/issue/${issueA}/comment`);
    assert.equal(r.json.status, 200, describeRes(r));
    assert.equal(r.json.consentRequired, false);
    assert.equal(typeof JSON.parse(r.json.body).total, 'number');
    // write:jira-work is not among the app's scopes: refused though the user could comment
    const w = await fetchJira(`/rest/api/3/issue/${issueA}/comment`, { method: 'POST', body: JSON.stringify({ body: 'x' }), headers: [['content-type', 'application/json']] });
    assert.ok([401, 403].includes(w.json.status), describeRes(w));
    // another site's issue is no issue here; another product is not hosted
    if (issueB !== issueA) assert.equal((await fetchJira(`/rest/api/3/issue/${issueB}`)).json.status, 404);
    expectStatus(await bridge(sA, t, { op: 'fetchProduct', payload: { product: 'confluence', restPath: '/wiki/rest/api/space' }, extension: ext }), 400);
    expectStatus(await fetchJira('/ex/jira/x'), 400, 'not a /rest/ path');
    expectStatus(await fetchJira('/rest/api/3/myself', { method: 'TRACE' }), 400, 'a method');
  });

  // A write through the bridge runs outside the bridge's read snapshot: on PostgreSQL a
  // write begun inside one was refused (500), on SQLite it ended the snapshot and the
  // bridge then committed a transaction no longer open ("cannot commit - no transaction
  // is active" in the log, which the isolation battery kept seeing).
  it('bridge: fetchProduct writes as the user when the app holds the write scope; nothing fails in the store', async () => {
    const wdir = path.join(tempDir('cuapp-w'), 'customui-write');
    writeFiles(wdir, {
      'manifest.yml': MANIFEST.replace('    - read:jira-work\n', '    - read:jira-work\n    - write:jira-work\n'),
      'src/index.js': SRC, 'static/main/index.html': INDEX, 'static/main/app.js': '', 'static/other/index.html': '<p>other</p>',
      'static/other/page2.html': '<p>page two</p>',
    });
    symlinkSync(NODE_MODULES, path.join(wdir, 'node_modules'), 'dir');
    const wapp = await deployApp(k, wdir, [A]);
    ok(await kiln(k, ['consent', '--site', A.name, '--account', A.accountId, '--app', wdir], { cwd: wdir }));
    const ext = { issue: { key: issueA } };
    const f = await frame(sA, { appId: wapp, moduleKey: 'panel', extension: ext });
    expectStatus(f, 200);
    const failedBefore = k.stderrLines.filter((l) => l.includes('store: statement failed')).length;
    const summary = `edited through the bridge ${tag}`;
    const w = await bridge(sA, f.json.token, {
      op: 'fetchProduct', extension: ext,
      payload: { product: 'jira', restPath: `/rest/api/3/issue/${issueA}`, fetchRequestInit: { method: 'PUT', body: JSON.stringify({ fields: { summary } }), headers: [['content-type', 'application/json']] } },
    });
    expectStatus(w, 200);
    assert.equal(w.json.status, 204, describeRes(w));
    const got = await k.jira(A.cloudId, `/issue/${issueA}?fields=summary`, { token: A.token });
    assert.equal(got.json.fields.summary, summary, 'the edit is stored');
    const r = await bridge(sA, f.json.token, { op: 'fetchProduct', extension: ext, payload: { product: 'jira', restPath: `/rest/api/3/issue/${issueA}?fields=summary` } });
    assert.equal(JSON.parse(r.json.body).fields.summary, summary, 'and read back through the bridge');
    const failed = k.stderrLines.filter((l) => l.includes('store: statement failed')).slice(failedBefore);
    assert.deepEqual(failed, [], 'no store statement failed');
  });

  it('bridge: at most 600 requests a minute per installation and user; then 429, and other users carry on', async () => {
    const ext = { issue: { key: issueA2 } };
    const f = await frame(sA2, { appId: appId(), moduleKey: 'panel', extension: ext });
    expectStatus(f, 200);
    // the windows are clock minutes: go on until a refusal, then count that window's passes
    const seen = [];
    let refused = null;
    while (!refused && seen.length < 1300) {
      const rs = await Promise.all(Array.from({ length: 50 }, () => bridge(sA2, f.json.token, { op: 'getContext', extension: ext })));
      seen.push(...rs);
      refused = rs.find((r) => r.status === 429) ?? null;
    }
    assert.ok(refused, 'a refusal within two windows');
    const reset = refused.headers['x-ratelimit-reset'];
    assert.ok(reset && refused.headers['retry-after'], 'the 429 says when to retry');
    const inWindow = seen.filter((r) => r.headers['x-ratelimit-reset'] === reset);
    assert.equal(inWindow.filter((r) => r.status === 200).length, 600, 'exactly 600 passed in that window');
    assert.ok(seen.every((r) => r.status === 200 || r.status === 429), 'nothing else');
    const fa = await frame(sA, { appId: appId(), moduleKey: 'panel', extension: { issue: { key: issueA } } });
    expectStatus(await bridge(sA, fa.json.token, { op: 'getContext', extension: { issue: { key: issueA } } }), 200, 'another user of the installation');
  });

  it('bridge: tokens replayed with another site, user, extension, after an uninstall, forged or missing are refused', async () => {
    const ext = { issue: { key: issueA } };
    const f = await frame(sA, { appId: appId(), moduleKey: 'panel', extension: ext });
    const t = f.json.token;
    const ctx = { op: 'getContext', extension: ext };
    expectStatus(await bridge(sB, t, ctx), 403, 'A\'s token with B\'s session');
    expectStatus(await bridge(sA2, t, ctx), 403, 'another user of the same site');
    expectStatus(await bridge(sA, t, { op: 'getContext', extension: { issue: { key: 'OTHER-1' } } }), 403, 'another extension');
    expectStatus(await bridge(sA, t, { op: 'getContext' }), 403, 'no extension');
    // an issue panel is shown with an issue only
    expectStatus(await frame(sA, { appId: appId(), moduleKey: 'panel' }), 400, 'an issue panel without an issue');
    expectStatus(await bridge(sA, undefined, ctx), 401, 'no token');
    expectStatus(await bridge(sA, t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A'), ctx), 401, 'a forged mac');
    const parts = t.split('~');
    parts[4] = 'other-panel';
    expectStatus(await bridge(sA, parts.join('~'), ctx), 401, 'another module, same mac');
    expectStatus(await bridge(sA, 'kiln_c_' + 'x'.repeat(2000), ctx), 401, 'oversized token');
    expectStatus(await bridge(null, t, ctx), 401, 'no session');
    expectStatus(await post({ cookie: sA.cookie }, '/_ui/v1/bridge', ctx, { 'x-kiln-context': t }), 403, 'no CSRF');
    // bad ops and payloads
    const bad = await bridge(sA, t, { op: 'requestConfluence', extension: ext });
    expectStatus(bad, 400);
    assert.match(bad.json.message, /Unsupported bridge operation "requestConfluence"/);
    expectStatus(await bridge(sA, t, { extension: ext }), 400, 'no op');
    expectStatus(await bridge(sA, t, { op: 'invoke', payload: 'x', extension: ext }), 400, 'invoke payload not an object');
    expectStatus(await bridge(sA, t, { op: 'invoke', payload: { functionKey: 'x'.repeat(300) }, extension: ext }), 400);
    expectStatus(await bridge(sA, t, { op: 'invoke', payload: { functionKey: 'whoami', payload: 'y'.repeat(300 * 1024) }, extension: ext }), 413, 'oversized payload');
    // uninstalled: the token dies with the installation
    ok(await kiln(k, ['uninstall', '--site', A.name], { cwd: dir }));
    expectStatus(await bridge(sA, t, ctx), 401, 'after uninstall');
  });
});
