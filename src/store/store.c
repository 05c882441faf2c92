/* Forwards the store interface every family shares (store/store.h) to the handle's
 * backend; each family's calls are forwarded by its own store_<family>.c. Kept free of
 * any SQL so that a second backend plugs in without touching a handler. */
#include "store/store.h"

#include "store/store_backend.h"

static _Atomic uint64_t auth_gen = 1;

uint64_t store_auth_gen(void)
{
    return auth_gen;
}

void store_auth_changed(void)
{
    auth_gen++;
}

store_t *store_open(const char *data_dir, char *err, size_t errlen)
{
    return store_sqlite_open(data_dir, err, errlen);
}

void store_bind_site(store_t *st, int64_t site_id)
{
    if (st->be->bind_site)
        st->be->bind_site(st, site_id);
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
int store_reading(store_t *st)
{
    return st->be->reading(st);
}
void store_idle(store_t *st)
{
    st->be->idle(st);
}
static store_events_hook_fn events_hook;
static void *events_hook_arg;

void store_on_events_committed(store_events_hook_fn fn, void *arg)
{
    events_hook = fn;
    events_hook_arg = arg;
}

void store_note_events(store_t *st, int64_t site_id)
{
    st->events_site = st->events_site == 0 || st->events_site == site_id ? site_id : -1;
}

int store_commit(store_t *st)
{
    int64_t site = st->events_site;
    st->events_site = 0;
    int rc = st->be->commit(st);
    if (rc == STORE_OK && site != 0 && events_hook)
        events_hook(site > 0 ? site : 0, events_hook_arg);
    return rc;
}
void store_rollback(store_t *st)
{
    st->events_site = 0;
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
