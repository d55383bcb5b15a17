/* An environment written outside the library, trained on by the library's
 * rl run (agent_setup_run: the agent trainer, then a final evaluation).
 *
 * The task, "echo": each step shows a cue, +1 or -1; the agent earns +1 for
 * the action that matches it (action 1 for +1, action 0 for -1) and -1 for
 * the other; 20 steps an episode (the time limit). A random policy scores 0
 * on average, a perfect one 20.
 *
 * Built and run by ctest (example_own_env_agent); exits non-zero if the
 * agent does not learn the task. */
#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct echo {
  int cue; /* the action that pays now */
} echo;

static syn_status echo_create(env *v, const env_config *c, syn_err *e) {
  (void)c;
  syn_status s = env_space_box(&v->obs, 1, -1.0, 1.0, e); /* the cue */
  if (s) return s;
  env_space_discrete(&v->act, 2);
  v->state = calloc(1, sizeof(echo));
  return v->state ? SYN_OK : syn_err_set(e, SYN_ERR_NOMEM, "echo: out of memory");
}

static void echo_destroy(env *v) { free(v->state); }

/* a new cue from the environment's own stream, so that a seed fixes it */
static void next_cue(env *v, double *obs) {
  echo *p = v->state;
  p->cue = rng_uniform(&v->rng) < 0.5 ? 0 : 1;
  obs[0] = p->cue ? 1.0 : -1.0;
}

static syn_status echo_reset(env *v, double *obs, syn_err *e) {
  (void)e;
  next_cue(v, obs);
  return SYN_OK;
}

static syn_status echo_step(env *v, int action, const double *action_vec, double *obs, env_result *r,
                            syn_err *e) {
  (void)action_vec;
  (void)e;
  const echo *p = v->state;
  r->reward = action == p->cue ? 1.0 : -1.0;
  r->terminated = false; /* env_step ends the episode at the time limit */
  next_cue(v, obs);
  return SYN_OK;
}

static const env_def echo_def = {
    .name = "echo",
    .summary = "repeat the cue: +1 for the matching action, -1 otherwise",
    .max_steps = 20,
    .create = echo_create,
    .destroy = echo_destroy,
    .reset = echo_reset,
    .step = echo_step,
};

int main(void) {
  agent_setup s;
  agent_setup_default(&s); /* Weight Max, 64-32 Bernoulli units, a critic */
  s.env_def = &echo_def;
  s.episodes = 400;
  s.hidden[0] = 16;
  s.hidden[1] = 8;
  s.critic_hidden[0] = 16;
  s.critic_hidden[1] = 8;
  s.seed = 3;
  s.eval_episodes = 50;
  agent_outcome o;
  syn_err e;
  if (agent_setup_run(&s, &o, &e)) {
    fprintf(stderr, "own_env_agent: %s\n", e.msg);
    return 1;
  }
  printf("echo: %ld training episodes, average return %.2f; final actor %.2f over %ld episodes (random: 0, "
         "best: 20)\n",
         o.train.episodes, o.train.avg_return, o.eval_return, o.eval_episodes);
  const bool learned = o.eval_return > 15;
  agent_outcome_free(&o);
  printf("learned: %s\n", learned ? "yes" : "no");
  return learned ? 0 : 1;
}
