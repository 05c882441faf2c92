// End-to-end test harness for kiln.
//
// startKiln() spawns `build/kiln serve` on 127.0.0.1 with an ephemeral port and a fresh
// temp data dir, waits for /healthz and returns a handle:
//
//   { url, port, dataDir, adminToken, proc, runs, stderrLines, allStderrLines(),
//     api(path, opts), jira(cloudId, path, opts), admin(path, opts), sql(q), sqlRows(q), storeArgs(),
//     createSite(name, demo), getSite(name), userToken(siteName, accountId),
//     stop(signal), kill9(), start(), restart(), expectExit(status), close() }
//
// Every run of `kiln serve` (start, restart) is kept: its whole stderr is written to a file
// and scanned for sanitizer reports as it arrives, and its exit status is recorded. close()
// fails the test for a sanitizer report in any run, a server that died on its own (signal
// or non-zero status) and a graceful stop that did not exit 0 — unless the test declared
// the ending with expectExit(). docs/testing.md.
//
// The store: SQLite in the data dir, or with STORE=postgres (make e2e STORE=postgres) a
// PostgreSQL database of its own on one private cluster per test process (lib/pg.mjs),
// passed as `kiln serve --store URL` (docs/testing.md, docs/scale.md).
//
// All traffic goes to 127.0.0.1 only. Every spawned process is tracked and SIGKILLed when
// the test process exits, so a failing test never leaves a server behind.

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, existsSync, writeFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import assert from 'node:assert/strict';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const KILN_BIN = process.env.KILN_BIN ? path.resolve(process.env.KILN_BIN) : path.join(ROOT, 'build', 'kiln');
/** Preloaded into every kiln started here (make e2e sets it outside ASan builds): a NULL
 * given to printf's %s aborts kiln instead of printing "(null)" (tests/unit/nullfmt.c). */
const PRELOAD = process.env.KILN_TEST_PRELOAD ? { LD_PRELOAD: path.resolve(process.env.KILN_TEST_PRELOAD) } : {};
export const HOST = '127.0.0.1';
/** Which store every Kiln uses unless told: STORE=sqlite (default) or STORE=postgres. */
export const STORE = process.env.STORE || 'sqlite';
if (STORE !== 'sqlite' && STORE !== 'postgres') throw new Error(`STORE=${STORE}: sqlite or postgres`);

let sharedPg = null; // the test process's cluster (STORE=postgres), started on first use
let pgDatabases = 0;
/** A new database on the test process's private cluster: its libpq URL (superuser login). */
export async function pgDatabase() {
  // imported here: pg.mjs imports this module, so a static import would be a cycle
  sharedPg ??= import('./pg.mjs').then((m) => m.startPg());
  const pg = await sharedPg;
  const db = `kiln_${process.pid}_${++pgDatabases}`;
  await pg.psql(`CREATE DATABASE ${db}`);
  return pg.url.replace('postgresql:///postgres?', `postgresql:///${db}?`);
}

const live = new Set();
const tempDirs = new Set();
function killAll() {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
  if (!process.env.KILN_E2E_KEEP) {
    for (const d of tempDirs) {
      try { rmSync(d, { recursive: true, force: true, maxRetries: 3 }); } catch { /* ignore */ }
    }
  }
}
process.on('exit', killAll);

/** Remove this directory when the test process exits, even on an interrupt. */
export function trackTempDir(d) {
  tempDirs.add(d);
  return d;
}

/** Remove a large directory (the demo's: ~140,000 files) from a detached `rm -rf` instead of
 * at exit: on a disk mounted with `discard` its removal took minutes once, and the test
 * file's time limit counts the exit (CI saw the demo test time out after passing). */
export function removeInBackground(d) {
  tempDirs.delete(d);
  if (process.env.KILN_E2E_KEEP) return;
  spawn('nice', ['rm', '-rf', '--', d], { detached: true, stdio: 'ignore' }).unref();
}
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(sig, () => {
    killAll();
    process.exit(code);
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The lines of a text file (none if it is missing); a last line without "\n" counts. */
function readLines(file) {
  let t;
  try { t = readFileSync(file, 'utf8'); } catch { return []; }
  if (t.endsWith('\n')) t = t.slice(0, -1);
  return t === '' ? [] : t.split('\n');
}

function waitExit(proc, ms) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      resolve({ code: proc.exitCode, signal: proc.signalCode, timedOut: false });
      return;
    }
    let timer = null;
    const onExit = (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, timedOut: false });
    };
    proc.once('exit', onExit);
    if (ms != null) {
      timer = setTimeout(() => {
        proc.off('exit', onExit);
        resolve({ code: null, signal: null, timedOut: true });
      }, ms);
    }
  });
}

// ---------------------------------------------------------------- HTTP clients

/**
 * One HTTP request with node:http (no connection reuse). Never throws for HTTP statuses;
 * network errors reject unless opts.allowError, in which case {error} is returned.
 */
export function httpRequest(port, reqPath, opts = {}) {
  const { method = 'GET', token, basic, headers = {}, body, timeout = 20000, allowError = false } = opts;
  const h = {};
  if (token !== undefined && token !== null) h.authorization = `Bearer ${token}`;
  if (basic) {
    const cred = typeof basic === 'string' ? basic : `${basic.email}:${basic.token}`;
    h.authorization = `Basic ${Buffer.from(cred).toString('base64')}`;
  }
  let payload;
  if (body !== undefined) {
    if (Buffer.isBuffer(body) || typeof body === 'string') payload = Buffer.from(body);
    else {
      payload = Buffer.from(JSON.stringify(body));
      h['content-type'] = 'application/json';
    }
    h['content-length'] = String(payload.length);
  }
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || v === null) delete h[k.toLowerCase()];
    else h[k.toLowerCase()] = v;
  }
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: HOST, port, method, path: reqPath, headers: h, agent: false });
    const fail = (err) => {
      if (allowError) resolve({ error: err, status: 0, headers: {}, text: '', json: undefined, req: { method, path: reqPath } });
      else reject(Object.assign(err, { message: `${method} ${reqPath}: ${err.message}` }));
    };
    req.setTimeout(timeout, () => req.destroy(new Error(`timeout after ${timeout} ms`)));
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        const text = buf.toString('utf8');
        let json;
        try { json = text.length ? JSON.parse(text) : undefined; } catch { json = undefined; }
        resolve({
          status: res.statusCode, headers: res.headers, text, json, body: buf,
          ms: Date.now() - t0, req: { method, path: reqPath },
        });
      });
    });
    if (payload) req.end(payload);
    else req.end();
  });
}

/**
 * Send exact bytes on a fresh TCP connection and parse the HTTP/1.x response.
 * Resolves {status, statusLine, headers, text, raw} or {error, raw} (never rejects).
 * opts.write(socket) may be given to stream the request yourself instead of `data`.
 * opts.untilClose: read until the server closes (for pipelined requests).
 */
export function rawRequest(port, data, opts = {}) {
  const { timeout = 15000 } = opts;
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (extra) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const parsed = parseHttpResponse(buf);
      resolve({ ...parsed, ...(parsed ? {} : { status: 0 }), ...extra, raw: buf.toString('latin1') });
    };
    const timer = setTimeout(() => finish({ error: new Error(`timeout after ${timeout} ms`) }), timeout);
    sock.on('connect', () => {
      if (opts.write) opts.write(sock);
      else sock.write(data);
    });
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      if (opts.untilClose) return;
      const p = parseHttpResponse(buf);
      if (p && p.complete) finish({});
    });
    sock.on('error', (err) => finish({ error: err }));
    sock.on('close', () => finish({}));
  });
}

export function parseHttpResponse(buf) {
  const sep = buf.indexOf('\r\n\r\n');
  if (sep < 0) return null;
  const head = buf.subarray(0, sep).toString('latin1');
  const lines = head.split('\r\n');
  const statusLine = lines[0];
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!m) return null;
  const headers = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  const rest = buf.subarray(sep + 4);
  let complete = false;
  let bodyBuf = rest;
  let length = buf.length;
  const status = Number(m[1]);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts = [];
    let off = 0;
    for (;;) {
      const eol = rest.indexOf('\r\n', off);
      if (eol < 0) break;
      const size = parseInt(rest.subarray(off, eol).toString('latin1'), 16);
      if (Number.isNaN(size)) break;
      if (size === 0) {
        const end = rest.indexOf('\r\n\r\n', eol);
        if (end >= 0) { complete = true; length = sep + 4 + end + 4; }
        break;
      }
      if (eol + 2 + size + 2 > rest.length) break;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      off = eol + 2 + size + 2;
    }
    bodyBuf = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    complete = rest.length >= n;
    bodyBuf = rest.subarray(0, n);
    length = sep + 4 + Math.min(n, rest.length);
  }
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) {
    complete = true;
    bodyBuf = Buffer.alloc(0);
    length = sep + 4;
  }
  const text = bodyBuf.toString('utf8');
  let json;
  try { json = text.length ? JSON.parse(text) : undefined; } catch { json = undefined; }
  return { status, statusLine, headers, text, json, complete, length };
}

/** Split a buffer holding several pipelined HTTP responses. */
export function parseHttpResponses(buf) {
  const out = [];
  let rest = buf;
  while (rest.length) {
    const r = parseHttpResponse(rest);
    if (!r || !r.complete) break;
    out.push(r);
    rest = rest.subarray(r.length);
  }
  return out;
}

// ---------------------------------------------------------------- assertions

export function describeRes(res, max = 1500) {
  if (!res) return String(res);
  const t = res.text ?? '';
  const body = t.length > max ? `${t.slice(0, max)}… (${t.length} bytes)` : t;
  const req = res.req ? `${res.req.method} ${res.req.path.length > 300 ? res.req.path.slice(0, 300) + '…' : res.req.path}` : '(raw request)';
  const hdr = res.headers ? inspect(res.headers, { breakLength: Infinity }) : '';
  return `${req}\n  -> ${res.status}${res.error ? ` (error: ${res.error.message})` : ''}\n  headers: ${hdr}\n  body: ${body}`;
}

export function expectStatus(res, expected, what = '') {
  const ok = Array.isArray(expected) ? expected.includes(res.status) : res.status === expected;
  if (!ok) {
    assert.fail(`${what ? what + ': ' : ''}expected HTTP ${Array.isArray(expected) ? expected.join(' or ') : expected}, got ${res.status}\n${describeRes(res)}`);
  }
}

export function expectJsonContentType(res) {
  assert.match(res.headers['content-type'] ?? '', /^application\/json/i,
    `content-type should be application/json\n${describeRes(res)}`);
}

/** Jira error shape {"errorMessages":[...],"errors":{...}} with at least one message. */
export function expectJiraError(res, status, what = '') {
  expectStatus(res, status, what);
  expectJsonContentType(res);
  const j = res.json;
  assert.ok(j && typeof j === 'object' && !Array.isArray(j), `body should be a JSON object\n${describeRes(res)}`);
  assert.ok(Array.isArray(j.errorMessages), `errorMessages should be an array\n${describeRes(res)}`);
  assert.ok(j.errors && typeof j.errors === 'object' && !Array.isArray(j.errors), `errors should be an object\n${describeRes(res)}`);
  for (const k of Object.keys(j)) {
    assert.ok(['errorMessages', 'errors', 'status'].includes(k), `unexpected key ${k} in Jira error body\n${describeRes(res)}`);
  }
  for (const m of j.errorMessages) assert.equal(typeof m, 'string', `errorMessages entries must be strings\n${describeRes(res)}`);
  for (const v of Object.values(j.errors)) assert.equal(typeof v, 'string', `errors values must be strings\n${describeRes(res)}`);
  assert.ok(j.errorMessages.length + Object.keys(j.errors).length > 0, `Jira error should carry at least one message\n${describeRes(res)}`);
  return j;
}

/** Jira error whose `errors` names one of the given fields. */
export function expectFieldError(res, status, fields, what = '') {
  const j = expectJiraError(res, status, what);
  const fs = Array.isArray(fields) ? fields : [fields];
  assert.ok(fs.some((f) => typeof j.errors[f] === 'string' && j.errors[f].length > 0),
    `${what ? what + ': ' : ''}expected errors.${fs.join(' or errors.')} in\n${describeRes(res)}`);
  return j;
}

export const UNAUTHORIZED_BODY = '{"code":401,"message":"Unauthorized"}';
export const SCOPE_BODY = '{"code":401,"message":"Unauthorized; scope does not match"}';

export function expectAuthFailure(res, what = '') {
  const w = what ? `${what}: ` : '';
  expectStatus(res, 401, what);
  assert.equal(res.headers['x-failure-category'], 'FAILURE_CLIENT_AUTH', `${w}x-failure-category\n${describeRes(res)}`);
  assert.equal(res.text, UNAUTHORIZED_BODY, `${w}body\n${describeRes(res)}`);
}

export function expectScopeFailure(res, what = '') {
  const w = what ? `${what}: ` : '';
  expectStatus(res, 401, what);
  assert.equal(res.headers['x-failure-category'], 'FAILURE_CLIENT_SCOPE_CHECK', `${w}x-failure-category\n${describeRes(res)}`);
  assert.equal(res.text, SCOPE_BODY, `${w}body\n${describeRes(res)}`);
}

// ---------------------------------------------------------------- misc helpers

export const USER_TOKEN_RE = /^kiln_u_[A-Za-z0-9_-]{43}$/;
export const ADMIN_TOKEN_RE = /^kiln_a_[A-Za-z0-9_-]{43}$/;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uniq(prefix = '') {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** Random project key matching ^[A-Z][A-Z0-9]{1,9}$ starting with `prefix`. */
export function randomKey(prefix = 'K', len = 8) {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let k = prefix;
  while (k.length < len) k += A[Math.floor(Math.random() * A.length)];
  return k.slice(0, 10);
}

/** Collect every value of the given key anywhere in a JSON value. */
export function collectKey(value, key, out = []) {
  if (Array.isArray(value)) value.forEach((v) => collectKey(v, key, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) out.push(v);
      collectKey(v, key, out);
    }
  }
  return out;
}

/** ADF document with one paragraph of text. */
export function adf(text) {
  return { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] };
}

export function runCli(args, opts = {}) {
  const { env = {}, timeout = 20000, input, cwd } = opts;
  const cleanEnv = { ...process.env };
  for (const k of Object.keys(cleanEnv)) if (k.startsWith('KILN_')) delete cleanEnv[k];
  return new Promise((resolve) => {
    const p = spawn(KILN_BIN, args, { env: { ...cleanEnv, ...PRELOAD, ...env }, stdio: ['pipe', 'pipe', 'pipe'], cwd });
    live.add(p);
    const out = [];
    const err = [];
    p.stdout.on('data', (c) => out.push(c));
    p.stderr.on('data', (c) => err.push(c));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeout);
    p.on('error', (e) => err.push(Buffer.from(String(e))));
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(p);
      resolve({
        code, signal, args,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

export function describeCli(r) {
  return `kiln ${r.args.join(' ')}\n  -> exit ${r.code}${r.signal ? ` (signal ${r.signal})` : ''}\n  stdout: ${JSON.stringify(r.stdout.slice(0, 2000))}\n  stderr: ${JSON.stringify(r.stderr.slice(0, 2000))}`;
}

/** `kiln ARGS` as a client of the running server `k` (KILN_URL/KILN_DATA from it). */
export function kilnCli(k, args, opts = {}) {
  return runCli(args, { env: { KILN_URL: k.url, KILN_DATA: k.dataDir }, timeout: 60000, ...opts });
}

/** Exit 0, or fail showing the command and its output. */
export function expectCliOk(r) {
  assert.equal(r.code, 0, `expected exit 0\n${describeCli(r)}`);
  return r;
}

/** The command's stdout parsed as JSON, or fail showing the command and its output. */
export function cliJson(r) {
  try {
    return JSON.parse(r.stdout);
  } catch (e) {
    return assert.fail(`stdout is not JSON (${e.message})\n${describeCli(r)}`);
  }
}

/** `kiln ARGS` against `k` that must exit 0 with JSON on stdout: that JSON. */
export async function cliOkJson(k, args, opts) {
  return cliJson(expectCliOk(await kilnCli(k, args, opts)));
}

/** Non-zero exit (exactly `code` if given: 2 usage errors, 1 everything else) with exactly
 * one non-empty line on stderr, matching `pattern` if given. Returns that line. */
export function expectCliFailure(r, pattern, code) {
  assert.ok(r.code !== 0 && r.code !== null, `expected a non-zero exit\n${describeCli(r)}`);
  if (code !== undefined) assert.equal(r.code, code, `expected exit ${code}\n${describeCli(r)}`);
  const lines = r.stderr.replace(/\n+$/, '').split('\n');
  assert.equal(lines.length, 1, `expected exactly one line on stderr\n${describeCli(r)}`);
  assert.ok(lines[0].trim().length > 0, `expected a reason on stderr\n${describeCli(r)}`);
  if (pattern) assert.match(lines[0], pattern, describeCli(r));
  return lines[0];
}

/** A fresh temp dir kiln-PREFIX-XXXXXX, removed when the test process exits. */
export function tempDir(prefix) {
  return trackTempDir(mkdtempSync(path.join(os.tmpdir(), `kiln-${prefix}-`)));
}

/** Write `files` ({relative path: content}) under `dir`, creating directories. */
export function writeFiles(dir, files) {
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

// ---------------------------------------------------------------- the server

/** What marks a sanitizer finding on stderr (ASan, LSan, UBSan, tests/unit/nullfmt.c). */
export const SANITIZER_RE = /AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer|^nullfmt: /m;
const TAIL_LINES = 200; // of each run's stderr, kept in memory for messages
const REPORT_LINES = 400; // of a run's first sanitizer report, kept for the message

/**
 * One `kiln serve` process: its stderr goes to a file (read back by Kiln#stderrLines) and is
 * scanned line by line as it arrives, for sanitizer reports and the "listening" line, so
 * nothing is missed however long the run and memory stays bounded (a tail for messages).
 * Records how the process ended and which signals the harness sent it.
 */
class ServeRun {
  constructor(n, proc, logPath, onLine) {
    this.n = n;
    this.proc = proc;
    this.pid = proc.pid;
    this.logPath = logPath;
    this.fd = openSync(logPath, 'a');
    this.lines = 0;
    this.tail = [];
    this.report = []; // the first sanitizer report: its first line and what follows
    this.hits = 0; // lines that look like a sanitizer finding
    this.sent = []; // signals sent by the harness, in order
    this.escalated = false; // a graceful stop timed out and was ended with SIGKILL
    this.expected = null; // {code?, signal?}: the test expects the process to end this way
    this.exit = null; // {code, signal}
    let partial = '';
    const line = (l) => {
      this.lines++;
      this.tail.push(l);
      if (this.tail.length > TAIL_LINES) this.tail.shift();
      const hit = SANITIZER_RE.test(l);
      if (hit) this.hits++;
      if ((hit || this.report.length > 0) && this.report.length < REPORT_LINES) this.report.push(l);
      onLine(l);
    };
    proc.stderr.on('data', (c) => {
      writeSync(this.fd, c);
      partial += c.toString('utf8');
      let i;
      while ((i = partial.indexOf('\n')) >= 0) {
        line(partial.slice(0, i));
        partial = partial.slice(i + 1);
      }
    });
    this.closed = new Promise((resolve) => {
      proc.stderr.on('close', () => {
        if (partial) line(partial);
        partial = '';
        closeSync(this.fd);
        this.fd = null;
        resolve();
      });
    });
    proc.on('exit', (code, signal) => { this.exit = { code, signal }; });
  }

  get alive() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  kill(signal) {
    this.sent.push(signal);
    this.proc.kill(signal);
  }

  describe() {
    const e = this.exit ? `code ${this.exit.code}, signal ${this.exit.signal}` : 'still running';
    const by = this.sent.length ? `after the harness sent ${this.sent.join(', ')}` : 'on its own (the harness sent no signal)';
    return `kiln serve run #${this.n} (pid ${this.pid}) ended ${by}: ${e}`;
  }

  /** What is wrong with how this run went, or null. Call after `closed`. */
  problem() {
    const out = [];
    if (this.hits) {
      out.push(`sanitizer report in the stderr of run #${this.n} (${this.hits} line(s) match ${SANITIZER_RE}):\n${this.report.join('\n')}`);
    }
    const e = this.exit;
    const matches = (x) => x && e && Object.entries(x).every(([k, v]) => e[k] === v);
    if (!e) out.push(`run #${this.n} (pid ${this.pid}) did not exit`);
    else if (matches(this.expected)) { /* the test said so */ }
    else if (this.sent.length === 0) {
      if (e.signal !== null || e.code !== 0) out.push(`${this.describe()}: the server died`);
    } else if (this.sent.includes('SIGKILL')) {
      // killed: no exit status to judge, no leak check at exit; its stderr was scanned above
      if (this.escalated) out.push(`${this.describe()}: it did not exit on ${this.sent[0]} in time`);
    } else if (e.signal !== null || e.code !== 0) {
      out.push(`${this.describe()}: a graceful stop must exit 0`);
    }
    if (this.expected && !matches(this.expected)) {
      out.push(`run #${this.n}: the test expected it to end with ${inspect(this.expected)}, got ${inspect(e)}`);
    }
    if (!out.length) return null;
    return `${out.join('\n')}\n--- last ${this.tail.length} of ${this.lines} stderr lines of run #${this.n} (all of them: ${this.logPath})\n${this.tail.join('\n')}`;
  }
}

export class Kiln {
  constructor({ dataDir, threads, extraArgs = [], env = {}, wrap = [], store = STORE } = {}) {
    this.dataDir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-'));
    this.ownsDataDir = !dataDir;
    if (this.ownsDataDir) tempDirs.add(this.dataDir);
    this.logDir = tempDir('stderr');
    this.threads = threads;
    this.extraArgs = extraArgs;
    this.env = env;
    // A command kiln runs under (`wrap[0] wrap[1..] kiln serve ...`), one that execs it in
    // the end (prlimit, unshare): the pid stays kiln's.
    this.wrap = wrap;
    this.store = store; // 'sqlite' or 'postgres'
    this.storeUrl = null; // postgres: its database (kept across restarts)
    this.proc = null;
    this.port = 0;
    this.url = null;
    this.adminToken = null;
    this.runs = []; // every `kiln serve` this Kiln started, in order (ServeRun)
  }

  /** The current (last) run. */
  get run() {
    return this.runs[this.runs.length - 1] ?? null;
  }

  /** How the current run ended ({code, signal}), or null while it runs. */
  get exitInfo() {
    return this.run?.exit ?? null;
  }

  /** Every stderr line of the current run so far (read back from its file). */
  get stderrLines() {
    return this.run ? readLines(this.run.logPath) : [];
  }

  /** Every stderr line of every run so far, in order (for "never in the log" checks). */
  allStderrLines() {
    return this.runs.flatMap((r) => readLines(r.logPath));
  }

  /**
   * The current run is expected to end on its own, or on a stop, with this status
   * ({code} and/or {signal}); close() then accepts it (and fails if it ends otherwise).
   */
  expectExit(status) {
    assert.ok(this.run, 'expectExit: no run');
    this.run.expected = status;
  }

  async start({ port = 0, timeout = 15000 } = {}) {
    // The binary may be mid-rebuild (make replaces it): give it a little while to appear.
    for (let i = 0; i < 120 && !existsSync(KILN_BIN); i++) await sleep(500);
    if (!existsSync(KILN_BIN)) throw new Error(`kiln binary not found at ${KILN_BIN} (run make)`);
    if (this.run && this.run.alive) throw new Error(`start: run #${this.run.n} (pid ${this.run.pid}) is still running`);
    const args = ['serve', '--data', this.dataDir, '--listen', `${HOST}:${port}`];
    if (this.threads) args.push('--threads', String(this.threads));
    if (this.store === 'postgres') {
      this.storeUrl ??= await pgDatabase();
      args.push('--store', this.storeUrl);
    }
    args.push(...this.extraArgs);
    const cleanEnv = { ...process.env };
    for (const k of Object.keys(cleanEnv)) if (k.startsWith('KILN_') && k !== 'KILN_LOG_LEVEL') delete cleanEnv[k];
    const [cmd, ...pre] = this.wrap.length ? [...this.wrap, KILN_BIN] : [KILN_BIN];
    const proc = spawn(cmd, [...pre, ...args], { env: { ...cleanEnv, ...PRELOAD, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    proc.on('exit', () => live.delete(proc));
    proc.stdout.on('data', () => {});
    let onListening;
    const n = this.runs.length + 1;
    const run = new ServeRun(n, proc, path.join(this.logDir, `run-${n}.stderr`), (line) => {
      if (!line.includes('"listening"')) return;
      try {
        const j = JSON.parse(line);
        if (j && j.msg === 'listening' && typeof j.addr === 'string') onListening(j.addr);
      } catch { /* not JSON */ }
    });
    this.runs.push(run);
    this.proc = proc;
    const listening = new Promise((resolve, reject) => {
      onListening = resolve;
      proc.on('error', reject);
      proc.on('exit', (code, signal) => reject(new Error(
        `kiln serve exited early (code ${code}, signal ${signal}); stderr:\n${run.tail.join('\n')}`)));
      setTimeout(() => reject(new Error(`kiln serve did not log "listening" within ${timeout} ms; stderr:\n${run.tail.join('\n')}`)), timeout).unref();
    });
    const addr = await listening;
    const m = /:(\d+)$/.exec(addr);
    if (!m) throw new Error(`cannot parse listening addr ${addr}`);
    this.port = Number(m[1]);
    this.url = `http://${HOST}:${this.port}`;
    const deadline = Date.now() + timeout;
    for (;;) {
      const r = await httpRequest(this.port, '/healthz', { allowError: true, timeout: 2000 });
      if (r.status === 200) break;
      if (Date.now() > deadline) throw new Error(`/healthz not ready: ${describeRes(r)}`);
      await sleep(50);
    }
    const tokenFile = this.view(path.join(this.dataDir, 'admin.token'));
    this.adminToken = readFileSync(tokenFile, 'utf8').trim();
    return this;
  }

  /** Path p as kiln sees it: through /proc/PID/root when kiln runs under a wrap (its
   * own mount namespace, say), else p. */
  view(p) {
    return this.wrap.length && this.run ? `/proc/${this.run.pid}/root${p}` : p;
  }

  get running() {
    return !!this.run && this.run.alive;
  }

  /** Send `signal` and wait (up to `timeout` ms) for exit. Returns {code, signal, ms, timedOut}. */
  async stop(signal = 'SIGTERM', { timeout = 15000 } = {}) {
    const run = this.run;
    if (!run) return { code: null, signal: null, ms: 0, timedOut: false };
    const proc = run.proc;
    if (!run.alive) {
      return { code: proc.exitCode, signal: proc.signalCode, ms: 0, timedOut: false };
    }
    const t0 = Date.now();
    run.kill(signal);
    const r = await waitExit(proc, timeout);
    if (r.timedOut) {
      run.escalated = signal !== 'SIGKILL';
      run.kill('SIGKILL');
      await waitExit(proc, 5000);
    }
    return { ...r, ms: Date.now() - t0 };
  }

  async kill9() {
    return this.stop('SIGKILL');
  }

  /** Stop (SIGTERM) if running, then start again on the same data dir. */
  async restart(opts = {}) {
    if (this.running) {
      const r = await this.stop('SIGTERM');
      if (r.code !== 0) throw new Error(`kiln did not exit cleanly on SIGTERM before restart: ${inspect(r)}`);
    }
    return this.start(opts);
  }

  /**
   * Stop the server (SIGTERM) and remove the temp data dir (for `after` hooks). Throws if
   * any run of this Kiln went wrong: a sanitizer report anywhere in its stderr (under
   * `make SANITIZE=1 test` this is where ASan/UBSan/LSan findings surface; a run ended with
   * SIGKILL gets no leak check at exit, but what it printed before is scanned), a server
   * that exited on its own with a signal or a non-zero status, or one that did not exit 0 on
   * SIGTERM/SIGINT (in time) — unless the test said so with expectExit().
   */
  async close() {
    const problems = [];
    if (this.running) await this.stop('SIGTERM', { timeout: 10000 });
    for (const run of this.runs) {
      // all of stderr, including what LeakSanitizer prints at exit, before judging
      let timer;
      const drained = await Promise.race([run.closed.then(() => true),
        new Promise((resolve) => { timer = setTimeout(resolve, 10000, false); })]);
      clearTimeout(timer); // else the pending timer holds the test process for 10 s
      if (!drained) {
        problems.push(`run #${run.n} (pid ${run.pid}): stderr still open 10 s after exit`);
        run.proc.stderr.destroy();
      }
      const p = run.problem();
      if (p) problems.push(p);
    }
    if (this.ownsDataDir && !process.env.KILN_E2E_KEEP) {
      try { rmSync(this.dataDir, { recursive: true, force: true }); } catch { /* ignore */ }
      tempDirs.delete(this.dataDir);
    }
    if (problems.length) {
      tempDirs.delete(this.logDir); // keep the logs for a look
      throw new Error(`kiln (data ${this.dataDir}):\n${problems.join('\n\n')}`);
    }
    if (!process.env.KILN_E2E_KEEP) {
      try { rmSync(this.logDir, { recursive: true, force: true }); } catch { /* ignore */ }
      tempDirs.delete(this.logDir);
    }
  }

  /**
   * SQL on this Kiln's own store, whatever its backend, for what no API shows (test data
   * planted, rows counted): q is one text both dialects accept, or { sqlite, postgres }
   * when they differ. Returns the output as both shells print it, trimmed: a line per row,
   * columns joined by '|', NULL as ''. Synchronous (a test's helper may be a plain function).
   *
   * SQLite: the sqlite3 shell on DATA/kiln.db (waiting out kiln's write lock up to 5 s).
   * PostgreSQL: psql on k.storeUrl's database as kiln_admin, the role kiln itself uses for
   * work across sites: it has BYPASSRLS (a test reads and plants rows of any site, with no
   * site bound, where kiln_runtime would see none), row rights on every table but owns none
   * (no DDL, no writes to schema_version), and its search_path is the schema kiln.
   * A failing statement throws with the shell's message. Limits: 60 s, and maxBuffer bytes of
   * output (64 MiB unless told).
   */
  sql(q, { maxBuffer = 64 << 20 } = {}) {
    const text = typeof q === 'string' ? q : q[this.store];
    if (typeof text !== 'string') throw new Error(`k.sql: no ${this.store} variant in ${inspect(q)}`);
    const opts = { encoding: 'utf8', timeout: 60000, maxBuffer, stdio: ['ignore', 'pipe', 'pipe'] };
    try {
      if (this.store !== 'postgres') {
        return execFileSync('sqlite3', ['-bail', '-cmd', '.timeout 5000', path.join(this.dataDir, 'kiln.db'), text], opts).trim();
      }
      if (!this.storeUrl) throw new Error('k.sql: this Kiln has no database yet (start it first)');
      const url = this.storeUrl.replace(/([?&]user=)[^&]*/, '$1kiln_admin');
      return execFileSync('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', text], opts).trim();
    } catch (e) {
      throw new Error(`k.sql (${this.store}): ${(e.stderr || e.message).trim()}\n  in: ${text}`);
    }
  }

  /** The rows of one SELECT (q as for sql()) as objects, column name to value: numbers as
   * numbers, text as strings, NULL as null (sqlite3 -json; PostgreSQL's json_agg over the
   * SELECT as a subquery, which keeps its ORDER BY's order as PostgreSQL's documentation
   * says a sorted subquery usually does: a plain SELECT of one table or join here). */
  sqlRows(q, { maxBuffer = 64 << 20 } = {}) {
    const text = typeof q === 'string' ? q : q[this.store];
    if (this.store !== 'postgres') {
      if (typeof text !== 'string') throw new Error(`k.sqlRows: no ${this.store} variant in ${inspect(q)}`);
      const out = execFileSync('sqlite3', ['-json', '-bail', '-cmd', '.timeout 5000', path.join(this.dataDir, 'kiln.db'), text],
        { encoding: 'utf8', timeout: 60000, maxBuffer }).trim();
      return out ? JSON.parse(out) : [];
    }
    return JSON.parse(this.sql(`SELECT coalesce(json_agg(q), '[]') FROM (${text.replace(/;\s*$/, '')}) q`, { maxBuffer }));
  }

  /** The arguments that name this Kiln's store to a CLI command (`kiln store check`):
   * `--store URL` on PostgreSQL, else `--data DIR`. */
  storeArgs() {
    return this.store === 'postgres' ? ['--store', this.storeUrl] : ['--data', this.dataDir];
  }

  api(reqPath, opts = {}) {
    return httpRequest(this.port, reqPath, opts);
  }

  /** Product API of a site: jira(cloudId, '/project/search', opts). */
  jira(cloudId, p, opts = {}) {
    return this.api(`/ex/jira/${cloudId}/rest/api/3${p}`, opts);
  }

  admin(p, opts = {}) {
    return this.api(`/admin/v1${p}`, { token: this.adminToken, ...opts });
  }

  raw(data, opts) {
    return rawRequest(this.port, data, opts);
  }

  async createSite(name, demo = false) {
    const res = await this.admin('/sites', { method: 'POST', body: { name, demo: !!demo }, timeout: 60000 });
    expectStatus(res, 201, `create site ${name}`);
    return res.json;
  }

  async getSite(name) {
    const res = await this.admin(`/sites/${encodeURIComponent(name)}`);
    expectStatus(res, 200, `get site ${name}`);
    return res.json;
  }

  async userToken(siteName, accountId) {
    const body = accountId ? { accountId } : {};
    const res = await this.admin(`/sites/${encodeURIComponent(siteName)}/tokens`, { method: 'POST', body });
    expectStatus(res, 201, `token for ${siteName}/${accountId ?? '(admin)'}`);
    return res.json;
  }

  /** Create a site and a token for its admin: {site, token, accountId, canary?}. */
  async siteWithToken(name, demo = false) {
    const site = await this.createSite(name, demo);
    const tok = await this.userToken(name);
    const out = { ...site, site, token: tok.token, accountId: tok.accountId };
    if (demo) out.canary = (await this.getSite(name)).canary;
    return out;
  }
}

export async function startKiln(opts = {}) {
  const k = new Kiln(opts);
  try {
    await k.start();
  } catch (e) {
    await k.close().catch((c) => { e.message += `\n(and on close: ${c.message})`; });
    throw e;
  }
  return k;
}

/** Fetch every page of project/search for a site (small sites only). */
export async function allProjects(k, cloudId, token, extra = '') {
  const out = [];
  for (let startAt = 0; ; startAt += 100) {
    const r = await k.jira(cloudId, `/project/search?startAt=${startAt}&maxResults=100${extra}`, { token });
    expectStatus(r, 200, 'project/search');
    out.push(...r.json.values);
    if (r.json.isLast || r.json.values.length === 0) break;
  }
  return out;
}
