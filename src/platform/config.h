/* The platform's settings, given once from above at start (app/serve.c, from kiln serve's
 * options) before any request, and read-only afterwards: every thread reads them without
 * a lock. */
#ifndef KILN_PLATFORM_CONFIG_H
#define KILN_PLATFORM_CONFIG_H

#include <stdint.h>

#include "auth/token.h"

typedef struct platform_config {
    const char *data_dir;
    const char *public_url;      /* base of self links, no trailing slash */
    char admin_token[TOKEN_MAX]; /* what /admin/v1/ accepts */
    unsigned char link_key[32];  /* signs distribution links (derived from the admin token) */
    uint64_t max_snapshot;       /* bytes of one app snapshot */
    int64_t retention_ms;        /* an uninstalled app's data is kept this long */
    unsigned webtrigger_rate;    /* per installation and minute; 0: no limit */
    unsigned proxy_rate;         /* product calls of functions and remotes, likewise */
    unsigned kvs_rate;           /* app storage calls, likewise */
    unsigned queue_rate;         /* async events pushed, likewise (platform/proxy_queue.h) */
    const char *ui_origin;       /* the UI origin app frames are served from (web/); NULL: none yet */
    const char *ui_assets;       /* the built front end's folder (web/assets.h); NULL: beside the binary */
    int64_t session_idle_ms;     /* a web session unused this long ends; 0: the default (auth/session.h) */
    int64_t session_max_ms;      /* every web session ends this long after sign-in; 0: the default */
} platform_config_t;

/* Copies c (its strings must outlive the process). */
void platform_configure(const platform_config_t *c);
const platform_config_t *platform_config(void);

#endif
