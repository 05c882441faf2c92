/* Unit tests for src/base/jsonw.h, the streaming JSON writer: nesting and commas,
 * escaping (checked by parsing the output back with jansson), JW_STRCAT, raw values, and
 * the sticky errors (cap, depth overflow, unbalanced close). */
#include "unit.h"

#include <jansson.h>
#include <math.h>

#include "base/arena.h"
#include "base/jsonw.h"

typedef struct {
    buf_t b;
    jsonw_t w;
} fx_t;

static int setup(void **state)
{
    fx_t *f = xcalloc(1, sizeof *f);
    buf_init(&f->b, 1u << 20);
    jw_init(&f->w, &f->b);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    buf_free(&f->b);
    free(f);
    return 0;
}

/* The writer's output so far, "" when nothing was written. */
static const char *out(fx_t *f)
{
    return f->b.ptr ? f->b.ptr : "";
}

/* Parses the output with jansson (NUL allowed); the test fails if it is not JSON. */
static json_t *parse_back(fx_t *f)
{
    json_error_t je;
    json_t *j = json_loadb(out(f), f->b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &je);
    if (!j)
        print_error("jansson: %s at %d in: %s\n", je.text, je.position, out(f));
    assert_non_null(j);
    return j;
}

static void test_nesting_and_commas(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    jw_obj(w);
    jw_key(w, "a");
    jw_arr(w);
    jw_int(w, 1);
    jw_int(w, 2);
    jw_obj(w);
    jw_key(w, "b");
    jw_null(w);
    jw_obj_end(w);
    jw_arr(w);
    jw_arr_end(w);
    jw_arr_end(w);
    jw_kbool(w, "c", 1);
    jw_kbool(w, "d", 0);
    jw_kstr(w, "e", "x");
    jw_kint(w, "f", -5);
    jw_key(w, "g");
    jw_obj(w);
    jw_obj_end(w);
    jw_kstr(w, "h", NULL);
    jw_obj_end(w);
    assert_int_equal(w->err, 0);
    assert_int_equal(w->depth, 0);
    assert_string_equal(out(f), "{\"a\":[1,2,{\"b\":null},[]],\"c\":true,\"d\":false,\"e\":\"x\",\"f\":-5,"
                                "\"g\":{},\"h\":null}");
    json_decref(parse_back(f));
}

static void test_empty_containers_and_scalars(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    jw_arr(w);
    jw_arr(w);
    jw_arr_end(w);
    jw_obj(w);
    jw_obj_end(w);
    jw_str(w, "");
    jw_bool(w, 7); /* any non-zero is true */
    jw_int(w, INT64_MIN);
    jw_int(w, INT64_MAX);
    jw_int(w, 0);
    jw_arr_end(w);
    assert_int_equal(w->err, 0);
    assert_string_equal(out(f), "[[],{},\"\",true,-9223372036854775808,9223372036854775807,0]");
    json_t *j = parse_back(f);
    assert_int_equal(json_array_size(j), 7);
    assert_true(json_integer_value(json_array_get(j, 4)) == INT64_MIN);
    json_decref(j);
}

static void test_escaping_round_trip(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    char ctl[33]; /* every control byte 0x01..0x1f */
    for (int i = 1; i < 32; i++)
        ctl[i - 1] = (char)i;
    ctl[31] = '\0';
    static const char *const strs[] = {
        "plain",
        "quote\"in\"side",
        "back\\slash\\",
        "\"",
        "\\",
        "\\\"",
        "line\nfeed\rreturn\ttab",
        "\x7f del is fine",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5", /* UTF-8 passes through */
        "</script><!--",
        "\\u0000 is text here",
    };
    size_t ns = sizeof strs / sizeof *strs;
    jw_obj(w);
    jw_kstr(w, "ctl", ctl);
    jw_kstr(w, "key \"with\" \\ and\nnewline", "v");
    jw_key(w, "list");
    jw_arr(w);
    for (size_t i = 0; i < ns; i++)
        jw_str(w, strs[i]);
    jw_arr_end(w);
    jw_key(w, "nul");
    jw_strn(w, "a\0b", 3);
    jw_obj_end(w);
    assert_int_equal(w->err, 0);

    /* no raw control byte may reach the output */
    for (size_t i = 0; i < f->b.len; i++)
        assert_true((unsigned char)f->b.ptr[i] >= 0x20);
    assert_true(unit_contains(out(f), "\\u0001"));
    assert_true(unit_contains(out(f), "\\u001f"));
    assert_true(unit_contains(out(f), "\\n"));

    json_t *j = parse_back(f);
    assert_string_equal(json_string_value(json_object_get(j, "ctl")), ctl);
    assert_string_equal(json_string_value(json_object_get(j, "key \"with\" \\ and\nnewline")), "v");
    json_t *list = json_object_get(j, "list");
    assert_int_equal(json_array_size(list), ns);
    for (size_t i = 0; i < ns; i++)
        assert_string_equal(json_string_value(json_array_get(list, i)), strs[i]);
    json_t *nul = json_object_get(j, "nul");
    assert_int_equal(json_string_length(nul), 3);
    assert_memory_equal(json_string_value(nul), "a\0b", 3);
    json_decref(j);
}

/* The escaping the writer promises, byte by byte, as a reference. */
static void ref_escape(buf_t *o, const unsigned char *s, size_t n)
{
    buf_adds(o, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '"')
            buf_adds(o, "\\\"");
        else if (c == '\\')
            buf_adds(o, "\\\\");
        else if (c == '\n')
            buf_adds(o, "\\n");
        else if (c == '\r')
            buf_adds(o, "\\r");
        else if (c == '\t')
            buf_adds(o, "\\t");
        else if (c < 0x20)
            buf_printf(o, "\\u%04x", c);
        else
            buf_add(o, &c, 1);
    }
    buf_adds(o, "\"");
}

static void test_escaping_every_byte_every_position(void **state)
{
    (void)state;
    /* every byte value at every offset of strings around the 8-byte scanning stride */
    unsigned char s[40];
    for (size_t len = 1; len <= sizeof s; len++) {
        for (size_t pos = 0; pos < len; pos++) {
            for (int c = 0; c < 256; c++) {
                memset(s, 'a', len);
                s[pos] = (unsigned char)c;
                if (pos + 3 < len)
                    s[len - 1] = 0xc3; /* a high byte elsewhere must not disturb the scan */
                buf_t got, want;
                buf_init(&got, 1024);
                buf_init(&want, 1024);
                jsonw_t w;
                jw_init(&w, &got);
                jw_strn(&w, (const char *)s, len);
                ref_escape(&want, s, len);
                assert_int_equal(w.err, 0);
                if (got.len != want.len || memcmp(got.ptr, want.ptr, got.len) != 0)
                    print_error("len %zu pos %zu byte 0x%02x: got %s want %s\n", len, pos, c, got.ptr, want.ptr);
                assert_int_equal(got.len, want.len);
                assert_memory_equal(got.ptr, want.ptr, got.len);
                buf_free(&got);
                buf_free(&want);
            }
        }
    }
}

static void test_escaping_long_plain_and_mixed(void **state)
{
    (void)state;
    /* a long string with specials spread over it, written with and without reserve */
    size_t n = 10007;
    unsigned char *s = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        s[i] = (unsigned char)(i % 97 == 0 ? '"' : i % 89 == 0 ? '\\' : i % 83 == 0 ? 0x1f : 'a' + i % 26);
    buf_t got, want;
    buf_init(&got, 1u << 20);
    buf_reserve(&got, 1u << 16);
    buf_init(&want, 1u << 20);
    jsonw_t w;
    jw_init(&w, &got);
    jw_strn(&w, (const char *)s, n);
    ref_escape(&want, s, n);
    assert_int_equal(w.err, 0);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.ptr, want.ptr, got.len);
    json_error_t je;
    json_t *j = json_loadb(got.ptr, got.len, JSON_DECODE_ANY, &je);
    assert_non_null(j);
    assert_int_equal(json_string_length(j), n);
    assert_memory_equal(json_string_value(j), s, n);
    json_decref(j);
    buf_free(&got);
    buf_free(&want);
    free(s);
}

static void test_injection_attempt(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    /* a value that tries to close the string and add a member */
    jw_obj(w);
    jw_kstr(w, "name", "x\",\"admin\":true,\"y\":\"");
    jw_obj_end(w);
    json_t *j = parse_back(f);
    assert_int_equal(json_object_size(j), 1);
    assert_null(json_object_get(j, "admin"));
    assert_string_equal(json_string_value(json_object_get(j, "name")), "x\",\"admin\":true,\"y\":\"");
    json_decref(j);
}

static void test_strcat(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    jw_obj(w);
    jw_key(w, "self");
    JW_STRCAT(w, "http://h/ex/jira/", "c\"id", "/rest/api/3/project/", "10000");
    jw_key(w, "one");
    JW_STRCAT(w, "only");
    jw_key(w, "empty");
    JW_STRCAT(w, "", "");
    jw_key(w, "arr");
    jw_arr(w);
    JW_STRCAT(w, "a\\", "\n");
    JW_STRCAT(w, "b");
    jw_arr_end(w);
    jw_obj_end(w);
    assert_int_equal(w->err, 0);
    assert_string_equal(out(f), "{\"self\":\"http://h/ex/jira/c\\\"id/rest/api/3/project/10000\",\"one\":\"only\","
                                "\"empty\":\"\",\"arr\":[\"a\\\\\\n\",\"b\"]}");
    json_t *j = parse_back(f);
    assert_string_equal(json_string_value(json_object_get(j, "self")),
                        "http://h/ex/jira/c\"id/rest/api/3/project/10000");
    json_decref(j);
}

static void test_raw(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    const char *doc = "{\"type\":\"doc\",\"content\":[]}";
    jw_arr(w);
    jw_int(w, 1);
    jw_raw(w, doc, strlen(doc));
    jw_obj(w);
    jw_key(w, "d");
    jw_raw(w, doc, strlen(doc));
    jw_kint(w, "after", 2);
    jw_obj_end(w);
    jw_arr_end(w);
    assert_int_equal(w->err, 0);
    assert_string_equal(out(f), "[1,{\"type\":\"doc\",\"content\":[]},{\"d\":{\"type\":\"doc\",\"content\":[]},"
                                "\"after\":2}]");
    json_decref(parse_back(f));
}

static void test_depth_limit(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    for (int i = 0; i < JSONW_MAX_DEPTH; i++)
        jw_arr(w);
    assert_int_equal(w->err, 0);
    assert_int_equal(w->depth, JSONW_MAX_DEPTH);
    for (int i = 0; i < JSONW_MAX_DEPTH; i++)
        jw_arr_end(w);
    assert_int_equal(w->err, 0);
    assert_int_equal(w->depth, 0);
    json_decref(parse_back(f));
}

static void test_depth_overflow(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    for (int i = 0; i < JSONW_MAX_DEPTH; i++)
        jw_obj(w), jw_key(w, "k");
    assert_int_equal(w->err, 0);
    jw_arr(w); /* one too deep */
    assert_int_not_equal(w->err, 0);
    /* sticky: balanced writes afterwards do not clear it */
    jw_int(w, 1);
    for (int i = 0; i < JSONW_MAX_DEPTH + 1; i++)
        jw_obj_end(w);
    assert_int_not_equal(w->err, 0);
}

static void test_depth_overflow_hostile_loop(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    /* far past the limit: no write outside has_items[] (ASan), err set */
    for (int i = 0; i < 10 * JSONW_MAX_DEPTH; i++)
        jw_arr(w);
    assert_int_not_equal(w->err, 0);
    assert_true(w->depth <= JSONW_MAX_DEPTH);
}

static void test_unbalanced_close(void **state)
{
    fx_t *f = *state;
    jsonw_t *w = &f->w;
    jw_arr_end(w);
    assert_int_not_equal(w->err, 0);
    assert_int_equal(w->depth, 0);

    jw_init(w, &f->b);
    buf_reset(&f->b);
    jw_obj(w);
    jw_obj_end(w);
    assert_int_equal(w->err, 0);
    jw_obj_end(w); /* one close too many */
    assert_int_not_equal(w->err, 0);
}

static void test_cap_error(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 16);
    jsonw_t w;
    jw_init(&w, &b);
    jw_arr(&w);
    jw_str(&w, "0123456789abcdefghij"); /* cannot fit */
    assert_int_not_equal(w.err, 0);
    jw_arr_end(&w);
    jw_int(&w, 1);
    assert_int_not_equal(w.err, 0); /* sticky */
    assert_true(b.len <= 16);
    buf_free(&b);
}

static void test_cap_exact_with_reserve(void **state)
{
    (void)state;
    /* with room reserved up front (the fast path), the max is still enforced to the byte */
    buf_t b;
    buf_init(&b, 7);
    buf_reserve(&b, 4096);
    jsonw_t w;
    jw_init(&w, &b);
    jw_str(&w, "abcde"); /* "abcde" is exactly 7 bytes */
    assert_int_equal(w.err, 0);
    assert_int_equal(b.len, 7);
    assert_string_equal(b.ptr, "\"abcde\"");
    jw_null(&w);
    assert_int_not_equal(w.err, 0);
    assert_true(b.len <= 7);
    buf_free(&b);

    buf_init(&b, 7);
    buf_reserve(&b, 4096);
    jw_init(&w, &b);
    jw_str(&w, "abcdef"); /* 8 bytes */
    assert_int_not_equal(w.err, 0);
    assert_true(b.len <= 7);
    buf_free(&b);
}

static void test_cap_escape_growth(void **state)
{
    (void)state;
    /* escaping grows the output six-fold for control bytes: the cap applies to the output */
    char in[100];
    memset(in, 0x01, sizeof in);
    buf_t b;
    buf_init(&b, 300);
    jsonw_t w;
    jw_init(&w, &b);
    jw_strn(&w, in, sizeof in);
    assert_int_not_equal(w.err, 0);
    assert_true(b.len <= 300);
    buf_free(&b);

    buf_init(&b, 602);
    jw_init(&w, &b);
    jw_strn(&w, in, sizeof in);
    assert_int_equal(w.err, 0);
    assert_int_equal(b.len, 602);
    buf_free(&b);
}

static void test_matches_without_reserve(void **state)
{
    (void)state;
    /* the fast path (reserved buffer) and the slow path write the same bytes */
    buf_t b1, b2;
    buf_init(&b1, 1u << 16);
    buf_init(&b2, 1u << 16);
    buf_reserve(&b2, 1u << 16);
    jsonw_t w1, w2;
    jw_init(&w1, &b1);
    jw_init(&w2, &b2);
    jsonw_t *ws[2] = {&w1, &w2};
    for (int k = 0; k < 2; k++) {
        jsonw_t *w = ws[k];
        jw_obj(w);
        for (int i = 0; i < 50; i++) {
            jw_key(w, "item");
            jw_arr(w);
            jw_int(w, i);
            jw_str(w, "q\"\\\t");
            JW_STRCAT(w, "x", "y");
            jw_arr_end(w);
        }
        jw_obj_end(w);
    }
    assert_int_equal(w1.err, 0);
    assert_int_equal(w2.err, 0);
    assert_int_equal(b1.len, b2.len);
    assert_string_equal(b1.ptr, b2.ptr);
    buf_free(&b1);
    buf_free(&b2);
}

static void test_real_and_json(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *want;
    } reals[] = {{1.5, "1.5"}, {100.0, "100.0"},  {-0.0, "-0.0"},       {1e21, "1e21"}, {1e-5, NULL},
                 {0.1, NULL},  {-2.5e-300, NULL}, {123456789.125, NULL}}; /* NULL: only compared with jansson */
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++) {
        buf_t b;
        buf_init(&b, 1024);
        jsonw_t w;
        jw_init(&w, &b);
        jw_real(&w, reals[i].v);
        assert_false(w.err);
        if (reals[i].want)
            assert_string_equal(b.ptr, reals[i].want);
        /* as jansson writes it */
        json_t *r = json_real(reals[i].v);
        char *j = json_dumps(r, JSON_ENCODE_ANY);
        assert_string_equal(b.ptr, j);
        free(j);
        json_decref(r);
        buf_free(&b);
    }
    buf_t b;
    buf_init(&b, 1024);
    jsonw_t w;
    jw_init(&w, &b);
    jw_real(&w, NAN);
    assert_true(w.err);
    buf_free(&b);

    /* a whole tree, insertion order kept, keys with NUL and escapes; the same text jansson writes */
    json_t *t = json_pack("{s:[i,f,b,n,s],s:{s:s}}", "a", -7, 2.25, 1, "x\"y", "z", "k", "v");
    json_object_setn_new(t, "n\0ul", 4, json_string("\u00e9"));
    buf_init(&b, 1024);
    jw_init(&w, &b);
    jw_obj(&w);
    jw_key(&w, "t");
    jw_json(&w, t);
    jw_key(&w, "null");
    jw_json(&w, NULL);
    jw_obj_end(&w);
    assert_false(w.err);
    char *want = json_dumps(t, JSON_COMPACT);
    char *got = strndup(b.ptr + 5, b.len - 5 - strlen(",\"null\":null}"));
    assert_string_equal(got, want);
    assert_string_equal(b.ptr + b.len - strlen(",\"null\":null}"), ",\"null\":null}");
    free(want);
    free(got);
    json_decref(t);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nesting_and_commas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_containers_and_scalars, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping_round_trip, setup, teardown),
        cmocka_unit_test(test_escaping_every_byte_every_position),
        cmocka_unit_test(test_escaping_long_plain_and_mixed),
        cmocka_unit_test_setup_teardown(test_injection_attempt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strcat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_overflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_overflow_hostile_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unbalanced_close, setup, teardown),
        cmocka_unit_test(test_cap_error),
        cmocka_unit_test(test_cap_exact_with_reserve),
        cmocka_unit_test(test_cap_escape_growth),
        cmocka_unit_test(test_matches_without_reserve),
        cmocka_unit_test(test_real_and_json),
    };
    return cmocka_run_group_tests_name("jsonw", tests, NULL, NULL);
}
