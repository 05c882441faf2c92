// The baseline of bench/webtrigger.sh: what a developer would write instead of a
// Forge web trigger. A plain Node.js HTTP server (built-in modules only) that, for
// each request, makes the same Jira call the Forge function makes,
//
//   GET {kiln}/ex/jira/{cloudId}/rest/api/3/project/search?maxResults=1
//   Authorization: Bearer {user token}
//
// over keep-alive connections, parses the JSON and answers it re-serialised, as the
// function does (JSON.parse + JSON.stringify), with the upstream status.
//
// One process, one event loop. Sites: the request path /site/{i} picks the i-th
// entry of the --sites file (a JSON array of {"cloudId", "token"}), so the benchmark
// can spread its load over the same sites as the kiln side; any other path uses
// entry 0.
//
// Usage:
//   node bench/plain-node-server.mjs --port PORT --kiln http://127.0.0.1:KILNPORT \
//        --sites sites.json [--client http|fetch] [--host 127.0.0.1]
//
// --client http (default): http.request with http.Agent({keepAlive: true}).
// --client fetch: Node's global fetch (undici, keep-alive by default).
// Prints "listening HOST:PORT" on stdout once it accepts connections.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    kiln: { type: 'string' },
    sites: { type: 'string' },
    client: { type: 'string', default: 'http' },
  },
});

const fail = (msg) => {
  process.stderr.write(`plain-node-server: ${msg}\n`);
  process.exit(2);
};
if (!opt.kiln) fail('--kiln URL is required');
if (!opt.sites) fail('--sites FILE is required');
if (opt.client !== 'http' && opt.client !== 'fetch') fail('--client must be http or fetch');

const kiln = new URL(opt.kiln);
if (kiln.protocol !== 'http:') fail('--kiln must be an http:// URL');
const sites = JSON.parse(readFileSync(opt.sites, 'utf8'));
if (!Array.isArray(sites) || sites.length === 0) fail('--sites must hold a non-empty JSON array');
const targets = sites.map(({ cloudId, token }) => {
  if (typeof cloudId !== 'string' || typeof token !== 'string') fail('each site needs cloudId and token');
  return {
    path: `/ex/jira/${encodeURIComponent(cloudId)}/rest/api/3/project/search?maxResults=1`,
    authorization: `Bearer ${token}`,
  };
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** The product call with http.request: resolves {status, json}. */
function callHttp(target) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: kiln.hostname,
        port: kiln.port || 80,
        method: 'GET',
        path: target.path,
        headers: { Authorization: target.authorization, Accept: 'application/json' },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The same call with the global fetch. */
async function callFetch(target) {
  const res = await fetch(new URL(target.path, kiln), {
    headers: { Authorization: target.authorization, Accept: 'application/json' },
  });
  return { status: res.status, json: await res.json() };
}

const call = opt.client === 'fetch' ? callFetch : callHttp;

function pick(url) {
  const m = /^\/site\/(\d+)(?:[/?]|$)/.exec(url);
  const i = m ? Number(m[1]) : 0;
  return i < targets.length ? targets[i] : null;
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  const target = pick(req.url);
  if (!target) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('no such site\n');
    return;
  }
  call(target).then(
    ({ status, json }) => {
      const body = JSON.stringify(json);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    },
    (err) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end(`upstream call failed: ${err.message}\n`);
    },
  );
});
server.keepAliveTimeout = 60_000;

server.listen(Number(opt.port), opt.host, () => {
  const a = server.address();
  process.stdout.write(`listening ${a.address}:${a.port}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
