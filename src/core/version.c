#include "synrl/core.h"
#include "synrl_git_commit.h" /* generated at build time (cmake/git_commit.cmake) */

#include <stdio.h>
#include <stdlib.h>

const char *core_version(void) { return SYNRL_VERSION_STRING; }

const char *core_git_commit(void) { return SYNRL_GIT_COMMIT; }

const char *core_fmt_double(char *buf, size_t n, double v) {
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, n, "%.*g", digits, v);
    if (digits == 17 || strtod(buf, NULL) == v) break; /* NaN never compares equal: %.17g */
  }
  return buf;
}
