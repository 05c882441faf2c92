// A platform fault of the delivery engine (platform/deliver_fault.c, docs/events.md "When
// the store is away"), end to end on PostgreSQL: kiln serves from a private cluster; an
// app's trigger on issue creation runs, and while it runs the test stops the cluster (every
// session of kiln's cut). The handler's app storage call then fails (the store's 503), and
// it throws — which, were it the app's own failure, would be dead at once (a thrown error
// is not retried). Because the store was away during the attempt, the engine takes it as
// the platform's fault: once the cluster is back, the delivery runs again, not counted
// against the app's retries, and is delivered; the row counts both runs, the handler saw
// both, and /metrics counts one kiln_delivery_attempts_total{outcome="platform_fault"}.
// This file starts its own cluster whatever STORE says (Makefile E2E_PG_SKIP).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kiln, expectStatus, describeRes, cliOkJson, sleep } from './lib/kiln.mjs';
import { startPg } from './lib/pg.mjs';
import { deployApp, webtriggerPath, requireForge, until } from './lib/events.mjs';

const MANIFEST = `modules:
  trigger:
    - key: on-created
      function: created-fn
      events:
        - avi:jira:created:issue
  webtrigger:
    - { key: runs, function: runs-fn, response: { type: dynamic } }
  function:
    - key: created-fn
      handler: index.onCreated
    - key: runs-fn
      handler: index.runs
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
    - storage:app
`;
// Each run counts itself in app storage (and logs its retryContext). The first run then
// reads app storage every 50 ms until a read fails (the test stops the cluster meanwhile)
// and throws; a later run returns: delivered.
const SRC = `import { kvs } from '@forge/kvs';
export async function onCreated(event) {
  const runs = ((await kvs.get('runs')) ?? 0) + 1;
  await kvs.set('runs', runs);
  console.log(\`run \${runs} retryCount \${event.retryContext?.retryCount ?? 'none'}\`);
  if (runs > 1) return;
  for (const end = Date.now() + 40000; Date.now() < end;) {
    try {
      await kvs.get('probe');
    } catch (e) {
      throw new Error(\`app storage failed: \${e.message}\`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the store never went away');
}
export async function runs() {
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify({ runs: (await kvs.get('runs')) ?? 0 }) };
}
`;

/** kiln_delivery_attempts_total{app, outcome} (0 when absent). */
async function attempts(k, appId, outcome) {
  const r = await k.api('/metrics');
  expectStatus(r, 200, '/metrics');
  const m = new RegExp(`^kiln_delivery_attempts_total\\{app="${appId}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(r.text);
  return m ? Number(m[1]) : 0;
}

/** The app's deliveries on site A, or null while the admin API answers otherwise (the store away). */
async function mine(k, site) {
  const r = await k.admin(`/deliveries?site=${site}&limit=100`, { allowError: true });
  return r.status === 200 ? r.json.deliveries.filter((d) => d.module === 'on-created') : null;
}

test('an attempt that failed because the store went away is retried after the outage, not counted against the app', async () => {
  requireForge('kvs', 'api');
  const pg = await startPg();
  let k;
  try {
    await pg.psql('CREATE DATABASE kiln_fault');
    k = new Kiln({ threads: 2, store: 'postgres' });
    k.storeUrl = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln_fault?');
    await k.start();
    const A = await k.siteWithToken('fault-a');
    expectStatus(await k.jira(A.cloudId, '/project', { method: 'POST', token: A.token,
      body: { key: 'FLT', name: 'Fault', projectTypeKey: 'software', leadAccountId: A.accountId } }), 201, 'project');
    const { dir, id: appId } = await deployApp(k, 'faultapp', { 'manifest.yml': MANIFEST, 'src/index.js': SRC });
    await cliOkJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir });
    const hook = await webtriggerPath(k, dir, A, 'runs');
    const faults0 = await attempts(k, appId, 'platform_fault');

    expectStatus(await k.jira(A.cloudId, '/issue', { method: 'POST', token: A.token,
      body: { fields: { project: { key: 'FLT' }, summary: 'under fire', issuetype: { name: 'Task' } } } }), 201, 'issue');
    await until('the trigger runs', () => mine(k, A.name), { pred: (ds) => ds?.[0]?.state === 'running', ms: 60000 });
    await until('the first run counted itself', async () => (await k.api(hook)).json?.runs, { pred: (n) => n === 1, ms: 30000 });

    await pg.pause(); // every session of kiln's ended, the database gone
    await sleep(3000); // the handler's next read meets the store away and it throws
    await pg.resume();

    const ds = await until('delivered after the outage', () => mine(k, A.name),
      { pred: (d) => d?.length === 1 && ['delivered', 'dead'].includes(d[0].state), ms: 90000 });
    const d = ds[0];
    assert.equal(d.state, 'delivered', `the delivery is retried, not dead (a thrown error of the app's own is dead at once)\n${JSON.stringify(d)}`);
    assert.equal(d.attempts, 2, `the row counts both runs\n${JSON.stringify(d)}`);
    const runs = await k.api(hook);
    expectStatus(runs, 200, 'the runs web trigger');
    assert.equal(runs.json.runs, 2, `the handler ran twice: once under the outage, once after\n${describeRes(runs)}`);
    assert.equal(await attempts(k, appId, 'platform_fault'), faults0 + 1, 'one attempt counted a platform fault');
    assert.equal(await attempts(k, appId, 'dead'), 0, 'no attempt counted dead');
    assert.equal(await attempts(k, appId, 'delivered'), 1, 'delivered once');
  } finally {
    if (k) await k.close();
    await pg.stop();
  }
});
