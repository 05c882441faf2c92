// The one fetch helper of the host: same-origin credentials (the session cookie), JSON in
// and out, X-Kiln-CSRF on every method but GET/HEAD, and an ApiError carrying the server's
// messages (Jira's {errorMessages, errors} or kiln's {code, message}) for the page to show.
import { boot } from './boot.js';

const MAX_MESSAGES = 10;

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

export async function api(path, { method = 'GET', body, headers = {}, signal } = {}) {
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

/** The site's Jira REST API, v3: jira('/issue/ABC-1') */
export function jira(path, opts) {
  return api(`/ex/jira/${encodeURIComponent(boot.cloudId || '')}/rest/api/3${path}`, opts);
}
