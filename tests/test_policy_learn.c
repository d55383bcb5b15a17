/* Learning a static policy over a stream of tasks (data/policy_learn.c): the
 * snapshot score and selection rule by hand, determinism under a seed, the
 * kept snapshot against the log, the hand-written rule tables' greedy actions,
 * and a frozen table applied by plearn_apply_2d against a static run driven
 * by hand. */
#include "testutil.h"

#include "synrl/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- score and selection ---------------- */

static plearn_scores scores(int n, double acc_mean, bool has_img, double img) {
  plearn_scores s;
  memset(&s, 0, sizeof s);
  s.n = n;
  s.acc_mean = acc_mean;
  s.has_img = has_img;
  s.img_acc = img;
  return s;
}

static void test_score_by_hand(void **st) {
  (void)st;
  plearn_scores s = scores(3, 0.9, true, 0.7);
  assert_close(plearn_score(&s, 0.5), 0.8, 1e-15);
  assert_close(plearn_score(&s, 0.25), 0.75 * 0.9 + 0.25 * 0.7, 1e-15);
  assert_close(plearn_score(&s, 0.0), 0.9, 0);
  assert_close(plearn_score(&s, 1.0), 0.7, 0);
  s = scores(3, 0.9, false, NAN); /* 2D alone */
  assert_close(plearn_score(&s, 0.5), 0.9, 0);
  s = scores(0, NAN, true, 0.6); /* image alone */
  assert_close(plearn_score(&s, 0.5), 0.6, 0);
  s = scores(0, NAN, false, NAN);
  assert_true(isnan(plearn_score(&s, 0.5)));
}

static void test_better_by_hand(void **st) {
  (void)st;
  plearn_scores best = scores(1, 0.9, false, NAN), cand = best;
  best.score = 0.9;
  cand.score = 0.9;
  assert_false(plearn_better(&cand, &best, true)); /* ties keep the earlier */
  cand.score = 0.9000001;
  assert_true(plearn_better(&cand, &best, true));
  cand.score = 0.5;
  assert_false(plearn_better(&cand, &best, true));
  assert_true(plearn_better(&cand, &best, false)); /* the first snapshot is kept */
  cand.score = NAN;
  assert_false(plearn_better(&cand, &best, false)); /* NaN never wins */
  cand.score = 0.1;
  best.score = NAN;
  assert_true(plearn_better(&cand, &best, true));
}

/* ---------------- the learning stream ---------------- */

static void tiny_config(plearn_config *c, const char *out_dir) {
  plearn_config_default(c);
  c->seed = 7;
  c->iterations = 600;
  c->task_max_iterations = 250;
  c->check_every = 50;
  c->snapshot_every = 150;
  c->hidden_min = 6;
  c->hidden_max = 12;
  c->acts = PLEARN_ACT_TANH | PLEARN_ACT_RELU;
  c->alpha_s_min = 5e-4;
  c->alpha_s_max = 4e-3;
  c->points = 150;
  c->eval.n_boundaries = 2;
  c->eval.iterations = 120;
  c->eval.hidden = 10;
  c->eval.points = 150;
  c->out_dir = out_dir;
}

static void test_deterministic(void **st) {
  (void)st;
  plearn_config c;
  tiny_config(&c, NULL);
  plearn_result a, b, d;
  syn_err e;
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &a, &e), SYN_OK);
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &b, &e), SYN_OK);
  assert_int_equal(a.n_snapshots, 4);
  assert_int_equal(a.n_snapshots, b.n_snapshots);
  assert_memory_equal(a.best.q, b.best.q, sizeof a.best.q);
  assert_memory_equal(a.last.q, b.last.q, sizeof a.last.q);
  assert_int_equal(a.best_index, b.best_index);
  assert_memory_equal(&a.best_scores, &b.best_scores, sizeof a.best_scores);
  assert_int_equal(a.tasks, b.tasks);
  /* the table learned something (moved from its start value), and another
   * seed learns something else */
  int moved = 0;
  for (int i = 0; i < SYNRL_N_Q; i++) moved += a.last.q[i] != c.init_value;
  assert_true(moved > 50);
  c.seed = 8;
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &d, &e), SYN_OK);
  assert_true(memcmp(a.last.q, d.last.q, sizeof a.last.q) != 0);
  /* restarts: with a short cap every run ends early, so the stream has more
   * runs than iterations / cap */
  assert_true(a.tasks >= 600 / 250);
}

typedef struct seen_log {
  int n;
  plearn_snapshot s[16];
} seen_log;

static void record(void *user, const plearn_snapshot *s) {
  seen_log *l = user;
  if (l->n < 16) l->s[l->n++] = *s;
}

static void test_selection_in_run(void **st) {
  (void)st;
  plearn_config c;
  char dir[512];
  tu_path(dir, sizeof dir, "");
  tiny_config(&c, dir);
  seen_log lg = {0};
  plearn_result r;
  syn_err e;
  assert_int_equal(plearn_run(&c, NULL, record, &lg, &r, &e), SYN_OK);
  assert_int_equal(lg.n, r.n_snapshots);
  /* the kept snapshot is the first with the highest score */
  int want = 0;
  for (int i = 1; i < lg.n; i++)
    if (lg.s[i].scores.score > lg.s[want].scores.score) want = i;
  assert_int_equal(r.best_index, want);
  assert_close(r.best_scores.score, lg.s[want].scores.score, 0);
  assert_int_equal(r.best_iteration, lg.s[want].iteration);
  for (int i = 0; i < lg.n; i++) {
    assert_int_equal(lg.s[i].iteration, 150 * (i + 1));
    /* the score is the mean held-out accuracy here (no image task) */
    const plearn_scores *s = &lg.s[i].scores;
    assert_close(s->score, (s->acc[0] + s->acc[1]) / 2, 1e-15);
    assert_true(s->acc_min <= s->acc_mean && s->acc_mean <= s->acc_max);
  }
  /* the files: best.txt holds the kept table, log.csv one row per snapshot */
  char p[600];
  tu_path(p, sizeof p, "best.txt");
  synrl_policy back;
  assert_int_equal(synrl_policy_load(&back, p, &e), SYN_OK);
  assert_memory_equal(back.q, r.best.q, sizeof back.q);
  tu_path(p, sizeof p, "log.csv");
  long n;
  unsigned char *txt = tu_slurp(p, &n);
  assert_non_null(txt);
  int lines = 0;
  for (long i = 0; i < n; i++) lines += txt[i] == '\n';
  assert_int_equal(lines, 1 + r.n_snapshots);
  free(txt);
  tu_path(p, sizeof p, "best.json");
  assert_true(tu_file_size(p) > 0);

  /* --select last keeps the last snapshot whatever its score */
  c.select_best = false;
  c.out_dir = NULL;
  plearn_result r2;
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &r2, &e), SYN_OK);
  assert_int_equal(r2.best_index, r2.n_snapshots - 1);
  assert_memory_equal(r2.best.q, r2.last.q, sizeof r2.best.q);
  assert_memory_equal(r2.last.q, r.last.q, sizeof r.last.q); /* selection does not change learning */
}

static void test_average_differs_from_live(void **st) {
  (void)st;
  plearn_config c;
  tiny_config(&c, NULL);
  c.select_best = false;
  c.average = false;
  plearn_result live, avg;
  syn_err e;
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &live, &e), SYN_OK);
  c.average = true;
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &avg, &e), SYN_OK);
  assert_true(memcmp(live.last.q, avg.last.q, sizeof live.last.q) != 0);
  /* every average lies within what the live table went through: here at
   * least between the zero start and the final bound |Q| <= 1 / (1 - gamma) */
  for (int i = 0; i < SYNRL_N_Q; i++) assert_true(fabs(avg.last.q[i]) <= 10.0 + 1e-9);
}

/* Without a start table every Q starts at init_value; a start table wins. */
static void test_init_value(void **st) {
  (void)st;
  plearn_config c;
  tiny_config(&c, NULL);
  c.iterations = 1; /* one step: only the entries of the start state move */
  c.snapshot_every = 1;
  c.average = false;
  c.init_value = 2.5;
  plearn_result r;
  syn_err e;
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &r, &e), SYN_OK);
  int at_init = 0;
  for (int i = 0; i < SYNRL_N_Q; i++) at_init += r.last.q[i] == 2.5;
  /* one iteration updates only the start state (null, null, none, none):
   * its three actions at most */
  assert_true(at_init >= SYNRL_N_Q - 3);
  synrl_policy start;
  for (int i = 0; i < SYNRL_N_Q; i++) start.q[i] = -1.0;
  assert_int_equal(plearn_run(&c, &start, NULL, NULL, &r, &e), SYN_OK);
  at_init = 0;
  for (int i = 0; i < SYNRL_N_Q; i++) at_init += r.last.q[i] == -1.0;
  assert_true(at_init >= SYNRL_N_Q - 3);
}

static void test_bad_config(void **st) {
  (void)st;
  plearn_config c;
  plearn_result r;
  syn_err e;
  tiny_config(&c, NULL);
  c.hidden_max = 3;
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "hidden");
  tiny_config(&c, NULL);
  c.acts = 0;
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &r, &e), SYN_ERR_ARG);
  tiny_config(&c, NULL);
  c.alpha_s_max = c.alpha_s_min / 2;
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &r, &e), SYN_ERR_ARG);
  tiny_config(&c, NULL);
  c.eval.n_boundaries = 0; /* and no image task */
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "held-out");
  tiny_config(&c, NULL);
  c.snapshot_every = 0;
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &r, &e), SYN_ERR_ARG);
  tiny_config(&c, NULL);
  c.out_dir = "/nonexistent-synrl-dir/x";
  assert_int_equal(plearn_run(&c, NULL, NULL, NULL, &r, &e), SYN_ERR_IO);
}

/* ---------------- a frozen table on one task ---------------- */

static void test_apply_2d_matches_hand_run(void **st) {
  (void)st;
  synrl_policy p;
  syn_err e;
  char path[1024];
  snprintf(path, sizeof path, "%s/data/policies/authors-golden.tsv", tu_source_dir());
  assert_int_equal(synrl_policy_read(&p, path, &e), SYN_OK);
  plearn_eval_config c;
  plearn_eval_config_default(&c);
  c.iterations = 200;
  c.hidden = 20;
  c.points = 300;
  double acc, loss;
  assert_int_equal(plearn_apply_2d(&p, &c, 101, 1, &acc, &loss, &e), SYN_OK);
  /* by hand: the same boundary, trainee and static run */
  boundary2d_config bc;
  boundary2d_config_default(&bc);
  bc.seed = 101;
  bc.n_train = 300;
  bc.n_valid = 0;
  nn_mlp target, net;
  data_set train, valid;
  assert_int_equal(boundary2d_make(&bc, &target, &train, &valid, &e), SYN_OK);
  int widths[3] = {2, 20, 1};
  nn_act act[2] = {NN_ACT_TANH, NN_ACT_TANH};
  assert_int_equal(nn_mlp_create(&net, 2, widths, act, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, 1, 0x1417);
  nn_mlp_init_uniform(&net, 1.0, &r);
  synrl_config sc;
  synrl_config_default(&sc);
  sc.adaptive = false;
  sc.seed = 1;
  sc.path = SYNRL_PATH_SMALL;
  synrl_policy q = p;
  synrl_trainer *t;
  assert_int_equal(synrl_trainer_create(&t, &net, NN_LOSS_EUCLID, &q, &sc, train.n, &e), SYN_OK);
  nn_batch b = data_set_batch(&train);
  assert_int_equal(t->rule.set_batch(&t->rule, &b, &e), SYN_OK);
  for (long it = 1; it <= 200; it++) {
    learn_step_info info;
    assert_int_equal(t->rule.step(&t->rule, it, &info, &e), SYN_OK);
  }
  learn_rule_sync(&t->rule);
  double l2, a2;
  run_evaluate(&net, &train, NN_LOSS_EUCLID, NN_ACC_SIGN, &l2, &a2);
  assert_close(acc, a2, 0);
  assert_close(loss, l2, 0);
  assert_memory_equal(q.q, p.q, sizeof q.q); /* static: the table is untouched */
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
  nn_mlp_destroy(&target);
  data_set_free(&train);
}

/* ---------------- hand-written rules ---------------- */

static const int ACT_OF[3] = {-1, 0, 1};  /* action code -> step sign */

static int keep_or_reverse(int a2, int a1, int r2, int r1) { /* signs; reward 0 = none yet */
  if (a1 != 0 && r1 != 0) return a1 * r1;
  if (a1 == 0 && a2 != 0 && r2 != 0) return a2 * r2;
  return 0;
}

static void load_rule(synrl_policy *p, const char *name) {
  char path[1024];
  syn_err e;
  snprintf(path, sizeof path, "%s/data/policies/%s.txt", tu_source_dir(), name);
  if (synrl_policy_read(p, path, &e)) fail_msg("%s", e.msg);
}

static int greedy(const synrl_policy *p, int a2, int a1, int r2, int r1) {
  /* signs -> codes: action -1/0/+1 -> 0/1/2; reward -1/0(none)/+1 -> 0/1/2 */
  return ACT_OF[synrl_policy_greedy(p, synrl_state_index(a2 + 1, a1 + 1, r2 + 1, r1 + 1))];
}

static void test_rule_keep_or_reverse(void **st) {
  (void)st;
  synrl_policy p;
  load_rule(&p, "rule-keep-or-reverse");
  /* by hand */
  assert_int_equal(greedy(&p, 0, 1, 0, 1), 1);    /* + rewarded: keep + */
  assert_int_equal(greedy(&p, 0, 1, 0, -1), -1);  /* + punished: reverse */
  assert_int_equal(greedy(&p, 1, -1, 1, -1), 1);  /* - punished: reverse to + */
  assert_int_equal(greedy(&p, -1, -1, 1, 1), -1); /* - rewarded: keep - */
  assert_int_equal(greedy(&p, 1, 0, -1, 1), -1);  /* null last: judge the + before it */
  assert_int_equal(greedy(&p, -1, 0, 1, -1), -1); /* ... the - before it was rewarded */
  assert_int_equal(greedy(&p, 0, 0, 1, 1), 0);    /* no step to judge */
  assert_int_equal(greedy(&p, 0, 0, 0, 0), 0);    /* the start state */
  /* every state */
  for (int s = 0; s < SYNRL_N_STATES; s++) {
    int a2 = s % 3 - 1, a1 = s / 3 % 3 - 1, r2 = s / 9 % 3 - 1, r1 = s / 27 - 1;
    assert_int_equal(greedy(&p, a2, a1, r2, r1), keep_or_reverse(a2, a1, r2, r1));
  }
}

static void test_rule_repeat_and_null(void **st) {
  (void)st;
  synrl_policy p;
  load_rule(&p, "rule-repeat-if-rewarded");
  for (int s = 0; s < SYNRL_N_STATES; s++) {
    int a2 = s % 3 - 1, a1 = s / 3 % 3 - 1, r2 = s / 9 % 3 - 1, r1 = s / 27 - 1;
    assert_int_equal(greedy(&p, a2, a1, r2, r1), r1 == 1 ? a1 : 0);
  }
  load_rule(&p, "rule-null");
  for (int s = 0; s < SYNRL_N_STATES; s++) assert_int_equal(synrl_policy_greedy(&p, s), SYNRL_NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_score_by_hand),
      cmocka_unit_test(test_better_by_hand),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_selection_in_run),
      cmocka_unit_test(test_average_differs_from_live),
      cmocka_unit_test(test_init_value),
      cmocka_unit_test(test_bad_config),
      cmocka_unit_test(test_apply_2d_matches_hand_run),
      cmocka_unit_test(test_rule_keep_or_reverse),
      cmocka_unit_test(test_rule_repeat_and_null),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
