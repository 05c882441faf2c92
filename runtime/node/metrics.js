'use strict';
// The runtime's `metrics` object (global.__forge_runtime__.metrics), one per invocation.
//
// Who calls it, and with what (read from the packages in node_modules):
//   @forge/metrics 0.2.x  internalMetrics.counter(name) -> runtime counter('internalAppMetrics.' + name)
//                         .incr() .incrBy(v) .decr() .decrBy(v); gauge(name).set(v);
//                         timer(name).measure() -> .stop()  (out/internal/metrics.js)
//   @forge/api            wrapInMetrics: counter(name, tags).incr(), timing(name, tags).measure()
//                         -> .stop() / .stop({success}) around every product call
//                         (api/fetch.js, api/runtime.js, api/permissions.js)
//   @forge/storage        timing(name).measure().stop({success}), counter(name).incr()
//
// Only the app's own metrics are recorded: the names @forge/metrics gives the prefix
// `internalAppMetrics.` (on Forge, what the developer sees); the platform's own
// (@forge/api's, @forge/storage's) are kiln's business and kiln counts product calls
// itself, so those calls stay no-ops and the product-call path does no more than before.
// Recorded updates are folded in memory (one entry per kind, name and tags) and sent once,
// with the invocation's result frame (worker.js); kiln checks and caps them again
// (src/platform/appmetrics.h): this side only keeps the frame bounded.

const APP_PREFIX = 'internalAppMetrics.';
const MAX_SERIES = 256; // distinct (kind, name, tags) per invocation; more are dropped and counted
const MAX_NAME = 256; // characters of a name; longer ones are dropped and counted
const MAX_TAGS = 16; // tags of one series
const MAX_TAG_CHARS = 256; // characters of a tag's key or value
const MAX_JSON = 96 * 1024; // the metrics of a result frame, as JSON: past it none are sent

const noop = () => {};
const NOOP_STOP = Object.freeze({ stop: noop });
const NOOP_COUNTER = Object.freeze({ incr: noop, incrBy: noop, decr: noop, decrBy: noop });
const NOOP_GAUGE = Object.freeze({ set: noop, incr: noop, incrBy: noop, decr: noop, decrBy: noop });
const NOOP_TIMER = Object.freeze({ measure: () => NOOP_STOP, record: noop, time: noop });
const NOOP_HISTOGRAM = Object.freeze({ record: noop, update: noop, observe: noop });
/** Every call accepted, nothing recorded (kiln's own calls, and no invocation). */
const NOOP_METRICS = Object.freeze({
  counter: () => NOOP_COUNTER,
  gauge: () => NOOP_GAUGE,
  timing: () => NOOP_TIMER,
  timer: () => NOOP_TIMER,
  histogram: () => NOOP_HISTOGRAM,
  flush: async () => {},
});

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Tags as a sorted plain object of strings, or null (none), or undefined (unusable: dropped). */
function cleanTags(tags) {
  if (tags === undefined || tags === null) return null;
  if (!isObject(tags)) return undefined;
  const keys = Object.keys(tags);
  if (keys.length === 0) return null;
  if (keys.length > MAX_TAGS) return undefined;
  keys.sort();
  const out = {};
  for (const k of keys) {
    const v = tags[k];
    const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
    if (s === undefined || k.length > MAX_TAG_CHARS || s.length > MAX_TAG_CHARS) return undefined;
    out[k] = s;
  }
  return out;
}

/** A recorder for one invocation: `api` is what the runtime object exposes, `take()` ends it. */
function createMetrics() {
  let series = null; // Map: key -> [kind, name, tags, a, b]
  let dropped = 0;
  let open = true;

  function entry(kind, name, tags) {
    if (!open) return null;
    if (typeof name !== 'string' || name.length > MAX_NAME + APP_PREFIX.length) {
      dropped++;
      return null;
    }
    const t = cleanTags(tags);
    if (t === undefined) {
      dropped++;
      return null;
    }
    const key = t === null ? `${kind}\0${name}` : `${kind}\0${name}\0${JSON.stringify(t)}`;
    if (series === null) series = new Map();
    let e = series.get(key);
    if (e === undefined) {
      if (series.size >= MAX_SERIES) {
        dropped++;
        return null;
      }
      e = [kind, name.slice(APP_PREFIX.length), t, 0, 0];
      series.set(key, e);
    }
    return e;
  }
  const finite = (v) => typeof v === 'number' && Number.isFinite(v);
  function count(name, tags, v) {
    if (!finite(v)) {
      dropped++;
      return;
    }
    const e = entry('c', name, tags);
    if (e) e[3] += v;
  }
  function gauge(name, tags, v, set) {
    if (!finite(v)) {
      dropped++;
      return;
    }
    const e = entry('g', name, tags);
    if (!e) return;
    if (set) {
      e[3] = v;
      e[4] = 1; // kiln sets its gauge to e[3]; without a set in this invocation it adds e[3]
    } else e[3] += v;
  }
  function time(name, tags, seconds) {
    if (!finite(seconds) || seconds < 0) {
      dropped++;
      return;
    }
    const e = entry('t', name, tags);
    if (!e) return;
    e[3] += 1;
    e[4] += seconds;
  }
  const stopTags = (tags, more) => (isObject(more) ? { ...(isObject(tags) ? tags : {}), ...more } : tags);

  const api = Object.freeze({
    counter(name, tags) {
      if (typeof name !== 'string' || !name.startsWith(APP_PREFIX)) return NOOP_COUNTER;
      return {
        incr: () => count(name, tags, 1),
        incrBy: (v) => count(name, tags, v),
        decr: () => count(name, tags, -1),
        decrBy: (v) => count(name, tags, typeof v === 'number' ? -v : v),
      };
    },
    gauge(name, tags) {
      if (typeof name !== 'string' || !name.startsWith(APP_PREFIX)) return NOOP_GAUGE;
      return {
        set: (v) => gauge(name, tags, v, true),
        incr: () => gauge(name, tags, 1, false),
        incrBy: (v) => gauge(name, tags, v, false),
        decr: () => gauge(name, tags, -1, false),
        decrBy: (v) => gauge(name, tags, typeof v === 'number' ? -v : v, false),
      };
    },
    timing(name, tags) {
      if (typeof name !== 'string' || !name.startsWith(APP_PREFIX)) return NOOP_TIMER;
      return {
        measure() {
          const t0 = process.hrtime.bigint();
          let stopped = false;
          return {
            stop(more) {
              if (stopped) return; // one sample per measure()
              stopped = true;
              time(name, stopTags(tags, more), Number(process.hrtime.bigint() - t0) / 1e9);
            },
          };
        },
        record: (ms) => time(name, tags, typeof ms === 'number' ? ms / 1000 : ms), // milliseconds
        time: noop,
      };
    },
    timer(name, tags) {
      return api.timing(name, tags);
    },
    histogram: () => NOOP_HISTOGRAM, // no @forge package records one for apps
    flush: async () => {},
  });

  /** Ends recording (later calls are dropped silently) and returns the frame's `metrics` JSON, or null. */
  function take() {
    open = false;
    if (series === null && dropped === 0) return null;
    const s = series === null ? [] : [...series.values()];
    let json = JSON.stringify({ series: s, dropped });
    if (json.length > MAX_JSON / 3 && Buffer.byteLength(json, 'utf8') > MAX_JSON) {
      json = JSON.stringify({ series: [], dropped: dropped + s.length });
    }
    series = null;
    return json;
  }
  return { api, take };
}

module.exports = { createMetrics, NOOP_METRICS, APP_PREFIX, MAX_SERIES, MAX_JSON };
