#!/usr/bin/env node
// Event fan-out latency (bench/README.md, "Event fan-out latency"): one kiln, one demo
// site, bench/fanout-app installed; a load generator edits issues through the REST API at
// BENCH_RATE edits/s for BENCH_SECONDS s (open loop: an edit is sent at its time whether
// or not the ones before have answered), spread over BENCH_ISSUES issues (one issue's
// events run in order, one at a time). The app's avi:jira:updated:issue trigger takes
// Date.now() in its first line and records it minus the edit's own time
// (event.issue.fields.updated: set by the write before it commits, so the figure includes
// the commit, kiln's fan-out, the delivery's start and the worker's hand-over).
// Side by side, in the same kiln: the web trigger round trip of a handler that does nothing
// (BENCH_PINGS sequential requests), the reference. Target: fan-out p50 <= 5 ms, p99 <= 50 ms.
//
//   node bench/events_fanout.mjs     BENCH_RATE=500 BENCH_SECONDS=10 BENCH_ISSUES=50 KILN_BIN=build/kiln
import { cpSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ROOT, HOST, startKiln, tempDir, cliOkJson as okJson, sleep } from '../tests/e2e/lib/kiln.mjs';

const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ISSUES = Number(process.env.BENCH_ISSUES ?? 50);
const PINGS = Number(process.env.BENCH_PINGS ?? 500);

const k = await startKiln({ threads: 2, extraArgs: ['--webtrigger-rate', '0', '--kvs-rate', '0'] });
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
// one request on a kept-alive connection: {status, json, ms}
function call(method, p, token, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
    const headers = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (data) Object.assign(headers, { 'content-type': 'application/json', 'content-length': data.length });
    const t0 = performance.now();
    const req = http.request({ host: HOST, port: k.port, method, path: p, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, text, ms: performance.now() - t0 });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))];
const fmt = (x) => x.toFixed(1);

try {
  const dir = path.join(tempDir('fobench'), 'fanout-app');
  cpSync(path.join(ROOT, 'bench', 'fanout-app'), dir, { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const name = `fobench-${process.pid}`;
  const site = await k.siteWithToken(name, true);
  await okJson(k, ['register', dir, '--json']);
  await okJson(k, ['deploy', dir, '--json']);
  await okJson(k, ['install', '--site', name, '--confirm-scopes', '--json'], { cwd: dir });
  const hook = async (key) => new URL((await okJson(k, ['webtrigger', key, '--site', name, '--json'], { cwd: dir })).url).pathname;
  const ping = await hook('ping');
  const jira = (p) => `/ex/jira/${site.cloudId}/rest/api/3${p}`;

  const projects = await call('GET', jira('/project/search?maxResults=50'), site.token);
  if (projects.status !== 200 || !projects.json.values.length) throw new Error(`projects: ${projects.status} ${projects.text}`);
  const project = projects.json.values[0].key;
  const issues = [];
  for (let i = 0; i < ISSUES; i++) {
    const r = await call('POST', jira('/issue'), site.token, { fields: { project: { key: project }, summary: `bench ${i}`, issuetype: { name: 'Task' } } });
    if (r.status !== 201) throw new Error(`create issue: ${r.status} ${r.text}`);
    issues.push(r.json.key);
  }

  // the trigger's lines (GET /admin/v1/logs, paged forward): "fanout-ms <ms> <summary>"
  let after = 0;
  const ms = [];
  const startedAt = [];
  const summaries = [];
  async function recorded() {
    for (;;) {
      const r = await call('GET', `/admin/v1/logs?site=${name}&after=${after}&n=1000`, k.adminToken);
      if (r.status !== 200) throw new Error(`logs: ${r.status} ${r.text}`);
      for (const l of r.json.logs) {
        after = Math.max(after, l.id);
        const m = /^fanout-ms (-?\d+) (\d+) (.*)$/.exec(l.message);
        if (m) {
          ms.push(Number(m[1]));
          startedAt.push(Number(m[2]));
          summaries.push(m[3]);
        }
      }
      if (r.json.logs.length < 1000) return { ms, startedAt, summaries };
    }
  }
  async function until(n, what) {
    const end = Date.now() + 600000;
    for (;;) {
      const got = await recorded();
      if (got.ms.length >= n) return got;
      if (Date.now() > end) throw new Error(`${what}: ${got.ms.length} of ${n} after 10 minutes`);
      await sleep(200);
    }
  }

  // warm: a worker up for the trigger and for the web trigger
  for (let i = 0; i < 20; i++) {
    const r = await call('PUT', jira(`/issue/${issues[i % ISSUES]}`), site.token, { fields: { summary: `warm ${i}` } });
    if (r.status !== 204) throw new Error(`edit: ${r.status} ${r.text}`);
  }
  for (let i = 0; i < 20; i++) await call('GET', ping);
  await until(20, 'warm-up');

  // the load: RATE edits/s for SECONDS s, each at its own time
  const total = RATE * SECONDS;
  let bad = 0;
  let lateMax = 0;
  const sent = [];
  const answeredAt = new Map(); // 'load i' -> Date.now() when its 204 arrived
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const at = t0 + (i * 1000) / RATE;
    const wait = at - performance.now();
    if (wait > 1) await sleep(wait);
    lateMax = Math.max(lateMax, performance.now() - at);
    sent.push(call('PUT', jira(`/issue/${issues[i % ISSUES]}`), site.token, { fields: { summary: `load ${i}` } })
      .then((r) => { answeredAt.set(`load ${i}`, Date.now()); if (r.status !== 204) bad++; return r.ms; }, () => { bad++; return 0; }));
  }
  const editMs = (await Promise.all(sent)).sort((a, b) => a - b);
  const loadS = (performance.now() - t0) / 1000;
  const got = await until(20 + total - bad, 'fan-out');
  const lat = got.ms.filter((_, i) => got.summaries[i]?.startsWith('load ')).sort((a, b) => a - b);
  // the same from the edit's answer (its commit done): what the engine adds after the write
  const afterAnswer = got.summaries.map((s, i) => (answeredAt.has(s) ? got.startedAt[i] - answeredAt.get(s) : null))
    .filter((x) => x !== null).sort((a, b) => a - b);

  // group commit (docs/store.md): the store's write commits and the fsyncs they shared, if this kiln counts them
  const metrics = await call('GET', '/metrics');
  const counter = (name) => Number((String(metrics.text ?? '').match(new RegExp(`^${name} (\\d+)$`, 'm')) ?? [])[1]);
  const commits = counter('kiln_store_commits_total');
  const fsyncs = counter('kiln_store_fsyncs_total');
  const held = counter('kiln_store_answers_held_total'); // answers the syncer released (NaN: a kiln without it)

  // the reference: the web trigger round trip, one at a time, kiln idle again
  const rt = [];
  for (let i = 0; i < PINGS; i++) {
    const r = await call('GET', ping);
    if (r.status !== 200) throw new Error(`ping: ${r.status}`);
    rt.push(r.ms);
  }
  rt.sort((a, b) => a - b);

  console.log(`load:       ${total} issue edits over ${ISSUES} issues in ${loadS.toFixed(1)} s (${Math.round(total / loadS)}/s, sender late by at most ${fmt(lateMax)} ms), edit answered p50 ${fmt(pct(editMs, 50))} ms p99 ${fmt(pct(editMs, 99))} ms${bad ? `, ${bad} not 204` : ''}`);
  console.log(`fan-out:    edit's time -> trigger's first line, ${lat.length} events: p50 ${pct(lat, 50)} ms, p99 ${pct(lat, 99)} ms, max ${lat[lat.length - 1]} ms   (target p50 <= 5, p99 <= 50)`);
  console.log(`            edit answered -> trigger's first line: p50 ${pct(afterAnswer, 50)} ms, p99 ${pct(afterAnswer, 99)} ms (negative: the trigger started before the answer reached the client)`);
  console.log(`webtrigger: round trip of a handler doing nothing, ${PINGS} sequential: p50 ${fmt(pct(rt, 50))} ms, p99 ${fmt(pct(rt, 99))} ms`);
  if (commits > 0) console.log(`store:      ${commits} write commits, ${fsyncs} fsyncs (${(commits / Math.max(fsyncs, 1)).toFixed(1)} commits per fsync) since start${held >= 0 ? `, ${held} answers held for the syncer` : ''}`);
  console.log(`(rerun: BENCH_RATE=${RATE} BENCH_SECONDS=${SECONDS} BENCH_ISSUES=${ISSUES} node bench/events_fanout.mjs)`);
  if (lat.length !== total - bad) throw new Error(`${total - bad} edits, ${lat.length} trigger runs`);
} finally {
  agent.destroy();
  await k.close();
}
