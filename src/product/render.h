/* JSON shapes of the product, following the Jira Cloud OpenAPI description. Every
 * function returns a new reference owned by the caller. */
#ifndef KILN_RENDER_H
#define KILN_RENDER_H

#include <jansson.h>

#include "http/request.h"
#include "store/store.h"

/* {public}/ex/jira/{cloudId}, in the arena. */
const char *render_base(kreq_t *kr);

json_t *render_user(kreq_t *kr, const user_rec_t *u);
/* A user by account id, or JSON null when the site has no such user. */
json_t *render_user_ref(kreq_t *kr, const char *account_id);

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
json_t *render_project(kreq_t *kr, const project_rec_t *p, unsigned expand);
/* The short project inside an issue's fields. */
json_t *render_project_ref(kreq_t *kr, const project_rec_t *p);

/* Issue types every site has. */
typedef struct issue_type {
    const char *id, *name, *description;
    int hierarchy_level;
} issue_type_t;
extern const issue_type_t issue_types[];
extern const unsigned issue_types_len;
const issue_type_t *issue_type_find(const char *id, const char *name);
json_t *render_issue_type(kreq_t *kr, const issue_type_t *t);

#endif
