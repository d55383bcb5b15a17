/* The small-network path (nn/mlp_small.c): its tanh against libm's, its loss
 * against nn_mlp_loss, the AVX-512 and portable kernels bit for bit, bad
 * batches, and the synaptic-RL trainer on it. */
#include "testutil.h"

#include "synrl/train.h"

#include <float.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_tanh_close_to_libm(void **st) {
  (void)st;
  double worst = 0;
  for (int i = -400000; i <= 400000; i++) {
    double x = i * 1e-4 + 1e-7 * (i % 7);
    double d = fabs(nn_small_tanh(x) - tanh(x));
    worst = d > worst ? d : worst;
  }
  assert_true(worst < 5e-16); /* measured 3.3e-16: 3 ulp near 0.88 */
  /* exact points */
  assert_true(nn_small_tanh(0.0) == 0.0);
  assert_true(signbit(nn_small_tanh(-0.0)));
  assert_true(nn_small_tanh(50.0) == 1.0);
  assert_true(nn_small_tanh(-1e300) == -1.0);
  assert_true(nn_small_tanh(INFINITY) == 1.0);
  assert_true(isnan(nn_small_tanh(NAN)));
  /* odd */
  for (double x = 1e-12; x < 30; x *= 1.7) assert_true(nn_small_tanh(-x) == -nn_small_tanh(x));
}

/* A regression set of n rows for a net of the given shape. */
static void make_set(data_set *d, size_t n, int in, int out, uint64_t seed) {
  memset(d, 0, sizeof *d);
  d->n = n;
  d->in_dim = in;
  d->out_dim = out;
  d->x = core_alloc(n * (size_t)in * sizeof(double));
  d->targets = core_alloc(n * (size_t)out * sizeof(double));
  rng_t g;
  rng_seed(&g, seed, 3);
  for (size_t i = 0; i < n * (size_t)in; i++) d->x[i] = rng_uniform_range(&g, -3, 3);
  for (size_t i = 0; i < n * (size_t)out; i++) d->targets[i] = rng_uniform_range(&g, -1, 1);
}

static void check_shape(int n_layers, const int *widths, const nn_act *act, size_t n, nn_loss kind) {
  nn_mlp m;
  syn_err e;
  assert_int_equal(nn_mlp_create(&m, n_layers, widths, act, &e), SYN_OK);
  rng_t g;
  rng_seed(&g, 11, 1);
  nn_mlp_init_uniform(&m, 1.0, &g);
  for (int l = 0; l < n_layers; l++) /* non-zero biases too */
    for (int j = 0; j < widths[l + 1]; j++) m.w[l][j] = rng_uniform_range(&g, -0.5, 0.5);
  data_set d;
  make_set(&d, n, widths[0], widths[n_layers], 5);
  nn_batch b = data_set_batch(&d);
  nn_ws ws;
  assert_int_equal(nn_ws_create(&ws, &m, n, &e), SYN_OK);
  double ref = nn_mlp_loss(&m, &b, &ws, kind, NN_ACC_SIGN, NULL);
  nn_small sv, sp;
  assert_int_equal(nn_small_create(&sv, &m, n + 3, false, &e), SYN_OK);
  assert_int_equal(nn_small_create(&sp, &m, n + 3, true, &e), SYN_OK);
  assert_false(sp.vector);
  assert_int_equal(nn_small_set_batch(&sv, &m, &b, &e), SYN_OK);
  assert_int_equal(nn_small_set_batch(&sp, &m, &b, &e), SYN_OK);
  double lv = nn_small_loss(&sv, &m, kind), lp = nn_small_loss(&sp, &m, kind);
  /* native and portable kernels: the same bits */
  assert_memory_equal(&lv, &lp, sizeof lv);
  /* against libm tanh, BLAS sums: the same up to rounding */
  assert_close(lv, ref, 1e-12 * fabs(ref));
  nn_small_destroy(&sv);
  nn_small_destroy(&sp);
  nn_ws_destroy(&ws);
  data_set_free(&d);
  nn_mlp_destroy(&m);
}

static void test_loss_matches_general(void **st) {
  (void)st;
  int w2d[3] = {2, 100, 1};
  nn_act tt[3] = {NN_ACT_TANH, NN_ACT_TANH, NN_ACT_TANH};
  check_shape(2, w2d, tt, 2000, NN_LOSS_EUCLID);
  check_shape(2, w2d, tt, 13, NN_LOSS_EUCLID); /* not a multiple of 8 rows */
  check_shape(2, w2d, tt, 1, NN_LOSS_MSE);
  int w3[4] = {3, 7, 5, 2};
  nn_act mix[3] = {NN_ACT_RELU, NN_ACT_SIGMOID, NN_ACT_IDENTITY};
  check_shape(3, w3, mix, 101, NN_LOSS_MSE);
  int w1[2] = {4, 3};
  nn_act id[1] = {NN_ACT_IDENTITY};
  check_shape(1, w1, id, 9, NN_LOSS_EUCLID);
}

static void test_bad_batch(void **st) {
  (void)st;
  int w[3] = {2, 4, 1};
  nn_act a[2] = {NN_ACT_TANH, NN_ACT_TANH};
  nn_mlp m;
  syn_err e;
  assert_int_equal(nn_mlp_create(&m, 2, w, a, &e), SYN_OK);
  nn_small s;
  assert_int_equal(nn_small_create(&s, &m, 10, false, &e), SYN_OK);
  data_set d;
  make_set(&d, 11, 2, 1, 1);
  nn_batch b = data_set_batch(&d);
  assert_int_equal(nn_small_set_batch(&s, &m, &b, &e), SYN_ERR_ARG); /* too many rows */
  assert_contains(e.msg, "11 rows");
  b.n = 10;
  b.in_dim = 3;
  assert_int_equal(nn_small_set_batch(&s, &m, &b, &e), SYN_ERR_ARG); /* wrong shape */
  b.in_dim = 2;
  b.targets = NULL;
  assert_int_equal(nn_small_set_batch(&s, &m, &b, &e), SYN_ERR_ARG); /* not regression */
  nn_small_destroy(&s);
  data_set_free(&d);
  nn_mlp_destroy(&m);
}

/* The trainer on the small path: native vs portable identical; softmax refused. */
static void run_trainer(bool portable, double *losses, int *rewards, int iters) {
  boundary2d_config bc;
  boundary2d_config_default(&bc);
  bc.seed = 3;
  bc.n_train = 203;
  bc.n_valid = 0;
  nn_mlp target, net;
  data_set train, valid;
  syn_err e;
  assert_int_equal(boundary2d_make(&bc, &target, &train, &valid, &e), SYN_OK);
  int w[3] = {2, 30, 1};
  nn_act a[2] = {NN_ACT_TANH, NN_ACT_TANH};
  assert_int_equal(nn_mlp_create(&net, 2, w, a, &e), SYN_OK);
  rng_t g;
  rng_seed(&g, 4, 0x1417);
  nn_mlp_init_uniform(&net, 1.0, &g);
  synrl_policy p;
  memset(&p, 0, sizeof p);
  synrl_config c;
  synrl_config_default(&c);
  c.path = SYNRL_PATH_SMALL;
  c.portable = portable;
  synrl_trainer *t;
  assert_int_equal(synrl_trainer_create(&t, &net, NN_LOSS_EUCLID, &p, &c, train.n, &e), SYN_OK);
  nn_batch b = data_set_batch(&train);
  assert_int_equal(t->rule.set_batch(&t->rule, &b, &e), SYN_OK);
  assert_string_equal(synrl_path_name(t->path_used), "small");
  for (int it = 0; it < iters; it++) {
    learn_step_info info;
    assert_int_equal(t->rule.step(&t->rule, it + 1, &info, &e), SYN_OK);
    losses[it] = info.loss;
    rewards[it] = info.reward;
  }
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
  nn_mlp_destroy(&target);
  data_set_free(&train);
}

static void test_trainer_small_path(void **st) {
  (void)st;
  enum { N = 150 };
  double l1[N], l2[N];
  int r1[N], r2[N];
  run_trainer(false, l1, r1, N);
  run_trainer(true, l2, r2, N);
  assert_memory_equal(l1, l2, sizeof l1);
  assert_memory_equal(r1, r2, sizeof r1);
  int pos = 0;
  for (int i = 0; i < N; i++) pos += r1[i] > 0;
  assert_true(pos > 10 && pos < N); /* both rewards occur: the loss moves both ways */

  /* softmax cross-entropy is not a small-path loss */
  data_set d;
  tu_make_images(&d, 20, 8, 3, 1);
  int w[2] = {8, 3};
  nn_act a[1] = {NN_ACT_IDENTITY};
  nn_mlp m;
  syn_err e;
  assert_int_equal(nn_mlp_create(&m, 1, w, a, &e), SYN_OK);
  synrl_policy p;
  memset(&p, 0, sizeof p);
  synrl_config c;
  synrl_config_default(&c);
  c.path = SYNRL_PATH_SMALL;
  synrl_trainer *t;
  assert_int_equal(synrl_trainer_create(&t, &m, NN_LOSS_SOFTMAX_CE, &p, &c, d.n, &e), SYN_OK);
  nn_batch b = data_set_batch(&d);
  assert_int_equal(t->rule.set_batch(&t->rule, &b, &e), SYN_ERR_UNSUPPORTED);
  assert_contains(e.msg, "small");
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&m);
  data_set_free(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tanh_close_to_libm),
      cmocka_unit_test(test_loss_matches_general),
      cmocka_unit_test(test_bad_batch),
      cmocka_unit_test(test_trainer_small_path),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
