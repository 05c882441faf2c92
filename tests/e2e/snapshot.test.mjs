// Snapshots of what runs (issue 16, point 2): `kiln deploy` of an app with 100+ MB of
// node_modules (generated here in a temp dir) packs the manifest, package.json, the
// bundle, the static resources, what package.json's kiln.include names and only the
// packages a bundle keeps outside: one with a real native addon (compiled here with cc
// against Node's headers) found through esbuild's metafile, one declared in kiln.external
// that reads a file next to itself at run time, and that one's dependency. The function
// runs from that small snapshot in the sandbox. A bundle that fails, a bad kiln.* entry or
// a missing resource: one line, exit 1, the last good version keeps answering.
//
// Run: node --test tests/e2e/snapshot.test.mjs   (needs build/kiln, esbuild, cc and Node's headers)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  startKiln, tempDir, writeFiles, kilnCli as kiln, cliOkJson as okJson, expectCliFailure as failsClearly,
  describeCli,
} from './lib/kiln.mjs';

const BALLAST_PACKAGES = 11; // x 10 MiB: more than 100 MB of node_modules the code never imports
const MiB = 1024 * 1024;

const MANIFEST = `modules:
  function:
    - key: main
      handler: index.run
  jira:issuePanel:
    - key: panel
      resource: ui
      title: Panel
      icon: https://example.com/icon.svg
resources:
  - key: ui
    path: static/ui
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes: []
`;

const INDEX = (marker) => `import { add } from 'native-adder';
import { greeting } from 'reads-file';
import { shout } from 'tiny-dep';
import fs from 'node:fs';
export async function run() {
  return {
    marker: ${JSON.stringify(marker)},
    sum: add(20, 22),
    greeting: shout(greeting()),
    config: fs.readFileSync('config/settings.txt', 'utf8').trim(),
  };
}
`;

// A real N-API addon: add(a, b).
const ADDON_C = `#include <node_api.h>
static napi_value add(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2]; double a, b; napi_value out;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_get_value_double(env, argv[0], &a);
  napi_get_value_double(env, argv[1], &b);
  napi_create_double(env, a + b, &out);
  return out;
}
static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "add", NAPI_AUTO_LENGTH, add, NULL, &fn);
  napi_set_named_property(env, exports, "add", fn);
  return exports;
}
NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
`;

function tarList(tar) {
  return execFileSync('tar', ['-tf', tar], { encoding: 'utf8', maxBuffer: 64 * MiB })
    .split('\n').filter(Boolean).map((n) => n.replace(/^\.\//, '').replace(/\/$/, ''));
}

function snapshotTars(k, uuid) {
  const d = path.join(k.dataDir, 'snapshots', uuid, 'development');
  let names = [];
  try { names = readdirSync(d); } catch { return []; }
  return names.filter((n) => n.endsWith('.tar')).map((n) => path.join(d, n)).sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}

function makeBigApp() {
  const dir = path.join(tempDir('snapshot'), 'big-app');
  writeFiles(dir, {
    'manifest.yml': MANIFEST,
    'package.json': JSON.stringify({ name: 'big-app', private: true, kiln: { external: ['reads-file'], include: ['config'] } }),
    'src/index.js': INDEX('v1'),
    'config/settings.txt': 'settings-from-include\n',
    'static/ui/index.html': '<!doctype html><p>panel</p>\n',
    'node_modules/tiny-dep/package.json': '{"name":"tiny-dep","version":"1.0.0","main":"index.js"}',
    'node_modules/tiny-dep/index.js': 'exports.shout = (s) => s.toUpperCase() + "!";\n',
    'node_modules/tiny-dep/unused.bin': Buffer.alloc(MiB, 7),
    'node_modules/native-adder/package.json': '{"name":"native-adder","version":"1.0.0","main":"index.js"}',
    'node_modules/native-adder/index.js': "module.exports = require('./build/Release/adder.node');\n",
    'node_modules/native-adder/src/adder.c': ADDON_C,
    'node_modules/reads-file/package.json': JSON.stringify({ name: 'reads-file', version: '1.0.0', main: 'index.js', dependencies: { 'dep-of-reads': '1.0.0', 'not-installed': '1.0.0' } }),
    'node_modules/reads-file/index.js': "const fs = require('fs'); const path = require('path'); const dep = require('dep-of-reads');\n"
      + "exports.greeting = () => dep.wrap(fs.readFileSync(path.join(__dirname, 'data', 'greeting.txt'), 'utf8').trim());\n",
    'node_modules/reads-file/data/greeting.txt': 'hello from a file read at run time\n',
    'node_modules/dep-of-reads/package.json': '{"name":"dep-of-reads","version":"1.0.0","main":"index.js"}',
    'node_modules/dep-of-reads/index.js': 'exports.wrap = (s) => `[${s}]`;\n',
  });
  mkdirSync(path.join(dir, 'node_modules/native-adder/build/Release'), { recursive: true });
  execFileSync('cc', ['-shared', '-fPIC', '-O1', '-I/usr/include/node', '-o',
    path.join(dir, 'node_modules/native-adder/build/Release/adder.node'),
    path.join(dir, 'node_modules/native-adder/src/adder.c')]);
  const chunk = Buffer.alloc(10 * MiB);
  for (let i = 0; i < BALLAST_PACKAGES; i++) {
    chunk.fill(i + 1);
    writeFiles(dir, {
      [`node_modules/ballast-${i}/package.json`]: `{"name":"ballast-${i}","version":"1.0.0"}`,
      [`node_modules/ballast-${i}/index.js`]: `module.exports = ${i};\n`,
      [`node_modules/ballast-${i}/lib/data.bin`]: chunk,
    });
  }
  return dir;
}

function duBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += duBytes(p);
    else if (e.isFile()) n += statSync(p).size;
  }
  return n;
}

describe('snapshots hold what runs', () => {
  let k;
  let dir;
  let uuid;
  const invoke = () => kiln(k, ['invoke', 'main', '--site', 'snap', '--json'], { cwd: dir });
  const answer = async () => {
    const r = await invoke();
    assert.equal(r.code, 0, describeCli(r));
    const j = JSON.parse(r.stdout);
    assert.equal(j.ok, true, r.stdout);
    return j.value;
  };

  before(async () => {
    k = await startKiln();
    await k.createSite('snap', true);
    dir = makeBigApp();
    const reg = await okJson(k, ['register', '--json'], { cwd: dir });
    uuid = reg.id;
  });

  after(async () => {
    await k?.close();
  });

  it('an app with 100+ MB of node_modules deploys a small snapshot that runs, native addon and run-time file kept', async () => {
    const nm = duBytes(path.join(dir, 'node_modules'));
    assert.ok(nm > 100 * 1000 * 1000, `node_modules is ${nm} bytes`);
    const v = await okJson(k, ['deploy', '--json'], { cwd: dir });
    assert.equal(v.version, '1.0.0');
    const [tar] = snapshotTars(k, uuid);
    const size = statSync(tar).size;
    assert.ok(size < 10 * 1000 * 1000, `the snapshot is ${size} bytes (under 10 MB)`);
    const names = tarList(tar);
    for (const want of ['manifest.yml', 'package.json', '.kiln/functions/index.cjs', 'static/ui/index.html',
      'config/settings.txt', 'node_modules/native-adder/build/Release/adder.node', 'node_modules/native-adder/index.js',
      'node_modules/reads-file/data/greeting.txt', 'node_modules/dep-of-reads/index.js']) {
      assert.ok(names.includes(want), `the snapshot has ${want}: ${names.join(', ')}`);
    }
    for (const not of ['src/index.js', 'node_modules/tiny-dep/index.js', 'node_modules/tiny-dep/unused.bin',
      'node_modules/ballast-0/lib/data.bin', 'node_modules/not-installed']) {
      assert.ok(!names.some((n) => n === not || n.startsWith(`${not}/`)), `the snapshot leaves out ${not}`);
    }
    assert.ok(!names.some((n) => n.startsWith('node_modules/ballast')), 'no unused package is packed');
    const code = execFileSync('tar', ['-xOf', tar, '.kiln/functions/index.cjs'], { encoding: 'utf8' });
    assert.match(code, /toUpperCase\(\) \+ "!"/, 'tiny-dep is inlined in the bundle');
    assert.match(code, /require\("native-adder"\)/, 'the native addon package is required by name');
    assert.match(code, /require\("reads-file"\)/, 'the declared external is required by name');

    await okJson(k, ['install', '--site', 'snap', '--confirm-scopes', '--json'], { cwd: dir });
    assert.deepEqual(await answer(), {
      marker: 'v1', sum: 42, greeting: '[HELLO FROM A FILE READ AT RUN TIME]!', config: 'settings-from-include',
    });
  });

  it('a bundle that fails: one line naming the cause, exit 1, and the last good version keeps answering', async () => {
    const good = readFileSync(path.join(dir, 'src/index.js'), 'utf8');
    writeFileSync(path.join(dir, 'src/index.js'), good.replace('sum: add(20, 22),', 'sum: add(20, 22, ;'));
    failsClearly(await kiln(k, ['deploy'], { cwd: dir }),
      /^kiln: bundling src\/index\.js failed: src\/index\.js:\d+:\d+: .+; nothing was deployed$/, 1);
    writeFileSync(path.join(dir, 'src/index.js'), `import { x } from 'no-such-package';\n${good}`);
    failsClearly(await kiln(k, ['deploy'], { cwd: dir }), /Could not resolve "no-such-package"/, 1);
    assert.equal(snapshotTars(k, uuid).length, 1, 'no new snapshot');
    assert.equal((await answer()).marker, 'v1', 'the last good version still answers');

    // fixed: the next deploy is the new answer
    writeFileSync(path.join(dir, 'src/index.js'), INDEX('v2'));
    await okJson(k, ['deploy', '--json'], { cwd: dir });
    assert.equal((await answer()).marker, 'v2');
  });

  it('bad kiln.* entries, a declared package that is not installed and a missing resource: one line, exit 1', async () => {
    const pj = path.join(dir, 'package.json');
    const good = readFileSync(pj, 'utf8');
    const cases = [
      [{ kiln: { include: ['../outside'] } }, /kiln\.include\[0\] is not one of relative paths inside the app/],
      [{ kiln: { include: ['/etc'] } }, /kiln\.include\[0\]/],
      [{ kiln: { include: 'config' } }, /kiln\.include must be an array/],
      [{ kiln: { external: ['../../etc'] } }, /kiln\.external\[0\] is not one of package names/],
      [{ kiln: { external: Array.from({ length: 65 }, (_, i) => `p${i}`) } }, /kiln\.external must be an array of at most 64/],
      [{ kiln: { external: ['left-out'] } }, /kiln\.external names left-out, which is not in node_modules/],
      [{ kiln: 'yes' }, /"kiln" must be an object/],
    ];
    for (const [pkg, re] of cases) {
      writeFileSync(pj, JSON.stringify({ name: 'big-app', ...pkg }));
      failsClearly(await kiln(k, ['deploy'], { cwd: dir }), re, 1);
    }
    writeFileSync(pj, '{"name": "big-app",');
    failsClearly(await kiln(k, ['deploy'], { cwd: dir }), /^kiln: package\.json:1:\d+: /, 1);
    writeFileSync(pj, `{"name":"big-app","description":"${'x'.repeat(1024 * 1024)}"}`);
    failsClearly(await kiln(k, ['deploy'], { cwd: dir }), /package\.json is larger than 1048576 bytes/, 1);
    writeFileSync(pj, good);

    // a native addon in the app's own code (not in a package) is refused, not left broken
    const index = readFileSync(path.join(dir, 'src/index.js'), 'utf8');
    writeFileSync(path.join(dir, 'src/index.js'), `const own = require('./own.node');\n${index}`);
    failsClearly(await kiln(k, ['deploy'], { cwd: dir }), /^kiln: src\/index\.js loads the native addon \.\/own\.node: kiln keeps addons only inside a package/, 1);
    writeFileSync(path.join(dir, 'src/index.js'), index);

    const manifest = path.join(dir, 'manifest.yml');
    const m = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, m.replace('path: static/ui', 'path: static/gone'));
    failsClearly(await kiln(k, ['deploy'], { cwd: dir }), /resource ui \(manifest\.yml:\d+\): static\/gone: No such file/, 1);
    writeFileSync(manifest, m.replace('path: static/ui', 'path: ../../etc'));
    failsClearly(await kiln(k, ['deploy'], { cwd: dir }), /resource ui \(manifest\.yml:\d+\): \.\.\/\.\.\/etc is not a relative path inside the app/, 1);
    writeFileSync(manifest, m.replace('path: static/ui', 'path: ./static/ui/'));
    await okJson(k, ['deploy', '--json'], { cwd: dir }); // ./ and a trailing / are the same folder
    assert.ok(tarList(snapshotTars(k, uuid).at(-1)).includes('static/ui/index.html'));
    writeFileSync(manifest, m);
    assert.equal(snapshotTars(k, uuid).length, 3, 'only the good deploy made a snapshot');
    assert.equal((await answer()).marker, 'v2', 'the last good version still answers');
  });
});
