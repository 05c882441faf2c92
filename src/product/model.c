/* The definitions every site shares (product/model.h): tables, and lookups over them. */
#include "product/model.h"

#include <string.h>
#include <strings.h>

#define LEN(a) (sizeof(a) / sizeof *(a))

/* ---- status categories ---- */

static const status_category_def_t categories[] = {
    {CAT_UNDEFINED, "undefined", "medium-gray", "No Category"},
    {CAT_NEW, "new", "blue-gray", "To Do"},
    {CAT_DONE, "done", "green", "Done"},
    {CAT_INDETERMINATE, "indeterminate", "yellow", "In Progress"},
};

const status_category_def_t *status_category_find(int id)
{
    for (size_t i = 0; i < LEN(categories); i++)
        if (categories[i].id == id)
            return &categories[i];
    return NULL;
}

const status_category_def_t *status_category_named(const char *s)
{
    for (size_t i = 0; s && i < LEN(categories); i++)
        if (strcasecmp(categories[i].key, s) == 0 || strcasecmp(categories[i].name, s) == 0)
            return &categories[i];
    return NULL;
}

/* ---- statuses ---- */

const status_def_t model_statuses[] = {
    {STATUS_TODO, "To Do", "Work that has not been started.", CAT_NEW},
    {STATUS_IN_PROGRESS, "In Progress", "This issue is being actively worked on at the moment by the assignee.",
     CAT_INDETERMINATE},
    {STATUS_DONE, "Done", "The work is done.", CAT_DONE},
    {STATUS_IN_REVIEW, "In Review", "The work is waiting for a review.", CAT_INDETERMINATE},
};
const size_t model_statuses_len = LEN(model_statuses);

const status_def_t *status_find(int64_t id)
{
    for (size_t i = 0; i < LEN(model_statuses); i++)
        if (model_statuses[i].id == id)
            return &model_statuses[i];
    return NULL;
}

const status_def_t *status_named(const char *name)
{
    for (size_t i = 0; name && i < LEN(model_statuses); i++)
        if (strcasecmp(model_statuses[i].name, name) == 0)
            return &model_statuses[i];
    return NULL;
}

/* ---- priorities ---- */

const priority_def_t model_priorities[] = {
    {1, "Highest", "This problem will block progress.", "#d04437", "highest.svg"},
    {2, "High", "Serious problem that could block progress.", "#f15C75", "high.svg"},
    {3, "Medium", "Has the potential to affect progress.", "#f79232", "medium.svg"},
    {4, "Low", "Minor problem or easily worked around.", "#707070", "low.svg"},
    {5, "Lowest", "Trivial problem with little or no impact on progress.", "#999999", "lowest.svg"},
};
const size_t model_priorities_len = LEN(model_priorities);

const priority_def_t *priority_find(int64_t id)
{
    for (size_t i = 0; i < LEN(model_priorities); i++)
        if (model_priorities[i].id == id)
            return &model_priorities[i];
    return NULL;
}

const priority_def_t *priority_named(const char *name)
{
    for (size_t i = 0; name && i < LEN(model_priorities); i++)
        if (strcasecmp(model_priorities[i].name, name) == 0)
            return &model_priorities[i];
    return NULL;
}

/* ---- resolutions ---- */

const resolution_def_t model_resolutions[] = {
    {10000, "Done", "Work has been completed on this issue."},
    {10001, "Won't Do", "This issue won't be actioned."},
    {10002, "Duplicate", "The problem is a duplicate of an existing issue."},
    {10003, "Cannot Reproduce", "All attempts at reproducing this issue failed."},
};
const size_t model_resolutions_len = LEN(model_resolutions);

const resolution_def_t *resolution_find(int64_t id)
{
    for (size_t i = 0; i < LEN(model_resolutions); i++)
        if (model_resolutions[i].id == id)
            return &model_resolutions[i];
    return NULL;
}

const resolution_def_t *resolution_named(const char *name)
{
    for (size_t i = 0; name && i < LEN(model_resolutions); i++)
        if (strcasecmp(model_resolutions[i].name, name) == 0)
            return &model_resolutions[i];
    return NULL;
}

/* ---- issue types ---- */

const issue_type_t model_issue_types[] = {
    {ITYPE_TASK, "Task", "A small, distinct piece of work.", 0},
    {ITYPE_BUG, "Bug", "A problem or error.", 0},
    {ITYPE_STORY, "Story", "A user-facing feature, told from the user's point of view.", 0},
    {ITYPE_EPIC, "Epic", "A big user story that needs to be broken down.", 1},
    {ITYPE_SUBTASK, "Subtask", "A small piece of work that's part of a larger task.", -1},
};
const size_t model_issue_types_len = LEN(model_issue_types);

const issue_type_t *issue_type_find(int64_t id)
{
    for (size_t i = 0; i < LEN(model_issue_types); i++)
        if (model_issue_types[i].id == id)
            return &model_issue_types[i];
    return NULL;
}

const issue_type_t *issue_type_named(const char *name)
{
    for (size_t i = 0; name && i < LEN(model_issue_types); i++)
        if (strcasecmp(model_issue_types[i].name, name) == 0)
            return &model_issue_types[i];
    /* Jira Cloud names the subtask type "Subtask" on new sites, "Sub-task" on older ones */
    if (name && strcasecmp(name, "Sub-task") == 0)
        return issue_type_find(ITYPE_SUBTASK);
    return NULL;
}

static const int64_t software_types[] = {ITYPE_TASK, ITYPE_BUG, ITYPE_STORY, ITYPE_EPIC, ITYPE_SUBTASK, 0};
static const int64_t business_types[] = {ITYPE_TASK, ITYPE_EPIC, ITYPE_SUBTASK, 0};
static const int64_t service_types[] = {ITYPE_TASK, ITYPE_BUG, ITYPE_SUBTASK, 0};
static const struct {
    const char *project_type;
    const int64_t *types;
} project_types[] = {
    {"software", software_types},
    {"business", business_types},
    {"service_desk", service_types},
};

int issue_type_in_project(const char *project_type, int64_t issuetype_id)
{
    for (size_t i = 0; project_type && i < LEN(project_types); i++)
        if (strcmp(project_types[i].project_type, project_type) == 0) {
            for (const int64_t *t = project_types[i].types; *t; t++)
                if (*t == issuetype_id)
                    return 1;
            return 0;
        }
    return 0;
}

/* ---- workflows ---- */

/* Software: work moves forward through review; nothing jumps from To Do to Done. */
static const int64_t software_statuses[] = {STATUS_TODO, STATUS_IN_PROGRESS, STATUS_IN_REVIEW, STATUS_DONE, 0};
static const transition_def_t software_transitions[] = {
    {11, "Start Progress", STATUS_TODO, STATUS_IN_PROGRESS},
    {21, "Stop Progress", STATUS_IN_PROGRESS, STATUS_TODO},
    {31, "Submit for Review", STATUS_IN_PROGRESS, STATUS_IN_REVIEW},
    {41, "Request Changes", STATUS_IN_REVIEW, STATUS_IN_PROGRESS},
    {51, "Done", STATUS_IN_REVIEW, STATUS_DONE},
    {61, "Reopen", STATUS_DONE, STATUS_TODO},
};
/* Business (Jira's team-managed default): any status to any status. */
static const int64_t business_statuses[] = {STATUS_TODO, STATUS_IN_PROGRESS, STATUS_DONE, 0};
static const transition_def_t business_transitions[] = {
    {11, "To Do", 0, STATUS_TODO},
    {21, "In Progress", 0, STATUS_IN_PROGRESS},
    {31, "Done", 0, STATUS_DONE},
};
/* Service desk: Jira's classic workflow; Done from either open status. */
static const int64_t service_statuses[] = {STATUS_TODO, STATUS_IN_PROGRESS, STATUS_DONE, 0};
static const transition_def_t service_transitions[] = {
    {11, "Start Progress", STATUS_TODO, STATUS_IN_PROGRESS},
    {21, "Stop Progress", STATUS_IN_PROGRESS, STATUS_TODO},
    {31, "Done", STATUS_TODO, STATUS_DONE},
    {31, "Done", STATUS_IN_PROGRESS, STATUS_DONE},
    {41, "Reopen", STATUS_DONE, STATUS_TODO},
};
static const workflow_def_t workflows[] = {
    {"software", "Software Simplified Workflow", software_statuses, software_transitions, LEN(software_transitions)},
    {"business", "Business Workflow", business_statuses, business_transitions, LEN(business_transitions)},
    {"service_desk", "Service Desk Workflow", service_statuses, service_transitions, LEN(service_transitions)},
};

const workflow_def_t *workflow_for(const char *project_type)
{
    for (size_t i = 0; project_type && i < LEN(workflows); i++)
        if (strcmp(workflows[i].project_type, project_type) == 0)
            return &workflows[i];
    return &workflows[1]; /* a type kiln does not know works as a business project */
}

int workflow_has_status(const workflow_def_t *wf, int64_t status_id)
{
    for (const int64_t *s = wf->statuses; *s; s++)
        if (*s == status_id)
            return 1;
    return 0;
}

const transition_def_t *workflow_transition(const workflow_def_t *wf, int64_t id, int64_t from)
{
    for (size_t i = 0; i < wf->ntransitions; i++) {
        const transition_def_t *t = &wf->transitions[i];
        if (t->id == id && (t->from == from || (t->from == 0 && workflow_has_status(wf, from))))
            return t;
    }
    return NULL;
}

/* ---- issue link types ---- */

const link_type_def_t model_link_types[] = {
    {10000, "Blocks", "is blocked by", "blocks"},
    {10001, "Cloners", "is cloned by", "clones"},
    {10002, "Duplicate", "is duplicated by", "duplicates"},
    {10003, "Relates", "relates to", "relates to"},
};
const size_t model_link_types_len = LEN(model_link_types);

const link_type_def_t *link_type_find(int64_t id)
{
    for (size_t i = 0; i < LEN(model_link_types); i++)
        if (model_link_types[i].id == id)
            return &model_link_types[i];
    return NULL;
}

const link_type_def_t *link_type_named(const char *name)
{
    for (size_t i = 0; name && i < LEN(model_link_types); i++)
        if (strcasecmp(model_link_types[i].name, name) == 0)
            return &model_link_types[i];
    return NULL;
}

/* ---- roles ---- */

static const char *const admin_perms[] = {
    "BROWSE_PROJECTS",     "CREATE_ISSUES",
    "EDIT_ISSUES",         "ASSIGN_ISSUES",
    "ASSIGNABLE_USER",     "TRANSITION_ISSUES",
    "MOVE_ISSUES",         "DELETE_ISSUES",
    "ADD_COMMENTS",        "EDIT_ALL_COMMENTS",
    "DELETE_ALL_COMMENTS", "EDIT_OWN_COMMENTS",
    "DELETE_OWN_COMMENTS", "WORK_ON_ISSUES",
    "EDIT_OWN_WORKLOGS",   "EDIT_ALL_WORKLOGS",
    "DELETE_OWN_WORKLOGS", "DELETE_ALL_WORKLOGS",
    "CREATE_ATTACHMENTS",  "DELETE_ALL_ATTACHMENTS",
    "ADMINISTER_PROJECTS", NULL,
};
static const char *const member_perms[] = {
    "BROWSE_PROJECTS",     "CREATE_ISSUES",
    "EDIT_ISSUES",         "ASSIGN_ISSUES",
    "ASSIGNABLE_USER",     "TRANSITION_ISSUES",
    "ADD_COMMENTS",        "CREATE_ATTACHMENTS",
    "EDIT_OWN_COMMENTS",   "DELETE_OWN_COMMENTS",
    "WORK_ON_ISSUES",      "EDIT_OWN_WORKLOGS",
    "DELETE_OWN_WORKLOGS", NULL,
};
static const char *const viewer_perms[] = {"BROWSE_PROJECTS", NULL};

const role_def_t model_roles[] = {
    {ROLE_ADMINISTRATORS, "Administrators", "Admins can do most things, like update settings and add other admins.",
     admin_perms},
    {ROLE_MEMBER, "Member", "Members are part of the team, and can add, edit, and collaborate on all work.",
     member_perms},
    {ROLE_VIEWER, "Viewer", "Viewers can search through and view your team's work, but not change it.", viewer_perms},
};
const size_t model_roles_len = LEN(model_roles);

const role_def_t *role_find(int64_t id)
{
    for (size_t i = 0; i < LEN(model_roles); i++)
        if (model_roles[i].id == id)
            return &model_roles[i];
    return NULL;
}

const role_def_t *role_named(const char *name)
{
    for (size_t i = 0; name && i < LEN(model_roles); i++)
        if (strcasecmp(model_roles[i].name, name) == 0)
            return &model_roles[i];
    return NULL;
}

int role_grants(const role_def_t *r, const char *key)
{
    for (const char *const *p = r->permissions; key && *p; p++)
        if (strcmp(*p, key) == 0)
            return 1;
    return 0;
}

/* ---- system fields ---- */

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
const sysfield_def_t model_sysfields[] = {
    {"summary", "Summary", "string", NULL, "summary", NAMES("summary"), 1, 1, 1},
    {"description", "Description", "string", NULL, "description", NAMES("description"), 1, 1, 1},
    {"environment", "Environment", "string", NULL, "environment", NAMES("environment"), 1, 1, 1},
    {"issuetype", "Issue Type", "issuetype", NULL, "issuetype", NAMES("issuetype", "type"), 1, 1, 1},
    {"project", "Project", "project", NULL, "project", NAMES("project"), 0, 1, 1},
    {"status", "Status", "status", NULL, "status", NAMES("status"), 0, 1, 1},
    {"statusCategory", "Status Category", "statusCategory", NULL, "statusCategory", NAMES("statusCategory"), 0, 1, 1},
    {"priority", "Priority", "priority", NULL, "priority", NAMES("priority"), 1, 1, 1},
    {"resolution", "Resolution", "resolution", NULL, "resolution", NAMES("resolution"), 1, 1, 1},
    {"resolutiondate", "Resolved", "datetime", NULL, "resolutiondate", NAMES("resolutiondate", "resolved"), 0, 1, 1},
    {"assignee", "Assignee", "user", NULL, "assignee", NAMES("assignee"), 1, 1, 1},
    {"reporter", "Reporter", "user", NULL, "reporter", NAMES("reporter"), 1, 1, 1},
    {"creator", "Creator", "user", NULL, "creator", NAMES("creator"), 0, 1, 1},
    {"created", "Created", "datetime", NULL, "created", NAMES("created", "createdDate"), 0, 1, 1},
    {"updated", "Updated", "datetime", NULL, "updated", NAMES("updated", "updatedDate"), 0, 1, 1},
    {"statuscategorychangedate", "Status Category Changed", "datetime", NULL, "statuscategorychangedate",
     NAMES("statusCategoryChangedDate"), 0, 1, 1},
    {"labels", "Labels", "array", "string", "labels", NAMES("labels"), 1, 1, 1},
    {"components", "Components", "array", "component", "components", NAMES("component"), 1, 1, 1},
    {"fixVersions", "Fix versions", "array", "version", "fixVersions", NAMES("fixVersion"), 1, 1, 1},
    {"versions", "Affects versions", "array", "version", "versions", NAMES("affectedVersion"), 1, 1, 1},
    {"parent", "Parent", "issuelink", NULL, "parent", NAMES("parent"), 1, 1, 1},
    {"subtasks", "Sub-tasks", "array", "issuelinks", "subtasks", NAMES("subtasks"), 0, 1, 0},
    {"issuelinks", "Linked Issues", "array", "issuelinks", "issuelinks", NAMES("issueLink"), 1, 1, 0},
    {"duedate", "Due date", "date", NULL, "duedate", NAMES("due", "duedate"), 1, 1, 1},
    {"timeoriginalestimate", "Original estimate", "number", NULL, "timeoriginalestimate",
     NAMES("originalEstimate", "timeoriginalestimate"), 0, 1, 1},
    {"timeestimate", "Remaining Estimate", "number", NULL, "timeestimate", NAMES("remainingEstimate", "timeestimate"),
     0, 1, 1},
    {"timespent", "Time Spent", "number", NULL, "timespent", NAMES("timespent"), 0, 1, 1},
    {"timetracking", "Time tracking", "timetracking", NULL, "timetracking", NAMES("timetracking"), 1, 0, 1},
    {"comment", "Comment", "comments-page", NULL, "comment", NAMES("comment"), 1, 0, 1},
    {"worklog", "Log Work", "array", "worklog", "worklog", NAMES("worklogAuthor"), 1, 0, 1},
    {"issuekey", "Key", "string", NULL, "issuekey", NAMES("id", "issue", "issuekey", "key"), 0, 1, 1},
};
const size_t model_sysfields_len = LEN(model_sysfields);

const sysfield_def_t *sysfield_find(const char *id)
{
    for (size_t i = 0; id && i < LEN(model_sysfields); i++)
        if (strcmp(model_sysfields[i].id, id) == 0)
            return &model_sysfields[i];
    return NULL;
}
