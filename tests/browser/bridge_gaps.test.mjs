// The bridge calls closed after the first round of issue 19 (docs/ui.md "Custom UI"), in a
// real browser with the fixture app tests/browser/fixtures/bridge-gaps (built here with
// esbuild and the real @forge/bridge): invokeRemote reaches the modules' resolver.endpoint
// on a loopback remote with a FIT naming the user, the module and the site, and answers
// as @forge/bridge shapes it; router.reload reloads the host page; showFlag's close()
// takes the flag away; view.createHistory on full pages is the page's URL; a dashboard
// gadget's edit view saves its configuration.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln } from '../e2e/lib/kiln.mjs';
import { launchBrowser, signIn, withPage } from './lib/browser.mjs';
import { clickLater, deployFixture, frameOf, loopbackRemote } from './lib/fixtures.mjs';

let k;
let browser;
let A;
let issue;
let remote;
let appId;
const remoteSeen = [];

before(async () => {
  k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
  browser = await launchBrowser();
  A = await k.siteWithToken('gaps', true);
  const r = await k.api(`/ex/jira/${A.cloudId}/rest/api/3/search?jql=order%20by%20key&maxResults=1&fields=summary`, { token: A.token });
  issue = r.json.issues[0].key;
  let port;
  ({ remote, port } = await loopbackRemote(remoteSeen, (req, res, claims) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ principal: claims.principal, cloudId: claims.context?.cloudId }));
  }));
  appId = (await deployFixture(k, A.name, 'bridge-gaps', 'bridge-gaps', (m) => m.replace('http://127.0.0.1:9/base', `http://127.0.0.1:${port}/base`))).id;
});

after(async () => {
  await browser?.close();
  await k?.close();
  remote?.close();
});

const panel = (page) => page.locator('[data-testid="customui-frame"][data-module="gaps-panel"]');

test('invokeRemote reaches the resolver.endpoint\'s remote with a FIT of the user, module and site; the answer as @forge/bridge shapes it', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name, A.accountId);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const a = await frameOf(panel(page), /^gaps-panel$/);
    remoteSeen.length = 0;
    await a.locator('#remote').click();
    const out = a.locator('#remote-out').filter({ hasText: /^remote [{e]/ });
    await out.waitFor();
    const text = await out.textContent();
    assert.match(text, /^remote \{/, text);
    const got = JSON.parse(text.slice('remote '.length));
    assert.deepEqual(got, {
      status: 200,
      headers: { 'content-type': 'application/json' }, // @forge/bridge joins the header arrays
      body: { principal: A.accountId, cloudId: A.cloudId },
    });
    assert.equal(remoteSeen.length, 1);
    assert.equal(remoteSeen[0].url, '/base/ep/hello?from=gaps-panel');
    assert.deepEqual(JSON.parse(remoteSeen[0].body), { n: 1 });
    assert.deepEqual(remoteSeen[0].claims.app.module, { type: 'jira:issuePanel', key: 'gaps-panel' });
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('router.reload reloads the host page; showFlag\'s close() takes the flag away', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const a = await frameOf(panel(page), /^gaps-panel$/);
    await a.locator('#flag').click();
    const flag = page.locator('[data-testid="app-flag"]').filter({ hasText: 'Gap flag' });
    await flag.waitFor();
    await a.locator('#unflag').click();
    await a.locator('#flag-out').filter({ hasText: 'flag closed' }).waitFor();
    await flag.waitFor({ state: 'detached' });
    // reload: the page's own state goes, the frame comes back
    await page.evaluate(() => { window.kilnBeforeReload = 1; });
    await Promise.all([page.waitForEvent('load'), a.locator('#reload').click()]);
    await frameOf(panel(page), /^gaps-panel$/);
    assert.equal(await page.evaluate(() => window.kilnBeforeReload), undefined, 'the host page was reloaded');
    assert.equal(page.url(), `${k.url}/s/${A.name}/browse/${issue}`);
    assert.deepEqual(page.kilnErrors, []);
  });
});

const pageFrame = (page) => page.locator('[data-testid="customui-frame"][data-module="gaps-page"]');

test('view.createHistory on a global page is the page\'s URL: push and replace change it, back and forward move the frame, a reload and a shared link restore it', async (t) => {
  const base = `${k.url}/s/${A.name}/apps/${appId}/gaps-page`;
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(base);
    let f = await frameOf(pageFrame(page), /^gaps-page$/);
    const where = () => f.locator('#where');
    await where().filter({ hasText: /^at \/$/ }).waitFor();
    await f.locator('#to').fill('/items/42?tab=2#top');
    await f.locator('#push').click();
    await page.waitForURL(`${base}/items/42?tab=2#top`);
    await where().filter({ hasText: /^at \/items\/42\?tab=2#top$/ }).waitFor();
    await f.locator('#to').fill('/other');
    await f.locator('#replace').click();
    await page.waitForURL(`${base}/other`);
    // back: the entry before the push (the replace took the pushed one's place)
    await page.goBack();
    await page.waitForURL(base);
    await where().filter({ hasText: /^at \/$/ }).waitFor();
    await page.goForward();
    await page.waitForURL(`${base}/other`);
    await where().filter({ hasText: /^at \/other$/ }).waitFor();
    // a reload: the shell of the app page answers the deeper path, the frame starts there
    await page.reload();
    f = await frameOf(pageFrame(page), /^gaps-page$/);
    await where().filter({ hasText: /^at \/other$/ }).waitFor();
    assert.deepEqual(page.kilnErrors, []);
  });
  // a shared link, in a fresh browser context
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${base}/items/7?q=1#h`);
    const f = await frameOf(pageFrame(page), /^gaps-page$/);
    await f.locator('#where').filter({ hasText: /^at \/items\/7\?q=1#h$/ }).waitFor();
    assert.equal(await page.getByTestId('app-page').count(), 1);
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('view.createHistory in an issue panel stays in the frame: the host page\'s URL does not move', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    const url = `${k.url}/s/${A.name}/browse/${issue}`;
    await page.goto(url);
    const a = await frameOf(panel(page), /^gaps-panel$/);
    await a.locator('#where').filter({ hasText: /^at \/$/ }).waitFor();
    await a.locator('#to').fill('/inner?x=1');
    await a.locator('#push').click();
    await a.locator('#where').filter({ hasText: /^at \/inner\?x=1$/ }).waitFor();
    assert.equal(page.url(), url);
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('view.createHistory on a project page keeps kiln\'s project=KEY first in the query and gives the frame the rest', async (t) => {
  const project = issue.split('-')[0];
  const base = `${k.url}/s/${A.name}/apps/${appId}/gaps-project`;
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${base}?project=${project}`);
    const frame = page.locator('[data-testid="customui-frame"][data-module="gaps-project"]');
    let f = await frameOf(frame, /^gaps-project$/);
    await f.locator('#where').filter({ hasText: /^at \/$/ }).waitFor();
    await f.locator('#to').fill('/board?x=1');
    await f.locator('#push').click();
    await page.waitForURL(`${base}/board?project=${project}&x=1`);
    await f.locator('#where').filter({ hasText: /^at \/board\?x=1$/ }).waitFor();
    await page.reload();
    f = await frameOf(frame, /^gaps-project$/);
    await f.locator('#where').filter({ hasText: /^at \/board\?x=1$/ }).waitFor();
    assert.deepEqual(page.kilnErrors, []);
  });
});

// A dashboard gadget's edit view (jira:dashboardGadget `edit`): the site admin's Edit
// draws the edit resource with extension.entryPoint "edit"; its view.submit(config) is
// kept on the server and the view, made again, gets it as extension.gadgetConfiguration
// (after a reload too); view.close() leaves without saving. A plain user of the site has
// no Edit button, and the server refuses them the edit frame and the save.
const gadget = (page) => page.locator('[data-testid="module"][data-module="gaps-gadget"]');
const gadgetFrame = (page) => gadget(page).locator('[data-testid="customui-frame"]');

test('a dashboard gadget\'s edit view: view.submit saves extension.gadgetConfiguration, view.close leaves it', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/dashboard`);
    let f = await frameOf(gadgetFrame(page), /^gaps-gadget$/);
    assert.equal(await f.locator('#cfg-out').textContent(), 'config {}');
    await gadget(page).getByTestId('gadget-edit').click();
    let e = await frameOf(gadget(page).getByTestId('gadget-editing').locator('[data-testid="customui-frame"]'), /^gaps-gadget edit$/);
    await e.locator('#cfg').fill('blue');
    await clickLater(e, 'save');
    await gadget(page).getByTestId('gadget-editing').waitFor({ state: 'detached' });
    f = await frameOf(gadgetFrame(page), /^gaps-gadget$/);
    await f.locator('#cfg-out').filter({ hasText: 'config {"color":"blue"}' }).waitFor();
    // kept on the server: a reload shows it
    await page.reload();
    f = await frameOf(gadgetFrame(page), /^gaps-gadget$/);
    await f.locator('#cfg-out').filter({ hasText: 'config {"color":"blue"}' }).waitFor();
    // close: back to the view, nothing saved
    await gadget(page).getByTestId('gadget-edit').click();
    e = await frameOf(gadget(page).getByTestId('gadget-editing').locator('[data-testid="customui-frame"]'), /^gaps-gadget edit$/);
    assert.equal(await e.locator('#cfg-out').textContent(), 'config {"color":"blue"}', 'the edit view gets the configuration too');
    await e.locator('#cfg').fill('red');
    await clickLater(e, 'cancel');
    await gadget(page).getByTestId('gadget-editing').waitFor({ state: 'detached' });
    f = await frameOf(gadgetFrame(page), /^gaps-gadget$/);
    assert.equal(await f.locator('#cfg-out').textContent(), 'config {"color":"blue"}');
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('a plain user of the site gets no edit view of a gadget: no Edit button, the edit frame and the save refused', async (t) => {
  const users = await k.jira(A.cloudId, '/users/search?maxResults=100', { token: A.token });
  const people = users.json.filter((u) => u.accountType === 'atlassian' && u.active && u.accountId !== A.accountId);
  await withPage(browser, t, async (page) => {
    let plain = null;
    for (const u of people) {
      await signIn(k, page, A.name, u.accountId);
      const admin = await page.evaluate(() => JSON.parse(document.getElementById('kiln-boot').textContent).isAdmin);
      if (!admin) {
        plain = u;
        break;
      }
    }
    assert.ok(plain, 'a non-admin person on the demo site');
    await page.goto(`${k.url}/s/${A.name}/dashboard`);
    const f = await frameOf(gadgetFrame(page), /^gaps-gadget$/);
    assert.equal(await f.locator('#cfg-out').textContent(), 'config {"color":"blue"}', 'the site\'s configuration, for everyone');
    assert.equal(await gadget(page).getByTestId('gadget-edit').count(), 0);
    const got = await page.evaluate(async (app) => {
      const csrf = document.querySelector('meta[name="kiln-csrf"]').content;
      const post = (path, body, extra = {}) => fetch(path, {
        method: 'POST', headers: { 'content-type': 'application/json', 'x-kiln-csrf': csrf, ...extra }, body: JSON.stringify(body),
      });
      const edit = await post('/_ui/v1/frames', { appId: app, moduleKey: 'gaps-gadget', extension: { entryPoint: 'edit' } });
      const view = await (await post('/_ui/v1/frames', { appId: app, moduleKey: 'gaps-gadget', extension: {} })).json();
      const save = await post('/_ui/v1/bridge', { op: 'gadgetConfig', payload: { color: 'green' }, extension: {} }, { 'x-kiln-context': view.token });
      const forged = await post('/_ui/v1/bridge', { op: 'gadgetConfig', payload: { color: 'green' }, extension: { entryPoint: 'edit' } }, { 'x-kiln-context': view.token });
      return [edit.status, save.status, forged.status];
    }, appId);
    assert.deepEqual(got, [403, 403, 403], 'edit frame, save from a view frame, a view token with the edit extension');
  });
});

test("a gadget's view.refresh makes its frame again: a new document and token, with the configuration the server has now", async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    const asked = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/_ui/v1/frames') && r.postDataJSON()?.moduleKey === 'gaps-gadget') asked.push(r.postDataJSON());
    });
    await page.goto(`${k.url}/s/${A.name}/dashboard`);
    let f = await frameOf(gadgetFrame(page), /^gaps-gadget$/);
    const before = await f.locator('#cfg-out').textContent();
    const first = await gadgetFrame(page).elementHandle();
    await f.locator('#cfg').fill('typed, not saved');
    // the configuration changes on the server behind the view's back (the edit view's save)
    await gadget(page).getByTestId('gadget-edit').click();
    const e = await frameOf(gadget(page).getByTestId('gadget-editing').locator('[data-testid="customui-frame"]'), /^gaps-gadget edit$/);
    await e.locator('#cfg').fill('violet');
    await clickLater(e, 'save');
    await gadget(page).getByTestId('gadget-editing').waitFor({ state: 'detached' });
    f = await frameOf(gadgetFrame(page), /^gaps-gadget$/);
    await f.locator('#cfg-out').filter({ hasText: 'config {"color":"violet"}' }).waitFor();
    assert.notEqual(before, 'config {"color":"violet"}');
    const n = asked.length;
    await f.locator('#cfg').fill('typed again');
    const second = await gadgetFrame(page).elementHandle();
    await clickLater(f, 'refresh');
    await page.waitForFunction((el) => !el.isConnected, second);
    f = await frameOf(gadgetFrame(page), /^gaps-gadget$/);
    assert.equal(await f.locator('#cfg').inputValue(), '', 'a new document: what was typed is gone');
    await f.locator('#cfg-out').filter({ hasText: 'config {"color":"violet"}' }).waitFor();
    assert.equal(asked.length, n + 1, 'the frame was asked for again (a new token and context)');
    assert.equal(await first.evaluate((el) => el.isConnected), false);
    assert.deepEqual(page.kilnErrors, []);
  });
});
