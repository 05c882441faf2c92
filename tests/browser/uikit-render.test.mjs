// The UI Kit renderer in a real browser (Debian's chromium via playwright-core), alone:
// ForgeDocs as @forge/react's reconciler sends them (after kiln's frame shim replaced
// functions by {__kilnCallback: n}), mounted by <UiKitView> on a page bundled from
// tests/browser/fixtures/uikit-page.jsx with the real @atlaskit components of ui/
// (lib/uikit-page.mjs; requests to any other origin are refused).
// What it checks: every component kiln promises renders (none falls to the placeholder),
// an unknown component shows a placeholder naming it, hostile documents are refused
// visibly (too deep, too many nodes, javascript: links and images, raw HTML), and events
// (click, change, submit) come back as {fn, args} for the app's frame.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from './lib/browser.mjs';
import { bundleUikitPage, onUikitPage, renderDoc as render } from './lib/uikit-page.mjs';

let browser, bundle;

before(async () => {
  browser = await launchBrowser();
  bundle = bundleUikitPage();
});

after(async () => {
  if (browser) await browser.close();
});

// Runs fn(page) on the test page (lib/uikit-page.mjs), in a fresh context.
const onPage = (t, fn) => onUikitPage(browser, t, bundle, fn);

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
    case 'BarChart': case 'HorizontalBarChart': case 'LineChart':
      return N(name, { data: [['a', 1], ['b', 3]], xAccessor: 0, yAccessor: 1, title: name });
    case 'StackBarChart': case 'HorizontalStackBarChart':
      return N(name, { data: [{ x: 'a', y: 1, c: 'one' }, { x: 'a', y: 2, c: 'two' }], xAccessor: 'x', yAccessor: 'y', colorAccessor: 'c' });
    case 'PieChart': case 'DonutChart':
      return N(name, { data: [['a', 1], ['b', 2]], labelAccessor: 0, colorAccessor: 0, valueAccessor: 1 });
    case 'Calendar':
      return N('Calendar', { defaultMonth: 3, defaultYear: 2026, onSelect: fn(6) });
    case 'Popup':
      return N('Popup', { isOpen: true, onClose: fn(7) }, N('ContentWrapper', { name: 'content' }, S('popup body')),
        N('ContentWrapper', { name: 'trigger' }, N('Button', { onClick: fn(8) }, S('open'))));
    case 'InlineEdit':
      return N('InlineEdit', { label: 'Name', isEditing: false, onConfirm: fn(9), onEdit: fn(10), onCancel: fn(11) },
        N('ContentWrapper', { name: 'editView' }, N('Textfield', { name: 'n' })), N('ContentWrapper', { name: 'readView' }, S('read view')));
    case 'Comment':
      return N('Comment', { author: { text: 'Ada' }, time: { text: 'today' } }, N('ContentWrapper', { name: 'avatar' }),
        N('ContentWrapper', { name: 'content' }, S('a comment')));
    case 'CommentEditor': case 'ChromelessEditor':
      return N(name, { defaultValue: { type: 'doc', version: 1, content: [] } });
    case 'CodeBlock':
      return N('CodeBlock', { text: 'let x = 1;', language: 'js' });
    case 'Tooltip':
      return N('Tooltip', { content: 'tip' }, N('Button', {}, S('hover me')));
    case 'Pagination':
      return N('Pagination', { pages: [1, 2, 3] });
    case 'Breadcrumbs':
      return N('Breadcrumbs', {}, N('BreadcrumbsItem', { href: '/a', text: 'A' }));
    case 'CheckboxGroup':
      return N('CheckboxGroup', { name: 'cg', options: [{ label: 'A', value: 'a' }] });
    case 'Range':
      return N('Range', { min: 0, max: 10, defaultValue: 5 });
    case 'ProgressTracker':
      return N('ProgressTracker', { items: [{ id: '1', label: 'One', percentageComplete: 100, status: 'visited' }] });
    case 'EmptyState':
      return N('EmptyState', { header: 'Nothing here' });
    case 'Tile':
      return N('Tile', { label: 'tile' }, S('T'));
    case 'Icon':
      return N('Icon', { glyph: 'star-starred', label: 'Star' });
    case 'AtlassianIcon': case 'AtlassianTile':
      return N(name, { glyph: 'bug', label: 'Bug' });
    case 'FileCard':
      return N('FileCard', { fileName: 'a.txt', fileSize: 10 });
    case 'FilePicker':
      return N('FilePicker', { label: 'Files', onChange: fn(12) });
    case 'Frame':
      return N('Frame', { resource: 'about' });
    case 'BreadcrumbsItem':
      return N('Breadcrumbs', {}, N('BreadcrumbsItem', { href: '/b', text: 'B' }));
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

// The last event of callback n, or a wait until one comes.
const eventOf = async (p, n) => {
  await p.waitForFunction((k) => window.__events.some((e) => e.fn === k), n);
  return p.evaluate((k) => window.__events.filter((e) => e.fn === k).at(-1), n);
};

test('charts draw their data as SVG: bar heights, stacks, slices, legends; unsafe palette colours are not used', (t) =>
  onPage(t, async (p) => {
    await render(p, root(
      N('BarChart', { data: [['small', 1], ['big', 4]], xAccessor: 0, yAccessor: 1, title: 'Sizes', colorPalette: ['url(https://evil.invalid/x)', 'red;x:y'] }),
      N('StackBarChart', { data: [{ x: 'q1', y: 2, c: 'bugs' }, { x: 'q1', y: 3, c: 'tasks' }, { x: 'q2', y: 1, c: 'bugs' }], xAccessor: 'x', yAccessor: 'y', colorAccessor: 'c', colorPalette: [{ key: 'bugs', value: '#ff0000' }] }),
      N('HorizontalBarChart', { data: [{ k: 'wide', v: 9 }, { k: 'narrow', v: 3 }], xAccessor: 'k', yAccessor: 'v' }),
      N('LineChart', { data: [['mon', 1], ['tue', 5], ['wed', 2]], xAccessor: 0, yAccessor: 1 }),
      N('DonutChart', { data: [['open', 3], ['done', 1]], labelAccessor: 0, colorAccessor: 0, valueAccessor: 1, showMarkLabels: true }),
    ));
    const bar = p.locator('[data-kiln-chart="BarChart"]');
    await bar.locator('svg').waitFor();
    assert.match(await bar.innerText(), /Sizes/, 'the title is shown');
    const h = async (loc) => Number(await loc.getAttribute('height'));
    const small = await h(bar.locator('rect[data-kiln-bar="small"]'));
    const big = await h(bar.locator('rect[data-kiln-bar="big"]'));
    assert.ok(small > 0 && Math.abs(big / small - 4) < 0.05, `bar heights follow the data (${small}, ${big})`);
    const fillOf = (loc) => loc.evaluateAll((rs) => rs.map((r) => getComputedStyle(r).fill));
    const fills = await fillOf(bar.locator('rect[data-kiln-bar]'));
    assert.deepEqual(fills, ['rgb(53, 125, 232)', 'rgb(53, 125, 232)'], 'unsafe colours fell back to the first chart token (#357DE8)');
    assert.doesNotMatch(await bar.innerHTML(), /evil|red;/, 'nothing of the unsafe palette reached the page');
    const stack = p.locator('[data-kiln-chart="StackBarChart"]');
    assert.equal(await stack.locator('rect[data-kiln-bar="q1"]').count(), 2, 'q1 stacks two series');
    assert.deepEqual(await fillOf(stack.locator('rect[data-kiln-bar="q2"]')), ['rgb(255, 0, 0)', 'rgb(130, 181, 54)'], 'the {key, value} palette colours its series, the next series takes the second chart token');
    assert.match(await stack.locator('[data-kiln-chart-legend]').innerText(), /bugs[\s\S]*tasks/);
    const hb = p.locator('[data-kiln-chart="HorizontalBarChart"]');
    const w = async (k) => Number(await hb.locator(`rect[data-kiln-bar="${k}"]`).getAttribute('width'));
    assert.ok(Math.abs((await w('wide')) / (await w('narrow')) - 3) < 0.05, 'horizontal bars are as long as their values');
    assert.equal(await p.locator('[data-kiln-chart="LineChart"] circle[data-kiln-point]').count(), 3);
    assert.equal(await p.locator('[data-kiln-chart="DonutChart"] path[data-kiln-slice]').count(), 2);
    assert.match(await p.locator('[data-kiln-chart="DonutChart"]').innerText(), /open[\s\S]*done/, 'the legend names the slices');
  }));

test('Box xcss: token values applied as styles; unknown properties, raw values and overlays dropped', (t) =>
  onPage(t, async (p) => {
    await render(p, root(N('Box', {
      testId: 'styled',
      xcss: {
        padding: 'space.200', backgroundColor: 'color.background.danger', borderRadius: 'border.radius', borderWidth: 'border.width',
        borderStyle: 'solid', borderColor: 'color.border', width: '50%', display: 'flex',
        position: 'fixed', zIndex: 99999, color: 'red', margin: 'expression(alert(1))', backgroundImage: 'url(https://evil.invalid/x)',
        top: 0, ':hover': { backgroundColor: 'color.background.neutral' },
      },
    }, S('styled box'))));
    const box = p.getByTestId('styled');
    await box.waitFor();
    const st = await box.evaluate((el) => {
      const c = getComputedStyle(el);
      return { padding: c.paddingTop, bg: c.backgroundColor, radius: c.borderTopLeftRadius, position: c.position, zIndex: c.zIndex, color: c.color, bgImage: c.backgroundImage, display: c.display, inline: el.getAttribute('style') };
    });
    assert.equal(st.padding, '16px', 'space.200 is 16px');
    assert.notEqual(st.bg, 'rgba(0, 0, 0, 0)', 'the background token applied');
    assert.notEqual(st.radius, '0px', 'the legacy border.radius alias applied');
    assert.equal(st.display, 'flex');
    assert.equal(st.position, 'static', 'position: fixed is refused');
    assert.equal(st.zIndex, 'auto', 'z-index is refused');
    assert.equal(st.bgImage, 'none', 'url() never reaches the style');
    assert.doesNotMatch(st.inline, /red|expression|url|fixed|99999/, `inline style holds only token values: ${st.inline}`);
  }));

test('the new interactive components post their events with plain arguments', (t) =>
  onPage(t, async (p) => {
    await render(p, root(
      N('Pagination', { pages: [1, 2, 3], onChange: fn(20) }),
      N('Calendar', { defaultMonth: 3, defaultYear: 2026, onSelect: fn(21), onChange: fn(32), disabled: ['2026-03-20'] }),
      N('Comment', { author: { text: 'Ada', onClick: fn(22) }, actions: [{ text: 'Reply', onClick: fn(23) }] },
        N('ContentWrapper', { name: 'avatar' }), N('ContentWrapper', { name: 'content' }, S('first comment'))),
      N('CommentEditor', { onChange: fn(24), onSave: fn(25), onCancel: fn(26) }),
      N('Breadcrumbs', { maxItems: 2, onExpand: fn(27) }, ...['One', 'Two', 'Three', 'Four'].map((x) => N('BreadcrumbsItem', { href: `/${x}`, text: x }))),
      N('Tooltip', { content: 'the tip' }, N('Button', { onClick: fn(28) }, S('tipped'))),
      N('InlineEdit', { label: 'Title', isEditing: false, onEdit: fn(29), onConfirm: fn(30), onCancel: fn(31) },
        N('ContentWrapper', { name: 'editView' }, N('Textfield', { name: 'title' })), N('ContentWrapper', { name: 'readView' }, S('the read view'))),
    ));
    await p.getByRole('button', { name: /page 2|^2$/ }).click();
    assert.deepEqual((await eventOf(p, 20)).args[1], 2, 'Pagination posts the chosen page');
    await p.getByRole('gridcell', { name: /^15/ }).first().click();
    const sel = (await eventOf(p, 21)).args[0];
    assert.equal(sel.iso, '2026-03-15', `Calendar posts the selected day: ${JSON.stringify(sel)}`);
    await p.keyboard.press('ArrowRight');
    const move = (await eventOf(p, 32)).args[0];
    assert.equal(move.type, 'right', 'Calendar posts keyboard moves');
    assert.match(move.iso, /^2026-03-\d\d$/);
    assert.equal(await p.getByRole('button', { name: '20, Friday March 2026' }).getAttribute('aria-disabled'), 'true', 'a disabled day is disabled');
    await p.getByText('Ada').click();
    await eventOf(p, 22);
    await p.getByRole('button', { name: 'Reply' }).click();
    await eventOf(p, 23);
    await p.getByLabel('Comment editor').fill('hello\nworld');
    const doc = (await eventOf(p, 24)).args[0];
    assert.deepEqual(doc.content.map((b) => b.content[0].text), ['hello', 'world'], 'CommentEditor posts ADF');
    await p.getByRole('button', { name: 'Save' }).click();
    assert.equal((await eventOf(p, 25)).args[0].type, 'doc');
    await p.getByRole('button', { name: 'Cancel' }).click();
    await eventOf(p, 26);
    await p.getByRole('button', { name: /Show more breadcrumbs/i }).click();
    await eventOf(p, 27);
    await p.getByRole('link', { name: 'Two' }).waitFor();
    await p.getByRole('button', { name: 'tipped' }).hover();
    await p.getByRole('tooltip', { name: 'the tip' }).waitFor();
    await p.getByRole('button', { name: 'tipped' }).click();
    await eventOf(p, 28);
    await p.getByText('the read view').click();
    await eventOf(p, 29);
    // the app answers onEdit with isEditing: true: the edit view and its buttons
    await render(p, root(N('InlineEdit', { label: 'Title', isEditing: true, onEdit: fn(29), onConfirm: fn(30), onCancel: fn(31) },
      N('ContentWrapper', { name: 'editView' }, N('Textfield', { name: 'title', testId: 'edit-field' })), N('ContentWrapper', { name: 'readView' }, S('the read view')))));
    await p.getByTestId('edit-field').waitFor();
    await p.getByRole('button', { name: /Confirm/ }).click();
    await eventOf(p, 30);
    await p.getByRole('button', { name: /Cancel/ }).click();
    await eventOf(p, 31);
    for (const e of await p.evaluate(() => window.__events)) assert.doesNotThrow(() => structuredClone(e), 'every argument is plain data');
  }));

test('Popup shows its content over its trigger and reports the trigger click and the close', (t) =>
  onPage(t, async (p) => {
    const popup = (open) => root(N('Popup', { isOpen: open, onClose: fn(40), placement: 'bottom-start' },
      N('ContentWrapper', { name: 'content' }, S('popup content')),
      N('ContentWrapper', { name: 'trigger' }, N('Button', { onClick: fn(41) }, S('Open it')))));
    await render(p, popup(false));
    assert.equal(await p.getByText('popup content').count(), 0, 'closed: no content');
    await p.getByRole('button', { name: 'Open it' }).click();
    await eventOf(p, 41);
    await render(p, popup(true));
    await p.getByText('popup content').waitFor();
    await p.keyboard.press('Escape');
    assert.equal((await eventOf(p, 40)).args.length, 1, 'onClose posts one plain argument');
  }));

test('CodeBlock numbers its lines, marks the highlighted ones and wraps on request', (t) =>
  onPage(t, async (p) => {
    const code = 'one\ntwo\nthree\nfour\nfive';
    await render(p, root(N('CodeBlock', { text: code, language: 'js', highlight: '2,4-5,x,99', testId: 'code', highlightedStartText: 'HL>' })));
    const block = p.getByTestId('code');
    await block.waitFor();
    assert.deepEqual(await block.locator('[data-line]').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-line'))), ['1', '2', '3', '4', '5']);
    assert.deepEqual(await block.locator('[data-highlighted]').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-line'))), ['2', '4', '5'], 'ranges read, malformed parts ignored');
    assert.match(await block.locator('[data-line="2"]').innerText(), /^2\s*HL>\s*two/, 'line number, the highlight mark for screen readers, the text');
    assert.equal(await block.locator('[data-line="1"]').evaluate((s) => getComputedStyle(s).whiteSpace), 'pre', 'no wrapping by default');
    await render(p, root(N('CodeBlock', { text: code, showLineNumbers: false, shouldWrapLongLines: true, testId: 'code' })));
    await p.waitForFunction(() => !document.querySelector('[data-line="1"]').innerText.startsWith('1'));
    assert.equal(await block.locator('[data-line="1"]').evaluate((s) => getComputedStyle(s).whiteSpace), 'pre-wrap');
    assert.equal((await block.innerText()).replace(/\u200b/g, '').trim(), code, 'without numbers the text is the code alone');
  }));

test('CheckboxGroup, Range, ProgressTracker, EmptyState and Tile draw their data and post their events', (t) =>
  onPage(t, async (p) => {
    await render(p, root(
      N('CheckboxGroup', { name: 'fruit', defaultValue: ['b'], onChange: fn(50), options: [{ label: 'Apple', value: 'a' }, { label: 'Banana', value: 'b' }, { label: 'Cherry', value: 'c', isDisabled: true }] }),
      N('Range', { min: 0, max: 10, step: 1, defaultValue: 2, onChange: fn(51), 'aria-labelledby': 'none' }),
      N('ProgressTracker', { label: 'Steps', items: [
        { id: 's1', label: 'Plan', percentageComplete: 100, status: 'visited', onClick: fn(52) },
        { id: 's2', label: 'Build', percentageComplete: 0, status: 'current' },
        { id: 's3', label: 'Ship', percentageComplete: 0, status: 'bogus' }] }),
      N('EmptyState', { header: 'No fruit yet', description: 'Add one above', testId: 'empty' }),
      N('Tile', { label: 'Fruit tile', size: 'large', backgroundColor: 'url(x)', testId: 'tile' }, S('F')),
    ));
    assert.equal(await p.getByLabel('Banana').isChecked(), true, 'defaultValue checks Banana');
    assert.equal(await p.getByLabel('Cherry').isDisabled(), true, 'an option can be disabled');
    await p.getByLabel('Apple').check();
    assert.deepEqual((await eventOf(p, 50)).args, [['b', 'a']], 'CheckboxGroup posts the checked values');
    const slider = p.getByRole('slider');
    await slider.focus();
    await p.keyboard.press('ArrowRight');
    assert.deepEqual((await eventOf(p, 51)).args, [3], 'Range posts the number');
    await p.getByText('Plan').click();
    await eventOf(p, 52);
    assert.match(await p.getByRole('list', { name: 'Steps' }).innerText(), /Plan[\s\S]*Build[\s\S]*Ship/);
    assert.match(await p.getByTestId('empty').innerText(), /No fruit yet[\s\S]*Add one above/);
    assert.equal(await p.getByTestId('tile').innerText(), 'F');
  }));

test('Icon, AtlassianIcon and AtlassianTile draw their @atlaskit glyphs (a lazy chunk); an unknown glyph only its label', (t) =>
  onPage(t, async (p) => {
    await render(p, root(
      N('Icon', { glyph: 'star-starred', label: 'Starred', color: 'color.icon.danger' }),
      N('Icon', { glyph: 'star', label: 'Old star' }), // a replaced (pre-2025) name: its migration map's icon
      N('Icon', { glyph: 'hipchat-dial-out', label: 'Dial out' }), // replaced too (a "hipchat/dial-out" key)
      N('Button', { appearance: 'subtle', iconBefore: 'editor-close', onClick: fn(60) }, S(' ')), // @forge/react 10 as a real app wrote it
      N('Button', { iconAfter: 'chevron-down', onClick: fn(61) }, S('More')),
      N('Icon', { glyph: 'add', label: '', size: 'small' }),
      N('Icon', { glyph: 'no-such-glyph', label: 'Nope' }),
      N('AtlassianIcon', { glyph: 'story', label: 'Story' }),
      N('AtlassianTile', { glyph: 'epic', label: 'Epic', size: 'large', isBold: true }),
    ));
    const star = p.locator('[data-kiln-icon="star-starred"]');
    await star.locator('svg path').first().waitFor();
    const img = star.getByRole('img', { name: 'Starred' });
    assert.equal(await img.count(), 1, "the icon's label is its accessible name");
    assert.equal(await img.evaluate((el) => getComputedStyle(el).color), 'rgb(201, 55, 44)', 'color.icon.danger applied');
    await p.locator('[data-kiln-icon="add"] svg').waitFor();
    assert.equal(await p.locator('[data-kiln-glyph-missing="Icon:no-such-glyph"]').innerText(), 'Nope');
    // a replaced name is drawn as @atlaskit/icon's migration map says (star -> star-unstarred)
    const old = p.locator('[data-kiln-icon-asked="star"]');
    await old.locator('svg').waitFor();
    assert.equal(await old.getAttribute('data-kiln-icon'), 'star-unstarred');
    assert.equal(await old.getByRole('img', { name: 'Old star' }).count(), 1);
    await p.locator('[data-kiln-icon-asked="hipchat-dial-out"] svg').waitFor();
    // a Button's iconBefore/iconAfter glyph names: the icon inside the button, and it still clicks
    const close = p.locator('button').filter({ has: p.locator('[data-kiln-icon-asked="editor-close"]') });
    await close.locator('svg').waitFor();
    assert.equal(await close.locator('[data-kiln-icon-asked="editor-close"]').getAttribute('data-kiln-icon'), 'close');
    await close.click();
    await eventOf(p, 60);
    const more = p.getByRole('button', { name: 'More' });
    await more.locator('[data-kiln-icon="chevron-down"] svg').waitFor();
    await more.click();
    await eventOf(p, 61);
    const story = p.locator('[data-kiln-object="story"]');
    await story.locator('svg').waitFor();
    assert.equal(await story.getByRole('img', { name: 'Story' }).count(), 1);
    const epic = p.locator('[data-kiln-object-tile="epic"]');
    await epic.locator('svg').waitFor();
    assert.equal(await epic.getByRole('img', { name: 'Epic' }).count(), 1);
    assert.equal(await p.locator('[data-kiln-uikit-placeholder]').count(), 0);
  }));

test('FileCard shows name, type, size, progress and error; its buttons post onDownload/onDelete', (t) =>
  onPage(t, async (p) => {
    await render(p, root(
      N('FileCard', { fileName: 'report.pdf', fileType: 'application/pdf', fileSize: 2560, onDownload: fn(20), onDelete: fn(21) }),
      N('FileCard', { fileName: 'big.zip', isUploading: true, uploadProgress: 0.25, error: 'Upload failed' }),
    ));
    const card = p.locator('[data-kiln-file-card="report.pdf"]');
    await card.waitFor();
    assert.match(await card.innerText(), /report\.pdf[\s\S]*application\/pdf · 2\.5 KB/);
    await card.getByRole('button', { name: 'Download report.pdf' }).click();
    await eventOf(p, 20);
    await card.getByRole('button', { name: 'Delete report.pdf' }).click();
    const del = await eventOf(p, 21);
    assert.deepEqual(del.args, []);
    const up = p.locator('[data-kiln-file-card="big.zip"]');
    assert.equal(await up.getByRole('button').count(), 0, 'no buttons without handlers');
    assert.equal(await up.getByRole('progressbar').getAttribute('aria-valuenow'), '0.25');
    assert.match(await up.innerText(), /Upload failed/);
  }));

test("FilePicker: a chosen file reaches onChange as @forge/react's SerializedFile (base64 data); a too large pick posts nothing", (t) =>
  onPage(t, async (p) => {
    await render(p, root(N('FilePicker', { label: 'Attachments', description: 'Text files only', onChange: fn(30) })));
    const picker = p.locator('[data-kiln-file-picker]');
    await picker.waitFor();
    assert.match(await p.locator('[data-testid="uikit-root"]').innerText(), /Attachments[\s\S]*Text files only/);
    const bytes = Buffer.from('héllo, kiln\n\u0000\u00ff', 'utf8');
    const chooser = p.waitForEvent('filechooser');
    await picker.getByRole('button', { name: 'Browse files' }).click();
    await (await chooser).setFiles([{ name: 'note.txt', mimeType: 'text/plain', buffer: bytes }]);
    const ev = await eventOf(p, 30);
    assert.deepEqual(ev.args, [[{ name: 'note.txt', size: bytes.length, type: 'text/plain', data: bytes.toString('base64') }]]);
    // a drop on the zone does the same
    await picker.evaluate((el) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array([1, 2, 3])], 'b.bin', { type: 'application/octet-stream' }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await p.waitForFunction(() => window.__events.filter((e) => e.fn === 30).length === 2);
    assert.deepEqual((await eventOf(p, 30)).args, [[{ name: 'b.bin', size: 3, type: 'application/octet-stream', data: 'AQID' }]]);
    // over the limit: an error under the picker, no event
    const chooser2 = p.waitForEvent('filechooser');
    await picker.getByRole('button', { name: 'Browse files' }).click();
    await (await chooser2).setFiles([{ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(600 * 1024) }]);
    await p.getByText(/at most 512 KB can be picked at once/).waitFor();
    assert.equal(await p.evaluate(() => window.__events.filter((e) => e.fn === 30).length), 2);
  }));

test("Frame asks the host for its resource's frame; a bad resource or a sixth Frame is refused visibly", (t) =>
  onPage(t, async (p) => {
    await render(p, root(N('Frame', { resource: 'about' }), N('Frame', { resource: '../../x' }), N('Frame', { resource: { a: 1 } })));
    await p.locator('[data-test-frame="about"]').waitFor();
    assert.equal(await p.locator('[data-test-frame]').count(), 1);
    assert.equal(await p.locator('[data-kiln-frame-refused]').count(), 2);
    await render(p, root(...Array.from({ length: 6 }, (_, i) => N('Frame', { resource: `r${i}` }))));
    await p.locator('[data-test-frame="r4"]').waitFor();
    assert.equal(await p.locator('[data-test-frame]').count(), 5);
    assert.match(await p.locator('[data-kiln-frame-refused]').innerText(), /at most 5 Frames/);
  }));
