/* Unit tests for the fan-out of product events (src/platform/fanout.h) on the SQLite
 * store: the deliveries it inserts (one per subscribed installation and module, Forge's
 * payload, the issue's order key), exactly once with the cursor, tenancy (two sites, the
 * same app on both), installations made after an event, scopes, filters (ignoreSelf,
 * expressions and onError, per-event filters), batches, uninstall and redeploy. */
#include "unit.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "base/json.h"
#include "base/log.h"
#include "platform/app.h"
#include "platform/fanout.h"
#include "platform/install.h"
#include "platform/site.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_deliveries.h"
#include "store/store_events.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

typedef struct {
    char *dir;
    store_t *st;
    arena_t *a;
    site_rec_t A, B;
    app_rec_t app;
} fx_t;

static int setup(void **state)
{
    log_min_level = LOG_ERROR;
    fx_t *f = xcalloc(1, sizeof *f);
    char err[256];
    f->dir = unit_tempdir();
    f->a = arena_new(1u << 26);
    f->st = store_open(f->dir, err, sizeof err);
    assert_non_null(f->st);
    assert_int_equal(store_migrate(f->st, err, sizeof err), STORE_OK);
    assert_int_equal(site_create(f->st, f->a, "alpha", 0, &f->A), STORE_OK);
    assert_int_equal(site_create(f->st, f->a, "bravo", 0, &f->B), STORE_OK);
    assert_int_equal(app_register(f->st, f->a, "Watcher", &f->app), STORE_OK);
    fanout_invalidate(0); /* site ids repeat between tests' stores */
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

static const char *const READ = "[\"read:jira-work\"]";

/* A version whose modules are `triggers` (the JSON of modules.trigger) with a function. */
static void deploy(fx_t *f, const char *triggers, const char *scopes)
{
    version_rec_t v = {
        .app_id = f->app.id,
        .env_key = "development",
        .manifest_json = arena_printf(f->a,
                                      "{\"app\":{\"id\":\"ari:cloud:ecosystem::app/%s\"},\"modules\":{\"trigger\":%s,"
                                      "\"function\":[{\"key\":\"fn\",\"handler\":\"index.run\"}]}}",
                                      f->app.id, triggers),
        .major_key = "K1",
        .scopes_json = scopes,
        .egress_json = "{}",
        .snapshot = "versions/x",
        .snapshot_bytes = 10,
    };
    assert_int_equal(app_deploy_record(f->st, f->a, &v, 1000), STORE_OK);
}

static install_rec_t install(fx_t *f, site_rec_t *s, int64_t now)
{
    install_rec_t in;
    version_rec_t ver;
    assert_int_equal(install_create(f->st, f->a, s, f->app.id, "development", NULL, now, &in, &ver), INSTALL_OK);
    return in;
}

/* Appends a product event acted by `actor` about issue `issue_id` at time `at`. */
static int64_t event(fx_t *f, int64_t site, const char *kind, int64_t at, const char *actor, const char *issue_id,
                     const char *issuetype)
{
    event_rec_t e = {
        .kind = kind,
        .created_ms = at,
        .actor_account_id = actor,
        .entity_id = issue_id,
        .payload_json = arena_printf(f->a,
                                     "{\"issue\":{\"id\":\"%s\",\"key\":\"K-%s\",\"fields\":{\"summary\":\"s\","
                                     "\"issuetype\":{\"name\":\"%s\"}}}}",
                                     issue_id, issue_id, issuetype),
    };
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_event_append(f->st, site, &e), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    return e.seq;
}

static size_t fan(fx_t *f, int64_t site, int *more)
{
    size_t made = 99;
    int m;
    assert_int_equal(fanout_site(f->st, f->a, site, more ? more : &m, &made), 0);
    return made;
}

static size_t deliveries(fx_t *f, const char *installation_id, delivery_rec_t **out)
{
    delivery_filter_t flt = {.installation_id = installation_id, .state = -1, .limit = 1000};
    size_t n;
    assert_int_equal(store_delivery_list(f->st, f->a, &flt, out, &n), STORE_OK);
    return n;
}

static int64_t cursor(fx_t *f, int64_t site)
{
    int64_t seq = -1;
    assert_int_equal(store_event_cursor_get(f->st, site, &seq), STORE_OK);
    return seq;
}

static void test_exactly_once_and_tenancy(void **state)
{
    fx_t *f = *state;
    deploy(f,
           "[{\"key\":\"on-issue\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\","
           "\"avi:jira:updated:issue\",\"kiln:jira:updated:projectroleactors\"]},{\"key\":\"also\",\"function\":\"fn\","
           "\"events\":["
           "\"avi:jira:updated:issue\"]}]",
           READ);
    install_rec_t ia = install(f, &f->A, 100), ib = install(f, &f->B, 100);
    event(f, f->A.id, "avi:jira:created:issue", 200, "user-a", "10001", "Task");
    event(f, f->A.id, "kiln:jira:updated:projectroleactors", 250, "user-a", "10001", "Task");
    event(f, f->A.id, "avi:jira:deleted:issue", 260, "user-a", "10002", "Task"); /* nobody subscribed */
    int64_t last = event(f, f->A.id, "avi:jira:updated:issue", 300, "user-a", "10001", "Task");
    event(f, f->B.id, "avi:jira:created:issue", 200, "user-b", "10001", "Task");

    int more = 1;
    assert_int_equal(fan(f, f->A.id, &more), 3); /* created -> on-issue; updated -> on-issue, also */
    assert_int_equal(more, 0);
    assert_int_equal(cursor(f, f->A.id), last);
    assert_int_equal(cursor(f, f->B.id), 0); /* site B untouched */
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(d[i].site_id, f->A.id);
        assert_string_equal(d[i].installation_id, ia.id);
        assert_int_equal(d[i].source, DLV_SRC_PRODUCT);
        assert_int_equal(d[i].state, DLV_PENDING);
        assert_string_equal(d[i].order_key, "10001");
        json_err_t jerr;
        json_t *p = json_parse_arena(f->a, d[i].payload_json, strlen(d[i].payload_json), 64, &jerr);
        assert_string_equal(json_str(p, "eventType"), d[i].event_type);
        assert_string_equal(json_str(p, "atlassianId"), "user-a");
        assert_string_equal(json_str(json_array_get(json_object_get(p, "associatedUsers"), 0), "accountId"), "user-a");
        assert_string_equal(json_str(json_object_get(p, "issue"), "key"), "K-10001");
        assert_false(unit_contains(d[i].payload_json, "user-b"));
    }
    assert_string_equal(d[0].event_type, "avi:jira:created:issue");
    assert_string_equal(d[0].module_key, "on-issue");
    assert_int_equal(d[0].source_seq, 1);
    assert_string_equal(d[1].module_key, "on-issue");
    assert_string_equal(d[2].module_key, "also");
    assert_int_equal(d[2].source_seq, last);
    assert_string_not_equal(d[1].event_id, d[2].event_id);

    /* exactly once: again, nothing new */
    assert_int_equal(fan(f, f->A.id, NULL), 0);
    assert_int_equal(deliveries(f, ia.id, &d), 3);
    assert_int_equal(deliveries(f, ib.id, &d), 0);

    /* site B's own event reaches site B's installation only */
    assert_int_equal(fan(f, f->B.id, NULL), 1);
    assert_int_equal(deliveries(f, ib.id, &d), 1);
    assert_string_equal(d[0].installation_id, ib.id);
    assert_int_equal(d[0].site_id, f->B.id);
    assert_true(unit_contains(d[0].payload_json, "user-b"));
    assert_int_equal(deliveries(f, ia.id, &d), 3);
}

static void test_installed_after_the_event(void **state)
{
    fx_t *f = *state;
    deploy(f, "[{\"key\":\"t\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]}]", READ);
    event(f, f->A.id, "avi:jira:created:issue", 50, "u", "10001", "Task");
    install_rec_t ia = install(f, &f->A, 100);
    event(f, f->A.id, "avi:jira:created:issue", 150, "u", "10002", "Task");
    assert_int_equal(fan(f, f->A.id, NULL), 1);
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 1);
    assert_string_equal(d[0].order_key, "10002");
}

static void test_uninstalled_gets_none(void **state)
{
    fx_t *f = *state;
    deploy(f, "[{\"key\":\"t\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]}]", READ);
    install_rec_t ia = install(f, &f->A, 100);
    event(f, f->A.id, "avi:jira:created:issue", 150, "u", "10001", "Task");
    assert_int_equal(fan(f, f->A.id, NULL), 1);
    /* uninstalled without telling fan-out: it still sees the installation list changed */
    assert_int_equal(store_install_remove(f->st, ia.id, 200, 300), STORE_OK);
    event(f, f->A.id, "avi:jira:created:issue", 250, "u", "10002", "Task");
    assert_int_equal(fan(f, f->A.id, NULL), 0);
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 1);
}

static void test_scopes(void **state)
{
    fx_t *f = *state;
    deploy(f, "[{\"key\":\"t\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]}]", "[\"storage:app\"]");
    install_rec_t ia = install(f, &f->A, 100);
    event(f, f->A.id, "avi:jira:created:issue", 150, "u", "10001", "Task");
    assert_int_equal(fan(f, f->A.id, NULL), 0);
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 0);
    assert_int_equal(cursor(f, f->A.id), 1); /* passed over, not waiting */
}

static void test_filters(void **state)
{
    fx_t *f = *state;
    deploy(f,
           "[{\"key\":\"bugs\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"],"
           "\"filter\":{\"ignoreSelf\":true,\"expression\":\"event.issue.fields.issuetype.name == 'Bug'\"}},"
           "{\"key\":\"err-ignore\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"],"
           "\"filter\":{\"expression\":\"event.nothing.deeper == 1\",\"onError\":\"IGNORE\"}},"
           "{\"key\":\"err-receive\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"],"
           "\"filter\":{\"expression\":\"event.nothing.deeper == 1\",\"onError\":\"RECEIVE\"}},"
           "{\"key\":\"bad-default\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"],"
           "\"filter\":{\"expression\":\"event.issue ===\"}},"
           "{\"key\":\"per-event\",\"function\":\"fn\",\"events\":[{\"eventType\":\"avi:jira:created:issue\","
           "\"filter\":{\"expression\":\"event.issue.key == 'K-10002'\"}},\"avi:jira:updated:issue\"],"
           "\"filter\":{\"expression\":\"false\"}}]",
           READ);
    install_rec_t ia = install(f, &f->A, 100);
    event(f, f->A.id, "avi:jira:created:issue", 150, "user", "10001", "Bug");            /* bugs, err-receive */
    event(f, f->A.id, "avi:jira:created:issue", 160, "user", "10002", "Task");           /* err-receive, per-event */
    event(f, f->A.id, "avi:jira:created:issue", 170, ia.bot_account_id, "10003", "Bug"); /* err-receive: its own */
    event(f, f->A.id, "avi:jira:updated:issue", 180, "user", "10004", "Bug"); /* per-event's trigger filter: false */
    assert_int_equal(fan(f, f->A.id, NULL), 5);
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 5);
    const char *want[][2] = {{"bugs", "10001"},
                             {"err-receive", "10001"},
                             {"err-receive", "10002"},
                             {"per-event", "10002"},
                             {"err-receive", "10003"}};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(d[i].module_key, want[i][0]);
        assert_string_equal(d[i].order_key, want[i][1]);
    }
}

static void test_batches(void **state)
{
    fx_t *f = *state;
    deploy(f, "[{\"key\":\"t\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]}]", READ);
    install_rec_t ia = install(f, &f->A, 100);
    size_t total = FANOUT_BATCH + 7;
    assert_int_equal(store_begin(f->st), STORE_OK);
    for (size_t i = 0; i < total; i++) {
        event_rec_t e = {.kind = "avi:jira:created:issue",
                         .created_ms = 200,
                         .entity_id = "1",
                         .payload_json = arena_printf(f->a, "{\"issue\":{\"id\":\"%zu\"}}", 20000 + i)};
        assert_int_equal(store_event_append(f->st, f->A.id, &e), STORE_OK);
    }
    assert_int_equal(store_commit(f->st), STORE_OK);
    int more = 0;
    assert_int_equal(fan(f, f->A.id, &more), FANOUT_BATCH);
    assert_int_equal(more, 1);
    assert_int_equal(cursor(f, f->A.id), FANOUT_BATCH);
    assert_int_equal(fan(f, f->A.id, &more), 7);
    assert_int_equal(more, 0);
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), total);
    for (size_t i = 0; i < total; i++)
        assert_int_equal(d[i].source_seq, (int64_t)i + 1); /* in the events' order */
    /* an event without an actor has no atlassianId */
    assert_false(unit_contains(d[0].payload_json, "atlassianId"));
}

/* In the caller's transaction (the delivery engine's pass): a savepoint, so what it made
 * goes with the caller's rollback (the events then fan out again, once) and with its
 * commit; the sites stay apart. */
static void test_in_callers_transaction(void **state)
{
    fx_t *f = *state;
    deploy(f, "[{\"key\":\"t\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]}]", READ);
    install_rec_t ia = install(f, &f->A, 100), ib = install(f, &f->B, 100);
    event(f, f->A.id, "avi:jira:created:issue", 150, "u", "10001", "Task");
    event(f, f->A.id, "avi:jira:created:issue", 160, "u", "10002", "Task");
    event(f, f->B.id, "avi:jira:created:issue", 170, "u", "20001", "Task");
    delivery_rec_t *d;
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(fan(f, f->A.id, NULL), 2);
    assert_int_equal(deliveries(f, ia.id, &d), 2); /* seen inside the transaction */
    store_rollback(f->st);
    assert_int_equal(deliveries(f, ia.id, &d), 0);
    assert_int_equal(cursor(f, f->A.id), 0);
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(fan(f, f->A.id, NULL), 2);
    assert_int_equal(fan(f, f->B.id, NULL), 1);
    assert_int_equal(fan(f, f->A.id, NULL), 0); /* the cursor moved inside the transaction */
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(deliveries(f, ia.id, &d), 2);
    assert_string_equal(d[0].order_key, "10001");
    assert_string_equal(d[1].order_key, "10002");
    assert_int_equal(deliveries(f, ib.id, &d), 1);
    assert_string_equal(d[0].order_key, "20001");
    assert_int_equal(cursor(f, f->A.id), 2);
    assert_int_equal(cursor(f, f->B.id), 1);
    assert_int_equal(fan(f, f->A.id, NULL), 0); /* exactly once */
}

static void test_redeploy_invalidates(void **state)
{
    fx_t *f = *state;
    deploy(f, "[{\"key\":\"t\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]}]", READ);
    install_rec_t ia = install(f, &f->A, 100);
    event(f, f->A.id, "avi:jira:deleted:issue", 150, "u", "10001", "Task");
    assert_int_equal(fan(f, f->A.id, NULL), 0);
    /* a minor adds the deleted event: the deploy tells fan-out, which looks again */
    deploy(f,
           "[{\"key\":\"t\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\",\"avi:jira:deleted:issue\"]}]",
           READ);
    event(f, f->A.id, "avi:jira:deleted:issue", 250, "u", "10002", "Task");
    assert_int_equal(fan(f, f->A.id, NULL), 1);
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 1);
    assert_string_equal(d[0].order_key, "10002");
}

/* The deploy race: a version committed, its invalidation not yet made (store_version_insert
 * alone is a deploy stopped between its commit and fanout_invalidate). An event after it
 * goes by the new version's triggers: the cached subscriptions are checked against the
 * newest version in the batch's own transaction. */
static void test_deploy_before_its_invalidation(void **state)
{
    fx_t *f = *state;
    deploy(f, "[{\"key\":\"old\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]}]", READ);
    install_rec_t ia = install(f, &f->A, 100);
    event(f, f->A.id, "avi:jira:created:issue", 150, "u", "10001", "Task");
    assert_int_equal(fan(f, f->A.id, NULL), 1); /* the cache is built from version 1 */
    version_rec_t v1;
    assert_int_equal(store_version_latest(f->st, f->a, f->app.id, "development", -1, &v1), STORE_OK);
    version_rec_t v2 = v1;
    v2.manifest_json = arena_printf(f->a,
                                    "{\"app\":{\"id\":\"ari:cloud:ecosystem::app/%s\"},\"modules\":{\"trigger\":"
                                    "[{\"key\":\"new\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]}],"
                                    "\"function\":[{\"key\":\"fn\",\"handler\":\"index.run\"}]}}",
                                    f->app.id);
    v2.minor = v1.minor + 1;
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_version_insert(f->st, &v2), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    event(f, f->A.id, "avi:jira:created:issue", 250, "u", "10002", "Task");
    assert_int_equal(fan(f, f->A.id, NULL), 1);
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 2);
    assert_string_equal(d[0].module_key, "old");
    assert_string_equal(d[1].module_key, "new");
    assert_string_equal(d[1].order_key, "10002");
}

/* Manifests fan-out must survive even if they slipped past the deploy's checks (an older
 * kiln's, a hand-edited store): junk shapes are passed over, the good trigger still gets
 * its events; an event whose stored payload is not an object is passed over. */
static void test_hostile_manifest_and_payload(void **state)
{
    fx_t *f = *state;
    deploy(
        f,
        "[{\"key\":\"no-events\",\"function\":\"fn\"},{\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]},"
        "{\"key\":\"junk\",\"function\":\"fn\",\"events\":[1,null,{\"eventType\":7},[],{}],\"filter\":\"x\"},"
        "{\"key\":\"filter-junk\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"],"
        "\"filter\":{\"ignoreSelf\":\"yes\",\"expression\":42,\"onError\":\"EXPLODE\"}},"
        "{\"key\":\"deep\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"],"
        "\"filter\":{\"expression\":\"event.issue.fields.summary.length > 0 && event.issue.key.startsWith('K-')\"}}]",
        READ);
    install_rec_t ia = install(f, &f->A, 100);
    event_rec_t bad = {.kind = "avi:jira:created:issue", .created_ms = 150, .entity_id = "1", .payload_json = "[1,2]"};
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_event_append(f->st, f->A.id, &bad), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    event(f, f->A.id, "avi:jira:created:issue", 160, "u", "10001", "Task");
    assert_int_equal(fan(f, f->A.id, NULL), 2); /* filter-junk (no usable filter), deep */
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 2);
    assert_string_equal(d[0].module_key, "filter-junk");
    assert_string_equal(d[1].module_key, "deep");
    assert_int_equal(d[0].source_seq, 2);
    assert_int_equal(cursor(f, f->A.id), 2);
}

/* Writers append events while fan-out runs: every event is fanned out exactly once. */
struct writer {
    const char *dir;
    int64_t site;
    int n;
    _Atomic int done;
};

static void *write_loop(void *arg)
{
    struct writer *w = arg;
    char err[256];
    store_t *st = store_open(w->dir, err, sizeof err);
    arena_t *a = arena_new(1u << 20);
    for (int i = 0; i < w->n; i++) {
        event_rec_t e = {.kind = "avi:jira:created:issue",
                         .created_ms = 200,
                         .entity_id = "1",
                         .payload_json = arena_printf(a, "{\"issue\":{\"id\":\"%d\"}}", 30000 + i % 7)};
        if (store_begin(st) != STORE_OK || store_event_append(st, w->site, &e) != STORE_OK ||
            store_commit(st) != STORE_OK)
            break;
    }
    arena_free(a);
    store_close(st);
    atomic_store(&w->done, 1);
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    fx_t *f = *state;
    deploy(f, "[{\"key\":\"t\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]}]", READ);
    install_rec_t ia = install(f, &f->A, 100);
    struct writer w[2] = {{f->dir, f->A.id, 300, 0}, {f->dir, f->A.id, 300, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, write_loop, &w[i]);
    size_t total = 0;
    int more = 0;
    while (!atomic_load(&w[0].done) || !atomic_load(&w[1].done) || more)
        total += fan(f, f->A.id, &more);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    total += fan(f, f->A.id, &more);
    assert_int_equal(total, 600);
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 600);
    for (size_t i = 0; i < 600; i++)
        assert_int_equal(d[i].source_seq, (int64_t)i + 1); /* each event once, in order */
}

/* A stored manifest that does not parse subscribes its installation to nothing; the other
 * installations of the site are still served. */
static void test_unparsable_manifest_blocks_nobody(void **state)
{
    fx_t *f = *state;
    deploy(f, "[{\"key\":\"t\",\"function\":\"fn\",\"events\":[\"avi:jira:created:issue\"]}]", READ);
    install_rec_t ia = install(f, &f->A, 100);
    app_rec_t broken;
    assert_int_equal(app_register(f->st, f->a, "Broken", &broken), STORE_OK);
    version_rec_t v = {.app_id = broken.id,
                       .env_key = "development",
                       .manifest_json = "{}",
                       .major_key = "K1",
                       .scopes_json = READ,
                       .egress_json = "{}",
                       .snapshot = "versions/y",
                       .snapshot_bytes = 1};
    assert_int_equal(app_deploy_record(f->st, f->a, &v, 1000), STORE_OK);
    install_rec_t ib;
    assert_int_equal(install_create(f->st, f->a, &f->A, broken.id, "development", NULL, 100, &ib, &v), INSTALL_OK);
    /* then a minor of it whose stored manifest does not parse */
    v.manifest_json = "{not json";
    assert_int_equal(app_deploy_record(f->st, f->a, &v, 1001), STORE_OK);
    event(f, f->A.id, "avi:jira:created:issue", 150, "u", "10001", "Task");
    assert_int_equal(fan(f, f->A.id, NULL), 1);
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 1);
    assert_int_equal(cursor(f, f->A.id), 1);
}

/* A payload nested as deep as a comment's ADF body may be (32 levels of nodes, each an
 * object and its content list) is delivered whole. */
static void test_deep_payload(void **state)
{
    fx_t *f = *state;
    deploy(f, "[{\"key\":\"t\",\"function\":\"fn\",\"events\":[\"avi:jira:commented:issue\"]}]", READ);
    install_rec_t ia = install(f, &f->A, 100);
    char *open = arena_alloc(f->a, 32 * 40 + 1), *close = arena_alloc(f->a, 32 * 4 + 1);
    open[0] = close[0] = 0;
    for (int i = 0; i < 32; i++) {
        strcat(open, "{\"type\":\"x\",\"content\":[");
        strcat(close, "]}");
    }
    event_rec_t e = {.kind = "avi:jira:commented:issue",
                     .created_ms = 150,
                     .entity_id = "1",
                     .payload_json = arena_printf(
                         f->a, "{\"issue\":{\"id\":\"10001\"},\"comment\":{\"id\":\"1\",\"body\":%s%s}}", open, close)};
    assert_int_equal(store_begin(f->st), STORE_OK);
    assert_int_equal(store_event_append(f->st, f->A.id, &e), STORE_OK);
    assert_int_equal(store_commit(f->st), STORE_OK);
    assert_int_equal(fan(f, f->A.id, NULL), 1);
    delivery_rec_t *d;
    assert_int_equal(deliveries(f, ia.id, &d), 1);
    assert_true(unit_contains(d[0].payload_json, close));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_exactly_once_and_tenancy),
        T(test_installed_after_the_event),
        T(test_uninstalled_gets_none),
        T(test_scopes),
        T(test_filters),
        T(test_batches),
        T(test_in_callers_transaction),
        T(test_redeploy_invalidates),
        T(test_deploy_before_its_invalidation),
        T(test_hostile_manifest_and_payload),
        T(test_concurrent_writers),
        T(test_unparsable_manifest_blocks_nobody),
        T(test_deep_payload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
