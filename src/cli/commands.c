/* The command table: every kiln command, its usage line, help and options. */
#include <string.h>

#include "cli/cli.h"

const cli_cmd_t cli_commands[] = {
    {"serve", NULL, cmd_serve, "[--data DIR] [--listen HOST:PORT] [--threads N] [--public-url URL]",
     "run the kiln server until SIGTERM or Ctrl-C", serve_opts},
    {"site", "create", cmd_site_create, "NAME [--demo] [--json]", "create a site (tenant)", site_create_opts},
    {"site", "list", cmd_site_list, "[--json]", "list sites", site_list_opts},
    {"user", "token", cmd_user_token, "--site NAME [--account ID] [--json]",
     "mint an API token for a site user (default: the site admin)", user_token_opts},
    {"store", "check", cmd_store_check, "[--data DIR]", "check the store's integrity (server stopped or running)",
     store_check_opts},
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

