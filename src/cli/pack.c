#include "cli/pack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/relpath.h"
#include "platform/snapshot.h"

extern char **environ;

/* ---- package.json: what the app declares ---- */

/* A package name as npm allows it: "name" or "@scope/name", lowercase URL-safe characters. */
static int pkg_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > PACK_MAX_NAME || s[0] == '.' || s[0] == '_')
        return 0;
    int slashes = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '/')
            slashes++;
        else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("-._~@", *p) ||
                   (*p >= 'A' && *p <= 'Z')))
            return 0;
    }
    if (s[0] == '@')
        return slashes == 1 && s[1] != '/' && s[n - 1] != '/' && !strstr(s, "/.");
    return slashes == 0 && !strchr(s, '@');
}

/* A relative path inside the app (base/relpath.h), for the kiln.include table. */
static int rel_path_ok(const char *p)
{
    return relpath_ok(p, PACK_MAX_NAME);
}

/* Reads DIR/package.json's "kiln" object into *external and *include (JSON arrays of
 * strings, owned by the caller; empty when there is no package.json). 0, or -1 after a
 * one-line reason. */
static int read_declared(const char *app_dir, json_t **external, json_t **include)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/package.json", app_dir);
    *external = json_array();
    *include = json_array();
    struct stat sb;
    if (stat(path, &sb) != 0)
        return 0;
    if (sb.st_size > PACK_MAX_PACKAGE_JSON) {
        fprintf(stderr, "kiln: package.json is larger than %d bytes\n", PACK_MAX_PACKAGE_JSON);
        return -1;
    }
    json_error_t je;
    json_t *pkg = json_load_file(path, 0, &je);
    if (!pkg) {
        fprintf(stderr, "kiln: package.json:%d:%d: %s\n", je.line, je.column, je.text);
        return -1;
    }
    json_t *k = json_object_get(pkg, "kiln");
    int rc = 0;
    if (k && !json_is_object(k)) {
        fprintf(stderr, "kiln: package.json: \"kiln\" must be an object with \"external\" and \"include\" arrays\n");
        rc = -1;
    }
    static const struct {
        const char *key, *what;
        int (*ok)(const char *);
        size_t max;
    } lists[] = {{"external", "package names", pkg_name_ok, PACK_MAX_EXTERNAL},
                 {"include", "relative paths inside the app", rel_path_ok, PACK_MAX_INCLUDE}};
    for (size_t l = 0; rc == 0 && k && l < 2; l++) {
        json_t *arr = json_object_get(k, lists[l].key), *v;
        size_t i;
        if (!arr)
            continue;
        if (!json_is_array(arr) || json_array_size(arr) > lists[l].max) {
            fprintf(stderr, "kiln: package.json: kiln.%s must be an array of at most %zu %s\n", lists[l].key,
                    lists[l].max, lists[l].what);
            rc = -1;
            break;
        }
        json_array_foreach(arr, i, v)
        {
            if (!json_is_string(v) || !lists[l].ok(json_string_value(v))) {
                fprintf(stderr, "kiln: package.json: kiln.%s[%zu] is not one of %s\n", lists[l].key, i, lists[l].what);
                rc = -1;
                break;
            }
            json_array_append(l == 0 ? *external : *include, v);
        }
    }
    json_decref(pkg);
    return rc;
}

/* ---- bundling ---- */

/* The package an input of esbuild's metafile belongs to: the name after its last
 * "node_modules/" (two parts when scoped), copied to out; *dir_len gets the length of
 * the package directory's path in `input`. 0, or -1 when the input is not in a package. */
static int package_of(const char *input, char *out, size_t outlen, size_t *dir_len)
{
    const char *p = NULL;
    for (const char *s = input; (s = strstr(s, "node_modules/")) != NULL; s++)
        if (s == input || s[-1] == '/')
            p = s;
    if (!p)
        return -1;
    p += strlen("node_modules/");
    const char *end = strchr(p, '/');
    if (end && *p == '@')
        end = strchr(end + 1, '/');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n == 0 || n >= outlen)
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    *dir_len = (size_t)(p - input) + n;
    return pkg_name_ok(out) ? 0 : -1;
}

/* The package name of a bare import ("pkg", "pkg/sub", "@s/pkg/sub"), or -1 for a
 * relative, absolute or node: import. */
static int bare_package(const char *spec, char *out, size_t outlen)
{
    if (!*spec || *spec == '.' || *spec == '/' || strncmp(spec, "node:", 5) == 0)
        return -1;
    const char *end = strchr(spec, '/');
    if (end && *spec == '@')
        end = strchr(end + 1, '/');
    size_t n = end ? (size_t)(end - spec) : strlen(spec);
    if (n == 0 || n >= outlen)
        return -1;
    memcpy(out, spec, n);
    out[n] = '\0';
    return pkg_name_ok(out) ? 0 : -1;
}

/* Loaders of native addons: a package that calls one finds its .node file at run time,
 * next to its own files, so it cannot be bundled. */
static const char *const addon_loaders[] = {
    "bindings",     "node-gyp-build",  "node-gyp-build-optional-packages", "@mapbox/node-pre-gyp",
    "node-pre-gyp", "prebuild-install"};

static int is_addon_import(const char *path)
{
    size_t n = strlen(path);
    if (n > 5 && strcmp(path + n - 5, ".node") == 0)
        return 1;
    for (size_t i = 0; i < sizeof addon_loaders / sizeof *addon_loaders; i++)
        if (strcmp(path, addon_loaders[i]) == 0)
            return 1;
    return 0;
}

/* Adds name -> dir to `keep` (dir NULL: resolved later from the app's node_modules).
 * Returns 1 when it is new. */
static int keep_add(json_t *keep, const char *name, const char *dir)
{
    if (json_object_get(keep, name))
        return 0;
    json_object_set_new(keep, name, dir ? json_string(dir) : json_null());
    return 1;
}

/* Prints esbuild's first error as one line: "FILE:LINE:COL: message (and N more)". */
static void report_esbuild(const char *src, const char *log_path)
{
    FILE *f = fopen(log_path, "r");
    char line[1024], msg[512] = "", where[512] = "";
    int errors = 0;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *e = strstr(line, "[ERROR] ");
        if (e) {
            if (errors++ == 0)
                snprintf(msg, sizeof msg, "%s", e + 8);
            continue;
        }
        const char *s = line + strspn(line, " ");
        size_t n = strlen(s);
        if (errors == 1 && !*where && n > 1 && s[n - 1] == ':' && s != line && strchr(s, ':') != s + n - 1)
            snprintf(where, sizeof where, "%.*s: ", (int)(n - 1), s);
    }
    if (f)
        fclose(f);
    if (!errors)
        fprintf(stderr, "kiln: bundling %s failed (esbuild gave no message); nothing was deployed\n", src);
    else
        fprintf(stderr, "kiln: bundling %s failed: %s%s%s; nothing was deployed\n", src, where, msg,
                errors > 1 ? " (and more errors)" : "");
}

/* esbuild's options by what is bundled (after the entry, the outfile and the metafile):
 * a handler file for the worker (Node), or a UI Kit resource's entry for the frame (the
 * browser; React's automatic JSX runtime from the app's node_modules; JSX in .js files too,
 * where apps keep components; CSS beside the script; images and fonts as files under
 * assets/, as Forge's bundler allows). */
static const char *const node_args[] = {"--bundle",        "--platform=node",   "--format=cjs",
                                        "--target=node20", "--log-level=error", "--color=false",
                                        "--jsx=automatic", "--external:*.node", NULL};
static const char *const browser_args[] = {"--bundle",
                                           "--platform=browser",
                                           "--format=iife",
                                           "--target=es2020",
                                           "--log-level=error",
                                           "--color=false",
                                           "--jsx=automatic",
                                           "--minify",
                                           "--define:process.env.NODE_ENV=\"production\"",
                                           "--loader:.js=jsx",
                                           "--loader:.css=css",
                                           "--loader:.png=file",
                                           "--loader:.jpg=file",
                                           "--loader:.jpeg=file",
                                           "--loader:.gif=file",
                                           "--loader:.webp=file",
                                           "--loader:.svg=file",
                                           "--loader:.woff=file",
                                           "--loader:.woff2=file",
                                           "--loader:.ttf=file",
                                           "--asset-names=assets/[name]-[hash]",
                                           NULL};
enum { MAX_MODE_ARGS = 24 };

/* Runs esbuild on one entry file of the app directory (`mode`: node_args or
 * browser_args), with `keep`'s packages external (NULL: none), its metafile at meta; a
 * failure names `label` (the file, or the resource and its manifest line). 0, or -1 after
 * one line. */
static int bundle(const char *app_dir, const char *src, const char *label, const char *const *mode, const char *out,
                  const char *meta, const char *log_path, json_t *keep)
{
    const char *esbuild = getenv("KILN_ESBUILD") ? getenv("KILN_ESBUILD") : "esbuild";
    char outfile[PATH_MAX + 64], metafile[PATH_MAX + 64];
    snprintf(outfile, sizeof outfile, "--outfile=%s", out);
    snprintf(metafile, sizeof metafile, "--metafile=%s", meta);
    const char *argv[4 + MAX_MODE_ARGS + PACK_MAX_KEPT + 1];
    char ext[PACK_MAX_KEPT][PACK_MAX_NAME + 16];
    size_t n = 0;
    if (keep && json_object_size(keep) > PACK_MAX_KEPT)
        return -1; /* scan_meta refused it already */
    argv[n++] = esbuild;
    argv[n++] = src;
    argv[n++] = outfile;
    argv[n++] = metafile;
    for (size_t i = 0; mode[i] && i < MAX_MODE_ARGS; i++)
        argv[n++] = mode[i];
    const char *name;
    json_t *v;
    size_t k = 0;
    if (keep)
        json_object_foreach(keep, name, v)
        {
            snprintf(ext[k], sizeof ext[k], "--external:%s", name);
            argv[n++] = ext[k++];
        }
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, app_dir);
    posix_spawn_file_actions_addopen(&fa, 2, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawnp(&pid, esbuild, &fa, NULL, (char **)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "kiln: cannot run esbuild (%s): install it with `make deps`\n", strerror(rc));
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        report_esbuild(label, log_path);
        return -1;
    }
    return 0;
}

/* Reads a metafile and adds to `keep` every package that must stay outside the bundle: one
 * that loads a native addon, and every package the bundle still imports by name. Returns
 * how many were new, or -1 after one line. */
static int scan_meta(const char *app_dir, const char *meta, json_t *keep)
{
    json_error_t je;
    json_t *m = json_load_file(meta, 0, &je), *in, *imp;
    if (!m) {
        fprintf(stderr, "kiln: cannot read esbuild's metafile: %s\n", je.text);
        return -1;
    }
    int added = 0;
    const char *input;
    json_object_foreach(json_object_get(m, "inputs"), input, in)
    {
        size_t i, dl;
        char pkg[PACK_MAX_NAME + 1];
        json_array_foreach(json_object_get(in, "imports"), i, imp)
        {
            const char *p = json_string_value(json_object_get(imp, "path"));
            if (!p || !json_is_true(json_object_get(imp, "external")) || !is_addon_import(p))
                continue;
            if (package_of(input, pkg, sizeof pkg, &dl) != 0) {
                /* the app's own code: the bundle would look for it next to itself */
                fprintf(stderr,
                        "kiln: %s loads the native addon %s: kiln keeps addons only inside a package in "
                        "node_modules (docs/apps.md)\n",
                        input, p);
                json_decref(m);
                return -1;
            }
            char dir[PATH_MAX];
            snprintf(dir, sizeof dir, "%s%s%.*s", input[0] == '/' ? "" : app_dir, input[0] == '/' ? "" : "/", (int)dl,
                     input);
            added += keep_add(keep, pkg, dir);
        }
    }
    json_t *out;
    json_object_foreach(json_object_get(m, "outputs"), input, out)
    {
        size_t i;
        json_array_foreach(json_object_get(out, "imports"), i, imp)
        {
            const char *p = json_string_value(json_object_get(imp, "path"));
            char pkg[PACK_MAX_NAME + 1], dir[PATH_MAX];
            struct stat sb;
            if (!p || !json_is_true(json_object_get(imp, "external")) || bare_package(p, pkg, sizeof pkg) != 0)
                continue;
            /* a built-in (fs, events) is no package of the app's */
            snprintf(dir, sizeof dir, "%s/node_modules/%s", app_dir, pkg);
            if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
                added += keep_add(keep, pkg, NULL);
        }
    }
    json_decref(m);
    if (json_object_size(keep) > PACK_MAX_KEPT) {
        fprintf(stderr,
                "kiln: the bundles keep more than %d packages outside (package.json kiln.external and "
                "native addons)\n",
                PACK_MAX_KEPT);
        return -1;
    }
    return added;
}
/* ---- the archive ---- */

static struct {
    struct archive *ar;
    const char *root; /* the tree being walked */
    size_t root_len;
    const char *prefix; /* its path inside the archive ("" for the app itself) */
    char app_real[PATH_MAX];
    uint64_t total, max;
    int failed, depth;
    json_t *seen; /* names written: a tree added twice (a resource also included) is written once */
} W;

static int add_file(const char *path, const char *name, const struct stat *sb)
{
    if (json_object_get(W.seen, name))
        return 0;
    json_object_set_new(W.seen, name, json_true());
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_copy_stat(e, sb);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_uname(e, "");
    archive_entry_set_gname(e, "");
    int rc = 0;
    if (S_ISLNK(sb->st_mode)) {
        char target[4096];
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n < 0) {
            archive_entry_free(e);
            return -1;
        }
        target[n] = '\0';
        archive_entry_set_symlink(e, target);
        archive_entry_set_size(e, 0);
    } else if (!S_ISREG(sb->st_mode)) {
        archive_entry_set_size(e, 0);
    }
    if (archive_write_header(W.ar, e) != ARCHIVE_OK) {
        fprintf(stderr, "kiln: cannot archive %s: %s\n", name, archive_error_string(W.ar));
        rc = -1;
    } else if (S_ISREG(sb->st_mode)) {
        W.total += (uint64_t)sb->st_size;
        if (W.total > W.max) {
            fprintf(stderr, "kiln: the snapshot is larger than the limit of %llu bytes (at %s)\n",
                    (unsigned long long)W.max, name);
            rc = -1;
        }
        int fd = rc == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
        char buf[65536];
        ssize_t n;
        while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
            if (archive_write_data(W.ar, buf, (size_t)n) != n) {
                rc = -1;
                break;
            }
        if (fd >= 0)
            close(fd);
        else if (rc == 0)
            rc = -1;
    }
    archive_entry_free(e);
    return rc;
}

static int walk(const char *path, const struct stat *sb, int flag, struct FTW *ftw);

/* Archives the tree at `dir` under `prefix` (nested walks save and restore W). */
static int add_tree(const char *dir, const char *prefix)
{
    if (++W.depth > 8) {
        fprintf(stderr, "kiln: symlinks outside the app nest too deeply at %s\n", prefix);
        return -1;
    }
    const char *root = W.root, *pfx = W.prefix;
    size_t root_len = W.root_len;
    W.root = dir;
    W.root_len = strlen(dir);
    W.prefix = prefix;
    int rc = nftw(dir, walk, 32, FTW_PHYS | FTW_ACTIONRETVAL) != 0 || W.failed ? -1 : 0;
    W.root = root;
    W.root_len = root_len;
    W.prefix = pfx;
    W.depth--;
    return rc;
}

static int walk(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)flag;
    const char *rel = path + W.root_len;
    while (*rel == '/')
        rel++;
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s%s%s", W.prefix, *W.prefix && *rel ? "/" : "", rel);
    if (!*name)
        return 0;
    const char *base = path + ftw->base;
    /* version control and kiln's own build output are not part of an app */
    if ((S_ISDIR(sb->st_mode) && strcmp(base, ".git") == 0) ||
        (!*W.prefix && ftw->level == 1 && strcmp(base, ".kiln") == 0))
        return FTW_SKIP_SUBTREE;
    if (S_ISLNK(sb->st_mode)) {
        /* A link that stays inside the app is kept as a link; one that leaves it (a
         * node_modules linked from elsewhere, a workspace package) is replaced by what it
         * points to: the snapshot must stand alone. */
        char real[PATH_MAX];
        struct stat tsb;
        if (realpath(path, real) && stat(real, &tsb) == 0) {
            size_t al = strlen(W.app_real);
            int inside = strncmp(real, W.app_real, al) == 0 && (real[al] == '/' || real[al] == '\0');
            if (!inside) {
                if (S_ISDIR(tsb.st_mode))
                    return add_tree(real, name) == 0 ? FTW_CONTINUE : (W.failed = 1, FTW_STOP);
                if (S_ISREG(tsb.st_mode))
                    return add_file(real, name, &tsb) == 0 ? FTW_CONTINUE : (W.failed = 1, FTW_STOP);
                return FTW_CONTINUE;
            }
        }
    } else if (!S_ISREG(sb->st_mode) && !S_ISDIR(sb->st_mode)) {
        return FTW_CONTINUE; /* sockets, fifos, devices: never part of an app */
    }
    if (add_file(path, name, sb) != 0) {
        W.failed = 1;
        return FTW_STOP;
    }
    return FTW_CONTINUE;
}

/* ---- what goes in ---- */

/* Adds app_dir/rel (a file or a tree) under its own name; a missing one is an error
 * naming `what`. */
static int add_path(const char *app_dir, const char *rel, const char *what)
{
    char path[PATH_MAX];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", app_dir, rel);
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "kiln: %s %s: %s\n", what, rel, strerror(errno));
        return -1;
    }
    char real[PATH_MAX];
    if (!realpath(path, real)) {
        fprintf(stderr, "kiln: %s %s: %s\n", what, rel, strerror(errno));
        return -1;
    }
    if (S_ISDIR(sb.st_mode))
        return add_tree(real, rel);
    return S_ISREG(sb.st_mode) ? add_file(real, rel, &sb) : 0;
}

/* Where Node finds package `name` from directory `from`: the first ancestor's
 * node_modules/name (not looking inside a node_modules folder itself). 0 with out, or -1. */
static int node_resolve(const char *from, const char *name, char *out, size_t outlen)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", from);
    for (;;) {
        const char *base = strrchr(dir, '/');
        struct stat sb;
        if (base && strcmp(base + 1, "node_modules") != 0 &&
            (size_t)snprintf(out, outlen, "%s/node_modules/%s", dir, name) < outlen && stat(out, &sb) == 0 &&
            S_ISDIR(sb.st_mode))
            return 0;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            return -1;
        *slash = '\0';
    }
}

/* Archives every kept package as node_modules/<name>, whole, and what it depends on
 * (dependencies and optionalDependencies that are not inside it already), flattened. */
static int add_kept(const char *app_dir, json_t *keep, json_t *declared)
{
    json_t *todo = json_array();
    const char *name;
    json_t *v;
    json_object_foreach(keep, name, v) json_array_append_new(todo, json_string(name));
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < json_array_size(todo); i++) {
        name = json_string_value(json_array_get(todo, i));
        const char *dir = json_string_value(json_object_get(keep, name));
        char found[PATH_MAX], real[PATH_MAX], arch[PACK_MAX_NAME + 32];
        if (!dir) {
            snprintf(found, sizeof found, "%s/node_modules/%s", app_dir, name);
            dir = found;
        }
        if (!realpath(dir, real)) {
            int is_declared = 0;
            size_t j;
            json_array_foreach(declared, j, v) is_declared |= strcmp(json_string_value(v), name) == 0;
            if (is_declared) {
                fprintf(stderr, "kiln: package.json kiln.external names %s, which is not in node_modules\n", name);
                rc = -1;
            }
            continue; /* an optional dependency that is not installed */
        }
        snprintf(arch, sizeof arch, "node_modules/%s", name);
        if (add_tree(real, arch) != 0) {
            rc = -1;
            break;
        }
        char pj[PATH_MAX + 16];
        snprintf(pj, sizeof pj, "%s/package.json", real);
        json_t *pkg = json_load_file(pj, 0, NULL);
        static const char *const dep_keys[] = {"dependencies", "optionalDependencies"};
        for (size_t d = 0; d < 2; d++) {
            const char *dep;
            json_object_foreach(json_object_get(pkg, dep_keys[d]), dep, v)
            {
                char at[PATH_MAX], inside[PATH_MAX + PACK_MAX_NAME];
                struct stat sb;
                snprintf(inside, sizeof inside, "%s/node_modules/%s", real, dep);
                if (!pkg_name_ok(dep) || json_object_get(keep, dep) || stat(inside, &sb) == 0 ||
                    node_resolve(real, dep, at, sizeof at) != 0)
                    continue;
                if (json_object_size(keep) >= PACK_MAX_KEPT) {
                    fprintf(stderr, "kiln: the packages kept outside the bundles need more than %d packages\n",
                            PACK_MAX_KEPT);
                    rc = -1;
                    break;
                }
                keep_add(keep, dep, at);
                json_array_append_new(todo, json_string(dep));
            }
        }
        json_decref(pkg);
    }
    json_decref(todo);
    return rc;
}

/* ---- UI Kit resources ---- */

/* resources[i].path as a relative path inside the app ("./" and trailing "/" dropped) in
 * rel; `what` gets "resource KEY (manifest.yml:LINE):". 0, or -1 after one line. */
static int resource_rel(const manifest_t *m, size_t i, char *rel, size_t rellen, char *what, size_t whatlen)
{
    const char *rp = m->resources[i].path;
    while (strncmp(rp, "./", 2) == 0)
        rp += 2;
    snprintf(rel, rellen, "%s", rp);
    for (size_t n = strlen(rel); n > 1 && rel[n - 1] == '/'; n--)
        rel[n - 1] = '\0';
    snprintf(what, whatlen, "resource %s (manifest.yml:%u):", m->resources[i].key, m->resources[i].line);
    if (strlen(rp) > PACK_MAX_NAME || !rel_path_ok(rel)) {
        fprintf(stderr, "kiln: %s %s is not a relative path inside the app\n", what, m->resources[i].path);
        return -1;
    }
    return 0;
}

/* 1 when resources[i] is the entry of a UI Kit module (render: native) given as a file:
 * Forge's CLI bundles it at deploy, and so does kiln. A folder is served as it is. */
static int native_entry(const char *app_dir, const manifest_t *m, size_t i, const char *rel)
{
    int native = 0;
    for (size_t j = 0; j < m->n_ui_modules; j++) {
        const manifest_ui_module_t *u = &m->ui_modules[j];
        native |= u->resource && u->render && !strcmp(u->resource, m->resources[i].key) && !strcmp(u->render, "native");
    }
    char path[PATH_MAX];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", app_dir, rel);
    return native && stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The page a bundled UI Kit resource is served as: the bundle, its CSS when it has any. */
static int write_index_html(const char *dir, int css)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/index.html", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f,
            "<!doctype html>\n<html>\n  <head>\n    <meta charset=\"utf-8\" />\n%s  </head>\n  <body>\n"
            "    <script src=\"index.js\"></script>\n  </body>\n</html>\n",
            css ? "    <link rel=\"stylesheet\" href=\"index.css\" />\n" : "");
    return fclose(f) == 0 ? 0 : -1;
}

/* Bundles resources[i]'s entry for the browser into work_dir/resources/<key>/
 * (index.js, index.css, assets/, index.html). 0, or -1 after one line. */
static int bundle_resource(const char *app_dir, const manifest_t *m, size_t i, const char *rel, const char *what,
                           const char *work_dir)
{
    const char *key = m->resources[i].key;
    char dir[PATH_MAX], out[PATH_MAX + 16], meta[PATH_MAX + 32], log[PATH_MAX + 32], label[PATH_MAX + 300];
    if (!relpath_ok(key, PACK_MAX_NAME) || strchr(key, '/')) {
        fprintf(stderr, "kiln: %s the key is not a plain name\n", what);
        return -1;
    }
    snprintf(dir, sizeof dir, "%s/resources", work_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "kiln: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    snprintf(dir, sizeof dir, "%s/resources/%s", work_dir, key);
    snprintf(out, sizeof out, "%s/index.js", dir);
    snprintf(meta, sizeof meta, "%s/rmeta-%zu.json", work_dir, i);
    snprintf(log, sizeof log, "%s/resbuild-%zu.log", work_dir, i);
    snprintf(label, sizeof label, "%.*s %s", (int)strlen(what) - 1, what, rel);
    if (bundle(app_dir, rel, label, browser_args, out, meta, log, NULL) != 0)
        return -1;
    struct stat sb;
    char css[PATH_MAX + 16];
    snprintf(css, sizeof css, "%s/index.css", dir);
    if (stat(out, &sb) != 0 || sb.st_size > PACK_MAX_RESOURCE_BUNDLE) {
        fprintf(stderr, "kiln: %s the bundle of %s is larger than the limit of %d bytes; nothing was deployed\n", what,
                rel, PACK_MAX_RESOURCE_BUNDLE);
        return -1;
    }
    if (write_index_html(dir, stat(css, &sb) == 0) != 0) {
        fprintf(stderr, "kiln: cannot write %s/index.html: %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* The handler files, each once: the names of their bundles. */
static int first_of_file(const manifest_t *m, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(m->functions[j].file, m->functions[i].file) == 0)
            return 0;
    return 1;
}

int pack_app(const char *app_dir, const manifest_t *m, const char *work_dir, const char *out_path, uint64_t max_bytes,
             uint64_t *bytes)
{
    json_t *external = NULL, *include = NULL, *keep = json_object();
    int rc = -1;
    memset(&W, 0, sizeof W);
    if (read_declared(app_dir, &external, &include) != 0)
        goto done;
    size_t i;
    json_t *v;
    json_array_foreach(external, i, v) keep_add(keep, json_string_value(v), NULL);

    /* 1. one bundle per handler file, again while a bundle shows a package that must be
     * kept outside (every bundle then leaves it out, so no copy of it is inlined) */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/functions", work_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "kiln: cannot create %s: %s\n", dir, strerror(errno));
        goto done;
    }
    for (int round = 0;; round++) {
        int added = 0;
        for (i = 0; i < m->n_functions; i++) {
            const manifest_function_t *f = &m->functions[i];
            if (!first_of_file(m, i))
                continue;
            char out[PATH_MAX + 8], meta[PATH_MAX + 32], log[PATH_MAX + 32];
            snprintf(out, sizeof out, "%s/%s.cjs", dir, f->file);
            snprintf(meta, sizeof meta, "%s/meta-%zu.json", work_dir, i);
            snprintf(log, sizeof log, "%s/esbuild-%zu.log", work_dir, i);
            if (bundle(app_dir, f->resolved_path, f->resolved_path, node_args, out, meta, log, keep) != 0)
                goto done;
            int n = scan_meta(app_dir, meta, keep);
            if (n < 0)
                goto done;
            added += n;
        }
        if (!added)
            break;
        if (round == 3) {
            fprintf(stderr, "kiln: the packages kept outside the bundles did not settle after 4 rounds\n");
            goto done;
        }
    }

    /* 1b. each UI Kit resource given as its entry file, bundled for the browser */
    for (i = 0; i < m->n_resources; i++) {
        char what[300], rel[PACK_MAX_NAME + 1];
        if (resource_rel(m, i, rel, sizeof rel, what, sizeof what) != 0)
            goto done;
        if (native_entry(app_dir, m, i, rel) && bundle_resource(app_dir, m, i, rel, what, work_dir) != 0)
            goto done;
    }

    /* 2. the archive: manifest, package.json, bundles, resources, declared files, kept
     * packages */
    W.ar = archive_write_new();
    W.max = max_bytes;
    W.seen = json_object();
    if (!realpath(app_dir, W.app_real)) {
        fprintf(stderr, "kiln: cannot resolve %s: %s\n", app_dir, strerror(errno));
        goto done;
    }
    archive_write_set_format_pax_restricted(W.ar);
    if (archive_write_open_filename(W.ar, out_path) != ARCHIVE_OK) {
        fprintf(stderr, "kiln: cannot write %s: %s\n", out_path, archive_error_string(W.ar));
        goto done;
    }
    int ok = add_path(app_dir, "manifest.yml", "the manifest") == 0;
    char pj[PATH_MAX];
    snprintf(pj, sizeof pj, "%s/package.json", app_dir);
    if (ok && access(pj, F_OK) == 0)
        ok = add_path(app_dir, "package.json", "the app's") == 0;
    for (i = 0; ok && i < m->n_functions; i++) {
        char src[PATH_MAX + 8], name[PATH_MAX];
        struct stat sb;
        snprintf(src, sizeof src, "%s/%s.cjs", dir, m->functions[i].file);
        snprintf(name, sizeof name, "%s%s.cjs", SNAPSHOT_FUNCTIONS_DIR, m->functions[i].file);
        ok = !first_of_file(m, i) || (stat(src, &sb) == 0 && add_file(src, name, &sb) == 0);
    }
    for (i = 0; ok && i < m->n_resources; i++) {
        char what[300], rel[PACK_MAX_NAME + 1], built[PATH_MAX], name[PACK_MAX_NAME + 32];
        ok = resource_rel(m, i, rel, sizeof rel, what, sizeof what) == 0;
        if (ok && native_entry(app_dir, m, i, rel)) { /* its bundle, not its sources */
            snprintf(built, sizeof built, "%s/resources/%s", work_dir, m->resources[i].key);
            snprintf(name, sizeof name, "%s%s", SNAPSHOT_RESOURCES_DIR, m->resources[i].key);
            ok = add_tree(built, name) == 0;
        } else if (ok) {
            ok = add_path(app_dir, rel, what) == 0;
        }
    }
    json_array_foreach(include, i, v) if (ok) ok =
        add_path(app_dir, json_string_value(v), "package.json kiln.include") == 0;
    ok = ok && add_kept(app_dir, keep, external) == 0;
    if (archive_write_close(W.ar) != ARCHIVE_OK)
        ok = 0;
    struct stat sb;
    if (ok && stat(out_path, &sb) == 0) {
        *bytes = (uint64_t)sb.st_size;
        rc = 0;
    }
done:
    if (W.ar)
        archive_write_free(W.ar);
    W.ar = NULL;
    json_decref(W.seen);
    W.seen = NULL;
    json_decref(external);
    json_decref(include);
    json_decref(keep);
    return rc;
}
