import { kvs } from '@forge/kvs';
// report() and holdOn(): tests/e2e/lib/tap.mjs's tap prelude, written here by bench/tap.mjs
import { report, holdOn } from './tap.js';

// Checks that @forge/kvs works with this invocation, reports {url, token} of its
// invocation and the probe to the bench's tap (?tap= origin, ?key=), then stays alive
// until the tap releases it (or ?ms= passes).
export async function hold(request) {
  const tap = request.queryParameters.tap[0], key = request.queryParameters.key[0];
  const ms = Number(request.queryParameters.ms?.[0] ?? 50000);
  await kvs.set('bench:probe', { ok: true });
  const probe = await kvs.get('bench:probe');
  await report(tap, key, { ...global.__forge_runtime__.proxy, probe });
  await Promise.race([holdOn(tap, key), new Promise((r) => setTimeout(r, ms))]);
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: '{"held":true}' };
}
