/* The store's families on both backends (issue 20, docs/scale.md): the same script of
 * store_* calls runs on a fresh SQLite store and on a PostgreSQL store (a private cluster
 * this test starts with tools/pg-cluster and removes at the end), each call's result and
 * the records it returned are written as text lines, and the two texts must be equal,
 * line for line. Families covered: sites (sites, users, tokens, permissions, consents),
 * product (ids, projects, project search, issues), kvs (put, get, list with bounds,
 * delete, expiry), apps (apps, environments, versions, variables), installs
 * (installations, webtriggers, remove and purge), auth (wrapped keys, system tokens),
 * sessions (sessions, sign-in links), events (product events per site), comments,
 * schedules, entity properties, issue links, worklogs, the journal (function logs,
 * audit log, ledger), roles (actors, permissions by role, the user search), devops
 * entities, deliveries (queue, states, jobs, chains, cursors, pruning), custom fields and
 * labels, components and versions, the changelog, agile (boards, sprints, ranks, lists)
 * and the JQL search (text, column, relation and history clauses, sorts, lookups): every
 * family of src/store/sql/. KILN_TEST_DUMP=1 prints both texts.
 *
 * kiln_words, the text search's SQL function, on PostgreSQL against base/wordmatch.c on
 * fixed and random cases (8,000, half of them ADF-like) and past 1 MiB. Then row-level
 * security through the store: a handle connected as kiln_runtime and bound to site A
 * (store_bind_site) reads A's storage and never B's; bound to B, the reverse; unbound,
 * nothing (a text search too); the ledger's site view still holds the flows into the site
 * from others. The search's plan comes from PostgreSQL's EXPLAIN. And a
 * uniqueness violation inside a transaction is STORE_CONFLICT and leaves the transaction
 * usable, as on SQLite; in an all-or-nothing transaction (store_begin_whole) it fails the
 * transaction instead. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/wordmatch.h"
#include "store/store.h"
#include "store/store_agile.h"
#include "store/store_apps.h"
#include "store/store_auth.h"
#include "store/store_backend.h" /* store_postgres_prepare */
#include "store/store_catalog.h"
#include "store/store_changelog.h"
#include "store/store_comments.h"
#include "store/store_deliveries.h"
#include "store/store_devops.h"
#include "store/store_events.h"
#include "store/store_fields.h"
#include "store/store_installs.h"
#include "store/store_journal.h"
#include "store/store_kvs.h"
#include "store/store_links.h"
#include "store/store_product.h"
#include "store/store_properties.h"
#include "store/store_roles.h"
#include "store/store_schedules.h"
#include "store/store_search.h"
#include "store/store_sessions.h"
#include "store/store_sites.h"
#include "store/store_worklogs.h"
#include "unit.h"
#include "unit_pg.h"

static char pg_dir[512];  /* the cluster's directory and socket */
static char pg_user[512]; /* its superuser */

static int stop_cluster(void **state)
{
    (void)state;
    return unit_pg_stop(pg_dir);
}

static int start_cluster(void **state)
{
    (void)state;
    if (unit_pg_start_db(pg_dir, sizeof pg_dir, pg_user, sizeof pg_user, "kiln"))
        return -1;
    return 0;
}

/* a handle as kiln_runtime (user's login, or SET ROLE from it); as kiln_admin when admin */
static store_t *pg_open_as(const char *user, int admin)
{
    char url[1200], err[512] = "";
    snprintf(url, sizeof url, "host=%s port=5432 user=%s dbname=kiln", pg_dir, user);
    if (admin && store_postgres_prepare(url, NULL, err, sizeof err) != STORE_OK)
        fail_msg("store_postgres_prepare: %s", err);
    store_t *st = admin ? store_postgres_open_admin(url, err, sizeof err) : store_postgres_open(url, err, sizeof err);
    if (!st)
        fail_msg("store_postgres_open: %s", err);
    return st;
}

static store_t *pg_open(const char *user)
{
    return pg_open_as(user, 0);
}

/* ---- the script ---- */

static buf_t out;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    buf_adds(&out, line);
    buf_adds(&out, "\n");
}

#define S(x) ((x) ? (x) : "(null)")

static void say_site(const char *what, int rc, const site_rec_t *s)
{
    say("%s rc=%d id=%lld cloud=%s name=%s admin=%s canary=%s created=%lld", what, rc, (long long)s->id, S(s->cloud_id),
        S(s->name), S(s->admin_account_id), S(s->canary), (long long)s->created_ms);
}

static void say_user(const char *what, int rc, const user_rec_t *u)
{
    say("%s rc=%d %s %s %s %s %s %s %d", what, rc, S(u->account_id), S(u->email), S(u->display_name),
        S(u->account_type), S(u->time_zone), S(u->locale), u->active);
}

static void say_project(const char *what, int rc, const project_rec_t *p)
{
    say("%s rc=%d id=%lld key=%s name=%s desc=%s type=%s lead=%s at=%s url=%s created=%lld count=%lld last=%lld", what,
        rc, (long long)p->id, S(p->key), S(p->name), S(p->description), S(p->type_key), S(p->lead_account_id),
        S(p->assignee_type), S(p->url), (long long)p->created_ms, (long long)p->issue_count,
        (long long)p->last_issue_update_ms);
}

static void say_issue(const char *what, int rc, const issue_rec_t *i, const char *pkey)
{
    say("%s rc=%d id=%lld p=%lld num=%lld t=%lld s=%lld pr=%lld res=%lld sum=%s desc=%s env=%s rep=%s cre=%s "
        "asg=%s parent=%lld due=%s est=%lld/%lld/%lld rank=%s c=%lld u=%lld r=%lld sc=%lld key=%s",
        what, rc, (long long)i->id, (long long)i->project_id, (long long)i->num, (long long)i->issuetype_id,
        (long long)i->status_id, (long long)i->priority_id, (long long)i->resolution_id, S(i->summary),
        S(i->description_json), S(i->environment_json), S(i->reporter_account_id), S(i->creator_account_id),
        S(i->assignee_account_id), (long long)i->parent_id, S(i->duedate), (long long)i->original_estimate_s,
        (long long)i->remaining_estimate_s, (long long)i->time_spent_s, S(i->rank), (long long)i->created_ms,
        (long long)i->updated_ms, (long long)i->resolved_ms, (long long)i->status_changed_ms, S(pkey));
}

static void say_kvs(const char *what, int rc, const kvs_rec_t *r)
{
    say("%s rc=%d kind=%d entity=%s key=%s value=%.*s len=%zu c=%lld u=%lld x=%lld", what, rc, r->kind, S(r->entity),
        S(r->key), (int)r->value_len, r->value ? r->value : "", r->value_len, (long long)r->created_ms,
        (long long)r->updated_ms, (long long)r->expire_ms);
}

static void say_install(const char *what, int rc, const install_rec_t *in)
{
    say("%s rc=%d id=%s site=%lld app=%s env=%s by=%s bot=%s major=%lld scopes=%s egress=%s removed=%d purged=%d "
        "c=%lld u=%lld r=%lld pa=%lld",
        what, rc, S(in->id), (long long)in->site_id, S(in->app_id), S(in->env_key), S(in->installer_account_id),
        S(in->bot_account_id), (long long)in->major, S(in->scopes_json), S(in->egress_json), in->removed, in->purged,
        (long long)in->created_ms, (long long)in->updated_ms, (long long)in->removed_ms, (long long)in->purge_after_ms);
}

static int64_t script_sites(store_t *st, arena_t *a, int64_t *site_b)
{
    site_rec_t A = {.cloud_id = "cloud-a",
                    .name = "alpha",
                    .admin_account_id = "adm-a",
                    .canary = "can-a",
                    .created_ms = 1700000000000};
    site_rec_t B = {.cloud_id = "cloud-b",
                    .name = "bravo",
                    .admin_account_id = "adm-b",
                    .canary = "can-b",
                    .created_ms = 1700000000001};
    say("site_insert A rc=%d", store_site_insert(st, &A));
    say("site_insert B rc=%d", store_site_insert(st, &B));
    site_rec_t dup = A;
    say("site_insert dup rc=%d", store_site_insert(st, &dup));
    site_rec_t s = {0};
    say_site("by_name alpha", store_site_by_name(st, a, "alpha", &s), &s);
    memset(&s, 0, sizeof s);
    say_site("by_id B", store_site_by_id(st, a, B.id, &s), &s);
    memset(&s, 0, sizeof s);
    say("by_name none rc=%d", store_site_by_name(st, a, "charlie", &s));
    site_rec_t *list = NULL;
    size_t n = 0;
    {
        int rc_ = store_site_list(st, a, &list, &n);
        say("site_list rc=%d n=%zu", rc_, n);
    }
    for (size_t i = 0; i < n; i++)
        say_site("  site", 0, &list[i]);
    int64_t count = 0;
    {
        int rc_ = store_site_count(st, &count);
        say("site_count rc=%d %lld", rc_, (long long)count);
    }

    user_rec_t u1 = {"acc-1", "one@example.com", "User One", "atlassian", "Etc/UTC", "en_US", 1};
    user_rec_t u2 = {"acc-2", "", "User Two", "app", "Europe/Paris", "fr_FR", 0};
    say("user_insert 1 rc=%d", store_user_insert(st, A.id, &u1));
    say("user_insert 2 rc=%d", store_user_insert(st, A.id, &u2));
    say("user_insert dup rc=%d", store_user_insert(st, A.id, &u1));
    say("user_insert B rc=%d", store_user_insert(st, B.id, &u1));
    user_rec_t u = {0};
    say_user("user_get", store_user_get(st, a, A.id, "acc-2", &u), &u);
    say("user_get none rc=%d", store_user_get(st, a, B.id, "acc-2", &u));
    user_rec_t *users = NULL;
    say("user_list rc=%d", store_user_list(st, a, A.id, 0, 10, &users, &n));
    for (size_t i = 0; i < n; i++)
        say_user("  user", 0, &users[i]);
    {
        int rc_ = store_user_list(st, a, A.id, 1, 10, &users, &n);
        say("user_list page rc=%d n=%zu", rc_, n);
    }

    unsigned char h1[32], h2[32];
    for (int i = 0; i < 32; i++)
        h1[i] = (unsigned char)i, h2[i] = (unsigned char)(255 - i); /* bytes 0 and >127 */
    say("token_insert rc=%d", store_token_insert(st, h1, A.id, "acc-1"));
    int64_t sid = 0;
    const char *acc = NULL;
    int rc = store_token_lookup(st, a, h1, &sid, &acc);
    say("token_lookup rc=%d site=%s acc=%s", rc, sid == A.id ? "A" : "?", S(acc));
    say("token_lookup none rc=%d", store_token_lookup(st, a, h2, &sid, &acc));

    int has = -1;
    say("perm_grant rc=%d", store_perm_grant(st, A.id, "acc-1", 0, "BROWSE_PROJECTS"));
    {
        int rc_ = store_perm_has(st, A.id, "acc-1", 0, "BROWSE_PROJECTS", &has);
        say("perm_has rc=%d has=%d", rc_, has);
    }
    {
        int rc_ = store_perm_has(st, B.id, "acc-1", 0, "BROWSE_PROJECTS", &has);
        say("perm_has B rc=%d has=%d", rc_, has);
    }
    say("consent_put rc=%d", store_consent_put(st, A.id, "app-1", "acc-1", 1700000000100));
    say("consent_put again rc=%d", store_consent_put(st, A.id, "app-1", "acc-1", 1700000000200));
    {
        int rc_ = store_consent_has(st, A.id, "app-1", "acc-1", &has);
        say("consent_has rc=%d has=%d", rc_, has);
    }
    say("consent_delete rc=%d", store_consent_delete(st, A.id, "app-1", "acc-1"));
    {
        int rc_ = store_consent_has(st, A.id, "app-1", "acc-1", &has);
        say("consent_has rc=%d has=%d", rc_, has);
    }
    *site_b = B.id;
    return A.id;
}

static void script_product(store_t *st, arena_t *a, int64_t site)
{
    say("seed_ids rc=%d", store_site_seed_ids(st, site, 10000));
    int64_t id = 0;
    {
        int rc_ = store_next_id(st, site, "project", &id);
        say("next_id rc=%d %lld", rc_, (long long)id);
    }
    const char *names[] = {"Web", "Mobile", "Backend"};
    const char *keys[] = {"WEB", "MOB", "BE"};
    int64_t pids[3] = {0};
    for (int i = 0; i < 3; i++) {
        project_rec_t p = {.key = keys[i],
                           .name = names[i],
                           .description = i ? NULL : "the web",
                           .type_key = "software",
                           .lead_account_id = "acc-1",
                           .assignee_type = "UNASSIGNED",
                           .url = NULL,
                           .created_ms = 1700000001000 + i};
        say("project_insert %s rc=%d id=%lld", keys[i], store_project_insert(st, site, &p), (long long)p.id);
        pids[i] = p.id;
    }
    project_rec_t dup = {.key = "WEB",
                         .name = "Dup",
                         .type_key = "software",
                         .lead_account_id = "acc-1",
                         .assignee_type = "UNASSIGNED",
                         .created_ms = 1};
    say("project_insert dup rc=%d", store_project_insert(st, site, &dup));
    project_rec_t p = {0};
    say_project("by_key", store_project_by_key(st, a, site, "MOB", &p), &p);
    say_project("by_id", store_project_by_id(st, a, site, pids[0], &p), &p);
    for (int order = 0; order < 4; order++) {
        project_filter_t f = {.order = order, .start_at = 0, .max_results = 2};
        project_rec_t *v = NULL;
        size_t n = 0;
        int64_t total = 0;
        int rc = store_project_search(st, a, site, &f, &v, &n, &total);
        say("search order=%d rc=%d n=%zu total=%lld", order, rc, n, (long long)total);
        for (size_t i = 0; i < n; i++)
            say_project("  p", 0, &v[i]);
    }
    project_filter_t fq = {.query = "o", .keys_json = "[\"MOB\",\"BE\",\"WEB\"]", .max_results = 10, .insight = 1};
    project_rec_t *v = NULL;
    size_t n = 0;
    int64_t total = 0;

    issue_rec_t parent = {0};
    for (int i = 0; i < 3; i++) {
        issue_rec_t is = {.project_id = pids[0],
                          .issuetype_id = 10001,
                          .status_id = 1,
                          .priority_id = 3,
                          .summary = i == 0 ? "Parent" : "Child",
                          .description_json = i == 1 ? "{\"type\":\"doc\",\"content\":[]}" : NULL,
                          .reporter_account_id = "acc-1",
                          .creator_account_id = "acc-1",
                          .assignee_account_id = i == 2 ? "acc-2" : NULL,
                          .parent_id = i ? parent.id : 0,
                          .duedate = i == 2 ? "2026-01-31" : NULL,
                          .original_estimate_s = i == 1 ? 3600 : -1,
                          .remaining_estimate_s = -1,
                          .time_spent_s = -1,
                          .rank = "",
                          .created_ms = 1700000002000 + i,
                          .updated_ms = 1700000002000 + i,
                          .status_changed_ms = 1700000002000 + i};
        int rc = store_issue_insert(st, site, &is);
        say("issue_insert rc=%d id=%lld num=%lld rank=%s", rc, (long long)is.id, (long long)is.num, S(is.rank));
        if (i == 0)
            parent = is;
    }
    {
        int rc_ = store_project_search(st, a, site, &fq, &v, &n, &total);
        say("search insight rc=%d n=%zu total=%lld", rc_, n, (long long)total);
    }
    for (size_t i = 0; i < n; i++)
        say_project("  p", 0, &v[i]);
    issue_rec_t got = {0};
    const char *pkey = NULL;
    say_issue("issue_by_key", store_issue_by_key(st, a, site, "WEB", 2, &got, &pkey), &got, pkey);
    got.summary = "Child, renamed";
    got.resolution_id = 10000;
    got.resolved_ms = 1700000003000;
    got.time_spent_s = 60;
    say("issue_update rc=%d", store_issue_update(st, site, &got));
    say_issue("issue_by_id", store_issue_by_id(st, a, site, got.id, &got, &pkey), &got, pkey);
    issue_rec_t *kids = NULL;
    const char **kkeys = NULL;
    say("children rc=%d", store_issue_children(st, a, site, parent.id, 10, &kids, &kkeys, &n));
    for (size_t i = 0; i < n; i++)
        say_issue("  kid", 0, &kids[i], kkeys[i]);
    say("issue_delete rc=%d", store_issue_delete(st, site, got.id));
    say("issue_delete again rc=%d", store_issue_delete(st, site, got.id));
    say("issue_by_id gone rc=%d", store_issue_by_id(st, a, site, got.id, &got, &pkey));
    p = (project_rec_t){0};
    store_project_by_key(st, a, site, "BE", &p);
    p.name = "Backend 2";
    say("project_update rc=%d", store_project_update(st, site, &p));
    say_project("after update", store_project_by_key(st, a, site, "BE", &p), &p);
    say("project_delete rc=%d", store_project_delete(st, site, p.id));
    say("by_key gone rc=%d", store_project_by_key(st, a, site, "BE", &p));
}

static void script_kvs(store_t *st, arena_t *a, int64_t site, int64_t site_b)
{
    kvs_owner_t o = {site, "inst-1"}, ob = {site_b, "inst-1"};
    const char bin[] = {'s', 0, (char)0xff, 'x'};
    kvs_rec_t recs[] = {
        {KVS_KIND_PLAIN, "", "alpha", "{\"v\":1}", 7, 1, 1, 0},
        {KVS_KIND_PLAIN, "", "beta", "\"two\"", 5, 2, 2, 0},
        {KVS_KIND_PLAIN, "", "gamma", "3", 1, 3, 3, 1700000000500},
        {KVS_KIND_SECRET, "", "alpha", bin, sizeof bin, 4, 4, 0},
        {KVS_KIND_ENTITY, "books", "b1", "{\"t\":\"x\"}", 9, 5, 5, 0},
        {KVS_KIND_PLAIN, "", "empty", "", 0, 6, 6, 0},
    };
    for (size_t i = 0; i < sizeof recs / sizeof *recs; i++)
        say("kvs_put %s rc=%d", recs[i].key, store_kvs_put(st, &o, &recs[i], 1700000000000));
    kvs_rec_t again = recs[0];
    again.value = "{\"v\":2}";
    again.updated_ms = 9;
    say("kvs_put again rc=%d", store_kvs_put(st, &o, &again, 1700000000000));
    say("kvs_put B rc=%d", store_kvs_put(st, &ob, &recs[1], 1700000000000));
    kvs_rec_t r = {0};
    say_kvs("get alpha", store_kvs_get(st, a, &o, KVS_KIND_PLAIN, "", "alpha", 1700000000000, &r), &r);
    say_kvs("get secret", store_kvs_get(st, a, &o, KVS_KIND_SECRET, "", "alpha", 1700000000000, &r), &r);
    say_kvs("get entity", store_kvs_get(st, a, &o, KVS_KIND_ENTITY, "books", "b1", 1700000000000, &r), &r);
    say_kvs("get empty", store_kvs_get(st, a, &o, KVS_KIND_PLAIN, "", "empty", 1700000000000, &r), &r);
    say("get expired rc=%d", store_kvs_get(st, a, &o, KVS_KIND_PLAIN, "", "gamma", 1700000000600, &r));
    say("get B's from A rc=%d", store_kvs_get(st, a, &o, KVS_KIND_PLAIN, "", "zzz", 1700000000000, &r));
    {
        /* several keys at once: present, absent (B's), twice, expired, empty, and past one
           statement's STORE_KVS_GET_MANY (the last key found in the second round) */
        const char *keys[20] = {"alpha", "zzz", "alpha", "gamma", "empty"};
        for (int i = 5; i < 19; i++)
            keys[i] = "nope";
        keys[19] = "beta";
        kvs_rec_t many[20];
        int rcs[20];
        static const size_t counts[] = {1, 2, 5, 20};
        for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
            say("get_many %zu rc=%d", counts[c],
                store_kvs_get_many(st, a, &o, KVS_KIND_PLAIN, "", keys, counts[c], 1700000000300, many, rcs));
            for (size_t i = 0; i < counts[c]; i++) {
                if (rcs[i] == STORE_OK)
                    say_kvs(keys[i], rcs[i], &many[i]);
                else
                    say("%s rc=%d", keys[i], rcs[i]);
            }
        }
        say("get_many expired rc=%d",
            store_kvs_get_many(st, a, &o, KVS_KIND_PLAIN, "", keys + 3, 1, 1700000000600, many, rcs));
        say("  gamma rc=%d", rcs[0]);
    }
    kvs_rec_t *v = NULL;
    size_t n = 0;
    say("list all rc=%d", store_kvs_list(st, a, &o, KVS_KIND_PLAIN, "", NULL, NULL, NULL, 10, 1700000000000, &v, &n));
    for (size_t i = 0; i < n; i++)
        say_kvs("  r", 0, &v[i]);
    say("list [b,g) rc=%d", store_kvs_list(st, a, &o, KVS_KIND_PLAIN, "", "b", "g", NULL, 10, 1700000000000, &v, &n));
    for (size_t i = 0; i < n; i++)
        say_kvs("  r", 0, &v[i]);
    say("list after alpha max 1 rc=%d",
        store_kvs_list(st, a, &o, KVS_KIND_PLAIN, "", NULL, NULL, "alpha", 1, 1700000000000, &v, &n));
    for (size_t i = 0; i < n; i++)
        say_kvs("  r", 0, &v[i]);
    say("delete beta rc=%d", store_kvs_delete(st, &o, KVS_KIND_PLAIN, "", "beta", 1700000000000));
    say("delete beta again rc=%d", store_kvs_delete(st, &o, KVS_KIND_PLAIN, "", "beta", 1700000000000));
    say("get B's beta rc=%d", store_kvs_get(st, a, &ob, KVS_KIND_PLAIN, "", "beta", 1700000000000, &r));
    int64_t removed = -1;
    {
        int rc_ = store_kvs_expire(st, 1700000000600, 100, &removed);
        say("expire rc=%d removed=%lld", rc_, (long long)removed);
    }
}

static void script_apps(store_t *st, arena_t *a, int64_t site)
{
    app_rec_t app = {"app-1", "My app", 1700000000000};
    say("app_insert rc=%d", store_app_insert(st, &app));
    say("app_insert dup rc=%d", store_app_insert(st, &app));
    app_rec_t g = {0};
    int rc = store_app_get(st, a, "app-1", &g);
    say("app_get rc=%d %s %s %lld", rc, S(g.id), S(g.name), (long long)g.created_ms);
    env_rec_t envs[] = {{"app-1", "development", "env-d", "version", 1}, {"app-1", "production", "env-p", NULL, 2}};
    for (int i = 0; i < 2; i++)
        say("env_insert rc=%d", store_env_insert(st, &envs[i]));
    say("env_set_isolation rc=%d", store_env_set_isolation(st, "app-1", "development", "installation"));
    env_rec_t *ev = NULL;
    size_t n = 0;
    say("env_list rc=%d", store_env_list(st, a, "app-1", &ev, &n));
    for (size_t i = 0; i < n; i++)
        say("  env %s %s %s %s %lld", S(ev[i].app_id), S(ev[i].key), S(ev[i].id), S(ev[i].isolation),
            (long long)ev[i].created_ms);
    for (int i = 0; i < 3; i++) {
        version_rec_t ver = {.app_id = "app-1",
                             .env_key = "development",
                             .major = 1 + (i == 2),
                             .minor = i,
                             .manifest_json = "{}",
                             .major_key = "k",
                             .scopes_json = "[\"read:jira-work\"]",
                             .egress_json = "[]",
                             .snapshot = i == 2 ? "snap/2" : "snap/1",
                             .snapshot_sha256 = i == 2 ? "ab12" : NULL,
                             .snapshot_bytes = 10 + i,
                             .created_ms = 10 + i};
        rc = store_version_insert(st, &ver);
        say("version_insert rc=%d seq=%lld", rc, (long long)ver.seq);
    }
    version_rec_t lv = {0};
    rc = store_version_latest(st, a, "app-1", "development", 1, &lv);
    say("version_latest rc=%d seq=%lld major=%lld minor=%lld", rc, (long long)lv.seq, (long long)lv.major,
        (long long)lv.minor);
    int64_t seq = 0;
    {
        int rc_ = store_version_latest_seq(st, "app-1", "development", 0, &seq);
        say("latest_seq rc=%d %lld", rc_, (long long)seq);
    }
    version_rec_t *vv = NULL;
    say("version_list rc=%d", store_version_list(st, a, "app-1", "development", &vv, &n));
    for (size_t i = 0; i < n; i++)
        say("  v %lld %lld.%lld %s %s", (long long)vv[i].seq, (long long)vv[i].major, (long long)vv[i].minor,
            S(vv[i].scopes_json), S(vv[i].manifest_json));
    version_rec_t bs = {0};
    rc = store_version_by_snapshot(st, a, "snap/2", &bs);
    say("version_by_snapshot rc=%d seq=%lld %lld.%lld sha=%s", rc, (long long)bs.seq, (long long)bs.major,
        (long long)bs.minor, S(bs.snapshot_sha256));
    say("version_by_snapshot none rc=%d", store_version_by_snapshot(st, a, "snap/none", &bs));
    /* snapshot chunks: binary bytes (NUL, 0xff), a conflict, a gap, the count */
    static const unsigned char c0[] = {0, 1, 2, 0xff, 0, 'x'};
    say("chunk_put rc=%d", store_snapshot_chunk_put(st, "snap/2", 0, c0, sizeof c0));
    say("chunk_put rc=%d", store_snapshot_chunk_put(st, "snap/2", 1, "tail", 4));
    say("chunk_put dup rc=%d", store_snapshot_chunk_put(st, "snap/2", 1, "tail", 4));
    say("chunk_put too big rc=%d", store_snapshot_chunk_put(st, "snap/2", 2, c0, STORE_SNAPSHOT_CHUNK + 1));
    for (int64_t i = 0; i < 3; i++) {
        const void *b = NULL;
        size_t len = 0;
        rc = store_snapshot_chunk_get(st, a, "snap/2", i, &b, &len);
        say("chunk_get %lld rc=%d len=%zu first=%02x last=%02x", (long long)i, rc, len,
            len ? ((const unsigned char *)b)[0] : 0, len ? ((const unsigned char *)b)[len - 1] : 0);
    }
    int64_t nc = -1, total = -1;
    rc = store_snapshot_chunk_count(st, "snap/2", &nc, &total);
    say("chunk_count rc=%d n=%lld total=%lld", rc, (long long)nc, (long long)total);
    rc = store_snapshot_chunk_count(st, "snap/none", &nc, &total);
    say("chunk_count none rc=%d n=%lld total=%lld", rc, (long long)nc, (long long)total);
    var_rec_t vars[] = {{"PLAIN", 0, "value", 5, 1, 1}, {"SECRET", 1, "\x01\x02\x00\x80", 4, 2, 2}};
    for (int i = 0; i < 2; i++)
        say("var_put rc=%d", store_var_put(st, "app-1", "development", &vars[i]));
    say("var_delete rc=%d", store_var_delete(st, "app-1", "development", "PLAIN"));
    say("var_delete none rc=%d", store_var_delete(st, "app-1", "development", "PLAIN"));
    var_rec_t *vr = NULL;
    say("var_list rc=%d", store_var_list(st, a, "app-1", "development", &vr, &n));
    for (size_t i = 0; i < n; i++)
        say("  var %s %d len=%zu %02x%02x%02x%02x", S(vr[i].key), vr[i].encrypted, vr[i].value_len,
            (unsigned char)vr[i].value[0], (unsigned char)vr[i].value[1], (unsigned char)vr[i].value[2],
            (unsigned char)vr[i].value[3]);
    (void)site;
}

static void script_installs(store_t *st, arena_t *a, int64_t site, int64_t site_b)
{
    install_rec_t ins[] = {
        {"inst-1", site, "app-1", "development", "acc-1", "bot-1", 1, "[]", "[]", 0, 0, 100, 100, 0, 0},
        {"inst-2", site_b, "app-1", "development", "acc-1", "bot-2", 1, "[]", NULL, 0, 0, 101, 101, 0, 0},
    };
    for (int i = 0; i < 2; i++)
        say("install_insert rc=%d", store_install_insert(st, &ins[i]));
    install_rec_t g = {0};
    say_install("install_get", store_install_get(st, a, "inst-1", &g), &g);
    say_install("install_active", store_install_active(st, a, site_b, "app-1", "development", &g), &g);
    install_rec_t *v = NULL;
    size_t n = 0;
    say("install_list rc=%d", store_install_list(st, a, "app-1", &v, &n));
    for (size_t i = 0; i < n; i++)
        say_install("  in", 0, &v[i]);
    say("install_site rc=%d", store_install_site(st, a, site, &v, &n));
    for (size_t i = 0; i < n; i++)
        say_install("  in", 0, &v[i]);
    int yes = -1;
    {
        int rc_ = store_install_site_mentions(st, site, "bot-1", &yes);
        say("mentions rc=%d yes=%d", rc_, yes);
    }
    say("set_major rc=%d", store_install_set_major(st, "inst-1", 2, "[\"x\"]", "[\"y\"]", 200));
    say_install("after set_major", store_install_get(st, a, "inst-1", &g), &g);
    const char *wid = NULL;
    say("wt_ensure rc=%d", store_webtrigger_ensure(st, a, "inst-1", "wt-mod", "wt-id-1", 300, &wid));
    say("wt id %s", S(wid));
    say("wt_ensure again rc=%d", store_webtrigger_ensure(st, a, "inst-1", "wt-mod", "wt-id-2", 301, &wid));
    say("wt id %s", S(wid));
    const char *iid = NULL, *mod = NULL;
    {
        int rc_ = store_webtrigger_get(st, a, "wt-id-1", &iid, &mod);
        say("wt_get rc=%d %s %s", rc_, S(iid), S(mod));
    }
    const char **ids = NULL, **mods = NULL;
    say("wt_list rc=%d", store_webtrigger_list(st, a, "inst-1", &ids, &mods, &n));
    for (size_t i = 0; i < n; i++)
        say("  wt %s %s", ids[i], mods[i]);
    say("wt_delete other rc=%d", store_webtrigger_delete(st, "wt-id-1", "inst-2"));
    say("wt_delete rc=%d", store_webtrigger_delete(st, "wt-id-1", "inst-1"));
    say("install_remove rc=%d", store_install_remove(st, "inst-1", 400, 500));
    say("purgeable early rc=%d", store_install_purgeable(st, a, 450, &v, &n));
    say("  n=%zu", n);
    say("purgeable rc=%d", store_install_purgeable(st, a, 600, &v, &n));
    for (size_t i = 0; i < n; i++)
        say_install("  in", 0, &v[i]);
    say("install_purge rc=%d", store_install_purge(st, "inst-1"));
    say_install("after purge", store_install_get(st, a, "inst-1", &g), &g);
    kvs_rec_t r = {0};
    kvs_owner_t o = {site, "inst-1"};
    say("kvs after purge rc=%d", store_kvs_get(st, a, &o, KVS_KIND_PLAIN, "", "alpha", 1700000000000, &r));
}

static void script_auth(store_t *st, arena_t *a, int64_t site)
{
    unsigned char w[] = {0, 1, 0x7f, 0x80, 0xff};
    key_rec_t k1 = {"key-1", "kvs", w, sizeof w, 10, 0}, k2 = {"key-2", "kvs", w + 1, 3, 20, 0};
    say("key_insert rc=%d", store_key_insert(st, &k1));
    say("key_insert rc=%d", store_key_insert(st, &k2));
    say("key_insert dup rc=%d", store_key_insert(st, &k1));
    key_rec_t g = {0};
    int rc = store_key_current(st, a, "kvs", &g);
    say("key_current rc=%d %s len=%zu first=%02x c=%lld r=%lld", rc, S(g.id), g.wrapped_len, g.wrapped[0],
        (long long)g.created_ms, (long long)g.retired_ms);
    say("key_retire rc=%d", store_key_retire(st, "kvs", 30));
    key_rec_t *v = NULL;
    size_t n = 0;
    say("key_list rc=%d", store_key_list(st, a, "kvs", 10, &v, &n));
    for (size_t i = 0; i < n; i++)
        say("  key %s len=%zu last=%02x c=%lld r=%lld", S(v[i].id), v[i].wrapped_len,
            v[i].wrapped[v[i].wrapped_len - 1], (long long)v[i].created_ms, (long long)v[i].retired_ms);
    unsigned char h[32] = {0x80, 0, 1};
    systoken_rec_t t = {"inst-9", site, 5, 50}, o = {0};
    say("systoken_insert rc=%d", store_systoken_insert(st, h, &t));
    rc = store_systoken_lookup(st, a, h, &o);
    say("systoken_lookup rc=%d %s %lld %lld", rc, S(o.installation_id), (long long)o.created_ms,
        (long long)o.expires_ms);
    say("systoken_expired rc=%d", store_systoken_delete_expired(st, 60));
    say("systoken_lookup gone rc=%d", store_systoken_lookup(st, a, h, &o));
}

static void script_sessions(store_t *st, arena_t *a, int64_t site)
{
    unsigned char h[32] = {0xfe, 0, 7}, l[32] = {0xfd, 0, 8};
    session_rec_t s = {site, "acc-1", "csrf-1", 100, 1000, 100}, g = {0};
    say("session_insert rc=%d", store_session_insert(st, h, &s));
    say("session_touch rc=%d", store_session_touch(st, h, 150));
    int rc = store_session_lookup(st, a, h, &g);
    say("session_lookup rc=%d %s %s %lld %lld %lld", rc, S(g.account_id), S(g.csrf), (long long)g.created_ms,
        (long long)g.expires_ms, (long long)g.last_seen_ms);
    int64_t deleted = -1;
    {
        int rc_ = store_session_purge(st, 500, 120, &deleted);
        say("session_purge rc=%d deleted=%lld", rc_, (long long)deleted);
    }
    say("session_lookup gone rc=%d", store_session_lookup(st, a, h, &g));
    const char *acc = NULL;
    say("link_insert rc=%d", store_login_link_insert(st, l, site, "acc-2", 10, 100));
    rc = store_login_link_consume(st, a, l, site, 20, &acc);
    say("link_consume rc=%d %s", rc, S(acc));
    say("link_consume again rc=%d", store_login_link_consume(st, a, l, site, 21, &acc));
}

static void script_events(store_t *st, arena_t *a, int64_t site, int64_t site_b)
{
    for (int i = 0; i < 3; i++) {
        event_rec_t e = {0,       i ? "avi:jira:updated:issue" : "avi:jira:created:issue",
                         100 + i, i == 2 ? NULL : "acc-1",
                         "10000", "{\"changelog\":[]}"};
        int rc = store_event_append(st, i == 1 ? site_b : site, &e);
        say("event_append rc=%d seq=%lld", rc, (long long)e.seq);
    }
    event_rec_t *v = NULL;
    size_t n = 0;
    say("event_list rc=%d", store_event_list(st, a, site, 0, 10, &v, &n));
    for (size_t i = 0; i < n; i++)
        say("  ev %lld %s %lld %s %s %s", (long long)v[i].seq, S(v[i].kind), (long long)v[i].created_ms,
            S(v[i].actor_account_id), S(v[i].entity_id), S(v[i].payload_json));
}

static void script_comments(store_t *st, arena_t *a, int64_t site)
{
    issue_rec_t got = {0};
    const char *pkey = NULL;
    store_issue_by_key(st, a, site, "WEB", 1, &got, &pkey);
    for (int i = 0; i < 3; i++) {
        comment_rec_t c = {0,
                           got.id,
                           "acc-1",
                           "acc-1",
                           "{\"type\":\"doc\"}",
                           i == 1 ? "{\"type\":\"role\",\"value\":\"Developers\"}" : NULL,
                           200 + i,
                           200 + i};
        int rc = store_comment_insert(st, site, &c);
        say("comment_insert rc=%d id=%lld", rc, (long long)c.id);
    }
    comment_rec_t *v = NULL;
    size_t n = 0;
    int64_t total = 0;
    {
        int rc_ = store_comment_list(st, a, site, got.id, 1, 0, 2, &v, &n, &total);
        say("comment_list desc rc=%d total=%lld", rc_, (long long)total);
    }
    for (size_t i = 0; i < n; i++)
        say("  c %lld %s %s %s %lld", (long long)v[i].id, S(v[i].author_account_id), S(v[i].body_json),
            S(v[i].visibility_json), (long long)v[i].created_ms);
    int64_t restricted = -1;
    {
        int rc_ = store_comment_restricted(st, site, got.id, &restricted);
        say("restricted rc=%d n=%lld", rc_, (long long)restricted);
    }
    if (n) {
        v[0].body_json = "{\"type\":\"doc\",\"v\":2}";
        v[0].update_author_account_id = "acc-2";
        say("comment_update rc=%d", store_comment_update(st, site, &v[0]));
        comment_rec_t g = {0};
        int rc = store_comment_get(st, a, site, v[0].id, &g);
        say("comment_get rc=%d %s %s", rc, S(g.body_json), S(g.update_author_account_id));
        say("comment_delete rc=%d", store_comment_delete(st, site, v[0].id));
        say("comment_get gone rc=%d", store_comment_get(st, a, site, v[0].id, &g));
    }
}

static void script_schedules(store_t *st, arena_t *a, int64_t site, int64_t site_b)
{
    schedule_rec_t r[] = {
        {"inst-1", "tick", site, "app-1", "development", "hour", 3600000, 1000, 1},
        {"inst-2", "tick", site_b, "app-1", "development", "day", 86400000, 2000, 2},
        {"inst-1", "tick", site, "app-1", "development", "fiveMinute", 300000, 3000, 3}, /* replaces the first */
    };
    for (int i = 0; i < 3; i++)
        say("schedule_put rc=%d", store_schedule_put(st, &r[i]));
    say("claim rc=%d", store_schedule_claim(st, "inst-2", "tick", 2000, 2500));
    say("claim again rc=%d", store_schedule_claim(st, "inst-2", "tick", 2000, 2600)); /* the slot is taken */
    say("claim none rc=%d", store_schedule_claim(st, "inst-3", "tick", 1, 1));
    {
        schedule_rec_t *v = NULL;
        size_t n = 0;
        int rc = store_schedule_due(st, a, 2500, 10, &v, &n);
        say("schedule_due rc=%d n=%zu", rc, n);
        for (size_t i = 0; i < n; i++)
            say("  due %s %s %lld", S(v[i].installation_id), S(v[i].module_key), (long long)v[i].next_ms);
        say("schedule_due max rc=%d", store_schedule_due(st, a, 2500, 1, &v, &n));
        say("  n=%zu %s", n, n ? S(v[0].installation_id) : "-");
    }
    for (int k = 0; k < 3; k++) {
        schedule_rec_t *v = NULL;
        size_t n = 0;
        int rc = store_schedule_list(st, a, k == 1 ? "inst-1" : NULL, k == 2 ? site_b : 0, &v, &n);
        say("schedule_list %d rc=%d n=%zu", k, rc, n);
        for (size_t i = 0; i < n; i++)
            say("  s %s %s %s %lld %lld %lld", S(v[i].installation_id), S(v[i].module_key), S(v[i].interval),
                (long long)v[i].interval_ms, (long long)v[i].next_ms, (long long)v[i].created_ms);
    }
    say("schedule_delete rc=%d", store_schedule_delete(st, "inst-1", "tick"));
}

static void script_issue_parts(store_t *st, arena_t *a, int64_t site)
{
    issue_rec_t i1 = {0}, i3 = {0};
    const char *pkey = NULL;
    store_issue_by_key(st, a, site, "WEB", 1, &i1, &pkey);
    store_issue_by_key(st, a, site, "WEB", 3, &i3, &pkey);
    int created = -1;
    {
        int rc_ = store_prop_set(st, site, "issue", "10000", "b", "{\"x\":1}", 10, &created);
        say("prop_set rc=%d created=%d", rc_, created);
    }
    {
        int rc_ = store_prop_set(st, site, "issue", "10000", "a", "[1,2]", 11, &created);
        say("prop_set rc=%d created=%d", rc_, created);
    }
    {
        int rc_ = store_prop_set(st, site, "issue", "10000", "b", "true", 12, &created);
        say("prop_set again rc=%d created=%d", rc_, created);
    }
    prop_rec_t pr = {0};
    int rc = store_prop_get(st, a, site, "issue", "10000", "b", &pr);
    say("prop_get rc=%d %s %s %lld %lld", rc, S(pr.key), S(pr.value_json), (long long)pr.created_ms,
        (long long)pr.updated_ms);
    prop_rec_t *pv = NULL;
    size_t n = 0;
    say("prop_list rc=%d", store_prop_list(st, a, site, "issue", "10000", 1, &pv, &n));
    for (size_t i = 0; i < n; i++)
        say("  prop %s %s", S(pv[i].key), S(pv[i].value_json));
    say("prop_delete rc=%d", store_prop_delete(st, site, "issue", "10000", "a"));
    say("prop_delete none rc=%d", store_prop_delete(st, site, "issue", "10000", "a"));
    say("prop_delete_all rc=%d", store_prop_delete_all(st, site, "issue", "10000"));
    say("prop_get gone rc=%d", store_prop_get(st, a, site, "issue", "10000", "b", &pr));

    link_rec_t l = {0, 10000, i1.id, i3.id, 20};
    say("link_insert rc=%d", store_link_insert(st, site, &l));
    link_rec_t lg = {0};
    rc = store_link_get(st, site, l.id, &lg);
    say("link_get rc=%d type=%lld out=%s in=%s c=%lld", rc, (long long)lg.type_id,
        lg.outward_issue_id == i1.id ? "i1" : "?", lg.inward_issue_id == i3.id ? "i3" : "?", (long long)lg.created_ms);
    link_rec_t *lv = NULL;
    say("links_of_issue rc=%d", store_links_of_issue(st, a, site, i3.id, &lv, &n));
    say("  n=%zu", n);
    say("link_delete rc=%d", store_link_delete(st, site, l.id));
    say("link_get gone rc=%d", store_link_get(st, site, l.id, &lg));

    for (int i = 0; i < 3; i++) {
        worklog_rec_t w = {0,    i1.id,    "acc-1",      "acc-1", i ? NULL : "{\"type\":\"doc\"}",
                           NULL, 1000 + i, 60 * (i + 1), 30 + i,  30 + i,
                           0};
        rc = store_worklog_insert(st, site, &w);
        say("worklog_insert rc=%d id=%lld", rc, (long long)w.id);
    }
    worklog_rec_t *wv = NULL;
    int64_t total = 0;
    {
        int rc_ = store_worklog_list(st, a, site, i1.id, 0, INT64_MAX, 0, 10, &wv, &n, &total);
        say("worklog_list rc=%d total=%lld", rc_, (long long)total);
    }
    for (size_t i = 0; i < n; i++)
        say("  w %lld %s %lld %lld %s", (long long)wv[i].id, S(wv[i].comment_json), (long long)wv[i].started_ms,
            (long long)wv[i].time_spent_s, S(wv[i].author_account_id));
    if (n) {
        say("worklog_delete rc=%d", store_worklog_delete(st, site, wv[0].id, 40));
        say("worklog_changed deleted rc=%d", store_worklog_changed(st, a, site, 1, 0, 10, &wv, &n));
        for (size_t i = 0; i < n; i++)
            say("  w %lld %lld", (long long)wv[i].id, (long long)wv[i].deleted_ms);
    }
}

static void script_journal(store_t *st, arena_t *a, int64_t site, int64_t site_b)
{
    log_rec_t logs[] = {
        {0, site, "inst-1", "app-1", "inv-1", "fn", "INFO", "hello", 100},
        {0, site_b, "inst-2", "app-1", "inv-2", "fn", "ERROR", "other site", 101},
        {0, site, "inst-1", "app-1", "inv-3", "fn", "WARN", "second", 102},
    };
    say("logs_insert rc=%d", store_logs_insert(st, logs, 3));
    log_rec_t *lv = NULL;
    size_t n = 0;
    int rc = store_logs_list(st, a, site, 0, 10, 1, &lv, &n);
    say("logs_list rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  log %s %s %s %s %s %lld", S(lv[i].installation_id), S(lv[i].invocation_id), S(lv[i].level),
            S(lv[i].message), S(lv[i].module_key), (long long)lv[i].time_ms);
    audit_rec_t au[] = {
        {0, 200, 200, site, 1, "api", "product", "acc-1", "app-1", "inst-1", "inv-1", "GET", "/rest/api/3/myself",
         "allowed", NULL, 200},
        {0, 300, 300, site, 2, "api", "product", "acc-1", "app-1", "inst-1", "inv-1", "POST", "/x", "denied", "why",
         403},
    };
    say("audit_insert rc=%d", store_audit_insert(st, au, 2));
    audit_rec_t *av = NULL;
    rc = store_audit_list(st, a, site, 0, 0, 10, &av, &n);
    say("audit_list rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  audit %lld %lld %lld %s %s %s %s %s %s %d", (long long)av[i].time_ms, (long long)av[i].last_ms,
            (long long)av[i].count, S(av[i].kind), S(av[i].actor), S(av[i].method), S(av[i].path), S(av[i].category),
            S(av[i].detail), av[i].status);
    int64_t deleted = -1;
    rc = store_audit_purge(st, 250, &deleted);
    say("audit_purge rc=%d deleted=%lld", rc, (long long)deleted);
    ledger_rec_t le[] = {{0, 400, site, site_b, 42, "egress", "app-1", "inst-1", "inv-1", "https://example.com"}};
    say("ledger_insert rc=%d", store_ledger_insert(st, le, 1));
    ledger_rec_t *ev = NULL;
    rc = store_ledger_list(st, a, site, 0, 0, 10, &ev, &n);
    say("ledger_list rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  ledger %lld %s %lld %lld %s", (long long)ev[i].time_ms, S(ev[i].kind), (long long)ev[i].bytes,
            ev[i].dest_site_id == site_b ? 1LL : 0LL, S(ev[i].destination));
    rc = store_ledger_purge(st, 500, &deleted);
    say("ledger_purge rc=%d deleted=%lld", rc, (long long)deleted);
}

static void say_users(const char *what, store_t *st, arena_t *a, int64_t site, const user_filter_t *f)
{
    user_rec_t *v = NULL;
    size_t n = 0;
    int64_t total = -1;
    int rc = store_user_search(st, a, site, f, &v, &n, &total);
    say("%s rc=%d n=%zu total=%lld", what, rc, n, (long long)total);
    for (size_t i = 0; i < n; i++)
        say_user("  u", 0, &v[i]);
}

static void script_roles(store_t *st, arena_t *a, int64_t site, int64_t site_b)
{
    project_rec_t p = {0};
    store_project_by_key(st, a, site, "WEB", &p);
    user_rec_t u3 = {"acc-3", "zed@example.com", "Ärger Zed", "atlassian", "Etc/UTC", "de_DE", 1};
    user_rec_t u4 = {"acc-4", "Quinn@Example.com", "quinn de Vries", "atlassian", "Etc/UTC", "en_US", 1};
    say("user_insert 3 rc=%d", store_user_insert(st, site, &u3));
    say("user_insert 4 rc=%d", store_user_insert(st, site, &u4));
    say("actor_add rc=%d", store_role_actor_add(st, site, p.id, 10002, "acc-2"));
    say("actor_add again rc=%d", store_role_actor_add(st, site, p.id, 10002, "acc-2"));
    say("actor_add rc=%d", store_role_actor_add(st, site, p.id, 10002, "acc-3"));
    say("actor_add rc=%d", store_role_actor_add(st, site, p.id, 10003, "acc-4"));
    say("actor_add B rc=%d", store_role_actor_add(st, site_b, p.id, 10003, "acc-3"));
    const char **actors = NULL;
    size_t n = 0;
    int rc = store_role_actor_list(st, a, site, p.id, 10002, &actors, &n);
    say("actor_list rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  actor %s", actors[i]);
    say("actor_remove rc=%d", store_role_actor_remove(st, site, p.id, 10002, "acc-3"));
    say("actor_remove none rc=%d", store_role_actor_remove(st, site, p.id, 10002, "acc-3"));
    int64_t roles[] = {10002, 10003};
    int has = -1;
    for (int k = 0; k < 4; k++) {
        const char *who = k < 2 ? "acc-2" : "acc-4";
        int64_t proj = k % 2 ? 0 : p.id;
        rc = store_perm_role_has(st, site, who, proj, "EDIT_ISSUES", roles, k == 2 ? 1 : 2, &has);
        say("perm_role_has %s %d rc=%d has=%d", who, k, rc, has);
    }
    rc = store_perm_role_has(st, site, "acc-1", p.id, "BROWSE_PROJECTS", roles, 2, &has);
    say("perm_role_has grant rc=%d has=%d", rc, has);
    char projects[64], perms[160];
    snprintf(projects, sizeof projects, "[%lld]", (long long)p.id);
    snprintf(perms, sizeof perms, "[{\"p\":\"EDIT_ISSUES\",\"r\":[10003]}]");
    const user_filter_t filters[] = {
        {.max_results = 10},
        {.query = "u", .max_results = 10},
        {.query = "de", .max_results = 10},
        {.query = "quinn@", .max_results = 10},
        {.query = "\xc3\xa4rger", .max_results = 10}, /* SQLite's lower() folds ASCII only */
        {.account_ids_json = "[\"acc-2\",\"acc-4\"]", .max_results = 10},
        {.perms_json = perms, .projects_json = projects, .max_results = 10},
        {.perms_json = "[{\"p\":\"BROWSE_PROJECTS\",\"r\":[]}]", .max_results = 10},
        {.perms_json = "[{\"p\":\"BROWSE_PROJECTS\",\"r\":[10002]}]", .projects_json = projects, .max_results = 10},
        {.active_only = 1, .start_at = 1, .max_results = 2},
        {.query = "nobody", .max_results = 10},
        {.start_at = 10, .max_results = 10},
    };
    for (size_t i = 0; i < sizeof filters / sizeof *filters; i++) {
        char what[32];
        snprintf(what, sizeof what, "user_search %zu", i);
        say_users(what, st, a, site, &filters[i]);
    }
    say("actor_clear rc=%d", store_role_actor_clear(st, site, p.id, 10002));
    rc = store_role_actor_list(st, a, site, p.id, 10002, &actors, &n);
    say("actor_list cleared rc=%d n=%zu", rc, n);
}

static void say_devops(store_t *st, arena_t *a, int64_t site, const char *key)
{
    devops_rec_t e = {0};
    int rc = store_devops_get(st, a, site, "bot-1", "build", key, &e);
    say("devops_get %s rc=%d %s %s %s %lld %s %s %lld", key, rc, S(e.app_id), S(e.kind), S(e.entity_key),
        (long long)e.update_sequence, S(e.doc_json), S(e.properties_json), (long long)e.updated_ms);
}

static void script_devops(store_t *st, arena_t *a, int64_t site, int64_t site_b)
{
    const char *keys[] = {"WEB-1", "WEB-2", "WEB-1"};
    devops_rec_t e[] = {
        {"bot-1", "build", "b1", 5, "{\"n\":1}", "{\"repo\":\"r1\",\"env\":\"prod\"}", 100},
        {"bot-1", "build", "b2", 1, "{\"n\":2}", "{\"repo\":\"r1\",\"env\":\"dev\",\"n\":7}", 101},
        {"bot-1", "build", "b3", 1, "{\"n\":3}", NULL, 102},
        {"bot-1", "build", "b4", 9, "{\"n\":4}", "{\"repo\":\"r2\"}", 103},
    };
    for (int i = 0; i < 4; i++)
        say("devops_put %d rc=%d", i, store_devops_put(st, site, &e[i], keys, 3));
    say("devops_put B rc=%d", store_devops_put(st, site_b, &e[0], keys, 1));
    devops_rec_t old = e[0];
    old.update_sequence = 5;
    old.doc_json = "{\"n\":0}";
    say("devops_put stale rc=%d", store_devops_put(st, site, &old, keys, 1));
    old.update_sequence = 6;
    say("devops_put newer rc=%d", store_devops_put(st, site, &old, keys + 1, 1));
    say_devops(st, a, site, "b1");
    say("devops_delete stale rc=%d", store_devops_delete(st, site, "bot-1", "build", "b1", 5));
    say("devops_delete rc=%d", store_devops_delete(st, site, "bot-1", "build", "b1", -1));
    say_devops(st, a, site, "b1");
    /* a string "7" is not the number 7; b4's sequence 9 is past 8 */
    const char *props[] = {"{\"repo\":\"r1\",\"n\":\"7\"}", "{\"repo\":\"r1\",\"n\":7}", "{\"env\":\"nope\"}",
                           "{\"repo\":\"r2\"}", "{\"repo\":\"r2\"}"};
    for (int i = 0; i < 5; i++) {
        int64_t deleted = -1;
        int rc = store_devops_delete_by_props(st, site, "bot-1", "build", props[i], i == 3 ? 8 : -1, &deleted);
        say("devops_delete_by_props %d rc=%d deleted=%lld", i, rc, (long long)deleted);
    }
    say_devops(st, a, site, "b2");
    say_devops(st, a, site, "b3");
    say_devops(st, a, site, "b4");
}

static void say_delivery(const char *what, int rc, const delivery_rec_t *d)
{
    say("%s rc=%d id=%lld site=%lld %s %s %s src=%d %s %s %s %s %s %s %lld %s st=%d att=%lld due=%lld c=%lld "
        "u=%lld seq=%lld %s %s %s",
        what, rc, (long long)d->id, (long long)d->site_id, S(d->installation_id), S(d->app_id), S(d->env_key),
        d->source, S(d->module_key), S(d->event_type), S(d->event_id), S(d->job_id), S(d->order_key), S(d->conc_key),
        (long long)d->conc_limit, S(d->payload_json), d->state, (long long)d->attempts, (long long)d->due_ms,
        (long long)d->created_ms, (long long)d->updated_ms, (long long)d->source_seq, S(d->last_error),
        S(d->retry_reason), S(d->retry_data_json));
}

static void script_deliveries(store_t *st, arena_t *a, int64_t site, int64_t site_b)
{
    int64_t ids[6] = {0};
    for (int i = 0; i < 6; i++) {
        delivery_rec_t d = {.site_id = i == 5 ? site_b : site,
                            .installation_id = i < 3   ? "inst-d1"
                                               : i < 5 ? "inst-d2"
                                                       : "inst-d3",
                            .app_id = "app-1",
                            .env_key = "development",
                            .source = i < 2 ? DLV_SRC_QUEUE : DLV_SRC_PRODUCT,
                            .module_key = "m",
                            .event_type = i < 2 ? "q1" : "avi:jira:updated:issue",
                            .event_id = "ev",
                            .job_id = i < 2 ? "job-1" : NULL,
                            .order_key = i >= 2 && i < 5 ? "10000" : NULL,
                            .conc_key = i < 2 ? "ck" : NULL,
                            .conc_limit = i < 2 ? 1 : 0,
                            .payload_json = "{}",
                            .due_ms = 1000 + (i == 0 ? 500 : i),
                            .created_ms = 900 + i,
                            .source_seq = i};
        int rc = store_delivery_insert(st, &d);
        ids[i] = d.id;
        say("delivery_insert rc=%d", rc);
    }
    const char **inst = NULL;
    size_t n = 0;
    int rc = store_delivery_due_installations(st, a, 1003, 10, &inst, &n);
    say("due_installations rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  inst %s", inst[i]);
    delivery_rec_t *v = NULL;
    rc = store_delivery_due(st, a, "inst-d1", 2000, 10, &v, &n);
    say("due rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say_delivery("  due", 0, &v[i]);
    say("start rc=%d", store_delivery_start(st, ids[0], 2000, "node-1", 2450));
    say("start again rc=%d", store_delivery_start(st, ids[0], 2001, "node-2", 2450));
    say("start rc=%d", store_delivery_start(st, ids[2], 2000, "node-1", 2450));
    int64_t k = -1;
    {
        int rc_ = store_delivery_running_key(st, "inst-d1", "ck", &k);
        say("running_key rc=%d n=%lld", rc_, (long long)k);
    }
    int blocked = -1;
    for (int i = 2; i < 5; i++) {
        int rc_ = store_delivery_order_blocked(st, i == 2 ? "inst-d1" : "inst-d2", "10000", ids[i], &blocked);
        say("order_blocked %d rc=%d blocked=%d", i, rc_, blocked);
    }
    say("finish other node rc=%d", store_delivery_finish(st, ids[0], "node-2", DLV_DEAD, 0, "x", NULL, NULL, 2100));
    say("finish rc=%d", store_delivery_finish(st, ids[0], "node-1", DLV_DEAD, 0, "boom", "r", "{\"a\":1}", 2100));
    say("finish rc=%d", store_delivery_finish(st, ids[2], "node-1", DLV_DELIVERED, 0, NULL, NULL, NULL, 2100));
    delivery_rec_t g = {0};
    say_delivery("get", store_delivery_get(st, a, ids[0], &g), &g);
    int64_t s1 = -1, s2 = -1, s3 = -1;
    rc = store_delivery_job_stats(st, "inst-d1", "q1", "job-1", &s1, &s2, &s3);
    say("job_stats rc=%d %lld %lld %lld", rc, (long long)s1, (long long)s2, (long long)s3);
    say("job_stats other queue rc=%d", store_delivery_job_stats(st, "inst-d1", "q2", "job-1", &s1, &s2, &s3));
    {
        int rc_ = store_delivery_job_cancel(st, "inst-d1", "q1", "job-1", 2200, &k);
        say("job_cancel rc=%d n=%lld", rc_, (long long)k);
    }
    say("replay rc=%d", store_delivery_replay(st, ids[0], 2300));
    say("replay again rc=%d", store_delivery_replay(st, ids[0], 2300));
    /* leases far longer or shorter than the script's run: PostgreSQL keeps them on its own
       clock (the caller's times say only how long), SQLite on the times given; both agree */
    say("start rc=%d", store_delivery_start(st, ids[3], 2400, "node-1", 2400 + 600000));
    say("start rc=%d", store_delivery_start(st, ids[4], 2400, "node-2", 2400 + 600000));
    {
        char idl[96];
        snprintf(idl, sizeof idl, "[%lld,%lld,%lld]", (long long)ids[3], (long long)ids[4], (long long)ids[0]);
        int rc_ = store_delivery_renew(st, "node-1", idl, 2600, 2600 + 600000, &k);
        say("renew rc=%d n=%lld", rc_, (long long)k);
        rc_ = store_delivery_recover(st, 2450, 0, &k);
        say("recover none expired rc=%d n=%lld", rc_, (long long)k);
        snprintf(idl, sizeof idl, "[%lld]", (long long)ids[4]);
        rc_ = store_delivery_renew(st, "node-2", idl, 2400, 2400 - 600000, &k); /* lapsed already */
        say("renew lapsed rc=%d n=%lld", rc_, (long long)k);
        rc_ = store_delivery_recover(st, 2500, 0, &k);
        say("recover expired rc=%d n=%lld", rc_, (long long)k);
        rc_ = store_delivery_get(st, a, ids[4], &g);
        say("recovered rc=%d state=%d due=%lld", rc_, g.state, (long long)g.due_ms);
        rc_ = store_delivery_start(st, ids[4], 2500, "node-2", 99999);
        say("start rc=%d", rc_);
        rc_ = store_delivery_recover_owner(st, "node-2", 2510, &k);
        say("recover owner rc=%d n=%lld", rc_, (long long)k);
        rc_ = store_delivery_recover(st, 2500, 1, &k);
        say("recover all rc=%d n=%lld", rc_, (long long)k);
    }
    {
        int rc_ = store_delivery_drop_installation(st, "inst-d2", "gone", 2600, &k);
        say("drop rc=%d n=%lld", rc_, (long long)k);
    }
    int64_t counts[DLV__STATES] = {0};
    rc = store_delivery_counts(st, NULL, counts);
    say("counts rc=%d %lld %lld %lld %lld %lld %lld", rc, (long long)counts[0], (long long)counts[1],
        (long long)counts[2], (long long)counts[3], (long long)counts[4], (long long)counts[5]);
    rc = store_delivery_counts(st, "app-none", counts);
    say("counts none rc=%d %lld %lld", rc, (long long)counts[0], (long long)counts[2]);
    const delivery_filter_t filters[] = {
        {.state = -1, .limit = 10},
        {.site_id = site, .state = -1, .limit = 2},
        {.installation_id = "inst-d2", .state = 5, .limit = 10},
        {.app_id = "app-1", .state = 0, .after_id = ids[0], .limit = 10},
    };
    for (int i = 0; i < 4; i++) {
        rc = store_delivery_list(st, a, &filters[i], &v, &n);
        say("list %d rc=%d n=%zu", i, rc, n);
        for (size_t j = 0; j < n; j++)
            say("  d %lld st=%d due=%lld u=%lld %s", (long long)(v[j].id - ids[0]), v[j].state, (long long)v[j].due_ms,
                (long long)v[j].updated_ms, S(v[j].last_error));
    }
    for (int i = 0; i < 3; i++)
        say("chain_take %d rc=%d", i, store_queue_chain_take(st, "inst-d1", "root", 2, 3000 + i));
    int64_t seq = -1;
    say("cursor_set rc=%d", store_event_cursor_set(st, site, 1));
    {
        int rc_ = store_event_cursor_get(st, site, &seq);
        say("cursor_get rc=%d %lld", rc_, (long long)seq);
    }
    int64_t *sites = NULL;
    rc = store_event_sites_behind(st, a, &sites, &n);
    say("sites_behind rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  behind %s", sites[i] == site ? "A" : sites[i] == site_b ? "B" : "?");
    {
        int rc_ = store_delivery_prune(st, 2700, 2350, 10, &k);
        say("prune rc=%d n=%lld", rc_, (long long)k);
    }
    rc = store_delivery_list(st, a, &filters[0], &v, &n);
    say("after prune rc=%d n=%zu", rc, n);
}

static void say_field(const char *what, int rc, const field_rec_t *f)
{
    say("%s rc=%d %s %s %s %s %s %lld", what, rc, S(f->id), S(f->name), S(f->description), S(f->type),
        S(f->options_json), (long long)f->created_ms);
}

static void say_ids(const char *what, int rc, const int64_t *v, size_t n)
{
    char line[512] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof line - 24; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, " %lld", (long long)v[i]);
    say("%s rc=%d n=%zu%s", what, rc, n, line);
}

static void script_fields(store_t *st, arena_t *a, int64_t site)
{
    issue_rec_t i1 = {0}, i3 = {0};
    const char *pkey = NULL;
    store_issue_by_key(st, a, site, "WEB", 1, &i1, &pkey);
    store_issue_by_key(st, a, site, "WEB", 3, &i3, &pkey);
    field_rec_t f[] = {{NULL, "Team", "who", "select", "[{\"id\":\"1\",\"value\":\"A\"}]", 50},
                       {NULL, "Points", NULL, "number", NULL, 51},
                       {NULL, "TEAM", NULL, "string", NULL, 52}};
    for (int i = 0; i < 3; i++) {
        int rc = store_field_insert(st, a, site, &f[i]);
        say("field_insert rc=%d id=%s", rc, i < 2 ? S(f[i].id) : "-");
    }
    field_rec_t g = {0};
    say_field("field_get", store_field_get(st, a, site, f[1].id, &g), &g);
    memset(&g, 0, sizeof g);
    say_field("field_by_name", store_field_by_name(st, a, site, "team", &g), &g);
    field_rec_t *fv = NULL;
    size_t n = 0;
    int rc = store_field_list(st, a, site, &fv, &n);
    say("field_list rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say_field("  f", 0, &fv[i]);
    field_value_t vals[] = {{NULL, 0, "A", 0, 0}, {NULL, 0, NULL, 2.5, 1}, {NULL, 0, "x", 1e300, 1}};
    say("values_set rc=%d", store_field_values_set(st, site, i1.id, f[0].id, vals, 1));
    say("values_set rc=%d", store_field_values_set(st, site, i1.id, f[1].id, vals + 1, 2));
    field_value_t *vv = NULL;
    rc = store_field_values_get(st, a, site, i1.id, &vv, &n);
    say("values_get rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  v %s %lld %s %.17g %d", S(vv[i].field_id), (long long)vv[i].seq, S(vv[i].str), vv[i].num, vv[i].has_num);
    say("values_set clear rc=%d", store_field_values_set(st, site, i1.id, f[1].id, NULL, 0));
    rc = store_field_values_get(st, a, site, i1.id, &vv, &n);
    say("values_get rc=%d n=%zu", rc, n);
    const char *l1[] = {"zeta", "Alpha", "zeta", "beta"}, *l3[] = {"beta", "gamma"};
    say("labels_set rc=%d", store_labels_set(st, site, i1.id, l1, 4));
    say("labels_set rc=%d", store_labels_set(st, site, i3.id, l3, 2));
    const char **lv = NULL;
    rc = store_labels_get(st, a, site, i1.id, &lv, &n);
    say("labels_get rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  l %s", lv[i]);
    int64_t total = -1;
    const struct {
        const char *viewer, *roles;
        int64_t start, max;
    } lq[] = {{NULL, NULL, 0, 10},
              {NULL, NULL, 1, 2},
              {"acc-1", NULL, 0, 10},
              {"acc-2", "[10002]", 0, 10},
              {"acc-9", "[10002]", 0, 10}};
    for (size_t k = 0; k < sizeof lq / sizeof *lq; k++) {
        rc = store_labels_list(st, a, site, lq[k].viewer, lq[k].roles, lq[k].start, lq[k].max, &lv, &n, &total);
        say("labels_list %zu rc=%d n=%zu total=%lld", k, rc, n, (long long)total);
        for (size_t i = 0; i < n; i++)
            say("  l %s", lv[i]);
    }
}

static void script_catalog(store_t *st, arena_t *a, int64_t site)
{
    project_rec_t p = {0};
    store_project_by_key(st, a, site, "WEB", &p);
    issue_rec_t i1 = {0};
    const char *pkey = NULL;
    store_issue_by_key(st, a, site, "WEB", 1, &i1, &pkey);
    component_rec_t c[] = {{0, p.id, "UI", "the ui", "acc-1", "COMPONENT_LEAD"},
                           {0, p.id, "API", NULL, NULL, "PROJECT_DEFAULT"}};
    for (int i = 0; i < 2; i++) {
        int rc = store_component_insert(st, site, &c[i]);
        say("component_insert rc=%d", rc);
    }
    c[1].description = "rest";
    say("component_update rc=%d", store_component_update(st, site, &c[1]));
    component_rec_t *cv = NULL;
    size_t n = 0;
    int rc = store_component_list(st, a, site, p.id, &cv, &n);
    say("component_list rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  c %lld %s %s %s %s", (long long)(cv[i].id - c[0].id), S(cv[i].name), S(cv[i].description),
            S(cv[i].lead_account_id), S(cv[i].assignee_type));
    pversion_rec_t v[] = {{0, p.id, "1.0", "first", 1, 0, "2026-01-01", "2026-02-01"},
                          {0, p.id, "2.0", NULL, 0, 0, NULL, NULL}};
    for (int i = 0; i < 2; i++)
        say("pversion_insert rc=%d", store_pversion_insert(st, site, &v[i]));
    v[1].archived = 1;
    say("pversion_update rc=%d", store_pversion_update(st, site, &v[1]));
    pversion_rec_t g = {0};
    rc = store_pversion_get(st, a, site, v[0].id, &g);
    say("pversion_get rc=%d %s %s %d %d %s %s", rc, S(g.name), S(g.description), g.released, g.archived,
        S(g.start_date), S(g.release_date));
    pversion_rec_t *vv = NULL;
    rc = store_pversion_list(st, a, site, p.id, &vv, &n);
    say("pversion_list rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  v %s %d %d", S(vv[i].name), vv[i].released, vv[i].archived);
    int64_t cids[] = {c[0].id, c[1].id, c[0].id}, vids[] = {v[0].id, v[1].id};
    say("issue_components_set rc=%d", store_issue_components_set(st, site, i1.id, cids, 3));
    say("issue_versions_set rc=%d", store_issue_versions_set(st, site, i1.id, 0, vids, 2));
    say("issue_versions_set fix rc=%d", store_issue_versions_set(st, site, i1.id, 1, vids + 1, 1));
    int64_t *ids = NULL;
    rc = store_issue_components_get(st, a, site, i1.id, &ids, &n);
    for (size_t i = 0; i < n; i++)
        ids[i] -= c[0].id;
    say_ids("issue_components_get", rc, ids, n);
    for (int kind = 0; kind < 2; kind++) {
        rc = store_issue_versions_get(st, a, site, i1.id, kind, &ids, &n);
        for (size_t i = 0; i < n; i++)
            ids[i] -= v[0].id;
        say_ids("issue_versions_get", rc, ids, n);
    }
    say("component_move rc=%d", store_component_move(st, site, c[0].id, c[1].id));
    rc = store_issue_components_get(st, a, site, i1.id, &ids, &n);
    for (size_t i = 0; i < n; i++)
        ids[i] -= c[0].id;
    say_ids("after move", rc, ids, n);
    say("pversion_move rc=%d", store_pversion_move(st, site, v[0].id, 0, 0));
    rc = store_issue_versions_get(st, a, site, i1.id, 0, &ids, &n);
    for (size_t i = 0; i < n; i++)
        ids[i] -= v[0].id;
    say_ids("after version move", rc, ids, n);
    say("component_delete rc=%d", store_component_delete(st, site, c[0].id));
    say("component_get gone rc=%d", store_component_get(st, a, site, c[0].id, &cv[0]));
    say("pversion_delete rc=%d", store_pversion_delete(st, site, v[0].id));
    say("pversion_delete again rc=%d", store_pversion_delete(st, site, v[0].id));
}

static void script_changelog(store_t *st, arena_t *a, int64_t site)
{
    issue_rec_t i1 = {0};
    const char *pkey = NULL;
    store_issue_by_key(st, a, site, "WEB", 1, &i1, &pkey);
    change_item_t items[] = {{"status", "jira", "status", "1", "To Do", "3", "Done"},
                             {"summary", "jira", "summary", NULL, "Parent", NULL, "Parent 2"},
                             {"labels", "jira", NULL, NULL, NULL, NULL, "x"}};
    for (int i = 0; i < 3; i++) {
        change_group_t g = {0, i1.id, i == 1 ? NULL : "acc-1", 600 + i, items + i, i == 2 ? 1 : 2 - (i == 1)};
        int rc = store_changelog_append(st, site, &g);
        say("changelog_append rc=%d", rc);
    }
    change_group_t none = {0, i1.id, "acc-1", 700, items, 0};
    say("changelog_append empty rc=%d", store_changelog_append(st, site, &none));
    change_group_t *gv = NULL;
    size_t n = 0;
    int64_t total = -1;
    for (int k = 0; k < 2; k++) {
        int rc = store_changelog_list(st, a, site, i1.id, k, k ? 1 : 10, &gv, &n, &total);
        say("changelog_list rc=%d n=%zu total=%lld", rc, n, (long long)total);
        for (size_t i = 0; i < n; i++) {
            say("  g %s %lld %zu", S(gv[i].author_account_id), (long long)gv[i].created_ms, gv[i].nitems);
            for (size_t j = 0; j < gv[i].nitems; j++) {
                const change_item_t *it = &gv[i].items[j];
                say("    %s %s %s %s %s %s %s", S(it->field), S(it->fieldtype), S(it->field_id), S(it->from_id),
                    S(it->from_string), S(it->to_id), S(it->to_string));
            }
        }
    }
}

static void say_issues(const char *what, int rc, const issue_rec_t *v, size_t n, int64_t total)
{
    say("%s rc=%d n=%zu total=%lld", what, rc, n, (long long)total);
    for (size_t i = 0; i < n; i++)
        say("  i %lld %s", (long long)v[i].num, S(v[i].rank));
}

static void script_agile(store_t *st, arena_t *a, int64_t site)
{
    project_rec_t p = {0};
    store_project_by_key(st, a, site, "WEB", &p);
    issue_rec_t i1 = {0}, i3 = {0};
    const char *pkey = NULL;
    store_issue_by_key(st, a, site, "WEB", 1, &i1, &pkey);
    store_issue_by_key(st, a, site, "WEB", 3, &i3, &pkey);
    board_rec_t b = {0, "Web board", "scrum", p.id, "project = WEB ORDER BY Rank", 800};
    say("board_insert rc=%d", store_board_insert(st, site, &b));
    board_rec_t bg = {0};
    int rc = store_board_get(st, a, site, b.id, &bg);
    say("board_get rc=%d %s %s %s %lld", rc, S(bg.name), S(bg.type), S(bg.filter_jql), (long long)bg.created_ms);
    board_rec_t *bv = NULL;
    size_t n = 0;
    rc = store_board_list(st, a, site, &bv, &n);
    say("board_list rc=%d n=%zu", rc, n);
    sprint_rec_t sp[] = {{0, b.id, "S1", "active", "", 900, 1900, 0, 850},
                         {0, b.id, "S2", "future", "ship", 0, 0, 0, 851}};
    for (int i = 0; i < 2; i++)
        say("sprint_insert rc=%d", store_sprint_insert(st, site, &sp[i]));
    sp[0].state = "closed";
    sp[0].complete_ms = 1950;
    say("sprint_update rc=%d", store_sprint_update(st, site, &sp[0]));
    sprint_rec_t *sv = NULL;
    rc = store_sprint_list(st, a, site, b.id, &sv, &n);
    say("sprint_list rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  s %s %s %s %lld %lld %lld %lld", S(sv[i].name), S(sv[i].state), S(sv[i].goal), (long long)sv[i].start_ms,
            (long long)sv[i].end_ms, (long long)sv[i].complete_ms, (long long)sv[i].created_ms);
    say("issue_sprint_set rc=%d", store_issue_sprint_set(st, site, i1.id, sp[0].id));
    say("issue_sprint_set rc=%d", store_issue_sprint_set(st, site, i1.id, sp[1].id));
    rc = store_issue_sprints(st, a, site, i1.id, &sv, &n);
    say("issue_sprints rc=%d n=%zu", rc, n);
    for (size_t i = 0; i < n; i++)
        say("  s %s", S(sv[i].name));
    say("rank_set rc=%d", store_issue_rank_set(st, site, i3.id, "0|hzzzzz:"));
    say("rank_set rc=%d", store_issue_rank_set(st, site, i1.id, "0|i00000:"));
    for (int above = 0; above < 2; above++) {
        const char *r = NULL;
        rc = store_issue_rank_neighbour(st, a, site, "0|hzzzzz:", above, &r);
        say("rank_neighbour %d rc=%d %s", above, rc, S(r));
    }
    char projects[32];
    snprintf(projects, sizeof projects, "[%lld]", (long long)p.id);
    const agile_query_t q[] = {
        {.mode = AQ_PROJECT, .project_id = p.id, .epic_type = 10000, .subtask_type = 10003, .max_results = 10},
        {.mode = AQ_BACKLOG, .project_id = p.id, .epic_type = 10000, .subtask_type = 10003, .max_results = 10},
        {.mode = AQ_SPRINT, .project_id = p.id, .sprint_id = sp[1].id, .max_results = 10},
        {.mode = AQ_EPIC, .project_id = p.id, .epic_id = i1.id, .max_results = 10},
        {.mode = AQ_NO_EPIC, .projects_json = projects, .epic_type = 10000, .subtask_type = 10003, .max_results = 10},
        {.mode = AQ_EPICS, .project_id = p.id, .epic_type = 10001, .max_results = 10},
        {.mode = AQ_PROJECT, .project_id = p.id, .exclude_status = "[3]", .only_status = "[1,2]", .max_results = 1},
        {.mode = AQ_PROJECT, .project_id = p.id, .only_ids = "[10000]", .start_at = 0, .max_results = 10},
        {.mode = AQ_PROJECT, .project_id = p.id, .start_at = 5, .max_results = 10},
    };
    for (size_t k = 0; k < sizeof q / sizeof *q; k++) {
        issue_rec_t *v = NULL;
        int64_t total = -1;
        rc = store_agile_issues(st, a, site, &q[k], &v, &n, &total);
        char what[32];
        snprintf(what, sizeof what, "agile_issues %zu", k);
        say_issues(what, rc, v, n, total);
    }
    say("sprint_delete rc=%d", store_sprint_delete(st, site, sp[1].id));
    rc = store_issue_sprints(st, a, site, i1.id, &sv, &n);
    say("issue_sprints after rc=%d n=%zu", rc, n);
    say("board_delete rc=%d", store_board_delete(st, site, b.id));
    say("board_get gone rc=%d", store_board_get(st, a, site, b.id, &bg));
}

static int64_t add_issue(store_t *st, int64_t site, int64_t project, const char *summary, const char *desc,
                         const char *assignee, int64_t status, int64_t created)
{
    issue_rec_t is = {.project_id = project,
                      .issuetype_id = 10001,
                      .status_id = status,
                      .priority_id = 3,
                      .summary = summary,
                      .description_json = desc,
                      .reporter_account_id = "acc-1",
                      .creator_account_id = "acc-1",
                      .assignee_account_id = assignee,
                      .original_estimate_s = status == 3 ? 100 : -1,
                      .remaining_estimate_s = -1,
                      .time_spent_s = status == 3 ? 37 : -1,
                      .rank = "",
                      .created_ms = created,
                      .updated_ms = created,
                      .status_changed_ms = created};
    int rc = store_issue_insert(st, site, &is);
    say("issue_insert rc=%d num=%lld", rc, (long long)is.num);
    return is.id;
}

/* Runs q: its count, then its page as issue keys. */
static void say_search(store_t *st, int64_t site, const char *what, const ss_node_t *where, const ss_sort_t *order,
                       size_t norder, int64_t start, int64_t max)
{
    arena_t *a = arena_new(1 << 20); /* a search's SQL is built in it */
    ss_query_t q = {.where = where, .order = order, .norder = norder, .start_at = start, .max = max};
    issue_rec_t *v = NULL;
    const char **keys = NULL;
    size_t n = 0;
    int64_t total = -1;
    int rc = store_search(st, a, site, &q, &v, &keys, &n, &total);
    char line[1024] = "";
    size_t len = 0;
    for (size_t i = 0; i < n && len < sizeof line - 32; i++)
        len += (size_t)snprintf(line + len, sizeof line - len, " %s-%lld", S(keys[i]), (long long)v[i].num);
    say("search %s rc=%d total=%lld n=%zu:%s", what, rc, (long long)total, n, line);
    arena_free(a);
}

#define TEXT(bits, pat)                                                                                                \
    {                                                                                                                  \
        .kind = SS_TEXT, .text = (bits), .pattern = (pat)                                                              \
    }
#define I(v)                                                                                                           \
    {                                                                                                                  \
        0, (v), NULL, 0                                                                                                \
    }
#define T(v)                                                                                                           \
    {                                                                                                                  \
        1, 0, (v), 0                                                                                                   \
    }

static void script_search(store_t *st, arena_t *a, int64_t site)
{
    project_rec_t mob = {0};
    store_project_by_key(st, a, site, "MOB", &mob);
    const char *doc = "{\"type\":\"doc\",\"content\":[{\"type\":\"paragraph\",\"content\":[{\"type\":\"text\","
                      "\"text\":\"The quick brown fox\\njumps; caf\\u00e9 na\\\"ive\"}]}]}";
    add_issue(st, site, mob.id, "Hello world", doc, "acc-2", 1, 1700000005000);
    add_issue(st, site, mob.id, "Café au lait, HELLO-there", NULL, NULL, 3, 1700000005001);
    add_issue(st, site, mob.id, "x2 y_z \"quoted\" ünïcode", "{\"text\": \"text\", \"other\":\"world\"}", "acc-1", 2,
              1700000005002);
    int64_t mob4 = add_issue(st, site, mob.id, "brown foxes", NULL, NULL, 1, 1700000005003);
    comment_rec_t cm = {0, mob4, "acc-1", "acc-1", "{\"content\":[{\"text\":\"a comment about llamas\"}]}", NULL, 1, 1};
    say("comment_insert rc=%d", store_comment_insert(st, site, &cm));
    field_rec_t f = {0};
    store_field_by_name(st, a, site, "Points", &f);
    /* MOB-4's value has a number and a text: it sorts by its number alone, tied with MOB-2's */
    field_value_t fv[] = {
        {NULL, 0, "a", 3, 1}, {NULL, 0, "pear", 0, 0}, {NULL, 0, NULL, 3, 1}, {NULL, 0, NULL, -1.5, 1}};
    for (int i = 0; i < 4; i++)
        say("values_set rc=%d", store_field_values_set(st, site, mob4 - i, f.id, &fv[i], 1));

    ss_val_t st13[] = {I(1), I(3)}, asg[] = {T("acc-2"), T(NULL)}, due[] = {T("2026-01-01")}, beta[] = {T("beta")},
             zeta[] = {T("zeta")}, pear[] = {T("pear")}, one[] = {{2, 0, NULL, 1.0}}, done[] = {T("3")},
             ratio[] = {I(30)};
    ss_node_t text[] = {
        TEXT(SS_T_SUMMARY, "hello"),
        TEXT(SS_T_SUMMARY, "hel*"),
        TEXT(SS_T_SUMMARY, "h?llo wor*"),
        TEXT(SS_T_SUMMARY | SS_T_DESCRIPTION, "\"quick brown\""),
        TEXT(SS_T_DESCRIPTION, "\"brown quick\""),
        TEXT(SS_T_DESCRIPTION, "jumps caf*"),
        TEXT(SS_T_DESCRIPTION, "ive"),
        TEXT(SS_T_DESCRIPTION, "world"),
        TEXT(SS_T_SUMMARY, "CAFÉ"),
        TEXT(SS_T_SUMMARY, "caf?"),
        TEXT(SS_T_SUMMARY, "caf??"),
        TEXT(SS_T_SUMMARY, "ünïcode x2"),
        TEXT(SS_T_SUMMARY, "* fox*"),
        TEXT(SS_T_SUMMARY, "!!"),
        TEXT(SS_T_COMMENT, "llama*"),
        TEXT(SS_T_SUMMARY | SS_T_DESCRIPTION | SS_T_ENVIRONMENT | SS_T_COMMENT, "brown"),
        TEXT(0, "brown"),
    };
    for (size_t i = 0; i < sizeof text / sizeof *text; i++) {
        char what[96];
        snprintf(what, sizeof what, "text %zu %s", i, text[i].pattern);
        say_search(st, site, what, &text[i], NULL, 0, 0, 50);
        ss_node_t *kid = &text[i], not = {.kind = SS_NOT, .kids = &kid, .n = 1};
        snprintf(what, sizeof what, "not text %zu", i);
        say_search(st, site, what, &not, NULL, 0, 0, 50);
    }
    ss_node_t cols[] = {
        {.kind = SS_COL, .col = SS_C_STATUS, .op = SS_IN, .vals = st13, .nvals = 2},
        {.kind = SS_COL, .col = SS_C_ASSIGNEE, .op = SS_IN, .vals = asg, .nvals = 2},
        {.kind = SS_COL, .col = SS_C_ASSIGNEE, .op = SS_NOT_IN, .vals = asg, .nvals = 1},
        {.kind = SS_COL, .col = SS_C_DUEDATE, .op = SS_GE, .vals = due, .nvals = 1},
        {.kind = SS_COL, .col = SS_C_STATUS, .op = SS_IN, .vals = st13, .nvals = 0},
        {.kind = SS_COL, .col = SS_C_RESOLVED, .op = SS_NULL},
        {.kind = SS_COL, .col = SS_C_WORK_RATIO, .op = SS_GE, .vals = ratio, .nvals = 1},
        {.kind = SS_REL, .col = SS_R_LABEL, .op = SS_EQ, .vals = beta, .nvals = 1},
        {.kind = SS_REL, .col = SS_R_LABEL, .op = SS_NOT_IN, .vals = zeta, .nvals = 1},
        {.kind = SS_REL, .col = SS_R_LABEL, .op = SS_NULL},
        {.kind = SS_REL, .col = SS_R_CF_STR, .op = SS_EQ, .field_id = f.id, .vals = pear, .nvals = 1},
        {.kind = SS_REL, .col = SS_R_CF_NUM, .op = SS_GT, .field_id = f.id, .vals = one, .nvals = 1},
        {.kind = SS_REL, .col = SS_R_SPRINT_STATE, .op = SS_NOT_NULL},
        {.kind = SS_HIST, .hist_field = "status", .changed = 1, .to = done, .nto = 1},
        {.kind = SS_HIST, .hist_field = "status", .col = SS_C_STATUS, .vals = done, .nvals = 1},
        {.kind = SS_HIST, .hist_field = "status", .col = SS_C_STATUS, .vals = done, .nvals = 1, .before_ms = 601},
        {.kind = SS_HIST, .hist_field = "status", .col = -1, .vals = done, .nvals = 1, .by = "acc-1", .after_ms = 1},
        {.kind = SS_HIST, .changed = 1, .after_ms = 601},
        {.kind = SS_TRUE},
        {.kind = SS_FALSE},
        {.kind = SS_AND},
        {.kind = SS_OR},
    };
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        char what[32];
        snprintf(what, sizeof what, "clause %zu", i);
        say_search(st, site, what, &cols[i], NULL, 0, 0, 50);
        ss_node_t *kid = &cols[i], not = {.kind = SS_NOT, .kids = &kid, .n = 1};
        snprintf(what, sizeof what, "not clause %zu", i);
        say_search(st, site, what, &not, NULL, 0, 0, 50);
    }
    /* nested deeper than SPLIT_DEPTH: compiled apart, as common table expressions */
    ss_node_t deep[20], *kids[20][2];
    for (int i = 19; i >= 0; i--) {
        kids[i][0] = i == 19 ? &text[0] : &deep[i + 1];
        kids[i][1] = &cols[i % 2 ? 0 : 3];
        deep[i] = (ss_node_t){.kind = i % 2 ? SS_AND : SS_OR, .kids = kids[i], .n = 2};
    }
    say_search(st, site, "deep", &deep[0], NULL, 0, 0, 50);
    const ss_sort_t orders[][2] = {
        {{SS_C_CREATED, NULL, 1}},
        {{-1, f.id, 0}},
        {{-1, f.id, 1}},
        {{SS_C_PROJECT_KEY, NULL, 1}},
        {{SS_C_ASSIGNEE_NAME, NULL, 0}, {SS_C_STATUS, NULL, 1}},
        {{SS_C_DUEDATE, NULL, 0}},
        {{SS_C_WORK_RATIO, NULL, 1}},
        {{SS_C_SUMMARY, NULL, 0}},
    };
    for (size_t i = 0; i < sizeof orders / sizeof *orders; i++) {
        char what[32];
        snprintf(what, sizeof what, "order %zu", i);
        say_search(st, site, what, NULL, orders[i], orders[i][1].col || orders[i][1].desc ? 2 : 1, 0, 50);
    }
    say_search(st, site, "page", NULL, orders[0], 1, 2, 3);
    int64_t projects[] = {mob.id};
    ss_query_t rq = {.restricted = 1, .projects = projects, .nprojects = 1, .max = 50};
    int64_t total = -1;
    int rc = store_search_count(st, site, &rq, &total);
    say("count restricted rc=%d %lld", rc, (long long)total);
    rq.nprojects = 0;
    rc = store_search_count(st, site, &rq, &total);
    say("count restricted none rc=%d %lld", rc, (long long)total);
    const struct {
        ss_lookup_t kind;
        const char *name;
    } lk[] = {
        {SS_L_COMPONENT, "api"}, {SS_L_VERSION, "2.0"},    {SS_L_SPRINT, "s1"},    {SS_L_USER, "QUINN@example.COM"},
        {SS_L_USER, "user one"}, {SS_L_USER, "ärger zed"}, {SS_L_FIELD, "POINTS"}, {SS_L_COMPONENT_ID, "99999999999"},
        {SS_L_SPRINT_ID, "1"}};
    for (size_t i = 0; i < sizeof lk / sizeof *lk; i++) {
        int64_t *ids = NULL;
        const char **names = NULL;
        size_t n = 0;
        rc = store_search_lookup(st, a, site, lk[i].kind, lk[i].name, &ids, &names, &n);
        say("lookup %zu %s rc=%d n=%zu %s", i, lk[i].name, rc, n, n ? S(names[0]) : "-");
    }
}

/* Runs the script on st; its text in `out`. */
static void script(store_t *st)
{
    arena_t *a = arena_new(1 << 20);
    buf_init(&out, 1 << 22);
    int64_t site_b = 0;
    int64_t site = script_sites(st, a, &site_b);
    script_product(st, a, site);
    script_kvs(st, a, site, site_b);
    script_apps(st, a, site);
    script_installs(st, a, site, site_b);
    script_auth(st, a, site);
    script_sessions(st, a, site);
    script_events(st, a, site, site_b);
    script_comments(st, a, site);
    script_schedules(st, a, site, site_b);
    script_issue_parts(st, a, site);
    script_journal(st, a, site, site_b);
    script_roles(st, a, site, site_b);
    script_devops(st, a, site, site_b);
    script_deliveries(st, a, site, site_b);
    script_fields(st, a, site);
    script_catalog(st, a, site);
    script_changelog(st, a, site);
    script_agile(st, a, site);
    script_search(st, a, site);
    arena_free(a);
}

/* Compares line by line, naming the first difference. */
static void same_text(const char *sq, const char *pg)
{
    int line = 1;
    const char *a = sq, *b = pg;
    while (*a || *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || memcmp(a, b, la) != 0)
            fail_msg("line %d differs:\n  sqlite:   %.*s\n  postgres: %.*s", line, (int)la, a, (int)lb, b);
        a += la + (ea != NULL);
        b += lb + (eb != NULL);
        line++;
    }
}

static void test_families_match(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    char err[512] = "";
    store_t *sq = store_open(dir, err, sizeof err);
    assert_non_null(sq);
    assert_int_equal(store_migrate(sq, err, sizeof err), STORE_OK);
    assert_int_equal(store_snapshots_kept(sq), 0);
    script(sq);
    char *sq_text = strndup(out.ptr, out.len);
    buf_free(&out);
    store_close(sq);
    unit_rmtree(dir);

    /* the script calls every family with no site bound, as the admin path does (a request's
     * handle, kiln_runtime, would see nothing: test_bound_site) */
    store_t *pg = pg_open_as(pg_user, 1);
    if (store_migrate(pg, err, sizeof err) != STORE_OK)
        fail_msg("migrate: %s", err);
    assert_int_equal(store_snapshots_kept(pg), 1); /* PostgreSQL keeps the chunks; SQLite the files */
    script(pg);
    char *pg_text = strndup(out.ptr, out.len);
    buf_free(&out);
    store_close(pg);

    if (getenv("KILN_TEST_DUMP")) /* both texts, to read a difference whole */
        fprintf(stderr, "---- sqlite\n%s---- postgres\n%s", sq_text, pg_text);
    /* the script did something: these results are the SQLite store's, as its contract says */
    assert_non_null(strstr(sq_text, "site_insert dup rc=-2"));
    assert_non_null(strstr(sq_text, "get secret rc=0 kind=1"));
    assert_non_null(strstr(sq_text, "issue_insert rc=0 id=10000 num=1"));
    assert_non_null(strstr(sq_text, "  wt wt-id-1 wt-mod"));
    assert_non_null(strstr(sq_text, "link_consume rc=0 acc-2"));
    assert_non_null(strstr(sq_text, "  s inst-1 tick fiveMinute 300000 3000 3"));
    assert_non_null(strstr(sq_text, "link_get rc=0 type=10000 out=i1 in=i3"));
    assert_non_null(strstr(sq_text, "ledger_purge rc=0 deleted=1"));
    assert_non_null(strstr(sq_text, "comment_insert rc=0 id="));
    assert_non_null(strstr(sq_text, "version_by_snapshot rc=0 seq=3 2.2 sha=ab12"));
    assert_non_null(strstr(sq_text, "chunk_get 0 rc=0 len=6 first=00 last=78"));
    assert_non_null(strstr(sq_text, "chunk_count rc=0 n=2 total=10"));
    assert_non_null(strstr(sq_text, "\nbeta rc=0 kind=0 entity= key=beta value=\"two\"")); /* get_many's 2nd round */
    assert_non_null(strstr(sq_text, "get_many expired rc=0\n  gamma rc=-1\n"));
    same_text(sq_text, pg_text);
    free(sq_text);
    free(pg_text);
}

/* kiln_words on PostgreSQL against base/wordmatch.c (what SQLite's kiln_words runs): fixed
 * cases, then random texts and queries from pieces that touch every rule (case, bytes >=
 * 0x80 and ? on them, wildcards, phrases, ADF "text" values, escapes), plain and ADF. */
static void test_words_match(void **state)
{
    (void)state;
    char conn[1200];
    snprintf(conn, sizeof conn, "host=%s port=5432 user=%s dbname=kiln", pg_dir, pg_user);
    PGconn *c = PQconnectdb(conn);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    static const char *const fixed[][3] = {
        {"Hello world", "0", "hello"},
        {"Hello world", "0", "\"world hello\""},
        {"café", "0", "caf?"},
        {"café", "0", "caf??"},
        {"CAFÉ", "0", "café"},
        {"{\"text\" :\n \"a\\u00e9b\"}", "1", "b"},
        {"{\"text\":\"x\\\"y\"}", "1", "y"},
        {"{\"text\":\"x\\", "1", "x"},
        {"{\"content\":[{\"text\":\"one\"},{\"text\":\"two\"}]}", "1", "\"one two\""},
        {"a b c d e f g h i j k l m n o p q", "0", "\"a b c d e f g h i j k l m n o p\""},
        {"a b c d e f g h i j k l m n o p q", "0", "\"a b c d e f g h i j k l m n o p q\""},
        {"x", "0", "a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 x"},
        {"x", "0", ""},
        {"x", "0", "*"},
        {"x", "0", "* x"},
        {"x", "0", "\"x"},
    };
    static const char *const tp[] = {"a",  "b", "ab", "B",  "\xc3\xa9", "\xc3\x9c", " ",    "\n",
                                     "\"", "*", "?",  "\\", "\\u00e9",  "\\\"",     "text", "\"text\"",
                                     ":",  "{", "}",  "-",  "x1",       "aB"};
    /* ADF-like: "text" keys and values, other strings, spaces around the colon, escapes */
    static const char *const ap[] = {
        "{\"text\":\"", "\"text\" :\n \"", "\"", "a", "B", "\xc3\xa9", " ",      "\\n", "\"type\":\"text\",",
        "text",         "\"text\"",        ":",  ",", "}", "ab",       "\\u00e9"};
    static const char *const qp[] = {"a", "b",  "ab", "A*",      "?",         "*",   "\"", "\xc3\xa9",
                                     " ", "b?", "*b", "\"a b\"", "?\xc3\xa9", "a?b", "x1"};
    unsigned seed = 20;
    int n = 0, matched = 0;
    for (int k = 0; k < (int)(sizeof fixed / sizeof *fixed) + 8000; k++) {
        char text[512] = "", query[256] = "";
        int adf = 0;
        if (k < (int)(sizeof fixed / sizeof *fixed)) {
            snprintf(text, sizeof text, "%s", fixed[k][0]);
            adf = fixed[k][1][0] == '1';
            snprintf(query, sizeof query, "%s", fixed[k][2]);
        } else if (k % 2) {
            adf = 1;
            for (int i = rand_r(&seed) % 16; i > 0; i--)
                strcat(text, ap[rand_r(&seed) % (sizeof ap / sizeof *ap)]);
            for (int i = 1 + rand_r(&seed) % 3; i > 0; i--)
                strcat(query, qp[rand_r(&seed) % (sizeof qp / sizeof *qp)]);
        } else {
            adf = rand_r(&seed) % 2;
            for (int i = rand_r(&seed) % 14; i > 0; i--)
                strcat(text, tp[rand_r(&seed) % (sizeof tp / sizeof *tp)]);
            for (int i = 1 + rand_r(&seed) % 4; i > 0; i--)
                strcat(query, qp[rand_r(&seed) % (sizeof qp / sizeof *qp)]);
        }
        arena_t *a = arena_new(1 << 16);
        wm_query_t q;
        int want = wm_compile(a, query, strlen(query), &q) == WM_OK && wm_match(&q, text, strlen(text), adf);
        arena_free(a);
        const char *vals[3] = {text, adf ? "1" : "0", query};
        PGresult *r = PQexecParams(c, "SELECT kiln.kiln_words($1, $2::integer, $3)", 3, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_msg("kiln_words: %s", PQerrorMessage(c));
        int got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        PQclear(r);
        if (got != want)
            fail_msg("kiln_words(%s, %d, %s): postgres %d, wordmatch %d", text, adf, query, got, want);
        n++;
        matched += want;
    }
    /* the cases are not all one answer */
    assert_true(matched > 100 && matched < n - 100);
    /* past WM_MAX_TEXT: only the first 1 MiB is searched, cut inside a word or a character */
    size_t big = WM_MAX_TEXT + 16;
    char *text = malloc(big + 1);
    static const char *const tail[][2] = {
        {"hello", "he"}, {"hello", "hello"}, {"x\xc3\xa9", "x?"}, {"x\xc3\xa9", "x??"}};
    for (size_t k = 0; k < sizeof tail / sizeof *tail; k++) {
        memset(text, 'a', big);
        for (size_t i = 1; i < big; i += 2)
            text[i] = ' ';
        memcpy(text + WM_MAX_TEXT - 2, tail[k][0], strlen(tail[k][0]));
        text[big] = 0;
        arena_t *a = arena_new(1 << 16);
        wm_query_t q;
        int want = wm_compile(a, tail[k][1], strlen(tail[k][1]), &q) == WM_OK && wm_match(&q, text, big, 0);
        arena_free(a);
        const char *vals[3] = {text, "0", tail[k][1]};
        PGresult *r = PQexecParams(c, "SELECT kiln.kiln_words($1, $2::integer, $3)", 3, NULL, vals, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            fail_msg("kiln_words: %s", PQerrorMessage(c));
        int got = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
        PQclear(r);
        if (got != want || got != (k == 0 || k == 2))
            fail_msg("kiln_words(1 MiB + %s, 0, %s): postgres %d, wordmatch %d", tail[k][0], tail[k][1], got, want);
    }
    free(text);
    PQfinish(c);
}

/* Row-level security through the store's own handle: kiln_runtime bound to one site. */
static void test_bound_site(void **state)
{
    (void)state;
    store_t *rt = pg_open("kiln_runtime");
    arena_t *a = arena_new(1 << 16);
    kvs_owner_t oa = {1, "inst-rls"}, ob = {2, "inst-rls"};
    kvs_rec_t ra = {KVS_KIND_PLAIN, "", "k", "\"a\"", 3, 1, 1, 0}, rb = {KVS_KIND_PLAIN, "", "k", "\"b\"", 3, 1, 1, 0};
    kvs_rec_t r = {0};

    store_bind_site(rt, 1);
    assert_int_equal(store_kvs_put(rt, &oa, &ra, 1), STORE_OK);
    assert_int_equal(store_kvs_put(rt, &ob, &rb, 1), STORE_ERROR); /* another site's row: refused */
    store_bind_site(rt, 2);
    assert_int_equal(store_kvs_put(rt, &ob, &rb, 1), STORE_OK);
    assert_int_equal(store_kvs_get(rt, a, &oa, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    assert_int_equal(store_kvs_get(rt, a, &ob, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_OK);
    assert_string_equal(r.value, "\"b\"");
    {
        /* several keys at once: the same wall (one key and a statement of several) */
        const char *keys[] = {"k", "k", "x"};
        kvs_rec_t many[3];
        int rcs[3];
        for (size_t n = 1; n <= 3; n += 2) {
            assert_int_equal(store_kvs_get_many(rt, a, &oa, KVS_KIND_PLAIN, "", keys, n, 1, many, rcs), STORE_OK);
            for (size_t i = 0; i < n; i++)
                assert_int_equal(rcs[i], STORE_NOTFOUND); /* site 1's row, asked for bound to site 2 */
            assert_int_equal(store_kvs_get_many(rt, a, &ob, KVS_KIND_PLAIN, "", keys, n, 1, many, rcs), STORE_OK);
            assert_int_equal(rcs[0], STORE_OK);
            assert_string_equal(many[0].value, "\"b\"");
        }
        assert_int_equal(rcs[1], STORE_OK);
        assert_int_equal(rcs[2], STORE_NOTFOUND);
    }
    store_bind_site(rt, 1);
    assert_int_equal(store_begin_read(rt), STORE_OK); /* in a read transaction too */
    assert_int_equal(store_kvs_get(rt, a, &ob, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    assert_int_equal(store_kvs_get(rt, a, &oa, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_OK);
    assert_string_equal(r.value, "\"a\"");
    assert_int_equal(store_commit(rt), STORE_OK);
    store_bind_site(rt, 0);
    assert_int_equal(store_kvs_get(rt, a, &oa, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    assert_int_equal(store_kvs_get(rt, a, &ob, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    /* the JQL text search (kiln_words) as the serving role: site 1's (test_families_match's
       site A) two "hello" issues bound to it, none bound to site 2 or to none */
    ss_node_t hello = {.kind = SS_TEXT, .text = SS_T_SUMMARY, .pattern = "hello"};
    ss_query_t q = {.where = &hello, .max = 10};
    int64_t total = -1;
    store_bind_site(rt, 1);
    assert_int_equal(store_search_count(rt, 1, &q, &total), STORE_OK);
    assert_int_equal(total, 2);
    store_bind_site(rt, 2);
    assert_int_equal(store_search_count(rt, 1, &q, &total), STORE_OK);
    assert_int_equal(total, 0);
    store_bind_site(rt, 0);
    assert_int_equal(store_search_count(rt, 1, &q, &total), STORE_OK);
    assert_int_equal(total, 0);
    arena_free(a);
    store_close(rt);
}

/* The bound site after a rolled-back transaction that changed it: the setting made inside
 * the transaction went back with it, so the next statement must send the bound site again.
 * Bound to site 2 after the rollback, a query naming site 1 (a handler that forgot its own
 * site) finds none of site 1's rows, and site 2's own row is found. */
static void test_site_after_rollback(void **state)
{
    (void)state;
    store_t *rt = pg_open("kiln_runtime");
    arena_t *a = arena_new(1 << 16);
    kvs_owner_t ob = {2, "inst-rb"};
    kvs_rec_t rb = {KVS_KIND_PLAIN, "", "k", "\"b\"", 3, 1, 1, 0}, r = {0};
    ss_node_t hello = {.kind = SS_TEXT, .text = SS_T_SUMMARY, .pattern = "hello"};
    ss_query_t q = {.where = &hello, .max = 10};
    int64_t total = -1;
    store_bind_site(rt, 2);
    assert_int_equal(store_kvs_put(rt, &ob, &rb, 1), STORE_OK);
    store_bind_site(rt, 1);
    assert_int_equal(store_search_count(rt, 1, &q, &total), STORE_OK); /* site 1 on the session */
    assert_int_equal(total, 2);
    for (int read = 0; read < 2; read++) {
        assert_int_equal(read ? store_begin_read(rt) : store_begin(rt), STORE_OK);
        store_bind_site(rt, 2);
        assert_int_equal(store_kvs_get(rt, a, &ob, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_OK);
        store_rollback(rt); /* the transaction's site 2 goes back to site 1 on the session */
        assert_int_equal(store_search_count(rt, 1, &q, &total), STORE_OK);
        assert_int_equal(total, 0);
        assert_int_equal(store_kvs_get(rt, a, &ob, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_OK);
        assert_string_equal(r.value, "\"b\"");
        store_bind_site(rt, 1);
        assert_int_equal(store_search_count(rt, 1, &q, &total), STORE_OK);
        assert_int_equal(total, 2);
    }
    /* unbound in a read transaction whose BEGIN goes with the unbinding and the get (one
       pipeline): nothing of site 2 */
    store_bind_site(rt, 2);
    assert_int_equal(store_kvs_get(rt, a, &ob, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_OK);
    store_bind_site(rt, 0);
    assert_int_equal(store_begin_read(rt), STORE_OK);
    assert_int_equal(store_kvs_get(rt, a, &ob, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    assert_int_equal(store_commit(rt), STORE_OK);
    assert_int_equal(store_kvs_get(rt, a, &ob, KVS_KIND_PLAIN, "", "k", 1, &r), STORE_NOTFOUND);
    arena_free(a);
    store_close(rt);
}

/* An all-or-nothing transaction (store_begin_whole): its writes land on commit; after a
 * failed statement (a conflict, with no savepoint to go back to) the transaction is
 * failed, later statements fail too, and a rollback leaves nothing; then the handle serves
 * store_begin's transactions with their savepoints again. */
static void test_whole_tx(void **state)
{
    (void)state;
    store_t *pg = pg_open(pg_user);
    arena_t *a = arena_new(1 << 16);
    app_rec_t one = {"app-whole1", "whole1", 1}, two = {"app-whole2", "whole2", 2}, three = {"app-whole3", "whole3", 3};
    app_rec_t g = {0};
    assert_int_equal(store_begin_whole(pg), STORE_OK);
    assert_int_equal(store_app_insert(pg, &one), STORE_OK);
    assert_int_equal(store_commit(pg), STORE_OK);
    assert_int_equal(store_app_get(pg, a, "app-whole1", &g), STORE_OK);
    assert_int_equal(store_begin_whole(pg), STORE_OK);
    assert_int_equal(store_app_insert(pg, &two), STORE_OK);
    assert_int_equal(store_app_insert(pg, &one), STORE_CONFLICT);
    assert_int_not_equal(store_app_insert(pg, &three), STORE_OK); /* the transaction failed */
    store_rollback(pg);
    assert_int_equal(store_app_get(pg, a, "app-whole2", &g), STORE_NOTFOUND);
    assert_int_equal(store_app_get(pg, a, "app-whole3", &g), STORE_NOTFOUND);
    assert_int_equal(store_begin(pg), STORE_OK); /* store_begin's savepoints again */
    assert_int_equal(store_app_insert(pg, &one), STORE_CONFLICT);
    assert_int_equal(store_app_insert(pg, &three), STORE_OK);
    assert_int_equal(store_commit(pg), STORE_OK);
    assert_int_equal(store_app_get(pg, a, "app-whole3", &g), STORE_OK);
    arena_free(a);
    store_close(pg);
}

/* The ledger's site view through a serving handle (kiln_runtime, by SET ROLE from the
 * cluster's login as kiln serve does, so its admin path can SET ROLE kiln_admin): site 2's
 * flow into site 1 is site 1's to see (its inbound flows; row-level security alone hides
 * site 2's row from a handle bound to 1), site 2's flow into site 3 is not. */
static void test_ledger_view(void **state)
{
    (void)state;
    store_t *rt = pg_open(pg_user);
    arena_t *a = arena_new(1 << 16);
    ledger_rec_t le[] = {{0, 9000, 2, 1, 7, "webtrigger.request", "app-l", "inst-l", "inv-in", "webtrigger"},
                         {0, 9001, 2, 3, 8, "webtrigger.request", "app-l", "inst-l", "inv-other", "webtrigger"}};
    assert_int_equal(store_ledger_insert(store_admin(rt), le, 2), STORE_OK);
    ledger_rec_t *lv = NULL;
    size_t n = 0;
    store_bind_site(rt, 1);
    assert_int_equal(store_ledger_list(rt, a, 1, 9000, 0, 10, &lv, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(lv[0].invocation_id, "inv-in");
    assert_int_equal(lv[0].site_id, 2);
    store_bind_site(rt, 3);
    assert_int_equal(store_ledger_list(rt, a, 3, 9000, 0, 10, &lv, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_string_equal(lv[0].invocation_id, "inv-other");
    store_bind_site(rt, 4);
    assert_int_equal(store_ledger_list(rt, a, 4, 9000, 0, 10, &lv, &n), STORE_OK);
    assert_int_equal(n, 0);
    store_bind_site(rt, 0);
    arena_free(a);
    store_close(rt);
}

/* The JQL search's plan on PostgreSQL (EXPLAIN of the parameterised statement): lines of
 * the planner's, not SQLite's, and the text search in them. */
static void test_search_plan(void **state)
{
    (void)state;
    store_t *pg = pg_open(pg_user);
    arena_t *a = arena_new(1 << 20);
    ss_node_t hello = {.kind = SS_TEXT, .text = SS_T_SUMMARY, .pattern = "hello"};
    ss_query_t q = {.where = &hello, .max = 10};
    const char *plan = NULL;
    assert_int_equal(store_search_plan(pg, a, 1, &q, &plan), STORE_OK);
    assert_non_null(strstr(plan, "kiln_words"));
    assert_non_null(strstr(plan, "Scan"));
    arena_free(a);
    store_close(pg);
}

/* A uniqueness conflict inside a transaction: STORE_CONFLICT, and the transaction goes on
 * (PostgreSQL would abort it without the driver's per-statement savepoint). */
static void test_conflict_in_tx(void **state)
{
    (void)state;
    store_t *pg = pg_open(pg_user);
    arena_t *a = arena_new(1 << 16);
    app_rec_t app = {"app-tx", "tx", 1};
    assert_int_equal(store_app_insert(pg, &app), STORE_OK);
    assert_int_equal(store_begin(pg), STORE_OK);
    assert_int_equal(store_app_insert(pg, &app), STORE_CONFLICT);
    app_rec_t other = {"app-tx2", "tx2", 2};
    assert_int_equal(store_app_insert(pg, &other), STORE_OK);
    assert_int_equal(store_commit(pg), STORE_OK);
    app_rec_t g = {0};
    assert_int_equal(store_app_get(pg, a, "app-tx2", &g), STORE_OK);
    assert_string_equal(g.name, "tx2");
    arena_free(a);
    store_close(pg);
}

/* A COMMIT whose answer never came (the session cut during it: store.h "indoubt"): the
 * commit is STORE_UNAVAILABLE and store_indoubt_note marks it, so an answer says the
 * outcome is unknown (http/reply.c), not "retry later". The cut comes from a deferred
 * constraint trigger, which runs inside the COMMIT and ends its own session there; a
 * session cut before the COMMIT (a plain trigger, at the insert) is not in doubt. */
static void test_commit_outcome_unknown(void **state)
{
    (void)state;
    char conn[1200];
    snprintf(conn, sizeof conn, "host=%s port=5432 user=%s dbname=kiln", pg_dir, pg_user);
    PGconn *c = PQconnectdb(conn); /* the cluster's superuser: the triggers' owner */
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(
        c, "CREATE FUNCTION kiln.test_cut() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN "
           "IF NEW.id LIKE 'app-cut%' THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NULL; "
           "END $$;"
           "CREATE CONSTRAINT TRIGGER test_cut_at_commit AFTER INSERT ON kiln.apps DEFERRABLE INITIALLY DEFERRED "
           "FOR EACH ROW WHEN (NEW.id = 'app-cut-commit') EXECUTE FUNCTION kiln.test_cut();"
           "CREATE TRIGGER test_cut_now AFTER INSERT ON kiln.apps FOR EACH ROW WHEN (NEW.id = 'app-cut-insert') "
           "EXECUTE FUNCTION kiln.test_cut();");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("triggers: %s", PQresultErrorMessage(r));
    PQclear(r);

    store_t *pg = pg_open(pg_user);
    arena_t *a = arena_new(1 << 16);
    app_rec_t g = {0}, at_commit = {"app-cut-commit", "cut", 1}, at_insert = {"app-cut-insert", "cut2", 2},
              fine = {"app-cut-after", "after", 3};
    uint64_t doubt0 = store_indoubt_count(), away0 = store_unavailable_count();
    assert_int_equal(store_begin(pg), STORE_OK);
    assert_int_equal(store_app_insert(pg, &at_commit), STORE_OK);
    assert_int_equal(store_commit(pg), STORE_UNAVAILABLE);
    assert_true(store_indoubt_count() == doubt0 + 1); /* its outcome unknown */
    assert_true(store_unavailable_count() > away0);   /* and the store away, as before */
    /* the next call reconnects; here the server had not committed it (ended before) */
    assert_int_equal(store_app_get(pg, a, "app-cut-commit", &g), STORE_NOTFOUND);

    doubt0 = store_indoubt_count();
    assert_int_equal(store_begin(pg), STORE_OK);
    assert_int_not_equal(store_app_insert(pg, &at_insert), STORE_OK); /* cut here: nothing can commit */
    assert_int_not_equal(store_commit(pg), STORE_OK);
    assert_true(store_indoubt_count() == doubt0); /* not in doubt: the COMMIT was never sent whole */

    /* a commit that answers is no doubt */
    assert_int_equal(store_begin(pg), STORE_OK);
    assert_int_equal(store_app_insert(pg, &fine), STORE_OK);
    assert_int_equal(store_commit(pg), STORE_OK);
    assert_true(store_indoubt_count() == doubt0);
    assert_int_equal(store_app_get(pg, a, "app-cut-after", &g), STORE_OK);

    r = PQexec(c, "DROP TRIGGER test_cut_at_commit ON kiln.apps; DROP TRIGGER test_cut_now ON kiln.apps;"
                  "DROP FUNCTION kiln.test_cut()");
    assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
    arena_free(a);
    store_close(pg);
}

/* Purges one node at a time (store_work_claim, docs/scale.md "Purges across nodes"): two
 * handles as two nodes; the second is refused while the first holds the work, gets it once
 * released, and again after the first's session ends while it held it (a node killed
 * mid-purge). Another name is another lock. */
static void test_work_claim(void **state)
{
    (void)state;
    store_t *n1 = pg_open_as(pg_user, 1), *n2 = pg_open_as(pg_user, 1);
    assert_int_equal(store_work_claim(n1, "purge"), 1);
    assert_int_equal(store_work_claim(n2, "purge"), 0);
    assert_int_equal(store_work_claim(n2, "audit"), 1); /* another work: its own */
    store_work_release(n2, "audit");
    store_work_release(n1, "purge");
    assert_int_equal(store_work_claim(n2, "purge"), 1);
    assert_int_equal(store_work_claim(n1, "purge"), 0);
    store_close(n2); /* its session ends holding it: PostgreSQL drops the lock once its server
                        process has seen the socket close (a few ms) */
    int got = 0;
    for (int i = 0; i < 200 && (got = store_work_claim(n1, "purge")) == 0; i++)
        usleep(10 * 1000);
    assert_int_equal(got, 1);
    store_work_release(n1, "purge");
    /* claimed inside a transaction: held past its rollback */
    assert_int_equal(store_begin(n1), STORE_OK);
    assert_int_equal(store_work_claim(n1, "purge"), 1);
    store_rollback(n1);
    n2 = pg_open_as(pg_user, 1);
    assert_int_equal(store_work_claim(n2, "purge"), 0);
    store_work_release(n1, "purge");
    assert_int_equal(store_work_claim(n2, "purge"), 1);
    store_close(n2);
    store_close(n1);
}

typedef struct claim_arg {
    store_t *st;
    int rc;
} claim_arg_t;

static void *claim_slot(void *p)
{
    claim_arg_t *c = p;
    c->rc = store_schedule_claim(c->st, "inst-race", "tick", 1000, 2000); /* the same slot */
    return NULL;
}

/* Two nodes claiming one scheduled slot at the same moment (store_schedule_claim,
 * docs/scale.md "Scheduled triggers across nodes"): the second's UPDATE waits for the first
 * transaction, which claimed the slot, and once it commits changes no row: STORE_NOTFOUND,
 * the slot fired once. */
static void test_schedule_claim_race(void **state)
{
    (void)state;
    store_t *n1 = pg_open_as(pg_user, 1), *n2 = pg_open_as(pg_user, 1);
    site_rec_t site = {
        .cloud_id = "cloud-race", .name = "claimrace", .admin_account_id = "adm-r", .canary = "can-r", .created_ms = 1};
    assert_int_equal(store_site_insert(n1, &site), STORE_OK);
    schedule_rec_t r = {"inst-race", "tick", site.id, "app-1", "development", "fiveMinute", 300000, 1000, 1};
    assert_int_equal(store_schedule_put(n1, &r), STORE_OK);
    assert_int_equal(store_begin(n1), STORE_OK);
    assert_int_equal(store_schedule_claim(n1, "inst-race", "tick", 1000, 1300), STORE_OK);
    claim_arg_t c = {n2, 99};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, claim_slot, &c), 0);
    usleep(300 * 1000); /* n2's UPDATE is waiting on the row now */
    assert_int_equal(c.rc, 99);
    assert_int_equal(store_commit(n1), STORE_OK);
    pthread_join(t, NULL);
    assert_int_equal(c.rc, STORE_NOTFOUND); /* the slot was n1's */
    arena_t *a = arena_new(1 << 16);
    schedule_rec_t *v = NULL;
    size_t n = 0;
    assert_int_equal(store_schedule_list(n2, a, "inst-race", 0, &v, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].next_ms, 1300); /* n1's next slot, not n2's */
    assert_int_equal(store_schedule_delete(n2, "inst-race", "tick"), STORE_OK);
    arena_free(a);
    store_close(n2);
    store_close(n1);
}

/* Leases on the database's clock (store_deliveries.h, docs/scale.md "Leases"): a node whose
 * clock is an hour behind claims a delivery with a 30 s lease; a node an hour ahead does not
 * take it back (by its own clock the lease ended 89 minutes ago). A lease renewed to 300 ms
 * by the node ahead lapses 300 ms later by the database's clock, and the node behind then
 * takes it back (by its own clock it would wait two hours). */
static void test_lease_db_clock(void **state)
{
    (void)state;
    store_t *behind = pg_open_as(pg_user, 1), *ahead = pg_open_as(pg_user, 1);
    site_rec_t site = {.cloud_id = "cloud-lease",
                       .name = "leaseclock",
                       .admin_account_id = "adm-l",
                       .canary = "can-l",
                       .created_ms = 1};
    assert_int_equal(store_site_insert(behind, &site), STORE_OK);
    delivery_rec_t d = {.site_id = site.id,
                        .installation_id = "inst-lease",
                        .app_id = "app-1",
                        .env_key = "development",
                        .source = DLV_SRC_PRODUCT,
                        .module_key = "m",
                        .event_type = "avi:jira:updated:issue",
                        .event_id = "ev",
                        .payload_json = "{}",
                        .due_ms = 1,
                        .created_ms = 1};
    assert_int_equal(store_delivery_insert(behind, &d), STORE_OK);
    const int64_t HOUR = 3600 * 1000;
    int64_t now = clock_now_ms(), n = -1;
    assert_int_equal(store_delivery_start(behind, d.id, now - HOUR, "node-behind", now - HOUR + 30000), STORE_OK);
    assert_int_equal(store_delivery_recover(ahead, now + HOUR, 0, &n), STORE_OK);
    arena_t *a = arena_new(1 << 16);
    delivery_rec_t got;
    assert_int_equal(store_delivery_get(ahead, a, d.id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_RUNNING); /* live: not taken back */
    char ids[32];
    snprintf(ids, sizeof ids, "[%lld]", (long long)d.id);
    /* renewed by its owner's clock, whatever it says: 300 ms from the database's now */
    assert_int_equal(store_delivery_renew(behind, "node-behind", ids, now + HOUR, now + HOUR + 300, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_delivery_recover(behind, clock_now_ms() - HOUR, 0, &n), STORE_OK);
    assert_int_equal(store_delivery_get(ahead, a, d.id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_RUNNING); /* not yet lapsed */
    usleep(600 * 1000);
    assert_int_equal(store_delivery_recover(behind, clock_now_ms() - HOUR, 0, &n), STORE_OK);
    assert_int_equal(store_delivery_get(ahead, a, d.id, &got), STORE_OK);
    assert_int_equal(got.state, DLV_PENDING); /* lapsed by the database's clock */
    arena_free(a);
    store_close(ahead);
    store_close(behind);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_families_match),
        cmocka_unit_test(test_words_match),
        cmocka_unit_test(test_bound_site),
        cmocka_unit_test(test_site_after_rollback),
        cmocka_unit_test(test_search_plan),
        cmocka_unit_test(test_conflict_in_tx),
        cmocka_unit_test(test_ledger_view),
        cmocka_unit_test(test_whole_tx),
        cmocka_unit_test(test_commit_outcome_unknown),
        cmocka_unit_test(test_work_claim),
        cmocka_unit_test(test_schedule_claim_race),
        cmocka_unit_test(test_lease_db_clock),
    };
    return cmocka_run_group_tests(tests, start_cluster, stop_cluster);
}
