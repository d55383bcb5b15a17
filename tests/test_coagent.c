/* Coagent networks: hand-computed cases for every rule on a 2-2-2 network with
 * given weights and sampled values, finite-difference checks of the backprop
 * gradient and of the MAP-propagation energy gradient, TD(lambda), save/load,
 * determinism of a seeded run, and that the rules learn a small task. */
#include "testutil.h"

#include "synrl/train.h"
#include "synrl/learn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2-2-2: W0 = [[0.5,-0.3],[0.2,0.4]], b0 = [0.1,-0.2],
 *        W1 = [[0.3,-0.6],[0.7,0.1]], b1 = [0.05,-0.05] */
static void net222(coa_net *n, coa_unit hidden, coa_unit out, double hvar, double otemp) {
  int widths[] = {2, 2, 2};
  coa_unit units[] = {hidden, out};
  double var[] = {hvar, 0.5}, temp[] = {1.0, otemp};
  syn_err e;
  assert_int_equal(coa_net_create(n, 2, widths, units, var, temp, &e), SYN_OK);
  const double p[] = {0.5, -0.3, 0.2, 0.4, 0.1, -0.2, 0.3, -0.6, 0.7, 0.1, 0.05, -0.05};
  assert_int_equal(n->n_params, 12);
  memcpy(n->params, p, sizeof p);
}

static void learner(coa_learner *L, coa_net *n, coa_rule rule, double lambda, double lr0, double lr1) {
  coa_config c;
  coa_config_default(&c);
  c.rule = rule;
  c.lambda = lambda;
  c.gamma = 0.98;
  c.lr_start[0] = c.lr_end[0] = lr0;
  c.lr_start[1] = c.lr_end[1] = lr1;
  syn_err e;
  assert_int_equal(coa_learner_create(L, n, &c, &e), SYN_OK);
}

/* input [1, -0.5], hidden values h, action a (one-hot into x[2]) */
static void set_values(coa_learner *L, const double *h, int a) {
  L->x[0][0] = 1.0;
  L->x[0][1] = -0.5;
  L->x[1][0] = h[0];
  L->x[1][1] = h[1];
  L->x[2][0] = a == 0;
  L->x[2][1] = a == 1;
  L->action[0] = a;
  coa_learner_refresh(L);
}

#define S05 0.6224593312018546  /* sigma(0.5) */
#define SM07 0.3318122278318339 /* sigma(-0.7) */

/* ---- Global REINFORCE: g = (h - p)/temp; grad = x (x) g * R; Adam's first
 * step is lr * g / (|g| + eps) ---- */
static void test_reinforce_hand(void **st) {
  coa_net n;
  net222(&n, COA_BERNOULLI, COA_SOFTMAX, 1, 2.0);
  coa_learner L;
  learner(&L, &n, COA_RULE_REINFORCE, 0, 0.1, 0.01);
  const double h[] = {1, 0};
  set_values(&L, h, 1);
  /* pot0 = x.W0 + b0 = [0.5, -0.7]; pot1 = (h.W1 + b1)/2 = [0.175, -0.325] */
  assert_close(L.pot[0][0], 0.5, 1e-15);
  assert_close(L.pot[0][1], -0.7, 1e-15);
  assert_close(L.pot[1][0], 0.175, 1e-15);
  assert_close(L.pot[1][1], -0.325, 1e-15);
  assert_close(L.mean[0][0], S05, 1e-15);
  assert_close(L.mean[0][1], SM07, 1e-15);
  /* softmax of [0.175, -0.325]: p1 = sigma(-0.5) = 1 - sigma(0.5) */
  assert_close(L.mean[1][1], 1 - S05, 1e-15);
  const double g0[] = {1 - S05, -SM07}, g1[] = {-S05 / 2, S05 / 2};
  for (int j = 0; j < 2; j++) {
    assert_close(L.gz[0][j], g0[j], 1e-15);
    assert_close(L.gz[1][j], g1[j], 1e-15);
  }
  coa_learner_eligibility(&L);
  const double old[12] = {0.5, -0.3, 0.2, 0.4, 0.1, -0.2, 0.3, -0.6, 0.7, 0.1, 0.05, -0.05};
  const double R = 2.0;
  coa_learner_learn(&L, &R);
  /* layer 1: grad w_ij = h_i g1_j R, b_j = g1_j R; layer 0: x_i g0_j R */
  const double x[] = {1, -0.5};
  double want[12];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      want[i * 2 + j] = x[i] * g0[j] * R;
      want[6 + i * 2 + j] = h[i] * g1[j] * R;
    }
  for (int j = 0; j < 2; j++) {
    want[4 + j] = g0[j] * R;
    want[10 + j] = g1[j] * R;
  }
  for (int k = 0; k < 12; k++) {
    assert_close(L.grad[k], want[k], 1e-15);
    const double lr = k < 6 ? 0.1 : 0.01;
    const double step = want[k] == 0 ? 0 : lr * want[k] / (fabs(want[k]) + 1e-8);
    assert_close(n.params[k], old[k] + step, 1e-15);
  }
  /* every unit got the global reward */
  assert_close(L.R[0][0], R, 0);
  assert_close(L.R[0][1], R, 0);
  assert_int_equal(L.t, 1);
  coa_learner_destroy(&L);
  coa_net_destroy(&n);
}

/* ---- Weight Maximization: R_i = sum_j 2 w'_ij e_ij R_j with w' the
 * already-updated weights of the layer above ---- */
static void test_weightmax_hand(void **st) {
  coa_net n;
  net222(&n, COA_BERNOULLI, COA_SOFTMAX, 1, 2.0);
  coa_learner L;
  learner(&L, &n, COA_RULE_WEIGHTMAX, 0, 0.1, 0.01);
  const double h[] = {1, 0};
  set_values(&L, h, 1);
  coa_learner_eligibility(&L);
  const double R = 2.0;
  coa_learner_learn(&L, &R);
  const double g1 = S05 / 2; /* g1 = (onehot - p)/temp = [-g1, +g1] */
  const double a = g1 * R / (g1 * R + 1e-8); /* Adam's first step / lr */
  const double w00 = 0.3 - 0.01 * a, w01 = -0.6 + 0.01 * a;
  assert_close(n.layer[1].w[0], w00, 1e-15);
  assert_close(n.layer[1].w[1], w01, 1e-15);
  /* unit 0 (h=1): e_0j = h_0 g1_j; unit 1 (h=0): all e = 0 */
  const double R0 = 2 * (w00 * (-g1) * R + w01 * g1 * R);
  assert_close(L.R[0][0], R0, 1e-14);
  assert_close(L.R[0][1], 0.0, 0);
  assert_true(R0 < 0); /* the update shrinks unit 0's outgoing weights: it is punished */
  /* layer 0's gradient uses R0: x_i g0_j R0_j */
  const double g0[] = {1 - S05, -SM07}, x[] = {1, -0.5};
  for (int i = 0; i < 2; i++) {
    assert_close(L.grad[i * 2 + 0], x[i] * g0[0] * R0, 1e-14);
    assert_close(L.grad[i * 2 + 1], 0.0, 0);
  }
  coa_learner_destroy(&L);
  coa_net_destroy(&n);
}

/* ---- traces: e <- lambda gamma e + x (x) g; reset zeroes a row ---- */
static void test_traces_hand(void **st) {
  coa_net n;
  net222(&n, COA_BERNOULLI, COA_SOFTMAX, 1, 1.0);
  coa_learner L;
  learner(&L, &n, COA_RULE_WEIGHTMAX, 0.5, 0.1, 0.01);
  const double h1[] = {1, 0}, h2[] = {0, 1};
  set_values(&L, h1, 1);
  double g1a[2], g1b[2];
  memcpy(g1a, L.gz[1], sizeof g1a);
  coa_learner_eligibility(&L);
  set_values(&L, h2, 0);
  memcpy(g1b, L.gz[1], sizeof g1b);
  coa_learner_eligibility(&L);
  const double d = 0.5 * 0.98;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      assert_close(L.trace[6 + i * 2 + j], d * h1[i] * g1a[j] + h2[i] * g1b[j], 1e-15);
  for (int j = 0; j < 2; j++) assert_close(L.trace[10 + j], d * g1a[j] + g1b[j], 1e-15);
  coa_learner_reset_row(&L, 0);
  for (int k = 0; k < 12; k++) assert_true(L.trace[k] == 0);
  coa_learner_destroy(&L);
  coa_net_destroy(&n);
}

/* ---- Adam: two steps by hand, with bias correction; linear annealing ---- */
static void test_adam_hand(void **st) {
  int widths[] = {1, 1};
  coa_unit units[] = {COA_LINEAR};
  coa_net n;
  syn_err e;
  assert_int_equal(coa_net_create(&n, 1, widths, units, NULL, NULL, &e), SYN_OK);
  n.params[0] = 0.25; /* w */
  n.params[1] = 0;    /* b */
  coa_config c;
  coa_config_default(&c);
  c.rule = COA_RULE_BACKPROP;
  c.lr_start[0] = 0.1;
  c.lr_end[0] = 0.05;
  c.end_t = 4;
  coa_learner L;
  assert_int_equal(coa_learner_create(&L, &n, &c, &e), SYN_OK);
  double x = 2.0, v;
  coa_learner_value(&L, &x, &v, true); /* dV/dw = x = 2, dV/db = 1 */
  assert_close(v, 0.5, 1e-15);
  double r = 3.0;
  coa_learner_learn(&L, &r); /* g = 6 */
  assert_close(n.params[0], 0.25 + 0.1 * 6 / (6 + 1e-8), 1e-15);
  const double w1 = n.params[0];
  coa_learner_reset_row(&L, 0);
  x = 1.0;
  coa_learner_value(&L, &x, &v, true);
  r = -1.0;
  assert_close(coa_learner_lr(&L, 0), 0.1 - 0.05 * 0.25, 1e-15);
  coa_learner_learn(&L, &r); /* g = -1 */
  const double m = 0.9 * 0.1 * 6 + 0.1 * -1, vv = 0.999 * 0.001 * 36 + 0.001 * 1;
  const double mh = m / (1 - 0.81), vh = vv / (1 - 0.999 * 0.999);
  assert_close(n.params[0], w1 + 0.0875 * mh / (sqrt(vh) + 1e-8), 1e-14);
  for (int k = 0; k < 10; k++) coa_learner_learn(&L, &r);
  assert_close(coa_learner_lr(&L, 0), 0.05, 0); /* annealing stops at end_t */
  coa_learner_destroy(&L);
  /* the authors' optimiser stops the bias correction after N steps: with N = 1
   * the first step is already lr * 0.1 g / sqrt(0.001 g^2) */
  n.params[0] = 0.25;
  n.params[1] = 0;
  c.adam_correct_until = 1;
  c.end_t = 0;
  assert_int_equal(coa_learner_create(&L, &n, &c, &e), SYN_OK);
  x = 2.0;
  coa_learner_value(&L, &x, &v, true);
  r = 3.0;
  coa_learner_learn(&L, &r); /* g = 6 */
  assert_close(n.params[0], 0.25 + 0.1 * 0.6 / (sqrt(0.036) + 1e-8), 1e-14);
  coa_learner_destroy(&L);
  coa_net_destroy(&n);
}

/* ---- one MAP-propagation step by hand: h += 0.5 var [(mu - h)/var + W1^T(onehot - p)/temp] ---- */
static void test_mapprop_step_hand(void **st) {
  coa_net n;
  net222(&n, COA_GAUSSIAN, COA_SOFTMAX, 0.5, 2.0);
  coa_learner L;
  learner(&L, &n, COA_RULE_MAPPROP, 0, 0.1, 0.01);
  const double h[] = {0.8, 0.1};
  set_values(&L, h, 1);
  /* mu = softplus([0.5, -0.7]) */
  const double mu[] = {log1p(exp(0.5)), log1p(exp(-0.7))};
  assert_close(L.mean[0][0], mu[0], 1e-15);
  assert_close(L.mean[0][1], mu[1], 1e-15);
  /* Gaussian g = (h - mu) sigma(pot) / var */
  assert_close(L.gz[0][0], (0.8 - mu[0]) * S05 / 0.5, 1e-15);
  assert_close(L.gz[0][1], (0.1 - mu[1]) * SM07 / 0.5, 1e-15);
  const double pot1[] = {(0.8 * 0.3 + 0.1 * 0.7 + 0.05) / 2, (0.8 * -0.6 + 0.1 * 0.1 - 0.05) / 2};
  const double p1 = 1.0 / (1.0 + exp(pot1[0] - pot1[1])); /* p(action 1) */
  const double d[] = {(0 - (1 - p1)) / 2, (1 - p1) / 2};
  const double W1[2][2] = {{0.3, -0.6}, {0.7, 0.1}};
  double want[2];
  for (int i = 0; i < 2; i++)
    want[i] = h[i] + 0.25 * ((mu[i] - h[i]) / 0.5 + W1[i][0] * d[0] + W1[i][1] * d[1]);
  coa_learner_map_step(&L);
  assert_close(L.x[1][0], want[0], 1e-15);
  assert_close(L.x[1][1], want[1], 1e-15);
  /* the action stays, the means follow the new values */
  assert_true(L.x[2][1] == 1 && L.action[0] == 1);
  double p1n = 1.0 / (1.0 + exp((want[0] * 0.3 + want[1] * 0.7 + 0.05) / 2 -
                                (want[0] * -0.6 + want[1] * 0.1 - 0.05) / 2));
  assert_close(L.mean[1][1], p1n, 1e-14);
  /* and the step raised log p(h, a | x) */
  coa_learner_destroy(&L);
  coa_net_destroy(&n);
}

/* ---- STE: Bernoulli values forward, gradient through sigma'(pot) ---- */
static void test_ste_hand(void **st) {
  coa_net n;
  net222(&n, COA_BERNOULLI, COA_SOFTMAX, 1, 2.0);
  coa_learner L;
  learner(&L, &n, COA_RULE_STE, 0, 0.1, 0.01);
  const double h[] = {1, 0};
  set_values(&L, h, 1);
  coa_learner_eligibility(&L);
  const double g1 = S05 / 2;
  const double W1[2][2] = {{0.3, -0.6}, {0.7, 0.1}};
  const double s[] = {S05, SM07};
  for (int i = 0; i < 2; i++)
    assert_close(L.gz[0][i], (W1[i][0] * -g1 + W1[i][1] * g1) * s[i] * (1 - s[i]), 1e-15);
  coa_learner_destroy(&L);
  coa_net_destroy(&n);
}

/* ---- finite differences ---- */
static void random_net(coa_net *n, int nl, const int *widths, const coa_unit *units, const double *var,
                       const double *temp, uint64_t seed) {
  syn_err e;
  assert_int_equal(coa_net_create(n, nl, widths, units, var, temp, &e), SYN_OK);
  rng_t g;
  rng_seed(&g, seed, 9);
  coa_net_init(n, &g);
  for (int l = 0; l < nl; l++)
    for (int j = 0; j < widths[l + 1]; j++) n->layer[l].b[j] = rng_uniform_range(&g, -0.5, 0.5);
}

/* The backprop baseline's eligibility (trace with lambda 0) is the gradient
 * of log pi(a | x) (softmax / Gaussian output) or of V(x) (value output). */
static void check_bp_fd(coa_unit hidden, coa_unit out, int nout) {
  int widths[] = {3, 4, 3, nout};
  coa_unit units[] = {hidden, hidden, out};
  double var[] = {1, 1, 0.7}, temp[] = {1.3, 0.8, 1.7};
  coa_net n;
  random_net(&n, 3, widths, units, var, temp, 5);
  coa_learner L;
  coa_config c;
  coa_config_default(&c);
  c.rule = COA_RULE_BACKPROP;
  syn_err e;
  assert_int_equal(coa_learner_create(&L, &n, &c, &e), SYN_OK);
  const double x[] = {0.3, -1.2, 0.8};
  rng_t g;
  rng_seed(&g, 3, 3);
  double v0;
  if (out == COA_LINEAR) {
    coa_learner_value(&L, x, &v0, true);
  } else {
    coa_learner_act(&L, x, &g);
  }
  double *tr = malloc(n.n_params * sizeof(double));
  memcpy(tr, L.trace, n.n_params * sizeof(double));
  double gmax = 0;
  for (size_t k = 0; k < n.n_params; k++) {
    const double w = n.params[k], hh = 1e-6;
    double f[2];
    for (int s = 0; s < 2; s++) {
      n.params[k] = w + (s ? -hh : hh);
      if (out == COA_LINEAR) {
        coa_learner_value(&L, x, &f[s], false);
      } else {
        coa_learner_refresh(&L);
        f[s] = coa_learner_log_policy(&L, 0);
      }
    }
    n.params[k] = w;
    const double fd = (f[0] - f[1]) / (2 * hh);
    gmax = fmax(gmax, fabs(fd));
    if (fabs(fd - tr[k]) > 1e-7 * fmax(1, fabs(fd)))
      fail_msg("%s/%s param %zu: backprop %.12g, finite difference %.12g", coa_unit_name(hidden),
               coa_unit_name(out), k, tr[k], fd);
  }
  assert_true(gmax > 1e-3);
  free(tr);
  coa_learner_destroy(&L);
  coa_net_destroy(&n);
}

static void test_backprop_fd(void **st) {
  check_bp_fd(COA_SOFTPLUS, COA_SOFTMAX, 3);
  check_bp_fd(COA_RELU, COA_SOFTMAX, 2);
  check_bp_fd(COA_SOFTPLUS, COA_GAUSS_OUT, 2);
  check_bp_fd(COA_SOFTPLUS, COA_LINEAR, 1);
}

/* The MAP-propagation direction is the gradient of log p(h, a | x). */
static void check_energy_fd(coa_unit out, int nout) {
  int widths[] = {3, 4, 3, nout};
  coa_unit units[] = {COA_GAUSSIAN, COA_GAUSSIAN, out};
  double var[] = {0.3, 0.6, 0.5}, temp[] = {1.0, 1.5, 2.0};
  coa_net n;
  random_net(&n, 3, widths, units, var, temp, 11);
  coa_learner L;
  coa_config c;
  coa_config_default(&c);
  c.rule = COA_RULE_MAPPROP;
  c.map_steps = 0;
  syn_err e;
  assert_int_equal(coa_learner_create(&L, &n, &c, &e), SYN_OK);
  const double x[] = {0.3, -1.2, 0.8};
  rng_t g;
  rng_seed(&g, 4, 4);
  coa_learner_act(&L, x, &g);
  coa_learner_energy_grad(&L);
  const double before = coa_learner_log_joint(&L, 0);
  for (int l = 0; l < 2; l++)
    for (int i = 0; i < widths[l + 1]; i++) {
      double *h = &L.x[l + 1][i];
      const double h0 = *h, hh = 1e-6;
      const double an = L.gh[l][i];
      *h = h0 + hh;
      coa_learner_refresh(&L);
      double fp = coa_learner_log_joint(&L, 0);
      *h = h0 - hh;
      coa_learner_refresh(&L);
      double fm = coa_learner_log_joint(&L, 0);
      *h = h0;
      coa_learner_refresh(&L);
      coa_learner_energy_grad(&L);
      const double fd = (fp - fm) / (2 * hh);
      if (fabs(fd - an) > 1e-7 * fmax(1, fabs(fd)))
        fail_msg("%s layer %d unit %d: energy gradient %.12g, finite difference %.12g", coa_unit_name(out),
                 l, i, an, fd);
    }
  /* MAP steps ascend log p(h, a | x) */
  for (int s = 0; s < 5; s++) coa_learner_map_step(&L);
  assert_true(coa_learner_log_joint(&L, 0) > before);
  coa_learner_destroy(&L);
  coa_net_destroy(&n);
}

static void test_mapprop_energy_fd(void **st) {
  check_energy_fd(COA_SOFTMAX, 3);
  check_energy_fd(COA_GAUSS_OUT, 2);
}

/* ---- TD(lambda): delta conventions and the critic update ---- */
static void test_td_critic(void **st) {
  assert_close(agent_td_delta(1.0, 2.0, 3.0, 0.98, false, false), 1 + 0.98 * 3 - 2, 1e-15);
  assert_close(agent_td_delta(1.0, 2.0, 3.0, 0.98, true, false), 1 - 2, 1e-15);
  assert_close(agent_td_delta(1.0, 2.0, 3.0, 0.98, true, true), 1 - 2, 1e-15);
  assert_true(agent_td_delta(1.0, 2.0, 3.0, 0.98, false, true) == 0);
  /* critic 2-2-1, softplus + linear: e = lambda gamma e + dV/dtheta,
   * grad = e delta */
  int widths[] = {2, 2, 1};
  coa_unit units[] = {COA_SOFTPLUS, COA_LINEAR};
  coa_net n;
  syn_err e;
  assert_int_equal(coa_net_create(&n, 2, widths, units, NULL, NULL, &e), SYN_OK);
  const double p[] = {0.5, -0.3, 0.2, 0.4, 0.1, -0.2, 0.3, -0.6, 0.05};
  memcpy(n.params, p, sizeof p);
  coa_config c;
  coa_config_default(&c);
  c.rule = COA_RULE_BACKPROP;
  c.lambda = 0.8;
  c.lr_start[0] = c.lr_end[0] = 0.01;
  c.lr_start[1] = c.lr_end[1] = 0.001;
  coa_learner L;
  assert_int_equal(coa_learner_create(&L, &n, &c, &e), SYN_OK);
  const double x1[] = {1, -0.5}, x2[] = {0.2, 0.3};
  double v1, v2;
  coa_learner_value(&L, x1, &v1, true);
  const double h1[] = {log1p(exp(0.5)), log1p(exp(-0.7))};
  assert_close(v1, 0.3 * h1[0] - 0.6 * h1[1] + 0.05, 1e-15);
  coa_learner_value(&L, x2, &v2, false); /* V(s') does not touch the traces */
  const double delta = agent_td_delta(1.0, v1, v2, 0.98, false, false);
  /* dV/dW1 = h, dV/db1 = 1, dV/dW0_ij = x_i W1_j sigma(pot0_j), dV/db0_j = W1_j sigma(pot0_j) */
  const double s0[] = {S05, SM07}, W1[] = {0.3, -0.6};
  double want[9];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) want[i * 2 + j] = x1[i] * W1[j] * s0[j];
  for (int j = 0; j < 2; j++) want[4 + j] = W1[j] * s0[j];
  want[6] = h1[0];
  want[7] = h1[1];
  want[8] = 1;
  for (int k = 0; k < 9; k++) assert_close(L.trace[k], want[k], 1e-15);
  coa_learner_learn(&L, &delta);
  for (int k = 0; k < 9; k++) {
    assert_close(L.grad[k], want[k] * delta, 1e-15);
    const double lr = k < 6 ? 0.01 : 0.001, gk = want[k] * delta;
    assert_close(n.params[k], p[k] + lr * gk / (fabs(gk) + 1e-8), 1e-15);
  }
  /* a second step decays the trace by lambda gamma */
  coa_learner_value(&L, x2, &v2, true);
  double t6 = 0.8 * 0.98 * want[6] + L.x[1][0];
  assert_close(L.trace[6], t6, 1e-15);
  coa_learner_destroy(&L);
  coa_net_destroy(&n);
}

/* ---- rule/unit combinations that make no sense are refused ---- */
static void test_bad_config(void **st) {
  coa_net n;
  net222(&n, COA_BERNOULLI, COA_SOFTMAX, 1, 1);
  coa_learner L;
  coa_config c;
  coa_config_default(&c);
  syn_err e;
  c.rule = COA_RULE_MAPPROP;
  assert_int_equal(coa_learner_create(&L, &n, &c, &e), SYN_ERR_ARG);
  c.rule = COA_RULE_BACKPROP;
  assert_int_equal(coa_learner_create(&L, &n, &c, &e), SYN_ERR_ARG);
  c.rule = COA_RULE_WEIGHTMAX;
  c.batch = 0;
  assert_int_equal(coa_learner_create(&L, &n, &c, &e), SYN_ERR_ARG);
  coa_net_destroy(&n);
  int widths[] = {2, 2, 2};
  coa_unit units[] = {COA_SOFTMAX, COA_SOFTMAX};
  assert_int_equal(coa_net_create(&n, 2, widths, units, NULL, NULL, &e), SYN_ERR_ARG);
  coa_unit units2[] = {COA_BERNOULLI, COA_BERNOULLI};
  assert_int_equal(coa_net_create(&n, 2, widths, units2, NULL, NULL, &e), SYN_ERR_ARG);
  double badvar[] = {0, 1};
  coa_unit units3[] = {COA_GAUSSIAN, COA_SOFTMAX};
  assert_int_equal(coa_net_create(&n, 2, widths, units3, badvar, NULL, &e), SYN_ERR_ARG);
}

/* ---- save / load ---- */
static void test_save_load(void **st) {
  coa_net a, b;
  net222(&a, COA_GAUSSIAN, COA_SOFTMAX, 0.03, 2.0);
  int widths[] = {4, 5, 3, 1};
  coa_unit units[] = {COA_SOFTPLUS, COA_SOFTPLUS, COA_LINEAR};
  random_net(&b, 3, widths, units, NULL, NULL, 2);
  char path[4096];
  tu_path(path, sizeof path, "coa.bin");
  const coa_net *nets[] = {&a, &b};
  syn_err e;
  assert_int_equal(coa_nets_save(nets, 2, path, &e), SYN_OK);
  coa_net got[2];
  assert_int_equal(coa_nets_load(got, 2, path, &e), SYN_OK);
  for (int k = 0; k < 2; k++) {
    const coa_net *w = nets[k];
    assert_int_equal(got[k].n_layers, w->n_layers);
    assert_int_equal(got[k].n_params, w->n_params);
    assert_memory_equal(got[k].params, w->params, w->n_params * sizeof(double));
    for (int l = 0; l < w->n_layers; l++) {
      assert_int_equal(got[k].layer[l].unit, w->layer[l].unit);
      assert_true(got[k].layer[l].var == w->layer[l].var);
      assert_true(got[k].layer[l].temp == w->layer[l].temp);
      assert_int_equal(got[k].widths[l + 1], w->widths[l + 1]);
    }
    coa_net_destroy(&got[k]);
  }
  /* wrong count, truncation, a flipped byte, a missing file, another format */
  assert_int_equal(coa_nets_load(got, 1, path, &e), SYN_ERR_FORMAT);
  long size;
  unsigned char *buf = tu_slurp(path, &size);
  char bad[4096];
  tu_path(bad, sizeof bad, "coa-bad.bin");
  for (long cut = 0; cut < size; cut += 7) {
    tu_spit(bad, buf, (size_t)cut);
    assert_int_not_equal(coa_nets_load(got, 2, bad, &e), SYN_OK);
  }
  buf[40] ^= 0x10;
  tu_spit(bad, buf, (size_t)size);
  assert_int_equal(coa_nets_load(got, 2, bad, &e), SYN_ERR_FORMAT);
  buf[40] ^= 0x10;
  buf[0] = 'X';
  tu_spit(bad, buf, (size_t)size);
  assert_int_not_equal(coa_nets_load(got, 2, bad, &e), SYN_OK);
  free(buf);
  tu_path(bad, sizeof bad, "does-not-exist.bin");
  assert_int_equal(coa_nets_load(got, 2, bad, &e), SYN_ERR_IO);
  coa_net_destroy(&a);
  coa_net_destroy(&b);
}

/* ---- the driver: a seed fixes a run bit for bit ---- */
static void base_config(agent_config *c, const char *env_name, coa_rule rule, long episodes) {
  memset(c, 0, sizeof *c);
  c->env_name = env_name;
  env_config_default(&c->env);
  c->n_hidden = 2;
  c->hidden[0] = 16;
  c->hidden[1] = 8;
  c->hidden_unit = rule == COA_RULE_MAPPROP ? COA_GAUSSIAN : rule == COA_RULE_BACKPROP ? COA_SOFTPLUS
                                                                                       : COA_BERNOULLI;
  for (int l = 0; l < COA_MAX_LAYERS; l++) c->var[l] = 0.1;
  c->hidden_temp = c->temp = 1;
  coa_config_default(&c->actor);
  c->actor.rule = rule;
  c->actor.map_steps = 5;
  c->actor.lr_start[0] = c->actor.lr_end[0] = 0.01;
  c->actor.lr_start[1] = c->actor.lr_end[1] = 0.001;
  c->actor.lr_start[2] = c->actor.lr_end[2] = 0.001;
  c->critic_n_hidden = 2;
  c->critic_hidden[0] = 8;
  c->critic_hidden[1] = 4;
  coa_config_default(&c->critic);
  c->critic.lambda = 0.8;
  for (int l = 0; l < 3; l++) c->critic.lr_start[l] = c->critic.lr_end[l] = 0.01;
  c->use_critic = true;
  c->episodes = episodes;
  c->seed = 7;
}

static void test_determinism(void **st) {
  const coa_rule rules[] = {COA_RULE_WEIGHTMAX, COA_RULE_MAPPROP, COA_RULE_BACKPROP};
  for (int k = 0; k < 3; k++) {
    uint64_t fp[3];
    double avg[3];
    for (int run = 0; run < 3; run++) {
      agent_config c;
      base_config(&c, "cartpole", rules[k], 15);
      c.actor.lambda = 0.5;
      c.actor.batch = 2;
      if (run == 2) c.seed = 8;
      coa_net a, cr;
      agent_result r;
      syn_err e;
      assert_int_equal(agent_run(&c, &a, &cr, &r, &e), SYN_OK);
      assert_int_equal(r.episodes, 15);
      fp[run] = core_fnv1a64(a.params, a.n_params * sizeof(double), CORE_FNV_INIT) ^
                core_fnv1a64(cr.params, cr.n_params * sizeof(double), CORE_FNV_INIT);
      avg[run] = r.avg_return;
      coa_net_destroy(&a);
      coa_net_destroy(&cr);
    }
    assert_true(fp[0] == fp[1] && avg[0] == avg[1]);
    assert_true(fp[0] != fp[2]);
  }
}

/* ---- they learn: the 6-bit multiplexer (k = 2) without a critic; the
 * average reward of the last 100 samples must rise well above chance (0) ---- */
typedef struct tail_ctx {
  double last[500];
  long n;
} tail_ctx;

static void tail_episode(void *user, long ep, long steps, double ret) {
  tail_ctx *t = user;
  t->last[t->n++ % 500] = ret;
}

static void test_learns_multiplexer(void **st) {
  const coa_rule rules[] = {COA_RULE_WEIGHTMAX, COA_RULE_BACKPROP, COA_RULE_MAPPROP};
  for (int k = 0; k < 3; k++) {
    agent_config c;
    base_config(&c, "multiplexer6", rules[k], 20000);
    c.use_critic = false;
    c.hidden[0] = 32;
    c.hidden[1] = 16;
    if (rules[k] == COA_RULE_MAPPROP) {
      c.actor.map_steps = 10;
      c.actor.batch = 8;
      c.episodes = 80000;
      c.var[0] = 0.03;
    }
    tail_ctx t = {.n = 0};
    c.on_episode = tail_episode;
    c.user = &t;
    coa_net a;
    agent_result r;
    syn_err e;
    assert_int_equal(agent_run(&c, &a, NULL, &r, &e), SYN_OK);
    double s = 0;
    for (int i = 0; i < 500; i++) s += t.last[i];
    if (s / 500 < 0.6) fail_msg("%s: last-500 mean reward %.3f", coa_rule_name(rules[k]), s / 500);
    coa_net_destroy(&a);
  }
}

/* ---- N-1 free logits: the last action's logit is the constant 0, so a
 * two-action softmax is one Bernoulli-logistic unit p0 = sigma(z0 / temp) ---- */
static void test_fixed_last_logit(void **st) {
  coa_net n;
  net222(&n, COA_BERNOULLI, COA_SOFTMAX, 1, 2.0);
  coa_config c;
  coa_config_default(&c);
  c.rule = COA_RULE_WEIGHTMAX;
  c.fix_last_logit = true;
  c.lr_start[0] = c.lr_end[0] = c.lr_start[1] = c.lr_end[1] = 0.1;
  coa_learner L;
  syn_err e;
  assert_int_equal(coa_learner_create(&L, &n, &c, &e), SYN_OK);
  const coa_layer *top = &n.layer[1];
  assert_true(top->w[1] == 0 && top->w[3] == 0 && top->b[1] == 0);
  assert_true(top->w[0] == 0.3 && top->w[2] == 0.7 && top->b[0] == 0.05);
  const double h[] = {1, 0};
  set_values(&L, h, 0);
  coa_learner_eligibility(&L);
  const double z0 = (0.3 + 0.05) / 2.0, p0 = 1.0 / (1.0 + exp(-z0));
  assert_close(L.mean[1][0], p0, 1e-15);
  assert_close(L.gz[1][0], (1 - p0) / 2.0, 1e-15);
  assert_true(L.gz[1][1] == 0);
  const double r = 1.5;
  coa_learner_learn(&L, &r);
  assert_true(top->w[1] == 0 && top->w[3] == 0 && top->b[1] == 0);
  assert_true(top->w[0] != 0.3);
  /* Weight Max: hidden unit 0 gets 2 w_00 e_00 R only (the fixed column adds nothing) */
  assert_close(L.R[0][0], 2 * top->w[0] * (1 - p0) / 2.0 * r, 1e-15);
  assert_true(L.R[0][1] == 0); /* h1 = 0: its traces are 0 */
  coa_learner_destroy(&L);
  /* a one-action or non-softmax output cannot fix a logit */
  coa_net g;
  net222(&g, COA_GAUSSIAN, COA_GAUSS_OUT, 1, 1.0);
  c.rule = COA_RULE_MAPPROP;
  assert_int_equal(coa_learner_create(&L, &g, &c, &e), SYN_ERR_ARG);
  coa_net_destroy(&g);
  coa_net_destroy(&n);
}

/* ---- the MAP-prop critic: V is the output's mean given the sampled hidden
 * values; the eligibilities are divided by (v - mean), so the output layer's
 * trace is d mean / d params / var whatever the sample ---- */
static void test_value_map_gate(void **st) {
  int widths[] = {2, 2, 1};
  coa_unit units[] = {COA_GAUSSIAN, COA_GAUSS_OUT};
  double var[] = {0.5, 0.1};
  coa_net n;
  syn_err e;
  assert_int_equal(coa_net_create(&n, 2, widths, units, var, NULL, &e), SYN_OK);
  const double p[] = {0.5, -0.3, 0.2, 0.4, 0.1, -0.2, 0.3, -0.6, 0.05};
  memcpy(n.params, p, sizeof p);
  for (int steps = 0; steps <= 3; steps += 3) {
    coa_config c;
    coa_config_default(&c);
    c.rule = COA_RULE_MAPPROP;
    c.map_steps = steps;
    coa_learner L;
    assert_int_equal(coa_learner_create(&L, &n, &c, &e), SYN_OK);
    rng_t r;
    rng_seed(&r, 5, 0);
    const double x[] = {1, -0.5};
    double v;
    coa_learner_value_map(&L, x, &v, false, &r);
    for (int k = 0; k < 9; k++) assert_true(L.trace[k] == 0); /* no trace without */
    const double h0 = L.x[1][0], h1 = L.x[1][1];
    assert_close(v, 0.3 * h0 - 0.6 * h1 + 0.05, 1e-14);
    coa_learner_value_map(&L, x, &v, true, &r);
    const double d = L.x[2][0] - L.mean[1][0];
    /* output layer: x_j (v - mu)/var / (v - mu) = h_j / var, bias 1 / var */
    assert_close(L.trace[6], L.x[1][0] / 0.1, 1e-9);
    assert_close(L.trace[7], L.x[1][1] / 0.1, 1e-9);
    assert_close(L.trace[8], 1 / 0.1, 1e-9);
    /* hidden: x_i (h - mu) sigma(pot) / var_h / (v - mu) */
    for (int j = 0; j < 2; j++) {
      const double g = (L.x[1][j] - L.mean[0][j]) * coa_sigmoid(L.pot[0][j]) / 0.5 / d;
      assert_close(L.trace[j], x[0] * g, 1e-9);
      assert_close(L.trace[2 + j], x[1] * g, 1e-9);
      assert_close(L.trace[4 + j], g, 1e-9);
    }
    coa_learner_destroy(&L);
  }
  coa_net_destroy(&n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reinforce_hand),   cmocka_unit_test(test_weightmax_hand),
      cmocka_unit_test(test_traces_hand),      cmocka_unit_test(test_adam_hand),
      cmocka_unit_test(test_mapprop_step_hand), cmocka_unit_test(test_ste_hand),
      cmocka_unit_test(test_backprop_fd),      cmocka_unit_test(test_mapprop_energy_fd),
      cmocka_unit_test(test_td_critic),        cmocka_unit_test(test_bad_config),
      cmocka_unit_test(test_save_load),        cmocka_unit_test(test_determinism),
      cmocka_unit_test(test_learns_multiplexer), cmocka_unit_test(test_fixed_last_logit),
      cmocka_unit_test(test_value_map_gate),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
