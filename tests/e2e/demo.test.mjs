// make demo STORE=postgres (tools/demo.sh, docs/scale.md "The demo on PostgreSQL"): the
// demo on a private PostgreSQL cluster it starts, with two kiln nodes on two ports. The
// script is run as `make demo` runs it (on free ports, in a temporary KILN_DATA): it comes
// up and prints both URLs; both nodes answer; node B serves the site made through node A
// with A's token and runs the example app deployed through A (its snapshot fetched from the
// database into B's own data dir); Ctrl-C (SIGINT to its process group, as a terminal
// sends it) stops both nodes and the cluster, whose directory is removed.
//
//   node --test tests/e2e/demo.test.mjs        (about a minute: the demo builds its example apps)
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ROOT, KILN_BIN, tempDir, sleep, removeInBackground } from './lib/kiln.mjs';
import { PG_CLUSTER } from './lib/pg.mjs';

/** A TCP port nothing listens on now. */
const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

async function get(url, headers = {}) {
  const r = await fetch(url, { headers, signal: AbortSignal.timeout(20000) });
  return { status: r.status, text: await r.text() };
}

describe('make demo STORE=postgres', () => {
  let child, base, pgdir;
  after(() => {
    if (child && child.exitCode === null) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    if (pgdir && existsSync(pgdir)) try { execFileSync(PG_CLUSTER, ['stop', pgdir]); } catch { /* gone */ }
    if (base) removeInBackground(base); // two nodes' data dirs with the example apps' snapshots unpacked
  });

  it('comes up with two nodes that both answer, and Ctrl-C stops them and the cluster', async () => {
    base = tempDir('demo-pg');
    const ports = [];
    while (ports.length < 5) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const [a, ua, b, ub, x] = ports;
    let out = '', err = '';
    child = spawn('bash', [path.join(ROOT, 'tools', 'demo.sh')], {
      cwd: ROOT,
      detached: true, // its own process group: the SIGINT below reaches every process of it, as Ctrl-C does
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, STORE: 'postgres', KILN_BIN, KILN_DATA: base,
        KILN_LISTEN: `127.0.0.1:${a}`, KILN_UI_LISTEN: `127.0.0.1:${ua}`,
        KILN_LISTEN_B: `127.0.0.1:${b}`, KILN_UI_LISTEN_B: `127.0.0.1:${ub}`, XSITE_LISTEN: `127.0.0.1:${x}`,
      },
    });
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const t0 = Date.now();
    while (!out.includes('Ctrl-C stops') && child.exitCode === null && Date.now() - t0 < 240000) await sleep(200);
    assert.match(out, /Ctrl-C stops kiln's two nodes, the PostgreSQL cluster and the backend/, `stdout:\n${out}\nstderr:\n${err}`);
    console.log(`demo: up in ${Date.now() - t0} ms`);
    pgdir = readFileSync(path.join(base, 'pg.dir'), 'utf8').trim();
    assert.ok(existsSync(pgdir), 'the cluster runs');

    // both URLs printed; both nodes answer
    const urlA = out.match(/^ {2}node A: (http:\S+) \(data in (\S+);/m);
    const urlB = out.match(/^ {2}node B: (http:\S+) \(data in (\S+);/m);
    assert.ok(urlA && urlB, out);
    assert.equal(urlA[1], `http://127.0.0.1:${a}`);
    assert.equal(urlB[1], `http://127.0.0.1:${b}`);
    assert.notEqual(urlA[2], urlB[2], 'separate data dirs');
    for (const u of [urlA[1], urlB[1]]) assert.equal((await get(`${u}/healthz`)).status, 200, u);

    // B serves the site made through A, with A's token, and runs the app deployed through A
    const token = out.match(/^ {2}export TOKEN=(\S+)$/m)[1];
    const cloud = out.match(/\/ex\/jira\/([0-9a-f-]{36})\/rest\/api\/3\/project\/search"/)[1];
    const pa = await get(`${urlA[1]}/ex/jira/${cloud}/rest/api/3/project/search`, { authorization: `Bearer ${token}` });
    const pb = await get(`${urlB[1]}/ex/jira/${cloud}/rest/api/3/project/search`, { authorization: `Bearer ${token}` });
    assert.equal(pa.status, 200);
    assert.equal(pb.status, 200, pb.text);
    assert.deepEqual(JSON.parse(pb.text).values.map((p) => p.key), JSON.parse(pa.text).values.map((p) => p.key));
    const hookB = out.match(new RegExp(`curl -s "(http://127\\.0\\.0\\.1:${b}/x1/[0-9a-f]+)"`))[1];
    const hb = await get(hookB);
    assert.equal(hb.status, 200, hb.text);
    assert.ok(JSON.parse(hb.text).projects.length > 0, hb.text);
    const snaps = readdirSync(path.join(urlB[2], 'snapshots'), { recursive: true }).filter((f) => f.endsWith('.tar'));
    assert.ok(snaps.length >= 1, "B's snapshot files, fetched from the database");

    // Ctrl-C
    const t1 = Date.now();
    process.kill(-child.pid, 'SIGINT');
    const end = await Promise.race([exited, new Promise((r) => setTimeout(r, 60000).unref()).then(() => null)]);
    assert.ok(end, 'the demo stopped within 60 s of Ctrl-C');
    console.log(`demo: stopped ${Date.now() - t1} ms after Ctrl-C`);
    assert.equal(end.code, 0, `exit ${JSON.stringify(end)}\n${err}`);
    assert.match(out, /the PostgreSQL cluster in \S+ is stopped and removed/);
    assert.ok(!existsSync(pgdir), 'the cluster directory is removed');
    for (const u of [urlA[1], urlB[1]]) await assert.rejects(get(`${u}/healthz`), u);
  });
});
