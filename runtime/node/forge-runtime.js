'use strict';
// What the real @forge/* packages expect from the Forge runtime:
//   global.__forge_runtime__  (read through @forge/api's __getRuntime())
//   global.__forge_fetch__    (every product / platform request goes through it)
// The field list, and which package reads which field, is in README.md in this folder.

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

/** Forge's default function timeout, used when kiln sends no deadline. */
const DEFAULT_TIMEOUT_MS = 25_000;

// The runtime's `metrics` object: an app's @forge/metrics calls are recorded per
// invocation (metrics.js) and sent with its result; everything else is accepted and dropped.
const { NOOP_METRICS } = require('./metrics');

const I18N_BUNDLE_FOLDER_NAME = '__LOCALES__'; // @forge/i18n's constant
const appCodeDirs = new Map();
/**
 * @forge/api's i18n reads `${container.appCodeDir}/__LOCALES__/...`. Forge's appCodeDir
 * is the folder holding the deployed bundle; use the bundle's folder, or the snapshot
 * root (cwd) when only that one has a __LOCALES__ folder.
 */
function appCodeDirFor(bundle) {
  let dir = appCodeDirs.get(bundle);
  if (dir === undefined) {
    const bundleDir = path.dirname(bundle);
    dir = bundleDir;
    if (!fs.existsSync(path.join(bundleDir, I18N_BUNDLE_FOLDER_NAME)) && fs.existsSync(I18N_BUNDLE_FOLDER_NAME)) {
      dir = process.cwd();
    }
    appCodeDirs.set(bundle, dir);
  }
  return dir;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Builds global.__forge_runtime__ for one invocation from the invoke frame's `runtime`
 * (plus the frame's id, bundle and context; `metrics`, the invocation's recorder's api,
 * else NOOP_METRICS). Fields kiln sends that are not listed here
 * (e.g. limits, featureFlags, realtime, rms) are passed through unchanged.
 */
function buildRuntime(frameRuntime, { id, bundle, context, metrics }) {
  const rt = isObject(frameRuntime) ? frameRuntime : {};
  const deadline = Number.isFinite(rt.deadline) ? rt.deadline : Date.now() + DEFAULT_TIMEOUT_MS;
  const appContext = isObject(rt.appContext) ? { ...rt.appContext } : {};
  if (appContext.invocationId === undefined) appContext.invocationId = id;
  const proxy = isObject(rt.proxy) ? { ...rt.proxy } : {};
  const tracing = isObject(rt.tracing)
    ? { ...rt.tracing }
    : newTrace();
  let aaid = rt.aaid;
  if (aaid === undefined && isObject(context) && typeof context.accountId === 'string') aaid = context.accountId;

  return {
    ...rt,
    appContext,
    proxy,
    contextAri: rt.contextAri,
    lambdaContext: { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) },
    metrics: metrics || NOOP_METRICS,
    tracing,
    container: { appCodeDir: appCodeDirFor(bundle) },
    aaid,
    externalAuth: Array.isArray(rt.externalAuth) ? rt.externalAuth : [],
  };
}

/** b3 trace ids: random, not secret; randomUUID draws from a cached pool (no syscall each time). */
function newTrace() {
  const hex = crypto.randomUUID().replace(/-/g, '');
  return { traceId: hex, spanId: crypto.randomUUID().replace(/-/g, '').slice(0, 16) };
}

// ---- __forge_fetch__ ----------------------------------------------------------------

const nativeFetch = globalThis.fetch; // Node's undici fetch, even if app code replaces global.fetch
const http = require('node:http');
const { ProxyResponse } = require('./response');
// Calls to kiln's proxy go over plain http.request with a keep-alive agent: on loopback
// it is several times cheaper per call than undici's fetch (measured with
// bench/webtrigger.sh), and the answer is still a standard Response.
const proxyAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
// Captured before the worker's egress interception (egress.js) wraps http.request and
// net: kiln's own calls go straight to kiln.
const httpRequest = http.request;
const netConnect = require('node:net').createConnection;
/** kiln's Unix socket when the runtime names one (namespace mode: the worker's only way out). */
function proxySocket() {
  const rt = global.__forge_runtime__;
  const sock = rt && rt.proxy && rt.proxy.socket;
  return typeof sock === 'string' && sock ? sock : null;
}
// With `proxy.socket`, every connection of the proxy agent goes to that socket, whatever
// host the URL names (the URL still gives the path).
proxyAgent.createConnection = function createConnection(options, cb) {
  const sock = proxySocket();
  if (sock) return netConnect({ path: sock }, cb);
  return http.Agent.prototype.createConnection.call(this, options, cb);
};
const NULL_BODY = new Set([101, 204, 205, 304]);

/** A body http.request can send as is, or undefined if only fetch can (streams, FormData, Blob). */
function plainBody(body, headers) {
  if (body === undefined || body === null) return { ok: true, data: null };
  if (typeof body === 'string') return { ok: true, data: body };
  if (body instanceof Uint8Array) return { ok: true, data: body };
  if (body instanceof ArrayBuffer) return { ok: true, data: Buffer.from(body) };
  if (body instanceof URLSearchParams) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
    return { ok: true, data: body.toString() };
  }
  return { ok: false };
}

function proxyRequest(url, opts, headers, data) {
  return new Promise((resolve, reject) => {
    const h = {};
    headers.forEach((v, k) => { h[k] = v; });
    const method = (opts.method || 'GET').toUpperCase();
    const req = httpRequest(url, { method, headers: h, agent: proxyAgent, signal: opts.signal || undefined }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const rh = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) rh.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        const status = res.statusCode;
        const body = NULL_BODY.has(status) || method === 'HEAD' ? null : Buffer.concat(chunks);
        try {
          const init = { status, statusText: res.statusMessage || '', headers: rh };
          resolve(body === null ? new Response(null, init) : new ProxyResponse(body, init));
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.end(data === null ? undefined : data);
  });
}
// ---- calls carried on the worker's pipes ------------------------------------------------
// When kiln's runtime says `proxy.pipe: true`, a call with a plain body goes to kiln as a
// `fetch` frame on fd 4 and its answer comes back as a `response` frame on fd 3 (see
// README.md): no loopback HTTP connection, no HTTP client. worker.js wires the frame
// writer and the answers in (configurePipe, onResponseFrame).

/** Largest body sent on the pipe (base64 must keep the frame under kiln's 6 MiB reader). */
const PIPE_MAX_BODY = 3 * 1024 * 1024;
/** What kiln serves on the pipe: product REST calls and the web trigger GraphQL (type `fpp`). */
const PIPE_TYPE = 'fpp';
const PIPE_PATH_RE = /^\/(rest\/|graphql(\?|$))/;
const pipe = { send: null, invocationId: () => null, idle: () => false, seq: 0, pending: new Map() };

/**
 * send(text) writes a frame; invocationId() is the invocation a call belongs to (null for a
 * late callback of a finished one); idle() says no invocation runs on the worker now. An
 * idle worker's pipe is not read by kiln until its next invocation, so a late call made
 * while idle goes over HTTP instead, where kiln refuses its dead token at once.
 */
function configurePipe({ send, invocationId, idle }) {
  pipe.send = send;
  pipe.invocationId = invocationId;
  if (idle) pipe.idle = idle;
}

/** A `response` frame from kiln: settles the call with that seq (unknown ones: aborted calls). */
function onResponseFrame(msg) {
  const call = pipe.pending.get(msg.seq);
  if (!call) return;
  pipe.pending.delete(msg.seq);
  if (call.signal) call.signal.removeEventListener('abort', call.onAbort);
  try {
    const status = msg.status;
    const statusText = http.STATUS_CODES[status] || '';
    // `text`: the body as a string (kiln sends UTF-8 text so); `body`: bytes in base64url
    const body = NULL_BODY.has(status) || call.method === 'HEAD' ? null
      : typeof msg.text === 'string' ? msg.text : Buffer.from(typeof msg.body === 'string' ? msg.body : '', 'base64');
    // A ProxyResponse takes the pairs straight into its own Headers (one fill, not two)
    call.resolve(body === null ? new Response(null, { status, statusText, headers: new Headers(msg.headers) })
      : new ProxyResponse(body, { status, statusText }, msg.headers));
  } catch (err) {
    call.reject(err);
  }
}

function pipeRequest(url, opts, headers, data) {
  const pairs = [];
  headers.forEach((v, k) => pairs.push([k, v]));
  return pipeSend(url, opts.method || 'GET', pairs, data, opts.signal || null);
}

/** Writes the fetch frame; resolves with the Response its answer becomes. */
function pipeSend(url, methodName, pairs, data, signal) {
  if (signal && signal.aborted) return Promise.reject(signal.reason);
  const seq = ++pipe.seq;
  const method = methodName.toUpperCase();
  const frame = JSON.stringify({
    type: 'fetch',
    id: pipe.invocationId() ?? '',
    seq,
    method,
    path: url.pathname + url.search,
    headers: pairs,
    body: data === null ? null : Buffer.from(data).toString('base64'),
  });
  return new Promise((resolve, reject) => {
    const call = { resolve, reject, method, signal, onAbort: null };
    if (signal) {
      call.onAbort = () => {
        pipe.pending.delete(seq);
        reject(signal.reason);
      };
      signal.addEventListener('abort', call.onAbort, { once: true });
    }
    pipe.pending.set(seq, call);
    pipe.send(frame);
  });
}

const TYPE_RE = /^[A-Za-z0-9_.-]+$/;

/** init.headers (a plain object, a Headers, or [name, value] pairs) as a Headers; undefined values dropped. */
function toHeaders(input) {
  if (input === undefined || input === null) return new Headers();
  if (input instanceof Headers || Array.isArray(input) || typeof input[Symbol.iterator] === 'function') {
    return new Headers(input);
  }
  const headers = new Headers();
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, String(v));
    else headers.set(name, String(value));
  }
  return headers;
}

const present = (v) => v !== undefined && v !== null && v !== '';

/**
 * Where a call of `descriptor` to `reqPath` goes: `${proxy.url}/${descriptor.type}${reqPath}`
 * as a URL, with the invocation's proxy token. Throws an Error (named after `caller`) when
 * no proxy is configured, the type is not [A-Za-z0-9_.-]+, the path does not start with
 * "/", or its dot segments would climb out of /${type}/.
 */
function proxyTarget(caller, descriptor, reqPath) {
  const rt = global.__forge_runtime__;
  const proxy = rt && rt.proxy;
  if (!proxy || typeof proxy.url !== 'string' || !proxy.url) {
    throw new Error(`Forge runtime proxy is not configured (${caller} called outside an invocation?)`);
  }
  if (!isObject(descriptor) || typeof descriptor.type !== 'string' || !TYPE_RE.test(descriptor.type)) {
    throw new Error(`${caller}: invalid request type ${JSON.stringify(descriptor && descriptor.type)}`);
  }
  if (typeof reqPath !== 'string' || !reqPath.startsWith('/')) {
    throw new Error(`${caller}: the path must be a string starting with "/", got ${JSON.stringify(reqPath)}`);
  }
  const base = proxy.url.replace(/\/+$/, '');
  const prefix = new URL(`${base}/${descriptor.type}/`);
  const url = new URL(`${base}/${descriptor.type}${reqPath}`);
  // Dot segments ("/../", "/%2e%2e/") must not climb out of the type's prefix.
  if (url.origin !== prefix.origin || !`${url.pathname}/`.startsWith(prefix.pathname)) {
    throw new Error(`${caller}: the path ${JSON.stringify(reqPath)} leaves /${descriptor.type}/`);
  }
  return { url, token: proxy.token ?? '', proxy };
}

/**
 * The method of an init that holds nothing else (own properties, as the `{...init}` of the
 * Headers path reads them) and sends no body: 'GET' or 'HEAD'; null for any other init.
 */
function bareMethod(init) {
  if (init === undefined || init === null) return 'GET';
  if (!isObject(init)) return null;
  for (const k of Object.keys(init)) if (k !== 'method' && init[k] !== undefined) return null;
  const m = Object.prototype.hasOwnProperty.call(init, 'method') ? init.method : undefined;
  if (m === undefined || m === 'GET' || m === 'get') return 'GET';
  return m === 'HEAD' || m === 'head' ? 'HEAD' : null;
}

/**
 * A value Headers keeps exactly as it is: printable ASCII, no surrounding spaces. Anything
 * else (whitespace to trim, CR/LF/NUL, characters past U+00FF that its ByteString check
 * refuses) takes the Headers path, which trims or throws as it always did.
 */
const PLAIN_VALUE_RE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;

/** The descriptor fields the proxy gets as headers, by header name (sorted, as Headers iterates). */
const PROXY_HEADERS = [
  ['x-forge-account-id', 'accountId'],
  ['x-forge-context-ari', 'contextAri'],
  ['x-forge-provider', 'provider'],
  ['x-forge-remote', 'remote'],
  ['x-forge-service', 'service'],
];

/**
 * setProxyHeaders' headers as [name, value] pairs in Headers' order (sorted by name), or
 * null when a value would need Headers' normalisation or validation (then the caller
 * takes the Headers path, which trims it or throws as it always did).
 */
function proxyHeaderPairs(descriptor, token) {
  const pairs = [['authorization', `Bearer ${token}`]];
  for (const [name, field] of PROXY_HEADERS) if (present(descriptor[field])) pairs.push([name, String(descriptor[field])]);
  for (const [, v] of pairs) if (!PLAIN_VALUE_RE.test(v)) return null;
  return pairs;
}

/** The proxy's headers for `descriptor` on a Headers, overriding any the app set. */
function setProxyHeaders(headers, descriptor, token) {
  headers.set('Authorization', `Bearer ${token}`);
  for (const [name, field] of PROXY_HEADERS) if (present(descriptor[field])) headers.set(name, String(descriptor[field]));
}

/**
 * global.__forge_fetch__(descriptor, path, init): a request through kiln's proxy to
 * `${proxy.url}/${descriptor.type}${path}`. Returns the fetch Response itself.
 */
async function forgeFetch(descriptor, reqPath, init) {
  const { url, token, proxy } = proxyTarget('__forge_fetch__', descriptor, reqPath);
  // The common product call (a GET of requestJira & co.: no headers, no body, no signal)
  // goes on the pipe with its header pairs written directly: exactly what the Headers
  // below would give (the proxy's headers, sorted by name), without building one.
  const bare = bareMethod(init);
  if (bare && proxy.pipe === true && pipe.send && descriptor.type === PIPE_TYPE && PIPE_PATH_RE.test(reqPath) &&
      url.protocol === 'http:' && !pipe.idle()) {
    const pairs = proxyHeaderPairs(descriptor, token);
    if (pairs) return pipeSend(url, bare, pairs, null, null);
  }
  const opts = isObject(init) ? { ...init } : {};
  const headers = toHeaders(opts.headers);
  setProxyHeaders(headers, descriptor, token);
  opts.headers = headers;

  const body = opts.body;
  const streaming =
    body && (typeof body.getReader === 'function' || typeof body.pipe === 'function' || typeof body[Symbol.asyncIterator] === 'function');
  if (streaming && opts.duplex === undefined) opts.duplex = 'half';

  const plain = !streaming && url.protocol === 'http:' ? plainBody(body, headers) : { ok: false };
  if (plain.ok) {
    const size = plain.data === null ? 0 : typeof plain.data === 'string' ? Buffer.byteLength(plain.data) : plain.data.byteLength;
    if (proxy.pipe === true && pipe.send && descriptor.type === PIPE_TYPE && PIPE_PATH_RE.test(reqPath) && size <= PIPE_MAX_BODY &&
        !pipe.idle()) {
      return pipeRequest(url, opts, headers, plain.data);
    }
    return proxyRequest(url, opts, headers, plain.data);
  }
  if (proxySocket()) return proxyRequest(url, opts, headers, await wholeBody(body, headers));
  return nativeFetch(url.href, opts);
}

/** Largest streamed/FormData/Blob body read whole for the Unix socket: kiln's own limit
 * on a request body (KILN_MAX_BODY, src/base/limits.h; worker.test.mjs checks they agree).
 * A bigger one is refused here, before it is read into memory and sent to a 413. */
const WHOLE_BODY_MAX = 5 * 1024 * 1024;

/**
 * A body that only fetch could send (a stream, FormData, Blob, an async iterable), read
 * whole: over kiln's Unix socket there is no undici, only http.request. Sets the
 * content-type fetch would (multipart boundary, blob type) when the app set none.
 */
async function wholeBody(body, headers) {
  let buf;
  if (typeof body[Symbol.asyncIterator] === 'function' && typeof body.getReader !== 'function') {
    const chunks = [];
    let n = 0;
    for await (const c of body) {
      const b = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength) : c);
      n += b.length;
      if (n > WHOLE_BODY_MAX) throw new Error(`__forge_fetch__: the request body is larger than ${WHOLE_BODY_MAX} bytes`);
      chunks.push(b);
    }
    buf = Buffer.concat(chunks);
  } else {
    const r = new Response(body);
    const type = r.headers.get('content-type');
    if (type && !headers.has('content-type')) headers.set('content-type', type);
    buf = Buffer.from(await r.arrayBuffer());
    if (buf.length > WHOLE_BODY_MAX) throw new Error(`__forge_fetch__: the request body is larger than ${WHOLE_BODY_MAX} bytes`);
  }
  return buf;
}

module.exports = {
  buildRuntime, forgeFetch, proxyTarget, setProxyHeaders, proxyAgent, proxySocket, httpRequest, nativeFetch, NULL_BODY,
  configurePipe, onResponseFrame, NOOP_METRICS, DEFAULT_TIMEOUT_MS,
};
