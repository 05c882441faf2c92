// The app page (global, project, admin: /apps/{appId}/{moduleKey}[?project=KEY]), the site
// admin page with its admin pages of apps, the dashboard with gadgets, and not-found.
import React from 'react';
import Heading from '@atlaskit/heading';
import SectionMessage from '@atlaskit/section-message';
import { boot } from '../boot.js';
import { AppModule, ModuleContent, moduleKey, moduleTitle } from '../modules/AppModule.jsx';
import { useModules } from '../modules/useModules.js';
import { useRoute } from '../router.jsx';
import Spinner from '@atlaskit/spinner';
import { ErrorBox } from '../Errors.jsx';
import { SiteAdmin } from '../admin/SiteAdmin.jsx';

export function AppPage() {
  const { params, query } = useRoute();
  const project = query.get('project') || '';
  const placement = project ? 'projectPage' : 'globalPage';
  const { modules, error, loading } = useModules(placement, { project });
  const admin = useModules('adminPage', {});
  const all = [...modules, ...(project ? [] : admin.modules)];
  const m = all.find((x) => x.appId === params.appId && moduleKey(x) === params.moduleKey);
  if ((loading || admin.loading) && !m) return <Spinner label="Loading app" />;
  if (error) return <ErrorBox error={error} />;
  if (!m)
    return (
      <div data-testid="app-missing">
        <SectionMessage appearance="warning" title="No such app page">
          <p>No installed app on this site has this page.</p>
        </SectionMessage>
      </div>
    );
  const extension = { type: m.type || `jira:${placement}`, ...(project ? { project: { key: project } } : {}) };
  return (
    <div data-testid="app-page">
      <Heading size="large">{moduleTitle(m)}</Heading>
      <ModuleContent module={m} extension={extension} />
    </div>
  );
}

export function Admin() {
  if (!boot.isAdmin)
    return (
      <SectionMessage appearance="warning" title="Site administrators only">
        <p>You need to be a site administrator to see this page.</p>
      </SectionMessage>
    );
  return (
    <div data-testid="admin">
      <Heading size="large">Site administration</Heading>
      <SiteAdmin />
      <h3>App admin pages</h3>
      <AppModule placement="adminPage" layout="links" empty={<p className="kiln-muted">No app admin pages</p>} />
    </div>
  );
}

export function Dashboard() {
  return (
    <div data-testid="dashboard" className="kiln-dashboard">
      <Heading size="large">Dashboard</Heading>
      <AppModule placement="dashboardGadget" layout="panel" empty={<p className="kiln-muted">No gadgets</p>} />
    </div>
  );
}

export function NotFound() {
  return (
    <div data-testid="not-found">
      <SectionMessage appearance="warning" title="Page not found">
        <p>There is no page at this address.</p>
      </SectionMessage>
    </div>
  );
}
