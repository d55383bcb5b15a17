#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

const char *tu_tmpdir(void) {
  static char dir[256];
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/synrl-test-XXXXXX");
    if (!mkdtemp(dir)) abort();
  }
  return dir;
}

void tu_path(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", tu_tmpdir(), name); }

const char *tu_source_dir(void) {
  const char *s = getenv("SYNRL_SOURCE_DIR");
  return s ? s : ".";
}
