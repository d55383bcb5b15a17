/* Command-line options: a table per command, parsed with strict checks. */
#ifndef SYNRL_CLI_OPTS_H
#define SYNRL_CLI_OPTS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { OPT_INT, OPT_LONG, OPT_U64, OPT_DOUBLE, OPT_STR, OPT_FLAG, OPT_CHOICE } opt_kind;

typedef struct opt_spec {
  const char *name;     /* without the leading "--" */
  opt_kind kind;
  void *ptr;
  double lo, hi;        /* numeric range (inclusive) */
  const char *choices;  /* OPT_CHOICE: "a|b|c"; ptr is a const char ** */
  const char *help;
  bool set;             /* given on the command line */
} opt_spec;

/* Parses argv[0..argc); returns 0, or prints a one-line error naming the flag
 * and returns 2. Positional arguments are collected into pos (up to max_pos). */
int opts_parse(const char *prog, opt_spec *specs, int argc, char **argv, const char **pos,
               int max_pos, int *n_pos);
void opts_help(const char *usage, const opt_spec *specs);
opt_spec *opts_find(opt_spec *specs, const char *name);
/* Prints "prog: msg" on one line; a msg that starts with the name of an option
 * of specs and ':' (a library error naming a setting) names it as --name. */
void opts_print_error(const char *prog, const opt_spec *specs, const char *msg);

#endif
