/* Unit tests for src/web/uiorigin.h uiorigin_csp: the inline frame shim's hash source
 * joins script-src only when the app's policy does not allow inline scripts (a hash
 * source would switch the app's 'unsafe-inline' off), only as kiln makes one, and never
 * into another directive. */
#include "unit.h"

#include <jansson.h>
#include <string.h>

#include "base/arena.h"
#include "web/uiorigin.h"

#define HASH "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"

/* The sources of directive `name` in policy `csp` (with a leading and trailing space). */
static const char *directive(arena_t *a, const char *csp, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = csp; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL) {
        while (*p == ' ')
            p++;
        if (strncmp(p, name, n) == 0 && p[n] == ' ') {
            const char *end = strchr(p, ';');
            return arena_printf(a, "%.*s ", (int)((end ? (size_t)(end - p) : strlen(p)) - n), p + n);
        }
    }
    return NULL;
}

static void test_shim_hash(void **state)
{
    (void)state;
    static const struct {
        const char *manifest, *hash, *script_src;
    } cases[] = {
        {"{}", HASH, " 'self' " HASH " "},
        {"{}", NULL, " 'self' "},
        {"{\"permissions\":{\"content\":{\"scripts\":[\"unsafe-inline\"]}}}", HASH, " 'self' 'unsafe-inline' "},
        {"{\"permissions\":{\"content\":{\"scripts\":[\"'unsafe-inline'\",\"unsafe-hashes\"]}}}", HASH,
         " 'self' 'unsafe-inline' 'unsafe-hashes' "},
        {"{\"permissions\":{\"content\":{\"scripts\":[\"unsafe-hashes\"]}}}", HASH,
         " 'self' " HASH " 'unsafe-hashes' "},
        {"{\"permissions\":{\"content\":{\"styles\":[\"unsafe-inline\"]}}}", HASH, " 'self' " HASH " "},
        /* only a hash as kiln makes one */
        {"{}", "'sha256-x'", " 'self' "},
        {"{}", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3h;uFU='", " 'self' "},
        {"{}", "'unsafe-inline'", " 'self' "},
        {"{}", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= 'unsafe-eval'", " 'self' "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        arena_t *a = arena_new(1 << 16);
        json_t *m = json_loads(cases[i].manifest, 0, NULL);
        assert_non_null(m);
        const char *csp = uiorigin_csp(a, m, "http://127.0.0.1:8080", cases[i].hash);
        const char *s = directive(a, csp, "script-src");
        if (!s || strcmp(s, cases[i].script_src) != 0)
            fail_msg("case %zu: script-src \"%s\", want \"%s\" (%s)", i, s ? s : "(none)", cases[i].script_src, csp);
        /* the hash is in script-src or nowhere */
        const char *first = cases[i].hash ? strstr(csp, "sha256-") : NULL;
        if (first && (strstr(first + 1, "sha256-") || first < strstr(csp, "script-src")))
            fail_msg("case %zu: a hash outside script-src: %s", i, csp);
        json_decref(m);
        arena_free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shim_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
