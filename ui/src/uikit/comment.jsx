// UI Kit rows for discussion: Comment (@atlaskit/comment) and the two editors
// @forge/react exports, CommentEditor and ChromelessEditor.
//
// Comment: author/time/actions/errorActions arrive as {text, onClick} objects (their
// onClick a callback reference), avatar and content as ContentWrapper children.
//
// The editors: Forge's host draws Atlassian's rich-text editor (@atlaskit/editor-core, a
// ProseMirror editor of several MB with its own peer set). kiln draws a plain-text
// editor instead (@atlaskit/textarea) that speaks ADF both ways, as the real one does:
// defaultValue (an ADF doc) is shown as its text, one paragraph a line, and onChange /
// onSave receive an ADF doc of paragraphs (an empty doc when the text is empty). Rich
// formatting (`features`) is not offered; docs/ui.md says so.

import React, { useState } from 'react';
import Comment, { CommentAction, CommentAuthor, CommentEdited, CommentTime } from '@atlaskit/comment';
import TextArea from '@atlaskit/textarea';
import Button from '@atlaskit/button/new';
import { Inline, Stack } from '@atlaskit/primitives';
import { part, pick, str } from './props.js';

const MAX_TEXT = 65536;

function comment(n, r) {
  const p = n.props;
  const clickOf = (o) => {
    const f = o && typeof o === 'object' ? r.fn(o.onClick) : undefined;
    return f ? () => f() : undefined;
  };
  const textOf = (o) => (o && typeof o === 'object' ? str(o.text) : undefined);
  const actions = (list) =>
    Array.isArray(list)
      ? list.map((a, i) => (
          <CommentAction key={i} onClick={clickOf(a)}>
            {textOf(a) ?? ''}
          </CommentAction>
        ))
      : undefined;
  const avatar = part(n, 'avatar');
  const content = part(n, 'content');
  return (
    <Comment
      {...pick(p, ['type', 'isSaving', 'savingText', 'isError', 'errorIconLabel', 'highlighted', 'id', 'testId', 'shouldRenderNestedCommentsInline', 'shouldHeaderWrap'])}
      headingLevel={/^[1-6]$/.test(String(p.headingLevel ?? '')) ? String(p.headingLevel) : undefined}
      restrictedTo={str(p.restrictedTo)}
      avatar={avatar ? <span>{r.kids(avatar)}</span> : <span />}
      author={textOf(p.author) !== undefined ? <CommentAuthor onClick={clickOf(p.author)}>{textOf(p.author)}</CommentAuthor> : undefined}
      time={textOf(p.time) !== undefined ? <CommentTime onClick={clickOf(p.time)}>{textOf(p.time)}</CommentTime> : undefined}
      edited={str(p.edited) !== undefined ? <CommentEdited>{p.edited}</CommentEdited> : undefined}
      actions={actions(p.actions)}
      errorActions={actions(p.errorActions)}
      content={content ? <div>{r.kids(content)}</div> : undefined}
    />
  );
}

// The text of an ADF doc, one line a top-level block (what the plain editor shows).
export function adfText(doc) {
  const walk = (node, depth) => {
    if (!node || typeof node !== 'object' || depth > 64) return '';
    if (node.type === 'text') return typeof node.text === 'string' ? node.text : '';
    if (node.type === 'hardBreak') return '\n';
    return Array.isArray(node.content) ? node.content.map((c) => walk(c, depth + 1)).join('') : '';
  };
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.content)) return '';
  return doc.content.map((b) => walk(b, 1)).join('\n').slice(0, MAX_TEXT);
}

// Plain text as an ADF doc: a paragraph a line (empty lines as empty paragraphs).
export function textAdf(text) {
  const t = String(text ?? '');
  if (t === '') return { type: 'doc', version: 1, content: [] };
  return {
    type: 'doc',
    version: 1,
    content: t.split('\n').map((line) => (line ? { type: 'paragraph', content: [{ type: 'text', text: line }] } : { type: 'paragraph' })),
  };
}

function PlainEditor({ n, r, appearance }) {
  const p = n.props;
  const [text, setText] = useState(() => adfText(p.defaultValue));
  const onChange = r.fn(p.onChange);
  const onSave = appearance === 'comment' ? r.fn(p.onSave) : undefined;
  const onCancel = appearance === 'comment' ? r.fn(p.onCancel) : undefined;
  const area = (
    <TextArea
      value={text}
      isDisabled={!!p.isDisabled}
      maxLength={MAX_TEXT}
      minimumRows={appearance === 'comment' ? 3 : 1}
      appearance={appearance === 'chromeless' ? 'none' : 'standard'}
      aria-label={appearance === 'comment' ? 'Comment editor' : 'Editor'}
      data-kiln-editor={appearance}
      onChange={(e) => {
        setText(e.target.value);
        if (onChange) onChange(textAdf(e.target.value));
      }}
    />
  );
  if (appearance !== 'comment') return area;
  return (
    <Stack space="space.100">
      {area}
      {onSave || onCancel ? (
        <Inline space="space.100">
          {onSave ? (
            <Button appearance="primary" isDisabled={!!p.isDisabled} onClick={() => onSave(textAdf(text))}>
              Save
            </Button>
          ) : null}
          {onCancel ? (
            <Button appearance="subtle" onClick={() => onCancel()}>
              Cancel
            </Button>
          ) : null}
        </Inline>
      ) : null}
    </Stack>
  );
}

export const COMMENT_ROWS = {
  Comment: comment,
  CommentEditor: (n, r) => <PlainEditor n={n} r={r} appearance="comment" />,
  ChromelessEditor: (n, r) => <PlainEditor n={n} r={r} appearance="chromeless" />,
};
