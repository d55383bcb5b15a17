/* Command-line option values: the input, split at newlines, is an argument
 * vector for the option parser over a table of every kind of option (the
 * task's own options included), then the --hidden list parser. */
#include "fuzz_util.h"
#include "cli/cli.h"

#include <stdbool.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  char *buf = malloc(size + 1);
  if (!buf) return 0;
  memcpy(buf, data, size);
  buf[size] = 0;
  char *argv[64];
  int argc = 0;
  for (char *p = buf; argc < 64;) {
    argv[argc++] = p;
    char *nl = memchr(p, '\n', (size_t)(buf + size - p));
    if (!nl) break;
    *nl = 0;
    p = nl + 1;
  }
  task_opts t;
  task_opts_default(&t);
  int i1 = 0;
  long l1 = 0;
  uint64_t u1 = 0;
  double d1 = 0;
  const char *s1 = NULL, *c1 = "a";
  bool f1 = false;
  opt_spec specs[64] = {
      {"int", OPT_INT, &i1, -5, 1000, NULL, "int"},
      {"long", OPT_LONG, &l1, 0, 1e12, NULL, "long"},
      {"u64", OPT_U64, &u1, 0, 0, NULL, "u64"},
      {"double", OPT_DOUBLE, &d1, 1e-300, 1e6, NULL, "double"},
      {"str", OPT_STR, &s1, 0, 0, NULL, "str"},
      {"choice", OPT_CHOICE, &c1, 0, 0, "a|bb|a-b|", "choice"},
      {"flag", OPT_FLAG, &f1, 0, 0, NULL, "flag"},
  };
  int n = 7;
  n = task_opts_specs(&t, specs, n);
  specs[n].name = NULL;
  const char *pos[2];
  int npos;
  if (opts_parse("fuzz", specs, argc, argv, pos, 2, &npos) == 0) {
    if (npos < 0 || npos > 2) abort();
    if (i1 < -5 || i1 > 1000 || l1 < 0 || !(d1 == 0 || (d1 >= 1e-300 && d1 <= 1e6))) abort();
    int widths[NN_MAX_LAYERS], nh;
    if (task_parse_hidden("fuzz", t.hidden, widths, &nh) == 0) {
      if (nh < 0 || nh > NN_MAX_LAYERS - 1) abort();
      for (int k = 0; k < nh; k++)
        if (widths[k] < 1 || widths[k] > 100000) abort();
    }
  }
  free(buf);
  return 0;
}
