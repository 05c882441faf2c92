// tools/check-layers can fail: an upward include, an include between two layers of the
// same rank and a folder without a rank are each reported with FILE:LINE and fail the
// check; a tree whose includes all go downward passes, and so does kiln's own src/.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOOL = path.join(ROOT, 'tools', 'check-layers');
const fixture = (name) => path.join(ROOT, 'tests', 'tools', 'fixtures', name);
const run = (...args) => spawnSync(TOOL, args, { encoding: 'utf8' });

describe('tools/check-layers', () => {
  it("passes kiln's own src/", () => {
    const r = run();
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /every include goes downward/);
  });

  it('passes a tree whose includes go downward', () => {
    const r = run('--root', fixture('clean'));
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  it('fails on an upward include, naming the file, the line and the include', () => {
    const r = run('--root', fixture('upward'));
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /^src\/base\/b\.c:3: #include "platform\/p\.h" \/\* a layer above \*\/: base \(rank 0\) may not include platform \(rank 6\)/m);
    assert.match(r.stdout, /1 violation/);
  });

  it('fails on an include between two layers of the same rank', () => {
    const r = run('--root', fixture('sibling'));
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /^src\/http\/h\.c:1: #include "runtime\/r\.h": http and runtime share rank 4/m);
  });

  it('fails on a folder without a rank', () => {
    const r = run('--root', fixture('unranked'));
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /^src\/misc\/: a folder without a rank/m);
  });

  it('gives the link order and a unit test\'s layer', () => {
    assert.equal(run('--below', 'gateway').stdout.trim(), 'gateway http runtime journal auth store base');
    assert.equal(run('--layer-of', path.join(ROOT, 'tests', 'unit', 'test_sandbox.c')).stdout.trim(), 'runtime');
  });
});
