/* Control groups for function workers: each worker's whole box (Node, its Buffers and
 * native memory, its children, its /tmp) gets a memory and a process limit enforced by
 * the kernel (docs/security.md, "Resource limits").
 *
 * kiln makes one parent group `kiln.<pid>` under the group it runs in, for each
 * controller it may use, and one group `w<n>` per worker under it:
 *
 *   cgroup v1:  <memory mount><own memory group>/kiln.<pid>/w<n>   memory.limit_in_bytes
 *               <pids mount><own pids group>/kiln.<pid>/w<n>       pids.max
 *   cgroup v2:  <mount><own group>/kiln.<pid>/w<n>                 memory.max, pids.max
 *
 * On v2 a group that holds processes cannot hand controllers to children (the "no
 * internal processes" rule), so when kiln's own group is not the root and does not yet
 * delegate memory and pids, kiln moves itself into `<own>/kiln.main` first; that needs a
 * group of kiln's own that it may write (systemd: `Delegate=yes`), as for any container
 * runtime. Where neither version gives both controllers, cg_init says what is missing and
 * the runtime falls back to rlimits (runtime/sandbox.h).
 *
 * Groups of earlier runs (`kiln.<pid>` whose process is gone) are emptied and removed at
 * start. Only the runtime thread calls these, except cg_enter, which the child calls
 * between fork and exec. */
#ifndef KILN_CGROUP_H
#define KILN_CGROUP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

enum cg_kind { CG_NONE = 0, CG_V1 = 1, CG_V2 = 2 };

#define CG_PATH_MAX 512

/* One worker's group: the directory per controller (v2: one), all absolute. */
typedef struct cg {
    char dir[2][CG_PATH_MAX];        /* [0] memory (v2: the group), [1] pids (v1 only; "" on v2) */
    char procs[2][CG_PATH_MAX + 16]; /* their cgroup.procs files, for cg_enter */
    int ndirs;
} cg_t;

/* Where the kernel's files are, so tests can point at a tree of their own. */
typedef struct cg_env {
    const char *self_cgroup; /* the text of /proc/self/cgroup */
    const char *mountinfo;   /* the text of /proc/self/mountinfo */
    long pid;                /* names kiln's parent group: kiln.<pid> */
} cg_env_t;

/* Finds the controllers kiln may use and makes its parent groups. Returns the kind in
 * use (CG_NONE: none; `why` then says what is missing, one line). `ctl` gets the
 * controllers in use, e.g. "memory,pids". env NULL: this process's own files. */
enum cg_kind cg_init(const cg_env_t *env, char *ctl, size_t ctllen, char *why, size_t whylen);
enum cg_kind cg_kind(void);

/* Makes worker group `id` with the limits: memory_bytes (memory and swap; 0 none),
 * pids_max (tasks: processes and threads; 0 none). 0, or -1 with err. */
int cg_create(unsigned id, uint64_t memory_bytes, unsigned pids_max, cg_t *out, char *err, size_t errlen);
/* Moves the calling process into g (async-signal-safe: for the child between fork and
 * exec). 0 or -1. */
int cg_enter(const cg_t *g);
/* How many times the kernel's OOM killer ended a process of g (0 if unknown). */
uint64_t cg_oom_kills(const cg_t *g);
/* Kills whatever still runs in g and removes it. 0, or -1 while the kernel still tears
 * processes down (EBUSY): call again later. */
int cg_destroy(const cg_t *g);
/* Removes kiln's parent groups (at stop, after every worker's). */
void cg_shutdown(void);

#endif
