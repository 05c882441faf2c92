// Users in invocations end to end: `kiln invoke --as ACCOUNT_ID [--extension JSON]` runs a
// resolver for a site user (context.accountId, localId, extension, cloudId, siteUrl,
// moduleKey) through the real @forge/resolver and @forge/api; the app holds read:me, so
// (Forge's simplified user consent) asUser() fails with
// NEEDS_AUTHENTICATION_ERR until the user consents (`kiln consent`), works after, fails
// again after --revoke or uninstall; it acts with the user's own permissions (a user who
// may not browse a project gets Jira's 404, no ADMINISTER gets 403) within the app's
// consented scopes; authorize() answers from the user's permissions; asUser(accountId)
// from a webtrigger follows the manifest's allowImpersonation. Cross-tenant attempts: --as
// with another site's user, the credential aimed at another site's cloudId (the same bytes
// as an unknown cloudId), used after its invocation ended, with a scope the app lacks.
//
// Run: node --test tests/e2e/users.test.mjs   (needs build/kiln, esbuild and the root
// node_modules with @forge/api, @forge/resolver, @forge/kvs)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, expectStatus, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson,
  expectCliFailure, cliJson, httpRequest,
} from './lib/kiln.mjs';

const NODE_MODULES = path.join(ROOT, 'node_modules');

// scopes in the map form: read:jira-user may be used as any user without that user present
const MANIFEST = `modules:
  jira:issuePanel:
    - key: user-panel
      resource: main
      resolver:
        function: resolver
      title: User panel
      icon: https://example.com/icon.svg
  webtrigger:
    - key: imp
      function: imp-fn
      response:
        type: dynamic
    - key: trig-state
      function: trig-state-fn
      response:
        type: dynamic
  trigger:
    - key: on-install
      function: trig-fn
      events:
        - avi:forge:installed:app
  function:
    - key: resolver
      handler: index.handler
    - key: plain
      handler: index.plain
    - key: imp-fn
      handler: index.imp
    - key: trig-fn
      handler: index.trig
    - key: trig-state-fn
      handler: index.trigState
resources:
  - key: main
    path: static
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    read:jira-user:
      allowImpersonation: true
    read:jira-work: {}
    write:jira-work: {}
    storage:app: {}
    read:me: {}
`;

const SRC = `import Resolver from '@forge/resolver';
import api, { asUser, authorize, route, assumeTrustedRoute } from '@forge/api';
import { kvs } from '@forge/kvs';

const call = async (fn) => {
  try {
    const r = await fn();
    const text = await r.text();
    let body = null;
    try { body = JSON.parse(text); } catch {}
    return { status: r.status, body, text, category: r.headers.get('x-failure-category') };
  } catch (e) {
    return { error: e.name, message: e.message };
  }
};
const resolver = new Resolver();
resolver.define('whoami', async ({ context }) => ({
  context: { accountId: context.accountId, localId: context.localId, extension: context.extension,
             cloudId: context.cloudId, siteUrl: context.siteUrl, moduleKey: context.moduleKey,
             installContext: context.installContext, accountType: context.accountType, timezone: context.timezone,
             locale: context.locale },
  myself: await call(() => asUser().requestJira(route\`/rest/api/3/myself\`)),
}));
resolver.define('get', async ({ payload }) => call(() => asUser().requestJira(assumeTrustedRoute(payload.path))));
resolver.define('post', async ({ payload }) => call(() => asUser().requestJira(assumeTrustedRoute(payload.path),
  { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload.body) })));
resolver.define('asOther', async ({ payload }) => call(() => asUser(payload.accountId).requestJira(route\`/rest/api/3/myself\`)));
resolver.define('authorize', async ({ payload }) => {
  const a = authorize();
  return {
    create: await a.onJiraProject(payload.projectId).canCreateIssues(),
    edit: await a.onJiraIssue(payload.issueId).canEdit(),
    raw: await a.onJira([{ permissions: ['BROWSE_PROJECTS', 'CREATE_ISSUES'], projects: [payload.projectId] }]),
  };
});
resolver.define('token', () => ({ token: global.__forge_runtime__.proxy.token, url: global.__forge_runtime__.proxy.url }));
export const handler = resolver.getDefinitions();

export async function plain(payload, context) {
  return { accountId: context.accountId ?? null, principal: context.principal ?? null, localId: context.localId ?? null,
           extension: context.extension ?? null, myself: await call(() => asUser().requestJira(route\`/rest/api/3/myself\`)) };
}

// a lifecycle trigger: no user present; it acts as the installer, and (refused) as no one
export async function trig(event) {
  const as = await call(() => asUser(event.installerAccountId).requestJira(route\`/rest/api/3/myself\`));
  const none = await call(() => asUser().requestJira(route\`/rest/api/3/myself\`));
  await kvs.set('trig', { installer: event.installerAccountId, as: as.body?.accountId ?? as.error, none: none.error ?? none.status });
}
export async function trigState() {
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify((await kvs.get('trig')) ?? null) };
}

export async function imp(req) {
  const q = req.queryParameters || {};
  const who = q.as ? q.as[0] : undefined;
  const what = q.what ? q.what[0] : 'myself';
  const r = what === 'projects'
    ? await call(() => asUser(who).requestJira(route\`/rest/api/3/project/search\`))
    : await call(() => asUser(who).requestJira(route\`/rest/api/3/myself\`));
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(r) };
}
`;

describe('users in invocations: kiln invoke --as, kiln consent, asUser, authorize', () => {
  let k, A, B, dir, ADMIN, MIA, RAVI, LENA, BUSER, PROJ, issues;
  const tag = randomBytes(3).toString('hex');
  const inv = (args, opts = {}) => kiln(k, ['invoke', ...args], { cwd: dir, ...opts });
  const resolve = async (site, as, name, payload = {}, extra = []) =>
    cliJson(ok(await inv(['resolver', '--site', site, '--as', as, '--call', name, '--payload', JSON.stringify(payload), ...extra])));
  const consent = (site, account, more = []) => kiln(k, ['consent', '--site', site, '--account', account, ...more], { cwd: dir });

  before(async () => {
    k = await startKiln();
    A = await k.siteWithToken(`usr-a-${tag}`, true);
    B = await k.siteWithToken(`usr-b-${tag}`, true);
    const users = async (s) => (await k.jira(s.cloudId, '/users/search?maxResults=50', { token: s.token })).json;
    const ua = await users(A);
    const byMail = (list, who) => list.find((u) => u.emailAddress?.startsWith(`${who}@`)).accountId;
    ADMIN = A.accountId;
    MIA = byMail(ua, 'mia');
    RAVI = byMail(ua, 'ravi');
    LENA = byMail(ua, 'lena');
    BUSER = byMail(await users(B), 'mia');
    const ps = (await k.jira(A.cloudId, '/project/search?maxResults=50', { token: A.token })).json.values;
    PROJ = { WEB: ps.find((p) => p.key.startsWith('WEB')), HELP: ps.find((p) => p.key.startsWith('HELP')) };
    issues = {};
    for (const key of ['WEB', 'HELP']) {
      const r = await k.jira(A.cloudId, `/issue/${PROJ[key].key}-1`, { token: A.token });
      expectStatus(r, 200);
      issues[key] = r.json;
    }
    dir = path.join(tempDir('usrapp'), 'user-app');
    writeFiles(dir, { 'manifest.yml': MANIFEST, 'src/index.js': SRC, 'static/index.html': '<p>user</p>' });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    for (const s of [A, B]) await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
  });

  after(async () => {
    await k?.close();
  });

  it('--as gives the resolver the user\'s context; asUser() needs the user\'s consent, works after it, fails after --revoke', async () => {
    const ext = JSON.stringify({ issue: { key: `${PROJ.WEB.key}-1` } });
    let v = await resolve(A.name, MIA, 'whoami', {}, ['--extension', ext]);
    assert.equal(v.context.accountId, MIA);
    assert.equal(v.context.cloudId, A.cloudId);
    assert.equal(v.context.moduleKey, 'user-panel');
    assert.equal(v.context.siteUrl, `${k.url}/ex/jira/${A.cloudId}`);
    assert.match(v.context.localId, /^ari-cloud-ecosystem--extension-[0-9a-f-]{36}-[0-9a-f-]{36}-static-user-panel$/);
    assert.equal(v.context.installContext, `ari:cloud:jira::site/${A.cloudId}`);
    assert.equal(v.context.accountType, 'licensed');
    assert.equal(v.context.timezone, 'Australia/Sydney', 'Mia\'s own time zone');
    assert.equal(v.context.locale, 'en_US');
    assert.deepEqual(v.context.extension, {
      type: 'jira:issuePanel',
      issue: { id: issues.WEB.id, key: `${PROJ.WEB.key}-1`, typeId: issues.WEB.fields.issuetype.id },
      project: { id: PROJ.WEB.id, key: PROJ.WEB.key, type: PROJ.WEB.projectTypeKey },
    });
    assert.deepEqual(v.myself, { error: 'NEEDS_AUTHENTICATION_ERR', message: 'Authentication Required' }, 'no consent yet');
    // localId is stable per module instance: the same for another user and another call
    assert.equal((await resolve(A.name, LENA, 'whoami')).context.localId, v.context.localId);

    const c = await okJson(k, ['consent', '--site', A.name, '--account', MIA, '--json'], { cwd: dir });
    assert.equal(c.consented, true);
    v = await resolve(A.name, MIA, 'whoami');
    assert.equal(v.myself.status, 200, JSON.stringify(v.myself));
    assert.equal(v.myself.body.accountId, MIA, '/myself answers the acting user');
    // consent is per user: Lena has not consented
    assert.equal((await resolve(A.name, LENA, 'whoami')).myself.error, 'NEEDS_AUTHENTICATION_ERR');
    // a plain function for the user: context.accountId and principal, asUser() as the user
    const p = cliJson(ok(await inv(['plain', '--site', A.name, '--as', MIA])));
    assert.equal(p.accountId, MIA);
    assert.deepEqual(p.principal, { accountId: MIA });
    assert.equal(p.myself.body.accountId, MIA);
    // without --as: no user, as before
    const none = cliJson(ok(await inv(['plain', '--site', A.name])));
    assert.equal(none.accountId, null);
    assert.equal(none.myself.error, 'NEEDS_AUTHENTICATION_ERR');

    ok(await consent(A.name, MIA, ['--revoke']));
    assert.equal((await resolve(A.name, MIA, 'whoami')).myself.error, 'NEEDS_AUTHENTICATION_ERR', 'revoked');
    expectCliFailure(await consent(A.name, MIA, ['--revoke']), /has not consented/, 1);
    // consent and revocation are audited
    const audit = ok(await kiln(k, ['audit', '--site', A.name, '--json', '-n', '500'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const kinds = audit.map((e) => e.kind);
    assert.ok(kinds.includes('user.consent') && kinds.includes('user.consent.revoke'), JSON.stringify(kinds));
    // a call made asUser is recorded with the user as its actor, the app's bot otherwise
    const mine = audit.filter((e) => e.plane === 'proxy' && e.path.endsWith('/rest/api/3/myself'));
    assert.ok(mine.some((e) => e.kind === 'gateway.allow' && e.actor === MIA && e.invocationId), JSON.stringify(mine));
  });

  it('asUser() acts with the user\'s own permissions: 404 where it may not browse, 403 for admin work, Jira\'s 400 for create', async () => {
    for (const u of [LENA, RAVI, ADMIN]) ok(await consent(A.name, u));
    // Lena browses only the help desk
    const lenaWeb = await resolve(A.name, LENA, 'get', { path: `/rest/api/3/issue/${PROJ.WEB.key}-1` });
    assert.equal(lenaWeb.status, 404, JSON.stringify(lenaWeb));
    assert.match(lenaWeb.text, /Issue does not exist or you do not have permission to see it/);
    assert.equal((await resolve(A.name, LENA, 'get', { path: `/rest/api/3/issue/${PROJ.HELP.key}-1` })).status, 200);
    assert.equal((await resolve(A.name, LENA, 'get', { path: `/rest/api/3/project/${PROJ.WEB.key}` })).status, 404);
    const seen = (await resolve(A.name, LENA, 'get', { path: '/rest/api/3/project/search' })).body;
    assert.deepEqual(seen.values.map((p) => p.key), [PROJ.HELP.key]);
    assert.equal(seen.total, 1);
    // she may see the help desk but not create there; Ravi may create on the website only
    const create = (as, project) => resolve(A.name, as, 'post', { path: '/rest/api/3/issue', body: { fields: { project: { key: project }, summary: 's', issuetype: { id: '10001' } } } });
    const lc = await create(LENA, PROJ.HELP.key);
    assert.equal(lc.status, 400);
    assert.match(lc.body.errors.project, /permission to create issues/);
    assert.equal((await create(RAVI, PROJ.HELP.key)).body.errors.project, 'Specify a valid project ID or key', 'one it cannot see does not exist');
    assert.equal((await create(RAVI, PROJ.WEB.key)).status, 201);
    // the same user through a user API token at /ex/jira: the same permissions
    const lt = (await k.userToken(A.name, LENA)).token;
    expectStatus(await k.jira(A.cloudId, `/issue/${PROJ.WEB.key}-1`, { token: lt }), 404);
    expectStatus(await k.jira(A.cloudId, '/project', { token: lt, method: 'POST', body: { key: 'LNX', name: 'x', projectTypeKey: 'software', leadAccountId: LENA } }), 403);
    expectStatus(await k.jira(A.cloudId, '/project', { token: A.token, method: 'POST', body: { key: `AD${tag.toUpperCase().replace(/[^A-Z]/g, 'Q')}`.slice(0, 8), name: 'x', projectTypeKey: 'software', leadAccountId: ADMIN } }), 201);
    // the app's scopes still bound the user: no manage:jira-configuration, so not even the admin creates a project through the app
    const adminCreate = await resolve(A.name, ADMIN, 'post', { path: '/rest/api/3/project', body: { key: 'NOPE', name: 'n', projectTypeKey: 'software', leadAccountId: ADMIN } });
    assert.equal(adminCreate.status, 403, JSON.stringify(adminCreate));
    assert.match(adminCreate.text, /does not have the scopes/);
  });

  it('authorize() answers from the user\'s permissions (POST /rest/api/3/permissions/check)', async () => {
    ok(await consent(A.name, MIA));
    const pid = PROJ.HELP.id, iid = issues.HELP.id;
    const lena = await resolve(A.name, LENA, 'authorize', { projectId: pid, issueId: iid });
    assert.equal(lena.create, false);
    assert.equal(lena.edit, false);
    assert.deepEqual(lena.raw.find((x) => x.permission === 'BROWSE_PROJECTS').projects.map(String), [String(pid)]);
    assert.deepEqual(lena.raw.find((x) => x.permission === 'CREATE_ISSUES').projects, []);
    const mia = await resolve(A.name, MIA, 'authorize', { projectId: pid, issueId: iid });
    assert.equal(mia.create, true);
    assert.equal(mia.edit, true);
    // the endpoint itself: a user may not check others without ADMINISTER; unknown keys are 400
    const lt = (await k.userToken(A.name, LENA)).token;
    const chk = (token, body) => k.jira(A.cloudId, '/permissions/check', { token, method: 'POST', body });
    expectStatus(await chk(lt, { accountId: MIA, globalPermissions: ['ADMINISTER'] }), 403);
    const mine = await chk(lt, { globalPermissions: ['ADMINISTER'], projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], projects: [Number(pid), Number(PROJ.WEB.id), 99999999] }] });
    expectStatus(mine, 200);
    assert.deepEqual(mine.json, { globalPermissions: [], projectPermissions: [{ permission: 'BROWSE_PROJECTS', issues: [], projects: [Number(pid)] }] });
    const adm = await chk(A.token, { accountId: LENA, globalPermissions: ['ADMINISTER'] });
    expectStatus(adm, 200);
    assert.deepEqual(adm.json.globalPermissions, []);
    assert.deepEqual((await chk(A.token, { globalPermissions: ['ADMINISTER'] })).json.globalPermissions, ['ADMINISTER']);
    expectStatus(await chk(A.token, { globalPermissions: ['NOT_A_PERMISSION'] }), 400);
    expectStatus(await chk(A.token, { projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], projects: Array(1001).fill(1) }] }), 400);
    // the work is bounded as a whole, not only per list (64 items x 64 permissions x 2000 ids
    // would be 8 million lookups): at most 20000 (permission, id) checks a request
    const every = ['BROWSE_PROJECTS', 'CREATE_ISSUES', 'EDIT_ISSUES', 'ASSIGN_ISSUES', 'ASSIGNABLE_USER', 'TRANSITION_ISSUES',
      'MOVE_ISSUES', 'DELETE_ISSUES', 'ADD_COMMENTS', 'EDIT_ALL_COMMENTS', 'DELETE_ALL_COMMENTS', 'CREATE_ATTACHMENTS',
      'DELETE_ALL_ATTACHMENTS', 'ADMINISTER_PROJECTS'];
    const item = { permissions: every, projects: Array(1000).fill(Number(pid)) };
    const under = await chk(A.token, { projectPermissions: [item] }); // 14000 checks
    expectStatus(under, 200);
    assert.equal(under.json.projectPermissions.length, every.length);
    assert.equal(under.json.projectPermissions[0].projects.length, 1000);
    const over = await chk(A.token, { projectPermissions: [item, item] }); // 28000
    expectStatus(over, 400);
    assert.match(over.text, /20000/);
  });

  it('cross-tenant: another site\'s user, another site\'s cloudId, a dead credential, an impersonation the module may not do', async () => {
    // --as with a user of site B on site A: the same answer as a user that exists nowhere
    const other = expectCliFailure(await inv(['plain', '--site', A.name, '--as', BUSER]), /No such user on this site/, 1);
    const nobody = expectCliFailure(await inv(['plain', '--site', A.name, '--as', 'no-such-account']), /No such user on this site/, 1);
    assert.equal(other, nobody);
    assert.doesNotMatch(other, new RegExp(B.name));
    // B's user consenting on A: refused the same way
    expectCliFailure(await consent(A.name, BUSER), /No such user on this site/, 1);
    // the user's credential aimed at site B: 401 scope check, byte-identical to an unknown cloudId
    ok(await consent(A.name, MIA));
    const atB = await resolve(A.name, MIA, 'get', { path: `/ex/jira/${B.cloudId}/rest/api/3/myself` });
    const atNone = await resolve(A.name, MIA, 'get', { path: '/ex/jira/00000000-0000-4000-8000-000000000000/rest/api/3/myself' });
    assert.equal(atB.status, 401);
    assert.equal(atB.category, 'FAILURE_CLIENT_SCOPE_CHECK');
    assert.equal(atB.text, atNone.text);
    assert.doesNotMatch(atB.text, new RegExp(B.cloudId));
    // an invocation for Mia cannot act as another user, of this site or another
    for (const who of [LENA, BUSER]) assert.equal((await resolve(A.name, MIA, 'asOther', { accountId: who })).error, 'NEEDS_AUTHENTICATION_ERR');
    // the credential after its invocation ended: dead
    const t = await resolve(A.name, MIA, 'token');
    const u = new URL(t.url);
    const late = await httpRequest(k.port, `${u.pathname}/fpp/rest/api/3/myself`, { token: t.token, headers: { 'x-forge-provider': 'user' } });
    expectStatus(late, 401);
    assert.equal(late.headers['x-failure-category'], 'FAILURE_CLIENT_AUTH');
    // site B's Mia has not consented on B: Mia's consent on A opens nothing on B
    const bv = await resolve(B.name, BUSER, 'whoami');
    assert.equal(bv.myself.error, 'NEEDS_AUTHENTICATION_ERR');
    // a consent for an app not installed on the site
    ok(await kiln(k, ['uninstall', '--site', B.name], { cwd: dir }));
    expectCliFailure(await consent(B.name, BUSER), /not installed on this site/, 1);
    // bad input
    expectCliFailure(await consent(A.name, 'bad/../id'), /account id/, 1);
    expectCliFailure(await consent(A.name, 'x'.repeat(200)), /account id/, 1);
    expectCliFailure(await inv(['plain', '--site', A.name, '--extension', '{}']), /give --as/, 2);
    expectCliFailure(await inv(['resolver', '--site', A.name, '--as', MIA, '--call', 'whoami', '--extension', '[1]']), /JSON object/, 1);
    expectCliFailure(await inv(['resolver', '--site', A.name, '--as', MIA, '--call', 'whoami', '--extension', '{"type":"x"}']), /extension.type/, 1);
    expectCliFailure(await inv(['resolver', '--site', A.name, '--as', MIA, '--call', 'whoami', '--extension', JSON.stringify({ a: 'x'.repeat(5000) })]), /at most/, 1);
    expectCliFailure(await inv(['resolver', '--site', A.name, '--as', LENA, '--call', 'whoami', '--extension', JSON.stringify({ issue: { key: `${PROJ.WEB.key}-1` } })]), /cannot see it/, 1);
    expectCliFailure(await inv(['resolver', '--site', A.name, '--as', MIA, '--call', 'whoami', '--extension', JSON.stringify({ project: { key: 'NOSUCH' } })]), /No such project/, 1);
  });

  it('asUser(accountId) from a webtrigger: only within scopes declared allowImpersonation, only users of its site', async () => {
    const url = new URL((await okJson(k, ['webtrigger', 'imp', '--site', A.name, '--json'], { cwd: dir })).url);
    const hit = async (q) => (await k.api(`${url.pathname}?${q}`)).json;
    const me = await hit(`as=${LENA}`);
    assert.equal(me.status, 200, JSON.stringify(me));
    assert.equal(me.body.accountId, LENA, 'read:jira-user allows impersonation; no consent needed: the site admin consented at install');
    // read:jira-work is consented but not declared for impersonation
    const ps = await hit(`as=${LENA}&what=projects`);
    assert.equal(ps.status, 403, JSON.stringify(ps));
    // another site's user, no user at all
    assert.equal((await hit(`as=${BUSER}`)).error, 'NEEDS_AUTHENTICATION_ERR');
    assert.equal((await hit('')).error, 'NEEDS_AUTHENTICATION_ERR');
  });

  it('asUser(accountId) from a lifecycle trigger acts as the installer within the impersonation scopes', async () => {
    const url = new URL((await okJson(k, ['webtrigger', 'trig-state', '--site', A.name, '--json'], { cwd: dir })).url);
    let got = null;
    for (let i = 0; i < 100 && !got; i++) {
      got = (await k.api(url.pathname)).json;
      if (!got) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(got, { installer: ADMIN, as: ADMIN, none: 'NEEDS_AUTHENTICATION_ERR' });
  });

  it('uninstalling drops the users\' consents', async () => {
    ok(await consent(A.name, MIA));
    assert.equal((await resolve(A.name, MIA, 'whoami')).myself.status, 200);
    ok(await kiln(k, ['uninstall', '--site', A.name], { cwd: dir }));
    await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir });
    assert.equal((await resolve(A.name, MIA, 'whoami')).myself.error, 'NEEDS_AUTHENTICATION_ERR');
  });
});
