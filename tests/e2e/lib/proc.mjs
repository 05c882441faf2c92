// What a test reads about processes from /proc: every process of the host, the
// descendants of one (kiln's workers and their sandboxes), and one process's resident
// memory, open descriptors and threads (the soak's drift samples).

import { readFileSync, readdirSync } from 'node:fs';

/** Every process of the host: {pid, ppid, uid, cmdline}. */
export function processes() {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const st = readFileSync(`/proc/${d}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(st)[1]);
      const uid = Number(/^Uid:\s+(\d+)/m.exec(st)[1]);
      const cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push({ pid: Number(d), ppid, uid, cmdline });
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** Processes below `root` (not itself). */
export function descendants(root) {
  const all = processes();
  const out = [];
  const want = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of all) if (want.has(p.ppid) && !want.has(p.pid)) { want.add(p.pid); out.push(p); grew = true; }
  }
  return out;
}

/** kiln's Node workers below kiln's pid (not the sandbox's wrappers around them). */
export const kilnWorkers = (kilnPid) =>
  descendants(kilnPid).filter((p) => /\/kiln\/runtime\/worker\.js/.test(p.cmdline) && !/bwrap|setpriv/.test(p.cmdline.split(' ')[0]));

/** One process's resident memory (KiB), open descriptors and threads; null once it is gone. */
export function usage(pid) {
  try {
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      rssKiB: Number(/^VmRSS:\s+(\d+) kB/m.exec(st)[1]),
      // of it: anonymous memory (the heap, stacks), mapped files, shared memory (SQLite's WAL index)
      anonKiB: Number(/^RssAnon:\s+(\d+) kB/m.exec(st)?.[1] ?? NaN),
      fileKiB: Number(/^RssFile:\s+(\d+) kB/m.exec(st)?.[1] ?? NaN),
      shmemKiB: Number(/^RssShmem:\s+(\d+) kB/m.exec(st)?.[1] ?? NaN),
      threads: Number(/^Threads:\s+(\d+)/m.exec(st)[1]),
      fds: readdirSync(`/proc/${pid}/fd`).length,
    };
  } catch {
    return null;
  }
}
