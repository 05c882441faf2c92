// Acceptance fixtures (tests/fixtures/apps/), written as public Forge apps are, each
// deployed unmodified and installed on two sites, with checks that no data crosses
// between them:
//   gatekeeper       static webtrigger with several outputs, callers authenticated
//                    against an encrypted environment variable, submissions written to
//                    a custom entity and read back through its index
//   upgrade-tracker  a trigger on avi:forge:installed:app and avi:forge:upgraded:app
//   setup-wizard     setup through a @forge/resolver function, driven by `kiln invoke`
// (legacy-notes, on an old @forge/api major, runs in legacy_storage.test.mjs.)
//
// Run: node --test tests/e2e/acceptance.test.mjs   (needs build/kiln, esbuild and the
// root node_modules with @forge/kvs and @forge/resolver)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, startKiln, expectStatus, tempDir, kilnCli as kiln, expectCliOk as ok, cliOkJson as okJson,
  cliJson, expectCliFailure, sleep,
} from './lib/kiln.mjs';

const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'apps');
const NODE_MODULES = path.join(ROOT, 'node_modules');

/** A copy of fixture `name` with the root node_modules, registered and deployed. */
async function fixture(k, name) {
  const dir = path.join(tempDir(`fx-${name}`), name);
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  symlinkSync(NODE_MODULES, path.join(dir, 'node_modules'), 'dir');
  await okJson(k, ['register', dir, '--json']);
  await okJson(k, ['deploy', dir, '--json']);
  return dir;
}

async function install(k, dir, site) {
  return okJson(k, ['install', '--site', site, '--confirm-scopes', '--json'], { cwd: dir });
}

async function trigger(k, dir, key, site) {
  return new URL((await okJson(k, ['webtrigger', key, '--site', site, '--json'], { cwd: dir })).url).pathname;
}

describe('acceptance fixtures on two sites', () => {
  let k, A, B;
  const cloud = {};
  const tag = randomBytes(3).toString('hex');

  before(async () => {
    k = await startKiln();
    for (const name of [`acc-a-${tag}`, `acc-b-${tag}`]) cloud[name] = (await k.createSite(name)).cloudId;
    [A, B] = Object.keys(cloud);
  });

  after(async () => {
    await k?.close();
  });

  it('gatekeeper: static outputs, an encrypted API key from the environment, a custom entity queried by its index', async () => {
    const dir = await fixture(k, 'gatekeeper');
    await install(k, dir, A);
    await install(k, dir, B);
    const KEY = randomBytes(16).toString('hex');
    const t = { [A]: { submit: await trigger(k, dir, 'submit', A), report: await trigger(k, dir, 'report', A) },
      [B]: { submit: await trigger(k, dir, 'submit', B), report: await trigger(k, dir, 'report', B) } };
    const submit = (site, body, key = KEY) => k.api(t[site].submit, {
      method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', 'x-api-key': key },
    });
    const report = (site, team, min = 0, key = KEY) => k.api(`${t[site].report}?team=${team}&min=${min}`, { headers: { 'x-api-key': key } });

    // before the variable is set, every caller is denied (an empty expectation never matches)
    let r = await submit(A, { id: 's0', team: 'red', score: 1 });
    expectStatus(r, 401);
    assert.equal(r.text, '{"status":"denied"}');
    ok(await kiln(k, ['variables', 'set', '--encrypt', 'API_KEY'], { cwd: dir, input: `${KEY}\n` }));

    r = await submit(A, { id: 's1', team: 'red', score: 7, by: 'ann' });
    expectStatus(r, 202);
    assert.equal(r.text, '{"status":"accepted"}');
    assert.match(r.headers['content-type'], /^application\/json/);
    expectStatus(await submit(A, { id: 's1', team: 'red', score: 7 }, 'wrong-key'), 401);
    expectStatus(await submit(A, { id: 's1', team: 'red', score: 7 }, ''), 401);
    const bad = await submit(A, { id: 's2', team: 'red', score: 'high' });
    expectStatus(bad, 400);
    assert.equal(bad.text, 'invalid submission');
    assert.match(bad.headers['content-type'], /^text\/plain/);
    for (const [id, team, score] of [['s2', 'red', 3], ['s3', 'red', 12], ['s4', 'blue', 9]]) expectStatus(await submit(A, { id, team, score }), 202);
    // the same ids on B, other teams and scores
    expectStatus(await submit(B, { id: 's1', team: 'red', score: 100 }), 202);

    r = await report(A, 'red', 5);
    expectStatus(r, 200);
    assert.deepEqual(r.json, [{ id: 's3', team: 'red', score: 12, by: 'anonymous' }, { id: 's1', team: 'red', score: 7, by: 'ann' }]);
    assert.deepEqual((await report(A, 'blue')).json.map((x) => x.id), ['s4']);
    assert.deepEqual((await report(B, 'red')).json, [{ id: 's1', team: 'red', score: 100, by: 'anonymous' }], 'B sees only its own');
    assert.deepEqual((await report(B, 'blue')).json, []);
    expectStatus(await report(A, 'red', 0, 'nope'), 401);

    // rotating the key: the old one stops working from the next request
    ok(await kiln(k, ['variables', 'set', '--encrypt', 'API_KEY', 'rotated'], { cwd: dir }));
    expectStatus(await submit(B, { id: 's9', team: 'red', score: 1 }), 401);
    expectStatus(await submit(B, { id: 's9', team: 'red', score: 1 }, 'rotated'), 202);
    assert.ok(!k.allStderrLines().some((l) => l.includes(KEY)), 'the key is not in kiln\'s log');
  });

  it('upgrade-tracker: installed and upgraded events reach the trigger of their own site only', async () => {
    const dir = await fixture(k, 'upgrade-tracker');
    const ia = await install(k, dir, A);
    const ib = await install(k, dir, B);
    const ev = async (site) => {
      const res = await k.api(await trigger(k, dir, 'events', site));
      expectStatus(res, 200);
      return res.json;
    };
    const until = async (site, n) => {
      const end = Date.now() + 15000;
      let e;
      while ((e = await ev(site)).length < n && Date.now() < end) await sleep(200);
      return e;
    };
    const ea = await until(A, 1);
    assert.equal(ea.length, 1, JSON.stringify(ea));
    assert.equal(ea[0].eventType, 'avi:forge:installed:app');
    assert.equal(ea[0].installationId, ia.installationId);
    assert.equal(ea[0].version, '1.0.0');
    // a new major (one more scope): the sites keep 1.x until their admin consents
    const mf = path.join(dir, 'manifest.yml');
    writeFileSync(mf, readFileSync(mf, 'utf8').replace('    - storage:app\n', '    - storage:app\n    - read:jira-work\n'));
    const d = await okJson(k, ['deploy', dir, '--json']);
    assert.equal(d.major, 2);
    await okJson(k, ['install', '--site', A, '--upgrade', '--confirm-scopes', '--json'], { cwd: dir });
    const ea2 = await until(A, 2);
    assert.equal(ea2.length, 2, JSON.stringify(ea2));
    assert.equal(ea2[1].eventType, 'avi:forge:upgraded:app');
    assert.equal(ea2[1].installationId, ia.installationId);
    assert.equal(ea2[1].version, '2.0.0');
    assert.deepEqual([...ea2[1].scopes].sort(), ['read:jira-work', 'storage:app']);
    assert.ok(ea2.every((e) => e.installContext === `ari:cloud:jira::site/${cloud[A]}`), JSON.stringify(ea2));
    await sleep(1200); // a tick or two more: nothing reaches B
    const eb = await ev(B);
    assert.ok(eb.every((e) => e.installContext === `ari:cloud:jira::site/${cloud[B]}`), JSON.stringify(eb));
    assert.deepEqual(eb.map((e) => [e.eventType, e.installationId]), [['avi:forge:installed:app', ib.installationId]]);
  });

  it('setup-wizard: setup through its resolver, driven by kiln invoke, stays on its site', async () => {
    const dir = await fixture(k, 'setup-wizard');
    await install(k, dir, A);
    await install(k, dir, B);
    const status = async (site) => k.api(await trigger(k, dir, 'status', site));
    expectStatus(await status(A), 404);
    const inv = (site, call, payload) => kiln(k, ['invoke', 'resolver', '--site', site, '--call', call, '--payload', JSON.stringify(payload)], { cwd: dir });
    expectCliFailure(await inv(A, 'setup', {}), /function failed: Error: team is required/, 1);
    const a = cliJson(ok(await inv(A, 'setup', { team: 'alpha', channels: ['#ops'] })));
    assert.equal(a.ok, true);
    assert.equal(a.config.team, 'alpha');
    let r = await status(A);
    expectStatus(r, 200);
    assert.equal(r.json.team, 'alpha');
    assert.deepEqual(r.json.channels, ['#ops']);
    expectStatus(await status(B), 404, 'B is not set up by A\'s setup');
    assert.equal(cliJson(ok(await inv(B, 'getConfig', {}))), null);
    ok(await inv(B, 'setup', { team: 'beta' }));
    r = await status(B);
    assert.equal(r.json.team, 'beta');
    assert.equal(r.json.cloudId, cloud[B]);
    assert.equal((await status(A)).json.cloudId, cloud[A]);
    ok(await inv(A, 'reset', {}));
    expectStatus(await status(A), 404);
    expectStatus(await status(B), 200, 'resetting A leaves B');
  });
});
