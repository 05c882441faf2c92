// Crash-consistency battery (issue 21 part 2; docs/reliability.md "## Crash consistency").
//
// One run: start kiln (a `backend` of BACKENDS: `sqlite`, a fresh data dir; `postgres`, a
// private PostgreSQL cluster, the node killed; `postgres-db`, the same with the database
// killed too at each kill and started again before kiln; `postgres-db-only`, the database
// alone killed and started again while kiln serves on), make a site, deploy and install a
// fixture app, then TRIALS trials, each:
//   1. a mixed write load from concurrent clients, every acknowledged write recorded under
//      a unique id: issues created (summary, description, labels), edited (summary) and
//      commented; KVS sets and 3-key transactions through the app's web triggers; queue
//      pushes of 10 events; deploys of a second app and its install/uninstall on a second
//      site; every issue creation is a product event the app's trigger subscribes to;
//   2. `kill -9` at a seeded random moment of the load (postgres-db: the database's
//      immediate shutdown first, then kiln's kill -9, then the database started again);
//   3. `kiln store check` on the store (must print ok), kiln restarted on it (unless it
//      runs on: postgres-db-only);
//   4. checks: every acknowledged write present exactly once and whole (an issue with its
//      fields, comments and changelog; a transaction's 3 keys), a write in flight at the kill
//      wholly present or wholly absent, nothing nobody wrote; every acknowledged product
//      event and queue push has exactly one delivery, which ends delivered, and the app's
//      handler ran for it at least once and at most once per attempt on record.
// The seed is printed; CRASH_SEED=N replays the same kill moments and load mix (the
// interleaving of the clients is the machine's, so a replay is close, not identical).
//
// Usage: node tests/battery/crash.mjs [--trials N] [--seed N] [--backend sqlite|postgres|postgres-db|postgres-db-only]
//   (env CRASH_TRIALS, CRASH_SEED, CRASH_BACKEND; KILN_BIN etc. as for the e2e tests).
// Exit 0 when every trial holds; 1 with every problem printed. tests/e2e/crash.test.mjs
// runs a few trials of it in `make test`; `make battery-crash` runs 100.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kiln, startKiln, sleep, runCli, describeCli, cliOkJson, kilnCli, tempDir, writeFiles, expectStatus } from '../e2e/lib/kiln.mjs';
import { deployApp, webtriggerPath, requireForge, NODE_MODULES } from '../e2e/lib/events.mjs';
import { symlinkSync } from 'node:fs';
import { startPg } from '../e2e/lib/pg.mjs';

// ------------------------------------------------------------------ the stores

/** Each backend starts kiln on its store: start() -> a Kiln (tests/e2e/lib/kiln.mjs) whose
 * kill9()/start() kill and restart the node on the same data; kill(k, ctx) kills what the
 * trial kills (default: the node, -9) and returns how the node ended (null: it runs on),
 * the store back up (a killed database started again) by the time it returns; killed:
 * those words for the trial's line; check(k) -> problems of `kiln store check`;
 * skipDeliveries: why the delivery checks are left out, if they are; close(k) removes what
 * start made besides k. */
export const BACKENDS = {
  sqlite: {
    start: () => startKiln({ threads: 4, store: 'sqlite' }), // whatever STORE says
    check: async (k) => {
      const r = await runCli(['store', 'check', ...k.storeArgs()], { timeout: 120000 });
      return r.code === 0 && r.stdout.trim() === 'ok' ? [] : [`kiln store check: ${describeCli(r)}`];
    },
  },
  // kiln on a private PostgreSQL cluster of the run's own; the node killed (-9)
  postgres: {
    start: startOnPg,
    check: checkPg,
    close: (k) => k.pg.stop(),
  },
  // the same, and the database killed too: first the database (tools/pg-cluster crash: an
  // immediate shutdown, no checkpoint), then kiln (-9) as soon as it is gone, then the
  // database started again (crash recovery from its WAL) before kiln restarts
  'postgres-db': {
    start: startOnPg,
    killed: 'the database killed, then kiln -9',
    kill: async (k) => {
      await k.pg.crash(); // first: kiln sees its sessions cut mid-transaction
      const killed = await k.kill9();
      await k.pg.resume();
      return killed;
    },
    check: checkPg,
    close: (k) => k.pg.stop(),
  },
  // the database alone killed and started again while kiln keeps serving: kiln answers
  // 503 meanwhile, reconnects, and must hold no state the database lost (kill() returns
  // null: the node runs on)
  'postgres-db-only': {
    // kiln never restarts here, so its rate limits' minute windows (in memory) are not reset
    // between trials: the web trigger limit (1,200 a minute per installation) would refuse
    // the checks' own calls after a few trials
    start: () => startOnPg(['--webtrigger-rate', '0']),
    killed: 'the database killed (kiln runs on)',
    kill: async (k, ctx) => {
      await k.pg.crash();
      await k.pg.resume();
      // kiln reconnects within its backoff (2 s at most, docs/scale.md "Connections"): the
      // checks begin once 20 searches in a row answer 200, on new connections (any thread)
      const t0 = Date.now();
      for (let ok = 0; ok < 20;) {
        const r = await k.jira(ctx.A.cloudId, '/search?jql=order%20by%20key&maxResults=1', { token: ctx.A.token, allowError: true, timeout: 10000 });
        ok = got(r, 200) ? ok + 1 : 0;
        if (!ok) {
          if (Date.now() - t0 > 30000) throw new Error(`kiln did not serve again within 30 s of the database's restart: ${r.error?.message ?? r.status}`);
          await sleep(50);
        }
      }
      ctx.figures.recoveryMs = Math.max(ctx.figures.recoveryMs ?? 0, Date.now() - t0);
      return null;
    },
    check: checkPg,
    close: (k) => k.pg.stop(),
  },
};

/** kiln serving from a database of its own on a new private cluster (k.pg). The test
 * cluster's synchronous_commit=off (tools/pg-cluster) loses answered commits when the
 * server is killed: the database sets it on, as any durable PostgreSQL runs. */
async function startOnPg(extraArgs = []) {
  const pg = await startPg();
  try {
    await pg.psql('CREATE DATABASE kiln_crash');
    await pg.psql('ALTER DATABASE kiln_crash SET synchronous_commit = on');
    const k = new Kiln({ threads: 4, store: 'postgres', extraArgs });
    k.storeUrl = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln_crash?');
    k.pg = pg;
    try {
      await k.start();
    } catch (e) {
      await k.close().catch((c) => { e.message += `\n(and on close: ${c.message})`; });
      throw e;
    }
    return k;
  } catch (e) {
    await pg.stop().catch(() => {});
    throw e;
  }
}

async function checkPg(k) {
  const r = await runCli(['store', 'check', '--store', k.storeUrl], { timeout: 120000 });
  return r.code === 0 && r.stdout.trim() === 'ok' ? [] : [`kiln store check --store: ${describeCli(r)}`];
}

// ------------------------------------------------------------------ seeded randomness

/** mulberry32: a small seeded PRNG, values in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------ the fixture apps

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
    - { key: kv, function: kv-fn, response: { type: dynamic } }
    - { key: tx, function: tx-fn, response: { type: dynamic } }
    - { key: push, function: push-fn, response: { type: dynamic } }
    - { key: state, function: state-fn, response: { type: dynamic } }
  function:
    - { key: created-fn, handler: index.onCreated }
    - { key: work-fn, handler: index.onWork }
    - { key: kv-fn, handler: index.kv }
    - { key: tx-fn, handler: index.tx }
    - { key: push-fn, handler: index.push }
    - { key: state-fn, handler: index.state }
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
    - storage:app
`;

// Each handler run records itself in app storage first: run-<project>-i<issue id>-<random>
// for a product event, run-q<trial>-<n>-<random> for a queue event.
const SRC = `import { kvs, WhereConditions } from '@forge/kvs';
import { Queue, RateLimitError } from '@forge/events';

const rnd = () => Math.random().toString(36).slice(2, 10);
const q = (request, name) => request.queryParameters?.[name]?.[0];
const json = (statusCode, v) => ({ statusCode, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(v) });

export async function onCreated(event) {
  const project = event.issue?.fields?.project?.key ?? 'X';
  await kvs.set('run-' + project + '-i' + event.issue.id + '-' + rnd(), 1);
}

export async function onWork(event) {
  await kvs.set('run-q' + event.body.t + '-' + event.body.n + '-' + rnd(), 1);
}

export async function kv(request) {
  await kvs.set(q(request, 'key'), q(request, 'value'));
  return json(200, { ok: true });
}

// three keys, all or none
export async function tx(request) {
  const id = q(request, 'id');
  await kvs.transact().set(id + '-a', 'a' + id).set(id + '-b', 'b' + id).set(id + '-c', 'c' + id).execute();
  return json(200, { ok: true });
}

// ?t=T&from=N: pushes events {t, n} for n = N .. N+9 in one push
export async function push(request) {
  const t = Number(q(request, 't'));
  const from = Number(q(request, 'from'));
  const events = Array.from({ length: 10 }, (_, i) => ({ body: { t, n: from + i } }));
  try {
    const { jobId } = await new Queue({ key: 'work' }).push(events);
    return json(200, { jobId });
  } catch (e) {
    // over Forge's 500 events a minute per installation: the push was refused whole, and
    // the app says so (the battery counts it refused, to be wholly absent)
    if (e instanceof RateLimitError) return json(429, { error: 'RateLimitError' });
    throw e;
  }
}

// ?prefix=P: every entry whose key begins with P, as [key, value]
export async function state(request) {
  const out = [];
  let cursor;
  do {
    let qq = kvs.query().where('key', WhereConditions.beginsWith(q(request, 'prefix'))).limit(100);
    if (cursor) qq = qq.cursor(cursor);
    const page = await qq.getMany();
    for (const r of page.results) out.push([r.key, r.value]);
    cursor = page.nextCursor;
  } while (cursor);
  return json(200, out);
}
`;

// the app deployed again and again, installed and uninstalled
const CHURN_MANIFEST = `modules:
  function:
    - { key: fn, handler: index.run }
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`;
const churnSrc = (n) => `export async function run() { return ${JSON.stringify(`churn ${n}`)}; }\n`;

// ------------------------------------------------------------------ one run

/** Runs `trials` trials on `backend` from `seed`; `log(line)` gets the progress. Returns
 * {seed, trials, problems: [string], figures}. */
export async function runBattery({ trials = 3, seed = Date.now() % 2147483647, backend = 'sqlite', log = console.log, loadMs = [300, 2500] } = {}) {
  requireForge('api', 'kvs', 'events');
  const be = BACKENDS[backend];
  assert.ok(be, `no backend ${backend} (${Object.keys(BACKENDS)})`);
  log(`crash battery: backend ${backend}, seed ${seed} (CRASH_SEED=${seed} replays), ${trials} trials`);
  if (be.skipDeliveries) log(`crash battery: ${backend}: ${be.skipDeliveries}`);
  const k = await be.start();
  if (process.env.KILN_E2E_KEEP) log(`crash battery: data dir ${k.dataDir}, server logs ${k.logDir} (kept: KILN_E2E_KEEP)`);
  const problems = [];
  const figures = { trials: 0, acked: 0, inflight: 0, refused: 0, lost: 0, duplicated: 0, half: 0, phantom: 0, deliveries: 0, reruns: 0 };
  try {
    const A = await k.siteWithToken('crash-a');
    const B = await k.siteWithToken('crash-b');
    const { dir } = await deployApp(k, 'crashapp', { 'manifest.yml': MANIFEST, 'src/index.js': SRC });
    // on both sites: nothing written on A may ever be delivered to B's installation
    for (const s of [A, B]) await cliOkJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
    const churn = path.join(tempDir('crash-churn'), 'churn');
    writeFiles(churn, { 'manifest.yml': CHURN_MANIFEST, 'src/index.js': churnSrc(0) });
    symlinkSync(NODE_MODULES, path.join(churn, 'node_modules'), 'dir');
    await cliOkJson(k, ['register', churn, '--json']);
    const ctx = { k, A, B, dir, churn, be, deployed: [], churnInstalled: false, figures };
    ctx.deployed.push((await cliOkJson(k, ['deploy', churn, '--json'])).version);
    for (let t = 1; t <= trials; t++) {
      const tseed = Math.floor(prng(seed + t * 7919)() * 2147483647);
      const p = await trial(ctx, t, tseed, loadMs, log).catch((e) => [`the trial failed: ${e.stack ?? e}`]);
      figures.trials++;
      for (const x of p) problems.push(`trial ${t} (seed ${seed}, trial seed ${tseed}): ${x}`);
      if (p.length) break; // the data dir is kept for a look (KILN_E2E_KEEP) and the run stops
    }
    // what the store's outages cost (docs/events.md "When the store is away"): attempts
    // retried as platform faults, journal records lost with a refused batch (kiln restarted
    // by a trial starts these counts again: the last run's only)
    const m = await k.api('/metrics', { allowError: true });
    const sum = (re) => [...(m.text ?? '').matchAll(re)].reduce((n, x) => n + Number(x[1]), 0);
    if (m.status === 200) {
      figures.faults = sum(/^kiln_delivery_attempts_total\{[^}]*outcome="platform_fault"\} (\d+)$/gm);
      figures.journalLost = sum(/^kiln_journal_unwritten_total\{[^}]*\} (\d+)$/gm);
    }
  } finally {
    await k.close().catch((e) => problems.push(`kiln close: ${e.message}`));
    if (be.close) await be.close(k).catch((e) => problems.push(`${backend} close: ${e.message}`));
  }
  log(`crash battery: ${figures.trials} trials, ${figures.acked} acknowledged writes, ${figures.inflight} in flight at a kill, ${figures.refused} refused (busy), ` +
    `${figures.lost} lost, ${figures.duplicated} duplicated, ${figures.half} half-written, ${figures.phantom} phantom; ` +
    `${figures.deliveries} deliveries checked, ${figures.reruns} handler runs repeated after a kill (at least once, within attempts)` +
    (figures.recoveryMs !== undefined ? `; kiln served again at most ${figures.recoveryMs} ms after the database's restart` : '') +
    (figures.faults !== undefined ? `; ${figures.faults} attempts retried as platform faults (the store away), ${figures.journalLost} journal records lost with a refused batch${backend === 'postgres-db-only' ? '' : ' (since the last restart)'}` : ''));
  return { seed, trials, problems, figures };
}

// ------------------------------------------------------------------ the load

/** One client's loop: `step(i)` returns {ack: record} once acknowledged, {cut: record} when
 * the kill cut it (the record is then "in flight": wholly there or wholly absent), {refused:
 * record} for a 429 or 503 (kiln busy: the write must be wholly absent; one through a web
 * trigger is checked as in flight, as the app could have written before it was refused),
 * or {fail} for any other answer. */
async function client(state, step, rec) {
  for (let i = 0; !state.killed; i++) {
    const r = await step(i);
    if (r.ack) {
      rec.acked.push(r.ack);
      state.onAck(rec);
    }
    if (r.cut) {
      rec.inflight.push(r.cut);
      return;
    }
    if (r.refused && state.killed) { // a 503 once the kill began (the database gone first):
      rec.inflight.push(r.refused); // kiln cannot know whether a COMMIT it sent landed
      return;
    }
    if (r.refused) { // 429 or 503: kiln is busy; the client goes on after a pause
      rec.refused.push(r.refused);
      await sleep(100);
    }
    if (r.fail) {
      if (state.killed) rec.inflight.push(r.fail.rec);
      else rec.errors.push(r.fail.msg);
      return;
    }
  }
}

const got = (res, status) => res && !res.error && res.status === status;
const busy = (res) => res.status === 429 || res.status === 503;
/** The answer of a web trigger write: acknowledged, cut by the kill, refused, or failed. */
const hookAnswer = (res, w, what) => (got(res, 200) ? { ack: w } : res.error ? { cut: w } : busy(res) ? { refused: w } : failed(res, w, what));
const failed = (res, rec, what) => ({ fail: { rec, msg: `${what}: ${res.error ? res.error.message : `${res.status} ${res.text?.slice(0, 300)}`}` } });

async function trial(ctx, t, tseed, loadMs, log) {
  const { k, A, dir, churn } = ctx;
  const rnd = prng(tseed);
  const pick = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const project = `CT${t}`;
  let r = await k.jira(A.cloudId, '/project', { method: 'POST', token: A.token,
    body: { key: project, name: `Crash trial ${t}`, projectTypeKey: 'software', leadAccountId: A.accountId } });
  expectStatus(r, 201, `project ${project}`);
  const lastDelivery = (await deliveriesAfter(k, A.name, ctx.lastDelivery ?? 0)).last;
  ctx.lastDelivery = lastDelivery;
  const paths = {};
  for (const key of ['kv', 'tx', 'push', 'state']) paths[key] = await webtriggerPath(k, dir, A, key);

  const state = { killed: false, onAck: () => {} };
  // what each kind of client saw, write by write (client())
  const rec = Object.fromEntries(['issues', 'kv', 'tx', 'push', 'deploy', 'install']
    .map((x) => [x, { acked: [], inflight: [], refused: [], errors: [] }]));
  const mix = { issues: pick(1, 4), kv: pick(1, 3), tx: pick(1, 3), push: pick(1, 2), deploy: pick(0, 1), install: pick(0, 1) };
  // the kill: at a random moment of the load, or (the other half of the trials) the instant
  // the Nth acknowledgement of one kind of write arrives, when a write answered before it
  // is durable would be lost; at 3 x loadMs[1] in any case
  const killAfter = pick(loadMs[0], loadMs[1]);
  const kinds = ['issues', 'kv', 'tx', 'push'].filter((x) => mix[x] > 0);
  const onAck = rnd() < 0.5 ? kinds[pick(0, kinds.length - 1)] : null;
  const ackTarget = pick(1, 12);
  const opt = { allowError: true, timeout: 30000 };

  // an issue's life: created, then edited or commented at random, until the kill
  const issueClient = (c) => {
    let issue = null;
    return client(state, async (i) => {
      if (!issue || rnd() < 0.3) {
        const u = randomUUID();
        const want = { kind: 'create', u, summary: `${project} c${c} #${i} ${u}`, description: `desc ${u}`, labels: [`l${u.slice(0, 8)}`] };
        const res = await k.jira(A.cloudId, '/issue', { ...opt, method: 'POST', token: A.token,
          body: { fields: { project: { key: project }, summary: want.summary, issuetype: { name: 'Task' }, labels: want.labels,
            description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: want.description }] }] } } } });
        if (!got(res, 201)) return res.error ? { cut: want } : busy(res) ? { refused: want } : failed(res, want, 'create issue');
        issue = { ...want, id: String(res.json.id), key: res.json.key, edits: [], comments: [] };
        return { ack: issue };
      }
      const u = randomUUID();
      if (rnd() < 0.5) {
        const summary = `${project} c${c} edit ${u}`;
        const w = { kind: 'edit', issue, summary };
        const res = await k.jira(A.cloudId, `/issue/${issue.key}`, { ...opt, method: 'PUT', token: A.token, body: { fields: { summary } } });
        if (!got(res, 204)) return res.error ? { cut: w } : busy(res) ? { refused: w } : failed(res, w, 'edit issue');
        issue.edits.push(summary);
        return { ack: w };
      }
      const w = { kind: 'comment', issue, body: `comment ${u}` };
      const res = await k.jira(A.cloudId, `/issue/${issue.key}/comment`, { ...opt, method: 'POST', token: A.token,
        body: { body: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: w.body }] }] } } });
      if (!got(res, 201)) return res.error ? { cut: w } : busy(res) ? { refused: w } : failed(res, w, 'comment');
      issue.comments.push(w.body);
      return { ack: w };
    }, rec.issues);
  };
  const kvClient = (c) => client(state, async (i) => {
    const w = { key: `kv-t${t}-c${c}-${i}`, value: randomUUID() };
    const res = await k.api(`${paths.kv}?key=${w.key}&value=${w.value}`, opt);
    return hookAnswer(res, w, 'kvs set');
  }, rec.kv);
  const txClient = (c) => client(state, async (i) => {
    const w = { id: `tx-t${t}-c${c}-${i}` };
    const res = await k.api(`${paths.tx}?id=${w.id}`, opt);
    return hookAnswer(res, w, 'kvs transaction');
  }, rec.tx);
  const pushClient = (c) => client(state, async (i) => {
    const w = { from: (c * 100000) + i * 10 };
    const res = await k.api(`${paths.push}?t=${t}&from=${w.from}`, opt);
    return hookAnswer(res, w, 'queue push');
  }, rec.push);
  const deployClient = () => client(state, async (i) => {
    writeFiles(churn, { 'src/index.js': churnSrc(`${t}.${i}`) });
    const w = { n: `${t}.${i}` };
    const res = await kilnCli(k, ['deploy', churn, '--json']);
    if (res.code === 0) return { ack: { ...w, version: JSON.parse(res.stdout).version } };
    return state.killed ? { cut: w } : failed({ status: res.code, text: res.stderr }, w, 'deploy');
  }, rec.deploy);
  const installClient = () => client(state, async () => {
    const w = { to: !ctx.churnInstalled };
    const res = await kilnCli(k, w.to ? ['install', '--site', 'crash-b', '--confirm-scopes', '--json'] : ['uninstall', '--site', 'crash-b', '--json'], { cwd: churn });
    if (res.code === 0) {
      ctx.churnInstalled = w.to;
      return { ack: w };
    }
    return state.killed ? { cut: w } : failed({ status: res.code, text: res.stderr }, w, w.to ? 'install' : 'uninstall');
  }, rec.install);

  const loops = [];
  const t0 = Date.now();
  for (let c = 0; c < mix.issues; c++) loops.push(issueClient(c));
  for (let c = 0; c < mix.kv; c++) loops.push(kvClient(c));
  for (let c = 0; c < mix.tx; c++) loops.push(txClient(c));
  for (let c = 0; c < mix.push; c++) loops.push(pushClient(c));
  if (mix.deploy) loops.push(deployClient());
  if (mix.install) loops.push(installClient());
  let killNow;
  const killAt = new Promise((resolve) => { killNow = resolve; });
  const timer = setTimeout(killNow, onAck ? 3 * loadMs[1] : killAfter, 'time');
  state.onAck = (x) => {
    if (x === rec[onAck] && x.acked.length === ackTarget) killNow('ack');
  };
  const why = await killAt;
  clearTimeout(timer);
  const killMs = Date.now() - t0;
  state.killed = true;
  const killed = await (ctx.be.kill ?? ((x) => x.kill9()))(k, ctx);
  if (killed) assert.equal(killed.signal, 'SIGKILL', `kiln was killed: ${JSON.stringify(killed)}`);
  await Promise.all(loops);

  const problems = [];
  for (const [what, x] of Object.entries(rec)) for (const e of x.errors) problems.push(`${what}: an answer before the kill was an error: ${e}`);
  problems.push(...await ctx.be.check(k));
  if (killed) await k.start();
  const n = (x) => x.acked.length;
  const nin = Object.values(rec).reduce((s, x) => s + x.inflight.length, 0);
  const nref = Object.values(rec).reduce((s, x) => s + x.refused.length, 0);
  ctx.figures.refused += nref;
  const nack = Object.values(rec).reduce((s, x) => s + n(x), 0);
  ctx.figures.acked += nack;
  ctx.figures.inflight += nin;
  const f = { lost: 0, duplicated: 0, half: 0, phantom: 0 };
  const bad = (kind, msg) => {
    f[kind]++;
    problems.push(`${kind}: ${msg}`);
  };
  const issueIds = await checkIssues(ctx, project, rec.issues, bad);
  await checkKvs(ctx, paths, t, rec.kv, rec.tx, bad);
  await checkDeploys(ctx, rec.deploy, rec.install, bad);
  if (!ctx.be.skipDeliveries) await checkDeliveries(ctx, paths, t, project, lastDelivery, issueIds, rec.push, bad);
  for (const key of Object.keys(f)) ctx.figures[key] += f[key];
  log(`trial ${t} (seed ${tseed}): ${ctx.be.killed ?? 'kill -9'} after ${killMs} ms (${why === 'ack' ? `at acknowledgement ${ackTarget} of ${onAck}` : 'at a random moment'}) of ${JSON.stringify(mix)}; ${nack} acknowledged ` +
    `(issues ${n(rec.issues)}, kvs ${n(rec.kv)}, tx ${n(rec.tx)}, pushes ${n(rec.push)}, deploys ${n(rec.deploy)}, installs ${n(rec.install)}), ` +
    `${nin} in flight, ${nref} refused; ${problems.length ? `${problems.length} PROBLEMS` : 'ok'}`);
  return problems;
}

// ------------------------------------------------------------------ the checks

const DELIVERY_WAIT_MS = 120000; // for a trial's deliveries to end after the restart

const adfText = (d) => JSON.stringify(d ?? null).match(/"text":"([^"]*)"/)?.[1];

async function checkIssues({ k, A }, project, rec, bad) {
  const creates = rec.acked.filter((w) => w.kind === 'create');
  const cutCreates = rec.inflight.filter((w) => w.kind === 'create');
  const refusedCreates = rec.refused.filter((w) => w.kind === 'create');
  const found = [];
  for (;;) {
    const r = await k.jira(A.cloudId, `/search?jql=${encodeURIComponent(`project = ${project} ORDER BY key`)}&startAt=${found.length}&maxResults=100&fields=summary,description,labels`, { token: A.token });
    expectStatus(r, 200, 'search');
    found.push(...r.json.issues);
    if (r.json.issues.length === 0 || found.length >= r.json.total) break;
  }
  const byU = new Map();
  for (const is of found) {
    const u = /([0-9a-f-]{36})$/.exec(adfText(is.fields.description) ?? '')?.[1];
    if (!u) { bad('phantom', `issue ${is.key} nobody created: ${JSON.stringify(is.fields)}`); continue; }
    byU.set(u, [...(byU.get(u) ?? []), is]);
  }
  for (const w of [...creates, ...cutCreates, ...refusedCreates]) {
    const acked = creates.includes(w);
    const list = byU.get(w.u) ?? [];
    byU.delete(w.u);
    if (list.length && refusedCreates.includes(w)) bad('phantom', `issue ${list[0].key} (${w.u}) was refused (429/503) yet created`);
    if (list.length > 1) bad('duplicated', `issue ${w.u} is there ${list.length} times: ${list.map((x) => x.key)}`);
    if (list.length === 0) {
      if (acked) bad('lost', `acknowledged issue ${w.key} (${w.u}) is missing`);
      continue;
    }
    const is = list[0];
    if (acked && (is.key !== w.key || String(is.id) !== w.id)) bad('lost', `issue ${w.u} is ${is.key}/${is.id}, was acknowledged as ${w.key}/${w.id}`);
    if (adfText(is.fields.description) !== w.description || JSON.stringify(is.fields.labels) !== JSON.stringify(w.labels)) {
      bad('half', `issue ${is.key}: fields ${JSON.stringify(is.fields)} differ from what was written`);
    }
    if (!acked) continue;
    // the summary: the last acknowledged edit's, or the one in flight at the kill
    const cutEdit = rec.inflight.find((x) => x.kind === 'edit' && x.issue === w);
    const ok = [w.edits.at(-1) ?? w.summary, ...(cutEdit ? [cutEdit.summary] : [])];
    if (!ok.includes(is.fields.summary)) bad('lost', `issue ${w.key}: summary ${JSON.stringify(is.fields.summary)}, expected one of ${JSON.stringify(ok)}`);
    // the changelog: one summary change per edit that happened, each exactly once
    const cl = await k.jira(A.cloudId, `/issue/${w.key}/changelog?maxResults=100`, { token: A.token });
    expectStatus(cl, 200, 'changelog');
    const tos = cl.json.values.flatMap((h) => h.items.filter((it) => it.field === 'summary').map((it) => it.toString));
    const edits = [...w.edits, ...(cutEdit && is.fields.summary === cutEdit.summary ? [cutEdit.summary] : [])];
    if (JSON.stringify(tos) !== JSON.stringify(edits)) {
      bad(tos.length > edits.length ? 'duplicated' : 'lost', `issue ${w.key}: changelog summary changes ${JSON.stringify(tos)}, expected ${JSON.stringify(edits)}`);
    }
    // the comments: each acknowledged one once, the one in flight at most once, no other
    const cm = await k.jira(A.cloudId, `/issue/${w.key}/comment?maxResults=100`, { token: A.token });
    expectStatus(cm, 200, 'comments');
    const bodies = cm.json.comments.map((c) => adfText(c.body));
    const cutComment = rec.inflight.find((x) => x.kind === 'comment' && x.issue === w);
    const want = [...w.comments, ...(cutComment && bodies.includes(cutComment.body) ? [cutComment.body] : [])];
    if (JSON.stringify(bodies) !== JSON.stringify(want)) {
      bad(bodies.length > want.length ? 'duplicated' : 'lost', `issue ${w.key}: comments ${JSON.stringify(bodies)}, expected ${JSON.stringify(want)}`);
    }
  }
  for (const [u, list] of byU) bad('phantom', `issue ${list.map((x) => x.key)} (${u}) matches no write`);
  return new Set(found.map((is) => String(is.id)));
}

/** What the app's state web trigger answers for `prefix`, as a Map; a 503 (the delivery
 * backlog after a restart fills the invocation queue) is asked again for up to 60 s. */
async function appState(k, paths, prefix) {
  let r;
  for (const end = Date.now() + 60000; ;) {
    r = await k.api(`${paths.state}?prefix=${encodeURIComponent(prefix)}`, { timeout: 60000 });
    if (r.status !== 503 || Date.now() > end) break;
    await sleep(100);
  }
  expectStatus(r, 200, 'state webtrigger');
  return new Map(r.json);
}

async function checkKvs({ k }, paths, t, kv, tx, bad) {
  const sets = await appState(k, paths, `kv-t${t}-`);
  for (const w of [...kv.acked, ...kv.inflight, ...kv.refused]) {
    const v = sets.get(w.key);
    sets.delete(w.key);
    if (v === undefined && kv.acked.includes(w)) bad('lost', `acknowledged kvs set ${w.key} is missing`);
    if (v !== undefined && v !== w.value) bad('half', `kvs ${w.key} = ${JSON.stringify(v)}, written ${w.value}`);
  }
  for (const key of sets.keys()) bad('phantom', `kvs ${key} matches no write`);
  const txs = await appState(k, paths, `tx-t${t}-`);
  for (const w of [...tx.acked, ...tx.inflight, ...tx.refused]) {
    const parts = ['a', 'b', 'c'].filter((p) => txs.get(`${w.id}-${p}`) === `${p}${w.id}`);
    for (const p of ['a', 'b', 'c']) txs.delete(`${w.id}-${p}`);
    if (parts.length === 0 && tx.acked.includes(w)) bad('lost', `acknowledged transaction ${w.id} is missing`);
    if (parts.length !== 0 && parts.length !== 3) bad('half', `transaction ${w.id} landed in part: ${parts}`);
  }
  for (const key of txs.keys()) bad('phantom', `kvs ${key} matches no transaction`);
}

async function checkDeploys(ctx, deploy, install, bad) {
  const { k, churn } = ctx;
  const j = await cliOkJson(k, ['deploy', 'list', churn, '--json']);
  const have = j.versions.map((v) => v.version);
  const acked = deploy.acked.map((w) => w.version);
  const expected = [...ctx.deployed, ...acked];
  if (new Set(have).size !== have.length) bad('duplicated', `deploy versions twice: ${have}`);
  const extra = have.length - expected.length;
  if (JSON.stringify(have.slice(0, expected.length)) !== JSON.stringify(expected) || extra > deploy.inflight.length || extra < 0) {
    bad(extra < 0 ? 'lost' : 'phantom', `deploy versions ${have}, acknowledged ${expected}, ${deploy.inflight.length} in flight`);
  }
  ctx.deployed = have;
  const inst = await cliOkJson(k, ['install', 'list', '--json'], { cwd: churn });
  const active = inst.installations.filter((i) => i.site === 'crash-b' && i.state === 'active').length;
  if (active > 1) bad('duplicated', `${active} active installations of the churn app on crash-b`);
  const want = ctx.churnInstalled;
  // an install or uninstall in flight at the kill may have landed: take what is there
  const cut = install.inflight.length > 0;
  if (Boolean(active) !== want && !cut) bad(want ? 'lost' : 'phantom', `churn app installed ${Boolean(active)}, acknowledged ${want}`);
  ctx.churnInstalled = Boolean(active);
}

/** The site's deliveries with an id above `after` (the admin listing, 1000 a page), and
 * the largest id seen (`after` if none). */
async function deliveriesAfter(k, site, after) {
  const list = [];
  for (;;) {
    const r = await k.admin(`/deliveries?site=${site}&limit=1000&after=${after}`);
    expectStatus(r, 200, 'deliveries');
    if (r.json.deliveries.length === 0) return { list, last: after };
    list.push(...r.json.deliveries);
    after = Math.max(after, ...r.json.deliveries.map((d) => Number(d.id)));
  }
}

/** issueIds: the ids of every issue of the trial's project (checkIssues). What must be
 * delivered: one event per issue, every event of an acknowledged push or of one in flight
 * that landed. */
async function checkDeliveries(ctx, paths, t, project, lastDelivery, issueIds, push, bad) {
  const { k, A } = ctx;
  const ours = (d) => d.source === 'product' || d.source === 'queue';
  // wait (at most DELIVERY_WAIT_MS) until every delivery ended and there are as many as owed
  // at least; what is missing or unfinished then is reported below
  const settled = (x) => x.every((d) => ['delivered', 'dead', 'dropped', 'cancelled'].includes(d.state)) &&
    x.filter((d) => d.source === 'product').length >= issueIds.size &&
    x.filter((d) => d.source === 'queue').length >= push.acked.length * 10;
  let all;
  for (const end = Date.now() + DELIVERY_WAIT_MS; ;) {
    all = (await deliveriesAfter(k, A.name, lastDelivery)).list.filter(ours);
    if (settled(all) || Date.now() > end) break;
    await sleep(100);
  }
  const what = new Map();
  for (const d of all) {
    const shown = await k.admin(`/deliveries/${d.id}`);
    expectStatus(shown, 200, 'delivery');
    const key = d.source === 'product' ? `${project}-i${shown.json.payload.issue.id}` : `q${shown.json.payload.body.t}-${shown.json.payload.body.n}`;
    what.set(key, [...(what.get(key) ?? []), d]);
    if (d.state !== 'delivered') bad('lost', `delivery ${d.id} (${key}) ended ${d.state} after ${shown.json.attempts} attempts: ${shown.json.lastError}`);
  }
  ctx.figures.deliveries += all.length;
  const owed = new Set([...issueIds].map((id) => `${project}-i${id}`));
  for (const w of push.acked) for (let i = 0; i < 10; i++) owed.add(`q${t}-${w.from + i}`);
  for (const w of [...push.inflight, ...push.refused]) {
    const landed = Array.from({ length: 10 }, (_, i) => what.has(`q${t}-${w.from + i}`)).filter(Boolean).length;
    if (landed !== 0 && landed !== 10) bad('half', `push ${t}/${w.from} in flight at the kill landed ${landed} of 10 events`);
    if (landed) for (let i = 0; i < 10; i++) owed.add(`q${t}-${w.from + i}`);
  }
  for (const key of owed) {
    const n = what.get(key)?.length ?? 0;
    if (n === 0) bad('lost', `${key}: no delivery`);
    if (n > 1) bad('duplicated', `${key}: ${n} deliveries`);
  }
  for (const key of what.keys()) if (!owed.has(key)) bad('phantom', `${key}: a delivery for nothing written`);
  // the handler runs: at least one per delivery, at most one per attempt, none unowed
  const runs = new Map();
  for (const prefix of [`run-${project}-`, `run-q${t}-`]) {
    for (const key of (await appState(k, paths, prefix)).keys()) {
      const m = /^run-(.+)-[a-z0-9]+$/.exec(key);
      runs.set(m[1], (runs.get(m[1]) ?? 0) + 1);
    }
  }
  for (const [key, ds] of what) {
    const n = runs.get(key) ?? 0;
    if (n < 1) bad('lost', `${key}: delivered but the handler never ran`);
    if (n > ds[0].attempts) bad('duplicated', `${key}: ${n} handler runs for ${ds[0].attempts} attempts`);
    ctx.figures.reruns += Math.max(0, n - 1);
  }
  for (const key of runs.keys()) if (!what.has(key)) bad('phantom', `${key}: a handler run without a delivery`);
  // site B wrote nothing: its installation of the app got no delivery and ran no handler
  const leaked = (await deliveriesAfter(k, ctx.B.name, 0)).list.filter(ours);
  for (const d of leaked) bad('phantom', `TENANCY: delivery ${d.id} (${d.source} ${d.event_type ?? ''}) to site ${ctx.B.name}, which wrote nothing`);
  const bRuns = await appState(k, { state: await webtriggerPath(k, ctx.dir, ctx.B, 'state') }, 'run-');
  for (const key of bRuns.keys()) bad('phantom', `TENANCY: handler run ${key} on site ${ctx.B.name}`);
}

// ------------------------------------------------------------------ command line

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, env) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : process.env[env];
  };
  const trials = Number(opt('trials', 'CRASH_TRIALS') ?? 100);
  const seedArg = opt('seed', 'CRASH_SEED');
  const seed = seedArg !== undefined ? Number(seedArg) : Date.now() % 2147483647;
  const backend = opt('backend', 'CRASH_BACKEND') ?? 'sqlite';
  if (!Number.isInteger(trials) || trials < 1 || trials > 100000) throw new Error(`--trials must be 1 .. 100000, not ${trials}`);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, not ${seedArg}`);
  const t0 = Date.now();
  const r = await runBattery({ trials, seed, backend });
  console.log(`crash battery: ${((Date.now() - t0) / 1000).toFixed(0)} s, ${new Date().toISOString().slice(0, 10)}, ` +
    `node tests/battery/crash.mjs --trials ${trials} --seed ${seed} --backend ${backend}`);
  for (const p of r.problems) console.log(`PROBLEM ${p}`);
  process.exit(r.problems.length ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`crash battery: ${e.stack ?? e}`);
    process.exit(1);
  });
}
