// Events across kill -9 (docs/events.md, "The model": durable, at least once): kiln is
// killed in the middle of a burst of product writes (issues created through the REST API)
// and queue pushes (@forge/events from a webtrigger). After the restart:
//
//  - every write kiln acknowledged (201) has exactly one delivery to the subscribed
//    trigger, and it ends delivered; every event of an acknowledged push has exactly one
//    delivery to the consumer, delivered;
//  - each handler ran at least once and at most as many times as its delivery has
//    attempts: no run without an attempt on record, none after the DELIVERED write (an
//    attempt the kill cut short is the only kind that runs again).
//
// The handlers record each run in app storage before doing anything else; a webtrigger
// reads the records back.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  startKiln, sleep, cliOkJson as okJson, expectStatus,
} from './lib/kiln.mjs';
import { until, deliveries, deployApp, webtriggerPath, stateSrc, requireForge } from './lib/events.mjs';

const MANIFEST = `modules:
  trigger:
    - key: on-created
      function: created-fn
      events:
        - avi:jira:created:issue
  consumer:
    - key: work-consumer
      queue: work
      function: work-fn
  webtrigger:
    - key: push
      function: push-fn
      response:
        type: dynamic
    - key: state
      function: state-fn
      response:
        type: dynamic
  function:
    - key: created-fn
      handler: index.onCreated
    - key: work-fn
      handler: index.onWork
    - key: push-fn
      handler: index.push
    - key: state-fn
      handler: index.state
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
    - storage:app
`;

const SRC = `import { kvs, WhereConditions } from '@forge/kvs';
import { Queue } from '@forge/events';

const rec = (key) => kvs.set(key + '-' + Math.random().toString(36).slice(2, 10), 1);

export async function onCreated(event) {
  await rec('run-i' + event.issue.id);
}

export async function onWork(event) {
  await rec('run-q' + event.body.n);
}

const json = (statusCode, v) => ({ statusCode, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(v) });

// ?from=N: pushes events N .. N+9
export async function push(request) {
  const from = Number(request.queryParameters?.from?.[0]);
  const events = Array.from({ length: 10 }, (_, i) => ({ body: { n: from + i } }));
  const { jobId } = await new Queue({ key: 'work' }).push(events);
  return json(200, { jobId });
}

${stateSrc('run-', { pick: 'r.key' })}`;

describe('events across kill -9', () => {
  let k;
  after(async () => {
    await k?.close();
  });

  it('a burst of writes and pushes cut by kill -9: every acknowledged one delivered, each run an attempt on record', async () => {
    requireForge('api', 'kvs', 'events');
    const tag = randomBytes(3).toString('hex');
    k = await startKiln();
    const A = await k.siteWithToken(`dur-a-${tag}`);
    let r = await k.jira(A.cloudId, '/project', { method: 'POST', token: A.token,
      body: { key: 'DUR', name: 'Durability', projectTypeKey: 'software', leadAccountId: A.accountId } });
    expectStatus(r, 201, 'project');
    const { dir } = await deployApp(k, 'durapp', { 'manifest.yml': MANIFEST, 'src/index.js': SRC });
    await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir });
    const pushUrl = await webtriggerPath(k, dir, A, 'push');
    const stateUrl = await webtriggerPath(k, dir, A, 'state');

    // the burst: issue creations 6 at a time and pushes of 10 events, until kiln is killed
    // (once at least 16 creations and 2 pushes were acknowledged)
    const issues = new Set(); // ids of acknowledged creations
    const pushed = new Set(); // n of events of acknowledged pushes
    let killed = false;
    const creator = async (w) => {
      for (let i = w; i < 600 && !killed; i += 6) {
        const res = await k.jira(A.cloudId, '/issue', { method: 'POST', token: A.token, timeout: 20000,
          body: { fields: { project: { key: 'DUR' }, summary: `burst ${i}`, issuetype: { name: 'Task' } } } }).catch(() => null);
        if (res?.status === 201) issues.add(res.json.id);
      }
    };
    const pusher = async () => {
      for (let p = 0; p < 60 && !killed; p++) {
        const res = await k.api(`${pushUrl}?from=${p * 10}`, { timeout: 20000 }).catch(() => null);
        if (res?.status === 200) for (let i = 0; i < 10; i++) pushed.add(p * 10 + i);
      }
    };
    const burst = Promise.all([...Array.from({ length: 6 }, (_, w) => creator(w)), pusher()]);
    const t0 = Date.now();
    while ((issues.size < 16 || pushed.size < 20) && Date.now() - t0 < 60000) await sleep(20);
    killed = true;
    await k.kill9();
    await burst;
    k.expectExit({ signal: 'SIGKILL' });
    assert.ok(issues.size >= 16 && pushed.size >= 20, `acknowledged before the kill: ${issues.size} issues, ${pushed.size} events`);
    console.log(`# kill -9 after ${issues.size} acknowledged creations and ${pushed.size / 10} pushes`);
    await k.start();

    // every delivery of the site, with what it was for (its payload names the issue or n)
    const all = async () => (await deliveries(k, { site: A.name })).filter((d) => d.source === 'product' || d.source === 'queue');
    const ds = await until('every delivery delivered', all, { ms: 180000, pred: (x) => x.every((d) => d.state === 'delivered') &&
      x.filter((d) => d.source === 'product').length >= issues.size && x.filter((d) => d.source === 'queue').length >= pushed.size });
    const what = new Map(); // 'i<id>' | 'q<n>' -> its deliveries
    for (const d of ds) {
      const shown = await k.admin(`/deliveries/${d.id}`);
      expectStatus(shown, 200, 'delivery');
      const key = d.source === 'product' ? `i${shown.json.payload.issue.id}` : `q${shown.json.payload.body.n}`;
      what.set(key, [...(what.get(key) ?? []), d]);
    }
    for (const id of issues) assert.equal(what.get(`i${id}`)?.length, 1, `issue ${id}: one delivery`);
    for (const n of pushed) assert.equal(what.get(`q${n}`)?.length, 1, `event ${n}: one delivery`);
    for (const [key, rows] of what) assert.equal(rows.length, 1, `${key}: one delivery`);

    // each run is an attempt on record, and nothing ran after its delivered write
    const res = await k.api(stateUrl, { timeout: 60000 });
    expectStatus(res, 200, 'state');
    const runs = new Map();
    for (const key of res.json) {
      const m = /^run-([iq]\d+)-/.exec(key);
      runs.set(m[1], (runs.get(m[1]) ?? 0) + 1);
    }
    let again = 0;
    for (const [key, [d]] of what) {
      // an attempt the kill cut before the handler wrote its record shows no run
      const n = runs.get(key) ?? 0;
      assert.ok(n >= 1 && n <= d.attempts, `${key}: ${n} runs of ${d.attempts} attempts`);
      again += d.attempts - 1;
    }
    for (const key of runs.keys()) assert.ok(what.has(key), `${key} ran without a delivery`);
    console.log(`# kill -9: ${what.size} deliveries, ${again} attempts cut by the kill and run again`);
  });
});
