/* The system-call filter of function workers (docs/security.md, "The sandbox"), built
 * with libseccomp and handed to bubblewrap as compiled BPF (`bwrap --seccomp FD`), which
 * loads it, under no_new_privs, just before it runs the worker.
 *
 * The filter allows what Node.js and the programs an app may start need and refuses the
 * calls a function never needs and that widen the kernel's attack surface or reach past
 * the process: ptrace and process_vm_*, kcmp, pidfd_getfd; mount, pivot_root, chroot and
 * the new mount API; unshare, setns and clone with namespace flags (clone3: ENOSYS, so
 * libc falls back to clone, whose flags can be checked); the kernel keyring; bpf,
 * perf_event_open, userfaultfd, io_uring (ENOSYS: libuv falls back); modules, kexec,
 * reboot, swap, clocks, quotas, acct, syslog; raw IP sockets and every address family but
 * Unix, IPv4, IPv6 and netlink (packet sockets among them); device nodes. Refused calls fail with EPERM
 * (or the errno named above) rather than killing the process, so a library that probes
 * for a feature degrades as it would on a locked-down host. System calls of another ABI
 * (i386, x32) kill the process. */
#ifndef KILN_SECCOMP_H
#define KILN_SECCOMP_H

#include <stddef.h>

/* Builds the filter for this machine's architecture. Returns the BPF program (heap,
 * the caller's) with its length, or NULL with err. `nrules` gets the number of rules. */
unsigned char *seccomp_build(size_t *len, unsigned *nrules, char *err, size_t errlen);

#endif
