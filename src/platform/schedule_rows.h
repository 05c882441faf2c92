/* An installation's `schedules` rows (store/store_schedules.h) brought in line with the
 * scheduledTrigger modules of the version it runs, inside the caller's transaction
 * (docs/events.md "Scheduled triggers", docs/scale.md "Scheduled triggers across nodes").
 *
 * The install, upgrade and uninstall (platform/install.h) and the deploy
 * (platform/app.h) call it in the transaction that changes the installation or its
 * version, so that the rows commit or roll back with that change: a node killed right
 * after the commit leaves rows in line, which any node's scheduler then fires (its due
 * rows' scan) without waiting for a restart. Thread 0's scheduler (platform/schedule.h)
 * calls it too, at start and on each notice, and then finds the rows in line already.
 *
 * The rule (the same on every node, so two writers agree): a module kept with the same
 * interval keeps its row (its next run); a new module, or one whose interval changed, gets
 * a row at its first slot after now_ms, the slot's phase a hash of (installation, module)
 * (sched_phase); a module gone, or every module of a removed installation, loses its row.
 * A module whose interval kiln does not know gets no row. Any thread; no memory kept. */
#ifndef KILN_SCHEDULE_ROWS_H
#define KILN_SCHEDULE_ROWS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "store/store.h"
#include "store/store_installs.h"
#include "store/store_schedules.h"

/* The scheduledTrigger array of a parsed manifest (NULL: none); borrowed from it. */
json_t *schedule_rows_modules(json_t *manifest);

/* Brings the rows of installation `in` in line with `mods` (schedule_rows_modules of the
 * version it runs; NULL, or in->removed: no module). own_tx 0: in the caller's open
 * transaction (on an error the caller rolls back: rows may be half written); 1: reads
 * outside a transaction and writes, only when something must change, in a transaction of
 * its own (rolled back on an error). *before and *nb (may be NULL) get the rows as they were,
 * *rows and *n (may be NULL) as they are afterwards, both in `a`. STORE_OK or the store's
 * error. */
int schedule_rows_sync(store_t *st, arena_t *a, const install_rec_t *in, json_t *mods, int64_t now_ms, int own_tx,
                       schedule_rec_t **before, size_t *nb, schedule_rec_t **rows, size_t *n);

#endif
