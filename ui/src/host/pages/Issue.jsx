// The issue view: summary, description (kiln's renderedFields HTML: every text escaped by
// the server, src/product/adf_html.c), status with the transitions menu, assignee,
// priority, labels, comments with a box to add one; the apps' issue panels under the
// description, glances and context panels in the right column (<AppModule>).
// The view marks itself data-ready="true" once the issue, its transitions and comments
// are in, which is what the browser tests time as "interactive".
import React, { useEffect, useState } from 'react';
import Avatar from '@atlaskit/avatar';
import Button from '@atlaskit/button/new';
import Heading from '@atlaskit/heading';
import Lozenge from '@atlaskit/lozenge';
import Spinner from '@atlaskit/spinner';
import { jira } from '../api.js';
import { ErrorBox } from '../Errors.jsx';
import { AppModule } from '../modules/AppModule.jsx';
import { Link, useRoute } from '../router.jsx';
import { statusAppearance } from '../status.js';
import { useData } from '../useData.js';
import { commentsPath, issueExtension, issuePath, prefetchIssueView, transitionsPath } from './issueData.js';

const MAX_COMMENT = 32000;

/** A comment's text as an ADF document: one paragraph per line. */
export function textToAdf(text) {
  return {
    type: 'doc',
    version: 1,
    content: text.split('\n').map((line) => ({
      type: 'paragraph',
      content: line ? [{ type: 'text', text: line }] : [],
    })),
  };
}

function Html({ html, testid }) {
  // kiln's own rendering of stored ADF: escaped text and checked link schemes only
  return <div className="kiln-rendered" data-testid={testid} dangerouslySetInnerHTML={{ __html: html || '' }} />;
}

function Transitions({ issueKey, onDone }) {
  const { data, error } = useData((signal) => jira(transitionsPath(issueKey), { signal }), [issueKey]);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(null);
  const go = async (t) => {
    setBusy(true);
    setFailed(null);
    try {
      await jira(transitionsPath(issueKey), { method: 'POST', body: { transition: { id: t.id } } });
      setOpen(false);
      onDone();
    } catch (e) {
      setFailed(e);
    } finally {
      setBusy(false);
    }
  };
  if (error) return <ErrorBox error={error} title="Transitions could not be loaded" />;
  return (
    <div className="kiln-transitions" data-testid="transitions" data-loaded={data ? 'true' : 'false'}>
      <Button onClick={() => setOpen(!open)} aria-expanded={open} isDisabled={!data || busy}>
        Transition
      </Button>
      {open && (
        <ul role="menu" className="kiln-menu">
          {(data?.transitions || []).map((t) => (
            <li key={t.id} role="none">
              <button role="menuitem" type="button" onClick={() => go(t)} disabled={busy}>
                {t.name}
                {t.to?.name && t.to.name !== t.name ? ` → ${t.to.name}` : ''}
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorBox error={failed} title="The transition failed" />
    </div>
  );
}

function Comments({ issueKey }) {
  const { data, error, loading, reload } = useData(
    (signal) => jira(commentsPath(issueKey), { signal }),
    [issueKey],
  );
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(null);
  const add = async (e) => {
    e.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setFailed(null);
    try {
      await jira(`/issue/${encodeURIComponent(issueKey)}/comment`, { method: 'POST', body: { body: textToAdf(text) } });
      setText('');
      reload();
    } catch (err) {
      setFailed(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="kiln-comments" data-testid="comments" data-loaded={data ? 'true' : 'false'}>
      <Heading size="small">Comments</Heading>
      <ErrorBox error={error} title="Comments could not be loaded" />
      {loading && !data && <Spinner size="small" />}
      <ol className="kiln-comment-list">
        {(data?.comments || []).map((c) => (
          <li key={c.id} className="kiln-comment" data-testid="comment">
            <div className="kiln-comment-head">
              <Avatar size="xsmall" name={c.author?.displayName} />
              <strong>{c.author?.displayName}</strong>
              <span className="kiln-muted">{c.created ? new Date(c.created).toLocaleString() : ''}</span>
            </div>
            <Html html={c.renderedBody} />
          </li>
        ))}
      </ol>
      <form onSubmit={add} className="kiln-comment-form">
        <textarea
          aria-label="Add a comment"
          placeholder="Add a comment…"
          value={text}
          maxLength={MAX_COMMENT}
          onChange={(e) => setText(e.target.value)}
          rows={3}
        />
        <Button type="submit" appearance="primary" isDisabled={busy || !text.trim()}>
          Save
        </Button>
      </form>
      <ErrorBox error={failed} title="The comment was not saved" />
    </section>
  );
}

function Detail({ label, children }) {
  return (
    <div className="kiln-detail">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

export function Issue() {
  const { params } = useRoute();
  // what the parts of the view need loads alongside the issue itself: its transitions,
  // comments and the apps' modules (taken when the parts mount, if the key is the same)
  useState(() => {
    prefetchIssueView(params.key);
  });
  const { data, error, loading, reload } = useData(
    (signal) => jira(issuePath(params.key), { signal }),
    [params.key],
  );
  useEffect(() => {
    if (data) performance.mark('kiln:issue-drawn'); // the issue view's timing (tests/browser)
  }, [data]);
  if (loading && !data) return <Spinner label="Loading issue" />;
  if (error)
    return (
      <div data-testid="issue-missing">
        <ErrorBox
          error={error}
          title={error.status === 404 ? 'This issue does not exist or you cannot see it' : 'The issue could not be loaded'}
        />
      </div>
    );
  const f = data.fields || {};
  const extension = issueExtension(data);
  return (
    <div className="kiln-issue" data-testid="issue-view" data-ready="true" data-key={data.key}>
      <div className="kiln-issue-main">
        <div className="kiln-breadcrumbs">
          <Link to={`/projects/${encodeURIComponent(f.project?.key || '')}`}>{f.project?.name}</Link> / {data.key}
        </div>
        <h1 data-testid="issue-summary">{f.summary}</h1>
        <Heading size="small">Description</Heading>
        {data.renderedFields?.description ? (
          <Html html={data.renderedFields.description} testid="issue-description" />
        ) : (
          <p className="kiln-muted">No description</p>
        )}
        <AppModule placement="issuePanel" layout="panel" extension={extension} />
        <Comments issueKey={data.key} />
      </div>
      <aside className="kiln-issue-side">
        <div className="kiln-status">
          <span data-testid="issue-status">
            <Lozenge appearance={statusAppearance(f.status)} isBold>
              {f.status?.name}
            </Lozenge>
          </span>
          <Transitions key={f.status?.id} issueKey={data.key} onDone={reload} />
        </div>
        <AppModule placement="issueGlance" layout="glance" extension={extension} />
        <dl className="kiln-details">
          <Detail label="Assignee">
            <span data-testid="issue-assignee">{f.assignee?.displayName || 'Unassigned'}</span>
          </Detail>
          <Detail label="Reporter">{f.reporter?.displayName || ''}</Detail>
          <Detail label="Priority">{f.priority?.name || 'None'}</Detail>
          <Detail label="Labels">
            {(f.labels || []).length ? (f.labels || []).map((l) => <Lozenge key={l}>{l}</Lozenge>) : 'None'}
          </Detail>
        </dl>
        <AppModule placement="issueContext" layout="context" extension={extension} />
      </aside>
    </div>
  );
}
