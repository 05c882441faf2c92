// The shared-secret request signature of examples/cross-site-report (way 1).
//
// The backend signs every call to a site's web trigger, and the app signs its
// registration call to the backend, with HMAC-SHA256 under one secret that both sides
// know (the app from `kiln variables set --encrypt XSITE_HMAC_SECRET`, the backend from
// its own configuration). The signed string binds the method, the path (so a signature
// made for site A's web trigger URL does not open site B's), a timestamp, a one-time
// nonce and the SHA-256 of the body:
//
//   xsite-v1 \n METHOD \n /path \n timestamp \n nonce \n hex(sha256(body))
//
// and travels in three headers:
//
//   x-xsite-timestamp: 1732838400          (Unix seconds)
//   x-xsite-nonce:     32 hex characters   (random per request)
//   x-xsite-signature: v1=<64 hex characters>
//
// The verifier refuses a timestamp more than MAX_SKEW_SECONDS away from its clock and
// compares in constant time. Refusing a replayed nonce is the caller's job: it needs
// state (the app keeps used nonces in its app storage, the backend in memory), for at
// least 2 * MAX_SKEW_SECONDS.
//
// This file is the same in the app (src/signature.js) and in the backend
// (backend/lib/signature.js); tests/e2e/xsite_signature.test.mjs checks that they are
// identical. It uses only node:crypto, so it runs in both.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-xsite-signature';
export const TIMESTAMP_HEADER = 'x-xsite-timestamp';
export const NONCE_HEADER = 'x-xsite-nonce';
export const MAX_SKEW_SECONDS = 300;
export const MIN_SECRET_BYTES = 32;

const NONCE_RE = /^[0-9a-f]{32}$/;
const TIMESTAMP_RE = /^[0-9]{1,12}$/;
const SIGNATURE_RE = /^v1=([0-9a-f]{64})$/;
const METHOD_RE = /^[A-Z]{1,16}$/;
const MAX_PATH = 4096;

const sha256hex = (data) => createHash('sha256').update(data).digest('hex');

/** The string that is signed. `body` is a string or Buffer ('' for none). */
export function canonicalString({ method, path, timestamp, nonce, body }) {
  return ['xsite-v1', method, path, String(timestamp), nonce, sha256hex(body ?? '')].join('\n');
}

function checkSecret(secret) {
  if (typeof secret !== 'string' || Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new Error(`the HMAC secret must be a string of at least ${MIN_SECRET_BYTES} bytes`);
  }
}

/** `v1=<hex>` for these parts. */
export function sign(secret, parts) {
  checkSecret(secret);
  return `v1=${createHmac('sha256', secret).update(canonicalString(parts)).digest('hex')}`;
}

/**
 * The three headers for a request to `path` (no query string) with this body.
 * `now` (Unix seconds) and `nonce` may be given for tests.
 */
export function signedHeaders(secret, { method, path, body = '', now, nonce }) {
  const timestamp = now ?? Math.floor(Date.now() / 1000);
  const n = nonce ?? randomBytes(16).toString('hex');
  return {
    [TIMESTAMP_HEADER]: String(timestamp),
    [NONCE_HEADER]: n,
    [SIGNATURE_HEADER]: sign(secret, { method: method.toUpperCase(), path, timestamp, nonce: n, body }),
  };
}

/**
 * Checks a request. `header(name)` returns the value of a lower-case header name (or
 * undefined). Returns {ok: true, timestamp, nonce} or {ok: false, reason} where reason
 * is one of: 'missing', 'malformed', 'stale', 'bad-signature'. Never throws for any
 * input except a missing or short secret (a configuration error).
 */
export function verify(secret, { method, path, body = '', header, now }) {
  checkSecret(secret);
  const ts = header(TIMESTAMP_HEADER);
  const nonce = header(NONCE_HEADER);
  const sig = header(SIGNATURE_HEADER);
  if (ts === undefined || nonce === undefined || sig === undefined) return { ok: false, reason: 'missing' };
  if (typeof ts !== 'string' || typeof nonce !== 'string' || typeof sig !== 'string') {
    return { ok: false, reason: 'malformed' };
  }
  const m = SIGNATURE_RE.exec(sig);
  if (!TIMESTAMP_RE.test(ts) || !NONCE_RE.test(nonce) || !m) return { ok: false, reason: 'malformed' };
  if (typeof method !== 'string' || !METHOD_RE.test(method.toUpperCase())) return { ok: false, reason: 'malformed' };
  if (typeof path !== 'string' || path.length === 0 || path.length > MAX_PATH) return { ok: false, reason: 'malformed' };
  if (typeof body !== 'string' && !Buffer.isBuffer(body)) return { ok: false, reason: 'malformed' };
  const timestamp = Number(ts);
  const clock = now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(clock - timestamp) > MAX_SKEW_SECONDS) return { ok: false, reason: 'stale' };
  const expected = createHmac('sha256', secret)
    .update(canonicalString({ method: method.toUpperCase(), path, timestamp, nonce, body }))
    .digest();
  const given = Buffer.from(m[1], 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  return { ok: true, timestamp, nonce };
}
