// Where the host lays out the UI modules of an installed app (docs/ui.md "The site UI"),
// in a real browser: an app of our own with one module of each kind is installed on site
// A only. On A's issue view the issue panel is in the main column under the description,
// the glance a button in the right column that opens its content, the context panel a
// collapsible section in the right column; the global page is in the Apps menu and opens
// at /apps/{appId}/{moduleKey}; the project page is in the project's sidebar; the admin
// page in site administration; the gadget on the dashboard. (KILN_UI_SCREENSHOTS=1:
// docs/img/ui-issue-modules.png.) Site B, where the app is not
// installed, shows none of them. Measured: the issue view with its two Custom UI panels,
// from navigation until both frames show the app's page (warm).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expectStatus, startKiln, tempDir, writeFiles } from '../e2e/lib/kiln.mjs';
import { deployApp } from '../e2e/lib/ui.mjs';
import { docShot, launchBrowser, signIn, withPage } from './lib/browser.mjs';

const MANIFEST = `modules:
  jira:issuePanel:
    - key: host-panel
      resource: main
      title: Host test panel
      icon: resource:main;icon.svg
    - key: host-panel-2
      resource: main
      title: Host test panel two
      icon: resource:main;icon.svg
  jira:issueGlance:
    - key: host-glance
      resource: main
      title: Host test glance
      label: Glance label
  jira:issueContext:
    - key: host-context
      resource: main
      title: Host test context
      label: Context label
  jira:globalPage:
    - key: host-global
      resource: main
      title: Host test global page
  jira:projectPage:
    - key: host-project
      resource: main
      title: Host test project page
  jira:adminPage:
    - key: host-admin
      resource: main
      title: Host test admin page
  jira:dashboardGadget:
    - key: host-gadget
      resource: main
      title: Host test gadget
      description: A gadget
      thumbnail: resource:main;icon.svg
resources:
  - key: main
    path: static
app:
  runtime:
    name: nodejs20.x
`;

let k;
let browser;
let A;
let B;
let appId;
const issueOf = async (site) => {
  const p = (await k.jira(site.cloudId, '/project/search', { token: site.token })).json.values.find((x) => x.projectTypeKey === 'software');
  const r = await k.jira(site.cloudId, `/search/jql?${new URLSearchParams({ jql: `project = ${p.key} order by key`, maxResults: '1' })}`, { token: site.token });
  expectStatus(r, 200);
  return { project: p.key, issue: r.json.issues[0].key };
};

before(async () => {
  k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
  browser = await launchBrowser();
  A = await k.siteWithToken('uima', true);
  B = await k.siteWithToken('uimb', true);
  const dir = path.join(tempDir('hostapp'), `host-modules-${randomBytes(3).toString('hex')}`);
  writeFiles(dir, {
    'manifest.yml': MANIFEST,
    'static/index.html': '<!doctype html><p>host test module</p>',
    'static/icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  });
  await deployApp(k, dir, [A]);
});

after(async () => {
  await browser?.close();
  await k?.close();
});

test('the issue view: panel under the description, glance and context in the right column', async (t) => {
  const { issue } = await issueOf(A);
  await withPage(browser, t, async (page) => {
    await signIn(k, page, 'uima');
    await page.goto(`${k.url}/s/uima/browse/${issue}`);
    const main = page.locator('.kiln-issue-main');
    const side = page.locator('.kiln-issue-side');
    const panel = main.locator('.kiln-module[data-module="host-panel"]');
    await panel.getByText('Host test panel').waitFor();
    // a panel: its content shown without a click (a module renderer's, or the placeholder)
    assert.equal(await panel.evaluate((el) => el.tagName), 'SECTION');
    await panel.locator('.kiln-module-title + *').waitFor({ state: 'visible' });
    // under the description, above the comments
    const order = await main.evaluate((el) => {
      const at = (sel) => [...el.querySelectorAll('*')].indexOf(el.querySelector(sel));
      return [at('[data-testid="issue-description"]'), at('.kiln-module[data-module="host-panel"]'), at('[data-testid="comments"]')];
    });
    assert.ok(order[0] >= 0 && order[0] < order[1] && order[1] < order[2], `description < panel < comments: ${order}`);

    const glance = side.locator('.kiln-module[data-module="host-glance"]');
    const button = glance.getByRole('button', { name: 'Glance label' });
    await button.waitFor();
    assert.equal(await glance.locator('.kiln-glance-content').count(), 0, 'closed until clicked');
    await button.click();
    await glance.locator('.kiln-glance-content').waitFor();
    assert.equal(await button.getAttribute('aria-expanded'), 'true');

    const context = side.locator('details[data-module="host-context"]');
    await context.locator('summary', { hasText: 'Context label' }).waitFor();
    assert.equal(await context.evaluate((d) => d.open), false, 'collapsed at first');
    await context.locator('summary').click();
    assert.equal(await context.evaluate((d) => d.open), true);
    await page.frameLocator('[data-testid="customui-frame"][data-module="host-panel"]').getByText('host test module').waitFor();
    await docShot(page, 'issue-modules');
    assert.equal(await main.locator('.kiln-module[data-module="host-glance"], .kiln-module[data-module="host-context"]').count(), 0);
    assert.equal(await side.locator('.kiln-module[data-module="host-panel"]').count(), 0);
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('pages: global in the Apps menu, project page in the sidebar, admin page, dashboard gadget', async (t) => {
  const { project } = await issueOf(A);
  await withPage(browser, t, async (page) => {
    await signIn(k, page, 'uima');
    await page.locator('.kiln-apps-menu > summary').click();
    const link = page.locator('.kiln-apps-menu').getByRole('link', { name: 'Host test global page' });
    await link.click();
    await page.waitForURL((u) => /^\/s\/uima\/apps\/[^/]+\/host-global$/.test(u.pathname));
    await page.getByTestId('app-page').getByText('Host test global page').waitFor();
    appId = decodeURIComponent(new URL(page.url()).pathname.split('/')[4]);
    // a hard load of the page's URL shows it too
    await page.reload();
    await page.getByTestId('app-page').getByText('Host test global page').waitFor();

    await page.goto(`${k.url}/s/uima/projects/${project}`);
    await page.locator('.kiln-sidebar').getByRole('link', { name: 'Host test project page' }).click();
    await page.waitForURL((u) => u.pathname === `/s/uima/apps/${appId}/host-project` && u.searchParams.get('project') === project);
    await page.getByTestId('app-page').getByText('Host test project page').waitFor();

    await page.goto(`${k.url}/s/uima/admin`);
    await page.getByTestId('admin').getByRole('link', { name: 'Host test admin page' }).waitFor();

    await page.goto(`${k.url}/s/uima/dashboard`);
    await page.getByTestId('dashboard').locator('.kiln-module[data-module="host-gadget"]').getByText('Host test gadget').waitFor();

    // a module key the site does not have
    await page.goto(`${k.url}/s/uima/apps/${appId}/no-such-module`);
    await page.getByTestId('app-missing').waitFor();
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('site B, where the app is not installed, shows none of its modules', async (t) => {
  const { issue, project } = await issueOf(B);
  await withPage(browser, t, async (page) => {
    await signIn(k, page, 'uimb');
    await page.goto(`${k.url}/s/uimb/browse/${issue}`);
    await page.locator('[data-testid="comments"][data-loaded="true"]').waitFor();
    await page.locator('.kiln-apps-menu > summary').click();
    await page.locator('.kiln-apps-menu').getByText('No app pages').waitFor();
    assert.equal(await page.locator('[data-module]').count(), 0);
    await page.goto(`${k.url}/s/uimb/apps/${appId}/host-global`);
    await page.getByTestId('app-missing').waitFor();
    await page.goto(`${k.url}/s/uimb/projects/${project}`);
    await page.locator('.kiln-sidebar').getByText('No app pages').waitFor();
    assert.ok(!(await page.content()).includes('Host test'));
  });
});

// The steps of one load of the issue view on the page's clock (navigation start = 0):
// the shell's HTML in, the host bundle evaluated (main.jsx's mark), the issue and its
// panels' modules answered, the frames' tokens answered (POST /_ui/v1/frames), the frames'
// src set (their documents' requests started), their documents in, and each frame's
// document parsed (its own navigation timing, read inside the frame and moved onto the
// page's clock by the two time origins); the latest of each over the frames.
const BREAKDOWN = [['shell'], ['evaluated'], ['modules'], ['drawn'], ['asked'], ['tokens'], ['answered'], ['attached'], ['src'], ['adopted'], ['doc'], ['shown']];
async function breakdown(page) {
  const host = await page.evaluate(() => {
    const all = performance.getEntriesByType('resource');
    const last = (re, f = 'responseEnd') => Math.max(-1, ...all.filter((e) => re.test(e.name)).map((e) => e[f]));
    const frames = all.filter((e) => e.initiatorType === 'iframe' && new URL(e.name).pathname.startsWith('/r/'));
    return {
      origin: performance.timeOrigin,
      shell: performance.getEntriesByType('navigation')[0].responseEnd,
      evaluated: performance.getEntriesByName('kiln:host-evaluated')[0]?.startTime ?? -1,
      // React: the issue drawn with its data, the frames' components asking for their
      // tokens and taking the answers (the latest of each)
      drawn: performance.getEntriesByName('kiln:issue-drawn')[0]?.startTime ?? -1,
      asked: Math.max(-1, ...performance.getEntriesByName('kiln:frame-asked').map((e) => e.startTime)),
      answered: Math.max(-1, ...performance.getEntriesByName('kiln:frame-answered').map((e) => e.startTime)),
      attached: Math.max(-1, ...performance.getEntriesByName('kiln:frame-attached').map((e) => e.startTime)),
      // a frame made early (parked by frameRequest.js) moved into its place in the view
      adopted: Math.max(-1, ...performance.getEntriesByName('kiln:frame-adopted').map((e) => e.startTime)),
      modules: Math.max(last(/\/_ui\/v1\/modules\?placement=issue(Panel|Context)/), last(/\/rest\/api\/3\/issue\/[^/]+\?/)),
      tokens: last(/\/_ui\/v1\/frames$/),
      src: Math.max(-1, ...frames.map((e) => e.startTime)),
      doc: Math.max(-1, ...frames.map((e) => e.responseEnd)),
    };
  });
  let shown = -1;
  const inside = { request: -1, server: -1, body: -1, parse: -1 };
  for (const f of page.frames()) {
    if (f === page.mainFrame() || !new URL(f.url()).pathname.startsWith('/r/')) continue;
    const n = await f
      .evaluate(() => {
        const e = performance.getEntriesByType('navigation')[0];
        const shim = performance.getEntriesByType('resource').find((r) => r.name.includes('/_kiln/frame-shim'));
        return e && { origin: performance.timeOrigin, ...e.toJSON(), shimStart: shim ? shim.startTime : -1, shimEnd: shim ? shim.responseEnd : -1, shimCached: shim ? shim.transferSize === 0 : null };
      })
      .catch(() => null);
    if (!n) continue;
    shown = Math.max(shown, n.origin + n.domInteractive - host.origin);
    // inside the frame (its own clock, its navigation's start = 0): when its document's
    // request was sent, the server's answer time, the body, and the parse up to interactive
    inside.request = Math.max(inside.request, n.requestStart);
    inside.server = Math.max(inside.server, n.responseStart - n.requestStart);
    inside.body = Math.max(inside.body, n.responseEnd - n.responseStart);
    inside.parse = Math.max(inside.parse, n.domInteractive - n.responseEnd);
    inside.shimStart = Math.max(inside.shimStart ?? -1, n.shimStart - n.responseEnd);
    inside.shimEnd = Math.max(inside.shimEnd ?? -1, n.shimEnd - n.responseEnd);
  }
  // a frame made early (parked out of sight) is shown once it is in its place in the view
  return { ...host, shown: Math.max(shown, host.adopted), inside };
}

// Trivial frames for the floor: a document on the UI origin that is neither an app's nor
// has the shim (the UI origin's 404 page), sandboxed as app frames are; a srcdoc frame.
const SANDBOXED = 'allow-scripts allow-forms allow-popups allow-popups-to-escape-sandbox allow-downloads';
const FLOORS = [
  ['a trivial document on the UI origin, sandboxed', { sandbox: SANDBOXED, src: 'ui:/_kiln/floor' }],
  ['a sandboxed srcdoc frame', { sandbox: SANDBOXED, srcdoc: '<p>floor</p>' }],
];
async function framePageLoad(page, attrs) {
  return page.evaluate(async (attrs) => {
    const uiOrigin = JSON.parse(document.getElementById('kiln-boot').textContent).uiOrigin;
    const f = document.createElement('iframe');
    for (const [k, v] of Object.entries(attrs)) f.setAttribute(k, v.startsWith('ui:') ? uiOrigin + v.slice(3) : v);
    const t0 = performance.now();
    const loaded = new Promise((resolve) => f.addEventListener('load', resolve, { once: true }));
    document.body.appendChild(f);
    await loaded;
    const load = performance.now() - t0;
    const e = performance.getEntriesByType('resource').filter((r) => r.initiatorType === 'iframe' && r.name.endsWith('/_kiln/floor')).pop();
    f.remove();
    return { load, request: attrs.src && e ? e.responseEnd - e.startTime : 0 };
  }, attrs);
}

test('the issue view with two Custom UI panels: navigation to both frames showing (warm)', async (t) => {
  const { issue } = await issueOf(A);
  await withPage(browser, t, async (page) => {
    await signIn(k, page, 'uima');
    let issueAt = 0;
    // "interactive": the issue's summary shown and its Transition button enabled (its
    // transitions loaded), then each panel's app page drawn inside its frame
    const shown = async (t0 = 0) => {
      await page.locator('[data-testid="issue-view"] [data-testid="transitions"][data-loaded="true"]').waitFor();
      await page.getByTestId('issue-summary').waitFor();
      issueAt = performance.now() - t0;
      for (const m of ['host-panel', 'host-panel-2'])
        await page.getByTestId('issue-view').frameLocator(`[data-testid="customui-frame"][data-module="${m}"]`).getByText('host test module').waitFor();
    };
    // the page's own record of one load: when the bundle finished evaluating (the mark
    // main.jsx sets before React renders) and when each of the issue view's requests started
    const record = () =>
      page.evaluate(() => ({
        evaluated: performance.getEntriesByName('kiln:host-evaluated')[0]?.startTime ?? -1,
      // React: the issue drawn with its data, the frames' components asking for their
      // tokens and taking the answers (the latest of each)
      drawn: performance.getEntriesByName('kiln:issue-drawn')[0]?.startTime ?? -1,
      asked: Math.max(-1, ...performance.getEntriesByName('kiln:frame-asked').map((e) => e.startTime)),
      answered: Math.max(-1, ...performance.getEntriesByName('kiln:frame-answered').map((e) => e.startTime)),
      attached: Math.max(-1, ...performance.getEntriesByName('kiln:frame-attached').map((e) => e.startTime)),
        requests: performance
          .getEntriesByType('resource')
          .filter((e) => /\/rest\/api\/3\/issue\/|\/_ui\/v1\/modules\?placement=issue/.test(e.name))
          .map((e) => ({ name: new URL(e.name).pathname + new URL(e.name).search, start: e.startTime })),
        frames: performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/_ui/v1/frames')).length,
        iframes: document.querySelectorAll('[data-testid="customui-frame"]').length,
        adopted: performance.getEntriesByName('kiln:frame-adopted').length,
      }));
    await page.goto(`${k.url}/s/uima/browse/${issue}`);
    await shown(); // cold: bundle, frame resources
    // the host bundle is split (tools/build-ui.mjs): the issue view fetches its entry and
    // the chunks it imports, well under half of the host's JavaScript (the other pages and
    // the UI Kit renderer are lazy chunks it never loads)
    const dir = path.join(path.dirname(path.resolve(process.env.KILN_BIN || 'build/kiln')), 'ui');
    const hostJs = readdirSync(dir).filter((f) => /^(host|chunk)\..*\.js$/.test(f));
    const size = (f) => statSync(path.join(dir, f)).size;
    const loaded = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.startsWith('/_ui/assets/') && p.endsWith('.js')).map((p) => p.slice(12)),
    );
    assert.ok(loaded.some((f) => f.startsWith('host.')), JSON.stringify(loaded));
    const total = hostJs.reduce((n, f) => n + size(f), 0);
    const used = loaded.filter((f) => hostJs.includes(f)).reduce((n, f) => n + size(f), 0);
    assert.ok(used < total / 2, `the issue view loaded ${used} of the host's ${total} bytes of JavaScript`);
    console.log(`# issue view: ${loaded.length} script files, ${used} of the host's ${total} bytes of JavaScript`);
    const LOADS = 7;
    const times = [];
    const issueTimes = [];
    // the page's own clock (navigation start = 0): when the first POST /_ui/v1/frames
    // started and when the last frame's document had arrived
    const timeline = () =>
      page.evaluate(() => {
        const all = performance.getEntriesByType('resource');
        const posts = all.filter((e) => e.name.endsWith('/_ui/v1/frames')).map((e) => e.startTime);
        const docs = all.filter((e) => e.initiatorType === 'iframe' && new URL(e.name).pathname.startsWith('/r/')).map((e) => e.responseEnd);
        return { framesAt: Math.min(...posts), docsAt: Math.max(...docs) };
      });
    const framesAt = [];
    const docsAt = [];
    const early = [];
    const framed = [];
    const steps = [];
    for (let i = 0; i < LOADS; i++) {
      const t0 = performance.now();
      await page.goto(`${k.url}/s/uima/browse/${issue}`);
      await shown(t0);
      times.push(performance.now() - t0);
      issueTimes.push(issueAt);
      const tl = await timeline();
      framesAt.push(tl.framesAt);
      docsAt.push(tl.docsAt);
      steps.push(await breakdown(page));
      // early.js: the issue, its transitions and comments and the three placements' modules
      // are asked for before the bundle's React part is evaluated, each exactly once (the
      // page takes the request in flight rather than sending it again)
      const r = await record();
      assert.ok(r.evaluated > 0, 'the host bundle marks kiln:host-evaluated');
      assert.equal(r.requests.length, 6, JSON.stringify(r.requests));
      assert.equal(new Set(r.requests.map((q) => q.name)).size, 6, JSON.stringify(r.requests));
      // the panels' frames: asked for by early.js once the issue and its modules are in,
      // taken by the frames; one POST /_ui/v1/frames per frame on the page, none twice
      assert.ok(r.iframes >= 2, `${r.iframes} frames`);
      assert.equal(r.frames, r.iframes);
      // frames made by early.js from the modules listing's frameUrl (their documents loading
      // while the frames request was out), moved into their places by the view; a frame
      // whose component asked before early.js could (React drew first) is made as before
      assert.ok(r.adopted <= r.iframes, `${r.adopted} of ${r.iframes} frames made early`);
      early.push(r.adopted);
      framed.push(r.iframes);
      // <=: the page's clock is coarsened (Chromium: 100 µs without cross-origin
      // isolation), so a request early.js started just before the mark can share its tick
      for (const q of r.requests) assert.ok(q.start <= r.evaluated, `${q.name} started at ${q.start.toFixed(1)} ms, after the bundle was evaluated (${r.evaluated.toFixed(1)} ms)`);
    }
    const med = (a) => [...a].sort((x, y) => x - y)[LOADS >> 1].toFixed(0);
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    console.log(`# frames made early (from the modules listing) and adopted by the view: ${sum(early)} of ${sum(framed)}`);
    console.log(`# issue view with two Custom UI panels (warm, ${LOADS} loads): issue interactive median ${med(issueTimes)} ms; both frames shown median ${med(times)} ms (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}); in the page: frames asked for at ${med(framesAt)} ms, frame documents in at ${med(docsAt)} ms (medians)`);
    // the same on the page's own clock, free of the test's polling: navigation start to both
    // panels' frames shown (each frame's document interactive, its text parsed, and, for a
    // frame made early, moved into its place in the view: the latest of the two)
    console.log(`# issue view with two Custom UI panels (warm, ${LOADS} loads), page clock: both frames shown median ${med(steps.map((s) => s.shown))} ms (each: ${steps.map((s) => s.shown.toFixed(0)).join(', ')}); the test's clock adds the navigation and Playwright's polling (a locator not yet matched is tried again after 20, 50, 100, 100, 500 ms)`);
    console.log(`# breakdown (page clock, navigation start = 0; medians of ${LOADS}): ${BREAKDOWN.map(([name]) => `${name} ${med(steps.map((s) => s[name]))}`).join(' -> ')} ms`);
    // the floor of a frame on the UI origin: a trivial document there (no shim, no app),
    // sandboxed like an app's frame, from its iframe's creation to its load event; and the
    // same for a sandboxed srcdoc frame (no request, no process of its own to start)
    console.log(`# frame document, in the frame (latest of the frames; medians): request sent at ${med(steps.map((s) => s.inside.request))} ms, server ${med(steps.map((s) => s.inside.server))} ms, body ${med(steps.map((s) => s.inside.body))} ms, parsed to interactive ${med(steps.map((s) => s.inside.parse))} ms (after the body: shim requested ${med(steps.map((s) => s.inside.shimStart))}, in ${med(steps.map((s) => s.inside.shimEnd))} ms)`);
    for (const [label, attrs] of FLOORS) {
      const f = [];
      for (let i = 0; i < LOADS; i++) f.push(await framePageLoad(page, attrs));
      console.log(`# floor: ${label}: iframe created -> load median ${med(f.map((x) => x.load))} ms (request ${med(f.map((x) => x.request))} ms)`);
    }
    assert.ok(sum(early) >= sum(framed) / 2, `only ${sum(early)} of ${sum(framed)} frames were made early`);
    assert.deepEqual(page.kilnErrors, []);
  });
});
