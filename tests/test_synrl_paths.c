/* The computation paths of synaptic RL. q8-ref (exact integer first layer,
 * recomputed) and q8-fast (the same integers, updated incrementally) must give
 * the same run bit for bit; the general path is a different rounding of the
 * same numbers; nothing depends on the number of threads. */
#include "testutil.h"

#include "synrl/train.h"
#include "synrl/learn.h"
#include "learn/synrl_q8.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- a recording rule around the trainer ---------------- */

#define MAX_ITERS 400

typedef struct rec_rule {
  learn_rule rule;
  learn_rule *inner;
  long n;
  long batches;
  double loss[MAX_ITERS];
  int reward[MAX_ITERS];
} rec_rule;

static syn_status rec_set_batch(learn_rule *r, const nn_batch *b, syn_err *e) {
  rec_rule *rr = (rec_rule *)r;
  rr->batches++;
  return rr->inner->set_batch(rr->inner, b, e);
}

static syn_status rec_step(learn_rule *r, long iter, learn_step_info *info, syn_err *e) {
  rec_rule *rr = (rec_rule *)r;
  syn_status s = rr->inner->step(rr->inner, iter, info, e);
  if (!s && rr->n < MAX_ITERS) {
    rr->loss[rr->n] = info->loss;
    rr->reward[rr->n] = info->reward;
    rr->n++;
  }
  return s;
}

static void rec_sync(learn_rule *r) { learn_rule_sync(((rec_rule *)r)->inner); }

static void rec_init(rec_rule *rr, learn_rule *inner) {
  memset(rr, 0, sizeof *rr);
  rr->inner = inner;
  rr->rule.name = "rec";
  rr->rule.net = inner->net;
  rr->rule.loss = inner->loss;
  rr->rule.set_batch = rec_set_batch;
  rr->rule.step = rec_step;
  rr->rule.sync = rec_sync;
}

/* ---------------- data ---------------- */

/* n image-like rows: random bytes with a class-dependent bright stripe, so that
 * the rewards are not all alike; x = bytes / 255. */

/* ---------------- one run ---------------- */

typedef struct run_spec {
  int n_layers;
  int widths[4];
  size_t n_rows;
  size_t batch;       /* minibatch rows (< n_rows: switches) */
  long batch_every;
  long iters;
  long halve_at;
  bool adaptive;
  double epsilon;
  double alpha_s;
  int bias_step;
  uint64_t seed;
} run_spec;

typedef struct run_out {
  rec_rule rec;
  size_t n_syn;
  int32_t *steps;
  double *params;
  synrl_policy policy;
  synrl_path path_used;
  double unit;
  run_result res;
} run_out;

static void run_out_free(run_out *o) {
  free(o->steps);
  free(o->params);
  o->steps = NULL;
  o->params = NULL;
}

static void make_policy(synrl_policy *p, bool adaptive) {
  memset(p, 0, sizeof *p);
  if (adaptive) return; /* Q starts at zero */
  char path[1024];
  snprintf(path, sizeof path, "%s/data/policies/authors-golden.tsv", tu_source_dir());
  syn_err e;
  assert_int_equal(synrl_policy_import_authors(p, path, &e), SYN_OK);
}

static void run_one(const data_set *ds, const run_spec *sp, synrl_path path, int threads,
                    run_out *o) {
  memset(o, 0, sizeof *o);
  omp_set_num_threads(threads);
  nn_act act[3];
  for (int l = 0; l < sp->n_layers; l++) act[l] = l + 1 < sp->n_layers ? NN_ACT_RELU : NN_ACT_IDENTITY;
  nn_mlp net;
  syn_err e;
  assert_int_equal(nn_mlp_create(&net, sp->n_layers, sp->widths, act, &e), SYN_OK);
  rng_t g;
  rng_seed(&g, sp->seed, 5);
  nn_mlp_init_uniform(&net, 0.1, &g);
  synrl_policy pol;
  make_policy(&pol, sp->adaptive);
  synrl_config c;
  synrl_config_default(&c);
  c.epsilon = sp->epsilon;
  c.alpha_s = sp->alpha_s;
  c.adaptive = sp->adaptive;
  c.halve_at = sp->halve_at;
  c.bias_step = sp->bias_step ? sp->bias_step : 1;
  c.seed = sp->seed;
  c.path = path;
  synrl_trainer *t = NULL;
  assert_int_equal(synrl_trainer_create(&t, &net, NN_LOSS_SOFTMAX_CE, &pol, &c, ds->n, &e), SYN_OK);
  rec_init(&o->rec, &t->rule);
  run_config rc;
  run_config_default(&rc);
  rc.iterations = sp->iters;
  rc.batch_size = sp->batch;
  rc.batch_every = sp->batch_every;
  rc.eval_every = sp->iters;
  rc.seed = sp->seed + 1000;
  rc.acc = NN_ACC_ARGMAX;
  syn_status s = run_train(&o->rec.rule, ds, NULL, NULL, &rc, &o->res, &e);
  if (s) fprintf(stderr, "run_train: %s\n", e.msg);
  assert_int_equal(s, SYN_OK);
  assert_int_equal(o->rec.n, sp->iters);
  o->n_syn = t->n_syn;
  o->steps = malloc(t->n_syn * sizeof(int32_t));
  o->params = malloc(t->n_syn * sizeof(double));
  memcpy(o->steps, t->steps, t->n_syn * sizeof(int32_t));
  memcpy(o->params, net.params, t->n_syn * sizeof(double)); /* run_train synced */
  o->policy = pol;
  o->path_used = t->path_used;
  o->unit = t->unit;
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
  omp_set_num_threads(1);
}

static long first_difference(const run_out *a, const run_out *b) {
  for (long i = 0; i < a->rec.n; i++)
    if (a->rec.loss[i] != b->rec.loss[i] || a->rec.reward[i] != b->rec.reward[i]) return i;
  return -1;
}

static void assert_same_run(const run_out *a, const run_out *b, const char *what) {
  assert_int_equal(a->rec.n, b->rec.n);
  long d = first_difference(a, b);
  if (d >= 0)
    fprintf(stderr, "%s: first difference at iteration %ld: loss %.17g vs %.17g, reward %d vs %d\n",
            what, d + 1, a->rec.loss[d], b->rec.loss[d], a->rec.reward[d], b->rec.reward[d]);
  assert_int_equal(d, -1);
  assert_memory_equal(a->rec.loss, b->rec.loss, (size_t)a->rec.n * sizeof(double));
  assert_memory_equal(a->rec.reward, b->rec.reward, (size_t)a->rec.n * sizeof(int));
  assert_int_equal(a->n_syn, b->n_syn);
  assert_memory_equal(a->steps, b->steps, a->n_syn * sizeof(int32_t));
  assert_memory_equal(a->params, b->params, a->n_syn * sizeof(double));
  assert_memory_equal(&a->policy, &b->policy, sizeof a->policy);
  assert_true(a->unit == b->unit);
  assert_true(a->res.train_loss == b->res.train_loss);
  assert_true(a->res.train_acc == b->res.train_acc);
}

/* The run did something: both rewards, moved weights, switched batches. */
static void assert_eventful(const run_out *o, const run_spec *sp) {
  long pos = 0;
  for (long i = 0; i < o->rec.n; i++) pos += o->rec.reward[i] > 0;
  assert_true(pos > 0 && pos < o->rec.n);
  long moved = 0;
  for (size_t i = 0; i < o->n_syn; i++) moved += o->steps[i] != 0;
  assert_true(moved > (long)o->n_syn / 2);
  if (sp->batch < sp->n_rows) assert_int_equal(o->rec.batches, 1 + (sp->iters - 1) / sp->batch_every);
  if (sp->halve_at > 0 && sp->halve_at <= sp->iters) assert_true(o->unit == sp->alpha_s / 2);
}

static void check_ref_vs_fast(const run_spec *sp, uint64_t data_seed) {
  data_set ds;
  tu_make_images(&ds, sp->n_rows, sp->widths[0], sp->widths[sp->n_layers], data_seed);
  run_out ref, fast;
  run_one(&ds, sp, SYNRL_PATH_Q8_REF, 1, &ref);
  run_one(&ds, sp, SYNRL_PATH_Q8_FAST, 1, &fast);
  assert_int_equal(ref.path_used, SYNRL_PATH_Q8_REF);
  assert_int_equal(fast.path_used, SYNRL_PATH_Q8_FAST);
  char what[128];
  snprintf(what, sizeof what, "q8-ref vs q8-fast, %d-%d-%d", sp->widths[0], sp->widths[1],
           sp->n_layers > 1 ? sp->widths[2] : 0);
  assert_same_run(&ref, &fast, what);
  assert_eventful(&ref, sp);
  run_out_free(&ref);
  run_out_free(&fast);
  data_set_free(&ds);
}

/* 0 hidden layers at the real OCR width: 785 -> 10 */
static void test_ref_fast_784_10(void **state) {
  (void)state;
  run_spec sp = {.n_layers = 1, .widths = {784, 10}, .n_rows = 600, .batch = 301, .batch_every = 50,
                 .iters = 300, .halve_at = 150, .adaptive = false, .epsilon = 0.1, .alpha_s = 1e-3,
                 .seed = 1};
  check_ref_vs_fast(&sp, 11);
}

/* 1 hidden layer at the real widths: 785 -> 32 -> 10 */
static void test_ref_fast_784_32_10(void **state) {
  (void)state;
  run_spec sp = {.n_layers = 2, .widths = {784, 32, 10}, .n_rows = 350, .batch = 301,
                 .batch_every = 50, .iters = 200, .halve_at = 100, .adaptive = true, .epsilon = 0.1,
                 .alpha_s = 1e-3, .seed = 2};
  check_ref_vs_fast(&sp, 12);
}

/* first-layer output widths that are not multiples of 16 (37: 2+1 blocks,
 * partial; 20: one full and one partial block), inputs not multiples of 4 */
static void test_ref_fast_odd_widths(void **state) {
  (void)state;
  run_spec a = {.n_layers = 1, .widths = {50, 37}, .n_rows = 600, .batch = 301, .batch_every = 50,
                .iters = 300, .halve_at = 150, .adaptive = true, .epsilon = 0.1, .alpha_s = 1e-3,
                .bias_step = 2, .seed = 3};
  check_ref_vs_fast(&a, 13);
  run_spec b = {.n_layers = 2, .widths = {45, 20, 10}, .n_rows = 600, .batch = 301, .batch_every = 50,
                .iters = 300, .halve_at = 150, .adaptive = false, .epsilon = 0.1, .alpha_s = 1e-3,
                .seed = 4};
  check_ref_vs_fast(&b, 14);
  /* inputs + bias a multiple of 4 (no padding), 48 hidden = 3 full blocks */
  run_spec c = {.n_layers = 2, .widths = {47, 48, 7}, .n_rows = 500, .batch = 257, .batch_every = 40,
                .iters = 240, .halve_at = 100, .adaptive = true, .epsilon = 0.2, .alpha_s = 1e-3,
                .seed = 5};
  check_ref_vs_fast(&c, 15);
  /* fewer rows than the kernels' row groups; a single output */
  run_spec d = {.n_layers = 1, .widths = {30, 17}, .n_rows = 40, .batch = 7, .batch_every = 10,
                .iters = 120, .halve_at = 60, .adaptive = true, .epsilon = 0.2, .alpha_s = 1e-3,
                .seed = 6};
  check_ref_vs_fast(&d, 16);
  run_spec e = {.n_layers = 2, .widths = {9, 1, 3}, .n_rows = 30, .batch = 13, .batch_every = 10,
                .iters = 100, .halve_at = 30, .adaptive = true, .epsilon = 0.3, .alpha_s = 1e-2,
                .seed = 7};
  check_ref_vs_fast(&e, 17);
}

/* The whole set as one batch (no switches), halving at iteration 1. */
static void test_ref_fast_full_batch(void **state) {
  (void)state;
  run_spec sp = {.n_layers = 1, .widths = {63, 16}, .n_rows = 260, .batch = 0, .batch_every = 1,
                 .iters = 150, .halve_at = 1, .adaptive = true, .epsilon = 0.1, .alpha_s = 1e-3,
                 .seed = 8};
  data_set ds;
  tu_make_images(&ds, sp.n_rows, sp.widths[0], sp.widths[1], 18);
  run_out ref, fast;
  run_one(&ds, &sp, SYNRL_PATH_Q8_REF, 1, &ref);
  run_one(&ds, &sp, SYNRL_PATH_Q8_FAST, 1, &fast);
  assert_same_run(&ref, &fast, "full batch");
  assert_int_equal(ref.rec.batches, 1);
  run_out_free(&ref);
  run_out_free(&fast);
  data_set_free(&ds);
}

/* ---------------- the general path: the same math, rounded differently ---------------- */

static double rel(double a, double b) { return fabs(a - b) / fmax(fabs(a), fabs(b)); }

static void check_general_agrees(int n_layers, const int *widths, uint64_t seed) {
  data_set ds;
  tu_make_images(&ds, 300, widths[0], widths[n_layers], seed);
  nn_batch b = data_set_batch(&ds);
  const synrl_path paths[3] = {SYNRL_PATH_GENERAL, SYNRL_PATH_Q8_REF, SYNRL_PATH_Q8_FAST};
  nn_act act[2] = {NN_ACT_RELU, NN_ACT_IDENTITY};
  if (n_layers == 1) act[0] = NN_ACT_IDENTITY;
  double l0[3], loss[3][10];
  int rew[3][10];
  for (int k = 0; k < 3; k++) {
    nn_mlp net;
    syn_err e;
    assert_int_equal(nn_mlp_create(&net, n_layers, widths, act, &e), SYN_OK);
    rng_t g;
    rng_seed(&g, seed, 5);
    nn_mlp_init_uniform(&net, 0.1, &g);
    synrl_policy pol;
    make_policy(&pol, false);
    synrl_config c;
    synrl_config_default(&c);
    c.epsilon = 0.1;
    c.alpha_s = 1e-3;
    c.adaptive = false;
    c.path = paths[k];
    c.seed = seed;
    synrl_trainer *t = NULL;
    assert_int_equal(synrl_trainer_create(&t, &net, NN_LOSS_SOFTMAX_CE, &pol, &c, ds.n, &e), SYN_OK);
    assert_int_equal(t->rule.set_batch(&t->rule, &b, &e), SYN_OK);
    l0[k] = t->loss_prev;
    for (int it = 0; it < 10; it++) {
      learn_step_info info;
      assert_int_equal(t->rule.step(&t->rule, it + 1, &info, &e), SYN_OK);
      loss[k][it] = info.loss;
      rew[k][it] = info.reward;
    }
    learn_rule_destroy(&t->rule);
    nn_mlp_destroy(&net);
  }
  /* q8-ref and q8-fast: identical */
  assert_true(l0[1] == l0[2]);
  assert_memory_equal(loss[1], loss[2], sizeof loss[1]);
  /* general: within 1e-12 relative, as long as the rewards (and so the actions) agree */
  assert_true(rel(l0[0], l0[1]) <= 1e-12);
  assert_true(rel(loss[0][0], loss[1][0]) <= 1e-12);
  for (int it = 0; it < 10 && rew[0][it] == rew[1][it]; it++) {
    if (rel(loss[0][it], loss[1][it]) > 1e-12)
      fprintf(stderr, "iteration %d: general %.17g, q8 %.17g\n", it + 1, loss[0][it], loss[1][it]);
    assert_true(rel(loss[0][it], loss[1][it]) <= 1e-12);
  }
  data_set_free(&ds);
}

static void test_general_agrees_with_q8(void **state) {
  (void)state;
  const int w1[2] = {784, 10};
  check_general_agrees(1, w1, 21);
  const int w2[3] = {784, 32, 10};
  check_general_agrees(2, w2, 22);
  const int w3[3] = {50, 20, 37};
  check_general_agrees(2, w3, 23);
}

/* AUTO picks q8-fast for 8-bit inputs and runs identically to it */
static void test_auto_path(void **state) {
  (void)state;
  run_spec sp = {.n_layers = 1, .widths = {50, 10}, .n_rows = 300, .batch = 120, .batch_every = 30,
                 .iters = 90, .halve_at = 45, .adaptive = true, .epsilon = 0.1, .alpha_s = 1e-3,
                 .seed = 9};
  data_set ds;
  tu_make_images(&ds, sp.n_rows, sp.widths[0], sp.widths[1], 19);
  run_out a, f;
  run_one(&ds, &sp, SYNRL_PATH_AUTO, 1, &a);
  run_one(&ds, &sp, SYNRL_PATH_Q8_FAST, 1, &f);
  assert_int_equal(a.path_used, SYNRL_PATH_Q8_FAST);
  assert_same_run(&a, &f, "auto vs q8-fast");
  run_out_free(&a);
  run_out_free(&f);
  data_set_free(&ds);
}

/* ---------------- threads ---------------- */

static void test_threads_q8(void **state) {
  (void)state;
  run_spec sp = {.n_layers = 2, .widths = {101, 20, 10}, .n_rows = 1100, .batch = 760,
                 .batch_every = 50, .iters = 200, .halve_at = 120, .adaptive = true,
                 .epsilon = 0.1, .alpha_s = 1e-3, .seed = 10};
  data_set ds;
  tu_make_images(&ds, sp.n_rows, sp.widths[0], sp.widths[2], 20);
  run_out f1, f2, r2;
  run_one(&ds, &sp, SYNRL_PATH_Q8_FAST, 1, &f1);
  run_one(&ds, &sp, SYNRL_PATH_Q8_FAST, 2, &f2);
  run_one(&ds, &sp, SYNRL_PATH_Q8_REF, 2, &r2);
  assert_same_run(&f1, &f2, "q8-fast 1 vs 2 threads");
  assert_same_run(&f1, &r2, "q8-fast 1 thread vs q8-ref 2 threads");
  assert_eventful(&f1, &sp);
  run_out_free(&f1);
  run_out_free(&f2);
  run_out_free(&r2);
  data_set_free(&ds);
}

static void run_boundary(const data_set *train, int threads, double *params_out, size_t n_params,
                         double *losses, long iters) {
  omp_set_num_threads(threads);
  const int widths[3] = {2, 12, 1};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_TANH};
  nn_mlp net;
  syn_err e;
  assert_int_equal(nn_mlp_create(&net, 2, widths, act, &e), SYN_OK);
  assert_int_equal(net.n_params, n_params);
  rng_t g;
  rng_seed(&g, 42, 1);
  nn_mlp_init_uniform(&net, 1.0, &g);
  synrl_policy pol;
  memset(&pol, 0, sizeof pol);
  synrl_config c;
  synrl_config_default(&c); /* the paper's adaptive 2D settings */
  c.halve_at = iters / 2;
  synrl_trainer *t = NULL;
  assert_int_equal(synrl_trainer_create(&t, &net, NN_LOSS_EUCLID, &pol, &c, train->n, &e), SYN_OK);
  rec_rule rec;
  rec_init(&rec, &t->rule);
  run_config rc;
  run_config_default(&rc);
  rc.iterations = iters;
  rc.batch_size = 700;
  rc.batch_every = 50;
  rc.eval_every = 100;
  assert_int_equal(run_train(&rec.rule, train, NULL, NULL, &rc, &(run_result){0}, &e), SYN_OK);
  assert_int_equal(t->path_used, SYNRL_PATH_GENERAL);
  memcpy(params_out, net.params, n_params * sizeof(double));
  memcpy(losses, rec.loss, (size_t)iters * sizeof(double));
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
  omp_set_num_threads(1);
}

static void test_threads_general_boundary2d(void **state) {
  (void)state;
  boundary2d_config bc;
  boundary2d_config_default(&bc);
  bc.hidden = 12;
  bc.n_train = 1000; /* 700-row batches: 3 chunks of NN_CHUNK rows */
  bc.n_valid = 0;
  bc.seed = 3;
  nn_mlp target;
  data_set train;
  syn_err e;
  assert_int_equal(boundary2d_make(&bc, &target, &train, NULL, &e), SYN_OK);
  const size_t np = 3 * 12 + 13;
  const long iters = 300;
  double p1[49], p2[49], l1[300], l2[300];
  run_boundary(&train, 1, p1, np, l1, iters);
  run_boundary(&train, 2, p2, np, l2, iters);
  assert_memory_equal(l1, l2, sizeof l1);
  assert_memory_equal(p1, p2, sizeof p1);
  assert_true(l1[iters - 1] < l1[0]);
  data_set_free(&train);
  nn_mlp_destroy(&target);
}

int main(void) {
  blas_init();
  omp_set_num_threads(1);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ref_fast_784_10),
      cmocka_unit_test(test_ref_fast_784_32_10),
      cmocka_unit_test(test_ref_fast_odd_widths),
      cmocka_unit_test(test_ref_fast_full_batch),
      cmocka_unit_test(test_general_agrees_with_q8),
      cmocka_unit_test(test_auto_path),
      cmocka_unit_test(test_threads_q8),
      cmocka_unit_test(test_threads_general_boundary2d),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
