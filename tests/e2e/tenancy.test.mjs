// Tenant isolation: two demo sites A and B, and every way we could think of to reach one
// from the other. docs/api.md "Product API" steps 2 and 3.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID, randomBytes } from 'node:crypto';
import {
  startKiln, expectStatus, expectJiraError, expectFieldError, expectAuthFailure, expectScopeFailure,
  describeRes, collectKey, allProjects, parseHttpResponses,
} from './lib/kiln.mjs';

let k;
let A;
let B;
let dataA;
let dataB;

/** Read everything a token can read on a site. Returns {responses, projects, issues, users}. */
async function crawl(site, token) {
  const responses = [];
  const get = async (p) => {
    const r = await k.jira(site.cloudId, p, { token });
    responses.push(r);
    return r;
  };
  const projects = [];
  for (let startAt = 0; ; startAt += 2) {
    const r = await get(`/project/search?startAt=${startAt}&maxResults=2&expand=description,lead,issueTypes,url,insight`);
    expectStatus(r, 200, 'crawl project/search');
    projects.push(...r.json.values);
    if (r.json.isLast || r.json.values.length === 0) break;
  }
  const issues = [];
  for (const p of projects) {
    expectStatus(await get(`/project/${p.key}`), 200);
    expectStatus(await get(`/project/${p.id}`), 200);
    const n = p.insight?.totalIssueCount ?? 0;
    let misses = 0;
    for (let i = 1; misses < 3 || i <= n; i++) {
      const r = await get(`/issue/${p.key}-${i}`);
      if (r.status === 200) {
        misses = 0;
        issues.push({ id: String(r.json.id), key: r.json.key, project: p.key, summary: r.json.fields?.summary });
        expectStatus(await get(`/issue/${r.json.id}`), 200);
      } else {
        expectStatus(r, 404, 'crawl issue');
        misses++;
      }
      if (i > n + 50) break;
    }
  }
  const us = await get('/users/search?maxResults=1000');
  expectStatus(us, 200);
  const users = us.json.map((u) => u.accountId);
  const people = us.json.map((u) => ({ accountId: u.accountId, emailAddress: u.emailAddress, displayName: u.displayName }));
  for (const id of users) expectStatus(await get(`/user?accountId=${encodeURIComponent(id)}`), 200);
  const me = await get('/myself');
  expectStatus(me, 200);
  expectStatus(await get('/serverInfo'), 200);
  return { responses, projects, issues, users, people, email: me.json.emailAddress };
}

/**
 * What identifies a site's data in an answer: its canary and, JSON-quoted, its project keys,
 * ids and names, its issue keys and ids, its users' account ids, emails and display names.
 * Demo sites share none of these (src/product/demo.h; the setup test checks it), so one of
 * another site's marks in an answer is that site's data, whatever the route and whether or
 * not the route carries descriptions (and so the canary).
 */
function marks(site, d) {
  const q = (v) => JSON.stringify(String(v));
  return [
    site.canary,
    ...d.projects.flatMap((p) => [q(p.key), q(p.id), q(p.name)]),
    ...d.issues.flatMap((i) => [q(i.key), q(i.id)]),
    ...d.people.flatMap((u) => [q(u.accountId), q(u.emailAddress), q(u.displayName)]),
  ];
}

before(async () => {
  k = await startKiln();
  A = await k.siteWithToken('tenant-a', true);
  B = await k.siteWithToken('tenant-b', true);
  dataA = await crawl(A, A.token);
  dataB = await crawl(B, B.token);
});

after(async () => {
  await k?.close();
});

const notContains = (res, needle, what) => {
  assert.ok(!res.text.includes(needle), `${what}: response leaks ${needle}\n${describeRes(res)}`);
};

/** None of the other site's marks in the answer. */
const noneOf = (res, site, d, what) => {
  for (const m of marks(site, d)) notContains(res, m, `${what} (${site.name}'s data)`);
};

/** Every one of `needles` in the answer (the site's own data is there). */
const allOf = (res, needles, what) => {
  for (const n of needles) assert.ok(res.text.includes(n), `${what}: own ${n} missing\n${describeRes(res)}`);
};
const quoted = (xs) => xs.map((x) => JSON.stringify(String(x)));

describe('tenant isolation', () => {
  it('setup: two distinct demo sites with distinct canaries', () => {
    assert.notEqual(A.cloudId, B.cloudId);
    assert.equal(typeof A.canary, 'string');
    assert.equal(typeof B.canary, 'string');
    assert.ok(A.canary.length >= 8 && B.canary.length >= 8, `canaries ${A.canary} ${B.canary}`);
    assert.notEqual(A.canary, B.canary);
    assert.ok(dataA.projects.length >= 3 && dataB.projects.length >= 3);
    assert.ok(dataA.issues.length > 0 && dataB.issues.length > 0, 'demo sites have issues');
    assert.ok(dataA.users.length >= 2 && dataB.users.length >= 2);
  });

  it('setup: the two demo sites share no key, id, name, email or account (so a leak cannot pass for own data)', () => {
    const ma = marks(A, dataA);
    const mb = new Set(marks(B, dataB));
    const shared = ma.filter((m) => mb.has(m));
    assert.deepEqual(shared, [], 'values found on both demo sites');
    // and the ones a leak check would look for are really there, per kind
    for (const [site, d] of [[A, dataA], [B, dataB]]) {
      assert.ok(d.projects.length >= 3 && d.projects.every((p) => /^[A-Z][A-Z0-9]{1,9}$/.test(p.key) && /^\d+$/.test(p.id) && p.name),
        `${site.name} projects ${JSON.stringify(d.projects.map((p) => [p.key, p.id, p.name]))}`);
      assert.ok(d.issues.length >= 3 && d.issues.every((i) => i.key.startsWith(`${i.project}-`)), `${site.name} issues`);
      assert.ok(d.people.length >= 3 && d.people.every((u) => u.accountId && u.emailAddress && u.displayName), `${site.name} users`);
    }
    // no prefix of one is another (WEBAA in WEBAAA): a substring check would then match
    for (const x of dataA.projects) for (const y of dataB.projects) assert.ok(!x.key.startsWith(y.key) && !y.key.startsWith(x.key), `${x.key} / ${y.key}`);
  });

  it('A\'s token on B\'s cloudId: 401 FAILURE_CLIENT_SCOPE_CHECK, exact body, for every route', async () => {
    const reqsFor = (to, d) => {
      const p = d.projects[0];
      const i = d.issues[0];
      return [
        ['GET', '/project/search'], ['GET', '/project/search?expand=description'], ['GET', '/myself'],
        ['GET', '/users/search'], ['GET', `/user?accountId=${encodeURIComponent(to.adminAccountId)}`],
        ['GET', `/project/${p.key}`], ['GET', `/project/${p.id}`],
        ['GET', `/issue/${i.key}`], ['GET', `/issue/${i.id}`], ['GET', '/serverInfo'],
        ['POST', '/project', { key: 'XSITE', name: 'cross-site', projectTypeKey: 'software' }],
        ['POST', '/issue', { fields: { project: { key: p.key }, summary: 'cross-site', issuetype: { name: 'Task' } } }],
        ['GET', '/no/such/route'], ['DELETE', '/project/search'],
      ];
    };
    for (const [from, to, toData] of [[A, B, dataB], [B, A, dataA]]) {
      for (const [method, path, body] of reqsFor(to, toData)) {
        const r = await k.jira(to.cloudId, path, { token: from.token, method, body });
        expectScopeFailure(r, `${from.name} token -> ${to.name} ${method} ${path}`);
        notContains(r, to.canary, `${method} ${path}`);
      }
    }
    const s = await k.jira(B.cloudId, '/project/search?keys=XSITE', { token: B.token });
    assert.deepEqual(s.json.values, [], 'cross-site POST created nothing on B');
  });

  it('a non-admin user\'s token of A on B: same scope failure', async () => {
    const u = dataA.users.find((x) => x !== A.adminAccountId);
    const tok = await k.userToken(A.name, u);
    expectScopeFailure(await k.jira(B.cloudId, '/project/search', { token: tok.token }));
    expectScopeFailure(await k.jira(B.cloudId, '/myself', { token: tok.token }));
  });

  it('B\'s, an unknown and a non-UUID cloudId answer byte-identically', async () => {
    const targets = {
      other: B.cloudId, unknown: randomUUID(), notUuid: 'not-a-uuid', digits: '12345',
      unknownUpper: randomUUID().toUpperCase(),
    };
    for (const p of ['/project/search', '/myself', `/project/${dataB.projects[0].key}`, '/no/such/route']) {
      const seen = {};
      for (const [name, cloudId] of Object.entries(targets)) {
        const r1 = await k.jira(cloudId, p, { token: A.token });
        const r2 = await k.jira(cloudId, p, { token: A.token });
        expectScopeFailure(r1, `${name} cloudId ${cloudId} ${p}`);
        // Headers that are stable between two identical requests must be identical across targets.
        const stable = {};
        for (const [h, v] of Object.entries(r1.headers)) if (r2.headers[h] === v && h !== 'date') stable[h] = v;
        seen[name] = { status: r1.status, headers: stable, body: r1.text };
      }
      const ref = seen.other;
      for (const [name, s] of Object.entries(seen)) {
        assert.deepEqual(s, ref, `${p}: response for ${name} cloudId differs from another site's cloudId`);
      }
    }
  });

  it('credential failures come before the tenant check and look the same everywhere', async () => {
    for (const cloudId of [A.cloudId, B.cloudId, randomUUID(), 'not-a-uuid']) {
      const r = await k.jira(cloudId, '/project/search', {});
      expectAuthFailure(r, `no credential on ${cloudId}`);
    }
  });

  it('missing, garbage, admin, truncated or altered tokens: 401 FAILURE_CLIENT_AUTH', async () => {
    const t = A.token;
    const flip = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const cases = {
      none: {},
      garbage: { headers: { authorization: 'Bearer garbage' } },
      emptyBearer: { headers: { authorization: 'Bearer ' } },
      schemeOnly: { headers: { authorization: 'Bearer' } },
      wellFormedUnknown: { token: `kiln_u_${randomBytes(32).toString('base64url')}` },
      adminToken: { token: k.adminToken },
      truncated: { token: t.slice(0, -1) },
      truncatedHalf: { token: t.slice(0, 20) },
      prefixOnly: { token: 'kiln_u_' },
      extended: { token: `${t}x` },
      lastCharFlipped: { token: flip(t, t.length - 1) },
      middleCharFlipped: { token: flip(t, 20) },
      otherPrefix: { token: t.replace('kiln_u_', 'kiln_a_') },
      doubled: { headers: { authorization: `Bearer ${t} ${t}` } },
      unknownScheme: { headers: { authorization: `Token ${t}` } },
      basicGarbage: { headers: { authorization: 'Basic !!!not-base64!!!' } },
      basicNoColon: { headers: { authorization: `Basic ${Buffer.from(t).toString('base64')}` } },
      basicEmptyEmail: { basic: `:${t}` },
      basicAdminToken: { basic: `${dataA.email}:${k.adminToken}` },
    };
    for (const [name, opts] of Object.entries(cases)) {
      for (const p of ['/project/search', '/myself', `/project/${dataA.projects[0].key}`]) {
        const r = await k.jira(A.cloudId, p, opts);
        expectAuthFailure(r, `${name} ${p}`);
        notContains(r, A.canary, name);
      }
    }
    for (const q of [`?access_token=${t}`, `?token=${t}`, `?jwt=${t}`]) {
      const r = await k.jira(A.cloudId, `/project/search${q}`, {});
      expectAuthFailure(r, `token in the query string ${q.split('=')[0]}`);
    }
    const cookie = await k.jira(A.cloudId, '/myself', { headers: { cookie: `token=${t}; cloud.session.token=${t}` } });
    expectAuthFailure(cookie, 'token in a cookie');
  });

  it('self links come from the public URL, not from Host or X-Forwarded-* headers', async () => {
    const headers = { host: 'evil.example:8443', 'x-forwarded-host': 'evil2.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil3.example' };
    for (const p of ['/myself', '/project/search', `/project/${dataA.projects[0].key}`, `/issue/${dataA.issues[0].key}`, '/serverInfo']) {
      const r = await k.jira(A.cloudId, p, { token: A.token, headers });
      expectStatus(r, 200, p);
      assert.ok(!/evil/.test(r.text), `${p}: request headers leak into the response\n${describeRes(r)}`);
      for (const self of collectKey(r.json, 'self')) assert.ok(self.startsWith(`${A.url}/`), `${p}: self ${self}`);
    }
  });

  it('Basic auth needs the token\'s own email: A\'s token with B\'s admin email is 401 FAILURE_CLIENT_AUTH', async () => {
    assert.equal(typeof dataA.email, 'string', 'myself exposes emailAddress');
    assert.equal(typeof dataB.email, 'string', 'myself exposes emailAddress');
    assert.notEqual(dataA.email, dataB.email);
    const ok = await k.jira(A.cloudId, '/myself', { basic: { email: dataA.email, token: A.token } });
    expectStatus(ok, 200, 'control: own email');
    for (const cloudId of [A.cloudId, B.cloudId]) {
      const r = await k.jira(cloudId, '/myself', { basic: { email: dataB.email, token: A.token } });
      expectAuthFailure(r, `A token + B email on ${cloudId === A.cloudId ? 'A' : 'B'}`);
      notContains(r, B.canary, 'basic');
      notContains(r, A.canary, 'basic');
    }
    const otherA = dataA.users.find((x) => x !== A.adminAccountId);
    const tokOther = await k.userToken(A.name, otherA);
    expectAuthFailure(await k.jira(A.cloudId, '/myself', { basic: { email: dataA.email, token: tokOther.token } }),
      'A admin email with another A user\'s token');
    expectAuthFailure(await k.jira(A.cloudId, '/myself', { basic: { email: 'nobody@example.invalid', token: A.token } }), 'unknown email');
  });

  it('A\'s token never reads B\'s projects by id or key', async () => {
    // no id or key of B exists on A (setup test), so each is a plain 404
    for (const bp of dataB.projects) {
      for (const ref of [bp.id, bp.key]) {
        const r = await k.jira(A.cloudId, `/project/${ref}`, { token: A.token });
        expectJiraError(r, 404, `B project ${ref} on A`);
        noneOf(r, B, dataB, `A reading B project ${ref}`);
      }
    }
    for (const ap of dataA.projects) { // control: the same route answers for A's own
      const r = await k.jira(A.cloudId, `/project/${ap.key}`, { token: A.token });
      expectStatus(r, 200, `A project ${ap.key}`);
      allOf(r, quoted([ap.key, ap.id, ap.name]), `A project ${ap.key}`);
    }
  });

  it('A\'s token never reads B\'s issues by id or key', async () => {
    for (const bi of dataB.issues) {
      for (const ref of [bi.id, bi.key]) {
        const r = await k.jira(A.cloudId, `/issue/${ref}`, { token: A.token });
        expectJiraError(r, 404, `B issue ${ref} on A`);
        noneOf(r, B, dataB, `A reading B issue ${ref}`);
      }
    }
    for (const ai of dataA.issues) {
      const r = await k.jira(A.cloudId, `/issue/${ai.key}`, { token: A.token });
      expectStatus(r, 200, `A issue ${ai.key}`);
      allOf(r, [A.canary, ...quoted([ai.key, ai.id])], `A issue ${ai.key}`);
    }
  });

  it('same project key on both sites: each sees only its own', async () => {
    const make = async (site, name) => {
      const r = await k.jira(site.cloudId, '/project', {
        token: site.token, method: 'POST', body: { key: 'TWIN', name, projectTypeKey: 'software', description: `${name} desc` },
      });
      expectStatus(r, 201, `create TWIN on ${site.name}`);
      return r.json;
    };
    const ta = await make(A, 'Twin of A');
    const tb = await make(B, 'Twin of B');
    const ga = await k.jira(A.cloudId, '/project/TWIN', { token: A.token });
    const gb = await k.jira(B.cloudId, '/project/TWIN', { token: B.token });
    assert.equal(ga.json.name, 'Twin of A');
    assert.equal(gb.json.name, 'Twin of B');
    assert.notEqual(ta.id, tb.id, 'each site numbers its projects in its own range');
    const byBid = await k.jira(A.cloudId, `/project/${tb.id}`, { token: A.token });
    expectJiraError(byBid, 404, 'B\'s TWIN by id on A');
    notContains(byBid, 'Twin of B', 'B\'s TWIN by id on A');
    assert.ok(ta.self.startsWith(A.url) && tb.self.startsWith(B.url));

    const typeB = gb.json.issueTypes[0];
    const secret = `secret of B ${randomUUID()}`;
    const ib = await k.jira(B.cloudId, '/issue', {
      token: B.token, method: 'POST',
      body: { fields: { project: { key: 'TWIN' }, summary: secret, issuetype: { name: typeB.name } } },
    });
    expectStatus(ib, 201);
    // TWIN-1 is on A too (A has no issue there: 404); B's issue id is in B's range only
    for (const ref of [ib.json.key, ib.json.id]) {
      const r = await k.jira(A.cloudId, `/issue/${ref}`, { token: A.token });
      expectJiraError(r, 404, `A reading B's TWIN issue ${ref}`);
      notContains(r, secret, `A reading B's TWIN issue ${ref}`);
    }
    const sa = await k.jira(A.cloudId, '/project/search?keys=TWIN&expand=insight', { token: A.token });
    assert.equal(sa.json.values[0].insight?.totalIssueCount, 0, 'B\'s issue is not counted on A');
  });

  it('users: users/search on A never returns B\'s accounts; user?accountId=<B user> on A is 404', async () => {
    const bUsers = new Set(dataB.users);
    for (const q of ['', '?maxResults=1000', '?startAt=0&maxResults=1', '?startAt=1&maxResults=2']) {
      const r = await k.jira(A.cloudId, `/users/search${q}`, { token: A.token });
      expectStatus(r, 200);
      assert.ok(r.json.length > 0, `users/search${q} lists someone`);
      for (const u of r.json) {
        assert.ok(!bUsers.has(u.accountId), `B account ${u.accountId} listed on A`);
        assert.ok(dataA.people.some((x) => x.accountId === u.accountId && x.emailAddress === u.emailAddress && x.displayName === u.displayName),
          `users/search${q} on A lists ${JSON.stringify(u)}, not one of A's users`);
      }
      noneOf(r, B, dataB, `users/search${q}`);
    }
    const all = await k.jira(A.cloudId, '/users/search?maxResults=1000', { token: A.token });
    assert.deepEqual(all.json.map((u) => u.accountId).sort(), [...dataA.users].sort(), 'A lists exactly its own users');
    allOf(all, quoted(dataA.people.flatMap((u) => [u.accountId, u.emailAddress, u.displayName])), 'users/search on A');
    for (const id of dataB.users) {
      const r = await k.jira(A.cloudId, `/user?accountId=${encodeURIComponent(id)}`, { token: A.token });
      expectJiraError(r, 404, `B user ${id} on A`);
      noneOf(r, B, dataB, `B user ${id} on A`);
    }
  });

  it('A cannot make B\'s users lead, assignee or reporter, nor put issues in B\'s projects', async () => {
    const r = await k.jira(A.cloudId, '/project', {
      token: A.token, method: 'POST', body: { key: 'BLEAD', name: 'B lead', projectTypeKey: 'software', leadAccountId: B.adminAccountId },
    });
    expectJiraError(r, 400, 'leadAccountId of another site');
    const only = await k.jira(B.cloudId, '/project', {
      token: B.token, method: 'POST', body: { key: 'BONLY', name: 'Only on B', projectTypeKey: 'software' },
    });
    expectStatus(only, 201);
    const typeA = dataA.projects[0].issueTypes[0];
    const i1 = await k.jira(A.cloudId, '/issue', {
      token: A.token, method: 'POST',
      body: { fields: { project: { key: 'BONLY' }, summary: 'sneaky', issuetype: { name: typeA.name } } },
    });
    expectFieldError(i1, 400, ['project'], 'issue in B-only project key via A');
    const aIds = new Set(dataA.projects.map((p) => p.id));
    assert.ok(!aIds.has(String(only.json.id)), `B's new project id ${only.json.id} is not one of A's`);
    const i2 = await k.jira(A.cloudId, '/issue', {
      token: A.token, method: 'POST',
      body: { fields: { project: { id: String(only.json.id) }, summary: 'sneaky', issuetype: { name: typeA.name } } },
    });
    expectFieldError(i2, 400, ['project'], 'issue in B-only project id via A');
    for (const bp of dataB.projects) {
      const i4 = await k.jira(A.cloudId, '/issue', {
        token: A.token, method: 'POST',
        body: { fields: { project: { id: bp.id }, summary: 'sneaky', issuetype: { name: typeA.name } } },
      });
      expectFieldError(i4, 400, ['project'], `issue in B's demo project id ${bp.id} via A`);
    }
    for (const field of ['assignee', 'reporter']) {
      const i3 = await k.jira(A.cloudId, '/issue', {
        token: A.token, method: 'POST',
        body: { fields: { project: { key: dataA.projects[0].key }, summary: 'foreign person', issuetype: { name: typeA.name }, [field]: { accountId: B.adminAccountId } } },
      });
      expectFieldError(i3, 400, [field], `${field} from another site`);
      notContains(i3, B.canary, field);
    }
    const sb = await k.jira(B.cloudId, '/project/search?keys=BONLY&expand=insight', { token: B.token });
    assert.equal(sb.json.values[0].insight?.totalIssueCount, 0, 'nothing landed in B\'s project');
  });

  it('injection-shaped parameters never reach another tenant', async () => {
    const inj = ["' OR '1'='1", "' OR 1=1 --", '" OR ""="', "') OR ('1'='1", '%', '_', '*', '\\', "x'; SELECT * FROM projects; --"];
    const probes = [];
    for (const v of inj) {
      const e = encodeURIComponent(v);
      probes.push(`/project/search?query=${e}`, `/project/search?keys=${e}`, `/project/search?typeKey=${e}`,
        `/project/search?orderBy=${e}`, `/project/${e}`, `/issue/${e}`, `/issue/TWIN-1${e}`, `/user?accountId=${e}`,
        `/users/search?startAt=${e}`);
    }
    // Without expand a project/search answer carries no canary: B's keys, ids, names and
    // people are what would show a dropped site filter, and none of them exists on A.
    const aKeys = new Set(dataA.projects.map((x) => x.key));
    for (const p of probes) {
      const r = await k.jira(A.cloudId, p, { token: A.token });
      assert.ok(r.status < 500, `${p}: ${describeRes(r)}`);
      noneOf(r, B, dataB, p);
      if (r.status === 200 && Array.isArray(r.json?.values)) {
        for (const v of r.json.values) assert.ok(aKeys.has(v.key), `${p} listed ${v.key}, not one of A's projects`);
      }
      if (r.status === 200 && Array.isArray(r.json)) {
        for (const u of r.json) assert.ok(dataA.users.includes(u.accountId), `${p} listed ${u.accountId}, not one of A's users`);
      }
    }
    // Searches that match on both sites: each filter path (none, query, keys, typeKey,
    // orderBy, users paging) answers with exactly A's own rows, so a path that dropped the
    // site filter would show B's. "e" is in every demo project's name on both sites.
    const ownProjects = (ps) => ps.flatMap((x) => [x.key, x.id, x.name]);
    const soft = dataA.projects.filter((x) => x.projectTypeKey === 'software');
    assert.ok(soft.length > 0, 'a software project on A');
    const searches = [
      ['/project/search', ownProjects(dataA.projects)],
      ['/project/search?query=e', ownProjects(dataA.projects)],
      ['/project/search?orderBy=-key', ownProjects(dataA.projects)],
      [`/project/search?${dataB.projects.map((x) => `keys=${x.key}`).join('&')}&keys=${dataA.projects[0].key}`, ownProjects([dataA.projects[0]])],
      ['/project/search?typeKey=software', ownProjects(soft)],
      ['/users/search?startAt=0&maxResults=1000', dataA.people.map((u) => u.accountId)],
    ];
    for (const [p, own] of searches) {
      const r = await k.jira(A.cloudId, p, { token: A.token });
      expectStatus(r, 200, p);
      noneOf(r, B, dataB, p);
      allOf(r, quoted(own), p);
    }
  });

  it('one keep-alive connection switching tokens and sites is judged request by request', async () => {
    const req = (cloudId, p, token) => `GET /ex/jira/${cloudId}/rest/api/3${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n`
      + `${token ? `Authorization: Bearer ${token}\r\n` : ''}\r\n`;
    const seq = [
      [A.cloudId, '/myself', A.token, 200, A.accountId],
      [B.cloudId, '/myself', A.token, 401],
      [B.cloudId, '/myself', null, 401],
      [B.cloudId, '/myself', B.token, 200, B.accountId],
      [A.cloudId, '/project/search', null, 401],
      [A.cloudId, '/project/search', B.token, 401],
      [A.cloudId, '/myself', A.token, 200, A.accountId],
      [B.cloudId, `/user?accountId=${A.adminAccountId}`, B.token, 404],
    ];
    const last = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
    // Pipelined: everything in one write.
    const r = await k.raw(seq.map(([c, p, t]) => req(c, p, t)).join('') + last, { timeout: 15000, untilClose: true });
    const responses = parseHttpResponses(Buffer.from(r.raw ?? '', 'latin1'));
    assert.equal(responses.length, seq.length + 1, `one response per pipelined request:\n${(r.raw ?? '').slice(0, 3000)}`);
    seq.forEach(([, p, , status, accountId], i) => {
      const x = responses[i];
      assert.equal(x.status, status, `pipelined #${i} ${p}: ${x.statusLine} ${x.text}`);
      if (accountId) assert.equal(x.json.accountId, accountId, `pipelined #${i} answered for the right user`);
      if (status === 401) assert.ok(['FAILURE_CLIENT_AUTH', 'FAILURE_CLIENT_SCOPE_CHECK'].includes(x.headers['x-failure-category']));
    });
    assert.equal(responses[1].headers['x-failure-category'], 'FAILURE_CLIENT_SCOPE_CHECK');
    assert.equal(responses[2].headers['x-failure-category'], 'FAILURE_CLIENT_AUTH');
  });

  it('100 concurrent interleaved requests of A and B each see only their own site', async () => {
    const jobs = [];
    const data = new Map([[A, dataA], [B, dataB]]);
    for (let i = 0; i < 100; i++) {
      const [me, other] = i % 2 ? [A, B] : [B, A];
      const p = ['/project/search?expand=description', '/myself', '/users/search', '/project/search'][i % 4];
      jobs.push(k.jira(me.cloudId, p, { token: me.token }).then((r) => ({ r, me, other, p })));
    }
    for (const { r, me, other, p } of await Promise.all(jobs)) {
      const mine = data.get(me);
      expectStatus(r, 200, `${me.name} ${p}`);
      noneOf(r, other, data.get(other), `${me.name} ${p}`);
      assert.ok(!r.text.includes(other.cloudId), `${me.name} ${p} mentions ${other.name}'s cloudId`);
      if (p === '/myself') assert.equal(r.json.accountId, me.accountId);
      if (p === '/users/search') allOf(r, quoted(mine.users), `${me.name} ${p}`);
      if (p.startsWith('/project')) allOf(r, quoted(mine.projects.flatMap((x) => [x.key, x.id, x.name])), `${me.name} ${p}`);
      if (p.includes('expand=description')) assert.ok(r.text.includes(me.canary));
    }
  });

  it('a project created on A does not appear on B', async () => {
    const name = `Only on A ${randomUUID()}`;
    const r = await k.jira(A.cloudId, '/project', {
      token: A.token, method: 'POST', body: { key: 'AONLY', name, projectTypeKey: 'business' },
    });
    expectStatus(r, 201);
    const checks = [
      await k.jira(B.cloudId, '/project/search?keys=AONLY', { token: B.token }),
      await k.jira(B.cloudId, `/project/search?query=${encodeURIComponent(name)}`, { token: B.token }),
      await k.jira(B.cloudId, '/project/search?query=AONLY', { token: B.token }),
    ];
    for (const c of checks) {
      expectStatus(c, 200);
      assert.deepEqual(c.json.values, [], describeRes(c));
      assert.equal(c.json.total, 0);
    }
    expectJiraError(await k.jira(B.cloudId, '/project/AONLY', { token: B.token }), 404);
    const all = await allProjects(k, B.cloudId, B.token);
    assert.ok(!all.some((p) => p.name === name || p.key === 'AONLY'), 'AONLY not listed on B');
  });

  it('canaries never cross: a full crawl of each site shows only its own', async () => {
    const a = await crawl(A, A.token);
    const b = await crawl(B, B.token);
    for (const r of b.responses) noneOf(r, A, dataA, `B crawl ${r.req.path}`);
    for (const r of a.responses) noneOf(r, B, dataB, `A crawl ${r.req.path}`);
    assert.ok(a.responses.some((r) => r.text.includes(A.canary)), 'A\'s own canary is visible on A');
    assert.ok(b.responses.some((r) => r.text.includes(B.canary)), 'B\'s own canary is visible on B');
    for (const [site, c] of [[A, a], [B, b]]) {
      for (const r of c.responses) {
        for (const self of collectKey(r.json, 'self')) {
          if (typeof self !== 'string') continue;
          assert.ok(self.startsWith(`${site.url}/`), `${site.name}: self link ${self} is not under ${site.url} (${r.req.path})`);
        }
      }
    }
    const sb = await k.admin(`/sites/${B.name}`);
    notContains(sb, A.canary, 'admin view of B');
    const sa = await k.admin(`/sites/${A.name}`);
    notContains(sa, B.canary, 'admin view of A');
  });

  it('every demo project and issue text carries its site\'s canary', () => {
    for (const [site, d] of [[A, dataA], [B, dataB]]) {
      for (const p of d.projects) assert.ok((p.description ?? '').includes(site.canary), `${site.name} project ${p.key} description`);
    }
    for (const [site, d] of [[A, dataA], [B, dataB]]) {
      const issueRes = d.responses.filter((r) => /\/issue\/[A-Z][A-Z0-9]+-\d+$/.test(r.req.path) && r.status === 200);
      assert.ok(issueRes.length > 0);
      for (const r of issueRes) {
        assert.ok(JSON.stringify([r.json.fields.summary, r.json.fields.description]).includes(site.canary),
          `${site.name} issue ${r.json.key} carries the canary`);
      }
    }
  });
});
