// Issues, fields, links and the issue meta (issue 17) through the jira.js clients (v2 and
// v3, a real client no one here wrote) on a demo site, with every 2xx body validated
// against Jira's schema; raw requests for errors and hostile input; a second site whose
// ids, keys and users must never reach the first; demo users with less permission who
// must get Jira's 404 (cannot browse: the same answer as a missing thing) or 403 (can
// browse, cannot write); and the change events each write records (read from the
// store's product_events table with k.sql).
//
// Run: make -j2 build/tests/nullfmt.so build/tests/sandbox_probe && KILN_BIN=build/kiln
//   KILN_SANDBOX_PROBE=build/tests/sandbox_probe KILN_TEST_PRELOAD=build/tests/nullfmt.so
//   node --test --test-concurrency=1 tests/e2e/issues.test.mjs
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus, expectFieldError, expectJiraError, randomKey } from './lib/kiln.mjs';
import { jiraClients, rejects } from './lib/jirajs.mjs';
import { loadSpec, formatErrors } from './lib/schemas.mjs';

const NO_ISSUE = { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} };

let k, S, A, B, c, cB, WEB, MKT, HELP, people, lena, ravi, BWEB;
const api = (n) => (n === 2 ? c.v2 : c.v3);

function valid(op, status, body) {
  const v = S.forOperation(op, status);
  if (!v(body)) assert.fail(`${op} -> ${status} does not match the Jira schema\n${formatErrors(v, body)}`);
}

/** Raw product request on site A as the admin (or `token`), /rest/api/{n}. */
function jira(p, opts = {}, n = 3) {
  const { token = A.token, ...rest } = opts;
  return k.api(`/ex/jira/${A.cloudId}/rest/api/${n}${p}`, { token, ...rest });
}

/** The site's change events of `kind` for one entity (the store's product_events). */
function events(siteName, kind, entityId) {
  return k.sqlRows(`SELECT payload_json FROM product_events WHERE site_id = (SELECT id FROM sites WHERE name = '${siteName}') `
    + `AND kind = '${kind}' AND entity_id = '${entityId}' ORDER BY seq`).map((r) => JSON.parse(r.payload_json));
}

before(async () => {
  S = loadSpec();
  k = await startKiln();
  A = await k.siteWithToken(`iss-a-${randomKey('', 4).toLowerCase()}`, true);
  B = await k.siteWithToken(`iss-b-${randomKey('', 4).toLowerCase()}`, true);
  c = await jiraClients(k, A);
  cB = await jiraClients(k, B);
  const keys = (await c.v3.projects.searchProjects({ maxResults: 50 })).values.map((p) => p.key);
  WEB = keys.find((x) => x.startsWith('WEB'));
  MKT = keys.find((x) => x.startsWith('MKT'));
  HELP = keys.find((x) => x.startsWith('HELP'));
  BWEB = (await cB.v3.projects.searchProjects({ maxResults: 50 })).values.find((p) => p.key.startsWith('WEB'));
  people = await c.v3.users.getAllUsers({ maxResults: 100 });
  const who = (first) => people.find((u) => u.emailAddress?.startsWith(`${first}@`)).accountId;
  lena = { accountId: who('lena'), ...(await k.userToken(A.name, who('lena'))) }; // browses HELP only
  ravi = { accountId: who('ravi'), ...(await k.userToken(A.name, who('ravi'))) }; // works on WEB only
});

after(async () => {
  await k?.close();
});

describe('the demo data set', () => {
  it('about 120 issues per project, every type, epics with children, subtasks, statuses with their changelog', async () => {
    for (const key of [WEB, MKT, HELP]) {
      const p = await c.v3.projects.getProject({ projectIdOrKey: key, expand: 'insight' });
      // demo.c's first ones, demo_issues.c's 115, and on the software project demo_agile.c's 19
      assert.ok(p.insight.totalIssueCount >= 115 && p.insight.totalIssueCount <= 140, `${key}: ${p.insight.totalIssueCount}`);
    }
    const seen = { types: new Set(), statuses: new Set(), labels: new Set(), parents: 0, subtasks: 0, resolved: 0 };
    for (let n = 1; n <= 60; n++) {
      const i = await c.v3.issues.getIssue({ issueIdOrKey: `${WEB}-${n}`, expand: 'changelog' });
      seen.types.add(i.fields.issuetype.name);
      seen.statuses.add(i.fields.status.name);
      i.fields.labels.forEach((l) => seen.labels.add(l));
      if (i.fields.parent) seen.parents++;
      seen.links = (seen.links ?? 0) + i.fields.issuelinks.length;
      seen.subtasks += i.fields.subtasks.length;
      if (i.fields.resolution && n > 3) { // demo.c's first three are made resolved, without history
        seen.resolved++;
        assert.ok(i.fields.resolutiondate, `${i.key} resolved without a date`);
        const last = i.changelog.histories.at(-1);
        assert.ok(last.items.some((it) => it.field === 'status' && it.toString === i.fields.status.name), JSON.stringify(last));
      }
      if (i.fields.status.name !== 'To Do' && n > 3) assert.ok(i.changelog.total > 0, `${i.key}: moved without a changelog`);
      if (i.fields.assignee && n > 3) assert.notEqual(i.fields.assignee.accountId, lena.accountId, `${i.key}: Lena is assignable nowhere`);
      const created = Date.parse(i.fields.created);
      assert.ok(Date.now() - created <= 91 * 86400e3, `${i.key} created ${i.fields.created}`);
    }
    assert.deepEqual([...seen.types].sort(), ['Bug', 'Epic', 'Story', 'Subtask', 'Task']);
    assert.deepEqual([...seen.statuses].sort(), ['Done', 'In Progress', 'In Review', 'To Do']);
    assert.ok(seen.labels.size >= 4 && seen.parents >= 10 && seen.subtasks >= 5 && seen.resolved >= 5 && seen.links >= 8, JSON.stringify({ ...seen, types: 0, statuses: 0, labels: seen.labels.size }));
    const fields = (await c.v3.issueFields.getFields()).filter((f) => f.custom).map((f) => f.name).sort();
    assert.deepEqual(fields, ['Start date', 'Story Points', 'Team']);
  });
});

describe('issues through jira.js', () => {
  let comps, vers, points, team;
  before(async () => {
    comps = await c.v3.projectComponents.getProjectComponents({ projectIdOrKey: WEB });
    vers = await c.v3.projectVersions.getProjectVersions({ projectIdOrKey: WEB });
    const fields = await c.v3.issueFields.getFields();
    points = fields.find((f) => f.name === 'Story Points').id;
    team = fields.find((f) => f.name === 'Team').id;
  });

  for (const n of [2, 3]) {
    it(`v${n}: create with every kind of field, get, edit with update verbs, changelog, assign, delete`, async () => {
      const made = await api(n).issues.createIssue({
        fields: {
          project: { key: WEB }, summary: `every field v${n}`, issuetype: { name: 'Story' },
          description: n === 2 ? 'plain words\nsecond line' : 'plain words',
          labels: ['alpha', 'beta'], priority: { name: 'High' }, duedate: '2027-03-31',
          components: [{ name: comps[0].name }], fixVersions: [{ id: vers[2].id }], versions: [{ name: vers[0].name }],
          timetracking: { originalEstimate: '1d 2h' }, [points]: 5, [team]: { value: 'Growth' },
          assignee: { accountId: ravi.accountId }, environment: n === 2 ? 'Firefox' : undefined,
        },
      });
      valid(`POST /rest/api/${n}/issue`, 201, made);
      let got = await api(n).issues.getIssue({ issueIdOrKey: made.key });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}`, 200, got);
      const f = got.fields;
      assert.equal(f.summary, `every field v${n}`);
      assert.deepEqual(f.labels, ['alpha', 'beta']);
      assert.equal(f.priority.name, 'High');
      assert.equal(f.duedate, '2027-03-31');
      assert.deepEqual(f.components.map((x) => x.id), [comps[0].id]);
      assert.deepEqual(f.fixVersions.map((x) => x.id), [vers[2].id]);
      assert.deepEqual(f.versions.map((x) => x.name), [vers[0].name]);
      assert.equal(f.timetracking.originalEstimateSeconds, 10 * 3600);
      assert.equal(f.timeoriginalestimate, 10 * 3600);
      assert.equal(f[points], 5);
      assert.equal(f[team].value, 'Growth');
      assert.equal(f.assignee.accountId, ravi.accountId);
      assert.equal(f.reporter.accountId, A.accountId);
      assert.equal(f.status.name, 'To Do');
      assert.deepEqual(f.subtasks, []);
      assert.deepEqual(f.issuelinks, []);
      assert.equal(f.votes.votes, 0);
      // text: v2 wiki markup (the string it was given), v3 the ADF document, renderedFields HTML
      if (n === 2) {
        assert.equal(f.description, 'plain words\nsecond line');
        assert.equal(f.environment, 'Firefox');
      } else {
        assert.equal(f.description.type, 'doc');
      }
      const other = await api(5 - n).issues.getIssue({ issueIdOrKey: made.key, fields: ['description'], expand: 'renderedFields' });
      if (n === 2) assert.equal(other.fields.description.type, 'doc', 'v3 reads the document v2 wrote');
      else assert.equal(other.fields.description, 'plain words', 'v2 reads the document v3 wrote as wiki markup');
      assert.match(other.renderedFields.description, /^<p>plain words/, JSON.stringify(other.renderedFields));

      await api(n).issues.editIssue({
        issueIdOrKey: made.key,
        fields: { summary: `edited v${n}`, [points]: 8, priority: { id: '4' } },
        update: { labels: [{ add: 'gamma' }, { remove: 'alpha' }], components: [{ add: { id: comps[1].id } }] },
      });
      got = await api(n).issues.getIssue({ issueIdOrKey: made.key, expand: 'changelog,names,schema' });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}`, 200, got);
      assert.equal(got.fields.summary, `edited v${n}`);
      assert.deepEqual(got.fields.labels, ['beta', 'gamma']);
      assert.deepEqual(got.fields.components.map((x) => x.id).sort(), [comps[0].id, comps[1].id].sort());
      assert.equal(got.fields[points], 8);
      assert.equal(got.names[points], 'Story Points');
      assert.equal(got.schema[points].custom, 'com.atlassian.jira.plugin.system.customfieldtypes:float');
      assert.equal(got.changelog.total, 1);
      const items = Object.fromEntries(got.changelog.histories[0].items.map((it) => [it.field, it]));
      assert.deepEqual(Object.keys(items).sort(), ['Component', 'Story Points', 'labels', 'priority', 'summary']);
      assert.equal(items.summary.fromString, `every field v${n}`);
      assert.equal(items.summary.toString, `edited v${n}`);
      assert.equal(items.labels.fromString, 'alpha beta');
      assert.equal(items.labels.toString, 'beta gamma');
      assert.deepEqual([items.priority.from, items.priority.toString], ['2', 'Low']);
      assert.deepEqual([items.Component.to, items.Component.fieldtype], [comps[1].id, 'jira']);
      assert.deepEqual([items['Story Points'].fromString, items['Story Points'].toString, items['Story Points'].fieldtype], ['5', '8', 'custom']);

      const page = await api(n).issues.getChangeLogs({ issueIdOrKey: made.key });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/changelog`, 200, page);
      assert.equal(page.total, 1);
      const byIds = await api(n).issues.getChangeLogsByIds({ issueIdOrKey: made.key, changelogIds: [Number(page.values[0].id)] });
      valid(`POST /rest/api/${n}/issue/{issueIdOrKey}/changelog/list`, 200, byIds);
      assert.equal(byIds.histories.length, 1);
      const ev = events(A.name, 'avi:jira:updated:issue', made.id);
      assert.equal(ev.length, 1, JSON.stringify(ev));
      assert.equal(ev[0].changelog.id, page.values[0].id);
      assert.equal(ev[0].issue.key, made.key);
      assert.equal(ev[0].changelog.items.length, 5);
      assert.equal(events(A.name, 'avi:jira:created:issue', made.id).length, 1);

      // wiki markup through v2: the document v3 reads has the mark, the changelog the markup
      expectStatus(await jira(`/issue/${made.key}`, { method: 'PUT', body: { fields: { description: 'now *bold*' } } }, 2), 204);
      const wiki = await c.v3.issues.getIssue({ issueIdOrKey: made.key, fields: ['description'], expand: 'changelog' });
      const para = wiki.fields.description.content[0].content;
      assert.ok(para.some((t) => t.text === 'bold' && t.marks?.[0]?.type === 'strong'), JSON.stringify(para));
      const desc = wiki.changelog.histories.at(-1).items.find((it) => it.field === 'description');
      assert.equal(desc.toString, 'now *bold*');
      const ret = await jira(`/issue/${made.key}?returnIssue=true`, { method: 'PUT', body: { fields: { duedate: null } } }, n);
      expectStatus(ret, 200, 'returnIssue');
      assert.deepEqual([ret.json.key, ret.json.fields.duedate, ret.json.fields.summary], [made.key, null, `edited v${n}`]);
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}`, 200, ret.json);
      await api(n).issues.assignIssue({ issueIdOrKey: made.key, accountId: null });
      got = await api(n).issues.getIssue({ issueIdOrKey: made.key, fields: ['assignee'] });
      assert.equal(got.fields.assignee, null);
      assert.deepEqual(Object.keys(got.fields), ['assignee']);
      const meta = await api(n).issues.getEditIssueMeta({ issueIdOrKey: made.key });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/editmeta`, 200, meta);
      assert.ok(meta.fields.summary.required && meta.fields.labels.operations.includes('add'));
      assert.deepEqual(meta.fields[team].allowedValues.map((o) => o.value), ['Platform', 'Growth', 'Support', 'Design']);
      assert.equal(meta.fields.status, undefined);
      const cm = await api(n).issues.getCreateIssueMeta({ projectKeys: [WEB, BWEB.key], issuetypeNames: ['Story', 'Subtask'], expand: 'projects.issuetypes.fields' });
      valid(`GET /rest/api/${n}/issue/createmeta`, 200, cm);
      assert.deepEqual(cm.projects.map((p) => p.key), [WEB], 'site B\'s project key names nothing on A');
      assert.deepEqual(cm.projects[0].issuetypes.map((t) => t.name), ['Story', 'Subtask']);
      // the newer createmeta pages (no OpenAPI description kiln has: jira.js's own schema checks them)
      const types = await api(n).issues.getCreateIssueMetaIssueTypes({ projectIdOrKey: WEB });
      assert.deepEqual(types.issueTypes.map((t) => t.name).sort(), ['Bug', 'Epic', 'Story', 'Subtask', 'Task']);
      assert.equal(types.total, 5);
      const storyType = types.issueTypes.find((t) => t.name === 'Story');
      const fpage = await api(n).issues.getCreateIssueMetaIssueTypeId({ projectIdOrKey: WEB, issueTypeId: storyType.id, maxResults: 200 });
      const byId = Object.fromEntries(fpage.fields.map((x) => [x.fieldId, x]));
      assert.ok(byId.summary.required && byId[points] && !byId.status && !byId.resolution, JSON.stringify(Object.keys(byId)));
      assert.equal(fpage.total, fpage.fields.length);
      const page2 = await api(n).issues.getCreateIssueMetaIssueTypeId({ projectIdOrKey: WEB, issueTypeId: storyType.id, startAt: 2, maxResults: 3 });
      assert.deepEqual(page2.fields.map((x) => x.fieldId), fpage.fields.slice(2, 5).map((x) => x.fieldId));
      const story = cm.projects[0].issuetypes[0].fields;
      assert.ok(story.summary.required && story.project.required && !story.labels.required);
      assert.deepEqual(story[team].allowedValues.map((o) => o.value), ['Platform', 'Growth', 'Support', 'Design']);

      // a subtask under it; the parent is not deleted without deleteSubtasks
      const sub = await api(n).issues.createIssue({ fields: { project: { key: WEB }, summary: 'a subtask', issuetype: { name: 'Subtask' }, parent: { key: made.key } } });
      got = await api(n).issues.getIssue({ issueIdOrKey: made.key, fields: ['subtasks'] });
      assert.deepEqual(got.fields.subtasks.map((s) => s.key), [sub.key]);
      const refused = await rejects(api(n).issues.deleteIssue({ issueIdOrKey: made.key }), 'delete with subtasks');
      assert.equal(refused.status, 400);
      assert.match(refused.body.errorMessages[0], /has subtasks/);
      await api(n).issues.deleteIssue({ issueIdOrKey: made.key, deleteSubtasks: true });
      for (const key of [made.key, sub.key]) {
        const gone = await rejects(api(n).issues.getIssue({ issueIdOrKey: key }), `get deleted ${key}`);
        assert.equal(gone.status, 404);
      }
      assert.equal(events(A.name, 'avi:jira:deleted:issue', made.id).length, 1);
      assert.equal(events(A.name, 'avi:jira:deleted:issue', sub.id).length, 1);
    });
  }

  it('concurrent edits of one issue lose none of each other\'s changes', async () => {
    const made = await c.v3.issues.createIssue({ fields: { project: { key: WEB }, summary: 'raced', issuetype: { name: 'Task' } } });
    const n = 40;
    const rs = await Promise.all(Array.from({ length: n }, (_, i) => jira(`/issue/${made.key}`, { method: 'PUT', body: { update: { labels: [{ add: `race${i}` }] } } })));
    assert.deepEqual(rs.map((r) => r.status), Array(n).fill(204));
    const got = await c.v3.issues.getIssue({ issueIdOrKey: made.key, fields: ['labels'], expand: 'changelog' });
    assert.equal(got.fields.labels.length, n, JSON.stringify(got.fields.labels));
    assert.equal(got.changelog.total, n, 'one change group per edit');
    const dels = await Promise.all(Array.from({ length: 6 }, () => jira(`/issue/${made.key}`, { method: 'DELETE' })));
    assert.deepEqual(dels.map((r) => r.status).sort(), [204, 404, 404, 404, 404, 404], 'one delete wins, the others find nothing');
    assert.equal(events(A.name, 'avi:jira:deleted:issue', made.id).length, 1);
  });

  it('an epic\'s children by parent; a subtask needs a parent in its own project', async () => {
    const epic = await c.v3.issues.createIssue({ fields: { project: { key: WEB }, summary: 'an epic', issuetype: { name: 'Epic' } } });
    const child = await c.v3.issues.createIssue({ fields: { project: { key: WEB }, summary: 'a child', issuetype: { name: 'Task' }, parent: { id: epic.id } } });
    const got = await c.v3.issues.getIssue({ issueIdOrKey: child.key, fields: ['parent'] });
    assert.equal(got.fields.parent.key, epic.key);
    assert.equal(got.fields.parent.fields.issuetype.name, 'Epic');
    const orphan = await jira('/issue', { method: 'POST', body: { fields: { project: { key: WEB }, summary: 'x', issuetype: { name: 'Subtask' } } } });
    expectFieldError(orphan, 400, 'parent');
    const helpIssue = (await c.v3.issues.getIssue({ issueIdOrKey: `${HELP}-1` })).key;
    const other = await jira('/issue', { method: 'POST', body: { fields: { project: { key: WEB }, summary: 'x', issuetype: { name: 'Subtask' }, parent: { key: helpIssue } } } });
    assert.equal(expectFieldError(other, 400, 'parent').errors.parent, 'The parent issue must be in the same project as the subtask.');
    const epicUnderTask = await jira(`/issue/${epic.key}`, { method: 'PUT', body: { fields: { parent: { key: child.key } } } });
    expectFieldError(epicUnderTask, 400, 'parent');
    // deleting the epic leaves its child, without a parent
    await c.v3.issues.deleteIssue({ issueIdOrKey: epic.key });
    const after = await c.v3.issues.getIssue({ issueIdOrKey: child.key, fields: ['parent'] });
    assert.equal(after.fields.parent, undefined);
  });

  it('bulk create answers per item; bulkfetch answers what the caller may see', async () => {
    for (const n of [2, 3]) {
      const r = await api(n).issues.createIssues({
        issueUpdates: [
          { fields: { project: { key: WEB }, summary: 'bulk one', issuetype: { name: 'Task' } } },
          { fields: { project: { key: WEB }, summary: 'bulk two', issuetype: { name: 'Bug' }, labels: ['bulk'] } },
          { fields: { project: { key: WEB }, summary: '', issuetype: { name: 'Task' } } },
        ],
      });
      valid(`POST /rest/api/${n}/issue/bulk`, 201, r);
      assert.equal(r.issues.length, 2);
      assert.equal(r.errors.length, 1);
      assert.equal(r.errors[0].failedElementNumber, 2);
      assert.equal(r.errors[0].status, 400);
      assert.ok(r.errors[0].elementErrors.errors.summary);
      const fetched = await api(n).issues.bulkFetchIssues({ issueIdsOrKeys: [r.issues[0].key, r.issues[1].id, 'NOPE-1'], fields: ['summary', 'labels'] });
      assert.deepEqual(fetched.issues.map((i) => i.fields.summary), ['bulk one', 'bulk two']);
      assert.deepEqual(fetched.issues[1].fields.labels, ['bulk']);
      assert.deepEqual(Object.keys(fetched.issues[0].fields).sort(), ['labels', 'summary']);
      assert.deepEqual(Object.keys(fetched).sort(), ['issueErrors', 'issues'], 'BulkIssueResults has these two only');
      assert.deepEqual(fetched.issueErrors, [], 'a missing issue is simply not there');
    }
    const none = await jira('/issue/bulk', { method: 'POST', body: { issueUpdates: [{ fields: { project: { key: 'NOPE' } } }] } });
    expectStatus(none, 400, 'bulk with no valid item');
    assert.equal(none.json.issues.length, 0);
  });

  it('issue links: create, read on both issues, delete, with their events', async () => {
    const [a, b] = [`${WEB}-1`, `${WEB}-2`];
    const types = await c.v3.issueLinkTypes.getIssueLinkTypes();
    valid('GET /rest/api/3/issueLinkType', 200, types);
    const blocks = types.issueLinkTypes.find((t) => t.name === 'Blocks');
    valid('GET /rest/api/3/issueLinkType/{issueLinkTypeId}', 200, await c.v3.issueLinkTypes.getIssueLinkType({ issueLinkTypeId: blocks.id }));
    await c.v3.issueLinks.linkIssues({ type: { name: 'Blocks' }, inwardIssue: { key: b }, outwardIssue: { key: a } });
    const ia = await c.v3.issues.getIssue({ issueIdOrKey: a, fields: ['issuelinks'] });
    const ib = await c.v2.issues.getIssue({ issueIdOrKey: b, fields: ['issuelinks'] });
    const la = ia.fields.issuelinks.find((l) => l.outwardIssue?.key === b);
    assert.ok(la, JSON.stringify(ia.fields.issuelinks));
    assert.equal(la.type.outward, 'blocks');
    assert.ok(ib.fields.issuelinks.some((l) => l.inwardIssue?.key === a && l.id === la.id), JSON.stringify(ib.fields.issuelinks));
    for (const n of [2, 3]) {
      const link = await api(n).issueLinks.getIssueLink({ linkId: la.id });
      valid(`GET /rest/api/${n}/issueLink/{linkId}`, 200, link);
      assert.equal(link.outwardIssue.key, a);
      assert.equal(link.inwardIssue.key, b);
    }
    const dup = await jira('/issueLink', { method: 'POST', body: { type: { name: 'Blocks' }, inwardIssue: { key: b }, outwardIssue: { key: a } } });
    expectJiraError(dup, 400, 'the same link twice');
    assert.equal(events(A.name, 'avi:jira:created:issuelink', la.id).length, 1);
    await c.v3.issueLinks.deleteIssueLink({ linkId: la.id });
    assert.equal((await rejects(c.v3.issueLinks.getIssueLink({ linkId: la.id }), 'deleted link')).status, 404);
    assert.equal(events(A.name, 'avi:jira:deleted:issuelink', la.id).length, 1);
  });
});

describe('meta through jira.js', () => {
  it('fields: list, search, create (admin only)', async () => {
    for (const n of [2, 3]) {
      const all = await api(n).issueFields.getFields();
      valid(`GET /rest/api/${n}/field`, 200, all);
      assert.ok(all.some((f) => f.id === 'summary' && !f.custom && f.clauseNames.includes('summary')));
      const page = await api(n).issueFields.getFieldsPaginated({ type: ['custom'], query: 'story' });
      valid(`GET /rest/api/${n}/field/search`, 200, page);
      assert.deepEqual(page.values.map((f) => f.name), ['Story Points']);
    }
    // a select field's options (kiln's `options`: jira.js sends only Jira's members, so raw)
    const sel = await jira('/field', { method: 'POST', body: { name: `Severity ${randomKey('', 4)}`, type: 'com.atlassian.jira.plugin.system.customfieldtypes:select', options: ['S1', 'S2'] } });
    expectStatus(sel, 201, 'create a select field');
    const made = sel.json;
    valid('POST /rest/api/3/field', 201, made);
    assert.match(made.id, /^customfield_\d+$/);
    assert.deepEqual(events(A.name, 'avi:jira:created:field', made.id.slice('customfield_'.length)).map((e) => e.id), [made.id]);
    const issue = await c.v3.issues.createIssue({ fields: { project: { key: WEB }, summary: 'with severity', issuetype: { name: 'Bug' }, [made.id]: { value: 'S2' } } });
    const got = await c.v3.issues.getIssue({ issueIdOrKey: issue.key, fields: [made.id] });
    assert.equal(got.fields[made.id].value, 'S2');
    const bad = await jira('/issue', { method: 'POST', body: { fields: { project: { key: WEB }, summary: 'x', issuetype: { name: 'Bug' }, [made.id]: { value: 'S9' } } } });
    assert.equal(expectFieldError(bad, 400, made.id).errors[made.id], "Option value 'S9' is not valid");
    const num = await c.v2.issueFields.createCustomField({ name: `Cost ${randomKey('', 4)}`, type: 'com.atlassian.jira.plugin.system.customfieldtypes:float' });
    valid('POST /rest/api/2/field', 201, num);
    const wrong = await jira(`/issue/${issue.key}`, { method: 'PUT', body: { fields: { [num.id]: 'abc' } } });
    assert.equal(expectFieldError(wrong, 400, num.id).errors[num.id], 'Operation value must be a number');
    const notAdmin = await jira('/field', { method: 'POST', token: ravi.token, body: { name: 'Nope', type: 'com.atlassian.jira.plugin.system.customfieldtypes:float' } });
    expectJiraError(notAdmin, 403, 'a user who is no Jira admin');
    const unknownType = await jira('/field', { method: 'POST', body: { name: 'Nope', type: 'com.example:nothing' } });
    expectFieldError(unknownType, 400, 'type');
    const same = await jira('/field', { method: 'POST', body: { name: 'story points', type: 'com.atlassian.jira.plugin.system.customfieldtypes:float' } });
    expectFieldError(same, 400, 'name');
    // site B has its own fields: A's new field is not among them
    assert.ok(!(await cB.v3.issueFields.getFields()).some((f) => f.id === made.id || f.name === made.name));
  });

  it('issue types, statuses, categories, priorities, resolutions, labels', async () => {
    const web = await c.v3.projects.getProject({ projectIdOrKey: WEB });
    const mkt = await c.v3.projects.getProject({ projectIdOrKey: MKT });
    for (const n of [2, 3]) {
      const a = api(n);
      const types = await a.issueTypes.getIssueAllTypes();
      valid(`GET /rest/api/${n}/issuetype`, 200, types);
      valid(`GET /rest/api/${n}/issuetype/{id}`, 200, await a.issueTypes.getIssueType({ id: types[0].id }));
      const forMkt = await a.issueTypes.getIssueTypesForProject({ projectId: Number(mkt.id) });
      valid(`GET /rest/api/${n}/issuetype/project`, 200, forMkt);
      assert.deepEqual(forMkt.map((t) => t.name).sort(), ['Epic', 'Subtask', 'Task']);
      const st = await a.workflowStatuses.getStatuses();
      valid(`GET /rest/api/${n}/status`, 200, st);
      const inReview = await a.workflowStatuses.getStatus('In Review');
      valid(`GET /rest/api/${n}/status/{idOrName}`, 200, inReview);
      assert.equal(inReview.statusCategory.key, 'indeterminate');
      const found = await a.status.search({ projectId: web.id, statusCategory: 'DONE' });
      valid(`GET /rest/api/${n}/statuses/search`, 200, found);
      assert.deepEqual(found.values.map((s) => s.name), ['Done']);
      const ps = await a.projects.getAllStatuses(WEB);
      valid(`GET /rest/api/${n}/project/{projectIdOrKey}/statuses`, 200, ps);
      assert.deepEqual(ps.find((t) => t.name === 'Story').statuses.map((s) => s.name), ['To Do', 'In Progress', 'In Review', 'Done']);
      const cats = await a.workflowStatusCategories.getStatusCategories();
      valid(`GET /rest/api/${n}/statuscategory`, 200, cats);
      valid(`GET /rest/api/${n}/statuscategory/{idOrKey}`, 200, await a.workflowStatusCategories.getStatusCategory('done'));
      const pr = await a.issuePriorities.getPriorities();
      valid(`GET /rest/api/${n}/priority`, 200, pr);
      assert.deepEqual(pr.map((p) => p.name), ['Highest', 'High', 'Medium', 'Low', 'Lowest']);
      valid(`GET /rest/api/${n}/priority/{id}`, 200, await a.issuePriorities.getPriority({ id: '1' }));
      const ps2 = await a.issuePriorities.searchPriorities({ onlyDefault: true });
      valid(`GET /rest/api/${n}/priority/search`, 200, ps2);
      assert.deepEqual(ps2.values.map((p) => p.name), ['Medium']);
      const rs = await a.issueResolutions.getResolutions();
      valid(`GET /rest/api/${n}/resolution`, 200, rs);
      valid(`GET /rest/api/${n}/resolution/{id}`, 200, await a.issueResolutions.getResolution({ id: rs[0].id }));
      const rsearch = await a.issueResolutions.searchResolutions({ onlyDefault: true });
      assert.deepEqual(rsearch.values.map((r) => [r.name, r.default]), [['Done', true]]);
      const labels = await a.labels.getAllLabels();
      valid(`GET /rest/api/${n}/label`, 200, labels);
      assert.ok(labels.values.includes('frontend'), JSON.stringify(labels));
    }
    expectJiraError(await jira('/issuetype/99999'), 404, 'no such issue type');
    expectJiraError(await jira('/status/Nope'), 404, 'no such status');
    expectJiraError(await jira('/priority/99'), 404, 'no such priority');
    expectJiraError(await jira('/issuetype/project'), 400, 'projectId missing');
    expectJiraError(await jira(`/issuetype/project?projectId=${BWEB.id}`), 404, 'site B\'s project id');
    expectJiraError(await jira('/statuses/search?statusCategory=NOPE'), 400, 'bad category');
  });

  it('components and versions: list, create, get, update, delete', async () => {
    for (const n of [2, 3]) {
      const a = api(n);
      const made = await a.projectComponents.createComponent({ project: WEB, name: `Comp ${n} ${randomKey('', 4)}`, leadAccountId: ravi.accountId, assigneeType: 'COMPONENT_LEAD' });
      valid(`POST /rest/api/${n}/component`, 201, made);
      assert.equal(made.realAssignee.accountId, ravi.accountId);
      valid(`GET /rest/api/${n}/component/{id}`, 200, await a.projectComponents.getComponent({ id: made.id }));
      const up = await a.projectComponents.updateComponent({ id: made.id, description: 'changed' });
      valid(`PUT /rest/api/${n}/component/{id}`, 200, up);
      assert.equal(up.description, 'changed');
      const list = await a.projectComponents.getProjectComponents({ projectIdOrKey: WEB });
      valid(`GET /rest/api/${n}/project/{projectIdOrKey}/components`, 200, list);
      assert.ok(list.some((x) => x.id === made.id));
      await a.projectComponents.deleteComponent({ id: made.id });
      assert.equal((await rejects(a.projectComponents.getComponent({ id: made.id }), 'deleted component')).status, 404);
      for (const kind of ['created', 'updated', 'deleted']) assert.equal(events(A.name, `avi:jira:${kind}:component`, made.id).length, 1, kind);

      const web = await a.projects.getProject({ projectIdOrKey: WEB });
      const v = await a.projectVersions.createVersion({ projectId: Number(web.id), name: `v${n}-${randomKey('', 4)}`, releaseDate: '2027-01-15', startDate: '2026-12-01' });
      valid(`POST /rest/api/${n}/version`, 201, v);
      valid(`GET /rest/api/${n}/version/{id}`, 200, await a.projectVersions.getVersion({ id: v.id }));
      const released = await a.projectVersions.updateVersion({ id: v.id, released: true });
      valid(`PUT /rest/api/${n}/version/{id}`, 200, released);
      assert.equal(released.released, true);
      const vs = await a.projectVersions.getProjectVersions({ projectIdOrKey: WEB });
      valid(`GET /rest/api/${n}/project/{projectIdOrKey}/versions`, 200, vs);
      assert.ok(vs.some((x) => x.id === v.id));
      expectStatus(await jira(`/version/${v.id}`, { method: 'DELETE' }, n), 204, 'delete version');
      expectJiraError(await jira(`/version/${v.id}`, {}, n), 404, 'deleted version');
      for (const kind of ['created', 'updated', 'deleted']) assert.equal(events(A.name, `avi:jira:${kind}:version`, v.id).length, 1, kind);
    }
    expectFieldError(await jira('/version', { method: 'POST', body: { project: WEB, name: 'bad', releaseDate: '2027-02-30' } }), 400, 'releaseDate');
    // deletes that move the issues to another component or version of the project
    const [c1, c2] = await Promise.all(['Move from', 'Move to'].map(async (name) => (await jira('/component', { method: 'POST', body: { project: WEB, name: `${name} ${randomKey('', 4)}` } })).json));
    const web = await c.v3.projects.getProject({ projectIdOrKey: WEB });
    const [v1, v2] = await Promise.all(['m1', 'm2'].map(async (name) => (await jira('/version', { method: 'POST', body: { projectId: Number(web.id), name: `${name}-${randomKey('', 4)}` } })).json));
    const moved = await c.v3.issues.createIssue({ fields: { project: { key: WEB }, summary: 'to be moved', issuetype: { name: 'Bug' }, components: [{ id: c1.id }], fixVersions: [{ id: v1.id }], versions: [{ id: v1.id }] } });
    expectJiraError(await jira(`/component/${c1.id}?moveIssuesTo=${c1.id}`, { method: 'DELETE' }), 400, 'moving to itself');
    const bComp = (await cB.v3.projectComponents.getProjectComponents({ projectIdOrKey: BWEB.key }))[0];
    expectJiraError(await jira(`/component/${c1.id}?moveIssuesTo=${bComp.id}`, { method: 'DELETE' }), 400, 'moving to site B\'s component');
    expectStatus(await jira(`/component/${c1.id}?moveIssuesTo=${c2.id}`, { method: 'DELETE' }), 204, 'component delete with moveIssuesTo');
    expectStatus(await jira(`/version/${v1.id}?moveFixIssuesTo=${v2.id}`, { method: 'DELETE' }), 204, 'version delete with moveFixIssuesTo');
    const after = await c.v3.issues.getIssue({ issueIdOrKey: moved.key, fields: ['components', 'fixVersions', 'versions'] });
    assert.deepEqual(after.fields.components.map((x) => x.id), [c2.id]);
    assert.deepEqual(after.fields.fixVersions.map((x) => x.id), [v2.id]);
    assert.deepEqual(after.fields.versions, [], 'the affected version was not moved: it is gone');
    expectJiraError(await jira('/component', { method: 'POST', token: ravi.token, body: { project: WEB, name: 'nope' } }), 403, 'a worker is no project admin');
  });
});

describe('bad input', () => {
  const base = () => ({ project: { key: WEB }, summary: 'ok', issuetype: { name: 'Task' } });
  const create = (fields, n = 3, extra = {}) => jira('/issue', { method: 'POST', body: { fields, ...extra } }, n);

  it('each bad field gets Jira\'s errors.<field>, and nothing is created', async () => {
    const before = (await c.v3.projects.getProject({ projectIdOrKey: WEB, expand: 'insight' })).insight.totalIssueCount;
    const cases = [
      [{ summary: 'x'.repeat(256) }, 'summary', 'Summary must be less than 255 characters.'],
      [{ summary: 'two\nlines' }, 'summary'],
      [{ labels: Array.from({ length: 10000 }, (_, i) => `l${i}`) }, 'labels'],
      [{ labels: ['has space'] }, 'labels', "The label 'has space' contains spaces which is invalid."],
      [{ labels: 'notarray' }, 'labels'],
      [{ priority: 'High' }, 'priority'],
      [{ priority: { name: 'Urgent' } }, 'priority', 'The priority selected is invalid.'],
      [{ duedate: '2026-02-30' }, 'duedate', 'Error parsing date string: 2026-02-30'],
      [{ duedate: 20260101 }, 'duedate'],
      [{ components: [{ name: 'Nope' }] }, 'components', "Component name 'Nope' is not valid"],
      [{ fixVersions: [{ id: '1' }] }, 'fixVersions', "Version with id '1' does not exist."],
      [{ timetracking: { originalEstimate: 'soon' } }, 'timetracking'],
      [{ assignee: { accountId: 'no-such-user' } }, 'assignee'],
      [{ description: 'a string on v3' }, 'description', 'Operation value must be an Atlassian Document (see the Atlassian Document Format)'],
      [{ description: { type: 'doc', version: 1, content: [{ type: 'blink', content: [] }] } }, 'description'],
      [{ nosuchfield: 1 }, 'nosuchfield', "Field 'nosuchfield' cannot be set. It is not on the appropriate screen, or unknown."],
      [{ status: { id: '10001' } }, 'status'],
      [{ customfield_99999: 'x' }, 'customfield_99999'],
      [{ issuetype: { name: 'Nope' } }, 'issuetype', 'Specify an issue type'],
      [{ parent: { key: 'NOPE-1' } }, 'parent', 'Could not find issue by id or key.'],
    ];
    for (const [bad, field, msg] of cases) {
      const r = await create({ ...base(), ...bad });
      const j = expectFieldError(r, 400, field, JSON.stringify(bad).slice(0, 80));
      if (msg) assert.equal(j.errors[field], msg);
    }
    expectFieldError(await create({ ...base(), description: { type: 'doc' } }, 2), 400, 'description', 'v2 wants a string');
    expectFieldError(await create(base(), 3, { nonsense: true }), 400, 'nonsense');
    const many = Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`f${i}`, i]));
    const tooMany = await create({ ...base(), ...many });
    assert.deepEqual(Object.keys(expectFieldError(tooMany, 400, 'fields').errors), ['fields'], 'one error, not 20000');
    // what kiln does not apply on create is refused, never silently dropped
    expectFieldError(await create(base(), 3, { transition: { id: '11' } }), 400, 'transition');
    expectFieldError(await create(base(), 3, { properties: [{ key: 'k', value: 1 }] }), 400, 'properties');
    expectStatus(await create(base(), 3, { historyMetadata: { type: 'x' }, transition: {}, properties: [] }), 201, 'empty ones are fine');
    const after = (await c.v3.projects.getProject({ projectIdOrKey: WEB, expand: 'insight' })).insight.totalIssueCount;
    assert.equal(after, before + 1, 'no bad request created an issue (one good one did)');
  });

  it('deep ADF, a huge body, malformed JSON and a bad update verb are refused with one clear error', async () => {
    let doc = { type: 'text', text: 'deep' };
    for (let i = 0; i < 2000; i++) doc = { type: 'paragraph', content: [doc] };
    const deep = await create({ ...base(), description: { type: 'doc', version: 1, content: [doc] } });
    expectJiraError(deep, 400, 'deep ADF');
    const huge = await create({ ...base(), description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x'.repeat(3 * 1024 * 1024) }] }] } });
    assert.ok([400, 413].includes(huge.status), `huge body: ${huge.status}`);
    expectJiraError(await jira('/issue', { method: 'POST', body: '{"fields": ', headers: { 'content-type': 'application/json' } }), 400, 'malformed JSON');
    // hostile text is stored as given and rendered escaped, a javascript: link as its text
    const evil = { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '<script>x</script>', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] }] }] };
    const made = await create({ ...base(), description: evil });
    expectStatus(made, 201, 'a document with a hostile link');
    const shown = await jira(`/issue/${made.json.key}?fields=description&expand=renderedFields`);
    assert.deepEqual(shown.json.fields.description, evil);
    const html = shown.json.renderedFields.description;
    assert.ok(!html.includes('<script>') && !html.includes('javascript:') && html.includes('&lt;script&gt;'), html);
    const verb = await jira(`/issue/${WEB}-1`, { method: 'PUT', body: { update: { labels: [{ explode: 'x' }] } } });
    expectFieldError(verb, 400, 'labels');
    const both = await jira(`/issue/${WEB}-1`, { method: 'PUT', body: { fields: { labels: [] }, update: { labels: [{ add: 'x' }] } } });
    expectFieldError(both, 400, 'labels');
    const status = await jira(`/issue/${WEB}-1`, { method: 'PUT', body: { fields: { status: { name: 'Done' } } } });
    assert.equal(expectFieldError(status, 400, 'status').errors.status, "Field 'status' cannot be set. It is not on the appropriate screen, or unknown.");
    expectJiraError(await jira(`/issue/${WEB}-1/changelog?maxResults=-1`), 400, 'negative maxResults');
  });
});

describe('bad input to links, fields, components, versions and meta', () => {
  it('each is refused with one clear Jira error', async () => {
    const long = 'x'.repeat(10000);
    const cases = [
      ['POST', '/issueLink', { type: 'Blocks', inwardIssue: { key: `${WEB}-1` }, outwardIssue: { key: `${WEB}-2` } }, 404],
      ['POST', '/issueLink', { type: { name: 'Blocks' }, inwardIssue: `${WEB}-1`, outwardIssue: { key: `${WEB}-2` } }, 404],
      ['POST', '/issueLink', { type: { name: 'Blocks' }, inwardIssue: { key: `${WEB}-1` }, outwardIssue: { key: `${WEB}-1` } }, 400],
      ['GET', '/issueLink/abc', undefined, 404],
      ['GET', '/issueLinkType/0', undefined, 404],
      ['POST', '/field', { name: long, type: 'com.atlassian.jira.plugin.system.customfieldtypes:float' }, 400, 'name'],
      ['POST', '/field', { name: 'Opts', type: 'com.atlassian.jira.plugin.system.customfieldtypes:float', options: ['a'] }, 400, 'options'],
      ['POST', '/field', { name: 'Opts', type: 'com.atlassian.jira.plugin.system.customfieldtypes:select', options: Array(201).fill('a') }, 400, 'options'],
      ['POST', '/field', [], 400],
      ['GET', '/field/search?type=bogus', undefined, 400],
      ['GET', '/field/search?orderBy=color', undefined, 400],
      ['GET', '/field/search?maxResults=x', undefined, 400],
      ['POST', '/component', { project: WEB, name: long }, 400, 'name'],
      ['POST', '/component', { project: WEB, name: 'ok', assigneeType: 'EVERYONE' }, 400, 'assigneeType'],
      ['POST', '/component', { project: WEB, name: 'ok', leadAccountId: 'nobody' }, 400, 'leadAccountId'],
      ['POST', '/component', { name: 'no project' }, 400, 'project'],
      ['POST', '/version', { project: WEB, name: 'v', startDate: '2027-05-01', releaseDate: '2027-01-01' }, 400, 'startDate'],
      ['POST', '/version', { project: WEB, name: 'v', released: 'yes' }, 400, 'released'],
      ['POST', '/version', { project: 'NOPE', name: 'v' }, 404],
      ['GET', '/component/0', undefined, 404],
      ['GET', '/issuetype/project?projectId=abc', undefined, 400],
      ['GET', '/issuetype/project?projectId=1&level=7', undefined, 400],
      ['GET', '/statuscategory/nope', undefined, 404],
      ['GET', '/resolution/abc', undefined, 404],
      ['POST', `/issue/${WEB}-1/changelog/list`, { changelogIds: ['1'] }, 400, 'changelogIds'],
      ['POST', `/issue/${WEB}-1/changelog/list`, { changelogIds: Array(1001).fill(1) }, 400, 'changelogIds'],
      ['POST', '/issue/bulkfetch', { issueIdsOrKeys: Array(101).fill(`${WEB}-1`) }, 400, 'issueIdsOrKeys'],
      ['POST', '/issue/bulkfetch', { issueIdsOrKeys: [`${WEB}-1`], fields: [1] }, 400],
      ['POST', '/issue/bulk', { issueUpdates: Array(51).fill({}) }, 400],
      ['PUT', `/issue/${WEB}-1/assignee`, {}, 400, 'assignee'],
      ['GET', `/issue/createmeta?projectKeys=${Array(101).fill('A').join(',')}`, undefined, 400],
    ];
    for (const [method, p, body, status, field] of cases) {
      const r = await jira(p, { method, body });
      const what = `${method} ${p.slice(0, 60)} ${JSON.stringify(body ?? '').slice(0, 60)}`;
      if (field) expectFieldError(r, status, field, what);
      else expectJiraError(r, status, what);
    }
  });
});

describe('tenancy: site B\'s ids, keys and users never reach site A', () => {
  it('B\'s project, issue, user, component and link ids are missing things on A', async () => {
    const bIssue = (await cB.v3.issues.getIssue({ issueIdOrKey: `${BWEB.key}-1` }));
    const bUser = (await cB.v3.myself.getCurrentUser()).accountId;
    for (const proj of [{ id: BWEB.id }, { key: BWEB.key }]) {
      const r = await jira('/issue', { method: 'POST', body: { fields: { project: proj, summary: 'x', issuetype: { name: 'Task' } } } });
      assert.equal(expectFieldError(r, 400, 'project').errors.project, 'Specify a valid project ID or key');
    }
    for (const ref of [bIssue.id, bIssue.key]) {
      for (const [method, p, body] of [['GET', ''], ['PUT', '', { fields: { summary: 'stolen' } }], ['DELETE', ''],
        ['PUT', '/assignee', { accountId: null }], ['GET', '/changelog'], ['GET', '/editmeta'],
        ['POST', '/changelog/list', { changelogIds: [1] }]]) {
        const r = await jira(`/issue/${ref}${p}`, { method, body });
        expectStatus(r, 404, `${method} A/issue/${ref}${p}`);
        assert.deepEqual(r.json, NO_ISSUE);
      }
    }
    const parent = await jira('/issue', { method: 'POST', body: { fields: { project: { key: WEB }, summary: 'x', issuetype: { name: 'Task' }, parent: { key: bIssue.key } } } });
    expectFieldError(parent, 400, 'parent');
    const asg = await jira('/issue', { method: 'POST', body: { fields: { project: { key: WEB }, summary: 'x', issuetype: { name: 'Task' }, assignee: { accountId: bUser } } } });
    expectFieldError(asg, 400, 'assignee');
    expectFieldError(await jira(`/issue/${WEB}-1/assignee`, { method: 'PUT', body: { accountId: bUser } }), 400, 'assignee');
    const link = await jira('/issueLink', { method: 'POST', body: { type: { name: 'Relates' }, inwardIssue: { key: bIssue.key }, outwardIssue: { key: `${WEB}-1` } } });
    expectJiraError(link, 404, 'link to B\'s issue');
    const bComp = (await cB.v3.projectComponents.getProjectComponents({ projectIdOrKey: BWEB.key }))[0];
    expectJiraError(await jira(`/component/${bComp.id}`), 404, 'B\'s component');
    const comp = await jira('/issue', { method: 'POST', body: { fields: { project: { key: WEB }, summary: 'x', issuetype: { name: 'Task' }, components: [{ id: bComp.id }] } } });
    expectFieldError(comp, 400, 'components');
    const bVer = (await cB.v3.projectVersions.getProjectVersions({ projectIdOrKey: BWEB.key }))[0];
    expectJiraError(await jira(`/version/${bVer.id}`), 404, 'B\'s version');
    expectJiraError(await jira(`/project/${BWEB.key}/components`), 404, 'B\'s project components');
    const bFields = (await cB.v3.issueFields.getFields()).filter((f) => f.custom);
    const aIds = new Set((await c.v3.issueFields.getFields()).map((f) => f.id));
    for (const f of bFields) assert.ok(!aIds.has(f.id), `A lists B's field ${f.id}`);
    const fetched = await c.v3.issues.bulkFetchIssues({ issueIdsOrKeys: [bIssue.key, bIssue.id] });
    assert.deepEqual(fetched.issues, []);
    // and B's issue is untouched
    assert.equal((await cB.v3.issues.getIssue({ issueIdOrKey: bIssue.key })).fields.summary, bIssue.fields.summary);
  });
});

describe('permissions: 404 without browse, 403 without the write permission', () => {
  it('Lena browses the help desk only: the website\'s issues are missing things to her, the help desk\'s read-only', async () => {
    const asLena = (p, opts = {}) => jira(p, { token: lena.token, ...opts });
    for (const [method, p, body] of [['GET', ''], ['PUT', '', { fields: { summary: 'x' } }], ['DELETE', ''],
      ['PUT', '/assignee', { accountId: null }], ['GET', '/changelog'], ['GET', '/editmeta']]) {
      const r = await asLena(`/issue/${WEB}-1${p}`, { method, body });
      expectStatus(r, 404, `Lena ${method} WEB-1${p}`);
      assert.deepEqual(r.json, NO_ISSUE);
      const missing = await asLena(`/issue/${WEB}-99999${p}`, { method, body });
      assert.deepEqual([missing.status, missing.json], [r.status, r.json], 'hidden and missing answer alike');
    }
    const help = `${HELP}-1`;
    expectStatus(await asLena(`/issue/${help}`), 200, 'Lena reads a help desk issue');
    for (const [method, p, body, msg] of [
      ['PUT', '', { fields: { summary: 'x' } }, 'You do not have permission to edit issues in this project.'],
      ['DELETE', '', undefined, 'You do not have permission to delete issues in this project.'],
      ['PUT', '/assignee', { accountId: null }, 'You do not have permission to assign issues.']]) {
      const r = await asLena(`/issue/${help}${p}`, { method, body });
      assert.deepEqual([r.status, r.json], [403, { errorMessages: [msg], errors: {} }], `Lena ${method} ${help}${p}`);
    }
    const hidden = await asLena('/issue', { method: 'POST', body: { fields: { project: { key: WEB }, summary: 'x', issuetype: { name: 'Task' } } } });
    const none = await asLena('/issue', { method: 'POST', body: { fields: { project: { key: 'NOPE' }, summary: 'x', issuetype: { name: 'Task' } } } });
    assert.deepEqual([hidden.status, hidden.json], [none.status, none.json], 'a hidden project answers as a missing one');
    const noCreate = await asLena('/issue', { method: 'POST', body: { fields: { project: { key: HELP }, summary: 'x', issuetype: { name: 'Task' } } } });
    assert.match(expectFieldError(noCreate, 400, 'project').errors.project, /permission to create/);
    expectJiraError(await asLena(`/project/${WEB}/components`), 404, 'Lena lists the website\'s components');
    expectJiraError(await asLena(`/project/${WEB}/statuses`), 404, 'Lena lists the website\'s statuses');
    const link = await asLena('/issueLink', { method: 'POST', body: { type: { name: 'Relates' }, inwardIssue: { key: help }, outwardIssue: { key: `${WEB}-1` } } });
    expectJiraError(link, 404, 'Lena links to a hidden issue');
    const cm = await asLena('/issue/createmeta');
    expectStatus(cm, 200);
    assert.deepEqual(cm.json.projects, [], 'Lena may create issues nowhere');
    const cmHidden = await asLena(`/issue/createmeta/${WEB}/issuetypes`);
    const cmNone = await asLena('/issue/createmeta/NOPE/issuetypes');
    assert.deepEqual([cmHidden.status, cmHidden.json.errorMessages[0].replace(WEB, 'X')], [cmNone.status, cmNone.json.errorMessages[0].replace('NOPE', 'X')]);
    expectStatus(cmHidden, 404);
    const cmHelp = await asLena(`/issue/createmeta/${HELP}/issuetypes`);
    assert.deepEqual([cmHelp.status, cmHelp.json.total], [200, 0], 'she browses the help desk but creates nothing there');
    expectJiraError(await asLena(`/issue/createmeta/${HELP}/issuetypes/10001`), 404, 'no fields to create with');
    const fetched = await asLena('/issue/bulkfetch', { method: 'POST', body: { issueIdsOrKeys: [`${WEB}-1`, help] } });
    expectStatus(fetched, 200);
    assert.deepEqual(fetched.json.issues.map((i) => i.key), [help]);
    // a link between a help desk issue and a website issue is not shown to her
    await c.v3.issueLinks.linkIssues({ type: { name: 'Relates' }, inwardIssue: { key: help }, outwardIssue: { key: `${WEB}-3` } });
    const mine = await asLena(`/issue/${help}?fields=issuelinks`);
    assert.ok(!JSON.stringify(mine.json).includes(`${WEB}-3`), JSON.stringify(mine.json.fields.issuelinks));
    // labels: only those of issues she may browse
    const only = `web-only-${randomKey('', 6).toLowerCase()}`;
    await c.v3.issues.editIssue({ issueIdOrKey: `${WEB}-3`, update: { labels: [{ add: only }] } });
    assert.ok((await c.v3.labels.getAllLabels()).values.includes(only), 'the admin lists the label');
    const lenaLabels = await asLena('/label');
    expectStatus(lenaLabels, 200);
    assert.ok(!lenaLabels.json.values.includes(only) && lenaLabels.json.total === lenaLabels.json.values.length, JSON.stringify(lenaLabels.json));
    const adminView = await c.v3.issues.getIssue({ issueIdOrKey: help, fields: ['issuelinks'] });
    // the help desk issue is the inward one ("relates to" WEB-3): its entry names WEB-3 as inwardIssue
    assert.ok(adminView.fields.issuelinks.some((l) => l.inwardIssue?.key === `${WEB}-3`), JSON.stringify(adminView.fields.issuelinks));
  });

  it('Ravi works on the website only: he edits there, not in marketing; an assignee must be assignable', async () => {
    const asRavi = (p, opts = {}) => jira(p, { token: ravi.token, ...opts });
    expectStatus(await asRavi(`/issue/${WEB}-2`, { method: 'PUT', body: { fields: { labels: ['by-ravi'] } } }), 204, 'Ravi edits WEB');
    const mkt = await asRavi(`/issue/${MKT}-1`, { method: 'PUT', body: { fields: { summary: 'x' } } });
    assert.deepEqual([mkt.status, mkt.json], [404, NO_ISSUE]);
    const lenaAsg = await jira(`/issue/${WEB}-2/assignee`, { method: 'PUT', body: { accountId: lena.accountId } });
    assert.equal(expectFieldError(lenaAsg, 400, 'assignee').errors.assignee, `User '${lena.accountId}' cannot be assigned issues.`);
  });
});
