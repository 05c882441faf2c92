/* Unit tests for egress control (src/platform/egress.h): URL parsing of hostile input,
 * Forge's allowlist rules (scheme, ports, wildcards that do not cover their parent), and
 * the allowlist built from a manifest's fetch.backend and remotes. */
#include "unit.h"

#include <jansson.h>

#include "platform/egress.h"

static int allowed(const char *list, const char *url)
{
    egress_url_t u;
    if (egress_url_parse(url, strlen(url), &u) != 0)
        return -1;
    return egress_allowed(list, &u);
}

static void test_parse(void **state)
{
    (void)state;
    egress_url_t u;
    assert_int_equal(egress_url_parse("https://API.Example.com/x?y#z", 29, &u), 0);
    assert_string_equal(u.scheme, "https");
    assert_string_equal(u.host, "api.example.com");
    assert_int_equal(u.port, 443);
    assert_int_equal(egress_url_parse("http://example.com.:8080", 24, &u), 0);
    assert_string_equal(u.host, "example.com");
    assert_int_equal(u.port, 8080);
    assert_int_equal(egress_url_parse("http://[::1]:9/", 15, &u), 0);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 9);
    static const char *bad[] = {
        "example.com/x",                   /* no scheme */
        "ftp://example.com/",              /* not http(s) */
        "file:///etc/passwd",              /* not http(s) */
        "https://allowed.com@evil.com/",   /* user info */
        "https://user:pw@example.com/",    /* user info */
        "https://evil.com\\@allowed.com/", /* backslash */
        "https://exa mple.com/",           /* space */
        "https://example.com:0/",          /* port 0 */
        "https://example.com:65536/",      /* port out of range */
        "https://example.com:80a/",        /* port not a number */
        "https://example.com:/",           /* empty port */
        "https:///path",                   /* no host */
        "https://%65vil.com/",             /* escapes in the host */
        "https://[::1/",                   /* open bracket */
        "https://exa\001mple.com/",        /* control byte */
        "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (egress_url_parse(bad[i], strlen(bad[i]), &u) == 0)
            fail_msg("accepted %s", bad[i]);
    }
    /* over-long URLs and hosts */
    char big[EGRESS_URL_MAX + 64];
    memset(big, 'a', sizeof big);
    memcpy(big, "https://", 8);
    big[sizeof big - 1] = '\0';
    assert_int_equal(egress_url_parse(big, strlen(big), &u), -1);
    char host[400] = "https://";
    memset(host + 8, 'a', 300);
    host[308] = '\0';
    assert_int_equal(egress_url_parse(host, strlen(host), &u), -1);
}

static void test_rules(void **state)
{
    (void)state;
    const char *list = "api.example.com\n*.wild.test\nhttp://plain.test:8080\nhttps://ported.test:8443/ignored/path";
    assert_int_equal(allowed(list, "https://api.example.com/anything"), 1);
    assert_int_equal(allowed(list, "https://API.EXAMPLE.COM/"), 1);
    assert_int_equal(allowed(list, "http://api.example.com/"), 0);       /* scheme defaults to https */
    assert_int_equal(allowed(list, "https://api.example.com:8443/"), 0); /* another port */
    assert_int_equal(allowed(list, "https://example.com/"), 0);
    assert_int_equal(allowed(list, "https://xapi.example.com/"), 0);
    assert_int_equal(allowed(list, "https://api.example.com.evil.test/"), 0);
    /* a wildcard covers its subdomains, at any depth, but not itself */
    assert_int_equal(allowed(list, "https://a.wild.test/"), 1);
    assert_int_equal(allowed(list, "https://a.b.wild.test/"), 1);
    assert_int_equal(allowed(list, "https://wild.test/"), 0);
    assert_int_equal(allowed(list, "https://notwild.test/"), 0);
    assert_int_equal(allowed(list, "https://wild.test.evil/"), 0);
    /* explicit scheme and port */
    assert_int_equal(allowed(list, "http://plain.test:8080/x"), 1);
    assert_int_equal(allowed(list, "http://plain.test/x"), 0);
    assert_int_equal(allowed(list, "https://plain.test:8080/x"), 0);
    /* the path of an entry is ignored */
    assert_int_equal(allowed(list, "https://ported.test:8443/other"), 1);
    /* `*` alone allows everything; an empty list nothing */
    assert_int_equal(allowed("*", "http://anything.test:1/"), 1);
    assert_int_equal(allowed("", "https://api.example.com/"), 0);
    assert_int_equal(allowed(NULL, "https://api.example.com/"), 0);
    /* malformed entries match nothing */
    assert_int_equal(allowed("https://\nftp://x.test\n*.\n", "https://x.test/"), 0);
    /* loopback by port: only the declared one */
    assert_int_equal(allowed("http://127.0.0.1:4000", "http://127.0.0.1:4000/"), 1);
    assert_int_equal(allowed("http://127.0.0.1:4000", "http://127.0.0.1:4001/"), 0);
    assert_int_equal(allowed("http://127.0.0.1:4000", "http://localhost:4000/"), 0);
}

static void test_manifest(void **state)
{
    (void)state;
    json_error_t e;
    json_t *m =
        json_loads("{\"permissions\":{\"external\":{\"fetch\":{\"backend\":["
                   "\"a.test\",{\"address\":\"*.b.test\"},{\"remote\":\"r1\"},{\"remote\":\"nope\"},42]}}},"
                   "\"remotes\":[{\"key\":\"r1\",\"baseUrl\":\"https://r1.test\"},"
                   "{\"key\":\"r2\",\"baseUrl\":{\"default\":\"https://r2.test\",\"EU\":\"https://eu.r2.test\"}}]}",
                   0, &e);
    assert_non_null(m);
    char *list = egress_allowlist_from_manifest(m);
    assert_int_equal(allowed(list, "https://a.test/"), 1);
    assert_int_equal(allowed(list, "https://x.b.test/"), 1);
    assert_int_equal(allowed(list, "https://b.test/"), 0);
    assert_int_equal(allowed(list, "https://r1.test/x"), 1);
    assert_int_equal(allowed(list, "https://r2.test/x"), 1);
    assert_int_equal(allowed(list, "https://eu.r2.test/x"), 1);
    assert_int_equal(allowed(list, "https://nope/"), 0);
    free(list);
    json_decref(m);
    /* no permissions: an empty list */
    m = json_loads("{\"app\":{}}", 0, &e);
    list = egress_allowlist_from_manifest(m);
    assert_string_equal(list, "");
    free(list);
    json_decref(m);
    /* entries with a newline (cannot come from YAML scalars that kiln keeps, but a JSON
     * manifest could carry one) are dropped, not split */
    m = json_loads("{\"permissions\":{\"external\":{\"fetch\":{\"backend\":[\"ok.test\\nevil.test\"]}}}}", 0, &e);
    list = egress_allowlist_from_manifest(m);
    assert_int_equal(allowed(list, "https://evil.test/"), 0);
    free(list);
    json_decref(m);
}

static void test_glob_is_linear(void **state)
{
    (void)state;
    /* a pathological glob must not blow up */
    char entry[600] = "";
    for (int i = 0; i < 100; i++)
        strcat(entry, "*a");
    strcat(entry, "b");
    char url[400] = "https://";
    memset(url + 8, 'a', 240);
    url[248] = '\0';
    assert_int_equal(allowed(entry, url), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_manifest),
        cmocka_unit_test(test_glob_is_linear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
