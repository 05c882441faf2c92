// The sandbox (docs/security.md, "The sandbox"), tested from inside a deployed function:
// app code as an attacker would write it (tests/fixtures/apps/escape-probe), installed on
// one site, tries to reach kiln's data dir and secrets, another site's app and its
// worker, the kiln process, the host's sockets and the machine's memory and process
// table. Every attempt must fail, and where the attempt aims at something that could
// notice (a server, a process), the test checks that it noticed nothing.
//
// Where this machine can make namespaces (root or unprivileged user namespaces: CI here
// can), a kiln without its sandbox FAILS this file; only on a machine that cannot make
// them at all are the box tests skipped, and the skip says why in the summary.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

import { ROOT, cliOkJson, expectStatus, kilnCli, sleep, startKiln, tempDir } from './lib/kiln.mjs';
import { NO_SANDBOX_HERE, machineCanSandbox } from './lib/sandbox.mjs';
import { kilnWorkers, processes } from './lib/proc.mjs';

const FIXTURE = path.join(ROOT, 'tests', 'fixtures', 'apps', 'escape-probe');
const PROBE_BIN = path.resolve(process.env.KILN_SANDBOX_PROBE ?? path.join(ROOT, 'build', 'tests', 'sandbox_probe'));
const IS_ROOT = process.getuid() === 0;
const UID_FIRST = 2000000000;

const CAN = machineCanSandbox();

// ---------------------------------------------------------------- the host's view

/** A server on the host that counts connections. */
function countingServer(listenArg) {
  return new Promise((resolve, reject) => {
    const s = { hits: 0 };
    s.srv = net.createServer((c) => { s.hits++; c.destroy(); });
    s.srv.on('error', reject);
    s.srv.listen(listenArg, () => resolve(s));
  });
}

/** Connects from this test process (the control: the servers do count). */
function connectHere(opts) {
  return new Promise((resolve) => {
    const c = net.connect(opts, () => { c.destroy(); resolve(true); });
    c.on('error', () => resolve(false));
  });
}

describe('the sandbox: hostile function code stays in its box', { skip: CAN ? false : NO_SANDBOX_HERE }, () => {
  let k, attacker, victim, attackerDir, victimDir, tcp, unixSrv, abstractSrv, unixPath;
  const tag = randomBytes(3).toString('hex');
  const abstractName = `kiln-test-${tag}`;

  async function probeOn(app, input, { status = 200, timeout = 60000 } = {}) {
    const r = await k.api(app.trigger, {
      method: 'POST', body: JSON.stringify(input), headers: { 'content-type': 'application/json' }, timeout, allowError: true,
    });
    expectStatus(r, status, `probe ${input.action}`);
    return r.json;
  }
  const probe = (input, opts) => probeOn(attacker, input, opts);

  async function deployProbe(name, site, { variables = {}, withProbe = false } = {}) {
    const dir = path.join(tempDir(`sandbox-${name}`), 'escape-probe');
    cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    if (withProbe) {
      mkdirSync(path.join(dir, 'bin'));
      copyFileSync(PROBE_BIN, path.join(dir, 'bin', 'sandbox_probe'));
      chmodSync(path.join(dir, 'bin', 'sandbox_probe'), 0o755);
      // a program the function runs: packed because package.json's kiln.include names it
      const pj = path.join(dir, 'package.json');
      writeFileSync(pj, JSON.stringify({ ...JSON.parse(readFileSync(pj, 'utf8')), kiln: { include: ['bin'] } }));
    }
    await cliOkJson(k, ['register', dir, '--name', name, '--json']);
    for (const [key, value] of Object.entries(variables)) {
      const r = await kilnCli(k, ['variables', 'set', '--encrypt', key], { cwd: dir, input: value });
      assert.equal(r.code, 0, r.stderr);
    }
    await cliOkJson(k, ['deploy', dir, '--json']);
    await cliOkJson(k, ['install', '--site', site, '--confirm-scopes', '--json'], { cwd: dir });
    const url = (await cliOkJson(k, ['webtrigger', 'probe', '--site', site, '--json'], { cwd: dir })).url;
    return { dir, trigger: new URL(url).pathname };
  }

  /** The worker (node) processes kiln runs now, with their host pids and uids. */
  const workers = () => kilnWorkers(k.proc.pid);

  before(async () => {
    assert.ok(existsSync(PROBE_BIN), `the seccomp probe ${PROBE_BIN} (make builds it)`);
    tcp = await countingServer({ host: '127.0.0.1', port: 0 });
    unixPath = path.join(tempDir('sandbox-host'), 'host.sock');
    unixSrv = await countingServer(unixPath);
    abstractSrv = await countingServer(`\0${abstractName}`);
    k = await startKiln();
    // nothing hostile runs unless the box is on: unboxed, as root, these attempts would
    // hit the machine itself (kill(-1), a fork bomb)
    const h = await k.api('/healthz');
    if (h.json?.isolation !== 'sandbox') throw new Error(`the sandbox is not on (${JSON.stringify(h.json)}): the escape attempts are not run`);
    await k.createSite(`acme-${tag}`, true);
    await k.createSite(`globex-${tag}`, true);
    victim = await deployProbe(`victim-${tag}`, `acme-${tag}`, { variables: { CANARY_SECRET: `canary-${tag}-secret` } });
    attacker = await deployProbe(`attacker-${tag}`, `globex-${tag}`, { withProbe: true });
    attackerDir = attacker.dir;
    victimDir = victim.dir;
    // the victim's worker is warm: its memory holds its decrypted variable
    assert.equal((await probeOn(victim, { action: 'jira' })).status, 200);
  });

  after(async () => {
    await k?.close();
    for (const s of [tcp, unixSrv, abstractSrv]) s?.srv.close();
  });

  it('kiln says the sandbox is on: at start, in /healthz and in /metrics', async () => {
    const line = k.stderrLines.map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((l) => l.msg === 'sandbox: on');
    assert.ok(line, `a "sandbox: on" line, not:\n${k.stderrLines.filter((l) => l.includes('sandbox')).join('\n')}`);
    assert.match(line.box, /mount, pid, ipc, uts, net namespaces/);
    assert.match(line.box, /seccomp \d+ rules/);
    const h = await k.api('/healthz');
    assert.equal(h.json.isolation, 'sandbox');
    const m = await k.api('/metrics');
    assert.match(m.text, /^kiln_isolation_info\{level="sandbox",netns="1",seccomp="1",cgroups="v[12]"\} 1$/m);
  });

  it('the function runs as a uid of its own, with no capabilities, under no_new_privs and a seccomp filter', async () => {
    const id = await probe({ action: 'identity' });
    if (IS_ROOT) {
      assert.ok(id.uid >= UID_FIRST && id.uid < UID_FIRST + 64, `uid ${id.uid} from the sandbox range`);
      assert.equal(id.gid, id.uid);
    } else {
      assert.equal(id.uid, process.getuid());
    }
    for (const cap of ['CapInh', 'CapPrm', 'CapEff', 'CapAmb']) assert.equal(id.status[cap], '0000000000000000', cap);
    if (IS_ROOT) assert.equal(id.status.CapBnd, '0000000000000000');
    assert.equal(id.status.NoNewPrivs, '1');
    assert.equal(id.status.Seccomp, '2');
    assert.equal(id.cwd, '/app');
    assert.equal(id.hostname, 'kiln-worker');
    // the other app's worker is another uid: one per pool
    const v = await probeOn(victim, { action: 'identity' });
    if (IS_ROOT) assert.notEqual(v.uid, id.uid);
    // what the process may see: the box's own processes, the box's own files
    assert.ok(id.procPids.length <= 4, `own processes only: ${id.procPids}`);
    for (const e of id.root) assert.ok(['app', 'bin', 'dev', 'etc', 'kiln', 'lib', 'lib32', 'lib64', 'libx32', 'proc', 'run', 'sbin', 'tmp', 'usr'].includes(e), `/${e} in the box`);
    assert.deepEqual(id.ifaces, ['lo']);
    assert.deepEqual(id.env.filter((e) => e.startsWith('KILN_')), []);
  });

  it("kiln's data dir, secrets and database, and the other app's files, cannot be read, listed or written", async () => {
    const d = k.dataDir;
    const victimUnpacked = execFileSync('find', [path.join(d, 'unpacked'), '-maxdepth', '3', '-mindepth', '3'], { encoding: 'utf8' }).trim().split('\n');
    assert.ok(victimUnpacked.length >= 2, 'both apps are unpacked on the host');
    const paths = [path.join(d, 'admin.token'), path.join(d, 'master.key'), path.join(d, 'kiln.db'), path.join(d, 'kiln.db-wal'),
      ...victimUnpacked.map((p) => path.join(p, 'manifest.yml')), path.join(victimDir, 'manifest.yml'), '/etc/shadow', '/root/.bash_history'];
    // the control: the test itself can read them (so ENOENT in the box is the box); on
    // PostgreSQL there is no kiln.db, and the cluster's socket directory is probed instead
    for (const p of paths.slice(0, k.store === 'postgres' ? 2 : 3)) assert.ok(readFileSync(p).length > 0, p);
    const pgDir = k.store === 'postgres' ? new URL(k.storeUrl).searchParams.get('host') : null;
    if (pgDir) {
      assert.ok(existsSync(path.join(pgDir, '.s.PGSQL.5432')), `the cluster's socket is in ${pgDir}`);
      paths.push(path.join(pgDir, '.s.PGSQL.5432'), path.join(pgDir, 'data', 'postgresql.conf'));
    }
    const r = await probe({ action: 'read', paths });
    for (const p of paths) assert.deepEqual(r[p], { ok: false, code: 'ENOENT' }, `read ${p}: ${JSON.stringify(r[p])}`);
    const l = await probe({ action: 'list', paths: [d, path.join(d, 'unpacked'), path.join(d, 'snapshots'), '/home', '/root', '/var', '/sys', path.dirname(d), ...(pgDir ? [pgDir] : [])] });
    for (const [p, v] of Object.entries(l)) {
      if (p === '/tmp') assert.ok(v.ok && !v.value.includes(path.basename(d)), `the box's /tmp holds none of the host's: ${JSON.stringify(v)}`);
      else assert.deepEqual(v, { ok: false, code: 'ENOENT' }, `list ${p}`);
    }
    const w = await probe({ action: 'write', paths: ['/app/manifest.yml', '/usr/x', '/etc/passwd', path.join(d, 'kiln.db')] });
    assert.equal(w['/app/manifest.yml'].code, 'EROFS');
    assert.equal(w['/usr/x'].code, 'EROFS');
    assert.equal(w['/etc/passwd'].code, 'EROFS');
    assert.equal(w[path.join(d, 'kiln.db')].code, 'ENOENT');
    // sqlite3 of the box's own /usr finds no database to open
    const q = await probe({ action: 'exec', file: 'sqlite3', args: [path.join(d, 'kiln.db'), 'select count(*) from sites'] });
    assert.notEqual(q.code, 0, JSON.stringify(q));
    assert.match(q.stderr, /unable to open database/);
  });

  it("another worker's memory, environment and command line, and the kiln process, are out of reach", async () => {
    const all = workers();
    assert.ok(all.length >= 2, `two workers running: ${JSON.stringify(all)}`);
    const pids = [k.proc.pid, ...all.map((w) => w.pid), 1];
    // the control: as the host sees them, they are there
    for (const pid of pids) assert.ok(existsSync(`/proc/${pid}/mem`), `host pid ${pid}`);
    const r = await probe({ action: 'proc', pids: pids.filter((p) => p !== 1) });
    for (const pid of pids.filter((p) => p !== 1)) {
      assert.deepEqual(r[pid].mem, { ok: false, code: 'ENOENT' }, `/proc/${pid}/mem`);
      assert.deepEqual(r[pid].environ, { ok: false, code: 'ENOENT' }, `/proc/${pid}/environ`);
      assert.deepEqual(r[pid].cmdline, { ok: false, code: 'ENOENT' }, `/proc/${pid}/cmdline`);
    }
    // pid 1 of the box is the box's own init, not the host's
    const init = await probe({ action: 'proc', pids: [1] });
    assert.notEqual(init[1].cmdline.value ?? '', readFileSync('/proc/1/cmdline', 'utf8'));
    const s = await probe({ action: 'signal', pids: [k.proc.pid, ...all.map((w) => w.pid)], sig: 'SIGKILL' });
    for (const v of Object.values(s)) assert.deepEqual(v, { ok: false, code: 'ESRCH' });
  });

  it('kill(-1, SIGKILL) from a function reaches nothing outside its box: kiln and the other worker live on', async () => {
    const before = workers().map((w) => w.pid);
    const r = await probe({ action: 'killall' });
    /* as kiln's own uid without a box, this kills kiln; in the box there is nothing to signal
     * but the function's own children (none here) */
    assert.deepEqual(r, { ok: false, code: 'ESRCH' });
    assert.ok(k.running, 'kiln is still running');
    expectStatus(await k.api('/healthz'), 200);
    for (const pid of before) assert.ok(existsSync(`/proc/${pid}`), `worker ${pid} lives on`);
    assert.equal((await probeOn(victim, { action: 'jira' })).status, 200);
  });

  it('a child a function leaves behind ends with its worker', async () => {
    const marker = 900000 + Math.floor(Math.random() * 99999);
    const seen = () => processes().some((p) => p.cmdline === `sleep ${marker}`);
    const r = await probe({ action: 'leftover', marker });
    assert.ok(r.pid > 0);
    let there = false;
    for (let i = 0; i < 50 && !there; i++) { there = seen(); if (!there) await sleep(50); }
    assert.ok(there, 'the control: the detached child runs while its worker lives');
    await probe({ action: 'exit' });
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) { gone = !seen(); if (!gone) await sleep(50); }
    assert.ok(gone, 'the child ended with the worker');
    // and the next invocation gets a fresh worker
    assert.equal((await probe({ action: 'jira' })).status, 200);
  });

  it("the host's sockets are out of reach: a Unix socket, an abstract one, loopback TCP and kiln's own port", async () => {
    // the control: from here, each server counts a connection
    assert.ok(await connectHere({ path: unixPath }));
    assert.ok(await connectHere({ path: `\0${abstractName}` }));
    assert.ok(await connectHere({ host: '127.0.0.1', port: tcp.srv.address().port }));
    const counts = () => [unixSrv.hits, abstractSrv.hits, tcp.hits];
    await sleep(100);
    const before = counts();
    assert.deepEqual(before, [1, 1, 1]);
    const r = await probe({ action: 'connect', targets: [
      { unix: unixPath }, { abstract: abstractName }, { host: '127.0.0.1', port: tcp.srv.address().port },
      { host: '127.0.0.1', port: k.port }, { unix: '/run/dbus/system_bus_socket' },
    ] });
    assert.deepEqual(r, ['error ENOENT', 'error ECONNREFUSED', 'error ECONNREFUSED', 'error ECONNREFUSED', 'error ENOENT']);
    await sleep(200);
    assert.deepEqual(counts(), before, 'no server saw a connection from the box');
  });

  it("Buffers far past memoryMB (1 GB of them): the function gets at most its memory, and kiln's memory does not move", async () => {
    const rss = () => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${k.proc.pid}/status`, 'utf8'))[1]) / 1024;
    const rss0 = rss();
    const r = await k.api(attacker.trigger, { method: 'POST', body: JSON.stringify({ action: 'buffers', mb: 1024 }), headers: { 'content-type': 'application/json' }, timeout: 60000, allowError: true });
    if (r.status === 200) {
      // the allocation failed inside the function (a RangeError it could catch)
      assert.ok(r.json.allocatedMb <= 256, JSON.stringify(r.json));
      assert.match(r.json.error, /Array buffer allocation failed/);
    } else {
      // or the worker died of it: the function's logs say so
      assert.equal(r.status, 500);
      const logs = await kilnCli(k, ['logs'], { cwd: attackerDir });
      assert.match(logs.stdout, /ran out of memory/);
    }
    assert.ok(rss() - rss0 < 64, `kiln grew by ${rss() - rss0} MB`);
    assert.equal((await probe({ action: 'jira' })).status, 200);
  });

  it('a fork bomb stops at the box\'s task limit; kiln and other functions carry on', async () => {
    const r = await probe({ action: 'forkbomb', n: 2000 }, { timeout: 90000 });
    assert.equal(r.error, 'EAGAIN', JSON.stringify(r));
    assert.ok(r.spawned > 10 && r.spawned < 128, JSON.stringify(r));
    expectStatus(await k.api('/healthz'), 200);
    assert.equal((await probeOn(victim, { action: 'jira' })).status, 200);
    assert.equal((await probe({ action: 'jira' })).status, 200);
  });

  it('/tmp is the box\'s own, and capped', async () => {
    const r = await probe({ action: 'tmpfill', mb: 200 });
    assert.ok(r.writtenMb <= 64, JSON.stringify(r));
    assert.ok(['ENOSPC', 'EFBIG'].includes(r.error), JSON.stringify(r));
  });

  it('system calls a function never needs are refused (a program of the app, run by its function)', async () => {
    const r = await probe({ action: 'exec', file: '/app/bin/sandbox_probe' });
    assert.equal(r.code, 0, JSON.stringify(r));
    const out = JSON.parse(r.stdout);
    const want = {
      unshare_user: 'EPERM', unshare_net: 'EPERM', unshare_mnt: 'EPERM', setns: 'EPERM', clone_newuser: 'EPERM', clone3: 'ENOSYS',
      mount: 'EPERM', ptrace: 'EPERM', process_vm_readv: 'EPERM', keyctl: 'EPERM', add_key: 'EPERM', bpf: 'EPERM',
      perf_event_open: 'EPERM', userfaultfd: 'EPERM', io_uring_setup: 'ENOSYS', socket_packet: 'EAFNOSUPPORT', socket_raw: 'EPERM',
      mknod_chr: 'EPERM', personality_norandom: 'EPERM', chroot: 'EPERM', socket_inet: 'ok', socket_unix: 'ok',
    };
    for (const [call, errno] of Object.entries(want)) assert.equal(out[call], errno, call);
  });

  it('the product API still works from inside the box, bound to its own site', async () => {
    const a = await probe({ action: 'jira' });
    const v = await probeOn(victim, { action: 'jira' });
    assert.equal(a.status, 200);
    assert.ok(a.keys.length > 0);
    assert.equal(v.status, 200);
  });
});

describe('no silent weak mode: where the box cannot be built, kiln says so and runs only development apps', () => {
  let k, dir;
  const tag = randomBytes(3).toString('hex');

  before(async () => {
    k = await startKiln({ env: { KILN_BWRAP: '/nonexistent/bwrap' } });
    await k.createSite(`weak-${tag}`, true);
    dir = path.join(tempDir('sandbox-weak'), 'escape-probe');
    cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    await cliOkJson(k, ['register', dir, '--name', `weak-${tag}`, '--json']);
    for (const env of ['development', 'production']) {
      await cliOkJson(k, ['deploy', dir, '-e', env, '--json']);
      await cliOkJson(k, ['install', '--site', `weak-${tag}`, '-e', env, '--confirm-scopes', '--json'], { cwd: dir });
    }
  });
  after(async () => { await k?.close(); });

  const trigger = async (env) => new URL((await cliOkJson(k, ['webtrigger', 'probe', '--site', `weak-${tag}`, '-e', env, '--json'], { cwd: dir })).url).pathname;
  const call = async (env) => k.api(await trigger(env), { method: 'POST', body: '{"action":"identity"}', headers: { 'content-type': 'application/json' }, allowError: true, timeout: 60000 });

  it('kiln serve says exactly what is missing, and /healthz and /metrics say "unavailable"', async () => {
    const line = k.stderrLines.map((l) => { try { return JSON.parse(l); } catch { return {}; } }).find((l) => /^sandbox: UNAVAILABLE/.test(l.msg ?? ''));
    assert.ok(line, k.stderrLines.slice(0, 20).join('\n'));
    assert.match(line.missing, /bubblewrap \(\/nonexistent\/bwrap\) not found/);
    assert.equal((await k.api('/healthz')).json.isolation, 'unavailable');
    assert.match((await k.api('/metrics')).text, /^kiln_isolation_info\{level="unavailable",netns="0",/m);
  });

  it('a development app runs unboxed; a production app is refused, and its logs say why', async () => {
    const dev = await call('development');
    expectStatus(dev, 200, 'development');
    const prod = await call('production');
    expectStatus(prod, 500, 'production');
    assert.doesNotMatch(prod.text, /sandbox/i, 'the caller learns nothing of the platform');
    const logs = await kilnCli(k, ['logs'], { cwd: dir });
    assert.match(logs.stdout, /SandboxUnavailable: kiln cannot build the sandbox on this machine/);
  });

  it('--unsafe-no-sandbox runs every environment, and says so', async () => {
    k.extraArgs = ['--unsafe-no-sandbox'];
    await k.restart();
    assert.ok(k.stderrLines.some((l) => l.includes('sandbox: OFF (--unsafe-no-sandbox)')));
    assert.equal((await k.api('/healthz')).json.isolation, 'off');
    expectStatus(await call('production'), 200, 'production, unsafe');
  });

  it('--egress-mode namespace without the sandbox refuses to start', async () => {
    const r = spawnSync(process.env.KILN_BIN ?? path.join(ROOT, 'build', 'kiln'), ['serve', '--data', tempDir('sandbox-ns'), '--listen', '127.0.0.1:0', '--egress-mode', 'namespace'],
      { env: { ...process.env, KILN_BWRAP: '/nonexistent/bwrap' }, encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--egress-mode namespace is not available here/);
  });
});

describe("the data dir is kiln's alone: 0700, its files 0600, never another uid's", () => {
  it('a data dir made open (0755, a 0644 file) is closed at start; what kiln makes is 0600', async () => {
    const d = tempDir('sandbox-datadir');
    chmodSync(d, 0o755);
    writeFileSync(path.join(d, 'notes.txt'), 'left by an operator');
    chmodSync(path.join(d, 'notes.txt'), 0o644);
    const k = await startKiln({ dataDir: d });
    try {
      await k.createSite(`dd-${randomBytes(3).toString('hex')}`, true);
      const mode = (p) => statSync(path.join(d, p)).mode & 0o777;
      assert.equal(mode('.'), 0o700);
      assert.equal(mode('notes.txt'), 0o600);
      for (const f of [...(k.store === 'postgres' ? [] : ['kiln.db']), 'admin.token', 'master.key']) assert.equal(mode(f), 0o600, f);
      assert.equal(mode('proxy.sock'), 0o666, 'the workers\' socket: reachable by the sandbox uids, inside the 0700 dir');
    } finally {
      await k.close();
    }
  });

  it('a data dir that another uid owns is refused at start', { skip: IS_ROOT ? false : 'only root can give a directory to another uid' }, () => {
    const d = tempDir('sandbox-datadir-other');
    chownSync(d, 12345, 12345);
    const r = spawnSync(process.env.KILN_BIN ?? path.join(ROOT, 'build', 'kiln'), ['serve', '--data', d, '--listen', '127.0.0.1:0'], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /belongs to uid 12345, not to kiln's uid 0/);
    assert.ok(!existsSync(path.join(d, 'kiln.db')), 'nothing was written into it');
  });
});
