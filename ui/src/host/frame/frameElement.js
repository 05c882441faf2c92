// A Custom UI frame's <iframe> element and its channel, for the two places that make one:
// CustomUiFrame.jsx (React draws it) and frameRequest.js (early.js parks one before React
// has drawn the view; the component adopts it). Free of React (early.js imports it).
//
// The element: the frame's URL on the UI origin, sandboxed WITHOUT allow-same-origin (the
// app runs in an opaque origin), no referrer, no permissions.
// The channel: at the frame's FIRST load a MessageChannel's port2 goes to the document we
// loaded with {kiln: 'frame-init'}; port1 is returned not started, so the frame's calls
// wait in it until the component sets its onmessage (a MessagePort queues until started).

export const SANDBOX = 'allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-downloads';

/** The attributes of a module's frame element (the component and the parked element alike). */
export function frameAttributes(frameUrl, title, moduleKey) {
  return {
    src: frameUrl,
    title,
    sandbox: SANDBOX,
    referrerpolicy: 'no-referrer',
    allow: '',
    loading: 'eager',
    'data-testid': 'customui-frame',
    'data-module': moduleKey,
  };
}

/** Opens the channel to the document now in `iframe`: posts port2, returns port1 (not started). */
export function openChannel(iframe) {
  const win = iframe && iframe.contentWindow;
  if (!win) return null;
  const ch = new MessageChannel();
  // the frame's document is opaque-origin, so '*' is the only target origin that reaches it:
  // the port goes to the first document we loaded
  win.postMessage({ kiln: 'frame-init', v: 1 }, '*', [ch.port2]);
  return ch.port1;
}

/** Whether this browser can move a loaded iframe into its place without reloading it. */
export const canMoveFrames = () => typeof Element !== 'undefined' && typeof Element.prototype.moveBefore === 'function';
