/* safetensors export of an MLP. The header is JSON that we write by hand (it
 * holds only names, integers and a few fixed strings), padded with spaces so
 * that the tensor data start 8-byte aligned, as the format recommends. */
#include "synrl/nn.h"
#include "core/fileio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
  char *p;
  size_t n, cap;
  int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
  if (b->oom) return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->oom = 1;
      return;
    }
    if (b->p && (size_t)k < b->cap - b->n) {
      b->n += (size_t)k;
      return;
    }
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap < b->n + (size_t)k + 1) cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = cap;
  }
}

static void put_f32(fio_writer *w, double v) {
  float f = (float)v;
  uint32_t u;
  memcpy(&u, &f, 4);
  fio_put_u32(w, u);
}

syn_status nn_mlp_save_safetensors(const nn_mlp *m, const char *path, nn_st_dtype dtype,
                                   syn_err *e) {
  if (!m || m->n_layers < 1 || m->n_layers > NN_MAX_LAYERS || !m->params)
    return syn_err_set(e, SYN_ERR_ARG, "%s: no network to export", path);
  size_t esz = dtype == NN_ST_F32 ? 4 : 8;
  const char *dname = dtype == NN_ST_F32 ? "F32" : "F64";
  sbuf b = {0};
  sb_printf(&b, "{\"__metadata__\":{\"format\":\"synrl-mlp\",\"widths\":\"");
  for (int l = 0; l <= m->n_layers; l++) sb_printf(&b, "%s%d", l ? "," : "", m->widths[l]);
  sb_printf(&b, "\",\"activations\":\"");
  for (int l = 0; l < m->n_layers; l++) sb_printf(&b, "%s%s", l ? "," : "", nn_act_name(m->act[l]));
  sb_printf(&b, "\"}");
  size_t off = 0;
  for (int l = 0; l < m->n_layers; l++) {
    size_t in = (size_t)m->widths[l], out = (size_t)m->widths[l + 1];
    size_t wbytes = in * out * esz, bbytes = out * esz;
    sb_printf(&b, ",\"layers.%d.weight\":{\"dtype\":\"%s\",\"shape\":[%zu,%zu],\"data_offsets\":[%zu,%zu]}",
              l, dname, out, in, off, off + wbytes);
    off += wbytes;
    sb_printf(&b, ",\"layers.%d.bias\":{\"dtype\":\"%s\",\"shape\":[%zu],\"data_offsets\":[%zu,%zu]}",
              l, dname, out, off, off + bbytes);
    off += bbytes;
  }
  sb_printf(&b, "}");
  while (!b.oom && (8 + b.n) % 8) sb_printf(&b, " ");
  if (b.oom) {
    free(b.p);
    return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", path);
  }
  fio_writer w;
  syn_status s = fio_text_open(&w, path, e);
  if (s) {
    free(b.p);
    return s;
  }
  fio_put_u64(&w, (uint64_t)b.n);
  fio_put_bytes(&w, b.p, b.n);
  free(b.p);
  for (int l = 0; l < m->n_layers; l++) {
    int in = m->widths[l], out = m->widths[l + 1];
    const double *wl = m->w[l]; /* (in+1) x out, row 0 the bias */
    /* weight[j][i] = w[(1+i)*out + j]: transpose to [out, in] */
    for (int j = 0; j < out; j++)
      for (int i = 0; i < in; i++) {
        double v = wl[(size_t)(1 + i) * (size_t)out + (size_t)j];
        if (dtype == NN_ST_F32)
          put_f32(&w, v);
        else
          fio_put_f64(&w, v);
      }
    for (int j = 0; j < out; j++) {
      if (dtype == NN_ST_F32)
        put_f32(&w, wl[j]);
      else
        fio_put_f64(&w, wl[j]);
    }
  }
  return fio_text_commit(&w, e);
}
