#!/usr/bin/env node
// What one invocation costs a kiln Node worker, alone: CPU (user + system, from
// /proc) and wall time per invocation, with nothing else competing. Serial: one
// invocation at a time, as kiln drives a worker. The worker is the real
// runtime/node/worker.js, driven over fd 3/4 as kiln drives it; its /_proxy is a small
// Node server in this process that answers every request with a canned project search,
// so the figures are the worker's own cost, not kiln's. See bench/README.md.
//
//   node bench/worker-cost.mjs [--n 3000] [--warmup 1000] [--only NAME] [--pipe]
//
// --pipe: the runtime says `proxy.pipe: true`, as kiln does, so __forge_fetch__ carries
// the calls of `fetch` and `report` as frames on the worker's pipes; this script answers
// them (the same canned body) instead of the HTTP stand-in.
//
// Functions (bench/worker-cost-fn.cjs): noop (returns at once), http (one plain
// http.request to the proxy from the function), fetch (__forge_fetch__ directly), and
// report (api.asApp().requestJira, as bench/webtrigger-app does). Prints one line each.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const N = Number(opt('n', 3000));
const WARMUP = Number(opt('warmup', 1000));
const ONLY = opt('only', null);
const PIPE = args.includes('--pipe');
const FUNCTIONS = ['noop', 'http', 'fetch', 'report'].filter((f) => !ONLY || f === ONLY);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(WARMUP) || WARMUP < 0 || FUNCTIONS.length === 0) {
  console.error('usage: node bench/worker-cost.mjs [--n N>=1] [--warmup N>=0] [--only noop|http|fetch|report] [--pipe]');
  process.exit(2);
}
if (!fs.existsSync(path.join(ROOT, 'node_modules', '@forge', 'api', 'package.json'))) {
  console.error("worker-cost: no @forge/api in node_modules (run 'make deps')");
  process.exit(1);
}

const BODY = JSON.stringify({
  self: 'http://127.0.0.1/rest/api/3/project/search?maxResults=1', maxResults: 1, startAt: 0, total: 3, isLast: false,
  values: [{ id: '10000', key: 'P', name: 'Project', description: 'kiln-canary-0', self: 'http://127.0.0.1/rest/api/3/project/10000' }],
});
const BODY64 = Buffer.from(BODY).toString('base64url');
const proxy = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(BODY);
  });
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const proxyUrl = `http://127.0.0.1:${proxy.address().port}/_proxy`;
const bundle = path.join(ROOT, 'bench', 'worker-cost-fn.cjs');

function cpuMs(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
}

function frame(id, exportName) {
  return `${JSON.stringify({
    type: 'invoke', id, bundle, export: exportName,
    payload: { method: 'GET', path: '/x1/0', userPath: '', headers: { host: ['127.0.0.1'] }, queryParameters: {}, body: '' },
    context: { installContext: 'ari:cloud:jira::site/0', moduleKey: 'report', installationId: 'i', environmentType: 'DEVELOPMENT' },
    runtime: {
      appContext: { appId: 'a', appVersion: '1.0.0', environmentId: 'e', environmentType: 'DEVELOPMENT', invocationId: id, installationId: 'i', moduleKey: 'report' },
      proxy: { url: proxyUrl, token: 'kiln_i_bench', pipe: PIPE },
      contextAri: 'ari:cloud:jira::site/0',
      deadline: Date.now() + 55000,
    },
    env: {},
  })}\n`;
}

async function measure(exportName) {
  const w = spawn(process.execPath, [...(process.env.WORKER_NODE_ARGS ? process.env.WORKER_NODE_ARGS.split(' ') : []), path.join(ROOT, 'runtime', 'node', 'worker.js')], {
    stdio: ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'],
  });
  let buf = '';
  let waiting = null;
  w.stdio[4].on('data', (c) => {
    buf += c;
    for (let i; (i = buf.indexOf('\n')) >= 0; ) {
      const f = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (f.type === 'fetch') {
        const answer = { type: 'response', seq: f.seq, status: 200, headers: [['content-type', 'application/json']], body: BODY64 };
        w.stdio[3].write(`${JSON.stringify(answer)}\n`);
        continue;
      }
      if ((f.type === 'result' || f.type === 'ready') && waiting) {
        const done = waiting;
        waiting = null;
        done(f);
      }
    }
  });
  const next = () => new Promise((r) => { waiting = r; });
  await next(); // ready
  const run = async (id) => {
    const p = next();
    w.stdio[3].write(frame(id, exportName));
    const f = await p;
    if (!f.ok) throw new Error(`${exportName} failed: ${JSON.stringify(f.error)}`);
  };
  for (let i = 0; i < WARMUP; i++) await run(`w${i}`);
  const c0 = cpuMs(w.pid);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await run(`m${i}`);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000 / N;
  const cpuUs = ((cpuMs(w.pid) - c0) * 1000) / N;
  w.stdio[3].end();
  await new Promise((r) => w.on('exit', r));
  return { wallUs, cpuUs };
}

console.log(`worker-cost: ${N} serial invocations per function after ${WARMUP} warm-up ones; calls over ${PIPE ? 'the pipes' : 'HTTP'}; node ${process.version}`);
for (const fn of FUNCTIONS) {
  const { wallUs, cpuUs } = await measure(fn);
  console.log(`${fn.padEnd(7)} wall ${wallUs.toFixed(0).padStart(5)} us/invocation   worker CPU ${cpuUs.toFixed(0).padStart(5)} us/invocation`);
}
proxy.close();
