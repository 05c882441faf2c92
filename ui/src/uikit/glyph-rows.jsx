// The UI Kit glyph rows (Icon, AtlassianIcon, AtlassianTile): each draws glyphs.jsx's
// glyph, loaded lazily so the icon tables (@atlaskit/icon's core icons, @atlaskit/object)
// are a chunk of their own that the host fetches only when an app draws one.

import React, { Suspense, lazy } from 'react';

const Glyph = lazy(() => import('./glyphs.jsx'));

export const GLYPH_TYPES = ['Icon', 'AtlassianIcon', 'AtlassianTile'];

// the fallback keeps the glyph's place (an icon is at most 32 px) without a spinner's flash
const row = (type) => (n) => (
  <Suspense fallback={<span style={{ display: 'inline-block', width: 16, height: 16 }} />}>
    <Glyph type={type} props={n.props} />
  </Suspense>
);

export const GLYPH_ROWS = Object.fromEntries(GLYPH_TYPES.map((t) => [t, row(t)]));

// A Button's iconBefore/iconAfter: UI Kit gives a glyph name, @atlaskit/button/new wants an
// icon component it renders with {label, color, size}. One component per name (kept, so a
// re-render does not remount it); names are Icon's (current or replaced).
const buttonIcons = new Map();
export function buttonIcon(glyph) {
  if (typeof glyph !== 'string' || !glyph || glyph.length > 64) return undefined;
  let C = buttonIcons.get(glyph);
  if (!C) {
    C = function ButtonGlyph({ label, color }) {
      return (
        <Suspense fallback={<span style={{ display: 'inline-block', width: 16, height: 16 }} />}>
          <Glyph type="Icon" props={{ glyph, label: label ?? '', color }} />
        </Suspense>
      );
    };
    if (buttonIcons.size < 512) buttonIcons.set(glyph, C);
  }
  return C;
}
