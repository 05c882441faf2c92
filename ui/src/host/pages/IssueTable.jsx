// A table of issues as GET /rest/api/3/search/jql returns them: key, summary, status
// lozenge, assignee; paging by nextPageToken (a stack of the tokens seen, for Previous).
import React, { useState } from 'react';
import Button from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import Lozenge from '@atlaskit/lozenge';
import { jira } from '../api.js';
import { ErrorBox } from '../Errors.jsx';
import { Link } from '../router.jsx';
import { statusAppearance } from '../status.js';
import { useData } from '../useData.js';

const PAGE = 25;

export function IssueTable({ jql, errorTitle = 'The search failed' }) {
  const [tokens, setTokens] = useState([null]); // tokens[i]: the token of page i
  const token = tokens[tokens.length - 1];
  const { data, error, loading } = useData(
    (signal) => {
      const q = new URLSearchParams({ jql, maxResults: String(PAGE), fields: 'summary,status,assignee' });
      if (token) q.set('nextPageToken', token);
      return jira(`/search/jql?${q}`, { signal });
    },
    [jql, token],
  );
  const [lastJql, setLastJql] = useState(jql);
  if (jql !== lastJql) {
    setLastJql(jql);
    setTokens([null]);
  }
  const rows = (data?.issues || []).map((i) => ({
    key: i.id,
    cells: [
      { key: 'key', content: <Link to={`/browse/${encodeURIComponent(i.key)}`}>{i.key}</Link> },
      { key: 'summary', content: i.fields?.summary || '' },
      {
        key: 'status',
        content: i.fields?.status ? (
          <Lozenge appearance={statusAppearance(i.fields.status)}>{i.fields.status.name}</Lozenge>
        ) : null,
      },
      { key: 'assignee', content: i.fields?.assignee?.displayName || 'Unassigned' },
    ],
  }));
  return (
    <div data-testid="issue-table">
      <ErrorBox error={error} title={errorTitle} />
      {!error && (
        <DynamicTable
          head={{ cells: ['Key', 'Summary', 'Status', 'Assignee'].map((c) => ({ key: c, content: c })) }}
          rows={rows}
          isLoading={loading}
          emptyView={<p data-testid="no-issues">No issues</p>}
        />
      )}
      <div className="kiln-pager">
        <Button isDisabled={tokens.length < 2 || loading} onClick={() => setTokens(tokens.slice(0, -1))}>
          Previous
        </Button>
        <Button
          isDisabled={!data?.nextPageToken || loading}
          onClick={() => setTokens([...tokens, data.nextPageToken])}
        >
          Next
        </Button>
      </div>
    </div>
  );
}
