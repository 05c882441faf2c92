// <ConsentPrompt appId onAllow onDeny/>: Forge's "Allow access" screen, shown in a Custom UI
// module's place when the app's requestJira (asUser) answered consentRequired (docs/ui.md
// "Consent and administration"). It shows what the app's installation on this site holds:
// the app's name, its scopes (each with Atlassian's description when there is one: Scope.jsx)
// and the external domains it may reach; Allow records the user's consent through
// POST /_ui/v1/consent (the session's site and account only: the body names neither).
import React, { useEffect, useState } from 'react';
import { api } from '../api.js';
import { Scope } from '../Scope.jsx';

const MAX_ITEMS = 200;

/** The domains of an installation's egress permissions (the manifest's permissions.external). */
export function egressDomains(egress) {
  const out = new Set();
  const walk = (v, depth) => {
    if (depth > 6 || out.size >= MAX_ITEMS) return;
    if (typeof v === 'string') out.add(v.slice(0, 300));
    else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (v && typeof v === 'object') {
      if (typeof v.address === 'string') out.add(v.address.slice(0, 300));
      else Object.values(v).forEach((x) => walk(x, depth + 1));
    }
  };
  walk(egress, 0);
  return [...out];
}

export function ConsentPrompt({ appId, onAllow, onDeny }) {
  const [info, setInfo] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    api(`/_ui/v1/consent?appId=${encodeURIComponent(appId)}`).then(
      (i) => live && setInfo(i),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [appId]);
  const allow = async () => {
    setBusy(true);
    try {
      await api('/_ui/v1/consent', { method: 'POST', body: { appId } });
      onAllow();
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  if (error)
    return (
      <div className="kiln-frame-error" role="alert" data-testid="consent-error">
        {error.messages ? error.messages.join(' ') : String(error.message || error)}
      </div>
    );
  if (!info) return <div className="kiln-module-loading">loading…</div>;
  const scopes = (Array.isArray(info.scopes) ? info.scopes : []).filter((s) => typeof s === 'string').slice(0, MAX_ITEMS);
  const domains = egressDomains(info.egress);
  return (
    <section className="kiln-consent" data-testid="consent-prompt" aria-labelledby="kiln-consent-title">
      <h3 id="kiln-consent-title">Allow access</h3>
      <p>
        <strong data-testid="consent-app">{info.appName}</strong> needs your permission to act on your behalf on this
        site.
      </p>
      <h4>It will be able to</h4>
      <ul data-testid="consent-scopes">
        {scopes.length ? scopes.map((s) => <li key={s}><Scope name={s} /></li>) : <li>(no scopes)</li>}
      </ul>
      <h4>It can send data to</h4>
      <ul data-testid="consent-egress">
        {domains.length ? domains.map((d) => <li key={d}><code>{d}</code></li>) : <li>no external domains</li>}
      </ul>
      <div className="kiln-consent-actions">
        <button type="button" onClick={allow} disabled={busy} data-testid="consent-allow">
          Allow access
        </button>
        <button type="button" onClick={onDeny} disabled={busy} data-testid="consent-deny">
          Deny
        </button>
      </div>
    </section>
  );
}

export default ConsentPrompt;
