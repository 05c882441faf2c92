// Crash consistency, quick mode (docs/reliability.md "## Crash consistency"): a few trials
// of the battery in tests/battery/crash.mjs (mixed write load, kill -9 at a seeded random
// moment, store check, restart, every acknowledged write there exactly once and whole,
// every acknowledged event delivered once), on SQLite and on PostgreSQL (a private cluster:
// the node killed; the database killed too; the database alone killed while kiln serves
// on). CRASH_TRIALS (default 5 on SQLite, 2 in each PostgreSQL mode) and CRASH_SEED as for
// the battery; `make battery-crash` runs 100 (CRASH_BACKEND=postgres|postgres-db|
// postgres-db-only for PostgreSQL).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { runBattery } from '../battery/crash.mjs';

async function quick(t, backend, defaultTrials) {
  const trials = Number(process.env.CRASH_TRIALS ?? defaultTrials);
  const seed = process.env.CRASH_SEED !== undefined ? Number(process.env.CRASH_SEED) : Date.now() % 2147483647;
  const r = await runBattery({ trials, seed, backend, log: (l) => t.diagnostic(l), loadMs: [300, 1500] });
  // the problems first: a trial with problems ends the run, and they say why
  assert.deepEqual(r.problems, [], `CRASH_SEED=${seed} --backend ${backend}:\n${r.problems.slice(0, 30).join('\n')}`);
  assert.equal(r.figures.trials, trials, `every trial ran (seed ${seed})`);
  assert.ok(r.figures.acked > 0, 'writes were acknowledged before the kills');
}

it('crash consistency: kill -9 under a mixed write load loses, duplicates and half-writes nothing', (t) => quick(t, 'sqlite', 5));

it('crash consistency on PostgreSQL: the node killed -9', (t) => quick(t, 'postgres', 2));

it('crash consistency on PostgreSQL: the database killed too (immediate shutdown, crash recovery)', (t) => quick(t, 'postgres-db', 2));

it('crash consistency on PostgreSQL: the database alone killed while kiln serves on (deliveries checked too)', (t) => quick(t, 'postgres-db-only', 2));
