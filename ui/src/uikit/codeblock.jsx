// UI Kit's CodeBlock: the text in a <pre>, one row a line, with the props of
// @atlaskit/code's CodeBlock that do not need a syntax highlighter: line numbers
// (`showLineNumbers`, on by default as there), highlighted lines (`highlight`: "2" or
// "1,3-5"; each marked for screen readers by `highlightedStartText`/`highlightedEndText`)
// and wrapping (`shouldWrapLongLines`). `language` is kept as a data attribute only: no
// colouring (Forge's host uses a Prism-based highlighter kiln does not ship).

import React from 'react';
import { tokenValue as token } from './xcss.js';

const MAX_LINES = 10000;
const MAX_RANGES = 256;

// "1,3-5" -> Set{1,3,4,5}; malformed parts and lines past `count` ignored
export function highlightedLines(spec, count) {
  const out = new Set();
  if (typeof spec !== 'string') return out;
  for (const part of spec.split(',').slice(0, MAX_RANGES)) {
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(part);
    if (!m) continue;
    const from = Number(m[1]);
    const to = Math.min(m[2] ? Number(m[2]) : from, count);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return out;
}

export function CodeBlock({ p }) {
  const text = typeof p.text === 'string' ? p.text : '';
  const lines = text.split('\n').slice(0, MAX_LINES);
  const numbers = p.showLineNumbers !== false;
  const marked = highlightedLines(p.highlight, lines.length);
  const wrap = !!p.shouldWrapLongLines;
  const start = typeof p.highlightedStartText === 'string' ? p.highlightedStartText : 'Highlight start';
  const end = typeof p.highlightedEndText === 'string' ? p.highlightedEndText : 'Highlight end';
  const hidden = { position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' };
  return (
    <pre
      data-testid={typeof p.testId === 'string' ? p.testId : undefined}
      data-code-lang={typeof p.language === 'string' ? p.language.slice(0, 40) : 'text'}
      style={{
        margin: 0,
        padding: `${token('space.100')} 0`,
        background: token('color.background.neutral'),
        borderRadius: token('radius.small'),
        font: token('font.code'),
        overflowX: wrap ? 'hidden' : 'auto',
      }}
    >
      <code style={{ display: 'block' }}>
        {lines.map((line, i) => {
          const n = i + 1;
          const on = marked.has(n);
          return (
            <span
              key={n}
              data-line={n}
              data-highlighted={on ? '' : undefined}
              style={{
                display: 'flex',
                whiteSpace: wrap ? 'pre-wrap' : 'pre',
                overflowWrap: wrap ? 'anywhere' : undefined,
                background: on ? token('color.background.accent.yellow.subtlest') : undefined,
                paddingRight: token('space.100'),
              }}
            >
              {numbers ? (
                <span aria-hidden="true" style={{ minWidth: '3ch', textAlign: 'right', paddingInline: token('space.100'), color: token('color.text.subtlest'), userSelect: 'none', flexShrink: 0 }}>
                  {n}
                </span>
              ) : (
                <span style={{ paddingLeft: token('space.100') }} />
              )}
              {on ? <span style={hidden}>{start}</span> : null}
              <span>{line || '\u200b'}</span>
              {on ? <span style={hidden}>{end}</span> : null}
            </span>
          );
        })}
      </code>
    </pre>
  );
}
