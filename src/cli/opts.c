#include "cli/opts.h"

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

static bool choice_ok(const char *choices, const char *v) {
  size_t n = strlen(v);
  for (const char *c = choices; *c;) {
    const char *bar = strchr(c, '|');
    size_t len = bar ? (size_t)(bar - c) : strlen(c);
    if (len == n && strncmp(c, v, n) == 0) return true;
    if (!bar) break;
    c = bar + 1;
  }
  return false;
}

static int set_value(const char *prog, opt_spec *s, const char *v) {
  char *end;
  errno = 0;
  switch (s->kind) {
    case OPT_INT:
    case OPT_LONG:
    case OPT_U64: {
      if (!*v || isspace((unsigned char)v[0])) goto bad;
      if (s->kind == OPT_U64) {
        if (v[0] == '-') goto bad;
        unsigned long long x = strtoull(v, &end, 10);
        if (*end || errno) goto bad;
        *(uint64_t *)s->ptr = x;
        return 0;
      }
      long long x = strtoll(v, &end, 10);
      if (*end) goto bad; /* not a number: not "out of range" */
      if (errno || (double)x < s->lo || (double)x > s->hi) goto range;
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
      if (!choice_ok(s->choices, v)) {
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
  fprintf(stderr, "%s: --%s: %s is out of range [%g, %g]\n", prog, s->name, v, s->lo, s->hi);
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
      case OPT_DOUBLE: snprintf(def, sizeof def, "%g", *(double *)s->ptr); break;
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
