/* The generations that caches read (store.h): bumped by this process's writes at once and
 * by other nodes' committed writes through their notifications (store.h, "several
 * nodes"; the listening session: postgres/listen.c). One table of kinds: the name a
 * notification carries and the generation it moves. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_backend.h"

static struct kind {
    const char *name;
    _Atomic uint64_t gen;
} kinds[STORE_CHANGE__COUNT] = {
    [STORE_CHANGE_AUTH] = {"auth", 1},
    [STORE_CHANGE_INSTALLS] = {"installs", 1},
    [STORE_CHANGE_KEYS] = {"keys", 1},
};

uint64_t store_auth_gen(void)
{
    return kinds[STORE_CHANGE_AUTH].gen;
}

uint64_t store_installs_gen(void)
{
    return kinds[STORE_CHANGE_INSTALLS].gen;
}

uint64_t store_keys_gen(void)
{
    return kinds[STORE_CHANGE_KEYS].gen;
}

void store_auth_changed(void)
{
    kinds[STORE_CHANGE_AUTH].gen++;
}

void store_installs_settled(void)
{
    kinds[STORE_CHANGE_INSTALLS].gen++;
}

/* The local bump, and the notification for the other nodes (with st's transaction). */
static void changed(store_t *st, store_change_t k, int64_t site_id)
{
    kinds[k].gen++;
    if (!st->be->notify)
        return;
    char payload[48];
    snprintf(payload, sizeof payload, "%s %" PRId64, kinds[k].name, site_id > 0 ? site_id : 0);
    st->be->notify(st, payload);
}

void store_note_auth(store_t *st, int64_t site_id)
{
    changed(st, STORE_CHANGE_AUTH, site_id);
}

void store_note_installs(store_t *st, int64_t site_id)
{
    changed(st, STORE_CHANGE_INSTALLS, site_id);
    st->installs_changed = 1;
}

void store_note_keys(store_t *st)
{
    changed(st, STORE_CHANGE_KEYS, 0);
}

int store_change_heard(const char *payload)
{
    if (!payload)
        return -1;
    const char *sp = strchr(payload, ' ');
    if (!sp)
        return -1;
    size_t n = (size_t)(sp - payload);
    /* the site id is checked for shape only: no cache is keyed on it yet (every generation
     * is process-wide), and it is never read as data */
    const char *d = sp + 1;
    if (!*d || strlen(d) > 19 || strspn(d, "0123456789") != strlen(d))
        return -1;
    for (int k = 0; k < STORE_CHANGE__COUNT; k++)
        if (strlen(kinds[k].name) == n && !memcmp(kinds[k].name, payload, n)) {
            kinds[k].gen++;
            return 0;
        }
    return -1;
}

void store_change_all(void)
{
    for (int k = 0; k < STORE_CHANGE__COUNT; k++)
        kinds[k].gen++;
}

int store_listen_start(char *err, size_t errlen)
{
    const char *url = store_selected();
    return url ? store_postgres_listen_start(url, err, errlen) : 0;
}

void store_listen_stop(void)
{
    if (store_selected())
        store_postgres_listen_stop();
}
