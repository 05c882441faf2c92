/* The contract a store backend implements; see store.h and the family headers for each
 * operation's meaning. store.c forwards every store_* call to the handle's backend.
 * Private to the store: nothing outside src/store/ includes it. */
#ifndef KILN_STORE_BACKEND_H
#define KILN_STORE_BACKEND_H

#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_auth.h"
#include "store/store_installs.h"
#include "store/store_journal.h"
#include "store/store_kvs.h"
#include "store/store_product.h"
#include "store/store_sites.h"

typedef struct store_backend store_backend_t;

/* Every backend's handle starts with this (a backend's own handle embeds it first). */
struct store {
    const store_backend_t *be;
};

struct store_backend {
    const char *name;
    void (*close)(store_t *);
    int (*migrate)(store_t *, char *, size_t);
    int (*check)(store_t *, char *, size_t);
    int (*begin)(store_t *);
    int (*begin_read)(store_t *);
    void (*idle)(store_t *);
    int (*commit)(store_t *);
    void (*rollback)(store_t *);
    int (*savepoint)(store_t *);
    int (*savepoint_release)(store_t *);
    void (*savepoint_rollback)(store_t *);
    int (*site_insert)(store_t *, site_rec_t *);
    int (*site_by_name)(store_t *, arena_t *, const char *, site_rec_t *);
    int (*site_by_id)(store_t *, arena_t *, int64_t, site_rec_t *);
    int (*site_list)(store_t *, arena_t *, site_rec_t **, size_t *);
    int (*site_count)(store_t *, int64_t *);
    int (*site_seed_ids)(store_t *, int64_t, int64_t);
    int (*user_insert)(store_t *, int64_t, const user_rec_t *);
    int (*user_get)(store_t *, arena_t *, int64_t, const char *, user_rec_t *);
    int (*user_list)(store_t *, arena_t *, int64_t, int64_t, int64_t, user_rec_t **, size_t *);
    int (*token_insert)(store_t *, const unsigned char *, int64_t, const char *);
    int (*token_lookup)(store_t *, arena_t *, const unsigned char *, int64_t *, const char **);
    int (*project_insert)(store_t *, int64_t, project_rec_t *);
    int (*project_by_id)(store_t *, arena_t *, int64_t, int64_t, project_rec_t *);
    int (*project_by_key)(store_t *, arena_t *, int64_t, const char *, project_rec_t *);
    int (*project_search)(store_t *, arena_t *, int64_t, const project_filter_t *, project_rec_t **, size_t *,
                          int64_t *);
    int (*issue_insert)(store_t *, int64_t, issue_rec_t *);
    int (*issue_by_id)(store_t *, arena_t *, int64_t, int64_t, issue_rec_t *, const char **);
    int (*issue_by_key)(store_t *, arena_t *, int64_t, const char *, int64_t, issue_rec_t *, const char **);
    int (*app_insert)(store_t *, const app_rec_t *);
    int (*app_get)(store_t *, arena_t *, const char *, app_rec_t *);
    int (*env_insert)(store_t *, const env_rec_t *);
    int (*env_get)(store_t *, arena_t *, const char *, const char *, env_rec_t *);
    int (*env_list)(store_t *, arena_t *, const char *, env_rec_t **, size_t *);
    int (*version_insert)(store_t *, version_rec_t *);
    int (*version_latest)(store_t *, arena_t *, const char *, const char *, int64_t, version_rec_t *);
    int (*version_list)(store_t *, arena_t *, const char *, const char *, version_rec_t **, size_t *);
    int (*install_insert)(store_t *, const install_rec_t *);
    int (*install_get)(store_t *, arena_t *, const char *, install_rec_t *);
    int (*install_active)(store_t *, arena_t *, int64_t, const char *, const char *, install_rec_t *);
    int (*install_list)(store_t *, arena_t *, const char *, install_rec_t **, size_t *);
    int (*install_set_major)(store_t *, const char *, int64_t, const char *, const char *, int64_t);
    int (*install_remove)(store_t *, const char *, int64_t, int64_t);
    int (*install_purgeable)(store_t *, arena_t *, int64_t, install_rec_t **, size_t *);
    int (*install_purge)(store_t *, const char *);
    int (*webtrigger_ensure)(store_t *, arena_t *, const char *, const char *, const char *, int64_t, const char **);
    int (*webtrigger_get)(store_t *, arena_t *, const char *, const char **, const char **);
    int (*webtrigger_delete)(store_t *, const char *, const char *);
    int (*webtrigger_list)(store_t *, arena_t *, const char *, const char ***, const char ***, size_t *);
    int (*logs_insert)(store_t *, const log_rec_t *, size_t);
    int (*logs_list)(store_t *, arena_t *, int64_t, int64_t, int64_t, log_rec_t **, size_t *);
    int (*audit_insert)(store_t *, const audit_rec_t *, size_t);
    int (*audit_list)(store_t *, arena_t *, int64_t, int64_t, int64_t, int64_t, audit_rec_t **, size_t *);
    int (*audit_purge)(store_t *, int64_t, int64_t *);
    int (*ledger_insert)(store_t *, const ledger_rec_t *, size_t);
    int (*ledger_list)(store_t *, arena_t *, int64_t, int64_t, int64_t, int64_t, ledger_rec_t **, size_t *);
    int (*ledger_purge)(store_t *, int64_t, int64_t *);
    int (*env_set_isolation)(store_t *, const char *, const char *, const char *);
    void (*relax_durability)(store_t *);
    int (*lifecycle_due)(store_t *, arena_t *, int64_t, lifecycle_rec_t **, size_t *);
    int (*lifecycle_delivered)(store_t *, int64_t, int64_t);
    int (*lifecycle_retry)(store_t *, int64_t, int64_t);
    int (*lifecycle_insert)(store_t *, lifecycle_rec_t *);
    int (*lifecycle_list)(store_t *, arena_t *, const char *, lifecycle_rec_t **, size_t *);
    int (*kvs_get)(store_t *, arena_t *, const kvs_owner_t *, int, const char *, const char *, int64_t, kvs_rec_t *);
    int (*kvs_put)(store_t *, const kvs_owner_t *, const kvs_rec_t *, int64_t);
    int (*kvs_delete)(store_t *, const kvs_owner_t *, int, const char *, const char *, int64_t);
    int (*kvs_list)(store_t *, arena_t *, const kvs_owner_t *, int, const char *, const char *, const char *,
                    const char *, int64_t, int64_t, kvs_rec_t **, size_t *);
    int (*kvs_expire)(store_t *, int64_t, int64_t, int64_t *);
    int (*var_put)(store_t *, const char *, const char *, const var_rec_t *);
    int (*var_delete)(store_t *, const char *, const char *, const char *);
    int (*var_list)(store_t *, arena_t *, const char *, const char *, var_rec_t **, size_t *);
    int (*key_insert)(store_t *, const key_rec_t *);
    int (*key_get)(store_t *, arena_t *, const char *, key_rec_t *);
    int (*key_current)(store_t *, arena_t *, const char *, key_rec_t *);
    int (*key_retire)(store_t *, const char *, int64_t);
    int (*key_list)(store_t *, arena_t *, const char *, size_t, key_rec_t **, size_t *);
    int (*systoken_insert)(store_t *, const unsigned char *, const systoken_rec_t *);
    int (*systoken_lookup)(store_t *, arena_t *, const unsigned char *, systoken_rec_t *);
    int (*systoken_delete_installation)(store_t *, const char *);
    int (*systoken_delete_expired)(store_t *, int64_t);
};

store_t *store_sqlite_open(const char *data_dir, char *err, size_t errlen);

#endif
