#!/usr/bin/env node
// bench/tap.mjs KEY APPDIR: the tap of tests/e2e/lib/tap.mjs for a shell bench whose app's
// function hands it something (bench/kvs.sh: its live invocation token). The function
// sandbox lets app code write no file of the host (docs/security.md), so the function
// reports over HTTP, through kiln's egress, to this loopback server, which the app
// declares as its backend (docs/egress.md).
//
// Before the deploy it writes APPDIR/src/tap.js (the tap prelude: `report(tap, key,
// value)` and `holdOn(tap, key)`, exported) and puts the tap's origin in place of
// TAP_ORIGIN in APPDIR/manifest.yml (`permissions.external.fetch.backend`).
// Stdout, one line each: the tap's origin, at once; the JSON the function reported under
// KEY, once it has (none, and exit 1, if it has not within TAP_WAIT_MS, default 30000).
// The end of stdin releases KEY (the function's holdOn returns) and ends the tap.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { startTap, tapPrelude } from '../tests/e2e/lib/tap.mjs';

const [key, appDir] = process.argv.slice(2);
const waitMs = Number(process.env.TAP_WAIT_MS || 30000);
const fail = (msg) => {
  process.stderr.write(`bench/tap.mjs: ${msg}\n`);
  process.exit(1);
};
if (!/^[\w.-]{1,100}$/.test(key ?? '') || !appDir) fail('usage: node bench/tap.mjs KEY APPDIR');
if (!Number.isInteger(waitMs) || waitMs < 1 || waitMs > 600000) fail('TAP_WAIT_MS must be 1..600000');

const tap = await startTap();
const manifestFile = path.join(appDir, 'manifest.yml');
const manifest = readFileSync(manifestFile, 'utf8');
if (!manifest.includes('TAP_ORIGIN')) fail(`${manifestFile} has no TAP_ORIGIN to replace`);
writeFileSync(manifestFile, manifest.replaceAll('TAP_ORIGIN', tap.origin));
writeFileSync(path.join(appDir, 'src', 'tap.js'),
  `// written by bench/tap.mjs from tests/e2e/lib/tap.mjs\n${tapPrelude}export { report, holdOn };\n`);
process.stdout.write(`${tap.origin}\n`);

// released at the end of stdin (the bench is done, or gone)
const released = new Promise((resolve) => {
  process.stdin.on('end', resolve).on('error', resolve).resume();
});
const reported = await Promise.race([tap.wait(key, waitMs), released.then(() => null)]).catch((e) => fail(e.message));
if (reported) process.stdout.write(`${JSON.stringify(reported)}\n`);
await released;
tap.release(key);
tap.close();
// the released answer leaves, then exit (a kept-alive egress connection may hold the server)
setTimeout(() => process.exit(0), 1000).unref();
