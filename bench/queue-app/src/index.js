// The handler under test, `handle`: one app storage write, what a typical consumer does.
// `drain` runs it per queued event, `work` per web trigger request; `fill` pushes the
// events (3.x Queue, 50 per push, `parallel` pushes at a time; bodies n = start, start + 1, ...).
import { kvs } from '@forge/kvs';
import { Queue } from '@forge/events';

async function handle(n) {
  await kvs.set(`done:${n}`, n);
}

const reply = (statusCode, body) => ({ statusCode, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(body) });

export async function fill(req) {
  const { n, start = 0, parallel = 4 } = JSON.parse(req.body || '{}');
  const q = new Queue({ key: 'drain' });
  const t0 = Date.now();
  let next = 0;
  async function lane() {
    while (next < n) {
      const from = next;
      next = Math.min(n, next + 50);
      await q.push(Array.from({ length: next - from }, (_, i) => ({ body: { n: start + from + i } })));
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane));
  return reply(200, { pushed: n, ms: Date.now() - t0 });
}

export async function drain(event) {
  await handle(event.body.n);
}

export async function work(req) {
  await handle(JSON.parse(req.body || '{}').n);
  return reply(200, { ok: true });
}
