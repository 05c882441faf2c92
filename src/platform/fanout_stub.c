/* TEMPORARY (deleted before the engine's last commit or when i18-fanout is merged): the
 * fan-out's functions (platform/fanout.h) until helper "fanout"'s are merged. Fans out
 * nothing. */
#include "platform/fanout.h"

int fanout_site(store_t *st, arena_t *a, int64_t site_id, int *more, size_t *made)
{
    (void)st;
    (void)a;
    (void)site_id;
    *more = 0;
    *made = 0;
    return 0;
}

void fanout_invalidate(int64_t site_id)
{
    (void)site_id;
}
