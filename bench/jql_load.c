/* Fills a site with N issues over 10 projects for bench/jql.sh, through the store as
 * kiln writes them (run while kiln is stopped; built against kiln's objects like
 * bench/ledger_micro.c). The spread is deterministic (a hash of the issue's index) and
 * skewed as real sites are: a few big projects, most issues Done, 30 assignees and some
 * unassigned, 0-3 of 40 labels, summaries of 4-9 words from a 200-word vocabulary, half
 * with a description, created over two years and updated since.
 *
 * Users: bench-user-00 .. bench-user-29 (assignees; they may browse every project) and
 * bench-dev, who may browse the first five projects only.
 *
 * usage: jql_load DIR SITE N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/log.h"
#include "store/store.h"
#include "store/store_fields.h"
#include "store/store_product.h"
#include "store/store_sites.h"

#define NPROJ 10
#define NUSERS 30
#define BATCH 5000

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* the share of issues of each project, in percent */
static const int proj_share[NPROJ] = {25, 18, 14, 10, 9, 7, 6, 5, 4, 2};
static const char *const labels[] = {
    "backend",  "frontend",   "urgent",    "regression", "security",  "performance", "ux",      "api",
    "mobile",   "ios",        "android",   "docs",       "tech-debt", "customer",    "billing", "search",
    "infra",    "database",   "release",   "flaky-test", "design",    "a11y",        "i18n",    "auth",
    "payments", "onboarding", "reporting", "export",     "import",    "email",       "cache",   "queue",
    "storage",  "analytics",  "admin",     "settings",   "sso",       "webhooks",    "sdk",     "cli",
};
static const char *const words[] = {
    "login",    "page",        "crash",   "timeout",   "error",      "button",   "report",     "export",     "import",
    "user",     "account",     "profile", "settings",  "search",     "results",  "slow",       "fast",       "cache",
    "database", "query",       "index",   "server",    "client",     "mobile",   "desktop",    "browser",    "chrome",
    "firefox",  "safari",      "android", "ios",       "layout",     "broken",   "missing",    "wrong",      "invalid",
    "update",   "upgrade",     "migrate", "migration", "deploy",     "release",  "build",      "pipeline",   "test",
    "flaky",    "retry",       "queue",   "worker",    "job",        "schedule", "email",      "notify",     "webhook",
    "payment",  "invoice",     "billing", "currency",  "tax",        "refund",   "order",      "cart",       "checkout",
    "product",  "catalog",     "image",   "upload",    "download",   "file",     "folder",     "permission", "role",
    "admin",    "dashboard",   "chart",   "graph",     "metric",     "alert",    "log",        "trace",      "debug",
    "memory",   "leak",        "cpu",     "disk",      "network",    "latency",  "session",    "token",      "cookie",
    "password", "reset",       "sso",     "oauth",     "saml",       "ldap",     "group",      "team",       "project",
    "board",    "sprint",      "epic",    "story",     "task",       "bug",      "feature",    "request",    "api",
    "endpoint", "response",    "header",  "json",      "xml",        "csv",      "pdf",        "print",      "preview",
    "editor",   "toolbar",     "menu",    "modal",     "dialog",     "tooltip",  "icon",       "font",       "color",
    "theme",    "dark",        "light",   "contrast",  "screen",     "reader",   "keyboard",   "shortcut",   "focus",
    "scroll",   "resize",      "zoom",    "drag",      "drop",       "select",   "filter",     "sort",       "paginate",
    "table",    "column",      "row",     "cell",      "field",      "form",     "validate",   "submit",     "cancel",
    "save",     "delete",      "archive", "restore",   "history",    "audit",    "compliance", "gdpr",       "privacy",
    "consent",  "banner",      "footer",  "header",    "navigation", "link",     "redirect",   "url",        "domain",
    "ssl",      "certificate", "dns",     "cdn",       "proxy",      "gateway",  "limit",      "quota",      "usage",
    "plan",     "trial",       "signup",  "onboard",   "tutorial",   "docs",     "help",       "support",
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int fail(const char *what)
{
    fprintf(stderr, "jql_load: %s failed\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: jql_load DIR SITE N\n");
        return 1;
    }
    long n = strtol(argv[3], NULL, 10);
    if (n < 1 || n > 10000000) {
        fprintf(stderr, "jql_load: N must be from 1 to 10000000\n");
        return 1;
    }
    log_min_level = LOG_WARN;
    char err[256];
    store_t *st = store_open(argv[1], err, sizeof err);
    if (!st) {
        fprintf(stderr, "jql_load: %s\n", err);
        return 1;
    }
    arena_t *keep = arena_new(1u << 20), *a = arena_new(64u << 20);
    site_rec_t site;
    if (store_site_by_name(st, keep, argv[2], &site) != STORE_OK)
        return fail("finding the site");
    int64_t now = (int64_t)time(NULL) * 1000;
    double t0 = now_s();
    if (store_begin(st) != STORE_OK)
        return fail("begin");
    int64_t pids[NPROJ];
    for (int p = 0; p < NPROJ; p++) {
        project_rec_t pr = {
            .key = arena_printf(a, "BENCH%c", 'A' + p),
            .name = arena_printf(a, "Bench project %c", 'A' + p),
            .description = "Issues for bench/jql.sh",
            .type_key = "software",
            .lead_account_id = site.admin_account_id,
            .assignee_type = "UNASSIGNED",
            .url = "",
            .created_ms = now - 800 * 86400000LL,
        };
        if (store_project_insert(st, site.id, &pr) != STORE_OK)
            return fail("project insert");
        pids[p] = pr.id;
    }
    const char *accounts[NUSERS];
    for (int u = 0; u < NUSERS; u++) {
        accounts[u] = arena_printf(keep, "bench-user-%02d", u);
        user_rec_t ur = {accounts[u],
                         arena_printf(a, "user%02d@bench.example.com", u),
                         arena_printf(a, "Bench User %02d", u),
                         "atlassian",
                         "Europe/Berlin",
                         "en_US",
                         1};
        if (store_user_insert(st, site.id, &ur) != STORE_OK ||
            store_perm_grant(st, site.id, accounts[u], 0, "BROWSE_PROJECTS") != STORE_OK)
            return fail("user insert");
    }
    user_rec_t dev = {"bench-dev", "dev@bench.example.com", "Bench Developer", "atlassian", "UTC", "en_US", 1};
    if (store_user_insert(st, site.id, &dev) != STORE_OK)
        return fail("user insert");
    for (int p = 0; p < 5; p++)
        if (store_perm_grant(st, site.id, "bench-dev", pids[p], "BROWSE_PROJECTS") != STORE_OK)
            return fail("grant");
    for (long i = 0; i < n; i++) {
        uint64_t h = mix((uint64_t)i), h2 = mix(h), h3 = mix(h2);
        int pc = (int)(h % 100), p = 0;
        for (int acc = proj_share[0]; pc >= acc; acc += proj_share[++p])
            ;
        int sc = (int)((h >> 8) % 100);
        int64_t status = sc < 55 ? 10002 : sc < 70 ? 10001 : sc < 95 ? 10000 : 10003;
        int pr = (int)((h >> 16) % 100);
        int64_t prio = pr < 5 ? 1 : pr < 20 ? 2 : pr < 80 ? 3 : pr < 95 ? 4 : 5;
        int ua = (int)((h >> 24) % 100);
        int64_t created = now - (int64_t)((h2 % (730ULL * 86400)) * 1000);
        int64_t updated = created + (int64_t)((h3 % (uint64_t)(now - created + 1)));
        char summary[256];
        size_t len = 0;
        int nw = 4 + (int)(h2 >> 40) % 6;
        for (int w = 0; w < nw; w++) {
            const char *word = words[mix(h3 + (uint64_t)w) % (sizeof words / sizeof *words)];
            len += (size_t)snprintf(summary + len, sizeof summary - len, "%s%s", w ? " " : "", word);
        }
        summary[0] = (char)(summary[0] - 32);
        const char *desc = NULL;
        if (h3 & 1)
            desc = arena_printf(a,
                                "{\"type\":\"doc\",\"version\":1,\"content\":[{\"type\":\"paragraph\",\"content\":"
                                "[{\"type\":\"text\",\"text\":\"Seen when the %s %s after a %s.\"}]}]}",
                                words[(h3 >> 8) % (sizeof words / sizeof *words)],
                                words[(h3 >> 20) % (sizeof words / sizeof *words)],
                                words[(h3 >> 32) % (sizeof words / sizeof *words)]);
        issue_rec_t is = {
            .project_id = pids[p],
            .issuetype_id = (h >> 32) % 10 < 3   ? 10002
                            : (h >> 32) % 10 < 6 ? 10003
                                                 : 10001,
            .status_id = status,
            .priority_id = prio,
            .resolution_id = status == 10002 ? 10000 : 0,
            .summary = summary,
            .description_json = desc,
            .reporter_account_id = accounts[(h >> 40) % NUSERS],
            .creator_account_id = accounts[(h >> 40) % NUSERS],
            .assignee_account_id = ua < 10 ? NULL : accounts[(h >> 48) % NUSERS],
            .original_estimate_s = -1,
            .remaining_estimate_s = -1,
            .time_spent_s = -1,
            .rank = "",
            .created_ms = created,
            .updated_ms = updated,
            .resolved_ms = status == 10002 ? updated : 0,
            .status_changed_ms = updated,
        };
        if (store_issue_insert(st, site.id, &is) != STORE_OK)
            return fail("issue insert");
        int nl = (int)((h2 >> 8) % 4);
        const char *ls[3];
        for (int l = 0; l < nl && l < 3; l++) /* skewed: low indexes are common */
            ls[l] = labels[(mix(h2 + (uint64_t)l) % 40) * (mix(h3 + (uint64_t)l) % 40) / 40];
        if (nl && store_labels_set(st, site.id, is.id, ls, (size_t)(nl > 3 ? 3 : nl)) != STORE_OK)
            return fail("labels");
        if ((i + 1) % BATCH == 0) {
            if (store_commit(st) != STORE_OK || store_begin(st) != STORE_OK)
                return fail("commit");
            arena_free(a);
            a = arena_new(64u << 20);
        }
    }
    if (store_commit(st) != STORE_OK)
        return fail("commit");
    fprintf(stderr, "jql_load: %ld issues over %d projects in %.1f s\n", n, NPROJ, now_s() - t0);
    arena_free(a);
    arena_free(keep);
    store_close(st);
    return 0;
}
