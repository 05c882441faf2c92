// The app page's URL as the history of its Custom UI frame (view.createHistory; docs/ui.md
// "Custom UI"). On a full page (jira:globalPage, jira:projectPage, jira:adminPage shown as
// /s/{site}/apps/{appId}/{moduleKey}, not in a modal) the frame's location IS the host
// page's URL below that path: pathname -> the path after {moduleKey}, search -> the query
// (after kiln's own `project=KEY` on a project page), hash -> the hash, state -> the host
// history entry's state. A push or replace in the frame pushes or replaces the host's
// entry, so a reload or a shared link gives the frame the same location and the browser's
// back and forward move it (popstate -> a POP to the frame). Elsewhere (panels, gadgets,
// modals) the history stays in the frame's memory, as before.
import { sitePath } from '../boot.js';

export const FULL_PAGES = new Set(['jira:globalPage', 'jira:projectPage', 'jira:adminPage']);
const MAX_URL = 4096;
const MAX_STATE = 64 * 1024;

/** The app page's path for the module: /s/{site}/apps/{appId}/{moduleKey} */
export function pageBase(appId, moduleKey) {
  return `${sitePath}/apps/${encodeURIComponent(appId)}/${encodeURIComponent(moduleKey)}`;
}

/** Whether this frame's history is the page's: a full page module shown at its own URL. */
export function bindsPage(type, appId, moduleKey, modal, loc = window.location) {
  if (modal || !FULL_PAGES.has(type)) return false;
  const base = pageBase(appId, moduleKey);
  return loc.pathname === base || loc.pathname.startsWith(`${base}/`);
}

/** kiln's own part of the query on a project page (`project=KEY`), or ''. */
function ownQuery(project) {
  return project ? `project=${encodeURIComponent(project)}` : '';
}

/** The frame's location from the host page's URL. */
export function frameLocation(appId, moduleKey, project, loc = window.location, state = window.history.state) {
  const base = pageBase(appId, moduleKey);
  const rest = loc.pathname.slice(base.length);
  let q = loc.search.replace(/^\?/, '');
  const own = ownQuery(project);
  if (own && (q === own || q.startsWith(`${own}&`))) q = q.slice(own.length + 1);
  const s = state && typeof state === 'object' && state.kilnFrame ? state.kilnFrame : null;
  return {
    pathname: rest && rest !== '/' ? rest : '/',
    search: q ? `?${q}` : '',
    hash: loc.hash || '',
    state: s ? s.state : undefined,
    key: s && typeof s.key === 'string' ? s.key : 'default',
  };
}

/** A location the frame sent, checked: {pathname, search, hash, state, key}; else throws. */
export function checkLocation(l) {
  const str = (v, d = '') => (v === undefined || v === null ? d : v);
  const loc = {
    pathname: str(l?.pathname, '/'),
    search: str(l?.search),
    hash: str(l?.hash),
    key: str(l?.key, 'default'),
  };
  for (const k of ['pathname', 'search', 'hash', 'key'])
    if (typeof loc[k] !== 'string') throw new Error(`history: location.${k} must be a string`);
  if (!loc.pathname.startsWith('/') || loc.pathname.startsWith('//') || /[\s\\]/.test(loc.pathname))
    throw new Error('history: the pathname must be an absolute path');
  if (loc.search && !loc.search.startsWith('?')) throw new Error('history: the search must start with ?');
  if (loc.hash && !loc.hash.startsWith('#')) throw new Error('history: the hash must start with #');
  if (loc.pathname.length + loc.search.length + loc.hash.length > MAX_URL) throw new Error('history: the location is too long');
  let state;
  if (l && l.state !== undefined) {
    const text = JSON.stringify(l.state);
    if (text && text.length > MAX_STATE) throw new Error('history: the state is too large');
    state = text === undefined ? undefined : JSON.parse(text);
  }
  return { ...loc, key: loc.key.slice(0, 64), state };
}

/** The host page's URL for a frame location (checked). */
export function pageUrl(appId, moduleKey, project, loc) {
  // the path as a URL path: what the app gave, with characters a URL path cannot hold escaped
  const path = loc.pathname === '/' ? '' : encodeURI(decodeURISafe(loc.pathname));
  const own = ownQuery(project);
  const q = [own, loc.search.replace(/^\?/, '')].filter(Boolean).join('&');
  return `${pageBase(appId, moduleKey)}${path}${q ? `?${q}` : ''}${loc.hash}`;
}

function decodeURISafe(s) {
  try {
    return decodeURI(s);
  } catch {
    return s;
  }
}
