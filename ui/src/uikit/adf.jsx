// AdfRenderer for UI Kit: an Atlassian Document Format tree drawn as React elements.
// A table of node types (no raw HTML anywhere: text is React text, links pass safeUrl);
// an unknown node draws its text content, so nothing an app sends is silently lost.
// @atlaskit/renderer (the editor's full renderer) pulls in the whole editor; this covers the
// nodes issue text and app documents use.

import React from 'react';
import { safeUrl } from './forgedoc.js';

const MAX_DEPTH = 48;

const marks = (node, el) =>
  (Array.isArray(node.marks) ? node.marks : []).reduce((acc, m) => {
    switch (m && m.type) {
      case 'strong':
        return <strong>{acc}</strong>;
      case 'em':
        return <em>{acc}</em>;
      case 'strike':
        return <s>{acc}</s>;
      case 'underline':
        return <u>{acc}</u>;
      case 'code':
        return <code>{acc}</code>;
      case 'link': {
        const href = m.attrs && m.attrs.href;
        return safeUrl(href) ? (
          <a href={href} target="_blank" rel="noopener noreferrer">
            {acc}
          </a>
        ) : (
          acc
        );
      }
      default:
        return acc;
    }
  }, el);

const NODES = {
  doc: (n, k) => <div className="kiln-adf">{k}</div>,
  paragraph: (n, k) => <p>{k}</p>,
  text: (n) => marks(n, typeof n.text === 'string' ? n.text : ''),
  hardBreak: () => <br />,
  heading: (n, k) => React.createElement(`h${Math.min(6, Math.max(1, Number(n.attrs && n.attrs.level) || 1))}`, null, k),
  bulletList: (n, k) => <ul>{k}</ul>,
  orderedList: (n, k) => <ol>{k}</ol>,
  listItem: (n, k) => <li>{k}</li>,
  blockquote: (n, k) => <blockquote>{k}</blockquote>,
  codeBlock: (n, k) => (
    <pre>
      <code>{k}</code>
    </pre>
  ),
  rule: () => <hr />,
  panel: (n, k) => <div className={`kiln-adf-panel ${String((n.attrs && n.attrs.panelType) || 'info').replace(/[^a-z]/g, '')}`}>{k}</div>,
  mention: (n) => <span className="kiln-adf-mention">@{String((n.attrs && (n.attrs.text || n.attrs.id)) || '').replace(/^@/, '')}</span>,
  emoji: (n) => <span>{String((n.attrs && (n.attrs.text || n.attrs.shortName)) || '')}</span>,
  status: (n) => <span className="kiln-adf-status">{String((n.attrs && n.attrs.text) || '')}</span>,
  inlineCard: (n) => {
    const url = n.attrs && n.attrs.url;
    return safeUrl(url) ? (
      <a href={url} target="_blank" rel="noopener noreferrer">
        {url}
      </a>
    ) : null;
  },
  table: (n, k) => (
    <table>
      <tbody>{k}</tbody>
    </table>
  ),
  tableRow: (n, k) => <tr>{k}</tr>,
  tableHeader: (n, k) => <th>{k}</th>,
  tableCell: (n, k) => <td>{k}</td>,
};

function draw(node, depth, key) {
  if (!node || typeof node !== 'object' || depth > MAX_DEPTH) return null;
  const kids = Array.isArray(node.content) ? node.content.map((c, i) => draw(c, depth + 1, i)) : null;
  const row = NODES[node.type];
  const el = row ? row(node, kids) : <span data-kiln-adf-unknown={String(node.type)}>{kids}</span>;
  return <React.Fragment key={key}>{el}</React.Fragment>;
}

export function AdfDocument({ doc }) {
  return draw(doc, 0, 'doc');
}
