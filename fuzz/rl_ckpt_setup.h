/* The small RL runs whose checkpoints fuzz_rlckpt resumes (and
 * gen_rlckpt_seeds writes for its corpus): a Weight Max actor with a critic
 * on CartPole (batch 2, mid-episode rows), MAP propagation on the 6-bit
 * multiplexer (batch 3), and backprop on MountainCar (Gaussian output). */
#ifndef SYNRL_FUZZ_RL_CKPT_SETUP_H
#define SYNRL_FUZZ_RL_CKPT_SETUP_H

#include "synrl/train.h"

#include <string.h>

enum { FZR_CARTPOLE, FZR_MUX, FZR_MOUNTAINCAR, FZR_N_KINDS };
static const char *const fzr_kind_names[FZR_N_KINDS] = {"rl-cartpole", "rl-mux6", "rl-mountaincar"};

static inline void fzr_setup(agent_config *c, int kind) {
  memset(c, 0, sizeof *c);
  static const char *const envs[FZR_N_KINDS] = {"cartpole", "multiplexer6", "mountaincar-continuous"};
  static const coa_rule rules[FZR_N_KINDS] = {COA_RULE_WEIGHTMAX, COA_RULE_MAPPROP, COA_RULE_BACKPROP};
  c->env_name = envs[kind];
  env_config_default(&c->env);
  c->env.max_steps = 40; /* short episodes: a resumed run must end soon */
  c->n_hidden = 2;
  c->hidden[0] = 4;
  c->hidden[1] = 3;
  c->hidden_unit = kind == FZR_MUX ? COA_GAUSSIAN : kind == FZR_MOUNTAINCAR ? COA_SOFTPLUS : COA_BERNOULLI;
  for (int l = 0; l < COA_MAX_LAYERS; l++) c->var[l] = 0.1;
  c->hidden_temp = c->temp = 1;
  coa_config_default(&c->actor);
  c->actor.rule = rules[kind];
  c->actor.batch = kind == FZR_CARTPOLE ? 2 : kind == FZR_MUX ? 3 : 1;
  c->actor.lambda = 0.5;
  c->actor.map_steps = 2;
  c->actor.end_t = 30;
  c->critic_n_hidden = 1;
  c->critic_hidden[0] = 3;
  coa_config_default(&c->critic);
  c->use_critic = kind != FZR_MUX;
  c->episodes = kind == FZR_MUX ? 30 : 6;
  c->seed = 3;
  c->ckpt_config = fzr_kind_names[kind];
}

/* Resumes each run from path. Returns how many ran to their end, or -1 if
 * one broke a property: a run that loads must reach its episode count, an
 * error must say something. */
static inline int fzr_resume_all(const char *path) {
  int resumed = 0;
  for (int k = 0; k < FZR_N_KINDS; k++) {
    agent_config c;
    fzr_setup(&c, k);
    c.resume_path = path;
    coa_net a, cr;
    agent_result res;
    syn_err e = {0};
    if (agent_run(&c, &a, &cr, &res, &e) == SYN_OK) {
      coa_net_destroy(&a);
      if (c.use_critic) coa_net_destroy(&cr);
      if (res.episodes != c.episodes) return -1;
      resumed++;
    } else if (!e.msg[0]) {
      return -1;
    }
  }
  return resumed;
}

#endif
