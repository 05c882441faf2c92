// Apps end to end with the CLI, the way a Forge developer drives them:
// kiln register → deploy → install on sites → minor and major redeploys → upgrade →
// uninstall → reinstall → purge; plus distribution links, bot users, custom environments,
// manifest and bundling errors, concurrent deploys, the snapshot limit and what a deployed
// snapshot holds.
//
// Run: node --test tests/e2e/apps.test.mjs   (needs build/kiln and esbuild on PATH)
//
// Every app lives in a fresh temp dir; every server is a fresh `kiln serve` on 127.0.0.1.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import YAML from 'yaml';
import {
  ROOT, startKiln, runCli, describeCli, describeRes, expectStatus, UUID_RE, tempDir, writeFiles,
  kilnCli as kiln, expectCliOk as ok, cliJson as parseJson, cliOkJson as okJson, expectCliFailure as failsClearly,
} from './lib/kiln.mjs';

const requireCjs = createRequire(import.meta.url);
const APP_ARI_RE = /^ari:cloud:ecosystem::app\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const DAY_MS = 24 * 60 * 60 * 1000;
const EXAMPLE = path.join(ROOT, 'examples', 'project-report');

// ---------------------------------------------------------------- helpers

/** A fresh app directory holding `files` ({relative path: content}). */
function makeApp(name, files) {
  const dir = path.join(tempDir('app'), name);
  writeFiles(dir, files);
  return dir;
}

/** A small ESM app: src/index.js imports ./lib.js, so bundling really resolves something. */
function basicManifest({ scopes = ['read:jira-work'] } = {}) {
  return `# kiln e2e app: comments, blank lines and odd spacing must survive register
modules:
  function:
    - key: main        # the entry point
      handler: index.run

app:
  runtime:
    name: nodejs20.x   # runtime comment

permissions:
  scopes:
${scopes.map((s) => `    - ${s}`).join('\n')}
`;
}

function basicApp(name, opts = {}) {
  return makeApp(name, {
    'manifest.yml': basicManifest(opts),
    'src/index.js': "import { answer, MARKER } from './lib.js';\n"
      + 'export async function run() {\n  return { answer: answer(), marker: MARKER };\n}\n',
    'src/lib.js': `export const MARKER = ${JSON.stringify(opts.marker ?? 'lib-marker-v1')};\n`
      + 'export function answer() {\n  return 6 * 7;\n}\n',
  });
}

/** Replace manifest.yml's text through `fn`, keeping whatever app.id register wrote. */
function editManifest(dir, fn) {
  const p = path.join(dir, 'manifest.yml');
  writeFileSync(p, fn(readFileSync(p, 'utf8')));
}

function addScope(dir, scope) {
  editManifest(dir, (t) => t.replace('  scopes:\n', `  scopes:\n    - ${scope}\n`));
}

/** The app's uuid and ARI as written in DIR/manifest.yml. */
function appIdOf(dir) {
  const ari = YAML.parse(readFileSync(path.join(dir, 'manifest.yml'), 'utf8'))?.app?.id;
  const m = APP_ARI_RE.exec(ari ?? '');
  assert.ok(m, `manifest.yml of ${dir} has an app ARI in app.id, got ${ari}`);
  return { ari, uuid: m[1] };
}

async function register(k, dir, extra = []) {
  const j = await okJson(k, ['register', dir, '--json', ...extra]);
  assert.match(j.ari ?? '', APP_ARI_RE, JSON.stringify(j));
  assert.equal(j.ari, `ari:cloud:ecosystem::app/${j.id}`);
  assert.equal(appIdOf(dir).ari, j.ari, 'register wrote the registered ARI into manifest.yml');
  return j;
}

async function deploy(k, dir, env) {
  return okJson(k, ['deploy', dir, '--json', ...(env ? ['-e', env] : [])]);
}

async function versions(k, dir, env) {
  const j = await okJson(k, ['deploy', 'list', dir, '--json', ...(env ? ['-e', env] : [])]);
  assert.equal(j.environment, env ?? 'development', JSON.stringify(j));
  assert.ok(Array.isArray(j.versions), JSON.stringify(j));
  return j.versions;
}

/** `kiln install list --json` run in the app dir: that app's installations. */
async function installs(k, dir) {
  const j = await okJson(k, ['install', 'list', '--json'], { cwd: dir });
  assert.ok(Array.isArray(j.installations), JSON.stringify(j));
  return j.installations;
}

async function allInstalls(k) {
  const j = await okJson(k, ['install', 'list', '--json'], { cwd: tempDir('nowhere') });
  assert.ok(Array.isArray(j.installations), JSON.stringify(j));
  return j.installations;
}

function activeOn(list, site) {
  const a = list.filter((i) => i.site === site && i.state === 'active');
  assert.equal(a.length, 1, `exactly one active installation on ${site}: ${JSON.stringify(list, null, 1)}`);
  return a[0];
}

async function install(k, dir, site, extra = []) {
  return okJson(k, ['install', '--site', site, '--confirm-scopes', '--json', ...extra], { cwd: dir });
}

function snapshotTars(k, uuid, env = 'development') {
  const d = path.join(k.dataDir, 'snapshots', uuid, env);
  if (!existsSync(d)) return [];
  return readdirSync(d).filter((f) => f.endsWith('.tar')).map((f) => path.join(d, f));
}

function tarList(tarPath) {
  return execFileSync('tar', ['tf', tarPath], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function tarRead(tarPath, member) {
  return execFileSync('tar', ['xOf', tarPath, member], { maxBuffer: 64 << 20 });
}

/** Load a bundle extracted from a snapshot as CommonJS and return its exports. */
function loadBundle(code) {
  const f = path.join(tempDir('bundle'), `bundle-${randomUUID()}.cjs`);
  writeFileSync(f, code);
  return requireCjs(f);
}

function iso(s) {
  const t = Date.parse(s);
  assert.ok(Number.isFinite(t), `timestamp parses: ${s}`);
  return t;
}

/** Lines (with their endings) of a text. */
function linesOf(text) {
  return text.split(/(?<=\n)/);
}

function checkVersion(v, { version, env = 'development', ari, scopes }) {
  const [major, minor] = version.split('.').map(Number);
  assert.equal(v.version, version, JSON.stringify(v));
  assert.equal(v.major, major, JSON.stringify(v));
  assert.equal(v.minor, minor, JSON.stringify(v));
  assert.ok(Number.isInteger(v.seq) && v.seq > 0, `seq is a positive integer: ${JSON.stringify(v)}`);
  iso(v.createdAt);
  assert.ok(Number.isInteger(v.snapshotBytes) && v.snapshotBytes > 0, JSON.stringify(v));
  if (scopes) assert.deepEqual([...v.scopes].sort(), [...scopes].sort(), JSON.stringify(v));
  if (ari) assert.equal(v.appId, ari, JSON.stringify(v));
  if ('environment' in v || ari) assert.equal(v.environment, env, JSON.stringify(v));
}

// ---------------------------------------------------------------- the whole life of an app

describe('app lifecycle: register, deploy, install, minor, major, upgrade, uninstall, reinstall, purge', () => {
  let k;
  let dir;
  let app;
  const first = {};
  let betaRemoved;

  before(async () => {
    k = await startKiln({ extraArgs: ['--retention-days', '1'] });
    await k.createSite('alpha');
    await k.createSite('beta');
    dir = basicApp('lifecycle-app');
    // What runs ships: the bundle, manifest.yml, package.json and what package.json's
    // kiln.include names. Sources, an unused node_modules, .git and a stale top-level
    // .kiln do not.
    writeFiles(dir, {
      'package.json': '{"name":"lifecycle-app","private":true,"kiln":{"include":["assets"]}}\n',
      'node_modules/left-pad/package.json': '{"name":"left-pad","version":"1.3.0","main":"index.js"}\n',
      'node_modules/left-pad/index.js': 'module.exports = (s) => s;\n',
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.git/config': '[core]\n',
      '.kiln/stale.txt': 'left over from an earlier build\n',
      'assets/.hidden-but-app-data': 'kept\n',
    });
  });

  after(async () => {
    await k?.close();
  });

  it('register creates the app and inserts app.id, keeping every other byte of manifest.yml', async () => {
    const before = readFileSync(path.join(dir, 'manifest.yml'), 'utf8');
    assert.equal(YAML.parse(before).app.id, undefined, 'precondition: no app.id yet');
    app = await register(k, dir, ['--name', 'Lifecycle App']);
    assert.equal(app.name, 'Lifecycle App');
    assert.match(app.id, UUID_RE);
    iso(app.createdAt);
    const after = readFileSync(path.join(dir, 'manifest.yml'), 'utf8');
    const idLines = linesOf(after).filter((l) => l.includes(app.ari));
    assert.equal(idLines.length, 1, `one line carries the id:\n${after}`);
    assert.match(idLines[0], new RegExp(`^ +id: ${app.ari.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\n$`));
    assert.equal(linesOf(after).filter((l) => !l.includes(app.ari)).join(''), before,
      `manifest.yml differs from the original by more than the id line:\n--- before\n${before}\n--- after\n${after}`);
    const parsed = YAML.parse(after);
    assert.equal(parsed.app.id, app.ari, 'the id sits under the top-level app:');
    assert.equal(parsed.app.runtime.name, 'nodejs20.x');

    const g = await k.admin(`/apps/${app.id}`);
    expectStatus(g, 200, 'GET the registered app');
    assert.equal(g.json.id, app.id);
    assert.equal(g.json.ari, app.ari);
    assert.equal(g.json.name, 'Lifecycle App');
    const envs = g.json.environments.map((e) => e.key).sort();
    assert.deepEqual(envs, ['development', 'production', 'staging']);
    for (const e of g.json.environments) {
      assert.match(e.id, UUID_RE);
      assert.equal(e.latest, null, `${e.key} has nothing deployed yet`);
    }
  });

  it('deploy list and environments list before the first deploy', async () => {
    assert.deepEqual(await versions(k, dir), []);
    const j = await okJson(k, ['environments', 'list', dir, '--json']);
    assert.equal(j.id, app.id);
    assert.deepEqual(j.environments.map((e) => e.key).sort(), ['development', 'production', 'staging']);
    assert.ok(j.environments.every((e) => e.latest === null), JSON.stringify(j));
  });

  it('first deploy is 1.0.0 and the snapshot holds what runs: manifest, package.json, bundle, included files (not sources, node_modules, .git or .kiln)', async () => {
    const v = await deploy(k, dir);
    checkVersion(v, { version: '1.0.0', ari: app.ari, scopes: ['read:jira-work'] });
    first.v1 = v;
    const list = await versions(k, dir);
    assert.equal(list.length, 1);
    assert.equal(list[0].version, '1.0.0');
    assert.equal(list[0].seq, v.seq);
    assert.equal(list[0].snapshotBytes, v.snapshotBytes);

    const tars = snapshotTars(k, app.id);
    assert.equal(tars.length, 1, `one snapshot under ${k.dataDir}/snapshots/${app.id}/development`);
    const contentBytes = ['manifest.yml', 'package.json']
      .reduce((n, f) => n + statSync(path.join(dir, f)).size, 0);
    assert.ok(v.snapshotBytes >= contentBytes && v.snapshotBytes <= statSync(tars[0]).size,
      `snapshotBytes ${v.snapshotBytes} lies between the app's bytes (${contentBytes}) and the tar's size (${statSync(tars[0]).size})`);
    const names = tarList(tars[0]).map((n) => n.replace(/^\.\//, '').replace(/\/$/, ''));
    for (const want of ['manifest.yml', 'package.json', '.kiln/functions/index.cjs', 'assets/.hidden-but-app-data']) {
      assert.ok(names.includes(want), `snapshot has ${want}: ${names.join(', ')}`);
    }
    for (const not of ['src/index.js', 'src/lib.js', 'node_modules/left-pad/index.js']) {
      assert.ok(!names.includes(not), `the snapshot leaves out ${not} (bundled or unused): ${names.join(', ')}`);
    }
    assert.ok(!names.some((n) => n === '.git' || n.startsWith('.git/')), `no .git in the snapshot: ${names}`);
    assert.ok(!names.includes('.kiln/stale.txt'), `the app's own .kiln is not packed: ${names}`);
    assert.equal(tarRead(tars[0], 'manifest.yml').toString('utf8'), readFileSync(path.join(dir, 'manifest.yml'), 'utf8'),
      'the snapshot carries manifest.yml as deployed');

    // The bundle really resolved ./lib.js and runs on its own.
    const code = tarRead(tars[0], '.kiln/functions/index.cjs').toString('utf8');
    assert.match(code, /lib-marker-v1/, 'lib.js is inlined in the bundle');
    assert.doesNotMatch(code, /from\s+['"]\.\/lib\.js['"]/, 'no ESM import left in the bundle');
    const mod = loadBundle(code);
    assert.equal(typeof mod.run, 'function', 'the bundle exports run');
    assert.deepEqual(await mod.run(), { answer: 42, marker: 'lib-marker-v1' });

    const envs = await okJson(k, ['environments', 'list', dir, '--json']);
    const dev = envs.environments.find((e) => e.key === 'development');
    assert.equal(dev.latest?.version, '1.0.0', JSON.stringify(envs));
    assert.ok(envs.environments.filter((e) => e.key !== 'development').every((e) => e.latest === null));
  });

  it('install without a TTY needs --confirm-scopes (exit 2, nothing installed)', async () => {
    const r = await kiln(k, ['install', '--site', 'alpha', '--json'], { cwd: dir });
    failsClearly(r, /--confirm-scopes/, 2);
    assert.deepEqual(await installs(k, dir), []);
  });

  it('install on two sites: 1.0.0, active, each with its own bot and installation id', async () => {
    const sites = { alpha: await k.getSite('alpha'), beta: await k.getSite('beta') };
    for (const name of ['alpha', 'beta']) {
      const t0 = Date.now();
      const i = await install(k, dir, name);
      assert.match(i.installationId, UUID_RE);
      assert.equal(i.site, name);
      assert.equal(i.cloudId, sites[name].cloudId);
      assert.equal(i.appId, app.ari);
      assert.equal(i.environment, 'development');
      assert.equal(i.version, '1.0.0');
      assert.equal(i.major, 1);
      assert.equal(i.installerAccountId, sites[name].adminAccountId, 'default installer is the site admin');
      assert.equal(typeof i.botAccountId, 'string');
      assert.ok(i.botAccountId.length > 0);
      assert.notEqual(i.botAccountId, i.installerAccountId);
      assert.deepEqual(i.scopes, ['read:jira-work']);
      assert.equal(i.state, 'active');
      assert.ok(iso(i.createdAt) >= t0 - 5000 && iso(i.createdAt) <= Date.now() + 5000, i.createdAt);
      iso(i.updatedAt);
      first[name] = i;
    }
    assert.notEqual(first.alpha.installationId, first.beta.installationId);
    assert.notEqual(first.alpha.botAccountId, first.beta.botAccountId);
    const list = await installs(k, dir);
    assert.equal(list.length, 2, JSON.stringify(list));
    assert.deepEqual(activeOn(list, 'alpha'), first.alpha);
    assert.deepEqual(activeOn(list, 'beta'), first.beta);
  });

  it("installing creates the app's bot user on that site only", async () => {
    const a = await k.getSite('alpha');
    const b = await k.getSite('beta');
    const ta = (await k.userToken('alpha')).token;
    const tb = (await k.userToken('beta')).token;
    for (const [site, tok, other, otherTok, inst] of [[a, ta, b, tb, first.alpha], [b, tb, a, ta, first.beta]]) {
      const q = `/user?accountId=${encodeURIComponent(inst.botAccountId)}`;
      const own = await k.jira(site.cloudId, q, { token: tok });
      expectStatus(own, 200, `bot of ${site.name} on its own site`);
      assert.equal(own.json.accountId, inst.botAccountId);
      assert.equal(own.json.accountType, 'app', describeRes(own));
      const elsewhere = await k.jira(other.cloudId, q, { token: otherTok });
      expectStatus(elsewhere, 404, `bot of ${site.name} looked up on ${other.name}`);
      // a bot acts only through its app: no API token can be minted for it
      const mint = await k.admin(`/sites/${site.name}/tokens`, { method: 'POST', body: { accountId: inst.botAccountId } });
      expectStatus(mint, 400, `token for the bot of ${site.name}`);
    }
  });

  it('a minor redeploy (code change) moves every installation to 1.1.0 at once', async () => {
    writeFileSync(path.join(dir, 'src/lib.js'),
      "export const MARKER = 'lib-marker-v2';\nexport function answer() {\n  return 43;\n}\n");
    const v = await deploy(k, dir);
    checkVersion(v, { version: '1.1.0', ari: app.ari, scopes: ['read:jira-work'] });
    assert.ok(v.seq > first.v1.seq, `seq grows: ${first.v1.seq} then ${v.seq}`);
    const list = await installs(k, dir);
    for (const site of ['alpha', 'beta']) {
      const i = activeOn(list, site);
      assert.equal(i.version, '1.1.0', `${site}: ${JSON.stringify(i)}`);
      assert.equal(i.major, 1);
      assert.equal(i.installationId, first[site].installationId, 'same installation');
    }
    assert.deepEqual((await versions(k, dir)).map((x) => x.version), ['1.0.0', '1.1.0']);
    // The newest snapshot carries the new code.
    const tars = snapshotTars(k, app.id);
    assert.equal(tars.length, 2);
    const codes = tars.map((t) => tarRead(t, '.kiln/functions/index.cjs').toString('utf8'));
    assert.equal(codes.filter((c) => c.includes('lib-marker-v2')).length, 1, 'one snapshot has the new code');
    assert.equal(codes.filter((c) => c.includes('lib-marker-v1')).length, 1, 'the old snapshot is immutable');
  });

  it('a redeploy with a new scope is a new major (2.0.0); both sites stay on 1.1.0', async () => {
    addScope(dir, 'write:jira-work');
    const v = await deploy(k, dir);
    checkVersion(v, { version: '2.0.0', ari: app.ari, scopes: ['read:jira-work', 'write:jira-work'] });
    const list = await installs(k, dir);
    for (const site of ['alpha', 'beta']) {
      const i = activeOn(list, site);
      assert.equal(i.version, '1.1.0', `${site} keeps its consented major: ${JSON.stringify(i)}`);
      assert.equal(i.major, 1);
      assert.deepEqual(i.scopes, ['read:jira-work'], `${site} keeps its consented scopes`);
    }
    const envs = await okJson(k, ['environments', 'list', dir, '--json']);
    assert.equal(envs.environments.find((e) => e.key === 'development').latest?.version, '2.0.0');
  });

  it('install --upgrade on one site moves it to 2.0.0; the other stays on 1.1.0', async () => {
    const i = await okJson(k, ['install', '--site', 'alpha', '--upgrade', '--confirm-scopes', '--json'], { cwd: dir });
    assert.equal(i.site, 'alpha');
    assert.equal(i.version, '2.0.0');
    assert.equal(i.major, 2);
    assert.equal(i.state, 'active');
    assert.equal(i.installationId, first.alpha.installationId, 'an upgrade keeps the installation');
    assert.deepEqual([...i.scopes].sort(), ['read:jira-work', 'write:jira-work']);
    const list = await installs(k, dir);
    assert.equal(activeOn(list, 'alpha').version, '2.0.0');
    const beta = activeOn(list, 'beta');
    assert.equal(beta.version, '1.1.0');
    assert.equal(beta.major, 1);
    assert.deepEqual(beta.scopes, ['read:jira-work']);
  });

  it('upgrading again with nothing pending: 409, exit 1, nothing changes', async () => {
    const before = await allInstalls(k);
    const r = await kiln(k, ['install', '--site', 'alpha', '--upgrade', '--confirm-scopes', '--json'], { cwd: dir });
    failsClearly(r, /No upgrade pending/, 1);
    assert.match(r.stderr, /409/, describeCli(r));
    assert.deepEqual(await allInstalls(k), before);
  });

  it('a later minor (2.1.0) reaches the site on major 2 only', async () => {
    editManifest(dir, (t) => t.replace('    - key: main', '    - key: second\n      handler: index.run\n    - key: main'));
    const v = await deploy(k, dir);
    checkVersion(v, { version: '2.1.0', ari: app.ari });
    const list = await installs(k, dir);
    assert.equal(activeOn(list, 'alpha').version, '2.1.0');
    assert.equal(activeOn(list, 'beta').version, '1.1.0', 'beta has not consented to major 2');
    assert.deepEqual((await versions(k, dir)).map((x) => x.version), ['1.0.0', '1.1.0', '2.0.0', '2.1.0']);
    const seqs = (await versions(k, dir)).map((x) => x.seq);
    assert.equal(new Set(seqs).size, 4, `distinct seqs ${seqs}`);
  });

  it('install errors answer with one line and change nothing', async () => {
    const before = await allInstalls(k);
    // unknown site
    failsClearly(await kiln(k, ['install', '--site', 'no-such-site', '--confirm-scopes'], { cwd: dir }), /404|no such site/i, 1);
    // duplicate install
    const dup = await kiln(k, ['install', '--site', 'beta', '--confirm-scopes'], { cwd: dir });
    failsClearly(dup, /409/, 1);
    // an environment that was never deployed
    failsClearly(await kiln(k, ['install', '--site', 'beta', '--confirm-scopes', '-e', 'staging'], { cwd: dir }), /409/, 1);
    // an environment the app does not have
    failsClearly(await kiln(k, ['install', '--site', 'beta', '--confirm-scopes', '-e', 'nosuchenv'], { cwd: dir }), undefined, 1);
    // an app kiln does not know
    const stranger = basicApp('stranger');
    editManifest(stranger, (t) => t.replace('app:\n', `app:\n  id: ari:cloud:ecosystem::app/${randomUUID()}\n`));
    failsClearly(await kiln(k, ['install', '--site', 'beta', '--confirm-scopes'], { cwd: stranger }), /404|no such app/i, 1);
    // --upgrade where nothing is installed
    failsClearly(await kiln(k, ['install', '--site', 'beta', '--upgrade', '--confirm-scopes', '-e', 'staging'], { cwd: dir }));
    assert.deepEqual(await allInstalls(k), before, 'failed installs changed nothing');
  });

  it('uninstall marks the installation removed with a purge date after the retention', async () => {
    const t0 = Date.now();
    ok(await kiln(k, ['uninstall', '--site', 'beta'], { cwd: dir }));
    const list = await installs(k, dir);
    const removed = list.filter((i) => i.site === 'beta');
    assert.equal(removed.length, 1, JSON.stringify(list));
    betaRemoved = removed[0];
    assert.equal(betaRemoved.installationId, first.beta.installationId);
    assert.equal(betaRemoved.state, 'removed');
    assert.equal(betaRemoved.purged, false);
    const at = iso(betaRemoved.removedAt);
    assert.ok(at >= t0 - 5000 && at <= Date.now() + 5000, `removedAt ${betaRemoved.removedAt} is now`);
    assert.equal(iso(betaRemoved.purgeAfter) - at, DAY_MS, '--retention-days 1: purgeAfter = removedAt + 1 day');
    assert.equal(activeOn(list, 'alpha').version, '2.1.0', 'alpha is untouched');
    // Nothing is installed there any more: uninstalling again is an error.
    const again = await kiln(k, ['uninstall', '--site', 'beta'], { cwd: dir });
    assert.notEqual(again.code, 0, `uninstalling twice fails\n${describeCli(again)}`);
  });

  it('reinstall after uninstall gets a new installation id on the newest version', async () => {
    const i = await install(k, dir, 'beta');
    assert.notEqual(i.installationId, first.beta.installationId, 'a new installation');
    assert.equal(i.state, 'active');
    assert.equal(i.version, '2.1.0', 'a fresh install consents to the newest version');
    assert.equal(i.major, 2);
    const list = await installs(k, dir);
    assert.deepEqual(activeOn(list, 'beta'), i);
    const old = list.find((x) => x.installationId === first.beta.installationId);
    assert.equal(old?.state, 'removed', 'the removed installation is still listed until purged');
  });

  it('purge honours the retention: nothing before removedAt + 1 day, the removed installation after', async () => {
    const at = iso(betaRemoved.removedAt);
    const none = await okJson(k, ['purge', '--now', String(at + DAY_MS - 1), '--json']);
    assert.deepEqual(none, { purged: 0 });
    const none2 = await okJson(k, ['purge', '--json']);
    assert.equal(none2.purged, 0, 'a purge now purges nothing retained');
    let list = await installs(k, dir);
    assert.equal(list.find((x) => x.installationId === betaRemoved.installationId)?.purged, false);
    // A dashboard gadget's configuration (web/uiframes.c keeps it as a property of its
    // installation) of the removed installation, and one of an active installation.
    const gadget = (site, installationId) => k.sql(`INSERT INTO entity_properties VALUES ((SELECT id FROM sites WHERE name = '${site}'), 'gadget', '${installationId}', 'g', '{"n":1}', 1, 1)`);
    const gadgets = (installationId) => k.sql(`SELECT count(*) FROM entity_properties WHERE entity = 'gadget' AND entity_id = '${installationId}'`);
    gadget('beta', betaRemoved.installationId);
    gadget('alpha', first.alpha.installationId);

    const one = await okJson(k, ['purge', '--now', String(at + DAY_MS + 1), '--json']);
    assert.deepEqual(one, { purged: 1 });
    list = await installs(k, dir);
    const gone = list.find((x) => x.installationId === betaRemoved.installationId);
    assert.ok(gone, `the purged installation is still listed: ${JSON.stringify(list)}`);
    assert.equal(gone.state, 'removed');
    assert.equal(gone.purged, true, JSON.stringify(gone));
    assert.equal(gone.removedAt, betaRemoved.removedAt);
    assert.equal(activeOn(list, 'alpha').installationId, first.alpha.installationId, 'active installs are never purged');
    assert.equal(activeOn(list, 'beta').state, 'active', 'the reinstall is not purged');
    assert.equal(gadgets(betaRemoved.installationId), '0', 'the purged installation\'s gadget configuration is gone');
    assert.equal(gadgets(first.alpha.installationId), '1', 'an active installation\'s gadget configuration stays');
    const again = await okJson(k, ['purge', '--now', String(at + DAY_MS + 1), '--json']);
    assert.deepEqual(again, { purged: 0 }, 'purging is done once');
    const r = ok(await kiln(k, ['purge', '--now', String(at + 2 * DAY_MS)]));
    assert.match(r.stdout, /purged 0/, describeCli(r));
  });

  it('purge --now rejects a bad time (exit 2)', async () => {
    failsClearly(await kiln(k, ['purge', '--now', 'yesterday']), /--now/, 2);
  });
});

// ---------------------------------------------------------------- register, manifests, bundling

describe('register, manifest errors and bundling', () => {
  let k;

  before(async () => {
    k = await startKiln();
  });

  after(async () => {
    await k?.close();
  });

  it('register replaces an existing app.id line and keeps the rest byte for byte (the example app, CRLF too)', async () => {
    // The shipped example already carries an id: register must replace it.
    const dir = path.join(tempDir('example'), 'project-report');
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.split(path.sep).includes('node_modules') });
    assert.ok(!existsSync(path.join(dir, 'node_modules')), 'copied without node_modules');
    const before = readFileSync(path.join(dir, 'manifest.yml'), 'utf8');
    const oldId = YAML.parse(before).app.id;
    const j = await register(k, dir);
    assert.equal(j.name, 'project-report', 'the default name is the directory name');
    assert.notEqual(j.ari, oldId);
    const after = readFileSync(path.join(dir, 'manifest.yml'), 'utf8');
    const bl = linesOf(before);
    const al = linesOf(after);
    assert.equal(al.length, bl.length, 'same number of lines');
    const diff = bl.map((l, i) => (l === al[i] ? -1 : i)).filter((i) => i >= 0);
    assert.equal(diff.length, 1, `exactly one line differs:\n${after}`);
    assert.equal(al[diff[0]], bl[diff[0]].replace(oldId, j.ari), 'only the id value changed');

    // CRLF line endings, an id line and no trailing newline.
    const crlf = makeApp('crlf-app', {
      'manifest.yml': 'modules:\r\n  function:\r\n    - key: main\r\n      handler: index.run\r\n'
        + 'app:\r\n    # indented by four\r\n    id: ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000\r\n'
        + '    runtime:\r\n        name: nodejs20.x',
      'src/index.js': 'export async function run() { return 1; }\n',
    });
    const b2 = readFileSync(path.join(crlf, 'manifest.yml'), 'utf8');
    const j2 = await register(k, crlf);
    const a2 = readFileSync(path.join(crlf, 'manifest.yml'), 'utf8');
    assert.equal(a2, b2.replace('ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000', j2.ari),
      `CRLF manifest: only the id value changed\n${JSON.stringify(a2)}`);
  });

  it('register --json twice makes two different apps', async () => {
    const dir = basicApp('twice');
    const a = await register(k, dir);
    const b = await register(k, dir);
    assert.notEqual(a.id, b.id);
    assert.equal(appIdOf(dir).ari, b.ari, 'the newest id wins');
    expectStatus(await k.admin(`/apps/${a.id}`), 200);
    expectStatus(await k.admin(`/apps/${b.id}`), 200);
  });

  it('the example app (copied without node_modules) fails to bundle, and deploys once @forge/api and @forge/kvs resolve', async () => {
    const dir = path.join(tempDir('example'), 'project-report');
    cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => !src.split(path.sep).includes('node_modules') });
    await register(k, dir);
    const { uuid, ari } = appIdOf(dir);
    const r = await kiln(k, ['deploy', dir]);
    assert.equal(r.code, 1, describeCli(r));
    assert.match(r.stderr, /Could not resolve "@forge\/api"/, `esbuild's message is shown\n${describeCli(r)}`);
    assert.deepEqual(await versions(k, dir), []);
    assert.deepEqual(snapshotTars(k, uuid), []);

    // A tiny local @forge/api and @forge/kvs (in memory) in node_modules: bundling resolves
    // them into the bundle, and node_modules stays out of the snapshot.
    writeFiles(dir, {
      'node_modules/@forge/kvs/package.json': '{"name":"@forge/kvs","version":"0.0.0-e2e","main":"index.js"}\n',
      'node_modules/@forge/kvs/index.js': [
        'const m = new Map();',
        'exports.kvs = { get: async (k) => m.get(k), set: async (k, v) => { m.set(k, v); } };',
        '',
      ].join('\n'),
      'node_modules/@forge/api/package.json': '{"name":"@forge/api","version":"0.0.0-e2e","main":"index.js"}\n',
      'node_modules/@forge/api/index.js': [
        'exports.__esModule = true;',
        "exports.route = (s, ...v) => s.raw.map((x, i) => x + (i < v.length ? encodeURIComponent(v[i]) : '')).join('');",
        'exports.default = { asApp: () => ({ requestJira: async (url) => ({ ok: true, status: 200,',
        "  headers: { get: () => null }, json: async () => ({ total: 1, isLast: true, values: [{ id: '1', key: 'E2E', name: String(url), projectTypeKey: 'software' }] }) }) }) };",
        '',
      ].join('\n'),
    });
    const v = await deploy(k, dir);
    checkVersion(v, { version: '1.0.0', ari, scopes: ['read:jira-work', 'read:jira-user', 'storage:app'] });
    const [tar] = snapshotTars(k, uuid);
    const names = tarList(tar);
    assert.ok(names.includes('manifest.yml') && names.includes('.kiln/functions/index.cjs'), names.join(', '));
    assert.ok(!names.some((n) => n.startsWith('node_modules')), `node_modules is not packed: ${names}`);
    const mod = loadBundle(tarRead(tar, '.kiln/functions/index.cjs'));
    const cloudId = randomUUID();
    const out = await mod.report({ queryParameters: {} }, { installContext: `ari:cloud:jira::site/${cloudId}` });
    assert.equal(out.statusCode, 200, JSON.stringify(out));
    const body = JSON.parse(out.body);
    assert.equal(body.cloudId, cloudId);
    assert.equal(body.projects[0].key, 'E2E');
    assert.equal(body.projects[0].name, '/rest/api/3/project/search');
    assert.equal(body.previousReport, null, 'the first report has no predecessor');
    const again = JSON.parse((await mod.report({ queryParameters: {} }, { installContext: `ari:cloud:jira::site/${cloudId}` })).body);
    assert.deepEqual(again.previousReport, { generatedAt: body.generatedAt, total: 1, keys: ['E2E'] }, 'the last report comes from app storage');
  });

  it('a TypeScript handler (src/index.ts) is bundled and runs', async () => {
    const dir = makeApp('ts-app', {
      'manifest.yml': 'modules:\n  function:\n    - key: main\n      handler: index.run\napp:\n  runtime:\n    name: nodejs22.x\n',
      'src/index.ts': "import { double } from './math';\n"
        + 'interface Answer { value: number; lang: string }\n'
        + "export async function run(): Promise<Answer> {\n  const n: number = 21;\n  return { value: double(n), lang: 'ts' };\n}\n",
      'src/math.ts': 'export const double = (x: number): number => x * 2;\n',
    });
    await register(k, dir);
    const { uuid } = appIdOf(dir);
    const v = await deploy(k, dir);
    checkVersion(v, { version: '1.0.0', ari: appIdOf(dir).ari, scopes: [] });
    const [tar] = snapshotTars(k, uuid);
    const names = tarList(tar);
    assert.ok(!names.includes('src/index.ts'), `sources are not packed: ${names.join(', ')}`);
    assert.ok(names.includes('.kiln/functions/index.cjs'), `bundle named after the handler file: ${names}`);
    const code = tarRead(tar, '.kiln/functions/index.cjs').toString('utf8');
    assert.doesNotMatch(code, /interface Answer|: Promise</, 'types are stripped');
    assert.deepEqual(await loadBundle(code).run(), { value: 42, lang: 'ts' });
  });

  it('a bundling error: exit 1 with one line naming esbuild\'s error and where, and nothing is deployed', async () => {
    const dir = basicApp('broken-js');
    await register(k, dir);
    const { uuid } = appIdOf(dir);
    await deploy(k, dir);
    const before = await versions(k, dir);
    const tarsBefore = snapshotTars(k, uuid);
    writeFileSync(path.join(dir, 'src/index.js'),
      "import { answer } from './lib.js';\nexport async function run() {\n  return answer( ;\n}\n");
    const r = await kiln(k, ['deploy', dir, '--json']);
    failsClearly(r, /^kiln: bundling src\/index\.js failed: src\/index\.js:3:\d+: Unexpected .*; nothing was deployed$/, 1);
    assert.equal(r.stdout.trim(), '', 'no JSON result on stdout');
    assert.deepEqual(await versions(k, dir), before, 'deploy list unchanged');
    assert.deepEqual(snapshotTars(k, uuid), tarsBefore, 'no new snapshot');

    // A missing import is a bundling error too.
    writeFileSync(path.join(dir, 'src/index.js'), "import { nope } from './missing.js';\nexport async function run() { return nope; }\n");
    const r2 = await kiln(k, ['deploy', dir]);
    failsClearly(r2, /src\/index\.js:1:\d+: Could not resolve "\.\/missing\.js"/, 1);
    assert.deepEqual(await versions(k, dir), before);
  });

  it('manifest errors: exit 1, one line manifest.yml:LINE:COL: path: message, nothing deployed', async () => {
    const dir = basicApp('bad-manifest');
    await register(k, dir);
    const { uuid, ari } = appIdOf(dir);
    await deploy(k, dir);
    const good = readFileSync(path.join(dir, 'manifest.yml'), 'utf8');
    const before = await versions(k, dir);
    const idBlock = `app:\n  id: ${ari}\n  runtime:\n    name: nodejs20.x\n`;
    const cases = [
      ['bad runtime', good.replace('nodejs20.x', 'python3.12'), /^manifest\.yml:\d+:\d+: app\.runtime\.name: /],
      ['handler file missing', good.replace('handler: index.run', 'handler: nofile.run'), /^manifest\.yml:\d+:\d+: /],
      ['not YAML', `${idBlock}modules: [\n`, /^manifest\.yml:\d+:\d+: .*YAML/i],
      ['tab indentation', `${idBlock}modules:\n\tfunction: []\n`, /^manifest\.yml:\d+:\d+: /],
      ['duplicate keys', good.replace('      handler: index.run', '      handler: index.run\n      handler: index.run'),
        /^manifest\.yml:6:\d+: modules\.function\[0\]: duplicate key "handler"/],
      ['too deep', `${idBlock}modules:\n  function:\n    - key: main\n      handler: index.run\nx: ${'['.repeat(100)}${']'.repeat(100)}\n`,
        /^manifest\.yml:\d+:\d+: .*(deep|nesting)/i],
      // a missing app.runtime is Forge's default with a warning (manifest_warnings.test.mjs)
      ['app.runtime not a mapping', `modules:\n  function:\n    - key: main\n      handler: index.run\napp:\n  id: ${ari}\n  runtime: nodejs20.x\n`,
        /^manifest\.yml:7:12: app\.runtime: expected a mapping, found a string$/],
    ];
    for (const [what, text, re] of cases) {
      writeFileSync(path.join(dir, 'manifest.yml'), text);
      const r = await kiln(k, ['deploy', dir, '--json']);
      const line = failsClearly(r, re, 1);
      assert.ok(!line.includes('\n'), what);
    }
    // Over 1 MiB: refused before anything is parsed or uploaded.
    writeFileSync(path.join(dir, 'manifest.yml'), `${good}# ${'x'.repeat(1024 * 1024)}\n`);
    failsClearly(await kiln(k, ['deploy', dir]), /1 MiB/, 1);
    writeFileSync(path.join(dir, 'manifest.yml'), good);
    assert.deepEqual(await versions(k, dir), before, 'no failed deploy recorded a version');
    assert.equal(snapshotTars(k, uuid).length, before.length, 'no failed deploy stored a snapshot');
  });

  it("Forge's numbering: scopes, egress, remotes and the first dynamic webtrigger are majors; the rest minors", async () => {
    const dir = makeApp('majors', {
      'manifest.yml': 'modules:\n  function:\n    - key: main\n      handler: index.run\napp:\n  runtime:\n    name: nodejs20.x\n',
      'src/index.js': 'export async function run() { return 1; }\n',
    });
    await register(k, dir);
    const { ari } = appIdOf(dir);
    const head = `app:\n  id: ${ari}\n  runtime:\n    name: nodejs20.x\n`;
    const fn = 'modules:\n  function:\n    - key: main\n      handler: index.run\n';
    const egress = "permissions:\n  external:\n    fetch:\n      backend:\n        - 'https://example.com'\n";
    const wt = (n, dynamic) => `  webtrigger:\n${Array.from({ length: n }, (_, i) => `    - key: w${i}\n      function: main\n${dynamic ? '      response:\n        type: dynamic\n' : ''}`).join('')}`;
    const steps = [
      ['first deploy', head + fn, '1.0.0'],
      ['same manifest again', head + fn, '1.1.0'],
      ['another function', `${head + fn}    - key: other\n      handler: index.run\n`, '1.2.0'],
      ['egress added', head + fn + egress, '2.0.0'],
      ['a static webtrigger', head + fn + wt(1, false) + egress, '2.1.0'],
      ['the first dynamic webtrigger', head + fn + wt(1, true) + egress, '3.0.0'],
      ['a second dynamic webtrigger', head + fn + wt(2, true) + egress, '3.1.0'],
      ['remotes added', `${head + fn + wt(2, true)}remotes:\n  - key: r\n    baseUrl: https://remote.example.com\n${egress}`, '4.0.0'],
      ['a scope added', `${head + fn + wt(2, true)}remotes:\n  - key: r\n    baseUrl: https://remote.example.com\n${egress}  scopes:\n    - read:jira-work\n`, '5.0.0'],
      ['comment only', `# comment\n${head + fn + wt(2, true)}remotes:\n  - key: r\n    baseUrl: https://remote.example.com\n${egress}  scopes:\n    - read:jira-work\n`, '5.1.0'],
    ];
    const got = [];
    for (const [what, text, want] of steps) {
      writeFileSync(path.join(dir, 'manifest.yml'), text);
      const v = await deploy(k, dir);
      got.push(`${what}: ${v.version}`);
      assert.equal(v.version, want, `${what}\n${got.join('\n')}`);
    }
    assert.deepEqual((await versions(k, dir)).map((v) => v.version), steps.map((s) => s[2]));
  });

  it('deploy to an environment the app does not have fails and records nothing', async () => {
    const dir = basicApp('no-env');
    await register(k, dir);
    const { uuid } = appIdOf(dir);
    const r = await kiln(k, ['deploy', dir, '-e', 'nosuchenv']);
    failsClearly(r, /environment/i, 1);
    assert.deepEqual(snapshotTars(k, uuid, 'nosuchenv'), []);
    const g = await k.admin(`/apps/${uuid}`);
    assert.ok(g.json.environments.every((e) => e.latest === null), JSON.stringify(g.json));
    failsClearly(await kiln(k, ['deploy', dir, '-e', 'Bad_Env']), /environment/i, 2);
  });

  it('deploy of an unregistered app (no app.id) fails clearly', async () => {
    const dir = basicApp('unregistered');
    const r = await kiln(k, ['deploy', dir]);
    failsClearly(r, /app\.id|app: .*id|id/, 1);
  });

  it('three concurrent deploys of one app get consecutive versions and distinct seqs', async () => {
    const dir = basicApp('concurrent');
    await register(k, dir);
    const { uuid } = appIdOf(dir);
    const rs = await Promise.all([0, 1, 2].map(() => kiln(k, ['deploy', dir, '--json'])));
    const vs = rs.map((r) => parseJson(ok(r)));
    const byVersion = vs.map((v) => v.version).sort();
    assert.deepEqual(byVersion, ['1.0.0', '1.1.0', '1.2.0'], JSON.stringify(vs));
    assert.equal(new Set(vs.map((v) => v.seq)).size, 3, `distinct seqs: ${vs.map((v) => v.seq)}`);
    const bySeq = [...vs].sort((a, b) => a.seq - b.seq).map((v) => v.version);
    assert.deepEqual(bySeq, ['1.0.0', '1.1.0', '1.2.0'], 'seq order is version order');
    const list = await versions(k, dir);
    assert.deepEqual(list.map((v) => v.version), ['1.0.0', '1.1.0', '1.2.0']);
    assert.deepEqual(list.map((v) => v.seq), [...vs].sort((a, b) => a.seq - b.seq).map((v) => v.seq));
    assert.equal(snapshotTars(k, uuid).length, 3, 'three snapshots stored');
  });
});

// ---------------------------------------------------------------- environments and distribution

describe('custom environments, distribution links and bot users', () => {
  let k;
  let dir;
  let ari;
  let uuid;
  let demo;
  let plain;

  before(async () => {
    k = await startKiln();
    demo = await k.createSite('demo-site', true);
    plain = await k.createSite('plain-site');
    dir = basicApp('dist-app');
    await register(k, dir);
    ({ ari, uuid } = appIdOf(dir));
    await deploy(k, dir);
  });

  after(async () => {
    await k?.close();
  });

  it('environments create adds a custom environment that deploys and installs on its own', async () => {
    ok(await kiln(k, ['environments', 'create', 'qa', dir]));
    let envs = await okJson(k, ['environments', 'list', dir, '--json']);
    assert.deepEqual(envs.environments.map((e) => e.key).sort(), ['development', 'production', 'qa', 'staging']);
    const qa = envs.environments.find((e) => e.key === 'qa');
    assert.match(qa.id, UUID_RE);
    assert.equal(qa.latest, null);
    const table = ok(await kiln(k, ['environments', 'list', dir]));
    assert.match(table.stdout, /^qa\s+\(not deployed\)$/m, describeCli(table));
    assert.match(table.stdout, /^development\s+1\.0\.0$/m, describeCli(table));

    const v = await deploy(k, dir, 'qa');
    checkVersion(v, { version: '1.0.0', env: 'qa', ari });
    const v2 = await deploy(k, dir, 'qa');
    assert.equal(v2.version, '1.1.0');
    assert.deepEqual((await versions(k, dir, 'qa')).map((x) => x.version), ['1.0.0', '1.1.0']);
    assert.deepEqual((await versions(k, dir)).map((x) => x.version), ['1.0.0'], 'development is independent');
    assert.equal(snapshotTars(k, uuid, 'qa').length, 2);
    envs = await okJson(k, ['environments', 'list', dir, '--json']);
    assert.equal(envs.environments.find((e) => e.key === 'qa').latest?.version, '1.1.0');

    const i = await install(k, dir, 'plain-site', ['-e', 'qa']);
    assert.equal(i.environment, 'qa');
    assert.equal(i.version, '1.1.0');
    const d = await install(k, dir, 'plain-site');
    assert.equal(d.environment, 'development');
    assert.equal(d.version, '1.0.0');
    assert.notEqual(d.installationId, i.installationId, 'one installation per environment');
    assert.notEqual(d.botAccountId, undefined);
    const list = await installs(k, dir);
    assert.deepEqual(list.filter((x) => x.state === 'active').map((x) => x.environment).sort(), ['development', 'qa']);

    ok(await kiln(k, ['uninstall', '--site', 'plain-site', '-e', 'qa'], { cwd: dir }));
    const after = await installs(k, dir);
    assert.equal(after.find((x) => x.installationId === i.installationId)?.state, 'removed');
    assert.equal(after.find((x) => x.installationId === d.installationId)?.state, 'active', 'the other environment stays');
  });

  it('environments create: a duplicate is 409, a bad name exit 2; nothing changes', async () => {
    const before = await okJson(k, ['environments', 'list', dir, '--json']);
    failsClearly(await kiln(k, ['environments', 'create', 'qa', dir]), /409/, 1);
    failsClearly(await kiln(k, ['environments', 'create', 'Not_Valid!', dir]), /environment/i, 2);
    failsClearly(await kiln(k, ['environments', 'create', 'development', dir]), /409/, 1);
    assert.deepEqual(await okJson(k, ['environments', 'list', dir, '--json']), before);
  });

  it('distribute prints a signed link; a site admin installs with it on their own site', async () => {
    const r = ok(await kiln(k, ['distribute', dir]));
    const url = r.stdout.trim();
    const m = new RegExp(`^${k.url.replace(/[.]/g, '\\.')}/install/${uuid}\\?env=development&signature=([0-9a-f]{64})$`).exec(url);
    assert.ok(m, `distribution URL shape: ${url}`);
    const j = await okJson(k, ['distribute', dir, '--json']);
    assert.equal(j.url, url, 'the link is stable');
    assert.equal(j.appId, ari);
    assert.equal(j.environment, 'development');
    const staging = ok(await kiln(k, ['distribute', dir, '-e', 'staging'])).stdout.trim();
    assert.ok(staging.includes('env=staging'), staging);
    assert.notEqual(new URL(staging).searchParams.get('signature'), m[1], 'the signature covers the environment');

    const linkPath = url.slice(k.url.length);
    const before = await allInstalls(k);
    const demoAdmin = (await k.userToken('demo-site')).token;

    // Tampered signature, another app's id with this signature, missing signature: 403.
    const flipped = m[1].slice(0, -1) + (m[1].endsWith('0') ? '1' : '0');
    const bad = [
      linkPath.replace(m[1], flipped),
      linkPath.replace(uuid, randomUUID()),
      linkPath.replace('env=development', 'env=production'),
      linkPath.replace(`&signature=${m[1]}`, ''),
    ];
    for (const p of bad) {
      const res = await k.api(p, { method: 'POST', token: demoAdmin });
      expectStatus(res, 403, `tampered link ${p}`);
    }
    // No token / a wrong token: 401.
    expectStatus(await k.api(linkPath, { method: 'POST' }), 401, 'no token');
    expectStatus(await k.api(linkPath, { method: 'POST', token: 'kiln_u_' + 'A'.repeat(43) }), 401, 'invalid token');
    // A user who is not the site's admin: 403.
    const users = await k.jira(demo.cloudId, '/users/search?maxResults=100', { token: demoAdmin });
    expectStatus(users, 200);
    const member = users.json.find((u) => u.accountId !== demo.adminAccountId && u.accountType === 'atlassian');
    assert.ok(member, `the demo site has a non-admin user: ${users.text}`);
    const memberTok = (await k.userToken('demo-site', member.accountId)).token;
    const asMember = await k.api(linkPath, { method: 'POST', token: memberTok });
    expectStatus(asMember, 403, 'non-admin user');
    assert.deepEqual(await allInstalls(k), before, 'refused link installs changed nothing');

    // The site admin: 201, installed on the admin's own site.
    const res = await k.api(linkPath, { method: 'POST', token: demoAdmin });
    expectStatus(res, 201, 'site admin installs via the link');
    const i = res.json;
    assert.equal(i.site, 'demo-site');
    assert.equal(i.cloudId, demo.cloudId);
    assert.equal(i.appId, ari);
    assert.equal(i.environment, 'development');
    assert.equal(i.version, '1.0.0');
    assert.equal(i.installerAccountId, demo.adminAccountId);
    assert.equal(i.state, 'active');
    assert.match(i.installationId, UUID_RE);
    const list = await installs(k, dir);
    assert.deepEqual(activeOn(list, 'demo-site'), i);

    // Again: already installed.
    expectStatus(await k.api(linkPath, { method: 'POST', token: demoAdmin }), 409, 'second install via the link');
    // The staging link of an environment never deployed: 409, nothing installed.
    const stagingRes = await k.api(staging.slice(k.url.length), { method: 'POST', token: demoAdmin });
    expectStatus(stagingRes, 409, 'link to an undeployed environment');
    assert.equal((await installs(k, dir)).filter((x) => x.environment === 'staging').length, 0);
  });

  it("each site sees only its own installation's bot user", async () => {
    const list = await installs(k, dir);
    const onDemo = activeOn(list, 'demo-site');
    const onPlain = list.find((x) => x.site === 'plain-site' && x.environment === 'development' && x.state === 'active');
    assert.ok(onPlain, JSON.stringify(list));
    assert.notEqual(onDemo.botAccountId, onPlain.botAccountId);
    const demoTok = (await k.userToken('demo-site')).token;
    const plainTok = (await k.userToken('plain-site')).token;
    const q = (id) => `/user?accountId=${encodeURIComponent(id)}`;
    const a = await k.jira(demo.cloudId, q(onDemo.botAccountId), { token: demoTok });
    expectStatus(a, 200);
    assert.equal(a.json.accountType, 'app');
    assert.equal(a.json.accountId, onDemo.botAccountId);
    const b = await k.jira(plain.cloudId, q(onPlain.botAccountId), { token: plainTok });
    expectStatus(b, 200);
    assert.equal(b.json.accountType, 'app');
    expectStatus(await k.jira(plain.cloudId, q(onDemo.botAccountId), { token: plainTok }), 404, 'demo bot on plain');
    expectStatus(await k.jira(demo.cloudId, q(onPlain.botAccountId), { token: demoTok }), 404, 'plain bot on demo');
    // The bot is not a regular user of the demo site's user list of another site either.
    const users = await k.jira(demo.cloudId, '/users/search?maxResults=1000', { token: demoTok });
    expectStatus(users, 200);
    assert.ok(!users.json.some((u) => u.accountId === onPlain.botAccountId), "plain-site's bot is not a demo-site user");
  });

  it("a bot's own token cannot install through a distribution link (not the site admin)", async () => {
    const list = await installs(k, dir);
    const onPlain = list.find((x) => x.site === 'plain-site' && x.environment === 'development' && x.state === 'active');
    const mint = await k.admin('/sites/plain-site/tokens', { method: 'POST', body: { accountId: onPlain.botAccountId } });
    if (mint.status !== 201) {
      // Refusing to mint a token for an app's bot is a fine answer too: then no bot can act as a user.
      assert.ok(mint.status >= 400 && mint.status < 500, `minting a bot token: 201 or a 4xx\n${describeRes(mint)}`);
      return;
    }
    ok(await kiln(k, ['environments', 'create', 'bots', dir]));
    await deploy(k, dir, 'bots');
    const url = ok(await kiln(k, ['distribute', dir, '-e', 'bots'])).stdout.trim();
    const res = await k.api(url.slice(k.url.length), { method: 'POST', token: mint.json.token });
    expectStatus(res, 403, 'bot token on the link');
    assert.equal((await installs(k, dir)).filter((x) => x.environment === 'bots').length, 0);
  });
});

// ---------------------------------------------------------------- the snapshot limit

describe('snapshot size limit (serve --max-snapshot-mb 1)', () => {
  let k;

  before(async () => {
    k = await startKiln({ extraArgs: ['--max-snapshot-mb', '1'] });
  });

  after(async () => {
    await k?.close();
  });

  it('an app dir with a 2 MB file fails to deploy clearly and records nothing; without it, it deploys', async () => {
    const dir = basicApp('too-big');
    writeFiles(dir, {
      'assets/big.bin': randomBytes(2 * 1024 * 1024),
      'package.json': '{"name":"too-big","kiln":{"include":["assets"]}}\n',
    });
    await register(k, dir);
    const { uuid } = appIdOf(dir);
    const r = await kiln(k, ['deploy', dir, '--json']);
    failsClearly(r, /limit|larger|too (big|large)/i, 1);
    assert.match(r.stderr, /1048576|1 ?MiB|1 ?MB/, `the limit is named\n${describeCli(r)}`);
    assert.equal(r.stdout.trim(), '');
    assert.deepEqual(await versions(k, dir), []);
    assert.deepEqual(snapshotTars(k, uuid), []);
    const g = await k.admin(`/apps/${uuid}`);
    assert.ok(g.json.environments.every((e) => e.latest === null), JSON.stringify(g.json));

    // Just under the limit is fine: the limit, not something else, refused the deploy.
    writeFileSync(path.join(dir, 'assets/big.bin'), randomBytes(512 * 1024));
    const v = await deploy(k, dir);
    assert.equal(v.version, '1.0.0');
    assert.ok(v.snapshotBytes > 512 * 1024 && v.snapshotBytes <= 1024 * 1024, JSON.stringify(v));
  });

  it('the server enforces the limit on uploads too (a client that ignores it gets 413)', async () => {
    const u = await k.admin('/uploads', { method: 'POST' });
    expectStatus(u, 201);
    assert.equal(u.json.maxBytes, 1024 * 1024, JSON.stringify(u.json));
    const id = u.json.uploadId;
    const c1 = await k.admin(`/uploads/${id}?offset=0`, {
      method: 'PUT', body: randomBytes(1024 * 1024), headers: { 'content-type': 'application/octet-stream' },
    });
    expectStatus(c1, 200, 'first MiB');
    assert.equal(c1.json.size, 1024 * 1024);
    const c2 = await k.admin(`/uploads/${id}?offset=${1024 * 1024}`, {
      method: 'PUT', body: Buffer.from('x'), headers: { 'content-type': 'application/octet-stream' },
    });
    expectStatus(c2, 413, 'one byte over the limit');
  });
});

/** Resolves once every thread of process `pid` is stopped (state T in /proc): kill()
 * only sends SIGSTOP, and a thread running on the other core goes on for a moment. */
async function allStopped(pid) {
  const state = (t) => {
    try {
      const st = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      return st[st.lastIndexOf(')') + 2]; /* after the thread's name, which may hold ')' */
    } catch {
      return 'T'; /* the thread is gone */
    }
  };
  for (let i = 0; i < 2000; i++) {
    if (readdirSync(`/proc/${pid}/task`).every((t) => state(t) === 'T')) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`process ${pid} did not stop within 2 s of SIGSTOP`);
}

describe('a crash mid-deploy leaves the previous version intact', () => {
  let k;
  before(async () => {
    k = await startKiln();
  });
  after(async () => {
    await k?.close();
  });

  it('SIGKILL while a deploy uploads: the store is intact, every recorded version has its snapshot, deploys go on', async () => {
    // ~12 MB of incompressible bytes: the upload takes several 4 MiB chunks (PUTs)
    const BLOB = 12 * 1024 * 1024;
    const dir = basicApp('crash', { marker: 'crash-v1' });
    writeFileSync(path.join(dir, 'blob.bin'), randomBytes(BLOB));
    await register(k, dir);
    const v1 = await deploy(k, dir);
    assert.equal(v1.version, '1.0.0');
    const { uuid } = appIdOf(dir);

    // Catch the server mid-upload: as soon as an upload's .part file has bytes, stop the
    // server (SIGSTOP) so nothing moves, and check that the upload is partial (fewer bytes
    // than the blob alone). Caught too late (the upload already whole), let it go on and
    // try again with a new version; the test fails if it never catches one.
    const uploads = path.join(k.dataDir, 'uploads');
    const partial = () => (existsSync(uploads) ? readdirSync(uploads).filter((f) => f.endsWith('.part')) : [])
      .map((f) => ({ f, size: statSync(path.join(uploads, f), { throwIfNoEntry: false })?.size ?? 0 }))
      .filter((x) => x.size > 0);
    let expected = ['1.0.0'];
    let caught = null;
    let interrupted = null;
    for (let attempt = 1; attempt <= 5 && !caught; attempt++) {
      writeFileSync(path.join(dir, 'src/lib.js'), `export const MARKER = 'crash-v${attempt + 1}';\nexport function answer() { return 1; }\n`);
      const pending = kiln(k, ['deploy', dir, '--json']);
      let done = null;
      pending.then((r) => { done = r; });
      let seen = [];
      while (!done && seen.length === 0) {
        seen = partial();
        if (seen.length === 0) await new Promise((r) => setImmediate(r));
      }
      if (done) {
        // finished before a chunk was seen: a whole new version
        const v = JSON.parse(ok(done).stdout);
        expected.push(v.version);
        continue;
      }
      k.run.kill('SIGSTOP');
      await allStopped(k.run.pid);
      const frozen = partial();
      if (frozen.length === 1 && frozen[0].size < BLOB) {
        caught = frozen[0];
        await k.kill9();
        interrupted = await pending;
      } else {
        k.run.kill('SIGCONT');
        const r = await pending;
        expected.push(JSON.parse(ok(r).stdout).version);
      }
    }
    assert.ok(caught, `the server was stopped mid-upload in one of 5 deploys (versions: ${expected})`);
    const caughtAt = `killed with ${caught.size} bytes of ${caught.f} uploaded`;
    if (process.env.KILN_E2E_DEBUG) console.log(`crash test: killed with ${caught.size} of >= ${BLOB} bytes uploaded (${caught.f})`);
    // the deploy was cut off: it reports failure, and no version came of it
    assert.notEqual(interrupted.code, 0, `a deploy cut off mid-upload must not report success\n${describeCli(interrupted)}`);
    assert.ok(interrupted.stderr.trim().length > 0, `and says why\n${describeCli(interrupted)}`);
    await k.start();

    const list = await versions(k, dir);
    assert.deepEqual(list.map((v) => v.version), expected, `the versions deployed before the kill, and no other (${caughtAt})`);
    const tars = snapshotTars(k, uuid);
    assert.equal(tars.length, expected.length, `one snapshot per recorded version: ${tars}`);
    for (const t of tars) assert.ok(tarList(t).includes('manifest.yml'), `${t} is a whole archive`);

    await k.stop('SIGTERM');
    const check = await runCli(['store', 'check', ...k.storeArgs()]);
    assert.equal(check.code, 0, describeCli(check));
    assert.equal(check.stdout.trim(), 'ok');
    await k.start();

    const next = await deploy(k, dir);
    assert.equal(next.version, `1.${expected.length}.0`, 'the next deploy takes the next minor');
  });
});
