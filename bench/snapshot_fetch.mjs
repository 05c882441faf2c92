#!/usr/bin/env node
// Deploy snapshots in the database (docs/scale.md "Deploy snapshots"): what a snapshot of
// BENCH_MB random megabytes (incompressible, kiln.include) costs on two nodes sharing a
// private PostgreSQL cluster, against one SQLite node deploying the same app.
//   deploy:  `kiln deploy` on the node (PostgreSQL: the chunks written in its transaction)
//   first:   node B's first invocation of the version (PostgreSQL: fetched from the
//            database, hashed, unpacked, a worker started), against node A's first (the
//            deploy unpacked it there already: a worker's start only)
// Repeated BENCH_RUNS times (a new app each run); prints the medians.
//
//   node bench/snapshot_fetch.mjs        BENCH_MB=20 BENCH_RUNS=3 KILN_BIN=build/kiln
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Kiln, runCli, expectCliOk, cliOkJson, tempDir } from '../tests/e2e/lib/kiln.mjs';
import { deployApp, webtriggerPath } from '../tests/e2e/lib/events.mjs';
import { startPg } from '../tests/e2e/lib/pg.mjs';

const MB = Number(process.env.BENCH_MB ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MANIFEST = `modules:
  webtrigger:
    - key: hi
      function: hi-fn
      response:
        type: dynamic
  function:
    - key: hi-fn
      handler: index.hi
app:
  runtime:
    name: nodejs20.x
`;
const SRC = `export async function hi() { return { statusCode: 200, body: 'hi' }; }\n`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function one(k, other, site, name) {
  const files = {
    'manifest.yml': MANIFEST, 'src/index.js': SRC, 'data/blob.bin': randomBytes(MB << 20),
    'package.json': JSON.stringify({ name, private: true, kiln: { include: ['data'] } }),
  };
  let dir;
  const deploy = await timed(async () => { ({ dir } = await deployApp(k, name, files)); });
  await cliOkJson(k, ['install', '--site', site.name, '--confirm-scopes', '--json'], { cwd: dir });
  const hook = await webtriggerPath(k, dir, site, 'hi');
  const call = async (node) => {
    const r = await node.api(hook, { timeout: 120000 });
    if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
  };
  const firstHere = await timed(() => call(k));
  const firstThere = other ? await timed(() => call(other)) : NaN;
  return { deploy, firstHere, firstThere };
}

const pg = await startPg();
const out = [];
try {
  await pg.psql('CREATE DATABASE kiln');
  const url = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln?');
  const key = path.join(tempDir('snapbench-key'), 'master.key');
  expectCliOk(await runCli(['keys', 'new-master', key]));
  const args = ['--store', url, '--key-file', key];
  const A = new Kiln({ store: 'sqlite', extraArgs: args });
  const B = new Kiln({ store: 'sqlite', extraArgs: args });
  const S = new Kiln({ store: 'sqlite' });
  await A.start();
  await B.start();
  await S.start();
  try {
    const siteA = await A.siteWithToken('snapbench');
    const siteS = await S.siteWithToken('snapbench');
    const pgRuns = [], sqRuns = [];
    for (let i = 0; i < RUNS; i++) { // alternating: SQLite, then PostgreSQL
      sqRuns.push(await one(S, null, siteS, `sq${i}`));
      pgRuns.push(await one(A, B, siteA, `pg${i}`));
    }
    const m = (runs, f) => median(runs.map((r) => r[f])).toFixed(0);
    out.push(`snapshot of ${MB} MB random bytes, medians of ${RUNS} (ms):`);
    out.push(`  SQLite node:      deploy ${m(sqRuns, 'deploy')}, first invocation ${m(sqRuns, 'firstHere')}`);
    out.push(`  PostgreSQL A+B:   deploy ${m(pgRuns, 'deploy')}, first invocation on A ${m(pgRuns, 'firstHere')}, on B (fetched from the database) ${m(pgRuns, 'firstThere')}`);
    out.push(`  raw: ${JSON.stringify({ sqlite: sqRuns, postgres: pgRuns }, (k, v) => (typeof v === 'number' ? Math.round(v) : v))}`);
  } finally {
    await S.close();
    await B.close();
    await A.close();
  }
} finally {
  await pg.stop();
}
console.log(out.join('\n'));
