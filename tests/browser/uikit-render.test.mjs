// The UI Kit renderer in a real browser (Debian's chromium via playwright-core), alone:
// ForgeDocs as @forge/react's reconciler sends them (after kiln's frame shim replaced
// functions by {__kilnCallback: n}), mounted by <UiKitView> on a page bundled from
// tests/browser/fixtures/uikit-page.jsx with the real @atlaskit components of ui/.
// What it checks: every component kiln promises renders (none falls to the placeholder),
// an unknown component shows a placeholder naming it, hostile documents are refused
// visibly (too deep, too many nodes, javascript: links and images, raw HTML), and events
// (click, change, submit) come back as {fn, args} for the app's frame.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, withPage } from './lib/browser.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let browser, dir, js, css;

before(async () => {
  browser = await launchBrowser();
  dir = mkdtempSync(path.join(tmpdir(), 'kiln-uikit-'));
  const r = spawnSync(
    process.env.ESBUILD || 'esbuild',
    [
      path.join(ROOT, 'tests/browser/fixtures/uikit-page.jsx'),
      '--bundle', '--format=iife', '--jsx=automatic', '--log-level=error',
      '--define:process.env.NODE_ENV="production"',
      '--loader:.svg=dataurl', '--loader:.png=dataurl', '--loader:.woff2=dataurl', '--loader:.woff=dataurl',
      `--outdir=${dir}`,
    ],
    { env: { ...process.env, NODE_PATH: path.join(ROOT, 'ui/node_modules') }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  assert.equal(r.status, 0, 'esbuild bundled the test page');
  js = readFileSync(path.join(dir, 'uikit-page.js'), 'utf8');
  css = readFileSync(path.join(dir, 'uikit-page.css'), 'utf8');
});

after(async () => {
  if (browser) await browser.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Runs fn(page) on the test page, in a fresh context (the harness saves artifacts on failure).
function onPage(t, fn) {
  return withPage(browser, t, async (p) => {
    await p.route('http://uikit.test/**', (route) => {
      const u = new URL(route.request().url());
      if (u.pathname === '/')
        return route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><link rel="stylesheet" href="/p.css"><div id="root"></div><script src="/p.js"></script>',
        });
      if (u.pathname === '/p.js') return route.fulfill({ contentType: 'text/javascript', body: js });
      if (u.pathname === '/p.css') return route.fulfill({ contentType: 'text/css', body: css });
      return route.fulfill({ status: 404, body: '' });
    });
    await p.goto('http://uikit.test/');
    await p.waitForFunction(() => typeof window.__render === 'function');
    await fn(p);
    assert.deepEqual(p.kilnErrors, [], 'no page errors');
  });
}

// Mounts doc on the page (as JSON: Playwright's argument serializer stalls on deep trees).
const render = (p, doc) => p.evaluate((json) => window.__render(JSON.parse(json)), JSON.stringify(doc));

const S = (text) => ({ type: 'String', props: { text }, children: [] });
const N = (type, props = {}, ...children) => ({ type, props, children });
const root = (...children) => N('Root', {}, ...children);
const fn = (n) => ({ __kilnCallback: n });

// A small, valid tree for each component kiln promises (props as @forge/react passes them).
function sample(name) {
  switch (name) {
    case 'DynamicTable':
      return N('DynamicTable', {}, N('ContentWrapper', { name: 'head' }, N('Cell', { cellKey: 'a' }, S('A'))),
        N('ContentWrapper', { name: 'rows' }, N('Row', { rowKey: 'r1' }, N('Cell', { cellKey: 'a' }, S('row one')))));
    case 'Select':
      return N('Select', { options: [{ label: 'One', value: '1' }], onChange: fn(4) });
    case 'RadioGroup':
      return N('RadioGroup', { name: 'rg', options: [{ name: 'rg', value: 'a', label: 'A' }] });
    case 'Image':
      return N('Image', { src: 'https://example.invalid/x.png', alt: 'x' });
    case 'Link':
      return N('Link', { href: 'https://example.invalid/' }, S('a link'));
    case 'Tag':
      return N('Tag', { text: 'tag' });
    case 'User':
      return N('User', { accountId: 'u1' });
    case 'UserGroup':
      return N('UserGroup', {}, N('User', { accountId: 'u1' }));
    case 'UserPicker':
      return N('UserPicker', { name: 'who', label: 'Who' });
    case 'AdfRenderer':
      return N('AdfRenderer', { document: { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'adf text' }] }] } });
    case 'Modal':
      return N('Modal', { onClose: fn(5) }, N('ModalHeader', {}, N('ModalTitle', {}, S('Title'))), N('ModalBody', {}, S('body')));
    case 'Tabs':
      return N('Tabs', { id: 't' }, N('TabList', {}, N('Tab', {}, S('one'))), N('TabPanel', {}, S('panel')));
    case 'ProgressBar':
      return N('ProgressBar', { value: 0.5 });
    default:
      return N(name, {}, S(name));
  }
}

test('every component kiln promises has a renderer and renders without the placeholder', (t) =>
  onPage(t, async (p) => {
  const { promised, components } = await p.evaluate(() => ({ promised: window.__promised, components: window.__components }));
  assert.ok(promised.length >= 40, 'the promised list is the issue\'s list');
  assert.deepEqual(promised.filter((n) => !components.includes(n)), [], 'a table row for each promised component');
  for (const name of promised) {
    if (['ModalHeader', 'ModalBody', 'ModalFooter', 'ModalTitle', 'Tab', 'TabList', 'TabPanel'].includes(name)) continue; // drawn inside Modal / Tabs
    await render(p, root(sample(name)));
    await p.waitForSelector('[data-testid="uikit-root"]', { state: 'attached' });
    // Modal draws into a portal outside the root
    const placeholders = await p.locator('[data-kiln-uikit-placeholder]').count();
    assert.equal(placeholders, 0, `${name} renders with its component, not the placeholder`);
    assert.equal(await p.locator('[data-testid="uikit-refused"]').count(), 0, `${name}'s sample is accepted`);
  }
  }));

test('an unknown component shows a visible placeholder naming it, its siblings still render', (t) =>
  onPage(t, async (p) => {
  await render(p, root(N('Text', {}, S('before')), N('HoloDeck', {}, S('inner')), N('Text', {}, S('after'))));
  const ph = p.locator('[data-kiln-uikit-placeholder="HoloDeck"]');
  await ph.waitFor();
  assert.match(await ph.innerText(), /HoloDeck/);
  assert.ok(await ph.isVisible());
  assert.match(await p.locator('[data-testid="uikit-root"]').innerText(), /before[\s\S]*after/);
  }));

test('hostile documents are refused visibly and nothing of them is drawn', (t) =>
  onPage(t, async (p) => {
  let deep = S('bottom');
  for (let i = 0; i < 80; i++) deep = N('Box', {}, deep);
  const wide = N('Stack', {}, ...Array.from({ length: 1001 }, (_, i) => S(`n${i}`)));
  const many = N('Stack', {}, ...Array.from({ length: 10 }, () => N('Stack', {}, ...Array.from({ length: 600 }, () => S('x')))));
  const cases = [
    [root(deep), /nested deeper than 64/],
    [root(wide), /more than 1000 children/],
    [root(many), /more than 5000 components/],
    [root(N('Link', { href: 'javascript:alert(1)' }, S('click me'))), /unsafe URL/],
    [root(N('Link', { href: ' jav\tascript:alert(1)' }, S('click me'))), /unsafe URL/],
    [root(N('Image', { src: 'data:text/html;base64,PHNjcmlwdD4=' })), /unsafe URL/],
    [root(N('LinkButton', { href: 'vbscript:x' }, S('go'))), /unsafe URL/],
    [root(N('Box', { dangerouslySetInnerHTML: { __html: '<img src=x onerror=alert(1)>' } })), /no raw HTML/],
    [root(N('Button', { onClick: { __kilnCallback: 1, extra: 1 } }, S('b'))), /malformed event handler/],
    [root(N('Text', { title: 'x'.repeat(70000) })), /longer than 65536/],
    [root(N('<script>', {})), /valid type/],
  ];
  for (const [doc, why] of cases) {
    await render(p, doc);
    const box = p.locator('[data-testid="uikit-refused"]');
    await box.waitFor();
    assert.match(await box.innerText(), why);
    assert.equal(await p.locator('[data-testid="uikit-root"]').count(), 0, 'nothing of the document is drawn');
    assert.equal(await p.locator('a[href^="javascript"], img[src^="data:text"]').count(), 0);
  }
  }));

test('clicks, typing, choices and submits come back as events with postable arguments', (t) =>
  onPage(t, async (p) => {
  const doc = root(
    N('Form', { onSubmit: fn(1) },
      N('Label', { labelFor: 'f-name' }, S('Name')),
      N('Textfield', { id: 'f-name', name: 'name', onChange: fn(2) }),
      N('Button', { type: 'submit', appearance: 'primary' }, S('Save'))),
    N('Button', { onClick: fn(3) }, S('Count')),
  );
  await render(p, doc);
  await p.getByRole('button', { name: 'Count' }).click();
  await p.waitForFunction(() => window.__events.some((e) => e.fn === 3));
  await p.getByLabel('Name').fill('Grace');
  await p.waitForFunction(() => window.__events.some((e) => e.fn === 2 && e.args[0]?.target?.value === 'Grace'));
  const change = await p.evaluate(() => window.__events.filter((e) => e.fn === 2).at(-1));
  assert.equal(change.args[0].target.type, 'text', 'useForm reads target.type');
  await p.getByRole('button', { name: 'Save' }).click();
  await p.waitForFunction(() => window.__events.some((e) => e.fn === 1));
  assert.equal(new URL(p.url()).pathname, '/', 'the form did not navigate');
  }));

test('a DynamicTable shows its head and rows, and a re-render with a new row shows it', (t) =>
  onPage(t, async (p) => {
  const table = (rows) => root(N('DynamicTable', {},
    N('ContentWrapper', { name: 'head' }, N('Cell', { cellKey: 'name' }, S('Name')), N('Cell', { cellKey: 'size' }, S('Size'))),
    N('ContentWrapper', { name: 'rows' }, ...rows.map((r, i) => N('Row', { rowKey: `r${i}` }, N('Cell', { cellKey: 'name' }, S(r[0])), N('Cell', { cellKey: 'size' }, S(r[1])))))));
  await render(p, table([['apple', 'small']]));
  await p.getByRole('cell', { name: 'apple' }).waitFor();
  await render(p, table([['apple', 'small'], ['melon', 'large']]));
  await p.getByRole('cell', { name: 'melon' }).waitFor();
  assert.equal(await p.getByRole('columnheader').count(), 2);
  }));
