/* Unit tests for product calls carried on a worker's pipe (src/platform/proxycall.c):
 * every malformed or hostile fetch frame gets a response frame with the HTTP status the
 * HTTP path would give (or the frame is refused as not kiln's), and a call is served
 * only for the invocation running on the worker, with that invocation's own live token. */
#include "unit.h"

#include <jansson.h>
#include <sqlite3.h>

#include "auth/invocation.h"
#include "base/buf.h"
#include "base/enc.h"
#include "base/log.h"
#include "gateway/gateway.h"
#include "http/metrics.h"
#include "http/vreq.h"
#include "platform/app.h"
#include "platform/install.h"
#include "platform/proxycall.h"
#include "platform/site.h"
#include "product/routes.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

typedef struct {
    char *dir;
    store_t *st;
    buf_t out;
} fx_t;

static int setup(void **state)
{
    log_min_level = LOG_ERROR;
    fx_t *f = xcalloc(1, sizeof *f);
    f->dir = unit_tempdir();
    char err[256] = "";
    f->st = store_open(f->dir, err, sizeof err);
    assert_non_null(f->st);
    assert_int_equal(store_migrate(f->st, err, sizeof err), STORE_OK);
    buf_init(&f->out, PROXYCALL_MAX_RESPONSE_FRAME);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    buf_free(&f->out);
    store_close(f->st);
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

/* Serves a frame given as JSON text; returns the response frame parsed (or NULL when
 * proxycall_serve refused the frame itself). */
static json_t *serve(fx_t *f, const char *running, const char *frame_json)
{
    json_error_t je;
    json_t *fr = json_loads(frame_json, JSON_ALLOW_NUL, &je);
    assert_non_null(fr);
    buf_reset(&f->out);
    int rc = proxycall_serve(f->st, NULL, "http://127.0.0.1:1", 0, running, fr, &f->out);
    json_decref(fr);
    if (rc != 0) {
        assert_int_equal(f->out.len, 0);
        return NULL;
    }
    assert_true(f->out.len > 0);
    assert_int_equal(f->out.ptr[f->out.len - 1], '\n');
    json_t *resp = json_loadb(f->out.ptr, f->out.len - 1, 0, &je);
    assert_non_null(resp);
    assert_string_equal(json_string_value(json_object_get(resp, "type")), "response");
    return resp;
}

/* How many header pairs are named `name`. */
static size_t header_count(json_t *r, const char *name)
{
    size_t i, n = 0;
    json_t *p;
    json_array_foreach(json_object_get(r, "headers"), i, p) n +=
        strcmp(json_string_value(json_array_get(p, 0)), name) == 0;
    return n;
}

static int status_of(json_t *r)
{
    return (int)json_integer_value(json_object_get(r, "status"));
}

static const char *header_of(json_t *r, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(r, "headers"), i, p) if (strcmp(json_string_value(json_array_get(p, 0)), name) ==
                                                                0) return json_string_value(json_array_get(p, 1));
    return NULL;
}

#define FRAME(id, method, path, headers, body)                                                                         \
    "{\"type\":\"fetch\",\"id\":\"" id "\",\"seq\":7,\"method\":\"" method "\",\"path\":\"" path                       \
    "\",\"headers\":" headers ",\"body\":" body "}"

static void test_not_kilns_frames_are_refused(void **state)
{
    fx_t *f = *state;
    assert_null(
        serve(f, "inv",
              "{\"type\":\"fetch\",\"id\":\"inv\",\"method\":\"GET\",\"path\":\"/_proxy/fpp/rest/x\",\"headers\":[]}"));
    assert_null(serve(
        f, "inv", "{\"type\":\"fetch\",\"id\":\"inv\",\"seq\":-1,\"method\":\"GET\",\"path\":\"/x\",\"headers\":[]}"));
    assert_null(
        serve(f, "inv", "{\"type\":\"fetch\",\"id\":\"inv\",\"seq\":1,\"method\":1,\"path\":\"/x\",\"headers\":[]}"));
    assert_null(serve(
        f, "inv", "{\"type\":\"fetch\",\"id\":\"inv\",\"seq\":1,\"method\":\"GET\",\"path\":\"/x\",\"headers\":{}}"));
    assert_null(serve(f, "inv", "{\"type\":\"fetch\",\"seq\":1,\"method\":\"GET\",\"path\":\"/x\",\"headers\":[]}"));
    assert_null(serve(
        f, "inv",
        "{\"type\":\"fetch\",\"id\":\"inv\",\"seq\":1,\"method\":\"GET\",\"path\":\"/x\",\"headers\":[],\"body\":5}"));
}

static void test_limits_and_malformed(void **state)
{
    fx_t *f = *state;
    static const struct {
        const char *frame;
        int status;
    } cases[] = {
        {FRAME("inv", "GET", "/_proxy/kvs/api/v1/get", "[]", "null"), 400},             /* not carried on the pipe */
        {FRAME("inv", "GET", "/_proxy/fpp/forge/entities/graphql", "[]", "null"), 400}, /* not carried either */
        {FRAME("inv", "GET", "/_proxy/fpp/graphqlx", "[]", "null"), 400},
        {FRAME("inv", "G T", "/_proxy/fpp/rest/x", "[]", "null"), 400},
        {FRAME("inv", "GETGETGETGETGETGET", "/_proxy/fpp/rest/x", "[]", "null"), 400},
        {FRAME("inv", "GET", "/_proxy/fpp/rest/x", "[[\"bad name\",\"v\"]]", "null"), 400},
        {FRAME("inv", "GET", "/_proxy/fpp/rest/x", "[[\"x-a\",\"v\\r\\nx-b: injected\"]]", "null"), 400},
        {FRAME("inv", "GET", "/_proxy/fpp/rest/x", "[[\"x-a\",\"nul\\u0000\"]]", "null"), 400},
        {FRAME("inv", "GET", "/_proxy/fpp/rest/x", "[[\"x-a\"]]", "null"), 400},
        {FRAME("inv", "GET", "/_proxy/fpp/rest/x", "[5]", "null"), 400},
        {FRAME("inv", "POST", "/_proxy/fpp/rest/x", "[]", "\"!!!not base64\""), 400},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *r = serve(f, "inv", cases[i].frame);
        if (status_of(r) != cases[i].status)
            print_error("case %zu: %s -> %d\n", i, cases[i].frame, status_of(r));
        assert_int_equal(status_of(r), cases[i].status);
        json_decref(r);
    }
    /* a 5,000-byte path: 414; 70 KB of headers: 431; 101 headers: 400; a 5.4 MB body: 413 */
    buf_t b;
    buf_init(&b, 16u << 20);
    buf_printf(&b, "{\"type\":\"fetch\",\"id\":\"inv\",\"seq\":1,\"method\":\"GET\",\"path\":\"/_proxy/fpp/rest/");
    for (int i = 0; i < 5000; i++)
        buf_add(&b, "a", 1);
    buf_printf(&b, "\",\"headers\":[]}");
    json_t *r = serve(f, "inv", b.ptr);
    assert_int_equal(status_of(r), 414);
    json_decref(r);
    buf_reset(&b);
    buf_printf(&b, "{\"type\":\"fetch\",\"id\":\"inv\",\"seq\":1,\"method\":\"GET\",\"path\":\"/_proxy/fpp/rest/"
                   "x\",\"headers\":[[\"x-h\",\"");
    for (int i = 0; i < 70000; i++)
        buf_add(&b, "h", 1);
    buf_printf(&b, "\"]]}");
    r = serve(f, "inv", b.ptr);
    assert_int_equal(status_of(r), 431);
    json_decref(r);
    buf_reset(&b);
    buf_printf(&b, "{\"type\":\"fetch\",\"id\":\"inv\",\"seq\":1,\"method\":\"GET\",\"path\":\"/_proxy/fpp/rest/"
                   "x\",\"headers\":[");
    for (int i = 0; i < 101; i++)
        buf_printf(&b, "%s[\"x-%d\",\"v\"]", i ? "," : "", i);
    buf_printf(&b, "]}");
    r = serve(f, "inv", b.ptr);
    assert_int_equal(status_of(r), 400);
    json_decref(r);
    buf_reset(&b);
    buf_printf(&b, "{\"type\":\"fetch\",\"id\":\"inv\",\"seq\":1,\"method\":\"POST\",\"path\":\"/_proxy/fpp/rest/"
                   "x\",\"headers\":[],\"body\":\"");
    for (int i = 0; i < 1800000; i++) /* 7.2 MB of base64: 5.4 MB of body */
        buf_add(&b, "QUFB", 4);
    buf_printf(&b, "\"}");
    r = serve(f, "inv", b.ptr);
    assert_int_equal(status_of(r), 413);
    json_decref(r);
    buf_free(&b);
}

/* Two sites with the app installed; an invocation registered for each installation. */
typedef struct {
    site_rec_t A, B;
    char ta[TOKEN_MAX], tb[TOKEN_MAX];
    invocation_t ia, ib;
} two_t;

static void two_sites(fx_t *f, arena_t *a, two_t *t)
{
    assert_int_equal(site_create(f->st, a, "alpha", 1, &t->A), STORE_OK);
    assert_int_equal(site_create(f->st, a, "bravo", 1, &t->B), STORE_OK);
    app_rec_t app;
    assert_int_equal(app_register(f->st, a, "Report", &app), STORE_OK);
    version_rec_t v = {.app_id = app.id,
                       .env_key = "development",
                       .manifest_json = "{}",
                       .major_key = "k",
                       .scopes_json = "[\"read:jira-work\"]",
                       .egress_json = "{}",
                       .snapshot = "versions/x",
                       .snapshot_bytes = 10};
    assert_int_equal(app_deploy_record(f->st, a, &v, 1000), STORE_OK);
    install_rec_t in[2];
    version_rec_t ver;
    const site_rec_t *sites[2] = {&t->A, &t->B};
    invocation_t *invs[2] = {&t->ia, &t->ib};
    char *tokens[2] = {t->ta, t->tb};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(install_create(f->st, a, sites[i], app.id, "development", NULL, 1, &in[i], &ver), INSTALL_OK);
        invocation_t *inv = invs[i];
        memset(inv, 0, sizeof *inv);
        snprintf(inv->id, sizeof inv->id, "inv-%c", 'a' + i);
        snprintf(inv->installation_id, sizeof inv->installation_id, "%s", in[i].id);
        snprintf(inv->app_id, sizeof inv->app_id, "%s", app.id);
        snprintf(inv->cloud_id, sizeof inv->cloud_id, "%s", sites[i]->cloud_id);
        snprintf(inv->bot_account_id, sizeof inv->bot_account_id, "%s", in[i].bot_account_id);
        inv->site_id = sites[i]->id;
        inv->scopes = "read:jira-work";
        inv->deadline_ms = INT64_MAX / 2;
        assert_int_equal(invocation_begin(inv, tokens[i]), 0);
    }
}

/* The body of a response frame, decoded: `text` as it is, `body` from base64url. */
static char *body_of(json_t *r)
{
    json_t *text = json_object_get(r, "text");
    if (text)
        return xstrndup(json_string_value(text), json_string_length(text));
    const char *b64 = json_string_value(json_object_get(r, "body"));
    size_t n = strlen(b64);
    char *out = xcalloc(1, n + 1);
    /* base64url without padding */
    char *std = xstrdup(b64);
    for (char *c = std; *c; c++)
        *c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
    long len = enc_b64_decode((unsigned char *)out, n, std, n);
    free(std);
    assert_true(len >= 0);
    return out;
}

static json_t *search(fx_t *f, const char *running, const char *frame_id, const char *token)
{
    char frame[1024];
    snprintf(frame, sizeof frame,
             "{\"type\":\"fetch\",\"id\":\"%s\",\"seq\":3,\"method\":\"GET\",\"path\":\"/_proxy/fpp/rest/api/3/"
             "project/search?expand=description\",\"headers\":[[\"authorization\",\"Bearer %s\"],"
             "[\"x-forge-provider\",\"app\"]],\"body\":null}",
             frame_id, token);
    return serve(f, running, frame);
}

static void test_only_the_running_invocation_with_its_own_token(void **state)
{
    fx_t *f = *state;
    arena_t *a = arena_new(1u << 26);
    assert_int_equal(product_routes_init(), 0);
    gateway_configure(&product_routes, 0); /* the routes the gateway dispatches to: from above, as kiln serve does */
    two_t t;
    two_sites(f, a, &t);

    /* A's invocation runs here with its own token: A's projects, never B's */
    json_t *r = search(f, "inv-a", "inv-a", t.ta);
    assert_int_equal(status_of(r), 200);
    assert_int_equal(header_count(r, "content-type"), 1); /* not once more from the reply's own headers */
    assert_string_equal(header_of(r, "content-type"), "application/json;charset=UTF-8");
    char *body = body_of(r);
    assert_true(unit_contains(body, t.A.canary));
    assert_false(unit_contains(body, t.B.canary));
    free(body);
    json_decref(r);

    /* B's live token in A's frame, or B's frame on A's worker, or any call once nothing
     * runs: refused, and no project of either site in the answer */
    const struct {
        const char *running, *frame_id, *token;
    } refused[] = {{"inv-a", "inv-a", t.tb}, {"inv-a", "inv-b", t.tb}, {NULL, "inv-a", t.ta}, {"inv-b", "inv-a", t.ta}};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        r = search(f, refused[i].running, refused[i].frame_id, refused[i].token);
        assert_int_equal(status_of(r), 401);
        assert_string_equal(header_of(r, "x-failure-category"), "FAILURE_CLIENT_AUTH");
        body = body_of(r);
        assert_false(unit_contains(body, t.A.canary));
        assert_false(unit_contains(body, t.B.canary));
        free(body);
        json_decref(r);
    }
    invocation_end(t.ta);
    invocation_end(t.tb);
    arena_free(a);
}

/* The runtime thread's handle keeps nothing between calls: after a product GET served
 * through the runtime's fetch handler, another connection writes and then checkpoints the
 * whole WAL (TRUNCATE: every frame copied and the WAL emptied), which a read snapshot left
 * parked on that handle would refuse (busy). A parked snapshot there once outlived a
 * worker kill and pinned the WAL until it filled the disk (docs/reliability.md). */
static void test_runtime_handle_keeps_no_snapshot(void **state)
{
    fx_t *f = *state;
    arena_t *a = arena_new(1u << 26);
    assert_int_equal(product_routes_init(), 0);
    gateway_configure(&product_routes, 0);
    two_t t;
    two_sites(f, a, &t);
    char err[256] = "", frame[1024], path[1024];
    proxycall_ctx_t *c = proxycall_runtime_ctx(f->dir, "http://127.0.0.1:1", 0, err, sizeof err);
    assert_non_null(c);
    snprintf(frame, sizeof frame,
             "{\"type\":\"fetch\",\"id\":\"inv-a\",\"seq\":3,\"method\":\"GET\",\"path\":\"/_proxy/fpp/rest/api/3/"
             "project/search\",\"headers\":[[\"authorization\",\"Bearer %s\"],[\"x-forge-provider\",\"app\"]],"
             "\"body\":null}",
             t.ta);
    json_error_t je;
    json_t *fr = json_loads(frame, 0, &je);
    assert_non_null(fr);
    buf_reset(&f->out);
    assert_int_equal(proxycall_fetch(c, "inv-a", fr, &f->out), 0);
    json_decref(fr);
    json_t *r = json_loadb(f->out.ptr, f->out.len - 1, 0, &je);
    assert_non_null(r);
    assert_int_equal(status_of(r), 200); /* a read that ran, in its snapshot */
    json_decref(r);

    snprintf(path, sizeof path, "%s/kiln.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "UPDATE sites SET name = name", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 0); /* busy: a reader pinned the WAL */
    sqlite3_finalize(q);
    sqlite3_close(db);
    store_close(c->st);
    metrics_free(c->m);
    free((char *)c->public_url);
    free(c);
    invocation_end(t.ta);
    invocation_end(t.tb);
    arena_free(a);
}

/* A late callback's call on the pipe (its frame names no running invocation) or with its
 * dead token: refused as before, and counted under the invocation that ended
 * (invocation_late), which is what puts it in that invocation's log; a live token of
 * another invocation is not counted as late. */
static void test_late_calls_are_refused_and_attributed(void **state)
{
    fx_t *f = *state;
    arena_t *a = arena_new(1u << 26);
    assert_int_equal(product_routes_init(), 0);
    gateway_configure(&product_routes, 0);
    two_t t;
    two_sites(f, a, &t);
    char dead[TOKEN_MAX];
    snprintf(dead, sizeof dead, "%s", t.ta);
    invocation_end(t.ta);
    invocation_t got;
    const struct {
        const char *running, *frame_id;
    } late[] = {{"inv-b", ""}, {NULL, "inv-a"}, {"inv-a", "inv-a"}};
    for (size_t i = 0; i < sizeof late / sizeof *late; i++) {
        json_t *r = search(f, late[i].running, late[i].frame_id, dead);
        assert_int_equal(status_of(r), 401);
        char *body = body_of(r);
        assert_false(unit_contains(body, t.A.canary));
        free(body);
        json_decref(r);
    }
    assert_int_equal(invocation_late(dead, strlen(dead), &got), 4); /* the 3 calls, then this look */
    assert_string_equal(got.id, "inv-a");
    json_t *r = search(f, "inv-a", "inv-a", t.tb); /* B's live token in a frame of A: refused, not late */
    assert_int_equal(status_of(r), 401);
    json_decref(r);
    assert_int_equal(invocation_late(t.tb, strlen(t.tb), &got), 0);
    invocation_end(t.tb);
    arena_free(a);
}

/* Text bodies travel as `text`; bytes that are not UTF-8, and text whose escaping would
 * pass the frame's cap, as base64url `body`; past the cap either way, nothing. */
static void test_response_frame_encodings(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        size_t len, cap;
        const char *field; /* NULL: refused */
    } cases[] = {
        {"{\"caf\xc3\xa9\":\"\\n\"}", 14, 4096, "text"},
        {"", 0, 4096, "text"},
        {"\xff\xfe\x00binary", 9, 4096, "body"},
        {"\xed\xa0\x80", 3, 4096, "body"}, /* an encoded surrogate is not UTF-8 */
        {"\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17", 20, 200, "body"},
        {"\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17", 20, 60, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        vreq_t v;
        memset(&v, 0, sizeof v);
        h2o_mem_init_pool(&v.req.pool);
        v.replied = 1;
        v.status = 200;
        v.content_type = "application/octet-stream";
        v.body = cases[i].body;
        v.body_len = cases[i].len;
        arena_t *a = arena_new(1u << 20);
        buf_t out;
        buf_init(&out, cases[i].cap);
        buf_add(&out, "x", 1); /* whatever was ahead stays */
        int rc = proxycall_response_frame(&v, 9, a, &out);
        if (!cases[i].field) {
            assert_int_equal(rc, -1);
            assert_int_equal(out.len, 1);
        } else {
            assert_int_equal(rc, 0);
            json_error_t je;
            json_t *r = json_loadb(out.ptr + 1, out.len - 2, JSON_ALLOW_NUL, &je);
            assert_non_null(r);
            assert_non_null(json_object_get(r, cases[i].field));
            assert_null(json_object_get(r, strcmp(cases[i].field, "text") == 0 ? "body" : "text"));
            char *got = body_of(r);
            assert_memory_equal(got, cases[i].body, cases[i].len);
            free(got);
            json_decref(r);
        }
        buf_free(&out);
        arena_free(a);
        h2o_mem_clear_pool(&v.req.pool);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response_frame_encodings),
        cmocka_unit_test_setup_teardown(test_not_kilns_frames_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_and_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_the_running_invocation_with_its_own_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_calls_are_refused_and_attributed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_handle_keeps_no_snapshot, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
