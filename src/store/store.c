/* Forwards the store interface to the handle's backend. Kept free of any SQL so that a
 * second backend plugs in without touching a handler. */
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

int store_migrate(store_t *st, char *err, size_t n) { return st->be->migrate(st, err, n); }
int store_check(store_t *st, char *out, size_t n) { return st->be->check(st, out, n); }
int store_begin(store_t *st) { return st->be->begin(st); }
int store_begin_read(store_t *st) { return st->be->begin_read(st); }
void store_idle(store_t *st) { st->be->idle(st); }
int store_commit(store_t *st) { return st->be->commit(st); }
void store_rollback(store_t *st) { st->be->rollback(st); }

int store_site_insert(store_t *st, site_rec_t *s) { return st->be->site_insert(st, s); }
int store_site_by_name(store_t *st, arena_t *a, const char *name, site_rec_t *out)
{
    return st->be->site_by_name(st, a, name, out);
}
int store_site_by_id(store_t *st, arena_t *a, int64_t id, site_rec_t *out)
{
    return st->be->site_by_id(st, a, id, out);
}
int store_site_list(store_t *st, arena_t *a, site_rec_t **out, size_t *n)
{
    return st->be->site_list(st, a, out, n);
}
int store_site_count(store_t *st, int64_t *n) { return st->be->site_count(st, n); }

int store_user_insert(store_t *st, int64_t site, const user_rec_t *u)
{
    return st->be->user_insert(st, site, u);
}
int store_user_get(store_t *st, arena_t *a, int64_t site, const char *id, user_rec_t *out)
{
    return st->be->user_get(st, a, site, id, out);
}
int store_user_list(store_t *st, arena_t *a, int64_t site, int64_t start, int64_t max,
                    user_rec_t **out, size_t *n)
{
    return st->be->user_list(st, a, site, start, max, out, n);
}
int store_token_insert(store_t *st, const unsigned char hash[32], int64_t site, const char *acct)
{
    return st->be->token_insert(st, hash, site, acct);
}
int store_token_lookup(store_t *st, arena_t *a, const unsigned char hash[32], int64_t *site,
                       const char **acct)
{
    return st->be->token_lookup(st, a, hash, site, acct);
}

int store_project_insert(store_t *st, int64_t site, project_rec_t *p)
{
    return st->be->project_insert(st, site, p);
}
int store_project_get(store_t *st, arena_t *a, int64_t site, const char *k, project_rec_t *out)
{
    return st->be->project_get(st, a, site, k, out);
}
int store_project_search(store_t *st, arena_t *a, int64_t site, const project_filter_t *f,
                         project_rec_t **out, size_t *n, int64_t *total)
{
    return st->be->project_search(st, a, site, f, out, n, total);
}

int store_issue_insert(store_t *st, int64_t site, issue_rec_t *i)
{
    return st->be->issue_insert(st, site, i);
}
int store_issue_get(store_t *st, arena_t *a, int64_t site, const char *k, issue_rec_t *out,
                    const char **pkey)
{
    return st->be->issue_get(st, a, site, k, out, pkey);
}
