/* synrl coagent networks: networks whose units are stochastic agents, trained
 * by Global REINFORCE, Weight Maximization or MAP Propagation, beside the
 * backprop and straight-through baselines, with a TD(lambda) critic.
 * (papers/coagent-networks-*.md, reference/coagent-networks.md.)
 *
 * These rules act on vectors: observations in, actions out, a reward per batch
 * row back. They are not supervised learn_rule instances; the training driver
 * in the env layer (synrl/agent.h) wires them to environments. */
#ifndef SYNRL_COAGENT_H
#define SYNRL_COAGENT_H

#include "synrl/ckpt.h"
#include "synrl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define COA_MAX_LAYERS 4

/* Unit kinds. Hidden: Bernoulli-logistic, Gaussian (softplus mean, per-layer
 * variance), deterministic softplus / ReLU / linear. Output: softmax policy,
 * Gaussian policy (linear mean), or a linear value (the critic). */
typedef enum {
  COA_BERNOULLI = 0,
  COA_GAUSSIAN,
  COA_SOFTPLUS,
  COA_RELU,
  COA_LINEAR,
  COA_SOFTMAX,
  COA_GAUSS_OUT
} coa_unit;
const char *coa_unit_name(coa_unit u);

/* One layer: pot = (x.W + b) / temp with W stored in-major, w[i*out + j]. */
typedef struct coa_layer {
  int in, out;
  coa_unit unit;
  double var;   /* Gaussian units: variance */
  double temp;
  double *w, *b; /* views into the network's parameter buffer */
} coa_layer;

typedef struct coa_net {
  int n_layers;
  int widths[COA_MAX_LAYERS + 1];
  coa_layer layer[COA_MAX_LAYERS];
  double *params; /* every parameter, layer by layer: W then b */
  size_t n_params;
  size_t offset[COA_MAX_LAYERS]; /* start of layer l's W in params */
} coa_net;

/* var and temp: one per layer (NULL: var 1, temp 1). */
syn_status coa_net_create(coa_net *n, int n_layers, const int *widths, const coa_unit *units,
                          const double *var, const double *temp, syn_err *e);
void coa_net_destroy(coa_net *n);
/* W ~ U(+-sqrt(6/(in+out))), b = 0 */
void coa_net_init(coa_net *n, rng_t *r);
/* The same with b ~ U(+-bias_range) drawn after each layer's W (the
 * weight_max code's initialisation uses 1e-3); bias_range 0 is coa_net_init. */
void coa_net_init_bias(coa_net *n, rng_t *r, double bias_range);
size_t coa_layer_params(const coa_layer *l);

/* Several networks in one file (an actor and its critic): magic "SYNCOAG\0",
 * version, count, then per network its shape, unit kinds, var, temp and
 * parameters; little-endian, trailing CRC, written atomically. */
syn_status coa_nets_save(const coa_net *const *nets, int count, const char *path, syn_err *e);
/* Loads exactly `count` networks (created here; destroy them). */
syn_status coa_nets_load(coa_net *nets, int count, const char *path, syn_err *e);

/* ---- learners ---- */
typedef enum {
  COA_RULE_REINFORCE = 0, /* every unit: REINFORCE with the global reward */
  COA_RULE_WEIGHTMAX,     /* hidden units: R_i = sum_j 2 w_ij e_ij R_j from the layer above */
  COA_RULE_MAPPROP,       /* N steps of energy descent on hidden values, then REINFORCE */
  COA_RULE_BACKPROP,      /* exact gradient through deterministic hidden units */
  COA_RULE_STE            /* Bernoulli hidden units, gradient through sigma'(pot) */
} coa_rule;
const char *coa_rule_name(coa_rule r);

typedef struct coa_config {
  coa_rule rule;
  int batch;                /* rows: independent environments */
  double lambda, gamma;     /* traces: e <- lambda*gamma*e + grad */
  double lr_start[COA_MAX_LAYERS], lr_end[COA_MAX_LAYERS];
  long end_t;               /* linear annealing start -> end over end_t updates (0: constant) */
  int map_steps;            /* MAP propagation: N (0 is Global REINFORCE) */
  double adam_b1, adam_b2, adam_eps;
  /* > 0: Adam's bias correction only for the first adam_correct_until steps
   * of a layer (the authors' optimiser stops correcting at 1000); 0: always */
  long adam_correct_until;
  /* Softmax output with N-1 free logits: the last action's logit is held at
   * 0 (its weights are zeroed when the learner is created and never change).
   * The weight_max code's parameterisation; for two actions it is one
   * Bernoulli-logistic output unit. */
  bool fix_last_logit;
} coa_config;

void coa_config_default(coa_config *c); /* batch 1, Adam 0.9/0.999/1e-8 */

/* Per-row state of the last forward pass. x[0] is the input, x[l+1] the
 * values of layer l (the action, for a policy output); gz[l] is
 * d log p(value of layer l) / d(x.W + b), the REINFORCE eligibility g (the
 * backpropagated gradient under BACKPROP/STE; dV/dz for a value output). */
typedef struct coa_learner {
  coa_net *net;            /* not owned */
  coa_config cfg;
  int batch;
  long t;                  /* updates applied */
  double *x[COA_MAX_LAYERS + 1], *pot[COA_MAX_LAYERS], *mean[COA_MAX_LAYERS],
      *gz[COA_MAX_LAYERS], *R[COA_MAX_LAYERS], *gh[COA_MAX_LAYERS],
      *dmu[COA_MAX_LAYERS]; /* d mean / d pot */
  int *action;             /* softmax outputs: the sampled index per row */
  double *trace;           /* batch rows x n_params, laid out like params */
  double *grad, *adam_m, *adam_v; /* n_params each; grad: the last update's mean gradient */
  long adam_t[COA_MAX_LAYERS];
  double *buf;             /* one allocation behind all of the above */
} coa_learner;

syn_status coa_learner_create(coa_learner *L, coa_net *net, const coa_config *c, syn_err *e);
void coa_learner_destroy(coa_learner *L);

/* Forward pass over the batch (obs: batch x in): hidden values are sampled
 * (or deterministic), the policy output is sampled into x[n_layers] (and
 * action[] for softmax). Under MAPPROP the hidden values are then moved by
 * map_steps steps of energy descent with the action fixed. Finally the
 * eligibilities gz are computed and added into the traces. */
void coa_learner_act(coa_learner *L, const double *obs, rng_t *rng);
/* A value network (linear output): V per row; with trace, dV/dparams is added
 * into the traces (TD(lambda)); without, the state is only overwritten (V(s')
 * after the traces of V(s) were taken). Hidden units must be deterministic. */
void coa_learner_value(coa_learner *L, const double *obs, double *v, bool trace);
/* A MAP-propagation value network (Gaussian hidden units, Gaussian linear
 * output; rule MAPPROP): every layer is sampled and V is the output's mean
 * given the sampled hidden values. With trace, the hidden values then take
 * map_steps steps with the sampled output fixed, and the eligibilities,
 * divided per row by (v - mean) of the output, are added into the traces:
 * the output layer's share is then d mean/d params / var, so that an update
 * with the TD error moves the mean towards the target (the map_prop code's
 * critic). A row with v == mean exactly adds nothing. */
void coa_learner_value_map(coa_learner *L, const double *obs, double *v, bool trace, rng_t *rng);
/* The update with reward r[row]: layer by layer from the top, grad =
 * mean over rows of trace * R_layer, an Adam ascent step at the annealed
 * rate; under WEIGHTMAX the reward of the layer below is then computed from
 * the already-updated weights. */
void coa_learner_learn(coa_learner *L, const double *r);
void coa_learner_reset_row(coa_learner *L, int row); /* zero a row's traces */
double coa_learner_lr(const coa_learner *L, int layer); /* the current annealed rate */

/* ---- pieces exposed for tests ---- */
/* Recomputes pot, mean and gz of every layer from the current values x[]
 * (the actions in x[n_layers] / action[] stay fixed). */
void coa_learner_refresh(coa_learner *L);
/* The eligibilities of the current values (backpropagated under BACKPROP /
 * STE), added into the traces: the last part of coa_learner_act. */
void coa_learner_eligibility(coa_learner *L);
/* One synchronous MAP-propagation step on the hidden values of all rows. */
void coa_learner_map_step(coa_learner *L);
/* log p(hidden values, action | input) of one row: the negative energy. */
double coa_learner_log_joint(coa_learner *L, int row);
/* Its gradient with respect to the hidden values of layer l (< n_layers-1),
 * into gh[l] (batch x width). */
void coa_learner_energy_grad(coa_learner *L);
/* log pi(action | obs) with deterministic hidden units (BACKPROP). */
double coa_learner_log_policy(coa_learner *L, int row);

/* ---- checkpoints (src/learn/coagent_ckpt.c) ----
 * A learner's whole state as one section NAME: its network's shape, unit
 * kinds and parameters, the rule, the traces of every row, the Adam moments
 * and step counts, the update count (the annealing position) and the last
 * gradient. The per-step buffers (values, potentials, eligibilities) are
 * not saved: every step rewrites them before reading. */
void coa_learner_save(const coa_learner *L, ckpt_writer *w, const char *name);
/* Into a learner created with the same network shape, rule and batch: a
 * one-line error naming the section if the checkpoint does not fit. */
syn_status coa_learner_load(coa_learner *L, const ckpt_file *f, const char *name, syn_err *e);

double coa_softplus(double x);
double coa_sigmoid(double x);
double coa_normal(rng_t *r);

#ifdef __cplusplus
}
#endif
#endif
