// The one fetch helper of the host: same-origin credentials (the session cookie), JSON in
// and out, X-Kiln-CSRF on every method but GET/HEAD, and an ApiError carrying the server's
// messages (Jira's {errorMessages, errors} or kiln's {code, message}) for the page to show.
// prefetch(path) starts a GET early (a page asks for what its parts will need while it
// loads its own data); the next api() GET of that exact path takes the request in flight,
// once, within PREFETCH_MS, instead of sending another.
import { boot } from './boot.js';

const MAX_MESSAGES = 10;
const PREFETCH_MS = 10000;
const MAX_PREFETCHED = 16;
const prefetched = new Map(); // path -> {at, promise}

export class ApiError extends Error {
  constructor(status, messages) {
    super(messages.join(' ') || `Request failed (HTTP ${status})`);
    this.status = status;
    this.messages = messages.length ? messages : [this.message];
  }
}

/** Messages out of a Jira or kiln error body, capped. */
export function errorMessages(body) {
  if (!body || typeof body !== 'object') return [];
  const out = [];
  if (Array.isArray(body.errorMessages)) out.push(...body.errorMessages.map(String));
  if (body.errors && typeof body.errors === 'object')
    for (const [k, v] of Object.entries(body.errors)) out.push(`${k}: ${v}`);
  if (typeof body.message === 'string') out.push(body.message);
  return out.slice(0, MAX_MESSAGES);
}

export function prefetch(path) {
  if (prefetched.has(path)) return;
  if (prefetched.size >= MAX_PREFETCHED) prefetched.delete(prefetched.keys().next().value);
  const promise = send(path, {});
  promise.catch(() => {}); // the taker sees the error; nobody may take it at all
  prefetched.set(path, { at: Date.now(), promise });
}

/** The prefetched request of path still waiting for its taker (it stays there), or null. */
export function inflight(path) {
  const p = prefetched.get(path);
  return p && Date.now() - p.at <= PREFETCH_MS ? p.promise : null;
}

function takePrefetched(path) {
  const p = prefetched.get(path);
  if (!p) return null;
  prefetched.delete(path);
  return Date.now() - p.at <= PREFETCH_MS ? p.promise : null;
}

export function api(path, opts = {}) {
  const method = opts.method || 'GET';
  const early = method === 'GET' && opts.body === undefined ? takePrefetched(path) : null;
  return early || send(path, opts);
}

async function send(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (method !== 'GET' && method !== 'HEAD') h['X-Kiln-CSRF'] = boot.csrf;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      redirect: 'manual',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, [`Network error: ${e.message}`]);
  }
  const text = await res.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!res.ok) throw new ApiError(res.status, errorMessages(json));
  return json;
}

/** The path of the site's Jira REST API, v3: jiraPath('/issue/ABC-1') */
export function jiraPath(path) {
  return `/ex/jira/${encodeURIComponent(boot.cloudId || '')}/rest/api/3${path}`;
}

/** The site's Jira REST API, v3: jira('/issue/ABC-1') */
export function jira(path, opts) {
  return api(jiraPath(path), opts);
}
