'use strict';
// The "magic agent" of @forge/api 3.x and 4.x (see README.md).
//
// Before __forge_fetch__ (added in @forge/api 5), @forge/api reached the platform with
// node-fetch 2 and a string where an http.Agent belongs:
//
//   fetch(`https://${remote}${path}`, { agent: 'FORGE_PRODUCT_REQUEST',
//                                       headers: { authorization: `Forge ${provider}` } })
//
// (requestJira and friends: remote jira/confluence/bitbucket; webTrigger.*, requestGraph,
// privacy and the `storage` export: remote stargate, paths /graphql and
// /forge/entities/graphql). Forge's Node runtime of the time intercepted those requests;
// Node itself refuses a string agent (ERR_INVALID_ARG_TYPE). The worker does what that
// runtime did, and nothing more: install() wraps http.request and https.request so that
// a request whose options carry `agent: 'FORGE_PRODUCT_REQUEST'` is sent as the
// __forge_fetch__ call it stands for, {type:'fpp', provider, remote} to `path`:
// `${proxy.url}/fpp${path}` with the invocation's bearer token, X-Forge-Provider and
// X-Forge-Remote. Every other request passes through untouched. The answer is Node's own
// IncomingMessage, so node-fetch reads it as it reads any response.
//
// `agent: 'EXTERNAL_AUTH_REQUEST'` (asUser().withProvider(...).fetch, external auth of
// 3.x/4.x) is refused with an Error saying so: kiln has no external auth providers.

const http = require('node:http');
const https = require('node:https');
const { proxyTarget, setProxyHeaders, proxyAgent } = require('./forge-runtime');

const PRODUCT = 'FORGE_PRODUCT_REQUEST';
const EXTERNAL = 'EXTERNAL_AUTH_REQUEST';
const CALLER = 'the FORGE_PRODUCT_REQUEST agent of @forge/api 3.x/4.x';
const PROVIDER_RE = /^Forge (app|user|none)$/i;

/** The options object of an http.request call: (options[, cb]) or (url, options[, cb]). */
function optionsOf(args) {
  if (args[0] !== null && typeof args[0] === 'object' && !(args[0] instanceof URL)) return args[0];
  if (args[1] !== null && typeof args[1] === 'object') return args[1];
  return null;
}

/** Headers of http.request options (values may be arrays, as node-fetch 2 sends them). */
function toHeaders(raw) {
  const headers = new Headers();
  if (raw === null || typeof raw !== 'object') return headers;
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, String(v));
    else headers.set(name, String(value));
  }
  return headers;
}

/** The request (url + options) that a FORGE_PRODUCT_REQUEST call stands for. */
function productRequest(args, options) {
  let target;
  if (typeof args[0] === 'string' || args[0] instanceof URL) target = new URL(args[0]);
  const remote = options.hostname ?? (typeof options.host === 'string' ? options.host.replace(/:\d+$/, '') : undefined) ?? target?.hostname;
  const reqPath = options.path ?? (target ? target.pathname + target.search : '/');
  if (typeof remote !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(remote)) {
    throw new Error(`${CALLER}: invalid remote ${JSON.stringify(remote)}`);
  }
  const headers = toHeaders(options.headers);
  const auth = PROVIDER_RE.exec(headers.get('authorization') ?? '');
  headers.delete('authorization');
  headers.delete('host');
  const descriptor = { type: 'fpp', provider: auth ? auth[1].toLowerCase() : undefined, remote };
  const { url, token } = proxyTarget(CALLER, descriptor, reqPath);
  setProxyHeaders(headers, descriptor, token);
  const out = {};
  headers.forEach((v, k) => { out[k] = v; });
  const opts = { method: options.method || 'GET', headers: out, agent: url.protocol === 'http:' ? proxyAgent : undefined };
  if (options.signal) opts.signal = options.signal;
  if (options.timeout !== undefined) opts.timeout = options.timeout;
  return { url, opts };
}

let installed = false;

/** Wraps http.request and https.request (once); see the top of this file. */
function install() {
  if (installed) return;
  installed = true;
  const send = { 'http:': http.request, 'https:': https.request };
  for (const mod of [http, https]) {
    const original = mod.request;
    mod.request = function request(...args) {
      const options = optionsOf(args);
      const agent = options && options.agent;
      if (agent !== PRODUCT && agent !== EXTERNAL) return original.apply(this, args);
      if (agent === EXTERNAL) {
        throw new Error('external auth (asUser().withProvider(...).fetch) of @forge/api 3.x/4.x is not available on kiln');
      }
      const { url, opts } = productRequest(args, options);
      const cb = args.find((a) => typeof a === 'function');
      return send[url.protocol](url, opts, cb);
    };
  }
}

module.exports = { install };
