'use strict';
// A stand-in for runtime/node/worker.js that bench/webtrigger.sh runs with
// BENCH_WORKER=minimal: it speaks kiln's frame protocol (runtime/node/README.md) and
// does nothing else. Each invoke frame gets one `fetch` frame for the report's product
// call (GET /rest/api/3/project/search?maxResults=1, with the invocation's token), and
// the answer goes back as the report function's result. No @forge/api, no Forge
// runtime, no console capture, no async context: what is left is kiln's side of a
// round trip plus the two frame exchanges every invocation with a product call needs,
// the floor the real worker cannot go under. Not for anything but that measurement.
const { readLines, writeAllSync } = require('../runtime/node/frames');

const send = (obj) => writeAllSync(4, Buffer.from(`${JSON.stringify(obj)}\n`));
const BUILD = process.env.BENCH_MINIMAL_BUILD || '0';
let current = null;
let seq = 0;

readLines(3, (line) => {
  const msg = JSON.parse(line);
  if (msg.type === 'invoke') {
    current = msg.id;
    seq += 1;
    send({
      type: 'fetch', id: msg.id, seq, method: 'GET', path: '/_proxy/fpp/rest/api/3/project/search?maxResults=1',
      headers: [['authorization', `Bearer ${msg.runtime.proxy.token}`], ['x-forge-provider', 'app'], ['x-forge-remote', 'jira']],
      body: null,
    });
  } else if (msg.type === 'response' && msg.seq === seq && current) {
    const text = typeof msg.text === 'string' ? msg.text : Buffer.from(msg.body, 'base64').toString('utf8');
    const body = JSON.stringify(JSON.parse(text));
    send({ type: 'result', id: current, ok: true,
      value: { statusCode: msg.status, headers: { 'Content-Type': ['application/json'], 'X-Bench-Build': [BUILD] }, body } });
    current = null;
  }
}, () => process.exit(0));
send({ type: 'ready', pid: process.pid, node: process.version });
