// UI Kit rows for what floats over or swaps in place: Popup, Tooltip, InlineEdit, with
// the @atlaskit components Forge's host uses. @forge/react hands their render props over
// as ContentWrapper children (Popup: content + trigger; InlineEdit: editView + readView),
// already evaluated in the app's frame, so the host draws those subtrees where the
// @atlaskit component asks for them. InlineEdit's value, validation and confirm logic
// live in @forge/react (components/inline-edit.js): the host only reports the user's
// edit / confirm / cancel, with no arguments, as Forge's primitive does.

import React from 'react';
import Popup from '@atlaskit/popup';
import Tooltip from '@atlaskit/tooltip';
import InlineEdit from '@atlaskit/inline-edit';
import { eventArg, handler, part, pick, str } from './props.js';

const POPUP_PLACEMENTS = new Set(['auto', 'auto-start', 'auto-end', 'top', 'top-start', 'top-end', 'bottom', 'bottom-start', 'bottom-end', 'right', 'right-start', 'right-end', 'left', 'left-start', 'left-end']);
const TOOLTIP_POSITIONS = new Set(['bottom', 'top', 'right', 'left', 'mouse', 'auto', 'auto-start', 'auto-end']);

function popup(n, r) {
  const p = n.props;
  const content = part(n, 'content');
  const trigger = part(n, 'trigger');
  const placement = POPUP_PLACEMENTS.has(p.placement) ? p.placement : undefined;
  return (
    <Popup
      {...pick(p, ['id', 'testId', 'shouldFlip', 'autoFocus', 'shouldUseCaptureOnOutsideClick', 'shouldFitContainer', 'shouldDisableFocusLock', 'shouldRenderToParent', 'label', 'titleId'])}
      isOpen={!!p.isOpen}
      onClose={handler(p, r, 'onClose', eventArg)}
      placement={placement}
      fallbackPlacements={Array.isArray(p.fallbackPlacements) ? p.fallbackPlacements.filter((x) => POPUP_PLACEMENTS.has(x)) : undefined}
      strategy={p.strategy === 'fixed' || p.strategy === 'absolute' ? p.strategy : undefined}
      role={p.role === 'dialog' ? 'dialog' : undefined}
      rootBoundary={p.rootBoundary === 'document' || p.rootBoundary === 'viewport' ? p.rootBoundary : undefined}
      boundary={p.boundary === 'clippingParents' ? 'clippingParents' : undefined}
      content={() => <div data-kiln-popup-content="">{content ? r.kids(content) : null}</div>}
      trigger={(tp) => (
        <span {...tp} style={{ display: 'inline-block' }}>
          {trigger ? r.kids(trigger) : null}
        </span>
      )}
    />
  );
}

function tooltip(n, r) {
  const p = n.props;
  const content = str(p.content) ?? (typeof p.content === 'number' ? String(p.content) : '');
  return (
    <Tooltip
      content={content}
      position={TOOLTIP_POSITIONS.has(p.position) ? p.position : undefined}
      mousePosition={TOOLTIP_POSITIONS.has(p.mousePosition) && p.mousePosition !== 'mouse' ? p.mousePosition : undefined}
      truncate={!!p.truncate}
      delay={typeof p.delay === 'number' && p.delay >= 0 && p.delay <= 10000 ? p.delay : undefined}
      testId={str(p.testId)}
      tag="span"
    >
      {r.kids(n)}
    </Tooltip>
  );
}

function inlineEdit(n, r) {
  const p = n.props;
  const call = (k) => {
    const f = r.fn(p[k]);
    return f ? () => f() : () => {};
  };
  const edit = part(n, 'editView');
  const read = part(n, 'readView');
  return (
    <InlineEdit
      {...pick(p, ['label', 'startWithEditViewOpen', 'keepEditViewOpenOnBlur', 'hideActionButtons', 'isRequired', 'readViewFitContainerWidth', 'editButtonLabel', 'confirmButtonLabel', 'cancelButtonLabel'])}
      defaultValue=""
      isEditing={typeof p.isEditing === 'boolean' ? p.isEditing : undefined}
      onConfirm={call('onConfirm')}
      onCancel={call('onCancel')}
      onEdit={call('onEdit')}
      editView={() => <div data-kiln-inline-edit="edit">{edit ? r.kids(edit) : null}</div>}
      readView={() => <div data-kiln-inline-edit="read">{read ? r.kids(read) : null}</div>}
    />
  );
}

export const OVERLAY_ROWS = { Popup: popup, Tooltip: tooltip, InlineEdit: inlineEdit };
