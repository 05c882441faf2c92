// A pipelining HTTP/1.1 client for the isolation battery (tests/battery/isolation.mjs):
// raw request bytes (so a request may carry duplicated or odd headers that node:http
// refuses to send), several requests written at once on each keep-alive connection and
// their answers read back in order.
//
//   const pool = pipePool(port, { connections: 8, depth: 16 });
//   const answers = await pool.send([bytes, bytes, ...]); // [{status, head, body}], in order
//   await pool.stream(next, onAnswer);                   // next(): {req, ...} or null
//
// An answer is {status, head: 'the head as text', body: Buffer}; a request whose
// connection closed before its answer came is retried once alone on a fresh connection,
// then answered {status: 0, head: '', body: empty, error}. Bodies are read by
// Content-Length or chunked encoding; a connection the server marks `close` ends after
// that answer and the requests behind it are retried.
import net from 'node:net';

const HOST = '127.0.0.1';
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Parses one response at the start of buf: {status, head, body, used, close} or null (incomplete). */
function parseOne(buf, isHead) {
  const end = buf.indexOf(CRLFCRLF);
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(head.slice(0, 80))}`);
  const status = Number(m[1]);
  const close = /\r\nconnection:\s*close/i.test(head);
  let at = end + 4;
  if (isHead || status === 204 || status === 304 || (status >= 100 && status < 200)) return { status, head, body: Buffer.alloc(0), used: at, close };
  const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (cl) {
    const n = Number(cl[1]);
    if (buf.length < at + n) return null;
    return { status, head, body: buf.subarray(at, at + n), used: at + n, close };
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const parts = [];
    for (;;) {
      const le = buf.indexOf('\r\n', at);
      if (le < 0) return null;
      const size = parseInt(buf.subarray(at, le).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      if (size === 0) {
        const fin = buf.indexOf(CRLFCRLF, le - 2);
        if (fin < 0) return null;
        return { status, head, body: Buffer.concat(parts), used: fin + 4, close };
      }
      if (buf.length < le + 2 + size + 2) return null;
      parts.push(buf.subarray(le + 2, le + 2 + size));
      at = le + 2 + size + 2;
    }
  }
  return { status, head, body: null, used: -1, close: true }; // body until close
}

/** Writes reqs (Buffers) on one fresh connection; resolves the answers it got, in order (maybe fewer). */
function onConnection(port, reqs, timeoutMs) {
  return new Promise((resolve) => {
    const out = [];
    let buf = Buffer.alloc(0);
    let done = false;
    const sock = net.connect({ host: HOST, port });
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(out);
    };
    const timer = setTimeout(finish, timeoutMs);
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(Buffer.concat(reqs)));
    sock.on('data', (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      try {
        while (out.length < reqs.length) {
          const isHead = reqs[out.length].subarray(0, 5).toString('latin1') === 'HEAD ';
          const r = parseOne(buf, isHead);
          if (!r || r.used < 0) break;
          out.push({ status: r.status, head: r.head, body: Buffer.from(r.body) });
          buf = buf.subarray(r.used);
          if (r.close) return finish();
        }
      } catch (e) {
        out.push({ status: 0, head: '', body: Buffer.alloc(0), error: e.message });
        return finish();
      }
      if (out.length === reqs.length) finish();
    });
    sock.on('error', finish);
    sock.on('close', () => {
      // an answer whose body runs until close
      if (!done && out.length < reqs.length) {
        const end = buf.indexOf(CRLFCRLF);
        if (end >= 0) {
          const head = buf.subarray(0, end).toString('latin1');
          const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
          if (m && !/\r\n(content-length|transfer-encoding):/i.test(head)) out.push({ status: Number(m[1]), head, body: Buffer.from(buf.subarray(end + 4)) });
        }
      }
      finish();
    });
  });
}

export function pipePool(port, { connections = 8, depth = 16, timeoutMs = 30000 } = {}) {
  // a batch on one connection; what it left unanswered, once more, one at a time
  const sendBatch = async (batch) => {
    const got = await onConnection(port, batch, timeoutMs);
    for (let i = got.length; i < batch.length; i++) {
      const again = await onConnection(port, [batch[i]], timeoutMs);
      got.push(again[0] ?? { status: 0, head: '', body: Buffer.alloc(0), error: 'connection closed before an answer' });
    }
    return got;
  };
  return {
    /** Answers to reqs (Buffers), in order. */
    async send(reqs) {
      const answers = new Array(reqs.length);
      let i = 0;
      await this.stream(() => (i < reqs.length ? { req: reqs[i], at: i++ } : null), (x, a) => { answers[x.at] = a; });
      return answers;
    },
    /**
     * Streams: next() gives the next item ({req: Buffer, ...}) or null when done; each
     * connection takes up to `depth` items at a time, and onAnswer(item, answer) is called
     * as answers arrive (no barrier between connections: a slow answer holds up only its
     * own connection's batch).
     */
    async stream(next, onAnswer) {
      const worker = async () => {
        for (;;) {
          const batch = [];
          for (let x; batch.length < depth && (x = next());) batch.push(x);
          if (!batch.length) return;
          const got = await sendBatch(batch.map((x) => x.req));
          for (let j = 0; j < batch.length; j++) onAnswer(batch[j], got[j]);
        }
      };
      await Promise.all(Array.from({ length: connections }, worker));
    },
  };
}
