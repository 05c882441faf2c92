// Operations: /healthz, /metrics, logs, admin token file, graceful shutdown.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { statSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  startKiln, expectStatus, expectJsonContentType, describeRes, parseHttpResponse, sleep, collectKey, HOST, ADMIN_TOKEN_RE,
} from './lib/kiln.mjs';

let k;
let site;

before(async () => {
  k = await startKiln({ threads: 2 });
  site = await k.siteWithToken('ops-one', false);
});

after(async () => {
  await k?.close();
});

// ------------------------------------------------------------ Prometheus text parsing

function parseLabels(s) {
  const labels = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;
  let m;
  let consumed = 0;
  while ((m = re.exec(s)) !== null) {
    labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    consumed = re.lastIndex;
  }
  if (s.slice(consumed).trim() !== '') throw new Error(`cannot parse labels {${s}}`);
  return labels;
}

function parseMetrics(text) {
  const samples = [];
  const bad = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/.exec(line);
    if (!m) { bad.push(line); continue; }
    let labels;
    try { labels = m[2] ? parseLabels(m[2]) : {}; } catch { bad.push(line); continue; }
    const v = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(v) && m[3] !== 'NaN') { bad.push(line); continue; }
    samples.push({ name: m[1], labels, value: v, line });
  }
  return { samples, bad };
}

async function scrape() {
  const r = await k.api('/metrics');
  expectStatus(r, 200, '/metrics');
  assert.match(r.headers['content-type'] ?? '', /^text\/plain/, `metrics content-type\n${describeRes(r, 200)}`);
  const parsed = parseMetrics(r.text);
  assert.deepEqual(parsed.bad, [], 'every metrics line parses as Prometheus text');
  return { ...parsed, text: r.text };
}

const key = (labels, omit = []) => JSON.stringify(Object.entries(labels).filter(([k2]) => !omit.includes(k2)).sort());

// ------------------------------------------------------------ helpers for shutdown tests

/** Open a raw connection and send `head` + part of `body`; returns {finish(), response}. */
function slowPost(port, reqPath, token, bodyObj) {
  const body = Buffer.from(JSON.stringify(bodyObj));
  const half = Math.floor(body.length / 2);
  const sock = net.connect({ host: HOST, port });
  let buf = Buffer.alloc(0);
  const response = new Promise((resolve) => {
    let done = false;
    const finish = (extra = {}) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve({ ...(parseHttpResponse(buf) ?? { status: 0 }), raw: buf.toString('latin1'), ...extra });
    };
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      const p = parseHttpResponse(buf);
      if (p?.complete) finish();
    });
    sock.on('error', (e) => finish({ error: e }));
    sock.on('close', () => finish());
    setTimeout(() => finish({ error: new Error('timeout') }), 20000).unref();
  });
  const connected = new Promise((resolve) => sock.once('connect', resolve));
  connected.then(() => {
    sock.write(`POST ${reqPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
    sock.write(body.subarray(0, half));
  });
  return {
    connected,
    finish: () => { if (!sock.destroyed) sock.write(body.subarray(half)); },
    response,
  };
}

function tryConnect(port, timeout = 3000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    const t = setTimeout(() => { sock.destroy(); resolve('timeout'); }, timeout);
    sock.on('connect', () => { clearTimeout(t); sock.destroy(); resolve('connected'); });
    sock.on('error', (e) => { clearTimeout(t); resolve(e.code ?? 'error'); });
  });
}

describe('monitoring', () => {
  it('/healthz answers 200 {"status":"ok","isolation":...} without a credential', async () => {
    const r = await k.api('/healthz');
    expectStatus(r, 200);
    expectJsonContentType(r);
    /* the isolation level in full is tested in sandbox.test.mjs */
    assert.deepEqual(Object.keys(r.json), ['status', 'isolation']);
    assert.equal(r.json.status, 'ok');
    assert.ok(['sandbox', 'unavailable', 'off'].includes(r.json.isolation), JSON.stringify(r.json));
    const withJunk = await k.api('/healthz', { headers: { authorization: 'Bearer junk' } });
    expectStatus(withJunk, 200, 'healthz ignores credentials');
  });

  it('/metrics counts requests by route and status', async () => {
    const before = await scrape();
    for (let i = 0; i < 7; i++) expectStatus(await k.jira(site.cloudId, '/myself', { token: site.token }), 200);
    for (let i = 0; i < 3; i++) expectStatus(await k.jira(site.cloudId, '/myself', {}), 401);
    for (let i = 0; i < 2; i++) expectStatus(await k.jira(site.cloudId, '/project/NOPE', { token: site.token }), 404);
    const afterS = await scrape();

    const total = (s) => s.samples.filter((x) => x.name === 'kiln_http_requests_total');
    assert.ok(total(afterS).length > 0, `kiln_http_requests_total present:\n${afterS.text.slice(0, 2000)}`);
    for (const x of total(afterS)) {
      assert.ok('route' in x.labels && 'status' in x.labels, `labels route and status: ${x.line}`);
    }
    const delta = (pred) => {
      const sum = (s) => total(s).filter(pred).reduce((a, x) => a + x.value, 0);
      return sum(afterS) - sum(before);
    };
    assert.equal(delta((x) => x.labels.route.includes('myself') && x.labels.status === '200'), 7,
      `myself 200 counted 7 times\nbefore:\n${total(before).map((x) => x.line).join('\n')}\nafter:\n${total(afterS).map((x) => x.line).join('\n')}`);
    assert.equal(delta((x) => x.labels.status === '401'), 3, 'three 401s counted');
    assert.equal(delta((x) => x.labels.status === '404'), 2, 'two 404s counted');
  });

  it('/metrics counts exactly under concurrency (200 parallel requests on 2 threads)', async () => {
    const before = await scrape();
    const jobs = [];
    for (let i = 0; i < 200; i++) jobs.push(k.jira(site.cloudId, '/serverInfo', { token: site.token }));
    const res = await Promise.all(jobs);
    for (const r of res) expectStatus(r, 200);
    const afterS = await scrape();
    const pick = (s) => s.samples.filter((x) => x.name === 'kiln_http_requests_total' && x.labels.route.includes('serverInfo') && x.labels.status === '200')
      .reduce((a, x) => a + x.value, 0);
    assert.equal(pick(afterS) - pick(before), 200, 'every concurrent request counted once');
    const cnt = (s) => s.samples.filter((x) => x.name === 'kiln_http_request_duration_seconds_count').reduce((a, x) => a + x.value, 0);
    assert.ok(cnt(afterS) - cnt(before) >= 200, `histogram count grew by ${cnt(afterS) - cnt(before)}`);
  });

  it('/metrics route labels are templates (no cloudIds or path parameters)', async () => {
    await k.jira(site.cloudId, '/project/NOPE', { token: site.token });
    await k.jira(site.cloudId, '/user?accountId=someone', { token: site.token });
    const s = await scrape();
    for (const x of s.samples.filter((y) => y.name.startsWith('kiln_http_'))) {
      const route = x.labels.route ?? '';
      assert.ok(!route.includes(site.cloudId), `route label must not contain a cloudId: ${x.line}`);
      assert.ok(!route.includes('NOPE') && !route.includes('someone'), `route label must not contain path or query values: ${x.line}`);
    }
  });

  it('/metrics has a latency histogram with cumulative buckets, _sum and _count', async () => {
    for (let i = 0; i < 5; i++) await k.jira(site.cloudId, '/project/search', { token: site.token });
    const before = await scrape();
    for (let i = 0; i < 4; i++) await k.jira(site.cloudId, '/serverInfo', { token: site.token });
    const s = await scrape();
    const buckets = s.samples.filter((x) => x.name === 'kiln_http_request_duration_seconds_bucket');
    assert.ok(buckets.length > 0, `histogram buckets present:\n${s.text.slice(0, 2000)}`);
    const groups = new Map();
    for (const b of buckets) {
      assert.ok('le' in b.labels, `bucket has le: ${b.line}`);
      const g = key(b.labels, ['le']);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(b);
    }
    let countAfter = 0;
    for (const [g, bs] of groups) {
      const les = bs.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
      assert.ok(les.includes(Infinity), `group ${g} has le="+Inf"`);
      assert.ok(les.length >= 3, `group ${g} has several buckets`);
      const sorted = bs.map((b, i) => [les[i], b.value]).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < sorted.length; i++) {
        assert.ok(sorted[i][1] >= sorted[i - 1][1], `buckets are cumulative in ${g}: ${JSON.stringify(sorted)}`);
      }
      const labels = JSON.parse(g);
      const count = s.samples.find((x) => x.name === 'kiln_http_request_duration_seconds_count' && key(x.labels) === key(Object.fromEntries(labels)));
      const sum = s.samples.find((x) => x.name === 'kiln_http_request_duration_seconds_sum' && key(x.labels) === key(Object.fromEntries(labels)));
      assert.ok(count, `_count for ${g}`);
      assert.ok(sum && sum.value >= 0, `_sum for ${g}`);
      assert.equal(count.value, sorted[sorted.length - 1][1], `+Inf bucket equals _count in ${g}`);
      countAfter += count.value;
    }
    const countBefore = before.samples.filter((x) => x.name === 'kiln_http_request_duration_seconds_count').reduce((a, x) => a + x.value, 0);
    assert.ok(countAfter - countBefore >= 4, `histogram counted the requests (${countBefore} -> ${countAfter})`);
  });

  it('/metrics reports kiln_sites', async () => {
    const v = (s) => s.samples.find((x) => x.name === 'kiln_sites')?.value;
    const s1 = await scrape();
    const n = (await k.admin('/sites')).json.sites.length;
    assert.equal(v(s1), n, 'kiln_sites equals the number of sites');
    await k.createSite('ops-two', false);
    const s2 = await scrape();
    assert.equal(v(s2), n + 1, 'kiln_sites grows with a new site');
  });

  it('/metrics counts write commits and the group fsyncs they shared', async () => {
    const v = (s, name) => s.samples.find((x) => x.name === name)?.value;
    const s1 = await scrape();
    await k.createSite('ops-gc', false); // writes through the admin API: this kiln's commits
    const s2 = await scrape();
    const [c1, f1, c2, f2] = [v(s1, 'kiln_store_commits_total'), v(s1, 'kiln_store_fsyncs_total'), v(s2, 'kiln_store_commits_total'), v(s2, 'kiln_store_fsyncs_total')];
    assert.ok(Number.isInteger(c1) && Number.isInteger(f1), `counters present (${c1}, ${f1})`);
    assert.ok(c2 > c1, `commits grew with the site's writes (${c1} -> ${c2})`);
    const [h1, h2] = [v(s1, 'kiln_store_answers_held_total'), v(s2, 'kiln_store_answers_held_total')];
    if (k.store === 'postgres') {
      // PostgreSQL's COMMIT is durable when it returns: kiln's group commit (the syncer's
      // fsync, the held answer) is SQLite's only, and its counters stay 0
      assert.deepEqual([f1, h1, f2, h2], [0, 0, 0, 0], 'no group fsync, no held answer on PostgreSQL');
      return;
    }
    assert.ok(f2 > f1, `an fsync made them durable before the answer (${f1} -> ${f2})`);
    assert.ok(f2 <= c2, `never more fsyncs than commits (${f2} > ${c2})`);
    assert.ok(h2 > h1, `the write's answer was held for the syncer's fsync, its thread free (${h1} -> ${h2})`);
  });

  it('--public-url drives site urls and self links', async () => {
    const pub = 'https://kiln.example.test';
    const k2 = await startKiln({ extraArgs: ['--public-url', pub] });
    try {
      const s2 = await k2.siteWithToken('ops-public', true);
      assert.equal(s2.url, `${pub}/ex/jira/${s2.cloudId}`);
      const bodies = [];
      for (const p of ['/myself', '/project/search?expand=lead,issueTypes', '/users/search', '/serverInfo']) {
        const r = await k2.jira(s2.cloudId, p, { token: s2.token });
        expectStatus(r, 200, p);
        bodies.push(r.text);
        for (const self of collectKey(r.json, 'self')) assert.ok(self.startsWith(`${s2.url}/`), `${p}: self ${self}`);
      }
      const created = await k2.jira(s2.cloudId, '/project', { token: s2.token, method: 'POST', body: { key: 'PUB', name: 'Public', projectTypeKey: 'software' } });
      expectStatus(created, 201);
      assert.ok(created.json.self.startsWith(`${s2.url}/rest/api/3/project/`), created.json.self);
      for (const b of bodies) assert.ok(!b.includes(`127.0.0.1:${k2.port}`), 'no listen address in answers when a public URL is set');
    } finally {
      await k2.close();
    }
  });

  it('the admin token file is private and well-formed', () => {
    const file = path.join(k.dataDir, 'admin.token');
    const st = statSync(file);
    assert.equal(st.mode & 0o777, 0o600, `admin.token mode ${(st.mode & 0o777).toString(8)}`);
    assert.match(readFileSync(file, 'utf8').trim(), ADMIN_TOKEN_RE);
  });

  it('logs are JSON lines on stderr', () => {
    const lines = k.stderrLines.filter((l) => l.trim() !== '');
    assert.ok(lines.length > 0);
    for (const l of lines) {
      let j;
      assert.doesNotThrow(() => { j = JSON.parse(l); }, `log line is JSON: ${l}`);
      assert.equal(typeof j.level, 'string', `log line has level: ${l}`);
      assert.equal(typeof j.msg, 'string', `log line has msg: ${l}`);
    }
    assert.ok(lines.some((l) => JSON.parse(l).msg === 'listening'));
    for (const l of lines) assert.ok(!l.includes(site.token), 'user tokens are not logged');
    for (const l of lines) assert.ok(!l.includes(k.adminToken), 'the admin token is not logged');
  });
});

describe('shutdown', () => {
  it('SIGTERM: in-flight slow requests complete, new connections are refused, exit 0 within 10 s', async () => {
    if (!k.running) await k.start();
    const port = k.port;
    const reqPath = `/ex/jira/${site.cloudId}/rest/api/3/project`;
    const slow = ['SLOWA', 'SLOWB', 'SLOWC'].map((key2) => ({
      key: key2,
      c: slowPost(port, reqPath, site.token, { key: key2, name: `Slow ${key2}`, projectTypeKey: 'software' }),
    }));
    await Promise.all(slow.map((s) => s.c.connected));
    await sleep(300); // the server has the headers and half of each body
    const fast = k.jira(site.cloudId, '/project/search', { token: site.token, allowError: true });
    const t0 = Date.now();
    const exit = k.stop('SIGTERM', { timeout: 15000 });
    await sleep(300);
    const during = await k.api('/healthz', { allowError: true, timeout: 3000 });
    for (const s of slow) s.c.finish();
    const results = await Promise.all(slow.map((s) => s.c.response));
    const st = await exit;
    const elapsed = Date.now() - t0;

    const problems = [];
    for (const [i, r] of results.entries()) {
      if (r.status !== 201) problems.push(`slow request ${slow[i].key} (headers + half the body sent before SIGTERM) should complete with 201, got ${r.status}: ${JSON.stringify(r.raw?.slice(0, 500))} ${r.error ?? ''}`);
    }
    const f = await fast;
    if (!(f.status === 200 || f.error)) problems.push(`request racing SIGTERM got neither 200 nor no connection: ${describeRes(f)}`);
    if (during.status >= 200 && during.status < 300) problems.push(`a new connection after SIGTERM must not be served: ${describeRes(during)}`);
    if (st.timedOut) problems.push('process did not exit within 15 s');
    if (st.code !== 0) problems.push(`exit code should be 0: ${JSON.stringify(st)}`);
    if (elapsed >= 10000) problems.push(`exited after ${elapsed} ms (>= 10 s)`);
    const after = await tryConnect(port);
    if (after !== 'ECONNREFUSED') problems.push(`connecting after shutdown: ${after}, expected ECONNREFUSED`);
    assert.deepEqual(problems, [], `graceful shutdown problems (exit ${JSON.stringify(st)} after ${elapsed} ms):\n${problems.join('\n')}`);

    await k.start();
    for (const s of slow) {
      if (results[slow.indexOf(s)].status !== 201) continue;
      const g = await k.jira(site.cloudId, `/project/${s.key}`, { token: site.token });
      expectStatus(g, 200, `${s.key} acknowledged during shutdown is stored`);
    }
  });

  it('idle keep-alive connections do not hold up SIGTERM', async () => {
    if (!k.running) await k.start();
    const port = k.port;
    const idle = [];
    for (let i = 0; i < 3; i++) {
      const sock = net.connect({ host: HOST, port });
      sock.on('error', () => {});
      sock.on('data', () => {});
      await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
      idle.push(sock);
    }
    // One connection that already did a keep-alive request and stays open.
    idle[0].write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await sleep(200);
    const st = await k.stop('SIGTERM', { timeout: 15000 });
    for (const s of idle) s.destroy();
    assert.equal(st.timedOut, false);
    assert.equal(st.code, 0, JSON.stringify(st));
    assert.ok(st.ms < 10000, `exited in ${st.ms} ms`);
    await k.start();
  });

  it('SIGINT also exits 0; the admin token survives restarts', async () => {
    if (!k.running) await k.start();
    const token = k.adminToken;
    const st = await k.stop('SIGINT', { timeout: 15000 });
    assert.equal(st.code, 0, JSON.stringify(st));
    assert.ok(st.ms < 10000, `exited in ${st.ms} ms`);
    await k.start();
    assert.equal(k.adminToken, token, 'admin.token is not regenerated');
    const r = await k.admin('/sites');
    expectStatus(r, 200);
    assert.ok(r.json.sites.some((s) => s.name === 'ops-one'));
  });
});
