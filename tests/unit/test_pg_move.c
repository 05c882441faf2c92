/* kiln store migrate's copy (store/store_move.h; docs/scale.md "Moving"), from a SQLite
 * store this test fills to a private PostgreSQL cluster it starts and removes:
 *
 * - every table of the target's catalog is in the report, with the count SQLite itself
 *   gives on both sides and equal checksums; values that stress the encodings arrive as
 *   they were (blobs with every byte, texts with tabs, newlines and backslashes, NULLs,
 *   doubles at the edges of their range); an identity sequence is past the copied ids;
 * - a target that holds data is refused, and left as it was;
 * - the verification catches a copy that differs (a trigger on the target changes one
 *   value on its way in): the report says which table, and nothing is committed;
 * - a source of another schema version, and a file that is not a database, are refused;
 * - a value the target refuses: the error names its table and column, never the value;
 * - the least-privilege setup: a migrations-only login moves it, kiln_runtime's may not. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/postgres_int.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "store/store_move.h"
#include "unit.h"
#include "unit_pg.h"

static char pg_dir[512];  /* the cluster's directory and socket */
static char pg_user[512]; /* its superuser */
static char data[512];    /* the SQLite data dir */
static char db[600];      /* its kiln.db */

static void url_of(char *out, size_t n, const char *dbname)
{
    snprintf(out, n, "postgresql:///%s?host=%s&user=%s", dbname, pg_dir, pg_user);
}

static void sq(sqlite3 *h, const char *sql)
{
    char *e = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &e) != SQLITE_OK)
        fail_msg("sqlite: %s: %s", sql, e);
}

static long long sq_count(const char *table)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", table);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    long long n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return n;
}

/* the first value of sql on database dbname as the superuser, in out */
static void pg_value(const char *dbname, const char *sql, char *out, size_t n)
{
    char url[1200], err[512];
    url_of(url, sizeof url, dbname);
    PGconn *c = pg_connect_as(url, NULL, err, sizeof err);
    if (!c)
        fail_msg("connect: %s", err);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(c));
    snprintf(out, n, "%s", PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
}

/* A kiln store of this binary's schema, then rows written straight into it */
static void fill_source(void)
{
    char *d = unit_tempdir();
    snprintf(data, sizeof data, "%s", d);
    free(d);
    snprintf(db, sizeof db, "%s/kiln.db", data);
    char err[512];
    store_t *st = store_open(data, err, sizeof err); /* no store_select: SQLite */
    if (!st || store_migrate(st, err, sizeof err) != STORE_OK)
        fail_msg("store: %s", err);
    store_close(st);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sq(h, "BEGIN");
    sq(h, "INSERT INTO sites (id, cloud_id, name, admin_account_id, canary, created_ms) VALUES"
          " (1, 'c-1', 'one', 'acc-1', 'canary-1', 1), (2, 'c-2', 'two', 'acc-2', 'canary-2', 2)");
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "INSERT INTO kvs (site_id, installation_id, kind, entity, key, value,"
                                        " created_ms, updated_ms, expire_ms) VALUES (?1, 'inst', ?2, '', ?3, ?4, ?5,"
                                        " ?5, ?6)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    unsigned char blob[3000];
    for (int i = 0; i < 300; i++) {
        char key[64];
        snprintf(key, sizeof key, "k\t%d\n\\N\r\\\\x end", i);
        size_t n = (size_t)(i * 10) % sizeof blob;
        for (size_t j = 0; j < n; j++)
            blob[j] = (unsigned char)(j * 7 + (size_t)i);
        sqlite3_bind_int(s, 1, 1 + i % 2);
        sqlite3_bind_int(s, 2, i % 3);
        sqlite3_bind_text(s, 3, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(s, 4, blob, (int)n, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 5, (int64_t)i * 1000003 - 5);
        if (i % 2)
            sqlite3_bind_int64(s, 6, INT64_MAX - i);
        else
            sqlite3_bind_null(s, 6);
        assert_int_equal(sqlite3_step(s), SQLITE_DONE);
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    sq(h, "INSERT INTO field_values (site_id, issue_id, field_id, seq, str, num) VALUES"
          " (1, 1, 'f', 1, NULL, 0.1), (1, 1, 'f', 2, NULL, 1e300), (1, 1, 'f', 3, NULL, -2.5e-310),"
          " (1, 1, 'f', 4, NULL, 3.141592653589793), (2, 1, 'f', 1, 'héllo wörld ✓', NULL),"
          " (2, 1, 'f', 2, '', -0.0), (2, 1, 'f', 3, 'x', 123456789012345678)");
    for (int i = 1; i <= 50; i++) {
        char sql[400];
        snprintf(sql, sizeof sql,
                 "INSERT INTO audit_log (id, time_ms, site_id, kind, plane, actor, app_id, installation_id,"
                 " invocation_id, method, path, status, category, detail, count, last_ms) VALUES (%d, %d, %d, 'k',"
                 " 'p', 'a', '', '', '', 'GET', '/x', 200, 'c', 'd', 1, 0)",
                 i, i, 1 + i % 2);
        sq(h, sql);
    }
    sq(h, "DELETE FROM audit_log WHERE id > 39");
    sq(h, "COMMIT");
    sqlite3_close(h);
}

static int setup(void **state)
{
    (void)state;
    if (unit_pg_start_db(pg_dir, sizeof pg_dir, pg_user, sizeof pg_user, "kmove") ||
        unit_pg_createdb(pg_dir, pg_user, "kmove_bad") || unit_pg_createdb(pg_dir, pg_user, "kmove_other") ||
        unit_pg_createdb(pg_dir, pg_user, "kmove_lp"))
        return -1;
    fill_source();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_rmtree(strdup(data));
    return unit_pg_stop(pg_dir);
}

static const store_move_table_t *find(const store_move_report_t *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->tables[i].name, name) == 0)
            return &r->tables[i];
    return NULL;
}

static void test_copies_every_table(void **state)
{
    (void)state;
    char url[1200], err[512];
    url_of(url, sizeof url, "kmove");
    arena_t *a = arena_new(64u << 20);
    store_move_report_t rep;
    int rc = store_move_sqlite_to_postgres(a, db, url, &rep, err, sizeof err);
    if (rc != STORE_OK)
        fail_msg("move: %s", err);
    assert_int_equal(rep.schema_version, pg_schema_len);
    /* every table of the catalog, with SQLite's own count on both sides */
    char url2[1200];
    url_of(url2, sizeof url2, "kmove");
    PGconn *c = pg_connect_as(url2, NULL, err, sizeof err);
    assert_non_null(c);
    PGresult *r = PQexec(c, "SELECT relname FROM pg_class WHERE relnamespace = 'kiln'::regnamespace"
                            " AND relkind = 'r' AND relname <> 'schema_version'");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal((size_t)PQntuples(r), rep.n);
    assert_true(rep.n > 40);
    for (int i = 0; i < PQntuples(r); i++) {
        const store_move_table_t *t = find(&rep, PQgetvalue(r, i, 0));
        if (!t)
            fail_msg("table %s missing from the report", PQgetvalue(r, i, 0));
        long long n = sq_count(t->name);
        assert_int_equal(t->rows_from, n);
        assert_int_equal(t->rows_to, n);
        assert_memory_equal(t->sum_from, t->sum_to, 32);
    }
    PQclear(r);
    PQfinish(c);
    assert_int_equal(find(&rep, "kvs")->rows_to, 300);
    assert_int_equal(find(&rep, "field_values")->rows_to, 7);
    assert_int_equal(find(&rep, "sites")->rows_to, 2);
    static const unsigned char zero[32];
    assert_memory_not_equal(find(&rep, "kvs")->sum_to, zero, 32);
    /* values as they were */
    char v[4096];
    pg_value(
        "kmove",
        "SELECT encode(value, 'hex') || '|' || created_ms || '|' || coalesce(expire_ms::text, 'null') FROM kiln.kvs"
        " WHERE key = E'k\\t7\\n\\\\N\\r\\\\\\\\x end'",
        v, sizeof v);
    char want[4096] = "";
    size_t off = 0;
    for (size_t j = 0; j < 70; j++)
        off += (size_t)snprintf(want + off, sizeof want - off, "%02x", (unsigned)(unsigned char)(j * 7 + 7));
    snprintf(want + off, sizeof want - off, "|%lld|%lld", 7LL * 1000003 - 5, (long long)(INT64_MAX - 7));
    assert_string_equal(v, want);
    pg_value("kmove", "SELECT string_agg(coalesce(num::text, str), ',' ORDER BY site_id, seq) FROM kiln.field_values",
             v, sizeof v);
    assert_string_equal(v, "0.1,1e+300,-2.5e-310,3.141592653589793,héllo wörld ✓,0,1.2345678901234568e+17");
    /* the next audit row gets an id past the copied ones */
    pg_value("kmove", "SELECT nextval(pg_get_serial_sequence('kiln.audit_log', 'id'))", v, sizeof v);
    assert_string_equal(v, "40");
    arena_free(a);

    /* a second run: the target holds data; refused, nothing changed */
    a = arena_new(64u << 20);
    rc = store_move_sqlite_to_postgres(a, db, url, &rep, err, sizeof err);
    assert_int_equal(rc, STORE_CONFLICT);
    assert_non_null(strstr(err, "already holds kiln data"));
    pg_value("kmove", "SELECT count(*) FROM kiln.kvs", v, sizeof v);
    assert_string_equal(v, "300");
    arena_free(a);
}

static void test_verification_catches_a_difference(void **state)
{
    (void)state;
    char url[1200], err[512], v[256];
    url_of(url, sizeof url, "kmove_bad");
    unsigned applied;
    if (store_postgres_prepare(url, &applied, err, sizeof err) != STORE_OK)
        fail_msg("prepare: %s", err);
    /* one value changed on its way in, as a faulty copy would */
    pg_value("kmove_bad",
             "CREATE FUNCTION kiln.tamper() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
             " IF NEW.key = E'k\\t9\\n\\\\N\\r\\\\\\\\x end' THEN NEW.updated_ms := NEW.updated_ms + 1; END IF;"
             " RETURN NEW; END $$;"
             "CREATE TRIGGER tamper BEFORE INSERT ON kiln.kvs FOR EACH ROW EXECUTE FUNCTION kiln.tamper()",
             v, sizeof v);
    arena_t *a = arena_new(64u << 20);
    store_move_report_t rep;
    int rc = store_move_sqlite_to_postgres(a, db, url, &rep, err, sizeof err);
    assert_int_equal(rc, STORE_ERROR);
    assert_string_equal(err, "the copy differs from the source in 1 table: nothing was written");
    const store_move_table_t *kvs = find(&rep, "kvs");
    assert_non_null(kvs);
    assert_int_equal(kvs->rows_from, kvs->rows_to);
    assert_memory_not_equal(kvs->sum_from, kvs->sum_to, 32);
    assert_memory_equal(find(&rep, "sites")->sum_from, find(&rep, "sites")->sum_to, 32);
    pg_value("kmove_bad", "SELECT (SELECT count(*) FROM kiln.kvs) + (SELECT count(*) FROM kiln.sites)", v, sizeof v);
    assert_string_equal(v, "0");
    arena_free(a);
}

static void test_refuses_other_sources(void **state)
{
    (void)state;
    char url[1200], err[512], v[64], other[700], junk[700];
    url_of(url, sizeof url, "kmove_other");
    snprintf(other, sizeof other, "%s/other.db", data);
    snprintf(junk, sizeof junk, "%s/junk.db", data);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", db, other);
    assert_int_equal(system(cmd), 0);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(other, &h), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %u", pg_schema_len - 1);
    sq(h, sql);
    arena_t *a = arena_new(64u << 20);
    store_move_report_t rep;
    assert_int_equal(store_move_sqlite_to_postgres(a, other, url, &rep, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "has schema version"));
    FILE *f = fopen(junk, "w");
    assert_non_null(f);
    for (int i = 0; i < 100; i++)
        fputs("not a database at all\n", f);
    fclose(f);
    assert_int_equal(store_move_sqlite_to_postgres(a, junk, url, &rep, err, sizeof err), STORE_ERROR);
    assert_non_null(strstr(err, "is not a kiln store"));
    pg_value("kmove_other", "SELECT count(*) FROM pg_namespace WHERE nspname = 'kiln'", v, sizeof v);
    assert_string_equal(v, "0"); /* nothing was set up either */

    /* a value the target's column refuses (SQLite keeps text in an INTEGER column): the
     * error names the table and column, never the value; nothing is committed */
    snprintf(sql, sizeof sql, "PRAGMA user_version = %u", pg_schema_len);
    sq(h, sql);
    sq(h, "UPDATE kvs SET created_ms = 'SECRET-VALUE-42' WHERE key = (SELECT min(key) FROM kvs)");
    sqlite3_close(h);
    assert_int_equal(store_move_sqlite_to_postgres(a, other, url, &rep, err, sizeof err), STORE_ERROR);
    assert_string_equal(err, "copying table kvs (column created_ms): invalid input syntax for type bigint");
    pg_value("kmove_other", "SELECT (SELECT count(*) FROM kiln.kvs) + (SELECT count(*) FROM kiln.sites)", v, sizeof v);
    assert_string_equal(v, "0");
    arena_free(a);
}

/* The least-privilege setup (docs/scale.md): the operator made the roles and the schema; a
 * migrations-only login (a member of kiln_owner) moves the store; kiln_runtime's own login
 * may not (it cannot see every site's rows), and leaves the database as it was. */
static void test_least_privilege(void **state)
{
    (void)state;
    char url[1200], err[512], v[64];
    pg_value("kmove_lp",
             "CREATE ROLE kiln_migrate LOGIN IN ROLE kiln_owner;"
             "CREATE SCHEMA kiln AUTHORIZATION kiln_owner; REVOKE ALL ON SCHEMA kiln FROM PUBLIC;"
             "GRANT USAGE ON SCHEMA kiln TO kiln_admin, kiln_runtime",
             v, sizeof v);
    arena_t *a = arena_new(64u << 20);
    store_move_report_t rep;
    snprintf(url, sizeof url, "postgresql:///kmove_lp?host=%s&user=kiln_runtime", pg_dir);
    assert_int_not_equal(store_move_sqlite_to_postgres(a, db, url, &rep, err, sizeof err), STORE_OK);
    pg_value("kmove_lp", "SELECT count(*) FROM pg_class WHERE relnamespace = 'kiln'::regnamespace", v, sizeof v);
    assert_string_equal(v, "0");
    snprintf(url, sizeof url, "postgresql:///kmove_lp?host=%s&user=kiln_migrate", pg_dir);
    if (store_move_sqlite_to_postgres(a, db, url, &rep, err, sizeof err) != STORE_OK)
        fail_msg("as kiln_migrate: %s", err);
    pg_value("kmove_lp", "SELECT count(*) FROM kiln.kvs", v, sizeof v);
    assert_string_equal(v, "300");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copies_every_table),
        cmocka_unit_test(test_verification_catches_a_difference),
        cmocka_unit_test(test_refuses_other_sources),
        cmocka_unit_test(test_least_privilege),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
