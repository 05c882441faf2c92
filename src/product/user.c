/* Users: myself, users/search, user?accountId= */
#include <stdlib.h>
#include <string.h>

#include "http/reply.h"
#include "product/render.h"
#include "product/routes.h"
#include "store/store_sites.h"

void user_myself(kreq_t *kr)
{
    user_rec_t u;
    if (store_user_get(kr->store, kr->arena, kr->site.id, kr->principal.account_id, &u) != STORE_OK) {
        reply_error(kr, 401, 1, "The user of this credential no longer exists.");
        return;
    }
    int bad = 0;
    unsigned ex = render_user_expand(kreq_query(kr, "expand", &bad));
    jsonw_t *w = reply_writer_new(kr);
    render_user_full(w, kr, &u, 0, USER_EXPAND_LISTS | ex);
    reply_writer(kr, 200, w);
}

void user_search(kreq_t *kr)
{
    int64_t start = 0, max = 50;
    if (kreq_query_int(kr, "startAt", 0, INT64_MAX, &start) || kreq_query_int(kr, "maxResults", 0, INT64_MAX, &max)) {
        reply_error(kr, 400, 1, "startAt and maxResults must be non-negative integers.");
        return;
    }
    if (max > KILN_MAX_USER_PAGE)
        max = KILN_MAX_USER_PAGE;
    user_rec_t *us;
    size_t n;
    if (store_user_list(kr->store, kr->arena, kr->site.id, start, max, &us, &n) != STORE_OK) {
        reply_error(kr, 500, 1, "Internal server error");
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        render_user(w, kr, &us[i], 0);
    jw_arr_end(w);
    reply_writer(kr, 200, w);
}

void user_get(kreq_t *kr)
{
    int bad = 0;
    const char *id = kreq_query(kr, "accountId", &bad);
    if (bad || !id || !*id) {
        reply_error(kr, 400, 1, "The accountId query parameter is required.");
        return;
    }
    if (strlen(id) > 128) {
        reply_error(kr, 404, 1, "User not found.");
        return;
    }
    user_rec_t u;
    int rc = store_user_get(kr->store, kr->arena, kr->site.id, id, &u);
    if (rc != STORE_OK) {
        reply_error(kr, rc == STORE_NOTFOUND ? 404 : 500, 1,
                    rc == STORE_NOTFOUND ? "User not found." : "Internal server error");
        return;
    }
    unsigned ex = render_user_expand(kreq_query(kr, "expand", &bad));
    jsonw_t *w = reply_writer_new(kr);
    render_user_full(w, kr, &u, 0, USER_EXPAND_LISTS | ex);
    reply_writer(kr, 200, w);
}
