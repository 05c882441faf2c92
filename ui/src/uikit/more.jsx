// UI Kit rows for the last @forge/react 11 components with an @atlaskit counterpart that
// draws from data alone: CheckboxGroup (a group of @atlaskit/checkbox; onChange posts
// the checked values, as Forge's does), Range (@atlaskit/range; onChange posts the
// number), ProgressTracker (@atlaskit/progress-tracker; a stage's onClick posts nothing),
// EmptyState (@atlaskit/empty-state; text props only) and Tile (@atlaskit/tile).

import React, { useState } from 'react';
import { Checkbox } from '@atlaskit/checkbox';
import Range from '@atlaskit/range';
import { ProgressTracker } from '@atlaskit/progress-tracker';
import EmptyState from '@atlaskit/empty-state';
import Tile from '@atlaskit/tile';
import { Stack } from '@atlaskit/primitives';
import { each, eventArg, handler, num, pick, str } from './props.js';

const strings = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : undefined);
const STATUSES = new Set(['unvisited', 'visited', 'current', 'disabled']);
const TILE_SIZES = new Set(['xxsmall', 'xsmall', 'small', 'medium', 'large', 'xlarge']);

function CheckboxGroup({ n, r }) {
  const p = n.props;
  const onChange = r.fn(p.onChange);
  const controlled = strings(p.value);
  const [own, setOwn] = useState(() => strings(p.defaultValue) || []);
  const checked = controlled || own;
  const options = Array.isArray(p.options) ? p.options.filter((o) => o && typeof o === 'object' && typeof o.value === 'string') : [];
  const toggle = (value, on) => {
    const next = on ? [...checked.filter((v) => v !== value), value] : checked.filter((v) => v !== value);
    if (!controlled) setOwn(next);
    if (onChange) onChange(next);
  };
  return (
    <Stack space="space.050" role="group">
      {options.map((o) => (
        <Checkbox
          key={o.value}
          name={str(p.name)}
          value={o.value}
          label={str(o.label) ?? o.value}
          isDisabled={!!p.isDisabled || !!o.isDisabled}
          isChecked={checked.includes(o.value)}
          onChange={(e) => toggle(o.value, e.target.checked)}
        />
      ))}
    </Stack>
  );
}

function range(n, r) {
  const p = n.props;
  return (
    <Range
      {...pick(p, ['id', 'name', 'testId', 'aria-invalid', 'aria-labelledby'])}
      {...each(p, ['min', 'max', 'step', 'value', 'defaultValue'], num)}
      isDisabled={!!p.isDisabled}
      onChange={handler(p, r, 'onChange', (v) => (typeof v === 'number' ? v : Number(v)))}
      onBlur={handler(p, r, 'onBlur', eventArg)}
      onFocus={handler(p, r, 'onFocus', eventArg)}
    />
  );
}

function progressTracker(n, r) {
  const p = n.props;
  const items = (Array.isArray(p.items) ? p.items : [])
    .filter((s) => s && typeof s === 'object')
    .map((s, i) => {
      const f = r.fn(s.onClick);
      return {
        id: str(s.id) ?? String(i),
        label: str(s.label) ?? '',
        percentageComplete: Math.max(0, Math.min(100, num(s.percentageComplete) ?? 0)),
        status: STATUSES.has(s.status) ? s.status : 'unvisited',
        noLink: !f,
        // @atlaskit draws a clickable stage as <a href="">: no navigation, only the event
        onClick: f
          ? (e) => {
              if (e && typeof e.preventDefault === 'function') e.preventDefault();
              f();
            }
          : undefined,
      };
    });
  return (
    <ProgressTracker
      items={items}
      label={str(p.label)}
      testId={str(p.testId)}
      animated={typeof p.animated === 'boolean' ? p.animated : undefined}
      spacing={['comfortable', 'cozy', 'compact'].includes(p.spacing) ? p.spacing : undefined}
    />
  );
}

const emptyState = (n) => (
  <EmptyState
    header={str(n.props.header) ?? ''}
    description={str(n.props.description)}
    headingLevel={[1, 2, 3, 4, 5, 6].includes(n.props.headingLevel) ? n.props.headingLevel : undefined}
    isLoading={!!n.props.isLoading}
    width={n.props.width === 'narrow' || n.props.width === 'wide' ? n.props.width : undefined}
    buttonGroupLabel={str(n.props.buttonGroupLabel)}
    testId={str(n.props.testId)}
  />
);

const tile = (n, r) => (
  <Tile
    label={str(n.props.label) ?? ''}
    size={TILE_SIZES.has(n.props.size) ? n.props.size : undefined}
    backgroundColor={typeof n.props.backgroundColor === 'string' && /^(color\.background\.[a-z.]+|transparent|white|black)$/.test(n.props.backgroundColor) ? n.props.backgroundColor : undefined}
    hasBorder={!!n.props.hasBorder}
    isInset={typeof n.props.isInset === 'boolean' ? n.props.isInset : undefined}
    testId={str(n.props.testId)}
  >
    {r.kids(n)}
  </Tile>
);

export const MORE_ROWS = {
  CheckboxGroup: (n, r) => <CheckboxGroup n={n} r={r} />,
  Range: range,
  ProgressTracker: progressTracker,
  EmptyState: emptyState,
  Tile: tile,
};
