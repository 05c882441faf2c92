// The page's boot data: the JSON kiln's shell writes into <script id="kiln-boot"> (site,
// cloudId, accountId, displayName, isAdmin, uiOrigin, page, ...) and the session's CSRF
// token from <meta name="kiln-csrf">. Read once; the shell carries no other data.
function read() {
  const el = document.getElementById('kiln-boot');
  let data = {};
  try {
    data = el ? JSON.parse(el.textContent || '{}') : {};
  } catch {
    data = {};
  }
  const meta = document.querySelector('meta[name="kiln-csrf"]');
  return { ...data, csrf: meta ? meta.getAttribute('content') || '' : '' };
}

export const boot = read();

/** The site's base path on the kiln origin: /s/{site} */
export const sitePath = `/s/${encodeURIComponent(boot.site || '')}`;
