// Sign-in and app setup for the site UI's tests (tests/e2e/ui_*.test.mjs, customui,
// bridge_remote; tests/browser/*, through tests/browser/lib/browser.mjs): the real paths,
// as an operator and a user take them.
//
//   const url = await loginUrl(k, site, accountId?)  // `kiln ui login-url` (default: the site's admin)
//   const s = await uiSession(k, site, accountId?)    // that link opened over HTTP:
//                                                     //   {cookie: 'kiln_session=...', csrf, accountId}
//   const appId = await deployApp(k, dir, [site, ...]) // kiln register, deploy, install on each site
//   const key = await firstIssue(k, site, token?)     // the first issue (by key) the token's user sees
//
// What no API shows (test data, audit rows) comes from k.sql() (lib/kiln.mjs), on either store.
import assert from 'node:assert/strict';
import { cliOkJson, describeRes, expectCliOk, expectStatus, kilnCli } from './kiln.mjs';

/** A one-time sign-in link from the CLI, as an operator makes it. */
export async function loginUrl(k, site, accountId) {
  const args = ['ui', 'login-url', '--site', site];
  if (accountId) args.push('--account', accountId);
  const { stdout } = expectCliOk(await kilnCli(k, args));
  const url = stdout.trim().split('\n').pop();
  if (!/^https?:\/\/\S+\/login\/link\?t=\S+$/.test(url)) throw new Error(`kiln ui login-url printed ${JSON.stringify(stdout)}`);
  return url;
}

/**
 * A session of (site, accountId, else the site's admin) made by opening a login link
 * over HTTP: its Cookie header value, the CSRF token of its pages and whose it is.
 */
export async function uiSession(k, site, accountId) {
  const u = new URL(await loginUrl(k, site, accountId));
  const res = await k.api(u.pathname + u.search);
  expectStatus(res, 302, 'the sign-in link');
  const set = [].concat(res.headers['set-cookie'] || []).find((c) => c.startsWith('kiln_session='));
  assert.ok(set, `a session cookie: ${describeRes(res)}`);
  const cookie = set.split(';')[0];
  const page = await k.api(`/s/${site}/`, { headers: { cookie } });
  expectStatus(page, 200, 'the site\'s home page, signed in');
  const csrf = /<meta name="kiln-csrf" content="([^"]+)"/.exec(page.text)?.[1];
  const boot = /<script id="kiln-boot" type="application\/json">([^<]*)<\/script>/.exec(page.text)?.[1];
  assert.ok(csrf && boot, `the shell's CSRF token and boot JSON: ${describeRes(page)}`);
  const who = JSON.parse(boot).accountId;
  if (accountId) assert.equal(who, accountId, 'signed in as the link\'s account');
  return { cookie, csrf, accountId: who };
}

/** The key of the first issue (by key) of site ({cloudId, token}) that token's user can see. */
export async function firstIssue(k, site, token = site.token) {
  const r = await k.api(`/ex/jira/${site.cloudId}/rest/api/3/search?jql=order%20by%20key&maxResults=1&fields=summary`, { token });
  expectStatus(r, 200, 'an issue of the site');
  return r.json.issues[0].key;
}

/**
 * Registers, deploys and installs (scopes confirmed) the app in dir on each of sites
 * (names, or objects with a name); its app id (a UUID).
 */
export async function deployApp(k, dir, sites = []) {
  const { id } = await cliOkJson(k, ['register', dir, '--json']);
  await cliOkJson(k, ['deploy', dir, '--json']);
  for (const s of sites) await cliOkJson(k, ['install', '--site', s.name ?? s, '--confirm-scopes', '--json'], { cwd: dir });
  return id;
}

/**
 * POST body (JSON) to path on kiln's origin as session s ({cookie, csrf}, from uiSession;
 * null: no session) with its CSRF header, plus headers.
 */
export function sessionPost(k, s, path, body, headers = {}) {
  return k.api(path, { method: 'POST', body, headers: { cookie: s?.cookie, 'x-kiln-csrf': s?.csrf, ...headers } });
}
