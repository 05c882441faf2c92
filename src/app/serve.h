/* `kiln serve`: the program. The one place that knows every service: it starts them in
 * order (services[] in serve.c), serves HTTP with the plane table (app/planes.h) until
 * SIGTERM or SIGINT, and stops what it started in reverse order, each exactly once. */
#ifndef KILN_SERVE_H
#define KILN_SERVE_H

#include <stddef.h>
#include <stdint.h>

typedef struct serve_opts {
    const char *data_dir;           /* default ./.kiln */
    const char *store_url;          /* --store: a postgresql:// URL; NULL: SQLite in data_dir (store.h) */
    const char *store_admin_url;    /* --store-admin: kiln_admin's URL (store_select_admin); NULL: store_url */
    const char *key_file;           /* --key-file: the master key all nodes share; NULL: DATA/master.key */
    const char *listen;             /* HOST:PORT, default 127.0.0.1:8080; port 0 picks one */
    int threads;                    /* default: one per online CPU */
    int store_threads;              /* --store-threads: PostgreSQL work off the loops (http/offload.h); <0: 0 */
    const char *public_url;         /* base of self links; default http://HOST:PORT */
    const char *ui_listen;          /* HOST:PORT of the UI origin's listener (web/uiorigin.h), or NULL: none */
    const char *ui_origin;          /* its public URL; default from ui_listen (127.0.0.1 as localhost) */
    uint64_t max_snapshot;          /* bytes of one app snapshot; 0: SNAPSHOT_MAX_DEFAULT */
    int64_t retention_ms;           /* data of uninstalled apps kept this long; 0: 28 days */
    long webtrigger_rate;           /* webtrigger requests per installation per minute; 0 default, <0 off */
    long proxy_rate;                /* product calls per installation per minute; 0 default, <0 off */
    long kvs_rate;                  /* app storage calls per installation per minute; 0 default, <0 off */
    long queue_rate;                /* async events pushed per installation per minute; 0 default, <0 off */
    long audit_retention_days;      /* audit events kept this long; <0 default (90), 0 forever */
    const char *egress_mode;        /* "auto" (default), "namespace" or "in-process" (docs/egress.md) */
    long ledger_retention_days;     /* ledger records kept this long; <0 default (90), 0 forever */
    int ledger_off;                 /* --ledger off: no data-flow records (journal/ledger.h) */
    int leak_mode;                  /* enum leak_mode + 1; 0: the default (development environments) */
    size_t max_buffered;            /* bytes of unfinished requests buffered in all; 0: 256 MiB (http/bodygate.h) */
    size_t max_buffered_per_client; /* the same per client address; 0: a quarter of max_buffered */
    int unsafe_no_sandbox;          /* --unsafe-no-sandbox: functions of every environment run unboxed */
    unsigned sandbox_uid_first, sandbox_uid_count; /* --sandbox-uids FIRST-LAST; 0: the default */
    const char *ui_assets;                         /* --ui-assets DIR: the built front end; NULL: beside the binary */
    int64_t session_idle_ms, session_max_ms;       /* web sessions' limits; 0: the defaults (auth/session.h) */
} serve_opts_t;

/* Runs kiln until SIGTERM/SIGINT; returns the process exit code (0 after a clean stop, 1
 * when a service could not start, 2 for a setting kiln must not start with). */
int app_serve(const serve_opts_t *opts);

#endif
