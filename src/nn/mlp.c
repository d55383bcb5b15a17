#include "synrl/nn.h"
#include "core/fileio.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <string.h>

static const char *const ACT_NAMES[] = {"identity", "tanh", "relu", "sigmoid"};
static const char *const LOSS_NAMES[] = {"euclid", "mse", "softmax-ce"};

const char *nn_act_name(nn_act a) { return (unsigned)a < 4 ? ACT_NAMES[a] : "?"; }
const char *nn_loss_name(nn_loss l) { return (unsigned)l < 3 ? LOSS_NAMES[l] : "?"; }

int nn_act_parse(const char *s, nn_act *out) {
  for (int i = 0; i < 4; i++)
    if (strcmp(s, ACT_NAMES[i]) == 0) return *out = (nn_act)i, 0;
  if (strcmp(s, "linear") == 0) return *out = NN_ACT_IDENTITY, 0;
  return -1;
}

int nn_loss_parse(const char *s, nn_loss *out) {
  for (int i = 0; i < 3; i++)
    if (strcmp(s, LOSS_NAMES[i]) == 0) return *out = (nn_loss)i, 0;
  return -1;
}

syn_status nn_mlp_create(nn_mlp *m, int n_layers, const int *widths, const nn_act *act,
                         syn_err *e) {
  memset(m, 0, sizeof *m);
  if (n_layers < 1 || n_layers > NN_MAX_LAYERS)
    return syn_err_set(e, SYN_ERR_ARG, "network needs 1 to %d weight layers, got %d",
                       NN_MAX_LAYERS, n_layers);
  size_t total = 0;
  for (int l = 0; l <= n_layers; l++) {
    if (widths[l] < 1 || widths[l] > 1000000)
      return syn_err_set(e, SYN_ERR_ARG, "layer width %d out of range [1, 1000000]", widths[l]);
    m->widths[l] = widths[l];
  }
  for (int l = 0; l < n_layers; l++) {
    if ((unsigned)act[l] > NN_ACT_SIGMOID)
      return syn_err_set(e, SYN_ERR_ARG, "unknown activation %d", (int)act[l]);
    m->act[l] = act[l];
    m->offset[l] = total;
    total += (size_t)(widths[l] + 1) * (size_t)widths[l + 1];
  }
  m->n_layers = n_layers;
  m->n_params = total;
  m->params = core_alloc(total * sizeof(double));
  if (!m->params) return syn_err_set(e, SYN_ERR_NOMEM, "cannot allocate %zu parameters", total);
  for (int l = 0; l < n_layers; l++) m->w[l] = m->params + m->offset[l];
  return SYN_OK;
}

void nn_mlp_destroy(nn_mlp *m) {
  core_free(m->params);
  memset(m, 0, sizeof *m);
}

syn_status nn_mlp_clone(nn_mlp *dst, const nn_mlp *src, syn_err *e) {
  syn_status s = nn_mlp_create(dst, src->n_layers, src->widths, src->act, e);
  if (s == SYN_OK) memcpy(dst->params, src->params, src->n_params * sizeof(double));
  return s;
}

void nn_mlp_init_uniform(nn_mlp *m, double r, rng_t *rng) {
  for (int l = 0; l < m->n_layers; l++) {
    int in = m->widths[l], out = m->widths[l + 1];
    double *w = m->w[l];
    for (int j = 0; j < out; j++) w[j] = 0.0; /* bias row */
    for (size_t i = (size_t)out; i < (size_t)(in + 1) * out; i++)
      w[i] = rng_uniform_range(rng, -r, r);
  }
}

void nn_mlp_describe(const nn_mlp *m, char *buf, size_t n) {
  size_t used = 0;
  buf[0] = 0;
  for (int l = 0; l <= m->n_layers && used < n; l++)
    used += (size_t)snprintf(buf + used, n - used, l ? "-%d" : "%d", m->widths[l]);
  for (int l = 0; l < m->n_layers && used < n; l++)
    used += (size_t)snprintf(buf + used, n - used, "%s%s", l ? ", " : " (", nn_act_name(m->act[l]));
  if (used < n) snprintf(buf + used, n - used, ")");
}

/* ---- file format ---- */
#define NET_MAGIC "SYNRLNET"
#define NET_VERSION 1u

syn_status nn_mlp_save(const nn_mlp *m, const char *path, syn_err *e) {
  fio_writer w;
  syn_status s = fio_writer_open(&w, path, e);
  if (s) return s;
  fio_put_bytes(&w, NET_MAGIC, 8);
  fio_put_u32(&w, NET_VERSION);
  fio_put_u32(&w, (uint32_t)m->n_layers);
  for (int l = 0; l <= m->n_layers; l++) fio_put_u32(&w, (uint32_t)m->widths[l]);
  for (int l = 0; l < m->n_layers; l++) fio_put_u32(&w, (uint32_t)m->act[l]);
  fio_put_u64(&w, m->n_params);
  for (size_t i = 0; i < m->n_params; i++) fio_put_f64(&w, m->params[i]);
  return fio_writer_commit(&w, e);
}

syn_status nn_mlp_load(nn_mlp *m, const char *path, syn_err *e) {
  memset(m, 0, sizeof *m);
  fio_reader r;
  syn_status s = fio_reader_open(&r, path, e);
  if (s) return s;
  char magic[8];
  uint32_t version = 0, nl = 0;
  int widths[NN_MAX_LAYERS + 1];
  nn_act act[NN_MAX_LAYERS];
  fio_get_bytes(&r, magic, 8);
  if (!r.err && memcmp(magic, NET_MAGIC, 8) != 0) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: not a synrl network file (bad magic)", path);
  }
  version = fio_get_u32(&r);
  nl = fio_get_u32(&r);
  if (!r.err && (version != NET_VERSION || nl < 1 || nl > NN_MAX_LAYERS)) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: unsupported version %u or layer count %u", path,
                       version, nl);
  }
  for (uint32_t l = 0; l <= nl && !r.err; l++) widths[l] = (int)fio_get_u32(&r);
  for (uint32_t l = 0; l < nl && !r.err; l++) act[l] = (nn_act)fio_get_u32(&r);
  uint64_t np = fio_get_u64(&r);
  if (r.err) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: truncated header", path);
  }
  /* Check the declared sizes against the header and the file before
   * allocating: a corrupt header must not ask for terabytes. Widths out of
   * range are left to nn_mlp_create, which refuses them before allocating. */
  uint64_t shape = 0;
  for (uint32_t l = 0; l < nl && shape != UINT64_MAX; l++)
    shape = widths[l] < 1 || widths[l] > 1000000 || widths[l + 1] < 1 || widths[l + 1] > 1000000
                ? UINT64_MAX
                : shape + (uint64_t)(widths[l] + 1) * (uint64_t)widths[l + 1];
  if (shape != UINT64_MAX && (np != shape || np > (r.size - r.pos) / 8)) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: parameter count %llu does not match shape or file size",
                       path, (unsigned long long)np);
  }
  syn_err sub;
  if (nn_mlp_create(m, (int)nl, widths, act, &sub) != SYN_OK) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: %s", path, sub.msg);
  }
  if (np != m->n_params) {
    fio_reader_close(&r);
    nn_mlp_destroy(m);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: parameter count %llu does not match shape", path,
                       (unsigned long long)np);
  }
  for (size_t i = 0; i < m->n_params && !r.err; i++) m->params[i] = fio_get_f64(&r);
  s = fio_reader_finish(&r, path, e);
  if (s) nn_mlp_destroy(m);
  return s;
}

/* ---- work space ---- */
syn_status nn_ws_create(nn_ws *ws, const nn_mlp *m, size_t n_max, syn_err *e) {
  memset(ws, 0, sizeof *ws);
  ws->n_max = n_max;
  for (int l = 0; l < m->n_layers; l++) {
    size_t sz = n_max * (size_t)m->widths[l + 1] * sizeof(double);
    ws->z[l] = core_alloc(sz);
    ws->h[l] = core_alloc(sz);
    ws->delta[l] = core_alloc(sz);
    if (!ws->z[l] || !ws->h[l] || !ws->delta[l]) goto fail;
  }
  ws->grad = core_alloc(m->n_params * sizeof(double));
  size_t nc = (n_max + NN_CHUNK - 1) / NN_CHUNK;
  ws->grad_part = core_alloc((nc ? nc : 1) * m->n_params * sizeof(double));
  ws->loss_part = core_alloc((nc ? nc : 1) * sizeof(double));
  if (!ws->grad || !ws->grad_part || !ws->loss_part) goto fail;
  ws->n_xbuf = omp_get_max_threads();
  ws->xbuf = core_alloc((size_t)ws->n_xbuf * NN_CHUNK * (size_t)m->widths[0] * sizeof(double));
  if (!ws->xbuf) goto fail;
  return SYN_OK;
fail:
  nn_ws_destroy(ws);
  return syn_err_set(e, SYN_ERR_NOMEM, "cannot allocate work space for %zu rows", n_max);
}

void nn_ws_destroy(nn_ws *ws) {
  for (int l = 0; l < NN_MAX_LAYERS; l++) {
    core_free(ws->z[l]);
    core_free(ws->h[l]);
    core_free(ws->delta[l]);
  }
  core_free(ws->grad);
  core_free(ws->grad_part);
  core_free(ws->loss_part);
  core_free(ws->xbuf);
  memset(ws, 0, sizeof *ws);
}

/* ---- forward ---- */
void nn_act_apply(nn_act a, const double *z, double *h, size_t n) {
  switch (a) {
    case NN_ACT_IDENTITY:
      if (h != z) memcpy(h, z, n * sizeof *h);
      break;
    case NN_ACT_TANH:
      for (size_t i = 0; i < n; i++) h[i] = tanh(z[i]);
      break;
    case NN_ACT_RELU:
      for (size_t i = 0; i < n; i++) h[i] = z[i] > 0.0 ? z[i] : 0.0;
      break;
    case NN_ACT_SIGMOID:
      for (size_t i = 0; i < n; i++) h[i] = 1.0 / (1.0 + exp(-z[i]));
      break;
  }
}

/* The first layer's inputs for rows [r0, r1). With 8-bit inputs a chunk is
 * expanded into this thread's buffer: the same doubles (x == x_u8 / 255.0 by
 * the batch's contract), so the same results, but the batch is read from
 * memory as bytes, an eighth of the traffic that bounds a full-batch epoch. */
static const double *chunk_inputs(const nn_mlp *m, const nn_batch *b, nn_ws *ws, size_t r0,
                                  size_t r1) {
  int in = m->widths[0], tid = omp_get_thread_num();
  if (!b->x_u8 || !ws->xbuf || r1 - r0 > NN_CHUNK || tid >= ws->n_xbuf)
    return b->x + r0 * (size_t)in;
  double *dst = ws->xbuf + (size_t)tid * NN_CHUNK * in;
  const uint8_t *src = b->x_u8 + r0 * (size_t)in;
  double lut[256]; /* a table, not a division per input */
  for (int v = 0; v < 256; v++) lut[v] = (double)v / 255.0;
  for (size_t i = 0; i < (r1 - r0) * (size_t)in; i++) dst[i] = lut[src[i]];
  return dst;
}

static void forward_rows_x(const nn_mlp *m, const double *x0, nn_ws *ws, int from, size_t r0,
                           size_t r1) {
  size_t rows = r1 - r0;
  for (int l = from; l < m->n_layers; l++) {
    int in = m->widths[l], out = m->widths[l + 1];
    const double *x = l == 0 ? x0 : ws->h[l - 1] + r0 * (size_t)in;
    double *z = ws->z[l] + r0 * (size_t)out;
    const double *w = m->w[l];
    for (size_t r = 0; r < rows; r++) memcpy(z + r * out, w, (size_t)out * sizeof *z);
    blas_dgemm(false, false, (int)rows, out, in, 1.0, x, in, w + out, out, 1.0, z, out);
    nn_act_apply(m->act[l], z, ws->h[l] + r0 * (size_t)out, rows * (size_t)out);
  }
}

void nn_mlp_forward_rows(const nn_mlp *m, const nn_batch *b, nn_ws *ws, int from, size_t r0,
                         size_t r1) {
  forward_rows_x(m, from == 0 ? chunk_inputs(m, b, ws, r0, r1) : NULL, ws, from, r0, r1);
}

/* ---- losses ---- */
/* The literal form of the authors' loss: softmax(z + 1e-8), then
 * -log(p_y + 1e-8). The 8-bit synaptic-RL path repeats these operations lane
 * by lane (learn/synrl_q8.c); keep the two in step. */
static double softmax_ce_term(const double *z, int k, int y, double *p_out) {
  double m = -INFINITY;
  for (int j = 0; j < k; j++) m = fmax(m, z[j] + 1e-8);
  double sum = 0.0, ey = 0.0;
  for (int j = 0; j < k; j++) {
    double ex = core_exp((z[j] + 1e-8) - m);
    if (p_out) p_out[j] = ex;
    if (j == y) ey = ex;
    sum += ex;
  }
  if (p_out)
    for (int j = 0; j < k; j++) p_out[j] /= sum;
  return -log(ey / sum + 1e-8);
}

double nn_loss_partial(nn_loss kind, const nn_batch *b, const double *out, int k, size_t r0,
                       size_t r1) {
  double s = 0.0;
  if (kind == NN_LOSS_SOFTMAX_CE) {
    for (size_t r = r0; r < r1; r++) s += softmax_ce_term(out + r * k, k, b->labels[r], NULL);
  } else {
    for (size_t i = r0 * k; i < r1 * k; i++) {
      double d = out[i] - b->targets[i];
      s += d * d;
    }
  }
  return s;
}

double nn_loss_finish(nn_loss kind, double partial_sum, size_t n, int k) {
  switch (kind) {
    case NN_LOSS_EUCLID: return sqrt(partial_sum) / (double)n;
    case NN_LOSS_MSE: return partial_sum / ((double)n * k);
    case NN_LOSS_SOFTMAX_CE: return partial_sum / (double)n;
  }
  return NAN;
}

size_t nn_acc_count(nn_acc kind, const nn_batch *b, const double *out, int k, size_t r0,
                    size_t r1) {
  size_t c = 0;
  for (size_t r = r0; r < r1; r++) {
    const double *o = out + r * k;
    if (kind == NN_ACC_ARGMAX) {
      int best = 0;
      for (int j = 1; j < k; j++)
        if (o[j] > o[best]) best = j;
      c += best == b->labels[r];
    } else {
      const double *t = b->targets + r * k;
      c += (o[0] > 0.0) == (t[0] > 0.0);
    }
  }
  return c;
}

static size_t n_chunks(size_t n) { return (n + NN_CHUNK - 1) / NN_CHUNK; }

size_t nn_chunk_count(size_t n) { return n_chunks(n); }

void nn_mlp_loss_chunks(const nn_mlp *m, const nn_batch *b, nn_ws *ws, nn_loss kind,
                        nn_acc acc_kind, size_t c_lo, size_t c_hi, double *part, double *corr) {
  int k = m->widths[m->n_layers];
  const double *out = ws->h[m->n_layers - 1];
#pragma omp parallel for schedule(static) if (c_hi - c_lo > 1)
  for (size_t c = c_lo; c < c_hi; c++) {
    size_t r0 = c * NN_CHUNK, r1 = r0 + NN_CHUNK < b->n ? r0 + NN_CHUNK : b->n;
    nn_mlp_forward_rows(m, b, ws, 0, r0, r1);
    part[c - c_lo] = nn_loss_partial(kind, b, out, k, r0, r1);
    if (corr) corr[c - c_lo] = (double)nn_acc_count(acc_kind, b, out, k, r0, r1);
  }
}

double nn_mlp_loss(const nn_mlp *m, const nn_batch *b, nn_ws *ws, nn_loss kind, nn_acc acc_kind,
                   double *acc) {
  size_t nc = n_chunks(b->n);
  int k = m->widths[m->n_layers];
  double part_stack[64], corr_stack[64];
  double *part = nc <= 64 ? part_stack : core_alloc(nc * sizeof *part);
  double *corr = nc <= 64 ? corr_stack : core_alloc(nc * sizeof *corr);
  double s = 0.0, correct = 0.0;
  if (part && corr) {
    nn_mlp_loss_chunks(m, b, ws, kind, acc_kind, 0, nc, part, acc ? corr : NULL);
    for (size_t c = 0; c < nc; c++) s += part[c], correct += acc ? corr[c] : 0.0;
  } else { /* out of memory: the same sums, one chunk at a time */
    for (size_t c = 0; c < nc; c++) {
      double p1, c1 = 0.0;
      nn_mlp_loss_chunks(m, b, ws, kind, acc_kind, c, c + 1, &p1, acc ? &c1 : NULL);
      s += p1, correct += c1;
    }
  }
  if (acc) *acc = correct / (double)b->n;
  if (part != part_stack) core_free(part);
  if (corr != corr_stack) core_free(corr);
  return nn_loss_finish(kind, s, b->n, k);
}

/* ---- backprop ---- */
static void act_backward(nn_act a, const double *z, const double *h, double *d, size_t n) {
  switch (a) {
    case NN_ACT_IDENTITY: break;
    case NN_ACT_TANH:
      for (size_t i = 0; i < n; i++) d[i] *= 1.0 - h[i] * h[i];
      break;
    case NN_ACT_RELU:
      for (size_t i = 0; i < n; i++) d[i] = z[i] > 0.0 ? d[i] : 0.0;
      break;
    case NN_ACT_SIGMOID:
      for (size_t i = 0; i < n; i++) d[i] *= h[i] * (1.0 - h[i]);
      break;
  }
}

/* One pass per chunk of NN_CHUNK rows: forward, the loss derivative, backward,
 * and the chunk's own weight gradient while its inputs are still in cache (the
 * full batch does not fit; reading it twice from memory doubled the epoch).
 * Chunk gradients are summed in chunk order, so the result does not depend on
 * the thread count. Row derivatives are taken unscaled and the sum is scaled
 * once, because the Euclidean loss's scale needs the whole batch's loss. */
double nn_mlp_grad(const nn_mlp *m, const nn_batch *b, nn_ws *ws, nn_loss kind) {
  int L = m->n_layers, k = m->widths[L];
  size_t n = b->n, nc = n_chunks(n), np = m->n_params;
#pragma omp parallel for schedule(static)
  for (size_t c = 0; c < nc; c++) {
    size_t r0 = c * NN_CHUNK, r1 = r0 + NN_CHUNK < n ? r0 + NN_CHUNK : n, rows = r1 - r0;
    const double *x0 = chunk_inputs(m, b, ws, r0, r1);
    forward_rows_x(m, x0, ws, 0, r0, r1);
    const double *out = ws->h[L - 1];
    ws->loss_part[c] = nn_loss_partial(kind, b, out, k, r0, r1);
    double *dout = ws->delta[L - 1];
    for (size_t r = r0; r < r1; r++) {
      const double *o = out + r * k;
      double *d = dout + r * k;
      if (kind == NN_LOSS_SOFTMAX_CE) {
        /* the loss is taken on the outputs (after the output activation),
         * so its softmax is too; act_backward below handles the activation.
         * The probabilities go straight into d (any number of classes). */
        int y = b->labels[r];
        softmax_ce_term(o, k, y, d);
        double g = d[y] / (d[y] + 1e-8);
        for (int j = 0; j < k; j++) d[j] = g * (d[j] - (j == y));
      } else {
        const double *t = b->targets + r * k;
        for (int j = 0; j < k; j++) d[j] = o[j] - t[j];
      }
    }
    act_backward(m->act[L - 1], ws->z[L - 1] + r0 * k, ws->h[L - 1] + r0 * k, dout + r0 * k,
                 rows * (size_t)k);
    for (int l = L - 1; l > 0; l--) {
      int in = m->widths[l], o = m->widths[l + 1];
      double *dprev = ws->delta[l - 1] + r0 * (size_t)in;
      blas_dgemm(false, true, (int)rows, in, o, 1.0, ws->delta[l] + r0 * (size_t)o, o,
                 m->w[l] + o, o, 0.0, dprev, in);
      act_backward(m->act[l - 1], ws->z[l - 1] + r0 * (size_t)in, ws->h[l - 1] + r0 * (size_t)in,
                   dprev, rows * (size_t)in);
    }
    double *gp = ws->grad_part + c * np;
    for (int l = 0; l < L; l++) {
      int in = m->widths[l], o = m->widths[l + 1];
      double *g = gp + m->offset[l];
      const double *d = ws->delta[l] + r0 * (size_t)o;
      for (int j = 0; j < o; j++) g[j] = 0.0;
      for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < o; j++) g[j] += d[r * o + j];
      const double *x = l == 0 ? x0 : ws->h[l - 1] + r0 * (size_t)in;
      blas_dgemm(true, false, in, o, (int)rows, 1.0, x, in, d, o, 0.0, g + o, o);
    }
  }
  double s = 0.0;
  for (size_t c = 0; c < nc; c++) s += ws->loss_part[c];
  double loss = nn_loss_finish(kind, s, n, k);
  double scale;
  if (kind == NN_LOSS_EUCLID) {
    double norm = loss * (double)n; /* ||yhat - y|| */
    scale = norm > 0.0 ? 1.0 / ((double)n * norm) : 0.0;
  } else {
    scale = kind == NN_LOSS_MSE ? 2.0 / ((double)n * k) : 1.0 / (double)n;
  }
  double *g = ws->grad;
  memcpy(g, ws->grad_part, np * sizeof *g);
  for (size_t c = 1; c < nc; c++) {
    const double *gp = ws->grad_part + c * np;
    for (size_t i = 0; i < np; i++) g[i] += gp[i];
  }
  for (size_t i = 0; i < np; i++) g[i] *= scale;
  return loss;
}
