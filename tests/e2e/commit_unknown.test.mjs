// A COMMIT whose outcome is unknown (store.h STORE_INDOUBT_MSG, http/reply.c;
// docs/reliability.md "A commit whose outcome is unknown"): kiln on PostgreSQL loses its
// session while a write's COMMIT is on its way. The cut is made by the database itself: a
// deferred constraint trigger on the issues table ends its own session (pg_terminate_backend)
// inside the COMMIT of an issue whose summary asks for it. That write's answer is 503 with
// Retry-After, `x-kiln-write-outcome: unknown` and a message saying it may have been
// applied, never the plain "retry later" of a write that surely did not happen; a session
// cut before the COMMIT (a plain trigger, at the insert) is that plain 503; the next write
// succeeds on a new session. App storage writes (the KVS writer's group commit, a thread of
// its own) answer the same: a set whose COMMIT was cut gets that 503 in the function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kiln, expectStatus, describeRes } from './lib/kiln.mjs';
import { startPg } from './lib/pg.mjs';
import { deployApp, webtriggerPath, requireForge } from './lib/events.mjs';
import { cliOkJson } from './lib/kiln.mjs';

const MANIFEST = `modules:
  webtrigger:
    - { key: set, function: set-fn, response: { type: dynamic } }
  function:
    - { key: set-fn, handler: index.set }
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - storage:app
`;
// ?key=K: kvs.set(K, 1); what the set's error said, if it failed
const SRC = `import { kvs } from '@forge/kvs';
export async function set(request) {
  const key = request.queryParameters?.key?.[0];
  let out;
  try {
    await kvs.set(key, 1);
    out = { ok: true };
  } catch (e) {
    out = { ok: false, status: e.responseDetails?.status, message: String(e.message), code: e.code };
  }
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(out) };
}
`;

const AWAY = 'The store is unavailable now; retry later.';

test('a write whose COMMIT lost its session answers 503 saying its outcome is unknown', async () => {
  requireForge('kvs');
  const pg = await startPg();
  let k;
  try {
    await pg.psql('CREATE DATABASE kiln_doubt');
    k = new Kiln({ threads: 2, store: 'postgres' });
    k.storeUrl = pg.url.replace('postgresql:///postgres?', 'postgresql:///kiln_doubt?');
    await k.start();
    const A = await k.siteWithToken('doubt-a');
    let r = await k.jira(A.cloudId, '/project', { method: 'POST', token: A.token,
      body: { key: 'DBT', name: 'Doubt', projectTypeKey: 'software', leadAccountId: A.accountId } });
    expectStatus(r, 201, 'project');
    // owned by the cluster's superuser, which may end any session
    await pg.psql(`CREATE FUNCTION kiln.test_cut() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
      BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;
      CREATE CONSTRAINT TRIGGER test_cut_at_commit AFTER INSERT ON kiln.issues DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.summary = 'cut at commit') EXECUTE FUNCTION kiln.test_cut();
      CREATE TRIGGER test_cut_now AFTER INSERT ON kiln.issues
        FOR EACH ROW WHEN (NEW.summary = 'cut at insert') EXECUTE FUNCTION kiln.test_cut();`, { db: 'kiln_doubt' });
    const create = (summary) => k.jira(A.cloudId, '/issue', { method: 'POST', token: A.token,
      body: { fields: { project: { key: 'DBT' }, summary, issuetype: { name: 'Task' } } } });

    r = await create('cut at commit');
    expectStatus(r, 503, 'the write whose COMMIT was cut');
    assert.equal(r.headers['x-kiln-write-outcome'], 'unknown', describeRes(r));
    assert.equal(r.headers['retry-after'], '2', describeRes(r));
    assert.match(r.json.errorMessages[0], /may or may not have been applied/, describeRes(r));

    r = await create('cut at insert');
    expectStatus(r, 503, 'the write whose session was cut before its COMMIT');
    assert.equal(r.headers['x-kiln-write-outcome'], undefined, describeRes(r));
    assert.equal(r.json.errorMessages[0], AWAY, describeRes(r));

    // kiln reconnects (within its backoff): the next write lands
    for (let i = 0; ; i++) {
      r = await create('fine');
      if (r.status !== 503 || i >= 60) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expectStatus(r, 201, 'a write after the cuts');
    // here the server had not committed the cut one (its session ended inside the COMMIT,
    // before the commit record): what kiln could not know, the store tells
    const n = await pg.psql("SELECT count(*) FROM kiln.issues WHERE summary = 'cut at commit'", { db: 'kiln_doubt' });
    assert.equal(n, '0');

    // app storage: the KVS writer's group commit cut the same way
    const { dir } = await deployApp(k, 'doubtapp', { 'manifest.yml': MANIFEST, 'src/index.js': SRC });
    await cliOkJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir });
    const hook = await webtriggerPath(k, dir, A, 'set');
    await pg.psql(`CREATE CONSTRAINT TRIGGER test_cut_kvs AFTER INSERT ON kiln.kvs DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.key = 'cut-at-commit') EXECUTE FUNCTION kiln.test_cut();`, { db: 'kiln_doubt' });
    r = await k.api(`${hook}?key=cut-at-commit`);
    expectStatus(r, 200, 'the set web trigger');
    assert.equal(r.json.ok, false, describeRes(r));
    assert.equal(r.json.status, 503, describeRes(r));
    assert.match(r.json.message, /may or may not have been applied/, describeRes(r));
    for (let i = 0; ; i++) {
      r = await k.api(`${hook}?key=fine`);
      if (r.json?.ok || i >= 60) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(r.json.ok, true, describeRes(r));
  } finally {
    if (k) await k.close();
    await pg.stop();
  }
});
