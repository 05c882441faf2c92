/* Unit tests for remote calls (src/platform/remote.c):
 * only declared baseUrls are ever called (hostile paths refused, the origin kept), the
 * manifest's remotes and endpoints are read with their auth merged, the FIT claims have
 * Forge's shape for the caller's installation and site, and an app cannot set kiln's own
 * headers. */
#include "unit.h"

#include <jansson.h>

#include "base/json.h"
#include "platform/remote.h"
#include "store/store_apps.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

static void test_remote_url(void **state)
{
    (void)state;
    static const struct {
        const char *base, *path, *want; /* want NULL: refused */
    } cases[] = {
        {"https://r.example.com", "/events", "https://r.example.com/events"},
        {"https://r.example.com/", "/events", "https://r.example.com/events"},
        {"https://r.example.com/api/v1", "/tasks?team=a&x=%20", "https://r.example.com/api/v1/tasks?team=a&x=%20"},
        {"http://127.0.0.1:8123/base", "/", "http://127.0.0.1:8123/base/"},
        {"https://r.example.com", "//evil.example/x", NULL}, /* protocol-relative */
        {"https://r.example.com", "evil", NULL},             /* not absolute */
        {"https://r.example.com", "", NULL},
        {"https://r.example.com", "/a b", NULL},
        {"https://r.example.com", "/a\\b", NULL},
        {"https://r.example.com", "/a#frag", NULL},
        {"https://r.example.com", "/a\r\nHost: evil", NULL},
        {"https://r.example.com", "/a\t", NULL},
        {"https://r.example.com", "@evil.example/", NULL},
        {"https://r.example.com", "/@evil.example/", "https://r.example.com/@evil.example/"}, /* a path, same host */
        {"https://r.example.com", ":443@evil.example/", NULL},
        {"ftp://r.example.com", "/x", NULL},
        {"https://r.example.com?q=1", "/x", NULL},
        {"https://r.example.com#f", "/x", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *u = remote_url(cases[i].base, cases[i].path);
        if (cases[i].want) {
            assert_non_null(u);
            assert_string_equal(u, cases[i].want);
        } else {
            assert_null(u);
        }
        free(u);
    }
    /* a base without a path and a path that makes libcurl see another port or host */
    assert_true(remote_same_origin("https://a.example", "https://a.example:443/x"));
    assert_false(remote_same_origin("https://a.example", "https://a.example:444/x"));
    assert_false(remote_same_origin("https://a.example", "http://a.example/x"));
    assert_false(remote_same_origin("https://a.example", "https://b.example/x"));
    assert_false(remote_same_origin("https://a.example", "https://u@a.example/x"));
    /* oversized */
    char *big = xmalloc(5000);
    memset(big, 'a', 4999);
    big[0] = '/';
    big[4999] = '\0';
    assert_null(remote_url("https://a.example", big));
    free(big);
}

static void test_manifest(void **state)
{
    (void)state;
    json_t *m =
        json_loads("{\"modules\":{\"endpoint\":["
                   "{\"key\":\"ev\",\"remote\":\"backend\",\"route\":{\"path\":\"/"
                   "events\"},\"auth\":{\"appSystemToken\":{\"enabled\":true}}},"
                   "{\"key\":\"plain\",\"remote\":\"other\"},"
                   "{\"key\":\"dangling\",\"remote\":\"nope\"}]},"
                   "\"remotes\":["
                   "{\"key\":\"backend\",\"baseUrl\":\"https://b.example\",\"operations\":[\"storage\"]},"
                   "{\"key\":\"other\",\"baseUrl\":{\"default\":\"https://o.example\",\"EU\":\"https://eu.o.example\"},"
                   "\"operations\":[\"compute\"],\"auth\":{\"appUserToken\":{\"enabled\":true}}},"
                   "{\"key\":\"nobase\",\"operations\":[\"compute\"]}]}",
                   0, NULL);
    assert_non_null(m);
    remote_def_t r;
    const char *route;
    assert_int_equal(remote_lookup(m, "backend", &r), 0);
    assert_string_equal(r.base_url, "https://b.example");
    assert_false(r.compute);
    assert_false(r.system_token);
    assert_int_equal(remote_endpoint(m, "ev", &r, &route), 0);
    assert_true(r.system_token); /* the endpoint's auth */
    assert_string_equal(route, "/events");
    assert_int_equal(remote_lookup(m, "other", &r), 0);
    assert_string_equal(r.base_url, "https://o.example"); /* the regional form's default */
    assert_true(r.compute);
    assert_true(r.user_token);
    assert_int_equal(remote_endpoint(m, "plain", &r, &route), 0);
    assert_string_equal(route, "");
    assert_int_equal(remote_endpoint(m, "dangling", &r, &route), -1);
    assert_int_equal(remote_lookup(m, "nobase", &r), -1);
    assert_int_equal(remote_lookup(m, "missing", &r), -1);
    assert_int_equal(remote_lookup(m, "", &r), -1);
    json_decref(m);
}

static void test_claims(void **state)
{
    (void)state;
    install_rec_t in = {.id = "11111111-2222-4333-8444-555555555555", .app_id = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"};
    site_rec_t site = {.id = 3, .cloud_id = "99999999-8888-4777-8666-555555555555"};
    version_rec_t ver = {.major = 2, .minor = 5};
    env_rec_t env = {.key = "production", .id = "12121212-3434-4565-8787-909090909090"};
    remote_who_t w = {&in, &site, &ver, &env, "core:endpoint", "ev", NULL, "https://kiln.example"};
    json_t *c = remote_fit_claims(&w);
    assert_non_null(c);
    assert_string_equal(json_str(c, "iss"), "forge/invocation-token");
    assert_string_equal(json_str(c, "aud"), "ari:cloud:ecosystem::app/aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
    json_t *app = json_object_get(c, "app");
    assert_string_equal(json_str(app, "id"), json_str(c, "aud"));
    assert_string_equal(json_str(app, "appVersion"), "2.5.0");
    assert_string_equal(json_str(app, "installationId"),
                        "ari:cloud:ecosystem::installation/11111111-2222-4333-8444-555555555555");
    assert_string_equal(json_str(app, "apiBaseUrl"),
                        "https://kiln.example/ex/jira/99999999-8888-4777-8666-555555555555");
    assert_string_equal(json_str(json_object_get(app, "environment"), "type"), "PRODUCTION");
    assert_string_equal(json_str(json_object_get(app, "module"), "type"), "core:endpoint");
    json_t *ctxs = json_object_get(json_object_get(app, "installation"), "contexts");
    assert_int_equal(json_array_size(ctxs), 1);
    assert_string_equal(json_str(json_array_get(ctxs, 0), "cloudId"), site.cloud_id);
    assert_null(json_object_get(c, "principal"));
    assert_null(json_object_get(c, "exp")); /* times come with the signature */
    json_decref(c);
    w.principal = "557058:abc";
    c = remote_fit_claims(&w);
    assert_string_equal(json_str(c, "principal"), "557058:abc");
    json_decref(c);
}

static void test_headers(void **state)
{
    (void)state;
    remote_call_t *c = xcalloc(1, sizeof *c);
    static const char *const ignored[] = {"Authorization", "x-forge-oauth-system", "X-Forge-Oauth-User", "x-b3-traceid",
                                          "Host",          "Content-Length",       "Transfer-Encoding",  "connection",
                                          "Cookie",        "X-Forge-Anything",     "proxy-authorization"};
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        assert_int_equal(remote_call_add_header(c, ignored[i], "x"), 0);
    assert_int_equal(c->nheaders, 0); /* ignored, not added */
    assert_int_equal(remote_call_add_header(c, "x-app", "v"), 0);
    assert_int_equal(c->nheaders, 1);
    assert_int_equal(remote_call_add_header(c, "x-bad", "a\r\nInjected: 1"), -1);
    assert_int_equal(remote_call_add_header(c, "x bad", "v"), -1);
    assert_int_equal(remote_call_add_header(c, "x:bad", "v"), -1);
    assert_int_equal(remote_call_add_header(c, "", "v"), -1);
    while (c->nheaders < REMOTE_HEADERS_MAX)
        assert_int_equal(remote_call_add_header(c, "x-more", "v"), 0);
    assert_int_equal(remote_call_add_header(c, "x-one-too-many", "v"), -1);
    remote_call_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remote_url),
        cmocka_unit_test(test_manifest),
        cmocka_unit_test(test_claims),
        cmocka_unit_test(test_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
