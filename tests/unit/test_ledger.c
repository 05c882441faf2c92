/* Unit tests for the data-flow ledger (src/journal/ledger.h) on the SQLite store: the
 * writer resolves a destination on kiln's public URL to the site whose webtrigger it is
 * (a cross-site flow S -> T), keeps no query, records inbound flows with the source site
 * from the canary; a site's view holds its flows out and the flows into it, never another
 * pair's; since/after/max; retention deletes only what is older; --ledger off records
 * nothing, while the function-log lines of the leak scan (journal/fnlog.h, its own
 * journal) are still written. */
#include "unit.h"

#include "base/clock.h"
#include "base/log.h"
#include "journal/fnlog.h"
#include "journal/ledger.h"
#include "platform/app.h"
#include "platform/install.h"
#include "platform/site.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_journal.h"
#include "store/store_sites.h"

#define PUBLIC "http://kiln.test:8080"

typedef struct {
    char *dir;
    store_t *st;
    arena_t *a;
    site_rec_t A, B, C;
    install_rec_t ia, ib;
    const char *trig_b; /* B's webtrigger id */
} fx_t;

static int setup(void **state)
{
    log_min_level = LOG_WARN;
    fx_t *f = xcalloc(1, sizeof *f);
    char err[256];
    f->dir = unit_tempdir();
    f->a = arena_new(1u << 26);
    f->st = store_open(f->dir, err, sizeof err);
    assert_non_null(f->st);
    assert_int_equal(store_migrate(f->st, err, sizeof err), STORE_OK);
    assert_int_equal(site_create(f->st, f->a, "alpha", 0, &f->A), STORE_OK);
    assert_int_equal(site_create(f->st, f->a, "bravo", 0, &f->B), STORE_OK);
    assert_int_equal(site_create(f->st, f->a, "charlie", 0, &f->C), STORE_OK);
    app_rec_t app;
    assert_int_equal(app_register(f->st, f->a, "Flows", &app), STORE_OK);
    version_rec_t v = {.app_id = app.id,
                       .env_key = "development",
                       .manifest_json = "{}",
                       .major_key = "K",
                       .scopes_json = "[]",
                       .egress_json = "{}",
                       .snapshot = "versions/x",
                       .snapshot_bytes = 1};
    assert_int_equal(app_deploy_record(f->st, f->a, &v, 1000), STORE_OK);
    assert_int_equal(install_create(f->st, f->a, &f->A, app.id, "development", NULL, 2, &f->ia, &v), INSTALL_OK);
    assert_int_equal(install_create(f->st, f->a, &f->B, app.id, "development", NULL, 2, &f->ib, &v), INSTALL_OK);
    const char *id = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";
    assert_int_equal(store_webtrigger_ensure(f->st, f->a, f->ib.id, "receive", id, 3, &f->trig_b), STORE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    store_close(f->st);
    arena_free(f->a);
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

static invocation_t inv_of(const site_rec_t *s, const install_rec_t *in, const char *id)
{
    invocation_t inv = {.site_id = s->id};
    snprintf(inv.id, sizeof inv.id, "%s", id);
    snprintf(inv.installation_id, sizeof inv.installation_id, "%s", in->id);
    snprintf(inv.app_id, sizeof inv.app_id, "%s", in->app_id);
    snprintf(inv.env_key, sizeof inv.env_key, "development");
    snprintf(inv.module_key, sizeof inv.module_key, "mod");
    return inv;
}

static ledger_rec_t *list(fx_t *f, int64_t site, int64_t since, size_t *n)
{
    ledger_rec_t *r;
    assert_int_equal(store_ledger_list(f->st, f->a, site, since, 0, 1000, &r, n), STORE_OK);
    return r;
}

static const ledger_rec_t *by_inv(const ledger_rec_t *r, size_t n, const char *inv, const char *kind)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].invocation_id, inv) == 0 && strcmp(r[i].kind, kind) == 0)
            return &r[i];
    return NULL;
}

static void test_writer_and_views(void **state)
{
    fx_t *f = *state;
    char err[256];
    assert_int_equal(ledger_start(f->dir, PUBLIC, 1, 0, err, sizeof err), 0);
    assert_int_equal(fnlog_start(f->dir, err, sizeof err), 0);
    assert_true(ledger_enabled());
    invocation_t a1 = inv_of(&f->A, &f->ia, "00000000-0000-4000-8000-0000000000a1");
    invocation_t b1 = inv_of(&f->B, &f->ib, "00000000-0000-4000-8000-0000000000b1");
    /* A's invocation posts to B's webtrigger: a cross-site flow A -> B (query not kept) */
    ledger_record(&a1, LEDGER_EGRESS, arena_printf(f->a, "%s/x1/%s/user/path?secret=1", PUBLIC, f->trig_b), 1234);
    /* the same id on another host: no site */
    ledger_record(&a1, LEDGER_EGRESS, arena_printf(f->a, "http://elsewhere.test/x1/%s", f->trig_b), 10);
    /* an unknown trigger id on kiln's URL, a malformed one, and a prefix of the public URL */
    ledger_record(&a1, LEDGER_EGRESS,
                  PUBLIC "/public/"
                         "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
                  11);
    ledger_record(&a1, LEDGER_EGRESS, PUBLIC "/x1/b0b0", 12);
    ledger_record(&a1, LEDGER_EGRESS,
                  "http://kiln.test:80801/x1/b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0", 13);
    ledger_record(&a1, LEDGER_WEBTRIGGER_RESPONSE, "client 10.0.0.1", 99);
    /* B's answer, and data of C found coming into B's invocation */
    ledger_record(&b1, LEDGER_WEBTRIGGER_RESPONSE, "client 127.0.0.1", 77);
    ledger_record_inbound(&b1, f->C.id, LEDGER_WEBTRIGGER_REQUEST, 500);
    /* an over-long destination is cut */
    char longdest[2000];
    memset(longdest, 'x', sizeof longdest - 1);
    longdest[sizeof longdest - 1] = '\0';
    ledger_record(&b1, LEDGER_REMOTE, longdest, 1);
    ledger_record(NULL, LEDGER_REMOTE, "nothing", 1); /* no invocation: ignored */
    fnlog_line(&b1, "warn", "a line for kiln logs");
    ledger_stop(); /* flushes */
    fnlog_stop();
    assert_false(ledger_enabled());

    size_t n;
    ledger_rec_t *all = list(f, 0, 0, &n);
    assert_int_equal(n, 9);
    const ledger_rec_t *x = &all[0];
    assert_int_equal(x->site_id, f->A.id);
    assert_int_equal(x->dest_site_id, f->B.id);
    assert_string_equal(x->kind, "egress");
    assert_int_equal(x->bytes, 1234);
    assert_string_equal(x->invocation_id, a1.id);
    assert_string_equal(x->installation_id, f->ia.id);
    assert_null(strchr(x->destination, '?'));
    assert_non_null(strstr(x->destination, "/user/path"));
    for (int i = 1; i <= 4; i++)
        assert_int_equal(all[i].dest_site_id, 0);
    const ledger_rec_t *in = by_inv(all, n, b1.id, LEDGER_WEBTRIGGER_REQUEST);
    assert_non_null(in);
    assert_int_equal(in->site_id, f->C.id);      /* C's data ... */
    assert_int_equal(in->dest_site_id, f->B.id); /* ... came into B */
    const ledger_rec_t *rem = by_inv(all, n, b1.id, LEDGER_REMOTE);
    assert_non_null(rem);
    assert_int_equal(strlen(rem->destination), LEDGER_DEST_MAX);

    /* views: every record names the site; A -> B is in both A's and B's; C's only has C -> B */
    size_t na, nb, nc;
    ledger_rec_t *va = list(f, f->A.id, 0, &na), *vb = list(f, f->B.id, 0, &nb), *vc = list(f, f->C.id, 0, &nc);
    assert_int_equal(na, 6);
    for (size_t i = 0; i < na; i++)
        assert_true(va[i].site_id == f->A.id || va[i].dest_site_id == f->A.id);
    assert_int_equal(nb, 4); /* A -> B, B's answer, C -> B, B's remote call */
    for (size_t i = 0; i < nb; i++)
        assert_true(vb[i].site_id == f->B.id || vb[i].dest_site_id == f->B.id);
    assert_int_equal(nc, 1);
    assert_int_equal(vc[0].site_id, f->C.id);
    assert_int_equal(vc[0].dest_site_id, f->B.id);
    for (size_t i = 1; i < nb; i++)
        assert_true(vb[i].id > vb[i - 1].id); /* oldest first */

    /* since / after / max */
    size_t k;
    list(f, f->A.id, clock_now_ms() + 60000, &k);
    assert_int_equal(k, 0);
    ledger_rec_t *r;
    assert_int_equal(store_ledger_list(f->st, f->a, f->A.id, 0, va[0].id, 1000, &r, &k), STORE_OK);
    assert_int_equal(k, na - 1);
    assert_int_equal(store_ledger_list(f->st, f->a, f->A.id, 0, 0, 2, &r, &k), STORE_OK);
    assert_int_equal(k, 2);
    assert_int_equal(r[1].id, va[na - 1].id); /* the newest two */

    /* the log line went to function_logs */
    log_rec_t *logs;
    assert_int_equal(store_logs_list(f->st, f->a, f->B.id, 0, 100, 0, &logs, &k), STORE_OK);
    assert_int_equal(k, 1);
    assert_string_equal(logs[0].level, "warn");
    assert_string_equal(logs[0].invocation_id, b1.id);
}

static void test_off_and_retention(void **state)
{
    fx_t *f = *state;
    char err[256];
    size_t before;
    list(f, 0, 0, &before);
    assert_int_equal(ledger_start(f->dir, PUBLIC, 0, 0, err, sizeof err), 0); /* --ledger off */
    assert_int_equal(fnlog_start(f->dir, err, sizeof err), 0);
    assert_false(ledger_enabled());
    invocation_t a1 = inv_of(&f->A, &f->ia, "00000000-0000-4000-8000-0000000000a2");
    ledger_record(&a1, LEDGER_WEBTRIGGER_RESPONSE, "client 10.0.0.1", 5);
    fnlog_line(&a1, "warn", "still logged");
    ledger_stop();
    fnlog_stop();
    size_t n;
    list(f, 0, 0, &n);
    assert_int_equal(n, before);
    log_rec_t *logs;
    assert_int_equal(store_logs_list(f->st, f->a, f->A.id, 0, 100, 0, &logs, &n), STORE_OK);
    assert_int_equal(n, 1);

    /* retention: old rows go, newer stay */
    int64_t now = clock_now_ms();
    ledger_rec_t old[3] = {
        {.time_ms = now + 1000, .site_id = f->A.id, .kind = "x", .bytes = 1},
        {.time_ms = now + 2000, .site_id = f->A.id, .kind = "x", .bytes = 1},
        {.time_ms = now + 3000, .site_id = f->A.id, .kind = "x", .bytes = 1},
    };
    assert_int_equal(store_ledger_insert(f->st, old, 3), STORE_OK);
    int64_t gone = 0;
    assert_int_equal(store_ledger_purge(f->st, now + 1500, &gone), STORE_OK);
    assert_int_equal(gone, (int64_t)before + 1);
    ledger_rec_t *left = list(f, 0, 0, &n);
    assert_int_equal(n, 2);
    assert_int_equal(left[0].time_ms, now + 2000);
    /* a cutoff past everything deletes everything; on an empty ledger nothing fails */
    assert_int_equal(store_ledger_purge(f->st, now + 10000, &gone), STORE_OK);
    assert_int_equal(gone, 2);
    assert_int_equal(store_ledger_purge(f->st, now + 10000, &gone), STORE_OK);
    assert_int_equal(gone, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_and_views),
        cmocka_unit_test(test_off_and_retention),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
