/* Schema migrations compiled into the binary (see schema_sqlite.c). */
#ifndef KILN_SCHEMA_H
#define KILN_SCHEMA_H

extern const char *const schema_sqlite[];
extern const unsigned schema_sqlite_len;

#endif
