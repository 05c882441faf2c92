/* Migration 24 (ready for Citus, docs/scale.md "Citus") on a data dir made before it: a
 * SQLite store with main's 23 migrations and rows in every table the migration changes
 * opens with this binary's: every row kept, webtriggers' site_id filled from its
 * installation, the keys lead with site_id (read from the catalog), and the store finds
 * each row again by the lookups that use it (by id or hash alone, by installation). */
#include "store/sqlite/sqlite_int.h"
#include "store/store_auth.h"
#include "store/store_installs.h"
#include "store/store_schedules.h"
#include "store/store_sessions.h"
#include "store/store_sites.h"
#include "store_fixture.h"
#include "unit.h"
#include <sqlite3.h>
#include <stdio.h>

#define BEFORE 23 /* main's migrations */
/* two token hashes as SQL blobs: 31 zero bytes, then 0x11 or 0x22 */
#define Z "00000000000000000000000000000000000000000000000000000000000000"
#define H1 "X'" Z "11'"
#define H2 "X'" Z "22'"

/* rows of two sites, as main's binary wrote them (token hashes: H1 for site 1, H2 for site 2) */
static const char rows[] =
    "INSERT INTO sites (id, cloud_id, name, admin_account_id, canary, created_ms) VALUES"
    " (1, 'c1', 'one', 'adm', 'can', 1), (2, 'c2', 'two', 'adm', 'can', 1);"
    "INSERT INTO apps (id, name, created_ms) VALUES ('app', 'App', 1);"
    "INSERT INTO environments (app_id, key, id, created_ms) VALUES ('app', 'production', 'env', 1);"
    "INSERT INTO installations (id, site_id, app_id, env_key, installer_account_id, bot_account_id, major,"
    " scopes_json, egress_json, created_ms, updated_ms) VALUES"
    " ('inst1', 1, 'app', 'production', 'adm', 'bot', 1, '[]', '[]', 10, 10),"
    " ('inst2', 2, 'app', 'production', 'adm', 'bot', 1, '[]', '[]', 11, 11);"
    "INSERT INTO lifecycle_events (id, installation_id, site_id, event, payload_json, created_ms, attempts) VALUES"
    " (7, 'inst1', 1, 'avi:forge:installed:app', '{}', 10, 2), (8, 'inst2', 2, 'avi:forge:installed:app', '{}', 11, 0);"
    "INSERT INTO webtriggers (id, installation_id, module_key, created_ms) VALUES"
    " ('wt1', 'inst1', 'hook', 12), ('wt2', 'inst2', 'hook', 13), ('wt3', 'inst2', 'other', 14);"
    "INSERT INTO schedules (installation_id, module_key, site_id, app_id, env_key, interval, interval_ms, next_ms,"
    " created_ms) VALUES ('inst1', 'tick', 1, 'app', 'production', 'hour', 3600000, 5000, 10),"
    " ('inst2', 'tick', 2, 'app', 'production', 'day', 86400000, 6000, 11);"
    "INSERT INTO user_tokens (token_hash, site_id, account_id, created_ms) VALUES"
    " (" H1 ", 1, 'u1', 1), (" H2 ", 2, 'u2', 1);"
    "INSERT INTO system_tokens (token_hash, installation_id, site_id, created_ms, expires_ms) VALUES"
    " (" H1 ", 'inst1', 1, 1, 99), (" H2 ", 'inst2', 2, 1, 99);"
    "INSERT INTO sessions (token_hash, site_id, account_id, csrf, created_ms, expires_ms, last_seen_ms) VALUES"
    " (" H1 ", 1, 'u1', 'csrf1', 1, 9999, 1), (" H2 ", 2, 'u2', 'csrf2', 1, 9999, 1);"
    "INSERT INTO login_links (token_hash, site_id, account_id, created_ms, expires_ms) VALUES"
    " (" H1 ", 1, 'u1', 1, 9999), (" H2 ", 2, 'u2', 1, 9999);"
    "INSERT INTO deliveries (id, site_id, installation_id, app_id, env_key, source, module_key, event_type, event_id,"
    " payload_json, state, due_ms, created_ms, updated_ms) VALUES"
    " (41, 1, 'inst1', 'app', 'production', 0, 'm', 'e', 'ev1', '{}', 0, 1, 1, 1);"
    "INSERT INTO function_logs (id, site_id, installation_id, app_id, invocation_id, module_key, level, message,"
    " time_ms) VALUES (51, 1, 'inst1', 'app', 'inv', 'm', 'info', 'hello', 1);"
    "INSERT INTO audit_log (id, time_ms, site_id, kind, plane, actor, app_id, installation_id, invocation_id, method,"
    " path, status, category, detail, count, last_ms) VALUES"
    " (61, 1, 0, 'admin.site', 'admin', 'op', '', '', '', 'POST', '/admin', 200, '', '', 1, 1);"
    "INSERT INTO ledger (id, time_ms, site_id, dest_site_id, kind, app_id, installation_id, invocation_id,"
    " destination, bytes) VALUES (71, 1, 1, 0, 'egress', 'app', 'inst1', 'inv', 'https://x', 5);";

/* each table's row count before, and what the rows read as afterwards (one string per table) */
static const struct {
    const char *table, *rows;
} kept[] = {
    {"installations", "1|inst1|10;2|inst2|11"},
    {"lifecycle_events", "1|7|inst1|2;2|8|inst2|0"},
    {"webtriggers", "1|wt1|inst1|hook;2|wt2|inst2|hook;2|wt3|inst2|other"},
    {"schedules", "1|inst1|tick|5000;2|inst2|tick|6000"},
    {"user_tokens", "1|11|u1;2|22|u2"},
    {"system_tokens", "1|11|inst1;2|22|inst2"},
    {"sessions", "1|11|csrf1;2|22|csrf2"},
    {"login_links", "1|11|u1;2|22|u2"},
    {"deliveries", "1|41"},
    {"function_logs", "1|51"},
    {"audit_log", "0|61"},
    {"ledger", "1|71"},
};

/* how each table's rows read (site_id first, then what tells its rows apart) */
static const char *const cols[] = {
    "site_id || '|' || id || '|' || created_ms",
    "site_id || '|' || id || '|' || installation_id || '|' || attempts",
    "site_id || '|' || id || '|' || installation_id || '|' || module_key",
    "site_id || '|' || installation_id || '|' || module_key || '|' || next_ms",
    "site_id || '|' || hex(substr(token_hash, 32)) || '|' || account_id",
    "site_id || '|' || hex(substr(token_hash, 32)) || '|' || installation_id",
    "site_id || '|' || hex(substr(token_hash, 32)) || '|' || csrf",
    "site_id || '|' || hex(substr(token_hash, 32)) || '|' || account_id",
    "site_id || '|' || id",
    "site_id || '|' || id",
    "site_id || '|' || id",
    "site_id || '|' || id",
};

/* table's rows, each as the expression c, sorted, joined by ';' */
static void read_rows(sqlite3 *db, const char *table, const char *c, char *out, size_t len)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT group_concat(r, ';') FROM (SELECT %s AS r FROM %s ORDER BY r)", c, table);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    snprintf(out, len, "%s", sqlite3_column_text(s, 0) ? (const char *)sqlite3_column_text(s, 0) : "");
    sqlite3_finalize(s);
}

/* the first column of table's primary key (the rowid alias for a rowid table) */
static void pk_first(sqlite3 *db, const char *table, char *out, size_t len)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT name FROM pragma_table_info('%s') WHERE pk = 1", table);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
}

static void test_upgrade_keeps_rows_and_changes_keys(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    char path[512];
    snprintf(path, sizeof path, "%s/kiln.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
    for (unsigned i = 0; i < BEFORE; i++)
        assert_int_equal(sqlite3_exec(db, sq_schema[i], NULL, NULL, NULL), SQLITE_OK);
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", BEFORE);
    assert_int_equal(sqlite3_exec(db, pragma, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, rows, NULL, NULL, NULL), SQLITE_OK);
    char key[64];
    pk_first(db, "installations", key, sizeof key);
    assert_string_equal(key, "id"); /* before: keyed by id alone */
    sqlite3_close(db);

    /* this binary's store migrates it */
    arena_t *a = arena_new(1u << 20);
    store_t *st = open_migrated(dir);
    store_close(st);

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        char got[512];
        read_rows(db, kept[i].table, cols[i], got, sizeof got);
        if (strcmp(got, kept[i].rows))
            print_error("%s: %s, want %s\n", kept[i].table, got, kept[i].rows);
        assert_string_equal(got, kept[i].rows);
        pk_first(db, kept[i].table, key, sizeof key);
        /* the rowid tables keep their id key on SQLite (docs/store.md "Keys that differ") */
        int rowid = i >= 8 || !strcmp(kept[i].table, "lifecycle_events");
        assert_string_equal(key, rowid ? "id" : "site_id");
    }
    /* every foreign key into installations pairs site_id, and holds */
    sqlite3_stmt *s;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT m.name, group_concat(f.\"from\" || '>' || f.\"to\") FROM sqlite_master m,"
                           " pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND"
                           " f.\"table\" = 'installations' GROUP BY m.name, f.id ORDER BY m.name",
                           -1, &s, NULL),
        SQLITE_OK);
    const char *want[] = {"lifecycle_events", "webtriggers"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(s, 0), want[i]);
        assert_string_equal((const char *)sqlite3_column_text(s, 1), "site_id>site_id,installation_id>id");
    }
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    /* the due-rows read (store_schedule_due's statement) is a range of the new index, in its
       order (docs/scale.md "Scheduled triggers across nodes") */
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "EXPLAIN QUERY PLAN SELECT installation_id FROM schedules WHERE next_ms <= 1 "
                                        "ORDER BY next_ms, installation_id, module_key LIMIT 256",
                                        -1, &s, NULL),
                     SQLITE_OK);
    char plan[512] = "";
    while (sqlite3_step(s) == SQLITE_ROW) {
        size_t l = strlen(plan);
        snprintf(plan + l, sizeof plan - l, "%s;", (const char *)sqlite3_column_text(s, 3));
    }
    assert_string_equal(plan, "SEARCH schedules USING COVERING INDEX schedules_due (next_ms<?);");
    sqlite3_finalize(s);
    sqlite3_close(db);

    /* the store's lookups by id or hash alone find the rows of either site */
    st = open_migrated(dir);
    unsigned char h1[32] = {0}, h2[32] = {0};
    h1[31] = 0x11;
    h2[31] = 0x22;
    int64_t site;
    const char *acct;
    assert_int_equal(store_token_lookup(st, a, h2, &site, &acct), STORE_OK);
    assert_int_equal(site, 2);
    assert_string_equal(acct, "u2");
    systoken_rec_t t;
    assert_int_equal(store_systoken_lookup(st, a, h1, &t), STORE_OK);
    assert_int_equal(t.site_id, 1);
    assert_string_equal(t.installation_id, "inst1");
    session_rec_t se;
    assert_int_equal(store_session_lookup(st, a, h2, &se), STORE_OK);
    assert_string_equal(se.csrf, "csrf2");
    assert_int_equal(store_login_link_consume(st, a, h1, 2, 5, &acct), STORE_NOTFOUND); /* not site 2's */
    assert_int_equal(store_login_link_consume(st, a, h1, 1, 5, &acct), STORE_OK);
    assert_string_equal(acct, "u1");
    install_rec_t in;
    assert_int_equal(store_install_get(st, a, "inst2", &in), STORE_OK);
    assert_int_equal(in.site_id, 2);
    const char *inst, *module, *id;
    assert_int_equal(store_webtrigger_get(st, a, "wt3", &inst, &module), STORE_OK);
    assert_string_equal(inst, "inst2");
    assert_string_equal(module, "other");
    /* an existing pair keeps its id; a new one gets its installation's site */
    assert_int_equal(store_webtrigger_ensure(st, a, "inst1", "hook", "new1", 20, &id), STORE_OK);
    assert_string_equal(id, "wt1");
    assert_int_equal(store_webtrigger_ensure(st, a, "inst2", "third", "new2", 20, &id), STORE_OK);
    assert_string_equal(id, "new2");
    /* an unknown installation gets none */
    assert_int_not_equal(store_webtrigger_ensure(st, a, "nosuch", "hook", "new3", 20, &id), STORE_OK);
    schedule_rec_t *sc;
    size_t n;
    assert_int_equal(store_schedule_list(st, a, "inst2", 0, &sc, &n), STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(sc[0].site_id, 2);
    assert_int_equal(store_schedule_claim(st, "inst2", "tick", 6000, 7000), STORE_OK);
    schedule_rec_t put = sc[0];
    put.next_ms = 8000;
    assert_int_equal(store_schedule_put(st, &put), STORE_OK); /* the upsert finds its row by the new key */
    assert_int_equal(store_schedule_list(st, a, NULL, 0, &sc, &n), STORE_OK);
    assert_int_equal(n, 2);
    assert_int_equal(sc[1].next_ms, 8000);
    store_close(st);

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char got[512];
    read_rows(db, "webtriggers", "site_id || '|' || id", got, sizeof got);
    assert_string_equal(got, "1|wt1;2|new2;2|wt2;2|wt3");
    sqlite3_close(db);
    arena_free(a);
    unit_rmtree(dir);
}

int main(void)
{
    log_min_level = LOG_WARN;
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_upgrade_keeps_rows_and_changes_keys)};
    return cmocka_run_group_tests_name("store_upgrade24", tests, NULL, NULL);
}
