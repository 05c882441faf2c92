#include "platform/admin_apps.h"
#include "platform/config.h"
#include "platform/plane.h"

#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "gateway/gateway.h"
#include "http/reply.h"
#include "http/server.h"
#include "journal/audit.h"
#include "platform/app.h"
#include "platform/install.h"
#include "platform/manifest.h"
#include "platform/site.h"
#include "platform/snapshot.h"
#include "platform/snapshot_db.h"
#include "runtime/sandbox.h"
#include "runtime/supervisor.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

static const char *version_str(kreq_t *kr, const version_rec_t *v)
{
    return arena_printf(kr->arena, "%lld.%lld.0", (long long)v->major, (long long)v->minor);
}

static const char *iso(kreq_t *kr, int64_t ms)
{
    char *s = arena_alloc(kr->arena, 40);
    clock_iso8601(s, 40, ms);
    return s;
}

/* Loads the app named by route param i; replies 404 and returns -1 if absent. */
static int load_app(kreq_t *kr, unsigned i, app_rec_t *app)
{
    const char *id = app_id_from_ari(kr->params[i]);
    if (!id || store_app_get(kr->store, kr->arena, id, app) != STORE_OK) {
        reply_error(kr, 404, 0, "No such app.");
        return -1;
    }
    return 0;
}

static int load_env(kreq_t *kr, const app_rec_t *app, const char *key, env_rec_t *env)
{
    if (!app_env_key_valid(key) || store_env_get(kr->store, kr->arena, app->id, key, env) != STORE_OK) {
        reply_error(kr, 404, 0, "The app has no such environment.");
        return -1;
    }
    return 0;
}

/* Refuses members other than `allowed` (NULL-terminated). */
static int only(kreq_t *kr, json_t *body, const char *const *allowed)
{
    const char *k;
    json_t *v;
    json_object_foreach(body, k, v)
    {
        const char *const *a = allowed;
        while (*a && strcmp(*a, k) != 0)
            a++;
        if (!*a) {
            reply_error(kr, 400, 0, arena_printf(kr->arena, "Unknown field \"%.64s\".", k));
            return -1;
        }
    }
    return 0;
}

static json_t *version_json(kreq_t *kr, const version_rec_t *v)
{
    json_err_t err;
    json_t *scopes = json_parse_limited(v->scopes_json, strlen(v->scopes_json), 8, &err);
    return json_pack("{s:s,s:I,s:I,s:I,s:s,s:I,s:o}", "version", version_str(kr, v), "major", (json_int_t)v->major,
                     "minor", (json_int_t)v->minor, "seq", (json_int_t)v->seq, "createdAt", iso(kr, v->created_ms),
                     "snapshotBytes", (json_int_t)v->snapshot_bytes, "scopes", scopes ? scopes : json_array());
}

/* ---- apps ---- */

/* The manifest's warnings (platform/manifest.h) as the deploy and register answers carry
 * them: [{line, col, path, key, message}], key only for a module. */
static json_t *warnings_json(const manifest_t *m)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < m->n_warnings; i++) {
        const manifest_warning_t *w = &m->warnings[i];
        json_t *o = json_pack("{s:I,s:I,s:s,s:s}", "line", (json_int_t)w->line, "col", (json_int_t)w->col, "path",
                              w->path, "message", w->message);
        if (w->key)
            json_object_set_new(o, "key", json_string(w->key));
        json_array_append_new(arr, o);
    }
    return arr;
}

/* Parses a manifest text sent with a request, naming the Node.js workers run in its
 * runtime warnings; replies 400 with the parser's one line and returns -1 when invalid. */
static int parse_sent_manifest(kreq_t *kr, json_t *mj, int allow_missing_id, manifest_t *m)
{
    manifest_err_t merr;
    *m = (manifest_t){.allow_missing_id = allow_missing_id, .node_version = sandbox_node_version()};
    if (manifest_parse(kr->arena, "manifest.yml", json_string_value(mj), json_string_length(mj), NULL, m, &merr) != 0) {
        reply_error(kr, 400, 0, merr.msg);
        return -1;
    }
    return 0;
}

/* The app as GET /admin/v1/apps/{id} shows it; NULL after replying 500. */
static json_t *app_json(kreq_t *kr, const app_rec_t *app)
{
    env_rec_t *envs;
    size_t n;
    if (store_env_list(kr->store, kr->arena, app->id, &envs, &n) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return NULL;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        version_rec_t v;
        int rc = store_version_latest(kr->store, kr->arena, app->id, envs[i].key, -1, &v);
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:o}", "key", envs[i].key, "id", envs[i].id, "isolation",
                                             envs[i].isolation ? envs[i].isolation : "version", "latest",
                                             rc == STORE_OK ? version_json(kr, &v) : json_null()));
    }
    return json_pack("{s:s,s:s,s:s,s:s,s:o}", "id", app->id, "ari",
                     arena_printf(kr->arena, "%s%s", APP_ARI_PREFIX, app->id), "name", app->name, "createdAt",
                     iso(kr, app->created_ms), "environments", arr);
}

/* POST /admin/v1/apps {name, manifest?}: with the manifest text (kiln register sends it),
 * an invalid one refuses the registration and the answer carries its warnings. */
void apps_register(kreq_t *kr)
{
    static const char *const allowed[] = {"name", "manifest", NULL};
    json_t *body = kreq_json_body(kr, 0);
    if (!body || only(kr, body, allowed) != 0)
        return;
    const char *name = json_str(body, "name");
    json_t *mj = json_object_get(body, "manifest");
    if (!name || !app_name_valid(name)) {
        reply_error(kr, 400, 0, "name must be 1 to 100 printable characters.");
        return;
    }
    if (mj && !json_is_string(mj)) {
        reply_error(kr, 400, 0, "manifest must be the manifest.yml text.");
        return;
    }
    manifest_t m = {0};
    if (mj && parse_sent_manifest(kr, mj, 1, &m) != 0)
        return;
    app_rec_t app;
    if (app_register(kr->store, kr->arena, name, &app) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    json_t *out = app_json(kr, &app);
    if (!out)
        return;
    if (mj)
        json_object_set_new(out, "warnings", warnings_json(&m));
    reply_json_new(kr, 201, out);
}

void apps_get(kreq_t *kr)
{
    app_rec_t app;
    json_t *out;
    if (load_app(kr, 0, &app) != 0 || !(out = app_json(kr, &app)))
        return;
    reply_json_new(kr, 200, out);
}

void apps_env_create(kreq_t *kr)
{
    static const char *const allowed[] = {"key", NULL};
    app_rec_t app;
    if (load_app(kr, 0, &app) != 0)
        return;
    json_t *body = kreq_json_body(kr, 0);
    if (!body || only(kr, body, allowed) != 0)
        return;
    const char *key = json_str(body, "key");
    if (!key || !app_env_key_valid(key)) {
        reply_error(kr, 400, 0, "key must match ^[a-z][a-z0-9-]{0,29}$");
        return;
    }
    env_rec_t env;
    int rc = app_env_create(kr->store, kr->arena, app.id, key, &env);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_CONFLICT ? 409 : 500, 0,
                    rc == STORE_CONFLICT ? "The app already has that environment." : "Internal server error");
        return;
    }
    reply_json_new(kr, 201, json_pack("{s:s,s:s}", "key", env.key, "id", env.id));
}

void apps_env_update(kreq_t *kr)
{
    static const char *const allowed[] = {"isolation", NULL};
    app_rec_t app;
    if (load_app(kr, 0, &app) != 0)
        return;
    json_t *body = kreq_json_body(kr, 0);
    if (!body || only(kr, body, allowed) != 0)
        return;
    const char *iso_s = json_str(body, "isolation");
    if (!iso_s || (strcmp(iso_s, "installation") != 0 && strcmp(iso_s, "version") != 0)) {
        reply_error(kr, 400, 0, "isolation must be \"installation\" or \"version\".");
        return;
    }
    if (!app_env_key_valid(kr->params[1])) {
        reply_error(kr, 404, 0, "The app has no such environment.");
        return;
    }
    int rc = store_env_set_isolation(kr->store, app.id, kr->params[1], iso_s);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 0,
                    rc == STORE_NOTFOUND ? "The app has no such environment." : "Internal server error");
        return;
    }
    audit_record(
        &(audit_event_t){.kind = "app.environment",
                         .plane = AUDIT_PLANE_ADMIN,
                         .actor = "admin",
                         .app_id = app.id,
                         .status = 200,
                         .detail = arena_printf(kr->arena, "environment %s: isolation %s", kr->params[1], iso_s)});
    reply_json_new(kr, 200, json_pack("{s:s,s:s}", "key", kr->params[1], "isolation", iso_s));
}

/* ---- uploads and deploys ---- */

void uploads_create(kreq_t *kr)
{
    char id[33], err[256];
    if (snapshot_upload_create(platform_config()->data_dir, id, err, sizeof err) != 0) {
        reply_error(kr, 500, 0, err);
        return;
    }
    reply_json_new(kr, 201,
                   json_pack("{s:s,s:I,s:I}", "uploadId", id, "chunkBytes", (json_int_t)SNAPSHOT_CHUNK, "maxBytes",
                             (json_int_t)platform_config()->max_snapshot));
}

void uploads_append(kreq_t *kr)
{
    int64_t offset = -1;
    if (kreq_query_int(kr, "offset", 0, INT64_MAX, &offset) || offset < 0) {
        reply_error(kr, 400, 0, "The offset query parameter is required (the upload's current size).");
        return;
    }
    h2o_iovec_t body = kr->req->entity;
    if (!body.base || body.len == 0 || body.len > SNAPSHOT_CHUNK) {
        reply_error(kr, 400, 0, "A chunk is 1 byte to 4 MiB of the tar archive.");
        return;
    }
    char err[256];
    uint64_t size = 0;
    int status = snapshot_upload_append(platform_config()->data_dir, kr->params[0], offset, body.base, body.len,
                                        platform_config()->max_snapshot, &size, err, sizeof err);
    if (status) {
        reply_error(kr, status, 0, err);
        return;
    }
    reply_json_new(kr, 200, json_pack("{s:I}", "size", (json_int_t)size));
}

static void deploy_prepared(completion_t *done)
{
    rt_job_t *job = (rt_job_t *)done;
    kreq_t *kr = job->c.owner;
    if (kr) {
        kr->waiting = NULL;
        if (job->status != RT_OK)
            log_msg(LOG_WARN, "deploy: the version is recorded but could not be unpacked yet", NULL);
        reply_json(kr, 201, plane_kept(kr));
    }
    rt_job_free(job);
}

/* Deploy: parse the manifest, verify the uploaded snapshot against it, move the snapshot
 * into place, record the version. Each step refuses with a clear message and no change. */
void versions_deploy(kreq_t *kr)
{
    static const char *const allowed[] = {"uploadId", "manifest", "warm", NULL};
    app_rec_t app;
    env_rec_t env;
    if (load_app(kr, 0, &app) != 0 || load_env(kr, &app, kr->params[1], &env) != 0)
        return;
    json_t *body = kreq_json_body(kr, 0);
    if (!body || only(kr, body, allowed) != 0)
        return;
    const char *upload = json_str(body, "uploadId");
    json_t *mj = json_object_get(body, "manifest");
    if (!upload || !snapshot_upload_id_valid(upload) || !json_is_string(mj)) {
        reply_error(kr, 400, 0, "The body needs \"uploadId\" and \"manifest\" (the manifest.yml text).");
        return;
    }
    if (json_object_get(body, "warm") && !json_is_boolean(json_object_get(body, "warm"))) {
        reply_error(kr, 400, 0, "\"warm\" must be true or false.");
        return;
    }
    manifest_t m;
    if (parse_sent_manifest(kr, mj, 0, &m) != 0)
        return;
    const char *mid = app_id_from_ari(m.app_id);
    if (!mid || strcmp(mid, app.id) != 0) {
        reply_error(kr, 400, 0, "manifest.yml: app.id is not this app's id.");
        return;
    }
    /* Every handler file must come bundled: .kiln/functions/<file>.cjs */
    const char **required = arena_calloc(kr->arena, (m.n_functions ? m.n_functions : 1) * sizeof *required);
    size_t nreq = 0;
    for (size_t i = 0; i < m.n_functions; i++) {
        const char *path = arena_printf(kr->arena, "%s%s.cjs", SNAPSHOT_FUNCTIONS_DIR, m.functions[i].file);
        size_t j = 0;
        while (j < nreq && strcmp(required[j], path) != 0)
            j++;
        if (j == nreq)
            required[nreq++] = path;
    }
    char err[512];
    uint64_t bytes = 0;
    if (snapshot_verify(platform_config()->data_dir, upload, platform_config()->max_snapshot, json_string_value(mj),
                        json_string_length(mj), required, nreq, &bytes, err, sizeof err) != 0) {
        reply_error(kr, 400, 0, err);
        return;
    }
    json_t *scopes = json_own(kr->arena, json_array());
    for (size_t i = 0; i < m.n_scopes; i++)
        json_array_append_new(scopes, json_string(m.scopes[i]));
    size_t len;
    version_rec_t v = {
        .app_id = app.id,
        .env_key = env.key,
        .manifest_json = m.canonical_json,
        .major_key = m.major_key,
        .scopes_json = json_dump_arena(kr->arena, scopes, 1 << 20, &len),
        .egress_json = m.external_json ? m.external_json : "{}",
        .snapshot_bytes = (int64_t)bytes,
    };
    if (snapshot_commit(kr->arena, platform_config()->data_dir, upload, app.id, env.key, &v.snapshot, err,
                        sizeof err) != 0) {
        reply_error(kr, 500, 0, err);
        return;
    }
    char *sha = arena_alloc(kr->arena, 65);
    if (!sha || snapshot_file_sha256(platform_config()->data_dir, v.snapshot, sha, err, sizeof err) != 0) {
        reply_error(kr, 500, 0, sha ? err : "Internal server error");
        return;
    }
    v.snapshot_sha256 = sha;
    int rc = app_deploy_record_snapshot(kr->store, kr->arena, &v, clock_now_ms(), platform_config()->data_dir, err,
                                        sizeof err);
    if (rc != STORE_OK) { /* a store that went away answers 503 (http/reply.h) */
        log_msg(LOG_ERROR, "deploy: the version was not recorded", "error", err, NULL);
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    json_t *out = version_json(kr, &v);
    json_object_set_new(out, "appId", json_string(m.app_id));
    json_object_set_new(out, "environment", json_string(env.key));
    json_object_set_new(out, "warnings", warnings_json(&m));
    /* The deploy answers once the runtime has unpacked the version, so its first
     * invocation pays only for starting a worker; the HTTP thread does not wait. */
    rt_job_t *job = rt_job_new();
    job->snapshot = xstrdup(v.snapshot);
    job->prepare_only = 1;
    /* "warm": true (kiln dev, kiln deploy --warm): one worker of the new version starts now,
     * for functions of the default memory (or the first function's) in an environment
     * whose workers are shared by its installations */
    json_t *warm = json_object_get(body, "warm");
    if (json_is_true(warm) && (!env.isolation || strcmp(env.isolation, "installation") != 0)) {
        job->warm = 1;
        job->memory_mb = m.n_functions && m.functions[0].memory_mb ? m.functions[0].memory_mb : 512;
        snprintf(job->inv.env_key, sizeof job->inv.env_key, "%s", env.key);
    }
    job->deadline_ms = clock_now_ms() + 120000;
    job->c.receiver = &kr->thr->completions;
    job->c.owner = kr;
    job->c.done = deploy_prepared;
    kr->waiting = &job->c;
    plane_keep(kr, json_own(kr->arena, out));
    if (rt_submit(job) != 0) {
        kr->waiting = NULL;
        rt_job_free(job);
        reply_json(kr, 201, out); /* recorded; it will be unpacked on first use */
    }
}

void versions_list(kreq_t *kr)
{
    app_rec_t app;
    env_rec_t env;
    if (load_app(kr, 0, &app) != 0 || load_env(kr, &app, kr->params[1], &env) != 0)
        return;
    version_rec_t *vs;
    size_t n;
    if (store_version_list(kr->store, kr->arena, app.id, env.key, &vs, &n) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, version_json(kr, &vs[i]));
    reply_json_new(kr, 200, json_pack("{s:s,s:o}", "environment", env.key, "versions", arr));
}

/* ---- installations ---- */

static json_t *install_json(kreq_t *kr, const install_rec_t *in, const site_rec_t *site)
{
    version_rec_t v;
    int have = install_version(kr->store, kr->arena, in, &v) == STORE_OK;
    json_err_t jerr;
    json_t *scopes = json_parse_limited(in->scopes_json, strlen(in->scopes_json), 8, &jerr);
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:o,s:I,s:s,s:s,s:o,s:s,s:s,s:s}", "installationId", in->id, "cloudId", site->cloud_id,
        "site", site->name, "appId", arena_printf(kr->arena, "%s%s", APP_ARI_PREFIX, in->app_id), "environment",
        in->env_key, "version", have ? json_string(version_str(kr, &v)) : json_null(), "major", (json_int_t)in->major,
        "installerAccountId", in->installer_account_id, "botAccountId", in->bot_account_id, "scopes",
        scopes ? scopes : json_array(), "state", in->removed ? "removed" : "active", "createdAt",
        iso(kr, in->created_ms), "updatedAt", iso(kr, in->updated_ms));
    if (in->removed) {
        json_object_set_new(o, "removedAt", json_string(iso(kr, in->removed_ms)));
        json_object_set_new(o, "purgeAfter", json_string(iso(kr, in->purge_after_ms)));
        json_object_set_new(o, "purged", json_boolean(in->purged));
    }
    return o;
}

static int load_site(kreq_t *kr, site_rec_t *s)
{
    if (!site_name_valid(kr->params[0]) || store_site_by_name(kr->store, kr->arena, kr->params[0], s) != STORE_OK) {
        reply_error(kr, 404, 0, "No such site.");
        return -1;
    }
    return 0;
}

/* Answers an install, upgrade or uninstall; one that happened goes to the audit log. */
static void reply_install(kreq_t *kr, enum install_result r, int status, const install_rec_t *in,
                          const site_rec_t *site, const char *kind, const char *actor)
{
    if (r != INSTALL_OK) {
        reply_error(kr, install_result_status(r), 0, install_result_message(r));
        return;
    }
    audit_record(&(audit_event_t){
        .site_id = site->id,
        .kind = kind,
        .plane = AUDIT_PLANE_ADMIN,
        .actor = actor,
        .app_id = in->app_id,
        .installation_id = in->id,
        .status = status,
        .detail = arena_printf(kr->arena, "environment %s, major %lld", in->env_key, (long long)in->major)});
    reply_json_new(kr, status, install_json(kr, in, site));
}

void installs_create(kreq_t *kr)
{
    static const char *const allowed[] = {"appId", "environment", "accountId", "upgrade", NULL};
    site_rec_t site;
    if (load_site(kr, &site) != 0)
        return;
    json_t *body = kreq_json_body(kr, 0);
    if (!body || only(kr, body, allowed) != 0)
        return;
    const char *app = json_str(body, "appId") ? app_id_from_ari(json_str(body, "appId")) : NULL;
    const char *env = json_str(body, "environment") ? json_str(body, "environment") : "development";
    json_t *acct = json_object_get(body, "accountId"), *up = json_object_get(body, "upgrade");
    if (!app || !app_env_key_valid(env) || (acct && !json_is_string(acct)) || (up && !json_is_boolean(up))) {
        reply_error(kr, 400, 0,
                    "The body takes appId (an app id or ARI), environment, accountId and upgrade (boolean).");
        return;
    }
    install_rec_t in;
    version_rec_t v;
    enum install_result r =
        json_is_true(up)
            ? install_upgrade(kr->store, kr->arena, &site, app, env, json_string_value(acct), clock_now_ms(), &in, &v)
            : install_create(kr->store, kr->arena, &site, app, env, json_string_value(acct), clock_now_ms(), &in, &v);
    reply_install(kr, r, json_is_true(up) ? 200 : 201, &in, &site, json_is_true(up) ? AUDIT_UPGRADE : AUDIT_INSTALL,
                  "admin");
}

void installs_remove(kreq_t *kr)
{
    site_rec_t site;
    if (load_site(kr, &site) != 0)
        return;
    const char *app = app_id_from_ari(kr->params[1]);
    const char *env = kr->params[2];
    if (!app || !app_env_key_valid(env)) {
        reply_error(kr, 404, 0, "The app is not installed on this site in this environment.");
        return;
    }
    install_rec_t in;
    enum install_result r =
        install_remove(kr->store, kr->arena, &site, app, env, clock_now_ms(), platform_config()->retention_ms, &in);
    reply_install(kr, r, 200, &in, &site, AUDIT_UNINSTALL, "admin");
}

void installs_list(kreq_t *kr)
{
    int bad = 0;
    const char *q = kreq_query(kr, "appId", &bad);
    const char *app = q ? app_id_from_ari(q) : NULL;
    if (bad || (q && !app)) {
        reply_error(kr, 400, 0, "appId must be an app id or ARI.");
        return;
    }
    install_rec_t *ins;
    size_t n;
    if (store_install_list(kr->store, kr->arena, app, &ins, &n) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        site_rec_t site;
        if (store_site_by_id(kr->store, kr->arena, ins[i].site_id, &site) == STORE_OK)
            json_array_append_new(arr, install_json(kr, &ins[i], &site));
    }
    reply_json_new(kr, 200, json_pack("{s:o}", "installations", arr));
}

void maintenance_purge(kreq_t *kr)
{
    int64_t now = clock_now_ms();
    if (kr->req->entity.len > 0) {
        static const char *const allowed[] = {"now", NULL};
        json_t *body = kreq_json_body(kr, 0);
        if (!body || only(kr, body, allowed) != 0)
            return;
        json_t *n = json_object_get(body, "now");
        if (n && (!json_is_integer(n) || json_integer_value(n) < 0)) {
            reply_error(kr, 400, 0, "now must be a time in milliseconds since the epoch.");
            return;
        }
        if (n)
            now = json_integer_value(n); /* the clock override that makes retention testable */
    }
    size_t purged = 0;
    if (install_purge_due(kr->store, kr->arena, now, &purged) != STORE_OK) {
        reply_error(kr, 500, 0, "Internal server error");
        return;
    }
    reply_json_new(kr, 200, json_pack("{s:I}", "purged", (json_int_t)purged));
}

/* ---- distribution links ---- */

void apps_link_signature(const unsigned char key[32], const char *app_id, const char *env_key, char out[65])
{
    unsigned char mac[32];
    char msg[256];
    int n = snprintf(msg, sizeof msg, "%s\n%s", app_id, env_key);
    enc_hmac_sha256(mac, key, 32, msg, (size_t)n);
    enc_hex(out, mac, sizeof mac);
}

void apps_distribution(kreq_t *kr)
{
    app_rec_t app;
    env_rec_t env;
    if (load_app(kr, 0, &app) != 0 || load_env(kr, &app, kr->params[1], &env) != 0)
        return;
    char sig[65];
    apps_link_signature(platform_config()->link_key, app.id, env.key, sig);
    reply_json_new(
        kr, 200,
        json_pack("{s:s,s:s,s:s}", "url",
                  arena_printf(kr->arena, "%s/install/%s?env=%s&signature=%s", kr->public_url, app.id, env.key, sig),
                  "appId", arena_printf(kr->arena, "%s%s", APP_ARI_PREFIX, app.id), "environment", env.key));
}

/* POST /install/{appId}?env=&signature= — a site admin consents with their own user
 * token; the app is installed on that admin's site (the credential decides the site). */
void install_consent(kreq_t *kr)
{
    if (!kreq_method_is(kr, "POST") || kr->nseg != 2) {
        reply_error(kr, kr->nseg == 2 ? 405 : 404, 0, kr->nseg == 2 ? "Method Not Allowed" : "Not Found");
        return;
    }
    int bad = 0;
    const char *env = kreq_query(kr, "env", &bad), *sig = kreq_query(kr, "signature", &bad);
    const char *app = app_id_from_ari(kr->seg[1]);
    char want[65];
    if (bad || !env || !sig || !app || !app_env_key_valid(env) || strlen(sig) != 64 ||
        (apps_link_signature(platform_config()->link_key, app, env, want), !enc_ct_eq(want, sig, 64))) {
        reply_error(kr, 403, 0, "This installation link is not valid.");
        return;
    }
    principal_t who;
    site_rec_t site;
    if (gateway_authenticate_user(kr, &who, &site) != 0) {
        reply_failure(kr, 401, FAILURE_CLIENT_AUTH, "Unauthorized");
        return;
    }
    if (strcmp(who.account_id, site.admin_account_id) != 0) {
        reply_error(kr, 403, 0, "Only the site's admin can install apps.");
        return;
    }
    gateway_bind_site(kr, &site); /* the credential's site, the one the install is for */
    install_rec_t in;
    version_rec_t v;
    enum install_result r =
        install_create(kr->store, kr->arena, &site, app, env, who.account_id, clock_now_ms(), &in, &v);
    reply_install(kr, r, 201, &in, &site, AUDIT_INSTALL, who.account_id);
}
