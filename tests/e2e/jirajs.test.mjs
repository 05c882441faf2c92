// The jira.js npm client (tests/e2e/lib/jirajs.mjs) drives kiln's product API: a real Jira
// client that no one here wrote, with its own URLs, query serialisation, headers and error
// handling. Each operation kiln serves is called through Version3Client, and through
// Version2Client where the route table has its /rest/api/2 twin (read from src/product as
// tools/gen-spec.mjs reads it, so v2 is driven as soon as a V23 route exists); every
// success body also validates against the Jira schema. Errors surface as jira.js raises
// them: a missing issue is Jira's 404, a path kiln has no route for is its 404, another
// site's host with this site's credential is the gateway's 401.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startKiln, ROOT, randomKey, SCOPE_BODY } from './lib/kiln.mjs';
import { Version3Client } from 'jira.js';
import { jiraClients, rejects, appSystemToken } from './lib/jirajs.mjs';
import { loadSpec, formatErrors } from './lib/schemas.mjs';
import { readRoutes } from '../../tools/spec-model.mjs';

const ROUTES = new Set(readRoutes(path.join(ROOT, 'src', 'product')).map((r) => `${r.method} ${r.path}`));

/** The REST versions the route table serves `METHOD /rest/api/N<rel>` in; v3 must be one. */
function versions(method, rel) {
  const v = [2, 3].filter((n) => ROUTES.has(`${method} /rest/api/${n}${rel}`));
  assert.ok(v.includes(3), `the route table has no ${method} /rest/api/3${rel}: this test drives it`);
  return v;
}

let k, S, A, B, c, cB;
const api = (n) => (n === 2 ? c.v2 : c.v3);

/** The body validates against the operation's Jira schema. */
function valid(op, status, body) {
  const v = S.forOperation(op, status);
  if (!v(body)) assert.fail(`${op} -> ${status} via jira.js does not match the Jira schema\n${formatErrors(v, body)}`);
}

before(async () => {
  S = loadSpec();
  k = await startKiln();
  A = await k.siteWithToken('jirajs-a', true);
  B = await k.siteWithToken('jirajs-b', true);
  c = await jiraClients(k, A);
  cB = await jiraClients(k, B);
});

after(async () => {
  await k?.close();
});

describe('jira.js drives kiln', () => {
  it('myself: the token\'s own user', async () => {
    for (const n of versions('GET', '/myself')) {
      const me = await api(n).myself.getCurrentUser();
      assert.equal(me.accountId, A.accountId, `v${n}`);
      assert.equal(me.emailAddress, c.email, `v${n}`);
      assert.equal(me.accountType, 'atlassian', `v${n}`);
      valid(`GET /rest/api/${n}/myself`, 200, me);
    }
  });

  it('serverInfo', async () => {
    for (const n of versions('GET', '/serverInfo')) {
      const info = await api(n).serverInfo.getServerInfo();
      assert.equal(info.deploymentType, 'Cloud', `v${n}: ${JSON.stringify(info)}`);
      assert.equal(info.baseUrl, c.host, `v${n}`);
      valid(`GET /rest/api/${n}/serverInfo`, 200, info);
    }
  });

  it('projects: create, get, search', async () => {
    for (const n of versions('POST', '/project')) {
      const key = randomKey('J', 6);
      const made = await api(n).projects.createProject({ key, name: `jira.js ${key}`, projectTypeKey: 'software', leadAccountId: A.accountId });
      assert.equal(made.key, key);
      assert.equal(typeof made.id, 'number');
      valid(`POST /rest/api/${n}/project`, 201, made);
      assert.ok(versions('GET', '/project/{projectIdOrKey}').includes(n));
      const got = await api(n).projects.getProject({ projectIdOrKey: key });
      assert.equal(got.key, key);
      assert.equal(got.id, String(made.id));
      assert.equal(got.name, `jira.js ${key}`);
      assert.equal(got.lead?.accountId, A.accountId);
      valid(`GET /rest/api/${n}/project/{projectIdOrKey}`, 200, got);
      const byId = await api(n).projects.getProject({ projectIdOrKey: String(made.id) });
      assert.equal(byId.key, key);
      assert.ok(versions('GET', '/project/search').includes(n));
      const page = await api(n).projects.searchProjects({ query: key, maxResults: 10 });
      assert.deepEqual(page.values.map((p) => p.key), [key], JSON.stringify(page));
      assert.equal(page.total, 1);
      valid(`GET /rest/api/${n}/project/search`, 200, page);
      // the other site's client never sees it
      const other = await cB.v3.projects.searchProjects({ query: key });
      assert.deepEqual(other.values, [], 'site B lists no project of site A');
      assert.equal((await rejects(cB.v3.projects.getProject({ projectIdOrKey: key }), 'B gets A\'s project')).status, 404);
    }
  });

  it('users: search and get', async () => {
    for (const n of versions('GET', '/users/search')) {
      const users = await api(n).users.getAllUsers({ maxResults: 1000 });
      assert.ok(Array.isArray(users) && users.length > 1, JSON.stringify(users).slice(0, 300));
      assert.ok(users.some((u) => u.accountId === A.accountId));
      const mineB = await cB.v3.myself.getCurrentUser();
      assert.ok(!users.some((u) => u.accountId === mineB.accountId), 'no user of site B among site A\'s');
      valid(`GET /rest/api/${n}/users/search`, 200, users);
      const other = users.find((u) => u.accountId !== A.accountId && u.accountType === 'atlassian');
      assert.ok(versions('GET', '/user').includes(n));
      const u = await api(n).users.getUser({ accountId: other.accountId });
      assert.equal(u.accountId, other.accountId);
      assert.equal(u.displayName, other.displayName);
      valid(`GET /rest/api/${n}/user`, 200, u);
      const missing = await rejects(api(n).users.getUser({ accountId: mineB.accountId }), 'B\'s user on A');
      assert.equal(missing.status, 404, JSON.stringify(missing.body));
    }
  });

  it('issues: create and get', async () => {
    const key = randomKey('I', 6);
    await c.v3.projects.createProject({ key, name: 'issues', projectTypeKey: 'software', leadAccountId: A.accountId });
    const type = (await c.v3.projects.getProject({ projectIdOrKey: key })).issueTypes[0];
    for (const n of versions('POST', '/issue')) {
      const made = await api(n).issues.createIssue({ fields: { project: { key }, summary: `made by jira.js v${n}`, issuetype: { id: type.id } } });
      assert.match(made.key, new RegExp(`^${key}-\\d+$`));
      valid(`POST /rest/api/${n}/issue`, 201, made);
      assert.ok(versions('GET', '/issue/{issueIdOrKey}').includes(n));
      const got = await api(n).issues.getIssue({ issueIdOrKey: made.key });
      assert.equal(got.id, made.id);
      assert.equal(got.key, made.key);
      assert.equal(got.fields.summary, `made by jira.js v${n}`);
      assert.equal(got.fields.project.key, key);
      assert.equal(got.fields.issuetype.id, type.id);
      assert.equal(got.fields.reporter.accountId, A.accountId);
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}`, 200, got);
      // jira.js's v3 client turns a plain-string description into ADF for the caller
      if (n === 3) {
        const d = await c.v3.issues.createIssue({ fields: { project: { key }, summary: 'with text', issuetype: { id: type.id }, description: 'plain words' } });
        const dg = await c.v3.issues.getIssue({ issueIdOrKey: d.key, fields: ['description'] });
        assert.equal(dg.fields.description?.type, 'doc', JSON.stringify(dg.fields.description));
        assert.equal(dg.fields.description.content[0].content[0].text, 'plain words');
      }
      const gone = await rejects(cB.v3.issues.getIssue({ issueIdOrKey: made.key }), 'B gets A\'s issue');
      assert.equal(gone.status, 404);
    }
  });

  it('permissions/check', async () => {
    const key = randomKey('P', 6);
    const p = await c.v3.projects.createProject({ key, name: 'perm', projectTypeKey: 'software', leadAccountId: A.accountId });
    for (const n of versions('POST', '/permissions/check')) {
      const r = await api(n).permissions.getBulkPermissions({
        globalPermissions: ['ADMINISTER'],
        projectPermissions: [{ permissions: ['BROWSE_PROJECTS', 'CREATE_ISSUES'], projects: [p.id] }],
      });
      assert.deepEqual(r.globalPermissions, ['ADMINISTER'], JSON.stringify(r));
      const perms = Object.fromEntries(r.projectPermissions.map((x) => [x.permission, x.projects]));
      assert.deepEqual(perms, { BROWSE_PROJECTS: [p.id], CREATE_ISSUES: [p.id] }, JSON.stringify(r));
      valid(`POST /rest/api/${n}/permissions/check`, 200, r);
      const bad = await rejects(api(n).permissions.getBulkPermissions({ globalPermissions: ['NO_SUCH_PERMISSION'] }), 'unknown permission');
      assert.equal(bad.status, 400, JSON.stringify(bad.body));
    }
  });
});

describe('jira.js as an app (its system token)', () => {
  let app, own;
  before(async () => {
    app = await appSystemToken(k, A, ['read:jira-work', 'read:jira-user']);
    own = c.asApp(app.token);
  });
  after(async () => {
    await app?.close();
  });

  it('acts as the app\'s bot user, within the consented scopes, on its own site only', async () => {
    const me = await own.v3.myself.getCurrentUser();
    assert.equal(me.accountId, app.botAccountId);
    assert.equal(me.accountType, 'app');
    const page = await own.v3.projects.searchProjects({ maxResults: 100 });
    const mine = (await c.v3.projects.searchProjects({ maxResults: 100 })).values.map((p) => p.key).sort();
    assert.ok(page.values.length > 0, JSON.stringify(page));
    assert.deepEqual(page.values.map((p) => p.key).sort(), mine, 'the bot sees the site\'s projects');
    valid('GET /rest/api/3/project/search', 200, page);
    /* write:jira-work was not consented: the gateway's scope refusal */
    const key = page.values[0].key;
    const w = await rejects(own.v3.issues.createIssue({ fields: { project: { key }, summary: 'no', issuetype: { name: 'Task' } } }), 'app write');
    assert.equal(w.status, 401);
    assert.deepEqual(w.body, JSON.parse(SCOPE_BODY));
    /* the token on another site's host */
    const cross = cB.asApp(app.token);
    const x = await rejects(cross.v3.projects.searchProjects(), 'app token on site B');
    assert.equal(x.status, 401);
    assert.deepEqual(x.body, JSON.parse(SCOPE_BODY));
  });
});

describe('errors through jira.js', () => {
  it('a missing issue: Jira\'s 404 body in the HttpException', async () => {
    const e = await rejects(c.v3.issues.getIssue({ issueIdOrKey: 'NOPE-999999' }), 'missing issue');
    assert.equal(e.status, 404);
    assert.deepEqual(e.body, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
  });

  it('an operation kiln has no route for: Jira\'s 404 shape, also under /rest/agile', async () => {
    if (!ROUTES.has('GET /rest/agile/1.0/board')) {
      const e = await rejects(c.agile.board.getAllBoards(), 'agile boards');
      assert.equal(e.status, 404);
      assert.deepEqual(e.body, { errorMessages: ['No route matches this request: check the method and path.'], errors: {} });
    }
    if (!ROUTES.has('GET /rest/api/3/field')) {
      const e = await rejects(c.v3.issueFields.getFields(), 'fields');
      assert.equal(e.status, 404);
      assert.match(e.body.errorMessages[0], /^No route matches/);
    }
    assert.ok(!ROUTES.has('GET /rest/api/3/applicationrole'), 'an operation kiln does not plan to serve');
    const e = await rejects(c.v3.applicationRoles.getAllApplicationRoles(), 'application roles');
    assert.equal(e.status, 404);
    assert.match(e.body.errorMessages[0], /^No route matches/);
  });

  it('this site\'s credential on another site\'s host: 401, the same bytes as for no site at all', async () => {
    const cross = new Version3Client({
      host: cB.host, authentication: { basic: { email: c.email, apiToken: A.token } },
    });
    const e = await rejects(cross.myself.getCurrentUser(), 'A on B');
    assert.equal(e.status, 401);
    assert.deepEqual(e.body, JSON.parse(SCOPE_BODY));
    const none = new Version3Client({
      host: `${k.url}/ex/jira/00000000-0000-4000-8000-000000000000`, authentication: { basic: { email: c.email, apiToken: A.token } },
    });
    assert.deepEqual((await rejects(none.myself.getCurrentUser(), 'A on no site')).body, JSON.parse(SCOPE_BODY));
    assert.equal((await cB.v3.myself.getCurrentUser()).accountId, B.accountId);
  });

  it('a wrong email for the token: 401', async () => {
    const wrong = new Version3Client({
      host: c.host, authentication: { basic: { email: `x${c.email}`, apiToken: A.token } },
    });
    assert.equal((await rejects(wrong.myself.getCurrentUser(), 'wrong email')).status, 401);
  });
});
