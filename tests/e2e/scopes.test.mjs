// permissions.scopes holds only scopes kiln knows (docs/apps.md "Scopes"): the Jira
// platform scopes of the OpenAPI description, classic and granular, and Forge's platform
// scopes kiln serves or can honestly ignore. Anything else, `*` and every wildcard among
// them, is refused at register and at deploy, by the CLI and by the server when a client
// skips the CLI, with manifest.yml:LINE:COL of that scope entry. No scope string grants
// other scopes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import {
  startKiln, tempDir, writeFiles, expectStatus, describeRes,
  kilnCli as kiln, cliOkJson as okJson, expectCliFailure as failsClearly, describeCli,
} from './lib/kiln.mjs';

let k;

before(async () => {
  k = await startKiln({ threads: 1 });
  await k.createSite('scope-a');
});

after(async () => {
  await k?.close();
});

/** Lines 1-9: app (id or a comment in its place) and one function; the scope entries
 * from line 11 on. */
function manifest(scopeLines, id) {
  return `app:
  runtime:
    name: nodejs20.x
${id ? `  id: ${id}` : '  # id: written by kiln register'}
modules:
  function:
    - key: main
      handler: index.run
permissions:
  scopes:
${scopeLines}`;
}

function app(name, scopeLines) {
  const dir = path.join(tempDir('scopes'), name);
  writeFiles(dir, {
    'manifest.yml': manifest(scopeLines),
    'src/index.js': 'export async function run() { return { ok: true }; }\n',
  });
  return dir;
}

const unknownAt = (line, col, p, scope) => new RegExp(
  `^manifest\\.yml:${line}:${col}: ${p.replace(/[.[\]]/g, '\\$&')}: unknown scope "${scope.replace(/[*.]/g, '\\$&')}": `);

describe('the CLI refuses unknown scopes', () => {
  it('register with `*`: exit 1, manifest.yml:LINE:COL of the entry, nothing registered', async () => {
    const dir = app('star', '    - read:jira-work\n    - "*"\n');
    const r = await kiln(k, ['register', dir, '--json']);
    failsClearly(r, unknownAt(12, 7, 'permissions.scopes[1]', '*'), 1);
    assert.equal(YAML.parse(readFileSync(path.join(dir, 'manifest.yml'), 'utf8')).app.id, undefined,
      `register wrote no app id\n${describeCli(r)}`);
  });

  it('deploy with an unknown scope (map form, {key:} form, a wildcard): exit 1 naming its line:column', async () => {
    const dir = app('later', '    - read:jira-work\n');
    const reg = await okJson(k, ['register', dir, '--json']);
    const id = reg.ari;
    const cases = [
      ['read:*', '    - read:jira-work\n    - read:*\n', unknownAt(12, 7, 'permissions.scopes[1]', 'read:*')],
      ['{key:}', '    - key: write:jira-everything\n', unknownAt(11, 12, 'permissions.scopes[0].key', 'write:jira-everything')],
      ['map form', '    read:jira-work: {}\n    storage:apps: {}\n', unknownAt(12, 5, 'permissions.scopes.storage:apps', 'storage:apps')],
      ['confluence', '    - read:page:confluence\n', unknownAt(11, 7, 'permissions.scopes[0]', 'read:page:confluence')],
    ];
    for (const [what, lines, re] of cases) {
      writeFileSync(path.join(dir, 'manifest.yml'), manifest(lines, id));
      const r = await kiln(k, ['deploy', dir, '--json']);
      failsClearly(r, re, 1);
      assert.equal(r.stdout.trim(), '', `${what}: nothing deployed\n${describeCli(r)}`);
    }
    writeFileSync(path.join(dir, 'manifest.yml'), manifest('    - read:jira-work\n', id));
    const list = await okJson(k, ['deploy', 'list', dir, '--json']);
    assert.deepEqual(list.versions, [], 'no version was recorded');
  });
});

describe('the server refuses unknown scopes even when the CLI is skipped', () => {
  let appId;
  let upload;

  before(async () => {
    const r = await k.admin('/apps', { method: 'POST', body: { name: 'raw deployer' } });
    expectStatus(r, 201, 'register');
    appId = r.json.id;
    const u = await k.admin('/uploads', { method: 'POST' });
    expectStatus(u, 201, 'upload');
    upload = u.json.uploadId;
  });

  for (const [what, lines, where] of [
    ['`*`', '    - "*"\n', 'manifest.yml:11:7: permissions.scopes[0]: unknown scope "*"'],
    ['`read:jira-*` after a real scope', '    - read:jira-work\n    - read:jira-*\n',
      'manifest.yml:12:7: permissions.scopes[1]: unknown scope "read:jira-*"'],
    ['a made-up scope', '    - key: admin:everything\n', 'manifest.yml:11:12: permissions.scopes[0].key: unknown scope "admin:everything"'],
  ]) {
    it(`deploy with ${what}: 400 naming manifest.yml:LINE:COL, no version`, async () => {
      const text = manifest(lines, `ari:cloud:ecosystem::app/${appId}`);
      const r = await k.admin(`/apps/${appId}/environments/development/versions`, {
        method: 'POST', body: { uploadId: upload, manifest: text },
      });
      expectStatus(r, 400, what);
      assert.ok(r.json.message.startsWith(`${where}: `), `message names the entry\n${describeRes(r)}`);
      const a = await k.admin(`/apps/${appId}`);
      expectStatus(a, 200);
      const dev = a.json.environments.find((e) => e.key === 'development');
      assert.equal(dev?.latest ?? null, null, `no version deployed\n${describeRes(a)}`);
    });
  }
});

describe('known scopes deploy and install', () => {
  it('granular Jira scopes and Forge platform scopes are accepted, consented and listed', async () => {
    const scopes = ['read:project:jira', 'write:issue:jira', 'storage:app', 'read:app-system-token',
      'read:app-user-token', 'read:app-global-channel:realtime'];
    const dir = app('granular', scopes.map((s) => `    - ${s}\n`).join(''));
    await okJson(k, ['register', dir, '--json']);
    const d = await okJson(k, ['deploy', dir, '--json']);
    assert.ok(d.version, JSON.stringify(d));
    const i = await okJson(k, ['install', '--site', 'scope-a', '--confirm-scopes', '--json'], { cwd: dir });
    assert.deepEqual([...i.scopes].sort(), [...scopes].sort(), JSON.stringify(i));
  });
});
