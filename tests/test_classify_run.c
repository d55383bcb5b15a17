/* Classification runs through the library alone: the presets, a whole run
 * (cls_run) on a small IDX folder this test writes (summary.json with every
 * setting and the files read, metrics.csv in the shared layout, net.bin),
 * cls_eval_dir equal bit for bit to the run's test accuracy, errors that
 * name their setting, and a rule of the caller's own (cls_rule) with state
 * that a checkpoint carries: a run resumed from a mid-epoch checkpoint ends
 * as one that never stopped. */
#include "testutil.h"

#include "synrl/core.h"
#include "synrl/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------- presets and rules ---------------- */
static void test_presets(void **st) {
  (void)st;
  char names[] = CLS_PRESET_NAMES;
  int n = 0;
  syn_err e;
  cls_run_config rc;
  for (char *p = strtok(names, "|"); p; p = strtok(NULL, "|"), n++) {
    assert_int_equal(cls_preset(&rc, p, &e), SYN_OK);
    assert_string_equal(rc.preset, p);
    assert_non_null(strstr(p, rc.net));
    assert_non_null(cls_data_dir_default(rc.data));
    assert_true(rc.train.rule == CLS_RULE_AGREL);
    assert_true(rc.train.restore_best);
  }
  assert_int_equal(n, 5);
  /* the default: Fashion-MNIST where setup puts it, at a rate that learns */
  assert_int_equal(cls_preset(&rc, CLS_PRESET_DEFAULT, &e), SYN_OK);
  assert_string_equal(rc.data, "fashion");
  assert_string_equal(cls_data_dir_default(rc.data), DATA_FASHION_MNIST_DIR);
  assert_true(rc.train.lr == 0.05);
  assert_true(rc.train.bn_momentum == 0.9);
  /* the reference notes' settings, unchanged */
  assert_int_equal(cls_preset(&rc, "mnist-loccon", &e), SYN_OK);
  assert_true(rc.train.lr == 0.1);
  assert_int_equal(rc.train.batch, 32);
  assert_true(rc.train.bn_momentum == 0.99);
  assert_int_equal(cls_preset(&rc, "mnist-dense", &e), SYN_OK);
  assert_true(rc.train.init_sd == 0.01);
  assert_int_not_equal(cls_preset(&rc, "cifar-resnet", &e), SYN_OK);
  assert_contains(e.msg, "cifar-resnet");
  /* rules by name */
  assert_true(cls_rule_find("agrel") == CLS_RULE_AGREL);
  assert_true(cls_rule_find("backprop") == CLS_RULE_BACKPROP);
  assert_null(cls_rule_find("hebb"));
  assert_null(cls_rule_find(NULL));
}

/* ---------------- a whole run on a small IDX folder ---------------- */
/* 28x28 images of 10 classes: a bright band whose row is the class */
static void write_idx_set(const char *dir, const char *prefix, uint32_t n, bool gz, uint64_t seed) {
  idx_array im = {.ndim = 3, .dims = {n, 28, 28}, .count = (size_t)n * 784};
  idx_array lb = {.ndim = 1, .dims = {n}, .count = n};
  im.data = malloc(im.count);
  lb.data = malloc(n);
  rng_t g;
  rng_seed(&g, seed, 3);
  for (uint32_t i = 0; i < n; i++) {
    lb.data[i] = (uint8_t)(i % 10);
    for (int k = 0; k < 784; k++) {
      int row = k / 28;
      im.data[(size_t)i * 784 + k] =
          (uint8_t)(row / 2 == lb.data[i] + 2 ? 200 + rng_below(&g, 56) : rng_below(&g, 60));
    }
  }
  char p[4200];
  syn_err e;
  snprintf(p, sizeof p, "%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
  assert_int_equal(idx_save_u8(&im, p, &e), SYN_OK);
  snprintf(p, sizeof p, "%s/%s-labels-idx1-ubyte%s", dir, prefix, gz ? ".gz" : "");
  assert_int_equal(idx_save_u8(&lb, p, &e), SYN_OK);
  free(im.data);
  free(lb.data);
}

static void small_run(cls_run_config *rc, const char *data_dir, const char *out) {
  syn_err e;
  assert_int_equal(cls_preset(rc, "fashion-dense", &e), SYN_OK);
  rc->data_dir = data_dir;
  rc->n_valid = 20;
  rc->train.batch = 16;
  rc->train.max_epochs = 3;
  rc->train.lr = 0.02;
  rc->out_dir = out;
}

static char *slurp_text(const char *dir, const char *name) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  long n;
  unsigned char *b = tu_slurp(p, &n);
  if (!b) fail_msg("no %s", p);
  b[n] = 0; /* tu_slurp leaves room */
  return (char *)b;
}

/* data (512 bytes): a folder NAME of n_train raw training rows and n_test
 * test rows (gzip if test_gz); out (512 bytes): the run folder OUT */
static void data_folder(char *data, const char *name, uint32_t n_train, uint32_t n_test,
                        bool test_gz, char *out, const char *out_name) {
  tu_path(data, 512, name);
  mkdir(data, 0755);
  tu_path(out, 512, out_name);
  write_idx_set(data, "train", n_train, false, 1);
  write_idx_set(data, "t10k", n_test, test_gz, 2);
}

static void test_run_and_eval(void **st) {
  (void)st;
  char data[512], out[512];
  data_folder(data, "idx", 140, 30, true, out, "run/a");
  cls_run_config rc;
  small_run(&rc, data, out);
  char *argv[] = {"synrl", "classify", "--preset", "fashion-dense"};
  rc.argc = 4;
  rc.argv = argv;
  cls_run_result r;
  syn_err e = {0};
  if (cls_run(&rc, &r, &e)) fail_msg("cls_run: %s", e.msg);
  assert_int_equal(r.n_train, 120);
  assert_int_equal(r.n_valid, 20);
  assert_int_equal(r.n_test, 30);
  assert_int_equal(r.train.epochs, 3);
  assert_true(r.train.test_acc >= 0 && r.train.test_acc <= 1);

  /* summary.json: the common head, every setting, the files read, results */
  run_summary *s;
  assert_int_equal(run_summary_load(&s, out, &e), SYN_OK);
  assert_int_equal(run_summary_kind(s), RUN_KIND_CLASSIFY);
  assert_string_equal(run_summary_get_str(s, "metrics_step"), "epoch");
  assert_string_equal(run_summary_setting(s, "preset"), "fashion-dense");
  assert_string_equal(run_summary_setting(s, "lr"), "0.02");
  assert_string_equal(run_summary_setting(s, "split-seed"), "1");
  assert_string_equal(run_summary_setting(s, "n-valid"), "20");
  assert_string_equal(run_summary_setting(s, "batch"), "16");
  assert_string_equal(run_summary_setting(s, "data-dir"), data);
  char want[4300];
  snprintf(want, sizeof want, "%s/train-images-idx3-ubyte", data);
  assert_string_equal(run_summary_setting(s, "train-images"), want);
  snprintf(want, sizeof want, "%s/t10k-labels-idx1-ubyte.gz", data);
  assert_string_equal(run_summary_setting(s, "test-labels"), want);
  double v;
  assert_true(run_summary_get_num(s, "test_acc", &v) && v == r.train.test_acc);
  assert_true(run_summary_get_num(s, "best_valid_acc", &v) && v >= 0 && v <= 1);
  char hex[24];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)r.params_fnv1a64);
  assert_string_equal(run_summary_get_str(s, "params_fnv1a64"), hex);
  assert_string_equal(run_summary_get_str(s, "rule"), "agrel");

  /* metrics.csv: the shared layout, a row per epoch */
  char *m = slurp_text(out, "metrics.csv");
  assert_true(strncmp(m, "step,seconds,lr,train_loss,train_acc,valid_acc\n1,", 49) == 0);
  assert_non_null(strstr(m, "\n3,"));
  free(m);

  /* measured again: the same figure, bit for bit */
  run_eval ev;
  assert_int_equal(cls_eval_dir(s, out, &ev, &e), SYN_OK);
  assert_string_equal(ev.metric, "test_acc");
  assert_memory_equal(&ev.value, &ev.recorded, sizeof(double));
  assert_memory_equal(&ev.value, &r.train.test_acc, sizeof(double));

  /* other test data: refused, not measured */
  write_idx_set(data, "t10k", 30, true, 3);
  assert_int_not_equal(cls_eval_dir(s, out, &ev, &e), SYN_OK);
  assert_contains(e.msg, "test set");
  run_summary_free(s);
}

/* errors name the setting (bad_setting) or the file at fault */
static void test_run_errors(void **st) {
  (void)st;
  char data[512], out[512];
  data_folder(data, "idx-err", 60, 10, false, out, "run-err");
  cls_run_config rc;
  cls_run_result r;
  syn_err e;
  small_run(&rc, data, out);
  rc.n_train = 100;
  assert_int_equal(cls_run(&rc, &r, &e), SYN_ERR_ARG);
  assert_string_equal(r.bad_setting, "n-train");
  assert_contains(e.msg, "n-train: 100 is above the 40 training rows");
  small_run(&rc, data, out);
  rc.n_test = 5;
  assert_int_equal(cls_run(&rc, &r, &e), SYN_ERR_ARG);
  assert_string_equal(r.bad_setting, "n-test");
  small_run(&rc, data, out);
  rc.n_valid = 60;
  assert_int_equal(cls_run(&rc, &r, &e), SYN_ERR_ARG);
  assert_string_equal(r.bad_setting, "n-valid");
  small_run(&rc, data, out);
  rc.train.batch = 41;
  assert_int_equal(cls_run(&rc, &r, &e), SYN_ERR_ARG);
  assert_string_equal(r.bad_setting, "batch");
  small_run(&rc, data, out);
  rc.net = "resnet";
  assert_int_equal(cls_run(&rc, &r, &e), SYN_ERR_ARG);
  assert_string_equal(r.bad_setting, "net");
  /* a folder without the files: names the folder; a damaged file: names it */
  small_run(&rc, out, out);
  assert_int_not_equal(cls_run(&rc, &r, &e), SYN_OK);
  assert_string_equal(r.bad_setting, "data-dir");
  char p[4200];
  snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", data);
  tu_spit(p, (const unsigned char *)"\0\0\x08\x01\0\0\0\x0a\x01", 9);
  small_run(&rc, data, out);
  assert_int_equal(cls_run(&rc, &r, &e), SYN_ERR_FORMAT);
  assert_null(r.bad_setting);
  assert_contains(e.msg, p);
  /* nothing that looks finished */
  struct stat sb;
  snprintf(p, sizeof p, "%s/summary.json", out);
  assert_int_not_equal(stat(p, &sb), 0);
}

/* ---------------- a rule of the caller's own ---------------- */
/* backprop with heavy-ball momentum: state (the velocity) that a checkpoint
 * must carry; a step counter to check the loop's bookkeeping */
typedef struct momentum_rule {
  float *v;
  size_t n;
  long steps;
} momentum_rule;

static syn_status momentum_step(const cls_rule *rule, const cls_batch *b, agrel_step_info *info,
                                syn_err *e) {
  momentum_rule *m = rule->user;
  assert_int_equal(b->step, m->steps); /* minibatches before this one */
  m->steps++;
  if (!m->v) {
    m->n = b->net->n_params;
    m->v = calloc(m->n, sizeof(float));
  }
  const int k = nn_net_out_size(b->net);
  const float *z = nn_net_forward(b->net, b->ws, b->x, b->n, true, true, b->rng);
  info->loss = netbp_output_grad(z, b->n, k, b->labels, b->ws->g0, &info->n_correct);
  nn_net_backward(b->net, b->ws, b->n, b->ws->g0, b->net->params);
  for (size_t i = 0; i < m->n; i++) m->v[i] = 0.9f * m->v[i] + b->ws->grad[i];
  netbp_apply(b->net, m->v, b->lr);
  (void)e;
  return SYN_OK;
}

static void momentum_save(const cls_rule *rule, ckpt_writer *w) {
  const momentum_rule *m = rule->user;
  ckpt_begin(w, "rule.momentum");
  ckpt_put_i64(w, m->steps);
  ckpt_put_u64(w, m->n);
  for (size_t i = 0; i < m->n; i++) ckpt_put_f64(w, m->v[i]);
  ckpt_end(w);
}

static syn_status momentum_load(const cls_rule *rule, const ckpt_file *f, syn_err *e) {
  momentum_rule *m = rule->user;
  ckpt_sec s;
  syn_status st = ckpt_open(f, "rule.momentum", &s, e);
  if (st) return st;
  m->steps = ckpt_get_i64(&s);
  m->n = ckpt_get_u64(&s);
  free(m->v);
  m->v = calloc(m->n ? m->n : 1, sizeof(float));
  for (size_t i = 0; i < m->n; i++) m->v[i] = (float)ckpt_get_f64(&s);
  return ckpt_sec_done(&s, e);
}

static void make_net(nn_net *net) {
  nn_lspec sp[] = {{.kind = NN_L_CONV, .units = 4, .k = 3, .stride = 2, .pad = NN_PAD_SAME},
                   {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
                   {.kind = NN_L_DROPOUT, .rate = 0.2},
                   {.kind = NN_L_DENSE, .units = 4}};
  syn_err e;
  assert_int_equal(nn_net_create(net, 12, 12, 1, 5, sp, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, 3, 1);
  nn_net_init_normal(net, 0.1, &r);
}

static void own_config(cls_config *c, cls_rule *rule, momentum_rule *m, const char *ckpt) {
  *m = (momentum_rule){0};
  *rule = (cls_rule){.name = "momentum", .step = momentum_step, .save = momentum_save,
                     .load = momentum_load, .user = m};
  assert_int_equal(cls_config_preset(c, "conv", NULL), SYN_OK);
  c->rule = rule;
  c->batch = 20;
  c->max_epochs = 4;
  c->lr = 0.05;
  c->bn_momentum = 0.8;
  c->ckpt_path = ckpt;
  c->ckpt_config = "own=1\n";
}

static void test_own_rule(void **st) {
  (void)st;
  data_set tr, va;
  tu_make_images(&tr, 100, 144, 4, 1);
  tu_make_images(&va, 40, 144, 4, 2);
  char dir[512], ckpt[600];
  tu_path(dir, sizeof dir, "own");
  mkdir(dir, 0755);
  snprintf(ckpt, sizeof ckpt, "%s/checkpoint.bin", dir);
  syn_err e;
  cls_config c;
  cls_rule rule;
  momentum_rule m;
  cls_result r;
  nn_net net;

  /* without checkpoints: learns above chance (0.25) */
  own_config(&c, &rule, &m, NULL);
  make_net(&net);
  if (cls_train(&net, &tr, &va, NULL, &c, &r, &e)) fail_msg("%s", e.msg);
  assert_int_equal(m.steps, 4 * 5);
  assert_true(r.best_valid_acc > 0.5);
  uint64_t ref = core_fnv1a64(net.params, net.n_params * sizeof(float), CORE_FNV_INIT);
  nn_net_destroy(&net);
  free(m.v);

  /* with a checkpoint every 7 minibatches (the last at 14 of 20, mid-epoch
   * 3), then resumed from it into fresh objects: the same end */
  own_config(&c, &rule, &m, ckpt);
  c.ckpt_every = 7;
  make_net(&net);
  assert_int_equal(cls_train(&net, &tr, &va, NULL, &c, &r, &e), SYN_OK);
  assert_int_equal(r.checkpoints, 2);
  nn_net_destroy(&net);
  free(m.v);
  own_config(&c, &rule, &m, NULL);
  c.resume_path = ckpt;
  make_net(&net);
  if (cls_train(&net, &tr, &va, NULL, &c, &r, &e)) fail_msg("resume: %s", e.msg);
  assert_int_equal(r.resumed_epoch, 3);
  assert_int_equal(r.resumed_batch, 4);
  assert_int_equal(m.steps, 4 * 5);
  assert_true(core_fnv1a64(net.params, net.n_params * sizeof(float), CORE_FNV_INIT) == ref);
  nn_net_destroy(&net);
  free(m.v);

  /* its checkpoint is refused to another rule, own or built in */
  own_config(&c, &rule, &m, NULL);
  rule.name = "momentum2";
  c.resume_path = ckpt;
  make_net(&net);
  assert_int_not_equal(cls_train(&net, &tr, &va, NULL, &c, &r, &e), SYN_OK);
  assert_contains(e.msg, "another rule");
  c.rule = CLS_RULE_BACKPROP;
  assert_int_not_equal(cls_train(&net, &tr, &va, NULL, &c, &r, &e), SYN_OK);
  assert_contains(e.msg, "another rule");
  nn_net_destroy(&net);
  free(m.v);
  /* no rule at all */
  own_config(&c, &rule, &m, NULL);
  c.rule = NULL;
  make_net(&net);
  assert_int_not_equal(cls_train(&net, &tr, &va, NULL, &c, &r, &e), SYN_OK);
  nn_net_destroy(&net);
  data_set_free(&tr);
  data_set_free(&va);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_presets),
      cmocka_unit_test(test_run_and_eval),
      cmocka_unit_test(test_run_errors),
      cmocka_unit_test(test_own_rule),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
