// The UI Kit renderer's test page (tests/browser/fixtures/uikit-page.jsx): bundled once
// by esbuild with the real @atlaskit components of ui/, served on http://uikit.test/ to a
// fresh page per test. Used by uikit-render.test.mjs and uikit-adf.test.mjs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withPage } from './browser.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

// Bundles the page: {js, css}. Throws when esbuild fails.
export function bundleUikitPage() {
  const dir = mkdtempSync(path.join(tmpdir(), 'kiln-uikit-'));
  try {
    const r = spawnSync(
      process.env.ESBUILD || 'esbuild',
      [
        path.join(ROOT, 'tests/browser/fixtures/uikit-page.jsx'),
        '--bundle', '--format=iife', '--jsx=automatic', '--log-level=error',
        '--define:process.env.NODE_ENV="production"',
        '--loader:.svg=dataurl', '--loader:.png=dataurl', '--loader:.woff2=dataurl', '--loader:.woff=dataurl',
        `--outdir=${dir}`,
      ],
      { env: { ...process.env, NODE_PATH: path.join(ROOT, 'ui/node_modules') }, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    assert.equal(r.status, 0, 'esbuild bundled the test page');
    return { js: readFileSync(path.join(dir, 'uikit-page.js'), 'utf8'), css: readFileSync(path.join(dir, 'uikit-page.css'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Runs fn(page) on the test page, in a fresh context (the harness saves artifacts on
// failure); page.kilnRequests lists every URL the page asked for. Fails on page errors.
export function onUikitPage(browser, t, { js, css }, fn) {
  return withPage(browser, t, async (p) => {
    p.kilnRequests = [];
    p.on('request', (r) => p.kilnRequests.push(r.url()));
    await p.route('**/*', (route) => {
      const u = new URL(route.request().url());
      if (u.origin !== 'http://uikit.test') return route.abort('blockedbyclient');
      if (u.pathname === '/')
        return route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><link rel="stylesheet" href="/p.css"><div id="root"></div><script src="/p.js"></script>',
        });
      if (u.pathname === '/p.js') return route.fulfill({ contentType: 'text/javascript', body: js });
      if (u.pathname === '/p.css') return route.fulfill({ contentType: 'text/css', body: css });
      return route.fulfill({ status: 404, body: '' });
    });
    await p.goto('http://uikit.test/');
    await p.waitForFunction(() => typeof window.__render === 'function');
    await fn(p);
    assert.deepEqual(p.kilnErrors, [], 'no page errors');
  });
}

// Mounts doc on the page (as JSON: Playwright's argument serializer stalls on deep trees).
export const renderDoc = (p, doc) => p.evaluate((json) => window.__render(JSON.parse(json)), JSON.stringify(doc));
