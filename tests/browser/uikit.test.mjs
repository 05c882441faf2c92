// UI Kit end to end in a real browser (docs/ui.md "UI Kit"): examples/global-page-uikit,
// written as Forge apps are (the manifest names the entry src/frontend/index.jsx, using the
// real @forge/react and @forge/bridge) and bundled by `kiln deploy`, installed on a site. Signed in, its global page shows what the app's code
// (running hidden in a sandboxed frame on the UI origin) reconciles, drawn by the host with
// @atlaskit components; submitting the form invokes the resolver, the DynamicTable shows
// the new row, and the row is really in app storage (`kiln storage get`).
// Run with KILN_UI_SCREENSHOTS=1 to save the page's screenshot into docs/img/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expectCliOk, kilnCli, ROOT, startKiln } from '../e2e/lib/kiln.mjs';
import { deployApp, firstIssue, sessionPost, uiSession } from '../e2e/lib/ui.mjs';
import { deployFixture } from './lib/fixtures.mjs';
import { exampleApp, launchBrowser, signIn, withPage } from './lib/browser.mjs';

let k;
let browser;
let A;
let appId;
let dir;
let aboutFrame; // the Frame's POST /_ui/v1/frames: {body, answer}

before(async () => {
  k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
  browser = await launchBrowser();
  A = await k.siteWithToken('uka', true);
  dir = exampleApp('global-page-uikit', { build: true }); // build.sh: the `about` Frame's page
  appId = `ari:cloud:ecosystem::app/${await deployApp(k, dir, [A])}`;
});

after(async () => {
  await browser?.close();
  await k?.close();
});

test('the UI Kit global page renders; a submit invokes the resolver, stores the row and re-renders the table', async (t) => {
  assert.match(appId, /^ari:cloud:ecosystem::app\//);
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    const frameAsked = page.waitForResponse((r) => r.url().endsWith('/_ui/v1/frames') && r.request().postDataJSON()?.resource === 'about');
    await page.goto(`${k.url}/s/${A.name}/apps/${appId.split("/").pop()}/fruit-page`);
    // the app's code runs in a hidden, sandboxed frame on the UI origin
    const frame = page.locator('[data-testid="uikit-frame"] > iframe'); // the app's own (hidden) frame
    await frame.waitFor({ state: 'attached' });
    const sandbox = await frame.getAttribute('sandbox');
    assert.ok(!sandbox.includes('allow-same-origin'), 'an opaque origin for app code');
    assert.notEqual(new URL(await frame.getAttribute('src')).origin, new URL(k.url).origin);
    // what it reconciles is drawn by the host
    const root = page.locator('[data-testid="uikit-root"]');
    await root.getByRole('heading', { name: 'Fruit list' }).waitFor();
    await root.getByText('No fruit yet').waitFor();
    // the glyphs (their code a lazy chunk of the host): @atlaskit/object's tile, @atlaskit/icon's star
    await root.locator('[data-kiln-object-tile="idea"]').getByRole('img', { name: 'Fruit ideas' }).waitFor();
    await root.locator('[data-kiln-icon="star-starred"]').getByRole('img', { name: 'Favourite list' }).waitFor();
    // a file picked in the browser reaches the app's onChange as @forge/react gives it
    // ({name, size, type, data: base64}): the app decodes data and shows a FileCard of it
    const photo = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0xff, 0xfe, ...Buffer.from('kiln')]);
    const chooser = page.waitForEvent('filechooser');
    await root.locator('[data-kiln-file-picker]').getByRole('button', { name: 'Browse files' }).click();
    await (await chooser).setFiles([{ name: 'quince.png', mimeType: 'image/png', buffer: photo }]);
    const card = root.locator('[data-kiln-file-card="quince.png"]');
    await card.waitFor();
    assert.match(await card.innerText(), new RegExp(`image/png · ${photo.length} B`), 'the decoded bytes are the file\'s');
    assert.doesNotMatch(await card.innerText(), /read \d+ of/);
    await card.getByRole('button', { name: 'Delete quince.png' }).click();
    await card.waitFor({ state: 'detached' });
    await root.getByLabel('Name').fill('Quince');
    await root.getByLabel('Name').blur();
    await root.locator('input[id$="size"]').click();
    await page.getByText('Large', { exact: true }).click();
    await root.getByRole('button', { name: 'Add' }).click();
    await root.getByRole('cell', { name: 'Quince' }).waitFor();
    await root.getByRole('cell', { name: 'large' }).waitFor();
    // the chart (its code a lazy chunk of the host) counts the fruit by size, in a Box styled by xcss
    const chart = root.locator('[data-kiln-chart="BarChart"]');
    await chart.locator('rect[data-kiln-bar="Large"]').waitFor();
    assert.match(await chart.innerText(), /Fruits by size/);
    const heights = await chart.locator('rect[data-kiln-bar]').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('height'))));
    assert.ok(heights[0] === 0 && heights[1] === 0 && heights[2] > 0, `one large fruit: ${heights}`);
    const pad = await chart.evaluate((el) => getComputedStyle(el.parentElement).paddingTop);
    assert.equal(pad, '8px', "the Box's xcss padding (space.100) applied");
    assert.equal(await page.locator('[data-kiln-uikit-placeholder]').count(), 0, 'every component of the example has a renderer');
    // <Frame resource="about">: the resource in a visible, sandboxed frame on the UI origin
    const about = root.locator('[data-testid="uikit-frame-resource"][data-resource="about"] iframe');
    await about.waitFor();
    assert.ok(!(await about.getAttribute('sandbox')).includes('allow-same-origin'), 'an opaque origin for the Frame too');
    const aboutUrl = new URL(await about.getAttribute('src'));
    assert.notEqual(aboutUrl.origin, new URL(k.url).origin, 'never the kiln origin');
    assert.equal(aboutUrl.origin, new URL((await (await frameAsked).json()).uiOrigin).origin, 'the UI origin');
    assert.match(aboutUrl.pathname, /\/about\/[0-9a-f]+\/index\.html$/, "the resource about's page");
    const inner = await (await about.elementHandle()).contentFrame();
    await inner.locator('#who').filter({ hasText: 'About this list' }).waitFor();
    assert.ok(await about.isVisible());
    // its @forge/bridge calls are the module's, and its events reach the UI Kit page
    await inner.locator('#ctx').filter({ hasText: 'inside fruit-page' }).waitFor();
    await inner.locator('#hello').click();
    await root.getByText('The about page says: hello from the Frame').waitFor();
    const r = await frameAsked;
    aboutFrame = { body: r.request().postDataJSON(), answer: await r.json() };
    if (process.env.KILN_UI_SCREENSHOTS) {
      // docs/ui.md's picture of the UI Kit page
      mkdirSync(path.join(ROOT, 'docs', 'img'), { recursive: true });
      await page.screenshot({ path: path.join(ROOT, 'docs', 'img', 'ui-uikit-page.png') });
    }
    assert.deepEqual(page.kilnErrors, []);
  });
  // really stored by the resolver, for this installation
  const r = expectCliOk(await kilnCli(k, ['storage', 'get', 'fruits', '--site', A.name, '--json'], { cwd: dir }));
  const stored = JSON.parse(r.stdout);
  const list = stored.value ?? stored;
  assert.ok(Array.isArray(list), `kiln storage get answered ${r.stdout}`);
  assert.deepEqual(list.map((f) => [f.name, f.size, f.by]), [['Quince', 'large', A.accountId]]);
});

test("another site's user opening the page sees no app and none of the first site's rows", async (t) => {
  const B = await k.siteWithToken('ukb', true);
  await withPage(browser, t, async (page) => {
    await signIn(k, page, B.name);
    await page.goto(`${k.url}/s/${B.name}/apps/${appId.split('/').pop()}/fruit-page`);
    // the app is not installed on B: no frame is made for it, nothing is drawn
    await page.getByText("No installed app on this site has this page.").waitFor();
    assert.equal(await page.locator('[data-testid="uikit-root"]').count(), 0);
    assert.equal(await page.getByText('Quince').count(), 0, "no row of the other site's storage");
  });
  // and A's session cookie does not open B's pages
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${B.name}/apps/${appId.split('/').pop()}/fruit-page`);
    await page.waitForURL((u) => u.pathname === `/s/${B.name}/login`);
  });
});

test("the Frame's token is the UI Kit module's, of this site and user; another site's session, a changed token or extension, another resource or a Custom UI module are refused", async () => {
  assert.ok(aboutFrame, 'the first test saw the Frame made');
  const { body, answer } = aboutFrame;
  assert.equal(answer.moduleKey, 'fruit-page', 'made for the UI Kit module');
  // kiln_c_<site>~<installation>~<app>~<env>~<module>~<account>~<ext digest>~<expires>~<mac>
  const fields = answer.token.slice('kiln_c_'.length).split('~');
  assert.equal(fields[4], 'fruit-page', "the token binds the UI Kit module, not the resource");
  assert.equal(fields[5], A.accountId);
  const sA = await uiSession(k, A.name);
  const bridge = (s, token, extension = body.extension) =>
    sessionPost(k, s, '/_ui/v1/bridge', { op: 'getContext', extension }, { 'x-kiln-context': token });
  const ok = await bridge(sA, answer.token);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.context.moduleKey, 'fruit-page');
  // the same token from another site's session
  const B = await k.siteWithToken('ukc', true);
  const sB = await uiSession(k, B.name);
  assert.equal((await bridge(sB, answer.token)).status, 403, "another site's session");
  // the token changed to name another module: its mac no longer holds
  const forged = answer.token.replace('~fruit-page~', '~other-page~');
  assert.equal((await bridge(sA, forged)).status, 401, 'a token edited to another module');
  assert.equal((await bridge(sA, answer.token, { type: 'other' })).status, 403, 'another extension');
  // the frames request itself: only the app's own resources, only for a UI Kit module
  const frames = (s, b) => sessionPost(k, s, '/_ui/v1/frames', b);
  assert.equal((await frames(sA, { ...body, resource: 'nope' })).status, 404, 'a resource the app does not have');
  assert.equal((await frames(sA, { ...body, resource: 'x'.repeat(24) })).status, 400);
  assert.equal((await frames(sA, { ...body, resource: 7 })).status, 400);
  assert.equal((await frames(sB, { ...body, resource: 'about' })).status, 404, 'not installed on the other site');
  const other = await deployFixture(k, A.name, 'bridge-ops', 'bridge-ops-frame');
  const issue = { issue: { key: await firstIssue(k, A) } };
  const plain = await frames(sA, { appId: `ari:cloud:ecosystem::app/${other.id}`, moduleKey: 'ops-a', extension: issue });
  assert.equal(plain.status, 200, `the Custom UI panel's own frame: ${plain.text}`);
  const cu = await frames(sA, { appId: `ari:cloud:ecosystem::app/${other.id}`, moduleKey: 'ops-a', extension: issue, resource: 'main' });
  assert.equal(cu.status, 400, `a Custom UI module's frame takes no resource: ${cu.text}`);
  assert.match(cu.text, /UI Kit \(render: native\) module's Frame/);
});
