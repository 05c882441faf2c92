/* JSON shapes of the product, following the Jira Cloud OpenAPI description, written
 * straight into a response writer (base/jsonw.h). */
#ifndef KILN_RENDER_H
#define KILN_RENDER_H

#include "base/jsonw.h"
#include "http/request.h"
#include "product/model.h"
#include "store/store.h"
#include "store/store_product.h"
#include "store/store_sites.h"

/* {public}/ex/jira/{cloudId}, in the arena. */
const char *render_base(kreq_t *kr);

/* A User; `details` writes Jira's shorter UserDetails (inside issue fields: no locale). */
void render_user(jsonw_t *w, kreq_t *kr, const user_rec_t *u, int details);
/* A user by account id, or null when the site has no such user. */
void render_user_ref(jsonw_t *w, kreq_t *kr, const char *account_id, int details);

enum {
    EXPAND_DESCRIPTION = 1,
    EXPAND_LEAD = 2,
    EXPAND_ISSUE_TYPES = 4,
    EXPAND_URL = 8,
    EXPAND_INSIGHT = 16,
    EXPAND_FULL = 32, /* GET project/{id}: the full Project */
};
/* Parses Jira's comma-separated expand list into EXPAND_* bits. */
unsigned render_expand(const char *expand);
void render_project(jsonw_t *w, kreq_t *kr, const project_rec_t *p, unsigned expand);

void render_issue_type(jsonw_t *w, kreq_t *kr, const issue_type_t *t);

/* The members of a project reference (inside an open object). */
void render_project_members(jsonw_t *w, kreq_t *kr, const project_rec_t *p);

#endif
