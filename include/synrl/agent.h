/* synrl RL training driver (env layer): a coagent actor (synrl/coagent.h),
 * optionally with a TD(lambda) critic, trained on a batch of independent
 * environments (synrl/env.h). The published metric is the average return
 * over all training episodes. */
#ifndef SYNRL_AGENT_H
#define SYNRL_AGENT_H

#include "synrl/coagent.h"
#include "synrl/env.h"

#include <signal.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct agent_progress {
  long episodes, target_episodes, steps;
  double avg_return;    /* over all finished episodes */
  double recent_return; /* over the last (up to) 100 */
  double elapsed, eta;  /* seconds */
  bool final;
} agent_progress;

typedef struct agent_config {
  const char *env_name;
  env_config env;         /* its seed is replaced by one drawn from `seed` per batch row */
  int n_hidden;           /* hidden layers (1..COA_MAX_LAYERS-1) */
  int hidden[COA_MAX_LAYERS];
  coa_unit hidden_unit;   /* Bernoulli, Gaussian or deterministic, matching the rule */
  double var[COA_MAX_LAYERS]; /* per layer: hidden Gaussian variances, then the output's */
  double hidden_temp, temp;   /* temperature of the hidden layers and of the output */
  coa_config actor;       /* rule, batch, lambda, gamma, rates, MAP steps, Adam */
  double init_bias;       /* biases of both networks ~ U(+-init_bias) (0: zero) */
  bool use_critic;        /* without: the reward itself is every unit's reward */
  int critic_n_hidden;
  int critic_hidden[COA_MAX_LAYERS];
  /* rule MAPPROP: Gaussian hidden units and a
   * Gaussian linear output with the variances critic_var, trained as in
   * coa_learner_value_map; any other rule: deterministic softplus hidden
   * units and a linear output, TD(lambda) by backprop. batch/gamma are
   * taken from actor. */
  coa_config critic;
  double critic_var[COA_MAX_LAYERS];
  double reward_clip;     /* > 0: rewards clipped to +-clip for learning only */
  /* continuous actions: the environment gets clip(action_scale * a +
   * action_shift) to its bounds (action_scale 0: a as sampled, unclipped) */
  double action_scale, action_shift;
  long episodes;
  uint64_t seed;
  /* optional callbacks */
  void (*on_episode)(void *user, long episode, long steps, double ret);
  void (*on_progress)(void *user, const agent_progress *p);
  void *user;
  double progress_every; /* seconds between progress calls (0: 1 s) */
  /* Checkpoints (all optional): the whole state of the run -- networks,
   * traces, Adam state and annealing position, every random stream, each
   * environment's state, episode counters, returns so far and the caller's
   * own sections (on_save) -- written atomically at a step boundary, so that
   * a resumed run ends bit-identical to one that never stopped. An
   * environment without save/load hooks (lunarlander) is checkpointed only
   * when every row has just been reset: its reset is replayed from the saved
   * rng on resume (batch 1: after every episode; batch > 1: only when all
   * rows end together). */
  const char *ckpt_path;     /* written here (NULL: never) */
  long ckpt_every;           /* after every this many episodes (0: not by count) */
  double ckpt_every_s;       /* ... or once this many seconds passed since the last (0: not by time) */
  const char *ckpt_config;   /* settings that fix the run: stored in section run.config, and a
                                checkpoint with other settings is refused on resume (NULL: none) */
  const char *resume_path;   /* continue from this checkpoint (NULL: start afresh) */
  const volatile sig_atomic_t *stop; /* polled every step; non-zero: checkpoint, return */
  /* the caller's own state (e.g. its CSV so far) as sections of its own */
  void (*on_save)(void *user, ckpt_writer *w);
  syn_status (*on_load)(void *user, const ckpt_file *f, syn_err *e);
} agent_config;

typedef struct agent_result {
  long episodes, steps;
  double avg_return, recent_return;
  double seconds, cpu_seconds;     /* including the time before a resume */
  bool interrupted;    /* stopped by c->stop; a checkpoint was written if ckpt_path was set and
                          the rows can be saved (not: an env without hooks at batch > 1) */
  long resumed_at;     /* episodes the resumed checkpoint had done (0: none) */
  long checkpoints;    /* checkpoints written by this call */
  double ckpt_seconds; /* wall time spent writing them */
  size_t ckpt_bytes;   /* size of the last one */
} agent_result;

/* The TD error of one transition: r + gamma V(s')(1 - terminated) - V(s),
 * and 0 on a time-limit truncation (not terminal). (The reference's "0 on
 * the first step after a reset" is, in the authors' code, the idle step in
 * which their batched environments reset; a synrl environment resets
 * without one, so every real transition learns.) */
double agent_td_delta(double r, double v_s, double v_next, double gamma, bool terminated,
                      bool truncated);

/* Trains (or, with resume_path, continues). On success (interrupted or not) the networks are created in *actor (and *critic when
 * use_critic); destroy them with coa_net_destroy. */
syn_status agent_run(const agent_config *c, coa_net *actor, coa_net *critic, agent_result *res,
                     syn_err *e);

#ifdef __cplusplus
}
#endif
#endif
