/* Leases of RUNNING deliveries across nodes (platform/deliver_lease.h). */
#include "platform/deliver_lease.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/log.h"
#include "platform/config.h"
#include "platform/deliver.h"
#include "store/store_deliveries.h"

static struct {
    char owner[37];
    char predecessor[37]; /* the last node on this data dir, known dead ("" if not known) */
    int64_t lease_ms;
    int shared;
    int alone; /* this process holds DATA/deliver.node's lock: no other kiln serve on this data dir */
    int64_t next_renew_ms, next_recover_ms; /* the engine's thread only */
    int renew_failed;                       /* logged once per run of failures */
} L = {.lease_ms = DELIVER_LEASE_MS};

/* DATA/deliver.node names the last process that ran deliveries from this data dir, and
 * each holds an exclusive flock on it for its life (the kernel drops it however the
 * process ends). Taking the lock proves the one named is gone: its RUNNING rows are taken
 * back at once rather than after their lease. Not taken (another kiln serve on the same
 * data dir runs now): nothing is known, nothing is written; leases alone decide. */
static void succeed(const char *dir)
{
    L.predecessor[0] = 0;
    if (!dir)
        return;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/deliver.node", dir) >= (int)sizeof path)
        return;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return;
    }
    L.alone = 1;
    char prev[37] = {0};
    ssize_t got = pread(fd, prev, 36, 0);
    int ok = got == 36;
    for (int i = 0; ok && i < 36; i++)
        ok = (prev[i] >= '0' && prev[i] <= '9') || (prev[i] >= 'a' && prev[i] <= 'f') || prev[i] == '-';
    if (ok)
        memcpy(L.predecessor, prev, sizeof prev);
    if (ftruncate(fd, 0) != 0 || pwrite(fd, L.owner, 36, 0) != 36)
        log_msg(LOG_WARN, "deliveries: cannot record this node's id in the data dir (a restart waits for leases)",
                NULL);
    /* fd stays open: the lock is held until the process ends */
}

int deliver_lease_init(char *err, size_t errlen)
{
    const char *v = getenv("KILN_DELIVERY_LEASE_MS");
    if (v && *v) {
        char *end;
        errno = 0;
        long long ms = strtoll(v, &end, 10);
        if (errno || *end || ms < DELIVER_LEASE_MIN_MS || ms > DELIVER_LEASE_MAX_MS) {
            snprintf(err, errlen, "KILN_DELIVERY_LEASE_MS must be a number of ms from %d to %d", DELIVER_LEASE_MIN_MS,
                     DELIVER_LEASE_MAX_MS);
            return -1;
        }
        L.lease_ms = ms;
    }
    enc_uuid4(L.owner);
    L.shared = store_selected() != NULL;
    if (L.shared)
        succeed(platform_config()->data_dir);
    L.next_renew_ms = L.next_recover_ms = 0;
    char ms[24];
    snprintf(ms, sizeof ms, "%lld", (long long)L.lease_ms);
    log_msg(LOG_INFO, "deliveries: this node's id (owner of the attempts it runs)", "node", L.owner, "lease_ms", ms,
            NULL);
    return 0;
}

const char *deliver_lease_owner(void)
{
    return L.owner;
}

int64_t deliver_lease_ms(void)
{
    return L.lease_ms;
}

int deliver_lease_shared(void)
{
    return L.shared;
}

int deliver_lease_data_dir_alone(void)
{
    return !L.shared || L.alone;
}

static int64_t recover(store_t *st, int64_t now, int all)
{
    int64_t n = 0;
    if (store_delivery_recover(st, now, all, &n) != STORE_OK)
        return -1;
    if (n > 0) {
        char s[24];
        snprintf(s, sizeof s, "%lld", (long long)n);
        log_msg(LOG_INFO,
                all ? "deliveries: attempts interrupted by the last stop are due again"
                    : "deliveries: attempts whose node's lease expired are due again",
                "count", s, NULL);
    }
    return n;
}

int deliver_recover(store_t *st)
{
    /* SQLite: one process, so every RUNNING row is the last one's; shared: only the
     * expired ones (another node may be running the rest right now) and those of this data
     * dir's last process, which is gone */
    int64_t now = clock_now_ms(), n = 0;
    if (recover(st, now, !L.shared) < 0 ||
        (L.predecessor[0] && store_delivery_recover_owner(st, L.predecessor, now, &n) != STORE_OK)) {
        log_msg(LOG_ERROR, "deliveries: cannot make interrupted attempts due again", NULL);
        return -1;
    }
    if (n > 0) {
        char s[24];
        snprintf(s, sizeof s, "%lld", (long long)n);
        log_msg(LOG_INFO, "deliveries: attempts interrupted by this data dir's last stop are due again", "count", s,
                "node", L.predecessor, NULL);
    }
    return 0;
}

static void renew(store_t *st, int64_t now, const int64_t *ids, size_t n)
{
    char json[DELIVER_LEASE_IDS_MAX * 21 + 2];
    size_t len = 0;
    json[len++] = '[';
    for (size_t i = 0; i < n && i < DELIVER_LEASE_IDS_MAX; i++)
        len += (size_t)snprintf(json + len, sizeof json - len, "%s%lld", i ? "," : "", (long long)ids[i]);
    json[len++] = ']';
    json[len] = 0;
    int64_t renewed = 0;
    if (store_delivery_renew(st, L.owner, json, now, now + L.lease_ms, &renewed) != STORE_OK) {
        if (!L.renew_failed++)
            log_msg(LOG_ERROR,
                    "deliveries: cannot renew the leases of running attempts (the store is away?); tried again; an "
                    "attempt whose lease expires runs again on another node and its end here is not written",
                    NULL);
        return;
    }
    L.renew_failed = 0;
}

int64_t deliver_lease_turn(store_t *st, int64_t now, const int64_t *ids, size_t n)
{
    if (!L.shared)
        return 0;
    if (now >= L.next_renew_ms) { /* renewed first: this node's own rows never look expired to it */
        if (n > 0)
            renew(st, now, ids, n);
        L.next_renew_ms = L.renew_failed ? now + 1000 : now + L.lease_ms / 3;
    }
    if (now < L.next_recover_ms)
        return 0;
    L.next_recover_ms = now + L.lease_ms / 2;
    int64_t got = recover(st, now, 0);
    return got > 0 ? got : 0;
}
