// Client-side routing over the shell's page URLs (docs/ui.md): one table maps a path
// under /s/{site} to a page name and its parameters. navigate() pushes history, so every
// URL stays stable and a hard load of it (the shell serves them all) shows the same page.
import React, { createContext, useContext, useEffect, useState } from 'react';
import { sitePath } from './boot.js';

const ROUTES = [
  { re: /^\/?$/, page: 'projects', params: () => ({}) },
  { re: /^\/projects\/([^/]+)\/?$/, page: 'project', params: (m) => ({ key: m[1] }) },
  { re: /^\/issues\/?$/, page: 'search', params: () => ({}) },
  { re: /^\/browse\/([^/]+)\/?$/, page: 'issue', params: (m) => ({ key: m[1] }) },
  { re: /^\/apps\/([^/]+)\/([^/]+)\/?$/, page: 'app', params: (m) => ({ appId: m[1], moduleKey: m[2] }) },
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

const RouteContext = createContext(null);

export function navigate(to) {
  window.history.pushState({}, '', to);
  window.dispatchEvent(new PopStateEvent('popstate'));
  window.scrollTo(0, 0);
}

export function RouterProvider({ children }) {
  const [route, setRoute] = useState(() => match(window.location));
  useEffect(() => {
    const on = () => setRoute(match(window.location));
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return <RouteContext.Provider value={route}>{children}</RouteContext.Provider>;
}

export function useRoute() {
  return useContext(RouteContext);
}

/** A link under /s/{site}: a real href (open in new tab works), navigated in place. */
export function Link({ to, children, ...rest }) {
  const href = `${sitePath}${to}`;
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} onClick={onClick} {...rest}>
      {children}
    </a>
  );
}
