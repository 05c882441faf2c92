#!/usr/bin/env node
// The cost of a person's GET of an issue (bench/README.md, "A person's GET of an issue"):
// one kiln (--threads 2), one demo site with bench/fanout-app installed (a trigger on
// avi:jira:updated:issue, NOT on avi:jira:viewed:issue: the GET stays a read, and the
// question "does any app installed here want views?" is all it adds). wrk GETs one issue
// with the admin's API token for BENCH_SECONDS s, BENCH_ROUNDS times; prints req/s and
// p50/p99 per round and their medians. Compare two builds by running it alternately
// (KILN_BIN=...).
//
//   node bench/issue_get.mjs     BENCH_SECONDS=5 BENCH_ROUNDS=3 BENCH_CONNS=8 BENCH_APPS=8 KILN_BIN=build/kiln
//
// BENCH_APPS copies of the app are installed (each its own app id), so the manifests
// scanned per GET before the per-site cache are that many.
import { cpSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, HOST, startKiln, tempDir, cliOkJson as okJson } from '../tests/e2e/lib/kiln.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNS = Number(process.env.BENCH_CONNS ?? 8);
const APPS = Number(process.env.BENCH_APPS ?? 8);

const k = await startKiln({ threads: 2 });
try {
  const name = `igbench-${process.pid}`;
  const site = await k.siteWithToken(name, true);
  for (let i = 0; i < APPS; i++) {
    const dir = path.join(tempDir(`igbench${i}`), 'app');
    cpSync(path.join(ROOT, 'bench', 'fanout-app'), dir, { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    await okJson(k, ['install', '--site', name, '--confirm-scopes', '--json'], { cwd: dir });
  }
  const base = `http://${HOST}:${k.port}/ex/jira/${site.cloudId}/rest/api/3`;
  const auth = { authorization: `Bearer ${site.token}`, accept: 'application/json' };
  const pr = await (await fetch(`${base}/project/search?maxResults=1`, { headers: auth })).json();
  const made = await fetch(`${base}/issue`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ fields: { project: { key: pr.values[0].key }, summary: 'igbench', issuetype: { name: 'Task' } } }) });
  if (made.status !== 201) throw new Error(`create: ${made.status} ${await made.text()}`);
  const url = `${base}/issue/${(await made.json()).key}`;
  const one = await fetch(url, { headers: auth });
  if (one.status !== 200) throw new Error(`GET: ${one.status}`);
  const script = path.join(tempDir('igbench-wrk'), 'h.lua');
  writeFileSync(script, `wrk.headers["Authorization"] = "Bearer ${site.token}"\nwrk.headers["Accept"] = "application/json"\n`);
  const wrk = (secs) => execFileSync('wrk', ['-t2', `-c${CONNS}`, `-d${secs}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
  wrk(1); // warm
  const rows = [];
  const ms = (s) => (/(\d+(?:\.\d+)?)(us|ms|s)\b/.exec(s) ?? []).slice(1);
  const toMs = ([v, u]) => Number(v) * (u === 'us' ? 0.001 : u === 's' ? 1000 : 1);
  for (let r = 0; r < ROUNDS; r++) {
    const out = wrk(SECONDS);
    if (/Non-2xx|Socket errors/.test(out)) throw new Error(`wrk: ${out}`);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
    const p50 = toMs(ms(/ 50%\s+(\S+)/.exec(out)[1]));
    const p99 = toMs(ms(/ 99%\s+(\S+)/.exec(out)[1]));
    rows.push({ rps, p50, p99 });
    console.log(`round ${r + 1}: ${rps.toFixed(0)} req/s, p50 ${p50.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms`);
  }
  const med = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`RESULT issue GET (${APPS} apps installed, none on viewed:issue): ${med(rows.map((x) => x.rps)).toFixed(0)} req/s, ` +
    `p50 ${med(rows.map((x) => x.p50)).toFixed(3)} ms, p99 ${med(rows.map((x) => x.p99)).toFixed(3)} ms  [${process.env.KILN_BIN ?? 'build/kiln'}]`);
} finally {
  await k.close();
}
