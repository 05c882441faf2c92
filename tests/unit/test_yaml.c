/* Unit tests for src/base/yaml.h: positions and paths of nodes, core-schema typing, the
 * walk (yaml_get, YAML_EACH, JSON), duplicate keys, every limit at its boundary, what the
 * subset refuses, and malformed input, each with its code, message and position. */
#include "unit.h"

#include <jansson.h>

#include "base/buf.h"
#include "base/yaml.h"

static arena_t *A;

static const yaml_limits_t LIM = {
    .max_bytes = 4096, .max_depth = 4, .max_nodes = 20, .max_string = 16, .noun = "document"};

static int setup(void **state)
{
    (void)state;
    A = arena_new(16u << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(A);
    A = NULL;
    return 0;
}

static const yaml_t *ok_lim(const char *text, const yaml_limits_t *lim)
{
    const yaml_t *root = NULL;
    yaml_err_t e;
    if (yaml_parse(A, text, strlen(text), lim, &root, &e) != 0)
        fail_msg("unexpected error %d at %u:%u: %s\n--- input:\n%s", e.code, e.line, e.col, e.msg, text);
    assert_int_equal(e.code, YAML_OK);
    return root;
}

static const yaml_t *ok(const char *text)
{
    return ok_lim(text, &LIM);
}

static char *path_of(const yaml_t *n)
{
    char buf[256];
    yaml_path(n, buf, sizeof buf);
    return arena_strdup(A, buf);
}

/* Fails with code at line:col with msg, and the problem's node has path `path`. */
static void bad_lim(const char *text, size_t len, const yaml_limits_t *lim, int code, unsigned line, unsigned col,
                    const char *path, const char *msg)
{
    const yaml_t *root = (const yaml_t *)1;
    yaml_err_t e;
    if (yaml_parse(A, text, len, lim, &root, &e) == 0)
        fail_msg("parsed, but expected: %s\n--- input:\n%s", msg, text);
    assert_null(root);
    const char *got = path_of(e.node);
    if (strcmp(e.msg, msg) || e.code != code || e.line != line || e.col != col || strcmp(got, path))
        fail_msg("got %d %u:%u [%s] %s\nwant %d %u:%u [%s] %s", e.code, e.line, e.col, got, e.msg, code, line, col,
                 path, msg);
    assert_null(strchr(e.msg, '\n'));
}

static void bad(const char *text, int code, unsigned line, unsigned col, const char *path, const char *msg)
{
    bad_lim(text, strlen(text), &LIM, code, line, col, path, msg);
}

/* ================================================================ positions and paths */

static void test_positions(void **state)
{
    (void)state;
    const yaml_t *root = ok("a:\n  b: [x, {c: 1}]\n  d:\n    - e\n    - f: g\n");
    assert_int_equal(root->type, YAML_MAP);
    assert_int_equal(root->line, 1);
    assert_int_equal(root->col, 1);
    assert_null(root->parent);
    assert_int_equal(root->n, 1);

    const yaml_t *a = yaml_get(root, "a"), *b = yaml_get(a, "b"), *d = yaml_get(a, "d");
    assert_int_equal(a->type, YAML_MAP);
    assert_int_equal(a->line, 2);
    assert_int_equal(a->col, 3);
    assert_ptr_equal(a->parent, root);
    assert_string_equal(a->key->s, "a");
    assert_int_equal(a->key->is_key, 1);
    assert_int_equal(a->key->line, 1);
    assert_int_equal(a->key->col, 1);

    assert_int_equal(b->type, YAML_SEQ);
    assert_int_equal(b->line, 2);
    assert_int_equal(b->col, 6);
    assert_int_equal(b->n, 2);
    const yaml_t *x = b->first, *cm = x->next;
    assert_string_equal(x->s, "x");
    assert_int_equal(x->index, 0);
    assert_int_equal(x->col, 7);
    assert_int_equal(cm->index, 1);
    assert_int_equal(cm->col, 10);
    assert_null(cm->next);
    const yaml_t *c = yaml_get(cm, "c");
    assert_int_equal(c->type, YAML_INT);
    assert_int_equal(c->i, 1);
    assert_int_equal(c->line, 2);
    assert_int_equal(c->col, 14);

    assert_string_equal(path_of(root), "");
    assert_string_equal(path_of(NULL), "");
    assert_string_equal(path_of(a), "a");
    assert_string_equal(path_of(c), "a.b[1].c");
    assert_string_equal(path_of(c->key), "a.b[1]"); /* a key gives its mapping's path */
    const yaml_t *g = yaml_get(d->first->next, "f");
    assert_string_equal(path_of(g), "a.d[1].f");
    assert_int_equal(g->line, 5);
    assert_int_equal(g->col, 10);

    /* columns count characters, not bytes */
    root = ok("\xC3\xA9t\xC3\xA9: v\n");
    assert_int_equal(root->first->col, 6);
    assert_string_equal(root->first->key->s, "\xC3\xA9t\xC3\xA9");
}

static void test_path_truncation(void **state)
{
    (void)state;
    yaml_limits_t lim = LIM;
    lim.max_string = 200;
    char *key = arena_alloc(A, 151);
    memset(key, 'k', 150);
    key[150] = '\0';
    const yaml_t *root = ok_lim(arena_printf(A, "%s: {x: 1}\n", key), &lim);
    const yaml_t *x = yaml_get(root->first, "x");
    char buf[256];
    yaml_path(x, buf, sizeof buf);
    assert_int_equal(strlen(buf), 100 + 2); /* the key cut to 100 bytes, then ".x" */
    char small[8];
    yaml_path(x, small, sizeof small);
    assert_string_equal(small, "kkkkkkk");
}

/* ================================================================ typing and walking */

static void test_scalar_types(void **state)
{
    (void)state;
    yaml_limits_t lim = LIM;
    lim.max_nodes = 100;
    lim.max_string = 64;
    const yaml_t *r = ok_lim("i: 42\nneg: -7\nhex: 0x1F\noct: 0o17\nf: 1.5\ne: 1e3\nbig: 123456789012345678901234\n"
                             "t: true\nF: False\nn: ~\nn2: null\nempty:\ns: '42'\ns2: \"true\"\ninf: .inf\n"
                             "ver: 2.4.0\nyes: yes\ntagged: !!str 12\nbang: ! 12\n",
                             &lim);
    static const struct {
        const char *key;
        int type;
    } want[] = {{"i", YAML_INT},   {"neg", YAML_INT},    {"hex", YAML_INT},    {"oct", YAML_INT}, {"f", YAML_REAL},
                {"e", YAML_REAL},  {"big", YAML_REAL},   {"t", YAML_BOOL},     {"F", YAML_BOOL},  {"n", YAML_NULL},
                {"n2", YAML_NULL}, {"empty", YAML_NULL}, {"s", YAML_STR},      {"s2", YAML_STR},  {"inf", YAML_STR},
                {"ver", YAML_STR}, {"yes", YAML_STR},    {"tagged", YAML_STR}, {"bang", YAML_STR}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const yaml_t *n = yaml_get(r, want[i].key);
        assert_non_null(n);
        if (n->type != want[i].type)
            fail_msg("%s: type %d, want %d", want[i].key, n->type, want[i].type);
        assert_true(yaml_is_scalar(n));
    }
    assert_int_equal(yaml_get(r, "neg")->i, -7);
    assert_int_equal(yaml_get(r, "hex")->i, 31);
    assert_int_equal(yaml_get(r, "oct")->i, 15);
    assert_true(yaml_get(r, "f")->r == 1.5);
    assert_int_equal(yaml_get(r, "t")->i, 1);
    assert_int_equal(yaml_get(r, "F")->i, 0);
    assert_string_equal(yaml_get(r, "tagged")->s, "12");
    assert_string_equal(yaml_get(r, "ver")->s, "2.4.0");
    assert_false(yaml_is_scalar(r));

    assert_string_equal(yaml_type_name(r), "a mapping");
    assert_string_equal(yaml_type_name(yaml_get(r, "i")), "an integer");
    assert_string_equal(yaml_type_name(yaml_get(r, "f")), "a number");
    assert_string_equal(yaml_type_name(yaml_get(r, "t")), "a boolean");
    assert_string_equal(yaml_type_name(yaml_get(r, "n")), "null");
    assert_string_equal(yaml_type_name(yaml_get(r, "s")), "a string");
    assert_string_equal(yaml_type_name(ok("[a]")), "a sequence");
}

static void test_walk_and_json(void **state)
{
    (void)state;
    const yaml_t *r = ok("b: 1\na: [x, 2, {k: ~}]\nc: 'q\"'\n");
    assert_null(yaml_get(r, "z"));
    assert_null(yaml_get(NULL, "a"));
    assert_null(yaml_get(yaml_get(r, "a"), "x")); /* not a mapping */
    const char *order[] = {"b", "a", "c"};
    size_t i = 0;
    YAML_EACH(c, r)
    {
        assert_string_equal(c->key->s, order[i]);
        i++;
    }
    assert_int_equal(i, 3);
    json_t *j = yaml_to_json(r);
    char *s = json_dumps(j, JSON_COMPACT);
    assert_string_equal(s, "{\"b\":1,\"a\":[\"x\",2,{\"k\":null}],\"c\":\"q\\\"\"}");
    free(s);
    json_decref(j);
}

static void test_empty(void **state)
{
    (void)state;
    const char *none[] = {"", "# only a comment\n", "\n\n"};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        assert_null(ok(none[i]));
    const yaml_t *root = (const yaml_t *)1;
    yaml_err_t e;
    assert_int_equal(yaml_parse(A, NULL, 5, &LIM, &root, &e), 0);
    assert_null(root);
    root = ok("---\n");
    assert_non_null(root);
    assert_int_equal(root->type, YAML_NULL);
    root = ok("--- {a: 1}\n...\n");
    assert_int_equal(root->type, YAML_MAP);
    root = ok("\xEF\xBB\xBF"
              "a: 1\n"); /* a UTF-8 byte order mark is fine */
    assert_int_equal(yaml_get(root, "a")->line, 1);
}

/* ================================================================ duplicate keys */

static void test_duplicate_keys(void **state)
{
    (void)state;
    bad("a: 1\nb: 2\na: 3\n", YAML_ESYNTAX, 3, 1, "", "duplicate key \"a\"");
    bad("m:\n  k: 1\n  k: 2\n", YAML_ESYNTAX, 3, 3, "m", "duplicate key \"k\"");
    bad("s:\n  - {x: 1, x: 2}\n", YAML_ESYNTAX, 2, 12, "s[0]", "duplicate key \"x\"");
    /* keys compare as text, whatever their type, and escapes are decoded first */
    bad("1: a\n\"1\": b\n", YAML_ESYNTAX, 2, 1, "", "duplicate key \"1\"");
    bad("\"a\\tb\": 1\n\"a\\tb\": 2\n", YAML_ESYNTAX, 2, 1, "", "duplicate key \"a?b\"");
    bad("\"\\u00e9\": 1\n\xC3\xA9: 2\n", YAML_ESYNTAX, 2, 1, "", "duplicate key \"\xC3\xA9\"");
    /* the same key in different mappings, and keys that differ in case, are fine */
    const yaml_t *r = ok("a: {k: 1}\nb: {k: 2}\nK: 3\nk: 4\n");
    assert_int_equal(r->n, 4);
    /* a long key is quoted to 100 bytes */
    yaml_limits_t lim = LIM;
    lim.max_string = 200;
    char *key = arena_alloc(A, 121);
    memset(key, 'k', 120);
    key[120] = '\0';
    char *text = arena_printf(A, "%s: 1\n%s: 2\n", key, key);
    char *msg = arena_printf(A, "duplicate key \"%.100s\"", key);
    bad_lim(text, strlen(text), &lim, YAML_ESYNTAX, 2, 1, "", msg);
}

/* ================================================================ limits */

static void test_limit_bytes(void **state)
{
    (void)state;
    yaml_limits_t lim = LIM;
    lim.max_bytes = 10;
    ok_lim("a: 1234567", &lim); /* exactly 10 */
    bad_lim("a: 12345678", 11, &lim, YAML_ELIMIT, 1, 1, "", "document is 11 bytes; the limit is 10");
    lim.noun = "manifest";
    bad_lim("a: 12345678", 11, &lim, YAML_ELIMIT, 1, 1, "", "manifest is 11 bytes; the limit is 10");
    /* the length given counts, not the NUL: the text is not read past it */
    ok_lim("a: 12345678",
           &(yaml_limits_t){.max_bytes = 11, .max_depth = 4, .max_nodes = 20, .max_string = 16, .noun = "x"});
}

static void test_limit_depth(void **state)
{
    (void)state;
    /* the top level is level 1: 4 levels pass, 5 do not, whichever the collections */
    ok("a: [[{b: 1}]]\n");
    bad("a: [[{b: [1]}]]\n", YAML_ELIMIT, 1, 10, "a[0][0].b", "nesting deeper than 4 levels");
    bad("[[[[[]]]]]\n", YAML_ELIMIT, 1, 5, "[0][0][0][0]", "nesting deeper than 4 levels");
    /* depth is what is open at once: siblings do not add up */
    ok("a: [[1], [2], [3]]\nb: {c: {d: 1}}\n");
}

static void test_limit_nodes(void **state)
{
    (void)state;
    /* the mapping, 2 keys, 1 value and a list: 5 nodes, then 15 items pass; 16 do not */
    ok("a: 1\nb: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15]\n");
    bad("a: 1\nb: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]\n", YAML_ELIMIT, 2, 41, "b", "more than 20 YAML nodes");
    /* keys count */
    bad("{a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}\n", YAML_ELIMIT, 1, 59, "",
        "more than 20 YAML nodes");
}

static void test_limit_string(void **state)
{
    (void)state;
    ok("a: 0123456789abcdef\n"); /* 16 bytes */
    bad("a: 0123456789abcdefg\n", YAML_ELIMIT, 1, 4, "a", "string is 17 bytes; the limit is 16");
    bad("0123456789abcdefg: 1\n", YAML_ELIMIT, 1, 1, "", "string is 17 bytes; the limit is 16");
    /* escapes are counted decoded, and block scalars with their line breaks */
    ok("a: \"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"\n");
    bad("a: |\n  0123456789abcdef\n", YAML_ELIMIT, 1, 4, "a", "string is 17 bytes; the limit is 16");
}

/* ================================================================ what the subset refuses */

static void test_refused(void **state)
{
    (void)state;
    bad("x: &a 1\n", YAML_ESYNTAX, 1, 4, "x", "anchors are not supported");
    bad("x: &a [1]\n", YAML_ESYNTAX, 1, 4, "x", "anchors are not supported");
    bad("x: 1\ny: *a\n", YAML_ESYNTAX, 2, 4, "y", "aliases are not supported");
    bad("x: !custom 1\n", YAML_ESYNTAX, 1, 4, "x", "tags are not supported");
    bad("x: !!int 1\n", YAML_ESYNTAX, 1, 4, "x", "tags are not supported");
    bad("x: !!seq {a: 1}\n", YAML_ESYNTAX, 1, 4, "x", "tags are not supported");
    ok("x: !!map {a: 1}\ny: !!seq [1]\nz: !!str s\n");
    bad("? [a]\n: b\n", YAML_ESYNTAX, 1, 3, "", "mapping keys must be scalars");
    bad("? {a: 1}\n: b\n", YAML_ESYNTAX, 1, 3, "", "mapping keys must be scalars");
    bad("a: 1\n---\nb: 2\n", YAML_ESYNTAX, 2, 1, "", "multiple documents are not supported");
    bad("x: \"a\\0b\"\n", YAML_ENUL, 1, 4, "x", "contains a NUL byte");
    bad("\"k\\0\": 1\n", YAML_ENUL, 1, 1, "", "contains a NUL byte");
    /* "billion laughs" stops at its first anchor */
    bad("a: &a [x, x]\nb: &b [*a, *a]\n", YAML_ESYNTAX, 1, 4, "a", "anchors are not supported");
}

/* ================================================================ malformed input */

static void test_malformed(void **state)
{
    (void)state;
    bad("a: [1, 2\n", YAML_ESYNTAX, 2, 1, "",
        "invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)");
    bad("a:\n  b: x\n   c: y\n", YAML_ESYNTAX, 3, 5, "",
        "invalid YAML: mapping values are not allowed in this context");
    bad("a:\n\tb: x\n", YAML_ESYNTAX, 2, 1, "",
        "invalid YAML: found character that cannot start any token (while scanning for the next token)");
    bad("x: caf\xE9\n", YAML_ESYNTAX, 1, 7, "", "invalid YAML: incomplete UTF-8 octet sequence");
    bad("x: \xC0\x80\n", YAML_ESYNTAX, 1, 4, "", "invalid YAML: invalid length of a UTF-8 sequence");
    bad("x: \x1b[31m\n", YAML_ESYNTAX, 1, 4, "", "invalid YAML: control characters are not allowed");
    bad_lim("\xFF\xFE"
            "a\0:\0",
            6, &LIM, YAML_ESYNTAX, 1, 1, "", "document must be UTF-8, not UTF-16");
    bad_lim("\xFE\xFF\0a\0:", 6, &LIM, YAML_ESYNTAX, 1, 1, "", "document must be UTF-8, not UTF-16");
    /* a raw NUL byte is not YAML (it stops libyaml's reader) */
    bad_lim("a: b\0c\n", 7, &LIM, YAML_ESYNTAX, 1, 5, "", "invalid YAML: control characters are not allowed");
}

static void test_arena_cap(void **state)
{
    (void)state;
    arena_t *small = arena_new(512);
    const yaml_t *root;
    yaml_err_t e;
    yaml_limits_t lim = LIM;
    lim.max_nodes = 1000;
    buf_t b;
    buf_init_arena(&b, A, 1u << 20);
    for (int i = 0; i < 100; i++)
        buf_printf(&b, "k%d: v\n", i);
    lim.max_bytes = b.len;
    assert_int_equal(yaml_parse(small, b.ptr, b.len, &lim, &root, &e), -1);
    assert_int_equal(e.code, YAML_ENOMEM);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.col, 1);
    assert_null(e.node);
    assert_string_equal(e.msg, "out of memory (the arena's cap was reached)");
    arena_free(small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_path_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalar_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walk_and_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_depth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_nodes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_string, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arena_cap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
