/* kiln variables set | list | unset: environment variables of the app in the current (or
 * given) directory, as `forge variables`. Values of encrypted variables are never
 * printed: the server does not return them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "platform/app.h"
#include "platform/variables.h"

static cli_conn_t conn;
static int json_out, encrypt_flag;
static const char *env_opt, *app_dir_opt;

#define COMMON                                                                                                         \
    {"-e", 1, &env_opt, NULL, "environment (default development)"},                                                    \
        {"--environment", 1, &env_opt, NULL, "same as -e"},                                                            \
        {"--app", 1, &app_dir_opt, NULL, "the app directory (default: the current one)"},                              \
        {"--json", 0, NULL, &json_out, "print JSON"}, CLI_CONN_OPTS(conn)

const cli_opt_t variables_set_opts[] = {
    {"--encrypt", 0, NULL, &encrypt_flag, "store the value encrypted; it is never shown again"}, COMMON, {0}};
const cli_opt_t variables_list_opts[] = {COMMON, {0}};
const cli_opt_t variables_unset_opts[] = {COMMON, {0}};

/* Parses, checks the environment and finds the app; 0, or the exit code. */
static int setup(const char *verb, int argc, char **argv, const char **pos, int maxpos, int *npos, arena_t *a,
                 const char **app, const char **env)
{
    int rc = cli_parse(cli_find("variables", verb), argc, argv, pos, maxpos, npos);
    if (rc)
        return rc < 0 ? 2 : -1;
    *env = env_opt ? env_opt : "development";
    if (!app_env_key_valid(*env)) {
        fprintf(stderr, "kiln: invalid environment '%s'\n", *env);
        return 2;
    }
    *app = cli_app_of_dir(a, app_dir_opt ? app_dir_opt : ".");
    return *app ? 0 : 1;
}

static int check_key(const char *key)
{
    if (variables_key_valid(key))
        return 0;
    fprintf(stderr, "kiln: a variable key is 1 to 128 letters, digits and underscores, not starting with a digit\n");
    return -1;
}

/* The value from stdin: typed without echo on a terminal, else the whole input (one
 * trailing newline dropped). NULL after printing why. */
static char *read_value(void)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "Value: ");
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
    }
    size_t cap = VARIABLES_VALUE_MAX + 2, n = 0;
    char *v = malloc(cap + 1);
    size_t got;
    while (v && n < cap && (got = fread(v + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (tty && memchr(v, '\n', n))
            break;
    }
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    if (!v)
        return NULL;
    if (tty) {
        char *nl = memchr(v, '\n', n);
        if (nl)
            n = (size_t)(nl - v);
    } else if (n > 0 && v[n - 1] == '\n') {
        n--;
        if (n > 0 && v[n - 1] == '\r')
            n--;
    }
    if (n > VARIABLES_VALUE_MAX) {
        fprintf(stderr, "kiln: a variable's value is at most %d bytes\n", VARIABLES_VALUE_MAX);
        free(v);
        return NULL;
    }
    v[n] = '\0';
    return v;
}

int cmd_variables_set(int argc, char **argv)
{
    const char *pos[2], *app, *env;
    int npos;
    arena_t *a = arena_new(8u * 1024 * 1024);
    char *typed = NULL;
    int result = setup("set", argc, argv, pos, 2, &npos, a, &app, &env);
    if (result) {
        result = result < 0 ? 0 : result;
        goto out;
    }
    result = 2;
    if (npos < 1) {
        fprintf(stderr, "kiln: usage: kiln variables set KEY [VALUE] [--encrypt] [-e ENV]\n");
        goto out;
    }
    if (check_key(pos[0]) != 0)
        goto out;
    const char *value = npos == 2 ? pos[1] : (typed = read_value());
    result = 1;
    if (!value)
        goto out;
    char path[512];
    snprintf(path, sizeof path, "/admin/v1/apps/%s/environments/%s/variables/%s", app, env, pos[0]);
    json_t *body = json_pack("{s:s?,s:b}", "value", value, "encrypt", encrypt_flag);
    if (!body) {
        fprintf(stderr, "kiln: the value is not UTF-8 text\n");
        goto out;
    }
    json_t *resp = NULL;
    long status = client_call(&conn, "PUT", path, body, &resp);
    if (status != 200) {
        result = status < 0 ? 1 : client_fail(status, resp);
        goto out;
    }
    if (json_out)
        cli_print_json(resp);
    else
        printf("%s %s%s in %s\n", json_is_true(json_object_get(resp, "created")) ? "Set" : "Updated", pos[0],
               encrypt_flag ? " (encrypted)" : "", env);
    json_decref(resp);
    result = 0;
out:
    if (typed) {
        memset(typed, 0, strlen(typed));
        free(typed);
    }
    arena_free(a);
    return result;
}

int cmd_variables_list(int argc, char **argv)
{
    const char *app, *env;
    int npos;
    arena_t *a = arena_new(8u * 1024 * 1024);
    int result = setup("list", argc, argv, NULL, 0, &npos, a, &app, &env);
    if (result) {
        result = result < 0 ? 0 : result;
        goto out;
    }
    char path[512];
    snprintf(path, sizeof path, "/admin/v1/apps/%s/environments/%s/variables", app, env);
    json_t *resp = NULL;
    long status = client_call(&conn, "GET", path, NULL, &resp);
    if (status != 200) {
        result = status < 0 ? 1 : client_fail(status, resp);
        goto out;
    }
    if (json_out) {
        cli_print_json(resp);
    } else {
        json_t *vars = json_object_get(resp, "variables");
        if (json_array_size(vars) == 0)
            printf("No variables in %s.\n", env);
        else
            printf("%-32s %-9s %s\n", "key", "encrypted", "value");
        size_t i;
        json_t *v;
        json_array_foreach(vars, i, v)
        {
            int enc = json_is_true(json_object_get(v, "encrypted"));
            const char *val = json_string_value(json_object_get(v, "value"));
            printf("%-32s %-9s %s\n", json_string_value(json_object_get(v, "key")), enc ? "yes" : "no",
                   enc || !val ? "********" : val);
        }
    }
    json_decref(resp);
    result = 0;
out:
    arena_free(a);
    return result;
}

int cmd_variables_unset(int argc, char **argv)
{
    const char *pos[1], *app, *env;
    int npos;
    arena_t *a = arena_new(8u * 1024 * 1024);
    int result = setup("unset", argc, argv, pos, 1, &npos, a, &app, &env);
    if (result) {
        result = result < 0 ? 0 : result;
        goto out;
    }
    result = 2;
    if (npos != 1) {
        fprintf(stderr, "kiln: usage: kiln variables unset KEY [-e ENV]\n");
        goto out;
    }
    if (check_key(pos[0]) != 0)
        goto out;
    char path[512];
    snprintf(path, sizeof path, "/admin/v1/apps/%s/environments/%s/variables/%s", app, env, pos[0]);
    json_t *resp = NULL;
    long status = client_call(&conn, "DELETE", path, NULL, &resp);
    if (status != 200) {
        result = status < 0 ? 1 : client_fail(status, resp);
        goto out;
    }
    if (json_out)
        cli_print_json(resp);
    else
        printf("Removed %s from %s\n", pos[0], env);
    json_decref(resp);
    result = 0;
out:
    arena_free(a);
    return result;
}
