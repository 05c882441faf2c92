// kiln's Custom UI bridge, inside an app's frame: what Forge's host injects as
// `window.__bridge`, the one thing the real @forge/bridge calls (`callBridge(type, payload)`).
//
// It is the first script of every HTML page kiln serves from the UI origin
// (src/web/uiorigin.c injects <script src="/_kiln/frame-shim.js">). The frame runs in a
// sandbox without allow-same-origin (an opaque origin), so it can reach nothing but its
// parent, and only through this channel:
//
//   1. The host (ui/src/host/frame/CustomUiFrame.jsx) posts {kiln: 'frame-init', v: 1}
//      with ONE MessagePort to this window. The shim takes the first such message whose
//      source is window.parent and ignores every later one: the port is the channel, and
//      no other frame or window holds its other end, so nobody else can answer calls or
//      inject events.
//   2. A call is {id, type, payload} on the port; the answer {id, ok, value} or
//      {id, ok: false, error: {name, message}}. Calls made before the port arrives wait.
//   3. Functions in a payload (events.on's callback, Modal's onClose) stay here: they
//      cross as {__kilnCallback: n}; the host calls them back with {callback: n, args}.
//      A UI Kit tree's handlers are numbered by WHERE they are (the node's path of keys
//      and the prop's name): the same button's onClick keeps its number from render to
//      render and calls the newest function, so an event the host sent from a render
//      drawn long ago still lands; a place absent from the last RENDERS_KEPT renders is
//      forgotten (its component is gone): no pile-up.
//   4. The document's height goes to the host as {resize: px} (auto-resize).
// Payloads above MAX_BYTES are refused here (the host refuses them too).
import { plainForgeDoc } from '../uikit/frame.js';

const MAX_BYTES = 1 << 20;
const RENDERS_KEPT = 3;
const MAX_DEPTH = 300; // of a payload's encoding: a UI Kit tree is two levels a component

function install(win) {
  if (win.__bridge) return;
  let port = null;
  const waiting = [];
  const pending = new Map();
  const callbacks = new Map();
  let nextId = 1;
  let nextCb = 1;
  const places = new Map(); // UI Kit handler place -> {n, render it was last seen in}
  let renderNo = 0;

  // functions become callback references (at any depth of plain objects and arrays);
  // `place` (a UI Kit handler's location, see 3. above) reuses that place's number
  const encode = (v, depth = 0, place = null) => {
    if (typeof v === 'function') {
      let n;
      if (place !== null) {
        const seen = places.get(place);
        n = seen ? seen.n : nextCb++;
        places.set(place, { n, render: renderNo });
      } else n = nextCb++;
      callbacks.set(n, v);
      return { __kilnCallback: n };
    }
    if (depth > MAX_DEPTH || v === null || typeof v !== 'object') return v;
    const at = (k) => (place === null ? null : `${place}.${k}`);
    if (Array.isArray(v)) return v.map((x, i) => encode(x, depth + 1, at(i)));
    if (Object.getPrototypeOf(v) !== Object.prototype) return v; // Blob, Date...: structured clone
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = encode(x, depth + 1, at(k));
    return o;
  };

  // A plain ForgeDoc (frame.js) with its handlers numbered by place: a node's place is
  // its parent's plus its key (or its index when it has none) and type.
  const encodeTree = (node, parent, i, depth) => {
    if (!node || typeof node !== 'object' || depth > MAX_DEPTH) return node;
    const place = `${parent}/${node.key ?? `#${i}`}:${node.type}`;
    return {
      ...node,
      props: encode(node.props, depth + 1, `${place}|`),
      children: Array.isArray(node.children) ? node.children.map((c, j) => encodeTree(c, place, j, depth + 1)) : [],
    };
  };
  const encodeReconcile = (payload) => {
    renderNo++;
    const out = { forgeDoc: encodeTree(plainForgeDoc(payload.forgeDoc), '', 0, 0) };
    for (const [place, { n, render }] of places)
      if (render <= renderNo - RENDERS_KEPT) {
        places.delete(place);
        callbacks.delete(n);
      }
    return out;
  };

  const send = (msg) => (port ? port.postMessage(msg) : waiting.push(msg));

  const rawCall = (type, payload) =>
    new Promise((resolve, reject) => {
      if (typeof type !== 'string' || !type) {
        reject(new Error('callBridge: the type must be a non-empty string'));
        return;
      }
      const id = nextId++;
      // UI Kit: @forge/react's live tree, as the host needs it (ui/src/uikit/frame.js),
      // its handlers numbered by place (3. above)
      const isTree = type === 'reconcile' && payload && typeof payload === 'object' && payload.forgeDoc;
      const msg = { id, type, payload: isTree ? encodeReconcile(payload) : encode(payload) };
      let size = 0;
      try {
        size = JSON.stringify(msg.payload ?? null)?.length ?? 0;
      } catch {
        size = 0; // not JSON (a Blob): structured clone decides
      }
      if (size > MAX_BYTES) {
        reject(new Error(`callBridge: the ${type} payload is larger than ${MAX_BYTES} bytes`));
        return;
      }
      pending.set(id, { resolve, reject });
      send(msg);
    });

  // Local shapes the real @forge/bridge expects where the host can only send data.
  // the frame's histories: on a full page the host sends back/forward as {history, action}
  const histories = new Set();
  const memoryHistory = (initial) => {
    const listeners = new Set();
    const h = {
      location: initial || { pathname: '/', search: '', hash: '', state: undefined, key: 'default' },
      action: 'POP',
      listen(cb) {
        listeners.add(cb);
        return () => listeners.delete(cb);
      },
    };
    const go = (action, to, state) => {
      const loc = typeof to === 'string' ? parsePath(to) : { pathname: '/', search: '', hash: '', ...to };
      h.location = { ...loc, state, key: Math.random().toString(36).slice(2, 8) };
      h.action = action;
      rawCall('historyUpdate', { action, location: h.location }).catch(() => {});
      for (const l of [...listeners]) l(h.location, action);
    };
    h.push = (to, state) => go('PUSH', to, state);
    h.replace = (to, state) => go('REPLACE', to, state);
    // on a full page the host page's history moves (and answers with a POP); elsewhere nothing
    h.go = (delta) => {
      rawCall('historyGo', { delta }).catch(() => {});
    };
    h.back = () => h.go(-1);
    h.forward = () => h.go(1);
    histories.add((loc) => {
      h.location = { pathname: '/', search: '', hash: '', key: 'default', ...loc };
      h.action = 'POP';
      for (const l of [...listeners]) l(h.location, 'POP');
    });
    return h;
  };
  const parsePath = (p) => {
    const hashAt = p.indexOf('#');
    const hash = hashAt >= 0 ? p.slice(hashAt) : '';
    const rest = hashAt >= 0 ? p.slice(0, hashAt) : p;
    const qAt = rest.indexOf('?');
    return { pathname: qAt >= 0 ? rest.slice(0, qAt) || '/' : rest || '/', search: qAt >= 0 ? rest.slice(qAt) : '', hash };
  };

  const callBridge = async (type, payload) => {
    const value = await rawCall(type, payload);
    if (type === 'createHistory') return memoryHistory(value && value.location);
    if ((type === 'on' || type === 'onPublic') && value && value.subscriptionId) {
      const id = value.subscriptionId;
      return { unsubscribe: () => rawCall('off', { subscriptionId: id }) };
    }
    return value;
  };

  const onPortMessage = (e) => {
    const m = e.data;
    if (!m || typeof m !== 'object') return;
    if (typeof m.callback === 'number') {
      const cb = callbacks.get(m.callback);
      if (cb) {
        try {
          cb(...(Array.isArray(m.args) ? m.args : []));
        } catch (err) {
          console.error(err); // the app's own callback
        }
      }
      return;
    }
    if (m.history && typeof m.history === 'object' && m.action === 'POP') {
      const loc = {};
      for (const k of ['pathname', 'search', 'hash', 'key']) if (typeof m.history[k] === 'string') loc[k] = m.history[k];
      if ('state' in m.history) loc.state = m.history.state;
      for (const pop of histories) pop(loc);
      return;
    }
    if (typeof m.id !== 'number' || !pending.has(m.id)) return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else {
      const err = new Error((m.error && m.error.message) || 'The bridge call failed');
      if (m.error && typeof m.error.name === 'string') err.name = m.error.name;
      p.reject(err);
    }
  };

  const onWindowMessage = (e) => {
    if (port || e.source !== win.parent || !e.data || e.data.kiln !== 'frame-init' || !e.ports || e.ports.length !== 1)
      return;
    port = e.ports[0];
    win.removeEventListener('message', onWindowMessage);
    port.onmessage = onPortMessage;
    for (const m of waiting.splice(0)) port.postMessage(m);
    watchSize();
  };

  let lastHeight = 0;
  const report = () => {
    const d = win.document;
    const h = Math.ceil(Math.max(d.documentElement ? d.documentElement.scrollHeight : 0, d.body ? d.body.scrollHeight : 0));
    if (h !== lastHeight && port) {
      lastHeight = h;
      port.postMessage({ resize: h });
    }
  };
  const watchSize = () => {
    report();
    if (typeof win.ResizeObserver === 'function') {
      const ro = new win.ResizeObserver(report);
      const start = () => {
        ro.observe(win.document.documentElement);
        if (win.document.body) ro.observe(win.document.body);
      };
      if (win.document.readyState === 'loading') win.document.addEventListener('DOMContentLoaded', start);
      else start();
    }
    win.addEventListener('load', report);
  };

  win.addEventListener('message', onWindowMessage);
  Object.defineProperty(win, '__bridge', { value: Object.freeze({ callBridge }), writable: false, configurable: false });
}

install(window);
