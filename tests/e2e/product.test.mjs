// Product API (docs/api.md "Product API"): every implemented operation, used the way a
// real Jira REST client uses it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startKiln, expectStatus, expectJsonContentType, expectJiraError, expectFieldError,
  describeRes, adf, allProjects, UUID_RE,
} from './lib/kiln.mjs';

const bin = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

let k;
let demo; // demo site {cloudId, name, url, token, accountId, canary}
let plain; // non-demo site
let paging; // non-demo site used only by the paging tests (exact totals)

// Projects of the paging site: key order, name order and type are all different.
const PAGING = [
  { key: 'PGA', name: 'Zephyr Paging', projectTypeKey: 'software' },
  { key: 'PGB', name: 'Yarrow Paging', projectTypeKey: 'business' },
  { key: 'PGC', name: 'Alpha Paging', projectTypeKey: 'service_desk' },
  { key: 'PGD', name: 'Mango Paging', projectTypeKey: 'software' },
  { key: 'PGE', name: 'Kiwi Paging', projectTypeKey: 'business' },
  { key: 'PGF', name: 'Beta Paging', projectTypeKey: 'software' },
  { key: 'PGG', name: 'Quince Paging', projectTypeKey: 'service_desk' },
].map((p) => ({ ...p, description: `Description of ${p.name}` }));

const keysOf = (values) => values.map((v) => v.key);

before(async () => {
  k = await startKiln();
  demo = await k.siteWithToken('prod-demo', true);
  plain = await k.siteWithToken('prod-plain', false);
  paging = await k.siteWithToken('prod-paging', false);
  for (const p of PAGING) {
    const r = await k.jira(paging.cloudId, '/project', { token: paging.token, method: 'POST', body: p });
    expectStatus(r, 201, `setup: create ${p.key}`);
  }
});

after(async () => {
  await k?.close();
});

describe('sites and users', () => {
  it('site objects look like the contract', () => {
    for (const s of [demo, plain]) {
      assert.match(s.cloudId, UUID_RE);
      assert.match(s.url, /^https?:\/\/[^/]+\/ex\/jira\/[0-9a-f-]{36}$/, `site url ${s.url}`);
      assert.ok(s.url.endsWith(`/ex/jira/${s.cloudId}`), `site url ${s.url} ends with its cloudId`);
      assert.equal(typeof s.adminAccountId, 'string');
      assert.equal(s.accountId, s.adminAccountId, 'default token is for the site admin');
      assert.ok(!Number.isNaN(Date.parse(s.createdAt)), `createdAt parses: ${s.createdAt}`);
    }
  });

  it('GET myself returns the caller', async () => {
    const r = await k.jira(demo.cloudId, '/myself', { token: demo.token });
    expectStatus(r, 200);
    expectJsonContentType(r);
    const u = r.json;
    assert.equal(u.accountId, demo.accountId);
    assert.equal(u.accountType, 'atlassian');
    assert.equal(u.active, true);
    assert.equal(typeof u.displayName, 'string');
    assert.ok(u.displayName.length > 0);
    assert.ok(u.self.startsWith(`${demo.url}/rest/api/3/user`), `self link ${u.self} under ${demo.url}`);
    assert.match(u.emailAddress ?? '', /@/, `myself should expose emailAddress: ${describeRes(r)}`);
  });

  it('Basic auth with the user\'s email and token works like Bearer', async () => {
    const me = (await k.jira(demo.cloudId, '/myself', { token: demo.token })).json;
    const r = await k.jira(demo.cloudId, '/myself', { basic: { email: me.emailAddress, token: demo.token } });
    expectStatus(r, 200);
    assert.equal(r.json.accountId, demo.accountId);
    const s = await k.jira(demo.cloudId, '/project/search', { basic: { email: me.emailAddress, token: demo.token } });
    expectStatus(s, 200);
  });

  it('GET users/search lists the site users and pages', async () => {
    const r = await k.jira(demo.cloudId, '/users/search', { token: demo.token });
    expectStatus(r, 200);
    expectJsonContentType(r);
    assert.ok(Array.isArray(r.json), 'array of users');
    const all = r.json;
    assert.ok(all.length >= 2, `demo site has an admin plus more users, got ${all.length}`);
    const ids = all.map((u) => u.accountId);
    assert.equal(new Set(ids).size, ids.length, 'accountIds unique');
    assert.ok(ids.includes(demo.accountId), 'admin is listed');
    for (const u of all) {
      assert.equal(typeof u.accountId, 'string');
      assert.equal(typeof u.displayName, 'string');
      assert.equal(typeof u.active, 'boolean');
    }
    const paged = [];
    for (let i = 0; i < all.length; i++) {
      const p = await k.jira(demo.cloudId, `/users/search?startAt=${i}&maxResults=1`, { token: demo.token });
      expectStatus(p, 200);
      assert.equal(p.json.length, 1, `page startAt=${i} maxResults=1`);
      paged.push(p.json[0].accountId);
    }
    assert.deepEqual(paged, ids, 'paging one at a time gives the same list');
    const two = await k.jira(demo.cloudId, '/users/search?startAt=0&maxResults=2', { token: demo.token });
    assert.deepEqual(two.json.map((u) => u.accountId), ids.slice(0, 2));
    const past = await k.jira(demo.cloudId, `/users/search?startAt=${all.length + 5}`, { token: demo.token });
    expectStatus(past, 200);
    assert.deepEqual(past.json, []);
  });

  it('GET user?accountId returns each user; 400 without accountId; 404 when unknown', async () => {
    const all = (await k.jira(demo.cloudId, '/users/search', { token: demo.token })).json;
    for (const u of all) {
      const r = await k.jira(demo.cloudId, `/user?accountId=${encodeURIComponent(u.accountId)}`, { token: demo.token });
      expectStatus(r, 200);
      assert.equal(r.json.accountId, u.accountId);
      assert.equal(r.json.displayName, u.displayName);
    }
    expectJiraError(await k.jira(demo.cloudId, '/user', { token: demo.token }), 400, 'missing accountId');
    expectJiraError(await k.jira(demo.cloudId, '/user?accountId=5b10ac8d82e05b22cc7d4ef5', { token: demo.token }), 404, 'unknown accountId');
    expectJiraError(await k.jira(demo.cloudId, '/user?accountId=nobody-here', { token: demo.token }), 404, 'unknown accountId');
  });

  it('a token minted for another user acts as that user', async () => {
    const all = (await k.jira(demo.cloudId, '/users/search', { token: demo.token })).json;
    const other = all.find((u) => u.accountId !== demo.accountId);
    assert.ok(other, 'a second user exists');
    const tok = await k.userToken(demo.name, other.accountId);
    assert.equal(tok.accountId, other.accountId);
    const r = await k.jira(demo.cloudId, '/myself', { token: tok.token });
    expectStatus(r, 200);
    assert.equal(r.json.accountId, other.accountId);
  });

  it('GET serverInfo', async () => {
    const r = await k.jira(demo.cloudId, '/serverInfo', { token: demo.token });
    expectStatus(r, 200);
    expectJsonContentType(r);
    const s = r.json;
    assert.equal(typeof s.baseUrl, 'string');
    assert.equal(typeof s.version, 'string');
    assert.ok(Array.isArray(s.versionNumbers) && s.versionNumbers.every(Number.isInteger), `versionNumbers ${JSON.stringify(s.versionNumbers)}`);
    assert.equal(s.deploymentType, 'Cloud');
    assert.ok(Number.isInteger(s.buildNumber), `buildNumber ${s.buildNumber}`);
  });
});

describe('project/search', () => {
  it('demo site has >= 3 projects with distinct keys, names and types', async () => {
    const values = await allProjects(k, demo.cloudId, demo.token);
    assert.ok(values.length >= 3, `got ${values.length} demo projects`);
    const uniqueCount = (f) => new Set(values.map(f)).size;
    assert.equal(uniqueCount((v) => v.key), values.length, 'distinct keys');
    assert.equal(uniqueCount((v) => v.name), values.length, 'distinct names');
    assert.ok(uniqueCount((v) => v.projectTypeKey) >= 3, `distinct projectTypeKeys: ${values.map((v) => v.projectTypeKey)}`);
    for (const v of values) {
      assert.match(v.id, /^\d+$/, 'project id is a numeric string');
      assert.match(v.key, /^[A-Z][A-Z0-9]{1,9}$/);
      assert.ok(['software', 'business', 'service_desk'].includes(v.projectTypeKey));
      assert.ok(v.self.startsWith(`${demo.url}/rest/api/3/project/`), `self ${v.self}`);
    }
  });

  it('defaults: startAt 0, maxResults 50, ordered by key, one page', async () => {
    const r = await k.jira(paging.cloudId, '/project/search', { token: paging.token });
    expectStatus(r, 200);
    expectJsonContentType(r);
    const p = r.json;
    assert.equal(p.startAt, 0);
    assert.equal(p.maxResults, 50);
    assert.equal(p.total, PAGING.length);
    assert.equal(p.isLast, true);
    assert.equal(p.nextPage, undefined, 'no nextPage on the last page');
    assert.deepEqual(keysOf(p.values), PAGING.map((x) => x.key).sort(bin));
    assert.ok(p.self.startsWith(`${paging.url}/rest/api/3/project/search`), `page self ${p.self}`);
    for (const v of p.values) {
      const src = PAGING.find((x) => x.key === v.key);
      assert.equal(v.name, src.name);
      assert.equal(v.projectTypeKey, src.projectTypeKey);
    }
  });

  it('project ids follow Jira: numeric, from 10000, in creation order', async () => {
    const r = await k.jira(paging.cloudId, '/project/search', { token: paging.token });
    const byKey = Object.fromEntries(r.json.values.map((v) => [v.key, Number(v.id)]));
    const ids = PAGING.map((p) => byKey[p.key]);
    assert.equal(ids[0], 10000, `first project of a fresh site has id 10000: ${JSON.stringify(byKey)}`);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], `ids increase in creation order: ${ids}`);
  });

  it('pages with startAt/maxResults and follows nextPage', async () => {
    const expected = PAGING.map((x) => x.key).sort(bin);
    let r = await k.jira(paging.cloudId, '/project/search?startAt=0&maxResults=3', { token: paging.token });
    expectStatus(r, 200);
    const seen = [];
    const pages = [];
    for (let guard = 0; guard < 10; guard++) {
      const p = r.json;
      pages.push({ startAt: p.startAt, n: p.values.length, isLast: p.isLast, nextPage: p.nextPage });
      assert.equal(p.total, expected.length, 'total on every page');
      assert.equal(p.maxResults, 3);
      seen.push(...keysOf(p.values));
      if (p.isLast) {
        assert.equal(p.nextPage, undefined, 'no nextPage on last page');
        break;
      }
      assert.equal(typeof p.nextPage, 'string', `nextPage when isLast=false: ${describeRes(r)}`);
      assert.ok(p.nextPage.startsWith(`${paging.url}/rest/api/3/project/search`), `nextPage ${p.nextPage}`);
      const u = new URL(p.nextPage);
      assert.equal(u.searchParams.get('startAt'), String(p.startAt + 3), `nextPage startAt in ${p.nextPage}`);
      r = await k.api(u.pathname + u.search, { token: paging.token });
      expectStatus(r, 200, `following nextPage ${p.nextPage}`);
    }
    assert.deepEqual(pages.map((p) => [p.startAt, p.n, p.isLast]), [[0, 3, false], [3, 3, false], [6, 1, true]]);
    assert.deepEqual(seen, expected);
  });

  it('startAt in the middle and past the end', async () => {
    const expected = PAGING.map((x) => x.key).sort(bin);
    const r = await k.jira(paging.cloudId, '/project/search?startAt=5&maxResults=3', { token: paging.token });
    expectStatus(r, 200);
    assert.deepEqual(keysOf(r.json.values), expected.slice(5));
    assert.equal(r.json.startAt, 5);
    assert.equal(r.json.isLast, true);
    const past = await k.jira(paging.cloudId, '/project/search?startAt=100', { token: paging.token });
    expectStatus(past, 200);
    assert.deepEqual(past.json.values, []);
    assert.equal(past.json.total, expected.length);
    assert.equal(past.json.isLast, true);
  });

  it('maxResults is capped at 100', async () => {
    const r = await k.jira(paging.cloudId, '/project/search?maxResults=1000', { token: paging.token });
    expectStatus(r, 200);
    assert.equal(r.json.maxResults, 100);
    assert.equal(r.json.values.length, PAGING.length);
  });

  for (const [orderBy, field, dir] of [
    ['key', 'key', 1], ['+key', 'key', 1], ['-key', 'key', -1],
    ['name', 'name', 1], ['+name', 'name', 1], ['-name', 'name', -1],
  ]) {
    it(`orderBy=${orderBy}`, async () => {
      const r = await k.jira(paging.cloudId, `/project/search?orderBy=${encodeURIComponent(orderBy)}`, { token: paging.token });
      expectStatus(r, 200);
      const expected = [...PAGING].sort((a, b) => dir * bin(a[field], b[field])).map((x) => x.key);
      assert.deepEqual(keysOf(r.json.values), expected);
    });
  }

  it('orderBy=-name keeps its order across nextPage links', async () => {
    const expected = [...PAGING].sort((a, b) => -bin(a.name, b.name)).map((x) => x.key);
    let r = await k.jira(paging.cloudId, '/project/search?orderBy=-name&maxResults=2', { token: paging.token });
    const seen = [];
    for (let guard = 0; guard < 10; guard++) {
      expectStatus(r, 200);
      seen.push(...keysOf(r.json.values));
      if (r.json.isLast) break;
      const u = new URL(r.json.nextPage);
      r = await k.api(u.pathname + u.search, { token: paging.token });
    }
    assert.deepEqual(seen, expected);
  });

  it('nextPage links keep the filters (typeKey, query)', async () => {
    for (const [q, expected] of [
      ['typeKey=software&maxResults=2', ['PGA', 'PGD', 'PGF']],
      ['query=a%20paging&maxResults=1', ['PGC', 'PGF']],
    ]) {
      let r = await k.jira(paging.cloudId, `/project/search?${q}`, { token: paging.token });
      const seen = [];
      for (let guard = 0; guard < 10; guard++) {
        expectStatus(r, 200);
        assert.equal(r.json.total, expected.length, `total for ${q} at startAt=${r.json.startAt}: ${describeRes(r, 400)}`);
        seen.push(...keysOf(r.json.values));
        if (r.json.isLast) break;
        const u = new URL(r.json.nextPage);
        r = await k.api(u.pathname + u.search, { token: paging.token });
      }
      assert.deepEqual(seen, expected, `walking nextPage from ?${q}`);
    }
  });

  it('query matches key or name, case-insensitively', async () => {
    const cases = [
      ['paging', PAGING.map((x) => x.key)],
      ['PAGING', PAGING.map((x) => x.key)],
      ['alpha', ['PGC']],
      ['aLpHa pag', ['PGC']],
      ['pgd', ['PGD']],
      ['PGE', ['PGE']],
      ['nothing-matches-this', []],
      ['%', []],
      ['_', []],
      ['P_A', []],
      ['%paging', []],
      ["' OR '1'='1", []],
    ];
    for (const [q, keys] of cases) {
      const r = await k.jira(paging.cloudId, `/project/search?query=${encodeURIComponent(q)}`, { token: paging.token });
      expectStatus(r, 200, `query=${q}`);
      assert.deepEqual(keysOf(r.json.values), [...keys].sort(bin), `query=${q}`);
      assert.equal(r.json.total, keys.length, `total for query=${q}`);
    }
  });

  it('keys (repeated) selects exactly those projects', async () => {
    const r = await k.jira(paging.cloudId, '/project/search?keys=PGD&keys=PGA&keys=NOPE', { token: paging.token });
    expectStatus(r, 200);
    assert.deepEqual(keysOf(r.json.values), ['PGA', 'PGD']);
    assert.equal(r.json.total, 2);
    const one = await k.jira(paging.cloudId, '/project/search?keys=PGG', { token: paging.token });
    assert.deepEqual(keysOf(one.json.values), ['PGG']);
  });

  it('typeKey filters by one or several types', async () => {
    const cases = [
      ['business', ['PGB', 'PGE']],
      ['software', ['PGA', 'PGD', 'PGF']],
      ['software,service_desk', ['PGA', 'PGC', 'PGD', 'PGF', 'PGG']],
      ['service_desk,business', ['PGB', 'PGC', 'PGE', 'PGG']],
    ];
    for (const [t, keys] of cases) {
      const r = await k.jira(paging.cloudId, `/project/search?typeKey=${encodeURIComponent(t)}`, { token: paging.token });
      expectStatus(r, 200, `typeKey=${t}`);
      assert.deepEqual(keysOf(r.json.values), keys, `typeKey=${t}`);
      assert.equal(r.json.total, keys.length);
    }
    const combo = await k.jira(paging.cloudId, '/project/search?typeKey=software&query=beta', { token: paging.token });
    assert.deepEqual(keysOf(combo.json.values), ['PGF']);
  });

  it('expand adds description, lead, issueTypes and insight (and not without it)', async () => {
    const bare = await k.jira(paging.cloudId, '/project/search', { token: paging.token });
    expectStatus(bare, 200);
    for (const v of bare.json.values) {
      for (const f of ['description', 'lead', 'issueTypes', 'insight']) {
        assert.equal(v[f], undefined, `${f} must not appear without expand (project ${v.key})`);
      }
    }
    const r = await k.jira(paging.cloudId, '/project/search?expand=description,lead,issueTypes,url,insight', { token: paging.token });
    expectStatus(r, 200);
    for (const v of r.json.values) {
      const src = PAGING.find((x) => x.key === v.key);
      assert.equal(v.description, src.description, `description of ${v.key}`);
      assert.equal(v.lead?.accountId, paging.accountId, `lead of ${v.key}`);
      assert.ok(Array.isArray(v.issueTypes) && v.issueTypes.length > 0, `issueTypes of ${v.key}`);
      for (const t of v.issueTypes) {
        assert.equal(typeof t.id, 'string');
        assert.equal(typeof t.name, 'string');
      }
      assert.equal(v.insight?.totalIssueCount, 0, `insight of ${v.key}`);
    }
    const only = await k.jira(paging.cloudId, '/project/search?expand=description', { token: paging.token });
    for (const v of only.json.values) {
      assert.equal(typeof v.description, 'string');
      assert.equal(v.lead, undefined, 'lead only with expand=lead');
    }
  });
});

describe('project get and create', () => {
  it('GET project by id and by key return the same project', async () => {
    const values = await allProjects(k, demo.cloudId, demo.token);
    for (const v of values) {
      const byKey = await k.jira(demo.cloudId, `/project/${v.key}`, { token: demo.token });
      expectStatus(byKey, 200);
      expectJsonContentType(byKey);
      const byId = await k.jira(demo.cloudId, `/project/${v.id}`, { token: demo.token });
      expectStatus(byId, 200);
      assert.deepEqual(byId.json, byKey.json, `project ${v.key} by id vs key`);
      const p = byKey.json;
      assert.equal(p.id, v.id);
      assert.equal(p.key, v.key);
      assert.equal(p.name, v.name);
      assert.equal(typeof p.description, 'string');
      assert.equal(typeof p.lead?.accountId, 'string');
      assert.ok(Array.isArray(p.issueTypes) && p.issueTypes.length > 0);
      assert.ok(p.description.includes(demo.canary), `demo project ${v.key} description contains the site canary`);
    }
  });

  it('GET unknown project: 404 Jira error', async () => {
    expectJiraError(await k.jira(demo.cloudId, '/project/NOSUCHKEY', { token: demo.token }), 404);
    expectJiraError(await k.jira(demo.cloudId, '/project/987654321', { token: demo.token }), 404);
  });

  it('POST project: 201 ProjectIdentifiers, then visible in GET and search', async () => {
    const before = await k.jira(plain.cloudId, '/project/search', { token: plain.token });
    const body = {
      key: 'WEB', name: 'Website Relaunch', projectTypeKey: 'business',
      description: 'Relaunch of the public website', assigneeType: 'PROJECT_LEAD',
    };
    const r = await k.jira(plain.cloudId, '/project', { token: plain.token, method: 'POST', body });
    expectStatus(r, 201);
    expectJsonContentType(r);
    assert.deepEqual(Object.keys(r.json).sort(), ['id', 'key', 'self']);
    assert.ok(Number.isInteger(r.json.id), `id is a number: ${r.text}`);
    assert.equal(r.json.key, 'WEB');
    assert.ok(r.json.self.startsWith(`${plain.url}/rest/api/3/project/`), `self ${r.json.self}`);

    for (const ref of ['WEB', String(r.json.id)]) {
      const g = await k.jira(plain.cloudId, `/project/${ref}`, { token: plain.token });
      expectStatus(g, 200, `GET project/${ref}`);
      assert.equal(g.json.id, String(r.json.id));
      assert.equal(g.json.key, 'WEB');
      assert.equal(g.json.name, body.name);
      assert.equal(g.json.description, body.description);
      assert.equal(g.json.projectTypeKey, 'business');
      assert.equal(g.json.lead?.accountId, plain.accountId, 'lead defaults to the caller');
    }
    const s = await k.jira(plain.cloudId, '/project/search?keys=WEB', { token: plain.token });
    assert.deepEqual(keysOf(s.json.values), ['WEB']);
    assert.equal(s.json.values[0].id, String(r.json.id));
    const after = await k.jira(plain.cloudId, '/project/search', { token: plain.token });
    assert.equal(after.json.total, before.json.total + 1);
  });

  it('POST project with leadAccountId of another site user', async () => {
    const users = (await k.jira(demo.cloudId, '/users/search', { token: demo.token })).json;
    const other = users.find((u) => u.accountId !== demo.accountId);
    const r = await k.jira(demo.cloudId, '/project', {
      token: demo.token, method: 'POST',
      body: { key: 'LEADX', name: 'Lead elsewhere', projectTypeKey: 'software', leadAccountId: other.accountId },
    });
    expectStatus(r, 201);
    const g = await k.jira(demo.cloudId, '/project/LEADX', { token: demo.token });
    assert.equal(g.json.lead?.accountId, other.accountId);
    const bad = await k.jira(demo.cloudId, '/project', {
      token: demo.token, method: 'POST',
      body: { key: 'LEADY', name: 'Unknown lead', projectTypeKey: 'software', leadAccountId: 'no-such-account' },
    });
    expectJiraError(bad, 400, 'unknown leadAccountId');
    expectJiraError(await k.jira(demo.cloudId, '/project/LEADY', { token: demo.token }), 404, 'rejected project must not exist');
  });

  it('key and name limits: 2- and 10-char keys, 80-char name accepted', async () => {
    for (const body of [
      { key: 'QZ', name: 'Two char key', projectTypeKey: 'software' },
      { key: 'ABCDEFGHI9', name: 'N'.repeat(80), projectTypeKey: 'software' },
    ]) {
      const r = await k.jira(plain.cloudId, '/project', { token: plain.token, method: 'POST', body });
      expectStatus(r, 201, `create ${body.key}`);
    }
  });

  it('names and descriptions round-trip exactly (Unicode, quotes, backslashes, control characters)', async () => {
    const cases = [
      { key: 'UNI', name: 'Ünïcödé — ✓ 日本語 Проект', description: 'Emoji 🚀 and \u00e9 and \u2028 line sep' },
      { key: 'ESC', name: 'Quotes "double" \'single\' back\\slash </script>', description: 'tab\tnewline\nreturn\r nul-free \u0001 end' },
    ];
    for (const body of cases) {
      const r = await k.jira(plain.cloudId, '/project', { token: plain.token, method: 'POST', body: { ...body, projectTypeKey: 'software' } });
      expectStatus(r, 201, `create ${body.key}`);
      const g = await k.jira(plain.cloudId, `/project/${body.key}`, { token: plain.token });
      expectStatus(g, 200);
      assert.equal(g.json.name, body.name, `name of ${body.key}`);
      assert.equal(g.json.description, body.description, `description of ${body.key}`);
      const sr = await k.jira(plain.cloudId, `/project/search?keys=${body.key}&expand=description`, { token: plain.token });
      assert.equal(sr.json.values[0]?.name, body.name);
      assert.equal(sr.json.values[0]?.description, body.description);
    }
    const q = await k.jira(plain.cloudId, `/project/search?query=${encodeURIComponent('日本語')}`, { token: plain.token });
    assert.deepEqual(keysOf(q.json.values), ['UNI'], 'query matches non-ASCII text');
  });

  it('the 80-character name limit counts characters, not bytes', async () => {
    for (const [key, name] of [['WIDE', 'é'.repeat(80)], ['CJK', '日本語'.repeat(26)]]) {
      const r = await k.jira(plain.cloudId, '/project', { token: plain.token, method: 'POST', body: { key, name, projectTypeKey: 'software' } });
      expectStatus(r, 201, `${name.length} characters / ${Buffer.byteLength(name)} bytes`);
      const g = await k.jira(plain.cloudId, `/project/${key}`, { token: plain.token });
      assert.equal(g.json.name, name);
    }
    const tooLong = await k.jira(plain.cloudId, '/project', {
      token: plain.token, method: 'POST', body: { key: 'WIDER', name: 'é'.repeat(81), projectTypeKey: 'software' },
    });
    expectFieldError(tooLong, 400, ['name', 'projectName'], '81 two-byte characters');
  });

  const KEYF = ['key', 'projectKey'];
  const NAMEF = ['name', 'projectName'];
  const invalid = [
    ['missing key', { name: 'No key', projectTypeKey: 'software' }, KEYF],
    ['missing name', { key: 'NONAME', projectTypeKey: 'software' }, NAMEF],
    ['lowercase key', { key: 'lower', name: 'x', projectTypeKey: 'software' }, KEYF],
    ['one-char key', { key: 'A', name: 'x', projectTypeKey: 'software' }, KEYF],
    ['11-char key', { key: 'ABCDEFGHIJK', name: 'x', projectTypeKey: 'software' }, KEYF],
    ['key starting with a digit', { key: '1ABC', name: 'x', projectTypeKey: 'software' }, KEYF],
    ['key with a dash', { key: 'AB-C', name: 'x', projectTypeKey: 'software' }, KEYF],
    ['key with non-ASCII', { key: 'ÄBC', name: 'x', projectTypeKey: 'software' }, KEYF],
    ['numeric key', { key: 123, name: 'x', projectTypeKey: 'software' }, KEYF],
    ['name is a number', { key: 'NUMNAME', name: 5, projectTypeKey: 'software' }, NAMEF],
    ['name over 80 chars', { key: 'LONGNAME', name: 'n'.repeat(81), projectTypeKey: 'software' }, NAMEF],
    ['unknown projectTypeKey', { key: 'BADTYPE', name: 'x', projectTypeKey: 'nonsense' }, ['projectTypeKey']],
    ['unknown field', { key: 'UNKF', name: 'x', projectTypeKey: 'software', frobnicate: true }, ['frobnicate']],
    ['bad assigneeType', { key: 'BADASS', name: 'x', projectTypeKey: 'software', assigneeType: 'EVERYONE' }, ['assigneeType']],
  ];
  for (const [what, body, fields] of invalid) {
    it(`POST project rejects ${what} with 400 errors.${fields.join('|')}`, async () => {
      const r = await k.jira(plain.cloudId, '/project', { token: plain.token, method: 'POST', body });
      expectFieldError(r, 400, fields, what);
      if (typeof body.key === 'string' && /^[A-Z][A-Z0-9]{1,9}$/.test(body.key)) {
        expectJiraError(await k.jira(plain.cloudId, `/project/${body.key}`, { token: plain.token }), 404, 'rejected project must not exist');
      }
    });
  }

  it('POST project rejects non-object bodies with 400', async () => {
    for (const raw of ['[]', 'null', '"WEB"', '42', '{}']) {
      const r = await k.jira(plain.cloudId, '/project', {
        token: plain.token, method: 'POST', body: raw, headers: { 'content-type': 'application/json' },
      });
      expectJiraError(r, 400, `body ${raw}`);
    }
  });

  it('POST project with a key already used on the site: 409 errors.projectKey', async () => {
    const first = await k.jira(plain.cloudId, '/project', {
      token: plain.token, method: 'POST', body: { key: 'DUP', name: 'Original', projectTypeKey: 'software' },
    });
    expectStatus(first, 201);
    const again = await k.jira(plain.cloudId, '/project', {
      token: plain.token, method: 'POST', body: { key: 'DUP', name: 'Impostor', projectTypeKey: 'business' },
    });
    expectFieldError(again, 409, ['projectKey'], 'duplicate key');
    const g = await k.jira(plain.cloudId, '/project/DUP', { token: plain.token });
    assert.equal(g.json.name, 'Original', 'the original project is untouched');
    assert.equal(g.json.projectTypeKey, 'software');
  });
});

describe('issues', () => {
  let proj; // {id, key}
  let types; // issueTypes of the project
  const created = [];

  before(async () => {
    const r = await k.jira(plain.cloudId, '/project', {
      token: plain.token, method: 'POST',
      body: { key: 'ISS', name: 'Issue Tracker', projectTypeKey: 'software', description: 'issues live here' },
    });
    expectStatus(r, 201, 'setup project ISS');
    proj = { id: String(r.json.id), key: 'ISS' };
    const g = await k.jira(plain.cloudId, '/project/ISS', { token: plain.token });
    expectStatus(g, 200);
    types = g.json.issueTypes;
    assert.ok(types?.length > 0, 'project has issue types');
  });

  const create = (fields, extra = {}) => k.jira(plain.cloudId, '/issue', { token: plain.token, method: 'POST', body: { fields, ...extra } });

  it('POST issue by project key and issue type name: 201 CreatedIssue', async () => {
    const r = await create({ project: { key: 'ISS' }, summary: 'Login button does nothing', issuetype: { name: types[0].name } });
    expectStatus(r, 201);
    expectJsonContentType(r);
    assert.deepEqual(Object.keys(r.json).sort(), ['id', 'key', 'self']);
    assert.equal(r.json.key, 'ISS-1', 'the first issue of a project is KEY-1');
    assert.match(String(r.json.id), /^\d+$/);
    assert.ok(Number(r.json.id) >= 10000, `issue ids start at 10000: ${r.json.id}`);
    assert.ok(r.json.self.startsWith(`${plain.url}/rest/api/3/issue/`), `self ${r.json.self}`);
    created.push({ ...r.json, summary: 'Login button does nothing', type: types[0] });
  });

  it('POST issue by project id and issue type id with an ADF description', async () => {
    const text = 'Steps: open the page, click login.';
    const r = await create({
      project: { id: proj.id }, summary: 'Second issue', issuetype: { id: types[0].id }, description: adf(text),
    });
    expectStatus(r, 201);
    created.push({ ...r.json, summary: 'Second issue', text, type: types[0] });
    const g = await k.jira(plain.cloudId, `/issue/${r.json.key}`, { token: plain.token });
    expectStatus(g, 200);
    assert.ok(JSON.stringify(g.json.fields.description).includes(text), `description kept: ${describeRes(g)}`);
  });

  it('POST issue refuses a plain-string description (as Jira v3) and a malformed update; takes update {}', async () => {
    const text = 'Plain text description';
    const bad = await create({ project: { key: 'ISS' }, summary: 'String description', issuetype: { name: types[0].name }, description: text });
    expectFieldError(bad, 400, ['description'], 'plain-string description');
    // update verbs work on create too (tests/e2e/issues.test.mjs); these are malformed ones
    for (const update of [{ labels: [{ explode: 'x' }] }, { summary: 'y' }, { status: [{ set: { id: '10001' } }] }, [], 'x']) {
      const u = await create({ project: { key: 'ISS' }, summary: 'With update', issuetype: { name: types[0].name } }, { update });
      expectJiraError(u, 400, `update ${JSON.stringify(update)}`);
    }
    const r = await create({ project: { key: 'ISS' }, summary: 'Third issue', issuetype: { name: types[0].name }, description: adf(text) }, { update: {} });
    expectStatus(r, 201, 'update {}');
    created.push({ ...r.json, summary: 'Third issue', text, type: types[0] });
    const g = await k.jira(plain.cloudId, `/issue/${r.json.id}`, { token: plain.token });
    expectStatus(g, 200);
    assert.ok(JSON.stringify(g.json.fields.description).includes(text), `description kept: ${describeRes(g)}`);
  });

  it('POST issue with assignee and reporter accountIds of site users', async () => {
    const demo = await k.siteWithToken('prod-people', true);
    const users = (await k.jira(demo.cloudId, '/users/search', { token: demo.token })).json;
    // the assignee must be assignable in the project (Mia works everywhere: product/demo.c)
    const u1 = users.find((u) => u.emailAddress?.startsWith('mia@'));
    const u2 = users.find((u) => u.accountId !== demo.accountId && u.accountId !== u1?.accountId);
    assert.ok(u1 && u2, 'demo site has two more users');
    const dp = (await allProjects(k, demo.cloudId, demo.token, '&expand=issueTypes'))[0];
    const r = await k.jira(demo.cloudId, '/issue', {
      token: demo.token, method: 'POST',
      body: { fields: { project: { key: dp.key }, summary: 'Assigned', issuetype: { id: dp.issueTypes[0].id }, assignee: { accountId: u1.accountId }, reporter: { accountId: u2.accountId } } },
    });
    expectStatus(r, 201);
    const g = await k.jira(demo.cloudId, `/issue/${r.json.key}`, { token: demo.token });
    expectStatus(g, 200);
    assert.equal(g.json.fields.assignee?.accountId, u1.accountId, 'assignee');
    assert.equal(g.json.fields.reporter?.accountId, u2.accountId, 'reporter');
    const dflt = await k.jira(demo.cloudId, '/issue', {
      token: demo.token, method: 'POST', body: { fields: { project: { key: dp.key }, summary: 'Default people', issuetype: { id: dp.issueTypes[0].id } } },
    });
    expectStatus(dflt, 201);
    const gd = await k.jira(demo.cloudId, `/issue/${dflt.json.key}`, { token: demo.token });
    assert.equal(gd.json.fields.reporter?.accountId, demo.accountId, 'reporter defaults to the caller');
    for (const field of ['assignee', 'reporter']) {
      for (const value of [{ accountId: 'no-such-account' }, { accountId: 5 }, 'x']) {
        const b = await k.jira(demo.cloudId, '/issue', {
          token: demo.token, method: 'POST',
          body: { fields: { project: { key: dp.key }, summary: 'Bad person', issuetype: { id: dp.issueTypes[0].id }, [field]: value } },
        });
        expectFieldError(b, 400, [field], `${field} ${JSON.stringify(value)}`);
      }
    }
  });

  it('issue keys are numbered upwards within the project', async () => {
    const mine = [];
    for (let i = 0; i < 3; i++) {
      const r = await create({ project: { key: 'ISS' }, summary: `Numbering ${i}`, issuetype: { name: types[0].name } });
      expectStatus(r, 201);
      mine.push(r.json);
      created.push({ ...r.json, summary: `Numbering ${i}`, type: types[0] });
    }
    const nums = mine.map((c) => Number(c.key.split('-')[1]));
    for (let i = 1; i < nums.length; i++) assert.equal(nums[i], nums[i - 1] + 1, `consecutive keys: ${mine.map((c) => c.key)}`);
    const all = created.map((c) => c.key);
    assert.equal(new Set(all).size, all.length, `keys unique: ${all}`);
    assert.equal(new Set(created.map((c) => c.id)).size, created.length, 'ids unique');
  });

  it('issue summary and ADF description round-trip exactly (Unicode, quotes, control characters)', async () => {
    const summary = 'Ärger mit "Anführungszeichen" \\ und 日本語 🚀';
    const description = {
      type: 'doc', version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'line one\nline\ttwo </script> \u2028' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'bold', marks: [{ type: 'strong' }] }] },
      ],
    };
    const r = await create({ project: { key: 'ISS' }, summary, issuetype: { name: types[0].name }, description });
    expectStatus(r, 201);
    created.push({ ...r.json, summary, type: types[0] });
    const g = await k.jira(plain.cloudId, `/issue/${r.json.key}`, { token: plain.token });
    expectStatus(g, 200);
    assert.equal(g.json.fields.summary, summary);
    assert.deepEqual(g.json.fields.description, description, 'ADF description returned as stored');
  });

  it('GET issue by key and by id', async () => {
    for (const c of created) {
      const byKey = await k.jira(plain.cloudId, `/issue/${c.key}`, { token: plain.token });
      expectStatus(byKey, 200);
      expectJsonContentType(byKey);
      const byId = await k.jira(plain.cloudId, `/issue/${c.id}`, { token: plain.token });
      expectStatus(byId, 200);
      const i = byKey.json;
      assert.equal(i.key, c.key);
      assert.equal(String(i.id), String(c.id));
      assert.equal(byId.json.key, c.key);
      assert.equal(byId.json.fields.summary, byKey.json.fields.summary);
      assert.equal(i.fields.summary, c.summary);
      assert.equal(i.fields.project?.key, 'ISS');
      assert.equal(String(i.fields.project?.id), proj.id);
      assert.equal(i.fields.issuetype?.name, c.type.name);
      assert.equal(String(i.fields.issuetype?.id), String(c.type.id));
      assert.equal(typeof i.fields.status?.name, 'string');
      assert.equal(i.fields.reporter?.accountId, plain.accountId);
      assert.ok(!Number.isNaN(Date.parse(i.fields.created?.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'))), `created ${i.fields.created}`);
      assert.ok(!Number.isNaN(Date.parse(i.fields.updated?.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'))), `updated ${i.fields.updated}`);
      assert.ok(i.self.startsWith(`${plain.url}/rest/api/3/issue/`), `self ${i.self}`);
    }
  });

  it('project insight counts the issues', async () => {
    const r = await k.jira(plain.cloudId, '/project/search?keys=ISS&expand=insight', { token: plain.token });
    expectStatus(r, 200);
    assert.equal(r.json.values[0]?.insight?.totalIssueCount, created.length);
  });

  const bad = () => [
    ['missing summary', { project: { key: 'ISS' }, issuetype: { name: types[0].name } }, ['summary']],
    ['empty summary', { project: { key: 'ISS' }, summary: '', issuetype: { name: types[0].name } }, ['summary']],
    ['summary not a string', { project: { key: 'ISS' }, summary: 5, issuetype: { name: types[0].name } }, ['summary']],
    ['unknown project key', { project: { key: 'NOPE' }, summary: 's', issuetype: { name: types[0].name } }, ['project']],
    ['unknown project id', { project: { id: '99999999' }, summary: 's', issuetype: { name: types[0].name } }, ['project']],
    ['missing project', { summary: 's', issuetype: { name: types[0].name } }, ['project']],
    ['unknown issue type name', { project: { key: 'ISS' }, summary: 's', issuetype: { name: 'Dragon' } }, ['issuetype']],
    ['unknown issue type id', { project: { key: 'ISS' }, summary: 's', issuetype: { id: '99999999' } }, ['issuetype']],
    ['missing issue type', { project: { key: 'ISS' }, summary: 's' }, ['issuetype']],
  ];
  it('POST issue validation: 400 with errors.<field>', async () => {
    for (const [what, fields, errFields] of bad()) {
      const r = await create(fields);
      expectFieldError(r, 400, errFields, what);
    }
    expectJiraError(await k.jira(plain.cloudId, '/issue', { token: plain.token, method: 'POST', body: {} }), 400, 'no fields');
    expectJiraError(await k.jira(plain.cloudId, '/issue', { token: plain.token, method: 'POST', body: { fields: 'x' } }), 400, 'fields not an object');
    const after = await k.jira(plain.cloudId, '/project/search?keys=ISS&expand=insight', { token: plain.token });
    assert.equal(after.json.values[0]?.insight?.totalIssueCount, created.length, 'rejected issues were not stored');
  });

  it('GET unknown issue: 404 Jira error', async () => {
    expectJiraError(await k.jira(plain.cloudId, '/issue/ISS-99999', { token: plain.token }), 404);
    expectJiraError(await k.jira(plain.cloudId, '/issue/NOPE-1', { token: plain.token }), 404);
    expectJiraError(await k.jira(plain.cloudId, '/issue/987654321', { token: plain.token }), 404);
  });

  it('demo site issues carry the canary', async () => {
    const values = await allProjects(k, demo.cloudId, demo.token, '&expand=insight');
    let found = 0;
    for (const v of values) {
      const n = v.insight?.totalIssueCount;
      assert.equal(typeof n, 'number', `insight.totalIssueCount of ${v.key}`);
      // KEY-1 .. KEY-n are the project's issues (numbered from 1, none deleted); past n, none
      for (let i = 1; i <= n + 3; i++) {
        const r = await k.jira(demo.cloudId, `/issue/${v.key}-${i}`, { token: demo.token });
        if (i > n) {
          expectJiraError(r, 404, `${v.key}-${i} past the project's ${n} issues`);
          continue;
        }
        expectStatus(r, 200, `${v.key}-${i}`);
        found++;
        const text = JSON.stringify([r.json.fields.summary, r.json.fields.description]);
        assert.ok(text.includes(demo.canary), `issue ${v.key}-${i} mentions the canary: ${describeRes(r)}`);
      }
    }
    // product/demo.c's first 7, product/demo_issues.c's 115 per project and demo_agile.c's 19
    assert.equal(found, 7 + 3 * 115 + 19, 'every issue of the demo content is reachable as KEY-N');
  });
});
