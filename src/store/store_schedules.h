/* The store's schedules family: each active installation's scheduled triggers
 * (platform/schedule.h) with the time its next run is due, so that a restart keeps every
 * slot and runs a missed one once. Table: schedules (tenant rows: every one names its
 * site). Times are on the scheduler's clock (wall clock + its test offset).
 *
 * The scheduler (HTTP thread 0 of each node) writes them; the admin API reads the rows to
 * list them. Nodes sharing a store fire each slot once: a slot is fired by the
 * transaction that claims it (store_schedule_claim), and only one claim of a slot changes
 * the row (docs/scale.md "Scheduled triggers across nodes"). */
#ifndef KILN_STORE_SCHEDULES_H
#define KILN_STORE_SCHEDULES_H

#include "store/store.h"

typedef struct schedule_rec {
    const char *installation_id;
    const char *module_key; /* the scheduledTrigger module */
    int64_t site_id;
    const char *app_id, *env_key;
    const char *interval; /* "fiveMinute", "hour", "day", "week" */
    int64_t interval_ms;
    int64_t next_ms; /* the next run is due at this time */
    int64_t created_ms;
} schedule_rec_t;

/* Inserts or replaces the row of (installation, module). */
int store_schedule_put(store_t *st, const schedule_rec_t *s);
/* Claims the slot `slot_ms` of (installation, module): moves its next run from slot_ms to
 * next_ms. STORE_NOTFOUND if there is no such row or its next run is no longer slot_ms
 * (another node claimed that slot, or moved the row): nothing changed. Inside a
 * transaction, a concurrent claim of the same row waits for this one's end. */
int store_schedule_claim(store_t *st, const char *installation_id, const char *module_key, int64_t slot_ms,
                         int64_t next_ms);
/* Removes the row of (installation, module) (no row: STORE_OK). */
int store_schedule_delete(store_t *st, const char *installation_id, const char *module_key);
/* Rows of one installation (installation_id set), of one site (site_id > 0), or all (NULL,
 * 0), by installation and module key; in `a`. */
int store_schedule_list(store_t *st, arena_t *a, const char *installation_id, int64_t site_id, schedule_rec_t **out,
                        size_t *n);
/* Rows of every site whose next run is due by now_ms, earliest first, at most `max`; in
 * `a`. For a node to pick up rows another node wrote (its timetable learns only of its own
 * installs and deploys). A scan of the table (no index on next_ms: it runs every
 * SCHEDULE_ADOPT_MS on a shared store only). */
int store_schedule_due(store_t *st, arena_t *a, int64_t now_ms, size_t max, schedule_rec_t **out, size_t *n);

#endif
