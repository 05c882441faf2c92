// Unawaited work end to end (docs/runtime.md, "Work after the end"): an app whose
// functions return before the work they started is done. The work's calls (a product
// write with requestJira, a kvs set) are refused as before — the invocation's token died
// with it, so the project and the key are not there afterwards — and each one, and the
// output the work wrote late, is in `kiln logs` under that invocation as a warning, capped,
// and under that site only.
//
// Run: node --test tests/e2e/unawaited.test.mjs   (needs build/kiln, esbuild and the root
// node_modules with @forge/api and @forge/kvs)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  ROOT, startKiln, expectStatus, sleep, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson,
} from './lib/kiln.mjs';

const NODE_MODULES = path.join(ROOT, 'node_modules');

const manifest = (origin) => `modules:
  function:
    - key: fire
      handler: index.fire
    - key: flood
      handler: index.flood
    - key: peek
      handler: index.peek
    - key: reach
      handler: index.reach
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - storage:app
    - manage:jira-configuration
    - read:jira-work
  external:
    fetch:
      backend:
        - ${origin}
`;

// fire: with mode "now" the work is awaited (the control: the calls work); with "late" the
// function returns first and the work runs 300 ms later, after its invocation ended.
const SRC = `import api, { route } from '@forge/api';
import { kvs } from '@forge/kvs';

async function work(tag) {
  console.log('work output ' + tag);
  const res = await api.asApp().requestJira(route\`/rest/api/3/project\`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ key: tag.toUpperCase(), name: 'made by ' + tag }),
  });
  let stored = 'no';
  try { await kvs.set('key-' + tag, { tag }); stored = 'yes'; } catch (e) { console.log('kvs refused ' + (e && e.message)); }
  return { status: res.status, stored };
}

export async function fire({ mode, tag }) {
  if (mode === 'now') return work(tag);
  setTimeout(() => { work(tag).catch(() => {}); }, 300);
  return { returned: true };
}

export async function flood({ tag }) {
  setTimeout(async () => {
    for (let i = 0; i < 100; i++) console.log('flood ' + tag + ' ' + i);
    for (let i = 0; i < 30; i++) await api.asApp().requestJira(route\`/rest/api/3/myself\`).catch(() => {});
  }, 200);
  return 'flooding';
}

// a fetch to a declared host, awaited (the control) or left to run after the end
export async function reach({ mode, url }) {
  const go = () => fetch(url).then((r) => r.status, (e) => 'refused: ' + (e && e.message));
  if (mode === 'now') return go();
  setTimeout(go, 300);
  return 'returned';
}

export async function peek({ tag }) {
  return { value: (await kvs.get('key-' + tag)) ?? null };
}
`;

describe('unawaited work: refused, and shown in kiln logs under its invocation', () => {
  let k, A, B, dir, tokA, server;
  const hits = [];
  const inv = async (fn, site, payload) =>
    okJson(k, ['invoke', fn, '--site', site, '--payload', JSON.stringify(payload), '--json'], { cwd: dir });
  const logs = async (site) => {
    const r = ok(await kiln(k, ['logs', '--site', site, '-n', '1000', '--json']));
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  };
  /** Waits for lines of `site` that `pred` picks to number at least `n`. */
  async function waitLines(site, pred, n) {
    let got = [];
    for (let i = 0; i < 100; i++) {
      got = (await logs(site)).filter(pred);
      if (got.length >= n) return got;
      await sleep(100);
    }
    return got;
  }

  before(async () => {
    for (const p of ['api', 'kvs']) assert.ok(existsSync(path.join(NODE_MODULES, '@forge', p, 'package.json')), `@forge/${p} (make deps)`);
    const tag = randomBytes(3).toString('hex');
    k = await startKiln();
    A = await k.siteWithToken(`late-a-${tag}`);
    B = await k.siteWithToken(`late-b-${tag}`);
    tokA = A.token;
    server = http.createServer((req, res) => { hits.push(req.url); res.end('hello'); });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    dir = path.join(tempDir('lateapp'), 'late-app');
    writeFiles(dir, { 'manifest.yml': manifest(`http://127.0.0.1:${server.address().port}`), 'src/index.js': SRC });
    symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
    await okJson(k, ['register', dir, '--json']);
    await okJson(k, ['deploy', dir, '--json']);
    for (const s of [A, B]) await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
  });

  after(async () => {
    await k?.close();
    await new Promise((r) => (server ? server.close(r) : r()));
  });

  const project = (site, key) => k.jira(site.cloudId, `/project/${key}`, { token: site.token });

  it('awaited, the same work is made (the control)', async () => {
    const tag = `pn${randomBytes(3).toString('hex')}`;
    const v = await inv('fire', A.name, { mode: 'now', tag });
    assert.deepEqual(v.value, { status: 201, stored: 'yes' }, JSON.stringify(v));
    expectStatus(await project(A, tag.toUpperCase()), 200, 'the project the awaited call made');
    assert.deepEqual((await inv('peek', A.name, { tag })).value, { value: { tag } });
  });

  it('after the end: the calls are not made, and each is a warning under that invocation, on its site only', async () => {
    const tag = `pl${randomBytes(3).toString('hex')}`;
    const fired = await inv('fire', A.name, { mode: 'late', tag });
    assert.deepEqual(fired.value, { returned: true });
    const id = fired.invocationId;
    await sleep(1200); // the work runs 300 ms after the end
    // the late output is read when kiln next reads that worker: the next invocation
    assert.deepEqual((await inv('peek', A.name, { tag })).value, { value: null }, 'the kvs set was not made');
    expectStatus(await project(A, tag.toUpperCase()), 404, 'the project the late call would have made');
    const mine = (l) => l.invocationId === id;
    const lines = await waitLines(A.name, mine, 3);
    const text = lines.map((l) => `${l.level} ${l.message}`).join('\n');
    assert.ok(lines.every((l) => l.level === 'warn'), text);
    assert.ok(lines.some((l) => l.message === `output after the invocation ended: work output ${tag}`), text);
    assert.ok(lines.some((l) => l.message === 'call after the invocation ended: not made (requestJira POST /rest/api/3/project)'), text);
    assert.ok(lines.some((l) => /^call after the invocation ended: not made \(kvs POST \/api\/v1\/set\)$/.test(l.message)), text);
    assert.ok(lines.some((l) => l.message.startsWith(`output after the invocation ended: kvs refused`)), text);
    assert.ok(lines.every((l) => l.site === A.name), text);
    const other = await logs(B.name);
    assert.ok(!other.some((l) => l.invocationId === id || l.message.includes(tag)), "B's logs show nothing of A's invocation");
  });

  it('a fetch after the end is not made (the host sees nothing), and is a warning under that invocation', async () => {
    const url = `http://127.0.0.1:${server.address().port}/late-${randomBytes(3).toString('hex')}`;
    assert.equal((await inv('reach', A.name, { mode: 'now', url })).value, 200, 'the control: awaited, it is made');
    assert.equal(hits.filter((h) => url.endsWith(h)).length, 1);
    const fired = await inv('reach', A.name, { mode: 'late', url });
    const lines = await waitLines(A.name, (l) => l.invocationId === fired.invocationId, 1);
    assert.deepEqual(lines.map((l) => [l.level, l.message]),
      [['warn', `call after the invocation ended: not made (fetch GET http://127.0.0.1:${server.address().port})`]]);
    await sleep(300);
    assert.equal(hits.filter((h) => url.endsWith(h)).length, 1, 'the host got only the awaited request');
  });

  it('a loop after the end cannot flood the journal: 20 output lines and 10 calls, then one line each', async () => {
    const tag = `fl${randomBytes(3).toString('hex')}`;
    const fired = await inv('flood', B.name, { tag });
    const id = fired.invocationId;
    await sleep(1500);
    await inv('peek', B.name, { tag }); // reads the worker's pipe
    await sleep(500);
    await inv('peek', B.name, { tag });
    const mine = (l) => l.invocationId === id;
    const lines = await waitLines(B.name, mine, 23);
    await sleep(300);
    const all = (await logs(B.name)).filter(mine);
    const out = all.filter((l) => l.message.startsWith('output after the invocation ended: flood'));
    const calls = all.filter((l) => l.message.startsWith('call after the invocation ended: not made (requestJira GET /rest/api/3/myself)'));
    const text = all.map((l) => l.message).join('\n');
    assert.equal(out.length, 20, text);
    assert.equal(out[0].message, `output after the invocation ended: flood ${tag} 0`);
    assert.equal(all.filter((l) => l.message.startsWith('more output after the invocation ended')).length, 1, text);
    assert.equal(calls.length, 10, text);
    assert.equal(all.filter((l) => l.message.startsWith('more calls after the invocation ended')).length, 1, text);
    assert.equal(all.length, 32, text);
    assert.ok(lines.length >= 23);
  });

  it('a forged or foreign token logs nothing anywhere', async () => {
    const before = (await logs(A.name)).length;
    const forged = `kiln_i_${randomBytes(32).toString('base64url').slice(0, 43)}`;
    const res = await k.api('/_proxy/fpp/rest/api/3/myself', { token: forged });
    expectStatus(res, 401, 'a forged invocation token');
    const res2 = await k.api('/_proxy/fpp/rest/api/3/myself', { token: tokA });
    expectStatus(res2, 401, 'a user token on the proxy');
    await sleep(300);
    assert.equal((await logs(A.name)).length, before);
  });
});
