// The web UI's sign-in and sessions (docs/ui.md "Sign-in and sessions", src/web/,
// src/auth/session.h): the sign-in form and its login CSRF, every wrong credential the
// same answer, throttles, the cookie's flags, the cookie on the Jira API with X-Kiln-CSRF
// on writes and bound to its site, logout, one-time links (once, own site only), the
// shells (redirect when signed out, another site's session, boot JSON, security
// headers), /_ui/v1/me, expiry, and the assets plane (listed names only, caching).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expectCliOk, expectStatus, kilnCli, startKiln, tempDir } from './lib/kiln.mjs';

// a built bundle stand-in: assets.json and the files it names, and one it does not
function fixtureAssets() {
  const dir = path.join(tempDir('ui-assets'), 'ui');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'host.ABC123.js'), 'console.log("host");\n');
  writeFileSync(path.join(dir, 'host.DEF456.css'), 'body{color:red}\n');
  writeFileSync(path.join(dir, 'chunk.GHI789.js'), 'export const lazy = 1;\n');
  writeFileSync(path.join(dir, 'unlisted.js'), 'secret\n');
  // a split bundle lists its lazy chunks under their own names (tools/build-ui.mjs)
  writeFileSync(path.join(dir, 'assets.json'), JSON.stringify({ 'host.js': 'host.ABC123.js', 'host.css': 'host.DEF456.css', 'chunk.GHI789.js': 'chunk.GHI789.js' }));
  return dir;
}

const setCookies = (res) => {
  const c = res.headers['set-cookie'];
  return Array.isArray(c) ? c : c ? [c] : [];
};
const cookieOf = (res, name) => {
  for (const c of setCookies(res)) {
    const m = c.match(new RegExp(`^${name}=([^;]*)`));
    if (m) return { value: m[1], raw: c };
  }
  return null;
};

/** GET the sign-in form: {nonce (kiln_login cookie), csrf (hidden field)} */
async function loginForm(k, site) {
  const res = await k.api(`/s/${site}/login`);
  expectStatus(res, 200, 'login form');
  const nonce = cookieOf(res, 'kiln_login');
  const csrf = res.text.match(/name="csrf" value="([^"]+)"/);
  assert.ok(nonce && csrf, `form without its login CSRF: ${res.text.slice(0, 400)}`);
  return { nonce: nonce.value, csrf: csrf[1], res };
}

function form(fields) {
  return new URLSearchParams(fields).toString();
}

async function postLogin(k, site, fields, { nonce, headers = {} } = {}) {
  return k.api(`/s/${site}/login`, {
    method: 'POST',
    body: typeof fields === 'string' ? fields : form(fields),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(nonce ? { cookie: `kiln_login=${nonce}` } : {}),
      ...headers,
    },
  });
}

/** Signs in with email + token; returns the session cookie value. */
async function signIn(k, site, email, token, next) {
  const f = await loginForm(k, site);
  const res = await postLogin(k, site, { email, token, csrf: f.csrf, ...(next ? { next } : {}) }, { nonce: f.nonce });
  expectStatus(res, 302, 'sign in');
  const c = cookieOf(res, 'kiln_session');
  assert.ok(c && /^kiln_w_[A-Za-z0-9_-]{43}$/.test(c.value), `no session cookie: ${setCookies(res)}`);
  return { cookie: c.value, res };
}

const withCookie = (value, extra = {}) => ({ headers: { cookie: `kiln_session=${value}`, ...extra } });

function bootOf(res) {
  const m = res.text.match(/<script id="kiln-boot" type="application\/json">([^<]*)<\/script>/);
  assert.ok(m, `no boot JSON in ${res.text.slice(0, 500)}`);
  return JSON.parse(m[1]);
}
const csrfOf = (res) => res.text.match(/<meta name="kiln-csrf" content="([^"]+)">/)[1];

async function myself(k, cloudId, token) {
  const r = await k.jira(cloudId, '/myself', { token });
  expectStatus(r, 200, 'myself');
  return r.json;
}

describe('web UI sign-in and sessions', () => {
  let k, A, B, adminA, oscar, noah;
  before(async () => {
    k = await startKiln({ extraArgs: ['--ui-assets', fixtureAssets()] });
    A = await k.siteWithToken('websa', true);
    B = await k.siteWithToken('websb', true);
    adminA = await myself(k, A.cloudId, A.token);
    // the demo team's deactivated account, with a token minted before
    const us = await k.jira(A.cloudId, '/users/search?maxResults=100', { token: A.token });
    const o = us.json.find((u) => /^Oscar/.test(u.displayName));
    assert.ok(o && o.active === false, 'the demo site has an inactive user');
    oscar = { ...o, token: (await k.userToken('websa', o.accountId)).token };
    const n = us.json.find((u) => /^Noah/.test(u.displayName));
    noah = { ...n, token: (await k.userToken('websa', n.accountId)).token };
    noah.emailAddress = (await myself(k, A.cloudId, noah.token)).emailAddress;
  });
  after(async () => k && k.close());

  it('signs in with email and API token: cookie flags, redirect, shell with boot JSON and security headers', async () => {
    const { cookie, res } = await signIn(k, 'websa', adminA.emailAddress, A.token);
    assert.equal(res.headers.location, '/s/websa/');
    const raw = cookieOf(res, 'kiln_session').raw;
    assert.match(raw, /; Path=\/;/);
    assert.match(raw, /; HttpOnly/);
    assert.match(raw, /; SameSite=Lax/);
    assert.match(raw, /; Max-Age=604800/);
    assert.doesNotMatch(raw, /Secure/, 'http public URL: no Secure flag');
    assert.match(cookieOf(res, 'kiln_login').raw, /Max-Age=0/, 'the pre-session cookie is cleared');

    for (const p of ['/s/websa/', '/s/websa']) {
      const shell = await k.api(p, withCookie(cookie));
      expectStatus(shell, 200, p);
      assert.match(shell.headers['content-type'], /^text\/html/);
      const boot = bootOf(shell);
      assert.deepEqual(
        { site: boot.site, cloudId: boot.cloudId, accountId: boot.accountId, isAdmin: boot.isAdmin, page: boot.page },
        { site: 'websa', cloudId: A.cloudId, accountId: adminA.accountId, isAdmin: true, page: 'projects' },
      );
      assert.match(csrfOf(shell), /^[A-Za-z0-9_-]{43}$/);
      assert.match(shell.text, /<script type="module" src="\/_ui\/assets\/host\.ABC123\.js"><\/script>/);
      assert.match(shell.text, /<link rel="stylesheet" href="\/_ui\/assets\/host\.DEF456\.css">/);
      const csp = shell.headers['content-security-policy'];
      for (const d of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'",
        "base-uri 'none'", "connect-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:"])
        assert.ok(csp.includes(d), `CSP has ${d}: ${csp}`);
      assert.equal(shell.headers['x-frame-options'], 'DENY');
      assert.equal(shell.headers['x-content-type-options'], 'nosniff');
      assert.ok(shell.headers['referrer-policy']);
      assert.equal(shell.headers['cache-control'], 'no-store');
    }
    // the login page itself: no script, its one style by nonce
    const f = await loginForm(k, 'websa');
    const csp = f.res.headers['content-security-policy'];
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'nonce-[A-Za-z0-9_-]+'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(f.res.headers['x-frame-options'], 'DENY');
    assert.doesNotMatch(f.res.text, /<script/);
  });

  it('every wrong credential gets the same answer and no session', async () => {
    const adminB = await myself(k, B.cloudId, B.token);
    const cases = [
      ['wrong token', adminA.emailAddress, `kiln_u_${'x'.repeat(43)}`],
      ['not a token', adminA.emailAddress, 'hunter2'],
      ["another user's token", adminA.emailAddress, noah.token],
      ["the admin's token with another user's email", noah.emailAddress, A.token],
      ["an inactive user's token with the admin's email", adminA.emailAddress, oscar.token],
      ["another site's user (B's email and token)", adminB.emailAddress, B.token],
      ["A's email with B's token", adminA.emailAddress, B.token],
      ['inactive user', oscar.emailAddress ?? 'oscar@websa.example.com', oscar.token],
      ['empty email', '', A.token],
    ];
    const bodies = new Set();
    for (const [what, email, token] of cases) {
      const f = await loginForm(k, 'websa');
      const res = await postLogin(k, 'websa', { email, token, csrf: f.csrf }, { nonce: f.nonce });
      assert.ok(res.status === 401 || (what === 'empty email' && res.status === 400), `${what}: ${res.status}`);
      assert.equal(cookieOf(res, 'kiln_session'), null, `${what}: no session cookie`);
      if (res.status === 401) {
        assert.match(res.text, /Wrong email or API token\./, what);
        bodies.add(res.text.replace(/value="[^"]*"/g, '').replace(/nonce="[^"]*"/g, ''));
      }
    }
    assert.equal(bodies.size, 1, 'the same page for every failure (the echoed email and fresh tokens aside)');
    // the active user's own credentials work (email case aside), B's on B
    await signIn(k, 'websa', noah.emailAddress.toUpperCase(), noah.token);
    await signIn(k, 'websb', adminB.emailAddress, B.token);
  });

  it('refuses a sign-in without its login CSRF, another site\'s form, malformed and oversized forms', async () => {
    const f = await loginForm(k, 'websa');
    const good = { email: adminA.emailAddress, token: A.token };
    let res = await postLogin(k, 'websa', { ...good, csrf: f.csrf }); // no kiln_login cookie
    expectStatus(res, 403, 'no pre-session cookie');
    assert.equal(cookieOf(res, 'kiln_session'), null);
    res = await postLogin(k, 'websa', good, { nonce: f.nonce }); // no csrf field
    expectStatus(res, 403, 'no csrf field');
    const other = await loginForm(k, 'websa');
    res = await postLogin(k, 'websa', { ...good, csrf: f.csrf }, { nonce: other.nonce }); // another browser's
    expectStatus(res, 403, "another browser's form");
    const fb = await loginForm(k, 'websb');
    res = await postLogin(k, 'websa', { ...good, csrf: fb.csrf }, { nonce: fb.nonce }); // B's form on A
    expectStatus(res, 403, "another site's form");
    res = await postLogin(k, 'websa', `email=%zz&token=x&csrf=${f.csrf}`, { nonce: f.nonce });
    expectStatus(res, 400, 'bad escape');
    res = await postLogin(k, 'websa', `email=a&email=b&token=x&csrf=${f.csrf}`, { nonce: f.nonce });
    expectStatus(res, 400, 'a field twice');
    res = await postLogin(k, 'websa', `email=${'a'.repeat(5000)}&csrf=${f.csrf}`, { nonce: f.nonce });
    expectStatus(res, 413, 'oversized');
    res = await postLogin(k, 'websa', `email=a%00b&token=x&csrf=${f.csrf}`, { nonce: f.nonce });
    expectStatus(res, 400, 'NUL');
    res = await k.api('/s/websa/login', {
      method: 'POST', body: JSON.stringify(good), headers: { 'content-type': 'application/json', cookie: `kiln_login=${f.nonce}` },
    });
    expectStatus(res, 415, 'JSON body');
    // the same form still works after all that
    const ok = await postLogin(k, 'websa', { ...good, csrf: f.csrf }, { nonce: f.nonce });
    expectStatus(ok, 302, 'the genuine form');
  });

  it('next: a same-site path is followed, anything else goes home', async () => {
    const { res } = await signIn(k, 'websa', adminA.emailAddress, A.token, '/s/websa/browse/WEB-1');
    assert.equal(res.headers.location, '/s/websa/browse/WEB-1');
    for (const bad of ['https://evil.example/', '//evil.example/x', '/s/websb/', '/s/websa//evil', '/s/websa\\x', '/s/websab/']) {
      const r = await signIn(k, 'websa', adminA.emailAddress, A.token, bad);
      assert.equal(r.res.headers.location, '/s/websa/', `next ${bad}`);
    }
  });

  it('the cookie is a user credential of its own site on the Jira API, writes need X-Kiln-CSRF', async () => {
    const { cookie } = await signIn(k, 'websa', adminA.emailAddress, A.token);
    const csrf = csrfOf(await k.api('/s/websa/', withCookie(cookie)));
    let r = await k.jira(A.cloudId, '/myself', withCookie(cookie));
    expectStatus(r, 200, 'GET with the cookie');
    assert.equal(r.json.accountId, adminA.accountId);
    const proj = (await k.jira(A.cloudId, '/project/search', { token: A.token })).json.values[0].key;
    const issue = { fields: { project: { key: proj }, summary: 'from the web UI', issuetype: { name: 'Task' } } };
    r = await k.jira(A.cloudId, '/issue', { method: 'POST', body: issue, ...withCookie(cookie) });
    expectStatus(r, 403, 'POST without X-Kiln-CSRF');
    assert.deepEqual(r.json, { errorMessages: ['XSRF check failed'], errors: {} });
    r = await k.jira(A.cloudId, '/issue', { method: 'POST', body: issue, ...withCookie(cookie, { 'x-kiln-csrf': 'x'.repeat(43) }) });
    expectStatus(r, 403, 'POST with a wrong X-Kiln-CSRF');
    r = await k.jira(A.cloudId, '/issue', { method: 'POST', body: issue, ...withCookie(cookie, { 'x-kiln-csrf': csrf }) });
    expectStatus(r, 201, 'POST with X-Kiln-CSRF');
    const created = await k.jira(A.cloudId, `/issue/${r.json.key}`, { token: A.token });
    assert.equal(created.json.fields.reporter.accountId, adminA.accountId, 'written as the session\'s user');
    // site A's session on site B's cloudId: the one scope-check answer, read or write
    r = await k.jira(B.cloudId, '/myself', withCookie(cookie));
    expectStatus(r, 401, "A's cookie on B");
    assert.equal(r.headers['x-failure-category'], 'FAILURE_CLIENT_SCOPE_CHECK');
    r = await k.jira(B.cloudId, '/issue', { method: 'POST', body: issue, ...withCookie(cookie, { 'x-kiln-csrf': csrf }) });
    expectStatus(r, 401, "A's cookie writing on B");
    assert.equal(r.headers['x-failure-category'], 'FAILURE_CLIENT_SCOPE_CHECK');
    // an Authorization header decides when present: a bad one is not rescued by the cookie
    r = await k.jira(A.cloudId, '/myself', { token: 'kiln_u_bad', ...withCookie(cookie) });
    expectStatus(r, 401, 'bad bearer with a good cookie');
    // the admin API never reads cookies
    r = await k.api('/admin/v1/sites', withCookie(cookie));
    expectStatus(r, 401, 'admin API with a cookie');
    // /_ui/v1/me
    r = await k.api('/_ui/v1/me', withCookie(cookie));
    expectStatus(r, 200, '/_ui/v1/me');
    assert.deepEqual(r.json, { accountId: adminA.accountId, displayName: adminA.displayName, site: 'websa', cloudId: A.cloudId, isAdmin: true });
    r = await k.api('/_ui/v1/me');
    expectStatus(r, 401, '/_ui/v1/me signed out');
    r = await k.api('/_ui/v1/me', { method: 'POST', body: {}, ...withCookie(cookie) });
    assert.ok(r.status === 405 || r.status === 403, `POST /me: ${r.status}`);
    r = await k.api('/_ui/v1/nope', withCookie(cookie));
    expectStatus(r, 404, 'unknown /_ui/v1 route');
  });

  it('a session is of one site: A\'s cookie on B\'s pages is B\'s sign-in page, never data', async () => {
    const { cookie } = await signIn(k, 'websa', adminA.emailAddress, A.token);
    for (const p of ['/s/websb/', '/s/websb/browse/WEB-1', '/s/websb/projects/WEB', '/s/websb/admin']) {
      const r = await k.api(p, withCookie(cookie));
      expectStatus(r, 302, p);
      assert.match(r.headers.location, /^\/s\/websb\/login(\?next=.*)?$/, p);
      assert.doesNotMatch(r.text, /websa|kiln-boot/);
    }
    const me = await k.api('/s/websb/login', withCookie(cookie));
    expectStatus(me, 200, "B's login page");
    assert.doesNotMatch(me.text, new RegExp(A.cloudId));
    // another site's issue key in A's own URL: the shell is data-free, the key only a parameter
    const r = await k.api('/s/websa/browse/ZZZ-9', withCookie(cookie));
    expectStatus(r, 200, 'shell for any well-formed key');
    assert.equal(bootOf(r).issueKey, 'ZZZ-9');
  });

  it('shells redirect to sign-in when signed out, check their parameters, escape the boot JSON', async () => {
    let r = await k.api('/s/websa/browse/WEB-1');
    expectStatus(r, 302, 'signed out');
    assert.equal(r.headers.location, '/s/websa/login?next=/s/websa/browse/WEB-1');
    r = await k.api('/s/websa/issues?jql=project%3DWEB');
    assert.equal(r.headers.location, '/s/websa/login?next=/s/websa/issues%3Fjql%3Dproject%253DWEB');
    // a site that does not exist answers like one that does (no oracle); a malformed name 404
    const real = await k.api('/s/websa/login');
    const none = await k.api('/s/nosuchsite/login');
    expectStatus(none, 200, 'login page of an unknown site');
    const strip = (t, name) => t.replaceAll(name, 'X').replace(/value="[^"]*"|nonce="[^"]*"/g, '');
    assert.equal(strip(none.text, 'nosuchsite'), strip(real.text, 'websa'));
    expectStatus(await k.api('/s/Bad_Name/login'), 404, 'malformed site name');
    const { cookie } = await signIn(k, 'websa', adminA.emailAddress, A.token);
    for (const [p, status] of [
      ['/s/websa/browse/not-a-key', 404], ['/s/websa/browse/WEB-0', 404], ['/s/websa/projects/1AB', 404],
      ['/s/websa/apps/x%3Cy/mod', 404], ['/s/websa/apps/abc/mod?project=lower-case', 404], ['/s/websa/nope', 404],
      [`/s/websa/issues?jql=${'a'.repeat(4001)}`, 400], ['/s/websa/issues?jql=%zz', 400],
    ]) {
      r = await k.api(p, withCookie(cookie));
      expectStatus(r, status, p);
      assert.doesNotMatch(r.text, /kiln-boot/, p);
    }
    r = await k.api('/s/websa/issues?jql=summary~%22%3C/script%3E%3Cscript%3Ealert(1)%22', withCookie(cookie));
    expectStatus(r, 200, 'search shell');
    assert.doesNotMatch(r.text, /<\/script><script>alert/);
    assert.equal(bootOf(r).jql, 'summary~"</script><script>alert(1)"');
    r = await k.api('/s/websa/apps/0f6c1a8e-1111-4222-8333-444455556666/my-page?project=WEB', withCookie(cookie));
    expectStatus(r, 200, 'app page shell');
    const b = bootOf(r);
    assert.deepEqual([b.page, b.appId, b.moduleKey, b.projectKey], ['app', '0f6c1a8e-1111-4222-8333-444455556666', 'my-page', 'WEB']);
  });

  it('logout needs the CSRF token, ends the session everywhere and clears the cookie', async () => {
    const { cookie } = await signIn(k, 'websa', adminA.emailAddress, A.token);
    const csrf = csrfOf(await k.api('/s/websa/', withCookie(cookie)));
    let r = await k.api('/s/websa/logout', { method: 'POST', body: '', ...withCookie(cookie, { 'content-type': 'application/x-www-form-urlencoded' }) });
    expectStatus(r, 403, 'logout without CSRF');
    r = await k.jira(A.cloudId, '/myself', withCookie(cookie));
    expectStatus(r, 200, 'still signed in');
    r = await k.api('/s/websa/logout', { method: 'POST', body: form({ csrf }), ...withCookie(cookie, { 'content-type': 'application/x-www-form-urlencoded' }) });
    expectStatus(r, 302, 'logout');
    assert.equal(r.headers.location, '/s/websa/login');
    assert.match(cookieOf(r, 'kiln_session').raw, /^kiln_session=; .*Max-Age=0/);
    r = await k.jira(A.cloudId, '/myself', withCookie(cookie));
    expectStatus(r, 401, 'the old cookie on the API');
    r = await k.api('/s/websa/', withCookie(cookie));
    expectStatus(r, 302, 'the old cookie on a page');
    assert.match(cookieOf(r, 'kiln_session').raw, /Max-Age=0/, 'a dead cookie is cleared');
    // the host's way: X-Kiln-CSRF header
    const s2 = await signIn(k, 'websa', adminA.emailAddress, A.token);
    const c2 = csrfOf(await k.api('/s/websa/', withCookie(s2.cookie)));
    r = await k.api('/s/websa/logout', { method: 'POST', ...withCookie(s2.cookie, { 'x-kiln-csrf': c2 }) });
    expectStatus(r, 302, 'logout with the header');
    expectStatus(await k.api('/_ui/v1/me', withCookie(s2.cookie)), 401, 'ended');
  });

  it('a sign-out is seen at once on every keep-alive connection (the per-thread session cache)', async () => {
    const { cookie } = await signIn(k, 'websa', adminA.emailAddress, A.token);
    const csrf = csrfOf(await k.api('/s/websa/', withCookie(cookie)));
    // several kept-alive connections (spread over kiln's threads), each warming its
    // thread's cache with the cookie before the sign-out on yet another connection
    const agents = Array.from({ length: 6 }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    const get = (agent) =>
      new Promise((resolve, reject) => {
        const req = http.get(
          { host: '127.0.0.1', port: k.port, agent, path: `/ex/jira/${A.cloudId}/rest/api/3/myself`, headers: { cookie: `kiln_session=${cookie}` } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode, setCookie: res.headers['set-cookie'] || [], socket: req.socket }));
          },
        );
        req.on('error', reject);
      });
    try {
      const sockets = [];
      for (const a of agents) {
        for (let i = 0; i < 3; i++) {
          const r = await get(a);
          assert.equal(r.status, 200, 'signed in on a kept-alive connection');
          if (i === 0) sockets.push(r.socket);
          else assert.equal(r.socket, sockets.at(-1), 'the connection is reused');
        }
      }
      const r = await k.api('/s/websa/logout', { method: 'POST', ...withCookie(cookie, { 'x-kiln-csrf': csrf }) });
      expectStatus(r, 302, 'logout');
      for (const [i, a] of agents.entries()) {
        const after = await get(a);
        assert.equal(after.socket, sockets[i], 'the same connection as before the sign-out');
        assert.equal(after.status, 401, `the old cookie on kept-alive connection ${i}`);
        assert.ok(after.setCookie.some((c) => /^kiln_session=; .*Max-Age=0/.test(c)), `the Jira plane clears the dead cookie: ${after.setCookie}`);
      }
    } finally {
      for (const a of agents) a.destroy();
    }
  });

  it('one-time links: used once, on their own site only, not for inactive or unknown users', async () => {
    const r1 = expectCliOk(await kilnCli(k, ['ui', 'login-url', '--site', 'websa']));
    const url = new URL(r1.stdout.trim());
    assert.equal(url.origin, k.url);
    assert.match(url.pathname, /^\/s\/websa\/login\/link$/);
    assert.match(url.searchParams.get('t'), /^kiln_l_[A-Za-z0-9_-]{43}$/);
    const p = `${url.pathname}${url.search}`;
    // on another site first: refused, and the link is not burnt by it
    let r = await k.api(p.replace('/s/websa/', '/s/websb/'));
    expectStatus(r, 403, "A's link on B");
    assert.equal(cookieOf(r, 'kiln_session'), null);
    r = await k.api(`${p}&next=${encodeURIComponent('/s/websa/admin')}`);
    expectStatus(r, 302, 'the link');
    assert.equal(r.headers.location, '/s/websa/admin');
    const c = cookieOf(r, 'kiln_session').value;
    expectStatus(await k.jira(A.cloudId, '/myself', withCookie(c)), 200, 'signed in by link');
    r = await k.api(p);
    expectStatus(r, 403, 'used twice');
    assert.equal(cookieOf(r, 'kiln_session'), null);
    expectStatus(await k.api('/s/websa/login/link?t=kiln_l_bad'), 403, 'malformed link');
    expectStatus(await k.api('/s/websa/login/link'), 403, 'no t');
    // no link for an inactive user
    const bad = await kilnCli(k, ['ui', 'login-url', '--site', 'websa', '--account', oscar.accountId]);
    assert.equal(bad.code, 1, bad.stderr);
    assert.match(bad.stderr, /Only an active user/);
    assert.equal(bad.stdout, '');
  });

  it('admin API for links: inactive, unknown and other-site users refused; bad bodies 400', async () => {
    let r = await k.admin('/sites/websa/login-links', { method: 'POST', body: { accountId: oscar.accountId } });
    expectStatus(r, 400, 'inactive');
    const adminB = await myself(k, B.cloudId, B.token);
    r = await k.admin('/sites/websa/login-links', { method: 'POST', body: { accountId: adminB.accountId } });
    expectStatus(r, 404, "B's user on A");
    r = await k.admin('/sites/websa/login-links', { method: 'POST', body: { accountId: 7 } });
    expectStatus(r, 400, 'non-string');
    r = await k.admin('/sites/websa/login-links', { method: 'POST', body: { accountId: 'x', extra: 1 } });
    expectStatus(r, 400, 'extra field');
    r = await k.admin('/sites/nosuch/login-links', { method: 'POST', body: {} });
    expectStatus(r, 404, 'unknown site');
    r = await k.api('/admin/v1/sites/websa/login-links', { method: 'POST', body: {} });
    expectStatus(r, 401, 'no admin token');
    r = await k.admin('/sites/websa/login-links', { method: 'POST', body: {} });
    expectStatus(r, 201, 'the admin');
    assert.equal(r.json.accountId, adminA.accountId);
    assert.ok(r.json.expiresAt > Date.now() + 9 * 60 * 1000 && r.json.expiresAt <= Date.now() + 10 * 60 * 1000);
  });

  it('a malformed, oversized or doubled cookie is no session', async () => {
    const { cookie } = await signIn(k, 'websa', adminA.emailAddress, A.token);
    const other = (await signIn(k, 'websa', adminA.emailAddress, A.token)).cookie;
    const cases = [
      ['doubled with different values', `kiln_session=${cookie}; kiln_session=${other}`],
      ['oversized header', `pad=${'x'.repeat(9000)}; kiln_session=${cookie}`],
      ['not a session token', 'kiln_session=kiln_u_' + 'a'.repeat(43)],
      ['unknown session', 'kiln_session=kiln_w_' + 'a'.repeat(43)],
    ];
    for (const [what, hdr] of cases) {
      const r = await k.jira(A.cloudId, '/myself', { headers: { cookie: hdr } });
      expectStatus(r, 401, what);
      const p = await k.api('/s/websa/', { headers: { cookie: hdr } });
      expectStatus(p, 302, `${what} (page)`);
    }
    const ok = await k.jira(A.cloudId, '/myself', { headers: { cookie: `a=b; kiln_session=${cookie}; c=d` } });
    expectStatus(ok, 200, 'among other cookies');
  });

  it('audits sign-ins, refusals and the cookie\'s API calls (detail "session")', async () => {
    const { cookie } = await signIn(k, 'websa', adminA.emailAddress, A.token);
    expectStatus(await k.jira(A.cloudId, '/serverInfo', withCookie(cookie)), 200, 'a call by cookie');
    expectStatus(await k.jira(B.cloudId, '/serverInfo', withCookie(cookie)), 401, "a call on B's cloudId");
    const f = await loginForm(k, 'websa');
    await postLogin(k, 'websa', { email: adminA.emailAddress, token: 'kiln_u_nope', csrf: f.csrf }, { nonce: f.nonce });
    const want = (e) => [
      e.some((x) => x.kind === 'session.create' && x.plane === 'web' && x.actor === adminA.accountId && x.site === 'websa'),
      e.some((x) => x.kind === 'session.deny' && x.plane === 'web' && x.status === 401),
      e.some((x) => x.kind === 'gateway.allow' && x.plane === 'jira' && x.detail === 'session' && /serverInfo/.test(x.path)),
      e.some((x) => x.kind === 'gateway.deny' && x.plane === 'jira' && x.detail === 'session' && x.status === 401 && x.path.includes(B.cloudId)),
    ];
    const end = Date.now() + 5000;
    let events;
    for (;;) {
      const r = await k.admin('/audit?n=1000');
      expectStatus(r, 200, 'audit');
      events = r.json.events;
      if (want(events).every(Boolean) || Date.now() > end) break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.deepEqual(want(events), [true, true, true, true], JSON.stringify(events.slice(-12), null, 1));
  });

  it('throttles sign-in attempts per site and email', async () => {
    const email = 'nobody-throttled@websa.example.com';
    let last;
    for (let i = 0; i < 11; i++) {
      const f = await loginForm(k, 'websa');
      last = await postLogin(k, 'websa', { email, token: 'kiln_u_x', csrf: f.csrf }, { nonce: f.nonce });
      if (i < 10) expectStatus(last, 401, `attempt ${i + 1}`);
    }
    expectStatus(last, 429, 'the 11th attempt in a minute');
    assert.match(last.text, /Too many sign-in attempts/);
    assert.ok(Number(last.headers['retry-after']) >= 1);
  });

  it('assets: listed names only, immutable caching, ETag and 304, HEAD, no traversal', async () => {
    let r = await k.api('/_ui/assets/host.ABC123.js');
    expectStatus(r, 200, 'host.js');
    assert.equal(r.text, 'console.log("host");\n');
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    const etag = r.headers.etag;
    assert.ok(etag);
    r = await k.api('/_ui/assets/host.ABC123.js', { headers: { 'if-none-match': etag } });
    expectStatus(r, 304, 'If-None-Match');
    assert.equal(r.text, '');
    r = await k.api('/_ui/assets/host.DEF456.css', { method: 'HEAD' });
    expectStatus(r, 200, 'HEAD css');
    assert.equal(r.headers['content-type'], 'text/css; charset=utf-8');
    assert.equal(r.text, '');
    r = await k.api('/_ui/assets/chunk.GHI789.js');
    expectStatus(r, 200, 'lazy chunk');
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    for (const p of ['/_ui/assets/unlisted.js', '/_ui/assets/assets.json', '/_ui/assets/host.js', '/_ui/assets/x/host.ABC123.js', '/_ui/assets/nope.css'])
      expectStatus(await k.api(p), 404, p);
    for (const p of ['/_ui/assets/..%2fassets.json', '/_ui/assets/../ui/assets.json', '/_ui/assets/%2e%2e/etc'])
      expectStatus(await k.raw(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), 400, p);
    expectStatus(await k.api('/_ui/assets/host.ABC123.js', { method: 'POST', body: 'x' }), 405, 'POST an asset');
  });
});

describe('web UI session idle limit', () => {
  let k, A;
  before(async () => {
    k = await startKiln({ extraArgs: ['--ui-assets', fixtureAssets(), '--session-idle-seconds', '2'] });
    A = await k.siteWithToken('webidle');
  });
  after(async () => k && k.close());

  it('a session in use stays, one left alone idles out', async () => {
    const me = await myself(k, A.cloudId, A.token);
    const { cookie } = await signIn(k, 'webidle', me.emailAddress, A.token);
    // used every 300 ms for twice the idle limit: its last use keeps being written
    const t0 = Date.now();
    while (Date.now() - t0 < 4000) {
      expectStatus(await k.api('/_ui/v1/me', withCookie(cookie)), 200, `in use after ${Date.now() - t0} ms`);
      await new Promise((ok) => setTimeout(ok, 300));
    }
    // then left alone: each probe is a use too, so the gaps between probes grow until one
    // is longer than the idle limit, and the session is gone
    const t1 = Date.now();
    let r;
    for (let wait = 500; ; wait += 500) {
      await new Promise((ok) => setTimeout(ok, wait));
      r = await k.api('/_ui/v1/me', withCookie(cookie));
      if (r.status !== 200 || Date.now() - t1 > 15000) break;
    }
    expectStatus(r, 401, 'idle too long');
    assert.ok(Date.now() - t1 >= 2000, 'not before the idle limit');
  });
});

describe('web UI session expiry', () => {
  let k, A;
  before(async () => {
    k = await startKiln({ extraArgs: ['--ui-assets', fixtureAssets(), '--session-max-seconds', '2'] });
    A = await k.siteWithToken('webexp');
  });
  after(async () => k && k.close());

  it('a session past its end is no session, and its cookie is cleared', async () => {
    const me = await myself(k, A.cloudId, A.token);
    const { cookie, res } = await signIn(k, 'webexp', me.emailAddress, A.token);
    assert.match(cookieOf(res, 'kiln_session').raw, /Max-Age=2;/);
    expectStatus(await k.jira(A.cloudId, '/myself', withCookie(cookie)), 200, 'live');
    // poll (no fixed sleep) until the two seconds have passed
    const t0 = Date.now();
    let r;
    for (;;) {
      r = await k.jira(A.cloudId, '/myself', withCookie(cookie));
      if (r.status !== 200 || Date.now() - t0 > 10000) break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    expectStatus(r, 401, 'expired on the API');
    assert.ok(Date.now() - t0 >= 1000, 'not before its time');
    const p = await k.api('/s/webexp/', withCookie(cookie));
    expectStatus(p, 302, 'expired on a page');
    assert.match(cookieOf(p, 'kiln_session').raw, /Max-Age=0/);
  });

  it('--session-max-seconds and --session-idle-seconds refuse bad values', async () => {
    for (const args of [['--session-max-seconds', '0'], ['--session-idle-seconds', 'x'], ['--session-idle-seconds', '99999999999']]) {
      const r = await kilnCli(k, ['serve', '--data', k.dataDir, '--listen', '127.0.0.1:0', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /must be between 1 and 31536000/);
    }
  });
});
