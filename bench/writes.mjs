// Latency of product writes that fill the WAL (issue creates), two kiln binaries side by
// side: each round starts a fresh kiln of each binary in turn (the order flips every round,
// so drift on a shared machine hits both alike), creates a site and a project, and drives
// POST /ex/jira/{cloudId}/rest/api/3/issue with wrk (a ~4 KB description each, so the WAL
// passes its checkpoint threshold every few seconds). Prints each run's req/s, p50, p90
// and p99 and the WAL file's largest size, then the medians and the B/A ratios. See bench/README.md ("bench/writes.mjs").
//
//   KILN_A=path/to/kiln KILN_B=build/kiln node bench/writes.mjs [rounds=3] [seconds=10] [connections=16]
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kiln, expectStatus } from '../tests/e2e/lib/kiln.mjs';

const [rounds = 3, secs = 10, conns = 16] = process.argv.slice(2).map(Number);
const bins = { A: process.env.KILN_A, B: process.env.KILN_B ?? 'build/kiln' };
if (!bins.A) throw new Error('KILN_A (the baseline binary) is required');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-writes-'));
const ms = (v) => (v.endsWith('us') ? parseFloat(v) / 1000 : v.endsWith('ms') ? parseFloat(v) : parseFloat(v) * 1000);
const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];

async function run(name) {
  // the harness starts build/kiln; a shell in front of it runs the binary under test instead
  const k = new Kiln({ threads: 2, extraArgs: ['--proxy-rate', '0'], wrap: ['/bin/sh', '-c', `exec "${path.resolve(bins[name])}" "$@"`] });
  await k.start();
  try {
    const s = await k.siteWithToken('bench-writes');
    expectStatus(await k.jira(s.cloudId, '/project', { method: 'POST', token: s.token,
      body: { key: 'WR', name: 'Writes', projectTypeKey: 'software', leadAccountId: s.accountId } }), 201, 'project');
    const text = 'lorem ipsum dolor sit amet '.repeat(150);
    const body = JSON.stringify({ fields: { project: { key: 'WR' }, summary: 'a write', issuetype: { name: 'Task' },
      description: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] } } });
    const lua = path.join(tmp, 'issue.lua');
    writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\n`
      + `wrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${s.token}"\n`);
    const wal = path.join(k.dataDir, 'kiln.db-wal');
    let walMax = 0; // the WAL file's largest size, sampled every 100 ms
    const sample = setInterval(() => { walMax = Math.max(walMax, existsSync(wal) ? statSync(wal).size : 0); }, 100);
    const { stdout: out } = await promisify(execFile)('wrk', ['-t2', `-c${conns}`, `-d${secs}s`, '--latency', '-s', lua,
      `${k.url}/ex/jira/${s.cloudId}/rest/api/3/issue`], { encoding: 'utf8' }).finally(() => clearInterval(sample));
    if (/Non-2xx|Socket errors/.test(out)) throw new Error(`wrk saw errors:\n${out}`);
    const pct = (p) => ms(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)[1]);
    return { rps: parseFloat(/^Requests\/sec:\s+(\S+)/m.exec(out)[1]), p50: pct(50), p90: pct(90), p99: pct(99), walMiB: walMax / 1048576 };
  } finally {
    await k.close();
  }
}

const got = { A: [], B: [] };
try {
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 ? ['B', 'A'] : ['A', 'B']) {
      const m = await run(name);
      got[name].push(m);
      console.log(`round ${r + 1} ${name}: ${m.rps.toFixed(0)} req/s  p50 ${m.p50.toFixed(2)} ms  p90 ${m.p90.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  WAL at most ${m.walMiB.toFixed(1)} MiB`);
    }
  }
  const med = (name, f) => median(got[name].map((m) => m[f]));
  for (const f of ['rps', 'p50', 'p90', 'p99', 'walMiB']) {
    console.log(`median ${f}: A ${med('A', f).toFixed(2)}  B ${med('B', f).toFixed(2)}  B/A ${(med('B', f) / med('A', f)).toFixed(2)}`);
  }
  console.log(`A=${bins.A} B=${bins.B}; rerun: KILN_A=${bins.A} KILN_B=${bins.B} node bench/writes.mjs ${rounds} ${secs} ${conns}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
