/* LunarLander-v2 (discrete, Gym's definition): the rigid bodies are in the
 * Box2D shim (lunarlander_box2d.cpp); the random draws, observation, reward
 * shaping and termination are here. Without Box2D the name stays in the
 * table and env_create says it is unsupported.
 *
 * Reset: terrain heights U(0, H/2) for 12 points (helipad flattened), the
 * lander at the top centre pushed by a force U(-1000, 1000)^2, then one
 * no-op step (as Gym's reset does) to produce the first observation.
 * Step: engine dispersion U(-1, 1)^2 drawn every step; 0 no-op, 1 left
 * orientation engine, 2 main engine, 3 right orientation engine.
 * Observation: x, y relative to the helipad centre (normalised), velocities
 * scaled by the viewport, angle, 20 * angular velocity / FPS, leg contacts.
 * Reward: the change in shaping = -100 |pos| - 100 |vel| - 100 |angle|
 * + 10 per leg in contact, minus 0.3 per main-engine frame and 0.03 per side-
 * engine frame; -100 (replacing the step's reward) when the body touches the
 * ground or |x| >= 1; +100 when Box2D puts the lander to sleep (at rest). */
#include "env_impl.h"

#ifdef SYNRL_HAVE_BOX2D
#include "lunarlander_box2d.h"

#include <math.h>
#include <stdlib.h>

#define LL_FPS 50.0
#define LL_SCALE 30.0
#define LL_VIEW_W 600.0
#define LL_VIEW_H 400.0
#define LL_LEG_DOWN 18.0
#define LL_INITIAL_RANDOM 1000.0

typedef struct ll_env {
  ll_world *w;
  double prev_shaping;
  bool have_prev;
} ll_env;

static syn_status ll_create(env *v, const env_config *c, syn_err *e) {
  static const double lo[8] = {-2.5, -2.5, -10, -10, -2 * ENV_PI, -10, 0, 0};
  syn_status st = env_space_box(&v->obs, 8, 0, 0, e);
  if (st) return st;
  for (int i = 0; i < 8; i++) {
    v->obs.low[i] = lo[i];
    v->obs.high[i] = i < 6 ? -lo[i] : 1.0;
  }
  env_space_discrete(&v->act, 4);
  ll_env *p = calloc(1, sizeof *p);
  if (!p) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  v->state = p;
  p->w = ll_world_create();
  if (!p->w) return syn_err_set(e, SYN_ERR_NOMEM, "lunarlander: out of memory");
  return SYN_OK;
}

static void ll_destroy(env *v) {
  ll_env *p = v->state;
  if (!p) return;
  ll_world_destroy(p->w);
  free(p);
}

/* Advances the world by one action and fills obs and the step's reward. */
static void ll_advance(env *v, int action, double *obs, env_result *r) {
  ll_env *p = v->state;
  const double d0 = rng_uniform_range(&v->rng, -1.0, 1.0);
  const double d1 = rng_uniform_range(&v->rng, -1.0, 1.0);
  double m_power, s_power;
  ll_world_step(p->w, action, d0, d1, &m_power, &s_power);
  ll_body_state s;
  ll_world_state(p->w, &s);
  const double half_w = LL_VIEW_W / LL_SCALE / 2, half_h = LL_VIEW_H / LL_SCALE / 2;
  obs[0] = (s.x - half_w) / half_w;
  obs[1] = (s.y - (ll_world_helipad_y(p->w) + LL_LEG_DOWN / LL_SCALE)) / half_h;
  obs[2] = s.vx * half_w / LL_FPS;
  obs[3] = s.vy * half_h / LL_FPS;
  obs[4] = s.angle;
  obs[5] = 20.0 * s.omega / LL_FPS;
  obs[6] = s.leg_contact[0] ? 1.0 : 0.0;
  obs[7] = s.leg_contact[1] ? 1.0 : 0.0;
  const double shaping = -100 * sqrt(obs[0] * obs[0] + obs[1] * obs[1]) -
                         100 * sqrt(obs[2] * obs[2] + obs[3] * obs[3]) - 100 * fabs(obs[4]) +
                         10 * obs[6] + 10 * obs[7];
  double reward = p->have_prev ? shaping - p->prev_shaping : 0.0;
  p->prev_shaping = shaping;
  p->have_prev = true;
  reward -= m_power * 0.30; /* fuel */
  reward -= s_power * 0.03;
  bool term = false;
  if (s.game_over || fabs(obs[0]) >= 1.0) {
    term = true;
    reward = -100;
  }
  if (!s.awake) {
    term = true;
    reward = +100;
  }
  r->reward = reward;
  r->terminated = term;
}

static syn_status ll_reset(env *v, double *obs, syn_err *e) {
  ll_env *p = v->state;
  double heights[LL_CHUNKS + 1];
  for (int i = 0; i <= LL_CHUNKS; i++)
    heights[i] = rng_uniform_range(&v->rng, 0.0, LL_VIEW_H / LL_SCALE / 2);
  if (ll_world_reset(p->w, heights))
    return syn_err_set(e, SYN_ERR_NOMEM, "lunarlander: out of memory");
  const double fx = rng_uniform_range(&v->rng, -LL_INITIAL_RANDOM, LL_INITIAL_RANDOM);
  const double fy = rng_uniform_range(&v->rng, -LL_INITIAL_RANDOM, LL_INITIAL_RANDOM);
  ll_world_initial_force(p->w, fx, fy);
  p->have_prev = false;
  env_result r;
  ll_advance(v, 0, obs, &r); /* Gym's reset returns the observation after one no-op */
  return SYN_OK;
}

static syn_status ll_step(env *v, int action, const double *vec, double *obs, env_result *r,
                          syn_err *e) {
  ll_advance(v, action, obs, r);
  return SYN_OK;
}

const env_def env_def_lunarlander = {
    .name = "lunarlander",
    .alias = "LunarLander-v2",
    .summary = "land between the flags, 4 discrete engine actions; shaped reward, 1000-step limit",
    .max_steps = 1000,
    .create = ll_create,
    .destroy = ll_destroy,
    .reset = ll_reset,
    .step = ll_step,
};
#endif

bool env_have_box2d(void) {
#ifdef SYNRL_HAVE_BOX2D
  return true;
#else
  return false;
#endif
}

#ifndef SYNRL_HAVE_BOX2D
static syn_status ll_unsupported(env *v, const env_config *c, syn_err *e) {
  return syn_err_set(e, SYN_ERR_UNSUPPORTED, "lunarlander: synrl was built without Box2D");
}
static syn_status ll_reset(env *v, double *obs, syn_err *e) {
  return syn_err_set(e, SYN_ERR_UNSUPPORTED, "lunarlander: synrl was built without Box2D");
}
static syn_status ll_step(env *v, int action, const double *vec, double *obs, env_result *r,
                          syn_err *e) {
  return syn_err_set(e, SYN_ERR_UNSUPPORTED, "lunarlander: synrl was built without Box2D");
}
const env_def env_def_lunarlander = {
    .name = "lunarlander",
    .alias = "LunarLander-v2",
    .summary = "(unavailable: built without Box2D)",
    .max_steps = 1000,
    .create = ll_unsupported,
    .reset = ll_reset,
    .step = ll_step,
};
#endif
