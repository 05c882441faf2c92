/* The admin API of scheduled triggers (platform/schedule.h): list a site's schedules,
 * run one now, follow a run, and move the test clock (docs/events.md, docs/cli.md
 * `kiln trigger`). */
#ifndef KILN_SCHEDULE_ADMIN_H
#define KILN_SCHEDULE_ADMIN_H

#include "http/request.h"

/* GET /admin/v1/scheduler?site=NAME: the site's scheduled triggers, each {installationId,
 * appId, environment, moduleKey, interval, nextRun (ISO), nextRunMs}. */
void schedule_list(kreq_t *kr);
/* POST /admin/v1/sites/{name}/installations/{appId}/{environment}/scheduledTriggers/{module}/run:
 * a run due now, outside the slots (202 {deliveryId}). */
void schedule_run(kreq_t *kr);
/* GET /admin/v1/scheduler/runs/{id}: a scheduled run's delivery {id, state, attempts,
 * error, moduleKey, site}; 404 for any other delivery. */
void schedule_run_get(kreq_t *kr);
/* POST /admin/v1/scheduler/advance {"ms": N}: only under `kiln serve --test-clock` (404
 * otherwise): moves the scheduler's clock N ms (1 .. SCHEDULE_ADVANCE_MAX_MS) forward and
 * answers once what became due was fired: {offsetMs, now, fired}. */
void schedule_advance(kreq_t *kr);

#endif
