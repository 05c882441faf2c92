/* Unit tests for workers' network namespaces (src/runtime/netns.h): a process started
 * with netns_spawn sees only a loopback interface, has an empty capability bounding set,
 * gets the descriptors it was given, and a missing program is an error, not a child. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>

#include "runtime/netns.h"

static int run(enum netns_kind kind, const char *script, int out_fd)
{
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    int fds[3] = {-1, out_fd, -1};
    pid_t pid;
    int rc = netns_spawn("sh", argv, envp, "/", fds, 3, kind, &pid);
    if (rc != 0)
        return -1000 - rc;
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_isolated(void **state)
{
    (void)state;
    enum netns_kind kind = netns_probe();
    if (kind == NETNS_NONE)
        skip(); /* no CAP_SYS_ADMIN and no user namespaces here */
    /* /proc/net/dev: two header lines and lo, nothing else */
    assert_int_equal(run(kind, "test \"$(wc -l < /proc/net/dev)\" -eq 3", -1), 0);
    /* lo is down: nothing listens or connects, not even on loopback */
    assert_int_equal(run(kind, "grep -q '^ *lo:' /proc/net/dev", -1), 0);
    /* no capabilities at all, even when kiln runs as root */
    assert_int_equal(run(kind, "grep -q '^CapBnd:[[:space:]]*0000000000000000$' /proc/self/status", -1), 0);
    assert_int_equal(run(kind, "grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/self/status", -1), 0);
}

static void test_descriptors(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    assert_int_equal(run(NETNS_NONE, "echo hello", p[1]), 0);
    close(p[1]);
    char buf[32] = "";
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    assert_true(n > 0);
    assert_string_equal(buf, "hello\n");
    /* a program that does not exist: an error, no child */
    char *argv[] = {"nope", NULL};
    char *envp[] = {NULL};
    pid_t pid = 0;
    assert_int_not_equal(netns_spawn("/nonexistent/nope", argv, envp, "/", NULL, 0, NETNS_NONE, &pid), 0);
    assert_int_not_equal(netns_spawn("sh", argv, envp, "/", NULL, 17, NETNS_NONE, &pid), 0); /* too many fds */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isolated),
        cmocka_unit_test(test_descriptors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
