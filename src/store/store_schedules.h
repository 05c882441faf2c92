/* The store's schedules family: each active installation's scheduled triggers
 * (platform/schedule.h) with the time its next run is due, so that a restart keeps every
 * slot and runs a missed one once. Table: schedules (tenant rows: every one names its
 * site). Times are on the scheduler's clock (wall clock + its test offset).
 *
 * The scheduler (HTTP thread 0) is the only writer; the admin API reads the rows to list
 * them. */
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
/* Moves the next run of (installation, module); STORE_NOTFOUND if there is no such row. */
int store_schedule_set_next(store_t *st, const char *installation_id, const char *module_key, int64_t next_ms);
/* Removes the row of (installation, module) (no row: STORE_OK). */
int store_schedule_delete(store_t *st, const char *installation_id, const char *module_key);
/* Rows of one installation (installation_id set), of one site (site_id > 0), or all (NULL,
 * 0), by installation and module key; in `a`. */
int store_schedule_list(store_t *st, arena_t *a, const char *installation_id, int64_t site_id, schedule_rec_t **out,
                        size_t *n);

#endif
