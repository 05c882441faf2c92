import fs from 'node:fs';
import { kvs } from '@forge/kvs';

// Writes {url, token} of this invocation to ?file=, checks that @forge/kvs works with
// it, then waits until ?file=.done exists (or ?ms= passes).
export async function hold(request) {
  const file = request.queryParameters.file[0];
  await kvs.set('bench:probe', { ok: true });
  const probe = await kvs.get('bench:probe');
  fs.writeFileSync(file + '.tmp', JSON.stringify({ ...global.__forge_runtime__.proxy, probe }));
  fs.renameSync(file + '.tmp', file);
  const end = Date.now() + Number(request.queryParameters.ms?.[0] ?? 50000);
  while (Date.now() < end && !fs.existsSync(file + '.done')) await new Promise((r) => setTimeout(r, 50));
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: '{"held":true}' };
}
