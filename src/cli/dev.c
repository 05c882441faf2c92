/* kiln dev: what `forge tunnel` is to Forge, without a cloud. Deploys the app in DIR to
 * the development environment, then watches DIR (inotify; node_modules, .git, .kiln and
 * editor droppings left out; folders linked into it followed, as the snapshot follows
 * them) and deploys again once saves settle (debounced), while it
 * prints the app's logs and one line per invocation (site, module, outcome, duration)
 * from the function-log journal (cli_journal_poll, the reader `kiln logs --follow`
 * uses). A deploy that fails prints its one line and the last good version keeps serving;
 * Ctrl-C stops watching and leaves the last good version deployed; the folder
 * disappearing ends with exit 1. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/enc.h"
#include "cli/cli.h"
#include "platform/app.h"
#include "platform/site.h"

#define DEV_MAX_WATCHES 4096 /* directories watched */
#define DEV_LOG_POLL_MS 250  /* how often new log rows are fetched */
#define DEV_DEBOUNCE_MS 150  /* default quiet time after a save before deploying */
#define DEV_MAX_DEBOUNCE_MS 60000

static cli_conn_t conn;
static const char *env_opt, *site_opt, *debounce_opt, *app_opt;
static int json_out;

const cli_opt_t dev_opts[] = {
    {"-e", 1, &env_opt, NULL, "environment (default development)"},
    {"--environment", 1, &env_opt, NULL, "same as -e"},
    {"--site", 1, &site_opt, NULL, "only this site's logs and invocations"},
    {"--debounce", 1, &debounce_opt, NULL, "milliseconds of quiet after a save before deploying (default 150)"},
    {"--app", 1, &app_opt, NULL, "the app directory (default: DIR or the current one)"},
    {"--json", 0, NULL, &json_out, "print log rows and invocations as JSON (one object per line)"},
    CLI_CONN_OPTS(conn),
    {0}};

/* ---- the watch ---- */

/* Folders whose churn is not the app's code: package managers, version control, kiln's
 * own output. A change to package.json still redeploys (it is in the app folder). */
static const char *const skip_dirs[] = {"node_modules", ".git", ".kiln", ".hg", ".svn"};

static int skipped_dir(const char *name)
{
    for (size_t i = 0; i < sizeof skip_dirs / sizeof *skip_dirs; i++)
        if (strcmp(name, skip_dirs[i]) == 0)
            return 1;
    return 0;
}

/* Editors' swap and backup files: saving them is not a save of the app. */
static int ignored_file(const char *name)
{
    size_t n = strlen(name);
    static const char *const suffixes[] = {"~", ".swp", ".swx", ".tmp"};
    if (n == 0 || strcmp(name, "4913") == 0 || (name[0] == '.' && name[1] == '#'))
        return 1;
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        size_t k = strlen(suffixes[i]);
        if (n >= k && strcmp(name + n - k, suffixes[i]) == 0)
            return 1;
    }
    return 0;
}

typedef struct watch {
    int fd, root_wd, n;
    struct {
        int wd;
        char *path;
    } w[DEV_MAX_WATCHES];
} watch_t;

static const uint32_t WATCH_MASK = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                   IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR;

static const char *path_of(const watch_t *w, int wd)
{
    for (int i = 0; i < w->n; i++)
        if (w->w[i].wd == wd)
            return w->w[i].path;
    return NULL;
}

/* Watches dir and every folder below it but the skipped ones, following links to folders
 * as the snapshot does (cli/pack.h: a linked folder's files are deployed, so its saves
 * redeploy); a folder already watched (the same inode: a link cycle, or two links to one
 * folder) is not walked again. 0, or -1 after one line. */
static int watch_tree(watch_t *w, const char *dir)
{
    int wd = inotify_add_watch(w->fd, dir, WATCH_MASK);
    if (wd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0; /* gone meanwhile: its parent's event says so */
        fprintf(stderr, "kiln: cannot watch %s: %s\n", dir, strerror(errno));
        return -1;
    }
    if (path_of(w, wd))
        return 0;
    if (w->n == DEV_MAX_WATCHES) {
        fprintf(stderr,
                "kiln: the app folder has more than %d folders to watch (node_modules, .git and .kiln "
                "are left out)\n",
                DEV_MAX_WATCHES);
        return -1;
    }
    w->w[w->n].wd = wd;
    w->w[w->n].path = xstrdup(dir);
    w->n++;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || skipped_dir(e->d_name))
            continue;
        char sub[PATH_MAX];
        struct stat sb;
        if ((size_t)snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= sizeof sub)
            continue;
        if (stat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
            rc = watch_tree(w, sub);
    }
    closedir(d);
    return rc;
}

/* Reads what inotify has. Returns 1 when something of the app changed, 0 when nothing
 * did, -1 when the app folder itself is gone (or a watch could not be added). */
static int watch_read(watch_t *w)
{
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    int changed = 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n <= 0)
            return n < 0 && errno != EAGAIN && errno != EINTR ? -1 : changed;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->wd == w->root_wd && (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)))
                return -1;
            if (ev->mask & IN_IGNORED) { /* a folder below went away: forget its watch */
                for (int i = 0; i < w->n; i++)
                    if (w->w[i].wd == ev->wd) {
                        free(w->w[i].path);
                        w->w[i] = w->w[--w->n];
                        break;
                    }
                continue;
            }
            if (ev->mask & IN_Q_OVERFLOW) {
                changed = 1;
                continue;
            }
            if (!ev->len)
                continue;
            if (ev->mask & IN_ISDIR) {
                if (skipped_dir(ev->name))
                    continue;
                const char *parent = path_of(w, ev->wd);
                if (parent && (ev->mask & (IN_CREATE | IN_MOVED_TO))) {
                    char sub[PATH_MAX];
                    if ((size_t)snprintf(sub, sizeof sub, "%s/%s", parent, ev->name) < sizeof sub &&
                        watch_tree(w, sub) != 0)
                        return -1;
                }
                changed = 1;
                continue;
            }
            if (ignored_file(ev->name))
                continue;
            changed = 1;
            const char *parent = path_of(w, ev->wd);
            char sub[PATH_MAX];
            struct stat sb;
            if (parent && (ev->mask & (IN_CREATE | IN_MOVED_TO)) && !skipped_dir(ev->name) && /* a new link */
                (size_t)snprintf(sub, sizeof sub, "%s/%s", parent, ev->name) < sizeof sub && stat(sub, &sb) == 0 &&
                S_ISDIR(sb.st_mode) && watch_tree(w, sub) != 0)
                return -1;
        }
    }
}

static void watch_free(watch_t *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->w[i].path);
    if (w->fd >= 0)
        close(w->fd);
}

/* ---- deploying and printing ---- */

static volatile sig_atomic_t interrupted;
static void on_int(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Only this app's rows (the journal holds every app's). */
static int this_app(json_t *row, void *arg)
{
    const char *app = json_string_value(json_object_get(row, "appId"));
    return app && strcmp(app, (const char *)arg) == 0;
}

/* Deploys; prints what happened as one line. 0 deployed, 1 failed (the last version
 * serves), with the app's ARI in ari (for the log filter). */
static int redeploy(const char *dir, const char *env, char *ari, size_t arilen, char *version, size_t vlen)
{
    int64_t t0 = clock_now_ms();
    json_t *resp;
    if (cli_deploy_dir(&conn, dir, env, 1, &resp) != 0) {
        if (*version)
            printf("kiln dev: not deployed; version %s keeps serving. Watching for the next save.\n", version);
        else
            printf("kiln dev: not deployed. Watching for the next save.\n");
        fflush(stdout);
        return 1;
    }
    snprintf(ari, arilen, "%s", json_string_value(json_object_get(resp, "appAri")));
    snprintf(version, vlen, "%s", json_string_value(json_object_get(resp, "version")));
    printf("kiln dev: deployed version %s to %s in %lld ms (%lld bytes of files)\n", version, env,
           (long long)(clock_now_ms() - t0), (long long)json_integer_value(json_object_get(resp, "snapshotBytes")));
    fflush(stdout);
    json_decref(resp);
    return 0;
}

int cmd_dev(int argc, char **argv)
{
    const char *pos[1];
    int npos, rc = cli_parse(cli_find("dev", NULL), argc, argv, pos, 1, &npos);
    if (rc)
        return rc < 0 ? 2 : 0;
    const char *dir = app_opt ? app_opt : npos ? pos[0] : ".";
    const char *env = env_opt ? env_opt : "development";
    if (!app_env_key_valid(env)) {
        fprintf(stderr, "kiln: invalid environment '%s'\n", env);
        return 2;
    }
    if (site_opt && !site_name_valid(site_opt)) {
        fprintf(stderr, "kiln: invalid site name\n");
        return 2;
    }
    int64_t debounce = DEV_DEBOUNCE_MS;
    if (debounce_opt && enc_parse_i64(debounce_opt, 0, DEV_MAX_DEBOUNCE_MS, &debounce) != 0) {
        fprintf(stderr, "kiln: --debounce takes 0 to %d milliseconds\n", DEV_MAX_DEBOUNCE_MS);
        return 2;
    }
    struct stat sb;
    char abs[PATH_MAX]; /* watched and checked by its full path: a cwd that is removed still stats */
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) || !realpath(dir, abs)) {
        fprintf(stderr, "kiln: %s is not a folder\n", dir);
        return 1;
    }
    watch_t *w = xcalloc(1, sizeof *w);
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        fprintf(stderr, "kiln: cannot watch files: %s\n", strerror(errno));
        free(w);
        return 1;
    }
    int result = 1;
    if (watch_tree(w, abs) != 0)
        goto out;
    w->root_wd = w->w[0].wd;

    struct sigaction sa = {.sa_handler = on_int}; /* no SA_RESTART: poll returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    /* the logs from now on: start after the newest row there is */
    long long after = 0;
    if (cli_journal_poll(&conn, "logs", site_opt, 1, &after, 1, 0, this_app, (void *)"-") != 0) /* prints nothing */
        goto out;
    char ari[256] = "", version[64] = "";
    redeploy(abs, env, ari, sizeof ari, version, sizeof version);
    printf("kiln dev: watching %s (Ctrl-C to stop; the last good version stays deployed)\n", dir);
    fflush(stdout);

    int64_t pending = 0; /* when the last change was seen; 0 = none waiting */
    int64_t next_poll = 0;
    while (!interrupted) {
        int64_t now = clock_now_ms();
        int64_t wait = next_poll - now;
        if (pending && pending + debounce - now < wait)
            wait = pending + debounce - now;
        struct pollfd pfd = {.fd = w->fd, .events = POLLIN};
        int pr = poll(&pfd, 1, wait < 0 ? 0 : (int)wait);
        if (interrupted)
            break;
        if (pr > 0) {
            int c = watch_read(w);
            if (c < 0 || stat(abs, &sb) != 0) {
                fprintf(stderr, "kiln: the app folder %s is gone; stopped watching (version %s stays deployed)\n", dir,
                        *version ? version : "(none)");
                goto out;
            }
            if (c > 0)
                pending = clock_now_ms();
        }
        now = clock_now_ms();
        if (pending && now - pending >= debounce) {
            pending = 0;
            if (stat(abs, &sb) != 0) {
                fprintf(stderr, "kiln: the app folder %s is gone; stopped watching (version %s stays deployed)\n", dir,
                        *version ? version : "(none)");
                goto out;
            }
            redeploy(abs, env, ari, sizeof ari, version, sizeof version);
        }
        if (now >= next_poll) {
            next_poll = now + DEV_LOG_POLL_MS;
            if (*ari && cli_journal_poll(&conn, "logs", site_opt, 1000, &after, 1, json_out, this_app, ari) != 0)
                fprintf(stderr, "kiln: cannot read the logs just now; trying again\n");
        }
    }
    printf("kiln dev: stopped; version %s stays deployed\n", *version ? version : "(none)");
    result = 0;
out:
    fflush(stdout);
    watch_free(w);
    free(w);
    return result;
}
