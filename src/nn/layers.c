/* Layered networks in float32 (NHWC). Convolutions go through im2col and one
 * sgemm per layer; locally connected layers through one small sgemm per output
 * position. Single-threaded: a seed fixes a run bit for bit. */
#include "synrl/nn.h"
#include "core/fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NET_MAGIC "SYNRLLNT"
#define NET_VERSION 1u
#define SHAPE_MAX 100000000ULL /* refuse layers above 1e8 floats */

const char *nn_lkind_name(nn_lkind k) {
  switch (k) {
    case NN_L_DENSE: return "dense";
    case NN_L_CONV: return "conv";
    case NN_L_LOCAL: return "local";
    case NN_L_MAXPOOL: return "maxpool";
    case NN_L_DROPOUT: return "dropout";
    case NN_L_BNORM: return "bnorm";
    case NN_L_RELU: return "relu";
  }
  return "?";
}

static int out_len(int in, int k, int s, nn_pad pad, int *before) {
  if (pad == NN_PAD_VALID) {
    *before = 0;
    return in < k ? 0 : (in - k) / s + 1;
  }
  int out = (in + s - 1) / s;
  int total = (out - 1) * s + k - in;
  *before = total > 0 ? total / 2 : 0;
  return out;
}

void nn_net_destroy(nn_net *net) {
  core_free(net->params);
  core_free(net->fb);
  core_free(net->state);
  memset(net, 0, sizeof *net);
}

syn_status nn_net_create(nn_net *net, int in_h, int in_w, int in_c, int n_layers,
                         const nn_lspec *specs, syn_err *e) {
  memset(net, 0, sizeof *net);
  if (in_h < 1 || in_w < 1 || in_c < 1 || (uint64_t)in_h * in_w * in_c > SHAPE_MAX)
    return syn_err_set(e, SYN_ERR_ARG, "input shape %dx%dx%d is invalid", in_h, in_w, in_c);
  if (n_layers < 1 || n_layers > NN_NET_MAX_LAYERS)
    return syn_err_set(e, SYN_ERR_ARG, "%d layers (1..%d)", n_layers, NN_NET_MAX_LAYERS);
  net->n_layers = n_layers;
  net->in_h = in_h;
  net->in_w = in_w;
  net->in_c = in_c;
  net->bn_momentum = 0.99f;
  net->bn_eps = 1e-3f;
  int h = in_h, w = in_w, c = in_c;
  uint64_t np = 0, ns = 0;
  for (int l = 0; l < n_layers; l++) {
    nn_layer *L = &net->layer[l];
    L->spec = specs[l];
    nn_lspec *s = &L->spec;
    L->ih = h, L->iw = w, L->ic = c;
    L->in_size = (size_t)h * w * c;
    L->oh = h, L->ow = w, L->oc = c;
    const char *kn = nn_lkind_name(s->kind);
    switch (s->kind) {
      case NN_L_DENSE:
        if (s->units < 1 || s->units > 1000000)
          return syn_err_set(e, SYN_ERR_ARG, "layer %d (dense): %d units", l, s->units);
        L->oh = L->ow = 1;
        L->oc = s->units;
        L->n_w = L->in_size * (size_t)s->units;
        L->n_b = s->bias ? (size_t)s->units : 0;
        break;
      case NN_L_CONV:
      case NN_L_LOCAL:
      case NN_L_MAXPOOL: {
        if (s->kind != NN_L_MAXPOOL && (s->units < 1 || s->units > 100000))
          return syn_err_set(e, SYN_ERR_ARG, "layer %d (%s): %d filters", l, kn, s->units);
        if (s->k < 1 || s->k > 1024 || s->stride < 1 || s->stride > 1024 ||
            (s->pad != NN_PAD_VALID && s->pad != NN_PAD_SAME))
          return syn_err_set(e, SYN_ERR_ARG, "layer %d (%s): kernel %d, stride %d invalid", l, kn,
                             s->k, s->stride);
        L->oh = out_len(h, s->k, s->stride, s->pad, &L->pad_t);
        L->ow = out_len(w, s->k, s->stride, s->pad, &L->pad_l);
        if (L->oh < 1 || L->ow < 1)
          return syn_err_set(e, SYN_ERR_ARG, "layer %d (%s): kernel %d larger than input %dx%d", l,
                             kn, s->k, h, w);
        if ((uint64_t)s->k * (uint64_t)s->k * (uint64_t)c > SHAPE_MAX)
          return syn_err_set(e, SYN_ERR_ARG, "layer %d (%s): kernel %dx%dx%d too large", l, kn,
                             s->k, s->k, c);
        L->kdim = s->k * s->k * c;
        if (s->kind == NN_L_MAXPOOL) break;
        L->oc = s->units;
        size_t pos = s->kind == NN_L_LOCAL ? (size_t)L->oh * L->ow : 1;
        L->n_w = pos * (size_t)L->kdim * (size_t)L->oc;
        L->n_b = s->bias ? pos * (size_t)L->oc : 0;
        break;
      }
      case NN_L_DROPOUT:
        if (!(s->rate >= 0 && s->rate < 1))
          return syn_err_set(e, SYN_ERR_ARG, "layer %d (dropout): rate %g not in [0, 1)", l,
                             s->rate);
        break;
      case NN_L_BNORM:
        L->n_w = L->n_b = (size_t)c;
        L->s_off = (size_t)ns;
        ns += 2 * (uint64_t)c;
        break;
      case NN_L_RELU: break;
      default: return syn_err_set(e, SYN_ERR_ARG, "layer %d: unknown kind %d", l, (int)s->kind);
    }
    L->out_size = (size_t)L->oh * L->ow * L->oc;
    if (L->out_size > SHAPE_MAX || L->n_w > SHAPE_MAX)
      return syn_err_set(e, SYN_ERR_ARG, "layer %d (%s): too large", l, kn);
    L->w_off = (size_t)np;
    L->b_off = (size_t)np + L->n_w;
    np += L->n_w + L->n_b;
    h = L->oh, w = L->ow, c = L->oc;
  }
  if (np > 4 * SHAPE_MAX) return syn_err_set(e, SYN_ERR_ARG, "network too large");
  net->n_params = (size_t)np;
  net->n_state = (size_t)ns;
  net->params = core_alloc((net->n_params + 1) * sizeof(float));
  net->fb = core_alloc((net->n_params + 1) * sizeof(float));
  net->state = core_alloc((net->n_state + 1) * sizeof(float));
  if (!net->params || !net->fb || !net->state) {
    nn_net_destroy(net);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for %llu parameters",
                       (unsigned long long)np);
  }
  for (int l = 0; l < n_layers; l++) {
    const nn_layer *L = &net->layer[l];
    if (L->spec.kind != NN_L_BNORM) continue;
    for (int i = 0; i < L->oc; i++) {
      net->params[L->w_off + i] = net->fb[L->w_off + i] = 1.0f;
      net->state[L->s_off + L->oc + i] = 1.0f;
    }
  }
  return SYN_OK;
}

int nn_net_out_size(const nn_net *net) { return (int)net->layer[net->n_layers - 1].out_size; }

double nn_randn(rng_t *rng) {
  double u1 = rng_uniform(rng), u2 = rng_uniform(rng);
  return sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
}

void nn_net_init_normal(nn_net *net, double sd, rng_t *rng) {
  for (int l = 0; l < net->n_layers; l++) {
    const nn_layer *L = &net->layer[l];
    float *w = net->params + L->w_off;
    if (L->spec.kind == NN_L_BNORM) {
      for (size_t i = 0; i < L->n_w; i++) w[i] = 1.0f, net->params[L->b_off + i] = 0.0f;
      for (int i = 0; i < L->oc; i++) {
        net->state[L->s_off + i] = 0.0f;
        net->state[L->s_off + L->oc + i] = 1.0f;
      }
      continue;
    }
    for (size_t i = 0; i < L->n_w; i++) w[i] = (float)(sd * nn_randn(rng));
    for (size_t i = 0; i < L->n_b; i++) net->params[L->b_off + i] = 0.0f;
  }
  memcpy(net->fb, net->params, net->n_params * sizeof(float));
}

void nn_net_describe(const nn_net *net, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = 0;
  used += (size_t)snprintf(buf, n, "%dx%dx%d", net->in_h, net->in_w, net->in_c);
  for (int l = 0; l < net->n_layers && used < n; l++) {
    const nn_lspec *s = &net->layer[l].spec;
    char part[96];
    switch (s->kind) {
      case NN_L_DENSE: snprintf(part, sizeof part, "dense%d", s->units); break;
      case NN_L_CONV:
      case NN_L_LOCAL:
        snprintf(part, sizeof part, "%s%dk%ds%d%s", s->kind == NN_L_CONV ? "conv" : "local",
                 s->units, s->k, s->stride, s->pad == NN_PAD_SAME ? "same" : "valid");
        break;
      case NN_L_MAXPOOL: snprintf(part, sizeof part, "maxpool%ds%d", s->k, s->stride); break;
      case NN_L_DROPOUT: snprintf(part, sizeof part, "dropout%g", s->rate); break;
      default: snprintf(part, sizeof part, "%s", nn_lkind_name(s->kind)); break;
    }
    used += (size_t)snprintf(buf + used, n - used, "-%s%s", part,
                             (s->kind <= NN_L_LOCAL && s->bias) ? "b" : "");
  }
}

/* ---------------- save / load ---------------- */
static void put_f32s(fio_writer *w, const float *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, &p[i], 4);
    fio_put_u32(w, u);
  }
}

static void get_f32s(fio_reader *r, float *p, size_t n) {
  for (size_t i = 0; i < n && !r->err; i++) {
    uint32_t u = fio_get_u32(r);
    memcpy(&p[i], &u, 4);
  }
}

syn_status nn_net_save(const nn_net *net, const char *path, syn_err *e) {
  fio_writer w;
  syn_status s = fio_writer_open(&w, path, e);
  if (s) return s;
  fio_put_bytes(&w, NET_MAGIC, 8);
  fio_put_u32(&w, NET_VERSION);
  fio_put_u32(&w, (uint32_t)net->in_h);
  fio_put_u32(&w, (uint32_t)net->in_w);
  fio_put_u32(&w, (uint32_t)net->in_c);
  fio_put_u32(&w, (uint32_t)net->n_layers);
  for (int l = 0; l < net->n_layers; l++) {
    const nn_lspec *sp = &net->layer[l].spec;
    fio_put_u32(&w, (uint32_t)sp->kind);
    fio_put_u32(&w, (uint32_t)sp->units);
    fio_put_u32(&w, (uint32_t)sp->k);
    fio_put_u32(&w, (uint32_t)sp->stride);
    fio_put_u32(&w, (uint32_t)sp->pad);
    fio_put_u32(&w, sp->bias ? 1u : 0u);
    fio_put_f64(&w, sp->rate);
  }
  fio_put_f64(&w, net->bn_momentum);
  fio_put_f64(&w, net->bn_eps);
  fio_put_u64(&w, net->n_params);
  fio_put_u64(&w, net->n_state);
  put_f32s(&w, net->params, net->n_params);
  put_f32s(&w, net->fb, net->n_params);
  put_f32s(&w, net->state, net->n_state);
  return fio_writer_commit(&w, e);
}

syn_status nn_net_load(nn_net *net, const char *path, syn_err *e) {
  memset(net, 0, sizeof *net);
  fio_reader r;
  syn_status s = fio_reader_open(&r, path, e);
  if (s) return s;
  char magic[8];
  fio_get_bytes(&r, magic, 8);
  if (r.err || memcmp(magic, NET_MAGIC, 8) != 0) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: not a synrl layered network file (bad magic)",
                       path);
  }
  uint32_t version = fio_get_u32(&r);
  uint32_t ih = fio_get_u32(&r), iw = fio_get_u32(&r), ic = fio_get_u32(&r);
  uint32_t nl = fio_get_u32(&r);
  if (r.err || version != NET_VERSION || nl < 1 || nl > NN_NET_MAX_LAYERS || ih > 100000 ||
      iw > 100000 || ic > 100000) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: unsupported version %u or bad header", path,
                       version);
  }
  nn_lspec specs[NN_NET_MAX_LAYERS];
  for (uint32_t l = 0; l < nl; l++) {
    uint32_t v[6];
    for (int i = 0; i < 6; i++) v[i] = fio_get_u32(&r);
    double rate = fio_get_f64(&r);
    if (v[0] > NN_L_RELU || v[1] > 1000000 || v[2] > 1024 || v[3] > 1024 || v[4] > 1 ||
        v[5] > 1) {
      fio_reader_close(&r);
      return syn_err_set(e, SYN_ERR_FORMAT, "%s: layer %u: bad specification", path, l);
    }
    specs[l] = (nn_lspec){.kind = (nn_lkind)v[0], .units = (int)v[1], .k = (int)v[2],
                          .stride = (int)v[3], .pad = (nn_pad)v[4], .bias = v[5] != 0,
                          .rate = rate};
  }
  double mom = fio_get_f64(&r), eps = fio_get_f64(&r);
  uint64_t np = fio_get_u64(&r), ns = fio_get_u64(&r);
  if (r.err) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: truncated header", path);
  }
  syn_err sub;
  if (nn_net_create(net, (int)ih, (int)iw, (int)ic, (int)nl, specs, &sub) != SYN_OK) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: %s", path, sub.msg);
  }
  /* checked as the floats the network keeps, so that what loads saves and
   * loads back (a positive double can round to a zero float) */
  if (np != net->n_params || ns != net->n_state || !((float)mom >= 0 && (float)mom <= 1) ||
      !((float)eps > 0 && isfinite((float)eps))) {
    fio_reader_close(&r);
    nn_net_destroy(net);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: parameter counts do not match the layers", path);
  }
  net->bn_momentum = (float)mom;
  net->bn_eps = (float)eps;
  get_f32s(&r, net->params, net->n_params);
  get_f32s(&r, net->fb, net->n_params);
  get_f32s(&r, net->state, net->n_state);
  s = fio_reader_finish(&r, path, e);
  if (s) nn_net_destroy(net);
  return s;
}

/* ---------------- work space ---------------- */
void nn_net_ws_destroy(nn_net_ws *ws) {
  for (int l = 0; l <= NN_NET_MAX_LAYERS; l++) core_free(ws->act[l]);
  for (int l = 0; l < NN_NET_MAX_LAYERS; l++) {
    core_free(ws->aux[l]);
    core_free(ws->arg[l]);
  }
  core_free(ws->g0);
  core_free(ws->g1);
  core_free(ws->cols);
  core_free(ws->grad);
  memset(ws, 0, sizeof *ws);
}

syn_status nn_net_ws_create(nn_net_ws *ws, const nn_net *net, size_t n_max, syn_err *e) {
  memset(ws, 0, sizeof *ws);
  if (n_max < 1) return syn_err_set(e, SYN_ERR_ARG, "work space for 0 samples");
  ws->n_max = n_max;
  size_t gmax = net->layer[0].in_size, cmax = 1;
  bool bad = !(ws->act[0] = core_alloc(n_max * net->layer[0].in_size * sizeof(float)));
  for (int l = 0; l < net->n_layers && !bad; l++) {
    const nn_layer *L = &net->layer[l];
    size_t out = n_max * L->out_size;
    if (L->out_size > gmax) gmax = L->out_size;
    bad |= !(ws->act[l + 1] = core_alloc(out * sizeof(float)));
    switch (L->spec.kind) {
      case NN_L_CONV:
      case NN_L_LOCAL: {
        size_t c = n_max * (size_t)L->oh * L->ow * (size_t)L->kdim;
        if (c > cmax) cmax = c;
        break;
      }
      case NN_L_MAXPOOL: bad |= !(ws->arg[l] = core_alloc(out * sizeof(int32_t))); break;
      case NN_L_DROPOUT: bad |= !(ws->aux[l] = core_alloc(out * sizeof(float))); break;
      case NN_L_BNORM:
        bad |= !(ws->aux[l] = core_alloc((out + 2 * (size_t)L->oc) * sizeof(float)));
        break;
      default: break;
    }
  }
  if (!bad) {
    bad |= !(ws->g0 = core_alloc(n_max * gmax * sizeof(float)));
    bad |= !(ws->g1 = core_alloc(n_max * gmax * sizeof(float)));
    bad |= !(ws->cols = core_alloc(cmax * sizeof(float)));
    bad |= !(ws->grad = core_alloc((net->n_params + 1) * sizeof(float)));
  }
  if (bad) {
    nn_net_ws_destroy(ws);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for a work space of %zu samples", n_max);
  }
  return SYN_OK;
}

/* ---------------- kernels ---------------- */
/* cols[(b P + p) K + (di k + dj) ic + c] = in[b, oy s - pt + di, ox s - pl + dj, c] (0 outside) */
static void im2col(const nn_layer *L, const float *in, size_t n, float *cols) {
  const int k = L->spec.k, s = L->spec.stride, ic = L->ic;
  float *dst = cols;
  for (size_t b = 0; b < n; b++) {
    const float *img = in + b * L->in_size;
    for (int oy = 0; oy < L->oh; oy++)
      for (int ox = 0; ox < L->ow; ox++)
        for (int di = 0; di < k; di++) {
          int iy = oy * s - L->pad_t + di;
          for (int dj = 0; dj < k; dj++, dst += ic) {
            int ix = ox * s - L->pad_l + dj;
            if (iy < 0 || iy >= L->ih || ix < 0 || ix >= L->iw)
              memset(dst, 0, (size_t)ic * sizeof(float));
            else if (ic == 1)
              dst[0] = img[(size_t)iy * L->iw + ix];
            else
              memcpy(dst, img + ((size_t)iy * L->iw + ix) * ic, (size_t)ic * sizeof(float));
          }
        }
  }
}

/* The adjoint of im2col: din = sum of the columns over the positions they came from. */
static void col2im(const nn_layer *L, const float *cols, size_t n, float *din) {
  const int k = L->spec.k, s = L->spec.stride, ic = L->ic;
  memset(din, 0, n * L->in_size * sizeof(float));
  const float *src = cols;
  for (size_t b = 0; b < n; b++) {
    float *img = din + b * L->in_size;
    for (int oy = 0; oy < L->oh; oy++)
      for (int ox = 0; ox < L->ow; ox++)
        for (int di = 0; di < k; di++) {
          int iy = oy * s - L->pad_t + di;
          for (int dj = 0; dj < k; dj++, src += ic) {
            int ix = ox * s - L->pad_l + dj;
            if (iy < 0 || iy >= L->ih || ix < 0 || ix >= L->iw) continue;
            float *d = img + ((size_t)iy * L->iw + ix) * ic;
            for (int c = 0; c < ic; c++) d[c] += src[c];
          }
        }
  }
}

static void add_bias(float *y, size_t rows, size_t cols, const float *bias) {
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++) y[r * cols + c] += bias[c];
}

static void forward_layer(const nn_net *net, nn_net_ws *ws, int l, const float *x, float *y,
                          size_t n, bool train, bool update_stats, rng_t *rng) {
  const nn_layer *L = &net->layer[l];
  const float *W = net->params + L->w_off, *B = net->params + L->b_off;
  const int m = (int)n;
  switch (L->spec.kind) {
    case NN_L_DENSE:
      blas_sgemm(false, false, m, L->oc, (int)L->in_size, 1.0f, x, (int)L->in_size, W, L->oc, 0.0f,
                 y, L->oc);
      if (L->n_b) add_bias(y, n, (size_t)L->oc, B);
      break;
    case NN_L_CONV: {
      const int P = L->oh * L->ow;
      im2col(L, x, n, ws->cols);
      blas_sgemm(false, false, m * P, L->oc, L->kdim, 1.0f, ws->cols, L->kdim, W, L->oc, 0.0f, y,
                 L->oc);
      if (L->n_b) add_bias(y, n * (size_t)P, (size_t)L->oc, B);
      break;
    }
    case NN_L_LOCAL: {
      const int P = L->oh * L->ow, K = L->kdim, C = L->oc;
      im2col(L, x, n, ws->cols);
      for (int p = 0; p < P; p++) {
        blas_sgemm(false, false, m, C, K, 1.0f, ws->cols + (size_t)p * K, P * K,
                   W + (size_t)p * K * C, C, 0.0f, y + (size_t)p * C, P * C);
      }
      if (L->n_b) add_bias(y, n, (size_t)P * C, B);
      break;
    }
    case NN_L_MAXPOOL: {
      const int k = L->spec.k, s = L->spec.stride, C = L->oc;
      for (size_t b = 0; b < n; b++) {
        const float *img = x + b * L->in_size;
        float *out = y + b * L->out_size;
        int32_t *arg = ws->arg[l] + b * L->out_size;
        for (int oy = 0; oy < L->oh; oy++)
          for (int ox = 0; ox < L->ow; ox++)
            for (int c = 0; c < C; c++) {
              float best = -INFINITY;
              int32_t at = -1;
              for (int di = 0; di < k; di++) {
                int iy = oy * s - L->pad_t + di;
                if (iy < 0 || iy >= L->ih) continue;
                for (int dj = 0; dj < k; dj++) {
                  int ix = ox * s - L->pad_l + dj;
                  if (ix < 0 || ix >= L->iw) continue;
                  int32_t i = (int32_t)(((size_t)iy * L->iw + ix) * C + c);
                  if (at < 0 || img[i] > best) best = img[i], at = i;
                }
              }
              size_t o = ((size_t)oy * L->ow + ox) * C + c;
              out[o] = best;
              arg[o] = at;
            }
      }
      break;
    }
    case NN_L_DROPOUT: {
      size_t total = n * L->out_size;
      if (!train || L->spec.rate == 0) {
        memcpy(y, x, total * sizeof(float));
        break;
      }
      float *mask = ws->aux[l];
      const double rate = L->spec.rate;
      const float keep = (float)(1.0 / (1.0 - rate));
      for (size_t i = 0; i < total; i++) {
        mask[i] = rng_uniform(rng) < rate ? 0.0f : keep;
        y[i] = x[i] * mask[i];
      }
      break;
    }
    case NN_L_BNORM: {
      const size_t C = (size_t)L->oc, rows = n * L->out_size / C;
      const float *gamma = W, *beta = B;
      float *rm = net->state + L->s_off, *rv = rm + C;
      if (!train) {
        float *sc = malloc(2 * C * sizeof(float)), *sh = sc + C;
        if (!sc) abort(); /* a few kB: only fails when the process is out of memory */
        for (size_t c = 0; c < C; c++) {
          sc[c] = gamma[c] / sqrtf(rv[c] + net->bn_eps);
          sh[c] = beta[c] - sc[c] * rm[c];
        }
        for (size_t r = 0; r < rows; r++)
          for (size_t c = 0; c < C; c++) y[r * C + c] = sc[c] * x[r * C + c] + sh[c];
        free(sc);
        break;
      }
      float *xhat = ws->aux[l], *mean = xhat + rows * C, *istd = mean + C;
      /* row-major passes with per-channel double sums (channels are the
       * fastest axis, so this walks memory in order) */
      double *sum = calloc(2 * C, sizeof(double)), *ss = sum + C;
      if (!sum) abort(); /* a few kB: only fails when the process is out of memory */
      for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < C; c++) sum[c] += x[r * C + c];
      for (size_t c = 0; c < C; c++) mean[c] = (float)(sum[c] / (double)rows);
      for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < C; c++) {
          double d = (double)x[r * C + c] - mean[c];
          ss[c] += d * d;
        }
      for (size_t c = 0; c < C; c++) {
        double var = ss[c] / (double)rows;
        istd[c] = (float)(1.0 / sqrt(var + net->bn_eps));
        if (update_stats) {
          /* running variance with Bessel's correction, as TensorFlow's */
          double unb = rows > 1 ? var * (double)rows / (double)(rows - 1) : var;
          rm[c] = (float)(net->bn_momentum * rm[c] + (1.0 - net->bn_momentum) * mean[c]);
          rv[c] = (float)(net->bn_momentum * rv[c] + (1.0 - net->bn_momentum) * unb);
        }
      }
      free(sum);
      for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < C; c++) {
          float h = (x[r * C + c] - mean[c]) * istd[c];
          xhat[r * C + c] = h;
          y[r * C + c] = gamma[c] * h + beta[c];
        }
      break;
    }
    case NN_L_RELU: {
      size_t total = n * L->out_size;
      for (size_t i = 0; i < total; i++) y[i] = x[i] > 0 ? x[i] : 0.0f;
      break;
    }
  }
}

const float *nn_net_forward(const nn_net *net, nn_net_ws *ws, const float *x, size_t n, bool train,
                            bool update_stats, rng_t *rng) {
  memcpy(ws->act[0], x, n * net->layer[0].in_size * sizeof(float));
  for (int l = 0; l < net->n_layers; l++)
    forward_layer(net, ws, l, ws->act[l], ws->act[l + 1], n, train, update_stats, rng);
  return ws->act[net->n_layers];
}

void nn_net_predict(const nn_net *net, nn_net_ws *ws, const float *x, size_t n, float *out) {
  const size_t in = net->layer[0].in_size, od = (size_t)nn_net_out_size(net);
  for (size_t r0 = 0; r0 < n; r0 += ws->n_max) {
    size_t m = n - r0 < ws->n_max ? n - r0 : ws->n_max;
    const float *y = nn_net_forward(net, ws, x + r0 * in, m, false, false, NULL);
    memcpy(out + r0 * od, y, m * od * sizeof(float));
  }
}

static void bias_grad(const float *dy, size_t rows, size_t cols, float *gb) {
  memset(gb, 0, cols * sizeof(float));
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++) gb[c] += dy[r * cols + c];
}

/* dy: dL/d(output of layer l); fills the parameter gradients of layer l and,
 * when dx != NULL, dL/d(input of layer l). */
static void backward_layer(const nn_net *net, nn_net_ws *ws, int l, size_t n, const float *dy,
                           float *dx, const float *bw) {
  const nn_layer *L = &net->layer[l];
  const float *x = ws->act[l], *y = ws->act[l + 1];
  float *gW = ws->grad + L->w_off, *gB = ws->grad + L->b_off;
  const float *BW = bw + L->w_off;
  const int m = (int)n;
  switch (L->spec.kind) {
    case NN_L_DENSE: {
      const int in = (int)L->in_size, C = L->oc;
      blas_sgemm(true, false, in, C, m, 1.0f, x, in, dy, C, 0.0f, gW, C);
      if (L->n_b) bias_grad(dy, n, (size_t)C, gB);
      if (dx) blas_sgemm(false, true, m, in, C, 1.0f, dy, C, BW, C, 0.0f, dx, in);
      break;
    }
    case NN_L_CONV: {
      const int P = L->oh * L->ow, K = L->kdim, C = L->oc;
      im2col(L, x, n, ws->cols);
      blas_sgemm(true, false, K, C, m * P, 1.0f, ws->cols, K, dy, C, 0.0f, gW, C);
      if (L->n_b) bias_grad(dy, n * (size_t)P, (size_t)C, gB);
      if (dx) {
        blas_sgemm(false, true, m * P, K, C, 1.0f, dy, C, BW, C, 0.0f, ws->cols, K);
        col2im(L, ws->cols, n, dx);
      }
      break;
    }
    case NN_L_LOCAL: {
      const int P = L->oh * L->ow, K = L->kdim, C = L->oc;
      im2col(L, x, n, ws->cols);
      for (int p = 0; p < P; p++) {
        float *cp = ws->cols + (size_t)p * K;
        const float *dyp = dy + (size_t)p * C;
        blas_sgemm(true, false, K, C, m, 1.0f, cp, P * K, dyp, P * C, 0.0f,
                   gW + (size_t)p * K * C, C);
        if (dx)
          blas_sgemm(false, true, m, K, C, 1.0f, dyp, P * C, BW + (size_t)p * K * C, C, 0.0f, cp,
                     P * K);
      }
      if (L->n_b) bias_grad(dy, n, (size_t)P * C, gB);
      if (dx) col2im(L, ws->cols, n, dx);
      break;
    }
    case NN_L_MAXPOOL:
      if (!dx) break;
      memset(dx, 0, n * L->in_size * sizeof(float));
      for (size_t b = 0; b < n; b++) {
        const int32_t *arg = ws->arg[l] + b * L->out_size;
        const float *d = dy + b * L->out_size;
        float *o = dx + b * L->in_size;
        for (size_t i = 0; i < L->out_size; i++) o[arg[i]] += d[i];
      }
      break;
    case NN_L_DROPOUT: {
      if (!dx) break;
      size_t total = n * L->out_size;
      if (L->spec.rate == 0) {
        memcpy(dx, dy, total * sizeof(float));
        break;
      }
      const float *mask = ws->aux[l];
      for (size_t i = 0; i < total; i++) dx[i] = dy[i] * mask[i];
      break;
    }
    case NN_L_BNORM: {
      const size_t C = (size_t)L->oc, rows = n * L->out_size / C;
      const float *xhat = ws->aux[l], *istd = xhat + rows * C + C;
      const float *gamma = BW;
      double *sg = calloc(2 * C, sizeof(double)), *sb = sg + C;
      if (!sg) abort(); /* a few kB: only fails when the process is out of memory */
      for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < C; c++) {
          sg[c] += (double)dy[r * C + c] * xhat[r * C + c];
          sb[c] += dy[r * C + c];
        }
      for (size_t c = 0; c < C; c++) {
        gW[c] = (float)sg[c];
        gB[c] = (float)sb[c];
      }
      if (dx) {
        /* dx = gamma istd / N (N dy - sum dy - xhat sum(dy xhat)) */
        float *k = malloc(3 * C * sizeof(float)), *a = k + C, *bb = a + C;
        if (!k) abort();
        for (size_t c = 0; c < C; c++) {
          k[c] = (float)((double)gamma[c] * istd[c]);
          a[c] = (float)(sb[c] / (double)rows);
          bb[c] = (float)(sg[c] / (double)rows);
        }
        for (size_t r = 0; r < rows; r++)
          for (size_t c = 0; c < C; c++)
            dx[r * C + c] = k[c] * (dy[r * C + c] - a[c] - xhat[r * C + c] * bb[c]);
        free(k);
      }
      free(sg);
      break;
    }
    case NN_L_RELU: {
      if (!dx) break;
      /* the gate: only units driven above threshold pass the signal on */
      size_t total = n * L->out_size;
      for (size_t i = 0; i < total; i++) dx[i] = y[i] > 0 ? dy[i] : 0.0f;
      break;
    }
  }
}

void nn_net_backward(const nn_net *net, nn_net_ws *ws, size_t n, const float *dout,
                     const float *bw) {
  const float *dy = dout;
  for (int l = net->n_layers - 1; l >= 0; l--) {
    float *dx = l == 0 ? NULL : (dy == ws->g0 ? ws->g1 : ws->g0);
    backward_layer(net, ws, l, n, dy, dx, bw);
    dy = dx;
  }
}
