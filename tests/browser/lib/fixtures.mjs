// Fixture apps of the browser tests (tests/browser/fixtures/<name>: manifest.yml, static/,
// ui-src/index.js built with esbuild against the real @forge/bridge of ui/node_modules).
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { ROOT, tempDir } from '../../e2e/lib/kiln.mjs';
import { deployApp } from '../../e2e/lib/ui.mjs';

/** A copy of the fixture `fixture` named `name`, its manifest's text edited by
 * `manifest`, built, registered, deployed and installed on `site`; {id: the app id}. */
export async function deployFixture(k, site, fixture, name, manifest = (m) => m) {
  const dir = path.join(tempDir(fixture.replace(/[^a-z]/g, '')), name);
  cpSync(path.join(ROOT, 'tests', 'browser', 'fixtures', fixture), dir, { recursive: true });
  writeFileSync(path.join(dir, 'manifest.yml'), manifest(readFileSync(path.join(dir, 'manifest.yml'), 'utf8')));
  symlinkSync(path.join(ROOT, 'ui', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  execFileSync(process.env.ESBUILD || 'esbuild', ['ui-src/index.js', '--bundle', '--format=iife', '--target=es2020',
    '--log-level=error', '--outfile=static/app.js'], { cwd: dir, stdio: 'inherit' });
  return { id: await deployApp(k, dir, [site]) };
}

/** A loopback remote on a free port: each request goes to `seen` ({url, body, claims: the
 * FIT's, unverified}) once its body is in; `answer(req, res, claims)` responds. */
export async function loopbackRemote(seen, answer) {
  const remote = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const fit = /^Bearer [^.]+\.([^.]+)\./.exec(req.headers.authorization ?? '')?.[1];
      const claims = fit ? JSON.parse(Buffer.from(fit, 'base64url').toString()) : {};
      seen.push({ url: req.url, body: Buffer.concat(chunks).toString(), claims });
      answer(req, res, claims);
    });
  });
  await new Promise((r) => remote.listen(0, '127.0.0.1', r));
  return { remote, port: remote.address().port };
}

/** The frame of the iframe `el` (a locator) once its page's #who shows `who`. */
export async function frameOf(el, who) {
  await el.waitFor();
  const handle = await el.elementHandle();
  let f = await handle.contentFrame();
  while (!f) f = await handle.contentFrame();
  await f.locator('#who').filter({ hasText: who }).waitFor();
  return f;
}

/**
 * Clicks #`id` in `frame` from inside the frame, after this call returns. For buttons that
 * take their own frame away (view.refresh, view.submit, view.close, router.navigate): a
 * mouse click goes to Chromium as an input event acknowledged by the frame's renderer, and
 * when the frame is torn down in between the acknowledgement can be lost and Playwright's
 * click waits out its timeout (seen in CI twice); its dispatchEvent can fail with "Frame
 * was detached" when the handler wins the race. What the click did (the frame gone, the
 * payload shown) is what the caller then waits for.
 */
export const clickLater = (frame, id) => frame.evaluate((i) => { setTimeout(() => document.getElementById(i).click(), 0); }, id);
