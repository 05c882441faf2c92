// Every implemented operation's success response validates against the Jira Cloud OpenAPI
// response schema (tests/e2e/spec/jira-schemas.json). Most Jira schemas have
// additionalProperties: false, so kiln may not invent fields.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus, describeRes, adf, allProjects } from './lib/kiln.mjs';
import { loadSpec, formatErrors } from './lib/schemas.mjs';
import path from 'node:path';
import { ROOT } from './lib/kiln.mjs';
import { readRoutes } from '../../tools/spec-model.mjs';

const OPS = [
  'GET /rest/api/3/project/search',
  'GET /rest/api/3/project/{projectIdOrKey}',
  'POST /rest/api/3/project',
  'GET /rest/api/3/myself',
  'GET /rest/api/3/users/search',
  'GET /rest/api/3/user',
  'POST /rest/api/3/issue',
  'GET /rest/api/3/issue/{issueIdOrKey}',
  'GET /rest/api/3/serverInfo',
];

let k;
let S;
let demo;
let other; // another user of the demo site, with a token
let created = {}; // {project: {id,key}, issues: [{id,key}]}

function check(op, status, res) {
  expectStatus(res, status, op);
  assert.ok(res.json !== undefined, `${op}: body is JSON\n${describeRes(res)}`);
  const v = S.forOperation(op, status);
  if (!v(res.json)) {
    assert.fail(`${op} -> ${status}: response does not match the Jira schema\n${formatErrors(v, res.json)}\n${describeRes(res, 3000)}`);
  }
}

function checkComponent(name, value, where) {
  const v = S.forComponent(name);
  if (!v(value)) {
    assert.fail(`${where} does not match ${name}\n${formatErrors(v, value)}\nvalue: ${JSON.stringify(value).slice(0, 3000)}`);
  }
}

before(async () => {
  S = loadSpec();
  k = await startKiln();
  demo = await k.siteWithToken('schema-demo', true);
  const users = (await k.jira(demo.cloudId, '/users/search', { token: demo.token })).json;
  const u = users.find((x) => x.accountId !== demo.accountId);
  other = await k.userToken(demo.name, u.accountId);
  const p = await k.jira(demo.cloudId, '/project', {
    token: demo.token, method: 'POST',
    body: { key: 'SCH', name: 'Schema checks', projectTypeKey: 'software', description: 'schema project' },
  });
  expectStatus(p, 201, 'setup project');
  created.projectRes = p;
  created.project = p.json;
  const g = await k.jira(demo.cloudId, '/project/SCH', { token: demo.token });
  expectStatus(g, 200);
  const type = g.json.issueTypes[0];
  created.issues = [];
  for (const fields of [
    { project: { key: 'SCH' }, summary: 'Plain', issuetype: { name: type.name } },
    { project: { id: String(p.json.id) }, summary: 'ADF', issuetype: { id: type.id }, description: adf('adf body') },
  ]) {
    const r = await k.jira(demo.cloudId, '/issue', { token: demo.token, method: 'POST', body: { fields } });
    expectStatus(r, 201, 'setup issue');
    created.issues.push(r);
  }
});

after(async () => {
  await k?.close();
});

describe('Jira response schemas', () => {
  it('the spec files cover every route of the product (make scopes)', () => {
    for (const r of readRoutes(path.join(ROOT, 'src', 'product'))) {
      const op = `${r.method} ${r.path}`;
      const files = [S.spec, S.software];
      assert.ok(files.some((f) => f.operations[op] || f.unschemed.includes(op)), `${op} (${r.file}:${r.line}) is in no schema file: run make scopes`);
    }
  });

  it('the spec file covers every implemented operation', () => {
    for (const op of OPS) {
      assert.ok(S.spec.operations[op], `operation ${op} missing from jira-schemas.json`);
    }
    assert.ok(S.spec.operations['POST /rest/api/3/project']['201']);
    assert.ok(S.spec.operations['POST /rest/api/3/issue']['201']);
  });

  it('the validator rejects invented fields (self-test)', () => {
    const v = S.forOperation('GET /rest/api/3/myself', 200);
    assert.equal(v({ accountId: 'x', displayName: 'y', active: true }), true);
    assert.equal(v({ accountId: 'x', kilnInternal: 1 }), false);
  });

  it('GET project/search (plain, paged, expanded, filtered, empty)', async () => {
    for (const q of [
      '', '?maxResults=1', '?startAt=1&maxResults=2', '?expand=description', '?expand=lead',
      '?expand=issueTypes', '?expand=url', '?expand=insight',
      '?expand=description,lead,issueTypes,url,insight', '?orderBy=-name', '?query=zzzz-nothing',
      '?typeKey=business', '?keys=SCH&expand=insight',
    ]) {
      const r = await k.jira(demo.cloudId, `/project/search${q}`, { token: demo.token });
      check('GET /rest/api/3/project/search', 200, r);
    }
  });

  it('GET project/{projectIdOrKey} for every project, by key and id', async () => {
    const values = await allProjects(k, demo.cloudId, demo.token);
    assert.ok(values.length >= 4);
    for (const v of values) {
      check('GET /rest/api/3/project/{projectIdOrKey}', 200, await k.jira(demo.cloudId, `/project/${v.key}`, { token: demo.token }));
      check('GET /rest/api/3/project/{projectIdOrKey}', 200, await k.jira(demo.cloudId, `/project/${v.id}`, { token: demo.token }));
    }
  });

  it('POST project', () => {
    check('POST /rest/api/3/project', 201, created.projectRes);
  });

  it('GET myself (admin and another user)', async () => {
    check('GET /rest/api/3/myself', 200, await k.jira(demo.cloudId, '/myself', { token: demo.token }));
    check('GET /rest/api/3/myself', 200, await k.jira(demo.cloudId, '/myself', { token: other.token }));
  });

  it('GET users/search', async () => {
    check('GET /rest/api/3/users/search', 200, await k.jira(demo.cloudId, '/users/search', { token: demo.token }));
    check('GET /rest/api/3/users/search', 200, await k.jira(demo.cloudId, '/users/search?startAt=1&maxResults=1', { token: demo.token }));
  });

  it('GET user?accountId for every user', async () => {
    const users = (await k.jira(demo.cloudId, '/users/search', { token: demo.token })).json;
    for (const u of users) {
      check('GET /rest/api/3/user', 200, await k.jira(demo.cloudId, `/user?accountId=${encodeURIComponent(u.accountId)}`, { token: demo.token }));
    }
  });

  it('POST issue', () => {
    for (const r of created.issues) check('POST /rest/api/3/issue', 201, r);
  });

  it('GET issue (created ones and demo ones)', async () => {
    for (const c of created.issues) {
      check('GET /rest/api/3/issue/{issueIdOrKey}', 200, await k.jira(demo.cloudId, `/issue/${c.json.key}`, { token: demo.token }));
      check('GET /rest/api/3/issue/{issueIdOrKey}', 200, await k.jira(demo.cloudId, `/issue/${c.json.id}`, { token: demo.token }));
    }
    const values = await allProjects(k, demo.cloudId, demo.token, '&expand=insight');
    let n = 0;
    for (const v of values) {
      const r = await k.jira(demo.cloudId, `/issue/${v.key}-1`, { token: demo.token });
      if (v.insight.totalIssueCount === 0) { // a project without issues has no KEY-1
        expectStatus(r, 404, `${v.key}-1`);
        continue;
      }
      check('GET /rest/api/3/issue/{issueIdOrKey}', 200, r);
      n++;
    }
    assert.ok(n >= 3, `KEY-1 of each of the 3 demo projects (got ${n})`);
  });

  it('IssueBean fields use Jira\'s nested shapes (ProjectDetails, IssueTypeDetails, StatusDetails, UserDetails)', async () => {
    const problems = [];
    const keys = created.issues.map((c) => c.json.key);
    for (const v of await allProjects(k, demo.cloudId, demo.token, '&expand=insight')) if (v.insight.totalIssueCount > 0) keys.push(`${v.key}-1`);
    assert.ok(keys.length > created.issues.length, 'demo issues too');
    for (const key of keys) {
      const r = await k.jira(demo.cloudId, `/issue/${key}`, { token: demo.token });
      expectStatus(r, 200, key);
      const f = r.json.fields;
      const pairs = [['ProjectDetails', 'project'], ['IssueTypeDetails', 'issuetype'], ['StatusDetails', 'status']];
      for (const u of ['reporter', 'creator', 'assignee']) if (f[u] !== null && f[u] !== undefined) pairs.push(['UserDetails', u]);
      for (const [schema, field] of pairs) {
        const v = S.forComponent(schema);
        if (!v(f[field])) problems.push(`${key} fields.${field} vs ${schema}:\n${formatErrors(v, f[field])}`);
      }
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  it('GET serverInfo', async () => {
    check('GET /rest/api/3/serverInfo', 200, await k.jira(demo.cloudId, '/serverInfo', { token: demo.token }));
  });

  it('error bodies validate against ErrorCollection', async () => {
    const cases = [
      await k.jira(demo.cloudId, '/project/NOSUCH', { token: demo.token }),
      await k.jira(demo.cloudId, '/project', { token: demo.token, method: 'POST', body: { key: 'SCH', name: 'dup', projectTypeKey: 'software' } }),
      await k.jira(demo.cloudId, '/project', { token: demo.token, method: 'POST', body: { name: 5 } }),
      await k.jira(demo.cloudId, '/issue', { token: demo.token, method: 'POST', body: { fields: {} } }),
      await k.jira(demo.cloudId, '/user', { token: demo.token }),
      await k.jira(demo.cloudId, '/no/such/route', { token: demo.token }),
    ];
    for (const r of cases) {
      assert.ok(r.status >= 400 && r.status < 500, describeRes(r));
      checkComponent('ErrorCollection', r.json, `${r.req.method} ${r.req.path} -> ${r.status}`);
    }
  });
});
