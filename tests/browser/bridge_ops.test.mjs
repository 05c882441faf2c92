// The host-side bridge ops in a real browser (docs/ui.md "Custom UI", the bridge table):
// the fixture app tests/browser/fixtures/bridge-ops (two issue panels of one app, built
// here with esbuild and the real @forge/bridge) and a second copy of it installed as
// another app, all three panels on one issue view. events.emit reaches the other frame of
// the same app and not the other app's frame; showFlag draws a flag in the host page; a
// Modal opens another frame of the same resource with the modal's context, and its
// onClose gets the payload of view.close and of view.submit; outside a modal view.submit
// rejects; router.navigate moves the host page and router.open opens a tab (http(s) only),
// view.refresh makes the frame again, view.createHistory pushes and listens in the frame;
// requestRemote reaches the app's loopback remote with a FIT naming the user, and another
// app's frame cannot reach it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln } from '../e2e/lib/kiln.mjs';
import { firstIssue } from '../e2e/lib/ui.mjs';
import { launchBrowser, signIn, withPage } from './lib/browser.mjs';
import { clickLater, deployFixture, frameOf, loopbackRemote } from './lib/fixtures.mjs';

let k;
let browser;
let A;
let issue;
let remote;
const remoteSeen = [];

const deploy = (name, manifest) => deployFixture(k, A.name, 'bridge-ops', name, manifest);

before(async () => {
  k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
  browser = await launchBrowser();
  A = await k.siteWithToken('bops', true);
  issue = await firstIssue(k, A);
  let port;
  ({ remote, port } = await loopbackRemote(remoteSeen, (req, res, claims) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`for ${claims.principal} on ${claims.context?.cloudId}`);
  }));
  await deploy('bridge-ops', (m) => m.replace('http://127.0.0.1:9/base', `http://127.0.0.1:${port}/base`));
  // another app, the same page, one panel
  await deploy('bridge-ops-other', (m) => m.replace(/remotes:[\s\S]*$/, '').replace(/    - key: ops-a[\s\S]*?(    - key: ops-b)/, '$1').replace('key: ops-b', 'key: ops-other'));
});

after(async () => {
  await browser?.close();
  await k?.close();
  remote?.close();
});

const panel = (page, key) => page.locator(`[data-testid="customui-frame"][data-module="${key}"]:not([data-testid="customui-modal"] *)`);

test('events reach the frames of the same app only; showFlag draws a flag', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const a = await frameOf(panel(page, 'ops-a'), /^ops-a$/);
    const b = await frameOf(panel(page, 'ops-b'), /^ops-b$/);
    const o = await frameOf(panel(page, 'ops-other'), /^ops-other$/);
    await a.locator('#emit').click();
    await b.locator('#got').filter({ hasText: 'got ops-a at ops-b' }).waitFor();
    await a.locator('#got').filter({ hasText: 'got ops-a at ops-a' }).waitFor();
    assert.equal(await o.locator('#got').textContent(), 'nothing', 'another app\'s frame hears nothing');
    // and the other way round: the other app's event stays in the other app
    await o.locator('#emit').click();
    await o.locator('#got').filter({ hasText: 'got ops-other at ops-other' }).waitFor();
    assert.equal(await b.locator('#got').textContent(), 'got ops-a at ops-b');
    await a.locator('#flag').click();
    const flag = page.locator('[data-testid="app-flag"]');
    await flag.filter({ hasText: 'Hello flag' }).filter({ hasText: 'from ops-a' }).waitFor();
    assert.equal(await flag.count(), 1);
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('a Modal shows the same resource with its context; onClose gets view.close\'s and view.submit\'s payload', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const a = await frameOf(panel(page, 'ops-a'), /^ops-a$/);
    // outside a modal, submit rejects
    await a.locator('#submit').click();
    await a.locator('#who').filter({ hasText: /^error / }).waitFor();
    await page.reload();
    const a2 = await frameOf(panel(page, 'ops-a'), /^ops-a$/);
    for (const [button, want] of [['close', 'closed {"answer":42}'], ['submit', 'closed {"answer":7}']]) {
      await a2.locator('#modal').click();
      const dialog = page.locator('[data-testid="customui-modal"]');
      const m = await frameOf(dialog.locator('[data-testid="customui-frame"]'), 'modal ops-a');
      assert.deepEqual(JSON.parse((await m.locator('#who').textContent()).replace('modal ops-a ', '')), { hello: 'modal' });
      // The button closes the frame it lives in: clicked from inside (lib/fixtures.mjs).
      await clickLater(m, button);
      await dialog.waitFor({ state: 'detached' });
      await a2.locator('#closed').filter({ hasText: want }).waitFor();
    }
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('router.navigate moves the host page (kiln\'s pages in place), router.open a new tab; view.refresh remakes the frame; createHistory pushes and listens', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    let a = await frameOf(panel(page, 'ops-a'), /^ops-a$/);
    // createHistory: push and listen, in the frame
    await a.locator('#history').click();
    await a.locator('#hist').filter({ hasText: '/next?q=1 /after' }).waitFor();
    // refresh: a new frame, so the page's state is gone
    await a.locator('#emit').click();
    await a.locator('#got').filter({ hasText: 'got ops-a' }).waitFor();
    const before = await panel(page, 'ops-a').elementHandle();
    await clickLater(a, 'refresh');
    await page.waitForFunction((el) => !el.isConnected, before);
    a = await frameOf(panel(page, 'ops-a'), /^ops-a$/);
    assert.equal(await a.locator('#got').textContent(), 'nothing');
    // open: a new tab with the URL, the host page stays
    const target = `${k.url}/s/${A.name}/issues?jql=order%20by%20key`;
    await a.locator('#url').fill(target);
    const [popup] = await Promise.all([page.context().waitForEvent('page'), a.locator('#open').click()]);
    await popup.waitForURL(target);
    assert.equal(await popup.evaluate(() => window.opener), null, 'noopener');
    await popup.close();
    assert.equal(page.url(), `${k.url}/s/${A.name}/browse/${issue}`);
    // navigate: this tab, to the search page (the frame goes with the page)
    await clickLater(a, 'nav');
    await page.waitForURL(target);
    // not http(s): refused
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const a2 = await frameOf(panel(page, 'ops-a'), /^ops-a$/);
    await a2.locator('#url').fill('javascript:alert(1)');
    await a2.locator('#nav').click();
    await a2.locator('#who').filter({ hasText: /^error / }).waitFor();
    assert.equal(page.url(), `${k.url}/s/${A.name}/browse/${issue}`);
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('requestRemote reaches the app\'s remote with a FIT naming the user and the site; another app\'s frame cannot', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name, A.accountId);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const a = await frameOf(panel(page, 'ops-a'), /^ops-a$/);
    const o = await frameOf(panel(page, 'ops-other'), /^ops-other$/);
    remoteSeen.length = 0;
    await a.locator('#remote').click();
    await a.locator('#remote-out').filter({ hasText: `remote 200 for ${A.accountId} on ${A.cloudId}` }).waitFor();
    assert.equal(remoteSeen.length, 1);
    assert.equal(remoteSeen[0].url, '/base/hello?from=ops-a');
    assert.equal(remoteSeen[0].body, 'hi');
    assert.deepEqual(remoteSeen[0].claims.app.module, { type: 'jira:issuePanel', key: 'ops-a' });
    await o.locator('#remote').click();
    await o.locator('#remote-out').filter({ hasText: /^remote error / }).waitFor();
    assert.equal(remoteSeen.length, 1, 'the other app\'s call never reached the remote');
  });
});
