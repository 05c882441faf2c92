/* Unit tests for apps, versions and installations (src/platform/app.h, install.h) on the
 * SQLite store: Forge's version numbering, install on several sites, minors reaching
 * every site, majors waiting for consent, uninstall/reinstall, purge after retention,
 * lifecycle payloads, and the refusals. And on both SQLite and PostgreSQL (a private
 * cluster, tests/unit/unit_pg.h): the scheduledTrigger rows (platform/schedule_rows.h)
 * written by the install, deploy, upgrade and uninstall transactions themselves, seen by
 * another handle (another node) as soon as each commits, with no scheduler running. */
#include "unit.h"

#include <jansson.h>
#include <pthread.h>

#include "base/enc.h"
#include "base/log.h"
#include "platform/app.h"
#include "platform/install.h"
#include "platform/schedheap.h"
#include "platform/schedule.h"
#include "platform/site.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_backend.h" /* store_postgres_prepare */
#include "store/store_deliveries.h"
#include "store/store_installs.h"
#include "store/store_schedules.h"
#include "store/store_sites.h"
#include "unit_pg.h"

typedef struct {
    char *dir;
    store_t *st;
    arena_t *a;
    site_rec_t A, B;
    app_rec_t app;
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
    assert_int_equal(app_register(f->st, f->a, "Report", &f->app), STORE_OK);
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

static version_rec_t deploy_manifest(fx_t *f, const char *env, const char *major_key, const char *scopes,
                                     const char *manifest_json)
{
    version_rec_t v = {
        .app_id = f->app.id,
        .env_key = env,
        .manifest_json = manifest_json,
        .major_key = major_key,
        .scopes_json = scopes,
        .egress_json = "{}",
        .snapshot = "versions/x",
        .snapshot_bytes = 10,
    };
    assert_int_equal(app_deploy_record(f->st, f->a, &v, 1000), STORE_OK);
    return v;
}

static version_rec_t deploy(fx_t *f, const char *env, const char *major_key, const char *scopes)
{
    return deploy_manifest(f, env, major_key, scopes, "{}");
}

/* Triggers: t1 (a function) on both lifecycle events, t2 (a remote endpoint) on upgrades,
 * t3 on a product event, t4 on installs without a function or endpoint (not run). */
static const char lifecycle_manifest[] =
    "{\"modules\":{\"trigger\":["
    "{\"key\":\"t1\",\"function\":\"f\",\"events\":[\"avi:forge:installed:app\",\"avi:forge:upgraded:app\"]},"
    "{\"key\":\"t2\",\"endpoint\":\"e\",\"events\":[\"avi:forge:upgraded:app\"]},"
    "{\"key\":\"t3\",\"function\":\"f\",\"events\":[\"avi:jira:created:issue\"]},"
    "{\"key\":\"t4\",\"events\":[\"avi:forge:installed:app\"]}],"
    "\"function\":[{\"key\":\"f\",\"handler\":\"index.run\"}]}}";

static void test_register(void **state)
{
    fx_t *f = *state;
    env_rec_t *envs;
    size_t n;
    assert_int_equal(store_env_list(f->st, f->a, f->app.id, &envs, &n), STORE_OK);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_true(enc_is_uuid(envs[i].id, strlen(envs[i].id)));
        assert_true(app_env_key_valid(envs[i].key));
    }
    assert_true(enc_is_uuid(f->app.id, strlen(f->app.id)));
    char *ari = arena_printf(f->a, "%s%s", APP_ARI_PREFIX, f->app.id);
    assert_string_equal(app_id_from_ari(ari), f->app.id);
    assert_null(app_id_from_ari("ari:cloud:ecosystem::app/not-a-uuid"));
    assert_null(app_id_from_ari("ari:cloud:jira::site/00000000-0000-4000-8000-000000000000"));
}

static void test_env_create(void **state)
{
    fx_t *f = *state;
    env_rec_t e;
    assert_int_equal(app_env_create(f->st, f->a, f->app.id, "qa-1", &e), STORE_OK);
    assert_int_equal(app_env_create(f->st, f->a, f->app.id, "qa-1", &e), STORE_CONFLICT);
    assert_int_equal(app_env_create(f->st, f->a, f->app.id, "development", &e), STORE_CONFLICT);
    assert_int_equal(app_env_create(f->st, f->a, "00000000-0000-4000-8000-000000000000", "qa", &e), STORE_NOTFOUND);
    static const char *const bad[] = {"", "Dev", "1dev", "-x", "a b", "dev/../x", "abcdefghijklmnopqrstuvwxyz12345"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(app_env_key_valid(bad[i]));
}

static void test_version_numbering(void **state)
{
    fx_t *f = *state;
    version_rec_t v = deploy(f, "development", "K1", "[\"read:jira-work\"]");
    assert_int_equal(v.seq, 1);
    assert_int_equal(v.major, 1);
    assert_int_equal(v.minor, 0);
    v = deploy(f, "development", "K1", "[\"read:jira-work\"]");
    assert_int_equal(v.major, 1);
    assert_int_equal(v.minor, 1);
    v = deploy(f, "development", "K2", "[\"read:jira-work\",\"write:jira-work\"]");
    assert_int_equal(v.major, 2);
    assert_int_equal(v.minor, 0);
    assert_int_equal(v.seq, 3);
    /* other environments number on their own */
    v = deploy(f, "production", "K2", "[]");
    assert_int_equal(v.major, 1);
    assert_int_equal(v.minor, 0);
    version_rec_t bad = {.app_id = f->app.id,
                         .env_key = "nope",
                         .manifest_json = "{}",
                         .major_key = "K",
                         .scopes_json = "[]",
                         .egress_json = "{}",
                         .snapshot = "s"};
    assert_int_equal(app_deploy_record(f->st, f->a, &bad, 1), STORE_NOTFOUND);
}

static void test_install_minor_and_major(void **state)
{
    fx_t *f = *state;
    install_rec_t ia, ib;
    version_rec_t ver;
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "development", NULL, 1, &ia, &ver),
                     INSTALL_NOT_DEPLOYED);
    deploy(f, "development", "K1", "[\"read:jira-work\"]");
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "development", NULL, 2, &ia, &ver), INSTALL_OK);
    assert_int_equal(install_create(f->st, f->a, &f->B, f->app.id, "development", NULL, 2, &ib, &ver), INSTALL_OK);
    assert_string_not_equal(ia.id, ib.id);
    assert_string_equal(ia.installer_account_id, f->A.admin_account_id);
    assert_int_equal(ia.major, 1);
    /* the bot user exists on its own site only */
    user_rec_t u;
    assert_int_equal(store_user_get(f->st, f->a, f->A.id, ia.bot_account_id, &u), STORE_OK);
    assert_string_equal(u.account_type, "app");
    assert_string_equal(u.display_name, "Report");
    assert_int_equal(store_user_get(f->st, f->a, f->B.id, ia.bot_account_id, &u), STORE_NOTFOUND);

    /* a minor reaches both sites at once */
    deploy(f, "development", "K1", "[\"read:jira-work\"]");
    assert_int_equal(install_version(f->st, f->a, &ia, &ver), STORE_OK);
    assert_int_equal(ver.major, 1);
    assert_int_equal(ver.minor, 1);
    assert_int_equal(install_version(f->st, f->a, &ib, &ver), STORE_OK);
    assert_int_equal(ver.minor, 1);

    /* a major waits for consent on each site */
    deploy(f, "development", "K2", "[\"read:jira-work\",\"write:jira-work\"]");
    assert_int_equal(install_version(f->st, f->a, &ia, &ver), STORE_OK);
    assert_int_equal(ver.major, 1);
    assert_int_equal(ver.minor, 1);
    install_rec_t up;
    assert_int_equal(install_upgrade(f->st, f->a, &f->A, f->app.id, "development", NULL, 3, &up, &ver), INSTALL_OK);
    assert_int_equal(up.major, 2);
    assert_string_equal(up.id, ia.id); /* upgrading keeps the installation */
    assert_true(unit_contains(up.scopes_json, "write:jira-work"));
    assert_int_equal(install_upgrade(f->st, f->a, &f->A, f->app.id, "development", NULL, 4, &up, &ver),
                     INSTALL_NO_UPGRADE);
    install_rec_t still;
    assert_int_equal(store_install_active(f->st, f->a, f->B.id, f->app.id, "development", &still), STORE_OK);
    assert_int_equal(still.major, 1);
    assert_int_equal(install_version(f->st, f->a, &still, &ver), STORE_OK);
    assert_int_equal(ver.major, 1);
}

static void test_refusals(void **state)
{
    fx_t *f = *state;
    install_rec_t in;
    version_rec_t ver;
    deploy(f, "development", "K1", "[]");
    assert_int_equal(
        install_create(f->st, f->a, &f->A, "00000000-0000-4000-8000-000000000000", "development", NULL, 1, &in, &ver),
        INSTALL_NO_APP);
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "nope", NULL, 1, &in, &ver), INSTALL_NO_ENV);
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "staging", NULL, 1, &in, &ver),
                     INSTALL_NOT_DEPLOYED);
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "development", f->B.admin_account_id, 1, &in, &ver),
                     INSTALL_NO_ACCOUNT); /* another site's user cannot install here */
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "development", NULL, 1, &in, &ver), INSTALL_OK);
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "development", NULL, 1, &in, &ver), INSTALL_EXISTS);
    assert_int_equal(install_upgrade(f->st, f->a, &f->B, f->app.id, "development", NULL, 1, &in, &ver),
                     INSTALL_NOT_INSTALLED);
    assert_int_equal(install_remove(f->st, f->a, &f->B, f->app.id, "development", 1, 10, &in), INSTALL_NOT_INSTALLED);
    /* nothing changed by the refusals: one installation, one bot user more on A, none on B */
    install_rec_t *all;
    size_t n;
    assert_int_equal(store_install_list(f->st, f->a, f->app.id, &all, &n), STORE_OK);
    assert_int_equal(n, 1);
    for (int r = INSTALL_OK; r <= INSTALL_STORE_ERROR; r++) {
        assert_true(install_result_status(r) >= 200);
        assert_non_null(install_result_message(r));
    }
}

static void test_uninstall_reinstall_purge(void **state)
{
    fx_t *f = *state;
    install_rec_t first, removed, second;
    version_rec_t ver;
    deploy(f, "development", "K1", "[]");
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "development", NULL, 100, &first, &ver), INSTALL_OK);
    const int64_t day = 24LL * 3600 * 1000;
    assert_int_equal(install_remove(f->st, f->a, &f->A, f->app.id, "development", 200, 28 * day, &removed), INSTALL_OK);
    assert_string_equal(removed.id, first.id);
    install_rec_t got;
    assert_int_equal(store_install_get(f->st, f->a, first.id, &got), STORE_OK);
    assert_int_equal(got.removed, 1);
    assert_int_equal(got.purge_after_ms, 200 + 28 * day);
    assert_int_equal(store_install_active(f->st, f->a, f->A.id, f->app.id, "development", &got), STORE_NOTFOUND);

    /* reinstall: a new installation id */
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "development", NULL, 300, &second, &ver),
                     INSTALL_OK);
    assert_string_not_equal(second.id, first.id);

    /* purge: nothing before the retention ends, the removed one after, never the active one */
    size_t purged = 99;
    assert_int_equal(install_purge_due(f->st, f->a, 200 + 28 * day - 1, &purged), STORE_OK);
    assert_int_equal(purged, 0);
    assert_int_equal(install_purge_due(f->st, f->a, 200 + 28 * day, &purged), STORE_OK);
    assert_int_equal(purged, 1);
    assert_int_equal(store_install_get(f->st, f->a, first.id, &got), STORE_OK);
    assert_int_equal(got.purged, 1);
    assert_int_equal(store_install_get(f->st, f->a, second.id, &got), STORE_OK);
    assert_int_equal(got.purged, 0);
    assert_int_equal(install_purge_due(f->st, f->a, 400 * day, &purged), STORE_OK);
    assert_int_equal(purged, 0);
}

static void test_lifecycle_payloads(void **state)
{
    fx_t *f = *state;
    install_rec_t in;
    version_rec_t ver;
    deploy_manifest(f, "development", "K1", "[\"read:jira-work\"]", lifecycle_manifest);
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "development", NULL, 5, &in, &ver), INSTALL_OK);
    deploy_manifest(f, "development", "K2", "[\"read:jira-work\",\"storage:app\"]", lifecycle_manifest);
    assert_int_equal(install_upgrade(f->st, f->a, &f->A, f->app.id, "development", NULL, 6, &in, &ver), INSTALL_OK);
    /* one delivery per subscribed trigger: t1 on install; t1 and t2 on upgrade */
    delivery_rec_t *ev;
    size_t n;
    delivery_filter_t filter = {.installation_id = in.id, .state = -1, .limit = 100};
    assert_int_equal(store_delivery_list(f->st, f->a, &filter, &ev, &n), STORE_OK);
    assert_int_equal(n, 3);
    env_rec_t env;
    assert_int_equal(store_env_get(f->st, f->a, f->app.id, "development", &env), STORE_OK);
    static const char *const want[][2] = {
        {"avi:forge:installed:app", "t1"}, {"avi:forge:upgraded:app", "t1"}, {"avi:forge:upgraded:app", "t2"}};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(ev[i].event_type, want[i][0]);
        assert_string_equal(ev[i].module_key, want[i][1]);
        assert_int_equal(ev[i].source, DLV_SRC_LIFECYCLE);
        assert_int_equal(ev[i].state, DLV_PENDING);
        assert_int_equal(ev[i].attempts, 0);
        assert_int_equal(ev[i].site_id, f->A.id);
        assert_string_equal(ev[i].app_id, f->app.id);
        assert_true(enc_is_uuid(ev[i].event_id, strlen(ev[i].event_id)));
    }
    assert_int_equal(ev[0].due_ms, 5);
    assert_int_equal(ev[1].due_ms, 6);
    assert_string_equal(ev[1].payload_json, ev[2].payload_json);
    /* the other site has none */
    filter = (delivery_filter_t){.site_id = f->B.id, .state = -1, .limit = 100};
    delivery_rec_t *none;
    size_t nn;
    assert_int_equal(store_delivery_list(f->st, f->a, &filter, &none, &nn), STORE_OK);
    assert_int_equal(nn, 0);

    json_t *p = json_loads(ev[0].payload_json, 0, NULL);
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "id")), in.id);
    assert_string_equal(json_string_value(json_object_get(p, "installerAccountId")), f->A.admin_account_id);
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "app"), "version")), "1.0.0");
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "app"), "id")),
                        arena_printf(f->a, "%s%s", APP_ARI_PREFIX, f->app.id));
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "environment"), "id")), env.id);
    json_decref(p);

    p = json_loads(ev[1].payload_json, 0, NULL);
    assert_non_null(p);
    assert_string_equal(json_string_value(json_object_get(p, "upgraderAccountId")), f->A.admin_account_id);
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "app"), "version")), "2.0.0");
    json_t *scopes = json_object_get(json_object_get(p, "permissions"), "scopes");
    assert_int_equal(json_array_size(scopes), 2);
    assert_string_equal(json_string_value(json_array_get(scopes, 1)), "storage:app");
    json_decref(p);
}

/* Deploys from two connections at once serialize: every version gets its own sequence
 * number and the numbering stays gapless. */
struct deployer {
    const char *dir, *app_id;
    int n, failures;
};

static void *deploy_loop(void *arg)
{
    struct deployer *d = arg;
    char err[256];
    store_t *st = store_open(d->dir, err, sizeof err);
    arena_t *a = arena_new(1u << 24);
    for (int i = 0; i < d->n; i++) {
        version_rec_t v = {.app_id = d->app_id,
                           .env_key = "staging",
                           .manifest_json = "{}",
                           .major_key = "K",
                           .scopes_json = "[]",
                           .egress_json = "{}",
                           .snapshot = "s"};
        if (app_deploy_record(st, a, &v, i) != STORE_OK)
            d->failures++;
    }
    arena_free(a);
    store_close(st);
    return NULL;
}

/* Uninstall (platform/uninstall.h): in its transaction the installation's pending
 * deliveries are dropped with the reason, a running one is left to finish, each trigger
 * subscribed to avi:forge:uninstalled:app is owed one, and the same app's installation on
 * the other site keeps all of its own; the purge takes the removed one's deliveries. */
static const char uninstall_manifest[] =
    "{\"modules\":{\"trigger\":["
    "{\"key\":\"u1\",\"function\":\"f\",\"events\":[\"avi:forge:uninstalled:app\",\"avi:forge:installed:app\"]},"
    "{\"key\":\"u2\",\"endpoint\":\"e\",\"events\":[{\"eventType\":\"avi:forge:uninstalled:app\"}]},"
    "{\"key\":\"t3\",\"function\":\"f\",\"events\":[\"avi:forge:installed:app\"]}],"
    "\"function\":[{\"key\":\"f\",\"handler\":\"index.run\"}]}}";

static size_t list_of(fx_t *f, const char *installation_id, int state, delivery_rec_t **out)
{
    delivery_filter_t filter = {.installation_id = installation_id, .state = state, .limit = 100};
    size_t n;
    assert_int_equal(store_delivery_list(f->st, f->a, &filter, out, &n), STORE_OK);
    return n;
}

static void test_uninstall_deliveries(void **state)
{
    fx_t *f = *state;
    install_rec_t a, b, gone;
    version_rec_t ver;
    deploy_manifest(f, "development", "K1", "[]", uninstall_manifest);
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "development", NULL, 10, &a, &ver), INSTALL_OK);
    assert_int_equal(install_create(f->st, f->a, &f->B, f->app.id, "development", NULL, 10, &b, &ver), INSTALL_OK);
    delivery_rec_t *rows;
    assert_int_equal(list_of(f, a.id, DLV_PENDING, &rows), 2); /* installed:app to u1 and t3 */
    assert_int_equal(store_delivery_start(f->st, rows[0].id, 20, "node-1", 1000000), STORE_OK);
    int64_t running = rows[0].id, pending = rows[1].id;

    assert_int_equal(install_remove(f->st, f->a, &f->A, f->app.id, "development", 30, 1000, &gone), INSTALL_OK);
    delivery_rec_t d;
    assert_int_equal(store_delivery_get(f->st, f->a, pending, &d), STORE_OK);
    assert_int_equal(d.state, DLV_DROPPED);
    assert_string_equal(d.last_error, "the app was uninstalled");
    assert_int_equal(d.updated_ms, 30);
    assert_int_equal(store_delivery_get(f->st, f->a, running, &d), STORE_OK);
    assert_int_equal(d.state, DLV_RUNNING);
    size_t n = list_of(f, a.id, DLV_PENDING, &rows);
    assert_int_equal(n, 2);
    env_rec_t env;
    assert_int_equal(store_env_get(f->st, f->a, f->app.id, "development", &env), STORE_OK);
    static const char *const keys[] = {"u1", "u2"};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(rows[i].module_key, keys[i]);
        assert_string_equal(rows[i].event_type, "avi:forge:uninstalled:app");
        assert_int_equal(rows[i].source, DLV_SRC_LIFECYCLE);
        assert_int_equal(rows[i].site_id, f->A.id);
        assert_int_equal(rows[i].due_ms, 30);
        assert_true(enc_is_uuid(rows[i].event_id, strlen(rows[i].event_id)));
        json_t *p = json_loads(rows[i].payload_json, 0, NULL);
        assert_non_null(p);
        assert_string_equal(json_string_value(json_object_get(p, "id")), a.id);
        assert_string_equal(json_string_value(json_object_get(p, "eventType")), "avi:forge:uninstalled:app");
        assert_string_equal(json_string_value(json_object_get(json_object_get(p, "app"), "version")), "1.0.0");
        assert_string_equal(json_string_value(json_object_get(json_object_get(p, "environment"), "id")), env.id);
        json_decref(p);
    }
    assert_string_not_equal(rows[0].event_id, rows[1].event_id);
    /* B: both of its installed:app deliveries still pending, nothing dropped, nothing owed */
    assert_int_equal(list_of(f, b.id, DLV_PENDING, &rows), 2);
    assert_int_equal(list_of(f, b.id, -1, &rows), 2);
    /* a second uninstall changes nothing */
    assert_int_equal(install_remove(f->st, f->a, &f->A, f->app.id, "development", 40, 1000, &gone),
                     INSTALL_NOT_INSTALLED);
    assert_int_equal(list_of(f, a.id, -1, &rows), 4);
    /* the purge takes A's deliveries, whatever their state; B's stay */
    size_t purged;
    assert_int_equal(install_purge_due(f->st, f->a, 2000, &purged), STORE_OK);
    assert_int_equal(purged, 1);
    assert_int_equal(list_of(f, a.id, -1, &rows), 0);
    assert_int_equal(list_of(f, b.id, -1, &rows), 2);
}

static void test_concurrent_deploys_serialize(void **state)
{
    fx_t *f = *state;
    struct deployer d[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        d[i] = (struct deployer){f->dir, f->app.id, 20, 0};
        pthread_create(&t[i], NULL, deploy_loop, &d[i]);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(d[i].failures, 0);
    }
    version_rec_t *vs;
    size_t n;
    assert_int_equal(store_version_list(f->st, f->a, f->app.id, "staging", &vs, &n), STORE_OK);
    assert_int_equal(n, 60);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(vs[i].seq, (int64_t)i + 1);
        assert_int_equal(vs[i].major, 1);
        assert_int_equal(vs[i].minor, (int64_t)i);
    }
}

/* ---- scheduled triggers' rows, in the installation's own transactions (both backends) */

#define HOUR (3600LL * 1000)
#define SCHED_MANIFEST(mods) "{\"modules\":{\"scheduledTrigger\":[" mods "],\"function\":[{\"key\":\"f\"}]}}"

/* The rows of installation `id` as `other` (another node's handle) sees them, one line each:
 * "key interval" in key order; also checks each row's slot is on its phase's grid and within
 * one interval after [t0, t1] (the scheduler's clock around the write). */
static const char *rows_seen(store_t *other, arena_t *a, const char *id, int64_t t0, int64_t t1)
{
    schedule_rec_t *r;
    size_t n;
    assert_int_equal(store_schedule_list(other, a, id, 0, &r, &n), STORE_OK);
    const char *s = "";
    for (size_t i = 0; i < n; i++) {
        int64_t iv = r[i].interval_ms, ph = sched_phase(id, r[i].module_key, iv);
        assert_int_equal(((r[i].next_ms - ph) % iv + iv) % iv, 0); /* the slot every node computes */
        assert_true(r[i].next_ms > t0 && r[i].next_ms <= t1 + iv);
        assert_int_equal(sched_interval_ms(r[i].interval), iv);
        s = arena_printf(a, "%s%s %s;", s, r[i].module_key, r[i].interval);
    }
    return s;
}

static void check_schedule_rows(fx_t *f, store_t *other)
{
    version_rec_t v1 = deploy_manifest(f, "development", "K1", "[]",
                                       SCHED_MANIFEST("{\"key\":\"tick\",\"function\":\"f\",\"interval\":\"hour\"},"
                                                      "{\"key\":\"odd\",\"function\":\"f\",\"interval\":\"minute\"}"));
    (void)v1;
    install_rec_t ia, ib, in;
    version_rec_t ver;
    int64_t t0 = schedule_now_ms();
    assert_int_equal(install_create(f->st, f->a, &f->A, f->app.id, "development", NULL, 1, &ia, &ver), INSTALL_OK);
    int64_t t1 = schedule_now_ms();
    /* committed with the installation: no thread 0 ran (its notice went nowhere) */
    assert_string_equal(rows_seen(other, f->a, ia.id, t0, t1), "tick hour;"); /* "minute" is no interval */
    schedule_rec_t *r;
    size_t n;
    assert_int_equal(store_schedule_list(other, f->a, ia.id, 0, &r, &n), STORE_OK);
    int64_t tick_next = r[0].next_ms;
    assert_int_equal(install_create(f->st, f->a, &f->B, f->app.id, "development", NULL, 1, &ib, &ver), INSTALL_OK);
    assert_string_equal(rows_seen(other, f->a, ib.id, t0, schedule_now_ms()), "tick hour;");

    /* a minor: the installations on its major follow it in the deploy's transaction; a
       module kept with its interval keeps its slot */
    t0 = schedule_now_ms();
    deploy_manifest(f, "development", "K1", "[]",
                    SCHED_MANIFEST("{\"key\":\"tick\",\"function\":\"f\",\"interval\":\"hour\"},"
                                   "{\"key\":\"daily\",\"function\":\"f\",\"interval\":\"day\"}"));
    t1 = schedule_now_ms();
    assert_string_equal(rows_seen(other, f->a, ia.id, t0 - HOUR, t1), "daily day;tick hour;");
    assert_string_equal(rows_seen(other, f->a, ib.id, t0 - HOUR, t1), "daily day;tick hour;");
    assert_int_equal(store_schedule_list(other, f->a, ia.id, 0, &r, &n), STORE_OK);
    assert_int_equal(r[1].next_ms, tick_next);
    /* an interval changed: a new slot */
    deploy_manifest(f, "development", "K1", "[]",
                    SCHED_MANIFEST("{\"key\":\"tick\",\"function\":\"f\",\"interval\":\"week\"},"
                                   "{\"key\":\"daily\",\"function\":\"f\",\"interval\":\"day\"}"));
    assert_string_equal(rows_seen(other, f->a, ia.id, t0 - HOUR, schedule_now_ms()), "daily day;tick week;");
    /* a minor with the same scheduled modules (the usual deploy): the rows as they were */
    schedule_rec_t *r2;
    size_t n2;
    assert_int_equal(store_schedule_list(other, f->a, ia.id, 0, &r, &n), STORE_OK);
    deploy_manifest(f, "development", "K1", "[]",
                    "{\"modules\":{\"scheduledTrigger\":[{\"key\":\"tick\",\"function\":\"f\",\"interval\":"
                    "\"week\"},{\"key\":\"daily\",\"function\":\"f\",\"interval\":\"day\"}],\"function\":[{"
                    "\"key\":\"f\",\"handler\":\"index.other\"}]}}");
    assert_int_equal(store_schedule_list(other, f->a, ia.id, 0, &r2, &n2), STORE_OK);
    assert_int_equal(n2, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r2[i].next_ms, r[i].next_ms);

    /* a new major waits for consent: the rows stay those of the major the sites run */
    deploy_manifest(f, "development", "K2", "[\"read:jira-work\"]",
                    SCHED_MANIFEST("{\"key\":\"five\",\"function\":\"f\",\"interval\":\"fiveMinute\"}"));
    assert_string_equal(rows_seen(other, f->a, ia.id, t0 - HOUR, schedule_now_ms()), "daily day;tick week;");
    /* the upgrade's transaction: A runs major 2 now; B stays */
    t0 = schedule_now_ms();
    assert_int_equal(install_upgrade(f->st, f->a, &f->A, f->app.id, "development", NULL, 2, &in, &ver), INSTALL_OK);
    assert_string_equal(rows_seen(other, f->a, ia.id, t0, schedule_now_ms()), "five fiveMinute;");
    assert_string_equal(rows_seen(other, f->a, ib.id, t0 - HOUR, schedule_now_ms()), "daily day;tick week;");
    /* refused: nothing written */
    assert_int_equal(install_upgrade(f->st, f->a, &f->A, f->app.id, "development", NULL, 3, &in, &ver),
                     INSTALL_NO_UPGRADE);
    assert_string_equal(rows_seen(other, f->a, ia.id, t0, schedule_now_ms()), "five fiveMinute;");

    /* the uninstall's transaction removes them; the other site's stay */
    assert_int_equal(install_remove(f->st, f->a, &f->A, f->app.id, "development", 4, 1000, &in), INSTALL_OK);
    assert_string_equal(rows_seen(other, f->a, ia.id, 0, 0), "");
    assert_string_equal(rows_seen(other, f->a, ib.id, t0 - HOUR, schedule_now_ms()), "daily day;tick week;");
    /* a deploy does not bring back a removed installation's rows */
    deploy_manifest(f, "development", "K2", "[\"read:jira-work\"]",
                    SCHED_MANIFEST("{\"key\":\"five\",\"function\":\"f\",\"interval\":\"fiveMinute\"}"));
    assert_string_equal(rows_seen(other, f->a, ia.id, 0, 0), "");
}

static void test_schedule_rows_sqlite(void **state)
{
    fx_t *f = *state;
    char err[256];
    store_t *other = store_open(f->dir, err, sizeof err); /* the same file through another handle */
    assert_non_null(other);
    check_schedule_rows(f, other);
    store_close(other);
}

static char pg_dir[512], pg_user[512];

static int start_cluster(void **state)
{
    (void)state;
    return unit_pg_start_db(pg_dir, sizeof pg_dir, pg_user, sizeof pg_user, "kiln") ? -1 : 0;
}

static int stop_cluster(void **state)
{
    (void)state;
    return unit_pg_stop(pg_dir);
}

static store_t *pg_admin(void)
{
    char url[1200], err[512] = "";
    snprintf(url, sizeof url, "host=%s port=5432 user=%s dbname=kiln", pg_dir, pg_user);
    if (store_postgres_prepare(url, NULL, err, sizeof err) != STORE_OK)
        fail_msg("store_postgres_prepare: %s", err);
    store_t *st = store_postgres_open_admin(url, err, sizeof err);
    if (!st)
        fail_msg("store_postgres_open_admin: %s", err);
    return st;
}

/* the same on PostgreSQL: the installing handle and another node's, both the admin path
   (an install served by the admin API, a scheduler's scan) */
static void test_schedule_rows_pg(void **state)
{
    (void)state;
    log_min_level = LOG_WARN;
    fx_t f = {.a = arena_new(1u << 26)};
    f.st = pg_admin();
    store_t *other = pg_admin();
    assert_int_equal(site_create(f.st, f.a, "alpha", 0, &f.A), STORE_OK);
    assert_int_equal(site_create(f.st, f.a, "bravo", 0, &f.B), STORE_OK);
    assert_int_equal(app_register(f.st, f.a, "Report", &f.app), STORE_OK);
    check_schedule_rows(&f, other);
    store_close(other);
    store_close(f.st);
    arena_free(f.a);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_register),
        T(test_env_create),
        T(test_version_numbering),
        T(test_install_minor_and_major),
        T(test_refusals),
        T(test_uninstall_reinstall_purge),
        T(test_lifecycle_payloads),
        T(test_uninstall_deliveries),
        T(test_concurrent_deploys_serialize),
        T(test_schedule_rows_sqlite),
    };
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test(test_schedule_rows_pg),
    };
    int failed = cmocka_run_group_tests_name("install", tests, NULL, NULL);
    return failed + cmocka_run_group_tests_name("install on PostgreSQL", pg_tests, start_cluster, stop_cluster);
}
