/* libFuzzer harness for the small readers of request values that have no harness of their
 * own: the web UI's form bodies (web/form.h), percent and base64 decoding and the UTF-8
 * check (base/enc.h), Jira durations (product/duration.h, fields_parse_duration), dates
 * and date-times (fields_valid_date, work_parse_datetime), ids (work_parse_id) and ranks
 * (product/rank.h). Each refuses or accepts any bytes without a sanitizer report, and:
 *   - web_form_parse's values are at most WEB_FORM_VALUE bytes, without NUL, and each is
 *     the percent-decoding (with '+' as space) of the field's raw value;
 *   - base64: what decodes, encodes back and decodes to the same bytes;
 *   - enc_utf8_valid agrees with jansson's own check (json_stringn);
 *   - a duration parses to [0, DURATION_MAX_S] and its written form reads back to a
 *     form that writes the same;
 *   - an id reads back as the digits it came from (leading zeros aside). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/enc.h"
#include "product/duration.h"
#include "product/fields.h"
#include "product/rank.h"
#include "product/work.h"
#include "web/form.h"

static void form(arena_t *a, const char *s, size_t n)
{
    static const char *const names[] = {"csrf", "account", "site", "next", "name", "value"};
    const char *vals[6], *why = NULL;
    if (web_form_parse(a, s, n, names, vals, 6, &why) != 0) {
        if (!why || !*why)
            abort();
        return;
    }
    for (size_t i = 0; i < 6; i++) {
        if (!vals[i])
            continue;
        if (strlen(vals[i]) > WEB_FORM_VALUE)
            abort();
        /* the raw value of the field: the first pair named so */
        size_t nl = strlen(names[i]);
        const char *p = s, *end = s + n, *raw = NULL;
        size_t rawlen = 0;
        while (p <= end && !raw) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            const char *pe = amp ? amp : end;
            if ((size_t)(pe - p) > nl && memcmp(p, names[i], nl) == 0 && p[nl] == '=')
                raw = p + nl + 1, rawlen = (size_t)(pe - raw);
            p = pe + 1;
        }
        if (!raw)
            continue; /* a name written with escapes: not compared */
        char *dec = arena_alloc(a, rawlen + 1);
        long dl = enc_pct_decode(dec, raw, rawlen, 1);
        if (dl < 0 || (size_t)dl != strlen(vals[i]) || memcmp(dec, vals[i], (size_t)dl) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    arena_t *a = arena_new(1 << 20);
    char *z = arena_strndup(a, s, size);
    form(a, s, size);

    { /* base64 round trip */
        size_t cap = size / 4 * 3 + 3;
        unsigned char *out = arena_alloc(a, cap + 1);
        long n = enc_b64_decode(out, cap, s, size);
        if (n >= 0) {
            char *back = arena_alloc(a, enc_b64_len((size_t)n) + 1);
            enc_b64(back, out, (size_t)n);
            unsigned char *again = arena_alloc(a, cap + 1);
            long m = enc_b64_decode(again, cap, back, strlen(back));
            if (m != n || memcmp(out, again, (size_t)n) != 0)
                abort();
        }
        char *pct = arena_alloc(a, size + 1);
        long pl = enc_pct_decode(pct, s, size, 0);
        if (pl > (long)size)
            abort();
    }
    { /* UTF-8: as jansson sees it */
        json_t *j = json_stringn(s, size);
        if ((j != NULL) != (enc_utf8_valid(s, size) != 0))
            abort();
        json_decref(j);
    }
    { /* durations */
        int64_t secs;
        if (duration_parse(z, &secs) == 0) {
            char buf[64], buf2[64];
            int64_t back;
            if (secs < 0 || secs > DURATION_MAX_S)
                abort();
            duration_format(secs, buf, sizeof buf);
            if (duration_parse(buf, &back) != 0 || back < 0 || back > secs)
                abort();
            duration_format(back, buf2, sizeof buf2);
            if (strcmp(buf, buf2) != 0)
                abort();
        }
        int64_t f = fields_parse_duration(z);
        if (f < -1)
            abort();
    }
    { /* dates, ids, ranks */
        int64_t ms, id;
        if (fields_valid_date(z) && strlen(z) != 10)
            abort();
        (void)work_parse_datetime(z, &ms);
        if (work_parse_id(z, &id) == 0) {
            const char *d = z;
            while (*d == '0' && d[1])
                d++;
            char buf[24];
            snprintf(buf, sizeof buf, "%lld", (long long)id);
            if (id < 0 || strcmp(buf, d) != 0)
                abort();
        }
        (void)rank_valid(z);
    }
    arena_free(a);
    return 0;
}
