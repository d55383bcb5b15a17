/* synrl learning rules. Each rule is one file behind learn_rule; the training
 * driver (data layer) only sees this interface. */
#ifndef SYNRL_LEARN_H
#define SYNRL_LEARN_H

#include "synrl/nn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What one iteration reports. */
typedef struct learn_step_info {
  double loss;   /* loss on the current batch (synaptic RL: after the step; GD: before) */
  int reward;    /* synaptic RL: +1 / -1; 0 for rules without one */
} learn_step_info;

typedef struct learn_rule learn_rule;
struct learn_rule {
  const char *name;
  nn_mlp *net;   /* the network being trained; its params are current after each step */
  nn_loss loss;
  /* Called before the first step and whenever the driver draws a new batch. */
  syn_status (*set_batch)(learn_rule *r, const nn_batch *b, syn_err *e);
  syn_status (*step)(learn_rule *r, long iter, learn_step_info *info, syn_err *e);
  /* Optional: makes net->params current (rules that keep weights elsewhere). */
  void (*sync)(learn_rule *r);
  void (*destroy)(learn_rule *r);
  /* Optional: the rule's whole state as checkpoint sections named after the
   * rule ("NAME.*"), and back. A rule without them cannot be checkpointed.
   * load runs on a freshly created rule of the same configuration, before
   * its first set_batch; it refuses a state that does not fit. */
  syn_status (*save)(learn_rule *r, ckpt_writer *w, syn_err *e);
  syn_status (*load)(learn_rule *r, const ckpt_file *f, syn_err *e);
};

static inline void learn_rule_sync(learn_rule *r) {
  if (r->sync) r->sync(r);
}

static inline void learn_rule_destroy(learn_rule *r) {
  if (r && r->destroy) r->destroy(r);
}

/* ===================== synaptic-level RL (learn/synrl.c; the policy table:
 * learn/synrl_policy.c) ===================== */

/* Codes (the authors'): action 0 = decrease, 1 = null, 2 = increase;
 * reward 0 = -1, 1 = none yet, 2 = +1. */
enum { SYNRL_DEC = 0, SYNRL_NULL = 1, SYNRL_INC = 2 };
enum { SYNRL_R_NEG = 0, SYNRL_R_NONE = 1, SYNRL_R_POS = 2 };
#define SYNRL_N_STATES 81
#define SYNRL_N_Q 243

/* One shared Q table. q[a + 3*s], s = a2 + 3*a1 + 9*r2 + 27*r1 where a2, a1 are
 * the synapse's actions at t-2 and t-1 and r2, r1 the global rewards: the flat
 * index of the authors' column-major Q[a, a2, a1, r2, r1]. */
typedef struct synrl_policy {
  double q[SYNRL_N_Q];
} synrl_policy;

int synrl_state_index(int a2, int a1, int r2, int r1);
/* Greedy action; ties go to the lowest index (decrease). */
int synrl_policy_greedy(const synrl_policy *p, int state);
/* Q[s,a] += alpha_q * (R + gamma * max_a' Q[s',a'] - Q[s,a]) */
void synrl_policy_update(synrl_policy *p, int s, int a, double reward, int s_next, double alpha_q,
                         double gamma);
/* Text format: see docs/formats.md. Written atomically. */
syn_status synrl_policy_save(const synrl_policy *p, const char *path, const char *comment,
                             syn_err *e);
syn_status synrl_policy_load(synrl_policy *p, const char *path, syn_err *e);
/* The authors' published table (reference/synrl-golden-policy.tsv): 243 lines
 * "a a2 a1 r2 r1 Q" with 1-based codes. */
syn_status synrl_policy_import_authors(synrl_policy *p, const char *path, syn_err *e);
/* Loads either format, by looking at the first line. */
syn_status synrl_policy_read(synrl_policy *p, const char *path, syn_err *e);

typedef enum {
  SYNRL_PATH_AUTO = 0, /* q8-fast when inputs are 8-bit (VNNI kernel or portable), else general */
  SYNRL_PATH_GENERAL,  /* materialise every weight, forward through BLAS */
  SYNRL_PATH_Q8_REF,   /* 8-bit inputs: first layer as exact integer product, recomputed */
  SYNRL_PATH_Q8_FAST,  /* 8-bit inputs: the same integers, updated incrementally (AVX-512 VNNI) */
  SYNRL_PATH_SMALL     /* small regression networks without BLAS (nn_small; tanh on core_exp) */
} synrl_path;
const char *synrl_path_name(synrl_path p);

typedef struct synrl_config {
  double epsilon;     /* exploration probability, per synapse per iteration */
  double alpha_s;     /* synaptic step */
  double alpha_q;     /* Q-learning rate (adaptive mode) */
  double gamma;       /* discount */
  bool adaptive;      /* true: learn the shared Q table while training */
  int bias_step;      /* steps of the bias synapse in units of alpha_s (1; the authors' code: 2) */
  long halve_at;      /* alpha_s halves from this iteration on (0: never) */
  uint64_t seed;
  synrl_path path;
  bool portable;      /* use the portable kernels even where AVX-512 VNNI is present
                         (same results; for comparison and testing) */
  core_shard *shard;  /* several processes share each batch (NULL: this one alone);
                         every process keeps identical weights without sending them */
} synrl_config;

void synrl_config_default(synrl_config *c);

/* Exploration draws: synapse i at iteration t (0-based) uses the 64-bit draw
 * rng_at(draw_key, t * n_syn + i): its high 32 bits decide exploration, its
 * low 32 bits the random action. Independent of threads and code path. */

/* Open struct: the state of a synaptic-RL run. The weight of synapse i is
 * base[i] + unit * steps[i], exactly; halving alpha_s doubles steps. */
typedef struct synrl_trainer {
  learn_rule rule;       /* first member: a synrl_trainer is a learn_rule */
  synrl_config cfg;
  synrl_policy *policy;  /* shared table; updated in adaptive mode */
  size_t n_syn;          /* == net->n_params */
  double *base;
  int32_t *steps;
  double unit;
  uint8_t *hist;         /* per synapse a2 + 3*a1 + 9*a after a step; the state is hist / 3 */
  int8_t *delta;         /* this iteration's step per synapse, in units (-bias_step..bias_step) */
  int r2, r1;            /* global reward history codes */
  double loss_prev;
  bool have_loss;
  long iter;             /* iterations done */
  long n_pos;            /* rewards +1 so far */
  uint64_t draw_key;
  uint64_t eps_threshold; /* explore iff the high 32 random bits < eps * 2^32 */
  synrl_path path_used;
  const nn_batch *batch;
  nn_ws ws;
  void *q8;              /* state of the 8-bit paths (learn/synrl_q8.c) */
  nn_small *small;       /* state of the small path */
} synrl_trainer;

/* Takes ownership of neither net nor policy. */
syn_status synrl_trainer_create(synrl_trainer **out, nn_mlp *net, nn_loss loss,
                                synrl_policy *policy, const synrl_config *cfg, size_t max_batch,
                                syn_err *e);
/* Writes base + unit * steps into net->params. */
void synrl_trainer_sync_params(synrl_trainer *t);
/* The 8-bit paths: whether the loss runs in the fused tail (softmax-CE,
 * identity output, at most one ReLU/identity hidden layer, <= 16 classes) or
 * the general one, and which kernel runs ("avx512-vnni" or "portable"). */
bool synrl_q8_fused_tail(const synrl_trainer *t);
const char *synrl_q8_kernel_name(const synrl_trainer *t);
/* Draws every synapse's action for this iteration (shared by all paths);
 * updates hist, steps and delta. Exposed for tests. */
void synrl_choose_actions(synrl_trainer *t);

/* ===================== gradient descent (learn/gd.c) ===================== */
typedef struct gd_config {
  double lr;
} gd_config;

syn_status gd_create(learn_rule **out, nn_mlp *net, nn_loss loss, const gd_config *cfg,
                     size_t max_batch, syn_err *e);

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

/* synrl coagent networks: networks whose units are stochastic agents, trained
 * by Global REINFORCE, Weight Maximization or MAP Propagation, beside the
 * backprop and straight-through baselines, with a TD(lambda) critic.
 * (papers/coagent-networks-*.md, reference/coagent-networks.md.)
 *
 * These rules act on vectors: observations in, actions out, a reward per batch
 * row back. They are not supervised learn_rule instances; the agent trainer
 * (synrl/train.h, agent_run) wires them to environments. */

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

/* ---- learners and their rules ----
 * A coagent rule says, per step, three things; the learner does the rest
 * (forward sampling, traces e <- lambda*gamma*e + x (x) g, grad = mean over
 * rows of e * R of the unit a weight feeds, a per-layer Adam ascent step):
 *  - infer: after every layer was sampled (and its local REINFORCE
 *    eligibility gz computed), move the hidden values (MAP propagation);
 *  - eligibility: turn gz into what the traces take (backprop: the exact
 *    gradient through the layers above);
 *  - unit_reward: the reward R[l] of the units of layer l below the top,
 *    computed after layer l+1 was updated (Weight Max: from the outgoing
 *    weights). The top layer always takes the global reward.
 * A hook left NULL is Global REINFORCE's: nothing, the local gz, and the
 * global reward. The built-in rules are instances (coa_rule_reinforce, ...);
 * a user writes a coa_rule_def of their own (examples/own_coagent_rule.c)
 * and sets coa_config.rule to its address. */
typedef struct coa_learner coa_learner;

typedef struct coa_rule_def {
  const char *name;     /* "weightmax"; recorded in summaries and checkpoints */
  const char *summary;  /* one line */
  coa_unit hidden_unit; /* the hidden units a trainer gives the rule unless told otherwise */
  bool (*accepts)(coa_unit hidden);                   /* NULL: any hidden unit */
  void (*infer)(coa_learner *L);                      /* NULL: none */
  void (*eligibility)(coa_learner *L);                /* NULL: gz as computed */
  void (*unit_reward)(coa_learner *L, int layer, const double *r); /* fills L->R[layer]; NULL: r */
  const void *data;     /* the rule's own constants, for its hooks */
} coa_rule_def;

/* A rule is the address of its definition. */
typedef const coa_rule_def *coa_rule;

extern const coa_rule_def coa_rule_reinforce; /* every unit: REINFORCE with the global reward */
extern const coa_rule_def coa_rule_weightmax; /* hidden units: R_i = sum_j 2 w_ij e_ij R_j from above */
extern const coa_rule_def coa_rule_mapprop;   /* map_steps steps of energy descent, then REINFORCE */
extern const coa_rule_def coa_rule_backprop;  /* exact gradient through deterministic hidden units */
extern const coa_rule_def coa_rule_ste;       /* Bernoulli hidden units, gradient through sigma'(pot) */
#define COA_RULE_REINFORCE (&coa_rule_reinforce)
#define COA_RULE_WEIGHTMAX (&coa_rule_weightmax)
#define COA_RULE_MAPPROP (&coa_rule_mapprop)
#define COA_RULE_BACKPROP (&coa_rule_backprop)
#define COA_RULE_STE (&coa_rule_ste)

const char *coa_rule_name(coa_rule r); /* "?" for NULL */
/* The built-in rules, in a fixed order, and by name (NULL: unknown). */
size_t coa_rule_count(void);
coa_rule coa_rule_at(size_t i);
coa_rule coa_rule_find(const char *name);

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
struct coa_learner {
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
};

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
/* The backprop eligibility: each hidden layer's gz becomes the gradient of
 * the top layer's log-probability (or value) through the layers above (the
 * eligibility hook of coa_rule_backprop and coa_rule_ste). */
void coa_learner_backprop_gz(coa_learner *L);

/* ---- the policy alone (evaluation): no rule, no traces ---- */
typedef struct coa_policy_ws {
  double *x[COA_MAX_LAYERS + 1], *pot[COA_MAX_LAYERS], *mean[COA_MAX_LAYERS], *dmu[COA_MAX_LAYERS];
  double *buf;
} coa_policy_ws;
syn_status coa_policy_ws_init(coa_policy_ws *ws, const coa_net *n, syn_err *e);
void coa_policy_ws_free(coa_policy_ws *ws);
/* One observation forward: every layer sampled from rng as coa_learner_act
 * samples it (without MAP steps). Returns the action index of a softmax
 * output, -1 otherwise; the output values are in ws->x[n->n_layers]. */
int coa_policy_sample(const coa_net *n, coa_policy_ws *ws, const double *obs, rng_t *rng);

/* ---- checkpoints (src/learn/coagent_ckpt.c) ----
 * A learner's whole state as one section NAME: its network's shape, unit
 * kinds and parameters, the rule (a built-in's place in coa_rule_at, or a
 * user rule's name hashed with the high bit set), the traces of every row, the Adam moments
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
