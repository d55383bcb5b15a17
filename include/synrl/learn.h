/* synrl learning rules. Each rule is one file behind learn_rule; the training
 * driver (data layer) only sees this interface. */
#ifndef SYNRL_LEARN_H
#define SYNRL_LEARN_H

#include "synrl/nn.h"
#include "synrl/ckpt.h"

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

/* ===================== synaptic-level RL (learn/synrl.c) ===================== */

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
/* Draws every synapse's action for this iteration (shared by all paths);
 * updates hist, steps and delta. Exposed for tests. */
void synrl_choose_actions(synrl_trainer *t);

/* ===================== gradient descent (learn/gd.c) ===================== */
typedef struct gd_config {
  double lr;
} gd_config;

syn_status gd_create(learn_rule **out, nn_mlp *net, nn_loss loss, const gd_config *cfg,
                     size_t max_batch, syn_err *e);

#ifdef __cplusplus
}
#endif
#endif
