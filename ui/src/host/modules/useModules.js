// The UI modules of the site's installations for one placement and context, from
// GET /_ui/v1/modules?placement=<type>[&issue=KEY|&project=KEY] (the server evaluates
// displayConditions for the signed-in user). Answers {modules, error, loading}.
// prefetchModules() starts the same request early (api.js prefetch: the issue view asks
// for its three placements while it loads the issue, not after).
import { api, prefetch } from '../api.js';
import { useData } from '../useData.js';

export function modulesUrl(placement, { issue, project } = {}) {
  const q = new URLSearchParams({ placement });
  if (issue) q.set('issue', issue);
  else if (project) q.set('project', project);
  return `/_ui/v1/modules?${q}`;
}

async function fetchModules(url, signal) {
  const body = await api(url, { signal });
  return Array.isArray(body?.modules) ? body.modules : [];
}

export function prefetchModules(placement, ctx) {
  prefetch(modulesUrl(placement, ctx));
}

export function useModules(placement, ctx = {}) {
  const url = modulesUrl(placement, ctx);
  const r = useData((signal) => fetchModules(url, signal), [url]);
  return { modules: r.data || [], error: r.error, loading: r.loading };
}
