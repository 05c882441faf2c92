#include "runtime/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "runtime/seccomp.h"

#define ARGV_MAX 96
#define PROBE_MS 10000

static struct {
    sandbox_status_t st;
    int root;                   /* kiln runs as root: bwrap builds the box as root, setpriv drops */
    char bwrap[PATH_MAX];       /* absolute */
    char setpriv[PATH_MAX];     /* absolute, inside /usr or /bin (visible in the box) */
    char node_prefix[PATH_MAX]; /* Node's tree when it is outside /usr, else "" */
    char data_dir[PATH_MAX], runtime_dir[PATH_MAX], proxy_socket[PATH_MAX];
    char node[PATH_MAX];   /* absolute when found */
    char node_version[32]; /* `node --version`'s "v20.20.2", "" when unknown */
    int inited;
    /* the host's top-level links and directories of the merged-/usr layout */
    struct {
        char path[16];
        char link[PATH_MAX]; /* a symlink's target, or "" for a directory bound read-only */
    } top[6];
    int ntop;
    unsigned char *bpf; /* the seccomp filter */
    size_t bpf_len;
    unsigned worker_ids;
} S;

const sandbox_status_t *sandbox_status(void)
{
    return &S.st;
}
const char *sandbox_node(void)
{
    return S.inited ? S.node : NULL;
}

const char *sandbox_node_version(void)
{
    return S.inited && S.node_version[0] ? S.node_version : NULL;
}

/* ---------------------------------------------------------------- finding things */

/* `file` as an absolute path: as it is when it has a '/', else looked up in PATH. */
static int resolve_exe(const char *file, char *out, size_t outlen)
{
    if (!file || !*file)
        return -1;
    if (strchr(file, '/')) {
        if (!realpath(file, out) || access(out, X_OK) != 0)
            return -1;
        return 0;
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        char cand[PATH_MAX];
        if (n && (size_t)snprintf(cand, sizeof cand, "%.*s/%s", (int)n, p, file) < sizeof cand &&
            access(cand, X_OK) == 0 && realpath(cand, out) && strlen(out) < outlen)
            return 0;
        if (!colon)
            break;
        p = colon + 1;
    }
    return -1;
}

static int under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* The top-level entries of the host that hold programs and libraries: symlinks into /usr
 * on a merged-/usr system (Debian 12), directories elsewhere. */
static void plan_top(void)
{
    static const char *const names[] = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"};
    S.ntop = 0;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        struct stat sb;
        if (lstat(names[i], &sb) != 0)
            continue;
        snprintf(S.top[S.ntop].path, sizeof S.top[S.ntop].path, "%s", names[i]);
        S.top[S.ntop].link[0] = '\0';
        if (S_ISLNK(sb.st_mode)) {
            ssize_t n = readlink(names[i], S.top[S.ntop].link, sizeof S.top[S.ntop].link - 1);
            if (n <= 0)
                continue;
            S.top[S.ntop].link[n] = '\0';
        } else if (!S_ISDIR(sb.st_mode)) {
            continue;
        }
        S.ntop++;
    }
}

/* The installation tree of a Node outside /usr (e.g. /opt/node for /opt/node/bin/node,
 * as nvm or the official tarballs lay it out), shown read-only in the box: PREFIX/bin/node*
 * with PREFIX/lib/node_modules beside it, and PREFIX not a top-level directory of the host
 * (/tmp, /home, ...) nor holding the data dir. 0 with the prefix, or -1: no tree the box
 * may show. */
static int node_tree(const char *node, char *out, size_t outlen)
{
    char p[PATH_MAX], probe[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s", node);
    char *slash = strrchr(p, '/');
    if (!slash || slash - p < 4 || strncmp(slash - 4, "/bin", 4) != 0)
        return -1;
    slash[-4] = '\0'; /* PREFIX */
    snprintf(probe, sizeof probe, "%s/lib/node_modules", p);
    if (!p[0] || !strchr(p + 1, '/') || access(probe, F_OK) != 0 || under(S.data_dir, p) ||
        strcmp(S.data_dir, p) == 0 || strlen(p) >= outlen)
        return -1;
    strcpy(out, p);
    return 0;
}

/* Refuses a uid range that an account or group of the host uses: the worker would own
 * its files. */
static int range_unused(unsigned first, unsigned count, char *err, size_t errlen)
{
    int rc = 0;
    setpwent();
    for (struct passwd *pw; (pw = getpwent());)
        if (pw->pw_uid >= first && pw->pw_uid - first < count) {
            snprintf(err, errlen,
                     "the sandbox uid range %u-%u holds the host account %.200s (uid %u): choose another "
                     "with --sandbox-uids",
                     first, first + count - 1, pw->pw_name, (unsigned)pw->pw_uid);
            rc = -1;
            break;
        }
    endpwent();
    setgrent();
    for (struct group *gr; rc == 0 && (gr = getgrent());)
        if (gr->gr_gid >= first && gr->gr_gid - first < count) {
            snprintf(err, errlen,
                     "the sandbox uid range %u-%u holds the host group %.200s (gid %u): choose another "
                     "with --sandbox-uids",
                     first, first + count - 1, gr->gr_name, (unsigned)gr->gr_gid);
            rc = -1;
        }
    endgrent();
    return rc;
}

/* DATA/sandbox/etc/<uid>: the /etc of boxes running as uid (passwd, group, hosts), so
 * os.userInfo() and "localhost" work as on a host. Written once; read-only in the box. */
static int etc_dir(unsigned uid, char *out, size_t outlen)
{
    char base[PATH_MAX + 32];
    snprintf(base, sizeof base, "%s/sandbox", S.data_dir);
    mkdir(base, 0711);
    snprintf(base, sizeof base, "%s/sandbox/etc", S.data_dir);
    mkdir(base, 0711);
    if ((size_t)snprintf(out, outlen, "%s/%u", base, uid) >= outlen)
        return -1;
    char probe[PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/hosts", out);
    if (access(probe, F_OK) == 0)
        return 0;
    char tmp[PATH_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", out, (long)getpid());
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return -1;
    chmod(tmp, 0755);
    char text[512];
    struct {
        const char *name;
        int n;
    } files[3] = {
        {"passwd", 0},
        {"group", 0},
        {"hosts", 0},
    };
    for (int i = 0; i < 3; i++) {
        if (i == 0)
            files[i].n =
                snprintf(text, sizeof text,
                         "root:x:0:0:root:/:/usr/sbin/nologin\napp:x:%u:%u:app:/tmp:/usr/sbin/nologin\n", uid, uid);
        else if (i == 1)
            files[i].n = snprintf(text, sizeof text, "root:x:0:\napp:x:%u:\n", uid);
        else
            files[i].n = snprintf(text, sizeof text, "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n");
        char path[PATH_MAX + 96];
        snprintf(path, sizeof path, "%s/%s", tmp, files[i].name);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
            return -1;
        ssize_t w = write(fd, text, (size_t)files[i].n);
        fchmod(fd, 0644);
        close(fd);
        if (w != files[i].n)
            return -1;
    }
    if (rename(tmp, out) != 0 && access(probe, F_OK) != 0)
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- argv */

typedef struct argv_b {
    char *v[ARGV_MAX + 1];
    int n, over;
} argv_b;

static void arg(argv_b *a, const char *s)
{
    if (a->n < ARGV_MAX)
        a->v[a->n++] = (char *)s;
    else
        a->over = 1;
}

/* bwrap's command line for one box; strings in `keep` live until the exec. */
static int box_argv(const sandbox_spawn_t *s, argv_b *a, int seccomp_fd, char keep[][PATH_MAX + 32], int nkeep)
{
    int k = 0;
#define KEEP(...) (k < nkeep ? (snprintf(keep[k], PATH_MAX + 32, __VA_ARGS__), keep[k++]) : "")
    unsigned uid = S.root ? S.st.uid_first + s->slot : (unsigned)getuid();
    char etc[PATH_MAX];
    if (etc_dir(uid, etc, sizeof etc) != 0)
        return -1;
    arg(a, S.bwrap);
    if (!S.root) {
        arg(a, "--unshare-user");
        arg(a, "--disable-userns");
    }
    arg(a, "--unshare-pid");
    arg(a, "--unshare-ipc");
    arg(a, "--unshare-uts");
    arg(a, "--unshare-cgroup-try");
    if (S.st.netns)
        arg(a, "--unshare-net");
    arg(a, "--die-with-parent");
    arg(a, "--new-session");
    arg(a, "--hostname");
    arg(a, "kiln-worker");
    arg(a, "--ro-bind");
    arg(a, "/usr");
    arg(a, "/usr");
    for (int i = 0; i < S.ntop; i++) {
        arg(a, S.top[i].link[0] ? "--symlink" : "--ro-bind");
        arg(a, S.top[i].link[0] ? S.top[i].link : S.top[i].path);
        arg(a, S.top[i].path);
    }
    if (S.node_prefix[0]) {
        arg(a, "--ro-bind");
        arg(a, S.node_prefix);
        arg(a, S.node_prefix);
    }
    arg(a, "--ro-bind");
    arg(a, etc);
    arg(a, "/etc");
    arg(a, "--proc");
    arg(a, "/proc");
    arg(a, "--dev");
    arg(a, "/dev");
    arg(a, "--perms");
    arg(a, "1777");
    arg(a, "--size");
    arg(a, KEEP("%u", SANDBOX_TMP_MB * 1024u * 1024u));
    arg(a, "--tmpfs");
    arg(a, "/tmp");
    arg(a, "--perms");
    arg(a, "0755");
    arg(a, "--dir");
    arg(a, "/kiln");
    arg(a, "--ro-bind");
    arg(a, S.runtime_dir);
    arg(a, SANDBOX_RUNTIME_DIR);
    if (S.proxy_socket[0]) {
        arg(a, "--perms");
        arg(a, "0755");
        arg(a, "--dir");
        arg(a, "/run");
        arg(a, "--perms");
        arg(a, "0755");
        arg(a, "--dir");
        arg(a, "/run/kiln");
        arg(a, "--ro-bind");
        arg(a, S.proxy_socket);
        arg(a, SANDBOX_PROXY_SOCKET);
    }
    arg(a, "--ro-bind");
    arg(a, s->app_dir);
    arg(a, SANDBOX_APP_DIR);
    arg(a, "--chdir");
    arg(a, SANDBOX_APP_DIR);
    arg(a, "--seccomp");
    arg(a, KEEP("%d", seccomp_fd));
    if (S.root) {
        /* bwrap keeps only what setpriv needs to become the pool's uid; setpriv drops
         * those too (and the bounding set) before Node starts */
        static const char *const caps[] = {"CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"};
        for (size_t i = 0; i < sizeof caps / sizeof *caps; i++) {
            arg(a, "--cap-add");
            arg(a, caps[i]);
        }
        arg(a, "--");
        arg(a, S.setpriv);
        arg(a, "--reuid");
        arg(a, KEEP("%u", uid));
        arg(a, "--regid");
        arg(a, KEEP("%u", uid));
        arg(a, "--clear-groups");
        arg(a, "--bounding-set=-all");
        arg(a, "--inh-caps=-all");
    }
    arg(a, "--");
    for (int i = 0; s->argv[i]; i++)
        arg(a, s->argv[i]);
    a->v[a->n] = NULL;
#undef KEEP
    return a->over || k > nkeep ? -1 : 0;
}

/* ---------------------------------------------------------------- spawning */

static void set_limit(int res, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
    setrlimit(res, &rl);
}

/* Between fork and exec: async-signal-safe only. */
static void child(const sandbox_spawn_t *s, const sandbox_proc_t *p, int devnull, int seccomp_fd, pid_t parent,
                  const char *exe, char *const *argv)
{
    int n = s->nfds, fds[9];
    for (int i = 0; i < n; i++)
        fds[i] = s->fds[i] >= 0 ? s->fds[i] : devnull;
    fds[n] = seccomp_fd;
    /* move every source above the targets first, so no dup2 overwrites a later source */
    int hi[9];
    for (int i = 0; i <= n; i++) {
        if (fds[i] < 0) {
            hi[i] = -1;
            continue;
        }
        hi[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 64);
        if (hi[i] < 0)
            _exit(127);
    }
    for (int i = 0; i <= n; i++)
        if (hi[i] >= 0 && dup2(hi[i], i) < 0) /* dup2 clears close-on-exec on the target */
            _exit(127);
    syscall(SYS_close_range, (unsigned)n + 1, ~0u, 0); /* nothing else of kiln's reaches the box */
    if (p->has_cg && cg_enter(&p->cg) != 0)
        _exit(126);
    if (s->memory_mb) /* the worker's writable memory: its heap, Buffers, native allocations */
        set_limit(RLIMIT_DATA, (rlim_t)s->memory_mb << 20, (rlim_t)s->memory_mb << 20);
    set_limit(RLIMIT_NOFILE, SANDBOX_NOFILE, SANDBOX_NOFILE);
    /* /tmp fills (ENOSPC) before any one file reaches this: a backstop, not the cap */
    set_limit(RLIMIT_FSIZE, (rlim_t)SANDBOX_TMP_MB << 21, (rlim_t)SANDBOX_TMP_MB << 21);
    set_limit(RLIMIT_CPU, SANDBOX_CPU_SECONDS, SANDBOX_CPU_SECONDS + 30);
    set_limit(RLIMIT_CORE, 0, 0);
    if (S.root && S.st.on) /* counted per uid, and each pool has its own */
        set_limit(RLIMIT_NPROC, 4 * SANDBOX_PIDS_MAX, 4 * SANDBOX_PIDS_MAX);
    setsid(); /* no signals from kiln's terminal */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(126); /* kiln's thread is gone already */
    if (!S.st.on) {
        /* unboxed (development, or --unsafe-no-sandbox): the filter still applies */
        if (s->app_dir && chdir(s->app_dir) != 0)
            _exit(127);
        struct sock_fprog prog = {.len = (unsigned short)(S.bpf_len / 8), .filter = (struct sock_filter *)S.bpf};
        if (S.bpf &&
            (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0))
            _exit(126);
        close(n);
    }
    execve(exe, argv, s->envp);
    _exit(127);
}

int sandbox_spawn(const sandbox_spawn_t *s, sandbox_proc_t *out, char *err, size_t errlen)
{
    int rc = -1, sp[2] = {-1, -1}, devnull = -1;
    memset(out, 0, sizeof *out);
    out->pid = -1;
    if (s->nfds < 0 || s->nfds > 8 || !s->argv || !s->argv[0]) {
        snprintf(err, errlen, "bad spawn request");
        return -1;
    }
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull < 0 || pipe2(sp, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot create descriptors: %.200s", strerror(errno));
        goto out;
    }
    if (S.st.on && S.bpf && write(sp[1], S.bpf, S.bpf_len) != (ssize_t)S.bpf_len) {
        snprintf(err, errlen, "cannot hand the seccomp filter over: %.200s", strerror(errno));
        goto out;
    }
    close(sp[1]);
    sp[1] = -1;
    if (cg_kind() != CG_NONE) {
        /* the box: the function's memory, and its /tmp (tmpfs pages count as memory) */
        uint64_t box = s->memory_mb ? ((uint64_t)s->memory_mb + SANDBOX_TMP_MB) << 20 : 0;
        if (cg_create(s->id, box, SANDBOX_PIDS_MAX, &out->cg, err, errlen) != 0)
            goto out;
        out->has_cg = 1;
    }
    argv_b a = {.n = 0};
    char keep[6][PATH_MAX + 32];
    const char *exe = s->argv[0];
    char *const *argv = s->argv;
    if (S.st.on) {
        if (box_argv(s, &a, s->nfds, keep, 6) != 0) {
            snprintf(err, errlen, "cannot prepare the sandbox's command line");
            goto out;
        }
        exe = S.bwrap;
        argv = a.v;
    }
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot fork: %.200s", strerror(errno));
        goto out;
    }
    if (pid == 0)
        child(s, out, devnull, sp[0], parent, exe, argv);
    out->pid = pid;
    rc = 0;
out:
    if (devnull >= 0)
        close(devnull);
    for (int i = 0; i < 2; i++)
        if (sp[i] >= 0)
            close(sp[i]);
    if (rc != 0 && out->has_cg) {
        cg_destroy(&out->cg);
        out->has_cg = 0;
    }
    return rc;
}

int sandbox_oom_killed(const sandbox_proc_t *p)
{
    return p->has_cg && cg_oom_kills(&p->cg) > 0;
}

int sandbox_release(sandbox_proc_t *p)
{
    if (!p->has_cg)
        return 0;
    if (cg_destroy(&p->cg) != 0)
        return -1;
    p->has_cg = 0;
    return 0;
}

void sandbox_shutdown(void)
{
    cg_shutdown();
}

/* ---------------------------------------------------------------- views and policy */

void sandbox_view(const char *host_app_dir, sandbox_view_t *v)
{
    if (S.st.on) {
        v->app_dir = SANDBOX_APP_DIR;
        v->runtime_dir = SANDBOX_RUNTIME_DIR;
        v->proxy_socket = S.proxy_socket[0] ? SANDBOX_PROXY_SOCKET : NULL;
    } else {
        v->app_dir = host_app_dir;
        v->runtime_dir = S.runtime_dir;
        v->proxy_socket = S.proxy_socket[0] ? S.proxy_socket : NULL;
    }
}

int sandbox_allows(const char *env_key)
{
    if (S.st.on || S.st.unsafe)
        return 1;
    return env_key && strcmp(env_key, "production") != 0 && strcmp(env_key, "staging") != 0;
}

void sandbox_describe(char *out, size_t outlen)
{
    const sandbox_status_t *st = &S.st;
    if (st->on)
        snprintf(out, outlen,
                 "on (bubblewrap: mount, pid, ipc, uts%s namespaces; %s%s; seccomp %u rules; no_new_privs; "
                 "cgroups %s; rlimits)",
                 st->netns ? ", net" : "", st->identity, S.root ? " from the configured range" : "", st->seccomp_rules,
                 st->cgroups);
    else if (st->unsafe)
        snprintf(out, outlen, "OFF (--unsafe-no-sandbox): functions run as kiln's uid with kiln's view of the files");
    else
        snprintf(out, outlen, "UNAVAILABLE: %s", st->missing);
}

/* ---------------------------------------------------------------- start */

/* Reads fd into buf (NUL-terminated) until EOF, a full buffer or ms milliseconds; closes
 * fd; returns the bytes read. */
static size_t read_for(int fd, char *buf, size_t cap, int ms)
{
    size_t got = 0;
    int64_t deadline = clock_now_ms() + ms;
    for (;;) {
        int64_t left = deadline - clock_now_ms();
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
            break;
        ssize_t r = read(fd, buf + got, cap - 1 - got);
        if (r <= 0)
            break;
        got += (size_t)r;
        if (got >= cap - 1)
            break;
    }
    close(fd);
    buf[got] = '\0';
    return got;
}

/* Keeps `node --version`'s first line ("v20.20.2") when it looks like one. */
static void keep_version(const char *out)
{
    size_t n = strspn(out, "v0123456789.");
    if (out[0] == 'v' && n > 1 && n < sizeof S.node_version)
        snprintf(S.node_version, sizeof S.node_version, "%.*s", (int)n, out);
}

/* `node --version` run as kiln runs workers when the box is off (unsafe or unavailable):
 * directly, as kiln's uid. Leaves S.node_version "" when it does not answer. */
static void host_version(const char *node)
{
    int pfd[2];
    if (node[0] != '/' || pipe2(pfd, O_CLOEXEC) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        execl(node, node, "--version", (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        return;
    }
    char outb[256];
    read_for(pfd[0], outb, sizeof outb, PROBE_MS);
    kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        keep_version(outb);
}

/* Runs `node --version` in a box and waits for it: the proof that the chain works. */
static int probe(const char *node, char *why, size_t whylen)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        snprintf(why, whylen, "cannot create a pipe: %.200s", strerror(errno));
        return -1;
    }
    char *argv[] = {(char *)node, "--version", NULL};
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", NULL};
    int fds[3] = {-1, pfd[1], pfd[1]};
    sandbox_spawn_t s = {.app_dir = S.runtime_dir,
                         .slot = 0,
                         .id = 0,
                         .memory_mb = 256,
                         .argv = argv,
                         .envp = envp,
                         .fds = fds,
                         .nfds = 3};
    sandbox_proc_t p;
    char err[256];
    if (sandbox_spawn(&s, &p, err, sizeof err) != 0) {
        close(pfd[0]);
        close(pfd[1]);
        snprintf(why, whylen, "%.200s", err);
        return -1;
    }
    close(pfd[1]);
    char outb[1024];
    size_t got = read_for(pfd[0], outb, sizeof outb, PROBE_MS);
    kill(p.pid, SIGKILL); /* a no-op when it ended already */
    int status = 0;
    while (waitpid(p.pid, &status, 0) < 0 && errno == EINTR) {
    }
    sandbox_release(&p);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && outb[0] == 'v') {
        keep_version(outb);
        return 0;
    }
    char *nl = strchr(outb, '\n');
    if (nl && outb[0] == 'v')
        nl = strchr(nl + 1, '\n');
    if (nl)
        *nl = '\0';
    snprintf(why, whylen, "the probe box failed (%.200s)", got ? outb : "no output");
    return -1;
}

int sandbox_init(const sandbox_config_t *cfg, char *err, size_t errlen)
{
    memset(&S.st, 0, sizeof S.st);
    S.node_version[0] = '\0';
    S.st.unsafe = 0;
    S.root = geteuid() == 0;
    S.st.unsafe = cfg->unsafe_off;
    S.st.uid_first = cfg->uid_first ? cfg->uid_first : SANDBOX_UID_FIRST_DEFAULT;
    S.st.uid_count = cfg->uid_count ? cfg->uid_count : SANDBOX_UID_COUNT_MIN;
    S.st.netns = !cfg->share_net;
    S.st.identity = "kiln's own uid";
    snprintf(S.st.cgroups, sizeof S.st.cgroups, "none");
    snprintf(S.data_dir, sizeof S.data_dir, "%s", cfg->data_dir);
    snprintf(S.runtime_dir, sizeof S.runtime_dir, "%s", cfg->runtime_dir);
    snprintf(S.proxy_socket, sizeof S.proxy_socket, "%s", cfg->proxy_socket ? cfg->proxy_socket : "");
    S.inited = 1;
    if (resolve_exe(cfg->node, S.node, sizeof S.node) != 0)
        snprintf(S.node, sizeof S.node, "%s", cfg->node);
    if (S.root && S.st.uid_count < SANDBOX_UID_COUNT_MIN) {
        snprintf(err, errlen, "the sandbox uid range must hold at least %d uids", SANDBOX_UID_COUNT_MIN);
        return -1;
    }
    if (S.root && range_unused(S.st.uid_first, S.st.uid_count, err, errlen) != 0)
        return -1;

    /* what is missing is collected, not just the first thing */
    char *miss = S.st.missing;
    size_t ml = sizeof S.st.missing;
#define MISSING(...)                                                                                                   \
    snprintf(miss + strlen(miss), ml - strlen(miss), "%s", miss[0] ? "; " : ""),                                       \
        snprintf(miss + strlen(miss), ml - strlen(miss), __VA_ARGS__)
    char why[512] = "";
    unsigned nrules = 0;
    free(S.bpf);
    S.bpf = seccomp_build(&S.bpf_len, &nrules, why, sizeof why);
    if (!S.bpf)
        MISSING("seccomp: %s", why);
    S.st.seccomp_rules = nrules;
    char ctl[64] = "";
    enum cg_kind cg = cg_init(NULL, ctl, sizeof ctl, why, sizeof why);
    if (cg != CG_NONE)
        snprintf(S.st.cgroups, sizeof S.st.cgroups, "v%d %.40s", cg == CG_V1 ? 1 : 2, ctl);
    else
        snprintf(S.st.cgroups, sizeof S.st.cgroups, "none (%s)", S.root ? "see the log" : "kiln is not root");
    if (cfg->unsafe_off) {
        host_version(S.node);
        return 0; /* the box stays off; limits and the filter still apply */
    }

    const char *bw = cfg->bwrap ? cfg->bwrap : getenv("KILN_BWRAP") ? getenv("KILN_BWRAP") : "bwrap";
    const char *node = S.node;
    S.node_prefix[0] = '\0';
    if (resolve_exe(bw, S.bwrap, sizeof S.bwrap) != 0)
        MISSING("bubblewrap (%s) not found: install Debian's bubblewrap", bw);
    if (node[0] != '/')
        MISSING("node (%s) not found", cfg->node);
    else if (!under(node, "/usr") && node_tree(node, S.node_prefix, sizeof S.node_prefix) != 0)
        MISSING("node (%.200s) is outside /usr and not in a Node installation (PREFIX/bin/node with "
                "PREFIX/lib/node_modules) that the box could show read-only",
                node);
    if (S.root && resolve_exe("/usr/bin/setpriv", S.setpriv, sizeof S.setpriv) != 0 &&
        resolve_exe("/bin/setpriv", S.setpriv, sizeof S.setpriv) != 0)
        MISSING("setpriv (util-linux) not found in /usr/bin or /bin");
    plan_top();
    if (S.st.missing[0]) {
        host_version(S.node);
        return 0;
    }
    S.st.on = 1;
    S.st.identity = S.root ? "a uid per pool" : "a user namespace";
    int64_t t0 = clock_now_ms();
    if (probe(node, why, sizeof why) != 0) {
        S.st.on = 0;
        S.st.identity = "kiln's own uid";
        MISSING("%s", why);
    }
    S.st.probe_ms = clock_now_ms() - t0;
    if (!S.node_version[0])
        host_version(S.node);
#undef MISSING
    return 0;
}
