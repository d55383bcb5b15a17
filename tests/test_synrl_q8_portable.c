/* The portable kernels (scalar action draws, integer product, loss tail) of
 * the q8-fast path, forced with synrl_config.portable on a CPU that has
 * AVX-512 VNNI: they must give the native kernels' results bit for bit. On a
 * CPU without VNNI the portable kernels are what runs anyway. */
#include "testutil.h"

#include "learn/synrl_q8.h"
#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { K_REF, K_FAST_NATIVE, K_FAST_PORTABLE } kind;

typedef struct result {
  long n;
  double loss[300];
  int reward[300];
  int32_t *steps;
  double *params;
  size_t n_syn;
} result;


/* Drives the trainer by hand: a new batch (rows drawn with a seeded shuffle)
 * every `every` iterations, alpha_s halved at `halve_at`. */
static void run(const data_set *ds, int n_layers, const int *widths, kind k, size_t bsz, long every,
                long iters, long halve_at, result *out) {
  assert_true(iters <= 300);
  nn_act act[2] = {NN_ACT_RELU, NN_ACT_IDENTITY};
  if (n_layers == 1) act[0] = NN_ACT_IDENTITY;
  nn_mlp net;
  syn_err e;
  assert_int_equal(nn_mlp_create(&net, n_layers, widths, act, &e), SYN_OK);
  rng_t g;
  rng_seed(&g, 17, 5);
  nn_mlp_init_uniform(&net, 0.1, &g);
  synrl_policy pol;
  memset(&pol, 0, sizeof pol);
  synrl_config c;
  synrl_config_default(&c);
  c.epsilon = 0.15;
  c.alpha_s = 1e-3;
  c.halve_at = halve_at;
  c.path = k == K_REF ? SYNRL_PATH_Q8_REF : SYNRL_PATH_Q8_FAST;
  c.portable = k == K_FAST_PORTABLE;
  synrl_trainer *t = NULL;
  assert_int_equal(synrl_trainer_create(&t, &net, NN_LOSS_SOFTMAX_CE, &pol, &c, bsz, &e), SYN_OK);
  if (k != K_REF)
    assert_string_equal(synrl_q8_kernel_name(t), k == K_FAST_NATIVE && core_cpu_has_vnni()
                                                     ? "avx512-vnni"
                                                     : "portable");
  uint32_t *perm = malloc(ds->n * sizeof *perm);
  rng_t br;
  rng_seed(&br, 99, 1);
  data_set bat = {0};
  nn_batch b;
  out->n = 0;
  for (long it = 1; it <= iters; it++) {
    if ((it - 1) % every == 0) {
      for (size_t i = 0; i < ds->n; i++) perm[i] = (uint32_t)i;
      rng_shuffle_u32(&br, perm, ds->n);
      data_set_free(&bat);
      assert_int_equal(data_set_subset(&bat, ds, perm, bsz, &e), SYN_OK);
      b = data_set_batch(&bat);
      assert_int_equal(t->rule.set_batch(&t->rule, &b, &e), SYN_OK);
    }
    learn_step_info info;
    assert_int_equal(t->rule.step(&t->rule, it, &info, &e), SYN_OK);
    out->loss[out->n] = info.loss;
    out->reward[out->n] = info.reward;
    out->n++;
  }
  synrl_trainer_sync_params(t);
  out->n_syn = t->n_syn;
  out->steps = malloc(t->n_syn * sizeof(int32_t));
  out->params = malloc(t->n_syn * sizeof(double));
  memcpy(out->steps, t->steps, t->n_syn * sizeof(int32_t));
  memcpy(out->params, net.params, t->n_syn * sizeof(double));
  data_set_free(&bat);
  free(perm);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
}

static void assert_same(const result *a, const result *b) {
  assert_int_equal(a->n, b->n);
  for (long i = 0; i < a->n; i++) {
    if (a->loss[i] != b->loss[i] || a->reward[i] != b->reward[i])
      fprintf(stderr, "first difference at iteration %ld: %.17g vs %.17g\n", i + 1, a->loss[i],
              b->loss[i]);
    assert_true(a->loss[i] == b->loss[i]);
    assert_int_equal(a->reward[i], b->reward[i]);
  }
  assert_memory_equal(a->steps, b->steps, a->n_syn * sizeof(int32_t));
  assert_memory_equal(a->params, b->params, a->n_syn * sizeof(double));
}

static void free_result(result *r) {
  free(r->steps);
  free(r->params);
}

static void check(int n_layers, const int *widths, size_t n, size_t bsz, long every, long iters,
                  long halve_at, uint64_t seed) {
  data_set ds;
  tu_make_images(&ds, n, widths[0], widths[n_layers], seed);
  result ref, nat, port;
  run(&ds, n_layers, widths, K_REF, bsz, every, iters, halve_at, &ref);
  run(&ds, n_layers, widths, K_FAST_NATIVE, bsz, every, iters, halve_at, &nat);
  run(&ds, n_layers, widths, K_FAST_PORTABLE, bsz, every, iters, halve_at, &port);
  assert_same(&ref, &port);
  assert_same(&ref, &nat);
  long pos = 0;
  for (long i = 0; i < ref.n; i++) pos += ref.reward[i] > 0;
  assert_true(pos > 0 && pos < ref.n);
  free_result(&ref);
  free_result(&nat);
  free_result(&port);
  data_set_free(&ds);
}

static void test_portable_0hidden(void **state) {
  (void)state;
  const int w1[2] = {784, 10};
  check(1, w1, 300, 131, 40, 120, 60, 1);
  const int w2[2] = {50, 37};
  check(1, w2, 300, 123, 40, 200, 90, 2);
}

static void test_portable_1hidden(void **state) {
  (void)state;
  const int w1[3] = {784, 32, 10};
  check(2, w1, 200, 67, 30, 90, 45, 3);
  const int w2[3] = {47, 20, 5};
  check(2, w2, 200, 9, 20, 150, 75, 4);
}

int main(void) {
  blas_init();
  core_set_threads(1);
  fprintf(stderr, "this CPU has AVX-512 VNNI: %s (the test also forces portable)\n", core_cpu_has_vnni() ? "yes" : "no");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_portable_0hidden),
      cmocka_unit_test(test_portable_1hidden),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
