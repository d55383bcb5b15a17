#include "cli/opts.h"
#include "synrl/train.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

opt_spec *opts_find(opt_spec *specs, const char *name) {
  for (opt_spec *s = specs; s->name; s++)
    if (strcmp(s->name, name) == 0) return s;
  return NULL;
}

/* An integer written with an exponent or a point ("1e4", "2.5e3", "100.0"):
 * accepted when its value is an exact integer. 0: not such a number; 1: an
 * integer, in *out; -1: a number that is not an integer. */
static int exact_integer(const char *v, double *out) {
  if (!strpbrk(v, "eE.")) return 0;
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (*end || errno || !isfinite(x) || strpbrk(v, "xXnNiI")) return 0; /* no hex, nan, inf */
  if (x != floor(x)) return -1;
  *out = x;
  return 1;
}

static int set_value(const char *prog, opt_spec *s, const char *v) {
  char *end;
  char lo[40], hi[40];
  errno = 0;
  switch (s->kind) {
    case OPT_INT:
    case OPT_LONG:
    case OPT_U64: {
      if (!*v || isspace((unsigned char)v[0])) goto bad;
      double xd;
      int ex = exact_integer(v, &xd);
      if (ex < 0) {
        fprintf(stderr, "%s: --%s: '%s' is not an integer\n", prog, s->name, v);
        return 2;
      }
      if (s->kind == OPT_U64) {
        if (v[0] == '-') goto bad;
        if (ex > 0) {
          if (xd >= 18446744073709551616.0) goto range;
          *(uint64_t *)s->ptr = (uint64_t)xd;
          return 0;
        }
        unsigned long long x = strtoull(v, &end, 10);
        if (*end || errno) goto bad;
        *(uint64_t *)s->ptr = x;
        return 0;
      }
      long long x;
      if (ex > 0) {
        if (xd < s->lo || xd > s->hi) goto range;
        x = (long long)xd;
      } else {
        x = strtoll(v, &end, 10);
        if (*end) goto bad; /* not a number: not "out of range" */
        if (errno || (double)x < s->lo || (double)x > s->hi) goto range;
      }
      if (s->kind == OPT_INT)
        *(int *)s->ptr = (int)x;
      else
        *(long *)s->ptr = (long)x;
      return 0;
    }
    case OPT_DOUBLE: {
      if (!*v || isspace((unsigned char)v[0])) goto bad;
      double x = strtod(v, &end);
      if (*end || errno || !isfinite(x)) goto bad;
      if (x < s->lo || x > s->hi) goto range;
      *(double *)s->ptr = x;
      return 0;
    }
    case OPT_STR:
      *(const char **)s->ptr = v;
      return 0;
    case OPT_CHOICE:
      if (!mlp_choice_ok(s->choices, v)) {
        fprintf(stderr, "%s: --%s: '%s' is not one of %s\n", prog, s->name, v, s->choices);
        return 2;
      }
      *(const char **)s->ptr = v;
      return 0;
    case OPT_FLAG:
      *(bool *)s->ptr = true;
      return 0;
  }
bad:
  fprintf(stderr, "%s: --%s: '%s' is not a valid value\n", prog, s->name, v);
  return 2;
range:
  fprintf(stderr, "%s: --%s: %s is out of range [%s, %s]\n", prog, s->name, v,
          core_fmt_double(lo, sizeof lo, s->lo), core_fmt_double(hi, sizeof hi, s->hi));
  return 2;
}

int opts_parse(const char *prog, opt_spec *specs, int argc, char **argv, const char **pos,
               int max_pos, int *n_pos) {
  *n_pos = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0 || a[2] == 0) {
      if (*n_pos >= max_pos) {
        fprintf(stderr, "%s: unexpected argument '%s'\n", prog, a);
        return 2;
      }
      pos[(*n_pos)++] = a;
      continue;
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    char buf[128];
    if (eq) {
      size_t len = (size_t)(eq - name);
      if (len >= sizeof buf) len = sizeof buf - 1;
      memcpy(buf, name, len);
      buf[len] = 0;
      name = buf;
    }
    opt_spec *s = opts_find(specs, name);
    if (!s) {
      fprintf(stderr, "%s: unknown option --%s (see --help)\n", prog, name);
      return 2;
    }
    const char *v;
    if (s->kind == OPT_FLAG) {
      if (eq) {
        fprintf(stderr, "%s: --%s takes no value\n", prog, name);
        return 2;
      }
      v = "";
    } else if (eq) {
      v = eq + 1;
    } else {
      if (i + 1 >= argc) {
        fprintf(stderr, "%s: --%s needs a value\n", prog, name);
        return 2;
      }
      v = argv[++i];
    }
    if (set_value(prog, s, v)) return 2;
    s->set = true;
  }
  return 0;
}

void opts_help(const char *usage, const opt_spec *specs) {
  printf("%s\n\nOptions (default in brackets):\n", usage);
  for (const opt_spec *s = specs; s->name; s++) {
    char def[64] = "";
    switch (s->kind) {
      case OPT_INT: snprintf(def, sizeof def, "%d", *(int *)s->ptr); break;
      case OPT_LONG: snprintf(def, sizeof def, "%ld", *(long *)s->ptr); break;
      case OPT_U64: snprintf(def, sizeof def, "%llu", (unsigned long long)*(uint64_t *)s->ptr); break;
      case OPT_DOUBLE: core_fmt_double(def, sizeof def, *(double *)s->ptr); break;
      case OPT_STR:
      case OPT_CHOICE: {
        const char *v = *(const char **)s->ptr;
        snprintf(def, sizeof def, "%s", v ? v : "none");
        break;
      }
      case OPT_FLAG: snprintf(def, sizeof def, "%s", *(bool *)s->ptr ? "on" : "off"); break;
    }
    char lhs[96];
    snprintf(lhs, sizeof lhs, "--%s%s%s", s->name, s->kind == OPT_FLAG ? "" : " ",
             s->kind == OPT_FLAG ? "" : s->kind == OPT_CHOICE ? s->choices : "V");
    printf("  %-34s %s [%s]\n", lhs, s->help, def);
  }
}

void opts_print_error(const char *prog, const opt_spec *specs, const char *msg) {
  for (const opt_spec *s = specs; s && s->name; s++) {
    size_t n = strlen(s->name);
    if (strncmp(msg, s->name, n) == 0 && msg[n] == ':') {
      fprintf(stderr, "%s: --%s\n", prog, msg);
      return;
    }
  }
  fprintf(stderr, "%s: %s\n", prog, msg);
}
