// <CustomUiFrame module extension/>: a Custom UI module's content. The host side of
// @forge/bridge (docs/ui.md, "Custom UI").
//
// 1. POST /_ui/v1/frames {appId, moduleKey, environment?, extension} -> {token, frameUrl,
//    context, viewportSize}: the token stays here (the frame never sees it) and goes with
//    every server op as X-Kiln-Context; it is renewed before it expires.
// 2. The frame: an <iframe> of frameUrl (the UI origin, never kiln's) sandboxed WITHOUT
//    allow-same-origin: the app runs in an opaque origin, cannot read kiln's cookies or
//    DOM, its UI origin's storage, or script another app's (or its own other) frames.
// 3. The channel: on the frame's first load, a MessageChannel's port goes to it with
//    {kiln: 'frame-init'} (ui/src/frame/shim.js takes only the first, from its parent).
//    Calls arrive on our end of that port only, so no other window can call for this
//    frame or answer it. An answer early.js asked for may come with its frame already made
//    and parked (frameRequest.js, frameElement.js): the same element, sandboxed alike, its
//    channel opened at its first load the same way; it is moved into this component's place
//    (Element.moveBefore keeps its document) and its port, where the calls waited, started. Each message is checked: an object with a numeric id, a known
//    shape, at most MAX_BYTES of JSON; anything else is dropped.
// 4. Ops: invoke and getContext go to the server (POST /_ui/v1/bridge) with the token;
//    view (submit, close, refresh, createHistory), router (navigate, getUrl, reload),
//    showFlag/closeFlag, openModal (another frame of the same resource in a modal), events
//    (emit/on between frames of the same app on this page) are answered here; an op kiln
//    does not support is an error the app sees (requestConfluence included).
//    view.submit/close in a dashboard gadget's edit view (`gadgetEdit`, Gadget.jsx) save
//    its configuration (the server's gadgetConfig op) or leave it.
//    createHistory on a full page (pageHistory.js) is the host page's URL: the frame's
//    pushes and replaces change it, back and forward come to the frame as POP.
// 5. For UI Kit (ui/src/uikit/UiKitFrame.jsx): `extraHandlers` adds bridge types (each
//    called as h(payload, callBack), callBack(ref, args) posting to the frame's
//    {__kilnCallback} ref) and `hidden` keeps the iframe out of sight (the app's code runs
//    there; the host draws what it sends).
// 6. UI Kit's <Frame resource="…"> (ui/src/uikit/UiKitFrame.jsx): `resource` names another
//    resource of the same app; the server makes its frame within the UI Kit module (the
//    module's token, context and checks, the same sandbox and UI origin), never kiln's.
// 7. Consent: when a fetchProduct (requestJira, asUser) answers consentRequired, the app
//    gets that answer and the module's place shows the consent prompt (ConsentPrompt.jsx);
//    Allow reloads the module, Deny says access was not given.
import React, { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api.js';
import { frameBody, requestFrame } from './frameRequest.js';
import { SANDBOX, openChannel } from './frameElement.js';
import { navigate as hostNavigate } from '../router.jsx';
import { ConsentPrompt } from './ConsentPrompt.jsx';
import { bindsPage, checkLocation, frameLocation, pageUrl } from './pageHistory.js';

const MAX_BYTES = 1 << 20;
const RENEW_BEFORE_MS = 60 * 1000;
const HEIGHTS = { small: 200, medium: 400, large: 600, xlarge: 800 };
const frameStyle = (hidden, h) =>
  hidden ? { width: 0, height: 0, border: 0, position: 'absolute', visibility: 'hidden' } : { width: '100%', height: `${h}px`, border: 0, display: 'block' };

// ---- events between frames of one app on this page (events.emit / events.on)
const bus = new Map(); // appId -> Map(subscriptionId -> {event, call})
let nextSub = 1;
function busFor(appId) {
  if (!bus.has(appId)) bus.set(appId, new Map());
  return bus.get(appId);
}

// ---- flags (view's showFlag): a small stack of toasts, one per page
const flagListeners = new Set();
let flags = [];
function setFlags(f) {
  flags = f;
  for (const l of flagListeners) l(flags);
}
let stackOwner = null; // the one mounted FlagStack that draws (one stack per page)
export function FlagStack() {
  const [list, setList] = useState(flags);
  const me = useRef({});
  useEffect(() => {
    if (!stackOwner) stackOwner = me.current;
    flagListeners.add(setList);
    return () => {
      flagListeners.delete(setList);
      if (stackOwner === me.current) stackOwner = null;
    };
  }, []);
  if (!list.length || (stackOwner && stackOwner !== me.current)) return null;
  return (
    <div className="kiln-flags" role="status" aria-live="polite">
      {list.map((f) => (
        <div key={f.id} className={`kiln-flag kiln-flag-${f.type}`} data-testid="app-flag" role="alert">
          <strong>{f.title}</strong>
          {f.description && <div>{f.description}</div>}
          <button type="button" onClick={() => setFlags(flags.filter((x) => x.id !== f.id))} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

class BridgeError extends Error {
  constructor(message, name = 'BridgeAPIError') {
    super(message);
    this.name = name;
  }
}

const str = (v, max = 1000) => (typeof v === 'string' ? v.slice(0, max) : '');

/** The module's frame: made by the server, talked to over one MessagePort. */
export function CustomUiFrame({ module, extension = {}, modal = null, onModalClose = null, extraHandlers = null, hidden = false, gadgetEdit = null, resource = null }) {
  const [frame, setFrame] = useState(null);
  const [error, setError] = useState(null);
  const [height, setHeight] = useState(null);
  const [generation, setGeneration] = useState(0);
  const [openModal, setOpenModal] = useState(null);
  const [consent, setConsent] = useState(null); // null, 'ask' or 'denied'
  const iframeRef = useRef(null);
  const slotRef = useRef(null); // where a parked frame is moved to
  const tokenRef = useRef(null);
  const subsRef = useRef(new Set());
  const portRef = useRef(null);
  const contextRef = useRef(null); // the context the server made the frame with
  const appId = module.appId;
  const moduleKey = module.moduleKey || module.key;
  // what the server checks: the extension without `type` (the manifest says it), plus the
  // modal's context when this frame is a modal's
  const ext = useMemo(() => {
    const { type: _type, ...rest } = extension || {};
    return modal ? { ...rest, modal: modal.context ?? {} } : rest;
  }, [extension, modal]);
  const extKey = JSON.stringify(ext);
  // a full page at its own URL: the frame's history is the page's (pageHistory.js)
  const project = extension?.project?.key || '';
  const page = useMemo(() => bindsPage(extension?.type, appId, moduleKey, modal), [extension?.type, appId, moduleKey, modal]);

  useEffect(() => {
    let live = true;
    setFrame(null);
    setError(null);
    performance.mark('kiln:frame-asked'); // the issue view's timing (tests/browser/app_modules)
    requestFrame(resource ? { ...frameBody(module, ext), resource } : frameBody(module, ext)).then(
      (f) => {
        if (!live) return;
        performance.mark('kiln:frame-answered');
        tokenRef.current = { token: f.token, expiresAt: f.expiresAt };
        contextRef.current = f.context;
        setFrame(f);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [appId, moduleKey, extKey, generation, resource]);

  const server = useCallback(
    async (op, payload) => {
      const t = tokenRef.current;
      if (t && t.expiresAt - Date.now() < RENEW_BEFORE_MS) {
        const r = await api('/_ui/v1/bridge', {
          method: 'POST',
          body: { op: 'renew', extension: ext },
          headers: { 'X-Kiln-Context': t.token },
        });
        tokenRef.current = { token: r.token, expiresAt: r.expiresAt };
      }
      return api('/_ui/v1/bridge', {
        method: 'POST',
        body: { op, payload, extension: ext },
        headers: { 'X-Kiln-Context': tokenRef.current.token },
      });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [extKey],
  );

  const callBack = (ref, args) => {
    if (portRef.current && ref && typeof ref.__kilnCallback === 'number')
      portRef.current.postMessage({ callback: ref.__kilnCallback, args });
  };

  // one handler per bridge type; each returns the value or throws a BridgeError
  const handlers = useMemo(
    () => ({
      invoke: async (p) => {
        // invokeRemote: the module's resolver.endpoint, answered {success, payload|error}
        if (p && p.invokeType === 'ui-remote-fetch') return server('invoke', p);
        if (p && typeof p.invokeType === 'string') throw new BridgeError(`kiln does not support invoke of type "${str(p.invokeType, 64)}".`);
        if (!p || typeof p.functionKey !== 'string') throw new BridgeError('functionKey must be a string!');
        const r = await server('invoke', { functionKey: p.functionKey, payload: p.payload ?? null });
        if (!r.ok) throw new BridgeError(str(r.error?.message) || 'The resolver failed.', str(r.error?.name, 100) || 'Error');
        return p.metadata ? { body: r.value, metadata: {} } : r.value;
      },
      // the frame's context as the server built it for this frame (no round trip); the
      // server rebuilds it for every invoke, so nothing relies on this copy
      getContext: async () => contextRef.current ?? (await server('getContext')).context,
      fetchProduct: async (p) => {
        const r = await server('fetchProduct', p);
        if (r && r.consentRequired === true) setConsent((c) => c || 'ask');
        return r;
      },
      fetchRemote: async (p) => server('fetchRemote', p),
      submit: async (p) => {
        // a gadget's edit view: the payload is the gadget's configuration (Gadget.jsx)
        if (gadgetEdit && !modal) {
          await server('gadgetConfig', p && typeof p === 'object' && !Array.isArray(p) ? p : {});
          gadgetEdit.onSave();
          return true;
        }
        if (!onModalClose) throw new BridgeError("this resource's view is not submittable.");
        onModalClose(p, true);
        return true;
      },
      close: async (p) => {
        if (gadgetEdit && !modal) {
          gadgetEdit.onCancel();
          return true;
        }
        if (!onModalClose) return false;
        onModalClose(p, false);
        return true;
      },
      refresh: async () => {
        setGeneration((g) => g + 1);
        return true;
      },
      createHistory: async () => ({
        location: page ? frameLocation(appId, moduleKey, project) : { pathname: '/', search: '', hash: '', key: 'default' },
      }),
      historyUpdate: async (p) => {
        if (!page) return true;
        const loc = checkLocation(p?.location);
        const entry = { kilnFrame: { state: loc.state, key: loc.key } };
        const url = pageUrl(appId, moduleKey, project, loc);
        if (p?.action === 'REPLACE') window.history.replaceState(entry, '', url);
        else window.history.pushState(entry, '', url);
        return true;
      },
      historyGo: async (p) => {
        const n = Number.isInteger(p?.delta) ? Math.max(-50, Math.min(50, p.delta)) : 0;
        if (page && n) window.history.go(n);
        return true;
      },
      getUrl: async (loc) => {
        const u = typeof loc === 'string' ? loc : loc?.url;
        if (typeof u !== 'string') throw new BridgeError('getUrl needs a URL or a location');
        return new URL(u, window.location.href).toString();
      },
      navigate: async (p) => {
        const url = typeof p?.url === 'string' ? new URL(p.url, window.location.href) : null;
        if (!url || !/^https?:$/.test(url.protocol)) throw new BridgeError('navigate needs an http(s) URL');
        if (p.type === 'new-tab') window.open(url.toString(), '_blank', 'noopener,noreferrer');
        else if (url.origin === window.location.origin) hostNavigate(url.pathname + url.search + url.hash);
        else window.location.assign(url.toString());
        return true;
      },
      reload: async () => {
        window.location.reload();
        return true;
      },
      showFlag: async (p) => {
        const f = {
          id: str(p?.id, 100) || String(Date.now()),
          title: str(p?.title, 200),
          description: str(p?.description, 1000),
          type: ['success', 'error', 'warning', 'info'].includes(p?.type) ? p.type : 'info',
        };
        setFlags([...flags.filter((x) => x.id !== f.id), f].slice(-5));
        return true;
      },
      closeFlag: async (p) => {
        setFlags(flags.filter((x) => x.id !== str(p?.id, 100)));
        return true;
      },
      openModal: async (p) => {
        setOpenModal({ context: p?.context ?? {}, size: str(p?.size, 20), onClose: p?.onClose });
        return true;
      },
      emit: async (p) => {
        for (const s of busFor(appId).values()) if (s.event === str(p?.event, 200)) s.call([p.payload]);
        return true;
      },
      on: async (p) => {
        const id = `s${nextSub++}`;
        const event = str(p?.event, 200);
        const cb = p?.callback;
        busFor(appId).set(id, { event, call: (args) => callBack(cb, args) });
        subsRef.current.add(id);
        return { subscriptionId: id };
      },
      off: async (p) => {
        busFor(appId).delete(str(p?.subscriptionId, 50));
        subsRef.current.delete(str(p?.subscriptionId, 50));
        return true;
      },
      getFrameId: async () => `${appId}/${moduleKey}`,
      emitReadyEvent: async () => true,
      enableTheming: async () => true,
      changeWindowTitle: async () => true,
      initFeatureFlags: async () => ({}),
      emitFrontendCustomMetric: async () => true,
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [server, appId, moduleKey, onModalClose, page, project, gadgetEdit],
  );
  handlers.emitPublic = handlers.emit;
  handlers.onPublic = handlers.on;
  const handlersRef = useRef(handlers);
  handlersRef.current = extraHandlers ? { ...handlers, ...extraHandlers } : handlers;

  useLayoutEffect(() => {
    if (frame && !frame.parked && iframeRef.current) performance.mark('kiln:frame-attached');
  }, [frame]);

  // the channel's end: made at the frame's first load (openChannel), closed with the frame
  const attachPort = useCallback((port) => {
    portRef.current = port;
    port.onmessage = async (e) => {
      const m = e.data;
      if (!m || typeof m !== 'object') return;
      let size = 0;
      try {
        size = JSON.stringify(m).length;
      } catch {
        return;
      }
      if (size > MAX_BYTES) {
        if (typeof m.id === 'number') port.postMessage({ id: m.id, ok: false, error: { name: 'BridgeAPIError', message: 'The bridge message is too large.' } });
        return;
      }
      if (typeof m.resize === 'number') {
        if (!module.viewportSize || module.viewportSize === 'resizable')
          setHeight(Math.max(0, Math.min(10000, Math.round(m.resize))));
        return;
      }
      if (typeof m.id !== 'number' || typeof m.type !== 'string') return;
      const hs = handlersRef.current;
      const h = Object.prototype.hasOwnProperty.call(hs, m.type) ? hs[m.type] : null;
      try {
        if (!h) throw new BridgeError(`kiln does not support the bridge call "${m.type.slice(0, 64)}".`);
        const value = await h(m.payload, callBack);
        // a resolver's undefined stays undefined (apps test `=== undefined`, as on Forge);
        // the host's own ops keep answering null for nothing
        port.postMessage({ id: m.id, ok: true, value: value === undefined && m.type !== 'invoke' ? null : value });
      } catch (err) {
        const message = err?.messages ? err.messages.join(' ') : str(err?.message) || 'The bridge call failed.';
        port.postMessage({ id: m.id, ok: false, error: { name: str(err?.name, 100) || 'Error', message } });
      }
    };
  }, [module.viewportSize]);
  const onLoad = useCallback(() => {
    if (portRef.current) return;
    const port = openChannel(iframeRef.current);
    if (port) attachPort(port);
  }, [attachPort]);

  // the frame's channel and subscriptions end with it; a layout effect declared before the
  // adoption below, so that a frame's old port is closed before a parked frame's is taken
  useLayoutEffect(
    () => () => {
      for (const id of subsRef.current) for (const b of bus.values()) b.delete(id);
      subsRef.current.clear();
      if (portRef.current) portRef.current.close();
      portRef.current = null;
    },
    [frame],
  );

  // a parked frame (frameRequest.js): moved into its place with its document, its port
  // taken (now, or at its first load if it has not loaded yet); if it cannot be moved, it
  // is dropped and drawn anew below
  useLayoutEffect(() => {
    const p = frame && frame.parked;
    if (!p || !slotRef.current) return undefined;
    try {
      slotRef.current.moveBefore(p.iframe, null);
    } catch {
      p.iframe.remove();
      if (p.port) p.port.close();
      setFrame((f) => (f === frame ? { ...f, parked: null } : f));
      return undefined;
    }
    iframeRef.current = p.iframe;
    p.iframe.setAttribute('data-testid', 'customui-frame');
    performance.mark('kiln:frame-adopted'); // the issue view's timing (tests/browser)
    if (p.port) attachPort(p.port);
    else p.onPort = (port) => attachPort(port);
    return () => {
      p.onPort = null;
    };
  }, [frame, attachPort]);
  // React owns the slot, not the frame moved into it: its style (the frame's height) is set here
  const adoptedStyle = JSON.stringify(frameStyle(hidden, height ?? HEIGHTS[frame?.viewportSize] ?? 240));
  useLayoutEffect(() => {
    const el = iframeRef.current;
    if (!frame?.parked || !el || el.parentNode !== slotRef.current) return;
    el.style.cssText = '';
    Object.assign(el.style, JSON.parse(adoptedStyle));
  }, [frame, adoptedStyle]);

  // back and forward on a full page: the frame's history hears a POP with the URL's location
  useEffect(() => {
    if (!page) return undefined;
    const on = () => {
      if (portRef.current && bindsPage(extension?.type, appId, moduleKey, modal))
        portRef.current.postMessage({ history: frameLocation(appId, moduleKey, project), action: 'POP' });
    };
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [page, appId, moduleKey, project]);

  if (error)
    return (
      <div className="kiln-frame-error" role="alert" data-testid="customui-error">
        {error.messages ? error.messages.join(' ') : String(error.message || error)}
      </div>
    );
  if (consent === 'ask')
    return (
      <ConsentPrompt
        appId={appId}
        onAllow={() => {
          setConsent(null);
          setGeneration((g) => g + 1);
        }}
        onDeny={() => setConsent('denied')}
      />
    );
  if (consent === 'denied')
    return (
      <div className="kiln-consent-denied" role="status" data-testid="consent-denied">
        Access was not given: {module.title || moduleKey} cannot act on your behalf.{' '}
        <button type="button" onClick={() => setConsent('ask')}>
          Review access
        </button>
      </div>
    );
  if (!frame) return <div className="kiln-module-loading">loading module…</div>;
  const h = height ?? HEIGHTS[frame.viewportSize] ?? 240;
  return (
    <>
      {frame.parked ? (
        <div ref={slotRef} className="kiln-frame-slot" />
      ) : (
        <iframe
          key={`${frame.frameUrl}#${generation}`}
          ref={iframeRef}
          title={module.title || moduleKey}
          src={frame.frameUrl}
          sandbox={SANDBOX}
          referrerPolicy="no-referrer"
          allow=""
          loading="eager"
          onLoad={onLoad}
          data-testid="customui-frame"
          data-module={moduleKey}
          style={frameStyle(hidden, h)}
        />
      )}
      {openModal && (
        <div className="kiln-modal-backdrop" role="dialog" aria-modal="true" data-testid="customui-modal">
          <div className={`kiln-modal kiln-modal-${openModal.size || 'medium'}`}>
            <CustomUiFrame
              module={module}
              extension={extension}
              modal={{ context: openModal.context }}
              onModalClose={(payload) => {
                // view.close(payload) and view.submit(payload) alike: onClose gets the payload
                const m = openModal;
                setOpenModal(null);
                if (m.onClose) callBack(m.onClose, [payload]);
              }}
            />
          </div>
        </div>
      )}
      <FlagStack />
    </>
  );
}

export default CustomUiFrame;
