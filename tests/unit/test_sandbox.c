/* Unit tests for workers' boxes (src/runtime/sandbox.h, cgroup.h, seccomp.h), from the
 * inside: what a process started by sandbox_spawn sees, who it is, what the kernel lets
 * it do, and what is left of it once it ends.
 *
 * On a machine where namespaces work (this one: `unshare --user --mount --pid` works for
 * root and for users), a box that cannot be built FAILS these tests; only where the
 * kernel refuses namespaces altogether are they skipped, and cmocka's summary says so. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/clock.h"
#include "runtime/cgroup.h"
#include "runtime/sandbox.h"

static char *data_dir, *app_dir;
static char probe_path[PATH_MAX + 32];

/* Whether this machine can build namespaces at all (what the sandbox needs): if it can,
 * the sandbox must be on. */
static int machine_can(void)
{
    const char *cmd = geteuid() == 0 ? "unshare --mount --pid --net --fork true 2>/dev/null"
                                     : "unshare --user --mount --pid --net --fork true 2>/dev/null";
    return system(cmd) == 0;
}

static int setup(void **state)
{
    (void)state;
    data_dir = unit_tempdir();
    app_dir = unit_tempdir();
    chmod(app_dir, 0755);
    /* build/tests/test_sandbox -> build/tests/sandbox_probe, copied into the app */
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(n > 0);
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    snprintf(probe_path, sizeof probe_path, "%s/sandbox_probe", self);
    char cmd[PATH_MAX * 2 + 64];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/sandbox_probe' && chmod 755 '%s/sandbox_probe'", probe_path, app_dir,
             app_dir);
    assert_int_equal(system(cmd), 0);
    char rt[PATH_MAX];
    assert_non_null(realpath("runtime/node", rt));
    sandbox_config_t cfg = {.data_dir = data_dir, .runtime_dir = rt, .node = "node"};
    char err[512] = "";
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sandbox_shutdown();
    unit_rmtree(data_dir);
    unit_rmtree(app_dir);
    return 0;
}

/* The box must be on here, unless the kernel cannot make namespaces at all. */
static void need_box(void)
{
    const sandbox_status_t *st = sandbox_status();
    if (st->on)
        return;
    if (!machine_can()) {
        print_message("SKIPPED: this machine cannot make namespaces (%s)\n", st->missing);
        skip();
    }
    fail_msg("the sandbox is off on a machine that can build it: %s", st->missing);
}

/* Runs `sh -c script` in a box (memory_mb, slot 0); returns its stdout (heap) and exit
 * status. */
static char *run(const char *script, unsigned memory_mb, int *status, sandbox_proc_t *keep)
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", "KILN_SANDBOX_PROBE_OK=1", NULL};
    int fds[3] = {-1, p[1], p[1]};
    static unsigned id = 100;
    sandbox_spawn_t s = {.app_dir = app_dir,
                         .slot = 0,
                         .id = ++id,
                         .memory_mb = memory_mb,
                         .argv = argv,
                         .envp = envp,
                         .fds = fds,
                         .nfds = 3};
    sandbox_proc_t proc;
    char err[256];
    int rc = sandbox_spawn(&s, &proc, err, sizeof err);
    close(p[1]);
    if (rc != 0)
        fail_msg("sandbox_spawn: %s", err);
    size_t cap = 1 << 16, len = 0;
    char *out = xmalloc(cap);
    ssize_t r;
    while ((r = read(p[0], out + len, cap - 1 - len)) > 0)
        len += (size_t)r;
    out[len] = '\0';
    close(p[0]);
    int st = 0;
    while (waitpid(proc.pid, &st, 0) < 0 && errno == EINTR) {
    }
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (keep)
        *keep = proc;
    else
        for (int i = 0; i < 100 && sandbox_release(&proc) != 0; i++)
            usleep(20000);
    return out;
}

static void expect_line(const char *out, const char *line)
{
    if (!unit_contains(out, line))
        fail_msg("expected \"%s\" in the box's output:\n%s", line, out);
}

static void test_view(void **state)
{
    (void)state;
    need_box();
    int st;
    char script[PATH_MAX * 2 + 512];
    snprintf(script, sizeof script,
             "for e in $(ls /); do case $e in app|bin|dev|etc|kiln|lib|lib32|lib64|libx32|proc|run|sbin|tmp|usr) ;;"
             " *) echo UNEXPECTED:$e;; esac; done; echo root: $(ls / | tr '\\n' ' ');"
             "echo app: $(ls /app | tr '\\n' ' ');"
             "test -e '%s' && echo SEES-DATA-DIR;"
             "test -e /run/kiln/proxy.sock || echo no-socket;"
             "echo pids: $(ls /proc | grep -c '^[0-9]');"
             "echo ifaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ');"
             "touch /app/x 2>/dev/null && echo WROTE-APP; touch /usr/x 2>/dev/null && echo WROTE-USR;"
             "touch /tmp/x && echo tmp-writable;"

             "echo hostname: $(cat /proc/sys/kernel/hostname)",
             data_dir);
    char *out = run(script, 128, &st, NULL);
    assert_int_equal(st, 0);
    assert_false(unit_contains(out, "UNEXPECTED:"));
    expect_line(out, "root: app ");
    expect_line(out, "app: sandbox_probe\n");
    assert_false(unit_contains(out, "SEES-DATA-DIR"));
    expect_line(out, "no-socket"); /* this test's sandbox was set up without one */
    expect_line(out, "pids: ");
    /* the box's init, sh, and the command substitution's children: nothing of the host */
    int npids = atoi(strstr(out, "pids: ") + 6);
    assert_true(npids >= 2 && npids <= 5);
    expect_line(out, "ifaces: lo\n");
    assert_false(unit_contains(out, "WROTE-APP"));
    assert_false(unit_contains(out, "WROTE-USR"));
    expect_line(out, "tmp-writable");
    expect_line(out, "hostname: kiln-worker");
    free(out);
}

static void test_identity(void **state)
{
    (void)state;
    need_box();
    int st;
    char *out = run("echo uid=$(id -u) gid=$(id -g) groups=$(id -G);"
                    "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status",
                    128, &st, NULL);
    assert_int_equal(st, 0);
    char want[96];
    unsigned uid = geteuid() == 0 ? sandbox_status()->uid_first : (unsigned)geteuid();
    snprintf(want, sizeof want, "uid=%u gid=%u groups=%u\n", uid, geteuid() == 0 ? uid : (unsigned)getegid(),
             geteuid() == 0 ? uid : (unsigned)getegid());
    expect_line(out, want);
    if (geteuid() == 0)
        assert_int_not_equal(uid, 0);
    expect_line(out, "CapInh:\t0000000000000000");
    expect_line(out, "CapPrm:\t0000000000000000");
    expect_line(out, "CapEff:\t0000000000000000");
    expect_line(out, "CapAmb:\t0000000000000000");
    if (geteuid() == 0)
        expect_line(out, "CapBnd:\t0000000000000000");
    expect_line(out, "NoNewPrivs:\t1");
    expect_line(out, "Seccomp:\t2");
    free(out);
}

/* The system calls the filter refuses, tried by a real program in the box. */
static void test_seccomp(void **state)
{
    (void)state;
    need_box();
    int st;
    char *out = run("/app/sandbox_probe", 128, &st, NULL);
    assert_int_equal(st, 0);
    static const char *const want[] = {
        "\"unshare_user\":\"EPERM\"",
        "\"unshare_net\":\"EPERM\"",
        "\"unshare_mnt\":\"EPERM\"",
        "\"setns\":\"EPERM\"",
        "\"clone_newuser\":\"EPERM\"",
        "\"clone3\":\"ENOSYS\"",
        "\"mount\":\"EPERM\"",
        "\"ptrace\":\"EPERM\"",
        "\"process_vm_readv\":\"EPERM\"",
        "\"keyctl\":\"EPERM\"",
        "\"add_key\":\"EPERM\"",
        "\"bpf\":\"EPERM\"",
        "\"perf_event_open\":\"EPERM\"",
        "\"userfaultfd\":\"EPERM\"",
        "\"io_uring_setup\":\"ENOSYS\"",
        "\"socket_packet\":\"EAFNOSUPPORT\"",
        "\"socket_raw\":\"EPERM\"",
        "\"mknod_chr\":\"EPERM\"",
        "\"personality_norandom\":\"EPERM\"",
        "\"chroot\":\"EPERM\"",
        "\"socket_inet\":\"ok\"",
        "\"socket_unix\":\"ok\"",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        expect_line(out, want[i]);
    free(out);
    /* started without a shell in between: exactly the descriptors it was given */
    out = run("exec /app/sandbox_probe fds", 128, &st, NULL);
    expect_line(out, "\"fds\":\"0 1 2\"");
    free(out);
}

/* Memory: the box's total (here: children each under the data rlimit, together over
 * the cgroup's limit) and a single process's Buffers. */
static void test_memory(void **state)
{
    (void)state;
    need_box();
    int st;
    /* one process: Buffers past the data limit either fail to allocate (a RangeError the
     * function may catch) or leave V8 without room for its own heap (it aborts, as out
     * of memory): either way it never holds more than its limit */
    /* (at most 1 GB: where the limits are broken the test fails, it does not eat the machine) */
    char *out = run(
        "node -e 'const a=[];try{while(a.length<64){a.push(Buffer.alloc(16<<20,1));console.log(\"at\",a.length*16)}}"
        "catch(e){console.log(\"stopped:\",e.message)}' 2>&1",
        256, &st, NULL);
    char *last = NULL;
    for (char *p = strstr(out, "at "); p; p = strstr(p + 1, "\nat "))
        last = p[0] == '\n' ? p + 1 : p;
    if (!last)
        fail_msg("no allocation at all (exit %d):\n%s", st, out);
    int mb = atoi(last + 3);
    assert_true(mb >= 16 && mb <= 256);
    if (st == 0)
        expect_line(out, "stopped: Array buffer allocation failed");
    else if (!unit_contains(out, "heap out of memory") && st != 128 + SIGKILL)
        fail_msg("exit %d without running out of memory:\n%s", st, out);
    free(out);
    if (cg_kind() == CG_NONE) {
        if (geteuid() == 0 && access("/sys/fs/cgroup", F_OK) == 0)
            fail_msg("kiln runs as root on a machine with cgroups, yet has none: %s", sandbox_status()->cgroups);
        print_message("SKIPPED (cgroup part): no cgroups for kiln here\n");
        return;
    }
    /* four children of 60 MB of Buffers each, each well under its own 128 MB data limit:
     * together they pass the box's 128 MB cgroup, which ends one of them */
    sandbox_proc_t p;
    out = run(
        "for i in 1 2 3 4; do node -e 'const b=Buffer.alloc(60<<20,1);setTimeout(()=>console.log(b.length),3000)' & "
        "done; wait",
        128, &st, &p);
    if (!sandbox_oom_killed(&p))
        fail_msg("the box's memory limit killed nothing (exit %d):\n%s", st, out);
    for (int i = 0; i < 100 && sandbox_release(&p) != 0; i++)
        usleep(20000);
    free(out);
}

static void test_processes(void **state)
{
    (void)state;
    need_box();
    if (cg_kind() == CG_NONE && geteuid() != 0) {
        print_message("SKIPPED: no pids cgroup and no uid of its own here\n");
        return;
    }
    int st;
    /* a fork bomb of sleepers: stopped at the box's task limit (Node's own threads count) */
    char *out = run("node -e 'const {spawn}=require(\"child_process\");let n=0,err=null;const kids=[];"
                    "function done(){if(done.d)return;done.d=1;console.log(\"spawned\",n,\"error\",err);"
                    "kids.forEach(k=>k.kill(\"SIGKILL\"));process.exit(0)}"
                    "function next(){if(n>=400)return done();let "
                    "c;try{c=spawn(\"sleep\",[\"30\"])}catch(e){err=e.code;return done()}"
                    "c.on(\"error\",e=>{err=e.code;done()});c.on(\"spawn\",()=>{kids.push(c);n++;next()})}next()'",
                    256, &st, NULL);
    expect_line(out, "spawned ");
    int n = atoi(strstr(out, "spawned ") + 8);
    assert_true(n > 10 && n < SANDBOX_PIDS_MAX);
    expect_line(out, "error EAGAIN");
    free(out);
}

/* What a box leaves behind when it ends: nothing. (The pattern is written so that the
 * grep looking for it does not match its own command line. -q, not -l: with -l a process
 * that ends between the glob and grep's open makes grep exit 2 even when it matched, so
 * on a busy machine the control below failed now and then; with -q a match is 0.) */
static int host_has_marker(void)
{
    return system("grep -q -a -- 'sleep.98765[4]' /proc/[0-9]*/cmdline 2>/dev/null") == 0;
}

static void test_no_leftovers(void **state)
{
    (void)state;
    need_box();
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    char *argv[] = {"/bin/sh", "-c", "sleep 987654 & echo started; sleep 30", NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    int fds[3] = {-1, p[1], -1};
    sandbox_spawn_t s = {
        .app_dir = app_dir, .id = 7, .memory_mb = 128, .argv = argv, .envp = envp, .fds = fds, .nfds = 3};
    sandbox_proc_t proc;
    char err[256];
    assert_int_equal(sandbox_spawn(&s, &proc, err, sizeof err), 0);
    close(p[1]);
    char buf[16] = "";
    assert_true(read(p[0], buf, sizeof buf - 1) > 0);
    close(p[0]);
    assert_true(host_has_marker()); /* the control: it is there while the box lives */
    kill(proc.pid, SIGKILL);        /* as kiln ends a worker */
    waitpid(proc.pid, NULL, 0);
    int gone = 0;
    for (int i = 0; i < 100 && !gone; i++) {
        gone = !host_has_marker();
        if (!gone)
            usleep(20000);
    }
    assert_true(gone);
    for (int i = 0; i < 100 && sandbox_release(&proc) != 0; i++)
        usleep(20000);
    assert_int_equal(sandbox_release(&proc), 0);
}

/* Where the box cannot be built: said, and only development apps run. */
static void test_unavailable(void **state)
{
    (void)state;
    char rt[PATH_MAX], err[512];
    assert_non_null(realpath("runtime/node", rt));
    sandbox_config_t cfg = {.data_dir = data_dir, .runtime_dir = rt, .node = "node", .bwrap = "/nonexistent/bwrap"};
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
    const sandbox_status_t *st = sandbox_status();
    assert_int_equal(st->on, 0);
    assert_true(unit_contains(st->missing, "bubblewrap (/nonexistent/bwrap) not found"));
    assert_int_equal(sandbox_allows("development"), 1);
    assert_int_equal(sandbox_allows("staging"), 0);
    assert_int_equal(sandbox_allows("production"), 0);
    char line[1024];
    sandbox_describe(line, sizeof line);
    assert_true(unit_contains(line, "UNAVAILABLE: "));
    cfg.unsafe_off = 1;
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
    assert_int_equal(sandbox_allows("production"), 1);
    sandbox_describe(line, sizeof line);
    assert_true(unit_contains(line, "--unsafe-no-sandbox"));
    /* a "node" outside /usr and outside any Node installation: the box would have to show
     * its directory (here the test's temp dir, beside the data dir) */
    char fake[PATH_MAX + 32], cmd[PATH_MAX * 2 + 64];
    snprintf(fake, sizeof fake, "%s/bin/node", app_dir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/bin' && cp /bin/true '%s'", app_dir, fake);
    assert_int_equal(system(cmd), 0);
    cfg.unsafe_off = 0;
    cfg.bwrap = NULL;
    cfg.node = fake;
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
    assert_int_equal(sandbox_status()->on, 0);
    assert_true(unit_contains(sandbox_status()->missing, "is outside /usr and not in a Node installation"));
    snprintf(cmd, sizeof cmd, "rm -r '%s/bin'", app_dir);
    assert_int_equal(system(cmd), 0);
    cfg.node = "node";
    /* back to the real thing for the tests after this one */
    cfg.unsafe_off = 0;
    cfg.bwrap = NULL;
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
}

/* `node --version` of the node workers run, as `node --version` says it run here: from the
 * probe box, from node run directly when the box is off or unavailable; none from a
 * "node" that says nothing (the fake one, /bin/true). */
static void test_node_version(void **state)
{
    (void)state;
    char want[64] = "";
    FILE *f = popen("node --version", "r");
    assert_non_null(f);
    assert_non_null(fgets(want, sizeof want, f));
    pclose(f);
    want[strcspn(want, "\n")] = '\0';
    assert_true(want[0] == 'v');
    char rt[PATH_MAX], err[512];
    assert_non_null(realpath("runtime/node", rt));
    sandbox_config_t cfg = {.data_dir = data_dir, .runtime_dir = rt, .node = "node"};
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
    assert_non_null(sandbox_node_version());
    assert_string_equal(sandbox_node_version(), want);
    cfg.unsafe_off = 1;
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
    assert_string_equal(sandbox_node_version(), want);
    cfg.unsafe_off = 0;
    cfg.bwrap = "/nonexistent/bwrap";
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
    assert_string_equal(sandbox_node_version(), want);
    cfg.node = "/bin/true";
    cfg.unsafe_off = 1;
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
    assert_null(sandbox_node_version());
    cfg = (sandbox_config_t){.data_dir = data_dir, .runtime_dir = rt, .node = "node"};
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
}

static void test_uid_range(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        print_message("SKIPPED: uid ranges are for kiln as root\n");
        return;
    }
    char rt[PATH_MAX], err[512] = "";
    assert_non_null(realpath("runtime/node", rt));
    /* a range holding root's uid: refused, named */
    sandbox_config_t cfg = {.data_dir = data_dir, .runtime_dir = rt, .node = "node", .uid_first = 0, .uid_count = 100};
    cfg.uid_first = 0;
    /* uid_first 0 means the default; ask for 1..100 instead, which holds daemon (1) */
    cfg.uid_first = 1;
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), -1);
    assert_true(unit_contains(err, "holds the host account"));
    cfg.uid_first = 2000000000u;
    cfg.uid_count = 10; /* fewer than one per pool */
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), -1);
    cfg.uid_count = 64;
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
}

/* cgroup discovery from /proc/self/cgroup and mountinfo, on a tree of the test's own: a
 * v1 mount whose root is a subtree (as in a container) and an escaped mount point. */
static void test_cgroup_paths(void **state)
{
    (void)state;
    char *root = unit_tempdir();
    char mem[PATH_MAX], pids[PATH_MAX], cmd[PATH_MAX * 3];
    snprintf(mem, sizeof mem, "%s/mem ory/sub/me", root);
    snprintf(pids, sizeof pids, "%s/pids/me", root);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s'", mem, pids);
    assert_int_equal(system(cmd), 0);
    char mountinfo[4096], self[256];
    snprintf(mountinfo, sizeof mountinfo,
             "30 20 0:26 /outer %s/mem\\040ory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
             "31 20 0:27 / %s/pids rw,relatime shared:10 - cgroup cgroup rw,pids\n"
             "32 20 0:28 / %s/unified rw - cgroup2 cgroup2 rw\n",
             root, root, root);
    snprintf(self, sizeof self, "5:pids:/me\n4:memory:/outer/sub/me\n0::/\n");
    cg_env_t env = {.self_cgroup = self, .mountinfo = mountinfo, .pid = 4242};
    char ctl[64], why[512];
    assert_int_equal(cg_init(&env, ctl, sizeof ctl, why, sizeof why), CG_V1);
    assert_string_equal(ctl, "memory,pids");
    char made[PATH_MAX + 32];
    snprintf(made, sizeof made, "%s/kiln.4242", mem);
    assert_int_equal(access(made, F_OK), 0);
    snprintf(made, sizeof made, "%s/kiln.4242", pids);
    assert_int_equal(access(made, F_OK), 0);
    /* a group of a dead kiln is removed at start */
    snprintf(made, sizeof made, "%s/kiln.999999999/w1", pids);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", made);
    assert_int_equal(system(cmd), 0);
    env.pid = 4343;
    assert_int_equal(cg_init(&env, ctl, sizeof ctl, why, sizeof why), CG_V1);
    snprintf(made, sizeof made, "%s/kiln.999999999", pids);
    assert_int_not_equal(access(made, F_OK), 0);
    cg_shutdown();
    unit_rmtree(root);
    /* the real cgroups again, for the tests after this one */
    char rt[PATH_MAX], err[512];
    assert_non_null(realpath("runtime/node", rt));
    sandbox_config_t cfg = {.data_dir = data_dir, .runtime_dir = rt, .node = "node"};
    assert_int_equal(sandbox_init(&cfg, err, sizeof err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view),         cmocka_unit_test(test_identity),     cmocka_unit_test(test_seccomp),
        cmocka_unit_test(test_memory),       cmocka_unit_test(test_processes),    cmocka_unit_test(test_no_leftovers),
        cmocka_unit_test(test_unavailable),  cmocka_unit_test(test_node_version), cmocka_unit_test(test_uid_range),
        cmocka_unit_test(test_cgroup_paths),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
