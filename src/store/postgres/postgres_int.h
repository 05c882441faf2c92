/* The PostgreSQL backend's internals, shared by its files and private to them (like
 * sqlite/sqlite_int.h): nothing outside src/store/postgres/ includes this but its tests.
 * Names start with pg_. The schema, the roles, row-level security, the function that
 * applies them, and the backend: the neutral statement layer's PostgreSQL driver over
 * libpq, which runs the shared table families (store/sql/; docs/scale.md).
 *
 *   schema.c    the migrations, twins of sqlite/schema.c's, append-only
 *   security.c  the roles and schema (pg_setup_sql); grants and row-level security on
 *               every table with a site_id column (pg_security_sql)
 *   words.c     kiln_words, the JQL word match of base/wordmatch.h (pg_words_sql)
 *   migrate.c   pg_setup, pg_migrate: apply them on a connection
 *   conn.c      pg_connect, pg_conn_alive: sessions with deadlines, as the runtime role,
 *               reopened after the database went away
 *   driver.c    store_postgres_open (store.h): the handle, transactions, the site binding,
 *               the statement driver (store/sql/db.h), the change notifications it sends
 *   listen.c    store_postgres_listen_start (store_backend.h): the session, and its thread,
 *               that hears the other nodes' change notifications (store.h) */
#ifndef KILN_POSTGRES_INT_H
#define KILN_POSTGRES_INT_H

#include <libpq-fe.h>
#include <stddef.h>

/* Migration i brings schema_version from i to i+1; pg_schema_len == sq_schema_len. */
extern const char *const pg_schema[];
extern const unsigned pg_schema_len;

/* words.c: kiln_words(text, adf, query), the JQL word match as on SQLite (idempotent;
 * pg_migrate runs it on every run, in the schema kiln) */
extern const char pg_words_sql[];

/* security.c */
extern const char pg_setup_sql[];
extern const char pg_security_sql[];

/* Creates the roles kiln_owner, kiln_admin, kiln_runtime and the schema kiln where they do
 * not exist yet (security.c). The connection's role must be a superuser unless an operator
 * created the roles and schema already. 0 on success; else -1 and a one-line message. */
int pg_setup(PGconn *c, char *err, size_t errlen);

/* Applies the migrations the database lacks, then the grants and row-level security, in
 * one transaction as kiln_owner (the connection's role must be a member of it, or a
 * superuser), serialised across nodes by an advisory lock. *applied (may be NULL) is how
 * many ran. A database whose schema_version is newer than this binary is refused and left
 * alone. 0 on success; else -1, nothing changed, and a one-line message. */
int pg_migrate(PGconn *c, unsigned *applied, char *err, size_t errlen);

/* kiln store migrate's snapshots (move_snapshots.c, store/store_move.h): inside the open
 * copy transaction on pg (as kiln_owner), every versions row of the SQLite db's file under
 * data_dir into kiln.snapshot_chunks, verified. STORE_OK, or STORE_ERROR with err. */
struct sqlite3;
struct store_move_snapshots;
int pg_move_snapshots(struct sqlite3 *db, PGconn *pg, const char *data_dir, struct store_move_snapshots *out, char *err,
                      size_t errlen);

/* The SQLite scalar functions the families' shared SQL calls, as functions in schema kiln
 * (driver.c; docs/scale.md "Dialect"). Idempotent; store_postgres_prepare runs it as
 * kiln_owner when the login may become it. */
extern const char pg_compat_sql[];

/* ---- connections (conn.c; docs/scale.md "Connections") ---- */

/* The deadlines every session has. A connect (and its session setup) never takes longer
 * than PG_CONNECT_MS, whatever the URL says; a statement never runs longer than
 * PG_STATEMENT_MS nor waits for a lock longer than PG_LOCK_MS; a transaction left idle is
 * ended by the server after PG_IDLE_TX_MS; TCP keepalives and tcp_user_timeout notice a
 * vanished peer within PG_TCP_DEAD_MS. A broken connection is reopened no sooner than a
 * backoff of PG_BACKOFF_MIN_MS doubling to PG_BACKOFF_MAX_MS after a failed attempt. */
#define PG_CONNECT_MS 2000
#define PG_CONNECT_S 2 /* libpq's connect_timeout (per host; whole seconds, at least 2) */
#define PG_STATEMENT_MS 5000
#define PG_LOCK_MS 2000
#define PG_IDLE_TX_MS 60000
#define PG_TCP_DEAD_MS 10000
#define PG_BACKOFF_MIN_MS 100
#define PG_BACKOFF_MAX_MS 2000

/* the role that serves requests (security.c) and the one for work across sites */
#define PG_RUNTIME_ROLE "kiln_runtime"
#define PG_ADMIN_ROLE "kiln_admin"

/* Opens a session on url (a libpq URI postgresql://... or a "key=value ..." string) that
 * runs as kiln_runtime: the login's own role when the URL's user is kiln_runtime (the
 * least-privilege setup, docs/scale.md), else SET ROLE kiln_runtime (the one-step setup:
 * the login is a superuser or a member of kiln_runtime). The session has search_path kiln,
 * the timeouts above, application_name kiln (the URL may name another), TCP keepalives.
 * Returns NULL and a one-line reason (libpq's first line) when the database cannot be
 * reached or refuses within PG_CONNECT_MS. */
PGconn *pg_connect(const char *url, char *err, size_t errlen);
/* The same as role (a plain lower-case name: PG_RUNTIME_ROLE, PG_ADMIN_ROLE), or as the
 * login's own role when role is NULL (migrations: pg_setup and pg_migrate SET their own). */
PGconn *pg_connect_as(const char *url, const char *role, char *err, size_t errlen);

/* Call before a transaction (never inside one: a session that broke lost its transaction,
 * and the caller's error path says so). STORE_OK when *c is open and its server, as far as
 * can be seen without a round trip, still there; else *c is closed and, unless a failed
 * attempt on url is less than the backoff ago (shared by every thread of the process),
 * opened again with pg_connect (one attempt, at most PG_CONNECT_MS). STORE_UNAVAILABLE
 * when the database cannot be reached now (*c is NULL; pg_conn_why() says why). Never
 * waits longer than PG_CONNECT_MS. */
int pg_conn_alive(PGconn **c, const char *url);
/* The same for a session of role (pg_connect_as). */
int pg_conn_alive_as(PGconn **c, const char *url, const char *role);
/* the calling thread's last pg_conn_alive failure, one line ("" after a success) */
const char *pg_conn_why(void);
/* forgets every backoff (tests) */
void pg_conn_backoff_reset(void);

#endif
