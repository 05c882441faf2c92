// What a client can make kiln buffer before a handler sees its request (docs/security.md
// "Input limits", src/http/bodygate.h). The attack this answers: connections that each
// declare a large body and send most of it, to a path that does not exist, kept kiln's
// memory growing without limit (300 × 4 MB took it from 71 MB to 1.31 GB resident),
// because h2o buffers a body whole before any handler runs. Here, at a smaller scale
// against a kiln started with an 8 MiB budget:
//   - a body for a path no plane serves, or for a plane that needs a credential and has
//     none, is answered (404/401, as the plane answers) as soon as its head has arrived,
//     before any of the body was sent, and the connection closed;
//   - 40 connections × 1 MiB bodies from one address, and 5 × 1 MiB from each of 8
//     addresses: only what fits the per-client and global budgets is admitted, the rest
//     is answered 503 + Retry-After at its head; kiln's resident memory stays bounded;
//   - the counters go back to zero when connections close, time out or finish;
//   - honest requests still work: a 4 MB webtrigger body and an app deploy whose upload
//     takes two 4 MiB chunks.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  ROOT, startKiln, expectStatus, describeRes, parseHttpResponse, sleep, tempDir, writeFiles,
  kilnCli as kiln, cliOkJson as okJson, describeCli,
} from './lib/kiln.mjs';

const MiB = 1024 * 1024;
const CAP_MB = 8;

let k;

before(async () => {
  k = await startKiln({ threads: 2, extraArgs: ['--max-buffered-mb', String(CAP_MB)] });
});

after(async () => {
  await k?.close();
});

/** kiln's resident set, bytes (VmRSS of /proc/PID/status). */
function rss(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) * 1024;
}

/** The value of a /metrics sample (the full sample name, labels included). */
async function metric(name) {
  const r = await k.api('/metrics');
  expectStatus(r, 200, 'metrics');
  const line = r.text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `metric ${name} in\n${r.text.slice(-2500)}`);
  return Number(line.slice(name.length + 1));
}

async function waitFor(what, fn, ms = 15000) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    last = await fn();
    if (last === true) return;
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(last)} after ${ms} ms`);
    await sleep(100);
  }
}

/**
 * A raw connection: sends `head`, collects what kiln answers. {sock, data(), answer(),
 * closed, sent} where `sent` counts the body bytes written after the head.
 */
function connect(head, { localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const c = { chunks: [], closed: false, sent: 0, error: null };
    const sock = net.connect({ host: '127.0.0.1', port: k.port, localAddress });
    c.sock = sock;
    c.data = () => Buffer.concat(c.chunks);
    c.answer = () => parseHttpResponse(c.data());
    sock.on('data', (d) => c.chunks.push(d));
    sock.on('close', () => { c.closed = true; });
    sock.on('error', (e) => { c.error = e; });
    sock.once('connect', () => {
      sock.write(head);
      resolve(c);
    });
    sock.once('error', reject);
  });
}

/** Writes n body bytes (in 64 KiB pieces), stopping early if kiln answered or closed. */
function sendBody(c, n) {
  const piece = Buffer.alloc(64 * 1024, 0x61);
  return new Promise((resolve) => {
    const next = () => {
      if (c.closed || c.chunks.length || c.sent >= n) return resolve();
      const len = Math.min(piece.length, n - c.sent);
      c.sent += len;
      if (c.sock.write(piece.subarray(0, len))) setImmediate(next);
      else c.sock.once('drain', next);
    };
    next();
  });
}

const head = (p, len, extra = '') => `POST ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${extra}Content-Length: ${len}\r\n\r\n`;
const trigger = () => `/x1/${randomBytes(16).toString('hex')}`; /* a plane without credential: bodies are read */

describe('early refusal: the body is never read', () => {
  const cloud = '6b0e4ed4-2f6a-4c8e-9a8a-0c1f0e4d2b11';
  const cases = [
    ['a path no plane serves', '/nope/upload', 404, (a) => assert.deepEqual(a.json, { errorMessages: ['Not Found'], errors: {} })],
    ['the product API without a credential', `/ex/jira/${cloud}/rest/api/3/project`, 401,
      (a) => assert.equal(a.headers['x-failure-category'], 'FAILURE_CLIENT_AUTH')],
    ['the admin API without a credential', '/admin/v1/sites', 401, (a) => assert.deepEqual(a.json, { code: 401, message: 'Unauthorized' })],
    ['the function plane without a credential', '/_proxy/fpp/rest/api/3/project', 401,
      (a) => assert.equal(a.headers['x-failure-category'], 'FAILURE_CLIENT_AUTH')],
    ['app storage without a credential', '/forge/storage/kvs/v1/set', 401, (a) => assert.equal(a.json?.code, 'UNAUTHENTICATED')],
  ];
  for (const [what, p, status, check] of cases) {
    it(`${what}: ${status} as soon as the head of a 4 MB body arrived, then closed`, async () => {
      const c = await connect(head(p, 4 * MiB));
      await waitFor('an answer to the head alone', () => c.closed && c.chunks.length > 0 ? true : { closed: c.closed, bytes: c.data().length }, 5000);
      assert.equal(c.sent, 0, 'no body byte was sent');
      const a = c.answer();
      assert.ok(a, JSON.stringify(c.data().toString('latin1')));
      assert.equal(a.status, status, c.data().toString('latin1'));
      assert.match(a.headers.connection ?? '', /close/i);
      check(a);
    });
  }

  it('a client that streams the body anyway (Node http, fetch) gets the answer, not a connection reset', async () => {
    const body = Buffer.alloc(4 * MiB, 0x61);
    const seen = [];
    for (let i = 0; i < 5; i++) {
      for (const p of ['/nope/upload', `/ex/jira/${cloud}/rest/api/3/project`]) {
        const r = await k.api(p, { method: 'POST', body, headers: { 'content-type': 'application/json' }, allowError: true });
        seen.push(r.error ? r.error.code ?? r.error.message : r.status);
        try {
          const f = await fetch(`${k.url}${p}`, { method: 'POST', body });
          seen.push(f.status);
          await f.text();
        } catch (e) {
          seen.push(e.cause?.code ?? e.message);
        }
      }
    }
    assert.deepEqual(seen, Array(5).fill([404, 404, 401, 401]).flat(), `answers: ${seen.join(' ')}`);
  });

  it('with a credential the body is read as usual (no answer before it arrives)', async () => {
    const c = await connect(head(`/ex/jira/${cloud}/rest/api/3/project`, 1000, 'Authorization: Bearer kiln_u_nope\r\n'));
    await sleep(700);
    assert.equal(c.chunks.length, 0, 'kiln waits for the body');
    await sendBody(c, 1000);
    await waitFor('the answer', () => c.chunks.length > 0 || { waiting: true }, 5000);
    assert.equal(c.answer().status, 401);
    c.sock.destroy();
  });
});

describe('budgets: 8 MiB in all, about 5 MiB per client address', () => {
  it('40 connections × 1 MiB from one address: what fits is admitted, the rest is 503 at its head; memory stays bounded', async () => {
    await k.api('/healthz');
    const before = rss(k.proc.pid);
    const refusedBefore = await metric('kiln_request_refusals_total{reason="over_budget"}');
    const conns = [];
    for (let i = 0; i < 40; i++) conns.push(await connect(head(trigger(), MiB)));
    await sleep(1000);
    const answered = conns.filter((c) => c.chunks.length > 0);
    const admitted = conns.filter((c) => c.chunks.length === 0);
    for (const c of answered) {
      const a = c.answer();
      assert.equal(a?.status, 503, c.data().toString('latin1'));
      assert.equal(a.headers['retry-after'], '5');
      assert.equal(c.sent, 0, 'refused before any body byte was sent');
    }
    assert.ok(admitted.length >= 1 && admitted.length <= 5, `admitted ${admitted.length} of 40 (a client's budget holds five 1 MiB bodies)`);
    // the admitted ones send all but the last byte: their bodies sit in kiln
    await Promise.all(admitted.map((c) => sendBody(c, MiB - 1)));
    await sleep(1000);
    const held = await metric('kiln_request_buffer_bytes');
    assert.ok(held >= admitted.length * MiB && held <= 5.1 * MiB, `counted ${held} for ${admitted.length} admitted bodies`);
    const grown = rss(k.proc.pid) - before;
    assert.ok(grown < 24 * MiB, `kiln grew by ${(grown / MiB).toFixed(1)} MiB for 40 × 1 MiB bodies (budget ${CAP_MB} MiB)`);
    assert.equal(await metric('kiln_request_refusals_total{reason="over_budget"}') - refusedBefore, answered.length);
    for (const c of conns) c.sock.destroy();
    await waitFor('the counters back at zero after the clients left', async () => (await metric('kiln_request_buffer_bytes')) === 0 || 'not yet');
  });

  it('5 × 1 MiB from each of 8 addresses: the global budget (8 MiB) admits at most 8', async () => {
    const conns = [];
    for (let a = 2; a <= 9; a++) {
      for (let i = 0; i < 5; i++) conns.push(await connect(head(trigger(), MiB), { localAddress: `127.0.0.${a}` }));
    }
    await sleep(1000);
    const admitted = conns.filter((c) => c.chunks.length === 0);
    const refused = conns.filter((c) => c.chunks.length > 0);
    assert.ok(admitted.length >= 6 && admitted.length <= 8, `admitted ${admitted.length} of 40`);
    for (const c of refused) assert.equal(c.answer()?.status, 503, c.data().toString('latin1'));
    await Promise.all(admitted.map((c) => sendBody(c, MiB - 1)));
    await sleep(500);
    assert.ok(await metric('kiln_request_buffer_bytes') <= CAP_MB * MiB);
    for (const c of conns) c.sock.destroy();
    await waitFor('counters at zero', async () => (await metric('kiln_request_buffer_bytes')) === 0 || 'not yet');
  });

  it('a head that does not fit waits a moment for room, and is admitted if room comes', async () => {
    const a = await connect(head(trigger(), 4 * MiB));
    await sendBody(a, 4 * MiB - 1);
    await sleep(300);
    const b = await connect(head(trigger(), 2 * MiB)); // 4 + 2 MiB: over this client's ~5 MiB
    await sleep(150);
    assert.equal(b.chunks.length, 0, 'b waits: no 503 yet');
    a.sock.write('a'); // a completes (404: no such trigger) and gives its 4 MiB back
    await waitFor('a answered', () => a.chunks.length > 0 || 'waiting', 5000);
    assert.equal(a.answer().status, 404);
    await sendBody(b, 2 * MiB);
    await waitFor('b answered', () => b.chunks.length > 0 || 'waiting', 5000);
    assert.equal(b.answer().status, 404, `b was admitted, not refused: ${b.data().toString('latin1').slice(0, 200)}`);
    a.sock.destroy();
    b.sock.destroy();
    await waitFor('counters at zero', async () => (await metric('kiln_request_buffer_bytes')) === 0 || 'not yet');
  });

  it('a finished request gives its bytes back on a kept-alive connection', async () => {
    const c = await connect(head(trigger(), 2 * MiB));
    await sleep(200);
    assert.ok(await metric('kiln_request_buffer_bytes') >= 2 * MiB, 'reserved while the body arrives');
    await sendBody(c, 2 * MiB);
    await waitFor('the answer', () => c.chunks.length > 0 || 'waiting', 10000);
    assert.equal(c.answer().status, 404, 'no such webtrigger');
    assert.equal(c.closed, false, 'the connection is kept alive');
    await waitFor('counters at zero', async () => (await metric('kiln_request_buffer_bytes')) === 0 || 'not yet');
    c.sock.destroy();
  });

  it('a connection that stalls mid-body is closed by the request timeout and gives its bytes back', async () => {
    const c = await connect(head(trigger(), MiB));
    await sendBody(c, MiB / 2);
    await sleep(300);
    assert.ok(await metric('kiln_request_buffer_bytes') >= MiB);
    await waitFor('kiln closes the stalled connection', () => c.closed || 'open', 20000);
    await waitFor('counters at zero', async () => (await metric('kiln_request_buffer_bytes')) === 0 || 'not yet');
  });

  it('a head that grows past its limit is answered 431 at once and the connection closed', async () => {
    const c = await connect(`GET /healthz HTTP/1.1\r\nHost: k\r\nX-Big: ${'a'.repeat(80 * 1024)}`);
    await waitFor('an answer', () => c.closed || 'open', 5000);
    assert.equal(c.answer()?.status, 431, c.data().toString('latin1'));
    assert.equal(await metric('kiln_request_buffer_bytes'), 0);
  });
});

describe('a body that could never fit: 413 at its head', () => {
  let small;
  before(async () => {
    small = await startKiln({ threads: 1, extraArgs: ['--max-buffered-mb', '2'] });
  });
  after(async () => {
    await small?.close();
  });

  it('3 MiB against a 2 MiB budget: 413 before the body is sent, connection closed; 1 MiB still fits', async () => {
    const c = await new Promise((resolve) => {
      const x = { chunks: [], closed: false };
      const sock = net.connect({ host: '127.0.0.1', port: small.port }, () => sock.write(head(trigger(), 3 * MiB)));
      sock.on('data', (d) => x.chunks.push(d));
      sock.on('close', () => { x.closed = true; resolve(x); });
      sock.on('error', () => {});
    });
    const a = parseHttpResponse(Buffer.concat(c.chunks));
    assert.equal(a?.status, 413, Buffer.concat(c.chunks).toString('latin1'));
    const ok = await small.api(trigger(), { method: 'POST', body: 'x'.repeat(MiB), headers: { 'content-type': 'application/json' } });
    expectStatus(ok, 404, '1 MiB fits (and finds no such trigger)');
  });
});

describe('honest requests under the 8 MiB budget', () => {
  let dir;
  let url;

  before(async () => {
    await k.createSite('gate-a');
    dir = path.join(tempDir('gate'), 'echo');
    writeFiles(dir, {
      'manifest.yml': `modules:
  webtrigger:
    - key: echo
      function: echo-fn
      response:
        type: dynamic
  function:
    - key: echo-fn
      handler: index.echo
app:
  runtime:
    name: nodejs20.x
`,
      'src/index.js': `export async function echo(request) {
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] },
    body: JSON.stringify({ length: request.body.length, head: request.body.slice(0, 4), tail: request.body.slice(-4) }) };
}
`,
      // makes the snapshot larger than one 4 MiB upload chunk (kept: package.json includes it)
      'assets/blob.txt': randomBytes(3 * MiB).toString('base64'),
      'package.json': JSON.stringify({ name: 'echo', private: true, kiln: { include: ['assets'] } }),
    });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  });

  it('an app deploy whose upload takes more than one 4 MiB chunk succeeds', async () => {
    await okJson(k, ['register', dir, '--json']);
    const r = await kiln(k, ['deploy', dir, '--json']);
    assert.equal(r.code, 0, describeCli(r));
    const d = JSON.parse(r.stdout);
    assert.ok(d.snapshotBytes > 4 * MiB, `the snapshot is over one chunk: ${d.snapshotBytes}`);
    await okJson(k, ['install', '--site', 'gate-a', '--confirm-scopes', '--json'], { cwd: dir });
    url = new URL((await okJson(k, ['webtrigger', 'echo', '--site', 'gate-a', '--json'], { cwd: dir })).url).pathname;
  });

  it('a 4 MB webtrigger body reaches the function whole', async () => {
    assert.ok(url, 'deployed');
    const body = `[${'1,'.repeat(2 * 1000 * 1000 - 1)}1]`; // 4,000,001 bytes of JSON
    const r = await k.api(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, timeout: 60000 });
    expectStatus(r, 200, '4 MB webtrigger');
    assert.deepEqual(r.json, { length: body.length, head: '[1,1', tail: ',1,1]'.slice(-4) }, describeRes(r, 300));
    await waitFor('counters at zero', async () => (await metric('kiln_request_buffer_bytes')) === 0 || 'not yet');
  });
});
