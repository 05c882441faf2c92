#include "runtime/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"

/* Calls refused outright, with the errno the caller sees. Names unknown to this
 * architecture (or to this libseccomp) are skipped. */
static const struct {
    const char *name;
    int err;
} refused[] = {
    /* other processes' memory and state */
    {"ptrace", EPERM},
    {"process_vm_readv", EPERM},
    {"process_vm_writev", EPERM},
    {"process_madvise", EPERM},
    {"kcmp", EPERM},
    {"pidfd_getfd", EPERM},
    {"migrate_pages", EPERM},
    /* file systems and namespaces */
    {"mount", EPERM},
    {"umount", EPERM},
    {"umount2", EPERM},
    {"pivot_root", EPERM},
    {"chroot", EPERM},
    {"mount_setattr", EPERM},
    {"move_mount", EPERM},
    {"open_tree", EPERM},
    {"fsopen", EPERM},
    {"fsconfig", EPERM},
    {"fsmount", EPERM},
    {"fspick", EPERM},
    {"unshare", EPERM},
    {"setns", EPERM},
    {"clone3", ENOSYS},
    {"name_to_handle_at", EPERM},
    {"open_by_handle_at", EPERM},
    {"quotactl", EPERM},
    {"quotactl_fd", EPERM},
    {"fanotify_init", EPERM},
    {"lookup_dcookie", EPERM},
    /* the kernel's keyring */
    {"keyctl", EPERM},
    {"add_key", EPERM},
    {"request_key", EPERM},
    /* kernel attack surface a function never needs */
    {"bpf", EPERM},
    {"perf_event_open", EPERM},
    {"userfaultfd", EPERM},
    {"io_uring_setup", ENOSYS},
    {"io_uring_enter", ENOSYS},
    {"io_uring_register", ENOSYS},
    {"uselib", EPERM},
    {"ustat", EPERM},
    {"sysfs", EPERM},
    {"_sysctl", EPERM},
    {"vhangup", EPERM},
    {"nfsservctl", EPERM},
    /* the machine */
    {"init_module", EPERM},
    {"finit_module", EPERM},
    {"delete_module", EPERM},
    {"create_module", EPERM},
    {"kexec_load", EPERM},
    {"kexec_file_load", EPERM},
    {"reboot", EPERM},
    {"swapon", EPERM},
    {"swapoff", EPERM},
    {"acct", EPERM},
    {"syslog", EPERM},
    {"settimeofday", EPERM},
    {"clock_settime", EPERM},
    {"clock_adjtime", EPERM},
    {"adjtimex", EPERM},
    {"sethostname", EPERM},
    {"setdomainname", EPERM},
    {"iopl", EPERM},
    {"ioperm", EPERM},
};

/* Address families a worker may open: Unix (kiln's socket), IPv4 and IPv6 (its own
 * namespace, or egress in in-process mode), netlink (libc's getifaddrs). */
static int family_allowed(int af)
{
    return af == AF_UNIX || af == AF_INET || af == AF_INET6 || af == AF_NETLINK;
}

unsigned char *seccomp_build(size_t *len, unsigned *nrules, char *err, size_t errlen)
{
    unsigned char *out = NULL;
    unsigned n = 0;
    int fd = -1, rc = 0;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
        snprintf(err, errlen, "seccomp_init failed");
        return NULL;
    }
    /* another ABI's system calls (i386, x32) have other numbers: they are not let through */
    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
#ifdef SCMP_FLTATR_CTL_OPTIMIZE
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2); /* a binary tree: the cost per call stays small */
#endif
#define ADD(action, sys, ...)                                                                                          \
    do {                                                                                                               \
        if ((rc = seccomp_rule_add(ctx, action, sys, __VA_ARGS__)) != 0)                                               \
            goto fail;                                                                                                 \
        n++;                                                                                                           \
    } while (0)
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        int nr = seccomp_syscall_resolve_name(refused[i].name);
        if (nr == __NR_SCMP_ERROR)
            continue;
        ADD(SCMP_ACT_ERRNO(refused[i].err), nr, 0);
    }
    /* clone: no new namespaces (the flags are its first argument on every Linux ABI kiln
     * builds for) */
    static const unsigned long ns[] = {CLONE_NEWNS,  CLONE_NEWUTS, CLONE_NEWIPC,   CLONE_NEWUSER,
                                       CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, ns[i], ns[i]));
    /* sockets: the families above only; no raw or packet sockets */
    for (int af = 0; af < AF_MAX; af++)
        if (!family_allowed(af))
            ADD(SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)af));
    ADD(SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_GE, (scmp_datum_t)AF_MAX));
    /* no raw IP (netlink is raw by nature: libc's getifaddrs opens it so) */
    static const int inet[] = {AF_INET, AF_INET6};
    for (size_t i = 0; i < sizeof inet / sizeof *inet; i++) {
        ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)inet[i]),
            SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_RAW));
        ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)inet[i]),
            SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_PACKET));
    }
    /* no device nodes (FIFOs and plain files stay possible) */
    ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mknod), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFCHR));
    ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mknod), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFBLK));
    ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mknodat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFCHR));
    ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mknodat), 1, SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT, S_IFBLK));
    /* no switching address-space randomisation off, no executable data */
    ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
        SCMP_A0(SCMP_CMP_MASKED_EQ, ADDR_NO_RANDOMIZE, ADDR_NO_RANDOMIZE));
    ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(personality), 1,
        SCMP_A0(SCMP_CMP_MASKED_EQ, READ_IMPLIES_EXEC, READ_IMPLIES_EXEC));
    /* no typing into a terminal (bwrap's --new-session already detaches it) */
    ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
    ADD(SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
#undef ADD

    fd = memfd_create("kiln-seccomp", MFD_CLOEXEC);
    if (fd < 0 || (rc = seccomp_export_bpf(ctx, fd)) != 0) {
        snprintf(err, errlen, "cannot export the seccomp filter: %s", strerror(fd < 0 ? errno : -rc));
        goto out;
    }
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size > (1 << 20) || lseek(fd, 0, SEEK_SET) != 0) {
        snprintf(err, errlen, "cannot read the seccomp filter back");
        goto out;
    }
    out = xmalloc((size_t)size);
    if (read(fd, out, (size_t)size) != size) {
        free(out);
        out = NULL;
        snprintf(err, errlen, "cannot read the seccomp filter back");
        goto out;
    }
    *len = (size_t)size;
    *nrules = n;
    goto out;
fail:
    snprintf(err, errlen, "cannot add a seccomp rule: %s", strerror(-rc));
out:
    if (fd >= 0)
        close(fd);
    seccomp_release(ctx);
    return out;
}
