/* Environments: each one's dynamics against steps computed here from the
 * defining equations (written independently of src/env), its invariants
 * (bounds, termination, time limits), determinism under a seed, and the
 * refusals of bad arguments. */
#include "testutil.h"

#include "synrl/env.h"
#include "env/env_impl.h" /* the stream id, to replay the env's draws */

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

static env make(const char *name, uint64_t seed) {
  env v;
  syn_err e;
  env_config c;
  env_config_default(&c);
  c.seed = seed;
  syn_status s = env_create(&v, name, &c, &e);
  if (s) fail_msg("env_create(%s): %s", name, e.msg);
  return v;
}

static void step_ok(env *v, int a, double *obs, env_result *r) {
  syn_err e;
  syn_status s = env_step(v, a, obs, r, &e);
  if (s) fail_msg("env_step(%s, %d): %s", v->def->name, a, e.msg);
}

static void step_box_ok(env *v, double a, double *obs, env_result *r) {
  syn_err e;
  syn_status s = env_step_box(v, &a, obs, r, &e);
  if (s) fail_msg("env_step_box(%s, %g): %s", v->def->name, a, e.msg);
}

static void reset_ok(env *v, double *obs) {
  syn_err e;
  syn_status s = env_reset(v, obs, &e);
  if (s) fail_msg("env_reset(%s): %s", v->def->name, e.msg);
}

/* ---------------- lookup and bad arguments ---------------- */

static void test_lookup(void **st) {
  assert_true(env_count() >= 10);
  for (size_t i = 0; i < env_count(); i++) {
    const env_def *d = env_at(i);
    assert_non_null(d);
    assert_ptr_equal(env_find(d->name), d);
    if (d->alias) assert_ptr_equal(env_find(d->alias), d);
  }
  assert_null(env_at(env_count()));
  assert_ptr_equal(env_find("CARTPOLE"), env_find("CartPole-v1"));
  assert_ptr_equal(env_find("acrobot-V1"), env_find("acrobot"));
  assert_null(env_find("cartpol"));
  assert_null(env_find(""));
  assert_null(env_find(NULL));
  /* Gym's time limits */
  assert_int_equal(env_find("cartpole")->max_steps, 500);
  assert_int_equal(env_find("acrobot")->max_steps, 500);
  assert_int_equal(env_find("MountainCarContinuous-v0")->max_steps, 999);
  assert_int_equal(env_find("LunarLander-v2")->max_steps, 1000);

  env v;
  syn_err e;
  assert_int_equal(env_create(&v, "pendulum", NULL, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "unknown environment 'pendulum'");
  assert_contains(e.msg, "cartpole");
  assert_null(v.def);
  assert_int_equal(env_create(&v, NULL, NULL, &e), SYN_ERR_ARG);
}

static void test_bad_arguments(void **st) {
  syn_err e;
  double obs[64];
  env_result r;
  env v = make("cartpole", 1);
  /* an episode must be started first */
  assert_int_equal(env_step(&v, 0, obs, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "env_reset");
  reset_ok(&v, obs);
  assert_int_equal(env_step(&v, 2, obs, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "action 2 outside [0, 2)");
  assert_int_equal(env_step(&v, -1, obs, &r, &e), SYN_ERR_ARG);
  double a = 0.5;
  assert_int_equal(env_step_box(&v, &a, obs, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "use env_step");
  assert_int_equal(env_step(&v, 0, NULL, &r, &e), SYN_ERR_ARG);
  assert_int_equal(env_reset(&v, NULL, &e), SYN_ERR_ARG);
  /* refusals leave the episode where it was */
  assert_int_equal(v.t, 0);
  step_ok(&v, 1, obs, &r);
  assert_int_equal(v.t, 1);
  env_destroy(&v);

  v = make("mountaincar-continuous", 1);
  reset_ok(&v, obs);
  assert_int_equal(env_step(&v, 0, obs, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "use env_step_box");
  a = NAN;
  assert_int_equal(env_step_box(&v, &a, obs, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "not finite");
  a = INFINITY;
  assert_int_equal(env_step_box(&v, &a, obs, &r, &e), SYN_ERR_ARG);
  assert_int_equal(env_step_box(&v, NULL, obs, &r, &e), SYN_ERR_ARG);
  assert_int_equal(v.t, 0);
  env_destroy(&v);

  env_config c;
  env_config_default(&c);
  c.max_steps = -2;
  assert_int_equal(env_create(&v, "acrobot", &c, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "time limit");
  env_config_default(&c);
  c.mux_bits = 11;
  assert_int_equal(env_create(&v, "multiplexer", &c, &e), SYN_ERR_ARG);
  c.mux_bits = -1;
  assert_int_equal(env_create(&v, "multiplexer", &c, &e), SYN_ERR_ARG);
  c.mux_bits = 5;
  assert_int_equal(env_create(&v, "multiplexer20", &c, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "multiplexer20 has 4 address bits");
  env_config_default(&c);
  c.reg_in = -3;
  assert_int_equal(env_create(&v, "regression", &c, &e), SYN_ERR_ARG);

  /* a definition without its functions is refused */
  env_def broken = {.name = "broken"};
  assert_int_equal(env_create_def(&v, &broken, NULL, &e), SYN_ERR_ARG);
  assert_int_equal(env_create_def(&v, NULL, NULL, &e), SYN_ERR_ARG);

  if (!env_have_box2d()) {
    assert_int_equal(env_create(&v, "lunarlander", NULL, &e), SYN_ERR_UNSUPPORTED);
    assert_contains(e.msg, "Box2D");
  }
}

/* A user environment whose create leaves no action space is refused, and one
 * that fails in create is cleaned up. */
static syn_status bad_create(env *v, const env_config *c, syn_err *e) {
  return env_space_box(&v->obs, 2, -1, 1, e); /* no action space */
}
static syn_status fail_create(env *v, const env_config *c, syn_err *e) {
  syn_status s = env_space_box(&v->obs, 2, -1, 1, e);
  if (s) return s;
  return syn_err_set(e, SYN_ERR_ARG, "fail_create: refuses");
}
static syn_status nop_reset(env *v, double *obs, syn_err *e) { return SYN_OK; }
static syn_status nop_step(env *v, int a, const double *av, double *obs, env_result *r,
                           syn_err *e) {
  return SYN_OK;
}

static void test_user_def_checks(void **st) {
  env v;
  syn_err e;
  env_def d = {.name = "u", .create = bad_create, .reset = nop_reset, .step = nop_step};
  assert_int_equal(env_create_def(&v, &d, NULL, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "invalid observation or action space");
  d.create = fail_create;
  assert_int_equal(env_create_def(&v, &d, NULL, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "refuses");
  assert_null(v.obs.low); /* freed */
}

/* ---------------- time limits and episode state ---------------- */

static void test_time_limit_override(void **st) {
  syn_err e;
  double obs[64];
  env_result r;
  env v;
  env_config c;
  env_config_default(&c);
  c.max_steps = 3;
  assert_int_equal(env_create(&v, "acrobot", &c, &e), SYN_OK);
  assert_int_equal(v.max_steps, 3);
  reset_ok(&v, obs);
  for (int t = 1; t <= 3; t++) {
    step_ok(&v, 1, obs, &r);
    assert_false(r.terminated);
    assert_int_equal(r.truncated, t == 3);
  }
  assert_true(v.done);
  assert_int_equal(env_step(&v, 1, obs, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "after the episode ended");
  reset_ok(&v, obs);
  assert_int_equal(v.t, 0);
  step_ok(&v, 1, obs, &r);
  env_destroy(&v);

  c.max_steps = -1; /* no limit */
  assert_int_equal(env_create(&v, "cartpole", &c, &e), SYN_OK);
  assert_int_equal(v.max_steps, 0);
  env_destroy(&v);
}

/* ---------------- determinism ---------------- */

/* Runs `episodes` episodes with actions from a fixed stream; hashes every obs
 * and reward. */
static uint64_t run_hash(const char *name, uint64_t seed, int episodes, int max_t) {
  env v = make(name, seed);
  rng_t g;
  rng_seed(&g, 99, 1);
  double obs[64];
  env_result r;
  uint64_t h = CORE_FNV_INIT;
  for (int ep = 0; ep < episodes; ep++) {
    reset_ok(&v, obs);
    h = core_fnv1a64(obs, sizeof(double) * (size_t)v.obs.n, h);
    do {
      if (v.act.kind == ENV_DISCRETE)
        step_ok(&v, (int)rng_below(&g, (uint64_t)v.act.n), obs, &r);
      else
        step_box_ok(&v, rng_uniform_range(&g, -1.5, 1.5), obs, &r);
      h = core_fnv1a64(obs, sizeof(double) * (size_t)v.obs.n, h);
      h = core_fnv1a64(&r.reward, sizeof r.reward, h);
    } while (!r.terminated && !r.truncated && v.t < max_t);
  }
  env_destroy(&v);
  return h;
}

static void test_determinism(void **st) {
  for (size_t i = 0; i < env_count(); i++) {
    const env_def *d = env_at(i);
    if (!strcmp(d->name, "lunarlander") && !env_have_box2d()) continue;
    const uint64_t a = run_hash(d->name, 11, 3, 200), b = run_hash(d->name, 11, 3, 200);
    const uint64_t c = run_hash(d->name, 12, 3, 200);
    if (a != b) fail_msg("%s: the same seed gave different episodes", d->name);
    if (a == c) fail_msg("%s: different seeds gave the same episodes", d->name);
  }
  /* env_seed restarts the stream: the first episode comes back */
  env v = make("cartpole", 5);
  double o1[4], o2[4], o3[4];
  reset_ok(&v, o1);
  reset_ok(&v, o2);
  assert_memory_not_equal(o1, o2, sizeof o1);
  env_seed(&v, 5);
  reset_ok(&v, o3);
  assert_memory_equal(o1, o3, sizeof o1);
  env_destroy(&v);
}

/* ---------------- CartPole-v1 ---------------- */

/* One Euler step of the cart-pole equations (Barto et al. 1983 with Gym's
 * constants), written out here as the reference. */
static void cartpole_ref(double *s, int action) {
  const double g = 9.8, mc = 1.0, mp = 0.1, l = 0.5, tau = 0.02;
  const double f = action ? 10.0 : -10.0;
  const double x = s[0], xd = s[1], th = s[2], thd = s[3];
  const double M = mc + mp;
  const double b = (f + mp * l * thd * thd * sin(th)) / M;
  const double thdd = (g * sin(th) - cos(th) * b) / (l * (4.0 / 3.0 - mp * cos(th) * cos(th) / M));
  const double xdd = b - mp * l * thdd * cos(th) / M;
  s[0] = x + tau * xd;
  s[1] = xd + tau * xdd;
  s[2] = th + tau * thd;
  s[3] = thd + tau * thdd;
}

static void test_cartpole(void **st) {
  env v = make("cartpole", 3);
  assert_int_equal(v.obs.n, 4);
  assert_int_equal(v.act.kind, ENV_DISCRETE);
  assert_int_equal(v.act.n, 2);
  assert_close(v.obs.high[0], 4.8, 1e-15);
  assert_close(v.obs.high[2], 2 * 12 * 2 * PI / 360, 1e-15);
  assert_close(v.obs.high[1], FLT_MAX, 0);
  double obs[4], ref[4];
  env_result r;
  const double limit_th = 12 * 2 * PI / 360;
  for (int ep = 0; ep < 20; ep++) {
    reset_ok(&v, obs);
    for (int i = 0; i < 4; i++) {
      assert_true(obs[i] >= -0.05 && obs[i] < 0.05);
      ref[i] = obs[i];
    }
    int a = ep % 2;
    do {
      a = (ep & 1) ? !a : (int)(v.t / 7 % 2); /* varied action sequences */
      cartpole_ref(ref, a);
      step_ok(&v, a, obs, &r);
      /* same operations in double precision: agreement to rounding */
      for (int i = 0; i < 4; i++) assert_close(obs[i], ref[i], 1e-12);
      assert_close(r.reward, 1.0, 0); /* also on the failing step */
      const bool out = obs[0] < -2.4 || obs[0] > 2.4 || obs[2] < -limit_th || obs[2] > limit_th;
      assert_int_equal(r.terminated, out);
    } while (!r.terminated && !r.truncated);
    assert_true(r.terminated);
    assert_false(r.truncated);
  }
  /* a balancing controller reaches the 500-step limit: truncated, not terminated */
  reset_ok(&v, obs);
  do {
    step_ok(&v, obs[2] + 0.5 * obs[3] + 0.05 * obs[0] + 0.1 * obs[1] > 0, obs, &r);
    assert_int_equal(r.truncated, v.t == 500);
  } while (!r.terminated && !r.truncated);
  assert_int_equal(v.t, 500);
  assert_true(r.truncated);
  assert_false(r.terminated);
  env_destroy(&v);
}

/* ---------------- Acrobot-v1 ---------------- */

/* The acrobot as a Lagrangian system M(q) q'' + h(q, q') = (0, tau), solved
 * by Cramer's rule; Sutton & Barto's "book" dynamics are this system. */
static void acrobot_f(const double *s, double tau, double *ds) {
  const double m1 = 1, m2 = 1, l1 = 1, c1 = 0.5, c2 = 0.5, I1 = 1, I2 = 1, g = 9.8;
  const double q1 = s[0], q2 = s[1], w1 = s[2], w2 = s[3];
  const double M11 = m1 * c1 * c1 + m2 * (l1 * l1 + c2 * c2 + 2 * l1 * c2 * cos(q2)) + I1 + I2;
  const double M12 = m2 * (c2 * c2 + l1 * c2 * cos(q2)) + I2;
  const double M22 = m2 * c2 * c2 + I2;
  /* Coriolis/centrifugal and gravity (angles from the downward vertical) */
  const double h1 = -m2 * l1 * c2 * sin(q2) * (w2 * w2 + 2 * w1 * w2) +
                    (m1 * c1 + m2 * l1) * g * sin(q1) + m2 * c2 * g * sin(q1 + q2);
  const double h2 = m2 * l1 * c2 * sin(q2) * w1 * w1 + m2 * c2 * g * sin(q1 + q2);
  const double det = M11 * M22 - M12 * M12;
  const double r1 = -h1, r2 = tau - h2;
  ds[0] = w1;
  ds[1] = w2;
  ds[2] = (r1 * M22 - M12 * r2) / det;
  ds[3] = (M11 * r2 - M12 * r1) / det;
}

static void acrobot_ref(double *s, double tau) {
  const double h = 0.2;
  double k[4][4], y[4];
  acrobot_f(s, tau, k[0]);
  for (int i = 0; i < 4; i++) y[i] = s[i] + h / 2 * k[0][i];
  acrobot_f(y, tau, k[1]);
  for (int i = 0; i < 4; i++) y[i] = s[i] + h / 2 * k[1][i];
  acrobot_f(y, tau, k[2]);
  for (int i = 0; i < 4; i++) y[i] = s[i] + h * k[2][i];
  acrobot_f(y, tau, k[3]);
  for (int i = 0; i < 4; i++) s[i] += h / 6 * (k[0][i] + 2 * k[1][i] + 2 * k[2][i] + k[3][i]);
  for (int i = 0; i < 2; i++) {
    while (s[i] > PI) s[i] -= 2 * PI;
    while (s[i] < -PI) s[i] += 2 * PI;
  }
  s[2] = fmax(-4 * PI, fmin(4 * PI, s[2]));
  s[3] = fmax(-9 * PI, fmin(9 * PI, s[3]));
}

static void test_acrobot(void **st) {
  env v = make("acrobot", 4);
  assert_int_equal(v.obs.n, 6);
  assert_int_equal(v.act.n, 3);
  assert_close(v.obs.high[4], 4 * PI, 1e-15);
  assert_close(v.obs.high[5], 9 * PI, 1e-15);
  double obs[6], s[4];
  env_result r;
  int goals = 0;
  double w1_max = 0, w2_max = 0;
  int ep;
  for (ep = 0; ep < 200 && !(ep >= 6 && w1_max == 4 * PI); ep++) {
    reset_ok(&v, obs);
    s[0] = atan2(obs[1], obs[0]);
    s[1] = atan2(obs[3], obs[2]);
    s[2] = obs[4];
    s[3] = obs[5];
    for (int i = 0; i < 4; i++) assert_true(s[i] >= -0.1 - 1e-15 && s[i] <= 0.1 + 1e-15);
    do {
      /* 0-2: swing up by pumping; 3-5: fixed torque patterns; then pumping
       * until some episode spins the first link into its velocity clip */
      const int a = ep >= 3 && ep < 6 ? (int)((v.t / (ep - 1)) % 3) : (obs[5] > 0 ? 2 : 0);
      acrobot_ref(s, a - 1.0);
      step_ok(&v, a, obs, &r);
      /* RK4 over 0.2 s of a chaotic system; a reformulated right-hand side
       * rounds differently, so compare to 1e-9 and follow the env's state */
      assert_close(obs[0], cos(s[0]), 1e-9);
      assert_close(obs[1], sin(s[0]), 1e-9);
      assert_close(obs[2], cos(s[1]), 1e-9);
      assert_close(obs[3], sin(s[1]), 1e-9);
      assert_close(obs[4], s[2], 1e-9);
      assert_close(obs[5], s[3], 1e-9);
      s[0] = atan2(obs[1], obs[0]);
      s[1] = atan2(obs[3], obs[2]);
      s[2] = obs[4];
      s[3] = obs[5];
      assert_true(fabs(obs[4]) <= 4 * PI && fabs(obs[5]) <= 9 * PI);
      w1_max = fmax(w1_max, fabs(obs[4]));
      w2_max = fmax(w2_max, fabs(obs[5]));
      /* tip height -cos(a) - cos(a + b) > 1 ends it; 0 reward then, else -1 */
      const double tip = -obs[0] - (obs[0] * obs[2] - obs[1] * obs[3]);
      assert_int_equal(r.terminated, tip > 1.0);
      assert_close(r.reward, r.terminated ? 0.0 : -1.0, 0);
    } while (!r.terminated && !r.truncated);
    goals += r.terminated;
    if (ep < 3 || ep >= 6) assert_true(r.terminated); /* pumping reaches the goal */
  }
  assert_true(goals >= 3);
  /* the trajectories above exercise the clip of the first joint's velocity and
   * take the second beyond the first's bound */
  print_message("acrobot: first velocity clip met in episode %d\n", ep - 1);
  assert_true(w1_max == 4 * PI);
  assert_true(w2_max > 4 * PI);
  /* no torque from rest at the bottom: the 500-step limit */
  reset_ok(&v, obs);
  do step_ok(&v, 1, obs, &r);
  while (!r.terminated && !r.truncated);
  assert_true(r.truncated);
  assert_false(r.terminated);
  assert_int_equal(v.t, 500);
  env_destroy(&v);
}

/* ---------------- MountainCarContinuous-v0 ---------------- */

static void test_mountaincar(void **st) {
  env v = make("MountainCarContinuous-v0", 6);
  assert_int_equal(v.obs.n, 2);
  assert_int_equal(v.act.kind, ENV_BOX);
  assert_int_equal(v.act.n, 1);
  assert_close(v.act.low[0], -1, 0);
  assert_close(v.act.high[0], 1, 0);
  assert_close(v.obs.low[0], -1.2, 0);
  assert_close(v.obs.high[1], 0.07, 0);
  double obs[2];
  env_result r;
  reset_ok(&v, obs);
  assert_true(obs[0] >= -0.6 && obs[0] < -0.4);
  assert_close(obs[1], 0, 0);
  /* hand steps, including actions beyond [-1, 1]: the force is clipped, the
   * cost uses the action as given (as Gym does) */
  const double acts[] = {0.3, 2.0, -1.7, -0.25, 1.0, 0.0};
  for (int k = 0; k < 6; k++) {
    const double x = obs[0], vel = obs[1], a = acts[k];
    const double f = a > 1 ? 1 : a < -1 ? -1 : a;
    double nv = vel + 0.0015 * f - 0.0025 * cos(3 * x);
    nv = fmin(0.07, fmax(-0.07, nv));
    const double nx = fmin(0.6, fmax(-1.2, x + nv));
    step_box_ok(&v, a, obs, &r);
    assert_close(obs[0], nx, 1e-15);
    assert_close(obs[1], nv, 1e-15);
    assert_close(r.reward, -0.1 * a * a, 1e-15);
    assert_false(r.terminated);
  }
  /* full left: the car stops against the wall at -1.2 */
  bool hit = false;
  reset_ok(&v, obs);
  for (int t = 0; t < 200 && !hit; t++) {
    step_box_ok(&v, -1.0, obs, &r);
    assert_true(obs[0] >= -1.2 && fabs(obs[1]) <= 0.07);
    if (obs[0] == -1.2) {
      hit = true;
      assert_true(obs[1] >= 0); /* velocity zeroed when pushing into the wall */
    }
  }
  /* pushing with the velocity reaches the goal: +100 minus that step's cost */
  reset_ok(&v, obs);
  double ret = 0;
  do {
    const double a = obs[1] >= 0 ? 1.0 : -1.0;
    step_box_ok(&v, a, obs, &r);
    ret += r.reward;
    assert_int_equal(r.terminated, obs[0] >= 0.45 && obs[1] >= 0);
  } while (!r.terminated && !r.truncated);
  assert_true(r.terminated);
  assert_close(r.reward, 100 - 0.1, 1e-12);
  assert_close(ret, 100 - 0.1 * (double)v.t, 1e-9);
  /* doing nothing never gets there: truncated at 999 */
  reset_ok(&v, obs);
  do step_box_ok(&v, 0.0, obs, &r);
  while (!r.terminated && !r.truncated);
  assert_int_equal(v.t, 999);
  assert_true(r.truncated);
  assert_false(r.terminated);
  env_destroy(&v);
}

/* ---------------- multiplexer ---------------- */

static void test_multiplexer(void **st) {
  const int ks[] = {2, 3, 4, 5};
  const char *names[] = {"multiplexer6", "multiplexer11", "multiplexer20", "multiplexer37"};
  for (int m = 0; m < 4; m++) {
    const int k = ks[m], n = k + (1 << k);
    env right = make(names[m], 8), wrong = make(names[m], 8);
    assert_int_equal(right.obs.n, n);
    assert_int_equal(right.act.n, 2);
    double o1[64], o2[64];
    env_result r1, r2;
    long plus = 0, pos_target = 0;
    const int samples = 4000;
    for (int i = 0; i < samples; i++) {
      reset_ok(&right, o1);
      reset_ok(&wrong, o2);
      assert_memory_equal(o1, o2, sizeof(double) * (size_t)n);
      int addr = 0;
      for (int b = 0; b < n; b++) {
        assert_true(o1[b] == 1.0 || o1[b] == -1.0);
        plus += o1[b] > 0;
      }
      for (int b = 0; b < k; b++) addr |= (o1[b] > 0) << (k - 1 - b); /* MSB first */
      const int target = o1[k + addr] > 0;
      pos_target += target;
      step_ok(&right, target, o1, &r1);
      step_ok(&wrong, !target, o2, &r2);
      assert_close(r1.reward, 1.0, 0);
      assert_close(r2.reward, -1.0, 0);
      assert_true(r1.terminated && r2.terminated);
      assert_false(r1.truncated);
    }
    /* fair bits: 4000 n draws, 5 standard deviations */
    const double nb = (double)samples * n;
    assert_close((double)plus / nb, 0.5, 5 * 0.5 / sqrt(nb));
    assert_close((double)pos_target / samples, 0.5, 5 * 0.5 / sqrt((double)samples));
    env_destroy(&right);
    env_destroy(&wrong);
  }
  /* "multiplexer" takes k from the config, 4 by default */
  env v = make("multiplexer", 1);
  assert_int_equal(v.obs.n, 20);
  env_destroy(&v);
  env_config c;
  env_config_default(&c);
  c.mux_bits = 6;
  syn_err e;
  assert_int_equal(env_create(&v, "multiplexer", &c, &e), SYN_OK);
  assert_int_equal(v.obs.n, 70);
  env_destroy(&v);
}

/* ---------------- regression ---------------- */

/* The target from two one-step episodes with the same seed: r0 = -y^2 at
 * a = 0 and r1 = -(1 - y)^2 at a = 1 give y = (1 + r1 - r0) / 2. */
static double reg_target(env *v0, env *v1, double *x) {
  double o1[64];
  env_result r0, r1;
  reset_ok(v0, x);
  reset_ok(v1, o1);
  assert_memory_equal(x, o1, sizeof(double) * (size_t)v0->obs.n);
  step_box_ok(v0, 0.0, o1, &r0);
  step_box_ok(v1, 1.0, o1, &r1);
  assert_true(r0.terminated && r1.terminated);
  const double y = (1 + r1.reward - r0.reward) / 2;
  assert_close(r0.reward, -y * y, 1e-9 * (1 + y * y));
  return y;
}

static void test_regression(void **st) {
  env v0 = make("regression", 21), v1 = make("regression", 21);
  assert_int_equal(v0.obs.n, 8);
  assert_int_equal(v0.act.kind, ENV_BOX);
  assert_int_equal(v0.act.n, 1);
  double x[64], sum = 0, sum2 = 0;
  int zeros = 0;
  const int n = 5000;
  for (int i = 0; i < n; i++) {
    const double y = reg_target(&v0, &v1, x);
    assert_true(y >= 0); /* the outer relu */
    zeros += y == 0;
    for (int j = 0; j < 8; j++) {
      sum += x[j];
      sum2 += x[j] * x[j];
    }
  }
  /* x ~ N(0, I): mean and variance over 40000 draws, 5 standard deviations */
  assert_close(sum / (8.0 * n), 0, 5 / sqrt(8.0 * n));
  assert_close(sum2 / (8.0 * n), 1, 5 * sqrt(2.0 / (8.0 * n)));
  assert_true(zeros > 0 && zeros < n);
  env_destroy(&v0);
  env_destroy(&v1);

  /* one input, one hidden unit: y = relu(relu(x w0) w1) is w0 w1 x on one sign
   * of x and 0 on the other, with weights fixed for the life of the task.
   * Some seed gives w1 > 0 (probability 1/2 each). */
  env_config c;
  env_config_default(&c);
  c.reg_in = 1;
  c.reg_hidden = 1;
  bool found = false;
  for (uint64_t seed = 1; seed < 40 && !found; seed++) {
    c.seed = seed;
    syn_err e;
    assert_int_equal(env_create(&v0, "regression", &c, &e), SYN_OK);
    assert_int_equal(env_create(&v1, "regression", &c, &e), SYN_OK);
    double slope = NAN;
    int sign = 0, nonzero = 0;
    for (int i = 0; i < 200; i++) {
      const double y = reg_target(&v0, &v1, x);
      if (y > 0) {
        if (sign == 0) {
          sign = x[0] > 0 ? 1 : -1;
          slope = y / x[0];
        }
        assert_int_equal(x[0] > 0 ? 1 : -1, sign);
        assert_close(y / x[0], slope, 1e-9 * fabs(slope));
        nonzero++;
      } else if (sign != 0) {
        assert_true((x[0] > 0 ? 1 : -1) != sign || x[0] == 0);
      }
    }
    found = nonzero > 50;
    env_destroy(&v0);
    env_destroy(&v1);
  }
  assert_true(found);
}

/* ---------------- LunarLander-v2 ---------------- */

static double ll_shaping(const double *s) {
  return -100 * sqrt(s[0] * s[0] + s[1] * s[1]) - 100 * sqrt(s[2] * s[2] + s[3] * s[3]) -
         100 * fabs(s[4]) + 10 * s[6] + 10 * s[7];
}

/* A hover-and-descend controller written for this test. */
static int ll_pilot(const double *s) {
  double tilt = 0.5 * s[0] + s[2];
  tilt = fmax(-0.4, fmin(0.4, tilt));
  double turn = (tilt - s[4]) * 0.5 - s[5];
  double lift = (0.5 * fabs(s[0]) - s[1]) * 0.5 - 0.5 * s[3];
  if (s[6] > 0 || s[7] > 0) {
    turn = 0;
    lift = -0.5 * s[3];
  }
  if (lift > fabs(turn) && lift > 0.05) return 2;
  if (turn < -0.05) return 3;
  if (turn > 0.05) return 1;
  return 0;
}

static void test_lunarlander(void **st) {
  if (!env_have_box2d()) {
    skip();
    return;
  }
  env v = make("lunarlander", 2);
  assert_int_equal(v.obs.n, 8);
  assert_int_equal(v.act.n, 4);
  double obs[8], prev[8];
  env_result r;
  /* free fall: gravity -10 m/s^2 at 50 frames/s, observed velocity scaled by
   * (400/30/2)/50 (-0.02667 per step; gravity 9.8 would give -0.02613). The
   * legs settle against their joint limits in the first frames and move the
   * body a little, hence 2e-4. */
  reset_ok(&v, obs);
  assert_true(fabs(obs[0]) < 0.1 && obs[1] > 1.0);
  step_ok(&v, 0, obs, &r);
  for (int t = 0; t < 10; t++) {
    memcpy(prev, obs, sizeof obs);
    step_ok(&v, 0, obs, &r);
    assert_close(obs[3] - prev[3], -10.0 / 50 * (400.0 / 30 / 2) / 50, 2e-4);
    assert_close(obs[2] - prev[2], 0, 2e-4);
    assert_close(obs[6] + obs[7], 0, 0);
  }
  /* Engines: an action's impulse J, computed here from Gym's formula with the
   * dispersion the env draws (reset draws 12 heights, 2 force components and
   * 2 dispersions for its no-op step; the first step 2 more), against a no-op
   * twin on the same seed. Vertically the legs move with the hull, so
   * dv_y = J_y / (hull + legs mass); horizontally the legs' swing couples in,
   * so dv_x lies between J_x / (hull + legs) and J_x / hull. Side engines
   * turn the lander: action 1 counterclockwise, action 3 clockwise. */
  for (int act = 1; act <= 3; act++) {
    for (uint64_t seed = 1; seed <= 3; seed++) {
      env a = make("lunarlander", seed), b = make("lunarlander", seed);
      double oa[8], ob[8];
      reset_ok(&a, oa);
      reset_ok(&b, ob);
      rng_t g;
      rng_seed(&g, seed, ENV_STREAM_EPISODES);
      for (int i = 0; i < 16; i++) rng_uniform(&g);
      const double d0 = rng_uniform_range(&g, -1, 1) / 30, d1 = rng_uniform_range(&g, -1, 1) / 30;
      const double tip[2] = {sin(oa[4]), cos(oa[4])}, side[2] = {-tip[1], tip[0]};
      double ox, oy, power;
      if (act == 2) {
        ox = tip[0] * (4 / 30.0 + 2 * d0) + side[0] * d1;
        oy = -tip[1] * (4 / 30.0 + 2 * d0) - side[1] * d1;
        power = 13.0;
      } else {
        const double dir = act - 2;
        ox = tip[0] * d0 + side[0] * (3 * d1 + dir * 12 / 30.0);
        oy = -tip[1] * d0 - side[1] * (3 * d1 + dir * 12 / 30.0);
        power = 0.6;
      }
      const double jx = -ox * power, jy = -oy * power;
      step_ok(&a, act, oa, &r);
      step_ok(&b, 0, ob, &r);
      const double hull = 867.0 / 900.0 * 5.0; /* hexagon of 867 px^2, density 5 */
      const double all = hull + 2 * (4 / 30.0) * (16 / 30.0); /* two 4 x 16 px legs, density 1 */
      const double dvx = (oa[2] - ob[2]) / ((600.0 / 30 / 2) / 50);
      const double dvy = (oa[3] - ob[3]) / ((400.0 / 30 / 2) / 50);
      const double dw = (oa[5] - ob[5]) / (20.0 / 50);
      assert_close(dvy, jy / all, 5e-3 * fabs(jy / all) + 1e-5);
      const double lo = fmin(jx / all, jx / hull), hi = fmax(jx / all, jx / hull);
      assert_true(dvx >= lo - 0.02 * fabs(hi) - 1e-5 && dvx <= hi + 0.02 * fabs(hi) + 1e-5);
      if (act == 1) assert_true(dw > 0.05);
      if (act == 3) assert_true(dw < -0.05);
      env_destroy(&a);
      env_destroy(&b);
    }
  }
  /* reward = change in shaping - fuel on every non-final step; final steps
   * are -100 (crash or out of bounds) or +100 (at rest) */
  rng_t g;
  rng_seed(&g, 3, 0);
  int rest = 0, crash = 0;
  for (int ep = 0; ep < 12; ep++) {
    reset_ok(&v, obs);
    do {
      memcpy(prev, obs, sizeof obs);
      const int a = ep < 4 ? (int)rng_below(&g, 4) : ll_pilot(obs);
      step_ok(&v, a, obs, &r);
      for (int i = 6; i < 8; i++) assert_true(obs[i] == 0.0 || obs[i] == 1.0);
      if (!r.terminated) {
        const double fuel = a == 2 ? 0.3 : (a == 1 || a == 3) ? 0.03 : 0.0;
        assert_close(r.reward, ll_shaping(obs) - ll_shaping(prev) - fuel, 1e-9);
        assert_true(fabs(obs[0]) < 1.0);
      } else {
        assert_true(r.reward == 100.0 || r.reward == -100.0);
        if (fabs(obs[0]) >= 1.0) assert_close(r.reward, -100, 0);
        if (r.reward == 100.0) {
          rest++;
          /* Box2D zeroes the velocities of a body it puts to sleep */
          assert_true(obs[2] == 0 && obs[3] == 0 && obs[5] == 0);
          assert_true(fabs(obs[1]) < 0.05); /* down on the pad's height */
        } else {
          crash++;
        }
      }
    } while (!r.terminated && !r.truncated);
  }
  assert_true(rest >= 3); /* the pilot lands */
  assert_true(crash >= 3); /* random engines crash */
  env_destroy(&v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_lookup),       cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_user_def_checks), cmocka_unit_test(test_time_limit_override),
      cmocka_unit_test(test_determinism),  cmocka_unit_test(test_cartpole),
      cmocka_unit_test(test_acrobot),      cmocka_unit_test(test_mountaincar),
      cmocka_unit_test(test_multiplexer),  cmocka_unit_test(test_regression),
      cmocka_unit_test(test_lunarlander),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
