// The UI Kit charts, drawn as SVG: BarChart, HorizontalBarChart, StackBarChart,
// HorizontalStackBarChart, LineChart, PieChart, DonutChart. Loaded only when a chart is
// drawn (chart-rows.jsx imports this file lazily: its own chunk of the host bundle).
//
// Forge's host draws them with Atlassian's internal chart library, which is not on npm;
// kiln uses d3-scale (band/linear scales and their "nice" ticks) and d3-shape (arcs, pie
// layout, lines, stacks) and draws the SVG itself with the design tokens' chart colours.
// Props are the ones @atlaskit/forge-react-types declares (charts/*.d.ts):
//   data            rows: arrays (accessors are indexes) or objects (accessors are keys)
//   xAccessor, yAccessor, colorAccessor   (bar/line charts; colorAccessor groups series)
//   labelAccessor, valueAccessor, colorAccessor  (pie/donut)
//   width (responsive when absent), height (400), title, subtitle, showBorder (true),
//   plotMargin*, colorPalette (colour strings, or {key, value} per category),
//   showMarkLabels (pie/donut), innerRadius/outerRadius (donut)
// What is drawn is only numbers and text from the data: a value that is not a finite
// number counts as 0; colours must be #hex, rgb()/rgba() or a color.* token.
// Promises: at most MAX_ROWS rows and MAX_SERIES series are drawn, the rest dropped (the
// chart says so under it).

import React, { useLayoutEffect, useRef, useState } from 'react';
import { scaleBand, scaleLinear, scalePoint } from 'd3-scale';
import { arc as d3arc, line as d3line, pie as d3pie, stack as d3stack, stackOffsetDiverging } from 'd3-shape';
import { tokenValue as token } from './xcss.js';

const MAX_ROWS = 1000;
const MAX_SERIES = 24;
const COLOR_RE = /^(#[0-9a-fA-F]{3,8}|rgba?\(\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*(,\s*(0|1|0?\.\d+))?\s*\))$/;
const DEFAULT_COLORS = Array.from({ length: 8 }, (_, i) => token(`color.chart.categorical.${i + 1}`));
const SPACE_PX = { 'space.0': 0, 'space.025': 2, 'space.050': 4, 'space.075': 6, 'space.100': 8, 'space.150': 12, 'space.200': 16, 'space.250': 20, 'space.300': 24, 'space.400': 32, 'space.500': 40, 'space.600': 48, 'space.800': 64, 'space.1000': 80 };

const safeColor = (c) => {
  if (typeof c !== 'string') return undefined;
  if (COLOR_RE.test(c)) return c;
  return c.startsWith('color.') ? token(c) : undefined;
};

// The value at `acc` of a row (array index or object key); undefined when absent.
const at = (row, acc) => {
  if (row === null || typeof row !== 'object') return undefined;
  if (typeof acc === 'number' || (typeof acc === 'string' && Array.isArray(row) && /^\d+$/.test(acc))) return row[Number(acc)];
  return typeof acc === 'string' && Object.prototype.hasOwnProperty.call(row, acc) ? row[acc] : undefined;
};
const label = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const value = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : 0);
const uniq = (xs) => [...new Set(xs)];

// category -> colour: the app's palette (a list, or {key, value} pairs), then the tokens'
function colorsFor(keys, palette) {
  const list = Array.isArray(palette) ? palette : [];
  const byKey = new Map();
  const seq = [];
  for (const x of list) {
    if (x && typeof x === 'object' && !Array.isArray(x)) {
      const c = safeColor(x.value);
      if (c) byKey.set(label(x.key), c);
    } else {
      const c = safeColor(x);
      if (c) seq.push(c);
    }
  }
  const colors = seq.length ? seq : DEFAULT_COLORS;
  const m = new Map();
  keys.forEach((k, i) => m.set(k, byKey.get(k) || colors[i % colors.length]));
  return m;
}

function useWidth(fixed) {
  const ref = useRef(null);
  const [w, setW] = useState(fixed || 600);
  useLayoutEffect(() => {
    if (fixed || !ref.current) return undefined;
    const el = ref.current;
    const measure = () => setW(Math.max(120, Math.floor(el.getBoundingClientRect().width) || 600));
    measure();
    if (typeof ResizeObserver !== 'function') return undefined;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [fixed]);
  return [ref, fixed || w];
}

const margin = (p, side) => {
  const v = p[`plotMargin${side}`] ?? p.plotMargin;
  return Object.prototype.hasOwnProperty.call(SPACE_PX, v) ? SPACE_PX[v] : undefined;
};

function Frame({ kind, p, children, note, legend }) {
  const fixedW = typeof p.width === 'number' && p.width > 0 && p.width <= 4000 ? Math.floor(p.width) : null;
  const [ref, width] = useWidth(fixedW);
  const height = typeof p.height === 'number' && p.height > 0 && p.height <= 4000 ? Math.floor(p.height) : 400;
  const border = p.showBorder !== false;
  return (
    <figure
      ref={ref}
      data-kiln-chart={kind}
      style={{
        margin: 0,
        padding: token('space.200'),
        width: fixedW ? `${fixedW}px` : '100%',
        boxSizing: 'border-box',
        border: border ? `${token('border.width')} solid ${token('color.border')}` : 'none',
        borderRadius: token('radius.small'),
      }}
    >
      {typeof p.title === 'string' && p.title ? (
        <figcaption style={{ font: token('font.heading.small'), marginBottom: token('space.050') }}>{p.title}</figcaption>
      ) : null}
      {typeof p.subtitle === 'string' && p.subtitle ? (
        <div style={{ font: token('font.body.small'), color: token('color.text.subtle'), marginBottom: token('space.100') }}>{p.subtitle}</div>
      ) : null}
      {children(Math.max(120, width - (border ? 34 : 32)), height)}
      {legend}
      {note ? <div style={{ font: token('font.body.small'), color: token('color.text.subtlest') }}>{note}</div> : null}
    </figure>
  );
}

function Legend({ colors }) {
  if (colors.size < 2) return null;
  return (
    <ul data-kiln-chart-legend="" style={{ listStyle: 'none', display: 'flex', flexWrap: 'wrap', gap: token('space.150'), padding: 0, margin: `${token('space.100')} 0 0` }}>
      {[...colors].map(([k, c]) => (
        <li key={k} style={{ display: 'flex', alignItems: 'center', gap: token('space.050'), font: token('font.body.small') }}>
          <span style={{ width: 10, height: 10, borderRadius: 2, background: c, display: 'inline-block' }} />
          {k}
        </li>
      ))}
    </ul>
  );
}

const tickText = { fontSize: 11, fill: token('color.text.subtle') };

// Rows -> {cats, series, table[cat][series] = sum, dropped}
function tabulate(p) {
  const rows = Array.isArray(p.data) ? p.data : [];
  const dropped = Math.max(0, rows.length - MAX_ROWS);
  const used = rows.slice(0, MAX_ROWS);
  const cats = uniq(used.map((r) => label(at(r, p.xAccessor))));
  const single = p.colorAccessor === undefined || p.colorAccessor === null;
  let series = single ? ['value'] : uniq(used.map((r) => label(at(r, p.colorAccessor))));
  const seriesDropped = Math.max(0, series.length - MAX_SERIES);
  series = series.slice(0, MAX_SERIES);
  const table = new Map(cats.map((c) => [c, new Map(series.map((s) => [s, 0]))]));
  for (const r of used) {
    const s = single ? 'value' : label(at(r, p.colorAccessor));
    const row = table.get(label(at(r, p.xAccessor)));
    if (row && row.has(s)) row.set(s, row.get(s) + value(at(r, p.yAccessor)));
  }
  const note = dropped || seriesDropped ? `Not drawn: ${dropped} rows over ${MAX_ROWS}, ${seriesDropped} series over ${MAX_SERIES}.` : null;
  return { cats, series, table, note, single };
}

const PAD = { top: 8, right: 12, bottom: 28, left: 44 };
const pad = (p) => ({
  top: margin(p, 'Top') ?? PAD.top,
  right: margin(p, 'Right') ?? PAD.right,
  bottom: (margin(p, 'Bottom') ?? 0) + PAD.bottom,
  left: (margin(p, 'Left') ?? 0) + PAD.left,
});

function BarLike({ p, kind, horizontal, stacked }) {
  const { cats, series, table, note, single } = tabulate(p);
  const colors = colorsFor(series, p.colorPalette);
  return (
    <Frame kind={kind} p={p} note={note} legend={single ? null : <Legend colors={colors} />}>
      {(w, h) => {
        const m = pad(p);
        const iw = Math.max(10, w - m.left - m.right);
        const ih = Math.max(10, h - m.top - m.bottom);
        const band = scaleBand().domain(cats).range(horizontal ? [0, ih] : [0, iw]).padding(0.2);
        let lo = 0;
        let hi = 0;
        const stackedRows = cats.map((c) => Object.fromEntries([['__cat', c], ...series.map((s) => [s, table.get(c).get(s)])]));
        const layers = stacked ? d3stack().keys(series).offset(stackOffsetDiverging)(stackedRows) : null;
        if (stacked) for (const l of layers) for (const [a, b] of l) (lo = Math.min(lo, a, b)), (hi = Math.max(hi, a, b));
        else for (const c of cats) for (const s of series) (lo = Math.min(lo, table.get(c).get(s))), (hi = Math.max(hi, table.get(c).get(s)));
        if (lo === hi) hi = lo + 1;
        const lin = scaleLinear().domain([lo, hi]).nice().range(horizontal ? [0, iw] : [ih, 0]);
        const inner = scaleBand().domain(series).range([0, band.bandwidth()]).padding(0.05);
        const bars = [];
        cats.forEach((c, ci) =>
          series.forEach((s, si) => {
            const [a, b] = stacked ? layers[si][ci] : [0, table.get(c).get(s)];
            const off = band(c) + (stacked ? 0 : inner(s));
            const thick = stacked ? band.bandwidth() : inner.bandwidth();
            const v0 = lin(Math.min(a, b));
            const v1 = lin(Math.max(a, b));
            const rect = horizontal
              ? { x: v0, y: off, width: Math.max(0, v1 - v0), height: thick }
              : { x: off, y: v1, width: thick, height: Math.max(0, v0 - v1) };
            bars.push(
              <rect key={`${ci}/${si}`} {...rect} style={{ fill: colors.get(s) }} data-kiln-bar={c}>
                <title>{`${c}${single ? '' : ` · ${s}`}: ${table.get(c).get(s)}`}</title>
              </rect>,
            );
          }),
        );
        const ticks = lin.ticks(5);
        return (
          <svg width={w} height={h} role="img" aria-label={typeof p.title === 'string' ? p.title : kind} style={{ display: 'block' }}>
            <g transform={`translate(${m.left},${m.top})`}>
              {ticks.map((t) =>
                horizontal ? (
                  <g key={t} transform={`translate(${lin(t)},0)`}>
                    <line y2={ih} style={{ stroke: token('color.border') }} />
                    <text y={ih + 16} textAnchor="middle" style={tickText}>{t}</text>
                  </g>
                ) : (
                  <g key={t} transform={`translate(0,${lin(t)})`}>
                    <line x2={iw} style={{ stroke: token('color.border') }} />
                    <text x={-6} dy="0.32em" textAnchor="end" style={tickText}>{t}</text>
                  </g>
                ),
              )}
              {bars}
              {cats.map((c) =>
                horizontal ? (
                  <text key={c} x={-6} y={band(c) + band.bandwidth() / 2} dy="0.32em" textAnchor="end" style={tickText}>{c}</text>
                ) : (
                  <text key={c} x={band(c) + band.bandwidth() / 2} y={ih + 16} textAnchor="middle" style={tickText}>{c}</text>
                ),
              )}
            </g>
          </svg>
        );
      }}
    </Frame>
  );
}

function LineChart({ p }) {
  const { cats, series, table, note } = tabulate(p);
  const colors = colorsFor(series, p.colorPalette);
  return (
    <Frame kind="LineChart" p={p} note={note} legend={series.length > 1 ? <Legend colors={colors} /> : null}>
      {(w, h) => {
        const m = pad(p);
        const iw = Math.max(10, w - m.left - m.right);
        const ih = Math.max(10, h - m.top - m.bottom);
        const x = scalePoint().domain(cats).range([0, iw]).padding(0.5);
        const all = cats.flatMap((c) => series.map((s) => table.get(c).get(s)));
        let lo = Math.min(0, ...all);
        let hi = Math.max(0, ...all);
        if (lo === hi) hi = lo + 1;
        const y = scaleLinear().domain([lo, hi]).nice().range([ih, 0]);
        return (
          <svg width={w} height={h} role="img" aria-label={typeof p.title === 'string' ? p.title : 'LineChart'} style={{ display: 'block' }}>
            <g transform={`translate(${m.left},${m.top})`}>
              {y.ticks(5).map((t) => (
                <g key={t} transform={`translate(0,${y(t)})`}>
                  <line x2={iw} style={{ stroke: token('color.border') }} />
                  <text x={-6} dy="0.32em" textAnchor="end" style={tickText}>{t}</text>
                </g>
              ))}
              {series.map((s) => (
                <g key={s} data-kiln-series={s}>
                  <path
                    d={d3line().x((c) => x(c)).y((c) => y(table.get(c).get(s)))(cats) || ''}
                    style={{ fill: 'none', stroke: colors.get(s), strokeWidth: 2 }}
                  />
                  {cats.map((c) => (
                    <circle key={c} cx={x(c)} cy={y(table.get(c).get(s))} r={3} style={{ fill: colors.get(s) }} data-kiln-point={c}>
                      <title>{`${c}${series.length > 1 ? ` · ${s}` : ''}: ${table.get(c).get(s)}`}</title>
                    </circle>
                  ))}
                </g>
              ))}
              {cats.map((c) => (
                <text key={c} x={x(c)} y={ih + 16} textAnchor="middle" style={tickText}>{c}</text>
              ))}
            </g>
          </svg>
        );
      }}
    </Frame>
  );
}

function PieLike({ p, kind }) {
  const rows = (Array.isArray(p.data) ? p.data : []).slice(0, MAX_ROWS);
  const dropped = Math.max(0, (Array.isArray(p.data) ? p.data.length : 0) - MAX_ROWS);
  // one slice per colour category, its label from labelAccessor, its angle the sum of values
  const slices = new Map();
  for (const r of rows) {
    const k = label(at(r, p.colorAccessor ?? p.labelAccessor));
    const s = slices.get(k) || { key: k, label: label(at(r, p.labelAccessor ?? p.colorAccessor)), value: 0 };
    s.value += Math.max(0, value(at(r, p.valueAccessor)));
    slices.set(k, s);
  }
  const list = [...slices.values()].slice(0, MAX_SERIES * 4);
  const colors = colorsFor(list.map((s) => s.key), p.colorPalette);
  const legendColors = new Map(list.map((s) => [s.label || s.key, colors.get(s.key)]));
  return (
    <Frame kind={kind} p={p} note={dropped ? `Not drawn: ${dropped} rows over ${MAX_ROWS}.` : null} legend={<Legend colors={legendColors} />}>
      {(w, h) => {
        const size = Math.min(w, h);
        const outer = typeof p.outerRadius === 'number' && p.outerRadius > 0 ? Math.min(p.outerRadius, size / 2) : size / 2 - 4;
        const inner = kind === 'DonutChart' ? (typeof p.innerRadius === 'number' && p.innerRadius >= 0 ? Math.min(p.innerRadius, outer - 1) : outer * 0.6) : 0;
        const arcs = d3pie().sort(null).value((s) => s.value)(list);
        const shape = d3arc().innerRadius(inner).outerRadius(outer);
        return (
          <svg width={w} height={h} role="img" aria-label={typeof p.title === 'string' ? p.title : kind} style={{ display: 'block' }}>
            <g transform={`translate(${w / 2},${h / 2})`}>
              {arcs.map((a) => (
                <path key={a.data.key} d={shape(a) || ''} style={{ fill: colors.get(a.data.key), stroke: token('elevation.surface') }} data-kiln-slice={a.data.label || a.data.key}>
                  <title>{`${a.data.label || a.data.key}: ${a.data.value}`}</title>
                </path>
              ))}
              {p.showMarkLabels
                ? arcs.map((a) => {
                    const [cx, cy] = shape.centroid(a);
                    return (
                      <text key={a.data.key} x={cx} y={cy} textAnchor="middle" dy="0.32em" style={{ fontSize: 11, fill: token('color.text.inverse') }}>
                        {a.data.value}
                      </text>
                    );
                  })
                : null}
            </g>
          </svg>
        );
      }}
    </Frame>
  );
}

// name -> (props) => element; chart-rows.jsx renders these under Suspense
export const CHARTS = {
  BarChart: (p) => <BarLike p={p} kind="BarChart" />,
  HorizontalBarChart: (p) => <BarLike p={p} kind="HorizontalBarChart" horizontal />,
  StackBarChart: (p) => <BarLike p={p} kind="StackBarChart" stacked />,
  HorizontalStackBarChart: (p) => <BarLike p={p} kind="HorizontalStackBarChart" horizontal stacked />,
  LineChart: (p) => <LineChart p={p} />,
  PieChart: (p) => <PieLike p={p} kind="PieChart" />,
  DonutChart: (p) => <PieLike p={p} kind="DonutChart" />,
};

export default function Chart({ type, props }) {
  return CHARTS[type](props);
}
