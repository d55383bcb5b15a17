/* synrl data: reading training metrics back (metrics.csv, docs/formats.md) and
 * summarising groups of runs over iterations, for plots and reports. */
#ifndef SYNRL_METRICS_H
#define SYNRL_METRICS_H

#include "synrl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define METRICS_MAX_COLS 32

/* A numeric CSV table with a header row. Empty fields and "nan" are NAN. */
typedef struct metrics_table {
  int n_cols;
  char *names[METRICS_MAX_COLS];
  size_t n_rows;
  double *v;            /* n_rows x n_cols, row-major */
} metrics_table;

/* Reads a metrics.csv. Refuses (naming file and line) a missing header, a
 * repeated column name, a row with the wrong field count, a field that is not
 * a number, no "iter" column, iterations that do not increase, or no rows. */
syn_status metrics_load(metrics_table *t, const char *path, syn_err *e);
void metrics_free(metrics_table *t);
int metrics_col(const metrics_table *t, const char *name); /* -1 if absent */
static inline double metrics_at(const metrics_table *t, size_t row, int col) {
  return t->v[row * (size_t)t->n_cols + (size_t)col];
}

/* One column summarised over a group of runs at every iteration that any run
 * reports (the union, ascending). A run contributes at x its last finite value
 * at an iteration <= x, so a run that stopped early (patience, abort) keeps its
 * final value; before its first finite value it does not contribute. n[i] is
 * the number of runs that contributed; points with n[i] == 0 are dropped. std
 * is the sample standard deviation (n - 1 in the denominator, as in
 * scripts/summarize.py; 0 for one run). */
typedef struct metrics_series {
  size_t len;
  double *x, *mean, *std, *min, *max;
  int *n;
} metrics_series;

syn_status metrics_series_make(metrics_series *s, const metrics_table *runs, int n_runs,
                               const char *col, syn_err *e);
void metrics_series_free(metrics_series *s);

#ifdef __cplusplus
}
#endif
#endif
