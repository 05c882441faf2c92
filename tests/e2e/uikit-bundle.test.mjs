// UI Kit resources bundled at deploy (issue 19; docs/apps.md "Deploy", docs/ui.md "UI Kit"):
// a `render: native` module whose resource is a FILE (`path: src/frontend/index.jsx`, as
// Forge apps are written) is bundled for the browser by `kiln deploy` with the real
// @forge/react from the app's node_modules (examples/global-page-uikit's, linked): the
// snapshot holds .kiln/resources/<key>/{index.html,index.js,index.css,assets/...} and not
// the sources. A bad JSX entry, a missing import and a bundle over the limit stop the
// deploy with one line naming esbuild's first error and the resource's manifest line;
// nothing is deployed. `kiln dev` rebundles on a save of the entry (it redeploys).
//
// Run: node --test tests/e2e/uikit-bundle.test.mjs   (needs build/kiln, esbuild, make deps)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  KILN_BIN, ROOT, sleep, startKiln, tempDir, writeFiles, kilnCli as kiln, cliOkJson as okJson, expectCliFailure as failsClearly,
} from './lib/kiln.mjs';

const MANIFEST = `modules:
  jira:globalPage:
    - key: page
      resource: main
      render: native
      resolver:
        function: resolver
      title: Bundled page
  function:
    - key: resolver
      handler: index.handler
resources:
  - key: main
    path: src/frontend/index.jsx
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes: []
`;
const RESOURCE_LINE = MANIFEST.split('\n').indexOf('  - key: main') + 1;

const ENTRY = `import React, { useState } from 'react';
import ForgeReconciler, { Heading, Image, Stack, Text } from '@forge/react';
import { invoke } from '@forge/bridge';
import './page.css';
import logo from './logo.png';

const App = () => {
  const [n] = useState(MARKER);
  return (
    <Stack>
      <Heading as="h2">Bundled at deploy</Heading>
      <Text>{n}</Text>
      <Image src={logo} alt="logo" />
    </Stack>
  );
};
ForgeReconciler.render(<App />);
void invoke;
`;

// the smallest valid PNG (1x1)
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

function snapshotTars(k, uuid) {
  const d = path.join(k.dataDir, 'snapshots', uuid, 'development');
  let names = [];
  try { names = readdirSync(d); } catch { return []; }
  return names.filter((n) => n.endsWith('.tar')).map((n) => path.join(d, n))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
}
const tarList = (tar) => execFileSync('tar', ['-tf', tar], { encoding: 'utf8' })
  .split('\n').filter(Boolean).map((n) => n.replace(/^\.\//, '').replace(/\/$/, ''));
const tarRead = (tar, name) => execFileSync('tar', ['-xOf', tar, name], { encoding: 'utf8', maxBuffer: 64 << 20 });

describe('UI Kit resources are bundled at deploy', () => {
  let k;
  let dir;
  let uuid;
  const entry = (src) => writeFileSync(path.join(dir, 'src/frontend/index.jsx'), src);
  const deployFails = async (pattern) => {
    const before = snapshotTars(k, uuid);
    const r = await kiln(k, ['deploy', '--json'], { cwd: dir });
    failsClearly(r, pattern, 1);
    assert.equal(r.stdout.trim(), '', 'no JSON result on stdout');
    assert.deepEqual(snapshotTars(k, uuid), before, 'no new snapshot');
  };

  before(async () => {
    k = await startKiln();
    dir = path.join(tempDir('uikitbundle'), 'app');
    writeFiles(dir, {
      'manifest.yml': MANIFEST,
      'package.json': JSON.stringify({ name: 'uikit-bundle', private: true }),
      'src/index.js': 'export const handler = async () => ({ ok: true });\n',
      'src/frontend/index.jsx': ENTRY.replace('MARKER', '"v1"'),
      'src/frontend/page.css': '.kiln-test-page { color: rebeccapurple; }\n',
      'src/frontend/logo.png': PNG,
    });
    symlinkSync(path.join(ROOT, 'examples', 'global-page-uikit', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    uuid = (await okJson(k, ['register', '--json'], { cwd: dir })).id;
  });

  after(async () => {
    await k?.close();
  });

  it('the entry file is bundled for the browser into .kiln/resources/main with an index.html; sources stay out', async () => {
    const v = await okJson(k, ['deploy', '--json'], { cwd: dir });
    assert.equal(v.version, '1.0.0');
    const [tar] = snapshotTars(k, uuid);
    const names = tarList(tar);
    for (const want of ['.kiln/resources/main/index.html', '.kiln/resources/main/index.js',
      '.kiln/resources/main/index.css']) {
      assert.ok(names.includes(want), `the snapshot has ${want}: ${names.join(', ')}`);
    }
    const asset = names.find((n) => /^\.kiln\/resources\/main\/assets\/logo-[A-Z0-9]+\.png$/.test(n));
    assert.ok(asset, `the imported image is a file under assets/: ${names.join(', ')}`);
    assert.ok(!names.some((n) => n.startsWith('src/frontend')), `sources are not packed: ${names.join(', ')}`);
    assert.ok(!names.some((n) => n.startsWith('node_modules')), 'nothing of node_modules is packed');
    const html = tarRead(tar, '.kiln/resources/main/index.html');
    assert.match(html, /<script src="index\.js"><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="index\.css" \/>/);
    const js = tarRead(tar, '.kiln/resources/main/index.js');
    assert.match(js, /Bundled at deploy/, 'the app code is in the bundle');
    assert.match(js, new RegExp(`assets/${path.basename(asset).replace('.', '\\.')}`), 'the image is referenced by its hashed name');
    assert.doesNotMatch(js, /process\.env\.NODE_ENV/, 'NODE_ENV is defined at bundle time');
    assert.doesNotMatch(js, /Each child in a list should have a unique/, "React's production build, not its development one");
    assert.doesNotMatch(js, /^\s*import\s|require\("react"\)/m, 'one self-contained browser script (React inlined)');
    assert.match(tarRead(tar, '.kiln/resources/main/index.css'), /\.kiln-test-page{color:/, 'the imported CSS');
  });

  it('a bad JSX entry: one line naming the resource, its manifest line and esbuild\'s error; nothing deployed', async () => {
    entry(ENTRY.replace('MARKER', '"v2"').replace('<Text>{n}</Text>', '<Text>{n}</Txt>'));
    await deployFails(new RegExp('^kiln: bundling resource main \\(manifest\\.yml:' + RESOURCE_LINE + '\\) '
      + 'src/frontend/index\\.jsx failed: src/frontend/index\\.jsx:\\d+:\\d+: .+; nothing was deployed$'));
  });

  it('a missing import: one line naming what could not be resolved; nothing deployed', async () => {
    entry(`import { gone } from './missing.js';\n${ENTRY.replace('MARKER', 'gone')}`);
    await deployFails(new RegExp('^kiln: bundling resource main \\(manifest\\.yml:' + RESOURCE_LINE + '\\) '
      + 'src/frontend/index\\.jsx failed: src/frontend/index\\.jsx:1:\\d+: Could not resolve "\\./missing\\.js"; '
      + 'nothing was deployed$'));
    entry(`import { Nope } from '@forge/not-installed';\n${ENTRY.replace('MARKER', 'Nope')}`);
    await deployFails(/src\/frontend\/index\.jsx:1:\d+: Could not resolve "@forge\/not-installed"/);
  });

  it('a bundle over the 16 MiB limit stops the deploy with one line', async () => {
    writeFileSync(path.join(dir, 'src/frontend/big.js'), `export default ${JSON.stringify('x'.repeat(17 << 20))};\n`);
    entry(`import big from './big.js';\n${ENTRY.replace('MARKER', 'big')}`);
    await deployFails(new RegExp('^kiln: resource main \\(manifest\\.yml:' + RESOURCE_LINE + '\\): the bundle of '
      + 'src/frontend/index\\.jsx is larger than the limit of 16777216 bytes; nothing was deployed$'));
  });

  it('fixed: the next deploy bundles the new code', async () => {
    entry(ENTRY.replace('MARKER', '"v3-fixed"'));
    const v = await okJson(k, ['deploy', '--json'], { cwd: dir });
    assert.equal(v.version, '1.1.0');
    const tars = snapshotTars(k, uuid);
    assert.equal(tars.length, 2);
    assert.match(tarRead(tars[1], '.kiln/resources/main/index.js'), /v3-fixed/);
  });

  it('JSX in a .js file the entry imports is bundled (as Forge\'s bundler allows: apps keep components in .js)', async () => {
    writeFileSync(path.join(dir, 'src/frontend/Row.js'),
      "import React from 'react';\nimport { Text } from '@forge/react';\n"
      + "export default function Row({ label }) { return <Text>row-in-js {label}</Text>; }\n");
    entry(`import Row from './Row.js';\n${ENTRY.replace('MARKER', '"v4"').replace('<Text>{n}</Text>', '<Row label={n} />')}`);
    const v = await okJson(k, ['deploy', '--json'], { cwd: dir });
    assert.equal(v.version, '1.2.0');
    const tars = snapshotTars(k, uuid);
    assert.match(tarRead(tars[tars.length - 1], '.kiln/resources/main/index.js'), /row-in-js/, 'the .js component is in the bundle');
  });
});

describe('kiln dev rebundles a UI Kit entry on save', () => {
  let k;
  let dir;
  let uuid;
  let p;

  before(async () => {
    k = await startKiln();
    dir = path.join(tempDir('uikitdev'), 'app');
    writeFiles(dir, {
      'manifest.yml': MANIFEST,
      'package.json': JSON.stringify({ name: 'uikit-dev', private: true }),
      'src/index.js': 'export const handler = async () => ({ ok: true });\n',
      'src/frontend/index.jsx': ENTRY.replace('MARKER', '"dev-v1"'),
      'src/frontend/page.css': '.p { color: red; }\n',
      'src/frontend/logo.png': PNG,
    });
    symlinkSync(path.join(ROOT, 'examples', 'global-page-uikit', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    uuid = (await okJson(k, ['register', '--json'], { cwd: dir })).id;
  });

  after(async () => {
    if (p && p.exitCode === null) p.kill('SIGKILL');
    await k?.close();
  });

  it('a save of the entry deploys its new bundle; a broken save prints one line naming the resource', async () => {
    const out = [];
    const err = [];
    p = spawn(KILN_BIN, ['dev', '--debounce', '100'], {
      cwd: dir, env: { ...process.env, KILN_URL: k.url, KILN_DATA: k.dataDir }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout.on('data', (c) => out.push(...c.toString('utf8').split('\n').filter(Boolean)));
    p.stderr.on('data', (c) => err.push(...c.toString('utf8').split('\n').filter(Boolean)));
    const waitFor = async (lines, re, from = 0) => {
      const t0 = Date.now();
      for (;;) {
        const i = lines.findIndex((l, j) => j >= from && re.test(l));
        if (i >= 0) return i;
        if (p.exitCode !== null || Date.now() - t0 > 60000) {
          assert.fail(`kiln dev: no line matching ${re}\nstdout:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`);
        }
        await sleep(50);
      }
    };
    await waitFor(out, /^kiln dev: watching /);
    const latest = () => tarRead(snapshotTars(k, uuid).at(-1), '.kiln/resources/main/index.js');
    assert.match(latest(), /dev-v1/);

    const n = out.length;
    writeFileSync(path.join(dir, 'src/frontend/index.jsx'), ENTRY.replace('MARKER', '"dev-v2"'));
    const i = await waitFor(out, /^kiln dev: deployed version 1\.1\.0 /, n);
    assert.match(latest(), /dev-v2/, 'the saved entry was bundled again');

    writeFileSync(path.join(dir, 'src/frontend/index.jsx'), ENTRY.replace('MARKER', '"dev-v3"').replace('</Stack>', '</Stak>'));
    await waitFor(err, new RegExp('^kiln: bundling resource main \\(manifest\\.yml:' + RESOURCE_LINE + '\\) src/frontend/index\\.jsx failed: '));
    await waitFor(out, /^kiln dev: not deployed; version 1\.1\.0 keeps serving/, i);
    assert.match(latest(), /dev-v2/, 'the last good bundle stays');
    p.kill('SIGINT');
    await new Promise((r) => (p.exitCode !== null ? r() : p.on('exit', r)));
  });
});
