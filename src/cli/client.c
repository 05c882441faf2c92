/* The CLI's client for kiln's admin API (libcurl). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/admin_token.h"
#include "base/buf.h"
#include "cli/cli.h"

#define MAX_RESPONSE (16u * 1024 * 1024)

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    return buf_add(ud, p, size * n) == 0 ? size * n : 0;
}

long client_timeout_s = 120;

void cli_print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY);
    if (s)
        printf("%s\n", s);
    free(s);
}

int client_fail(long status, json_t *resp)
{
    const char *msg = json_string_value(json_object_get(resp, "message"));
    fprintf(stderr, "kiln: server answered %ld: %s\n", status, msg ? msg : "(no message)");
    json_decref(resp);
    return 1;
}

/* One request to the admin API with a raw body of `len` bytes (or none). */
long client_call_raw(const cli_conn_t *c, const char *method, const char *path, const void *data, size_t len,
                     const char *content_type, json_t **out)
{
    const char *url = c->url ? c->url : getenv("KILN_URL") ? getenv("KILN_URL") : "http://127.0.0.1:8080";
    const char *dir = c->data ? c->data : getenv("KILN_DATA") ? getenv("KILN_DATA") : "./.kiln";
    char token[TOKEN_MAX], err[512];
    const char *env_token = getenv("KILN_ADMIN_TOKEN");
    long status = -1;
    *out = NULL;
    if (env_token && *env_token) {
        snprintf(token, sizeof token, "%s", env_token);
    } else if (admin_token_load(dir, token, err, sizeof err) != 0) {
        fprintf(stderr, "kiln: %s (set KILN_ADMIN_TOKEN or --data)\n", err);
        return -1;
    }
    char full[2048], auth[128], ctype[128];
    snprintf(full, sizeof full, "%s%s", url, path);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(ctype, sizeof ctype, "Content-Type: %s", content_type);
    buf_t resp;
    buf_init(&resp, MAX_RESPONSE);
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = curl_slist_append(NULL, auth);
    hdrs = curl_slist_append(hdrs, ctype);
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_URL, full);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, client_timeout_s);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (data) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        fprintf(stderr, "kiln: cannot reach kiln at %s: %s\n", url, curl_easy_strerror(rc));
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (resp.len)
            *out = json_loadb(resp.ptr, resp.len, 0, NULL);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    buf_free(&resp);
    return status;
}

long client_call(const cli_conn_t *c, const char *method, const char *path, json_t *body, json_t **out)
{
    char *payload = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (body && !payload) {
        fprintf(stderr, "kiln: out of memory\n");
        return -1;
    }
    long status = client_call_raw(c, method, path, payload, payload ? strlen(payload) : 0, "application/json", out);
    free(payload);
    return status;
}
