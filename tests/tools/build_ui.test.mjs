// tools/build-ui.mjs: every ui/src/<part>/main.jsx becomes <part>.<hash>.js (+ .css),
// assets.json names exactly the files that are there, the output is valid UTF-8 (the
// server sends it with charset=utf-8: the @atlaskit code has non-ASCII literals), and a second build into the same folder leaves no stale files of
// the first; a missing output folder argument is a usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOOL = path.join(ROOT, 'tools', 'build-ui.mjs');
const build = (out) => spawnSync(process.execPath, [TOOL, out], { encoding: 'utf8' });

test('build-ui writes hashed bundles and an assets.json naming exactly them', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-build-ui-'));
  const out = path.join(dir, 'ui');
  try {
    const r = build(out);
    assert.equal(r.status, 0, r.stderr);
    const assets = JSON.parse(readFileSync(path.join(out, 'assets.json'), 'utf8'));
    assert.match(assets['host.js'], /^host\.[A-Z0-9]{8}\.js$/);
    assert.match(assets['host.css'], /^host\.[A-Z0-9]{8}\.css$/);
    const files = readdirSync(out).filter((f) => f !== 'assets.json').sort();
    assert.deepEqual(files, [...new Set(Object.values(assets))].sort());
    const js = readFileSync(path.join(out, assets['host.js']));
    assert.ok(js.length > 1000);
    assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(js), 'the bundle is UTF-8');
    assert.ok(!js.includes('process.env.NODE_ENV'), 'NODE_ENV is defined at build');

    // a stale file of an earlier build goes
    writeFileSync(path.join(out, 'host.OLDHASH0.js'), 'old');
    assert.equal(build(out).status, 0);
    assert.ok(!readdirSync(out).includes('host.OLDHASH0.js'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build-ui without an output folder is a usage error', () => {
  const r = spawnSync(process.execPath, [TOOL], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /usage/);
});
