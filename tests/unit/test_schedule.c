/* Unit tests for the scheduler's timetable (platform/schedheap.h): slots (stable, spread
 * over the interval, within it), the heap (order under puts, updates and removals, find),
 * and what an idle tick costs with 100,000 entries against none (printed: the bench of
 * docs/events.md "Scheduled triggers"); and the store's schedules family
 * (store/store_schedules.h) on a fresh store with sites A and B (store_fixture.h). */
#include "unit.h"

#include <time.h>

#include "platform/schedheap.h"
#include "store/store_schedules.h"
#include "store_fixture.h"

#define HOUR (3600LL * 1000)

static void test_intervals(void **state)
{
    (void)state;
    assert_int_equal(sched_interval_ms("fiveMinute"), 300000);
    assert_int_equal(sched_interval_ms("hour"), HOUR);
    assert_int_equal(sched_interval_ms("day"), 24 * HOUR);
    assert_int_equal(sched_interval_ms("week"), 7 * 24 * HOUR);
    assert_int_equal(sched_interval_ms("minute"), -1);
    assert_int_equal(sched_interval_ms(NULL), -1);
    assert_string_equal(sched_interval_name(HOUR), "hour");
    assert_null(sched_interval_name(1234));
}

static void test_phase_stable(void **state)
{
    (void)state;
    const char *inst = "0b7c5f4e-2a51-4d0e-9a43-6c1d2f0e8b11";
    int64_t p = sched_phase(inst, "daily-report", HOUR);
    assert_true(p >= 0 && p < HOUR);
    assert_int_equal(sched_phase(inst, "daily-report", HOUR), p); /* the same inputs, the same slot */
    /* another module or installation: another slot (a collision of 64-bit hashes mod 1 h is
     * 1 in 3.6 million) */
    assert_int_not_equal(sched_phase(inst, "daily-report2", HOUR), p);
    assert_int_not_equal(sched_phase("0b7c5f4e-2a51-4d0e-9a43-6c1d2f0e8b12", "daily-report", HOUR), p);
    /* the key is the pair, not the concatenation */
    assert_int_not_equal(sched_phase("ab", "c", HOUR), sched_phase("a", "bc", HOUR));
}

static void test_phase_spread(void **state)
{
    (void)state;
    enum { N = 12000, BUCKETS = 12 };
    int hist[BUCKETS] = {0};
    char inst[40];
    for (int i = 0; i < N; i++) {
        snprintf(inst, sizeof inst, "00000000-0000-4000-8000-%012d", i);
        int64_t p = sched_phase(inst, "sync", HOUR);
        assert_true(p >= 0 && p < HOUR);
        hist[p / (HOUR / BUCKETS)]++;
    }
    for (int b = 0; b < BUCKETS; b++) { /* each 5 minutes of the hour holds about 1000 */
        if (hist[b] < 800 || hist[b] > 1200)
            print_error("bucket %d holds %d of %d\n", b, hist[b], N);
        assert_true(hist[b] >= 800 && hist[b] <= 1200);
    }
}

static void test_next_after(void **state)
{
    (void)state;
    int64_t I = 300000, phase = 123456;
    int64_t ts[] = {0, 1, phase - 1, phase, phase + 1, 1765000000000LL, 1765000000000LL + I, -5, -I - 7};
    for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
        int64_t n = sched_next_after(ts[i], I, phase);
        if (!(n > ts[i] && n <= ts[i] + I))
            print_error("t=%lld next=%lld\n", (long long)ts[i], (long long)n);
        assert_true(n > ts[i] && n <= ts[i] + I);       /* within the next interval */
        assert_int_equal(((n - phase) % I + I) % I, 0); /* on the grid */
    }
    assert_int_equal(sched_next_after(phase, I, phase), phase + I); /* strictly after a slot */
    assert_int_equal(sched_next_after(phase - 1, I, phase), phase);
}

static int64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (int64_t)(*s >> 20);
}

static void drain_sorted(schedheap_t *h, size_t expect)
{
    int64_t last = INT64_MIN;
    size_t n = 0;
    sched_entry_t *e;
    while ((e = schedheap_top(h))) {
        assert_true(e->next_ms >= last);
        last = e->next_ms;
        schedheap_remove(h, e);
        n++;
    }
    assert_int_equal(n, expect);
    assert_int_equal(schedheap_size(h), 0);
}

static void test_heap_order(void **state)
{
    (void)state;
    schedheap_t h;
    schedheap_init(&h);
    uint64_t seed = 42;
    char inst[40];
    enum { N = 5000 };
    for (int i = 0; i < N; i++) {
        snprintf(inst, sizeof inst, "inst-%d", i);
        assert_non_null(schedheap_put(&h, inst, i % 3 ? "a" : "b", 1, HOUR, lcg(&seed) % 1000000));
    }
    assert_int_equal(schedheap_size(&h), N);
    /* updates: some earlier, some later */
    for (int i = 0; i < N; i += 7) {
        snprintf(inst, sizeof inst, "inst-%d", i);
        sched_entry_t *e = schedheap_find(&h, inst, i % 3 ? "a" : "b");
        assert_non_null(e);
        schedheap_update(&h, e, lcg(&seed) % 2000000);
    }
    /* removals from the middle */
    for (int i = 1; i < N; i += 5) {
        snprintf(inst, sizeof inst, "inst-%d", i);
        sched_entry_t *e = schedheap_find(&h, inst, i % 3 ? "a" : "b");
        assert_non_null(e);
        schedheap_remove(&h, e);
        assert_null(schedheap_find(&h, inst, i % 3 ? "a" : "b"));
    }
    drain_sorted(&h, N - N / 5);
    schedheap_free(&h);
}

static void test_heap_put_existing(void **state)
{
    (void)state;
    schedheap_t h;
    schedheap_init(&h);
    schedheap_put(&h, "i1", "m", 1, HOUR, 500);
    schedheap_put(&h, "i2", "m", 2, HOUR, 100);
    schedheap_put(&h, "i1", "n", 1, HOUR, 300);
    assert_string_equal(schedheap_top(&h)->installation_id, "i2");
    assert_false(schedheap_due(&h, 99));
    assert_true(schedheap_due(&h, 100));
    /* the same key again: moved, not duplicated; a new interval gets its own phase */
    sched_entry_t *e = schedheap_put(&h, "i1", "m", 1, 300000, 50);
    assert_int_equal(schedheap_size(&h), 3);
    assert_ptr_equal(schedheap_top(&h), e);
    assert_int_equal(e->phase_ms, sched_phase("i1", "m", 300000));
    assert_null(schedheap_put(&h, "0123456789012345678901234567890123456789", "m", 1, HOUR, 1));
    drain_sorted(&h, 3);
    schedheap_free(&h);
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* N idle ticks: the check each tick of thread 0 makes (schedule_tick: schedheap_due). */
static double idle_ticks(schedheap_t *h, long n, int64_t now)
{
    volatile int due = 0;
    double t0 = cpu_s();
    for (long i = 0; i < n; i++)
        due += schedheap_due(h, now + (i & 1023));
    double t = cpu_s() - t0;
    assert_int_equal(due, 0);
    return t;
}

static void test_idle_bench(void **state)
{
    (void)state;
    enum { ENTRIES = 100000 };
    const long TICKS = 10000000;
    schedheap_t empty, full;
    schedheap_init(&empty);
    schedheap_init(&full);
    char inst[40];
    int64_t now = 1765000000000LL;
    double t0 = cpu_s();
    for (int i = 0; i < ENTRIES; i++) {
        snprintf(inst, sizeof inst, "00000000-0000-4000-8000-%012d", i);
        int64_t iv = i % 2 ? HOUR : 300000;
        schedheap_put(&full, inst, "sync", 1, iv, sched_next_after(now + 5000, iv, sched_phase(inst, "sync", iv)));
    }
    double build = cpu_s() - t0;
    double te = idle_ticks(&empty, TICKS, now), tf = idle_ticks(&full, TICKS, now);
    print_message("schedule idle: %ld ticks: %.3f s CPU with 0 entries, %.3f s with %d (%.1f ns a tick); "
                  "building the %d took %.3f s\n",
                  TICKS, te, tf, ENTRIES, tf * 1e9 / TICKS, ENTRIES, build);
    /* an idle tick does not look at the entries: 10 million ticks over 100,000 entries stay
       well under a second (a scan would be 10^12 comparisons) */
    assert_true(tf < 1.0);
    schedheap_free(&empty);
    schedheap_free(&full);
}

static schedule_rec_t rec(const char *inst, const char *module, int64_t site, int64_t next)
{
    return (schedule_rec_t){.installation_id = inst,
                            .module_key = module,
                            .site_id = site,
                            .app_id = "app",
                            .env_key = "development",
                            .interval = "hour",
                            .interval_ms = HOUR,
                            .next_ms = next,
                            .created_ms = 1};
}

static void test_store_schedules(void **state)
{
    fx_t *f = *state;
    schedule_rec_t *rows;
    size_t n;
    schedule_rec_t r1 = rec("inst-a", "m1", f->A.id, 100), r2 = rec("inst-a", "m2", f->A.id, 200),
                   r3 = rec("inst-b", "m1", f->B.id, 300);
    assert_int_equal(store_schedule_put(f->st, &r1), STORE_OK);
    assert_int_equal(store_schedule_put(f->st, &r2), STORE_OK);
    assert_int_equal(store_schedule_put(f->st, &r3), STORE_OK);
    /* by site: only that site's rows (the admin listing of `kiln trigger list --site`) */
    assert_int_equal(store_schedule_list(f->st, f->a, NULL, f->A.id, &rows, &n), STORE_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(rows[i].site_id, f->A.id);
    assert_int_equal(store_schedule_list(f->st, f->a, NULL, f->B.id, &rows, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].installation_id, "inst-b");
    /* by installation, all */
    assert_int_equal(store_schedule_list(f->st, f->a, "inst-a", 0, &rows, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[1].module_key, "m2");
    assert_int_equal(rows[1].next_ms, 200);
    assert_string_equal(rows[1].interval, "hour");
    assert_int_equal(store_schedule_list(f->st, f->a, NULL, 0, &rows, &n), STORE_OK);
    assert_int_equal(n, 3);
    /* moves; put replaces; delete */
    /* a claim moves the row only from the slot it names: a second claim of slot 100 (another
       node's) changes nothing */
    assert_int_equal(store_schedule_claim(f->st, "inst-a", "m1", 100, 999), STORE_OK);
    assert_int_equal(store_schedule_claim(f->st, "inst-a", "m1", 100, 1999), STORE_NOTFOUND);
    assert_int_equal(store_schedule_claim(f->st, "inst-a", "nope", 100, 999), STORE_NOTFOUND);
    assert_int_equal(store_schedule_claim(f->st, "inst-b", "m2", 300, 999), STORE_NOTFOUND);
    /* due: every site's rows due by then, earliest first, capped */
    assert_int_equal(store_schedule_due(f->st, f->a, 300, 10, &rows, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].module_key, "m2");
    assert_string_equal(rows[1].installation_id, "inst-b");
    assert_int_equal(store_schedule_due(f->st, f->a, 300, 1, &rows, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_schedule_due(f->st, f->a, 99, 10, &rows, &n), STORE_OK);
    assert_int_equal(n, 0);
    r2.next_ms = 250;
    r2.interval = "day";
    assert_int_equal(store_schedule_put(f->st, &r2), STORE_OK);
    assert_int_equal(store_schedule_list(f->st, f->a, "inst-a", 0, &rows, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].next_ms, 999);
    assert_int_equal(rows[1].next_ms, 250);
    assert_string_equal(rows[1].interval, "day");
    assert_int_equal(store_schedule_delete(f->st, "inst-a", "m1"), STORE_OK);
    assert_int_equal(store_schedule_delete(f->st, "inst-a", "m1"), STORE_OK); /* none: still fine */
    assert_int_equal(store_schedule_list(f->st, f->a, NULL, 0, &rows, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_schedule_list(f->st, f->a, "inst-b", 0, &rows, &n), STORE_OK);
    assert_int_equal(n, 1); /* B's untouched */
    assert_int_equal(rows[0].next_ms, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intervals),    cmocka_unit_test(test_phase_stable),
        cmocka_unit_test(test_phase_spread), cmocka_unit_test(test_next_after),
        cmocka_unit_test(test_heap_order),   cmocka_unit_test(test_heap_put_existing),
        cmocka_unit_test(test_idle_bench),   cmocka_unit_test_setup_teardown(test_store_schedules, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
