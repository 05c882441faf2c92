// A stop while an invocation runs on a warm worker an HTTP thread drives (a "lent" worker,
// runtime/lend.c): the thread drains for HTTP_DRAIN_MS, the invocation outlives it, and the
// thread ends with the worker still lent. The worker must go back to the runtime before the
// thread's loop is gone (rt_unbind_thread), so that rt_stop ends it with nothing of it left
// in a loop no one runs: before, its fd 4 socket was never freed, which LeakSanitizer
// reports at exit (`make SANITIZE=1 test`: the isolation battery's quick mode hit it once in
// CI) and the stop exits 1. Here kiln must exit 0 on SIGTERM, say so in its log, and (under
// the sanitizer run) leak nothing: Kiln.close() fails on any sanitizer report.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, expectStatus, sleep, cliOkJson } from './lib/kiln.mjs';
import { deployApp, webtriggerPath } from './lib/events.mjs';

const MANIFEST = `modules:
  webtrigger:
    - key: quick
      function: quick-fn
      response:
        type: dynamic
    - key: hang
      function: hang-fn
      response:
        type: dynamic
  function:
    - key: quick-fn
      handler: index.quick
    - key: hang-fn
      handler: index.hang
app:
  runtime:
    name: nodejs20.x
`;
const SRC = `export async function quick() {
  return { statusCode: 200, headers: { 'Content-Type': ['text/plain'] }, body: 'quick' };
}
export async function hang() {
  await new Promise((resolve) => setTimeout(resolve, 60000));
  return { statusCode: 200, body: 'late' };
}
`;

/** Invocations started on a worker an HTTP thread drove (lent), from /metrics. */
const lentStarts = async (k) =>
  Number((/^kiln_invocations_started_total\{driver="http_thread"\} (\d+)$/m.exec((await k.api('/metrics')).text) ?? [])[1] ?? NaN);

describe('a stop while a lent worker runs an invocation', () => {
  let k;
  before(async () => {
    k = await startKiln();
  });
  after(async () => {
    await k?.close();
  });

  it('the thread gives the worker back before it ends: kiln exits 0, and nothing of the worker leaks', async () => {
    const site = { name: 'lent' };
    await k.createSite(site.name);
    const { dir } = await deployApp(k, 'lent', { 'manifest.yml': MANIFEST, 'src/index.js': SRC, 'package.json': JSON.stringify({ name: 'lent', private: true }) });
    await cliOkJson(k, ['install', '--site', site.name, '--confirm-scopes', '--json'], { cwd: dir });
    const quick = await webtriggerPath(k, dir, site, 'quick');
    const hang = await webtriggerPath(k, dir, site, 'hang');
    // a warm worker of the version, released once its invocation ends
    expectStatus(await k.api(quick, { method: 'POST', body: {} }), 200, 'the quick webtrigger');
    const lentBefore = await lentStarts(k);
    let started = NaN;
    for (const end = Date.now() + 10000; !(started > lentBefore); await sleep(100)) {
      assert.ok(Date.now() < end, 'an invocation started on a lent worker within 10 s');
      // the hanging call, on the released worker: driven by the HTTP thread that took it
      k.api(hang, { method: 'POST', body: {}, allowError: true, timeout: 60000 }).catch(() => {});
      await sleep(300);
      started = await lentStarts(k);
    }
    const r = await k.stop('SIGTERM', { timeout: 40000 });
    assert.equal(r.timedOut, false, `kiln stopped on SIGTERM: ${JSON.stringify(r)}`);
    assert.equal(r.code, 0, `a graceful stop exits 0 (under the sanitizer run: no leak at exit): ${JSON.stringify(r)}`);
    assert.ok(k.stderrLines.some((l) => l.includes('shutdown: requests still unfinished after the drain period')),
      'the invocation outlived the drain: the worker was still lent when its thread ended');
  });
});
