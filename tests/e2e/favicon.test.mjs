// GET /favicon.ico on kiln's origin (src/web/assets.h): the bundle's site icon
// (ui/static/favicon.ico, copied into build/ui by tools/build-ui.mjs), an ICO, cached a
// day with an ETag (304 on If-None-Match), HEAD alike; other methods 405; nothing else
// of the bundle by that path.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describeRes, expectStatus, ROOT, startKiln } from './lib/kiln.mjs';

let k;
before(async () => {
  k = await startKiln();
});
after(async () => {
  await k?.close();
});

test('/favicon.ico answers the bundled icon, cached, with an ETag', async () => {
  const r = await k.api('/favicon.ico');
  expectStatus(r, 200, 'favicon');
  assert.equal(r.headers['content-type'], 'image/x-icon', describeRes(r));
  assert.deepEqual(r.body, readFileSync(path.join(ROOT, 'ui', 'static', 'favicon.ico')), 'the bundled icon');
  assert.deepEqual([...r.body.subarray(0, 4)], [0, 0, 1, 0], 'an ICO header');
  assert.equal(r.headers['cache-control'], 'public, max-age=86400');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  const etag = r.headers.etag;
  assert.match(etag ?? '', /^"favicon\.[0-9A-F]{8}\.ico-[0-9a-f]+"$/);
  const again = await k.api('/favicon.ico', { headers: { 'if-none-match': etag } });
  expectStatus(again, 304, 'If-None-Match');
  assert.equal(again.body.length, 0);
  const head = await k.api('/favicon.ico', { method: 'HEAD' });
  expectStatus(head, 200, 'HEAD');
  assert.equal(head.headers['content-type'], 'image/x-icon');
  const post = await k.api('/favicon.ico', { method: 'POST', body: 'x' });
  expectStatus(post, 405, 'POST');
  assert.equal(post.headers.allow, 'GET, HEAD');
  // the exact path only
  expectStatus(await k.api('/favicon.ico/x'), 404, 'below the icon');
  expectStatus(await k.api('/favicon.icox'), 404, 'another name');
});
