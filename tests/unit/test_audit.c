/* Unit tests for the audit log (src/journal/audit.c and the store's audit_log): events
 * recorded are written by the writer thread in order with every field (cut to size,
 * never more), identical allowed decisions folded into one row (refusals never), per-site listing, time and id filters,
 * the newest-n window, retention, a full queue dropping (and counting) instead of blocking, and nothing recorded when
 * the writer is not running. */
#include "unit.h"

#include "base/clock.h"
#include "base/log.h"
#include "journal/audit.h"
#include "store/store.h"
#include "store/store_journal.h"

typedef struct {
    char *dir;
    store_t *st;
    arena_t *a;
} fx_t;

static int setup(void **state)
{
    log_min_level = LOG_ERROR;
    fx_t *f = xcalloc(1, sizeof *f);
    f->dir = unit_tempdir();
    f->a = arena_new(1u << 24);
    char err[256] = "";
    f->st = store_open(f->dir, err, sizeof err);
    assert_non_null(f->st);
    assert_int_equal(store_migrate(f->st, err, sizeof err), STORE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    audit_stop();
    store_close(f->st);
    arena_free(f->a);
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

static void start(fx_t *f, unsigned days)
{
    char err[256] = "";
    assert_int_equal(audit_start(f->dir, days, err, sizeof err), 0);
}

static audit_rec_t *list(fx_t *f, int64_t site, int64_t since, int64_t after, int64_t max, size_t *n)
{
    audit_rec_t *ev = NULL;
    assert_int_equal(store_audit_list(f->st, f->a, site, since, after, max, &ev, n), STORE_OK);
    return ev;
}

static void test_written_in_order_with_fields(void **state)
{
    fx_t *f = *state;
    start(f, 90);
    char long_path[1000];
    memset(long_path, 'p', sizeof long_path - 1);
    long_path[0] = '/';
    long_path[sizeof long_path - 1] = '\0';
    char ids[50][16];
    for (int i = 0; i < 50; i++) {
        snprintf(ids[i], sizeof ids[i], "inv-%d", i); /* distinct: nothing folds */
        audit_record(&(audit_event_t){.time_ms = 1000 + i,
                                      .site_id = i % 2 ? 7 : 8,
                                      .kind = i % 3 ? AUDIT_ALLOW : AUDIT_DENY,
                                      .plane = AUDIT_PLANE_PROXY,
                                      .actor = "bot-1",
                                      .app_id = "app-1",
                                      .installation_id = "inst-1",
                                      .invocation_id = ids[i],
                                      .method = "GET",
                                      .path = i == 49 ? long_path : "/_proxy/fpp/rest/api/3/myself",
                                      .status = i % 3 ? 200 : 401,
                                      .category = i % 3 ? NULL : "FAILURE_CLIENT_SCOPE_CHECK",
                                      .detail = "d"});
    }
    audit_stop(); /* flushes everything queued */
    size_t n;
    audit_rec_t *ev = list(f, 0, 0, 0, 1000, &n);
    assert_int_equal(n, 50);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(ev[i].time_ms, 1000 + (int64_t)i);
        if (i)
            assert_true(ev[i].id > ev[i - 1].id);
        assert_string_equal(ev[i].kind, i % 3 ? AUDIT_ALLOW : AUDIT_DENY);
        assert_string_equal(ev[i].category, i % 3 ? "" : "FAILURE_CLIENT_SCOPE_CHECK");
        assert_int_equal(ev[i].status, i % 3 ? 200 : 401);
        assert_string_equal(ev[i].invocation_id, ids[i]);
        assert_int_equal(ev[i].count, 1);
    }
    assert_int_equal(strlen(ev[49].path), 255); /* cut to its field, not overflowing */
    assert_int_equal(audit_dropped(), 0);
}

static void test_site_time_after_and_window(void **state)
{
    fx_t *f = *state;
    start(f, 90);
    for (int i = 0; i < 30; i++) {
        char path[16];
        snprintf(path, sizeof path, "/p/%d", i); /* distinct: nothing folds */
        audit_record(
            &(audit_event_t){.time_ms = 5000 + i * 10, .site_id = i < 20 ? 1 : 2, .kind = AUDIT_ALLOW, .path = path});
    }
    audit_stop();
    size_t n;
    audit_rec_t *ev = list(f, 2, 0, 0, 1000, &n);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ev[i].site_id, 2);
    ev = list(f, 1, 5100, 0, 1000, &n); /* since: i >= 10 */
    assert_int_equal(n, 10);
    assert_int_equal(ev[0].time_ms, 5100);
    ev = list(f, 0, 0, 0, 5, &n); /* the newest five, oldest first */
    assert_int_equal(n, 5);
    assert_int_equal(ev[0].time_ms, 5250);
    assert_int_equal(ev[4].time_ms, 5290);
    ev = list(f, 0, 0, ev[2].id, 1000, &n); /* after an id */
    assert_int_equal(n, 2);
    /* paging forward: after an id, the rows that follow it, not the newest (a follower
     * that fell more than a page behind reads every row, in order) */
    audit_rec_t *all = list(f, 0, 0, 0, 1000, &n);
    assert_int_equal(n, 30);
    ev = list(f, 0, 0, all[3].id, 5, &n);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(ev[i].id, all[4 + i].id);
    ev = list(f, 1, 0, all[3].id, 5, &n); /* within a site too */
    assert_int_equal(n, 5);
    assert_int_equal(ev[0].id, all[4].id);
}

static void test_retention_purge(void **state)
{
    fx_t *f = *state;
    start(f, 0);
    int64_t now = clock_now_ms();
    audit_record(&(audit_event_t){.time_ms = now - 100LL * 86400000, .kind = AUDIT_ALLOW, .path = "/old"});
    audit_record(&(audit_event_t){.time_ms = now - 10LL * 86400000, .kind = AUDIT_ALLOW, .path = "/recent"});
    audit_record(&(audit_event_t){.time_ms = now, .kind = AUDIT_ALLOW, .path = "/now"});
    audit_stop();
    int64_t gone = -1;
    assert_int_equal(store_audit_purge(f->st, now - 90LL * 86400000, &gone), STORE_OK);
    assert_int_equal(gone, 1);
    size_t n;
    list(f, 0, 0, 0, 1000, &n);
    assert_int_equal(n, 2);
}

static void test_full_queue_drops_and_counts(void **state)
{
    fx_t *f = *state;
    start(f, 90);
    /* The writer is held up (this connection holds the store's write lock, as a long
     * write elsewhere would) while far more events than the queue holds are recorded:
     * recording never blocks, the overflow is dropped and counted, and once the lock is
     * released everything kept is written: written + dropped = recorded. */
    audit_record(&(audit_event_t){.time_ms = 1, .site_id = 3, .kind = AUDIT_DENY}); /* the writer's first batch */
    assert_int_equal(store_begin(f->st), STORE_OK);
    const int total = AUDIT_QUEUE_MAX * 3;
    int64_t t0 = clock_now_ms();
    for (int i = 1; i < total; i++)
        audit_record(&(audit_event_t){.time_ms = 1, .site_id = 3, .kind = AUDIT_ALLOW});
    assert_true(clock_now_ms() - t0 < 2000); /* never waited for the writer */
    assert_int_equal(store_commit(f->st), STORE_OK);
    audit_stop();
    size_t n;
    audit_rec_t *ev = list(f, 0, 0, 0, total, &n); /* every row (the window is the newest `total`) */
    int64_t written = 0;
    for (size_t i = 0; i < n; i++)
        written += ev[i].count;
    assert_true(n <= (size_t)total / AUDIT_BATCH + 16); /* identical allows: about a row per batch */
    assert_true(audit_dropped() > 0);
    assert_int_equal(written + (int64_t)audit_dropped(), total);
}

/* Identical allowed decisions fold into one row (count, first and last time); refusals
 * never fold; a different site, path or invocation is another row. */
static void test_identical_allows_fold_refusals_never(void **state)
{
    fx_t *f = *state;
    start(f, 90);
    for (int i = 0; i < 100; i++) {
        audit_record(&(audit_event_t){.time_ms = 7000 + i,
                                      .site_id = 5,
                                      .kind = AUDIT_ALLOW,
                                      .plane = "jira",
                                      .actor = "u-5",
                                      .method = "GET",
                                      .path = "/ex/jira/c5/rest/api/3/myself",
                                      .status = 200});
        if (i % 40 == 0)
            audit_record(&(audit_event_t){.time_ms = 7000 + i,
                                          .site_id = 5,
                                          .kind = AUDIT_DENY,
                                          .plane = "jira",
                                          .actor = "u-5",
                                          .method = "GET",
                                          .path = "/ex/jira/c6/rest/api/3/myself",
                                          .status = 401,
                                          .category = "FAILURE_CLIENT_SCOPE_CHECK"});
        audit_record(&(audit_event_t){.time_ms = 7000 + i,
                                      .site_id = 6,
                                      .kind = AUDIT_ALLOW,
                                      .plane = "jira",
                                      .actor = "u-6",
                                      .method = "GET",
                                      .path = "/ex/jira/c6/rest/api/3/myself",
                                      .status = 200});
    }
    audit_stop();
    size_t n;
    audit_rec_t *ev = list(f, 0, 0, 0, 1000, &n);
    int64_t allows5 = 0, allows6 = 0, denies = 0;
    size_t rows5 = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ev[i].kind, AUDIT_DENY) == 0) {
            assert_int_equal(ev[i].count, 1);
            assert_string_equal(ev[i].category, "FAILURE_CLIENT_SCOPE_CHECK");
            denies++;
        } else if (ev[i].site_id == 5) {
            allows5 += ev[i].count;
            rows5++;
            assert_true(ev[i].last_ms >= ev[i].time_ms);
        } else {
            assert_int_equal(ev[i].site_id, 6);
            assert_string_equal(ev[i].actor, "u-6");
            allows6 += ev[i].count;
        }
    }
    assert_int_equal(denies, 3);
    assert_int_equal(allows5, 100);
    assert_int_equal(allows6, 100);
    assert_true(rows5 <= 3); /* one per batch: the writer may cut the 100 into a few */
    assert_true(n < 20);
}

static void test_nothing_without_writer(void **state)
{
    fx_t *f = *state;
    audit_record(&(audit_event_t){.time_ms = 1, .kind = AUDIT_ALLOW});
    size_t n;
    list(f, 0, 0, 0, 1000, &n);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_written_in_order_with_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_site_time_after_and_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_queue_drops_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identical_allows_fold_refusals_never, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_without_writer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
