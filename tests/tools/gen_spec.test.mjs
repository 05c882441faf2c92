// tools/gen-spec.mjs and tools/spec-model.mjs: the route lines are read as documented
// (plain entries, V23 for /rest/api/2 and /rest/api/3, `/* api: */` comments, even wrapped),
// the scope table has a v2 twin of every v3 operation with the same sets, every agile
// operation of the Software description with its set, every reviewed extra operation;
// a route without scopes, a bad extra entry or an operation in two sources fails the
// generator with one line; --check fails on stale output and passes on kiln's own tree.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ROOT, parseRoutes, readRoutes, scopeRows, scopeNames, loadInputs, inputPaths, checkRoutesScoped,
} from '../../tools/spec-model.mjs';

const GEN = path.join(ROOT, 'tools', 'gen-spec.mjs');
const gen = (args, env = {}) => spawnSync(process.execPath, [GEN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'kiln-gen-spec-'));
const inputs = loadInputs(inputPaths({}));
const rows = scopeRows(inputs);
const byKey = new Map(rows.map((r) => [`${r.method} ${r.path}`, r]));

describe('route lines', () => {
  it('reads plain entries, two on a line, and V23 as both versions', () => {
    const r = parseRoutes([
      'static route_t routes[] = {',
      '    {"GET", "/rest/api/3/project/search", project_search}, {"POST", "/rest/api/3/project", project_create},',
      '    V23("GET", "/issue/{issueIdOrKey}", issue_get),',
      '    {"POST", "/rest/agile/1.0/sprint", sprint_create},',
      '};',
    ].join('\n'), 'x.c');
    assert.deepEqual(r.map((x) => `${x.method} ${x.path} ${x.handler} ${x.line}`), [
      'GET /rest/api/3/project/search project_search 2',
      'POST /rest/api/3/project project_create 2',
      'GET /rest/api/2/issue/{issueIdOrKey} issue_get 3',
      'GET /rest/api/3/issue/{issueIdOrKey} issue_get 3',
      'POST /rest/agile/1.0/sprint sprint_create 4',
    ]);
  });

  it('an /* api: */ comment belongs to the entry before it, even wrapped over lines', () => {
    const r = parseRoutes([
      '    {"GET", "/rest/api/3/myself", user_myself}, /* api: no groups or application',
      '                                                 * roles are expanded */',
      '    V23("GET", "/serverInfo", server_info), /* api: kiln names its own version */',
      '    {"GET", "/rest/api/3/user", user_get}, /* a plain comment */',
    ].join('\n'));
    assert.equal(r[0].api, 'no groups or application roles are expanded');
    assert.equal(r[1].api, 'kiln names its own version');
    assert.equal(r[2].api, 'kiln names its own version');
    assert.equal(r[3].api, null);
  });

  it('a V23 it cannot read is an error, not a route left out; its #define is no route', () => {
    assert.deepEqual(parseRoutes('#define V23(m, p, f) {m, "/rest/api/2" p, f}, {m, "/rest/api/3" p, f}\n'), []);
    assert.throws(() => parseRoutes('x\n    V23("GET", "/myself", user_myself, 1),\n', 'v.c'), /v\.c:2: a route the reader cannot read \("V23\(/);
    assert.throws(() => parseRoutes('V23(GET_, "/myself", user_myself),', 'w.c'), /w\.c:1: a route the reader cannot read/);
    assert.throws(() => parseRoutes('{"GET", "/rest/api/3/myself", user_myself, 1},', 'x.c'), /x\.c:1: a route the reader cannot read \("\{"GET",/);
    assert.throws(() => parseRoutes('{"GET", path_var, f},', 'y.c'), /y\.c:1: a route/);
  });

  it('reads no route inside another comment or after //', () => {
    const r = parseRoutes([
      '/* e.g. {"GET", "/rest/api/3/myself", user_myself}, or',
      ' *      V23("GET", "/issue/{issueIdOrKey}", issue_get), */',
      '// {"GET", "/rest/api/3/user", user_get},',
      '    {"GET", "/rest/api/3/serverInfo", server_info}, /* api: real */',
    ].join('\n'));
    assert.deepEqual(r.map((x) => `${x.path} ${x.line} ${x.api}`), ['/rest/api/3/serverInfo 4 real']);
  });

  it('refuses what would mislead: V23 with a full path, a route outside /rest, an empty api comment', () => {
    assert.throws(() => parseRoutes('V23("GET", "/rest/api/3/myself", f),', 'a.c'), /a\.c:1: V23 takes the path after/);
    assert.throws(() => parseRoutes('{"GET", "/admin/x", f},', 'b.c'), /b\.c:1: route path "\/admin\/x"/);
    assert.throws(() => parseRoutes('{"GET", "/rest/api/3/myself", f}, /* api: */', 'c.c'), /c\.c:1: empty/);
    assert.throws(() => parseRoutes('{"BREW", "/rest/api/3/myself", f},', 'd.c'), /unknown method "BREW"/);
    assert.throws(() => parseRoutes('{"GET", "/rest/api/3/myself", f}, /* api: x <!-- END operations --> */', 'e.c'), /e\.c:1: .*markers/);
  });

  it("kiln's own route table is read (src/product), each route once", () => {
    const r = readRoutes(path.join(ROOT, 'src', 'product'));
    assert.ok(r.some((x) => x.method === 'GET' && x.path === '/rest/api/3/myself' && x.handler === 'user_myself'));
    assert.equal(new Set(r.map((x) => `${x.method} ${x.path}`)).size, r.length);
    checkRoutesScoped(r, rows); /* throws if one is missing */
  });
});

describe('the scope table', () => {
  it('has a v2 twin of every v3 operation, with the same sets', () => {
    let n = 0;
    for (const r of rows) {
      if (!r.path.startsWith('/rest/api/3/')) continue;
      const t = byKey.get(`${r.method} /rest/api/2/${r.path.slice(12)}`);
      assert.ok(t, `no v2 twin of ${r.method} ${r.path}`);
      assert.equal(t.classic, r.classic);
      assert.equal(t.granular, r.granular);
      n++;
    }
    assert.ok(n > 400, `${n} v3 operations`);
  });

  it('has every agile operation of the Software description with its OAuth2 set', () => {
    let n = 0;
    for (const [p, item] of Object.entries(inputs.software.paths)) {
      if (!p.startsWith('/rest/agile/')) continue;
      for (const [m, op] of Object.entries(item)) {
        if (!op?.responses) continue;
        const want = op.security.find((s) => s.OAuth2).OAuth2.join(' ');
        const row = byKey.get(`${m.toUpperCase()} ${p}`);
        assert.equal((row?.replaced ?? row)?.classic, want, `${m} ${p}`);
        n++;
      }
    }
    assert.equal(n, 51);
    assert.equal(byKey.get('GET /rest/agile/1.0/sprint/{sprintId}').classic, 'read:sprint:jira-software');
    /* the one whose scopes Atlassian changed since (an empty list in 2022) */
    const board = byKey.get('GET /rest/agile/1.0/board');
    assert.equal(board.classic, 'read:board-scope:jira-software read:project:jira');
    assert.equal(board.replaced.classic, '');
    assert.equal(rows.filter((r) => r.replaced).length, 1);
  });

  it('has the reviewed newer operations, DevOps ones with the Forge scope only', () => {
    const want = {
      'GET /rest/api/3/search/jql': 'read:jira-work', 'POST /rest/api/2/search/jql': 'read:jira-work',
      'POST /rest/api/3/search/approximate-count': 'read:jira-work', 'POST /rest/api/2/issue/bulkfetch': 'read:jira-work',
    };
    for (const [k, c] of Object.entries(want)) assert.equal(byKey.get(k)?.classic, c, k);
    const devops = {
      'POST /rest/builds/0.1/bulk': 'write:build-info:jira',
      'GET /rest/builds/0.1/pipelines/{pipelineId}/builds/{buildNumber}': 'read:build-info:jira',
      'DELETE /rest/builds/0.1/pipelines/{pipelineId}/builds/{buildNumber}': 'delete:build-info:jira',
      'DELETE /rest/builds/0.1/bulkByProperties': 'delete:build-info:jira',
      'POST /rest/deployments/0.1/bulk': 'write:deployment-info:jira',
      'GET /rest/deployments/0.1/pipelines/{pipelineId}/environments/{environmentId}/deployments/{deploymentSequenceNumber}': 'read:deployment-info:jira',
      'DELETE /rest/deployments/0.1/bulkByProperties': 'delete:deployment-info:jira',
      'POST /rest/devinfo/0.10/bulk': 'write:dev-info:jira',
      'GET /rest/devinfo/0.10/repository/{repositoryId}': 'read:dev-info:jira',
      'DELETE /rest/devinfo/0.10/repository/{repositoryId}': 'delete:dev-info:jira',
      'DELETE /rest/devinfo/0.10/bulkByProperties': 'delete:dev-info:jira',
    };
    for (const [k, g] of Object.entries(devops)) {
      assert.equal(byKey.get(k)?.granular, g, k);
      assert.equal(byKey.get(k)?.classic, null, k);
    }
    for (const e of inputs.extra.operations) assert.match(e.doc, /^https:\/\/developer\.atlassian\.com\//);
  });

  it('knows every scope name the rows use (what a manifest may declare)', () => {
    const names = new Set(scopeNames(inputs, rows));
    for (const n of ['write:build-info:jira', 'read:dev-info:jira', 'delete:deployment-info:jira',
      'read:board-scope:jira-software', 'write:sprint:jira-software', 'read:jira-work']) assert.ok(names.has(n), n);
  });

  it('the generated C file is the table', () => {
    const c = readFileSync(path.join(ROOT, 'src', 'auth', 'scope_table.c'), 'utf8');
    assert.ok(c.includes('{"POST", "/rest/builds/0.1/bulk", NULL, "write:build-info:jira"},'));
    assert.ok(c.includes('{"GET", "/rest/api/2/myself", "read:jira-user", '));
    assert.equal((c.match(/^ {4}\{"/gm) ?? []).length, rows.length);
  });
});

describe('gen-spec.mjs', () => {
  it("--check passes on kiln's own tree", () => {
    const r = gen(['--check']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('a route without scopes fails with one line naming it', () => {
    const d = tmp();
    try {
      writeFileSync(path.join(d, 'r.c'), '{"GET", "/rest/api/3/myself", a}, {"GET", "/rest/api/3/nosuch/thing", b},\n');
      const r = gen(['--check'], { KILN_ROUTES_DIR: d });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /^gen-spec: route\(s\) with no operation in the scope table .*GET \/rest\/api\/3\/nosuch\/thing \(.*r\.c:1\)\n$/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('a new route makes the schemas stale: --check fails naming the file', () => {
    const d = tmp();
    try {
      const own = readFileSync(path.join(ROOT, 'src', 'product', 'routes.c'), 'utf8');
      writeFileSync(path.join(d, 'routes.c'), own + '\nV23("GET", "/field", field_list),\n');
      const r = gen(['--check'], { KILN_ROUTES_DIR: d });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /stale or missing.*tests\/e2e\/spec\/jira-schemas\.json/);
      assert.doesNotMatch(r.stderr, /scope_table/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('a bad extra table fails: no doc page, an operation the descriptions have, not JSON', () => {
    const d = tmp();
    try {
      const base = JSON.parse(readFileSync(path.join(ROOT, 'tools', 'scopes-extra.json'), 'utf8'));
      const cases = [
        [{ ...base, operations: [{ ...base.operations[0], doc: 'https://example.com/x' }] }, 1, /"doc" must be the developer\.atlassian\.com page/],
        [{ ...base, operations: [{ ...base.operations[0], path: '/rest/api/3/myself', v2: false }] }, 1, /GET \/rest\/api\/3\/myself is in both platform and extra/],
        [{ ...base, operations: [{ ...base.operations[0], granular: ['read:*'] }] }, 1, /bad scope "read:\*"/],
        [{ ...base, operations: [{ ...base.operations[0], replaces: 'platform' }] }, 1, /GET \/rest\/agile\/1\.0\/board is in both software and extra/],
        [{ ...base, operations: [{ ...base.operations[1], replaces: 'platform' }] }, 1, /"replaces" platform, which has no such operation/],
        ['{', 2, /extra scope table .* is not JSON/],
      ];
      for (const [content, status, re] of cases) {
        const f = path.join(d, 'extra.json');
        writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
        const r = gen(['--check'], { KILN_SCOPES_EXTRA: f });
        assert.equal(r.status, status, r.stdout + r.stderr);
        assert.match(r.stderr, re);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('an unreadable description exits 2 with one line', () => {
    const r = gen(['--check', '/nonexistent/spec.json']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^gen-spec: cannot read OpenAPI description \/nonexistent\/spec\.json: ENOENT\n$/);
  });
});
