#include "platform/site.h"

#include <stdio.h>
#include <string.h>

#include "auth/token.h"
#include "base/clock.h"
#include "base/enc.h"
#include "product/demo.h"
#include "product/perm.h"
#include "store/store_sites.h"

int site_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && c == '-');
        if (!ok)
            return 0;
    }
    return 1;
}

/* Jira Cloud account ids are 24 hex characters for migrated accounts. */
static const char *new_account_id(arena_t *a)
{
    unsigned char b[12];
    char *h = arena_alloc(a, 25);
    enc_random(b, sizeof b);
    enc_hex(h, b, sizeof b);
    return h;
}

int site_create(store_t *st, arena_t *a, const char *name, int demo, site_rec_t *out)
{
    char cloud[37];
    unsigned char cb[16];
    char ch[33];
    enc_uuid4(cloud);
    enc_random(cb, sizeof cb);
    enc_hex(ch, cb, sizeof cb);
    *out = (site_rec_t){
        .cloud_id = arena_strdup(a, cloud),
        .name = arena_strdup(a, name),
        .admin_account_id = new_account_id(a),
        .canary = arena_printf(a, "kiln-canary-%s", ch),
        .created_ms = clock_now_ms(),
    };
    int rc = store_begin_whole(st); /* all or nothing: the first failure rolls it back */
    if (rc != STORE_OK)
        return rc;
    rc = store_site_insert(st, out);
    if (rc == STORE_OK) {
        user_rec_t admin = {
            .account_id = out->admin_account_id,
            .email = arena_printf(a, "admin@%s.example.com", name),
            .display_name = arena_printf(a, "Site Admin (%s)", name),
            .account_type = "atlassian",
            .time_zone = "Etc/UTC",
            .locale = "en_US",
            .active = 1,
        };
        rc = store_user_insert(st, out->id, &admin);
    }
    if (rc == STORE_OK) /* Jira administrator, every project permission everywhere (product/perm.h) */
        rc = perm_seed_admin(st, out->id, out->admin_account_id);
    if (rc == STORE_OK && demo)
        rc = demo_fill(st, a, out, new_account_id);
    if (rc != STORE_OK) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st);
}

int site_user_token(store_t *st, arena_t *a, const site_rec_t *site, const char *account_id, char *token,
                    const char **account_out)
{
    const char *acct = account_id ? account_id : site->admin_account_id;
    user_rec_t u;
    int rc = store_user_get(st, a, site->id, acct, &u);
    if (rc != STORE_OK)
        return rc;
    if (strcmp(u.account_type, "atlassian") != 0)
        return STORE_CONFLICT; /* an app's bot user acts only through its app, never with a token */
    token_mint(TOKEN_USER, token);
    unsigned char hash[32];
    token_hash(token, strlen(token), hash);
    rc = store_token_insert(st, hash, site->id, acct);
    *account_out = acct;
    return rc;
}

json_t *site_json(const site_rec_t *s, const char *public_url)
{
    char url[1024], created[40];
    snprintf(url, sizeof url, "%s/ex/jira/%s", public_url, s->cloud_id);
    clock_iso8601(created, sizeof created, s->created_ms);
    return json_pack("{s:s,s:s,s:s,s:s,s:s}", "cloudId", s->cloud_id, "name", s->name, "url", url, "adminAccountId",
                     s->admin_account_id, "createdAt", created);
}
