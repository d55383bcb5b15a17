/* Checkpoints: the container (round trip, every kind of damage), failed
 * writes (/dev/full, a missing directory) leaving the destination intact, and
 * the training driver resumed from a checkpoint ending bit-identical to an
 * uninterrupted run, for every synaptic-RL path and for GD. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include "synrl/core.h"
#include "synrl/train.h"
#include "core/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------- container ---------------- */
static void build_sample(ckpt_writer *w) {
  ckpt_writer_init(w);
  ckpt_begin(w, "alpha");
  ckpt_put_u8(w, 7);
  ckpt_put_u32(w, 0xdeadbeefu);
  ckpt_put_u64(w, 0x0123456789abcdefULL);
  ckpt_put_i64(w, -5);
  ckpt_put_f64(w, -0.0);
  ckpt_put_str(w, "hello");
  ckpt_end(w);
  ckpt_begin(w, "beta.arrays");
  double d[3] = {1.5, NAN, 1e-310};
  int32_t k[2] = {INT32_MIN, 42};
  ckpt_put_f64s(w, d, 3);
  ckpt_put_i32s(w, k, 2);
  ckpt_end(w);
  ckpt_begin(w, "empty");
  ckpt_end(w);
}

static void test_roundtrip(void **st) {
  (void)st;
  char path[4096];
  tu_path(path, sizeof path, "rt.ckpt");
  ckpt_writer w;
  build_sample(&w);
  syn_err e = {0};
  assert_int_equal(ckpt_writer_save(&w, path, &e), SYN_OK);
  ckpt_writer_free(&w);
  ckpt_file f;
  assert_int_equal(ckpt_read(&f, path, &e), SYN_OK);
  assert_int_equal(f.n_sections, 3);
  assert_true(ckpt_has(&f, "empty"));
  assert_false(ckpt_has(&f, "gamma"));
  ckpt_sec s;
  assert_int_equal(ckpt_open(&f, "alpha", &s, &e), SYN_OK);
  assert_int_equal(ckpt_get_u8(&s), 7);
  assert_int_equal(ckpt_get_u32(&s), 0xdeadbeefu);
  assert_true(ckpt_get_u64(&s) == 0x0123456789abcdefULL);
  assert_true(ckpt_get_i64(&s) == -5);
  double z = ckpt_get_f64(&s);
  assert_true(z == 0.0 && signbit(z));
  size_t n;
  const char *str = ckpt_get_str(&s, &n);
  assert_int_equal(n, 5);
  assert_memory_equal(str, "hello", 5);
  assert_int_equal(ckpt_sec_done(&s, &e), SYN_OK);
  assert_int_equal(ckpt_open(&f, "beta.arrays", &s, &e), SYN_OK);
  double d[3];
  int32_t k[2];
  ckpt_get_f64s(&s, d, 3);
  ckpt_get_i32s(&s, k, 2);
  assert_true(d[0] == 1.5 && isnan(d[1]) && d[2] == 1e-310);
  assert_true(k[0] == INT32_MIN && k[1] == 42);
  assert_int_equal(ckpt_sec_done(&s, &e), SYN_OK);
  /* reading past a section's end is an error naming it, not a read beyond */
  assert_int_equal(ckpt_open(&f, "empty", &s, &e), SYN_OK);
  (void)ckpt_get_u64(&s);
  assert_int_equal(ckpt_sec_done(&s, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "empty");
  assert_contains(e.msg, "truncated");
  /* leftover bytes too */
  assert_int_equal(ckpt_open(&f, "alpha", &s, &e), SYN_OK);
  (void)ckpt_get_u8(&s);
  assert_int_equal(ckpt_sec_done(&s, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "trailing");
  assert_int_equal(ckpt_open(&f, "gamma", &s, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "gamma");
  ckpt_file_free(&f);
}

static void test_writer_misuse(void **st) {
  (void)st;
  char path[4096];
  tu_path(path, sizeof path, "misuse.ckpt");
  const char *bad_names[] = {"", "has space", "slash/x", "0123456789012345678901234567890123456789012345678901234567890123"};
  for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
    ckpt_writer w;
    ckpt_writer_init(&w);
    ckpt_begin(&w, bad_names[i]);
    ckpt_end(&w);
    syn_err e = {0};
    assert_int_equal(ckpt_writer_save(&w, path, &e), SYN_ERR_ARG);
    ckpt_writer_free(&w);
  }
  ckpt_writer w;
  ckpt_writer_init(&w);
  ckpt_put_u32(&w, 1); /* outside a section */
  syn_err e = {0};
  assert_int_equal(ckpt_writer_save(&w, path, &e), SYN_ERR_ARG);
  ckpt_writer_free(&w);
  ckpt_writer_init(&w);
  ckpt_begin(&w, "open");
  assert_int_equal(ckpt_writer_save(&w, path, &e), SYN_ERR_ARG); /* left open */
  ckpt_writer_free(&w);
  assert_int_equal(tu_file_size(path), -1); /* nothing written by any of them */
}

/* Every truncation and every single-byte change of a valid container, parsed
 * from memory (behind the CRC), fails cleanly or parses into bounded sections. */
static void test_parse_damage(void **st) {
  (void)st;
  ckpt_writer w;
  build_sample(&w);
  /* patch the section count as save would */
  w.buf[12] = (unsigned char)w.n_sections;
  syn_err e = {0};
  ckpt_file f;
  assert_int_equal(ckpt_parse(&f, w.buf, w.len, "mem", &e), SYN_OK);
  ckpt_file_free(&f);
  for (size_t n = 0; n < w.len; n++) {
    assert_int_not_equal(ckpt_parse(&f, w.buf, n, "mem", &e), SYN_OK);
    assert_contains(e.msg, "mem");
  }
  unsigned char *c = malloc(w.len);
  assert_non_null(c);
  for (size_t i = 0; i < w.len; i++)
    for (int bit = 0; bit < 8; bit++) {
      memcpy(c, w.buf, w.len);
      c[i] ^= (unsigned char)(1 << bit);
      if (ckpt_parse(&f, c, w.len, "mem", &e) == SYN_OK) {
        for (uint32_t k = 0; k < f.n_sections; k++)
          assert_true(f.sec[k].off + f.sec[k].len <= f.size);
        ckpt_file_free(&f);
      }
    }
  /* specific damage and its message */
  memcpy(c, w.buf, w.len);
  c[8] = 9;
  assert_int_equal(ckpt_parse(&f, c, w.len, "mem", &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "version 9");
  memcpy(c, w.buf, w.len);
  c[0] = 'X';
  assert_int_equal(ckpt_parse(&f, c, w.len, "mem", &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "bad magic");
  memcpy(c, w.buf, w.len);
  c[12] = 0xff;
  c[13] = 0xff;
  assert_int_equal(ckpt_parse(&f, c, w.len, "mem", &e), SYN_ERR_FORMAT);
  free(c);
  ckpt_writer_free(&w);
  /* the same name twice */
  ckpt_writer_init(&w);
  ckpt_begin(&w, "twice");
  ckpt_end(&w);
  ckpt_begin(&w, "twice");
  ckpt_end(&w);
  w.buf[12] = 2;
  assert_int_equal(ckpt_parse(&f, w.buf, w.len, "mem", &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "twice");
  ckpt_writer_free(&w);
}

/* A full disk: the writer's stream replaced by /dev/full. The commit fails
 * with ENOSPC, the temporary file goes, and the old file stays as it was. */
static void test_full_disk(void **st) {
  (void)st;
  FILE *full = fopen("/dev/full", "wb");
  if (!full) skip();
  char path[4096];
  tu_path(path, sizeof path, "full.ckpt");
  tu_spit(path, "old", 3);
  fio_writer w;
  syn_err e = {0};
  assert_int_equal(fio_writer_open(&w, path, &e), SYN_OK);
  char tmp[sizeof w.tmp];
  strcpy(tmp, w.tmp);
  fclose(w.f);
  w.f = full;
  static unsigned char block[1 << 16];
  fio_put_bytes(&w, block, sizeof block);
  assert_int_equal(fio_writer_commit(&w, &e), SYN_ERR_IO);
  assert_contains(e.msg, path);
  assert_contains(e.msg, strerror(ENOSPC));
  assert_int_equal(access(tmp, F_OK), -1);
  long n;
  unsigned char *old = tu_slurp(path, &n);
  assert_int_equal(n, 3);
  assert_memory_equal(old, "old", 3);
  free(old);
}

static void test_unwritable(void **st) {
  (void)st;
  ckpt_writer w;
  build_sample(&w);
  syn_err e = {0};
  assert_int_equal(ckpt_writer_save(&w, "/nonexistent-synrl-dir/x.ckpt", &e), SYN_ERR_IO);
  assert_contains(e.msg, "/nonexistent-synrl-dir/x.ckpt");
  ckpt_writer_free(&w);
}

/* ---------------- the driver: interrupted + resumed == uninterrupted ---------------- */
typedef struct stop_at {
  long at;
  volatile sig_atomic_t *flag;
} stop_at;

static void stop_progress(void *user, const run_progress *p) {
  stop_at *s = user;
  if (!p->final && p->iter == s->at) *s->flag = 1;
}

typedef enum { R_SYNRL, R_GD } rule_kind;

typedef struct case_spec {
  const char *name;
  rule_kind kind;
  synrl_path path;
  bool portable, adaptive;
  int hidden;
  size_t batch;
  long batch_every, iters, halve_at, patience;
} case_spec;

typedef struct one_run {
  nn_mlp net;
  synrl_policy policy;
  learn_rule *rule;
  synrl_trainer *st;
} one_run;

static void make_run(one_run *r, const case_spec *c, const data_set *train) {
  memset(r, 0, sizeof *r);
  int widths[3] = {train->in_dim, c->hidden, train->out_dim};
  int wl[2] = {train->in_dim, train->out_dim};
  nn_act act[2] = {NN_ACT_RELU, NN_ACT_IDENTITY};
  nn_act al[1] = {NN_ACT_IDENTITY};
  syn_err e = {0};
  if (c->hidden)
    assert_int_equal(nn_mlp_create(&r->net, 2, widths, act, &e), SYN_OK);
  else
    assert_int_equal(nn_mlp_create(&r->net, 1, wl, al, &e), SYN_OK);
  rng_t g;
  rng_seed(&g, 3, 1);
  nn_mlp_init_uniform(&r->net, 0.1, &g);
  for (int i = 0; i < SYNRL_N_Q; i++) r->policy.q[i] = (double)((i * 7) % 5) - 2.0;
  size_t mb = c->batch ? c->batch : train->n;
  if (c->kind == R_SYNRL) {
    synrl_config sc;
    synrl_config_default(&sc);
    sc.path = c->path;
    sc.portable = c->portable;
    sc.adaptive = c->adaptive;
    sc.halve_at = c->halve_at;
    sc.epsilon = 0.2;
    sc.alpha_s = 1e-3;
    assert_int_equal(synrl_trainer_create(&r->st, &r->net, NN_LOSS_SOFTMAX_CE, &r->policy, &sc, mb, &e),
                     SYN_OK);
    r->rule = &r->st->rule;
  } else {
    gd_config gc = {.lr = 0.05};
    assert_int_equal(gd_create(&r->rule, &r->net, NN_LOSS_SOFTMAX_CE, &gc, mb, &e), SYN_OK);
  }
}

static void free_run(one_run *r) {
  learn_rule_destroy(r->rule);
  nn_mlp_destroy(&r->net);
}

/* metrics.csv without its second column (seconds: wall time) */
static char *metrics_sans_time(const char *dir) {
  char p[4200];
  snprintf(p, sizeof p, "%s/metrics.csv", dir);
  long n;
  unsigned char *b = tu_slurp(p, &n);
  assert_non_null(b);
  char *out = calloc((size_t)n + 1, 1);
  size_t o = 0;
  for (long i = 0; i < n;) {
    long end = i, c1 = i, c2;
    while (end < n && b[end] != '\n') end++;
    while (c1 < end && b[c1] != ',') c1++; /* step | ,seconds,... */
    for (c2 = c1 + 1; c2 < end && b[c2] != ','; c2++) {
    }
    memcpy(out + o, b + i, (size_t)(c1 - i));
    o += (size_t)(c1 - i);
    if (c2 < end) {
      memcpy(out + o, b + c2, (size_t)(end - c2));
      o += (size_t)(end - c2);
    }
    out[o++] = '\n';
    i = end + 1;
  }
  free(b);
  return out;
}

static void check_case(const case_spec *c) {
  data_set train, valid;
  tu_make_images(&train, 120, 20, 4, 11);
  tu_make_images(&valid, 40, 20, 4, 12);
  char d_ref[4096], d_int[4096], ck[4200];
  char sub[256];
  snprintf(sub, sizeof sub, "ref-%s", c->name);
  tu_path(d_ref, sizeof d_ref, sub);
  snprintf(sub, sizeof sub, "int-%s", c->name);
  tu_path(d_int, sizeof d_int, sub);
  mkdir(d_ref, 0777);
  mkdir(d_int, 0777);
  snprintf(ck, sizeof ck, "%s/ckpt.bin", d_int);
  run_config rc;
  run_config_default(&rc);
  rc.iterations = c->iters;
  rc.batch_size = c->batch;
  rc.batch_every = c->batch_every;
  rc.eval_every = 7;
  rc.patience = c->patience;
  rc.seed = 5;
  rc.acc = NN_ACC_ARGMAX;
  rc.ckpt_config = "case\n";
  syn_err e = {0};
  /* uninterrupted */
  one_run a;
  make_run(&a, c, &train);
  rc.out_dir = d_ref;
  run_result ra;
  assert_int_equal(run_train(a.rule, &train, &valid, NULL, &rc, &ra, &e), SYN_OK);
  /* interrupted twice at awkward points, then finished */
  const long stops[2] = {c->iters / 3, c->iters / 3 + 5};
  one_run b;
  run_result rb;
  rc.out_dir = d_int;
  rc.ckpt_path = ck;
  for (int k = 0; k < 3; k++) {
    make_run(&b, c, &train);
    volatile sig_atomic_t flag = 0;
    stop_at sa = {k < 2 ? stops[k] : -1, &flag};
    rc.stop = &flag;
    rc.progress = stop_progress;
    rc.progress_user = &sa;
    rc.progress_every_s = 0;
    rc.resume_path = k ? ck : NULL;
    assert_int_equal(run_train(b.rule, &train, &valid, NULL, &rc, &rb, &e), SYN_OK);
    if (k < 2) {
      assert_true(rb.interrupted);
      assert_int_equal(rb.iterations, stops[k]);
      assert_int_equal(rb.resumed_at, k ? stops[k - 1] : 0);
      free_run(&b);
    }
  }
  assert_false(rb.interrupted);
  assert_int_equal(rb.resumed_at, stops[1]);
  if (memcmp(a.net.params, b.net.params, a.net.n_params * sizeof(double)) != 0)
    fail_msg("%s: weights differ after resume", c->name);
  assert_memory_equal(&a.policy, &b.policy, sizeof a.policy);
  assert_int_equal(ra.iterations, rb.iterations);
  assert_memory_equal(&ra.train_loss, &rb.train_loss, sizeof(double));
  assert_memory_equal(&ra.valid_acc, &rb.valid_acc, sizeof(double));
  assert_int_equal(ra.best_iter, rb.best_iter);
  assert_int_equal(ra.stopped_early, rb.stopped_early);
  if (a.st) {
    assert_int_equal(a.st->n_pos, b.st->n_pos);
    assert_int_equal(a.st->path_used, b.st->path_used);
  }
  char *ma = metrics_sans_time(d_ref), *mb = metrics_sans_time(d_int);
  assert_string_equal(ma, mb);
  free(ma);
  free(mb);
  /* the checkpoint refuses other settings and another rule */
  one_run x;
  make_run(&x, c, &train);
  rc.resume_path = ck;
  rc.stop = NULL;
  rc.progress = NULL;
  rc.ckpt_config = "other\n";
  assert_int_equal(run_train(x.rule, &train, &valid, NULL, &rc, &rb, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "'case', this run has 'other'");
  free_run(&x);
  case_spec other = *c;
  other.kind = c->kind == R_GD ? R_SYNRL : R_GD;
  other.path = SYNRL_PATH_AUTO;
  make_run(&x, &other, &train);
  rc.ckpt_config = "case\n";
  assert_int_not_equal(run_train(x.rule, &train, &valid, NULL, &rc, &rb, &e), SYN_OK);
  assert_contains(e.msg, "another learning rule");
  free_run(&x);
  free_run(&a);
  free_run(&b);
  data_set_free(&train);
  data_set_free(&valid);
}

static void test_resume_synrl_general(void **st) {
  (void)st;
  case_spec c = {"general", R_SYNRL, SYNRL_PATH_GENERAL, false, true, 8, 50, 6, 90, 25, 0}; /* halving before both stops */
  check_case(&c);
}
static void test_resume_synrl_q8_fast(void **st) {
  (void)st;
  case_spec c = {"q8fast", R_SYNRL, SYNRL_PATH_Q8_FAST, false, true, 8, 50, 6, 90, 40, 0};
  check_case(&c);
}
static void test_resume_synrl_q8_portable(void **st) {
  (void)st;
  case_spec c = {"q8port", R_SYNRL, SYNRL_PATH_Q8_FAST, true, false, 8, 50, 6, 90, 32, 0}; /* between them */
  check_case(&c);
}
static void test_resume_synrl_q8_ref_fullbatch(void **st) {
  (void)st;
  case_spec c = {"q8ref", R_SYNRL, SYNRL_PATH_Q8_REF, false, true, 0, 0, 1, 60, 20, 0};
  check_case(&c);
}
static void test_resume_gd(void **st) {
  (void)st;
  case_spec c = {"gd", R_GD, SYNRL_PATH_AUTO, false, false, 8, 30, 4, 90, 0, 100};
  check_case(&c);
}

/* A rule without save/load (the trainers other branches add, until they
 * have them) trains as before: no checkpoint, an interruption is an error,
 * a resume is refused. */
static void test_rule_without_checkpoints(void **st) {
  (void)st;
  data_set train;
  tu_make_images(&train, 40, 6, 3, 4);
  case_spec c = {"nockpt", R_GD, SYNRL_PATH_AUTO, false, false, 4, 10, 2, 20, 0, 0};
  one_run r;
  make_run(&r, &c, &train);
  r.rule->save = NULL;
  r.rule->load = NULL;
  char ck[4096];
  tu_path(ck, sizeof ck, "nockpt.bin");
  run_config rc;
  run_config_default(&rc);
  rc.iterations = 20;
  rc.batch_size = 10;
  rc.acc = NN_ACC_ARGMAX;
  rc.ckpt_path = ck;
  rc.ckpt_every = 1;
  run_result res;
  syn_err e = {0};
  assert_int_equal(run_train(r.rule, &train, NULL, NULL, &rc, &res, &e), SYN_OK);
  assert_int_equal(res.iterations, 20);
  assert_int_equal(res.checkpoints, 0);
  assert_int_equal(tu_file_size(ck), -1);
  volatile sig_atomic_t flag = 1;
  rc.stop = &flag;
  assert_int_equal(run_train(r.rule, &train, NULL, NULL, &rc, &res, &e), SYN_ERR_ABORTED);
  assert_contains(e.msg, "cannot be checkpointed");
  rc.stop = NULL;
  rc.resume_path = ck;
  assert_int_equal(run_train(r.rule, &train, NULL, NULL, &rc, &res, &e), SYN_ERR_UNSUPPORTED);
  free_run(&r);
  data_set_free(&train);
}

int main(void) {
  blas_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_writer_misuse),
      cmocka_unit_test(test_parse_damage),
      cmocka_unit_test(test_full_disk),
      cmocka_unit_test(test_unwritable),
      cmocka_unit_test(test_resume_synrl_general),
      cmocka_unit_test(test_resume_synrl_q8_fast),
      cmocka_unit_test(test_resume_synrl_q8_portable),
      cmocka_unit_test(test_resume_synrl_q8_ref_fullbatch),
      cmocka_unit_test(test_resume_gd),
      cmocka_unit_test(test_rule_without_checkpoints),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
