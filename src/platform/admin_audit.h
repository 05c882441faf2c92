/* The audit log on the admin plane: GET /admin/v1/audit. */
#ifndef KILN_ADMIN_AUDIT_H
#define KILN_ADMIN_AUDIT_H

#include "http/request.h"

/* ?site=NAME (default: every site) &since=EPOCH_MS &after=ID &n=N (default 100, at most
 * 1000): {"events":[{id, time, site, kind, plane, actor, appId, installationId,
 * invocationId, method, path, status, category, detail}]}, oldest first. Events are
 * written in batches (journal/audit.h): one appears at most AUDIT_FLUSH_MS after it
 * happened; this handler does not wait for the writer. */
void audit_list(kreq_t *kr);

#endif
