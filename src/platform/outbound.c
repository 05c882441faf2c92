#include "platform/outbound.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/log.h"

static struct {
    pthread_mutex_t mu; /* guards head/tail, inflight, running, stopping */
    pthread_t tid;
    CURLM *multi;
    int running, stopping;
    outbound_req_t *head, *tail; /* submitted, not yet handed to curl */
    unsigned inflight;           /* submitted and not yet done */
} O = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* Requests handed to libcurl and not finished (outbound thread only). */
static struct {
    outbound_req_t *active;
    outbound_req_t *delayed; /* waiting for their not_before_ms */
} A;

static struct {
    _Atomic uint64_t requests, completed, reused, timeouts, errors, too_big, refused, bytes_out, bytes_in;
} S;

/* ------------------------------------------------------------------ requests */

outbound_req_t *outbound_req_new(void)
{
    outbound_req_t *r = xcalloc(1, sizeof *r);
    strcpy(r->method, "GET");
    return r;
}

void outbound_req_free(outbound_req_t *r)
{
    if (!r)
        return;
    free(r->url);
    for (unsigned i = 0; i < r->nheaders; i++)
        free(r->headers[i]);
    free(r->body);
    free(r->resolve);
    for (unsigned i = 0; i < r->nresp_headers; i++) {
        free(r->resp_headers[i].name);
        free(r->resp_headers[i].value);
    }
    free(r->resp_headers);
    buf_free(&r->resp_body);
    buf_free(&r->raw_headers);
    free(r);
}

int outbound_set_method(outbound_req_t *r, const char *m)
{
    size_t n = strlen(m);
    if (n == 0 || n >= sizeof r->method)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (m[i] < 'A' || m[i] > 'Z')
            return -1;
    memcpy(r->method, m, n + 1);
    return 0;
}

int outbound_set_url(outbound_req_t *r, const char *url)
{
    size_t n = strlen(url);
    if (n == 0 || n > OUTBOUND_URL_MAX)
        return -1;
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= ' ' || url[i] == 0x7f)
            return -1;
    free(r->url);
    r->url = xstrdup(url);
    return 0;
}

static int clean(const char *s, int name)
{
    for (; *s; s++)
        if (*s == '\r' || *s == '\n' || (name && (*s == ':' || *s == ' ' || *s == '\t')))
            return 0;
    return 1;
}

int outbound_add_header(outbound_req_t *r, const char *name, const char *value)
{
    if (r->nheaders >= OUTBOUND_REQ_HEADERS_MAX || !*name || !clean(name, 1) || !clean(value, 0) ||
        strlen(name) + strlen(value) > OUTBOUND_HEADERS_MAX)
        return -1;
    char *line = NULL;
    /* "Name;" is libcurl's way of sending a header with an empty value */
    if (asprintf(&line, *value ? "%s: %s" : "%s;", name, value) < 0)
        abort();
    r->headers[r->nheaders++] = line;
    return 0;
}

int outbound_set_body(outbound_req_t *r, const void *body, size_t len)
{
    if (len > OUTBOUND_BODY_MAX)
        return -1;
    free(r->body);
    r->body = xmalloc(len + 1);
    if (len)
        memcpy(r->body, body, len);
    r->body[len] = '\0';
    r->body_len = len;
    return 0;
}

const char *outbound_resp_header(const outbound_req_t *r, const char *name)
{
    for (unsigned i = 0; i < r->nresp_headers; i++)
        if (strcasecmp(r->resp_headers[i].name, name) == 0)
            return r->resp_headers[i].value;
    return NULL;
}

static const char *const err_names[] = {"ok", "timeout", "connect", "too_big", "protocol", "invalid", "shutdown"};

const char *outbound_err_name(int err)
{
    return err <= 0 && -err < (int)(sizeof err_names / sizeof *err_names) ? err_names[-err] : "error";
}

void outbound_get_stats(outbound_stats_t *o)
{
    *o = (outbound_stats_t){S.requests, S.completed, S.reused,    S.timeouts, S.errors,
                            S.too_big,  S.refused,   S.bytes_out, S.bytes_in};
}

/* ------------------------------------------------------------------ curl callbacks */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    outbound_req_t *r = ud;
    size_t len = size * n;
    if (buf_add(&r->resp_body, p, len) != 0) {
        r->err = OUTBOUND_ETOOBIG;
        return 0; /* libcurl stops the transfer (CURLE_WRITE_ERROR) */
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    outbound_req_t *r = ud;
    size_t len = size * n;
    /* A new status line (after a 1xx) starts the final response's headers afresh. */
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
        buf_reset(&r->raw_headers);
    if (buf_add(&r->raw_headers, p, len) != 0) {
        r->err = OUTBOUND_ETOOBIG;
        return 0;
    }
    return len;
}

/* Splits the raw header block of the final response into name/value pairs. */
static void parse_headers(outbound_req_t *r)
{
    const char *p = r->raw_headers.ptr, *end = p ? p + r->raw_headers.len : NULL;
    unsigned cap = 0;
    if (!p)
        return;
    const char *eol = memchr(p, '\n', (size_t)(end - p)); /* skip the status line */
    p = eol ? eol + 1 : end;
    while (p < end) {
        eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        size_t ll = (size_t)(le - p);
        if (ll && p[ll - 1] == '\r')
            ll--;
        const char *colon = ll ? memchr(p, ':', ll) : NULL;
        if (colon && colon > p) {
            const char *v = colon + 1, *ve = p + ll;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            if (r->nresp_headers == cap) {
                cap = cap ? cap * 2 : 16;
                r->resp_headers = xrealloc(r->resp_headers, cap * sizeof *r->resp_headers);
            }
            r->resp_headers[r->nresp_headers].name = xstrndup(p, (size_t)(colon - p));
            r->resp_headers[r->nresp_headers].value = xstrndup(v, (size_t)(ve - v));
            r->nresp_headers++;
        }
        p = le + 1;
    }
}

/* ------------------------------------------------------------------ completion */

static void complete(outbound_req_t *r)
{
    S.completed++;
    if (r->err == OUTBOUND_ETIMEOUT)
        S.timeouts++;
    else if (r->err == OUTBOUND_ETOOBIG)
        S.too_big++;
    else if (r->err != OUTBOUND_OK)
        S.errors++;
    if (r->reused)
        S.reused++;
    pthread_mutex_lock(&O.mu);
    O.inflight--;
    pthread_mutex_unlock(&O.mu);
    completion_send(&r->c);
}

static int map_curl(CURLcode c)
{
    switch (c) {
    case CURLE_OK: return OUTBOUND_OK;
    case CURLE_OPERATION_TIMEDOUT: return OUTBOUND_ETIMEOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_PROXY: return OUTBOUND_ECONNECT;
    case CURLE_FILESIZE_EXCEEDED: return OUTBOUND_ETOOBIG;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return OUTBOUND_EINVAL;
    default: return OUTBOUND_EPROTO;
    }
}

/* Finishes a transfer libcurl reports done (or one that could not start). */
static void finish(outbound_req_t *r, CURLcode cc)
{
    CURL *e = r->easy;
    if (e) {
        long status = 0, connects = 0;
        curl_off_t up = 0, down = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &connects);
        curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
        curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &down);
        S.bytes_out += (uint64_t)up;
        S.bytes_in += (uint64_t)down;
        r->status = (int)status;
        r->reused = cc == CURLE_OK && connects == 0;
        curl_multi_remove_handle(O.multi, e);
        curl_easy_cleanup(e);
        r->easy = NULL;
    }
    curl_slist_free_all(r->slist);
    curl_slist_free_all(r->resolve_list);
    r->slist = r->resolve_list = NULL;
    if (r->aprev || A.active == r) { /* off the list of started requests */
        if (r->aprev)
            r->aprev->anext = r->anext;
        else
            A.active = r->anext;
        if (r->anext)
            r->anext->aprev = r->aprev;
        r->anext = r->aprev = NULL;
    }
    if (r->err == OUTBOUND_OK && cc != CURLE_OK) {
        r->err = map_curl(cc);
        if (!r->error[0])
            snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(cc));
    } else if (r->err == OUTBOUND_ETOOBIG) {
        snprintf(r->error, sizeof r->error, "response larger than its limit");
    }
    if (r->err != OUTBOUND_OK && r->err != OUTBOUND_ETOOBIG)
        r->status = r->status >= 200 ? r->status : 0;
    if (r->err == OUTBOUND_OK)
        parse_headers(r);
    else
        buf_reset(&r->resp_body);
    buf_free(&r->raw_headers);
    r->elapsed_ms = clock_now_ms() - r->elapsed_ms;
    complete(r);
}

/* Hands a submitted request to libcurl (outbound thread). */
static void start(outbound_req_t *r)
{
    r->elapsed_ms = clock_now_ms(); /* the start time until finish turns it into a duration */
    size_t cap = r->max_response ? r->max_response : OUTBOUND_RESPONSE_DEFAULT;
    if (cap > OUTBOUND_RESPONSE_MAX)
        cap = OUTBOUND_RESPONSE_MAX;
    buf_init(&r->resp_body, cap);
    buf_init(&r->raw_headers, OUTBOUND_HEADERS_MAX);
    unsigned total = r->timeout_ms ? r->timeout_ms : OUTBOUND_TIMEOUT_DEFAULT_MS;
    unsigned conn = r->connect_timeout_ms ? r->connect_timeout_ms : OUTBOUND_CONNECT_DEFAULT_MS;
    if (conn > total)
        conn = total;
    if (!r->url) {
        r->err = OUTBOUND_EINVAL;
        snprintf(r->error, sizeof r->error, "no URL");
        finish(r, CURLE_OK);
        return;
    }
    CURL *e = curl_easy_init();
    if (!e)
        abort();
    r->easy = e;
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_URL, r->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, ""); /* never a proxy from the environment */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)total);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)conn);
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    if (r->resolve) {
        struct curl_slist *res = curl_slist_append(NULL, r->resolve);
        curl_easy_setopt(e, CURLOPT_RESOLVE, res);
        /* libcurl reads the list when the transfer starts; it lives until finish */
        r->resolve_list = res;
    }
    struct curl_slist *h = NULL;
    for (unsigned i = 0; i < r->nheaders; i++)
        h = curl_slist_append(h, r->headers[i]);
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip for large bodies */
    r->slist = h;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    if (strcmp(r->method, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
        if (r->body || strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 ||
            strcmp(r->method, "PATCH") == 0) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        }
    }
    r->anext = A.active;
    if (A.active)
        A.active->aprev = r;
    A.active = r;
    if (curl_multi_add_handle(O.multi, e) != CURLM_OK)
        finish(r, CURLE_FAILED_INIT);
}

/* ------------------------------------------------------------------ the thread */

static void *thread_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&O.mu);
        outbound_req_t *list = O.head;
        O.head = O.tail = NULL;
        int stopping = O.stopping;
        pthread_mutex_unlock(&O.mu);
        if (stopping) {
            /* requests never started, then those in flight, all end as shutdown */
            for (outbound_req_t *r = list, *next; r; r = next) {
                next = r->next;
                r->elapsed_ms = clock_now_ms();
                r->err = OUTBOUND_ESHUTDOWN;
                snprintf(r->error, sizeof r->error, "kiln is stopping");
                finish(r, CURLE_OK);
            }
            for (outbound_req_t *r = A.delayed, *next; r; r = next) {
                next = r->next;
                r->elapsed_ms = clock_now_ms();
                r->err = OUTBOUND_ESHUTDOWN;
                snprintf(r->error, sizeof r->error, "kiln is stopping");
                finish(r, CURLE_OK);
            }
            A.delayed = NULL;
            while (A.active) {
                outbound_req_t *r = A.active;
                r->err = OUTBOUND_ESHUTDOWN;
                snprintf(r->error, sizeof r->error, "kiln is stopping");
                finish(r, CURLE_OK);
            }
            break;
        }
        int64_t now = clock_now_ms(), wake_at = now + 1000;
        for (outbound_req_t *r = list, *next; r; r = next) {
            next = r->next;
            r->next = NULL;
            if (r->not_before_ms > now) {
                r->next = A.delayed;
                A.delayed = r;
            } else {
                start(r);
            }
        }
        for (outbound_req_t **pp = &A.delayed; *pp;) {
            outbound_req_t *r = *pp;
            if (r->not_before_ms <= now) {
                *pp = r->next;
                r->next = NULL;
                start(r);
            } else {
                if (r->not_before_ms < wake_at)
                    wake_at = r->not_before_ms;
                pp = &r->next;
            }
        }
        int still = 0;
        curl_multi_perform(O.multi, &still);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(O.multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            outbound_req_t *r = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            finish(r, m->data.result);
        }
        long wait = (long)(wake_at - clock_now_ms());
        curl_multi_poll(O.multi, NULL, 0, wait < 1 ? 1 : wait > 1000 ? 1000 : (int)wait, NULL);
    }
    return NULL;
}

int outbound_start(char *err, size_t errlen)
{
    if (O.running)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl initialisation failed");
        return -1;
    }
    curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    if (!v || v->version_num < 0x075500) { /* 7.85: CURLOPT_PROTOCOLS_STR */
        snprintf(err, errlen, "libcurl 7.85 or newer is required");
        return -1;
    }
    O.multi = curl_multi_init();
    curl_multi_setopt(O.multi, CURLMOPT_MAXCONNECTS, (long)OUTBOUND_CONNS_MAX);
    /* More calls to one host than this wait inside libcurl for a connection (their
     * deadlines run meanwhile) instead of opening one connection each. */
    curl_multi_setopt(O.multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)OUTBOUND_HOST_CONNS_MAX);
    O.stopping = 0;
    O.inflight = 0;
    if (pthread_create(&O.tid, NULL, thread_main, NULL) != 0) {
        snprintf(err, errlen, "cannot start the outbound thread");
        curl_multi_cleanup(O.multi);
        O.multi = NULL;
        return -1;
    }
    pthread_mutex_lock(&O.mu);
    O.running = 1;
    pthread_mutex_unlock(&O.mu);
    return 0;
}

void outbound_stop(void)
{
    pthread_mutex_lock(&O.mu);
    int was = O.running;
    O.stopping = 1;
    O.running = 0;
    pthread_mutex_unlock(&O.mu);
    if (!was)
        return;
    curl_multi_wakeup(O.multi);
    pthread_join(O.tid, NULL);
    pthread_mutex_lock(&O.mu);
    curl_multi_cleanup(O.multi);
    O.multi = NULL;
    pthread_mutex_unlock(&O.mu);
}

int outbound_running(void)
{
    pthread_mutex_lock(&O.mu);
    int r = O.running;
    pthread_mutex_unlock(&O.mu);
    return r;
}

int outbound_submit(outbound_req_t *r)
{
    if (!r->c.done)
        return -1;
    pthread_mutex_lock(&O.mu);
    int ok = O.running && !O.stopping && O.inflight < OUTBOUND_QUEUE_MAX;
    if (ok) {
        r->next = NULL;
        r->err = OUTBOUND_OK;
        r->status = 0;
        r->error[0] = '\0';
        if (O.tail)
            O.tail->next = r;
        else
            O.head = r;
        O.tail = r;
        O.inflight++;
        /* under the lock: outbound_stop cleans the multi handle up only under it */
        curl_multi_wakeup(O.multi);
    }
    pthread_mutex_unlock(&O.mu);
    if (!ok) {
        S.refused++;
        return -1;
    }
    S.requests++;
    return 0;
}

/* ------------------------------------------------------------------ sync */

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
} waiter_t;

static void sync_done(completion_t *c)
{
    waiter_t *w = c->owner;
    pthread_mutex_lock(&w->mu);
    w->done = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

int outbound_call_sync(outbound_req_t *r)
{
    waiter_t w = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
    r->c.receiver = NULL;
    r->c.done = sync_done;
    r->c.owner = &w;
    if (outbound_submit(r) != 0) {
        r->err = OUTBOUND_ESHUTDOWN;
        snprintf(r->error, sizeof r->error, "the outbound client is not running or is full");
        return r->err;
    }
    pthread_mutex_lock(&w.mu);
    while (!w.done)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    r->c.owner = NULL;
    return r->err;
}
