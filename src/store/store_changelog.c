/* Forwards the changelog family (store/store_changelog.h) to the handle's backend. */
#include "store/store_changelog.h"

#include "store/store_backend.h"

int store_changelog_append(store_t *st, int64_t site_id, change_group_t *g)
{
    return st->be->changelog->append(st, site_id, g);
}

int store_changelog_list(store_t *st, arena_t *a, int64_t site_id, int64_t issue_id, int64_t start, int64_t max,
                         change_group_t **out, size_t *n, int64_t *total)
{
    return st->be->changelog->list(st, a, site_id, issue_id, start, max, out, n, total);
}
