// Latency of Jira Software's issue lists on a bigger board: a site with one project of
// BENCH_AGILE_ISSUES issues (default 5000), a scrum board, an active sprint holding every
// tenth issue, then BENCH_AGILE_N (default 200) sequential requests of each list with
// maxResults=50, and PUT issue/rank moves at one spot. Prints p50/p95/max per request in
// milliseconds. Run: `node bench/agile.mjs` (build/kiln must exist; KILN_BIN to measure
// another binary).
import { startKiln, expectStatus } from '../tests/e2e/lib/kiln.mjs';

const ISSUES = Number(process.env.BENCH_AGILE_ISSUES ?? 5000);
const N = Number(process.env.BENCH_AGILE_N ?? 200);

const k = await startKiln();
try {
  const site = await k.siteWithToken('bench-agile');
  const call = (p, opts = {}) => k.api(`/ex/jira/${site.cloudId}${p}`, { token: site.token, ...opts });
  expectStatus(await call('/rest/api/3/project', { method: 'POST', body: { key: 'BIG', name: 'Big', projectTypeKey: 'software', leadAccountId: site.accountId } }), 201);
  const keys = [];
  for (let i = 0; i < ISSUES; i += 50) {
    const rs = await Promise.all(Array.from({ length: Math.min(50, ISSUES - i) }, (_, j) => call('/rest/api/3/issue', {
      method: 'POST', body: { fields: { project: { key: 'BIG' }, summary: `issue ${i + j}`, issuetype: { name: 'Task' } } },
    })));
    for (const r of rs) { expectStatus(r, 201); keys.push(r.json.key); }
  }
  const board = (await call('/rest/agile/1.0/board', { method: 'POST', body: { name: 'Big', type: 'scrum', location: { type: 'project', projectKeyOrId: 'BIG' } } })).json.id;
  const sprint = (await call('/rest/agile/1.0/sprint', { method: 'POST', body: { name: 'S', originBoardId: board, startDate: '2026-01-01T00:00:00Z', endDate: '2026-01-15T00:00:00Z' } })).json.id;
  for (let i = 0; i < ISSUES; i += 500) {
    const batch = keys.slice(i, i + 500).filter((_, j) => j % 10 === 0);
    for (let j = 0; j < batch.length; j += 50) expectStatus(await call(`/rest/agile/1.0/sprint/${sprint}/issue`, { method: 'POST', body: { issues: batch.slice(j, j + 50) } }), 204);
  }
  expectStatus(await call(`/rest/agile/1.0/sprint/${sprint}`, { method: 'POST', body: { state: 'active' } }), 200);

  const time = async (what, fn) => {
    const ms = [];
    for (let i = 0; i < N; i++) {
      const t = process.hrtime.bigint();
      await fn(i);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    ms.sort((a, b) => a - b);
    const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))].toFixed(2);
    console.log(`${what.padEnd(48)} p50 ${q(0.5)} ms  p95 ${q(0.95)} ms  max ${q(1)} ms`);
  };
  const ok = async (p, opts) => expectStatus(await call(p, opts), opts?.method === 'PUT' ? 204 : 200, p);
  console.log(`${ISSUES} issues, ${N} requests each, one at a time`);
  await time('GET board/{id}/issue (50, all navigable fields)', (i) => ok(`/rest/agile/1.0/board/${board}/issue?startAt=${(i * 50) % ISSUES}`));
  await time('GET board/{id}/issue (50, fields=summary)', (i) => ok(`/rest/agile/1.0/board/${board}/issue?fields=summary&startAt=${(i * 50) % ISSUES}`));
  await time('GET board/{id}/backlog (50)', () => ok(`/rest/agile/1.0/board/${board}/backlog`));
  await time('GET sprint/{id}/issue (50)', () => ok(`/rest/agile/1.0/sprint/${sprint}/issue`));
  await time('PUT issue/rank (one issue, always at one spot)', (i) => ok('/rest/agile/1.0/issue/rank', { method: 'PUT', body: { issues: [keys[1 + (i % 2)]], rankBeforeIssue: keys[0] } }));
} finally {
  await k.close();
}
