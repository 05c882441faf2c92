// The UI Kit chart rows: each draws charts.jsx's chart for its type, loaded lazily so
// the chart code (d3-scale, d3-shape and the SVG drawing) is a chunk of its own that the
// host fetches only when an app draws a chart. A Spinner stands in while it loads.

import React, { Suspense, lazy } from 'react';
import Spinner from '@atlaskit/spinner';

const Chart = lazy(() => import('./charts.jsx'));

export const CHART_TYPES = ['BarChart', 'HorizontalBarChart', 'StackBarChart', 'HorizontalStackBarChart', 'LineChart', 'PieChart', 'DonutChart'];

const row = (type) => (n) => (
  <Suspense fallback={<Spinner size="small" label="Loading chart" />}>
    <Chart type={type} props={n.props} />
  </Suspense>
);

export const CHART_ROWS = Object.fromEntries(CHART_TYPES.map((t) => [t, row(t)]));
