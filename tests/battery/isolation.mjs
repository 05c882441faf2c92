// Isolation, by property (issue 21 part 1; docs/reliability.md "## Isolation").
//
// Several demo sites are seeded with canaries (random strings planted in every kind of
// tenant data the battery can reach), one test app is installed on each, and a credential
// of every kind is obtained per site. Then a seeded generator sends hostile requests on
// every plane, each with site A's credential and site B's identifiers, and the oracle
// scans every answer (status line, headers, body) — and afterwards every function log
// line, audit and ledger record and kiln's stderr — for a canary of a site other than the
// credential's. Any hit is a leak, printed with its seed, attempt number and request.
// Three planes have oracles of their own besides: a remote call (invokeRemote,
// fetchRemote) must reach the echo remote with A's FIT and no other site's; a scheduled
// run must run for the site its event names, with that site's context, installation and
// FIT, and read nothing of another site; the UI origin's files of each site's own app
// hold that site's canaries (a file of B's in A's answer is a leak).
//
//   node tests/battery/isolation.mjs               # long mode: ISO_ATTEMPTS (default 1,000,000)
//   ISO_SEED=1234 ISO_ATTEMPTS=50000 node tests/battery/isolation.mjs   # replay a run
//   ISO_ONLY=4711 ISO_SEED=1234 node ...           # replay one attempt (printed with a leak)
//
// The quick mode (50,000 attempts) is tests/e2e/isolation.test.mjs, which calls
// runIsolation() below. Both need build/kiln (KILN_BIN) and `make deps`.
//
// Canaries come in three classes. "value" canaries are data (summaries, comments, field
// values, property and KVS values, secrets, entity rows, names, log lines, queue payloads):
// no request ever carries one. "hidden" ones are identifiers no request carries either
// (tokens, session and CSRF tokens, some webtrigger ids, a KVS key and a property key the
// generator never names). "named" ones are the identifiers the generator hands attackers
// (property keys, KVS keys, the probe's webtrigger id). A value or hidden canary of another
// site in an answer, log line, audit or ledger record is a leak; named ones are not judged
// (the attacker knew them, and audit records echo request paths).
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { symlinkSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { startKiln, tempDir, writeFiles, cliOkJson, expectStatus, ROOT } from '../e2e/lib/kiln.mjs';
import { uiSession } from '../e2e/lib/ui.mjs';
import { pipePool } from './pipeclient.mjs';

// ---------------------------------------------------------------- seeded randomness

/** mulberry32: a small seeded PRNG, [0, 1). */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const mix = (seed, i) => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35)) >>> 0;
const hex = (rnd, n) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rnd() * 16)]).join('');

// ---------------------------------------------------------------- the test app

const MANIFEST = (tap) => `app:
  runtime:
    name: nodejs20.x
  storage:
    entities:
      - name: isorow
        attributes:
          name:
            type: string
          dept:
            type: string
        indexes:
          - name: by-dept
            partition:
              - dept
            range:
              - name
resources:
  - key: panel
    path: static/panel
modules:
  jira:issuePanel:
    - key: iso-panel
      resource: panel
      resolver:
        function: resolver-fn
      title: Isolation probe
      icon: https://example.com/icon.svg
  webtrigger:
    - key: plant
      function: plant-fn
      response:
        type: dynamic
    - key: probe
      function: probe-fn
      response:
        type: dynamic
    - key: hold
      function: hold-fn
      response:
        type: dynamic
  trigger:
    - key: on-product
      function: event-fn
      events:
        - avi:jira:commented:issue
        - avi:jira:created:issue
    - key: lifecycle-to-remote
      endpoint: remote-events
      events:
        - avi:forge:installed:app
  scheduledTrigger:
    - key: sched
      function: sched-fn
      interval: hour
    - key: sched-remote
      endpoint: remote-sched
      interval: hour
  consumer:
    - key: isoq
      queue: isoq
      function: queue-fn
  endpoint:
    - key: remote-events
      remote: backend
      route:
        path: /events
      auth:
        appSystemToken:
          enabled: true
    - key: remote-sched
      remote: backend
      route:
        path: /sched
      auth:
        appSystemToken:
          enabled: true
  function:
    - key: plant-fn
      handler: index.plant
    - key: probe-fn
      handler: index.probe
    - key: hold-fn
      handler: index.hold
      timeoutSeconds: 120
    - key: event-fn
      handler: index.onEvent
    - key: queue-fn
      handler: index.onQueue
    - key: resolver-fn
      handler: index.resolver
    - key: sched-fn
      handler: index.sched
remotes:
  - key: backend
    baseUrl: ${tap}/base
    operations:
      - compute
      - storage
    auth:
      appSystemToken:
        enabled: true
permissions:
  scopes:
    - read:jira-work
    - write:jira-work
    - read:jira-user
    - storage:app
    - read:app-system-token
  external:
    fetch:
      backend:
        - ${tap}
        - remote: backend
`;

// The app's code: kiln's own fixture, written for this battery. plant stores the canaries
// it is given; probe does what the attacker asks with the identifiers it is given (an app
// holding another site's key, issue key or account id); hold hands its invocation token
// to the test and keeps the invocation (and so the token) alive until released.
const SOURCE = `import api, { route, asApp } from '@forge/api';
import { kvs } from '@forge/kvs';
import { Queue } from '@forge/events';
import ResolverModule from '@forge/resolver';

const json = (v, status = 200) => ({ statusCode: status, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify(v) });
const q = (request, name) => request.queryParameters?.[name]?.[0];
const body = (request) => { try { return JSON.parse(request.body || '{}'); } catch { return {}; } };
const tryIt = async (fn) => { try { return { ok: await fn() }; } catch (e) { return { error: String(e?.message ?? e).slice(0, 300) }; } };

export async function plant(request) {
  const b = body(request);
  await kvs.set(b.kvsKey, { v: b.kvsValue });
  await kvs.set(b.hiddenKey, b.hiddenValue);
  await kvs.setSecret(b.secretKey, b.secretValue);
  await kvs.entity('isorow').set(b.entityKey, { name: b.entityValue, dept: 'iso' });
  console.log('planted', b.logValue);
  const r = await asApp().requestJira(route\`/rest/api/3/issue/\${b.issueKey}\`);
  return json({ ok: true, issue: r.status });
}

export async function probe(request) {
  const b = body(request);
  const out = {};
  switch (b.op) {
  case 'kvs': out.r = await tryIt(() => kvs.get(b.key)); break;
  case 'secret': out.r = await tryIt(() => kvs.getSecret(b.key)); break;
  case 'entity': out.r = await tryIt(() => kvs.entity('isorow').get(b.key)); break;
  case 'query': out.r = await tryIt(() => kvs.entity('isorow').query().index('by-dept', { partition: [b.key] }).getMany()); break;
  case 'jira': out.r = await tryIt(async () => { const r = await asApp().requestJira(route\`/rest/api/3/issue/\${b.key}\`); return { s: r.status, t: await r.text() }; }); break;
  case 'user': out.r = await tryIt(async () => { const r = await asApp().requestJira(route\`/rest/api/3/user?accountId=\${b.key}\`); return { s: r.status, t: await r.text() }; }); break;
  case 'push': out.r = await tryIt(() => new Queue({ key: 'isoq' }).push([{ body: { key: b.key, kind: b.kind } }])); break;
  // what the scheduled trigger (sched) looks up on its next run: its own site's KVS only
  case 'steer': out.r = await tryIt(() => kvs.set('iso-steer', { tap: b.tap, kvs: b.kvs, issues: b.issues })); break;
  default: out.r = { error: 'no such op' };
  }
  console.log('probe', b.op, JSON.stringify(out).slice(0, 2000));
  return json(out);
}

export async function hold(request) {
  const { token } = global.__forge_runtime__.proxy;
  const tap = q(request, 'tap');
  const key = q(request, 'key');
  await fetch(tap + '/report/' + key, { method: 'POST', body: JSON.stringify({ token }) });
  await fetch(tap + '/hold/' + key);
  return json({ held: true });
}

// a product event: the app reads what it names, as real apps do, and logs it
export async function onEvent(event) {
  const id = event?.issue?.id;
  const r = id ? await tryIt(async () => { const x = await asApp().requestJira(route\`/rest/api/3/issue/\${id}/comment\`); return x.status + ' ' + (await x.text()); }) : null;
  console.log('event', event?.eventType, JSON.stringify(r).slice(0, 4000));
}

// a scheduled run (kiln trigger run, the admin API, or its slot): it looks up what the
// last steer named, reports to the tap with the site its event and its context name, and
// logs it all
export async function sched(event, context) {
  const steer = (await tryIt(() => kvs.get('iso-steer'))).ok ?? {};
  const out = [];
  for (const key of (steer.kvs ?? []).slice(0, 4)) out.push(await tryIt(() => kvs.get(key)));
  for (const key of (steer.issues ?? []).slice(0, 4)) out.push(await tryIt(async () => { const x = await asApp().requestJira(route\`/rest/api/3/issue/\${key}\`); return x.status + ' ' + (await x.text()); }));
  const report = { cloudId: event?.context?.cloudId, moduleKey: event?.context?.moduleKey, installContext: context?.installContext, installationId: context?.installationId, appInstallationId: global.__forge_runtime__?.appContext?.installationId, out };
  const text = JSON.stringify(report);
  console.log('sched', text.slice(0, 4000));
  if (steer.tap) await tryIt(() => fetch(steer.tap + '/sched', { method: 'POST', body: text }));
  return { statusCode: 200 };
}

// the Custom UI panel's resolver: what a frame asks for, with the identifiers it names
const Resolver = ResolverModule.default ?? ResolverModule; // a CommonJS module seen from an ES one
const r = new Resolver();
r.define('kvs', ({ payload }) => tryIt(() => kvs.get(payload?.key)));
r.define('jira', ({ payload }) => tryIt(async () => { const x = await asApp().requestJira(route\`/rest/api/3/issue/\${payload?.key}\`); return x.status + ' ' + (await x.text()); }));
r.define('context', ({ context }) => context);
export const resolver = r.getDefinitions();

// a queue event: the payload names an identifier; the consumer looks it up
export async function onQueue(event) {
  const { key, kind } = event.body ?? {};
  const r = kind === 'jira'
    ? await tryIt(async () => { const x = await asApp().requestJira(route\`/rest/api/3/issue/\${key}\`); return x.status + ' ' + (await x.text()); })
    : await tryIt(() => kvs.get(key));
  console.log('queue', kind, JSON.stringify(r).slice(0, 2000));
}
`;

// ---------------------------------------------------------------- the test's loopback server

/** The claims of a Forge invocation token (header.payload.signature), or null. */
function fitClaims(req) {
  try {
    const fit = (req.headers.authorization ?? '').replace(/^Bearer /, '').split('.')[1];
    return JSON.parse(Buffer.from(fit, 'base64url').toString());
  } catch { return null; }
}

/** A tap (functions report to it and hold on it) and the app's remote: it receives the
 * installed events with each installation's system token, the scheduled endpoint's runs
 * (sched), and answers /echo/N with what it received and the data it keeps for the site
 * the FIT names (remoteData: cloudId -> a value canary), as a multi-tenant backend does. */
async function startTap() {
  const reports = new Map();
  const waiting = new Map();
  const held = new Map();
  const systemTokens = new Map(); // cloudId -> token
  const remoteData = new Map(); // cloudId -> the site's canary kept at the remote
  const sched = []; // scheduled runs: {via: 'function'|'endpoint', ...}
  const echoes = new Map(); // attempt number -> what /base/echo/N received
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      let m;
      if ((m = /^\/report\/([\w.-]+)$/.exec(req.url))) {
        const v = JSON.parse(text);
        reports.set(m[1], v);
        for (const fn of waiting.get(m[1]) ?? []) fn(v);
        waiting.delete(m[1]);
        res.end('ok');
      } else if ((m = /^\/hold\/([\w.-]+)$/.exec(req.url))) {
        held.set(m[1], res);
      } else if (req.url.startsWith('/base/events')) {
        const tok = req.headers['x-forge-oauth-system'];
        const cloudId = fitClaims(req)?.context?.cloudId;
        if (tok && cloudId) systemTokens.set(cloudId, tok);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else if (req.url === '/sched') { // the scheduled function's report
        try { sched.push({ via: 'function', ...JSON.parse(text) }); } catch { sched.push({ via: 'function', bad: text.slice(0, 500) }); }
        res.end('ok');
      } else if (req.url.startsWith('/base/sched')) { // the scheduled endpoint's run
        let body = null;
        try { body = JSON.parse(text); } catch { /* kept as null */ }
        sched.push({ via: 'endpoint', fit: fitClaims(req), systemToken: req.headers['x-forge-oauth-system'] ?? null, body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else if ((m = /^\/base\/echo\/(\d+)/.exec(req.url))) { // invokeRemote / fetchRemote
        const fit = fitClaims(req);
        const rec = { fit, systemToken: req.headers['x-forge-oauth-system'] ?? null, method: req.method, url: req.url, headers: req.headers, body: text.slice(0, 4000) };
        echoes.set(Number(m[1]), rec);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...rec, data: remoteData.get(fit?.context?.cloudId) ?? null }));
      } else {
        res.writeHead(404).end();
      }
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${srv.address().port}`,
    systemTokens,
    remoteData,
    sched,
    echoes,
    wait(key, ms = 30000) {
      if (reports.has(key)) return Promise.resolve(reports.get(key));
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no report ${key} in ${ms} ms`)), ms);
        waiting.set(key, [...(waiting.get(key) ?? []), (v) => { clearTimeout(t); resolve(v); }]);
      });
    },
    release(key) { held.get(key)?.end('released'); held.delete(key); },
    close() { for (const r of held.values()) r.destroy(); srv.close(); },
  };
}

// ---------------------------------------------------------------- setup

const OPS = (() => {
  const ops = [];
  for (const f of ['jira-schemas.json', 'jira-software-schemas.json']) {
    const j = JSON.parse(readFileSync(path.join(ROOT, 'tests', 'e2e', 'spec', f), 'utf8'));
    for (const o of [...Object.keys(j.operations), ...(j.unschemed ?? [])]) { // unschemed: a list
      const [method, p] = o.split(' ');
      ops.push({ method, path: p });
    }
  }
  return ops;
})();

const until = async (what, fn, ms = 60000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const adf = (text) => ({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text }] }] });

/**
 * Seeds site S (from siteWithToken) with canaries through the product API and the app;
 * fills S.canaries ([{c, cls, kind}]) and S.ids (what an attacker names).
 */
async function seedSite(k, S, rnd, appDir, tap) {
  const V = (kind) => { const c = `zqv${S.tag}${hex(rnd, 14)}`; S.canaries.push({ c, cls: 'value', kind }); return c; };
  // an identifier: 'named' ones are handed to the generator (every attacker knows them),
  // 'hidden' ones never are (one in another site's answer or record is a leak)
  const K = (kind, cls = 'named') => { const c = `zqk${S.tag}${hex(rnd, 14)}`; S.canaries.push({ c, cls, kind }); return c; };
  const J = async (method, p, body, ok = [200, 201, 204]) => {
    const r = await k.api(`/ex/jira/${S.cloudId}/rest/api/3${p}`, { method, token: S.token, body });
    if (!ok.includes(r.status)) throw new Error(`seed ${S.name}: ${method} ${p}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.json;
  };
  S.canaries.push({ c: S.canary, cls: 'value', kind: 'demo description' });
  const projects = (await J('GET', '/project/search?maxResults=50')).values;
  const users = await J('GET', '/users/search?maxResults=100');
  const found = await J('GET', '/search?jql=order%20by%20key&maxResults=50&fields=summary');
  const ids = S.ids;
  ids.projectKeys = projects.map((p) => p.key);
  ids.projectIds = projects.map((p) => String(p.id));
  ids.accountIds = users.map((u) => u.accountId);
  ids.issueKeys = found.issues.map((i) => i.key);
  ids.issueIds = found.issues.map((i) => String(i.id));
  // names are data: another site's project name or user's name or email in an answer is a leak
  for (const p of projects) S.canaries.push({ c: JSON.stringify(p.name), cls: 'value', kind: 'project name' });
  // (the demo's people carry the site's name; the app's bot user is named as the app on every site)
  for (const u of users.filter((x) => x.displayName?.includes(`(${S.name})`))) {
    S.canaries.push({ c: JSON.stringify(u.emailAddress), cls: 'value', kind: 'user email' });
    S.canaries.push({ c: JSON.stringify(u.displayName), cls: 'value', kind: 'user name' });
  }
  const proj = projects[0];
  const created = await J('POST', '/issue', { fields: { project: { key: proj.key }, issuetype: { name: 'Task' }, summary: V('issue summary'), description: adf(V('issue description')) } });
  ids.issueKeys.unshift(created.key);
  ids.issueIds.unshift(String(created.id));
  S.issue = created.key;
  const comment = await J('POST', `/issue/${created.key}/comment`, { body: adf(V('comment')) });
  ids.commentIds = [String(comment.id)];
  const wl = await J('POST', `/issue/${created.key}/worklog`, { timeSpentSeconds: 60, comment: adf(V('worklog comment')) });
  ids.worklogIds = [String(wl.id)];
  const ip = K('issue property key');
  await J('PUT', `/issue/${created.key}/properties/${ip}`, { v: V('issue property value') });
  const pp = K('project property key');
  await J('PUT', `/project/${proj.key}/properties/${pp}`, { v: V('project property value') });
  const up = K('user property key');
  await J('PUT', `/user/properties/${up}?accountId=${encodeURIComponent(S.accountId)}`, { v: V('user property value') });
  const cp = K('comment property key');
  await J('PUT', `/comment/${comment.id}/properties/${cp}`, { v: V('comment property value') });
  ids.propertyKeys = [ip, pp, up, cp];
  await J('PUT', `/issue/${created.key}/properties/${K('hidden issue property key', 'hidden')}`, { v: V('hidden issue property value') });
  const comp = await J('POST', '/component', { project: proj.key, name: V('component name'), description: V('component description') });
  const ver = await J('POST', '/version', { projectId: Number(proj.id), name: V('version name'), description: V('version description') });
  ids.componentIds = [String(comp.id)];
  ids.versionIds = [String(ver.id)];
  const field = await J('POST', '/field', { name: V('custom field name'), type: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield' });
  await J('PUT', `/issue/${created.key}`, { fields: { [field.id]: V('custom field value') } });
  ids.fieldIds = [field.id];
  // app storage, a log line, a ledger record: through the app's plant webtrigger
  const kvsKey = K('kvs key');
  const secretKey = K('secret key');
  const entityKey = K('entity key');
  ids.kvsKeys = [kvsKey, secretKey, entityKey];
  const hiddenKey = K('hidden kvs key', 'hidden');
  const planted = await k.api(S.triggers.plant, {
    method: 'POST',
    body: { hiddenKey, hiddenValue: V('hidden kvs value'), kvsKey, kvsValue: V('kvs value'), secretKey, secretValue: V('secret value'), entityKey, entityValue: V('entity value'), logValue: V('function log line'), issueKey: created.key },
    timeout: 60000,
  });
  expectStatus(planted, 200, `plant on ${S.name}`);
  // a queue payload the consumer logs (its own site's)
  const pushed = await k.api(S.triggers.probe, { method: 'POST', body: { op: 'push', key: kvsKey, kind: 'kvs' }, timeout: 60000 });
  expectStatus(pushed, 200, `push on ${S.name}`);
  // webtrigger ids: the probe's is named (attackers try it), the others are hidden
  for (const [key, u] of Object.entries(S.triggers)) {
    S.canaries.push({ c: /\/x1\/([^/?]+)/.exec(u)[1], cls: key === 'probe' ? 'named' : 'hidden', kind: `${key} webtrigger id` });
  }
  ids.triggerPaths = [S.triggers.probe];
  ids.siteName = S.name;
  ids.cloudId = S.cloudId;
}

/** A Custom UI frame of the panel on the site's planted issue: {token, ext, frame}. */
async function contextToken(k, S, appId = S.appId, moduleKey = 'iso-panel') {
  const ext = { issue: { key: S.issue } };
  const r = await k.api('/_ui/v1/frames', { method: 'POST', body: { appId, moduleKey, extension: ext }, headers: { cookie: S.session.cookie, 'x-kiln-csrf': S.session.csrf } });
  expectStatus(r, 200, `a frame on ${S.name}`);
  return { token: r.json.token, ext, frame: frameParts(r.json.frameUrl) };
}

/** A frame URL of the UI origin, {origin}/r/{inst}/{seq}/{key}/{mac}/{file}?v=..., in parts. */
function frameParts(url) {
  const u = new URL(url);
  const [, r, inst, seq, key, mac, ...file] = u.pathname.split('/');
  if (r !== 'r' || !/^[0-9a-f]{32}$/.test(mac)) throw new Error(`not a frame URL: ${url}`);
  return { port: Number(u.port), inst, seq: Number(seq), key, mac, file: file.join('/'), search: u.search, path: u.pathname + u.search };
}

// A Custom UI app of one site only (the UI origin's files are per app version: each site's
// app holds that site's canaries in its files, so a file of B's app in A's answer is a leak)
const UI_MANIFEST = `app:
  runtime:
    name: nodejs20.x
resources:
  - key: main
    path: static/main
modules:
  jira:issuePanel:
    - key: ui-panel
      resource: main
      title: Per-site files
      icon: https://example.com/icon.svg
`;

/** Registers, deploys and installs site S's own UI app with canaries in its files; its
 * frame (S.uiFrame: URL parts) from S's session. */
async function seedUiApp(k, S, rnd) {
  const V = (kind) => { const c = `zqv${S.tag}${hex(rnd, 14)}`; S.canaries.push({ c, cls: 'value', kind }); return c; };
  const dir = path.join(tempDir('iso-ui'), `iso-ui-${S.tag}`);
  writeFiles(dir, {
    'manifest.yml': UI_MANIFEST,
    'static/main/index.html': `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${V('UI file (html)')}</title></head><body>ui</body></html>`,
    'static/main/data.json': JSON.stringify({ v: V('UI file (json)') }),
    'static/main/sub/deep.txt': V('UI file (text)'),
  });
  const { id } = await cliOkJson(k, ['register', dir, '--json']);
  await cliOkJson(k, ['deploy', dir, '--json']);
  const inst = await cliOkJson(k, ['install', '--site', S.name, '--confirm-scopes', '--json'], { cwd: dir });
  S.uiAppId = id;
  S.uiInstallationId = inst.installationId ?? inst.id;
  const c = await contextToken(k, S, id, 'ui-panel');
  S.uiFrame = c.frame;
  // a URL of another site's files is a capability: its mac must never reach A
  S.canaries.push({ c: S.uiFrame.mac, cls: 'hidden', kind: 'UI app frame URL mac' });
}

/** Holds an invocation of the site's hold trigger; S.cred.invocation is its live token. */
async function holdInvocation(k, S, tap) {
  const key = `hold-${S.tag}-${randomBytes(4).toString('hex')}`;
  const call = k.api(`${S.triggers.hold}?tap=${encodeURIComponent(tap.origin)}&key=${key}`, { timeout: 180000, allowError: true });
  const { token } = await tap.wait(key, 60000);
  return { token, key, call };
}

// ---------------------------------------------------------------- the generator

const pick = (rnd, xs) => xs[Math.floor(rnd() * xs.length)];
const ALL_PLANES = [
  ['product', 34], ['proxy', 18], ['headers', 12], ['ui', 10], ['admin', 10], ['bridge', 4], ['webtrigger', 4], ['events', 2],
  ['uifiles', 3], ['remote', 2], ['schedule', 1], // the costlier per attempt: a remote call signs a FIT, a run runs a function
];
// ISO_PLANES=product,proxy: only those planes (a replay must name the same ones)
const PLANES = process.env.ISO_PLANES ? ALL_PLANES.filter(([p]) => process.env.ISO_PLANES.split(',').includes(p)) : ALL_PLANES;
const PLANE_TOTAL = PLANES.reduce((s, [, w]) => s + w, 0);
export const PLANE_NAMES = PLANES.map(([p]) => p);

function pickPlane(rnd) {
  let x = rnd() * PLANE_TOTAL;
  for (const [p, w] of PLANES) if ((x -= w) < 0) return p;
  return PLANES[0][0];
}

/** An identifier of site B for an OpenAPI path parameter. */
function idFor(rnd, B, param) {
  const i = B.ids;
  switch (param) {
  case 'issueIdOrKey': case 'epicIdOrKey': return pick(rnd, rnd() < 0.5 ? i.issueKeys : i.issueIds);
  case 'projectIdOrKey': return pick(rnd, rnd() < 0.5 ? i.projectKeys : i.projectIds);
  case 'commentId': return pick(rnd, i.commentIds);
  case 'worklogId': return pick(rnd, i.worklogIds);
  case 'propertyKey': return pick(rnd, i.propertyKeys);
  case 'id': return pick(rnd, [...i.issueIds, ...i.commentIds, ...i.worklogIds, ...i.componentIds, ...i.versionIds, ...i.projectIds]);
  default: return pick(rnd, [...i.issueIds, ...i.projectIds, ...i.componentIds, ...i.versionIds, String(10000 + Math.floor(rnd() * 100000))]);
  }
}

function queryFor(rnd, B) {
  const i = B.ids;
  const qs = [];
  const n = Math.floor(rnd() * 3);
  for (let x = 0; x < n; x++) {
    qs.push(pick(rnd, [
      () => `accountId=${encodeURIComponent(pick(rnd, i.accountIds))}`,
      () => `jql=${encodeURIComponent(`project = ${pick(rnd, i.projectKeys)}`)}`,
      () => `jql=${encodeURIComponent(`key in (${pick(rnd, i.issueKeys)}, ${pick(rnd, i.issueIds)})`)}`,
      () => `issueKey=${pick(rnd, i.issueKeys)}`,
      () => `projectKeys=${pick(rnd, i.projectKeys)}`,
      () => `projectIdOrKey=${pick(rnd, i.projectKeys)}`,
      () => `project=${pick(rnd, i.projectIds)}`,
      () => `id=${pick(rnd, i.issueIds)}`,
      () => `expand=${pick(rnd, ['renderedFields', 'names,schema', 'changelog', 'description,lead', 'properties'])}`,
      () => `fields=${pick(rnd, ['*all', 'summary,description,comment', pick(rnd, i.fieldIds)])}`,
      () => `properties=*all`,
      () => `query=${encodeURIComponent(pick(rnd, i.projectKeys))}`,
    ])());
  }
  return qs.length ? `?${qs.join('&')}` : '';
}

function bodyFor(rnd, B) {
  const i = B.ids;
  return pick(rnd, [
    () => ({ fields: { project: { key: pick(rnd, i.projectKeys) }, issuetype: { name: 'Task' }, summary: 'x', parent: { key: pick(rnd, i.issueKeys) } } }),
    () => ({ issueIdsOrKeys: [pick(rnd, i.issueKeys), pick(rnd, i.issueIds)], fields: ['*all'] }),
    () => ({ jql: `project = ${pick(rnd, i.projectKeys)}`, fields: ['*all'] }),
    () => ({ ids: i.commentIds.map(Number) }),
    () => ({ ids: i.worklogIds.map(Number) }),
    () => ({ accountId: pick(rnd, i.accountIds) }),
    () => ({ type: { name: 'Blocks' }, inwardIssue: { key: pick(rnd, i.issueKeys) }, outwardIssue: { key: pick(rnd, i.issueKeys) } }),
    () => ({ body: adf('hello'), visibility: null }),
    () => ({ projects: [{ projectId: pick(rnd, i.projectIds) }], permissions: ['BROWSE_PROJECTS'], accountId: pick(rnd, i.accountIds) }),
    () => ({ projectPermissions: [{ permissions: ['BROWSE_PROJECTS'], projects: i.projectIds.map(Number), issues: i.issueIds.map(Number) }] }),
    () => ({ issues: [pick(rnd, i.issueKeys)], rankBeforeIssue: pick(rnd, i.issueKeys) }),
    () => ({ transition: { id: '21' }, fields: { [pick(rnd, i.fieldIds)]: 'y' } }),
  ])();
}

/** A request of the product API's route table with B's identifiers. */
function productRequest(rnd, B) {
  const op = pick(rnd, OPS);
  const p = op.path.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(idFor(rnd, B, name))) + queryFor(rnd, B);
  const body = op.method === 'GET' || op.method === 'DELETE' ? undefined : bodyFor(rnd, B);
  return { method: op.method, path: p, body };
}

/** Raw request bytes. headers: [[name, value], ...] (duplicates allowed). */
function raw(method, p, headers, body) {
  const b = body === undefined ? null : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  let h = `${method} ${p} HTTP/1.1\r\n`;
  let host = false;
  for (const [n, v] of headers) {
    if (n.toLowerCase() === 'host') host = true;
    h += `${n}: ${v}\r\n`;
  }
  if (!host) h = h.replace('\r\n', '\r\nHost: 127.0.0.1\r\n');
  if (b) h += `Content-Type: application/json\r\nContent-Length: ${b.length}\r\n`;
  h += '\r\n';
  return b ? Buffer.concat([Buffer.from(h, 'latin1'), b]) : Buffer.from(h, 'latin1');
}

const basicOf = (S) => `Basic ${Buffer.from(`${S.email}:${S.token}`).toString('base64')}`;

/** The credential headers of kind `kind` of site A. */
function credHeaders(A, kind, method) {
  switch (kind) {
  case 'bearer': return [['Authorization', `Bearer ${A.token}`]];
  case 'basic': return [['Authorization', basicOf(A)]];
  case 'system': return [['Authorization', `Bearer ${A.systemToken}`]];
  case 'invocation': return [['Authorization', `Bearer ${A.held.token}`]];
  case 'session': {
    const h = [['Cookie', A.session.cookie]];
    if (method !== 'GET' && method !== 'HEAD') h.push(['X-Kiln-CSRF', A.session.csrf]);
    return h;
  }
  default: throw new Error(`credential kind ${kind}`);
  }
}
const PRODUCT_CREDS = ['bearer', 'basic', 'system', 'session', 'invocation'];

/**
 * Attempt i of a run with `seed`: {plane, cred, a, b, method, path, headers, body}, a
 * function of (seed, i) and the sites' identifiers only.
 */
export function attempt(seed, i, sites) {
  const attemptNo = i;
  const rnd = prng(mix(seed, i));
  const ai = Math.floor(rnd() * sites.length);
  let bi = Math.floor(rnd() * (sites.length - 1));
  if (bi >= ai) bi++;
  const A = sites[ai];
  const B = sites[bi];
  const plane = pickPlane(rnd);
  const out = { plane, a: ai, b: bi };
  const jiraBase = (cloudId) => `/ex/jira/${cloudId}`;
  switch (plane) {
  case 'product': {
    const r = productRequest(rnd, B);
    const cred = pick(rnd, PRODUCT_CREDS.filter((c) => c !== 'invocation'));
    const cloud = rnd() < 0.65 ? A.cloudId : B.cloudId;
    return { ...out, cred, method: r.method, path: jiraBase(cloud) + r.path, headers: credHeaders(A, cred, r.method), body: r.body };
  }
  case 'proxy': {
    const cred = 'invocation';
    const kind = pick(rnd, ['rest', 'rest', 'kvs', 'kvs', 'entity', 'graphql', 'frc', 'ex']);
    const i = B.ids;
    let method = 'POST', p, body;
    if (kind === 'rest') {
      const r = productRequest(rnd, B);
      method = r.method; p = `/_proxy/fpp${r.path}`; body = r.body;
    } else if (kind === 'kvs') {
      const op = pick(rnd, ['get', 'secret/get', 'entity/get', 'query', 'delete', 'set', 'batch/get', 'transaction']);
      const key = pick(rnd, i.kvsKeys);
      p = `/_proxy/kvs/v1/${op}`;
      body = op === 'query' ? { where: [{ property: 'key', condition: 'BEGINS_WITH', values: [key.slice(0, 5)] }], options: {}, installationId: B.installationId }
        : op === 'batch/get' ? [{ key }, { key, entityName: 'isorow' }]
        : op === 'transaction' ? { check: [{ key, conditions: {} }], set: [{ key: `${key}x`, value: 1 }] }
        : { key, entityName: op.startsWith('entity') ? 'isorow' : undefined, value: op === 'set' ? 1 : undefined, installationId: B.installationId, contextAri: `ari:cloud:jira::site/${B.cloudId}` };
    } else if (kind === 'entity') {
      p = `/_proxy/kvs/v1/entity/query`;
      body = { entityName: 'isorow', indexName: 'by-dept', partition: ['iso'], installationId: B.installationId };
    } else if (kind === 'graphql') {
      p = pick(rnd, ['/_proxy/fpp/graphql', '/_proxy/fpp/forge/entities/graphql']);
      body = { query: 'query forge_app_webtriggerUrls($contextId: ID!, $installationId: ID!) { webTrigger { urls(contextId: $contextId, installationId: $installationId) { url } } }', variables: { contextId: `ari:cloud:jira::site/${B.cloudId}`, installationId: B.installationId, appId: B.appId, key: pick(rnd, i.kvsKeys) } };
    } else if (kind === 'frc') {
      p = `/_proxy/frc/backend/${encodeURIComponent(pick(rnd, i.issueKeys))}`;
      body = { cloudId: B.cloudId };
    } else {
      const r = productRequest(rnd, B);
      method = r.method; p = `/_proxy/ex/jira/${B.cloudId}${r.path}`; body = r.body;
    }
    return { ...out, cred, method, path: p, headers: credHeaders(A, cred, method), body };
  }
  case 'headers': {
    const r = productRequest(rnd, B);
    const cred = pick(rnd, PRODUCT_CREDS.filter((c) => c !== 'invocation'));
    const headers = credHeaders(A, cred, r.method);
    const games = [
      () => headers.push(['Host', `${B.name}.atlassian.net`]),
      () => headers.push(['X-Forwarded-Host', `${B.name}.atlassian.net`]),
      () => headers.push(['X-Forwarded-For', '10.0.0.1']),
      () => headers.push(['X-Forwarded-Proto', 'https']),
      () => headers.push(['Forwarded', `for=10.0.0.1;host=${B.name}`]),
      () => headers.push(['X-Atlassian-Cloud-Id', B.cloudId]),
      () => headers.push(['X-Forge-Provider', 'user']),
      () => headers.push(['X-Kiln-Site', B.name]),
      () => headers.push(['Authorization', `Bearer kiln_u_${'A'.repeat(43)}`]),
      () => headers.unshift(['Authorization', 'Bearer ']),
      () => headers.push(['Authorization', basicOf(A)]),
      () => headers.push(['Cookie', A.session.cookie]),
      () => headers.push(['Cookie', `kiln_session=${'A'.repeat(43)}`]),
      () => headers.push(['Authorization', `Bearer ${A.token}`]),
      () => headers.push(['Authorization', `bearer\t${A.token}`]),
    ];
    const n = 1 + Math.floor(rnd() * 3);
    for (let x = 0; x < n; x++) pick(rnd, games)();
    const cloud = rnd() < 0.5 ? A.cloudId : B.cloudId;
    return { ...out, cred, method: r.method, path: jiraBase(cloud) + r.path, headers, body: r.body };
  }
  case 'ui': {
    const cred = 'session';
    const i = B.ids;
    const p = pick(rnd, [
      () => `/s/${B.name}/`,
      () => `/s/${B.name}/browse/${pick(rnd, i.issueKeys)}`,
      () => `/s/${B.name}/projects/${pick(rnd, i.projectKeys)}`,
      () => `/s/${A.name}/browse/${pick(rnd, i.issueKeys)}`,
      () => `/_ui/v1/me`,
      () => `/_ui/v1/modules?placement=jira:issuePanel&issue=${pick(rnd, i.issueKeys)}`,
      () => `/_ui/v1/modules?placement=jira:projectPage&project=${pick(rnd, i.projectKeys)}`,
      () => `/_ui/v1/consent?appId=${B.appId}`,
      () => `/_ui/v1/admin/apps`,
      () => `/_ui/v1/admin/audit?n=100`,
      () => `/_ui/v1/admin/ledger?n=100`,
      () => `/ex/jira/${B.cloudId}/rest/api/3/issue/${pick(rnd, i.issueKeys)}`,
    ])();
    const post = rnd() < 0.15;
    const method = post ? 'POST' : 'GET';
    const body = post ? pick(rnd, [{ appId: B.appId }, { appId: B.appId, moduleKey: 'probe', extension: { issue: { key: pick(rnd, i.issueKeys) } } }, { op: 'getContext', payload: {}, extension: { issue: { key: pick(rnd, i.issueKeys) } } }]) : undefined;
    const post2 = post ? pick(rnd, ['/_ui/v1/consent', '/_ui/v1/frames', '/_ui/v1/bridge', '/_ui/v1/admin/upgrade']) : p;
    return { ...out, cred, method, path: post2, headers: credHeaders(A, cred, method), body };
  }
  case 'bridge': {
    // a Custom UI frame's context token of A (with A's session, as the bridge requires)
    const cred = 'context';
    const i = B.ids;
    const headers = [...credHeaders(A, 'session', 'POST'), ['X-Kiln-Context', A.context.token]];
    const ext = rnd() < 0.7 ? A.context.ext : { issue: { key: pick(rnd, i.issueKeys) } };
    const kind = pick(rnd, ['fetch', 'fetch', 'fetch', 'invoke', 'getContext', 'frames', 'renew']);
    if (kind === 'fetch') {
      const r = productRequest(rnd, B);
      const init = { method: r.method, ...(r.body === undefined ? {} : { body: JSON.stringify(r.body) }) };
      return { ...out, cred, method: 'POST', path: '/_ui/v1/bridge', headers, body: { op: 'fetchProduct', payload: { product: 'jira', restPath: r.path, fetchRequestInit: init }, extension: ext } };
    }
    if (kind === 'invoke') {
      const fn = pick(rnd, ['kvs', 'jira', 'context']);
      const key = fn === 'jira' ? pick(rnd, i.issueKeys) : pick(rnd, i.kvsKeys);
      return { ...out, cred, slow: true, method: 'POST', path: '/_ui/v1/bridge', headers, body: { op: 'invoke', payload: { functionKey: fn, payload: { key } }, extension: ext } };
    }
    if (kind === 'frames') {
      return { ...out, cred, method: 'POST', path: '/_ui/v1/frames', headers, body: { appId: B.appId, moduleKey: 'iso-panel', extension: { issue: { key: pick(rnd, i.issueKeys) } } } };
    }
    return { ...out, cred, method: 'POST', path: '/_ui/v1/bridge', headers, body: { op: kind, extension: ext } };
  }
  case 'admin': {
    const cred = pick(rnd, PRODUCT_CREDS);
    const i = B.ids;
    const p = pick(rnd, [
      () => `/admin/v1/sites/${B.name}`, () => '/admin/v1/sites', () => `/admin/v1/logs?site=${B.name}`,
      () => `/admin/v1/audit?site=${B.name}`, () => `/admin/v1/ledger?site=${B.name}`, () => `/admin/v1/deliveries?site=${B.name}`,
      () => `/admin/v1/installations?site=${B.name}`,
      () => `/admin/v1/sites/${B.name}/installations/${B.appId}/development/storage`,
      () => `/admin/v1/sites/${B.name}/installations/${B.appId}/development/storage/item?key=${pick(rnd, i.kvsKeys)}`,
      () => `/admin/v1/sites/${B.name}/installations/${B.appId}/development/webtriggers/probe`,
      () => `/admin/v1/apps/${B.appId}/environments/development/variables`,
      () => `/admin/v1/scheduler`,
    ])();
    const post = rnd() < 0.2;
    const method = post ? 'POST' : 'GET';
    const path2 = post ? pick(rnd, [`/admin/v1/sites/${B.name}/tokens`, `/admin/v1/sites/${B.name}/login-links`, `/admin/v1/sites/${B.name}/installations/${B.appId}/development/functions/probe-fn`]) : p;
    const body = post ? { accountId: pick(rnd, i.accountIds), op: 'kvs', key: pick(rnd, i.kvsKeys) } : undefined;
    const headers = credHeaders(A, cred, method);
    return { ...out, cred, method, path: path2, headers, body };
  }
  case 'webtrigger': {
    // A's own trigger asked to act on B's identifiers, or B's trigger id in A's URL
    const i = B.ids;
    if (rnd() < 0.8) {
      const op = pick(rnd, ['kvs', 'secret', 'entity', 'query', 'jira', 'user']);
      const key = op === 'jira' ? pick(rnd, [...i.issueKeys, ...i.issueIds]) : op === 'user' ? pick(rnd, i.accountIds) : op === 'query' ? pick(rnd, ['iso', B.installationId]) : pick(rnd, i.kvsKeys);
      return { ...out, cred: 'webtrigger', method: 'POST', path: A.triggers.probe, headers: [['Authorization', `Bearer ${A.token}`]], body: { op, key } };
    }
    const bid = /\/x1\/([^/?]+)/.exec(pick(rnd, i.triggerPaths))[1];
    const aPath = A.triggers.probe;
    const p = pick(rnd, [`${aPath}/${bid}`, `${aPath}/../${bid}`, `${aPath}?id=${bid}`, `${aPath}%2f..%2f${bid}`, `/x1/${bid}%00`, `/x1/${bid.slice(0, -1)}`]);
    return { ...out, cred: 'webtrigger', method: 'POST', path: p, headers: [['Cookie', A.session.cookie]], body: { op: 'kvs', key: pick(rnd, i.kvsKeys) } };
  }
  case 'events': {
    // a queue event or a product event of A naming B's identifiers: what the consumer
    // and the trigger do with them lands in A's function logs (scanned afterwards)
    const i = B.ids;
    if (rnd() < 0.5) {
      const kind = pick(rnd, ['kvs', 'jira']);
      const key = kind === 'jira' ? pick(rnd, i.issueKeys) : pick(rnd, i.kvsKeys);
      return { ...out, cred: 'webtrigger', method: 'POST', path: A.triggers.probe, headers: [], body: { op: 'push', key, kind } };
    }
    const text = `see ${pick(rnd, i.issueKeys)} ${pick(rnd, i.issueIds)} [~accountid:${pick(rnd, i.accountIds)}]`;
    return { ...out, cred: 'bearer', method: 'POST', path: `/ex/jira/${A.cloudId}/rest/api/3/issue/${A.issue}/comment`, headers: credHeaders(A, 'bearer', 'POST'), body: { body: adf(text) } };
  }
  case 'uifiles': {
    // the UI origin's files: B's app's (and B's installation of the shared app's) resource
    // paths with A's URL parts, path tricks, other version ids, forged macs; A's session
    // and context token along (the URL is the capability: they must not matter)
    const a = A.uiFrame, b = B.uiFrame, pa = A.context.frame, pb = B.context.frame;
    const r = (inst, seq, key, mac, file) => `/r/${inst}/${seq}/${key}/${mac}/${file}`;
    // (a path ending in / is refused with 400 before the UI origin looks at it: rare here)
    const file = pick(rnd, ['index.html', 'index.html', 'data.json', 'sub/deep.txt', 'sub/deep.txt', '']);
    const up = '../'.repeat(1 + Math.floor(rnd() * 6));
    const headers = [['Cookie', A.session.cookie], ['X-Kiln-Context', A.context.token]];
    if (rnd() < 0.15) {
      // on kiln's origin: a frame of B's app with A's session (its URL would be B's files)
      return { ...out, cred: 'session', method: 'POST', path: '/_ui/v1/frames', headers: credHeaders(A, 'session', 'POST'), body: { appId: pick(rnd, [B.uiAppId, B.appId]), moduleKey: pick(rnd, ['ui-panel', 'iso-panel']), extension: { issue: { key: pick(rnd, B.ids.issueKeys) } }, installationId: B.uiInstallationId } };
    }
    const p = pick(rnd, [
      () => r(b.inst, b.seq, b.key, a.mac, file),
      () => r(b.inst, a.seq, a.key, a.mac, file),
      () => r(a.inst, a.seq, a.key, a.mac, `${up}${b.inst}/${b.seq}/${b.key}/${a.mac}/${file}`),
      () => r(a.inst, a.seq, a.key, a.mac, `${up.replaceAll('/', '%2f')}${b.inst}%2f${b.seq}%2f${b.key}%2f${a.mac}%2f${file}`),
      () => r(a.inst, a.seq, a.key, a.mac, `${up.replaceAll('..', '%2e%2e')}${b.inst}/${b.seq}/${b.key}/${a.mac}/${file}`),
      () => r(a.inst, a.seq, a.key, a.mac, `${up.replaceAll('/', '%5c')}iso-ui-${B.tag}/static/main/${file || 'index.html'}`),
      () => r(a.inst, a.seq, a.key, a.mac, `${up}${up}${up}iso-ui-${B.tag}/static/main/${file || 'index.html'}`),
      () => r(a.inst, a.seq + 1 + Math.floor(rnd() * 3), a.key, a.mac, file),
      () => r(a.inst, b.seq, a.key, a.mac, file),
      () => r(a.inst, `0${a.seq}`, a.key, a.mac, file),
      () => r(a.inst, a.seq, pb.key, a.mac, file),
      () => r(b.inst, b.seq, b.key, hex(rnd, 32), file),
      () => r(b.inst, b.seq, b.key, a.mac.toUpperCase(), file),
      () => r(pb.inst, pb.seq, pb.key, pa.mac, file),
      () => r(pa.inst, pa.seq, pa.key, pa.mac, `${up}${pb.inst}/${pb.seq}/${pb.key}/${pa.mac}/`),
      () => r(`${a.inst}%2f..%2f${b.inst}`, b.seq, b.key, a.mac, file),
      () => r(`${a.inst}/../${b.inst}`, b.seq, b.key, a.mac, file),
      () => `${r(b.inst, b.seq, b.key, a.mac, file)}?inst=${a.inst}&mac=${a.mac}`,
      () => `${r(a.inst, a.seq, a.key, a.mac, file)}%00/${up}${b.inst}`,
      () => `/r/${b.inst}/${b.seq}/${b.key}/`,
      () => `/r/${b.inst}/`,
      () => `/_kiln/frame-shim.js?installationId=${b.inst}`,
      () => `//r/${b.inst}/${b.seq}/${b.key}/${a.mac}/${file}`,
    ])();
    if (rnd() < 0.2) headers.push(pick(rnd, [['Host', `${B.name}.atlassian.net`], ['X-Forwarded-Host', `${B.name}.atlassian.net`], ['Referer', `http://127.0.0.1/s/${B.name}/browse/${pick(rnd, B.ids.issueKeys)}`], ['X-Kiln-Context', B.ids.cloudId]]));
    return { ...out, cred: pick(rnd, ['session', 'context']), port: 'ui', method: 'GET', path: p, headers };
  }
  case 'remote': {
    // a remote call made with A's credential, naming B's installation and site: the echo
    // remote answers with what it received (the FIT, the system token) and the data it keeps
    // for the site the FIT names; onAnswer checks the FIT was A's
    const i = B.ids;
    const body = pick(rnd, [
      { cloudId: B.cloudId, installationId: B.installationId },
      { contextAri: `ari:cloud:jira::site/${B.cloudId}`, installation: { installationId: B.installationId } },
      { issue: pick(rnd, i.issueKeys), accountId: pick(rnd, i.accountIds) },
      { key: pick(rnd, i.kvsKeys), site: B.name },
    ]);
    const game = pick(rnd, [null, null, ['X-Atlassian-Cloud-Id', B.cloudId], ['X-Forge-Installation-Id', B.installationId], ['X-Forge-Oauth-System', B.ids.cloudId], ['Forwarded', `host=${B.name}.atlassian.net`], ['Host', `${B.name}.atlassian.net`]]);
    const q = pick(rnd, ['', `?cloudId=${B.cloudId}`, `?installationId=${B.installationId}`]);
    if (rnd() < 0.6) { // a function's invokeRemote (@forge/api): A's live invocation token
      const method = pick(rnd, ['GET', 'POST', 'PUT', 'DELETE']);
      const headers = [...credHeaders(A, 'invocation', method), ['X-Forge-Remote', pick(rnd, ['backend', 'backend', 'backend', 'remote-sched', B.installationId])]];
      if (game) headers.push(game);
      return { ...out, cred: 'invocation', echo: true, method, path: `/_proxy/frc/echo/${attemptNo}${q}`, headers, body: method === 'GET' ? undefined : body };
    }
    // a Custom UI frame's fetchRemote (@forge/bridge's requestRemote): A's context token
    const headers = [...credHeaders(A, 'session', 'POST'), ['X-Kiln-Context', A.context.token]];
    const hs = game ? [[game[0], game[1]]] : [];
    const ext = rnd() < 0.7 ? A.context.ext : { issue: { key: pick(rnd, i.issueKeys) } };
    return { ...out, cred: 'context', echo: true, method: 'POST', path: '/_ui/v1/bridge', headers, body: { op: 'fetchRemote', payload: { remoteKey: 'backend', fetchRequestInit: { path: `/echo/${attemptNo}${q}`, method: 'POST', headers: hs, body: JSON.stringify(body) } }, extension: ext } };
  }
  case 'schedule': {
    // scheduled triggers: A's next runs steered at B's identifiers (the handler looks up
    // what its own site's KVS names), runs of A's triggers by the operator with requests
    // naming B and keys of other modules and apps, the scheduler's admin API with each
    // tenant credential of A naming B
    const i = B.ids;
    const r = rnd();
    if (r < 0.3) {
      return { ...out, cred: 'webtrigger', slow: true, method: 'POST', path: A.triggers.probe, headers: [], body: { op: 'steer', tap: A.tap, kvs: [pick(rnd, i.kvsKeys), pick(rnd, i.kvsKeys)], issues: [pick(rnd, i.issueKeys), pick(rnd, i.issueIds)] } };
    }
    const run = (site, app, env, key) => `/admin/v1/sites/${site}/installations/${app}/${env}/scheduledTriggers/${key}/run`;
    const naming = { installationId: B.installationId, cloudId: B.cloudId, site: B.name, context: { cloudId: B.cloudId, moduleKey: 'sched' } };
    if (r < 0.7) {
      const [p, runs] = pick(rnd, [
        () => [run(A.name, A.appId, 'development', 'sched'), 'sched'],
        () => [run(A.name, A.appId, 'development', 'sched'), 'sched'],
        () => [run(A.name, A.appId, 'development', 'sched-remote'), 'sched-remote'],
        () => [run(A.name, A.appId, 'development', pick(rnd, ['probe', 'probe-fn', 'iso-panel', 'remote-sched', 'ui-panel', 'on-product'])), null],
        () => [run(A.name, pick(rnd, [A.uiAppId, B.uiAppId, B.installationId, `ari:cloud:ecosystem::app/${B.uiAppId}`]), 'development', 'sched'), null],
        () => [run(A.name, A.appId, pick(rnd, ['production', 'staging']), 'sched'), null],
        () => [run(`${A.name}%2f..%2f${B.name}`, A.appId, 'development', 'sched'), null],
      ])();
      return { ...out, cred: 'admin', runs, method: 'POST', path: p, headers: [['Authorization', `Bearer ${A.adminToken}`]], body: rnd() < 0.5 ? naming : undefined };
    }
    const cred = pick(rnd, PRODUCT_CREDS);
    const [method, p] = pick(rnd, [
      () => ['POST', run(B.name, B.appId, 'development', pick(rnd, ['sched', 'sched-remote']))],
      () => ['POST', run(A.name, A.appId, 'development', 'sched')],
      () => ['GET', `/admin/v1/scheduler?site=${B.name}`],
      () => ['GET', `/admin/v1/scheduler/runs/${1 + Math.floor(rnd() * 3000)}`],
      () => ['POST', '/admin/v1/scheduler/advance'],
    ])();
    return { ...out, cred, method, path: p, headers: credHeaders(A, cred, method), body: method === 'POST' ? naming : undefined };
  }
  default: throw new Error(plane);
  }
}

// ---------------------------------------------------------------- the oracle

/** A scanner over text: every canary of any site it holds, as [{c, owner, cls, kind}]. */
function makeScanner(sites) {
  const owner = new Map();
  for (const [si, S] of sites.entries()) for (const x of S.canaries) owner.set(x.c, { ...x, owner: si });
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const others = [...owner.keys()].filter((c) => !/^zq[vk][a-z][0-9a-f]{14}$/.test(c)).sort((a, b) => b.length - a.length);
  const re = new RegExp(`zq[vk][a-z][0-9a-f]{14}${others.length ? `|${others.map(esc).join('|')}` : ''}`, 'g');
  return (text) => {
    const out = [];
    for (const m of text.matchAll(re)) {
      const hit = owner.get(m[0]);
      if (hit) out.push(hit);
    }
    return out;
  };
}

// ---------------------------------------------------------------- the run

/** User + system CPU seconds used by process pid and every live process under it (its
 * function workers), plus what its reaped children used (/proc/PID/stat). */
function cpuSeconds(pid) {
  const stat = (p) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8');
      const x = f.slice(f.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
      return { ppid: Number(x[1]), ticks: Number(x[11]) + Number(x[12]) + Number(x[13]) + Number(x[14]) };
    } catch { return null; }
  };
  const all = new Map();
  for (const d of readdirSync('/proc')) if (/^\d+$/.test(d)) { const st = stat(d); if (st) all.set(Number(d), st); }
  let ticks = 0;
  for (const [p, st] of all) {
    let q = p;
    for (let n = 0; q > 1 && q !== pid && n < 64; n++) q = all.get(q)?.ppid ?? 0;
    if (q === pid) ticks += st.ticks;
  }
  return ticks / 100; // USER_HZ
}

function sqlJson(k, q) {
  return k.sqlRows(q, { maxBuffer: 1 << 30 });
}

/**
 * Runs the battery: {attempts, seed, sites (>= 3), log}. Returns {seed, attempts, perPlane,
 * perCred, statuses, leaks: [...], control: {...}, ms, rate}. Starts and stops its own kiln.
 */
export async function runIsolation({ attempts = 50000, seed, siteCount = 3, only, log = console.log, connections = 8, depth = 32 } = {}) {
  seed = seed === undefined || seed === '' ? randomBytes(4).readUInt32LE(0) : Number(seed) >>> 0;
  log(`isolation: seed ${seed} (ISO_SEED=${seed} replays), ${attempts} attempts, ${siteCount} sites`);
  const setupRnd = prng(seed);
  const tap = await startTap();
  const k = await startKiln({ extraArgs: ['--ui-listen', '127.0.0.1:0', '--webtrigger-rate', '0', '--proxy-rate', '0', '--kvs-rate', '0', '--queue-rate', '0'] });
  const holds = [];
  try {
    const t0 = Date.now();
    // the app, once, installed on every site
    const appDir = path.join(tempDir('iso'), 'iso-probe');
    writeFiles(appDir, {
      'manifest.yml': MANIFEST(tap.origin), 'src/index.js': SOURCE, 'package.json': '{"type":"module"}',
      'static/panel/index.html': '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>iso</title></head><body>iso</body></html>',
    });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(appDir, 'node_modules'), 'dir');
    const { id: appId } = await cliOkJson(k, ['register', appDir, '--json']);
    await cliOkJson(k, ['deploy', appDir, '--json']);
    const sites = [];
    for (let s = 0; s < siteCount; s++) {
      const tag = 'abcdefghijklmnopqrstuvwxyz'[s];
      const S = await k.siteWithToken(`iso-${tag}`, true);
      Object.assign(S, { tag, canaries: [], ids: {}, appId, triggers: {}, adminToken: k.adminToken, tap: tap.origin });
      const me = await k.jira(S.cloudId, '/myself', { token: S.token });
      S.email = me.json.emailAddress;
      const inst = await cliOkJson(k, ['install', '--site', S.name, '--confirm-scopes', '--json'], { cwd: appDir });
      S.installationId = inst.installationId ?? inst.id;
      for (const key of ['plant', 'probe', 'hold']) {
        const { url } = await cliOkJson(k, ['webtrigger', key, '--site', S.name, '--json'], { cwd: appDir });
        S.triggers[key] = new URL(url).pathname;
      }
      sites.push(S);
    }
    for (const S of sites) {
      await seedSite(k, S, setupRnd, appDir, tap);
      S.session = await uiSession(k, S.name);
      // the admin's consent to the app (for the bridge's fetchProduct) and a frame's context token
      const consent = await k.api('/_ui/v1/consent', { method: 'POST', body: { appId }, headers: { cookie: S.session.cookie, 'x-kiln-csrf': S.session.csrf } });
      expectStatus(consent, 200, `consent on ${S.name}`);
      S.context = await contextToken(k, S);
      S.canaries.push({ c: S.context.frame.mac, cls: 'hidden', kind: 'probe frame URL mac' });
      await seedUiApp(k, S, setupRnd);
      // the remote keeps data per site: it answers with the canary of the site its FIT names
      const remoteCanary = `zqv${S.tag}${hex(setupRnd, 14)}`;
      S.canaries.push({ c: remoteCanary, cls: 'value', kind: 'data kept at the remote' });
      tap.remoteData.set(S.cloudId, remoteCanary);
      S.systemToken = await until(`the system token of ${S.name}`, () => tap.systemTokens.get(S.cloudId));
      S.held = await holdInvocation(k, S, tap);
      holds.push(S.held);
      S.canaries.push({ c: S.token, cls: 'hidden', kind: 'user token' }, { c: S.systemToken, cls: 'hidden', kind: 'system token' },
        { c: S.held.token, cls: 'hidden', kind: 'invocation token' }, { c: S.session.cookie.split('=')[1], cls: 'hidden', kind: 'session' },
        { c: S.session.csrf, cls: 'hidden', kind: 'CSRF token' }, { c: S.context.token, cls: 'hidden', kind: 'context token' });
    }
    let scan = makeScanner(sites);
    log(`isolation: setup ${Date.now() - t0} ms; ${sites.map((S) => `${S.name}: ${S.canaries.length} canaries`).join(', ')}`);

    // positive control: each site's own credential reads its own canaries on each plane
    const control = await positiveControl(k, sites, scan, tap);
    log(`isolation: control (own data seen through each plane): ${JSON.stringify(control)}`);

    const pool = pipePool(k.port, { connections, depth });
    const slowPool = pipePool(k.port, { connections: 16, depth: 1 });
    const uiPool = pipePool(sites[0].uiFrame.port, { connections: 2, depth: 16 }); // the UI origin's listener
    const sched = { requested: {}, base: tap.sched.length }; // scheduled runs the attempts started (202)
    const perPlane = {};
    const perCred = {};
    const statuses = {};
    const planeStatuses = {}; // plane -> status -> count
    const leaks = [];
    const first = only === undefined ? 0 : Number(only);
    const last = only === undefined ? attempts : first + 1;
    // keep every held invocation alive: renew each after 60 s (attempts made after the
    // swap carry the new token)
    let renewing = true;
    const renewer = (async () => {
      while (renewing) {
        await new Promise((r) => setTimeout(r, 500));
        for (const S of sites) {
          if (renewing && Date.now() - (S.context.since ??= Date.now()) > 300000) { // they live 15 minutes
            const fresh = await contextToken(k, S);
            fresh.since = Date.now();
            S.canaries.push({ c: fresh.token, cls: 'hidden', kind: 'context token' });
            scan = makeScanner(sites);
            S.context = fresh;
          }
          if (!renewing || Date.now() - (S.held.since ??= Date.now()) < 60000) continue;
          const old = S.held;
          const fresh = await holdInvocation(k, S, tap);
          fresh.since = Date.now();
          holds.push(fresh);
          S.canaries.push({ c: fresh.token, cls: 'hidden', kind: 'invocation token' });
          scan = makeScanner(sites);
          S.held = fresh;
          setTimeout(() => tap.release(old.key), 2000); // after what was sent with it is answered
        }
      }
    })();
    const cpu0 = cpuSeconds(k.run.pid);
    const me0 = process.cpuUsage();
    const t1 = Date.now();
    // two streams: attempts that run a function (webtriggers, events) on their own
    // connections one at a time, the rest pipelined, so a slow invocation holds up no batch
    let i = first;
    const queues = { fast: [], slow: [], ui: [] };
    const SLOW = new Set(['webtrigger', 'events']);
    const nextOf = (kind) => () => {
      for (;;) {
        if (queues[kind].length) return queues[kind].shift();
        if (i >= last || (leaks.length && only === undefined)) return null; // the first leaks are enough to report
        const x = { i, ...attempt(seed, i, sites) };
        i++;
        x.req = raw(x.method, x.path, x.headers, x.body);
        queues[x.port === 'ui' ? 'ui' : SLOW.has(x.plane) || x.slow ? 'slow' : 'fast'].push(x);
      }
    };
    let answered = 0;
    const onAnswer = (x, a) => {
      if (++answered % 100000 === 0) log(`isolation: ${answered} attempts answered, ${leaks.length} leaks, ${Math.round((Date.now() - t1) / 1000)} s`);
      perPlane[x.plane] = (perPlane[x.plane] ?? 0) + 1;
      perCred[x.cred] = (perCred[x.cred] ?? 0) + 1;
      statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      const ps = (planeStatuses[x.plane] ??= {});
      ps[a.status] = (ps[a.status] ?? 0) + 1;
      const text = `${a.head}\n${a.body.toString('utf8')}`;
      const sent = () => `${x.method} ${x.path}\n${x.headers.map((hh) => hh.join(': ')).join('\n')}\n${x.body === undefined ? '' : JSON.stringify(x.body)}`;
      for (const h of scan(text)) {
        if (h.owner === x.a || h.cls === 'named') continue; // the credential's own site; what attackers know
        leaks.push({ where: 'answer', seed, attempt: x.i, plane: x.plane, cred: x.cred, credSite: sites[x.a].name, canarySite: sites[h.owner].name, canary: h.c, kind: h.kind, status: a.status, request: sent(), answer: text.slice(0, 2000) });
      }
      if (x.runs && a.status === 202) sched.requested[x.a] = (sched.requested[x.a] ?? 0) + 1;
      if (x.echo) { // what the remote received for this attempt: A's installation only
        const rec = tap.echoes.get(x.i);
        tap.echoes.delete(x.i);
        if (rec) {
          remote.received++;
          const bad = remoteReceivedOf(rec, x.a, sites);
          if (rec.systemToken && rec.systemToken !== sites[x.a].systemToken) remote.tokens.add(`${x.a} ${rec.systemToken}`);
          if (bad) leaks.push({ where: 'remote', seed, attempt: x.i, plane: x.plane, cred: x.cred, credSite: sites[x.a].name, detail: bad, request: sent(), received: JSON.stringify({ fit: rec.fit, url: rec.url }).slice(0, 2000) });
        }
      }
    };
    const remote = { received: 0, tokens: new Set() };
    await Promise.all([pool.stream(nextOf('fast'), onAnswer), slowPool.stream(nextOf('slow'), onAnswer), uiPool.stream(nextOf('ui'), onAnswer)]);
    renewing = false;
    await renewer;
    const kilnCpu = cpuSeconds(k.run.pid) - cpu0;
    const me1 = process.cpuUsage(me0);
    const clientCpu = (me1.user + me1.system) / 1e6;
    const ms = Date.now() - t1;
    const done = Object.values(perPlane).reduce((s, n) => s + n, 0);
    log(`isolation: ${done} attempts in ${ms} ms (${Math.round(done / (ms / 1000))}/s; CPU seconds: kiln and its workers ${kilnCpu.toFixed(1)}, this client ${clientCpu.toFixed(1)}); planes ${JSON.stringify(perPlane)}; credentials ${JSON.stringify(perCred)}; statuses ${JSON.stringify(statuses)}; by plane ${JSON.stringify(planeStatuses)}`);
    for (const h of holds) tap.release(h.key);
    await Promise.all(holds.map((h) => h.call));

    // the scheduled runs the attempts started: each reported (function, endpoint) with the
    // site it ran for, what it read judged against that site; system tokens the remote got
    // must open the site the FIT named
    const want = Object.values(sched.requested).reduce((n, v) => n + v, 0);
    await until('the scheduled runs', () => tap.sched.length - sched.base >= want, 120000).catch(() => {});
    const schedCheck = await checkSchedule(k, sites, scan, tap.sched.slice(sched.base));
    leaks.push(...schedCheck.leaks.map((l) => ({ seed, ...l })));
    for (const t of remote.tokens) {
      const [si, tok] = t.split(' ');
      const S = sites[Number(si)];
      const r = await k.api(`/ex/jira/${S.cloudId}/rest/api/3/issue/${S.issue}?fields=summary`, { token: tok });
      if (r.status !== 200) leaks.push({ where: 'remote', seed, detail: `a system token sent with ${S.name}'s remote call does not open ${S.name} (${r.status})` });
    }
    const schedule = { requested: want, reported: tap.sched.length - sched.base, ...schedCheck.counts };
    log(`isolation: scheduled runs started by attempts ${want}, reported ${schedule.reported} (${JSON.stringify(schedCheck.counts)}); remote calls received ${remote.received}, other system tokens checked ${remote.tokens.size}`);

    // afterwards: function logs, audit and ledger records of each site, kiln's stderr
    const recordLeaks = await scanRecords(k, sites, scan);
    leaks.push(...recordLeaks.leaks);
    // and every site's own planted data is still its own (no write went across)
    const integrity = await ownDataIntact(k, sites, scan);
    log(`isolation: records scanned ${JSON.stringify(recordLeaks.counts)}; own data intact: ${integrity.ok}`);
    if (!integrity.ok) leaks.push({ where: 'integrity', seed, detail: integrity.detail });
    for (const l of leaks.slice(0, 5)) log(`LEAK ${JSON.stringify(l, null, 1)}`);
    log(`isolation: ${leaks.length} leaks`);
    return { seed, attempts: done, ms, kilnCpu, clientCpu, rate: Math.round(done / (ms / 1000)), perPlane, perCred, statuses, planeStatuses, leaks, control, records: recordLeaks.counts, errors: recordLeaks.errors, schedule, remote: { received: remote.received, otherTokens: remote.tokens.size } };
  } finally {
    for (const h of holds) tap.release(h.key);
    await k.close();
    tap.close();
  }
}

/** For each site and plane, its own credential reading its own data: how many of its own
 * canaries (distinct) came back. A plane that sees none would make the battery blind there. */
async function positiveControl(k, sites, scan, tap) {
  const out = {};
  const own = (si, text, cls = ['value']) => new Set(scan(text).filter((h) => h.owner === si && cls.includes(h.cls)).map((h) => h.c)).size;
  for (const [si, S] of sites.entries()) {
    const i = S.ids;
    const reqs = [
      ['product', raw('GET', `/ex/jira/${S.cloudId}/rest/api/3/issue/${S.issue}?expand=renderedFields&fields=*all&properties=*all`, credHeaders(S, 'bearer', 'GET'))],
      ['product', raw('GET', `/ex/jira/${S.cloudId}/rest/api/3/issue/${S.issue}/properties/${i.propertyKeys[0]}`, credHeaders(S, 'basic', 'GET'))],
      ['product', raw('GET', `/ex/jira/${S.cloudId}/rest/api/3/issue/${S.issue}`, credHeaders(S, 'system', 'GET'))],
      ['ui', raw('GET', `/ex/jira/${S.cloudId}/rest/api/3/issue/${S.issue}`, credHeaders(S, 'session', 'GET'))],
      ['proxy', raw('GET', `/_proxy/fpp/rest/api/3/issue/${S.issue}`, credHeaders(S, 'invocation', 'GET'))],
      ['proxy', raw('POST', '/_proxy/kvs/v1/get', credHeaders(S, 'invocation', 'POST'), { key: i.kvsKeys[0] })],
      ['proxy', raw('POST', '/_proxy/kvs/v1/secret/get', credHeaders(S, 'invocation', 'POST'), { key: i.kvsKeys[1] })],
      ['proxy', raw('POST', '/_proxy/kvs/v1/entity/get', credHeaders(S, 'invocation', 'POST'), { key: i.kvsKeys[2], entityName: 'isorow' })],
      ['bridge', raw('POST', '/_ui/v1/bridge', [...credHeaders(S, 'session', 'POST'), ['X-Kiln-Context', S.context.token]], { op: 'fetchProduct', payload: { product: 'jira', restPath: `/rest/api/3/issue/${S.issue}` }, extension: S.context.ext })],
      ['bridge', raw('POST', '/_ui/v1/bridge', [...credHeaders(S, 'session', 'POST'), ['X-Kiln-Context', S.context.token]], { op: 'invoke', payload: { functionKey: 'kvs', payload: { key: i.kvsKeys[0] } }, extension: S.context.ext })],
      ['webtrigger', raw('POST', S.triggers.probe, [], { op: 'kvs', key: i.kvsKeys[0] })],
      ['webtrigger', raw('POST', S.triggers.probe, [], { op: 'jira', key: S.issue })],
      // the remote's data for S comes back through invokeRemote and fetchRemote (numbers
      // above any attempt's)
      ['remote', raw('POST', `/_proxy/frc/echo/${2000000000 + si}`, [...credHeaders(S, 'invocation', 'POST'), ['X-Forge-Remote', 'backend']], {})],
      ['remote', raw('POST', '/_ui/v1/bridge', [...credHeaders(S, 'session', 'POST'), ['X-Kiln-Context', S.context.token]], { op: 'fetchRemote', payload: { remoteKey: 'backend', fetchRequestInit: { path: `/echo/${2100000000 + si}`, method: 'POST', body: '{}' } }, extension: S.context.ext })],
      // the next scheduled run looks up S's own KVS value and issue
      ['schedule', raw('POST', S.triggers.probe, [], { op: 'steer', tap: S.tap, kvs: [i.kvsKeys[0]], issues: [S.issue] })],
    ];
    const answers = await pipePool(k.port, { connections: 1, depth: 1 }).send(reqs.map((r) => r[1]));
    for (const [j, [plane]] of reqs.entries()) {
      out[plane] = (out[plane] ?? 0) + own(si, `${answers[j].head}\n${answers[j].body}`);
    }
    for (const n of [2000000000 + si, 2100000000 + si]) {
      const rec = tap.echoes.get(n);
      tap.echoes.delete(n);
      if (!rec || remoteReceivedOf(rec, si, sites)) throw new Error(`control: the remote call of ${S.name} (${n}): ${rec ? remoteReceivedOf(rec, si, sites) : 'not received'}`);
    }
    // the UI origin serves S's own app's files (each holds a canary of S's)
    const f = S.uiFrame;
    const files = await pipePool(f.port, { connections: 1, depth: 1 }).send(['index.html', 'data.json', 'sub/deep.txt'].map((file) => raw('GET', `/r/${f.inst}/${f.seq}/${f.key}/${f.mac}/${file}`, [['Cookie', S.session.cookie]])));
    out.uifiles = (out.uifiles ?? 0) + files.reduce((n, a) => n + own(si, `${a.head}\n${a.body}`), 0);
    // a run of S's scheduled trigger (the operator's kiln trigger run) reads S's own data
    // and reports it; the endpoint's run carries S's FIT
    const base = tap.sched.length;
    for (const key of ['sched', 'sched-remote']) {
      const r = await k.admin(`/sites/${S.name}/installations/${S.appId}/development/scheduledTriggers/${key}/run`, { method: 'POST' });
      expectStatus(r, 202, `control: run ${key} on ${S.name}`);
    }
    const got = await until(`control: the scheduled runs of ${S.name}`, () => {
      const mine = tap.sched.slice(base).filter((r) => (r.via === 'function' ? r.cloudId : r.fit?.context?.cloudId) === S.cloudId);
      return mine.some((r) => r.via === 'function') && mine.some((r) => r.via === 'endpoint') && mine;
    });
    const checked = await checkSchedule(k, sites, scan, got);
    if (checked.leaks.length) throw new Error(`control: the scheduled runs of ${S.name}: ${JSON.stringify(checked.leaks)}`);
    out.schedule = (out.schedule ?? 0) + checked.counts.ownValues;
  }
  return out;
}

/** What a remote call made for site ai received: null when its FIT is ai's installation
 * and names no other site's or installation, else what is wrong. */
function remoteReceivedOf(rec, ai, sites) {
  const A = sites[ai];
  const fit = rec.fit;
  if (!fit) return 'no Forge invocation token';
  if (fit.context?.cloudId !== A.cloudId) return `FIT context.cloudId ${fit.context?.cloudId}, not ${A.name}'s ${A.cloudId}`;
  if (fit.app?.installationId !== `ari:cloud:ecosystem::installation/${A.installationId}`) return `FIT app.installationId ${fit.app?.installationId}, not ${A.name}'s`;
  const t = JSON.stringify(fit);
  for (const [si, S] of sites.entries()) {
    if (si !== ai && (t.includes(S.cloudId) || t.includes(S.installationId))) return `the FIT names ${S.name}`;
  }
  return null;
}

/** The scheduled runs' reports to the tap (the function's and the endpoint's), each judged
 * against the site its event names: its context, installation and FIT must be that site's,
 * and nothing another site owns may be in what it read. */
async function checkSchedule(k, sites, scan, reports) {
  const leaks = [];
  const counts = { function: 0, endpoint: 0, ownValues: 0 };
  const byCloud = new Map(sites.map((S, si) => [S.cloudId, si]));
  const tokens = new Set();
  for (const r of reports) {
    const text = JSON.stringify(r);
    const cloud = r.via === 'function' ? r.cloudId : r.fit?.context?.cloudId;
    const si = byCloud.get(cloud);
    counts[r.via]++;
    const bad = (detail) => leaks.push({ where: `scheduled ${r.via}`, detail, record: text.slice(0, 2000) });
    if (si === undefined) { bad(`a run for no site of the battery (${cloud})`); continue; }
    const S = sites[si];
    if (r.via === 'function') {
      if (r.installContext !== `ari:cloud:jira::site/${S.cloudId}`) bad(`context.installContext ${r.installContext} in a run of ${S.name}`);
      if (r.installationId !== S.installationId || r.appInstallationId !== S.installationId) bad(`installation ${r.installationId} / ${r.appInstallationId} in a run of ${S.name}`);
    } else {
      const why = remoteReceivedOf(r, si, sites);
      if (why) bad(why);
      if (r.body?.context?.cloudId !== S.cloudId) bad(`the event's context.cloudId ${r.body?.context?.cloudId} with ${S.name}'s FIT`);
      if (r.systemToken && r.systemToken !== S.systemToken) tokens.add(`${si} ${r.systemToken}`);
    }
    for (const h of scan(text)) {
      if (h.owner === si) { if (h.cls === 'value') counts.ownValues++; continue; }
      if (h.cls !== 'named') bad(`${sites[h.owner].name}'s ${h.kind} in a scheduled run of ${S.name}`);
    }
  }
  for (const t of tokens) {
    const [si, tok] = t.split(' ');
    const S = sites[Number(si)];
    const r = await k.api(`/ex/jira/${S.cloudId}/rest/api/3/issue/${S.issue}?fields=summary`, { token: tok });
    if (r.status !== 200) leaks.push({ where: 'scheduled endpoint', detail: `the system token sent with ${S.name}'s run does not open ${S.name} (${r.status})` });
  }
  return { leaks, counts };
}

/** Function logs, audit and ledger records by site, and kiln's stderr, scanned. */
async function scanRecords(k, sites, scan) {
  const bySiteId = new Map();
  for (const [si, S] of sites.entries()) bySiteId.set(String(sqlJson(k, `SELECT id FROM sites WHERE name = '${S.name}'`)[0].id), si);
  const leaks = [];
  const counts = { logs: 0, audit: 0, ledger: 0, stderr: 0, ownValuesInLogs: 0, stderrErrors: 0 };
  const errors = []; // kiln's error-level lines: hostile input is answered, never an error of kiln's
  const judge = (where, siteIdx, text) => {
    for (const h of scan(text)) {
      if (h.owner === siteIdx) { if (where === 'function log' && h.cls === 'value') counts.ownValuesInLogs++; continue; }
      if (h.cls === 'named') continue; // attackers name these: records echo them
      leaks.push({ where, site: siteIdx === undefined ? '(none)' : sites[siteIdx]?.name, canarySite: sites[h.owner].name, kind: h.kind, record: text.slice(0, 2000) });
    }
  };
  // every row of each table, 20,000 at a time by id (a long run leaves millions)
  const rows = function* (table) {
    for (let after = -1; ;) {
      const page = sqlJson(k, `SELECT * FROM ${table} WHERE id > ${after} ORDER BY id LIMIT 20000`);
      if (!page.length) return;
      yield* page;
      after = page[page.length - 1].id;
    }
  };
  for (const r of rows('function_logs')) { counts.logs++; judge('function log', bySiteId.get(String(r.site_id)), JSON.stringify(r)); }
  for (const r of rows('audit_log')) { counts.audit++; judge('audit', bySiteId.get(String(r.site_id)), JSON.stringify(r)); }
  // a ledger record of site A's data sent to B is judged against A, whose data it is
  for (const r of rows('ledger')) { counts.ledger++; judge('ledger', bySiteId.get(String(r.site_id)), JSON.stringify(r)); }
  for (const line of k.allStderrLines()) {
    counts.stderr++;
    if (line.includes('"level":"error"') && ++counts.stderrErrors <= 10) errors.push(line.slice(0, 500));
    for (const h of scan(line)) if (h.cls !== 'named') leaks.push({ where: 'kiln stderr', canarySite: sites[h.owner].name, kind: h.kind, record: line.slice(0, 2000) });
  }
  return { leaks, counts, errors };
}

/** Every site's planted issue, property and KVS value still reads back as planted. */
async function ownDataIntact(k, sites, scan) {
  const bad = [];
  for (const [si, S] of sites.entries()) {
    const want = new Set(S.canaries.filter((x) => x.cls === 'value' && /^issue (summary|description)$|^comment$|^custom field value$/.test(x.kind)).map((x) => x.c));
    const r = await k.jira(S.cloudId, `/issue/${S.issue}?fields=*all`, { token: S.token });
    const got = new Set(scan(r.text).filter((h) => h.owner === si).map((h) => h.c));
    for (const c of want) if (!got.has(c)) bad.push(`${S.name}: ${c} missing from ${S.issue}`);
    for (const h of scan(r.text)) if (h.owner !== si) bad.push(`${S.name}: ${sites[h.owner].name}'s ${h.kind} in ${S.issue}`);
  }
  return { ok: bad.length === 0, detail: bad };
}

// ---------------------------------------------------------------- long mode

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const attempts = Number(process.env.ISO_ATTEMPTS ?? 1000000);
  const r = await runIsolation({ attempts, seed: process.env.ISO_SEED, only: process.env.ISO_ONLY, siteCount: Number(process.env.ISO_SITES ?? 3) });
  console.log(`isolation: summary ${JSON.stringify({ date: new Date().toISOString().slice(0, 10), seed: r.seed, attempts: r.attempts, perSecond: r.rate, leaks: r.leaks.length, planes: r.perPlane, credentials: r.perCred, records: r.records })}`);
  process.exitCode = r.leaks.length ? 1 : 0;
}
