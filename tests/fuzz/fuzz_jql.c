/* libFuzzer harness for the JQL parser (src/product/jql.h) and, differentially, the
 * evaluator and the store's search (src/product/jql_eval.h, src/store/sqlite/search.c):
 * any byte string is either refused with a message that starts as Jira's does, or parsed
 * to a query whose canonical form parses again to the same canonical form
 * (parse(print(parse(q))) == parse(q)); every query the parser accepts is then resolved
 * against a small site (a store in a temp dir, made once) and run, with its canonical
 * form: the evaluator answers OK or Jira's validation messages (never a store error, and
 * messages exactly when invalid), the store runs the tree or stops it at its budget
 * (never an SQL error), and the query and its canonical form count the same issues. The
 * date functions are run on every value that names one, and date values on every
 * string. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "product/jql.h"
#include "product/jql_date.h"
#include "product/jql_eval.h"
#include "store/store.h"
#include "store/store_fields.h"
#include "store/store_product.h"
#include "store/store_search.h"
#include "store/store_sites.h"

#include "fuzz_util.h"

/* ---- the site the evaluator runs against: made once per process ---- */

static store_t *st;
static int64_t site_id;

static void site_init(void)
{
    if (st)
        return;
    st = fuzz_store("jql");
    arena_t *a = arena_new(1 << 20);
    site_rec_t s = {.cloud_id = "fuzz", .name = "fuzz", .admin_account_id = "admin", .canary = "c", .created_ms = 1};
    user_rec_t u = {"admin", "admin@example.com", "Admin", "atlassian", "UTC", "en_US", 1};
    if (store_site_insert(st, &s) != 0 || store_user_insert(st, s.id, &u) != 0)
        abort();
    site_id = s.id;
    static const char *const keys[] = {"WEB", "MKT"};
    for (int p = 0; p < 2; p++) {
        project_rec_t pr = {.key = keys[p],
                            .name = keys[p],
                            .description = "",
                            .type_key = "software",
                            .lead_account_id = "admin",
                            .assignee_type = "UNASSIGNED",
                            .url = "",
                            .created_ms = 1};
        if (store_project_insert(st, site_id, &pr) != 0)
            abort();
        for (int i = 0; i < 5; i++) {
            issue_rec_t is = {.project_id = pr.id,
                              .issuetype_id = 10001 + i % 4,
                              .status_id = 10000 + i % 4,
                              .priority_id = 1 + i,
                              .summary = i % 2 ? "Login page crashes" : "Update the footer",
                              .creator_account_id = "admin",
                              .assignee_account_id = i % 2 ? "admin" : NULL,
                              .original_estimate_s = -1,
                              .remaining_estimate_s = -1,
                              .time_spent_s = -1,
                              .rank = "",
                              .created_ms = 1700000000000LL + i * 86400000LL,
                              .updated_ms = 1700000000000LL};
            const char *l[] = {"urgent", "frontend"};
            if (store_issue_insert(st, site_id, &is) != 0 ||
                store_labels_set(st, site_id, is.id, l, (size_t)i % 3) != 0)
                abort();
        }
    }
    field_rec_t f = {.name = "Story Points", .description = "", .type = "number", .created_ms = 1};
    if (store_field_insert(st, a, site_id, &f) != 0)
        abort();
    arena_free(a);
}

/* Only the first project is browsable: the restriction is in every statement. */
static int may_browse(void *arg, int64_t project_id)
{
    (void)arg;
    return project_id == 10000;
}

/* Resolves and counts q: -1 invalid, -2 stopped at the budget, else the count. */
static int64_t evaluate(arena_t *a, const jql_query_t *q)
{
    jql_env_t env = {.st = st,
                     .site_id = site_id,
                     .user = "admin",
                     .may_browse = may_browse,
                     .date = {.now_ms = 1710072000000LL, .tz = NULL, .week_start = 0}};
    ss_query_t sq;
    jql_msgs_t msgs;
    int rc = jql_eval(a, &env, q, &sq, &msgs);
    if (rc == JQL_EVAL_INVALID) {
        if (msgs.n == 0)
            abort();
        return -1;
    }
    if (rc != JQL_EVAL_OK || msgs.n != 0) {
        fprintf(stderr, "the evaluator failed (%d)\n", rc);
        abort();
    }
    sq.budget_ms = 200;
    sq.max = 10;
    int64_t total = 0;
    rc = store_search_count(st, site_id, &sq, &total);
    if (rc == STORE_BUSY)
        return -2;
    if (rc != STORE_OK) {
        fprintf(stderr, "the store refused the tree (%d)\n", rc);
        abort();
    }
    issue_rec_t *is;
    const char **keys;
    size_t n;
    rc = store_search(st, a, site_id, &sq, &is, &keys, &n, NULL);
    if (rc != STORE_OK && rc != STORE_BUSY)
        abort();
    if (rc == STORE_OK && (int64_t)n > total)
        abort();
    if (total > 5) /* only WEB's five issues may be seen */
        abort();
    return total;
}

static void dates(const jql_value_t *v)
{
    jql_datectx_t c = {.now_ms = 1710072000000LL, .tz = NULL, .week_start = 1};
    int64_t ms;
    jql_date_kind_t k;
    if (v->kind == JQL_V_STRING)
        jql_date_value(&c, v->str, v->len, &ms, &k);
    if (v->kind == JQL_V_FUNC && jql_date_is_func(v->str))
        jql_date_func(&c, v->str, v->n ? v->items[0]->str : NULL, &ms);
    for (size_t i = 0; i < v->n; i++)
        dates(v->items[i]);
}

static void walk(const jql_node_t *n)
{
    if (n->kind != JQL_N_CLAUSE) {
        for (size_t i = 0; i < n->n; i++)
            walk(n->kids[i]);
        return;
    }
    if (n->value)
        dates(n->value);
    for (size_t i = 0; i < n->npreds; i++)
        dates(n->preds[i].value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena_t *a = arena_new(64u << 20);
    jql_query_t *q, *q2;
    jql_error_t err;
    int rc = jql_parse(a, size ? (const char *)data : "", size, &q, &err);
    if (rc != JQL_OK) {
        if (q != NULL || err.code != rc ||
            (strncmp(err.msg, "Error in the JQL Query: ", 24) != 0 &&
             strncmp(err.msg, "Error in JQL Query: ", 20) != 0))
            abort();
        arena_free(a);
        return 0;
    }
    if (q->where)
        walk(q->where);
    buf_t b1, b2;
    buf_init(&b1, 1u << 22);
    buf_init(&b2, 1u << 22);
    if (jql_print(q, &b1) != 0)
        abort();
    /* the canonical form is longer than the input at most by quotes and escapes; it may
     * pass JQL_MAX_LEN, so it is parsed without that limit's say: only shorter ones */
    if (b1.len <= JQL_MAX_LEN) {
        if (jql_parse(a, b1.len ? b1.ptr : "", b1.len, &q2, &err) != JQL_OK) {
            fprintf(stderr, "canonical form refused: %s\n%.*s\n", err.msg, (int)b1.len, b1.ptr);
            abort();
        }
        if (jql_print(q2, &b2) != 0 || b1.len != b2.len || (b1.len && memcmp(b1.ptr, b2.ptr, b1.len) != 0)) {
            fprintf(stderr, "not stable:\n%.*s\n%.*s\n", (int)b1.len, b1.ptr, (int)b2.len, b2.ptr);
            abort();
        }
        /* the query and its canonical form mean the same */
        site_init();
        int64_t c1 = evaluate(a, q), c2 = evaluate(a, q2);
        if (c1 != c2 && c1 != -2 && c2 != -2) {
            fprintf(stderr, "the canonical form counts %lld, the query %lld:\n%.*s\n", (long long)c2, (long long)c1,
                    (int)b1.len, b1.ptr);
            abort();
        }
    }
    buf_free(&b1);
    buf_free(&b2);
    arena_free(a);
    return 0;
}
