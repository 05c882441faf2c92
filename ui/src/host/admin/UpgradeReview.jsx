// <UpgradeReview app onDone/>: the install/upgrade consent screen for an app's pending
// major (docs/ui.md "Consent and administration"): what the new major adds and drops in
// scopes (with their descriptions: Scope.jsx) and egress against the major the site
// runs; Approve consents to it through POST /_ui/v1/admin/upgrade (CSRF; the server
// checks the admin and the site).
import React, { useState } from 'react';
import { api } from '../api.js';
import { egressDomains } from '../frame/ConsentPrompt.jsx';
import { Scope } from '../Scope.jsx';

/** {added, removed, kept} between two lists of strings. */
export function diff(before, after) {
  const b = new Set(before);
  const a = new Set(after);
  return {
    added: [...a].filter((x) => !b.has(x)).sort(),
    removed: [...b].filter((x) => !a.has(x)).sort(),
    kept: [...a].filter((x) => b.has(x)).sort(),
  };
}

const plain = (x) => <code>{x}</code>;

function DiffList({ title, d, testid, item = plain }) {
  return (
    <>
      <h4>{title}</h4>
      <ul data-testid={testid}>
        {d.added.map((x) => (
          <li key={`+${x}`} className="kiln-diff-added" data-change="added">
            + {item(x)}
          </li>
        ))}
        {d.removed.map((x) => (
          <li key={`-${x}`} className="kiln-diff-removed" data-change="removed">
            − {item(x)}
          </li>
        ))}
        {d.kept.map((x) => (
          <li key={`=${x}`} className="kiln-muted" data-change="kept">
            {item(x)}
          </li>
        ))}
        {!d.added.length && !d.removed.length && !d.kept.length && <li className="kiln-muted">none</li>}
      </ul>
    </>
  );
}

export function UpgradeReview({ app, onDone, onCancel }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const p = app.pending;
  const scopes = diff(app.scopes || [], p.scopes || []);
  const egress = diff(egressDomains(app.egress), egressDomains(p.egress));
  const approve = async () => {
    setBusy(true);
    try {
      await api('/_ui/v1/admin/upgrade', { method: 'POST', body: { appId: app.appId, environment: app.environment } });
      onDone();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <section className="kiln-consent" data-testid="upgrade-review" aria-label={`Upgrade ${app.name}`}>
      <h3>
        Upgrade {app.name} to version {p.major}
      </h3>
      <p>
        The site runs version {app.major}. Approving gives the new version these permissions on this site (+ new, −
        dropped):
      </p>
      <DiffList title="Scopes" d={scopes} testid="upgrade-scopes" item={(x) => <Scope name={x} />} />
      <DiffList title="Egress" d={egress} testid="upgrade-egress" />
      {error && (
        <div role="alert" className="kiln-frame-error">
          {error.messages ? error.messages.join(' ') : String(error.message || error)}
        </div>
      )}
      <div className="kiln-consent-actions">
        <button type="button" onClick={approve} disabled={busy} data-testid="upgrade-approve">
          Approve
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </section>
  );
}

export default UpgradeReview;
