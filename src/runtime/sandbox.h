/* The box every function worker runs in (docs/security.md, "The sandbox").
 *
 * App code is hostile until proven otherwise. Each worker is started by bubblewrap
 * (Debian's `bubblewrap`, the tool Flatpak builds on) in namespaces of its own:
 *
 *   mount   a root that holds only /usr (programs and libraries, read-only), Node's own
 *           tree when it lives elsewhere, kiln's worker script at /kiln/runtime, the app
 *           version's extracted snapshot at /app (read-only, the working directory), a
 *           small /etc made for the worker, kiln's socket at /run/kiln/proxy.sock, a
 *           fresh /proc and /dev, and a private /tmp of tmpfs with a size cap. Nothing of
 *           kiln's data dir, other apps' snapshots or the host's sockets is in it.
 *   pid     it sees and signals only its own processes; when the worker ends, the kernel
 *           ends every process it left behind.
 *   net     its own network namespace: no way to the host's loopback or anywhere but
 *           kiln's socket (unless --egress-mode in-process: docs/egress.md).
 *   ipc, uts, cgroup (where the kernel has it).
 *
 * Who the worker is: when kiln runs as root, a uid of its own per pool, from a configured
 * range that no account of the host uses (bubblewrap builds the box as root and
 * util-linux's setpriv drops to that uid, all capabilities, groups and the bounding set
 * before Node starts); otherwise a user namespace that maps kiln's uid, with further user
 * namespaces disabled. Either way: no capabilities, no_new_privs, and the seccomp filter
 * of runtime/seccomp.h.
 *
 * Resource limits, enforced by the kernel: per process, the data segment (Node's heap,
 * its Buffers and native allocations) at the function's memoryMB, open files, file size,
 * CPU time as a backstop, no core dumps, processes per pool uid (rlimits, always); for the
 * whole box, where cgroups are available (runtime/cgroup.h), memory at memoryMB plus the
 * /tmp cap (the processes and children together, and /tmp's tmpfs pages) and a task
 * limit.
 *
 * Where the OS cannot build the box (no bubblewrap, no namespaces), sandbox_init says
 * exactly what is missing; apps of the development environment then run unboxed, and
 * others only with --unsafe-no-sandbox (sandbox_allows). There is no silent weak mode. */
#ifndef KILN_SANDBOX_H
#define KILN_SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/cgroup.h"

/* Paths of the box, as the worker sees them. */
#define SANDBOX_APP_DIR "/app"
#define SANDBOX_RUNTIME_DIR "/kiln/runtime"
#define SANDBOX_PROXY_SOCKET "/run/kiln/proxy.sock"

#define SANDBOX_UID_FIRST_DEFAULT 2000000000u
#define SANDBOX_UID_COUNT_MIN 64 /* one per pool: RT_POOLS_MAX */
#define SANDBOX_TMP_MB 64        /* a worker's /tmp */
#define SANDBOX_PIDS_MAX 128     /* tasks (processes and threads) per worker */
#define SANDBOX_NOFILE 1024      /* open files per process, as on Forge's Lambda */
#define SANDBOX_CPU_SECONDS 3600 /* per process: a backstop behind the invocation deadline */

typedef struct sandbox_config {
    const char *data_dir;          /* absolute */
    const char *runtime_dir;       /* runtime/node, absolute */
    const char *node;              /* the node executable (absolute, or looked up in PATH) */
    const char *proxy_socket;      /* kiln's socket for workers (absolute), or NULL */
    const char *bwrap;             /* the bwrap executable, or NULL: $KILN_BWRAP, else "bwrap" in PATH */
    int share_net;                 /* workers keep the host's network (--egress-mode in-process) */
    int unsafe_off;                /* --unsafe-no-sandbox: no box at all, for every environment */
    unsigned uid_first, uid_count; /* kiln as root: the uids of pools (0: the default range) */
} sandbox_config_t;

typedef struct sandbox_status {
    int on;               /* workers run boxed */
    int unsafe;           /* turned off by --unsafe-no-sandbox */
    const char *identity; /* "uid per pool", "user namespace", or "kiln's own uid" */
    unsigned uid_first, uid_count;
    int netns; /* workers have a network namespace of their own */
    unsigned seccomp_rules;
    char cgroups[48];  /* "v1 memory,pids", "v2 memory,pids" or "none" */
    char missing[768]; /* what is missing, "" when nothing is */
    int64_t probe_ms;  /* how long the start-up probe took */
} sandbox_status_t;

/* Finds bwrap and setpriv, builds the seccomp filter, sets up cgroups, and starts a probe
 * box (`node --version`) to prove the whole chain works on this machine. Returns 0 (the
 * status says whether the box is on and what is missing), or -1 with err for a
 * configuration kiln must not start with (a uid range that host accounts use). */
int sandbox_init(const sandbox_config_t *cfg, char *err, size_t errlen);
const sandbox_status_t *sandbox_status(void);
/* The node executable (absolute when it was found), or NULL before sandbox_init. */
const char *sandbox_node(void);
/* The version of Node.js that workers run ("v20.20.2"), from the start-up probe's
 * `node --version` (or the same run directly when the box is off); NULL before
 * sandbox_init or when node did not answer. Set once at start, read by any thread. */
const char *sandbox_node_version(void);
/* One line for humans: what the box is made of, or what is missing. */
void sandbox_describe(char *out, size_t outlen);
/* Whether a function of environment `env_key` may run: boxed; or the box is off and the
 * environment is a development one, or --unsafe-no-sandbox was given. */
int sandbox_allows(const char *env_key);

/* Paths for a worker's argv and frames: inside the box, or the host's when it is off. */
typedef struct sandbox_view {
    const char *app_dir, *runtime_dir, *proxy_socket;
} sandbox_view_t;
void sandbox_view(const char *host_app_dir, sandbox_view_t *v);

typedef struct sandbox_spawn {
    const char *app_dir; /* host directory shown at /app, read-only (the working directory) */
    unsigned slot;       /* the pool's index: names the uid (kiln as root) */
    unsigned id;         /* the worker's number: names its cgroup */
    unsigned memory_mb;  /* the function's memory (0: no memory limit) */
    char *const *argv;   /* argv[0] absolute, paths as sandbox_view gives them */
    char *const *envp;
    const int *fds; /* fds[i] becomes descriptor i of the worker (-1: /dev/null) */
    int nfds;       /* at most 8 */
} sandbox_spawn_t;

typedef struct sandbox_proc {
    pid_t pid; /* what to wait for and kill: bwrap, whose death ends the whole box */
    cg_t cg;
    int has_cg;
} sandbox_proc_t;

/* Starts a worker in its box. Everything the child does between fork and exec is
 * async-signal-safe. 0, or -1 with err (nothing started, nothing left behind). */
int sandbox_spawn(const sandbox_spawn_t *s, sandbox_proc_t *out, char *err, size_t errlen);
/* 1 if the kernel's OOM killer ended a process of the box. */
int sandbox_oom_killed(const sandbox_proc_t *p);
/* After the process was reaped: removes its cgroup. 0, or -1 while the kernel is still
 * tearing it down (call again later). */
int sandbox_release(sandbox_proc_t *p);
/* At stop, after every worker's release. */
void sandbox_shutdown(void);

#endif
