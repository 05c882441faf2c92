'use strict';
// Egress interception (docs/egress.md): a function's outbound network access goes through
// kiln, which checks it against the version's permissions.external.fetch.backend (and
// remotes), rate-limits it (100 requests per invocation and minute, as Forge) and performs
// it itself, so kiln sees every byte that leaves.
//
// install() runs before any app code loads and replaces:
//   - global fetch:              sent to kiln's egress endpoint (redirects followed hop by
//                                hop, each hop checked by kiln again)
//   - http/https.request, .get:  the same, returning Node's own ClientRequest (to kiln) and
//                                IncomingMessage (the remote's answer, relayed by kiln)
//   - net.Socket#connect:        everything but kiln itself is refused (this also covers
//                                net.connect, tls.connect, http2, and HTTP agents an app
//                                brings along): kiln carries HTTP(S) requests only
//   - dgram send/connect:        refused
//
// The egress endpoint is `${proxy.url}/egress` (kiln's /_proxy plane, over its Unix
// socket when the runtime names one): the request's own method, headers and body, with
//   forge-proxy-authorization: Bearer <invocation token>
//   forge-proxy-target: <the absolute URL>
// kiln answers with the remote's status, headers and body, or refuses with 403 and
// `forge-proxy-error: REQUEST_EGRESS_ALLOWLIST_ERR` (429 and REQUEST_EGRESS_RATE_LIMIT_ERR
// for the rate limit), with `x-kiln-egress: refused` so the worker can say so in the
// invocation's log.
//
// This is the in-process layer. It is enough against honest code and libraries; code
// that wants to can undo it (native bindings, worker_threads, child processes). In
// namespace mode the worker has no network at all besides kiln's socket, so undoing the
// patches gains nothing: that is the wall, this is the convenience.

const http = require('node:http');
const https = require('node:https');
const net = require('node:net');
const dgram = require('node:dgram');
const { proxyAgent, proxySocket, httpRequest, nativeFetch, NULL_BODY } = require('./forge-runtime');
const { ProxyResponse } = require('./response');

const originalConnect = net.Socket.prototype.connect;
const MAX_REDIRECTS = 20;
const FETCH_BODY_MAX = 5 * 1024 * 1024; // kiln's egress request limit (platform/egress.h)
const REDIRECT = new Set([301, 302, 303, 307, 308]);
/** Request headers kiln sets itself, or that would confuse the hop to kiln. */
const DROP = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'forge-proxy-authorization', 'forge-proxy-target']);

let log = () => {};

/** Shaped like @forge/api's ExternalEndpointNotAllowedError (name, status, message). */
function notAllowed(message) {
  const err = new Error(message);
  err.name = 'REQUEST_EGRESS_ALLOWLIST_ERR';
  err.status = 403;
  err.code = 'EGRESS_NOT_ALLOWED';
  err.stack = undefined;
  return err;
}

function origin(url) {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(a malformed URL)';
  }
}

function runtimeProxy() {
  const rt = global.__forge_runtime__;
  const proxy = rt && rt.proxy;
  if (!proxy || typeof proxy.url !== 'string' || !proxy.url) {
    throw new Error('egress: the Forge runtime proxy is not configured (outbound request made outside an invocation?)');
  }
  return proxy;
}

/** Where kiln's egress endpoint is: {url, token} (the connection itself: proxyAgent). */
function egressEndpoint() {
  const proxy = runtimeProxy();
  return { url: new URL(`${proxy.url.replace(/\/+$/, '')}/egress`), token: proxy.token ?? '' };
}

/** The URL when `target` is on kiln's /_proxy plane (runtime proxy.url), else null. */
function platformTarget(target) {
  const rt = global.__forge_runtime__;
  const base = rt && rt.proxy && typeof rt.proxy.url === 'string' ? rt.proxy.url.replace(/\/+$/, '') : null;
  if (!base) return null;
  try {
    const u = new URL(target);
    const b = new URL(`${base}/`);
    return u.origin === b.origin && u.pathname.startsWith(b.pathname) ? u : null;
  } catch {
    return null;
  }
}

function noteRefusal(res, target) {
  if (res.headers['x-kiln-egress'] !== 'refused') return;
  const why = res.headers['forge-proxy-error'] === 'REQUEST_EGRESS_RATE_LIMIT_ERR'
    ? 'the invocation made more than 100 outbound requests in a minute'
    : 'not in permissions.external.fetch.backend or the remotes of the manifest';
  log('warn', `kiln: outbound request to ${origin(target)} refused: ${why}`);
}

/**
 * A request to kiln's egress endpoint standing for `method target`: Node's own
 * ClientRequest, so callers write the body and read the answer as usual.
 */
function egressRequest(target, method, headers, extra, cb) {
  const platform = platformTarget(target);
  if (platform) {
    // kiln's own /_proxy plane (what __forge_fetch__ calls): the platform, not egress
    const opts = { method: method || 'GET', headers: { ...(headers || {}) }, agent: proxyAgent };
    if (extra.signal) opts.signal = extra.signal;
    if (extra.timeout !== undefined) opts.timeout = extra.timeout;
    return httpRequest(platform, opts, cb);
  }
  const { url, token } = egressEndpoint();
  const h = {};
  for (const [k, v] of Object.entries(headers || {})) {
    if (v === undefined || v === null || DROP.has(k.toLowerCase())) continue;
    h[k] = v;
  }
  h['forge-proxy-authorization'] = `Bearer ${token}`;
  h['forge-proxy-target'] = target;
  const opts = { method: method || 'GET', headers: h, agent: proxyAgent };
  if (extra.signal) opts.signal = extra.signal;
  if (extra.timeout !== undefined) opts.timeout = extra.timeout;
  const req = httpRequest(url, opts, cb);
  req.prependListener('response', (res) => noteRefusal(res, target));
  return req;
}

// ---- http.request / https.request ----------------------------------------------------------

/** The target URL of an http.request call: (url[, options][, cb]) or (options[, cb]). */
function targetOf(defaultProtocol, args) {
  let base = null;
  let options = {};
  if (typeof args[0] === 'string' || args[0] instanceof URL) {
    base = new URL(args[0]); // throws ERR_INVALID_URL as Node does
    if (args[1] !== null && typeof args[1] === 'object') options = args[1];
  } else if (args[0] !== null && typeof args[0] === 'object') {
    options = args[0];
  }
  if (options.socketPath) throw notAllowed(`Outbound connection to the Unix socket ${options.socketPath} not allowed. Visit go.atlassian.com/forge-egress for more information.`);
  const protocol = options.protocol || base?.protocol || defaultProtocol;
  let host = options.hostname || (typeof options.host === 'string' ? options.host : '') || base?.hostname || 'localhost';
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const port = options.port ?? (base ? base.port : '') ?? '';
  const path = options.path || (base ? base.pathname + base.search : '/');
  const target = new URL(`${protocol}//${host}${port !== '' && port !== undefined && port !== null ? `:${port}` : ''}`);
  return { target: target.origin + (path.startsWith('/') ? path : `/${path}`), options };
}

function wrapRequest(mod, defaultProtocol, previous) {
  return function request(...args) {
    const options = args.find((a, i) => i < 2 && a !== null && typeof a === 'object' && !(a instanceof URL)) || {};
    if (options.agent === 'FORGE_PRODUCT_REQUEST' || options.agent === 'EXTERNAL_AUTH_REQUEST') {
      return previous.apply(this, args); // @forge/api 3.x/4.x product calls (magic-agent.js)
    }
    const agent = options.agent;
    if (agent !== undefined && agent !== null && agent !== false && typeof agent.addRequest !== 'function') {
      // Node's own argument check, kept: the app's agent is otherwise not used (kiln sends)
      const err = new TypeError(`The "options.agent" property must be one of Agent-like Object, undefined, or false. Received ${typeof agent}`);
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    const { target } = targetOf(defaultProtocol, args);
    const headers = { ...(options.headers || {}) };
    if (options.auth && !Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) {
      headers.authorization = `Basic ${Buffer.from(String(options.auth)).toString('base64')}`;
    }
    const cb = args.find((a) => typeof a === 'function');
    return egressRequest(target, options.method, headers, options, cb);
  };
}

function wrapGet(requestFn) {
  return function get(...args) {
    const req = requestFn.apply(this, args);
    req.end();
    return req;
  };
}

// ---- fetch -------------------------------------------------------------------------------------

/** One hop: the request to kiln, answered whole. */
function fetchHop(target, method, headers, body, signal) {
  return new Promise((resolve, reject) => {
    const req = egressRequest(target, method, headers, { signal }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const rh = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2) rh.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        resolve({ status: res.statusCode, statusText: res.statusMessage || '', headers: rh, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(body && body.length ? body : undefined);
  });
}

async function egressFetch(input, init) {
  const request = new Request(input, init); // validates as fetch does
  const url = new URL(request.url);
  if (url.protocol === 'data:' || url.protocol === 'blob:') return nativeFetch(input, init); // nothing leaves the box
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('fetch failed', { cause: new Error(`unsupported scheme ${url.protocol}`) });
  let body = null;
  if (request.body) {
    body = Buffer.from(await request.arrayBuffer());
    if (body.length > FETCH_BODY_MAX) throw new TypeError('fetch failed', { cause: new Error(`the request body is larger than ${FETCH_BODY_MAX} bytes`) });
  }
  const headers = {};
  request.headers.forEach((v, k) => { if (k !== 'accept-encoding') headers[k] = v; }); // bodies come back as sent
  let method = request.method;
  let target = url.href;
  const signal = init && init.signal ? init.signal : undefined;
  for (let hop = 0; ; hop++) {
    const r = await fetchHop(target, method, headers, body, signal);
    if (REDIRECT.has(r.status) && request.redirect !== 'manual' && r.headers.get('location') && r.headers.get('x-kiln-egress') !== 'refused') {
      if (request.redirect === 'error') throw new TypeError('fetch failed', { cause: new Error('unexpected redirect') });
      if (hop >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error('redirect count exceeded') });
      const next = new URL(r.headers.get('location'), target);
      if (r.status === 303 || ((r.status === 301 || r.status === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = null;
        for (const k of Object.keys(headers)) if (/^content-/.test(k)) delete headers[k];
      }
      if (next.origin !== new URL(target).origin) delete headers.authorization; // as fetch does
      target = next.href; // kiln checks the next hop against the allowlist again
      continue;
    }
    const nullBody = NULL_BODY.has(r.status) || method === 'HEAD';
    const res = nullBody ? new Response(null, r) : new ProxyResponse(r.body, r);
    Object.defineProperty(res, 'url', { value: target });
    Object.defineProperty(res, 'redirected', { value: hop > 0 });
    return res;
  }
}

// ---- sockets ---------------------------------------------------------------------------------

/** Where a Socket#connect call goes: {path} or {host, port}. */
function connectTarget(args) {
  let a = args[0];
  if (Array.isArray(a)) a = a[0]; // net's normalized [options, cb]
  if (a !== null && typeof a === 'object') return { path: a.path, host: a.host || 'localhost', port: a.port };
  if (typeof a === 'string' && !/^\d+$/.test(a)) return { path: a };
  return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: a };
}

/** kiln itself: its Unix socket, or (without one) the host:port of proxy.url. */
function isKiln(t) {
  const sock = proxySocket();
  if (t.path !== undefined && t.path !== null) return sock !== null && t.path === sock;
  if (sock) return false;
  const rt = global.__forge_runtime__;
  if (!rt || !rt.proxy || typeof rt.proxy.url !== 'string') return false;
  try {
    const u = new URL(rt.proxy.url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return String(t.port) === (u.port || '80') && (t.host === host || (host === '127.0.0.1' && t.host === 'localhost'));
  } catch {
    return false;
  }
}

function guardedConnect(...args) {
  const t = connectTarget(args);
  if (isKiln(t)) return originalConnect.apply(this, args);
  const where = t.path !== undefined ? `the Unix socket ${t.path}` : `${t.host}:${t.port}`;
  const err = notAllowed(`Outbound connection to ${where} not allowed: functions reach the network only through HTTP(S) requests to the hosts in permissions.external.fetch.backend. Visit go.atlassian.com/forge-egress for more information.`);
  log('warn', `kiln: outbound connection to ${where} refused: only HTTP(S) requests to declared hosts leave a function`);
  process.nextTick(() => this.destroy(err));
  return this;
}

function refuseDatagram() {
  throw notAllowed('Outbound UDP not allowed: functions reach the network only through HTTP(S) requests to the hosts in permissions.external.fetch.backend. Visit go.atlassian.com/forge-egress for more information.');
}

let installed = false;

/** Installs the interception (once). `emit(level, message)` writes to the invocation's log. */
function install(emit) {
  if (installed) return;
  installed = true;
  if (typeof emit === 'function') log = emit;
  http.request = wrapRequest(http, 'http:', http.request);
  https.request = wrapRequest(https, 'https:', https.request);
  http.get = wrapGet(http.request);
  https.get = wrapGet(https.request);
  globalThis.fetch = egressFetch;
  net.Socket.prototype.connect = guardedConnect;
  dgram.Socket.prototype.send = refuseDatagram;
  dgram.Socket.prototype.connect = refuseDatagram;
}

module.exports = { install, egressFetch, notAllowed };
