// Box's `xcss` (and Pressable's): what @forge/react's xcss() returns — a plain object of
// CSS properties whose values are design tokens ('space.100', 'color.background.neutral',
// 'radius.small', ...) or a few keyword/length values — turned into a React style object.
//
// A table of the properties kiln applies (RULES), each with the kinds of value it takes:
// a token of one of its families (written as var(--ds-…, fallback) by @atlaskit/tokens'
// token(), so the host's theme applies), a keyword from a fixed list, or a plain length.
// Nothing else passes: an unknown property, a raw colour, url(), calc(), expressions,
// `position: fixed` or a z-index (an app could cover the host's page) are dropped and
// named in `dropped`, which UiKitView does not render but tests read. Pseudo-class keys
// (':hover', ':focus'...) and media queries are dropped too: inline styles cannot hold
// them. Promises: the result only ever holds RULES' properties with values built here.

import { token } from '@atlaskit/tokens';
import tokenNames from '@atlaskit/tokens/token-names';
import tokenDefaults from '@atlaskit/tokens/token-default-values';

const MAX_KEYS = 64;
const LENGTH_RE = /^(0|\d{1,5}(\.\d{1,3})?(px|%|rem|em|vh|vw|ch))$/;

// Token names Forge's docs use that @atlaskit/tokens renamed.
const ALIASES = {
  'border.radius': 'radius.small',
  'border.radius.050': 'radius.xsmall',
  'border.radius.100': 'radius.small',
  'border.radius.200': 'radius.medium',
  'border.radius.300': 'radius.large',
  'border.radius.400': 'radius.xlarge',
  'border.radius.circle': 'radius.full',
};

const own = (o, k) => typeof k === 'string' && Object.prototype.hasOwnProperty.call(o, k);

// A design token as CSS: var(--ds-…, its light-theme value) — the host loads no theme
// stylesheet, so the fallback is what shows (as in @atlaskit's own compiled styles).
// undefined for a name that is not a token.
export const tokenValue = (name) => {
  const n = own(ALIASES, name) ? ALIASES[name] : name;
  return own(tokenNames, n) ? token(n, own(tokenDefaults, n) ? tokenDefaults[n] : undefined) : undefined;
};

const isToken = (families) => (v) => {
  const name = own(ALIASES, v) ? ALIASES[v] : v;
  return typeof name === 'string' && families.some((f) => name.startsWith(f)) ? tokenValue(name) : undefined;
};
const keywords = (...words) => (v) => (words.includes(v) ? v : undefined);
const length = (v) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 100000 ? `${v}px` : typeof v === 'string' && LENGTH_RE.test(v) ? v : undefined);
const number = (lo, hi) => (v) => (typeof v === 'number' && v >= lo && v <= hi ? v : undefined);
const any = (...kinds) => (v) => {
  for (const k of kinds) {
    const out = k(v);
    if (out !== undefined) return out;
  }
  return undefined;
};

const SPACE = isToken(['space.']);
const SPACE_OR_AUTO = any(SPACE, keywords('auto'));
const SIZE = any(length, keywords('auto', 'fit-content', 'max-content', 'min-content'));
const BG = isToken(['color.background.', 'color.blanket', 'color.chart.', 'color.skeleton', 'elevation.surface', 'utility.elevation.surface']);
const TEXT = isToken(['color.text', 'color.link', 'color.icon']);
const BORDER_COLOR = isToken(['color.border']);
const BORDER_WIDTH = any(isToken(['border.width']), keywords('0'));
const RADIUS = any(isToken(['radius.']), keywords('0'));
const BORDER_STYLE = keywords('solid', 'dashed', 'dotted', 'none');
const ALIGN = keywords('start', 'end', 'center', 'flex-start', 'flex-end', 'stretch', 'baseline', 'space-between', 'space-around', 'space-evenly', 'normal');

export const RULES = {
  padding: SPACE, paddingBlock: SPACE, paddingBlockStart: SPACE, paddingBlockEnd: SPACE,
  paddingInline: SPACE, paddingInlineStart: SPACE, paddingInlineEnd: SPACE,
  paddingTop: SPACE, paddingRight: SPACE, paddingBottom: SPACE, paddingLeft: SPACE,
  margin: SPACE_OR_AUTO, marginBlock: SPACE_OR_AUTO, marginBlockStart: SPACE_OR_AUTO, marginBlockEnd: SPACE_OR_AUTO,
  marginInline: SPACE_OR_AUTO, marginInlineStart: SPACE_OR_AUTO, marginInlineEnd: SPACE_OR_AUTO,
  marginTop: SPACE_OR_AUTO, marginRight: SPACE_OR_AUTO, marginBottom: SPACE_OR_AUTO, marginLeft: SPACE_OR_AUTO,
  gap: SPACE, rowGap: SPACE, columnGap: SPACE,
  width: SIZE, height: SIZE, minWidth: SIZE, maxWidth: SIZE, minHeight: SIZE, maxHeight: SIZE,
  backgroundColor: BG,
  color: TEXT,
  borderColor: BORDER_COLOR, borderTopColor: BORDER_COLOR, borderRightColor: BORDER_COLOR, borderBottomColor: BORDER_COLOR, borderLeftColor: BORDER_COLOR,
  borderWidth: BORDER_WIDTH, borderTopWidth: BORDER_WIDTH, borderRightWidth: BORDER_WIDTH, borderBottomWidth: BORDER_WIDTH, borderLeftWidth: BORDER_WIDTH,
  borderStyle: BORDER_STYLE, borderTopStyle: BORDER_STYLE, borderRightStyle: BORDER_STYLE, borderBottomStyle: BORDER_STYLE, borderLeftStyle: BORDER_STYLE,
  borderRadius: RADIUS,
  boxShadow: isToken(['elevation.shadow']),
  opacity: any(number(0, 1), isToken(['opacity.'])),
  display: keywords('block', 'inline', 'inline-block', 'flex', 'inline-flex', 'grid', 'inline-grid', 'none', 'contents'),
  flexDirection: keywords('row', 'row-reverse', 'column', 'column-reverse'),
  flexWrap: keywords('wrap', 'nowrap', 'wrap-reverse'),
  flexGrow: number(0, 100), flexShrink: number(0, 100), flexBasis: SIZE,
  alignItems: ALIGN, alignSelf: any(ALIGN, keywords('auto')), alignContent: ALIGN, justifyContent: ALIGN, justifyItems: ALIGN, justifySelf: ALIGN,
  overflow: keywords('auto', 'hidden', 'visible', 'scroll', 'clip'), overflowX: keywords('auto', 'hidden', 'visible', 'scroll', 'clip'), overflowY: keywords('auto', 'hidden', 'visible', 'scroll', 'clip'),
  position: keywords('static', 'relative', 'sticky'),
  textAlign: keywords('left', 'right', 'center', 'start', 'end', 'justify'),
  whiteSpace: keywords('normal', 'nowrap', 'pre', 'pre-wrap', 'pre-line', 'break-spaces'),
  overflowWrap: keywords('normal', 'break-word', 'anywhere'),
  fontWeight: isToken(['font.weight.']),
  font: isToken(['font.heading.', 'font.body', 'font.code', 'font.metric.']),
  cursor: keywords('auto', 'default', 'pointer', 'text', 'not-allowed', 'grab'),
};

// {style, dropped}: the style for `xcss` (an object, or a list of them as xcss arrays are)
// and the property names that were not applied.
export function xcssStyle(xcss) {
  const style = {};
  const dropped = [];
  const list = Array.isArray(xcss) ? xcss.slice(0, 8) : [xcss];
  for (const x of list) {
    if (!x || typeof x !== 'object' || Array.isArray(x)) continue;
    for (const k of Object.keys(x).slice(0, MAX_KEYS)) {
      const rule = Object.prototype.hasOwnProperty.call(RULES, k) ? RULES[k] : null;
      const v = rule ? rule(x[k]) : undefined;
      if (v === undefined) dropped.push(k);
      else style[k] = v;
    }
  }
  return { style, dropped };
}
