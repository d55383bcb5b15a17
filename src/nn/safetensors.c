/* safetensors export. The header is JSON that we write by hand (it holds only
 * names, integers and short strings of our own), padded with spaces so that
 * the tensor data start 8-byte aligned, as the format recommends. Tensors are
 * gathered as doubles (every value synrl stores, float32 or float64, is one
 * exactly) and converted to the file's dtype when written. */
#define _POSIX_C_SOURCE 200809L /* lstat */
#include "synrl/nn.h"
#include "core/fileio.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

typedef struct st_tensor {
  char name[NN_ST_NAME_MAX];
  int ndim;
  size_t shape[NN_ST_MAX_DIMS];
  size_t n;
  double *v;
} st_tensor;

struct nn_st_file {
  sbuf meta;        /* ,"key":"value" pairs */
  st_tensor *t;
  size_t n, cap;
  bool oom, bad;
  char bad_msg[160];
};

syn_status nn_st_new(nn_st_file **out, syn_err *e) {
  *out = calloc(1, sizeof **out);
  return *out ? SYN_OK : syn_err_set(e, SYN_ERR_NOMEM, "out of memory (safetensors)");
}

void nn_st_free(nn_st_file *f) {
  if (!f) return;
  for (size_t i = 0; i < f->n; i++) free(f->t[i].v);
  free(f->t);
  free(f->meta.p);
  free(f);
}

/* Names and metadata go into the JSON header unescaped: keep them plain. */
static bool plain(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\') return false;
  return true;
}

void nn_st_meta(nn_st_file *f, const char *key, const char *value) {
  if (!plain(key) || !plain(value)) {
    f->bad = true;
    snprintf(f->bad_msg, sizeof f->bad_msg, "metadata '%.40s': a quote or control character", key);
    return;
  }
  sb_printf(&f->meta, ",\"%s\":\"%s\"", key, value);
}

static double *st_add(nn_st_file *f, const char *name, int ndim, const size_t *shape) {
  if (f->oom || f->bad) return NULL;
  size_t n = 1;
  for (int d = 0; d < ndim; d++) n *= shape[d];
  if (ndim < 1 || ndim > NN_ST_MAX_DIMS || strlen(name) >= NN_ST_NAME_MAX || !plain(name)) {
    f->bad = true;
    snprintf(f->bad_msg, sizeof f->bad_msg, "tensor '%.60s': bad name or rank %d", name, ndim);
    return NULL;
  }
  for (size_t i = 0; i < f->n; i++)
    if (!strcmp(f->t[i].name, name)) {
      f->bad = true;
      snprintf(f->bad_msg, sizeof f->bad_msg, "tensor '%.60s' added twice", name);
      return NULL;
    }
  if (f->n == f->cap) {
    size_t cap = f->cap ? 2 * f->cap : 16;
    st_tensor *nt = realloc(f->t, cap * sizeof *nt);
    if (!nt) {
      f->oom = true;
      return NULL;
    }
    f->t = nt;
    f->cap = cap;
  }
  st_tensor *t = &f->t[f->n];
  memset(t, 0, sizeof *t);
  t->v = malloc((n ? n : 1) * sizeof(double));
  if (!t->v) {
    f->oom = true;
    return NULL;
  }
  snprintf(t->name, sizeof t->name, "%s", name);
  t->ndim = ndim;
  memcpy(t->shape, shape, (size_t)ndim * sizeof *shape);
  t->n = n;
  f->n++;
  return t->v;
}

void nn_st_add(nn_st_file *f, const char *name, int ndim, const size_t *shape, const double *v) {
  double *dst = st_add(f, name, ndim, shape);
  if (dst) memcpy(dst, v, f->t[f->n - 1].n * sizeof(double));
}

void nn_st_add_f32(nn_st_file *f, const char *name, int ndim, const size_t *shape, const float *v) {
  double *dst = st_add(f, name, ndim, shape);
  if (dst)
    for (size_t i = 0; i < f->t[f->n - 1].n; i++) dst[i] = v[i];
}

syn_status nn_st_check_output(const char *path, syn_err *e) {
  struct stat sb;
  if (lstat(path, &sb) != 0) {
    if (errno == ENOENT) return SYN_OK;
    return syn_err_set(e, SYN_ERR_IO, "%s: %s", path, strerror(errno));
  }
  if (S_ISLNK(sb.st_mode))
    return syn_err_set(e, SYN_ERR_ARG, "%s: is a symbolic link; refusing to replace it (name a plain file)",
                       path);
  if (!S_ISREG(sb.st_mode))
    return syn_err_set(e, SYN_ERR_ARG, "%s: not a regular file (a directory, FIFO or device); refusing to write it",
                       path);
  return SYN_OK;
}

static void put_value(fio_writer *w, double v, nn_st_dtype dtype) {
  if (dtype == NN_ST_F32) {
    float f = (float)v;
    uint32_t u;
    memcpy(&u, &f, 4);
    fio_put_u32(w, u);
  } else {
    fio_put_f64(w, v);
  }
}

syn_status nn_st_write(const nn_st_file *f, const char *path, nn_st_dtype dtype, syn_err *e) {
  if (f->oom || f->meta.oom) return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", path);
  if (f->bad) return syn_err_set(e, SYN_ERR_ARG, "%s: %s", path, f->bad_msg);
  if (!f->n) return syn_err_set(e, SYN_ERR_ARG, "%s: no tensors to export", path);
  syn_status s = nn_st_check_output(path, e);
  if (s) return s;
  size_t esz = dtype == NN_ST_F32 ? 4 : 8;
  const char *dname = dtype == NN_ST_F32 ? "F32" : "F64";
  sbuf b = {0};
  sb_printf(&b, "{\"__metadata__\":{%s}", f->meta.n ? f->meta.p + 1 : "");
  size_t off = 0;
  for (size_t i = 0; i < f->n; i++) {
    const st_tensor *t = &f->t[i];
    sb_printf(&b, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", t->name, dname);
    for (int d = 0; d < t->ndim; d++) sb_printf(&b, "%s%zu", d ? "," : "", t->shape[d]);
    sb_printf(&b, "],\"data_offsets\":[%zu,%zu]}", off, off + t->n * esz);
    off += t->n * esz;
  }
  sb_printf(&b, "}");
  while (!b.oom && (8 + b.n) % 8) sb_printf(&b, " ");
  if (b.oom) {
    free(b.p);
    return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", path);
  }
  fio_writer w;
  s = fio_text_open(&w, path, e);
  if (s) {
    free(b.p);
    return s;
  }
  fio_put_u64(&w, (uint64_t)b.n);
  fio_put_bytes(&w, b.p, b.n);
  free(b.p);
  for (size_t i = 0; i < f->n; i++)
    for (size_t j = 0; j < f->t[i].n; j++) put_value(&w, f->t[i].v[j], dtype);
  return fio_text_commit(&w, e);
}

syn_status nn_mlp_save_safetensors(const nn_mlp *m, const char *path, nn_st_dtype dtype,
                                   syn_err *e) {
  if (!m || m->n_layers < 1 || m->n_layers > NN_MAX_LAYERS || !m->params)
    return syn_err_set(e, SYN_ERR_ARG, "%s: no network to export", path);
  nn_st_file *f;
  syn_status s = nn_st_new(&f, e);
  if (s) return s;
  sbuf widths = {0}, acts = {0};
  for (int l = 0; l <= m->n_layers; l++) sb_printf(&widths, "%s%d", l ? "," : "", m->widths[l]);
  for (int l = 0; l < m->n_layers; l++) sb_printf(&acts, "%s%s", l ? "," : "", nn_act_name(m->act[l]));
  nn_st_meta(f, "format", "synrl-mlp");
  nn_st_meta(f, "widths", widths.p ? widths.p : "");
  nn_st_meta(f, "activations", acts.p ? acts.p : "");
  if (widths.oom || acts.oom) f->oom = true;
  free(widths.p);
  free(acts.p);
  for (int l = 0; l < m->n_layers && !f->oom; l++) {
    size_t in = (size_t)m->widths[l], out = (size_t)m->widths[l + 1];
    const double *wl = m->w[l]; /* (in+1) x out, row 0 the bias */
    char name[64];
    snprintf(name, sizeof name, "layers.%d.weight", l);
    size_t shape[2] = {out, in};
    double *dst = st_add(f, name, 2, shape);
    /* weight[j][i] = w[(1+i)*out + j]: transposed to [out, in] */
    for (size_t j = 0; dst && j < out; j++)
      for (size_t i = 0; i < in; i++) dst[j * in + i] = wl[(1 + i) * out + j];
    snprintf(name, sizeof name, "layers.%d.bias", l);
    nn_st_add(f, name, 1, &out, wl);
  }
  s = nn_st_write(f, path, dtype, e);
  nn_st_free(f);
  return s;
}

syn_status nn_net_save_safetensors(const nn_net *net, const char *path, nn_st_dtype dtype,
                                   syn_err *e) {
  if (!net || net->n_layers < 1 || !net->params)
    return syn_err_set(e, SYN_ERR_ARG, "%s: no network to export", path);
  nn_st_file *f;
  syn_status s = nn_st_new(&f, e);
  if (s) return s;
  char desc[1024], in[64];
  nn_net_describe(net, desc, sizeof desc);
  snprintf(in, sizeof in, "%d,%d,%d", net->in_h, net->in_w, net->in_c);
  nn_st_meta(f, "format", "synrl-layered");
  nn_st_meta(f, "input_hwc", in);
  nn_st_meta(f, "layers", desc);
  for (int l = 0; l < net->n_layers; l++) {
    const nn_layer *L = &net->layer[l];
    char name[64];
    const float *w = net->params + L->w_off, *b = net->params + L->b_off;
    size_t c = (size_t)L->oc;
    switch (L->spec.kind) {
      case NN_L_DENSE: {
        size_t shape[2] = {L->in_size, c}; /* [in, out]: y = x W */
        snprintf(name, sizeof name, "layers.%d.weight", l);
        nn_st_add_f32(f, name, 2, shape, w);
        break;
      }
      case NN_L_CONV: {
        size_t shape[2] = {(size_t)L->kdim, c}; /* im2col rows (ky, kx, channel) x filters */
        snprintf(name, sizeof name, "layers.%d.weight", l);
        nn_st_add_f32(f, name, 2, shape, w);
        break;
      }
      case NN_L_LOCAL: {
        size_t shape[3] = {(size_t)L->oh * (size_t)L->ow, (size_t)L->kdim, c};
        snprintf(name, sizeof name, "layers.%d.weight", l);
        nn_st_add_f32(f, name, 3, shape, w);
        break;
      }
      case NN_L_BNORM: {
        snprintf(name, sizeof name, "layers.%d.gamma", l);
        nn_st_add_f32(f, name, 1, &c, w);
        snprintf(name, sizeof name, "layers.%d.beta", l);
        nn_st_add_f32(f, name, 1, &c, b);
        snprintf(name, sizeof name, "layers.%d.moving_mean", l);
        nn_st_add_f32(f, name, 1, &c, net->state + L->s_off);
        snprintf(name, sizeof name, "layers.%d.moving_variance", l);
        nn_st_add_f32(f, name, 1, &c, net->state + L->s_off + c);
        continue;
      }
      default: continue; /* no parameters */
    }
    if (L->n_b) {
      snprintf(name, sizeof name, "layers.%d.bias", l);
      nn_st_add_f32(f, name, 1, &L->n_b, b);
    }
  }
  s = nn_st_write(f, path, dtype, e);
  nn_st_free(f);
  return s;
}
