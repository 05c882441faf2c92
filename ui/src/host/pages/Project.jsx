// A project: its issues (JQL project = KEY) and, in the sidebar, the apps' project pages.
import React from 'react';
import Heading from '@atlaskit/heading';
import Spinner from '@atlaskit/spinner';
import { jira } from '../api.js';
import { ErrorBox } from '../Errors.jsx';
import { AppModule } from '../modules/AppModule.jsx';
import { useRoute } from '../router.jsx';
import { useData } from '../useData.js';
import { IssueTable } from './IssueTable.jsx';

function jqlString(s) {
  return `"${String(s).replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

export function Project() {
  const { params } = useRoute();
  const { data, error, loading } = useData(
    (signal) => jira(`/project/${encodeURIComponent(params.key)}`, { signal }),
    [params.key],
  );
  if (loading) return <Spinner label="Loading project" />;
  if (error) return <ErrorBox error={error} title="Project not found" />;
  return (
    <div className="kiln-with-sidebar" data-testid="project">
      <aside className="kiln-sidebar">
        <h2>{data.name}</h2>
        <h3 className="kiln-muted">Apps</h3>
        <AppModule
          placement="jira:projectPage"
          layout="links"
          extension={{ project: { key: data.key, id: data.id } }}
          empty={<p className="kiln-muted">No app pages</p>}
        />
      </aside>
      <section>
        <Heading size="large">{data.name} issues</Heading>
        <IssueTable jql={`project = ${jqlString(data.key)} ORDER BY created DESC`} />
      </section>
    </div>
  );
}
