// `edited` (trigger on avi:jira:updated:issue): its first line takes the time, the latency
// is that minus the edit's own time (event.issue.fields.updated, set by the write before it
// commits, so the figure includes the commit); kept in app storage for `stats`.
// `ping`: the web trigger round trip's reference (does nothing). `stats`: every latency.
import { kvs, WhereConditions } from '@forge/kvs';

const reply = (body) => ({ statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(body) });

// Jira's "2026-12-06T22:05:01.123+0000": the offset with a colon for Date.parse
const parse = (s) => Date.parse(String(s).replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));

export async function edited(event) {
  const startedAt = Date.now();
  const at = parse(event.issue.fields.updated);
  const summary = event.issue.fields.summary;
  await kvs.set(`lat-${event.issue.id}-${at}-${Math.random().toString(36).slice(2, 8)}`, { ms: startedAt - at, summary });
}

export async function ping() {
  return reply({ ok: true });
}

export async function stats(req) {
  const { cursor } = JSON.parse(req.body || '{}');
  let q = kvs.query().where('key', WhereConditions.beginsWith('lat-')).limit(100);
  if (cursor) q = q.cursor(cursor);
  const page = await q.getMany();
  return reply({ ms: page.results.map((r) => r.value.ms), summaries: page.results.map((r) => r.value.summary), cursor: page.nextCursor ?? null });
}
