// The site admin page in a real browser (docs/ui.md "Consent and administration"): the
// site's admin sees the installed example app with its scopes, the data-flow ledger drawn
// as an SVG graph with an edge for the app's transfer, and the audit log; a new major of
// the app shows as pending, its review lists the added scope and egress, Approve upgrades; a plain user of
// the site gets the page's refusal and the admin endpoints answer them 403.
// The transfer is a ledger row written into the ledger table (the reader and the page are
// what is tested; tests/e2e/ledger.test.mjs makes real transfers).
// Run with KILN_UI_SCREENSHOTS=1 to save the page's screenshot into docs/img/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliOkJson, startKiln, tempDir, writeFiles } from '../e2e/lib/kiln.mjs';
import { deployApp } from '../e2e/lib/ui.mjs';
import { docShot, launchBrowser, signIn, withPage } from './lib/browser.mjs';

let k;
let browser;
let A;
let B;
let appId;
let plain;
let dir;

const sql = (q) => k.sql(q);

before(async () => {
  k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
  browser = await launchBrowser();
  A = await k.siteWithToken('adma', true);
  B = await k.siteWithToken('admb', true);
  dir = path.join(tempDir('admapp'), 'egress-app');
  writeFiles(dir, {
    'manifest.yml': `modules:
  jira:issuePanel:
    - key: panel
      resource: main
      title: Egress panel
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
`,
    'static/index.html': '<p>hi</p>',
  });
  appId = await deployApp(k, dir, [A]);
  const id = (s) => sql(`SELECT id FROM sites WHERE name = '${s}'`);
  const now = Date.now();
  sql(`INSERT INTO ledger (time_ms, site_id, dest_site_id, kind, app_id, installation_id, invocation_id, destination, bytes) VALUES
    (${now}, ${id(A.name)}, 0, 'egress', '${appId}', 'i', 'inv1', 'https://api.example.com/v1/items', 10),
    (${now}, ${id(A.name)}, 0, 'egress', '${appId}', 'i', 'inv2', 'https://api.example.com/v1/items', 10),
    (${now}, ${id(B.name)}, ${id(A.name)}, 'webtrigger.request', '${appId}', 'i', 'inv3', 'webtrigger', 10)`);
  plain = sql(`SELECT account_id FROM users u JOIN sites s ON s.id = u.site_id WHERE s.name = '${A.name}' AND u.account_id != '${A.accountId}' AND u.account_type = 'atlassian' AND u.active = 1 AND NOT EXISTS (SELECT 1 FROM user_permissions p WHERE p.site_id = u.site_id AND p.account_id = u.account_id AND p.permission = 'ADMINISTER') LIMIT 1`);
  assert.ok(plain, 'a non-admin person on the demo site');
});

after(async () => {
  await browser?.close();
  await k?.close();
});

test('the admin sees the installed app with its scopes, the ledger graph with the transfer edges, the audit log', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/admin`);
    const row = page.locator(`[data-testid="admin-app"][data-app="${appId}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /egress-app/);
    assert.equal(await row.getByTestId('admin-app-scopes').textContent(), 'read:jira-work');
    await page.getByTestId('ledger-graph').waitFor();
    assert.equal(await page.getByTestId('ledger-site').getAttribute('data-label'), A.name);
    const out = page.locator('[data-testid="ledger-edge"][data-dir="out"][data-peer="api.example.com"]');
    assert.equal(await out.getAttribute('data-count'), '2');
    assert.match(await out.textContent(), /2× egress-app/);
    const inn = page.locator(`[data-testid="ledger-edge"][data-dir="in"][data-peer="${B.name}"]`);
    assert.equal(await inn.getAttribute('data-count'), '1');
    await page.getByTestId('audit-row').first().waitFor();
    await docShot(page, 'site-admin');
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('a pending major: the admin reviews its scope and egress diff and approves it', async (t) => {
  const mf = path.join(dir, 'manifest.yml'); // as `kiln register` left it (with the app's id)
  writeFileSync(mf, readFileSync(mf, 'utf8').replace('    - read:jira-work', '    - read:jira-work\n    - write:jira-work').replace('        - https://api.example.com', '        - https://api.example.com\n        - https://hooks.example.org'));
  await cliOkJson(k, ['deploy', dir, '--json']);
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/admin`);
    const row = page.locator(`[data-testid="admin-app"][data-app="${appId}"]`);
    await row.getByTestId('upgrade-open').click();
    const review = page.getByTestId('upgrade-review');
    await review.waitFor();
    assert.deepEqual(await review.getByTestId('upgrade-scopes').locator('[data-change="added"] code').allTextContents(), ['write:jira-work']);
    // with Atlassian's description of the scope (Scope.jsx, scopeText.json)
    assert.equal(await review.getByTestId('upgrade-scopes').locator('[data-change="added"]').getByTestId('scope-text').textContent(),
      ' — Create and edit issues in Jira, post comments, create worklogs, and delete issues.');
    assert.deepEqual(await review.getByTestId('upgrade-egress').locator('[data-change="added"]').allTextContents(), ['+ https://hooks.example.org']);
    await docShot(page, 'site-admin-upgrade');
    assert.equal(sql(`SELECT major FROM installations WHERE app_id = '${appId}' AND removed = 0`), '1', 'not before Approve');
    await review.getByTestId('upgrade-approve').click();
    await row.locator('td').nth(1).filter({ hasText: /^2$/ }).waitFor();
    assert.equal(await page.getByTestId('upgrade-review').count(), 0);
    assert.equal(await row.getByTestId('upgrade-open').count(), 0, 'nothing pending');
    assert.equal(sql(`SELECT major FROM installations WHERE app_id = '${appId}' AND removed = 0`), '2');
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('a plain user of the site is refused: the page says so and the endpoints answer 403', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name, plain);
    await page.goto(`${k.url}/s/${A.name}/admin`);
    await page.getByText('Site administrators only').waitFor();
    assert.equal(await page.getByTestId('admin-apps').count(), 0);
    const statuses = await page.evaluate(async () => Promise.all(['apps', 'audit', 'ledger'].map(async (p) => (await fetch(`/_ui/v1/admin/${p}`)).status)));
    assert.deepEqual(statuses, [403, 403, 403]);
  });
});
