#ifndef SYNRL_TESTUTIL_H
#define SYNRL_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#define assert_close(a, b, tol)                                                               \
  do {                                                                                        \
    double a_ = (a), b_ = (b);                                                                \
    if (!(fabs(a_ - b_) <= (tol)))                                                            \
      fail_msg("%s = %.17g, expected %.17g (tolerance %g)", #a, a_, b_, (double)(tol));       \
  } while (0)

#define assert_contains(hay, needle)                                                          \
  do {                                                                                        \
    if (!strstr((hay), (needle))) fail_msg("'%s' does not contain '%s'", (hay), (needle));    \
  } while (0)

/* A per-process temporary directory for files the tests write. */
const char *tu_tmpdir(void);
void tu_path(char *buf, size_t n, const char *name);
const char *tu_source_dir(void);
/* Whole files: size (-1 if missing), read (malloc'd), write. */
long tu_file_size(const char *path);
unsigned char *tu_slurp(const char *path, long *n);
void tu_spit(const char *path, const void *b, size_t n);
/* Replays the files in fuzz/SUB/HARNESS/ (checkpoint payloads without their CRC) with a
 * valid CRC appended, so that the ordinary build reaches the section readers:
 * resume(path) returns how many runs resumed to the end, or < 0 if one broke
 * a property. With seeds, every input must resume exactly one run (its own)
 * and the folder must exist and hold some; otherwise a missing folder is
 * fine. */
void tu_replay_ckpt_inputs(const char *harness, const char *sub, int seeds,
                           int (*resume)(const char *path));
/* cmocka group teardown: removes the temporary directory */
int tu_teardown_tmp(void **st);

struct data_set;
void tu_make_images(struct data_set *d, size_t n, int in, int classes, uint64_t seed);
#endif
