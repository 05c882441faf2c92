// The body of POST /_ui/v1/frames for a module and extension, and an early copy of that
// request: prefetchFrame() sends it before the component that needs it is drawn (early.js:
// while the bundle's React part is still being evaluated), takeFrame() hands the answer to
// the first CustomUiFrame that asks with the exact same body, once, within PREFETCH_MS;
// anything else sends its own (and a body a frame already asked for
// itself is not sent early again: the view may be drawn before the early request's inputs
// are in). The answer (the context token) stays in this page's memory
// like any frame's; an answer nobody takes is dropped and its token simply expires.
// Where the browser can move a loaded iframe without reloading it (Element.moveBefore), the
// early frame itself is made at once (`park`), from the module's frameUrl (GET
// /_ui/v1/modules lists it) while the frames request is still out: the same element
// CustomUiFrame would draw (frameElement.js), in a holder outside React's root and out of
// sight, its channel opened at its first load with the frame's calls waiting in the port
// (the frame never holds the token; the host answers its calls only once the component has
// the answer and has started the port). The component that takes the answer moves the
// element into its place (CustomUiFrame.jsx) when the answer's frameUrl is the parked
// one's (else the parked frame is dropped). So the frame's document loads while React is
// still drawing the view. A parked frame nobody takes within PREFETCH_MS is removed and
// its port closed.
// Free of React (early.js imports it).
import { api } from '../api.js';
import { boot } from '../boot.js';
import { canMoveFrames, frameAttributes, openChannel } from './frameElement.js';

const PREFETCH_MS = 10000;
const MAX_PREFETCHED = 8;
const early = new Map(); // JSON of the body -> {at, promise}
const asked = new Set(); // bodies a frame has already asked for itself (no early copy then)

/** What the server checks: appId, moduleKey, environment (when the module names one), extension. */
export function frameBody(module, ext) {
  return {
    appId: module.appId,
    moduleKey: module.moduleKey || module.key,
    ...(module.environment ? { environment: module.environment } : {}),
    extension: ext,
  };
}

let holder = null; // the parked frames' holder: a child of <body>, outside React's root
function parkingLot() {
  if (holder && holder.isConnected) return holder;
  holder = document.createElement('div');
  holder.setAttribute('aria-hidden', 'true');
  holder.style.cssText = 'position:absolute;left:-10000px;top:0;width:800px;overflow:hidden';
  document.body.appendChild(holder);
  return holder;
}

const onUiOrigin = (url) => {
  try {
    return !!boot.uiOrigin && new URL(url).origin === new URL(boot.uiOrigin).origin;
  } catch {
    return false;
  }
};

function drop(parked) {
  parked.iframe.remove();
  if (parked.port) parked.port.close();
}

/** A module's frame made now, from its page's URL: {url, iframe, port, onPort, taken}. */
function park(url, module) {
  const moduleKey = module.moduleKey || module.key;
  const iframe = document.createElement('iframe');
  for (const [a, v] of Object.entries(frameAttributes(url, module.title || moduleKey, moduleKey))) iframe.setAttribute(a, v);
  iframe.style.cssText = 'width:100%;height:240px;border:0;display:block';
  iframe.setAttribute('data-testid', 'customui-frame-parked'); // customui-frame once in its place
  const parked = { url, iframe, port: null, onPort: null, taken: false };
  let loaded = false;
  iframe.addEventListener('load', () => {
    if (loaded) return; // the first document only, as CustomUiFrame's onLoad
    loaded = true;
    parked.port = openChannel(iframe);
    if (parked.onPort && parked.port) parked.onPort(parked.port);
  });
  parkingLot().appendChild(iframe);
  performance.mark('kiln:frame-attached'); // the issue view's timing (tests/browser)
  setTimeout(() => parked.taken || drop(parked), PREFETCH_MS);
  return parked;
}

export function prefetchFrame(module, ext) {
  const body = frameBody(module, ext);
  const k = JSON.stringify(body);
  if (early.has(k) || asked.has(k)) return;
  if (early.size >= MAX_PREFETCHED) early.delete(early.keys().next().value);
  const entry = { at: Date.now(), promise: null, parked: null };
  const parkable = (url) => canMoveFrames() && typeof url === 'string' && onUiOrigin(url);
  if (parkable(module.frameUrl)) entry.parked = park(module.frameUrl, module);
  entry.promise = api('/_ui/v1/frames', { method: 'POST', body }).then(
    (f) => {
      if (!entry.parked && parkable(f && f.frameUrl)) entry.parked = park(f.frameUrl, module);
      return f;
    },
    (e) => {
      if (entry.parked) drop(entry.parked);
      throw e;
    },
  );
  entry.promise.catch(() => {}); // the taker sees the error; nobody may take it at all
  early.set(k, entry);
}

/** The frame's answer: the early one for this exact body if there is one (with `parked`, its
 *  frame already made, for the taker to adopt), else a new request. */
export function requestFrame(body) {
  const k = JSON.stringify(body);
  const e = early.get(k);
  early.delete(k);
  if (e && Date.now() - e.at <= PREFETCH_MS)
    return e.promise.then((f) => {
      const p = e.parked;
      if (!p || !p.iframe.isConnected) return f;
      if (p.url !== f.frameUrl) {
        drop(p); // the server answered another page (a new version since the listing)
        return f;
      }
      p.taken = true;
      return { ...f, parked: p };
    });
  if (asked.size >= MAX_PREFETCHED) asked.delete(asked.values().next().value);
  asked.add(k);
  return api('/_ui/v1/frames', { method: 'POST', body });
}
