// HTTP/1 framing at the edge (docs/security.md "HTTP versions and framing"): kiln speaks
// HTTP/1.1 only (no h2c, neither by Upgrade nor by the prior-knowledge preface), and a
// request whose body length is ambiguous (Content-Length with Transfer-Encoding, several
// Content-Lengths, a Transfer-Encoding other than one `chunked`) is refused with 400 and
// the connection closed before any plane sees it, so nothing can be smuggled behind it.
// Every test talks over a raw socket and reads until kiln closes, so a second response
// that should not exist would be seen.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKiln, parseHttpResponses } from './lib/kiln.mjs';

let k;

before(async () => {
  k = await startKiln({ threads: 1 });
});

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
    assert.deepEqual(x.responses[0].json, { status: 'ok' });
    assert.equal(x.buf.length, x.responses[0].length, `nothing after the answer (no HTTP/2 frames): ${show(x)}`);
  });
});
