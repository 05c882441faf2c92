/* Network namespaces for function workers (docs/egress.md).
 *
 * In namespace mode every worker starts in a network namespace of its own, made between
 * fork and exec: it has a loopback interface that is down and no other interface, so
 * neither the host's loopback ports nor any external host can be reached, whatever the
 * app's code does (even after undoing the worker's in-process patches). Its only way
 * out is kiln's Unix socket in the data dir (Unix sockets with a path are reachable
 * across network namespaces): /_proxy/ calls and the egress endpoint.
 *
 * Making a network namespace needs CAP_SYS_ADMIN (root, NETNS_ROOT) or an unprivileged
 * user namespace to make it in (NETNS_USER: the worker maps its own uid and gid, so its
 * files keep their owner). netns_probe tries both once, in a child, at start.
 *
 * Either way the worker's capability bounding set is emptied before exec, so even a
 * worker running as root has no capabilities: it cannot setns(2)/nsenter(1) back into
 * the host's network namespace. */
#ifndef KILN_NETNS_H
#define KILN_NETNS_H

#include <sys/types.h>

enum netns_kind { NETNS_NONE = 0, NETNS_ROOT = 1, NETNS_USER = 2 };

/* Which kind this process can make (tried in a short-lived child); NETNS_NONE if neither. */
enum netns_kind netns_probe(void);

/* Starts `file` (an absolute path, or a name looked up in PATH before forking) with
 * argv/envp in directory `cwd`, with fds[i] as its descriptor i for i in 0..nfds-1 (-1:
 * /dev/null), in a new network namespace of `kind` (NETNS_NONE: none). Everything the
 * child does between fork and exec is async-signal-safe. Returns 0 with *pid, or an errno
 * value (the child could not be started; one that cannot enter its namespace exits 126
 * before exec, never running without one). */
int netns_spawn(const char *file, char *const argv[], char *const envp[], const char *cwd, const int *fds, int nfds,
                enum netns_kind kind, pid_t *pid);

/* "namespace (root)", "namespace (user)" or "none". */
const char *netns_name(enum netns_kind kind);

#endif
