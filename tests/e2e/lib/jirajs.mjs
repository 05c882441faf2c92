// The jira.js npm client (github.com/MrRefactoring/jira.js, 5.x: the last major with
// Version2Client, Version3Client and AgileClient; 6.x needs Node 22 and has no v2 client)
// pointed at a kiln test site, so e2e tests drive kiln with a real Jira client no one here
// wrote (docs/testing.md).
//
//   const c = await jiraClients(k, site)     // k: startKiln(); site: k.siteWithToken(...)
//   await c.v3.myself.getCurrentUser()
//   c.v2, c.v3, c.agile                       authenticated as the site user of site.token,
//                                             Basic email:token as Jira Cloud wants it
//   c.host                                    `${k.url}/ex/jira/${cloudId}`
//   c.asApp(token)                            the same three as an app: its system token
//                                             (Bearer kiln_s_...), limited to the scopes
//                                             the site consented to
//
//   const app = await appSystemToken(k, site, ['read:jira-work'])
//       deploys and installs on `site` a minimal app with a Forge remote, whose installed
//       event brings the app system token (docs/remote.md): {token, botAccountId, close()}.
//
// Errors come back as jira.js raises them: an HttpException whose `status` is the HTTP
// status and whose `response.data` is kiln's body (httpError() reads both).
import http from 'node:http';
import path from 'node:path';
import { AgileClient, Version2Client, Version3Client } from 'jira.js';
import { expectStatus, tempDir, writeFiles, cliOkJson, sleep } from './kiln.mjs';

/** The three clients for one authentication config. */
function clients(host, authentication) {
  const config = { host, authentication, noCheckAtlassianToken: true };
  return { v2: new Version2Client(config), v3: new Version3Client(config), agile: new AgileClient(config) };
}

/**
 * Clients for `site` ({cloudId, token} as k.siteWithToken or k.userToken give them, with
 * the site's cloudId): the user's email comes from kiln's own /myself with the token.
 */
export async function jiraClients(k, site) {
  if (!site?.cloudId || !site?.token) throw new Error('jiraClients: need {cloudId, token}');
  const me = await k.jira(site.cloudId, '/myself', { token: site.token });
  expectStatus(me, 200, 'myself for the jira.js client');
  const host = `${k.url}/ex/jira/${site.cloudId}`;
  return {
    host,
    email: me.json.emailAddress,
    accountId: me.json.accountId,
    ...clients(host, { basic: { email: me.json.emailAddress, apiToken: site.token } }),
    asApp: (token) => clients(host, { oauth2: { accessToken: token } }),
  };
}

/** {status, body} of what a jira.js call threw; fails when it was no HTTP error. */
export function httpError(err) {
  const status = err?.response?.status ?? err?.status;
  if (typeof status !== 'number') throw new Error(`not an HTTP error from jira.js: ${err?.stack ?? err}`);
  return { status, body: err.response?.data };
}

/** Runs a jira.js call that must fail, returning httpError() of it. */
export async function rejects(promise, what = 'call') {
  try {
    const v = await promise;
    throw new Error(`${what}: expected an HTTP error, got ${JSON.stringify(v)?.slice(0, 500)}`);
  } catch (err) {
    if (err?.message?.startsWith(`${what}: expected an HTTP error`)) throw err;
    return httpError(err);
  }
}

/**
 * An app system token for `site` ({name}): a fresh app with one remote and the given
 * scopes (plus read:app-system-token) is registered, deployed and installed; kiln sends
 * its installed event, with the token in x-forge-oauth-system, to a loopback server here.
 */
export async function appSystemToken(k, site, scopes) {
  const tokens = [];
  const srv = http.createServer((req, res) => {
    if (req.headers['x-forge-oauth-system']) tokens.push(req.headers['x-forge-oauth-system']);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const close = () => new Promise((r) => srv.close(r));
  try {
    const dir = path.join(tempDir('jirajs-app'), 'app');
    const all = ['read:app-system-token', ...scopes.filter((s) => s !== 'read:app-system-token')];
    writeFiles(dir, {
      'manifest.yml': `modules:
  trigger:
    - key: installed
      endpoint: events
      events:
        - avi:forge:installed:app
  endpoint:
    - key: events
      remote: backend
      route:
        path: /events
      auth:
        appSystemToken:
          enabled: true
remotes:
  - key: backend
    baseUrl: http://127.0.0.1:${srv.address().port}
    operations:
      - compute
    auth:
      appSystemToken:
        enabled: true
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
${all.map((s) => `    - ${s}\n`).join('')}`,
    });
    await cliOkJson(k, ['register', dir, '--json']);
    await cliOkJson(k, ['deploy', dir, '--json']);
    const inst = await cliOkJson(k, ['install', '--site', site.name, '--confirm-scopes', '--json'], { cwd: dir });
    for (let i = 0; i < 200 && !tokens.length; i++) await sleep(50);
    if (!tokens.length) throw new Error('appSystemToken: no installed event with a system token within 10 s');
    return { token: tokens[0], botAccountId: inst.botAccountId, close };
  } catch (err) {
    await close();
    throw err;
  }
}
