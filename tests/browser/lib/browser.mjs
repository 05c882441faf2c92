// Browser test harness (docs/testing.md): a real headless Chromium driven by
// playwright-core, against a kiln started by tests/e2e/lib/kiln.mjs.
//
//   const b = await launchBrowser();            // once per file; b.close() in after()
//   await withPage(b, t, async (page) => {...}) // a fresh context per test; on failure a
//                                               // screenshot + the page's HTML go to
//                                               // build/test-artifacts/<test>.png/.html
//   await signIn(k, page, site, accountId?)     // `kiln ui login-url` and open the link
//
// The browser is $KILN_CHROMIUM or /usr/bin/chromium (Debian's, `make deps`);
// --no-sandbox only when running as root (Chromium refuses its sandbox there).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { expectCliOk, kilnCli, ROOT } from '../../e2e/lib/kiln.mjs';

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

/** A one-time sign-in link from the CLI, as an operator makes it. */
export async function loginUrl(k, site, accountId) {
  const args = ['ui', 'login-url', '--site', site];
  if (accountId) args.push('--account', accountId);
  const { stdout } = expectCliOk(await kilnCli(k, args));
  const url = stdout.trim().split('\n').pop();
  if (!/^https?:\/\/\S+\/login\/link\?t=\S+$/.test(url)) throw new Error(`kiln ui login-url printed ${JSON.stringify(stdout)}`);
  return url;
}

/** Signs page's context in to site (as accountId, else the site's admin) by a login link. */
export async function signIn(k, page, site, accountId) {
  const url = await loginUrl(k, site, accountId);
  await page.goto(url);
  await page.waitForURL((u) => u.pathname.startsWith(`/s/${site}/`) && !u.pathname.includes('/login'));
  return url;
}
