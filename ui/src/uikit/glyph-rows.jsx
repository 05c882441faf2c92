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
