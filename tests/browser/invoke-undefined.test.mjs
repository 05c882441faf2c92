// invoke() in a Custom UI frame resolves to what the resolver returned, undefined included
// (docs/ui.md "Custom UI", the bridge's invoke row): on Forge a resolver that returns
// nothing (storage.get of a key never set) gives the page `undefined`, and real apps test
// `=== undefined` before using the value; kiln used to hand them null, and a real admin
// page crashed reading a property of it. The fixture (our own) has resolvers returning
// undefined and null, and its page shows what invoke() resolved to.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { symlinkSync } from 'node:fs';
import { ROOT, startKiln, tempDir, writeFiles } from '../e2e/lib/kiln.mjs';
import { deployApp, firstIssue } from '../e2e/lib/ui.mjs';
import { launchBrowser, signIn, withPage } from './lib/browser.mjs';

let k;
let browser;
let A;
let issue;

before(async () => {
  k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0'] });
  browser = await launchBrowser();
  A = await k.siteWithToken('iund', true);
  issue = await firstIssue(k, A);
  const dir = path.join(tempDir('iund'), 'invoke-undefined');
  writeFiles(dir, {
    'manifest.yml': `modules:
  jira:issuePanel:
    - key: undef-panel
      resource: main
      resolver:
        function: resolver
      title: Undefined
      icon: https://example.com/icon.svg
  function:
    - key: resolver
      handler: index.handler
resources:
  - key: main
    path: static
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes: []
`,
    'package.json': JSON.stringify({ name: 'invoke-undefined', private: true }),
    'src/index.js': `import Resolver from '@forge/resolver';
const resolver = new Resolver();
resolver.define('nothing', () => undefined);
resolver.define('nullish', () => null);
export const handler = resolver.getDefinitions();
`,
    'static/index.html': '<!doctype html><html><head><meta charset="utf-8"></head><body><p id="out">waiting</p><script src="app.js"></script></body></html>',
    'static/app.js': `const call = (k) => window.__bridge.callBridge('invoke', { functionKey: k });
Promise.all([call('nothing'), call('nullish')]).then(([u, n]) => {
  document.getElementById('out').textContent = 'nothing=' + (u === undefined ? 'undefined' : JSON.stringify(u)) + ' nullish=' + (n === null ? 'null' : JSON.stringify(n));
}, (e) => { document.getElementById('out').textContent = 'error ' + e.message; });
`,
  });
  symlinkSync(path.join(ROOT, 'examples', 'issue-panel-customui', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  await deployApp(k, dir, [A]);
});

after(async () => {
  await browser?.close();
  await k?.close();
});

test('a resolver returning undefined gives invoke() undefined, null stays null', async (t) => {
  await withPage(browser, t, async (page) => {
    await signIn(k, page, A.name);
    await page.goto(`${k.url}/s/${A.name}/browse/${issue}`);
    const el = page.locator('[data-testid="customui-frame"][data-module="undef-panel"]');
    await el.waitFor();
    const frame = await (await el.elementHandle()).contentFrame();
    const out = frame.locator('#out');
    await out.filter({ hasNotText: 'waiting' }).waitFor();
    assert.equal(await out.textContent(), 'nothing=undefined nullish=null');
  });
});
