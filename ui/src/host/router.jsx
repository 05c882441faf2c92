// Client-side routing over the shell's page URLs (docs/ui.md): one table maps a path
// under /s/{site} to a page name and its parameters. navigate() pushes history, so every
// URL stays stable and a hard load of it (the shell serves them all) shows the same page.
import React, { createContext, useContext, useEffect, useState } from 'react';
import { sitePath } from './boot.js';
import { match } from './routes.js';

export { match } from './routes.js';

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
