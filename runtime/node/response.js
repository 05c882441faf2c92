'use strict';
// ProxyResponse: the standard Response that __forge_fetch__ returns for a proxy answer
// already read whole: a Buffer, or a string when kiln sent the body as UTF-8 text (then
// text() and json() skip decoding altogether; the bytes, when asked for, are the string's
// UTF-8, which is what kiln read). It is a real Response (instanceof, status, headers,
// ok, statusText, body, clone, ...), but text(), json() and arrayBuffer() read the
// Buffer directly instead of going through a web stream: undici builds a ReadableStream
// for every Response with a body, and reading it back costs ~15x the JSON.parse itself
// (measured with bench/worker-cost.mjs: most of what a requestJira call cost the worker).
//
// Semantics kept from undici (Node 20): a body can be read once (then "Body is
// unusable: Body has already been read"); a leading UTF-8 BOM is dropped by text() and
// json(); clone() refuses a read body. Anything else that needs the body as a stream
// (body, blob(), formData(), bytes(), a clone taken after `body` was touched) turns the
// response into a stream-backed one first, and from then on every read goes through it.

const UNUSABLE = 'Body is unusable: Body has already been read';

function decode(buf) {
  const s = typeof buf === 'string' ? buf : buf.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

const bytesOf = (b) => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b);

class ProxyResponse extends Response {
  #buf; // Buffer or string, until read or handed to #real
  #used = false;
  #real = null; // a stream-backed Response with the same body, once one was needed

  /**
   * buf: a Buffer or a string (never null: null bodies use a plain Response). pairs, when
   * given, are [name, value] headers appended to the response's own Headers, as
   * init.headers would be (same guard, same checks) without building a Headers first.
   */
  constructor(buf, init, pairs) {
    super(null, init);
    if (pairs !== undefined) {
      if (!Array.isArray(pairs)) throw new TypeError('ProxyResponse: headers must be [name, value] pairs');
      const h = this.headers;
      for (const p of pairs) {
        if (!Array.isArray(p) || p.length !== 2) throw new TypeError('ProxyResponse: headers must be [name, value] pairs');
        h.append(p[0], p[1]);
      }
    }
    this.#buf = buf;
  }

  /** The stream-backed twin, made on first need; the Buffer is handed over to it. */
  #materialize() {
    if (!this.#real) {
      this.#real = new Response(this.#used ? null : bytesOf(this.#buf), { status: this.status, statusText: this.statusText, headers: this.headers });
      this.#buf = null;
    }
    return this.#real;
  }

  #take() {
    if (this.#used) throw new TypeError(UNUSABLE);
    this.#used = true;
    const b = this.#buf;
    this.#buf = null;
    return b;
  }

  /** A stream of the body (null once it was read through text()/json()/arrayBuffer()). */
  get body() {
    return this.#materialize().body;
  }

  get bodyUsed() {
    return this.#real ? this.#real.bodyUsed || this.#used : this.#used;
  }

  async text() {
    if (this.#real) return this.#real.text();
    return decode(this.#take());
  }

  async json() {
    if (this.#real) return this.#real.json();
    return JSON.parse(decode(this.#take()));
  }

  async arrayBuffer() {
    if (this.#real) return this.#real.arrayBuffer();
    const b = bytesOf(this.#take());
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  }

  async blob() {
    if (this.#used && !this.#real) throw new TypeError(UNUSABLE);
    return this.#materialize().blob();
  }

  async formData() {
    if (this.#used && !this.#real) throw new TypeError(UNUSABLE);
    return this.#materialize().formData();
  }

  async bytes() {
    if (this.#real) return this.#real.bytes();
    return new Uint8Array(await this.arrayBuffer());
  }

  clone() {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    if (this.#real) return this.#real.clone();
    return new ProxyResponse(this.#buf, { status: this.status, statusText: this.statusText, headers: new Headers(this.headers) });
  }
}

module.exports = { ProxyResponse };
