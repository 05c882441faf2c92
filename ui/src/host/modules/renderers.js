// The seam between <AppModule> and what draws a module's content, by its `render`:
//   customui: ui/src/host/frame/CustomUiFrame.jsx (helper "customui": a sandboxed iframe on
//             the UI origin), uikit: ui/src/uikit/UiKitFrame.jsx (helper "uikit": the
//             ForgeDoc renderer). Each is a React component taking {module, extension}.
// A kind with no component yet renders a visible "loading module…" box (ModuleContent).
// To plug one in, import it here and set its line below. The UI Kit renderer (Atlaskit's
// components) is a lazy chunk of the split host bundle: a page with only Custom UI
// modules never loads it; ModuleContent draws the placeholder while it loads.
import { lazy } from 'react';
import { CustomUiFrame } from '../frame/CustomUiFrame.jsx';

export const renderers = {
  customui: CustomUiFrame,
  uikit: lazy(() => import('../../uikit/UiKitFrame.jsx').then((m) => ({ default: m.UiKitFrame }))),
};

/** Which renderer a module of /_ui/v1/modules needs: UI Kit for `render: native`. */
export function rendererKind(module) {
  const r = module && typeof module.render === 'string' ? module.render : '';
  return r === 'native' || r === 'uikit' ? 'uikit' : 'customui';
}
