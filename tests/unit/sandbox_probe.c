/* sandbox_probe: tries, from inside a worker's box, the system calls the sandbox's
 * seccomp filter refuses (runtime/seccomp.h) and prints one JSON object: for each call
 * the errno it failed with ("ok" when it succeeded). Used by tests/unit/test_sandbox.c
 * (run in a box) and tests/e2e/sandbox.test.mjs (copied into a deployed app and run by its
 * function). A call that succeeds where it must not is a hole in the box.
 *
 * ptrace and process_vm_readv are aimed at a child of the probe's own (sleeping), which
 * a process may trace on any ordinary host: only the filter stops it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif

static int first = 1;

static void report(const char *name, long rc)
{
    printf("%s\"%s\":\"%s\"", first ? "" : ",", name, rc >= 0 ? "ok" : strerrorname_np(errno));
    first = 0;
}

/* In a child, so a call that works (and changes the process) changes nothing here. */
static void in_child(const char *name, long (*fn)(void))
{
    int p[2];
    if (pipe(p) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        long rc = fn();
        int e = rc >= 0 ? 0 : errno;
        if (write(p[1], &e, sizeof e) != sizeof e)
            _exit(1);
        _exit(0);
    }
    close(p[1]);
    int e = -1;
    if (pid < 0 || read(p[0], &e, sizeof e) != sizeof e)
        e = ECHILD;
    close(p[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    errno = e;
    report(name, e ? -1 : 0);
}

static pid_t target;

static long do_unshare_user(void)
{
    return unshare(CLONE_NEWUSER);
}
static long do_unshare_net(void)
{
    return unshare(CLONE_NEWNET);
}
static long do_unshare_mnt(void)
{
    return unshare(CLONE_NEWNS);
}
static long do_setns(void)
{
    int fd = open("/proc/self/ns/net", O_RDONLY);
    if (fd < 0)
        return -1;
    long rc = setns(fd, 0);
    close(fd);
    return rc;
}
static long do_clone_newuser(void)
{
    long rc = syscall(SYS_clone, (unsigned long)(CLONE_NEWUSER | SIGCHLD), 0, 0, 0, 0);
    if (rc == 0)
        _exit(0);
    if (rc > 0)
        waitpid((pid_t)rc, NULL, 0);
    return rc;
}
static long do_clone3(void)
{
    unsigned long args[11] = {0};
    args[4] = SIGCHLD; /* exit_signal */
    long rc = syscall(SYS_clone3, args, sizeof args);
    if (rc == 0)
        _exit(0);
    if (rc > 0)
        waitpid((pid_t)rc, NULL, 0);
    return rc;
}
static char scratch[64]; /* a fresh directory of the probe's own: nothing of the host's is touched */
static long do_mount(void)
{
    return mount("none", scratch, "tmpfs", 0, NULL);
}
static long do_ptrace(void)
{
    return ptrace(PTRACE_ATTACH, target, 0, 0);
}
static long do_vm_readv(void)
{
    char buf[16];
    struct iovec local = {buf, sizeof buf}, remote = {(void *)0x400000, sizeof buf};
    return process_vm_readv(target, &local, 1, &remote, 1, 0);
}
static long do_keyctl(void)
{
    return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
}
static long do_add_key(void)
{
    return syscall(SYS_add_key, "user", "kiln", "x", 1, KEY_SPEC_PROCESS_KEYRING);
}
static long do_bpf(void)
{
    return syscall(SYS_bpf, 0, NULL, 0);
}
static long do_perf(void)
{
    return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
}
static long do_userfaultfd(void)
{
    return syscall(SYS_userfaultfd, 0);
}
static long do_io_uring(void)
{
    return syscall(SYS_io_uring_setup, 1, NULL);
}
static long do_packet(void)
{
    return socket(AF_PACKET, SOCK_DGRAM, 0);
}
static long do_raw(void)
{
    return socket(AF_INET, SOCK_RAW, 1);
}
static long do_inet(void)
{
    return socket(AF_INET, SOCK_STREAM, 0);
}
static long do_unix(void)
{
    return socket(AF_UNIX, SOCK_STREAM, 0);
}
static long do_mknod(void)
{
    char path[96];
    snprintf(path, sizeof path, "%s/dev", scratch);
    long rc = mknod(path, S_IFCHR | 0600, makedev(1, 3));
    int e = errno;
    unlink(path);
    errno = e;
    return rc;
}
static long do_personality(void)
{
    return personality(ADDR_NO_RANDOMIZE);
}
static long do_chroot(void)
{
    return chroot(scratch);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    /* Outside a box, as root, these calls would work and change the host (a mount, a
     * device node): the probe runs only where the tests that start it say so. */
    if (!getenv("KILN_SANDBOX_PROBE_OK")) {
        fprintf(stderr, "sandbox_probe: meant to run inside a kiln sandbox (set KILN_SANDBOX_PROBE_OK)\n");
        return 2;
    }
    snprintf(scratch, sizeof scratch, "/tmp/kiln-probe-XXXXXX");
    if (!mkdtemp(scratch))
        return 2;
    target = fork();
    if (target == 0) {
        sleep(30);
        _exit(0);
    }
    static const struct {
        const char *name;
        long (*fn)(void);
    } calls[] = {
        {"unshare_user", do_unshare_user},
        {"unshare_net", do_unshare_net},
        {"unshare_mnt", do_unshare_mnt},
        {"setns", do_setns},
        {"clone_newuser", do_clone_newuser},
        {"clone3", do_clone3},
        {"mount", do_mount},
        {"ptrace", do_ptrace},
        {"process_vm_readv", do_vm_readv},
        {"keyctl", do_keyctl},
        {"add_key", do_add_key},
        {"bpf", do_bpf},
        {"perf_event_open", do_perf},
        {"userfaultfd", do_userfaultfd},
        {"io_uring_setup", do_io_uring},
        {"socket_packet", do_packet},
        {"socket_raw", do_raw},
        {"mknod_chr", do_mknod},
        {"personality_norandom", do_personality},
        {"chroot", do_chroot},
        /* controls: what a function needs must still work */
        {"socket_inet", do_inet},
        {"socket_unix", do_unix},
    };
    printf("{");
    /* its own descriptors: what reached the box from kiln */
    char fds[512] = "";
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d));)
        if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
            snprintf(fds + strlen(fds), sizeof fds - strlen(fds), "%s%.16s", fds[0] ? " " : "", e->d_name);
    if (d)
        closedir(d);
    printf("\"fds\":\"%s\"", fds);
    first = 0;
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++)
        in_child(calls[i].name, calls[i].fn);
    printf("}\n");
    if (target > 0) {
        kill(target, SIGKILL);
        waitpid(target, NULL, 0);
    }
    umount2(scratch, MNT_DETACH); /* only if the mount worked: a hole the output shows */
    rmdir(scratch);
    return 0;
}
