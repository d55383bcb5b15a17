/* synrl learn: rules for the layered networks of synrl/layers.h.
 *
 * DeepAGREL / BrainProp (learn/agrel.c): the output units are Q-values; one
 * class is chosen by max-Boltzmann selection, reward 1 if it is right, else 0;
 * δ = r − Q_s. Only the chosen unit sends feedback, through the network's
 * feedback weights (net->fb), gated by the forward units' activity; every
 * synapse changes by pre · gate · δ · feedback, and each feedback weight gets
 * the same change as its forward partner. With fb == params the step is
 * exactly backprop of ½δ² through the chosen unit.
 *
 * Error-backprop baseline (learn/netbp.c): the same network, softmax +
 * cross-entropy on the same outputs, the same SGD. */
#ifndef SYNRL_AGREL_H
#define SYNRL_AGREL_H

#include "synrl/layers.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct agrel_config {
  double epsilon;     /* probability of a Boltzmann draw instead of argmax (0.02) */
  double temperature; /* of the Boltzmann draw (1) */
  double clip_norm;   /* opt-in: scale the step's gradient to at most this L2 norm (0: off, the
                         reference) */
} agrel_config;

void agrel_config_default(agrel_config *c);

/* What one step reports (over the batch). */
typedef struct agrel_step_info {
  double loss;      /* agrel: mean ½δ²; backprop: mean cross-entropy */
  size_t n_correct; /* agrel: rewarded choices; backprop: argmax right */
  double grad_norm; /* L2 norm of the step's gradient (before any clipping) */
} agrel_step_info;

/* Max-Boltzmann: with probability epsilon a draw from softmax(q / T), else
 * argmax q (ties: lowest index). */
int agrel_select(const float *q, int k, double epsilon, double temperature, rng_t *rng);
/* dq = dL/dQ of L = (1/n) Σ ½(r − Q_s)²: only the chosen unit of each row is
 * non-zero, −δ/n. Returns L; *n_reward counts r = 1. */
double agrel_output_grad(const float *q, size_t n, int k, const int32_t *labels,
                         const int32_t *chosen, float *dq, size_t *n_reward);
/* One DeepAGREL step on a batch (n <= ws->n_max): training forward, choice,
 * reward, feedback through net->fb, the same update lr · Δ to params and fb. */
syn_status agrel_step(nn_net *net, nn_net_ws *ws, const agrel_config *c, const float *x,
                      const int32_t *labels, size_t n, float lr, rng_t *rng,
                      agrel_step_info *info, syn_err *e);

/* dz = dL/dz of the mean softmax cross-entropy; returns L; *n_correct counts
 * rows whose argmax is the label. */
double netbp_output_grad(const float *z, size_t n, int k, const int32_t *labels, float *dz,
                         size_t *n_correct);
/* One error-backprop SGD step (the feedback weights get the same update, so
 * that a network started with fb == params keeps them equal). */
syn_status netbp_step(nn_net *net, nn_net_ws *ws, const float *x, const int32_t *labels, size_t n,
                      float lr, rng_t *rng, agrel_step_info *info, syn_err *e);

/* L2 norm of grad[0..n); if max_norm > 0 and the norm exceeds it, grad is
 * scaled to norm max_norm. Returns the norm before scaling. */
double netbp_grad_clip(float *grad, size_t n, double max_norm);
/* params -= lr grad and fb -= lr grad: the shared SGD update. */
void netbp_apply(nn_net *net, const float *grad, float lr);

#ifdef __cplusplus
}
#endif
#endif
