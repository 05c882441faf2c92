// AdfRenderer for UI Kit: an Atlassian Document Format tree drawn as React elements, by
// kiln's own walker. Forge draws it with @atlaskit/renderer; kiln does not ship that (it
// cannot be installed from the public registry as a coherent set, see docs/ui.md
// "AdfRenderer"). Two tables, one row per type of @atlaskit/adf-schema (v1 full and
// stage-0: every node and mark type it defines):
// - NODES: node type -> (node, children, blockStyle, parent, index) => element;
// - TEXT_MARKS: mark type -> (mark, element) => element (on text, and the link, border and
//   annotation marks of other nodes); BLOCK_MARKS: mark type -> (mark) => a style.
// Promises: no raw HTML anywhere (text is React text); every URL passes safeUrl (a link
// with another scheme draws its text, not a link); colours are #hex only; numbers are
// clamped; nothing calls a service (media files, smart links, extensions, synced blocks
// draw a labelled stand-in: kiln has no media/link/emoji/mention service to ask); an
// unknown node draws its text content and an unknown mark is ignored, so nothing an app
// sends is silently lost; at most MAX_DEPTH levels and MAX_NODES nodes are drawn, past
// that a visible "…" marker. The ForgeDoc gate (forgedoc.js) has already bounded the
// document's size and depth and refused unsafe URL props before it gets here.

import React from 'react';
import Lozenge from '@atlaskit/lozenge';
import { safeUrl } from './forgedoc.js';
import { CodeBlock } from './codeblock.jsx';
import { tokenValue as token } from './xcss.js';

const MAX_DEPTH = 48;
const MAX_NODES = 20000;

const attrs = (n) => (n && n.attrs && typeof n.attrs === 'object' ? n.attrs : {});
const str = (v, max = 1024) => (typeof v === 'string' ? v.slice(0, max) : '');
const clamp = (v, lo, hi) => (Number.isFinite(Number(v)) ? Math.min(hi, Math.max(lo, Math.trunc(Number(v)))) : undefined);
const own = (o, k) => typeof k === 'string' && Object.prototype.hasOwnProperty.call(o, k);
const hex = (v) => (typeof v === 'string' && /^#[0-9a-fA-F]{3,8}$/.test(v) ? v : undefined);

// a link the user may follow, or its text alone when the URL is not one kiln allows
const link = (href, kids, title) =>
  safeUrl(href) && href ? (
    <a href={href} title={str(title) || undefined} target="_blank" rel="noopener noreferrer">
      {kids}
    </a>
  ) : (
    kids
  );

// ---- marks

// text marks: each wraps the text drawn so far
const TEXT_MARKS = {
  strong: (m, el) => <strong>{el}</strong>,
  em: (m, el) => <em>{el}</em>,
  strike: (m, el) => <s>{el}</s>,
  underline: (m, el) => <u>{el}</u>,
  code: (m, el) => (
    <code style={{ font: token('font.code'), background: token('color.background.neutral'), borderRadius: token('radius.small'), padding: '0 2px' }}>
      {el}
    </code>
  ),
  link: (m, el) => link(attrs(m).href, el, attrs(m).title),
  subsup: (m, el) => (attrs(m).type === 'sub' ? <sub>{el}</sub> : <sup>{el}</sup>),
  textColor: (m, el) => <span style={{ color: hex(attrs(m).color) }}>{el}</span>,
  backgroundColor: (m, el) => <span style={{ backgroundColor: hex(attrs(m).color) }}>{el}</span>,
  fontSize: (m, el) => <span style={{ fontSize: attrs(m).fontSize === 'small' ? '0.875em' : undefined }}>{el}</span>,
  // inline comments need Confluence's annotation service: the text is drawn, marked
  annotation: (m, el) => <span data-kiln-adf-annotation={str(attrs(m).id, 64)}>{el}</span>,
  border: (m, el) => <span style={{ border: `${clamp(attrs(m).size, 1, 3) || 1}px solid ${hex(attrs(m).color) || 'currentColor'}`, display: 'inline-block' }}>{el}</span>,
};

// block marks: each adds to the style of the block it is on
const BLOCK_MARKS = {
  alignment: (m) => ({ textAlign: attrs(m).align === 'center' ? 'center' : attrs(m).align === 'end' ? 'end' : undefined }),
  indentation: (m) => ({ marginInlineStart: `${(clamp(attrs(m).level, 0, 6) || 0) * 30}px` }),
  breakout: () => ({}),
  // structure only (synced data, fragments): nothing to draw
  dataConsumer: () => ({}),
  fragment: () => ({}),
};

const marksOf = (n) => (Array.isArray(n.marks) ? n.marks.slice(0, 32).filter((m) => m && typeof m === 'object') : []);
const textMarks = (n, el) => marksOf(n).reduce((acc, m) => (own(TEXT_MARKS, m.type) ? TEXT_MARKS[m.type](m, acc) : acc), el);
const blockStyle = (n) => Object.assign({}, ...marksOf(n).map((m) => (own(BLOCK_MARKS, m.type) ? BLOCK_MARKS[m.type](m) : {})));

// ---- nodes

const PANEL_COLOURS = {
  info: 'color.background.information',
  note: 'color.background.discovery',
  tip: 'color.background.success',
  success: 'color.background.success',
  warning: 'color.background.warning',
  error: 'color.background.danger',
  custom: 'color.background.neutral',
};
const PANEL_ICONS = { info: 'ℹ️', note: '📝', tip: '💡', success: '✅', warning: '⚠️', error: '⛔' };
const STATUS_APPEARANCES = { neutral: 'default', purple: 'new', blue: 'inprogress', red: 'removed', yellow: 'moved', green: 'success' };
const box = {
  border: `1px solid ${token('color.border')}`,
  borderRadius: token('radius.small'),
  padding: token('space.100'),
  margin: `${token('space.100')} 0`,
};

// a labelled stand-in for what needs a service kiln does not have
const standIn = (kind, label, kids) => (
  <span data-kiln-adf-standin={kind} style={{ ...box, display: 'inline-block', color: token('color.text.subtle') }}>
    {label}
    {kids}
  </span>
);

// date: a timestamp in milliseconds as @atlaskit/renderer writes it ("Dec 7, 2026", UTC)
function dateText(ts) {
  const d = new Date(Number(ts));
  if (!/^-?\d{1,15}$/.test(String(ts)) || Number.isNaN(d.getTime())) return str(ts, 64);
  return d.toLocaleDateString('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
}

function mediaNode(n) {
  const a = attrs(n);
  const alt = str(a.alt, 256);
  if (a.type === 'external' && safeUrl(a.url, true) && a.url) {
    return <img src={a.url} alt={alt} width={clamp(a.width, 1, 4096)} height={clamp(a.height, 1, 4096)} style={{ maxWidth: '100%', height: 'auto' }} />;
  }
  // an uploaded file or link lives in Atlassian's media service: not fetched
  return standIn('media', alt ? `📎 ${alt}` : '📎 attachment');
}

const cellAttrs = (n) => ({
  colSpan: clamp(attrs(n).colspan, 1, 64),
  rowSpan: clamp(attrs(n).rowspan, 1, 1000),
  style: { background: hex(attrs(n).background), border: `1px solid ${token('color.border')}`, padding: token('space.050'), verticalAlign: attrs(n).valign === 'middle' ? 'middle' : attrs(n).valign === 'bottom' ? 'bottom' : 'top' },
});

const headerRow = (r) => !!r && Array.isArray(r.content) && r.content.length > 0 && r.content.every((c) => c && c.type === 'tableHeader');

const table = (n, k) => (
  <table data-number-column={attrs(n).isNumberColumnEnabled === true ? '' : undefined} style={{ borderCollapse: 'collapse', margin: `${token('space.100')} 0` }}>
    <tbody>{k}</tbody>
  </table>
);

// a row of a table with its number column on: a header row gets an empty cell, the others
// their number among the body rows
function tableRow(n, k, st, parent, index) {
  if (!parent || attrs(parent).isNumberColumnEnabled !== true) return <tr>{k}</tr>;
  let num = 0;
  for (let i = 0; i <= index; i++) if (!headerRow(parent.content[i])) num++;
  return (
    <tr>
      {headerRow(n) ? <th style={cellAttrs({}).style} /> : <td style={cellAttrs({}).style}>{num}</td>}
      {k}
    </tr>
  );
}

const expand = (n, k) => (
  <details style={box}>
    <summary>{str(attrs(n).title, 512) || 'Click here to expand...'}</summary>
    {k}
  </details>
);

const extension = (n, k) => (
  <div data-kiln-adf-extension={str(attrs(n).extensionKey, 128)} style={box}>
    {str(attrs(n).text, 4096) || `Extension: ${str(attrs(n).extensionKey, 128) || 'unknown'}`}
    {k}
  </div>
);

const task = (n, k) => (
  <li style={{ listStyle: 'none' }} data-task-state={attrs(n).state === 'DONE' ? 'DONE' : 'TODO'}>
    <label>
      <input type="checkbox" disabled checked={attrs(n).state === 'DONE'} readOnly style={{ marginInlineEnd: token('space.100') }} />
      <span>{k}</span>
    </label>
  </li>
);

const NODES = {
  doc: (n, k) => <div className="kiln-adf">{k}</div>,
  paragraph: (n, k, st) => <p style={st}>{k}</p>,
  text: (n) => textMarks(n, typeof n.text === 'string' ? n.text : ''),
  hardBreak: () => <br />,
  heading: (n, k, st) => React.createElement(`h${clamp(attrs(n).level, 1, 6) || 1}`, { style: st }, k),
  bulletList: (n, k) => <ul>{k}</ul>,
  orderedList: (n, k) => <ol start={clamp(attrs(n).order, 0, 99999)}>{k}</ol>,
  listItem: (n, k) => <li>{k}</li>,
  blockquote: (n, k) => <blockquote style={{ borderInlineStart: `2px solid ${token('color.border')}`, margin: `${token('space.100')} 0`, paddingInlineStart: token('space.200') }}>{k}</blockquote>,
  codeBlock: (n) => (
    <CodeBlock
      p={{ text: (Array.isArray(n.content) ? n.content : []).map((c) => (c && typeof c.text === 'string' ? c.text : '')).join(''), language: str(attrs(n).language, 40) || undefined }}
    />
  ),
  rule: () => <hr />,
  bodiedRule: (n, k) => (
    <div>
      <hr />
      {k}
    </div>
  ),
  panel: (n, k) => {
    const type = own(PANEL_COLOURS, attrs(n).panelType) ? attrs(n).panelType : 'info';
    const icon = type === 'custom' ? str(attrs(n).panelIconText, 16) : PANEL_ICONS[type];
    return (
      <div role="note" aria-label={`${type} panel`} data-panel-type={type} style={{ ...box, border: 0, display: 'flex', gap: token('space.100'), background: (type === 'custom' && hex(attrs(n).panelColor)) || token(PANEL_COLOURS[type]) }}>
        {icon ? <span aria-hidden="true">{icon}</span> : null}
        <div>{k}</div>
      </div>
    );
  },
  mention: (n) => <span className="kiln-adf-mention" data-mention-id={str(attrs(n).id, 128)} style={{ background: token('color.background.neutral'), borderRadius: '20px', padding: '0 0.3em' }}>@{str(attrs(n).text || attrs(n).id, 256).replace(/^@/, '')}</span>,
  emoji: (n) => <span data-emoji-short-name={str(attrs(n).shortName, 64)}>{str(attrs(n).text, 32) || str(attrs(n).shortName, 64)}</span>,
  status: (n) => (
    <span className="kiln-adf-status" data-color={str(attrs(n).color, 16)}>
      <Lozenge appearance={own(STATUS_APPEARANCES, attrs(n).color) ? STATUS_APPEARANCES[attrs(n).color] : 'default'}>{str(attrs(n).text, 256)}</Lozenge>
    </span>
  ),
  date: (n) => <time dateTime={/^-?\d{1,15}$/.test(String(attrs(n).timestamp)) ? new Date(Number(attrs(n).timestamp)).toISOString().slice(0, 10) : undefined}>{dateText(attrs(n).timestamp)}</time>,
  placeholder: (n) => <span style={{ color: token('color.text.subtlest') }}>{str(attrs(n).text, 512)}</span>,
  // smart links need Atlassian's link resolver: kiln draws the URL as a plain link
  inlineCard: (n) => link(attrs(n).url, str(attrs(n).url, 2048)) || null,
  blockCard: (n) => <div>{attrs(n).url ? link(attrs(n).url, str(attrs(n).url, 2048)) : standIn('datasource', 'Linked data (not available here)')}</div>,
  embedCard: (n) => <div>{link(attrs(n).url, str(attrs(n).url, 2048))}</div>,
  table,
  tableRow,
  tableHeader: (n, k) => <th {...cellAttrs(n)}>{k}</th>,
  tableCell: (n, k) => <td {...cellAttrs(n)}>{k}</td>,
  media: mediaNode,
  mediaInline: mediaNode,
  mediaSingle: (n, k) => <figure style={{ margin: `${token('space.100')} 0` }}>{k}</figure>,
  mediaGroup: (n, k) => <div style={{ display: 'flex', flexWrap: 'wrap', gap: token('space.100') }}>{k}</div>,
  caption: (n, k) => <figcaption style={{ color: token('color.text.subtle'), textAlign: 'center' }}>{k}</figcaption>,
  taskList: (n, k) => <ul style={{ paddingInlineStart: 0 }}>{k}</ul>,
  taskItem: task,
  blockTaskItem: task,
  decisionList: (n, k) => <ul style={{ paddingInlineStart: 0 }}>{k}</ul>,
  decisionItem: (n, k) => (
    <li style={{ listStyle: 'none' }} data-decision-state={str(attrs(n).state, 16)}>
      <span role="img" aria-label="Decision" style={{ color: token('color.icon.success'), marginInlineEnd: token('space.100') }}>
        ◆
      </span>
      {k}
    </li>
  ),
  expand,
  nestedExpand: expand,
  // extensions need the host product's extension handlers: their text, or their key
  extension,
  inlineExtension: (n) => standIn('extension', str(attrs(n).text, 4096) || `Extension: ${str(attrs(n).extensionKey, 128) || 'unknown'}`),
  bodiedExtension: extension,
  multiBodiedExtension: extension,
  extensionFrame: (n, k) => <div>{k}</div>,
  layoutSection: (n, k) => <div style={{ display: 'flex', gap: token('space.200') }}>{k}</div>,
  layoutColumn: (n, k) => <div style={{ flex: `${clamp(attrs(n).width, 1, 100) || 50} 1 0`, minWidth: 0 }}>{k}</div>,
  // a synced block's source lives in Confluence: a reference draws a stand-in, a bodied one its body
  syncBlock: () => standIn('syncBlock', 'Synced block (not available here)'),
  bodiedSyncBlock: (n, k) => <div>{k}</div>,
};

// the text an unknown node holds (its own and its descendants'), as @atlaskit/renderer's
// unknown-block fallback draws it
function unknown(n, kids) {
  return (
    <span data-kiln-adf-unknown={str(n.type, 64)}>
      {typeof n.text === 'string' ? textMarks(n, n.text) : null}
      {kids}
    </span>
  );
}

function draw(node, depth, key, budget, parent) {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return null;
  if (depth > MAX_DEPTH || ++budget.nodes > MAX_NODES) {
    if (budget.cut) return null;
    budget.cut = true;
    return (
      <span key={key} data-kiln-adf-cut="" title="the document is too large or too deep to draw in full">
        …
      </span>
    );
  }
  const kids = Array.isArray(node.content) ? node.content.map((c, i) => draw(c, depth + 1, i, budget, node)) : null;
  const row = own(NODES, node.type) ? NODES[node.type] : null;
  const drawn = row ? row(node, kids, blockStyle(node), parent, key) : unknown(node, kids);
  // a text node's marks are its row's; any other node's link, border or annotation wrap it
  const el = node.type === 'text' || !row ? drawn : textMarks(node, drawn);
  return <React.Fragment key={key}>{el}</React.Fragment>;
}

export const ADF_NODE_TYPES = Object.keys(NODES);
export const ADF_MARK_TYPES = [...Object.keys(TEXT_MARKS), ...Object.keys(BLOCK_MARKS)];

export function AdfDocument({ doc }) {
  return draw(doc, 0, 'doc', { nodes: 0, cut: false }, null);
}
