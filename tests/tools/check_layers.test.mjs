// tools/check-layers can fail: an upward include, an include between two layers of the
// same rank and a folder without a rank are each reported with FILE:LINE and fail the
// check; a tree whose includes all go downward passes, and so does kiln's own src/.
// --symbols, the linker's view, fails on an archive needing what a higher layer defines
// (a prototype written by hand needs no include) and passes one needing only lower ones.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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

  // lib<layer>.a archives made of the given sources (one object each)
  function archives(layers) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'check-layers-'));
    for (const [layer, code] of Object.entries(layers)) {
      writeFileSync(path.join(dir, `${layer}.c`), code);
      execFileSync('cc', ['-c', '-o', path.join(dir, `${layer}.o`), path.join(dir, `${layer}.c`)]);
      execFileSync('ar', ['rcs', path.join(dir, `lib${layer}.a`), path.join(dir, `${layer}.o`)]);
    }
    return dir;
  }

  it('--symbols fails on a call to a layer above, naming the archive, the object and the symbol', (t) => {
    const dir = archives({
      base: 'int platform_thing(void);\nint base_thing(void) { return platform_thing() + 1; }\n',
      platform: 'int base_thing(void);\nint platform_thing(void) { return 2; }\nint platform_other(void) { return base_thing(); }\n',
    });
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = run('--symbols', dir);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^libbase\.a\(base\.o\): needs platform_thing, which platform \(rank 6\) defines, a layer above it/m);
    assert.match(r.stdout, /1 link-time violation/);
  });

  it('--symbols fails on a call between two layers of the same rank', (t) => {
    const dir = archives({
      http: 'int runtime_thing(void);\nint http_thing(void) { return runtime_thing(); }\n',
      runtime: 'int runtime_thing(void) { return 1; }\n',
    });
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = run('--symbols', dir);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^libhttp\.a\(http\.o\): needs runtime_thing, which runtime defines: http and runtime share rank 4/m);
  });

  it('--symbols passes archives that call only downward and outside kiln', (t) => {
    const dir = archives({
      base: '#include <string.h>\nint base_thing(const char *s) { return (int)strlen(s); }\n',
      platform: 'int base_thing(const char *);\nint platform_thing(void) { return base_thing("x"); }\n',
    });
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const r = run('--symbols', dir);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
