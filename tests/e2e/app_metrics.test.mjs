// Apps' own metrics end to end: an app written with the real @forge/metrics (counter,
// gauge, timer) and the runtime's metrics object with tags, invoked N times on two sites;
// /metrics shows each series per app and environment with exact values, as valid
// Prometheus text. Hostile input: names to sanitise or refuse, too many or too long tags,
// NaN and Infinity, a sum past the doubles, more series than an app may have, and result
// frames the app forges on fd 4 with malformed metrics: capped and counted, nothing
// crashes; one app's metrics never show under another's.
//
// Run: node --test tests/e2e/app_metrics.test.mjs   (needs build/kiln, esbuild and the
// root node_modules with @forge/metrics)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, expectStatus, describeCli, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok,
  cliOkJson as okJson, cliJson,
} from './lib/kiln.mjs';

const NODE_MODULES = path.join(ROOT, 'node_modules');

const manifest = (fns) => `modules:
  function:
${fns.map((f) => `    - key: ${f}\n      handler: index.${f}\n`).join('')}app:
  runtime:
    name: nodejs20.x
`;

// The app under measure: what each invocation records is known exactly.
const WORK_SRC = `import { internalMetrics } from '@forge/metrics';
export async function work(payload) {
  internalMetrics.counter('orders.created').incr();
  internalMetrics.counter('orders.created').incrBy(2);
  internalMetrics.counter('stock').decr();
  internalMetrics.gauge('queue.depth').set(payload.depth);
  const t = internalMetrics.timer('work.time').measure();
  await new Promise((r) => setTimeout(r, 30));
  t.stop();
  const m = global.__forge_runtime__.metrics;
  m.counter('internalAppMetrics.tagged', { region: 'eu', note: 'a\\\\b"c\\nd,e=f' }).incrBy(1.5);
  m.timing('internalAppMetrics.tagged.time', { k: 'v' }).measure().stop({ success: true });
  m.counter('forge-api-request', { x: '1' }).incr(); // the platform's own names are not recorded
  m.timing('forge-api-request').measure().stop();
  return 'worked';
}
`;

// The hostile app: every update below is one the limits catch.
const HOSTILE_SRC = `import { internalMetrics as im } from '@forge/metrics';
import { writeSync } from 'node:fs';
export async function hostile() {
  const m = global.__forge_runtime__.metrics;
  im.counter('has space/and\\u00e9"').incr();              // sanitised
  im.counter('x'.repeat(101)).incr();                      // refused by kiln (over 100)
  im.counter('y'.repeat(300)).incr();                      // dropped by the worker (over 256)
  im.counter('nan').incrBy(NaN);                           // dropped by the worker
  im.gauge('inf').set(Infinity);                           // dropped by the worker
  im.counter('huge').incrBy(1.5e308);
  m.counter('internalAppMetrics.tags5', { a: '1', b: '2', c: '3', d: '4', e: '5' }).incr(); // refused
  m.counter('internalAppMetrics.longtag', { a: 'v'.repeat(65) }).incr();                    // refused
  m.counter('internalAppMetrics.badtags', 'not an object').incr();                           // dropped by the worker
  return 'hostile';
}
export async function huge() { im.counter('huge').incrBy(1.5e308); return 'huge'; } // the sum would be Infinity: refused
export async function many() {
  for (let i = 0; i < 300; i++) im.counter('many.' + i).incr();
  return 'many';
}
const forge = (metrics, raw) => {
  const id = global.__forge_runtime__.appContext.invocationId;
  writeSync(4, (raw ?? JSON.stringify({ type: 'result', id, ok: true, metrics, value: 'forged' })) + '\\n');
};
export async function forged() {
  forge({ dropped: 3, series: [
    ['c', 'forged.ok', null, 2, 0],
    ['x', 'kind', null, 1, 0], ['c', 'str', null, '1', 0], ['t', 'zero', null, 0, 1], ['t', 'neg', null, 1, -1],
    ['t', 'frac', null, 1.5, 1], ['g', 'setflag', null, 1, 2], ['c', 'four', null, 1], 5, null,
    ['c', 'tagnum', { a: 1 }, 1, 0], ['c', '', null, 1, 0], ['c', 'dup', { 'a b': '1', a_b: '2' }, 1, 0],
  ] });
  return 'real';
}
export async function forgedBad() { forge({ series: 'nope', dropped: 0 }); return 'real'; }
export async function forgedDropped() { forge({ series: [], dropped: -1 }); return 'real'; }
export async function forgedBig() { forge({ series: Array.from({ length: 300 }, (_, i) => ['c', 'forged.big', null, 1, 0]), dropped: 0 }); return 'real'; }
export async function forgedOverflow() {
  const id = global.__forge_runtime__.appContext.invocationId;
  forge(null, '{"type":"result","id":' + JSON.stringify(id) + ',"ok":true,"metrics":{"series":[["c","ovf",null,1e400,0]],"dropped":0},"value":1}');
  await new Promise((r) => setTimeout(r, 5000));
  return 'real';
}
`;

// ------------------------------------------------------------ Prometheus text, strictly

function parseLabels(s) {
  const labels = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
  let m;
  let at = 0;
  while (at < s.length && (m = re.exec(s)) !== null) {
    labels[m[1]] = m[2].replace(/\\(["\\n])/g, (_, c) => (c === 'n' ? '\n' : c));
    at = re.lastIndex;
  }
  if (at !== s.length) throw new Error(`cannot parse labels {${s}}`);
  return labels;
}

/** Every sample line parses; every family has one TYPE before its samples, which are contiguous. */
function parseMetrics(text) {
  const samples = [];
  const bad = [];
  const typed = new Map();
  const seen = new Set();
  let last = null;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)$/.exec(line);
    if (t) {
      if (typed.has(t[1])) bad.push(`second TYPE: ${line}`);
      typed.set(t[1], t[2]);
      continue;
    }
    if (line.startsWith('# HELP ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) { bad.push(line); continue; }
    let labels;
    try { labels = m[2] ? parseLabels(m[2]) : {}; } catch { bad.push(line); continue; }
    const v = Number(m[3]);
    if (!Number.isFinite(v)) { bad.push(line); continue; }
    const family = typed.has(m[1]) ? m[1] : m[1].replace(/_(count|sum|bucket)$/, '');
    if (!typed.has(family)) bad.push(`no TYPE: ${line}`);
    if (family !== last && seen.has(family)) bad.push(`family not contiguous: ${line}`);
    seen.add(family);
    last = family;
    samples.push({ name: m[1], labels, value: v, line });
  }
  return { samples, bad };
}

describe('apps\' @forge/metrics in /metrics', () => {
  let k, A, B, work, hostile, W, H;
  const tag = randomBytes(3).toString('hex');
  const inv = (dir, args) => kiln(k, ['invoke', ...args], { cwd: dir });
  const appId = (dir) => /app\/([0-9a-f-]{36})/.exec(readFileSync(path.join(dir, 'manifest.yml'), 'utf8'))[1];

  async function scrape() {
    const r = await k.api('/metrics', { token: k.adminToken }); // apps' series: admin only
    expectStatus(r, 200, '/metrics');
    const parsed = parseMetrics(r.text);
    assert.deepEqual(parsed.bad, [], 'every line of /metrics is valid Prometheus text');
    return { ...parsed, text: r.text };
  }
  const ofApp = (s, app) => s.samples.filter((x) => x.labels.app === app);
  const value = (s, name, labels) => {
    const hit = s.samples.filter((x) => x.name === name && Object.entries(labels).every(([l, v]) => x.labels[l] === v));
    assert.equal(hit.length, 1, `one ${name} ${JSON.stringify(labels)}: ${hit.map((x) => x.line).join('\n')}`);
    return hit[0].value;
  };

  async function deployApp(name, fns, src) {
    const dir = path.join(tempDir(name), name);
    writeFiles(dir, { 'manifest.yml': manifest(fns), 'src/index.js': src });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    for (const s of [A, B]) await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
    return dir;
  }

  before(async () => {
    assert.ok(existsSync(path.join(NODE_MODULES, '@forge', 'metrics', 'package.json')), `@forge/metrics in ${NODE_MODULES} (run make deps)`);
    k = await startKiln();
    A = await k.createSite(`am-a-${tag}`);
    B = await k.createSite(`am-b-${tag}`);
    work = await deployApp('metrics-work', ['work'], WORK_SRC);
    hostile = await deployApp('metrics-hostile', ['hostile', 'huge', 'many', 'forged', 'forgedBad', 'forgedDropped', 'forgedBig', 'forgedOverflow'], HOSTILE_SRC);
    W = appId(work);
    H = appId(hostile);
  });

  after(async () => {
    await k?.close();
  });

  it('counters, gauges and timers of the real @forge/metrics, with exact values after 5 invocations on two sites', async () => {
    const before0 = await scrape();
    assert.deepEqual(ofApp(before0, W), [], 'nothing before the first invocation');
    const depths = [[A, 4], [B, 7], [A, 1], [B, 9], [A, 6]];
    for (const [s, depth] of depths) {
      assert.equal(cliJson(ok(await inv(work, ['work', '--site', s.name, '--payload', JSON.stringify({ depth })]))), 'worked');
    }
    const m = await scrape();
    const L = (name, tags = '') => ({ app: W, env: 'development', name, tags });
    assert.equal(value(m, 'kiln_app_metric_total', L('orders.created')), 15);
    assert.equal(value(m, 'kiln_app_metric_total', L('stock')), -5);
    assert.equal(value(m, 'kiln_app_gauge', L('queue.depth')), 6, 'the last value set');
    assert.equal(value(m, 'kiln_app_timing_seconds_count', L('work.time')), 5);
    const sum = value(m, 'kiln_app_timing_seconds_sum', L('work.time'));
    assert.ok(sum >= 5 * 0.029 && sum < 5 * 2, `5 timers of >= 30 ms: ${sum}`);
    // tags: the app's strings, sanitised (control bytes, ',' and '=' become '_') and escaped
    const tags = 'note=a\\b"c_d_e_f,region=eu';
    assert.equal(value(m, 'kiln_app_metric_total', L('tagged', tags)), 7.5);
    assert.ok(m.text.includes(`kiln_app_metric_total{app="${W}",env="development",name="tagged",tags="note=a\\\\b\\"c_d_e_f,region=eu"} 7.5\n`), m.text);
    assert.equal(value(m, 'kiln_app_timing_seconds_count', L('tagged.time', 'k=v,success=true')), 5, 'stop(tags) adds to the timer\'s tags');
    // exactly these series: the platform's own names (forge-api-request) are not recorded
    const names = [...new Set(ofApp(m, W).filter((x) => x.labels.name).map((x) => `${x.name} ${x.labels.name}`))].sort();
    assert.deepEqual(names, [
      'kiln_app_gauge queue.depth', 'kiln_app_metric_total orders.created', 'kiln_app_metric_total stock',
      'kiln_app_metric_total tagged', 'kiln_app_timing_seconds_count tagged.time', 'kiln_app_timing_seconds_count work.time',
      'kiln_app_timing_seconds_sum tagged.time', 'kiln_app_timing_seconds_sum work.time',
    ]);
    assert.equal(value(m, 'kiln_app_metric_series_dropped_total', { app: W }), 0);
    assert.equal(value(m, 'kiln_app_metric_refused_total', { app: W }), 0);
    // without the admin token (none, or a wrong one) /metrics still answers kiln's own
    // counts, and no app's series: their names and tags are the app's strings
    for (const opts of [{}, { headers: { authorization: 'Bearer nonsense' } }, { token: `${k.adminToken}x` }]) {
      const r = await k.api('/metrics', opts);
      expectStatus(r, 200);
      const p = parseMetrics(r.text);
      assert.deepEqual(p.bad, [], 'valid Prometheus text');
      assert.ok(p.samples.some((x) => x.name === 'kiln_isolation_info'), 'kiln\'s own series are there');
      assert.deepEqual(p.samples.filter((x) => x.name.startsWith('kiln_app_')), [], `no app series without the admin token: ${JSON.stringify(opts)}`);
      assert.ok(!r.text.includes('orders.created') && !r.text.includes(W), 'no app name or id anywhere');
    }
  });

  it('hostile names, tags and numbers are sanitised, refused or dropped and counted; nothing crashes', async () => {
    assert.equal(cliJson(ok(await inv(hostile, ['hostile', '--site', A.name]))), 'hostile');
    let m = await scrape();
    const L = (name, tags = '') => ({ app: H, env: 'development', name, tags });
    assert.equal(value(m, 'kiln_app_metric_total', L('has_space_and___')), 1, 'é is two bytes, each made _');
    assert.equal(value(m, 'kiln_app_metric_total', L('huge')), 1.5e308);
    const names = ofApp(m, H).filter((x) => x.labels.name).map((x) => x.labels.name).sort();
    assert.deepEqual(names, ['has_space_and___', 'huge']);
    assert.equal(value(m, 'kiln_app_metric_refused_total', { app: H }), 3, 'a 101-byte name, 5 tags, a 65-byte tag value');
    assert.equal(value(m, 'kiln_app_metric_series_dropped_total', { app: H }), 4, 'the worker: a 300-byte name, NaN, Infinity, tags not an object');
    // a sum that would leave the doubles is refused; the series keeps its value
    ok(await inv(hostile, ['huge', '--site', A.name]));
    m = await scrape();
    assert.equal(value(m, 'kiln_app_metric_total', L('huge')), 1.5e308);
    assert.equal(value(m, 'kiln_app_metric_refused_total', { app: H }), 4);
    assert.ok(k.running);
  });

  it('series past 200 per app are dropped and counted', async () => {
    let m = await scrape();
    const had = ofApp(m, H).filter((x) => x.name === 'kiln_app_metric_total').length;
    const dropped0 = value(m, 'kiln_app_metric_series_dropped_total', { app: H });
    assert.equal(cliJson(ok(await inv(hostile, ['many', '--site', B.name]))), 'many');
    m = await scrape();
    const series = ofApp(m, H).filter((x) => x.name === 'kiln_app_metric_total');
    assert.equal(series.length, 200, 'an app keeps 200 series');
    // the worker sends 256 of 300 (44 dropped); kiln keeps 200 - had of them
    assert.equal(value(m, 'kiln_app_metric_series_dropped_total', { app: H }), dropped0 + 44 + (256 - (200 - had)));
    // the series kept go on counting; the work app's are untouched
    ok(await inv(hostile, ['many', '--site', A.name]));
    m = await scrape();
    assert.equal(value(m, 'kiln_app_metric_total', { app: H, name: 'many.0' }), 2);
    assert.equal(ofApp(m, H).filter((x) => x.name === 'kiln_app_metric_total').length, 200);
    assert.equal(value(m, 'kiln_app_metric_total', { app: W, name: 'orders.created' }), 15);
    assert.ok(!m.samples.some((x) => x.labels.app === W && /^many\./.test(x.labels.name ?? '')), 'one app\'s series never under another');
  });

  it('metrics in forged result frames are checked one by one', async () => {
    // a fresh app, so the 200-series cap of the hostile one does not hide what is kept
    const dir = await deployApp('metrics-forged', ['forged', 'forgedBad', 'forgedDropped', 'forgedBig', 'forgedOverflow'], HOSTILE_SRC);
    const F = appId(dir);
    assert.equal(cliJson(ok(await inv(dir, ['forged', '--site', A.name]))), 'forged', 'the forged frame ended the invocation');
    let m = await scrape();
    assert.equal(value(m, 'kiln_app_metric_total', { app: F, name: 'forged.ok' }), 2);
    assert.deepEqual(ofApp(m, F).filter((x) => x.labels.name).map((x) => x.labels.name), ['forged.ok']);
    assert.equal(value(m, 'kiln_app_metric_refused_total', { app: F }), 12);
    assert.equal(value(m, 'kiln_app_metric_series_dropped_total', { app: F }), 3, 'the dropped count it claims');
    ok(await inv(dir, ['forgedBad', '--site', A.name]));
    ok(await inv(dir, ['forgedDropped', '--site', A.name]));
    m = await scrape();
    assert.equal(value(m, 'kiln_app_metric_refused_total', { app: F }), 14, 'series not an array; dropped < 0');
    ok(await inv(dir, ['forgedBig', '--site', A.name]));
    m = await scrape();
    assert.equal(value(m, 'kiln_app_metric_total', { app: F, name: 'forged.big' }), 256, 'at most 256 updates an invocation');
    assert.equal(value(m, 'kiln_app_metric_refused_total', { app: F }), 14 + 44);
    // a number past the doubles in the frame: not JSON kiln reads; the worker is not trusted
    const r = await inv(dir, ['forgedOverflow', '--site', A.name]);
    assert.notEqual(r.code, 0, describeCli(r));
    assert.ok(!(await scrape()).samples.some((x) => x.labels.name === 'ovf'));
    assert.equal(cliJson(ok(await inv(work, ['work', '--site', A.name, '--payload', '{"depth":2}']))), 'worked', 'kiln serves on');
    assert.ok(k.running);
  });
});
