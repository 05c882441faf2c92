// Measures JQL searches through HTTP for bench/jql.sh: each query is sent ROUNDS times,
// one at a time over one keep-alive connection, after WARMUP unmeasured sends; prints
// p50/p95/max per query and checks the answers (status 200, issues found where the query
// must find some). Environment: KILN_URL, CLOUD, TOKENS (JSON: name -> token), ROUNDS,
// WARMUP, TARGET_MS (the p50 the selective query must meet), OUT (a JSON file of figures).
import http from 'node:http';
import { writeFileSync } from 'node:fs';

const base = new URL(process.env.KILN_URL);
const cloud = process.env.CLOUD;
const tokens = JSON.parse(process.env.TOKENS);
const ROUNDS = Number(process.env.ROUNDS || 200);
const WARMUP = Number(process.env.WARMUP || 20);
const TARGET = Number(process.env.TARGET_MS || 20);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, path, token, body) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : null;
    const req = http.request(
      {
        host: base.hostname, port: base.port, method, path, agent,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

const q = (jql, extra = '') => `/ex/jira/${cloud}/rest/api/3/search/jql?jql=${encodeURIComponent(jql)}${extra}`;
const SELECTIVE = 'project = BENCHA AND status = "In Progress" ORDER BY updated DESC';
const cases = [
  { name: 'selective, ids (the target)', who: 'admin', path: q(SELECTIVE, '&maxResults=50'), min: 50 },
  { name: 'selective, 50 issues with fields', who: 'admin',
    path: q(SELECTIVE, '&maxResults=50&fields=summary,status,assignee,priority,updated'), min: 50 },
  { name: 'assignee = currentUser()', who: 'user', path: q('assignee = currentUser() ORDER BY updated DESC', '&maxResults=50'), min: 50 },
  { name: 'labels = urgent', who: 'admin', path: q('labels = urgent ORDER BY updated DESC', '&maxResults=50'), min: 50 },
  { name: 'labels in + status, restricted user', who: 'dev',
    path: q('labels in (backend, security) AND status != Done ORDER BY updated DESC', '&maxResults=50'), min: 50 },
  { name: 'restricted user, status', who: 'dev', path: q('status = "In Progress" ORDER BY updated DESC', '&maxResults=50'), min: 50 },
  { name: 'text in one project', who: 'admin', path: q('project = BENCHJ AND text ~ "timeout"', '&maxResults=50'), min: 1 },
  { name: 'text over the site', who: 'admin', path: q('summary ~ "timeout login"', '&maxResults=50'), min: 1 },
  { name: 'legacy text search with total', who: 'admin',
    path: `/ex/jira/${cloud}/rest/api/3/search?jql=${encodeURIComponent('text ~ "timeout"')}&maxResults=50&fields=summary`, min: 50 },
  { name: 'legacy search with total', who: 'admin',
    path: `/ex/jira/${cloud}/rest/api/3/search?jql=${encodeURIComponent(SELECTIVE)}&maxResults=50&fields=summary`, min: 50 },
  { name: 'approximate-count', who: 'admin', method: 'POST',
    path: `/ex/jira/${cloud}/rest/api/3/search/approximate-count`, body: { jql: 'project = BENCHB AND status = Done' }, min: 0 },
];

const pct = (v, p) => v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))];
const out = [];
let failed = false;
for (const c of cases) {
  const token = tokens[c.who];
  let first;
  for (let i = 0; i < WARMUP; i++) first = await request(c.method || 'GET', c.path, token, c.body);
  if (first.status !== 200) {
    console.error(`bench: ${c.name}: HTTP ${first.status} ${first.body.slice(0, 300)}`);
    failed = true;
    continue;
  }
  const j = JSON.parse(first.body);
  const found = j.issues ? j.issues.length : j.count;
  if (found < c.min) {
    console.error(`bench: ${c.name}: ${found} issues, expected at least ${c.min}`);
    failed = true;
  }
  const t = [];
  for (let i = 0; i < ROUNDS; i++) {
    const s = process.hrtime.bigint();
    const r = await request(c.method || 'GET', c.path, token, c.body);
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
    if (r.status !== 200) { failed = true; break; }
  }
  t.sort((x, y) => x - y);
  const row = { name: c.name, p50: pct(t, 50), p95: pct(t, 95), max: t[t.length - 1], found, total: j.total };
  out.push(row);
  console.log(`${c.name.padEnd(40)} p50 ${row.p50.toFixed(2).padStart(7)} ms  p95 ${row.p95.toFixed(2).padStart(7)} ms  max ${row.max.toFixed(1).padStart(6)} ms  (${j.issues ? `${found} on the page` : `count ${found}`}${j.total !== undefined ? `, total ${j.total}` : ''})`);
}
if (process.env.OUT) writeFileSync(process.env.OUT, JSON.stringify(out, null, 2));
const sel = out[0];
if (!sel || sel.p50 > TARGET) {
  console.error(`bench: FAIL: the selective query's p50 ${sel ? sel.p50.toFixed(2) : '?'} ms is over the target ${TARGET} ms`);
  failed = true;
}
agent.destroy();
process.exit(failed ? 1 : 0);
