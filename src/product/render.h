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

/* 1 when the request's principal may see the email address of user `account_id`: the
 * user itself, or a Jira administrator (Jira's default profile visibility). */
int render_email_visible(kreq_t *kr, const char *account_id);
/* A User; `details` writes Jira's shorter UserDetails (inside issue fields: no locale).
 * emailAddress only as render_email_visible allows. */
void render_user(jsonw_t *w, kreq_t *kr, const user_rec_t *u, int details);
/* A User with Jira's groups and applicationRoles lists (GET /user, /myself): uexpand is
 * USER_EXPAND_LISTS (the lists' sizes only) or'd with the lists expanded (?expand=);
 * USER_EXPAND_NONE writes render_user's User. */
enum {
    USER_EXPAND_NONE = 0,
    USER_EXPAND_LISTS = 1,
    USER_EXPAND_GROUPS = 2,
    USER_EXPAND_APPLICATION_ROLES = 4,
};
void render_user_full(jsonw_t *w, kreq_t *kr, const user_rec_t *u, int details, unsigned uexpand);
/* Jira's ?expand= of a user (groups, applicationRoles) as USER_EXPAND_* bits. */
unsigned render_user_expand(const char *expand);
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
