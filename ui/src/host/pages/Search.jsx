// Search: a JQL box (the URL's ?jql=) and the results; the server's parse errors shown
// as it words them.
import React, { useState } from 'react';
import Button from '@atlaskit/button/new';
import Heading from '@atlaskit/heading';
import Textfield from '@atlaskit/textfield';
import { sitePath } from '../boot.js';
import { navigate, useRoute } from '../router.jsx';
import { IssueTable } from './IssueTable.jsx';

const MAX_JQL = 4000;

export function Search() {
  const { query } = useRoute();
  const jql = query.get('jql') || 'order by created DESC';
  const [text, setText] = useState(jql);
  const [seen, setSeen] = useState(jql);
  if (jql !== seen) {
    setSeen(jql);
    setText(jql);
  }
  const submit = (e) => {
    e.preventDefault();
    navigate(`${sitePath}/issues?${new URLSearchParams({ jql: text })}`);
  };
  return (
    <div data-testid="search">
      <Heading size="large">Search</Heading>
      <form className="kiln-jql" onSubmit={submit} role="search">
        <Textfield
          name="jql"
          aria-label="JQL"
          value={text}
          maxLength={MAX_JQL}
          onChange={(e) => setText(e.target.value)}
        />
        <Button type="submit" appearance="primary">
          Search
        </Button>
      </form>
      <IssueTable jql={jql} errorTitle="The query is not valid" />
    </div>
  );
}
