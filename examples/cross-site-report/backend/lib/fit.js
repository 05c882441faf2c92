// Verifying the Forge Invocation Token (FIT) that the platform (kiln, or Forge) sends
// with every call to a remote, as `Authorization: Bearer <JWT>`.
//
// What is checked, with `jose`:
//   - the signature, RS256 only (no `alg: none`, no HS256 with the public key as the
//     secret), with the key named by the token's `kid` in the platform's JWKS
//     (kiln: <KILN_URL>/.well-known/jwks.json; a `kid` the JWKS does not have is refused
//     after one refetch, so rotated keys are picked up);
//   - `iss` = "forge/invocation-token";
//   - `aud` = this app's ARI, ari:cloud:ecosystem::app/<uuid> (a FIT minted for another
//     app is refused);
//   - `exp` (required), `nbf` (when present), `iat` (required, not in the future, not older
//     than MAX_TOKEN_AGE), with CLOCK_TOLERANCE seconds of slack;
//   - the claims this backend relies on have the right shape: `app.installationId`,
//     `app.apiBaseUrl`, and the site's cloudId (`context.cloudId`, or the one entry of
//     `app.installation.contexts`).
//
// The tenant (installation, site, API base URL) comes only from the verified token,
// never from the request body.

import { createRemoteJWKSet, jwtVerify } from 'jose';

export const FIT_ISSUER = 'forge/invocation-token';
export const CLOCK_TOLERANCE_SECONDS = 5;
export const MAX_TOKEN_AGE = '15m';
export const MAX_AUTHORIZATION = 16 * 1024;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const APP_ARI_RE = /^ari:cloud:ecosystem::app\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const JWT_RE = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

/** A refused token. `message` says why in general terms; it never echoes the token. */
export class FitError extends Error {
  constructor(message, cause) {
    super(message);
    this.name = 'FitError';
    if (cause) this.cause = cause;
  }
}

/** The app's ARI from an ARI or a bare uuid; throws for anything else. */
export function appAri(appId) {
  if (typeof appId === 'string' && APP_ARI_RE.test(appId)) return appId.toLowerCase();
  if (typeof appId === 'string' && UUID_RE.test(appId)) return `ari:cloud:ecosystem::app/${appId.toLowerCase()}`;
  throw new Error('the app id must be ari:cloud:ecosystem::app/<uuid> or a uuid');
}

const str = (v, max = 2048) => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : null);

function cloudIdOf(payload) {
  const fromContext = str(payload?.context?.cloudId, 64);
  if (fromContext && UUID_RE.test(fromContext)) return fromContext.toLowerCase();
  const contexts = payload?.app?.installation?.contexts;
  if (Array.isArray(contexts) && contexts.length === 1) {
    const c = str(contexts[0]?.cloudId, 64);
    if (c && UUID_RE.test(c)) return c.toLowerCase();
  }
  return null;
}

/**
 * Returns `verify(authorizationHeader) -> Promise<claims>`, which resolves with
 * {installationId, cloudId, apiBaseUrl, appId, environment, module, principal, jti, exp,
 * payload} or rejects with a FitError.
 *
 * options: {jwksUrl} (fetched with jose's createRemoteJWKSet: cached, refetched on an
 * unknown kid at most every 5 s) or {jwks} (a jose key set function, for tests), and
 * {appId} (ARI or uuid).
 */
export function createFitVerifier({ jwksUrl, jwks, appId, now }) {
  const audience = appAri(appId);
  const keys =
    jwks ??
    createRemoteJWKSet(new URL(jwksUrl), {
      timeoutDuration: 5000,
      // An unknown kid refetches the key set at most this often. Under kiln's event
      // retries (after 1, 2, 4 and 8 s) a FIT signed by a key rotated in just now is
      // accepted by a later attempt.
      cooldownDuration: 5_000,
      cacheMaxAge: 10 * 60_000,
    });
  return async function verify(authorization) {
    if (typeof authorization !== 'string' || authorization.length === 0) {
      throw new FitError('no bearer token');
    }
    if (authorization.length > MAX_AUTHORIZATION) throw new FitError('the token is too large');
    const m = JWT_RE.exec(authorization);
    if (!m) throw new FitError('the Authorization header is not a bearer JWT');
    let result;
    try {
      result = await jwtVerify(m[1], keys, {
        issuer: FIT_ISSUER,
        audience,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'iat', 'jti'],
        maxTokenAge: MAX_TOKEN_AGE,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        ...(now ? { currentDate: now() } : {}),
      });
    } catch (e) {
      throw new FitError(`invalid invocation token (${e?.code ?? 'ERR_JWT_INVALID'})`, e);
    }
    const { payload, protectedHeader } = result;
    if (typeof protectedHeader.kid !== 'string' || protectedHeader.kid.length === 0) {
      throw new FitError('invalid invocation token (no kid)');
    }
    const app = payload.app;
    const installationId = str(app?.installationId, 256);
    const apiBaseUrl = str(app?.apiBaseUrl);
    const cloudId = cloudIdOf(payload);
    if (!app || typeof app !== 'object' || !installationId || !apiBaseUrl || !cloudId) {
      throw new FitError('the invocation token lacks app.installationId, app.apiBaseUrl or the site');
    }
    if (app.id !== undefined && String(app.id).toLowerCase() !== audience) {
      throw new FitError('the invocation token names another app');
    }
    let base;
    try {
      base = new URL(apiBaseUrl);
    } catch {
      throw new FitError('app.apiBaseUrl is not a URL');
    }
    if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new FitError('app.apiBaseUrl is not http(s)');
    return {
      installationId,
      cloudId,
      apiBaseUrl: apiBaseUrl.replace(/\/+$/, ''),
      appId: audience,
      environment: app.environment ?? null,
      module: app.module ?? null,
      principal: typeof payload.principal === 'string' ? payload.principal : null,
      jti: payload.jti,
      exp: payload.exp,
      payload,
    };
  };
}
