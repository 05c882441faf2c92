// The delivery engine end to end (docs/events.md, "The engine"): product events to a
// trigger whose function misbehaves on purpose, chosen by the issue's summary, through the
// real @forge/api and @forge/kvs. Each attempt records itself in app storage (with its time
// and retryContext) before it misbehaves; a webtrigger reads the records back. The
// deliveries' states come from the admin API that `kiln events` uses.
//
//  - a handler that asks again (a plain InvocationError): retried with kiln's backoff (1, 2, 4,
//    8 s), dead after 4 retries; one that throws: dead at once (Forge does not retry it),
//    each attempt in `kiln logs` and in the audit log;
//  - an InvocationError {retryAfter: 2} (the shape @forge/events' class serialises to):
//    retried after 2 s, with Forge's retryContext {retryCount, retryReason, retryData};
//  - a handler that hangs: cut at its function's timeoutSeconds and retried;
//  - fairness: installation X with a burst of slow events does not delay installation Y's
//    event (Y's latency is measured while X's backlog is still running);
//  - two sites with the app on both: an event of site A never reaches B's installation,
//    and an event carrying another site's canary is flagged by the leak scan;
//  - kill -9 of kiln during a burst of installs: after a restart every installed:app event
//    is delivered at least once, and none runs again after its delivered write.
//
// Run: make -j2 build/tests/nullfmt.so build/tests/sandbox_probe && KILN_BIN=build/kiln
//   KILN_SANDBOX_PROBE=build/tests/sandbox_probe KILN_TEST_PRELOAD=build/tests/nullfmt.so
//   node --test --test-concurrency=1 tests/e2e/events_engine.test.mjs   (about 90 s)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  startKiln, sleep, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson,
} from './lib/kiln.mjs';
import { jiraClients } from './lib/jirajs.mjs';
import { until, deliveries, siteLogs, deployApp, callWebtrigger, stateSrc, requireForge } from './lib/events.mjs';

// one trigger on created issues; its function is cut after 4 s
const manifest = (trigger) => `modules:
  trigger:
    - key: ${trigger}
      function: on-issue
      events:
        - avi:jira:created:issue
    - key: ${trigger}-installed
      function: on-installed
      events:
        - avi:forge:installed:app
  webtrigger:
    - key: state
      function: state-fn
      response:
        type: dynamic
  function:
    - key: on-issue
      handler: index.onIssue
      timeoutSeconds: 4
    - key: on-installed
      handler: index.onInstalled
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function record(kind, event, context) {
  const at = Date.now();
  await kvs.set('ev-' + String(at).padStart(15, '0') + '-' + Math.random().toString(36).slice(2, 8), {
    kind, at, eventType: event.eventType, summary: event.issue?.fields?.summary ?? null,
    issueId: event.issue?.id ?? null, id: event.id ?? null, retryContext: event.retryContext ?? null,
    installContext: context?.installContext ?? null,
  });
}

// what the issue's summary says it should do
export async function onIssue(event, context) {
  const s = event.issue?.fields?.summary ?? '';
  await record('attempt', event, context);
  if (s.startsWith('throw')) throw new Error('refusing ' + s);
  if (s.startsWith('again')) return { _retry: true }; // an InvocationError with no options
  if (s.startsWith('retry-after') && !event.retryContext)
    return { _retry: true, retryOptions: { retryAfter: 2, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED', retryData: { step: 1 } } };
  if (s.startsWith('hang') && !event.retryContext) await sleep(600000);
  if (s.startsWith('slow')) await sleep(2000);
  return 'ok';
}

// an installed:app event is recorded, then takes a while: a kill in between runs it again
export async function onInstalled(event, context) {
  await record('installed', event, context);
  await sleep(400);
}

${stateSrc('ev-', { sort: 'a.at - b.at' })}`;

const tag = randomBytes(3).toString('hex');

const makeApp = async (k, name, trigger) => (await deployApp(k, name, { 'manifest.yml': manifest(trigger), 'src/index.js': SRC })).dir;

describe('the delivery engine', () => {
  let k, A, B, cA, cB, P, Q, project, projectB;

  const received = (dir, site) => callWebtrigger(k, dir, site);

  const create = (c, proj, summary) => c.v3.issues.createIssue({ fields: { project: { key: proj.key }, summary, issuetype: { name: 'Task' } } });
  const firstProject = async (c) => (await c.v3.projects.searchProjects({ maxResults: 50 })).values[0];

  before(async () => {
    requireForge('api', 'kvs');
    k = await startKiln();
    A = await k.siteWithToken(`eng-a-${tag}`, true);
    B = await k.siteWithToken(`eng-b-${tag}`, true);
    cA = await jiraClients(k, A);
    cB = await jiraClients(k, B);
    P = await makeApp(k, 'eng-p', 'p-issue');
    Q = await makeApp(k, 'eng-q', 'q-issue');
    for (const s of [A, B]) await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: P });
    await okJson(k, ['install', '--site', B.name, '--confirm-scopes', '--json'], { cwd: Q });
    project = await firstProject(cA);
    projectB = await firstProject(cB);
  });

  after(async () => {
    await k?.close();
  });

  it('retries on request with backoff until dead; a throw is not retried; honours retryAfter; cuts a hung handler at its timeout', async () => {
    const thrown = await create(cA, project, `throw ${tag}`);
    const again = await create(cA, project, `again ${tag}`);
    const later = await create(cA, project, `retry-after ${tag}`);
    const hungWritten = Date.now();
    const hung = await create(cA, project, `hang ${tag}`);
    const attemptsOf = (recs, issue) => recs.filter((r) => r.kind === 'attempt' && r.issueId === issue.id);
    const recs = await until('five attempts of the one asking again, two of the others', () => received(P, A), { pred: (r) => attemptsOf(r, again).length >= 5 && attemptsOf(r, later).length >= 2 &&
      attemptsOf(r, hung).length >= 2 && attemptsOf(r, thrown).length >= 1, ms: 120000 });

    // a plain InvocationError: 5 attempts (4 retries), 1, 2, 4, 8 s apart, each with its retryContext
    const t = attemptsOf(recs, again);
    assert.equal(t.length, 5);
    for (let i = 1; i < 5; i++) {
      const gap = t[i].at - t[i - 1].at;
      assert.ok(gap >= 1000 * (1 << (i - 1)) - 50 && gap < 1000 * (1 << (i - 1)) + 2500, `gap ${i}: ${gap} ms`);
      assert.equal(t[i].retryContext.retryCount, i);
      assert.equal(t[i].retryContext.retryReason, 'FUNCTION_RETRY_REQUEST');
    }
    assert.equal(t[0].retryContext, null, 'no retryContext on the first attempt');
    const dead = await until('dead', () => deliveries(k, { site: A.name }), { pred: (ds) => ds.filter((d) => d.module === 'p-issue' && d.state === 'dead').length >= 2 });
    const [rowThrown, row] = dead.filter((d) => d.state === 'dead');
    assert.equal(row.attempts, 5);
    assert.match(row.lastError, /^trigger p-issue returned an InvocationError \(FUNCTION_RETRY_REQUEST\): its log is invocation [0-9a-f-]{36}$/);
    // a handler that throws failed for good (Forge retries only platform errors and requests)
    assert.equal(rowThrown.attempts, 1, JSON.stringify(rowThrown));
    assert.match(rowThrown.lastError, /^trigger p-issue threw: its log is invocation [0-9a-f-]{36}$/);
    await sleep(1500);
    assert.equal(attemptsOf(await received(P, A), again).length, 5, 'no sixth attempt');
    assert.equal(attemptsOf(await received(P, A), thrown).length, 1, 'no second attempt of the throw');

    // retryAfter: 2 s, not the 1 s backoff; retryContext carries the handler's reason and data
    const l = attemptsOf(recs, later);
    assert.equal(l.length, 2, 'delivered on its second attempt');
    const lgap = l[1].at - l[0].at;
    assert.ok(lgap >= 1950 && lgap < 4500, `retryAfter gap ${lgap} ms`);
    assert.deepEqual(l[1].retryContext, { retryCount: 1, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED', retryData: { step: 1 } });

    // hang: cut at timeoutSeconds (4 s from its submission, which follows the write), retried
    // after the backoff (1 s), then delivered. The first record is made once the worker runs
    // the handler, which on a loaded machine can be a second after the submission, so the
    // lower bound is taken from the write, the upper one from the first attempt.
    const h = attemptsOf(recs, hung);
    assert.equal(h.length, 2);
    const sinceWrite = h[1].at - hungWritten;
    assert.ok(sinceWrite >= 4950, `hung attempt retried ${sinceWrite} ms after the write: cut before its timeout`);
    const hgap = h[1].at - h[0].at;
    assert.ok(hgap < 9000, `hung attempt cut and retried ${hgap} ms after it started`);
    assert.equal(h[1].retryContext.retryReason, 'FUNCTION_TIME_OUT');
    const ds = await until('delivered', () => deliveries(k, { site: A.name }), { pred: (x) => x.filter((d) => d.module === 'p-issue' && d.state === 'delivered').length >= 2 });
    assert.ok(ds.filter((d) => d.module === 'p-issue' && d.state === 'delivered').every((d) => d.attempts === 2));

    // each failed attempt is a line of site A's logs: outcome, next time, the give-up
    const lines = await until('the give-up line', () => siteLogs(k, A.name), { pred: (ls) => ls.some((x) => x.message.includes('attempt 5 of 5 failed') && x.message.endsWith('given up')) });
    const fails = lines.filter((x) => x.module === 'p-issue' && /^product event avi:jira:created:issue: attempt \d of 5 failed/.test(x.message));
    assert.ok(fails.some((x) => /attempt 1 of 5 failed \(trigger p-issue returned an InvocationError \(FUNCTION_RETRY_REQUEST\): its log is invocation [0-9a-f-]{36}\); next attempt in 1 s, at /.test(x.message)), JSON.stringify(fails));
    assert.ok(fails.some((x) => /attempt 1 of 5 failed \(trigger p-issue threw: its log is invocation [0-9a-f-]{36}\); given up$/.test(x.message)), JSON.stringify(fails));
    assert.ok(fails.some((x) => /attempt 1 of 5 failed \(trigger p-issue timed out: /.test(x.message)), 'the timeout');
    assert.ok(fails.some((x) => /returned an InvocationError \(FUNCTION_UPSTREAM_RATE_LIMITED\).*next attempt in 2 s/.test(x.message)), 'the retryAfter');
    // and every attempt is in the audit log
    const audit = await until('audit rows of the attempts', async () => (await k.admin(`/audit?site=${A.name}&n=1000`)).json, { pred: (j) => JSON.stringify(j).split('"event.delivery"').length - 1 >= 5 + 1 + 2 + 2 });
    const rows = audit.events.filter((e) => e.kind === 'event.delivery');
    assert.ok(rows.length >= 10, JSON.stringify(audit).slice(0, 2000));
    assert.ok(rows.some((e) => e.category === 'dead') && rows.some((e) => e.category === 'delivered') && rows.some((e) => e.category === 'retry'));
    // and counted in /metrics: the app's dead and retried attempts, the latency histograms
    const app = row.appId.split('/').pop();
    const metrics = (await k.api('/metrics')).body.toString();
    const count = (outcome) => Number(new RegExp(`^kiln_delivery_attempts_total\\{app="${app}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    assert.equal(count('dead'), 2, metrics);
    assert.ok(count('retried') >= 4 + 1 + 1, 'four of the one asking again, one each of the others');
    assert.ok(count('delivered') >= 2 + 1, 'the two retried ones and the installed:app event');
    assert.match(metrics, new RegExp(`^kiln_deliveries\\{app="${app}",state="pending"\\} \\d+$`, 'm'));
    assert.match(metrics, /^kiln_delivery_done_latency_seconds_count [1-9]\d*$/m);
    assert.match(metrics, /^kiln_delivery_start_latency_seconds_bucket\{le="\+Inf"\} [1-9]\d*$/m);
  });

  it('an installation with a slow backlog does not delay another installation\'s event', async () => {
    // warm Q's worker first: its first invocation starts a worker
    const warm = await create(cB, projectB, `warm ${tag}`);
    await until('the warm-up event', () => received(Q, B), { pred: (r) => r.some((x) => x.issueId === warm.id) });
    const t0 = Date.now();
    for (let i = 0; i < 16; i++) await create(cA, project, `slow ${i} ${tag}`);
    const fast = await create(cB, projectB, `fast ${tag}`);
    await until('Y\'s event', () => received(Q, B), { pred: (r) => r.some((x) => x.issueId === fast.id), ms: 60000 });
    const ys = await until('Y\'s delivered', () => deliveries(k, { site: B.name }), { pred: (x) => x.filter((d) => d.module === 'q-issue' && d.state === 'delivered').length === 2 });
    const y = ys.filter((d) => d.module === 'q-issue').pop();
    const latency = y.updatedMs - y.createdMs;
    // X's backlog: 16 events of 2 s, 4 at a time: still running when Y's was done
    const burstOf = (x) => x.filter((d) => d.module === 'p-issue' && d.createdMs >= t0);
    const xs = await until('X\'s backlog', () => deliveries(k, { site: A.name }), { pred: (x) => burstOf(x).length === 16 && burstOf(x).every((d) => d.state === 'delivered'), ms: 90000 });
    const xlast = Math.max(...burstOf(xs).map((d) => d.updatedMs));
    console.log(`# fairness: Y's event delivered ${latency} ms after it was created; X's backlog ended ${xlast - y.updatedMs} ms after that`);
    assert.ok(latency < 1500, `Y waited ${latency} ms`);
    assert.ok(xlast > y.updatedMs + 2000, 'X still had work when Y was done');
  });

  it('a burst of 100 events on one installation: each delivered once (throughput measured)', async () => {
    const t0 = Date.now();
    const made = await Promise.all(Array.from({ length: 100 }, (_, i) => create(cB, projectB, `burst ${i} ${tag}`)));
    const t1 = Date.now();
    const ids = new Set(made.map((m) => m.id));
    const recs = await until('the burst', () => received(Q, B), { pred: (r) => r.filter((x) => ids.has(x.issueId)).length >= 100, ms: 120000 });
    const t2 = Date.now();
    const mine = recs.filter((x) => ids.has(x.issueId));
    assert.equal(mine.length, 100, 'no event twice');
    assert.equal(new Set(mine.map((x) => x.issueId)).size, 100, 'every event once');
    // a handler's end is recorded by the engine's next pass, after the handler wrote its record: polled
    const burst = async () => (await deliveries(k, { site: B.name })).filter((d) => d.module === 'q-issue' && d.createdMs >= t0);
    const ds = await until('the burst recorded delivered', burst, { pred: (l) => l.length >= 100 && l.every((d) => d.state === 'delivered'), ms: 30000 });
    assert.equal(ds.length, 100);
    assert.ok(ds.every((d) => d.state === 'delivered' && d.attempts === 1));
    const lat = ds.map((d) => d.updatedMs - d.createdMs).sort((a, b) => a - b);
    console.log(`# burst: 100 issues written in ${t1 - t0} ms, all handled ${t2 - t0} ms after the first write; ` +
      `created -> delivered p50 ${lat[49]} ms, p99 ${lat[98]} ms, max ${lat[99]} ms`);
  });

  it('site A\'s events never reach site B\'s installation; another site\'s canary in an event is flagged', async () => {
    const onA = await create(cA, project, `only-a ${tag} ${B.canary}`);
    const recsA = await until('A\'s event on A', () => received(P, A), { pred: (r) => r.some((x) => x.issueId === onA.id) });
    assert.equal(recsA.find((x) => x.issueId === onA.id).installContext, `ari:cloud:jira::site/${A.cloudId}`);
    await sleep(1000); // the engine had every chance to misdeliver
    const recsB = await received(P, B);
    assert.ok(recsB.length > 0, 'B\'s installation got B\'s events');
    assert.ok(recsB.every((x) => x.installContext === `ari:cloud:jira::site/${B.cloudId}`), 'only its own site\'s');
    assert.ok(!recsB.some((x) => x.issueId === onA.id || (x.summary ?? '').includes('only-a')), 'not A\'s');
    const bRows = await deliveries(k, { site: B.name });
    assert.ok(bRows.every((d) => d.site === B.name));
    const lines = await until('the leak warning', () => siteLogs(k, A.name), { pred: (ls) => ls.some((x) => x.message.includes('CROSS_TENANT_LEAK_SUSPECTED') && x.message.includes('event.payload to trigger p-issue')) });
    assert.ok(lines.some((x) => x.message.includes(`data of site ${B.name} left this invocation of site ${A.name}`)), 'names both sites');
  });
});

describe('the delivery engine across kill -9', () => {
  let k, L;
  after(async () => {
    await k?.close();
  });

  it('every installed:app event of a burst of installs is delivered at least once, none again after its delivered write', async () => {
    k = await startKiln();
    L = await makeApp(k, 'eng-l', 'l-issue');
    const sites = [];
    for (let i = 0; i < 16; i++) sites.push(await k.createSite(`eng-k${i}-${tag}`));
    // the burst: installs at once; kiln is killed while they and their events are under way
    const installs = sites.map((s) => kiln(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: L }));
    await Promise.race([Promise.any(installs), sleep(3000)]);
    await k.kill9();
    await Promise.allSettled(installs);
    k.expectExit({ signal: 'SIGKILL' });
    await k.start();
    const recovered = k.stderrLines.find((l) => l.includes('attempts interrupted by the last stop are due again'));
    console.log(`# kill -9: ${recovered ?? 'no attempt was under way at the kill'}`);
    const installedOn = [];
    for (const s of sites) if ((await deliveries(k, { site: s.name })).some((d) => d.module === 'l-issue-installed')) installedOn.push(s);
    // what kiln died before installing is installed now
    for (const s of sites) if (!installedOn.includes(s)) {
      await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: L });
      installedOn.push(s);
    }
    const all = async () => (await Promise.all(sites.map((s) => deliveries(k, { site: s.name })))).flat().filter((d) => d.module === 'l-issue-installed');
    await until('every installed:app delivered', all, { pred: (ds) => ds.length === sites.length && ds.every((d) => d.state === 'delivered'), ms: 120000 });
    const runs = async () => Promise.all(sites.map(async (s) => (await callWebtrigger(k, L, s)).filter((x) => x.kind === 'installed').length));
    const before = await runs();
    console.log(`# kill -9: handler runs per installation ${JSON.stringify(before)}`);
    assert.ok(before.every((n) => n >= 1), 'at least once');
    assert.ok(before.every((n) => n <= 2), 'again only if kiln died during that attempt');
    // delivered is final: another kill and start run none of them again
    await k.kill9();
    k.expectExit({ signal: 'SIGKILL' });
    await k.start();
    await sleep(1500); // several passes of the engine (200 ms each)
    assert.deepEqual(await runs(), before, 'no delivered event ran again');
    assert.ok((await all()).every((d) => d.state === 'delivered'));
  });
});
