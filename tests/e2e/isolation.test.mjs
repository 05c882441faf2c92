// The isolation battery's quick mode (issue 21 part 1; docs/reliability.md "## Isolation"):
// tests/battery/isolation.mjs with 50,000 hostile attempts on three demo sites seeded
// with canaries — every answer, what the echo remote received, what each scheduled run
// read, and then every function log line, audit and ledger record and kiln's stderr,
// scanned for another site's canary. The long mode is
// `make battery-isolation` (1,000,000 attempts). ISO_SEED replays a run, ISO_ATTEMPTS
// changes its size.
import { it } from 'node:test';
import assert from 'node:assert/strict';

import { runIsolation, PLANE_NAMES } from '../battery/isolation.mjs';

it('isolation by property: 50,000 hostile attempts across every plane, no canary of another site anywhere', async () => {
  const r = await runIsolation({ attempts: Number(process.env.ISO_ATTEMPTS ?? 50000), seed: process.env.ISO_SEED });
  assert.deepEqual(r.leaks, [], `leaks (seed ${r.seed}; ISO_SEED=${r.seed} replays): ${JSON.stringify(r.leaks.slice(0, 3), null, 1)}`);
  // the battery is not blind: it ran what it says, and its oracle sees own data where it looks
  assert.equal(r.attempts, Number(process.env.ISO_ATTEMPTS ?? 50000));
  for (const p of PLANE_NAMES) assert.ok(r.perPlane[p] > 0, `plane ${p} tried: ${JSON.stringify(r.perPlane)}`);
  for (const p of ['product', 'ui', 'proxy', 'bridge', 'webtrigger', 'uifiles', 'remote', 'schedule']) assert.ok(r.control[p] > 0, `own canaries seen through ${p}: ${JSON.stringify(r.control)}`);
  // the remote received the attempts' calls, and every scheduled run they started reported
  assert.ok(r.remote.received > 0, `remote calls received: ${JSON.stringify(r.remote)}`);
  assert.ok(r.schedule.requested > 0 && r.schedule.reported >= r.schedule.requested, `scheduled runs: ${JSON.stringify(r.schedule)}`);
  assert.ok(r.records.ownValuesInLogs > 0, `own canaries seen in function logs: ${JSON.stringify(r.records)}`);
  assert.ok(r.records.audit > 0, `audit records scanned: ${JSON.stringify(r.records)}`);
  // nothing of it is an error of kiln's own (a bridge write inside a read snapshot logged
  // "cannot commit - no transaction is active" ~15 times per 50,000 before it was fixed)
  assert.deepEqual(r.errors, [], `kiln logged errors (${r.records.stderrErrors}): ${r.errors.join('\n')}`);
  const lost = r.statuses[0] ?? 0;
  assert.ok(lost < r.attempts / 100, `answers lost (connection closed, no status): ${lost} of ${r.attempts}; ${JSON.stringify(r.statuses)}`);
});
