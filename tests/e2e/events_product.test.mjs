// Product events end to end (docs/events.md, "Product events"): writes through the REST
// API (jira.js) become Forge's avi:jira:* events delivered to the `trigger` modules of the
// apps installed on the site, through the real @forge/api and @forge/kvs. The fixture app's
// triggers record what they receive in app storage; its webtriggers read it back and make
// writes as the app.
//
//  - payloads: created, updated (changelog), assigned, commented, deleted — shape and values,
//    the issue's fields as they were at the write (a later write does not change them),
//    atlassianId / associatedUsers, and the handler's context.installContext;
//  - two sites with the app on both: each installation gets its own site's events only, also
//    when both sites write at once (each event exactly once);
//  - an app whose scopes do not cover the event is not subscribed;
//  - ignoreSelf: the app's own write (asApp, from its webtrigger) does not trigger it;
//  - an expression filter chooses exactly (event.issue.fields.issuetype.name == 'Bug'); one
//    that fails with onError RECEIVE_AND_LOG is delivered and warned about in kiln logs;
//  - the events of one issue arrive in order.
//
// Run: make -j2 build/tests/nullfmt.so build/tests/sandbox_probe && KILN_BIN=build/kiln
//   KILN_SANDBOX_PROBE=build/tests/sandbox_probe KILN_TEST_PRELOAD=build/tests/nullfmt.so
//   node --test --test-concurrency=1 tests/e2e/events_product.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  startKiln, sleep, cliOkJson as okJson, expectStatus, kilnCli as kiln, expectCliOk as ok,
} from './lib/kiln.mjs';
import { jiraClients } from './lib/jirajs.mjs';
import { until, siteLogs, deployApp, webtriggerPath, callWebtrigger, stateSrc, requireForge } from './lib/events.mjs';

const WATCHER = `modules:
  trigger:
    - key: every-issue
      function: record-all
      events:
        - avi:jira:created:issue
        - avi:jira:updated:issue
        - avi:jira:assigned:issue
        - avi:jira:commented:issue
        - avi:jira:created:worklog
        - avi:jira:deleted:issue
      filter:
        ignoreSelf: true
    - key: bugs-only
      function: record-bugs
      events:
        - eventType: avi:jira:created:issue
          filter:
            expression: "event.issue.fields.issuetype.name == 'Bug'"
    - key: err-log
      function: record-err
      events:
        - avi:jira:created:issue
      filter:
        expression: "event.issue.fields.nothing.deeper == 1"
        onError: RECEIVE_AND_LOG
  webtrigger:
    - key: state
      function: state-fn
      response:
        type: dynamic
    - key: app-write
      function: app-write-fn
      response:
        type: dynamic
  function:
    - key: record-all
      handler: index.recordAll
    - key: record-bugs
      handler: index.recordBugs
    - key: record-err
      handler: index.recordErr
    - key: state-fn
      handler: index.state
    - key: app-write-fn
      handler: index.appWrite
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
    - write:jira-work
    - storage:app
`;

// subscribed to issue events without the scope they need (read:jira-work)
const BLIND = `modules:
  trigger:
    - key: blind
      function: record-all
      events:
        - avi:jira:created:issue
  webtrigger:
    - key: state
      function: state-fn
      response:
        type: dynamic
  function:
    - key: record-all
      handler: index.recordAll
    - key: state-fn
      handler: index.state
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - storage:app
`;

const SRC = `import api, { route } from '@forge/api';
import { kvs, WhereConditions } from '@forge/kvs';

async function record(trigger, event, context) {
  // handlers that take unequal time: events run side by side would finish out of order
  await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 25)));
  const at = process.hrtime.bigint().toString().padStart(24, '0');
  await kvs.set('ev-' + at + '-' + Math.random().toString(36).slice(2, 8),
    { trigger, event, installContext: context?.installContext ?? null, at });
}
export const recordAll = (event, context) => record('every-issue', event, context);
export const recordBugs = (event, context) => record('bugs-only', event, context);
export const recordErr = (event, context) => record('err-log', event, context);

${stateSrc('ev-', { sort: 'a.at < b.at ? -1 : a.at > b.at ? 1 : 0' })}
export async function appWrite(req) {
  const { key, summary } = JSON.parse(req.body);
  const r = await api.asApp().requestJira(route\`/rest/api/3/issue/\${key}\`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ fields: { summary } }),
  });
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify({ status: r.status }) };
}
`;

describe('product events to triggers', () => {
  let k, A, B, cA, cB, watcher, blind, project;
  const tag = randomBytes(3).toString('hex');
  const app = async (name, manifest) => (await deployApp(k, name, { 'manifest.yml': manifest, 'src/index.js': SRC })).dir;
  const received = (dir, site) => callWebtrigger(k, dir, site);
  /** Polls until `pred(records)` holds (kiln delivers asynchronously); fails with what came. */
  const heard = (dir, site, pred, what) => until(what, () => received(dir, site), { pred });

  /** One number from kiln's store. */
  const sql = (q) => Number(k.sql(q));

  const of = (recs, type, issueId, trigger = 'every-issue') =>
    recs.filter((r) => r.trigger === trigger && r.event.eventType === type && r.event.issue?.id === issueId);

  before(async () => {
    requireForge('api', 'kvs');
    k = await startKiln();
    A = await k.siteWithToken(`evp-a-${tag}`, true);
    B = await k.siteWithToken(`evp-b-${tag}`, true);
    cA = await jiraClients(k, A);
    cB = await jiraClients(k, B);
    watcher = await app('ev-watcher', WATCHER);
    blind = await app('ev-blind', BLIND);
    for (const s of [A, B]) await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: watcher });
    await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: blind });
    project = (await cA.v3.projects.searchProjects({ maxResults: 50 })).values.find((p) => p.projectTypeKey === 'software') ??
      (await cA.v3.projects.searchProjects({ maxResults: 50 })).values[0];
  });

  after(async () => {
    await k?.close();
  });

  it('created, updated, assigned, commented and deleted issues arrive with Forge\'s payloads', async () => {
    const made = await cA.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `first ${tag}`, issuetype: { name: 'Task' }, labels: ['one'] } });
    await cA.v3.issues.editIssue({ issueIdOrKey: made.key, fields: { summary: `second ${tag}` } });
    await cA.v3.issues.assignIssue({ issueIdOrKey: made.key, accountId: cA.accountId });
    const comment = await cA.v3.issueComments.addComment({ issueIdOrKey: made.key, comment: 'a remark' });
    const worklog = await cA.v3.issueWorklogs.addWorklog({ issueIdOrKey: made.key, timeSpent: '2h' });
    await cA.v3.issues.deleteIssue({ issueIdOrKey: made.key });
    const recs = await heard(watcher, A, (r) => of(r, 'avi:jira:deleted:issue', made.id).length === 1, 'the deleted event');

    const created = of(recs, 'avi:jira:created:issue', made.id);
    assert.equal(created.length, 1, 'created once');
    const c = created[0].event;
    assert.equal(c.issue.key, made.key);
    assert.equal(c.issue.fields.summary, `first ${tag}`, 'the fields of its own moment, not the later summary');
    assert.equal(c.issue.fields.issuetype.name, 'Task');
    assert.equal(typeof c.issue.fields.issuetype.id, 'string');
    assert.equal(c.issue.fields.project.key, project.key);
    assert.equal(typeof c.issue.fields.status.name, 'string');
    assert.deepEqual(c.issue.fields.labels, ['one']);
    assert.deepEqual(c.issue.fields.creator, { accountId: cA.accountId });
    assert.deepEqual(c.issue.fields.reporter, { accountId: cA.accountId });
    assert.equal(c.issue.fields.assignee, null);
    assert.match(c.issue.fields.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/);
    assert.equal(c.atlassianId, cA.accountId);
    assert.deepEqual(c.associatedUsers, [{ accountId: cA.accountId }]);
    assert.equal(created[0].installContext, `ari:cloud:jira::site/${A.cloudId}`);

    const updated = of(recs, 'avi:jira:updated:issue', made.id);
    assert.ok(updated.length >= 2, 'summary edit and assignment');
    const edit = updated[0].event;
    assert.equal(edit.issue.fields.summary, `second ${tag}`);
    assert.equal(typeof edit.changelog.id, 'string');
    assert.deepEqual(edit.changelog.items.map((i) => [i.field, i.fromString, i.toString]), [['summary', `first ${tag}`, `second ${tag}`]]);

    const assigned = of(recs, 'avi:jira:assigned:issue', made.id);
    assert.equal(assigned.length, 1);
    assert.deepEqual(assigned[0].event.issue.fields.assignee, { accountId: cA.accountId });
    assert.ok(assigned[0].event.changelog.items.some((i) => i.field === 'assignee'));

    const commented = of(recs, 'avi:jira:commented:issue', made.id);
    assert.equal(commented.length, 1);
    assert.equal(commented[0].event.comment.id, comment.id);
    assert.deepEqual(commented[0].event.comment.author, { accountId: cA.accountId });
    assert.equal(typeof commented[0].event.comment.body, 'string', 'a string, as Forge\'s comment events carry it');
    assert.ok(commented[0].event.comment.body.includes('a remark'));
    assert.equal(commented[0].event.issue.key, made.key);
    assert.equal(commented[0].event.issue.fields.summary, `second ${tag}`, 'a comment event carries its issue\'s fields');
    assert.deepEqual(commented[0].event.issue.fields.assignee, { accountId: cA.accountId });

    // Forge's worklog events carry the worklog alone (its issueId names the issue)
    const logged = recs.filter((r) => r.trigger === 'every-issue' && r.event.eventType === 'avi:jira:created:worklog' && r.event.worklog?.issueId === made.id);
    assert.equal(logged.length, 1);
    const wl = logged[0].event.worklog;
    assert.deepEqual([wl.id, wl.issueId, wl.timeSpent, wl.timeSpentSeconds], [worklog.id, made.id, '2h', 7200]);
    assert.deepEqual(wl.author, { accountId: cA.accountId });
    assert.equal(logged[0].event.issue, undefined);

    const deleted = of(recs, 'avi:jira:deleted:issue', made.id)[0].event;
    assert.equal(deleted.issue.key, made.key);
    assert.equal(deleted.issue.fields.summary, `second ${tag}`, 'the issue as it was when deleted');

    // per issue in order: created, then its updates, then deleted
    const mine = recs.filter((r) => r.trigger === 'every-issue' && r.event.issue?.id === made.id).map((r) => r.event.eventType);
    assert.equal(mine[0], 'avi:jira:created:issue');
    assert.equal(mine.at(-1), 'avi:jira:deleted:issue');
    assert.ok(mine.indexOf('avi:jira:commented:issue') > mine.lastIndexOf('avi:jira:assigned:issue'), mine.join());
  });

  it('each site\'s installation gets its own site\'s events only', async () => {
    const a = await cA.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `on A ${tag}`, issuetype: { name: 'Task' } } });
    const bProject = (await cB.v3.projects.searchProjects({ maxResults: 50 })).values[0];
    const b = await cB.v3.issues.createIssue({ fields: { project: { key: bProject.key }, summary: `on B ${tag}`, issuetype: { name: 'Task' } } });
    const onB = await heard(watcher, B, (r) => of(r, 'avi:jira:created:issue', b.id).length === 1, 'B\'s event on B');
    const onA = await heard(watcher, A, (r) => of(r, 'avi:jira:created:issue', a.id).length === 1, 'A\'s event on A');
    assert.ok(onB.every((r) => r.installContext === `ari:cloud:jira::site/${B.cloudId}`));
    assert.ok(!JSON.stringify(onB).includes(`on A ${tag}`), 'nothing of A on B');
    assert.ok(!JSON.stringify(onA).includes(`on B ${tag}`), 'nothing of B on A');
    assert.ok(!JSON.stringify(onB).includes(cA.accountId), 'no account of A on B');
  });

  it('concurrent writes on two sites: each installation gets exactly its own site\'s, once each', async () => {
    const bProject = (await cB.v3.projects.searchProjects({ maxResults: 50 })).values[0];
    const mk = (c, key, site, i) => c.v3.issues.createIssue({ fields: { project: { key }, summary: `burst ${site} ${i} ${tag}`, issuetype: { name: 'Task' } } });
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => [mk(cA, project.key, 'A', i), mk(cB, bProject.key, 'B', i)]).flat());
    const ids = { A: new Set(made.filter((_, i) => i % 2 === 0).map((m) => m.id)), B: new Set(made.filter((_, i) => i % 2 === 1).map((m) => m.id)) };
    for (const [name, site, dir] of [['A', A, watcher], ['B', B, watcher]]) {
      const burst = (r) => r.filter((x) => x.trigger === 'every-issue' && x.event.eventType === 'avi:jira:created:issue' && x.event.issue.fields.summary.startsWith('burst '));
      const recs = await heard(dir, site, (r) => burst(r).length >= 20, `${name}'s burst`);
      const got = burst(recs);
      assert.equal(got.length, 20, `${name}: exactly 20`);
      assert.deepEqual(new Set(got.map((x) => x.event.issue.id)), ids[name], `${name}: its own issues, each once`);
      assert.ok(got.every((x) => x.event.issue.fields.summary.startsWith(`burst ${name} `)));
    }
  });

  it('an app whose scopes do not cover the event is not subscribed', async () => {
    const made = await cA.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `scoped ${tag}`, issuetype: { name: 'Task' } } });
    await heard(watcher, A, (r) => of(r, 'avi:jira:created:issue', made.id).length === 1, 'the watcher got it');
    // one fan-out pass serves both installations: the watcher's delivery exists, the blind app's does not
    assert.equal(sql(`SELECT count(*) FROM deliveries WHERE module_key = 'every-issue' AND source_seq > 0`) > 0, true);
    assert.equal(sql(`SELECT count(*) FROM deliveries WHERE module_key = 'blind'`), 0);
    assert.deepEqual(await received(blind, A), []);
  });

  it('ignoreSelf: the app\'s own write does not trigger it; a user\'s write does', async () => {
    const made = await cA.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `self ${tag}`, issuetype: { name: 'Task' } } });
    const r = await k.api(await webtriggerPath(k, watcher, A, 'app-write'), { method: 'POST', body: { key: made.key, summary: `by the app ${tag}` } });
    expectStatus(r, 200);
    assert.equal(r.json.status, 204, 'the app wrote');
    await cA.v3.issues.editIssue({ issueIdOrKey: made.key, fields: { summary: `by the user ${tag}` } });
    const recs = await heard(watcher, A, (x) => of(x, 'avi:jira:updated:issue', made.id).some((e) => e.event.issue.fields.summary === `by the user ${tag}`), 'the user\'s update');
    const ups = of(recs, 'avi:jira:updated:issue', made.id);
    // the user's update came after the app's (one issue: in order), so the app's would be here
    assert.equal(ups.length, 1, JSON.stringify(ups.map((u) => u.event.changelog)));
    assert.deepEqual(ups[0].event.changelog.items.map((i) => i.fromString), [`by the app ${tag}`]);
    assert.equal(ups[0].event.atlassianId, cA.accountId);
  });

  it('an expression filter chooses exactly', async () => {
    const bug = await cA.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `a bug ${tag}`, issuetype: { name: 'Bug' } } });
    const task = await cA.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `a task ${tag}`, issuetype: { name: 'Task' } } });
    // the task's event comes after the bug's on the same site; both reach every-issue
    const recs = await heard(watcher, A, (x) => of(x, 'avi:jira:created:issue', task.id).length === 1 &&
      of(x, 'avi:jira:created:issue', bug.id, 'bugs-only').length === 1, 'both events');
    assert.equal(of(recs, 'avi:jira:created:issue', task.id, 'bugs-only').length, 0, 'the task is not a bug');
    assert.equal(of(recs, 'avi:jira:created:issue', bug.id, 'bugs-only')[0].event.issue.fields.issuetype.name, 'Bug');
    assert.ok(recs.filter((x) => x.trigger === 'bugs-only').every((x) => x.event.issue.fields.issuetype.name === 'Bug'));
  });

  it('an expression that fails: onError RECEIVE_AND_LOG delivers it and says why in kiln logs', async () => {
    const made = await cA.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `err ${tag}`, issuetype: { name: 'Task' } } });
    await heard(watcher, A, (x) => of(x, 'avi:jira:created:issue', made.id, 'err-log').length === 1, 'the err-log delivery');
    let lines = [];
    for (let i = 0; i < 100 && !lines.length; i++) {
      lines = (await siteLogs(k, A.name))
        .filter((l) => l.module === 'err-log' && l.message.includes('trigger filter failed'));
      if (!lines.length) await sleep(100);
    }
    assert.ok(lines.length >= 1, 'a warning in kiln logs');
    assert.equal(lines[0].level, 'warn');
    assert.match(lines[0].message, /avi:jira:created:issue .*delivered \(onError RECEIVE\)/);
  });

  it('the events of one issue arrive in the order of its writes', async () => {
    const made = await cA.v3.issues.createIssue({ fields: { project: { key: project.key }, summary: `order 0 ${tag}`, issuetype: { name: 'Task' } } });
    for (let i = 1; i <= 12; i++) await cA.v3.issues.editIssue({ issueIdOrKey: made.key, fields: { summary: `order ${i} ${tag}` } });
    const recs = await heard(watcher, A, (x) => of(x, 'avi:jira:updated:issue', made.id).length === 12, 'twelve updates');
    assert.deepEqual(of(recs, 'avi:jira:updated:issue', made.id).map((r) => r.event.issue.fields.summary),
      Array.from({ length: 12 }, (_, i) => i + 1).map((i) => `order ${i} ${tag}`));
  });
});
