/* Unit tests for src/platform/manifest.h: a full realistic manifest, both scopes forms,
 * egress forms, unknown module types, every error with its exact "file:line:col: path:
 * message", the major key, handler resolution against a temporary app directory, the
 * hostile inputs in tests/fixtures/manifests/bad/ and every real-world manifest in
 * tests/fixtures/manifests/real/ (paths are relative to the repository root, where
 * `make unit` runs). Longer than kiln's 800 lines because most of it is the tables of
 * cases, one per error message of the manifest's public contract (YAML problems included,
 * as manifest_parse reports them); the YAML tree's own tests are tests/unit/test_yaml.c. */
#include "unit.h"

#include <dirent.h>
#include <jansson.h>
#include <sys/stat.h>

#include "auth/scopes.h"
#include "base/buf.h"
#include "platform/manifest.h"

#define FIXTURES "tests/fixtures/manifests"
#define ID "ari:cloud:ecosystem::app/0b3c9c6e-1b1a-4f0e-9a59-3a5d2c1e7f10"
/* APP is lines 1-4; FN is lines 5-8 after it. */
#define APP "app:\n  id: " ID "\n  runtime:\n    name: nodejs22.x\n"
#define FN "modules:\n  function:\n    - key: main\n      handler: index.run\n"
/* The rest of every unknown-scope message. */
#define UNKNOWN_SCOPE                                                                                                  \
    ": kiln knows Jira's scopes (platform, Software, DevOps; classic and granular) and Forge's storage:app, "          \
    "read:app-system-token, read:app-user-token, read:app-global-channel:realtime, read:me and read:account; a "       \
    "scope is a name, never a wildcard (docs/apps.md)"

static arena_t *A;

static int setup(void **state)
{
    (void)state;
    A = arena_new(64u << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    arena_free(A);
    A = NULL;
    return 0;
}

static int parse_n(const char *text, size_t len, const char *dir, manifest_t *m, manifest_err_t *e)
{
    *m = (manifest_t){0};
    return manifest_parse(A, "manifest.yml", text, len, dir, m, e);
}

static int parse_in(const char *yaml, const char *dir, manifest_t *m, manifest_err_t *e)
{
    return parse_n(yaml, strlen(yaml), dir, m, e);
}

static manifest_t ok_in(const char *yaml, const char *dir)
{
    manifest_t m;
    manifest_err_t e;
    if (parse_in(yaml, dir, &m, &e) != 0)
        fail_msg("unexpected error: %s\n--- input:\n%s", e.msg, yaml);
    assert_int_equal(e.code, MANIFEST_OK);
    return m;
}

static manifest_t ok(const char *yaml)
{
    return ok_in(yaml, NULL);
}

/* The message's "file:line:col:" agrees with err.line/err.col. */
static void check_pos(const manifest_err_t *e)
{
    unsigned line = 0, col = 0;
    const char *p = strchr(e->msg, ':');
    assert_non_null(p);
    assert_int_equal(sscanf(p, ":%u:%u:", &line, &col), 2);
    assert_int_equal(line, e->line);
    assert_int_equal(col, e->col);
    assert_null(strchr(e->msg, '\n'));
}

static void bad_in(const char *yaml, const char *dir, int code, const char *msg)
{
    manifest_t m;
    manifest_err_t e;
    if (parse_in(yaml, dir, &m, &e) == 0)
        fail_msg("parsed, but expected: %s\n--- input:\n%s", msg, yaml);
    assert_string_equal(e.msg, msg);
    assert_int_equal(e.code, code);
    check_pos(&e);
}

static void bad(const char *yaml, int code, const char *msg)
{
    bad_in(yaml, NULL, code, msg);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the *.yml / *.yaml files in dir (heap; caller frees). */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    *n = 0;
    if (!d)
        return NULL;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if ((l > 4 && !strcmp(de->d_name + l - 4, ".yml")) || (l > 5 && !strcmp(de->d_name + l - 5, ".yaml"))) {
            names = xrealloc(names, (*n + 1) * sizeof *names);
            names[(*n)++] = xstrdup(de->d_name);
        }
    }
    closedir(d);
    qsort(names, *n, sizeof *names, cmp_names);
    return names;
}

static void free_list(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* 1-based line and column of the first occurrence of needle in text. */
static void pos_of(const char *text, const char *needle, unsigned *line, unsigned *col)
{
    const char *at = strstr(text, needle);
    assert_non_null(at);
    *line = 1;
    const char *bol = text;
    for (const char *c = text; c < at; c++)
        if (*c == '\n') {
            (*line)++;
            bol = c + 1;
        }
    *col = (unsigned)(at - bol) + 1;
}

static void assert_pos(const char *text, const char *needle, unsigned line, unsigned col)
{
    unsigned l, c;
    pos_of(text, needle, &l, &c);
    assert_int_equal(line, l);
    assert_int_equal(col, c);
}

/* ================================================================ a full manifest */

static const char FULL[] = "# A realistic app: every supported module type, remotes, egress and UI modules.\n"
                           "app:\n"
                           "  id: " ID "\n"
                           "  runtime:\n"
                           "    name: nodejs20.x\n"
                           "    memoryMB: 256\n"
                           "  licensing:\n"
                           "    enabled: true\n"
                           "  features:\n"
                           "    autoUserConsent: true\n"
                           "  storage:\n"
                           "    entities:\n"
                           "      - name: ticket\n"
                           "        attributes:\n"
                           "          title:\n"
                           "            type: string\n"
                           "modules:\n"
                           "  function:\n"
                           "    - key: fetch-projects\n"
                           "      handler: index.run\n"
                           "      timeoutSeconds: 60\n"
                           "      runtime:\n"
                           "        memoryMB: 512\n"
                           "    - key: resolver\n"
                           "      handler: resolvers/index.handler\n"
                           "  webtrigger:\n"
                           "    - key: projects-hook\n"
                           "      function: fetch-projects\n"
                           "      urlFormat: v2\n"
                           "    - key: status\n"
                           "      function: fetch-projects\n"
                           "      response:\n"
                           "        type: static\n"
                           "        outputs:\n"
                           "          - key: ok\n"
                           "            statusCode: 200\n"
                           "            body: fine\n"
                           "    - key: dynamic-hook\n"
                           "      function: resolver\n"
                           "      response:\n"
                           "        type: dynamic\n"
                           "  trigger:\n"
                           "    - key: on-issue\n"
                           "      function: fetch-projects\n"
                           "      events:\n"
                           "        - avi:jira:created:issue\n"
                           "        - eventType: avi:jira:updated:issue\n"
                           "          filter:\n"
                           "            ignoreSelf: true\n"
                           "      filter:\n"
                           "        ignoreSelf: true\n"
                           "    - key: on-install\n"
                           "      endpoint: lifecycle\n"
                           "      events: [avi:forge:installed:app]\n"
                           "  scheduledTrigger:\n"
                           "    - key: hourly\n"
                           "      function: fetch-projects\n"
                           "      interval: hour\n"
                           "    - key: nightly\n"
                           "      endpoint: report\n"
                           "      interval: day\n"
                           "  endpoint:\n"
                           "    - key: report\n"
                           "      remote: backend\n"
                           "      route:\n"
                           "        path: /report\n"
                           "      auth:\n"
                           "        appSystemToken:\n"
                           "          enabled: true\n"
                           "        appUserToken:\n"
                           "          enabled: true\n"
                           "    - key: lifecycle\n"
                           "      remote: backend\n"
                           "      route:\n"
                           "        path: /lifecycle\n"
                           "  jira:issueAction:\n"
                           "    - key: panel\n"
                           "      resource: main\n"
                           "      resolver:\n"
                           "        function: resolver\n"
                           "      title: Panel\n"
                           "  rovo:agent:\n"
                           "    - key: helper\n"
                           "      name: Helper\n"
                           "      prompt: Be helpful.\n"
                           "remotes:\n"
                           "  - key: backend\n"
                           "    baseUrl: https://backend.example.com\n"
                           "    operations: [storage, compute]\n"
                           "    auth:\n"
                           "      appSystemToken:\n"
                           "        enabled: true\n"
                           "  - key: local\n"
                           "    baseUrl: http://localhost:8080/api\n"
                           "resources:\n"
                           "  - key: main\n"
                           "    path: static/panel/build\n"
                           "permissions:\n"
                           "  SCOPES"
                           "  content:\n"
                           "    styles:\n"
                           "      - unsafe-inline\n"
                           "  external:\n"
                           "    fetch:\n"
                           "      backend:\n"
                           "        - api.example.com\n"
                           "        - address: '*.atlassian.net'\n"
                           "        - remote: backend\n"
                           "      client:\n"
                           "        - https://cdn.example.com\n"
                           "    images:\n"
                           "      - '*.gravatar.com'\n";

static const char SCOPES_LIST[] = "scopes:\n"
                                  "    - write:jira-work\n"
                                  "    - read:jira-work\n"
                                  "    - storage:app\n"
                                  "    - read:jira-work\n";
static const char SCOPES_MAP[] = "scopes:\n"
                                 "    storage:app: {}\n"
                                 "    read:jira-work:\n"
                                 "    write:jira-work:\n"
                                 "      allowImpersonation: true\n";

/* FULL with its SCOPES placeholder replaced. */
static char *full_with(const char *scopes)
{
    const char *at = strstr(FULL, "SCOPES");
    return arena_printf(A, "%.*s%s%s", (int)(at - FULL), FULL, scopes, at + 6);
}

static void test_full_manifest(void **state)
{
    (void)state;
    char *text = full_with(SCOPES_LIST);
    manifest_t m = ok(text);

    assert_string_equal(m.app_id, ID);
    assert_string_equal(m.runtime_name, "nodejs20.x");
    assert_int_equal(m.app_memory_mb, 256);
    assert_true(unit_contains(m.app_json, "\"licensing\":{\"enabled\":true}"));
    assert_true(unit_contains(m.app_json, "\"features\":{\"autoUserConsent\":true}"));
    assert_string_equal(m.storage_entities_json,
                        "[{\"name\":\"ticket\",\"attributes\":{\"title\":{\"type\":\"string\"}}}]");

    assert_int_equal(m.n_functions, 2);
    assert_string_equal(m.functions[0].key, "fetch-projects");
    assert_string_equal(m.functions[0].handler, "index.run");
    assert_string_equal(m.functions[0].file, "index");
    assert_string_equal(m.functions[0].export, "run");
    assert_null(m.functions[0].resolved_path);
    assert_int_equal(m.functions[0].timeout_s, 60);
    assert_int_equal(m.functions[0].memory_mb, 512);
    assert_pos(text, "key: fetch-projects", m.functions[0].line, m.functions[0].col);
    assert_string_equal(m.functions[1].file, "resolvers/index");
    assert_string_equal(m.functions[1].export, "handler");
    assert_int_equal(m.functions[1].timeout_s, 0);
    assert_int_equal(m.functions[1].memory_mb, 0);
    assert_ptr_equal(manifest_function(&m, "resolver"), &m.functions[1]);
    assert_null(manifest_function(&m, "nope"));

    assert_int_equal(m.n_webtriggers, 3);
    assert_string_equal(m.webtriggers[0].key, "projects-hook");
    assert_string_equal(m.webtriggers[0].function, "fetch-projects");
    assert_null(m.webtriggers[0].endpoint);
    assert_string_equal(m.webtriggers[0].url_format, "v2");
    assert_string_equal(m.webtriggers[0].response_type, "static");
    assert_null(m.webtriggers[0].outputs_json);
    assert_string_equal(m.webtriggers[1].response_type, "static");
    assert_string_equal(m.webtriggers[1].outputs_json, "[{\"key\":\"ok\",\"statusCode\":200,\"body\":\"fine\"}]");
    assert_null(m.webtriggers[1].url_format);
    assert_string_equal(m.webtriggers[2].response_type, "dynamic");
    assert_null(m.webtriggers[2].outputs_json);
    assert_pos(text, "key: dynamic-hook", m.webtriggers[2].line, m.webtriggers[2].col);

    assert_int_equal(m.n_triggers, 2);
    assert_string_equal(m.triggers[0].function, "fetch-projects");
    assert_int_equal(m.triggers[0].n_events, 2);
    assert_string_equal(m.triggers[0].events[0], "avi:jira:created:issue");
    assert_string_equal(m.triggers[0].events[1], "avi:jira:updated:issue");
    assert_string_equal(m.triggers[0].filter_json, "{\"ignoreSelf\":true}");
    assert_null(m.triggers[1].function);
    assert_string_equal(m.triggers[1].endpoint, "lifecycle");
    assert_int_equal(m.triggers[1].n_events, 1);
    assert_string_equal(m.triggers[1].events[0], "avi:forge:installed:app");
    assert_null(m.triggers[1].filter_json);

    assert_int_equal(m.n_scheduled, 2);
    assert_string_equal(m.scheduled[0].key, "hourly");
    assert_string_equal(m.scheduled[0].function, "fetch-projects");
    assert_string_equal(m.scheduled[0].interval, "hour");
    assert_string_equal(m.scheduled[1].endpoint, "report");
    assert_null(m.scheduled[1].function);
    assert_string_equal(m.scheduled[1].interval, "day");

    assert_int_equal(m.n_endpoints, 2);
    assert_string_equal(m.endpoints[0].key, "report");
    assert_string_equal(m.endpoints[0].remote, "backend");
    assert_string_equal(m.endpoints[0].route_path, "/report");
    assert_true(m.endpoints[0].auth_app_system_token);
    assert_true(m.endpoints[0].auth_app_user_token);
    assert_string_equal(m.endpoints[1].route_path, "/lifecycle");
    assert_false(m.endpoints[1].auth_app_system_token);
    assert_false(m.endpoints[1].auth_app_user_token);

    assert_int_equal(m.n_unsupported, 2);
    assert_string_equal(m.unsupported[0].type, "jira:issueAction");
    assert_string_equal(m.unsupported[0].key, "panel");
    assert_string_equal(
        m.unsupported[0].json,
        "{\"key\":\"panel\",\"resource\":\"main\",\"resolver\":{\"function\":\"resolver\"},\"title\":\"Panel\"}");
    assert_pos(text, "key: panel", m.unsupported[0].line, m.unsupported[0].col);
    assert_string_equal(m.unsupported[1].type, "rovo:agent");
    assert_string_equal(m.unsupported[1].key, "helper");

    assert_int_equal(m.n_remotes, 2);
    assert_string_equal(m.remotes[0].key, "backend");
    assert_string_equal(m.remotes[0].base_url, "https://backend.example.com");
    assert_null(m.remotes[0].base_url_json);
    assert_int_equal(m.remotes[0].n_operations, 2);
    assert_string_equal(m.remotes[0].operations[0], "storage");
    assert_string_equal(m.remotes[0].operations[1], "compute");
    assert_true(m.remotes[0].auth_app_system_token);
    assert_false(m.remotes[0].auth_app_user_token);
    assert_string_equal(m.remotes[1].base_url, "http://localhost:8080/api");
    assert_int_equal(m.remotes[1].n_operations, 0);

    assert_int_equal(m.n_resources, 1);
    assert_string_equal(m.resources[0].key, "main");
    assert_string_equal(m.resources[0].path, "static/panel/build");

    assert_int_equal(m.n_scopes, 3);
    assert_string_equal(m.scopes[0], "read:jira-work");
    assert_string_equal(m.scopes[1], "storage:app");
    assert_string_equal(m.scopes[2], "write:jira-work");

    assert_int_equal(m.n_fetch_backend, 3);
    assert_string_equal(m.fetch_backend[0].address, "api.example.com");
    assert_null(m.fetch_backend[0].remote);
    assert_string_equal(m.fetch_backend[1].address, "*.atlassian.net");
    assert_null(m.fetch_backend[2].address);
    assert_string_equal(m.fetch_backend[2].remote, "backend");
    assert_pos(text, "remote: backend\n      client", m.fetch_backend[2].line, m.fetch_backend[2].col);
    assert_int_equal(m.n_fetch_client, 1);
    assert_string_equal(m.fetch_client[0].address, "https://cdn.example.com");
    assert_string_equal(m.content_json, "{\"styles\":[\"unsafe-inline\"]}");
    assert_true(unit_contains(m.external_json, "\"images\":[\"*.gravatar.com\"]"));

    /* canonical JSON: the whole document, keys in document order */
    json_error_t je;
    json_t *doc = json_loadb(m.canonical_json, m.canonical_len, 0, &je);
    assert_non_null(doc);
    assert_int_equal(strlen(m.canonical_json), m.canonical_len);
    assert_true(!strncmp(m.canonical_json, "{\"app\":{\"id\":\"" ID "\"", 14 + strlen(ID)));
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "app"), "id")), ID);
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "modules"), "function")), 2);
    json_decref(doc);

    assert_string_equal(
        manifest_major_key(&m),
        "{\"dynamicWebtrigger\":true,"
        "\"external\":{\"fetch\":{\"backend\":[\"*.atlassian.net\",\"api.example.com\",\"remote:backend\"],"
        "\"client\":[\"https://cdn.example.com\"]},\"images\":[\"*.gravatar.com\"]},"
        "\"remotes\":[{\"auth\":{\"appSystemToken\":true,\"appUserToken\":false},"
        "\"baseUrl\":\"https://backend.example.com\",\"key\":\"backend\",\"operations\":[\"compute\",\"storage\"]},"
        "{\"auth\":{\"appSystemToken\":false,\"appUserToken\":false},\"baseUrl\":\"http://localhost:8080/api\","
        "\"key\":\"local\",\"operations\":[]}],"
        "\"scopes\":[\"read:jira-work\",\"storage:app\",\"write:jira-work\"]}");

    /* the same manifest with the map form of scopes */
    manifest_t mm = ok(full_with(SCOPES_MAP));
    assert_int_equal(mm.n_scopes, 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(mm.scopes[i], m.scopes[i]);
    /* ... whose allowImpersonation on write:jira-work is a grant the list form lacks: a
       major of its own (test_impersonation_scopes) */
    assert_int_equal(mm.n_imp_scopes, 1);
    assert_string_not_equal(mm.major_key, m.major_key);
    assert_true(unit_contains(mm.major_key, "\"impersonation\":[\"write:jira-work\"],\"remotes\""));
    assert_string_not_equal(mm.canonical_json, m.canonical_json);
}

static void test_deterministic(void **state)
{
    (void)state;
    char *text = full_with(SCOPES_LIST);
    manifest_t a = ok(text), b = ok(text);
    assert_string_equal(a.canonical_json, b.canonical_json);
    assert_string_equal(a.major_key, b.major_key);
    /* the same error twice */
    manifest_err_t e1, e2;
    manifest_t m;
    assert_int_equal(parse_in(APP "modules:\n  webtrigger:\n    - key: w\n      function: nope\n", NULL, &m, &e1), -1);
    assert_int_equal(parse_in(APP "modules:\n  webtrigger:\n    - key: w\n      function: nope\n", NULL, &m, &e2), -1);
    assert_string_equal(e1.msg, e2.msg);
}

/* ================================================================ scopes and egress */

static void test_scopes_forms(void **state)
{
    (void)state;
    manifest_t m = ok(APP FN "permissions:\n  scopes:\n    - key: write:jira-work\n    - read:jira-work\n"
                             "    - key: read:jira-work\n");
    assert_int_equal(m.n_scopes, 2);
    assert_string_equal(m.scopes[0], "read:jira-work");
    assert_string_equal(m.scopes[1], "write:jira-work");

    m = ok(APP FN "permissions:\n  scopes: {write:jira-work: {allowImpersonation: false}, storage:app: {}, "
                  "read:app-system-token: null}\n");
    assert_int_equal(m.n_scopes, 3);
    assert_string_equal(m.scopes[0], "read:app-system-token");
    assert_string_equal(m.scopes[1], "storage:app");
    assert_string_equal(m.scopes[2], "write:jira-work");

    /* granular Jira scopes and every Forge platform scope kiln accepts */
    m = ok(APP FN "permissions:\n  scopes:\n    - read:project:jira\n    - write:issue:jira\n"
                  "    - read:app-user-token\n    - read:app-global-channel:realtime\n");
    assert_int_equal(m.n_scopes, 4);
    assert_string_equal(m.scopes[0], "read:app-global-channel:realtime");
    assert_string_equal(m.scopes[3], "write:issue:jira");

    m = ok(APP FN "permissions:\n  scopes: []\n");
    assert_int_equal(m.n_scopes, 0);
    m = ok(APP FN);
    assert_int_equal(m.n_scopes, 0);
    assert_null(m.external_json);
    assert_null(m.content_json);
    assert_string_equal(m.major_key, "{\"dynamicWebtrigger\":false,\"external\":{},\"remotes\":[],\"scopes\":[]}");
}

static void test_egress_forms(void **state)
{
    (void)state;
    manifest_t m = ok(APP FN "remotes:\n  - key: r1\n    baseUrl: https://r1.example.com\n"
                             "permissions:\n  external:\n    fetch:\n      backend:\n"
                             "        - 'https://*.example.com/path'\n"
                             "        - {address: api.example.org, category: analytics, inScopeEUD: false}\n"
                             "        - {remote: r1}\n"
                             "      client: [{remote: r1}, '*.cdn.net']\n"
                             "    frames: ['https://frames.example.com']\n"
                             "    fonts: [{address: fonts.example.com}]\n"
                             "    scripts: [scripts.example.com]\n"
                             "    styles: [styles.example.com]\n"
                             "    media: [media.example.com]\n"
                             "    navigation: [nav.example.com]\n"
                             "    configurable: {enabled: true}\n");
    assert_int_equal(m.n_fetch_backend, 3);
    assert_string_equal(m.fetch_backend[0].address, "https://*.example.com/path");
    assert_string_equal(m.fetch_backend[1].address, "api.example.org");
    assert_string_equal(m.fetch_backend[2].remote, "r1");
    assert_int_equal(m.n_fetch_client, 2);
    assert_string_equal(m.fetch_client[0].remote, "r1");
    assert_string_equal(m.fetch_client[1].address, "*.cdn.net");
    assert_true(unit_contains(m.external_json, "\"frames\":[\"https://frames.example.com\"]"));
    assert_true(unit_contains(m.major_key, "\"configurable\":true"));
    assert_true(unit_contains(m.major_key, "\"fonts\":[\"fonts.example.com\"]"));
    assert_true(unit_contains(m.major_key, "\"navigation\":[\"nav.example.com\"]"));
    assert_true(unit_contains(m.major_key, "\"client\":[\"*.cdn.net\",\"remote:r1\"]"));

    /* empty lists and a disabled `configurable` grant nothing */
    manifest_t e = ok(APP FN "permissions:\n  external:\n    fetch:\n      backend: []\n    images: []\n"
                             "    configurable: {enabled: false}\n");
    assert_string_equal(e.major_key, "{\"dynamicWebtrigger\":false,\"external\":{},\"remotes\":[],\"scopes\":[]}");
}

static void test_unsupported_modules_kept(void **state)
{
    (void)state;
    const char *text =
        APP "modules:\n"
            "  jira:issueActivity:\n    - key: q\n      queue: work\n      resolver: {function: main, method: go}\n"
            "  jira:projectSettingsPage:\n    - key: page\n      title: Page\n"
            "  jira:issueAction:\n    - key: admin\n      title: Admin\n"
            "  action:\n    - key: act\n      function: not-checked\n"
            "  macro:\n    - key: mac\n      title: Macro\n"
            "  some:futureModule:\n    - key: future\n      anything: [1, 2, {x: y}]\n"
            "  function:\n    - key: main\n      handler: index.run\n";
    manifest_t m = ok(text);
    assert_int_equal(m.n_unsupported, 6);
    const char *types[] = {"jira:issueActivity", "jira:projectSettingsPage", "jira:issueAction", "action", "macro",
                           "some:futureModule"};
    const char *keys[] = {"q", "page", "admin", "act", "mac", "future"};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(m.unsupported[i].type, types[i]);
        assert_string_equal(m.unsupported[i].key, keys[i]);
    }
    assert_string_equal(m.unsupported[0].json,
                        "{\"key\":\"q\",\"queue\":\"work\",\"resolver\":{\"function\":\"main\",\"method\":\"go\"}}");
    assert_string_equal(m.unsupported[5].json, "{\"key\":\"future\",\"anything\":[1,2,{\"x\":\"y\"}]}");
    assert_pos(text, "key: future", m.unsupported[5].line, m.unsupported[5].col);
    assert_int_equal(m.n_functions, 1);
}

static void test_consumers(void **state)
{
    (void)state;
    manifest_t m =
        ok(APP FN "  consumer:\n    - key: by-fn\n      queue: work_1-a\n      function: main\n"
                  "    - key: by-resolver\n      queue: work\n      resolver: {function: main, method: on-work}\n");
    assert_int_equal(m.n_consumers, 2);
    assert_int_equal(m.n_unsupported, 0);
    assert_string_equal(m.consumers[0].queue, "work_1-a");
    assert_string_equal(m.consumers[0].function, "main");
    assert_null(m.consumers[0].method);
    assert_string_equal(m.consumers[1].function, "main");
    assert_string_equal(m.consumers[1].method, "on-work");
    const char *q37 =
        APP FN "  consumer:\n    - key: c\n      queue: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n      function: main\n";
    bad(q37, MANIFEST_ESCHEMA,
        "manifest.yml:11:14: modules.consumer[0].queue: invalid queue key \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": "
        "use "
        "letters, digits, '_' and '-' (at most 36)");
    bad(APP FN "  consumer:\n    - key: c\n      queue: a.b\n      function: main\n", MANIFEST_ESCHEMA,
        "manifest.yml:11:14: modules.consumer[0].queue: invalid queue key \"a.b\": use letters, digits, '_' and '-' "
        "(at "
        "most 36)");
    bad(APP FN "  consumer:\n    - key: c\n      function: main\n", MANIFEST_ESCHEMA,
        "manifest.yml:10:7: modules.consumer[0]: missing required field \"queue\"");
    bad(APP FN "  consumer:\n    - key: c\n      queue: q\n", MANIFEST_ESCHEMA,
        "manifest.yml:10:7: modules.consumer[0]: missing required field \"function\"");
    bad(APP FN "  consumer:\n    - key: c\n      queue: q\n      resolver: {function: main}\n", MANIFEST_ESCHEMA,
        "manifest.yml:12:17: modules.consumer[0].resolver: missing required field \"method\"");
    bad(APP FN "  consumer:\n    - key: c\n      queue: q\n      resolver: {function: main, method: a b}\n",
        MANIFEST_ESCHEMA,
        "manifest.yml:12:42: modules.consumer[0].resolver.method: invalid method key \"a b\": use letters, digits, '_' "
        "and '-' (at most 255)");
    bad(APP FN "  consumer:\n    - key: c\n      queue: q\n      resolver: {workflow: w}\n", MANIFEST_ESCHEMA,
        "manifest.yml:12:17: modules.consumer[0].resolver: a workflow resolver is not run by kiln; use a function");
    bad(APP FN
        "  consumer:\n    - key: c\n      queue: q\n      function: main\n      resolver: {function: main, method: "
        "m}\n",
        MANIFEST_ESCHEMA,
        "manifest.yml:13:17: modules.consumer[0].resolver: has \"resolver\" and \"function\" or \"endpoint\"; use one");
    bad(APP FN "  consumer:\n    - key: c\n      queue: q\n      resolver: {function: nope, method: m}\n",
        MANIFEST_EREF, "manifest.yml:12:28: modules.consumer[0].resolver.function: no function with key \"nope\"");
    manifest_t ev = ok(APP FN "  event:\n    - key: done\n      name: Done\n      allowedRecipients: ['*']\n");
    assert_int_equal(ev.n_events, 1);
    assert_int_equal(ev.n_unsupported, 0);
    assert_string_equal(ev.events[0].name, "Done");
    bad(APP FN "  event:\n    - key: done\n      name: Done\n", MANIFEST_ESCHEMA,
        "manifest.yml:10:7: modules.event[0]: missing required field \"allowedRecipients\"");
    bad(APP FN "  consumer:\n    - key: c\n      queue: q\n      function: nope\n", MANIFEST_EREF,
        "manifest.yml:12:17: modules.consumer[0].function: no function with key \"nope\"");
}

static void test_app_id_rules(void **state)
{
    (void)state;
    const char *noid = "app:\n  runtime:\n    name: nodejs24.x\n" FN;
    bad(noid, MANIFEST_ESCHEMA, "manifest.yml:2:3: app: missing required field \"id\"");
    manifest_t m = {.allow_missing_id = 1};
    manifest_err_t e;
    assert_int_equal(manifest_parse(A, "manifest.yml", noid, strlen(noid), NULL, &m, &e), 0);
    assert_null(m.app_id);
    assert_string_equal(m.runtime_name, "nodejs24.x");
    assert_int_equal(m.allow_missing_id, 1);
    /* when allowed (register), a placeholder or foreign id is kept aside for register to
     * replace; a deploy (not allowed) refuses it */
    const char *badid = "app:\n  id: ari:cloud:ecosystem::app/not-a-uuid\n  runtime:\n    name: nodejs22.x\n" FN;
    bad(badid, MANIFEST_ESCHEMA,
        "manifest.yml:2:7: app.id: \"ari:cloud:ecosystem::app/not-a-uuid\" is not an app id "
        "(ari:cloud:ecosystem::app/<uuid>; kiln register gives the app one)");
    const char *ids[] = {"ari:cloud:ecosystem::app/", "ari:cloud:ecosystem::app/not-a-uuid", "my-app", "''"};
    const char *kept[] = {"ari:cloud:ecosystem::app/", "ari:cloud:ecosystem::app/not-a-uuid", "my-app", ""};
    for (size_t i = 0; i < 4; i++) {
        char text[512];
        snprintf(text, sizeof text, "app:\n  id: %s\n  runtime:\n    name: nodejs22.x\n" FN, ids[i]);
        m = (manifest_t){.allow_missing_id = 1};
        if (manifest_parse(A, "manifest.yml", text, strlen(text), NULL, &m, &e) != 0)
            fail_msg("%s: %s", ids[i], e.msg);
        assert_null(m.app_id);
        assert_string_equal(m.foreign_id, kept[i]);
    }
    bad("app:\n  id: ari:cloud:ecosystem::app/\n  runtime:\n    name: nodejs22.x\n" FN, MANIFEST_ESCHEMA,
        "manifest.yml:2:7: app.id: \"ari:cloud:ecosystem::app/\" is not an app id (ari:cloud:ecosystem::app/<uuid>; "
        "kiln register gives the app one)");
    /* a kiln id stays the app id; `id:` with nothing is missing; other types stay errors */
    m = (manifest_t){.allow_missing_id = 1};
    const char *own = APP FN;
    assert_int_equal(manifest_parse(A, "manifest.yml", own, strlen(own), NULL, &m, &e), 0);
    assert_string_equal(m.app_id, ID);
    assert_null(m.foreign_id);
    m = (manifest_t){.allow_missing_id = 1};
    const char *empty = "app:\n  id:\n  runtime:\n    name: nodejs22.x\n" FN;
    assert_int_equal(manifest_parse(A, "manifest.yml", empty, strlen(empty), NULL, &m, &e), 0);
    assert_null(m.app_id);
    assert_null(m.foreign_id);
    /* `app:` with nothing under it: register fills it in; deploy refuses it */
    const char *bare = FN "app:\n";
    bad(bare, MANIFEST_ESCHEMA, "manifest.yml:5:5: app: expected a mapping, found null");
    m = (manifest_t){.allow_missing_id = 1};
    assert_int_equal(manifest_parse(A, "manifest.yml", bare, strlen(bare), NULL, &m, &e), 0);
    assert_null(m.app_id);
    assert_string_equal(m.runtime_name, "sandbox");
    assert_int_equal(m.n_warnings, 1);
    assert_string_equal(m.warnings[0].path, "app");
    m = (manifest_t){.allow_missing_id = 1};
    const char *num = "app:\n  id: 12\n  runtime:\n    name: nodejs22.x\n" FN;
    assert_int_equal(manifest_parse(A, "manifest.yml", num, strlen(num), NULL, &m, &e), -1);
    assert_string_equal(e.msg, "manifest.yml:2:7: app.id: expected a string, found an integer");
}

/* ================================================================ warnings */

/* Parses with the given Node version and checks the formatted warnings, all of them. */
static manifest_t warns(const char *yaml, const char *node, const char *const *want)
{
    manifest_t m = {.node_version = node};
    manifest_err_t e;
    if (manifest_parse(A, "manifest.yml", yaml, strlen(yaml), NULL, &m, &e) != 0)
        fail_msg("unexpected error: %s\n--- input:\n%s", e.msg, yaml);
    size_t n = 0;
    while (want[n])
        n++;
    for (size_t i = 0; i < m.n_warnings || i < n; i++) {
        char line[1200] = "(none)";
        if (i < m.n_warnings)
            manifest_warning_format(&m.warnings[i], "manifest.yml", line, sizeof line);
        if (i >= n || strcmp(line, want[i]))
            fail_msg("warning %zu: got\n  %s\nwant\n  %s", i, line, i < n ? want[i] : "(none)");
    }
    return m;
}

#define DEPRECATED(name, node)                                                                                         \
    ": app.runtime.name: Forge has deprecated the " name " runtime (its schema accepts nodejs20.x, nodejs22.x or "     \
    "nodejs24.x); kiln runs this app on " node

static void test_runtime_warnings(void **state)
{
    (void)state;
    const char *none[] = {NULL};
    /* Forge's names on the Node kiln runs: no warning; on another major: one */
    warns("app:\n  id: " ID "\n  runtime:\n    name: nodejs20.x\n" FN, "v20.20.2", none);
    warns("app:\n  id: " ID "\n  runtime:\n    name: nodejs22.x\n" FN, NULL, none);
    manifest_t m = warns(APP FN, "v20.20.2",
                         (const char *const[]){"manifest.yml:4:11: app.runtime.name: kiln runs this app on Node.js "
                                               "v20.20.2, not on nodejs22",
                                               NULL});
    assert_string_equal(m.runtime_name, "nodejs22.x");
    /* deprecated names, with the Node version the server knows, or without */
    m = warns("app:\n  id: " ID "\n  runtime:\n    name: nodejs18.x\n" FN, "v20.20.2",
              (const char *const[]){"manifest.yml:4:11" DEPRECATED("nodejs18.x", "Node.js v20.20.2"), NULL});
    assert_string_equal(m.runtime_name, "nodejs18.x");
    warns("app:\n  id: " ID "\n  runtime: {name: nodejs16.x, memoryMB: 256}\n" FN, "v22.1.0",
          (const char *const[]){"manifest.yml:3:19" DEPRECATED("nodejs16.x", "Node.js v22.1.0"), NULL});
    warns("app:\n  id: " ID "\n  runtime:\n    name: sandbox\n" FN, NULL,
          (const char *const[]){"manifest.yml:4:11" DEPRECATED("sandbox", "the Node.js kiln's workers run"), NULL});
    /* no runtime (sandbox-era apps), or no name: Forge's default, sandbox */
    m = warns("app:\n  id: " ID "\n" FN, "v20.20.2",
              (const char *const[]){"manifest.yml:2:3: app: no runtime: Forge's default is its legacy sandbox "
                                    "runtime, which it has deprecated; kiln runs this app on Node.js v20.20.2 (name "
                                    "nodejs20.x, nodejs22.x or nodejs24.x)",
                                    NULL});
    assert_string_equal(m.runtime_name, "sandbox");
    m = warns("app:\n  id: " ID "\n  runtime:\n    memoryMB: 512\n" FN, "v20.20.2",
              (const char *const[]){"manifest.yml:4:5: app.runtime: no name: Forge's default is its legacy sandbox "
                                    "runtime, which it has deprecated; kiln runs this app on Node.js v20.20.2 (name "
                                    "nodejs20.x, nodejs22.x or nodejs24.x)",
                                    NULL});
    assert_string_equal(m.runtime_name, "sandbox");
    assert_int_equal(m.app_memory_mb, 512);
}

static void test_module_warnings(void **state)
{
    (void)state;
    const char *text = "app:\n  id: " ID "\n  runtime:\n    name: nodejs18.x\n"
                       "modules:\n"
                       "  jira:issueAction:\n    - key: panel\n      resource: main\n      title: P\n"
                       "  function:\n    - key: main\n      handler: index.run\n"
                       "  jira:issueActivity:\n    - key: q1\n      queue: a\n    - key: q2\n      queue: b\n"
                       "  webtrigger:\n    - key: hook\n      function: main\n"
                       "connectModules:\n  jira:lifecycle:\n    - key: lc\n      installed: /i\n"
                       "  odd: 3\n";
    manifest_t m =
        warns(text, "v20.20.2",
              (const char *const[]){
                  "manifest.yml:4:11" DEPRECATED("nodejs18.x", "Node.js v20.20.2"),
                  "manifest.yml:7:7: modules.jira:issueAction[0] (key panel): not run by kiln yet",
                  "manifest.yml:14:7: modules.jira:issueActivity[0] (key q1): not run by kiln yet",
                  "manifest.yml:16:7: modules.jira:issueActivity[1] (key q2): not run by kiln yet",
                  "manifest.yml:23:7: connectModules.jira:lifecycle[0] (key lc): a Connect module; not run by kiln",
                  "manifest.yml:25:8: connectModules.odd: a Connect module; not run by kiln", NULL});
    /* the modules kiln runs are still there */
    assert_int_equal(m.n_functions, 1);
    assert_int_equal(m.n_webtriggers, 1);
    assert_int_equal(m.n_unsupported, 3);
    assert_string_equal(m.warnings[1].path, "modules.jira:issueAction[0]");
    assert_string_equal(m.warnings[1].key, "panel");
    assert_string_equal(m.warnings[1].message, "not run by kiln yet");
    assert_null(m.warnings[0].key);
    /* the cap: 100 modules of a type kiln does not run, 100 warnings; 101 stay an error */
    buf_t b;
    buf_init(&b, 1 << 20);
    buf_printf(&b, "%s%s  jira:issueActivity:\n", APP, FN);
    for (int i = 0; i < 100; i++)
        buf_printf(&b, "    - key: c%d\n      queue: q\n", i);
    m = ok(b.ptr);
    assert_int_equal(m.n_warnings, 100);
    assert_string_equal(m.warnings[99].key, "c99");
    buf_printf(&b, "    - key: c100\n      queue: q\n");
    bad(b.ptr, MANIFEST_ELIMIT,
        "manifest.yml:10:5: modules.jira:issueActivity: more than 100 modules of type \"jira:issueActivity\"");
    buf_free(&b);
}

/* A trigger's events and an app's trigger modules are capped at what the fan-out keeps
 * (64 each): more fails the deploy naming the limit, never a silent truncation. */
static void test_trigger_limits(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 1 << 20);
    buf_printf(&b, "%s%s  trigger:\n    - key: t0\n      function: main\n      events:\n", APP, FN);
    for (int i = 0; i < 64; i++)
        buf_printf(&b, "        - avi:jira:created:issue\n");
    manifest_t m = ok(b.ptr);
    assert_int_equal(m.triggers[0].n_events, 64);
    buf_printf(&b, "        - avi:jira:created:issue\n");
    bad(b.ptr, MANIFEST_ELIMIT,
        "manifest.yml:13:9: modules.trigger[0].events: more than 64 events (kiln's limit per trigger)");
    buf_free(&b);

    buf_init(&b, 1 << 20);
    buf_printf(&b, "%s%s  trigger:\n", APP, FN);
    for (int i = 0; i < 64; i++)
        buf_printf(&b, "    - key: t%d\n      function: main\n      events: [avi:jira:created:issue]\n", i);
    m = ok(b.ptr);
    assert_int_equal(m.n_triggers, 64);
    buf_printf(&b, "    - key: t64\n      function: main\n      events: [avi:jira:created:issue]\n");
    bad(b.ptr, MANIFEST_ELIMIT,
        "manifest.yml:202:7: modules.trigger[64]: more than 64 trigger modules (kiln's limit per app)");
    buf_free(&b);
}

/* ================================================================ YAML typing and canonical JSON */

static void test_scalar_typing(void **state)
{
    (void)state;
    manifest_t m =
        ok(APP FN "extra:\n"
                  "  i: 42\n  neg: -7\n  hex: 0x1F\n  oct: 0o17\n  f: 1.5\n  e: 1e3\n  big: 123456789012345678901234\n"
                  "  t: true\n  F: False\n  n: ~\n  n2: null\n  empty:\n"
                  "  s: '42'\n  s2: \"true\"\n  inf: .inf\n  ver: 2.4.0\n  yes: yes\n  tagged: !!str 12\n"
                  "  bang: ! 12\n  folded: >\n    a\n    b\n  literal: |\n    a\n    b\n"
                  "  esc: \"tab\\tquote\\\"end\"\n");
    const char *want =
        "\"extra\":{\"i\":42,\"neg\":-7,\"hex\":31,\"oct\":15,\"f\":1.5,\"e\":1000.0,"
        "\"big\":1.2345678901234569e23,\"t\":true,\"F\":false,\"n\":null,\"n2\":null,\"empty\":null,"
        "\"s\":\"42\",\"s2\":\"true\",\"inf\":\".inf\",\"ver\":\"2.4.0\",\"yes\":\"yes\",\"tagged\":\"12\","
        "\"bang\":\"12\",\"folded\":\"a b\\n\",\"literal\":\"a\\nb\\n\",\"esc\":\"tab\\tquote\\\"end\"}";
    if (!unit_contains(m.canonical_json, want))
        fail_msg("canonical JSON:\n%s\nwants:\n%s", m.canonical_json, want);
}

static void test_utf8_bom_and_flow_style(void **state)
{
    (void)state;
    manifest_t m = ok("\xEF\xBB\xBF" APP FN);
    assert_string_equal(m.app_id, ID);
    assert_int_equal(m.functions[0].line, 7);
    assert_int_equal(m.functions[0].col, 7);
    /* the whole manifest in flow style, with an explicit document start and end */
    m = ok("--- {app: {id: '" ID
           "', runtime: {name: nodejs20.x}}, modules: {function: [{key: f, handler: a.b}]}}\n...\n");
    assert_string_equal(m.functions[0].handler, "a.b");
    assert_int_equal(m.functions[0].line, 1);
}

/* ================================================================ errors */

typedef struct ecase {
    const char *yaml;
    int code;
    const char *msg;
} ecase_t;

static const ecase_t structure_cases[] = {
    {"app: [1, 2\n", MANIFEST_ESYNTAX,
     "manifest.yml:2:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)"},
    {"app:\n  id: x\n   runtime: y\n", MANIFEST_ESYNTAX,
     "manifest.yml:3:11: invalid YAML: mapping values are not allowed in this context"},
    {"", MANIFEST_ESCHEMA, "manifest.yml:1:1: empty document"},
    {"# only a comment\n", MANIFEST_ESCHEMA, "manifest.yml:1:1: empty document"},
    {"---\n", MANIFEST_ESCHEMA, "manifest.yml:1:1: empty document"},
    {"- a\n- b\n", MANIFEST_ESCHEMA, "manifest.yml:1:1: the top level must be a mapping, found a sequence"},
    {"42\n", MANIFEST_ESCHEMA, "manifest.yml:1:1: the top level must be a mapping, found an integer"},
    {APP FN "app: again\n", MANIFEST_ESYNTAX, "manifest.yml:9:1: duplicate key \"app\""},
    {APP "modules:\n  function:\n    - key: a\n      handler: index.run\n      key: b\n", MANIFEST_ESYNTAX,
     "manifest.yml:9:7: modules.function[0]: duplicate key \"key\""},
    {APP FN "x: &a 1\n", MANIFEST_ESYNTAX, "manifest.yml:9:4: x: anchors are not supported"},
    {APP FN "x: *a\n", MANIFEST_ESYNTAX, "manifest.yml:9:4: x: aliases are not supported"},
    {APP FN "x: !custom 1\n", MANIFEST_ESYNTAX, "manifest.yml:9:4: x: tags are not supported"},
    {APP FN "x: !!int 1\n", MANIFEST_ESYNTAX, "manifest.yml:9:4: x: tags are not supported"},
    {APP FN "? [a]\n: b\n", MANIFEST_ESYNTAX, "manifest.yml:9:3: mapping keys must be scalars"},
    {APP FN "---\n" APP FN, MANIFEST_ESYNTAX, "manifest.yml:9:1: multiple documents are not supported"},
    {APP FN "x: \"a\\tb\"\n\"a\\tb\": 1\n\"a\\tb\": 2\n", MANIFEST_ESYNTAX, "manifest.yml:11:1: duplicate key \"a?b\""},
    {"\xFF\xFE"
     "a\0p\0p\0:\0",
     MANIFEST_ESYNTAX, "manifest.yml:1:1: manifest must be UTF-8, not UTF-16"},
    {APP FN "x: caf\xE9\n", MANIFEST_ESYNTAX, "manifest.yml:9:7: invalid YAML: incomplete UTF-8 octet sequence"},
    {APP FN "x: caf\xE9!!\n", MANIFEST_ESYNTAX, "manifest.yml:9:8: invalid YAML: invalid trailing UTF-8 octet"},
    {APP FN "x: \xC0\x80\n", MANIFEST_ESYNTAX, "manifest.yml:9:4: invalid YAML: invalid length of a UTF-8 sequence"},
    {APP FN "x: \x1b[31m\n", MANIFEST_ESYNTAX, "manifest.yml:9:4: invalid YAML: control characters are not allowed"},
    {"app:\n\tid: x\n", MANIFEST_ESYNTAX,
     "manifest.yml:2:1: invalid YAML: found character that cannot start any token (while scanning for the next token)"},
};

static const ecase_t schema_cases[] = {
    /* required fields and types */
    {FN, MANIFEST_ESCHEMA, "manifest.yml:1:1: missing required field \"app\""},
    {"app: nodejs\n" FN, MANIFEST_ESCHEMA, "manifest.yml:1:6: app: expected a mapping, found a string"},
    {"app:\n  id: " ID "\n  runtime: []\n" FN, MANIFEST_ESCHEMA,
     "manifest.yml:3:12: app.runtime: expected a mapping, found a sequence"},
    {"app:\n  id: " ID "\n  runtime: {name: nodejs14.x}\n" FN, MANIFEST_ESCHEMA,
     "manifest.yml:3:19: app.runtime.name: \"nodejs14.x\" is not one of nodejs20.x, nodejs22.x or nodejs24.x"},
    {"app:\n  id: " ID "\n  runtime: {name: 18}\n" FN, MANIFEST_ESCHEMA,
     "manifest.yml:3:19: app.runtime.name: expected a string, found an integer"},
    {"app:\n  id: 12\n  runtime: {name: nodejs22.x}\n" FN, MANIFEST_ESCHEMA,
     "manifest.yml:2:7: app.id: expected a string, found an integer"},
    {"app:\n  id: " ID "\n  runtime: {name: nodejs22.x, memoryMB: 64}\n" FN, MANIFEST_ESCHEMA,
     "manifest.yml:3:41: app.runtime.memoryMB: must be an integer from 128 to 4096, found 64"},
    {APP, MANIFEST_ESCHEMA, "manifest.yml:1:1: missing required field \"modules\""},
    {APP "modules: 5\n", MANIFEST_ESCHEMA, "manifest.yml:5:10: modules: expected a mapping, found an integer"},
    {APP "modules:\n  function: {key: a}\n", MANIFEST_ESCHEMA,
     "manifest.yml:6:13: modules.function: expected a sequence, found a mapping"},
    {APP "modules:\n  function:\n    - index.run\n", MANIFEST_ESCHEMA,
     "manifest.yml:7:7: modules.function[0]: expected a mapping, found a string"},
    {APP "modules:\n  function:\n    - handler: index.run\n", MANIFEST_ESCHEMA,
     "manifest.yml:7:7: modules.function[0]: missing required field \"key\""},
    {APP "modules:\n  function:\n    - key: main\n", MANIFEST_ESCHEMA,
     "manifest.yml:7:7: modules.function[0]: missing required field \"handler\""},
    {APP "modules:\n  function:\n    - key: main\n      handler: [a]\n", MANIFEST_ESCHEMA,
     "manifest.yml:8:16: modules.function[0].handler: expected a string, found a sequence"},
    {APP "modules:\n  function:\n    - key: main\n      handler: ''\n", MANIFEST_ESCHEMA,
     "manifest.yml:8:16: modules.function[0].handler: must not be empty"},
    {APP "modules:\n  function:\n    - key: main\n      handler: \"index.r\\0n\"\n", MANIFEST_ESCHEMA,
     "manifest.yml:8:16: modules.function[0].handler: contains a NUL byte"},
    /* a NUL is refused anywhere: values kiln keeps only as JSON are read as C strings
     * later (a resolver's function, by the runtime), and keys too */
    {APP FN "extra:\n  esc: \"a\\0b\"\n", MANIFEST_ESCHEMA, "manifest.yml:10:8: extra.esc: contains a NUL byte"},
    {APP FN "modules2:\n  \"jira:issue\\0Panel\": []\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:3: modules2: contains a NUL byte"},
    {APP "modules:\n  function:\n    - key: main\n      handler: index.run\n  jira:issuePanel:\n    - key: p\n"
         "      resolver: {function: \"main\\0x\"}\n",
     MANIFEST_ESCHEMA, "manifest.yml:11:28: modules.jira:issuePanel[0].resolver.function: contains a NUL byte"},
    {APP "modules:\n  function:\n    - key: main\n      handler: index\n", MANIFEST_ESCHEMA,
     "manifest.yml:8:16: modules.function[0].handler: handler \"index\" must be <file>.<function> (for example "
     "index.run)"},
    {APP "modules:\n  function:\n    - key: main\n      handler: a.b.c\n", MANIFEST_ESCHEMA,
     "manifest.yml:8:16: modules.function[0].handler: handler \"a.b.c\" must be <file>.<function> (for example "
     "index.run)"},
    {APP "modules:\n  function:\n    - key: main\n      handler: a//b.run\n", MANIFEST_ESCHEMA,
     "manifest.yml:8:16: modules.function[0].handler: handler \"a//b.run\" must be <file>.<function> (for example "
     "index.run)"},
    {APP "modules:\n  function:\n    - key: main\n      handler: index.\n", MANIFEST_ESCHEMA,
     "manifest.yml:8:16: modules.function[0].handler: handler \"index.\" must be <file>.<function> (for example "
     "index.run)"},
    {APP "modules:\n  function:\n    - key: main\n      handler: ../up.run\n", MANIFEST_EFILE,
     "manifest.yml:8:16: modules.function[0].handler: handler \"../up.run\" escapes the app directory"},
    {APP "modules:\n  function:\n    - key: main\n      handler: a/../../up.run\n", MANIFEST_EFILE,
     "manifest.yml:8:16: modules.function[0].handler: handler \"a/../../up.run\" escapes the app directory"},
    {APP "modules:\n  function:\n    - key: main\n      handler: /etc/passwd.run\n", MANIFEST_EFILE,
     "manifest.yml:8:16: modules.function[0].handler: handler \"/etc/passwd.run\" must be relative to src/, not "
     "absolute"},
    {APP "modules:\n  function:\n    - key: main\n      handler: 'a\\b.run'\n", MANIFEST_EFILE,
     "manifest.yml:8:16: modules.function[0].handler: handler \"a\\b.run\" must not contain a backslash"},
    {APP "modules:\n  function:\n    - key: main\n      handler: a.run\n      timeoutSeconds: 901\n", MANIFEST_ESCHEMA,
     "manifest.yml:9:23: modules.function[0].timeoutSeconds: must be an integer from 1 to 900, found 901"},
    {APP "modules:\n  function:\n    - key: main\n      handler: a.run\n      timeoutSeconds: '30'\n", MANIFEST_ESCHEMA,
     "manifest.yml:9:23: modules.function[0].timeoutSeconds: expected an integer, found a string"},
    {APP "modules:\n  function:\n    - key: main\n      handler: a.run\n      runtime: {memoryMB: 5000}\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:9:27: modules.function[0].runtime.memoryMB: must be an integer from 128 to 4096, found 5000"},
    /* module keys */
    {APP "modules:\n  function:\n    - key: 'has space'\n      handler: a.run\n", MANIFEST_ESCHEMA,
     "manifest.yml:7:12: modules.function[0].key: invalid module key \"has space\": use letters, digits, '_' and '-' "
     "(at most 255)"},
    {APP "modules:\n  function:\n    - key: main\n      handler: a.run\n  webtrigger:\n    - key: main\n"
         "      function: main\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:10:12: modules.webtrigger[0].key: module key \"main\" is already used by modules.function[0]"},
    {APP "modules:\n  jira:issueAction:\n    - key: p\n  function:\n    - key: p\n      handler: a.run\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:9:12: modules.function[0].key: module key \"p\" is already used by modules.jira:issueAction[0]"},
    {APP "modules:\n  jira:issuePanel:\n    - title: no key\n", MANIFEST_ESCHEMA,
     "manifest.yml:7:7: modules.jira:issuePanel[0]: missing required field \"key\""},
    /* webtrigger */
    {APP FN "  webtrigger:\n    - key: w\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:7: modules.webtrigger[0]: missing required field \"function\""},
    {APP FN "  webtrigger:\n    - key: w\n      function: main\n      endpoint: e\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:7: modules.webtrigger[0]: has both \"function\" and \"endpoint\"; use one"},
    {APP FN "  webtrigger:\n    - key: w\n      function: main\n      response: {type: sometimes}\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:24: modules.webtrigger[0].response.type: \"sometimes\" is not one of static or dynamic"},
    {APP FN "  webtrigger:\n    - key: w\n      function: main\n      response: {type: static}\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:17: modules.webtrigger[0].response: missing required field \"outputs\""},
    {APP FN "  webtrigger:\n    - key: w\n      function: main\n      response: {type: dynamic, outputs: []}\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:12:42: modules.webtrigger[0].response.outputs: outputs are only allowed with response type static"},
    {APP FN "  webtrigger:\n    - key: w\n      function: main\n      response:\n        type: static\n"
            "        outputs: [{key: ok, statusCode: '200'}]\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:14:41: modules.webtrigger[0].response.outputs[0].statusCode: expected an HTTP status code (100 to "
     "599)"},
    {APP FN "  webtrigger:\n    - key: w\n      function: main\n      urlFormat: v3\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:18: modules.webtrigger[0].urlFormat: \"v3\" is not one of v1 or v2"},
    /* trigger and scheduledTrigger */
    {APP FN "  trigger:\n    - key: t\n      function: main\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:7: modules.trigger[0]: missing required field \"events\""},
    {APP FN "  trigger:\n    - key: t\n      function: main\n      events: []\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:15: modules.trigger[0].events: must not be empty"},
    {APP FN "  trigger:\n    - key: t\n      function: main\n      events: [42]\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:16: modules.trigger[0].events[0]: expected a string, found an integer"},
    {APP FN "  trigger:\n    - key: t\n      function: main\n      events: [{filter: {ignoreSelf: true}}]\n",
     MANIFEST_ESCHEMA, "manifest.yml:12:16: modules.trigger[0].events[0]: missing required field \"eventType\""},
    {APP FN "  scheduledTrigger:\n    - key: s\n      function: main\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:7: modules.scheduledTrigger[0]: missing required field \"interval\""},
    {APP FN "  scheduledTrigger:\n    - key: s\n      function: main\n      interval: minute\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:17: modules.scheduledTrigger[0].interval: \"minute\" is not one of fiveMinute, hour, day or "
     "week"},
    /* endpoint and remotes */
    {APP FN "  endpoint:\n    - key: e\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:7: modules.endpoint[0]: missing required field \"remote\""},
    {APP FN "  endpoint:\n    - key: e\n      remote: r\n      auth: {appSystemToken: {enabled: yes}}\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:12:40: modules.endpoint[0].auth.appSystemToken.enabled: expected a boolean, found a string"},
    {APP FN "  endpoint:\n    - key: e\n      remote: r\n      route: {}\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:14: modules.endpoint[0].route: missing required field \"path\""},
    {APP FN "remotes:\n  - key: r\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:5: remotes[0]: missing required field \"baseUrl\""},
    {APP FN "remotes: {r: x}\n", MANIFEST_ESCHEMA, "manifest.yml:9:10: remotes: expected a sequence, found a mapping"},
    {APP FN "remotes:\n  - key: this-remote-key-is-too-long\n    baseUrl: https://a.example.com\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:10: remotes[0].key: invalid remote key \"this-remote-key-is-too-long\": use letters, digits, '_' "
     "and '-' (at most 23)"},
    {APP FN
     "remotes:\n  - key: r\n    baseUrl: https://a.example.com\n  - key: r\n    baseUrl: https://b.example.com\n",
     MANIFEST_ESCHEMA, "manifest.yml:12:10: remotes[1].key: remote key \"r\" is already used by remotes[0]"},
    {APP FN "remotes:\n  - key: r\n    baseUrl: http://api.example.com\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:14: remotes[0].baseUrl: \"http://api.example.com\" must be an https:// URL (http:// is allowed "
     "only for localhost, 127.0.0.1 and [::1])"},
    {APP FN "remotes:\n  - key: r\n    baseUrl: ftp://files.example.com\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:14: remotes[0].baseUrl: \"ftp://files.example.com\" must be an https:// URL"},
    {APP FN "remotes:\n  - key: r\n    baseUrl: https://user:pw@api.example.com\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:14: remotes[0].baseUrl: \"https://user:pw@api.example.com\" must not contain credentials"},
    {APP FN "remotes:\n  - key: r\n    baseUrl: https:///path\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:14: remotes[0].baseUrl: \"https:///path\" has no valid host"},
    {APP FN "remotes:\n  - key: r\n    baseUrl: 'https://a.example.com/x y'\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:14: remotes[0].baseUrl: \"https://a.example.com/x y\" must not contain spaces or control "
     "characters"},
    {APP FN "remotes:\n  - key: r\n    baseUrl: https://a.example.com:99999\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:14: remotes[0].baseUrl: \"https://a.example.com:99999\" has an invalid port"},
    {APP FN "remotes:\n  - key: r\n    baseUrl: {EU: https://eu.example.com}\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:14: remotes[0].baseUrl: missing required field \"default\""},
    {APP FN "remotes:\n  - key: r\n    baseUrl: {default: https://a.example.com, MARS: https://m.example.com}\n",
     MANIFEST_ESCHEMA, "manifest.yml:11:47: remotes[0].baseUrl.MARS: unknown region \"MARS\""},
    {APP FN "remotes:\n  - key: r\n    baseUrl: [https://a.example.com]\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:14: remotes[0].baseUrl: expected a string or a mapping, found a sequence"},
    {APP FN "remotes:\n  - key: r\n    baseUrl: https://a.example.com\n    operations: [store]\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:18: remotes[0].operations[0]: \"store\" is not one of storage, compute, fetch or other"},
    /* permissions */
    {APP FN "permissions: [read:jira-work]\n", MANIFEST_ESCHEMA,
     "manifest.yml:9:14: permissions: expected a mapping, found a sequence"},
    {APP FN "permissions:\n  scopes: read:jira-work\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:11: permissions.scopes: expected a sequence or a mapping, found a string"},
    {APP FN "permissions:\n  scopes:\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:10: permissions.scopes: expected a sequence or a mapping, found null"},
    {APP FN "permissions:\n  scopes: ['read:jira work']\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:12: permissions.scopes[0]: scope \"read:jira work\" must not contain spaces or control "
     "characters"},
    /* unknown scopes, wildcards among them, named at the scope's own line:column in each form */
    {APP FN "permissions:\n  scopes: ['*']\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:12: permissions.scopes[0]: unknown scope \"*\"" UNKNOWN_SCOPE},
    {APP FN "permissions:\n  scopes:\n    - read:jira-work\n    - 'read:*'\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:7: permissions.scopes[1]: unknown scope \"read:*\"" UNKNOWN_SCOPE},
    {APP FN "permissions:\n  scopes:\n    - read:jira-work\n    - key: storage:apps\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:12: permissions.scopes[1].key: unknown scope \"storage:apps\"" UNKNOWN_SCOPE},
    {APP FN "permissions:\n  scopes:\n    read:jira-work: {}\n    write:everything: {}\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:5: permissions.scopes.write:everything: unknown scope \"write:everything\"" UNKNOWN_SCOPE},
    {APP FN "permissions:\n  scopes: [read:jira-work, READ:JIRA-WORK]\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:28: permissions.scopes[1]: unknown scope \"READ:JIRA-WORK\"" UNKNOWN_SCOPE},
    {APP FN "permissions:\n  scopes: [read:page:confluence]\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:12: permissions.scopes[0]: unknown scope \"read:page:confluence\"" UNKNOWN_SCOPE},
    {APP FN "permissions:\n  scopes: [[read:jira-work]]\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:12: permissions.scopes[0]: expected a string, found a sequence"},
    {APP FN "permissions:\n  scopes:\n    read:jira-work: {allowImpersonation: sometimes}\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:42: permissions.scopes.read:jira-work.allowImpersonation: expected a boolean, found a string"},
    {APP FN "permissions:\n  scopes:\n    read:jira-work: yes\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:21: permissions.scopes.read:jira-work: expected a mapping, found a string"},
    {APP FN "permissions:\n  external:\n    fetch:\n      backend: [api.*.example.com]\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:17: permissions.external.fetch.backend[0]: \"api.*.example.com\" is not a valid address (a host "
     "or "
     "URL; '*' only as a leading \"*.\")"},
    {APP FN "permissions:\n  external:\n    fetch:\n      backend: ['*']\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:17: permissions.external.fetch.backend[0]: \"*\" is not a valid address (a host or URL; '*' only "
     "as a leading \"*.\")"},
    {APP FN "permissions:\n  external:\n    fetch:\n      backend: [42]\n", MANIFEST_ESCHEMA,
     "manifest.yml:12:17: permissions.external.fetch.backend[0]: expected an address string or {address: ...} or "
     "{remote: ...}, found an integer"},
    {APP FN "permissions:\n  external:\n    images: [{remote: r}]\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:14: permissions.external.images[0]: expected an address string or {address: ...}, found a "
     "mapping"},
    {APP FN "permissions:\n  external:\n    images: '*.example.com'\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:13: permissions.external.images: expected a sequence, found a string"},
    {APP FN "permissions:\n  content: [unsafe-inline]\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:12: permissions.content: expected a mapping, found a sequence"},
    /* resources */
    {APP FN "resources:\n  - key: main\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:5: resources[0]: missing required field \"path\""},
    {APP FN "resources:\n  - {key: a, path: x}\n  - {key: a, path: y}\n", MANIFEST_ESCHEMA,
     "manifest.yml:11:11: resources[1].key: resource key \"a\" is already used by resources[0]"},
};

static const ecase_t reference_cases[] = {
    {APP "modules:\n  webtrigger:\n    - key: w\n      function: fetch-projects\n", MANIFEST_EREF,
     "manifest.yml:8:17: modules.webtrigger[0].function: no function with key \"fetch-projects\""},
    {APP FN "  trigger:\n    - key: t\n      function: other\n      events: [avi:jira:created:issue]\n", MANIFEST_EREF,
     "manifest.yml:11:17: modules.trigger[0].function: no function with key \"other\""},
    {APP FN "  scheduledTrigger:\n    - key: s\n      endpoint: nightly\n      interval: day\n", MANIFEST_EREF,
     "manifest.yml:11:17: modules.scheduledTrigger[0].endpoint: no endpoint with key \"nightly\""},
    {APP FN "  webtrigger:\n    - key: w\n      endpoint: main\n", MANIFEST_EREF,
     "manifest.yml:11:17: modules.webtrigger[0].endpoint: no endpoint with key \"main\""},
    {APP FN "  endpoint:\n    - key: e\n      remote: backend\n", MANIFEST_EREF,
     "manifest.yml:11:15: modules.endpoint[0].remote: no remote with key \"backend\""},
    {APP FN "remotes:\n  - key: r\n    baseUrl: https://r.example.com\n"
            "permissions:\n  external:\n    fetch:\n      client:\n        - remote: backend\n",
     MANIFEST_EREF, "manifest.yml:16:19: permissions.external.fetch.client[0].remote: no remote with key \"backend\""},
    {APP FN "permissions:\n  external:\n    fetch:\n      backend:\n        - remote: backend\n", MANIFEST_EREF,
     "manifest.yml:13:19: permissions.external.fetch.backend[0].remote: no remote with key \"backend\""},
    /* Forge's rules for a trigger delivered to a remote endpoint */
    {APP FN "  endpoint:\n    - key: e\n      remote: r\n  trigger:\n    - key: t\n      endpoint: e\n"
            "      events: [avi:forge:installed:app]\n"
            "remotes:\n  - key: r\n    baseUrl: https://r.example.com\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:14:17: modules.trigger[0].endpoint: endpoint \"e\" has no route.path, which a trigger needs"},
    {APP FN "  endpoint:\n    - key: e\n      remote: r\n      route: {path: /x}\n"
            "      auth: {appUserToken: {enabled: true}}\n"
            "  trigger:\n    - key: t\n      endpoint: e\n      events: [avi:forge:installed:app]\n"
            "remotes:\n  - key: r\n    baseUrl: https://r.example.com\n",
     MANIFEST_ESCHEMA,
     "manifest.yml:16:17: modules.trigger[0].endpoint: endpoint \"e\" enables appUserToken; a trigger's endpoint may "
     "only use appSystemToken"},
    /* structure errors come before references, whatever their order in the file */
    {APP "modules:\n  webtrigger:\n    - key: w\n      function: nope\n  function:\n    - key: f\n", MANIFEST_ESCHEMA,
     "manifest.yml:10:7: modules.function[0]: missing required field \"handler\""},
};

/* Runs every case and reports every mismatch before failing. */
static void run_cases(const ecase_t *cases, size_t n)
{
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) {
        manifest_t m;
        manifest_err_t e;
        if (parse_in(cases[i].yaml, NULL, &m, &e) == 0) {
            print_error("case %zu parsed; wanted: %s\n", i, cases[i].msg);
            wrong++;
        } else if (strcmp(e.msg, cases[i].msg) || e.code != cases[i].code) {
            print_error("case %zu:\n   got %d %s\n  want %d %s\n", i, e.code, e.msg, cases[i].code, cases[i].msg);
            wrong++;
        } else {
            check_pos(&e);
        }
    }
    assert_int_equal(wrong, 0);
}

static void test_structure_errors(void **state)
{
    (void)state;
    run_cases(structure_cases, sizeof structure_cases / sizeof structure_cases[0]);
}

static void test_schema_errors(void **state)
{
    (void)state;
    run_cases(schema_cases, sizeof schema_cases / sizeof schema_cases[0]);
}

static void test_reference_errors(void **state)
{
    (void)state;
    run_cases(reference_cases, sizeof reference_cases / sizeof reference_cases[0]);
}

static void test_loopback_http_allowed(void **state)
{
    (void)state;
    const char *urls[] = {"http://localhost",
                          "http://127.0.0.1:3000",
                          "http://[::1]:8080/x",
                          "HTTP://LOCALHOST/a",
                          "https://api.example.com:8443/v1?x=1",
                          "https://[2001:db8::1]/"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        char *y = arena_printf(A, APP FN "remotes:\n  - key: r\n    baseUrl: '%s'\n", urls[i]);
        manifest_t m = ok(y);
        assert_string_equal(m.remotes[0].base_url, urls[i]);
    }
    bad(APP FN "remotes:\n  - key: r\n    baseUrl: http://localhost.example.com\n", MANIFEST_ESCHEMA,
        "manifest.yml:11:14: remotes[0].baseUrl: \"http://localhost.example.com\" must be an https:// URL (http:// is "
        "allowed only for localhost, 127.0.0.1 and [::1])");
    manifest_t m = ok(APP FN "remotes:\n  - key: r\n    baseUrl:\n      default: https://us.example.com\n"
                             "      EU: https://eu.example.com\n");
    assert_string_equal(m.remotes[0].base_url, "https://us.example.com");
    assert_string_equal(m.remotes[0].base_url_json,
                        "{\"default\":\"https://us.example.com\",\"EU\":\"https://eu.example.com\"}");
}

/* ================================================================ limits */

/* Header + `count` items produced by fmt (which is given the index twice and may use it
 * once or twice). */
static char *repeat(const char *head, const char *fmt, unsigned count)
{
    buf_t b;
    buf_init_arena(&b, A, 8u << 20);
    assert_int_equal(buf_adds(&b, head), 0);
    for (unsigned i = 0; i < count; i++)
        assert_int_equal(buf_printf(&b, fmt, i, i), 0);
    return b.ptr;
}

static void test_size_limits(void **state)
{
    (void)state;
    /* exactly 1 MiB of text is parsed; one byte more is refused before parsing */
    size_t n = MANIFEST_MAX_BYTES;
    char *big = arena_alloc(A, n + 2);
    const char *head = APP FN "# ";
    memset(big, 'x', n + 1);
    memcpy(big, head, strlen(head));
    big[n - 1] = '\n';
    manifest_t m;
    manifest_err_t e;
    assert_int_equal(parse_n(big, n, NULL, &m, &e), 0);
    big[n] = '\n';
    assert_int_equal(parse_n(big, n + 1, NULL, &m, &e), -1);
    assert_string_equal(e.msg, "manifest.yml:1:1: manifest is 1048577 bytes; the limit is 1048576");
    assert_int_equal(e.code, MANIFEST_ELIMIT);

    /* strings: 4096 bytes pass, 4097 do not */
    char *s4096 = arena_alloc(A, 4098);
    memset(s4096, 'a', 4097);
    s4096[4096] = '\0';
    ok(arena_printf(A, APP FN "description: %s\n", s4096));
    s4096[4096] = 'a';
    s4096[4097] = '\0';
    bad(arena_printf(A, APP FN "description: %s\n", s4096), MANIFEST_ELIMIT,
        "manifest.yml:9:14: description: string is 4097 bytes; the limit is 4096");
    bad(arena_printf(A, APP FN "? %s\n: 1\n", s4096), MANIFEST_ELIMIT,
        "manifest.yml:9:3: string is 4097 bytes; the limit is 4096");
}

static void test_depth_and_node_limits(void **state)
{
    (void)state;
    /* the top-level mapping is level 1: 31 more levels pass, 32 do not */
    char open[40], close[40];
    memset(open, '[', 32);
    memset(close, ']', 32);
    ok(arena_printf(A, APP FN "x: %.31s%.31s\n", open, close));
    bad(arena_printf(A, APP FN "x: %.32s%.32s\n", open, close), MANIFEST_ELIMIT,
        "manifest.yml:9:35: x[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
        "[0]: nesting deeper than 32 levels");

    /* nodes: APP + FN are 18 (keys count), `x` and its list 2 more */
    ok(arena_printf(A, "%sx]\n", repeat(APP FN "x: [", "%u,", MANIFEST_MAX_NODES - 21)));
    char *over = arena_printf(A, "%sx]\n", repeat(APP FN "x: [", "%u,", MANIFEST_MAX_NODES - 20));
    manifest_t m;
    manifest_err_t e;
    assert_int_equal(parse_in(over, NULL, &m, &e), -1);
    assert_int_equal(e.code, MANIFEST_ELIMIT);
    assert_true(unit_contains(e.msg, ": x: more than 10000 YAML nodes"));
    check_pos(&e);
}

static void test_count_limits(void **state)
{
    (void)state;
    const char *fn = "    - key: f%u\n      handler: index.r%u\n";
    manifest_t m = ok(repeat(APP "modules:\n  function:\n", fn, 100));
    assert_int_equal(m.n_functions, 100);
    assert_string_equal(m.functions[99].key, "f99");
    bad(repeat(APP "modules:\n  function:\n", fn, 101), MANIFEST_ELIMIT,
        "manifest.yml:7:5: modules.function: more than 100 modules of type \"function\"");
    bad(repeat(APP "modules:\n  jira:issuePanel:\n", "    - key: p%u\n", 101), MANIFEST_ELIMIT,
        "manifest.yml:7:5: modules.jira:issuePanel: more than 100 modules of type \"jira:issuePanel\"");

    /* 200 entries (known scopes, repeated: fewer than 200 exist) pass; 201 are refused for
     * their number before any is looked at */
    const char *list = APP FN "permissions:\n  scopes:\n";
    for (unsigned i = 0; i < MANIFEST_MAX_SCOPES; i++)
        list = arena_printf(A, "%s    - %s\n", list, scope_jira_names[i % scope_jira_names_len]);
    m = ok(list);
    assert_int_equal(m.n_scopes,
                     MANIFEST_MAX_SCOPES < scope_jira_names_len ? MANIFEST_MAX_SCOPES : scope_jira_names_len);
    bad(repeat(APP FN "permissions:\n  scopes:\n", "    - s:%u\n", 201), MANIFEST_ELIMIT,
        "manifest.yml:11:5: permissions.scopes: more than 200 scopes");

    const char *rem = "  - key: r%u\n    baseUrl: https://r%u.example.com\n";
    m = ok(repeat(APP FN "remotes:\n", rem, 100));
    assert_int_equal(m.n_remotes, 100);
    bad(repeat(APP FN "remotes:\n", rem, 101), MANIFEST_ELIMIT, "manifest.yml:10:3: remotes: more than 100 remotes");

    char key[300];
    memset(key, 'k', 256);
    key[255] = '\0';
    ok(arena_printf(A, APP "modules:\n  function:\n    - key: %s\n      handler: a.b\n", key));
    key[255] = 'k';
    key[256] = '\0';
    manifest_err_t e;
    assert_int_equal(
        parse_in(arena_printf(A, APP "modules:\n  function:\n    - key: %s\n      handler: a.b\n", key), NULL, &m, &e),
        -1);
    assert_int_equal(e.code, MANIFEST_ESCHEMA);
    assert_true(unit_contains(e.msg, "manifest.yml:7:12: modules.function[0].key: invalid module key \"kkkk"));
    assert_true(unit_contains(e.msg, "(at most 255)"));
}

static void test_arena_cap(void **state)
{
    (void)state;
    arena_t *small = arena_new(2048);
    const char *text = full_with(SCOPES_LIST);
    manifest_t m = {0};
    manifest_err_t e;
    assert_int_equal(manifest_parse(small, "manifest.yml", text, strlen(text), NULL, &m, &e), -1);
    assert_int_equal(e.code, MANIFEST_ENOMEM);
    assert_string_equal(e.msg, "manifest.yml:1:1: out of memory (the arena's cap was reached)");
    arena_free(small);
}

/* ================================================================ major key */

typedef struct variant {
    const char *scopes, *backend, *base_url, *ops, *functions, *webtriggers;
} variant_t;

static const char *major_of(const variant_t *v)
{
    char *text = arena_printf(A,
                              APP "modules:\n  function:\n    - key: main\n      handler: index.run\n%s"
                                  "  webtrigger:\n    - key: hook\n      function: main\n%s"
                                  "remotes:\n  - key: backend\n    baseUrl: %s\n    operations: [%s]\n"
                                  "permissions:\n  scopes: [%s]\n  external:\n    fetch:\n      backend: [%s]\n",
                              v->functions ? v->functions : "", v->webtriggers ? v->webtriggers : "",
                              v->base_url ? v->base_url : "https://backend.example.com", v->ops ? v->ops : "compute",
                              v->scopes ? v->scopes : "read:jira-work", v->backend ? v->backend : "api.example.com");
    return ok(text).major_key;
}

/* allowImpersonation (the map form of scopes): kept, and part of the major version when
 * any scope has it, so no minor version can grant impersonation without consent. */
static void test_impersonation_scopes(void **state)
{
    (void)state;
    const char *fn = APP "modules:\n  function:\n    - key: main\n      handler: index.run\n";
    manifest_t list = ok(arena_printf(A, "%spermissions:\n  scopes: [read:jira-user, read:jira-work]\n", fn));
    manifest_t none = ok(arena_printf(A,
                                      "%spermissions:\n  scopes:\n    read:jira-work: {}\n    read:jira-user:\n"
                                      "      allowImpersonation: false\n",
                                      fn));
    manifest_t one = ok(arena_printf(A,
                                     "%spermissions:\n  scopes:\n    read:jira-work: {}\n    read:jira-user:\n"
                                     "      allowImpersonation: true\n",
                                     fn));
    manifest_t two = ok(arena_printf(A,
                                     "%spermissions:\n  scopes:\n    read:jira-work: {allowImpersonation: true}\n"
                                     "    read:jira-user: {allowImpersonation: true}\n",
                                     fn));
    assert_int_equal(list.n_imp_scopes, 0);
    assert_int_equal(none.n_imp_scopes, 0);
    assert_int_equal(one.n_imp_scopes, 1);
    assert_string_equal(one.imp_scopes[0], "read:jira-user");
    assert_int_equal(two.n_imp_scopes, 2);
    assert_string_equal(two.imp_scopes[0], "read:jira-user"); /* sorted */
    assert_string_equal(two.imp_scopes[1], "read:jira-work");
    assert_string_equal(list.major_key, none.major_key); /* the same scopes, no impersonation: same major */
    assert_string_not_equal(one.major_key, none.major_key);
    assert_string_not_equal(two.major_key, one.major_key);
    assert_true(unit_contains(one.major_key, "\"impersonation\":[\"read:jira-user\"]"));
}

static void test_major_key(void **state)
{
    (void)state;
    const char *base = major_of(&(variant_t){0});
    const char *dyn1 = "    - key: d1\n      function: main\n      response: {type: dynamic}\n";
    const char *dyn2 = "    - key: d2\n      function: main\n      response: {type: dynamic}\n";
    const char *stat = "    - key: s1\n      function: main\n      response:\n        type: static\n"
                       "        outputs: [{key: ok, statusCode: 204}]\n";
    const char *plain = "    - key: s2\n      function: other\n";
    const char *other = "    - key: other\n      handler: jobs/other.run\n";

    /* stable: the same manifest, scopes in another order or repeated */
    assert_string_equal(major_of(&(variant_t){0}), base);
    assert_string_equal(major_of(&(variant_t){.scopes = "read:jira-work, read:jira-work"}), base);
    assert_string_equal(major_of(&(variant_t){.backend = "{address: api.example.com}"}), base);
    assert_string_equal(major_of(&(variant_t){.ops = "compute, compute"}), base);
    /* minor changes: a new function, a changed handler, new static webtriggers */
    assert_string_equal(major_of(&(variant_t){.functions = other}), base);
    assert_string_equal(major_of(&(variant_t){.functions = other, .webtriggers = plain}), base);
    assert_string_equal(major_of(&(variant_t){.webtriggers = stat}), base);

    /* major changes */
    const char *more_scopes = major_of(&(variant_t){.scopes = "read:jira-work, write:jira-work"});
    assert_string_not_equal(more_scopes, base);
    assert_string_equal(major_of(&(variant_t){.scopes = "write:jira-work, read:jira-work"}), more_scopes);
    assert_string_not_equal(major_of(&(variant_t){.scopes = ""}), base);
    assert_string_not_equal(major_of(&(variant_t){.backend = "api.example.com, '*.other.com'"}), base);
    assert_string_not_equal(major_of(&(variant_t){.backend = "{remote: backend}"}), base);
    assert_string_not_equal(major_of(&(variant_t){.base_url = "https://backend2.example.com"}), base);
    assert_string_not_equal(major_of(&(variant_t){.ops = "compute, storage"}), base);

    /* dynamic webtriggers: the first one matters, a second one does not */
    const char *d1 = major_of(&(variant_t){.webtriggers = dyn1});
    assert_string_not_equal(d1, base);
    assert_string_equal(major_of(&(variant_t){.webtriggers = arena_printf(A, "%s%s", dyn1, dyn2)}), d1);
    assert_string_equal(major_of(&(variant_t){.webtriggers = arena_printf(A, "%s%s", dyn2, stat)}), d1);

    /* the function handler is not part of it */
    char *h1 = arena_printf(A, "%s", APP "modules:\n  function:\n    - key: main\n      handler: index.run\n");
    char *h2 = arena_printf(A, "%s", APP "modules:\n  function:\n    - key: main\n      handler: lib/main.handler\n");
    assert_string_equal(ok(h1).major_key, ok(h2).major_key);

    /* remote auth is */
    const char *r1 = APP FN "remotes:\n  - key: r\n    baseUrl: https://r.example.com\n";
    const char *r2 = APP FN "remotes:\n  - key: r\n    baseUrl: https://r.example.com\n"
                            "    auth: {appUserToken: {enabled: true}}\n";
    assert_string_not_equal(ok(r1).major_key, ok(r2).major_key);
    /* remotes in another order are the same */
    const char *r3 = APP FN
        "remotes:\n  - {key: a, baseUrl: 'https://a.example.com'}\n  - {key: b, baseUrl: 'https://b.example.com'}\n";
    const char *r4 = APP FN
        "remotes:\n  - {key: b, baseUrl: 'https://b.example.com'}\n  - {key: a, baseUrl: 'https://a.example.com'}\n";
    assert_string_equal(ok(r3).major_key, ok(r4).major_key);
}

/* ================================================================ handler resolution */

static void touch(const char *dir, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("export const run = () => 1;\n", f);
    fclose(f);
}

static void test_handler_resolution(void **state)
{
    (void)state;
    char *dir = unit_tempdir();
    touch(dir, "src/index.ts");
    touch(dir, "src/index.js"); /* .ts comes first */
    touch(dir, "src/app.tsx");
    touch(dir, "src/plain.js");
    touch(dir, "src/view.jsx");
    touch(dir, "src/esm.mjs");
    touch(dir, "src/legacy.cjs");
    touch(dir, "src/resolvers/index.js");
    touch(dir, "src/deep/er/still/fn.ts");
    touch(dir, "src/dir.js");
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/src/dir.ts", dir); /* a directory named like a source file */
    assert_int_equal(mkdir(sub, 0755), 0);
    touch(dir, "elsewhere.js"); /* outside src/ */

    const char *text = APP "modules:\n  function:\n"
                           "    - {key: a, handler: index.run}\n"
                           "    - {key: b, handler: app.run}\n"
                           "    - {key: c, handler: plain.run}\n"
                           "    - {key: d, handler: view.run}\n"
                           "    - {key: e, handler: esm.run}\n"
                           "    - {key: f, handler: legacy.run}\n"
                           "    - {key: g, handler: resolvers/index.handler}\n"
                           "    - {key: h, handler: deep/er/still/fn.go}\n"
                           "    - {key: i, handler: dir.run}\n";
    manifest_t m = ok_in(text, dir);
    const char *want[] = {"src/index.ts", "src/app.tsx",    "src/plain.js",           "src/view.jsx",
                          "src/esm.mjs",  "src/legacy.cjs", "src/resolvers/index.js", "src/deep/er/still/fn.ts",
                          "src/dir.js"};
    assert_int_equal(m.n_functions, 9);
    for (size_t i = 0; i < 9; i++)
        assert_string_equal(m.functions[i].resolved_path, want[i]);
    assert_string_equal(m.functions[6].export, "handler");
    assert_string_equal(m.functions[7].file, "deep/er/still/fn");

    bad_in(APP "modules:\n  function:\n    - key: main\n      handler: missing.run\n", dir, MANIFEST_EFILE,
           "manifest.yml:8:16: modules.function[0].handler: no source file for handler \"missing.run\" (looked for "
           "src/missing.{ts,tsx,js,jsx,mjs,cjs})");
    bad_in(APP "modules:\n  function:\n    - key: main\n      handler: elsewhere.run\n", dir, MANIFEST_EFILE,
           "manifest.yml:8:16: modules.function[0].handler: no source file for handler \"elsewhere.run\" (looked for "
           "src/elsewhere.{ts,tsx,js,jsx,mjs,cjs})");
    bad_in(APP "modules:\n  function:\n    - key: main\n      handler: ../elsewhere.run\n", dir, MANIFEST_EFILE,
           "manifest.yml:8:16: modules.function[0].handler: handler \"../elsewhere.run\" escapes the app directory");
    /* a file missing is reported after every reference is checked */
    bad_in(APP "modules:\n  function:\n    - key: main\n      handler: missing.run\n"
               "  webtrigger:\n    - key: w\n      function: nope\n",
           dir, MANIFEST_EREF, "manifest.yml:11:17: modules.webtrigger[0].function: no function with key \"nope\"");

    /* a symlink inside src/ that points out of the app directory */
    char *outside = unit_tempdir();
    touch(outside, "secret.js");
    char target[1024], link[1024];
    snprintf(target, sizeof target, "%s/secret.js", outside);
    snprintf(link, sizeof link, "%s/src/leak.js", dir);
    assert_int_equal(symlink(target, link), 0);
    bad_in(APP "modules:\n  function:\n    - key: main\n      handler: leak.run\n", dir, MANIFEST_EFILE,
           "manifest.yml:8:16: modules.function[0].handler: handler \"leak.run\": src/leak.js resolves outside the app "
           "directory");
    /* a symlink that stays inside is fine */
    snprintf(target, sizeof target, "%s/src/plain.js", dir);
    snprintf(link, sizeof link, "%s/src/alias.js", dir);
    assert_int_equal(symlink(target, link), 0);
    manifest_t ma = ok_in(APP "modules:\n  function:\n    - key: main\n      handler: alias.run\n", dir);
    assert_string_equal(ma.functions[0].resolved_path, "src/alias.js");

    /* no such app directory */
    char *gone = arena_printf(A, "%s/no-such-dir", dir);
    manifest_err_t e;
    assert_int_equal(parse_in(APP FN, gone, &m, &e), -1);
    assert_int_equal(e.code, MANIFEST_EFILE);
    assert_true(unit_contains(e.msg, "manifest.yml:1:1: app directory \""));
    assert_true(unit_contains(e.msg, "no-such-dir\" does not exist"));

    unit_rmtree(outside);
    unit_rmtree(dir);
}

/* ================================================================ fixtures */

/* The expected error of every file in tests/fixtures/manifests/bad/. */
static const struct {
    const char *file;
    int code;
    const char *msg; /* after "<file>:" */
} bad_fixtures[] = {
    {"alias-without-anchor.yml", MANIFEST_ESYNTAX, "8:16: modules.function[0].handler: aliases are not supported"},
    {"bad-indentation.yml", MANIFEST_ESYNTAX,
     "8:6: invalid YAML: did not find expected '-' indicator (while parsing a block collection)"},
    {"billion-laughs.yml", MANIFEST_ESYNTAX, "9:7: lol0: anchors are not supported"},
    {"binary-garbage.yml", MANIFEST_ESYNTAX, "1:1: invalid YAML: invalid leading UTF-8 octet"},
    {"comments-only.yml", MANIFEST_ESCHEMA, "1:1: empty document"},
    {"complex-key.yml", MANIFEST_ESYNTAX, "9:3: mapping keys must be scalars"},
    {"control-character.yml", MANIFEST_ESYNTAX, "9:18: invalid YAML: control characters are not allowed"},
    {"custom-tag.yml", MANIFEST_ESYNTAX, "9:14: description: tags are not supported"},
    {"deep-nesting-block.yml", MANIFEST_ELIMIT,
     "41:65: extra.k0.k1.k2.k3.k4.k5.k6.k7.k8.k9.k10.k11.k12.k13.k14.k15.k16.k17.k18.k19.k20.k21.k22.k23.k24.k25.k26."
     "k27.k28.k29.k30: nesting deeper than 32 levels"},
    {"deep-nesting-flow.yml", MANIFEST_ELIMIT,
     "9:39: extra[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: "
     "nesting deeper than 32 levels"},
    {"document-marker-only.yml", MANIFEST_ESCHEMA, "1:1: empty document"},
    {"duplicate-nested-key.yml", MANIFEST_ESYNTAX, "9:7: modules.function[0]: duplicate key \"handler\""},
    {"duplicate-quoted-key.yml", MANIFEST_ESYNTAX, "11:3: permissions: duplicate key \"scopes\""},
    {"duplicate-top-level-key.yml", MANIFEST_ESYNTAX, "9:1: duplicate key \"app\""},
    {"empty.yml", MANIFEST_ESCHEMA, "1:1: empty document"},
    {"huge-scalar.yml", MANIFEST_ELIMIT, "9:14: description: string is 5000 bytes; the limit is 4096"},
    {"json-not-yaml-mapping.yml", MANIFEST_ESCHEMA, "1:1: the top level must be a mapping, found a sequence"},
    {"merge-key-alias.yml", MANIFEST_ESYNTAX, "5:11: defaults: anchors are not supported"},
    {"multiple-documents.yml", MANIFEST_ESYNTAX, "9:1: multiple documents are not supported"},
    {"non-utf8-latin1.yml", MANIFEST_ESYNTAX, "9:18: invalid YAML: invalid trailing UTF-8 octet"},
    {"nul-byte.yml", MANIFEST_ESYNTAX, "7:14: invalid YAML: control characters are not allowed"},
    {"tab-indentation.yml", MANIFEST_ESYNTAX,
     "2:1: invalid YAML: found character that cannot start any token (while scanning for the next token)"},
    {"too-many-nodes.yml", MANIFEST_ELIMIT, "9:29949: extra: more than 10000 YAML nodes"},
    {"top-level-scalar.yml", MANIFEST_ESCHEMA, "1:1: the top level must be a mapping, found a string"},
    {"top-level-sequence.yml", MANIFEST_ESCHEMA, "1:1: the top level must be a mapping, found a sequence"},
    {"unclosed-flow-mapping.yml", MANIFEST_ESYNTAX,
     "2:1: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping)"},
    {"unterminated-quote.yml", MANIFEST_ESYNTAX,
     "9:1: invalid YAML: found unexpected end of stream (while scanning a quoted scalar)"},
    {"utf16be-bom.yml", MANIFEST_ESYNTAX, "1:1: manifest must be UTF-8, not UTF-16"},
    {"utf16le-bom.yml", MANIFEST_ESYNTAX, "1:1: manifest must be UTF-8, not UTF-16"},
    {"utf8-bom-missing-id.yml", MANIFEST_ESCHEMA, "2:3: app: missing required field \"id\""},
};

static void test_bad_fixtures(void **state)
{
    (void)state;
    size_t n;
    char **names = list_dir(FIXTURES "/bad", &n);
    assert_non_null(names);
    assert_true(n >= 15);
    assert_int_equal(n, sizeof bad_fixtures / sizeof bad_fixtures[0]);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        size_t len;
        snprintf(path, sizeof path, FIXTURES "/bad/%s", names[i]);
        char *text = slurp(path, &len);
        manifest_t m = {0};
        manifest_err_t e;
        if (manifest_parse(A, names[i], text, len, NULL, &m, &e) == 0)
            fail_msg("%s parsed", names[i]);
        assert_string_equal(bad_fixtures[i].file, names[i]);
        assert_string_equal(e.msg, arena_printf(A, "%s:%s", names[i], bad_fixtures[i].msg));
        assert_int_equal(e.code, bad_fixtures[i].code);
        check_pos(&e);
        free(text);
    }
    free_list(names, n);
}

/* Another helper writes these; wait for them (up to KILN_FIXTURE_WAIT seconds, default 0)
 * rather than fail on a half-written directory. */
static char **real_fixtures(size_t *n)
{
    const char *w = getenv("KILN_FIXTURE_WAIT");
    int wait = w ? atoi(w) : 0;
    char **names = list_dir(FIXTURES "/real", n);
    for (int i = 0; i < wait && *n < 8; i++) {
        free_list(names, *n);
        sleep(1);
        names = list_dir(FIXTURES "/real", n);
    }
    return names;
}

/* Real manifests of apps for products kiln does not host: valid Forge, refused by kiln
 * for their first scope that is not kiln's, at its position. */
static const struct {
    const char *file, *msg;
} foreign_fixtures[] = {
    {"confluence-macro-content-action.yml",
     "confluence-macro-content-action.yml:39:7: permissions.scopes[0]: unknown scope "
     "\"read:confluence-content.summary\"" UNKNOWN_SCOPE},
};

static void test_real_fixtures(void **state)
{
    (void)state;
    size_t n, foreign = 0;
    char **names = real_fixtures(&n);
    if (n < 8)
        fail_msg("tests/fixtures/manifests/real/ holds %zu manifests; at least 8 are expected", n);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        size_t len;
        snprintf(path, sizeof path, FIXTURES "/real/%s", names[i]);
        char *text = slurp(path, &len);
        manifest_t m = {0}, m2 = {0};
        manifest_err_t e;
        const char *refusal = NULL;
        for (size_t f = 0; f < sizeof foreign_fixtures / sizeof *foreign_fixtures; f++)
            if (strcmp(foreign_fixtures[f].file, names[i]) == 0)
                refusal = foreign_fixtures[f].msg;
        if (refusal) {
            assert_int_equal(manifest_parse(A, names[i], text, len, NULL, &m, &e), -1);
            assert_string_equal(e.msg, refusal);
            assert_int_equal(e.code, MANIFEST_ESCHEMA);
            check_pos(&e);
            foreign++;
            free(text);
            continue;
        }
        if (manifest_parse(A, names[i], text, len, NULL, &m, &e) != 0)
            fail_msg("%s", e.msg);
        assert_non_null(m.app_id);
        assert_non_null(m.runtime_name);
        assert_non_null(m.major_key);
        json_error_t je;
        json_t *doc = json_loadb(m.canonical_json, m.canonical_len, 0, &je);
        if (!doc || !json_is_object(json_object_get(doc, "app")))
            fail_msg("%s: canonical JSON is not a document with \"app\"", names[i]);
        json_decref(doc);
        /* the same text parses to the same result */
        assert_int_equal(manifest_parse(A, names[i], text, len, NULL, &m2, &e), 0);
        assert_string_equal(m.canonical_json, m2.canonical_json);
        assert_string_equal(m.major_key, m2.major_key);
        free(text);
    }
    assert_int_equal(foreign, sizeof foreign_fixtures / sizeof *foreign_fixtures);
    free_list(names, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_manifest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deterministic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scopes_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_egress_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsupported_modules_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consumers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_app_id_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_module_warnings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scalar_typing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_bom_and_flow_style, setup, teardown),
        cmocka_unit_test_setup_teardown(test_structure_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reference_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback_http_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_and_node_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_count_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arena_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_major_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_impersonation_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handler_resolution, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_fixtures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_fixtures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
