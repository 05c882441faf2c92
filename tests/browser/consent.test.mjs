// The asUser() consent screen in a real browser (docs/ui.md "Consent and administration"):
// examples/issue-panel-customui with read:me added to its scopes (only an app holding read:me
// or read:account asks each user: Forge's simplified user consent), installed on a site,
// no consent given. A fresh user opens
// an issue: the panel's requestJira answers consentRequired and the module's place shows
// "Allow access" with the app's name, scopes and egress. Deny says access was not given
// and stores nothing; Allow records the consent (the store's row, as `kiln consent` makes
// it) and the reloaded panel shows the issue's comments fetched as the user.
// Run with KILN_UI_SCREENSHOTS=1 to save the prompt's screenshot into docs/img/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startKiln } from '../e2e/lib/kiln.mjs';
import { deployApp, firstIssue } from '../e2e/lib/ui.mjs';
import { docShot, exampleApp, launchBrowser, signIn, withPage } from './lib/browser.mjs';

let k;
let browser;
let A;
let issue;
let appId;

const sql = (q) => k.sql(q);

before(async () => {
  k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
  browser = await launchBrowser();
  A = await k.siteWithToken('consa', true);
  issue = await firstIssue(k, A);
  const dir = exampleApp('issue-panel-customui', { build: true });
  const manifest = path.join(dir, 'manifest.yml');
  const text = readFileSync(manifest, 'utf8');
  assert.match(text, /^    - storage:app$/m);
  writeFileSync(manifest, text.replace(/^    - storage:app$/m, '    - storage:app\n    - read:me'));
  appId = await deployApp(k, dir, [A]);
  assert.match(appId, /^[0-9a-f-]{36}$/);
});

after(async () => {
  await browser?.close();
  await k?.close();
});

const consents = () => sql(`SELECT account_id FROM user_consents WHERE app_id = '${appId}'`);

test('a fresh user sees "Allow access"; Deny stores nothing; Allow stores the consent and the panel gets Jira data', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const prompt = page.getByTestId('consent-prompt');
    await prompt.waitFor();
    assert.equal(await page.getByTestId('consent-app').textContent(), 'issue-panel-customui');
    const scopes = await page.getByTestId('consent-scopes').locator('li code').allTextContents();
    assert.deepEqual(scopes.sort(), ['read:jira-work', 'read:me', 'storage:app']);
    assert.ok((await page.getByTestId('consent-egress').textContent()).length > 0);
    await docShot(page, 'consent-prompt');
    assert.equal(consents(), '', 'nothing stored before Allow');
    await page.getByTestId('consent-deny').click();
    await page.getByTestId('consent-denied').filter({ hasText: 'Access was not given' }).waitFor();
    assert.equal(consents(), '', 'nothing stored on Deny');
    // review again, then allow
    await page.getByRole('button', { name: 'Review access' }).click();
    await page.getByTestId('consent-allow').click();
    const el = page.locator('[data-testid="customui-frame"][data-module="notes-panel"]');
    await el.waitFor();
    const handle = await el.elementHandle();
    let f = await handle.contentFrame();
    while (!f) f = await handle.contentFrame();
    await f.locator('#comments').filter({ hasText: /^\d+ comment\(s\) on this issue$/ }).waitFor();
    assert.equal(consents(), A.accountId, 'the consent is stored for the signed-in user');
    assert.equal(await page.getByTestId('consent-prompt').count(), 0);
    assert.deepEqual(page.kilnErrors, []);
  });
});

// Each scope with Atlassian's description (ui/src/host/scopeText.json, generated from the
// Jira OpenAPI descriptions by tools/gen-scope-text.mjs); a scope they do not describe
// (storage:app) shows its name alone.
test('the consent screen shows each scope\'s description from Atlassian\'s scope data, a scope without one by its name', async (t) => {
  const users = await k.jira(A.cloudId, '/users/search?maxResults=100', { token: A.token });
  const other = users.json.find((u) => u.accountType === 'atlassian' && u.active && !consents().split('\n').includes(u.accountId));
  assert.ok(other, 'a user of the site without consent');
  const text = JSON.parse(readFileSync(path.join(ROOT, 'ui', 'src', 'host', 'scopeText.json'), 'utf8'));
  // Atlassian's words for the scope (the platform API's securitySchemes)
  const want = 'Read project and issue data. Search for issues and objects associated with issues (such as attachments and worklogs).';
  assert.equal(text['read:jira-work'], want, 'the generated table holds Atlassian\'s text');
  assert.equal(text['storage:app'], undefined);
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name, other.accountId);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const list = page.getByTestId('consent-scopes');
    await list.waitFor();
    const items = list.locator('li');
    assert.equal(await items.count(), 3); // read:jira-work, read:me, storage:app
    const read = items.filter({ has: page.locator('code', { hasText: /^read:jira-work$/ }) });
    assert.equal(await read.getByTestId('scope-text').textContent(), ` — ${want}`);
    const storage = items.filter({ has: page.locator('code', { hasText: /^storage:app$/ }) });
    assert.equal(await storage.textContent(), 'storage:app', 'no description: the name alone');
    assert.deepEqual(page.kilnErrors, []);
  });
});
