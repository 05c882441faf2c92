// The ForgeDoc a UI Kit app sends: its shape, its limits and the checks of its props.
//
// @forge/react's reconciler (out/reconciler.js) builds a tree of
//   {type: 'Root' | 'Button' | 'String' | ..., props: {...}, children: [...], key}
// and hands it to `self.__bridge.callBridge('reconcile', {forgeDoc})` after every commit.
// Functions in props (onClick, onSubmit, onChange, ...) cannot cross postMessage: kiln's
// frame shim (ui/src/frame/shim.js) replaces each with {__kilnCallback: n} before sending,
// and calls the function when the host posts {callback: n, args} on the frame's port.
//
// checkForgeDoc() is the one gate between what an app frame sends and the renderer: it
// returns {ok: true, doc} with a fresh, plain copy that only holds what the renderer may
// use, or {ok: false, error} naming the first problem (a path into the tree). Promises:
// - at most LIMITS.depth levels, LIMITS.nodes nodes, LIMITS.children children a node,
//   LIMITS.props props a node, LIMITS.string characters a string, LIMITS.bytes in all;
// - type names are identifiers; no prop may carry raw HTML (dangerouslySetInnerHTML,
//   __html), a ref or a style (Forge styles by xcss tokens, not CSS);
// - URL props (href, src, url, ...) must be http(s), mailto or relative: a javascript:,
//   data: (except raster images), vbscript: or other scheme refuses the whole document;
// - an event prop is {__kilnCallback: n} (a positive integer); any other object with
//   __kilnCallback is refused.
// A refused document is shown as a visible error by the renderer; nothing of it renders.

export const LIMITS = Object.freeze({
  depth: 64,
  nodes: 5000,
  children: 1000,
  props: 64,
  string: 65536,
  bytes: 1 << 20,
  arrayItems: 5000,
});

const TYPE_RE = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const PROP_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const FORBIDDEN_PROPS = new Set(['dangerouslySetInnerHTML', '__html', 'ref', 'style', 'srcdoc', 'srcDoc']);
// Props whose string value is a URL the browser may follow or load.
const URL_PROPS = new Set(['href', 'src', 'url', 'action', 'formAction', 'poster', 'backgroundImage', 'imageUrl', 'avatarUrl']);
const RASTER_DATA_RE = /^data:image\/(png|gif|jpeg|webp);base64,[A-Za-z0-9+/=\s]*$/i;

// Whether `u` is a URL kiln lets an app put in a link or an image: absolute http(s) or
// mailto, or relative (no scheme at all); `image` also allows base64 raster data URLs.
export function safeUrl(u, image = false) {
  if (typeof u !== 'string') return false;
  // Browsers ignore these when parsing a scheme ("java\tscript:" is javascript:).
  const s = u.replace(/[\u0000-\u0020\u007f-\u009f]/g, '');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
  if (!m) return true; // relative, or protocol-relative (http(s) by the page's scheme)
  const scheme = m[1].toLowerCase();
  if (scheme === 'http' || scheme === 'https' || scheme === 'mailto') return true;
  return image && scheme === 'data' && RASTER_DATA_RE.test(u);
}

class Refused extends Error {}

function refuse(path, why) {
  const where = !path ? 'forgeDoc' : path.length > 120 ? `…${path.slice(-119)}` : path;
  throw new Refused(`${where}: ${why}`);
}

// Copies a prop value: JSON-like data only, URL props checked, event markers kept.
function copyValue(v, path, budget, depth, key) {
  if (depth > LIMITS.depth) refuse(path, `nested deeper than ${LIMITS.depth} levels`);
  if (v === undefined) return null; // posted as undefined: the same as absent
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    if (v.length > LIMITS.string) refuse(path, `a string longer than ${LIMITS.string} characters`);
    budget.bytes += v.length;
    if (budget.bytes > LIMITS.bytes) refuse(path, `the document is larger than ${LIMITS.bytes} bytes`);
    if (key && URL_PROPS.has(key) && !safeUrl(v, key !== 'href' && key !== 'action' && key !== 'formAction'))
      refuse(path, `unsafe URL ${JSON.stringify(v.slice(0, 40))} (only http, https, mailto or relative)`);
    return v;
  }
  if (Array.isArray(v)) {
    if (v.length > LIMITS.arrayItems) refuse(path, `an array of more than ${LIMITS.arrayItems} items`);
    return v.map((x, i) => copyValue(x, `${path}[${i}]`, budget, depth + 1, key));
  }
  if (typeof v === 'object') {
    if (Object.prototype.hasOwnProperty.call(v, '__kilnCallback')) {
      const n = v.__kilnCallback;
      if (Object.keys(v).length !== 1 || !Number.isSafeInteger(n) || n < 1) refuse(path, 'a malformed event handler');
      return { __kilnCallback: n };
    }
    const keys = Object.keys(v);
    if (keys.length > LIMITS.props) refuse(path, `an object of more than ${LIMITS.props} keys`);
    const out = {};
    for (const k of keys) {
      if (FORBIDDEN_PROPS.has(k)) refuse(`${path}.${k}`, 'not allowed (no raw HTML, refs or styles)');
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') refuse(`${path}.${k}`, 'not allowed');
      out[k] = copyValue(v[k], `${path}.${k}`, budget, depth + 1, URL_PROPS.has(k) ? k : key);
    }
    return out;
  }
  refuse(path, `a ${typeof v} is not a prop value`);
}

function copyNode(n, path, budget, depth) {
  if (depth > LIMITS.depth) refuse(path, `nested deeper than ${LIMITS.depth} levels`);
  if (n === null || typeof n !== 'object' || Array.isArray(n)) refuse(path, 'not a component node');
  if (++budget.nodes > LIMITS.nodes) refuse(path, `more than ${LIMITS.nodes} components`);
  if (typeof n.type !== 'string' || !TYPE_RE.test(n.type)) refuse(path, 'a component without a valid type');
  const here = `${path}/${n.type}`;
  const props = n.props === undefined ? {} : n.props;
  if (props === null || typeof props !== 'object' || Array.isArray(props)) refuse(here, 'props is not an object');
  const keys = Object.keys(props);
  if (keys.length > LIMITS.props) refuse(here, `more than ${LIMITS.props} props`);
  const outProps = {};
  for (const k of keys) {
    if (!PROP_RE.test(k)) refuse(here, `a prop named ${JSON.stringify(k.slice(0, 40))}`);
    if (FORBIDDEN_PROPS.has(k)) refuse(`${here}.${k}`, 'not allowed (no raw HTML, refs or styles)');
    if (k === 'children' || props[k] === undefined) continue;
    outProps[k] = copyValue(props[k], `${here}.${k}`, budget, depth + 1, URL_PROPS.has(k) ? k : null);
  }
  const kids = n.children === undefined ? [] : n.children;
  if (!Array.isArray(kids)) refuse(here, 'children is not an array');
  if (kids.length > LIMITS.children) refuse(here, `more than ${LIMITS.children} children`);
  const key = typeof n.key === 'string' ? n.key.slice(0, 64) : String(budget.nodes);
  return { type: n.type, key, props: outProps, children: kids.map((c, i) => copyNode(c, `${here}[${i}]`, budget, depth + 1)) };
}

// The gate: a checked, plain copy of `doc` or the first reason to refuse it.
export function checkForgeDoc(doc) {
  try {
    return { ok: true, doc: copyNode(doc, '', { nodes: 0, bytes: 0 }, 1) };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, error: e.message };
    if (e instanceof RangeError) return { ok: false, error: 'forgeDoc: nested too deeply' };
    throw e;
  }
}
