// The UI modules of the site's installations for one placement and context, from
// GET /_ui/v1/modules?placement=<type>[&issue=KEY|&project=KEY] (the server evaluates
// displayConditions for the signed-in user). Answers {modules, error, loading}.
import { api } from '../api.js';
import { useData } from '../useData.js';

export function modulesUrl(placement, { issue, project } = {}) {
  const q = new URLSearchParams({ placement });
  if (issue) q.set('issue', issue);
  else if (project) q.set('project', project);
  return `/_ui/v1/modules?${q}`;
}

export function useModules(placement, ctx = {}) {
  const url = modulesUrl(placement, ctx);
  const r = useData(async (signal) => {
    const body = await api(url, { signal });
    return Array.isArray(body) ? body : Array.isArray(body?.modules) ? body.modules : [];
  }, [url]);
  return { modules: r.data || [], error: r.error, loading: r.loading };
}
