/* The neutral statement layer's shared half (sql/db.h): the row helpers and the
 * transaction helpers every family uses, written once over the driver's operations. */
#include "store/sql/db.h"

#include <string.h>

#include "base/arena.h"

int db_rc(store_t *st, int rc)
{
    return rc == DB_ROW || rc == DB_DONE ? STORE_OK : rc;
}

int db_exec(store_t *st, db_stmt_t *q)
{
    int r = db_rc(st, db_step(q));
    db_done(q);
    return r;
}

const char *db_col_str(arena_t *a, db_stmt_t *q, int i)
{
    size_t len;
    const char *t = db_col_bytes(q, i, &len);
    if (!t)
        return NULL;
    const char *s = arena_strndup(a, t, len);
    if (!s)
        kiln_oom(len);
    return s;
}

void db_bind_opt_i64(db_stmt_t *q, int i, int64_t v, int64_t none)
{
    if (v == none)
        db_bind_null(q, i);
    else
        db_bind_i64(q, i, v);
}

int64_t db_col_opt_i64(db_stmt_t *q, int i, int64_t none)
{
    return db_col_null(q, i) ? none : db_col_i64(q, i);
}

int db_one(store_t *st, arena_t *a, db_stmt_t *q, db_read_fn *read, void *out)
{
    int rc = db_step(q);
    int r = rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOTFOUND : rc;
    if (rc == DB_ROW)
        read(a, q, out);
    db_done(q);
    return r;
}

int db_collect(store_t *st, arena_t *a, db_stmt_t *q, size_t size, db_read_fn *read, void **out, size_t *n)
{
    size_t cap = 16, len = 0;
    char *v = arena_alloc(a, cap * size);
    int rc = DB_DONE;
    while (v && (rc = db_step(q)) == DB_ROW) {
        if (len == cap) {
            char *w = arena_alloc(a, 2 * cap * size);
            if (!w) {
                v = NULL;
                break;
            }
            memcpy(w, v, len * size);
            v = w;
            cap *= 2;
        }
        read(a, q, v + len++ * size);
    }
    int r = v ? db_rc(st, rc) : STORE_ERROR;
    db_done(q);
    *out = v;
    *n = r == STORE_OK ? len : 0;
    return r;
}

int db_count(store_t *st, db_stmt_t *q, int64_t *n)
{
    int rc = db_step(q);
    *n = rc == DB_ROW ? db_col_i64(q, 0) : 0;
    int r = rc == DB_ROW ? STORE_OK : db_rc(st, rc);
    db_done(q);
    return r;
}

int db_next_id(store_t *st, db_stmt_t *q, int64_t *id)
{
    int rc = db_step(q);
    int r = rc == DB_ROW ? STORE_OK : rc == DB_DONE ? STORE_NOTFOUND : rc;
    if (rc == DB_ROW)
        *id = db_col_i64(q, 0);
    db_done(q);
    return r;
}

int db_tx_open(store_t *st, int *opened)
{
    *opened = 0;
    if (st->db->in_tx(st))
        return STORE_OK;
    int rc = st->be->begin(st);
    *opened = rc == STORE_OK;
    return rc;
}

int db_tx_close(store_t *st, int opened, int rc)
{
    if (!opened)
        return rc;
    if (rc == STORE_OK)
        return st->be->commit(st);
    st->be->rollback(st);
    return rc;
}

int db_write1(store_t *st, db_stmt_t *q)
{
    int opened, rc = db_tx_open(st, &opened);
    if (rc == STORE_OK)
        rc = db_exec(st, q);
    return db_tx_close(st, opened, rc);
}

int db_write_one_row(store_t *st, db_stmt_t *q)
{
    int rc = db_write1(st, q);
    return rc == STORE_OK && db_changes(st) == 0 ? STORE_NOTFOUND : rc;
}

int db_insert_id(store_t *st, db_stmt_t *q, int64_t *id)
{
    int opened, rc = db_tx_open(st, &opened);
    if (rc == STORE_OK)
        rc = db_next_id(st, q, id);
    return db_tx_close(st, opened, rc == STORE_NOTFOUND ? STORE_ERROR : rc);
}
