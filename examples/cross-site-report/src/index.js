import { fetch, webTrigger } from '@forge/api';
import { kvs } from '@forge/kvs';

import { ownSiteProjects } from './projects.js';
import { MAX_SKEW_SECONDS, signedHeaders, verify } from './signature.js';

// Way 1 of the cross-site report: each installation registers its own web trigger with
// the backend when it is installed, and the web trigger answers the backend's signed
// requests with its own site's projects. The backend combines the answers. No
// invocation ever sees more than one site, and the backend never holds a credential
// that opens a site: it holds URLs that only answer requests signed with the secret.
//
// Configuration (kiln variables, or forge variables on Forge), per environment:
//   XSITE_BACKEND_URL   where the backend listens, e.g. http://127.0.0.1:8090; its
//                       host must be listed in permissions.external.fetch.backend
//   XSITE_HMAC_SECRET   the shared secret (at least 32 bytes), set with --encrypt

const TRIGGER_KEY = 'site-projects';
const JSON_HEADERS = { 'Content-Type': ['application/json'] };
const MAX_BODY = 64 * 1024;

const respond = (statusCode, payload) => ({ statusCode, headers: JSON_HEADERS, body: JSON.stringify(payload) });

// installContext is the ARI of the site, ari:cloud:jira::site/<cloudId>.
const cloudIdOf = (installContext) => {
  const match = /::site\/([0-9a-f-]{36})$/i.exec(installContext ?? '');
  return match ? match[1] : null;
};

function config() {
  const backend = process.env.XSITE_BACKEND_URL;
  const secret = process.env.XSITE_HMAC_SECRET;
  if (!backend || !secret) {
    throw new Error('XSITE_BACKEND_URL and XSITE_HMAC_SECRET must be set (kiln variables set ...)');
  }
  return { backend, secret };
}

/**
 * Trigger `register` (avi:forge:installed:app, avi:forge:upgraded:app): tells the
 * backend this site's cloudId, who installed the app, and this installation's own web
 * trigger URL, in a request signed with the shared secret. Throwing makes the platform
 * deliver the event again later (with backoff), so a backend that is down at install
 * time still gets the registration.
 */
export const register = async (event, context) => {
  const { backend, secret } = config();
  const cloudId = cloudIdOf(context?.installContext);
  if (!cloudId) throw new Error('the event has no site context');
  const webtriggerUrl = await webTrigger.getUrl(TRIGGER_KEY);
  const body = JSON.stringify({
    cloudId,
    installationId: typeof event?.id === 'string' ? event.id : null,
    installerAccountId: event?.installerAccountId ?? event?.upgraderAccountId ?? null,
    webtriggerUrl,
    eventType: event?.eventType ?? null,
  });
  const url = new URL('/register', backend);
  const response = await fetch(url.href, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...signedHeaders(secret, { method: 'POST', path: url.pathname, body }),
    },
    body,
    redirect: 'manual',
  });
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(`the backend refused the registration (HTTP ${response.status})`);
  }
  console.log(`registered ${TRIGGER_KEY} of site ${cloudId} with the backend`);
};

const firstHeader = (headers) => (name) => {
  const v = headers?.[name];
  return Array.isArray(v) ? (v.length === 1 ? v[0] : null) : undefined;
};

/**
 * Web trigger `site-projects`: answers only requests signed with the shared secret
 * (fresh timestamp, nonce never seen before by this installation), with the projects
 * of this installation's site.
 */
export const siteProjects = async (request, context) => {
  let secret;
  try {
    ({ secret } = config());
  } catch {
    return respond(503, { error: 'the app is not configured' });
  }
  const body = typeof request?.body === 'string' ? request.body : '';
  if (body.length > MAX_BODY) return respond(413, { error: 'request body too large' });
  const check = verify(secret, {
    method: String(request?.method ?? ''),
    path: String(request?.path ?? ''),
    body,
    header: firstHeader(request?.headers),
  });
  if (!check.ok) return respond(401, { error: 'unauthorized', reason: check.reason });

  // A signature is good once. The nonce is claimed in this installation's app storage
  // with FAIL_IF_EXISTS, which is atomic: of two requests with the same nonce, one wins.
  // The entry outlives the timestamp window, after which the signature is stale anyway.
  try {
    await kvs.set(`xsite-nonce:${check.nonce}`, check.timestamp, {
      keyPolicy: 'FAIL_IF_EXISTS',
      ttl: { value: 2 * MAX_SKEW_SECONDS + 60, unit: 'SECONDS' },
    });
  } catch (e) {
    if (e?.code === 'KEY_ALREADY_EXISTS') return respond(401, { error: 'unauthorized', reason: 'replayed' });
    throw e;
  }

  const result = await ownSiteProjects();
  if (!result.ok) {
    return respond(502, { error: 'project search failed', status: result.status, failureCategory: result.failureCategory });
  }
  return respond(200, {
    cloudId: cloudIdOf(context?.installContext),
    installContext: context?.installContext ?? null,
    total: result.total,
    truncated: result.truncated,
    projects: result.projects,
    generatedAt: new Date().toISOString(),
  });
};
