import api, { route } from '@forge/api';

// At most this many pages of 50 projects per report: a site with more is reported as
// truncated rather than read without bound.
export const MAX_PAGES = 20;
const PAGE_SIZE = 50;

/**
 * The projects of the site this invocation is bound to. There is no site parameter:
 * requestJira always talks to the installation's own site, whatever the caller wants.
 * Returns {ok: true, total, truncated, projects} or {ok: false, status, failureCategory}.
 */
export async function ownSiteProjects() {
  const projects = [];
  let total = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const startAt = page * PAGE_SIZE;
    const response = await api
      .asApp()
      .requestJira(route`/rest/api/3/project/search?expand=description&orderBy=key&startAt=${startAt}&maxResults=${PAGE_SIZE}`, {
        headers: { Accept: 'application/json' },
      });
    if (!response.ok) {
      return { ok: false, status: response.status, failureCategory: response.headers.get('x-failure-category') };
    }
    const body = await response.json();
    const values = Array.isArray(body?.values) ? body.values : [];
    for (const { id, key, name, projectTypeKey, description } of values) {
      projects.push({ id, key, name, projectTypeKey, description: description ?? null });
    }
    total = Number.isInteger(body?.total) ? body.total : projects.length;
    if (body?.isLast !== false || values.length === 0) return { ok: true, total, truncated: false, projects };
  }
  return { ok: true, total, truncated: true, projects };
}
