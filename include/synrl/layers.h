/* synrl nn: layered networks for images — dense, 2D convolution, locally
 * connected, max-pooling, dropout, batch normalisation, ReLU — in float32,
 * samples stored channels-last (NHWC, the Keras/TensorFlow layout).
 *
 * A network keeps two parameter buffers of the same layout: the forward
 * weights (params) and the feedback weights (fb). The backward pass reads the
 * weights it carries the signal through from a buffer the caller names:
 * params for error-backprop, fb for DeepAGREL's separate feedback network. */
#ifndef SYNRL_LAYERS_H
#define SYNRL_LAYERS_H

#include "synrl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

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

#ifdef __cplusplus
}
#endif
#endif
