/* End to end: synaptic RL must learn the paper's 2D decision-boundary task,
 * both with an adaptive policy (learned from a zero table while training) and
 * with the authors' published table applied statically. */
#include "testutil.h"

#include "synrl/train.h"
#include "synrl/learn.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Smaller than the paper's (2000 points, 100 hidden, ~10,000 iterations) to
 * stay quick, including under the sanitizers. */
#define N_TRAIN 500
#define HIDDEN 20
#define ITERS 3000

typedef struct outcome {
  double l0, acc0, loss, acc, valid_acc;
  long n_pos;
} outcome;

static outcome run_2d(uint64_t seed, bool adaptive) {
  boundary2d_config bc;
  boundary2d_config_default(&bc);
  bc.hidden = HIDDEN;
  bc.n_train = N_TRAIN;
  bc.n_valid = N_TRAIN;
  bc.seed = seed;
  nn_mlp target;
  data_set train, valid;
  syn_err e;
  assert_int_equal(boundary2d_make(&bc, &target, &train, &valid, &e), SYN_OK);
  /* the trainee has the target's shape: 2-20-1 tanh, weights U[-1, 1], biases 0 */
  const int widths[3] = {2, HIDDEN, 1};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_TANH};
  nn_mlp net;
  assert_int_equal(nn_mlp_create(&net, 2, widths, act, &e), SYN_OK);
  rng_t g;
  rng_seed(&g, seed, 77);
  nn_mlp_init_uniform(&net, 1.0, &g);
  synrl_policy pol;
  memset(&pol, 0, sizeof pol);
  if (!adaptive) {
    char path[1024];
    snprintf(path, sizeof path, "%s/data/policies/authors-golden.tsv", tu_source_dir());
    assert_int_equal(synrl_policy_import_authors(&pol, path, &e), SYN_OK);
  }
  const synrl_policy before = pol;
  synrl_config c;
  synrl_config_default(&c);
  c.epsilon = 0.25;
  c.alpha_q = 0.01;
  c.alpha_s = 0.001;
  c.gamma = 0.9;
  c.adaptive = adaptive;
  c.seed = seed;
  c.path = SYNRL_PATH_AUTO;
  synrl_trainer *t = NULL;
  assert_int_equal(synrl_trainer_create(&t, &net, NN_LOSS_EUCLID, &pol, &c, train.n, &e), SYN_OK);
  outcome o;
  run_evaluate(&net, &train, NN_LOSS_EUCLID, NN_ACC_SIGN, &o.l0, &o.acc0);
  run_config rc;
  run_config_default(&rc);
  rc.iterations = ITERS;
  rc.eval_every = 1000;
  rc.acc = NN_ACC_SIGN;
  run_result res;
  assert_int_equal(run_train(&t->rule, &train, &valid, NULL, &rc, &res, &e), SYN_OK);
  assert_int_equal(t->path_used, SYNRL_PATH_GENERAL);
  assert_int_equal(res.iterations, ITERS);
  o.loss = res.train_loss;
  o.acc = res.train_acc;
  o.valid_acc = res.valid_acc;
  o.n_pos = t->n_pos;
  /* the result is the trained network itself */
  double l, a;
  run_evaluate(&net, &train, NN_LOSS_EUCLID, NN_ACC_SIGN, &l, &a);
  assert_true(l == o.loss && a == o.acc);
  if (adaptive)
    assert_memory_not_equal(&pol, &before, sizeof pol);
  else
    assert_memory_equal(&pol, &before, sizeof pol);
  fprintf(stderr, "  seed %llu %s: loss %.5f -> %.5f, accuracy %.3f -> %.3f (valid %.3f), +1 rewards %.3f\n",
          (unsigned long long)seed, adaptive ? "adaptive" : "static  ", o.l0, o.loss, o.acc0, o.acc,
          o.valid_acc, (double)o.n_pos / ITERS);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
  nn_mlp_destroy(&target);
  data_set_free(&train);
  data_set_free(&valid);
  return o;
}

/* Boundaries whose random start is far from the target (accuracy 0.08-0.35). */
static const uint64_t SEEDS[] = {2, 3, 7};

static void check_learns(bool adaptive) {
  for (size_t i = 0; i < sizeof SEEDS / sizeof SEEDS[0]; i++) {
    outcome o = run_2d(SEEDS[i], adaptive);
    assert_true(o.acc0 < 0.5);
    assert_true(o.acc > 0.9);
    assert_true(o.valid_acc > 0.85);
    assert_true(o.loss < 0.25 * o.l0);
    /* learning shows in the rewards: neither all +1 nor all -1 */
    assert_true(o.n_pos > ITERS / 10 && o.n_pos < ITERS);
  }
}

static void test_2d_adaptive_learns(void **state) {
  (void)state;
  check_learns(true);
}

static void test_2d_static_authors_learns(void **state) {
  (void)state;
  check_learns(false);
}

int main(void) {
  blas_init();
  core_set_threads(1);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_2d_adaptive_learns),
      cmocka_unit_test(test_2d_static_authors_learns),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
