// The site's projects: GET /rest/api/3/project/search, one row per project.
import React from 'react';
import DynamicTable from '@atlaskit/dynamic-table';
import Heading from '@atlaskit/heading';
import { jira } from '../api.js';
import { ErrorBox } from '../Errors.jsx';
import { Link } from '../router.jsx';
import { useData } from '../useData.js';

export function Projects() {
  const { data, error, loading } = useData((signal) => jira('/project/search?maxResults=100&orderBy=key&expand=lead', { signal }), []);
  const rows = (data?.values || []).map((p) => ({
    key: p.id,
    cells: [
      { key: 'name', content: <Link to={`/projects/${encodeURIComponent(p.key)}`}>{p.name}</Link> },
      { key: 'key', content: p.key },
      { key: 'type', content: p.projectTypeKey || '' },
      { key: 'lead', content: p.lead?.displayName || '' },
    ],
  }));
  return (
    <div data-testid="projects">
      <Heading size="large">Projects</Heading>
      <ErrorBox error={error} />
      <DynamicTable
        head={{ cells: ['Name', 'Key', 'Type', 'Lead'].map((c) => ({ key: c, content: c })) }}
        rows={rows}
        isLoading={loading}
        emptyView={<p>No projects</p>}
      />
    </div>
  );
}
