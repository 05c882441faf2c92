/* kiln: the server and its command line. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "version.h"

static void usage(FILE *f)
{
    fprintf(f,
            "kiln %s: a self-hostable, tenant-safe app platform compatible with Atlassian Forge\n\n"
            "usage: kiln COMMAND [options]   (kiln COMMAND --help for its options)\n\ncommands:\n",
            KILN_VERSION);
    for (unsigned i = 0; i < cli_commands_len; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s%s%s", cli_commands[i].group, cli_commands[i].verb ? " " : "",
                 cli_commands[i].verb ? cli_commands[i].verb : "");
        fprintf(f, "  %-20s %s\n", name, cli_commands[i].about);
    }
    fprintf(f, "\nenvironment: KILN_URL, KILN_DATA, KILN_ADMIN_TOKEN, KILN_LOG_LEVEL, KILN_DELIVERY_LEASE_MS (serve: "
               "docs/scale.md)\n");
}

int main(int argc, char **argv)
{
    log_init_from_env();
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("kiln %s\n", KILN_VERSION);
        return 0;
    }
    const char *verb = argc > 2 ? argv[2] : NULL;
    const cli_cmd_t *c = cli_find(argv[1], verb);
    if (!c) {
        int group_known = 0;
        for (unsigned i = 0; i < cli_commands_len; i++)
            group_known |= strcmp(cli_commands[i].group, argv[1]) == 0;
        if (group_known && (!verb || strcmp(verb, "--help") == 0)) {
            FILE *f = verb ? stdout : stderr;
            fprintf(f, "usage:\n");
            for (unsigned i = 0; i < cli_commands_len; i++)
                if (strcmp(cli_commands[i].group, argv[1]) == 0)
                    fprintf(f, "  kiln %s %s %s\n      %s\n", cli_commands[i].group, cli_commands[i].verb,
                            cli_commands[i].args, cli_commands[i].about);
            return verb ? 0 : 2;
        }
        fprintf(stderr, "kiln: unknown command '%s%s%s' (see kiln --help)\n", argv[1], group_known ? " " : "",
                group_known ? verb : "");
        return 2;
    }
    int skip = c->verb ? 3 : 2;
    return c->fn(argc - skip, argv + skip);
}
