// The consent screen's endpoints (docs/ui.md "Consent and administration"):
// GET/POST /_ui/v1/consent, cookie-authenticated, CSRF on the POST, for the session's own
// site and account only. Tries to cross tenants: a user of site B consenting for an app
// installed only on site A (nothing stored for anyone on A), a body naming a site or an
// account, no CSRF, malformed and oversized bodies. The grant is the one `kiln consent`
// makes (the bridge's requestJira then works) and is audited.
//
// Run: node --test tests/e2e/ui_consent.test.mjs
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { startKiln, expectStatus, tempDir, writeFiles } from './lib/kiln.mjs';
import { deployApp, sessionPost, uiSession as session } from './lib/ui.mjs';

const MANIFEST = `modules:
  jira:issuePanel:
    - key: panel
      resource: main
      title: Consent panel
      icon: https://example.com/icon.svg
resources:
  - key: main
    path: static
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
  external:
    fetch:
      client:
        - https://api.example.com
`;

describe('the consent screen: GET/POST /_ui/v1/consent', () => {
  let k, A, B, sA, sB, app;
  const tag = randomBytes(3).toString('hex');
  const post = (s, body, headers) => sessionPost(k, s, '/_ui/v1/consent', body, headers);
  const consents = () => k.sql(`SELECT s.name || ' ' || c.account_id FROM user_consents c JOIN sites s ON s.id = c.site_id WHERE c.app_id = '${app}' ORDER BY 1`);

  before(async () => {
    k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
    A = await k.siteWithToken(`uc-a-${tag}`, true);
    B = await k.siteWithToken(`uc-b-${tag}`, true);
    const dir = path.join(tempDir('ucapp'), 'consent-app');
    writeFiles(dir, { 'manifest.yml': MANIFEST, 'static/index.html': '<p>hi</p>' });
    app = await deployApp(k, dir, [A]); // on A only
    sA = await session(k, A.name);
    sB = await session(k, B.name);
  });

  after(async () => {
    await k?.close();
  });

  it('GET shows the app, its scopes and egress; POST records the consent, audited', async () => {
    const g = await k.api(`/_ui/v1/consent?appId=${app}`, { headers: { cookie: sA.cookie } });
    expectStatus(g, 200);
    assert.equal(g.json.appName, 'consent-app');
    assert.deepEqual(g.json.scopes, ['read:jira-work']);
    assert.deepEqual(g.json.egress.fetch.client, ['https://api.example.com']);
    assert.equal(g.json.consented, false);
    assert.equal(consents(), '');
    const r = await post(sA, { appId: `ari:cloud:ecosystem::app/${app}` });
    expectStatus(r, 200);
    assert.deepEqual(r.json, { appId: app, consented: true });
    assert.equal(consents(), `${A.name} ${A.accountId}`);
    const g2 = await k.api(`/_ui/v1/consent?appId=${app}`, { headers: { cookie: sA.cookie } });
    assert.equal(g2.json.consented, true);
    // the audit log is written behind the request: poll for the row
    const q = `SELECT plane || ' ' || actor FROM audit_log WHERE kind = 'user.consent' AND app_id = '${app}'`;
    let audit = '';
    for (const end = Date.now() + 10000; !audit && Date.now() < end;) {
      audit = k.sql(q);
      if (!audit) await new Promise((res) => setImmediate(res));
    }
    assert.equal(audit, `web ${A.accountId}`);
  });

  it('a user of site B cannot consent for site A; the body names no site or account', async () => {
    k.sql(`DELETE FROM user_consents WHERE app_id = '${app}'`);
    expectStatus(await post(sB, { appId: app }), 404, 'not installed on B');
    expectStatus(await k.api(`/_ui/v1/consent?appId=${app}`, { headers: { cookie: sB.cookie } }), 404);
    expectStatus(await post(sB, { appId: app, site: A.name }), 400, 'a site in the body');
    expectStatus(await post(sB, { appId: app, accountId: A.accountId }), 400, 'an account in the body');
    // B's session on A's pages is no session there
    expectStatus(await k.api(`/s/${A.name}/`, { headers: { cookie: sB.cookie } }), 302);
    assert.equal(consents(), '', 'nothing stored for anyone');
  });

  it('no session, no CSRF, bad and oversized bodies are refused and store nothing', async () => {
    k.sql(`DELETE FROM user_consents WHERE app_id = '${app}'`);
    expectStatus(await post(null, { appId: app }), 401, 'no session');
    expectStatus(await post({ cookie: sA.cookie }, { appId: app }), 403, 'no CSRF header');
    expectStatus(await post({ cookie: sA.cookie, csrf: sB.csrf }, { appId: app }), 403, 'another session\'s CSRF');
    expectStatus(await post(sA, { appId: 'not-an-app' }), 400);
    expectStatus(await post(sA, { appId: 5 }), 400);
    expectStatus(await post(sA, '{bad', { 'content-type': 'application/json' }), 400);
    expectStatus(await post(sA, { appId: app, pad: 'x'.repeat(8192) }), 413);
    expectStatus(await post(sA, { appId: '00000000-0000-4000-8000-000000000000' }), 404, 'unknown app');
    expectStatus(await k.api('/_ui/v1/consent?appId=%ZZ', { headers: { cookie: sA.cookie } }), 400);
    assert.equal(consents(), '');
  });
});
