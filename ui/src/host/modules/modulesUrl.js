// The URL of GET /_ui/v1/modules for a placement and context (docs/ui.md "UI modules").
// Free of React so early.js can ask for it before the bundle's React part is evaluated.
export function modulesUrl(placement, { issue, project } = {}) {
  const q = new URLSearchParams({ placement });
  if (issue) q.set('issue', issue);
  else if (project) q.set('project', project);
  return `/_ui/v1/modules?${q}`;
}
