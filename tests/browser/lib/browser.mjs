// Browser test harness (docs/testing.md): a real headless Chromium driven by
// playwright-core, against a kiln started by tests/e2e/lib/kiln.mjs.
//
//   const b = await launchBrowser();            // once per file; b.close() in after()
//   await withPage(b, t, async (page) => {...}) // a fresh context per test; on failure a
//                                               // screenshot + the page's HTML go to
//                                               // build/test-artifacts/<test>.png/.html
//   await signIn(k, page, site, accountId?)     // `kiln ui login-url` and open the link
//                                               // (loginUrl, deployApp, sql: tests/e2e/lib/ui.mjs)
//   const dir = exampleApp(name, {build})       // a copy of examples/<name> to deploy
//   await docShot(page, name)                   // docs/img/ui-<name>.png, only when
//                                               // KILN_UI_SCREENSHOTS is set
//
// The browser is $KILN_CHROMIUM or /usr/bin/chromium (Debian's, `make deps`);
// --no-sandbox only when running as root (Chromium refuses its sandbox there).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, tempDir } from '../../e2e/lib/kiln.mjs';
import { loginUrl } from '../../e2e/lib/ui.mjs';

export const ARTIFACTS = path.join(ROOT, 'build', 'test-artifacts');
export const CHROMIUM = process.env.KILN_CHROMIUM || '/usr/bin/chromium';

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run make deps, or set KILN_CHROMIUM`);
  const args = ['--disable-dev-shm-usage', '--disable-gpu'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

function slug(name) {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'test';
}

/** Saves a screenshot and the HTML of the page as build/test-artifacts/<name>.{png,html}. */
export async function saveArtifacts(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const base = path.join(ARTIFACTS, slug(name));
  await page.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => {});
  const html = await page.content().catch((e) => `<!-- no content: ${e.message} -->`);
  writeFileSync(`${base}.html`, html);
  return base;
}

/**
 * Runs fn(page, context) in a fresh browser context (no cookies or storage shared with
 * other tests). Page errors and failed console messages are collected in page.kilnErrors.
 * On a throw the artifacts are saved and the error says where.
 */
export async function withPage(browser, t, fn, contextOpts = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOpts });
  const page = await context.newPage();
  page.kilnErrors = [];
  page.on('pageerror', (e) => page.kilnErrors.push(`pageerror: ${e.message}`));
  page.setDefaultTimeout(15000);
  try {
    return await fn(page, context);
  } catch (e) {
    const base = await saveArtifacts(page, t.fullName || t.name);
    e.message += `\n(screenshot and HTML: ${base}.png, ${base}.html; page errors: ${JSON.stringify(page.kilnErrors)})`;
    throw e;
  } finally {
    await context.close().catch(() => {});
  }
}

/** Signs page's context in to site (as accountId, else the site's admin) by a login link. */
export async function signIn(k, page, site, accountId) {
  const url = await loginUrl(k, site, accountId);
  await page.goto(url);
  await page.waitForURL((u) => u.pathname.startsWith(`/s/${site}/`) && !u.pathname.includes('/login'));
  return url;
}

/**
 * A copy of examples/<name> as a developer has it, in a temporary folder: the example's
 * node_modules linked, not copied; with build, its bundle (app.js) left out and made again
 * by its build.sh. The copy's folder.
 */
export function exampleApp(name, { build = false } = {}) {
  const src = path.join(ROOT, 'examples', name);
  const dir = path.join(tempDir(name), name);
  cpSync(src, dir, { recursive: true, filter: (s) => !s.includes('node_modules') && !(build && s.endsWith('app.js')) });
  symlinkSync(path.join(src, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  if (build) execFileSync(path.join(dir, 'build.sh'), { stdio: 'inherit' });
  return dir;
}

/** A screenshot for the docs (docs/img/ui-<name>.png), only when KILN_UI_SCREENSHOTS is set. */
export async function docShot(page, name) {
  if (!process.env.KILN_UI_SCREENSHOTS) return;
  const dir = path.join(ROOT, 'docs', 'img');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `ui-${slug(name)}.png`) });
}
