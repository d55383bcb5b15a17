#ifndef SYNRL_TESTUTIL_H
#define SYNRL_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* A per-process temporary directory for files the tests write. */
const char *tu_tmpdir(void);
void tu_path(char *buf, size_t n, const char *name);
const char *tu_source_dir(void);
#endif
