// Custom UI in a real browser (docs/ui.md "Custom UI"): examples/issue-panel-customui,
// built with esbuild from its own source with the real @forge/bridge, deployed and
// installed on a demo site; signed in, the issue view shows the panel in a sandboxed frame
// on the UI origin; its invoke() reaches the resolver (the issue key and notes shown, a
// note added and kept) and its requestJira() the issue's comments as the user. Then the
// attacks: a forged frame-init and forged answers posted to the app's frame are ignored
// (its bridge keeps working through the host's port only), and the app's code can read
// neither kiln's cookie nor the host page's DOM nor the UI origin's storage.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { cliOkJson, expectCliOk, kilnCli, ROOT, startKiln, tempDir } from '../e2e/lib/kiln.mjs';
import { launchBrowser, signIn, withPage } from './lib/browser.mjs';

const EXAMPLE = path.join(ROOT, 'examples', 'issue-panel-customui');
let k;
let browser;
let A;
let issue;

before(async () => {
  k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
  browser = await launchBrowser();
  A = await k.siteWithToken('cua', true);
  const r = await k.api(`/ex/jira/${A.cloudId}/rest/api/3/search?jql=order%20by%20key&maxResults=1&fields=summary`, { token: A.token });
  issue = r.json.issues[0].key;
  // the example as a developer has it: its own source, built here with esbuild
  const dir = path.join(tempDir('cuex'), 'issue-panel-customui');
  cpSync(EXAMPLE, dir, { recursive: true, filter: (s) => !s.includes('node_modules') && !s.endsWith('app.js') });
  symlinkSync(path.join(EXAMPLE, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  execFileSync(path.join(dir, 'build.sh'), { stdio: 'inherit' });
  await cliOkJson(k, ['register', dir, '--json']);
  await cliOkJson(k, ['deploy', dir, '--json']);
  await cliOkJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir });
  // the user allows the app to act as them (requestJira is asUser)
  expectCliOk(await kilnCli(k, ['consent', '--site', A.name, '--account', A.accountId, '--app', dir], { cwd: dir }));
});

after(async () => {
  await browser?.close();
  await k?.close();
});

/** The app's frame (on the UI origin) once its page has loaded. */
async function appFrame(page) {
  const el = page.locator('[data-testid="customui-frame"]');
  await el.waitFor();
  const sandbox = await el.getAttribute('sandbox');
  assert.ok(sandbox.includes('allow-scripts'));
  assert.ok(!sandbox.includes('allow-same-origin'), 'an opaque origin for app code');
  const src = new URL(await el.getAttribute('src'));
  assert.notEqual(src.origin, new URL(k.url).origin, 'app code never on kiln\'s origin');
  const handle = await el.elementHandle();
  let frame = await handle.contentFrame();
  while (!frame) frame = await handle.contentFrame();
  return frame;
}

test('the Custom UI issue panel renders; invoke and requestJira go through the real @forge/bridge', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const f = await appFrame(page);
    await f.locator('#issue').filter({ hasText: `Issue ${issue}` }).waitFor();
    await f.locator('#count').filter({ hasText: '0 note(s)' }).waitFor();
    await f.locator('#comments').filter({ hasText: /^\d+ comment\(s\) on this issue$/ }).waitFor();
    const want = Number((await k.api(`/ex/jira/${A.cloudId}/rest/api/3/issue/${issue}/comment`, { token: A.token })).json.total);
    assert.equal(await f.locator('#comments').textContent(), `${want} comment(s) on this issue`);
    await f.locator('#text').fill('ship it');
    await f.locator('button[type="submit"]').click();
    await f.locator('#notes li').filter({ hasText: 'ship it' }).waitFor();
    await f.locator('#count').filter({ hasText: '1 note(s)' }).waitFor();
    // kept by the resolver in app storage: a reload shows it again
    await page.reload();
    const f2 = await appFrame(page);
    await f2.locator('#notes li').filter({ hasText: 'ship it' }).waitFor();
    assert.deepEqual(page.kilnErrors, []);
  });
});

test('forged bridge messages are ignored; app code cannot read kiln\'s cookie, the host DOM or storage', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const f = await appFrame(page);
    await f.locator('#count').filter({ hasText: /note\(s\)/ }).waitFor();
    const r = await f.evaluate(async () => {
      const out = {};
      // another window (here the frame itself: not its parent) offers a channel and
      // answers: neither reaches the bridge
      const ch = new MessageChannel();
      let stolen = 0;
      ch.port1.onmessage = () => { stolen++; };
      // delivered (the shim's listener, registered first, has seen them) once ours has
      const seen = new Promise((res) => {
        const h = (e) => {
          if (e.data && e.data.value === 'forged') {
            window.removeEventListener('message', h);
            res();
          }
        };
        window.addEventListener('message', h);
      });
      window.postMessage({ kiln: 'frame-init', v: 1 }, '*', [ch.port2]);
      window.postMessage({ id: 1, ok: true, value: 'forged' }, '*');
      await seen;
      const ctx = await Promise.race([
        window.__bridge.callBridge('getContext'),
        new Promise((res) => setTimeout(() => res(null), 5000)), // the bound of a call that went astray
      ]);
      out.contextIssue = ctx && ctx.extension.issue.key;
      out.stolen = stolen;
      // the bridge cannot be replaced
      try { window.__bridge = { callBridge: () => 'mine' }; } catch { /* frozen */ }
      out.replaced = (await window.__bridge.callBridge('getContext')) === 'mine';
      const tryIt = (fn) => { try { return { value: fn() }; } catch (e) { return { threw: e.name }; } };
      out.cookie = tryIt(() => document.cookie);
      out.parentDom = tryIt(() => window.parent.document.title);
      out.topDom = tryIt(() => window.top.document.cookie);
      out.storage = tryIt(() => window.localStorage.length);
      // an op kiln does not support is an error the app sees
      try { await window.__bridge.callBridge('requestConfluence', {}); out.unsupported = 'resolved'; } catch (e) { out.unsupported = e.message; }
      return out;
    });
    assert.equal(r.stolen, 0, 'no call went to the forged port');
    assert.equal(r.replaced, false);
    assert.ok(r.contextIssue, 'the real channel still answers');
    assert.ok(r.cookie.threw, `document.cookie: ${JSON.stringify(r.cookie)}`);
    assert.ok(r.parentDom.threw, `parent DOM: ${JSON.stringify(r.parentDom)}`);
    assert.ok(r.topDom.threw);
    assert.ok(r.storage.threw, `localStorage: ${JSON.stringify(r.storage)}`);
    assert.match(r.unsupported, /kiln does not support the bridge call "requestConfluence"/);
  });
});
