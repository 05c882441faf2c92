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
// (No app client: an app system token needs a remote that receives lifecycle events, as
// remote.test.mjs builds one; this lib has no such helper yet.)
//
// Errors come back as jira.js raises them: an HttpException whose `status` is the HTTP
// status and whose `response.data` is kiln's body (httpError() reads both).
import { AgileClient, Version2Client, Version3Client } from 'jira.js';
import { expectStatus } from './kiln.mjs';

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
