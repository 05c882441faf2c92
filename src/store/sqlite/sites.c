/* The store's sites family (store/store_sites.h) on SQLite: sites, their users and
 * the users' API tokens. Tables: sites, users, user_tokens. */
#include <sqlite3.h>
#include <stdint.h>

#include "base/clock.h"
#include "store/sqlite/sqlite_int.h"
#include "store/store_sites.h"

enum q {
    Q_SITE_INSERT,
    Q_SITE_BY_NAME,
    Q_SITE_BY_ID,
    Q_SITE_LIST,
    Q_SITE_COUNT,
    Q_USER_INSERT,
    Q_USER_GET,
    Q_USER_LIST,
    Q_TOKEN_INSERT,
    Q_TOKEN_LOOKUP,
    Q_PERM_GRANT,
    Q_PERM_HAS,
    Q_CONSENT_PUT,
    Q_CONSENT_DELETE,
    Q_CONSENT_HAS,
    Q_CONSENT_DROP,
    Q__COUNT
};

#define SITE_COLS "id, cloud_id, name, admin_account_id, canary, created_ms"
#define USER_COLS "account_id, email, display_name, account_type, time_zone, locale, active"

static const char *const sql[Q__COUNT] = {
    [Q_SITE_INSERT] = "INSERT INTO sites (cloud_id, name, admin_account_id, canary, created_ms) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_SITE_BY_NAME] = "SELECT " SITE_COLS " FROM sites WHERE name = ?1",
    [Q_SITE_BY_ID] = "SELECT " SITE_COLS " FROM sites WHERE id = ?1",
    [Q_SITE_LIST] = "SELECT " SITE_COLS " FROM sites ORDER BY id",
    [Q_SITE_COUNT] = "SELECT count(*) FROM sites",
    [Q_USER_INSERT] = "INSERT INTO users (site_id, " USER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_USER_GET] = "SELECT " USER_COLS " FROM users WHERE site_id = ?1 AND account_id = ?2",
    [Q_USER_LIST] = "SELECT " USER_COLS " FROM users WHERE site_id = ?1 "
                    "ORDER BY display_name, account_id LIMIT ?3 OFFSET ?2",
    [Q_TOKEN_INSERT] = "INSERT INTO user_tokens (token_hash, site_id, account_id, created_ms) "
                       "VALUES (?1, ?2, ?3, ?4)",
    [Q_TOKEN_LOOKUP] = "SELECT site_id, account_id FROM user_tokens "
                       "WHERE token_hash = ?1 AND revoked = 0",
    [Q_PERM_GRANT] = "INSERT OR IGNORE INTO user_permissions (site_id, account_id, project_id, permission) "
                     "VALUES (?1, ?2, ?3, ?4)",
    [Q_PERM_HAS] = "SELECT 1 FROM user_permissions WHERE site_id = ?1 AND account_id = ?2 AND permission = ?4 "
                   "AND project_id IN (0, ?3) LIMIT 1",
    [Q_CONSENT_PUT] = "INSERT OR IGNORE INTO user_consents (site_id, app_id, account_id, created_ms) "
                      "VALUES (?1, ?2, ?3, ?4)",
    [Q_CONSENT_DELETE] = "DELETE FROM user_consents WHERE site_id = ?1 AND app_id = ?2 AND account_id = ?3",
    [Q_CONSENT_HAS] = "SELECT 1 FROM user_consents WHERE site_id = ?1 AND app_id = ?2 AND account_id = ?3",
    [Q_CONSENT_DROP] = "DELETE FROM user_consents WHERE site_id = ?1 AND app_id = ?2 AND NOT EXISTS "
                       "(SELECT 1 FROM installations WHERE site_id = ?1 AND app_id = ?2 AND removed = 0)",
};

static const sq_sql_t statements = {SQ_SITES, Q__COUNT, sql};

static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    return sq_stmt(st, &statements, id);
}

/* ---- sites ---- */

static void read_site(arena_t *a, sqlite3_stmt *q, site_rec_t *s)
{
    s->id = sqlite3_column_int64(q, 0);
    s->cloud_id = sq_col_str(a, q, 1);
    s->name = sq_col_str(a, q, 2);
    s->admin_account_id = sq_col_str(a, q, 3);
    s->canary = sq_col_str(a, q, 4);
    s->created_ms = sqlite3_column_int64(q, 5);
}

static int one_site(store_t *st, arena_t *a, sqlite3_stmt *q, site_rec_t *out)
{
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? (read_site(a, q, out), STORE_OK) : rc == SQLITE_DONE ? STORE_NOTFOUND : sq_rc(st, rc);
    sq_done(q);
    return r;
}

static int sq_site_insert(store_t *st, site_rec_t *s)
{
    sqlite3_stmt *q = stmt(st, Q_SITE_INSERT);
    sq_bind_text(q, 1, s->cloud_id);
    sq_bind_text(q, 2, s->name);
    sq_bind_text(q, 3, s->admin_account_id);
    sq_bind_text(q, 4, s->canary);
    sqlite3_bind_int64(q, 5, s->created_ms);
    int rc = sq_write1(st, q);
    if (rc == STORE_OK)
        s->id = sqlite3_last_insert_rowid(DB(st));
    return rc;
}

static int sq_site_by_name(store_t *st, arena_t *a, const char *name, site_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_SITE_BY_NAME);
    sq_bind_text(q, 1, name);
    return one_site(st, a, q, out);
}

static int sq_site_by_id(store_t *st, arena_t *a, int64_t id, site_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_SITE_BY_ID);
    sqlite3_bind_int64(q, 1, id);
    return one_site(st, a, q, out);
}

static void read_site_any(arena_t *a, sqlite3_stmt *q, void *p)
{
    read_site(a, q, p);
}

static int sq_site_list(store_t *st, arena_t *a, site_rec_t **out, size_t *n)
{
    return sq_collect(st, a, stmt(st, Q_SITE_LIST), sizeof **out, read_site_any, (void **)out, n);
}

static int sq_site_count(store_t *st, int64_t *n)
{
    return sq_count(st, stmt(st, Q_SITE_COUNT), n);
}

/* ---- users and their API tokens ---- */

static void read_user(arena_t *a, sqlite3_stmt *q, user_rec_t *u)
{
    u->account_id = sq_col_str(a, q, 0);
    u->email = sq_col_str(a, q, 1);
    u->display_name = sq_col_str(a, q, 2);
    u->account_type = sq_col_str(a, q, 3);
    u->time_zone = sq_col_str(a, q, 4);
    u->locale = sq_col_str(a, q, 5);
    u->active = sqlite3_column_int(q, 6);
}

static int sq_user_insert(store_t *st, int64_t site, const user_rec_t *u)
{
    sqlite3_stmt *q = stmt(st, Q_USER_INSERT);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, u->account_id);
    sq_bind_text(q, 3, u->email);
    sq_bind_text(q, 4, u->display_name);
    sq_bind_text(q, 5, u->account_type);
    sq_bind_text(q, 6, u->time_zone);
    sq_bind_text(q, 7, u->locale);
    sqlite3_bind_int(q, 8, u->active);
    return sq_write1(st, q);
}

static int sq_user_get(store_t *st, arena_t *a, int64_t site, const char *id, user_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_USER_GET);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, id);
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? (read_user(a, q, out), STORE_OK) : rc == SQLITE_DONE ? STORE_NOTFOUND : sq_rc(st, rc);
    sq_done(q);
    return r;
}

static int sq_user_list(store_t *st, arena_t *a, int64_t site, int64_t start, int64_t max, user_rec_t **out, size_t *n)
{
    if (start < 0)
        start = 0;
    if (max < 0)
        max = 0;
    sqlite3_stmt *q = stmt(st, Q_USER_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, start);
    sqlite3_bind_int64(q, 3, max);
    user_rec_t *v = arena_calloc(a, (size_t)(max > 0 ? max : 1) * sizeof *v);
    size_t len = 0;
    int rc = SQLITE_DONE;
    while (v && len < (size_t)max && (rc = sqlite3_step(q)) == SQLITE_ROW)
        read_user(a, q, &v[len++]);
    int r = v ? sq_rc(st, rc == SQLITE_ROW ? SQLITE_DONE : rc) : STORE_ERROR;
    sq_done(q);
    *out = v;
    *n = len;
    return r;
}

static int sq_token_insert(store_t *st, const unsigned char *hash, int64_t site, const char *acct)
{
    sqlite3_stmt *q = stmt(st, Q_TOKEN_INSERT);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, site);
    sq_bind_text(q, 3, acct);
    sqlite3_bind_int64(q, 4, clock_now_ms());
    return sq_write1(st, q);
}

static int sq_token_lookup(store_t *st, arena_t *a, const unsigned char *hash, int64_t *site, const char **acct)
{
    sqlite3_stmt *q = stmt(st, Q_TOKEN_LOOKUP);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int r = STORE_NOTFOUND;
    if (rc == SQLITE_ROW) {
        *site = sqlite3_column_int64(q, 0);
        *acct = sq_col_str(a, q, 1);
        r = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        r = sq_rc(st, rc);
    }
    sq_done(q);
    return r;
}

/* ---- permissions and consents ---- */

static int exists(store_t *st, sqlite3_stmt *q, int *has)
{
    int rc = sqlite3_step(q);
    *has = rc == SQLITE_ROW;
    int r = rc == SQLITE_ROW || rc == SQLITE_DONE ? STORE_OK : sq_rc(st, rc);
    sq_done(q);
    return r;
}

static int sq_perm_grant(store_t *st, int64_t site, const char *account, int64_t project, const char *perm)
{
    sqlite3_stmt *q = stmt(st, Q_PERM_GRANT);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, account);
    sqlite3_bind_int64(q, 3, project);
    sq_bind_text(q, 4, perm);
    return sq_write1(st, q);
}

static int sq_perm_has(store_t *st, int64_t site, const char *account, int64_t project, const char *perm, int *has)
{
    sqlite3_stmt *q = stmt(st, Q_PERM_HAS);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, account);
    sqlite3_bind_int64(q, 3, project);
    sq_bind_text(q, 4, perm);
    return exists(st, q, has);
}

static int sq_consent_put(store_t *st, int64_t site, const char *app, const char *account, int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_CONSENT_PUT);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, app);
    sq_bind_text(q, 3, account);
    sqlite3_bind_int64(q, 4, now);
    return sq_write1(st, q);
}

static int sq_consent_delete(store_t *st, int64_t site, const char *app, const char *account)
{
    sqlite3_stmt *q = stmt(st, Q_CONSENT_DELETE);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, app);
    sq_bind_text(q, 3, account);
    return sq_write_one_row(st, q);
}

static int sq_consent_has(store_t *st, int64_t site, const char *app, const char *account, int *has)
{
    sqlite3_stmt *q = stmt(st, Q_CONSENT_HAS);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, app);
    sq_bind_text(q, 3, account);
    return exists(st, q, has);
}

static int sq_consent_drop_uninstalled(store_t *st, int64_t site, const char *app)
{
    sqlite3_stmt *q = stmt(st, Q_CONSENT_DROP);
    sqlite3_bind_int64(q, 1, site);
    sq_bind_text(q, 2, app);
    return sq_write1(st, q);
}

const store_sites_ops_t sq_sites_ops = {
    .site_insert = sq_site_insert,
    .site_by_name = sq_site_by_name,
    .site_by_id = sq_site_by_id,
    .site_list = sq_site_list,
    .site_count = sq_site_count,
    .user_insert = sq_user_insert,
    .user_get = sq_user_get,
    .user_list = sq_user_list,
    .token_insert = sq_token_insert,
    .token_lookup = sq_token_lookup,
    .perm_grant = sq_perm_grant,
    .perm_has = sq_perm_has,
    .consent_put = sq_consent_put,
    .consent_delete = sq_consent_delete,
    .consent_has = sq_consent_has,
    .consent_drop_uninstalled = sq_consent_drop_uninstalled,
};
