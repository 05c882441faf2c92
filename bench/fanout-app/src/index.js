// `edited` (trigger on avi:jira:updated:issue): its first line takes the time; the latency
// is that minus the edit's own time (event.issue.fields.updated, set by the write before it
// commits, so the figure includes the commit), written as a `kiln logs` line (the journal's
// writer, no app storage write: the trigger adds no load of its own to what it measures).
// `ping`: the web trigger round trip's reference (does nothing).

const reply = (body) => ({ statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(body) });

// Jira's "2026-12-06T22:05:01.123+0000": the offset with a colon for Date.parse
const parse = (s) => Date.parse(String(s).replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));

export async function edited(event) {
  const startedAt = Date.now();
  console.log(`fanout-ms ${startedAt - parse(event.issue.fields.updated)} ${startedAt} ${event.issue.fields.summary}`);
}

export async function ping() {
  return reply({ ok: true });
}
