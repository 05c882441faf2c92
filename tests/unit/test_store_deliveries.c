/* The store's deliveries family (store/store_deliveries.h): states and their one-way
 * moves, due order per installation, jobs, recovery after a crash, the fan-out cursor
 * and its commit hook, each tried across two sites. */
#include "unit.h"

#include <string.h>

#include "store/store_deliveries.h"
#include "store/store_events.h"
#include "store_fixture.h"

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

static delivery_rec_t mk(int64_t site, const char *inst, const char *job, int64_t due)
{
    return (delivery_rec_t){.site_id = site,
                            .installation_id = inst,
                            .app_id = "app-1",
                            .env_key = "default",
                            .source = DLV_SRC_QUEUE,
                            .module_key = "consumer-1",
                            .event_type = "q",
                            .event_id = "e",
                            .job_id = job,
                            .conc_key = job ? "k" : NULL,
                            .conc_limit = 1,
                            .payload_json = "{\"body\":{}}",
                            .state = DLV_PENDING,
                            .due_ms = due,
                            .created_ms = 10};
}

static void test_states(void **state)
{
    fx_t *f = *state;
    delivery_rec_t a = mk(f->A.id, "inst-a", "job-1", 100), b = mk(f->A.id, "inst-a", "job-1", 200),
                   c = mk(f->B.id, "inst-b", NULL, 50);
    assert_int_equal(store_delivery_insert(f->st, &a), STORE_OK);
    assert_int_equal(store_delivery_insert(f->st, &b), STORE_OK);
    assert_int_equal(store_delivery_insert(f->st, &c), STORE_OK);
    assert_true(a.id < b.id && b.id < c.id);

    /* due: installations by their oldest due row; only what is due by now */
    const char **ids;
    size_t n;
    assert_int_equal(store_delivery_due_installations(f->st, f->a, 150, 10, &ids, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ids[0], "inst-a");
    assert_string_equal(ids[1], "inst-b");
    delivery_rec_t *due;
    assert_int_equal(store_delivery_due(f->st, f->a, "inst-a", 150, 10, &due, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(due[0].id, a.id);
    assert_string_equal(due[0].installation_id, "inst-a");
    assert_null(due[0].payload_json); /* candidates come without their payload ... */
    delivery_rec_t full;
    assert_int_equal(store_delivery_get(f->st, f->a, a.id, &full), STORE_OK); /* ... read when started */
    assert_string_equal(full.payload_json, "{\"body\":{}}");

    /* start is once: a second start (another node, a cancel in between) finds nothing */
    assert_int_equal(store_delivery_start(f->st, a.id, 160, "node-1", 165), STORE_OK);
    assert_int_equal(store_delivery_start(f->st, a.id, 161, "node-2", 166), STORE_NOTFOUND);
    int64_t running;
    assert_int_equal(store_delivery_running_key(f->st, "inst-a", "k", &running), STORE_OK);
    assert_int_equal(running, 1);
    assert_int_equal(store_delivery_running_key(f->st, "inst-b", "k", &running), STORE_OK);
    assert_int_equal(running, 0);

    /* job stats: per installation; another installation does not know the job */
    int64_t ok, busy, failed;
    assert_int_equal(store_delivery_job_stats(f->st, "inst-a", "q", "job-1", &ok, &busy, &failed), STORE_OK);
    assert_int_equal(ok, 0);
    assert_int_equal(busy, 2);
    assert_int_equal(store_delivery_job_stats(f->st, "inst-b", "q", "job-1", &ok, &busy, &failed), STORE_NOTFOUND);
    /* ... and a job id asked through another queue of the same installation is unknown */
    assert_int_equal(store_delivery_job_stats(f->st, "inst-a", "other", "job-1", &ok, &busy, &failed), STORE_NOTFOUND);

    /* a crash mid-attempt: once its lease expired, recovery makes it pending again, due now */
    int64_t rec;
    assert_int_equal(store_delivery_recover(f->st, 165, 0, &rec), STORE_OK); /* leased until 165: still held */
    assert_int_equal(rec, 0);
    assert_int_equal(store_delivery_recover(f->st, 170, 0, &rec), STORE_OK);
    assert_int_equal(rec, 1);
    delivery_rec_t got;
    assert_int_equal(store_delivery_get(f->st, f->a, a.id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_PENDING);
    assert_int_equal(got.attempts, 1);
    assert_int_equal(got.due_ms, 170);

    /* finish only from running; dead can be replayed, and only dead */
    assert_int_equal(store_delivery_finish(f->st, a.id, "node-1", DLV_DELIVERED, 0, NULL, NULL, NULL, 171),
                     STORE_NOTFOUND);
    assert_int_equal(store_delivery_start(f->st, a.id, 172, "node-2", 300), STORE_OK);
    /* the node whose lease lapsed writes nothing: node-2 holds the row now */
    assert_int_equal(store_delivery_finish(f->st, a.id, "node-1", DLV_DELIVERED, 0, NULL, NULL, NULL, 173),
                     STORE_NOTFOUND);
    assert_int_equal(store_delivery_finish(f->st, a.id, "node-2", DLV_DEAD, 0, "threw", "r", "{\"x\":1}", 173),
                     STORE_OK);
    assert_int_equal(store_delivery_get(f->st, f->a, a.id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_DEAD);
    assert_int_equal(got.attempts, 2);
    assert_string_equal(got.last_error, "threw");
    assert_string_equal(got.retry_data_json, "{\"x\":1}");
    assert_int_equal(store_delivery_replay(f->st, b.id, 174), STORE_NOTFOUND);
    assert_int_equal(store_delivery_replay(f->st, a.id, 174), STORE_OK);
    assert_int_equal(store_delivery_get(f->st, f->a, a.id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_PENDING);
    assert_int_equal(got.attempts, 0);

    /* cancel: pending rows of the job; another installation's cancel finds no job */
    int64_t cancelled;
    assert_int_equal(store_delivery_job_cancel(f->st, "inst-b", "q", "job-1", 175, &cancelled), STORE_NOTFOUND);
    assert_int_equal(store_delivery_job_cancel(f->st, "inst-a", "other", "job-1", 175, &cancelled), STORE_NOTFOUND);
    assert_int_equal(store_delivery_job_cancel(f->st, "inst-a", "q", "job-1", 175, &cancelled), STORE_OK);
    assert_int_equal(cancelled, 2);
    assert_int_equal(store_delivery_job_stats(f->st, "inst-a", "q", "job-1", &ok, &busy, &failed), STORE_OK);
    assert_int_equal(failed, 2);
    assert_int_equal(busy, 0);

    /* uninstall drops what is pending, with its reason */
    int64_t dropped;
    assert_int_equal(store_delivery_drop_installation(f->st, "inst-b", "uninstalled", 176, &dropped), STORE_OK);
    assert_int_equal(dropped, 1);
    assert_int_equal(store_delivery_get(f->st, f->a, c.id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_DROPPED);
    assert_string_equal(got.last_error, "uninstalled");

    /* listings filter by site and state; counts by state */
    delivery_filter_t fl = {.site_id = f->B.id, .state = -1, .limit = 10};
    delivery_rec_t *list;
    assert_int_equal(store_delivery_list(f->st, f->a, &fl, &list, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, c.id);
    fl = (delivery_filter_t){.state = DLV_CANCELLED, .limit = 10};
    assert_int_equal(store_delivery_list(f->st, f->a, &fl, &list, &n), STORE_OK);
    assert_int_equal(n, 2);
    fl.after_id = list[0].id;
    assert_int_equal(store_delivery_list(f->st, f->a, &fl, &list, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, b.id);
    int64_t counts[DLV__STATES];
    assert_int_equal(store_delivery_counts(f->st, NULL, counts), STORE_OK);
    assert_int_equal(counts[DLV_CANCELLED], 2);
    assert_int_equal(counts[DLV_DROPPED], 1);
    assert_int_equal(counts[DLV_PENDING], 0);
    assert_int_equal(store_delivery_counts(f->st, "no-such-app", counts), STORE_OK);
    assert_int_equal(counts[DLV_CANCELLED], 0);
}

static int64_t hook_site = -7;
static int hook_calls;
static void hook(int64_t site, void *arg)
{
    (void)arg;
    hook_site = site;
    hook_calls++;
}

/* An order key holds a delivery back while an earlier one of its installation and key is
 * pending (due or not) or running; delivered and dead ones, later ones, other keys and
 * another installation's (another site's) rows do not. */
static void test_order_blocked(void **state)
{
    fx_t *f = *state;
    delivery_rec_t d[5];
    const struct {
        int64_t site;
        const char *inst, *key;
    } rows[5] = {{0, "inst-a", "10001"},
                 {0, "inst-a", "10001"},
                 {0, "inst-a", "10002"},
                 {1, "inst-b", "10001"},
                 {0, "inst-a", "10001"}};
    for (int i = 0; i < 5; i++) {
        d[i] = mk(rows[i].site ? f->B.id : f->A.id, rows[i].inst, NULL, i == 0 ? 5000 : 100);
        d[i].order_key = rows[i].key;
        assert_int_equal(store_delivery_insert(f->st, &d[i]), STORE_OK);
    }
    int blocked = -1;
    /* the first of its key: free; the second waits for the first, pending but not due yet */
    assert_int_equal(store_delivery_order_blocked(f->st, "inst-a", "10001", d[0].id, &blocked), STORE_OK);
    assert_int_equal(blocked, 0);
    assert_int_equal(store_delivery_order_blocked(f->st, "inst-a", "10001", d[1].id, &blocked), STORE_OK);
    assert_int_equal(blocked, 1);
    /* another key, another installation with the same key: free */
    assert_int_equal(store_delivery_order_blocked(f->st, "inst-a", "10002", d[2].id, &blocked), STORE_OK);
    assert_int_equal(blocked, 0);
    assert_int_equal(store_delivery_order_blocked(f->st, "inst-b", "10001", d[3].id, &blocked), STORE_OK);
    assert_int_equal(blocked, 0);
    /* running still blocks; delivered does not; dead does not */
    assert_int_equal(store_delivery_start(f->st, d[0].id, 200, "node-1", 1000000), STORE_OK);
    assert_int_equal(store_delivery_order_blocked(f->st, "inst-a", "10001", d[1].id, &blocked), STORE_OK);
    assert_int_equal(blocked, 1);
    assert_int_equal(store_delivery_finish(f->st, d[0].id, "node-1", DLV_DELIVERED, 200, NULL, NULL, NULL, 201),
                     STORE_OK);
    assert_int_equal(store_delivery_order_blocked(f->st, "inst-a", "10001", d[1].id, &blocked), STORE_OK);
    assert_int_equal(blocked, 0);
    assert_int_equal(store_delivery_order_blocked(f->st, "inst-a", "10001", d[4].id, &blocked), STORE_OK);
    assert_int_equal(blocked, 1); /* d[1] is still pending before it */
    assert_int_equal(store_delivery_start(f->st, d[1].id, 300, "node-1", 1000000), STORE_OK);
    assert_int_equal(store_delivery_finish(f->st, d[1].id, "node-1", DLV_DEAD, 300, "x", NULL, NULL, 301), STORE_OK);
    assert_int_equal(store_delivery_order_blocked(f->st, "inst-a", "10001", d[4].id, &blocked), STORE_OK);
    assert_int_equal(blocked, 0);
}

static void append(fx_t *f, int64_t site)
{
    event_rec_t e = {.kind = "avi:jira:created:issue", .created_ms = 1, .entity_id = "1", .payload_json = "{}"};
    assert_int_equal(store_event_append(f->st, site, &e), STORE_OK);
}

static void test_cursor_and_hook(void **state)
{
    fx_t *f = *state;
    store_on_events_committed(hook, NULL);
    int64_t *sites, seq;
    size_t n;
    assert_int_equal(store_event_sites_behind(f->st, f->a, &sites, &n), STORE_OK);
    assert_int_equal(n, 0);

    /* a committed event calls the hook with its site; a rolled back one does not */
    assert_int_equal(store_begin(f->st), STORE_OK);
    append(f, f->B.id);
    assert_int_equal(hook_calls, 0);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(hook_calls, 1);
    assert_int_equal(hook_site, f->B.id);
    assert_int_equal(store_begin(f->st), STORE_OK);
    append(f, f->A.id);
    store_rollback(f->st);
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(hook_calls, 1);
    /* two sites in one transaction: the hook says "more than one" (0) */
    assert_int_equal(store_begin(f->st), STORE_OK);
    append(f, f->A.id);
    append(f, f->B.id);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(hook_calls, 2);
    assert_int_equal(hook_site, 0);
    store_on_events_committed(NULL, NULL);

    /* both sites are behind until their cursors reach their last event */
    assert_int_equal(store_event_sites_behind(f->st, f->a, &sites, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_event_cursor_get(f->st, f->B.id, &seq), STORE_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(store_event_cursor_set(f->st, f->B.id, 2), STORE_OK);
    assert_int_equal(store_event_cursor_get(f->st, f->B.id, &seq), STORE_OK);
    assert_int_equal(seq, 2);
    assert_int_equal(store_event_sites_behind(f->st, f->a, &sites, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sites[0], f->A.id);
    assert_int_equal(store_event_cursor_set(f->st, f->A.id, 1), STORE_OK);
    assert_int_equal(store_event_sites_behind(f->st, f->a, &sites, &n), STORE_OK);
    assert_int_equal(n, 0);
}

/* Every combination of a listing's filters returns exactly the rows that match all of
 * them (one statement per combination), and the retention deletes only final rows past
 * their time, dead letters later than the rest. */
static void test_list_filters_and_prune(void **state)
{
    fx_t *f = *state;
    static const struct {
        int site; /* 0: A, 1: B */
        const char *inst, *app;
        int st;
        int64_t updated;
    } rows[] = {
        {0, "i-a1", "app-1", DLV_DELIVERED, 100}, {0, "i-a1", "app-1", DLV_DEAD, 100},
        {0, "i-a2", "app-2", DLV_PENDING, 100},   {1, "i-b1", "app-1", DLV_DELIVERED, 100},
        {1, "i-b1", "app-1", DLV_CANCELLED, 900}, {1, "i-b2", "app-2", DLV_DEAD, 900},
        {0, "i-a1", "app-1", DLV_RUNNING, 100},
    };
    size_t nrows = sizeof rows / sizeof *rows;
    int64_t ids[16];
    for (size_t i = 0; i < nrows; i++) {
        delivery_rec_t d = mk(rows[i].site ? f->B.id : f->A.id, rows[i].inst, NULL, 1);
        d.app_id = rows[i].app;
        assert_int_equal(store_delivery_insert(f->st, &d), STORE_OK);
        ids[i] = d.id;
        if (rows[i].st != DLV_PENDING) {
            assert_int_equal(store_delivery_start(f->st, d.id, rows[i].updated, "node-1", 1000000), STORE_OK);
            if (rows[i].st != DLV_RUNNING)
                assert_int_equal(
                    store_delivery_finish(f->st, d.id, "node-1", rows[i].st, 0, NULL, NULL, NULL, rows[i].updated),
                    STORE_OK);
        }
    }
    const char *apps[] = {NULL, "app-1", "app-2"}, *insts[] = {NULL, "i-a1", "i-b1", "i-b2"};
    int64_t sites[] = {0, f->A.id, f->B.id};
    int states[] = {-1, DLV_DELIVERED, DLV_DEAD, DLV_PENDING, DLV_CANCELLED};
    for (size_t s = 0; s < 3; s++)
        for (size_t a = 0; a < 3; a++)
            for (size_t i = 0; i < 4; i++)
                for (size_t t = 0; t < 5; t++) {
                    delivery_filter_t fl = {.site_id = sites[s],
                                            .app_id = apps[a],
                                            .installation_id = insts[i],
                                            .state = states[t],
                                            .limit = 50};
                    delivery_rec_t *out;
                    size_t n, want = 0, k = 0;
                    assert_int_equal(store_delivery_list(f->st, f->a, &fl, &out, &n), STORE_OK);
                    for (size_t r = 0; r < nrows; r++) {
                        int64_t site = rows[r].site ? f->B.id : f->A.id;
                        if ((sites[s] && site != sites[s]) || (apps[a] && strcmp(apps[a], rows[r].app)) ||
                            (insts[i] && strcmp(insts[i], rows[r].inst)) || (states[t] >= 0 && states[t] != rows[r].st))
                            continue;
                        want++;
                        assert_true(k < n);
                        assert_int_equal(out[k++].id, ids[r]); /* in id order */
                    }
                    assert_int_equal(n, want);
                }
    /* final rows changed before 500 go, dead ones only before 200: A's delivered and dead,
       B's first delivered; not B's cancelled or dead (900), never pending or running */
    int64_t pruned;
    assert_int_equal(store_delivery_prune(f->st, 500, 200, 100, &pruned), STORE_OK);
    assert_int_equal(pruned, 3);
    delivery_rec_t got;
    static const int gone[] = {1, 1, 0, 1, 0, 0, 0};
    for (size_t r = 0; r < nrows; r++)
        assert_int_equal(store_delivery_get(f->st, f->a, ids[r], &got), gone[r] ? STORE_NOTFOUND : STORE_OK);
    /* bounded per call */
    assert_int_equal(store_delivery_prune(f->st, 1000, 1000, 1, &pruned), STORE_OK);
    assert_int_equal(pruned, 1);
    assert_int_equal(store_delivery_prune(f->st, 1000, 1000, 100, &pruned), STORE_OK);
    assert_int_equal(pruned, 1);
    assert_int_equal(store_delivery_prune(f->st, 1000, 1000, 100, &pruned), STORE_OK);
    assert_int_equal(pruned, 0);
}

/* The cyclic-invocation chains: counted to the limit per (installation, root), the same
 * root of another installation counted apart, a push rolled back not counted, idle chains
 * pruned with the deliveries' retention. */
static void test_queue_chains(void **state)
{
    fx_t *f = *state;
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-1", 3, 100), STORE_OK);
    assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-1", 3, 100), STORE_CONFLICT);
    assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-1", 3, 100), STORE_CONFLICT); /* not counted */
    assert_int_equal(store_queue_chain_take(f->st, "inst-b", "root-1", 3, 100), STORE_OK);       /* another tenant's */
    assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-2", 3, 100), STORE_OK);
    /* in a transaction rolled back: not counted */
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-2", 3, 200), STORE_OK);
    assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-2", 3, 200), STORE_OK);
    store_rollback(f->st);
    assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-2", 3, 300), STORE_OK);
    assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-2", 3, 300), STORE_OK);
    assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-2", 3, 300), STORE_CONFLICT);
    /* retention: chains untouched before 250 go (root-1 of both), root-2 (touched at 300) stays */
    int64_t n = 0;
    assert_int_equal(store_delivery_prune(f->st, 250, 250, 100, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-1", 3, 400), STORE_OK); /* starts again */
    assert_int_equal(store_queue_chain_take(f->st, "inst-a", "root-2", 3, 400), STORE_CONFLICT);
}

/* Leases across nodes: a node renews only its own RUNNING rows among the ids it names;
 * recovery takes back only expired leases (all = 1: every RUNNING row); the claim is one
 * compare-and-set, and only the lease's owner writes an attempt's end. */
static void test_leases(void **state)
{
    fx_t *f = *state;
    delivery_rec_t d[4];
    for (int i = 0; i < 4; i++) {
        d[i] = mk(i < 2 ? f->A.id : f->B.id, i < 2 ? "inst-a" : "inst-b", NULL, 10);
        assert_int_equal(store_delivery_insert(f->st, &d[i]), STORE_OK);
    }
    assert_int_equal(store_delivery_start(f->st, d[0].id, 20, "node-1", 100), STORE_OK);
    assert_int_equal(store_delivery_start(f->st, d[1].id, 20, "node-1", 100), STORE_OK);
    assert_int_equal(store_delivery_start(f->st, d[2].id, 20, "node-2", 100), STORE_OK);
    assert_int_equal(store_delivery_start(f->st, d[2].id, 21, "node-1", 100), STORE_NOTFOUND); /* claimed once */
    char ids[128];
    snprintf(ids, sizeof ids, "[%lld,%lld,%lld,%lld]", (long long)d[0].id, (long long)d[1].id, (long long)d[2].id,
             (long long)d[3].id);
    int64_t n = -1;
    /* node-1 names every id: only its two RUNNING rows are renewed, not node-2's nor the PENDING one */
    assert_int_equal(store_delivery_renew(f->st, "node-1", ids, 200, 300, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_delivery_renew(f->st, "node-3", ids, 200, 300, &n), STORE_OK);
    assert_int_equal(n, 0);
    /* at 150 node-2's lease (100) expired, node-1's (300) not: node-2's row alone is taken back */
    assert_int_equal(store_delivery_recover(f->st, 100, 0, &n), STORE_OK); /* not expired at its very end */
    assert_int_equal(n, 0);
    assert_int_equal(store_delivery_recover(f->st, 150, 0, &n), STORE_OK);
    assert_int_equal(n, 1);
    delivery_rec_t got;
    assert_int_equal(store_delivery_get(f->st, f->a, d[2].id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_PENDING);
    assert_int_equal(got.due_ms, 150);
    assert_int_equal(store_delivery_get(f->st, f->a, d[0].id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_RUNNING);
    /* node-2 (paused past its lease) cannot write the end of what it lost; node-1 claims it again */
    assert_int_equal(store_delivery_finish(f->st, d[2].id, "node-2", DLV_DELIVERED, 0, NULL, NULL, NULL, 160),
                     STORE_NOTFOUND);
    assert_int_equal(store_delivery_start(f->st, d[2].id, 160, "node-1", 400), STORE_OK);
    assert_int_equal(store_delivery_finish(f->st, d[2].id, "node-2", DLV_DELIVERED, 0, NULL, NULL, NULL, 161),
                     STORE_NOTFOUND);
    assert_int_equal(store_delivery_renew(f->st, "node-2", ids, 200, 500, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_delivery_finish(f->st, d[2].id, "node-1", DLV_DELIVERED, 0, NULL, NULL, NULL, 162),
                     STORE_OK);
    assert_int_equal(store_delivery_get(f->st, f->a, d[2].id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_DELIVERED);
    assert_int_equal(got.attempts, 2);
    /* a node known dead (its successor on its data dir): its rows, however long leased */
    assert_int_equal(store_delivery_start(f->st, d[3].id, 163, "node-2", 100000), STORE_OK);
    assert_int_equal(store_delivery_recover(f->st, 165, 0, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_delivery_recover_owner(f->st, "node-2", 165, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_delivery_get(f->st, f->a, d[3].id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_PENDING);
    assert_int_equal(got.due_ms, 165);
    /* a SQLite start: every RUNNING row, leased or not */
    assert_int_equal(store_delivery_recover(f->st, 170, 0, &n), STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_delivery_recover(f->st, 170, 1, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_delivery_get(f->st, f->a, d[0].id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_PENDING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {T(test_states),          T(test_order_blocked),
                                       T(test_cursor_and_hook), T(test_list_filters_and_prune),
                                       T(test_queue_chains),    T(test_leases)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
