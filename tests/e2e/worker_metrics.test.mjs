// The worker's metrics recorder (runtime/node/metrics.js) on its own: what an invocation's
// @forge/metrics calls fold into, what the platform's own calls leave (nothing), and the
// bounds that keep the result frame small (series, names, tags, non-finite numbers, JSON
// size). kiln's own checks are tests/unit/test_appmetrics.c; the whole path is
// tests/e2e/app_metrics.test.mjs.
//
// Run: node --test tests/e2e/worker_metrics.test.mjs

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { createMetrics, NOOP_METRICS, APP_PREFIX, MAX_SERIES, MAX_JSON } = createRequire(import.meta.url)(
  path.join(ROOT, 'runtime', 'node', 'metrics.js'),
);
const P = (n) => APP_PREFIX + n;

describe('the worker\'s metrics recorder', () => {
  it('folds counters, gauges and timers per (kind, name, tags), names without the prefix', () => {
    const { api, take } = createMetrics();
    api.counter(P('c')).incr();
    api.counter(P('c')).incrBy(4);
    api.counter(P('c')).decr();
    api.counter(P('c')).decrBy(2);
    api.counter(P('c'), { b: 2, a: 'x' }).incr();
    api.counter(P('c'), { a: 'x', b: '2' }).incr(); // the same tags, in another order
    api.gauge(P('g')).incrBy(3);
    api.gauge(P('g2')).incr();
    api.gauge(P('g2')).set(10);
    api.gauge(P('g2')).decr();
    const t = api.timing(P('t'), { k: 'v' }).measure();
    t.stop({ ok: true });
    t.stop(); // one sample per measure()
    api.timer(P('t')).record(250);
    const out = JSON.parse(take());
    assert.equal(out.dropped, 0);
    const byKey = Object.fromEntries(out.series.map((s) => [`${s[0]} ${s[1]} ${JSON.stringify(s[2])}`, s.slice(3)]));
    assert.deepEqual(byKey['c c null'], [2, 0]);
    assert.deepEqual(byKey['c c {"a":"x","b":"2"}'], [2, 0]);
    assert.deepEqual(byKey['g g null'], [3, 0], 'no set: kiln adds');
    assert.deepEqual(byKey['g g2 null'], [9, 1], 'set, then -1: kiln sets 9');
    assert.deepEqual(byKey['t t null'], [1, 0.25], 'record(ms)');
    const [n, sum] = byKey['t t {"k":"v","ok":"true"}'];
    assert.equal(n, 1);
    assert.ok(sum >= 0 && sum < 1, `${sum}`);
    assert.equal(out.series.length, 6);
  });

  it('the platform\'s own names are no-ops (the @forge/api product-call path records nothing)', () => {
    const { api, take } = createMetrics();
    assert.equal(api.counter('forge-api-request', { a: '1' }), NOOP_METRICS.counter());
    assert.equal(api.timing('api.asApp.requestJira'), NOOP_METRICS.timing());
    api.counter('forge-api-request').incr();
    api.timing('x').measure().stop({ success: true });
    api.gauge('g').set(1);
    api.histogram(P('h')).record(1);
    assert.equal(take(), null, 'nothing to send');
  });

  it('drops and counts what it cannot send: non-finite numbers, bad tags, long names, series past the cap', () => {
    const { api, take } = createMetrics();
    api.counter(P('n')).incrBy(NaN);
    api.counter(P('n')).incrBy('5');
    api.gauge(P('n')).set(Infinity);
    api.timer(P('n')).record(-1);
    api.counter(P('n'), 'tags').incr();
    api.counter(P('n'), Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']))).incr();
    api.counter(P('n'), { a: {} }).incr();
    api.counter(P('y'.repeat(257))).incr();
    for (let i = 0; i < MAX_SERIES + 10; i++) api.counter(P(`s${i}`)).incr();
    const out = JSON.parse(take());
    assert.equal(out.series.length, MAX_SERIES);
    assert.equal(out.dropped, 8 + 10);
  });

  it('stops recording when taken; a frame over its JSON budget sends no series, only the count', () => {
    const m = createMetrics();
    m.api.counter(P('a')).incr();
    const late = m.api.counter(P('a'));
    assert.ok(m.take());
    late.incr();
    assert.equal(m.take(), null, 'a call after the end is not recorded');
    const big = createMetrics();
    for (let i = 0; i < MAX_SERIES; i++) big.api.counter(P('n'.repeat(200) + i), { a: 'é'.repeat(256) }).incr();
    const text = big.take();
    assert.ok(Buffer.byteLength(text) <= MAX_JSON);
    assert.deepEqual(JSON.parse(text), { series: [], dropped: MAX_SERIES });
  });
});
