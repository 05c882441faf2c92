#!/usr/bin/env node
// Writes ui/src/uikit/glyph-table.js, the glyph tables of the UI Kit icon rows: every
// current Icon glyph name of @forge/react (IconNext in @atlaskit/forge-react-types'
// IconProps, from the copy examples/global-page-uikit's lockfile installs: `make deps`)
// mapped to @atlaskit/icon's core icon of that name, and every @atlaskit/object object and
// tile (ui/node_modules); and LEGACY_ICONS: each replaced (pre-2025) Icon name of
// @forge/react 10 (IconReplaced) drawn as the icon @atlaskit/icon's own migration map
// names for it (`migration-map` of @atlaskit/icon 23, the last line with the old glyphs,
// installed as the ui/ dev dependency atlaskit-icon-23; its "a/b" keys are UI Kit's "a-b"),
// when that icon is one of ICONS or another core icon of the installed @atlaskit/icon.
// Fails when a listed name has no core icon.
// Usage: node tools/gen-uikit-glyphs.mjs
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const types = path.join(ROOT, 'examples/global-page-uikit/node_modules/@atlaskit/forge-react-types/src/components/__generated__/IconProps.codegen.tsx');
const ui = path.join(ROOT, 'ui/node_modules/@atlaskit');
const block = /export type IconNext =([\s\S]*?);/.exec(readFileSync(types, 'utf8'))[1];
const next = [...block.matchAll(/'([a-z0-9-]+)'/g)].map((m) => m[1]);
const missing = next.filter((g) => !existsSync(path.join(ui, 'icon/core', `${g}.js`)));
if (missing.length) {
  console.error(`gen-uikit-glyphs: no @atlaskit/icon/core icon for ${missing.join(', ')}`);
  process.exit(1);
}
const replaced = [...(/export type IconReplaced =([\s\S]*?);/.exec(readFileSync(types, 'utf8'))[1]).matchAll(/'([a-z0-9-]+)'/g)].map((m) => m[1]);
const migration = createRequire(import.meta.url)(path.join(ROOT, 'ui/node_modules/atlaskit-icon-23/dist/cjs/migration-map.js')).default;
const byDash = Object.fromEntries(Object.entries(migration).map(([k, v]) => [k.replace(/\//g, '-'), v.newIcon]));
const nextSet = new Set(next);
const legacy = []; // [old name, target core name, in ICONS?]
for (const r of replaced) {
  const n = byDash[r];
  if (!n || n.package !== '@atlaskit/icon' || !/^[a-z0-9-]+$/.test(n.name ?? '')) continue;
  if (nextSet.has(n.name)) legacy.push([r, n.name, true]);
  else if (n.type === 'core' && existsSync(path.join(ui, 'icon/core', `${n.name}.js`))) legacy.push([r, n.name, false]);
}
const extra = [...new Set(legacy.filter((l) => !l[2]).map((l) => l[1]))].sort();
const objs = readdirSync(path.join(ui, 'object/tile')).sort();
const id = (s) => s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase()).replace(/^(\d)/, '_$1');
let o = `// The glyph tables of the UI Kit icon rows (glyphs.jsx): every name @forge/react 11 types as
// Icon's glyph (IconNext in @atlaskit/forge-react-types' IconProps: all are @atlaskit/icon/core
// icons of the same name) and every AtlassianIcon/AtlassianTile glyph (@atlaskit/object's
// objects and tiles). Written by tools/gen-uikit-glyphs.mjs; a name not here is not drawn.
// @atlaskit/icon's core icons are CommonJS files and ui/ is "type": "module", so esbuild
// imports them as Node does (the default import is module.exports): cjsDefault() takes
// their \`default\`.

`;
for (const g of next) o += `import I_${id(g)} from '@atlaskit/icon/core/${g}';\n`;
for (const g of extra) o += `import L_${id(g)} from '@atlaskit/icon/core/${g}';\n`;
for (const g of objs) o += `import O_${id(g)} from '@atlaskit/object/${g}';\n`;
for (const g of objs) o += `import T_${id(g)} from '@atlaskit/object/tile/${g}';\n`;
o += `\nexport const cjsDefault = (m) => (m && typeof m === 'object' && m.default ? m.default : m);\n`;
o += `\nexport const ICONS = {\n${next.map((g) => `  '${g}': cjsDefault(I_${id(g)}),\n`).join('')}};\n`;
o += `\n// replaced Icon names (@forge/react 10) and the core icon @atlaskit/icon's migration map draws for each\n`;
o += `export const LEGACY_ICONS = {\n${legacy.map(([r, n, inNext]) => `  '${r}': ['${n}', ${inNext ? `cjsDefault(I_${id(n)})` : `cjsDefault(L_${id(n)})`}],\n`).join('')}};\n`;
o += `\nexport const OBJECTS = {\n${objs.map((g) => `  '${g}': O_${id(g)},\n`).join('')}};\n`;
o += `\nexport const TILES = {\n${objs.map((g) => `  '${g}': T_${id(g)},\n`).join('')}};\n`;
writeFileSync(path.join(ROOT, 'ui/src/uikit/glyph-table.js'), o);
console.log(`gen-uikit-glyphs: ${next.length} icons, ${legacy.length} of ${replaced.length} replaced names mapped, ${objs.length} objects and tiles`);
