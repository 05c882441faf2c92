/* The store's sites family (store/store_sites.h) over the neutral statement layer (sql/db.h): sites, their users and
 * the users' API tokens. Tables: sites, users, user_tokens. */
#include <stdint.h>

#include "base/clock.h"
#include "store/sql/families.h"
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
                      "VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
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

static const db_sql_t statements = {DB_SITES, Q__COUNT, sql};

static db_stmt_t *stmt(store_t *st, enum q id)
{
    return db_stmt(st, &statements, id);
}

/* ---- sites ---- */

static void read_site(arena_t *a, db_stmt_t *q, site_rec_t *s)
{
    s->id = db_col_i64(q, 0);
    s->cloud_id = db_col_str(a, q, 1);
    s->name = db_col_str(a, q, 2);
    s->admin_account_id = db_col_str(a, q, 3);
    s->canary = db_col_str(a, q, 4);
    s->created_ms = db_col_i64(q, 5);
}

static int one_site(store_t *st, arena_t *a, db_stmt_t *q, site_rec_t *out)
{
    int rc = db_step(q);
    int r = rc == DB_ROW ? (read_site(a, q, out), STORE_OK) : rc == DB_DONE ? STORE_NOTFOUND : db_rc(st, rc);
    db_done(q);
    return r;
}

static int db_site_insert(store_t *st, site_rec_t *s)
{
    db_stmt_t *q = stmt(st, Q_SITE_INSERT);
    db_bind_text(q, 1, s->cloud_id);
    db_bind_text(q, 2, s->name);
    db_bind_text(q, 3, s->admin_account_id);
    db_bind_text(q, 4, s->canary);
    db_bind_i64(q, 5, s->created_ms);
    return db_insert_id(st, q, &s->id);
}

static int db_site_by_name(store_t *st, arena_t *a, const char *name, site_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_SITE_BY_NAME);
    db_bind_text(q, 1, name);
    return one_site(st, a, q, out);
}

static int db_site_by_id(store_t *st, arena_t *a, int64_t id, site_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_SITE_BY_ID);
    db_bind_i64(q, 1, id);
    return one_site(st, a, q, out);
}

static void read_site_any(arena_t *a, db_stmt_t *q, void *p)
{
    read_site(a, q, p);
}

static int db_site_list(store_t *st, arena_t *a, site_rec_t **out, size_t *n)
{
    return db_collect(st, a, stmt(st, Q_SITE_LIST), sizeof **out, read_site_any, (void **)out, n);
}

static int db_site_count(store_t *st, int64_t *n)
{
    return db_count(st, stmt(st, Q_SITE_COUNT), n);
}

/* ---- users and their API tokens ---- */

static void read_user(arena_t *a, db_stmt_t *q, user_rec_t *u)
{
    u->account_id = db_col_str(a, q, 0);
    u->email = db_col_str(a, q, 1);
    u->display_name = db_col_str(a, q, 2);
    u->account_type = db_col_str(a, q, 3);
    u->time_zone = db_col_str(a, q, 4);
    u->locale = db_col_str(a, q, 5);
    u->active = db_col_int(q, 6);
}

static int db_user_insert(store_t *st, int64_t site, const user_rec_t *u)
{
    db_stmt_t *q = stmt(st, Q_USER_INSERT);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, u->account_id);
    db_bind_text(q, 3, u->email);
    db_bind_text(q, 4, u->display_name);
    db_bind_text(q, 5, u->account_type);
    db_bind_text(q, 6, u->time_zone);
    db_bind_text(q, 7, u->locale);
    db_bind_i64(q, 8, u->active);
    return db_write1(st, q);
}

static int db_user_get(store_t *st, arena_t *a, int64_t site, const char *id, user_rec_t *out)
{
    db_stmt_t *q = stmt(st, Q_USER_GET);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, id);
    int rc = db_step(q);
    int r = rc == DB_ROW ? (read_user(a, q, out), STORE_OK) : rc == DB_DONE ? STORE_NOTFOUND : db_rc(st, rc);
    db_done(q);
    return r;
}

static int db_user_list(store_t *st, arena_t *a, int64_t site, int64_t start, int64_t max, user_rec_t **out, size_t *n)
{
    if (start < 0)
        start = 0;
    if (max < 0)
        max = 0;
    db_stmt_t *q = stmt(st, Q_USER_LIST);
    db_bind_i64(q, 1, site);
    db_bind_i64(q, 2, start);
    db_bind_i64(q, 3, max);
    user_rec_t *v = arena_calloc(a, (size_t)(max > 0 ? max : 1) * sizeof *v);
    size_t len = 0;
    int rc = DB_DONE;
    while (v && len < (size_t)max && (rc = db_step(q)) == DB_ROW)
        read_user(a, q, &v[len++]);
    int r = v ? db_rc(st, rc == DB_ROW ? DB_DONE : rc) : STORE_ERROR;
    db_done(q);
    *out = v;
    *n = len;
    return r;
}

static int db_token_insert(store_t *st, const unsigned char *hash, int64_t site, const char *acct)
{
    db_stmt_t *q = stmt(st, Q_TOKEN_INSERT);
    db_bind_blob(q, 1, hash, 32);
    db_bind_i64(q, 2, site);
    db_bind_text(q, 3, acct);
    db_bind_i64(q, 4, clock_now_ms());
    return db_write1(st, q);
}

static int db_token_lookup(store_t *st, arena_t *a, const unsigned char *hash, int64_t *site, const char **acct)
{
    db_stmt_t *q = stmt(st, Q_TOKEN_LOOKUP);
    db_bind_blob(q, 1, hash, 32);
    int rc = db_step(q);
    int r = STORE_NOTFOUND;
    if (rc == DB_ROW) {
        *site = db_col_i64(q, 0);
        *acct = db_col_str(a, q, 1);
        r = STORE_OK;
    } else if (rc != DB_DONE) {
        r = db_rc(st, rc);
    }
    db_done(q);
    return r;
}

/* ---- permissions and consents ---- */

static int exists(store_t *st, db_stmt_t *q, int *has)
{
    int rc = db_step(q);
    *has = rc == DB_ROW;
    int r = rc == DB_ROW || rc == DB_DONE ? STORE_OK : db_rc(st, rc);
    db_done(q);
    return r;
}

static int db_perm_grant(store_t *st, int64_t site, const char *account, int64_t project, const char *perm)
{
    db_stmt_t *q = stmt(st, Q_PERM_GRANT);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, account);
    db_bind_i64(q, 3, project);
    db_bind_text(q, 4, perm);
    return db_write1(st, q);
}

static int db_perm_has(store_t *st, int64_t site, const char *account, int64_t project, const char *perm, int *has)
{
    db_stmt_t *q = stmt(st, Q_PERM_HAS);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, account);
    db_bind_i64(q, 3, project);
    db_bind_text(q, 4, perm);
    return exists(st, q, has);
}

static int db_consent_put(store_t *st, int64_t site, const char *app, const char *account, int64_t now)
{
    db_stmt_t *q = stmt(st, Q_CONSENT_PUT);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, app);
    db_bind_text(q, 3, account);
    db_bind_i64(q, 4, now);
    return db_write1(st, q);
}

static int db_consent_delete(store_t *st, int64_t site, const char *app, const char *account)
{
    db_stmt_t *q = stmt(st, Q_CONSENT_DELETE);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, app);
    db_bind_text(q, 3, account);
    return db_write_one_row(st, q);
}

static int db_consent_has(store_t *st, int64_t site, const char *app, const char *account, int *has)
{
    db_stmt_t *q = stmt(st, Q_CONSENT_HAS);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, app);
    db_bind_text(q, 3, account);
    return exists(st, q, has);
}

static int db_consent_drop_uninstalled(store_t *st, int64_t site, const char *app)
{
    db_stmt_t *q = stmt(st, Q_CONSENT_DROP);
    db_bind_i64(q, 1, site);
    db_bind_text(q, 2, app);
    return db_write1(st, q);
}

const store_sites_ops_t db_sites_ops = {
    .site_insert = db_site_insert,
    .site_by_name = db_site_by_name,
    .site_by_id = db_site_by_id,
    .site_list = db_site_list,
    .site_count = db_site_count,
    .user_insert = db_user_insert,
    .user_get = db_user_get,
    .user_list = db_user_list,
    .token_insert = db_token_insert,
    .token_lookup = db_token_lookup,
    .perm_grant = db_perm_grant,
    .perm_has = db_perm_has,
    .consent_put = db_consent_put,
    .consent_delete = db_consent_delete,
    .consent_has = db_consent_has,
    .consent_drop_uninstalled = db_consent_drop_uninstalled,
};
