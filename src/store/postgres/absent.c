/* store_postgres_open while this build has no PostgreSQL driver (store_backend.h): the
 * statement layer's driver (issue 20, helper "db", branch s5-db) defines it; when it is
 * merged this file goes (the link then fails with a duplicate definition until it does).
 * `kiln serve --store URL` sets the database up (store_prepare) and then stops here with
 * this one-line reason, which tests/e2e/store_select.test.mjs expects. */
#include <stdio.h>

#include "store/store_backend.h"

store_t *store_postgres_open(const char *url, char *err, size_t errlen)
{
    (void)url;
    snprintf(err, errlen,
             "PostgreSQL backend not in this build (the database is set up; serving from it needs the "
             "PostgreSQL driver, docs/scale.md)");
    return NULL;
}
