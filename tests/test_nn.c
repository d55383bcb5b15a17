/* nn: forward values, losses, accuracy counting, backpropagation checked by
 * central differences, the network file format and thread independence. */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include "synrl/nn.h"
#include "core/fileio.h"

#include <ftw.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const nn_act ACTS[4] = {NN_ACT_IDENTITY, NN_ACT_TANH, NN_ACT_RELU, NN_ACT_SIGMOID};
static const nn_loss LOSSES[3] = {NN_LOSS_EUCLID, NN_LOSS_MSE, NN_LOSS_SOFTMAX_CE};

/* ---------------- names, creation ---------------- */
static void test_names(void **st) {
  (void)st;
  for (int i = 0; i < 4; i++) {
    nn_act a;
    assert_int_equal(nn_act_parse(nn_act_name(ACTS[i]), &a), 0);
    assert_int_equal(a, ACTS[i]);
  }
  nn_act a = NN_ACT_TANH;
  assert_int_equal(nn_act_parse("linear", &a), 0);
  assert_int_equal(a, NN_ACT_IDENTITY);
  assert_int_not_equal(nn_act_parse("softplus", &a), 0);
  assert_int_not_equal(nn_act_parse("", &a), 0);
  assert_string_equal(nn_act_name((nn_act)17), "?");
  for (int i = 0; i < 3; i++) {
    nn_loss l;
    assert_int_equal(nn_loss_parse(nn_loss_name(LOSSES[i]), &l), 0);
    assert_int_equal(l, LOSSES[i]);
  }
  nn_loss l;
  assert_int_not_equal(nn_loss_parse("hinge", &l), 0);
  assert_string_equal(nn_loss_name((nn_loss)5), "?");
}

static void test_create(void **st) {
  (void)st;
  nn_mlp m;
  syn_err e = {0};
  int w[4] = {785, 32, 10, 0};
  nn_act act[3] = {NN_ACT_RELU, NN_ACT_IDENTITY, NN_ACT_TANH};
  assert_int_equal(nn_mlp_create(&m, 2, w, act, &e), SYN_OK);
  assert_int_equal(m.n_params, 786 * 32 + 33 * 10);
  assert_int_equal(m.offset[1], 786 * 32);
  assert_ptr_equal(m.w[1], m.params + 786 * 32);
  for (size_t i = 0; i < m.n_params; i++) assert_true(m.params[i] == 0.0);
  char buf[128];
  nn_mlp_describe(&m, buf, sizeof buf);
  assert_string_equal(buf, "785-32-10 (relu, identity)");
  char small[8];
  nn_mlp_describe(&m, small, sizeof small); /* cut, terminated */
  assert_true(strlen(small) < sizeof small);
  /* init: biases zero, weights in [-r, r] */
  rng_t r;
  rng_seed(&r, 3, 0);
  nn_mlp_init_uniform(&m, 0.5, &r);
  for (int l = 0; l < 2; l++) {
    int out = m.widths[l + 1];
    for (int j = 0; j < out; j++) assert_true(m.w[l][j] == 0.0);
    for (size_t i = (size_t)out; i < (size_t)(m.widths[l] + 1) * out; i++)
      assert_true(m.w[l][i] >= -0.5 && m.w[l][i] <= 0.5);
  }
  nn_mlp c;
  assert_int_equal(nn_mlp_clone(&c, &m, &e), SYN_OK);
  assert_int_equal(c.n_params, m.n_params);
  assert_memory_equal(c.params, m.params, m.n_params * sizeof(double));
  assert_ptr_not_equal(c.params, m.params);
  nn_mlp_destroy(&c);
  nn_mlp_destroy(&m);
  assert_null(m.params);

  /* bad shapes */
  assert_int_equal(nn_mlp_create(&m, 0, w, act, &e), SYN_ERR_ARG);
  assert_int_equal(nn_mlp_create(&m, NN_MAX_LAYERS + 1, w, act, &e), SYN_ERR_ARG);
  int w0[3] = {2, 0, 1};
  assert_int_equal(nn_mlp_create(&m, 2, w0, act, &e), SYN_ERR_ARG);
  int wneg[2] = {-3, 1};
  assert_int_equal(nn_mlp_create(&m, 1, wneg, act, &e), SYN_ERR_ARG);
  nn_act bad[1] = {(nn_act)9};
  int w1[2] = {2, 1};
  assert_int_equal(nn_mlp_create(&m, 1, w1, bad, &e), SYN_ERR_ARG);
  assert_null(m.params);
}

/* ---------------- hand-computed values ---------------- */
/* 2-2-1 network, x = (1, 2).
 *   layer 0 (rows: bias, x1, x2):  [0.5 -1; 1 2; -1 0.5]
 *     z1 = 0.5 + 1*1 + 2*(-1)  = -0.5
 *     z2 = -1  + 1*2 + 2*0.5   =  2
 *   layer 1 (rows: bias, h1, h2):  [0.25; 3; -0.5]
 * relu hidden, identity output:  h = (0, 2),  y = 0.25 + 0*3 + 2*(-0.5) = -0.75 (exact)
 * tanh hidden: h = (tanh(-0.5), tanh(2)) = (-0.46211715726000974, 0.9640275800758169)
 *   z = 0.25 + 3*(-0.46211715726000974) - 0.5*0.9640275800758169 = -1.6183652618179376
 *   identity output: -1.6183652618179376
 *   sigmoid output: 1 / (1 + exp(1.6183652618179376)) = 0.16543044397098033 */
static double forward_221(nn_act hid, nn_act out) {
  nn_mlp m;
  syn_err e = {0};
  int w[3] = {2, 2, 1};
  nn_act act[2] = {hid, out};
  assert_int_equal(nn_mlp_create(&m, 2, w, act, &e), SYN_OK);
  const double l0[6] = {0.5, -1, 1, 2, -1, 0.5}, l1[3] = {0.25, 3, -0.5};
  memcpy(m.w[0], l0, sizeof l0);
  memcpy(m.w[1], l1, sizeof l1);
  const double x[2] = {1, 2};
  nn_batch b = {.n = 1, .in_dim = 2, .x = x, .out_dim = 1};
  nn_ws ws;
  assert_int_equal(nn_ws_create(&ws, &m, 1, &e), SYN_OK);
  nn_mlp_forward_rows(&m, &b, &ws, 0, 0, 1);
  double y = ws.h[1][0];
  if (hid == NN_ACT_RELU) {
    assert_true(ws.z[0][0] == -0.5 && ws.z[0][1] == 2.0);
    assert_true(ws.h[0][0] == 0.0 && ws.h[0][1] == 2.0);
  }
  /* forward from layer 1 only, with h[0] as given: same output */
  ws.h[1][0] = 123;
  nn_mlp_forward_rows(&m, &b, &ws, 1, 0, 1);
  assert_true(ws.h[1][0] == y);
  nn_ws_destroy(&ws);
  nn_mlp_destroy(&m);
  return y;
}

static void test_forward_hand(void **st) {
  (void)st;
  assert_true(forward_221(NN_ACT_RELU, NN_ACT_IDENTITY) == -0.75);
  assert_close(forward_221(NN_ACT_TANH, NN_ACT_IDENTITY), -1.6183652618179376, 1e-14);
  assert_close(forward_221(NN_ACT_TANH, NN_ACT_SIGMOID), 0.16543044397098033, 1e-14);
  /* identity hidden: h = z = (-0.5, 2), y = 0.25 - 1.5 - 1 = -2.25; tanh(-2.25) */
  assert_close(forward_221(NN_ACT_IDENTITY, NN_ACT_TANH), tanh(-2.25), 1e-15);
  /* sigmoid hidden, relu output: h = (s(-0.5), s(2)); y = max(0, 0.25 + 3 h1 - 0.5 h2) */
  double s1 = 1 / (1 + exp(0.5)), s2 = 1 / (1 + exp(-2.0));
  assert_close(forward_221(NN_ACT_SIGMOID, NN_ACT_RELU), fmax(0, 0.25 + 3 * s1 - 0.5 * s2), 1e-15);
}

static void test_act_apply(void **st) {
  (void)st;
  const double z[5] = {-2, -0.0, 0, 1e-300, 3};
  double h[5];
  nn_act_apply(NN_ACT_RELU, z, h, 5);
  assert_true(h[0] == 0 && h[1] == 0 && h[2] == 0 && h[3] == 1e-300 && h[4] == 3);
  nn_act_apply(NN_ACT_SIGMOID, z, h, 5);
  assert_true(h[2] == 0.5);
  assert_close(h[4], 1 / (1 + exp(-3.0)), 1e-16);
  nn_act_apply(NN_ACT_TANH, z, h, 5);
  assert_true(h[2] == 0.0);
  nn_act_apply(NN_ACT_IDENTITY, z, h, 5);
  assert_memory_equal(h, z, sizeof z);
  double in_place[2] = {1, 2};
  nn_act_apply(NN_ACT_IDENTITY, in_place, in_place, 2);
  assert_true(in_place[0] == 1 && in_place[1] == 2);
  /* sigmoid of large magnitudes stays in [0, 1] and finite */
  const double big[2] = {-800, 800};
  nn_act_apply(NN_ACT_SIGMOID, big, h, 2);
  assert_true(h[0] == 0.0 && h[1] == 1.0);
}

/* An identity 1-1 network with weight 1 and bias 0 passes its input through
 * exactly, so nn_mlp_loss sees the outputs we choose. */
static void passthrough(nn_mlp *m, int k) {
  syn_err e = {0};
  int w[2] = {k, k};
  nn_act act[1] = {NN_ACT_IDENTITY};
  assert_int_equal(nn_mlp_create(m, 1, w, act, &e), SYN_OK);
  for (int i = 0; i < k; i++) m->w[0][k + i * k + i] = 1.0; /* rows after the bias row */
}

static void test_loss_euclid_mse_hand(void **st) {
  (void)st;
  /* outputs (1, 2, 3), targets (1, 0, 1): squared errors 0 + 4 + 4 = 8
   * euclid = sqrt(8) / 3 = 0.9428090415820635; mse = 8 / 3 */
  const double out[3] = {1, 2, 3}, t[3] = {1, 0, 1};
  nn_batch b = {.n = 3, .in_dim = 1, .x = out, .targets = t, .out_dim = 1};
  double part = nn_loss_partial(NN_LOSS_EUCLID, &b, out, 1, 0, 3);
  assert_true(part == 8.0);
  assert_true(nn_loss_partial(NN_LOSS_EUCLID, &b, out, 1, 1, 2) == 4.0);
  assert_close(nn_loss_finish(NN_LOSS_EUCLID, part, 3, 1), 0.9428090415820635, 1e-16);
  assert_close(nn_loss_finish(NN_LOSS_MSE, part, 3, 1), 8.0 / 3.0, 1e-16);
  nn_mlp m;
  passthrough(&m, 1);
  nn_ws ws;
  syn_err e = {0};
  assert_int_equal(nn_ws_create(&ws, &m, 3, &e), SYN_OK);
  double acc;
  assert_close(nn_mlp_loss(&m, &b, &ws, NN_LOSS_EUCLID, NN_ACC_SIGN, &acc), sqrt(8.0) / 3, 1e-16);
  assert_close(acc, 2.0 / 3.0, 1e-16); /* row 1: output 2 > 0 but target 0 is not */
  assert_close(nn_mlp_loss(&m, &b, &ws, NN_LOSS_MSE, NN_ACC_SIGN, NULL), 8.0 / 3.0, 1e-15);
  nn_ws_destroy(&ws);
  nn_mlp_destroy(&m);

  /* two outputs: euclid is the norm over all entries of the batch, / N;
   * mse divides by N * outputs. Errors (3, 4) and (0, 0): ||.|| = 5. */
  const double o2[4] = {3, 4, 1, 1}, t2[4] = {0, 0, 1, 1};
  nn_batch b2 = {.n = 2, .in_dim = 2, .x = o2, .targets = t2, .out_dim = 2};
  double p2 = nn_loss_partial(NN_LOSS_MSE, &b2, o2, 2, 0, 2);
  assert_true(p2 == 25.0);
  assert_true(nn_loss_finish(NN_LOSS_EUCLID, p2, 2, 2) == 2.5);
  assert_true(nn_loss_finish(NN_LOSS_MSE, p2, 2, 2) == 6.25);
}

static double literal_ce(const double *z, int k, int y) {
  /* -log(softmax(z + 1e-8)_y + 1e-8), written out */
  double den = 0;
  for (int j = 0; j < k; j++) den += exp(z[j] + 1e-8);
  return -log(exp(z[y] + 1e-8) / den + 1e-8);
}

static void test_loss_softmax_hand(void **st) {
  (void)st;
  /* row 0: z = (1, 2, 3), y = 0: p0 = e / (e + e^2 + e^3) = 0.09003057317038046
   *        term = -log(0.09003057317038046 + 1e-8) = 2.4076058942...
   * row 1: z = (0, 0, 0), y = 2: p = 1/3, term = -log(1/3 + 1e-8) = 1.0986122586...
   * row 2: z = (1000, 0, -1000), y = 0: p0 = 1 (the max is subtracted), term = -log(1 + 1e-8)
   * row 3: z = (1000, 0, -1000), y = 2: p2 underflows to 0, term = -log(1e-8) = 18.42...
   * loss = mean of the four terms. */
  const double z[12] = {1, 2, 3, 0, 0, 0, 1000, 0, -1000, 1000, 0, -1000};
  const int32_t y[4] = {0, 2, 0, 2};
  nn_batch b = {.n = 4, .in_dim = 3, .x = z, .labels = y, .out_dim = 3};
  double t0 = nn_loss_partial(NN_LOSS_SOFTMAX_CE, &b, z, 3, 0, 1);
  double p0 = exp(1.0) / (exp(1.0) + exp(2.0) + exp(3.0));
  assert_close(p0, 0.09003057317038046, 1e-16);
  assert_close(t0, -log(p0 + 1e-8), 1e-14);
  assert_close(t0, literal_ce(z, 3, 0), 1e-14);
  double t1 = nn_loss_partial(NN_LOSS_SOFTMAX_CE, &b, z, 3, 1, 2);
  assert_close(t1, -log(1.0 / 3.0 + 1e-8), 1e-15);
  double t2 = nn_loss_partial(NN_LOSS_SOFTMAX_CE, &b, z, 3, 2, 3);
  assert_close(t2, -log(1.0 + 1e-8), 1e-15);
  double t3 = nn_loss_partial(NN_LOSS_SOFTMAX_CE, &b, z, 3, 3, 4);
  assert_close(t3, -log(1e-8), 1e-12);
  assert_true(isfinite(t3));
  double all = nn_loss_partial(NN_LOSS_SOFTMAX_CE, &b, z, 3, 0, 4);
  assert_close(nn_loss_finish(NN_LOSS_SOFTMAX_CE, all, 4, 3), (t0 + t1 + t2 + t3) / 4, 1e-14);

  nn_mlp m;
  passthrough(&m, 3);
  nn_ws ws;
  syn_err e = {0};
  assert_int_equal(nn_ws_create(&ws, &m, 4, &e), SYN_OK);
  double acc;
  double loss = nn_mlp_loss(&m, &b, &ws, NN_LOSS_SOFTMAX_CE, NN_ACC_ARGMAX, &acc);
  assert_close(loss, (t0 + t1 + t2 + t3) / 4, 1e-13);
  /* argmax: row0 -> 2 (y 0) wrong, row1 tie -> 0 (y 2) wrong, row2 -> 0 right, row3 wrong */
  assert_close(acc, 0.25, 0);
  nn_ws_destroy(&ws);
  nn_mlp_destroy(&m);
}

static void test_acc_count(void **st) {
  (void)st;
  /* sign: correct iff (out > 0) == (target > 0); zero counts as not positive */
  const double o[6] = {0.5, -0.2, 0.0, 0.3, -0.0, -1};
  const double t[6] = {1, -1, 1, -0.0, 0.0, 2};
  nn_batch b = {.n = 6, .targets = t, .out_dim = 1};
  /* rows: ok, ok, wrong (0 vs +), wrong (+ vs 0), ok (0 vs 0), wrong */
  assert_int_equal(nn_acc_count(NN_ACC_SIGN, &b, o, 1, 0, 6), 3);
  assert_int_equal(nn_acc_count(NN_ACC_SIGN, &b, o, 1, 2, 4), 0);
  assert_int_equal(nn_acc_count(NN_ACC_SIGN, &b, o, 1, 3, 3), 0);
  /* sign with two outputs looks at the first column only */
  const double o2[4] = {1, -5, -1, 5}, t2[4] = {1, 5, -1, -5};
  nn_batch b2 = {.n = 2, .targets = t2, .out_dim = 2};
  assert_int_equal(nn_acc_count(NN_ACC_SIGN, &b2, o2, 2, 0, 2), 2);

  /* argmax: ties go to the lowest index */
  const double z[12] = {1, 3, 3, /**/ 1, 3, 3, /**/ -1, -2, -3, /**/ 0, 0, 0.1};
  const int32_t y[4] = {1, 2, 0, 2};
  nn_batch c = {.n = 4, .labels = y, .out_dim = 3};
  assert_int_equal(nn_acc_count(NN_ACC_ARGMAX, &c, z, 3, 0, 4), 3);
  assert_int_equal(nn_acc_count(NN_ACC_ARGMAX, &c, z, 3, 1, 2), 0);
  assert_int_equal(nn_acc_count(NN_ACC_ARGMAX, &c, z, 3, 2, 4), 2);
}

/* ---------------- gradient check ---------------- */
typedef struct gc_case {
  int nh;           /* hidden layers */
  nn_act hid, out;
  nn_loss loss;
  size_t n;         /* rows */
} gc_case;

/* Smallest |pre-activation| over relu layers (inf if none). */
static double relu_margin(const nn_mlp *m, const nn_ws *ws, size_t n) {
  double mn = INFINITY;
  for (int l = 0; l < m->n_layers; l++) {
    if (m->act[l] != NN_ACT_RELU) continue;
    for (size_t i = 0; i < n * (size_t)m->widths[l + 1]; i++) mn = fmin(mn, fabs(ws->z[l][i]));
  }
  return mn;
}

static void grad_check(const gc_case *c, uint64_t seed) {
  const int in = 3, k = c->loss == NN_LOSS_SOFTMAX_CE ? 4 : 2;
  const int hw[2] = {5, 4};
  int w[4];
  nn_act act[3];
  w[0] = in;
  for (int i = 0; i < c->nh; i++) w[i + 1] = hw[i], act[i] = c->hid;
  w[c->nh + 1] = k;
  act[c->nh] = c->out;
  nn_mlp m;
  syn_err e = {0};
  assert_int_equal(nn_mlp_create(&m, c->nh + 1, w, act, &e), SYN_OK);
  size_t n = c->n;
  double *x = malloc(n * in * sizeof *x), *t = malloc(n * k * sizeof *t);
  int32_t *y = malloc(n * sizeof *y);
  nn_ws ws;
  assert_int_equal(nn_ws_create(&ws, &m, n, &e), SYN_OK);
  nn_batch b = {.n = n, .in_dim = in, .x = x, .out_dim = k};
  if (c->loss == NN_LOSS_SOFTMAX_CE)
    b.labels = y;
  else
    b.targets = t;
  /* Draw weights, biases and data; with relu, redraw until no pre-activation
   * is near the kink (the finite differences would straddle it). */
  int tries = 0;
  for (;; tries++) {
    assert_true(tries < 200);
    rng_t r;
    rng_seed(&r, seed, (uint64_t)tries);
    nn_mlp_init_uniform(&m, 1.0, &r);
    for (int l = 0; l < m.n_layers; l++)
      for (int j = 0; j < m.widths[l + 1]; j++) m.w[l][j] = rng_uniform_range(&r, -0.5, 0.5);
    for (size_t i = 0; i < n * in; i++) x[i] = rng_uniform_range(&r, -1, 1);
    for (size_t i = 0; i < n * k; i++) t[i] = rng_uniform_range(&r, -1, 1);
    for (size_t i = 0; i < n; i++) y[i] = (int32_t)rng_below(&r, (uint64_t)k);
    nn_mlp_forward_rows(&m, &b, &ws, 0, 0, n);
    if (relu_margin(&m, &ws, n) <= 1e-3) continue;
    /* a check that passes because everything is zero checks nothing: with
     * relu, redraw until most units are alive */
    nn_mlp_grad(&m, &b, &ws, c->loss);
    size_t nz = 0;
    for (size_t i = 0; i < m.n_params; i++) nz += fabs(ws.grad[i]) > 1e-9;
    if (nz > m.n_params / 2) break;
  }
  double loss0 = nn_mlp_loss(&m, &b, &ws, c->loss, NN_ACC_SIGN, NULL);
  double lg = nn_mlp_grad(&m, &b, &ws, c->loss);
  assert_memory_equal(&lg, &loss0, sizeof lg); /* grad reports the same loss, bit for bit */
  double *g = malloc(m.n_params * sizeof *g);
  memcpy(g, ws.grad, m.n_params * sizeof *g);
  const double h = 1e-5;
  double worst = 0;
  size_t worst_i = 0;
  double worst_g = 0, worst_fd = 0;
  for (size_t i = 0; i < m.n_params; i++) {
    double p = m.params[i];
    m.params[i] = p + h;
    double lp = nn_mlp_loss(&m, &b, &ws, c->loss, NN_ACC_SIGN, NULL);
    m.params[i] = p - h;
    double lm = nn_mlp_loss(&m, &b, &ws, c->loss, NN_ACC_SIGN, NULL);
    m.params[i] = p;
    double fd = (lp - lm) / (2 * h);
    /* relative error; below 1e-3 in size, absolute error against 1e-3 */
    double err = fabs(g[i] - fd) / fmax(fmax(fabs(g[i]), fabs(fd)), 1e-3);
    if (err > worst) worst = err, worst_i = i, worst_g = g[i], worst_fd = fd;
  }
  if (worst > 1e-6)
    fail_msg("gradient check: %d hidden (%s), output %s, loss %s, %zu rows: param %zu: "
             "backprop %.12g, central difference %.12g (rel. error %.3g)",
             c->nh, nn_act_name(c->hid), nn_act_name(c->out), nn_loss_name(c->loss), n, worst_i,
             worst_g, worst_fd, worst);
  free(g);
  free(x);
  free(t);
  free(y);
  nn_ws_destroy(&ws);
  nn_mlp_destroy(&m);
}

static void test_grad_all(void **st) {
  (void)st;
  int count = 0;
  for (int li = 0; li < 3; li++)
    for (int nh = 0; nh <= 2; nh++)
      for (int hi = 0; hi < (nh ? 4 : 1); hi++)
        for (int oi = 0; oi < 4; oi++) {
          gc_case c = {nh, ACTS[hi], ACTS[oi], LOSSES[li], 7};
          grad_check(&c, 1000 + (uint64_t)count++);
        }
  assert_int_equal(count, 3 * (4 + 16 + 16));
}

static void test_grad_chunks(void **st) {
  (void)st;
  /* more rows than one NN_CHUNK, with a partial last chunk */
  gc_case a = {1, NN_ACT_TANH, NN_ACT_IDENTITY, NN_LOSS_SOFTMAX_CE, 2 * NN_CHUNK + 17};
  grad_check(&a, 7);
  gc_case b = {2, NN_ACT_RELU, NN_ACT_TANH, NN_LOSS_EUCLID, NN_CHUNK + 1};
  grad_check(&b, 8);
}

static void test_grad_wide_softmax(void **st) {
  (void)st;
  /* softmax-ce over more than 1024 classes (a fixed-size buffer would
   * overflow): spot-check gradients of the first and the last classes */
  const int in = 2, k = 1500;
  const size_t n = 3;
  int w[2] = {in, k};
  nn_act act[1] = {NN_ACT_IDENTITY};
  nn_mlp m;
  syn_err e = {0};
  assert_int_equal(nn_mlp_create(&m, 1, w, act, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, 77, 0);
  nn_mlp_init_uniform(&m, 1.0, &r);
  const double x[6] = {0.3, -0.7, 1.1, 0.2, -0.4, 0.9};
  const int32_t y[3] = {3, 1400, k - 1};
  nn_batch b = {.n = n, .in_dim = in, .x = x, .labels = y, .out_dim = k};
  nn_ws ws;
  assert_int_equal(nn_ws_create(&ws, &m, n, &e), SYN_OK);
  nn_mlp_grad(&m, &b, &ws, NN_LOSS_SOFTMAX_CE);
  const size_t cols[] = {0, 3, 1023, 1024, 1400, (size_t)k - 1};
  for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
    for (size_t row = 0; row < 3; row++) {
      size_t i = row * (size_t)k + cols[c];
      double p = m.params[i], h = 1e-5;
      m.params[i] = p + h;
      double lp = nn_mlp_loss(&m, &b, &ws, NN_LOSS_SOFTMAX_CE, NN_ACC_ARGMAX, NULL);
      m.params[i] = p - h;
      double lm = nn_mlp_loss(&m, &b, &ws, NN_LOSS_SOFTMAX_CE, NN_ACC_ARGMAX, NULL);
      m.params[i] = p;
      nn_mlp_grad(&m, &b, &ws, NN_LOSS_SOFTMAX_CE);
      double fd = (lp - lm) / (2 * h), g = ws.grad[i];
      if (fabs(g - fd) > 1e-6 * fmax(fmax(fabs(g), fabs(fd)), 1e-3))
        fail_msg("class %zu, weight row %zu: backprop %.12g, central difference %.12g", cols[c],
                 row, g, fd);
    }
  nn_ws_destroy(&ws);
  nn_mlp_destroy(&m);
}

static void test_grad_zero_residual(void **st) {
  (void)st;
  /* euclid with outputs equal to the targets: loss 0, gradient 0 (not NaN) */
  nn_mlp m;
  passthrough(&m, 1);
  const double x[2] = {0.5, -0.25};
  nn_batch b = {.n = 2, .in_dim = 1, .x = x, .targets = x, .out_dim = 1};
  nn_ws ws;
  syn_err e = {0};
  assert_int_equal(nn_ws_create(&ws, &m, 2, &e), SYN_OK);
  assert_true(nn_mlp_grad(&m, &b, &ws, NN_LOSS_EUCLID) == 0.0);
  for (size_t i = 0; i < m.n_params; i++) assert_true(ws.grad[i] == 0.0);
  nn_ws_destroy(&ws);
  nn_mlp_destroy(&m);
}

/* ---------------- file format ---------------- */
static void make_net(nn_mlp *m) {
  syn_err e = {0};
  int w[4] = {6, 5, 4, 3};
  nn_act act[3] = {NN_ACT_RELU, NN_ACT_SIGMOID, NN_ACT_TANH};
  assert_int_equal(nn_mlp_create(m, 3, w, act, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, 11, 0);
  for (size_t i = 0; i < m->n_params; i++) m->params[i] = rng_uniform_range(&r, -3, 3);
  m->params[0] = -0.0;
  m->params[1] = 5e-324;
  m->params[2] = -1.7976931348623157e308;
}

static void expect_load_fails(const char *path, syn_status want, const char *what) {
  nn_mlp m;
  memset(&m, 0x5a, sizeof m);
  syn_err e = {0};
  syn_status s = nn_mlp_load(&m, path, &e);
  if (s != want) fail_msg("%s: status %d (%s), expected %d", what, (int)s, e.msg, (int)want);
  assert_contains(e.msg, path);
  assert_null(m.params); /* nothing to free, safe to destroy */
  nn_mlp_destroy(&m);
}

static void test_save_load(void **st) {
  (void)st;
  nn_mlp m, back;
  make_net(&m);
  char p[512];
  tu_path(p, sizeof p, "net.bin");
  syn_err e = {0};
  assert_int_equal(nn_mlp_save(&m, p, &e), SYN_OK);
  assert_int_equal(nn_mlp_load(&back, p, &e), SYN_OK);
  assert_int_equal(back.n_layers, m.n_layers);
  assert_memory_equal(back.widths, m.widths, sizeof(int) * (size_t)(m.n_layers + 1));
  assert_memory_equal(back.act, m.act, sizeof(nn_act) * (size_t)m.n_layers);
  assert_int_equal(back.n_params, m.n_params);
  assert_memory_equal(back.params, m.params, m.n_params * sizeof(double));
  for (int l = 0; l < m.n_layers; l++) assert_int_equal(back.offset[l], m.offset[l]);
  for (int l = 0; l < m.n_layers; l++) assert_ptr_equal(back.w[l], back.params + back.offset[l]);
  /* saving the loaded network gives the same bytes */
  char p2[512];
  tu_path(p2, sizeof p2, "net2.bin");
  assert_int_equal(nn_mlp_save(&back, p2, &e), SYN_OK);
  long n1, n2;
  unsigned char *b1 = tu_slurp(p, &n1), *b2 = tu_slurp(p2, &n2);
  assert_int_equal(n1, n2);
  /* magic, version 1, 3 layers, 4 widths, 3 acts, u64 count, params, CRC */
  assert_int_equal(n1, 8 + 4 + 4 + 4 * 4 + 3 * 4 + 8 + 8 * (long)m.n_params + 4);
  assert_memory_equal(b1, b2, (size_t)n1);
  assert_memory_equal(b1, "SYNRLNET", 8);
  free(b1);
  free(b2);
  nn_mlp_destroy(&back);
  nn_mlp_destroy(&m);
}

static void test_load_corrupt(void **st) {
  (void)st;
  nn_mlp m;
  make_net(&m);
  char p[512], q[512];
  tu_path(p, sizeof p, "good.bin");
  tu_path(q, sizeof q, "bad.bin");
  syn_err e = {0};
  assert_int_equal(nn_mlp_save(&m, p, &e), SYN_OK);
  nn_mlp_destroy(&m);
  long n;
  unsigned char *good = tu_slurp(p, &n);
  unsigned char *b = malloc((size_t)n);
  /* one flipped byte anywhere */
  const long flips[] = {0, 7, 8, 12, 16, 20, 40, n / 2, n - 5, n - 1};
  for (size_t i = 0; i < sizeof flips / sizeof *flips; i++) {
    memcpy(b, good, (size_t)n);
    b[flips[i]] ^= 0x10;
    tu_spit(q, b, (size_t)n);
    char what[64];
    snprintf(what, sizeof what, "byte %ld flipped", flips[i]);
    expect_load_fails(q, SYN_ERR_FORMAT, what);
  }
  /* truncated */
  const long cuts[] = {n - 1, n - 4, n - 8, n / 2, 20, 8, 3, 1};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    tu_spit(q, good, (size_t)cuts[i]);
    char what[64];
    snprintf(what, sizeof what, "cut to %ld bytes", cuts[i]);
    expect_load_fails(q, SYN_ERR_FORMAT, what);
  }
  /* empty, wrong magic (a different file kind), missing */
  tu_spit(q, "", 0);
  expect_load_fails(q, SYN_ERR_FORMAT, "empty file");
  tu_spit(q, "synrl-policy 1\n- - - - 0 0 0 -\n", 31);
  expect_load_fails(q, SYN_ERR_FORMAT, "policy file");
  tu_path(q, sizeof q, "missing.bin");
  expect_load_fails(q, SYN_ERR_IO, "missing file");
  free(b);
  free(good);
}

/* A network file with a valid CRC but chosen header fields. */
static void write_crafted(const char *path, const char *magic, uint32_t version, uint32_t nl,
                          const uint32_t *widths, int n_widths, const uint32_t *acts, int n_acts,
                          int with_count, uint64_t np, size_t n_values) {
  fio_writer w;
  syn_err e = {0};
  assert_int_equal(fio_writer_open(&w, path, &e), SYN_OK);
  fio_put_bytes(&w, magic, 8);
  fio_put_u32(&w, version);
  fio_put_u32(&w, nl);
  for (int i = 0; i < n_widths; i++) fio_put_u32(&w, widths[i]);
  for (int i = 0; i < n_acts; i++) fio_put_u32(&w, acts[i]);
  if (with_count) fio_put_u64(&w, np);
  for (size_t i = 0; i < n_values; i++) fio_put_f64(&w, 0.5);
  assert_int_equal(fio_writer_commit(&w, &e), SYN_OK);
}

static void test_load_crafted(void **st) {
  (void)st;
  char p[512];
  tu_path(p, sizeof p, "crafted.bin");
  const uint32_t w21[2] = {2, 1}, a1[1] = {NN_ACT_TANH};
  /* sanity: the crafting itself gives a loadable file (2-1: 3 params) */
  write_crafted(p, "SYNRLNET", 1, 1, w21, 2, a1, 1, 1, 3, 3);
  nn_mlp m;
  syn_err e = {0};
  assert_int_equal(nn_mlp_load(&m, p, &e), SYN_OK);
  assert_int_equal(m.n_params, 3);
  assert_true(m.params[2] == 0.5);
  nn_mlp_destroy(&m);

  write_crafted(p, "SYNRLNEX", 1, 1, w21, 2, a1, 1, 1, 3, 3);
  expect_load_fails(p, SYN_ERR_FORMAT, "wrong magic");
  assert_int_equal(nn_mlp_load(&m, p, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "magic");
  write_crafted(p, "SYNRLNET", 2, 1, w21, 2, a1, 1, 1, 3, 3);
  expect_load_fails(p, SYN_ERR_FORMAT, "version 2");
  write_crafted(p, "SYNRLNET", 1, 0, w21, 1, a1, 0, 1, 0, 0);
  expect_load_fails(p, SYN_ERR_FORMAT, "0 layers");
  const uint32_t w9[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, a9[9] = {0};
  write_crafted(p, "SYNRLNET", 1, 9, w9, 10, a9, 9, 1, 18, 18);
  expect_load_fails(p, SYN_ERR_FORMAT, "9 layers");
  write_crafted(p, "SYNRLNET", 1, 0xffffffffu, w21, 2, a1, 1, 1, 3, 3);
  expect_load_fails(p, SYN_ERR_FORMAT, "layer count 2^32-1");
  const uint32_t a_bad[1] = {4};
  write_crafted(p, "SYNRLNET", 1, 1, w21, 2, a_bad, 1, 1, 3, 3);
  expect_load_fails(p, SYN_ERR_FORMAT, "unknown activation");
  const uint32_t w_zero[2] = {2, 0};
  write_crafted(p, "SYNRLNET", 1, 1, w_zero, 2, a1, 1, 1, 0, 0);
  expect_load_fails(p, SYN_ERR_FORMAT, "zero width");
  const uint32_t w_neg[2] = {0x80000000u, 1};
  write_crafted(p, "SYNRLNET", 1, 1, w_neg, 2, a1, 1, 1, 3, 3);
  expect_load_fails(p, SYN_ERR_FORMAT, "width 2^31");
  write_crafted(p, "SYNRLNET", 1, 1, w21, 2, a1, 1, 1, 4, 4);
  expect_load_fails(p, SYN_ERR_FORMAT, "parameter count does not match shape");
  write_crafted(p, "SYNRLNET", 1, 1, w21, 2, a1, 1, 1, 3, 2);
  expect_load_fails(p, SYN_ERR_FORMAT, "one parameter short");
  write_crafted(p, "SYNRLNET", 1, 1, w21, 2, a1, 1, 1, 3, 4);
  expect_load_fails(p, SYN_ERR_FORMAT, "one parameter too many");
  write_crafted(p, "SYNRLNET", 1, 1, w21, 2, a1, 1, 0, 0, 0);
  expect_load_fails(p, SYN_ERR_FORMAT, "header without parameter count");
  write_crafted(p, "SYNRLNET", 1, 2, w21, 2, NULL, 0, 0, 0, 0);
  expect_load_fails(p, SYN_ERR_FORMAT, "header cut inside the widths");
  /* A header that declares a huge shape but carries no parameters must be
   * refused without trying to allocate the shape's terabytes. */
  const uint32_t w_huge[3] = {1000000, 1000000, 1000000}, a2[2] = {0, 0};
  write_crafted(p, "SYNRLNET", 1, 2, w_huge, 3, a2, 2, 1, 2000002000000ull, 0);
  expect_load_fails(p, SYN_ERR_FORMAT, "huge declared shape");
  write_crafted(p, "SYNRLNET", 1, 2, w_huge, 3, a2, 2, 1, 3, 3);
  expect_load_fails(p, SYN_ERR_FORMAT, "huge shape, small count");
}

static void test_save_bad_dir(void **st) {
  (void)st;
  nn_mlp m;
  make_net(&m);
  char p[512];
  tu_path(p, sizeof p, "no-such-dir/net.bin");
  syn_err e = {0};
  assert_int_equal(nn_mlp_save(&m, p, &e), SYN_ERR_IO);
  assert_contains(e.msg, p);
  nn_mlp_destroy(&m);
}

/* ---------------- thread independence ---------------- */
static void test_threads_bit_identical(void **st) {
  (void)st;
  const int in = 20, k = 5;
  const size_t n = 1000; /* 4 chunks of NN_CHUNK rows */
  int w[3] = {in, 16, k};
  nn_act act[2] = {NN_ACT_TANH, NN_ACT_IDENTITY};
  nn_mlp m;
  syn_err e = {0};
  assert_int_equal(nn_mlp_create(&m, 2, w, act, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, 21, 0);
  nn_mlp_init_uniform(&m, 1.0, &r);
  double *x = malloc(n * in * sizeof *x), *t = malloc(n * k * sizeof *t);
  int32_t *y = malloc(n * sizeof *y);
  for (size_t i = 0; i < n * in; i++) x[i] = rng_uniform_range(&r, -1, 1);
  for (size_t i = 0; i < n * k; i++) t[i] = rng_uniform_range(&r, -1, 1);
  for (size_t i = 0; i < n; i++) y[i] = (int32_t)rng_below(&r, (uint64_t)k);
  nn_batch b = {.n = n, .in_dim = in, .x = x, .labels = y, .targets = t, .out_dim = k};
  nn_ws ws;
  assert_int_equal(nn_ws_create(&ws, &m, n, &e), SYN_OK);
  double *g1 = malloc(m.n_params * sizeof *g1);
  int saved = omp_get_max_threads();
  for (int li = 0; li < 3; li++) {
    nn_acc ak = LOSSES[li] == NN_LOSS_SOFTMAX_CE ? NN_ACC_ARGMAX : NN_ACC_SIGN;
    double loss[3], acc[3], gl[3];
    const int threads[3] = {1, 2, 3};
    for (int ti = 0; ti < 3; ti++) {
      omp_set_num_threads(threads[ti]);
      loss[ti] = nn_mlp_loss(&m, &b, &ws, LOSSES[li], ak, &acc[ti]);
      gl[ti] = nn_mlp_grad(&m, &b, &ws, LOSSES[li]);
      if (ti == 0)
        memcpy(g1, ws.grad, m.n_params * sizeof *g1);
      else if (memcmp(g1, ws.grad, m.n_params * sizeof *g1) != 0)
        fail_msg("loss %s: gradient differs between 1 and %d threads", nn_loss_name(LOSSES[li]),
                 threads[ti]);
    }
    for (int ti = 1; ti < 3; ti++) {
      assert_memory_equal(&loss[0], &loss[ti], sizeof(double));
      assert_memory_equal(&acc[0], &acc[ti], sizeof(double));
      assert_memory_equal(&gl[0], &gl[ti], sizeof(double));
    }
    assert_true(isfinite(loss[0]) && acc[0] >= 0 && acc[0] <= 1);
  }
  omp_set_num_threads(saved);
  free(g1);
  free(x);
  free(t);
  free(y);
  nn_ws_destroy(&ws);
  nn_mlp_destroy(&m);
}

int main(void) {
  blas_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_create),
      cmocka_unit_test(test_forward_hand),
      cmocka_unit_test(test_act_apply),
      cmocka_unit_test(test_loss_euclid_mse_hand),
      cmocka_unit_test(test_loss_softmax_hand),
      cmocka_unit_test(test_acc_count),
      cmocka_unit_test(test_grad_all),
      cmocka_unit_test(test_grad_chunks),
      cmocka_unit_test(test_grad_wide_softmax),
      cmocka_unit_test(test_grad_zero_residual),
      cmocka_unit_test(test_save_load),
      cmocka_unit_test(test_load_corrupt),
      cmocka_unit_test(test_load_crafted),
      cmocka_unit_test(test_save_bad_dir),
      cmocka_unit_test(test_threads_bit_identical),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
