// The frame of every page: the top nav (projects, search, the apps' global pages, site
// admin for admins, the signed-in user and sign out) and the page below it.
import React from 'react';
import Avatar from '@atlaskit/avatar';
import { boot, sitePath } from './boot.js';
import { Link } from './router.jsx';
import { AppModule } from './modules/AppModule.jsx';

export function Layout({ children }) {
  return (
    <div className="kiln-app">
      <header className="kiln-nav" role="banner">
        <nav aria-label="Site">
          <Link to="/" className="kiln-brand">
            {boot.site}
          </Link>
          <Link to="/">Projects</Link>
          <Link to="/issues">Search</Link>
          <Link to="/dashboard">Dashboard</Link>
          <details className="kiln-apps-menu">
            <summary>Apps</summary>
            <AppModule placement="jira:globalPage" layout="links" empty={<p className="kiln-muted">No app pages</p>} />
          </details>
          {boot.isAdmin && <Link to="/admin">Site admin</Link>}
        </nav>
        <div className="kiln-user">
          <Avatar size="small" name={boot.displayName} />
          <span data-testid="user-name">{boot.displayName}</span>
          <form method="post" action={`${sitePath}/logout`}>
            <input type="hidden" name="csrf" value={boot.csrf} />
            <button type="submit" className="kiln-linkbutton">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <main className="kiln-main">{children}</main>
    </div>
  );
}
