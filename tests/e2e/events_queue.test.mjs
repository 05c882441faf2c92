// Async events (docs/events.md, "Async events (queues)"): the fixture app
// tests/fixtures/apps/queue-worker pushes with the real @forge/events of every major
// (0.8.34, 1.0.3, 2.1.4, 3.x: the root package.json's npm aliases) from a webtrigger, and
// its consumers record in app storage what they received. Checked: Forge's payload per
// major, a delay is never run early, a concurrency key with limit 1 never runs two at
// once, getStats and cancel, kiln's refusals as the library throws them (413, too many
// events, a bad delay, a partial push, the rate limit, the cyclic invocation limit through
// a consumer), an InvocationError's retry after its retryAfter with retryContext, 0.x's
// QueueResponse.retry(), a consumer on a remote endpoint (a loopback server), and the
// tenants: the same app on two sites, where a job id of site A is unknown to site B and
// no push of one lands in the other's queue.
//
// Run: node --test tests/e2e/events_queue.test.mjs   (about a minute)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, tempDir, expectStatus, UUID_RE, cliOkJson as okJson,
} from './lib/kiln.mjs';
import { NODE_MODULES, until, deployApp, callWebtrigger, stateSrc, requireForge } from './lib/events.mjs';

const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'apps', 'queue-worker');
const RATE = 1200; // --queue-rate: above what the other tests push, and the rate test's own budget

// another app: its trigger listens to the queue app's two app events and records them
const LISTENER = (publisher) => `modules:
  trigger:
    - key: listen
      function: rec
      events:
        - avi:cloud:ecosystem::event/${publisher}/done
        - avi:cloud:ecosystem::event/${publisher}/private
  webtrigger:
    - key: state
      function: state-fn
      response:
        type: dynamic
  function:
    - key: rec
      handler: index.rec
    - key: state-fn
      handler: index.state
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - storage:app
`;
const LISTENER_SRC = `import { kvs, WhereConditions } from '@forge/kvs';
export async function rec(event) {
  await kvs.set('heard-' + event.eventId, event);
}
${stateSrc('heard-')}`;

describe('async events (@forge/events 0.x to 3.x)', () => {
  let k, dir;
  const S = {}; // name -> {name, path}
  let A, B, C, D;
  let appId; // the queue app's

  async function ctl(site, cmd, timeout = 120000) {
    const r = await k.api(site.path, { method: 'POST', body: JSON.stringify(cmd), headers: { 'content-type': 'application/json' }, timeout });
    expectStatus(r, 200, `${cmd.action} on ${site.name}`);
    return r.json;
  }
  const list = async (site, prefix) => (await ctl(site, { action: 'list', prefix })).items;
  const hits = []; // what the remote consumer's endpoint received
  let server;

  before(async () => {
    server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        hits.push({ path: req.url, method: req.method, auth: req.headers.authorization ?? '', body: Buffer.concat(chunks).toString() });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    requireForge('events-0', 'events-1', 'events-2', 'events');
    k = await startKiln({ extraArgs: ['--queue-rate', String(RATE)] });
    const tag = randomBytes(3).toString('hex');
    dir = path.join(tempDir('queue'), 'queue-worker');
    cpSync(FIXTURE, dir, { recursive: true });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    const mf = path.join(dir, 'manifest.yml');
    appId = /ari:cloud:ecosystem::app\/([0-9a-f-]{36})/.exec(readFileSync(mf, 'utf8'))[1];
    writeFileSync(mf, readFileSync(mf, 'utf8').replaceAll('APP_UUID', appId)
      .replace('http://127.0.0.1:9/base', `http://127.0.0.1:${server.address().port}/base`));
    await okJson(k, ['deploy', dir, '--json']);
    for (const x of ['a', 'b', 'c', 'd']) {
      const site = await k.createSite(`q-${x}-${tag}`);
      await okJson(k, ['install', '--site', site.name, '--confirm-scopes', '--json'], { cwd: dir });
      const url = (await okJson(k, ['webtrigger', 'ctl', '--site', site.name, '--json'], { cwd: dir })).url;
      S[x] = { name: site.name, path: new URL(url).pathname };
    }
    ({ a: A, b: B, c: C, d: D } = S);
  });

  after(async () => {
    await k?.close();
    await new Promise((r) => (server ? server.close(r) : r()));
  });

  for (const major of [0, 1, 2, 3]) {
    it(`${major}.x: pushed events reach the consumer with Forge's payload; getStats counts them`, async () => {
      const queue = `work-${major}`;
      const bodies = [{ n: 1, major, s: 'x'.repeat(10) }, { n: 2, major, nested: { ok: true } }];
      const cmd = major < 2 ? { payloads: bodies } : { events: bodies.map((body) => ({ body })) };
      const r = await ctl(A, { action: 'push', major, queue, ...cmd });
      assert.ok(!r.error, JSON.stringify(r));
      const jobId = major < 2 ? r.jobId.split('#')[1] : r.jobId;
      if (major < 2) assert.equal(r.jobId.split('#')[0], queue, '0.x/1.x answer queue#job');
      assert.match(jobId, UUID_RE);
      const mine = (items) => items.filter((s) => (s.via === 'resolver' ? s.jobId : s.event.jobId) === jobId);
      const seen = await until(`${major}.x events consumed`, async () => {
        const s = mine(await list(A, 'seen:'));
        return s.length === 2 ? s : null;
      });
      if (major < 2) {
        for (const s of seen) assert.equal(s.via, 'resolver');
        assert.deepEqual(seen.map((s) => s.payload).sort((x, y) => x.n - y.n), bodies, 'the resolver gets the payload as pushed');
        for (const s of seen) assert.equal(s.retryContext, null);
      } else {
        const evs = seen.map((s) => s.event).sort((x, y) => x.body.n - y.body.n);
        evs.forEach((e, i) => {
          assert.deepEqual(e.body, bodies[i]);
          assert.equal(e.queueName, queue);
          assert.equal(e.jobId, jobId);
          assert.match(e.eventId, UUID_RE);
          assert.equal(e._kiln, undefined, "kiln's own member is not the handler's");
          assert.equal(e.retryContext, undefined, 'no retryContext on a first attempt');
          assert.deepEqual(Object.keys(e).sort(), ['body', 'eventId', 'jobId', 'queueName']);
        });
        assert.notEqual(evs[0].eventId, evs[1].eventId);
      }
      const st = await until('stats settled', async () => {
        const s = await ctl(A, { action: 'stats', major, queue, jobId: r.jobId });
        assert.ok(!s.error, JSON.stringify(s));
        return s.stats.success === 2 ? s.stats : null;
      });
      assert.deepEqual(st, { success: 2, inProgress: 0, failed: 0 });
      // none of it on site B
      assert.equal(mine(await list(B, 'seen:')).length, 0, "A's events never reach B's installation");
    });
  }

  it('concurrent pushes of two sites: every event consumed, each on its own site', async () => {
    const tag = `c${Date.now()}`;
    const pushes = [];
    for (const site of [A, B]) {
      for (let p = 0; p < 5; p++) {
        const events = Array.from({ length: 10 }, (_, i) => ({ body: { tag, site: site.name, i: p * 10 + i } }));
        pushes.push(ctl(site, { action: 'push', major: 3, queue: 'work-3', events }));
      }
    }
    for (const r of await Promise.all(pushes)) assert.ok(!r.error, JSON.stringify(r));
    for (const site of [A, B]) {
      const got = await until(`50 events on ${site.name}`, async () => {
        const l = (await list(site, 'seen:')).filter((s) => s.via === 'function' && s.event.body.tag === tag);
        return l.length >= 50 ? l : null;
      });
      assert.equal(got.length, 50, 'the 50 events (recorded by event id)');
      assert.ok(got.every((s) => s.event.body.site === site.name), `only ${site.name}'s events on ${site.name}`);
      assert.deepEqual(got.map((s) => s.event.body.i).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
    }
  });

  it("a consumer on a remote endpoint gets the AsyncEvent POSTed with kiln's invocation token", async () => {
    const r = await ctl(B, { action: 'push', major: 3, queue: 'remote-q', events: [{ body: { to: 'remote', site: B.name } }] });
    assert.ok(!r.error, JSON.stringify(r));
    const hit = await until('the remote call', async () => hits.find((h) => h.body.includes(r.jobId)));
    assert.equal(hit.method, 'POST');
    assert.equal(hit.path, '/base/q');
    assert.match(hit.auth, /^Bearer \S+/, 'the invocation token (FIT)');
    const ev = JSON.parse(hit.body);
    assert.deepEqual(ev.body, { to: 'remote', site: B.name });
    assert.equal(ev.queueName, 'remote-q');
    assert.equal(ev.jobId, r.jobId);
    assert.match(ev.eventId, UUID_RE);
    assert.equal(ev._kiln, undefined);
    const st = await until('delivered', async () => {
      const s = (await ctl(B, { action: 'stats', major: 3, queue: 'remote-q', jobId: r.jobId })).stats;
      return s.success === 1 ? s : null;
    });
    assert.deepEqual(st, { success: 1, inProgress: 0, failed: 0 });
  });

  it('a 2 s delay is not run before 2 s (0.x push settings and 3.x per event)', async () => {
    for (const [major, cmd] of [[3, { events: [{ body: { d: 1 }, delayInSeconds: 2 }] }], [0, { payloads: [{ d: 0 }], delay: 2 }]]) {
      const queue = `work-${major}`;
      const r = await ctl(A, { action: 'push', major, queue, ...cmd });
      assert.ok(!r.error, JSON.stringify(r));
      const jobId = major < 2 ? r.jobId.split('#')[1] : r.jobId;
      const s = await until('the delayed event', async () =>
        (await list(A, 'seen:')).find((x) => (x.via === 'resolver' ? x.jobId : x.event.jobId) === jobId));
      assert.ok(s.at - r.t0 >= 2000, `${major}.x ran ${s.at - r.t0} ms after the push`);
      if (major === 3) assert.equal(s.event.delayInSeconds, 2);
    }
  });

  it('a concurrency key with limit 1: never two of its events at once', async () => {
    const events = Array.from({ length: 5 }, (_, n) => ({ body: { n, holdMs: 300 }, concurrency: { key: 'one-at-a-time', limit: 1 } }));
    const r = await ctl(A, { action: 'push', major: 3, queue: 'serial', events });
    assert.ok(!r.error, JSON.stringify(r));
    const runs = await until('5 serial runs', async () => {
      const l = await list(A, 'serial:');
      return l.length === 5 ? l : null;
    });
    runs.sort((x, y) => x.start - y.start);
    for (let i = 1; i < runs.length; i++) {
      assert.ok(runs[i].start >= runs[i - 1].end, `run ${runs[i].n} started at ${runs[i].start}, before run ${runs[i - 1].n} ended at ${runs[i - 1].end}`);
    }
  });

  it('getStats while pending, cancel, and a job of another site, or asked through another queue, is unknown (404)', async () => {
    const events = [1, 2, 3].map((n) => ({ body: { n }, delayInSeconds: 600 }));
    const r = await ctl(A, { action: 'push', major: 3, queue: 'work-3', events });
    assert.ok(!r.error, JSON.stringify(r));
    const before = await ctl(A, { action: 'stats', major: 3, queue: 'work-3', jobId: r.jobId });
    assert.deepEqual(before.stats, { success: 0, inProgress: 3, failed: 0 });
    // site B, same app: A's job id is nobody's there
    for (const action of ['stats', 'cancel']) {
      const x = await ctl(B, { action, major: 3, queue: 'work-3', jobId: r.jobId });
      assert.equal(x.error?.name, 'JobDoesNotExistError', JSON.stringify(x));
      assert.equal(x.error.message, `The job ${r.jobId} was not found for the queue work-3.`);
    }
    // the same installation asking through another of its queues: the job is not that queue's
    for (const action of ['stats', 'cancel']) {
      const x = await ctl(A, { action, major: 3, queue: 'serial', jobId: r.jobId });
      assert.equal(x.error?.name, 'JobDoesNotExistError', JSON.stringify(x));
      assert.equal(x.error.message, `The job ${r.jobId} was not found for the queue serial.`);
    }
    const still = await ctl(A, { action: 'stats', major: 3, queue: 'work-3', jobId: r.jobId });
    assert.deepEqual(still.stats, { success: 0, inProgress: 3, failed: 0 }, "B's cancel, and one through another queue, did nothing to A's job");
    assert.deepEqual(await ctl(A, { action: 'cancel', major: 3, queue: 'work-3', jobId: r.jobId }), { cancelled: true });
    const after = await ctl(A, { action: 'stats', major: 3, queue: 'work-3', jobId: r.jobId });
    assert.deepEqual(after.stats, { success: 0, inProgress: 0, failed: 3 });
    const unknown = await ctl(A, { action: 'stats', major: 3, queue: 'work-3', jobId: '00000000-0000-4000-8000-000000000000' });
    assert.equal(unknown.error?.name, 'JobDoesNotExistError');
    // 1.x's JobProgress over the same endpoints
    const old = await ctl(B, { action: 'stats', major: 1, queue: 'work-1', jobId: `work-1#${r.jobId}` });
    assert.equal(old.error?.name, 'JobDoesNotExistError', JSON.stringify(old));
  });

  it("kiln's refusals, raw and as the real library throws them", async () => {
    const req = (payload, extra = {}) => ({ queueName: 'work-3', jobId: '6c1b6a0e-3d0a-4f57-9a53-0d2b1c4e5f60', type: 'avi:forge:app:event', schema: 'ari:cloud:ecosystem::forge/app-event-2', payload, time: new Date().toISOString(), ...extra });
    const cases = [
      [req(Array.from({ length: 51 }, () => ({ body: {} }))), 400, /more than the 50 events/],
      [req([{ body: { s: 'x'.repeat(210 * 1024) } }]), 413, /^The maximum payload size is 200KB\.$/],
      [req([]), 400, /^No events pushed\.$/],
      [req([{ body: {} }], { queueName: 'no-such-queue' }), 400, /No consumer of queue no-such-queue/],
      [req([{ body: {} }], { queueName: 'bad name!' }), 400, /Queue names can only contain/],
      [req([{ body: {} }], { jobId: '' }), 400, /jobId/],
      ['not an object', 400, /JSON object/],
    ];
    for (const [request, status, re] of cases) {
      const r = await ctl(C, { action: 'raw', request });
      assert.equal(r.status, status, JSON.stringify(r).slice(0, 300));
      const msg = r.json?.errorMessage ?? r.json?.message;
      assert.match(msg, re);
    }
    // one bad event among good ones: 202 with its index; the good ones are a job
    const partial = await ctl(C, { action: 'raw', request: req([{ body: { ok: 1 } }, { body: [] }, { body: { ok: 2 }, delayInSeconds: 901 }, { body: { ok: 3 }, concurrency: { key: 'k', limit: 0 } }]) });
    assert.equal(partial.status, 202, JSON.stringify(partial));
    assert.deepEqual(partial.json.failedEvents, [
      { index: 1, errorMessage: 'Event body must be an object.' },
      { index: 2, errorMessage: 'The delayInSeconds setting must be between 0 and 900.' },
      { index: 3, errorMessage: 'The concurrency limit must be a whole number from 1 to 50.' },
    ]);
    // the library: what it checks itself, and kiln's partial answer as PartialSuccessError
    const tooMany = await ctl(C, { action: 'push', major: 3, queue: 'work-3', events: Array.from({ length: 51 }, () => ({ body: {} })) });
    assert.equal(tooMany.error?.name, 'TooManyEventsError');
    const big = await ctl(C, { action: 'push', major: 2, queue: 'work-2', events: [{ body: { s: 'x'.repeat(201 * 1024) } }] });
    assert.equal(big.error?.name, 'PayloadTooBigError');
    const delay = await ctl(C, { action: 'push', major: 1, queue: 'work-1', payloads: [{ a: 1 }], delay: 901 });
    assert.equal(delay.error?.name, 'InvalidPushSettingsError');
    const part = await ctl(C, { action: 'push', major: 3, queue: 'work-3', events: [{ body: { a: 1 } }, { body: { a: 2 }, concurrency: { key: 'k', limit: 99 } }] });
    assert.equal(part.error?.name, 'PartialSuccessError', JSON.stringify(part));
    assert.equal(part.error.failedEvents.length, 1);
    assert.equal(part.error.failedEvents[0].errorMessage, 'The concurrency limit must be a whole number from 1 to 50.');
  });

  it('an InvocationError is retried after its retryAfter, with retryContext', async () => {
    const r = await ctl(A, { action: 'push', major: 3, queue: 'flaky', events: [{ body: { retryAfter: 2, major: 3 } }] });
    assert.ok(!r.error, JSON.stringify(r));
    const both = await until('the retry', async () => {
      const l = (await list(A, 'flaky:')).filter((x) => x.event.jobId === r.jobId);
      return l.length === 2 ? l : null;
    }, { ms: 90000 });
    both.sort((x, y) => x.at - y.at);
    const [first, second] = both;
    assert.equal(first.event.retryContext, undefined);
    assert.deepEqual(second.event.retryContext, { retryCount: 1, retryReason: 'FUNCTION_RETRY_REQUEST', retryData: { first: first.event.eventId } });
    assert.equal(second.event.eventId, first.event.eventId, 'the same event again');
    assert.ok(second.at - first.at >= 2000, `retried ${second.at - first.at} ms later`);
    const st = await until('delivered', async () => {
      const s = (await ctl(A, { action: 'stats', major: 3, queue: 'flaky', jobId: r.jobId })).stats;
      return s.success === 1 ? s : null;
    });
    assert.deepEqual(st, { success: 1, inProgress: 0, failed: 0 });
  });

  it("0.x: a resolver consumer's QueueResponse.retry() runs the event again, retryContext in its payload and context", async () => {
    const tag = `r${Date.now()}`;
    const r = await ctl(A, { action: 'push', major: 0, queue: 'work-0', payloads: [{ retryOnce: true, tag }] });
    assert.ok(!r.error, JSON.stringify(r));
    const both = await until('the retry', async () => {
      const l = (await list(A, 'seen:')).filter((s) => s.via === 'resolver' && s.payload.tag === tag);
      return l.length === 2 ? l : null;
    });
    both.sort((x, y) => x.at - y.at);
    assert.equal(both[0].retryContext, null);
    assert.equal(both[0].payload.retryContext, undefined);
    const rc = { retryCount: 1, retryReason: 'FUNCTION_RETRY_REQUEST', retryData: null };
    assert.deepEqual(both[1].retryContext, rc);
    assert.deepEqual(both[1].payload.retryContext, rc, '1.x added retryContext to the payload');
  });

  it('the cyclic invocation limit counts the pushes of a chain, through its consumers and across a kill -9', async () => {
    // 998 push requests from one invocation and one to the relay: 999 in the chain; the
    // relay's consumer runs in the same chain: its first push is the 1000th, its second refused
    const r = await ctl(D, { action: 'chain', count: 998, relay: true, relayDelay: 5, tag: 't1' }, 300000);
    assert.deepEqual(r, { done: 998, refused: null });
    // kiln dies before the relay's event is due (5 s): the relay runs in the next process,
    // whose count goes on from 999 (the counts are kept by the store, not in memory)
    assert.deepEqual(await list(D, 'relay:t1'), [], 'the relay has not run before the kill');
    await k.kill9();
    k.expectExit({ signal: 'SIGKILL' });
    await k.start();
    const rel = await until('the relay ran', async () => (await list(D, 'relay:t1'))[0]);
    assert.deepEqual(rel.out, ['ok', 'InvocationLimitReachedError: The limit on cyclic invocation has been reached.']);
    // another first invocation starts its own chain
    const again = await ctl(D, { action: 'chain', count: 3, relay: false });
    assert.deepEqual(again, { done: 3, refused: null });
  });

  it("appEvents.publish: its own and other apps' triggers on the same site run, as allowedRecipients admits; never another site's; an undeclared key fails", async () => {
    // another app, installed on A and B, subscribed to both of the queue app's events
    const { dir: ldir } = await deployApp(k, 'listener', { 'manifest.yml': LISTENER(appId), 'src/index.js': LISTENER_SRC });
    const heard = {};
    for (const s of [A, B]) {
      await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: ldir });
      heard[s.name] = () => callWebtrigger(k, ldir, s);
    }

    const r = await ctl(A, { action: 'publish', events: [{ key: 'done' }, { key: 'private' }, { key: 'nope' }] });
    assert.equal(r.result.type, 'success', JSON.stringify(r));
    assert.deepEqual(r.result.failedEvents, [{ event: { key: 'nope' }, errorMessage: 'No event module with this key in the installed version.' }]);
    const own = await until('its own trigger ran for both', async () => {
      const l = await list(A, 'app:');
      return l.length === 2 ? l : null;
    });
    assert.deepEqual(own.map((x) => x.event.eventType).sort(), [`avi:cloud:ecosystem::event/${appId}/done`, `avi:cloud:ecosystem::event/${appId}/private`]);
    assert.deepEqual(own.map((x) => x.event.key).sort(), ['done', 'private']);
    // the other app on A: `done` (allowedRecipients *), not `private` (it is not listed)
    const other = await until('the other app on A heard done', async () => {
      const l = await heard[A.name]();
      return l.length ? l : null;
    });
    assert.deepEqual(other.map((e) => e.eventType), [`avi:cloud:ecosystem::event/${appId}/done`]);
    assert.equal(other[0].key, 'done');
    assert.match(other[0].eventId, UUID_RE);
    const bad = await ctl(A, { action: 'publish', events: [] });
    assert.equal(bad.result.type, 'error');
    assert.equal(bad.result.errorType, 'VALIDATION_ERROR');
    // B has both apps installed: nothing A published reaches either there
    assert.deepEqual(await list(B, 'app:'), [], "A's app event never reaches the publisher's installation on B");
    assert.deepEqual(await heard[B.name](), [], "nor another app's installation on B");
    // the deliveries of one publish are written in one transaction: what is not there now never comes
    const sql = (q) => Number(k.sql(q));
    assert.equal(sql(`SELECT count(*) FROM deliveries WHERE event_type LIKE 'avi:cloud:ecosystem::event/%' AND site_id != (SELECT id FROM sites WHERE name = '${A.name}')`), 0,
      'no app event delivery row on any other site');
    assert.equal(sql(`SELECT count(*) FROM deliveries WHERE module_key = 'listen' AND event_type LIKE '%/private'`), 0, 'private never owed to the other app');
    assert.equal(sql(`SELECT count(*) FROM deliveries WHERE module_key = 'listen'`), 1, 'done owed to the other app once, on A');
  });

  it('the rate limit per installation: RateLimitError from the library, other installations unaffected', async () => {
    // site C pushed a few events above; fill its minute with pushes of 50
    let refused = null;
    let pushed = 0;
    for (let i = 0; i < (2 * RATE) / 50 + 2 && !refused; i++) { // (a minute's window may turn meanwhile)
      const r = await ctl(C, { action: 'push', major: 3, queue: 'sink', events: Array.from({ length: 50 }, (_, n) => ({ body: { n }, delayInSeconds: 900 })) });
      if (r.error) refused = r.error;
      else pushed += 50;
    }
    assert.equal(refused?.name, 'RateLimitError', JSON.stringify(refused));
    assert.equal(refused.message, 'Too many requests.');
    assert.ok(pushed >= RATE - 100, `pushed ${pushed} before the limit`);
    const other = await ctl(B, { action: 'push', major: 3, queue: 'sink', events: [{ body: {}, delayInSeconds: 900 }] });
    assert.ok(!other.error, `B has its own budget: ${JSON.stringify(other)}`);
  });
});
