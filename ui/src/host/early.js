// The host bundle's first module (main.jsx imports it before anything else): it matches the
// location and starts the page's data requests while the rest of the bundle (React,
// Atlaskit: most of its ~1 MB) is still being evaluated. Only GETs the page would make
// anyway, with the session cookie (same-origin), through api.js prefetch; nothing is kept
// beyond the request in flight. Must import nothing that imports React.
import { match } from './routes.js';
import { prefetchIssueView } from './pages/issueData.js';

const EARLY = {
  issue: (params) => prefetchIssueView(params.key, { frames: true }),
};

const route = match(window.location);
if (EARLY[route.page]) EARLY[route.page](route.params);
