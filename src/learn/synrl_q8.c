/* The 8-bit-input paths of synaptic RL (see synrl_q8.h for the arithmetic).
 *
 * Layout: rows are the vector lanes. The bytes of 16 rows are interleaved in
 * fours ([block][group][16 rows][4 inputs]) so that one 64-byte load feeds a
 * VNNI dot product for 16 rows at once; A and z0 are stored output-major
 * ([output][row]) so that the loss tail reads eight rows per vector. */
#include "learn/synrl_q8.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#if defined(SYNRL_HAVE_VNNI)
#include "core/exp_avx512.h"
#endif

#define Q8_CHUNK 256  /* rows per work chunk: a multiple of 16; fixes the order of sums */
#define Q8_MAX_K 16   /* fused tail: at most 16 classes */
#define Q8_MAX_H 1024 /* fused tail: at most 1024 hidden units */

typedef struct q8_state {
  int in1, g_n;      /* inputs + bias; groups of four inputs */
  int out, k;        /* first-layer outputs; network outputs */
  size_t n_max, n, n_pad;
  uint8_t *p;        /* [n_pad/16][g_n][16][4] */
  double *z0t;       /* [out][n_pad] */
  int64_t *at;       /* [out][n_pad] */
  int8_t *dpack;     /* [g_n][out][4] */
  double *pd;        /* reference path: P as doubles, [n][g_n*4] */
  double *kd;        /* K as doubles, [g_n*4][out] */
  int n_scratch;     /* per-thread scratch buffers allocated */
  double **scratch;  /* per thread: hidden values (fused tail) or GEMM output (reference) */
  bool vnni;         /* AVX-512 F/BW/DQ/VNNI kernels */
  bool fused;        /* the fused loss tail applies */
} q8_state;

bool synrl_q8_fused_tail(const synrl_trainer *t) { return t->q8 && ((q8_state *)t->q8)->fused; }

const char *synrl_q8_kernel_name(const synrl_trainer *t) {
  return core_cpu_has_vnni() && !t->cfg.portable ? "avx512-vnni" : "portable";
}

void synrl_q8_destroy(synrl_trainer *t) {
  q8_state *q = t->q8;
  if (!q) return;
  core_free(q->p);
  core_free(q->z0t);
  core_free(q->at);
  core_free(q->dpack);
  core_free(q->pd);
  core_free(q->kd);
  for (int i = 0; i < q->n_scratch; i++) core_free(q->scratch[i]);
  free(q->scratch);
  free(q);
  t->q8 = NULL;
}

static size_t pad16(size_t n) { return (n + 15) & ~(size_t)15; }

syn_status synrl_q8_create(synrl_trainer *t, size_t max_batch, syn_err *e) {
  const nn_mlp *net = t->rule.net;
  q8_state *q = calloc(1, sizeof *q);
  if (!q) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  t->q8 = q;
  q->in1 = net->widths[0] + 1;
  q->g_n = (q->in1 + 3) / 4;
  q->out = net->widths[1];
  q->k = net->widths[net->n_layers];
  q->n_max = max_batch;
  q->vnni = core_cpu_has_vnni() && !t->cfg.portable;
  int L = net->n_layers;
  q->fused = t->rule.loss == NN_LOSS_SOFTMAX_CE && L <= 2 && net->act[L - 1] == NN_ACT_IDENTITY &&
             q->k <= Q8_MAX_K &&
             (L == 1 || ((net->act[0] == NN_ACT_RELU || net->act[0] == NN_ACT_IDENTITY) &&
                         q->out <= Q8_MAX_H));
  size_t np = pad16(max_batch), in4 = (size_t)q->g_n * 4;
  q->p = core_alloc(np * in4);
  q->z0t = core_alloc((size_t)q->out * np * sizeof(double));
  q->at = core_alloc((size_t)q->out * np * sizeof(int64_t));
  q->dpack = core_alloc(in4 * (size_t)q->out);
  q->kd = core_alloc(in4 * (size_t)q->out * sizeof(double));
  if (t->path_used == SYNRL_PATH_Q8_REF) q->pd = core_alloc(max_batch * in4 * sizeof(double));
  if (!q->p || !q->z0t || !q->at || !q->dpack || !q->kd ||
      (t->path_used == SYNRL_PATH_Q8_REF && !q->pd)) {
    synrl_q8_destroy(t);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for the 8-bit path (%zu rows)", max_batch);
  }
  return SYN_OK;
}

/* ---------------- exact products ---------------- */
static void fill_kd(synrl_trainer *t) {
  q8_state *q = t->q8;
  size_t n = (size_t)q->in1 * q->out; /* layer 0's synapses come first */
  for (size_t i = 0; i < n; i++) q->kd[i] = (double)t->steps[i];
}

/* A for rows [r0, r1) from scratch: a double GEMM whose every product and
 * partial sum is an integer below 2^53, hence exact. pd: (r1-r0) rows of P as
 * doubles; tmp: (r1-r0) x out. */
static void a_from_scratch(q8_state *q, const double *pd, size_t r0, size_t r1, double *tmp) {
  int in4 = q->g_n * 4;
  blas_dgemm(false, false, (int)(r1 - r0), q->out, in4, 1.0, pd, in4, q->kd, q->out, 0.0, tmp, q->out);
  for (size_t r = r0; r < r1; r++)
    for (int j = 0; j < q->out; j++)
      q->at[(size_t)j * q->n_pad + r] = (int64_t)tmp[(r - r0) * q->out + j];
}

static void rows_to_double(const q8_state *q, size_t r0, size_t r1, double *dst) {
  const size_t in4 = (size_t)q->g_n * 4;
  for (size_t r = r0; r < r1; r++) {
    const uint8_t *blk = q->p + (r / 16) * (size_t)q->g_n * 64 + (r % 16) * 4;
    for (size_t i = 0; i < in4; i++) dst[(r - r0) * in4 + i] = (double)blk[(i / 4) * 64 + i % 4];
  }
}

syn_status synrl_q8_set_batch(synrl_trainer *t, syn_err *e) {
  q8_state *q = t->q8;
  const nn_batch *b = t->batch;
  if (b->in_dim + 1 != q->in1) return syn_err_set(e, SYN_ERR_ARG, "batch width mismatch");
  if (b->n > q->n_max) return syn_err_set(e, SYN_ERR_ARG, "batch too large");
  q->n = b->n;
  q->n_pad = pad16(b->n);
  size_t in4 = (size_t)q->g_n * 4;
  memset(q->p, 0, q->n_pad * in4);
  for (size_t r = 0; r < b->n; r++) {
    uint8_t *blk = q->p + (r / 16) * (size_t)q->g_n * 64 + (r % 16) * 4;
    const uint8_t *x = b->x_u8 + r * (size_t)b->in_dim;
    for (int i = 0; i < q->in1; i++) /* input 0 is the bias: 1 = 255 / 255 */
      blk[(size_t)(i / 4) * 64 + i % 4] = i == 0 ? 255 : x[i - 1];
  }
  memset(q->at, 0, (size_t)q->out * q->n_pad * sizeof(int64_t));
  memset(q->z0t, 0, (size_t)q->out * q->n_pad * sizeof(double));
  fill_kd(t);
  const int out = q->out, in = b->in_dim;
  const double *w0 = t->base; /* layer 0 base weights, bias row first */
  size_t nc = (b->n + Q8_CHUNK - 1) / Q8_CHUNK, c_lo, c_hi;
  core_shard_range(t->cfg.shard, t->cfg.shard ? t->cfg.shard->rank : 0, nc, &c_lo, &c_hi);
  int fail = 0;
#pragma omp parallel
  {
    double *pd = core_alloc((size_t)Q8_CHUNK * in4 * sizeof(double));
    double *tmp = core_alloc((size_t)Q8_CHUNK * out * sizeof(double));
    if (!pd || !tmp) {
#pragma omp atomic write
      fail = 1;
    }
#pragma omp for schedule(static)
    for (size_t c = c_lo; c < c_hi; c++) {
      if (!pd || !tmp) continue;
      size_t r0 = c * Q8_CHUNK, r1 = r0 + Q8_CHUNK < b->n ? r0 + Q8_CHUNK : b->n, rows = r1 - r0;
      for (size_t r = 0; r < rows; r++) memcpy(tmp + r * out, w0, (size_t)out * sizeof(double));
      blas_dgemm(false, false, (int)rows, out, in, 1.0, b->x + r0 * (size_t)in, in, w0 + out, out,
                 1.0, tmp, out);
      for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < out; j++) q->z0t[(size_t)j * q->n_pad + r0 + r] = tmp[r * out + j];
      double *rows_d = q->pd ? q->pd + r0 * in4 : pd;
      rows_to_double(q, r0, r1, rows_d);
      a_from_scratch(q, rows_d, r0, r1, tmp);
    }
    core_free(pd);
    core_free(tmp);
  }
  if (fail) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory (8-bit path work space)");
  return SYN_OK;
}

void synrl_q8_double(synrl_trainer *t) {
  q8_state *q = t->q8;
  for (size_t i = 0; i < (size_t)q->out * q->n_pad; i++) q->at[i] *= 2;
}

/* ---------------- incremental update: A += P . D ---------------- */
static void kernel_portable(q8_state *q, size_t blk0, size_t blk1) {
  const int out = q->out, g_n = q->g_n;
  for (size_t blk = blk0; blk < blk1; blk++) {
    const uint8_t *pb = q->p + blk * (size_t)g_n * 64;
    for (int j = 0; j < out; j++) {
      int32_t s[16] = {0};
      for (int g = 0; g < g_n; g++) {
        const int8_t *d = q->dpack + ((size_t)g * out + j) * 4;
        const uint8_t *p = pb + (size_t)g * 64;
        for (int r = 0; r < 16; r++)
          s[r] += p[4 * r] * d[0] + p[4 * r + 1] * d[1] + p[4 * r + 2] * d[2] + p[4 * r + 3] * d[3];
      }
      int64_t *a = q->at + (size_t)j * q->n_pad + blk * 16;
      for (int r = 0; r < 16; r++) a[r] += s[r];
    }
  }
}

#if defined(SYNRL_HAVE_VNNI)
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))

VNNI_TARGET static inline void add_rows16(int64_t *dst, __m512i acc) {
  __m512i lo = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(acc));
  __m512i hi = _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(acc, 1));
  _mm512_store_si512((void *)dst, _mm512_add_epi64(_mm512_load_si512((void *)dst), lo));
  _mm512_store_si512((void *)(dst + 8), _mm512_add_epi64(_mm512_load_si512((void *)(dst + 8)), hi));
}

/* Four bytes as one int32, without breaking the aliasing rules (compiles to a
 * broadcast load). */
static inline int32_t load_i32(const void *p) {
  int32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* acc += dot4(p, d) in place. Through inline asm because GCC 12 otherwise
 * copies every accumulator each iteration (dpbusd overwrites its destination),
 * which costs the kernel more than half its speed. */
#define DPBUSD(acc, p, d) __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(p), "v"(d))

/* 16 rows x C outputs: one 64-byte load of P feeds C dot products. */
#define DEFINE_KT(C)                                                                        \
  VNNI_TARGET static void kt_##C(q8_state *q, const uint8_t *pb, size_t blk, int j0) {     \
    __m512i acc[C];                                                                         \
    _Pragma("GCC unroll 8") for (int c = 0; c < C; c++) acc[c] = _mm512_setzero_si512();   \
    const int out = q->out;                                                                 \
    const int8_t *dp = q->dpack + (size_t)j0 * 4;                                           \
    for (int g = 0; g < q->g_n; g++, pb += 64, dp += (size_t)out * 4) {                     \
      __m512i pv = _mm512_load_si512((const void *)pb);                                     \
      _Pragma("GCC unroll 8") for (int c = 0; c < C; c++)                                   \
          DPBUSD(acc[c], pv, _mm512_set1_epi32(load_i32(dp + 4 * c)));                      \
    }                                                                                       \
    _Pragma("GCC unroll 8") for (int c = 0; c < C; c++)                                     \
        add_rows16(q->at + (size_t)(j0 + c) * q->n_pad + blk * 16, acc[c]);                 \
  }
DEFINE_KT(8)
DEFINE_KT(4)
DEFINE_KT(2)
DEFINE_KT(1)

static void kernel_vnni(q8_state *q, size_t blk0, size_t blk1) {
  for (size_t blk = blk0; blk < blk1; blk++) {
    const uint8_t *pb = q->p + blk * (size_t)q->g_n * 64;
    int j = 0;
    for (; j + 8 <= q->out; j += 8) kt_8(q, pb, blk, j);
    if (j + 4 <= q->out) kt_4(q, pb, blk, j), j += 4;
    if (j + 2 <= q->out) kt_2(q, pb, blk, j), j += 2;
    if (j < q->out) kt_1(q, pb, blk, j);
  }
}


/* Loss terms of eight rows (lanes), r .. r+7; `valid` lanes are real rows.
 * Inlined with k known at compile time (10 classes) so the k output vectors
 * stay in registers. */
VNNI_TARGET static inline __attribute__((always_inline)) double tail8_k(
    const synrl_trainer *t, const q8_state *q, size_t r, int valid, double cc, double *hbuf,
    const int k) {
  const nn_mlp *net = t->rule.net;
  const int out = q->out;
  const size_t np = q->n_pad;
  const __m512d vcc = _mm512_set1_pd(cc);
  __m512d o[Q8_MAX_K];
  if (net->n_layers == 1) {
    for (int j = 0; j < k; j++) {
      __m512d a = _mm512_cvtepi64_pd(_mm512_load_si512((const void *)(q->at + j * np + r)));
      o[j] = _mm512_add_pd(_mm512_load_pd(q->z0t + j * np + r), _mm512_mul_pd(vcc, a));
    }
  } else {
    const bool relu = net->act[0] == NN_ACT_RELU;
    for (int i = 0; i < out; i++) {
      __m512d a = _mm512_cvtepi64_pd(_mm512_load_si512((const void *)(q->at + i * np + r)));
      __m512d h = _mm512_add_pd(_mm512_load_pd(q->z0t + i * np + r), _mm512_mul_pd(vcc, a));
      if (relu) /* z > 0 ? z : 0, as nn_act_apply */
        h = _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(h, _mm512_setzero_pd(), _CMP_GT_OQ), h);
      _mm512_store_pd(hbuf + 8 * i, h);
    }
    const double *w = net->w[1]; /* (out + 1) x k, bias row first */
    _Pragma("GCC unroll 16") for (int j = 0; j < k; j++) o[j] = _mm512_set1_pd(w[j]);
    for (int i = 0; i < out; i++) {
      __m512d h = _mm512_load_pd(hbuf + 8 * i);
      const double *wi = w + (size_t)(i + 1) * k;
      _Pragma("GCC unroll 16") for (int j = 0; j < k; j++)
          o[j] = _mm512_fmadd_pd(h, _mm512_set1_pd(wi[j]), o[j]);
    }
  }
  /* softmax cross-entropy, as nn's softmax_ce_term */
  const __m512d eps = _mm512_set1_pd(1e-8);
  __m512d m = _mm512_set1_pd(-INFINITY);
  _Pragma("GCC unroll 16") for (int j = 0; j < k; j++) {
    o[j] = _mm512_add_pd(o[j], eps);
    m = _mm512_max_pd(o[j], m);
  }
  int32_t lab[8] = {0};
  memcpy(lab, t->batch->labels + r, (size_t)valid * sizeof(int32_t));
  __m256i vl = _mm256_loadu_si256((const __m256i *)lab);
  __m512d sum = _mm512_setzero_pd(), ey = _mm512_setzero_pd();
  _Pragma("GCC unroll 16") for (int j = 0; j < k; j++) {
    __m512d ex = core_exp8(_mm512_sub_pd(o[j], m));
    ey = _mm512_mask_mov_pd(ey, _mm256_cmpeq_epi32_mask(vl, _mm256_set1_epi32(j)), ex);
    sum = _mm512_add_pd(sum, ex);
  }
  double term[8];
  _mm512_storeu_pd(term, _mm512_add_pd(_mm512_div_pd(ey, sum), eps));
  double s = 0.0;
  for (int l = 0; l < valid; l++) s += -log(term[l]);
  return s;
}

VNNI_TARGET static double tail8_vnni(const synrl_trainer *t, const q8_state *q, size_t r,
                                     int valid, double cc, double *hbuf) {
  if (q->k == 10) return tail8_k(t, q, r, valid, cc, hbuf, 10);
  return tail8_k(t, q, r, valid, cc, hbuf, q->k);
}
#endif

/* The same loss terms, one row at a time, with the same operations. */
static double tail_row_portable(const synrl_trainer *t, const q8_state *q, size_t r, double cc,
                                double *hbuf) {
  const nn_mlp *net = t->rule.net;
  const int k = q->k, out = q->out;
  const size_t np = q->n_pad;
  double o[Q8_MAX_K];
  if (net->n_layers == 1) {
    for (int j = 0; j < k; j++) o[j] = q->z0t[j * np + r] + cc * (double)q->at[j * np + r];
  } else {
    const bool relu = net->act[0] == NN_ACT_RELU;
    for (int i = 0; i < out; i++) {
      double h = q->z0t[i * np + r] + cc * (double)q->at[i * np + r];
      hbuf[i] = relu ? (h > 0.0 ? h : 0.0) : h;
    }
    const double *w = net->w[1];
    for (int j = 0; j < k; j++) o[j] = w[j];
    for (int i = 0; i < out; i++)
      for (int j = 0; j < k; j++) o[j] = fma(hbuf[i], w[(size_t)(i + 1) * k + j], o[j]);
  }
  double m = -INFINITY;
  for (int j = 0; j < k; j++) {
    o[j] += 1e-8;
    m = fmax(o[j], m);
  }
  int y = t->batch->labels[r];
  double sum = 0.0, ey = 0.0;
  for (int j = 0; j < k; j++) {
    double ex = core_exp(o[j] - m);
    if (j == y) ey = ex;
    sum += ex;
  }
  return -log(ey / sum + 1e-8);
}

static double chunk_tail(synrl_trainer *t, size_t r0, size_t r1, double cc, double *hbuf) {
  q8_state *q = t->q8;
  const nn_mlp *net = t->rule.net;
  if (q->fused) {
    double s = 0.0;
#if defined(SYNRL_HAVE_VNNI)
    if (q->vnni) {
      for (size_t r = r0; r < r1; r += 8)
        s += tail8_vnni(t, q, r, r1 - r < 8 ? (int)(r1 - r) : 8, cc, hbuf);
      return s;
    }
#endif
    /* rows are summed in eights, as in the vector version */
    for (size_t r = r0; r < r1; r += 8) {
      double s8 = 0.0;
      for (size_t l = r; l < r + 8 && l < r1; l++) s8 += tail_row_portable(t, q, l, cc, hbuf);
      s += s8;
    }
    return s;
  }
  /* general tail: materialise the first layer's pre-activations row-major */
  nn_ws *ws = &t->ws;
  const int out = q->out;
  double *z = ws->z[0];
  for (size_t r = r0; r < r1; r++)
    for (int j = 0; j < out; j++)
      z[r * out + j] = q->z0t[(size_t)j * q->n_pad + r] + cc * (double)q->at[(size_t)j * q->n_pad + r];
  nn_act_apply(net->act[0], z + r0 * out, ws->h[0] + r0 * out, (r1 - r0) * (size_t)out);
  if (net->n_layers > 1) nn_mlp_forward_rows(net, t->batch, ws, 1, r0, r1);
  return nn_loss_partial(t->rule.loss, t->batch, ws->h[net->n_layers - 1], q->k, r0, r1);
}

static bool ensure_scratch(q8_state *q) {
  int nt = omp_get_max_threads();
  if (nt <= q->n_scratch) return true;
  double **ns = realloc(q->scratch, (size_t)nt * sizeof *ns);
  if (!ns) return false;
  q->scratch = ns;
  size_t need = (size_t)Q8_MAX_H * 8;
  if ((size_t)Q8_CHUNK * q->out > need) need = (size_t)Q8_CHUNK * q->out;
  for (; q->n_scratch < nt; q->n_scratch++)
    if (!(q->scratch[q->n_scratch] = core_alloc(need * sizeof(double)))) return false;
  return true;
}

syn_status synrl_q8_loss(synrl_trainer *t, double *loss, syn_err *e) {
  q8_state *q = t->q8;
  const nn_mlp *net = t->rule.net;
  const nn_batch *b = t->batch;
  const bool fast = t->path_used == SYNRL_PATH_Q8_FAST;
  if (!ensure_scratch(q)) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory (8-bit path scratch)");
  /* deeper layers are materialised; the first layer never is */
  double *w = net->params;
  for (size_t i = (size_t)q->in1 * q->out; i < t->n_syn; i++)
    w[i] = t->base[i] + t->unit * (double)t->steps[i];
  if (!fast) fill_kd(t);
  const double cc = t->unit / 255.0;
  size_t nc = (b->n + Q8_CHUNK - 1) / Q8_CHUNK, c_lo, c_hi;
  core_shard *sh = t->cfg.shard;
  core_shard_range(sh, sh ? sh->rank : 0, nc, &c_lo, &c_hi);
  double part_stack[256];
  double *parts = nc <= 256 ? part_stack : core_alloc(nc * sizeof(double));
  if (!parts) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory (8-bit path)");
  const size_t in4 = (size_t)q->g_n * 4;
  const int out = q->out;
  const int8_t *d = t->delta; /* layer 0: d[i * out + j] */
#pragma omp parallel if (nc > 1)
  {
    double *scratch = q->scratch[omp_get_thread_num()];
    if (fast) {
      /* this iteration's steps into the kernel's layout [i/4][j][i%4] */
#pragma omp for schedule(static)
      for (int i = 0; i < q->in1; i++) {
        int8_t *dst = q->dpack + (size_t)(i / 4) * out * 4 + i % 4;
        const int8_t *src = d + (size_t)i * out;
        for (int j = 0; j < out; j++) dst[4 * j] = src[j];
      }
    }
#pragma omp for schedule(static)
    for (size_t c = c_lo; c < c_hi; c++) {
      size_t r0 = c * Q8_CHUNK, r1 = r0 + Q8_CHUNK < b->n ? r0 + Q8_CHUNK : b->n;
      if (fast) {
        size_t blk0 = r0 / 16, blk1 = (r1 + 15) / 16;
#if defined(SYNRL_HAVE_VNNI)
        if (q->vnni)
          kernel_vnni(q, blk0, blk1);
        else
#endif
          kernel_portable(q, blk0, blk1);
      } else {
        a_from_scratch(q, q->pd + r0 * in4, r0, r1, scratch);
      }
      parts[c] = chunk_tail(t, r0, r1, cc, scratch);
    }
  }
  double s = 0.0;
  syn_status st = core_shard_sum(sh, parts, nc, &s, e);
  if (parts != part_stack) core_free(parts);
  if (st) return st;
  *loss = nn_loss_finish(t->rule.loss, s, b->n, q->k);
  return SYN_OK;
}
