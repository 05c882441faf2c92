// UI Kit's AdfRenderer in a real browser (Debian's chromium via playwright-core): kiln's ADF
// walker (ui/src/uikit/adf.jsx) on the UI Kit test page (lib/uikit-page.mjs). What it
// checks: every node and mark type of @atlaskit/adf-schema has a row; a document with all
// of them shows the user what @atlaskit/renderer draws (text, roles, headings, lists,
// marks, code, panels, tables, mentions, statuses, dates, tasks, decisions, expands, media,
// cards, extensions, layouts) without one request off the page's origin; hostile input
// (javascript: links, unknown types, 10 000-deep nesting, a 5 MB document, CSS in colours)
// is refused by the ForgeDoc gate or drawn safely by the walker alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './lib/browser.mjs';
import { bundleUikitPage, onUikitPage, renderDoc } from './lib/uikit-page.mjs';

let browser, bundle;

before(async () => {
  browser = await launchBrowser();
  bundle = bundleUikitPage();
});

after(async () => {
  if (browser) await browser.close();
});

const onPage = (t, fn) => onUikitPage(browser, t, bundle, fn);
const N = (type, props = {}, ...children) => ({ type, props, children });
const adf = (...content) => N('Root', {}, N('AdfRenderer', { document: { type: 'doc', version: 1, content } }));
// the walker alone; "@DEEP@" in doc stands for `deep`, JSON text too deep for JSON.stringify
const renderAlone = (p, doc, deep = '') =>
  p.evaluate((json) => window.__renderAdf(JSON.parse(json)), JSON.stringify(doc).replace('"@DEEP@"', deep));

// Every node and mark type of @atlaskit/adf-schema 57.7.22 (dist/json-schema/v1/full.json
// and stage-0.json, the `type` of each *_node and *_mark definition).
const SCHEMA_NODES = [
  'blockCard', 'blockTaskItem', 'blockquote', 'bodiedExtension', 'bodiedRule', 'bodiedSyncBlock', 'bulletList', 'caption',
  'codeBlock', 'date', 'decisionItem', 'decisionList', 'doc', 'embedCard', 'emoji', 'expand', 'extension', 'extensionFrame',
  'hardBreak', 'heading', 'inlineCard', 'inlineExtension', 'layoutColumn', 'layoutSection', 'listItem', 'media', 'mediaGroup',
  'mediaInline', 'mediaSingle', 'mention', 'multiBodiedExtension', 'nestedExpand', 'orderedList', 'panel', 'paragraph',
  'placeholder', 'rule', 'status', 'syncBlock', 'table', 'tableCell', 'tableHeader', 'tableRow', 'taskItem', 'taskList', 'text',
];
const SCHEMA_MARKS = [
  'alignment', 'annotation', 'backgroundColor', 'border', 'breakout', 'code', 'dataConsumer', 'em', 'fontSize', 'fragment',
  'indentation', 'link', 'strike', 'strong', 'subsup', 'textColor', 'underline',
];

const t_ = (text, ...marks) => ({ type: 'text', text, ...(marks.length ? { marks } : {}) });
const p_ = (...content) => ({ type: 'paragraph', content });
const m = (type, attrs) => (attrs ? { type, attrs } : { type });
const cell = (type, text, attrs) => ({ type, ...(attrs ? { attrs } : {}), content: [p_(t_(text))] });
const DEC_7 = Date.UTC(2026, 11, 7);

// one document with every node and mark type
const EVERYTHING = [
  { type: 'heading', attrs: { level: 1 }, content: [t_('Release notes')] },
  { type: 'heading', attrs: { level: 3 }, marks: [m('alignment', { align: 'center' })], content: [t_('Centred')] },
  p_(
    t_('bold', m('strong')), t_(' '), t_('italic', m('em')), t_(' '), t_('mono', m('code')), t_(' '),
    t_('site', m('link', { href: 'https://example.com/docs', title: 'Docs' })), t_(' '), t_('gone', m('strike')), t_(' '),
    t_('under', m('underline')), t_(' H'), t_('2', m('subsup', { type: 'sub' })), t_('O x'), t_('2', m('subsup', { type: 'sup' })), t_(' '),
    t_('red', m('textColor', { color: '#ff0000' })), t_(' '), t_('marked', m('backgroundColor', { color: '#ffff00' })), t_(' '),
    t_('noted', m('annotation', { id: 'c1', annotationType: 'inlineComment' })), t_(' '), t_('small', m('fontSize', { fontSize: 'small' })),
    { type: 'hardBreak' },
    t_('Hi '), { type: 'mention', attrs: { id: 'u-ada', text: '@Ada Lovelace' } }, t_(' '),
    { type: 'emoji', attrs: { shortName: ':smile:', text: '😄' } }, t_(' '),
    { type: 'status', attrs: { text: 'In progress', color: 'blue' } }, t_(' due '),
    { type: 'date', attrs: { timestamp: String(DEC_7) } }, t_(' '),
    { type: 'inlineCard', attrs: { url: 'https://example.com/card' } }, t_(' '),
    { type: 'placeholder', attrs: { text: 'Type here' } }, t_(' '),
    { type: 'inlineExtension', attrs: { extensionKey: 'macro-x', extensionType: 'com.x', text: 'inline macro' } },
  ),
  { type: 'paragraph', marks: [m('indentation', { level: 2 })], content: [t_('indented')] },
  { type: 'bulletList', content: [{ type: 'listItem', content: [p_(t_('apple'))] }, { type: 'listItem', content: [p_(t_('melon'))] }] },
  { type: 'orderedList', attrs: { order: 3 }, content: [{ type: 'listItem', content: [p_(t_('third'))] }] },
  { type: 'blockquote', content: [p_(t_('quoted'))] },
  { type: 'codeBlock', attrs: { language: 'js' }, marks: [m('breakout', { mode: 'wide' })], content: [t_('let a = 1;\nlet b = 2;')] },
  { type: 'rule' },
  { type: 'panel', attrs: { panelType: 'warning' }, content: [p_(t_('careful now'))] },
  {
    type: 'table', attrs: { isNumberColumnEnabled: true },
    content: [
      { type: 'tableRow', content: [cell('tableHeader', 'Name'), cell('tableHeader', 'Size')] },
      { type: 'tableRow', content: [cell('tableCell', 'apple', { background: '#00ff00' }), cell('tableCell', 'small')] },
      { type: 'tableRow', content: [cell('tableCell', 'wide one', { colspan: 2 })] },
    ],
  },
  { type: 'taskList', attrs: { localId: 't' }, content: [
    { type: 'taskItem', attrs: { localId: 'a', state: 'DONE' }, content: [t_('done task')] },
    { type: 'taskItem', attrs: { localId: 'b', state: 'TODO' }, content: [t_('open task')] },
    { type: 'blockTaskItem', attrs: { localId: 'c', state: 'TODO' }, content: [p_(t_('block task'))] },
  ] },
  { type: 'decisionList', attrs: { localId: 'd' }, content: [{ type: 'decisionItem', attrs: { localId: 'e', state: 'DECIDED' }, content: [t_('ship it')] }] },
  { type: 'expand', attrs: { title: 'More details' }, content: [p_(t_('hidden body')), { type: 'nestedExpand', attrs: { title: 'Deeper' }, content: [p_(t_('deepest'))] }] },
  { type: 'mediaSingle', attrs: { layout: 'center' }, content: [
    { type: 'media', attrs: { type: 'external', url: 'http://uikit.test/pic.png', alt: 'a picture', width: 40, height: 30 }, marks: [m('border', { size: 2, color: '#000000' })] },
    { type: 'caption', content: [t_('the caption')] },
  ] },
  { type: 'mediaGroup', content: [{ type: 'media', attrs: { type: 'file', id: 'f1', collection: 'c', alt: 'report.pdf' } }] },
  p_({ type: 'mediaInline', attrs: { type: 'file', id: 'f2', collection: 'c', alt: 'inline.txt' } }),
  { type: 'blockCard', attrs: { url: 'https://example.com/block' } },
  { type: 'embedCard', attrs: { url: 'https://example.com/embed', layout: 'center' } },
  { type: 'extension', attrs: { extensionKey: 'toc', extensionType: 'com.atlassian.confluence.macro.core' } },
  { type: 'bodiedExtension', attrs: { extensionKey: 'box', extensionType: 'com.x' }, content: [p_(t_('bodied body'))] },
  { type: 'multiBodiedExtension', attrs: { extensionKey: 'tabs', extensionType: 'com.x' }, content: [{ type: 'extensionFrame', content: [p_(t_('frame body'))] }] },
  { type: 'layoutSection', content: [
    { type: 'layoutColumn', attrs: { width: 50 }, content: [p_(t_('left column'))] },
    { type: 'layoutColumn', attrs: { width: 50 }, content: [p_(t_('right column'))] },
  ] },
  { type: 'bodiedRule', content: [p_(t_('after the rule'))] },
  { type: 'syncBlock', attrs: { resourceId: 'r1', localId: 's' } },
  { type: 'bodiedSyncBlock', attrs: { resourceId: 'r2', localId: 's2' }, marks: [m('fragment', { localId: 'f', name: 'x' }), m('dataConsumer', { sources: ['a'] })], content: [p_(t_('synced body'))] },
  { type: 'holoDeck', content: [p_(t_('from the future'))] },
];

test('every node and mark type of @atlaskit/adf-schema has a row in the walker', (t) =>
  onPage(t, async (p) => {
    const { nodes, marks } = await p.evaluate(() => window.__adf);
    assert.deepEqual(SCHEMA_NODES.filter((n) => !nodes.includes(n)), [], 'node types without a row');
    assert.deepEqual(SCHEMA_MARKS.filter((n) => !marks.includes(n)), [], 'mark types without a row');
    const used = new Set();
    const walk = (x) => {
      if (Array.isArray(x)) return x.forEach(walk);
      if (x && typeof x === 'object') {
        if (typeof x.type === 'string') used.add(x.type);
        Object.values(x).forEach(walk);
      }
    };
    walk(EVERYTHING);
    used.add('doc');
    assert.deepEqual([...SCHEMA_NODES, ...SCHEMA_MARKS].filter((n) => !used.has(n)), [], 'the test document uses every type');
  }));

test('a document with every node and mark type shows what @atlaskit/renderer draws, offline', (t) =>
  onPage(t, async (p) => {
    await renderDoc(p, adf(...EVERYTHING));
    const doc = p.locator('.kiln-adf');
    await doc.waitFor();
    assert.equal(await p.locator('[data-testid="uikit-refused"]').count(), 0, 'the document is accepted');
    // headings and text marks
    await p.getByRole('heading', { level: 1, name: 'Release notes' }).waitFor();
    const h3 = p.getByRole('heading', { level: 3, name: 'Centred' });
    assert.equal(await h3.evaluate((e) => getComputedStyle(e).textAlign), 'center');
    assert.equal(await doc.locator('strong').innerText(), 'bold');
    assert.equal(await doc.locator('em').innerText(), 'italic');
    assert.equal(await doc.locator('p code').innerText(), 'mono');
    assert.equal(await doc.locator('s').innerText(), 'gone');
    assert.equal(await doc.locator('u').innerText(), 'under');
    assert.equal(await doc.locator('sub').innerText(), '2');
    assert.equal(await doc.locator('sup').innerText(), '2');
    const site = p.getByRole('link', { name: 'site' });
    assert.equal(await site.getAttribute('href'), 'https://example.com/docs');
    assert.equal(await site.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await doc.getByText('red', { exact: true }).evaluate((e) => getComputedStyle(e).color), 'rgb(255, 0, 0)');
    assert.equal(await doc.getByText('marked', { exact: true }).evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(255, 255, 0)');
    assert.ok(await doc.locator('[data-kiln-adf-annotation="c1"]', { hasText: 'noted' }).isVisible());
    assert.match(await doc.getByText('indented').evaluate((e) => getComputedStyle(e).marginLeft), /^60px$/);
    // inline nodes
    assert.equal(await doc.locator('[data-mention-id="u-ada"]').innerText(), '@Ada Lovelace');
    assert.equal(await doc.locator('[data-emoji-short-name=":smile:"]').innerText(), '😄');
    assert.equal((await doc.locator('.kiln-adf-status').textContent()).trim(), 'In progress');
    assert.equal(await doc.locator('time').innerText(), 'Dec 7, 2026');
    assert.equal(await doc.locator('time').getAttribute('datetime'), '2026-12-07');
    assert.equal(await p.getByRole('link', { name: 'https://example.com/card' }).getAttribute('href'), 'https://example.com/card');
    assert.ok(await doc.getByText('Type here').isVisible());
    assert.ok(await doc.getByText('inline macro').isVisible());
    // lists, quote, code, rule, panel
    assert.deepEqual(await doc.locator('ul').first().getByRole('listitem').allInnerTexts(), ['apple', 'melon']);
    assert.equal(await doc.locator('ol').getAttribute('start'), '3');
    assert.equal(await doc.locator('blockquote').innerText(), 'quoted');
    const code = doc.locator('pre[data-code-lang="js"]');
    assert.deepEqual((await code.locator('[data-line] > span:last-child').allInnerTexts()), ['let a = 1;', 'let b = 2;']);
    assert.ok((await doc.locator('hr').count()) >= 2, 'rule and bodiedRule');
    const panel = p.getByRole('note', { name: 'warning panel' });
    assert.match(await panel.innerText(), /careful now/);
    // table: headers, cells, the number column, colspan, a cell background
    const table = doc.getByRole('table');
    assert.deepEqual(await table.getByRole('columnheader').allInnerTexts(), ['', 'Name', 'Size']);
    assert.deepEqual(await table.getByRole('row').nth(1).getByRole('cell').allInnerTexts(), ['1', 'apple', 'small']);
    assert.equal(await table.getByRole('cell', { name: 'wide one' }).getAttribute('colspan'), '2');
    assert.equal(await table.getByRole('cell', { name: 'apple' }).evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(0, 255, 0)');
    // tasks, decisions
    const boxes = doc.getByRole('checkbox');
    assert.equal(await boxes.count(), 3);
    assert.deepEqual(await Promise.all([0, 1, 2].map((i) => boxes.nth(i).isChecked())), [true, false, false]);
    assert.ok(await doc.getByRole('checkbox', { name: 'done task' }).isDisabled(), 'a task cannot be ticked: there is no task service');
    assert.match(await doc.locator('[data-decision-state="DECIDED"]').innerText(), /ship it/);
    assert.equal(await doc.getByRole('img', { name: 'Decision' }).count(), 1);
    // expand: the title shows, the body only once opened
    const body = doc.getByText('hidden body');
    assert.equal(await body.isVisible(), false);
    await doc.getByText('More details').click();
    await body.waitFor();
    assert.equal(await doc.getByText('deepest').isVisible(), false, 'a nested expand stays closed');
    // media: an external image drawn, files (Atlassian's media service) stand-ins
    const img = doc.getByRole('img', { name: 'a picture' });
    assert.equal(await img.getAttribute('src'), 'http://uikit.test/pic.png');
    assert.equal(await img.evaluate((e) => getComputedStyle(e.parentElement).borderTopWidth), '2px', 'the border mark');
    assert.equal(await doc.locator('figcaption').innerText(), 'the caption');
    assert.match(await doc.locator('[data-kiln-adf-standin="media"]').first().innerText(), /report\.pdf/);
    assert.match(await doc.locator('[data-kiln-adf-standin="media"]').nth(1).innerText(), /inline\.txt/);
    // cards, extensions, layout, synced blocks, unknown nodes
    assert.ok(await p.getByRole('link', { name: 'https://example.com/block' }).isVisible());
    assert.ok(await p.getByRole('link', { name: 'https://example.com/embed' }).isVisible());
    assert.equal(await doc.locator('iframe').count(), 0, 'an embed card is a link, not a frame');
    assert.match(await doc.locator('[data-kiln-adf-extension="toc"]').innerText(), /Extension: toc/);
    assert.match(await doc.locator('[data-kiln-adf-extension="box"]').innerText(), /bodied body/);
    assert.match(await doc.locator('[data-kiln-adf-extension="tabs"]').innerText(), /frame body/);
    const [l, r] = await Promise.all(['left column', 'right column'].map((s) => doc.getByText(s).boundingBox()));
    assert.ok(l.x < r.x && Math.abs(l.y - r.y) < 2, 'layout columns side by side');
    assert.match(await doc.locator('[data-kiln-adf-standin="syncBlock"]').innerText(), /Synced block/);
    assert.ok(await doc.getByText('synced body').isVisible());
    assert.equal(await doc.locator('[data-kiln-adf-unknown="holoDeck"]').innerText(), 'from the future');
    // nothing was asked of any other origin (no media, emoji, mention, card service)
    assert.deepEqual(p.kilnRequests.filter((u) => !u.startsWith('http://uikit.test/')), []);
  }));

test('a 51-node document (15 list items) is drawn in one frame (first paint, median of 7)', (t) =>
  onPage(t, async (p) => {
    const items = Array.from({ length: 15 }, (_, i) => ({ type: 'listItem', content: [p_(t_(`item ${i}`, m('strong')))] }));
    const doc = adf({ type: 'heading', attrs: { level: 2 }, content: [t_('Fifty')] }, { type: 'bulletList', content: items }, p_(t_('end')));
    const times = [];
    for (let i = 0; i < 7; i++) {
      await renderDoc(p, N('Root', {}));
      times.push(
        await p.evaluate(async (json) => {
          const t0 = performance.now();
          window.__render(JSON.parse(json));
          await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
          return performance.now() - t0;
        }, JSON.stringify(doc)),
      );
    }
    times.sort((a, b) => a - b);
    t.diagnostic(`ADF 51 nodes, render to painted frame: median ${times[3].toFixed(1)} ms (${times.map((x) => x.toFixed(1)).join(', ')})`);
    assert.equal(await p.locator('.kiln-adf li').count(), 15);
  }));

test('hostile ADF is refused by the gate or drawn safely by the walker alone', (t) =>
  onPage(t, async (p) => {
    const refused = async (doc, why, deep = '') => {
      await p.evaluate((json) => window.__render(JSON.parse(json)), JSON.stringify(doc).replace('"@DEEP@"', deep));
      const box = p.locator('[data-testid="uikit-refused"]');
      await box.waitFor();
      assert.match(await box.innerText(), why);
      assert.equal(await p.locator('.kiln-adf').count(), 0, 'nothing of the document is drawn');
    };
    const jsLink = p_(t_('click me', m('link', { href: ' java\tscript:alert(1)' })));
    await refused(adf(jsLink), /unsafe URL/);
    const deep = `${'{"type":"blockquote","content":['.repeat(10000)}${JSON.stringify(p_(t_('bottom')))}${']}'.repeat(10000)}`;
    await refused(adf('@DEEP@'), /nested deeper than 64/, deep);
    const big = Array.from({ length: 80 }, (_, i) => p_(t_(`${i}`.padEnd(65536, 'x'))));
    assert.ok(JSON.stringify(big).length > 5e6);
    await refused(adf(...big), /larger than 1048576 bytes/);

    // the walker alone (no gate): unsafe URLs draw text, no link; unknown and odd types draw
    // their text; 10 000 levels draw 48 and a marker; CSS in colours is not applied
    await renderAlone(p, {
      type: 'doc',
      content: [
        jsLink,
        p_(t_('vb', m('link', { href: 'VBScript:x' }))),
        { type: 'inlineCard', attrs: { url: 'javascript:alert(2)' } },
        { type: 'media', attrs: { type: 'external', url: 'data:text/html;base64,PHNjcmlwdD4=', alt: 'evil' } },
        { type: 'constructor', content: [p_(t_('proto-named'))] },
        { type: '__proto__', text: 'odd text' },
        { type: 'heading', attrs: { level: 99 }, content: [t_('clamped')] },
        p_(t_('styled', m('textColor', { color: 'red;background:url(http://evil.invalid/x)' }), m('nope'))),
        { type: 'table', content: [{ type: 'tableRow', content: [cell('tableCell', 'huge span', { colspan: 1e9, rowspan: -5 })] }] },
        { type: 'status', attrs: { text: { toString: 1 }, color: '__proto__' } },
        '@DEEP@',
      ],
    }, deep);
    const alone = p.locator('[data-testid="adf-alone"]');
    await alone.waitFor();
    assert.equal(await alone.locator('a').count(), 0, 'no unsafe URL becomes a link');
    assert.ok(await alone.getByText('javascript:alert(2)').isVisible(), 'an unsafe card URL is drawn as text');
    assert.equal(await alone.locator('a[href^="javascript"], a[href^="VBScript"], a[href^="vbscript"], img[src^="data:text"]').count(), 0);
    assert.ok(await alone.getByText('click me').isVisible());
    assert.ok(await alone.getByText('proto-named').isVisible());
    assert.ok(await alone.getByText('odd text').isVisible());
    assert.ok(await alone.getByRole('heading', { level: 6, name: 'clamped' }).isVisible());
    const styled = alone.getByText('styled', { exact: true });
    assert.equal(await styled.evaluate((e) => getComputedStyle(e).backgroundImage), 'none');
    assert.equal(await alone.getByRole('cell', { name: 'huge span' }).getAttribute('colspan'), '64');
    assert.equal(await alone.locator('blockquote').count(), 48, 'drawn to the walker\'s depth limit');
    assert.equal(await alone.locator('[data-kiln-adf-cut]').count(), 1, 'then one visible marker');
    assert.deepEqual(p.kilnRequests.filter((u) => !u.startsWith('http://uikit.test/')), []);
  }));
