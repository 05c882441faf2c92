#!/usr/bin/env node
// Writes ui/src/uikit/glyph-table.js, the glyph tables of the UI Kit icon rows: every
// current Icon glyph name of @forge/react (IconNext in @atlaskit/forge-react-types'
// IconProps, from the copy examples/global-page-uikit's lockfile installs: `make deps`)
// mapped to @atlaskit/icon's core icon of that name, and every @atlaskit/object object and
// tile (ui/node_modules). Fails when a listed name has no core icon.
// Usage: node tools/gen-uikit-glyphs.mjs
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
for (const g of objs) o += `import O_${id(g)} from '@atlaskit/object/${g}';\n`;
for (const g of objs) o += `import T_${id(g)} from '@atlaskit/object/tile/${g}';\n`;
o += `\nexport const cjsDefault = (m) => (m && typeof m === 'object' && m.default ? m.default : m);\n`;
o += `\nexport const ICONS = {\n${next.map((g) => `  '${g}': cjsDefault(I_${id(g)}),\n`).join('')}};\n`;
o += `\nexport const OBJECTS = {\n${objs.map((g) => `  '${g}': O_${id(g)},\n`).join('')}};\n`;
o += `\nexport const TILES = {\n${objs.map((g) => `  '${g}': T_${id(g)},\n`).join('')}};\n`;
writeFileSync(path.join(ROOT, 'ui/src/uikit/glyph-table.js'), o);
console.log(`gen-uikit-glyphs: ${next.length} icons, ${objs.length} objects and tiles`);
