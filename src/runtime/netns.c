#include "runtime/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_NS_FAILED 126

/* ---- between fork and exec: async-signal-safe only ---- */

static size_t utoa(char *out, unsigned long v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static int write_file(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t w = write(fd, text, len);
    close(fd);
    return w == (ssize_t)len ? 0 : -1;
}

/* "ID ID 1\n": the process keeps its own id inside the user namespace. */
static int map_self(const char *path, unsigned long id)
{
    char line[64];
    size_t n = utoa(line, id);
    line[n++] = ' ';
    n += utoa(line + n, id);
    memcpy(line + n, " 1\n", 3);
    return write_file(path, line, n + 3);
}

/* Empties the capability bounding set, so the program exec'd next has no capabilities
 * even as uid 0: a root worker could otherwise setns(2) / nsenter(1) back into the host's
 * network namespace. */
static void drop_capabilities(void)
{
    for (int cap = 0; cap < 64; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
            break; /* EINVAL past the last capability the kernel knows */
}

static int enter(enum netns_kind kind)
{
    if (kind == NETNS_ROOT) {
        if (unshare(CLONE_NEWNET) != 0)
            return -1;
        drop_capabilities();
        return 0;
    }
    if (kind == NETNS_USER) {
        unsigned long uid = (unsigned long)getuid(), gid = (unsigned long)getgid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
            return -1;
        /* best effort: without the maps the process still runs, as the overflow id */
        if (write_file("/proc/self/setgroups", "deny", 4) == 0)
            map_self("/proc/self/gid_map", gid);
        map_self("/proc/self/uid_map", uid);
        drop_capabilities();
        return 0;
    }
    return 0;
}

/* ---- the parent ---- */

enum netns_kind netns_probe(void)
{
    static const enum netns_kind kinds[] = {NETNS_ROOT, NETNS_USER};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return NETNS_NONE;
        if (pid == 0)
            _exit(enter(kinds[i]) == 0 ? 0 : 1);
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
            return kinds[i];
    }
    return NETNS_NONE;
}

const char *netns_name(enum netns_kind kind)
{
    return kind == NETNS_ROOT ? "namespace (root)" : kind == NETNS_USER ? "namespace (user)" : "none";
}

/* The absolute path of `file` (looked up in PATH when it has no '/'), or -1. */
static int resolve(const char *file, char *out, size_t outlen)
{
    if (strchr(file, '/')) {
        if (strlen(file) >= outlen)
            return -1;
        strcpy(out, file);
        return access(out, X_OK) == 0 ? 0 : -1;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (n && (size_t)snprintf(out, outlen, "%.*s/%s", (int)n, p, file) < outlen && access(out, X_OK) == 0)
            return 0;
        if (!colon)
            break;
        p = colon + 1;
    }
    return -1;
}

int netns_spawn(const char *file, char *const argv[], char *const envp[], const char *cwd, const int *fds, int nfds,
                enum netns_kind kind, pid_t *pid_out)
{
    char exe[PATH_MAX];
    if (nfds > 16 || resolve(file, exe, sizeof exe) != 0)
        return ENOENT;
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0)
        return errno;
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(devnull);
        return e;
    }
    if (pid == 0) {
        /* First move every source above the targets, so no dup2 overwrites a later source. */
        int hi[16];
        for (int i = 0; i < nfds; i++) {
            hi[i] = fcntl(fds[i] >= 0 ? fds[i] : devnull, F_DUPFD_CLOEXEC, 64);
            if (hi[i] < 0)
                _exit(127);
        }
        for (int i = 0; i < nfds; i++)
            if (dup2(hi[i], i) < 0) /* dup2 clears close-on-exec on the target */
                _exit(127);
        if (cwd && chdir(cwd) != 0)
            _exit(127);
        if (enter(kind) != 0)
            _exit(CHILD_NS_FAILED);
        execve(exe, argv, envp);
        _exit(127);
    }
    close(devnull);
    *pid_out = pid;
    return 0;
}
