/* The state a platform plane handler keeps on its request while the request waits for
 * work done elsewhere (an invocation, an app storage write, a deploy's unpacking: the
 * work's completion_t, base/completion.h, says when). One slot of kreq_t.ctx serves every
 * platform handler: a request has exactly one plane. */
#ifndef KILN_PLANE_H
#define KILN_PLANE_H

#include "http/request.h"

/* Keeps `state` (the handler's; nothing is freed for it) on the request. */
void plane_keep(kreq_t *kr, void *state);
/* What plane_keep kept on the request, or NULL. */
void *plane_kept(kreq_t *kr);

#endif
