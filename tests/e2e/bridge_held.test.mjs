// A Custom UI bridge answer made while the bridge prepares its call, in a request that
// committed a write (the session's last-seen time, written at most once a minute, or per
// half idle time when that is shorter): the answer is held until that write is durable
// (http/reply.h), and invoke_submit took the held answer for the bridge's function job
// and handed it to the runtime: kiln read past the held answer (AddressSanitizer:
// heap-buffer-overflow in rt_submit), logged "runtime: cannot unpack a deployed version:
// bad snapshot path" and died of SIGSEGV. The isolation battery found it
// (docs/reliability.md). Here the sessions' idle time is 2 s, so every bridge call made
// more than a second after the last one touches its session.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';

import { startKiln, tempDir, writeFiles, cliOkJson, expectStatus, describeRes, sleep } from './lib/kiln.mjs';
import { uiSession } from './lib/ui.mjs';

const MANIFEST = `app:
  runtime:
    name: nodejs20.x
resources:
  - key: main
    path: static/main
modules:
  jira:issuePanel:
    - key: panel
      resource: main
      title: Held answers
      icon: https://example.com/icon.svg
`;

let k;
before(async () => {
  k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0', '--session-idle-seconds', '2'] });
});
after(async () => {
  await k?.close();
});

it('a bridge answer held for the session touch\'s durability is answered, and kiln lives on', async () => {
  const dir = path.join(tempDir('held'), 'held-ui');
  writeFiles(dir, { 'manifest.yml': MANIFEST, 'static/main/index.html': '<!doctype html><p>held</p>' });
  const { id: appId } = await cliOkJson(k, ['register', dir, '--json']);
  await cliOkJson(k, ['deploy', dir, '--json']);
  const S = await k.siteWithToken('held', true);
  await cliOkJson(k, ['install', '--site', S.name, '--confirm-scopes', '--json'], { cwd: dir });
  const issue = (await k.jira(S.cloudId, '/search?jql=order%20by%20key&maxResults=1&fields=summary', { token: S.token })).json.issues[0].key;
  const sess = await uiSession(k, S.name);
  const headers = { cookie: sess.cookie, 'x-kiln-csrf': sess.csrf };
  const ext = { issue: { key: issue } };
  const f = await k.api('/_ui/v1/frames', { method: 'POST', body: { appId, moduleKey: 'panel', extension: ext }, headers });
  expectStatus(f, 200);
  // each call after a pause touches the session (a commit), then answers in the bridge's
  // preparation: getContext, renew, and an unknown operation's 400
  for (const [n, body, status] of [[1, { op: 'getContext', extension: ext }, 200], [2, { op: 'renew', extension: ext }, 200],
    [3, { op: 'nonsense', extension: ext }, 400], [4, { op: 'getContext', extension: ext }, 200], [5, { op: 'getContext', extension: ext }, 200]]) {
    await sleep(1200);
    const r = await k.api('/_ui/v1/bridge', { method: 'POST', body, headers: { ...headers, 'x-kiln-context': f.json.token } });
    assert.equal(r.status, status, `call ${n}: ${describeRes(r)}`);
  }
  expectStatus(await k.api('/_ui/v1/me', { headers }), 200);
  assert.deepEqual(k.stderrLines.filter((l) => l.includes('"level":"error"')), [], 'no error in kiln\'s log');
});
