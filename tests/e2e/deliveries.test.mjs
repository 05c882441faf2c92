// Lifecycle deliveries that fail are in `kiln logs` with their attempts (docs/runtime.md,
// "Lifecycle events"): an app whose installed event goes to a remote endpoint that keeps
// refusing (503) and to a trigger function that keeps throwing. Each attempt is a line of
// the installation's site — its outcome, the next attempt's time — and the last says the
// delivery was given up; another site's logs show none of it.
//
// Run: node --test tests/e2e/deliveries.test.mjs   (about 40 s: kiln's backoff is real)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import {
  startKiln, cliOkJson as okJson,
} from './lib/kiln.mjs';
import { until, deployApp, siteLogs, requireForge } from './lib/events.mjs';

// Two apps, so that each schedule is its own: an event is delivered again to every
// subscriber when a function failed, and each such delivery gives the remote its 5 attempts.
const remoteManifest = (base) => `modules:
  trigger:
    - key: to-remote
      endpoint: events
      events:
        - avi:forge:installed:app
  endpoint:
    - key: events
      remote: backend
      route:
        path: /events
remotes:
  - key: backend
    baseUrl: ${base}
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`;

const fnManifest = `modules:
  trigger:
    - key: to-fn
      function: refuse
      events:
        - avi:forge:installed:app
  function:
    - key: refuse
      handler: index.refuse
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
`;

const SRC = `export async function refuse(event) {
  throw new Error('refusing ' + event.eventType);
}
`;

describe('failed lifecycle deliveries in kiln logs', () => {
  let k, server, A, B;
  const dirs = [];
  const hits = [];

  before(async () => {
    requireForge('api');
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits.push({ at: Date.now(), path: req.url });
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('not now');
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const tag = randomBytes(3).toString('hex');
    k = await startKiln();
    A = await k.createSite(`dlv-a-${tag}`);
    B = await k.createSite(`dlv-b-${tag}`);
    for (const [name, mf] of [['dlv-remote', remoteManifest(`http://127.0.0.1:${server.address().port}/base`)], ['dlv-fn', fnManifest]]) {
      dirs.push((await deployApp(k, name, { 'manifest.yml': mf, 'src/index.js': SRC })).dir);
    }
  });

  after(async () => {
    await k?.close();
    await new Promise((r) => server?.close(r) ?? r());
  });

  const logs = (site) => siteLogs(k, site);

  it('each attempt with its outcome and next time, then the give-up; on its own site only', async () => {
    const t0 = Date.now();
    for (const d of dirs) await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: d });
    const remoteLines = (ls) => ls.filter((l) => l.message.startsWith('event delivery to remote backend (POST /base/events)'));
    const fnLines = (ls) => ls.filter((l) => l.message.startsWith('lifecycle event avi:forge:installed:app:'));
    // kiln's backoff: remote 1+2+4+8 s; functions 1+2+4+8+16 s
    const all = await until('every attempt logged', () => logs(A.name), { pred: (x) => remoteLines(x).length >= 5 && fnLines(x).length >= 6, ms: 120000 });
    const text = all.map((l) => `${l.time} ${l.level} ${l.module} ${l.invocationId} ${l.message}`).join('\n');
    const rem = remoteLines(all);
    assert.equal(rem.length, 5, text);
    assert.equal(hits.length, 5, 'the remote was called 5 times');
    rem.forEach((l, i) => {
      assert.equal(l.level, 'warn');
      assert.equal(l.module, 'events', 'under the endpoint');
      assert.equal(l.invocationId, rem[0].invocationId, 'one delivery id for its attempts');
      const head = `event delivery to remote backend (POST /base/events): attempt ${i + 1} of 5 failed (status 503); `;
      assert.ok(l.message.startsWith(head), `${l.message}\n${text}`);
      if (i < 4) assert.match(l.message.slice(head.length), new RegExp(`^next attempt in ${1 << i} s, at \\d{4}-\\d\\d-\\d\\dT[0-9:.]+\\+0000$`));
      else assert.equal(l.message.slice(head.length), 'given up');
    });
    const fn = fnLines(all);
    assert.equal(fn.length, 6, text);
    fn.forEach((l, i) => {
      assert.equal(l.module, 'lifecycle');
      assert.match(l.message, new RegExp(`^lifecycle event avi:forge:installed:app: attempt ${i + 1} of 6 failed \\(trigger to-fn threw: its log is invocation [0-9a-f-]{36}\\); ${i < 5 ? `next attempt in ${1 << i} s` : 'given up$'}`), text);
    });
    // the function's own fault is under the invocation the attempt line names
    const named = /invocation ([0-9a-f-]{36})/.exec(fn[0].message)[1];
    assert.ok(all.some((l) => l.invocationId === named && l.message.includes('refusing avi:forge:installed:app')), text);
    assert.ok(all.every((l) => l.site === A.name), text);
    assert.ok(Date.now() - t0 > 15000, 'the backoff is real');
    const other = await logs(B.name);
    assert.equal(other.length, 0, `B has no installation and no lines: ${JSON.stringify(other)}`);
  });
});
