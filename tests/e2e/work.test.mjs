// Comments, worklogs, transitions and entity properties (issue 17, product/work.h),
// driven through jira.js's Version2Client and Version3Client (a real Jira client no one
// here wrote) and raw requests for the errors: every 2xx body validates against Jira's
// schema; a user without BROWSE_PROJECTS gets the 404 of a missing thing everywhere
// (comment/list and worklog/list leave such ids out silently); a user without
// ADD_COMMENTS a 403; another site's ids are never found; hostile input (oversized text
// and values, bad durations, malformed bodies) is refused with Jira's 400.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus, expectJiraError, expectFieldError, randomKey } from './lib/kiln.mjs';
import { jiraClients, rejects, appSystemToken } from './lib/jirajs.mjs';
import { loadSpec, formatErrors } from './lib/schemas.mjs';

let k, S, A, B, c, cB, LENA, RAVI, lena, ravi, PROJ, BPROJ;
const api = (n) => (n === 2 ? c.v2 : c.v3);
const VERSIONS = [2, 3];

function valid(op, status, body) {
  const v = S.forOperation(op, status);
  if (!v(body)) assert.fail(`${op} -> ${status} does not match the Jira schema\n${formatErrors(v, body)}`);
}

/** A raw request to /rest/api/N of site s with token t (a string body is sent as JSON text as it is). */
const raw = (s, t, n, p, opts = {}) => k.api(`/ex/jira/${s.cloudId}/rest/api/${n}${p}`,
  { token: t, ...opts, headers: typeof opts.body === 'string' ? { 'content-type': 'application/json', ...opts.headers } : opts.headers });

const adfDoc = (text) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

/** A fresh issue in a new project of type `type` on site A, made by the admin. */
async function freshIssue(type = 'software') {
  const key = randomKey('W', 6);
  await c.v3.projects.createProject({ key, name: `work ${key}`, projectTypeKey: type, leadAccountId: A.accountId });
  const it = (await c.v3.projects.getProject({ projectIdOrKey: key })).issueTypes.find((t) => t.hierarchyLevel === 0);
  const made = await c.v3.issues.createIssue({ fields: { project: { key }, summary: `work ${type}`, issuetype: { id: it.id } } });
  return { key: made.key, id: made.id, project: key };
}

before(async () => {
  S = loadSpec();
  k = await startKiln();
  const tag = randomKey('', 5).toLowerCase();
  A = await k.siteWithToken(`work-a-${tag}`, true);
  B = await k.siteWithToken(`work-b-${tag}`, true);
  c = await jiraClients(k, A);
  cB = await jiraClients(k, B);
  const users = (await k.jira(A.cloudId, '/users/search?maxResults=50', { token: A.token })).json;
  const byMail = (who) => users.find((u) => u.emailAddress?.startsWith(`${who}@`)).accountId;
  LENA = byMail('lena');
  RAVI = byMail('ravi');
  lena = { ...A, token: (await k.userToken(A.name, LENA)).token };
  ravi = { ...A, token: (await k.userToken(A.name, RAVI)).token };
  const ps = (await k.jira(A.cloudId, '/project/search?maxResults=50', { token: A.token })).json.values;
  PROJ = { WEB: ps.find((p) => p.key.startsWith('WEB')), HELP: ps.find((p) => p.key.startsWith('HELP')) };
  BPROJ = (await k.jira(B.cloudId, '/project/search?maxResults=50', { token: B.token })).json.values.find((p) => p.key.startsWith('WEB'));
});

after(async () => {
  await k?.close();
});

describe('comments', () => {
  it('add, list, get, update, delete through jira.js v2 and v3; the issue\'s comment field', async () => {
    const is = await freshIssue();
    for (const n of VERSIONS) {
      const body = (t) => (n === 2 ? t : adfDoc(t));
      const a = await api(n).issueComments.addComment({ issueIdOrKey: is.key, comment: body(`first v${n}`) });
      valid(`POST /rest/api/${n}/issue/{issueIdOrKey}/comment`, 201, a);
      assert.equal(a.author.accountId, A.accountId);
      if (n === 2) assert.equal(a.body, `first v${n}`);
      else assert.equal(a.body.content[0].content[0].text, `first v${n}`);
      const b = await api(n).issueComments.addComment({ issueIdOrKey: is.id, comment: body(`second <b>&'v${n}'`) });
      const page = await api(n).issueComments.getComments({ issueIdOrKey: is.key, orderBy: '-created', expand: 'renderedBody' });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/comment`, 200, page);
      const mine = page.comments.filter((x) => [a.id, b.id].includes(x.id));
      assert.equal(mine.length, 2);
      assert.equal(page.comments[0].id, b.id, 'newest first with -created');
      assert.equal(mine[0].renderedBody, `<p>second &lt;b&gt;&amp;&#39;v${n}&#39;</p>`);
      const asc = await api(n).issueComments.getComments({ issueIdOrKey: is.key, startAt: 1, maxResults: 1 });
      assert.equal(asc.startAt, 1);
      assert.equal(asc.maxResults, 1);
      assert.equal(asc.comments.length, 1);
      assert.equal(asc.total, page.total);
      const got = await api(n).issueComments.getComment({ issueIdOrKey: is.key, id: a.id });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/comment/{id}`, 200, got);
      assert.equal(got.id, a.id);
      // jira.js names the new text `comment` in v2 and `body` in v3
      const up = await api(n).issueComments.updateComment({ issueIdOrKey: is.key, id: a.id, ...(n === 2 ? { comment: 'edited' } : { body: adfDoc('edited') }) });
      valid(`PUT /rest/api/${n}/issue/{issueIdOrKey}/comment/{id}`, 200, up);
      const again = await raw(A, A.token, n, `/issue/${is.key}/comment/${a.id}`);
      assert.equal(n === 2 ? again.json.body : again.json.body.content[0].content[0].text, 'edited');
      const list = await api(n).issueComments.getCommentsByIds({ ids: [Number(a.id), Number(b.id), 99999999] });
      valid(`POST /rest/api/${n}/comment/list`, 200, list);
      assert.deepEqual(list.values.map((x) => x.id).sort(), [a.id, b.id].sort());
      await api(n).issueComments.deleteComment({ issueIdOrKey: is.key, id: b.id });
      expectJiraError(await raw(A, A.token, n, `/issue/${is.key}/comment/${b.id}`), 404);
      // the issue answers its comments in its comment field (not a navigable one)
      const issue = (await raw(A, A.token, n, `/issue/${is.key}?fields=comment`)).json;
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}`, 200, issue);
      assert.ok(issue.fields.comment.comments.some((x) => x.id === a.id));
      assert.ok(!issue.fields.comment.comments.some((x) => x.id === b.id));
      assert.equal(issue.fields.comment.total, issue.fields.comment.comments.length);
      await api(n).issueComments.deleteComment({ issueIdOrKey: is.key, id: a.id });
    }
  });

  it('v2 writes wiki markup, v3 reads the document it makes, and back (product/adf.h)', async () => {
    const web1 = `${PROJ.WEB.key}-1`;
    const made = await c.v2.issueComments.addComment({ issueIdOrKey: web1, comment: 'a *bold* move\n\nsecond paragraph' });
    const v3 = await c.v3.issueComments.getComment({ issueIdOrKey: web1, id: made.id });
    const para = v3.body.content[0].content;
    assert.ok(para.some((t) => t.text === 'bold' && t.marks?.some((m) => m.type === 'strong')), JSON.stringify(v3.body));
    assert.equal(v3.body.content.length, 2);
    assert.equal(made.body, 'a *bold* move\n\nsecond paragraph', 'v2 reads back the markup it wrote');
    const rich = await c.v3.issueComments.addComment({ issueIdOrKey: web1, comment: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'emph', marks: [{ type: 'em' }] }] }] } });
    assert.equal((await c.v2.issueComments.getComment({ issueIdOrKey: web1, id: rich.id })).body, '_emph_');
    const html = (await raw(A, A.token, 3, `/issue/${web1}/comment/${rich.id}?expand=renderedBody`)).json.renderedBody;
    assert.match(html, /<em>emph<\/em>/);
    // a document adf_check refuses is Jira's 400 on errors.comment
    const bad = expectFieldError(await raw(A, A.token, 3, `/issue/${web1}/comment`, { method: 'POST', body: { body: { type: 'doc', version: 1, content: [{ type: 'rocket' }] } } }), 400, 'comment');
    assert.match(bad.errors.comment, /rocket/);
    expectFieldError(await raw(A, A.token, 3, `/issue/${web1}/worklog`, { method: 'POST', body: { timeSpent: '1h', comment: { type: 'doc', version: 1, content: [{ type: 'text' }] } } }), 400, 'comment');
  });

  it('own comments: a worker edits and deletes its own, not another\'s; a reader may not comment (403)', async () => {
    const web1 = `${PROJ.WEB.key}-1`;
    const adm = (await raw(A, A.token, 3, `/issue/${web1}/comment`, { method: 'POST', body: { body: adfDoc('by the admin') } })).json;
    const mine = await raw(ravi, ravi.token, 3, `/issue/${web1}/comment`, { method: 'POST', body: { body: adfDoc('by ravi') } });
    expectStatus(mine, 201);
    expectStatus(await raw(ravi, ravi.token, 3, `/issue/${web1}/comment/${mine.json.id}`, { method: 'PUT', body: { body: adfDoc('ravi again') } }), 200);
    expectJiraError(await raw(ravi, ravi.token, 3, `/issue/${web1}/comment/${adm.id}`, { method: 'PUT', body: { body: adfDoc('x') } }), 403);
    expectJiraError(await raw(ravi, ravi.token, 3, `/issue/${web1}/comment/${adm.id}`, { method: 'DELETE' }), 403);
    expectStatus(await raw(ravi, ravi.token, 3, `/issue/${web1}/comment/${mine.json.id}`, { method: 'DELETE' }), 204);
    // Lena reads the help desk only: no ADD_COMMENTS there
    const help1 = `${PROJ.HELP.key}-1`;
    const no = expectJiraError(await raw(lena, lena.token, 3, `/issue/${help1}/comment`, { method: 'POST', body: { body: adfDoc('lena') } }), 403);
    assert.match(no.errorMessages[0], /permission to comment/);
    expectStatus(await raw(lena, lena.token, 3, `/issue/${help1}/comment`), 200);
  });

  it('visibility: a role-restricted comment is hidden from who does not hold the role', async () => {
    const web1 = `${PROJ.WEB.key}-1`;
    const r = await raw(A, A.token, 3, `/issue/${web1}/comment`, { method: 'POST', body: { body: adfDoc('admins only'), visibility: { type: 'role', value: 'Administrators' } } });
    expectStatus(r, 201);
    valid('POST /rest/api/3/issue/{issueIdOrKey}/comment', 201, r.json);
    assert.equal(r.json.visibility.type, 'role');
    assert.equal(r.json.visibility.value, 'Administrators');
    const seen = (await raw(ravi, ravi.token, 3, `/issue/${web1}/comment`)).json;
    assert.ok(!seen.comments.some((x) => x.id === r.json.id), 'ravi is no administrator');
    expectJiraError(await raw(ravi, ravi.token, 3, `/issue/${web1}/comment/${r.json.id}`), 404);
    const byIds = (await raw(ravi, ravi.token, 3, '/comment/list', { method: 'POST', body: { ids: [Number(r.json.id)] } })).json;
    assert.deepEqual(byIds.values, []);
    assert.ok((await raw(A, A.token, 3, `/issue/${web1}/comment`)).json.comments.some((x) => x.id === r.json.id));
    expectFieldError(await raw(A, A.token, 3, `/issue/${web1}/comment`, { method: 'POST', body: { body: adfDoc('x'), visibility: { type: 'role', value: 'Nobody' } } }), 400, 'commentLevel');
    expectFieldError(await raw(A, A.token, 3, `/issue/${web1}/comment`, { method: 'POST', body: { body: adfDoc('x'), visibility: { type: 'planet' } } }), 400, 'visibility');
  });

  it('bad input: empty, oversized, the wrong text type per version, too many ids', async () => {
    const web1 = `${PROJ.WEB.key}-1`;
    const post = (n, body) => raw(A, A.token, n, `/issue/${web1}/comment`, { method: 'POST', body });
    expectFieldError(await post(3, {}), 400, 'comment');
    expectFieldError(await post(3, { body: 'a string in v3' }), 400, 'comment');
    expectFieldError(await post(2, { body: adfDoc('ADF in v2') }), 400, 'comment');
    const big = 'x'.repeat(32768);
    const e2 = expectFieldError(await post(2, { body: big }), 400, 'comment');
    assert.match(e2.errors.comment, /32,767/);
    expectFieldError(await post(3, { body: adfDoc(big) }), 400, 'comment');
    expectStatus(await post(2, { body: 'x'.repeat(32767) }), 201);
    expectStatus(await post(3, '{"body":'), 400);
    // properties given with the comment are its properties, set with it or not at all
    const withProps = await post(3, { body: adfDoc('with'), properties: [{ key: 'origin', value: { app: 'x' } }] });
    expectStatus(withProps, 201);
    const cp = await raw(A, A.token, 3, `/comment/${withProps.json.id}/properties/origin`);
    assert.deepEqual(cp.json, { key: 'origin', value: { app: 'x' } });
    const expanded = await raw(A, A.token, 3, `/issue/${web1}/comment/${withProps.json.id}?expand=properties`);
    assert.deepEqual(expanded.json.properties, [{ key: 'origin', value: { app: 'x' } }]);
    const total = (await raw(A, A.token, 3, `/issue/${web1}/comment?maxResults=0`)).json.total;
    expectFieldError(await post(3, { body: adfDoc('x'), properties: [{ key: 'k'.repeat(256), value: 1 }] }), 400, 'properties');
    expectFieldError(await post(3, { body: adfDoc('x'), properties: [{ key: 'big', value: 'x'.repeat(40000) }] }), 400, 'properties');
    expectFieldError(await post(3, { body: adfDoc('x'), properties: Array(101).fill({ key: 'k', value: 1 }) }), 400, 'properties');
    assert.equal((await raw(A, A.token, 3, `/issue/${web1}/comment?maxResults=0`)).json.total, total, 'a refused comment is not added');
    expectJiraError(await raw(A, A.token, 3, `/issue/${web1}/comment?orderBy=sideways`), 400);
    expectJiraError(await raw(A, A.token, 3, `/issue/${web1}/comment?maxResults=-1`), 400);
    expectJiraError(await raw(A, A.token, 3, '/comment/list', { method: 'POST', body: { ids: Array(1001).fill(1) } }), 400);
    expectJiraError(await raw(A, A.token, 3, '/comment/list', { method: 'POST', body: { ids: ['x'] } }), 400);
    expectJiraError(await raw(A, A.token, 3, `/issue/${web1}/comment/abc`), 404);
    expectJiraError(await raw(A, A.token, 3, `/issue/${web1}/comment/99999999999999999999`), 404);
  });
});

describe('worklogs', () => {
  it('log, list, get, update, delete; the issue\'s time tracking follows (jira.js v2 and v3)', async () => {
    for (const n of VERSIONS) {
      const is = await freshIssue();
      const started = '2026-03-02T09:15:00.000+0100';
      const w1 = await api(n).issueWorklogs.addWorklog({ issueIdOrKey: is.key, timeSpent: '1h 30m', started, comment: n === 2 ? 'pairing' : adfDoc('pairing'), adjustEstimate: 'new', newEstimate: '1d' });
      valid(`POST /rest/api/${n}/issue/{issueIdOrKey}/worklog`, 201, w1);
      assert.equal(w1.timeSpentSeconds, 5400);
      assert.equal(w1.timeSpent, '1h 30m');
      assert.equal(w1.started, '2026-03-02T08:15:00.000+0000');
      let f = (await raw(A, A.token, n, `/issue/${is.key}?fields=timespent,timeestimate,worklog`)).json.fields;
      assert.equal(f.timespent, 5400);
      assert.equal(f.timeestimate, 8 * 3600, 'adjustEstimate=new: 1d');
      assert.equal(f.worklog.total, 1);
      const w2 = await api(n).issueWorklogs.addWorklog({ issueIdOrKey: is.key, timeSpentSeconds: 3600 }); // auto
      f = (await raw(A, A.token, n, `/issue/${is.key}?fields=timespent,timeestimate`)).json.fields;
      assert.equal(f.timespent, 9000);
      assert.equal(f.timeestimate, 7 * 3600, 'auto: the estimate goes down by the time logged');
      const page = await api(n).issueWorklogs.getIssueWorklog({ issueIdOrKey: is.key });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/worklog`, 200, page);
      assert.deepEqual(page.worklogs.map((w) => w.id), [w1.id, w2.id]);
      const early = (await raw(A, A.token, n, `/issue/${is.key}/worklog?startedBefore=${Date.parse('2026-03-03T00:00:00Z')}`)).json;
      assert.deepEqual(early.worklogs.map((w) => w.id), [w1.id]);
      const w3 = (await raw(A, A.token, n, `/issue/${is.key}/worklog?adjustEstimate=leave`, { method: 'POST', body: { timeSpent: '1m', properties: [{ key: 'billing', value: { code: 'B-7' } }] } })).json;
      const w3p = (await raw(A, A.token, n, `/issue/${is.key}/worklog/${w3.id}?expand=properties`)).json;
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/worklog/{id}`, 200, w3p);
      assert.deepEqual(w3p.properties, [{ key: 'billing', value: { code: 'B-7' } }]);
      const w3l = (await raw(A, A.token, n, '/worklog/list?expand=properties', { method: 'POST', body: { ids: [Number(w3.id)] } })).json;
      assert.deepEqual(w3l[0].properties, [{ key: 'billing', value: { code: 'B-7' } }]);
      assert.equal((await raw(A, A.token, n, `/issue/${is.key}/worklog/${w3.id}`)).json.properties, undefined, 'only when expanded');
      expectStatus(await raw(A, A.token, n, `/issue/${is.key}/worklog/${w3.id}?adjustEstimate=leave`, { method: 'DELETE' }), 204);
      const got = await api(n).issueWorklogs.getWorklog({ issueIdOrKey: is.key, id: w1.id });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/worklog/{id}`, 200, got);
      const up = await api(n).issueWorklogs.updateWorklog({ issueIdOrKey: is.key, id: w1.id, timeSpent: '2h', adjustEstimate: 'leave' });
      valid(`PUT /rest/api/${n}/issue/{issueIdOrKey}/worklog/{id}`, 200, up);
      f = (await raw(A, A.token, n, `/issue/${is.key}?fields=timespent,timeestimate`)).json.fields;
      assert.equal(f.timespent, 10800);
      assert.equal(f.timeestimate, 7 * 3600, 'leave');
      const since = Date.now() - 60000;
      const list = await api(n).issueWorklogs.getWorklogsForIds({ ids: [Number(w1.id), Number(w2.id)] });
      valid(`POST /rest/api/${n}/worklog/list`, 200, list);
      assert.equal(list.length, 2);
      await api(n).issueWorklogs.deleteWorklog({ issueIdOrKey: is.key, id: w2.id, adjustEstimate: 'auto' });
      f = (await raw(A, A.token, n, `/issue/${is.key}?fields=timespent,timeestimate`)).json.fields;
      assert.equal(f.timespent, 7200);
      assert.equal(f.timeestimate, 8 * 3600, 'auto on delete gives the time back');
      expectJiraError(await raw(A, A.token, n, `/issue/${is.key}/worklog/${w2.id}`), 404);
      const upd = await api(n).issueWorklogs.getIdsOfWorklogsModifiedSince({ since });
      valid(`GET /rest/api/${n}/worklog/updated`, 200, upd);
      assert.ok(upd.values.some((v) => String(v.worklogId) === w1.id));
      assert.ok(!upd.values.some((v) => String(v.worklogId) === w2.id), 'a deleted worklog is not among the updated');
      const del = await api(n).issueWorklogs.getIdsOfWorklogsDeletedSince({ since });
      valid(`GET /rest/api/${n}/worklog/deleted`, 200, del);
      assert.ok(del.values.some((v) => String(v.worklogId) === w2.id));
      assert.equal(del.lastPage, true);
    }
  });

  it('concurrent writes: time logged in parallel all counts; one of racing transitions wins', async () => {
    const is = await freshIssue('software');
    const logs = await Promise.all(Array.from({ length: 12 }, () => raw(A, A.token, 3, `/issue/${is.key}/worklog`, { method: 'POST', body: { timeSpent: '1h' } })));
    for (const r of logs) expectStatus(r, 201);
    const f = (await raw(A, A.token, 3, `/issue/${is.key}?fields=timespent`)).json.fields;
    assert.equal(f.timespent, 12 * 3600, 'no logged hour is lost');
    const moves = await Promise.all(Array.from({ length: 6 }, () => raw(A, A.token, 3, `/issue/${is.key}/transitions`, { method: 'POST', body: { transition: { id: '11' } } })));
    assert.deepEqual(moves.map((r) => r.status).sort(), [204, 400, 400, 400, 400, 400]);
  });

  it('bad durations, dates and estimates are Jira\'s 400; a reader may not log work (403)', async () => {
    const web1 = `${PROJ.WEB.key}-1`;
    const post = (body, q = '') => raw(A, A.token, 3, `/issue/${web1}/worklog${q}`, { method: 'POST', body });
    for (const timeSpent of ['', 'abc', '1x', '1h 1h', '-2h', '9999999999w', '1h'.repeat(40)]) {
      const e = expectFieldError(await post({ timeSpent }), 400, 'timeLogged', JSON.stringify(timeSpent));
      assert.equal(e.errors.timeLogged, 'Invalid time duration entered.');
      assert.deepEqual(e.errorMessages, ['Worklog must not be null.'], 'as Jira answers it');
    }
    expectFieldError(await post({}), 400, 'timeLogged');
    expectFieldError(await post({ timeSpentSeconds: 0 }), 400, 'timeLogged');
    expectFieldError(await post({ timeSpentSeconds: 'ten' }), 400, 'timeLogged');
    expectFieldError(await post({ timeSpent: '1h', started: 'yesterday' }), 400, 'started');
    expectFieldError(await post({ timeSpent: '1h', started: '2026-13-01T00:00:00.000+0000' }), 400, 'started');
    expectJiraError(await post({ timeSpent: '1h' }, '?adjustEstimate=new'), 400);
    expectJiraError(await post({ timeSpent: '1h' }, '?adjustEstimate=manual&reduceBy=soon'), 400);
    expectJiraError(await post({ timeSpent: '1h' }, '?adjustEstimate=sideways'), 400);
    expectJiraError(await raw(A, A.token, 3, '/worklog/updated?since=yesterday'), 400);
    expectJiraError(await raw(A, A.token, 3, '/worklog/list', { method: 'POST', body: { ids: Array(1001).fill(1) } }), 400);
    const help1 = `${PROJ.HELP.key}-1`;
    expectJiraError(await raw(lena, lena.token, 3, `/issue/${help1}/worklog`, { method: 'POST', body: { timeSpent: '1h' } }), 403);
    expectStatus(await raw(lena, lena.token, 3, `/issue/${help1}/worklog`), 200);
  });
});

describe('transitions', () => {
  it('only those leaving the status; a move into Done resolves, leaving Done unresolves (jira.js v2 and v3)', async () => {
    for (const n of VERSIONS) {
      const is = await freshIssue('software');
      const t0 = await api(n).issues.getTransitions({ issueIdOrKey: is.key });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/transitions`, 200, t0);
      assert.deepEqual(t0.transitions.map((t) => t.name), ['Start Progress'], 'To Do leads to In Progress only');
      assert.equal(t0.transitions[0].to.name, 'In Progress');
      // Done (51) does not leave To Do: Jira's 400
      const bad = await rejects(api(n).issues.doTransition({ issueIdOrKey: is.key, transition: { id: '51' } }), 'done from to do');
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.errorMessages, ['Transition id \'51\' is not valid for this issue.']);
      const before = (await raw(A, A.token, n, `/issue/${is.key}?fields=statuscategorychangedate`)).json.fields.statuscategorychangedate;
      await api(n).issues.doTransition({ issueIdOrKey: is.key, transition: { id: '11' } });
      let f = (await raw(A, A.token, n, `/issue/${is.key}?fields=status,resolution,resolutiondate,statuscategorychangedate`)).json.fields;
      assert.equal(f.status.name, 'In Progress');
      assert.equal(f.resolution, null);
      assert.notEqual(f.statuscategorychangedate, before);
      await api(n).issues.doTransition({ issueIdOrKey: is.key, transition: { id: '31' } });
      const t3 = await api(n).issues.getTransitions({ issueIdOrKey: is.key, expand: 'transitions.fields', transitionId: '51' });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/transitions`, 200, t3);
      assert.deepEqual(t3.transitions.map((t) => t.id), ['51']);
      assert.ok(t3.transitions[0].fields.resolution.allowedValues.some((r) => r.name === 'Won\'t Do'));
      const inReview = (await raw(A, A.token, n, `/issue/${is.key}?fields=statuscategorychangedate`)).json.fields.statuscategorychangedate;
      await api(n).issues.doTransition({
        issueIdOrKey: is.key, transition: { id: '51' }, fields: { resolution: { name: 'Won\'t Do' } },
        update: { comment: [{ add: { body: n === 2 ? 'closing' : adfDoc('closing') } }] },
      });
      f = (await raw(A, A.token, n, `/issue/${is.key}?fields=status,resolution,resolutiondate,statuscategorychangedate,comment`)).json.fields;
      assert.equal(f.status.name, 'Done');
      assert.equal(f.resolution.name, 'Won\'t Do');
      assert.ok(f.resolutiondate);
      assert.notEqual(f.statuscategorychangedate, inReview);
      assert.equal(f.comment.comments.at(-1).author.accountId, A.accountId);
      const viaIssue = (await raw(A, A.token, n, `/issue/${is.key}?expand=transitions&fields=status`)).json;
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}`, 200, viaIssue);
      assert.deepEqual(viaIssue.transitions.map((t) => t.name), ['Reopen']);
      await api(n).issues.doTransition({ issueIdOrKey: is.key, transition: { id: '61' } });
      f = (await raw(A, A.token, n, `/issue/${is.key}?fields=status,resolution,resolutiondate`)).json.fields;
      assert.equal(f.status.name, 'To Do');
      assert.equal(f.resolution, null);
      assert.equal(f.resolutiondate, null);
    }
  });

  it('a move into Done without a resolution gets Done; bad bodies and a reader are refused', async () => {
    const is = await freshIssue('business');
    const t = (await raw(A, A.token, 3, `/issue/${is.key}/transitions`)).json.transitions;
    assert.deepEqual(t.map((x) => x.name).sort(), ['Done', 'In Progress'], 'a global transition to the current status does not leave it');
    const post = (body, who = A) => raw(who, who.token, 3, `/issue/${is.key}/transitions`, { method: 'POST', body });
    expectStatus(await post({ transition: { id: '31' }, properties: [{ key: 'moved.by', value: { tool: 'test' } }] }), 204);
    const f = (await raw(A, A.token, 3, `/issue/${is.key}?fields=resolution&properties=moved.by`)).json;
    assert.equal(f.fields.resolution.name, 'Done');
    assert.deepEqual(f.properties, { 'moved.by': { tool: 'test' } }, 'properties given with the move are the issue\'s');
    expectFieldError(await post({ transition: { id: '11' }, properties: [{ key: '', value: 1 }] }), 400, 'properties');
    expectJiraError(await post({}), 400);
    expectJiraError(await post({ transition: { id: 'abc' } }), 400);
    expectJiraError(await post({ transition: { id: '31' } }), 400, 'Done does not leave Done');
    expectFieldError(await post({ transition: { id: '11' }, fields: { resolution: { name: 'Done' } } }), 400, 'resolution');
    expectFieldError(await post({ transition: { id: '11' }, fields: { summary: 'x' } }), 400, 'summary');
    expectFieldError(await post({ transition: { id: '11' }, update: { labels: [] } }), 400, 'labels');
    // Lena may read the help desk, not move its issues
    const help1 = `${PROJ.HELP.key}-1`;
    const ts = (await raw(lena, lena.token, 3, `/issue/${help1}/transitions`)).json.transitions;
    expectJiraError(await raw(lena, lena.token, 3, `/issue/${help1}/transitions`, { method: 'POST', body: { transition: { id: ts[0].id } } }), 400);
  });
});

describe('entity properties', () => {
  it('issue, project, user, comment and worklog properties through jira.js v2 and v3', async () => {
    const is = await freshIssue();
    const cm = await c.v3.issueComments.addComment({ issueIdOrKey: is.key, comment: 'with properties' });
    const wl = await c.v3.issueWorklogs.addWorklog({ issueIdOrKey: is.key, timeSpent: '1h' });
    for (const n of VERSIONS) {
      const v = api(n);
      await v.issueProperties.setIssueProperty({ issueIdOrKey: is.key, propertyKey: `p${n}`, propertyValue: { n, list: [1, 2] } });
      const keys = await v.issueProperties.getIssuePropertyKeys({ issueIdOrKey: is.key });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/properties`, 200, keys);
      assert.ok(keys.keys.some((x) => x.key === `p${n}`));
      const got = await v.issueProperties.getIssueProperty({ issueIdOrKey: is.key, propertyKey: `p${n}` });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/properties/{propertyKey}`, 200, got);
      assert.deepEqual(got, { key: `p${n}`, value: { n, list: [1, 2] } });
      // GET issue ?properties= renders them
      const issue = (await raw(A, A.token, n, `/issue/${is.key}?fields=summary&properties=p${n},missing`)).json;
      assert.deepEqual(issue.properties, { [`p${n}`]: { n, list: [1, 2] } });
      const all = (await raw(A, A.token, n, `/issue/${is.key}?fields=summary&properties=*all`)).json;
      assert.ok(`p${n}` in all.properties);
      await v.issueProperties.deleteIssueProperty({ issueIdOrKey: is.key, propertyKey: `p${n}` });
      expectJiraError(await raw(A, A.token, n, `/issue/${is.key}/properties/p${n}`), 404);

      await v.projectProperties.setProjectProperty({ projectIdOrKey: is.project, propertyKey: 'conf', propertyValue: { on: n } });
      const pp = await v.projectProperties.getProjectProperty({ projectIdOrKey: is.project, propertyKey: 'conf' });
      valid(`GET /rest/api/${n}/project/{projectIdOrKey}/properties/{propertyKey}`, 200, pp);
      assert.deepEqual(pp.value, { on: n });
      const pk = await v.projectProperties.getProjectPropertyKeys({ projectIdOrKey: is.project });
      valid(`GET /rest/api/${n}/project/{projectIdOrKey}/properties`, 200, pk);
      await v.projectProperties.deleteProjectProperty({ projectIdOrKey: is.project, propertyKey: 'conf' });

      await v.userProperties.setUserProperty({ accountId: A.accountId, propertyKey: 'theme', propertyValue: { dark: true } });
      const up = await v.userProperties.getUserProperty({ accountId: A.accountId, propertyKey: 'theme' });
      valid(`GET /rest/api/${n}/user/properties/{propertyKey}`, 200, up);
      const uk = await v.userProperties.getUserPropertyKeys({ accountId: A.accountId });
      valid(`GET /rest/api/${n}/user/properties`, 200, uk);
      assert.ok(uk.keys[0].self.includes(`accountId=${A.accountId}`));
      await v.userProperties.deleteUserProperty({ accountId: A.accountId, propertyKey: 'theme' });

      await v.issueCommentProperties.setCommentProperty({ commentId: cm.id, propertyKey: 'c', property: { n } }); // jira.js calls it `property` here
      const cp = await v.issueCommentProperties.getCommentProperty({ commentId: cm.id, propertyKey: 'c' });
      valid(`GET /rest/api/${n}/comment/{commentId}/properties/{propertyKey}`, 200, cp);
      const ck = await v.issueCommentProperties.getCommentPropertyKeys({ commentId: cm.id });
      valid(`GET /rest/api/${n}/comment/{commentId}/properties`, 200, ck);
      assert.deepEqual(ck.keys.map((x) => x.key), ['c']);
      await v.issueCommentProperties.deleteCommentProperty({ commentId: cm.id, propertyKey: 'c' });

      // jira.js 5's setWorklogProperty sends no body at all: kiln refuses an empty value as Jira does
      const empty = await rejects(v.issueWorklogProperties.setWorklogProperty({ issueIdOrKey: is.key, worklogId: wl.id, propertyKey: 'w', propertyValue: { n } }), 'bodiless PUT');
      assert.equal(empty.status, 400);
      expectStatus(await raw(A, A.token, n, `/issue/${is.key}/worklog/${wl.id}/properties/w`, { method: 'PUT', body: { n } }), 201);
      const wp = await v.issueWorklogProperties.getWorklogProperty({ issueIdOrKey: is.key, worklogId: wl.id, propertyKey: 'w' });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/worklog/{worklogId}/properties/{propertyKey}`, 200, wp);
      assert.deepEqual(wp.value, { n });
      const wk = await v.issueWorklogProperties.getWorklogPropertyKeys({ issueIdOrKey: is.key, worklogId: wl.id });
      valid(`GET /rest/api/${n}/issue/{issueIdOrKey}/worklog/{worklogId}/properties`, 200, wk);
      await v.issueWorklogProperties.deleteWorklogProperty({ issueIdOrKey: is.key, worklogId: wl.id, propertyKey: 'w' });
    }
    // a comment's properties go with it
    await c.v3.issueCommentProperties.setCommentProperty({ commentId: cm.id, propertyKey: 'gone', property: { gone: 1 } });
    await c.v3.issueComments.deleteComment({ issueIdOrKey: is.key, id: cm.id });
    expectJiraError(await raw(A, A.token, 3, `/comment/${cm.id}/properties/gone`), 404);
  });

  it('created 201, updated 200; Jira\'s limits on keys and values; who may write', async () => {
    const web1 = `${PROJ.WEB.key}-1`;
    const put = (key, body, who = A) => raw(who, who.token, 3, `/issue/${web1}/properties/${encodeURIComponent(key)}`, { method: 'PUT', body });
    expectStatus(await put('k', { a: 1 }), 201);
    expectStatus(await put('k', { a: 2 }), 200);
    expectStatus(await put('s', '"a string"'), 201);
    assert.equal((await raw(A, A.token, 3, `/issue/${web1}/properties/s`)).json.value, 'a string');
    expectStatus(await put('x'.repeat(255), { ok: 1 }), 201);
    expectJiraError(await put('x'.repeat(256), { ok: 1 }), 400);
    expectJiraError(await put('v', 'not json'), 400);
    expectJiraError(await put('v', ''), 400);
    const big = JSON.stringify({ s: 'x'.repeat(32768) });
    expectJiraError(await put('v', big), 400);
    expectStatus(await put('v', JSON.stringify({ s: 'x'.repeat(32760) })), 201);
    expectJiraError(await put('deep', '['.repeat(100) + ']'.repeat(100)), 400);
    expectJiraError(await raw(A, A.token, 3, `/issue/${web1}/properties/never`, { method: 'DELETE' }), 404);
    // Lena sees the help desk, may not edit its issues
    const help1 = `${PROJ.HELP.key}-1`;
    expectStatus(await raw(A, A.token, 3, `/issue/${help1}/properties/h`, { method: 'PUT', body: { h: 1 } }), 201);
    expectStatus(await raw(lena, lena.token, 3, `/issue/${help1}/properties/h`), 200);
    expectJiraError(await raw(lena, lena.token, 3, `/issue/${help1}/properties/h`, { method: 'PUT', body: { h: 2 } }), 403);
    expectJiraError(await raw(lena, lena.token, 3, `/project/${PROJ.HELP.key}/properties/h`, { method: 'PUT', body: { h: 2 } }), 403);
    // a user reaches its own properties, not another's
    expectStatus(await raw(lena, lena.token, 3, `/user/properties/me?accountId=${LENA}`, { method: 'PUT', body: { me: 1 } }), 201);
    expectJiraError(await raw(lena, lena.token, 3, `/user/properties/me?accountId=${RAVI}`, { method: 'PUT', body: { me: 1 } }), 403);
    expectJiraError(await raw(lena, lena.token, 3, `/user/properties?accountId=${RAVI}`), 403);
    expectJiraError(await raw(lena, lena.token, 3, '/user/properties'), 400);
    expectJiraError(await raw(A, A.token, 3, `/user/properties?accountId=${B.accountId}`), 404);
  });

  it('Forge app properties: the calling app\'s own, never another app\'s, never a user\'s', async () => {
    const one = await appSystemToken(k, A, ['read:jira-work']);
    const two = await appSystemToken(k, A, ['read:jira-work', 'read:app-data:jira']);
    try {
      const a1 = c.asApp(one.token).v3, a2 = c.asApp(two.token).v3;
      const k1 = `/ex/jira/${A.cloudId}/rest/forge/1/app/properties`;
      const put = (tok, key, body) => k.api(`${k1}/${key}`, { method: 'PUT', token: tok, body });
      const p1 = await put(one.token, 'cfg', { from: 'one' });
      expectStatus(p1, 201);
      assert.deepEqual(p1.json, { message: 'Property created.', statusCode: 201 });
      const p1b = await put(one.token, 'cfg', { from: 'one', v: 2 });
      expectStatus(p1b, 200);
      assert.equal(p1b.json.message, 'Property updated.');
      expectStatus(await put(two.token, 'cfg', { from: 'two' }), 201, 'the same key is the other app\'s own');
      // the read needs read:app-data:jira (the description's only set for it)
      expectStatus(await k.api(`${k1}/cfg`, { token: one.token }), 401);
      assert.equal((await rejects(a1.appProperties.getForgeAppPropertyKeys(), 'keys without read:app-data:jira')).status, 401);
      const g2 = await a2.appProperties.getForgeAppProperty({ propertyKey: 'cfg' });
      assert.deepEqual(g2, { key: 'cfg', value: { from: 'two' } });
      const keys2 = await a2.appProperties.getForgeAppPropertyKeys();
      assert.deepEqual(keys2.keys.map((x) => x.key), ['cfg']);
      await a2.appProperties.deleteAppProperty({ propertyKey: 'cfg' });
      const gone = await rejects(a2.appProperties.getForgeAppProperty({ propertyKey: 'cfg' }), 'deleted');
      assert.deepEqual([gone.status, gone.body], [404, { message: 'Property with key not found.', statusCode: 404 }]);
      // app one's value is untouched by app two's delete
      expectStatus(await put(one.token, 'cfg', { from: 'one', v: 3 }), 200);
      const tooLong = await put(one.token, 'k'.repeat(128), { x: 1 });
      assert.deepEqual([tooLong.status, tooLong.json.statusCode], [400, 400]);
      // a user is not an app
      const user = await k.api(`${k1}/cfg`, { method: 'PUT', token: A.token, body: { from: 'user' } });
      expectJiraError(user, 403);
      expectJiraError(await k.api(k1, { token: A.token }), 403);
      // and another site's host refuses the app's token
      expectStatus(await k.api(`/ex/jira/${B.cloudId}/rest/forge/1/app/properties/cfg`, { method: 'PUT', token: one.token, body: { x: 1 } }), 401);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

describe('who may see what', () => {
  it('a user without BROWSE_PROJECTS gets the 404 of a missing issue everywhere; the list operations leave its ids out', async () => {
    const web1 = `${PROJ.WEB.key}-1`;
    const cm = (await raw(A, A.token, 3, `/issue/${web1}/comment`, { method: 'POST', body: { body: adfDoc('secret') } })).json;
    const wl = (await raw(A, A.token, 3, `/issue/${web1}/worklog`, { method: 'POST', body: { timeSpent: '2h' } })).json;
    assert.ok([200, 201].includes((await raw(A, A.token, 3, `/issue/${web1}/properties/secret`, { method: "PUT", body: { s: 1 } })).status));
    const missing = `${PROJ.WEB.key}-999999`;
    const paths = (issue) => [
      ['GET', `/issue/${issue}/comment`], ['POST', `/issue/${issue}/comment`, { body: adfDoc('x') }],
      ['GET', `/issue/${issue}/comment/${cm.id}`], ['PUT', `/issue/${issue}/comment/${cm.id}`, { body: adfDoc('x') }],
      ['DELETE', `/issue/${issue}/comment/${cm.id}`],
      ['GET', `/issue/${issue}/worklog`], ['POST', `/issue/${issue}/worklog`, { timeSpent: '1h' }],
      ['GET', `/issue/${issue}/worklog/${wl.id}`], ['PUT', `/issue/${issue}/worklog/${wl.id}`, { timeSpent: '1h' }],
      ['DELETE', `/issue/${issue}/worklog/${wl.id}`],
      ['GET', `/issue/${issue}/transitions`], ['POST', `/issue/${issue}/transitions`, { transition: { id: '11' } }],
      ['GET', `/issue/${issue}/properties`], ['GET', `/issue/${issue}/properties/secret`],
      ['PUT', `/issue/${issue}/properties/secret`, { s: 2 }], ['DELETE', `/issue/${issue}/properties/secret`],
      ['GET', `/issue/${issue}/worklog/${wl.id}/properties`],
    ];
    for (const [method, p, body] of paths(web1)) {
      for (const n of VERSIONS) {
        const hidden = await raw(lena, lena.token, n, p, { method, body });
        const gone = await raw(lena, lena.token, n, p.replace(web1, missing), { method, body });
        expectJiraError(hidden, 404, `lena ${method} ${p}`);
        assert.equal(hidden.text, gone.text, `${method} ${p}: the same answer as a missing issue`);
      }
    }
    for (const [method, p] of [['GET', `/comment/${cm.id}/properties`], ['GET', `/comment/${cm.id}/properties/x`], ['PUT', `/comment/${cm.id}/properties/x`]]) {
      const hidden = await raw(lena, lena.token, 3, p, { method, body: method === 'PUT' ? { x: 1 } : undefined });
      const gone = await raw(lena, lena.token, 3, p.replace(cm.id, '99999999'), { method, body: method === 'PUT' ? { x: 1 } : undefined });
      expectJiraError(hidden, 404);
      assert.equal(hidden.text.replace(cm.id, '#'), gone.text.replace('99999999', '#'));
    }
    expectJiraError(await raw(lena, lena.token, 3, `/project/${PROJ.WEB.key}/properties`), 404);
    const cl = (await raw(lena, lena.token, 3, '/comment/list', { method: 'POST', body: { ids: [Number(cm.id)] } })).json;
    assert.deepEqual([cl.values, cl.total], [[], 0]);
    const wll = await raw(lena, lena.token, 3, '/worklog/list', { method: 'POST', body: { ids: [Number(wl.id)] } });
    assert.deepEqual(wll.json, []);
    const upd = (await raw(lena, lena.token, 3, '/worklog/updated?since=0')).json;
    assert.ok(!upd.values.some((v) => String(v.worklogId) === wl.id), 'worklog/updated leaves it out');
    // and the admin sees all of it
    assert.equal((await raw(A, A.token, 3, '/worklog/list', { method: 'POST', body: { ids: [Number(wl.id)] } })).json.length, 1);
  });

  it('another site\'s ids are never found, through its own host', async () => {
    const web1 = `${PROJ.WEB.key}-1`;
    const cm = (await raw(A, A.token, 3, `/issue/${web1}/comment`, { method: 'POST', body: { body: adfDoc('site A only') } })).json;
    const wl = (await raw(A, A.token, 3, `/issue/${web1}/worklog`, { method: 'POST', body: { timeSpent: '1h' } })).json;
    const issueA = (await raw(A, A.token, 3, `/issue/${web1}`)).json;
    // B's admin, on B's host, asks for A's issue by id, A's comment and worklog by id
    expectJiraError(await raw(B, B.token, 3, `/issue/${issueA.id}/comment`), 404);
    expectJiraError(await raw(B, B.token, 3, `/comment/${cm.id}/properties`), 404);
    const bweb1 = `${BPROJ.key}-1`;
    expectJiraError(await raw(B, B.token, 3, `/issue/${bweb1}/comment/${cm.id}`), 404);
    expectJiraError(await raw(B, B.token, 3, `/issue/${bweb1}/worklog/${wl.id}`), 404);
    const cl = (await raw(B, B.token, 3, '/comment/list', { method: 'POST', body: { ids: [Number(cm.id)] } })).json;
    assert.deepEqual(cl.values, []);
    assert.deepEqual((await raw(B, B.token, 3, '/worklog/list', { method: 'POST', body: { ids: [Number(wl.id)] } })).json, []);
    const upd = (await raw(B, B.token, 3, '/worklog/updated?since=0')).json;
    assert.ok(!upd.values.some((v) => String(v.worklogId) === wl.id));
    // B's token on A's host is the gateway's 401
    expectStatus(await raw(A, B.token, 3, `/issue/${web1}/comment`), 401);
    // jira.js with B's credentials
    const e = await rejects(cB.v3.issueComments.getComments({ issueIdOrKey: issueA.id }), 'B reads A\'s comments');
    assert.equal(e.status, 404);
  });

  it('two sites without demo data number their comments, worklogs and issues alike: each id names its own site\'s', async () => {
    const tag = randomKey('', 5).toLowerCase();
    const [X, Y] = [await k.siteWithToken(`work-x-${tag}`), await k.siteWithToken(`work-y-${tag}`)];
    const made = [];
    for (const s of [X, Y]) {
      const key = randomKey('S', 5);
      expectStatus(await raw(s, s.token, 3, '/project', { method: 'POST', body: { key, name: 'same ids', projectTypeKey: 'software', leadAccountId: s.accountId } }), 201);
      const is = (await raw(s, s.token, 3, '/issue', { method: 'POST', body: { fields: { project: { key }, summary: `on ${s.name}`, issuetype: { name: 'Task' } } } })).json;
      const cm = (await raw(s, s.token, 2, `/issue/${is.id}/comment`, { method: 'POST', body: { body: `secret of ${s.name}` } })).json;
      const wl = (await raw(s, s.token, 3, `/issue/${is.id}/worklog`, { method: 'POST', body: { timeSpent: '1h' } })).json;
      expectStatus(await raw(s, s.token, 3, `/comment/${cm.id}/properties/owner`, { method: 'PUT', body: { site: s.name } }), 201);
      made.push({ is, cm, wl });
    }
    assert.deepEqual([made[0].is.id, made[0].cm.id, made[0].wl.id], [made[1].is.id, made[1].cm.id, made[1].wl.id], 'the same ids on both sites');
    for (const [s, mine] of [[X, made[0]], [Y, made[1]]]) {
      const cl = (await raw(s, s.token, 2, '/comment/list', { method: 'POST', body: { ids: [Number(mine.cm.id)] } })).json;
      assert.deepEqual(cl.values.map((x) => x.body), [`secret of ${s.name}`]);
      assert.deepEqual((await raw(s, s.token, 3, `/comment/${mine.cm.id}/properties/owner`)).json.value, { site: s.name });
      const wls = (await raw(s, s.token, 3, '/worklog/list', { method: 'POST', body: { ids: [Number(mine.wl.id)] } })).json;
      assert.deepEqual(wls.map((w) => w.author.accountId), [s.accountId]);
      const listed = (await raw(s, s.token, 2, `/issue/${mine.is.id}/comment`)).json.comments.map((x) => x.body);
      assert.deepEqual(listed, [`secret of ${s.name}`]);
    }
  });
});

/** Rows of a query on kiln's store (k.sqlRows). */
const sql = (q) => k.sqlRows(q);

describe('limits', () => {
  it('at most 5000 comments and 5000 worklogs an issue, 10000 properties an entity (Jira Cloud\'s limits)', async () => {
    const is = await freshIssue();
    const [{ id: siteId }] = sql(`SELECT id FROM sites WHERE name = '${A.name}'`);
    // fill up to the limits behind kiln's back (5000 requests would be slow), with ids far from the site's own
    const fill = (n, row) => `WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ${n}) ${row}`;
    k.sql(fill(4999, `INSERT INTO comments (site_id, id, issue_id, author_account_id, update_author_account_id, body_json, created_ms, updated_ms) SELECT ${siteId}, 900000000 + x, ${is.id}, '${A.accountId}', '${A.accountId}', '{"type":"doc","version":1,"content":[]}', x, x FROM s`));
    k.sql(fill(4999, `INSERT INTO worklogs (site_id, id, issue_id, author_account_id, update_author_account_id, started_ms, time_spent_s, created_ms, updated_ms) SELECT ${siteId}, 900000000 + x, ${is.id}, '${A.accountId}', '${A.accountId}', x, 60, x, x FROM s`));
    k.sql(fill(9999, `INSERT INTO entity_properties (site_id, entity, entity_id, key, value_json, created_ms, updated_ms) SELECT ${siteId}, 'issue', '${is.id}', 'k' || x, '1', x, x FROM s`));
    expectStatus(await raw(A, A.token, 3, `/issue/${is.key}/comment`, { method: 'POST', body: { body: adfDoc('5000th') } }), 201);
    const full = expectJiraError(await raw(A, A.token, 3, `/issue/${is.key}/comment`, { method: 'POST', body: { body: adfDoc('5001st') } }), 400);
    assert.match(full.errorMessages[0], /5000/);
    expectJiraError(await raw(A, A.token, 3, `/issue/${is.key}/transitions`, { method: 'POST', body: { transition: { id: '11' }, update: { comment: [{ add: { body: adfDoc('x') } }] } } }), 400);
    assert.equal((await raw(A, A.token, 3, `/issue/${is.key}?fields=status`)).json.fields.status.name, 'To Do', 'the refused comment took the move with it');
    assert.equal((await raw(A, A.token, 3, `/issue/${is.key}/comment?maxResults=1`)).json.total, 5000);
    // 5000 comments do not fit one answer: a page holds what fits and says so in maxResults,
    // and paging by startAt + maxResults reaches every one
    const seen = new Set();
    for (let startAt = 0, pages = 0; startAt < 5000; pages++) {
      assert.ok(pages < 10);
      const pg = await raw(A, A.token, 3, `/issue/${is.key}/comment?startAt=${startAt}`);
      expectStatus(pg, 200);
      valid('GET /rest/api/3/issue/{issueIdOrKey}/comment', 200, pg.json);
      assert.equal(pg.json.comments.length, Math.min(pg.json.maxResults, 5000 - startAt));
      if (startAt === 0) assert.ok(pg.json.maxResults < 5000, `one page of ${pg.json.maxResults}`);
      pg.json.comments.forEach((x) => seen.add(x.id));
      startAt += pg.json.maxResults;
    }
    assert.equal(seen.size, 5000);
    const whole = await raw(A, A.token, 3, `/issue/${is.key}?fields=comment`);
    expectStatus(whole, 200, 'GET issue answers though its comments would not fit');
    assert.equal(whole.json.fields.comment.total, 5000);
    assert.ok(whole.json.fields.comment.comments.length < 5000);
    expectStatus(await raw(A, A.token, 3, `/issue/${is.key}/worklog`, { method: 'POST', body: { timeSpent: '1m' } }), 201);
    expectJiraError(await raw(A, A.token, 3, `/issue/${is.key}/worklog`, { method: 'POST', body: { timeSpent: '1m' } }), 400);
    expectStatus(await raw(A, A.token, 3, `/issue/${is.key}/properties/last`, { method: 'PUT', body: { n: 1 } }), 201);
    expectJiraError(await raw(A, A.token, 3, `/issue/${is.key}/properties/one-more`, { method: 'PUT', body: { n: 1 } }), 400);
    expectStatus(await raw(A, A.token, 3, `/issue/${is.key}/properties/last`, { method: 'PUT', body: { n: 2 } }), 200, 'an existing key may change');
    assert.equal((await raw(A, A.token, 3, `/issue/${is.key}/properties`)).json.keys.length, 10000, 'every key is listed');
  });
});

describe('change events and changelogs', () => {
  it('every write records its event in order, with Jira\'s changelog items for time tracking and transitions', async () => {
    const is = await freshIssue('software');
    const [{ id: siteId }] = sql(`SELECT id FROM sites WHERE name = '${A.name}'`);
    const [{ m: before }] = sql(`SELECT coalesce(max(seq), 0) AS m FROM product_events WHERE site_id = ${siteId}`);
    const cm = (await raw(A, A.token, 3, `/issue/${is.key}/comment`, { method: 'POST', body: { body: adfDoc('e') } })).json;
    expectStatus(await raw(A, A.token, 3, `/issue/${is.key}/comment/${cm.id}`, { method: 'PUT', body: { body: adfDoc('f') } }), 200);
    expectStatus(await raw(A, A.token, 3, `/issue/${is.key}/comment/${cm.id}`, { method: 'DELETE' }), 204);
    const wl = (await raw(A, A.token, 3, `/issue/${is.key}/worklog`, { method: 'POST', body: { timeSpent: '2h' } })).json;
    expectStatus(await raw(A, A.token, 3, `/issue/${is.key}/worklog/${wl.id}`, { method: 'DELETE' }), 204);
    expectStatus(await raw(A, A.token, 3, `/issue/${is.key}/transitions`, { method: 'POST', body: { transition: { id: '11' } } }), 204);
    // refused writes record nothing
    expectStatus(await raw(A, A.token, 3, `/issue/${is.key}/transitions`, { method: 'POST', body: { transition: { id: '51' } } }), 400);
    expectStatus(await raw(A, A.token, 3, `/issue/${is.key}/worklog`, { method: 'POST', body: { timeSpent: 'soon' } }), 400);
    const ev = sql(`SELECT seq, kind, entity_id, actor_account_id, payload_json FROM product_events WHERE site_id = ${siteId} AND seq > ${before} ORDER BY seq`);
    assert.deepEqual(ev.map((e) => e.kind), ['avi:jira:commented:issue', 'avi:jira:commented:issue', 'avi:jira:deleted:comment',
      'avi:jira:created:worklog', 'avi:jira:deleted:worklog', 'avi:jira:updated:issue']);
    assert.deepEqual(ev.map((e) => e.seq), ev.map((_, i) => before + 1 + i), 'numbered without gaps');
    for (const e of ev) assert.equal(e.actor_account_id, A.accountId);
    const p = ev.map((e) => JSON.parse(e.payload_json));
    // the issue as Forge's events carry it (its fields of the moment) and the comment
    assert.deepEqual([p[0].issue.id, p[0].issue.key, p[0].issue.fields.summary], [is.id, is.key, 'work software']);
    assert.deepEqual({ ...p[0].comment, created: undefined, updated: undefined },
      { id: cm.id, author: { accountId: A.accountId }, updateAuthor: { accountId: A.accountId }, body: 'e', jsdPublic: true, created: undefined, updated: undefined });
    assert.equal(p[1].comment.body, 'f', 'the edit carries the new body (a string, as Forge\'s comment events)');
    assert.equal(ev[3].entity_id, wl.id);
    assert.deepEqual(p[5].changelog.items, [{ field: 'status', fieldtype: 'jira', fieldId: 'status', from: '10000', fromString: 'To Do', to: '10001', toString: 'In Progress' }]);
    const items = sql(`SELECT g.id, i.field, i.from_string, i.to_string FROM changegroups g JOIN changeitems i ON i.site_id = g.site_id AND i.group_id = g.id WHERE g.site_id = ${siteId} AND g.issue_id = ${is.id} ORDER BY g.id, i.seq`);
    assert.deepEqual(items.map((r) => [r.field, r.from_string, r.to_string]), [
      ['timespent', null, '7200'], ['WorklogId', null, wl.id],
      ['timespent', '7200', '0'], ['WorklogId', wl.id, null],
      ['status', 'To Do', 'In Progress'],
    ]);
  });
});

describe('demo data', () => {
  it('a demo site has comments by several people, worklogs and issue properties', async () => {
    let comments = 0, authors = new Set(), worklogs = 0, props = 0, canaried = 0;
    for (let num = 1; num <= 7; num++) {
      for (const p of [PROJ.WEB, PROJ.HELP]) {
        const r = await raw(A, A.token, 3, `/issue/${p.key}-${num}?fields=comment,worklog&properties=*all`);
        if (r.status !== 200) continue;
        comments += r.json.fields.comment.total;
        r.json.fields.comment.comments.forEach((x) => authors.add(x.author?.accountId));
        // demo texts carry the site's canary (product/demo.h), comments included
        const demoTexts = r.json.fields.comment.comments.map((x) => JSON.stringify(x.body)).filter((t) => t.includes('Reference: '));
        for (const t of demoTexts) assert.ok(t.includes(A.canary), t);
        canaried += demoTexts.length;
        worklogs += r.json.fields.worklog.total;
        props += Object.keys(r.json.properties ?? {}).length;
      }
    }
    assert.ok(comments >= 4, `comments: ${comments}`);
    assert.ok(authors.size >= 2, `authors: ${authors.size}`);
    assert.ok(worklogs >= 1, `worklogs: ${worklogs}`);
    assert.ok(props >= 1, `properties: ${props}`);
    assert.ok(canaried >= 4, `comments carrying the canary: ${canaried}`);
  });
});
