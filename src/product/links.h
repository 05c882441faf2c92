/* Issue links: POST /issueLink, GET|DELETE /issueLink/{linkId}, GET /issueLinkType[/{id}]
 * and the issuelinks field of an issue. A link joins an outward issue (the one that
 * "blocks") to an inward one ("is blocked by"); either issue a caller may not browse
 * makes the link invisible to it (Jira's 404). */
#ifndef KILN_LINKS_H
#define KILN_LINKS_H

#include "base/jsonw.h"
#include "http/request.h"
#include "store/store_product.h"

/* The issuelinks field of i: the links the caller can see both ends of. */
void render_issue_links(jsonw_t *w, kreq_t *kr, const issue_rec_t *i);

void issue_link_create(kreq_t *kr);
void issue_link_get(kreq_t *kr);
void issue_link_delete(kreq_t *kr);
void issue_link_types(kreq_t *kr);
void issue_link_type_get(kreq_t *kr);

#endif
