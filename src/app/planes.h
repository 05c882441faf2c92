/* The planes kiln serves, by path prefix: the one table that names every plane handler
 * (DESIGN.md, "Planes and URLs"). The HTTP server (http/server.h) knows none of them; the
 * program gives it this table. */
#ifndef KILN_PLANES_H
#define KILN_PLANES_H

#include <stddef.h>

#include "http/server.h"

/* The workers' Unix socket reaches these only (docs/egress.md). */
#define APP_WORKER_PREFIX "/_proxy/"

extern const http_plane_t app_planes[];
extern const size_t app_nplanes;

/* The UI origin's listener reaches these only (web/uiorigin.h). */
extern const http_plane_t app_ui_planes[];
extern const size_t app_ui_nplanes;

#endif
