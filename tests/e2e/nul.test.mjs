// A NUL inside a JSON string ("a\u0000b") is refused wherever that string would become a
// C string (docs/security.md "Input limits"): 400 naming the field, in Jira's shape on
// the product API and {"code":400,"message"} on the admin API, and nothing is stored (the
// bug was "a" stored with 201). App storage (kvs.test.mjs) and a function's payload keep
// NUL in values, which stay JSON.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus, expectJiraError, describeRes, randomKey } from './lib/kiln.mjs';

let k;
let A;
let project;

before(async () => {
  k = await startKiln({ threads: 1 });
  A = await k.siteWithToken('nul-a', true);
  const s = await k.jira(A.cloudId, '/project/search', { token: A.token });
  expectStatus(s, 200);
  project = s.json.values[0];
});

after(async () => {
  await k?.close();
});

/** POST a raw JSON text (so that \u0000 escapes reach kiln as written). */
const post = (p, text, opts = {}) => k.api(p, {
  method: 'POST', body: text, headers: { 'content-type': 'application/json' }, ...opts,
});
const jira = (p, text) => post(`/ex/jira/${A.cloudId}/rest/api/3${p}`, text, { token: A.token });
const admin = (p, text, method = 'POST') => k.api(`/admin/v1${p}`, {
  method, body: text, headers: { 'content-type': 'application/json' }, token: k.adminToken,
});

/** 400 in Jira's shape whose `errors` names `field`, and nothing else. */
function expectNulField(res, field, what) {
  const j = expectJiraError(res, 400, what);
  assert.deepEqual(Object.keys(j.errors), [field], `${what}: errors names ${field}\n${describeRes(res)}`);
  assert.match(j.errors[field], /NUL/, describeRes(res));
  assert.deepEqual(j.errorMessages, []);
}

function expectNulMessage(res, field, what) {
  expectStatus(res, 400, what);
  assert.equal(res.json?.code, 400, describeRes(res));
  assert.equal(res.json.message, `The field "${field}" must not contain a NUL character (\\u0000).`, `${what}\n${describeRes(res)}`);
}

const issueBody = (fields) => JSON.stringify({
  fields: { project: { key: project.key }, issuetype: { name: 'Task' }, summary: 'ok', ...fields },
});

describe('product API: issue and project bodies', () => {
  it('issue create: a NUL in the summary is 400 errors.summary, and no issue is created', async () => {
    const before = await k.jira(A.cloudId, `/project/${project.key}?expand=insight`, { token: A.token });
    const text = issueBody({}).replace('"summary":"ok"', '"summary":"a\\u0000b"');
    expectNulField(await jira('/issue', text), 'summary', 'summary a\\0b');
    expectNulField(await jira('/issue', text.replace('a\\u0000b', '\\u0000')), 'summary', 'summary \\0');
    const after2 = await k.jira(A.cloudId, `/project/${project.key}?expand=insight`, { token: A.token });
    assert.equal(after2.json.insight?.totalIssueCount, before.json.insight?.totalIssueCount, 'no issue was created');
    // control: the same body without the NUL is created, and reads back whole
    const ok = await jira('/issue', issueBody({ summary: 'a b' }));
    expectStatus(ok, 201, 'control');
    const got = await k.jira(A.cloudId, `/issue/${ok.json.key}`, { token: A.token });
    assert.equal(got.json.fields.summary, 'a b');
  });

  it('issue create: every string field the handler reads is checked (project, issue type, users, description text)', async () => {
    const cases = [
      ['project', issueBody({ project: { key: `${project.key}\u0000X` } })],
      ['issuetype', issueBody({ issuetype: { name: 'Task\u0000' } })],
      ['assignee', issueBody({ assignee: { accountId: `${A.accountId}\u0000` } })],
      ['reporter', issueBody({ reporter: { accountId: `${A.accountId}\u0000junk` } })],
      ['description', issueBody({ description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'x\u0000' }] }] } })],
    ];
    for (const [field, text] of cases) {
      assert.ok(text.includes('\\u0000'), 'JSON.stringify escapes NUL as \\u0000');
      expectNulField(await jira('/issue', text), field, `issue ${field}`);
    }
  });

  it('project create: name, description, key, lead and url with a NUL are 400 naming the field; nothing is created', async () => {
    const base = { key: randomKey('NUL'), name: 'Nul test', projectTypeKey: 'software', leadAccountId: A.accountId };
    const cases = [
      ['name', { name: 'Nul\u0000 test' }],
      ['description', { description: 'line\u0000more' }],
      ['key', { key: `${base.key}\u0000` }],
      ['leadAccountId', { leadAccountId: `${A.accountId}\u0000` }],
      ['url', { url: 'https://example.com/\u0000' }],
    ];
    for (const [field, over] of cases) {
      expectNulField(await jira('/project', JSON.stringify({ ...base, ...over })), field, `project ${field}`);
    }
    const missing = await k.jira(A.cloudId, `/project/${base.key}`, { token: A.token });
    expectJiraError(missing, 404, 'no project was created');
    expectStatus(await jira('/project', JSON.stringify(base)), 201, 'control: the same body without a NUL');
  });
});

describe('admin API bodies', () => {
  it('site create: a name that would be cut to a valid one is 400, and no site is created', async () => {
    expectNulMessage(await admin('/sites', '{"name":"x\\u0000evil"}'), 'name', 'site name');
    expectStatus(await k.admin('/sites/x'), 404, 'no site "x"');
  });

  it('app register, environments, tokens, installations: 400 naming the field', async () => {
    expectNulMessage(await admin('/apps', '{"name":"app\\u0000"}'), 'name', 'app name');
    const app = await k.admin('/apps', { method: 'POST', body: { name: 'nul app' } });
    expectStatus(app, 201);
    expectNulMessage(await admin(`/apps/${app.json.id}/environments`, '{"key":"qa\\u0000x"}'), 'key', 'env key');
    expectNulMessage(await admin(`/apps/${app.json.id}/environments/development`, '{"isolation":"version\\u0000"}', 'PATCH'),
      'isolation', 'isolation');
    expectNulMessage(await admin(`/sites/${A.name}/tokens`, JSON.stringify({ accountId: `${A.accountId}\u0000junk` })),
      'accountId', 'token accountId');
    expectNulMessage(await admin(`/sites/${A.name}/installations`,
      JSON.stringify({ appId: app.json.id, environment: 'development\u0000x' })), 'environment', 'install env');
    expectNulMessage(await admin(`/apps/${app.json.id}/environments/development/variables/K`, '{"value":"a\\u0000b"}', 'PUT'),
      'value', 'variable value');
    // the path is named in full for nested members
    expectNulMessage(await admin('/sites', '{"name":"ok","demo":{"x":["\\u0000"]}}'), 'demo.x[0]', 'nested');
  });
});
