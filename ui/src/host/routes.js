// The route table of the host (docs/ui.md): a path under /s/{site} -> a page name and its
// parameters. Kept free of React so the bundle's first module (early.js) can match the
// location before the rest of the bundle is evaluated.
import { sitePath } from './boot.js';

const ROUTES = [
  { re: /^\/?$/, page: 'projects', params: () => ({}) },
  { re: /^\/projects\/([^/]+)\/?$/, page: 'project', params: (m) => ({ key: m[1] }) },
  { re: /^\/issues\/?$/, page: 'search', params: () => ({}) },
  { re: /^\/browse\/([^/]+)\/?$/, page: 'issue', params: (m) => ({ key: m[1] }) },
  // below the app page: the frame's own location (frame/pageHistory.js), never decoded here
  { re: /^\/apps\/([^/]+)\/([^/]+)(?:\/.*)?$/, page: 'app', params: (m) => ({ appId: m[1], moduleKey: m[2] }) },
  { re: /^\/admin\/?$/, page: 'admin', params: () => ({}) },
  { re: /^\/dashboard\/?$/, page: 'dashboard', params: () => ({}) },
];

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** {page, params, query} for a location; page 'notfound' for any other path. */
export function match(loc) {
  const path = loc.pathname.startsWith(sitePath) ? loc.pathname.slice(sitePath.length) : null;
  const query = new URLSearchParams(loc.search);
  if (path !== null)
    for (const r of ROUTES) {
      const m = path.match(r.re);
      if (m) {
        const params = r.params(m);
        for (const k of Object.keys(params)) params[k] = decode(params[k]);
        return { page: r.page, params, query };
      }
    }
  return { page: 'notfound', params: {}, query };
}
