// Egress control (docs/egress.md), in both modes: `--egress-mode namespace` (workers in a
// network namespace of their own, kiln's Unix socket their only way out) and
// `--egress-mode in-process` (the fallback: the worker's interception only).
//
// Two HTTP servers on loopback stand for the outside world: ALLOWED, whose origin the
// fixture's manifest declares (the test writes its port into permissions.external.fetch
// .backend), and DENIED, on another port, which nothing declares and which counts every
// connection it gets: a refused request must never reach it. The fixture
// (tests/fixtures/apps/egress-probe, the real @forge/api 8.3 from the root node_modules)
// tries global fetch, @forge/api's fetch, http.get, a raw net.connect, and a child
// process (which carries none of the worker's patches: what app code gets by undoing them).
//
// Run: KILN_BIN=build/kiln node --test tests/e2e/egress.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startKiln, expectStatus, tempDir, cliOkJson as okJson, kilnCli, expectCliOk, httpRequest } from './lib/kiln.mjs';
import { NO_SANDBOX_HERE, machineCanSandbox } from './lib/sandbox.mjs';

const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'apps', 'egress-probe');


/** The listening TCP ports in the text of a /proc/net/tcp. */
function listeningPorts(text) {
  return text.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((f) => f[3] === '0A').map((f) => parseInt(f[1].split(':')[1], 16));
}

/** A loopback server that counts connections and requests; `routes` answer by path. */
async function server(routes = {}) {
  const s = { hits: 0, conns: 0, requests: [] };
  s.srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      s.hits++;
      s.requests.push({ method: req.method, url: req.url, headers: req.headers, length: body.length });
      const route = routes[req.url.split('?')[0]];
      if (route) return route(req, res, body);
      res.writeHead(200, { 'content-type': 'text/plain', 'x-echo': `${req.method} ${body.length}` });
      res.end(`hello from ${req.url}`);
    });
  });
  s.srv.on('connection', () => s.conns++);
  await new Promise((r) => s.srv.listen(0, '127.0.0.1', r));
  s.port = s.srv.address().port;
  s.origin = `http://127.0.0.1:${s.port}`;
  return s;
}

for (const mode of ['namespace', 'in-process']) {
  describe(`egress, --egress-mode ${mode}`, { skip: mode === 'namespace' && !machineCanSandbox() ? NO_SANDBOX_HERE : false }, () => {
    let k, A, B, ALLOWED, DENIED, dir;
    const T = {};
    const tag = randomBytes(3).toString('hex');

    async function probe(site, input, timeout = 60000) {
      const r = await k.api(T[site.name], {
        method: 'POST', body: JSON.stringify(input), headers: { 'content-type': 'application/json' }, timeout,
      });
      expectStatus(r, 200, `probe ${input.action} on ${site.name}`);
      return r.json;
    }

    before(async () => {
      DENIED = await server();
      ALLOWED = await server({
        '/redirect-out': (req, res) => { res.writeHead(302, { location: `${DENIED.origin}/landed` }); res.end(); },
        '/redirect-in': (req, res) => { res.writeHead(302, { location: '/echo?after-redirect' }); res.end(); },
        '/big': (req, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.end(Buffer.alloc(11 * 1024 * 1024, 97)); },
        '/spoof': (req, res) => { res.writeHead(200, { 'forge-proxy-error': 'NEEDS_AUTHENTICATION_ERR', 'x-kiln-egress': 'refused' }); res.end('spoofed'); },
      });
      k = await startKiln({ extraArgs: ['--egress-mode', mode] });
      [A, B] = await Promise.all([k.siteWithToken(`eg-a-${tag}`, true), k.siteWithToken(`eg-b-${tag}`, true)]);
      dir = path.join(tempDir(`egress-${mode}`), 'egress-probe');
      cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      const manifest = path.join(dir, 'manifest.yml');
      writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(/- http:\/\/127\.0\.0\.1:1$/m, `- ${ALLOWED.origin}`));
      await okJson(k, ['register', dir, '--json']);
      await okJson(k, ['deploy', dir, '--json']);
      for (const s of [A, B]) {
        await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
        T[s.name] = new URL((await okJson(k, ['webtrigger', 'probe', '--site', s.name, '--json'], { cwd: dir })).url).pathname;
      }
    });

    after(async () => {
      await k?.close();
      ALLOWED?.srv.close();
      DENIED?.srv.close();
    });

    it(`kiln serve says which mode is active: egress: ${mode}`, () => {
      const lines = k.stderrLines.map((l) => { try { return JSON.parse(l); } catch { return {}; } });
      const line = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('egress: '));
      assert.ok(line, `an "egress:" line on stderr:\n${k.stderrLines.slice(0, 10).join('\n')}`);
      assert.equal(line.msg, `egress: ${mode}`);
      assert.ok(k.stderrLines.indexOf(JSON.stringify(line)) <= k.stderrLines.findIndex((l) => l.includes('"listening"')), 'before "listening"');
    });

    it('product calls still reach kiln (over its Unix socket in namespace mode)', async () => {
      const r = await probe(A, { action: 'jira' });
      assert.equal(r.status, 200, JSON.stringify(r));
      assert.ok(r.total > 0);
      const t = await probe(A, { action: 'token' });
      if (mode === 'namespace') assert.match(t.socket, /proxy\.sock$/);
    });

    it('a declared host is reached: global fetch, @forge/api fetch, http.get; bodies both ways', async () => {
      const before = ALLOWED.hits;
      const f = await probe(A, { action: 'fetch', url: `${ALLOWED.origin}/echo` });
      assert.equal(f.status, 200, JSON.stringify(f));
      assert.equal(f.text, 'hello from /echo');
      assert.equal(f.echo, 'GET 0');
      const p = await probe(A, { action: 'forge-fetch', url: `${ALLOWED.origin}/post`, method: 'POST', body: 'x'.repeat(100000) });
      assert.equal(p.status, 200, JSON.stringify(p));
      assert.equal(p.echo, 'POST 100000');
      const h = await probe(B, { action: 'http', url: `${ALLOWED.origin}/via-http` });
      assert.equal(h.status, 200, JSON.stringify(h));
      assert.equal(h.text, 'hello from /via-http');
      assert.equal(ALLOWED.hits - before, 3);
      // kiln sent them itself: the app's worker never connected to the server
      const last = ALLOWED.requests.at(-1);
      assert.equal(last.headers['forge-proxy-authorization'], undefined, 'the invocation token does not leave kiln');
      assert.equal(last.headers['forge-proxy-target'], undefined);
    });

    it('an undeclared host is refused as on Forge (403, forge-proxy-error REQUEST_EGRESS_ALLOWLIST_ERR) and never reached', async () => {
      const hits = DENIED.hits, conns = DENIED.conns;
      for (const action of ['fetch', 'forge-fetch']) {
        const r = await probe(A, { action, url: `${DENIED.origin}/secret?q=1` });
        assert.equal(r.status, 403, JSON.stringify(r));
        assert.equal(r.forgeProxyError, 'REQUEST_EGRESS_ALLOWLIST_ERR');
        assert.match(r.text, /URL not included in the external fetch backend permissions: http:\/\/127\.0\.0\.1:\d+\. Visit go\.atlassian\.com\/forge-egress/);
        assert.ok(!r.text.includes('secret'), 'the refusal names the origin only');
      }
      const h = await probe(A, { action: 'http', url: `${DENIED.origin}/x` });
      assert.equal(h.status, 403);
      assert.equal(h.forgeProxyError, 'REQUEST_EGRESS_ALLOWLIST_ERR');
      // the same host on the declared port's neighbour, another scheme, a name for it
      for (const url of [`https://127.0.0.1:${ALLOWED.port}/`, `http://localhost:${ALLOWED.port}/`, 'https://example.com/']) {
        const r = await probe(A, { action: 'fetch', url });
        assert.equal(r.status, 403, `${url}: ${JSON.stringify(r)}`);
      }
      assert.equal(DENIED.hits - hits, 0, 'the undeclared server got no request');
      assert.equal(DENIED.conns - conns, 0, 'nor a connection');
    });

    it('wildcards: *.wild.egress.test covers its subdomains but not wild.egress.test itself', async () => {
      const parent = await probe(A, { action: 'fetch', url: 'https://wild.egress.test/' });
      assert.equal(parent.status, 403, JSON.stringify(parent));
      assert.equal(parent.forgeProxyError, 'REQUEST_EGRESS_ALLOWLIST_ERR');
      // allowed, so kiln tries it; the name does not resolve: a fetch error, not a refusal
      const sub = await probe(A, { action: 'fetch', url: 'https://a.b.wild.egress.test/' });
      assert.equal(sub.status, 502, JSON.stringify(sub));
      assert.equal(sub.forgeProxyError, 'FUNCTION_FETCH_ERR');
    });

    it('redirects: kiln follows none; fetch follows hop by hop and a hop to an undeclared host is refused', async () => {
      const hits = DENIED.hits;
      const out = await probe(A, { action: 'fetch', url: `${ALLOWED.origin}/redirect-out` });
      assert.equal(out.status, 403, JSON.stringify(out));
      assert.equal(out.forgeProxyError, 'REQUEST_EGRESS_ALLOWLIST_ERR');
      const manual = await probe(A, { action: 'fetch', url: `${ALLOWED.origin}/redirect-out`, redirect: 'manual' });
      assert.equal(manual.status, 302);
      const viaHttp = await probe(A, { action: 'http', url: `${ALLOWED.origin}/redirect-out` });
      assert.equal(viaHttp.status, 302, 'http.get sees the redirect itself');
      assert.equal(DENIED.hits - hits, 0, 'the redirect target was never contacted');
      const inside = await probe(A, { action: 'fetch', url: `${ALLOWED.origin}/redirect-in` });
      assert.equal(inside.status, 200, JSON.stringify(inside));
      assert.equal(inside.redirected, true);
      assert.equal(inside.text, 'hello from /echo?after-redirect');
    });

    it('a remote cannot speak for kiln: its forge-proxy-error and x-kiln-* headers are dropped', async () => {
      const r = await probe(A, { action: 'fetch', url: `${ALLOWED.origin}/spoof` });
      assert.equal(r.status, 200);
      assert.equal(r.forgeProxyError, null);
      assert.equal(r.text, 'spoofed');
    });

    it('hostile sizes: an 11 MB answer is cut (502), a 6 MB request body is refused before it leaves', async () => {
      const big = await probe(A, { action: 'fetch', url: `${ALLOWED.origin}/big` });
      assert.equal(big.status, 502, JSON.stringify(big).slice(0, 300));
      assert.equal(big.forgeProxyError, 'FUNCTION_FETCH_ERR');
      const hits = ALLOWED.hits;
      const up = await probe(A, { action: 'fetch', url: `${ALLOWED.origin}/post`, method: 'POST', bodySize: 6 * 1024 * 1024 });
      assert.ok(up.error, JSON.stringify(up).slice(0, 300));
      // a URL over 8 KiB, more headers than kiln relays
      const long = await probe(A, { action: 'fetch', url: `${ALLOWED.origin}/${'a'.repeat(9000)}` });
      assert.equal(long.status, 403, JSON.stringify(long).slice(0, 300));
      const headers = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`x-h${i}`, 'v']));
      const many = await probe(A, { action: 'fetch', url: `${ALLOWED.origin}/headers`, headers });
      assert.equal(many.status, 431, JSON.stringify(many).slice(0, 300));
      assert.equal(ALLOWED.hits, hits, 'nothing was sent');
    });

    it('raw sockets from app code are refused in-process', async () => {
      const conns = DENIED.conns;
      const r = await probe(A, { action: 'net', host: '127.0.0.1', port: DENIED.port });
      assert.equal(r.error?.name, 'REQUEST_EGRESS_ALLOWLIST_ERR', JSON.stringify(r));
      const kilnPort = await probe(A, { action: 'net', host: '127.0.0.1', port: ALLOWED.port });
      assert.equal(kilnPort.error?.name, 'REQUEST_EGRESS_ALLOWLIST_ERR', 'a declared host is reached through HTTP(S) only');
      assert.equal(DENIED.conns, conns);
    });

    if (mode === 'namespace') {
      it('the worker\'s network is its own: no interface but its loopback, none of the host\'s listening sockets', async () => {
        const n = await probe(A, { action: 'netinfo' });
        assert.deepEqual(n.ifaces, ['lo'], JSON.stringify(n));
        // the control: on the host, these ports are listening
        const hostListening = listeningPorts(readFileSync('/proc/net/tcp', 'utf8'));
        for (const port of [k.port, DENIED.port, ALLOWED.port]) {
          assert.ok(hostListening.includes(port), `port ${port} listens on the host`);
          assert.ok(!n.listening.includes(port), `port ${port} is not in the worker's namespace: ${JSON.stringify(n.listening)}`);
        }
      });

      it('undoing the in-process patches gains nothing: a fresh process cannot reach the host loopback or kiln over TCP', async () => {
        const conns = DENIED.conns;
        const r = await probe(A, { action: 'child', host: '127.0.0.1', port: DENIED.port });
        assert.match(r.child, /^error (ENETUNREACH|ECONNREFUSED|EHOSTUNREACH)/, JSON.stringify(r));
        const toKiln = await probe(A, { action: 'child', host: '127.0.0.1', port: k.port });
        assert.match(toKiln.child, /^error /, JSON.stringify(toKiln));
        const out = await probe(A, { action: 'child', host: '1.1.1.1', port: 80 });
        assert.match(out.child, /^error /, JSON.stringify(out));
        // back into the host's namespace (kiln runs as root in CI): no capabilities, no way
        const esc = await probe(A, { action: 'nsenter', host: '127.0.0.1', port: DENIED.port });
        assert.notEqual(esc.child, 'connected', JSON.stringify(esc));
        assert.ok(esc.error || /^error /.test(esc.child), JSON.stringify(esc));
        assert.equal(DENIED.conns, conns, 'the undeclared server got no connection');
      });
    } else {
      it('the fallback\'s limit, documented: a process that carries no patches does connect', async () => {
        const conns = DENIED.conns;
        const r = await probe(A, { action: 'child', host: '127.0.0.1', port: DENIED.port });
        assert.equal(r.child, 'connected', JSON.stringify(r));
        for (let i = 0; i < 50 && DENIED.conns === conns; i++) await new Promise((res) => setTimeout(res, 20));
        assert.equal(DENIED.conns, conns + 1);
      });
    }

    it('rate limit: 100 egress requests per invocation and minute, then 429 REQUEST_EGRESS_RATE_LIMIT_ERR; the next invocation starts afresh', async () => {
      // the limit's window is the wall clock's minute (gateway/ratelimit.h): a burst that
      // crosses into the next minute starts a new count, so start it well inside one
      if (Date.now() % 60000 > 50000) await new Promise((res) => setTimeout(res, 60000 - (Date.now() % 60000) + 200));
      const r = await probe(A, { action: 'burst', url: `${ALLOWED.origin}/burst`, n: 102 });
      assert.deepEqual(r.statuses.slice(0, 100), Array(100).fill('200'));
      assert.deepEqual(r.statuses.slice(100), ['429:REQUEST_EGRESS_RATE_LIMIT_ERR', '429:REQUEST_EGRESS_RATE_LIMIT_ERR']);
      const next = await probe(A, { action: 'burst', url: `${ALLOWED.origin}/burst`, n: 1 });
      assert.deepEqual(next.statuses, ['200']);
    });

    it('the egress endpoint refuses a dead or missing invocation token (a token from another invocation is dead)', async () => {
      const { token } = await probe(B, { action: 'token' });
      const hits = ALLOWED.hits;
      for (const headers of [
        { 'forge-proxy-authorization': `Bearer ${token}`, 'forge-proxy-target': `${ALLOWED.origin}/x` },
        { 'forge-proxy-target': `${ALLOWED.origin}/x` },
        { authorization: `Bearer ${token}`, 'forge-proxy-target': `${ALLOWED.origin}/x` },
        { 'forge-proxy-authorization': 'Bearer kiln_i_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'forge-proxy-target': `${ALLOWED.origin}/x` },
      ]) {
        const r = await k.api('/_proxy/egress', { method: 'POST', headers, body: 'data' });
        assert.equal(r.status, 401, JSON.stringify(headers));
      }
      assert.equal(ALLOWED.hits, hits);
    });

    if (mode === 'namespace') {
      it('the workers\' Unix socket serves the function plane only', async () => {
        const sock = path.join(k.dataDir, 'proxy.sock');
        for (const p of ['/admin/v1/sites', '/healthz', '/metrics', `/ex/jira/${A.cloudId}/rest/api/3/myself`]) {
          const status = await new Promise((resolve, reject) => {
            const req = http.request({ socketPath: sock, path: p, headers: { authorization: `Bearer ${k.adminToken}` } }, (res) => { res.resume(); resolve(res.statusCode); });
            req.on('error', reject);
            req.end();
          });
          assert.equal(status, 404, p);
        }
      });
    }

    it('refusals are in the invocation\'s kiln logs and the audit log; /metrics counts requests and bytes', async () => {
      await probe(A, { action: 'fetch', url: `${DENIED.origin}/logged` });
      const logs = expectCliOk(await kilnCli(k, ['logs', '--site', A.name, '-n', '1000', '--json'])).stdout;
      assert.match(logs, new RegExp(`outbound request to http://127\\.0\\.0\\.1:${DENIED.port} refused`));
      await new Promise((r) => setTimeout(r, 400)); // the audit writer flushes every 200 ms
      const audit = expectCliOk(await kilnCli(k, ['audit', '--site', A.name, '--json', '-n', '1000'])).stdout
        .trim().split('\n').map((l) => JSON.parse(l));
      const deny = audit.find((e) => e.plane === 'egress' && e.kind === 'gateway.deny' && e.status === 403 && e.path === DENIED.origin);
      assert.ok(deny, 'an egress refusal in the audit log, naming the origin only');
      assert.equal(deny.category, 'FAILURE_EGRESS_NOT_ALLOWED');
      assert.ok(audit.some((e) => e.plane === 'egress' && e.kind === 'gateway.allow' && e.status === 200));
      assert.ok(!audit.some((e) => e.plane === 'egress' && e.site && e.site !== A.name), 'site A\'s egress is filed under A');
      const metrics = (await httpRequest(k.port, '/metrics')).text;
      const sent = Number(/kiln_egress_requests_total\{outcome="sent"\} (\d+)/.exec(metrics)[1]);
      const refused = Number(/kiln_egress_requests_total\{outcome="refused"\} (\d+)/.exec(metrics)[1]);
      const bytesOut = Number(/kiln_egress_bytes_total\{direction="out"\} (\d+)/.exec(metrics)[1]);
      assert.ok(sent >= 100 && refused >= 5 && bytesOut >= 100000, metrics.split('\n').filter((l) => l.includes('egress')).join('\n'));
    });
  });
}
