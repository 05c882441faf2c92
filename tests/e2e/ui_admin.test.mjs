// The site admin page's endpoints (docs/ui.md "Consent and administration"):
// GET /_ui/v1/admin/{apps,audit,ledger}, for the signed-in site's admins only, reading only
// that site's rows. Tries to cross tenants: site A's admin asking for B's rows (?site=B is
// refused, never followed), ledger rows between two other sites never shown to A, a plain
// user of A refused, B's admin seeing none of A's apps.
//
// The ledger rows here are written straight into the ledger table (the readers under test
// are real: platform/admin_journal.c); tests/e2e/ledger.test.mjs makes real ones.
//
// Run: node --test tests/e2e/ui_admin.test.mjs
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startKiln, expectStatus, describeRes, tempDir, writeFiles, cliOkJson as okJson } from './lib/kiln.mjs';
import { deployApp, sessionPost, uiSession as session } from './lib/ui.mjs';

const MANIFEST = `modules:
  jira:issuePanel:
    - key: panel
      resource: main
      title: Admin test panel
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
      backend:
        - https://api.example.com
`;

describe('the site admin endpoints: /_ui/v1/admin/{apps,audit,ledger}', () => {
  let k, A, B, C, aAdmin, aUser, bAdmin, app, dir;
  const tag = randomBytes(3).toString('hex');
  const get = (s, p) => k.api(`/_ui/v1/admin/${p}`, { headers: { cookie: s.cookie } });

  before(async () => {
    k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
    A = await k.siteWithToken(`ua-a-${tag}`, true);
    B = await k.siteWithToken(`ua-b-${tag}`, true);
    C = await k.siteWithToken(`ua-c-${tag}`, true);
    dir = path.join(tempDir('uaapp'), 'admin-app');
    writeFiles(dir, { 'manifest.yml': MANIFEST, 'static/index.html': '<p>hi</p>' });
    app = await deployApp(k, dir, [A]);
    const id = (s) => k.sql(`SELECT id FROM sites WHERE name = '${s.name}'`);
    const now = Date.now();
    const row = (src, dst, kind, destination) => `(${now}, ${src}, ${dst}, '${kind}', '${app}', 'i', 'inv-${kind}-${src}-${dst}', '${destination}', 42)`;
    k.sql(`INSERT INTO ledger (time_ms, site_id, dest_site_id, kind, app_id, installation_id, invocation_id, destination, bytes) VALUES
      ${row(id(A), 0, 'egress', 'https://api.example.com/v1')}, ${row(id(C), id(A), 'webtrigger.request', 'webtrigger A')},
      ${row(id(B), id(C), 'webtrigger.request', 'webtrigger C')}`);
    aAdmin = await session(k, A.name);
    bAdmin = await session(k, B.name);
    const other = k.sql(`SELECT account_id FROM users u JOIN sites s ON s.id = u.site_id WHERE s.name = '${A.name}' AND u.account_id != '${A.accountId}' AND u.account_type = 'atlassian' AND u.active = 1 AND NOT EXISTS (SELECT 1 FROM user_permissions p WHERE p.site_id = u.site_id AND p.account_id = u.account_id AND p.permission = 'ADMINISTER') LIMIT 1`);
    assert.ok(other, 'a non-admin person on the demo site');
    aUser = await session(k, A.name, other);
    const me = await k.api('/_ui/v1/me', { headers: { cookie: aUser.cookie } });
    assert.equal(me.json.isAdmin, false, 'the second person is no admin');
  });

  after(async () => {
    await k?.close();
  });

  it('apps: the site\'s installed apps with their scopes and egress; another site\'s admin sees none of them', async () => {
    const r = await get(aAdmin, 'apps');
    expectStatus(r, 200);
    const mine = r.json.apps.find((a) => a.appId === app);
    assert.ok(mine, describeRes(r));
    assert.equal(mine.name, 'admin-app');
    assert.equal(mine.environment, 'development');
    assert.deepEqual(mine.scopes, ['read:jira-work']);
    assert.deepEqual(mine.egress.fetch.backend, ['https://api.example.com']);
    const rb = await get(bAdmin, 'apps');
    expectStatus(rb, 200);
    assert.equal(rb.json.apps.some((a) => a.appId === app), false);
  });

  it('ledger: A\'s admin sees A\'s flows out and in, never B -> C; ?site is refused', async () => {
    const r = await get(aAdmin, 'ledger');
    expectStatus(r, 200);
    const mine = r.json.records.filter((x) => x.appId === `ari:cloud:ecosystem::app/${app}` || x.appId === app);
    assert.deepEqual(mine.map((x) => `${x.direction} ${x.site}>${x.destinationSite} ${x.kind}`).sort(),
      [`in ${C.name}>${A.name} webtrigger.request`, `out ${A.name}> egress`]);
    assert.ok(r.json.records.every((x) => x.site === A.name || x.destinationSite === A.name), 'only A\'s flows');
    expectStatus(await get(aAdmin, `ledger?site=${B.name}`), 400, 'another site by parameter');
    expectStatus(await get(aAdmin, 'ledger?n=x'), 400);
    const rb = await get(bAdmin, 'ledger');
    assert.ok(rb.json.records.every((x) => x.site === B.name || x.destinationSite === B.name));
    assert.equal(rb.json.records.some((x) => x.destinationSite === A.name || x.site === A.name), false);
  });

  it('audit: only the site\'s own events, paged; ?site is refused', async () => {
    const r = await get(aAdmin, 'audit?n=1000');
    expectStatus(r, 200);
    assert.ok(r.json.events.length > 0);
    assert.ok(r.json.events.every((e) => e.site === A.name), 'only A\'s events');
    const p = await get(aAdmin, 'audit?n=1');
    assert.equal(p.json.events.length, 1);
    const next = await get(aAdmin, `audit?n=1&after=${p.json.events[0].id}`);
    assert.ok(next.json.events.every((e) => e.id > p.json.events[0].id));
    expectStatus(await get(aAdmin, `audit?site=${B.name}`), 400);
    const rb = await get(bAdmin, 'audit?n=1000');
    assert.ok(rb.json.events.every((e) => e.site === B.name));
  });

  it('upgrade: a pending major shows with its scopes; only A\'s admin, with CSRF, can approve it for A', async () => {
    const before = (await get(aAdmin, 'apps')).json.apps.find((a) => a.appId === app);
    assert.equal(before.pending, null, 'nothing pending yet');
    const mf = path.join(dir, 'manifest.yml'); // as `kiln register` left it (with the app's id)
    writeFileSync(mf, readFileSync(mf, 'utf8').replace('    - read:jira-work', '    - read:jira-work\n    - write:jira-work'));
    await okJson(k, ['deploy', dir, '--json']);
    const r = (await get(aAdmin, 'apps')).json.apps.find((a) => a.appId === app);
    assert.equal(r.major, 1);
    assert.equal(r.pending.major, 2);
    assert.deepEqual(r.pending.scopes.sort(), ['read:jira-work', 'write:jira-work']);
    const up = (s, body = { appId: app, environment: 'development' }, headers) => sessionPost(k, s, '/_ui/v1/admin/upgrade', body, headers);
    expectStatus(await up(aUser), 403, 'a plain user');
    expectStatus(await up({ cookie: aAdmin.cookie }), 403, 'no CSRF');
    expectStatus(await up(bAdmin), 404, 'B\'s admin: not installed on B');
    expectStatus(await up(aAdmin, { appId: app, environment: 'development', site: B.name }), 400, 'a site in the body');
    expectStatus(await up(aAdmin, { appId: app }), 400);
    expectStatus(await up(aAdmin, '{bad', { 'content-type': 'application/json' }), 400);
    expectStatus(await up(aAdmin, { appId: app, environment: 'development', pad: 'x'.repeat(8192) }), 413);
    assert.equal(k.sql(`SELECT major FROM installations WHERE app_id = '${app}' AND removed = 0`), '1', 'nothing changed');
    const ok = await up(aAdmin);
    expectStatus(ok, 200);
    assert.deepEqual(ok.json, { appId: app, environment: 'development', major: 2 });
    const after2 = (await get(aAdmin, 'apps')).json.apps.find((a) => a.appId === app);
    assert.equal(after2.major, 2);
    assert.equal(after2.pending, null);
    assert.deepEqual(after2.scopes.sort(), ['read:jira-work', 'write:jira-work']);
    assert.ok((await up(aAdmin)).status >= 400, 'no newer major now');
  });

  it('a plain user of the site is refused (403), a request without a session 401', async () => {
    for (const p of ['apps', 'audit', 'ledger']) {
      expectStatus(await get(aUser, p), 403, p);
      expectStatus(await k.api(`/_ui/v1/admin/${p}`), 401, p);
    }
  });
});
