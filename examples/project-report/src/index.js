import api, { route } from '@forge/api';
import { kvs } from '@forge/kvs';

const JSON_HEADERS = { 'Content-Type': ['application/json'] };

// installContext is the ARI of the site the app is installed on, e.g.
// ari:cloud:jira::site/9f2d6a0e-....  The part after "site/" is the cloudId.
const cloudIdOf = (installContext) => {
  const match = /::site\/([^/]+)$/.exec(installContext ?? '');
  return match ? match[1] : null;
};

// App storage is per installation, so per site: this key holds the last report of the
// site this invocation is bound to, and no other site's.
const LAST_REPORT = 'report:last';

// The last issue event of the site (the `issue-activity` trigger), also per installation.
const LAST_EVENT = 'activity:last';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const respond = (statusCode, payload) => ({
  statusCode,
  headers: JSON_HEADERS,
  body: JSON.stringify(payload),
});

// Deliberately reach for another site's data through the site-qualified
// /ex/jira/{cloudId} form. The platform refuses it (401, x-failure-category
// FAILURE_CLIENT_SCOPE_CHECK): an invocation can only ever see its own site.
const probeOtherSite = async (cloudId) => {
  const response = await api
    .asApp()
    .requestJira(route`/ex/jira/${cloudId}/rest/api/3/project/search`);
  return {
    cloudId,
    status: response.status,
    failureCategory: response.headers.get('x-failure-category'),
    body: await response.text(),
  };
};

/**
 * Web trigger `site-report`.
 *
 * Lists the projects of the site this installation belongs to. There is no
 * site parameter: requestJira always talks to the installation's own site.
 *
 * It keeps a summary of the last report in app storage (@forge/kvs) and returns
 * the previous one as `previousReport` (null the first time), so each site's
 * report says what changed since it was last asked for.
 *
 * Query parameters (both optional):
 *   query=TEXT          only projects whose key or name contains TEXT
 *   probeCloudId=UUID   also try to read that site's projects, and report
 *                       how the platform answered (it should refuse)
 */
export const report = async (request, context) => {
  const installContext = context?.installContext ?? null;
  const query = request?.queryParameters?.query?.[0];
  const probeCloudId = request?.queryParameters?.probeCloudId?.[0];

  if (probeCloudId !== undefined && !UUID.test(probeCloudId)) {
    return respond(400, { error: 'probeCloudId must be a cloudId (a UUID)' });
  }

  const url = query
    ? route`/rest/api/3/project/search?orderBy=key&query=${query}`
    : route`/rest/api/3/project/search`;

  const response = await api.asApp().requestJira(url, {
    headers: { Accept: 'application/json' },
  });

  if (!response.ok) {
    const detail = await response.text();
    console.error(`project search failed: ${response.status} ${detail}`);
    return respond(502, {
      error: 'Jira project search failed',
      status: response.status,
      failureCategory: response.headers.get('x-failure-category'),
      detail,
    });
  }

  const page = await response.json();
  const projects = (page.values ?? []).map(({ id, key, name, projectTypeKey }) => ({
    id,
    key,
    name,
    projectTypeKey,
  }));

  const result = {
    installContext,
    cloudId: cloudIdOf(installContext),
    total: page.total ?? projects.length,
    isLast: page.isLast ?? true,
    projects,
    generatedAt: new Date().toISOString(),
  };
  // The previous summary, then this one (with a TTL, so a site nobody asks stops
  // keeping state after 30 days).
  result.previousReport = (await kvs.get(LAST_REPORT)) ?? null;
  result.lastIssueEvent = (await kvs.get(LAST_EVENT)) ?? null;
  await kvs.set(
    LAST_REPORT,
    { generatedAt: result.generatedAt, total: result.total, keys: projects.map((p) => p.key) },
    { ttl: { value: 30, unit: 'DAYS' } },
  );
  if (probeCloudId) {
    result.crossSiteProbe = await probeOtherSite(probeCloudId);
  }
  return respond(200, result);
};

/**
 * Trigger `issue-activity`: a product event of this installation's site (an issue created,
 * updated or commented on). Forge's payload carries the issue as it was at the write, the
 * changelog of an update and who acted (atlassianId). Kept as the site's last event.
 */
export const activity = async (event) => {
  await kvs.set(LAST_EVENT, {
    eventType: event.eventType,
    issueKey: event.issue?.key ?? null,
    summary: event.issue?.fields?.summary ?? null,
    changed: (event.changelog?.items ?? []).map((item) => item.field),
    by: event.atlassianId ?? null,
    at: new Date().toISOString(),
  });
};
