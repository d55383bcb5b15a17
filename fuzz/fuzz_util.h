/* Shared by the libFuzzer harnesses: the parsers read files, so each input
 * is written to a per-process temporary file first. */
#ifndef SYNRL_FUZZ_UTIL_H
#define SYNRL_FUZZ_UTIL_H

#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A file name of our own under /dev/shm (memory) or $TMPDIR, by suffix. */
static inline const char *fuzz_path(const char *suffix) {
  static char buf[8][512];
  static int next;
  char *p = buf[next++ % 8];
  const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
  snprintf(p, 512, "%s/synrl-fuzz-%ld-%s", dir, (long)getpid(), suffix);
  return p;
}

static inline int fuzz_write(const char *path, const uint8_t *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t w = n ? fwrite(data, 1, n, f) : 0;
  return fclose(f) != 0 || w != n ? -1 : 0;
}

/* Checkpoint harnesses: writes the input plus 4 bytes where the CRC goes
 * (fuzzing builds do not check it, so mutations reach the section readers)
 * and hands the file to resume_all, which must not report a broken property
 * (< 0). */
static inline int fuzz_resume_ckpt(const uint8_t *data, size_t size, const char *suffix,
                                   int (*resume_all)(const char *path)) {
  const char *path = fuzz_path(suffix);
  uint8_t *buf = malloc(size + 4);
  if (!buf) return 0;
  if (size) memcpy(buf, data, size);
  memset(buf + size, 0, 4);
  int w = fuzz_write(path, buf, size + 4);
  free(buf);
  if (w) return 0;
  if (resume_all(path) < 0) abort();
  unlink(path);
  return 0;
}

#endif
