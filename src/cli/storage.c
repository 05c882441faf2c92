/* kiln storage list | query | get | set | delete: an installation's app storage (keys,
 * secrets, custom entity items) through the admin API (platform/storage_admin.h). The
 * installation is the app of the current (or --app) directory on --site, in -e ENV.
 * Secrets' values are masked unless --show-secrets. docs/kvs.md#kiln-storage. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "platform/app.h"

#define VALUE_FILE_MAX (1u << 20) /* read at most this much of --value-file; app storage takes 240 KiB */
#define LIST_ALL_MAX 100000       /* items --all gathers at most */

static cli_conn_t conn;
static int json_out, secret_flag, show_secrets, all_flag;
static const char *site_opt, *env_opt, *app_dir_opt, *entity_opt, *prefix_opt, *cursor_opt, *limit_opt, *file_opt;

#define COMMON                                                                                                         \
    {"--site", 1, &site_opt, NULL, "site name (required)"},                                                            \
        {"-e", 1, &env_opt, NULL, "environment (default development)"},                                                \
        {"--environment", 1, &env_opt, NULL, "same as -e"},                                                            \
        {"--app", 1, &app_dir_opt, NULL, "the app directory (default: the current one)"},                              \
        {"--secret", 0, NULL, &secret_flag, "a secret (kvs.setSecret) rather than a plain key"},                       \
        {"--entity", 1, &entity_opt, NULL, "an item of this custom entity rather than a plain key"},                   \
        {"--json", 0, NULL, &json_out, "print JSON"}, CLI_CONN_OPTS(conn)
#define LISTING                                                                                                        \
    {"--show-secrets", 0, NULL, &show_secrets, "show secrets' values (audited)"},                                      \
        {"--cursor", 1, &cursor_opt, NULL, "continue after this key (the cursor a listing printed)"},                  \
        {"--limit", 1, &limit_opt, NULL, "items per page, 1 to 100 (default 50)"},                                     \
    {                                                                                                                  \
        "--all", 0, NULL, &all_flag, "follow the cursors to the end"                                                   \
    }

const cli_opt_t storage_list_opts[] = {
    {"--prefix", 1, &prefix_opt, NULL, "only keys that start with this"}, LISTING, COMMON, {0}};
const cli_opt_t storage_query_opts[] = {LISTING, COMMON, {0}};
const cli_opt_t storage_get_opts[] = {
    {"--show-secrets", 0, NULL, &show_secrets, "show a secret's value (audited)"}, COMMON, {0}};
const cli_opt_t storage_set_opts[] = {
    {"--value-file", 1, &file_opt, NULL, "read the value (JSON) from this file; - is stdin"}, COMMON, {0}};
const cli_opt_t storage_delete_opts[] = {COMMON, {0}};

/* Appends s to b percent-encoded for a query (RFC 3986 unreserved characters kept). */
static void add_encoded(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            buf_add(b, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_add(b, e, 3);
        }
    }
}

static void add_param(buf_t *b, const char *name, const char *value)
{
    if (!value)
        return;
    buf_add(b, b->len && memchr(b->ptr, '?', b->len) ? "&" : "?", 1);
    buf_add(b, name, strlen(name));
    buf_add(b, "=", 1);
    add_encoded(b, value);
}

/* Parses, checks --site, the kind options and the environment, and finds the app; the
 * request's path up to /storage in b. 0, or the exit code. */
static int setup(const char *verb, int argc, char **argv, const char **pos, int maxpos, int *npos, arena_t *a, buf_t *b)
{
    int rc = cli_parse(cli_find("storage", verb), argc, argv, pos, maxpos, npos);
    if (rc)
        return rc < 0 ? 2 : -1;
    const char *env = env_opt ? env_opt : "development";
    if (!site_opt) {
        fprintf(stderr, "kiln: storage needs --site NAME: storage belongs to an installation\n");
        return 2;
    }
    if (!app_env_key_valid(env)) {
        fprintf(stderr, "kiln: invalid environment '%s'\n", env);
        return 2;
    }
    if (secret_flag && entity_opt) {
        fprintf(stderr, "kiln: --secret and --entity name different kinds of key; give one\n");
        return 2;
    }
    const char *app = cli_app_of_dir(a, app_dir_opt ? app_dir_opt : ".");
    if (!app)
        return 1;
    buf_add(b, "/admin/v1/sites/", 16);
    add_encoded(b, site_opt);
    buf_add(b, "/installations/", 15);
    buf_add(b, app, strlen(app));
    buf_add(b, "/", 1);
    buf_add(b, env, strlen(env));
    buf_add(b, "/storage", 8);
    return 0;
}

static const char *kind_name(void)
{
    return secret_flag ? "secret" : entity_opt ? "entity" : "plain";
}

static void add_kind(buf_t *b)
{
    add_param(b, "kind", kind_name());
    add_param(b, "entity", entity_opt);
}

/* A value printed on one line: compact JSON, or ******** for a masked secret. */
static void print_value(json_t *item)
{
    if (json_is_true(json_object_get(item, "masked"))) {
        printf("********");
        return;
    }
    char *s = json_dumps(json_object_get(item, "value"), JSON_COMPACT | JSON_ENCODE_ANY);
    printf("%s", s ? s : "null");
    free(s);
}

/* ---------------------------------------------------------------- list, query */

static int list(const char *verb, int argc, char **argv)
{
    const char *pos[1];
    int npos, result;
    arena_t *a = arena_new(8u * 1024 * 1024);
    buf_t base, path;
    buf_init(&base, 1u << 20);
    buf_init(&path, 1u << 20);
    json_t *all = json_array();
    result = setup(verb, argc, argv, pos, strcmp(verb, "query") == 0 ? 1 : 0, &npos, a, &base);
    if (result) {
        result = result < 0 ? 0 : result;
        goto out;
    }
    const char *prefix = prefix_opt;
    if (strcmp(verb, "query") == 0) {
        if (npos != 1) {
            fprintf(stderr, "kiln: usage: kiln storage query PREFIX --site NAME [--secret | --entity NAME]\n");
            result = 2;
            goto out;
        }
        prefix = pos[0];
    }
    const char *cursor = cursor_opt;
    int shown_header = 0, pages = 0;
    for (;;) {
        buf_reset(&path);
        buf_add(&path, base.ptr, base.len);
        add_kind(&path);
        add_param(&path, "prefix", prefix);
        add_param(&path, "cursor", cursor);
        add_param(&path, "limit", limit_opt);
        add_param(&path, "showSecrets", show_secrets ? "true" : NULL);
        json_t *resp = NULL;
        long status = client_call(&conn, "GET", path.ptr, NULL, &resp);
        if (status != 200) {
            result = status < 0 ? 1 : client_fail(status, resp); /* it frees resp */
            goto out;
        }
        json_t *items = json_object_get(resp, "items"), *it;
        const char *next = json_string_value(json_object_get(resp, "cursor"));
        size_t i;
        if (json_out && !all_flag) {
            cli_print_json(resp);
        } else if (json_out) {
            json_array_extend(all, items);
        } else {
            if (!shown_header && json_array_size(items))
                printf("%-40s %s\n", "key", "value");
            shown_header |= json_array_size(items) > 0;
            json_array_foreach(items, i, it)
            {
                printf("%-40s ", json_string_value(json_object_get(it, "key")));
                print_value(it);
                printf("\n");
            }
            if (!pages && !next && json_array_size(items) == 0)
                printf("No %s%s%s keys%s%s.\n", kind_name(), entity_opt ? " " : "", entity_opt ? entity_opt : "",
                       prefix ? " starting with " : "", prefix ? prefix : "");
        }
        pages++;
        if (!next || !all_flag || json_array_size(all) >= LIST_ALL_MAX) {
            if (next && !json_out)
                fprintf(stderr, "(more: --cursor '%s', or --all)\n", next);
            json_decref(resp);
            break;
        }
        cursor = arena_strdup(a, next);
        json_decref(resp);
    }
    if (json_out && all_flag) {
        json_t *o = json_pack("{s:O}", "items", all);
        cli_print_json(o);
        json_decref(o);
    }
    result = 0;
out:
    json_decref(all);
    buf_free(&base);
    buf_free(&path);
    arena_free(a);
    return result;
}

int cmd_storage_list(int argc, char **argv)
{
    return list("list", argc, argv);
}

int cmd_storage_query(int argc, char **argv)
{
    return list("query", argc, argv);
}

/* ---------------------------------------------------------------- get, delete */

static int one(const char *verb, const char *method, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    arena_t *a = arena_new(8u * 1024 * 1024);
    buf_t path;
    buf_init(&path, 1u << 20);
    int result = setup(verb, argc, argv, pos, 1, &npos, a, &path);
    if (result) {
        result = result < 0 ? 0 : result;
        goto out;
    }
    if (npos != 1) {
        fprintf(stderr, "kiln: usage: kiln storage %s KEY --site NAME [--secret | --entity NAME]\n", verb);
        result = 2;
        goto out;
    }
    buf_add(&path, "/item", 5);
    add_param(&path, "key", pos[0]);
    add_kind(&path);
    add_param(&path, "showSecrets", show_secrets ? "true" : NULL);
    json_t *resp = NULL;
    long status = client_call(&conn, method, path.ptr, NULL, &resp);
    if (status != 200) {
        result = status < 0 ? 1 : client_fail(status, resp); /* it frees resp */
        goto out;
    }
    if (json_out) {
        cli_print_json(resp);
    } else if (strcmp(verb, "get") == 0) {
        print_value(resp);
        printf("\n");
        if (json_is_true(json_object_get(resp, "masked")))
            fprintf(stderr, "(a secret: --show-secrets shows it)\n");
    } else {
        printf("Deleted %s %s\n", kind_name(), pos[0]);
    }
    json_decref(resp);
    result = 0;
out:
    buf_free(&path);
    arena_free(a);
    return result;
}

int cmd_storage_get(int argc, char **argv)
{
    return one("get", "GET", argc, argv);
}

int cmd_storage_delete(int argc, char **argv)
{
    return one("delete", "DELETE", argc, argv);
}

/* ---------------------------------------------------------------- set */

/* The --value-file text (heap, NUL-terminated), or NULL after printing why. */
static char *read_file_value(size_t *n)
{
    FILE *f = strcmp(file_opt, "-") == 0 ? stdin : fopen(file_opt, "rb");
    if (!f) {
        fprintf(stderr, "kiln: cannot read %s\n", file_opt);
        return NULL;
    }
    char *v = malloc(VALUE_FILE_MAX + 2);
    *n = v ? fread(v, 1, VALUE_FILE_MAX + 1, f) : 0;
    if (f != stdin)
        fclose(f);
    if (!v)
        return NULL;
    if (*n > VALUE_FILE_MAX) {
        fprintf(stderr, "kiln: the value in %s is over %u bytes (app storage takes 240 KiB)\n", file_opt,
                VALUE_FILE_MAX);
        free(v);
        return NULL;
    }
    v[*n] = '\0';
    return v;
}

int cmd_storage_set(int argc, char **argv)
{
    const char *pos[2];
    int npos;
    arena_t *a = arena_new(8u * 1024 * 1024);
    buf_t path;
    buf_init(&path, 1u << 20);
    char *text = NULL;
    json_t *value = NULL, *body = NULL;
    int result = setup("set", argc, argv, pos, 2, &npos, a, &path);
    if (result) {
        result = result < 0 ? 0 : result;
        goto out;
    }
    if (npos != (file_opt ? 1 : 2)) {
        fprintf(stderr, "kiln: usage: kiln storage set KEY VALUE_JSON | --value-file FILE  --site NAME "
                        "[--secret | --entity NAME]\n");
        result = 2;
        goto out;
    }
    result = 1;
    size_t n = 0;
    const char *src = file_opt ? (text = read_file_value(&n)) : pos[1];
    if (!src)
        goto out;
    if (!file_opt)
        n = strlen(src);
    json_error_t je;
    value = json_loadb(src, n, JSON_DECODE_ANY, &je);
    if (!value) {
        fprintf(stderr, "kiln: the value is not JSON (%s at character %d); a string is written \"in quotes\"\n",
                je.text, je.position);
        goto out;
    }
    buf_add(&path, "/item", 5);
    body = json_pack("{s:s,s:O,s:s,s:s?}", "key", pos[0], "value", value, "kind", kind_name(), "entity",
                     entity_opt ? entity_opt : NULL);
    if (!body) {
        fprintf(stderr, "kiln: the key is not UTF-8 text\n");
        goto out;
    }
    json_t *resp = NULL;
    long status = client_call(&conn, "PUT", path.ptr, body, &resp);
    body = NULL; /* client_call took it */
    if (status != 200) {
        result = status < 0 ? 1 : client_fail(status, resp); /* it frees resp */
        goto out;
    }
    if (json_out)
        cli_print_json(resp);
    else
        printf("Set %s %s\n", kind_name(), pos[0]);
    json_decref(resp);
    result = 0;
out:
    json_decref(body);
    json_decref(value);
    free(text);
    buf_free(&path);
    arena_free(a);
    return result;
}
