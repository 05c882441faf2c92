// JQL value suggestions (GET /rest/api/{2,3}/jql/autocompletedata/suggestions, docs/jql.md)
// through jira.js (jql.getFieldAutoCompleteForQueryString, v3 and v2) and raw requests for
// bad input: labels, projects, sprints and the shared statuses, by a case-insensitive
// prefix, at most 15; every 2xx body validates against Jira's schema. Permissions: a demo
// user who browses the website project only never sees another project's labels or
// sprints. Tenancy: a value made on site B never appears on site A and the other way.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus } from './lib/kiln.mjs';
import { jiraClients } from './lib/jirajs.mjs';
import { loadSpec, formatErrors } from './lib/schemas.mjs';

let k, S, A, B, cA, cB, ravi, cRavi, pA, pB;
const OP = 'GET /rest/api/3/jql/autocompletedata/suggestions';
const tag = `s${process.pid.toString(36)}`;

function valid(body) {
  const v = S.forOperation(OP, 200);
  if (!v(body)) assert.fail(`${OP} -> 200 does not match the Jira schema\n${formatErrors(v, body)}`);
}

/** The demo projects of `site` by plain name (WEB, MKT), as its admin sees them. */
async function projects(site) {
  const r = await k.jira(site.cloudId, '/project/search?maxResults=100', { token: site.token });
  expectStatus(r, 200, 'project/search');
  const by = {};
  for (const p of r.json.values) {
    if (p.name.startsWith('Website Relaunch')) by.WEB = p;
    if (p.name.startsWith('Marketing Campaigns')) by.MKT = p;
  }
  return by;
}

async function label(site, issueKey, name) {
  const r = await k.jira(site.cloudId, `/issue/${issueKey}`, {
    token: site.token, method: 'PUT', body: { update: { labels: [{ add: name }] } },
  });
  expectStatus(r, 204, `label ${issueKey}`);
}

/** A sprint named `name` on a new scrum board of project p. */
async function sprint(site, p, name) {
  const b = await k.api(`/ex/jira/${site.cloudId}/rest/agile/1.0/board`, {
    token: site.token, method: 'POST', body: { name: `${name} board`, type: 'scrum', location: { type: 'project', projectKeyOrId: p.key } },
  });
  expectStatus(b, 201, 'board');
  const r = await k.api(`/ex/jira/${site.cloudId}/rest/agile/1.0/sprint`, {
    token: site.token, method: 'POST', body: { name, originBoardId: b.json.id },
  });
  assert.ok(r.status === 201 || r.status === 200, `sprint: ${r.status} ${r.text}`);
  return r.json.id;
}

/** The suggestions through jira.js, v3 and v2 alike (the same answer), validated. */
async function sug(c, fieldName, fieldValue) {
  const r3 = await c.v3.jql.getFieldAutoCompleteForQueryString({ fieldName, fieldValue });
  const r2 = await c.v2.jql.getFieldAutoCompleteForQueryString({ fieldName, fieldValue });
  valid(r3);
  assert.deepEqual(r2, r3, 'v2 answers as v3');
  return r3.results;
}

const values = (rs) => rs.map((r) => r.value);

before(async () => {
  S = loadSpec();
  k = await startKiln();
  A = await k.siteWithToken('sug-a', true);
  B = await k.siteWithToken('sug-b', true);
  cA = await jiraClients(k, A);
  cB = await jiraClients(k, B);
  pA = await projects(A);
  pB = await projects(B);
  const users = (await k.jira(A.cloudId, '/users/search', { token: A.token })).json;
  const u = users.find((x) => x.displayName.startsWith('Ravi')); /* browses the website project only */
  assert.ok(u, 'demo user Ravi');
  ravi = { ...A, token: (await k.userToken(A.name, u.accountId)).token };
  cRavi = await jiraClients(k, ravi);
  await label(A, `${pA.WEB.key}-1`, `${tag}web`);
  await label(A, `${pA.MKT.key}-1`, `${tag}mkt`);
  await label(B, `${pB.WEB.key}-1`, `${tag}other`);
});

after(async () => {
  await k?.close();
});

describe('GET /jql/autocompletedata/suggestions', () => {
  it('labels by prefix, any case, the match in bold', async () => {
    const rs = await sug(cA, 'labels', tag.toUpperCase());
    assert.deepEqual(values(rs).sort(), [`${tag}mkt`, `${tag}web`]);
    const web = rs.find((r) => r.value === `${tag}web`);
    assert.equal(web.displayName, `<b>${tag}</b>web`);
    assert.deepEqual(values(await sug(cA, 'labels', `${tag}w`)), [`${tag}web`]);
    assert.deepEqual(await sug(cA, 'labels', `x${tag}`), [], 'a prefix, not a substring');
  });

  it('a user sees only the labels of projects it may browse', async () => {
    assert.deepEqual(values(await sug(cRavi, 'labels', tag)), [`${tag}web`]);
  });

  it('another site\'s labels never appear, either way', async () => {
    assert.ok(!values(await sug(cA, 'labels', tag)).includes(`${tag}other`));
    assert.deepEqual(values(await sug(cB, 'labels', tag)), [`${tag}other`]);
  });

  it('sprints: id and name, of browsable projects of the site only', async () => {
    const web = await sprint(A, pA.WEB, `${tag} Web sprint`);
    const mkt = await sprint(A, pA.MKT, `${tag} Mkt sprint`);
    const other = await sprint(B, pB.WEB, `${tag} Other sprint`);
    const all = await sug(cA, 'sprint', tag);
    assert.deepEqual(values(all).sort(), [String(web), String(mkt)].sort());
    assert.ok(all.find((r) => r.value === String(web)).displayName.startsWith(`<b>${tag}</b> Web sprint (`));
    assert.deepEqual(values(await sug(cRavi, 'sprint', tag)), [String(web)]);
    assert.deepEqual(values(await sug(cB, 'sprint', tag)), [String(other)]);
  });

  it('projects a user may browse; statuses, priorities, issue types', async () => {
    assert.ok(values(await sug(cA, 'project', '')).includes(pA.MKT.key));
    const rp = values(await sug(cRavi, 'project', ''));
    assert.ok(rp.includes(pA.WEB.key) && !rp.includes(pA.MKT.key), 'Ravi sees the website project only');
    assert.deepEqual(values(await sug(cA, 'project', pA.MKT.key.toLowerCase())), [pA.MKT.key]);
    assert.ok(values(await sug(cA, 'status', 'to')).includes('To Do'));
    assert.ok(values(await sug(cA, 'status', 'to')).every((v) => v.toLowerCase().startsWith('to')));
    assert.ok(values(await sug(cA, 'priority', 'hi')).includes('High'));
    assert.ok(values(await sug(cA, 'issuetype', 'bu')).includes('Bug'));
  });

  it('assignee, reporter and the by predicate: the site\'s users', async () => {
    const ids = async (site) => (await k.jira(site.cloudId, '/users/search?maxResults=1000', { token: site.token })).json
      .map((u) => u.accountId);
    const idsA = await ids(A);
    const idsB = new Set(await ids(B));
    const rs = await sug(cA, 'assignee', 'ra');
    const r = rs.find((x) => x.displayName.startsWith('<b>Ra</b>vi'));
    assert.ok(r, `Ravi by his first name: ${JSON.stringify(rs)}`);
    assert.ok(idsA.includes(r.value), 'the value is an account id of site A');
    assert.ok(rs.every((x) => /ra/i.test(x.displayName)));
    assert.deepEqual(await sug(cA, 'reporter', 'ra'), rs);
    const all = await sug(cA, 'assignee', '');
    assert.ok(all.length > 0 && all.length <= 15);
    assert.ok(all.every((x) => idsA.includes(x.value) && !idsB.has(x.value)), 'site A\'s users only');
    const by = await k.jira(A.cloudId, '/jql/autocompletedata/suggestions?fieldName=status&predicateName=by&predicateValue=ra', { token: A.token });
    expectStatus(by, 200);
    assert.deepEqual(by.json.results, rs);
  });

  it('at most 15; an unknown field answers no results; from and to match predicateValue', async () => {
    for (let i = 0; i < 17; i++) await label(A, `${pA.WEB.key}-2`, `${tag}many${String(i).padStart(2, '0')}`);
    const rs = await sug(cA, 'labels', `${tag}many`);
    assert.equal(rs.length, 15);
    assert.deepEqual(await sug(cA, 'nosuchfield', ''), []);
    const to = await k.jira(A.cloudId, `/jql/autocompletedata/suggestions?fieldName=labels&predicateName=to&predicateValue=${tag}w`, { token: A.token });
    expectStatus(to, 200);
    assert.deepEqual(to.json.results.map((r) => r.value), [`${tag}web`]);
  });

  it('bad input: a clear 400', async () => {
    const q = (s) => k.jira(A.cloudId, `/jql/autocompletedata/suggestions?${s}`, { token: A.token });
    for (const [s, msg] of [
      ['fieldName=labels&predicateName=during', 'predicateName must be one of by, from or to.'],
      [`fieldName=labels&fieldValue=${'a'.repeat(256)}`, 'fieldName, fieldValue and predicateValue are at most 255 characters.'],
      ['fieldName=labels&fieldValue=%zz', 'fieldName, fieldValue, predicateName and predicateValue must be well-formed.'],
    ]) {
      const r = await q(s);
      expectStatus(r, 400, s.slice(0, 40));
      assert.deepEqual(r.json.errorMessages, [msg]);
    }
    const html = await q(`fieldName=labels&fieldValue=${encodeURIComponent('<b>')}`);
    expectStatus(html, 200);
    assert.deepEqual(html.json.results, []);
  });

  it('displayName is HTML-escaped, value as stored', async () => {
    await label(A, `${pA.WEB.key}-3`, `${tag}<i>&"`);
    const rs = await sug(cA, 'labels', `${tag}<`);
    assert.deepEqual(rs, [{ value: `${tag}<i>&"`, displayName: `<b>${tag}&lt;</b>i&gt;&amp;&quot;` }]);
  });
});
