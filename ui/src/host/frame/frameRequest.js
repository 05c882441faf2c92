// The body of POST /_ui/v1/frames for a module and extension, and an early copy of that
// request: prefetchFrame() sends it before the component that needs it is drawn (early.js:
// while the bundle's React part is still being evaluated), takeFrame() hands the answer to
// the first CustomUiFrame that asks with the exact same body, once, within PREFETCH_MS;
// anything else sends its own (and a body a frame already asked for
// itself is not sent early again: the view may be drawn before the early request's inputs
// are in). The answer (the context token) stays in this page's memory
// like any frame's; an answer nobody takes is dropped and its token simply expires.
// Free of React (early.js imports it).
import { api } from '../api.js';

const PREFETCH_MS = 10000;
const MAX_PREFETCHED = 8;
const early = new Map(); // JSON of the body -> {at, promise}
const asked = new Set(); // bodies a frame has already asked for itself (no early copy then)

/** What the server checks: appId, moduleKey, environment (when the module names one), extension. */
export function frameBody(module, ext) {
  return {
    appId: module.appId,
    moduleKey: module.moduleKey || module.key,
    ...(module.environment ? { environment: module.environment } : {}),
    extension: ext,
  };
}

export function prefetchFrame(module, ext) {
  const body = frameBody(module, ext);
  const k = JSON.stringify(body);
  if (early.has(k) || asked.has(k)) return;
  if (early.size >= MAX_PREFETCHED) early.delete(early.keys().next().value);
  const promise = api('/_ui/v1/frames', { method: 'POST', body });
  promise.catch(() => {}); // the taker sees the error; nobody may take it at all
  early.set(k, { at: Date.now(), promise });
}

/** The frame's answer: the early one for this exact body if there is one, else a new request. */
export function requestFrame(body) {
  const k = JSON.stringify(body);
  const e = early.get(k);
  early.delete(k);
  if (e && Date.now() - e.at <= PREFETCH_MS) return e.promise;
  if (asked.size >= MAX_PREFETCHED) asked.delete(asked.values().next().value);
  asked.add(k);
  return api('/_ui/v1/frames', { method: 'POST', body });
}
