// What the issue view loads, as paths, and prefetchIssueView(key) which starts all of it at
// once: the issue, its transitions and comments, and the apps' modules of its three
// placements. Free of React: early.js calls it before the rest of the bundle is evaluated
// (the parse and evaluation of React and Atlaskit take ~90 ms that the requests need not
// wait for); Issue.jsx calls it too (an in-app navigation), and api() takes each request
// in flight once (api.js prefetch).
import { inflight, jiraPath, prefetch } from '../api.js';
import { prefetchFrame } from '../frame/frameRequest.js';
import { modulesUrl } from '../modules/modulesUrl.js';

export const FIELDS = 'summary,description,status,assignee,reporter,priority,labels,project,issuetype,created,updated';
export const PLACEMENTS = ['issuePanel', 'issueGlance', 'issueContext'];
export const issuePath = (key) => `/issue/${encodeURIComponent(key)}?fields=${FIELDS}&expand=renderedFields`;
export const transitionsPath = (key) => `/issue/${encodeURIComponent(key)}/transitions`;
export const commentsPath = (key) =>
  `/issue/${encodeURIComponent(key)}/comment?expand=renderedBody&orderBy=created&maxResults=100`;

/** The extension the issue view gives its apps' modules (without `type`, which each module's
 *  manifest entry says): the issue's key, id and type and its project's key and id. */
export function issueExtension(issue) {
  const f = issue?.fields || {};
  return {
    issue: { key: issue?.key, id: issue?.id, type: f.issuetype?.name },
    project: { key: f.project?.key, id: f.project?.id },
  };
}

// The placements whose Custom UI frames are made as soon as the view is drawn (panels;
// context panels, whose content is drawn inside their closed <details>); a glance's frame
// waits for its button.
const FRAMED_NOW = ['issuePanel', 'issueContext'];
const isCustomUi = (m) => !(m && (m.render === 'native' || m.render === 'uikit'));

/** The issue view's requests, all at once; with `frames`, also the Custom UI frames of its
 *  panels once the issue and its modules are in (early.js: before React is ready). */
export async function prefetchIssueView(key, { frames = false } = {}) {
  prefetch(jiraPath(issuePath(key)));
  prefetch(jiraPath(transitionsPath(key)));
  prefetch(jiraPath(commentsPath(key)));
  PLACEMENTS.forEach((p) => prefetch(modulesUrl(p, { issue: key })));
  if (!frames) return;
  try {
    // the requests just sent, watched without taking them (the page takes them)
    const issue = inflight(jiraPath(issuePath(key)));
    const lists = FRAMED_NOW.map((p) => inflight(modulesUrl(p, { issue: key })));
    if (!issue || lists.some((l) => !l)) return;
    const ext = issueExtension(await issue);
    for (const l of await Promise.all(lists))
      for (const m of Array.isArray(l?.modules) ? l.modules : []) if (isCustomUi(m)) prefetchFrame(m, ext);
  } catch {
    // the page asks again and shows the error
  }
}
