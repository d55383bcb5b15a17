/* MountainCarContinuous-v0 (Moore 1990, Gym's continuous version): force
 * a in [-1, 1] (clipped), v += 0.0015 a - 0.0025 cos(3 x) clipped to +-0.07,
 * x += v clipped to [-1.2, 0.6] (v = 0 at the left wall when moving left),
 * goal x >= 0.45 with v >= 0: +100. Every step costs 0.1 a^2 where, as in Gym,
 * a is the action as given (before clipping). 999-step limit; start x ~
 * U(-0.6, -0.4), v = 0. */
#include "env_impl.h"

#include <math.h>
#include <stdlib.h>

#define MC_MIN_POS (-1.2)
#define MC_MAX_POS 0.6
#define MC_MAX_SPEED 0.07
#define MC_GOAL_POS 0.45
#define MC_GOAL_VEL 0.0
#define MC_POWER 0.0015

typedef struct mc_state {
  double pos, vel;
} mc_state;

static syn_status mc_create(env *v, const env_config *c, syn_err *e) {
  syn_status st = env_space_box(&v->obs, 2, 0, 0, e);
  if (st) return st;
  v->obs.low[0] = MC_MIN_POS;
  v->obs.high[0] = MC_MAX_POS;
  v->obs.low[1] = -MC_MAX_SPEED;
  v->obs.high[1] = MC_MAX_SPEED;
  st = env_space_box(&v->act, 1, -1.0, 1.0, e);
  if (st) return st;
  v->state = calloc(1, sizeof(mc_state));
  if (!v->state) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  return SYN_OK;
}

static void mc_destroy(env *v) { free(v->state); }

static syn_status mc_reset(env *v, double *obs, syn_err *e) {
  mc_state *p = v->state;
  p->pos = rng_uniform_range(&v->rng, -0.6, -0.4);
  p->vel = 0;
  obs[0] = p->pos;
  obs[1] = p->vel;
  return SYN_OK;
}

static syn_status mc_step(env *v, int action, const double *vec, double *obs, env_result *r,
                          syn_err *e) {
  mc_state *p = v->state;
  const double a = vec[0];
  const double force = fmin(fmax(a, -1.0), 1.0);
  double vel = p->vel + force * MC_POWER - 0.0025 * cos(3 * p->pos);
  if (vel > MC_MAX_SPEED) vel = MC_MAX_SPEED;
  if (vel < -MC_MAX_SPEED) vel = -MC_MAX_SPEED;
  double pos = p->pos + vel;
  if (pos > MC_MAX_POS) pos = MC_MAX_POS;
  if (pos < MC_MIN_POS) pos = MC_MIN_POS;
  if (pos == MC_MIN_POS && vel < 0) vel = 0;
  p->pos = pos;
  p->vel = vel;
  obs[0] = pos;
  obs[1] = vel;
  r->terminated = pos >= MC_GOAL_POS && vel >= MC_GOAL_VEL;
  r->reward = (r->terminated ? 100.0 : 0.0) - 0.1 * a * a;
  return SYN_OK;
}

/* checkpoints: position and velocity */
static void mc_save(const env *v, ckpt_writer *w) {
  const mc_state *p = v->state;
  ckpt_put_f64(w, p->pos);
  ckpt_put_f64(w, p->vel);
}

static syn_status mc_load(env *v, ckpt_sec *s, syn_err *e) {
  mc_state *p = v->state;
  const double pos = ckpt_get_f64(s), vel = ckpt_get_f64(s);
  if (s->err) return SYN_OK; /* the caller reports the truncation */
  if (!(pos >= MC_MIN_POS && pos <= MC_MAX_POS && fabs(vel) <= MC_MAX_SPEED))
    return ckpt_sec_fail(s, e, "mountaincar state out of range");
  p->pos = pos;
  p->vel = vel;
  return SYN_OK;
}

const env_def env_def_mountaincar_cont = {
    .name = "mountaincar-continuous",
    .alias = "MountainCarContinuous-v0",
    .summary = "underpowered car, force in [-1, 1]; -0.1 a^2 per step, +100 at the goal, 999-step limit",
    .max_steps = 999,
    .create = mc_create,
    .destroy = mc_destroy,
    .reset = mc_reset,
    .step = mc_step,
    .save = mc_save,
    .load = mc_load,
};
