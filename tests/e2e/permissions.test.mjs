// The permission sweep (issue 17): for every operation of the table below, a user without
// browse permission on a project learns nothing of it (the answer is byte for byte the one
// for a project or issue that does not exist, and never names it), a user who may browse
// but not change gets Jira's 403 (or Jira's 400 for create), and another site's user
// reaches nothing with any of this site's ids. Table-driven: an operation someone adds to
// kiln is one more line in OPS (and in LISTS for searches and counts).
//
// Demo roles (src/product/demo_people.c, demo.c): Sam is a member of the website and
// marketing and cannot see the help desk; Jonas only views the website.
//
// Run: node --test tests/e2e/permissions.test.mjs  (needs build/kiln and `make deps`)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus, expectJiraError, describeRes } from './lib/kiln.mjs';
import { loadSpec, formatErrors } from './lib/schemas.mjs';

/**
 * Operations that name one project or issue. Each gets {p: {key, id}, i: {key, id}} (a
 * project and one of its issues) and answers a request {method, path, body}. `write`
 * says what a user who may browse but not change gets: a status (403, 400), or null for
 * a read (200).
 */
const OPS = [
  { name: 'get project by key', op: 'GET /rest/api/3/project/{projectIdOrKey}', req: (c) => ({ path: `/project/${c.p.key}` }), write: null },
  { name: 'get project by id', op: 'GET /rest/api/3/project/{projectIdOrKey}', req: (c) => ({ path: `/project/${c.p.id}` }), write: null },
  { name: 'get issue by key', op: 'GET /rest/api/3/issue/{issueIdOrKey}', req: (c) => ({ path: `/issue/${c.i.key}` }), write: null },
  { name: 'get issue by id', op: 'GET /rest/api/3/issue/{issueIdOrKey}', req: (c) => ({ path: `/issue/${c.i.id}` }), write: null },
  { name: 'project roles', op: 'GET /rest/api/3/project/{projectIdOrKey}/role', req: (c) => ({ path: `/project/${c.p.key}/role` }), write: 403 },
  { name: 'project role', op: 'GET /rest/api/3/project/{projectIdOrKey}/role/{id}', req: (c) => ({ path: `/project/${c.p.id}/role/10003` }), write: 403 },
  { name: 'role details', op: 'GET /rest/api/3/project/{projectIdOrKey}/roledetails', req: (c) => ({ path: `/project/${c.p.key}/roledetails` }), write: 403 },
  { name: 'add role actor', req: (c, me) => ({ method: 'POST', path: `/project/${c.p.key}/role/10002`, body: { user: [me] } }), write: 403 },
  { name: 'set role actors', req: (c, me) => ({ method: 'PUT', path: `/project/${c.p.key}/role/10002`,
    body: { categorisedActors: { 'atlassian-user-role-actor': [me] } } }), write: 403 },
  { name: 'remove role actor', req: (c, me) => ({ method: 'DELETE', path: `/project/${c.p.key}/role/10003?user=${me}` }), write: 403 },
  { name: 'update project', req: (c) => ({ method: 'PUT', path: `/project/${c.p.key}`, body: { description: 'mine now' } }), write: 403 },
  { name: 'delete project', req: (c) => ({ method: 'DELETE', path: `/project/${c.p.id}` }), write: 403 },
  { name: 'create issue', req: (c) => ({ method: 'POST', path: '/issue',
    body: { fields: { project: { key: c.p.key }, summary: 'x', issuetype: { id: '10001' } } } }), write: 400, sameAs: 400 },
  { name: 'mypermissions in project', op: 'GET /rest/api/3/mypermissions', req: (c) => ({ path: `/mypermissions?projectKey=${c.p.key}&permissions=BROWSE_PROJECTS` }), write: null },
  { name: 'mypermissions by project id', op: 'GET /rest/api/3/mypermissions', req: (c) => ({ path: `/mypermissions?projectId=${c.p.id}&permissions=EDIT_ISSUES` }), write: null },
  { name: 'mypermissions on issue', op: 'GET /rest/api/3/mypermissions', req: (c) => ({ path: `/mypermissions?issueKey=${c.i.key}&permissions=BROWSE_PROJECTS` }), write: null },
  { name: 'mypermissions by issue id', op: 'GET /rest/api/3/mypermissions', req: (c) => ({ path: `/mypermissions?issueId=${c.i.id}&permissions=BROWSE_PROJECTS` }), write: null },
  { name: 'assignable in project', op: 'GET /rest/api/3/user/assignable/search', req: (c) => ({ path: `/user/assignable/search?project=${c.p.key}` }), write: null },
  { name: 'assignable on issue', op: 'GET /rest/api/3/user/assignable/search', req: (c) => ({ path: `/user/assignable/search?issueKey=${c.i.key}` }), write: null },
  { name: 'assignable in projects', op: 'GET /rest/api/3/user/assignable/multiProjectSearch', req: (c) => ({ path: `/user/assignable/multiProjectSearch?projectKeys=${c.p.key}` }), write: null },
  { name: 'who views the issue', op: 'GET /rest/api/3/user/viewissue/search', req: (c) => ({ path: `/user/viewissue/search?issueKey=${c.i.key}` }), write: null },
  { name: 'who views the project', op: 'GET /rest/api/3/user/viewissue/search', req: (c) => ({ path: `/user/viewissue/search?projectKey=${c.p.key}` }), write: null },
  { name: 'who holds permissions', op: 'GET /rest/api/3/user/permission/search', req: (c) => ({ path: `/user/permission/search?permissions=BROWSE_PROJECTS&projectKey=${c.p.key}` }), write: 403 },
];

/** Searches and counts: what a user cannot browse is never in them. */
const LISTS = [
  { name: 'project search', op: 'GET /rest/api/3/project/search', req: () => ({ path: '/project/search?maxResults=100&expand=insight' }) },
  { name: 'project search by key', op: 'GET /rest/api/3/project/search', req: (c) => ({ path: `/project/search?keys=${c.p.key}` }) },
  { name: 'project search by query', op: 'GET /rest/api/3/project/search', req: (c) => ({ path: `/project/search?query=${encodeURIComponent(c.p.key.toLowerCase())}` }) },
  { name: 'all projects', op: 'GET /rest/api/3/project', req: () => ({ path: '/project?expand=description,lead,issueTypes' }) },
  { name: 'permitted projects', op: 'POST /rest/api/3/permissions/project', req: () => ({ method: 'POST', path: '/permissions/project', body: { permissions: ['BROWSE_PROJECTS'] } }) },
  { name: 'bulk permission check', op: 'POST /rest/api/3/permissions/check', req: (c) => ({ method: 'POST', path: '/permissions/check',
    body: { projectPermissions: [{ permissions: ['BROWSE_PROJECTS', 'EDIT_ISSUES'], projects: [Number(c.p.id)], issues: [Number(c.i.id)] }] } }) },
];

let k, S, A, B, sam, jonas, hidden, missing, visible, bIds;

/** A 2xx body validates against the operation's Jira schema. */
function valid(op, res) {
  const v = S.forOperation(op, res.status);
  if (!v(res.json)) assert.fail(`${op} -> ${res.status} does not match the Jira schema\n${formatErrors(v, res.json)}`);
}

const call = (site, token, r) => k.jira(site.cloudId, r.path, { token, method: r.method ?? 'GET', body: r.body });

/**
 * The body never names the project: its key, id, name, or its issue's key or id. A page's
 * own links (self, nextPage) repeat the caller's query and are left out. (The canary is
 * the site's, in every demo project, so it says nothing of this one.)
 */
function namesNothing(res, c, what) {
  const body = res.json && typeof res.json === 'object' && !Array.isArray(res.json) ? { ...res.json } : res.json;
  if (body && !Array.isArray(body)) {
    delete body.self;
    delete body.nextPage;
  }
  const text = JSON.stringify(body ?? res.body ?? '');
  for (const v of [c.p.key, c.p.name, c.i.key]) {
    assert.ok(!text.includes(v), `${what}: the answer names ${v}\n${describeRes(res)}`);
  }
  for (const v of [c.p.id, c.i.id]) {
    assert.ok(!new RegExp(`(^|[^0-9])${v}([^0-9]|$)`).test(text), `${what}: the answer carries id ${v}\n${describeRes(res)}`);
  }
}

before(async () => {
  S = loadSpec();
  k = await startKiln();
  A = await k.siteWithToken('perm-a', true);
  B = await k.siteWithToken('perm-b', true);
  const us = (await k.jira(A.cloudId, '/users/search?maxResults=100', { token: A.token })).json;
  const who = (first) => us.find((u) => u.emailAddress?.startsWith(`${first}@`)).accountId;
  sam = { accountId: who('sam') };
  sam.token = (await k.userToken(A.name, sam.accountId)).token;
  jonas = { accountId: who('jonas') };
  jonas.token = (await k.userToken(A.name, jonas.accountId)).token;
  const ps = (await k.jira(A.cloudId, '/project/search?maxResults=50&expand=description', { token: A.token })).json.values;
  const ctx = async (pre) => {
    const p = ps.find((x) => x.key.startsWith(pre));
    const i = (await k.jira(A.cloudId, `/issue/${p.key}-1`, { token: A.token })).json;
    return { p: { key: p.key, id: p.id, name: p.name }, i: { key: i.key, id: i.id } };
  };
  hidden = await ctx('HELP'); // Sam cannot browse it
  visible = await ctx('WEB'); // Jonas views it only
  missing = { p: { key: 'NOPEZZ', id: '987654', name: '-' }, i: { key: 'NOPEZZ-1', id: '987655' } };
  const psB = (await k.jira(B.cloudId, '/project/search?maxResults=50', { token: B.token })).json.values;
  bIds = psB.map((p) => p.id);
});

after(async () => {
  await k?.close();
});

describe('permission sweep', () => {
  it('the table covers every operation of people.h and the issue reads', () => {
    assert.ok(OPS.length >= 20, `${OPS.length} operations`);
  });

  for (const op of OPS) {
    it(`no browse: ${op.name} answers as for a missing project or issue, naming nothing`, async () => {
      const h = await call(A, sam.token, op.req(hidden, sam.accountId));
      const m = await call(A, sam.token, op.req(missing, sam.accountId));
      const status = op.sameAs ?? 404;
      expectJiraError(h, status, `${op.name} on the hidden project`);
      assert.equal(h.status, m.status, `${op.name}: hidden ${h.status} vs missing ${m.status}`);
      assert.deepEqual(h.json, m.json, `${op.name}: the hidden project's answer differs from a missing one's`);
      namesNothing(h, hidden, op.name);
      // and a read reaches it as the admin (the test is not vacuous; writes are shown to
      // reach their permission check by the browse-only case below, without changing data)
      const req = op.req(hidden, A.accountId);
      if ((req.method ?? 'GET') === 'GET') {
        const adm = await call(A, A.token, req);
        expectStatus(adm, 200, `${op.name}: the admin reads the help desk`);
        valid(op.op, adm);
      }
    });

    it(`browse only: ${op.name} ${op.write ? `is Jira's ${op.write}` : 'answers'}`, async () => {
      const r = await call(A, jonas.token, op.req(visible, jonas.accountId));
      if (op.write) {
        expectJiraError(r, op.write, `${op.name} as a Viewer`);
      } else {
        expectStatus(r, 200, `${op.name} as a Viewer`);
        valid(op.op, r);
      }
    });

    it(`another site: ${op.name} with this site's ids finds nothing there`, async () => {
      assert.ok(!bIds.includes(visible.p.id), 'the sites\' id ranges do not overlap');
      const r = await call(B, B.token, op.req(visible, B.accountId));
      expectJiraError(r, op.sameAs ?? 404, `${op.name} on site B with site A's ids`);
      namesNothing(r, visible, op.name);
      // and this site's host refuses site B's credential outright
      const x = await call(A, B.token, op.req(visible, B.accountId));
      expectStatus(x, 401, `${op.name}: site B's token on site A`);
    });
  }

  for (const l of LISTS) {
    it(`lists: ${l.name} never carries the hidden project`, async () => {
      const r = await call(A, sam.token, l.req(hidden));
      expectStatus(r, 200, l.name);
      valid(l.op, r);
      namesNothing(r, hidden, l.name);
      const adm = await call(A, A.token, l.req(hidden));
      expectStatus(adm, 200);
      assert.ok(JSON.stringify(adm.json).includes(hidden.p.key) || JSON.stringify(adm.json).includes(hidden.p.id),
        `${l.name}: the admin's answer has the help desk (the check is not vacuous)\n${describeRes(adm)}`);
    });
  }

  it('counts: project search totals count only browsable projects', async () => {
    const s = (await call(A, sam.token, { path: '/project/search?maxResults=0' })).json;
    const a = (await call(A, A.token, { path: '/project/search?maxResults=0' })).json;
    assert.equal(s.total, a.total - 1);
    const j = (await call(A, jonas.token, { path: '/project/search?maxResults=0' })).json;
    assert.equal(j.total, 1);
  });
});
