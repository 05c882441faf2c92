#include "web/headers.h"

#include <string.h>

#include "base/enc.h"
#include "http/reply.h"

/* an origin fit to stand in a CSP source list: http(s)://host[:port], nothing else */
static int origin_ok(const char *o)
{
    size_t n = o ? strlen(o) : 0;
    if (n == 0 || n > 200)
        return 0;
    const char *rest = strncmp(o, "http://", 7) == 0 ? o + 7 : strncmp(o, "https://", 8) == 0 ? o + 8 : NULL;
    if (!rest || !*rest)
        return 0;
    for (const char *p = rest; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '-' || *p == ':' || *p == '*' || *p == '[' || *p == ']'))
            return 0;
    return 1;
}

const char *web_csp(arena_t *a, const char *frame_origin)
{
    return arena_printf(a,
                        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-src %s; "
                        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
                        origin_ok(frame_origin) ? frame_origin : "'none'");
}

/* the headers every web answer carries */
static const char *const common[][2] = {
    {"x-content-type-options", "nosniff"},
    {"referrer-policy", "same-origin"},
};

static void add_common(kreq_t *kr)
{
    for (size_t i = 0; i < sizeof common / sizeof *common; i++)
        reply_header(kr, common[i][0], common[i][1]);
}

void web_headers_page(kreq_t *kr, const char *frame_origin)
{
    add_common(kr);
    reply_header(kr, "content-security-policy", web_csp(kr->arena, frame_origin));
    reply_header(kr, "x-frame-options", "DENY");
    reply_header(kr, "cache-control", "no-store");
}

void web_headers_data(kreq_t *kr)
{
    add_common(kr);
    reply_header(kr, "content-security-policy", "default-src 'none'; frame-ancestors 'none'");
    reply_header(kr, "x-frame-options", "DENY");
    reply_header(kr, "cache-control", "no-store");
}

void web_headers_asset(kreq_t *kr)
{
    add_common(kr);
}

void web_headers_plain(kreq_t *kr, const char *style_nonce)
{
    add_common(kr);
    reply_header(kr, "content-security-policy",
                 arena_printf(kr->arena,
                              "default-src 'none'; style-src 'nonce-%s'; img-src 'self' data:; form-action 'self'; "
                              "frame-ancestors 'none'; base-uri 'none'",
                              style_nonce));
    reply_header(kr, "x-frame-options", "DENY");
    reply_header(kr, "cache-control", "no-store");
}

const char *web_style_nonce(kreq_t *kr, char buf[64])
{
    (void)kr;
    unsigned char raw[18];
    enc_random(raw, sizeof raw);
    enc_b64url(buf, raw, sizeof raw);
    return buf;
}
