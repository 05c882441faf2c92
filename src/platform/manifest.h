/* manifest: parses and validates a Forge `manifest.yml` into typed, arena-owned records,
 * a canonical JSON copy for storage, and the "major key" that tells whether two manifests
 * are the same Forge major version. The YAML is read by base/yaml.h; the schema's parts
 * live in platform/manifest*.c (platform/manifest_int.h lists them).
 *
 * What kiln accepts is a strict subset of YAML (base/yaml.h): one document whose top level
 * is a mapping; no anchors, aliases or tags (this also refuses "billion laughs"); no
 * duplicate keys; at most MANIFEST_MAX_BYTES of UTF-8 text, MANIFEST_MAX_DEPTH levels of
 * nesting, MANIFEST_MAX_NODES nodes and MANIFEST_MAX_STRING bytes per scalar. Plain
 * scalars are typed as YAML 1.2's core schema (as the Forge CLI's `yaml` package does):
 * null, booleans, integers and floats; everything else is a string.
 *
 * Errors name the file, the 1-based line and column from libyaml's marks, and the path in
 * the document, as one line:
 *     manifest.yml:14:9: modules.webtrigger[0].function: no function with key "fetch-projects"
 * Validation stops at the first error. The order of the checks is fixed, so the same
 * input always gives the same error: YAML structure and limits (in document order), then
 * app, modules, remotes, permissions and resources (each in document order), then cross
 * references, then source files. */
#ifndef KILN_MANIFEST_H
#define KILN_MANIFEST_H

#include <stddef.h>

#include "base/arena.h"

#define MANIFEST_MAX_BYTES (1024u * 1024) /* text; larger is refused before parsing */
#define MANIFEST_MAX_DEPTH 32u            /* nested mappings/sequences */
#define MANIFEST_MAX_NODES 10000u         /* scalars (keys included), mappings, sequences */
#define MANIFEST_MAX_STRING 4096u         /* bytes in one scalar */
#define MANIFEST_MAX_MODULES 100u         /* items of one module type */
#define MANIFEST_MAX_SCOPES 200u          /* permissions.scopes entries */
#define MANIFEST_MAX_REMOTES 100u         /* remotes entries */
#define MANIFEST_MAX_KEY 255u             /* module key length */
#define MANIFEST_MAX_REMOTE_KEY 23u       /* remote and resource key length (Forge's limit) */

/* The closed set of error codes (manifest_err_t.code). */
enum manifest_code {
    MANIFEST_OK = 0,
    MANIFEST_ESYNTAX = -1, /* not YAML, or YAML kiln refuses: anchors, aliases, tags,
                              several documents, duplicate or non-scalar keys */
    MANIFEST_ELIMIT = -2,  /* size, depth, node count, string length, item counts */
    MANIFEST_ESCHEMA = -3, /* empty document, wrong type, missing or invalid value,
                              duplicate module/remote/resource key */
    MANIFEST_EREF = -4,    /* a function/endpoint/remote reference names nothing */
    MANIFEST_EFILE = -5,   /* handler path escapes the app dir, or its source file is missing */
    MANIFEST_ENOMEM = -6,  /* the arena's cap was reached */
};

typedef struct manifest_err {
    int code;           /* MANIFEST_OK or one of MANIFEST_E* */
    char msg[512];      /* the full one-line message: "file:line:col: path: problem" (the path
                           is left out for problems of the whole document); valid UTF-8 */
    unsigned line, col; /* 1-based position of the problem */
} manifest_err_t;

/* All strings below are NUL-terminated and live in the arena given to manifest_parse;
 * every array has a count; `line`/`col` are the 1-based position of the item's mapping. */

typedef struct manifest_function {
    const char *key;
    const char *handler;       /* as written: "resolvers/index.handler" */
    const char *file;          /* text before the last '.': "resolvers/index" */
    const char *export;        /* text after the last '.': "handler" */
    const char *resolved_path; /* relative path of the source file, "src/resolvers/index.ts";
                                  NULL when parsed without an app_dir */
    unsigned memory_mb;        /* runtime.memoryMB (128..4096), 0 when absent */
    unsigned timeout_s;        /* timeoutSeconds (1..900), 0 when absent */
    unsigned line, col;
} manifest_function_t;

typedef struct manifest_webtrigger {
    const char *key;
    const char *function;      /* function module key; NULL when `endpoint` is used */
    const char *endpoint;      /* endpoint module key, or NULL */
    const char *url_format;    /* urlFormat "v1"/"v2", or NULL */
    const char *response_type; /* response.type: "static" (also when absent) or "dynamic" */
    const char *outputs_json;  /* response.outputs as compact JSON, or NULL */
    unsigned line, col;
} manifest_webtrigger_t;

typedef struct manifest_trigger {
    const char *key;
    const char *function; /* exactly one of function/endpoint is set */
    const char *endpoint;
    const char **events; /* "avi:jira:created:issue", ... (eventType of the object form) */
    size_t n_events;
    const char *filter_json; /* `filter` as compact JSON, or NULL */
    unsigned line, col;
} manifest_trigger_t;

typedef struct manifest_scheduled {
    const char *key;
    const char *function; /* exactly one of function/endpoint is set */
    const char *endpoint;
    const char *interval; /* "fiveMinute", "hour", "day" or "week" */
    unsigned line, col;
} manifest_scheduled_t;

/* A `preUninstall` module: what runs once when the app is uninstalled from a site, before
 * the uninstall is final (docs/events.md, "Uninstall"). */
typedef struct manifest_preuninstall {
    const char *key;
    const char *function; /* exactly one of function/endpoint is set */
    const char *endpoint;
    unsigned line, col;
} manifest_preuninstall_t;

/* A `consumer` of an async events queue (@forge/events): exactly one of function,
 * resolver (function + method) and endpoint. */
typedef struct manifest_consumer {
    const char *key;
    const char *queue;    /* the queue's name: [a-zA-Z0-9_-]{1,36} */
    const char *function; /* `function`, or resolver.function */
    const char *method;   /* resolver.method, or NULL */
    const char *endpoint; /* endpoint module key, or NULL */
    unsigned line, col;
} manifest_consumer_t;

/* An `event` module: an app event the app publishes with @forge/events' appEvents
 * (platform/proxy_appevents.h). allowedRecipients is checked to be a list of strings;
 * kiln delivers an app's events to the app itself only. */
typedef struct manifest_event {
    const char *key;
    const char *name;
    unsigned line, col;
} manifest_event_t;

typedef struct manifest_endpoint {
    const char *key;
    const char *remote;        /* remote key (checked to exist) */
    const char *route_path;    /* route.path, or NULL */
    int auth_app_system_token; /* auth.appSystemToken.enabled */
    int auth_app_user_token;   /* auth.appUserToken.enabled */
    unsigned line, col;
} manifest_endpoint_t;

typedef struct manifest_remote {
    const char *key;
    const char *base_url;      /* baseUrl, or baseUrl.default in the regional form */
    const char *base_url_json; /* the regional form {default, EU, ...} as JSON, or NULL */
    const char **operations;   /* storage, compute, fetch, other */
    size_t n_operations;
    int auth_app_system_token;
    int auth_app_user_token;
    unsigned line, col;
} manifest_remote_t;

/* One permissions.external.fetch.{backend,client} entry: a string or {address: ...}
 * gives `address`; {remote: ...} gives `remote` (checked to name a remote). */
typedef struct manifest_egress {
    const char *address;
    const char *remote;
    unsigned line, col;
} manifest_egress_t;

typedef struct manifest_resource {
    const char *key;
    const char *path;
    unsigned line, col;
} manifest_resource_t;

/* Something kiln accepts but runs differently from Forge, or not at all: a module type it
 * does not run yet, a deprecated or missing runtime, a Node version other than the one
 * named. Deploy and register report each as one line (manifest_warning_format) and in
 * their JSON answers as {line, col, path, key, message}. */
typedef struct manifest_warning {
    const char *path;    /* "modules.jira:issuePanel[0]", "app.runtime.name" */
    const char *key;     /* the module's key, or NULL */
    const char *message; /* "not run by kiln yet" */
    unsigned line, col;
} manifest_warning_t;

/* A UI module: jira:issuePanel, jira:issueGlance, jira:issueContext, jira:globalPage,
 * jira:projectPage, jira:adminPage or jira:dashboardGadget (manifest_ui_type). What the UI
 * shows is read from the canonical JSON (platform/ui_modules.h); these records say what
 * deploy checked. */
typedef struct manifest_ui_module {
    const char *type; /* "jira:issuePanel" */
    const char *key;
    const char *resource; /* a resources[] key; NULL for a UI Kit 1 `function` module */
    const char *entry;    /* "<resource>/<entry>": the entry, else NULL */
    const char *function; /* UI Kit 1's `function` (not shown by kiln: a warning), or NULL */
    const char *render;   /* "custom" (render absent or default) or "native" (UI Kit) */
    const char *resolver_function, *resolver_endpoint; /* resolver: {function} | {endpoint} */
    const char *viewport;                              /* viewportSize, or NULL */
    const char *conditions_json;                       /* displayConditions as JSON, or NULL */
    size_t n_pages, n_sections;                        /* subpages of a page module */
    unsigned line, col;
} manifest_ui_module_t;

/* 1 if type is a UI module type kiln shows. */
int manifest_ui_type(const char *type);

/* A module of a type kiln does not run (jira:issueAction, rovo:agent, ...). */
typedef struct manifest_unsupported {
    const char *type; /* "jira:issuePanel" */
    const char *key;
    const char *json; /* the item as compact JSON */
    unsigned line, col;
} manifest_unsupported_t;

typedef struct manifest {
    /* In: set to 1 before calling manifest_parse to accept a manifest without app.id
     * (`kiln register` writes it later). Zero the struct otherwise. */
    int allow_missing_id;
    /* In: the Node.js version kiln's workers run ("v20.20.2", runtime/sandbox.h's
     * sandbox_node_version), named in the runtime warnings; NULL when unknown (the CLI,
     * which leaves the final word to the server). */
    const char *node_version;

    /* "ari:cloud:ecosystem::app/<uuid>"; NULL when allowed and the manifest has none, or
     * one that is not a kiln app id: the placeholder "ari:cloud:ecosystem::app/" that
     * templates ship, or a foreign one (then foreign_id holds it; register replaces it). */
    const char *app_id;
    const char *foreign_id;
    /* app.runtime.name: nodejs20.x, nodejs22.x, nodejs24.x; or, each with a warning,
     * Forge's deprecated nodejs16.x, nodejs18.x and sandbox, and "sandbox" (Forge's
     * default, @forge/cli's version-service) when app.runtime or its name is missing. */
    const char *runtime_name;
    unsigned app_memory_mb;            /* app.runtime.memoryMB, 0 when absent */
    const char *app_json;              /* the whole `app` mapping (licensing, features, ...) as JSON */
    const char *storage_entities_json; /* app.storage.entities as JSON, or NULL */

    manifest_function_t *functions;
    size_t n_functions;
    manifest_webtrigger_t *webtriggers;
    size_t n_webtriggers;
    manifest_trigger_t *triggers;
    size_t n_triggers;
    manifest_scheduled_t *scheduled;
    size_t n_scheduled;
    manifest_preuninstall_t *preuninstalls;
    size_t n_preuninstalls;
    manifest_endpoint_t *endpoints;
    size_t n_endpoints;
    manifest_consumer_t *consumers;
    size_t n_consumers;
    manifest_event_t *events;
    size_t n_events;
    manifest_ui_module_t *ui_modules; /* in document order */
    size_t n_ui_modules;
    manifest_unsupported_t *unsupported; /* in document order */
    size_t n_unsupported;
    /* The runtime's warnings, then one per unsupported module and per connectModules
     * entry, in document order. At most 2 + MANIFEST_MAX_NODES (each is a node). */
    manifest_warning_t *warnings;
    size_t n_warnings;

    manifest_remote_t *remotes;
    size_t n_remotes;

    const char **scopes; /* permissions.scopes, either form: sorted, de-duplicated */
    size_t n_scopes;
    /* the scopes the map form declares with allowImpersonation: true (asUser(accountId)
       without the user present: docs/runtime.md), sorted, de-duplicated */
    const char **imp_scopes;
    size_t n_imp_scopes;
    manifest_egress_t *fetch_backend; /* permissions.external.fetch.backend, in order */
    size_t n_fetch_backend;
    manifest_egress_t *fetch_client; /* permissions.external.fetch.client, in order */
    size_t n_fetch_client;
    const char *external_json; /* permissions.external (every kind) as JSON, or NULL */
    const char *content_json;  /* permissions.content as JSON, or NULL */

    manifest_resource_t *resources;
    size_t n_resources;

    const char *canonical_json; /* the whole document as compact JSON, keys in document order */
    size_t canonical_len;
    /* What makes a Forge major version, as one canonical JSON string: sorted scopes (and,
     * when any, those allowing impersonation: granting it needs the admin's consent); the
     * sorted entries of every permissions.external kind; remotes sorted by key (baseUrl,
     * sorted operations, auth); whether any webtrigger has response.type dynamic. Two
     * manifests are the same major version iff their major keys are equal. */
    const char *major_key;
} manifest_t;

/* Parses `len` bytes of `text` (need not be NUL-terminated). `file_label` names the file
 * in messages ("manifest.yml"). When `app_dir` is not NULL each function's handler must
 * resolve to an existing source file under `app_dir`/src (Forge's rule: `index.run` is
 * src/index.{ts,tsx,js,jsx,mjs,cjs}, the first that exists); with NULL that check is
 * skipped but handler paths are still checked not to escape the app dir.
 *
 * Fills *out (everything owned by `a`; out->allow_missing_id is read first) and returns 0;
 * or returns -1 with *err filled (err->code < 0) and *out unspecified. */
int manifest_parse(arena_t *a, const char *file_label, const char *text, size_t len, const char *app_dir,
                   manifest_t *out, manifest_err_t *err);

/* Writes warning w as one line, "manifest.yml:3:11: app.runtime.name: ..." or
 * "manifest.yml:12:7: modules.consumer[0] (key K): not run by kiln yet", into out (cut to
 * cap, which must be at least 1). */
void manifest_warning_format(const manifest_warning_t *w, const char *file_label, char *out, size_t cap);

/* The major key of a parsed manifest (out->major_key). */
const char *manifest_major_key(const manifest_t *m);

/* The function module with `key`, or NULL. */
const manifest_function_t *manifest_function(const manifest_t *m, const char *key);

#endif
