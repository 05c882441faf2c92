// The kiln CLI against a running server: site create/list, user token, --help, errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import {
  startKiln, runCli, describeCli, expectStatus, trackTempDir, USER_TOKEN_RE, UUID_RE,
  expectCliOk as ok, cliJson as parseJson, expectCliFailure as failsClearly,
} from './lib/kiln.mjs';

let k;
let env;

before(async () => {
  k = await startKiln();
  env = { KILN_URL: k.url, KILN_ADMIN_TOKEN: k.adminToken };
});

after(async () => {
  await k?.close();
});

async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

describe('kiln CLI', () => {
  it('kiln --help lists the commands', async () => {
    const r = ok(await runCli(['--help']));
    const out = r.stdout + r.stderr;
    for (const word of ['serve', 'site', 'user', 'store']) assert.match(out, new RegExp(word), `--help mentions ${word}\n${describeCli(r)}`);
  });

  it('kiln --version prints a version and exits 0', async () => {
    const r = ok(await runCli(['--version']));
    assert.match(r.stdout, /\d+\.\d+/, describeCli(r));
  });

  it('store check on a data dir without a store fails with exit 1', async () => {
    const empty = trackTempDir(mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-empty-')));
    const r = await runCli(['store', 'check', '--data', empty]);
    assert.notEqual(r.code, 0, describeCli(r));
    assert.notEqual(r.stdout.trim(), 'ok', describeCli(r));
  });

  for (const cmd of [['serve'], ['site', 'create'], ['site', 'list'], ['user', 'token'], ['store', 'check']]) {
    it(`kiln ${cmd.join(' ')} --help prints usage and exits 0`, async () => {
      const r = ok(await runCli([...cmd, '--help'], { env }));
      const out = r.stdout + r.stderr;
      assert.ok(out.trim().length > 0, `usage printed\n${describeCli(r)}`);
      assert.match(out, new RegExp(cmd[cmd.length - 1]), `usage mentions ${cmd.join(' ')}\n${describeCli(r)}`);
      for (const flag of cmd[0] === 'user' ? ['--site'] : cmd[0] === 'serve' ? ['--data', '--listen'] : cmd[0] === 'store' ? ['--data'] : []) {
        assert.match(out, new RegExp(flag), `usage mentions ${flag}\n${describeCli(r)}`);
      }
    });
  }

  it('site create --json prints the site, and the server knows it', async () => {
    const r = ok(await runCli(['site', 'create', 'cli-one', '--json'], { env }));
    const s = parseJson(r);
    assert.deepEqual(Object.keys(s).sort(), ['adminAccountId', 'cloudId', 'createdAt', 'name', 'url']);
    assert.equal(s.name, 'cli-one');
    assert.match(s.cloudId, UUID_RE);
    assert.ok(s.url.endsWith(`/ex/jira/${s.cloudId}`), s.url);
    const g = await k.admin('/sites/cli-one');
    expectStatus(g, 200);
    assert.equal(g.json.cloudId, s.cloudId);
    assert.equal(g.json.adminAccountId, s.adminAccountId);
  });

  it('site create --demo makes a demo site', async () => {
    const r = ok(await runCli(['site', 'create', 'cli-demo', '--demo', '--json'], { env, timeout: 60000 }));
    const s = parseJson(r);
    assert.equal(s.name, 'cli-demo');
    const tok = await k.userToken('cli-demo');
    const p = await k.jira(s.cloudId, '/project/search', { token: tok.token });
    expectStatus(p, 200);
    assert.ok(p.json.total >= 3, `demo site has >= 3 projects, got ${p.json.total}`);
    const site = await k.getSite('cli-demo');
    assert.equal(typeof site.canary, 'string');
  });

  it('site list --json and the table', async () => {
    const r = ok(await runCli(['site', 'list', '--json'], { env }));
    const j = parseJson(r);
    assert.ok(Array.isArray(j.sites), describeCli(r));
    const names = j.sites.map((s) => s.name);
    assert.ok(names.includes('cli-one') && names.includes('cli-demo'), `sites listed: ${names}`);
    for (const s of j.sites) assert.match(s.cloudId, UUID_RE);
    const api = await k.admin('/sites');
    assert.deepEqual(j.sites.map((s) => s.cloudId).sort(), api.json.sites.map((s) => s.cloudId).sort(), 'same as the admin API');
    const t = ok(await runCli(['site', 'list'], { env }));
    assert.match(t.stdout, /cli-one/, describeCli(t));
    assert.match(t.stdout, /cli-demo/, describeCli(t));
    const cloudId = j.sites.find((s) => s.name === 'cli-one').cloudId;
    assert.ok(t.stdout.includes(cloudId), `table shows the cloudId\n${describeCli(t)}`);
    assert.throws(() => JSON.parse(t.stdout), 'the table is not JSON');
  });

  it('user token --site NAME [--account ID] --json mints working tokens', async () => {
    const site = (await k.admin('/sites/cli-demo')).json;
    const r = ok(await runCli(['user', 'token', '--site', 'cli-demo', '--json'], { env }));
    const t = parseJson(r);
    assert.deepEqual(Object.keys(t).sort(), ['accountId', 'site', 'token']);
    assert.match(t.token, USER_TOKEN_RE);
    assert.equal(t.accountId, site.adminAccountId, 'default account is the site admin');
    assert.ok([site.name, site.cloudId].includes(t.site), `site field ${t.site}`);
    const me = await k.jira(site.cloudId, '/myself', { token: t.token });
    expectStatus(me, 200);
    assert.equal(me.json.accountId, t.accountId);

    const users = (await k.jira(site.cloudId, '/users/search', { token: t.token })).json;
    const other = users.find((u) => u.accountId !== site.adminAccountId);
    const r2 = ok(await runCli(['user', 'token', '--site', 'cli-demo', '--account', other.accountId, '--json'], { env }));
    const t2 = parseJson(r2);
    assert.equal(t2.accountId, other.accountId);
    const me2 = await k.jira(site.cloudId, '/myself', { token: t2.token });
    expectStatus(me2, 200);
    assert.equal(me2.json.accountId, other.accountId);
    assert.notEqual(t2.token, t.token);
  });

  it('--url and --data flags work instead of the environment', async () => {
    const r = ok(await runCli(['site', 'list', '--json', '--url', k.url, '--data', k.dataDir]));
    assert.ok(parseJson(r).sites.some((s) => s.name === 'cli-one'));
    const r2 = ok(await runCli(['site', 'list', '--json'], { env: { KILN_URL: k.url, KILN_DATA: k.dataDir } }));
    assert.ok(parseJson(r2).sites.some((s) => s.name === 'cli-one'));
    const r3 = ok(await runCli(['site', 'create', 'cli-flags', '--json', '--url', k.url, '--data', k.dataDir]));
    assert.equal(parseJson(r3).name, 'cli-flags');
  });

  it('unknown command: non-zero exit, one line on stderr', async () => {
    failsClearly(await runCli(['frobnicate'], { env }), undefined, 2);
    failsClearly(await runCli(['site', 'frobnicate'], { env }), undefined, 2);
    const bare = await runCli([], { env });
    assert.equal(bare.code, 2, `kiln without a command is a usage error\n${describeCli(bare)}`);
  });

  it('bad flag: exit 2, one line on stderr', async () => {
    failsClearly(await runCli(['site', 'list', '--bogus'], { env }), undefined, 2);
    failsClearly(await runCli(['site', 'create', 'cli-x', '--no-such-flag'], { env }), undefined, 2);
    failsClearly(await runCli(['user', 'token', '--site'], { env }), undefined, 2);
    failsClearly(await runCli(['user', 'token', '--json'], { env }), undefined, 2);
    failsClearly(await runCli(['site', 'create', '--json'], { env }), undefined, 2);
    failsClearly(await runCli(['serve', '--threads'], {}), undefined, 2);
    const list = await k.admin('/sites');
    assert.ok(!list.json.sites.some((s) => s.name === 'cli-x'), 'nothing created by a bad invocation');
  });

  it('a wrong admin token fails clearly', async () => {
    const line = failsClearly(await runCli(['site', 'list', '--json'], { env: { KILN_URL: k.url, KILN_ADMIN_TOKEN: 'kiln_a_wrong' } }),
      /401|unauthori[sz]ed|admin token|token/i, 1);
    assert.ok(!line.includes(k.adminToken), 'does not print the real admin token');
    failsClearly(await runCli(['site', 'create', 'cli-wrong', '--json'], { env: { KILN_URL: k.url, KILN_ADMIN_TOKEN: 'kiln_a_wrong' } }));
    const list = await k.admin('/sites');
    assert.ok(!list.json.sites.some((s) => s.name === 'cli-wrong'));
  });

  it('server errors are reported on one line: duplicate, bad name, unknown site, unknown account', async () => {
    failsClearly(await runCli(['site', 'create', 'cli-one', '--json'], { env }), /409|exist|duplicate|taken|already/i, 1);
    failsClearly(await runCli(['site', 'create', 'Bad_Name', '--json'], { env }), undefined, 1);
    failsClearly(await runCli(['user', 'token', '--site', 'no-such-site', '--json'], { env }), undefined, 1);
    failsClearly(await runCli(['user', 'token', '--site', 'cli-one', '--account', 'no-such-account', '--json'], { env }), undefined, 1);
  });

  it('no admin token or no server: fails clearly', async () => {
    const empty = trackTempDir(mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-cwd-')));
    failsClearly(await runCli(['site', 'list', '--json'], { env: { KILN_URL: k.url }, cwd: empty }), undefined, 1);
    failsClearly(await runCli(['site', 'list', '--json', '--data', empty], { env: { KILN_URL: k.url } }), undefined, 1);
    const port = await closedPort();
    const t0 = Date.now();
    failsClearly(await runCli(['site', 'list', '--json'], { env: { KILN_URL: `http://127.0.0.1:${port}`, KILN_ADMIN_TOKEN: k.adminToken } }), undefined, 1);
    assert.ok(Date.now() - t0 < 15000, 'gives up promptly');
  });
});
