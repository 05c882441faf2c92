// preUninstall modules (docs/events.md, "Uninstall"): an uninstall owes each one run of the
// installation's version — {context: {cloudId, moduleKey}, contextToken}, on the site that
// uninstalled only, with the app acting on that site — never retried, and a run that fails
// does not hold the uninstall back. A preUninstall naming no function is refused at deploy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

import {
  startKiln, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson,
} from './lib/kiln.mjs';
import { until, deliveries, deployApp, requireForge } from './lib/events.mjs';

const MANIFEST = `modules:
  preUninstall:
    - key: cleanup
      function: cleanup-fn
    - key: grumpy
      function: grumpy-fn
  function:
    - key: cleanup-fn
      handler: index.cleanup
    - key: grumpy-fn
      handler: index.grumpy
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`;
// cleanup reports what it got and which site its product calls reach
const SRC = `import api, { route } from '@forge/api';
export async function cleanup(event, context) {
  const info = await (await api.asApp().requestJira(route\`/rest/api/3/serverInfo\`)).json();
  console.log('cleanup ' + JSON.stringify({ event, base: info.baseUrl, install: context.installContext }));
}
export async function grumpy() {
  console.log('grumpy ran');
  throw new Error('cannot clean up');
}
`;

describe('preUninstall', () => {
  let k, A, B, dir;
  /** The site's deliveries once there are n and each is final (delivered or dead). */
  const settled = (site, n) => until(`${n} final deliveries on ${site}`, () => deliveries(k, { site }),
    { pred: (r) => r.length === n && r.every((d) => ['delivered', 'dead'].includes(d.state)), ms: 30000 });

  before(async () => {
    requireForge('api');
    const tag = randomBytes(3).toString('hex');
    k = await startKiln();
    A = await k.createSite(`pu-a-${tag}`);
    B = await k.createSite(`pu-b-${tag}`);
    ({ dir } = await deployApp(k, 'puapp', { 'manifest.yml': MANIFEST, 'src/index.js': SRC }));
    await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir });
    await okJson(k, ['install', '--site', B.name, '--confirm-scopes', '--json'], { cwd: dir });
  });

  after(async () => {
    await k?.close();
  });

  it('an uninstall runs each preUninstall once, on its own site; a failure is not retried', async () => {
    assert.deepEqual(await deliveries(k), [], 'nothing before an uninstall');
    const out = await okJson(k, ['uninstall', '--site', A.name, '--json'], { cwd: dir });
    assert.ok(out, 'the uninstall is done whatever the runs do');
    const done = await settled(A.name, 2);
    const by = Object.fromEntries(done.map((d) => [d.module, d]));
    assert.equal(by.cleanup.source, 'preuninstall');
    assert.equal(by.cleanup.state, 'delivered');
    assert.equal(by.grumpy.state, 'dead', 'a failing run ends dead');
    assert.equal(by.grumpy.attempts, 1, 'and is never retried');
    assert.match(by.grumpy.lastError, /^preUninstall grumpy threw: /);
    const shown = await okJson(k, ['events', 'show', String(by.cleanup.id), '--json']);
    assert.deepEqual(shown.payload, { context: { cloudId: A.cloudId, moduleKey: 'cleanup' } });

    const logs = await until('the cleanup line', async () => ok(await kiln(k, ['logs', '--site', A.name, '-n', '1000'])).stdout,
      { pred: (t) => t.includes('cleanup {'), ms: 10000 });
    const line = logs.split('\n').find((l) => l.includes('cleanup {'));
    assert.ok(line, logs);
    const seen = JSON.parse(line.slice(line.indexOf('cleanup {') + 'cleanup '.length));
    assert.equal(seen.event.context.cloudId, A.cloudId);
    assert.equal(seen.event.context.moduleKey, 'cleanup');
    assert.match(seen.event.contextToken, /^kiln-preuninstall\.[0-9a-f]{48}$/);
    assert.equal(seen.install, `ari:cloud:jira::site/${A.cloudId}`);
    assert.ok(seen.base.endsWith(`/ex/jira/${A.cloudId}`), `served by A: ${seen.base}`);
    assert.match(logs, /grumpy ran/);
    assert.equal((logs.match(/grumpy ran/g) || []).length, 1, 'one run of the failing module');

    // site B: still installed, owed nothing, ran nothing
    assert.deepEqual(await deliveries(k, { site: B.name }), []);
    assert.doesNotMatch(ok(await kiln(k, ['logs', '--site', B.name, '-n', '1000'])).stdout, /cleanup|grumpy/);
    // B's own uninstall runs B's, with B's cloud id
    await okJson(k, ['uninstall', '--site', B.name, '--json'], { cwd: dir });
    const b = await settled(B.name, 2);
    const bc = b.find((d) => d.module === 'cleanup');
    assert.deepEqual((await okJson(k, ['events', 'show', String(bc.id), '--json'])).payload, {
      context: { cloudId: B.cloudId, moduleKey: 'cleanup' },
    });
  });

  it('a preUninstall must name a function or an endpoint that exists', async () => {
    for (const [body, msg] of [
      ['  preUninstall:\n    - key: x\n', /modules\.preUninstall\[0\].*missing required field "function"/],
      ['  preUninstall:\n    - key: x\n      function: nope\n', /no function with key "nope"/],
    ]) {
      const d = path.join(tempDir('pubad'), 'app');
      writeFiles(d, {
        'manifest.yml': `modules:\n${body}  function:\n    - key: f\n      handler: index.f\napp:\n  runtime:\n    name: nodejs20.x\n`,
        'src/index.js': 'export const f = () => 1;\n',
      });
      const r = await kiln(k, ['register', d, '--json']);
      assert.notEqual(r.status, 0, r.stdout);
      assert.match(r.stderr, msg);
    }
  });
});
