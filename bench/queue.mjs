#!/usr/bin/env node
// Async events drain vs web trigger requests (bench/README.md, "Async events drain"):
// one kiln, one site, bench/queue-app installed; the same handler (one app storage write)
//   1. behind a `consumer`: the app's `fill` web trigger pushes N events (3.x Queue, 50
//      per push); timed from the fill request until /metrics counts N delivered;
//   2. behind a web trigger: N requests to `work`, BENCH_CONC at a time.
// Both with kiln's per-installation rate limits off (--queue-rate 0 --webtrigger-rate 0):
// the figure is the path, not the limiter. Prints one line per side and their ratio.
//
//   node bench/queue.mjs            BENCH_EVENTS=10000 BENCH_CONC=8 KILN_BIN=build/kiln
import { cpSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startKiln, tempDir, cliOkJson as okJson, sleep } from '../tests/e2e/lib/kiln.mjs';

const N = Number(process.env.BENCH_EVENTS ?? 10000);
const CONC = Number(process.env.BENCH_CONC ?? 8);

const k = await startKiln({ threads: 2, extraArgs: ['--queue-rate', '0', '--webtrigger-rate', '0'] });
try {
  const dir = path.join(tempDir('qbench'), 'queue-app');
  cpSync(path.join(ROOT, 'bench', 'queue-app'), dir, { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const site = await k.createSite(`qbench-${process.pid}`);
  await okJson(k, ['register', dir, '--json']);
  await okJson(k, ['deploy', dir, '--json']);
  await okJson(k, ['install', '--site', site.name, '--confirm-scopes', '--json'], { cwd: dir });
  const url = async (key) => new URL((await okJson(k, ['webtrigger', key, '--site', site.name, '--json'], { cwd: dir })).url).pathname;
  const fill = await url('fill');
  const work = await url('work');
  // a 503 with Retry-After (the app's workers and their backlog all taken, a worker not
  // started yet: a loaded machine) is retried after it, as a client would; counted
  let retried = 0;
  const post = async (p, body) => {
    for (;;) {
      const r = await k.api(p, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, timeout: 900000 });
      const after = Number(r.headers['retry-after']);
      if (r.status !== 503 || !(after >= 0) || retried >= 1000) return r;
      retried++;
      await sleep(after * 1000);
    }
  };

  async function delivered() {
    const m = await k.api('/metrics', { token: k.adminToken });
    let n = 0;
    for (const line of m.text.split('\n')) {
      const m = /^kiln_delivery_attempts_total\{app="[^"]*",outcome="delivered"\} (\d+)/.exec(line); // the one app here
      if (m) n += Number(m[1]);
    }
    return n;
  }

  // what each side cost: kiln's CPU (all its threads), its workers' (every process below
  // it: the sandbox and node), this client's, all from /proc and process.cpuUsage; and
  // the store's commits and group fsyncs (/metrics), per event
  const cpuOf = (pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10;
  };
  const children = (pid) => {
    try {
      return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean));
    } catch { return []; } // gone meanwhile
  };
  const belowCpu = (pid) => {
    let ms = 0;
    for (const stack = children(pid); stack.length;) {
      const c = stack.pop();
      try { ms += cpuOf(c); } catch { continue; }
      stack.push(...children(c));
    }
    return ms;
  };
  async function cost() {
    const m = await k.api('/metrics', { token: k.adminToken });
    const num = (name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(m.text)?.[1] ?? NaN);
    const u = process.cpuUsage();
    return { cpuMs: cpuOf(k.run.pid), workersMs: belowCpu(k.run.pid), clientMs: (u.user + u.system) / 1000,
      commits: num('kiln_store_commits_total'), fsyncs: num('kiln_store_fsyncs_total') };
  }
  const per = (a, b) => `CPU per event: kiln ${((b.cpuMs - a.cpuMs) / N).toFixed(3)} ms, workers ${((b.workersMs - a.workersMs) / N).toFixed(3)} ms, this client ${((b.clientMs - a.clientMs) / N).toFixed(3)} ms; ${((b.commits - a.commits) / N).toFixed(2)} commits, ${((b.fsyncs - a.fsyncs) / N).toFixed(2)} fsyncs per event`;

  async function until(n) {
    const end = Date.now() + 1800000;
    while ((await delivered()) < n) {
      if (Date.now() > end) throw new Error(`fewer than ${n} deliveries after 30 minutes`);
      await sleep(50);
    }
  }

  // warm both paths (a worker up, the consumer's and the web trigger's first runs)
  let r = await post(fill, { n: 50 });
  if (r.status !== 200) throw new Error(`fill: ${r.status} ${r.text}`);
  await until(50);
  for (let i = 0; i < 20; i++) await post(work, { n: -1 - i });

  // 1. the queue
  const base = await delivered();
  const c0 = await cost();
  const q0 = performance.now();
  r = await post(fill, { n: N });
  if (r.status !== 200) throw new Error(`fill: ${r.status} ${r.text}`);
  const pushMs = r.json.ms;
  const pushedAt = performance.now() - q0;
  const cp = await cost(); // the push's share (the drain runs beside it: an upper bound)
  await until(base + N);
  const queueMs = performance.now() - q0;
  const c1 = await cost();

  // 2. the web trigger
  let next = 0;
  let bad = 0;
  const w0 = performance.now();
  await Promise.all(Array.from({ length: CONC }, async () => {
    while (next < N) {
      const n = next++;
      const x = await post(work, { n });
      if (x.status !== 200) bad++;
    }
  }));
  const wtMs = performance.now() - w0;
  const c2 = await cost();

  const rate = (ms) => Math.round((N * 1000) / ms);
  console.log(`queue:      ${N} events pushed in ${pushMs} ms (fill answered after ${Math.round(pushedAt)} ms), all delivered after ${Math.round(queueMs)} ms: ${rate(queueMs)} events/s`);
  console.log(`            ${per(c0, c1)}`);
  console.log(`            of which until the fill answered (the pushes, and what drained meanwhile): ${per(c0, cp)}`);
  console.log(`webtrigger: ${N} requests, ${CONC} at a time, in ${Math.round(wtMs)} ms: ${rate(wtMs)} requests/s${bad ? ` (${bad} not 200)` : ''}`);
  console.log(`            ${per(c1, c2)}`);
  if (retried) console.log(`(${retried} requests answered 503 with Retry-After and retried)`);
  console.log(`ratio queue/webtrigger: ${(wtMs / queueMs).toFixed(2)}   (rerun: BENCH_EVENTS=${N} BENCH_CONC=${CONC} node bench/queue.mjs)`);
} finally {
  await k.close();
}
