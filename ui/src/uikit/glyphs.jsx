// The UI Kit glyph rows' drawing: Icon (@atlaskit/icon's core icons), AtlassianIcon and
// AtlassianTile (@atlaskit/object's objects and tiles), the packages Forge's own UI Kit
// draws them with (@atlaskit/forge-react-types types their props from them). Loaded only
// when an app draws one (glyph-rows.jsx imports this file lazily: its own chunk, as the
// ~400 glyphs are most of its size).
//
// Props as @atlaskit/forge-react-types declares them:
//   Icon           glyph (a core icon name), label, size small|medium|large (large is
//                  drawn medium, as the current @atlaskit/icon does), color or the
//                  deprecated primaryColor (a color.* token)
//   AtlassianIcon  glyph (an object name), label, size small|medium
//   AtlassianTile  glyph, label, size xsmall..xlarge, isBold
// A glyph name that is not in the tables (glyph-table.js) draws nothing but its label, in
// a box that names the glyph (data-kiln-glyph-missing), never another package's icon.

import React from 'react';
import { ICONS, LEGACY_ICONS, OBJECTS, TILES } from './glyph-table.js';
import { tokenValue } from './xcss.js';

const has = (t, k) => typeof k === 'string' && Object.prototype.hasOwnProperty.call(t, k);
const str = (v) => (typeof v === 'string' ? v.slice(0, 200) : undefined);
const color = (v) => (typeof v === 'string' && /^color\.[a-z0-9.]+$/.test(v) ? tokenValue(v) : undefined);

const missing = (kind, glyph, label) => (
  <span data-kiln-glyph-missing={`${kind}:${String(glyph).slice(0, 64)}`} title={label}>
    {label || ''}
  </span>
);

// a current name, or a replaced (pre-2025, @forge/react 10) one drawn as its migration
// map's icon: [the name drawn, its component]
const iconOf = (g) => (has(ICONS, g) ? [g, ICONS[g]] : has(LEGACY_ICONS, g) ? LEGACY_ICONS[g] : null);

function Icon({ p }) {
  const found = iconOf(p.glyph);
  if (!found) return missing('Icon', p.glyph, str(p.label));
  const [name, C] = found;
  return (
    <span data-kiln-icon={name} data-kiln-icon-asked={name === p.glyph ? undefined : p.glyph} style={{ display: 'inline-flex' }}>
      <C label={str(p.label) ?? ''} color={color(p.color) ?? color(p.primaryColor)} size={p.size === 'small' ? 'small' : undefined} />
    </span>
  );
}

function AtlassianIcon({ p }) {
  if (!has(OBJECTS, p.glyph)) return missing('AtlassianIcon', p.glyph, str(p.label));
  const C = OBJECTS[p.glyph];
  return (
    <span data-kiln-object={p.glyph} style={{ display: 'inline-flex' }}>
      <C label={str(p.label)} size={p.size === 'small' || p.size === 'medium' ? p.size : undefined} testId={str(p.testId)} />
    </span>
  );
}

const TILE_SIZES = new Set(['xsmall', 'small', 'medium', 'large', 'xlarge']);
function AtlassianTile({ p }) {
  if (!has(TILES, p.glyph)) return missing('AtlassianTile', p.glyph, str(p.label));
  const C = TILES[p.glyph];
  return (
    <span data-kiln-object-tile={p.glyph} style={{ display: 'inline-flex' }}>
      <C label={str(p.label)} size={TILE_SIZES.has(p.size) ? p.size : undefined} isBold={p.isBold === true} testId={str(p.testId)} />
    </span>
  );
}

const KINDS = { Icon, AtlassianIcon, AtlassianTile };

export default function Glyph({ type, props }) {
  const K = KINDS[type];
  return <K p={props} />;
}
