// The ForgeDoc renderer: a checked ForgeDoc (forgedoc.js) to React elements through the
// component table (components.jsx). The only place that turns {__kilnCallback: n} into
// callbacks: each calls `onEvent(id, args)`, which UiKitFrame posts to the app's frame.
// An unknown type renders a visible placeholder naming it; its children are not drawn.

import React from 'react';
import { COMPONENTS, placeholder } from './components.jsx';

export function makeRenderContext({ onEvent, searchUsers, lookupUser, renderFrame }) {
  const r = {
    fn: (v) => (v && typeof v === 'object' && typeof v.__kilnCallback === 'number' ? (...args) => onEvent(v, args) : undefined),
    kids: (n) => n.children.map((c) => r.node(c)),
    text: (n) => (n.type === 'String' ? String(n.props.text ?? '') : n.children.map(r.text).join('')),
    node: (n) => {
      const row = Object.prototype.hasOwnProperty.call(COMPONENTS, n.type) ? COMPONENTS[n.type] : null;
      return <React.Fragment key={n.key}>{row ? row(n, r) : placeholder(n.type)}</React.Fragment>;
    },
    searchUsers: searchUsers || (async () => []),
    lookupUser: lookupUser || (async () => null),
    // UI Kit's <Frame resource>: the host's sandboxed frame (UiKitFrame gives it), or null
    frame: renderFrame || (() => null),
  };
  return r;
}

// The app's tree as React elements; `doc` must come from checkForgeDoc().
export function renderForgeDoc(doc, ctx) {
  return makeRenderContext(ctx).node(doc);
}
