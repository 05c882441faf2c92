/* bench/kvs.sh's baseline: SQLite's own ceiling for the statements kiln's app storage
 * runs (src/store/sqlite/kvs.c Q_KVS_GET, Q_KVS_PUT), in-process, with the same
 * table, pragmas (WAL, synchronous=FULL) and threading (one connection per thread, each
 * set its own BEGIN IMMEDIATE ... COMMIT). No HTTP, no JSON, no gateway.
 *
 *   kvs_sqlite DIR THREADS SECONDS KEYS VALUE_BYTES
 *
 * Prints two lines: "get OPS P99_MS" and "set OPS P99_MS". Only statements that succeeded
 * count (a get must find its row: every key is present); any failed statement is printed
 * and the program exits 1 after the phase, so a broken run never passes for a number. */
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *dir;
static int seconds, nkeys, vbytes;
static char *value;
static const char *inst = "11111111-1111-4111-8111-111111111111";

#define SCHEMA                                                                                                         \
    "CREATE TABLE IF NOT EXISTS kvs (site_id INTEGER NOT NULL, installation_id TEXT NOT NULL, kind INTEGER "           \
    "NOT NULL, entity TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, created_ms INTEGER NOT NULL, "            \
    "updated_ms INTEGER NOT NULL, expire_ms INTEGER, PRIMARY KEY (site_id, installation_id, kind, entity, key)) "      \
    "WITHOUT ROWID; CREATE INDEX IF NOT EXISTS kvs_expiry ON kvs(expire_ms) WHERE expire_ms IS NOT NULL;"
#define GET_SQL                                                                                                        \
    "SELECT kind, entity, key, value, created_ms, updated_ms, expire_ms FROM kvs WHERE site_id = ?1 AND "              \
    "installation_id = ?2 AND kind = ?3 AND entity = ?4 AND key = ?5 AND (expire_ms IS NULL OR expire_ms > ?6)"
#define PUT_SQL                                                                                                        \
    "INSERT INTO kvs (site_id, installation_id, kind, entity, key, value, created_ms, updated_ms, expire_ms) "         \
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (site_id, installation_id, kind, entity, key) DO "        \
    "UPDATE SET value = excluded.value, created_ms = CASE WHEN kvs.expire_ms IS NULL OR kvs.expire_ms > ?10 "          \
    "THEN kvs.created_ms ELSE excluded.created_ms END, updated_ms = excluded.updated_ms, expire_ms = "                 \
    "excluded.expire_ms"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A statement that must succeed while setting up: print and exit otherwise. */
static void must(sqlite3 *db, int rc, int want, const char *what)
{
    if (rc != want) {
        fprintf(stderr, "kvs_sqlite: %s: %s (%d)\n", what, sqlite3_errmsg(db), rc);
        exit(1);
    }
}

static int wal_cb(void *ok, int n, char **v, char **names)
{
    (void)names;
    *(int *)ok = n == 1 && v[0] && strcmp(v[0], "wal") == 0;
    return 0;
}

static sqlite3 *open_db(void)
{
    char path[4096];
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/kvs-bench.db", dir);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        fprintf(stderr, "open %s: %s\n", path, sqlite3_errmsg(db));
        exit(1);
    }
    /* a set waiting for the other thread's commit (and its fsync) is slow, not failed: on a
     * loaded disk 5 s were not enough (BEGIN: database is locked), so wait up to a minute */
    sqlite3_busy_timeout(db, 60000);
    int wal = 0;
    must(db, sqlite3_exec(db, "PRAGMA journal_mode = WAL", wal_cb, &wal, NULL), SQLITE_OK, "journal_mode");
    if (!wal) {
        fprintf(stderr, "kvs_sqlite: %s/kvs-bench.db is not in WAL mode\n", dir);
        exit(1);
    }
    must(db, sqlite3_exec(db, "PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;", NULL, NULL, NULL), SQLITE_OK,
         "pragmas");
    return db;
}

typedef struct {
    int set;
    unsigned seed;
    long ops;    /* statements that succeeded */
    long errors; /* statements that failed (printed) */
    double *lat;
    long cap;
} job_t;

static void *run(void *arg)
{
    job_t *j = arg;
    sqlite3 *db = open_db();
    sqlite3_stmt *get, *put, *begin, *commit;
    must(db, sqlite3_prepare_v3(db, GET_SQL, -1, SQLITE_PREPARE_PERSISTENT, &get, NULL), SQLITE_OK, "prepare get");
    must(db, sqlite3_prepare_v3(db, PUT_SQL, -1, SQLITE_PREPARE_PERSISTENT, &put, NULL), SQLITE_OK, "prepare put");
    must(db, sqlite3_prepare_v3(db, "BEGIN IMMEDIATE", -1, SQLITE_PREPARE_PERSISTENT, &begin, NULL), SQLITE_OK,
         "prepare begin");
    must(db, sqlite3_prepare_v3(db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &commit, NULL), SQLITE_OK,
         "prepare commit");
    double end = now_s() + seconds;
    char key[32];
    char *v = malloc((size_t)vbytes);
    memcpy(v, value, (size_t)vbytes);
    while (j->ops < j->cap) {
        double t0 = now_s();
        if (t0 >= end)
            break;
        snprintf(key, sizeof key, "k%d", (int)(rand_r(&j->seed) % (unsigned)nkeys));
        const char *failed = NULL;
        char why[200] = "";
        int rc = SQLITE_OK;
#define FAILED(what) (failed = (what), snprintf(why, sizeof why, "%s", sqlite3_errmsg(db)))
        if (j->set) {
            if ((rc = sqlite3_step(begin)) != SQLITE_DONE)
                FAILED("begin");
            sqlite3_reset(begin);
            sqlite3_bind_int64(put, 1, 1);
            sqlite3_bind_text(put, 2, inst, -1, SQLITE_STATIC);
            sqlite3_bind_int(put, 3, 0);
            sqlite3_bind_text(put, 4, "", -1, SQLITE_STATIC);
            sqlite3_bind_text(put, 5, key, -1, SQLITE_TRANSIENT);
            /* a new value each time: SQLite skips writing a row that did not change */
            snprintf(v + 1, (size_t)vbytes - 1, "%ld-%u", j->ops, j->seed);
            v[strlen(v)] = 'v';
            v[vbytes - 1] = '"';
            sqlite3_bind_blob(put, 6, v, vbytes, SQLITE_STATIC);
            sqlite3_bind_int64(put, 7, 1);
            sqlite3_bind_int64(put, 8, (int64_t)(t0 * 1000));
            sqlite3_bind_null(put, 9);
            sqlite3_bind_int64(put, 10, 1);
            if (!failed && (rc = sqlite3_step(put)) != SQLITE_DONE)
                FAILED("put");
            sqlite3_reset(put);
            if (!failed && (rc = sqlite3_step(commit)) != SQLITE_DONE)
                FAILED("commit");
            sqlite3_reset(commit);
            if (failed && !sqlite3_get_autocommit(db))
                sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        } else {
            sqlite3_bind_int64(get, 1, 1);
            sqlite3_bind_text(get, 2, inst, -1, SQLITE_STATIC);
            sqlite3_bind_int(get, 3, 0);
            sqlite3_bind_text(get, 4, "", -1, SQLITE_STATIC);
            sqlite3_bind_text(get, 5, key, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(get, 6, 1);
            if ((rc = sqlite3_step(get)) == SQLITE_ROW) {
                if (sqlite3_column_bytes(get, 3) != vbytes || !sqlite3_column_blob(get, 3))
                    FAILED("get (wrong value size)");
            } else {
                FAILED(rc == SQLITE_DONE ? "get (no row: every key is present)" : "get");
            }
            sqlite3_reset(get);
        }
        if (failed) {
            if (j->errors++ < 10)
                fprintf(stderr, "kvs_sqlite: %s %s: %s (%s)\n", failed, key, why, sqlite3_errstr(rc));
            continue;
        }
        j->lat[j->ops++] = (now_s() - t0) * 1000.0;
    }
#undef FAILED
    free(v);
    sqlite3_finalize(get);
    sqlite3_finalize(put);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One timed phase; returns the number of failed statements (0 for a valid result). */
static long phase(int set, int threads)
{
    job_t *jobs = calloc((size_t)threads, sizeof *jobs);
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    long cap = 40000000L / threads;
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job_t){.set = set, .seed = (unsigned)(i * 7919 + set), .cap = cap};
        jobs[i].lat = malloc((size_t)cap * sizeof(double));
    }
    double t0 = now_s();
    for (int i = 0; i < threads; i++)
        pthread_create(&tid[i], NULL, run, &jobs[i]);
    for (int i = 0; i < threads; i++)
        pthread_join(tid[i], NULL);
    double el = now_s() - t0;
    long total = 0, errors = 0;
    for (int i = 0; i < threads; i++) {
        total += jobs[i].ops;
        errors += jobs[i].errors;
    }
    double *all = malloc((size_t)(total ? total : 1) * sizeof(double));
    long n = 0;
    for (int i = 0; i < threads; i++) {
        memcpy(all + n, jobs[i].lat, (size_t)jobs[i].ops * sizeof(double));
        n += jobs[i].ops;
        free(jobs[i].lat);
    }
    qsort(all, (size_t)n, sizeof *all, cmp);
    if (errors || total == 0)
        fprintf(stderr, "kvs_sqlite: %s: %ld statements failed, %ld succeeded: no result\n", set ? "set" : "get",
                errors, total);
    else
        printf("%s %.0f %.3f\n", set ? "set" : "get", (double)total / el, all[(long)(0.99 * (double)(n - 1))]);
    free(all);
    free(jobs);
    free(tid);
    return errors || total == 0;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: kvs_sqlite DIR THREADS SECONDS KEYS VALUE_BYTES\n");
        return 2;
    }
    dir = argv[1];
    int threads = atoi(argv[2]);
    seconds = atoi(argv[3]);
    nkeys = atoi(argv[4]);
    vbytes = atoi(argv[5]);
    if (threads < 1 || seconds < 1 || nkeys < 1 || vbytes < 1)
        return 2;
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    value = malloc((size_t)vbytes);
    memset(value, 'v', (size_t)vbytes);
    value[0] = '"';
    value[vbytes - 1] = '"';
    sqlite3 *db = open_db();
    must(db, sqlite3_exec(db, SCHEMA, NULL, NULL, NULL), SQLITE_OK, "schema");
    /* every key present, as in the kiln run */
    must(db, sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK, "begin");
    sqlite3_stmt *put;
    must(db, sqlite3_prepare_v2(db, PUT_SQL, -1, &put, NULL), SQLITE_OK, "prepare put");
    for (int i = 0; i < nkeys; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%d", i);
        sqlite3_bind_int64(put, 1, 1);
        sqlite3_bind_text(put, 2, inst, -1, SQLITE_STATIC);
        sqlite3_bind_int(put, 3, 0);
        sqlite3_bind_text(put, 4, "", -1, SQLITE_STATIC);
        sqlite3_bind_text(put, 5, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(put, 6, value, vbytes, SQLITE_STATIC);
        sqlite3_bind_int64(put, 7, 1);
        sqlite3_bind_int64(put, 8, 1);
        sqlite3_bind_null(put, 9);
        sqlite3_bind_int64(put, 10, 1);
        must(db, sqlite3_step(put), SQLITE_DONE, "preload put");
        sqlite3_reset(put);
    }
    sqlite3_finalize(put);
    must(db, sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK, "commit");
    sqlite3_close(db);
    long bad = phase(0, threads);
    bad += phase(1, threads);
    return bad ? 1 : 0;
}
