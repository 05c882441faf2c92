// Soak and faults, the quick mode (issue 21 part 4; docs/reliability.md): 30 s of mixed
// load at half of the measured capacity with, every 7 s in turn, a worker killed, a
// function that never returns and a function calling a remote that never answers
// (tests/battery/soak.mjs says what runs and how it is judged). Every request is answered
// as expected (or, on a killed worker, failed at once), every hang answered 504 by its 3 s
// deadline, SQLite's WAL stays bounded (a killed worker leaves no snapshot pinning it),
// kiln's threads end where they were after the warm-up and its descriptors, the load's
// connections closed, where they were before it. Resident memory is reported, not
// judged, here: 30 s is too short for a drift figure (the long mode, make battery-soak,
// judges it within 5%).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak, WAL_MAX_BYTES } from '../battery/soak.mjs';
import { STORE } from './lib/kiln.mjs';

describe('soak (quick): mixed load with worker kills and hanging functions', () => {
  it('answers everything as expected and ends with the threads and descriptors it had', async () => {
    const r = await runSoak({ seconds: 30, capacitySeconds: 4, faultEvery: 7, log: (m) => console.log(`# ${m}`) });
    const { samples, ...rest } = r;
    console.log(`# ${JSON.stringify(rest)}`);
    assert.ok(r.answered > 30 * 10, `a real load was offered and answered: ${r.answered}`);
    assert.equal(r.answered, r.offered, 'every request answered');
    assert.deepEqual(r.unexpected, [], `no unexpected answers (${r.unexpectedCount})`);
    assert.ok(r.kills >= 1 && r.hangs >= 2, `faults happened: ${r.kills} kills, ${r.hangs} hangs (a function, a remote)`);
    assert.equal(r.hangMs.length, r.hangs, 'every hanging function answered 504');
    for (const ms of r.hangMs) assert.ok(ms < 3000 + 2000, `a hang answered by its 3 s deadline (${ms} ms)`);
    // a worker killed must leave no read snapshot open: it would pin SQLite's WAL (on
    // PostgreSQL there is no kiln.db-wal to sample: the cluster's WAL is its own)
    if (STORE !== 'postgres') assert.ok(r.walMaxBytes > 0 && r.walMaxBytes <= WAL_MAX_BYTES, `the WAL stays bounded: at most ${r.walMaxBytes} bytes`);
    assert.equal(r.drift.threads.last, r.drift.threads.first, 'threads flat');
    assert.equal(r.fdsLeaked, false, `descriptors back after the load: ${JSON.stringify({ before: r.before, after: r.after })}`);
  });
});
