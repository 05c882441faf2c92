/* Whether an installed app could want an event that costs a write where there was none
 * (avi:jira:viewed:issue: a GET of an issue by a person becomes a write only when some
 * app installed on the site names the event). Asked on every such GET, so the answer is
 * cached per thread and per site instead of scanning the installed manifests each time
 * (store_install_site_mentions).
 *
 * An entry is served while the store's installations generation (store_installs_gen,
 * store.h) is unchanged — an install, upgrade, uninstall, purge or deploy committed by
 * this process moves it, and so does one committed by another node sharing a PostgreSQL
 * store, once its notification arrives (store.h, "several nodes") — and for at most
 * VIEWWANT_TTL_MS (the bound should a notification be lost unnoticed). */
#ifndef KILN_PRODUCT_VIEWWANT_H
#define KILN_PRODUCT_VIEWWANT_H

#include <stdint.h>

#include "store/store.h"

#define VIEWWANT_TTL_MS 1000
#define VIEWWANT_ENTRIES 64 /* per thread, direct-mapped by site id */

/* *yes = 1 when an active installation of the site names `event` in its deployed
 * manifest (store_install_site_mentions' answer: it may say yes for a name no trigger
 * subscribes to, never no for one that does). `event` must outlive the thread (an EV_*
 * constant of product/events.h): entries keep the pointer.
 *
 * On a miss the manifests are read in a fresh read of the store, never from an older
 * snapshot: a read snapshot open on `st` (store_reading) is ended first and opened again
 * after, so the caller still ends it. Returns STORE_OK or the store's error (then *yes
 * is 0 and nothing is cached). */
int viewwant_get(store_t *st, int64_t site_id, const char *event, int *yes);

/* Counters of the calling thread's cache (tests and benches). */
void viewwant_stats(uint64_t *hits, uint64_t *misses);

#endif
