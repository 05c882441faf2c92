#!/usr/bin/env node
// Builds kiln's web UI bundle: every ui/src/<part>/main.jsx is one entry point named
// <part> (host, frame, ...), bundled by esbuild (Debian's /usr/bin/esbuild, or $ESBUILD)
// with React and the @atlaskit packages from ui/node_modules, minified, into
// <out>/<part>.<hash>.js (+ <part>.<hash>.css when it imports CSS). The host is built as
// ESM with code splitting (the shell loads it as type=module): its shared code and lazy
// pages are <out>/chunk.<hash>.js; every other part is one self-contained IIFE.
//
// Promises: <out>/assets.json maps each logical name ("host.js", "host.css") to its hashed
// file name (and each chunk, font, image to itself; "favicon.ico" to the site icon's), and is written LAST, atomically, after every file it names is in place; the
// server (src/web) serves only names listed there. Files of earlier builds are removed so
// <out> holds exactly one build. Nothing is fetched from the network.
//
// Usage: node tools/build-ui.mjs OUT_DIR
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] && path.resolve(process.argv[2]);
if (!out) {
  console.error('usage: build-ui.mjs OUT_DIR');
  process.exit(2);
}
const src = path.join(ROOT, 'ui', 'src');
if (!existsSync(path.join(ROOT, 'ui', 'node_modules', 'react'))) {
  console.error('build-ui: ui/node_modules is missing: run `make deps` (npm ci in ui/)');
  process.exit(1);
}
const parts = readdirSync(src, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(src, d.name, 'main.jsx')))
  .map((d) => d.name)
  .sort();
if (!parts.includes('host')) {
  console.error('build-ui: ui/src/host/main.jsx is missing');
  process.exit(1);
}

const tmp = `${out}.tmp`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
const esbuild = process.env.ESBUILD || 'esbuild';
const common = [
  '--bundle', '--minify', '--target=es2020',
  '--jsx=automatic', '--charset=utf8', '--legal-comments=none', '--log-level=error',
  '--define:process.env.NODE_ENV="production"',
  '--loader:.svg=dataurl', '--loader:.png=dataurl', '--loader:.woff2=file', '--loader:.woff=file',
  '--entry-names=[name].[hash]', '--asset-names=[name].[hash]', '--chunk-names=chunk.[hash]',
  `--outdir=${tmp}`,
];
// The host is split (ESM, loaded by the shell as type=module): the pages it draws
// rarely (projects, search, admin, app pages) and the UI Kit renderer are lazy chunks,
// so the issue view evaluates far less. Every other part (the frame shim, which runs as a
// classic script inside app documents) stays one self-contained IIFE.
const builds = [
  { parts: parts.filter((p) => p === 'host'), flags: ['--format=esm', '--splitting'] },
  { parts: parts.filter((p) => p !== 'host'), flags: ['--format=iife'] },
].filter((b) => b.parts.length);
const assets = {};
for (const [i, b] of builds.entries()) {
  const meta = path.join(tmp, `meta${i}.json`);
  const args = [...b.parts.map((p) => `${p}=${path.join(src, p, 'main.jsx')}`), ...b.flags, ...common, `--metafile=${meta}`];
  const r = spawnSync(esbuild, args, { cwd: path.join(ROOT, 'ui'), stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error || r.status !== 0) {
    console.error(`build-ui: ${esbuild} failed${r.error ? `: ${r.error.message}` : ''}`);
    process.exit(1);
  }
  // logical name -> hashed file, from esbuild's metafile: entry outputs and their CSS;
  // chunks, fonts, images under their own (already hashed) names
  const outputs = JSON.parse(readFileSync(meta, 'utf8')).outputs;
  for (const [file, o] of Object.entries(outputs)) {
    const base = path.basename(file);
    if (o.entryPoint && !base.startsWith('chunk.')) {
      const part = base.split('.')[0];
      assets[`${part}.js`] = base;
      if (o.cssBundle) assets[`${part}.css`] = path.basename(o.cssBundle);
    } else if (!base.endsWith('.css') || base.startsWith('chunk.')) {
      assets[base] = base;
    }
  }
  rmSync(meta);
}
for (const p of parts) if (!assets[`${p}.js`]) throw new Error(`build-ui: no output for ${p}`);
// the site icon (ui/static/favicon.ico), hashed like the rest: the shell links it and
// GET /favicon.ico answers it (src/web/assets.h)
const icon = path.join(ROOT, 'ui', 'static', 'favicon.ico');
const iconName = `favicon.${createHash('sha256').update(readFileSync(icon)).digest('hex').slice(0, 8).toUpperCase()}.ico`;
copyFileSync(icon, path.join(tmp, iconName));
assets['favicon.ico'] = iconName;

// swap in: remove the previous build's files, move the new ones, then assets.json
mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) rmSync(path.join(out, f), { recursive: true, force: true });
for (const f of readdirSync(tmp)) renameSync(path.join(tmp, f), path.join(out, f));
rmSync(tmp, { recursive: true, force: true });
writeFileSync(path.join(out, 'assets.json.tmp'), `${JSON.stringify(assets, null, 2)}\n`);
renameSync(path.join(out, 'assets.json.tmp'), path.join(out, 'assets.json'));
console.log(`build-ui: ${Object.keys(assets).length} assets in ${out}`);
