// `kiln events` and the deliveries on the admin API (docs/events.md): the filters show
// exactly the rows they name, bad input is one clear line (400/404 on the API, exit 2 in
// the CLI), replay is refused for a delivery that is not dead, and an uninstall owes the
// app's subscribed trigger avi:forge:uninstalled:app — on its own site only: the same app
// installed on two sites, a listing of site A never shows a row of site B.
//
// Run: node --test tests/e2e/events_cli.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  KILN_BIN, UUID_RE, startKiln, sleep, kilnCli as kiln, expectCliOk as ok,
  cliOkJson as okJson, expectCliFailure,
} from './lib/kiln.mjs';
import { until, deliveries, deployApp, requireForge, jsonLines, cliJsonLines } from './lib/events.mjs';

// A trigger on the uninstall event (kiln's: Forge has none) and one on nothing kiln sends.
const MANIFEST = `modules:
  trigger:
    - key: on-bye
      function: bye
      events:
        - avi:forge:uninstalled:app
    - key: on-issue
      function: bye
      events:
        - avi:jira:deleted:project
  function:
    - key: bye
      handler: index.bye
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`;
const SRC = `export async function bye(event) {
  console.log('farewell ' + event.eventType + ' ' + event.id);
}
`;

describe('kiln events', () => {
  let k, A, B, dir, appId, instA, instB;
  const cliRows = (...args) => cliJsonLines(k, ['events', ...args, '--json']);

  before(async () => {
    requireForge('api');
    const tag = randomBytes(3).toString('hex');
    k = await startKiln();
    A = await k.createSite(`ev-a-${tag}`);
    B = await k.createSite(`ev-b-${tag}`);
    ({ dir, id: appId } = await deployApp(k, 'bye', { 'manifest.yml': MANIFEST, 'src/index.js': SRC }));
    instA = (await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir })).installationId;
    instB = (await okJson(k, ['install', '--site', B.name, '--confirm-scopes', '--json'], { cwd: dir })).installationId;
  });

  after(async () => {
    await k?.close();
  });

  it('refuses malformed, out-of-range and hostile input with one clear line', async () => {
    const bad = [
      ['?limit=0', 400, /^limit must be an integer from 1 to 1000\.$/],
      ['?limit=1001', 400, /^limit must be/],
      ['?limit=1e3', 400, /^limit must be/],
      ['?limit=', 400, /^limit must be/],
      ['?after=-1', 400, /^after must be a delivery id/],
      ['?after=99999999999999999999', 400, /^after must be/],
      ['?state=DEAD', 400, /^state must be one of pending, running, delivered, dead, cancelled, dropped\.$/],
      ['?state=dead%00', 400, /^state must be one of/],
      ['?state=%zz', 400, /^state must be one of/],
      ['?app=nope', 400, /^app must be an app id or ARI\.$/],
      [`?app=${'a'.repeat(600)}`, 400, /^app must be/],
      [`?app=${'a'.repeat(9000)}`, 414, /./], // past kiln's request-target limit
      ['?site=..%2fetc', 404, /^No such site\.$/],
      ['?site=nosuch-site', 404, /^No such site\.$/],
      ['/abc', 400, /^A delivery id is a positive integer\.$/],
      ['/0', 400, /^A delivery id is a positive integer\.$/],
      ['/-1', 400, /^A delivery id/],
      ['/1%00', 400, /^Invalid request path$/], // the gateway's own refusal
      ['/99999999999999999999999', 400, /^A delivery id/],
      ['/987654', 404, /^No such delivery\.$/],
    ];
    for (const [q, status, msg] of bad) {
      const res = await k.admin(`/deliveries${q}`);
      assert.equal(res.status, status, `${q}: ${res.text}`);
      assert.match(res.json.message ?? res.json.errorMessages?.[0], msg, q);
    }
    let res = await k.admin('/deliveries/987654/replay', { method: 'POST' });
    assert.equal(res.status, 404, res.text);
    res = await k.admin('/deliveries/1/replay', { method: 'POST', body: { force: true } });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.message, 'This request takes no body.');
    res = await k.admin('/deliveries/x/replay', { method: 'POST' });
    assert.equal(res.status, 400, res.text);
    res = await k.api('/admin/v1/deliveries');
    assert.equal(res.status, 401, 'the admin token is required');

    const cliBad = [
      [['events', '--state', 'gone'], /^kiln: --state takes pending, running, delivered, dead, cancelled or dropped$/],
      [['events', '--limit', '0'], /^kiln: --limit takes 1 to 1000$/],
      [['events', '--limit', '1001'], /^kiln: --limit takes 1 to 1000$/],
      [['events', '--after', 'x'], /^kiln: --after takes a delivery id$/],
      [['events', '--app', 'not-an-app'], /^kiln: --app takes an app id or ARI$/],
      [['events', '--site', 'Bad Name'], /^kiln: invalid site name$/],
      [['events', 'show'], /^kiln: events show takes a delivery id/],
      [['events', 'show', '1', '2'], /./],
      [['events', 'show', '-5'], /./],
      [['events', 'replay', 'abc'], /^kiln: events replay takes a delivery id/],
    ];
    for (const [args, msg] of cliBad) expectCliFailure(await kiln(k, args), msg, 2);
    expectCliFailure(await kiln(k, ['events', 'show', '987654']), /^kiln: server answered 404: No such delivery\.$/, 1);
    expectCliFailure(await kiln(k, ['events', '--site', 'no-such-site']), /^kiln: server answered 404: No such site\.$/, 1);
  });

  it('an uninstall owes the subscribed trigger uninstalled:app, on its own site only', async () => {
    assert.deepEqual(await deliveries(k), [], 'nothing is owed before');
    const t0 = Date.now();
    await okJson(k, ['uninstall', '--site', A.name, '--json'], { cwd: dir });
    const all = await deliveries(k);
    assert.equal(all.length, 1, JSON.stringify(all));
    const [d] = all;
    assert.equal(d.site, A.name);
    assert.equal(d.installationId, instA);
    assert.equal(d.appId, `ari:cloud:ecosystem::app/${appId}`);
    assert.equal(d.environment, 'development');
    assert.equal(d.source, 'lifecycle');
    assert.equal(d.module, 'on-bye', 'only the trigger subscribed to it');
    assert.equal(d.eventType, 'avi:forge:uninstalled:app');
    assert.match(d.eventId, UUID_RE);
    assert.equal(d.jobId, null);
    assert.ok(['pending', 'running', 'delivered'].includes(d.state), d.state);
    assert.ok(d.createdMs >= t0 - 1000 && d.createdMs <= Date.now(), `${d.createdMs}`);
    assert.equal(d.payload, undefined, 'a listing never shows the payload');

    const shown = await okJson(k, ['events', 'show', String(d.id), '--json']);
    assert.deepEqual(shown.payload, {
      id: instA,
      app: { id: `ari:cloud:ecosystem::app/${appId}`, version: '1.0.0' },
      environment: { id: shown.payload.environment.id },
      eventType: 'avi:forge:uninstalled:app',
    });
    assert.match(shown.payload.environment.id, UUID_RE);
    const text = ok(await kiln(k, ['events', 'show', String(d.id)])).stdout;
    assert.match(text, /^eventType +avi:forge:uninstalled:app$/m);
    assert.match(text, new RegExp(`"id": "${instA}"`));

    // the engine runs it although the installation is removed: its line in A's logs only
    await until('the farewell in A\'s logs', async () => ok(await kiln(k, ['logs', '--site', A.name, '-n', '1000'])).stdout,
      { pred: (t) => t.includes(`farewell avi:forge:uninstalled:app ${instA}`), ms: 30000 });
    await until('delivered', async () => (await k.admin(`/deliveries/${d.id}`)).json.state, { pred: (s) => s === 'delivered', ms: 30000 });
    assert.doesNotMatch(ok(await kiln(k, ['logs', '--site', B.name, '-n', '1000'])).stdout, /farewell/);

    // site B: still installed, owed nothing; A's row is not B's
    assert.deepEqual(await deliveries(k, { site: B.name }), []);
    assert.deepEqual(await cliRows('--site', B.name), []);
    assert.deepEqual((await deliveries(k, { site: A.name })).map((r) => r.id), [d.id]);
    // the table: one line for the row
    const table = ok(await kiln(k, ['events', '--site', A.name])).stdout.trimEnd().split('\n');
    assert.equal(table.length, 1, table.join('\n'));
    assert.match(table[0], new RegExp(`^ +${d.id} \\S+ (pending|running|delivered) +\\d+ ${A.name} +lifecycle +on-bye +avi:forge:uninstalled:app app ${appId.slice(0, 8)}$`));
  });

  it('filters by site, app and state show exactly their rows', async () => {
    await okJson(k, ['uninstall', '--site', B.name, '--json'], { cwd: dir });
    const all = await deliveries(k);
    assert.equal(all.length, 2, JSON.stringify(all));
    const [a, b] = all;
    assert.ok(a.id < b.id, 'oldest first');
    assert.deepEqual([a.site, a.installationId, b.site, b.installationId], [A.name, instA, B.name, instB]);
    // site
    assert.deepEqual((await cliRows('--site', A.name)).map((r) => [r.id, r.installationId]), [[a.id, instA]]);
    assert.deepEqual((await cliRows('--site', B.name)).map((r) => [r.id, r.installationId]), [[b.id, instB]]);
    // app: by id and by ARI; another app has none
    assert.deepEqual((await cliRows('--app', appId)).map((r) => r.id), [a.id, b.id]);
    assert.deepEqual((await cliRows('--app', `ari:cloud:ecosystem::app/${appId}`, '--site', B.name)).map((r) => r.id), [b.id]);
    assert.deepEqual(await cliRows('--app', '00000000-0000-4000-8000-000000000000'), []);
    // state: each row is in exactly one state's listing
    const byState = {};
    for (const s of ['pending', 'running', 'delivered', 'dead', 'cancelled', 'dropped']) {
      byState[s] = (await cliRows('--state', s)).map((r) => r.id);
      for (const r of await deliveries(k, { state: s })) assert.equal(r.state, s);
    }
    // a row only moves forward through the order asked (retries aside): each is seen
    const seen = new Set(Object.values(byState).flat());
    assert.ok(seen.has(a.id) && seen.has(b.id), JSON.stringify(byState));
    assert.deepEqual(byState.dead, []);
    assert.deepEqual(byState.dropped, []);
    // paging: --limit and --after
    assert.deepEqual((await cliRows('--limit', '1')).map((r) => r.id), [a.id]);
    assert.deepEqual((await cliRows('--limit', '1', '--after', String(a.id))).map((r) => r.id), [b.id]);
    assert.deepEqual(await cliRows('--after', String(b.id)), []);
  });

  it('replay is refused for a delivery that is not dead, however many ask at once', async () => {
    const [a] = await deliveries(k, { site: A.name });
    const before = await k.admin(`/deliveries/${a.id}`);
    assert.notEqual(before.json.state, 'dead');
    const answers = await Promise.all(Array.from({ length: 16 }, () => k.admin(`/deliveries/${a.id}/replay`, { method: 'POST' })));
    for (const res of answers) {
      assert.equal(res.status, 409, res.text);
      assert.match(res.json.message, new RegExp(`^Delivery ${a.id} is (pending|running|delivered), not dead: only a dead delivery can be replayed\\.$`));
    }
    expectCliFailure(await kiln(k, ['events', 'replay', String(a.id)]), /^kiln: server answered 409: Delivery \d+ is \w+, not dead/, 1);
    const afterwards = await k.admin(`/deliveries/${a.id}`);
    assert.equal(afterwards.json.attempts >= before.json.attempts, true);
    assert.equal(afterwards.json.eventId, before.json.eventId);
  });

  it('--follow prints new deliveries as they are owed', async () => {
    // a fresh installation on A, then its uninstall while --follow watches A
    const inst2 = (await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir })).installationId;
    const last = (await deliveries(k)).at(-1).id;
    const p = spawn(KILN_BIN, ['events', '--follow', '--site', A.name, '--after', String(last), '--json'], {
      env: { ...process.env, KILN_URL: k.url, KILN_DATA: k.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (c) => { out += c; });
    const closed = new Promise((r) => p.on('close', (code) => r(code)));
    try {
      await sleep(300); // --follow's first page is empty; the uninstall comes after it
      await okJson(k, ['uninstall', '--site', A.name, '--json'], { cwd: dir });
      const rows = () => jsonLines(out);
      await until('--follow to print the uninstall', () => rows().some((r) => r.installationId === inst2), { ms: 10000 });
      const mine = rows().filter((r) => r.installationId === inst2);
      assert.ok(mine.length >= 1, out);
      assert.equal(mine[0].eventType, 'avi:forge:uninstalled:app');
      assert.ok(rows().every((r) => r.site === A.name && r.id > last), out);
    } finally {
      assert.equal(p.exitCode, null, `--follow is still running\n${out}`);
      p.kill('SIGINT');
    }
    assert.equal(await closed, 0, 'SIGINT ends --follow with exit 0');
  });
});

// With the engine running them: a trigger that throws until its environment says yes goes
// dead after its retries on site A, is replayed after the fix and delivered; the same
// app's pending retry on site B is dropped by B's uninstall (A's rows untouched), and
// /metrics counts what `kiln events` lists.
const GRUMPY = `modules:
  trigger:
    - key: on-install
      function: grumpy
      events:
        - avi:forge:installed:app
  function:
    - key: grumpy
      handler: index.grumpy
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`;
const GRUMPY_SRC = `export async function grumpy(event) {
  if (process.env.ALLOW !== 'yes') throw new Error('not yet: ' + event.eventType);
  console.log('accepted ' + event.eventType + ' ' + event.id);
}
`;

describe('kiln events with the engine: dead, replay, dropped, /metrics', () => {
  let k, A, B, dir, appId, instA, instB;
  const rowsOf = (...args) => cliJsonLines(k, ['events', '--app', appId, ...args, '--json']);

  before(async () => {
    const tag = randomBytes(3).toString('hex');
    k = await startKiln();
    A = await k.createSite(`evd-a-${tag}`);
    B = await k.createSite(`evd-b-${tag}`);
    ({ dir, id: appId } = await deployApp(k, 'grumpy', { 'manifest.yml': GRUMPY, 'src/index.js': GRUMPY_SRC }));
    instA = (await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir })).installationId;
    instB = (await okJson(k, ['install', '--site', B.name, '--confirm-scopes', '--json'], { cwd: dir })).installationId;
  });

  after(async () => {
    await k?.close();
  });

  it('dead on A, dropped on B by its uninstall, replayed on A after the fix', async () => {
    // --follow, from before the first row: each change of A's row is printed again
    const follow = spawn(KILN_BIN, ['events', '--follow', '--site', A.name, '--json'], {
      env: { ...process.env, KILN_URL: k.url, KILN_DATA: k.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let followed = '';
    follow.stdout.on('data', (c) => { followed += c; });
    const followClosed = new Promise((r) => follow.on('close', (code) => r(code)));
    // ... and with --state pending: only what is pending when it is printed
    const pendingOnly = spawn(KILN_BIN, ['events', '--follow', '--site', A.name, '--state', 'pending', '--json'], {
      env: { ...process.env, KILN_URL: k.url, KILN_DATA: k.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pendingOut = '';
    pendingOnly.stdout.on('data', (c) => { pendingOut += c; });
    const pendingClosed = new Promise((r) => pendingOnly.on('close', (code) => r(code)));
    // B: a pending retry (its next attempt seconds away) is dropped by the uninstall
    const bRow = await until('B pending after 3 failed attempts', async () => {
      const [r] = await rowsOf('--site', B.name);
      return r && r.state === 'pending' && r.attempts >= 3 ? r : null;
    });
    await ok(await kiln(k, ['uninstall', '--site', B.name], { cwd: dir }));
    const dropped = await k.admin(`/deliveries/${bRow.id}`);
    assert.equal(dropped.json.state, 'dropped', dropped.text);
    assert.equal(dropped.json.lastError, 'the app was uninstalled');
    assert.equal(dropped.json.installationId, instB);
    assert.deepEqual((await rowsOf('--state', 'dropped')).map((r) => r.id), [bRow.id]);

    // A: out of attempts, dead; listed as such on A only
    const dead = await until('A dead', async () => {
      const [r] = await rowsOf('--site', A.name);
      return r && r.state === 'dead' ? r : null;
    });
    assert.equal(dead.installationId, instA);
    assert.equal(dead.attempts, 6, 'a lifecycle event: the first attempt and 5 retries');
    assert.match(dead.lastError, /on-install threw/);
    assert.deepEqual((await rowsOf('--state', 'dead')).map((r) => r.id), [dead.id]);
    assert.deepEqual(await rowsOf('--state', 'dead', '--site', B.name), []);
    const seen = await until('--follow to print the dead row', () => {
      const mine = jsonLines(followed).filter((r) => r.id === dead.id);
      return mine.at(-1)?.state === 'dead' ? mine : null;
    }, { ms: 10000 });
    follow.kill('SIGINT');
    pendingOnly.kill('SIGINT');
    assert.equal(await followClosed, 0);
    assert.equal(await pendingClosed, 0);
    const pend = jsonLines(pendingOut);
    assert.ok(pend.length >= 1 && pend.every((r) => r.state === 'pending' && r.id === dead.id), pendingOut);
    assert.ok(seen.length >= 3, `printed again as it changed: ${followed}`);
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i].attempts >= seen[i - 1].attempts, followed);
      assert.ok(seen[i].attempts !== seen[i - 1].attempts || seen[i].state !== seen[i - 1].state, `a line per change only\n${followed}`);
    }
    assert.equal(seen.at(-1).attempts, 6);
    assert.ok(followed.split('\n').filter(Boolean).every((l) => JSON.parse(l).site === A.name), followed);

    // /metrics agrees with kiln events for the app
    const metrics = (await k.api('/metrics')).body.toString();
    const series = (name, labels) =>
      Number(new RegExp(`^${name}\\{app="${appId}",${labels}\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    const all = await rowsOf();
    const count = (state) => all.filter((r) => r.state === state).length;
    assert.equal(series('kiln_deliveries', 'state="pending"'), count('pending'), metrics);
    assert.equal(series('kiln_deliveries', 'state="running"'), count('running'), metrics);
    assert.equal(series('kiln_delivery_attempts_total', 'outcome="dead"'), count('dead'), metrics);
    assert.equal(series('kiln_delivery_attempts_total', 'outcome="dropped"'), count('dropped'), metrics);
    assert.equal(series('kiln_delivery_attempts_total', 'outcome="delivered"'), count('delivered'), metrics);
    // every failed attempt but a dead row's last was retried
    const retried = all.reduce((n, r) => n + (r.state === 'dead' ? r.attempts - 1 : r.attempts), 0);
    assert.equal(series('kiln_delivery_attempts_total', 'outcome="retried"'), retried, metrics);

    // the fix, then the replay: delivered once, same event
    await ok(await kiln(k, ['variables', 'set', 'ALLOW', 'yes'], { cwd: dir }));
    const out = ok(await kiln(k, ['events', 'replay', String(dead.id)])).stdout;
    assert.match(out, new RegExp(`^delivery ${dead.id} is (pending|running|delivered) again, due now`));
    const done = await until('A delivered', async () => {
      const r = (await k.admin(`/deliveries/${dead.id}`)).json;
      return r.state === 'delivered' ? r : null;
    });
    assert.equal(done.attempts, 1, 'attempts start over');
    assert.equal(done.eventId, dead.eventId);
    const logs = ok(await kiln(k, ['logs', '--site', A.name, '-n', '1000'])).stdout;
    assert.match(logs, new RegExp(`accepted avi:forge:installed:app ${instA}`));
    const logsB = ok(await kiln(k, ['logs', '--site', B.name, '-n', '1000'])).stdout;
    assert.doesNotMatch(logsB, /accepted/, 'B never accepted anything');
    assert.doesNotMatch(logsB, new RegExp(instA));
    // replaying it again is refused: it is delivered
    expectCliFailure(await kiln(k, ['events', 'replay', String(dead.id)]), /409: Delivery \d+ is delivered, not dead/, 1);

    // B's retention over: the purge takes B's deliveries (their payloads are B's data), not A's
    const purged = await okJson(k, ['purge', '--now', String(Date.now() + 400 * 86400000), '--json']);
    assert.equal(purged.purged, 1, 'B only: A is still installed');
    assert.deepEqual(await rowsOf('--site', B.name), []);
    assert.equal((await k.admin(`/deliveries/${bRow.id}`)).status, 404);
    assert.deepEqual((await rowsOf('--site', A.name)).map((r) => [r.id, r.state]), [[dead.id, 'delivered']]);
  });
});
