// HTTP/1 framing at the edge (docs/security.md "HTTP versions and framing"): kiln speaks
// HTTP/1.1 only (no h2c, neither by Upgrade nor by the prior-knowledge preface), and a
// request whose body length is ambiguous (Content-Length with Transfer-Encoding, several
// Content-Lengths, a Transfer-Encoding other than one `chunked`) is refused with 400 and
// the connection closed before any plane sees it, so nothing can be smuggled behind it.
// Every test talks over a raw socket and reads until kiln closes, so a second response
// that should not exist would be seen.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, parseHttpResponses, expectStatus } from './lib/kiln.mjs';

let k;

before(async () => {
  k = await startKiln({ threads: 1 });
});

/** The 400 kiln answers an ambiguous head with: one answer, then the connection closed. */
function expectFramingRefusal(x, what) {
  assert.ok(x.closed, `${what}: kiln closes the connection (${x.error?.message}) ${show(x)}`);
  assert.equal(x.responses.length, 1, `${what}: exactly one answer, nothing for what follows: ${show(x)}`);
  const r = x.responses[0];
  assert.equal(r.status, 400, `${what}: ${show(x)}`);
  assert.match(r.headers.connection ?? '', /close/i, `${what}: Connection: close`);
  assert.match(r.json?.message ?? '', /ambiguous/, `${what}: ${show(x)}`);
  assert.equal(x.buf.length, r.length, `${what}: nothing after the 400: ${show(x)}`);
}

after(async () => {
  await k?.close();
});

/** Sends `data`, reads until kiln closes (or `timeout`); {raw, buf, responses, closed}. */
async function exchange(data, timeout = 5000) {
  const r = await k.raw(data, { untilClose: true, timeout });
  const buf = Buffer.from(r.raw ?? '', 'latin1');
  return { raw: r.raw ?? '', buf, responses: parseHttpResponses(buf), closed: !r.error, error: r.error };
}

const show = (x) => JSON.stringify(x.raw.slice(0, 600));

describe('HTTP/2 cleartext is off', () => {
  it('the prior-knowledge preface gets an HTTP/1.1 400 and a close, not an HTTP/2 SETTINGS frame', async () => {
    // The client preface, then an empty SETTINGS frame (length 0, type 4, flags 0, stream 0).
    const preface = Buffer.concat([
      Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'),
      Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]),
    ]);
    const x = await exchange(preface);
    assert.ok(x.closed, `kiln must close the connection: ${x.error?.message} ${show(x)}`);
    assert.match(x.raw, /^HTTP\/1\.1 400 /, `an HTTP/1.1 400, not HTTP/2 frames: ${show(x)}`);
    // An HTTP/2 server answers with its own SETTINGS frame: 9 bytes, type 0x04 at offset 3.
    assert.ok(!(x.buf.length >= 9 && x.buf[3] === 4 && !x.raw.startsWith('HTTP/')), show(x));
  });

  it('Upgrade: h2c is ignored: a plain HTTP/1.1 answer, never 101 Switching Protocols', async () => {
    const x = await exchange(
      'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n'
        + 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n',
    );
    assert.ok(!/^HTTP\/1\.1 101/m.test(x.raw), `no protocol switch: ${show(x)}`);
    // (h2o 2.2 keeps a connection alive only when `Connection` names keep-alive: one answer)
    assert.equal(x.responses.length, 1, `one HTTP/1.1 answer: ${show(x)}`);
    assert.equal(x.responses[0].status, 200, show(x));
    assert.equal(x.responses[0].json.status, 'ok', show(x)); // the /healthz answer itself
    assert.equal(x.buf.length, x.responses[0].length, `nothing after the answer (no HTTP/2 frames): ${show(x)}`);
  });
});

describe('ambiguous body length: 400 and close, before any plane', () => {
  const follow = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  /** An admin request that would create site `name` if its chunked body were read. */
  const smuggle = (name, framing) => {
    const body = JSON.stringify({ name });
    return `POST /admin/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${k.adminToken}\r\n`
      + `Content-Type: application/json\r\n${framing}\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n${follow}`;
  };
  const cases = [
    ['Content-Length and Transfer-Encoding', 'smug-cl-te', 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n'],
    ['Transfer-Encoding then Content-Length', 'smug-te-cl', 'Transfer-Encoding: chunked\r\nContent-Length: 4\r\n'],
    ['two Transfer-Encoding headers', 'smug-te-te', 'Transfer-Encoding: identity\r\nTransfer-Encoding: chunked\r\n'],
    ['Transfer-Encoding other than chunked', 'smug-te-gzip', 'Transfer-Encoding: gzip, chunked\r\n'],
  ];
  for (const [what, name, framing] of cases) {
    it(`${what}: the request is refused, nothing behind it is answered, no plane ran`, async () => {
      const x = await exchange(smuggle(name, framing));
      expectFramingRefusal(x, what);
      expectStatus(await k.admin(`/sites/${name}`), 404, `${what}: no site was created`);
    });
  }

  it('two Content-Length headers, different or equal: 400 and close', async () => {
    const body = '{"name":"smug-cl-cl"}';
    for (const lens of [[4, body.length], [body.length, body.length]]) {
      const x = await exchange(`POST /admin/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${k.adminToken}\r\n`
        + `Content-Type: application/json\r\nContent-Length: ${lens[0]}\r\nContent-Length: ${lens[1]}\r\n\r\n${body}${follow}`);
      expectFramingRefusal(x, `Content-Length ${lens.join(' and ')}`);
    }
    expectStatus(await k.admin('/sites/smug-cl-cl'), 404, 'no site was created');
  });

  it('Transfer-Encoding on HTTP/1.0: 400 and close', async () => {
    const x = await exchange(`POST /x1/abc HTTP/1.0\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${follow}`);
    expectFramingRefusal(x, 'HTTP/1.0 chunked');
  });

  it('a pipelined ambiguous request after a good one: the first is answered, the second refused, the third never', async () => {
    const x = await exchange(`${follow}POST /x1/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n`
      + `Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n${follow}`);
    assert.ok(x.closed, show(x));
    assert.deepEqual(x.responses.map((r) => r.status), [200, 400], show(x));
  });

  it('a single chunked body and a single Content-Length still work, on one kept-alive connection (control)', async () => {
    const x = await exchange(`POST /x1/nosuchtrigger HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`
      + `POST /x1/nosuchtrigger HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc`
      + 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    assert.deepEqual(x.responses.map((r) => r.status), [404, 404, 200], show(x));
  });
});
