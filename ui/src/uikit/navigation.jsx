// UI Kit rows for moving around: Breadcrumbs (+ BreadcrumbsItem), Pagination and
// Calendar, with the @atlaskit components Forge's host uses. Their events carry plain
// data to the app's frame: Pagination's onChange(event, page) as ({type}, page) — the
// page is one of the app's own `pages` values —, Calendar's onChange/onSelect with the
// {iso, day, month, year[, type]} object @atlaskit/calendar gives, Breadcrumbs' onExpand
// as ({type}). Links are checked by forgedoc.js (href: http(s), mailto or relative).

import React from 'react';
import Breadcrumbs, { BreadcrumbsItem } from '@atlaskit/breadcrumbs';
import Pagination from '@atlaskit/pagination';
import Calendar from '@atlaskit/calendar';
import { each, eventArg, handler, num, pick, str } from './props.js';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const days = (v) => (Array.isArray(v) ? v.filter((d) => typeof d === 'string' && ISO_DAY.test(d)) : undefined);
const day = (v) => (typeof v === 'string' && ISO_DAY.test(v) ? v : undefined);

function breadcrumbs(n, r) {
  const p = n.props;
  return (
    <Breadcrumbs
      {...pick(p, ['defaultExpanded', 'isExpanded', 'label', 'ellipsisLabel', 'testId'])}
      {...each(p, ['maxItems', 'itemsBeforeCollapse', 'itemsAfterCollapse'], num)}
      onExpand={handler(p, r, 'onExpand', eventArg)}
    >
      {r.kids(n)}
    </Breadcrumbs>
  );
}

const breadcrumbsItem = (n) => <BreadcrumbsItem href={str(n.props.href)} text={str(n.props.text) ?? ''} testId={str(n.props.testId)} />;

function pagination(n, r) {
  const p = n.props;
  const onChange = r.fn(p.onChange);
  const pages = Array.isArray(p.pages) ? p.pages.filter((x) => typeof x === 'string' || typeof x === 'number') : [];
  return (
    <Pagination
      pages={pages}
      getPageLabel={(x) => String(x)}
      defaultSelectedIndex={num(p.defaultSelectedIndex)}
      selectedIndex={num(p.selectedIndex)}
      max={num(p.max)}
      {...pick(p, ['label', 'nextLabel', 'previousLabel', 'pageLabel', 'testId'])}
      onChange={onChange ? (e, page) => onChange(eventArg(e), page) : undefined}
    />
  );
}

function calendar(n, r) {
  const p = n.props;
  const dateEvent = (e) => (e && typeof e === 'object' ? pick(e, ['iso', 'type', 'day', 'month', 'year']) : null);
  return (
    <Calendar
      {...each(p, ['day', 'defaultDay', 'defaultMonth', 'defaultYear', 'year'], num)}
      {...each(p, ['defaultPreviouslySelected', 'defaultSelected', 'previouslySelected', 'selected', 'disabled'], days)}
      {...each(p, ['minDate', 'maxDate', 'today'], day)}
      locale={typeof p.locale === 'string' && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(p.locale) ? p.locale : undefined}
      weekStartDay={[0, 1, 2, 3, 4, 5, 6].includes(p.weekStartDay) ? p.weekStartDay : undefined}
      tabIndex={p.tabIndex === 0 || p.tabIndex === -1 ? p.tabIndex : undefined}
      {...pick(p, ['nextMonthLabel', 'previousMonthLabel', 'testId'])}
      onChange={handler(p, r, 'onChange', dateEvent)}
      onSelect={handler(p, r, 'onSelect', dateEvent)}
      onBlur={handler(p, r, 'onBlur', eventArg)}
      onFocus={handler(p, r, 'onFocus', eventArg)}
    />
  );
}

export const NAVIGATION_ROWS = { Breadcrumbs: breadcrumbs, BreadcrumbsItem: breadcrumbsItem, Pagination: pagination, Calendar: calendar };
