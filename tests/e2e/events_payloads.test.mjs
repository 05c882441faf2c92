// The payloads of the product events other than the issue's own, member by member, as
// Forge's reference gives them (developer.atlassian.com/platform/forge/events-reference/jira/;
// docs/events.md, "Payloads"): comments (body a string, not ADF; an edit is
// avi:jira:commented:issue again), worklogs ({worklog} alone), issue links (ids as strings,
// issueLinkType an object), versions ({version}, deleted: customFieldReplacements),
// components ({component}) and projects ({project}); which carry atlassianId and
// associatedUsers. The fixture app's trigger records what it receives through the real
// @forge/api and @forge/kvs; its webtrigger reads it back. Each assertion reads the member
// the way an app does (event.comment.body.includes, event.version.name ...).
//
// Run: make -j2 build/tests/nullfmt.so build/tests/sandbox_probe && KILN_BIN=build/kiln
//   KILN_SANDBOX_PROBE=build/tests/sandbox_probe KILN_TEST_PRELOAD=build/tests/nullfmt.so
//   node --test --test-concurrency=1 tests/e2e/events_payloads.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startKiln, cliOkJson as okJson, expectStatus } from './lib/kiln.mjs';
import { jiraClients } from './lib/jirajs.mjs';
import { until, deployApp, callWebtrigger, stateSrc } from './lib/events.mjs';

const EVENTS = [
  'avi:jira:commented:issue', 'avi:jira:deleted:comment',
  'avi:jira:created:worklog', 'avi:jira:updated:worklog', 'avi:jira:deleted:worklog',
  'avi:jira:created:issuelink', 'avi:jira:deleted:issuelink',
  'avi:jira:created:version', 'avi:jira:updated:version', 'avi:jira:deleted:version',
  'avi:jira:released:version', 'avi:jira:unreleased:version', 'avi:jira:archived:version',
  'avi:jira:created:component', 'avi:jira:updated:component', 'avi:jira:deleted:component',
  'avi:jira:created:project', 'avi:jira:updated:project',
  'avi:jira-software:created:board', 'avi:jira-software:deleted:board',
  'avi:jira-software:created:sprint', 'avi:jira-software:started:sprint',
];

const MANIFEST = `modules:
  trigger:
    - key: payloads
      function: record
      events:
${EVENTS.map((e) => `        - ${e}`).join('\n')}
  webtrigger:
    - key: state
      function: state-fn
      response:
        type: dynamic
  function:
    - key: record
      handler: index.record
    - key: state-fn
      handler: index.state
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
    - read:jira-user
    - storage:app
`;

const SRC = `import { kvs, WhereConditions } from '@forge/kvs';
export async function record(event) {
  const at = process.hrtime.bigint().toString().padStart(24, '0');
  await kvs.set('ev-' + at + '-' + Math.random().toString(36).slice(2, 8), { event, at });
}
${stateSrc('ev-', { pick: 'r.value.event' })}`;

describe('product event payloads (Forge\'s reference, member by member)', () => {
  let k, A, c, dir, project;
  const tag = randomBytes(3).toString('hex');

  /** Waits for the one event of `type` matching `pred` that was recorded. */
  async function one(type, pred, what) {
    const hit = await until(what, async () => (await callWebtrigger(k, dir, A)).filter((e) => e.eventType === type && pred(e)),
      { pred: (h) => h.length > 0 });
    assert.equal(hit.length, 1, `${what}: once`);
    return hit[0];
  }

  const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/;

  before(async () => {
    k = await startKiln();
    A = await k.siteWithToken(`evpl-${tag}`, true);
    c = await jiraClients(k, A);
    ({ dir } = await deployApp(k, 'evpl', { 'manifest.yml': MANIFEST, 'src/index.js': SRC }));
    await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir });
    project = (await c.v3.projects.searchProjects({ maxResults: 50 })).values[0];
  });

  after(async () => {
    await k?.close();
  });

  it('comments: body a string (not ADF); an edit is commented:issue again; deleted carries atlassianId only', async () => {
    const is = await c.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `c ${tag}`, issuetype: { name: 'Task' } } });
    const cm = await c.v3.issueComments.addComment({ issueIdOrKey: is.key, comment: `first words ${tag}` });
    const made = await one('avi:jira:commented:issue', (e) => e.comment.id === cm.id, 'the comment');
    assert.equal(typeof made.comment.body, 'string', 'Forge\'s comment events carry the body as a string');
    assert.ok(made.comment.body.includes(`first words ${tag}`));
    assert.deepEqual(Object.keys(made.comment).sort(), ['author', 'body', 'created', 'id', 'jsdPublic', 'updateAuthor', 'updated']);
    assert.deepEqual(made.comment.author, { accountId: c.accountId });
    assert.deepEqual(made.comment.updateAuthor, { accountId: c.accountId });
    assert.match(made.comment.created, ISO);
    assert.equal(made.comment.jsdPublic, true);
    assert.equal(made.issue.id, is.id);
    assert.equal(made.issue.key, is.key);
    assert.equal(made.atlassianId, c.accountId);
    assert.deepEqual(made.associatedUsers, [{ accountId: c.accountId }]);

    await c.v3.issueComments.updateComment({ issueIdOrKey: is.key, id: cm.id, body: `second words ${tag}` });
    const edit = await one('avi:jira:commented:issue', (e) => e.comment.id === cm.id && e.comment.body.includes('second'), 'the edit');
    assert.ok(edit.comment.body.includes(`second words ${tag}`));

    await c.v3.issueComments.deleteComment({ issueIdOrKey: is.key, id: cm.id });
    const gone = await one('avi:jira:deleted:comment', (e) => e.comment.id === cm.id, 'the deletion');
    assert.equal(typeof gone.comment.body, 'string');
    assert.equal(gone.issue.key, is.key);
    assert.equal(gone.atlassianId, c.accountId);
    assert.equal(gone.associatedUsers, undefined, 'Forge\'s deleted:comment has no associatedUsers');
  });

  it('worklogs: {eventType, worklog} alone, comment a string', async () => {
    const is = await c.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `w ${tag}`, issuetype: { name: 'Task' } } });
    const wl = await c.v3.issueWorklogs.addWorklog({ issueIdOrKey: is.key, timeSpent: '3h', comment: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: `logged ${tag}` }] }] } });
    const e = await one('avi:jira:created:worklog', (x) => x.worklog.id === wl.id, 'the worklog');
    assert.deepEqual(Object.keys(e).sort(), ['eventType', 'worklog'], 'no issue, no atlassianId, no associatedUsers');
    assert.equal(e.worklog.issueId, is.id);
    assert.equal(e.worklog.timeSpent, '3h');
    assert.equal(e.worklog.timeSpentSeconds, 10800);
    assert.equal(typeof e.worklog.comment, 'string');
    assert.ok(e.worklog.comment.includes(`logged ${tag}`));
    assert.deepEqual(e.worklog.author, { accountId: c.accountId });
    assert.match(e.worklog.started, ISO);
    await c.v3.issueWorklogs.deleteWorklog({ issueIdOrKey: is.key, id: wl.id });
    const d = await one('avi:jira:deleted:worklog', (x) => x.worklog.id === wl.id, 'the deleted worklog');
    assert.equal(d.worklog.issueId, is.id);
  });

  it('issue links: ids as strings and issueLinkType an object', async () => {
    const mk = (s) => c.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `${s} ${tag}`, issuetype: { name: 'Task' } } });
    const a = await mk('blocker');
    const b = await mk('blocked');
    await c.v3.issueLinks.linkIssues({ type: { name: 'Blocks' }, outwardIssue: { key: a.key }, inwardIssue: { key: b.key } });
    const e = await one('avi:jira:created:issuelink', (x) => x.sourceIssueId === a.id, 'the link');
    assert.deepEqual(Object.keys(e).sort(), ['destinationIssueId', 'eventType', 'id', 'issueLinkType', 'sourceIssueId']);
    assert.equal(typeof e.id, 'string');
    assert.equal(e.destinationIssueId, b.id);
    assert.equal(e.issueLinkType.name, 'Blocks');
    assert.equal(e.issueLinkType.outwardName, 'blocks');
    assert.equal(e.issueLinkType.inwardName, 'is blocked by');
    assert.equal(typeof e.issueLinkType.id, 'string');
    assert.equal(e.issueLinkType.isSubTaskLinkType, false);
    assert.equal(e.issueLinkType.isSystemLinkType, false);
    await c.v3.issueLinks.deleteIssueLink({ linkId: e.id });
    const d = await one('avi:jira:deleted:issuelink', (x) => x.id === e.id, 'the unlink');
    assert.equal(d.sourceIssueId, a.id);
  });

  it('versions: {version} with a string id; deleted adds customFieldReplacements', async () => {
    const v = await c.v3.projectVersions.createVersion({ projectId: Number(project.id), name: `v ${tag}`, description: 'the first', releaseDate: '2027-01-31' });
    const e = await one('avi:jira:created:version', (x) => x.version.id === v.id, 'the version');
    assert.deepEqual(Object.keys(e).sort(), ['atlassianId', 'eventType', 'version']);
    assert.equal(e.atlassianId, c.accountId);
    assert.equal(e.version.name, `v ${tag}`);
    assert.equal(e.version.description, 'the first');
    assert.equal(e.version.projectId, Number(project.id));
    assert.equal(e.version.released, false);
    assert.equal(e.version.archived, false);
    assert.equal(e.version.releaseDate, '2027-01-31');
    await c.v3.projectVersions.updateVersion({ id: v.id, name: `v2 ${tag}` });
    const u = await one('avi:jira:updated:version', (x) => x.version.id === v.id, 'the update');
    assert.equal(u.version.name, `v2 ${tag}`);
    // releasing and archiving are events of their own (with updated:version); a rename is not
    await c.v3.projectVersions.updateVersion({ id: v.id, released: true });
    const rel = await one('avi:jira:released:version', (x) => x.version.id === v.id, 'the release');
    assert.equal(rel.version.released, true);
    assert.deepEqual(Object.keys(rel).sort(), ['atlassianId', 'eventType', 'version']);
    await c.v3.projectVersions.updateVersion({ id: v.id, released: false, archived: true });
    assert.equal((await one('avi:jira:unreleased:version', (x) => x.version.id === v.id, 'the unrelease')).version.released, false);
    assert.equal((await one('avi:jira:archived:version', (x) => x.version.id === v.id, 'the archiving')).version.archived, true);
    expectStatus(await k.jira(A.cloudId, `/version/${v.id}`, { method: 'DELETE', token: A.token }), 204, 'delete the version');
    const d = await one('avi:jira:deleted:version', (x) => x.version.id === v.id, 'the deletion');
    assert.deepEqual(d.customFieldReplacements, []);
  });

  it('components: {component} with a string id, its project and lead', async () => {
    const cp = await c.v3.projectComponents.createComponent({ project: project.key, name: `comp ${tag}`, description: 'parts', leadAccountId: c.accountId, assigneeType: 'COMPONENT_LEAD' });
    const e = await one('avi:jira:created:component', (x) => x.component.id === cp.id, 'the component');
    assert.deepEqual(Object.keys(e).sort(), ['atlassianId', 'component', 'eventType']);
    assert.equal(e.component.name, `comp ${tag}`);
    assert.equal(e.component.description, 'parts');
    assert.equal(e.component.project, project.key);
    assert.equal(e.component.projectId, Number(project.id));
    assert.equal(e.component.assigneeType, 'COMPONENT_LEAD');
    assert.deepEqual(e.component.lead, { accountId: c.accountId });
    await c.v3.projectComponents.updateComponent({ id: cp.id, name: `comp2 ${tag}` });
    assert.equal((await one('avi:jira:updated:component', (x) => x.component.id === cp.id, 'the update')).component.name, `comp2 ${tag}`);
    await c.v3.projectComponents.deleteComponent({ id: cp.id });
    await one('avi:jira:deleted:component', (x) => x.component.id === cp.id, 'the deletion');
  });

  it('projects: {project} with a string id, no actor members', async () => {
    const key = `P${tag.slice(0, 4).toUpperCase().replace(/[0-9]/g, 'Q')}`;
    const p = await c.v3.projects.createProject({ key, name: `proj ${tag}`, projectTypeKey: 'software', leadAccountId: c.accountId });
    const e = await one('avi:jira:created:project', (x) => x.project.key === key, 'the project');
    assert.deepEqual(Object.keys(e).sort(), ['eventType', 'project']);
    assert.equal(e.project.id, String(p.id));
    assert.equal(e.project.name, `proj ${tag}`);
    assert.equal(e.project.projectTypeKey, 'software');
    assert.deepEqual(e.project.projectLead, { accountId: c.accountId });
    assert.equal(typeof e.project.assigneeType, 'string');
    await c.v3.projects.updateProject({ projectIdOrKey: key, name: `proj2 ${tag}` });
    const u = await one('avi:jira:updated:project', (x) => x.project.key === key, 'the update');
    assert.equal(u.project.name, `proj2 ${tag}`);
    assert.deepEqual(Object.keys(u).sort(), ['eventType', 'project']);
  });

  it('boards and sprints: {board} / {sprint} as the Agile API has them, atlassianId only', async () => {
    const b = await c.agile.board.createBoard({ name: `board ${tag}`, type: 'scrum', location: { type: 'project', projectKeyOrId: project.key } });
    const e = await one('avi:jira-software:created:board', (x) => x.board.id === b.id, 'the board');
    assert.deepEqual(Object.keys(e).sort(), ['atlassianId', 'board', 'eventType']);
    assert.deepEqual(e.board, { id: b.id, name: `board ${tag}`, type: 'scrum' });
    const sp = await c.agile.sprint.createSprint({ name: `sprint ${tag}`, originBoardId: b.id, goal: 'ship it' });
    const made = await one('avi:jira-software:created:sprint', (x) => x.sprint.id === sp.id, 'the sprint');
    assert.deepEqual(Object.keys(made).sort(), ['atlassianId', 'eventType', 'sprint']);
    assert.deepEqual(made.sprint, { id: sp.id, name: `sprint ${tag}`, state: 'future', originBoardId: b.id, goal: 'ship it' });
    await c.agile.sprint.partiallyUpdateSprint({ sprintId: sp.id, state: 'active', startDate: '2026-01-01T00:00:00.000Z', endDate: '2026-01-15T00:00:00.000Z' });
    const started = await one('avi:jira-software:started:sprint', (x) => x.sprint.id === sp.id, 'the start');
    assert.equal(started.sprint.state, 'active');
    assert.match(started.sprint.startDate, ISO);
    assert.match(started.sprint.endDate, ISO);
    await c.agile.board.deleteBoard({ boardId: b.id });
    const gone = await one('avi:jira-software:deleted:board', (x) => x.board.id === b.id, 'the deletion');
    assert.deepEqual(gone.board, { id: b.id, name: `board ${tag}`, type: 'scrum' });
  });
});
