/* Unit tests for an invocation's log lines (src/runtime/job.c) and the function-log
 * journal (src/journal/fnlog.c) on the SQLite store: a job keeps at most RT_LOGS_MAX lines
 * and RT_LOG_BYTES_MAX bytes of them, says once how many more it dropped, and its fault
 * line is written whatever it logged before; the lines reach the store under the
 * invocation's ids once the job ends; the journal's byte budget drops (and counts) a
 * whole invocation's lines rather than grow, and writes everything it kept. */
#include "unit.h"

#include "base/clock.h"
#include "base/log.h"
#include "journal/fnlog.h"
#include "runtime/rt_int.h"
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
    char err[256] = "";
    f->dir = unit_tempdir();
    f->a = arena_new(1u << 28);
    f->st = store_open(f->dir, err, sizeof err);
    assert_non_null(f->st);
    assert_int_equal(store_migrate(f->st, err, sizeof err), STORE_OK);
    assert_int_equal(fnlog_start(f->dir, err, sizeof err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    fnlog_stop();
    store_close(f->st);
    arena_free(f->a);
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

static int answered;
static void on_done(completion_t *c)
{
    (void)c;
    answered++;
}

static rt_job_t *job_of(const char *id, int64_t site)
{
    rt_job_t *j = rt_job_new();
    snprintf(j->inv.id, sizeof j->inv.id, "%s", id);
    snprintf(j->inv.app_id, sizeof j->inv.app_id, "0b9bd9b1-7c4a-4b8e-9d5c-2f0d6f0a1a11");
    snprintf(j->inv.installation_id, sizeof j->inv.installation_id, "c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8");
    snprintf(j->inv.module_key, sizeof j->inv.module_key, "probe");
    j->inv.site_id = site;
    j->c.done = on_done; /* no receiver: answered on this thread */
    return j;
}

static log_rec_t *lines_of(fx_t *f, int64_t site, size_t *n)
{
    fnlog_stop(); /* writes what is queued */
    char err[256];
    assert_int_equal(fnlog_start(f->dir, err, sizeof err), 0);
    log_rec_t *l = NULL;
    assert_int_equal(store_logs_list(f->st, f->a, site, 0, 100000, 0, &l, n), STORE_OK);
    return l;
}

static void test_line_budget_and_the_fault_line(void **state)
{
    fx_t *f = *state;
    rt_job_t *j = job_of("00000000-0000-4000-8000-000000000001", 7);
    for (int i = 0; i < RT_LOGS_MAX + 500; i++) {
        char msg[32];
        snprintf(msg, sizeof msg, "line %d", i);
        rt_add_log(j, "log", msg, 1000 + i);
    }
    answered = 0;
    rt_finish_to(j, RT_CRASH, rt_error_json("WorkerError", "the function's process exited"), 0);
    assert_int_equal(answered, 1);
    assert_null(j->logs); /* handed to the journal */
    rt_job_free(j);
    size_t n;
    log_rec_t *l = lines_of(f, 7, &n);
    assert_int_equal(n, RT_LOGS_MAX + 2);
    assert_string_equal(l[0].message, "line 0");
    assert_string_equal(l[RT_LOGS_MAX - 1].message, "line 999");
    assert_string_equal(l[RT_LOGS_MAX].level, "warn");
    assert_true(unit_contains(l[RT_LOGS_MAX].message, "500 more log lines were dropped"));
    assert_string_equal(l[RT_LOGS_MAX + 1].level, "error"); /* the fault is said whatever came before */
    assert_string_equal(l[RT_LOGS_MAX + 1].message, "WorkerError: the function's process exited");
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(l[i].invocation_id, "00000000-0000-4000-8000-000000000001");
        assert_string_equal(l[i].module_key, "probe");
    }
}

static void test_byte_budget(void **state)
{
    fx_t *f = *state;
    rt_job_t *j = job_of("00000000-0000-4000-8000-000000000002", 8);
    char *big = xcalloc(1, 256 * 1024 + 1);
    memset(big, 'x', 256 * 1024); /* the largest line a worker sends */
    for (int i = 0; i < 6; i++)
        rt_add_log(j, "log", big, 1);
    rt_add_log(j, "log", "small, but after the budget was reached", 2);
    free(big);
    rt_finish_to(j, RT_OK, xstrdup("null"), 0);
    rt_job_free(j);
    size_t n, bytes = 0;
    log_rec_t *l = lines_of(f, 8, &n);
    assert_int_equal(n, 4 + 1); /* 4 x 256 KiB fill the 1 MiB; then the note */
    for (size_t i = 0; i + 1 < n; i++)
        bytes += strlen(l[i].message);
    assert_true(bytes <= RT_LOG_BYTES_MAX);
    assert_true(unit_contains(l[n - 1].message, "3 more log lines were dropped"));
}

/* Each finished invocation gets one row after its lines saying how it ended (`kiln dev`
 * prints it); listings leave it out unless asked. */
static void test_invocation_row(void **state)
{
    fx_t *f = *state;
    static const struct {
        enum rt_status st;
        const char *outcome;
    } cases[] = {{RT_OK, "ok"}, {RT_ERROR, "error"}, {RT_TIMEOUT, "timeout"}, {RT_CRASH, "crash"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char id[37];
        snprintf(id, sizeof id, "00000000-0000-4000-8000-0000000001%02zu", i);
        rt_job_t *j = job_of(id, 11);
        rt_add_log(j, "log", "hello", 5);
        j->started_ms = clock_now_ms() - 40;
        rt_finish_to(j, cases[i].st, cases[i].st == RT_OK ? xstrdup("1") : rt_error_json("Error", "x"), 0);
        rt_job_free(j);
    }
    size_t n;
    log_rec_t *l = lines_of(f, 11, &n); /* without invocation rows */
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(l[i].level, FNLOG_INVOCATION);
    size_t without = n;
    assert_int_equal(store_logs_list(f->st, f->a, 11, 0, 1000, 1, &l, &n), STORE_OK);
    assert_int_equal(n, without + 4);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(l[i].level, FNLOG_INVOCATION) != 0)
            continue;
        char outcome[16];
        long long ms = -1;
        assert_int_equal(sscanf(l[i].message, "%15s in %lld ms", outcome, &ms), 2);
        assert_string_equal(outcome, cases[k].outcome);
        assert_true(ms >= 40 && ms < 60000);                                           /* started_ms - 40 */
        assert_true(i > 0 && strcmp(l[i - 1].invocation_id, l[i].invocation_id) == 0); /* after its lines */
        assert_string_equal(l[i].module_key, "probe");
        k++;
    }
    assert_int_equal(k, 4);
}

static void test_journal_byte_budget_drops_whole_invocations(void **state)
{
    fx_t *f = *state;
    /* the writer is held up (this connection holds the write lock) while invocations with
     * 1 MiB of lines each are recorded: past FNLOG_BYTES_MAX their lines are dropped and
     * counted, never waited for; what was kept is written once the lock goes */
    uint64_t dropped0 = fnlog_dropped();
    invocation_t inv = {.id = "00000000-0000-4000-8000-000000000003", .site_id = 9};
    fnlog_line(&inv, "log", "first"); /* the writer's first batch: it then waits for the lock */
    usleep(300 * 1000);
    assert_int_equal(store_begin(f->st), STORE_OK);
    char *mib = xcalloc(1, 1024 * 1024 + 1);
    memset(mib, 'y', 1024 * 1024);
    const unsigned total = FNLOG_BYTES_MAX / (1024 * 1024) + 8;
    int64_t t0 = clock_now_ms();
    for (unsigned i = 0; i < total; i++)
        fnlog_record(&inv, json_pack("[{s:s,s:s,s:I}]", "level", "log", "message", mib, "time", (json_int_t)i));
    assert_true(clock_now_ms() - t0 < 5000); /* never waited for the writer */
    free(mib);
    uint64_t dropped = fnlog_dropped() - dropped0;
    assert_true(dropped >= 8 && dropped < total);
    assert_int_equal(store_commit(f->st), STORE_OK);
    size_t n;
    lines_of(f, 9, &n);
    assert_int_equal(n + dropped, total + 1); /* written + dropped = recorded */
}

/* A worker remembers the invocations it ran (for their late output) by their ids only:
 * none of the job's heap fields, which are freed when the job is. The late line still
 * reaches the ended invocation's log. */
static void test_recent_keeps_ids_only(void **state)
{
    fx_t *f = *state;
    worker_t *w = xcalloc(1, sizeof *w);
    rt_job_t *j = job_of("00000000-0000-4000-8000-000000000201", 12);
    j->inv.scopes = xstrdup("read:jira-work");
    j->inv.egress = xstrdup("");
    j->inv.imp_scopes = xstrdup("read:jira-work");
    rt_frame_started(w, j);
    rt_job_free(j); /* the invocation ended: its heap is gone */
    assert_null(w->recent[0].inv.scopes);
    assert_null(w->recent[0].inv.egress);
    assert_null(w->recent[0].inv.imp_scopes);
    json_t *fr = json_pack("{s:s,s:s,s:s}", "type", "late", "id", "00000000-0000-4000-8000-000000000201", "message",
                           "after the end");
    rt_frame_late(w, fr);
    json_decref(fr);
    free(w);
    size_t n;
    log_rec_t *l = lines_of(f, 12, &n);
    assert_int_equal(n, 1);
    assert_string_equal(l[0].level, "warn");
    assert_string_equal(l[0].message, "output after the invocation ended: after the end");
}

/* A log frame's level is the worker's (the app's) word: one that is not a console level
 * is kept as "log", so an app cannot write the row kiln gives each finished invocation
 * (FNLOG_INVOCATION, what `kiln dev` prints) nor hide a line from listings with it. */
static void test_worker_level_cannot_be_kilns(void **state)
{
    fx_t *f = *state;
    worker_t *w = xcalloc(1, sizeof *w);
    rt_job_t *j = job_of("00000000-0000-4000-8000-000000000301", 13);
    w->job = j;
    static const char *const levels[] = {FNLOG_INVOCATION, "info", "made-up"};
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++) {
        json_t *fr = json_pack("{s:s,s:s,s:s,s:s,s:i}", "type", "log", "id", j->inv.id, "level", levels[i], "message",
                               "ok in 1 ms", "time", 5);
        rt_frame_log(w, fr);
        json_decref(fr);
    }
    j->started_ms = clock_now_ms() - 10;
    rt_finish_to(j, RT_CRASH, rt_error_json("WorkerError", "the function's process exited"), 0);
    rt_job_free(j);
    free(w);
    size_t n;
    log_rec_t *l = lines_of(f, 13, &n); /* without invocation rows: every line the app wrote */
    assert_int_equal(n, 3 + 1);         /* and the fault */
    assert_string_equal(l[0].level, "log");
    assert_string_equal(l[1].level, "info");
    assert_string_equal(l[2].level, "log");
    assert_int_equal(store_logs_list(f->st, f->a, 13, 0, 1000, 1, &l, &n), STORE_OK);
    size_t rows = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i].level, FNLOG_INVOCATION) == 0) {
            rows++;
            assert_true(unit_contains(l[i].message, "crash in "));
        }
    assert_int_equal(rows, 1); /* kiln's own, saying how it really ended */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_line_budget_and_the_fault_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_byte_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invocation_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_journal_byte_budget_drops_whole_invocations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recent_keeps_ids_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_worker_level_cannot_be_kilns, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
