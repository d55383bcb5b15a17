/* The command line's side of MLP runs (train/mlp_*.c): option tables made
 * from the library's table of settings, and errors that name the flag. */
#include "cli/cli.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const opt_kind kinds[] = {[MLP_SET_INT] = OPT_INT,       [MLP_SET_LONG] = OPT_LONG,
                                 [MLP_SET_U64] = OPT_U64,       [MLP_SET_DOUBLE] = OPT_DOUBLE,
                                 [MLP_SET_STR] = OPT_STR,       [MLP_SET_CHOICE] = OPT_CHOICE,
                                 [MLP_SET_BOOL] = OPT_FLAG};

/* Options for the settings whose offsets lie in [lo, hi) of base, the
 * values at base + offset - lo. */
static int add_settings(char *base, size_t lo, size_t hi, opt_spec *specs, int n) {
  size_t n_table;
  const mlp_setting *t = mlp_settings(&n_table);
  for (size_t i = 0; i < n_table; i++) {
    if (t[i].offset < lo || t[i].offset >= hi) continue;
    opt_spec s = {t[i].name, kinds[t[i].kind], base + t[i].offset - lo, t[i].lo, t[i].hi,
                  t[i].choices, t[i].help, false};
    specs[n++] = s;
  }
  return n;
}

int cli_mlp_specs(mlp_config *c, opt_spec *specs, int n) {
  return add_settings((char *)c, 0, sizeof *c, specs, n);
}

void task_opts_default(task_opts *t) { mlp_task_config_default(t); }

int task_opts_specs(task_opts *t, opt_spec *specs, int n) {
  const size_t at = offsetof(mlp_config, task);
  return add_settings((char *)t, at, at + sizeof *t, specs, n);
}

int cli_fail(const char *prog, const opt_spec *specs, const syn_err *e) {
  opts_print_error(prog, specs, e->msg);
  return e->code == SYN_ERR_ARG ? 2 : 1;
}

int task_prepare(const char *prog, const task_opts *t, uint64_t seed, task_data *d) {
  syn_err e = {0};
  opt_spec specs[32];
  task_opts copy = *t;
  specs[task_opts_specs(&copy, specs, 0)].name = NULL;
  return mlp_task_prepare(d, t, seed, &e) ? cli_fail(prog, specs, &e) : 0;
}

void task_free(task_data *d) { mlp_task_free(d); }

int task_parse_hidden(const char *prog, const char *s, int *widths, int *n) {
  syn_err e = {0};
  if (!mlp_hidden_parse(s, widths, n, &e)) return 0;
  fprintf(stderr, "%s: --%s\n", prog, e.msg); /* "hidden: ..." */
  return 2;
}
