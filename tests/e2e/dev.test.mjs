// `kiln dev` (issue 16, point 3) driven as a child process: it deploys, redeploys on a
// save (not on node_modules churn), prints the app's log lines and one line per
// invocation with site, module, outcome and duration; a save that breaks the bundle
// prints one line and the old answer is still served; SIGINT leaves the last good version
// deployed; the folder disappearing ends it with exit 1.
//
// Run: node --test tests/e2e/dev.test.mjs   (needs build/kiln and esbuild)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  KILN_BIN, startKiln, tempDir, writeFiles, kilnCli as kiln, cliOkJson as okJson, expectCliFailure as failsClearly,
  httpRequest, sleep,
} from './lib/kiln.mjs';

const MANIFEST = `modules:
  webtrigger:
    - key: hook
      function: hook-fn
      response:
        type: dynamic
  function:
    - key: hook-fn
      handler: index.hook
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes: []
`;

const SOURCE = (marker) => `export const hook = async (req) => {
  console.log('hook ran: ${marker}');
  if ((req.queryParameters?.boom || [])[0] === '1') throw new Error('boom asked for');
  return { statusCode: 200, headers: { 'Content-Type': ['text/plain'] }, body: '${marker}' };
};
`;

/** The Node workers below process `root` (boxed or not): their pids. */
function workerPids(root) {
  const all = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))[1]);
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      all.push({ pid: Number(d), ppid, argv });
    } catch { /* gone meanwhile */ }
  }
  const below = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of all) if (below.has(p.ppid) && !below.has(p.pid)) { below.add(p.pid); grew = true; }
  }
  return all.filter((p) => below.has(p.pid) && p.pid !== root && /(^|\/)node$/.test(p.argv[0]) && p.argv.some((a) => /worker\.js$/.test(a)))
    .map((p) => p.pid);
}

async function waitFor(what, fn, ms = 10000) {
  const t0 = Date.now();
  while (!fn()) {
    if (Date.now() - t0 > ms) assert.fail(`${what} (after ${ms} ms)`);
    await sleep(100);
  }
}

/** `kiln dev` as a child: its output as lines, and waits on them. */
function startDev(k, dir, args = []) {
  const env = { ...process.env, KILN_URL: k.url, KILN_DATA: k.dataDir };
  const p = spawn(KILN_BIN, ['dev', '--debounce', '100', ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const d = { p, out: [], err: [], exited: null };
  const split = (arr) => {
    let rest = '';
    return (chunk) => {
      rest += chunk.toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop();
      arr.push(...lines);
    };
  };
  p.stdout.on('data', split(d.out));
  p.stderr.on('data', split(d.err));
  d.exit = new Promise((resolve) => p.on('exit', (code, signal) => { d.exited = { code, signal }; resolve(d.exited); }));
  d.waitFor = async (stream, re, from = 0, ms = 30000) => {
    const t0 = Date.now();
    for (;;) {
      const lines = d[stream];
      for (let i = from; i < lines.length; i++) if (re.test(lines[i])) return { line: lines[i], index: i };
      if (d.exited || Date.now() - t0 > ms) {
        assert.fail(`kiln dev: no ${stream} line matching ${re} (exit ${JSON.stringify(d.exited)})\nstdout:\n${d.out.join('\n')}\nstderr:\n${d.err.join('\n')}`);
      }
      await sleep(50);
    }
  };
  return d;
}

describe('kiln dev', () => {
  let k;
  let dir;
  let site;
  let dev;
  let url;

  const get = async (query = '') => {
    const r = await httpRequest(k.port, new URL(url).pathname + query, { timeout: 30000 });
    return { status: r.status, body: r.body.toString('utf8') };
  };

  before(async () => {
    k = await startKiln();
    site = await k.createSite('devsite', true);
    dir = path.join(tempDir('dev'), 'dev-app');
    writeFiles(dir, { 'manifest.yml': MANIFEST, 'src/index.js': SOURCE('v1') });
    await okJson(k, ['register', '--json'], { cwd: dir });
  });

  after(async () => {
    if (dev && !dev.exited) dev.p.kill('SIGKILL');
    await k?.close();
  });

  it('deploys, prints each invocation and its logs, redeploys on a save, keeps the old answer on a broken save, and SIGINT leaves it deployed', async () => {
    dev = startDev(k, dir);
    const first = await dev.waitFor('out', /^kiln dev: deployed version 1\.0\.0 to development in \d+ ms/);
    await dev.waitFor('out', /^kiln dev: watching /);
    // dev deploys warm: a worker of the new version starts before any invocation
    await waitFor('a worker started by the deploy', () => workerPids(k.proc.pid).length === 1);
    await okJson(k, ['install', '--site', site.name, '--confirm-scopes', '--json'], { cwd: dir });
    url = (await okJson(k, ['webtrigger', 'hook', '--site', site.name, '--json'], { cwd: dir })).url;

    assert.deepEqual(await get(), { status: 200, body: 'v1' });
    await dev.waitFor('out', /^\S+ log +\[devsite hook [0-9a-f]{8}\] hook ran: v1$/, first.index);
    await dev.waitFor('out', /^\S+ call +\[devsite hook [0-9a-f]{8}\] ok in \d+ ms$/, first.index);
    // a failing invocation: outcome error
    assert.equal((await get('?boom=1')).status, 500);
    await dev.waitFor('out', /^\S+ call +\[devsite hook [0-9a-f]{8}\] error in \d+ ms$/, first.index);

    // node_modules churn is not a save
    const before = dev.out.length;
    writeFiles(dir, { 'node_modules/churn/index.js': 'module.exports = 1;\n', 'node_modules/churn/package.json': '{}' });
    await sleep(800);
    assert.ok(!dev.out.slice(before).some((l) => /deployed|not deployed/.test(l)), `no deploy for node_modules churn:\n${dev.out.join('\n')}`);

    // a save: a new version, and the new answer
    writeFileSync(path.join(dir, 'src/index.js'), SOURCE('v2'));
    const second = await dev.waitFor('out', /^kiln dev: deployed version (\S+) to development/, before);
    const goodVersion = /deployed version (\S+)/.exec(second.line)[1];
    assert.notEqual(goodVersion, '1.0.0');
    assert.deepEqual(await get(), { status: 200, body: 'v2' });
    await dev.waitFor('out', /hook ran: v2$/, second.index);

    // a broken save: one line on stderr naming the cause, the old answer still served, still watching
    const errBefore = dev.err.length;
    writeFileSync(path.join(dir, 'src/index.js'), 'export const hook = async () => ({ statusCode: 200, body: ;\n');
    await dev.waitFor('err', /^kiln: bundling src\/index\.js failed: src\/index\.js:1:\d+: .+; nothing was deployed$/, errBefore);
    await dev.waitFor('out', new RegExp(`^kiln dev: not deployed; version ${goodVersion.replace(/\./g, '\\.')} keeps serving`), second.index);
    assert.equal(dev.err.length, errBefore + 1, `one line on stderr:\n${dev.err.join('\n')}`);
    assert.deepEqual(await get(), { status: 200, body: 'v2' });

    // fixed again: dev kept watching
    writeFileSync(path.join(dir, 'src/index.js'), SOURCE('v3'));
    const third = await dev.waitFor('out', /^kiln dev: deployed version (\S+) to development/, second.index + 1);
    const lastVersion = /deployed version (\S+)/.exec(third.line)[1];
    assert.deepEqual(await get(), { status: 200, body: 'v3' });

    dev.p.kill('SIGINT');
    const ex = await dev.exit;
    assert.deepEqual(ex, { code: 0, signal: null });
    assert.match(dev.out.at(-1), new RegExp(`^kiln dev: stopped; version ${lastVersion.replace(/\./g, '\\.')} stays deployed$`));
    assert.deepEqual(await get(), { status: 200, body: 'v3' }, 'the last good version is still deployed');
    const list = await okJson(k, ['deploy', 'list', '--json'], { cwd: dir });
    assert.equal(list.versions.at(-1).version, lastVersion, JSON.stringify(list));
  });

  it('the watched folder disappearing: one line, exit 1', async () => {
    const gone = path.join(tempDir('dev-gone'), 'app');
    writeFiles(gone, { 'manifest.yml': MANIFEST, 'src/index.js': SOURCE('g1') });
    await okJson(k, ['register', '--json'], { cwd: gone });
    const d = startDev(k, gone);
    await d.waitFor('out', /^kiln dev: watching /);
    rmSync(gone, { recursive: true, force: true });
    const ex = await Promise.race([d.exit, sleep(15000).then(() => null)]);
    if (!ex) d.p.kill('SIGKILL');
    assert.deepEqual(ex, { code: 1, signal: null }, `stdout:\n${d.out.join('\n')}\nstderr:\n${d.err.join('\n')}`);
    assert.equal(d.err.length, 1, d.err.join('\n'));
    assert.match(d.err[0], /^kiln: the app folder .* is gone; stopped watching \(version 1\.0\.0 stays deployed\)$/);
  });

  it('kiln deploy starts a worker of the new version only with --warm', async () => {
    const d2 = path.join(tempDir('dev-warm'), 'app');
    writeFiles(d2, { 'manifest.yml': MANIFEST, 'src/index.js': SOURCE('w1') });
    await okJson(k, ['register', '--json'], { cwd: d2 });
    const before = workerPids(k.proc.pid);
    await okJson(k, ['deploy', '--json'], { cwd: d2 });
    await sleep(2000);
    assert.deepEqual(workerPids(k.proc.pid), before, 'no worker for a plain deploy');
    await okJson(k, ['deploy', '--warm', '--json'], { cwd: d2 });
    await waitFor('one more worker after deploy --warm', () => workerPids(k.proc.pid).length === before.length + 1);
    const r = await k.admin(`/apps/${JSON.parse((await kiln(k, ['environments', 'list', '--json'], { cwd: d2 })).stdout).id}/environments/development/versions`, {
      method: 'POST', body: { uploadId: '0'.repeat(32), manifest: 'x', warm: 'yes' },
    });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /"warm" must be true or false/);
  });

  it('a folder linked into the app is watched as the snapshot takes it (its target\'s saves redeploy); a link cycle ends', async () => {
    const base = tempDir('dev-link');
    const app = path.join(base, 'app');
    const shared = path.join(base, 'shared'); // outside the app: the snapshot follows the link to it
    writeFiles(shared, { 'msg.js': "export const msg = 'l1';\n" });
    writeFiles(app, {
      'manifest.yml': MANIFEST,
      'src/index.js': `import { msg } from './shared/msg.js';
export const hook = async () => ({ statusCode: 200, headers: { 'Content-Type': ['text/plain'] }, body: msg });
`,
    });
    symlinkSync(shared, path.join(app, 'src/shared'));
    symlinkSync('..', path.join(app, 'src/loop')); // src/loop/loop/... would never end
    await okJson(k, ['register', '--json'], { cwd: app });
    const d = startDev(k, app);
    try {
      const first = await d.waitFor('out', /^kiln dev: deployed version 1\.0\.0 to development/);
      await d.waitFor('out', /^kiln dev: watching /);
      await okJson(k, ['install', '--site', site.name, '--confirm-scopes', '--json'], { cwd: app });
      const u = (await okJson(k, ['webtrigger', 'hook', '--site', site.name, '--json'], { cwd: app })).url;
      const body = async () => (await httpRequest(k.port, new URL(u).pathname, { timeout: 30000 })).body.toString('utf8');
      assert.equal(await body(), 'l1');
      writeFileSync(path.join(shared, 'msg.js'), "export const msg = 'l2';\n");
      await d.waitFor('out', /^kiln dev: deployed version (\S+) to development/, first.index + 1, 15000);
      assert.equal(await body(), 'l2');
    } finally {
      d.p.kill('SIGINT');
      await d.exit;
    }
  });

  it('bad arguments: one line, exit 2 (or 1 for a folder that is not there)', async () => {
    failsClearly(await kiln(k, ['dev', '--debounce', 'soon'], { cwd: dir }), /--debounce takes 0 to 60000/, 2);
    failsClearly(await kiln(k, ['dev', '--debounce', '99999999'], { cwd: dir }), /--debounce/, 2);
    failsClearly(await kiln(k, ['dev', '-e', 'no such env'], { cwd: dir }), /invalid environment/, 2);
    failsClearly(await kiln(k, ['dev', '--site', '../x'], { cwd: dir }), /invalid site name/, 2);
    failsClearly(await kiln(k, ['dev', path.join(dir, 'nope')], { cwd: dir }), /is not a folder/, 1);
  });
});
