/* Acrobot-v1 (Sutton 1996; "book" dynamics of Sutton & Barto as in Gym):
 * two links of mass 1 and length 1, torque -1/0/+1 on the joint between them,
 * one RK4 step of dt = 0.2 per action, angles wrapped to [-pi, pi] and
 * velocities clipped to 4 pi / 9 pi after the step, goal when the tip is more
 * than one link length above the pivot (-cos a - cos(a + b) > 1), reward -1 per
 * step and 0 on the step that reaches the goal, 500-step limit, start state
 * U(-0.1, 0.1)^4. Observation: cos a, sin a, cos b, sin b, a_dot, b_dot. */
#include "env_impl.h"

#include <math.h>
#include <stdlib.h>

#define AB_DT 0.2
#define AB_L1 1.0
#define AB_M1 1.0
#define AB_M2 1.0
#define AB_LC1 0.5
#define AB_LC2 0.5
#define AB_I1 1.0
#define AB_I2 1.0
#define AB_G 9.8
#define AB_MAX_VEL1 (4 * ENV_PI)
#define AB_MAX_VEL2 (9 * ENV_PI)

typedef struct ab_state {
  double s[4]; /* theta1, theta2, dtheta1, dtheta2 */
} ab_state;

/* The time derivative of (theta1, theta2, dtheta1, dtheta2) under torque a. */
static void ab_deriv(const double *s, double a, double *ds) {
  const double t1 = s[0], t2 = s[1], dt1 = s[2], dt2 = s[3];
  const double d1 = AB_M1 * AB_LC1 * AB_LC1 +
                    AB_M2 * (AB_L1 * AB_L1 + AB_LC2 * AB_LC2 + 2 * AB_L1 * AB_LC2 * cos(t2)) + AB_I1 +
                    AB_I2;
  const double d2 = AB_M2 * (AB_LC2 * AB_LC2 + AB_L1 * AB_LC2 * cos(t2)) + AB_I2;
  const double phi2 = AB_M2 * AB_LC2 * AB_G * cos(t1 + t2 - ENV_PI / 2);
  const double phi1 = -AB_M2 * AB_L1 * AB_LC2 * dt2 * dt2 * sin(t2) -
                      2 * AB_M2 * AB_L1 * AB_LC2 * dt2 * dt1 * sin(t2) +
                      (AB_M1 * AB_LC1 + AB_M2 * AB_L1) * AB_G * cos(t1 - ENV_PI / 2) + phi2;
  /* the book's version: includes the dtheta1^2 term the NIPS paper left out */
  const double ddt2 = (a + d2 / d1 * phi1 - AB_M2 * AB_L1 * AB_LC2 * dt1 * dt1 * sin(t2) - phi2) /
                      (AB_M2 * AB_LC2 * AB_LC2 + AB_I2 - d2 * d2 / d1);
  const double ddt1 = -(d2 * ddt2 + phi1) / d1;
  ds[0] = dt1;
  ds[1] = dt2;
  ds[2] = ddt1;
  ds[3] = ddt2;
}

static double wrap(double x, double lo, double hi) {
  const double d = hi - lo;
  while (x > hi) x -= d;
  while (x < lo) x += d;
  return x;
}

static double clip(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

static void ab_obs(const double *s, double *obs) {
  obs[0] = cos(s[0]);
  obs[1] = sin(s[0]);
  obs[2] = cos(s[1]);
  obs[3] = sin(s[1]);
  obs[4] = s[2];
  obs[5] = s[3];
}

static syn_status ab_create(env *v, const env_config *c, syn_err *e) {
  syn_status st = env_space_box(&v->obs, 6, -1, 1, e);
  if (st) return st;
  v->obs.low[4] = -AB_MAX_VEL1;
  v->obs.high[4] = AB_MAX_VEL1;
  v->obs.low[5] = -AB_MAX_VEL2;
  v->obs.high[5] = AB_MAX_VEL2;
  env_space_discrete(&v->act, 3);
  v->state = calloc(1, sizeof(ab_state));
  if (!v->state) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  return SYN_OK;
}

static void ab_destroy(env *v) { free(v->state); }

static syn_status ab_reset(env *v, double *obs, syn_err *e) {
  ab_state *p = v->state;
  for (int i = 0; i < 4; i++) p->s[i] = rng_uniform_range(&v->rng, -0.1, 0.1);
  ab_obs(p->s, obs);
  return SYN_OK;
}

static syn_status ab_step(env *v, int action, const double *vec, double *obs, env_result *r,
                          syn_err *e) {
  ab_state *p = v->state;
  const double torque = (double)(action - 1); /* 0, 1, 2 -> -1, 0, +1 */
  double k1[4], k2[4], k3[4], k4[4], y[4];
  const double h = AB_DT, h2 = AB_DT / 2;
  ab_deriv(p->s, torque, k1);
  for (int i = 0; i < 4; i++) y[i] = p->s[i] + h2 * k1[i];
  ab_deriv(y, torque, k2);
  for (int i = 0; i < 4; i++) y[i] = p->s[i] + h2 * k2[i];
  ab_deriv(y, torque, k3);
  for (int i = 0; i < 4; i++) y[i] = p->s[i] + h * k3[i];
  ab_deriv(y, torque, k4);
  for (int i = 0; i < 4; i++) p->s[i] += h / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  p->s[0] = wrap(p->s[0], -ENV_PI, ENV_PI);
  p->s[1] = wrap(p->s[1], -ENV_PI, ENV_PI);
  p->s[2] = clip(p->s[2], -AB_MAX_VEL1, AB_MAX_VEL1);
  p->s[3] = clip(p->s[3], -AB_MAX_VEL2, AB_MAX_VEL2);
  ab_obs(p->s, obs);
  r->terminated = -cos(p->s[0]) - cos(p->s[1] + p->s[0]) > 1.0;
  r->reward = r->terminated ? 0.0 : -1.0;
  return SYN_OK;
}

/* checkpoints: the four state variables */
static void ab_save(const env *v, ckpt_writer *w) {
  const ab_state *p = v->state;
  ckpt_put_f64s(w, p->s, 4);
}

static syn_status ab_load(env *v, ckpt_sec *s, syn_err *e) {
  ab_state *p = v->state;
  double x[4];
  ckpt_get_f64s(s, x, 4);
  if (s->err) return SYN_OK; /* the caller reports the truncation */
  /* a step keeps angles in [-pi, pi] and velocities clipped; a state outside
   * would also make the angle wrapping loop for very long */
  if (!(fabs(x[0]) <= ENV_PI && fabs(x[1]) <= ENV_PI && fabs(x[2]) <= AB_MAX_VEL1 &&
        fabs(x[3]) <= AB_MAX_VEL2))
    return ckpt_sec_fail(s, e, "acrobot state out of range");
  for (int i = 0; i < 4; i++) p->s[i] = x[i];
  return SYN_OK;
}

const env_def env_def_acrobot = {
    .name = "acrobot",
    .alias = "Acrobot-v1",
    .summary = "two-link swing-up, torque -1/0/+1; -1 per step until the goal, 500-step limit",
    .max_steps = 500,
    .create = ab_create,
    .destroy = ab_destroy,
    .reset = ab_reset,
    .step = ab_step,
    .save = ab_save,
    .load = ab_load,
};
