// Hostile and malformed input: bodies, content types, sizes, paths, methods, floods, and
// the admin API's validation. Nothing may crash the server, answer 200 to a path trick, or
// show a site's data where it should not.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startKiln, expectStatus, expectJiraError, expectFieldError, describeRes, randomKey,
} from './lib/kiln.mjs';

let k;
let A;
let B;
let secrets; // strings that must never show up in a refused response

async function healthy(what) {
  const h = await k.api('/healthz', { allowError: true });
  expectStatus(h, 200, `server still healthy after ${what}`);
}

function rawGet(path, token, extraHeaders = '') {
  return k.raw(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}${extraHeaders}Connection: close\r\n\r\n`,
  );
}

function describeRaw(path, r) {
  return `GET ${path.length > 200 ? path.slice(0, 200) + '…' : path}\n  -> ${r.status}${r.error ? ` (error: ${r.error.message})` : ''}\n  raw: ${JSON.stringify((r.raw ?? '').slice(0, 1200))}`;
}

function assertNoLeak(text, what) {
  for (const s of secrets) assert.ok(!text.includes(s), `${what}: response contains site data (${s})`);
}

before(async () => {
  k = await startKiln();
  A = await k.siteWithToken('bad-a', true);
  B = await k.siteWithToken('bad-b', true);
  const pa = await k.jira(A.cloudId, '/project/search', { token: A.token });
  const pb = await k.jira(B.cloudId, '/project/search', { token: B.token });
  secrets = [A.canary, B.canary, ...pa.json.values.map((v) => `"${v.name}"`), ...pb.json.values.map((v) => `"${v.name}"`)];
});

after(async () => {
  await k?.close();
});

const postProject = (body, headers = {}) => k.jira(A.cloudId, '/project', {
  token: A.token, method: 'POST', body, headers: { 'content-type': 'application/json', ...headers },
});

describe('request bodies', () => {
  it('malformed JSON: 400 Jira error', async () => {
    for (const body of [
      '{"key": "BADJ", ', '{key: "BADJ"}', '{"key":"BADJ","name":"x","projectTypeKey":"software"}}',
      '{"key":"BADJ","name":"x","projectTypeKey":"software"} trailing', "{'key':'BADJ'}", '', ' ',
      '{"key":"BADJ","name":"\u0001","projectTypeKey":"software"', '{"key":"BADJ","name":NaN}',
      Buffer.from([0x7b, 0x22, 0x6b, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    ]) {
      const r = await postProject(body);
      expectJiraError(r, 400, `body ${JSON.stringify(String(body))}`);
    }
    expectJiraError(await k.jira(A.cloudId, '/project/BADJ', { token: A.token }), 404, 'nothing created');
    await healthy('malformed JSON');
  });

  it('JSON with duplicate keys: 400', async () => {
    for (const body of [
      '{"key":"DUPK","key":"DUPL","name":"x","projectTypeKey":"software"}',
      '{"key":"DUPM","name":"x","name":"y","projectTypeKey":"software"}',
    ]) {
      expectJiraError(await postProject(body), 400, body);
    }
    for (const key of ['DUPK', 'DUPL', 'DUPM']) {
      expectJiraError(await k.jira(A.cloudId, `/project/${key}`, { token: A.token }), 404, `${key} not created`);
    }
    const issue = await k.jira(A.cloudId, '/issue', {
      token: A.token, method: 'POST', headers: { 'content-type': 'application/json' },
      body: '{"fields":{"summary":"a","summary":"b","project":{"key":"X"},"issuetype":{"name":"Task"}}}',
    });
    expectJiraError(issue, 400, 'duplicate summary');
  });

  it('JSON nested 1000 (and 100000) deep: 400', async () => {
    const deepArr = (n) => '['.repeat(n) + ']'.repeat(n);
    const deepObj = (n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    for (const [what, body] of [
      ['array 1000', deepArr(1000)],
      ['object 1000', deepObj(1000)],
      ['description 1000', `{"key":"DEEP","name":"deep","projectTypeKey":"software","description":${deepArr(1000)}}`],
      ['array 100000', deepArr(100000)],
      ['unterminated 100000', '['.repeat(100000)],
      ['object 65', deepObj(65)],
    ]) {
      const r = await postProject(body);
      expectJiraError(r, 400, what);
    }
    const issue = await k.jira(A.cloudId, '/issue', {
      token: A.token, method: 'POST', headers: { 'content-type': 'application/json' },
      body: `{"fields":{"project":{"key":"X"},"summary":"s","issuetype":{"name":"Task"},"description":${deepObj(1000)}}}`,
    });
    expectJiraError(issue, 400, 'deep issue description');
    await healthy('deep JSON');
  });

  it('wrong or missing content-type: 415; application/json with charset is fine', async () => {
    const good = JSON.stringify({ key: randomKey('CT'), name: 'Content type', projectTypeKey: 'software' });
    for (const ct of [
      'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
      'application/xml', 'text/json', null,
    ]) {
      const r = await k.jira(A.cloudId, '/project', {
        token: A.token, method: 'POST', body: good, headers: { 'content-type': ct },
      });
      expectStatus(r, 415, `content-type ${ct}`);
    }
    const key = JSON.parse(good).key;
    expectJiraError(await k.jira(A.cloudId, `/project/${key}`, { token: A.token }), 404, 'nothing created by 415s');
    const ok = await k.jira(A.cloudId, '/project', {
      token: A.token, method: 'POST', body: good, headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expectStatus(ok, 201, 'application/json; charset=utf-8');
    const issue = await k.jira(A.cloudId, '/issue', {
      token: A.token, method: 'POST', body: '{"fields":{}}', headers: { 'content-type': 'text/plain' },
    });
    expectStatus(issue, 415, 'POST issue text/plain');
  });

  it('a declared body over 5 MB is refused early with 413', async () => {
    const t0 = Date.now();
    const r = await k.raw(
      `POST /ex/jira/${A.cloudId}/rest/api/3/project HTTP/1.1\r\nHost: 127.0.0.1\r\n`
      + `Authorization: Bearer ${A.token}\r\nContent-Type: application/json\r\n`
      + `Content-Length: ${6 * 1024 * 1024}\r\nConnection: close\r\n\r\n{"key":`,
      { timeout: 10000 },
    );
    assert.equal(r.status, 413, `expected 413 before the body is sent\n${describeRaw('POST project (6 MB declared)', r)}`);
    assert.ok(Date.now() - t0 < 8000);
    await healthy('413 early');
  });

  /** Stream `total` body bytes after `head`, paced, stopping as soon as the server answers. */
  const streamBody = (head, total, chunked) => (sock) => {
    let answered = false;
    sock.on('data', () => { answered = true; });
    sock.on('error', () => {});
    sock.write(head);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      if (answered || sock.destroyed) return;
      if (sent >= total) {
        if (chunked) sock.write('0\r\n\r\n');
        return;
      }
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      const part = chunk.subarray(0, n);
      sock.write(chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part);
      setTimeout(pump, 2);
    };
    pump();
  };

  it('an actual body just over 5 MB is refused with 413', async () => {
    const size = 5 * 1024 * 1024 + 1;
    const head = `POST /ex/jira/${A.cloudId}/rest/api/3/project HTTP/1.1\r\nHost: 127.0.0.1\r\n`
      + `Authorization: Bearer ${A.token}\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`
      + '{"key":"HUGE","name":"huge","projectTypeKey":"software","description":"';
    const r = await k.raw(null, { timeout: 30000, write: streamBody(head, size - 70, false) });
    assert.equal(r.status, 413, describeRaw('POST project (5 MB + 1, Content-Length)', r));
    expectJiraError(await k.jira(A.cloudId, '/project/HUGE', { token: A.token }), 404, 'nothing created');
    await healthy('413');
  });

  it('a chunked body over 5 MB is refused with 413', async () => {
    const head = `POST /ex/jira/${A.cloudId}/rest/api/3/project HTTP/1.1\r\nHost: 127.0.0.1\r\n`
      + `Authorization: Bearer ${A.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const r = await k.raw(null, { timeout: 30000, write: streamBody(head, 6 * 1024 * 1024, true) });
    assert.equal(r.status, 413, describeRaw('POST project (6 MB, chunked)', r));
    await healthy('413 chunked');
  });

  it('double-encoded dots are just characters: never 200 with data', async () => {
    const p = `/ex/jira/${A.cloudId}/rest/api/3/%252e%252e/3/project/search`;
    // A's own token: a segment named "%2e%2e", no such route
    const own = await rawGet(p, A.token);
    assert.equal(own.status, 404, describeRaw(p, own));
    assert.deepEqual(own.json, { errorMessages: ['No route matches this request: check the method and path.'], errors: {} }, describeRaw(p, own));
    assertNoLeak(own.raw ?? '', p);
    // B's token on A's cloudId: the tenant check, as for any path
    const other = await rawGet(p, B.token);
    assert.equal(other.status, 401, describeRaw(p, other));
    assert.equal(other.headers['x-failure-category'], 'FAILURE_CLIENT_SCOPE_CHECK', describeRaw(p, other));
    assertNoLeak(other.raw ?? '', p);
  });

  it('a 4 MB body is not refused for its size', async () => {
    // valid JSON padded with whitespace to 4 MB: read whole, parsed, the project created
    const padded = JSON.stringify({ key: 'BIG', name: 'big', projectTypeKey: 'software', description: 'd'.repeat(65535) }) + ' '.repeat(4 * 1024 * 1024);
    const r = await postProject(padded);
    expectStatus(r, 201, `4 MB body (padded, valid): ${describeRes(r, 300)}`);
    const g = await k.jira(A.cloudId, '/project/BIG?expand=description', { token: A.token });
    expectStatus(g, 200, 'the 4 MB body\'s project');
    assert.equal(g.json.description, 'd'.repeat(65535));
    // a 4 MB description: read whole and judged on the field (Jira's limit), not on the size
    const big = JSON.stringify({ key: 'BIGD', name: 'big', projectTypeKey: 'software', description: 'd'.repeat(4 * 1024 * 1024) });
    const d = await postProject(big);
    const j = expectFieldError(d, 400, ['description'], '4 MB description');
    assert.deepEqual(j, { errorMessages: [], errors: { description: 'The description must be a string of at most 65535 characters.' } });
    expectJiraError(await k.jira(A.cloudId, '/project/BIGD', { token: A.token }), 404, 'nothing created');
  });
});

describe('routing', () => {
  it('unknown route under a valid site: 404 Jira shape "No route matches"', async () => {
    for (const p of ['/nosuch', '/project/search/extra/x', '/projects', '/user/search/more', '/issue/ABC-1/nothing']) {
      const r = await k.jira(A.cloudId, p, { token: A.token });
      const j = expectJiraError(r, 404, p);
      assert.match(j.errorMessages[0] ?? '', /^No route matches/, `${p}: ${describeRes(r)}`);
    }
    // REST v2 and v3 are served; other versions are not
    for (const v of ['1', '4', '2.0', '03']) {
      const r = await k.api(`/ex/jira/${A.cloudId}/rest/api/${v}/project/search`, { token: A.token });
      expectJiraError(r, 404, `api/${v}`);
    }
    const v2 = await k.api(`/ex/jira/${A.cloudId}/rest/api/2/project/search`, { token: A.token });
    assert.equal(v2.status, 200, `api/2: ${describeRes(v2)}`);
  });

  it('known path with another method: 405', async () => {
    for (const [method, p, body] of [
      ['DELETE', '/project/search'], ['PUT', '/myself', {}], ['POST', '/serverInfo', {}],
      ['DELETE', `/project/${'PGX'}`], ['PATCH', '/issue/ABC-1', {}], ['POST', '/users/search', {}],
      ['PUT', '/project', {}], ['GET', '/issue'],
    ]) {
      const r = await k.jira(A.cloudId, p, { token: A.token, method, body });
      expectStatus(r, 405, `${method} ${p}`);
      assertNoLeak(r.text, `${method} ${p}`);
    }
  });

  it('NUL in a query value: 400', async () => {
    for (const q of ['?query=%00', '?query=a%00b', '?keys=PGA%00']) {
      expectJiraError(await k.jira(A.cloudId, `/project/search${q}`, { token: A.token }), 400, q);
    }
  });

  it('odd query strings never cause a 5xx: each gets its exact answer', async () => {
    const paging = 'startAt and maxResults must be non-negative integers.';
    const all = (await k.jira(A.cloudId, '/project/search', { token: A.token })).json.total;
    for (const [q, status, what] of [
      ['?startAt=-1', 400, paging], ['?maxResults=-5', 400, paging], ['?maxResults=abc', 400, paging],
      ['?startAt=99999999999999999999', 400, paging],
      ['?orderBy=bogus', 400, 'orderBy must be one of key, name, +key, -key, +name, -name.'],
      ['?query=%ZZ', 400, 'Malformed query parameter.'],
      // ignored or empty filters: the whole list; a type no project has: none
      ['?expand=everything', 200, all], ['?keys=', 200, all], ['?typeKey=nonsense', 200, 0],
      ['?startAt=1&startAt=2', 200, all], // the first value counts (startAt 1)
      [`?${Array.from({ length: 200 }, (_, i) => `p${i}=${i}`).join('&')}`, 200, all],
    ]) {
      const r = await k.jira(A.cloudId, `/project/search${q}`, { token: A.token });
      expectStatus(r, status, q.slice(0, 60));
      if (status === 400) assert.deepEqual(expectJiraError(r, 400, q), { errorMessages: [what], errors: {} }, q);
      else assert.equal(r.json.total, what, `${q.slice(0, 60)}: total\n${describeRes(r, 300)}`);
      if (q === '?startAt=1&startAt=2') assert.equal(r.json.startAt, 1, describeRes(r, 300));
    }
    await healthy('odd queries');
  });
});

describe('raw path tricks', () => {
  const tricks = () => {
    const a = `/ex/jira/${A.cloudId}`;
    const b = `/ex/jira/${B.cloudId}`;
    return [
      `${a}/rest/api/3/../3/project/search`,
      `${a}/rest/api/3/./project/search`,
      `${a}/rest/api/3/project/search/..`,
      `${a}/rest/api/3/project/search/.`,
      `${b}/../${A.cloudId}/rest/api/3/project/search`,
      `/ex/jira/${B.cloudId}/../../jira/${A.cloudId}/rest/api/3/project/search`,
      `${a}/rest/api/3/%2e%2e/3/project/search`,
      `${a}/rest/api/3/%2E%2E/3/project/search`,
      `${a}/rest/api/3/%2e/project/search`,
      `${a}/rest/api/3/project/%2Esearch`,
      `${b}/%2e%2e/${A.cloudId}/rest/api/3/project/search`,
      `${a}/rest/api/3/project%2fsearch`,
      `${a}/rest/api/3/project%2Fsearch`,
      `${b}%2f..%2f${A.cloudId}/rest/api/3/project/search`,
      `${a}/rest/api/3/project%5csearch`,
      `${a}/rest/api/3/project%5Csearch`,
      `${a}/rest/api/3/project\\search`,
      `${a}\\rest\\api\\3\\project\\search`,
      `${a}/rest/api/3/project/search%00`,
      `${a}/rest/api/3/project/search%00.json`,
      `${a}/rest/api/3/project/%01search`,
      `${a}/rest/api/3/project/search%1f`,
      `${a}//rest/api/3/project/search`,
      `${a}/rest/api/3//project/search`,
      `${a}/rest/api/3/project/search/`.replace('/search/', '//search'),
      `/ex/jira//${A.cloudId}/rest/api/3/project/search`,
      `//ex/jira/${A.cloudId}/rest/api/3/project/search`,
      `${a}/rest/api/3/project/search%`,
      `${a}/rest/api/3/project/search%2`,
      `${a}/rest/api/3/project/%zzsearch`,
      `${a}/rest/api/3/project/search%g0`,
    ];
  };

  it('each is refused with 400, never 200, never with site data', async () => {
    const problems = [];
    for (const p of tricks()) {
      for (const token of [A.token, B.token]) {
        const r = await rawGet(p, token);
        if (r.status !== 400) problems.push(`expected 400, got ${r.status}: ${describeRaw(p, r)}`);
        for (const s of secrets) if ((r.raw ?? '').includes(s)) problems.push(`leaks ${s}: ${describeRaw(p, r)}`);
        if (/"values"\s*:/.test(r.raw ?? '')) problems.push(`looks like a project page: ${describeRaw(p, r)}`);
      }
    }
    assert.deepEqual(problems, [], `path tricks:\n${problems.join('\n\n')}`);
    await healthy('path tricks');
  });

  it('path refusals use the Jira error body', async () => {
    const r = await rawGet(`/ex/jira/${A.cloudId}/rest/api/3/../3/project/search`, A.token);
    assert.equal(r.status, 400, describeRaw('dotdot', r));
    assert.ok(Array.isArray(r.json?.errorMessages) && typeof r.json?.errors === 'object', describeRaw('dotdot', r));
  });

  it('the same paths without tricks do work (control)', async () => {
    const r = await rawGet(`/ex/jira/${A.cloudId}/rest/api/3/project/search`, A.token);
    assert.equal(r.status, 200, describeRaw('control', r));
    assert.ok(r.json?.values?.length > 0);
  });

  it('a path over 4096 bytes is 414; a 10 KB and a 100 KB URL do not crash the server', async () => {
    const base = `/ex/jira/${A.cloudId}/rest/api/3/project/`;
    const p4k = base + 'A'.repeat(4200 - base.length);
    const r4 = await rawGet(p4k, A.token);
    assert.equal(r4.status, 414, describeRaw(p4k, r4));
    const p10 = base + 'B'.repeat(10 * 1024);
    const r10 = await rawGet(p10, A.token);
    assert.ok([414, 400].includes(r10.status), describeRaw(p10, r10));
    const q10 = `/ex/jira/${A.cloudId}/rest/api/3/project/search?query=${'q'.repeat(10 * 1024)}`;
    const rq = await rawGet(q10, A.token);
    assert.ok(rq.status !== 0 && rq.status < 500, describeRaw(q10, rq));
    const p100 = base + 'C'.repeat(100 * 1024);
    const r100 = await rawGet(p100, A.token);
    assert.ok(r100.status === 0 || (r100.status >= 400 && r100.status < 500), describeRaw(p100, r100));
    await healthy('long URLs');
  });

  it('a path with more than 32 segments is 414', async () => {
    const p = `/ex/jira/${A.cloudId}/rest/api/3/project/${Array.from({ length: 40 }, () => 'x').join('/')}`;
    const r = await rawGet(p, A.token);
    assert.equal(r.status, 414, describeRaw(p, r));
    await healthy('many segments');
  });

  it('header limits: more than 100 headers is 400, more than 64 KB of headers is 431, and a valid credential does not help', async () => {
    const many = Array.from({ length: 150 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const r1 = await k.raw(`GET /ex/jira/${A.cloudId}/rest/api/3/myself HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${A.token}\r\n${many}Connection: close\r\n\r\n`, { timeout: 10000 });
    assert.equal(r1.status, 400, describeRaw('150 headers', r1));
    const big = `X-Big: ${'h'.repeat(70 * 1024)}\r\n`;
    const r2 = await k.raw(`GET /ex/jira/${A.cloudId}/rest/api/3/myself HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${A.token}\r\n${big}Connection: close\r\n\r\n`, { timeout: 10000 });
    assert.equal(r2.status, 431, describeRaw('70 KB of headers', r2));
    assertNoLeak(r2.raw ?? '', 'oversized headers');
    const ok = `X-Ok: ${'h'.repeat(32 * 1024)}\r\n`;
    const r3 = await k.raw(`GET /ex/jira/${A.cloudId}/rest/api/3/myself HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${A.token}\r\n${ok}Connection: close\r\n\r\n`, { timeout: 10000 });
    assert.equal(r3.status, 200, describeRaw('32 KB of headers (control)', r3));
    await healthy('header limits');
  });

  it('garbage request lines and huge headers get 4xx or a closed connection, not a crash', async () => {
    const inputs = [
      'GARBAGE\r\n\r\n',
      'GET\r\n\r\n',
      `GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n`,
      `GET /ex/jira/${A.cloudId}/rest/api/3/myself HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(200 * 1024)}\r\nConnection: close\r\n\r\n`,
      `GET /ex/jira/${A.cloudId}/rest/api/3/myself HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${A.token}\r\nContent-Length: -1\r\nConnection: close\r\n\r\n`,
      '\x00\x01\x02\x03\r\n\r\n',
    ];
    for (const data of inputs) {
      const r = await k.raw(data, { timeout: 10000 });
      assert.ok(r.status === 0 || (r.status >= 400 && r.status < 600 && r.status !== 500), describeRaw(JSON.stringify(data.slice(0, 80)), r));
      assertNoLeak(r.raw ?? '', 'garbage request');
    }
    await healthy('garbage requests');
  });
});

describe('flood', () => {
  it('200 concurrent mixed requests from several clients, then /healthz is 200', async () => {
    const bad = `/ex/jira/${A.cloudId}/rest/api/3/%2e%2e/3/project/search`;
    const created = [];
    const jobs = [];
    for (let i = 0; i < 200; i++) {
      const kind = i % 8;
      let p;
      let expected;
      switch (kind) {
        case 0: p = k.jira(A.cloudId, '/project/search?expand=description', { token: A.token }); expected = [200]; break;
        case 1: p = k.jira(B.cloudId, '/myself', { token: B.token }); expected = [200]; break;
        case 2: p = k.jira(A.cloudId, '/project/search', {}); expected = [401]; break;
        case 3: p = k.jira(B.cloudId, '/project/search', { token: A.token }); expected = [401]; break;
        case 4: p = rawGet(bad, A.token).then((r) => ({ ...r, req: { method: 'GET', path: bad } })); expected = [400]; break;
        case 5: p = postProject('{"key":'); expected = [400]; break;
        case 6: {
          const key = `FL${String(i).padStart(3, '0')}`;
          created.push(key);
          p = k.jira(B.cloudId, '/project', { token: B.token, method: 'POST', body: { key, name: `Flood ${i}`, projectTypeKey: 'software' } });
          expected = [201];
          break;
        }
        default: p = k.jira(A.cloudId, '/no/such/thing', { token: A.token }); expected = [404];
      }
      jobs.push(p.then((r) => ({ i, kind, r, expected }), (e) => ({ i, kind, r: { status: 0, error: e, req: {} }, expected })));
    }
    const results = await Promise.all(jobs);
    const wrong = results.filter((x) => !x.expected.includes(x.r.status));
    assert.deepEqual(wrong.map((x) => `#${x.i} kind ${x.kind}: ${describeRes(x.r, 300)}`), [], 'unexpected answers in the flood');
    for (const x of results) {
      if (x.kind === 0) assert.ok(x.r.text.includes(A.canary) && !x.r.text.includes(B.canary));
      if (x.kind === 1) assert.equal(x.r.json.accountId, B.accountId);
    }
    await healthy('flood');
    const s = await k.jira(B.cloudId, `/project/search?${created.map((c) => `keys=${c}`).join('&')}`, { token: B.token });
    expectStatus(s, 200);
    assert.deepEqual(s.json.values.map((v) => v.key).sort(), [...created].sort(), 'every flood project was stored');
  });
});

describe('admin API input', () => {
  it('wrong, missing or non-admin credentials: 401 {"code":401,"message":"Unauthorized"}', async () => {
    const cases = {
      wrong: { token: 'kiln_a_wrongwrongwrong' },
      truncated: { token: k.adminToken.slice(0, -1) },
      extended: { token: `${k.adminToken}x` },
      userToken: { token: A.token },
      none: { token: null },
      basic: { token: null, basic: `admin:${k.adminToken}` },
    };
    for (const [name, opts] of Object.entries(cases)) {
      for (const [method, p, body] of [
        ['GET', '/sites'], ['POST', '/sites', { name: 'sneaky' }], ['GET', `/sites/${A.name}`],
        ['POST', `/sites/${A.name}/tokens`, {}],
      ]) {
        const r = await k.admin(p, { ...opts, method, body });
        expectStatus(r, 401, `${name} ${method} ${p}`);
        assert.equal(r.text, '{"code":401,"message":"Unauthorized"}', `${name} ${method} ${p}: ${describeRes(r)}`);
        assertNoLeak(r.text, `admin ${name}`);
      }
    }
    const list = await k.admin('/sites');
    expectStatus(list, 200);
    assert.ok(!list.json.sites.some((s) => s.name === 'sneaky'), 'no site created with a wrong token');
  });

  it('site names are validated: 400 {"code":400,...}', async () => {
    for (const name of ['', 'Upper', 'UPPER', 'a'.repeat(100), 'a'.repeat(64), '../x', 'a/b', '-lead', 'has space',
      'under_score', 'dot.dot', 'ünï', 'x%2f..', 5, null, true, ['x'], { n: 'x' }]) {
      const r = await k.admin('/sites', { method: 'POST', body: { name } });
      expectStatus(r, 400, `site name ${JSON.stringify(name)}`);
      assert.equal(r.json?.code, 400, describeRes(r));
      assert.equal(typeof r.json?.message, 'string', describeRes(r));
    }
    for (const raw of ['{}', '[]', '{"name":', 'null']) {
      const r = await k.admin('/sites', { method: 'POST', body: raw, headers: { 'content-type': 'application/json' } });
      expectStatus(r, 400, `body ${raw}`);
      assert.equal(r.json?.code, 400, describeRes(r));
    }
    const list = await k.admin('/sites');
    assert.deepEqual(list.json.sites.map((s) => s.name).sort(), ['bad-a', 'bad-b'], 'no invalid site was created');
  });

  it('longest valid name (63 chars) works; duplicate is 409', async () => {
    const name = `z${'9'.repeat(62)}`;
    const r = await k.admin('/sites', { method: 'POST', body: { name } });
    expectStatus(r, 201, '63-char name');
    const dup = await k.admin('/sites', { method: 'POST', body: { name } });
    expectStatus(dup, 409, 'duplicate');
    assert.equal(dup.json?.code, 409, describeRes(dup));
    const dup2 = await k.admin('/sites', { method: 'POST', body: { name: A.name, demo: true } });
    expectStatus(dup2, 409, 'duplicate of a demo site');
    const again = await k.getSite(A.name);
    assert.equal(again.cloudId, A.cloudId, 'the original site is unchanged');
  });

  it('unknown site: 404; token for an unknown account: 404', async () => {
    const r = await k.admin('/sites/no-such-site');
    expectStatus(r, 404);
    assert.equal(r.json?.code, 404, describeRes(r));
    const t = await k.admin('/sites/no-such-site/tokens', { method: 'POST', body: {} });
    expectStatus(t, 404);
    const u = await k.admin(`/sites/${A.name}/tokens`, { method: 'POST', body: { accountId: B.adminAccountId } });
    expectStatus(u, 404, 'B\'s admin is not an account of A');
    assert.equal(u.json?.code, 404, describeRes(u));
  });
});
