/* CartPole-v1 (Barto, Sutton & Anderson 1983, as defined by Gym/Gymnasium):
 * explicit Euler with tau = 0.02, force +-10, failure beyond 12 degrees or
 * 2.4 m, reward 1 on every step including the failing one, 500-step limit,
 * start state U(-0.05, 0.05)^4. Computed in double precision (Gym returns
 * float32 observations of a float64 state). */
#include "env_impl.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define CP_GRAVITY 9.8
#define CP_MASS_CART 1.0
#define CP_MASS_POLE 0.1
#define CP_TOTAL_MASS (CP_MASS_CART + CP_MASS_POLE)
#define CP_HALF_LENGTH 0.5
#define CP_POLE_MASS_LENGTH (CP_MASS_POLE * CP_HALF_LENGTH)
#define CP_FORCE 10.0
#define CP_TAU 0.02
#define CP_THETA_LIMIT (12.0 * 2.0 * ENV_PI / 360.0)
#define CP_X_LIMIT 2.4

typedef struct cp_state {
  double s[4]; /* x, x_dot, theta, theta_dot */
} cp_state;

static syn_status cp_create(env *v, const env_config *c, syn_err *e) {
  syn_status st = env_space_box(&v->obs, 4, 0, 0, e);
  if (st) return st;
  /* Gym's bounds: twice the failure thresholds, float32 max for the velocities */
  const double hi[4] = {2 * CP_X_LIMIT, FLT_MAX, 2 * CP_THETA_LIMIT, FLT_MAX};
  for (int i = 0; i < 4; i++) {
    v->obs.low[i] = -hi[i];
    v->obs.high[i] = hi[i];
  }
  env_space_discrete(&v->act, 2);
  v->state = calloc(1, sizeof(cp_state));
  if (!v->state) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  return SYN_OK;
}

static void cp_destroy(env *v) { free(v->state); }

static syn_status cp_reset(env *v, double *obs, syn_err *e) {
  cp_state *p = v->state;
  for (int i = 0; i < 4; i++) obs[i] = p->s[i] = rng_uniform_range(&v->rng, -0.05, 0.05);
  return SYN_OK;
}

static syn_status cp_step(env *v, int action, const double *vec, double *obs, env_result *r,
                          syn_err *e) {
  cp_state *p = v->state;
  double x = p->s[0], x_dot = p->s[1], th = p->s[2], th_dot = p->s[3];
  const double force = action == 1 ? CP_FORCE : -CP_FORCE;
  const double c = cos(th), s = sin(th);
  const double temp = (force + CP_POLE_MASS_LENGTH * th_dot * th_dot * s) / CP_TOTAL_MASS;
  const double th_acc = (CP_GRAVITY * s - c * temp) /
                        (CP_HALF_LENGTH * (4.0 / 3.0 - CP_MASS_POLE * c * c / CP_TOTAL_MASS));
  const double x_acc = temp - CP_POLE_MASS_LENGTH * th_acc * c / CP_TOTAL_MASS;
  /* Euler: positions advance with the old velocities */
  x += CP_TAU * x_dot;
  x_dot += CP_TAU * x_acc;
  th += CP_TAU * th_dot;
  th_dot += CP_TAU * th_acc;
  p->s[0] = x;
  p->s[1] = x_dot;
  p->s[2] = th;
  p->s[3] = th_dot;
  for (int i = 0; i < 4; i++) obs[i] = p->s[i];
  r->terminated = x < -CP_X_LIMIT || x > CP_X_LIMIT || th < -CP_THETA_LIMIT || th > CP_THETA_LIMIT;
  r->reward = 1.0;
  return SYN_OK;
}

/* checkpoints: the four state variables */
static void cp_save(const env *v, ckpt_writer *w) {
  const cp_state *p = v->state;
  ckpt_put_f64s(w, p->s, 4);
}

static syn_status cp_load(env *v, ckpt_sec *s, syn_err *e) {
  cp_state *p = v->state;
  double x[4];
  ckpt_get_f64s(s, x, 4);
  for (int i = 0; i < 4 && !s->err; i++)
    if (!isfinite(x[i])) return ckpt_sec_fail(s, e, "cartpole state not finite");
  for (int i = 0; i < 4; i++) p->s[i] = x[i];
  return SYN_OK;
}

const env_def env_def_cartpole = {
    .name = "cartpole",
    .alias = "CartPole-v1",
    .summary = "pole on a cart, push left/right; +1 per step, 500-step limit",
    .max_steps = 500,
    .create = cp_create,
    .destroy = cp_destroy,
    .reset = cp_reset,
    .step = cp_step,
    .save = cp_save,
    .load = cp_load,
};
