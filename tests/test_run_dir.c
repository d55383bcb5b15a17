/* Run folders: summary.json written and read back, its common head, numbers
 * that round-trip exactly, settings as a JSON object, bad files refused. */
#include "testutil.h"

#include "synrl/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_fmt_double(void **st) {
  (void)st;
  char b[40];
  assert_string_equal(core_fmt_double(b, sizeof b, 0.1), "0.1");
  assert_string_equal(core_fmt_double(b, sizeof b, 1e-4), "0.0001");
  assert_string_equal(core_fmt_double(b, sizeof b, 250000), "250000");
  const double hard[] = {0.1 + 0.2, 1.0 / 3.0, 5e-324, 1.7976931348623157e308, -2.5e-17};
  for (size_t i = 0; i < sizeof hard / sizeof *hard; i++)
    assert_true(strtod(core_fmt_double(b, sizeof b, hard[i]), NULL) == hard[i]);
}

static void test_summary_round_trip(void **st) {
  (void)st;
  char dir[512], path[600];
  tu_path(dir, sizeof dir, "runs/a/b");
  syn_err e = {0};
  assert_int_equal(run_dir_make(dir, &e), SYN_OK);
  assert_int_equal(run_dir_make(dir, &e), SYN_OK); /* exists: fine */
  char *argv[] = {"synrl", "train", "--lr", "0.1"};
  run_summary *s;
  assert_int_equal(run_summary_new(&s, RUN_KIND_CLASSIFY, 4, argv, "lr=0.1\nhidden=32\nbad line\n",
                                   "epoch", &e),
                   SYN_OK);
  run_summary_num(s, "test_acc", 0.1 + 0.2);
  run_summary_num(s, "nan_value", NAN);
  run_summary_int(s, "epochs", 12);
  run_summary_bool(s, "stopped_early", true);
  run_summary_hex64(s, "params_fnv1a64", 0x00ab);
  double v[3] = {1, 2.5, INFINITY};
  run_summary_nums(s, "lr_per_layer", v, 3);
  snprintf(path, sizeof path, "%s/summary.json", dir);
  assert_int_equal(run_summary_write(s, path, &e), SYN_OK);
  run_summary_free(s);

  assert_int_equal(run_summary_load(&s, dir, &e), SYN_OK); /* a folder: its summary.json */
  assert_int_equal(run_summary_kind(s), RUN_KIND_CLASSIFY);
  assert_string_equal(run_summary_get_str(s, "synrl_version"), core_version());
  assert_string_equal(run_summary_get_str(s, "git_commit"), core_git_commit());
  assert_string_equal(run_summary_get_str(s, "metrics_step"), "epoch");
  assert_string_equal(run_summary_get_str(s, "params_fnv1a64"), "00000000000000ab");
  double x;
  assert_true(run_summary_get_num(s, "test_acc", &x));
  assert_true(x == 0.1 + 0.2);
  assert_false(run_summary_get_num(s, "nan_value", &x)); /* null */
  assert_true(run_summary_get_num(s, "epochs", &x) && x == 12);
  assert_string_equal(run_summary_setting(s, "lr"), "0.1");
  assert_string_equal(run_summary_setting(s, "hidden"), "32");
  assert_null(run_summary_setting(s, "bad line"));
  assert_int_equal(run_summary_n_settings(s), 2);
  const char *val;
  assert_string_equal(run_summary_setting_at(s, 1, &val), "hidden");
  assert_string_equal(val, "32");
  run_summary_free(s);
  long n;
  unsigned char *text = tu_slurp(path, &n);
  assert_non_null(strstr((char *)text, "\"command_line\""));
  assert_non_null(strstr((char *)text, "0.30000000000000004"));
  free(text);
}

static void test_summary_bad(void **st) {
  (void)st;
  char p[512];
  syn_err e = {0};
  run_summary *s;
  const char *cases[][2] = {
      {"{\"kind\": \"train\"} trailing", "not a JSON object"},
      {"[1, 2]", "not a JSON object"},
      {"{\"kind\": \"nope\"}", "no known \"kind\""},
      {"{\"preset\": \"2d-adaptive\"}", "no known \"kind\""},
      {"{\"kind\": \"train\", \"x\": 0x10}", "not a JSON object"},
      {"", "not a JSON object"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    tu_path(p, sizeof p, "bad-summary.json");
    tu_spit(p, cases[i][0], strlen(cases[i][0]));
    assert_int_not_equal(run_summary_load(&s, p, &e), SYN_OK);
    assert_null(s);
    assert_contains(e.msg, cases[i][1]);
    assert_contains(e.msg, "bad-summary.json");
  }
  tu_path(p, sizeof p, "no-such-folder");
  assert_int_equal(run_summary_load(&s, p, &e), SYN_ERR_IO);
  assert_contains(e.msg, "no-such-folder: no such run folder");
  assert_int_equal(run_kind_from_name("policy-learn"), RUN_KIND_POLICY_LEARN);
  assert_int_equal(run_kind_from_name("x"), -1);
}

static void test_metrics_rows(void **st) {
  (void)st;
  syn_err e = {0};
  run_metrics m;
  assert_int_equal(run_metrics_init(&m, "loss,acc", &e), SYN_OK);
  assert_int_equal(m.n_extra, 2);
  double row1[2] = {0.5, NAN}, row2[2] = {0.1, 1};
  run_metrics_row(&m, 10, 0.25, row1);
  run_metrics_row(&m, 20, 1.5, row2);
  assert_string_equal(m.text, "step,seconds,loss,acc\n10,0.25,0.5,\n20,1.5,0.1,1\n");
  char ck[512], csv[512];
  tu_path(ck, sizeof ck, "metrics.ckpt");
  tu_path(csv, sizeof csv, "metrics.csv");
  assert_int_equal(run_metrics_write(&m, csv, &e), SYN_OK);
  /* what the run shell writes, plot reads: step is the x column, empty is NaN */
  metrics_table t;
  assert_int_equal(metrics_load(&t, csv, &e), SYN_OK);
  assert_int_equal(t.x_col, 0);
  assert_int_equal((int)t.n_rows, 2);
  assert_int_equal(metrics_col(&t, "acc"), 3);
  assert_true(metrics_at(&t, 1, 0) == 20 && metrics_at(&t, 0, 1) == 0.25);
  assert_true(isnan(metrics_at(&t, 0, 3)));
  metrics_free(&t);
  ckpt_writer w;
  ckpt_writer_init(&w);
  run_metrics_save(&m, &w, "run.metrics");
  assert_int_equal(ckpt_writer_save(&w, ck, &e), SYN_OK);
  ckpt_writer_free(&w);
  run_metrics_free(&m);

  ckpt_file f;
  assert_int_equal(ckpt_read(&f, ck, &e), SYN_OK);
  run_metrics m2, other;
  assert_int_equal(run_metrics_init(&m2, "loss,acc", &e), SYN_OK);
  assert_int_equal(run_metrics_load(&m2, &f, "run.metrics", &e), SYN_OK);
  assert_string_equal(m2.text, "step,seconds,loss,acc\n10,0.25,0.5,\n20,1.5,0.1,1\n");
  assert_int_equal(run_metrics_init(&other, "loss", &e), SYN_OK);
  assert_int_not_equal(run_metrics_load(&other, &f, "run.metrics", &e), SYN_OK);
  assert_contains(e.msg, "not this run's metrics");
  ckpt_file_free(&f);
  run_metrics_free(&m2);
  run_metrics_free(&other);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fmt_double),
      cmocka_unit_test(test_summary_round_trip),
      cmocka_unit_test(test_summary_bad),
      cmocka_unit_test(test_metrics_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
