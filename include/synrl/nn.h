/* synrl nn: multi-layer perceptrons, losses, backpropagation.
 * Parameters live in one contiguous buffer; each layer's weights are a view. */
#ifndef SYNRL_NN_H
#define SYNRL_NN_H

#include "synrl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NN_MAX_LAYERS 8
/* Rows per work chunk. Sums over samples are formed per chunk and then added
 * in chunk order, so results do not depend on how chunks map to threads. */
#define NN_CHUNK 250

typedef enum { NN_ACT_IDENTITY = 0, NN_ACT_TANH, NN_ACT_RELU, NN_ACT_SIGMOID } nn_act;

typedef enum {
  NN_LOSS_EUCLID = 0, /* ||yhat - y||_2 / N over the whole batch (the authors' 2D loss) */
  NN_LOSS_MSE,        /* sum (yhat - y)^2 / (N * outputs) */
  NN_LOSS_SOFTMAX_CE  /* -(1/N) sum log(softmax(z + 1e-8)_y + 1e-8) (the authors' OCR loss) */
} nn_loss;

typedef enum { NN_ACC_SIGN = 0, NN_ACC_ARGMAX } nn_acc;

const char *nn_act_name(nn_act a);
int nn_act_parse(const char *s, nn_act *out);   /* 0 on success */
const char *nn_loss_name(nn_loss l);
int nn_loss_parse(const char *s, nn_loss *out);

/* Layer l maps widths[l] inputs (plus a bias input fixed at 1, row 0 of the
 * weight matrix) to widths[l+1] outputs: w[l] is (widths[l]+1) x widths[l+1],
 * row-major, and act[l] is applied to its output. */
typedef struct nn_mlp {
  int n_layers;
  int widths[NN_MAX_LAYERS + 1];
  nn_act act[NN_MAX_LAYERS];
  size_t n_params;
  double *params;
  double *w[NN_MAX_LAYERS];
  size_t offset[NN_MAX_LAYERS]; /* w[l] == params + offset[l] */
} nn_mlp;

syn_status nn_mlp_create(nn_mlp *m, int n_layers, const int *widths, const nn_act *act, syn_err *e);
void nn_mlp_destroy(nn_mlp *m);
syn_status nn_mlp_clone(nn_mlp *dst, const nn_mlp *src, syn_err *e);
/* Weights U[-r, r], biases 0. */
void nn_mlp_init_uniform(nn_mlp *m, double r, rng_t *rng);
/* A short description like "785-32-10 (relu, identity)". */
void nn_mlp_describe(const nn_mlp *m, char *buf, size_t n);
/* Binary file: magic "SYNRLNET", version, shape, activations, little-endian
 * float64 parameters, CRC-32. Written to a temporary name, then renamed. */
syn_status nn_mlp_save(const nn_mlp *m, const char *path, syn_err *e);
syn_status nn_mlp_load(nn_mlp *m, const char *path, syn_err *e);

/* A batch: n rows of in_dim features (no bias column). x_u8, when not NULL,
 * holds the same inputs as bytes with x == x_u8 / 255 exactly as computed by
 * (double)x_u8 / 255.0; fast paths use it. Classification sets labels;
 * regression sets targets (n x out_dim). */
typedef struct nn_batch {
  size_t n;
  int in_dim;
  const double *x;
  const uint8_t *x_u8;
  const int32_t *labels;
  const double *targets;
  int out_dim;
} nn_batch;

/* Work space for up to n_max rows: every layer's pre-activations and outputs. */
typedef struct nn_ws {
  size_t n_max;
  double *z[NN_MAX_LAYERS];     /* n x widths[l+1] pre-activations */
  double *h[NN_MAX_LAYERS];     /* n x widths[l+1] outputs */
  double *delta[NN_MAX_LAYERS]; /* n x widths[l+1] dLoss/dz, for backprop */
  double *grad;                 /* n_params */
  double *grad_part;            /* one n_params gradient per NN_CHUNK rows, summed in order */
  double *loss_part;            /* one partial loss per chunk */
  double *xbuf;                 /* per thread: one chunk of 8-bit inputs as doubles */
  int n_xbuf;
} nn_ws;

syn_status nn_ws_create(nn_ws *ws, const nn_mlp *m, size_t n_max, syn_err *e);
void nn_ws_destroy(nn_ws *ws);

void nn_act_apply(nn_act a, const double *z, double *h, size_t n);

/* Forward rows [r0, r1) of the batch from layer `from` on (from = 0: inputs;
 * from > 0: ws->h[from-1] already holds that layer's input). */
void nn_mlp_forward_rows(const nn_mlp *m, const nn_batch *b, nn_ws *ws, int from, size_t r0,
                         size_t r1);
/* Per-row loss partial for rows [r0, r1) from ws outputs: for EUCLID and MSE the
 * sum of squared errors, for SOFTMAX_CE the sum of -log terms. */
double nn_loss_partial(nn_loss kind, const nn_batch *b, const double *out, int out_dim,
                       size_t r0, size_t r1);
/* Turns the summed partial over the whole batch into the loss. */
double nn_loss_finish(nn_loss kind, double partial_sum, size_t n, int out_dim);
/* Correct predictions among rows [r0, r1). */
size_t nn_acc_count(nn_acc kind, const nn_batch *b, const double *out, int out_dim, size_t r0,
                    size_t r1);

/* Rows are processed in chunks of NN_CHUNK; this many for n rows. */
size_t nn_chunk_count(size_t n);
/* Partial loss sums (and, if corr, counts of correct answers) of chunks
 * [c_lo, c_hi) into part[c - c_lo] and corr[c - c_lo]: the pieces of
 * nn_mlp_loss, for work split over processes (core_shard). */
void nn_mlp_loss_chunks(const nn_mlp *m, const nn_batch *b, nn_ws *ws, nn_loss kind,
                        nn_acc acc_kind, size_t c_lo, size_t c_hi, double *part, double *corr);
/* Forward over the whole batch on OpenMP threads (fixed chunks), returning the
 * loss and, if acc != NULL, the accuracy. */
double nn_mlp_loss(const nn_mlp *m, const nn_batch *b, nn_ws *ws, nn_loss kind, nn_acc acc_kind,
                   double *acc);
/* Loss and its gradient with respect to m->params (into ws->grad). */
double nn_mlp_grad(const nn_mlp *m, const nn_batch *b, nn_ws *ws, nn_loss kind);

/* ---- small dense networks without BLAS (nn/mlp_small.c) ----
 * For networks like the 2D task's 2-100-1 tanh net, where a BLAS call per
 * layer and libm's tanh cost far more than the arithmetic. Rows are vector
 * lanes: eight rows at a time pass through every layer (AVX-512 where the CPU
 * has it, else portable C doing the same operations lane by lane, so both
 * give the same bits). tanh and sigmoid are built on core_exp, so they differ
 * from libm's in the last bits (tanh: absolute error below 5e-16); results
 * therefore differ from nn_mlp_loss's in the last bits, never in meaning.
 * Regression losses (euclid, mse) only. */
typedef struct nn_small {
  size_t n_max, n;
  int in_dim, out_dim;
  int max_width;
  double *xt;       /* [in_dim][n_pad]: the batch's inputs, feature-major */
  double *targets;  /* [out_dim][n_pad] */
  double *buf;      /* two [max_width][8] buffers: one layer's input and output */
  bool vector;      /* AVX-512 kernels */
} nn_small;

/* The tanh the small path uses (scalar form). */
double nn_small_tanh(double x);
/* portable: the portable kernels even where AVX-512 is present (same bits). */
syn_status nn_small_create(nn_small *s, const nn_mlp *m, size_t n_max, bool portable, syn_err *e);
void nn_small_destroy(nn_small *s);
syn_status nn_small_set_batch(nn_small *s, const nn_mlp *m, const nn_batch *b, syn_err *e);
/* Loss (kind: euclid or mse) of m on the batch last set. */
double nn_small_loss(nn_small *s, const nn_mlp *m, nn_loss kind);

#ifdef __cplusplus
}
#endif
#endif
