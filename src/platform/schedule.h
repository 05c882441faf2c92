/* The scheduler of scheduledTrigger modules (issue 18; docs/events.md "Scheduled
 * triggers").
 *
 * For every active installation and every scheduledTrigger module of the version it
 * runs, one entry in a timetable (platform/schedheap.h) kept by HTTP thread 0: its slot is
 * a fixed phase within the interval (stable across restarts), its first run the first
 * slot after it was scheduled (at most one interval after the deploy or install), then one
 * each interval. The store keeps each entry's next run (store/store_schedules.h), so a
 * restart keeps the slots; slots missed while kiln was down give one run soon after the
 * start, not a backlog (Forge's behaviour), then the slots go on.
 *
 * A due slot inserts one DLV_SRC_SCHEDULE delivery (store/store_deliveries.h) and moves
 * the entry's next run, in one transaction; then deliver_kick() has the engine run it
 * (platform/deliver.h; the source row, platform/deliver_schedule.c, says how).
 *
 * Several nodes on one store (docs/scale.md "Scheduled triggers across nodes"): each node
 * keeps its own timetable; the row decides. Firing claims the slot by a compare-and-set
 * on the row's next run (store_schedule_claim) in the transaction that inserts the
 * delivery, so each slot gives one delivery however many nodes hold it due, and a node
 * dying mid-firing leaves either the delivery (the deliveries' leases take it over) or the
 * slot still due. Every SCHEDULE_ADOPT_MS each node also takes into its timetable the due
 * rows it lacks (written by another node), so a survivor fires a dead node's slots.
 *
 * Threads: the timetable is thread 0's only. Installs, upgrades, uninstalls and deploys
 * run on any HTTP thread: they call schedule_notify_* after their commit, which hands the
 * change to thread 0 as a message (base/completion.h); thread 0 then reads the
 * installation's state from the store and brings its rows and entries in line. Each tick
 * of thread 0 (~100 ms) costs one comparison when nothing is due.
 *
 * The clock: the scheduler's time is the wall clock. A server started with --test-clock
 * (tests only) has a clock that stands at its start time plus an offset an admin moves
 * (POST /admin/v1/scheduler/advance): nothing falls due by itself while a test looks, and
 * tests never sleep. Deliveries themselves are due on the wall clock. */
#ifndef KILN_SCHEDULE_H
#define KILN_SCHEDULE_H

#include <stdint.h>

#include "base/completion.h"
#include "http/server.h"
#include "platform/deliver.h" /* after store_installs.h: it uses install_rec_t */
#include "store/store_installs.h"
#include "store/store_sites.h"

#define SCHEDULE_FIRE_PER_TICK 256 /* slots a tick fires at most (the rest the next turn) */
#define SCHEDULE_LOAD_BATCH 512    /* installations brought in line per transaction at start */
#define SCHEDULE_ADOPT_MS 5000     /* shared store: how often a node looks for due rows it lacks */
#define SCHEDULE_ADVANCE_MAX_MS (366LL * 24 * 3600 * 1000) /* the most one advance moves the clock */

/* Thread 0, from its init: registers its receiver and loads the timetable (every
 * installation brought in line with its version's modules). */
void schedule_thread_init(http_thread_t *t);
/* Thread 0, each turn: fires the slots that are due. */
void schedule_tick(http_thread_t *t);
/* Thread 0, when it stops: frees the timetable. */
void schedule_thread_stop(void);

/* Any thread, after the commit that changed it: an installation was installed, upgraded
 * or removed. */
void schedule_notify_installation(const char *installation_id);
/* Any thread, after a deploy committed: every installation of (app, environment) may run
 * other modules now. */
void schedule_notify_env(const char *app_id, const char *env_key);

/* Inserts one run of scheduledTrigger `module_key` of installation `in` on `site`, due
 * now: a DLV_SRC_SCHEDULE delivery whose payload is Forge's {context: {cloudId,
 * moduleKey}} (the contextToken is added per attempt), event_type the interval name. In
 * the caller's transaction when one is open; *id (may be NULL) its delivery id. */
int schedule_insert_run(store_t *st, arena_t *a, const install_rec_t *in, const site_rec_t *site,
                        const char *module_key, const char *interval, int64_t *id);

/* The scheduler's clock (epoch ms): the wall clock, or under --test-clock the start time
 * plus the advances. */
int64_t schedule_now_ms(void);
/* --test-clock: lets schedule_advance move the clock (off unless kiln serve asks). */
void schedule_test_clock_enable(int on);
int schedule_test_clock_enabled(void);

/* A move of the test clock: thread 0 adds `ms` to the offset, fires everything that became
 * due, fills the results and sends `c` back to its receiver. */
typedef struct schedule_advance {
    completion_t c;   /* first: the answer, on the asking thread */
    completion_t hop; /* to thread 0 */
    int64_t ms;
    int64_t offset_ms, now_ms; /* after the move */
    size_t fired;
} schedule_advance_t;
/* Any thread: 0, or -1 when the test clock is off or thread 0 is not running (the caller
 * still owns r). */
int schedule_advance_post(schedule_advance_t *r);

#endif
