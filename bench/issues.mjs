// Latency of the issue operations on a demo site (docs/issues.md), one client, one
// request at a time: a demo site's creation (about 350 issues), GET issue, bulkfetch of
// 100 issues, PUT issue (fields + an update verb, so a changelog group and an event each).
//
//   KILN_BIN=build/kiln node bench/issues.mjs [rounds=300]
//
// Prints p50 and p95 in milliseconds. It uses the e2e harness to start a fresh kiln.
import { startKiln } from '../tests/e2e/lib/kiln.mjs';

const rounds = Number(process.argv[2] ?? 300);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const pct = (v, p) => v.slice().sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(v.length * p))].toFixed(2);

async function timed(n, fn) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    out.push(ms(t0));
  }
  return out;
}

const k = await startKiln();
try {
  const made = await timed(5, (i) => k.siteWithToken(`bench-issues-${i}`, true));
  const A = await k.siteWithToken('bench-issues', true);
  const j = (p, o = {}) => k.jira(A.cloudId, p, { token: A.token, ...o });
  const key = (await j('/project/search')).json.values.find((p) => p.key.startsWith('WEB')).key;
  const ok = (r, s) => { if (r.status !== s) throw new Error(`${r.status} ${r.body}`); };
  const get = await timed(rounds, async (i) => ok(await j(`/issue/${key}-${1 + (i % 100)}`), 200));
  const keys = Array.from({ length: 100 }, (_, i) => `${key}-${i + 1}`);
  const bulk = await timed(Math.max(10, rounds / 10), async () => ok(await j('/issue/bulkfetch', { method: 'POST', body: { issueIdsOrKeys: keys } }), 200));
  const put = await timed(rounds, async (i) => ok(await j(`/issue/${key}-${1 + (i % 100)}`, { method: 'PUT', body: { fields: { summary: `bench ${i}` }, update: { labels: [{ add: `b${i % 7}` }] } } }), 204));
  console.log(`demo site (with its token)  p50 ${pct(made, 0.5)} ms  p95 ${pct(made, 0.95)} ms  (${made.length})`);
  console.log(`GET issue                   p50 ${pct(get, 0.5)} ms  p95 ${pct(get, 0.95)} ms  (${get.length})`);
  console.log(`POST bulkfetch (100)        p50 ${pct(bulk, 0.5)} ms  p95 ${pct(bulk, 0.95)} ms  (${bulk.length})`);
  console.log(`PUT issue                   p50 ${pct(put, 0.5)} ms  p95 ${pct(put, 0.95)} ms  (${put.length})`);
} finally {
  await k.close();
}
