#include "learn/synrl_q8.h"

#include <stdlib.h>
#include <string.h>
#if defined(SYNRL_HAVE_VNNI)
#include <immintrin.h>
#endif

typedef struct q8_state {
  int in1;        /* inputs + bias */
  int in_pad;     /* in1 rounded up to a multiple of 4 (VNNI takes bytes in fours) */
  int out, nb;    /* first-layer outputs; 16-wide blocks */
  size_t n_max, n;
  uint8_t *p;     /* n x in_pad: 255 (bias), the input bytes, zero padding */
  double *z0;     /* n x out: [1 x] . base, fixed for the batch */
  int64_t *a;     /* n x out: P . K, exact */
  int8_t *dpack;  /* VNNI layout: [in_pad/4][nb][16 outputs][4 inputs] */
  int8_t *dt;     /* portable layout: [out][in_pad] */
  double *pd;     /* reference path: P as doubles, n x in_pad */
  double *kd;     /* reference path: K as doubles, in_pad x out */
  bool vnni;
} q8_state;

const char *synrl_q8_kernel_name(void) { return core_cpu_has_vnni() ? "avx512-vnni" : "portable"; }

void synrl_q8_destroy(synrl_trainer *t) {
  q8_state *q = t->q8;
  if (!q) return;
  core_free(q->p);
  core_free(q->z0);
  core_free(q->a);
  core_free(q->dpack);
  core_free(q->dt);
  core_free(q->pd);
  core_free(q->kd);
  free(q);
  t->q8 = NULL;
}

syn_status synrl_q8_create(synrl_trainer *t, size_t max_batch, syn_err *e) {
  const nn_mlp *net = t->rule.net;
  q8_state *q = calloc(1, sizeof *q);
  if (!q) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  t->q8 = q;
  q->in1 = net->widths[0] + 1;
  q->in_pad = (q->in1 + 3) & ~3;
  q->out = net->widths[1];
  q->nb = (q->out + 15) / 16;
  q->n_max = max_batch;
  q->vnni = core_cpu_has_vnni();
  q->p = core_alloc(max_batch * (size_t)q->in_pad);
  q->z0 = core_alloc(max_batch * (size_t)q->out * sizeof(double));
  q->a = core_alloc(max_batch * (size_t)q->out * sizeof(int64_t));
  q->dpack = core_alloc((size_t)q->in_pad / 4 * (size_t)q->nb * 64);
  q->dt = core_alloc((size_t)q->out * (size_t)q->in_pad);
  q->kd = core_alloc((size_t)q->in_pad * (size_t)q->out * sizeof(double));
  if (t->path_used == SYNRL_PATH_Q8_REF)
    q->pd = core_alloc(max_batch * (size_t)q->in_pad * sizeof(double));
  if (!q->p || !q->z0 || !q->a || !q->dpack || !q->dt || !q->kd ||
      (t->path_used == SYNRL_PATH_Q8_REF && !q->pd)) {
    synrl_q8_destroy(t);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for the 8-bit path (%zu rows)", max_batch);
  }
  return SYN_OK;
}

/* A[r0..r1) = P . K from scratch in double precision: exact, since every
 * product and partial sum is an integer of magnitude below 2^53. */
static void a_from_scratch(synrl_trainer *t, double *pd_rows, size_t r0, size_t r1, double *tmp) {
  q8_state *q = t->q8;
  size_t rows = r1 - r0;
  blas_dgemm(false, false, (int)rows, q->out, q->in_pad, 1.0, pd_rows, q->in_pad, q->kd, q->out,
             0.0, tmp, q->out);
  int64_t *a = q->a + r0 * (size_t)q->out;
  for (size_t i = 0; i < rows * (size_t)q->out; i++) a[i] = (int64_t)tmp[i];
}

static void fill_kd(synrl_trainer *t) {
  q8_state *q = t->q8;
  size_t n = (size_t)q->in1 * q->out;
  for (size_t i = 0; i < n; i++) q->kd[i] = (double)t->steps[i];
  /* rows in1..in_pad stay zero */
}

static void rows_to_double(const q8_state *q, size_t r0, size_t r1, double *dst) {
  for (size_t r = r0; r < r1; r++)
    for (int i = 0; i < q->in_pad; i++)
      dst[(r - r0) * q->in_pad + i] = (double)q->p[r * q->in_pad + i];
}

syn_status synrl_q8_set_batch(synrl_trainer *t, syn_err *e) {
  q8_state *q = t->q8;
  const nn_batch *b = t->batch;
  const nn_mlp *net = t->rule.net;
  if (b->in_dim + 1 != q->in1) return syn_err_set(e, SYN_ERR_ARG, "batch width mismatch");
  if (b->n > q->n_max) return syn_err_set(e, SYN_ERR_ARG, "batch too large");
  q->n = b->n;
  for (size_t r = 0; r < b->n; r++) {
    uint8_t *row = q->p + r * q->in_pad;
    row[0] = 255; /* the bias input 1 = 255 / 255 */
    memcpy(row + 1, b->x_u8 + r * (size_t)b->in_dim, (size_t)b->in_dim);
    memset(row + q->in1, 0, (size_t)(q->in_pad - q->in1));
  }
  fill_kd(t);
  size_t nc = (b->n + NN_CHUNK - 1) / NN_CHUNK;
  int out = q->out, in = b->in_dim;
  const double *w0 = t->base; /* layer 0 occupies the first (in+1)*out synapses */
  int fail = 0;
#pragma omp parallel
  {
    double *pd = q->pd ? NULL : core_alloc((size_t)NN_CHUNK * q->in_pad * sizeof(double));
    double *tmp = core_alloc((size_t)NN_CHUNK * out * sizeof(double));
    if ((!q->pd && !pd) || !tmp) {
#pragma omp atomic write
      fail = 1;
    }
#pragma omp for schedule(static)
    for (size_t c = 0; c < nc; c++) {
      if (fail) continue;
      size_t r0 = c * NN_CHUNK, r1 = r0 + NN_CHUNK < b->n ? r0 + NN_CHUNK : b->n;
      double *z0 = q->z0 + r0 * (size_t)out;
      for (size_t r = r0; r < r1; r++) memcpy(z0 + (r - r0) * out, w0, (size_t)out * sizeof(double));
      blas_dgemm(false, false, (int)(r1 - r0), out, in, 1.0, b->x + r0 * (size_t)in, in, w0 + out,
                 out, 1.0, z0, out);
      double *rows = q->pd ? q->pd + r0 * (size_t)q->in_pad : pd;
      rows_to_double(q, r0, r1, rows);
      a_from_scratch(t, rows, r0, r1, tmp);
    }
    core_free(pd);
    core_free(tmp);
  }
  if (fail) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory (8-bit path work space)");
  (void)net;
  return SYN_OK;
}

void synrl_q8_double(synrl_trainer *t) {
  q8_state *q = t->q8;
  for (size_t i = 0; i < q->n * (size_t)q->out; i++) q->a[i] *= 2;
}

/* ---------------- incremental kernels: A[r0..r1) += P . D ---------------- */
static void pack_delta(synrl_trainer *t) {
  q8_state *q = t->q8;
  const int8_t *d = t->delta; /* layer 0: d[i * out + j] */
  if (q->vnni) {
    for (int i = 0; i < q->in1; i++)
      for (int j = 0; j < q->out; j++)
        q->dpack[((size_t)(i >> 2) * q->nb + (j >> 4)) * 64 + (j & 15) * 4 + (i & 3)] =
            d[(size_t)i * q->out + j];
  } else {
    for (int i = 0; i < q->in1; i++)
      for (int j = 0; j < q->out; j++) q->dt[(size_t)j * q->in_pad + i] = d[(size_t)i * q->out + j];
  }
}

static void kernel_portable(q8_state *q, size_t r0, size_t r1) {
  for (size_t r = r0; r < r1; r++) {
    const uint8_t *p = q->p + r * q->in_pad;
    for (int j = 0; j < q->out; j++) {
      const int8_t *d = q->dt + (size_t)j * q->in_pad;
      int32_t s = 0;
      for (int i = 0; i < q->in_pad; i++) s += (int32_t)p[i] * (int32_t)d[i];
      q->a[r * q->out + j] += s;
    }
  }
}

#if defined(SYNRL_HAVE_VNNI)
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

/* Adds 16 int32 sums to up to 16 int64 accumulators (masked at the edge). */
VNNI_TARGET static inline void add_i32_to_i64(int64_t *dst, __m512i acc, int valid) {
  __m512i lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc));
  __m512i hi = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc, 1));
  __mmask8 mlo = (__mmask8)(valid >= 8 ? 0xff : (1u << valid) - 1);
  __mmask8 mhi = (__mmask8)(valid >= 16 ? 0xff : valid <= 8 ? 0 : (1u << (valid - 8)) - 1);
  _mm512_mask_storeu_epi64(dst, mlo, _mm512_add_epi64(_mm512_maskz_loadu_epi64(mlo, dst), lo));
  if (mhi)
    _mm512_mask_storeu_epi64(dst + 8, mhi,
                             _mm512_add_epi64(_mm512_maskz_loadu_epi64(mhi, dst + 8), hi));
}

/* Four rows at a time share each load of D; NB 16-wide output blocks. */
#define DEFINE_VNNI_ROWS(NB)                                                                     \
  VNNI_TARGET static void vnni_rows_##NB(q8_state *q, size_t r0, size_t r1, int jb0) {          \
    const int g_n = q->in_pad / 4, nb = q->nb, out = q->out;                                    \
    size_t r = r0;                                                                               \
    for (; r + 4 <= r1; r += 4) {                                                                \
      __m512i acc[4][NB];                                                                        \
      for (int k = 0; k < 4; k++)                                                                \
        for (int b = 0; b < NB; b++) acc[k][b] = _mm512_setzero_si512();                         \
      const uint8_t *p0 = q->p + r * q->in_pad;                                                  \
      for (int g = 0; g < g_n; g++) {                                                            \
        const int8_t *dp = q->dpack + ((size_t)g * nb + jb0) * 64;                               \
        __m512i d[NB];                                                                           \
        for (int b = 0; b < NB; b++) d[b] = _mm512_load_si512((const void *)(dp + b * 64));      \
        for (int k = 0; k < 4; k++) {                                                            \
          int32_t pv;                                                                            \
          memcpy(&pv, p0 + (size_t)k * q->in_pad + 4 * g, 4);                                    \
          __m512i pb = _mm512_set1_epi32(pv);                                                    \
          for (int b = 0; b < NB; b++) acc[k][b] = _mm512_dpbusd_epi32(acc[k][b], pb, d[b]);     \
        }                                                                                        \
      }                                                                                          \
      for (int k = 0; k < 4; k++)                                                                \
        for (int b = 0; b < NB; b++)                                                             \
          add_i32_to_i64(q->a + (r + k) * out + (jb0 + b) * 16, acc[k][b],                       \
                         out - (jb0 + b) * 16);                                                  \
    }                                                                                            \
    for (; r < r1; r++) {                                                                        \
      __m512i acc[NB];                                                                           \
      for (int b = 0; b < NB; b++) acc[b] = _mm512_setzero_si512();                              \
      const uint8_t *p0 = q->p + r * q->in_pad;                                                  \
      for (int g = 0; g < g_n; g++) {                                                            \
        int32_t pv;                                                                              \
        memcpy(&pv, p0 + 4 * g, 4);                                                              \
        __m512i pb = _mm512_set1_epi32(pv);                                                      \
        const int8_t *dp = q->dpack + ((size_t)g * nb + jb0) * 64;                               \
        for (int b = 0; b < NB; b++)                                                             \
          acc[b] = _mm512_dpbusd_epi32(acc[b], pb, _mm512_load_si512((const void *)(dp + b * 64))); \
      }                                                                                          \
      for (int b = 0; b < NB; b++)                                                               \
        add_i32_to_i64(q->a + r * out + (jb0 + b) * 16, acc[b], out - (jb0 + b) * 16);           \
    }                                                                                            \
  }
DEFINE_VNNI_ROWS(1)
DEFINE_VNNI_ROWS(2)

static void kernel_vnni(q8_state *q, size_t r0, size_t r1) {
  int jb = 0;
  for (; jb + 2 <= q->nb; jb += 2) vnni_rows_2(q, r0, r1, jb);
  for (; jb < q->nb; jb++) vnni_rows_1(q, r0, r1, jb);
}
#endif

static void update_rows(q8_state *q, size_t r0, size_t r1) {
#if defined(SYNRL_HAVE_VNNI)
  if (q->vnni) {
    kernel_vnni(q, r0, r1);
    return;
  }
#endif
  kernel_portable(q, r0, r1);
}

double synrl_q8_loss(synrl_trainer *t) {
  q8_state *q = t->q8;
  const nn_mlp *net = t->rule.net;
  const nn_batch *b = t->batch;
  nn_ws *ws = &t->ws;
  const int out = q->out, k = net->widths[net->n_layers];
  const bool fast = t->path_used == SYNRL_PATH_Q8_FAST;
  /* deeper layers are materialised; the first layer never is */
  double *w = net->params;
  size_t first = (size_t)q->in1 * out;
  for (size_t i = first; i < t->n_syn; i++) w[i] = t->base[i] + t->unit * (double)t->steps[i];
  if (fast)
    pack_delta(t);
  else
    fill_kd(t);
  const double cc = t->unit / 255.0;
  size_t nc = (b->n + NN_CHUNK - 1) / NN_CHUNK;
  double part[1024];
  double *parts = nc <= 1024 ? part : core_alloc(nc * sizeof(double));
#pragma omp parallel for schedule(static)
  for (size_t c = 0; c < nc; c++) {
    size_t r0 = c * NN_CHUNK, r1 = r0 + NN_CHUNK < b->n ? r0 + NN_CHUNK : b->n;
    double *z = ws->z[0] + r0 * (size_t)out;
    if (fast)
      update_rows(q, r0, r1);
    else
      a_from_scratch(t, q->pd + r0 * (size_t)q->in_pad, r0, r1, z);
    const double *z0 = q->z0 + r0 * (size_t)out;
    const int64_t *a = q->a + r0 * (size_t)out;
    for (size_t i = 0; i < (r1 - r0) * (size_t)out; i++) z[i] = z0[i] + cc * (double)a[i];
    nn_act_apply(net->act[0], z, ws->h[0] + r0 * (size_t)out, (r1 - r0) * (size_t)out);
    if (net->n_layers > 1) nn_mlp_forward_rows(net, b, ws, 1, r0, r1);
    parts[c] = nn_loss_partial(t->rule.loss, b, ws->h[net->n_layers - 1], k, r0, r1);
  }
  double s = 0.0;
  for (size_t c = 0; c < nc; c++) s += parts[c];
  if (parts != part) core_free(parts);
  return nn_loss_finish(t->rule.loss, s, b->n, k);
}
