/* Reading metrics.csv back and summarising groups of runs. */
#define _POSIX_C_SOURCE 200809L /* getline, strdup */
#include "synrl/train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void metrics_free(metrics_table *t) {
  for (int i = 0; i < t->n_cols; i++) free(t->names[i]);
  free(t->v);
  memset(t, 0, sizeof *t);
}

int metrics_col(const metrics_table *t, const char *name) {
  for (int i = 0; i < t->n_cols; i++)
    if (strcmp(t->names[i], name) == 0) return i;
  return -1;
}

/* Splits line in place at commas; returns the field count (up to max). */
static int split(char *line, char **f, int max) {
  int n = 0;
  char *p = line;
  for (;;) {
    if (n == max) return max + 1;
    f[n++] = p;
    char *c = strchr(p, ',');
    if (!c) break;
    *c = 0;
    p = c + 1;
  }
  return n;
}

static void trim(char **s) {
  char *p = *s;
  while (*p == ' ' || *p == '\t') p++;
  size_t n = strlen(p);
  while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
    p[--n] = 0;
  *s = p;
}

static int parse_num(char *s, double *out) {
  trim(&s);
  if (!*s || strcmp(s, "nan") == 0 || strcmp(s, "NaN") == 0 || strcmp(s, "-nan") == 0) {
    *out = NAN;
    return 0;
  }
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (*end || end == s || isinf(v)) return -1;
  *out = v;
  return 0;
}

syn_status metrics_load(metrics_table *t, const char *path, syn_err *e) {
  memset(t, 0, sizeof *t);
  FILE *f = fopen(path, "r");
  if (!f) return syn_err_set(e, SYN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  syn_status s = SYN_OK;
  char *line = NULL;
  size_t cap = 0, rows_cap = 0;
  long lineno = 0;
  ssize_t got;
  double prev_iter = -INFINITY;
  int iter_col = -1;
  while ((got = getline(&line, &cap, f)) >= 0) {
    lineno++;
    if (memchr(line, 0, (size_t)got)) {
      s = syn_err_set(e, SYN_ERR_FORMAT, "%s:%ld: not a text file", path, lineno);
      goto done;
    }
    char *fields[METRICS_MAX_COLS + 1];
    char *l = line;
    trim(&l);
    if (lineno == 1) {
      if (!*l) {
        s = syn_err_set(e, SYN_ERR_FORMAT, "%s:1: empty header line", path);
        goto done;
      }
      int n = split(l, fields, METRICS_MAX_COLS);
      if (n > METRICS_MAX_COLS) {
        s = syn_err_set(e, SYN_ERR_FORMAT, "%s:1: more than %d columns", path, METRICS_MAX_COLS);
        goto done;
      }
      for (int i = 0; i < n; i++) {
        trim(&fields[i]);
        if (!*fields[i]) {
          s = syn_err_set(e, SYN_ERR_FORMAT, "%s:1: empty column name", path);
          goto done;
        }
        if (metrics_col(t, fields[i]) >= 0) {
          s = syn_err_set(e, SYN_ERR_FORMAT, "%s:1: column '%s' repeated", path, fields[i]);
          goto done;
        }
        t->names[i] = strdup(fields[i]);
        if (!t->names[i]) {
          s = syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", path);
          goto done;
        }
        t->n_cols = i + 1;
      }
      /* "step" in every kind's layout; "iter" in files written before it */
      iter_col = metrics_col(t, "step");
      if (iter_col < 0) iter_col = metrics_col(t, "iter");
      if (iter_col < 0) {
        s = syn_err_set(e, SYN_ERR_FORMAT, "%s:1: no 'step' column (not a metrics.csv)", path);
        goto done;
      }
      t->x_col = iter_col;
      continue;
    }
    if (!*l) continue; /* a trailing blank line */
    int n = split(l, fields, METRICS_MAX_COLS);
    if (n != t->n_cols) {
      s = syn_err_set(e, SYN_ERR_FORMAT, "%s:%ld: %d fields, the header has %d", path, lineno,
                      n > METRICS_MAX_COLS ? METRICS_MAX_COLS + 1 : n, t->n_cols);
      goto done;
    }
    if (t->n_rows == rows_cap) {
      size_t nc = rows_cap ? rows_cap * 2 : 256;
      double *nv = realloc(t->v, nc * (size_t)t->n_cols * sizeof(double));
      if (!nv) {
        s = syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", path);
        goto done;
      }
      t->v = nv;
      rows_cap = nc;
    }
    double *row = t->v + t->n_rows * (size_t)t->n_cols;
    for (int i = 0; i < n; i++)
      if (parse_num(fields[i], &row[i])) {
        s = syn_err_set(e, SYN_ERR_FORMAT, "%s:%ld: column '%s': '%s' is not a number", path,
                        lineno, t->names[i], fields[i]);
        goto done;
      }
    if (!(row[iter_col] > prev_iter)) {
      s = syn_err_set(e, SYN_ERR_FORMAT, "%s:%ld: %s does not increase", path, lineno,
                      t->names[iter_col]);
      goto done;
    }
    prev_iter = row[iter_col];
    t->n_rows++;
  }
  if (ferror(f)) {
    s = syn_err_set(e, SYN_ERR_IO, "%s: read error", path);
  } else if (lineno == 0) {
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s: empty file", path);
  } else if (t->n_rows == 0) {
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s: no data rows", path);
  }
done:
  free(line);
  fclose(f);
  if (s) metrics_free(t);
  return s;
}

void metrics_series_free(metrics_series *s) {
  free(s->x);
  free(s->mean);
  free(s->std);
  free(s->min);
  free(s->max);
  free(s->n);
  memset(s, 0, sizeof *s);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

syn_status metrics_series_make(metrics_series *s, const metrics_table *runs, int n_runs,
                               const char *col, syn_err *e) {
  memset(s, 0, sizeof *s);
  if (n_runs < 1) return syn_err_set(e, SYN_ERR_ARG, "no runs to summarise");
  int *cols = malloc(2 * (size_t)n_runs * sizeof(int)), *icols = cols + n_runs;
  if (!cols) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  size_t total = 0;
  for (int r = 0; r < n_runs; r++) {
    cols[r] = metrics_col(&runs[r], col);
    icols[r] = runs[r].x_col;
    if (cols[r] < 0 || icols[r] < 0 || icols[r] >= runs[r].n_cols) {
      const char *missing = cols[r] < 0 ? col : "step";
      free(cols);
      return syn_err_set(e, SYN_ERR_ARG, "run %d has no column '%s'", r + 1, missing);
    }
    total += runs[r].n_rows;
  }
  double *xs = malloc((total ? total : 1) * sizeof(double));
  if (!xs) {
    free(cols);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  }
  size_t k = 0;
  for (int r = 0; r < n_runs; r++)
    for (size_t i = 0; i < runs[r].n_rows; i++) xs[k++] = metrics_at(&runs[r], i, icols[r]);
  qsort(xs, k, sizeof(double), cmp_double);
  size_t u = 0;
  for (size_t i = 0; i < k; i++)
    if (u == 0 || xs[i] != xs[u - 1]) xs[u++] = xs[i];
  size_t cap = u ? u : 1;
  s->x = malloc(cap * sizeof(double));
  s->mean = malloc(cap * sizeof(double));
  s->std = malloc(cap * sizeof(double));
  s->min = malloc(cap * sizeof(double));
  s->max = malloc(cap * sizeof(double));
  s->n = malloc(cap * sizeof(int));
  size_t *cursor = calloc((size_t)n_runs, sizeof(size_t));
  double *last = malloc((size_t)n_runs * sizeof(double));
  if (!s->x || !s->mean || !s->std || !s->min || !s->max || !s->n || !cursor || !last) {
    free(xs);
    free(cols);
    free(cursor);
    free(last);
    metrics_series_free(s);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  }
  for (int r = 0; r < n_runs; r++) last[r] = NAN;
  for (size_t i = 0; i < u; i++) {
    double x = xs[i], sum = 0, lo = INFINITY, hi = -INFINITY;
    int n = 0;
    for (int r = 0; r < n_runs; r++) {
      const metrics_table *t = &runs[r];
      while (cursor[r] < t->n_rows && metrics_at(t, cursor[r], icols[r]) <= x) {
        double v = metrics_at(t, cursor[r], cols[r]);
        if (isfinite(v)) last[r] = v;
        cursor[r]++;
      }
      if (isfinite(last[r])) {
        sum += last[r];
        lo = last[r] < lo ? last[r] : lo;
        hi = last[r] > hi ? last[r] : hi;
        n++;
      }
    }
    if (!n) continue;
    double mean = sum / n, ss = 0;
    for (int r = 0; r < n_runs; r++)
      if (isfinite(last[r])) ss += (last[r] - mean) * (last[r] - mean);
    size_t j = s->len++;
    s->x[j] = x;
    s->mean[j] = mean;
    s->std[j] = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
    s->min[j] = lo;
    s->max[j] = hi;
    s->n[j] = n;
  }
  free(xs);
  free(cols);
  free(cursor);
  free(last);
  if (!s->len) {
    metrics_series_free(s);
    return syn_err_set(e, SYN_ERR_ARG, "column '%s' has no finite values", col);
  }
  return SYN_OK;
}
