/* Option parsing shared by every command, and usage text from the command table. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

void cli_usage(const cli_cmd_t *c)
{
    printf("usage: kiln %s%s%s %s\n\n%s\n\noptions:\n", c->group, c->verb ? " " : "", c->verb ? c->verb : "", c->args,
           c->about);
    for (const cli_opt_t *o = c->opts; o && o->name; o++)
        printf("  %-18s %s\n", o->name, o->help);
    printf("  %-18s %s\n", "--help", "show this help");
}

int cli_parse(const cli_cmd_t *c, int argc, char **argv, const char **pos, int maxpos, int *npos)
{
    *npos = 0;
    int rest = 0; /* after "--": positionals only */
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!rest && strcmp(a, "--") == 0) {
            rest = 1;
            continue;
        }
        if (rest)
            goto positional;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_usage(c);
            return 1;
        }
        if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
            const char *eq = strchr(a, '=');
            size_t n = eq ? (size_t)(eq - a) : strlen(a);
            const cli_opt_t *o = c->opts;
            while (o && o->name && !(strlen(o->name) == n && strncmp(o->name, a, n) == 0))
                o++;
            if (!o || !o->name) {
                fprintf(stderr, "kiln: unknown option '%.*s' (see kiln %s%s%s --help)\n", (int)n, a, c->group,
                        c->verb ? " " : "", c->verb ? c->verb : "");
                return -1;
            }
            if (!o->has_arg) {
                if (eq) {
                    fprintf(stderr, "kiln: option '%s' takes no value\n", o->name);
                    return -1;
                }
                if (o->flag)
                    *o->flag = 1;
            } else {
                const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
                if (!v) {
                    fprintf(stderr, "kiln: option '%s' needs a value\n", o->name);
                    return -1;
                }
                if (o->val)
                    *o->val = v;
            }
            continue;
        }
    positional:
        if (*npos >= maxpos) {
            fprintf(stderr, "kiln: unexpected argument '%s'\n", a);
            return -1;
        }
        pos[(*npos)++] = a;
    }
    return 0;
}
