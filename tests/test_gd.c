/* Gradient descent, the baseline: the step is params - lr * grad with grad
 * checked against finite differences; it trains; the driver's patience rule
 * stops it on a plateau. */
#include "testutil.h"

#include "synrl/train.h"
#include "synrl/learn.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct toy {
  size_t n;
  int in, out;
  double *x, *y;
  int32_t *labels;
  nn_batch b;
} toy;

static void toy_make(toy *t, size_t n, int in, int out, bool classify, uint64_t seed) {
  t->n = n;
  t->in = in;
  t->out = out;
  t->x = malloc(n * (size_t)in * sizeof(double));
  t->y = malloc(n * (size_t)out * sizeof(double));
  t->labels = malloc(n * sizeof(int32_t));
  rng_t g;
  rng_seed(&g, seed, 4);
  for (size_t i = 0; i < n * (size_t)in; i++) t->x[i] = rng_uniform_range(&g, -1, 1);
  for (size_t r = 0; r < n; r++) {
    /* a smooth target so that there is something to learn */
    double s = 0;
    for (int i = 0; i < in; i++) s += (i + 1) * t->x[r * in + i];
    for (int j = 0; j < out; j++) t->y[r * out + j] = 0.8 * sin(s + j);
    t->labels[r] = (int32_t)((s > 0) + (s > 1)) % out;
  }
  t->b = (nn_batch){.n = n, .in_dim = in, .x = t->x, .out_dim = out};
  if (classify)
    t->b.labels = t->labels;
  else
    t->b.targets = t->y;
}

static void toy_free(toy *t) {
  free(t->x);
  free(t->y);
  free(t->labels);
}

static void make_net(nn_mlp *net, int n_layers, const int *widths, const nn_act *act, uint64_t seed) {
  syn_err e;
  assert_int_equal(nn_mlp_create(net, n_layers, widths, act, &e), SYN_OK);
  rng_t g;
  rng_seed(&g, seed, 2);
  nn_mlp_init_uniform(net, 0.8, &g);
  for (int l = 0; l < n_layers; l++)
    for (int j = 0; j < widths[l + 1]; j++) net->w[l][j] = rng_uniform_range(&g, -0.3, 0.3);
}

static double loss_at(nn_mlp *net, const nn_batch *b, nn_ws *ws, nn_loss kind) {
  return nn_mlp_loss(net, b, ws, kind, NN_ACC_SIGN, NULL);
}

/* ---------------- one step against finite differences ---------------- */

static void check_fd(nn_loss kind, int n_layers, const int *widths, const nn_act *act, bool classify,
                     uint64_t seed) {
  toy d;
  toy_make(&d, 23, widths[0], widths[n_layers], classify, seed);
  nn_mlp net;
  make_net(&net, n_layers, widths, act, seed);
  const size_t np = net.n_params;
  double *w0 = malloc(np * sizeof *w0), *gfd = malloc(np * sizeof *gfd);
  memcpy(w0, net.params, np * sizeof *w0);
  nn_ws ws;
  syn_err e;
  assert_int_equal(nn_ws_create(&ws, &net, d.n, &e), SYN_OK);
  const double l0 = loss_at(&net, &d.b, &ws, kind);
  for (size_t i = 0; i < np; i++) {
    double h = 1e-6 * fmax(1.0, fabs(w0[i]));
    net.params[i] = w0[i] + h;
    double lp = loss_at(&net, &d.b, &ws, kind);
    net.params[i] = w0[i] - h;
    double lm = loss_at(&net, &d.b, &ws, kind);
    net.params[i] = w0[i];
    gfd[i] = (lp - lm) / (2 * h);
  }
  double gmax = 0;
  for (size_t i = 0; i < np; i++) gmax = fmax(gmax, fabs(gfd[i]));
  assert_true(gmax > 1e-3); /* a real gradient */
  const double lr = 0.5;
  learn_rule *r = NULL;
  gd_config gc = {.lr = lr};
  assert_int_equal(gd_create(&r, &net, kind, &gc, d.n, &e), SYN_OK);
  assert_string_equal(r->name, "gd");
  assert_int_equal(r->set_batch(r, &d.b, &e), SYN_OK);
  learn_step_info info;
  assert_int_equal(r->step(r, 1, &info, &e), SYN_OK);
  assert_true(info.loss == l0); /* GD reports the loss before its step */
  assert_int_equal(info.reward, 0);
  for (size_t i = 0; i < np; i++) {
    double g = (w0[i] - net.params[i]) / lr; /* the gradient GD used */
    double tol = 1e-6 * fabs(gfd[i]) + 1e-9 * fmax(1.0, gmax);
    if (fabs(g - gfd[i]) > tol)
      fprintf(stderr, "%s param %zu: gd %.12g fd %.12g\n", nn_loss_name(kind), i, g, gfd[i]);
    assert_true(fabs(g - gfd[i]) <= tol);
    /* and the step is exactly params - lr * grad of nn_mlp_grad */
  }
  memcpy(net.params, w0, np * sizeof *w0);
  double lg = nn_mlp_grad(&net, &d.b, &ws, kind);
  assert_true(lg == l0);
  nn_mlp tmp;
  assert_int_equal(nn_mlp_clone(&tmp, &net, &e), SYN_OK);
  assert_int_equal(r->step(r, 2, &info, &e), SYN_OK);
  for (size_t i = 0; i < np; i++) assert_true(net.params[i] == tmp.params[i] - lr * ws.grad[i]);
  nn_mlp_destroy(&tmp);
  learn_rule_destroy(r);
  nn_ws_destroy(&ws);
  nn_mlp_destroy(&net);
  free(w0);
  free(gfd);
  toy_free(&d);
}

static void test_step_matches_finite_differences(void **state) {
  (void)state;
  const int w1[3] = {3, 4, 2};
  const nn_act a_tanh[2] = {NN_ACT_TANH, NN_ACT_IDENTITY};
  const nn_act a_sig[2] = {NN_ACT_SIGMOID, NN_ACT_TANH};
  check_fd(NN_LOSS_MSE, 2, w1, a_tanh, false, 1);
  check_fd(NN_LOSS_EUCLID, 2, w1, a_tanh, false, 2);
  check_fd(NN_LOSS_MSE, 2, w1, a_sig, false, 3);
  check_fd(NN_LOSS_EUCLID, 2, w1, a_sig, false, 4);
  const int w2[3] = {3, 5, 3};
  check_fd(NN_LOSS_SOFTMAX_CE, 2, w2, a_tanh, true, 5);
  /* softmax over outputs that went through an activation of their own */
  check_fd(NN_LOSS_SOFTMAX_CE, 2, w2, a_sig, true, 9);
  const int w3[2] = {4, 3};
  const nn_act a_id[1] = {NN_ACT_IDENTITY};
  check_fd(NN_LOSS_SOFTMAX_CE, 1, w3, a_id, true, 6);
  check_fd(NN_LOSS_MSE, 1, w3, a_id, false, 7);
  const int w4[4] = {2, 4, 3, 1};
  const nn_act a3[3] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_TANH};
  check_fd(NN_LOSS_EUCLID, 3, w4, a3, false, 8);
}

/* ---------------- training ---------------- */

static void test_gd_decreases_loss(void **state) {
  (void)state;
  toy d;
  toy_make(&d, 40, 2, 1, false, 11);
  const int widths[3] = {2, 6, 1};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_IDENTITY};
  nn_mlp net;
  make_net(&net, 2, widths, act, 11);
  learn_rule *r = NULL;
  syn_err e;
  gd_config gc = {.lr = 0.1};
  assert_int_equal(gd_create(&r, &net, NN_LOSS_MSE, &gc, d.n, &e), SYN_OK);
  assert_int_equal(r->set_batch(r, &d.b, &e), SYN_OK);
  learn_step_info info;
  double first = 0, prev = INFINITY;
  int increases = 0;
  for (long it = 1; it <= 500; it++) {
    assert_int_equal(r->step(r, it, &info, &e), SYN_OK);
    if (it == 1) first = info.loss;
    increases += info.loss > prev;
    prev = info.loss;
  }
  assert_int_equal(increases, 0); /* small lr on a smooth problem: monotone */
  assert_true(prev < 0.5 * first);
  learn_rule_destroy(r);
  nn_mlp_destroy(&net);
  toy_free(&d);
}

static void test_gd_errors(void **state) {
  (void)state;
  const int widths[2] = {1, 1};
  const nn_act act[1] = {NN_ACT_IDENTITY};
  nn_mlp net;
  syn_err e;
  assert_int_equal(nn_mlp_create(&net, 1, widths, act, &e), SYN_OK);
  learn_rule *r = NULL;
  gd_config bad[] = {{0.0}, {-1.0}, {NAN}, {INFINITY}};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(gd_create(&r, &net, NN_LOSS_MSE, &bad[i], 4, &e), SYN_ERR_ARG);
    assert_null(r);
  }
  gd_config gc = {.lr = 1e6};
  assert_int_equal(gd_create(&r, &net, NN_LOSS_MSE, &gc, 2, &e), SYN_OK);
  learn_step_info info;
  assert_int_equal(r->step(r, 1, &info, &e), SYN_ERR_ARG); /* before set_batch */
  double x[3] = {1, 2, 3}, y[3] = {1, 2, 3};
  nn_batch big = {.n = 3, .in_dim = 1, .x = x, .targets = y, .out_dim = 1};
  assert_int_equal(r->set_batch(r, &big, &e), SYN_ERR_ARG); /* over max_batch */
  nn_batch b = {.n = 2, .in_dim = 1, .x = x, .targets = y, .out_dim = 1};
  assert_int_equal(r->set_batch(r, &b, &e), SYN_OK);
  /* lr 1e6 on a linear model diverges; the rule says so instead of going on */
  syn_status s = SYN_OK;
  for (long it = 1; it <= 200 && !s; it++) s = r->step(r, it, &info, &e);
  assert_int_equal(s, SYN_ERR_ARG);
  assert_non_null(strstr(e.msg, "finite"));
  learn_rule_destroy(r);
  nn_mlp_destroy(&net);
}

/* ---------------- the driver's patience rule ---------------- */

static void test_patience_stops_on_plateau(void **state) {
  (void)state;
  boundary2d_config bc;
  boundary2d_config_default(&bc);
  bc.hidden = 8;
  bc.n_train = 200;
  bc.n_valid = 100;
  bc.seed = 5;
  nn_mlp target;
  data_set train, valid;
  syn_err e;
  assert_int_equal(boundary2d_make(&bc, &target, &train, &valid, &e), SYN_OK);
  const int widths[3] = {2, 8, 1};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_TANH};
  for (int mode = 0; mode < 2; mode++) {
    nn_mlp net;
    make_net(&net, 2, widths, act, 9);
    learn_rule *r = NULL;
    gd_config gc = {.lr = 1e-15}; /* nothing moves: validation accuracy is flat */
    assert_int_equal(gd_create(&r, &net, NN_LOSS_EUCLID, &gc, train.n, &e), SYN_OK);
    run_config rc;
    run_config_default(&rc);
    rc.iterations = 1000;
    rc.eval_every = 5;
    rc.patience = mode == 0 ? 3 : 0;
    run_result res;
    assert_int_equal(run_train(r, &train, &valid, NULL, &rc, &res, &e), SYN_OK);
    if (mode == 0) {
      /* best at the first evaluation (5), then 3 evaluations without improvement */
      assert_true(res.stopped_early);
      assert_int_equal(res.best_iter, 5);
      assert_int_equal(res.iterations, 20);
    } else {
      assert_false(res.stopped_early);
      assert_int_equal(res.iterations, 1000);
    }
    assert_false(res.aborted);
    assert_true(res.valid_acc >= 0 && res.valid_acc <= 1);
    learn_rule_destroy(r);
    nn_mlp_destroy(&net);
  }
  /* a rule that keeps improving is not stopped: real GD, patience 3 */
  nn_mlp net;
  make_net(&net, 2, widths, act, 9);
  learn_rule *r = NULL;
  gd_config gc = {.lr = 0.5};
  assert_int_equal(gd_create(&r, &net, NN_LOSS_EUCLID, &gc, train.n, &e), SYN_OK);
  run_config rc;
  run_config_default(&rc);
  rc.iterations = 300;
  rc.eval_every = 10;
  rc.patience = 100;
  run_result res;
  assert_int_equal(run_train(r, &train, &valid, NULL, &rc, &res, &e), SYN_OK);
  assert_false(res.stopped_early);
  assert_int_equal(res.iterations, 300);
  assert_true(res.best_iter >= 10);
  learn_rule_destroy(r);
  nn_mlp_destroy(&net);
  data_set_free(&train);
  data_set_free(&valid);
  nn_mlp_destroy(&target);
}

/* minibatch GD through the driver, and the same numbers at 1 and 2 threads */
static void run_sgd(const data_set *train, int threads, double *out, size_t np) {
  omp_set_num_threads(threads);
  const int widths[3] = {2, 10, 1};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_TANH};
  nn_mlp net;
  make_net(&net, 2, widths, act, 13);
  assert_int_equal(net.n_params, np);
  learn_rule *r = NULL;
  syn_err e;
  gd_config gc = {.lr = 0.3};
  assert_int_equal(gd_create(&r, &net, NN_LOSS_EUCLID, &gc, train->n, &e), SYN_OK);
  run_config rc;
  run_config_default(&rc);
  rc.iterations = 40;
  rc.batch_size = 600;
  rc.batch_every = 10;
  rc.eval_every = 20;
  run_result res;
  assert_int_equal(run_train(r, train, NULL, NULL, &rc, &res, &e), SYN_OK);
  memcpy(out, net.params, np * sizeof(double));
  learn_rule_destroy(r);
  nn_mlp_destroy(&net);
  omp_set_num_threads(1);
}

static void test_gd_threads(void **state) {
  (void)state;
  boundary2d_config bc;
  boundary2d_config_default(&bc);
  bc.hidden = 10;
  bc.n_train = 900;
  bc.n_valid = 0;
  nn_mlp target;
  data_set train;
  syn_err e;
  assert_int_equal(boundary2d_make(&bc, &target, &train, NULL, &e), SYN_OK);
  double p1[41], p2[41];
  run_sgd(&train, 1, p1, 41);
  run_sgd(&train, 2, p2, 41);
  assert_memory_equal(p1, p2, sizeof p1);
  data_set_free(&train);
  nn_mlp_destroy(&target);
}

int main(void) {
  blas_init();
  omp_set_num_threads(1);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_step_matches_finite_differences),
      cmocka_unit_test(test_gd_decreases_loss),
      cmocka_unit_test(test_gd_errors),
      cmocka_unit_test(test_patience_stops_on_plateau),
      cmocka_unit_test(test_gd_threads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
