// bench/pgstore.mjs (docs/scale.md "Measured"): KILN_BIN=build/kiln KILN_SANDBOX_PROBE=build/tests/sandbox_probe node bench/pgstore.mjs
// Side by side: one kiln on SQLite, one on PostgreSQL (a private cluster), same binary,
// each with one demo site and one app holding a live invocation token; wrk at CONNS
// connections (default 64, --latency) on, in alternation, ROUNDS rounds of SECONDS each:
//   search  GET /ex/jira/{cloudId}/rest/api/3/project/search?maxResults=1 (as bench/run.sh)
//   issue   GET .../issue/{KEY-1}
//   kvs     POST /_proxy/kvs/api/v1/get on random keys of KEYS written first (as bench/kvs.sh)
//   nodes   the search on PostgreSQL from one node (CONNS connections) and from two nodes
//           on the same database (a second kiln started for it: CONNS/2 each, at once),
//           in alternation: what a second node gives on this machine
// Prints each run's req/s, p50 and p99, then the medians and PostgreSQL/SQLite ratios. Each
// KVS round gets a fresh invocation token (one lives < 55 s).
// WHAT=search,kvs limits the requests; WRK_NICE (default 10, as `nice` alone) wrk's niceness; KILN_BIN picks the binary; PG_THREADS (default 2)
// the PostgreSQL node's HTTP threads (each waits on its database round trips).
import { Kiln, ROOT, cliOkJson as okJson, tempDir, writeFiles } from '../tests/e2e/lib/kiln.mjs';
import { startTap, tapPrelude } from '../tests/e2e/lib/tap.mjs';
import { execFile, execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import path from 'node:path';

const ROUNDS = Number(process.env.ROUNDS || 3), SECONDS = Number(process.env.SECONDS || 5);
const CONNS = Number(process.env.CONNS || 64), KEYS = Number(process.env.KEYS || 10000);
const NICE = String(process.env.WRK_NICE ?? 10); // wrk's niceness (kiln and PostgreSQL run at 0)
const WHAT = (process.env.WHAT || 'search,issue,kvs,nodes').split(',');
const RATES = ['--kvs-rate', '0', '--webtrigger-rate', '0', '--proxy-rate', '0'];
// PG_STORE_THREADS=N: the PostgreSQL nodes' --store-threads (off by default in kiln; a binary
// before session 10 does not know the flag)
const PG_EXTRA = process.env.PG_STORE_THREADS ? ['--store-threads', process.env.PG_STORE_THREADS] : [];
const tap = await startTap();

const manifest = `modules:
  webtrigger:
    - key: hold
      function: hold-fn
      response:
        type: dynamic
  function:
    - key: hold-fn
      handler: index.hold
      timeoutSeconds: 55
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - storage:app
  external:
    fetch:
      backend:
        - ${tap.origin}
`;
// hands its live invocation token to the tap, then stays alive until released
const src = `${tapPrelude}
export async function hold(request) {
  const tap = request.queryParameters.tap[0], key = request.queryParameters.key[0];
  await report(tap, key, global.__forge_runtime__.proxy);
  await Promise.race([holdOn(tap, key), new Promise((r) => setTimeout(r, 54000))]);
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: '{}' };
}
`;

// the app deployed and installed on k's site s; returns its hold trigger's path
async function kvsApp(k, s) {
  const dir = path.join(tempDir('pgbench'), 'app');
  writeFiles(dir, { 'manifest.yml': manifest, 'src/index.js': src });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  await okJson(k, ['register', dir, '--json']);
  await okJson(k, ['deploy', dir, '--json']);
  await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
  return new URL((await okJson(k, ['webtrigger', 'hold', '--site', s.name, '--json'], { cwd: dir })).url).pathname;
}

// a live invocation token of the hold function (alive until tap.release(name) or 54 s)
// and KEYS keys written with it (the first time)
async function kvsToken(k, trigger, name, fill) {
  // the function runtime may still be starting (503 "retry shortly")
  const holdUrl = `${k.url}${trigger}?tap=${encodeURIComponent(tap.origin)}&key=${name}`;
  const held = (async () => {
    for (let i = 0; i < 100; i++) {
      // a fresh connection (kiln may have closed an idle kept-alive one) and retried when refused
      const r = await fetch(holdUrl, { headers: { connection: 'close' } }).catch(() => null);
      const body = r ? await r.text() : '';
      if (r?.status === 200) return;
      if (r && r.status !== 503) throw new Error(`hold: ${r.status} ${body}`);
      await new Promise((ok) => setTimeout(ok, 200));
    }
    throw new Error('hold: the function runtime did not start:\n' + k.stderrLines.slice(-15).join('\n'));
  })();
  const proxy = await Promise.race([tap.wait(name, 30000), held.then(() => { throw new Error('hold ended'); })]);
  for (let b = 0; fill && b < KEYS; b += 25) {
    const batch = [];
    for (let i = b; i < Math.min(b + 25, KEYS); i++) batch.push({ key: `k${i}`, value: 'v'.repeat(98) });
    const r = await fetch(`${k.url}/_proxy/kvs/api/v1/batch/set`, {
      method: 'POST', body: JSON.stringify(batch),
      headers: { authorization: `Bearer ${proxy.token}`, 'content-type': 'application/json' },
    });
    if (r.status >= 300) throw new Error(`batch/set: ${r.status} ${await r.text()}`);
  }
  return { token: proxy.token, held };
}

const nodes = {
  sqlite: new Kiln({ store: 'sqlite', threads: 2, extraArgs: RATES }),
  postgres: new Kiln({ store: 'postgres', threads: Number(process.env.PG_THREADS || 2), extraArgs: [...RATES, ...PG_EXTRA] }),
};
const target = {};
for (const [name, k] of Object.entries(nodes)) {
  await k.start();
  const s = await k.siteWithToken('bench', true);
  const pr = await k.api(`/ex/jira/${s.cloudId}/rest/api/3/project/search?maxResults=1`, { token: s.token });
  const key = pr.json.values[0].key;
  const trigger = WHAT.includes('kvs') ? await kvsApp(k, s) : null;
  if (trigger) {
    const kv = await kvsToken(k, trigger, `fill-${name}`, true);
    tap.release(`fill-${name}`);
    await kv.held;
  }
  target[name] = {
    k, s, trigger,
    req: {
      search: ['-H', `Authorization: Bearer ${s.token}`, `${k.url}/ex/jira/${s.cloudId}/rest/api/3/project/search?maxResults=1`],
      issue: ['-H', `Authorization: Bearer ${s.token}`, `${k.url}/ex/jira/${s.cloudId}/rest/api/3/issue/${key}-1`],
      kvs: ['-s', path.join(ROOT, 'bench/kvs.lua'), `${k.url}/_proxy/kvs/api/v1/get`],
    },
  };
}

// a second PostgreSQL node on the first one's database, for the `nodes` rounds
if (WHAT.includes('nodes')) {
  const b = new Kiln({ store: 'postgres', threads: Number(process.env.PG_THREADS || 2), extraArgs: [...RATES, ...PG_EXTRA] });
  b.storeUrl = nodes.postgres.storeUrl;
  await b.start();
  const a = target.postgres;
  const search = (k) => ['-H', `Authorization: Bearer ${a.s.token}`, `${k.url}/ex/jira/${a.s.cloudId}/rest/api/3/project/search?maxResults=1`];
  target.nodeB = { k: b, req: { search: search(b) } };
}

// wrk's latency figure ("1.23ms", "456.78us", "1.02s") in ms
const ms = (v) => { const [, n, u] = /([\d.]+)(us|ms|s)/.exec(v); return Number(n) * { us: 0.001, ms: 1, s: 1000 }[u]; };
const res = {};
// one request kind after another (a KVS token lives as long as its invocation, < 55 s),
// its rounds alternating between the two stores
// (a fresh token each round: a loaded machine's slow rounds once outlived one token, whose
// last round was then all 401s)
// wrk at conns connections on each of args (at once); summed req/s, the worst p50 and p99
async function wrkAt(conns, ...args) {
  const runs = args.map((a) => new Promise((ok, fail) => execFile('nice', ['-n', NICE, 'wrk', '-t2', `-c${conns}`, `-d${SECONDS}s`, '--latency', ...a],
    { encoding: 'utf8' }, (e, out) => (e ? fail(e) : ok(out)))));
  const outs = await Promise.all(runs);
  const one = outs.map((out) => ({ rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]), p50: ms(/\n\s+50%\s+(\S+)/.exec(out)[1]),
    p99: ms(/\n\s+99%\s+(\S+)/.exec(out)[1]), bad: /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] }));
  return { rps: one.reduce((t, x) => t + x.rps, 0), p50: Math.max(...one.map((x) => x.p50)), p99: Math.max(...one.map((x) => x.p99)),
    bad: one.some((x) => x.bad) ? one.map((x) => x.bad ?? 0).join('+') : null };
}

for (const what of WHAT) {
  if (what === 'nodes') {
    for (let r = 0; r < ROUNDS; r++) {
      for (const [name, args] of [['one', [target.postgres.req.search]], ['two', [target.postgres.req.search, target.nodeB.req.search]]]) {
        const x = await wrkAt(CONNS / args.length, ...args);
        (res[`nodes ${name}`] ??= []).push(x);
        console.log(`round ${r + 1} search on ${name} node(s): ${x.rps} req/s p50 ${x.p50} ms p99 ${x.p99} ms${x.bad ? ` NON-2xx ${x.bad}` : ''}`);
      }
    }
    continue;
  }
  for (let r = 0; r < ROUNDS; r++) {
    const tokens = {};
    if (what === 'kvs')
      for (const name of ['sqlite', 'postgres'])
        tokens[name] = await kvsToken(target[name].k, target[name].trigger, `hold-${name}-${r}`, false);
    for (const name of ['sqlite', 'postgres']) {
      const t = target[name];
      const env = { ...process.env, OP: 'get', TOKEN: tokens[name]?.token ?? '', KEYS: String(KEYS) };
      const out = execFileSync('nice', ['-n', NICE, 'wrk', '-t2', `-c${CONNS}`, `-d${SECONDS}s`, '--latency', ...t.req[what]], { encoding: 'utf8', env });
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
      const p50 = ms(/\n\s+50%\s+(\S+)/.exec(out)[1]), p99 = ms(/\n\s+99%\s+(\S+)/.exec(out)[1]);
      const bad = /Non-2xx or 3xx responses: (\d+)/.exec(out);
      (res[`${what} ${name}`] ??= []).push({ rps, p50, p99 });
      console.log(`round ${r + 1} ${what} ${name}: ${rps} req/s p50 ${p50} ms p99 ${p99} ms${bad ? ` NON-2xx ${bad[1]}` : ''}`);
    }
    for (const name of Object.keys(tokens)) {
      tap.release(`hold-${name}-${r}`);
      await tokens[name].held;
    }
  }
}
const med = (a, f) => a.map((x) => x[f]).sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`\n${CONNS} connections, ${ROUNDS} rounds of ${SECONDS} s, medians:`);
for (const what of WHAT) {
  if (what === 'nodes') {
    const one = res['nodes one'], two = res['nodes two'];
    console.log(`nodes: search on PostgreSQL, one node ${med(one, 'rps')} req/s (p99 ${med(one, 'p99')} ms), two nodes ` +
      `${med(two, 'rps')} req/s (p99 ${med(two, 'p99')} ms), two/one ${(med(two, 'rps') / med(one, 'rps')).toFixed(2)}`);
    continue;
  }
  const sq = res[`${what} sqlite`], pg = res[`${what} postgres`];
  console.log(`${what}: sqlite ${med(sq, 'rps')} req/s (p50 ${med(sq, 'p50')} p99 ${med(sq, 'p99')} ms), ` +
    `postgres ${med(pg, 'rps')} req/s (p50 ${med(pg, 'p50')} p99 ${med(pg, 'p99')} ms), postgres/sqlite ${(med(pg, 'rps') / med(sq, 'rps')).toFixed(2)}`);
}
// how many requests shared a store thread's round (http/offload.h; 0 with --store-threads 0)
const m = await (await fetch(`${target.postgres.k.url}/metrics`)).text();
const metric = (n) => Number(new RegExp(`^${n} (\\d+)`, 'm').exec(m)?.[1] ?? 0);
console.log(`postgres store threads: ${metric('kiln_store_threads')}, jobs ${metric('kiln_store_thread_jobs_total')} in ` +
  `${metric('kiln_store_thread_batches_total')} batches, refused ${metric('kiln_store_thread_refused_total')}`);
for (const t of Object.values(target)) await t.k.close();
tap.close();
process.exit(0);
