/* Forwards the function logs, audit log, ledger family (store/store_journal.h) to the handle's backend. */
#include "store/store_journal.h"

#include "store/store_backend.h"

int store_logs_insert(store_t *st, const log_rec_t *recs, size_t n)
{
    return st->be->journal->logs_insert(st, recs, n);
}

int store_logs_list(store_t *st, arena_t *a, int64_t site_id, int64_t after_id, int64_t max, int with_invocations,
                    log_rec_t **out, size_t *n)
{
    return st->be->journal->logs_list(st, a, site_id, after_id, max, with_invocations, out, n);
}

int store_audit_insert(store_t *st, const audit_rec_t *recs, size_t n)
{
    return st->be->journal->audit_insert(st, recs, n);
}

int store_audit_list(store_t *st, arena_t *a, int64_t site_id, int64_t since_ms, int64_t after_id, int64_t max,
                     audit_rec_t **out, size_t *n)
{
    return st->be->journal->audit_list(st, a, site_id, since_ms, after_id, max, out, n);
}

int store_audit_purge(store_t *st, int64_t before_ms, int64_t *deleted)
{
    return st->be->journal->audit_purge(st, before_ms, deleted);
}

int store_ledger_insert(store_t *st, const ledger_rec_t *recs, size_t n)
{
    return st->be->journal->ledger_insert(st, recs, n);
}

int store_ledger_list(store_t *st, arena_t *a, int64_t site_id, int64_t since_ms, int64_t after_id, int64_t max,
                      ledger_rec_t **out, size_t *n)
{
    /* a site's view holds other sites' rows flowing in (their site_id is the source's), which
       row-level security hides from a handle bound to this site: the admin path, the
       statement's own condition (source or destination is site_id) confines it */
    return st->be->journal->ledger_list(site_id > 0 ? store_admin(st) : st, a, site_id, since_ms, after_id, max, out,
                                        n);
}

int store_ledger_purge(store_t *st, int64_t before_ms, int64_t *deleted)
{
    return st->be->journal->ledger_purge(st, before_ms, deleted);
}
