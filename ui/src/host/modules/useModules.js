// The UI modules of the site's installations for one placement and context, from
// GET /_ui/v1/modules?placement=<type>[&issue=KEY|&project=KEY] (the server evaluates
// displayConditions for the signed-in user). Answers {modules, error, loading}.
// The issue view starts its placements' requests early (pages/issueData.js, early.js);
// api() takes a request in flight for the same URL.
import { api } from '../api.js';
import { useData } from '../useData.js';
import { modulesUrl } from './modulesUrl.js';

export { modulesUrl };

async function fetchModules(url, signal) {
  const body = await api(url, { signal });
  return Array.isArray(body?.modules) ? body.modules : [];
}

export function useModules(placement, ctx = {}) {
  const url = modulesUrl(placement, ctx);
  const r = useData((signal) => fetchModules(url, signal), [url]);
  return { modules: r.data || [], error: r.error, loading: r.loading };
}
