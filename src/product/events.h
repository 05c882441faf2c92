/* Change events: every write to a site's product data is recorded, in the write's own
 * transaction, as one event in the site's ordered log (store/store_events.h), with the
 * acting user or app. Issue 18 delivers them to apps as Forge product events; the record
 * is made now so that nothing is lost between a write and its event.
 *
 * Kinds are Forge's event names (developer.atlassian.com/platform/forge/events-reference/
 * jira/): the writes kiln serves record these. */
#ifndef KILN_EVENTS_H
#define KILN_EVENTS_H

#include <jansson.h>
#include <stdint.h>

#include "http/request.h"

#define EV_ISSUE_CREATED "avi:jira:created:issue"
#define EV_ISSUE_UPDATED "avi:jira:updated:issue" /* payload: changelog {id, items[]} */
#define EV_ISSUE_DELETED "avi:jira:deleted:issue"
#define EV_ISSUE_ASSIGNED "avi:jira:assigned:issue" /* also recorded as updated */
#define EV_COMMENT_CREATED "avi:jira:commented:issue"
/* Forge sends avi:jira:commented:issue "each time a comment is created or edited" (it has
 * no updated:comment event): an edit records that name too */
#define EV_COMMENT_UPDATED "avi:jira:commented:issue"
#define EV_COMMENT_DELETED "avi:jira:deleted:comment"
/* a description (an issue created or its description edited) or a comment (made or
 * edited) that mentions users other than its writer: payload mentionedAccountIds */
#define EV_ISSUE_MENTIONED "avi:jira:mentioned:issue"
#define EV_COMMENT_MENTIONED "avi:jira:mentioned:comment"
/* a user (not an app) read one issue: GET /rest/api/{2,3}/issue/{issueIdOrKey} */
#define EV_ISSUE_VIEWED "avi:jira:viewed:issue"
#define EV_WORKLOG_CREATED "avi:jira:created:worklog"
#define EV_WORKLOG_UPDATED "avi:jira:updated:worklog"
#define EV_WORKLOG_DELETED "avi:jira:deleted:worklog"
#define EV_LINK_CREATED "avi:jira:created:issuelink"
#define EV_LINK_DELETED "avi:jira:deleted:issuelink"
#define EV_FIELD_CREATED "avi:jira:created:field" /* payload: the custom field's id and name */
#define EV_COMPONENT_CREATED "avi:jira:created:component"
#define EV_COMPONENT_UPDATED "avi:jira:updated:component"
#define EV_COMPONENT_DELETED "avi:jira:deleted:component"
#define EV_VERSION_CREATED "avi:jira:created:version"
#define EV_VERSION_UPDATED "avi:jira:updated:version"
#define EV_VERSION_DELETED "avi:jira:deleted:version"
/* an update that releases, unreleases, archives or unarchives a version records these too */
#define EV_VERSION_RELEASED "avi:jira:released:version"
#define EV_VERSION_UNRELEASED "avi:jira:unreleased:version"
#define EV_VERSION_ARCHIVED "avi:jira:archived:version"
#define EV_VERSION_UNARCHIVED "avi:jira:unarchived:version"
#define EV_PROJECT_CREATED "avi:jira:created:project"
#define EV_PROJECT_UPDATED "avi:jira:updated:project"
#define EV_PROJECT_DELETED "avi:jira:deleted:project"
/* kiln's own: Forge has no event for a project role's actors; recorded, not delivered */
#define EV_ROLE_ACTORS_UPDATED "kiln:jira:updated:projectroleactors"
#define EV_PROPERTY_SET "avi:jira:created:property" /* payload names the entity and key */
#define EV_PROPERTY_DELETED "avi:jira:deleted:property"
#define EV_SPRINT_CREATED "avi:jira-software:created:sprint"
#define EV_SPRINT_UPDATED "avi:jira-software:updated:sprint"
#define EV_SPRINT_STARTED "avi:jira-software:started:sprint"
#define EV_SPRINT_CLOSED "avi:jira-software:closed:sprint"
#define EV_SPRINT_DELETED "avi:jira-software:deleted:sprint"
#define EV_BOARD_CREATED "avi:jira-software:created:board"
#define EV_BOARD_DELETED "avi:jira-software:deleted:board"

/* Records one event for the request's site, acted by its principal (a user, or the app's
 * bot user), now. `payload` (a JSON object, stolen; NULL: {}) carries what the event's
 * receiver needs (ids, keys, the changelog). Call it inside the write's transaction
 * (store_begin ... store_commit) and roll the write back if it fails: STORE_OK or a
 * STORE_* error. */
int product_event(kreq_t *kr, const char *kind, int64_t entity_id, json_t *payload);

/* Records Forge's mention event `kind` (EV_ISSUE_MENTIONED, EV_COMMENT_MENTIONED) when
 * the stored ADF document `adf_json` (a description, a comment body; NULL: none) mentions
 * anyone but the request's principal: `payload` (stolen) gains mentionedAccountIds, every
 * account mentioned, once each (Forge: "all users mentioned ... are included in one
 * event"; a self-mention does not count). Mentioning nobody else records nothing. In the
 * write's transaction, as product_event. */
int product_event_mentions(kreq_t *kr, const char *kind, int64_t entity_id, const char *adf_json, json_t *payload);

/* The issue as Forge's issue, comment and worklog events carry it, as it is now (call it
 * in the write's transaction, after the write: the event keeps the fields of its own
 * moment): {id, key, fields: {summary, issuetype, project, status, priority, labels,
 * created, updated, and creator, reporter and assignee as {accountId} or null}}. A new
 * object, or NULL (out of memory). */
struct issue_rec;
json_t *product_event_issue(kreq_t *kr, const struct issue_rec *i, const char *project_key);

#endif
