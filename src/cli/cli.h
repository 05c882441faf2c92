/* The kiln command line: main.c dispatches from a table of commands; each command group
 * lives in its own file. Commands that read or change a running kiln talk to its admin
 * API (client.c); `serve` and `store check` work on the data dir directly. */
#ifndef KILN_CLI_H
#define KILN_CLI_H

#include <jansson.h>

/* One option of a command. A flag (has_arg 0) sets *flag to 1; an option with an
 * argument stores it in *val. */
typedef struct cli_opt {
    const char *name; /* "--json" */
    int has_arg;
    const char **val;
    int *flag;
    const char *help;
} cli_opt_t;

typedef struct cli_cmd {
    const char *group, *verb; /* verb NULL: the group is the command ("serve") */
    int (*fn)(int argc, char **argv);
    const char *args;  /* usage after the command name */
    const char *about; /* one line */
    const cli_opt_t *opts;
} cli_cmd_t;

/* Parses argv (after the command words) against opts; positional arguments go to pos
 * (every argument after "--" is positional, even one that starts with '-').
 * Prints a one-line error and returns -1 on an unknown option, a missing value or too
 * many positionals; returns 1 after printing help for --help; else 0 with *npos set. */
int cli_parse(const cli_cmd_t *cmd, int argc, char **argv, const char **pos, int maxpos, int *npos);
void cli_usage(const cli_cmd_t *cmd);

/* Connection to a running kiln: --url / KILN_URL, token from KILN_ADMIN_TOKEN or
 * --data / KILN_DATA / ./.kiln. */
typedef struct cli_conn {
    const char *url, *data;
} cli_conn_t;

/* How long one admin API call may take, in seconds (default 120). */
extern long client_timeout_s;

/* Calls the admin API. Returns the HTTP status (and *out, owned by the caller, may be
 * NULL), or -1 with a one-line reason printed. */
long client_call(const cli_conn_t *c, const char *method, const char *path, json_t *body, json_t **out);
/* The same with a raw body (data may be NULL). */
long client_call_raw(const cli_conn_t *c, const char *method, const char *path, const void *data, size_t len,
                     const char *content_type, json_t **out);
/* Prints the server's error message for a non-2xx status as one line; returns 1. */
int client_fail(long status, json_t *resp);

/* The app id (UUID) of DIR/manifest.yml, with `a` holding it; NULL after printing why. */
struct arena;
const char *cli_app_of_dir(struct arena *a, const char *dir);

/* Bundles, packs, uploads and deploys the app in `dir` to environment `env` (cli/pack.h;
 * warm: the server starts a worker of the new version at once):
 * 0 with *out the server's answer plus "appAri" (owned by the caller), or the exit code
 * after printing one line naming the cause (nothing deployed; the last version serves). */
int cli_deploy_dir(const cli_conn_t *c, const char *dir, const char *env, int warm, json_t **out);

/* One page of a journal (audit, ledger, logs) after *after, printed as `kiln NAME` prints
 * it (one JSON object a line with json); *after moves to the last row's id. `filter`, if
 * not NULL, drops rows it answers 0 for. n: rows at most; with_invocations: the logs' row
 * saying how each invocation ended. 0, or the exit code after printing why. */
int cli_journal_poll(const cli_conn_t *c, const char *name, const char *site, long long n, long long *after,
                     int with_invocations, int json, int (*filter)(json_t *row, void *arg), void *arg);

/* POSTs {accountId?} to /admin/v1/sites/{site}/{what} (what: "tokens", "login-links") and
 * prints the answer's member `field` (the whole answer with json): `kiln user token` and
 * `kiln ui login-url`. A missing site names `cmd` ("user token") in its error. 0, or the
 * exit code after printing why. */
int cli_site_issue(const cli_conn_t *c, const char *cmd, const char *site, const char *account_id, const char *what,
                   const char *field, int json);

/* Prints j pretty to stdout. */
void cli_print_json(json_t *j);

#define CLI_CONN_OPTS(conn)                                                                                            \
    {"--url", 1, &(conn).url, NULL, "kiln's address (default $KILN_URL or http://127.0.0.1:8080)"},                    \
    {                                                                                                                  \
        "--data", 1, &(conn).data, NULL, "data dir holding admin.token (default $KILN_DATA or ./.kiln)"                \
    }

/* Commands and their option tables (defined beside each command). */
extern const cli_opt_t ui_login_url_opts[];
extern const cli_opt_t serve_opts[], site_create_opts[], site_list_opts[], user_token_opts[], store_check_opts[],
    register_opts[], deploy_opts[], env_create_opts[], distribute_opts[], install_opts[], uninstall_opts[],
    purge_opts[], webtrigger_opts[], logs_opts[], audit_opts[], variables_set_opts[], variables_list_opts[],
    variables_unset_opts[], invoke_opts[], consent_opts[], keys_rotate_opts[], ledger_opts[], env_set_opts[],
    dev_opts[];
/* kiln events, events show, events replay (cli/events.c) */
extern const cli_opt_t events_opts[], events_show_opts[], events_replay_opts[];
int cmd_events(int argc, char **argv);
int cmd_events_show(int argc, char **argv);
int cmd_events_replay(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_site_create(int argc, char **argv);
int cmd_consent(int argc, char **argv);
int cmd_site_list(int argc, char **argv);
int cmd_user_token(int argc, char **argv);
int cmd_ui_login_url(int argc, char **argv);
int cmd_store_check(int argc, char **argv);
/* kiln store migrate (cli/migrate.c) */
extern const cli_opt_t store_migrate_opts[];
int cmd_store_migrate(int argc, char **argv);
int cmd_register(int argc, char **argv);
int cmd_deploy(int argc, char **argv);
int cmd_deploy_list(int npos, const char **pos);
int cmd_environments_create(int argc, char **argv);
int cmd_environments_list(int argc, char **argv);
int cmd_distribute(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_uninstall(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_webtrigger(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_environments_set(int argc, char **argv);
/* Epoch milliseconds of a --since value (30s, 15m, 2h, 7d ago; an ISO date or date-time in
 * UTC; epoch milliseconds), or -1 if it is none of these. */
long long cli_parse_since(const char *s, long long now_ms);
int cmd_invoke(int argc, char **argv);
extern const cli_opt_t trigger_run_opts[], trigger_list_opts[];
int cmd_trigger_run(int argc, char **argv);
int cmd_trigger_list(int argc, char **argv);
int cmd_variables_set(int argc, char **argv);
int cmd_variables_list(int argc, char **argv);
int cmd_variables_unset(int argc, char **argv);
int cmd_keys_rotate(int argc, char **argv);
extern const cli_opt_t keys_new_master_opts[];
int cmd_keys_new_master(int argc, char **argv);
int cmd_dev(int argc, char **argv);
extern const cli_opt_t storage_list_opts[], storage_query_opts[], storage_get_opts[], storage_set_opts[],
    storage_delete_opts[];
int cmd_storage_list(int argc, char **argv);
int cmd_storage_query(int argc, char **argv);
int cmd_storage_get(int argc, char **argv);
int cmd_storage_set(int argc, char **argv);
int cmd_storage_delete(int argc, char **argv);

extern const cli_cmd_t cli_commands[];
extern const unsigned cli_commands_len;
const cli_cmd_t *cli_find(const char *group, const char *verb);

#endif
