/* MLP runs as a library (train/mlp_*.c): presets, the settings table and its
 * text, task errors that name the setting, a whole run into a folder, and
 * mlp_eval_dir reproducing the run's own final accuracy bit for bit. */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r */
#include "testutil.h"
#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_presets(void **st) {
  (void)st;
  assert_int_equal(mlp_preset_count(), 6);
  const char *want[] = {"2d-adaptive", "2d-static", "ocr-0hu", "ocr-32hu", "gd-ocr-0hu", "gd-ocr-32hu"};
  for (int i = 0; i < 6; i++) {
    assert_string_equal(mlp_preset_name(i), want[i]);
    assert_non_null(mlp_preset_about(i));
    assert_contains(mlp_preset_choices(), want[i]);
    mlp_config c;
    mlp_config_default(&c);
    syn_err e = {0};
    assert_int_equal(mlp_preset_apply(want[i], &c, &e), SYN_OK);
    assert_string_equal(c.preset, want[i]);
  }
  assert_null(mlp_preset_name(6));
  mlp_config c;
  syn_err e = {0};
  mlp_config_default(&c);
  assert_int_equal(mlp_preset_apply("ocr-32hu", &c, &e), SYN_OK);
  assert_string_equal(c.task.task, "images");
  assert_string_equal(c.task.hidden, "32");
  assert_string_equal(c.policy_mode, "static");
  assert_int_equal(c.iterations, 500000);
  assert_int_equal(c.halve_at, 60000);
  assert_int_equal(c.batch, 5000);
  assert_true(c.alpha_s == 1e-4 && c.epsilon == 0.1 && c.task.init_range == 0.1);
  mlp_config_default(&c);
  assert_int_equal(mlp_preset_apply("gd-ocr-0hu", &c, &e), SYN_OK);
  assert_string_equal(c.method, "gd");
  assert_true(c.task.init_range == 1.0); /* the authors' 0 HU notebook */
  assert_int_equal(mlp_preset_apply("ocr-64hu", &c, &e), SYN_ERR_ARG);
  assert_true(strncmp(e.msg, "preset: 'ocr-64hu'", 18) == 0);
}

/* The settings text reads back into the same configuration. */
static void test_settings_roundtrip(void **st) {
  (void)st;
  mlp_config a, b;
  mlp_config_default(&a);
  a.task.boundary_seed = 7;
  a.epsilon = 0.1;
  a.portable = true;
  a.policy = "some/file.tsv";
  a.task.hidden = "16,8";
  char *ta = mlp_config_text(&a, "extra_line=1\n");
  assert_non_null(ta);
  assert_contains(ta, "\nepsilon=0.1\n");
  assert_contains(ta, "\nboundary-seed=7\n");
  assert_contains(ta, "\nextra_line=1\n");
  mlp_config_default(&b);
  syn_err e = {0};
  char *copy = strdup(ta), *save = NULL;
  size_t n_table;
  const mlp_setting *table = mlp_settings(&n_table);
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *eq = strchr(line, '=');
    *eq = 0;
    for (size_t k = 0; k < n_table; k++)
      if (strcmp(table[k].name, line) == 0) assert_int_equal(mlp_config_set(&b, line, eq + 1, &e), SYN_OK);
  }
  char *tb = mlp_config_text(&b, "extra_line=1\n");
  assert_string_equal(ta, tb);
  assert_int_equal(mlp_config_set(&b, "epsilon", "2", &e), SYN_ERR_ARG);
  assert_contains(e.msg, "epsilon");
  assert_int_equal(mlp_config_set(&b, "method", "sgd", &e), SYN_ERR_ARG);
  assert_int_equal(mlp_config_set(&b, "nosuch", "1", &e), SYN_ERR_ARG);
  free(ta);
  free(tb);
  free(copy);
}

static void test_task_errors(void **st) {
  (void)st;
  mlp_task_config t;
  mlp_task t_out;
  syn_err e = {0};
  mlp_task_config_default(&t);
  t.hidden = "0,x";
  assert_int_equal(mlp_task_prepare(&t_out, &t, 1, &e), SYN_ERR_ARG);
  assert_true(strncmp(e.msg, "hidden:", 7) == 0);
  mlp_task_config_default(&t);
  t.loss = "softmax-ce";
  assert_int_equal(mlp_task_prepare(&t_out, &t, 1, &e), SYN_ERR_ARG);
  assert_true(strncmp(e.msg, "loss:", 5) == 0);
  mlp_task_config_default(&t);
  t.task = "images";
  t.data_dir = "/nonexistent/synrl";
  assert_int_equal(mlp_task_prepare(&t_out, &t, 1, &e), SYN_ERR_IO);
  assert_true(strncmp(e.msg, "data-dir:", 9) == 0);
  /* the boundary seed in use is reported */
  mlp_task_config_default(&t);
  t.points = 50;
  t.valid_points = 10;
  assert_int_equal(mlp_task_prepare(&t_out, &t, 9, &e), SYN_OK);
  assert_int_equal(t_out.boundary_seed, 9);
  assert_int_equal(t_out.n_layers, 2);
  assert_int_equal(t_out.widths[1], 100);
  mlp_task_free(&t_out);
}

static void test_bad_config(void **st) {
  (void)st;
  mlp_config c;
  mlp_run r;
  syn_err e = {0};
  mlp_config_default(&c);
  c.policy_mode = "static";
  assert_int_equal(mlp_run_prepare(&r, &c, &e), SYN_ERR_ARG);
  assert_true(strncmp(e.msg, "policy-mode:", 12) == 0);
  mlp_config_default(&c);
  c.task.points = 20;
  c.batch = 30;
  assert_int_equal(mlp_run_prepare(&r, &c, &e), SYN_ERR_ARG);
  assert_true(strncmp(e.msg, "batch:", 6) == 0);
  mlp_config_default(&c);
  c.path = "q8-ref";
  c.task.points = 20;
  assert_int_equal(mlp_run_prepare(&r, &c, &e), SYN_ERR_ARG);
  assert_true(strncmp(e.msg, "path:", 5) == 0);
}

/* A static 2D run with a boundary seed other than the run's, into a folder;
 * mlp_eval_dir rebuilds the task from summary.json and measures net.bin. */
static void test_eval_dir(void **st) {
  (void)st;
  char policy[4096], dir[4096];
  snprintf(policy, sizeof policy, "%s/data/policies/authors-golden.tsv", tu_source_dir());
  tu_path(dir, sizeof dir, "static-run");
  mlp_config c;
  syn_err e = {0};
  mlp_config_default(&c);
  assert_int_equal(mlp_preset_apply("2d-static", &c, &e), SYN_OK);
  c.policy = policy;
  c.seed = 3;
  c.task.boundary_seed = 17;
  c.task.points = 300;
  c.task.valid_points = 100;
  c.iterations = 200;
  c.eval_every = 50;
  mlp_run_opts o;
  mlp_run_opts_default(&o);
  o.out_dir = dir;
  run_result res;
  assert_int_equal(mlp_run_dir(&c, &o, &res, &e), SYN_OK);
  run_summary *s;
  assert_int_equal(run_summary_load(&s, dir, &e), SYN_OK);
  assert_string_equal(run_summary_setting(s, "boundary-seed"), "17");
  assert_string_equal(run_summary_setting(s, "boundary_seed_used"), "17");
  run_eval ev;
  assert_int_equal(mlp_eval_dir(s, dir, &ev, &e), SYN_OK);
  assert_string_equal(ev.metric, "train_acc");
  assert_memory_equal(&ev.value, &ev.recorded, sizeof(double)); /* bit for bit */
  assert_memory_equal(&ev.value, &res.train_acc, sizeof(double));
  assert_memory_equal(&ev.valid_acc, &res.valid_acc, sizeof(double));
  assert_true(isnan(ev.test_acc));
  assert_true(ev.value > 0.5); /* the authors' table learns this boundary */
  run_summary_free(s);

  /* a summary whose boundary seed was changed does not fit the data it recorded */
  char path[4200];
  snprintf(path, sizeof path, "%s/summary.json", dir);
  long n;
  char *text = (char *)tu_slurp(path, &n);
  char *at = strstr(text, "\"boundary-seed\":\t\"17\"");
  assert_non_null(at);
  at[strlen("\"boundary-seed\":\t\"1")] = '8';
  tu_spit(path, text, (size_t)n);
  free(text);
  assert_int_equal(run_summary_load(&s, dir, &e), SYN_OK);
  assert_int_equal(mlp_eval_dir(s, dir, &ev, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "differ from the run's");
  run_summary_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_presets),
      cmocka_unit_test(test_settings_roundtrip),
      cmocka_unit_test(test_task_errors),
      cmocka_unit_test(test_bad_config),
      cmocka_unit_test(test_eval_dir),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
