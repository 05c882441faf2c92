// Jira Software and DevOps APIs reach kiln's product route table like /rest/api does:
// a manifest declaring their scopes (Forge's *-info:jira ones and the *:jira-software ones)
// registers, deploys and installs; a function's requestJira to /rest/agile, /rest/builds,
// /rest/deployments and /rest/devinfo and a user's /ex/jira/{cloudId}/... call go through
// the same route table, and an operation the table lacks answers Jira's 404 (the routes
// are read from src/product as tools/gen-spec.mjs reads them, so when a helper adds one,
// the test expects it served instead: neither the 404 nor a scope refusal).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson, cliJson, describeRes,
} from './lib/kiln.mjs';
import { readRoutes } from '../../tools/spec-model.mjs';

const NODE_MODULES = path.join(ROOT, 'node_modules');
const ROUTES = readRoutes(path.join(ROOT, 'src', 'product'));
const NO_ROUTE = { errorMessages: ['No route matches this request: check the method and path.'], errors: {} };

const SCOPES = [
  'read:jira-work', 'write:build-info:jira', 'read:build-info:jira', 'delete:build-info:jira',
  'write:deployment-info:jira', 'read:deployment-info:jira', 'delete:deployment-info:jira',
  'write:dev-info:jira', 'read:dev-info:jira', 'delete:dev-info:jira',
  'read:board-scope:jira-software', 'read:project:jira', 'read:sprint:jira-software', 'write:sprint:jira-software',
];

const MANIFEST = `modules:
  function:
    - key: call
      handler: index.call
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
${SCOPES.map((s) => `    - ${s}\n`).join('')}`;

const SRC = `import api, { assumeTrustedRoute } from '@forge/api';
export async function call({ method, path, body }) {
  const res = await api.asApp().requestJira(assumeTrustedRoute(path), {
    method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json };
}
`;

// [method, path as called, template in the route table, body]
const CALLS = [
  ['POST', '/rest/builds/0.1/bulk', '/rest/builds/0.1/bulk', { builds: [] }],
  ['GET', '/rest/builds/0.1/pipelines/p1/builds/7', '/rest/builds/0.1/pipelines/{pipelineId}/builds/{buildNumber}'],
  ['DELETE', '/rest/builds/0.1/bulkByProperties?accountId=a1', '/rest/builds/0.1/bulkByProperties'],
  ['POST', '/rest/deployments/0.1/bulk', '/rest/deployments/0.1/bulk', { deployments: [] }],
  ['GET', '/rest/deployments/0.1/pipelines/p/environments/e/deployments/3',
    '/rest/deployments/0.1/pipelines/{pipelineId}/environments/{environmentId}/deployments/{deploymentSequenceNumber}'],
  ['POST', '/rest/devinfo/0.10/bulk', '/rest/devinfo/0.10/bulk', { repositories: [] }],
  ['GET', '/rest/devinfo/0.10/repository/r1', '/rest/devinfo/0.10/repository/{repositoryId}'],
  ['DELETE', '/rest/devinfo/0.10/bulkByProperties?accountId=a1', '/rest/devinfo/0.10/bulkByProperties'],
  ['GET', '/rest/agile/1.0/board', '/rest/agile/1.0/board'],
  ['GET', '/rest/agile/1.0/sprint/1', '/rest/agile/1.0/sprint/{sprintId}'],
];
const routed = (method, template) => ROUTES.some((r) => r.method === method && r.path === template);

let k, A, dir;

before(async () => {
  assert.ok(existsSync(path.join(NODE_MODULES, '@forge', 'api', 'package.json')), 'run make deps');
  k = await startKiln();
  A = await k.siteWithToken('devops-a', true);
  dir = path.join(tempDir('devops'), 'devops-app');
  writeFiles(dir, { 'manifest.yml': MANIFEST, 'src/index.js': SRC });
  symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
});

after(async () => {
  await k?.close();
});

describe('DevOps and Jira Software scopes', () => {
  it('a manifest declaring them registers, deploys and installs with all of them consented', async () => {
    await okJson(k, ['register', dir, '--json']);
    const d = await okJson(k, ['deploy', dir, '--json']);
    assert.ok(d.version, JSON.stringify(d));
    const i = await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir });
    assert.deepEqual([...i.scopes].sort(), [...SCOPES].sort(), JSON.stringify(i));
  });

  for (const [method, p, template, body] of CALLS) {
    it(`${method} ${template}: a function's requestJira and /ex/jira reach the product route table`, async () => {
      const r = ok(await kiln(k, ['invoke', 'call', '--site', A.name, '--payload', JSON.stringify({ method, path: p, body })], { cwd: dir }));
      const fn = cliJson(r);
      const direct = await k.api(`/ex/jira/${A.cloudId}${p}`, { method, token: A.token, body });
      if (!routed(method, template)) {
        assert.deepEqual(fn, { status: 404, json: NO_ROUTE }, `requestJira ${method} ${p}`);
        assert.equal(direct.status, 404, describeRes(direct));
        assert.deepEqual(direct.json, NO_ROUTE, describeRes(direct));
      } else {
        /* served: the table routed it and the app's scopes allowed it */
        assert.ok(![401, 403].includes(fn.status) && JSON.stringify(fn.json) !== JSON.stringify(NO_ROUTE), JSON.stringify(fn));
        assert.notDeepEqual(direct.json, NO_ROUTE, describeRes(direct));
      }
    });
  }

  it('a path under /rest that is no API at all is the same 404, from a function and from /ex/jira', async () => {
    const fn = cliJson(ok(await kiln(k, ['invoke', 'call', '--site', A.name, '--payload', JSON.stringify({ method: 'GET', path: '/rest/nosuch/1.0/thing' })], { cwd: dir })));
    assert.deepEqual(fn, { status: 404, json: NO_ROUTE });
    const direct = await k.api(`/ex/jira/${A.cloudId}/rest/nosuch/1.0/thing`, { token: A.token });
    assert.deepEqual([direct.status, direct.json], [404, NO_ROUTE], describeRes(direct));
  });
});
