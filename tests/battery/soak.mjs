// Soak and faults (issue 21 part 4; docs/reliability.md, "Soak and faults").
//
// One kiln (2 threads) with two demo sites and a test app installed on both, under a mixed
// load for SOAK_SECONDS: the product API as each site's admin (GET issue, a JQL search,
// create and edit an issue: each write an avi:jira:* event the app's trigger receives),
// the app's web trigger (app storage set and read back, a product call as the app), and the
// web UI (the shell page and the modules listing, signed in). First the load's capacity is
// measured (closed loop, CAPACITY_SECONDS); the soak then offers half of it, open loop, as
// the issue asks. Web triggers run at a fixed rate under Forge's per-installation limit
// (1,200 a minute), so a 429 is never expected.
//
// Faults, every FAULT_EVERY seconds in turn: one of kiln's workers killed (SIGKILL), a
// call of a web trigger whose function never returns, and one whose function calls a
// Forge Remote that accepts the connection and never answers (kiln must answer both 504
// by the function's deadline, `timeoutSeconds: 3` in the manifest). A request in flight on a killed worker
// may fail (500/503): such answers to web triggers in flight at a kill or sent within 5 s
// after it are counted apart, as "after a kill"; any other non-2xx answer, a connection error or a request not answered within
// 20 s is an unexpected error.
//
// Sampled every second: kiln's resident memory, open descriptors and threads. After the
// warm-up (the first fifth of the soak, at least 10 s) the drift is the median of the last
// tenth of the samples against the median of the first tenth after warm-up.
//
// SQLite's WAL is sampled too (walMaxBytes): a read snapshot left open anywhere pins it,
// no checkpoint completes, and it grows without bound (a worker kill once left the runtime
// thread's snapshot parked: 858 MB in 40 s).
//
// Result: {capacity, offered, answered, byKind, unexpected, afterKill, kills, hangs,
// hangMs, drift: {rss, fds, threads}, walMaxBytes, samples}. runSoak() throws nothing for a bad figure:
// the caller judges (tests/e2e/soak.test.mjs the quick mode, main() below the long one).
//
// Long mode: make battery-soak (SOAK_SECONDS=3600). Quick mode: tests/e2e/soak.test.mjs.

import http from 'node:http';
import net from 'node:net';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKiln, sleep, HOST, expectStatus, kilnCli, expectCliOk } from '../e2e/lib/kiln.mjs';
import { deployApp, webtriggerPath, requireForge } from '../e2e/lib/events.mjs';
import { uiSession } from '../e2e/lib/ui.mjs';
import { kilnWorkers, usage } from '../e2e/lib/proc.mjs';

const manifest = (remotePort) => `modules:
  trigger:
    - key: created
      function: on-created
      events:
        - avi:jira:created:issue
  webtrigger:
    - key: work
      function: work-fn
      response:
        type: dynamic
    - key: hang
      function: hang-fn
      response:
        type: dynamic
    - key: remote
      function: remote-fn
      response:
        type: dynamic
  function:
    - key: on-created
      handler: index.onCreated
    - key: work-fn
      handler: index.work
    - key: hang-fn
      handler: index.hang
      timeoutSeconds: 3
    - key: remote-fn
      handler: index.remote
      timeoutSeconds: 3
remotes:
  - key: hanger
    baseUrl: http://127.0.0.1:${remotePort}
    operations:
      - compute
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
    - write:jira-work
    - storage:app
  external:
    fetch:
      backend:
        - remote: hanger
`;

const SRC = `import api, { route, invokeRemote } from '@forge/api';
import { kvs } from '@forge/kvs';
export async function onCreated(event) {
  await kvs.set('created-' + event.issue.id, { at: Date.now() });
}
export async function work(req) {
  const key = 'soak-' + Math.floor(Math.random() * 50);
  const v = { n: Math.random(), at: Date.now() };
  await kvs.set(key, v);
  const back = await kvs.get(key);
  const me = await api.asApp().requestJira(route\`/rest/api/3/serverInfo\`);
  const ok = back && typeof back.n === 'number' && me.status === 200;
  return { statusCode: ok ? 200 : 500, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify({ ok }) };
}
export async function hang() {
  await new Promise(() => {});
}
export async function remote() {
  await invokeRemote('hanger', { path: '/never', method: 'GET' });
  return { statusCode: 200, body: 'the remote answered' };
}
`;

/** SQLite's WAL stays under this while checkpoints complete (it is reused from its start
 * once one has; kiln checkpoints every few thousand pages): past it, something pins it. */
export const WAL_MAX_BYTES = 64 * 1024 * 1024;

/** Descriptors kiln holds for each worker (its pipes and its proxy connection), at most. */
const FDS_PER_WORKER = 6;

const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** One request on a keep-alive agent: {status, ms} or {status: 0, error}. Never rejects. */
function request(agent, port, { method = 'GET', path, headers = {}, body, timeout = 20000 }) {
  const t0 = Date.now();
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const h = { ...headers };
  if (payload) {
    h['content-type'] = 'application/json';
    h['content-length'] = String(payload.length);
  }
  return new Promise((resolve) => {
    const req = http.request({ host: HOST, port, method, path, headers: h, agent });
    req.setTimeout(timeout, () => req.destroy(new Error(`not answered in ${timeout} ms`)));
    req.on('error', (e) => resolve({ status: 0, error: e.message, ms: Date.now() - t0 }));
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (e) => resolve({ status: 0, error: e.message, ms: Date.now() - t0 }));
      res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - t0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(payload);
  });
}

/** A site's issues and what it takes to create one: {keys, projectId, issuetypeId}. */
async function siteFacts(k, s) {
  const p = await k.jira(s.cloudId, '/project/search?maxResults=1', { token: s.token });
  expectStatus(p, 200, 'the site\'s projects');
  const jql = encodeURIComponent(`project = ${p.json.values[0].id} order by key`);
  const r = await k.jira(s.cloudId, `/search/jql?jql=${jql}&maxResults=100&fields=project,issuetype`, { token: s.token });
  expectStatus(r, 200, 'the site\'s issues');
  const issues = r.json.issues;
  if (issues.length < 5) throw new Error(`the demo site has ${issues.length} issues`);
  return { keys: issues.map((i) => i.key), projectId: issues[0].fields.project.id, issuetypeId: issues[0].fields.issuetype.id };
}

/** The load's kinds: each makes one request for site s (with its facts f and session ui). */
const KINDS = {
  getIssue: (s, f, ui, i) => ({ path: `/ex/jira/${s.cloudId}/rest/api/3/issue/${f.keys[i % f.keys.length]}`, headers: { authorization: `Bearer ${s.token}` } }),
  search: (s, f, ui, i) => ({
    path: `/ex/jira/${s.cloudId}/rest/api/3/search/jql?jql=${encodeURIComponent(`project = ${f.projectId} order by updated desc`)}&maxResults=${10 + (i % 20)}&fields=summary,status`,
    headers: { authorization: `Bearer ${s.token}` },
  }),
  create: (s, f, ui, i) => ({
    method: 'POST', path: `/ex/jira/${s.cloudId}/rest/api/3/issue`, headers: { authorization: `Bearer ${s.token}` },
    body: { fields: { project: { id: f.projectId }, issuetype: { id: f.issuetypeId }, summary: `soak ${i}` } },
  }),
  edit: (s, f, ui, i) => ({
    method: 'PUT', path: `/ex/jira/${s.cloudId}/rest/api/3/issue/${f.keys[i % f.keys.length]}`, headers: { authorization: `Bearer ${s.token}` },
    body: { fields: { summary: `soak edit ${i}` } },
  }),
  uiShell: (s, f, ui) => ({ path: `/s/${s.name}/`, headers: { cookie: ui.cookie } }),
  uiModules: (s, f, ui, i) => ({ path: `/_ui/v1/modules?placement=jira:issuePanel&issue=${f.keys[i % f.keys.length]}`, headers: { cookie: ui.cookie } }),
};
/** The mix: each kind's share of the product and UI load (web triggers run apart). */
const MIX = [['getIssue', 35], ['search', 20], ['create', 10], ['edit', 15], ['uiShell', 10], ['uiModules', 10]];
const PICK = MIX.flatMap(([k, w]) => Array(w).fill(k));
const OK_STATUS = { getIssue: [200], search: [200], create: [201], edit: [204], uiShell: [200], uiModules: [200], work: [200] };

export async function runSoak({ seconds = 30, capacitySeconds = 5, faultEvery = 10, wrap = [], log = () => {} } = {}) {
  requireForge('api', 'kvs');
  const k = await startKiln({ threads: 2, wrap });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  // a remote that accepts connections and never answers
  const held = new Set();
  const hanger = net.createServer((c) => { held.add(c); c.on('close', () => held.delete(c)); c.on('error', () => {}); });
  await new Promise((r) => hanger.listen(0, HOST, r));
  try {
    const tag = Date.now().toString(36);
    const sites = [await k.siteWithToken(`soak-a-${tag}`, true), await k.siteWithToken(`soak-b-${tag}`, true)];
    const app = await deployApp(k, 'soak', { 'manifest.yml': manifest(hanger.address().port), 'src/index.js': SRC });
    for (const s of sites) {
      expectCliOk(await kilnCli(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: app.dir }));
      s.facts = await siteFacts(k, s);
      s.ui = await uiSession(k, s.name);
      s.work = await webtriggerPath(k, app.dir, s, 'work');
      s.hang = await webtriggerPath(k, app.dir, s, 'hang');
      s.remote = await webtriggerPath(k, app.dir, s, 'remote');
    }
    let seq = 0;
    const one = (kind) => {
      const s = sites[seq % sites.length];
      const i = seq++;
      return KINDS[kind](s, s.facts, s.ui, i);
    };

    // capacity: 16 clients in a closed loop over the mix
    let done = 0;
    const capEnd = Date.now() + capacitySeconds * 1000;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (Date.now() < capEnd) {
        await request(agent, k.port, one(PICK[seq % PICK.length]));
        done++;
      }
    }));
    const capacity = done / capacitySeconds;
    const rate = Math.max(1, capacity / 2);
    log(`capacity ${capacity.toFixed(0)} requests/s; soaking at ${rate.toFixed(0)}/s for ${seconds} s`);

    const res = {
      capacity: Math.round(capacity), rate: Math.round(rate), offered: 0, answered: 0, byKind: {}, unexpected: [],
      afterKill: 0, kills: 0, hangs: 0, hangMs: [], samples: [], latency: [],
    };
    const kills = [];
    const inflight = new Set();
    const judge = (kind, t0, r) => {
      const b = (res.byKind[kind] ??= { n: 0, bad: 0 });
      b.n++;
      res.answered++;
      res.latency.push(r.ms);
      if (OK_STATUS[kind].includes(r.status)) return;
      const t1 = t0 + r.ms;
      if (kind === 'work' && (r.status === 500 || r.status === 503) && kills.some((at) => t0 <= at + 5000 && t1 >= at)) {
        res.afterKill++;
        return;
      }
      b.bad++;
      if (res.unexpected.length < 20) res.unexpected.push({ kind, status: r.status, error: r.error, text: r.text?.slice(0, 300), atS: (t0 - start) / 1000 });
      else res.unexpected.push(null);
    };
    const fire = (kind, req) => {
      const t0 = Date.now();
      res.offered++;
      const p = request(agent, k.port, req).then((r) => judge(kind, t0, r));
      inflight.add(p);
      p.finally(() => inflight.delete(p));
    };

    await sleep(1000);
    res.before = { ...usage(k.proc.pid), workers: kilnWorkers(k.proc.pid).length };
    const start = Date.now();
    const end = start + seconds * 1000;
    const walPath = path.join(k.dataDir, 'kiln.db-wal');
    res.walMaxBytes = 0;
    const sampler = setInterval(() => {
      const u = usage(k.proc.pid);
      if (u) res.samples.push({ t: (Date.now() - start) / 1000, ...u });
      try { res.walMaxBytes = Math.max(res.walMaxBytes, statSync(walPath).size); } catch { /* not there yet */ }
    }, 1000);
    let faults = 0;
    const faulter = setInterval(async () => {
      const fault = faults++ % 3;
      if (fault === 0) {
        const ws = kilnWorkers(k.proc.pid);
        if (!ws.length) return;
        const w = ws[Math.floor(Math.random() * ws.length)];
        kills.push(Date.now());
        try { process.kill(w.pid, 'SIGKILL'); res.kills++; } catch { /* gone meanwhile */ }
      } else {
        const s = sites[faults % sites.length];
        res.hangs++;
        const r = await request(agent, k.port, { path: fault === 1 ? s.hang : s.remote, timeout: 20000 });
        if (r.status === 504) res.hangMs.push(r.ms);
        else res.unexpected.push({ kind: 'hang', status: r.status, error: r.error, text: r.text?.slice(0, 300) });
      }
    }, faultEvery * 1000);

    // open loop: the mix at `rate`, web triggers at 8/s for each site
    const tick = 10;
    let owed = 0;
    let wtOwed = 0;
    while (Date.now() < end) {
      owed += (rate * tick) / 1000;
      wtOwed += (8 * sites.length * tick) / 1000;
      for (; owed >= 1; owed--) { const kind = PICK[Math.floor(Math.random() * PICK.length)]; fire(kind, one(kind)); }
      for (; wtOwed >= 1; wtOwed--) fire('work', { path: sites[seq++ % sites.length].work });
      await sleep(tick);
    }
    clearInterval(faulter);
    await Promise.all([...inflight]);
    clearInterval(sampler);
    // the load's connections closed (and the hanging remote's): kiln's descriptors go back
    // to what they were, but for the pipes and sockets of workers started meanwhile
    // (FDS_PER_WORKER each)
    agent.destroy();
    for (const c of held) c.destroy();
    const workersNow = () => kilnWorkers(k.proc.pid).length;
    const allowed = () => res.before.fds + 4 + FDS_PER_WORKER * Math.max(0, workersNow() - res.before.workers);
    const settle = Date.now() + 10000;
    while (usage(k.proc.pid).fds > allowed() && Date.now() < settle) await sleep(200);
    res.after = { ...usage(k.proc.pid), workers: workersNow(), fdsAllowed: allowed() };

    const warm = Math.max(10, seconds / 5);
    const after = res.samples.filter((x) => x.t >= warm);
    const tenth = Math.max(1, Math.floor(after.length / 10));
    const first = after.slice(0, tenth);
    const last = after.slice(-tenth);
    const drift = (f) => {
      const a = median(first.map(f));
      const b = median(last.map(f));
      return { first: a, last: b, ratio: b / a };
    };
    res.drift = { rssKiB: drift((x) => x.rssKiB), fds: drift((x) => x.fds), threads: drift((x) => x.threads) };
    res.fdsLeaked = res.after.fds > res.after.fdsAllowed;
    res.p50 = median(res.latency);
    res.p99 = [...res.latency].sort((a, b) => a - b)[Math.floor(res.latency.length * 0.99)] ?? NaN;
    delete res.latency;
    res.unexpectedCount = res.unexpected.length;
    res.unexpected = res.unexpected.filter(Boolean);
    return res;
  } finally {
    agent.destroy();
    for (const c of held) c.destroy();
    hanger.close();
    await k.close();
  }
}

async function main() {
  const seconds = Number(process.env.SOAK_SECONDS ?? 3600);
  const r = await runSoak({
    seconds, capacitySeconds: Number(process.env.CAPACITY_SECONDS ?? 20), faultEvery: Number(process.env.FAULT_EVERY ?? 30),
    wrap: (process.env.SOAK_WRAP ?? '').split(' ').filter(Boolean), // e.g. "heaptrack -o FILE": where memory goes
    log: (m) => console.log(`soak: ${m}`),
  });
  const { samples, ...rest } = r;
  console.log(JSON.stringify(rest, null, 1));
  // the trend: one sample a minute (or a tenth of the run, if shorter)
  const every = Math.max(1, Math.min(60, Math.floor(samples.length / 10)));
  for (const x of samples.filter((_, i) => i % every === 0)) {
    console.log(`soak: t ${x.t.toFixed(0)} s rss ${x.rssKiB} KiB (anon ${x.anonKiB}, file ${x.fileKiB}, shmem ${x.shmemKiB}) fds ${x.fds} threads ${x.threads}`);
  }
  console.log(`soak: ${seconds} s at ${r.rate}/s (capacity ${r.capacity}/s): ${r.answered} answered, ${r.unexpectedCount} unexpected, ` +
    `${r.afterKill} failed after ${r.kills} worker kills, ${r.hangMs.length}/${r.hangs} hangs answered 504 (median ${median(r.hangMs)} ms); ` +
    `WAL at most ${(r.walMaxBytes / 1048576).toFixed(1)} MiB, drift rss ${((r.drift.rssKiB.ratio - 1) * 100).toFixed(1)}%, fds before/after ${r.before.fds}/${r.after.fds} (allowed ${r.after.fdsAllowed}), threads ${r.drift.threads.first}->${r.drift.threads.last}; p50 ${r.p50} ms p99 ${r.p99} ms`);
  const bad = r.unexpectedCount > 0 || r.walMaxBytes > WAL_MAX_BYTES || Math.abs(r.drift.rssKiB.ratio - 1) > 0.05 || r.drift.threads.last !== r.drift.threads.first || r.fdsLeaked ||
    r.hangMs.length !== r.hangs;
  process.exit(bad ? 1 : 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main().catch((e) => { console.error(e); process.exit(2); });
