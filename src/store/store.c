/* Forwards the store interface every family shares (store/store.h) to the handle's
 * backend; each family's calls are forwarded by its own store_<family>.c. Kept free of
 * any SQL so that a second backend plugs in without touching a handler. */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "store/store_backend.h"

static _Atomic uint64_t full_at_ns; /* the last write refused for a full disk (clock_mono_ns) */

void store_note_full(void)
{
    full_at_ns = clock_mono_ns();
}

int store_full_since(uint64_t since_ns)
{
    uint64_t at = full_at_ns;
    return at != 0 && at >= since_ns ? STORE_FULL : STORE_OK;
}

/* The second bump of store_note_installs and store_note_projects (store/changes.c): the
 * transaction that made the write is over. */
static void installs_settled(store_t *st)
{
    if (st->installs_changed) {
        st->installs_changed = 0;
        store_installs_settled();
    }
    if (st->projects_site) {
        store_projects_settled(st->projects_site);
        st->projects_site = 0;
    }
}

static __thread uint64_t unavailable_count;
static _Atomic uint64_t unavailable_total;  /* every thread's notes */
static _Atomic int64_t unavailable_last_ms; /* the last one's clock_now_ms (0: none yet) */

void store_unavailable_note(void)
{
    unavailable_count++;
    unavailable_total++;
    unavailable_last_ms = clock_now_ms();
}

static __thread uint64_t indoubt_count;

void store_indoubt_note(void)
{
    indoubt_count++;
}

uint64_t store_indoubt_count(void)
{
    return indoubt_count;
}

uint64_t store_unavailable_total(void)
{
    return unavailable_total;
}

int64_t store_unavailable_last_ms(void)
{
    return unavailable_last_ms;
}

uint64_t store_unavailable_count(void)
{
    return unavailable_count;
}

static const char *selected; /* set once, before any thread opens a handle */

int store_select(const char *url, char *err, size_t errlen)
{
    if (!url || !*url) {
        selected = NULL;
        return 0;
    }
    if (strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11)) {
        snprintf(err, errlen, "--store: not a postgresql:// or postgres:// URL");
        return -1;
    }
    selected = url;
    return 0;
}

const char *store_selected(void)
{
    return selected;
}

static const char *selected_admin; /* --store-admin; set once, before any handle opens */

int store_select_admin(const char *url, char *err, size_t errlen)
{
    if (!url || !*url) {
        selected_admin = NULL;
        return 0;
    }
    if (!selected || (strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11))) {
        snprintf(err, errlen, "--store-admin: %s",
                 selected ? "not a postgresql:// or postgres:// URL" : "needs --store postgresql://...");
        return -1;
    }
    selected_admin = url;
    return 0;
}

const char *store_selected_admin(void)
{
    return selected_admin;
}

int store_prepare(unsigned *applied, char *err, size_t errlen)
{
    if (applied)
        *applied = 0;
    return selected ? store_postgres_prepare(selected, applied, err, errlen) : STORE_OK;
}

int store_check_selected(char *out, size_t outlen)
{
    if (!selected) {
        snprintf(out, outlen, "no PostgreSQL store selected");
        return STORE_ERROR;
    }
    return store_postgres_check(selected, out, outlen);
}

/* A selected PostgreSQL store (store_select, set up by store_prepare): a session as
 * kiln_runtime per handle (postgres/driver.c, docs/scale.md); else the data dir's SQLite. */
store_t *store_open(const char *data_dir, char *err, size_t errlen)
{
    return selected ? store_postgres_open(selected, err, errlen) : store_sqlite_open(data_dir, err, errlen);
}

void store_bind_site(store_t *st, int64_t site_id)
{
    if (st->be->bind_site)
        st->be->bind_site(st, site_id);
}

void store_unbind_site(store_t *st)
{
    if (st && st->be->bind_site)
        st->be->bind_site(st, 0);
}

store_t *store_admin(store_t *st)
{
    return st->be->admin ? st->be->admin(st) : st;
}

store_t *store_open_admin(const char *data_dir, char *err, size_t errlen)
{
    return selected ? store_postgres_open_admin(selected_admin ? selected_admin : selected, err, errlen)
                    : store_sqlite_open(data_dir, err, errlen);
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
int store_work_claim(store_t *st, const char *work)
{
    return st->be->work_claim ? st->be->work_claim(st, work) : 1;
}
void store_work_release(store_t *st, const char *work)
{
    if (st->be->work_release)
        st->be->work_release(st, work);
}
int store_begin(store_t *st)
{
    return st->be->begin(st);
}
int store_begin_whole(store_t *st)
{
    return st->be->begin_whole ? st->be->begin_whole(st) : st->be->begin(st);
}
int store_begin_read(store_t *st)
{
    return st->be->begin_read(st);
}
int store_reading(store_t *st)
{
    return st->be->reading(st);
}
int store_read_pause(store_t *st)
{
    if (!store_reading(st))
        return 0;
    store_commit(st);
    return 1;
}
int store_read_again(store_t *st, int paused)
{
    return paused ? store_begin_read(st) : STORE_OK;
}
void store_idle(store_t *st)
{
    st->be->idle(st);
}

void store_keep_nothing(store_t *st)
{
    if (st->be->keep_nothing)
        st->be->keep_nothing(st);
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

void store_note_written(store_t *st)
{
    int64_t site = st->events_site;
    st->events_site = 0;
    installs_settled(st);
    if (site != 0 && events_hook)
        events_hook(site > 0 ? site : 0, events_hook_arg);
}

int store_commit(store_t *st)
{
    int rc = st->be->commit(st);
    if (rc == STORE_OK)
        store_note_written(st); /* a backend that called it once the commit was written: nothing left */
    st->events_site = 0;
    installs_settled(st); /* a failed commit too: whatever a reader cached may be stale */
    return rc;
}
void store_rollback(store_t *st)
{
    st->events_site = 0;
    st->be->rollback(st);
    installs_settled(st);
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
int store_begin_unsynced(store_t *st)
{
    return st->be->begin_unsynced(st);
}
int store_sync(store_t *st)
{
    return st->be->sync(st);
}
int store_synced(store_t *st)
{
    return st->be->synced(st);
}
uint64_t store_last_awaited_commit(store_t *st)
{
    return st->be->last_awaited_commit(st);
}
enum store_seq_state store_seq_state(store_t *st, uint64_t seq)
{
    return st->be->seq_state(st, seq);
}
static store_durable_hook_fn durable_hook;
static void *durable_hook_arg;
void store_on_durable_commit(store_durable_hook_fn fn, void *arg)
{
    durable_hook = fn;
    durable_hook_arg = arg;
}
void store_commit_stats(store_t *st, uint64_t *commits, uint64_t *fsyncs, uint64_t *held)
{
    st->be->commit_stats(commits, fsyncs, held);
}
void store_note_durable(void)
{
    if (durable_hook)
        durable_hook(durable_hook_arg);
}
void store_defer_durability(store_t *st, int on)
{
    st->be->defer_durability(st, on);
}
uint64_t store_last_commit(store_t *st)
{
    return st->be->last_commit(st);
}
int store_when_durable(store_t *st, uint64_t seq, store_dwait_t *w)
{
    return st->be->when_durable(st, seq, w);
}
int store_syncer_start(store_t *st)
{
    return st->be->syncer_start(st);
}
void store_syncer_stop(store_t *st)
{
    st->be->syncer_stop();
}
int store_writes_stopped(store_t *st)
{
    return st->be->writes_stopped(st);
}
