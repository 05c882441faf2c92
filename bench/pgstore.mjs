// bench/pgstore.mjs (docs/scale.md "Measured"): KILN_BIN=build/kiln KILN_SANDBOX_PROBE=build/tests/sandbox_probe node bench/pgstore.mjs
// Side by side: one kiln on SQLite, one on PostgreSQL (a private cluster), same binary,
// each with one demo site; wrk GET /ex/jira/{cloudId}/rest/api/3/project/search?maxResults=1
// (as bench/run.sh) and GET .../issue/{KEY-1}, ROUNDS alternating rounds of SECONDS each.
import { Kiln } from '../tests/e2e/lib/kiln.mjs';
import { execFileSync } from 'node:child_process';
const ROUNDS = Number(process.env.ROUNDS || 3), SECONDS = Number(process.env.SECONDS || 5);
const nodes = { sqlite: new Kiln({ store: 'sqlite', threads: 2 }), postgres: new Kiln({ store: 'postgres', threads: 2 }) };
const target = {};
for (const [name, k] of Object.entries(nodes)) {
  await k.start();
  const s = await k.siteWithToken('bench', true);
  const pr = await k.api(`/ex/jira/${s.cloudId}/rest/api/3/project/search?maxResults=1`, { token: s.token });
  const key = pr.json.values[0].key;
  target[name] = { k, s, paths: { search: `/ex/jira/${s.cloudId}/rest/api/3/project/search?maxResults=1`, issue: `/ex/jira/${s.cloudId}/rest/api/3/issue/${key}-1` } };
}
const res = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const what of ['search', 'issue']) {
    for (const name of ['sqlite', 'postgres']) {
      const t = target[name];
      const out = execFileSync('wrk', ['-t2', '-c16', `-d${SECONDS}s`, '-H', `Authorization: Bearer ${t.s.token}`, `${t.k.url}${t.paths[what]}`], { encoding: 'utf8' });
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
      (res[`${what} ${name}`] ??= []).push(rps);
      console.log(`round ${r + 1} ${what} ${name}: ${rps} req/s${non2xx ? ` NON-2xx ${non2xx[1]}` : ''}`);
    }
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const what of ['search', 'issue']) {
  const sq = med(res[`${what} sqlite`]), pg = med(res[`${what} postgres`]);
  console.log(`${what}: median sqlite ${sq}, postgres ${pg}, postgres/sqlite ${(pg / sq).toFixed(2)}`);
}
for (const t of Object.values(target)) await t.k.close();
process.exit(0);
