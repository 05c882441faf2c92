/* libFuzzer harness for the JQL parser (src/product/jql.h): any byte string is either
 * refused with a message that starts as Jira's does, or parsed to a query whose canonical
 * form parses again to the same canonical form (parse(print(parse(q))) == parse(q)). The
 * date functions are run on every value that names one, and date values on every string. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "product/jql.h"
#include "product/jql_date.h"

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
    }
    buf_free(&b1);
    buf_free(&b2);
    arena_free(a);
    return 0;
}
