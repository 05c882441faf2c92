/* SQLite backend: one connection per handle (so per thread), WAL, synchronous=FULL so
 * that a committed write survives kill -9 and power loss, a busy timeout for writers
 * that meet, and every statement prepared once per handle from the table below. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"
#include "store/qcache.h"
#include "store/schema.h"
#include "store/store_backend.h"

enum q {
    Q_BEGIN,
    Q_BEGIN_READ,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_SAVEPOINT,
    Q_RELEASE,
    Q_ROLLBACK_TO,
    Q_SITE_INSERT,
    Q_SITE_BY_NAME,
    Q_SITE_BY_ID,
    Q_SITE_LIST,
    Q_SITE_COUNT,
    Q_SITE_SEED_IDS,
    Q_USER_INSERT,
    Q_USER_GET,
    Q_USER_LIST,
    Q_TOKEN_INSERT,
    Q_TOKEN_LOOKUP,
    Q_NEXT_PROJECT_ID,
    Q_PROJECT_INSERT,
    Q_PROJECT_BY_ID,
    Q_PROJECT_BY_KEY,
    Q_PROJECT_SEARCH_KEY,
    Q_PROJECT_SEARCH_KEY_DESC,
    Q_PROJECT_SEARCH_NAME,
    Q_PROJECT_SEARCH_NAME_DESC,
    Q_PROJECT_COUNT,
    Q_NEXT_ISSUE_ID,
    Q_NEXT_ISSUE_NUM,
    Q_ISSUE_INSERT,
    Q_ISSUE_BY_ID,
    Q_ISSUE_BY_KEY,
    Q_APP_INSERT,
    Q_APP_GET,
    Q_ENV_INSERT,
    Q_ENV_GET,
    Q_ENV_LIST,
    Q_VERSION_NEXT_SEQ,
    Q_VERSION_INSERT,
    Q_VERSION_LATEST,
    Q_VERSION_LATEST_MAJOR,
    Q_VERSION_LIST,
    Q_INSTALL_INSERT,
    Q_INSTALL_GET,
    Q_INSTALL_ACTIVE,
    Q_INSTALL_LIST,
    Q_INSTALL_LIST_ALL,
    Q_INSTALL_SET_MAJOR,
    Q_INSTALL_REMOVE,
    Q_INSTALL_PURGEABLE,
    Q_INSTALL_PURGE,
    Q_WEBTRIGGER_INSERT,
    Q_WEBTRIGGER_BY_MODULE,
    Q_WEBTRIGGER_GET,
    Q_WEBTRIGGER_DELETE,
    Q_WEBTRIGGER_LIST,
    Q_LOG_INSERT,
    Q_LOG_LIST,
    Q_LOG_LIST_SITE,
    Q_AUDIT_INSERT,
    Q_AUDIT_LIST,
    Q_AUDIT_LIST_SITE,
    Q_AUDIT_PURGE,
    Q_LEDGER_INSERT,
    Q_LEDGER_LIST,
    Q_LEDGER_LIST_SITE,
    Q_LEDGER_PURGE,
    Q_ENV_SET_ISOLATION,
    Q_LIFECYCLE_DUE,
    Q_LIFECYCLE_DELIVERED,
    Q_LIFECYCLE_RETRY,
    Q_LIFECYCLE_INSERT,
    Q_LIFECYCLE_LIST,
    Q_KVS_GET,
    Q_KVS_PUT,
    Q_KVS_LIVE,
    Q_KVS_DELETE,
    Q_KVS_LIST,
    Q_KVS_EXPIRE,
    Q_KVS_PURGE,
    Q_VAR_PUT,
    Q_VAR_DELETE,
    Q_VAR_LIST,
    Q_KEY_INSERT,
    Q_KEY_GET,
    Q_KEY_CURRENT,
    Q_KEY_RETIRE,
    Q_KEY_LIST,
    Q_SYSTOKEN_INSERT,
    Q_SYSTOKEN_LOOKUP,
    Q_SYSTOKEN_DELETE_INSTALL,
    Q_SYSTOKEN_DELETE_EXPIRED,
    Q__COUNT
};

#define SITE_COLS "id, cloud_id, name, admin_account_id, canary, created_ms"
#define USER_COLS "account_id, email, display_name, account_type, time_zone, locale, active"
#define PROJECT_COLS                                                                                                   \
    "p.id, p.key, p.name, p.description, p.type_key, p.lead_account_id, p.assignee_type, "                             \
    "p.url, p.created_ms, "                                                                                            \
    "CASE WHEN ?7 THEN (SELECT count(*) FROM issues i"                                                                 \
    " WHERE i.site_id = p.site_id AND i.project_id = p.id) END, "                                                      \
    "CASE WHEN ?7 THEN (SELECT max(updated_ms) FROM issues i"                                                          \
    " WHERE i.site_id = p.site_id AND i.project_id = p.id) END"
#define PROJECT_WHERE                                                                                                  \
    " FROM projects p WHERE p.site_id = ?1"                                                                            \
    " AND (?2 IS NULL OR instr(lower(p.key), ?2) > 0 OR instr(lower(p.name), ?2) > 0)"                                 \
    " AND (?3 IS NULL OR p.key IN (SELECT value FROM json_each(?3)))"                                                  \
    " AND (?4 IS NULL OR p.type_key IN (SELECT value FROM json_each(?4)))"
/* The page walks an index in order; the total is an uncorrelated subquery over the same
 * filter, which SQLite evaluates once per statement (a window count(*) OVER () would
 * force a temporary b-tree on every search). */
#define PROJECT_COUNT_SQL "SELECT count(*)" PROJECT_WHERE
#define PROJECT_SEARCH(order)                                                                                          \
    "SELECT " PROJECT_COLS ", (" PROJECT_COUNT_SQL ")" PROJECT_WHERE " ORDER BY " order " LIMIT ?5 OFFSET ?6"
#define ISSUE_COLS                                                                                                     \
    "i.id, i.project_id, i.num, i.summary, i.description_json, i.issuetype_id, i.status, "                             \
    "i.reporter_account_id, i.assignee_account_id, i.created_ms, i.updated_ms, p.key"

#define APP_COLS "id, name, created_ms"
#define ENV_COLS "app_id, key, id, created_ms"
#define ENV_READ_COLS ENV_COLS ", isolation"
#define LEDGER_COLS                                                                                                    \
    "id, time_ms, site_id, dest_site_id, kind, app_id, installation_id, invocation_id, destination, bytes"
#define VERSION_COLS                                                                                                   \
    "app_id, env_key, seq, major, minor, manifest_json, major_key, scopes_json, egress_json, snapshot, "               \
    "snapshot_bytes, created_ms"
#define INSTALL_COLS                                                                                                   \
    "id, site_id, app_id, env_key, installer_account_id, bot_account_id, major, scopes_json, egress_json, "            \
    "removed, purged, created_ms, updated_ms, removed_ms, purge_after_ms"
#define LIFECYCLE_COLS                                                                                                 \
    "id, installation_id, site_id, event, payload_json, created_ms, delivered_ms, attempts, next_attempt_ms"
#define KVS_COLS "kind, entity, key, value, created_ms, updated_ms, expire_ms"
#define KEY_COLS "id, purpose, wrapped, created_ms, retired_ms"
#define LOG_COLS "id, site_id, installation_id, app_id, invocation_id, module_key, level, message, time_ms"
#define AUDIT_COLS                                                                                                     \
    "id, time_ms, site_id, kind, plane, actor, app_id, installation_id, invocation_id, method, path, status, "         \
    "category, detail, count, last_ms"

static const char *const sql[Q__COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_BEGIN_READ] = "BEGIN",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT unit",
    [Q_RELEASE] = "RELEASE unit",
    [Q_ROLLBACK_TO] = "ROLLBACK TO unit",
    [Q_SITE_INSERT] = "INSERT INTO sites (cloud_id, name, admin_account_id, canary, created_ms) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_SITE_BY_NAME] = "SELECT " SITE_COLS " FROM sites WHERE name = ?1",
    [Q_SITE_BY_ID] = "SELECT " SITE_COLS " FROM sites WHERE id = ?1",
    [Q_SITE_LIST] = "SELECT " SITE_COLS " FROM sites ORDER BY id",
    [Q_SITE_COUNT] = "SELECT count(*) FROM sites",
    [Q_SITE_SEED_IDS] = "UPDATE sites SET next_project_id = max(next_project_id, ?2), "
                        "next_issue_id = max(next_issue_id, ?2) WHERE id = ?1",
    [Q_USER_INSERT] = "INSERT INTO users (site_id, " USER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_USER_GET] = "SELECT " USER_COLS " FROM users WHERE site_id = ?1 AND account_id = ?2",
    [Q_USER_LIST] = "SELECT " USER_COLS " FROM users WHERE site_id = ?1 "
                    "ORDER BY display_name, account_id LIMIT ?3 OFFSET ?2",
    [Q_TOKEN_INSERT] = "INSERT INTO user_tokens (token_hash, site_id, account_id, created_ms) "
                       "VALUES (?1, ?2, ?3, ?4)",
    [Q_TOKEN_LOOKUP] = "SELECT site_id, account_id FROM user_tokens "
                       "WHERE token_hash = ?1 AND revoked = 0",
    [Q_NEXT_PROJECT_ID] = "UPDATE sites SET next_project_id = next_project_id + 1 WHERE id = ?1 "
                          "RETURNING next_project_id - 1",
    [Q_PROJECT_INSERT] = "INSERT INTO projects (site_id, id, key, name, description, type_key, "
                         "lead_account_id, assignee_type, url, created_ms) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [Q_PROJECT_BY_ID] = "SELECT " PROJECT_COLS " FROM projects p WHERE p.site_id = ?1 AND p.id = ?2",
    [Q_PROJECT_BY_KEY] = "SELECT " PROJECT_COLS " FROM projects p WHERE p.site_id = ?1 AND p.key = ?2",
    [Q_PROJECT_SEARCH_KEY] = PROJECT_SEARCH("p.key"),
    [Q_PROJECT_SEARCH_KEY_DESC] = PROJECT_SEARCH("p.key DESC"),
    [Q_PROJECT_SEARCH_NAME] = PROJECT_SEARCH("p.name, p.key"),
    [Q_PROJECT_SEARCH_NAME_DESC] = PROJECT_SEARCH("p.name DESC, p.key DESC"),
    [Q_PROJECT_COUNT] = PROJECT_COUNT_SQL,
    [Q_NEXT_ISSUE_ID] = "UPDATE sites SET next_issue_id = next_issue_id + 1 WHERE id = ?1 "
                        "RETURNING next_issue_id - 1",
    [Q_NEXT_ISSUE_NUM] = "UPDATE projects SET next_issue_num = next_issue_num + 1 "
                         "WHERE site_id = ?1 AND id = ?2 RETURNING next_issue_num - 1",
    [Q_ISSUE_INSERT] = "INSERT INTO issues (site_id, id, project_id, num, summary, description_json, "
                       "issuetype_id, status, reporter_account_id, assignee_account_id, created_ms, "
                       "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [Q_ISSUE_BY_ID] = "SELECT " ISSUE_COLS " FROM issues i JOIN projects p "
                      "ON p.site_id = i.site_id AND p.id = i.project_id "
                      "WHERE i.site_id = ?1 AND i.id = ?2",
    [Q_ISSUE_BY_KEY] = "SELECT " ISSUE_COLS " FROM issues i JOIN projects p "
                       "ON p.site_id = i.site_id AND p.id = i.project_id "
                       "WHERE i.site_id = ?1 AND p.key = ?2 AND i.num = ?3",
    [Q_APP_INSERT] = "INSERT INTO apps (" APP_COLS ") VALUES (?1, ?2, ?3)",
    [Q_APP_GET] = "SELECT " APP_COLS " FROM apps WHERE id = ?1",
    [Q_ENV_INSERT] = "INSERT INTO environments (" ENV_COLS ") VALUES (?1, ?2, ?3, ?4)",
    [Q_ENV_GET] = "SELECT " ENV_READ_COLS " FROM environments WHERE app_id = ?1 AND key = ?2",
    [Q_ENV_LIST] = "SELECT " ENV_READ_COLS " FROM environments WHERE app_id = ?1 ORDER BY created_ms, key",
    [Q_VERSION_NEXT_SEQ] = "SELECT coalesce(max(seq), 0) + 1 FROM versions WHERE app_id = ?1 AND env_key = ?2",
    [Q_VERSION_INSERT] =
        "INSERT INTO versions (" VERSION_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    [Q_VERSION_LATEST] = "SELECT " VERSION_COLS " FROM versions WHERE app_id = ?1 AND env_key = ?2 "
                         "ORDER BY seq DESC LIMIT 1",
    [Q_VERSION_LATEST_MAJOR] = "SELECT " VERSION_COLS " FROM versions WHERE app_id = ?1 AND env_key = ?2 "
                               "AND major = ?3 ORDER BY seq DESC LIMIT 1",
    [Q_VERSION_LIST] = "SELECT " VERSION_COLS " FROM versions WHERE app_id = ?1 AND env_key = ?2 ORDER BY seq",
    [Q_INSTALL_INSERT] = "INSERT INTO installations (" INSTALL_COLS ") "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, 0, ?10, ?10, NULL, NULL)",
    [Q_INSTALL_GET] = "SELECT " INSTALL_COLS " FROM installations WHERE id = ?1",
    [Q_INSTALL_ACTIVE] = "SELECT " INSTALL_COLS " FROM installations "
                         "WHERE site_id = ?1 AND app_id = ?2 AND env_key = ?3 AND removed = 0",
    [Q_INSTALL_LIST] = "SELECT " INSTALL_COLS " FROM installations WHERE app_id = ?1 ORDER BY created_ms DESC, id",
    [Q_INSTALL_LIST_ALL] = "SELECT " INSTALL_COLS " FROM installations ORDER BY created_ms DESC, id",
    [Q_INSTALL_SET_MAJOR] = "UPDATE installations SET major = ?2, scopes_json = ?3, egress_json = ?4, "
                            "updated_ms = ?5 WHERE id = ?1 AND removed = 0",
    [Q_INSTALL_REMOVE] = "UPDATE installations SET removed = 1, removed_ms = ?2, purge_after_ms = ?3, "
                         "updated_ms = ?2 WHERE id = ?1 AND removed = 0",
    [Q_INSTALL_PURGEABLE] = "SELECT " INSTALL_COLS " FROM installations "
                            "WHERE removed = 1 AND purged = 0 AND purge_after_ms <= ?1 ORDER BY purge_after_ms",
    [Q_INSTALL_PURGE] = "UPDATE installations SET purged = 1 WHERE id = ?1 AND removed = 1",
    [Q_WEBTRIGGER_INSERT] = "INSERT OR IGNORE INTO webtriggers (id, installation_id, module_key, created_ms) "
                            "VALUES (?1, ?2, ?3, ?4)",
    [Q_WEBTRIGGER_BY_MODULE] = "SELECT id FROM webtriggers WHERE installation_id = ?1 AND module_key = ?2",
    [Q_WEBTRIGGER_GET] = "SELECT installation_id, module_key FROM webtriggers WHERE id = ?1",
    [Q_WEBTRIGGER_DELETE] = "DELETE FROM webtriggers WHERE id = ?1 AND installation_id = ?2",
    [Q_WEBTRIGGER_LIST] = "SELECT id, module_key FROM webtriggers WHERE installation_id = ?1 ORDER BY module_key",
    [Q_LOG_INSERT] = "INSERT INTO function_logs (site_id, installation_id, app_id, invocation_id, module_key, "
                     "level, message, time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_LOG_LIST] = "SELECT * FROM (SELECT " LOG_COLS " FROM function_logs WHERE id > ?2 ORDER BY id DESC LIMIT ?3) "
                   "ORDER BY id",
    [Q_LOG_LIST_SITE] = "SELECT * FROM (SELECT " LOG_COLS " FROM function_logs WHERE site_id = ?1 AND id > ?2 "
                        "ORDER BY id DESC LIMIT ?3) ORDER BY id",
    [Q_AUDIT_INSERT] = "INSERT INTO audit_log (time_ms, site_id, kind, plane, actor, app_id, installation_id, "
                       "invocation_id, method, path, status, category, detail, count, last_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [Q_AUDIT_LIST] = "SELECT * FROM (SELECT " AUDIT_COLS " FROM audit_log WHERE time_ms >= ?2 AND id > ?3 "
                     "ORDER BY id DESC LIMIT ?4) ORDER BY id",
    [Q_AUDIT_LIST_SITE] = "SELECT * FROM (SELECT " AUDIT_COLS " FROM audit_log WHERE site_id = ?1 AND time_ms >= ?2 "
                          "AND id > ?3 ORDER BY id DESC LIMIT ?4) ORDER BY id",
    [Q_AUDIT_PURGE] = "DELETE FROM audit_log WHERE time_ms < ?1",
    [Q_LEDGER_INSERT] = "INSERT INTO ledger (time_ms, site_id, dest_site_id, kind, app_id, installation_id, "
                        "invocation_id, destination, bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_LEDGER_LIST] = "SELECT * FROM (SELECT " LEDGER_COLS " FROM ledger WHERE time_ms >= ?2 AND id > ?3 "
                      "ORDER BY id DESC LIMIT ?4) ORDER BY id",
    /* a site's view: its data going out, and other sites' data coming in; nothing else */
    [Q_LEDGER_LIST_SITE] = "SELECT * FROM (SELECT " LEDGER_COLS " FROM ledger WHERE site_id = ?1 AND time_ms >= ?2 "
                           "AND id > ?3 UNION ALL SELECT " LEDGER_COLS " FROM ledger WHERE dest_site_id = ?1 "
                           "AND dest_site_id != 0 AND site_id != ?1 AND time_ms >= ?2 AND id > ?3 "
                           "ORDER BY id DESC LIMIT ?4) ORDER BY id",
    /* rows are written in time order (one writer, batches in queue order), so everything
       below the first id at or past the cutoff is older: no index on time_ms needed */
    [Q_LEDGER_PURGE] = "DELETE FROM ledger WHERE id < COALESCE((SELECT id FROM ledger WHERE time_ms >= ?1 ORDER BY id "
                       "LIMIT 1), (SELECT MAX(id) + 1 FROM ledger), 0)",
    [Q_ENV_SET_ISOLATION] = "UPDATE environments SET isolation = ?3 WHERE app_id = ?1 AND key = ?2",
    [Q_LIFECYCLE_DUE] = "SELECT " LIFECYCLE_COLS " FROM lifecycle_events WHERE delivered_ms IS NULL "
                        "AND next_attempt_ms <= ?1 ORDER BY id LIMIT 100",
    [Q_LIFECYCLE_DELIVERED] = "UPDATE lifecycle_events SET delivered_ms = ?2, attempts = attempts + 1 WHERE id = ?1",
    [Q_LIFECYCLE_RETRY] = "UPDATE lifecycle_events SET attempts = attempts + 1, next_attempt_ms = ?2 WHERE id = ?1",
    [Q_LIFECYCLE_INSERT] = "INSERT INTO lifecycle_events (installation_id, site_id, event, payload_json, "
                           "created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_LIFECYCLE_LIST] = "SELECT " LIFECYCLE_COLS " FROM lifecycle_events WHERE installation_id = ?1 ORDER BY id",
    /* app storage: (site_id, installation_id) lead every statement's key (docs/kvs.md) */
    [Q_KVS_GET] = "SELECT " KVS_COLS " FROM kvs WHERE site_id = ?1 AND installation_id = ?2 AND kind = ?3 "
                  "AND entity = ?4 AND key = ?5 AND (expire_ms IS NULL OR expire_ms > ?6)",
    [Q_KVS_PUT] = "INSERT INTO kvs (site_id, installation_id, kind, entity, key, value, created_ms, updated_ms, "
                  "expire_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
                  "ON CONFLICT (site_id, installation_id, kind, entity, key) DO UPDATE SET value = excluded.value, "
                  "created_ms = CASE WHEN kvs.expire_ms IS NULL OR kvs.expire_ms > ?10 THEN kvs.created_ms "
                  "ELSE excluded.created_ms END, updated_ms = excluded.updated_ms, expire_ms = excluded.expire_ms",
    /* (not DELETE ... RETURNING: SQLite 3.40 returns wrong column values from it on a
       WITHOUT ROWID table) */
    [Q_KVS_LIVE] = "SELECT expire_ms IS NULL OR expire_ms > ?6 FROM kvs WHERE site_id = ?1 AND installation_id = ?2 "
                   "AND kind = ?3 AND entity = ?4 AND key = ?5",
    [Q_KVS_DELETE] = "DELETE FROM kvs WHERE site_id = ?1 AND installation_id = ?2 AND kind = ?3 AND entity = ?4 "
                     "AND key = ?5",
    [Q_KVS_LIST] = "SELECT " KVS_COLS " FROM kvs WHERE site_id = ?1 AND installation_id = ?2 AND kind = ?3 "
                   "AND entity = ?4 AND (?5 IS NULL OR key >= ?5) AND (?6 IS NULL OR key < ?6) "
                   "AND (?7 IS NULL OR key > ?7) AND (expire_ms IS NULL OR expire_ms > ?8) ORDER BY key LIMIT ?9",
    [Q_KVS_EXPIRE] = "DELETE FROM kvs WHERE (site_id, installation_id, kind, entity, key) IN "
                     "(SELECT site_id, installation_id, kind, entity, key FROM kvs "
                     "WHERE expire_ms IS NOT NULL AND expire_ms <= ?1 LIMIT ?2)",
    [Q_KVS_PURGE] = "DELETE FROM kvs WHERE site_id = ?1 AND installation_id = ?2",
    [Q_VAR_PUT] = "INSERT INTO variables (app_id, env_key, key, encrypted, value, created_ms, updated_ms) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (app_id, env_key, key) DO UPDATE SET "
                  "encrypted = excluded.encrypted, value = excluded.value, updated_ms = excluded.updated_ms",
    [Q_VAR_DELETE] = "DELETE FROM variables WHERE app_id = ?1 AND env_key = ?2 AND key = ?3",
    [Q_VAR_LIST] = "SELECT key, encrypted, value, created_ms, updated_ms FROM variables "
                   "WHERE app_id = ?1 AND env_key = ?2 ORDER BY key",
    [Q_KEY_INSERT] = "INSERT INTO keys (id, purpose, wrapped, created_ms) VALUES (?1, ?2, ?3, ?4)",
    [Q_KEY_GET] = "SELECT " KEY_COLS " FROM keys WHERE id = ?1",
    [Q_KEY_CURRENT] = "SELECT " KEY_COLS " FROM keys WHERE purpose = ?1 AND retired_ms IS NULL "
                      "ORDER BY created_ms DESC, id LIMIT 1",
    [Q_KEY_RETIRE] = "UPDATE keys SET retired_ms = ?2 WHERE purpose = ?1 AND retired_ms IS NULL",
    [Q_KEY_LIST] = "SELECT " KEY_COLS " FROM keys WHERE purpose = ?1 ORDER BY created_ms DESC, id LIMIT ?2",
    [Q_SYSTOKEN_INSERT] = "INSERT INTO system_tokens (token_hash, installation_id, site_id, created_ms, expires_ms) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_SYSTOKEN_LOOKUP] = "SELECT installation_id, site_id, created_ms, expires_ms FROM system_tokens "
                          "WHERE token_hash = ?1",
    [Q_SYSTOKEN_DELETE_INSTALL] = "DELETE FROM system_tokens WHERE installation_id = ?1",
    [Q_SYSTOKEN_DELETE_EXPIRED] = "DELETE FROM system_tokens WHERE expires_ms < ?1",
};

/* Read snapshots are kept between requests (PARKED) and reused while no write has
 * committed through this process since (write_gen unchanged) and for at most
 * SNAP_REUSE_MS. Reuse saves the two fcntl(2) lock calls that every SQLite read
 * transaction costs in WAL mode — on the hot path, half of kiln's system calls. Every
 * write commits through sq_commit, which bumps write_gen before the write is
 * acknowledged, so a client always reads its own writes; writers outside this process
 * (none in normal operation) are seen within SNAP_REUSE_MS. A parked snapshot is
 * released before any statement outside a read (stmt()) and when the thread goes idle
 * (store_idle), so it never pins the WAL for long. */
#define SNAP_REUSE_MS 100

enum snap { SNAP_NONE, SNAP_ACTIVE, SNAP_PARKED };

static _Atomic uint64_t write_gen;

struct sqlite_store {
    store_t base;
    sqlite3 *db;
    sqlite3_stmt *stmts[Q__COUNT];
    int in_tx;      /* a write transaction is open */
    enum snap snap; /* the read snapshot's state */
    qcache_t *qc;   /* project-search answers (store/qcache.h) */
    uint64_t snap_gen;
    int64_t snap_ms;
};

#define DB(st) (((struct sqlite_store *)(st))->db)

static sqlite3_stmt *prepared(struct sqlite_store *s, enum q id);

static void snap_release(struct sqlite_store *s)
{
    sqlite3_stmt *q = prepared(s, Q_COMMIT);
    sqlite3_step(q);
    sqlite3_reset(q);
    s->snap = SNAP_NONE;
}

/* Prepared once per handle; returned reset and with bindings cleared. Any statement
 * outside an active read ends a parked snapshot first, so it never sees stale data. */
static sqlite3_stmt *stmt(store_t *st, enum q id)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    if (s->snap == SNAP_PARKED)
        snap_release(s);
    return prepared(s, id);
}

static sqlite3_stmt *prepared(struct sqlite_store *s, enum q id)
{
    if (!s->stmts[id]) {
        if (sqlite3_prepare_v3(s->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[id], NULL) != SQLITE_OK) {
            /* The SQL is static: failing to prepare it is a bug or a schema mismatch. */
            log_msg(LOG_ERROR, "store: prepare failed", "error", sqlite3_errmsg(s->db), "sql", sql[id], NULL);
            abort();
        }
    }
    return s->stmts[id];
}

static void done(sqlite3_stmt *q)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
}

static int map_rc(store_t *st, int rc)
{
    if (rc == SQLITE_DONE || rc == SQLITE_OK || rc == SQLITE_ROW)
        return STORE_OK;
    if (rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT)
        return STORE_CONFLICT;
    log_msg(LOG_ERROR, "store: statement failed", "error", sqlite3_errmsg(DB(st)), NULL);
    return STORE_ERROR;
}

/* Runs a statement that returns no rows (or ignores them). */
static int exec_q(store_t *st, sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    int r = map_rc(st, rc);
    done(q);
    return r;
}

static const char *col_str(arena_t *a, sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    if (!t)
        return NULL;
    const char *s = arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(q, i));
    if (!s)
        kiln_oom((size_t)sqlite3_column_bytes(q, i));
    return s;
}

static void bind_text(sqlite3_stmt *q, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(q, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(q, i);
}

/* ---- lifecycle ---- */

static void sq_close(store_t *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    if (s->snap != SNAP_NONE)
        snap_release(s);
    qcache_free(s->qc);
    for (int i = 0; i < Q__COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    sqlite3_close(s->db);
    free(s);
}

static int sq_migrate(store_t *st, char *err, size_t errlen)
{
    sqlite3 *db = DB(st);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
        goto fail;
    int version = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    if (version < 0)
        goto fail;
    if ((unsigned)version > schema_sqlite_len) {
        snprintf(err, errlen, "store schema version %d is newer than this binary (%u)", version, schema_sqlite_len);
        return STORE_ERROR;
    }
    for (unsigned v = (unsigned)version; v < schema_sqlite_len; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %u", v + 1);
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
        if (sqlite3_exec(db, schema_sqlite[v], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "migration %u failed: %s", v + 1, sqlite3_errmsg(db));
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return STORE_ERROR;
        }
        if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
        log_msg(LOG_INFO, "store: migrated", "version", pragma + 22, NULL);
    }
    return STORE_OK;
fail:
    snprintf(err, errlen, "migration failed: %s", sqlite3_errmsg(db));
    return STORE_ERROR;
}

static int sq_check(store_t *st, char *out, size_t outlen)
{
    sqlite3_stmt *q;
    int rc = STORE_OK;
    if (sqlite3_prepare_v2(DB(st), "PRAGMA integrity_check", -1, &q, NULL) != SQLITE_OK) {
        snprintf(out, outlen, "%s", sqlite3_errmsg(DB(st)));
        return STORE_ERROR;
    }
    size_t used = 0;
    out[0] = '\0';
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(q, 0);
        if (strcmp(line, "ok") != 0)
            rc = STORE_ERROR;
        int n = snprintf(out + used, outlen - used, "%s%s", used ? "\n" : "", line);
        if (n < 0 || (size_t)n >= outlen - used)
            break;
        used += (size_t)n;
    }
    sqlite3_finalize(q);
    if (sqlite3_prepare_v2(DB(st), "PRAGMA foreign_key_check", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) {
            rc = STORE_ERROR;
            snprintf(out, outlen, "foreign key violation in table %s", sqlite3_column_text(q, 0));
        }
        sqlite3_finalize(q);
    }
    return rc;
}

static int sq_begin(store_t *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    if (s->snap != SNAP_NONE)
        snap_release(s);
    int rc = exec_q(st, stmt(st, Q_BEGIN));
    if (rc == STORE_OK)
        s->in_tx = 1;
    return rc;
}

static int sq_begin_read(store_t *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    if (s->in_tx || s->snap == SNAP_ACTIVE)
        return STORE_ERROR; /* reads do not nest */
    uint64_t gen = write_gen;
    int64_t now = clock_now_ms();
    if (s->snap == SNAP_PARKED && s->snap_gen == gen && now - s->snap_ms < SNAP_REUSE_MS) {
        s->snap = SNAP_ACTIVE;
        return STORE_OK;
    }
    int rc = exec_q(st, stmt(st, Q_BEGIN_READ)); /* stmt() released a parked one */
    if (rc == STORE_OK) {
        s->snap = SNAP_ACTIVE;
        s->snap_gen = gen; /* read before BEGIN: a write in between only makes it look older */
        s->snap_ms = now;
    }
    return rc;
}

static int sq_commit(store_t *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    if (s->snap == SNAP_ACTIVE) {
        s->snap = SNAP_PARKED;
        return STORE_OK;
    }
    s->in_tx = 0;
    int rc = exec_q(st, stmt(st, Q_COMMIT));
    if (rc == STORE_OK)
        write_gen++; /* before the caller acknowledges the write */
    return rc;
}

static void sq_rollback(store_t *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    if (s->snap == SNAP_ACTIVE) {
        s->snap = SNAP_PARKED;
        return;
    }
    s->in_tx = 0;
    exec_q(st, stmt(st, Q_ROLLBACK));
}

static int sq_savepoint(store_t *st)
{
    if (!((struct sqlite_store *)st)->in_tx)
        return STORE_ERROR; /* only inside a write transaction */
    return exec_q(st, stmt(st, Q_SAVEPOINT));
}

static int sq_savepoint_release(store_t *st)
{
    return exec_q(st, stmt(st, Q_RELEASE));
}

static void sq_savepoint_rollback(store_t *st)
{
    exec_q(st, stmt(st, Q_ROLLBACK_TO));
    exec_q(st, stmt(st, Q_RELEASE));
}

static void sq_idle(store_t *st)
{
    struct sqlite_store *s = (struct sqlite_store *)st;
    if (s->snap == SNAP_PARKED && clock_now_ms() - s->snap_ms >= SNAP_REUSE_MS)
        snap_release(s);
}

static int tx_open(store_t *st, int *opened);
static int tx_close(store_t *st, int opened, int rc);

/* A single-statement write, in a transaction of its own unless one is open. */
static int write1(store_t *st, sqlite3_stmt *q)
{
    int opened, rc = tx_open(st, &opened);
    if (rc == STORE_OK)
        rc = exec_q(st, q);
    return tx_close(st, opened, rc);
}

/* ---- sites ---- */

static void read_site(arena_t *a, sqlite3_stmt *q, site_rec_t *s)
{
    s->id = sqlite3_column_int64(q, 0);
    s->cloud_id = col_str(a, q, 1);
    s->name = col_str(a, q, 2);
    s->admin_account_id = col_str(a, q, 3);
    s->canary = col_str(a, q, 4);
    s->created_ms = sqlite3_column_int64(q, 5);
}

static int one_site(store_t *st, arena_t *a, sqlite3_stmt *q, site_rec_t *out)
{
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? (read_site(a, q, out), STORE_OK) : rc == SQLITE_DONE ? STORE_NOTFOUND : map_rc(st, rc);
    done(q);
    return r;
}

static int sq_site_insert(store_t *st, site_rec_t *s)
{
    sqlite3_stmt *q = stmt(st, Q_SITE_INSERT);
    bind_text(q, 1, s->cloud_id);
    bind_text(q, 2, s->name);
    bind_text(q, 3, s->admin_account_id);
    bind_text(q, 4, s->canary);
    sqlite3_bind_int64(q, 5, s->created_ms);
    int rc = write1(st, q);
    if (rc == STORE_OK)
        s->id = sqlite3_last_insert_rowid(DB(st));
    return rc;
}

static int sq_site_by_name(store_t *st, arena_t *a, const char *name, site_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_SITE_BY_NAME);
    bind_text(q, 1, name);
    return one_site(st, a, q, out);
}

static int sq_site_by_id(store_t *st, arena_t *a, int64_t id, site_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_SITE_BY_ID);
    sqlite3_bind_int64(q, 1, id);
    return one_site(st, a, q, out);
}

/* Steps q to the end, reading each row with `read` into a growable arena array of
 * `size`-byte records. */
static int collect(store_t *st, arena_t *a, sqlite3_stmt *q, size_t size,
                   void (*read)(arena_t *, sqlite3_stmt *, void *), void **out, size_t *n)
{
    size_t cap = 16, len = 0;
    char *v = arena_alloc(a, cap * size);
    int rc = SQLITE_DONE;
    while (v && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            char *w = arena_alloc(a, 2 * cap * size);
            if (!w) {
                v = NULL;
                break;
            }
            memcpy(w, v, len * size);
            v = w;
            cap *= 2;
        }
        read(a, q, v + len++ * size);
    }
    int r = v ? map_rc(st, rc) : STORE_ERROR;
    done(q);
    *out = v;
    *n = r == STORE_OK ? len : 0;
    return r;
}

static void read_site_any(arena_t *a, sqlite3_stmt *q, void *p)
{
    read_site(a, q, p);
}

static int sq_site_list(store_t *st, arena_t *a, site_rec_t **out, size_t *n)
{
    return collect(st, a, stmt(st, Q_SITE_LIST), sizeof **out, read_site_any, (void **)out, n);
}

static int count_q(store_t *st, sqlite3_stmt *q, int64_t *n)
{
    int rc = sqlite3_step(q);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    int r = rc == SQLITE_ROW ? STORE_OK : map_rc(st, rc);
    done(q);
    return r;
}

static int sq_site_count(store_t *st, int64_t *n)
{
    return count_q(st, stmt(st, Q_SITE_COUNT), n);
}

static int sq_site_seed_ids(store_t *st, int64_t site, int64_t first)
{
    sqlite3_stmt *q = stmt(st, Q_SITE_SEED_IDS);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, first);
    int rc = write1(st, q);
    if (rc == STORE_OK && sqlite3_changes(DB(st)) != 1)
        rc = STORE_NOTFOUND;
    return rc;
}

/* ---- users and tokens ---- */

static void read_user(arena_t *a, sqlite3_stmt *q, user_rec_t *u)
{
    u->account_id = col_str(a, q, 0);
    u->email = col_str(a, q, 1);
    u->display_name = col_str(a, q, 2);
    u->account_type = col_str(a, q, 3);
    u->time_zone = col_str(a, q, 4);
    u->locale = col_str(a, q, 5);
    u->active = sqlite3_column_int(q, 6);
}

static int sq_user_insert(store_t *st, int64_t site, const user_rec_t *u)
{
    sqlite3_stmt *q = stmt(st, Q_USER_INSERT);
    sqlite3_bind_int64(q, 1, site);
    bind_text(q, 2, u->account_id);
    bind_text(q, 3, u->email);
    bind_text(q, 4, u->display_name);
    bind_text(q, 5, u->account_type);
    bind_text(q, 6, u->time_zone);
    bind_text(q, 7, u->locale);
    sqlite3_bind_int(q, 8, u->active);
    return write1(st, q);
}

static int sq_user_get(store_t *st, arena_t *a, int64_t site, const char *id, user_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_USER_GET);
    sqlite3_bind_int64(q, 1, site);
    bind_text(q, 2, id);
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? (read_user(a, q, out), STORE_OK) : rc == SQLITE_DONE ? STORE_NOTFOUND : map_rc(st, rc);
    done(q);
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
    int r = v ? map_rc(st, rc == SQLITE_ROW ? SQLITE_DONE : rc) : STORE_ERROR;
    done(q);
    *out = v;
    *n = len;
    return r;
}

static int sq_token_insert(store_t *st, const unsigned char *hash, int64_t site, const char *acct)
{
    sqlite3_stmt *q = stmt(st, Q_TOKEN_INSERT);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, site);
    bind_text(q, 3, acct);
    sqlite3_bind_int64(q, 4, clock_now_ms());
    return write1(st, q);
}

static int sq_token_lookup(store_t *st, arena_t *a, const unsigned char *hash, int64_t *site, const char **acct)
{
    sqlite3_stmt *q = stmt(st, Q_TOKEN_LOOKUP);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int r = STORE_NOTFOUND;
    if (rc == SQLITE_ROW) {
        *site = sqlite3_column_int64(q, 0);
        *acct = col_str(a, q, 1);
        r = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        r = map_rc(st, rc);
    }
    done(q);
    return r;
}

/* ---- projects ---- */

static void read_project(arena_t *a, sqlite3_stmt *q, project_rec_t *p)
{
    p->id = sqlite3_column_int64(q, 0);
    p->key = col_str(a, q, 1);
    p->name = col_str(a, q, 2);
    p->description = col_str(a, q, 3);
    p->type_key = col_str(a, q, 4);
    p->lead_account_id = col_str(a, q, 5);
    p->assignee_type = col_str(a, q, 6);
    p->url = col_str(a, q, 7);
    p->created_ms = sqlite3_column_int64(q, 8);
    p->issue_count = sqlite3_column_int64(q, 9);
    p->last_issue_update_ms = sqlite3_column_int64(q, 10);
}

/* Writes that need several statements run in a transaction of their own unless the
 * caller already opened one. */
static int tx_open(store_t *st, int *opened)
{
    *opened = 0;
    if (((struct sqlite_store *)st)->in_tx)
        return STORE_OK;
    int rc = sq_begin(st);
    *opened = rc == STORE_OK;
    return rc;
}

static int tx_close(store_t *st, int opened, int rc)
{
    if (!opened)
        return rc;
    if (rc == STORE_OK)
        return sq_commit(st);
    sq_rollback(st);
    return rc;
}

static int next_id(store_t *st, sqlite3_stmt *q, int64_t *id)
{
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOTFOUND : map_rc(st, rc);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(q, 0);
    done(q);
    return r;
}

static int sq_project_insert(store_t *st, int64_t site, project_rec_t *p)
{
    int opened, rc = tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_NEXT_PROJECT_ID);
    sqlite3_bind_int64(q, 1, site);
    rc = next_id(st, q, &p->id);
    if (rc == STORE_OK) {
        q = stmt(st, Q_PROJECT_INSERT);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, p->id);
        bind_text(q, 3, p->key);
        bind_text(q, 4, p->name);
        bind_text(q, 5, p->description ? p->description : "");
        bind_text(q, 6, p->type_key);
        bind_text(q, 7, p->lead_account_id);
        bind_text(q, 8, p->assignee_type ? p->assignee_type : "UNASSIGNED");
        bind_text(q, 9, p->url ? p->url : "");
        sqlite3_bind_int64(q, 10, p->created_ms);
        rc = exec_q(st, q);
    }
    return tx_close(st, opened, rc);
}

static int one_project(store_t *st, arena_t *a, sqlite3_stmt *q, int64_t site, project_rec_t *out)
{
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int(q, 7, 1);
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW    ? (read_project(a, q, out), STORE_OK)
            : rc == SQLITE_DONE ? STORE_NOTFOUND
                                : map_rc(st, rc);
    done(q);
    return r;
}

static int sq_project_by_id(store_t *st, arena_t *a, int64_t site, int64_t id, project_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_PROJECT_BY_ID);
    sqlite3_bind_int64(q, 2, id);
    return one_project(st, a, q, site, out);
}

static int sq_project_by_key(store_t *st, arena_t *a, int64_t site, const char *key, project_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_PROJECT_BY_KEY);
    bind_text(q, 2, key);
    return one_project(st, a, q, site, out);
}

static void bind_filter(sqlite3_stmt *q, int64_t site, const project_filter_t *f)
{
    sqlite3_bind_int64(q, 1, site);
    bind_text(q, 2, f->query);
    bind_text(q, 3, f->keys_json);
    bind_text(q, 4, f->types_json);
}

static int sq_project_search(store_t *st, arena_t *a, int64_t site, const project_filter_t *f, project_rec_t **out,
                             size_t *n, int64_t *total)
{
    static const enum q order_q[] = {
        [PROJECT_ORDER_KEY] = Q_PROJECT_SEARCH_KEY,
        [PROJECT_ORDER_KEY_DESC] = Q_PROJECT_SEARCH_KEY_DESC,
        [PROJECT_ORDER_NAME] = Q_PROJECT_SEARCH_NAME,
        [PROJECT_ORDER_NAME_DESC] = Q_PROJECT_SEARCH_NAME_DESC,
    };
    struct sqlite_store *s = (struct sqlite_store *)st;
    /* The data we are about to read is at least as new as this generation: the active
     * snapshot's (taken before its BEGIN), or now (the statement starts after this). */
    uint64_t gen = s->snap == SNAP_ACTIVE ? s->snap_gen : write_gen;
    int cacheable = !s->in_tx; /* never remember what a write transaction may roll back */
    if (cacheable && qcache_get(&s->qc, a, write_gen, site, f, out, n, total))
        return STORE_OK;
    sqlite3_stmt *q = stmt(st, order_q[f->order]);
    bind_filter(q, site, f);
    sqlite3_bind_int64(q, 5, f->max_results);
    sqlite3_bind_int64(q, 6, f->start_at);
    sqlite3_bind_int(q, 7, f->insight);
    size_t cap = (size_t)(f->max_results > 0 ? f->max_results : 1);
    project_rec_t *v = arena_calloc(a, cap * sizeof *v);
    size_t len = 0;
    int src = SQLITE_DONE;
    while (v && len < cap && (src = sqlite3_step(q)) == SQLITE_ROW) {
        read_project(a, q, &v[len++]);
        *total = sqlite3_column_int64(q, 11);
    }
    int r = v ? map_rc(st, src == SQLITE_ROW ? SQLITE_DONE : src) : STORE_ERROR;
    done(q);
    *out = v;
    *n = len;
    if (r == STORE_OK && len == 0) {
        /* An empty page (no match, maxResults=0, or startAt past the end) still has a total. */
        sqlite3_stmt *c = stmt(st, Q_PROJECT_COUNT);
        bind_filter(c, site, f);
        r = count_q(st, c, total);
    }
    if (r == STORE_OK && cacheable)
        qcache_put(&s->qc, gen, site, f, v, len, *total);
    return r;
}

/* ---- issues ---- */

static int sq_issue_insert(store_t *st, int64_t site, issue_rec_t *i)
{
    int opened, rc = tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_NEXT_ISSUE_ID);
    sqlite3_bind_int64(q, 1, site);
    rc = next_id(st, q, &i->id);
    if (rc == STORE_OK) {
        q = stmt(st, Q_NEXT_ISSUE_NUM);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, i->project_id);
        rc = next_id(st, q, &i->num);
    }
    if (rc == STORE_OK) {
        q = stmt(st, Q_ISSUE_INSERT);
        sqlite3_bind_int64(q, 1, site);
        sqlite3_bind_int64(q, 2, i->id);
        sqlite3_bind_int64(q, 3, i->project_id);
        sqlite3_bind_int64(q, 4, i->num);
        bind_text(q, 5, i->summary);
        bind_text(q, 6, i->description_json);
        bind_text(q, 7, i->issuetype_id);
        bind_text(q, 8, i->status);
        bind_text(q, 9, i->reporter_account_id);
        bind_text(q, 10, i->assignee_account_id);
        sqlite3_bind_int64(q, 11, i->created_ms);
        sqlite3_bind_int64(q, 12, i->updated_ms);
        rc = exec_q(st, q);
    }
    return tx_close(st, opened, rc);
}

static int one_issue(store_t *st, arena_t *a, sqlite3_stmt *q, int64_t site, issue_rec_t *out, const char **pkey)
{
    sqlite3_bind_int64(q, 1, site);
    int rc = sqlite3_step(q);
    int r = STORE_NOTFOUND;
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(q, 0);
        out->project_id = sqlite3_column_int64(q, 1);
        out->num = sqlite3_column_int64(q, 2);
        out->summary = col_str(a, q, 3);
        out->description_json = col_str(a, q, 4);
        out->issuetype_id = col_str(a, q, 5);
        out->status = col_str(a, q, 6);
        out->reporter_account_id = col_str(a, q, 7);
        out->assignee_account_id = col_str(a, q, 8);
        out->created_ms = sqlite3_column_int64(q, 9);
        out->updated_ms = sqlite3_column_int64(q, 10);
        *pkey = col_str(a, q, 11);
        r = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        r = map_rc(st, rc);
    }
    done(q);
    return r;
}

static int sq_issue_by_id(store_t *st, arena_t *a, int64_t site, int64_t id, issue_rec_t *out, const char **pkey)
{
    sqlite3_stmt *q = stmt(st, Q_ISSUE_BY_ID);
    sqlite3_bind_int64(q, 2, id);
    return one_issue(st, a, q, site, out, pkey);
}

static int sq_issue_by_key(store_t *st, arena_t *a, int64_t site, const char *key, int64_t num, issue_rec_t *out,
                           const char **pkey)
{
    sqlite3_stmt *q = stmt(st, Q_ISSUE_BY_KEY);
    bind_text(q, 2, key);
    sqlite3_bind_int64(q, 3, num);
    return one_issue(st, a, q, site, out, pkey);
}

/* ---- apps, environments, versions ---- */

static void read_app(arena_t *a, sqlite3_stmt *q, void *p)
{
    app_rec_t *r = p;
    r->id = col_str(a, q, 0);
    r->name = col_str(a, q, 1);
    r->created_ms = sqlite3_column_int64(q, 2);
}

static void read_env(arena_t *a, sqlite3_stmt *q, void *p)
{
    env_rec_t *r = p;
    r->app_id = col_str(a, q, 0);
    r->key = col_str(a, q, 1);
    r->id = col_str(a, q, 2);
    r->created_ms = sqlite3_column_int64(q, 3);
    r->isolation = col_str(a, q, 4);
}

static int sq_env_set_isolation(store_t *st, const char *app, const char *key, const char *isolation)
{
    sqlite3_stmt *q = stmt(st, Q_ENV_SET_ISOLATION);
    bind_text(q, 1, app);
    bind_text(q, 2, key);
    bind_text(q, 3, isolation);
    int rc = write1(st, q);
    return rc == STORE_OK && sqlite3_changes(DB(st)) == 0 ? STORE_NOTFOUND : rc;
}

static void read_version(arena_t *a, sqlite3_stmt *q, void *p)
{
    version_rec_t *r = p;
    r->app_id = col_str(a, q, 0);
    r->env_key = col_str(a, q, 1);
    r->seq = sqlite3_column_int64(q, 2);
    r->major = sqlite3_column_int64(q, 3);
    r->minor = sqlite3_column_int64(q, 4);
    r->manifest_json = col_str(a, q, 5);
    r->major_key = col_str(a, q, 6);
    r->scopes_json = col_str(a, q, 7);
    r->egress_json = col_str(a, q, 8);
    r->snapshot = col_str(a, q, 9);
    r->snapshot_bytes = sqlite3_column_int64(q, 10);
    r->created_ms = sqlite3_column_int64(q, 11);
}

static void read_install(arena_t *a, sqlite3_stmt *q, void *p)
{
    install_rec_t *r = p;
    r->id = col_str(a, q, 0);
    r->site_id = sqlite3_column_int64(q, 1);
    r->app_id = col_str(a, q, 2);
    r->env_key = col_str(a, q, 3);
    r->installer_account_id = col_str(a, q, 4);
    r->bot_account_id = col_str(a, q, 5);
    r->major = sqlite3_column_int64(q, 6);
    r->scopes_json = col_str(a, q, 7);
    r->egress_json = col_str(a, q, 8);
    r->removed = sqlite3_column_int(q, 9);
    r->purged = sqlite3_column_int(q, 10);
    r->created_ms = sqlite3_column_int64(q, 11);
    r->updated_ms = sqlite3_column_int64(q, 12);
    r->removed_ms = sqlite3_column_int64(q, 13);
    r->purge_after_ms = sqlite3_column_int64(q, 14);
}

static void read_lifecycle(arena_t *a, sqlite3_stmt *q, void *p)
{
    lifecycle_rec_t *r = p;
    r->id = sqlite3_column_int64(q, 0);
    r->installation_id = col_str(a, q, 1);
    r->site_id = sqlite3_column_int64(q, 2);
    r->event = col_str(a, q, 3);
    r->payload_json = col_str(a, q, 4);
    r->created_ms = sqlite3_column_int64(q, 5);
    r->delivered_ms = sqlite3_column_int64(q, 6);
    r->attempts = sqlite3_column_int64(q, 7);
    r->next_attempt_ms = sqlite3_column_int64(q, 8);
}

static int write_one_row(store_t *st, sqlite3_stmt *q);

static void read_log(arena_t *a, sqlite3_stmt *q, void *p)
{
    log_rec_t *r = p;
    r->id = sqlite3_column_int64(q, 0);
    r->site_id = sqlite3_column_int64(q, 1);
    r->installation_id = col_str(a, q, 2);
    r->app_id = col_str(a, q, 3);
    r->invocation_id = col_str(a, q, 4);
    r->module_key = col_str(a, q, 5);
    r->level = col_str(a, q, 6);
    r->message = col_str(a, q, 7);
    r->time_ms = sqlite3_column_int64(q, 8);
}

static int sq_logs_insert(store_t *st, const log_rec_t *r, size_t n)
{
    int opened, rc = tx_open(st, &opened);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        sqlite3_stmt *q = stmt(st, Q_LOG_INSERT);
        sqlite3_bind_int64(q, 1, r[i].site_id);
        bind_text(q, 2, r[i].installation_id);
        bind_text(q, 3, r[i].app_id);
        bind_text(q, 4, r[i].invocation_id);
        bind_text(q, 5, r[i].module_key);
        bind_text(q, 6, r[i].level);
        bind_text(q, 7, r[i].message);
        sqlite3_bind_int64(q, 8, r[i].time_ms);
        rc = exec_q(st, q);
    }
    return tx_close(st, opened, rc);
}

static int sq_logs_list(store_t *st, arena_t *a, int64_t site, int64_t after, int64_t max, log_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, site ? Q_LOG_LIST_SITE : Q_LOG_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, after);
    sqlite3_bind_int64(q, 3, max);
    return collect(st, a, q, sizeof **out, read_log, (void **)out, n);
}

static void read_audit(arena_t *a, sqlite3_stmt *q, void *p)
{
    audit_rec_t *r = p;
    r->id = sqlite3_column_int64(q, 0);
    r->time_ms = sqlite3_column_int64(q, 1);
    r->site_id = sqlite3_column_int64(q, 2);
    r->kind = col_str(a, q, 3);
    r->plane = col_str(a, q, 4);
    r->actor = col_str(a, q, 5);
    r->app_id = col_str(a, q, 6);
    r->installation_id = col_str(a, q, 7);
    r->invocation_id = col_str(a, q, 8);
    r->method = col_str(a, q, 9);
    r->path = col_str(a, q, 10);
    r->status = sqlite3_column_int(q, 11);
    r->category = col_str(a, q, 12);
    r->detail = col_str(a, q, 13);
    r->count = sqlite3_column_int64(q, 14);
    r->last_ms = sqlite3_column_int64(q, 15);
}

static int sq_audit_insert(store_t *st, const audit_rec_t *r, size_t n)
{
    int opened, rc = tx_open(st, &opened);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        sqlite3_stmt *q = stmt(st, Q_AUDIT_INSERT);
        sqlite3_bind_int64(q, 1, r[i].time_ms);
        sqlite3_bind_int64(q, 2, r[i].site_id);
        bind_text(q, 3, r[i].kind ? r[i].kind : "");
        bind_text(q, 4, r[i].plane ? r[i].plane : "");
        bind_text(q, 5, r[i].actor ? r[i].actor : "");
        bind_text(q, 6, r[i].app_id ? r[i].app_id : "");
        bind_text(q, 7, r[i].installation_id ? r[i].installation_id : "");
        bind_text(q, 8, r[i].invocation_id ? r[i].invocation_id : "");
        bind_text(q, 9, r[i].method ? r[i].method : "");
        bind_text(q, 10, r[i].path ? r[i].path : "");
        sqlite3_bind_int(q, 11, r[i].status);
        bind_text(q, 12, r[i].category ? r[i].category : "");
        bind_text(q, 13, r[i].detail ? r[i].detail : "");
        sqlite3_bind_int64(q, 14, r[i].count > 0 ? r[i].count : 1);
        sqlite3_bind_int64(q, 15, r[i].last_ms > r[i].time_ms ? r[i].last_ms : r[i].time_ms);
        rc = exec_q(st, q);
    }
    return tx_close(st, opened, rc);
}

static int sq_audit_list(store_t *st, arena_t *a, int64_t site, int64_t since, int64_t after, int64_t max,
                         audit_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, site ? Q_AUDIT_LIST_SITE : Q_AUDIT_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, since);
    sqlite3_bind_int64(q, 3, after);
    sqlite3_bind_int64(q, 4, max);
    return collect(st, a, q, sizeof **out, read_audit, (void **)out, n);
}

static int sq_audit_purge(store_t *st, int64_t before, int64_t *deleted)
{
    int opened, rc = tx_open(st, &opened);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_AUDIT_PURGE);
        sqlite3_bind_int64(q, 1, before);
        rc = exec_q(st, q);
        if (deleted)
            *deleted = rc == STORE_OK ? sqlite3_changes(DB(st)) : 0;
    }
    return tx_close(st, opened, rc);
}

static void read_ledger(arena_t *a, sqlite3_stmt *q, void *p)
{
    ledger_rec_t *r = p;
    r->id = sqlite3_column_int64(q, 0);
    r->time_ms = sqlite3_column_int64(q, 1);
    r->site_id = sqlite3_column_int64(q, 2);
    r->dest_site_id = sqlite3_column_int64(q, 3);
    r->kind = col_str(a, q, 4);
    r->app_id = col_str(a, q, 5);
    r->installation_id = col_str(a, q, 6);
    r->invocation_id = col_str(a, q, 7);
    r->destination = col_str(a, q, 8);
    r->bytes = sqlite3_column_int64(q, 9);
}

static int sq_ledger_insert(store_t *st, const ledger_rec_t *r, size_t n)
{
    int opened, rc = tx_open(st, &opened);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        sqlite3_stmt *q = stmt(st, Q_LEDGER_INSERT);
        sqlite3_bind_int64(q, 1, r[i].time_ms);
        sqlite3_bind_int64(q, 2, r[i].site_id);
        sqlite3_bind_int64(q, 3, r[i].dest_site_id);
        bind_text(q, 4, r[i].kind ? r[i].kind : "");
        bind_text(q, 5, r[i].app_id ? r[i].app_id : "");
        bind_text(q, 6, r[i].installation_id ? r[i].installation_id : "");
        bind_text(q, 7, r[i].invocation_id ? r[i].invocation_id : "");
        bind_text(q, 8, r[i].destination ? r[i].destination : "");
        sqlite3_bind_int64(q, 9, r[i].bytes);
        rc = exec_q(st, q);
    }
    return tx_close(st, opened, rc);
}

static int sq_ledger_list(store_t *st, arena_t *a, int64_t site, int64_t since, int64_t after, int64_t max,
                          ledger_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, site ? Q_LEDGER_LIST_SITE : Q_LEDGER_LIST);
    sqlite3_bind_int64(q, 1, site);
    sqlite3_bind_int64(q, 2, since);
    sqlite3_bind_int64(q, 3, after);
    sqlite3_bind_int64(q, 4, max);
    return collect(st, a, q, sizeof **out, read_ledger, (void **)out, n);
}

static int sq_ledger_purge(store_t *st, int64_t before, int64_t *deleted)
{
    int opened, rc = tx_open(st, &opened);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_LEDGER_PURGE);
        sqlite3_bind_int64(q, 1, before);
        rc = exec_q(st, q);
        if (deleted)
            *deleted = rc == STORE_OK ? sqlite3_changes(DB(st)) : 0;
    }
    return tx_close(st, opened, rc);
}

static void sq_relax_durability(store_t *st)
{
    sqlite3_exec(DB(st), "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
}

static int sq_lifecycle_due(store_t *st, arena_t *a, int64_t now, lifecycle_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_LIFECYCLE_DUE);
    sqlite3_bind_int64(q, 1, now);
    return collect(st, a, q, sizeof **out, read_lifecycle, (void **)out, n);
}

static int sq_lifecycle_delivered(store_t *st, int64_t id, int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_LIFECYCLE_DELIVERED);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, now);
    return write_one_row(st, q);
}

static int sq_lifecycle_retry(store_t *st, int64_t id, int64_t next)
{
    sqlite3_stmt *q = stmt(st, Q_LIFECYCLE_RETRY);
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_int64(q, 2, next);
    return write_one_row(st, q);
}

/* One row into *out via `read`; STORE_NOTFOUND if none. */
static int one(store_t *st, arena_t *a, sqlite3_stmt *q, void (*read)(arena_t *, sqlite3_stmt *, void *), void *out)
{
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOTFOUND : map_rc(st, rc);
    if (rc == SQLITE_ROW)
        read(a, q, out);
    done(q);
    return r;
}

/* A single-row write that must hit exactly one row (UPDATE ... WHERE id = ?). */
static int write_one_row(store_t *st, sqlite3_stmt *q)
{
    int rc = write1(st, q);
    return rc == STORE_OK && sqlite3_changes(DB(st)) == 0 ? STORE_NOTFOUND : rc;
}

static int sq_app_insert(store_t *st, const app_rec_t *r)
{
    sqlite3_stmt *q = stmt(st, Q_APP_INSERT);
    bind_text(q, 1, r->id);
    bind_text(q, 2, r->name);
    sqlite3_bind_int64(q, 3, r->created_ms);
    return write1(st, q);
}

static int sq_app_get(store_t *st, arena_t *a, const char *id, app_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_APP_GET);
    bind_text(q, 1, id);
    return one(st, a, q, read_app, out);
}

static int sq_env_insert(store_t *st, const env_rec_t *r)
{
    sqlite3_stmt *q = stmt(st, Q_ENV_INSERT);
    bind_text(q, 1, r->app_id);
    bind_text(q, 2, r->key);
    bind_text(q, 3, r->id);
    sqlite3_bind_int64(q, 4, r->created_ms);
    return write1(st, q);
}

static int sq_env_get(store_t *st, arena_t *a, const char *app, const char *key, env_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_ENV_GET);
    bind_text(q, 1, app);
    bind_text(q, 2, key);
    return one(st, a, q, read_env, out);
}

static int sq_env_list(store_t *st, arena_t *a, const char *app, env_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_ENV_LIST);
    bind_text(q, 1, app);
    return collect(st, a, q, sizeof **out, read_env, (void **)out, n);
}

static int sq_version_insert(store_t *st, version_rec_t *v)
{
    int opened, rc = tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_VERSION_NEXT_SEQ);
    bind_text(q, 1, v->app_id);
    bind_text(q, 2, v->env_key);
    rc = next_id(st, q, &v->seq);
    if (rc == STORE_OK) {
        q = stmt(st, Q_VERSION_INSERT);
        bind_text(q, 1, v->app_id);
        bind_text(q, 2, v->env_key);
        sqlite3_bind_int64(q, 3, v->seq);
        sqlite3_bind_int64(q, 4, v->major);
        sqlite3_bind_int64(q, 5, v->minor);
        bind_text(q, 6, v->manifest_json);
        bind_text(q, 7, v->major_key);
        bind_text(q, 8, v->scopes_json);
        bind_text(q, 9, v->egress_json);
        bind_text(q, 10, v->snapshot);
        sqlite3_bind_int64(q, 11, v->snapshot_bytes);
        sqlite3_bind_int64(q, 12, v->created_ms);
        rc = exec_q(st, q);
    }
    return tx_close(st, opened, rc);
}

static int sq_version_latest(store_t *st, arena_t *a, const char *app, const char *env, int64_t major,
                             version_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, major < 0 ? Q_VERSION_LATEST : Q_VERSION_LATEST_MAJOR);
    bind_text(q, 1, app);
    bind_text(q, 2, env);
    if (major >= 0)
        sqlite3_bind_int64(q, 3, major);
    return one(st, a, q, read_version, out);
}

static int sq_version_list(store_t *st, arena_t *a, const char *app, const char *env, version_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_VERSION_LIST);
    bind_text(q, 1, app);
    bind_text(q, 2, env);
    return collect(st, a, q, sizeof **out, read_version, (void **)out, n);
}

/* ---- installations ---- */

static int sq_install_insert(store_t *st, const install_rec_t *r)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_INSERT);
    bind_text(q, 1, r->id);
    sqlite3_bind_int64(q, 2, r->site_id);
    bind_text(q, 3, r->app_id);
    bind_text(q, 4, r->env_key);
    bind_text(q, 5, r->installer_account_id);
    bind_text(q, 6, r->bot_account_id);
    sqlite3_bind_int64(q, 7, r->major);
    bind_text(q, 8, r->scopes_json);
    bind_text(q, 9, r->egress_json);
    sqlite3_bind_int64(q, 10, r->created_ms);
    return write1(st, q);
}

static int sq_install_get(store_t *st, arena_t *a, const char *id, install_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_GET);
    bind_text(q, 1, id);
    return one(st, a, q, read_install, out);
}

static int sq_install_active(store_t *st, arena_t *a, int64_t site, const char *app, const char *env,
                             install_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_ACTIVE);
    sqlite3_bind_int64(q, 1, site);
    bind_text(q, 2, app);
    bind_text(q, 3, env);
    return one(st, a, q, read_install, out);
}

static int sq_install_list(store_t *st, arena_t *a, const char *app, install_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, app ? Q_INSTALL_LIST : Q_INSTALL_LIST_ALL);
    if (app)
        bind_text(q, 1, app);
    return collect(st, a, q, sizeof **out, read_install, (void **)out, n);
}

static int sq_install_set_major(store_t *st, const char *id, int64_t major, const char *scopes, const char *egress,
                                int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_SET_MAJOR);
    bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, major);
    bind_text(q, 3, scopes);
    bind_text(q, 4, egress);
    sqlite3_bind_int64(q, 5, now);
    return write_one_row(st, q);
}

static int sq_install_remove(store_t *st, const char *id, int64_t now, int64_t purge_after)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_REMOVE);
    bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int64(q, 3, purge_after);
    return write_one_row(st, q);
}

static int sq_install_purgeable(store_t *st, arena_t *a, int64_t now, install_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_INSTALL_PURGEABLE);
    sqlite3_bind_int64(q, 1, now);
    return collect(st, a, q, sizeof **out, read_install, (void **)out, n);
}

static int sq_install_get(store_t *st, arena_t *a, const char *id, install_rec_t *out);

/* The installation's app storage goes in the same transaction that marks it purged. */
static int sq_install_purge(store_t *st, const char *id)
{
    arena_t *a = arena_new(64 * 1024);
    install_rec_t in;
    int opened, rc = tx_open(st, &opened);
    if (rc == STORE_OK)
        rc = sq_install_get(st, a, id, &in);
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_KVS_PURGE);
        sqlite3_bind_int64(q, 1, in.site_id);
        bind_text(q, 2, id);
        rc = exec_q(st, q);
    }
    if (rc == STORE_OK) {
        sqlite3_stmt *q = stmt(st, Q_INSTALL_PURGE);
        bind_text(q, 1, id);
        rc = exec_q(st, q);
        if (rc == STORE_OK && sqlite3_changes(DB(st)) == 0)
            rc = STORE_NOTFOUND;
    }
    arena_free(a);
    return tx_close(st, opened, rc);
}

/* ---- app storage ---- */

static void bind_owner(sqlite3_stmt *q, const kvs_owner_t *o)
{
    sqlite3_bind_int64(q, 1, o->site_id);
    bind_text(q, 2, o->installation_id);
}

static void read_kvs(arena_t *a, sqlite3_stmt *q, void *p)
{
    kvs_rec_t *r = p;
    r->kind = sqlite3_column_int(q, 0);
    r->entity = col_str(a, q, 1);
    r->key = col_str(a, q, 2);
    r->value_len = (size_t)sqlite3_column_bytes(q, 3);
    const void *v = sqlite3_column_blob(q, 3);
    char *c = arena_alloc(a, r->value_len + 1);
    if (!c)
        kiln_oom(r->value_len);
    if (r->value_len)
        memcpy(c, v, r->value_len);
    c[r->value_len] = '\0';
    r->value = c;
    r->created_ms = sqlite3_column_int64(q, 4);
    r->updated_ms = sqlite3_column_int64(q, 5);
    r->expire_ms = sqlite3_column_type(q, 6) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 6);
}

static int sq_kvs_get(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *key,
                      int64_t now, kvs_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_KVS_GET);
    bind_owner(q, o);
    sqlite3_bind_int(q, 3, kind);
    bind_text(q, 4, entity ? entity : "");
    bind_text(q, 5, key);
    sqlite3_bind_int64(q, 6, now);
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? (read_kvs(a, q, out), STORE_OK) : rc == SQLITE_DONE ? STORE_NOTFOUND : map_rc(st, rc);
    done(q);
    return r;
}

static int sq_kvs_put(store_t *st, const kvs_owner_t *o, const kvs_rec_t *r, int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_KVS_PUT);
    bind_owner(q, o);
    sqlite3_bind_int(q, 3, r->kind);
    bind_text(q, 4, r->entity ? r->entity : "");
    bind_text(q, 5, r->key);
    sqlite3_bind_blob(q, 6, r->value, (int)r->value_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 7, r->created_ms);
    sqlite3_bind_int64(q, 8, r->updated_ms);
    if (r->expire_ms)
        sqlite3_bind_int64(q, 9, r->expire_ms);
    else
        sqlite3_bind_null(q, 9);
    sqlite3_bind_int64(q, 10, now);
    return write1(st, q);
}

static int sq_kvs_delete(store_t *st, const kvs_owner_t *o, int kind, const char *entity, const char *key, int64_t now)
{
    int opened, rc = tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_KVS_LIVE);
    bind_owner(q, o);
    sqlite3_bind_int(q, 3, kind);
    bind_text(q, 4, entity ? entity : "");
    bind_text(q, 5, key);
    sqlite3_bind_int64(q, 6, now);
    int s = sqlite3_step(q);
    rc = s == SQLITE_ROW    ? (sqlite3_column_int(q, 0) ? STORE_OK : STORE_NOTFOUND)
         : s == SQLITE_DONE ? STORE_NOTFOUND
                            : map_rc(st, s);
    done(q);
    if (s == SQLITE_ROW) { /* live or expired: it goes */
        q = stmt(st, Q_KVS_DELETE);
        bind_owner(q, o);
        sqlite3_bind_int(q, 3, kind);
        bind_text(q, 4, entity ? entity : "");
        bind_text(q, 5, key);
        int d = exec_q(st, q);
        if (d != STORE_OK)
            rc = d;
    }
    /* a missing key is an answer, not a failure: the (empty) transaction still commits */
    int trc = tx_close(st, opened, rc == STORE_NOTFOUND ? STORE_OK : rc);
    return trc != STORE_OK ? trc : rc;
}

static int sq_kvs_list(store_t *st, arena_t *a, const kvs_owner_t *o, int kind, const char *entity, const char *from,
                       const char *to, const char *after, int64_t max, int64_t now, kvs_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_KVS_LIST);
    bind_owner(q, o);
    sqlite3_bind_int(q, 3, kind);
    bind_text(q, 4, entity ? entity : "");
    bind_text(q, 5, from);
    bind_text(q, 6, to);
    bind_text(q, 7, after);
    sqlite3_bind_int64(q, 8, now);
    sqlite3_bind_int64(q, 9, max);
    return collect(st, a, q, sizeof **out, read_kvs, (void **)out, n);
}

static int sq_kvs_expire(store_t *st, int64_t now, int64_t max, int64_t *removed)
{
    sqlite3_stmt *q = stmt(st, Q_KVS_EXPIRE);
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int64(q, 2, max);
    int rc = write1(st, q);
    *removed = rc == STORE_OK ? sqlite3_changes(DB(st)) : 0;
    return rc;
}

/* ---- environment variables ---- */

static int sq_var_put(store_t *st, const char *app, const char *env, const var_rec_t *v)
{
    sqlite3_stmt *q = stmt(st, Q_VAR_PUT);
    bind_text(q, 1, app);
    bind_text(q, 2, env);
    bind_text(q, 3, v->key);
    sqlite3_bind_int(q, 4, v->encrypted ? 1 : 0);
    sqlite3_bind_blob(q, 5, v->value_len ? v->value : "", (int)v->value_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 6, v->updated_ms);
    return write1(st, q);
}

static int sq_var_delete(store_t *st, const char *app, const char *env, const char *key)
{
    sqlite3_stmt *q = stmt(st, Q_VAR_DELETE);
    bind_text(q, 1, app);
    bind_text(q, 2, env);
    bind_text(q, 3, key);
    return write_one_row(st, q);
}

static void read_var(arena_t *a, sqlite3_stmt *q, void *p)
{
    var_rec_t *v = p;
    v->key = col_str(a, q, 0);
    v->encrypted = sqlite3_column_int(q, 1);
    v->value_len = (size_t)sqlite3_column_bytes(q, 2);
    const void *b = sqlite3_column_blob(q, 2);
    char *c = arena_alloc(a, v->value_len + 1);
    if (!c)
        kiln_oom(v->value_len);
    if (v->value_len)
        memcpy(c, b, v->value_len);
    c[v->value_len] = '\0';
    v->value = c;
    v->created_ms = sqlite3_column_int64(q, 3);
    v->updated_ms = sqlite3_column_int64(q, 4);
}

static int sq_var_list(store_t *st, arena_t *a, const char *app, const char *env, var_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_VAR_LIST);
    bind_text(q, 1, app);
    bind_text(q, 2, env);
    return collect(st, a, q, sizeof **out, read_var, (void **)out, n);
}

/* ---- the key store ---- */

static void read_key(arena_t *a, sqlite3_stmt *q, key_rec_t *k)
{
    k->id = col_str(a, q, 0);
    k->purpose = col_str(a, q, 1);
    k->wrapped_len = (size_t)sqlite3_column_bytes(q, 2);
    unsigned char *w = arena_alloc(a, k->wrapped_len + 1);
    if (!w)
        kiln_oom(k->wrapped_len);
    if (k->wrapped_len)
        memcpy(w, sqlite3_column_blob(q, 2), k->wrapped_len);
    k->wrapped = w;
    k->created_ms = sqlite3_column_int64(q, 3);
    k->retired_ms = sqlite3_column_type(q, 4) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 4);
}

static int one_key(store_t *st, arena_t *a, sqlite3_stmt *q, key_rec_t *out)
{
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? (read_key(a, q, out), STORE_OK) : rc == SQLITE_DONE ? STORE_NOTFOUND : map_rc(st, rc);
    done(q);
    return r;
}

static int sq_key_insert(store_t *st, const key_rec_t *k)
{
    sqlite3_stmt *q = stmt(st, Q_KEY_INSERT);
    bind_text(q, 1, k->id);
    bind_text(q, 2, k->purpose);
    sqlite3_bind_blob(q, 3, k->wrapped, (int)k->wrapped_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 4, k->created_ms);
    return write1(st, q);
}

static int sq_key_get(store_t *st, arena_t *a, const char *id, key_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_KEY_GET);
    bind_text(q, 1, id);
    return one_key(st, a, q, out);
}

static int sq_key_current(store_t *st, arena_t *a, const char *purpose, key_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_KEY_CURRENT);
    bind_text(q, 1, purpose);
    return one_key(st, a, q, out);
}

static int sq_key_retire(store_t *st, const char *purpose, int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_KEY_RETIRE);
    bind_text(q, 1, purpose);
    sqlite3_bind_int64(q, 2, now);
    return write1(st, q);
}

static void read_key_item(arena_t *a, sqlite3_stmt *q, void *p)
{
    read_key(a, q, p);
}

static int sq_key_list(store_t *st, arena_t *a, const char *purpose, size_t max, key_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_KEY_LIST);
    bind_text(q, 1, purpose);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)max);
    return collect(st, a, q, sizeof **out, read_key_item, (void **)out, n);
}

static int sq_systoken_insert(store_t *st, const unsigned char *hash, const systoken_rec_t *r)
{
    sqlite3_stmt *q = stmt(st, Q_SYSTOKEN_INSERT);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    bind_text(q, 2, r->installation_id);
    sqlite3_bind_int64(q, 3, r->site_id);
    sqlite3_bind_int64(q, 4, r->created_ms);
    sqlite3_bind_int64(q, 5, r->expires_ms);
    return write1(st, q);
}

static int sq_systoken_lookup(store_t *st, arena_t *a, const unsigned char *hash, systoken_rec_t *out)
{
    sqlite3_stmt *q = stmt(st, Q_SYSTOKEN_LOOKUP);
    sqlite3_bind_blob(q, 1, hash, 32, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    int r = STORE_NOTFOUND;
    if (rc == SQLITE_ROW) {
        out->installation_id = col_str(a, q, 0);
        out->site_id = sqlite3_column_int64(q, 1);
        out->created_ms = sqlite3_column_int64(q, 2);
        out->expires_ms = sqlite3_column_int64(q, 3);
        r = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        r = map_rc(st, rc);
    }
    done(q);
    return r;
}

static int sq_systoken_delete_installation(store_t *st, const char *id)
{
    sqlite3_stmt *q = stmt(st, Q_SYSTOKEN_DELETE_INSTALL);
    bind_text(q, 1, id);
    return write1(st, q);
}

static int sq_systoken_delete_expired(store_t *st, int64_t now)
{
    sqlite3_stmt *q = stmt(st, Q_SYSTOKEN_DELETE_EXPIRED);
    sqlite3_bind_int64(q, 1, now);
    return write1(st, q);
}

static int sq_webtrigger_ensure(store_t *st, arena_t *a, const char *inst, const char *module, const char *new_id,
                                int64_t now, const char **id)
{
    int opened, rc = tx_open(st, &opened);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *q = stmt(st, Q_WEBTRIGGER_INSERT); /* a no-op when the pair has its id already */
    bind_text(q, 1, new_id);
    bind_text(q, 2, inst);
    bind_text(q, 3, module);
    sqlite3_bind_int64(q, 4, now);
    rc = exec_q(st, q);
    if (rc == STORE_OK) {
        q = stmt(st, Q_WEBTRIGGER_BY_MODULE);
        bind_text(q, 1, inst);
        bind_text(q, 2, module);
        rc = sqlite3_step(q) == SQLITE_ROW ? (*id = col_str(a, q, 0), STORE_OK) : STORE_ERROR;
        done(q);
    }
    return tx_close(st, opened, rc);
}

static int sq_webtrigger_get(store_t *st, arena_t *a, const char *id, const char **inst, const char **module)
{
    sqlite3_stmt *q = stmt(st, Q_WEBTRIGGER_GET);
    bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    int r = rc == SQLITE_ROW ? STORE_OK : rc == SQLITE_DONE ? STORE_NOTFOUND : map_rc(st, rc);
    if (rc == SQLITE_ROW) {
        *inst = col_str(a, q, 0);
        *module = col_str(a, q, 1);
    }
    done(q);
    return r;
}

static int sq_webtrigger_delete(store_t *st, const char *id, const char *inst)
{
    sqlite3_stmt *q = stmt(st, Q_WEBTRIGGER_DELETE);
    bind_text(q, 1, id);
    bind_text(q, 2, inst);
    return write_one_row(st, q);
}

struct pair {
    const char *a, *b;
};

static void read_pair(arena_t *a, sqlite3_stmt *q, void *p)
{
    struct pair *r = p;
    r->a = col_str(a, q, 0);
    r->b = col_str(a, q, 1);
}

static int sq_webtrigger_list(store_t *st, arena_t *a, const char *inst, const char ***ids, const char ***modules,
                              size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_WEBTRIGGER_LIST);
    bind_text(q, 1, inst);
    struct pair *v;
    int rc = collect(st, a, q, sizeof *v, read_pair, (void **)&v, n);
    *ids = arena_alloc(a, (*n ? *n : 1) * sizeof **ids);
    *modules = arena_alloc(a, (*n ? *n : 1) * sizeof **modules);
    for (size_t i = 0; rc == STORE_OK && i < *n; i++) {
        (*ids)[i] = v[i].a;
        (*modules)[i] = v[i].b;
    }
    return rc;
}

static int sq_lifecycle_insert(store_t *st, lifecycle_rec_t *ev)
{
    sqlite3_stmt *q = stmt(st, Q_LIFECYCLE_INSERT);
    bind_text(q, 1, ev->installation_id);
    sqlite3_bind_int64(q, 2, ev->site_id);
    bind_text(q, 3, ev->event);
    bind_text(q, 4, ev->payload_json);
    sqlite3_bind_int64(q, 5, ev->created_ms);
    int rc = write1(st, q);
    if (rc == STORE_OK)
        ev->id = sqlite3_last_insert_rowid(DB(st));
    return rc;
}

static int sq_lifecycle_list(store_t *st, arena_t *a, const char *id, lifecycle_rec_t **out, size_t *n)
{
    sqlite3_stmt *q = stmt(st, Q_LIFECYCLE_LIST);
    bind_text(q, 1, id);
    return collect(st, a, q, sizeof **out, read_lifecycle, (void **)out, n);
}

static const store_sites_ops_t sqlite_sites = {
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
};

static const store_product_ops_t sqlite_product = {
    .site_seed_ids = sq_site_seed_ids,
    .project_insert = sq_project_insert,
    .project_by_id = sq_project_by_id,
    .project_by_key = sq_project_by_key,
    .project_search = sq_project_search,
    .issue_insert = sq_issue_insert,
    .issue_by_id = sq_issue_by_id,
    .issue_by_key = sq_issue_by_key,
};

static const store_apps_ops_t sqlite_apps = {
    .app_insert = sq_app_insert,
    .app_get = sq_app_get,
    .env_insert = sq_env_insert,
    .env_get = sq_env_get,
    .env_set_isolation = sq_env_set_isolation,
    .env_list = sq_env_list,
    .version_insert = sq_version_insert,
    .version_latest = sq_version_latest,
    .version_list = sq_version_list,
    .var_put = sq_var_put,
    .var_delete = sq_var_delete,
    .var_list = sq_var_list,
};

static const store_installs_ops_t sqlite_installs = {
    .install_insert = sq_install_insert,
    .install_get = sq_install_get,
    .install_active = sq_install_active,
    .install_list = sq_install_list,
    .install_set_major = sq_install_set_major,
    .install_remove = sq_install_remove,
    .install_purgeable = sq_install_purgeable,
    .install_purge = sq_install_purge,
    .webtrigger_ensure = sq_webtrigger_ensure,
    .webtrigger_get = sq_webtrigger_get,
    .webtrigger_delete = sq_webtrigger_delete,
    .webtrigger_list = sq_webtrigger_list,
    .lifecycle_insert = sq_lifecycle_insert,
    .lifecycle_list = sq_lifecycle_list,
    .lifecycle_due = sq_lifecycle_due,
    .lifecycle_delivered = sq_lifecycle_delivered,
    .lifecycle_retry = sq_lifecycle_retry,
};

static const store_kvs_ops_t sqlite_kvs = {
    .kvs_get = sq_kvs_get,
    .kvs_put = sq_kvs_put,
    .kvs_delete = sq_kvs_delete,
    .kvs_list = sq_kvs_list,
    .kvs_expire = sq_kvs_expire,
};

static const store_journal_ops_t sqlite_journal = {
    .logs_insert = sq_logs_insert,
    .logs_list = sq_logs_list,
    .audit_insert = sq_audit_insert,
    .audit_list = sq_audit_list,
    .audit_purge = sq_audit_purge,
    .ledger_insert = sq_ledger_insert,
    .ledger_list = sq_ledger_list,
    .ledger_purge = sq_ledger_purge,
};

static const store_auth_ops_t sqlite_auth = {
    .key_insert = sq_key_insert,
    .key_get = sq_key_get,
    .key_current = sq_key_current,
    .key_retire = sq_key_retire,
    .key_list = sq_key_list,
    .systoken_insert = sq_systoken_insert,
    .systoken_lookup = sq_systoken_lookup,
    .systoken_delete_installation = sq_systoken_delete_installation,
    .systoken_delete_expired = sq_systoken_delete_expired,
};

static const store_backend_t sqlite_backend = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .check = sq_check,
    .begin = sq_begin,
    .begin_read = sq_begin_read,
    .idle = sq_idle,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .savepoint_release = sq_savepoint_release,
    .savepoint_rollback = sq_savepoint_rollback,
    .relax_durability = sq_relax_durability,
    .sites = &sqlite_sites,
    .product = &sqlite_product,
    .apps = &sqlite_apps,
    .installs = &sqlite_installs,
    .kvs = &sqlite_kvs,
    .journal = &sqlite_journal,
    .auth = &sqlite_auth,
};

/* Process-wide settings, before the first connection: no global allocation statistics
 * (a mutex every malloc would take across all threads). */
static void global_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_initialize();
}

store_t *store_sqlite_open(const char *data_dir, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, global_init);
    char path[4096];
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data dir %s: %s", data_dir, strerror(errno));
        return NULL;
    }
    snprintf(path, sizeof path, "%s/kiln.db", data_dir);
    struct sqlite_store *s = xcalloc(1, sizeof *s);
    s->base.be = &sqlite_backend;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    static const char *const pragmas[] = {
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = FULL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA temp_store = MEMORY",
    };
    for (size_t i = 0; i < sizeof pragmas / sizeof *pragmas; i++) {
        if (sqlite3_exec(s->db, pragmas[i], NULL, NULL, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "cannot configure %s (%s): %s", path, pragmas[i], sqlite3_errmsg(s->db));
            goto fail;
        }
    }
    return &s->base;
fail:
    sqlite3_close(s->db);
    free(s);
    return NULL;
}
