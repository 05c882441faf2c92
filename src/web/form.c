#include "web/form.h"

#include <string.h>

#include "base/enc.h"

int web_form_parse(arena_t *a, const char *body, size_t len, const char *const *names, const char **vals, size_t n,
                   const char **why)
{
    for (size_t i = 0; i < n; i++)
        vals[i] = NULL;
    if (len > WEB_FORM_MAX) {
        *why = "The form is too large.";
        return -1;
    }
    const char *p = body, *end = body + len;
    size_t fields = 0;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pe = amp ? amp : end;
        if (pe > p && ++fields > WEB_FORM_FIELDS) {
            *why = "The form has too many fields.";
            return -1;
        }
        const char *eq = memchr(p, '=', (size_t)(pe - p));
        const char *ke = eq ? eq : pe;
        char key[64];
        long kl = (size_t)(ke - p) < sizeof key ? enc_pct_decode(key, p, (size_t)(ke - p), 1) : -1;
        for (size_t i = 0; kl >= 0 && i < n; i++) {
            if ((size_t)kl != strlen(names[i]) || memcmp(key, names[i], (size_t)kl) != 0)
                continue;
            const char *v = eq ? eq + 1 : pe;
            size_t vl = (size_t)(pe - v);
            if (vals[i]) {
                *why = "A field of the form is given twice.";
                return -1;
            }
            char *d = vl <= 3 * WEB_FORM_VALUE ? arena_alloc(a, vl + 1) : NULL;
            long dl = d ? enc_pct_decode(d, v, vl, 1) : -1;
            if (dl < 0 || (size_t)dl > WEB_FORM_VALUE || memchr(d, '\0', (size_t)dl)) {
                *why = "A field of the form is malformed or too long.";
                return -1;
            }
            d[dl] = '\0';
            vals[i] = d;
        }
        p = amp ? amp + 1 : end;
    }
    return 0;
}
