/* Forwards the store interface every family shares (store/store.h) to the handle's
 * backend; each family's calls are forwarded by its own store_<family>.c. Kept free of
 * any SQL so that a second backend plugs in without touching a handler. */
#include "store/store.h"

#include "store/store_backend.h"

store_t *store_open(const char *data_dir, char *err, size_t errlen)
{
    return store_sqlite_open(data_dir, err, errlen);
}

void store_close(store_t *st)
{
    if (st)
        st->be->close(st);
}

int store_migrate(store_t *st, char *err, size_t n)
{
    return st->be->migrate(st, err, n);
}
int store_check(store_t *st, char *out, size_t n)
{
    return st->be->check(st, out, n);
}
int store_begin(store_t *st)
{
    return st->be->begin(st);
}
int store_begin_read(store_t *st)
{
    return st->be->begin_read(st);
}
void store_idle(store_t *st)
{
    st->be->idle(st);
}
int store_commit(store_t *st)
{
    return st->be->commit(st);
}
void store_rollback(store_t *st)
{
    st->be->rollback(st);
}
int store_savepoint(store_t *st)
{
    return st->be->savepoint(st);
}
int store_savepoint_release(store_t *st)
{
    return st->be->savepoint_release(st);
}
void store_savepoint_rollback(store_t *st)
{
    st->be->savepoint_rollback(st);
}
void store_relax_durability(store_t *st)
{
    st->be->relax_durability(st);
}
