#include "platform/install.h"

#include "auth/systoken.h"

#include <jansson.h>
#include <string.h>

#include "base/enc.h"
#include "base/json.h"
#include "http/reply.h"
#include "platform/app.h"
#include "platform/deliver.h"
#include "platform/deliver_metrics.h"
#include "platform/fanout.h"
#include "platform/invoke.h"
#include "platform/schedule.h"
#include "platform/schedule_rows.h"
#include "platform/site.h"
#include "platform/uninstall.h"
#include "store/store_apps.h"
#include "store/store_auth.h"
#include "store/store_deliveries.h"
#include "store/store_installs.h"
#include "store/store_properties.h"
#include "store/store_sites.h"

static const struct {
    int status;
    const char *message;
} results[] = {
    [INSTALL_OK] = {200, "ok"},
    [INSTALL_NO_APP] = {404, "No such app."},
    [INSTALL_NO_ENV] = {404, "The app has no such environment."},
    [INSTALL_NOT_DEPLOYED] = {409, "Nothing is deployed to this environment yet: run kiln deploy first."},
    [INSTALL_EXISTS] = {409, "The app is already installed on this site in this environment."},
    [INSTALL_NOT_INSTALLED] = {404, "The app is not installed on this site in this environment."},
    [INSTALL_NO_UPGRADE] = {409, "No upgrade pending: the site already consented to the newest major version."},
    [INSTALL_NO_ACCOUNT] = {404, "No such user on this site."},
    [INSTALL_STORE_ERROR] = {500, "Internal server error"},
};

int install_result_status(enum install_result r)
{
    return results[r].status;
}
const char *install_result_message(enum install_result r)
{
    return results[r].message;
}

static const char *version_string(arena_t *a, const version_rec_t *v)
{
    return arena_printf(a, "%lld.%lld.0", (long long)v->major, (long long)v->minor);
}

/* Forge's lifecycle payloads: {id, installerAccountId|upgraderAccountId, app {id, version},
 * environment {id}} and, for upgrades, the newly consented permissions. */
static int record_event(store_t *st, arena_t *a, const install_rec_t *in, const char *event, const char *who_key,
                        const char *who, const version_rec_t *ver, const env_rec_t *env, int64_t now)
{
    json_t *p = json_pack("{s:s,s:s,s:{s:s,s:s},s:{s:s}}", "id", in->id, who_key, who, "app", "id",
                          arena_printf(a, "%s%s", APP_ARI_PREFIX, in->app_id), "version", version_string(a, ver),
                          "environment", "id", env->id);
    if (!p)
        return STORE_ERROR;
    json_own(a, p);
    if (strcmp(event, "avi:forge:upgraded:app") == 0) {
        json_err_t err;
        json_t *scopes = json_parse_arena(a, ver->scopes_json, strlen(ver->scopes_json), 8, &err);
        json_t *egress = json_parse_arena(a, ver->egress_json, strlen(ver->egress_json), 16, &err);
        json_object_set(p, "permissions",
                        json_own(a, json_pack("{s:O,s:O}", "scopes", scopes ? scopes : json_null(), "external",
                                              egress ? egress : json_null())));
    }
    size_t len;
    const char *payload = json_dump_arena(a, p, 1 << 20, &len);
    json_t *manifest = invoke_manifest(a, ver);
    if (!payload || !manifest)
        return STORE_ERROR;
    /* one delivery per trigger module subscribed to the event (platform/deliver.h runs them) */
    size_t i;
    json_t *trig;
    json_array_foreach(json_object_get(json_object_get(manifest, "modules"), "trigger"), i, trig)
    {
        int subscribed = 0;
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(trig, "events"), j, e)
        {
            const char *name = json_is_string(e) ? json_string_value(e) : json_str(e, "eventType");
            subscribed |= name && strcmp(name, event) == 0;
        }
        const char *key = json_str(trig, "key");
        if (!subscribed || !key || !(json_str(trig, "function") || json_str(trig, "endpoint")))
            continue;
        delivery_rec_t d;
        deliver_rec_init(a, &d, in, DLV_SRC_LIFECYCLE, key, event, now);
        d.payload_json = payload;
        int rc = store_delivery_insert(st, &d);
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

/* Looks up the environment and its newest version. */
static enum install_result load_env(store_t *st, arena_t *a, const char *app_id, const char *env_key, env_rec_t *env,
                                    version_rec_t *newest)
{
    app_rec_t app;
    int rc = store_app_get(st, a, app_id, &app);
    if (rc != STORE_OK)
        return rc == STORE_NOTFOUND ? INSTALL_NO_APP : INSTALL_STORE_ERROR;
    rc = store_env_get(st, a, app_id, env_key, env);
    if (rc != STORE_OK)
        return rc == STORE_NOTFOUND ? INSTALL_NO_ENV : INSTALL_STORE_ERROR;
    rc = store_version_latest(st, a, app_id, env_key, -1, newest);
    if (rc != STORE_OK)
        return rc == STORE_NOTFOUND ? INSTALL_NOT_DEPLOYED : INSTALL_STORE_ERROR;
    return INSTALL_OK;
}

static enum install_result finish(store_t *st, enum install_result r)
{
    if (r != INSTALL_OK) {
        store_rollback(st);
        return r;
    }
    if (store_commit(st) != STORE_OK)
        return INSTALL_STORE_ERROR;
    deliver_kick(); /* its lifecycle events, if any */
    return INSTALL_OK;
}

/* A committed change of the site's installations: fan-out's view of them is dropped. */
static enum install_result invalidated(const site_rec_t *site, const install_rec_t *in, enum install_result r)
{
    if (r == INSTALL_OK) {
        fanout_invalidate(site->id);
        schedule_notify_installation(in->id); /* its scheduled triggers start, change or stop */
    }
    return r;
}

/* The installation's schedules rows, in its transaction (platform/schedule_rows.h): they
 * commit or roll back with the change; thread 0's timetable hears of them afterwards
 * (invalidated). ver NULL: none (removed). */
static int sync_schedules(store_t *st, arena_t *a, const install_rec_t *in, const version_rec_t *ver)
{
    json_t *mods = ver ? schedule_rows_modules(invoke_manifest(a, ver)) : NULL;
    return schedule_rows_sync(st, a, in, mods, schedule_now_ms(), 0, NULL, NULL, NULL, NULL);
}

static enum install_result check_account(store_t *st, arena_t *a, const site_rec_t *site, const char **account)
{
    if (!*account)
        *account = site->admin_account_id;
    user_rec_t u;
    int rc = store_user_get(st, a, site->id, *account, &u);
    return rc == STORE_OK ? INSTALL_OK : rc == STORE_NOTFOUND ? INSTALL_NO_ACCOUNT : INSTALL_STORE_ERROR;
}

/* What install and upgrade both load, inside their transaction. */
static enum install_result load_all(store_t *st, arena_t *a, const site_rec_t *site, const char *app_id,
                                    const char *env_key, const char **account, env_rec_t *env, version_rec_t *newest)
{
    enum install_result r = load_env(st, a, app_id, env_key, env, newest);
    return r == INSTALL_OK ? check_account(st, a, site, account) : r;
}

enum install_result install_create(store_t *st, arena_t *a, const site_rec_t *site, const char *app_id,
                                   const char *env_key, const char *account, int64_t now, install_rec_t *out,
                                   version_rec_t *ver)
{
    if (store_begin(st) != STORE_OK)
        return INSTALL_STORE_ERROR;
    env_rec_t env;
    enum install_result r = load_all(st, a, site, app_id, env_key, &account, &env, ver);
    if (r == INSTALL_OK) {
        install_rec_t existing;
        int rc = store_install_active(st, a, site->id, app_id, env_key, &existing);
        r = rc == STORE_OK ? INSTALL_EXISTS : rc == STORE_NOTFOUND ? INSTALL_OK : INSTALL_STORE_ERROR;
    }
    if (r == INSTALL_OK) {
        char id[37], bot[37];
        unsigned char b[12];
        enc_uuid4(id);
        enc_random(b, sizeof b);
        enc_hex(bot, b, sizeof b);
        app_rec_t app;
        store_app_get(st, a, app_id, &app);
        user_rec_t u = {
            .account_id = arena_strdup(a, bot),
            .email = "",
            .display_name = app.name,
            .account_type = "app",
            .time_zone = "Etc/UTC",
            .locale = "en_US",
            .active = 1,
        };
        *out = (install_rec_t){
            .id = arena_strdup(a, id),
            .site_id = site->id,
            .app_id = app.id,
            .env_key = env.key,
            .installer_account_id = account,
            .bot_account_id = u.account_id,
            .major = ver->major,
            .scopes_json = ver->scopes_json,
            .egress_json = ver->egress_json,
            .created_ms = now,
            .updated_ms = now,
        };
        int rc = store_user_insert(st, site->id, &u);
        if (rc == STORE_OK)
            rc = store_install_insert(st, out);
        if (rc == STORE_OK)
            rc = record_event(st, a, out, "avi:forge:installed:app", "installerAccountId", account, ver, &env, now);
        if (rc == STORE_OK)
            rc = sync_schedules(st, a, out, ver);
        r = rc == STORE_OK ? INSTALL_OK : rc == STORE_CONFLICT ? INSTALL_EXISTS : INSTALL_STORE_ERROR;
    }
    return invalidated(site, out, finish(st, r));
}

enum install_result install_upgrade(store_t *st, arena_t *a, const site_rec_t *site, const char *app_id,
                                    const char *env_key, const char *account, int64_t now, install_rec_t *out,
                                    version_rec_t *ver)
{
    if (store_begin(st) != STORE_OK)
        return INSTALL_STORE_ERROR;
    env_rec_t env;
    enum install_result r = load_all(st, a, site, app_id, env_key, &account, &env, ver);
    if (r == INSTALL_OK) {
        int rc = store_install_active(st, a, site->id, app_id, env_key, out);
        r = rc == STORE_OK ? INSTALL_OK : rc == STORE_NOTFOUND ? INSTALL_NOT_INSTALLED : INSTALL_STORE_ERROR;
    }
    if (r == INSTALL_OK && out->major >= ver->major)
        r = INSTALL_NO_UPGRADE;
    if (r == INSTALL_OK) {
        int rc = store_install_set_major(st, out->id, ver->major, ver->scopes_json, ver->egress_json, now);
        if (rc == STORE_OK) {
            out->major = ver->major;
            out->scopes_json = ver->scopes_json;
            out->egress_json = ver->egress_json;
            out->updated_ms = now;
            rc = record_event(st, a, out, "avi:forge:upgraded:app", "upgraderAccountId", account, ver, &env, now);
        }
        if (rc == STORE_OK)
            rc = sync_schedules(st, a, out, ver);
        r = rc == STORE_OK ? INSTALL_OK : INSTALL_STORE_ERROR;
    }
    return invalidated(site, out, finish(st, r));
}

/* The uninstall's deliveries (platform/uninstall.h), for the version the installation ran;
 * an installation whose version or environment is gone only has its pending ones dropped. */
static int owe_uninstalled(store_t *st, arena_t *a, const site_rec_t *site, const install_rec_t *in, int64_t now,
                           int64_t *dropped, int64_t *owed)
{
    version_rec_t ver;
    env_rec_t env;
    int rc = store_version_latest(st, a, in->app_id, in->env_key, in->major, &ver);
    if (rc == STORE_OK)
        rc = store_env_get(st, a, in->app_id, in->env_key, &env);
    if (rc == STORE_NOTFOUND) {
        *owed = 0;
        return store_delivery_drop_installation(st, in->id, UNINSTALL_DROP_REASON, now, dropped);
    }
    return rc == STORE_OK ? uninstall_deliveries(st, a, in, site->cloud_id, &ver, &env, now, dropped, owed) : rc;
}

enum install_result install_remove(store_t *st, arena_t *a, const site_rec_t *site, const char *app_id,
                                   const char *env_key, int64_t now, int64_t retention_ms, install_rec_t *out)
{
    int64_t owed = 0, dropped = 0;
    if (store_begin(st) != STORE_OK)
        return INSTALL_STORE_ERROR;
    int rc = store_install_active(st, a, site->id, app_id, env_key, out);
    enum install_result r = rc == STORE_OK         ? INSTALL_OK
                            : rc == STORE_NOTFOUND ? INSTALL_NOT_INSTALLED
                                                   : INSTALL_STORE_ERROR;
    if (r == INSTALL_OK) {
        rc = store_install_remove(st, out->id, now, now + retention_ms);
        if (rc == STORE_OK) /* its app system tokens die with it (auth/systoken.h) */
            rc = store_systoken_delete_installation(st, out->id);
        if (rc == STORE_OK) /* users' consents to the app go with its last installation on the site */
            rc = store_consent_drop_uninstalled(st, site->id, app_id);
        if (rc == STORE_OK) /* its pending deliveries are dropped; uninstalled:app is owed */
            rc = owe_uninstalled(st, a, site, out, now, &dropped, &owed);
        out->removed = 1;
        out->removed_ms = now;
        out->purge_after_ms = now + retention_ms;
        if (rc == STORE_OK) /* its scheduled triggers stop */
            rc = sync_schedules(st, a, out, NULL);
        r = rc == STORE_OK ? INSTALL_OK : INSTALL_STORE_ERROR;
    }
    r = invalidated(site, out, finish(st, r));
    if (r == INSTALL_OK)
        systoken_forget(out->id);
    for (int64_t i = 0; r == INSTALL_OK && i < dropped; i++) /* /metrics counts them as kiln events lists them */
        deliver_metrics_ended(out->app_id, DM_DROPPED, 0, now);
    if (r == INSTALL_OK && owed)
        deliver_kick();
    return r;
}

int install_purge_due(store_t *st, arena_t *a, int64_t now, size_t *purged)
{
    install_rec_t *due;
    size_t n;
    *purged = 0;
    int rc = store_install_purgeable(st, a, now, &due, &n);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        /* its dashboard gadgets' configurations (web/uiframes.c: entity PROP_GADGET, keyed
         * by the installation) go in the transaction that purges its storage */
        rc = store_begin(st);
        if (rc == STORE_OK)
            rc = store_prop_delete_all(st, due[i].site_id, PROP_GADGET, due[i].id);
        if (rc == STORE_OK)
            rc = store_install_purge(st, due[i].id);
        if (rc == STORE_OK)
            rc = store_commit(st);
        else
            store_rollback(st);
        if (rc == STORE_OK)
            (*purged)++;
    }
    return rc;
}

int install_version(store_t *st, arena_t *a, const install_rec_t *in, version_rec_t *out)
{
    return store_version_latest(st, a, in->app_id, in->env_key, in->major, out);
}

int install_of_route(kreq_t *kr, site_rec_t *site, install_rec_t *in, version_rec_t *ver)
{
    const char *app = app_id_from_ari(kr->params[1]);
    if (!site_name_valid(kr->params[0]) || store_site_by_name(kr->store, kr->arena, kr->params[0], site) != STORE_OK) {
        reply_error(kr, 404, 0, "No such site.");
        return -1;
    }
    if (!app || !app_env_key_valid(kr->params[2]) ||
        store_install_active(kr->store, kr->arena, site->id, app, kr->params[2], in) != STORE_OK ||
        (ver && install_version(kr->store, kr->arena, in, ver) != STORE_OK)) {
        reply_error(kr, 404, 0, "The app is not installed on this site in this environment.");
        return -1;
    }
    return 0;
}
