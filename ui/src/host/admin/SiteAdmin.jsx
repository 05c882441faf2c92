// <SiteAdmin/>: the site admin page's own views (docs/ui.md "Consent and administration"):
// the installed apps (name, version, environment, scopes, egress; a pending major's
// consent screen, UpgradeReview.jsx), the data-flow ledger
// as a picture (LedgerGraph.jsx) and the audit log, paged. Data from the admin-only
// /_ui/v1/admin/{apps,ledger,audit} rows; the server refuses non-admins (403) whatever
// this page does.
import React, { useState } from 'react';
import { api } from '../api.js';
import { boot } from '../boot.js';
import { useData } from '../useData.js';
import { egressDomains } from '../frame/ConsentPrompt.jsx';
import { LedgerGraph } from './LedgerGraph.jsx';
import { UpgradeReview } from './UpgradeReview.jsx';

const AUDIT_PAGE = 50;

const msg = (e) => (e?.messages ? e.messages.join(' ') : String(e?.message || e));

function Apps({ apps, reload }) {
  const [review, setReview] = useState(null); // the installationId under review
  if (!apps.length) return <p className="kiln-muted">No apps are installed.</p>;
  const under = apps.find((a) => a.installationId === review && a.pending);
  return (
    <>
    <table className="kiln-admin-table" data-testid="admin-apps">
      <thead>
        <tr>
          <th>App</th>
          <th>Version</th>
          <th>Environment</th>
          <th>Scopes</th>
          <th>Egress</th>
          <th>Pending</th>
        </tr>
      </thead>
      <tbody>
        {apps.map((a) => (
          <tr key={a.installationId} data-testid="admin-app" data-app={a.appId}>
            <td>{a.name}</td>
            <td>{a.major}</td>
            <td>{a.environment}</td>
            <td data-testid="admin-app-scopes">{(a.scopes || []).join(' ')}</td>
            <td>{egressDomains(a.egress).join(' ') || '—'}</td>
            <td>
              {a.pending ? (
                <button type="button" onClick={() => setReview(a.installationId)} data-testid="upgrade-open">
                  Review version {a.pending.major}
                </button>
              ) : (
                '—'
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
    {under && (
      <UpgradeReview
        app={under}
        onCancel={() => setReview(null)}
        onDone={() => {
          setReview(null);
          reload();
        }}
      />
    )}
    </>
  );
}

function Audit() {
  const [after, setAfter] = useState([0]); // the ids each page starts after (a stack: back)
  const cur = after[after.length - 1];
  const { data, error, loading } = useData(
    (signal) => api(`/_ui/v1/admin/audit?n=${AUDIT_PAGE}&after=${cur}`, { signal }),
    [cur],
  );
  if (error) return <div role="alert">{msg(error)}</div>;
  if (loading && !data) return <p className="kiln-muted">loading…</p>;
  const ev = data?.events || [];
  return (
    <div data-testid="admin-audit">
      <table className="kiln-admin-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Kind</th>
            <th>Actor</th>
            <th>Request</th>
            <th>Status</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {ev.map((e) => (
            <tr key={e.id} data-testid="audit-row">
              <td>{e.time}</td>
              <td>{e.kind}</td>
              <td>{e.actor}</td>
              <td>{`${e.method || ''} ${e.path || ''}`}</td>
              <td>{e.status}</td>
              <td>{e.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="kiln-pager">
        <button type="button" disabled={after.length < 2} onClick={() => setAfter(after.slice(0, -1))}>
          Previous
        </button>
        <button
          type="button"
          disabled={ev.length < AUDIT_PAGE}
          onClick={() => setAfter([...after, ev[ev.length - 1].id])}
          data-testid="audit-next"
        >
          Next
        </button>
      </div>
    </div>
  );
}

export function SiteAdmin() {
  const apps = useData((signal) => api('/_ui/v1/admin/apps', { signal }), []);
  const ledger = useData((signal) => api('/_ui/v1/admin/ledger?n=1000', { signal }), []);
  const names = Object.fromEntries((apps.data?.apps || []).map((a) => [a.appId, a.name]));
  return (
    <div className="kiln-site-admin">
      <h3>Installed apps</h3>
      {apps.error ? <div role="alert">{msg(apps.error)}</div> : apps.data ? <Apps apps={apps.data.apps} reload={apps.reload} /> : null}
      <h3>Data flows</h3>
      {ledger.error ? (
        <div role="alert">{msg(ledger.error)}</div>
      ) : ledger.data ? (
        <LedgerGraph site={boot.site} records={ledger.data.records} appNames={names} />
      ) : null}
      <h3>Audit log</h3>
      <Audit />
    </div>
  );
}

export default SiteAdmin;
