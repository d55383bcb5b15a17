/* A coagent rule written outside the library: Weight Maximization, whose
 * hidden units are rewarded by how much their outgoing weights grow,
 * R_i = sum_j 2 w_ij e_ij R_j (e: the trace of w_ij, R_j: the reward of the
 * unit above), re-implemented with the public coagent learner only. It is
 * trained on the 6-bit multiplexer (one-step episodes: +1 for the right bit,
 * -1 for the wrong one) by the library's rl run, beside the built-in
 * weightmax with the same settings.
 *
 * Built and run by ctest (example_own_coagent_rule); exits non-zero if the
 * rule does not learn the task or differs from the built-in. */
#include "synrl/train.h"

#include <stdio.h>

/* The hook: fill L->R[layer] (batch rows x width) for a hidden layer, once
 * the layer above (layer + 1) has been updated. The traces are laid out like
 * the parameters: row r's trace of w_ij of layer l is
 * trace[r * n_params + offset[l] + i * out + j]. */
static void grow_reward(coa_learner *L, int layer, const double *reward) {
  (void)reward; /* only the output layer takes the global reward */
  const coa_net *n = L->net;
  const coa_layer *up = &n->layer[layer + 1];
  for (int r = 0; r < L->batch; r++) {
    const double *trace = L->trace + (size_t)r * n->n_params + n->offset[layer + 1];
    const double *r_up = L->R[layer + 1] + (size_t)r * up->out;
    for (int i = 0; i < up->in; i++) {
      double s = 0;
      for (int j = 0; j < up->out; j++) s += up->w[i * up->out + j] * trace[i * up->out + j] * r_up[j];
      L->R[layer][(size_t)r * up->in + i] = 2.0 * s;
    }
  }
}

static bool stochastic(coa_unit u) { return u == COA_BERNOULLI || u == COA_GAUSSIAN; }

static const coa_rule_def my_weightmax = {
    .name = "my-weightmax",
    .summary = "Weight Maximization, written outside the library",
    .hidden_unit = COA_BERNOULLI,
    .accepts = stochastic,
    .unit_reward = grow_reward,
};

static int train(coa_rule rule, agent_outcome *o) {
  agent_setup s;
  agent_setup_default(&s);
  s.env = "multiplexer6";
  s.critic = false; /* one-step episodes: the reward itself */
  s.rule = rule;
  s.episodes = 20000;
  s.hidden[0] = 32;
  s.hidden[1] = 16;
  const double lr[3] = {0.01, 1e-3, 1e-3};
  for (int l = 0; l < 3; l++) s.lr[l] = s.lr_end[l] = lr[l];
  s.seed = 7;
  s.eval_episodes = 1000;
  syn_err e;
  if (agent_setup_run(&s, o, &e)) {
    fprintf(stderr, "own_coagent_rule: %s\n", e.msg);
    return 1;
  }
  printf("%-13s average reward over training %+.3f, final actor %+.3f (%ld samples)\n", coa_rule_name(rule),
         o->train.avg_return, o->eval_return, o->eval_episodes);
  return 0;
}

int main(void) {
  agent_outcome mine, builtin;
  if (train(&my_weightmax, &mine) || train(COA_RULE_WEIGHTMAX, &builtin)) return 1;
  const bool learned = mine.eval_return > 0.6; /* chance is 0 */
  const bool same = mine.actor_fnv1a64 == builtin.actor_fnv1a64;
  printf("learned: %s; the same weights as the built-in rule: %s\n", learned ? "yes" : "no", same ? "yes" : "no");
  agent_outcome_free(&mine);
  agent_outcome_free(&builtin);
  return learned && same ? 0 : 1;
}
