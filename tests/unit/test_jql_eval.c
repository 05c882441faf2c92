/* Unit tests for the JQL evaluator and the store's search (src/product/jql_eval.h,
 * src/store/store_search.h, src/store/sqlite/search.c, src/base/wordmatch.h): a fixed
 * data set on two sites (store_fixture.h's alpha and bravo) and a table of queries with
 * the issue keys they must answer, in order, or Jira's validation messages; the same
 * queries as users who may browse only some projects (their issues are absent and
 * counted nowhere, and naming their project is "does not exist"), queries that name site
 * B's ids and keys from site A, the plans of the selective queries (an index, not a scan:
 * a lost index fails here), the time budget, and the word search alone. */
#include "unit.h"

#include <string.h>

#include "base/buf.h"
#include "base/wordmatch.h"
#include "product/jql.h"
#include "product/jql_eval.h"
#include "product/model.h"
#include "store/store_catalog.h"
#include "store/store_changelog.h"
#include "store/store_fields.h"
#include "store/store_search.h"
#include "store_fixture.h"

#define DAY 86400000LL
#define NOW 1710504000000LL /* 2024-03-15 12:00:00 UTC, a Friday */

/* ---- the data set ---- */

static const char *const users[][4] = {
    /* account id, name, email, may browse (project keys; "*" all) */
    {"u-alice", "Alice Adams", "alice@example.com", "*"},
    {"u-bob", "Bob Brown", "bob@example.com", "WEB,APP"},
    {"u-carol", "Abby Carol", "carol@example.com", "WEB"}, /* her name sorts before Alice's */
};

static const struct fx_issue {
    const char *proj, *summary;
    int64_t type, status, prio;
    const char *assignee, *labels;
    int64_t resolution;
    int64_t created_days, updated_hours; /* before NOW */
    const char *due, *desc, *parent, *comps, *fixv;
    double points; /* 0: none */
    const char *team;
} issues_a[] = {
    {"WEB", "Login page crashes on submit", ITYPE_BUG, STATUS_IN_PROGRESS, 2, "u-alice", "frontend urgent", 0, 30, 24,
     "2024-03-20", "The login form throws an exception", NULL, "UI", "1.0", 5, "Red"},
    {"WEB", "Update footer links", ITYPE_TASK, STATUS_TODO, 3, "u-bob", "frontend", 0, 20, 48, NULL,
     "Links in the footer point to the old site", NULL, "UI", "1.1", 2, "Blue"},
    {"WEB", "Database migration fails", ITYPE_BUG, STATUS_DONE, 1, "u-alice", "backend urgent", 10000, 15, 72,
     "2024-03-01", "The migration script stops with an error", NULL, "API", "1.0", 8, "Red"},
    {"WEB", "Relaunch", ITYPE_EPIC, STATUS_IN_PROGRESS, 3, NULL, "", 0, 40, 120, NULL, NULL, NULL, NULL, NULL, 0, NULL},
    {"WEB", "Login subtask: validate input", ITYPE_SUBTASK, STATUS_TODO, 4, "u-bob", "", 0, 10, 1, "2024-04-02", NULL,
     "WEB-1", "UI,API", NULL, 1, NULL},
    {"WEB", "Search is slow", ITYPE_STORY, STATUS_IN_REVIEW, 3, "u-carol", "backend perf", 0, 5, 96, NULL,
     "Searching takes seconds on large sites", "WEB-4", NULL, "1.1", 3, "Blue"},
    {"MKT", "Spring campaign", ITYPE_TASK, STATUS_TODO, 3, "u-alice", "campaign", 0, 25, 144, NULL, NULL, NULL, NULL,
     NULL, 0, NULL},
    {"MKT", "Newsletter login banner", ITYPE_TASK, STATUS_DONE, 5, NULL, "", 10001, 12, 168, NULL,
     "A banner that asks readers to log in", NULL, NULL, NULL, 0, NULL},
    {"APP", "Crash on startup", ITYPE_BUG, STATUS_TODO, 1, "u-bob", "urgent", 0, 3, 73, NULL, NULL, NULL, NULL, NULL, 0,
     NULL},
    {"APP", "Dark mode", ITYPE_STORY, STATUS_IN_PROGRESS, 3, "u-alice", "", 0, 2, 25, NULL,
     "Follow the system's dark theme", NULL, NULL, NULL, 0, NULL},
    {"HELP", "Password reset", ITYPE_TASK, STATUS_TODO, 3, NULL, "", 0, 1, 2, NULL, NULL, NULL, NULL, NULL, 0, NULL},
};

typedef struct {
    fx_t *f;
    int64_t pid[8]; /* A: WEB MKT HELP APP; B: WEB */
    int64_t ids[16];
    const char *keys[16];
    int64_t b_ids[4];
    const char *points_id, *team_id, *notes_id;
} data_t;

static const char *adf(fx_t *f, const char *text)
{
    return text ? arena_printf(f->a,
                               "{\"type\":\"doc\",\"version\":1,\"content\":[{\"type\":\"paragraph\",\"content\":"
                               "[{\"type\":\"text\",\"text\":\"%s\"}]}]}",
                               text)
                : NULL;
}

static int64_t project_of(data_t *d, const char *key)
{
    static const char *const k[] = {"WEB", "MKT", "HELP", "APP"};
    for (int i = 0; i < 4; i++)
        if (strcmp(k[i], key) == 0)
            return d->pid[i];
    return 0;
}

static int64_t named(fx_t *f, const char *kind, const char *name, int64_t project, data_t *d)
{
    (void)d;
    if (strcmp(kind, "component") == 0) {
        component_rec_t *cs;
        size_t n;
        assert_int_equal(store_component_list(f->st, f->a, f->A.id, project, &cs, &n), STORE_OK);
        for (size_t i = 0; i < n; i++)
            if (strcmp(cs[i].name, name) == 0)
                return cs[i].id;
        component_rec_t c = {.project_id = project, .name = name, .description = "", .assignee_type = "UNASSIGNED"};
        assert_int_equal(store_component_insert(f->st, f->A.id, &c), STORE_OK);
        return c.id;
    }
    pversion_rec_t *vs;
    size_t n;
    assert_int_equal(store_pversion_list(f->st, f->a, f->A.id, project, &vs, &n), STORE_OK);
    for (size_t i = 0; i < n; i++)
        if (strcmp(vs[i].name, name) == 0)
            return vs[i].id;
    pversion_rec_t v = {.project_id = project, .name = name, .description = ""};
    assert_int_equal(store_pversion_insert(f->st, f->A.id, &v), STORE_OK);
    return v.id;
}

static size_t split_ids(fx_t *f, data_t *d, const char *kind, const char *list, int64_t project, int64_t *out)
{
    size_t n = 0;
    if (!list)
        return 0;
    char *s = arena_strdup(f->a, list), *save = NULL;
    for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
        out[n++] = named(f, kind, t, project, d);
    return n;
}

static void change(fx_t *f, int64_t issue, const char *author, int64_t at, const char *field, const char *from,
                   const char *to)
{
    change_item_t it = {field, "jira", field, from, from, to, to};
    change_group_t g = {.issue_id = issue, .author_account_id = author, .created_ms = at, .items = &it, .nitems = 1};
    assert_int_equal(store_changelog_append(f->st, f->A.id, &g), STORE_OK);
}

static void build(fx_t *f, data_t *d)
{
    memset(d, 0, sizeof *d);
    d->f = f;
    seed_projects(f);
    d->pid[0] = 10000, d->pid[1] = 10001, d->pid[2] = 10002, d->pid[3] = 10003, d->pid[4] = 10000;
    for (size_t i = 0; i < sizeof users / sizeof *users; i++) {
        user_rec_t u = {users[i][0], users[i][2], users[i][1], "atlassian", "Europe/Paris", "en_US", 1};
        assert_int_equal(store_user_insert(f->st, f->A.id, &u), STORE_OK);
        if (strcmp(users[i][3], "*") == 0) {
            assert_int_equal(store_perm_grant(f->st, f->A.id, users[i][0], 0, "BROWSE_PROJECTS"), STORE_OK);
            continue;
        }
        char *s = arena_strdup(f->a, users[i][3]), *save = NULL;
        for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
            assert_int_equal(store_perm_grant(f->st, f->A.id, users[i][0], project_of(d, t), "BROWSE_PROJECTS"),
                             STORE_OK);
    }
    assert_int_equal(store_perm_grant(f->st, f->A.id, f->A.admin_account_id, 0, "BROWSE_PROJECTS"), STORE_OK);
    field_rec_t pts = {.name = "Story Points", .description = "", .type = "number", .created_ms = NOW};
    field_rec_t team = {.name = "Team",
                        .description = "",
                        .type = "select",
                        .options_json = "[{\"id\":\"10100\",\"value\":\"Red\"},{\"id\":\"10101\",\"value\":\"Blue\"}]",
                        .created_ms = NOW};
    assert_int_equal(store_field_insert(f->st, f->a, f->A.id, &pts), STORE_OK);
    assert_int_equal(store_field_insert(f->st, f->a, f->A.id, &team), STORE_OK);
    d->points_id = pts.id;
    d->team_id = team.id;
    field_rec_t notes = {.name = "Notes", .description = "", .type = "string", .created_ms = NOW};
    assert_int_equal(store_field_insert(f->st, f->a, f->A.id, &notes), STORE_OK);
    d->notes_id = notes.id;
    for (size_t i = 0; i < sizeof issues_a / sizeof *issues_a; i++) {
        const struct fx_issue *x = &issues_a[i];
        int64_t pid = project_of(d, x->proj);
        issue_rec_t is = {
            .project_id = pid,
            .summary = x->summary,
            .description_json = adf(f, x->desc),
            .issuetype_id = x->type,
            .status_id = x->status,
            .priority_id = x->prio,
            .resolution_id = x->resolution,
            .reporter_account_id = f->A.admin_account_id,
            .creator_account_id = f->A.admin_account_id,
            .assignee_account_id = x->assignee,
            .duedate = x->due,
            .original_estimate_s = -1,
            .remaining_estimate_s = -1,
            .time_spent_s = -1,
            .rank = "",
            .created_ms = NOW - x->created_days * DAY,
            .updated_ms = NOW - x->updated_hours * 3600000LL,
        };
        is.resolved_ms = x->resolution ? is.updated_ms : 0;
        is.status_changed_ms = is.created_ms;
        for (size_t k = 0; k < i && x->parent; k++)
            if (strcmp(d->keys[k], x->parent) == 0)
                is.parent_id = d->ids[k];
        assert_int_equal(store_issue_insert(f->st, f->A.id, &is), STORE_OK);
        d->ids[i] = is.id;
        d->keys[i] = arena_printf(f->a, "%s-%lld", x->proj, (long long)is.num);
        if (*x->labels) {
            const char *ls[4];
            size_t n = 0;
            char *s = arena_strdup(f->a, x->labels), *save = NULL;
            for (char *t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save))
                ls[n++] = t;
            assert_int_equal(store_labels_set(f->st, f->A.id, is.id, ls, n), STORE_OK);
        }
        int64_t ids[4];
        size_t n = split_ids(f, d, "component", x->comps, pid, ids);
        if (n)
            assert_int_equal(store_issue_components_set(f->st, f->A.id, is.id, ids, n), STORE_OK);
        n = split_ids(f, d, "version", x->fixv, pid, ids);
        if (n)
            assert_int_equal(store_issue_versions_set(f->st, f->A.id, is.id, ISSUE_FIX_VERSIONS, ids, n), STORE_OK);
        if (x->points) {
            field_value_t v = {.num = x->points, .has_num = 1};
            assert_int_equal(store_field_values_set(f->st, f->A.id, is.id, d->points_id, &v, 1), STORE_OK);
        }
        if (x->team) {
            field_value_t v = {.str = strcmp(x->team, "Red") == 0 ? "10100" : "10101"};
            assert_int_equal(store_field_values_set(f->st, f->A.id, is.id, d->team_id, &v, 1), STORE_OK);
        }
    }
    /* a text custom field on APP-1 */
    field_value_t note = {.str = "Flaky on a cold start"};
    assert_int_equal(store_field_values_set(f->st, f->A.id, d->ids[8], d->notes_id, &note, 1), STORE_OK);
    /* time tracking (seconds; -1 none): WEB-1 4h estimated, 2h left, 6h spent (workRatio 150);
       WEB-2 2d, 2d left, nothing spent (0); WEB-3 1h, 0 left, 1h spent (100); APP-1 no
       estimate, 3h spent (no workRatio); site B's issue 10000 1h estimated, 5h spent (500) */
    static const struct {
        size_t i;
        int64_t orig, rem, spent;
    } tt[] = {{0, 14400, 7200, 21600}, {1, 57600, 57600, -1}, {2, 3600, 0, 3600}, {8, -1, -1, 10800}};
    for (size_t k = 0; k < sizeof tt / sizeof *tt; k++) {
        issue_rec_t r;
        const char *pkey;
        assert_int_equal(store_issue_by_id(f->st, f->a, f->A.id, d->ids[tt[k].i], &r, &pkey), STORE_OK);
        r.original_estimate_s = tt[k].orig;
        r.remaining_estimate_s = tt[k].rem;
        r.time_spent_s = tt[k].spent;
        assert_int_equal(store_issue_update(f->st, f->A.id, &r), STORE_OK);
    }
    /* history: WEB-1 To Do -> In Progress by alice 10 days ago; WEB-3 To Do -> In Progress by
       bob 14 days ago and on to Done by alice 4 days ago; WEB-2 assigned from alice to bob */
    change(f, d->ids[0], "u-alice", NOW - 10 * DAY, "status", "10000", "10001");
    change(f, d->ids[2], "u-bob", NOW - 14 * DAY, "status", "10000", "10001");
    change(f, d->ids[2], "u-alice", NOW - 4 * DAY, "status", "10001", "10002");
    change(f, d->ids[1], f->A.admin_account_id, NOW - 8 * DAY, "assignee", "u-alice", "u-bob");
    /* site B: an issue like WEB-1, with B's own labels and admin */
    issue_rec_t b = add_issue(f, f->B.id, 10000, "Login page crashes on submit", NOW - DAY);
    b.status_id = STATUS_IN_PROGRESS;
    b.assignee_account_id = f->B.admin_account_id;
    b.original_estimate_s = 3600;
    b.time_spent_s = 18000;
    assert_int_equal(store_issue_update(f->st, f->B.id, &b), STORE_OK);
    const char *bl[] = {"urgent", "bravo-only"};
    assert_int_equal(store_labels_set(f->st, f->B.id, b.id, bl, 2), STORE_OK);
    d->b_ids[0] = b.id;
    /* B's rows whose ids are A's too (ids are per site): its issue 10000 (A's WEB-1), a
       custom field customfield_10000 with a value there, a status change to Done */
    assert_int_equal(b.id, d->ids[0]);
    field_rec_t bf = {.name = "Bravo Points", .description = "", .type = "number", .created_ms = NOW};
    assert_int_equal(store_field_insert(f->st, f->a, f->B.id, &bf), STORE_OK);
    assert_string_equal(bf.id, d->points_id);
    field_value_t bv = {.num = 99, .has_num = 1};
    assert_int_equal(store_field_values_set(f->st, f->B.id, b.id, bf.id, &bv, 1), STORE_OK);
    change_item_t it = {"status", "jira", "status", "10001", "In Progress", "10002", "Done"};
    change_group_t g = {.issue_id = b.id,
                        .author_account_id = f->B.admin_account_id,
                        .created_ms = NOW - DAY,
                        .items = &it,
                        .nitems = 1};
    assert_int_equal(store_changelog_append(f->st, f->B.id, &g), STORE_OK);
}

/* ---- running a query ---- */

typedef struct who {
    const char *account; /* NULL: an app (every project) */
} who_t;

static int may_browse(void *arg, int64_t project_id)
{
    fx_t *f = ((void **)arg)[0];
    const char *account = ((void **)arg)[1];
    int has = 0;
    if (store_perm_has(f->st, f->A.id, account, project_id, "BROWSE_PROJECTS", &has) != STORE_OK)
        return -1;
    return has;
}

/* The keys the query answers ("WEB-1,WEB-3"), "!<messages>" for validation errors,
 * "?<message>" for a parse error; *total the count. */
static const char *run_in(fx_t *f, arena_t *qa, int64_t site, const char *account, int app, const char *jql,
                          int64_t *total)
{
    jql_query_t *q;
    jql_error_t err;
    if (jql_parse(qa, jql, strlen(jql), &q, &err) != JQL_OK)
        return arena_printf(f->a, "?%s", err.msg);
    jql_tz_t *tz = NULL;
    assert_int_equal(jql_tz_load(qa, "Europe/Paris", &tz), 0);
    void *arg[2] = {f, (void *)account};
    jql_env_t env = {
        .st = f->st,
        .site_id = site,
        .user = account,
        .may_browse = app ? NULL : may_browse,
        .arg = arg,
        .date = {.now_ms = NOW, .tz = tz, .week_start = 0},
    };
    ss_query_t sq;
    jql_msgs_t msgs;
    int rc = jql_eval(qa, &env, q, &sq, &msgs);
    if (rc == JQL_EVAL_INVALID) {
        char *s = arena_strdup(f->a, "!");
        for (size_t i = 0; i < msgs.n; i++)
            s = arena_printf(f->a, "%s%s%s", s, i ? " | " : "", msgs.msg[i]);
        return s;
    }
    if (rc != JQL_EVAL_OK)
        print_error("query %s: evaluator %d\n", jql, rc);
    assert_int_equal(rc, JQL_EVAL_OK);
    sq.max = 100;
    sq.budget_ms = 5000;
    issue_rec_t *is;
    const char **keys;
    size_t n;
    int64_t t = -1;
    assert_int_equal(store_search(f->st, qa, site, &sq, &is, &keys, &n, &t), STORE_OK);
    int64_t c = -1;
    assert_int_equal(store_search_count(f->st, site, &sq, &c), STORE_OK);
    assert_int_equal(c, t);
    if (total)
        *total = t;
    char *s = arena_strdup(f->a, "");
    for (size_t i = 0; i < n; i++)
        s = arena_printf(f->a, "%s%s%s-%lld", s, i ? "," : "", keys[i], (long long)is[i].num);
    assert_int_equal((int64_t)n, t);
    return s;
}

/* run_in with an arena of its own for the query's work (the answer is in f->a). */
static const char *run(fx_t *f, int64_t site, const char *account, int app, const char *jql, int64_t *total)
{
    arena_t *qa = arena_new(8u << 20);
    const char *s = run_in(f, qa, site, account, app, jql, total);
    arena_free(qa);
    return s;
}

/* ---- the table: as alice (browses every project), then as others ---- */

static const struct {
    const char *q, *want;
} cases[] = {
    /* projects, keys, ids */
    {"project = WEB ORDER BY key", "WEB-1,WEB-2,WEB-3,WEB-4,WEB-5,WEB-6"},
    {"project = web ORDER BY key DESC", "WEB-6,WEB-5,WEB-4,WEB-3,WEB-2,WEB-1"},
    {"project = \"Website Relaunch\" AND status = Done", "WEB-3"},
    {"project = 10001 ORDER BY key", "MKT-1,MKT-2"},
    {"project in (MKT, APP) ORDER BY key", "APP-1,APP-2,MKT-1,MKT-2"},
    {"project not in (WEB, MKT, APP)", "HELP-1"},
    {"project != WEB AND project != MKT ORDER BY key", "APP-1,APP-2,HELP-1"},
    {"project = NOPE", "!The value 'NOPE' does not exist for the field 'project'."},
    {"project in (WEB, NOPE, NADA)",
     "!The value 'NOPE' does not exist for the field 'project'. | The value 'NADA' does not exist for the field "
     "'project'."},
    {"key = WEB-3", "WEB-3"},
    {"issuekey = web-3", "WEB-3"},
    {"key in (WEB-1, APP-2, MKT-1) ORDER BY key", "APP-2,MKT-1,WEB-1"},
    {"key = WEB-99", "!An issue with key 'WEB-99' does not exist for field 'key'."},
    {"key > WEB-4 ORDER BY key", "WEB-5,WEB-6"},
    {"key <= WEB-2 ORDER BY key", "WEB-1,WEB-2"},
    {"id = 10000", "WEB-1"},
    {"issue = 10002", "WEB-3"},
    /* types, statuses, categories, priorities, resolutions */
    {"issuetype = Bug ORDER BY key", "APP-1,WEB-1,WEB-3"},
    {"type = bug AND project = APP", "APP-1"},
    {"issuetype in (Epic, Sub-task) ORDER BY key", "WEB-4,WEB-5"},
    {"issuetype = 10004", "WEB-4"},
    {"issuetype = Chore", "!The value 'Chore' does not exist for the field 'issuetype'."},
    {"status = \"In Progress\" ORDER BY key", "APP-2,WEB-1,WEB-4"},
    {"status = 'in progress' AND project = WEB ORDER BY key", "WEB-1,WEB-4"},
    {"status in (\"In Review\", Done) ORDER BY key", "MKT-2,WEB-3,WEB-6"},
    {"status != \"To Do\" AND project = WEB ORDER BY key", "WEB-1,WEB-3,WEB-4,WEB-6"},
    {"status = 10003", "WEB-6"},
    {"status = Open", "!The value 'Open' does not exist for the field 'status'."},
    {"statusCategory = Done ORDER BY key", "MKT-2,WEB-3"},
    {"statusCategory = \"In Progress\" ORDER BY key", "APP-2,WEB-1,WEB-4,WEB-6"},
    {"statusCategory = new AND project = MKT", "MKT-1"},
    {"statusCategory != Done AND project = MKT", "MKT-1"},
    {"statusCategory = Waiting", "!The value 'Waiting' does not exist for the field 'statusCategory'."},
    {"priority = Highest ORDER BY key", "APP-1,WEB-3"},
    {"priority in (High, Highest) ORDER BY key", "APP-1,WEB-1,WEB-3"},
    {"priority > Medium ORDER BY key", "APP-1,WEB-1,WEB-3"},
    {"priority >= High ORDER BY key", "APP-1,WEB-1,WEB-3"},
    {"priority < Medium ORDER BY key", "MKT-2,WEB-5"},
    {"priority = Urgent", "!The value 'Urgent' does not exist for the field 'priority'."},
    {"resolution = Done", "WEB-3"},
    {"resolution = \"Won't Do\"", "MKT-2"},
    {"resolution is not EMPTY ORDER BY key", "MKT-2,WEB-3"},
    {"resolution = Unresolved AND project = MKT", "MKT-1"},
    {"resolution is EMPTY AND project = MKT", "MKT-1"},
    {"resolution = EMPTY AND project = MKT", "MKT-1"},
    {"resolution != Done AND project in (WEB, MKT)", "MKT-2"},
    {"resolution = Fixed", "!The value 'Fixed' does not exist for the field 'resolution'."},
    /* users */
    {"assignee = u-alice ORDER BY key", "APP-2,MKT-1,WEB-1,WEB-3"},
    {"assignee = currentUser() ORDER BY key", "APP-2,MKT-1,WEB-1,WEB-3"},
    {"assignee = \"alice@example.com\" AND project = WEB ORDER BY key", "WEB-1,WEB-3"},
    {"assignee = \"Bob Brown\" ORDER BY key", "APP-1,WEB-2,WEB-5"},
    {"assignee in (u-bob, u-carol) AND project = WEB ORDER BY key", "WEB-2,WEB-5,WEB-6"},
    {"assignee is EMPTY ORDER BY key", "HELP-1,MKT-2,WEB-4"},
    {"assignee = EMPTY ORDER BY key", "HELP-1,MKT-2,WEB-4"},
    {"assignee in (EMPTY, u-carol) ORDER BY key", "HELP-1,MKT-2,WEB-4,WEB-6"},
    {"assignee != u-alice AND project = WEB ORDER BY key", "WEB-2,WEB-5,WEB-6"},
    {"assignee not in (u-alice, u-bob) ORDER BY key", "WEB-6"},
    {"NOT assignee = u-alice AND project = WEB ORDER BY key", "WEB-2,WEB-5,WEB-6"},
    {"assignee = nobody", "!The value 'nobody' does not exist for the field 'assignee'."},
    {"assignee = membersOf(\"jira-users\")",
     "!Function 'membersOf' can not generate a list of usernames for group 'jira-users'; the group does not exist."},
    {"reporter = admin-alpha AND project = HELP", "HELP-1"},
    {"creator = currentUser()", ""},
    {"reporter = currentUser()", ""},
    /* labels, components, versions */
    {"labels = urgent ORDER BY key", "APP-1,WEB-1,WEB-3"},
    {"labels in (perf, campaign) ORDER BY key", "MKT-1,WEB-6"},
    {"labels = URGENT", ""},
    {"labels != urgent AND project = WEB ORDER BY key", "WEB-2,WEB-6"},
    {"labels not in (urgent, perf) ORDER BY key", "MKT-1,WEB-2"},
    {"labels is EMPTY AND project = WEB ORDER BY key", "WEB-4,WEB-5"},
    {"labels is not EMPTY AND project = APP", "APP-1"},
    {"labels = frontend AND labels = urgent", "WEB-1"},
    {"component = UI ORDER BY key", "WEB-1,WEB-2,WEB-5"},
    {"component in (API) ORDER BY key", "WEB-3,WEB-5"},
    {"component is EMPTY AND project = WEB ORDER BY key", "WEB-4,WEB-6"},
    {"component != UI AND project = WEB", "WEB-3"},
    {"component = Backend", "!The value 'Backend' does not exist for the field 'component'."},
    {"fixVersion = \"1.0\" ORDER BY key", "WEB-1,WEB-3"},
    {"fixVersion in (1.0, 1.1) ORDER BY key", "WEB-1,WEB-2,WEB-3,WEB-6"},
    {"fixVersion is EMPTY AND project = WEB ORDER BY key", "WEB-4,WEB-5"},
    {"fixVersion = 2.0", "!The value '2.0' does not exist for the field 'fixVersion'."},
    {"affectedVersion is EMPTY AND project = APP ORDER BY key", "APP-1,APP-2"},
    /* parents and epics */
    {"parent = WEB-1", "WEB-5"},
    {"parent = WEB-4", "WEB-6"},
    {"parent in (WEB-1, WEB-4) ORDER BY key", "WEB-5,WEB-6"},
    {"\"Epic Link\" = WEB-4", "WEB-6"},
    {"parent = WEB-77", "!An issue with key 'WEB-77' does not exist for field 'parent'."},
    /* dates (now is Friday 2024-03-15 12:00 UTC, 13:00 in Paris) */
    {"created >= -7d ORDER BY key", "APP-1,APP-2,HELP-1,WEB-6"},
    {"created > \"2024-03-10\" ORDER BY key", "APP-1,APP-2,HELP-1,WEB-6"},
    {"created < \"2024/02/20\" ORDER BY key", "MKT-1,WEB-1,WEB-4"}, /* midnight in Paris: Feb 19 23:00 UTC */
    {"created <= \"2024-02-14 13:00\" ORDER BY key", "WEB-1,WEB-4"},
    {"updated >= startOfDay() ORDER BY key", "HELP-1,WEB-5"},
    {"updated >= startOfDay(-1) ORDER BY key", "APP-2,HELP-1,WEB-1,WEB-5"},
    /* weeks start on Sunday, March 10, 00:00 in Paris (March 9, 23:00 UTC) */
    {"updated >= startOfWeek() ORDER BY key", "APP-1,APP-2,HELP-1,WEB-1,WEB-2,WEB-3,WEB-4,WEB-5,WEB-6"},
    {"updated < startOfWeek() ORDER BY key", "MKT-1,MKT-2"},
    /* March 1, 00:00 in Paris is February 29, 23:00 UTC: WEB-3 (Feb 29, 12:00 UTC) is before */
    {"created >= startOfMonth() ORDER BY key", "APP-1,APP-2,HELP-1,MKT-2,WEB-5,WEB-6"},
    {"created < startOfYear()", ""},
    {"created > endOfDay()", ""},
    {"updated <= now() AND project = HELP", "HELP-1"},
    {"resolved >= -4d ORDER BY key", "WEB-3"},
    {"resolved is EMPTY AND project = MKT", "MKT-1"},
    {"due < \"2024-03-15\"", "WEB-3"},
    {"duedate >= now() ORDER BY key", "WEB-1,WEB-5"},
    {"due <= endOfMonth() ORDER BY key", "WEB-1,WEB-3"},
    {"due is EMPTY AND project = WEB ORDER BY key", "WEB-2,WEB-4,WEB-6"},
    {"created > \"yesterday\"",
     "!Date value 'yesterday' for field 'created' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
     "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."},
    {"created > startOfDay(\"+1x\")", "!Incorrect parameters for the function 'startOfDay'."},
    /* text */
    {"summary ~ login ORDER BY key", "MKT-2,WEB-1,WEB-5"},
    {"summary ~ \"LOGIN page\" ORDER BY key", "WEB-1"},
    {"summary ~ \"\\\"page crashes\\\"\"", "WEB-1"},
    {"summary ~ \"\\\"crashes page\\\"\"", ""},
    {"summary ~ \"crash*\" ORDER BY key", "APP-1,WEB-1"},
    {"summary ~ \"cra?h\" ORDER BY key", "APP-1"},
    {"summary ~ log", ""},
    {"summary !~ login AND project = WEB ORDER BY key", "WEB-2,WEB-3,WEB-4,WEB-6"},
    {"description ~ migration", "WEB-3"},
    {"description ~ paragraph", ""},
    {"description ~ text", ""},
    {"description is EMPTY AND project = WEB ORDER BY key", "WEB-4,WEB-5"},
    {"description is not EMPTY AND project = APP", "APP-2"},
    {"text ~ \"dark\" ORDER BY key", "APP-2"},
    {"text ~ footer", "WEB-2"},
    {"text ~ \"log*\" ORDER BY key", "MKT-2,WEB-1,WEB-5"},
    {"environment is EMPTY AND project = APP ORDER BY key", "APP-1,APP-2"},
    {"summary ~ \"\"", "!The field 'summary' does not support searching for an empty string."},
    {"summary ~ \"!!\"", "!The field 'summary' does not support searching for an empty string."},
    {"summary = \"Dark mode\"", "!The operator '=' is not supported by the 'summary' field."},
    {"status ~ Done", "!The operator '~' is not supported by the 'status' field."},
    {"comment ~ anything", ""},
    /* custom fields */
    {"cf[10000] = 5", "WEB-1"},
    {"\"Story Points\" >= 3 ORDER BY key", "WEB-1,WEB-3,WEB-6"},
    {"\"story points\" < 3 ORDER BY key", "WEB-2,WEB-5"},
    {"customfield_10000 in (1, 2) ORDER BY key", "WEB-2,WEB-5"},
    {"\"Story Points\" is EMPTY AND project = WEB", "WEB-4"},
    {"\"Story Points\" = 2.5", ""},
    {"\"Story Points\" = lots", "!The value 'lots' is not a valid number for the field 'Story Points'."},
    {"Team = Red ORDER BY key", "WEB-1,WEB-3"},
    {"cf[10001] = Blue ORDER BY key", "WEB-2,WEB-6"},
    {"Team = 10101 ORDER BY key", "WEB-2,WEB-6"},
    {"Team != Red ORDER BY key", "WEB-2,WEB-6"},
    {"Team = Green", "!The value 'Green' does not exist for the field 'Team'."},
    {"Team ~ Red", "!The operator '~' is not supported by the 'Team' field."},
    {"\"Story Points\" >= 3 ORDER BY \"Story Points\" DESC", "WEB-3,WEB-1,WEB-6"},
    {"project = WEB ORDER BY cf[10000], key", "WEB-5,WEB-2,WEB-6,WEB-1,WEB-3,WEB-4"},
    {"Notes ~ cold", "APP-1"},
    {"Notes ~ \"cold start\"", "APP-1"},
    {"cf[10002] ~ warm", ""},
    {"Notes !~ cold", ""}, /* !~ never matches an empty field */
    {"Notes !~ warm", "APP-1"},
    {"description !~ login AND project = WEB ORDER BY key", "WEB-2,WEB-3,WEB-6"},
    {"text !~ login", "!The operator '!~' is not supported by the 'text' field."},
    {"Notes is EMPTY AND project = APP", "APP-2"},
    {"Notes is not EMPTY", "APP-1"},
    {"Notes = cold", "!The operator '=' is not supported by the 'Notes' field."},
    {"Flavour = sweet", "!Field 'Flavour' does not exist or you do not have permission to view it."},
    {"cf[99999] = 1", "!Field 'cf[99999]' does not exist or you do not have permission to view it."},
    /* history */
    {"status WAS \"In Progress\" ORDER BY key", "APP-2,WEB-1,WEB-3,WEB-4"},
    {"status WAS \"In Progress\" BY u-bob", "WEB-3"},
    {"status WAS Done BY currentUser()", "WEB-3"},
    /* In Progress was held by WEB-1 from March 5, 12:00 UTC on; WEB-3 from March 1 to 11;
       WEB-4 since its creation (February 4); APP-2 since its creation (March 13) */
    {"status WAS \"In Progress\" BEFORE -12d", "WEB-4,WEB-3"},
    {"status WAS \"In Progress\" AFTER -12d", "APP-2,WEB-4,WEB-3,WEB-1"},
    {"status WAS \"In Progress\" DURING (\"2024-02-29\", \"2024-03-02\")", "WEB-4,WEB-3"},
    {"status WAS \"In Progress\" ON \"2024-03-05\"", "WEB-4,WEB-3,WEB-1"},
    /* March 1 in Paris: WEB-1 and WEB-3 before their changes, WEB-2 and MKT-1 never changed */
    {"status WAS \"To Do\" ON \"2024-03-01\" ORDER BY key", "MKT-1,WEB-1,WEB-2,WEB-3"},
    {"status WAS \"To Do\" AFTER -11d ORDER BY key", "APP-1,HELP-1,MKT-1,WEB-1,WEB-2,WEB-5"},
    {"status WAS Done BEFORE -5d", "MKT-2"},
    {"assignee WAS u-alice BEFORE -9d AND project = WEB ORDER BY key", "WEB-1,WEB-2,WEB-3"},
    {"assignee WAS u-alice AFTER -7d AND project = WEB ORDER BY key", "WEB-1,WEB-3"},
    {"status WAS IN (Done, \"In Review\") ORDER BY key", "MKT-2,WEB-3,WEB-6"},
    {"status WAS NOT \"To Do\" AND project = WEB ORDER BY key", "WEB-4,WEB-6"},
    {"status CHANGED ORDER BY key", "WEB-1,WEB-3"},
    {"status CHANGED FROM \"In Progress\" TO Done", "WEB-3"},
    {"status CHANGED TO \"In Progress\" BY u-alice", "WEB-1"},
    {"status CHANGED AFTER -5d", "WEB-3"},
    {"status CHANGED BEFORE -20d", ""},
    {"NOT status CHANGED AND project = WEB ORDER BY key", "WEB-2,WEB-4,WEB-5,WEB-6"},
    {"assignee WAS u-alice AND project = WEB ORDER BY key", "WEB-1,WEB-2,WEB-3"},
    {"assignee CHANGED BY admin-alpha", "WEB-2"},
    {"labels WAS urgent", "!The operator 'WAS' is not supported by the 'labels' field."},
    {"status WAS Done FROM \"To Do\"", "!The predicate 'FROM' is not supported by the operator 'WAS'."},
    /* sprints and watchers (the data set has none) */
    {"sprint in openSprints()", ""},
    {"sprint is EMPTY AND project = APP ORDER BY key", "APP-1,APP-2"},
    {"sprint = \"Sprint 9\"", "!The value 'Sprint 9' does not exist for the field 'sprint'."},
    {"sprint = 77", "!The value '77' does not exist for the field 'sprint'."},
    {"watcher = currentUser()", ""},
    {"watcher is EMPTY AND project = APP ORDER BY key", "APP-1,APP-2"},
    /* AND, OR, NOT, precedence */
    {"project = WEB AND status = \"In Progress\" ORDER BY updated DESC", "WEB-1,WEB-4"},
    {"project = APP OR project = HELP ORDER BY key", "APP-1,APP-2,HELP-1"},
    {"project = APP OR labels = campaign AND status = \"To Do\" ORDER BY key", "APP-1,APP-2,MKT-1"},
    {"(project = APP OR labels = campaign) AND status = \"To Do\" ORDER BY key", "APP-1,MKT-1"},
    {"NOT (project = WEB OR project = MKT) ORDER BY key", "APP-1,APP-2,HELP-1"},
    {"NOT NOT project = HELP", "HELP-1"},
    {"project = APP AND NOT (status = Done OR priority = Highest)", "APP-2"},
    {"NOT labels = urgent AND project = APP", ""},
    {"project = MKT && status = Done || project = HELP ORDER BY key", "HELP-1,MKT-2"},
    {"! project = WEB AND ! project = MKT AND !project = APP", "HELP-1"},
    /* ORDER BY */
    {"project = APP ORDER BY created", "APP-2,APP-1"},
    {"project = APP ORDER BY created ASC", "APP-1,APP-2"},
    {"project = WEB ORDER BY priority, key", "WEB-3,WEB-1,WEB-2,WEB-4,WEB-6,WEB-5"},
    {"project = WEB ORDER BY priority ASC, key", "WEB-5,WEB-2,WEB-4,WEB-6,WEB-1,WEB-3"},
    {"project = WEB ORDER BY status, key DESC", "WEB-5,WEB-2,WEB-4,WEB-1,WEB-3,WEB-6"},
    {"project = WEB ORDER BY assignee, key", "WEB-6,WEB-1,WEB-3,WEB-2,WEB-5,WEB-4"}, /* by display name */
    {"project = WEB ORDER BY assignee DESC, key", "WEB-2,WEB-5,WEB-1,WEB-3,WEB-6,WEB-4"},
    {"project = WEB ORDER BY due, key", "WEB-3,WEB-1,WEB-5,WEB-2,WEB-4,WEB-6"},
    {"project = MKT", "MKT-2,MKT-1"},
    {"project = WEB ORDER BY labels", "!Field 'labels' does not support sorting."},
    {"project = HELP ORDER BY rank", "HELP-1"},
    /* time tracking: workRatio (time spent * 100 / original estimate) and the durations */
    {"workRatio > 100", "WEB-1"},
    {"project in (\"WEB\") AND workRatio > 100 order by created DESC", "WEB-1"},
    {"workRatio >= 100 ORDER BY key", "WEB-1,WEB-3"},
    {"workRatio = 0", "WEB-2"},
    {"workRatio < 100 ORDER BY key", "WEB-2"},
    {"workRatio != 100 ORDER BY key", "WEB-1,WEB-2"},
    {"workRatio in (0, 150) ORDER BY key", "WEB-1,WEB-2"},
    {"workRatio > 200", ""},
    {"workRatio is EMPTY AND project = WEB ORDER BY key", "WEB-4,WEB-5,WEB-6"},
    {"workRatio is not EMPTY ORDER BY workRatio DESC", "WEB-1,WEB-3,WEB-2"},
    {"workRatio > abc", "!The value 'abc' is not a valid number for the field 'workRatio'."},
    {"originalEstimate = 4h", "WEB-1"},
    {"originalEstimate = 2d", "WEB-2"},
    {"originalEstimate = 16h", "WEB-2"},
    {"timeoriginalestimate >= 4h ORDER BY key", "WEB-1,WEB-2"},
    {"originalEstimate >= 240 ORDER BY key", "WEB-1,WEB-2"}, /* a bare number: minutes */
    {"originalEstimate is not EMPTY ORDER BY originalEstimate", "WEB-3,WEB-1,WEB-2"},
    {"originalEstimate < \"2d 4h\" ORDER BY key", "WEB-1,WEB-2,WEB-3"},
    {"originalEstimate > \"1d 7h\"", "WEB-2"},
    {"originalEstimate = 3x", "!The value '3x' is not a valid duration for the field 'originalEstimate'."},
    {"remainingEstimate = 0", "WEB-3"},
    {"timeestimate < 3h ORDER BY key", "WEB-1,WEB-3"},
    {"timeSpent > 2h ORDER BY timeSpent DESC", "WEB-1,APP-1"},
    {"timespent = 180m", "APP-1"},
    {"timeSpent is EMPTY AND project = WEB ORDER BY key", "WEB-2,WEB-4,WEB-5,WEB-6"},
    {"ORDER BY key", "APP-1,APP-2,HELP-1,MKT-1,MKT-2,WEB-1,WEB-2,WEB-3,WEB-4,WEB-5,WEB-6"},
    {"", "HELP-1,APP-2,APP-1,MKT-2,MKT-1,WEB-6,WEB-5,WEB-4,WEB-3,WEB-2,WEB-1"}, /* newest issue (id) first */
    /* operators a field does not take, lists, functions */
    {"project ~ WEB", "!The operator '~' is not supported by the 'project' field."},
    {"project > WEB", "!The operator '>' is not supported by the 'project' field."},
    {"project in WEB", "!The operator 'IN' does not support the non-list value 'WEB' for the field 'project'."},
    {"project = (WEB, MKT)", "!The operator '=' does not support a list of values for the field 'project'."},
    {"status is Done", "!The operator 'IS' only supports searching for EMPTY values for the field 'status'."},
    {"assignee = now()", "!A value provided by the function 'now' is invalid for the field 'assignee'."},
    {"assignee = whoever()", "!Unable to find JQL function 'whoever()'."},
    {"status = Done AFTER -1d",
     "?Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'AFTER'. (line 1, character 15)"},
    {"key in issueHistory()", ""},
    /* more of each, reasoned from the data set above */
    {"priority in (Low, Lowest) ORDER BY key", "MKT-2,WEB-5"},
    {"priority <= Low ORDER BY key", "MKT-2,WEB-5"},
    {"priority != Medium ORDER BY key", "APP-1,MKT-2,WEB-1,WEB-3,WEB-5"},
    {"issuetype != Task AND project = WEB ORDER BY key", "WEB-1,WEB-3,WEB-4,WEB-5,WEB-6"},
    {"issuetype not in (Bug, Story, Task) ORDER BY key", "WEB-4,WEB-5"},
    {"status WAS \"To Do\" ORDER BY key", "APP-1,HELP-1,MKT-1,WEB-1,WEB-2,WEB-3,WEB-5"},
    {"status CHANGED FROM \"To Do\" ORDER BY key", "WEB-1,WEB-3"},
    {"status CHANGED TO Done BEFORE -3d", "WEB-3"},
    {"status CHANGED TO Done AFTER -3d", ""},
    {"assignee CHANGED FROM u-alice TO u-bob", "WEB-2"},
    {"assignee WAS u-bob BY admin-alpha", "WEB-2"},
    {"assignee WAS NOT u-alice AND project = WEB ORDER BY key", "WEB-4,WEB-5,WEB-6"},
    {"created >= -2d ORDER BY created DESC", "HELP-1,APP-2"},
    {"created > -2d", "HELP-1"},
    {"updated >= -25h ORDER BY key", "APP-2,HELP-1,WEB-1,WEB-5"},
    {"due > \"2024-03-20\"", "WEB-5"},
    {"due = \"2024-03-01\"", "WEB-3"},
    {"due in (\"2024-03-01\", \"2024-03-20\") ORDER BY key", "WEB-1,WEB-3"},
    {"resolved < startOfDay() ORDER BY key", "MKT-2,WEB-3"},
    {"component in (UI, API) ORDER BY key", "WEB-1,WEB-2,WEB-3,WEB-5"},
    {"component not in (API) AND project = WEB ORDER BY key", "WEB-1,WEB-2"},
    {"fixVersion != 1.0 ORDER BY key", "WEB-2,WEB-6"},
    {"labels in (urgent) AND labels not in (backend) ORDER BY key", "APP-1,WEB-1"},
    {"text ~ exception", "WEB-1"},
    {"text ~ \"login exception\"", "WEB-1"},
    {"summary ~ login AND description ~ banner", "MKT-2"},
    {"description ~ log", "MKT-2"},
    {"summary ~ \"*slow\"", "WEB-6"},
    {"text ~ paragraph", ""},
    {"reporter in (admin-alpha) AND project = APP ORDER BY key", "APP-1,APP-2"},
    {"reporter = u-alice", ""},
    {"creator != admin-alpha", ""},
    {"parent is EMPTY", "!The operator 'IS' is not supported by the 'parent' field."},
    {"parent != WEB-1 AND project = WEB", "WEB-6"},
    {"\"Epic Link\" is EMPTY AND project = WEB ORDER BY key", "WEB-1,WEB-2,WEB-3,WEB-4"},
    {"Team in (Red, Blue) ORDER BY key", "WEB-1,WEB-2,WEB-3,WEB-6"},
    {"Team is EMPTY AND project = WEB ORDER BY key", "WEB-4,WEB-5"},
    {"\"Story Points\" > 2 AND \"Story Points\" < 8 ORDER BY key", "WEB-1,WEB-6"},
    {"project = WEB ORDER BY \"Story Points\" DESC, key", "WEB-3,WEB-1,WEB-6,WEB-2,WEB-5,WEB-4"},
    {"project = WEB ORDER BY updated", "WEB-5,WEB-1,WEB-2,WEB-3,WEB-6,WEB-4"},
    {"project = WEB ORDER BY updated ASC", "WEB-4,WEB-6,WEB-3,WEB-2,WEB-1,WEB-5"},
    {"project = WEB ORDER BY issuetype, key", "WEB-2,WEB-1,WEB-3,WEB-6,WEB-4,WEB-5"},
    {"project = MKT ORDER BY resolution", "MKT-2,MKT-1"},
    {"project = WEB ORDER BY parent, key", "WEB-5,WEB-6,WEB-1,WEB-2,WEB-3,WEB-4"},
    {"project = APP ORDER BY summary", "APP-1,APP-2"},
    {"status = Done ORDER BY project, key", "MKT-2,WEB-3"},
    {"key in (WEB-1, web-2) AND status = \"To Do\"", "WEB-2"},
    {"issuekey >= APP-2 ORDER BY key", "APP-2"},
    {"id in (10000, 10010) ORDER BY key", "HELP-1,WEB-1"},
    {"project = 10003 ORDER BY key", "APP-1,APP-2"},
    {"project = \"10003\"", "APP-2,APP-1"},
    {"statusCategory in (Done, \"To Do\") AND project = MKT ORDER BY key", "MKT-1,MKT-2"},
    {"statusCategory = 4 AND project = APP", "APP-2"},
    {"assignee in (currentUser(), EMPTY) AND project = MKT ORDER BY key", "MKT-1,MKT-2"},
    {"assignee != currentUser() AND project = APP", "APP-1"},
    {"labels = backend OR labels = campaign ORDER BY key", "MKT-1,WEB-3,WEB-6"},
    {"NOT (labels = backend OR labels = campaign) AND project = WEB ORDER BY key", "WEB-1,WEB-2"},
    {"fixVersion = 1.0 AND component = API", "WEB-3"},
    {"sprint is not EMPTY", ""},
    {"sprint not in openSprints()", ""},
    /* updatedBy(): a change by the user in the period, or the issue created by it */
    {"issuekey in updatedBy(u-alice) ORDER BY key", "WEB-1,WEB-3"},
    {"issue in updatedBy(u-bob)", "WEB-3"},
    {"issue in updatedBy(admin-alpha) AND project = APP ORDER BY key", "APP-1,APP-2"},
    {"issue in updatedBy(u-alice, -5d)", "WEB-3"},
    {"issue in updatedBy(u-alice, \"2024-03-01\", \"2024-03-06\")", "WEB-1"},
    {"issue not in updatedBy(u-alice) AND project = WEB ORDER BY key", "WEB-2,WEB-4,WEB-5,WEB-6"},
    {"key = updatedBy(u-alice)", "!The function 'updatedBy' may only be used with the 'IN' and 'NOT IN' operators."},
    {"assignee in updatedBy(u-alice)",
     "!A value provided by the function 'updatedBy' is invalid for the field 'assignee'."},
    {"issue in updatedBy(nobody)", "!The value 'nobody' does not exist for the field 'updatedBy'."},
    /* site B's things named from site A */
    {"project = 10000 AND summary ~ crashes", "WEB-1"},
    {"labels = urgent AND summary ~ \"login page\"", "WEB-1"},
    {"assignee = admin-bravo", "!The value 'admin-bravo' does not exist for the field 'assignee'."},
};

static void check_table(fx_t *f, data_t *d, const char *account, int app)
{
    (void)d;
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *got = run(f, f->A.id, account, app, cases[i].q, NULL);
        if (strcmp(got, cases[i].want) != 0) {
            print_error("query  %s\n  want %s\n  got  %s\n", cases[i].q, cases[i].want, got);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

static void test_table_user(void **state)
{
    fx_t *f = *state;
    data_t d;
    build(f, &d);
    check_table(f, &d, "u-alice", 0);
}

static void test_table_app(void **state)
{
    fx_t *f = *state;
    data_t d;
    build(f, &d);
    /* an app sees every project; currentUser() is its bot user (alice's id here) */
    check_table(f, &d, "u-alice", 1);
}

/* ---- permissions: carol browses WEB only, bob WEB and APP ---- */

static void test_permissions(void **state)
{
    fx_t *f = *state;
    data_t d;
    build(f, &d);
    int64_t t;
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "ORDER BY key", &t), "WEB-1,WEB-2,WEB-3,WEB-4,WEB-5,WEB-6");
    assert_int_equal(t, 6);
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "labels = urgent ORDER BY key", &t), "WEB-1,WEB-3");
    assert_int_equal(t, 2);
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "project = MKT", NULL),
                        "!The value 'MKT' does not exist for the field 'project'.");
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "project = 10001", NULL),
                        "!The value '10001' does not exist for the field 'project'.");
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "project = \"Marketing Campaigns\"", NULL),
                        "!The value 'Marketing Campaigns' does not exist for the field 'project'.");
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "key = MKT-1", NULL),
                        "!An issue with key 'MKT-1' does not exist for field 'key'.");
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "id = 10006", NULL),
                        "!An issue with key '10006' does not exist for field 'id'.");
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "project != WEB", &t), "");
    assert_int_equal(t, 0);
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "NOT project = WEB", &t), "");
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "assignee = u-alice ORDER BY key", &t), "WEB-1,WEB-3");
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "summary ~ login ORDER BY key", NULL), "WEB-1,WEB-5");
    assert_string_equal(run(f, f->A.id, "u-carol", 0, "status WAS Done", NULL), "WEB-3");
    assert_string_equal(run(f, f->A.id, "u-bob", 0, "priority = Highest ORDER BY key", &t), "APP-1,WEB-3");
    assert_string_equal(run(f, f->A.id, "u-bob", 0, "project in (APP, HELP)", NULL),
                        "!The value 'HELP' does not exist for the field 'project'.");
    assert_string_equal(run(f, f->A.id, "u-bob", 0, "", &t), "APP-2,APP-1,WEB-6,WEB-5,WEB-4,WEB-3,WEB-2,WEB-1");
    assert_int_equal(t, 8);
    /* a user with no grant sees nothing, and no project exists for it */
    assert_string_equal(run(f, f->A.id, "nobody-at-all", 0, "", &t), "");
    assert_int_equal(t, 0);
    assert_string_equal(run(f, f->A.id, "nobody-at-all", 0, "project = WEB", NULL),
                        "!The value 'WEB' does not exist for the field 'project'.");
}

/* ---- tenancy: from site B, nothing of site A, whatever the query names ---- */

static void test_cross_site(void **state)
{
    fx_t *f = *state;
    data_t d;
    build(f, &d);
    int64_t t;
    /* site B's admin as an app-like principal (every project of B) */
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "", &t), "WEB-1");
    assert_int_equal(t, 1);
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "labels = urgent", NULL), "WEB-1");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "summary ~ login", NULL), "WEB-1");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "key = WEB-2", NULL),
                        "!An issue with key 'WEB-2' does not exist for field 'key'.");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "id = 10002", NULL),
                        "!An issue with key '10002' does not exist for field 'id'.");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "project in (MKT, APP)", NULL),
                        "!The value 'MKT' does not exist for the field 'project'. | The value 'APP' does not exist "
                        "for the field 'project'.");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "assignee = u-alice", NULL),
                        "!The value 'u-alice' does not exist for the field 'assignee'.");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "\"Story Points\" > 1", NULL),
                        "!Field 'Story Points' does not exist or you do not have permission to view it.");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "component = UI", NULL),
                        "!The value 'UI' does not exist for the field 'component'.");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "status WAS Done OR status CHANGED", NULL), "WEB-1");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "parent = WEB-1", NULL), "");
    /* relations are read inside the site: A's issue 10000 has labels frontend and urgent,
       B's has urgent and bravo-only; the same for custom field values and the changelog */
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "labels = frontend", NULL), "");
    assert_string_equal(run(f, f->A.id, "u-alice", 1, "labels = bravo-only", NULL), "");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "labels = bravo-only", NULL), "WEB-1");
    assert_string_equal(run(f, f->A.id, "u-alice", 1, "cf[10000] = 99", NULL), "");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "cf[10000] = 99", NULL), "WEB-1");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "cf[10000] = 5", NULL), "");
    assert_string_equal(run(f, f->A.id, "u-alice", 1, "status CHANGED TO Done ORDER BY key", NULL), "WEB-3");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "status CHANGED FROM \"To Do\"", NULL), "");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "status CHANGED TO Done", NULL), "WEB-1");
    assert_string_equal(run(f, f->B.id, "admin-bravo", 1, "status WAS \"To Do\"", NULL), "");
    /* a hand-built tree naming site A's issue ids still answers only B's rows */
    ss_val_t ids[3] = {{0, d.ids[0], NULL, 0}, {0, d.ids[2], NULL, 0}, {0, d.b_ids[0], NULL, 0}};
    ss_node_t n = {.kind = SS_COL, .col = SS_C_ID, .op = SS_IN, .vals = ids, .nvals = 3};
    ss_query_t sq = {.where = &n, .max = 10};
    issue_rec_t *is;
    const char **keys;
    size_t cnt;
    assert_int_equal(store_search(f->st, f->a, f->B.id, &sq, &is, &keys, &cnt, &t), STORE_OK);
    assert_int_equal(t, 1);
    assert_int_equal(cnt, 1);
    assert_int_equal(is[0].id, d.b_ids[0]);
}

/* ---- plans: the selective queries use indexes ---- */

static const char *plan_of(fx_t *f, const char *jql)
{
    jql_query_t *q;
    jql_error_t err;
    assert_int_equal(jql_parse(f->a, jql, strlen(jql), &q, &err), JQL_OK);
    jql_env_t env = {.st = f->st, .site_id = f->A.id, .user = "u-alice", .date = {.now_ms = NOW}};
    ss_query_t sq;
    jql_msgs_t msgs;
    assert_int_equal(jql_eval(f->a, &env, q, &sq, &msgs), JQL_EVAL_OK);
    sq.max = 50;
    const char *plan;
    assert_int_equal(store_search_plan(f->st, f->a, f->A.id, &sq, &plan), STORE_OK);
    return plan;
}

static void test_plans(void **state)
{
    fx_t *f = *state;
    data_t d;
    build(f, &d);
    const char *p = plan_of(f, "project = WEB AND status = \"In Progress\" ORDER BY updated DESC");
    if (!unit_contains(p, "USING INDEX issues_project_status") || unit_contains(p, "TEMP B-TREE"))
        print_error("plan:\n%s", p ? p : "");
    assert_true(unit_contains(p, "USING INDEX issues_project_status"));
    assert_false(unit_contains(p, "TEMP B-TREE"));
    p = plan_of(f, "assignee = currentUser() ORDER BY updated DESC");
    if (!unit_contains(p, "USING INDEX issues_assignee"))
        print_error("plan:\n%s", p ? p : "");
    assert_true(unit_contains(p, "USING INDEX issues_assignee"));
    p = plan_of(f, "labels = urgent ORDER BY updated DESC");
    if (!unit_contains(p, "issue_labels_label"))
        print_error("plan:\n%s", p ? p : "");
    assert_true(unit_contains(p, "USING COVERING INDEX issue_labels_label"));
    p = plan_of(f, "project = WEB ORDER BY updated DESC");
    if (!unit_contains(p, "issues_project_updated"))
        print_error("plan:\n%s", p ? p : "");
    assert_true(unit_contains(p, "USING INDEX issues_project_updated"));
    assert_false(unit_contains(p, "TEMP B-TREE"));
    p = plan_of(f, "updated >= -1d ORDER BY updated DESC");
    assert_true(unit_contains(p, "USING INDEX issues_updated"));
}

/* ---- the time budget: a query past it is interrupted ---- */

static void test_budget(void **state)
{
    fx_t *f = *state;
    data_t d;
    build(f, &d);
    /* a text search over a long OR of wildcard words cannot finish in 0 ms once the
       handler fires; a 1 ms budget after a short sleep in the clock is enough */
    jql_query_t *q;
    jql_error_t err;
    const char *jql = "text ~ \"a* b* c* d* e* f* g* h*\" OR summary ~ \"*x*\"";
    assert_int_equal(jql_parse(f->a, jql, strlen(jql), &q, &err), JQL_OK);
    jql_env_t env = {.st = f->st, .site_id = f->A.id, .date = {.now_ms = NOW}};
    ss_query_t sq;
    jql_msgs_t msgs;
    assert_int_equal(jql_eval(f->a, &env, q, &sq, &msgs), JQL_EVAL_OK);
    /* enough issues that the statement runs past the handler's interval */
    for (int i = 0; i < 3000; i++)
        add_issue(f, f->A.id, 10002, "filler issue with several words in its summary", NOW);
    sq.max = 10;
    sq.budget_ms = -1; /* already past */
    int64_t total;
    assert_int_equal(store_search_count(f->st, f->A.id, &sq, &total), STORE_BUSY);
    sq.budget_ms = 10000;
    assert_int_equal(store_search_count(f->st, f->A.id, &sq, &total), STORE_OK);
}

/* ---- the deepest and widest queries the parser takes compile and run ---- */

static void test_deep_and_wide(void **state)
{
    fx_t *f = *state;
    data_t d;
    build(f, &d);
    /* 31 levels of alternating AND/OR, each with a history clause under NOT and a label */
    buf_t b;
    buf_init_arena(&b, f->a, 1 << 20);
    for (int i = 0; i < 31; i++)
        buf_printf(&b, "(NOT status WAS Done BY u-alice %s labels = l%d %s ", i % 2 ? "OR" : "AND", i,
                   i % 2 ? "AND" : "OR");
    buf_adds(&b, "project = WEB");
    for (int i = 0; i < 31; i++)
        buf_adds(&b, ")");
    /* no label l<i> exists: an even level is its inner group, an odd one NOT (status WAS
       Done BY u-alice), which only WEB-3 was: the outermost group is every other issue */
    assert_string_equal(run(f, f->A.id, "u-alice", 0, b.ptr, NULL),
                        "HELP-1,APP-2,APP-1,MKT-2,MKT-1,WEB-6,WEB-5,WEB-4,WEB-2,WEB-1");
    /* 500 clauses, and a list of 1000 keys (only existing ones) */
    buf_init_arena(&b, f->a, 1 << 20);
    for (int i = 0; i < 500; i++)
        buf_printf(&b, "%slabels = x%d", i ? " OR " : "", i);
    assert_string_equal(run(f, f->A.id, "u-alice", 0, b.ptr, NULL), "");
    buf_init_arena(&b, f->a, 1 << 20);
    buf_adds(&b, "key in (");
    for (int i = 0; i < 1000; i++)
        buf_printf(&b, "%sWEB-%d", i ? ", " : "", 1 + i % 6);
    buf_adds(&b, ") ORDER BY key");
    assert_string_equal(run(f, f->A.id, "u-alice", 0, b.ptr, NULL), "WEB-1,WEB-2,WEB-3,WEB-4,WEB-5,WEB-6");
}

/* ---- the word search alone ---- */

static void test_wordmatch(void **state)
{
    (void)state;
    arena_t *a = arena_new(1 << 16);
    static const struct {
        const char *q, *text;
        int adf, want;
    } c[] = {
        {"login", "Login page", 0, 1},
        {"log", "Login page", 0, 0},
        {"log*", "Login page", 0, 1},
        {"l?gin", "Login page", 0, 1},
        {"*gin", "Login page", 0, 1},
        {"page login", "Login page", 0, 1},
        {"\"page login\"", "Login page", 0, 0},
        {"\"login page\"", "the login, page!", 0, 1},
        {"\"login page\" missing", "the login page", 0, 0},
        {"café", "LE CAFÉ", 0, 0}, /* no case folding past ASCII */
        {"café", "le café noir", 0, 1},
        {"doc", "{\"type\":\"doc\",\"content\":[{\"type\":\"text\",\"text\":\"hello world\"}]}", 1, 0},
        {"hello", "{\"type\":\"doc\",\"content\":[{\"type\":\"text\",\"text\":\"hello world\"}]}", 1, 1},
        {"world", "{\"type\": \"doc\", \"content\": [{\"text\": \"say \\\"hello\\\" world\"}]}", 1, 1},
        {"text", "{\"type\":\"text\",\"text\":\"nothing here\"}", 1, 0},
        {"nothing", "{\"type\":\"text\",\"text\":\"nothing here\"}", 1, 1},
        {"u00e9t", "{\"text\":\"\\u00e9t\\u00e9\"}", 1, 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        wm_query_t q;
        assert_int_equal(wm_compile(a, c[i].q, strlen(c[i].q), &q), WM_OK);
        if (wm_match(&q, c[i].text, strlen(c[i].text), c[i].adf) != c[i].want)
            print_error("%s in %s: want %d\n", c[i].q, c[i].text, c[i].want);
        assert_int_equal(wm_match(&q, c[i].text, strlen(c[i].text), c[i].adf), c[i].want);
    }
    wm_query_t q;
    assert_int_equal(wm_compile(a, "", 0, &q), WM_EMPTY);
    assert_int_equal(wm_compile(a, "* ? !!", 6, &q), WM_EMPTY);
    char big[WM_MAX_WORD + 8];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(wm_compile(a, big, strlen(big), &q), WM_ELIMIT);
    buf_t b;
    buf_init_arena(&b, a, 1 << 16);
    for (int i = 0; i < WM_MAX_TERMS + 1; i++)
        buf_printf(&b, "w%d ", i);
    assert_int_equal(wm_compile(a, b.ptr, b.len, &q), WM_ELIMIT);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_table_user), T(test_table_app), T(test_permissions),   T(test_cross_site),
        T(test_plans),      T(test_budget),    T(test_deep_and_wide), cmocka_unit_test(test_wordmatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
