/* The delivery engine (platform/deliver.h): thread 0's passes (fan-out, then starting due
 * deliveries fairly), one attempt per started delivery, and the verdicts written back. */
#include "platform/deliver.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "journal/audit.h"
#include "journal/fnlog.h"
#include "journal/leak.h"
#include "platform/config.h"
#include "platform/deliver_lease.h"
#include "platform/deliver_metrics.h"
#include "platform/fanout.h"
#include "platform/invoke.h"
#include "platform/remote.h"
#include "platform/uninstall.h"
#include "store/store_apps.h"
#include "store/store_sites.h"

#define ATTEMPT_ARENA_MAX (64u << 20) /* an attempt's copy of its delivery and its event */
#define PASS_ARENA_MAX (64u << 20)
#define DUE_PER_FREE_SLOT 4       /* candidates read per free slot of an installation and pass (some wait for a key) */
#define FANOUT_BATCHES_PER_PASS 4 /* a site with more is fanned out again next pass */
#define DIRTY_MAX 64              /* sites remembered one by one; more: every site */
#define BEHIND_CHECK_MS 5000      /* every site's cursor is checked this often, kicks or not */
#define RETRY_DATA_MAX 4096       /* an InvocationError's retryData kept for the next attempt, as JSON */
#define SYNC_WAIT_MS 8            /* a pass waiting for the syncer looks again this often */
/* A pass for ended attempts alone waits while fewer than COALESCE_ENDED verdicts wait and
 * their installations keep more than the runtime's workers under way (so no worker of
 * theirs idles for it), at most COALESCE_MS: one transaction then writes several verdicts
 * and starts as many (docs/events.md, "Passes for ended attempts"). */
#define COALESCE_ENDED (DELIVER_PER_INSTALLATION / 2)
#define COALESCE_UNDER_WAY (RT_POOL_MAX + 1)
#define COALESCE_MS 3

/* ---------------------------------------------------------------- pure parts */

int64_t deliver_backoff_ms(int64_t attempts)
{
    if (attempts < 1)
        attempts = 1;
    if (attempts > 30)
        return DELIVER_BACKOFF_MAX_MS;
    int64_t ms = (int64_t)DELIVER_BACKOFF_MS << (attempts - 1);
    return ms > DELIVER_BACKOFF_MAX_MS ? DELIVER_BACKOFF_MAX_MS : ms;
}

int deliver_next_state(const deliver_source_t *src, const delivery_rec_t *d, const deliver_verdict_t *v, int64_t now_ms,
                       int64_t *due_ms)
{
    *due_ms = now_ms;
    if (v->delivered)
        return DLV_DELIVERED;
    if (!v->retry || d->attempts > (int64_t)src->retries)
        return DLV_DEAD;
    *due_ms = now_ms + (v->retry_after_ms > 0 ? v->retry_after_ms : deliver_backoff_ms(d->attempts));
    return DLV_PENDING;
}

/* Forge's retryReason values are upper-case codes; anything else is not passed on. */
static int reason_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n >= 64 || !((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
            return 0;
    return n > 0;
}

int deliver_invocation_error(arena_t *a, json_t *result, deliver_verdict_t *v)
{
    if (!json_is_object(result) || !json_is_true(json_object_get(result, "_retry")))
        return 0;
    json_t *o = json_object_get(result, "retryOptions");
    v->delivered = 0;
    v->retry = 1;
    v->retry_after_ms = 0;
    v->retry_reason = "FUNCTION_RETRY_REQUEST";
    v->retry_data_json = NULL;
    json_t *after = json_object_get(o, "retryAfter");
    if (json_is_number(after)) {
        double s = json_number_value(after);
        if (isfinite(s) && s > 0)
            v->retry_after_ms =
                s >= DELIVER_RETRY_AFTER_MAX_S ? (int64_t)DELIVER_RETRY_AFTER_MAX_S * 1000 : (int64_t)(s * 1000.0);
    }
    const char *reason = json_str(o, "retryReason");
    if (reason && reason_ok(reason))
        v->retry_reason = arena_strdup(a, reason);
    json_t *data = json_object_get(o, "retryData");
    if (data && !json_is_null(data)) {
        size_t len;
        v->retry_data_json = json_dump_arena(a, data, RETRY_DATA_MAX, &len); /* NULL when too big: dropped */
    }
    return 1;
}

void deliver_rec_init(arena_t *a, delivery_rec_t *d, const install_rec_t *in, int source, const char *module_key,
                      const char *event_type, int64_t now_ms)
{
    char id[37];
    enc_uuid4(id);
    *d = (delivery_rec_t){
        .site_id = in->site_id,
        .installation_id = in->id,
        .app_id = in->app_id,
        .env_key = in->env_key,
        .source = source,
        .module_key = module_key,
        .event_type = event_type,
        .event_id = arena_strdup(a, id),
        .state = DLV_PENDING,
        .due_ms = now_ms,
        .created_ms = now_ms,
        .updated_ms = now_ms,
    };
}

/* ---------------------------------------------------------------- kicks and dirty sites */

static struct {
    http_thread_t *thread; /* thread 0, once registered */
    h2o_multithread_receiver_t receiver;
    h2o_multithread_message_t msg;
    atomic_int ready, sent, stopping;
    atomic_int work;    /* a kick asked for a pass (else the wake-up is for what became durable only) */
    int starved;        /* engine thread only: a pass found no free slot (settling one asks for a pass) */
    pthread_mutex_t mu; /* dirty sites: marked by any committing thread */
    int64_t dirty[DIRTY_MAX];
    size_t ndirty;
    int dirty_all;
    int64_t next_behind_ms;   /* engine thread only */
    atomic_int sync_waiting;  /* a pass's commit waits to be durable: group fsyncs kick */
    atomic_int syncer_queued; /* a pass's wait is queued with the store's syncer: it kicks */
    h2o_timeout_t sync_timer; /* ... at most SYNC_WAIT_MS, then the pass syncs itself */
    h2o_timeout_entry_t sync_entry;
    h2o_timeout_t coalesce_timer; /* a pass for ended attempts held back: at most COALESCE_MS */
    h2o_timeout_entry_t coalesce_entry;
} K = {.mu = PTHREAD_MUTEX_INITIALIZER, .dirty_all = 1};

static void turn(http_thread_t *t, int pass);

static void on_kick(h2o_multithread_receiver_t *r, h2o_linklist_t *messages)
{
    (void)r;
    while (!h2o_linklist_is_empty(messages))
        h2o_linklist_unlink(messages->next);
    atomic_store(&K.sent, 0); /* kicks from here on send a new message */
    turn(K.thread, atomic_exchange(&K.work, 0));
}

static void on_sync_wait_over(h2o_timeout_entry_t *entry)
{
    (void)entry;
    turn(K.thread, 0);
}

static void on_coalesce_over(h2o_timeout_entry_t *entry)
{
    (void)entry;
    turn(K.thread, 1);
}

void deliver_thread_init(http_thread_t *t)
{
    K.thread = t;
    h2o_timeout_init(t->loop, &K.sync_timer, SYNC_WAIT_MS);
    K.sync_entry.cb = on_sync_wait_over;
    h2o_timeout_init(t->loop, &K.coalesce_timer, COALESCE_MS);
    K.coalesce_entry.cb = on_coalesce_over;
    h2o_multithread_register_receiver(t->ctx.queue, &K.receiver, on_kick);
    atomic_store(&K.ready, 1);
}

static void flush_ended(store_t *st);
static void drop_gated(void);
static int settle_waiting(void);
static void settle_written(void);

void deliver_thread_stopping(void)
{
    atomic_store(&K.stopping, 1);
    if (K.thread) {
        if (h2o_timeout_is_linked(&K.sync_entry))
            h2o_timeout_unlink(&K.sync_entry);
        if (h2o_timeout_is_linked(&K.coalesce_entry))
            h2o_timeout_unlink(&K.coalesce_entry);
        if (settle_waiting()) { /* written verdicts, settled only once durable */
            if (store_sync(store_admin(K.thread->store)) != STORE_OK)
                log_msg(LOG_ERROR, "deliveries: cannot make the last passes' writes durable", NULL);
            else
                settle_written();
        }
        drop_gated();                              /* not run: their rows stay RUNNING, due again at the next start */
        flush_ended(store_admin(K.thread->store)); /* thread 0: the verdicts not yet written, now */
    }
}

/* Wakes thread 0's engine (coalesced): for what became durable only, no pass. */
static void wake(void)
{
    if (!atomic_load(&K.ready) || atomic_exchange(&K.sent, 1))
        return;
    h2o_multithread_send_message(&K.receiver, &K.msg);
}

void deliver_kick(void)
{
    atomic_store(&K.work, 1);
    wake();
}

/* A group fsync ended (store_on_durable_commit): what waits for one goes on. */
static void durable_committed(void *arg)
{
    (void)arg;
    if (atomic_load(&K.sync_waiting))
        wake();
}

/* The store's syncer made a commit durable (store_when_durable; its thread). */
static void pass_durable(store_dwait_t *w)
{
    free(w);
    atomic_store(&K.syncer_queued, 0);
    wake();
}

/* Asks the store's syncer for an fsync covering commit `seq`; it kicks once one ended:
 * 1 when queued (or a wait is queued already: its end kicks, and the next pass asks
 * again if need be), 0 when it is durable now (no syncer: fsynced on this thread), -1
 * when that fsync failed. */
static int queue_sync(store_t *st, uint64_t seq)
{
    if (atomic_load(&K.syncer_queued))
        return 1; /* the queued wait's fsync, or a later writer's, kicks; else SYNC_WAIT_MS */
    store_dwait_t *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->done = pass_durable;
    atomic_store(&K.syncer_queued, 1);
    int q = store_when_durable(st, seq, w);
    if (q != 1) {
        atomic_store(&K.syncer_queued, 0);
        free(w);
    }
    return q == 1 ? 1 : q == 0 ? 0 : -1;
}

static void events_committed(int64_t site_id, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&K.mu);
    size_t i = 0;
    while (i < K.ndirty && K.dirty[i] != site_id)
        i++;
    if (site_id <= 0 || (i == K.ndirty && K.ndirty == DIRTY_MAX))
        K.dirty_all = 1;
    else if (i == K.ndirty)
        K.dirty[K.ndirty++] = site_id;
    pthread_mutex_unlock(&K.mu);
    deliver_kick();
}

int deliver_start(store_t *st)
{
    store_on_events_committed(events_committed, NULL);
    store_on_durable_commit(durable_committed, NULL);
    char err[160];
    if (deliver_lease_init(err, sizeof err) != 0) {
        log_msg(LOG_ERROR, "deliveries: cannot start", "error", err, NULL);
        return -1;
    }
    return deliver_recover(st); /* platform/deliver_lease.c */
}

/* Fans out the product events of the sites marked (and, every BEHIND_CHECK_MS, of every
 * site behind its cursor), in the pass's transaction when one is open. 1 if a batch was
 * made (something to commit), else 0. */
static int fan_out(store_t *st, arena_t *a, int64_t now)
{
    int64_t sites[DIRTY_MAX];
    size_t n;
    pthread_mutex_lock(&K.mu);
    int all = K.dirty_all || now >= K.next_behind_ms;
    n = K.ndirty;
    memcpy(sites, K.dirty, n * sizeof *sites);
    K.ndirty = 0;
    K.dirty_all = 0;
    pthread_mutex_unlock(&K.mu);
    int64_t *list = sites;
    if (all) {
        K.next_behind_ms = now + BEHIND_CHECK_MS;
        if (store_event_sites_behind(st, a, &list, &n) != STORE_OK) {
            pthread_mutex_lock(&K.mu);
            K.dirty_all = 1; /* next pass */
            pthread_mutex_unlock(&K.mu);
            return 0;
        }
    }
    int batches = 0;
    for (size_t i = 0; i < n; i++) {
        int more = 1;
        for (int b = 0; more && b < FANOUT_BATCHES_PER_PASS; b++) {
            size_t made = 0;
            more = 0;
            if (fanout_site(st, a, list[i], &more, &made) != 0)
                break; /* the periodic check comes back to it */
            batches = 1;
        }
        if (more)
            events_committed(list[i], NULL); /* the rest next pass, after the other sites' */
    }
    return batches;
}

/* ---------------------------------------------------------------- attempts */

typedef struct attempt {
    int used;
    arena_t *a;
    delivery_rec_t d; /* copied into a; d.attempts: this attempt's number */
    const deliver_source_t *src;
    int64_t started_ms;
    char invocation_id[37]; /* the function's invocation ("" for a remote) */
    const char *target;     /* "function X" / "endpoint Y", for the lines */
    int logged;             /* its failure is in `kiln logs` already (a remote's own lines) */
    unsigned unrecorded;    /* passes that could not write its end (the store away): logged once */
    uint64_t gate;          /* reserved: launched once this commit is durable (in `gated` until then) */
    uint64_t away0;         /* store_unavailable_total() at its reservation (platform faults) */
    int fault;              /* ended by a platform fault (not counted against the app's retries) */
    int written;            /* ended, and its verdict written in a pass's transaction ... */
    uint64_t wseq;          /* ... whose commit this is (0: still open); settled once it is durable */
    /* ended, its verdict not yet committed (written with the others of the turn: flush) */
    int ended, end_state;
    int64_t end_due, end_ms;
    const char *end_err, *end_reason, *end_data;
} attempt_t;

/* attempts under way, and those ended whose verdict is not written yet (at most as many) */
#define SLOTS (DELIVER_INFLIGHT_MAX * 2)
static attempt_t slots[SLOTS];
static unsigned inflight; /* under way (not ended) */

static const char *dup0(arena_t *a, const char *s)
{
    return s ? arena_strdup(a, s) : NULL;
}

static void copy_rec(arena_t *a, delivery_rec_t *to, const delivery_rec_t *d)
{
    *to = *d;
    to->installation_id = dup0(a, d->installation_id);
    to->app_id = dup0(a, d->app_id);
    to->env_key = dup0(a, d->env_key);
    to->module_key = dup0(a, d->module_key);
    to->event_type = dup0(a, d->event_type);
    to->event_id = dup0(a, d->event_id);
    to->job_id = dup0(a, d->job_id);
    to->order_key = dup0(a, d->order_key);
    to->conc_key = dup0(a, d->conc_key);
    to->payload_json = dup0(a, d->payload_json);
    to->last_error = dup0(a, d->last_error);
    to->retry_reason = dup0(a, d->retry_reason);
    to->retry_data_json = dup0(a, d->retry_data_json);
}

/* The delivery's lines in `kiln logs` share one id made from the delivery's (a lifecycle
 * event's lines are under module "lifecycle", others under their module's key). */
static void delivery_invocation(const attempt_t *at, invocation_t *inv)
{
    *inv = (invocation_t){.site_id = at->d.site_id};
    unsigned long long n = (unsigned long long)at->d.id;
    snprintf(inv->id, sizeof inv->id, "00000000-0000-4000-8000-%012llx", n & 0xffffffffffffULL);
    snprintf(inv->installation_id, sizeof inv->installation_id, "%.36s", at->d.installation_id);
    snprintf(inv->app_id, sizeof inv->app_id, "%.36s", at->d.app_id);
    snprintf(inv->env_key, sizeof inv->env_key, "%.31s", at->d.env_key);
    snprintf(inv->module_key, sizeof inv->module_key, "%.200s",
             at->d.source == DLV_SRC_LIFECYCLE ? "lifecycle" : at->d.module_key);
}

static const struct {
    const char *name;
    int status;
    enum deliver_outcome metric;
} finals[DLV__STATES] = {
    [DLV_PENDING] = {"retry", 503, DM_RETRIED},
    [DLV_DELIVERED] = {"delivered", 200, DM_DELIVERED},
    [DLV_DEAD] = {"dead", 500, DM_DEAD},
    [DLV_DROPPED] = {"dropped", 410, DM_DROPPED},
    [DLV_RUNNING] = {"interrupted", 503, DM_RETRIED},
    [DLV_CANCELLED] = {"cancelled", 410, DM_DROPPED},
};

/* After its verdict is committed (or could not be): audited, logged when it failed,
 * counted; the slot freed. */
static void settle(attempt_t *at)
{
    int state = at->end_state;
    int64_t due_ms = at->end_due, now = at->end_ms;
    delivery_rec_t *d = &at->d;
    const char *err = at->end_err;
    char detail[400];
    snprintf(detail, sizeof detail, "%s %.100s to %.100s attempt %lld of %u: %s%s%.200s", at->src->name, d->event_type,
             at->target, (long long)d->attempts, at->src->retries + 1, finals[state].name, err ? ": " : "",
             err ? err : "");
    audit_record(&(audit_event_t){.site_id = d->site_id,
                                  .kind = AUDIT_EVENT_DELIVERY,
                                  .plane = AUDIT_PLANE_EVENTS,
                                  .app_id = d->app_id,
                                  .installation_id = d->installation_id,
                                  .invocation_id = at->invocation_id,
                                  .method = at->src->name,
                                  .path = d->event_type,
                                  .status = finals[state].status,
                                  .category = finals[state].name,
                                  .detail = detail});
    if ((state == DLV_PENDING || state == DLV_DEAD || state == DLV_DROPPED) && !at->logged) {
        invocation_t inv;
        delivery_invocation(at, &inv);
        char then[96], when[40], msg[800];
        if (state == DLV_PENDING) {
            clock_iso8601(when, sizeof when, due_ms);
            snprintf(then, sizeof then, "next attempt in %lld s, at %s", (long long)((due_ms - now) / 1000), when);
        } else
            snprintf(then, sizeof then, state == DLV_DEAD ? "given up" : "dropped");
        snprintf(msg, sizeof msg, "%s event %.100s: attempt %lld of %u failed (%.400s); %s", at->src->name,
                 d->event_type, (long long)d->attempts, at->src->retries + 1, err ? err : "no reason given", then);
        fnlog_line(&inv, "warn", msg);
    }
    if (state != DLV_RUNNING)
        deliver_metrics_ended(d->app_id, at->fault ? DM_FAULT : finals[state].metric, d->created_ms, now);
    arena_free(at->a);
    *at = (attempt_t){0};
}

static int finish1(store_t *st, const attempt_t *at)
{
    return store_delivery_finish(st, at->d.id, deliver_lease_owner(), at->end_state, at->end_due, at->end_err,
                                 at->end_reason, at->end_data, at->end_ms);
}

/* The verdicts of every ended attempt written in one transaction of their own (else one
 * by one), then settled: outside a pass (kiln stopping) or when the pass's transaction
 * failed. One whose end cannot be written (the store away: a PostgreSQL restarted) is
 * kept for the next pass, not settled and forgotten with its row left RUNNING until
 * kiln's next start; while kiln stops it is settled (deliver_recover retries it). A pass
 * writes them in its own transaction (run_pass). */
static void flush_ended(store_t *st)
{
    unsigned n = 0;
    for (unsigned i = 0; i < SLOTS; i++)
        n += slots[i].used && slots[i].ended && !slots[i].written;
    if (n == 0)
        return;
    int grouped = n > 1 && store_begin(st) == STORE_OK, bad = 0;
    for (unsigned i = 0; grouped && !bad && i < SLOTS; i++)
        if (slots[i].used && slots[i].ended && !slots[i].written) {
            int rc = finish1(st, &slots[i]);
            bad = rc != STORE_OK && rc != STORE_NOTFOUND; /* NOTFOUND: no longer RUNNING */
        }
    if (grouped && (bad ? (store_rollback(st), 1) : store_commit(st) != STORE_OK))
        grouped = 0; /* nothing of the group written: one by one below */
    for (unsigned i = 0; i < SLOTS; i++) {
        attempt_t *at = &slots[i];
        if (!at->used || !at->ended || at->written)
            continue;
        int rc = grouped ? STORE_OK : finish1(st, at);
        int stopping = atomic_load(&K.stopping);
        if (rc != STORE_OK && rc != STORE_NOTFOUND) {
            char id[24];
            snprintf(id, sizeof id, "%lld", (long long)at->d.id);
            if (stopping || !at->unrecorded++)
                log_msg(LOG_ERROR,
                        stopping ? "deliveries: cannot record an attempt's end (it runs again at the next start)"
                                 : "deliveries: cannot record an attempt's end now (the store is away?); tried again "
                                   "each pass",
                        "delivery", id, NULL);
            if (!stopping)
                continue; /* kept, ended and unwritten: the next pass writes it (its row stays RUNNING until then,
                             never forgotten while kiln runs) */
        }
        settle(at);
    }
}

static unsigned running_of(const char *installation_id, const char *app_id, unsigned *app);

/* 1 when the pass that writes the verdict just kept may wait (COALESCE_*): few verdicts wait, and
 * every installation with one still has more attempts under way than its workers, the
 * next one queued for each; the timer then runs the pass within COALESCE_MS. Else 0: a
 * pass now (an installation whose workers would idle, or enough verdicts for one). */
static int coalesce(void)
{
    unsigned ended = 0, app;
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].used && slots[i].ended && !slots[i].written) {
            if (++ended >= COALESCE_ENDED || running_of(slots[i].d.installation_id, "", &app) < COALESCE_UNDER_WAY)
                return 0;
        }
    if (!h2o_timeout_is_linked(&K.coalesce_entry))
        h2o_timeout_link(K.thread->loop, &K.coalesce_timer, &K.coalesce_entry);
    return 1;
}

/* The attempt ended: its verdict kept for the next flush (the engine's next turn), which
 * writes it with the others that ended meanwhile. Kiln stopping: written at once. */
static void conclude(attempt_t *at, int state, int64_t due_ms, const deliver_verdict_t *v)
{
    at->ended = 1;
    inflight--; /* no longer counted against any bound: its row stays RUNNING until written */
    at->end_state = state;
    at->end_due = due_ms;
    at->end_ms = clock_now_ms();
    at->end_err = v->delivered ? NULL : dup0(at->a, v->error);
    if (at->fault)
        at->end_err = arena_printf(at->a,
                                   "the store was unavailable during the attempt, a platform fault not counted "
                                   "against the app's retries (%.300s)",
                                   v->error ? v->error : "no reason given");
    at->end_reason = dup0(at->a, v->retry_reason);
    at->end_data = dup0(at->a, v->retry_data_json);
    if (atomic_load(&K.stopping))
        flush_ended(store_admin(K.thread->store));
    else if (!coalesce())
        deliver_kick();
}

/* What follows a failed (or delivered) attempt: a platform fault (the store away during
 * it: deliver.h "Platform faults") is due again without counting; else the source's
 * retries decide (deliver_next_state). */
static int next_state(attempt_t *at, const deliver_verdict_t *v, int64_t now, int64_t *due)
{
    at->fault = deliver_platform_fault(&at->d, v, store_unavailable_total() != at->away0, now, due);
    if (at->fault) {
        deliver_fault_noted(&at->d, now);
        return DLV_PENDING;
    }
    delivery_rec_t own = at->d; /* the app's own attempts: those the platform failed not counted */
    own.attempts -= deliver_faults(own.id);
    int state = deliver_next_state(at->src, &own, v, now, due);
    if (state != DLV_PENDING)
        deliver_faults_forget(own.id);
    return state;
}

/* An attempt that ended without a verdict of its source's judge. */
static void fail(attempt_t *at, int state, const char *why)
{
    deliver_verdict_t v = {.retry = state != DLV_DROPPED && state != DLV_DEAD, .error = why};
    int64_t due = clock_now_ms();
    if (state == DLV_PENDING)
        state = next_state(at, &v, due, &due);
    conclude(at, state, due, &v);
}

static void on_job_done(completion_t *c)
{
    rt_job_t *job = (rt_job_t *)c;
    attempt_t *at = job->c.owner;
    deliver_verdict_t v = {0};
    at->src->judge(at->a, &at->d, job, &v);
    int64_t due;
    int state = next_state(at, &v, clock_now_ms(), &due);
    conclude(at, state, due, &v);
    rt_job_free(job);
}

/* A remote endpoint's delivery ended, after the remote's own retries (platform/remote.h:
 * 5 attempts with backoff). Those were the event's retries, as Forge gives a remote: one
 * that still failed is dead; kiln stopping mid-call leaves the delivery due again. */
static void on_remote_done(completion_t *c)
{
    remote_call_t *rc = (remote_call_t *)c;
    attempt_t *at = rc->answer.owner;
    if (rc->ok)
        conclude(at, DLV_DELIVERED, clock_now_ms(), &(deliver_verdict_t){.delivered = 1});
    else if (rc->err == OUTBOUND_ESHUTDOWN)
        conclude(at, DLV_PENDING, clock_now_ms(),
                 &(deliver_verdict_t){.retry = 1, .error = "kiln stopped during the call"});
    else {
        char *why = arena_printf(at->a, "the remote %s failed after %d attempts (%s, status %d)", rc->dest,
                                 rc->attempts, rc->failure ? rc->failure : "error", rc->status);
        at->logged = 1; /* each attempt of the remote's, and its give-up, are lines already */
        conclude(at, DLV_DEAD, clock_now_ms(), &(deliver_verdict_t){.error = why});
    }
    remote_call_free(rc);
}

/* The event handed to a resolver `method` (a consumer's resolver.method): what
 * @forge/resolver's definitions read. */
static char *wrap_method(const char *event, const char *method)
{
    json_err_t err;
    json_t *e = json_parse_limited(event, strlen(event), 64, &err);
    json_t *p = e ? json_pack("{s:{s:s,s:o},s:{}}", "call", "functionKey", method, "payload", e, "context") : NULL;
    char *s = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    return s;
}

/* Takes a free slot for an attempt of `rec`, inside the pass's transaction: its row
 * RUNNING (store_delivery_start), the slot counted at once so that the rest of the pass
 * sees it. NULL: no slot free (verdicts wait to be settled: K.starved), no longer
 * PENDING, or the store failed. */
static attempt_t *reserve(store_t *st, const delivery_rec_t *rec, int64_t now)
{
    attempt_t *at = NULL;
    for (unsigned i = 0; i < SLOTS && !at; i++)
        if (!slots[i].used)
            at = &slots[i];
    if (!at) {
        K.starved = 1;
        return NULL;
    }
    const deliver_source_t *src = deliver_source(rec->source);
    if (!src || store_delivery_start(st, rec->id, now, deliver_lease_owner(), now + deliver_lease_ms()) != STORE_OK)
        return NULL; /* no longer PENDING (cancelled, dropped), or the store failed: the next pass */
    at->used = 1;
    inflight++;
    at->a = arena_new(ATTEMPT_ARENA_MAX);
    copy_rec(at->a, &at->d, rec);
    at->d.attempts = rec->attempts + 1;
    at->d.state = DLV_RUNNING;
    /* a candidate has no names yet (launch reads the row): "" in any line made before */
    at->d.env_key = at->d.env_key ? at->d.env_key : "";
    at->d.module_key = at->d.module_key ? at->d.module_key : "";
    at->d.event_type = at->d.event_type ? at->d.event_type : "";
    at->src = src;
    at->started_ms = now;
    at->target = "";
    at->away0 = store_unavailable_total();
    return at;
}

/* The reservations of a pass whose transaction did not commit: the rows stay PENDING. */
static void unreserve(attempt_t **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        arena_free(list[i]->a);
        *list[i] = (attempt_t){0};
        inflight--;
    }
}

/* Runs a reserved attempt, its RUNNING row committed: the module's function or remote. */
static void launch(http_thread_t *t, attempt_t *at)
{
    store_t *st = store_admin(t->store); /* the engine spans sites: the admin path (store.h) */
    const deliver_source_t *src = at->src;
    const delivery_rec_t *rec = &at->d;

    arena_t *a = at->a;
    delivery_rec_t full; /* the candidate came with only the fields a pass needs */
    if (store_delivery_get(st, a, rec->id, &full) != STORE_OK || full.state != DLV_RUNNING) {
        fail(at, DLV_PENDING, "the delivery could not be read");
        return;
    }
    copy_rec(a, &at->d, &full); /* the whole row, as it is now (RUNNING, attempts counted) */
    at->target = arena_printf(a, "%s %s", src->module_type, rec->module_key);
    deliver_metrics_started(rec->app_id, at->d.attempts, rec->created_ms, at->started_ms);
    install_rec_t in;
    site_rec_t site;
    version_rec_t ver;
    env_rec_t env;
    /* a removed installation gets nothing more but its uninstalled:app and preUninstall runs
     * (platform/uninstall.h) */
    int farewell = (rec->source == DLV_SRC_LIFECYCLE && strcmp(rec->event_type, UNINSTALL_EVENT) == 0) ||
                   rec->source == DLV_SRC_PREUNINSTALL;
    int rc = store_install_get(st, a, rec->installation_id, &in);
    if (rc == STORE_OK && !(in.removed && !farewell) && (rc = store_site_by_id(st, a, in.site_id, &site)) == STORE_OK &&
        site.id == rec->site_id &&
        (rc = store_version_latest(st, a, in.app_id, in.env_key, in.major, &ver)) == STORE_OK)
        rc = store_env_get(st, a, in.app_id, in.env_key, &env);
    if (rc != STORE_OK && rc != STORE_NOTFOUND) { /* the store failed (away?): not a removal */
        fail(at, DLV_PENDING, "the installation could not be read");
        return;
    }
    if (rc != STORE_OK || (in.removed && !farewell) || site.id != rec->site_id) {
        fail(at, DLV_DROPPED, "the installation was removed");
        return;
    }
    json_t *manifest = invoke_manifest(a, &ver);
    json_t *module = manifest ? invoke_module(manifest, src->module_type, rec->module_key) : NULL;
    if (!module) {
        fail(at, DLV_DROPPED,
             arena_printf(a, "the deployed version has no %s module %s", src->module_type, rec->module_key));
        return;
    }
    const char *method = NULL, *endpoint = NULL;
    json_t *fn = src->target(manifest, module, &method, &endpoint);
    const char *event = src->event(a, &at->d, module);
    if (!event) {
        fail(at, DLV_PENDING, "the event could not be built (out of memory)");
        return;
    }
    /* what the handler receives must hold no other site's data (journal/leak.h) */
    invocation_t scan;
    delivery_invocation(at, &scan);
    leak_scan(&scan, LEAK_SRC_EVENT, at->target, event, strlen(event));
    if (!fn) {
        if (!endpoint) {
            fail(at, DLV_DROPPED, arena_printf(a, "%s targets no function or endpoint", at->target));
            return;
        }
        at->target = arena_printf(a, "endpoint %s", endpoint);
        remote_def_t rd;
        const char *route;
        char err[128];
        remote_who_t w = {&in, &site, &ver, &env, "core:endpoint", endpoint, NULL, platform_config()->public_url};
        remote_call_t *c =
            remote_endpoint(manifest, endpoint, &rd, &route) == 0
                ? remote_call_new(st, &w, &rd, route[0] ? route : "/", NULL, event, strlen(event), 1, err, sizeof err)
                : NULL;
        if (!c) {
            fail(at, DLV_DEAD, arena_printf(a, "the endpoint %s cannot be called", endpoint));
            return;
        }
        c->answer.receiver = &t->completions;
        c->answer.owner = at;
        c->answer.done = on_remote_done;
        if (remote_call_start(c) != 0) {
            remote_call_free(c);
            fail(at, DLV_PENDING, "the outbound queue is full");
        }
        return;
    }
    at->target = arena_printf(a, "%s %s", src->module_type, rec->module_key);
    char *payload = method ? wrap_method(event, method) : strdup(event);
    rt_job_t *job = payload ? invoke_job(st, a, platform_config()->public_url, &in, &site, &ver, &env, fn,
                                         rec->module_key, src->timeout_ms, src->max_timeout_ms, payload)
                            : NULL;
    if (!job && store_unavailable_total() != at->away0) { /* its environment's variables could not be read */
        fail(at, DLV_PENDING, arena_printf(a, "the function of %s could not be prepared", at->target));
        return;
    }
    if (!job) {
        fail(at, DLV_DEAD,
             arena_printf(a, "the function of %s cannot be invoked (its handler is not file.export)", at->target));
        return;
    }
    snprintf(at->invocation_id, sizeof at->invocation_id, "%s", job->inv.id);
    /* whose attempt it is: async events count its pushes in its event's chain */
    job->inv.delivery_id = rec->id;
    job->inv.pre_uninstall = rec->source == DLV_SRC_PREUNINSTALL;
    /* flagged above; from here on what came in with the event is declared (not flagged again
     * when the handler passes it on) and in the data-flow ledger */
    leak_scan_inbound(&job->inv, LEAK_SRC_EVENT, job->payload_json, strlen(job->payload_json));
    invoke_allow_impersonation(job, manifest); /* no user present: asUser(accountId) as the manifest allows */
    job->c.receiver = &t->completions;
    job->c.owner = at;
    job->c.done = on_job_done;
    if (rt_submit(job) != 0) {
        rt_job_free(job);
        fail(at, DLV_PENDING, arena_printf(a, "%s not run: %s", at->target, rt_submit_refusal()));
    }
}

/* ---------------------------------------------------------------- a pass */

static unsigned running_of(const char *installation_id, const char *app_id, unsigned *app)
{
    unsigned n = 0;
    *app = 0;
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].used && !slots[i].ended) { /* an ended one's row is written in the pass's transaction */
            n += strcmp(slots[i].d.installation_id, installation_id) == 0;
            *app += strcmp(slots[i].d.app_id, app_id) == 0;
        }
    return n;
}

/* May `d` start now? Its installation and app within their bounds, no earlier delivery of
 * its order key unfinished, its concurrency key below its limit. */
static int may_start(store_t *st, const delivery_rec_t *d)
{
    unsigned app, mine = running_of(d->installation_id, d->app_id, &app);
    if (mine >= DELIVER_PER_INSTALLATION || app >= DELIVER_PER_APP)
        return 0;
    int blocked = 0;
    if (d->order_key &&
        (store_delivery_order_blocked(st, d->installation_id, d->order_key, d->id, &blocked) != STORE_OK || blocked))
        return 0;
    int64_t running = 0;
    if (d->conc_key && d->conc_limit > 0 &&
        (store_delivery_running_key(st, d->installation_id, d->conc_key, &running) != STORE_OK ||
         running >= d->conc_limit))
        return 0;
    return 1;
}

/* Reserves due deliveries round robin, inside the pass's transaction: each installation
 * with due ones takes at most one per round, so a busy installation's backlog never stands
 * in front of another's. The reserved slots in started[] (*nstarted). */
static void start_due(store_t *st, arena_t *a, int64_t now, attempt_t **started, size_t *nstarted)
{
    const char **ids;
    size_t n;
    if (inflight >= DELIVER_INFLIGHT_MAX ||
        store_delivery_due_installations(st, a, now, DELIVER_PASS_INSTALLATIONS, &ids, &n) != STORE_OK || n == 0)
        return;
    delivery_rec_t **due = arena_alloc(a, n * sizeof *due);
    size_t *cnt = arena_alloc(a, n * sizeof *cnt), *pos = arena_alloc(a, n * sizeof *pos);
    if (!due || !cnt || !pos)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned app;
        pos[i] = cnt[i] = 0;
        unsigned mine = running_of(ids[i], "", &app);
        if (mine < DELIVER_PER_INSTALLATION &&
            store_delivery_due(st, a, ids[i], now, (DELIVER_PER_INSTALLATION - mine) * DUE_PER_FREE_SLOT, &due[i],
                               &cnt[i]) != STORE_OK)
            cnt[i] = 0;
    }
    for (int progress = 1; progress && inflight < DELIVER_INFLIGHT_MAX;) {
        progress = 0;
        for (size_t i = 0; i < n && inflight < DELIVER_INFLIGHT_MAX; i++) {
            while (pos[i] < cnt[i] && !may_start(st, &due[i][pos[i]]))
                pos[i]++;
            if (pos[i] < cnt[i]) {
                attempt_t *at = reserve(st, &due[i][pos[i]++], now);
                if (at)
                    started[(*nstarted)++] = at;
                progress = 1;
            }
        }
    }
}

/* The verdicts of the ended attempts written inside the open transaction, each marked
 * `written`. -1: the store failed (the caller rolls back). */
static int write_ended(store_t *st)
{
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].used && slots[i].ended && !slots[i].written) {
            int rc = finish1(st, &slots[i]);
            if (rc != STORE_OK && rc != STORE_NOTFOUND) /* NOTFOUND: no longer RUNNING */
                return -1;
            slots[i].written = 1;
        }
    return 0;
}

/* The fan-out's batches undone with the pass's transaction: their sites marked again. */
static void refan(void)
{
    pthread_mutex_lock(&K.mu);
    K.dirty_all = 1;
    pthread_mutex_unlock(&K.mu);
}

/* Reserved attempts waiting for their gate, in reservation order (gates never decrease:
 * store_last_awaited_commit only grows). */
static struct {
    size_t head, n;
    attempt_t *q[SLOTS];
} gated;

static void drop_gated(void)
{
    for (; gated.n; gated.n--, gated.head = (gated.head + 1) % SLOTS)
        unreserve(&gated.q[gated.head], 1);
}

/* 1 while a written verdict waits for its commit to be durable. */
static int settle_waiting(void)
{
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].used && slots[i].written)
            return 1;
    return 0;
}

/* Every written verdict settled (kiln stopping, its commits synced). */
static void settle_written(void)
{
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].used && slots[i].written)
            settle(&slots[i]);
}

static unsigned slots_free(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < SLOTS; i++)
        n += !slots[i].used;
    return n;
}

/* What became durable is acted on: the gated attempts whose gate is launched, in order,
 * and the verdicts whose commit is are settled (audited, logged, counted, slots freed). */
static void sweep(http_thread_t *t, store_t *st)
{
    while (gated.n && store_seq_state(st, gated.q[gated.head]->gate) == STORE_SEQ_DURABLE) {
        attempt_t *at = gated.q[gated.head];
        gated.head = (gated.head + 1) % SLOTS;
        gated.n--;
        at->gate = 0;
        launch(t, at);
    }
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].used && slots[i].written && slots[i].wseq &&
            store_seq_state(st, slots[i].wseq) == STORE_SEQ_DURABLE) {
            settle(&slots[i]);
            if (K.starved) {
                K.starved = 0;
                deliver_kick(); /* a slot is free again: the pass that found none looks again */
            }
        }
}

/* Makes sure whatever still waits is woken: by a writer's group fsync that is coming
 * anyway (store_on_durable_commit's hook kicks), else by the store's syncer — at once for
 * a gate (an attempt waits to run), after SYNC_WAIT_MS for verdicts only (their
 * settling waits for nothing else, and a writer's fsync usually comes first), or at once
 * when slots run short. */
static void wake_later(http_thread_t *t, store_t *st, int64_t now)
{
    uint64_t gate = gated.n ? gated.q[(gated.head + gated.n - 1) % SLOTS]->gate : 0, verdict = 0;
    int64_t oldest = now;
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].used && slots[i].written && slots[i].wseq) {
            verdict = slots[i].wseq > verdict ? slots[i].wseq : verdict;
            oldest = slots[i].end_ms < oldest ? slots[i].end_ms : oldest;
        }
    uint64_t need = gate > verdict ? gate : verdict;
    if (!need) {
        atomic_store(&K.sync_waiting, 0);
        if (h2o_timeout_is_linked(&K.sync_entry))
            h2o_timeout_unlink(&K.sync_entry);
        return;
    }
    atomic_store(&K.sync_waiting, 1); /* before looking: a group fsync ending from here on kicks */
    enum store_seq_state state = store_seq_state(st, need);
    int urgent = (gate && store_seq_state(st, gate) == STORE_SEQ_WAITING) || now - oldest >= SYNC_WAIT_MS ||
                 slots_free() < DELIVER_INFLIGHT_MAX / 2;
    if (state == STORE_SEQ_DURABLE)
        wake(); /* it became durable just now: the next turn sweeps */
    else if (state == STORE_SEQ_WAITING && urgent) {
        int q = queue_sync(st, need);
        if (q == 0)
            wake();
        else if (q < 0)
            log_msg(LOG_ERROR, "deliveries: cannot make a pass's writes durable (tried again next pass)", NULL);
    }
    if (!h2o_timeout_is_linked(&K.sync_entry)) /* and in any case, the timer looks again */
        h2o_timeout_link(t->loop, &K.sync_timer, &K.sync_entry);
}

/* One transaction per pass: the fan-out's new deliveries (fan_out), the verdicts of what
 * ended since the last pass, then every start of the pass. It commits without waiting
 * for the store's group fsync (store_begin_unsynced: thread 0 is never held for one), and
 * nothing of it is acted on that a power loss could undo:
 *   - a start runs once every commit the pass could see is durable: its gate,
 *     store_last_awaited_commit read inside the pass's transaction (the Queue.push or the
 *     product write that made the delivery, whose writer waits for that fsync anyway).
 *     The pass's own commit (the RUNNING row) need not be: lost to a power loss, the
 *     delivery is simply due again and runs again, as at-least-once allows; after a
 *     kill -9 it is kept (committed), and recovered as any RUNNING row (deliver_recover).
 *   - a verdict is settled (audited, logged, counted: acknowledged) only once the pass's
 *     commit that wrote it is durable.
 * Either waits for a writer's group fsync that is coming anyway (store_seq_state), so
 * under load the engine adds no fsync of its own; else the store's syncer is asked
 * (wake_later). Thread 0 serves on meanwhile, and passes go on (attempts that end join
 * the next one). Without a syncer (a test), store_when_durable fsyncs on thread 0. A
 * failed fsync stops the engine (store_writes_stopped): gated starts are dropped, never
 * run, as no later fsync can make what they saw durable. */
static void run_pass(http_thread_t *t, arena_t *a, int64_t now)
{
    store_t *st = store_admin(t->store); /* the engine spans sites: the admin path (store.h) */
    if (store_writes_stopped(st)) {      /* a failed fsync: nothing not durable now ever will be */
        static int said;
        if (!said++)
            log_msg(LOG_ERROR,
                    "deliveries: stopped, the store takes no writes after a failed fsync; waiting starts are not "
                    "run (due again when kiln restarts)",
                    NULL);
        drop_gated();
        if (h2o_timeout_is_linked(&K.sync_entry))
            h2o_timeout_unlink(&K.sync_entry);
        return;
    }
    if (h2o_timeout_is_linked(&K.coalesce_entry)) /* this pass writes what it held back */
        h2o_timeout_unlink(&K.coalesce_entry);
    sweep(t, st);
    attempt_t **started = arena_alloc(a, DELIVER_INFLIGHT_MAX * sizeof *started);
    size_t nstarted = 0;
    if (!started || store_begin_unsynced(st) != STORE_OK) {
        fan_out(st, a, now); /* each batch in a transaction of its own */
        flush_ended(st);
        wake_later(t, st, now);
        return;
    }
    uint64_t gate = store_last_awaited_commit(st); /* inside the transaction: bounds all it sees */
    int fanned = fan_out(st, a, now);
    if (write_ended(st) != 0) {
        store_rollback(st);
        if (fanned)
            refan();
        for (unsigned i = 0; i < SLOTS; i++)
            if (slots[i].used && !slots[i].wseq)
                slots[i].written = 0;
        flush_ended(st); /* one by one; the fan-out and the starts next pass */
        deliver_kick();
        return;
    }
    if (!deliver_store_away(store_unavailable_last_ms(), now))
        start_due(st, a, now, started, &nstarted); /* else none while the store was away just now */
    int wrote = fanned;
    for (unsigned i = 0; i < SLOTS; i++)
        wrote |= slots[i].used && slots[i].written && !slots[i].wseq;
    if (!wrote && nstarted == 0) {
        store_rollback(st);
        wake_later(t, st, now);
        return;
    }
    if (store_commit(st) != STORE_OK) {
        log_msg(LOG_ERROR, "deliveries: cannot record ended attempts and start due ones (tried again next pass)", NULL);
        unreserve(started, nstarted);
        if (fanned)
            refan();
        for (unsigned i = 0; i < SLOTS; i++)
            if (slots[i].used && !slots[i].wseq)
                slots[i].written = 0;
        wake_later(t, st, now);
        return;
    }
    uint64_t seq = store_last_commit(st);
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].used && slots[i].written && !slots[i].wseq)
            slots[i].wseq = seq ? seq : 1; /* 1: a backend whose commits are durable at once (always durable) */
    for (size_t i = 0; i < nstarted; i++) {
        started[i]->gate = gate; /* 0 (nothing awaited yet, or a backend durable at commit) is durable */
        gated.q[(gated.head + gated.n++) % SLOTS] = started[i];
    }
    sweep(t, st);
    wake_later(t, st, now);
}

/* The leases of the attempts this node holds (RUNNING rows: reserved, under way, ended
 * with their verdict not written yet) renewed, and expired ones of any node taken back
 * (platform/deliver_lease.h); 1 when some were: they are due now. */
static int leases(store_t *st, int64_t now)
{
    int64_t ids[SLOTS];
    size_t n = 0;
    for (unsigned i = 0; i < SLOTS; i++)
        if (slots[i].used && !slots[i].written)
            ids[n++] = slots[i].d.id;
    return deliver_lease_turn(st, now, ids, n) > 0;
}

/* A turn of the engine: a pass, or (pass 0: woken because something became durable) the
 * sweep of what waited for it, without a transaction. */
static void turn(http_thread_t *t, int pass)
{
    if (!t || atomic_load(&K.stopping))
        return;
    static int busy; /* a turn never runs inside another (an attempt that ends at once kicks) */
    if (busy)
        return;
    busy = 1;
    int64_t now = clock_now_ms();
    store_t *st = store_admin(t->store);
    pass |= leases(st, now);
    if (pass || store_writes_stopped(st)) {
        arena_t *a = arena_new(PASS_ARENA_MAX);
        run_pass(t, a, now); /* the fan-out first, in the pass's transaction */
        arena_free(a);
    } else {
        sweep(t, st);
        wake_later(t, st, now);
    }
    busy = 0;
}

void deliver_tick(http_thread_t *t)
{
    turn(t, 1);
}

void deliver_prune(store_t *st, int64_t now_ms)
{
    const int64_t day = 24LL * 3600 * 1000;
    int64_t n = 0;
    if (store_delivery_prune(st, now_ms - DELIVER_KEEP_DAYS * day, now_ms - DELIVER_KEEP_DEAD_DAYS * day,
                             DELIVER_PRUNE_MAX, &n) != STORE_OK)
        log_msg(LOG_WARN, "deliveries: the retention's prune failed; it is tried again at the next tick", NULL);
}
