#!/usr/bin/env node
// The backend of examples/cross-site-report: one small Node server that builds a report
// over every site that installed the app, in the two ways the platform supports.
//
//   POST /register         way 1: an installation registers its own web trigger URL
//                          (request signed with the shared HMAC secret)
//   POST /forge/lifecycle  way 2: lifecycle events from the platform, as a Forge Remote
//                          endpoint (Forge Invocation Token + x-forge-oauth-system)
//   GET  /report           the aggregated report: JSON, or text with ?format=text
//                          (or Accept: text/plain)
//   GET  /healthz
//
// Configuration (environment):
//   XSITE_LISTEN            host:port to listen on (default 127.0.0.1:8090; port 0 picks one)
//   XSITE_KILN_URL          the platform's public URL (default http://127.0.0.1:8080); web
//                           trigger URLs and API base URLs must be on it
//   XSITE_JWKS_URL          where the FIT keys are (default XSITE_KILN_URL/.well-known/jwks.json)
//   XSITE_APP_ID            the app's id (ARI or uuid): the audience of its FITs (way 2)
//   XSITE_HMAC_SECRET       the shared secret (way 1), or XSITE_HMAC_SECRET_FILE
//   XSITE_STATE             a file to keep registrations and installations in (mode 0600)
//   XSITE_REPORT_TOKEN      if set, GET /report needs Authorization: Bearer <it>
//
// On start it prints one JSON line to stdout: {"listening":"http://host:port"}.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { timingSafeEqual, createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { FitError, appAri, createFitVerifier } from './lib/fit.js';
import { buildReport, reportText } from './lib/report.js';
import { MAX_SKEW_SECONDS, MIN_SECRET_BYTES, verify as verifySignature } from './lib/signature.js';
import { NonceCache, State } from './lib/state.js';

export const MAX_BODY = 64 * 1024; // registrations and lifecycle events are small
const MAX_SYSTEM_TOKEN = 8 * 1024;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TRIGGER_PATH_RE = /^\/(x1|public)\/[A-Za-z0-9_-]{16,128}$/;
const LIFECYCLE_EVENTS = new Set(['avi:forge:installed:app', 'avi:forge:upgraded:app']);
const TOKEN_RE = /^[\x21-\x7e]+$/;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function send(res, status, payload, headers = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  res.writeHead(status, {
    'Content-Type': typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(body);
}

function readBody(req, max) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max) {
      reject(new HttpError(413, 'request body too large'));
      return;
    }
    const chunks = [];
    let size = 0;
    let failed = false;
    req.on('data', (c) => {
      if (failed) return;
      size += c.length;
      if (size > max) {
        failed = true;
        reject(new HttpError(413, 'request body too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) {
        failed = true;
        reject(e);
      }
    });
  });
}

function parseJsonObject(buf) {
  let v;
  try {
    v = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'the body must be a JSON object');
  return v;
}

const optStr = (v, max) => {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length > max) throw new HttpError(400, 'a field has the wrong type or is too long');
  return v;
};

const single = (v) => (Array.isArray(v) ? undefined : v);

/** Reads the configuration from `env` (process.env by default); throws on a bad one. */
export function configFromEnv(env = process.env) {
  const kilnUrl = new URL(env.XSITE_KILN_URL || 'http://127.0.0.1:8080');
  let secret = env.XSITE_HMAC_SECRET || null;
  if (!secret && env.XSITE_HMAC_SECRET_FILE) secret = readFileSync(env.XSITE_HMAC_SECRET_FILE, 'utf8').replace(/\r?\n$/, '');
  if (secret && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new Error(`XSITE_HMAC_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
  }
  const listen = env.XSITE_LISTEN || '127.0.0.1:8090';
  const m = /^(.*):(\d{1,5})$/.exec(listen);
  if (!m) throw new Error('XSITE_LISTEN must be host:port');
  return {
    host: m[1].replace(/^\[|\]$/g, ''),
    port: Number(m[2]),
    kilnOrigin: kilnUrl.origin,
    jwksUrl: env.XSITE_JWKS_URL || new URL('/.well-known/jwks.json', kilnUrl).href,
    appId: env.XSITE_APP_ID ? appAri(env.XSITE_APP_ID) : null,
    secret,
    stateFile: env.XSITE_STATE || null,
    reportToken: env.XSITE_REPORT_TOKEN || null,
  };
}

/**
 * The backend as an http.Server (not yet listening). `config` as configFromEnv returns;
 * `jwks` may replace the remote key set (tests). Returns {server, state}.
 */
export function createBackend(config, { jwks, log = (m) => process.stderr.write(`${m}\n`) } = {}) {
  const state = new State(config.stateFile);
  const nonces = new NonceCache({ ttlSeconds: 2 * MAX_SKEW_SECONDS + 60 });
  const verifyFit = config.appId ? createFitVerifier({ jwksUrl: config.jwksUrl, jwks, appId: config.appId }) : null;

  // ---- way 1: an installation registers its web trigger
  async function register(req, res) {
    if (!config.secret) throw new HttpError(503, 'way 1 is not configured (no XSITE_HMAC_SECRET)');
    const body = await readBody(req, MAX_BODY);
    const check = verifySignature(config.secret, {
      method: req.method,
      path: new URL(req.url, 'http://x').pathname,
      body,
      header: (name) => single(req.headers[name]),
    });
    if (!check.ok) throw new HttpError(401, `unauthorized (${check.reason})`);
    const claim = nonces.claim(check.nonce);
    if (claim === 'replayed') throw new HttpError(401, 'unauthorized (replayed)');
    if (claim === 'full') throw new HttpError(503, 'too many requests in flight; try again');
    const j = parseJsonObject(body);
    const cloudId = optStr(j.cloudId, 64);
    const webtriggerUrl = optStr(j.webtriggerUrl, 2048);
    if (!cloudId || !UUID_RE.test(cloudId)) throw new HttpError(400, 'cloudId must be a uuid');
    if (!webtriggerUrl) throw new HttpError(400, 'webtriggerUrl is required');
    let url;
    try {
      url = new URL(webtriggerUrl);
    } catch {
      throw new HttpError(400, 'webtriggerUrl is not a URL');
    }
    // Only ever call the platform's own web trigger URLs: the backend must not become a
    // way to make signed requests to arbitrary hosts.
    if (url.origin !== config.kilnOrigin || !TRIGGER_PATH_RE.test(url.pathname) || url.search || url.hash) {
      throw new HttpError(400, 'webtriggerUrl is not a web trigger URL of the platform');
    }
    const rec = {
      cloudId: cloudId.toLowerCase(),
      installationId: optStr(j.installationId, 256),
      installerAccountId: optStr(j.installerAccountId, 256),
      webtriggerUrl: url.href,
      registeredAt: new Date().toISOString(),
    };
    if (!state.register(rec)) throw new HttpError(507, 'too many sites registered');
    log(`registered site ${rec.cloudId}`);
    send(res, 200, { registered: rec.cloudId });
  }

  // ---- way 2: lifecycle events as a Forge Remote endpoint
  async function lifecycle(req, res) {
    if (!verifyFit) throw new HttpError(503, 'way 2 is not configured (no XSITE_APP_ID)');
    let claims;
    try {
      claims = await verifyFit(single(req.headers.authorization));
    } catch (e) {
      if (e instanceof FitError) throw new HttpError(401, e.message);
      throw e;
    }
    const body = parseJsonObject(await readBody(req, MAX_BODY));
    const eventType = optStr(body.eventType, 128);
    // The API base URL must be this site's base on the platform: the token is only ever
    // sent back to the platform that issued it, for the site it was issued for.
    const base = new URL(claims.apiBaseUrl);
    if (base.origin !== config.kilnOrigin || base.pathname.replace(/\/+$/, '') !== `/ex/jira/${claims.cloudId}`) {
      throw new HttpError(400, 'app.apiBaseUrl is not this site on the platform');
    }
    if (eventType === 'avi:forge:uninstalled:app') {
      state.removeInstallation(claims.installationId);
      log(`installation ${claims.installationId} removed`);
      send(res, 200, { ok: true });
      return;
    }
    const token = single(req.headers['x-forge-oauth-system']);
    if (LIFECYCLE_EVENTS.has(eventType) || token !== undefined) {
      if (typeof token !== 'string' || token.length > MAX_SYSTEM_TOKEN || !TOKEN_RE.test(token)) {
        throw new HttpError(400, 'no usable x-forge-oauth-system token (is auth.appSystemToken enabled?)');
      }
      const ok = state.putInstallation({
        installationId: claims.installationId,
        cloudId: claims.cloudId,
        apiBaseUrl: claims.apiBaseUrl,
        systemToken: token,
        tokenReceivedAt: new Date().toISOString(),
        lastEvent: eventType,
      });
      if (!ok) throw new HttpError(507, 'too many installations');
      log(`installation ${claims.installationId} (site ${claims.cloudId}): ${eventType ?? 'call'}, token kept`);
    }
    send(res, 200, { ok: true });
  }

  // ---- the report
  const tokenDigest = config.reportToken ? createHash('sha256').update(config.reportToken).digest() : null;
  async function report(req, res) {
    if (tokenDigest) {
      const given = /^Bearer (.+)$/.exec(single(req.headers.authorization) ?? '')?.[1] ?? '';
      if (!timingSafeEqual(createHash('sha256').update(given).digest(), tokenDigest)) {
        throw new HttpError(401, 'unauthorized');
      }
    }
    const q = new URL(req.url, 'http://x').searchParams;
    const way = q.get('way') ?? 'both';
    const ways = { both: ['webtrigger', 'remote'], webtrigger: ['webtrigger'], remote: ['remote'] }[way];
    if (!ways) throw new HttpError(400, 'way must be webtrigger, remote or both');
    const format = q.get('format') ?? (/^text\/plain/.test(req.headers.accept ?? '') ? 'text' : 'json');
    if (format !== 'json' && format !== 'text') throw new HttpError(400, 'format must be json or text');
    const r = await buildReport(state, { secret: config.secret, ways });
    send(res, 200, format === 'text' ? reportText(r) : r);
  }

  const routes = {
    'GET /healthz': async (req, res) => send(res, 200, { ok: true }),
    'POST /register': register,
    'POST /forge/lifecycle': lifecycle,
    'GET /report': report,
  };

  const server = http.createServer({ maxHeaderSize: 32 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    let pathname;
    try {
      pathname = new URL(req.url, 'http://x').pathname;
    } catch {
      send(res, 400, { error: 'bad request target' });
      return;
    }
    const handler = routes[`${req.method} ${pathname}`];
    if (!handler) {
      const known = Object.keys(routes).some((k) => k.endsWith(` ${pathname}`));
      send(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
      req.resume();
      return;
    }
    handler(req, res).catch((e) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) {
        send(res, e.status, { error: e.message }, e.status === 413 ? { Connection: 'close' } : {});
        if (e.status === 413) req.destroy();
        return;
      }
      log(`internal error on ${req.method} ${pathname}: ${e?.message ?? e}`);
      send(res, 500, { error: 'internal error' });
    });
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return { server, state };
}

async function main() {
  let config, server;
  try {
    config = configFromEnv();
    ({ server } = createBackend(config));
  } catch (e) {
    process.stderr.write(`cross-site-report backend: ${e.message}\n`);
    process.exit(2);
  }
  server.on('error', (e) => {
    process.stderr.write(`cross-site-report backend: cannot listen on ${config.host}:${config.port}: ${e.message}\n`);
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const a = server.address();
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    process.stdout.write(`${JSON.stringify({ listening: `http://${host}:${a.port}` })}\n`);
    process.stderr.write(
      `cross-site-report backend on http://${host}:${a.port} (platform ${config.kilnOrigin}; ` +
        `way 1 ${config.secret ? 'on' : 'off: no XSITE_HMAC_SECRET'}, way 2 ${config.appId ? 'on' : 'off: no XSITE_APP_ID'})\n`,
    );
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
