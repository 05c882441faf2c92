// The UI Kit row for Frame (<Frame resource="…" frameId?>, @forge/react 11): a Custom UI
// resource of the same app shown inside the UI Kit module. The row draws nothing of its
// own: r.frame(props) is the host's frame (UiKitFrame.jsx: a CustomUiFrame of this module
// with that resource, the server's sandboxed frame on the UI origin, its token bound to
// the module). A resource that is not a resource key, or more than FRAMES_MAX Frames in
// one tree, shows a visible error in its place and makes no frame.

import React from 'react';
import SectionMessage from '@atlaskit/section-message';

export const FRAMES_MAX = 5;
const KEY = /^[A-Za-z0-9_-]{1,23}$/;

const refused = (why) => (
  <div data-kiln-frame-refused="">
    <SectionMessage appearance="error" title="This Frame was not shown">
      <p>{why}</p>
    </SectionMessage>
  </div>
);

export function frameRow(n, r) {
  const res = n.props.resource;
  if (typeof res !== 'string' || !KEY.test(res)) return refused('Its resource must be a resource key of the app.');
  r.frames = (r.frames || 0) + 1;
  if (r.frames > FRAMES_MAX) return refused(`A UI Kit module shows at most ${FRAMES_MAX} Frames.`);
  return r.frame({ resource: res });
}
