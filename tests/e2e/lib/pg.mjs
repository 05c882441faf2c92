// Private PostgreSQL clusters for end-to-end tests (issue 20, docs/scale.md "Test clusters").
//
// startPg() runs tools/pg-cluster start: initdb + pg_ctl in a fresh temp directory, the
// server listening only on a Unix socket in that directory (so clusters never clash on a
// port and any number run side by side), as an unprivileged user (Debian's `postgres` when
// the tests run as root). It returns
//
//   { dir, host, port, user, url, pid, psql(sql, { user, db }), pause(), resume(), crash(), stop() }
//
// url is a libpq URI for the cluster's superuser; psql runs SQL with Debian's psql and
// returns its unaligned, tuples-only output (rejects with psql's message on an error).
// pause() stops the server (fast: its sessions are ended) and keeps its data, resume()
// starts it again on the same socket (a database that goes away and comes back); crash()
// kills it instead (immediate shutdown: no checkpoint, crash recovery at the next resume()).
// stop() stops the server and removes dir. Clusters a test forgot are stopped when the test
// process exits, even on an interrupt.

import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './kiln.mjs';

const run = promisify(execFile);
export const PG_CLUSTER = path.join(ROOT, 'tools', 'pg-cluster');
const live = new Set();

function stopSync(dir) {
  spawnSync(PG_CLUSTER, ['stop', dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true }); // the tool stopped short of initdb: our empty dir
}
process.on('exit', () => {
  for (const d of live) stopSync(d);
});
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(sig, () => {
    for (const d of live) stopSync(d);
    process.exit(code);
  });
}

/** Parses `tools/pg-cluster start`'s `export NAME=value` lines (the URL's value is single-quoted). */
export function parseClusterEnv(text) {
  const env = {};
  for (const line of text.split('\n')) {
    const m = /^(?:export )?([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  }
  return env;
}

export async function startPg() {
  // the directory is known (and stopped at exit) before the tool runs, so a start that fails
  // half way leaves nothing behind either
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-pg-'));
  live.add(dir);
  let env;
  try {
    const { stdout } = await run(PG_CLUSTER, ['start', dir], { timeout: 120_000 });
    env = parseClusterEnv(stdout);
    if (env.PGHOST !== dir || !env.PGUSER) throw new Error(`pg-cluster start printed no cluster: ${stdout}`);
  } catch (e) {
    stopSync(dir);
    live.delete(dir);
    throw e;
  }
  const pid = Number(readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    dir,
    host: dir,
    port: Number(env.PGPORT),
    user: env.PGUSER,
    url: env.KILN_PG_URL,
    pid,
    async psql(sql, { user = env.PGUSER, db = 'postgres' } = {}) {
      try {
        const { stdout: out } = await run('psql', ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1',
          '-h', dir, '-p', env.PGPORT, '-U', user, '-d', db, '-c', sql], { timeout: 60_000 });
        return out.trim();
      } catch (e) {
        throw new Error(`psql: ${(e.stderr || e.message).trim()}`);
      }
    },
    async pause() {
      await run(PG_CLUSTER, ['pause', dir], { timeout: 120_000 });
    },
    async crash() {
      await run(PG_CLUSTER, ['crash', dir], { timeout: 120_000 });
    },
    async resume() {
      await run(PG_CLUSTER, ['resume', dir], { timeout: 120_000 });
    },
    async stop() {
      await run(PG_CLUSTER, ['stop', dir], { timeout: 120_000 });
      live.delete(dir);
    },
  };
}
