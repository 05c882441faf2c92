// UI Kit inside the app's frame: what kiln adds next to the bridge shim so that the real,
// unmodified @forge/react can run in a sandboxed iframe on the UI origin.
//
// @forge/react calls `self.__bridge.callBridge('reconcile', {forgeDoc})` with function
// props still in the tree (it tags each with fn.__id__). Functions cannot be posted, so
// installUiKitRuntime() wraps the shim's callBridge: on 'reconcile' it replaces every
// function by {__kilnFn: id} (serializeForgeDoc), remembers id → function for this
// render only, and forwards the plain tree. Events come back by a call the frame makes:
// `callBridge('uikitEvents')` answers with the next batch of [{fn, args}] the host has
// for this frame; the runtime calls each handler whose id the latest render still has
// (an id from an older render is ignored: the host may race a re-render) and asks again.
// Everything else (invoke, getContext, ...) passes through to the shim untouched.

let counter = 0;

// A plain copy of a ForgeDoc with functions replaced by ids, filling `fns` (id → fn).
export function serializeForgeDoc(doc, fns) {
    const seen = new WeakSet();
    const copy = (v) => {
        if (typeof v === 'function') {
            if (!v.__id__) v.__id__ = `k${++counter}`;
            const id = String(v.__id__).replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64) || `k${++counter}`;
            fns.set(id, v);
            return { __kilnFn: id };
        }
        if (v === null || typeof v !== 'object') return v === undefined ? null : v;
        if (seen.has(v)) return null; // a cycle: what JSON would refuse
        seen.add(v);
        if (Array.isArray(v)) return v.map(copy);
        if (typeof v.nativeEvent === 'object' || (typeof Node !== 'undefined' && v instanceof Node)) return null;
        const out = {};
        for (const k of Object.keys(v)) if (v[k] !== undefined) out[k] = copy(v[k]);
        seen.delete(v);
        return out;
    };
    return copy(doc);
}

// Installs the runtime over `bridge` (window.__bridge from the shim). Returns a stop().
export function installUiKitRuntime(bridge) {
    const original = bridge.callBridge.bind(bridge);
    let fns = new Map();
    let stopped = false;
    let polling = false;
    const poll = async () => {
        if (polling) return;
        polling = true;
        while (!stopped) {
            let batch;
            try {
                batch = await original('uikitEvents');
            } catch (e) {
                console.error('kiln UI Kit: the event channel closed', e);
                break;
            }
            for (const ev of Array.isArray(batch) ? batch : []) {
                const fn = ev && fns.get(ev.fn);
                if (!fn) continue;
                try {
                    await fn(...(Array.isArray(ev.args) ? ev.args : []));
                } catch (e) {
                    console.error('kiln UI Kit: an event handler threw', e);
                }
            }
        }
        polling = false;
    };
    bridge.callBridge = (type, payload) => {
        if (type !== 'reconcile') return original(type, payload);
        const next = new Map();
        const forgeDoc = serializeForgeDoc(payload && payload.forgeDoc, next);
        fns = next;
        void poll();
        return original('reconcile', { forgeDoc });
    };
    return () => {
        stopped = true;
        bridge.callBridge = original;
    };
}
