'use strict';
// The functions bench/worker-cost.mjs runs in a kiln worker (CommonJS, as kiln's
// bundles are). `report` is bench/webtrigger-app's function.
const http = require('node:http');
const api = require('@forge/api');

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

exports.noop = async () => ({ statusCode: 200, headers: {}, body: 'ok' });

exports.http = async () => {
  const url = new URL(`${global.__forge_runtime__.proxy.url}/fpp/rest/api/3/project/search?maxResults=1`);
  const body = await new Promise((resolve, reject) => {
    const req = http.request(url, { agent, headers: { authorization: 'Bearer x' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    req.on('error', reject);
    req.end();
  });
  return { statusCode: 200, headers: {}, body };
};

exports.fetch = async () => {
  const res = await global.__forge_fetch__({ type: 'fpp', provider: 'app', remote: 'jira' }, '/rest/api/3/project/search?maxResults=1', {});
  return { statusCode: res.status, headers: {}, body: JSON.stringify(await res.json()) };
};

exports.report = async () => {
  const res = await api.default.asApp().requestJira(api.route`/rest/api/3/project/search?maxResults=1`);
  const json = await res.json();
  return { statusCode: res.status, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(json) };
};
