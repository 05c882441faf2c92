/* The command table: every kiln command, its usage line, help and options. */
#include <string.h>

#include "cli/cli.h"

const cli_cmd_t cli_commands[] = {
    {"serve", NULL, cmd_serve,
     "[--data DIR] [--store postgresql://...] [--key-file FILE] [--listen HOST:PORT] [--threads N] [--public-url URL] "
     "[--max-snapshot-mb N] [--retention-days N] "
     "[--webtrigger-rate N] [--proxy-rate N] [--kvs-rate N] [--queue-rate N] [--audit-retention-days N] "
     "[--egress-mode auto|namespace|in-process] [--ledger on|off] [--ledger-retention-days N] "
     "[--leak-scan off|development|all]",
     "run the kiln server until SIGTERM or Ctrl-C", serve_opts},
    {"site", "create", cmd_site_create, "NAME [--demo] [--json]", "create a site (tenant)", site_create_opts},
    {"site", "list", cmd_site_list, "[--json]", "list sites", site_list_opts},
    {"ui", "login-url", cmd_ui_login_url, "--site NAME [--account ID] [--json]",
     "print a one-time link that signs a site user in to the web UI (default: the site admin; 10 minutes, once)",
     ui_login_url_opts},
    {"user", "token", cmd_user_token, "--site NAME [--account ID] [--json]",
     "mint an API token for a site user (default: the site admin)", user_token_opts},
    {"register", NULL, cmd_register, "[DIR] [--name NAME] [--json]",
     "register the app in DIR and write its app.id into manifest.yml (replacing a placeholder)", register_opts},
    {"deploy", NULL, cmd_deploy, "[DIR] [-e ENV] [--warm] [--json]  |  deploy list [DIR] [-e ENV]",
     "bundle, snapshot and deploy the app as a new version (or list versions)", deploy_opts},
    {"dev", NULL, cmd_dev, "[DIR] [-e ENV] [--site NAME] [--debounce MS] [--json]",
     "deploy on every save, and print the app's logs and each invocation (site, module, outcome, duration) until "
     "Ctrl-C",
     dev_opts},
    {"environments", "create", cmd_environments_create, "NAME [DIR]", "create a custom environment", env_create_opts},
    {"environments", "list", cmd_environments_list, "[DIR]", "list the app's environments", env_create_opts},
    {"environments", "set", cmd_environments_set, "NAME --isolation installation|version [DIR]",
     "set an environment's worker isolation (installation: a worker never serves two installations)", env_set_opts},
    {"install", NULL, cmd_install,
     "--site NAME [-e ENV] [--upgrade] [--confirm-scopes] [--account ID] [--json]  |  install list",
     "install the app on a site, or consent to its new major version (--upgrade)", install_opts},
    {"uninstall", NULL, cmd_uninstall, "--site NAME [-e ENV]", "uninstall the app from a site", uninstall_opts},
    {"distribute", NULL, cmd_distribute, "[DIR] [-e ENV]", "print a link site admins can install the app with",
     distribute_opts},
    {"webtrigger", NULL, cmd_webtrigger, "MODULE_KEY --site NAME [-e ENV] [--json]",
     "print the URL of a webtrigger of the installed app", webtrigger_opts},
    {"invoke", NULL, cmd_invoke,
     "FUNCTION_KEY --site NAME [-e ENV] [--call NAME] [--as ACCOUNT_ID [--extension JSON]] [--payload JSON | "
     "--payload-file F] [--json]",
     "run a function of the installed app for a site and print its result", invoke_opts},
    {"trigger", "run", cmd_trigger_run, "MODULE_KEY --site NAME [--app DIR|ID] [-e ENV] [--json]",
     "run a scheduled trigger of the installed app now, wait for it, print its outcome (exit 1 if it failed)",
     trigger_run_opts},
    {"trigger", "list", cmd_trigger_list, "--site NAME [--json]",
     "list the site's scheduled triggers with their next runs", trigger_list_opts},
    {"consent", NULL, cmd_consent, "--site NAME --account ID [--app DIR|ID] [--revoke] [--json]",
     "a site user allows the app to act as them (asUser), or takes it back", consent_opts},
    {"variables", "set", cmd_variables_set, "KEY [VALUE] [--encrypt] [-e ENV] [--json]",
     "set an environment variable of the app (VALUE omitted: read from stdin)", variables_set_opts},
    {"variables", "list", cmd_variables_list, "[-e ENV] [--json]",
     "list the app's environment variables (encrypted values masked)", variables_list_opts},
    {"variables", "unset", cmd_variables_unset, "KEY [-e ENV] [--json]", "remove an environment variable of the app",
     variables_unset_opts},
    {"storage", "list", cmd_storage_list,
     "--site NAME [--secret | --entity NAME] [--prefix P] [--cursor KEY] [--limit N] [--all] [--show-secrets] [-e ENV] "
     "[--json]",
     "list an installation's app storage keys (secrets masked)", storage_list_opts},
    {"storage", "query", cmd_storage_query,
     "PREFIX --site NAME [--secret | --entity NAME] [--cursor KEY] [--limit N] [--all] [--show-secrets] [-e ENV] "
     "[--json]",
     "list an installation's app storage keys that start with PREFIX", storage_query_opts},
    {"storage", "get", cmd_storage_get, "KEY --site NAME [--secret | --entity NAME] [--show-secrets] [-e ENV] [--json]",
     "print the value of an app storage key of an installation", storage_get_opts},
    {"storage", "set", cmd_storage_set,
     "KEY VALUE_JSON | KEY --value-file FILE  --site NAME [--secret | --entity NAME] [-e ENV] [--json]",
     "set an app storage key of an installation (audited)", storage_set_opts},
    {"storage", "delete", cmd_storage_delete, "KEY --site NAME [--secret | --entity NAME] [-e ENV] [--json]",
     "delete an app storage key of an installation (audited)", storage_delete_opts},
    {"logs", NULL, cmd_logs, "[--site NAME] [-n N] [--follow] [--json]",
     "show what functions wrote with console.* (and their faults)", logs_opts},
    {"audit", NULL, cmd_audit, "[--site NAME] [--since T] [-n N] [--follow] [--json]",
     "show the audit log: gateway decisions, installs, tokens issued", audit_opts},
    {"events", "show", cmd_events_show, "ID [--json]",
     "show one delivery with its payload (an event owed to an app's trigger, consumer or scheduled trigger)",
     events_show_opts},
    {"events", "replay", cmd_events_replay, "ID [--json]", "deliver a dead delivery again (its attempts start over)",
     events_replay_opts},
    {"events", NULL, cmd_events,
     "[--site NAME] [--app ID] [--state pending|running|delivered|dead|cancelled|dropped] [--limit N] [--after ID] "
     "[--follow] [--json]",
     "list the events kiln owes apps (deliveries) with their state and attempts (docs/events.md)", events_opts},
    {"ledger", NULL, cmd_ledger, "--site NAME [--since T] [-n N] [--follow] [--json]",
     "show where a site's data went and which other sites' data came in (the data-flow ledger)", ledger_opts},
    {"purge", NULL, cmd_purge, "[--now MS]", "purge data of apps uninstalled longer ago than the retention period",
     purge_opts},
    {"keys", "rotate", cmd_keys_rotate, "[--json]",
     "rotate the key that signs invocation JWTs for remotes (the old one stays published until its tokens expire)",
     keys_rotate_opts},
    {"keys", "new-master", cmd_keys_new_master, "FILE",
     "create FILE (mode 0600) holding a new master key, for kiln serve --key-file on every node", keys_new_master_opts},
    {"store", "check", cmd_store_check, "[--data DIR | --store postgresql://...]",
     "check the store's integrity (server stopped or running)", store_check_opts},
    {"store", "migrate", cmd_store_migrate, "--from DATA_DIR --to postgresql://...",
     "copy a stopped SQLite installation's store into an empty PostgreSQL database, every table, secrets still "
     "sealed; verify counts and checksums (docs/scale.md \"Moving\")",
     store_migrate_opts},
};
const unsigned cli_commands_len = sizeof cli_commands / sizeof cli_commands[0];

const cli_cmd_t *cli_find(const char *group, const char *verb)
{
    for (unsigned i = 0; i < cli_commands_len; i++) {
        const cli_cmd_t *c = &cli_commands[i];
        if (strcmp(c->group, group) == 0 && (!c->verb || (verb && strcmp(c->verb, verb) == 0)))
            return c;
    }
    return NULL;
}
