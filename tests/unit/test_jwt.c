/* Unit tests for RS256 JWTs (src/auth/jwt.c), the signing keys and JWKS
 * (src/auth/signkeys.c) and app system tokens (src/auth/systoken.c): a signed token
 * verifies; every forgery is refused (alg none, HS256 keyed with the public key, unknown
 * or missing kid, a changed payload or signature, a key that is not published, bad
 * base64url, oversize); exp/nbf/iss/aud are enforced; rotation keeps the old kid
 * published for its window and then drops it; keys survive a restart (store + master
 * key) and do not open under another master key; system tokens bind one installation and
 * die with it. */
#include "unit.h"

#include <jansson.h>
#include <openssl/hmac.h>

#include "auth/jwt.h"
#include "auth/keys.h"
#include "auth/signkeys.h"
#include "auth/systoken.h"
#include "base/clock.h"
#include "base/enc.h"
#include "base/json.h"
#include "base/log.h"
#include "platform/app.h"
#include "platform/install.h"
#include "platform/site.h"
#include "store/store.h"
#include "store/store_apps.h"
#include "store/store_auth.h"
#include "store/store_installs.h"
#include "store/store_sites.h"

typedef struct {
    char *dir;
    store_t *st;
    arena_t *a;
} fx_t;

static int setup(void **state)
{
    log_min_level = LOG_ERROR;
    fx_t *f = xcalloc(1, sizeof *f);
    f->dir = unit_tempdir();
    char err[256] = "";
    f->st = store_open(f->dir, err, sizeof err);
    assert_non_null(f->st);
    assert_int_equal(store_migrate(f->st, err, sizeof err), STORE_OK);
    assert_int_equal(keys_init(f->dir, err, sizeof err), 0);
    signkeys_reset();
    f->a = arena_new(8u << 20);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx_t *f = *state;
    signkeys_reset();
    keys_reset();
    arena_free(f->a);
    store_close(f->st);
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

typedef struct {
    store_t *st;
    int64_t now_ms;
} lookup_ud_t;

static EVP_PKEY *lookup(void *ud, const char *kid)
{
    lookup_ud_t *u = ud;
    EVP_PKEY *k = signkeys_lookup(u->st, u->now_ms, kid);
    /* the verifier borrows it for the call: keep one reference alive in a tiny pool */
    static EVP_PKEY *held[64];
    static unsigned n;
    if (k) {
        EVP_PKEY_free(held[n % 64]);
        held[n++ % 64] = k;
    }
    return k;
}

static json_t *claims(int64_t now_s, int64_t exp_s)
{
    return json_pack("{s:s,s:s,s:I,s:I,s:I,s:s,s:{s:s}}", "iss", "forge/invocation-token", "aud",
                     "ari:cloud:ecosystem::app/one", "iat", (json_int_t)now_s, "nbf", (json_int_t)now_s, "exp",
                     (json_int_t)exp_s, "jti", "j1", "app", "installationId", "inst-1");
}

static int verify(fx_t *f, const char *tok, int64_t now_s, const char *aud)
{
    lookup_ud_t u = {f->st, now_s * 1000};
    jwt_expect_t want = {.issuer = "forge/invocation-token", .audience = aud, .now_s = now_s, .leeway_s = 0};
    json_t *c = NULL;
    return jwt_verify_rs256(f->a, tok, strlen(tok), lookup, &u, &want, &c);
}

static char *sign_now(fx_t *f, int64_t now_s, int64_t exp_s, char kid[SIGNKEYS_KID_LEN + 1])
{
    EVP_PKEY *k = NULL;
    assert_int_equal(signkeys_current(f->st, now_s * 1000, &k, kid), 0);
    json_t *c = claims(now_s, exp_s);
    char *tok = jwt_sign_rs256(f->a, k, kid, c);
    json_decref(c);
    EVP_PKEY_free(k);
    assert_non_null(tok);
    return tok;
}

static const char *b64(fx_t *f, const char *s)
{
    char *o = arena_alloc(f->a, enc_b64url_len(strlen(s)) + 1);
    enc_b64url(o, s, strlen(s));
    return o;
}

static void test_sign_verify(void **state)
{
    fx_t *f = *state;
    char err[128];
    int64_t now = clock_now_ms() / 1000;
    assert_int_equal(signkeys_ensure(f->st, now * 1000, err, sizeof err), 0);
    char kid[SIGNKEYS_KID_LEN + 1];
    char *tok = sign_now(f, now, now + 60, kid);
    assert_int_equal(strlen(kid), SIGNKEYS_KID_LEN);
    assert_int_equal(verify(f, tok, now, "ari:cloud:ecosystem::app/one"), JWT_OK);
    /* claims */
    assert_int_equal(verify(f, tok, now, "ari:cloud:ecosystem::app/other"), JWT_EAUDIENCE);
    assert_int_equal(verify(f, tok, now + 61, "ari:cloud:ecosystem::app/one"), JWT_EEXPIRED);
    assert_int_equal(verify(f, tok, now - 30, "ari:cloud:ecosystem::app/one"), JWT_ENOTYET);
    lookup_ud_t u = {f->st, now * 1000};
    jwt_expect_t want = {.issuer = "someone-else", .now_s = now};
    json_t *c;
    assert_int_equal(jwt_verify_rs256(f->a, tok, strlen(tok), lookup, &u, &want, &c), JWT_EISSUER);

    /* the JWKS has the key, with the fields a verifier needs */
    char *jwks;
    size_t jl;
    assert_int_equal(signkeys_jwks(f->st, f->a, now * 1000, &jwks, &jl), 0);
    json_t *doc = json_loads(jwks, 0, NULL);
    json_t *k0 = json_array_get(json_object_get(doc, "keys"), 0);
    assert_string_equal(json_string_value(json_object_get(k0, "kid")), kid);
    assert_string_equal(json_string_value(json_object_get(k0, "kty")), "RSA");
    assert_string_equal(json_string_value(json_object_get(k0, "alg")), "RS256");
    assert_string_equal(json_string_value(json_object_get(k0, "e")), "AQAB");
    assert_int_equal(strlen(json_string_value(json_object_get(k0, "n"))), 342); /* 2048 bits */
    assert_null(json_object_get(k0, "d"));                                      /* never the private part */
    assert_null(json_object_get(k0, "p"));
    json_decref(doc);
}

static void test_forgeries(void **state)
{
    fx_t *f = *state;
    int64_t now = clock_now_ms() / 1000;
    char kid[SIGNKEYS_KID_LEN + 1];
    char *tok = sign_now(f, now, now + 60, kid);
    const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    const char *payload = arena_strndup(f->a, d1 + 1, (size_t)(d2 - d1 - 1));
    const char *aud = "ari:cloud:ecosystem::app/one";

    /* alg none, with and without a signature */
    const char *none_hdr = b64(f, arena_printf(f->a, "{\"alg\":\"none\",\"kid\":\"%s\",\"typ\":\"JWT\"}", kid));
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.", none_hdr, payload), now, aud), JWT_EALG);
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", none_hdr, payload, d2 + 1), now, aud), JWT_EALG);
    /* HS256 keyed with the public JWK text (the RS/HS confusion) */
    const char *hs_hdr = b64(f, arena_printf(f->a, "{\"alg\":\"HS256\",\"kid\":\"%s\",\"typ\":\"JWT\"}", kid));
    const char *input = arena_printf(f->a, "%s.%s", hs_hdr, payload);
    char *jwks;
    size_t jl;
    assert_int_equal(signkeys_jwks(f->st, f->a, now * 1000, &jwks, &jl), 0);
    unsigned char mac[32];
    enc_hmac_sha256(mac, jwks, jl, input, strlen(input));
    char macb[64];
    enc_b64url(macb, mac, 32);
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s", input, macb), now, aud), JWT_EALG);
    /* other algs, case games */
    static const char *const algs[] = {"rs256", "RS512", "PS256", "ES256", "", "RS256 "};
    for (size_t i = 0; i < sizeof algs / sizeof *algs; i++) {
        const char *h = b64(f, arena_printf(f->a, "{\"alg\":\"%s\",\"kid\":\"%s\"}", algs[i], kid));
        assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", h, payload, d2 + 1), now, aud), JWT_EALG);
    }
    /* an alg or typ that is RS256 / JWT only up to a NUL is not (compared whole) */
    const char *nul_alg = b64(f, arena_printf(f->a, "{\"alg\":\"RS256\\u0000x\",\"kid\":\"%s\"}", kid));
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", nul_alg, payload, d2 + 1), now, aud), JWT_EALG);
    const char *nul_typ = b64(f, arena_printf(f->a, "{\"alg\":\"RS256\",\"typ\":\"JWT\\u0000\",\"kid\":\"%s\"}", kid));
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", nul_typ, payload, d2 + 1), now, aud), JWT_EALG);
    /* a kid that names a published key only up to a NUL names nothing */
    const char *nul_kid = b64(f, arena_printf(f->a, "{\"alg\":\"RS256\",\"kid\":\"%s\\u0000junk\"}", kid));
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", nul_kid, payload, d2 + 1), now, aud), JWT_EKID);
    /* embedded keys / key URLs are refused, not followed */
    const char *jku = b64(f, arena_printf(f->a, "{\"alg\":\"RS256\",\"kid\":\"%s\",\"jku\":\"http://evil/\"}", kid));
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", jku, payload, d2 + 1), now, aud), JWT_EALG);
    /* unknown and missing kid */
    const char *unk = b64(f, "{\"alg\":\"RS256\",\"kid\":\"00000000000000000000000000000000\"}");
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", unk, payload, d2 + 1), now, aud), JWT_EKID);
    const char *nokid = b64(f, "{\"alg\":\"RS256\"}");
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", nokid, payload, d2 + 1), now, aud), JWT_EKID);
    /* a changed payload (another installation) under the real signature */
    const char *evil =
        b64(f, arena_printf(f->a,
                            "{\"iss\":\"forge/invocation-token\",\"aud\":\"%s\",\"iat\":%lld,\"exp\":%lld,"
                            "\"app\":{\"installationId\":\"inst-2\"}}",
                            aud, (long long)now, (long long)now + 60));
    const char *hdr = arena_strndup(f->a, tok, (size_t)(d1 - tok));
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", hdr, evil, d2 + 1), now, aud), JWT_ESIGNATURE);
    /* a flipped signature byte; a truncated one */
    char *bad = arena_strdup(f->a, tok);
    char *last = bad + strlen(bad) - 5;
    *last = *last == 'A' ? 'B' : 'A';
    assert_int_equal(verify(f, bad, now, aud), JWT_ESIGNATURE);
    assert_int_equal(verify(f, arena_strndup(f->a, tok, strlen(tok) - 10), now, aud), JWT_ESIGNATURE);
    /* malformed */
    static const char *const junk[] = {"", "a", "a.b", "a.b.c.d", "..", "!!.??.**", "eyJ.eyJ.x"};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++)
        assert_int_equal(verify(f, junk[i], now, aud), JWT_EFORMAT);
    assert_int_equal(verify(f, arena_printf(f->a, "%s=.%s.%s", hdr, payload, d2 + 1), now, aud), JWT_EFORMAT);
    char *huge = arena_alloc(f->a, JWT_MAX_BYTES + 10);
    memset(huge, 'a', JWT_MAX_BYTES + 9);
    huge[JWT_MAX_BYTES + 9] = '\0';
    huge[10] = '.';
    huge[20] = '.';
    assert_int_equal(verify(f, huge, now, aud), JWT_EFORMAT);
    /* a header that is not an object, a payload that is not JSON */
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", b64(f, "[1]"), payload, d2 + 1), now, aud), JWT_EFORMAT);
    assert_int_equal(verify(f, arena_printf(f->a, "%s.%s.%s", hdr, b64(f, "not json"), d2 + 1), now, aud),
                     JWT_ESIGNATURE);
}

/* Properly signed tokens whose iss or aud equals the expected one only up to a NUL. */
static void test_nul_claims(void **state)
{
    fx_t *f = *state;
    int64_t now = clock_now_ms() / 1000;
    char kid[SIGNKEYS_KID_LEN + 1];
    EVP_PKEY *k = NULL;
    assert_int_equal(signkeys_current(f->st, now * 1000, &k, kid), 0);
    static const struct {
        const char *iss, *aud;
        size_t iss_len, aud_len;
        int want;
    } cases[] = {
        {"forge/invocation-token", "ari:cloud:ecosystem::app/one", 22, 28, JWT_OK},
        {"forge/invocation-token\0x", "ari:cloud:ecosystem::app/one", 24, 28, JWT_EISSUER},
        {"forge/invocation-token\0", "ari:cloud:ecosystem::app/one", 23, 28, JWT_EISSUER},
        {"forge/invocation-token", "ari:cloud:ecosystem::app/one\0/two", 22, 32, JWT_EAUDIENCE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *c = claims(now, now + 60);
        json_object_set_new(c, "iss", json_stringn(cases[i].iss, cases[i].iss_len));
        json_object_set_new(c, "aud", json_stringn(cases[i].aud, cases[i].aud_len));
        char *tok = jwt_sign_rs256(f->a, k, kid, c);
        assert_non_null(tok);
        assert_int_equal(verify(f, tok, now, "ari:cloud:ecosystem::app/one"), cases[i].want);
        /* the same in the array form of aud */
        json_object_set_new(c, "aud",
                            json_pack("[s,s%]", "ari:cloud:ecosystem::app/zzz", cases[i].aud, cases[i].aud_len));
        tok = jwt_sign_rs256(f->a, k, kid, c);
        assert_int_equal(verify(f, tok, now, "ari:cloud:ecosystem::app/one"), cases[i].want);
        json_decref(c);
    }
    EVP_PKEY_free(k);
}

static void test_rotation(void **state)
{
    fx_t *f = *state;
    int64_t now = clock_now_ms() / 1000;
    char kid1[SIGNKEYS_KID_LEN + 1], kid2[SIGNKEYS_KID_LEN + 1], old[SIGNKEYS_KID_LEN + 1];
    char *tok1 = sign_now(f, now, now + 60, kid1);
    assert_int_equal(signkeys_rotate(f->st, now * 1000, kid2, old), 0);
    assert_string_equal(old, kid1);
    assert_string_not_equal(kid1, kid2);
    /* the new key signs */
    char kid_now[SIGNKEYS_KID_LEN + 1];
    char *tok2 = sign_now(f, now, now + 60, kid_now);
    assert_string_equal(kid_now, kid2);
    /* both verify while the old key is published */
    assert_int_equal(verify(f, tok1, now, "ari:cloud:ecosystem::app/one"), JWT_OK);
    assert_int_equal(verify(f, tok2, now, "ari:cloud:ecosystem::app/one"), JWT_OK);
    char *jwks;
    size_t jl;
    assert_int_equal(signkeys_jwks(f->st, f->a, now * 1000, &jwks, &jl), 0);
    assert_true(unit_contains(jwks, kid1) && unit_contains(jwks, kid2));
    /* after the window the retired key is gone from the JWKS and from verification */
    int64_t later = now * 1000 + SIGNKEYS_RETIRED_PUBLISH_MS + 1000;
    assert_int_equal(signkeys_jwks(f->st, f->a, later, &jwks, &jl), 0);
    assert_false(unit_contains(jwks, kid1));
    assert_true(unit_contains(jwks, kid2));
    assert_null(signkeys_lookup(f->st, later, kid1));

    /* a restart (cache dropped) reads the same keys back from the store */
    signkeys_reset();
    char kid3[SIGNKEYS_KID_LEN + 1];
    sign_now(f, now, now + 60, kid3);
    assert_string_equal(kid3, kid2);
    assert_int_equal(verify(f, tok1, now, "ari:cloud:ecosystem::app/one"), JWT_OK);
}

static void test_other_master_key(void **state)
{
    fx_t *f = *state;
    int64_t now = clock_now_ms() / 1000;
    char kid[SIGNKEYS_KID_LEN + 1];
    char *tok = sign_now(f, now, now + 60, kid);
    /* the same store under another master key: the stored key does not open */
    signkeys_reset();
    keys_reset();
    char *other = unit_tempdir();
    char err[128];
    assert_int_equal(keys_init(other, err, sizeof err), 0);
    assert_int_equal(verify(f, tok, now, "ari:cloud:ecosystem::app/one"), JWT_EKID);
    unit_rmtree(other);
}

static void test_system_tokens(void **state)
{
    fx_t *f = *state;
    int64_t now = clock_now_ms();
    install_rec_t in = {.id = "11111111-1111-4111-8111-111111111111", .site_id = 7};
    char t1[TOKEN_MAX], t2[TOKEN_MAX];
    int64_t e1, e2;
    assert_int_equal(systoken_for(f->st, &in, now, t1, &e1), STORE_OK);
    assert_int_equal(token_kind_of(t1, strlen(t1)), TOKEN_SYSTEM);
    assert_true(strncmp(t1, "kiln_s_", 7) == 0);
    assert_int_equal(e1, now + SYSTOKEN_LIFETIME_MS);
    /* the same token while it has >= 2 h to live; a new one after */
    assert_int_equal(systoken_for(f->st, &in, now + 3600 * 1000, t2, &e2), STORE_OK);
    assert_string_equal(t1, t2);
    assert_int_equal(systoken_for(f->st, &in, e1 - SYSTOKEN_MIN_LEFT_MS + 1, t2, &e2), STORE_OK);
    assert_string_not_equal(t1, t2);
    assert_true(e2 - (e1 - SYSTOKEN_MIN_LEFT_MS + 1) == SYSTOKEN_LIFETIME_MS);
    /* only the hash is stored */
    unsigned char h[32];
    token_hash(t1, strlen(t1), h);
    systoken_rec_t r;
    assert_int_equal(store_systoken_lookup(f->st, f->a, h, &r), STORE_OK);
    assert_string_equal(r.installation_id, in.id);
    assert_int_equal(r.expires_ms, e1);
    /* other kinds of token and junk are not system tokens */
    systoken_binding_t b;
    char ut[TOKEN_MAX];
    token_mint(TOKEN_USER, ut);
    assert_int_equal(systoken_verify(f->st, f->a, ut, strlen(ut), now, &b), -1);
    assert_int_equal(systoken_verify(f->st, f->a, "kiln_s_", 7, now, &b), -1);
    /* a well-formed but never-issued one */
    char forged[TOKEN_MAX];
    token_mint(TOKEN_SYSTEM, forged);
    assert_int_equal(systoken_verify(f->st, f->a, forged, strlen(forged), now, &b), -1);
    /* uninstall (delete) removes the installation's tokens */
    assert_int_equal(store_systoken_delete_installation(f->st, in.id), STORE_OK);
    assert_int_equal(store_systoken_lookup(f->st, f->a, h, &r), STORE_NOTFOUND);
    systoken_forget(in.id);
}

/* With real installations on two sites: a token binds its own installation and site,
 * expires at its time, and dies with an uninstall (also from the in-memory cache). */
static void test_system_token_bindings(void **state)
{
    fx_t *f = *state;
    site_rec_t A, B;
    app_rec_t app;
    assert_int_equal(site_create(f->st, f->a, "alpha", 0, &A), STORE_OK);
    assert_int_equal(site_create(f->st, f->a, "bravo", 0, &B), STORE_OK);
    assert_int_equal(app_register(f->st, f->a, "Remote", &app), STORE_OK);
    version_rec_t v = {.app_id = app.id,
                       .env_key = "development",
                       .manifest_json = "{}",
                       .major_key = "{}",
                       .scopes_json = "[\"read:jira-work\",\"storage:app\"]",
                       .egress_json = "{}",
                       .snapshot = "versions/x",
                       .snapshot_bytes = 1};
    assert_int_equal(app_deploy_record(f->st, f->a, &v, 1000), STORE_OK);
    install_rec_t ia, ib;
    version_rec_t ver;
    int64_t now = clock_now_ms();
    assert_int_equal(install_create(f->st, f->a, &A, app.id, "development", NULL, now, &ia, &ver), INSTALL_OK);
    assert_int_equal(install_create(f->st, f->a, &B, app.id, "development", NULL, now, &ib, &ver), INSTALL_OK);
    char ta[TOKEN_MAX], tb[TOKEN_MAX];
    int64_t ea, eb;
    assert_int_equal(systoken_for(f->st, &ia, now, ta, &ea), STORE_OK);
    assert_int_equal(systoken_for(f->st, &ib, now, tb, &eb), STORE_OK);
    assert_string_not_equal(ta, tb);
    systoken_binding_t b;
    assert_int_equal(systoken_verify(f->st, f->a, ta, strlen(ta), now, &b), 0);
    assert_string_equal(b.install.id, ia.id);
    assert_string_equal(b.site.cloud_id, A.cloud_id);
    assert_string_equal(b.scopes, "read:jira-work storage:app");
    assert_int_equal(systoken_verify(f->st, f->a, tb, strlen(tb), now, &b), 0);
    assert_string_equal(b.site.cloud_id, B.cloud_id);
    /* expiry: valid a moment before, dead at and after it */
    assert_int_equal(systoken_verify(f->st, f->a, ta, strlen(ta), ea - 1, &b), 0);
    assert_int_equal(systoken_verify(f->st, f->a, ta, strlen(ta), ea, &b), -1);
    assert_int_equal(systoken_verify(f->st, f->a, ta, strlen(ta), ea + 3600000, &b), -1);
    /* one character changed */
    char bad[TOKEN_MAX];
    memcpy(bad, ta, TOKEN_MAX);
    bad[10] = bad[10] == 'A' ? 'B' : 'A';
    assert_int_equal(systoken_verify(f->st, f->a, bad, strlen(bad), now, &b), -1);
    /* uninstall on B: B's token is dead at once, A's lives; B's reinstall gets a new one */
    install_rec_t gone;
    assert_int_equal(install_remove(f->st, f->a, &B, app.id, "development", now, 1000, &gone), INSTALL_OK);
    assert_int_equal(systoken_verify(f->st, f->a, tb, strlen(tb), now, &b), -1);
    assert_int_equal(systoken_verify(f->st, f->a, ta, strlen(ta), now, &b), 0);
    install_rec_t ib2;
    assert_int_equal(install_create(f->st, f->a, &B, app.id, "development", NULL, now, &ib2, &ver), INSTALL_OK);
    char tb2[TOKEN_MAX];
    assert_int_equal(systoken_for(f->st, &ib2, now, tb2, &eb), STORE_OK);
    assert_string_not_equal(tb2, tb);
    assert_int_equal(systoken_verify(f->st, f->a, tb, strlen(tb), now, &b), -1);
    assert_int_equal(systoken_verify(f->st, f->a, tb2, strlen(tb2), now, &b), 0);
    assert_string_equal(b.install.id, ib2.id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sign_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forgeries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nul_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_master_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_token_bindings, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
