// One UI Kit module's tree as the host shows it: the ForgeDoc an app frame sent, checked
// (forgedoc.js) and rendered (render.jsx), or a visible refusal naming the first problem
// when the document breaks a limit or a rule. Nothing of a refused document is drawn.
// Pure: no fetches, no frames (UiKitFrame.jsx owns those and hands Frame's in as
// renderFrame), so tests can mount it alone.

import React, { useMemo } from 'react';
import SectionMessage from '@atlaskit/section-message';
import { checkForgeDoc } from './forgedoc.js';
import { renderForgeDoc } from './render.jsx';

export function UiKitView({ forgeDoc, onEvent, searchUsers, lookupUser, renderFrame }) {
  const checked = useMemo(() => (forgeDoc ? checkForgeDoc(forgeDoc) : null), [forgeDoc]);
  if (!checked) return null;
  if (!checked.ok)
    return (
      <div data-testid="uikit-refused">
        <SectionMessage appearance="error" title="This app's UI was refused">
          <p>{checked.error}</p>
        </SectionMessage>
      </div>
    );
  return (
    <div className="kiln-uikit" data-testid="uikit-root">
      {renderForgeDoc(checked.doc, { onEvent, searchUsers, lookupUser, renderFrame })}
    </div>
  );
}
