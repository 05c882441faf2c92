// The site web UI in a real browser (docs/ui.md "The site UI"): sign in with a one-time
// link, the projects list, search (a bad query's error, a good one's rows), the issue view
// (its time to interactive, measured warm), adding a comment (checked in the store through
// the REST API), a transition, and tenancy: another site's issue key on this site's
// browse URL shows not-found with none of that site's data; this site's session on
// another site's pages is sent to that site's sign-in; signed out, a page sends to sign-in.
// Run with KILN_UI_SCREENSHOTS=1 to save the pages' screenshots into docs/img/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expectStatus, ROOT, startKiln } from '../e2e/lib/kiln.mjs';
import { launchBrowser, signIn, withPage } from './lib/browser.mjs';

let k;
let browser;
let A; // {site, cloudId, token, accountId, canary}
let B;
const SHOTS = process.env.KILN_UI_SCREENSHOTS ? path.join(ROOT, 'docs', 'img') : null;

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `ui-${name}.png`) });
}

async function search(site, jql, fields = 'summary,status') {
  const r = await k.jira(site.cloudId, `/search/jql?${new URLSearchParams({ jql, fields, maxResults: '25' })}`, { token: site.token });
  return r;
}

before(async () => {
  k = await startKiln();
  browser = await launchBrowser();
  A = await k.siteWithToken('uia', true);
  B = await k.siteWithToken('uib', true);
});

after(async () => {
  await browser?.close();
  await k?.close();
});

test('signed out, a page of the site sends to its sign-in, with the page to come back to', async (t) => {
  await withPage(browser, t, async (page) => {
    await page.goto(`${k.url}/s/uia/issues?jql=${encodeURIComponent('order by key')}`);
    await page.waitForURL((u) => u.pathname === '/s/uia/login');
    const next = new URL(page.url()).searchParams.get('next');
    assert.equal(next, `/s/uia/issues?jql=${encodeURIComponent('order by key')}`);
  });
});

test('sign in with a login link; the projects list shows the site\'s projects', async (t) => {
  const r = await k.jira(A.cloudId, '/project/search?maxResults=100', { token: A.token });
  expectStatus(r, 200);
  const names = r.json.values.map((p) => p.name);
  assert.ok(names.length >= 2, 'the demo site has projects');
  let link;
  await withPage(browser, t, async (page) => {
    link = await signIn(k, page, 'uia');
    assert.equal(new URL(page.url()).pathname, '/s/uia/');
    const list = page.getByTestId('projects');
    for (const n of names) await list.getByRole('link', { name: n, exact: true }).waitFor();
    await shot(page, 'projects');
    assert.deepEqual(page.kilnErrors, []);
  });
  // the link is single-use: in another browser it does not sign in
  await withPage(browser, t, async (page) => {
    await page.goto(link);
    assert.notEqual(new URL(page.url()).pathname, '/s/uia/');
    await page.goto(`${k.url}/s/uia/`);
    await page.waitForURL((u) => u.pathname === '/s/uia/login');
  });
});

test('search: a bad query shows the server\'s error, a good one the rows', async (t) => {
  const bad = 'project = = nonsense';
  const rb = await search(A, bad);
  expectStatus(rb, 400);
  const message = rb.json.errorMessages[0];
  assert.ok(message);
  const good = `project = ${(await k.jira(A.cloudId, '/project/search', { token: A.token })).json.values[0].key} order by key`;
  const rg = await search(A, good);
  expectStatus(rg, 200);
  assert.ok(rg.json.issues.length > 0, 'the demo project has issues');
  await withPage(browser, t, async (page) => {
    await signIn(k, page, 'uia');
    await page.getByRole('link', { name: 'Search' }).click();
    await page.waitForURL((u) => u.pathname === '/s/uia/issues');
    const box = page.getByRole('textbox', { name: 'JQL' });
    await box.fill(bad);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const errors = page.getByTestId('search').getByTestId('error');
    await errors.getByText(message, { exact: false }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('jql'), bad, 'the query is in the URL');
    await box.fill(good);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const table = page.getByTestId('issue-table');
    for (const i of rg.json.issues) {
      const row = table.getByRole('row').filter({ has: page.getByRole('link', { name: i.key, exact: true }) });
      await row.waitFor();
      await row.getByText(i.fields.summary, { exact: true }).waitFor();
      await row.getByText(i.fields.status.name, { exact: true }).waitFor();
    }
    assert.equal(await errors.count(), 0, 'the error is gone');
    await shot(page, 'search');
    // a hard load of the same URL shows the same rows
    await page.reload();
    await table.getByRole('link', { name: rg.json.issues[0].key, exact: true }).waitFor();
  });
});

test('the issue view: open, comment (stored), transition; time to interactive measured', async (t) => {
  const project = (await k.jira(A.cloudId, '/project/search', { token: A.token })).json.values[0].key;
  const rs = await search(A, `project = ${project} order by key`);
  const issue = rs.json.issues[0];
  const tr = await k.jira(A.cloudId, `/issue/${issue.key}/transitions`, { token: A.token });
  expectStatus(tr, 200);
  const to = tr.json.transitions.find((x) => x.to?.name && x.to.name !== issue.fields.status.name);
  assert.ok(to, `issue ${issue.key} has a transition to another status`);
  await withPage(browser, t, async (page) => {
    await signIn(k, page, 'uia');
    // open it from the project page by a client-side link
    await page.goto(`${k.url}/s/uia/projects/${project}`);
    await page.getByTestId('issue-table').getByRole('link', { name: issue.key, exact: true }).click();
    await page.waitForURL((u) => u.pathname === `/s/uia/browse/${issue.key}`);
    const view = page.locator('[data-testid="issue-view"][data-ready="true"]');
    await view.getByTestId('issue-summary').getByText(issue.fields.summary, { exact: true }).waitFor();
    await view.getByTestId('issue-status').getByText(issue.fields.status.name, { exact: true }).waitFor();

    // warm time from navigation to interactive: issue, transitions and comments loaded
    const ready = page.locator('[data-testid="issue-view"] [data-testid="transitions"][data-loaded="true"]');
    const comments = page.locator('[data-testid="comments"][data-loaded="true"]');
    const times = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await page.goto(`${k.url}/s/uia/browse/${issue.key}`);
      await ready.waitFor();
      await comments.waitFor();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`# issue view, navigation to interactive (warm, 5 loads): median ${times[2].toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[4].toFixed(0)} ms`);

    // comment: appears, and is in the store
    const text = `A comment from the browser ${Date.now()} <b>not bold</b>`;
    await page.getByRole('textbox', { name: 'Add a comment' }).fill(text);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('comment').getByText(text, { exact: true }).waitFor();
    assert.equal(await page.locator('.kiln-comment b').count(), 0, 'comment text is not markup');
    const rc = await k.jira(A.cloudId, `/issue/${issue.key}/comment`, { token: A.token });
    expectStatus(rc, 200);
    assert.ok(
      rc.json.comments.some((c) => JSON.stringify(c.body).includes(JSON.stringify(text).slice(1, -1))),
      'the comment is stored',
    );
    await shot(page, 'issue');

    // transition
    await page.getByRole('button', { name: 'Transition' }).click();
    await page.getByRole('menuitem', { name: new RegExp(`^${to.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).click();
    await page.getByTestId('issue-status').getByText(to.to.name, { exact: true }).waitFor();
    const ri = await k.jira(A.cloudId, `/issue/${issue.key}?fields=status`, { token: A.token });
    assert.equal(ri.json.fields.status.name, to.to.name, 'the transition is stored');
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('tenancy: another site\'s issue key shows not-found and none of its data; A\'s session does not open B', async (t) => {
  const bProject = (await k.jira(B.cloudId, '/project/search', { token: B.token })).json.values[0].key;
  const bIssue = (await search(B, `project = ${bProject} order by key`)).json.issues[0];
  assert.ok(bIssue, 'site B has an issue');
  const bFull = await k.jira(B.cloudId, `/issue/${bIssue.key}`, { token: B.token });
  expectStatus(bFull, 200);
  await withPage(browser, t, async (page) => {
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await signIn(k, page, 'uia');
    await page.goto(`${k.url}/s/uia/browse/${encodeURIComponent(bIssue.key)}`);
    await page.getByTestId('issue-missing').waitFor();
    assert.equal(await page.getByTestId('issue-view').count(), 0);
    const html = await page.content();
    for (const secret of [B.canary, B.cloudId, bIssue.fields.summary, bIssue.id])
      assert.ok(!html.includes(secret), `B's ${secret} is not in A's page`);
    assert.ok(!requests.some((u) => u.includes(B.cloudId)), 'no request names B\'s cloudId');
    // A's session on B's pages: B's sign-in, not B's data
    await page.goto(`${k.url}/s/uib/browse/${encodeURIComponent(bIssue.key)}`);
    await page.waitForURL((u) => u.pathname === '/s/uib/login');
    assert.ok(!(await page.content()).includes(bIssue.fields.summary));
    // and A's cookie against B's REST API from the page: the one 401
    await page.goto(`${k.url}/s/uia/`);
    const status = await page.evaluate(async ([cloudId, key]) => {
      const r = await fetch(`/ex/jira/${cloudId}/rest/api/3/issue/${key}`, { credentials: 'same-origin' });
      return r.status;
    }, [B.cloudId, bIssue.key]);
    assert.equal(status, 401);
  });
});
