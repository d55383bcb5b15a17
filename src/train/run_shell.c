/* metrics.csv rows, shared by every training loop and carried by checkpoints. */
#include "synrl/train.h"
#include "core/fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void text_add(run_metrics *m, const char *p, size_t n) {
  if (m->oom) return;
  if (m->len + n + 1 > m->cap) {
    size_t cap = m->cap ? m->cap : 4096;
    while (cap < m->len + n + 1) cap *= 2;
    char *t = realloc(m->text, cap);
    if (!t) {
      m->oom = true;
      return;
    }
    m->text = t;
    m->cap = cap;
  }
  memcpy(m->text + m->len, p, n);
  m->len += n;
  m->text[m->len] = 0;
}

static size_t header_len(const run_metrics *m) {
  const char *nl = m->text ? strchr(m->text, '\n') : NULL;
  return nl ? (size_t)(nl - m->text) + 1 : 0;
}

syn_status run_metrics_init(run_metrics *m, const char *extra_cols, syn_err *e) {
  memset(m, 0, sizeof *m);
  text_add(m, RUN_METRICS_COMMON, strlen(RUN_METRICS_COMMON));
  if (extra_cols && *extra_cols) {
    m->n_extra = 1;
    for (const char *c = extra_cols; *c; c++) m->n_extra += *c == ',';
    text_add(m, ",", 1);
    text_add(m, extra_cols, strlen(extra_cols));
  }
  text_add(m, "\n", 1);
  if (m->oom) {
    run_metrics_free(m);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory (metrics)");
  }
  return SYN_OK;
}

void run_metrics_free(run_metrics *m) {
  free(m->text);
  memset(m, 0, sizeof *m);
}

static void put_value(run_metrics *m, double v, bool comma) {
  char buf[48];
  size_t n = 0;
  if (comma) buf[n++] = ',';
  if (isfinite(v)) {
    core_fmt_double(buf + n, sizeof buf - n, v);
    n += strlen(buf + n);
  } else if (!isnan(v)) {
    n += (size_t)snprintf(buf + n, sizeof buf - n, "%s", v > 0 ? "inf" : "-inf");
  }
  text_add(m, buf, n);
}

void run_metrics_row(run_metrics *m, double step, double seconds, const double *extra) {
  put_value(m, step, false);
  put_value(m, seconds, true);
  for (int i = 0; i < m->n_extra; i++) put_value(m, extra[i], true);
  text_add(m, "\n", 1);
}

syn_status run_metrics_write(const run_metrics *m, const char *path, syn_err *e) {
  if (m->oom) return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory while collecting rows", path);
  fio_writer w;
  syn_status st = fio_text_open(&w, path, e);
  if (st) return st;
  fio_put_bytes(&w, m->text, m->len);
  return fio_text_commit(&w, e);
}

void run_metrics_save(const run_metrics *m, ckpt_writer *w, const char *name) {
  ckpt_begin(w, name);
  ckpt_put_str(w, m->text ? m->text : "");
  ckpt_end(w);
}

syn_status run_metrics_load(run_metrics *m, const ckpt_file *f, const char *name, syn_err *e) {
  ckpt_sec s;
  syn_status st = ckpt_open(f, name, &s, e);
  if (st) return st;
  size_t len = 0;
  const char *t = ckpt_get_str(&s, &len);
  st = ckpt_sec_done(&s, e);
  if (st) return st;
  size_t h = header_len(m);
  if (!t || len < h || memcmp(t, m->text, h) != 0 || memchr(t, 0, len) ||
      (len > 0 && t[len - 1] != '\n'))
    return syn_err_set(e, SYN_ERR_FORMAT, "checkpoint section %s: not this run's metrics rows", name);
  m->len = 0;
  text_add(m, t, len);
  if (m->oom) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory (metrics)");
  return SYN_OK;
}
