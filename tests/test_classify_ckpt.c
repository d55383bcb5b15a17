/* data/classify_run checkpoints: a run interrupted (by the stop flag, at an
 * epoch boundary and mid-epoch) and resumed into fresh objects ends
 * bit-identical to one that never stopped -- weights, feedback weights,
 * batch-norm statistics, metrics.csv (timings aside) and the result -- for
 * DeepAGREL and backprop, with dropout, batch norm, separate feedback
 * weights, lr halving and early stopping in play; checkpoints that do not
 * fit (settings, network, batch size, damage) are refused with a message,
 * and damaged sections behind a valid CRC never crash a resume. */
#include "testutil.h"

#include "synrl/core.h"
#include "synrl/train.h"

#include "../fuzz/cls_ckpt_setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* conv, batch norm, dropout twice; feedback weights drawn apart from the
 * forward ones (--fb-init independent) */
static void make_net(nn_net *net, int dense_units) {
  nn_lspec sp[] = {{.kind = NN_L_CONV, .units = 4, .k = 3, .stride = 2, .pad = NN_PAD_SAME},
                   {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
                   {.kind = NN_L_DROPOUT, .rate = 0.2},
                   {.kind = NN_L_DENSE, .units = dense_units}, {.kind = NN_L_RELU},
                   {.kind = NN_L_BNORM}, {.kind = NN_L_DROPOUT, .rate = 0.3},
                   {.kind = NN_L_DENSE, .units = 4}};
  syn_err e;
  assert_int_equal(nn_net_create(net, 12, 12, 1, 9, sp, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, 7, 1);
  nn_net_init_normal(net, 0.1, &r);
  float *fb = malloc(net->n_params * sizeof(float));
  memcpy(fb, net->params, net->n_params * sizeof(float));
  rng_seed(&r, 7, 4);
  nn_net_init_normal(net, 0.1, &r);
  memcpy(net->fb, net->params, net->n_params * sizeof(float));
  memcpy(net->params, fb, net->n_params * sizeof(float));
  free(fb);
}

typedef struct fixture {
  data_set tr, va, te;
} fixture;

static void fixture_make(fixture *f) {
  /* 12x12 images, pixels biased by the class; 200 rows in batches of 32:
   * 7 a epoch, the last of 8 */
  tu_make_images(&f->tr, 200, 144, 4, 1);
  tu_make_images(&f->va, 60, 144, 4, 2);
  tu_make_images(&f->te, 60, 144, 4, 3);
}

static void fixture_free(fixture *f) {
  data_set_free(&f->tr);
  data_set_free(&f->va);
  data_set_free(&f->te);
}

static void config(cls_config *c, const cls_rule *rule) {
  assert_int_equal(cls_config_preset(c, "conv", NULL), SYN_OK);
  c->rule = rule;
  c->seed = 11;
  c->batch = 32;
  c->max_epochs = 9;
  c->halve_every = 3;
  c->patience = 4;
  c->min_delta = 0.02; /* so that early stopping can end the run */
  c->lr = rule == CLS_RULE_AGREL ? 0.2 : 0.05;
  c->bn_momentum = 0.8;
  c->agrel.epsilon = 0.2;
  c->agrel.clip_norm = 5;  /* stateless: must not disturb a resume */
  c->warmup_steps = 10;    /* spans the first epochs' checkpoints: the lr follows from the position */
  c->ckpt_config = "net=test\nseed=11\n";
  c->restore_best = rule == CLS_RULE_AGREL; /* backprop: the last epoch's weights are compared */
}

/* metrics.csv without its second column (seconds: wall time) */
static char *metrics_sans_time(const char *dir) {
  char p[4200];
  snprintf(p, sizeof p, "%s/metrics.csv", dir);
  long n;
  unsigned char *b = tu_slurp(p, &n);
  if (!b) fail_msg("no %s", p);
  char *out = malloc((size_t)n + 1);
  size_t o = 0;
  int field = 0;
  for (long i = 0; i < n; i++) {
    if (b[i] == ',') field++;
    if (b[i] == '\n') field = 0;
    if (field != 1) out[o++] = (char)b[i]; /* the comma ending field 0 goes too */
  }
  out[o] = 0;
  free(b);
  return out;
}

typedef struct outcome {
  float *params, *fb, *state;
  size_t n_params, n_state;
  cls_result r;
  char *metrics;
} outcome;

static void outcome_take(outcome *o, const nn_net *net, const cls_result *r, const char *dir) {
  o->n_params = net->n_params;
  o->n_state = net->n_state;
  o->params = malloc(net->n_params * sizeof(float));
  o->fb = malloc(net->n_params * sizeof(float));
  o->state = malloc(net->n_state * sizeof(float));
  memcpy(o->params, net->params, net->n_params * sizeof(float));
  memcpy(o->fb, net->fb, net->n_params * sizeof(float));
  memcpy(o->state, net->state, net->n_state * sizeof(float));
  o->r = *r;
  o->metrics = metrics_sans_time(dir);
}

static void outcome_free(outcome *o) {
  free(o->params);
  free(o->fb);
  free(o->state);
  free(o->metrics);
}

static void assert_same(const outcome *a, const outcome *b, const char *what) {
  if (a->n_params != b->n_params || memcmp(a->params, b->params, a->n_params * 4) != 0)
    fail_msg("%s: weights differ", what);
  if (memcmp(a->fb, b->fb, a->n_params * 4) != 0) fail_msg("%s: feedback weights differ", what);
  if (memcmp(a->state, b->state, a->n_state * 4) != 0)
    fail_msg("%s: batch-norm statistics differ", what);
  if (strcmp(a->metrics, b->metrics) != 0)
    fail_msg("%s: metrics differ:\n%s---\n%s", what, a->metrics, b->metrics);
  const cls_result *x = &a->r, *y = &b->r;
  if (x->epochs != y->epochs || x->best_epoch != y->best_epoch ||
      x->stopped_early != y->stopped_early || memcmp(&x->test_acc, &y->test_acc, 8) != 0 ||
      memcmp(&x->test_acc_last, &y->test_acc_last, 8) != 0 ||
      memcmp(&x->best_valid_acc, &y->best_valid_acc, 8) != 0 ||
      memcmp(&x->train_loss, &y->train_loss, 8) != 0)
    fail_msg("%s: results differ: epochs %ld/%ld best %ld/%ld test %.17g/%.17g", what, x->epochs,
             y->epochs, x->best_epoch, y->best_epoch, x->test_acc, y->test_acc);
}

static void dir_for(char *out, size_t n, const char *name) {
  tu_path(out, n, name);
  mkdir(out, 0755);
}

/* stop at the end of epoch *(long *)user */
typedef struct stopper {
  long at;
  volatile sig_atomic_t flag;
} stopper;

static void stop_after(void *user, long ep, double lr, double l, double ta, double va, double s) {
  (void)lr, (void)l, (void)ta, (void)va, (void)s;
  stopper *st = user;
  if (ep == st->at) st->flag = 1;
}

static void round_trip(const cls_rule *rule, const char *tag) {
  fixture fx;
  fixture_make(&fx);
  char ref_dir[4200], dir[4200], ckpt[4300], name[64];
  snprintf(name, sizeof name, "ref-%s", tag);
  dir_for(ref_dir, sizeof ref_dir, name);
  snprintf(name, sizeof name, "run-%s", tag);
  dir_for(dir, sizeof dir, name);
  snprintf(ckpt, sizeof ckpt, "%s/checkpoint.bin", dir);
  syn_err e;
  cls_config c;
  nn_net net;
  cls_result r;

  /* the run that never stopped */
  config(&c, rule);
  c.out_dir = ref_dir;
  make_net(&net, 16);
  assert_int_equal(cls_train(&net, &fx.tr, &fx.va, &fx.te, &c, &r, &e), SYN_OK);
  outcome ref;
  outcome_take(&ref, &net, &r, ref_dir);
  nn_net_destroy(&net);
  assert_true(r.epochs >= 4);
  assert_true(r.best_epoch >= 1);

  /* the same with a checkpoint every 5 minibatches: writing changes nothing;
   * the last checkpoint is left mid-epoch */
  config(&c, rule);
  c.out_dir = dir;
  c.ckpt_path = ckpt;
  c.ckpt_every = 5;
  make_net(&net, 16);
  assert_int_equal(cls_train(&net, &fx.tr, &fx.va, &fx.te, &c, &r, &e), SYN_OK);
  assert_false(r.interrupted);
  assert_true(r.checkpoints >= 3);
  outcome o;
  outcome_take(&o, &net, &r, dir);
  assert_same(&ref, &o, "with checkpoints");
  outcome_free(&o);
  nn_net_destroy(&net);
  const long last_gb = (r.epochs * 7 - 1) / 5 * 5; /* the last multiple of 5 before the end */
  assert_true(last_gb % 7 != 0);                   /* a mid-epoch one */

  /* resume from it into fresh objects (whose own start is another draw) */
  config(&c, rule);
  c.out_dir = dir;
  c.resume_path = ckpt;
  make_net(&net, 16);
  nn_net_init_normal(&net, 0.3, &(rng_t){{1, 2, 3, 4}});
  assert_int_equal(cls_train(&net, &fx.tr, &fx.va, &fx.te, &c, &r, &e), SYN_OK);
  assert_int_equal(r.resumed_epoch, last_gb / 7 + 1);
  assert_int_equal(r.resumed_batch, last_gb % 7);
  outcome_take(&o, &net, &r, dir);
  assert_same(&ref, &o, "resumed mid-epoch");
  outcome_free(&o);
  nn_net_destroy(&net);

  /* interrupted by the stop flag at the end of epoch 2, resumed, stopped
   * again at once (the same checkpoint rewritten), resumed to the end */
  stopper sp = {.at = 2, .flag = 0};
  config(&c, rule);
  c.out_dir = dir;
  c.ckpt_path = ckpt;
  c.stop = &sp.flag;
  c.progress = stop_after;
  c.progress_user = &sp;
  make_net(&net, 16);
  assert_int_equal(cls_train(&net, &fx.tr, &fx.va, &fx.te, &c, &r, &e), SYN_OK);
  assert_true(r.interrupted);
  assert_int_equal(r.stop_epoch, 3);
  assert_int_equal(r.stop_batch, 0);
  assert_int_equal(r.epochs, 2);
  nn_net_destroy(&net);
  long n1;
  unsigned char *first = tu_slurp(ckpt, &n1);
  make_net(&net, 16);
  c.resume_path = ckpt;
  sp.at = -1; /* flag still set: stops before the first minibatch */
  assert_int_equal(cls_train(&net, &fx.tr, &fx.va, &fx.te, &c, &r, &e), SYN_OK);
  assert_true(r.interrupted);
  assert_int_equal(r.stop_epoch, 3);
  long n2;
  unsigned char *second = tu_slurp(ckpt, &n2);
  /* the same state; only the time fields may differ */
  assert_int_equal(n1, n2);
  nn_net_destroy(&net);
  sp.flag = 0;
  make_net(&net, 16);
  assert_int_equal(cls_train(&net, &fx.tr, &fx.va, &fx.te, &c, &r, &e), SYN_OK);
  assert_false(r.interrupted);
  outcome_take(&o, &net, &r, dir);
  assert_same(&ref, &o, "stopped and resumed");
  outcome_free(&o);
  nn_net_destroy(&net);
  free(first);
  free(second);
  outcome_free(&ref);
  fixture_free(&fx);
}

static void test_round_trip_agrel(void **st) {
  (void)st;
  round_trip(CLS_RULE_AGREL, "agrel");
}

static void test_round_trip_backprop(void **st) {
  (void)st;
  round_trip(CLS_RULE_BACKPROP, "backprop");
}

/* Copies checkpoint src to dst section by section (a valid container), with
 * the bytes at offset off of section `name` replaced by val[0..n), or that
 * section left out (val NULL), and cut to `cut` bytes. */
static void rewrite_cut(const char *src, const char *dst, const char *name, size_t off,
                        const void *val, size_t n, size_t cut) {
  ckpt_file f;
  syn_err e;
  if (ckpt_read(&f, src, &e)) fail_msg("%s", e.msg);
  ckpt_writer w;
  ckpt_writer_init(&w);
  for (uint32_t i = 0; i < f.n_sections; i++) {
    const ckpt_section_ref *r = &f.sec[i];
    bool hit = strcmp(r->name, name) == 0;
    if (hit && !val) continue;
    unsigned char *p = malloc(r->len + 1);
    memcpy(p, f.data + r->off, r->len);
    if (hit) {
      assert_true(off + n <= r->len);
      memcpy(p + off, val, n);
    }
    ckpt_begin(&w, r->name);
    ckpt_put_bytes(&w, p, hit && cut < r->len ? cut : r->len);
    ckpt_end(&w);
    free(p);
  }
  if (ckpt_writer_save(&w, dst, &e)) fail_msg("%s", e.msg);
  ckpt_writer_free(&w);
  ckpt_file_free(&f);
}

static void rewrite(const char *src, const char *dst, const char *name, size_t off,
                    const void *val, size_t n) {
  rewrite_cut(src, dst, name, off, val, n, SIZE_MAX);
}

/* resume attempts that must fail with a message naming what */
static void expect_refused(const fixture *fx, cls_config *c, int dense_units, const char *needle) {
  nn_net net;
  make_net(&net, dense_units);
  cls_result r;
  syn_err e = {0};
  assert_int_not_equal(cls_train(&net, &fx->tr, &fx->va, &fx->te, c, &r, &e), SYN_OK);
  assert_contains(e.msg, needle);
  assert_false(r.interrupted);
  nn_net_destroy(&net);
}

/* A 2-epoch agrel run with one checkpoint (minibatch 10: in epoch 2, after
 * a best epoch) left at DIR/checkpoint.bin; c is set to resume from bad. */
static void checkpointed(const fixture *fx, const char *name, char *ckpt, char *bad, size_t n,
                         cls_config *c) {
  char dir[4200];
  dir_for(dir, sizeof dir, name);
  snprintf(ckpt, n, "%s/checkpoint.bin", dir);
  snprintf(bad, n, "%s/bad.bin", dir);
  config(c, CLS_RULE_AGREL);
  c->max_epochs = 2;
  c->ckpt_path = ckpt;
  c->ckpt_every = 10;
  nn_net net;
  cls_result r;
  syn_err e;
  make_net(&net, 16);
  assert_int_equal(cls_train(&net, &fx->tr, &fx->va, NULL, c, &r, &e), SYN_OK);
  nn_net_destroy(&net);
  assert_int_equal(r.checkpoints, 1);
  c->ckpt_path = NULL;
  c->resume_path = bad;
}

static void test_refused(void **st) {
  (void)st;
  fixture fx;
  fixture_make(&fx);
  char ckpt[4300], bad[4300];
  cls_config c;
  checkpointed(&fx, "refused", ckpt, bad, sizeof ckpt, &c);
  nn_net net;
  syn_err e;
  c.resume_path = ckpt;
  assert_int_equal(cls_checkpoint_check(ckpt, c.ckpt_config, &e), SYN_OK);

  c.ckpt_config = "net=test\nseed=12\n";
  expect_refused(&fx, &c, 16, "written with 'seed=11', this run has 'seed=12'");
  assert_int_equal(cls_checkpoint_check(ckpt, c.ckpt_config, &e), SYN_ERR_ARG);
  config(&c, CLS_RULE_AGREL);
  c.max_epochs = 2;
  c.resume_path = ckpt;
  expect_refused(&fx, &c, 17, "another network");
  c.batch = 16;
  expect_refused(&fx, &c, 16, "batch size");
  c.batch = 32;
  c.rule = CLS_RULE_BACKPROP;
  expect_refused(&fx, &c, 16, "another rule");
  c.rule = CLS_RULE_AGREL;

  /* truncated anywhere, or a byte changed: a format error naming the file */
  long n;
  unsigned char *good = tu_slurp(ckpt, &n);
  c.resume_path = bad;
  const long cuts[] = {0, 7, 30, n / 2, n - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    tu_spit(bad, good, (size_t)cuts[i]);
    expect_refused(&fx, &c, 16, "bad.bin");
  }
  good[n / 3] ^= 0x10;
  tu_spit(bad, good, (size_t)n);
  expect_refused(&fx, &c, 16, "bad.bin");
  free(good);

  /* valid containers whose content does not fit: each field checked
   * (little-endian host assumed for the patched integers) */
  config(&c, CLS_RULE_AGREL);
  c.max_epochs = 2;
  c.resume_path = bad;
  const uint64_t b0_odd = 5, ep_big = 3;
  const uint32_t dup[2] = {7, 7};
  rewrite(ckpt, bad, "cls.loop", 33, &b0_odd, 8); /* position not at a minibatch */
  expect_refused(&fx, &c, 16, "loop state out of range");
  rewrite(ckpt, bad, "cls.loop", 25, &ep_big, 8); /* epoch beyond the epochs */
  expect_refused(&fx, &c, 16, "loop state out of range");
  rewrite(ckpt, bad, "cls.perm", 0, dup, 8); /* a row twice */
  expect_refused(&fx, &c, 16, "not a permutation");
  rewrite(ckpt, bad, "cls.metrics", 0, &ep_big, 8); /* row 1 says epoch 3 */
  expect_refused(&fx, &c, 16, "epochs out of order");
  rewrite(ckpt, bad, "cls.best", 0, NULL, 0); /* a best epoch without its weights */
  expect_refused(&fx, &c, 16, "cls.best missing");
  rewrite(ckpt, bad, "cls.perm", 0, NULL, 0);
  expect_refused(&fx, &c, 16, "cls.perm");
  /* the feedback flag of cls.net: after the description string, the two
   * counts and the forward weights */
  make_net(&net, 16);
  const size_t n_params = net.n_params;
  char shape[1024];
  nn_net_describe(&net, shape, sizeof shape);
  nn_net_destroy(&net);
  const uint8_t flag2 = 2;
  rewrite(ckpt, bad, "cls.net", 8 + strlen(shape) + 16 + 4 * n_params, &flag2, 1);
  expect_refused(&fx, &c, 16, "feedback-weight flag");
  c.resume_path = "/nonexistent/checkpoint.bin";
  expect_refused(&fx, &c, 16, "/nonexistent/checkpoint.bin");

  /* a checkpoint that cannot be written: an error, no file */
  config(&c, CLS_RULE_AGREL);
  c.ckpt_path = "/nonexistent/dir/checkpoint.bin";
  c.ckpt_every = 3;
  expect_refused(&fx, &c, 16, "/nonexistent/dir/checkpoint.bin");
  /* a stop without a checkpoint file: an error saying so */
  config(&c, CLS_RULE_AGREL);
  volatile sig_atomic_t flag = 1;
  c.stop = &flag;
  expect_refused(&fx, &c, 16, "interrupted");
  fixture_free(&fx);
}

/* Every section cut at many lengths and with bytes changed at many places,
 * behind a valid CRC: a resume fails with a message or runs to the end, and
 * never reads out of bounds (the sanitizer build runs this too). */
static void test_damaged_sections(void **st) {
  (void)st;
  fixture fx;
  fixture_make(&fx);
  char ckpt[4300], bad[4300];
  cls_config c;
  checkpointed(&fx, "damaged", ckpt, bad, sizeof ckpt, &c);
  nn_net net;
  cls_result r;
  syn_err e;
  ckpt_file f;
  assert_int_equal(ckpt_read(&f, ckpt, &e), SYN_OK);
  long tried = 0, loaded = 0;
  rng_t g;
  rng_seed(&g, 5, 0);
  for (uint32_t i = 0; i < f.n_sections; i++) {
    const size_t len = f.sec[i].len;
    for (int k = 0; k < 24; k++) {
      /* a cut (k < 8: the first bytes, then anywhere) or a changed byte */
      const bool cut = k % 2 == 0;
      size_t at = k < 8 ? (size_t)k : (size_t)rng_below(&g, len ? len : 1);
      if (at >= len) continue;
      uint8_t v = (uint8_t)(f.data[f.sec[i].off + at] ^ (1u << (k % 8)));
      if (cut)
        rewrite_cut(ckpt, bad, f.sec[i].name, 0, "", 0, at);
      else
        rewrite(ckpt, bad, f.sec[i].name, at, &v, 1);
      make_net(&net, 16);
      memset(&e, 0, sizeof e);
      syn_status s = cls_train(&net, &fx.tr, &fx.va, NULL, &c, &r, &e);
      if (s == SYN_OK) {
        loaded++;
        assert_int_equal(r.epochs, 2);
      } else {
        assert_true(e.msg[0] != 0);
      }
      tried++;
      nn_net_destroy(&net);
    }
  }
  ckpt_file_free(&f);
  /* most damage is caught; a changed weight or time loads and runs */
  assert_true(tried > 100);
  assert_true(loaded < tried);
  fixture_free(&fx);
}

/* ---- the fuzz corpus and every input that once broke fuzz_clsckpt, replayed
 * with a valid CRC: each seed resumes its own run, nothing else crashes or
 * fails without a message ---- */
static void test_fuzz_inputs(void **st) {
  tu_replay_ckpt_inputs("fuzz_clsckpt", "corpus", true, fzc_resume_all);
  tu_replay_ckpt_inputs("fuzz_clsckpt", "regress", false, fzc_resume_all);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_agrel),
      cmocka_unit_test(test_round_trip_backprop),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_damaged_sections), cmocka_unit_test(test_fuzz_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
