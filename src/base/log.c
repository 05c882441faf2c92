#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"

enum log_level log_min_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_init_from_env(void)
{
    const char *v = getenv("KILN_LOG_LEVEL");
    for (int i = 0; v && i < 4; i++)
        if (strcmp(v, level_names[i]) == 0)
            log_min_level = (enum log_level)i;
}

static void add_escaped(buf_t *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            buf_add(b, e, 2);
        } else if (c < 0x20) {
            buf_printf(b, "\\u%04x", c);
        } else {
            buf_add(b, s, 1);
        }
    }
}

void log_msg(enum log_level lvl, const char *msg, ...)
{
    if (lvl < log_min_level)
        return;
    buf_t b;
    buf_init(&b, 16384);
    char ts[40];
    clock_iso8601(ts, sizeof ts, clock_now_ms());
    buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts, level_names[lvl]);
    add_escaped(&b, msg);
    buf_adds(&b, "\"");
    va_list ap;
    va_start(ap, msg);
    for (const char *k; (k = va_arg(ap, const char *));) {
        const char *v = va_arg(ap, const char *);
        buf_adds(&b, ",\"");
        add_escaped(&b, k);
        buf_adds(&b, "\":\"");
        add_escaped(&b, v ? v : "");
        buf_adds(&b, "\"");
    }
    va_end(ap);
    buf_adds(&b, "}\n");
    if (b.ptr && write(STDERR_FILENO, b.ptr, b.len) < 0) {
        /* nowhere left to report it */
    }
    buf_free(&b);
}
