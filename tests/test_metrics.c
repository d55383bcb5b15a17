/* metrics.csv read back: values, missing values, every malformed case named
 * by file and line; groups of runs summarised with hand-computed means,
 * spreads, early-stopped runs and the union of iterations. */
#include "testutil.h"

#include "synrl/train.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void write_text(const char *name, const char *text, char *path, size_t n) {
  tu_path(path, n, name);
  tu_spit(path, text, strlen(text));
}

static void test_load_values(void **st) {
  (void)st;
  char p[512];
  write_text("m1.csv",
             "iter,batch_loss,train_acc,valid_acc\n"
             "10,0.5,0.25,\n"
             "20,0.25,0.5,nan\n"
             "30, 1e-3 ,0.75,0.875\r\n"
             "\n",
             p, sizeof p);
  metrics_table t;
  syn_err e = {0};
  assert_int_equal(metrics_load(&t, p, &e), SYN_OK);
  assert_int_equal(t.n_cols, 4);
  assert_int_equal((int)t.n_rows, 3);
  assert_int_equal(metrics_col(&t, "iter"), 0);
  assert_int_equal(metrics_col(&t, "valid_acc"), 3);
  assert_int_equal(metrics_col(&t, "nope"), -1);
  assert_true(metrics_at(&t, 0, 0) == 10);
  assert_true(metrics_at(&t, 2, 1) == 1e-3);
  assert_true(metrics_at(&t, 1, 2) == 0.5);
  assert_true(isnan(metrics_at(&t, 0, 3)));
  assert_true(isnan(metrics_at(&t, 1, 3)));
  assert_true(metrics_at(&t, 2, 3) == 0.875);
  metrics_free(&t);
}

/* Every kind's layout: step,seconds first; step is the x column, and a
 * group of runs of any kind summarises over it. */
static void test_load_step_layout(void **st) {
  (void)st;
  char p[512], q[512];
  write_text("rl.csv", "step,seconds,steps,return,running_mean\n1,0.5,20,20,20\n2,0.9,30,30,25\n", p,
             sizeof p);
  write_text("old.csv", "iter,train_acc\n1,0.5\n", q, sizeof q);
  metrics_table t[2];
  syn_err e = {0};
  assert_int_equal(metrics_load(&t[0], p, &e), SYN_OK);
  assert_int_equal(t[0].x_col, 0);
  assert_int_equal(metrics_col(&t[0], "return"), 3);
  metrics_series s;
  assert_int_equal(metrics_series_make(&s, t, 1, "return", &e), SYN_OK);
  assert_int_equal((int)s.len, 2);
  assert_true(s.x[1] == 2 && s.mean[1] == 30);
  metrics_series_free(&s);
  assert_int_equal(metrics_load(&t[1], q, &e), SYN_OK); /* an older train run: x is iter */
  assert_int_equal(t[1].x_col, 0);
  assert_int_equal(metrics_series_make(&s, t + 1, 1, "train_acc", &e), SYN_OK);
  metrics_series_free(&s);
  metrics_free(&t[0]);
  metrics_free(&t[1]);
}

static void expect_bad_n(const char *name, const char *text, size_t len, const char *needle) {
  char p[512];
  tu_path(p, sizeof p, name);
  tu_spit(p, text, len);
  metrics_table t;
  syn_err e = {0};
  syn_status s = metrics_load(&t, p, &e);
  if (s == SYN_OK) fail_msg("%s: loaded, expected an error containing '%s'", name, needle);
  assert_int_equal(s, SYN_ERR_FORMAT);
  assert_contains(e.msg, name);
  assert_contains(e.msg, needle);
  assert_int_equal(t.n_cols, 0);
  assert_null(t.v);
}

static void expect_bad(const char *name, const char *text, const char *needle) {
  expect_bad_n(name, text, strlen(text), needle);
}

static void test_load_bad(void **st) {
  (void)st;
  expect_bad("empty.csv", "", "empty file");
  expect_bad("header-only.csv", "iter,train_acc\n", "no data rows");
  expect_bad("no-step.csv", "x,train_acc\n1,0.5\n", "no 'step' column");
  expect_bad("fields.csv", "iter,train_acc\n1,0.5\n2,0.5,7\n", ":3: 3 fields");
  expect_bad("few.csv", "iter,train_acc\n1\n", ":2: 1 fields");
  expect_bad("word.csv", "iter,train_acc\n1,0.5\n2,abc\n", ":3: column 'train_acc': 'abc'");
  expect_bad("trail.csv", "iter,train_acc\n1,0.5x\n", ":2:");
  expect_bad("inf.csv", "iter,train_acc\n1,inf\n", ":2:");
  expect_bad("order.csv", "iter,train_acc\n5,0.5\n5,0.6\n", ":3: iter does not increase");
  expect_bad("order2.csv", "step,seconds,return\n1,0,5\n1,0,6\n", ":3: step does not increase");
  expect_bad("repeat.csv", "iter,a,a\n1,2,3\n", "column 'a' repeated");
  expect_bad("blankname.csv", "iter,,a\n1,2,3\n", "empty column name");
  expect_bad_n("binary.csv", "iter,a\n1,\0002\n", 11, "not a text file");
  /* a missing file is an I/O error naming it */
  metrics_table t;
  syn_err e = {0};
  char p[512];
  tu_path(p, sizeof p, "does-not-exist.csv");
  assert_int_equal(metrics_load(&t, p, &e), SYN_ERR_IO);
  assert_contains(e.msg, "does-not-exist.csv");
}

static void load(const char *name, const char *text, metrics_table *t) {
  char p[512];
  write_text(name, text, p, sizeof p);
  syn_err e = {0};
  assert_int_equal(metrics_load(t, p, &e), SYN_OK);
}

static void test_series_hand(void **st) {
  (void)st;
  metrics_table r[3];
  /* run 3 stops early at 20 (its value carries on); run 2 starts at 20 and
   * has a missing value at 30 (its 20 value carries on); 15 is only in run 1 */
  load("a.csv", "iter,acc\n10,1\n15,2\n20,3\n30,5\n", &r[0]);
  load("b.csv", "iter,acc\n20,7\n30,nan\n", &r[1]);
  load("c.csv", "iter,acc\n10,4\n20,2\n", &r[2]);
  metrics_series s;
  syn_err e = {0};
  assert_int_equal(metrics_series_make(&s, r, 3, "acc", &e), SYN_OK);
  assert_int_equal((int)s.len, 4);
  const double x[4] = {10, 15, 20, 30};
  /* values per x: {1,4}, {2,4}, {3,7,2}, {5,7,2} */
  const double mean[4] = {2.5, 3, 4, 14.0 / 3};
  const double lo[4] = {1, 2, 2, 2}, hi[4] = {4, 4, 7, 7};
  const int n[4] = {2, 2, 3, 3};
  /* sample variance: n - 1 in the denominator */
  const double var[4] = {4.5, 2, (1 + 9 + 4) / 2.0,
                         ((5 - 14.0 / 3) * (5 - 14.0 / 3) + (7 - 14.0 / 3) * (7 - 14.0 / 3) +
                          (2 - 14.0 / 3) * (2 - 14.0 / 3)) / 2};
  for (int i = 0; i < 4; i++) {
    assert_true(s.x[i] == x[i]);
    assert_close(s.mean[i], mean[i], 1e-12);
    assert_close(s.min[i], lo[i], 0);
    assert_close(s.max[i], hi[i], 0);
    assert_close(s.std[i], sqrt(var[i]), 1e-12);
    assert_int_equal(s.n[i], n[i]);
  }
  metrics_series_free(&s);
  /* a single run: the run itself, std 0 */
  assert_int_equal(metrics_series_make(&s, &r[0], 1, "acc", &e), SYN_OK);
  assert_int_equal((int)s.len, 4);
  assert_true(s.mean[3] == 5 && s.std[3] == 0 && s.min[1] == 2 && s.max[1] == 2);
  metrics_series_free(&s);
  /* errors: unknown column, no runs, a column with no finite value */
  assert_int_equal(metrics_series_make(&s, r, 3, "loss", &e), SYN_ERR_ARG);
  assert_contains(e.msg, "'loss'");
  assert_int_equal(metrics_series_make(&s, r, 0, "acc", &e), SYN_ERR_ARG);
  for (int i = 0; i < 3; i++) metrics_free(&r[i]);
  load("d.csv", "iter,acc\n1,nan\n2,\n", &r[0]);
  assert_int_equal(metrics_series_make(&s, r, 1, "acc", &e), SYN_ERR_ARG);
  assert_contains(e.msg, "no finite values");
  metrics_free(&r[0]);
}

/* What the training driver writes reads back: the header and a row count
 * that follows eval_every. */
static void test_driver_roundtrip(void **st) {
  (void)st;
  boundary2d_config bc;
  boundary2d_config_default(&bc);
  bc.n_train = 50;
  bc.n_valid = 0;
  nn_mlp target, net;
  data_set train, valid;
  syn_err e = {0};
  assert_int_equal(boundary2d_make(&bc, &target, &train, &valid, &e), SYN_OK);
  assert_int_equal(nn_mlp_clone(&net, &target, &e), SYN_OK);
  learn_rule *rule = NULL;
  gd_config gc = {.lr = 0.01};
  assert_int_equal(gd_create(&rule, &net, NN_LOSS_EUCLID, &gc, train.n, &e), SYN_OK);
  run_config rc;
  run_config_default(&rc);
  rc.iterations = 30;
  rc.eval_every = 10;
  rc.out_dir = tu_tmpdir();
  run_result res;
  assert_int_equal(run_train(rule, &train, NULL, NULL, &rc, &res, &e), SYN_OK);
  char p[512];
  tu_path(p, sizeof p, "metrics.csv");
  metrics_table t;
  assert_int_equal(metrics_load(&t, p, &e), SYN_OK);
  assert_int_equal((int)t.n_rows, 3);
  assert_true(metrics_at(&t, 2, metrics_col(&t, "step")) == 30);
  assert_close(metrics_at(&t, 2, metrics_col(&t, "train_acc")), res.train_acc, 1e-6);
  assert_true(isnan(metrics_at(&t, 0, metrics_col(&t, "valid_acc"))));
  metrics_free(&t);
  learn_rule_destroy(rule);
  nn_mlp_destroy(&net);
  nn_mlp_destroy(&target);
  data_set_free(&train);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_values),
      cmocka_unit_test(test_load_step_layout),
      cmocka_unit_test(test_load_bad),
      cmocka_unit_test(test_series_hand),
      cmocka_unit_test(test_driver_roundtrip),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
