// GET /_ui/v1/modules over HTTP with real sessions (docs/ui.md "UI modules"): an app with
// every kind of UI module is deployed and installed on site A only; users of A and B sign
// in through one-time links and ask for the modules of each placement. Display conditions
// are evaluated per user and issue (the site admin vs Sam, a plain member of WEB; a Bug vs
// a Task); pages filtered by their own conditions; administration pages for administrators
// only. Tenancy: B sees none of A's app; another site's issue key, or an issue the user
// may not browse, is the same 404 as one that does not exist; an uninstalled app's modules
// vanish. Hostile and malformed queries get 400/401, never data.
//
// Run: node --test tests/e2e/ui_modules.test.mjs   (needs build/kiln)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  startKiln, expectStatus, describeRes, tempDir, writeFiles, kilnCli as kiln, cliOkJson as okJson, UUID_RE,
} from './lib/kiln.mjs';
import { uiSession } from './lib/ui.mjs';

const MANIFEST = `modules:
  jira:issuePanel:
    - key: all-panel
      resource: main
      resolver:
        function: resolver
      title: Everyone's panel
      icon: resource:main;icon.svg
      viewportSize: large
    - key: bug-panel
      resource: main/bug
      render: native
      title: {i18n: panels.bug}
      icon: https://example.com/bug.svg
      displayConditions:
        issueType: Bug
    - key: admin-panel
      resource: main
      title: Admins only
      icon: https://example.com/a.svg
      displayConditions:
        or:
          isAdmin: true
          isSiteAdmin: true
    - key: future-panel
      resource: main
      title: Future
      icon: https://example.com/f.svg
      displayConditions:
        someFutureCondition: true
    - key: expr-panel
      resource: main
      title: Expression
      icon: https://example.com/e.svg
      displayConditions:
        jiraExpression: "issue.issueType.name == 'Task' && user.accountId != null"
    - key: legacy-panel
      function: resolver
      title: UI Kit 1
      icon: https://example.com/l.svg
  jira:issueGlance:
    - key: glance
      resource: main
      title: Glance
      label: Status
      status:
        type: lozenge
        value: {label: New, type: new}
  jira:globalPage:
    - key: global
      resource: main
      title: Global
      pages:
        - {title: Public, route: public}
        - title: Secret
          route: secret
          displayConditions: {isAdmin: true}
  jira:adminPage:
    - key: settings
      resource: main
      title: Settings
      useAsConfig: true
  jira:projectPage:
    - key: project-page
      resource: main
      title: Project page
      displayConditions:
        not:
          projectType: service_desk
  jira:dashboardGadget:
    - key: gadget
      resource: main
      title: Gadget
      description: A gadget
      thumbnail: https://example.com/t.png
      edit: {resource: main, render: native}
  function:
    - key: resolver
      handler: index.handler
resources:
  - key: main
    path: static
app:
  runtime:
    name: nodejs20.x
`;

const SRC = `export async function handler() { return 'ok'; }\n`;

describe('GET /_ui/v1/modules', () => {
  let k, A, B, dir, appName;
  const tag = randomBytes(3).toString('hex');
  const people = {}; // name -> account id, per site
  const cookies = {}; // "A:admin" -> Cookie header
  const issues = {}; // "bug", "task" on A; "bOnly" on B
  let webKey, helpKey;

  async function accountByMail(site, who) {
    const r = await k.jira(site.cloudId, '/users/search?maxResults=50', { token: site.token });
    expectStatus(r, 200);
    return r.json.find((u) => u.emailAddress?.startsWith(`${who}@`)).accountId;
  }

  const signIn = async (site, accountId) => (await uiSession(k, site.name, accountId)).cookie;

  const modules = (who, query) => k.api(`/_ui/v1/modules?${query}`, { headers: { cookie: cookies[who] } });
  const keys = (r) => {
    expectStatus(r, 200, describeRes(r));
    return r.json.modules.map((m) => m.moduleKey);
  };

  async function findIssue(site, jql) {
    const r = await k.jira(site.cloudId, `/search/jql?jql=${encodeURIComponent(jql)}&fields=issuetype&maxResults=1`,
      { token: site.token });
    expectStatus(r, 200, jql);
    assert.ok(r.json.issues.length, `an issue for ${jql}`);
    return r.json.issues[0].key;
  }

  before(async () => {
    k = await startKiln();
    A = await k.siteWithToken(`uim-a-${tag}`, true);
    B = await k.siteWithToken(`uim-b-${tag}`, true);
    const ps = (await k.jira(A.cloudId, '/project/search?maxResults=50', { token: A.token })).json.values;
    webKey = ps.find((p) => p.key.startsWith('WEB')).key;
    helpKey = ps.find((p) => p.key.startsWith('HELP')).key;
    issues.bug = await findIssue(A, `project = ${webKey} AND issuetype = Bug`);
    issues.task = await findIssue(A, `project = ${webKey} AND issuetype = Task`);
    // an issue that exists on B only: a project key A does not have
    const bAdmin = B.accountId;
    const pr = await k.jira(B.cloudId, '/project', {
      token: B.token, method: 'POST',
      body: { key: 'BONLY', name: 'B only', projectTypeKey: 'software', leadAccountId: bAdmin },
    });
    expectStatus(pr, 201, describeRes(pr));
    const ir = await k.jira(B.cloudId, '/issue', {
      token: B.token, method: 'POST',
      body: { fields: { project: { key: 'BONLY' }, summary: 'only on B', issuetype: { name: 'Task' } } },
    });
    expectStatus(ir, 201, describeRes(ir));
    issues.bOnly = ir.json.key;

    appName = `ui-modules-${tag}`;
    dir = path.join(tempDir('uimapp'), appName);
    writeFiles(dir, { 'manifest.yml': MANIFEST, 'src/index.js': SRC, 'static/index.html': '<p>ui</p>', 'static/icon.svg': '<svg/>' });
    await okJson(k, ['register', dir, '--json']);
    const dep = await okJson(k, ['deploy', dir, '--json']);
    const warned = (dep.warnings ?? []).map((w) => `${w.path}: ${w.message}`);
    assert.ok(warned.some((w) => /displayConditions\.someFutureCondition: unknown display condition/.test(w)), warned.join('\n'));
    assert.ok(warned.some((w) => /legacy-panel|UI Kit 1/.test(w)), warned.join('\n'));
    assert.ok(!warned.some((w) => /not run by kiln yet/.test(w)), `UI modules are run now: ${warned.join('\n')}`);
    await okJson(k, ['install', '--site', A.name, '--confirm-scopes', '--json'], { cwd: dir });

    people.admin = A.accountId;
    people.sam = await accountByMail(A, 'sam');
    people.elena = await accountByMail(A, 'elena');
    cookies['A:admin'] = await signIn(A, people.admin);
    cookies['A:sam'] = await signIn(A, people.sam);
    cookies['A:elena'] = await signIn(A, people.elena);
    cookies['B:admin'] = await signIn(B, B.accountId);
  });

  after(async () => {
    await k?.close();
  });

  it('lists the issue panels whose conditions hold, per user and issue type, in a stable order', async () => {
    assert.deepEqual(keys(await modules('A:admin', `placement=issuePanel&issue=${issues.bug}`)),
      ['admin-panel', 'all-panel', 'bug-panel', 'future-panel']);
    assert.deepEqual(keys(await modules('A:sam', `placement=issuePanel&issue=${issues.bug}`)),
      ['all-panel', 'bug-panel', 'future-panel']);
    assert.deepEqual(keys(await modules('A:sam', `placement=issuePanel&issue=${issues.task}`)),
      ['all-panel', 'expr-panel', 'future-panel']);
    assert.deepEqual(keys(await modules('A:admin', `placement=issuePanel&issue=${issues.task}`)),
      ['admin-panel', 'all-panel', 'expr-panel', 'future-panel']);
  });

  it('gives what the host needs to show each module', async () => {
    const r = await modules('A:sam', `placement=issuePanel&issue=${issues.bug}`);
    expectStatus(r, 200);
    assert.match(r.headers['content-type'], /^application\/json/);
    const [all, bug] = r.json.modules;
    assert.equal(r.json.truncated, false);
    assert.equal(all.appName, appName);
    assert.match(all.appId, UUID_RE);
    assert.match(all.installationId, UUID_RE);
    assert.equal(all.environment, 'development');
    assert.equal(all.type, 'jira:issuePanel');
    assert.equal(all.title, "Everyone's panel");
    assert.equal(all.render, 'custom');
    assert.equal(all.resource, 'main');
    assert.equal(all.viewportSize, 'large');
    assert.deepEqual(all.iconResource, { key: 'main', path: 'icon.svg' });
    assert.equal(all.icon, undefined);
    assert.equal(all.hasResolver, true);
    assert.equal(bug.render, 'native');
    assert.equal(bug.resource, 'main');
    assert.equal(bug.resourceEntry, 'bug');
    assert.equal(bug.title, 'panels.bug');
    assert.equal(bug.titleI18n, true);
    assert.equal(bug.icon, 'https://example.com/bug.svg');
    assert.equal(bug.hasResolver, false);
    assert.equal(bug.displayConditions, undefined, 'conditions are evaluated by kiln, not handed to the browser');
  });

  it('glances, global pages (pages filtered), gadgets, project pages and admin pages', async () => {
    const g = (await modules('A:sam', `placement=issueGlance&issue=${issues.task}`)).json.modules;
    assert.deepEqual(g.map((m) => [m.moduleKey, m.label, m.status]),
      [['glance', 'Status', { type: 'lozenge', value: { label: 'New', type: 'new' } }]]);
    const adminPages = (await modules('A:admin', 'placement=globalPage')).json.modules[0].pages;
    assert.deepEqual(adminPages, [{ title: 'Public', route: 'public' }, { title: 'Secret', route: 'secret' }]);
    const samPages = (await modules('A:sam', 'placement=globalPage')).json.modules[0].pages;
    assert.deepEqual(samPages, [{ title: 'Public', route: 'public' }]);
    const gadget = (await modules('A:sam', 'placement=dashboardGadget')).json.modules[0];
    assert.equal(gadget.description, 'A gadget');
    assert.equal(gadget.thumbnail, 'https://example.com/t.png');
    assert.deepEqual(gadget.edit, { resource: 'main', render: 'native' });
    assert.deepEqual(keys(await modules('A:admin', `placement=projectPage&project=${webKey}`)), ['project-page']);
    assert.deepEqual(keys(await modules('A:admin', `placement=projectPage&project=${helpKey}`)), [],
      'not on a service desk project');
    assert.deepEqual(keys(await modules('A:admin', 'placement=adminPage')), ['settings']);
    assert.deepEqual(keys(await modules('A:sam', 'placement=adminPage')), [], 'administration is for administrators');
  });

  it('site B sees none of the app installed on A; A\'s session cannot name B\'s issue', async () => {
    const bWeb = (await k.jira(B.cloudId, '/project/search?maxResults=50', { token: B.token })).json.values
      .find((p) => p.key.startsWith('WEB')).key;
    const bIssue = await findIssue(B, `project = ${bWeb} AND issuetype = Bug`);
    assert.deepEqual(keys(await modules('B:admin', `placement=issuePanel&issue=${bIssue}`)), []);
    assert.deepEqual(keys(await modules('B:admin', 'placement=globalPage')), []);
    assert.deepEqual(keys(await modules('B:admin', `placement=issuePanel&issue=${issues.bOnly}`)), []);
    const cross = await modules('A:admin', `placement=issuePanel&issue=${issues.bOnly}`);
    expectStatus(cross, 404, describeRes(cross));
    const missing = await modules('A:admin', 'placement=issuePanel&issue=NOPE-999999');
    expectStatus(missing, 404);
    assert.equal(cross.text, missing.text, 'another site\'s issue is the same 404 as no issue');
    assert.doesNotMatch(cross.text, /only on B|BONLY/);
    const crossProject = await modules('A:admin', 'placement=projectPage&project=BONLY');
    expectStatus(crossProject, 404);
  });

  it('an issue or project the user may not browse is a 404, like one that does not exist', async () => {
    const r = await modules('A:elena', `placement=issuePanel&issue=${issues.bug}`);
    expectStatus(r, 404, describeRes(r));
    const missing = await modules('A:elena', 'placement=issuePanel&issue=NOPE-999999');
    assert.equal(r.text, missing.text);
    expectStatus(await modules('A:elena', `placement=projectPage&project=${webKey}`), 404);
    // Elena still sees what is not tied to WEB
    assert.deepEqual(keys(await modules('A:elena', 'placement=globalPage')), ['global']);
  });

  it('takes the placement as the module type too (jira:issuePanel), as the host sends it', async () => {
    assert.deepEqual(keys(await modules('A:sam', `placement=jira:issuePanel&issue=${issues.bug}`)),
      keys(await modules('A:sam', `placement=issuePanel&issue=${issues.bug}`)));
    assert.deepEqual(keys(await modules('A:admin', 'placement=jira:adminPage')), ['settings']);
  });

  it('refuses malformed and hostile queries', async () => {
    const cases = [
      ['', 400], ['placement=', 400], ['placement=nope', 400], ['placement=jira:nope', 400], ['placement=jira:', 400],
      ['placement=jira:issuePanel', 400], ['placement=jira:jira:globalPage', 400],
      ['placement=issuePanel', 400], ['placement=projectPage', 400],
      [`placement=issuePanel&issue=${'A'.repeat(65)}-1`, 400], ['placement=issuePanel&issue=%zz', 400],
      [`placement=globalPage&x=${'y'.repeat(600)}`, 400],
      [`placement=issuePanel&issue=${issues.task}&project=${helpKey}`, 400],
      ["placement=issuePanel&issue=WEB-1'%20OR%201=1", 404],
    ];
    for (const [q, want] of cases) {
      const r = await modules('A:admin', q);
      assert.equal(r.status, want, `${q}: ${describeRes(r)}`);
      assert.equal(r.json?.modules, undefined, q);
    }
    // no session, a forged one, an API token: not signed in
    for (const headers of [{}, { cookie: 'kiln_session=forged' }, { authorization: `Bearer ${A.token}` }]) {
      const r = await k.api(`/_ui/v1/modules?placement=globalPage`, { headers });
      expectStatus(r, 401, describeRes(r));
    }
  });

  it('the modules of an uninstalled app vanish', async () => {
    assert.ok(keys(await modules('A:sam', 'placement=globalPage')).length > 0);
    await okJson(k, ['uninstall', '--site', A.name, '--json'], { cwd: dir });
    assert.deepEqual(keys(await modules('A:sam', 'placement=globalPage')), []);
    assert.deepEqual(keys(await modules('A:admin', `placement=issuePanel&issue=${issues.bug}`)), []);
  });
});
