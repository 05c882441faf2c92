// A loopback HTTP server for tests/unit/test_outbound.c: prints its port on stdout, then
// serves canned behaviours (ok, echo, slow, hang, trickle, 5xx, 3xx, big bodies, the
// identity of the connection) until stdin closes.
import http from 'node:http';

let nextConn = 0;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const p = url.pathname;
    if (p === '/ok') {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-test': 'yes' });
      res.end('hello');
    } else if (p === '/echo') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, headers: req.headers, body: body.toString('latin1') }));
    } else if (p === '/slow') {
      setTimeout(() => res.end('slow'), Number(url.searchParams.get('ms') || 500));
    } else if (p === '/hang') {
      // never answers
    } else if (p === '/trickle') {
      res.writeHead(200);
      const t = setInterval(() => res.write('x'), 100);
      res.on('close', () => clearInterval(t));
    } else if (p === '/500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"boom"}');
    } else if (p === '/302') {
      res.writeHead(302, { location: '/ok' });
      res.end();
    } else if (p === '/big') {
      const n = Number(url.searchParams.get('n') || 1000);
      res.writeHead(200, url.searchParams.get('chunked') ? {} : { 'content-length': n });
      res.end(Buffer.alloc(n, 'a'));
    } else if (p === '/bigheaders') {
      res.writeHead(200, { 'x-big': 'h'.repeat(Number(url.searchParams.get('n') || 70000)) });
      res.end('ok');
    } else if (p === '/conn') {
      res.end(String(req.socket.connId));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
});
server.maxHeaderSize = 1 << 20;
server.on('connection', (s) => { s.connId = ++nextConn; });
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
