/* JQL searches over HTTP (product/search.h). */
#include "product/search.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "http/reply.h"
#include "product/issue_view.h"
#include "product/jql.h"
#include "product/jql_date.h"
#include "product/jql_eval.h"
#include "product/perm.h"
#include "product/routes.h"
#include "store/store_fields.h"
#include "store/store_search.h"
#include "store/store_sites.h"

/* ---- the searching user's context ---- */

/* The user's zone, read from the tz database into the request's arena (a few
 * microseconds; nothing is kept between requests), or NULL (UTC). */
static const jql_tz_t *user_tz(kreq_t *kr)
{
    user_rec_t u;
    jql_tz_t *tz;
    if (!kr->principal.account_id ||
        store_user_get(kr->store, kr->arena, kr->site.id, kr->principal.account_id, &u) != STORE_OK || !u.time_zone ||
        jql_tz_load(kr->arena, u.time_zone, &tz) != 0)
        return NULL;
    return tz;
}

static int may_browse(void *arg, int64_t project_id)
{
    return perm_allows(arg, project_id, "BROWSE_PROJECTS");
}

void search_env(kreq_t *kr, jql_env_t *env)
{
    *env = (jql_env_t){
        .st = kr->store,
        .site_id = kr->site.id,
        .user = kr->principal.account_id,
        .may_browse = perm_is_user(kr) ? may_browse : NULL,
        .arg = kr,
        .date = {.now_ms = clock_now_ms(), .tz = user_tz(kr), .week_start = 0},
    };
}

/* ---- answers ---- */

static void reply_messages(kreq_t *kr, int status, const char *const *msgs, size_t n)
{
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_key(w, "errorMessages");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        jw_str(w, msgs[i]);
    jw_arr_end(w);
    jw_key(w, "errors");
    jw_obj(w);
    jw_obj_end(w);
    jw_obj_end(w);
    reply_writer(kr, status, w);
}

/* A prepared search: the parsed query, its canonical form and the store's tree. */
typedef struct prepared {
    jql_query_t *q;
    const char *canonical;
    ss_query_t sq;
    jql_msgs_t msgs; /* validation messages (the tree holds FALSE in their place) */
} prepared_t;

/* Parses and resolves jql. 0, or -1 after answering a parse error (400) or a store error
 * (500); validation messages are left in p->msgs for the caller's mode. */
static int prepare(kreq_t *kr, const char *jql, size_t len, prepared_t *p)
{
    memset(p, 0, sizeof *p);
    jql_error_t err;
    if (jql_parse(kr->arena, jql ? jql : "", jql ? len : 0, &p->q, &err) != JQL_OK) {
        reply_error(kr, 400, 1, err.msg);
        return -1;
    }
    buf_t b;
    buf_init_arena(&b, kr->arena, 256 * 1024);
    jql_print(p->q, &b);
    p->canonical = b.len ? b.ptr : "";
    jql_env_t env;
    search_env(kr, &env);
    int rc = jql_eval(kr->arena, &env, p->q, &p->sq, &p->msgs);
    if (rc == JQL_EVAL_ERROR) {
        reply_error(kr, 500, 1, "Internal server error");
        return -1;
    }
    p->sq.budget_ms = SEARCH_BUDGET_MS;
    return 0;
}

static void reply_store(kreq_t *kr, int rc)
{
    if (rc == STORE_BUSY)
        reply_error(kr, 400, 1,
                    "The JQL query took too long to run (more than 2000 ms) and was stopped. Narrow it down with "
                    "more restrictive clauses, such as a project.");
    else
        reply_error(kr, 500, 1, "Internal server error");
}

/* ---- page tokens of the enhanced search: the offset, bound to the site and the query by
 * an HMAC under a key of this process (a token does not outlive a restart, as Jira's
 * expire) ---- */

static unsigned char token_key[32];
static pthread_once_t token_once = PTHREAD_ONCE_INIT;
static void token_init(void)
{
    enc_random(token_key, sizeof token_key);
}

static void token_mac(kreq_t *kr, const char *canonical, int64_t offset, unsigned char mac[32])
{
    pthread_once(&token_once, token_init);
    buf_t b;
    buf_init_arena(&b, kr->arena, 512 * 1024);
    buf_printf(&b, "%lld\n%s\n%lld\n", (long long)kr->site.id, kr->site.cloud_id ? kr->site.cloud_id : "",
               (long long)offset);
    buf_adds(&b, canonical);
    enc_hmac_sha256(mac, token_key, sizeof token_key, b.ptr, b.len);
}

static const char *token_make(kreq_t *kr, const char *canonical, int64_t offset)
{
    unsigned char raw[8 + 16], mac[32];
    for (int i = 0; i < 8; i++)
        raw[i] = (unsigned char)((uint64_t)offset >> (56 - 8 * i));
    token_mac(kr, canonical, offset, mac);
    memcpy(raw + 8, mac, 16);
    char *out = arena_alloc(kr->arena, enc_b64url_len(sizeof raw) + 1);
    enc_b64url(out, raw, sizeof raw);
    return out;
}

/* The offset a token names, or -1 if it is not one this process made for this query. */
static int64_t token_read(kreq_t *kr, const char *canonical, const char *tok)
{
    unsigned char raw[8 + 16 + 4], mac[32];
    size_t n = strlen(tok);
    if (n != enc_b64url_len(24))
        return -1;
    /* base64url to base64 for the decoder */
    char *t = arena_strdup(kr->arena, tok);
    for (char *c = t; *c; c++)
        *c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
    if (enc_b64_decode(raw, sizeof raw, t, n) != 24)
        return -1;
    uint64_t off = 0;
    for (int i = 0; i < 8; i++)
        off = off << 8 | raw[i];
    if (off > (uint64_t)INT32_MAX)
        return -1;
    token_mac(kr, canonical, (int64_t)off, mac);
    unsigned char d = 0;
    for (int i = 0; i < 16; i++)
        d |= (unsigned char)(mac[i] ^ raw[8 + i]);
    return d ? -1 : (int64_t)off;
}

/* ---- parameters: from the query string (GET) or the body (POST) ---- */

typedef struct params {
    const char *jql, *token, *fields, *expand, *properties, *validate;
    int64_t start_at, max_results;
    int has_max;
} params_t;

/* A parameter that may be repeated (fields=a&fields=b, as jira.js sends lists) or
 * comma-separated, as one comma-separated list; NULL if absent. */
static const char *query_list(kreq_t *kr, const char *name, int *bad)
{
    const char *v[IV_MAX_FIELDS];
    size_t n = kreq_query_all(kr, name, v, IV_MAX_FIELDS, bad);
    if (n <= 1)
        return n ? v[0] : NULL;
    buf_t b;
    buf_init_arena(&b, kr->arena, 64 * 1024);
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_adds(&b, ",");
        buf_adds(&b, v[i]);
    }
    return b.ptr;
}

/* Reads the parameters; -1 after answering 400. */
static int read_params(kreq_t *kr, params_t *p, int legacy)
{
    memset(p, 0, sizeof *p);
    p->max_results = SEARCH_DEFAULT_RESULTS;
    if (kreq_method_is(kr, "GET")) {
        int bad = 0;
        p->jql = kreq_query(kr, "jql", &bad);
        p->token = kreq_query(kr, "nextPageToken", &bad);
        p->fields = query_list(kr, "fields", &bad);
        p->expand = query_list(kr, "expand", &bad);
        p->properties = query_list(kr, "properties", &bad);
        p->validate = kreq_query(kr, "validateQuery", &bad);
        if (bad) {
            reply_error(kr, 400, 1, "A query parameter is malformed.");
            return -1;
        }
        if (kreq_query_int(kr, "startAt", 0, INT32_MAX, &p->start_at) != 0) {
            reply_error(kr, 400, 1, "The parameter 'startAt' must be a number from 0.");
            return -1;
        }
        p->has_max = kreq_query(kr, "maxResults", NULL) != NULL;
        if (kreq_query_int(kr, "maxResults", 0, INT32_MAX, &p->max_results) != 0) {
            reply_error(kr, 400, 1, "The parameter 'maxResults' must be a number from 0.");
            return -1;
        }
        return 0;
    }
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return -1;
    int bad = 0;
    json_t *v;
    if ((v = json_object_get(body, "jql")) && !json_is_null(v) && !json_is_string(v))
        bad = 1;
    p->jql = json_str(body, "jql");
    if ((v = json_object_get(body, "nextPageToken")) && !json_is_null(v) && !json_is_string(v))
        bad = 1;
    p->token = json_str(body, "nextPageToken");
    p->fields = issue_view_list(kr, json_object_get(body, "fields"), &bad);
    p->expand = issue_view_list(kr, json_object_get(body, "expand"), &bad);
    p->properties = issue_view_list(kr, json_object_get(body, "properties"), &bad);
    if ((v = json_object_get(body, "validateQuery")) && json_is_string(v))
        p->validate = json_string_value(v);
    else if (v && json_is_boolean(v))
        p->validate = json_is_true(v) ? "strict" : "none";
    static const char *const ints[] = {"startAt", "maxResults"};
    for (size_t i = 0; i < 2; i++) {
        v = json_object_get(body, ints[i]);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX) {
            bad = 1;
            continue;
        }
        if (i == 0)
            p->start_at = json_integer_value(v);
        else {
            p->max_results = json_integer_value(v);
            p->has_max = 1;
        }
    }
    if (bad) {
        reply_error(kr, 400, 1,
                    legacy ? "The request body is not a valid search request."
                           : "The request body is not a valid search request: jql and nextPageToken are "
                             "strings, fields, expand and properties lists of strings, maxResults a "
                             "number.");
        return -1;
    }
    return 0;
}

/* 1 when the view asks for nothing but the issue's id or key. */
static int id_only(const char *fields)
{
    if (!fields || !*fields)
        return 1;
    const char *s = fields;
    while (*s) {
        size_t n = strcspn(s, ",");
        if (!((n == 2 && strncmp(s, "id", 2) == 0) || (n == 3 && strncmp(s, "key", 3) == 0)))
            return 0;
        s += n + (s[n] == ',');
    }
    return 1;
}

static void write_issues(jsonw_t *w, kreq_t *kr, issue_rec_t *is, const char **keys, size_t n, const issue_view_t *v)
{
    jw_key(w, "issues");
    jw_arr(w);
    for (size_t i = 0; i < n; i++)
        render_issue(w, kr, &is[i], keys[i], v);
    jw_arr_end(w);
}

/* ---- GET|POST /search/jql ---- */

static void jql_run(kreq_t *kr)
{
    params_t pa;
    if (read_params(kr, &pa, 0) != 0)
        return;
    prepared_t p;
    if (prepare(kr, pa.jql, pa.jql ? strlen(pa.jql) : 0, &p) != 0)
        return;
    if (p.msgs.n) {
        reply_messages(kr, 400, p.msgs.msg, p.msgs.n);
        return;
    }
    if (!p.q->where) {
        reply_error(kr, 400, 1,
                    "Unbounded JQL queries are not allowed here. Please add a search restriction to your "
                    "query.");
        return;
    }
    int64_t offset = 0;
    if (pa.token && *pa.token && (offset = token_read(kr, p.canonical, pa.token)) < 0) {
        reply_error(kr, 400, 1, "The provided next page token is invalid or expired.");
        return;
    }
    issue_view_t v;
    char err[160];
    if (issue_view_parse(kr->arena, pa.fields, "id", pa.expand, pa.properties, &v, err, sizeof err) != 0) {
        reply_error(kr, 400, 1, err);
        return;
    }
    int64_t cap = id_only(pa.fields) ? SEARCH_MAX_ID_ONLY : SEARCH_MAX_RESULTS;
    int64_t max = pa.max_results < 1 ? 1 : pa.max_results > cap ? cap : pa.max_results;
    p.sq.start_at = offset;
    p.sq.max = max + 1; /* one more: is there a next page? */
    issue_rec_t *is;
    const char **keys;
    size_t n;
    int rc = store_search(kr->store, kr->arena, kr->site.id, &p.sq, &is, &keys, &n, NULL);
    if (rc != STORE_OK) {
        reply_store(kr, rc);
        return;
    }
    int more = (int64_t)n > max;
    if (more)
        n = (size_t)max;
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    write_issues(w, kr, is, keys, n, &v);
    if (more)
        jw_kstr(w, "nextPageToken", token_make(kr, p.canonical, offset + max));
    jw_kbool(w, "isLast", !more);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* A POST search reads in one snapshot too (the gateway opens one for GETs): the count,
 * the page and what render_issue reads agree. */
static void in_snapshot(kreq_t *kr, void (*run)(kreq_t *))
{
    int rtx = kreq_method_is(kr, "POST") && store_begin_read(kr->store) == STORE_OK;
    run(kr);
    if (rtx)
        store_commit(kr->store);
}

void search_jql(kreq_t *kr)
{
    in_snapshot(kr, jql_run);
}

/* ---- POST /search/approximate-count ---- */

void search_count(kreq_t *kr)
{
    json_t *body = kreq_json_body(kr, 1);
    if (!body)
        return;
    json_t *j = json_object_get(body, "jql");
    if (j && !json_is_string(j) && !json_is_null(j)) {
        reply_error(kr, 400, 1, "The request body is not valid: jql must be a string.");
        return;
    }
    const char *jql = json_string_value(j);
    prepared_t p;
    if (prepare(kr, jql, jql ? json_string_length(j) : 0, &p) != 0)
        return;
    if (p.msgs.n) {
        reply_messages(kr, 400, p.msgs.msg, p.msgs.n);
        return;
    }
    if (!p.q->where) {
        reply_error(kr, 400, 1,
                    "Unbounded JQL queries are not allowed here. Please add a search restriction to your "
                    "query.");
        return;
    }
    int64_t total;
    int rc = store_search_count(kr->store, kr->site.id, &p.sq, &total);
    if (rc != STORE_OK) {
        reply_store(kr, rc);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_kint(w, "count", total);
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

/* ---- GET|POST /search (legacy) ---- */

static void legacy_run(kreq_t *kr)
{
    params_t pa;
    if (read_params(kr, &pa, 1) != 0)
        return;
    int mode = 0; /* strict; 1 warn; 2 none */
    if (pa.validate && strcmp(pa.validate, "strict") != 0 && strcmp(pa.validate, "true") != 0) {
        if (strcmp(pa.validate, "warn") == 0)
            mode = 1;
        else if (strcmp(pa.validate, "none") == 0 || strcmp(pa.validate, "false") == 0)
            mode = 2;
        else {
            reply_error(kr, 400, 1, "The value of validateQuery must be one of strict, warn or none.");
            return;
        }
    }
    prepared_t p;
    if (prepare(kr, pa.jql, pa.jql ? strlen(pa.jql) : 0, &p) != 0)
        return;
    if (p.msgs.n && mode == 0) {
        reply_messages(kr, 400, p.msgs.msg, p.msgs.n);
        return;
    }
    issue_view_t v;
    char err[160];
    if (issue_view_parse(kr->arena, pa.fields, "*navigable", pa.expand, pa.properties, &v, err, sizeof err) != 0) {
        reply_error(kr, 400, 1, err);
        return;
    }
    int64_t max = pa.max_results > SEARCH_MAX_RESULTS ? SEARCH_MAX_RESULTS : pa.max_results;
    p.sq.start_at = pa.start_at;
    p.sq.max = max;
    issue_rec_t *is = NULL;
    const char **keys = NULL;
    size_t n = 0;
    int64_t total = 0;
    int rc = max > 0 ? store_search(kr->store, kr->arena, kr->site.id, &p.sq, &is, &keys, &n, &total)
                     : store_search_count(kr->store, kr->site.id, &p.sq, &total);
    if (rc != STORE_OK) {
        reply_store(kr, rc);
        return;
    }
    jsonw_t *w = reply_writer_new(kr);
    jw_obj(w);
    jw_kstr(w, "expand", "names,schema");
    jw_kint(w, "startAt", pa.start_at);
    jw_kint(w, "maxResults", max);
    jw_kint(w, "total", total);
    write_issues(w, kr, is, keys, n, &v);
    if (mode == 1 && p.msgs.n) {
        jw_key(w, "warningMessages");
        jw_arr(w);
        for (size_t i = 0; i < p.msgs.n; i++)
            jw_str(w, p.msgs.msg[i]);
        jw_arr_end(w);
    }
    jw_obj_end(w);
    reply_writer(kr, 200, w);
}

void search_legacy(kreq_t *kr)
{
    in_snapshot(kr, legacy_run);
}
