/* The PostgreSQL backend's internals, shared by its files and private to them (like
 * sqlite/sqlite_int.h): nothing outside src/store/postgres/ includes this but its tests.
 * Names start with pg_. The schema, the roles, row-level security, the function that
 * applies them, and the backend: the neutral statement layer's PostgreSQL driver over
 * libpq, which runs the shared table families (store/sql/; docs/scale.md).
 *
 *   schema.c    the migrations, twins of sqlite/schema.c's, append-only
 *   security.c  the roles and schema (pg_setup_sql); grants and row-level security on
 *               every table with a site_id column (pg_security_sql)
 *   migrate.c   pg_setup, pg_migrate: apply them on a connection
 *   driver.c    store_postgres_open (store.h): the handle, transactions, the site binding,
 *               the statement driver (store/sql/db.h) */
#ifndef KILN_POSTGRES_INT_H
#define KILN_POSTGRES_INT_H

#include <libpq-fe.h>
#include <stddef.h>

/* Migration i brings schema_version from i to i+1; pg_schema_len == sq_schema_len. */
extern const char *const pg_schema[];
extern const unsigned pg_schema_len;

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

#endif
