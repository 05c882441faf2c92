// Users, project roles and permissions (issue 17, "people"): the demo team's roles decide
// what each person sees and may do (perm_user_has: a direct grant or a role in the
// project), driven through jira.js's Version2Client and Version3Client (a real client no
// one here wrote) and raw requests for errors and hostile input. Every 2xx body validates
// against the Jira schema. The demo team (src/product/demo_people.c): Noah administers the
// website and is a member of marketing; Sam is a member of both and cannot see the help
// desk; Jonas only views the website; Oscar is a deactivated website member; Grace is a
// marketing member only; Mia, Ravi and Lena are demo.c's three (direct grants).
//
// Run: node --test tests/e2e/people.test.mjs  (needs build/kiln and `make deps`)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus, expectJiraError, randomKey } from './lib/kiln.mjs';
import { jiraClients, rejects, appSystemToken } from './lib/jirajs.mjs';
import { loadSpec, formatErrors } from './lib/schemas.mjs';

let k, S, A, B, admin, people, P, PB;
const ROLE = { admins: 10002, member: 10003, viewer: 10004 };

function valid(op, status, body) {
  const v = S.forOperation(op, status);
  if (!v(body)) assert.fail(`${op} -> ${status} does not match the Jira schema\n${formatErrors(v, body)}`);
}

/** res has `status` and its body validates against operation `op` (v3 path template). */
function ok(res, op, status = 200) {
  expectStatus(res, status, op);
  valid(op, status, res.json);
  return res.json;
}

/** Both API versions of a jira.js client: [[2, v2], [3, v3]]. */
const both = (c) => [[2, c.v2], [3, c.v3]];

/** Raw request to site s as the token's user. */
const raw = (s, token, p, opts = {}) => k.jira(s.cloudId, p, { token, ...opts });

before(async () => {
  S = loadSpec();
  k = await startKiln();
  A = await k.siteWithToken('people-a', true);
  B = await k.siteWithToken('people-b', true);
  admin = await jiraClients(k, A);
  // the demo team by first name: {accountId, token, c (jira.js clients)}
  const us = await raw(A, A.token, '/users/search?maxResults=100');
  ok(us, 'GET /rest/api/3/users/search');
  people = {};
  for (const u of us.json) {
    const first = u.emailAddress?.split('@')[0];
    if (!first || u.accountId === A.accountId) continue;
    const tok = await k.userToken(A.name, u.accountId);
    people[first] = { accountId: u.accountId, token: tok.token, name: u.displayName };
  }
  for (const n of ['noah', 'sam', 'jonas', 'grace', 'mia', 'lena', 'tomas']) {
    assert.ok(people[n], `demo user ${n} on site A: ${Object.keys(people)}`);
    people[n].c = await jiraClients(k, { cloudId: A.cloudId, token: people[n].token });
  }
  assert.ok(people.oscar, 'the deactivated demo user');
  const ps = await raw(A, A.token, '/project/search?maxResults=50');
  P = {};
  for (const p of ps.json.values) for (const pre of ['WEB', 'MKT', 'HELP']) if (p.key.startsWith(pre)) P[pre] = p;
  assert.ok(P.WEB && P.MKT && P.HELP, 'the demo projects');
  const psb = await raw(B, B.token, '/project/search?maxResults=50');
  PB = {};
  for (const p of psb.json.values) for (const pre of ['WEB', 'MKT', 'HELP']) if (p.key.startsWith(pre)) PB[pre] = p;
});

after(async () => {
  await k?.close();
});

describe('project roles', () => {
  it('GET /role and /role/{id}: the three roles, for a Jira administrator only', async () => {
    for (const [n, api] of both(admin)) {
      const roles = await api.projectRoles.getAllProjectRoles();
      valid(`GET /rest/api/${n}/role`, 200, roles);
      assert.deepEqual(roles.map((r) => [r.id, r.name]), [[ROLE.admins, 'Administrators'], [ROLE.member, 'Member'], [ROLE.viewer, 'Viewer']]);
      const one = await api.projectRoles.getProjectRoleById({ id: ROLE.viewer });
      valid(`GET /rest/api/${n}/role/{id}`, 200, one);
      assert.equal(one.name, 'Viewer');
      const miss = await rejects(api.projectRoles.getProjectRoleById({ id: 99999 }), 'unknown role');
      assert.equal(miss.status, 404);
    }
    const no = await rejects(people.noah.c.v3.projectRoles.getAllProjectRoles(), 'non-admin /role');
    assert.equal(no.status, 403);
    expectJiraError(await raw(A, A.token, '/role/abc'), 404);
    expectJiraError(await raw(A, A.token, '/role/-1'), 404);
  });

  it('GET /project/{key}/role: links for who administers the project (by role), 403 for a member, 404 for one who cannot browse', async () => {
    for (const [n, api] of both(people.noah.c)) {
      const links = await api.projectRoles.getProjectRoles({ projectIdOrKey: P.WEB.key });
      valid(`GET /rest/api/${n}/project/{projectIdOrKey}/role`, 200, links);
      assert.deepEqual(Object.keys(links).sort(), ['Administrators', 'Member', 'Viewer']);
      assert.ok(links.Viewer.endsWith(`/project/${P.WEB.id}/role/${ROLE.viewer}`), links.Viewer);
    }
    // Jira: Administer Projects in any project will do
    ok(await raw(A, people.noah.token, `/project/${P.MKT.key}/role`), 'GET /rest/api/3/project/{projectIdOrKey}/role');
    const sam = await rejects(people.sam.c.v3.projectRoles.getProjectRoles({ projectIdOrKey: P.WEB.key }), 'member');
    assert.equal(sam.status, 403);
    const grace = await raw(A, people.grace.token, `/project/${P.WEB.key}/role`);
    const none = await raw(A, people.grace.token, '/project/NOPEZZ/role');
    expectJiraError(grace, 404);
    assert.deepEqual(grace.json, none.json, 'a project the user cannot browse answers as a missing one');
  });

  it('GET /project/{key}/role/{id}: the actors, inactive ones left out on request', async () => {
    for (const [n, api] of both(admin)) {
      const viewers = await api.projectRoles.getProjectRole({ projectIdOrKey: P.WEB.key, id: ROLE.viewer });
      valid(`GET /rest/api/${n}/project/{projectIdOrKey}/role/{id}`, 200, viewers);
      const ids = viewers.actors.map((a) => a.actorUser.accountId).sort();
      assert.deepEqual(ids, [people.jonas.accountId, people.tomas.accountId].sort());
      assert.ok(viewers.actors.every((a) => a.type === 'atlassian-user-role-actor' && a.displayName));
      assert.equal(viewers.scope.project.key, P.WEB.key);
      const members = await api.projectRoles.getProjectRole({ projectIdOrKey: P.WEB.id, id: ROLE.member });
      assert.ok(members.actors.some((a) => a.actorUser.accountId === people.oscar.accountId), 'inactive member listed');
      const active = await api.projectRoles.getProjectRole({ projectIdOrKey: P.WEB.id, id: ROLE.member, excludeInactiveUsers: true });
      assert.ok(!active.actors.some((a) => a.actorUser.accountId === people.oscar.accountId), 'inactive member left out');
      assert.equal(active.actors.length, members.actors.length - 1);
    }
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}?excludeInactiveUsers=maybe`), 400);
  });

  it('adding, setting and removing actors changes what the user may do; groups are refused', async () => {
    const grace = people.grace;
    const see = async () => (await raw(A, grace.token, `/project/${P.WEB.key}`)).status;
    assert.equal(await see(), 404, 'Grace cannot see the website');
    // Noah administers the website by role, so he may change its roles
    const added = await people.noah.c.v3.projectRoleActors.addActorUsers({ projectIdOrKey: P.WEB.key, id: ROLE.viewer, user: [grace.accountId] });
    valid('POST /rest/api/3/project/{projectIdOrKey}/role/{id}', 200, added);
    assert.ok(added.actors.some((a) => a.actorUser.accountId === grace.accountId));
    assert.equal(await see(), 200, 'a Viewer browses the project');
    const edit = await raw(A, grace.token, `/mypermissions?projectKey=${P.WEB.key}&permissions=BROWSE_PROJECTS,EDIT_ISSUES`);
    ok(edit, 'GET /rest/api/3/mypermissions');
    assert.equal(edit.json.permissions.BROWSE_PROJECTS.havePermission, true);
    assert.equal(edit.json.permissions.EDIT_ISSUES.havePermission, false);
    // set: the role has exactly these
    for (const [n, api] of both(admin)) {
      const set = await api.projectRoleActors.setActors({ projectIdOrKey: P.WEB.key, id: ROLE.viewer,
        categorisedActors: { 'atlassian-user-role-actor': [grace.accountId, people.jonas.accountId] } });
      valid(`PUT /rest/api/${n}/project/{projectIdOrKey}/role/{id}`, 200, set);
      assert.deepEqual(set.actors.map((a) => a.actorUser.accountId).sort(), [grace.accountId, people.jonas.accountId].sort());
    }
    assert.equal((await raw(A, people.tomas.token, `/project/${P.WEB.key}`)).status, 404, 'Tomas was set out of the role');
    await admin.v3.projectRoleActors.setActors({ projectIdOrKey: P.WEB.key, id: ROLE.viewer,
      categorisedActors: { 'atlassian-user-role-actor': [grace.accountId, people.jonas.accountId, people.tomas.accountId] } });
    // remove
    await admin.v2.projectRoleActors.deleteActor({ projectIdOrKey: P.WEB.key, id: ROLE.viewer, user: grace.accountId });
    assert.equal(await see(), 404, 'removed: the project is gone for her again');
    const again = await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}?user=${grace.accountId}`, { method: 'DELETE' });
    expectJiraError(again, 404);
    // groups: kiln has none
    const g = await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'POST', body: { group: ['jira-developers'] } });
    assert.match(expectJiraError(g, 400).errorMessages[0], /group 'jira-developers' does not exist/);
    const gs = await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'PUT',
      body: { categorisedActors: { 'atlassian-group-role-actor': ['admins'] } } });
    expectJiraError(gs, 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}?group=admins`, { method: 'DELETE' }), 400);
    // bad input
    const badUser = await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'POST', body: { user: ['no-such-account'] } });
    assert.match(expectJiraError(badUser, 400).errorMessages[0], /no-such-account/);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'POST', body: { user: [] } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'POST', body: { user: 'x' } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'POST', body: { bogus: 1 } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'POST',
      body: { user: Array.from({ length: 101 }, () => people.sam.accountId) } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'POST', body: '[1',
      headers: { 'content-type': 'application/json' } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}?user=${'x'.repeat(300)}`, { method: 'DELETE' }), 404);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'DELETE' }), 400);
    // a member may not change roles; one who cannot browse gets the 404
    const sam = await raw(A, people.sam.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'POST', body: { user: [people.sam.accountId] } });
    expectJiraError(sam, 403);
    const gr = await raw(A, grace.token, `/project/${P.WEB.key}/role/${ROLE.admins}`, { method: 'POST', body: { user: [grace.accountId] } });
    expectJiraError(gr, 404);
  });

  it('a user of another site cannot be made an actor, nor reach this site\'s roles', async () => {
    const bUsers = await raw(B, B.token, '/users/search?maxResults=100');
    const foreign = bUsers.json.find((u) => u.accountId !== B.accountId).accountId;
    const r = await raw(A, A.token, `/project/${P.WEB.key}/role/${ROLE.viewer}`, { method: 'POST', body: { user: [foreign] } });
    expectJiraError(r, 400);
    // site B's admin names site A's project id on its own host: not found there
    for (const p of [`/project/${P.WEB.id}/role`, `/project/${P.WEB.id}/role/${ROLE.viewer}`, `/project/${P.WEB.id}/roledetails`]) {
      expectJiraError(await raw(B, B.token, p), 404);
    }
    // and site A's host with site B's token is the gateway's 401
    expectStatus(await raw(A, B.token, `/project/${P.WEB.key}/role`), 401);
  });

  it('roledetails: every role, or only the caller\'s with currentMember; for who administers the project', async () => {
    for (const [n, api] of both(people.noah.c)) {
      const all = await api.projectRoles.getProjectRoleDetails({ projectIdOrKey: P.WEB.key });
      valid(`GET /rest/api/${n}/project/{projectIdOrKey}/roledetails`, 200, all);
      assert.equal(all.length, 3);
      const mine = await api.projectRoles.getProjectRoleDetails({ projectIdOrKey: P.WEB.key, currentMember: true });
      assert.deepEqual(mine.map((r) => r.name), ['Administrators']);
    }
    const admin2 = await admin.v3.projectRoles.getProjectRoleDetails({ projectIdOrKey: P.MKT.key, currentMember: true });
    assert.deepEqual(admin2, [], 'the site admin holds no role in marketing');
    expectJiraError(await raw(A, people.sam.token, `/project/${P.WEB.key}/roledetails`), 403);
    expectJiraError(await raw(A, people.sam.token, `/project/${P.HELP.key}/roledetails`), 404);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}/roledetails?currentMember=yes`), 400);
  });
});

describe('users', () => {
  it('user/search: display name, a word of it, or an email prefix; email shown per Jira\'s rules', async () => {
    for (const [n, api] of both(admin)) {
      const byName = await api.userSearch.findUsers({ query: 'pri' });
      valid(`GET /rest/api/${n}/user/search`, 200, byName);
      assert.deepEqual(byName.map((u) => u.emailAddress), ['priya@people-a.example.com']);
      const byWord = await api.userSearch.findUsers({ query: 'OKAFOR' });
      assert.deepEqual(byWord.map((u) => u.accountId), [people.sam.accountId]);
      const byMail = await api.userSearch.findUsers({ query: 'noah@' });
      assert.deepEqual(byMail.map((u) => u.accountId), [people.noah.accountId]);
      const byId = await api.userSearch.findUsers({ accountId: people.jonas.accountId });
      assert.deepEqual(byId.map((u) => u.accountId), [people.jonas.accountId]);
      assert.deepEqual(await api.userSearch.findUsers({ query: 'zzzz' }), []);
      assert.deepEqual(await api.userSearch.findUsers({ query: 'son' }), [], 'no infix match (Jonas, Johnson)');
    }
    // another user's email is hidden from a non-admin, its own is not
    const seen = await people.sam.c.v3.userSearch.findUsers({ query: 'o' });
    assert.deepEqual(seen.map((u) => u.accountId).sort(), [people.sam.accountId, people.oscar.accountId].sort(), 'Okafor and Oscar');
    for (const u of seen) assert.equal('emailAddress' in u, u.accountId === people.sam.accountId, u.displayName);
    // another site's users are not found here
    const other = await raw(A, A.token, '/user/search?query=' + encodeURIComponent('(people-b)'));
    ok(other, 'GET /rest/api/3/user/search');
    assert.deepEqual(other.json, []);
    const bMia = (await raw(B, B.token, '/user/search?query=mia')).json[0].accountId;
    assert.deepEqual((await raw(A, A.token, `/user/search?accountId=${bMia}`)).json, []);
    // errors
    expectJiraError(await raw(A, A.token, '/user/search'), 400);
    expectJiraError(await raw(A, A.token, '/user/search?query=' + 'a'.repeat(256)), 400);
    expectJiraError(await raw(A, A.token, '/user/search?query=a&maxResults=-1'), 400);
    expectJiraError(await raw(A, A.token, '/user/search?username=bob'), 400);
    expectJiraError(await raw(A, A.token, '/user/search?property=x.y=1'), 400);
    // LIKE and quote characters are plain text
    for (const q of ['%', '_', "'", '"', '\\', '%25']) {
      const r = await raw(A, A.token, '/user/search?query=' + encodeURIComponent(q));
      ok(r, 'GET /rest/api/3/user/search');
      assert.deepEqual(r.json, [], q);
    }
  });

  it('assignable: users with ASSIGNABLE_USER in the project (by grant or role), active only', async () => {
    for (const [n, api] of both(people.sam.c)) {
      const web = await api.userSearch.findAssignableUsers({ project: P.WEB.key, maxResults: 100 });
      valid(`GET /rest/api/${n}/user/assignable/search`, 200, web);
      const ids = new Set(web.map((u) => u.accountId));
      for (const who of ['noah', 'sam', 'mia', 'ravi']) assert.ok(ids.has(people[who].accountId), `${who} assignable on the website`);
      for (const who of ['jonas', 'grace', 'oscar', 'lena']) assert.ok(!ids.has(people[who].accountId), `${who} not assignable on the website`);
      const multi = await api.userSearch.findBulkAssignableUsers({ projectKeys: `${P.WEB.key},${P.MKT.key}` });
      valid(`GET /rest/api/${n}/user/assignable/multiProjectSearch`, 200, multi);
      const m = new Set(multi.map((u) => u.accountId));
      for (const who of ['noah', 'sam', 'mia']) assert.ok(m.has(people[who].accountId), `${who} in both`);
      for (const who of ['priya', 'grace', 'ravi']) assert.ok(!m.has(people[who].accountId), `${who} not in both`);
    }
    // by issue: the issue's project
    const issues = await raw(A, A.token, `/issue/${P.WEB.key}-1`);
    ok(issues, 'GET /rest/api/3/issue/{issueIdOrKey}');
    const byIssue = await raw(A, people.sam.token, `/user/assignable/search?issueKey=${P.WEB.key}-1&query=noah`);
    ok(byIssue, 'GET /rest/api/3/user/assignable/search');
    assert.deepEqual(byIssue.json.map((u) => u.accountId), [people.noah.accountId]);
    // a project or issue Sam cannot browse is a 404 as a missing one
    const hidden = await raw(A, people.sam.token, `/user/assignable/search?project=${P.HELP.key}`);
    const missing = await raw(A, people.sam.token, '/user/assignable/search?project=NOPEZZ');
    expectJiraError(hidden, 404);
    assert.deepEqual(hidden.json, missing.json);
    const hiddenIssue = await raw(A, people.sam.token, `/user/assignable/search?issueKey=${P.HELP.key}-1`);
    const missingIssue = await raw(A, people.sam.token, `/user/assignable/search?issueKey=${P.WEB.key}-99999`);
    expectJiraError(hiddenIssue, 404);
    assert.deepEqual(hiddenIssue.json, missingIssue.json);
    expectJiraError(await raw(A, people.sam.token, `/user/assignable/multiProjectSearch?projectKeys=${P.WEB.key},${P.HELP.key}`), 404);
    expectJiraError(await raw(A, A.token, '/user/assignable/search'), 400);
    expectJiraError(await raw(A, A.token, '/user/assignable/multiProjectSearch'), 400);
    expectJiraError(await raw(A, A.token, '/user/assignable/multiProjectSearch?projectKeys=' + Array(101).fill(P.WEB.key).join(',')), 400);
  });

  it('viewissue and permission searches', async () => {
    for (const [n, api] of both(admin)) {
      const help = await api.userSearch.findUsersWithBrowsePermission({ projectKey: P.HELP.key, maxResults: 100 });
      valid(`GET /rest/api/${n}/user/viewissue/search`, 200, help);
      const ids = new Set(help.map((u) => u.accountId));
      for (const who of ['priya', 'aiko', 'elena', 'lena', 'mia']) assert.ok(ids.has(people[who].accountId), `${who} browses the help desk`);
      for (const who of ['sam', 'grace', 'noah', 'jonas']) assert.ok(!ids.has(people[who].accountId), `${who} does not`);
      const admins = await api.userSearch.findUsersWithAllPermissions({ permissions: 'ADMINISTER_PROJECTS,BROWSE_PROJECTS', projectKey: P.MKT.key });
      valid(`GET /rest/api/${n}/user/permission/search`, 200, admins);
      assert.deepEqual(admins.map((u) => u.accountId).sort(), [A.accountId, people.tomas.accountId].sort());
      const global = await api.userSearch.findUsersWithAllPermissions({ permissions: 'ADMINISTER' });
      assert.deepEqual(global.map((u) => u.accountId), [A.accountId]);
    }
    // Tomas administers marketing: he may ask there, not elsewhere nor site-wide
    ok(await raw(A, people.tomas.token, `/user/permission/search?permissions=EDIT_ISSUES&projectKey=${P.MKT.key}`), 'GET /rest/api/3/user/permission/search');
    expectJiraError(await raw(A, people.tomas.token, `/user/permission/search?permissions=EDIT_ISSUES&projectKey=${P.WEB.key}`), 403);
    expectJiraError(await raw(A, people.tomas.token, '/user/permission/search?permissions=EDIT_ISSUES'), 403);
    expectJiraError(await raw(A, A.token, '/user/permission/search'), 400);
    expectJiraError(await raw(A, A.token, '/user/permission/search?permissions=FLY'), 400);
    expectJiraError(await raw(A, A.token, '/user/viewissue/search'), 400);
    expectJiraError(await raw(A, people.sam.token, `/user/viewissue/search?projectKey=${P.HELP.key}`), 404);
    expectJiraError(await raw(A, people.sam.token, `/user/permission/search?permissions=BROWSE_PROJECTS&projectKey=${P.HELP.key}`), 404);
    expectJiraError(await raw(A, people.sam.token, `/user/permission/search?permissions=BROWSE_PROJECTS&projectKey=${P.WEB.key}`), 403);
  });

  it('user/bulk: a page of the given accounts, this site\'s only', async () => {
    for (const [n, api] of both(admin)) {
      const one = await api.users.bulkGetUsers({ accountId: [people.noah.accountId] });
      valid(`GET /rest/api/${n}/user/bulk`, 200, one);
      assert.deepEqual(one.values.map((u) => u.accountId), [people.noah.accountId]);
      assert.equal(one.total, 1);
      assert.equal(one.isLast, true);
    }
    const bMia = (await raw(B, B.token, '/user/search?query=mia')).json[0].accountId;
    const ids = [people.noah.accountId, people.sam.accountId, people.jonas.accountId, bMia, 'nobody'];
    const q = ids.map((i) => `accountId=${encodeURIComponent(i)}`).join('&');
    const p1 = await raw(A, A.token, `/user/bulk?${q}&maxResults=2`);
    expectStatus(p1, 200);
    valid('GET /rest/api/3/user/bulk', 200, p1.json);
    assert.equal(p1.json.total, 3, 'the other site\'s and unknown ids are not found');
    assert.equal(p1.json.values.length, 2);
    assert.equal(p1.json.isLast, false);
    const next = await k.api(p1.json.nextPage.replace(k.url, ''), { token: A.token });
    ok(next, 'GET /rest/api/3/user/bulk');
    assert.equal(next.json.values.length, 1);
    assert.equal(next.json.isLast, true);
    const all = [...p1.json.values, ...next.json.values].map((u) => u.accountId).sort();
    assert.deepEqual(all, ids.slice(0, 3).sort());
    expectJiraError(await raw(A, A.token, '/user/bulk'), 400);
    expectJiraError(await raw(A, A.token, '/user/bulk?' + Array(51).fill('accountId=x').join('&')), 400);
  });

  it('myself and user: expand=groups,applicationRoles as Jira shapes them', async () => {
    for (const [n, api] of both(admin)) {
      const me = await api.myself.getCurrentUser({ expand: 'groups,applicationRoles' });
      valid(`GET /rest/api/${n}/myself`, 200, me);
      assert.deepEqual(me.groups, { size: 0, items: [] });
      assert.equal(me.applicationRoles.size, 1);
      assert.equal(me.applicationRoles.items[0].key, 'jira-software');
      const u = await api.users.getUser({ accountId: people.sam.accountId, expand: 'groups' });
      valid(`GET /rest/api/${n}/user`, 200, u);
      assert.equal(u.applicationRoles.size, 1);
      assert.deepEqual(u.applicationRoles.items, [], 'not expanded');
      assert.equal(u.emailAddress, 'sam@people-a.example.com', 'an admin sees the email');
    }
    const other = await people.sam.c.v3.users.getUser({ accountId: people.noah.accountId });
    assert.equal(other.emailAddress, undefined, 'a user does not see another\'s email');
    const all = await raw(A, A.token, '/users?maxResults=100');
    ok(all, 'GET /rest/api/3/users');
    valid('GET /rest/api/3/users', 200, all.json);
    assert.ok(all.json.length >= 13, `a dozen and more demo users: ${all.json.length}`);
  });
});

describe('my permissions and permissions', () => {
  it('mypermissions: per project, per issue, anywhere; 400 without permissions', async () => {
    for (const [n, api] of both(people.sam.c)) {
      const r = await api.permissions.getMyPermissions({ projectKey: P.WEB.key, permissions: 'BROWSE_PROJECTS,EDIT_ISSUES,ADMINISTER_PROJECTS,ADMINISTER' });
      valid(`GET /rest/api/${n}/mypermissions`, 200, r);
      const have = Object.fromEntries(Object.entries(r.permissions).map(([key, v]) => [key, v.havePermission]));
      assert.deepEqual(have, { BROWSE_PROJECTS: true, EDIT_ISSUES: true, ADMINISTER_PROJECTS: false, ADMINISTER: false });
      assert.equal(r.permissions.EDIT_ISSUES.type, 'PROJECT');
      assert.equal(r.permissions.ADMINISTER.type, 'GLOBAL');
    }
    const jonas = ok(await raw(A, people.jonas.token, `/mypermissions?issueKey=${P.WEB.key}-1&permissions=BROWSE_PROJECTS,EDIT_ISSUES`), 'GET /rest/api/3/mypermissions');
    assert.equal(jonas.permissions.BROWSE_PROJECTS.havePermission, true);
    assert.equal(jonas.permissions.EDIT_ISSUES.havePermission, false, 'a Viewer may not edit');
    // anywhere: held in some project
    const any = ok(await raw(A, people.jonas.token, '/mypermissions?permissions=BROWSE_PROJECTS,CREATE_ISSUES'), 'GET /rest/api/3/mypermissions');
    assert.equal(any.permissions.BROWSE_PROJECTS.havePermission, true);
    assert.equal(any.permissions.CREATE_ISSUES.havePermission, false);
    const noah = ok(await raw(A, people.noah.token, '/mypermissions?permissions=ADMINISTER_PROJECTS'), 'GET /rest/api/3/mypermissions');
    assert.equal(noah.permissions.ADMINISTER_PROJECTS.havePermission, true, 'by his Administrators role');
    // a project or issue Sam cannot browse is a 404 as a missing one
    const hidden = await raw(A, people.sam.token, `/mypermissions?projectKey=${P.HELP.key}&permissions=BROWSE_PROJECTS`);
    const missing = await raw(A, people.sam.token, '/mypermissions?projectKey=NOPEZZ&permissions=BROWSE_PROJECTS');
    expectJiraError(hidden, 404);
    assert.deepEqual(hidden.json, missing.json);
    const hiddenId = await raw(A, people.sam.token, `/mypermissions?projectId=${P.HELP.id}&permissions=BROWSE_PROJECTS`);
    assert.deepEqual(hiddenId.json, missing.json);
    const helpIssue = (await raw(A, A.token, `/issue/${P.HELP.key}-1`)).json.id;
    const hiddenIssue = await raw(A, people.sam.token, `/mypermissions?issueId=${helpIssue}&permissions=BROWSE_PROJECTS`);
    const missingIssue = await raw(A, people.sam.token, '/mypermissions?issueId=999999&permissions=BROWSE_PROJECTS');
    expectJiraError(hiddenIssue, 404);
    assert.deepEqual(hiddenIssue.json, missingIssue.json);
    const no = await rejects(people.sam.c.v3.permissions.getMyPermissions({ projectKey: P.WEB.key }), 'no permissions');
    assert.equal(no.status, 400);
    expectJiraError(await raw(A, A.token, '/mypermissions?permissions=FLY'), 400);
    expectJiraError(await raw(A, A.token, '/mypermissions?permissions=,,'), 400);
    expectJiraError(await raw(A, A.token, '/mypermissions?permissions=BROWSE_PROJECTS%00'), 400);
    expectJiraError(await raw(A, A.token, '/mypermissions?permissions=' + Array(65).fill('BROWSE_PROJECTS').join(',')), 400);
  });

  it('an app acting as itself answers as kiln enforces it: every permission, scopes limit it', async () => {
    const sys = await appSystemToken(k, A, ['read:jira-work', 'read:jira-user']);
    try {
      const app = admin.asApp(sys.token);
      for (const [n, api] of [[2, app.v2], [3, app.v3]]) {
        const r = await api.permissions.getMyPermissions({ projectKey: P.HELP.key, permissions: 'BROWSE_PROJECTS,ADMINISTER_PROJECTS,ADMINISTER' });
        valid(`GET /rest/api/${n}/mypermissions`, 200, r);
        assert.deepEqual(Object.values(r.permissions).map((p) => p.havePermission), [true, true, true]);
        const projects = await api.permissions.getPermittedProjects({ permissions: ['EDIT_ISSUES'] });
        assert.equal(projects.projects.length, 3);
        // the bot user's own email only
        const users = await api.userSearch.findUsers({ query: 'noah' });
        assert.equal(users.length, 1);
        assert.equal(users[0].emailAddress, undefined);
      }
      // a write its site did not consent to is the gateway's scope refusal
      const w = await rejects(app.v3.projects.updateProject({ projectIdOrKey: P.HELP.key, name: 'app was here' }), 'unconsented write');
      assert.equal(w.status, 401);
    } finally {
      await sys.close();
    }
  });

  it('GET /permissions lists what kiln models; POST /permissions/project the caller\'s projects', async () => {
    for (const [n, api] of both(people.sam.c)) {
      const all = await api.permissions.getAllPermissions();
      valid(`GET /rest/api/${n}/permissions`, 200, all);
      assert.ok(all.permissions.BROWSE_PROJECTS && all.permissions.ADMINISTER && all.permissions.ASSIGNABLE_USER);
      assert.equal(all.permissions.BROWSE_PROJECTS.id, '10');
      const mine = await api.permissions.getPermittedProjects({ permissions: ['EDIT_ISSUES'] });
      valid(`POST /rest/api/${n}/permissions/project`, 200, mine);
      assert.deepEqual(mine.projects.map((p) => p.key).sort(), [P.MKT.key, P.WEB.key].sort());
    }
    const jonas = await people.jonas.c.v3.permissions.getPermittedProjects({ permissions: ['BROWSE_PROJECTS'] });
    assert.deepEqual(jonas.projects.map((p) => p.key), [P.WEB.key]);
    const none = await people.jonas.c.v3.permissions.getPermittedProjects({ permissions: ['BROWSE_PROJECTS', 'EDIT_ISSUES'] });
    assert.deepEqual(none.projects, []);
    expectJiraError(await raw(A, A.token, '/permissions/project', { method: 'POST', body: { permissions: ['ADMINISTER'] } }), 400);
    expectJiraError(await raw(A, A.token, '/permissions/project', { method: 'POST', body: { permissions: 'BROWSE_PROJECTS' } }), 400);
    expectJiraError(await raw(A, A.token, '/permissions/project', { method: 'POST', body: {} }), 400);
  });

  it('permissions/check answers by roles too', async () => {
    const r = await people.noah.c.v3.permissions.getBulkPermissions({
      projectPermissions: [{ permissions: ['ADMINISTER_PROJECTS', 'EDIT_ISSUES'], projects: [Number(P.WEB.id), Number(P.MKT.id), Number(P.HELP.id)] }],
    });
    valid('POST /rest/api/3/permissions/check', 200, r);
    const by = Object.fromEntries(r.projectPermissions.map((p) => [p.permission, p.projects.sort()]));
    assert.deepEqual(by.ADMINISTER_PROJECTS, [Number(P.WEB.id)]);
    assert.deepEqual(by.EDIT_ISSUES, [Number(P.WEB.id), Number(P.MKT.id)].sort());
  });
});

describe('projects', () => {
  it('GET /project: the projects the caller may browse, full shape with role links', async () => {
    // jira.js has dropped the deprecated GET /project: raw requests, both versions
    for (const n of [2, 3]) {
      const r = await k.api(`/ex/jira/${A.cloudId}/rest/api/${n}/project`, { token: people.sam.token });
      expectStatus(r, 200);
      valid(`GET /rest/api/${n}/project`, 200, r.json);
      assert.deepEqual(r.json.map((p) => p.key).sort(), [P.MKT.key, P.WEB.key].sort());
    }
    const all = (await raw(A, A.token, '/project')).json;
    assert.equal(all.length, 3);
    const full = (await raw(A, A.token, `/project/${P.WEB.key}`)).json;
    valid('GET /rest/api/3/project/{projectIdOrKey}', 200, full);
    assert.deepEqual(Object.keys(full.roles).sort(), ['Administrators', 'Member', 'Viewer']);
    assert.ok(full.issueTypes.length >= 3);
    expectJiraError(await raw(A, A.token, '/project?recent=999'), 400);
  });

  it('PUT /project: a Jira administrator updates it (as Jira asks); others 403 or 404', async () => {
    const name = `Website ${randomKey('N', 5)}`;
    for (const [n, api] of both(admin)) {
      const p = await api.projects.updateProject({ projectIdOrKey: P.WEB.key, name: `${name} v${n}`, description: 'new words' });
      valid(`PUT /rest/api/${n}/project/{projectIdOrKey}`, 200, p);
      assert.equal(p.name, `${name} v${n}`);
      assert.equal(p.description, 'new words');
    }
    const got = (await raw(A, people.sam.token, `/project/${P.WEB.key}`)).json;
    assert.equal(got.name, `${name} v3`);
    // lead change: the new lead must be a user here, and becomes an Administrator
    const lead = await raw(A, A.token, `/project/${P.MKT.key}`, { method: 'PUT', body: { leadAccountId: people.grace.accountId } });
    ok(lead, 'PUT /rest/api/3/project/{projectIdOrKey}');
    assert.equal(lead.json.lead.accountId, people.grace.accountId);
    ok(await raw(A, people.grace.token, `/project/${P.MKT.key}/role`), 'GET /rest/api/3/project/{projectIdOrKey}/role');
    expectJiraError(await raw(A, people.sam.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { name: 'mine' } }), 403);
    // administering the project by role is not enough: Jira asks for Administer Jira
    expectJiraError(await raw(A, people.noah.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { name: 'mine' } }), 403);
    const hidden = await raw(A, people.sam.token, `/project/${P.HELP.key}`, { method: 'PUT', body: { name: 'mine' } });
    expectJiraError(hidden, 404);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { key: 'OTHERKEY' } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { name: '' } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { name: 'x'.repeat(81) } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { leadAccountId: 'nobody' } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { leadAccountId: 7 } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { evil: true } }), 400);
    expectJiraError(await raw(A, A.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { assigneeType: 'ANYONE' } }), 400);
    // B's admin cannot update A's project by id
    expectJiraError(await raw(B, B.token, `/project/${P.WEB.id}`, { method: 'PUT', body: { name: 'x' } }), 404);
  });

  it('create makes the lead an Administrator; DELETE removes the project and all of its issues', async () => {
    const key = randomKey('DL', 6);
    for (const [n, api] of [[3, admin.v3]]) {
      const made = await api.projects.createProject({ key, name: `Doomed ${key}`, leadAccountId: people.sam.accountId, projectTypeKey: 'software' });
      valid(`POST /rest/api/${n}/project`, 201, made);
    }
    // Sam leads it: an Administrator of it, so he sees its roles
    const roles = await raw(A, people.sam.token, `/project/${key}/role/${ROLE.admins}`);
    ok(roles, 'GET /rest/api/3/project/{projectIdOrKey}/role/{id}');
    assert.deepEqual(roles.json.actors.map((a) => a.actorUser.accountId), [people.sam.accountId]);
    const issue = await raw(A, people.sam.token, '/issue', { method: 'POST',
      body: { fields: { project: { key }, summary: 'to be deleted', issuetype: { id: '10001' } } } });
    ok(issue, 'POST /rest/api/3/issue', 201);
    // Sam administers the project but not Jira: Jira's delete needs the global permission
    expectJiraError(await raw(A, people.sam.token, `/project/${key}`, { method: 'DELETE' }), 403);
    expectJiraError(await raw(A, A.token, `/project/${key}?enableUndo=maybe`, { method: 'DELETE' }), 400);
    expectJiraError(await raw(B, B.token, `/project/${key}`, { method: 'DELETE' }), 404);
    await admin.v2.projects.deleteProject({ projectIdOrKey: key });
    expectJiraError(await raw(A, A.token, `/project/${key}`), 404);
    expectJiraError(await raw(A, A.token, `/issue/${issue.json.id}`), 404);
    expectJiraError(await raw(A, A.token, `/issue/${issue.json.key}`), 404);
    expectJiraError(await raw(A, A.token, `/project/${key}`, { method: 'DELETE' }), 404);
    const mine = { json: ok(await raw(A, people.sam.token, '/permissions/project', { method: 'POST', body: { permissions: ['BROWSE_PROJECTS'] } }), 'POST /rest/api/3/permissions/project') };
    assert.ok(!mine.json.projects.some((p) => p.key === key), 'no role survives the project');
    // the key is free again: a new project with it starts empty
    const again = await raw(A, A.token, '/project', { method: 'POST', body: { key, name: `Reborn ${key}` } });
    ok(again, 'POST /rest/api/3/project', 201);
    const issues = await raw(A, A.token, `/issue/${key}-1`);
    expectJiraError(issues, 404);
  });
});

describe('role-based browse in the other searches', () => {
  it('GET /label: a label of a project one browses by role only is listed; one it cannot browse is not', async () => {
    const label = `rolelabel${randomKey('L', 6).toLowerCase()}`;
    expectStatus(await raw(A, A.token, `/issue/${P.MKT.key}-1`, { method: 'PUT', body: { update: { labels: [{ add: label }] } } }), 204);
    const seen = async (tok) => (await raw(A, tok, '/label?maxResults=1000')).json.values.includes(label);
    assert.equal(await seen(A.token), true, 'the admin');
    assert.equal(await seen(people.sam.token), true, 'Sam, a marketing Member by role only');
    assert.equal(await seen(people.jonas.token), false, 'Jonas cannot see marketing');
  });
});

describe('change events', () => {
  /** Site A's product events after seq `after`: [{seq, kind, actor, entity, payload}]. */
  function events(after = 0) {
    return k.sqlRows(`SELECT e.seq, e.kind, e.actor_account_id AS actor, e.entity_id AS entity, e.payload_json
      FROM product_events e JOIN sites s ON s.id = e.site_id
      WHERE s.name = 'people-a' AND e.seq > ${Number(after)} ORDER BY e.seq`)
      .map(({ payload_json: p, ...e }) => ({ ...e, payload: JSON.parse(p) }));
  }

  it('every write above recorded its event, with the acting user, in order; refused and empty writes none', async () => {
    const all = events();
    const kinds = new Set(all.map((e) => e.kind));
    for (const kind of ['avi:jira:created:project', 'avi:jira:updated:project', 'avi:jira:deleted:project', 'kiln:jira:updated:projectroleactors']) {
      assert.ok(kinds.has(kind), `an event ${kind} in ${[...kinds]}`);
    }
    assert.deepEqual(all.map((e) => e.seq), all.map((_, i) => i + 1), 'numbered 1, 2, 3 ... without gaps');
    const byNoah = all.filter((e) => e.actor === people.noah.accountId).map((e) => e.kind);
    assert.deepEqual(byNoah, ['kiln:jira:updated:projectroleactors'], 'Noah added Grace to a role, and changed nothing else');
    const upd = all.find((e) => e.kind === 'avi:jira:updated:project' && e.entity === String(P.WEB.id));
    assert.equal(upd.actor, A.accountId);
    assert.equal(upd.entity, String(P.WEB.id));
    // Forge's project events carry the project as it is now, not a list of changes
    assert.deepEqual([upd.payload.project.id, upd.payload.project.key], [String(P.WEB.id), P.WEB.key]);
    assert.equal(upd.payload.changes, undefined);
    // a refused write and a write that changes nothing record nothing
    const last = all.at(-1).seq;
    expectJiraError(await raw(A, people.sam.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { name: 'nope' } }), 403);
    const cur = (await raw(A, A.token, `/project/${P.WEB.key}`)).json;
    ok(await raw(A, A.token, `/project/${P.WEB.key}`, { method: 'PUT', body: { name: cur.name } }), 'PUT /rest/api/3/project/{projectIdOrKey}');
    assert.deepEqual(events(last), []);
    // one write, one event
    await admin.v3.projectRoleActors.addActorUsers({ projectIdOrKey: P.MKT.key, id: ROLE.viewer, user: [people.jonas.accountId] });
    const one = events(last);
    assert.equal(one.length, 1);
    assert.equal(one[0].kind, 'kiln:jira:updated:projectroleactors');
    assert.deepEqual(one[0].payload.users, [people.jonas.accountId]);
    assert.equal(one[0].actor, A.accountId);
  });
});
