/* kiln register | deploy | deploy list | environments create|list | distribute: an app
 * directory's life on kiln, with the forge CLI's verbs. Commands run in the app
 * directory unless DIR (or --app DIR) names it. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/pack.h"
#include "platform/app.h"
#include "platform/manifest.h"
#include "platform/snapshot.h"

static cli_conn_t conn;
static int json_out;
static const char *app_dir_opt, *env_opt, *name_opt;

#define APP_OPTS                                                                                                       \
    {"--app", 1, &app_dir_opt, NULL, "the app directory (default: DIR or the current one)"},                           \
        {"--json", 0, NULL, &json_out, "print JSON"}, CLI_CONN_OPTS(conn)
#define ENV_OPT                                                                                                        \
    {"-e", 1, &env_opt, NULL, "environment (default development)"},                                                    \
    {                                                                                                                  \
        "--environment", 1, &env_opt, NULL, "same as -e"                                                               \
    }

const cli_opt_t register_opts[] = {
    {"--name", 1, &name_opt, NULL, "the app's name (default: the directory's name)"}, APP_OPTS, {0}};
static int warm_flag;
const cli_opt_t deploy_opts[] = {ENV_OPT,
                                 {"--warm", 0, NULL, &warm_flag,
                                  "start a worker of the new version now: its first invocation does not wait for one"},
                                 APP_OPTS,
                                 {0}};
const cli_opt_t env_create_opts[] = {APP_OPTS, {0}};
static const char *isolation_opt;
const cli_opt_t env_set_opts[] = {
    {"--isolation", 1, &isolation_opt, NULL, "installation (workers never serve two installations) or version"},
    APP_OPTS,
    {0}};
const cli_opt_t distribute_opts[] = {ENV_OPT, APP_OPTS, {0}};

/* ---- the app directory ---- */

typedef struct app_dir {
    const char *dir;
    char *text; /* manifest.yml */
    size_t len;
    manifest_t m;
    arena_t *a;
} app_dir_t;

static const char *pick_dir(int npos, const char **pos)
{
    return app_dir_opt ? app_dir_opt : npos ? pos[0] : ".";
}

static char *read_file(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat sb;
    char *buf = NULL;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && (size_t)sb.st_size <= max) {
        buf = xmalloc((size_t)sb.st_size + 1);
        ssize_t n = read(fd, buf, (size_t)sb.st_size);
        if (n != sb.st_size) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
            *len = (size_t)n;
        }
    } else {
        errno = EFBIG;
    }
    close(fd);
    return buf;
}

static void free_app_dir(app_dir_t *d)
{
    free(d->text);
    arena_free(d->a);
    d->text = NULL;
    d->a = NULL;
}

/* Reads and validates DIR/manifest.yml (files checked when check_files). 0, or -1 after
 * printing why (and with nothing left to free). */
static int load_app_dir(app_dir_t *d, const char *dir, int allow_missing_id, int check_files)
{
    char path[4200];
    *d = (app_dir_t){.dir = dir, .a = arena_new(64u * 1024 * 1024)};
    snprintf(path, sizeof path, "%s/manifest.yml", dir);
    d->text = read_file(path, MANIFEST_MAX_BYTES, &d->len);
    if (!d->text) {
        fprintf(stderr, "kiln: cannot read %s: %s\n", path,
                errno == EFBIG ? "not a regular file of at most 1 MiB" : strerror(errno));
        free_app_dir(d);
        return -1;
    }
    manifest_err_t err;
    d->m = (manifest_t){.allow_missing_id = allow_missing_id};
    if (manifest_parse(d->a, "manifest.yml", d->text, d->len, check_files ? dir : NULL, &d->m, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        free_app_dir(d);
        return -1;
    }
    return 0;
}

static const char *app_uuid(const app_dir_t *d)
{
    return d->m.app_id ? app_id_from_ari(d->m.app_id) : NULL;
}

/* Calls /admin/v1/apps/<the app in dir><suffix>; 0 with *resp set when the server
 * answered `expect`, else the exit code after printing why. `body` is consumed. */
static int call_app(const char *dir, const char *method, const char *suffix, json_t *body, long expect, json_t **resp)
{
    app_dir_t d;
    if (load_app_dir(&d, dir, 0, 0) != 0) {
        json_decref(body);
        return 1;
    }
    char path[512];
    snprintf(path, sizeof path, "/admin/v1/apps/%s%s", app_uuid(&d), suffix);
    free_app_dir(&d);
    long status = client_call(&conn, method, path, body, resp);
    if (status != expect)
        return status < 0 ? 1 : client_fail(status, *resp);
    return 0;
}

/* Prints the server's warnings[] (manifest.h's manifest_warning_t as JSON) on stderr,
 * one line each: the manifest kiln accepted but runs differently from Forge, or not. */
static void print_warnings(const json_t *resp)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(resp, "warnings"), i, w)
    {
        manifest_warning_t mw = {.path = json_string_value(json_object_get(w, "path")),
                                 .key = json_string_value(json_object_get(w, "key")),
                                 .message = json_string_value(json_object_get(w, "message")),
                                 .line = (unsigned)json_integer_value(json_object_get(w, "line")),
                                 .col = (unsigned)json_integer_value(json_object_get(w, "col"))};
        char line[1200];
        if (!mw.path || !mw.message)
            continue;
        manifest_warning_format(&mw, "manifest.yml", line, sizeof line);
        fprintf(stderr, "%s\n", line);
    }
}

/* ---- register ---- */

/* Writes app.id into the manifest's text, keeping every other byte: replaces the value of
 * an `id:` line directly under the top-level `app:` mapping, or inserts one. */
static char *with_app_id(const char *text, const char *ari, char *why, size_t whylen)
{
    const char *app = NULL;
    for (const char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        if (strncmp(l, "app:", 4) == 0) {
            const char *rest = l + 4;
            while (*rest == ' ' || *rest == '\t')
                rest++;
            if (*rest && *rest != '\n' && *rest != '\r' && *rest != '#') {
                snprintf(why, whylen, "manifest.yml: app is written inline; put its id in by hand");
                return NULL;
            }
            app = l;
            break;
        }
    }
    if (!app) {
        snprintf(why, whylen, "manifest.yml has no top-level app: section");
        return NULL;
    }
    const char *first_child = strchr(app, '\n');
    first_child = first_child ? first_child + 1 : app + strlen(app);
    size_t indent = 0;
    const char *id_line = NULL, *insert_at = first_child;
    for (const char *l = first_child; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        size_t sp = strspn(l, " ");
        if (l[sp] == '\n' || l[sp] == '\r' || l[sp] == '#' || l[sp] == '\0')
            continue; /* blank or comment */
        if (sp == 0)
            break; /* the next top-level key */
        if (!indent)
            indent = sp;
        if (sp == indent && strncmp(l + sp, "id:", 3) == 0) {
            id_line = l;
            break;
        }
    }
    if (!indent)
        indent = 2;
    size_t n = strlen(text), al = strlen(ari);
    char *out = xmalloc(n + al + indent + 16);
    size_t o = 0;
    if (id_line) {
        /* only the value changes: its quotes, the spaces around it and a comment stay */
        const char *val = id_line + indent + 3, *end;
        while (*val == ' ' || *val == '\t')
            val++;
        char q = *val == '"' || *val == '\'' ? *val : 0;
        if (q) {
            end = strchr(val + 1, q);
            end = end && !memchr(val, '\n', (size_t)(end - val)) ? end + 1 : val + strcspn(val, "\r\n");
        } else {
            end = val;
            while (*end && *end != '\n' && *end != '\r' && !(*end == '#' && end > val))
                end++;
            while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        }
        memcpy(out, text, (size_t)(val - text));
        o = (size_t)(val - text);
        if (val == id_line + indent + 3)
            out[o++] = ' ';
        if (q)
            o += (size_t)sprintf(out + o, "%c%s%c", q, ari, q);
        else
            o += (size_t)sprintf(out + o, "%s%s", ari, *end == '#' ? " " : "");
        memcpy(out + o, end, strlen(end) + 1);
    } else {
        size_t head = (size_t)(insert_at - text);
        memcpy(out, text, head);
        o = head;
        if (head > 0 && text[head - 1] != '\n')
            out[o++] = '\n';
        o += (size_t)sprintf(out + o, "%*sid: %s\n", (int)indent, "", ari);
        memcpy(out + o, insert_at, strlen(insert_at) + 1);
    }
    return out;
}

/* Replaces path's content atomically (temp file, fsync, rename), keeping its mode. */
static int write_atomic(const char *path, const char *text)
{
    char tmp[4300];
    struct stat sb;
    mode_t mode = stat(path, &sb) == 0 ? sb.st_mode & 0777 : 0644;
    snprintf(tmp, sizeof tmp, "%s.kiln-tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    int ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int cmd_register(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("register", NULL), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    app_dir_t d;
    const char *dir = pick_dir(npos, pos);
    if (load_app_dir(&d, dir, 1, 0) != 0)
        return 1;
    char real[4096];
    const char *name = name_opt;
    if (!name) {
        name = realpath(dir, real) ? strrchr(real, '/') + 1 : "app";
        if (!*name)
            name = "app";
    }
    json_t *resp = NULL;
    long status = client_call(&conn, "POST", "/admin/v1/apps",
                              json_pack("{s:s,s:s%}", "name", name, "manifest", d.text, d.len), &resp);
    if (status != 201) {
        free_app_dir(&d);
        return status < 0 ? 1 : client_fail(status, resp);
    }
    print_warnings(resp);
    const char *ari = json_string_value(json_object_get(resp, "ari"));
    char why[256], path[4200];
    char *text = with_app_id(d.text, ari, why, sizeof why);
    snprintf(path, sizeof path, "%s/manifest.yml", dir);
    if (!text || write_atomic(path, text) != 0) {
        fprintf(stderr, "kiln: the app was registered as %s but manifest.yml was not updated: %s\n", ari,
                text ? strerror(errno) : why);
        free(text);
        json_decref(resp);
        free_app_dir(&d);
        return 1;
    }
    const char *old = d.m.app_id ? d.m.app_id : d.m.foreign_id;
    if (old)
        fprintf(stderr, "kiln: manifest.yml: app.id %s%s%s replaced by %s\n", *old ? "\"" : "", *old ? old : "(empty)",
                *old ? "\"" : "", ari);
    if (json_out)
        cli_print_json(resp);
    else
        printf("Registered %s as %s\nmanifest.yml now has its app.id; next: kiln deploy\n", name, ari);
    free(text);
    json_decref(resp);
    free_app_dir(&d);
    return 0;
}

/* ---- deploy ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int cli_deploy_dir(const cli_conn_t *c, const char *dir, const char *env, int warm, json_t **out)
{
    app_dir_t d;
    *out = NULL;
    if (load_app_dir(&d, dir, 0, 1) != 0)
        return 1;
    const char *id = app_uuid(&d);
    json_t *resp = NULL;
    long status = client_call(c, "POST", "/admin/v1/uploads", NULL, &resp);
    if (status != 201) {
        free_app_dir(&d);
        return status < 0 ? 1 : client_fail(status, resp);
    }
    char upload[64];
    snprintf(upload, sizeof upload, "%s", json_string_value(json_object_get(resp, "uploadId")));
    uint64_t max = (uint64_t)json_integer_value(json_object_get(resp, "maxBytes"));
    size_t chunk = (size_t)json_integer_value(json_object_get(resp, "chunkBytes"));
    json_decref(resp);
    if (!chunk || chunk > SNAPSHOT_CHUNK)
        chunk = SNAPSHOT_CHUNK;

    char work[] = "/tmp/kiln-deploy-XXXXXX";
    if (!mkdtemp(work)) {
        fprintf(stderr, "kiln: cannot create a temporary directory: %s\n", strerror(errno));
        free_app_dir(&d);
        return 1;
    }
    char tar[4200];
    snprintf(tar, sizeof tar, "%s/snapshot.tar", work);
    uint64_t bytes = 0;
    int result = 1;
    if (pack_app(d.dir, &d.m, work, tar, max, &bytes) != 0)
        goto out;
    if (bytes > max) {
        fprintf(stderr, "kiln: the snapshot (%llu bytes) is larger than the server's limit of %llu bytes\n",
                (unsigned long long)bytes, (unsigned long long)max);
        goto out;
    }
    /* upload in chunks */
    FILE *f = fopen(tar, "rb");
    char *buf = xmalloc(chunk);
    uint64_t off = 0;
    size_t n;
    while (f && (n = fread(buf, 1, chunk, f)) > 0) {
        char path[256];
        snprintf(path, sizeof path, "/admin/v1/uploads/%s?offset=%llu", upload, (unsigned long long)off);
        status = client_call_raw(c, "PUT", path, buf, n, "application/octet-stream", &resp);
        if (status != 200) {
            if (status >= 0)
                client_fail(status, resp);
            break;
        }
        json_decref(resp);
        off += n;
    }
    free(buf);
    if (f)
        fclose(f);
    if (off != bytes)
        goto out;
    char path[512];
    snprintf(path, sizeof path, "/admin/v1/apps/%s/environments/%s/versions", id, env);
    status =
        client_call(c, "POST", path,
                    json_pack("{s:s,s:s%,s:b}", "uploadId", upload, "manifest", d.text, d.len, "warm", warm), &resp);
    if (status != 201) {
        if (status >= 0)
            client_fail(status, resp);
        goto out;
    }
    print_warnings(resp);
    json_object_set_new(resp, "appAri", json_string(d.m.app_id));
    *out = resp;
    result = 0;
out:
    nftw(work, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free_app_dir(&d);
    return result;
}

int cmd_deploy(int argc, char **argv)
{
    const char *pos[2];
    int npos, rc = cli_parse(cli_find("deploy", NULL), argc, argv, pos, 2, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (npos >= 1 && strcmp(pos[0], "list") == 0)
        return cmd_deploy_list(npos - 1, pos + 1);
    if (npos > 1) {
        fprintf(stderr, "kiln: deploy takes one DIR\n");
        return 2;
    }
    const char *env = env_opt ? env_opt : "development";
    if (!app_env_key_valid(env)) {
        fprintf(stderr, "kiln: invalid environment '%s'\n", env);
        return 2;
    }
    json_t *resp;
    int result = cli_deploy_dir(&conn, pick_dir(npos, pos), env, warm_flag, &resp);
    if (result != 0)
        return result;
    char ari[256]; /* the answer's own fields only in --json */
    snprintf(ari, sizeof ari, "%s", json_string_value(json_object_get(resp, "appAri")));
    json_object_del(resp, "appAri");
    if (json_out)
        cli_print_json(resp);
    else
        printf("Deployed %s version %s to %s (%lld bytes of files)\n", ari,
               json_string_value(json_object_get(resp, "version")), env,
               (long long)json_integer_value(json_object_get(resp, "snapshotBytes")));
    json_decref(resp);
    return 0;
}

int cmd_deploy_list(int npos, const char **pos)
{
    if (npos > 1) {
        fprintf(stderr, "kiln: deploy list takes one DIR\n");
        return 2;
    }
    const char *env = env_opt ? env_opt : "development";
    if (!app_env_key_valid(env)) {
        fprintf(stderr, "kiln: invalid environment '%s'\n", env);
        return 2;
    }
    char suffix[128];
    snprintf(suffix, sizeof suffix, "/environments/%s/versions", env);
    json_t *resp = NULL;
    int rc = call_app(pick_dir(npos, pos), "GET", suffix, NULL, 200, &resp);
    if (rc)
        return rc;
    if (json_out) {
        cli_print_json(resp);
    } else {
        size_t i;
        json_t *v;
        printf("%-10s %-6s %-30s %s\n", "version", "major", "deployed", "bytes");
        json_array_foreach(json_object_get(resp, "versions"), i, v)
            printf("%-10s %-6lld %-30s %lld\n", json_string_value(json_object_get(v, "version")),
                   json_integer_value(json_object_get(v, "major")), json_string_value(json_object_get(v, "createdAt")),
                   json_integer_value(json_object_get(v, "snapshotBytes")));
    }
    json_decref(resp);
    return 0;
}

/* ---- environments, distribute ---- */

int cmd_environments_create(int argc, char **argv)
{
    const char *pos[2];
    int npos, rc = cli_parse(cli_find("environments", "create"), argc, argv, pos, 2, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (npos < 1) {
        fprintf(stderr, "kiln: environments create needs a NAME\n");
        return 2;
    }
    if (!app_env_key_valid(pos[0])) {
        fprintf(stderr, "kiln: an environment name must match ^[a-z][a-z0-9-]{0,29}$\n");
        return 2;
    }
    json_t *resp = NULL;
    if ((rc = call_app(pick_dir(npos - 1, pos + 1), "POST", "/environments", json_pack("{s:s}", "key", pos[0]), 201,
                       &resp)))
        return rc;
    if (json_out)
        cli_print_json(resp);
    else
        printf("Created environment %s\n", pos[0]);
    json_decref(resp);
    return 0;
}

int cmd_environments_set(int argc, char **argv)
{
    const char *pos[2];
    int npos, rc = cli_parse(cli_find("environments", "set"), argc, argv, pos, 2, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    if (npos < 1 || !app_env_key_valid(pos[0])) {
        fprintf(stderr, "kiln: environments set needs an environment NAME (^[a-z][a-z0-9-]{0,29}$)\n");
        return 2;
    }
    if (!isolation_opt || (strcmp(isolation_opt, "installation") != 0 && strcmp(isolation_opt, "version") != 0)) {
        fprintf(stderr, "kiln: --isolation takes installation or version\n");
        return 2;
    }
    char suffix[64];
    snprintf(suffix, sizeof suffix, "/environments/%s", pos[0]);
    json_t *resp = NULL;
    if ((rc = call_app(pick_dir(npos - 1, pos + 1), "PATCH", suffix, json_pack("{s:s}", "isolation", isolation_opt),
                       200, &resp)))
        return rc;
    if (json_out)
        cli_print_json(resp);
    else
        printf("Environment %s: isolation %s\n", pos[0], isolation_opt);
    json_decref(resp);
    return 0;
}

int cmd_environments_list(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("environments", "list"), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    json_t *resp = NULL;
    if ((rc = call_app(pick_dir(npos, pos), "GET", "", NULL, 200, &resp)))
        return rc;
    if (json_out) {
        cli_print_json(resp);
    } else {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(resp, "environments"), i, e)
        {
            json_t *latest = json_object_get(e, "latest");
            const char *iso_s = json_string_value(json_object_get(e, "isolation"));
            printf("%-20s %s%s\n", json_string_value(json_object_get(e, "key")),
                   json_is_object(latest) ? json_string_value(json_object_get(latest, "version")) : "(not deployed)",
                   iso_s && strcmp(iso_s, "installation") == 0 ? "  (isolation: installation)" : "");
        }
    }
    json_decref(resp);
    return 0;
}

int cmd_distribute(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("distribute", NULL), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    const char *env = env_opt ? env_opt : "development";
    if (!app_env_key_valid(env)) {
        fprintf(stderr, "kiln: invalid environment '%s'\n", env);
        return 2;
    }
    char suffix[128];
    snprintf(suffix, sizeof suffix, "/environments/%s/distribution", env);
    json_t *resp = NULL;
    if ((rc = call_app(pick_dir(npos, pos), "GET", suffix, NULL, 200, &resp)))
        return rc;
    if (json_out)
        cli_print_json(resp);
    else
        printf("%s\n", json_string_value(json_object_get(resp, "url")));
    json_decref(resp);
    return 0;
}
