// A kiln whose function runtime cannot start (its worker script is not where
// KILN_RUNTIME_DIR says) still serves everything else, says so once at start, and answers
// every invocation 503 with Retry-After and the runtime's own reason — not "too many
// invocations are waiting", which sent an operator looking for load (the bench run of
// 2026-12-07 that copied the binary out of its tree).
//
// Run: node --test tests/e2e/runtime_missing.test.mjs

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, tempDir, expectStatus, cliOkJson } from './lib/kiln.mjs';
import { deployApp, webtriggerPath } from './lib/events.mjs';

let k;
before(async () => {
  k = await startKiln({ env: { KILN_RUNTIME_DIR: tempDir('no-runtime') } });
});
after(async () => {
  await k?.close();
});

test('without a runtime: kiln says why at start, and a web trigger answers 503 with Retry-After and that reason', async () => {
  assert.ok(k.stderrLines.some((l) => l.includes('function runtime unavailable') && l.includes('worker.js not found')),
    'one line at start says the runtime is unavailable and why');
  const s = await k.siteWithToken('noruntime');
  expectStatus(await k.jira(s.cloudId, '/myself', { token: s.token }), 200, 'the product API still serves');
  const { dir } = await deployApp(k, 'hello', {
    'manifest.yml': `modules:
  webtrigger:
    - key: hello
      function: hello-fn
      response:
        type: dynamic
  function:
    - key: hello-fn
      handler: index.hello
app:
  runtime:
    name: nodejs20.x
`,
    'src/index.js': 'export async function hello() { return { statusCode: 200, body: "hello" }; }\n',
  });
  await cliOkJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
  const r = await k.api(await webtriggerPath(k, dir, s, 'hello'), { method: 'POST', body: {}, allowError: true });
  assert.equal(r.status, 503, `${r.status} ${r.text}`);
  assert.equal(r.headers['retry-after'], '1');
  assert.match(r.text, /The function was not run: the function runtime is not running on this server; retry shortly/);
  assert.doesNotMatch(r.text, /Too many invocations/);
});
