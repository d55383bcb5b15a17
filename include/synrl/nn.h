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

/* synrl nn: layered networks for images — dense, 2D convolution, locally
 * connected, max-pooling, dropout, batch normalisation, ReLU — in float32,
 * samples stored channels-last (NHWC, the Keras/TensorFlow layout).
 *
 * A network keeps two parameter buffers of the same layout: the forward
 * weights (params) and the feedback weights (fb). The backward pass reads the
 * weights it carries the signal through from a buffer the caller names:
 * params for error-backprop, fb for DeepAGREL's separate feedback network. */

#define NN_NET_MAX_LAYERS 32

typedef enum {
  NN_L_DENSE = 0, /* units outputs; weights in x units, row-major */
  NN_L_CONV,      /* units filters k x k; weights (k, k, in_c, units) as Keras */
  NN_L_LOCAL,     /* untied weights: per output position (k, k, in_c, units) */
  NN_L_MAXPOOL,   /* k x k windows, stride */
  NN_L_DROPOUT,   /* rate: fraction dropped in training (inverted dropout) */
  NN_L_BNORM,     /* per channel (last axis): gamma, beta; running mean, var */
  NN_L_RELU
} nn_lkind;

/* Keras/TensorFlow padding. valid: out = floor((in - k) / s) + 1.
 * same: out = ceil(in / s), total padding max((out - 1) s + k - in, 0),
 * the smaller half on top/left. */
typedef enum { NN_PAD_VALID = 0, NN_PAD_SAME } nn_pad;

typedef struct nn_lspec {
  nn_lkind kind;
  int units;      /* dense: outputs; conv, local: filters */
  int k, stride;  /* conv, local, maxpool */
  nn_pad pad;
  double rate;    /* dropout */
  bool bias;      /* dense, conv, local */
} nn_lspec;

typedef struct nn_layer {
  nn_lspec spec;
  int ih, iw, ic, oh, ow, oc; /* dense: ih = iw = oh = ow = 1 and ic = inputs */
  int pad_t, pad_l;
  int kdim;                   /* k * k * ic */
  size_t in_size, out_size;   /* floats per sample */
  size_t w_off, n_w;          /* weights (bnorm: gamma) in params and fb */
  size_t b_off, n_b;          /* biases (bnorm: beta) */
  size_t s_off;               /* bnorm: running mean then variance (oc each) in state */
} nn_layer;

typedef struct nn_net {
  int n_layers;
  int in_h, in_w, in_c;
  nn_layer layer[NN_NET_MAX_LAYERS];
  size_t n_params;
  float *params; /* forward weights */
  float *fb;     /* feedback weights, same layout */
  size_t n_state;
  float *state;  /* batch-norm running statistics (not trained by gradients) */
  float bn_momentum, bn_eps; /* Keras defaults 0.99, 1e-3 */
} nn_net;

const char *nn_lkind_name(nn_lkind k);
/* Works out every layer's shape; fails with a message naming the layer. */
syn_status nn_net_create(nn_net *net, int in_h, int in_w, int in_c, int n_layers,
                         const nn_lspec *specs, syn_err *e);
void nn_net_destroy(nn_net *net);
int nn_net_out_size(const nn_net *net);
/* Kernels N(0, sd), biases 0, gamma 1, beta 0, running mean 0, var 1; then fb = params. */
void nn_net_init_normal(nn_net *net, double sd, rng_t *rng);
/* "conv32k3s1same-relu-bnorm-..." */
void nn_net_describe(const nn_net *net, char *buf, size_t n);
/* Binary file: magic "SYNRLLNT", version, input shape, layer specs, params, fb,
 * state as little-endian float32 bit patterns, CRC-32; written atomically. */
syn_status nn_net_save(const nn_net *net, const char *path, syn_err *e);
syn_status nn_net_load(nn_net *net, const char *path, syn_err *e);

/* Work space for batches of up to n_max samples. */
typedef struct nn_net_ws {
  size_t n_max;
  float *act[NN_NET_MAX_LAYERS + 1]; /* act[0]: input; act[l+1]: output of layer l */
  float *aux[NN_NET_MAX_LAYERS];     /* dropout mask; bnorm xhat + per-channel mean, 1/std */
  int32_t *arg[NN_NET_MAX_LAYERS];   /* maxpool: index of each window's maximum */
  float *g0, *g1;                    /* backward ping-pong buffers */
  float *cols;                       /* im2col scratch */
  float *grad;                       /* n_params */
} nn_net_ws;

syn_status nn_net_ws_create(nn_net_ws *ws, const nn_net *net, size_t n_max, syn_err *e);
void nn_net_ws_destroy(nn_net_ws *ws);

/* Forward n <= n_max samples x (n x in) into ws->act; returns the output
 * (n x out). train: dropout draws masks from rng, bnorm uses the batch's
 * statistics and updates the running ones (update_stats); otherwise dropout
 * is the identity and bnorm uses the running statistics. */
const float *nn_net_forward(const nn_net *net, nn_net_ws *ws, const float *x, size_t n, bool train,
                            bool update_stats, rng_t *rng);
/* Backward from dout = dL/d(output) (n x out) after a training forward:
 * ws->grad = dL/d(params), where the signal to lower layers passes through
 * the weights in bw (net->params: backprop; net->fb: a feedback network)
 * and is gated by the forward units' activity (ReLU derivative). */
void nn_net_backward(const nn_net *net, nn_net_ws *ws, size_t n, const float *dout,
                     const float *bw);
/* Outputs of the whole set in chunks of ws->n_max (inference mode). */
void nn_net_predict(const nn_net *net, nn_net_ws *ws, const float *x, size_t n, float *out);

/* Random normal by Box-Muller (two uniform draws). */
double nn_randn(rng_t *rng);

/* synrl nn: export of MLPs in the safetensors format (8-byte little-endian
 * header length, a JSON header, then the raw little-endian tensor data), so
 * that PyTorch, NumPy or any safetensors reader can load synrl networks.
 *
 * Tensor naming (docs/formats.md): for layer l (0-based)
 *   layers.l.weight  [out, in]  (the nn.Linear convention: row j holds the
 *                                weights into output unit j)
 *   layers.l.bias    [out]
 * in that order, layer by layer. "__metadata__" carries the widths and
 * activations as strings. */

typedef enum { NN_ST_F64 = 0, NN_ST_F32 } nn_st_dtype;

/* Writes m to path under a temporary name, then renames it into place.
 * NN_ST_F64 keeps the stored values exactly; NN_ST_F32 rounds each to
 * nearest float32. */
syn_status nn_mlp_save_safetensors(const nn_mlp *m, const char *path, nn_st_dtype dtype,
                                   syn_err *e);
/* A layered network (nn_net): per layer l with parameters, layers.l.weight
 * (dense [in, out]; conv [k*k*in_channels, filters], the im2col layout;
 * local [positions, k*k*in_channels, filters]), layers.l.bias, and for batch
 * norm layers.l.gamma, .beta, .moving_mean, .moving_variance
 * (docs/formats.md). */
syn_status nn_net_save_safetensors(const nn_net *net, const char *path, nn_st_dtype dtype,
                                   syn_err *e);

/* Any set of tensors, for networks of the layers above nn (coagent nets):
 * gather them, then write. Values are copied; add and meta remember a failure
 * (out of memory, a bad or repeated name) and write reports it. */
#define NN_ST_MAX_DIMS 4
#define NN_ST_NAME_MAX 96
typedef struct nn_st_file nn_st_file;
syn_status nn_st_new(nn_st_file **out, syn_err *e);
void nn_st_free(nn_st_file *f);
void nn_st_meta(nn_st_file *f, const char *key, const char *value); /* "__metadata__" strings */
void nn_st_add(nn_st_file *f, const char *name, int ndim, const size_t *shape, const double *v);
void nn_st_add_f32(nn_st_file *f, const char *name, int ndim, const size_t *shape, const float *v);
/* Writes under a temporary name, then renames into place; refuses (as
 * nn_st_check_output) an output that is a symbolic link or not a regular
 * file. */
syn_status nn_st_write(const nn_st_file *f, const char *path, nn_st_dtype dtype, syn_err *e);
/* SYN_OK when path does not exist or is a regular file. */
syn_status nn_st_check_output(const char *path, syn_err *e);

#ifdef __cplusplus
}
#endif
#endif
