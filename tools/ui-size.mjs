#!/usr/bin/env node
// What the host bundle costs, by what a page loads: builds ui/src/host/main.jsx of the tree
// at ROOT (default: this one) as tools/build-ui.mjs does (ESM, split, minified) into a
// temporary directory and prints, in bytes [minified, gzip -9 per file summed]:
//   the host entry with every chunk it imports statically (what every page loads);
//   each lazy part (the UI Kit renderer, the charts, the UI Kit glyphs) beyond that;
//   the glyphs beyond the host and the UI Kit renderer together.
// Compare two trees side by side: node tools/ui-size.mjs /path/to/other/tree; node tools/ui-size.mjs
// (ROOT/ui/node_modules must exist: `make deps`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(process.argv[2] || path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
const out = mkdtempSync(path.join(tmpdir(), 'kiln-ui-size-'));
const r = spawnSync(process.env.ESBUILD || 'esbuild', [
  `host=${root}/ui/src/host/main.jsx`, '--format=esm', '--splitting', '--bundle', '--minify', '--target=es2020',
  '--jsx=automatic', '--charset=utf8', '--legal-comments=none', '--log-level=error',
  '--define:process.env.NODE_ENV="production"', '--loader:.svg=dataurl', '--loader:.png=dataurl',
  '--loader:.woff2=file', '--loader:.woff=file', '--entry-names=[name].[hash]', '--asset-names=[name].[hash]',
  '--chunk-names=chunk.[hash]', `--outdir=${out}`, `--metafile=${out}/meta.json`,
], { cwd: path.join(root, 'ui'), stdio: 'inherit' });
if (r.status !== 0) process.exit(1);
const outputs = JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8')).outputs;
const size = (f) => {
  const b = readFileSync(path.resolve(root, 'ui', f));
  return [b.length, gzipSync(b, { level: 9 }).length];
};
const closure = (start) => {
  const seen = new Set();
  const go = (f) => {
    if (seen.has(f)) return;
    seen.add(f);
    for (const i of outputs[f].imports) if (i.kind === 'import-statement') go(i.path);
  };
  if (start) go(start);
  return seen;
};
const sum = (files) => [...files].filter((f) => f.endsWith('.js')).map(size).reduce((a, b) => [a[0] + b[0], a[1] + b[1]], [0, 0]);
const entry = (re) => Object.keys(outputs).find((f) => outputs[f].entryPoint && re.test(outputs[f].entryPoint));
const host = closure(entry(/host\/main\.jsx$/));
const beyond = (set, ...others) => new Set([...set].filter((f) => !others.some((o) => o.has(f))));
console.log('host entry + static chunks', sum(host));
const uikit = closure(entry(/uikit\/UiKitFrame\.jsx$/));
for (const [name, re] of [['UI Kit renderer', /uikit\/UiKitFrame\.jsx$/], ['charts', /uikit\/charts\.jsx$/], ['UI Kit glyphs', /uikit\/glyphs\.jsx$/]]) {
  const e = entry(re);
  if (e) console.log(`${name}, beyond the host`, sum(beyond(closure(e), host)));
}
const g = entry(/uikit\/glyphs\.jsx$/);
if (g) console.log('UI Kit glyphs, beyond the host and the UI Kit renderer', sum(beyond(closure(g), host, uikit)));
rmSync(out, { recursive: true, force: true });
