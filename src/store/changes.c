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
    _Atomic uint64_t gen; /* per_site: the part every site's generation shares */
    int per_site;         /* a write of a named site moves that site's slot only */
} kinds[STORE_CHANGE__COUNT] = {
    [STORE_CHANGE_AUTH] = {"auth", 1, 0},
    [STORE_CHANGE_INSTALLS] = {"installs", 1, 0},
    [STORE_CHANGE_KEYS] = {"keys", 1, 0},
    [STORE_CHANGE_PROJECTS] = {"projects", 1, 1},
};

/* the per-site part of the per_site kinds (only projects for now) */
static _Atomic uint64_t project_slots[STORE_SITE_GEN_SLOTS];

/* moves before any site's projects generation does (store_projects_epoch) */
static _Atomic uint64_t project_moves;

/* One kind moves: site_id's slot for a per-site kind and a known site, else the whole kind. */
static void bump(store_change_t k, int64_t site_id)
{
    if (k == STORE_CHANGE_PROJECTS)
        project_moves++; /* first: a reader that sees the generation moved sees this too */
    if (kinds[k].per_site && site_id > 0)
        project_slots[(uint64_t)site_id % STORE_SITE_GEN_SLOTS]++;
    else
        kinds[k].gen++;
}

uint64_t store_projects_gen(int64_t site_id)
{
    /* the sum of two counters that only grow: it moves whenever either does */
    uint64_t slot = site_id > 0 ? project_slots[(uint64_t)site_id % STORE_SITE_GEN_SLOTS] : 0;
    return kinds[STORE_CHANGE_PROJECTS].gen + slot;
}

uint64_t store_projects_epoch(void)
{
    return project_moves;
}

void store_projects_settled(int64_t site_id)
{
    bump(STORE_CHANGE_PROJECTS, site_id);
}

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
    bump(k, site_id);
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

void store_note_projects(store_t *st, int64_t site_id)
{
    changed(st, STORE_CHANGE_PROJECTS, site_id);
    int64_t s = site_id > 0 ? site_id : -1;
    st->projects_site = st->projects_site == 0 || st->projects_site == s ? s : -1;
}

int store_change_heard(const char *payload)
{
    if (!payload)
        return -1;
    const char *sp = strchr(payload, ' ');
    if (!sp)
        return -1;
    size_t n = (size_t)(sp - payload);
    /* the site id only picks which generation moves (a per-site kind's slot): a forged one
     * costs lookups, and it is never read as data */
    const char *d = sp + 1;
    if (!*d || strlen(d) > 19 || strspn(d, "0123456789") != strlen(d))
        return -1;
    int64_t site = strtoll(d, NULL, 10);
    for (int k = 0; k < STORE_CHANGE__COUNT; k++)
        if (strlen(kinds[k].name) == n && !memcmp(kinds[k].name, payload, n)) {
            bump((store_change_t)k, site);
            return 0;
        }
    return -1;
}

void store_change_all(void)
{
    project_moves++;
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
