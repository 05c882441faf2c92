// Mention and view events (docs/events.md, "Product events"): writes and reads through the
// REST API reach a trigger subscribed to avi:jira:mentioned:issue, avi:jira:mentioned:comment
// and avi:jira:viewed:issue, through the real @forge/api and @forge/kvs, with Forge's
// payloads (developer.atlassian.com/platform/forge/events-reference/jira/: mentioned
// events {issue, atlassianId, mentionedAccountIds} and the comment; viewed {issue,
// atlassianId, user}). The same app is installed on two sites: site B never sees A's.
//
//  - a description with mentions (at create, and an edit of it) is one mentioned:issue with
//    every account mentioned, once each, the writer left out (a self-mention is none);
//  - a comment with mentions, made and edited: mentioned:comment each time, with the comment;
//  - a GET of an issue by a person (API token) is viewed:issue; by the app (asApp) it is not;
//  - writes without mentions, and edits that leave the description alone, record none;
//  - whether a site's apps want views is cached per thread (product/viewwant.h): an app
//    installed after GETs that cached "nobody" gets the very next GET's view, and every
//    later one (the install invalidates every thread's entry).
//
// Run: make -j2 build/tests/nullfmt.so build/tests/sandbox_probe && KILN_BIN=build/kiln
//   KILN_SANDBOX_PROBE=build/tests/sandbox_probe KILN_TEST_PRELOAD=build/tests/nullfmt.so
//   node --test --test-concurrency=1 tests/e2e/events_mentions.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startKiln, sleep, cliOkJson as okJson, expectStatus } from './lib/kiln.mjs';
import { until, deliveries, deployApp, callWebtrigger, webtriggerPath, stateSrc, requireForge } from './lib/events.mjs';

const MANIFEST = `modules:
  trigger:
    - key: heard
      function: record
      events:
        - avi:jira:mentioned:issue
        - avi:jira:mentioned:comment
        - avi:jira:viewed:issue
  webtrigger:
    - key: state
      function: state-fn
      response:
        type: dynamic
    - key: app-read
      function: app-read-fn
      response:
        type: dynamic
  function:
    - key: record
      handler: index.record
    - key: state-fn
      handler: index.state
    - key: app-read-fn
      handler: index.appRead
app:
  runtime:
    name: nodejs20.x
permissions:
  scopes:
    - read:jira-work
    - storage:app
`;

const SRC = `import api, { route } from '@forge/api';
import { kvs, WhereConditions } from '@forge/kvs';
export async function record(event, context) {
  const at = process.hrtime.bigint().toString().padStart(24, '0');
  await kvs.set('ev-' + at + '-' + Math.random().toString(36).slice(2, 8), { event, installContext: context.installContext });
}
export async function appRead(req) {
  const r = await api.asApp().requestJira(route\`/rest/api/3/issue/\${req.queryParameters.key[0]}\`);
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify({ status: r.status }) };
}
${stateSrc('ev-')}`;

const mention = (id) => ({ type: 'mention', attrs: { id, text: '@someone' } });
const doc = (...inline) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'see ' }, ...inline] }] });

describe('mention and view events', () => {
  let k, A, B, dir, projA, projB, others;
  const tag = randomBytes(3).toString('hex');
  const heard = (site) => callWebtrigger(k, dir, site);
  const of = (recs, type, issueId) => recs.filter((r) => r.event.eventType === type && r.event.issue?.id === issueId);
  const jira = (site, p, opts = {}) => k.jira(site.cloudId, p, { token: site.token, ...opts });

  before(async () => {
    requireForge('api', 'kvs');
    k = await startKiln();
    A = await k.siteWithToken(`men-a-${tag}`, true);
    B = await k.siteWithToken(`men-b-${tag}`, true);
    ({ dir } = await deployApp(k, 'men-app', { 'manifest.yml': MANIFEST, 'src/index.js': SRC }));
    for (const s of [A, B]) await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
    const first = async (s) => {
      const r = await jira(s, '/project/search?maxResults=1');
      expectStatus(r, 200, 'projects');
      return r.json.values[0];
    };
    projA = await first(A);
    projB = await first(B);
    const users = await jira(A, '/users/search?maxResults=50');
    expectStatus(users, 200, 'users');
    others = users.json.filter((u) => u.accountType === 'atlassian' && u.accountId !== A.accountId).map((u) => u.accountId);
    assert.ok(others.length >= 2, 'the demo site has two more people');
  });

  after(async () => {
    await k?.close();
  });

  const create = async (site, proj, summary, description) => {
    const r = await jira(site, '/issue', { method: 'POST',
      body: { fields: { project: { key: proj.key }, summary, issuetype: { name: 'Task' }, ...(description ? { description } : {}) } } });
    expectStatus(r, 201, 'create');
    return r.json;
  };

  it('a description that mentions: one mentioned:issue with every account, once, the writer left out', async () => {
    const [x, y] = others;
    const made = await create(A, projA, `m1 ${tag}`, doc(mention(x), mention(y), mention(x), mention(A.accountId)));
    const plain = await create(A, projA, `m2 ${tag}`, doc());
    const selfOnly = await create(A, projA, `m3 ${tag}`, doc(mention(A.accountId)));
    const recs = await until('the mention of the new issue', () => heard(A), { pred: (r) => of(r, 'avi:jira:mentioned:issue', made.id).length >= 1 });
    const [e] = of(recs, 'avi:jira:mentioned:issue', made.id);
    assert.deepEqual(e.event.mentionedAccountIds, [x, y]);
    assert.equal(e.event.atlassianId, A.accountId);
    assert.equal(e.event.associatedUsers, undefined, 'the reference has no associatedUsers on mentions');
    assert.equal(e.event.issue.key, made.key);
    assert.equal(e.event.issue.fields.summary, `m1 ${tag}`);
    assert.equal(e.installContext, `ari:cloud:jira::site/${A.cloudId}`);

    // an edit of the description: again, with what it mentions now
    expectStatus(await jira(A, `/issue/${made.key}`, { method: 'PUT', body: { fields: { description: doc(mention(y)) } } }), 204, 'edit');
    // an edit of something else: none
    expectStatus(await jira(A, `/issue/${made.key}`, { method: 'PUT', body: { fields: { summary: `m1 again ${tag}` } } }), 204, 'edit summary');
    const after2 = await until('the edit\'s mention', () => heard(A), { pred: (r) => of(r, 'avi:jira:mentioned:issue', made.id).length >= 2 });
    const both = of(after2, 'avi:jira:mentioned:issue', made.id);
    assert.deepEqual(both[1].event.mentionedAccountIds, [y]);
    // the engine had every chance to deliver what should not be: only those two, none for the others
    const ds = await until('settled', () => deliveries(k, { site: A.name }), { pred: (x2) => x2.every((d) => d.state === 'delivered') });
    assert.equal(ds.filter((d) => d.eventType === 'avi:jira:mentioned:issue').length, 2, JSON.stringify(ds));
    const last = await heard(A);
    assert.equal(of(last, 'avi:jira:mentioned:issue', plain.id).length, 0, 'no mention, no event');
    assert.equal(of(last, 'avi:jira:mentioned:issue', selfOnly.id).length, 0, 'a self-mention is none');
  });

  it('a comment that mentions, made and edited: mentioned:comment with the comment', async () => {
    const [x] = others;
    const is = await create(A, projA, `c1 ${tag}`);
    const c = await jira(A, `/issue/${is.key}/comment`, { method: 'POST', body: { body: doc(mention(x)) } });
    expectStatus(c, 201, 'comment');
    const quiet = await jira(A, `/issue/${is.key}/comment`, { method: 'POST', body: { body: doc() } });
    expectStatus(quiet, 201, 'a comment mentioning nobody');
    const recs = await until('the comment\'s mention', () => heard(A), { pred: (r) => of(r, 'avi:jira:mentioned:comment', is.id).length >= 1 });
    const [e] = of(recs, 'avi:jira:mentioned:comment', is.id);
    assert.deepEqual(e.event.mentionedAccountIds, [x]);
    assert.equal(e.event.comment.id, c.json.id);
    assert.equal(typeof e.event.comment.body, 'string', 'the comment as the comment events carry it');
    assert.deepEqual(e.event.comment.author, { accountId: A.accountId });
    assert.equal(e.event.atlassianId, A.accountId);
    assert.equal(e.event.issue.key, is.key);
    expectStatus(await jira(A, `/issue/${is.key}/comment/${c.json.id}`, { method: 'PUT', body: { body: doc(mention(x), mention(others[1])) } }), 200, 'edit');
    const again = await until('the edit\'s mention', () => heard(A), { pred: (r) => of(r, 'avi:jira:mentioned:comment', is.id).length >= 2 });
    assert.deepEqual(of(again, 'avi:jira:mentioned:comment', is.id)[1].event.mentionedAccountIds, [x, others[1]]);
    assert.ok(!of(again, 'avi:jira:mentioned:comment', is.id).some((r) => r.event.comment.id === quiet.json.id));
  });

  it('a person reading an issue is viewed:issue; the app reading it is not', async () => {
    const is = await create(A, projA, `v1 ${tag}`);
    // the app reads it first (asApp): no view
    const r = await k.api(await webtriggerPath(k, dir, A, 'app-read') + `?key=${is.key}`);
    expectStatus(r, 200, 'app read');
    assert.equal(r.json.status, 200);
    expectStatus(await jira(A, `/issue/${is.key}`), 200, 'a person reads it');
    const recs = await until('the view', () => heard(A), { pred: (x) => of(x, 'avi:jira:viewed:issue', is.id).length >= 1 });
    const [e] = of(recs, 'avi:jira:viewed:issue', is.id);
    assert.deepEqual(e.event.user, { accountId: A.accountId });
    assert.equal(e.event.atlassianId, A.accountId);
    assert.equal(e.event.issue.key, is.key);
    assert.equal(e.event.issue.fields.summary, `v1 ${tag}`);
    await sleep(500); // had the app's read been a view, its delivery was written with the person's
    const rows = (await deliveries(k, { site: A.name })).filter((d) => d.eventType === 'avi:jira:viewed:issue');
    assert.equal(rows.length, 1, 'one view: the person\'s, not the app\'s');
    // the view is written from inside the GET's read snapshot: it ends and reopens it cleanly
    assert.deepEqual(k.allStderrLines().filter((l) => l.includes('store: statement failed')), []);
  });

  it('site B never sees site A\'s mentions or views; its own reach its own installation', async () => {
    const onB = await create(B, projB, `b1 ${tag}`, doc(mention(others[0])));
    expectStatus(await jira(B, `/issue/${onB.key}`), 200, 'B reads');
    const recsB = await until('B\'s events', () => heard(B), { pred: (r) => of(r, 'avi:jira:mentioned:issue', onB.id).length === 1 && of(r, 'avi:jira:viewed:issue', onB.id).length === 1 });
    assert.ok(recsB.every((r) => r.installContext === `ari:cloud:jira::site/${B.cloudId}`));
    // issue ids and keys repeat between sites: the summaries tell them apart
    const summaries = (recs) => recs.map((r) => r.event.issue?.fields?.summary ?? '');
    assert.deepEqual(summaries(recsB).filter((x) => !x.startsWith('b1 ')), [], 'none of A\'s');
    assert.ok(!summaries(await heard(A)).includes(`b1 ${tag}`), 'A never gets B\'s');
    assert.ok((await deliveries(k, { site: B.name })).every((d) => d.site === B.name));
  });

  it('an app installed after views nobody wanted gets the next GET\'s view (the cached answer is invalidated)', async () => {
    const C = await k.siteWithToken(`men-c-${tag}`, true);
    const projC = await (async () => { const r = await jira(C, '/project/search?maxResults=1'); expectStatus(r, 200, 'projects'); return r.json.values[0]; })();
    const is = await create(C, projC, `c-v ${tag}`);
    // no app on C: these GETs are reads, and every HTTP thread caches "nobody wants views"
    for (let i = 0; i < 6; i++) expectStatus(await jira(C, `/issue/${is.key}`), 200, 'read before the install');
    await okJson(k, ['install', '--site', C.name, '--confirm-scopes', '--json'], { cwd: dir });
    const N = 4;
    for (let i = 0; i < N; i++) expectStatus(await jira(C, `/issue/${is.key}`), 200, 'read after the install');
    const recs = await until('the views after the install', () => heard(C), { pred: (x) => of(x, 'avi:jira:viewed:issue', is.id).length >= N });
    assert.equal(of(recs, 'avi:jira:viewed:issue', is.id).length, N, 'each GET after the install is one view, none before it');
    const rows = await until('settled', () => deliveries(k, { site: C.name }), { pred: (x) => x.every((d) => d.state === 'delivered') });
    assert.equal(rows.filter((d) => d.eventType === 'avi:jira:viewed:issue').length, N, JSON.stringify(rows));
  });
});
