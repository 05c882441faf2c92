// UI Kit events across renders, in a real browser: kiln's frame shim (ui/src/frame/shim.js,
// bundled from source) on a page that plays the host's end of the channel. @forge/react
// re-renders after every state change; the host may post an event for a tree it drew
// several renders ago (the user clicked while the app was busy re-rendering). The shim
// numbers a UI Kit handler by its place in the tree, so such an event still reaches the
// component's newest handler; a handler whose component left the tree more than three
// renders ago is forgotten (its event is dropped, nothing piles up).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, withPage } from './lib/browser.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let browser, dir, js;

before(async () => {
  browser = await launchBrowser();
  dir = mkdtempSync(path.join(tmpdir(), 'kiln-uikit-events-'));
  const r = spawnSync(
    process.env.ESBUILD || 'esbuild',
    [path.join(ROOT, 'ui/src/frame/main.jsx'), '--bundle', '--format=iife', '--log-level=error', `--outfile=${path.join(dir, 'shim.js')}`],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  assert.equal(r.status, 0, 'esbuild bundled the shim');
  js = readFileSync(path.join(dir, 'shim.js'), 'utf8');
});

after(async () => {
  if (browser) await browser.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// A page with the shim whose channel's other end is window.__host: it answers every call
// and keeps the reconciled trees; window.__post(msg) posts to the shim.
function onPage(t, fn) {
  return withPage(browser, t, async (p) => {
    await p.route('http://frame.test/**', (route) => {
      const u = new URL(route.request().url());
      if (u.pathname === '/') return route.fulfill({ contentType: 'text/html', body: '<!doctype html><script src="/shim.js"></script><body></body>' });
      if (u.pathname === '/shim.js') return route.fulfill({ contentType: 'text/javascript', body: js });
      return route.fulfill({ status: 404, body: '' });
    });
    await p.goto('http://frame.test/');
    await p.evaluate(() => {
      const ch = new MessageChannel();
      window.__trees = [];
      ch.port1.onmessage = (e) => {
        const m = e.data;
        if (m && m.type === 'reconcile') window.__trees.push(m.payload.forgeDoc);
        if (m && typeof m.id === 'number') ch.port1.postMessage({ id: m.id, ok: true, value: true });
      };
      window.__post = (msg) => ch.port1.postMessage(msg);
      window.postMessage({ kiln: 'frame-init', v: 1 }, '*', [ch.port2]);
    });
    await fn(p);
    assert.deepEqual(p.kilnErrors, [], 'no page errors');
  });
}

test('an event from a render drawn several renders ago reaches the newest handler of its component', (t) =>
  onPage(t, async (p) => {
    // six renders of the same tree, as @forge/react sends them (uuid keys kept by its instances);
    // the "Gone" button exists in the first render only
    await p.evaluate(async () => {
      window.__clicks = [];
      const tree = (i) => ({
        type: 'Root', key: 'root', props: {},
        children: [
          { type: 'Button', key: 'k-count', props: { onClick: () => window.__clicks.push(`count@${i}`) }, children: [{ type: 'String', key: 's', props: { text: `Count ${i}` }, children: [] }] },
          ...(i === 1 ? [{ type: 'Button', key: 'k-gone', props: { onClick: () => window.__clicks.push('gone') }, children: [] }] : []),
        ],
      });
      for (let i = 1; i <= 6; i++) await window.__bridge.callBridge('reconcile', { forgeDoc: tree(i) });
    });
    const trees = await p.evaluate(() => window.__trees);
    assert.equal(trees.length, 6);
    const first = trees[0].children[0].props.onClick.__kilnCallback;
    const gone = trees[0].children[1].props.onClick.__kilnCallback;
    assert.ok(Number.isSafeInteger(first));
    assert.deepEqual(trees.map((x) => x.children[0].props.onClick.__kilnCallback), Array(6).fill(first), 'the button keeps its number');
    await p.evaluate(([a, b]) => { window.__post({ callback: a, args: [] }); window.__post({ callback: b, args: [] }); window.__post({ callback: a, args: [] }); }, [first, gone]);
    await p.waitForFunction(() => window.__clicks.length >= 2);
    assert.deepEqual(await p.evaluate(() => window.__clicks), ['count@6', 'count@6'], 'the newest handler ran; the one of a component gone for 5 renders did not');
  }));

test('two places keep two numbers; the same function object at two places is two handlers', (t) =>
  onPage(t, async (p) => {
    const nums = await p.evaluate(async () => {
      window.__hits = [];
      const f = (x) => window.__hits.push(x);
      await window.__bridge.callBridge('reconcile', { forgeDoc: { type: 'Root', props: {}, children: [
        { type: 'Textfield', props: { onChange: f, onBlur: () => window.__hits.push('blur') }, children: [] },
        { type: 'Textfield', props: { onChange: f }, children: [] },
      ] } });
      const tr = window.__trees.at(-1);
      return [tr.children[0].props.onChange.__kilnCallback, tr.children[0].props.onBlur.__kilnCallback, tr.children[1].props.onChange.__kilnCallback];
    });
    assert.equal(new Set(nums).size, 3, `distinct numbers: ${nums}`);
    await p.evaluate((n) => window.__post({ callback: n[1], args: [{ type: 'blur' }] }), nums);
    await p.evaluate((n) => window.__post({ callback: n[2], args: ['second'] }), nums);
    await p.waitForFunction(() => window.__hits.length >= 2);
    assert.deepEqual(await p.evaluate(() => window.__hits), ['blur', 'second']);
  }));
