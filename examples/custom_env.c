/* A user environment plugged into synrl: a corridor of `length` cells. The
 * agent starts in a random cell of the left half and steps left (action 0) or
 * right (action 1); each step costs 0.01, reaching the right end pays +1 and
 * ends the episode; 50-step limit. Any env_def like this one works with
 * everything that takes an `env`; the agent trainer takes it as
 * agent_config.env_def or agent_setup.env_def (examples/own_env_agent.c).
 *
 * Built and run by ctest (example_custom_env); exits non-zero if the
 * environment does not behave as described. */
#include "synrl/env.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct corridor {
  int length;
  int pos;
} corridor;

static syn_status corridor_create(env *v, const env_config *c, syn_err *e) {
  const int length = c->user ? *(const int *)c->user : 10;
  if (length < 2) return syn_err_set(e, SYN_ERR_ARG, "corridor: length %d must be at least 2", length);
  /* observation: the position scaled to [0, 1] */
  syn_status s = env_space_box(&v->obs, 1, 0.0, 1.0, e);
  if (s) return s;
  env_space_discrete(&v->act, 2);
  corridor *p = calloc(1, sizeof *p);
  if (!p) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  p->length = length;
  v->state = p;
  return SYN_OK;
}

static void corridor_destroy(env *v) { free(v->state); }

static syn_status corridor_reset(env *v, double *obs, syn_err *e) {
  corridor *p = v->state;
  p->pos = (int)rng_below(&v->rng, (uint64_t)(p->length / 2)); /* the env's own stream */
  obs[0] = (double)p->pos / (p->length - 1);
  return SYN_OK;
}

static syn_status corridor_step(env *v, int action, const double *action_vec, double *obs,
                                env_result *r, syn_err *e) {
  corridor *p = v->state;
  p->pos += action == 1 ? 1 : -1;
  if (p->pos < 0) p->pos = 0;
  obs[0] = (double)p->pos / (p->length - 1);
  r->terminated = p->pos == p->length - 1;
  r->reward = (r->terminated ? 1.0 : 0.0) - 0.01;
  return SYN_OK; /* env_step sets r->truncated from the time limit */
}

static const env_def corridor_def = {
    .name = "corridor",
    .summary = "walk right to the end of a corridor",
    .max_steps = 50,
    .create = corridor_create,
    .destroy = corridor_destroy,
    .reset = corridor_reset,
    .step = corridor_step,
};

int main(void) {
  syn_err e;
  env_config c;
  env_config_default(&c);
  c.seed = 42;
  int length = 12;
  c.user = &length;
  env v;
  if (env_create_def(&v, &corridor_def, &c, &e)) {
    fprintf(stderr, "custom_env: %s\n", e.msg);
    return 1;
  }
  double obs[1];
  env_result r;
  int bad = 0;
  for (int episode = 0; episode < 3; episode++) {
    if (env_reset(&v, obs, &e)) break;
    const int start = (int)(obs[0] * (length - 1) + 0.5);
    double ret = 0;
    do {
      if (env_step(&v, 1, obs, &r, &e)) { /* always right */
        fprintf(stderr, "custom_env: %s\n", e.msg);
        return 1;
      }
      ret += r.reward;
    } while (!r.terminated && !r.truncated);
    /* length - 1 - start steps to the end, 0.01 each, +1 at the end */
    const double expect = 1.0 - 0.01 * (length - 1 - start);
    printf("episode %d: start %d, %ld steps, return %.2f (expected %.2f)\n", episode, start, v.t,
           ret, expect);
    bad |= !r.terminated || ret < expect - 1e-9 || ret > expect + 1e-9;
  }
  /* always left never arrives: the 50-step limit ends it */
  env_reset(&v, obs, &e);
  do env_step(&v, 0, obs, &r, &e);
  while (!r.terminated && !r.truncated);
  printf("always left: %ld steps, truncated %d\n", v.t, r.truncated);
  bad |= !r.truncated || v.t != 50;
  env_destroy(&v);
  return bad;
}
