// The SPA: the page for the current route inside the layout (pages by name, one table).
import React, { lazy, Suspense } from 'react';
import Spinner from '@atlaskit/spinner';
import { Layout } from './Layout.jsx';
import { RouterProvider, useRoute } from './router.jsx';
import { Issue } from './pages/Issue.jsx';

// The issue view is in the entry chunk (the page timed in docs/ui.md "## Performance");
// every other page is a lazy chunk of the split bundle (tools/build-ui.mjs), loaded when
// first shown.
const page = (load, name) => lazy(() => load().then((m) => ({ default: m[name] })));
const PAGES = {
  projects: page(() => import('./pages/Projects.jsx'), 'Projects'),
  project: page(() => import('./pages/Project.jsx'), 'Project'),
  search: page(() => import('./pages/Search.jsx'), 'Search'),
  issue: Issue,
  app: page(() => import('./pages/Other.jsx'), 'AppPage'),
  admin: page(() => import('./pages/Other.jsx'), 'Admin'),
  dashboard: page(() => import('./pages/Other.jsx'), 'Dashboard'),
  notfound: page(() => import('./pages/Other.jsx'), 'NotFound'),
};

function Current() {
  const { page, params } = useRoute();
  const P = PAGES[page] || PAGES.notfound;
  // a new key per page and parameters: no state leaks from one issue to the next
  return (
    <Suspense
      fallback={
        <div className="kiln-page-loading" data-testid="page-loading">
          <Spinner size="large" />
        </div>
      }
    >
      <P key={`${page}:${JSON.stringify(params)}`} />
    </Suspense>
  );
}

export function App() {
  return (
    <RouterProvider>
      <Layout>
        <Current />
      </Layout>
    </RouterProvider>
  );
}
