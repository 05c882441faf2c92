#include "runtime/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"

static struct {
    enum cg_kind kind;
    char base[2][CG_PATH_MAX]; /* kiln.<pid> per controller (v2: one) */
    int nbase;
} CG;

enum cg_kind cg_kind(void)
{
    return CG.kind;
}

/* ---------------------------------------------------------------- files */

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    ssize_t w = write(fd, text, n);
    int e = errno;
    close(fd);
    errno = e;
    return w == (ssize_t)n ? 0 : -1;
}

/* The whole of a small file into a heap string (NULL when unreadable). */
static char *read_text(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, len = 0;
    char *s = xmalloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            if (cap >= (1u << 20))
                break; /* far past any cgroup or mountinfo file kiln reads */
            cap *= 2;
            char *t = realloc(s, cap);
            if (!t)
                break;
            s = t;
        }
        ssize_t r = read(fd, s + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    s[len] = '\0';
    return s;
}

/* The number after `key ` on a line of a flat-keyed file (memory.events, oom_control). */
static uint64_t keyed_value(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
            return strtoull(l + kl + 1, NULL, 10);
    return 0;
}

static int has_word(const char *list, const char *word, char sep)
{
    size_t wl = strlen(word);
    for (const char *s = list; s && *s;) {
        const char *e = strchr(s, sep);
        size_t n = e ? (size_t)(e - s) : strcspn(s, " \n");
        if (n == wl && strncmp(s, word, wl) == 0)
            return 1;
        if (!e)
            break;
        s = e + 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- where */

/* mountinfo's octal escapes (\040 for a space) undone in place. */
static void unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

/* The mount point of a cgroup hierarchy: fstype "cgroup" with `controller` among its
 * super options (v1), or fstype "cgroup2" (controller NULL). Also its root within the
 * hierarchy (a container may see only a subtree). 0 or -1. */
static int find_mount(const char *mountinfo, const char *controller, char *mnt, size_t mntlen, char *root,
                      size_t rootlen)
{
    for (const char *l = mountinfo; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        size_t ll = strcspn(l, "\n");
        char line[4096];
        if (ll >= sizeof line)
            continue;
        memcpy(line, l, ll);
        line[ll] = '\0';
        char *sep = strstr(line, " - ");
        if (!sep)
            continue;
        *sep = '\0';
        char fstype[64], source[256], super[1024] = "";
        if (sscanf(sep + 3, "%63s %255s %1023s", fstype, source, super) < 2)
            continue;
        char f_root[1024], f_mnt[1024];
        if (sscanf(line, "%*s %*s %*s %1023s %1023s", f_root, f_mnt) != 2)
            continue;
        int match = controller ? strcmp(fstype, "cgroup") == 0 && has_word(super, controller, ',')
                               : strcmp(fstype, "cgroup2") == 0;
        if (!match)
            continue;
        unescape(f_root);
        unescape(f_mnt);
        if (strlen(f_mnt) >= mntlen || strlen(f_root) >= rootlen)
            return -1;
        strcpy(mnt, f_mnt);
        strcpy(root, f_root);
        return 0;
    }
    return -1;
}

/* This process's group in a hierarchy from /proc/self/cgroup: the v1 line whose
 * controller list holds `controller`, or the v2 line "0::PATH" (controller NULL). */
static int own_group(const char *self_cgroup, const char *controller, char *out, size_t outlen)
{
    for (const char *l = self_cgroup; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        const char *c1 = strchr(l, ':');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        size_t ll = strcspn(l, "\n");
        if (!c2 || c2 > l + ll)
            continue;
        char ctl[256];
        size_t cl = (size_t)(c2 - c1 - 1);
        if (cl >= sizeof ctl)
            continue;
        memcpy(ctl, c1 + 1, cl);
        ctl[cl] = '\0';
        int match = controller ? has_word(ctl, controller, ',') : strncmp(l, "0::", 3) == 0;
        if (!match)
            continue;
        size_t pl = (size_t)(l + ll - (c2 + 1));
        if (pl >= outlen)
            return -1;
        memcpy(out, c2 + 1, pl);
        out[pl] = '\0';
        return 0;
    }
    return -1;
}

/* mount point + (own group relative to the mount's root). */
static int group_dir(const char *mnt, const char *mroot, const char *own, char *out, size_t outlen)
{
    const char *rel = own;
    size_t rl = strlen(mroot);
    if (strcmp(mroot, "/") != 0) {
        if (strncmp(own, mroot, rl) != 0 || (own[rl] != '/' && own[rl] != '\0'))
            return -1; /* our group is outside what this mount shows */
        rel = own + rl;
    }
    int n = snprintf(out, outlen, "%s%s", mnt, strcmp(rel, "/") == 0 ? "" : rel);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* ---------------------------------------------------------------- groups */

/* Kills every process listed in dir/cgroup.procs (v2: cgroup.kill when there is one). */
static void kill_all(const char *dir)
{
    char path[CG_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/cgroup.kill", dir);
    if (write_text(path, "1") == 0)
        return;
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    char *pids = read_text(path);
    for (char *p = pids; p && *p;) {
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p)
            break;
        if (pid > 1)
            kill((pid_t)pid, SIGKILL);
        p = end + (*end == '\n');
    }
    free(pids);
}

/* Empties and removes the groups of an earlier kiln whose process is gone. */
static void remove_stale(const char *parent, long self)
{
    DIR *d = opendir(parent);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char *end;
        if (strncmp(e->d_name, "kiln.", 5) != 0 || !e->d_name[5])
            continue;
        long pid = strtol(e->d_name + 5, &end, 10);
        if (*end || pid <= 0 || pid == self || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char dir[CG_PATH_MAX + 300];
        snprintf(dir, sizeof dir, "%s/%s", parent, e->d_name);
        DIR *w = opendir(dir);
        struct dirent *we;
        while (w && (we = readdir(w))) {
            if (we->d_name[0] != 'w')
                continue;
            char sub[sizeof dir + 300];
            snprintf(sub, sizeof sub, "%s/%s", dir, we->d_name);
            kill_all(sub);
            rmdir(sub);
        }
        if (w)
            closedir(w);
        rmdir(dir);
    }
    if (d)
        closedir(d);
}

/* Makes `parent`/kiln.<pid>. 0 or -1 with why. */
static int make_base(const char *parent, long pid, char *out, char *why, size_t whylen)
{
    remove_stale(parent, pid);
    if ((size_t)snprintf(out, CG_PATH_MAX, "%s/kiln.%ld", parent, pid) >= CG_PATH_MAX) {
        snprintf(why, whylen, "the cgroup path is too long");
        return -1;
    }
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        snprintf(why, whylen, "cannot create %.200s: %.200s", out, strerror(errno));
        return -1;
    }
    return 0;
}

static enum cg_kind init_v1(const cg_env_t *env, char *ctl, size_t ctllen, char *why, size_t whylen)
{
    static const char *const want[] = {"memory", "pids"};
    char base[2][CG_PATH_MAX];
    int n = 0;
    ctl[0] = '\0';
    for (int i = 0; i < 2; i++) {
        char mnt[1024], mroot[1024], own[1024], dir[CG_PATH_MAX];
        if (find_mount(env->mountinfo, want[i], mnt, sizeof mnt, mroot, sizeof mroot) != 0 ||
            own_group(env->self_cgroup, want[i], own, sizeof own) != 0 ||
            group_dir(mnt, mroot, own, dir, sizeof dir) != 0)
            continue;
        if (make_base(dir, env->pid, base[n], why, whylen) != 0)
            return CG_NONE;
        snprintf(ctl + strlen(ctl), ctllen - strlen(ctl), "%s%s", n ? "," : "", want[i]);
        n++;
    }
    if (n == 0) {
        snprintf(why, whylen, "no cgroup v1 memory or pids hierarchy");
        return CG_NONE;
    }
    memcpy(CG.base, base, sizeof base);
    CG.nbase = n;
    CG.kind = CG_V1;
    return CG_V1;
}

static enum cg_kind init_v2(const cg_env_t *env, char *ctl, size_t ctllen, char *why, size_t whylen)
{
    char mnt[1024], mroot[1024], own[1024], dir[CG_PATH_MAX], path[CG_PATH_MAX + 64];
    if (find_mount(env->mountinfo, NULL, mnt, sizeof mnt, mroot, sizeof mroot) != 0 ||
        own_group(env->self_cgroup, NULL, own, sizeof own) != 0 || group_dir(mnt, mroot, own, dir, sizeof dir) != 0) {
        snprintf(why, whylen, "no cgroup v2 hierarchy");
        return CG_NONE;
    }
    snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
    char *have = read_text(path);
    int ok = have && has_word(have, "memory", ' ') && has_word(have, "pids", ' ');
    free(have);
    if (!ok) {
        snprintf(why, whylen, "the cgroup v2 group %.200s does not offer the memory and pids controllers", own);
        return CG_NONE;
    }
    snprintf(path, sizeof path, "%s/cgroup.subtree_control", dir);
    if (write_text(path, "+memory +pids") != 0) {
        /* processes in our group keep controllers from its children: move kiln into a
         * leaf of its own and try again (needs a delegated group) */
        char leaf[CG_PATH_MAX + 16], procs[CG_PATH_MAX + 48], pid[24];
        snprintf(leaf, sizeof leaf, "%s/kiln.main", dir);
        snprintf(procs, sizeof procs, "%s/cgroup.procs", leaf);
        snprintf(pid, sizeof pid, "%ld", env->pid);
        if ((mkdir(leaf, 0755) != 0 && errno != EEXIST) || write_text(procs, pid) != 0 ||
            write_text(path, "+memory +pids") != 0) {
            snprintf(
                why, whylen,
                "cannot delegate memory and pids below %.200s (%.100s): run kiln in a cgroup of its own that it may "
                "write (systemd: Delegate=yes)",
                own, strerror(errno));
            return CG_NONE;
        }
    }
    if (make_base(dir, env->pid, CG.base[0], why, whylen) != 0)
        return CG_NONE;
    snprintf(path, sizeof path, "%s/cgroup.subtree_control", CG.base[0]);
    if (write_text(path, "+memory +pids") != 0) {
        snprintf(why, whylen, "cannot enable memory and pids in %.200s: %.200s", CG.base[0], strerror(errno));
        rmdir(CG.base[0]);
        return CG_NONE;
    }
    CG.nbase = 1;
    CG.kind = CG_V2;
    snprintf(ctl, ctllen, "memory,pids");
    return CG_V2;
}

enum cg_kind cg_init(const cg_env_t *env, char *ctl, size_t ctllen, char *why, size_t whylen)
{
    cg_env_t own = {0};
    why[0] = '\0';
    char *self = NULL, *mi = NULL;
    if (!env) {
        self = read_text("/proc/self/cgroup");
        mi = read_text("/proc/self/mountinfo");
        own = (cg_env_t){.self_cgroup = self ? self : "", .mountinfo = mi ? mi : "", .pid = (long)getpid()};
        env = &own;
    }
    char why1[1024] = "", why2[1024] = "";
    CG.kind = CG_NONE;
    CG.nbase = 0;
    /* v1 where it has both controllers (hybrid hosts keep them there), else v2, else
     * whatever part of v1 there is */
    if (init_v1(env, ctl, ctllen, why1, sizeof why1) == CG_V1 && CG.nbase == 2)
        goto out;
    cg_shutdown(); /* v1 gave one controller at most: v2 may give both */
    if (init_v2(env, ctl, ctllen, why2, sizeof why2) == CG_V2)
        goto out;
    if (init_v1(env, ctl, ctllen, why1, sizeof why1) == CG_NONE)
        snprintf(why, whylen, "%.200s; %.200s", why1, why2);
    else
        snprintf(why, whylen, "cgroup v1 gives only %.200s; %.200s", ctl, why2);
out:
    free(self);
    free(mi);
    return CG.kind;
}

int cg_create(unsigned id, uint64_t memory_bytes, unsigned pids_max, cg_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (CG.kind == CG_NONE) {
        snprintf(err, errlen, "no cgroups");
        return -1;
    }
    char mem[32], pids[32], path[CG_PATH_MAX + 48];
    snprintf(mem, sizeof mem, "%llu", (unsigned long long)memory_bytes);
    snprintf(pids, sizeof pids, "%u", pids_max);
    for (int i = 0; i < CG.nbase; i++) {
        char *dir = out->dir[i];
        if ((size_t)snprintf(dir, CG_PATH_MAX, "%s/w%u", CG.base[i], id) >= CG_PATH_MAX) {
            snprintf(err, errlen, "the cgroup path is too long");
            goto fail;
        }
        if (mkdir(dir, 0755) != 0) {
            if (errno != EEXIST) {
                snprintf(err, errlen, "cannot create %.200s: %.200s", dir, strerror(errno));
                goto fail;
            }
            kill_all(dir); /* a group left by a worker whose teardown we never saw */
        }
        out->ndirs = i + 1;
        snprintf(out->procs[i], sizeof out->procs[i], "%s/w%u/cgroup.procs", CG.base[i], id);
        /* which files this directory has tells which controller it is (v1: one each) */
        struct {
            const char *file, *value;
            int required;
        } limits[] = {
            {"memory.max", mem, 1},                  /* v2 */
            {"memory.swap.max", "0", 0},             /* v2: no way round the limit through swap */
            {"memory.limit_in_bytes", mem, 1},       /* v1 */
            {"memory.memsw.limit_in_bytes", mem, 0}, /* v1 with swap accounting */
            {"pids.max", pids, 1},
        };
        for (size_t k = 0; k < sizeof limits / sizeof *limits; k++) {
            int is_mem = strncmp(limits[k].file, "memory.", 7) == 0;
            if ((is_mem && !memory_bytes) || (!is_mem && !pids_max))
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, limits[k].file);
            if (access(path, F_OK) != 0)
                continue;
            if (write_text(path, limits[k].value) != 0 && limits[k].required) {
                snprintf(err, errlen, "cannot set %.200s: %.200s", path, strerror(errno));
                goto fail;
            }
        }
    }
    return 0;
fail:
    cg_destroy(out);
    memset(out, 0, sizeof *out);
    return -1;
}

int cg_enter(const cg_t *g)
{
    for (int i = 0; i < g->ndirs; i++) {
        int fd = open(g->procs[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        ssize_t w = write(fd, "0", 1);
        close(fd);
        if (w != 1)
            return -1;
    }
    return 0;
}

uint64_t cg_oom_kills(const cg_t *g)
{
    static const char *const files[] = {"memory.events", "memory.oom_control"};
    uint64_t n = 0;
    for (int i = 0; i < g->ndirs; i++)
        for (size_t k = 0; k < sizeof files / sizeof *files; k++) {
            char path[CG_PATH_MAX + 32];
            snprintf(path, sizeof path, "%s/%s", g->dir[i], files[k]);
            char *t = read_text(path);
            if (t)
                n += keyed_value(t, "oom_kill");
            free(t);
        }
    return n;
}

int cg_destroy(const cg_t *g)
{
    int rc = 0;
    for (int i = 0; i < g->ndirs; i++) {
        if (!g->dir[i][0])
            continue;
        if (rmdir(g->dir[i]) == 0 || errno == ENOENT)
            continue;
        kill_all(g->dir[i]);
        if (rmdir(g->dir[i]) != 0 && errno != ENOENT)
            rc = -1;
    }
    return rc;
}

void cg_shutdown(void)
{
    for (int i = 0; i < CG.nbase; i++)
        rmdir(CG.base[i]);
    CG.nbase = 0;
    CG.kind = CG_NONE;
}
