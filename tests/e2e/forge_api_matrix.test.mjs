// The @forge/api major matrix: the fixtures tests/fixtures/apps/api-v2 … api-v8, each
// pinning the newest release of one major (lockfile of its own, installed by `make deps`),
// deployed into one kiln and installed on two demo sites. On each site the app's
// webtrigger lists the projects as the app (requestJira), keeps items and a secret in app
// storage (the `storage` export of @forge/api 3.x-7.x, @forge/kvs on 8.x, which has no
// `storage`), walks a prefix page by page with cursors and returns webTrigger.getUrl for
// its own key. Checked: each site sees its own projects only (canaries), identical keys
// on both sites never meet, secrets are neither listed nor readable as plain keys, and
// getUrl equals `kiln webtrigger KEY --site`. api-v2 is an app of Forge's legacy sandbox
// runtime (no app.runtime, a placeholder app.id) on @forge/api 2.x, which reaches the
// platform through the runtime's global `api` only; the others never see that global.
//
// Run: node --test tests/e2e/forge_api_matrix.test.mjs   (needs build/kiln, esbuild and
// tests/fixtures/apps/api-v*/node_modules from `make deps`)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startKiln, expectStatus, tempDir, cliOkJson as okJson } from './lib/kiln.mjs';

const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'apps');
const MAJORS = [2, 3, 4, 5, 6, 7, 8];

const installed = (major, pkg) => {
  const f = path.join(FIXTURES, `api-v${major}`, 'node_modules', ...pkg.split('/'), 'package.json');
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')).version : null;
};

describe('@forge/api majors 2 to 8 on two sites', () => {
  let k, A, B;
  const tag = randomBytes(3).toString('hex');

  before(async () => {
    k = await startKiln();
    [A, B] = await Promise.all([k.siteWithToken(`mx-a-${tag}`, true), k.siteWithToken(`mx-b-${tag}`, true)]);
    for (const s of [A, B]) assert.equal(typeof s.canary, 'string', 'a demo site has a canary');
  });

  after(async () => {
    await k?.close();
  });

  for (const major of MAJORS) {
    describe(`@forge/api ${major}.x`, () => {
      const app = `api-v${major}`;
      const T = {}; // site name -> {path, url}
      let dir;

      async function call(site, body) {
        const r = await k.api(T[site.name].path, {
          method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, timeout: 60000,
        });
        expectStatus(r, 200, `${app} ${body.action} on ${site.name}`);
        return r.json;
      }

      before(async () => {
        const version = installed(major, '@forge/api');
        assert.ok(version, `${app}/node_modules/@forge/api (run make deps)`);
        const pinned = JSON.parse(readFileSync(path.join(FIXTURES, app, 'package.json'), 'utf8')).dependencies['@forge/api'];
        assert.equal(version, pinned, `${app} has the release its package.json pins`);
        assert.equal(version.split('.')[0], String(major));
        dir = path.join(tempDir(`mx-${app}`), app);
        cpSync(path.join(FIXTURES, app), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
        symlinkSync(path.join(FIXTURES, app, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
        await okJson(k, ['register', dir, '--json']);
        await okJson(k, ['deploy', dir, '--json']);
        for (const s of [A, B]) {
          await okJson(k, ['install', '--site', s.name, '--confirm-scopes', '--json'], { cwd: dir });
          const url = (await okJson(k, ['webtrigger', 'matrix', '--site', s.name, '--json'], { cwd: dir })).url;
          T[s.name] = { url, path: new URL(url).pathname };
        }
      });

      it('requestJira as the app: each site lists its own projects only', async () => {
        for (const [me, other] of [[A, B], [B, A]]) {
          const j = await call(me, { action: 'projects' });
          assert.equal(j.status, 200, JSON.stringify(j).slice(0, 500));
          assert.ok(j.projects.length > 0, 'a demo site has projects');
          const text = JSON.stringify(j.projects);
          assert.ok(text.includes(me.canary), `${me.name}'s canary in its projects`);
          assert.ok(!text.includes(other.canary), `${other.name}'s canary must not appear on ${me.name}`);
        }
      });

      it('storage: set, get, delete with identical keys on both sites, no crossing', async () => {
        const keys = ['item:a', 'item:b', 'conf'];
        for (const s of [A, B]) {
          const items = Object.fromEntries(keys.map((key) => [key, { site: s.name, key, n: [1, 2, 3], ok: true }]));
          assert.deepEqual(await call(s, { action: 'put', items }), { stored: keys.length });
        }
        for (const s of [A, B]) {
          const got = await call(s, { action: 'get', keys: [...keys, 'never-set'] });
          for (const key of keys) assert.deepEqual(got[key], { site: s.name, key, n: [1, 2, 3], ok: true }, `${s.name} ${key}`);
          assert.equal(got['never-set'], null);
        }
        await call(A, { action: 'delete', key: 'conf' });
        assert.deepEqual(await call(A, { action: 'get', keys: ['conf'] }), { conf: null });
        assert.equal((await call(B, { action: 'get', keys: ['conf'] })).conf.site, B.name, "deleting on A left B's key");
      });

      it('storage: a prefix walked page by page with cursors, each site its own keys', async () => {
        const n = { [A.name]: 7, [B.name]: 4 };
        for (const s of [A, B]) {
          const items = {};
          for (let i = 0; i < n[s.name]; i++) items[`page:${String(i).padStart(2, '0')}`] = `${s.name}-${i}`;
          items['pagex'] = 'another prefix';
          await call(s, { action: 'put', items });
        }
        for (const s of [A, B]) {
          const { items, pages } = await call(s, { action: 'list', prefix: 'page:', pageSize: 3 });
          assert.deepEqual(items, Array.from({ length: n[s.name] }, (_, i) => ({ key: `page:${String(i).padStart(2, '0')}`, value: `${s.name}-${i}` })), s.name);
          assert.ok(pages >= Math.ceil(n[s.name] / 3), `${s.name}: ${pages} pages of 3`);
        }
      });

      it('secrets: set and read on one site only; never listed, never read as a plain key', async () => {
        await call(A, { action: 'set-secret', key: 'page:token', value: { token: `alpha-${major}` } });
        assert.deepEqual(await call(A, { action: 'get-secret', key: 'page:token' }), { value: { token: `alpha-${major}` } });
        assert.deepEqual(await call(B, { action: 'get-secret', key: 'page:token' }), { value: null });
        assert.deepEqual(await call(A, { action: 'get', keys: ['page:token'] }), { 'page:token': null });
        const listed = await call(A, { action: 'list', prefix: 'page:', pageSize: 50 });
        assert.ok(!listed.items.some((x) => x.key === 'page:token'), 'a secret is not listed');
        await call(B, { action: 'set-secret', key: 'page:token', value: 'beta' });
        assert.deepEqual(await call(A, { action: 'get-secret', key: 'page:token' }), { value: { token: `alpha-${major}` } });
        await call(A, { action: 'delete-secret', key: 'page:token' });
        assert.deepEqual(await call(A, { action: 'get-secret', key: 'page:token' }), { value: null });
        assert.deepEqual(await call(B, { action: 'get-secret', key: 'page:token' }), { value: 'beta' });
      });

      if (major === 2) {
        it('the legacy runtime: the global `api` is there, and @forge/api 2.x made every call through it', async () => {
          assert.deepEqual(await call(A, { action: 'legacy' }), { globalApi: 'object', forgeRuntime: 'object' });
        });
      }

      it('webTrigger.getUrl equals `kiln webtrigger matrix --site`', async () => {
        for (const s of [A, B]) assert.deepEqual(await call(s, { action: 'url' }), { url: T[s.name].url }, s.name);
        assert.notEqual(T[A.name].url, T[B.name].url);
      });
    });
  }
});
