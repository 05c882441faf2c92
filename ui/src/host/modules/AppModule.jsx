// <AppModule placement extension layout/>: the host's extension point for app modules.
// It asks /_ui/v1/modules for the placement (issuePanel, issueGlance, issueContext,
// globalPage, projectPage, adminPage, dashboardGadget: docs/ui.md "UI modules") and
// lays each module out where Jira does, by `layout`:
//   panel   — a titled section per module (issue panels: main column, under the description;
//             dashboard gadgets)
//   glance  — a button per module in the right column that opens its content below it
//   context — a collapsible section per module in the right column (its label)
//   links   — links to the modules' pages (/apps/{appId}/{moduleKey}[?project=KEY])
// The content itself is drawn by the renderer for the module's `render` (renderers.js).
import React, { Suspense, useState } from 'react';
import Button from '@atlaskit/button/new';
import Spinner from '@atlaskit/spinner';
import { Link } from '../router.jsx';
import { ErrorBox } from '../Errors.jsx';
import { renderers, rendererKind } from './renderers.js';
import { useModules } from './useModules.js';
import { Gadget } from './Gadget.jsx';

export function moduleTitle(m) {
  return m.title || m.label || m.name || m.moduleKey || m.key || 'App';
}

export function moduleKey(m) {
  return m.moduleKey || m.key;
}

export function Icon({ module }) {
  // only same-origin or data: icons: an app's icon URL must not make the page fetch
  // from elsewhere (the CSP enforces it too)
  const src = typeof module.icon === 'string' ? module.icon : '';
  if (!src || !(src.startsWith('/') || src.startsWith('data:image/'))) return null;
  return <img className="kiln-module-icon" src={src} alt="" width="16" height="16" />;
}

/** The content of one module, by its renderer; a visible placeholder until one exists. */
export function ModuleContent({ module, extension, gadgetEdit = null }) {
  const kind = rendererKind(module);
  const C = renderers[kind];
  const loading = (
    <div className="kiln-module-loading" data-testid="module-loading" data-render={kind}>
      loading module…
    </div>
  );
  if (!C) return loading;
  // a lazy renderer (renderers.js) shows the placeholder until its chunk is in
  return (
    <Suspense fallback={loading}>
      <C module={module} extension={extension} gadgetEdit={gadgetEdit} />
    </Suspense>
  );
}

function Panel({ module, extension }) {
  // a dashboard gadget: with its edit view (Gadget.jsx)
  if (extension?.type === 'jira:dashboardGadget') return <Gadget module={module} extension={extension} />;
  return (
    <section className="kiln-module kiln-panel" data-testid="module" data-module={moduleKey(module)}>
      <h3 className="kiln-module-title">
        <Icon module={module} />
        {moduleTitle(module)}
      </h3>
      <ModuleContent module={module} extension={extension} />
    </section>
  );
}

function Glance({ module, extension }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="kiln-module kiln-glance" data-testid="module" data-module={moduleKey(module)}>
      <Button onClick={() => setOpen(!open)} aria-expanded={open} shouldFitContainer>
        {module.label || moduleTitle(module)}
      </Button>
      {open && (
        <div className="kiln-glance-content">
          <ModuleContent module={module} extension={extension} />
        </div>
      )}
    </div>
  );
}

function Context({ module, extension }) {
  return (
    <details className="kiln-module kiln-context" data-testid="module" data-module={moduleKey(module)}>
      <summary>
        <Icon module={module} />
        {module.label || moduleTitle(module)}
      </summary>
      <ModuleContent module={module} extension={extension} />
    </details>
  );
}

function PageLink({ module, extension }) {
  const project = extension?.project?.key;
  const to = `/apps/${encodeURIComponent(module.appId)}/${encodeURIComponent(moduleKey(module))}${
    project ? `?project=${encodeURIComponent(project)}` : ''
  }`;
  return (
    <li className="kiln-module-link" data-module={moduleKey(module)}>
      <Link to={to}>
        <Icon module={module} />
        {moduleTitle(module)}
      </Link>
    </li>
  );
}

const LAYOUTS = { panel: Panel, glance: Glance, context: Context, links: PageLink };

export function AppModule({ placement, extension = {}, layout = 'panel', empty = null }) {
  const ctx = { issue: extension.issue?.key, project: extension.project?.key };
  const { modules, error, loading } = useModules(placement, ctx);
  const L = LAYOUTS[layout] || Panel;
  if (loading && !modules.length) return <Spinner size="small" label="Loading apps" />;
  if (error) return <ErrorBox error={error} title="Apps could not be loaded" />;
  if (!modules.length) return empty;
  const items = modules.map((m) => (
    <L
      key={`${m.installationId || m.appId}/${moduleKey(m)}`}
      module={m}
      extension={{ ...extension, type: m.type || `jira:${placement}` }}
    />
  ));
  return layout === 'links' ? <ul className="kiln-module-links">{items}</ul> : <>{items}</>;
}
