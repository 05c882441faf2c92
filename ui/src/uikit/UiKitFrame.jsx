// <UiKitFrame module extension/>: a UI Kit (`render: native`) module's content.
//
// The app's own code (its bundle of the real @forge/react) runs in the same kind of frame
// as Custom UI — CustomUiFrame: /_ui/v1/frames, a sandboxed iframe on the UI origin
// without allow-same-origin, one MessagePort, every server op bound by the context token —
// but hidden: what the user sees is drawn here. @forge/react's reconciler calls
// callBridge('reconcile', {forgeDoc}) after every commit; the frame's shim turns its
// function props into {__kilnCallback: n}; this component keeps the latest tree, checks it
// and renders it (UiKitView: forgedoc.js + render.jsx + the component table). An event
// (click, change, submit) posts {callback: n, args} back on the port; the app's handler
// runs in its frame and its next commit reconciles again.
// A <Frame resource="…"> in the tree is a Custom UI resource of the same app shown in
// place: another CustomUiFrame of this module with that resource (the server checks it is
// one of the app's resources and binds its token to this module, site and user), visible,
// sandboxed on the UI origin like every app frame (frame-row.jsx: at most FRAMES_MAX).
// Each reconcile payload is capped by the channel (1 MiB) and by forgedoc.js's limits.

import React, { useCallback, useMemo, useRef, useState } from 'react';
import Spinner from '@atlaskit/spinner';
import { CustomUiFrame } from '../host/frame/CustomUiFrame.jsx';
import { jira } from '../host/api.js';
import { UiKitView } from './UiKitView.jsx';

const USERS_MAX = 20;

export function UiKitFrame({ module, extension = {}, gadgetEdit = null }) {
  const [doc, setDoc] = useState(null);
  const post = useRef(null);
  const users = useRef(new Map());

  const extraHandlers = useMemo(
    () => ({
      reconcile: async (payload, callBack) => {
        post.current = callBack;
        setDoc(payload && typeof payload === 'object' ? payload.forgeDoc ?? null : null);
        return true;
      },
      // @forge/react reports errors it cannot recover from; the frame keeps running
      onError: async () => true,
    }),
    [],
  );
  const onEvent = useCallback((ref, args) => {
    if (post.current) post.current(ref, args);
  }, []);
  const searchUsers = useCallback(async (q) => {
    const list = await jira(`/user/search?query=${encodeURIComponent(q)}&maxResults=${USERS_MAX}`);
    return (Array.isArray(list) ? list : []).filter((u) => u && u.accountType !== 'app');
  }, []);
  const renderFrame = useCallback(
    (p) => (
      <div data-testid="uikit-frame-resource" data-resource={p.resource}>
        <CustomUiFrame module={module} extension={extension} resource={p.resource} />
      </div>
    ),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [module.appId, module.moduleKey || module.key, JSON.stringify(extension)],
  );
  const lookupUser = useCallback(async (accountId) => {
    if (!users.current.has(accountId))
      users.current.set(
        accountId,
        jira(`/user?accountId=${encodeURIComponent(accountId)}`).catch(() => null),
      );
    return users.current.get(accountId);
  }, []);

  return (
    <div className="kiln-uikit-frame" data-testid="uikit-frame" data-module={module.moduleKey || module.key}>
      <CustomUiFrame module={module} extension={extension} extraHandlers={extraHandlers} gadgetEdit={gadgetEdit} hidden />
      {doc ? (
        <UiKitView forgeDoc={doc} onEvent={onEvent} searchUsers={searchUsers} lookupUser={lookupUser} renderFrame={renderFrame} />
      ) : (
        <Spinner size="small" label="Loading app" />
      )}
    </div>
  );
}

export default UiKitFrame;
