#!/usr/bin/env node
// Prints the aggregated report of a running backend:
//
//   node report.js [--json] [--way webtrigger|remote|both]
//
// XSITE_BACKEND_URL (default http://127.0.0.1:8090) says where the backend is;
// XSITE_REPORT_TOKEN is sent as a bearer token when set. Exit 0 when every site
// answered, 1 when some failed or the backend could not be asked, 2 on a usage error.

const args = process.argv.slice(2);
let json = false;
let way = 'both';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') json = true;
  else if (args[i] === '--way' && i + 1 < args.length) way = args[++i];
  else {
    process.stderr.write('usage: node report.js [--json] [--way webtrigger|remote|both]\n');
    process.exit(2);
  }
}

const base = process.env.XSITE_BACKEND_URL || 'http://127.0.0.1:8090';
const url = new URL('/report', base);
url.searchParams.set('way', way);
url.searchParams.set('format', json ? 'json' : 'text');
const headers = process.env.XSITE_REPORT_TOKEN ? { Authorization: `Bearer ${process.env.XSITE_REPORT_TOKEN}` } : {};

try {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(120_000) });
  const text = await res.text();
  if (res.status !== 200) {
    process.stderr.write(`the backend answered HTTP ${res.status}: ${text.slice(0, 500)}\n`);
    process.exit(1);
  }
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  const failed = json ? JSON.parse(text).summary?.failed : Number(/(\d+) failed\s*$/.exec(text)?.[1] ?? 0);
  process.exit(failed ? 1 : 0);
} catch (e) {
  process.stderr.write(`cannot get the report from ${base}: ${e.cause?.code ?? e.message}\n`);
  process.exit(1);
}
