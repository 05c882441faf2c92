// Scheduled triggers (docs/events.md "Scheduled triggers"): an app with a fiveMinute, an
// hour and a day trigger installed on two sites, kiln started with --test-clock so that
// the scheduler's clock is moved through the admin API instead of waited for. Each run
// is logged by the handler (console.log: the payload it got and the site it reached
// through requestJira serverInfo), so `kiln logs --site S` shows what ran where.
//
// Run: node --test tests/e2e/events_schedule.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import * as jose from 'jose';
import {
  startKiln, sleep, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson,
  expectCliFailure, expectStatus,
} from './lib/kiln.mjs';
import { NODE_MODULES, until, deployApp, siteLogs, requireForge } from './lib/events.mjs';

const FIVE = 5 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

const manifest = (n = 3) => `modules:
  scheduledTrigger:
    - key: every-five
      function: tick
      interval: fiveMinute
    - key: hourly
      function: tick
      interval: hour
    - key: bad-answer
      function: bad
      interval: day
${Array.from({ length: n - 3 }, (_, i) => `    - key: extra-${i}\n      function: tick\n      interval: week\n`).join('')}  function:
    - key: tick
      handler: index.tick
    - key: bad
      handler: index.bad
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`;

const SRC = `import api, { route } from '@forge/api';
export async function tick(request, context) {
  const res = await api.asApp().requestJira(route\`/rest/api/3/serverInfo\`);
  const info = await res.json();
  console.log('SCHED ' + JSON.stringify({ request, baseUrl: info.baseUrl, principal: context.principal ?? null }));
  return { statusCode: 204 };
}
export async function bad() {
  console.log('BAD ran');
  return 'done';
}
`;

describe('scheduled triggers', () => {
  let k, A, B, dir;
  const initial = {}; // site name -> its every-five slot when installed
  const initialHourly = {}; // site name -> its hourly slot when installed
  const fives = {}; // site name -> every-five runs it must have had by now

  before(async () => {
    requireForge('api');
    const tag = randomBytes(3).toString('hex');
    k = await startKiln({ extraArgs: ['--test-clock'] });
    A = await k.createSite(`sch-a-${tag}`);
    B = await k.createSite(`sch-b-${tag}`);
    ({ dir } = await deployApp(k, 'sched-app', { 'manifest.yml': manifest(), 'src/index.js': SRC }));
    for (const s of [A, B]) await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
  });

  after(async () => {
    await k?.close();
  });

  const logs = (site) => siteLogs(k, site.name);
  const runs = async (site, key) =>
    (await logs(site)).filter((l) => l.message.startsWith('SCHED '))
      .map((l) => JSON.parse(l.message.slice(6)))
      .filter((r) => !key || r.request?.context?.moduleKey === key);
  // the schedules of a site, by module key (`kiln trigger list`), and the scheduler's now
  const schedules = async (site) => {
    const j = await okJson(k, ['trigger', 'list', '--site', site.name, '--json']);
    return { now: j.now, by: Object.fromEntries(j.schedules.map((s) => [s.moduleKey, s])) };
  };
  const advance = async (ms) => {
    const res = await k.admin('/scheduler/advance', { method: 'POST', body: { ms } });
    expectStatus(res, 200, `advance ${ms}`);
    return res.json;
  };
  // polls until `cond` holds of the site's runs (the engine runs deliveries asynchronously)
  const waitRuns = (site, key, cond, what) => until(what, () => runs(site, key), { pred: cond, ms: 30000 });

  // every every-five run owed so far has run (its log line is in): exactly that many
  const settle = async (...sites) => {
    for (const s of sites) {
      const r = await waitRuns(s, 'every-five', (x) => x.length >= fives[s.name], `${s.name}: ${fives[s.name]} runs`);
      assert.equal(r.length, fives[s.name], `${s.name}: exactly ${fives[s.name]} every-five runs`);
    }
  };

  it('lists each installation\'s triggers at a slot within one interval, not run before it', async () => {
    for (const s of [A, B]) {
      const { now, by } = await schedules(s);
      assert.deepEqual(Object.keys(by).sort(), ['bad-answer', 'every-five', 'hourly']);
      initial[s.name] = by['every-five'].nextRunMs;
      initialHourly[s.name] = by.hourly.nextRunMs;
      assert.equal(by['every-five'].interval, 'fiveMinute');
      assert.equal(by.hourly.interval, 'hour');
      for (const [key, iv] of [['every-five', FIVE], ['hourly', HOUR], ['bad-answer', 24 * HOUR]]) {
        const next = by[key].nextRunMs;
        assert.ok(next > now - 60000 && next <= now + iv, `${s.name} ${key}: next ${next} now ${now}`);
      }
    }
    // up to just before A's fiveMinute slot: it has not run, its next run has not moved
    const { now, by } = await schedules(A);
    const before = by['every-five'].nextRunMs;
    if (before - now > 2000) await advance(before - now - 1000);
    const after1 = await schedules(A);
    assert.equal(after1.by['every-five'].nextRunMs, before, 'not fired before its slot');
    assert.equal((await runs(A, 'every-five')).length, 0);
  });

  it('a slot runs once with Forge\'s payload on its own site; the next interval runs it again', async () => {
    const a0 = await schedules(A);
    const b0 = await schedules(B);
    // B's slot may have come in the last test's advance: each slot passed moved it one interval
    const bBefore = (b0.by['every-five'].nextRunMs - initial[B.name]) / FIVE;
    assert.ok(bBefore === 0 || bBefore === 1, `B fired ${bBefore} times before`);
    fives[A.name] = 0;
    fives[B.name] = bBefore;
    await settle(A, B);
    await advance(FIVE); // past A's slot (it was at most 1 s ahead)
    const r1 = await waitRuns(A, 'every-five', (r) => r.length >= 1, 'A ran every-five once');
    const a1 = await schedules(A);
    assert.equal(a1.by['every-five'].nextRunMs, a0.by['every-five'].nextRunMs + FIVE, 'the next slot, one interval on');
    assert.equal(r1.length, 1);
    const { request, baseUrl, principal } = r1[0];
    assert.deepEqual(Object.keys(request).sort(), ['context', 'contextToken']);
    assert.deepEqual(request.context, { cloudId: A.cloudId, moduleKey: 'every-five' });
    assert.equal(typeof request.contextToken, 'string');
    assert.ok(request.contextToken.length > 10);
    assert.ok(baseUrl.endsWith(`/ex/jira/${A.cloudId}`), `A's run reached its own site: ${baseUrl}`);
    assert.equal(principal, null, 'no user');
    // B's slot is somewhere else in the interval; within this advance it ran once more, on B
    const rb = await waitRuns(B, 'every-five', (r) => r.length > bBefore, 'B ran every-five');
    assert.equal(rb.length, bBefore + 1);
    assert.deepEqual(rb.at(-1).request.context, { cloudId: B.cloudId, moduleKey: 'every-five' });
    assert.ok(rb.at(-1).baseUrl.endsWith(`/ex/jira/${B.cloudId}`), rb.at(-1).baseUrl);
    assert.equal((await schedules(B)).by['every-five'].nextRunMs, b0.by['every-five'].nextRunMs + FIVE);
    // the second interval: one more each
    await advance(FIVE);
    fives[A.name] = 2;
    fives[B.name] = bBefore + 2;
    await settle(A, B);
    const r2 = await runs(A, 'every-five');
    assert.notEqual(r2[1].request.contextToken, r2[0].request.contextToken, 'one token per run');
    // every run of each site's logs names that site, never the other
    for (const [s, o] of [[A, B], [B, A]]) {
      for (const r of await runs(s)) {
        assert.equal(r.request.context.cloudId, s.cloudId);
        assert.ok(!r.baseUrl.includes(o.cloudId));
      }
    }
  });

  it('slots missed in one go give one run, not a backlog', async () => {
    const b0 = await schedules(B);
    const res = await advance(3 * FIVE); // three slots of every-five passed
    fives[A.name]++;
    fives[B.name]++;
    await settle(A, B); // once each
    await advance(1); // one more turn of thread 0: nothing else due
    const b1 = await schedules(B);
    assert.ok(b1.by['every-five'].nextRunMs > res.now && b1.by['every-five'].nextRunMs <= res.now + FIVE,
      'back on its slots after now');
    assert.equal((b1.by['every-five'].nextRunMs - b0.by['every-five'].nextRunMs) % FIVE, 0, 'the same phase');
    await settle(A, B);
  });

  it('kiln trigger run runs one now and prints its outcome', async () => {
    // the advances so far may have passed A's hourly slot: that run first (each slot passed
    // moved the next one an interval on), so that it cannot land inside the count below
    const owed = ((await schedules(A)).by.hourly.nextRunMs - initialHourly[A.name]) / HOUR;
    const before = (await waitRuns(A, 'hourly', (r) => r.length >= owed, `A: ${owed} hourly runs`)).length;
    assert.equal(before, owed, 'the hourly slots passed ran once each');
    const r = ok(await kiln(k, ['trigger', 'run', 'hourly', '--site', A.name], { cwd: dir }));
    assert.match(r.stdout, new RegExp(`^hourly ran on ${A.name} \\(run \\d+\\)\\n$`));
    const after1 = await runs(A, 'hourly');
    assert.equal(after1.length, before + 1, 'the run finished before the command returned');
    assert.deepEqual(after1.at(-1).request.context, { cloudId: A.cloudId, moduleKey: 'hourly' });
    const j = await okJson(k, ['trigger', 'run', 'every-five', '--site', B.name, '--app', dir, '--json']);
    assert.equal(j.state, 'delivered');
    assert.equal(j.site, B.name);
    fives[B.name]++;
    await settle(A, B);
    // refusals: one line each
    expectCliFailure(await kiln(k, ['trigger', 'run', 'nope', '--site', A.name], { cwd: dir }), /no scheduledTrigger module with that key/, 1);
    expectCliFailure(await kiln(k, ['trigger', 'run', 'hourly', '--site', 'no-such-site'], { cwd: dir }), /No such site/, 1);
    expectCliFailure(await kiln(k, ['trigger', 'run', 'bad key!', '--site', A.name], { cwd: dir }), /module key/, 2);
    expectCliFailure(await kiln(k, ['trigger', 'run', 'hourly', '--site', A.name, '--app', 'not-an-app'], { cwd: dir }), /neither a directory nor an app id/, 1);
  });

  it('a handler that does not answer like a webtrigger: 424 in kiln logs, the run failed', async () => {
    const r = await kiln(k, ['trigger', 'run', 'bad-answer', '--site', A.name], { cwd: dir });
    const line = expectCliFailure(r, /424 Failed Dependency/, 1);
    assert.match(line, /bad-answer failed on .*\(run \d+, failed\)/);
    // the engine logs a delivery's lines under an id made from its delivery id
    const run = Number(/\(run (\d+),/.exec(line)[1]);
    const invId = `00000000-0000-4000-8000-${run.toString(16).padStart(12, '0')}`;
    let all = [];
    for (let i = 0; i < 100; i++) {
      all = await logs(A);
      if (all.some((l) => l.invocationId === invId)) break;
      await sleep(100);
    }
    const mine = all.filter((l) => l.invocationId === invId);
    assert.equal(mine.length, 1, JSON.stringify(all.map((l) => [l.invocationId, l.message])));
    assert.equal(mine[0].level, 'warn');
    assert.equal(mine[0].module, 'bad-answer');
    assert.match(mine[0].message, /^schedule event day: attempt 1 of 1 failed \(424 Failed Dependency: the scheduled trigger function returned a malformed response \(the result is not an object\).*; given up$/);
    assert.ok(all.some((l) => l.message === 'BAD ran'), 'the handler did run');
    assert.ok(!(await logs(B)).some((l) => l.invocationId === invId), 'not on the other site');
  });

  it('the admin API refuses bad advances with one clear line', async () => {
    for (const body of [{ ms: 0 }, { ms: -5 }, { ms: '5' }, { ms: 1.5 }, { ms: 400 * 24 * HOUR }, {}, { ms: 5, x: 1 }]) {
      const res = await k.admin('/scheduler/advance', { method: 'POST', body });
      expectStatus(res, 400, JSON.stringify(body));
      assert.equal(typeof res.json.message, 'string');
    }
    const res = await k.admin('/scheduler/advance', { method: 'POST', body: '[1,2', headers: { 'content-type': 'application/json' } });
    assert.ok(res.status === 400, `malformed JSON: ${res.status}`);
    expectStatus(await k.admin('/scheduler/runs/abc'), 404);
    expectStatus(await k.admin('/scheduler/runs/999999999'), 404);
    expectStatus(await k.admin('/scheduler?site=nope'), 404);
    expectStatus(await k.admin('/scheduler'), 400);
  });

  it('concurrent advances each fire what became due, once', async () => {
    const a0 = await schedules(A);
    const b0 = await schedules(B);
    const res = await Promise.all(Array.from({ length: 4 }, () => advance(FIVE / 4)));
    assert.equal(new Set(res.map((r) => r.offsetMs)).size, 4, 'each advance moved the clock');
    assert.equal((await schedules(A)).by['every-five'].nextRunMs, a0.by['every-five'].nextRunMs + FIVE);
    assert.equal((await schedules(B)).by['every-five'].nextRunMs, b0.by['every-five'].nextRunMs + FIVE);
    fives[A.name]++;
    fives[B.name]++;
    await settle(A, B); // once each
  });

  it('more than five scheduled triggers: register and deploy refuse the manifest', async () => {
    const d = path.join(tempDir('schapp6'), 'sched-six');
    writeFiles(d, { 'manifest.yml': manifest(6), 'src/index.js': SRC });
    expectCliFailure(await kiln(k, ['register', d]), /modules\.scheduledTrigger\[5\]: more than 5 scheduledTrigger modules/);
    // the registered app gets a sixth: its deploy is refused, the deployed version goes on
    const registered = readFileSync(path.join(dir, 'manifest.yml'), 'utf8');
    const six = registered.replace('  scheduledTrigger:\n',
      '  scheduledTrigger:\n' + [1, 2, 3].map((i) => `    - key: more-${i}\n      function: tick\n      interval: week\n`).join(''));
    assert.notEqual(six, registered);
    const d2 = path.join(tempDir('schapp6b'), 'sched-six');
    writeFiles(d2, { 'manifest.yml': six, 'src/index.js': SRC });
    symlinkSync(NODE_MODULES, path.join(d2, 'node_modules'), 'dir');
    expectCliFailure(await kiln(k, ['deploy', d2]), /more than 5 scheduledTrigger modules/);
    assert.deepEqual(Object.keys((await schedules(B)).by).sort(), ['bad-answer', 'every-five', 'hourly']);
  });

  it('a deploy changes every installation\'s schedules; concurrent installs each get theirs', async () => {
    const b0 = await schedules(B);
    const registered = readFileSync(path.join(dir, 'manifest.yml'), 'utf8');
    const changed = registered
      .replace('    - key: hourly\n      function: tick\n      interval: hour\n', '    - key: hourly\n      function: tick\n      interval: week\n')
      .replace('  scheduledTrigger:\n', '  scheduledTrigger:\n    - key: added\n      function: tick\n      interval: day\n');
    assert.ok(changed.includes('interval: week') && changed.includes('key: added'));
    writeFiles(dir, { 'manifest.yml': changed });
    await okJson(k, ['deploy', dir, '--json']);
    // the scheduler takes the deploy's notice on its own thread
    const b1 = await until('the deploy\'s schedules', () => schedules(B), { pred: (x) => x.by.added && x.by.hourly.interval === 'week', ms: 10000 });
    assert.deepEqual(Object.keys(b1.by).sort(), ['added', 'bad-answer', 'every-five', 'hourly']);
    assert.equal(b1.by.hourly.interval, 'week');
    assert.ok(b1.by.hourly.nextRunMs > b1.now && b1.by.hourly.nextRunMs <= b1.now + 7 * 24 * HOUR);
    assert.ok(b1.by.added.nextRunMs > b1.now && b1.by.added.nextRunMs <= b1.now + 24 * HOUR);
    assert.equal(b1.by['every-five'].nextRunMs, b0.by['every-five'].nextRunMs, 'a module kept keeps its slot');
    assert.equal(b1.by['bad-answer'].nextRunMs, b0.by['bad-answer'].nextRunMs);
    // installs on three more sites at once: each has its own four, each run on its own site
    const tag = randomBytes(3).toString('hex');
    const more = await Promise.all([1, 2, 3].map((i) => k.createSite(`sch-c${i}-${tag}`)));
    await Promise.all(more.map((s) => okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir })));
    for (const s of more) {
      let x;
      for (let i = 0; i < 100; i++) {
        x = await schedules(s);
        if (Object.keys(x.by).length === 4) break;
        await sleep(50);
      }
      assert.deepEqual(Object.keys(x.by).sort(), ['added', 'bad-answer', 'every-five', 'hourly'], s.name);
      const j = await okJson(k, ['trigger', 'run', 'added', '--site', s.name, '--app', dir, '--json']);
      assert.equal(j.state, 'delivered');
      const r = await waitRuns(s, 'added', (y) => y.length >= 1, `${s.name} ran added`);
      assert.equal(r.length, 1);
      assert.deepEqual(r[0].request.context, { cloudId: s.cloudId, moduleKey: 'added' });
      assert.ok(r[0].baseUrl.endsWith(`/ex/jira/${s.cloudId}`));
      ok(await kiln(k, ['uninstall', '--site', s.name], { cwd: dir })); // out of the way of the counts below
    }
  });

  it('an endpoint trigger: the run is POSTed to the remote with a FIT for its own site', async () => {
    const got = [];
    const server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        got.push({ path: req.url, method: req.method, auth: req.headers.authorization ?? '', body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { dir: d, id: remoteApp } = await deployApp(k, 'sched-remote', {
        'manifest.yml': `modules:
  scheduledTrigger:
    - key: to-remote
      endpoint: sched
      interval: hour
  endpoint:
    - key: sched
      remote: backend
      route:
        path: /tick
remotes:
  - key: backend
    baseUrl: http://127.0.0.1:${server.address().port}/base
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`,
        'src/index.js': 'export const unused = 1;\n',
      });
      const appAri = `ari:cloud:ecosystem::app/${remoteApp}`;
      await okJson(k, ['install', '--site', B.name, '--confirm-scopes', '--json'], { cwd: d });
      const j = await okJson(k, ['trigger', 'run', 'to-remote', '--site', B.name, '--app', d, '--json']);
      assert.equal(j.state, 'delivered', JSON.stringify(j));
      assert.equal(got.length, 1, JSON.stringify(got));
      assert.equal(got[0].method, 'POST');
      assert.equal(got[0].path, '/base/tick');
      const body = JSON.parse(got[0].body);
      assert.deepEqual(body.context, { cloudId: B.cloudId, moduleKey: 'to-remote' });
      assert.equal(typeof body.contextToken, 'string');
      const jwks = jose.createRemoteJWKSet(new URL(`${k.url}/.well-known/jwks.json`));
      const { payload } = await jose.jwtVerify(/^Bearer (.+)$/.exec(got[0].auth)[1], jwks, {
        issuer: 'forge/invocation-token', audience: appAri, algorithms: ['RS256'],
      });
      assert.equal(payload.app.installation.contexts[0].cloudId, B.cloudId, `the FIT is B's: ${JSON.stringify(payload)}`);
      assert.ok(!JSON.stringify(payload).includes(A.cloudId));
      ok(await kiln(k, ['uninstall', '--site', B.name], { cwd: d }));
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('a restart keeps the slots (rebuilt from the store); slots missed meanwhile give one run', async () => {
    const a0 = await schedules(A);
    const b0 = await schedules(B);
    await k.restart(); // the test clock starts again from the wall clock, before the slots
    const a1 = await schedules(A);
    const b1 = await schedules(B);
    assert.deepEqual(a1.by, a0.by, 'A: the same next runs');
    assert.deepEqual(b1.by, b0.by, 'B: the same next runs');
    assert.ok(b1.now < b0.now, 'the clock went back with the restart');
    // both next runs lie within one interval after b0.now: past them and two slots more
    const res = await advance(b1.by['every-five'].nextRunMs - b1.now + 2 * FIVE);
    fives[A.name]++;
    fives[B.name]++;
    await settle(A, B); // once each, not three times
    for (const [s, x0] of [[A, a0], [B, b0]]) {
      const next = (await schedules(s)).by['every-five'].nextRunMs;
      assert.ok(next > res.now && next <= res.now + FIVE, `${s.name}: on its slots after now`);
      assert.equal((next - x0.by['every-five'].nextRunMs) % FIVE, 0, `${s.name}: the same phase`);
    }
  });

  it('uninstall: no more runs on that site, the other goes on', async () => {
    ok(await kiln(k, ['uninstall', '--site', A.name], { cwd: dir }));
    const a = (await runs(A)).length;
    await advance(FIVE);
    fives[B.name]++;
    await settle(B); // B still runs
    assert.equal((await runs(A)).length, a, 'A ran nothing more');
    assert.deepEqual((await schedules(A)).by, {}, 'A has no schedules');
    expectCliFailure(await kiln(k, ['trigger', 'run', 'hourly', '--site', A.name], { cwd: dir }), /not installed/, 1);
  });
});
