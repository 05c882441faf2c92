// The SPA: the page for the current route inside the layout (pages by name, one table).
import React from 'react';
import { Layout } from './Layout.jsx';
import { RouterProvider, useRoute } from './router.jsx';
import { Issue } from './pages/Issue.jsx';
import { Project } from './pages/Project.jsx';
import { Projects } from './pages/Projects.jsx';
import { Search } from './pages/Search.jsx';
import { Admin, AppPage, Dashboard, NotFound } from './pages/Other.jsx';

const PAGES = {
  projects: Projects,
  project: Project,
  search: Search,
  issue: Issue,
  app: AppPage,
  admin: Admin,
  dashboard: Dashboard,
  notfound: NotFound,
};

function Current() {
  const { page, params } = useRoute();
  const P = PAGES[page] || NotFound;
  // a new key per page and parameters: no state leaks from one issue to the next
  return <P key={`${page}:${JSON.stringify(params)}`} />;
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
