// Manifests as Forge accepts them, with a warning wherever kiln differs: deprecated
// runtimes (nodejs18.x), no runtime at all (sandbox-era apps) and a runtime without a
// name deploy and run, each warning naming the Node.js the workers really run (asked of a
// worker: process.version); module types kiln does not run yet (a UI module with a
// resource, an issue glance) are listed with manifest.yml:LINE:COL on stderr and as warnings[]
// in --json and in the server's deploy and register answers, while the modules beside them
// (function, webtrigger) still work; `kiln register` replaces the template's placeholder
// app.id (and a foreign one), keeping every other byte, and says so; manifests past the
// limits keep their one-line errors and change nothing.
//
// Run: node --test tests/e2e/manifest_warnings.test.mjs   (needs build/kiln and esbuild)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  startKiln, expectStatus, tempDir, writeFiles, kilnCli as kiln, expectCliOk as ok, cliJson,
  expectCliFailure, describeCli,
} from './lib/kiln.mjs';

const ARI_RE = /^ari:cloud:ecosystem::app\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

// An app as an older Forge template writes it: placeholder id with a comment, nodejs18.x,
// a UI module and an issue glance among a webtrigger and its function. Line numbers matter.
const OLD_APP = `# written for Forge in 2024
app:
  id: ari:cloud:ecosystem::app/   # forge register fills this in
  runtime:
    name: nodejs18.x
modules:
  jira:issueAction:
    - key: status-panel
      resource: main
      resolver:
        function: panel-fn
      title: Status
  webtrigger:
    - key: hook
      function: hook-fn
      response:
        type: dynamic
  jira:issueActivity:
    - key: work-consumer
      queue: work
      resolver:
        function: panel-fn
        method: onWork
  function:
    - key: main
      handler: index.version
    - key: hook-fn
      handler: index.hook
    - key: panel-fn
      handler: index.version
resources:
  - key: main
    path: static
permissions:
  scopes:
    - storage:app
`;

const SRC = `export async function version() {
  return { node: process.version };
}
export async function hook() {
  return { statusCode: 200, headers: { 'Content-Type': ['application/json'] }, body: JSON.stringify({ node: process.version }) };
}
`;

const NOT_RUN = [
  { line: 8, col: 7, path: 'modules.jira:issueAction[0]', key: 'status-panel', message: 'not run by kiln yet' },
  { line: 19, col: 7, path: 'modules.jira:issueActivity[0]', key: 'work-consumer', message: 'not run by kiln yet' },
];

function makeApp(name, manifest) {
  const dir = path.join(tempDir('warn'), name);
  writeFiles(dir, { 'manifest.yml': manifest, 'src/index.js': SRC, 'static/index.html': '<p>panel</p>' });
  return dir;
}

/** stderr lines that look like manifest warnings or register's note. */
function stderrLines(r) {
  return r.stderr.split('\n').filter(Boolean);
}

/** How many apps the server has registered (its store). */
function appCount(k) {
  return Number(k.sql('SELECT count(*) FROM apps'));
}

/** The one-line form of a JSON warning, as the CLI prints it. */
function lineOf(w) {
  return `manifest.yml:${w.line}:${w.col}: ${w.path}${w.key ? ` (key ${w.key})` : ''}: ${w.message}`;
}

describe('manifests as Forge accepts them, with warnings where kiln differs', () => {
  let k;
  let site;
  let node; // what a worker says process.version is

  before(async () => {
    k = await startKiln();
    site = (await k.createSite('warnsite')).name;
  });

  after(async () => {
    await k?.close();
  });

  it('register replaces the placeholder id, keeps every other byte, and lists the warnings', async () => {
    const dir = makeApp('old-app', OLD_APP);
    const r = ok(await kiln(k, ['register', dir, '--json']));
    const j = cliJson(r);
    assert.match(j.ari, ARI_RE);
    const after = readFileSync(path.join(dir, 'manifest.yml'), 'utf8');
    assert.equal(after, OLD_APP.replace('ari:cloud:ecosystem::app/   #', `${j.ari}   #`),
      'only the id value changed; its comment, the other comments and the order stay');
    const lines = stderrLines(r);
    assert.ok(lines.includes(`kiln: manifest.yml: app.id "ari:cloud:ecosystem::app/" replaced by ${j.ari}`),
      describeCli(r));
    // register's warnings: the runtime's (the server names its Node) and the modules'
    assert.equal(j.warnings.length, 3, JSON.stringify(j.warnings));
    assert.deepEqual(j.warnings.slice(1), NOT_RUN);
    assert.deepEqual({ ...j.warnings[0], message: undefined },
      { line: 5, col: 11, path: 'app.runtime.name', message: undefined });
    for (const w of j.warnings) assert.ok(lines.includes(lineOf(w)), `${lineOf(w)}\n${describeCli(r)}`);
  });

  it('deploy: a nodejs18.x app with a UI module and an issue glance deploys, warns with positions, and its function and webtrigger run', async () => {
    const dir = makeApp('old-app-2', OLD_APP);
    ok(await kiln(k, ['register', dir]));
    const r = ok(await kiln(k, ['deploy', dir, '--json']));
    const v = cliJson(r);
    assert.equal(v.version, '1.0.0');
    ok(await kiln(k, ['install', '--site', site, '--confirm-scopes'], { cwd: dir }));
    // the Node a worker runs, asked of the worker itself
    node = cliJson(ok(await kiln(k, ['invoke', 'main', '--site', site], { cwd: dir }))).node;
    assert.match(node, /^v\d+\.\d+\.\d+$/);
    assert.deepEqual(v.warnings, [
      {
        line: 5, col: 11, path: 'app.runtime.name',
        message: 'Forge has deprecated the nodejs18.x runtime (its schema accepts nodejs20.x, nodejs22.x or '
          + `nodejs24.x); kiln runs this app on Node.js ${node}`,
      },
      ...NOT_RUN,
    ]);
    const lines = stderrLines(r);
    assert.deepEqual(lines, v.warnings.map(lineOf), describeCli(r));
    // the webtrigger beside them answers
    const url = cliJson(ok(await kiln(k, ['webtrigger', 'hook', '--site', site, '--json'], { cwd: dir }))).url;
    const res = await k.api(new URL(url).pathname);
    expectStatus(res, 200);
    assert.deepEqual(res.json, { node });
    // without --json: the same lines on stderr, the summary on stdout
    const plain = ok(await kiln(k, ['deploy', dir]));
    assert.match(plain.stdout, /^Deployed ari:cloud:ecosystem::app\/\S+ version 1\.\d+\.0 to development/);
    assert.deepEqual(stderrLines(plain), v.warnings.map(lineOf), describeCli(plain));
  });

  it('no runtime at all (a sandbox-era app) and a runtime without a name: Forge\'s default, with a warning', async () => {
    const cases = [
      {
        name: 'no-runtime',
        manifest: 'app:\n  id: ari:cloud:ecosystem::app/\nmodules:\n  function:\n    - key: main\n      handler: index.version\n',
        warning: { line: 2, col: 3, path: 'app', what: 'runtime' },
      },
      {
        name: 'no-name',
        manifest: 'app:\n  id: ari:cloud:ecosystem::app/\n  runtime:\n    memoryMB: 256\nmodules:\n  function:\n    - key: main\n      handler: index.version\n',
        warning: { line: 4, col: 5, path: 'app.runtime', what: 'name' },
      },
    ];
    for (const c of cases) {
      const dir = makeApp(c.name, c.manifest);
      ok(await kiln(k, ['register', dir]));
      const v = cliJson(ok(await kiln(k, ['deploy', dir, '--json'])));
      assert.deepEqual(v.warnings, [{
        line: c.warning.line, col: c.warning.col, path: c.warning.path,
        message: `no ${c.warning.what}: Forge's default is its legacy sandbox runtime, which it has deprecated; `
          + `kiln runs this app on Node.js ${node} (name nodejs20.x, nodejs22.x or nodejs24.x)`,
      }], c.name);
      ok(await kiln(k, ['install', '--site', site, '--confirm-scopes'], { cwd: dir }));
      assert.equal(cliJson(ok(await kiln(k, ['invoke', 'main', '--site', site], { cwd: dir }))).node, node, c.name);
    }
  });

  it('a current runtime on the Node kiln runs: no warning; a foreign app id is replaced as the placeholder is', async () => {
    const major = node.slice(1).split('.')[0];
    const foreign = 'ari:cloud:ecosystem::app/my-forge-app';
    const text = `app:\n  id: "${foreign}"\n  runtime:\n    name: nodejs${major}.x\n`
      + 'modules:\n  function:\n    - key: main\n      handler: index.version\n';
    const dir = makeApp('current', text);
    const r = ok(await kiln(k, ['register', dir, '--json']));
    const j = cliJson(r);
    assert.deepEqual(j.warnings, []);
    assert.deepEqual(stderrLines(r), [`kiln: manifest.yml: app.id "${foreign}" replaced by ${j.ari}`]);
    assert.equal(readFileSync(path.join(dir, 'manifest.yml'), 'utf8'), text.replace(foreign, j.ari),
      'the quotes stay');
    const d = ok(await kiln(k, ['deploy', dir, '--json']));
    assert.deepEqual(cliJson(d).warnings, []);
    assert.equal(d.stderr, '');
  });

  it('deploy refuses a placeholder id with one line (register first); the server refuses one too', async () => {
    const dir = makeApp('unregistered', OLD_APP);
    expectCliFailure(await kiln(k, ['deploy', dir]),
      /^manifest\.yml:3:7: app\.id: "ari:cloud:ecosystem::app\/" is not an app id \(ari:cloud:ecosystem::app\/<uuid>; kiln register gives the app one\)$/, 1);
    // POST /admin/v1/apps with an invalid manifest: 400, and no app is created
    const before = appCount(k);
    const res = await k.admin('/apps', { method: 'POST', body: { name: 'x', manifest: 'app: [\n' } });
    expectStatus(res, 400);
    assert.match(res.json.message ?? JSON.stringify(res.json), /^manifest\.yml:\d+:\d+: /);
    const res2 = await k.admin('/apps', { method: 'POST', body: { name: 'x', manifest: 12 } });
    expectStatus(res2, 400);
    assert.equal(appCount(k), before, 'nothing registered');
  });

  it('manifests past the limits keep their one-line errors at register and deploy, and change nothing', async () => {
    const many = (n, id = 'ari:cloud:ecosystem::app/') => `app:\n  id: ${id}\n  runtime:\n    name: nodejs18.x\nmodules:\n  function:\n`
      + '    - key: main\n      handler: index.version\n  jira:issueActivity:\n'
      + Array.from({ length: n }, (_, i) => `    - key: c${i}\n      queue: q\n`).join('');
    // 100 unsupported modules: 101 warnings (runtime + 100), all listed
    const dir100 = makeApp('hundred', many(100));
    const r = ok(await kiln(k, ['register', dir100, '--json']));
    assert.equal(cliJson(r).warnings.length, 101);
    // 101: refused with one line; the manifest is untouched and no app appears
    const cases = [
      [many(101), /^manifest\.yml:10:5: modules\.jira:issueActivity: more than 100 modules of type "jira:issueActivity"$/],
      [`${many(1)}x: "${'y'.repeat(5000)}"\n`, /^manifest\.yml:\d+:\d+: .*string is 5000 bytes; the limit is 4096$/],
      [`${many(1)}${'#'.repeat(1024 * 1024)}\n`, /manifest\.yml: not a regular file of at most 1 MiB$/],
    ];
    const registered = 'ari:cloud:ecosystem::app/00000000-0000-4000-8000-000000000000';
    for (const [text, re] of cases) {
      const dir = makeApp('limits', text);
      const apps = appCount(k);
      expectCliFailure(await kiln(k, ['register', dir]), re, 1);
      assert.equal(readFileSync(path.join(dir, 'manifest.yml'), 'utf8'), text);
      assert.equal(appCount(k), apps, 'nothing registered');
      const withId = text.replace('ari:cloud:ecosystem::app/\n', `${registered}\n`);
      const dir2 = makeApp('limits2', withId);
      expectCliFailure(await kiln(k, ['deploy', dir2]), re, 1);
      assert.equal(readFileSync(path.join(dir2, 'manifest.yml'), 'utf8'), withId);
    }
  });
});
