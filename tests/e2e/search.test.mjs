// JQL searches through HTTP (docs/jql.md): the enhanced search and its page tokens, the
// approximate count, the legacy search with totals and validateQuery, and jql/parse,
// driven through jira.js's Version3Client and Version2Client (a real client) and raw
// requests for what a client would not send; every 2xx body with a schema in the Jira
// description validates against it. Permissions: a demo user who may browse one project
// sees its issues only, counted nowhere else, and "does not exist" for the others.
// Tenancy: site B's token never reaches site A's issues, whatever the query names; a
// page token of one site or query is refused on another.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus } from './lib/kiln.mjs';
import { jiraClients, rejects, appSystemToken } from './lib/jirajs.mjs';
import { loadSpec, formatErrors } from './lib/schemas.mjs';

let k, S, A, B, c, cB, pA, pB;

function valid(op, status, body) {
  const v = S.forOperation(op, status);
  if (!v(body)) assert.fail(`${op} -> ${status} does not match the Jira schema\n${formatErrors(v, body)}`);
}

/**
 * The projects `site`'s token may see, by their plain demo name (WEB, MKT, HELP): {key,
 * id, n}, n its number of issues as project/search's insight counts them (an oracle
 * apart from the search code); ALL the sum over every project the token sees.
 */
async function projects(site) {
  const r = await k.jira(site.cloudId, '/project/search?expand=insight&maxResults=100', { token: site.token });
  expectStatus(r, 200, 'project/search');
  const by = { ALL: 0 };
  for (const p of r.json.values) {
    p.n = p.insight.totalIssueCount;
    by.ALL += p.n;
  }
  for (const p of r.json.values) {
    if (p.name.startsWith('Website Relaunch')) by.WEB = p;
    if (p.name.startsWith('Marketing Campaigns')) by.MKT = p;
    if (p.name.startsWith('Customer Help Desk')) by.HELP = p;
  }
  return by;
}

/** A token for the demo user whose display name starts with `name`. */
async function userToken(site, name) {
  const users = (await k.jira(site.cloudId, '/users/search', { token: site.token })).json;
  const u = users.find((x) => x.displayName.startsWith(name));
  assert.ok(u, `demo user ${name}`);
  const t = await k.userToken(site.name, u.accountId);
  return { ...site, token: t.token, accountId: u.accountId };
}

const search = (site, jql, extra = '') =>
  k.jira(site.cloudId, `/search/jql?jql=${encodeURIComponent(jql)}${extra}`, { token: site.token });
const legacy = (site, jql, extra = '', v = 3) =>
  k.api(`/ex/jira/${site.cloudId}/rest/api/${v}/search?jql=${encodeURIComponent(jql)}${extra}`, { token: site.token });
const keysOf = (issues) => issues.map((i) => i.key).sort();

before(async () => {
  S = loadSpec();
  k = await startKiln();
  A = await k.siteWithToken('search-a', true);
  B = await k.siteWithToken('search-b', true);
  c = await jiraClients(k, A);
  cB = await jiraClients(k, B);
  pA = await projects(A);
  pB = await projects(B);
});

after(async () => {
  await k?.close();
});

describe('enhanced search (search/jql)', () => {
  it('finds a project\'s issues through jira.js, with fields, v3 and v2', async () => {
    for (const api of [c.v3, c.v2]) {
      const r = await api.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
        jql: `project = ${pA.WEB.key} ORDER BY key`,
        fields: ['summary', 'status'],
      });
      assert.ok(pA.WEB.n > 3, 'the demo site has issues in its website project');
      assert.equal(r.issues.length, Math.min(50, pA.WEB.n));
      const nums = r.issues.map((i) => Number(i.key.slice(pA.WEB.key.length + 1)));
      assert.ok(r.issues.every((i) => i.key.startsWith(`${pA.WEB.key}-`)));
      assert.deepEqual(nums, [...nums].sort((a, b) => a - b), 'ORDER BY key');
      assert.equal(r.isLast, pA.WEB.n <= 50);
      for (const i of r.issues) {
        assert.equal(typeof i.fields.summary, 'string');
        assert.equal(typeof i.fields.status.name, 'string');
        assert.equal(i.fields.assignee, undefined, 'only the fields asked for');
      }
    }
  });

  it('only ids by default; POST takes the same query', async () => {
    const g = await c.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: `project = ${pA.MKT.key}` });
    assert.equal(g.issues.length, Math.min(50, pA.MKT.n));
    for (const i of g.issues) assert.deepEqual(Object.keys(i.fields), []);
    const p = await c.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
      jql: `project = ${pA.MKT.key}`, fields: ['summary'], maxResults: 50,
    });
    assert.deepEqual(keysOf(p.issues), keysOf(g.issues));
    assert.equal(typeof p.issues[0].fields.summary, 'string');
  });

  it('pages with nextPageToken until isLast, each issue once', async () => {
    const jql = `project in (${pA.MKT.key}, ${pA.HELP.key}) ORDER BY created DESC`;
    const want = pA.MKT.n + pA.HELP.n;
    const seen = [];
    let token;
    for (let i = 0; i < want / 7 + 3; i++) {
      const r = await c.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql, maxResults: 7, nextPageToken: token });
      seen.push(...r.issues.map((x) => x.key));
      if (r.isLast) break;
      assert.equal(typeof r.nextPageToken, 'string');
      token = r.nextPageToken;
    }
    assert.equal(seen.length, want);
    assert.equal(new Set(seen).size, want);
  });

  it('a page token is refused when changed, for another query, or on another site', async () => {
    const jql = `project = ${pA.WEB.key} ORDER BY key`;
    const r = await search(A, jql, '&maxResults=1');
    expectStatus(r, 200);
    const tok = r.json.nextPageToken;
    assert.ok(tok);
    const ok = await search(A, jql, `&maxResults=1&nextPageToken=${tok}`);
    expectStatus(ok, 200);
    assert.equal(ok.json.issues[0].key, `${pA.WEB.key}-2`);
    const flipped = tok.slice(0, 3) + (tok[3] === 'A' ? 'B' : 'A') + tok.slice(4);
    for (const [what, res] of [
      ['changed', await search(A, jql, `&maxResults=1&nextPageToken=${flipped}`)],
      ['another query', await search(A, `project = ${pA.MKT.key} ORDER BY key`, `&maxResults=1&nextPageToken=${tok}`)],
      ['another site', await search(B, `project = ${pB.WEB.key} ORDER BY key`, `&maxResults=1&nextPageToken=${tok}`)],
      ['garbage', await search(A, jql, '&nextPageToken=' + 'x'.repeat(300))],
    ]) {
      expectStatus(res, 400, what);
      assert.deepEqual(res.json.errorMessages, ['The provided next page token is invalid or expired.'], what);
    }
  });

  it('Jira\'s 400s: syntax, values that do not exist, unbounded queries', async () => {
    let e = await rejects(c.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'project = ' }), 'syntax');
    assert.equal(e.status, 400);
    assert.match(e.body.errorMessages[0], /^Error in (the )?JQL Query: Expecting either a value, list or function before the end of the query\./);
    e = await rejects(c.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'status = Nope AND priority = Meh' }), 'values');
    assert.equal(e.status, 400);
    assert.deepEqual(e.body.errorMessages, [
      "The value 'Nope' does not exist for the field 'status'.",
      "The value 'Meh' does not exist for the field 'priority'.",
    ]);
    e = await rejects(c.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: 'ORDER BY key' }), 'unbounded');
    assert.equal(e.status, 400);
    assert.match(e.body.errorMessages[0], /^Unbounded JQL queries are not allowed here/);
    const long = await k.jira(A.cloudId, '/search/jql', {
      token: A.token, method: 'POST', body: { jql: `summary ~ "${'a'.repeat(33000)}"` },
    });
    expectStatus(long, 400, 'too long');
    assert.match(long.json.errorMessages[0], /32768/);
    const deep = await search(A, `${'('.repeat(40)}status = Done${')'.repeat(40)}`);
    expectStatus(deep, 400, 'too deep');
    const bad = await k.jira(A.cloudId, '/search/jql', { token: A.token, method: 'POST', body: { jql: 5 } });
    expectStatus(bad, 400, 'jql not a string');
  });

  it('maxResults is capped: 5000 for ids only, 100 with fields', async () => {
    const r = await search(A, `project = ${pA.WEB.key}`, '&maxResults=100000');
    expectStatus(r, 200);
    assert.equal(r.json.issues.length, pA.WEB.n);
    const f = await search(A, `project = ${pA.WEB.key}`, '&maxResults=100000&fields=summary');
    expectStatus(f, 200);
    assert.equal(f.json.issues.length, Math.min(100, pA.WEB.n));
  });
});

describe('approximate-count and the legacy search', () => {
  it('approximate-count counts what the search finds', async () => {
    const r = await c.v3.issueSearch.countIssues({ jql: `project in (${pA.WEB.key}, ${pA.MKT.key})` });
    assert.deepEqual(r, { count: pA.WEB.n + pA.MKT.n });
    const v2 = await c.v2.issueSearch.countIssues({ jql: 'statusCategory = Done' });
    assert.equal(typeof v2.count, 'number');
  });

  it('legacy search: startAt, maxResults, total; schema-valid in v2 and v3', async () => {
    for (const [n, api] of [[3, c.v3], [2, c.v2]]) {
      const r = await api.issueSearch.searchForIssuesUsingJql({ jql: 'ORDER BY key', startAt: 1, maxResults: 2 });
      assert.equal(r.total, pA.ALL, `v${n}`);
      assert.equal(r.startAt, 1);
      assert.equal(r.maxResults, 2);
      assert.equal(r.issues.length, 2);
      valid(`GET /rest/api/${n}/search`, 200, r);
      const p = await api.issueSearch.searchForIssuesUsingJqlPost({ jql: `project = ${pA.HELP.key}`, fields: ['summary'] });
      assert.equal(p.total, pA.HELP.n);
      valid(`POST /rest/api/${n}/search`, 200, p);
    }
    const capped = await legacy(A, 'ORDER BY key', '&maxResults=500');
    expectStatus(capped, 200);
    assert.equal(capped.json.maxResults, 100);
  });

  it('validateQuery: strict refuses, warn answers with warningMessages, none quietly', async () => {
    const jql = `project = ${pA.WEB.key} OR status = Nope`;
    const strict = await legacy(A, jql);
    expectStatus(strict, 400);
    assert.deepEqual(strict.json.errorMessages, ["The value 'Nope' does not exist for the field 'status'."]);
    const warn = await legacy(A, jql, '&validateQuery=warn');
    expectStatus(warn, 200);
    assert.equal(warn.json.total, pA.WEB.n);
    assert.deepEqual(warn.json.warningMessages, ["The value 'Nope' does not exist for the field 'status'."]);
    valid('GET /rest/api/3/search', 200, warn.json);
    const none = await legacy(A, jql, '&validateQuery=none');
    expectStatus(none, 200);
    assert.equal(none.json.total, pA.WEB.n);
    assert.equal(none.json.warningMessages, undefined);
    expectStatus(await legacy(A, jql, '&validateQuery=maybe'), 400);
  });
});

describe('jql/parse', () => {
  it('answers Jira\'s structure, and errors per query', async () => {
    const r = await c.v3.jql.parseJqlQueries({
      queries: [
        'project = WEB AND (status WAS "In Progress" BY currentUser() OR labels in (a, b)) ORDER BY created DESC',
        'assignee = ',
        'status = Nope',
      ],
      validation: 'strict',
    });
    /* not validated against the description: its JqlQueryClause puts additionalProperties
       false beside an anyOf, which no clause that has members satisfies (Jira's own answers
       fail it too); the shapes are checked one by one below */
    assert.equal(r.queries.length, 3);
    const [q0, q1, q2] = r.queries;
    assert.equal(q0.structure.where.operator, 'and');
    assert.deepEqual(q0.structure.where.clauses[0], { field: { name: 'project' }, operator: '=', operand: { value: 'WEB' } });
    const was = q0.structure.where.clauses[1].clauses[0];
    assert.equal(was.operator, 'was');
    assert.deepEqual(was.predicates, [{ operator: 'by', operand: { function: 'currentUser', arguments: [] } }]);
    assert.deepEqual(q0.structure.orderBy, { fields: [{ field: { name: 'created' }, direction: 'desc' }] });
    assert.match(q1.errors[0], /^Error in (the )?JQL Query: Expecting either a value/);
    assert.equal(q1.structure, undefined);
    assert.deepEqual(q2.errors, ["The value 'Nope' does not exist for the field 'status'."]);
    const none = await c.v3.jql.parseJqlQueries({ queries: ['status = Nope'], validation: 'none' });
    assert.equal(none.queries[0].errors, undefined);
    const empty = await k.jira(A.cloudId, '/jql/parse', { token: A.token, method: 'POST', body: { queries: [] } });
    expectStatus(empty, 400);
  });
});

describe('jql/autocompletedata', () => {
  it('lists the fields with their operators, the functions and the reserved words', async () => {
    for (const [n, api] of [[3, c.v3], [2, c.v2]]) {
      const r = await api.jql.getAutoComplete();
      valid(`GET /rest/api/${n}/jql/autocompletedata`, 200, r);
      const status = r.visibleFieldNames.find((f) => f.value === 'status');
      assert.deepEqual(status.operators, ['=', '!=', 'in', 'not in', 'is', 'is not', 'was', 'was not', 'was in', 'was not in', 'changed']);
      assert.equal(r.visibleFieldNames.find((f) => f.value === 'summary').orderable, 'true');
      assert.equal(r.visibleFieldNames.find((f) => f.value === 'labels').orderable, 'false');
      assert.ok(r.visibleFunctionNames.some((f) => f.value === 'currentUser()'));
      assert.ok(r.jqlReservedWords.includes('select'));
    }
    const p = await c.v3.jql.getAutoCompletePost({});
    valid('POST /rest/api/3/jql/autocompletedata', 200, p);
  });
});

describe('permissions and tenancy', () => {
  it('a user who may browse one project finds its issues only, counted nowhere else', async () => {
    const ravi = await userToken(A, 'Ravi'); /* the website project only */
    const his = await projects(ravi); /* what project/search shows him */
    assert.ok(his.WEB && !his.HELP && !his.MKT, 'Ravi browses the website project only');
    const all = await legacy(ravi, 'ORDER BY key', '&maxResults=100');
    expectStatus(all, 200);
    assert.equal(all.json.total, his.ALL);
    assert.equal(all.json.total, pA.WEB.n);
    assert.ok(all.json.issues.every((i) => i.key.startsWith(`${pA.WEB.key}-`)));
    const cnt = await k.jira(A.cloudId, '/search/approximate-count', {
      token: ravi.token, method: 'POST', body: { jql: 'statusCategory != Done OR statusCategory = Done' },
    });
    expectStatus(cnt, 200);
    assert.equal(cnt.json.count, pA.WEB.n);
    for (const jql of [`project = ${pA.HELP.key}`, `project = ${pA.HELP.id}`, `key = ${pA.HELP.key}-1`]) {
      const r = await search(ravi, jql);
      expectStatus(r, 400, jql);
      assert.match(r.json.errorMessages[0], /does not exist for (the )?field/, jql);
    }
    const mia = await userToken(A, 'Mia'); /* every project */
    expectStatus(await search(mia, `project = ${pA.HELP.key}`), 200);
  });

  it('an app sees every project of its site; currentUser() is its bot user', async () => {
    const app = await appSystemToken(k, A, ['read:jira-work']);
    try {
      const as = c.asApp(app.token);
      const all = await as.v3.issueSearch.searchForIssuesUsingJql({ jql: 'ORDER BY key', maxResults: 50 });
      assert.equal(all.total, pA.ALL);
      const help = await as.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: `project = ${pA.HELP.key}` });
      assert.equal(help.issues.length, Math.min(50, pA.HELP.n));
      const mine = await as.v3.issueSearch.countIssues({ jql: 'assignee = currentUser() OR reporter = currentUser()' });
      assert.equal(mine.count, 0, 'the bot user is assigned nothing');
      /* the app's token is its site's: site B's host refuses it */
      const cross = await k.jira(B.cloudId, `/search/jql?jql=${encodeURIComponent('project is not EMPTY')}`, { token: app.token });
      expectStatus(cross, 401);
    } finally {
      await app.close();
    }
  });

  it('site B never sees site A\'s issues, whatever the query names', async () => {
    const r = await cB.v3.issueSearch.searchForIssuesUsingJql({ jql: 'ORDER BY key', maxResults: 100 });
    assert.equal(r.total, pB.ALL);
    for (const i of r.issues) assert.ok(Object.values(pB).some((p) => i.key.startsWith(`${p.key}-`)), i.key);
    const ids = (await c.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: `project = ${pA.WEB.key}` })).issues.map((i) => i.id);
    const byId = await search(B, `id in (${ids.join(', ')})`);
    expectStatus(byId, 400);
    assert.match(byId.json.errorMessages[0], /^An issue with key '\d+' does not exist for field 'id'\.$/);
    const byKey = await search(B, `key = ${pA.WEB.key}-1`);
    expectStatus(byKey, 400);
    const byProject = await search(B, `project = ${pA.WEB.key}`);
    expectStatus(byProject, 400);
    /* A's host with B's credential: the gateway's 401 */
    const cross = await k.jira(A.cloudId, `/search/jql?jql=${encodeURIComponent(`project = ${pA.WEB.key}`)}`, { token: B.token });
    expectStatus(cross, 401);
  });
});

/* Last: it adds an issue to site A's website project, which the counts above must not see. */
describe('time tracking fields', () => {
  it('workRatio > 100 finds the issue past its estimate, as a Forge app asks; the durations compare', async () => {
    const jql = `project in ("${pA.WEB.key}") AND workRatio > 100 order by created DESC`;
    const countB = async () => (await cB.v3.issueSearch.countIssues({ jql: 'workRatio > 100' })).count;
    const bBefore = await countB();
    const key = (await c.v3.issues.createIssue({
      fields: { project: { key: pA.WEB.key }, summary: 'past its estimate', issuetype: { name: 'Task' }, timetracking: { originalEstimate: '1h' } },
    })).key;
    await c.v3.issueWorklogs.addWorklog({ issueIdOrKey: key, timeSpent: '3h' });
    for (const api of [c.v3, c.v2]) {
      const r = await api.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql, fields: ['timeoriginalestimate', 'timespent'], maxResults: 100 });
      assert.equal(r.issues[0]?.key, key, 'the newest first');
      for (const i of r.issues) {
        const { timeoriginalestimate: est, timespent: spent } = i.fields;
        assert.ok(est > 0 && Math.trunc((spent * 100) / est) > 100, `${i.key}: ${spent}s spent of ${est}s`);
      }
    }
    const raw = await legacy(A, jql, '&fields=timespent');
    expectStatus(raw, 200);
    valid('GET /rest/api/3/search', 200, raw.json);
    assert.equal(raw.json.issues[0].key, key);
    /* every issue of the project is past 100, at most 100, or without an estimate */
    const n = async (q) => (await c.v3.issueSearch.countIssues({ jql: `project = ${pA.WEB.key} AND ${q}` })).count;
    const parts = [await n('workRatio > 100'), await n('workRatio <= 100'), await n('workRatio is EMPTY')];
    assert.ok(parts[0] >= 1 && parts[1] >= 1, `the demo data has both: ${parts}`);
    assert.equal(parts[0] + parts[1] + parts[2], pA.WEB.n + 1);
    /* a bare number is minutes; durations in Jira's units */
    const one = await c.v2.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: `key = ${key} AND originalEstimate = 60 AND timeoriginalestimate = 1h AND timeSpent = "3h" AND timespent > 179 AND remainingEstimate < 1h`,
    });
    assert.equal(one.issues.length, 1);
    assert.equal(await countB(), bBefore, 'site B\'s count is its own');
    const bad = await search(A, 'timeSpent > lots');
    expectStatus(bad, 400);
    assert.deepEqual(bad.json.errorMessages, ["The value 'lots' is not a valid duration for the field 'timeSpent'."]);
  });
});
