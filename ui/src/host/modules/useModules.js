// The UI modules of the site's installations for one placement and context, from
// GET /_ui/v1/modules?placement=<type>[&issue=KEY|&project=KEY] (the server evaluates
// displayConditions for the signed-in user). Answers {modules, error, loading}.
// prefetchModules() starts the same request early (the issue view asks for its three
// placements while it loads the issue, not after): the next useModules of that URL takes
// the request in flight instead of sending another, once, within PREFETCH_MS.
import { api } from '../api.js';
import { useData } from '../useData.js';

const PREFETCH_MS = 10000;
const MAX_PREFETCHED = 16;
const prefetched = new Map(); // url -> {at, promise}

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
  const url = modulesUrl(placement, ctx);
  if (prefetched.has(url)) return;
  if (prefetched.size >= MAX_PREFETCHED) prefetched.delete(prefetched.keys().next().value);
  const promise = fetchModules(url);
  promise.catch(() => {}); // the taker sees the error; nobody may take it at all
  prefetched.set(url, { at: Date.now(), promise });
}

function take(url) {
  const p = prefetched.get(url);
  if (!p) return null;
  prefetched.delete(url);
  return Date.now() - p.at <= PREFETCH_MS ? p.promise : null;
}

export function useModules(placement, ctx = {}) {
  const url = modulesUrl(placement, ctx);
  const r = useData((signal) => take(url) || fetchModules(url, signal), [url]);
  return { modules: r.data || [], error: r.error, loading: r.loading };
}
