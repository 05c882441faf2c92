// Jira Software (/rest/agile/1.0) and DevOps data (/rest/builds, /rest/deployments,
// /rest/devinfo) on kiln, driven through jira.js's AgileClient (a real client no one here
// wrote) and, for errors and hostile input, raw requests: boards and their lists on the
// demo data, sprints through Jira's state machine, moving issues between sprints and the
// backlog (with the Sprint changelog and field), epics, ranks, and an app's builds,
// deployments and repositories. Every success body validates against the software
// schemas where the description has one. Tenant and permission walls: another site's
// board and sprint ids, and a user who may not browse the board's project, get the same
// 404 as ids that do not exist; a user who may browse but not edit gets 403 on writes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus, expectJiraError } from './lib/kiln.mjs';
import { jiraClients, rejects, appSystemToken } from './lib/jirajs.mjs';
import { loadSpec, formatErrors } from './lib/schemas.mjs';

let k, S, A, B, c, cB, users, lena, ravi;

const BASE = '/rest/agile/1.0';

/** A raw request to the site's agile API as `token` (default: the site admin's). */
function agile(site, p, opts = {}) {
  return k.api(`/ex/jira/${site.cloudId}${BASE}${p}`, { token: site.token, ...opts });
}

function raw(site, p, opts = {}) {
  return k.api(`/ex/jira/${site.cloudId}${p}`, { token: site.token, ...opts });
}

// The Sprint bean of software-swagger.v3.json (components.schemas.SprintBean), which the
// description references from no operation, so the generated schema file lacks it.
const SPRINT_BEAN = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, self: { type: 'string', format: 'uri' }, state: { type: 'string' }, name: { type: 'string' },
    startDate: { type: 'string' }, endDate: { type: 'string' }, completeDate: { type: 'string' }, createdDate: { type: 'string' },
    originBoardId: { type: 'integer' }, goal: { type: 'string' },
  },
  additionalProperties: false,
};
let sprintBean;

/** The body validates against the operation's schema (or the named software component). */
function valid(op, status, body, component) {
  if (component === 'SprintBean') {
    sprintBean ??= S.ajv.compile(SPRINT_BEAN);
    if (!sprintBean(body)) assert.fail(`${op} -> ${status}: not a SprintBean\n${formatErrors(sprintBean, body)}`);
    assert.match(body.state, /^(future|active|closed)$/);
    for (const d of ['startDate', 'endDate', 'completeDate', 'createdDate']) {
      if (body[d] !== undefined) assert.match(body[d], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/, d);
    }
    return;
  }
  const v = component ? S.forComponent(component, 'software') : S.forOperation(op, status);
  if (!v(body)) assert.fail(`${op} -> ${status} does not match the Jira schema\n${formatErrors(v, body)}`);
}

/** The demo's board of a project. */
async function boardOf(client, projectKey) {
  const all = await client.agile.board.getAllBoards({ projectKeyOrId: projectKey });
  valid('GET /rest/agile/1.0/board', 200, all);
  const demo = all.values.filter((b) => b.name === `${projectKey} board`);
  assert.equal(demo.length, 1, `the demo board of ${projectKey}: ${JSON.stringify(all)}`);
  return demo[0];
}

before(async () => {
  S = loadSpec();
  k = await startKiln();
  A = await k.siteWithToken('agile-a', true);
  B = await k.siteWithToken('agile-b', true);
  for (const s of [A, B]) {
    const p = (await k.jira(s.cloudId, '/project/search', { token: s.token })).json.values;
    s.web = p.find((x) => x.key.startsWith('WEB')).key;
    s.mkt = p.find((x) => x.key.startsWith('MKT')).key;
    s.help = p.find((x) => x.key.startsWith('HELP')).key;
    s.tag = s.web.slice(3);
  }
  c = await jiraClients(k, A);
  cB = await jiraClients(k, B);
  users = (await k.jira(A.cloudId, '/users/search', { token: A.token })).json;
  const tok = async (name) => {
    const u = users.find((x) => x.displayName.startsWith(name));
    assert.ok(u, `demo user ${name}`);
    return { ...A, token: (await k.userToken(A.name, u.accountId)).token, accountId: u.accountId };
  };
  lena = await tok('Lena'); // browses the help desk only
  ravi = await tok('Ravi'); // works on the website: browse and edit, not administer
});

after(async () => {
  await k?.close();
});

describe('boards', () => {
  it('the demo has a scrum board per software project and a kanban board for the business one', async () => {
    const all = await c.agile.board.getAllBoards();
    valid('GET /rest/agile/1.0/board', 200, all);
    const web = all.values.find((b) => b.location.projectKey === A.web);
    const mkt = all.values.find((b) => b.location.projectKey === A.mkt);
    assert.equal(web.type, 'scrum');
    assert.equal(mkt.type, 'kanban');
    assert.equal(all.isLast, true);
    assert.equal(all.total, all.values.length);
    const got = await c.agile.board.getBoard({ boardId: web.id });
    valid('GET /rest/agile/1.0/board/{boardId}', 200, got);
    assert.deepEqual(got, web);
    const conf = await c.agile.board.getConfiguration({ boardId: web.id });
    valid('GET /rest/agile/1.0/board/{boardId}/configuration', 200, conf);
    assert.deepEqual(conf.columnConfig.columns.map((x) => x.name), ['To Do', 'In Progress', 'Done']);
    assert.equal(conf.location.projectKeyOrId, String(web.location.projectId));
    const kanban = await c.agile.board.getAllBoards({ type: 'kanban' });
    assert.deepEqual(kanban.values.map((b) => b.id), [mkt.id]);
    const named = await c.agile.board.getAllBoards({ name: A.web.toLowerCase() });
    assert.deepEqual(named.values.map((b) => b.id), [web.id]);
    const projects = await agile(A, `/board/${web.id}/project`);
    expectStatus(projects, 200);
    assert.deepEqual(projects.json.values.map((p) => p.key), [A.web]);
    // a page of one
    const page = await c.agile.board.getAllBoards({ maxResults: 1, startAt: 1 });
    assert.equal(page.values.length, 1);
    assert.equal(page.startAt, 1);
    assert.equal(page.values[0].id, all.values[1].id);
  });

  it('create and delete a board on a project location; filterId and bad input are refused', async () => {
    const made = await c.agile.board.createBoard({ name: 'Web kanban', type: 'kanban', location: { type: 'project', projectKeyOrId: A.web } });
    valid('POST /rest/agile/1.0/board', 201, made);
    assert.equal(made.location.projectKey, A.web);
    assert.equal((await c.agile.board.getBoard({ boardId: made.id })).name, 'Web kanban');
    for (const [body, field] of [
      [{ name: 'x', type: 'scrum', filterId: 10000 }, 'filterId'],
      [{ name: '', type: 'scrum', location: { type: 'project', projectKeyOrId: A.web } }, 'name'],
      [{ name: 'x'.repeat(256), type: 'scrum', location: { type: 'project', projectKeyOrId: A.web } }, 'name'],
      [{ name: 'x', type: 'agility', location: { type: 'project', projectKeyOrId: A.web } }, 'type'],
      [{ name: 'x', type: 'scrum', location: { type: 'project', projectKeyOrId: B.web } }, 'location'], // another site's key
      [{ name: 'x', type: 'scrum', location: { type: 'user', projectKeyOrId: A.web } }, 'location'],
      [{ name: 'x', type: 'scrum', location: { type: 'project', projectKeyOrId: A.web }, admins: [] }, 'admins'],
    ]) {
      const r = await agile(A, '/board', { method: 'POST', body });
      expectStatus(r, 400, JSON.stringify(body).slice(0, 100));
      assert.ok(r.json.errors[field], `${field}: ${JSON.stringify(r.json)}`);
    }
    // ravi may browse the website but not administer it
    const r = await agile(ravi, '/board', { method: 'POST', body: { name: 'x', type: 'scrum', location: { type: 'project', projectKeyOrId: A.web } } });
    expectJiraError(r, 403, 'no ADMINISTER_PROJECTS');
    expectJiraError(await agile(ravi, `/board/${made.id}`, { method: 'DELETE' }), 403);
    // its open sprint goes with it, its issue back to the (demo board's) backlog; a closed sprint stays in history
    const issue = (await c.v3.issues.createIssue({ fields: { project: { key: A.web }, summary: 'on a doomed board', issuetype: { name: 'Task' } } })).key;
    const doomed = await c.agile.board.createBoard({ name: 'Doomed', type: 'scrum', location: { type: 'project', projectKeyOrId: A.web } });
    const open = await c.agile.sprint.createSprint({ name: 'Doomed open', originBoardId: doomed.id });
    const done = await c.agile.sprint.createSprint({ name: 'Doomed done', originBoardId: doomed.id, startDate: '2026-01-01T00:00:00Z', endDate: '2026-01-02T00:00:00Z' });
    await c.agile.sprint.moveIssuesToSprintAndRank({ sprintId: done.id, issues: [issue] });
    await c.agile.sprint.partiallyUpdateSprint({ sprintId: done.id, state: 'active' });
    await c.agile.sprint.partiallyUpdateSprint({ sprintId: done.id, state: 'closed' });
    await c.agile.sprint.moveIssuesToSprintAndRank({ sprintId: open.id, issues: [issue] });
    await c.agile.board.deleteBoard({ boardId: doomed.id });
    assert.equal((await rejects(c.agile.sprint.getSprint({ sprintId: open.id }), 'deleted with its board')).status, 404);
    const after = await c.agile.issue.getIssue({ issueIdOrKey: issue });
    assert.equal(after.fields.sprint, null);
    assert.deepEqual(after.fields.closedSprints.map((x) => x.id), [done.id]);
    const web = await boardOf(c, A.web);
    const backlogKeys = [];
    for (let at = 0; ; at += 50) {
      const page = await c.agile.board.getIssuesForBacklog({ boardId: web.id, maxResults: 50, startAt: at });
      backlogKeys.push(...page.issues.map((i) => i.key));
      if (at + 50 >= page.total) break;
    }
    assert.ok(backlogKeys.includes(issue), 'back in the backlog');
    await c.agile.board.deleteBoard({ boardId: made.id });
    const gone = await rejects(c.agile.board.getBoard({ boardId: made.id }), 'deleted board');
    assert.equal(gone.status, 404);
  });

  it('another site\'s board, a board of a project the user may not browse and a missing board answer the same 404', async () => {
    const webB = await boardOf(cB, B.web);
    const webA = await boardOf(c, A.web);
    const paths = (id) => ['', '/configuration', '/issue', '/backlog', '/sprint', '/epic', '/project', '/epic/none/issue', '/epic/1/issue'].map((s) => `/board/${id}${s}`);
    const want = (await agile(A, '/board/999999999')).json;
    assert.equal((await agile(A, '/board/999999999')).status, 404);
    for (const p of [...paths(webB.id), ...paths('abc'), ...paths('-1'), ...paths('99999999999999999999')]) {
      const r = await agile(A, p);
      expectStatus(r, 404, p);
      assert.deepEqual(r.json, want, p);
    }
    for (const p of paths(webA.id)) {
      const r = await agile(lena, p);
      expectStatus(r, 404, `lena ${p}`);
      assert.deepEqual(r.json, want, p);
    }
    expectStatus(await agile(A, `/board/${webB.id}`, { method: 'DELETE' }), 404);
    assert.equal((await cB.agile.board.getBoard({ boardId: webB.id })).id, webB.id, 'B\'s board is still there');
    // lena's list has no board she cannot browse (the help desk has none)
    const listed = (await agile(lena, '/board')).json;
    assert.equal(listed.total, 0, JSON.stringify(listed));
    assert.deepEqual(listed.values, []);
    // and A's own list names none of B's
    const mine = await c.agile.board.getAllBoards();
    assert.ok(mine.values.every((b) => b.location.projectKey.endsWith(A.tag)), JSON.stringify(mine.values.map((b) => b.location.projectKey)));
  });

  it('two plain sites with the same ids: one never reaches the other\'s board or sprint', async () => {
    // without demo data both count from 10000: P's board and sprint have ids Q also has a project of
    const P = await k.siteWithToken('agile-plain-p');
    const Q = await k.siteWithToken('agile-plain-q');
    const cP = await jiraClients(k, P);
    const cQ = await jiraClients(k, Q);
    const pp = await cP.v3.projects.createProject({ key: 'SAME', name: 'Same P', projectTypeKey: 'software', leadAccountId: P.accountId });
    const pq = await cQ.v3.projects.createProject({ key: 'SAME', name: 'Same Q', projectTypeKey: 'software', leadAccountId: Q.accountId });
    assert.equal(pp.id, pq.id, 'the two projects share an id');
    const board = await cP.agile.board.createBoard({ name: 'P only', type: 'scrum', location: { type: 'project', projectKeyOrId: 'SAME' } });
    const own = await cQ.agile.board.createBoard({ name: 'Q own', type: 'scrum', location: { type: 'project', projectKeyOrId: 'SAME' } });
    assert.equal(own.id, board.id, 'the two boards share an id');
    const sprint = await cP.agile.sprint.createSprint({ name: 'P sprint', originBoardId: board.id });
    for (const p of [`/sprint/${sprint.id}`, `/sprint/${sprint.id}/issue`]) expectStatus(await agile(Q, p), 404, `Q ${p}`);
    expectStatus(await agile(Q, `/sprint/${sprint.id}`, { method: 'POST', body: { name: 'Q was here' } }), 404);
    expectStatus(await agile(Q, `/sprint/${sprint.id}`, { method: 'DELETE' }), 404);
    assert.equal((await cQ.agile.board.getBoard({ boardId: board.id })).name, 'Q own');
    assert.deepEqual((await cQ.agile.board.getAllBoards()).values.map((b) => b.name), ['Q own']);
    assert.deepEqual((await cQ.agile.board.getAllSprints({ boardId: own.id })).values, []);
    assert.equal((await cP.agile.sprint.getSprint({ sprintId: sprint.id })).name, 'P sprint');
    assert.equal((await cP.agile.board.getBoard({ boardId: board.id })).name, 'P only');
    // a site without demo data gets its Sprint field with its first sprint move
    const issue = (await cP.v3.issues.createIssue({ fields: { project: { key: 'SAME' }, summary: 'first', issuetype: { name: 'Task' } } })).key;
    const before = await cP.agile.issue.getIssue({ issueIdOrKey: issue });
    assert.ok(!Object.values(before.fields).some((v) => Array.isArray(v) && v[0]?.boardId), 'no Sprint field yet');
    await cP.agile.sprint.moveIssuesToSprintAndRank({ sprintId: sprint.id, issues: [issue] });
    const moved = await cP.agile.issue.getIssue({ issueIdOrKey: issue });
    const sf = Object.keys(moved.fields).find((f) => Array.isArray(moved.fields[f]) && moved.fields[f][0]?.boardId === board.id);
    assert.match(sf ?? '', /^customfield_\d+$/, JSON.stringify(moved.fields).slice(0, 300));
    assert.equal(moved.fields[sf][0].name, 'P sprint');
  });

  it('a site has at most 1000 boards, a board at most 1000 sprints', async () => {
    const L = await k.siteWithToken('agile-limits');
    const cL = await jiraClients(k, L);
    await cL.v3.projects.createProject({ key: 'LIM', name: 'Limits', projectTypeKey: 'software', leadAccountId: L.accountId });
    const many = async (n, p, body) => {
      for (let i = 0; i < n; i += 25) {
        const rs = await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, j) => agile(L, p, { method: 'POST', body: body(i + j) })));
        for (const r of rs) expectStatus(r, 201, p);
      }
    };
    await many(1000, '/board', (i) => ({ name: `b${i}`, type: 'scrum', location: { type: 'project', projectKeyOrId: 'LIM' } }));
    expectJiraError(await agile(L, '/board', { method: 'POST', body: { name: 'one more', type: 'scrum', location: { type: 'project', projectKeyOrId: 'LIM' } } }), 400);
    const list = (await agile(L, '/board?startAt=990')).json;
    assert.equal(list.total, 1000);
    assert.equal(list.values.length, 10);
    assert.equal(list.isLast, true);
    const board = list.values[9].id;
    await many(1000, '/sprint', (i) => ({ name: `s${i}`, originBoardId: board }));
    expectJiraError(await agile(L, '/sprint', { method: 'POST', body: { name: 'one more', originBoardId: board } }), 400);
    const last = (await agile(L, `/board/${board}/sprint?startAt=999`)).json;
    assert.equal(last.values.length, 1);
    assert.equal(last.isLast, true);
    // a burst past the limit from many clients at once still stops at the limit
    const other = list.values[0].id;
    const burst = await Promise.all(Array.from({ length: 1030 }, (_, i) => agile(L, '/sprint', { method: 'POST', body: { name: `x${i}`, originBoardId: other } })));
    assert.equal(burst.filter((r) => r.status === 201).length, 1000);
    assert.ok(burst.every((r) => r.status === 201 || r.status === 400), [...new Set(burst.map((r) => r.status))].join());
  });

  it('malformed bodies are refused', async () => {
    const web = await boardOf(c, A.web);
    for (const [p, method] of [['/board', 'POST'], ['/sprint', 'POST'], ['/backlog/issue', 'POST'], ['/issue/rank', 'PUT'], [`/board/${web.id}`, 'GET']]) {
      for (const body of ['[]', '{"name":', 'null', '"x"', `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`]) {
        const r = await agile(A, p, { method: method === 'GET' ? 'POST' : method, body, headers: { 'content-type': 'application/json' } });
        assert.ok([400, 405].includes(r.status), `${method} ${p} ${body.slice(0, 12)}: ${r.status}`);
      }
    }
  });

  it('query parameters are checked', async () => {
    const web = await boardOf(c, A.web);
    for (const q of ['startAt=-1', 'maxResults=x', 'type=agility', 'startAt=%zz']) {
      expectJiraError(await agile(A, `/board?${q}`), 400, q);
    }
    for (const q of ['state=open', 'state=active,,x', 'startAt=-5']) expectJiraError(await agile(A, `/board/${web.id}/sprint?${q}`), 400, q);
    const bad = await agile(A, `/board/${web.id}/issue?jql=${encodeURIComponent('status = ')}`);
    expectJiraError(bad, 400, 'a JQL syntax error');
    assert.match(bad.json.errorMessages[0], /Error in the JQL Query/, JSON.stringify(bad.json));
    expectJiraError(await agile(A, `/board/${web.id}/issue?jql=${encodeURIComponent('nosuchfield = 1')}`), 400, 'a field JQL does not know');
    expectJiraError(await agile(A, `/board/${web.id}/issue?fields=${Array(300).fill('a').join(',')}`), 400, 'too many fields');
    const mkt = await boardOf(c, A.mkt);
    expectJiraError(await agile(A, `/board/${mkt.id}/sprint`), 400, 'kanban has no sprints');
  });
});

describe('sprints, backlog and board issues', () => {
  it('the demo\'s sprints: two closed, one active, one future; their issues; the backlog', async () => {
    const web = await boardOf(c, A.web);
    const sprints = await c.agile.board.getAllSprints({ boardId: web.id });
    for (const s of sprints.values) valid('GET /rest/agile/1.0/sprint/{sprintId}', 200, s, 'SprintBean');
    assert.deepEqual(sprints.values.map((s) => s.state), ['closed', 'closed', 'active', 'future']);
    const active = await c.agile.board.getAllSprints({ boardId: web.id, state: 'active' });
    assert.deepEqual(active.values.map((s) => s.id), [sprints.values[2].id]);
    const open = await agile(A, `/board/${web.id}/sprint?state=future,active`);
    assert.deepEqual(open.json.values.map((s) => s.state), ['active', 'future']);
    const got = await c.agile.sprint.getSprint({ sprintId: active.values[0].id });
    valid('GET /rest/agile/1.0/sprint/{sprintId}', 200, got, 'SprintBean');
    assert.equal(got.originBoardId, web.id);
    const inActive = await c.agile.sprint.getIssuesForSprint({ sprintId: got.id });
    valid('GET /rest/agile/1.0/sprint/{sprintId}/issue', 200, inActive, 'SearchResults');
    // 4 of its own and the 2 carried over from sprint 2
    assert.equal(inActive.total, 6);
    const backlog = await c.agile.board.getIssuesForBacklog({ boardId: web.id });
    valid('GET /rest/agile/1.0/board/{boardId}/backlog', 200, backlog);
    // no issue of the backlog is done, in an open sprint, or an epic
    const openIds = new Set();
    for (const s of sprints.values.filter((x) => x.state !== 'closed')) {
      for (const i of (await c.agile.sprint.getIssuesForSprint({ sprintId: s.id })).issues) openIds.add(i.id);
    }
    assert.ok(backlog.total > 0);
    for (const i of backlog.issues) {
      assert.notEqual(i.fields.status.statusCategory.key, 'done', i.key);
      assert.ok(!openIds.has(i.id), `${i.key} is in an open sprint`);
      assert.notEqual(i.fields.issuetype.name, 'Epic');
    }
    // jql filters within the list, in rank order
    const doneOnBoard = await c.agile.board.getIssuesForBoard({ boardId: web.id, jql: 'statusCategory = Done ORDER BY key DESC', maxResults: 50 });
    valid('GET /rest/agile/1.0/board/{boardId}/issue', 200, doneOnBoard);
    assert.ok(doneOnBoard.total > 0);
    assert.ok(doneOnBoard.issues.every((i) => i.fields.status.statusCategory.key === 'done' && i.key.startsWith(`${A.web}-`)));
    const sprintBugs = await c.agile.sprint.getIssuesForSprint({ sprintId: got.id, jql: 'issuetype = Bug' });
    assert.ok(sprintBugs.issues.every((i) => i.fields.issuetype.name === 'Bug'));
    assert.ok(sprintBugs.total < inActive.total);
    // another project's issues never come in through the jql
    const other = await c.agile.board.getIssuesForBoard({ boardId: web.id, jql: `project = ${A.help}` });
    assert.equal(other.total, 0);
    const all = await c.agile.board.getIssuesForBoard({ boardId: web.id, maxResults: 50 });
    valid('GET /rest/agile/1.0/board/{boardId}/issue', 200, all);
    assert.ok(all.total >= backlog.total + openIds.size);
    assert.ok(all.issues.every((i) => i.key.startsWith(`${A.web}-`)));
    // paging: two pages of 5 are the first 10 in order
    const p1 = await c.agile.board.getIssuesForBoard({ boardId: web.id, maxResults: 5 });
    const p2 = await c.agile.board.getIssuesForBoard({ boardId: web.id, maxResults: 5, startAt: 5 });
    assert.deepEqual([...p1.issues, ...p2.issues].map((i) => i.id), all.issues.slice(0, 10).map((i) => i.id));
    // the Sprint field on an issue of the active sprint names its sprints
    const one = inActive.issues[0];
    const fid = Object.keys(one.fields).find((f) => Array.isArray(one.fields[f]) && one.fields[f][0]?.boardId === web.id);
    assert.ok(fid && fid.startsWith('customfield_'), `a Sprint field on ${one.key}: ${JSON.stringify(one.fields).slice(0, 400)}`);
    assert.ok(one.fields[fid].some((s) => s.id === got.id && s.state === 'active'));
    // the agile API's own fields: the open sprint, the closed ones, the epic, the flag
    for (const i of inActive.issues) {
      assert.equal(i.fields.sprint.id, got.id, i.key);
      valid('sprint field', 200, i.fields.sprint, 'SprintBean');
      assert.ok(Array.isArray(i.fields.closedSprints));
      assert.equal(i.fields.flagged, false);
      assert.match(i.fields.epic?.key ?? '', new RegExp(`^${A.web}-\\d+$`), JSON.stringify(i.fields.epic));
    }
    const carried = inActive.issues.filter((i) => i.fields.closedSprints.length);
    assert.equal(carried.length, 2, 'the two carried over from sprint 2');
    assert.ok(carried.every((i) => i.fields.closedSprints[0].id === sprints.values[1].id));
    const viaV3 = (await raw(A, `/rest/api/3/issue/${one.key}`)).json;
    assert.ok(!('sprint' in viaV3.fields) && !('closedSprints' in viaV3.fields) && !('epic' in viaV3.fields), 'agile fields only under /rest/agile');
    assert.deepEqual(viaV3.fields[fid], one.fields[fid]);
    const agileGet = await c.agile.issue.getIssue({ issueIdOrKey: one.key });
    valid('GET /rest/agile/1.0/issue/{issueIdOrKey}', 200, agileGet, 'IssueBean');
    assert.equal(agileGet.fields.sprint.id, got.id);
  });

  it('a sprint goes future -> active -> closed; closing leaves the unfinished issues in the backlog', async () => {
    const board = await c.agile.board.createBoard({ name: 'Flow', type: 'scrum', location: { type: 'project', projectKeyOrId: A.web } });
    const made = await c.agile.sprint.createSprint({ name: 'Flow 1', originBoardId: board.id, goal: 'See it move' });
    valid('POST /rest/agile/1.0/sprint', 201, made, 'SprintBean');
    assert.equal(made.state, 'future');
    assert.equal(made.goal, 'See it move');
    // two fresh issues into the sprint
    const mk = async (summary) => (await c.v3.issues.createIssue({ fields: { project: { key: A.web }, summary, issuetype: { name: 'Task' } } })).key;
    const i1 = await mk('flow one');
    const i2 = await mk('flow two');
    await c.agile.sprint.moveIssuesToSprintAndRank({ sprintId: made.id, issues: [i1, i2] });
    const inSprint = await c.agile.sprint.getIssuesForSprint({ sprintId: made.id });
    assert.deepEqual(inSprint.issues.map((i) => i.key).sort(), [i1, i2].sort());
    // the Sprint field of a moved issue names the sprint
    const moved = await c.agile.issue.getIssue({ issueIdOrKey: i1 });
    const sf = Object.keys(moved.fields).find((f) => Array.isArray(moved.fields[f]) && moved.fields[f][0]?.boardId === board.id);
    assert.ok(sf, JSON.stringify(moved.fields).slice(0, 300));
    assert.deepEqual(moved.fields[sf].map((x) => [x.id, x.state]), [[made.id, 'future']]);
    // starting needs dates
    let r = await agile(A, `/sprint/${made.id}`, { method: 'POST', body: { state: 'active' } });
    expectJiraError(r, 400, 'no dates');
    r = await agile(A, `/sprint/${made.id}`, { method: 'POST', body: { state: 'closed' } });
    expectJiraError(r, 400, 'future -> closed');
    const started = await c.agile.sprint.partiallyUpdateSprint({ sprintId: made.id, state: 'active', startDate: '2026-01-05T09:00:00.000+01:00', endDate: '2026-01-19T17:00:00.000Z' });
    valid('POST /rest/agile/1.0/sprint/{sprintId}', 200, started, 'SprintBean');
    assert.equal(started.state, 'active');
    assert.equal(started.startDate, '2026-01-05T08:00:00.000+0000');
    assert.equal(started.endDate, '2026-01-19T17:00:00.000+0000');
    // one active sprint per board
    const second = await c.agile.sprint.createSprint({ name: 'Flow 2', originBoardId: board.id, startDate: '2026-01-20T09:00:00Z', endDate: '2026-02-01T09:00:00Z' });
    r = await agile(A, `/sprint/${second.id}`, { method: 'POST', body: { state: 'active' } });
    expectJiraError(r, 400, 'a second active sprint');
    r = await agile(A, `/sprint/${made.id}`, { method: 'POST', body: { state: 'future' } });
    expectJiraError(r, 400, 'active -> future');
    // close: the sprint keeps its issues, which are back in the backlog
    const closed = await c.agile.sprint.updateSprint({ sprintId: made.id, name: 'Flow 1', state: 'closed' });
    valid('PUT /rest/agile/1.0/sprint/{sprintId}', 200, closed, 'SprintBean');
    assert.equal(closed.state, 'closed');
    assert.ok(closed.completeDate);
    assert.equal((await c.agile.sprint.getIssuesForSprint({ sprintId: made.id })).total, 2);
    const backlog = await c.agile.board.getIssuesForBacklog({ boardId: board.id, maxResults: 50 });
    const keys = new Set();
    for (let at = 0; ; at += 50) {
      const page = await c.agile.board.getIssuesForBacklog({ boardId: board.id, maxResults: 50, startAt: at });
      page.issues.forEach((i) => keys.add(i.key));
      if (at + 50 >= page.total) break;
    }
    assert.ok(backlog.total >= 2);
    assert.ok(keys.has(i1) && keys.has(i2), 'unfinished issues of the closed sprint are in the backlog');
    // closed is final: no reopening, no new issues, no date changes, no delete; name and goal may change
    for (const body of [{ state: 'active' }, { state: 'future' }, { startDate: '2026-03-01T00:00:00Z' }]) {
      expectJiraError(await agile(A, `/sprint/${made.id}`, { method: 'POST', body }), 400, JSON.stringify(body));
    }
    expectJiraError(await agile(A, `/sprint/${made.id}/issue`, { method: 'POST', body: { issues: [i1] } }), 400, 'into a closed sprint');
    expectJiraError(await agile(A, `/sprint/${made.id}`, { method: 'DELETE' }), 400, 'delete a closed sprint');
    const renamed = await c.agile.sprint.partiallyUpdateSprint({ sprintId: made.id, name: 'Flow 1 (done)' });
    assert.equal(renamed.name, 'Flow 1 (done)');
    assert.equal(renamed.state, 'closed');
    // an issue moves from one open sprint to another; then to the backlog
    await c.agile.sprint.moveIssuesToSprintAndRank({ sprintId: second.id, issues: [i1] });
    // moved and ranked at once: i2 (made after i1) goes before it
    await c.agile.sprint.moveIssuesToSprintAndRank({ sprintId: second.id, issues: [i2], rankBeforeIssue: i1 });
    assert.deepEqual((await c.agile.sprint.getIssuesForSprint({ sprintId: second.id })).issues.map((i) => i.key), [i2, i1]);
    expectJiraError(await agile(A, `/sprint/${second.id}/issue`, { method: 'POST', body: { issues: [i2], rankAfterIssue: `${B.web}-1` } }), 400, 'rank against another site\'s issue');
    expectJiraError(await agile(A, `/sprint/${second.id}/issue`, { method: 'POST', body: { issues: [i2], rankAfterIssue: i2 } }), 400, 'against itself');
    const third = await c.agile.sprint.createSprint({ name: 'Flow 3', originBoardId: board.id });
    await c.agile.sprint.moveIssuesToSprintAndRank({ sprintId: third.id, issues: [i1] });
    assert.equal((await c.agile.sprint.getIssuesForSprint({ sprintId: second.id })).total, 1, 'i1 left Flow 2');
    assert.equal((await c.agile.sprint.getIssuesForSprint({ sprintId: third.id })).total, 1);
    const onBoard = await c.agile.board.getBoardIssuesForSprint({ boardId: board.id, sprintId: third.id });
    valid('GET /rest/agile/1.0/board/{boardId}/sprint/{sprintId}/issue', 200, onBoard, 'SearchResults');
    assert.deepEqual(onBoard.issues.map((i) => i.key), [i1]);
    const demoBoard = await boardOf(c, A.web);
    expectStatus(await agile(A, `/board/${demoBoard.id}/sprint/${third.id}/issue`), 404, 'a sprint of another board');
    await c.agile.backlog.moveIssuesToBacklog({ issues: [i1] });
    assert.equal((await c.agile.sprint.getIssuesForSprint({ sprintId: third.id })).total, 0);
    // to the board's backlog, ranked: i2 (in Flow 2) goes right after i1
    await c.agile.backlog.moveIssuesToBacklogForBoard({ boardId: board.id, issues: [i2], rankAfterIssue: i1 });
    const bl = [];
    for (let at = 0; ; at += 50) {
      const page = await c.agile.board.getIssuesForBacklog({ boardId: board.id, maxResults: 50, startAt: at });
      bl.push(...page.issues.map((i) => i.key));
      if (at + 50 >= page.total) break;
    }
    assert.equal(bl.indexOf(i2), bl.indexOf(i1) + 1, 'i2 right after i1');
    expectStatus(await agile(A, `/backlog/${board.id}/issue`, { method: 'POST', body: { issues: [`${A.mkt}-1`] } }), 400, 'not the board\'s project');
    expectStatus(await agile(lena, `/backlog/${board.id}/issue`, { method: 'POST', body: { issues: [i2] } }), 404, 'lena');
    // i1's Sprint field: the closed sprint it was in, no open one
    const after1 = await c.agile.issue.getIssue({ issueIdOrKey: i1 });
    assert.deepEqual(after1.fields[sf].map((x) => [x.id, x.state]), [[made.id, 'closed']]);
    // delete a future sprint: its issues go back to the backlog
    await c.agile.sprint.moveIssuesToSprintAndRank({ sprintId: third.id, issues: [i2] });
    await c.agile.sprint.deleteSprint({ sprintId: third.id });
    assert.equal((await rejects(c.agile.sprint.getSprint({ sprintId: third.id }), 'deleted sprint')).status, 404);
    // the change events, in order, and none for the refused changes
    const site = k.sql(`SELECT id FROM sites WHERE cloud_id = '${A.cloudId}'`);
    const kinds = (id) => k.sql(`SELECT kind FROM product_events WHERE site_id = ${site} AND entity_id = '${id}' ORDER BY seq`).split('\n');
    const sw = (e) => `avi:jira-software:${e}:sprint`;
    assert.deepEqual(kinds(made.id), [sw('created'), sw('updated'), sw('started'), sw('updated'), sw('closed'), sw('updated')]);
    assert.deepEqual(kinds(third.id), [sw('created'), sw('deleted')]);
    // i1's Sprint changelog: into Flow 1, then Flow 2, Flow 3, the backlog (closing Flow 1 moved nothing)
    const iid = (await c.agile.issue.getIssue({ issueIdOrKey: i1 })).id;
    const items = k.sql(`SELECT coalesce(ci.from_string, '-') || '>' || coalesce(ci.to_string, '-') FROM changeitems ci JOIN changegroups g ON g.site_id = ci.site_id AND g.id = ci.group_id WHERE g.site_id = ${site} AND g.issue_id = ${iid} AND ci.field = 'Sprint' ORDER BY g.id`).split('\n');
    assert.deepEqual(items, ['->Flow 1', '->Flow 2', 'Flow 2>Flow 3', 'Flow 3>-']);
    assert.equal(kinds(iid).filter((x) => x === 'avi:jira:updated:issue').length, 4);
  });

  it('starting ten sprints of one board at once leaves exactly one active', async () => {
    const board = await c.agile.board.createBoard({ name: 'Race', type: 'scrum', location: { type: 'project', projectKeyOrId: A.web } });
    const ids = [];
    for (let i = 0; i < 10; i++) {
      ids.push((await c.agile.sprint.createSprint({ name: `Race ${i}`, originBoardId: board.id, startDate: '2026-03-01T00:00:00Z', endDate: '2026-03-14T00:00:00Z' })).id);
    }
    const rs = await Promise.all(ids.map((id) => agile(A, `/sprint/${id}`, { method: 'POST', body: { state: 'active' } })));
    assert.deepEqual(rs.map((r) => r.status).sort(), [200, ...Array(9).fill(400)], rs.map((r) => r.status).join());
    const active = await c.agile.board.getAllSprints({ boardId: board.id, state: 'active' });
    assert.equal(active.values.length, 1);
  });

  it('sprint input is checked; another site\'s sprint and a user who may not browse get the same 404', async () => {
    const web = await boardOf(c, A.web);
    const webB = await boardOf(cB, B.web);
    const sB = (await cB.agile.board.getAllSprints({ boardId: webB.id })).values[2];
    const sA = (await c.agile.board.getAllSprints({ boardId: web.id })).values[2];
    const want = (await agile(A, '/sprint/999999999')).json;
    for (const [method, p, body] of [['GET', ''], ['GET', '/issue'], ['PUT', '', { name: 'x', state: 'active' }], ['POST', '', { name: 'x' }], ['DELETE', ''], ['POST', '/issue', { issues: [`${A.web}-1`] }]]) {
      for (const [who, id] of [[A, sB.id], [lena, sA.id], [A, 'x1'], [A, '0']]) {
        const r = await agile(who, `/sprint/${id}${p}`, { method, body });
        expectStatus(r, 404, `${method} /sprint/${id}${p}`);
        assert.deepEqual(r.json, want, `${method} ${p}`);
      }
    }
    assert.equal((await cB.agile.sprint.getSprint({ sprintId: sB.id })).name, sB.name, 'B\'s sprint is unchanged');
    // creating on another site's board or a board lena cannot see
    for (const [who, board] of [[A, webB.id], [lena, web.id], [A, 'x'], [A, -1]]) {
      const r = await agile(who, '/sprint', { method: 'POST', body: { name: 'x', originBoardId: board } });
      expectStatus(r, 400);
      assert.ok(r.json.errors.originBoardId, JSON.stringify(r.json));
    }
    for (const body of [
      { originBoardId: web.id },
      { name: '', originBoardId: web.id },
      { name: 'x'.repeat(256), originBoardId: web.id },
      { name: 'x', originBoardId: web.id, startDate: 'yesterday' },
      { name: 'x', originBoardId: web.id, startDate: '2026-13-01T00:00:00Z' },
      { name: 'x', originBoardId: web.id, startDate: '2026-02-31T00:00:00Z' },
      { name: 'x', originBoardId: web.id, startDate: '2026-02-01T25:00:00Z' },
      { name: 'x', originBoardId: web.id, endDate: '2026-02-01T10:00:00+15:00' },
      { name: 'x', originBoardId: web.id, endDate: '2026-02-01T10:00:00.Z' },
      { name: 'x', originBoardId: web.id, endDate: 20260201 },
      { name: 'x', originBoardId: web.id, startDate: '2026-02-01T00:00:00Z', endDate: '2026-01-01T00:00:00Z' },
      { name: 'x', originBoardId: web.id, state: 'active' },
      { name: 'x', originBoardId: web.id, goal: 'g'.repeat(5000) },
      { name: 'x', originBoardId: web.id, sprintColour: 'red' },
    ]) {
      expectStatus(await agile(A, '/sprint', { method: 'POST', body }), 400, JSON.stringify(body).slice(0, 120));
    }
    // moves: at most 50 issues, only visible ones of the board's project, none of another site
    const fresh = await c.agile.sprint.createSprint({ name: 'Moves', originBoardId: web.id });
    const fifty1 = Array.from({ length: 51 }, (_, i) => `${A.web}-${i + 1}`);
    for (const issues of [fifty1, [], 'x', [`${B.web}-1`], [`${A.help}-1`], ['10000000000'], [{ id: 1 }]]) {
      expectStatus(await agile(A, `/sprint/${fresh.id}/issue`, { method: 'POST', body: { issues } }), 400, JSON.stringify(issues).slice(0, 80));
    }
    expectStatus(await agile(A, '/backlog/issue', { method: 'POST', body: { issues: [`${B.web}-1`] } }), 400, 'another site\'s issue');
    // ravi may browse and edit the website: he manages sprints there; lena may not even see them
    const r = await agile(ravi, `/sprint/${fresh.id}`, { method: 'POST', body: { goal: 'Ravi was here' } });
    expectStatus(r, 200);
    expectStatus(await agile(lena, '/backlog/issue', { method: 'POST', body: { issues: [`${A.web}-1`] } }), 400, 'lena cannot see WEB issues');
  });
});

describe('epics and ranks', () => {
  it('epics: get, their issues, move issues in and out; none', async () => {
    const web = await boardOf(c, A.web);
    const epics = await agile(A, `/board/${web.id}/epic`);
    expectStatus(epics, 200);
    // demo_agile's three (the demo's other issues have epics of their own)
    const NAMES = ['Checkout redesign', 'Documentation search', 'Legacy login removal'];
    const ours = (list) => list.filter((x) => NAMES.includes(x.name));
    assert.ok(epics.json.values.length < 50 && epics.json.isLast);
    assert.deepEqual(ours(epics.json.values).map((x) => x.name), NAMES);
    assert.ok(epics.json.values.every((x) => x.key.startsWith(`${A.web}-`)));
    const e = ours(epics.json.values)[0];
    // done=true and done=false split them: the third is done
    const notDone = (await agile(A, `/board/${web.id}/epic?done=false`)).json.values;
    const isDone = (await agile(A, `/board/${web.id}/epic?done=true`)).json.values;
    assert.ok(notDone.every((x) => x.done === false) && isDone.every((x) => x.done === true));
    assert.equal(notDone.length + isDone.length, epics.json.values.length);
    assert.deepEqual(ours(notDone).map((x) => x.name), NAMES.slice(0, 2));
    assert.deepEqual(ours(isDone).map((x) => x.name), NAMES.slice(2));
    expectJiraError(await agile(A, `/board/${web.id}/epic?done=yes`), 400);
    const got = await c.agile.epic.getEpic({ epicIdOrKey: e.key });
    assert.deepEqual(got, e);
    const children = await c.agile.epic.getIssuesForEpic({ epicIdOrKey: e.id });
    valid('GET /rest/agile/1.0/epic/{epicIdOrKey}/issue', 200, children, 'SearchResults');
    assert.equal(children.total, 8);
    const onBoard = await c.agile.board.getBoardIssuesForEpic({ boardId: web.id, epicId: e.id });
    assert.equal(onBoard.total, 8);
    const fresh = (await c.v3.issues.createIssue({ fields: { project: { key: A.web }, summary: 'epic-less', issuetype: { name: 'Story' } } })).key;
    const none = await c.agile.epic.getIssuesWithoutEpic({ maxResults: 50 });
    valid('GET /rest/agile/1.0/epic/none/issue', 200, none, 'SearchResults');
    assert.equal((await c.agile.epic.getIssuesWithoutEpic({ jql: `key = ${fresh}` })).total, 1);
    assert.ok(none.issues.every((i) => [A.web, A.mkt, A.help].includes(i.key.split('-')[0])), 'only this site\'s issues');
    const noneOnBoard = await c.agile.board.getIssuesWithoutEpicForBoard({ boardId: web.id, jql: `key = ${fresh}` });
    assert.deepEqual(noneOnBoard.issues.map((i) => i.key), [fresh]);
    await c.agile.epic.moveIssuesToEpic({ epicIdOrKey: e.key, issues: [fresh] });
    assert.equal((await c.agile.epic.getIssuesForEpic({ epicIdOrKey: e.id })).total, 9);
    const parent = (await raw(A, `/rest/agile/1.0/issue/${fresh}`)).json;
    assert.ok(parent.key === fresh);
    await c.agile.epic.removeIssuesFromEpic({ issues: [fresh] });
    assert.equal((await c.agile.epic.getIssuesForEpic({ epicIdOrKey: e.id })).total, 8);
    // not an epic, another site's epic, lena: the same 404
    const want = (await agile(A, '/epic/999999999')).json;
    const epicB = (await agile(B, `/board/${(await boardOf(cB, B.web)).id}/epic`)).json.values[0];
    for (const [who, id] of [[A, epicB.key], [A, epicB.id], [A, fresh], [lena, e.key]]) {
      for (const p of ['', '/issue']) {
        const r = await agile(who, `/epic/${id}${p}`);
        expectStatus(r, 404, `${id}${p}`);
        assert.deepEqual(r.json, want);
      }
    }
    expectStatus(await agile(A, `/epic/${e.key}/issue`, { method: 'POST', body: { issues: [epicB.key] } }), 400);
    expectStatus(await agile(lena, `/epic/${e.key}/issue`, { method: 'POST', body: { issues: [fresh] } }), 404);
    // lena sees no issue without an epic from the website
    const lenaNone = (await agile(lena, '/epic/none/issue')).json;
    assert.ok(lenaNone.issues.every((i) => i.key.startsWith(A.help)), JSON.stringify(lenaNone.issues.map((i) => i.key)));
  });

  it('rank: before and after another issue, many at once, and the order holds', async () => {
    const board = await c.agile.board.createBoard({ name: 'Ranks', type: 'kanban', location: { type: 'project', projectKeyOrId: A.mkt } });
    const mk = async (s) => (await c.v3.issues.createIssue({ fields: { project: { key: A.mkt }, summary: s, issuetype: { name: 'Task' } } })).key;
    const keys = [];
    for (let i = 0; i < 5; i++) keys.push(await mk(`rank ${i}`));
    const order = async () => {
      const all = await c.agile.board.getIssuesForBoard({ boardId: board.id, maxResults: 50, jql: `key in (${keys.join(', ')})` });
      return all.issues.map((i) => i.key);
    };
    assert.deepEqual(await order(), keys);
    await c.agile.issue.rankIssues({ issues: [keys[4]], rankBeforeIssue: keys[0] });
    assert.deepEqual(await order(), [keys[4], keys[0], keys[1], keys[2], keys[3]]);
    // several at once keep the order given (here against the order of their ids)
    await c.agile.issue.rankIssues({ issues: [keys[1], keys[0]], rankAfterIssue: keys[3] });
    assert.deepEqual(await order(), [keys[4], keys[2], keys[3], keys[1], keys[0]]);
    // 60 times in a row at the same spot
    for (let i = 0; i < 60; i++) await c.agile.issue.rankIssues({ issues: [keys[i % 2 ? 1 : 0]], rankBeforeIssue: keys[3] });
    assert.deepEqual((await order()).indexOf(keys[3]), 4);
    // bad input
    for (const body of [
      { issues: [keys[0]] },
      { issues: [keys[0]], rankBeforeIssue: keys[1], rankAfterIssue: keys[2] },
      { issues: [keys[0]], rankBeforeIssue: keys[0] },
      { issues: [], rankBeforeIssue: keys[0] },
      { issues: Array(51).fill(keys[1]), rankBeforeIssue: keys[0] },
      { issues: [`${B.mkt}-1`], rankBeforeIssue: keys[0] },
      { issues: [keys[1]], rankBeforeIssue: `${B.mkt}-1` },
      { issues: [keys[1]], rankBeforeIssue: keys[0], rankCustomFieldId: 'x' },
    ]) {
      expectStatus(await raw(A, '/rest/agile/1.0/issue/rank', { method: 'PUT', body }), 400, JSON.stringify(body).slice(0, 100));
    }
    const before = await order();
    expectStatus(await raw(lena, '/rest/agile/1.0/issue/rank', { method: 'PUT', body: { issues: [keys[1]], rankBeforeIssue: keys[0] } }), 400, 'lena');
    assert.deepEqual(await order(), before, 'nothing moved');
    // the agile issue get
    const one = await c.agile.issue.getIssue({ issueIdOrKey: keys[0] });
    assert.equal(one.key, keys[0]);
    assert.equal((await rejects(c.agile.issue.getIssue({ issueIdOrKey: `${B.mkt}-1` }), 'B issue')).status, 404);
  });
});

describe('DevOps data', () => {
  let app, app2, appB, dev, dev2, devB;
  before(async () => {
    const scopes = ['read:jira-work', 'write:build-info:jira', 'read:build-info:jira', 'delete:build-info:jira',
      'write:deployment-info:jira', 'read:deployment-info:jira', 'delete:deployment-info:jira',
      'write:dev-info:jira', 'read:dev-info:jira', 'delete:dev-info:jira'];
    app = await appSystemToken(k, A, [...scopes, 'read:board-scope:jira-software', 'read:project:jira', 'read:sprint:jira-software', 'read:issue-details:jira']);
    app2 = await appSystemToken(k, A, scopes);
    appB = await appSystemToken(k, B, scopes);
    dev = c.asApp(app.token);
    dev2 = c.asApp(app2.token);
    devB = cB.asApp(appB.token);
  });
  after(async () => {
    await app?.close();
    await app2?.close();
    await appB?.close();
  });

  const build = (n, seq, keys, extra = {}) => ({
    schemaVersion: '1.0', pipelineId: 'ci-main', buildNumber: n, updateSequenceNumber: seq, displayName: `#${n}`,
    url: `https://ci.example.com/${n}`, state: 'successful', lastUpdated: '2026-01-05T10:00:00.000Z', issueKeys: keys, ...extra,
  });

  it('builds: accepted, read back, a stale update does not overwrite, unknown keys reported', async () => {
    const res = await dev.agile.builds.submitBuilds({
      properties: { repo: 'web' },
      builds: [build(1, 5, [`${A.web}-1`, 'NOPE-9']), build(2, 1, ['NOPE-1']), build(3, 1, [`${A.web}-1`], { state: 'exploded' }),
        build(4, 1, [`${A.web}-1`], { url: undefined })],
    });
    valid('POST /rest/builds/0.1/bulk', 202, res);
    assert.deepEqual(res.acceptedBuilds, [{ pipelineId: 'ci-main', buildNumber: 1 }]);
    assert.deepEqual(res.rejectedBuilds.map((r) => r.key.buildNumber), [2, 3, 4]);
    assert.match(res.rejectedBuilds[2].errors[0].message, /'url' is required/);
    assert.deepEqual(res.unknownIssueKeys.sort(), ['NOPE-1', 'NOPE-9']);
    const got = await dev.agile.builds.getBuildByKey({ pipelineId: 'ci-main', buildNumber: 1 });
    valid('GET /rest/builds/0.1/pipelines/{pipelineId}/builds/{buildNumber}', 200, got);
    assert.equal(got.updateSequenceNumber, 5);
    // an issue id is no issue key; an issueIdOrKeys association takes either
    const web1 = (await c.v3.issues.getIssue({ issueIdOrKey: `${A.web}-1` })).id;
    const ids = await dev.agile.builds.submitBuilds({ builds: [build(20, 1, [web1]),
      build(21, 1, [], { issueKeys: undefined, associations: [{ associationType: 'issueIdOrKeys', values: [web1] }] })] });
    assert.deepEqual(ids.rejectedBuilds.map((r) => r.key.buildNumber), [20]);
    assert.deepEqual(ids.acceptedBuilds.map((r) => r.buildNumber), [21]);
    assert.deepEqual(ids.unknownIssueKeys, [web1]);
    const site = k.sql(`SELECT id FROM sites WHERE cloud_id = '${A.cloudId}'`);
    assert.equal(k.sql(`SELECT issue_key FROM devops_issue_keys WHERE site_id = ${site} AND entity_key = '["ci-main",21]'`), `${A.web}-1`, 'stored as the key, once');
    // stale: accepted, ignored
    const stale = await dev.agile.builds.submitBuilds({ builds: [build(1, 4, [`${A.web}-1`], { state: 'failed' })] });
    assert.equal(stale.acceptedBuilds.length, 1);
    assert.equal((await dev.agile.builds.getBuildByKey({ pipelineId: 'ci-main', buildNumber: 1 })).state, 'successful');
    await dev.agile.builds.submitBuilds({ properties: { repo: 'web' }, builds: [build(1, 6, [`${A.web}-1`], { state: 'failed' })] });
    assert.equal((await dev.agile.builds.getBuildByKey({ pipelineId: 'ci-main', buildNumber: 1 })).state, 'failed');
    // another app of the same site does not see it, nor another site's app, nor the site's user
    assert.equal((await rejects(dev2.agile.builds.getBuildByKey({ pipelineId: 'ci-main', buildNumber: 1 }), 'other app')).status, 404);
    await dev2.agile.builds.deleteBuildByKey({ pipelineId: 'ci-main', buildNumber: 1 });
    expectStatus(await k.api(`/ex/jira/${A.cloudId}/rest/builds/0.1/bulkByProperties?repo=web`, { method: 'DELETE', token: app2.token }), 202);
    assert.equal((await dev.agile.builds.getBuildByKey({ pipelineId: 'ci-main', buildNumber: 1 })).state, 'failed', 'the other app deleted nothing');
    assert.equal((await rejects(devB.agile.builds.getBuildByKey({ pipelineId: 'ci-main', buildNumber: 1 }), 'B app')).status, 404);
    expectStatus(await raw(A, '/rest/builds/0.1/pipelines/ci-main/builds/1'), 403, 'a user');
    expectStatus(await raw(A, '/rest/builds/0.1/bulk', { method: 'POST', body: { builds: [build(3, 1, [`${A.web}-1`])] } }), 403, 'a user writes');
    // bulkByProperties: only matching ones, only this app's
    await dev.agile.builds.submitBuilds({ properties: { repo: 'other' }, builds: [build(7, 1, [`${A.web}-2`])] });
    const del = await k.api(`/ex/jira/${A.cloudId}/rest/builds/0.1/bulkByProperties?repo=web`, { method: 'DELETE', token: app.token });
    expectStatus(del, 202);
    assert.equal((await rejects(dev.agile.builds.getBuildByKey({ pipelineId: 'ci-main', buildNumber: 1 }), 'deleted')).status, 404);
    assert.equal((await dev.agile.builds.getBuildByKey({ pipelineId: 'ci-main', buildNumber: 7 })).buildNumber, 7);
    // a delete bounded by an older update sequence leaves it
    await dev.agile.builds.deleteBuildByKey({ pipelineId: 'ci-main', buildNumber: 7, updateSequenceNumber: 0 });
    assert.equal((await dev.agile.builds.getBuildByKey({ pipelineId: 'ci-main', buildNumber: 7 })).buildNumber, 7);
    expectJiraError(await k.api(`/ex/jira/${A.cloudId}/rest/builds/0.1/pipelines/ci-main/builds/7?_updateSequenceNumber=x`, { method: 'DELETE', token: app.token }), 400);
    await dev.agile.builds.deleteBuildByKey({ pipelineId: 'ci-main', buildNumber: 7, updateSequenceNumber: 1 });
    assert.equal((await rejects(dev.agile.builds.getBuildByKey({ pipelineId: 'ci-main', buildNumber: 7 }), 'deleted')).status, 404);
  });

  it('an app sees every board of its site within its scopes, none of another site\'s', async () => {
    const mine = await dev.agile.board.getAllBoards();
    const admin = await c.agile.board.getAllBoards();
    assert.deepEqual(mine.values.map((b) => b.id), admin.values.map((b) => b.id));
    const web = await boardOf(dev, A.web);
    const sprints = await dev.agile.board.getAllSprints({ boardId: web.id });
    assert.deepEqual(sprints.values, (await c.agile.board.getAllSprints({ boardId: web.id })).values);
    assert.ok(sprints.values.length >= 4);
    const webB = await boardOf(cB, B.web);
    assert.equal((await rejects(dev.agile.board.getBoard({ boardId: webB.id }), 'B board as A app')).status, 404);
    // app2 has no agile scope: the gateway refuses before any handler runs
    const r = await k.api(`/ex/jira/${A.cloudId}/rest/agile/1.0/board`, { token: app2.token });
    assert.equal(r.status, 401, r.text);
    // A's app token on B's host: refused by the gateway
    const x = await k.api(`/ex/jira/${B.cloudId}/rest/agile/1.0/board/${webB.id}`, { token: app.token });
    assert.equal(x.status, 401, x.text);
  });

  it('deployments and repositories', async () => {
    const dep = {
      deploymentSequenceNumber: 3, updateSequenceNumber: 1, associations: [{ associationType: 'issueKeys', values: [`${A.web}-2`] }],
      displayName: 'Deploy 3', url: 'https://ci.example.com/d/3', description: 'to prod', lastUpdated: '2026-01-05T10:00:00.000Z',
      state: 'successful', pipeline: { id: 'deploy', displayName: 'Deploy', url: 'https://ci.example.com/d' },
      environment: { id: 'prod-1', displayName: 'Production', type: 'production' },
    };
    const res = await dev.agile.deployments.submitDeployments({ deployments: [dep] });
    valid('POST /rest/deployments/0.1/bulk', 202, res);
    assert.deepEqual(res.acceptedDeployments, [{ pipelineId: 'deploy', environmentId: 'prod-1', deploymentSequenceNumber: 3 }]);
    assert.deepEqual(res.rejectedDeployments, []);
    const got = await dev.agile.deployments.getDeploymentByKey({ pipelineId: 'deploy', environmentId: 'prod-1', deploymentSequenceNumber: 3 });
    valid('GET /rest/deployments/0.1/pipelines/{pipelineId}/environments/{environmentId}/deployments/{deploymentSequenceNumber}', 200, got);
    assert.equal(got.displayName, 'Deploy 3');
    const commit = {
      id: 'c1', issueKeys: [`${A.web}-1`], updateSequenceId: 10, hash: 'abc', message: 'fix', author: { name: 'm', email: 'm@example.com' },
      fileCount: 1, url: 'https://git.example.com/c1', displayId: 'abc', authorTimestamp: '2026-01-05T10:00:00Z',
    };
    const repo = {
      id: 'r1', name: 'web', url: 'https://git.example.com/web', updateSequenceId: 10,
      commits: [commit],
      branches: [{ id: 'b1', issueKeys: [`${A.web}-3`], name: 'feature', updateSequenceId: 10, url: 'https://git.example.com/b1', lastCommit: commit }],
      pullRequests: [],
    };
    const d = await dev.agile.developmentInformation.storeDevelopmentInformation({ repositories: [repo] });
    valid('POST /rest/devinfo/0.10/bulk', 202, d);
    assert.deepEqual(d.acceptedDevinfoEntities, { r1: { commits: ['c1'], branches: ['b1'], pullRequests: [] } });
    const back = await dev.agile.developmentInformation.getRepository({ repositoryId: 'r1' });
    valid('GET /rest/devinfo/0.10/repository/{repositoryId}', 200, back);
    assert.equal(back.name, 'web');
    await dev.agile.developmentInformation.deleteRepository({ repositoryId: 'r1' });
    assert.equal((await rejects(dev.agile.developmentInformation.getRepository({ repositoryId: 'r1' }), 'deleted repo')).status, 404);
  });

  it('oversized and malformed submissions are refused with one clear error; nothing is stored', async () => {
    for (const [p, body] of [['/rest/builds/0.1/bulk', '[]'], ['/rest/deployments/0.1/bulk', '{"deployments":'], ['/rest/devinfo/0.10/bulk', 'null'],
      ['/rest/devinfo/0.10/bulk', `${'['.repeat(5000)}${']'.repeat(5000)}`]]) {
      const r = await k.api(`/ex/jira/${A.cloudId}${p}`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, token: app.token });
      expectStatus(r, 400, `${p} ${body.slice(0, 20)}`);
    }
    const post = (p, body) => k.api(`/ex/jira/${A.cloudId}${p}`, { method: 'POST', body, token: app.token });
    const many = Array.from({ length: 101 }, (_, i) => build(100 + i, 1, [`${A.web}-1`]));
    expectJiraError(await post('/rest/builds/0.1/bulk', { builds: many }), 400, '101 builds');
    expectStatus(await k.api(`/ex/jira/${A.cloudId}/rest/builds/0.1/pipelines/ci-main/builds/100`, { token: app.token }), 404, 'none of them stored');
    expectJiraError(await post('/rest/builds/0.1/bulk', { builds: 'x' }), 400);
    // a build whose key cannot be read refuses the request whole: the good one is not stored
    expectJiraError(await post('/rest/builds/0.1/bulk', { builds: [build(200, 1, [`${A.web}-1`]), { pipelineId: 'x' }] }), 400, 'no buildNumber');
    expectStatus(await k.api(`/ex/jira/${A.cloudId}/rest/builds/0.1/pipelines/ci-main/builds/200`, { token: app.token }), 404, 'nothing stored');
    expectJiraError(await post('/rest/builds/0.1/bulk', { builds: [], properties: { a: 'b', c: 'd', e: 'f', g: 'h', i: 'j', k: 'l' } }), 400, '6 properties');
    expectJiraError(await post('/rest/builds/0.1/bulk', { builds: [], properties: { 'a"b': 'x' } }), 400, 'a quote in a property key');
    const keys = Array.from({ length: 501 }, (_, i) => `${A.web}-${i + 1}`);
    const r = await post('/rest/builds/0.1/bulk', { builds: [build(300, 1, keys), build(301, 1, [`${A.web}-1`], { description: 'x'.repeat(300000) })] });
    expectStatus(r, 202);
    assert.deepEqual(r.json.acceptedBuilds, []);
    assert.equal(r.json.rejectedBuilds.length, 2);
    const del = await k.api(`/ex/jira/${A.cloudId}/rest/builds/0.1/bulkByProperties`, { method: 'DELETE', token: app.token });
    expectJiraError(del, 400, 'no properties');
  });
});
