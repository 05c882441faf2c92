// A side channel from a running function to its test. Functions run in a sandbox that
// shows them nothing of the host (docs/security.md), so a test cannot hand a function a
// file to write into. Instead a test starts a tap (an HTTP server on loopback), declares
// its origin in the app's `permissions.external.fetch.backend`, and the function reaches
// it the way any function reaches a declared host: through kiln's egress.
//
//   POST {origin}/report/KEY   body: JSON   the function reports; tap.wait(KEY) resolves with it
//   GET  {origin}/hold/KEY                  answered when the test calls tap.release(KEY)
//
// A function names its worker process for the host with `workerPrelude` below: its
// process.title (what /proc/PID/cmdline shows) becomes `kiln-test-worker-ID`, so the test
// can tell whether that worker still runs (workerRunning, waitWorkerGone) without knowing
// its pid, which a box hides (every worker is pid 2 in its own namespace).
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';

import { sleep } from './kiln.mjs';

export async function startTap() {
  const reports = new Map();
  const waiting = new Map(); // key -> [resolve]
  const held = new Map(); // key -> [res]
  const released = new Set();
  const srv = http.createServer((req, res) => {
    const [, kind, key] = /^\/(report|hold)\/([\w.-]{1,100})$/.exec(req.url) ?? [];
    if (!kind) {
      res.writeHead(404).end();
      return;
    }
    if (kind === 'hold') {
      if (released.has(key)) res.end('released');
      else held.set(key, [...(held.get(key) ?? []), res]);
      return;
    }
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      let value;
      try { value = JSON.parse(body); } catch { value = { raw: body }; }
      reports.set(key, value);
      for (const resolve of waiting.get(key) ?? []) resolve(value);
      waiting.delete(key);
      res.end('ok');
    });
  });
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${srv.address().port}`;
  return {
    origin,
    /** What the function reported under `key`, once it has (rejects after `ms`). */
    wait(key, ms = 15000) {
      if (reports.has(key)) return Promise.resolve(reports.get(key));
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`the function did not report ${key} within ${ms} ms`)), ms);
        waiting.set(key, [...(waiting.get(key) ?? []), (v) => { clearTimeout(t); resolve(v); }]);
      });
    },
    has: (key) => reports.has(key),
    /** Lets every function holding on `key` go on. */
    release(key) {
      released.add(key);
      for (const res of held.get(key) ?? []) res.end('released');
      held.delete(key);
    },
    close() {
      for (const list of held.values()) for (const res of list) res.destroy();
      srv.close();
    },
  };
}

/** Source lines for a test app: a worker id, shown to the host as its process title. */
export const workerPrelude = `import { randomBytes as kilnTestRandom } from 'node:crypto';
const WORKER = kilnTestRandom(4).toString('hex');
process.title = 'kiln-test-worker-' + WORKER;
`;

/** Source lines for a test app: report(tap, key, value) and holdOn(tap, key) over fetch.
 *  kiln's egress gives up on one request after 25 s (504, docs/egress.md): holdOn asks
 *  again then, so a hold lasts until released (or until any other answer). */
export const tapPrelude = `const report = async (tap, key, value) => {
  const r = await fetch(tap + '/report/' + key, { method: 'POST', body: JSON.stringify(value) });
  if (r.status !== 200) throw new Error('the tap refused the report: ' + r.status);
};
const holdOn = async (tap, key) => {
  for (;;) {
    const r = await fetch(tap + '/hold/' + key);
    await r.text();
    if (r.status !== 504) return;
  }
};
`;

/** Whether the worker `id` (see workerPrelude) runs on this host now. */
export function workerRunning(id) {
  const want = `kiln-test-worker-${id}`;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').startsWith(want)) return true;
    } catch { /* gone meanwhile */ }
  }
  return false;
}

export async function waitWorkerGone(id, ms = 3000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!workerRunning(id)) return true;
    await sleep(25);
  }
  return !workerRunning(id);
}
