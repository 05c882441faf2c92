// <LedgerGraph site records appNames/>: the site's data-flow ledger as an SVG picture
// (docs/ui.md "Consent and administration"): this site in the middle, on the right where
// its data went (other sites, external hosts), on the left the sites whose data came in;
// one edge per (direction, peer), labelled with its count of transfers and the apps that
// made them. Drawn from GET /_ui/v1/admin/ledger rows; text only through React (escaped).
import React from 'react';

const W = 760;
const ROW = 56;
const MAX_PEERS = 24;

/** The other end of a ledger record, as the picture names it. */
export function peerOf(r, site) {
  if (r.direction === 'in') return r.site || '(unknown site)';
  if (r.destinationSite && r.destinationSite !== site) return r.destinationSite;
  try {
    return new URL(r.destination).host || String(r.destination).slice(0, 60);
  } catch {
    return String(r.destination || '(client)').slice(0, 60);
  }
}

/** Edges {dir, peer, count, apps} of the records, biggest first, at most MAX_PEERS a side. */
export function ledgerEdges(records, site, appNames = {}) {
  const m = new Map();
  for (const r of records) {
    const dir = r.direction === 'in' ? 'in' : 'out';
    const peer = peerOf(r, site);
    const key = `${dir}\u0000${peer}`;
    const e = m.get(key) || { dir, peer, count: 0, apps: new Set() };
    e.count++;
    const id = String(r.appId || '').replace(/^ari:cloud:ecosystem::app\//, '');
    if (id) e.apps.add(appNames[id] || id.slice(0, 8));
    m.set(key, e);
  }
  const all = [...m.values()].sort((a, b) => b.count - a.count);
  return ['in', 'out'].flatMap((d) => all.filter((e) => e.dir === d).slice(0, MAX_PEERS));
}

export function LedgerGraph({ site, records, appNames }) {
  const edges = ledgerEdges(records, site, appNames);
  if (!edges.length) return <p className="kiln-muted" data-testid="ledger-empty">No data left or came into this site.</p>;
  const ins = edges.filter((e) => e.dir === 'in');
  const outs = edges.filter((e) => e.dir === 'out');
  const H = Math.max(ins.length, outs.length, 1) * ROW + 40;
  const cx = W / 2;
  const cy = H / 2;
  const y = (i, n) => 20 + ROW / 2 + i * ROW + ((Math.max(ins.length, outs.length) - n) * ROW) / 2;
  const node = (x, yy, label, cls, testid) => (
    <g key={`${cls}-${label}`} data-testid={testid} data-label={label}>
      <rect x={x - 85} y={yy - 16} width="170" height="32" rx="6" className={cls} />
      <text x={x} y={yy + 5} textAnchor="middle" className="kiln-ledger-text">
        {label.length > 24 ? `${label.slice(0, 23)}…` : label}
      </text>
    </g>
  );
  const edge = (e, i, n) => {
    const px = e.dir === 'in' ? 95 : W - 95;
    const py = y(i, n);
    const [x1, y1, x2, y2] = e.dir === 'in' ? [px + 85, py, cx - 85, cy] : [cx + 85, cy, px - 85, py];
    const label = `${e.count}× ${[...e.apps].slice(0, 2).join(', ')}`;
    return (
      <g key={`${e.dir}-${e.peer}`} data-testid="ledger-edge" data-dir={e.dir} data-peer={e.peer} data-count={e.count}>
        <line x1={x1} y1={y1} x2={x2} y2={y2} className="kiln-ledger-edge" markerEnd="url(#kiln-arrow)" />
        <text x={(x1 + x2) / 2} y={(y1 + y2) / 2 - 6} textAnchor="middle" className="kiln-ledger-label">
          {label}
        </text>
        {node(px, py, e.peer, e.dir === 'in' ? 'kiln-ledger-in' : 'kiln-ledger-out', 'ledger-peer')}
      </g>
    );
  };
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label="Data-flow ledger" data-testid="ledger-graph">
      <defs>
        <marker id="kiln-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" fill="#6b778c" />
        </marker>
      </defs>
      {ins.map((e, i) => edge(e, i, ins.length))}
      {outs.map((e, i) => edge(e, i, outs.length))}
      {node(cx, cy, site, 'kiln-ledger-site', 'ledger-site')}
    </svg>
  );
}

export default LedgerGraph;
