/* Unit tests for the outbound HTTP client (src/platform/outbound.c) against a Node HTTP
 * server on loopback (tests/unit/outbound_server.mjs): ordinary answers, request bodies
 * and headers sent as given, 5xx and 3xx returned as they are (no redirect followed),
 * deadlines for hanging and trickling servers, a connect failure, capped bodies and
 * headers, connection reuse, hostile inputs refused by the setters, answers through an
 * h2o receiver without one slow call holding up the others, and shutdown answering
 * everything in flight. */
#include "unit.h"

#include <fcntl.h>
#include <h2o.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "base/clock.h"
#include "base/log.h"
#include "platform/outbound.h"

static pid_t server_pid;
static int server_in = -1;
static int port;
static char base[64];

static int group_setup(void **state)
{
    (void)state;
    log_min_level = LOG_ERROR;
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    server_pid = fork();
    assert_true(server_pid >= 0);
    if (server_pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execlp("node", "node", "tests/unit/outbound_server.mjs", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    server_in = in[1];
    char line[32] = "";
    size_t n = 0;
    while (n < sizeof line - 1) {
        ssize_t r = read(out[0], line + n, 1);
        if (r <= 0 || line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    close(out[0]);
    port = atoi(line);
    assert_true(port > 0);
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    char err[256] = "";
    assert_int_equal(outbound_start(err, sizeof err), 0);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    outbound_stop();
    close(server_in);
    kill(server_pid, SIGTERM);
    waitpid(server_pid, NULL, 0);
    return 0;
}

static outbound_req_t *req(const char *path)
{
    outbound_req_t *r = outbound_req_new();
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    assert_int_equal(outbound_set_url(r, url), 0);
    return r;
}

static int64_t delay_done_at;
static void many_cb_delay(completion_t *c)
{
    (void)c;
    __atomic_store_n(&delay_done_at, clock_now_ms(), __ATOMIC_SEQ_CST);
}

static void test_ok(void **state)
{
    (void)state;
    outbound_req_t *r = req("/ok");
    assert_int_equal(outbound_call_sync(r), OUTBOUND_OK);
    assert_int_equal(r->status, 200);
    assert_int_equal(r->resp_body.len, 5);
    assert_string_equal(r->resp_body.ptr, "hello");
    assert_string_equal(outbound_resp_header(r, "X-Test"), "yes");
    assert_string_equal(outbound_resp_header(r, "content-type"), "text/plain");
    assert_null(outbound_resp_header(r, "x-absent"));
    outbound_req_free(r);
}

static void test_echo_post(void **state)
{
    (void)state;
    outbound_req_t *r = req("/echo");
    assert_int_equal(outbound_set_method(r, "POST"), 0);
    assert_int_equal(outbound_add_header(r, "Authorization", "Bearer abc.def"), 0);
    assert_int_equal(outbound_add_header(r, "Content-Type", "application/json"), 0);
    assert_int_equal(outbound_add_header(r, "x-empty", ""), 0);
    static const char body[] = "{\"a\":\"\\u0000 binary \\u00ff\"}";
    assert_int_equal(outbound_set_body(r, body, sizeof body - 1), 0);
    assert_int_equal(outbound_call_sync(r), OUTBOUND_OK);
    assert_int_equal(r->status, 200);
    json_t *j = json_loads(r->resp_body.ptr, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(j, "body")), body);
    json_t *h = json_object_get(j, "headers");
    assert_string_equal(json_string_value(json_object_get(h, "authorization")), "Bearer abc.def");
    assert_string_equal(json_string_value(json_object_get(h, "x-empty")), "");
    assert_null(json_object_get(h, "expect")); /* no 100-continue */
    json_decref(j);
    outbound_req_free(r);

    /* other methods, with and without a body */
    static const char *const methods[] = {"PUT", "PATCH", "DELETE", "GET"};
    for (size_t i = 0; i < 4; i++) {
        r = req("/echo");
        assert_int_equal(outbound_set_method(r, methods[i]), 0);
        if (i < 2)
            assert_int_equal(outbound_set_body(r, "x", 1), 0);
        assert_int_equal(outbound_call_sync(r), OUTBOUND_OK);
        j = json_loads(r->resp_body.ptr, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(j, "method")), methods[i]);
        assert_string_equal(json_string_value(json_object_get(j, "body")), i < 2 ? "x" : "");
        json_decref(j);
        outbound_req_free(r);
    }
}

static void test_5xx_and_3xx(void **state)
{
    (void)state;
    outbound_req_t *r = req("/500");
    assert_int_equal(outbound_call_sync(r), OUTBOUND_OK);
    assert_int_equal(r->status, 500);
    assert_string_equal(r->resp_body.ptr, "{\"error\":\"boom\"}");
    outbound_req_free(r);

    r = req("/302");
    assert_int_equal(outbound_call_sync(r), OUTBOUND_OK);
    assert_int_equal(r->status, 302); /* not followed to /ok */
    assert_string_equal(outbound_resp_header(r, "location"), "/ok");
    assert_int_equal(r->resp_body.len, 0);
    outbound_req_free(r);
}

static void test_deadlines(void **state)
{
    (void)state;
    outbound_req_t *r = req("/hang");
    r->timeout_ms = 300;
    int64_t t0 = clock_now_ms();
    assert_int_equal(outbound_call_sync(r), OUTBOUND_ETIMEOUT);
    int64_t took = clock_now_ms() - t0;
    assert_true(took >= 250 && took < 2000);
    assert_int_equal(r->status, 0);
    assert_string_equal(outbound_err_name(r->err), "timeout");
    assert_true(r->error[0] != '\0');
    outbound_req_free(r);

    /* a server that keeps sending a byte at a time is cut at the deadline too */
    r = req("/trickle");
    r->timeout_ms = 400;
    t0 = clock_now_ms();
    assert_int_equal(outbound_call_sync(r), OUTBOUND_ETIMEOUT);
    took = clock_now_ms() - t0;
    assert_true(took >= 350 && took < 2000);
    assert_int_equal(r->resp_body.len, 0); /* a partial body is never handed on */
    outbound_req_free(r);

    /* slower than the deadline vs faster than it */
    r = req("/slow?ms=200");
    r->timeout_ms = 2000;
    assert_int_equal(outbound_call_sync(r), OUTBOUND_OK);
    assert_string_equal(r->resp_body.ptr, "slow");
    outbound_req_free(r);
}

/* not_before_ms holds a request back (retry backoff) without holding up others. */
static void test_not_before(void **state)
{
    (void)state;
    outbound_req_t *late = req("/ok"), *now = req("/ok");
    int64_t t0 = clock_now_ms();
    late->not_before_ms = t0 + 600;
    late->c.done = many_cb_delay;
    assert_int_equal(outbound_submit(late), 0);
    int64_t t1 = clock_now_ms();
    assert_int_equal(outbound_call_sync(now), OUTBOUND_OK);
    assert_true(clock_now_ms() - t1 < 400); /* not queued behind the delayed one */
    while (!__atomic_load_n(&delay_done_at, __ATOMIC_SEQ_CST) && clock_now_ms() - t0 < 5000)
        usleep(10000);
    int64_t at = __atomic_load_n(&delay_done_at, __ATOMIC_SEQ_CST);
    assert_true(at - t0 >= 600 && at - t0 < 2000);
    assert_int_equal(late->status, 200);
    outbound_req_free(late);
    outbound_req_free(now);
}

static void test_connect_failure(void **state)
{
    (void)state;
    /* a port nobody listens on: bind one, note it, close it */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    close(fd);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ok", ntohs(sa.sin_port));
    outbound_req_t *r = outbound_req_new();
    assert_int_equal(outbound_set_url(r, url), 0);
    assert_int_equal(outbound_call_sync(r), OUTBOUND_ECONNECT);
    assert_int_equal(r->status, 0);
    outbound_req_free(r);

    /* a pinned address (resolve) wins over the name */
    r = outbound_req_new();
    snprintf(url, sizeof url, "http://remote.invalid:%d/ok", port);
    assert_int_equal(outbound_set_url(r, url), 0);
    char pin[64];
    snprintf(pin, sizeof pin, "remote.invalid:%d:127.0.0.1", port);
    r->resolve = xstrdup(pin);
    assert_int_equal(outbound_call_sync(r), OUTBOUND_OK);
    assert_int_equal(r->status, 200);
    outbound_req_free(r);
}

static void test_caps(void **state)
{
    (void)state;
    /* declared length over the cap, chunked over the cap, exactly at the cap */
    outbound_req_t *r = req("/big?n=100000");
    r->max_response = 1000;
    assert_int_equal(outbound_call_sync(r), OUTBOUND_ETOOBIG);
    assert_int_equal(r->resp_body.len, 0);
    outbound_req_free(r);

    r = req("/big?n=100000&chunked=1");
    r->max_response = 1000;
    assert_int_equal(outbound_call_sync(r), OUTBOUND_ETOOBIG);
    assert_int_equal(r->resp_body.len, 0);
    outbound_req_free(r);

    r = req("/big?n=1000&chunked=1");
    r->max_response = 1000;
    assert_int_equal(outbound_call_sync(r), OUTBOUND_OK);
    assert_int_equal(r->resp_body.len, 1000);
    outbound_req_free(r);

    r = req("/bigheaders?n=70000"); /* over OUTBOUND_HEADERS_MAX */
    assert_int_equal(outbound_call_sync(r), OUTBOUND_ETOOBIG);
    outbound_req_free(r);
}

static void test_reuse(void **state)
{
    (void)state;
    char first[32] = "";
    outbound_stats_t before, after;
    outbound_get_stats(&before);
    for (int i = 0; i < 5; i++) {
        outbound_req_t *r = req("/conn");
        assert_int_equal(outbound_call_sync(r), OUTBOUND_OK);
        if (i == 0)
            snprintf(first, sizeof first, "%s", r->resp_body.ptr);
        else {
            assert_string_equal(r->resp_body.ptr, first); /* the same TCP connection */
            assert_int_equal(r->reused, 1);
        }
        outbound_req_free(r);
    }
    outbound_get_stats(&after);
    assert_true(after.reused - before.reused >= 4);
}

static void test_bad_inputs(void **state)
{
    (void)state;
    outbound_req_t *r = outbound_req_new();
    static const char *const bad_urls[] = {"",
                                           "file:///etc/passwd",
                                           "ftp://x/",
                                           "gopher://x",
                                           "http://a b/",
                                           "http://x/\r\nHost: y",
                                           "javascript:alert(1)",
                                           "//x/"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof *bad_urls; i++)
        assert_int_equal(outbound_set_url(r, bad_urls[i]), -1);
    char *huge = xmalloc(OUTBOUND_URL_MAX + 20);
    memset(huge, 'a', OUTBOUND_URL_MAX + 19);
    memcpy(huge, "http://", 7);
    huge[OUTBOUND_URL_MAX + 19] = '\0';
    assert_int_equal(outbound_set_url(r, huge), -1);
    free(huge);
    assert_int_equal(outbound_set_method(r, "get"), -1);
    assert_int_equal(outbound_set_method(r, "GET\r\nX"), -1);
    assert_int_equal(outbound_set_method(r, "AVERYLONGMETHODNAME"), -1);
    assert_int_equal(outbound_add_header(r, "X-A", "b\r\nInjected: 1"), -1);
    assert_int_equal(outbound_add_header(r, "X-A\r\nB", "c"), -1);
    assert_int_equal(outbound_add_header(r, "X:A", "c"), -1);
    assert_int_equal(outbound_add_header(r, "", "c"), -1);
    for (int i = 0; i < OUTBOUND_REQ_HEADERS_MAX; i++)
        assert_int_equal(outbound_add_header(r, "x-n", "v"), 0);
    assert_int_equal(outbound_add_header(r, "x-n", "v"), -1);
    assert_int_equal(outbound_set_body(r, "", OUTBOUND_BODY_MAX + 1), -1);
    /* no URL: answered as invalid, not sent */
    assert_int_equal(outbound_call_sync(r), OUTBOUND_EINVAL);
    outbound_req_free(r);
    /* neither receiver nor done: refused */
    r = req("/ok");
    assert_int_equal(outbound_submit(r), -1);
    outbound_req_free(r);
}

/* ---- asynchronous answers through an h2o receiver */

static int async_done_count;
static char async_order[8];

static void async_done(completion_t *c)
{
    outbound_req_t *r = (outbound_req_t *)c;
    async_order[async_done_count++] = (char)(intptr_t)r->data;
    assert_ptr_equal(r->c.owner, &async_done_count);
}

static void test_receiver_no_head_of_line(void **state)
{
    (void)state;
    h2o_evloop_t *loop = h2o_evloop_create();
    h2o_multithread_queue_t *q = h2o_multithread_create_queue(loop);
    h2o_multithread_receiver_t rcv;
    h2o_multithread_register_receiver(q, &rcv, completion_on_messages);
    outbound_req_t *rs[3] = {req("/hang"), req("/slow?ms=100"), req("/ok")};
    rs[0]->timeout_ms = 1500;
    for (int i = 0; i < 3; i++) {
        rs[i]->c.receiver = &rcv;
        rs[i]->c.done = async_done;
        rs[i]->c.owner = &async_done_count;
        rs[i]->data = (void *)(intptr_t)('a' + i);
        assert_int_equal(outbound_submit(rs[i]), 0);
    }
    int64_t t0 = clock_now_ms();
    while (async_done_count < 2 && clock_now_ms() - t0 < 5000)
        h2o_evloop_run(loop, 50);
    /* the quick ones came back long before the hanging one's deadline */
    assert_int_equal(async_done_count, 2);
    assert_true(clock_now_ms() - t0 < 1000);
    assert_true(strchr(async_order, 'b') && strchr(async_order, 'c'));
    while (async_done_count < 3 && clock_now_ms() - t0 < 5000)
        h2o_evloop_run(loop, 50);
    assert_int_equal(async_done_count, 3);
    assert_int_equal(async_order[2], 'a');
    assert_int_equal(rs[0]->err, OUTBOUND_ETIMEOUT);
    assert_int_equal(rs[2]->status, 200);
    for (int i = 0; i < 3; i++)
        outbound_req_free(rs[i]);
    h2o_multithread_unregister_receiver(q, &rcv);
    h2o_multithread_destroy_queue(q);
    h2o_evloop_run(loop, 0); /* lets the queue's socket close */
    free(q);                 /* h2o 2.2's evloop backend does not free the queue itself */
    h2o_evloop_destroy(loop);
}

/* Many calls at once are carried concurrently (not one after the other). */
static int many_done;
static pthread_mutex_t many_mu = PTHREAD_MUTEX_INITIALIZER;
static void many_cb(completion_t *c)
{
    (void)c;
    pthread_mutex_lock(&many_mu);
    many_done++;
    pthread_mutex_unlock(&many_mu);
}

static void test_concurrency(void **state)
{
    (void)state;
    enum { N = 40 };
    outbound_req_t *rs[N];
    int64_t t0 = clock_now_ms();
    for (int i = 0; i < N; i++) {
        rs[i] = req("/slow?ms=300");
        rs[i]->c.done = many_cb;
        assert_int_equal(outbound_submit(rs[i]), 0);
    }
    for (;;) {
        pthread_mutex_lock(&many_mu);
        int d = many_done;
        pthread_mutex_unlock(&many_mu);
        if (d == N || clock_now_ms() - t0 > 10000)
            break;
        usleep(10000);
    }
    assert_int_equal(many_done, N);
    assert_true(clock_now_ms() - t0 < 3000); /* 40 x 300 ms serially would be 12 s */
    for (int i = 0; i < N; i++) {
        assert_int_equal(rs[i]->err, OUTBOUND_OK);
        outbound_req_free(rs[i]);
    }
}

/* Stopping answers what is in flight with OUTBOUND_ESHUTDOWN; runs last. */
static int stop_done;
static void stop_cb(completion_t *c)
{
    (void)c;
    __atomic_add_fetch(&stop_done, 1, __ATOMIC_SEQ_CST);
}

static void test_stop(void **state)
{
    (void)state;
    outbound_req_t *rs[3];
    for (int i = 0; i < 3; i++) {
        rs[i] = req("/hang");
        rs[i]->timeout_ms = 20000;
        rs[i]->c.done = stop_cb;
        assert_int_equal(outbound_submit(rs[i]), 0);
    }
    usleep(200000);
    int64_t t0 = clock_now_ms();
    outbound_stop();
    assert_true(clock_now_ms() - t0 < 2000);
    assert_int_equal(stop_done, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rs[i]->err, OUTBOUND_ESHUTDOWN);
        outbound_req_free(rs[i]);
    }
    outbound_req_t *r = req("/ok");
    r->c.done = stop_cb;
    assert_int_equal(outbound_submit(r), -1); /* stopped: refused */
    outbound_req_free(r);
    /* and it can start again */
    char err[128];
    assert_int_equal(outbound_start(err, sizeof err), 0);
    r = req("/ok");
    assert_int_equal(outbound_call_sync(r), OUTBOUND_OK);
    outbound_req_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),          cmocka_unit_test(test_echo_post),
        cmocka_unit_test(test_5xx_and_3xx), cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_not_before),  cmocka_unit_test(test_connect_failure),
        cmocka_unit_test(test_caps),        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_bad_inputs),  cmocka_unit_test(test_receiver_no_head_of_line),
        cmocka_unit_test(test_concurrency), cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
