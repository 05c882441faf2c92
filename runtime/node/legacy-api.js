'use strict';
// The runtime global `api` of Forge's legacy sandbox runtime, for apps that run on it
// (app.runtime.name `sandbox`, or no runtime: kiln sends `legacyApi: true` in their invoke
// frames). @forge/api 2.0-2.8 reads it when it is imported (`global.api.asApp()` at module
// level) and has no other way to reach the platform; later 2.x and 3.x-7.x prefer it when
// it is there, as they did on Forge. Every call goes through the same proxy as the Node
// runtime's (forge-runtime.js __forge_fetch__), with the current invocation's token, so a
// legacy app reaches exactly what a current one does: its own installation's site.
//
// What @forge/api 2.x expects of it (out/index.js, out/api/index.js, out/runtime/*.js,
// out/webTrigger*.js of 2.0.0 and 2.22.1):
//   fetch, requestJira, requestConfluence, requestBitbucket   (url|path, init) -> response
//   asApp(), asUser()  -> {requestJira, requestConfluence, requestBitbucket, requestGraph,
//                          __requestAtlassian (the GraphQL gateway: app storage), withProvider}
//   __getAppAri()      -> the invocation's context ARI (app storage's contextAri)
//   webTrigger.getUrl(key, forceCreate) -> the URL of the app's web trigger on this site
// A response is a plain object, as the sandbox gave it: @forge/api copies its own
// properties ({...response}) and wraps `headers` in a Headers.
// Node built-ins only.

const { forgeFetch } = require('./forge-runtime');

function runtime() {
  const rt = global.__forge_runtime__;
  if (!rt) throw new Error('Forge runtime not found (global api called outside an invocation?)');
  return rt;
}

/** A fetch Response as the sandbox's plain response object (the body read once). */
async function plain(res) {
  const body = Buffer.from(await res.arrayBuffer());
  const headers = {};
  res.headers.forEach((v, k) => {
    headers[k] = v;
  });
  return {
    ok: res.status >= 200 && res.status < 300,
    status: res.status,
    statusText: res.statusText,
    url: res.url || '',
    headers,
    text: async () => body.toString('utf8'),
    json: async () => JSON.parse(body.toString('utf8')),
    arrayBuffer: async () => body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength),
  };
}

/** A product (or GraphQL gateway) call as `provider` through kiln's proxy. */
function product(provider, remote) {
  return async (reqPath, init) => {
    const descriptor = { type: 'fpp', provider, remote };
    if (provider === 'user') descriptor.accountId = runtime().aaid;
    return plain(await forgeFetch(descriptor, String(reqPath), init));
  };
}

function withProvider() {
  throw new Error('asUser().withProvider (external authentication) is not available in kiln');
}

function principal(provider) {
  return {
    requestJira: product(provider, 'jira'),
    requestConfluence: product(provider, 'confluence'),
    requestBitbucket: product(provider, 'bitbucket'),
    requestGraph: product(provider, 'stargate'),
    __requestAtlassian: product(provider, 'stargate'),
    withProvider,
  };
}

/** webTrigger.getUrl: the same GraphQL mutation @forge/api 3.x and later send. */
async function getUrl(key, forceCreate = false) {
  const rt = runtime();
  const res = await product('app', 'stargate')('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation forge_app_createWebTriggerUrl($input: WebTriggerUrlInput!, $forceCreate: Boolean) '
        + '{ createWebTriggerUrl(input: $input, forceCreate: $forceCreate) { url } }',
      variables: {
        input: {
          appId: rt.appContext && rt.appContext.appId,
          envId: rt.appContext && rt.appContext.environmentId,
          triggerKey: key,
          contextId: rt.contextAri,
        },
        forceCreate,
      },
    }),
  });
  if (!res.ok) throw new Error(`Internal error occurred: Failed to get web trigger URL: ${res.statusText}.`);
  const out = await res.json();
  const url = out && out.data && out.data.createWebTriggerUrl && out.data.createWebTriggerUrl.url;
  if (!url) throw new Error(`Internal error occurred: Failed to get web trigger URL: ${JSON.stringify(out && out.errors)}`);
  return url;
}

/** The global `api` object; built once per worker, it reads the current invocation per call. */
function buildLegacyApi() {
  const app = principal('app');
  const user = principal('user');
  return {
    // egress: the app's own fetch as the worker lets any function make it (egress.js)
    fetch: async (url, init) => plain(await globalThis.fetch(String(url), init)),
    requestJira: product('none', 'jira'),
    requestConfluence: product('none', 'confluence'),
    requestBitbucket: product('none', 'bitbucket'),
    asApp: () => app,
    asUser: () => user,
    __getAppAri: () => runtime().contextAri,
    webTrigger: { getUrl },
  };
}

module.exports = { buildLegacyApi };
