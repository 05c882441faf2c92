// Crash consistency, quick mode (docs/reliability.md "## Crash consistency"): a few trials
// of the battery in tests/battery/crash.mjs (mixed write load, kill -9 at a seeded random
// moment, store check, restart, every acknowledged write there exactly once and whole,
// every acknowledged event delivered once). CRASH_TRIALS (default 5) and CRASH_SEED as for
// the battery; `make battery-crash` runs 100 trials.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { runBattery } from '../battery/crash.mjs';

it('crash consistency: kill -9 under a mixed write load loses, duplicates and half-writes nothing', async (t) => {
  const trials = Number(process.env.CRASH_TRIALS ?? 5);
  const seed = process.env.CRASH_SEED !== undefined ? Number(process.env.CRASH_SEED) : Date.now() % 2147483647;
  const r = await runBattery({ trials, seed, log: (l) => t.diagnostic(l), loadMs: [300, 1500] });
  // the problems first: a trial with problems ends the run, and they say why
  assert.deepEqual(r.problems, [], `CRASH_SEED=${seed}:\n${r.problems.slice(0, 30).join('\n')}`);
  assert.equal(r.figures.trials, trials, `every trial ran (seed ${seed})`);
  assert.ok(r.figures.acked > 0, 'writes were acknowledged before the kills');
});
