'use strict';
// kiln's Node worker: runs the functions of one Forge app version, one invocation at a
// time, and stays warm between invocations (module-level state persists, as in a Forge
// Lambda container). kiln starts it with cwd = the version's snapshot, fd 3 = frames from
// kiln, fd 4 = frames to kiln; stdout and stderr are kiln's raw log pipes. The protocol
// is documented in README.md in this folder. Node built-ins only.

const path = require('node:path');
const util = require('node:util');
const { AsyncLocalStorage } = require('node:async_hooks');
const { readLines, writeAllSync } = require('./frames');
const { buildRuntime, forgeFetch, configurePipe, onResponseFrame } = require('./forge-runtime');
const { buildLegacyApi } = require('./legacy-api');
const { createMetrics } = require('./metrics');

const IN_FD = 3;
const OUT_FD = 4;

/** Longest log message sent, in UTF-16 code units (longer ones are cut, and say so). */
const MAX_LOG_CHARS = 256 * 1024;
/** Longest error message sent in a result. */
const MAX_ERROR_CHARS = 64 * 1024;
/**
 * Largest result value sent, in bytes of JSON. kiln's reader holds at most 6 MiB: a partial
 * line plus one 64 KiB read, so a frame must stay below 6 MiB - 64 KiB.
 */
const MAX_RESULT_BYTES = Number(process.env.KILN_WORKER_MAX_RESULT_BYTES) || 6 * 1024 * 1024 - 128 * 1024;

const stderrWrite = process.stderr.write.bind(process.stderr);
function diag(text) {
  try {
    stderrWrite(`kiln worker ${process.pid}: ${text}\n`);
  } catch {
    /* stderr gone: nothing to do */
  }
}

// ---- frames to kiln --------------------------------------------------------------------

function sendText(text) {
  try {
    writeAllSync(OUT_FD, Buffer.from(`${text}\n`, 'utf8'));
  } catch (err) {
    // kiln is gone (EPIPE / EBADF): nobody is left to serve.
    diag(`cannot write to fd ${OUT_FD} (${err.code || err.message}); exiting`);
    process.exit(0);
  }
}
const send = (obj) => sendText(JSON.stringify(obj));

function truncate(text, max) {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters cut by kiln]`;
}

// ---- the current invocation --------------------------------------------------------------

/** The async context of each invocation is its `inv` record, so late callbacks can be told apart. */
const als = new AsyncLocalStorage();
/** The invocation running now, or null. */
let current = null;

/** Where a console call or an async error made now belongs: a running invocation, or null. */
function owner() {
  const inv = als.getStore();
  if (inv) return inv.ended ? null : inv; // a callback left behind by a finished invocation
  return current;
}

// ---- console ---------------------------------------------------------------------------
// Every console.* call made during an invocation becomes a log frame; outside one (and
// for late callbacks of a finished one) the text goes to stderr. Nothing goes to stdout.

// console.group's indent belongs to the invocation that opened the group (inv.indent) and
// ends with it: a group one invocation leaves open never indents the next one's lines,
// which may be another site's. Outside an invocation, lines to stderr have their own.
let idleIndent = '';
function emitLog(level, message) {
  const inv = owner();
  const indent = inv ? inv.indent : idleIndent;
  if (indent) message = message.replace(/^/gm, indent);
  if (inv) {
    send({ type: 'log', id: inv.id, level, message: truncate(message, MAX_LOG_CHARS), time: Date.now() });
  } else if (!sendLate(als.getStore(), message)) {
    try {
      stderrWrite(`${message}\n`);
    } catch {
      /* ignore */
    }
  }
}

/**
 * Output of an invocation that has ended (a timer or promise it left behind): a `late`
 * frame naming it, which kiln shows in that invocation's log as a warning. kiln logs at
 * most LATE_LINES of them per invocation and says when there were more; the worker sends
 * one more than that and then stops, so a loop cannot fill the pipe. false when `inv` is
 * not an ended invocation.
 */
const LATE_LINES = 20;
const LATE_CHARS = 1024;
function sendLate(inv, message) {
  if (!inv || !inv.ended) return false;
  inv.late = (inv.late || 0) + 1;
  if (inv.late <= LATE_LINES + 1) send({ type: 'late', id: inv.id, message: truncate(message, LATE_CHARS) });
  return true;
}

for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  console[level] = function (...args) {
    emitLog(level, util.format(...args));
  };
}
// Node's own trace/assert/table/count/time*/group call this.error / this.warn / this.log;
// dir and dirxml write directly, so they are replaced too. Grouping indents like Node's.
console.dir = function (obj, options) {
  emitLog('log', util.inspect(obj, { customInspect: false, ...options }));
};
console.dirxml = function (...args) {
  emitLog('log', util.format(...args));
};
console.group = function (...label) {
  if (label.length) this.log(...label);
  const inv = owner();
  if (inv) inv.indent += '  ';
  else idleIndent += '  ';
};
console.groupCollapsed = console.group;
console.groupEnd = function () {
  const inv = owner();
  if (inv) inv.indent = inv.indent.slice(0, -2);
  else idleIndent = idleIndent.slice(0, -2);
};

// ---- process.env per invocation ----------------------------------------------------------

const baseEnv = { ...process.env };

// Each invocation gets a fresh plain object as process.env: the base variables plus the
// frame's. Replacing the object is much cheaper than editing the real environment
// (every access of which crosses into C++), and nothing one invocation sets can reach
// the next one, which may be another site's.
function applyEnv(env) {
  const next = { ...baseEnv };
  if (env !== null && typeof env === 'object') {
    for (const [name, value] of Object.entries(env)) {
      if (!name || name.includes('=') || name.includes('\0')) continue;
      if (value === undefined || value === null) continue;
      next[name] = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
  }
  process.env = next;
}

function restoreEnv() {
  process.env = { ...baseEnv };
}

// ---- results -----------------------------------------------------------------------------

/** An error of the worker's own (bad frame, missing export, ...): name "Error", no stack. */
class KilnError extends Error {
  constructor(message) {
    super(message);
    this.stack = undefined;
  }
}

/** {name, message, stack?, ...} for anything thrown; never throws itself. */
function describeError(err) {
  const out = { name: 'Error', message: '' };
  try {
    if (err !== null && (typeof err === 'object' || typeof err === 'function')) {
      const name = err.name;
      const message = err.message;
      if (typeof name === 'string' && name) out.name = name;
      out.message = typeof message === 'string' ? message : util.inspect(err, { depth: 2, breakLength: Infinity });
      if (typeof err.stack === 'string') out.stack = truncate(err.stack, MAX_ERROR_CHARS);
      // Useful to kiln for Forge's own errors (NeedsAuthenticationError, ProxyRequestError, ...).
      if (typeof err.status === 'number') out.status = err.status;
      if (typeof err.serviceKey === 'string') out.serviceKey = err.serviceKey;
      if (typeof err.errorCode === 'string') out.errorCode = err.errorCode;
    } else {
      out.message = String(err);
    }
  } catch (inner) {
    out.message = `(the thrown value could not be described: ${inner && inner.message})`;
  }
  out.message = truncate(out.message, MAX_ERROR_CHARS);
  return out;
}

// `metrics` (metrics.js take(): JSON text or null) rides in the result frame, before the value.
function errorFrame(id, err, metrics = null) {
  const m = metrics === null ? '' : `,"metrics":${metrics}`;
  return `{"type":"result","id":${JSON.stringify(id)},"ok":false${m},"error":${JSON.stringify(describeError(err))}}`;
}

function okFrame(id, value, metrics = null) {
  let json;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    const e = new TypeError(`the function's return value cannot be serialized as JSON: ${err && err.message}`);
    e.stack = undefined;
    return errorFrame(id, e, metrics);
  }
  // undefined, a function, a symbol: no "value" at all, so that kiln can answer undefined
  // where Forge does (a resolver's `invoke` in the browser); elsewhere it reads as null
  if (json === undefined) {
    const m0 = metrics === null ? '' : `,"metrics":${metrics}`;
    return `{"type":"result","id":${JSON.stringify(id)},"ok":true${m0}}`;
  }
  const bytes = json.length > MAX_RESULT_BYTES / 3 ? Buffer.byteLength(json, 'utf8') : 0;
  if (bytes > MAX_RESULT_BYTES) {
    return errorFrame(id, new KilnError(`the function's return value is too large: ${bytes} bytes of JSON (the limit is ${MAX_RESULT_BYTES})`), metrics);
  }
  const m = metrics === null ? '' : `,"metrics":${metrics}`;
  return `{"type":"result","id":${JSON.stringify(id)},"ok":true${m},"value":${json}}`;
}

// ---- running one invocation ----------------------------------------------------------------

function loadHandler(bundle, exportName) {
  if (typeof bundle !== 'string' || !path.isAbsolute(bundle)) {
    throw new KilnError(`invoke frame: "bundle" must be an absolute path, got ${JSON.stringify(bundle)}`);
  }
  if (typeof exportName !== 'string' || !exportName) {
    throw new KilnError(`invoke frame: "export" must be a non-empty string, got ${JSON.stringify(exportName)}`);
  }
  const mod = require(bundle); // cached by Node across invocations: the container stays warm
  const has =
    mod !== null && (typeof mod === 'object' || typeof mod === 'function') && Object.prototype.hasOwnProperty.call(mod, exportName);
  if (!has) throw new KilnError(`export ${exportName} not found in bundle`);
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new KilnError(`export ${exportName} of the bundle is not a function (it is ${fn === null ? 'null' : typeof fn})`);
  return { mod, fn };
}

const afterMacrotask = () => new Promise((resolve) => setImmediate(resolve));

/** Runs one invoke frame; resolves once its result frame is written. */
function runInvocation(msg) {
  return new Promise((done) => {
    const inv = { id: msg.id, ended: false, end: null, indent: '', metrics: createMetrics() };
    inv.end = (frameText) => {
      if (inv.ended) return;
      inv.ended = true;
      if (current === inv) current = null;
      restoreEnv();
      sendText(frameText);
      done();
    };
    current = inv;

    als.run(inv, async () => {
      try {
        applyEnv(msg.env);
        global.__forge_runtime__ = buildRuntime(msg.runtime, {
          id: msg.id,
          bundle: msg.bundle,
          context: msg.context,
          metrics: inv.metrics.api,
        });
        // apps on Forge's legacy sandbox runtime get its global `api` before their bundle loads
        if (msg.legacyApi === true && global.api === undefined) global.api = buildLegacyApi();
        const { mod, fn } = loadHandler(msg.bundle, msg.export);
        const value = await fn.call(mod, msg.payload, msg.context === undefined ? {} : msg.context);
        // Let rejections the function left unhandled surface first (they fail the invocation).
        await afterMacrotask();
        inv.end(okFrame(inv.id, value, inv.metrics.take()));
      } catch (err) {
        await afterMacrotask();
        inv.end(errorFrame(inv.id, err, inv.metrics.take()));
      }
    });
  });
}

// Errors thrown asynchronously end the invocation they belong to with ok:false; the worker
// keeps serving. One from a finished invocation's leftover callback is only logged.
function onAsyncError(kind) {
  return (err) => {
    const inv = owner();
    if (inv) {
      inv.end(errorFrame(inv.id, err, inv.metrics.take()));
      return;
    }
    const late = als.getStore();
    const d = describeError(err);
    sendLate(late, `${kind}: ${d.name}: ${d.message}`);
    diag(`${kind}${late ? ` from finished invocation ${late.id}` : ' outside an invocation'}: ${d.stack || `${d.name}: ${d.message}`}`);
  };
}
process.on('uncaughtException', onAsyncError('uncaught exception'));
process.on('unhandledRejection', onAsyncError('unhandled rejection'));

// ---- the frame loop ---------------------------------------------------------------------------

const queue = [];
let pumping = false;
async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (queue.length) await runInvocation(queue.shift());
  } finally {
    pumping = false;
  }
}

function onLine(line) {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (err) {
    diag(`ignoring a frame that is not JSON (${err.message}): ${truncate(line, 200)}`);
    return;
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    diag(`ignoring a frame that is not a JSON object: ${truncate(line, 200)}`);
    return;
  }
  if (msg.type === 'response') {
    // the answer to a product call carried on the pipe: settled at once, even mid-invocation
    if (Number.isSafeInteger(msg.seq)) onResponseFrame(msg);
    else diag('ignoring a response frame without an integer "seq"');
    return;
  }
  if (msg.type === 'invoke') {
    if (typeof msg.id !== 'string' || !msg.id) {
      diag(`ignoring an invoke frame without a string "id": ${truncate(line, 200)}`);
      return;
    }
    // kiln sends one invoke at a time; should a second come early, it waits its turn.
    queue.push(msg);
    pump();
    return;
  }
  diag(`ignoring a frame of unknown type ${JSON.stringify(msg.type)}`);
}

global.__forge_fetch__ = forgeFetch;
// @forge/api 3.x/4.x send product calls with node-fetch and agent 'FORGE_PRODUCT_REQUEST'.
require('./magic-agent').install();
// Outbound network access goes through kiln's egress endpoint (egress.js, docs/egress.md);
// refusals are noted in the invocation's log.
require('./egress').install(emitLog);
// A call belongs to the invocation whose async context made it (a late callback of a
// finished invocation has none: kiln refuses it, as it refuses that invocation's token).
configurePipe({ send: sendText, invocationId: () => owner()?.id ?? null, idle: () => current === null });

try {
  readLines(IN_FD, onLine, (reason) => {
    if (!/^(end of input|input closed)$/.test(reason)) diag(`${reason}; exiting`);
    process.exit(0);
  });
} catch (err) {
  diag(`fd ${IN_FD} is not usable (${err.code || err.message}): kiln runs this script with its requests on fd 3 and its replies on fd 4`);
  process.exit(2);
}

send({ type: 'ready', pid: process.pid, node: process.version });
