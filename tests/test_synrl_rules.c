/* The synaptic-RL trainer, rule by rule, on networks small enough to check by
 * hand: the additive step, the histories, the reward, the Q update, exploration,
 * halving of alpha_s and the exact weight bookkeeping. */
#include "testutil.h"

#include "synrl/train.h"
#include "synrl/learn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define START_STATE 40 /* a2 = a1 = null, r2 = r1 = none */

/* A policy whose greedy action is `a` in every state. */
static void policy_always(synrl_policy *p, int a) {
  memset(p, 0, sizeof *p);
  for (int s = 0; s < SYNRL_N_STATES; s++) p->q[3 * s + a] = 1.0;
}

static void load_golden(synrl_policy *p) {
  char path[1024];
  snprintf(path, sizeof path, "%s/data/policies/authors-golden.tsv", tu_source_dir());
  syn_err e;
  syn_status s = synrl_policy_import_authors(p, path, &e);
  if (s) fprintf(stderr, "%s\n", e.msg);
  assert_int_equal(s, SYN_OK);
}

static void make_net(nn_mlp *net, int n_layers, const int *widths, const nn_act *act, uint64_t seed,
                     double r) {
  syn_err e;
  assert_int_equal(nn_mlp_create(net, n_layers, widths, act, &e), SYN_OK);
  rng_t g;
  rng_seed(&g, seed, 3);
  nn_mlp_init_uniform(net, r, &g);
  /* give the biases values too, so that nothing is zero by accident */
  for (int l = 0; l < n_layers; l++)
    for (int j = 0; j < widths[l + 1]; j++) net->w[l][j] = rng_uniform_range(&g, -r, r);
}

static synrl_trainer *make_trainer(nn_mlp *net, nn_loss loss, synrl_policy *p, const synrl_config *c,
                                   size_t max_batch) {
  synrl_trainer *t = NULL;
  syn_err e;
  syn_status s = synrl_trainer_create(&t, net, loss, p, c, max_batch, &e);
  if (s) fprintf(stderr, "%s\n", e.msg);
  assert_int_equal(s, SYN_OK);
  assert_non_null(t);
  return t;
}

static void set_batch(synrl_trainer *t, const nn_batch *b) {
  syn_err e;
  syn_status s = t->rule.set_batch(&t->rule, b, &e);
  if (s) fprintf(stderr, "%s\n", e.msg);
  assert_int_equal(s, SYN_OK);
}

static learn_step_info step(synrl_trainer *t, long iter) {
  learn_step_info info = {0};
  syn_err e;
  syn_status s = t->rule.step(&t->rule, iter, &info, &e);
  if (s) fprintf(stderr, "%s\n", e.msg);
  assert_int_equal(s, SYN_OK);
  return info;
}

static bool is_bias(const nn_mlp *net, size_t i) {
  for (int l = 0; l < net->n_layers; l++)
    if (i >= net->offset[l] && i < net->offset[l] + (size_t)net->widths[l + 1]) return true;
  return false;
}

/* A small regression batch: n rows of `in` features and `out` targets. */
typedef struct reg_data {
  double x[64 * 4], y[64 * 4];
  nn_batch b;
} reg_data;

static void make_reg(reg_data *d, size_t n, int in, int out, uint64_t seed) {
  assert_true(n * (size_t)in <= 256 && n * (size_t)out <= 256);
  rng_t g;
  rng_seed(&g, seed, 9);
  for (size_t i = 0; i < n * (size_t)in; i++) d->x[i] = rng_uniform_range(&g, -1, 1);
  for (size_t i = 0; i < n * (size_t)out; i++) d->y[i] = rng_uniform_range(&g, -1, 1);
  d->b = (nn_batch){.n = n, .in_dim = in, .x = d->x, .targets = d->y, .out_dim = out};
}

static synrl_config base_config(void) {
  synrl_config c;
  synrl_config_default(&c);
  c.epsilon = 0.0;
  c.alpha_s = 0.01;
  c.adaptive = false;
  c.path = SYNRL_PATH_GENERAL;
  return c;
}

/* ---------------- the additive step ---------------- */

static void check_additive(int bias_step) {
  const int widths[3] = {2, 3, 2};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_IDENTITY};
  nn_mlp net;
  make_net(&net, 2, widths, act, 11, 0.5);
  double *w0 = malloc(net.n_params * sizeof *w0);
  memcpy(w0, net.params, net.n_params * sizeof *w0);
  reg_data d;
  make_reg(&d, 5, 2, 2, 1);
  synrl_policy p;
  memset(&p, 0, sizeof p);
  p.q[3 * START_STATE + SYNRL_INC] = 1.0; /* greedy "increase" in the start state only */
  synrl_config c = base_config();
  c.bias_step = bias_step;
  synrl_trainer *t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 5);
  /* histories start at null/null and none/none */
  assert_int_equal(t->r2, SYNRL_R_NONE);
  assert_int_equal(t->r1, SYNRL_R_NONE);
  assert_true(t->unit == 0.01);
  for (size_t i = 0; i < t->n_syn; i++) {
    assert_int_equal(t->hist[i] / 3, synrl_state_index(SYNRL_NULL, SYNRL_NULL, 0, 0));
    assert_int_equal(t->steps[i], 0);
    assert_true(t->base[i] == w0[i]);
  }
  set_batch(t, &d.b);
  learn_step_info info = step(t, 1);
  synrl_trainer_sync_params(t);
  size_t n_bias = 0;
  for (size_t i = 0; i < net.n_params; i++) {
    int k = is_bias(&net, i) ? bias_step : 1;
    n_bias += is_bias(&net, i);
    assert_int_equal(t->steps[i], k);
    assert_int_equal(t->delta[i], k);
    assert_true(net.params[i] == w0[i] + k * 0.01);
    assert_true(fabs(net.params[i] - w0[i] - k * 0.01) <= 1e-15);
    /* hist: old state part (null, null) = 4, action increase; state now (null, +) */
    assert_int_equal(t->hist[i], 4 + 9 * SYNRL_INC);
    assert_int_equal(t->hist[i] / 9, SYNRL_INC);
    assert_int_equal(t->hist[i] % 9, synrl_state_index(SYNRL_NULL, SYNRL_NULL, 0, 0));
    assert_int_equal(t->hist[i] / 3, synrl_state_index(SYNRL_NULL, SYNRL_INC, 0, 0));
  }
  assert_int_equal(n_bias, 3 + 2);
  /* the bias rows are row 0 of each layer: params[0..3) and params[offset[1]..+2) */
  for (int j = 0; j < 3; j++) assert_true(net.params[j] == w0[j] + bias_step * 0.01);
  for (int j = 0; j < 2; j++)
    assert_true(net.params[net.offset[1] + j] == w0[net.offset[1] + j] + bias_step * 0.01);
  assert_true(net.params[3] == w0[3] + 0.01); /* first real weight */
  /* the reward went into the history */
  assert_int_equal(t->r2, SYNRL_R_NONE);
  assert_int_equal(t->r1, info.reward > 0 ? SYNRL_R_POS : SYNRL_R_NEG);
  /* the loss reported is the loss of the stepped network */
  nn_ws ws;
  syn_err e;
  assert_int_equal(nn_ws_create(&ws, &net, 5, &e), SYN_OK);
  assert_true(info.loss == nn_mlp_loss(&net, &d.b, &ws, NN_LOSS_MSE, NN_ACC_SIGN, NULL));
  nn_ws_destroy(&ws);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
  free(w0);
}

static void test_additive_step(void **state) {
  (void)state;
  check_additive(1);
}
static void test_additive_step_bias2(void **state) {
  (void)state;
  check_additive(2);
}

/* decrease and null from the start state, and the history after two steps */
static void test_histories(void **state) {
  (void)state;
  const int widths[2] = {3, 2};
  const nn_act act[1] = {NN_ACT_IDENTITY};
  nn_mlp net;
  make_net(&net, 1, widths, act, 5, 1.0);
  double *w0 = malloc(net.n_params * sizeof *w0);
  memcpy(w0, net.params, net.n_params * sizeof *w0);
  reg_data d;
  make_reg(&d, 4, 3, 2, 2);
  /* start state -> decrease; then after (null, -) -> null; everything else increase */
  synrl_policy p;
  policy_always(&p, SYNRL_INC);
  p.q[3 * START_STATE + SYNRL_DEC] = 5.0;
  for (int r2 = 0; r2 < 3; r2++)
    for (int r1 = 0; r1 < 3; r1++) p.q[3 * synrl_state_index(SYNRL_NULL, SYNRL_DEC, r2, r1) + SYNRL_NULL] = 5.0;
  synrl_config c = base_config();
  synrl_trainer *t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 4);
  set_batch(t, &d.b);
  learn_step_info i1 = step(t, 1);
  for (size_t i = 0; i < t->n_syn; i++) {
    assert_int_equal(t->hist[i] / 9, SYNRL_DEC);
    assert_int_equal(t->hist[i] / 3, synrl_state_index(SYNRL_NULL, SYNRL_DEC, 0, 0));
    assert_int_equal(t->delta[i], -1);
  }
  int r_first = i1.reward > 0 ? SYNRL_R_POS : SYNRL_R_NEG;
  learn_step_info i2 = step(t, 2);
  for (size_t i = 0; i < t->n_syn; i++) {
    assert_int_equal(t->hist[i] / 9, SYNRL_NULL);
    assert_int_equal(t->hist[i] % 9, synrl_state_index(SYNRL_NULL, SYNRL_DEC, 0, 0));
    assert_int_equal(t->hist[i] / 3, synrl_state_index(SYNRL_DEC, SYNRL_NULL, 0, 0));
    assert_int_equal(t->delta[i], 0);
    assert_int_equal(t->steps[i], -1);
  }
  /* null action: the loss is unchanged, so the reward is -1 */
  assert_true(i2.loss == i1.loss);
  assert_int_equal(i2.reward, -1);
  assert_int_equal(t->r2, r_first);
  assert_int_equal(t->r1, SYNRL_R_NEG);
  /* third step: state (-, 0) -> increase */
  step(t, 3);
  for (size_t i = 0; i < t->n_syn; i++) {
    assert_int_equal(t->hist[i] / 9, SYNRL_INC);
    assert_int_equal(t->hist[i] / 3, synrl_state_index(SYNRL_NULL, SYNRL_INC, 0, 0));
    assert_int_equal(t->steps[i], 0);
  }
  synrl_trainer_sync_params(t);
  for (size_t i = 0; i < net.n_params; i++) assert_true(net.params[i] == w0[i]);
  assert_int_equal(t->iter, 3);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
  free(w0);
}

/* ---------------- the reward ---------------- */

/* One input, one output, identity: yhat = b + w x. */
static void make_scalar_net(nn_mlp *net, double b, double w) {
  const int widths[2] = {1, 1};
  const nn_act act[1] = {NN_ACT_IDENTITY};
  syn_err e;
  assert_int_equal(nn_mlp_create(net, 1, widths, act, &e), SYN_OK);
  net->params[0] = b;
  net->params[1] = w;
}

static void test_reward_first_iteration(void **state) {
  (void)state;
  double x[1] = {1.0}, y[1] = {5.0};
  nn_batch b = {.n = 1, .in_dim = 1, .x = x, .targets = y, .out_dim = 1};
  for (int a = 0; a < 3; a++) {
    nn_mlp net;
    make_scalar_net(&net, 0.0, 0.0);
    synrl_policy p;
    policy_always(&p, a);
    synrl_config c = base_config();
    synrl_trainer *t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 1);
    set_batch(t, &b);
    assert_true(t->have_loss);
    assert_true(t->loss_prev == 25.0); /* L0 = (5 - 0)^2 */
    learn_step_info info = step(t, 1);
    /* yhat = 2 (a - 1) alpha */
    double yhat = 2.0 * (a - 1) * 0.01, want = (5.0 - yhat) * (5.0 - yhat);
    assert_true(fabs(info.loss - want) <= 1e-12);
    assert_int_equal(info.reward, a == SYNRL_INC ? +1 : -1); /* null: a tie, so -1 */
    assert_true(t->loss_prev == info.loss);
    assert_int_equal(t->n_pos, a == SYNRL_INC);
    learn_rule_destroy(&t->rule);
    nn_mlp_destroy(&net);
  }
}

static void test_reward_ties_are_negative(void **state) {
  (void)state;
  const int widths[3] = {2, 4, 1};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_TANH};
  nn_mlp net;
  make_net(&net, 2, widths, act, 3, 1.0);
  reg_data d;
  make_reg(&d, 7, 2, 1, 4);
  synrl_policy p;
  policy_always(&p, SYNRL_NULL);
  synrl_config c = base_config();
  synrl_trainer *t = make_trainer(&net, NN_LOSS_EUCLID, &p, &c, 7);
  set_batch(t, &d.b);
  double l0 = t->loss_prev;
  for (long it = 1; it <= 5; it++) {
    learn_step_info info = step(t, it);
    assert_true(info.loss == l0);
    assert_int_equal(info.reward, -1);
  }
  assert_int_equal(t->r2, SYNRL_R_NEG);
  assert_int_equal(t->r1, SYNRL_R_NEG);
  assert_int_equal(t->n_pos, 0);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
}

/* Right after a minibatch switch the loss is compared with the previous batch's. */
static void test_reward_across_batches(void **state) {
  (void)state;
  nn_mlp net;
  make_scalar_net(&net, 0.0, 0.0);
  double x[2] = {1.0, 1.0};
  double ya[2] = {5.0, 5.0}, yb[2] = {50.0, 50.0}, yc[2] = {0.5, -0.5};
  nn_batch A = {.n = 2, .in_dim = 1, .x = x, .targets = ya, .out_dim = 1};
  nn_batch B = {.n = 2, .in_dim = 1, .x = x, .targets = yb, .out_dim = 1};
  nn_batch C = {.n = 1, .in_dim = 1, .x = x, .targets = yc, .out_dim = 1};
  synrl_policy p;
  policy_always(&p, SYNRL_NULL);
  synrl_config c = base_config();
  synrl_trainer *t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 2);
  set_batch(t, &A);
  assert_true(t->loss_prev == 25.0);
  learn_step_info i = step(t, 1);
  assert_true(i.loss == 25.0);
  assert_int_equal(i.reward, -1);
  set_batch(t, &C); /* a new batch does not reset the comparison */
  assert_true(t->loss_prev == 25.0);
  i = step(t, 2);
  assert_true(i.loss == 0.25);
  assert_int_equal(i.reward, +1); /* 0.25 < 25, although nothing moved */
  set_batch(t, &B);
  i = step(t, 3);
  assert_true(i.loss == 2500.0);
  assert_int_equal(i.reward, -1);
  set_batch(t, &A);
  i = step(t, 4);
  assert_true(i.loss == 25.0);
  assert_int_equal(i.reward, +1);
  i = step(t, 5); /* same batch again: a tie */
  assert_int_equal(i.reward, -1);
  assert_int_equal(t->n_pos, 2);
  /* a batch larger than max_batch is refused */
  double x3[3] = {1, 1, 1}, y3[3] = {0, 0, 0};
  nn_batch big = {.n = 3, .in_dim = 1, .x = x3, .targets = y3, .out_dim = 1};
  syn_err e;
  assert_int_equal(t->rule.set_batch(&t->rule, &big, &e), SYN_ERR_ARG);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
}

/* ---------------- the Q update (adaptive mode) ---------------- */

static void check_q_updates(double epsilon, bool from_zero, uint64_t seed) {
  const int widths[3] = {2, 3, 1};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_IDENTITY};
  nn_mlp net;
  make_net(&net, 2, widths, act, seed, 1.0);
  reg_data d;
  make_reg(&d, 10, 2, 1, seed + 1);
  synrl_policy p;
  if (from_zero)
    memset(&p, 0, sizeof p);
  else
    load_golden(&p);
  synrl_config c = base_config();
  c.adaptive = true;
  c.epsilon = epsilon;
  c.alpha_q = 0.1;
  c.gamma = 0.9;
  c.seed = seed;
  synrl_trainer *t = make_trainer(&net, NN_LOSS_EUCLID, &p, &c, 10);
  set_batch(t, &d.b);
  assert_int_equal(t->n_syn, 13);
  uint8_t prev_state[13];
  int n_pos = 0, n_changed = 0;
  for (long it = 1; it <= 12; it++) {
    synrl_policy before = p;
    const int r2 = t->r2, r1 = t->r1;
    for (size_t i = 0; i < 13; i++) prev_state[i] = (uint8_t)(t->hist[i] / 3);
    learn_step_info info = step(t, it);
    const int rcode = info.reward > 0 ? SYNRL_R_POS : SYNRL_R_NEG;
    n_pos += info.reward > 0;
    /* an independent re-computation: sequential updates in synapse order */
    synrl_policy want = before;
    for (size_t i = 0; i < 13; i++) {
      const int h = t->hist[i], a = h / 9;
      assert_int_equal(h % 9, prev_state[i]); /* the old state part is the previous state */
      const int s_old = h % 9 + 9 * r2 + 27 * r1;
      const int s_next = h / 3 + 9 * r1 + 27 * rcode;
      assert_int_equal(s_old, synrl_state_index(prev_state[i] % 3, prev_state[i] / 3, r2, r1));
      if (epsilon == 0.0) assert_int_equal(a, synrl_policy_greedy(&before, s_old));
      const double *qn = want.q + 3 * s_next;
      double m = fmax(fmax(qn[0], qn[1]), qn[2]);
      double *q = want.q + 3 * s_old + a;
      *q = *q + c.alpha_q * ((double)info.reward + c.gamma * m - *q);
    }
    assert_memory_equal(&want, &p, sizeof p);
    if (memcmp(&before, &p, sizeof p)) n_changed++;
    assert_int_equal(t->r2, r1);
    assert_int_equal(t->r1, rcode);
  }
  assert_int_equal(n_changed, 12);
  assert_int_equal(t->n_pos, n_pos);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
}

static void test_q_update_from_zero(void **state) {
  (void)state;
  check_q_updates(0.5, true, 1);
  check_q_updates(0.5, true, 2);
}
static void test_q_update_greedy(void **state) {
  (void)state;
  check_q_updates(0.0, true, 3);
  check_q_updates(0.0, false, 4);
}
static void test_q_update_golden_explore(void **state) {
  (void)state;
  check_q_updates(0.25, false, 5);
}

/* The very first update from an all-zero table, by hand: every synapse
 * decreases (ties), so Q[start, -] is updated n times in a row. */
static void test_q_first_update_by_hand(void **state) {
  (void)state;
  nn_mlp net;
  make_scalar_net(&net, 0.0, 0.0);
  double x[1] = {1.0}, y[1] = {5.0};
  nn_batch b = {.n = 1, .in_dim = 1, .x = x, .targets = y, .out_dim = 1};
  synrl_policy p;
  memset(&p, 0, sizeof p);
  synrl_config c = base_config();
  c.adaptive = true;
  c.alpha_q = 0.01;
  c.gamma = 0.9;
  synrl_trainer *t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 1);
  set_batch(t, &b);
  learn_step_info info = step(t, 1);
  assert_int_equal(info.reward, -1); /* decreasing moves away from 5 */
  /* s = start (40), a = -, s' = (null, -, none, -1) = 1 + 0 + 9 + 0 = 10; Q[s'] = 0 */
  const int s_next = synrl_state_index(SYNRL_NULL, SYNRL_DEC, SYNRL_R_NONE, SYNRL_R_NEG);
  assert_int_equal(s_next, 10);
  double q = 0.0;
  q += 0.01 * (-1.0 + 0.9 * 0.0 - q); /* synapse 0 (bias) */
  q += 0.01 * (-1.0 + 0.9 * 0.0 - q); /* synapse 1 */
  assert_true(fabs(q - (-0.0199)) <= 1e-15);
  assert_true(p.q[3 * START_STATE + SYNRL_DEC] == q);
  for (int i = 0; i < SYNRL_N_Q; i++)
    if (i != 3 * START_STATE + SYNRL_DEC) assert_true(p.q[i] == 0.0);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
}

static void test_static_mode_keeps_table(void **state) {
  (void)state;
  const int widths[3] = {2, 5, 1};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_TANH};
  nn_mlp net;
  make_net(&net, 2, widths, act, 8, 1.0);
  reg_data d;
  make_reg(&d, 20, 2, 1, 8);
  synrl_policy p, orig;
  load_golden(&p);
  orig = p;
  synrl_config c = base_config();
  c.epsilon = 0.25;
  c.adaptive = false;
  synrl_trainer *t = make_trainer(&net, NN_LOSS_EUCLID, &p, &c, 20);
  set_batch(t, &d.b);
  int npos = 0;
  for (long it = 1; it <= 50; it++) npos += step(t, it).reward > 0;
  assert_memory_equal(&p, &orig, sizeof p);
  assert_true(npos > 0 && npos < 50); /* it did run: both rewards occurred */
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
}

/* ---------------- exploration ---------------- */

/* Draws `iters` rounds of actions for 4949 synapses (more than one block of
 * the action kernel, not a multiple of 8) with varying reward histories; counts
 * non-greedy actions and each action, and checks every action against the
 * documented draw: rng_at(draw_key, iter * n_syn + i), high 32 bits < eps * 2^32
 * to explore, then ((low 32 bits) * 3) >> 32 as the action. */
static void count_actions(double epsilon, long iters, long *non_greedy, long count[3], long *total) {
  const int widths[2] = {100, 49};
  const nn_act act[1] = {NN_ACT_IDENTITY};
  nn_mlp net;
  make_net(&net, 1, widths, act, 1, 0.1);
  synrl_policy p;
  load_golden(&p);
  synrl_config c = base_config();
  c.epsilon = epsilon;
  c.seed = 1234;
  synrl_trainer *t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 1);
  assert_int_equal(t->n_syn, 4949);
  const uint64_t thr = (uint64_t)llround(ldexp(epsilon, 32));
  uint8_t *greedy = malloc(t->n_syn), *want = malloc(t->n_syn);
  *non_greedy = *total = 0;
  count[0] = count[1] = count[2] = 0;
  int greedy_seen[3] = {0};
  for (long it = 0; it < iters; it++) {
    t->r2 = (int)(it % 3);
    t->r1 = (int)(it / 3 % 3);
    for (size_t i = 0; i < t->n_syn; i++) {
      greedy[i] = (uint8_t)synrl_policy_greedy(&p, t->hist[i] / 3 + 9 * t->r2 + 27 * t->r1);
      uint64_t u = rng_at(t->draw_key, (uint64_t)t->iter * t->n_syn + i);
      want[i] = (u >> 32) < thr ? (uint8_t)(((u & 0xffffffffu) * 3) >> 32) : greedy[i];
    }
    synrl_choose_actions(t);
    t->iter++; /* what step() does after choosing: the next draws are new */
    for (size_t i = 0; i < t->n_syn; i++) {
      int a = t->hist[i] / 9;
      assert_int_equal(a, want[i]);
      count[a]++;
      greedy_seen[greedy[i]] = 1;
      *non_greedy += a != greedy[i];
      assert_int_equal(t->delta[i], a - 1);
    }
    *total += (long)t->n_syn;
  }
  /* the golden table's greedy actions differ across the states visited */
  assert_true(greedy_seen[0] + greedy_seen[1] + greedy_seen[2] >= 2);
  free(greedy);
  free(want);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
}

static void assert_binomial(long k, long n, double pr, const char *what) {
  double mean = pr * (double)n, sd = sqrt((double)n * pr * (1 - pr));
  if (fabs((double)k - mean) > 5 * sd)
    fprintf(stderr, "%s: %ld of %ld, expected %.1f +- %.1f\n", what, k, n, mean, 5 * sd);
  assert_true(fabs((double)k - mean) <= 5 * sd);
}

static void test_epsilon_frequencies(void **state) {
  (void)state;
  long ng, cnt[3], n;
  count_actions(0.3, 60, &ng, cnt, &n);
  assert_binomial(ng, n, 0.3 * 2.0 / 3.0, "eps 0.3 non-greedy");
  count_actions(0.0, 20, &ng, cnt, &n);
  assert_int_equal(ng, 0);
  count_actions(1.0, 60, &ng, cnt, &n);
  for (int a = 0; a < 3; a++) assert_binomial(cnt[a], n, 1.0 / 3.0, "eps 1 action share");
  assert_binomial(ng, n, 2.0 / 3.0, "eps 1 non-greedy");
  count_actions(0.05, 60, &ng, cnt, &n);
  assert_binomial(ng, n, 0.05 * 2.0 / 3.0, "eps 0.05 non-greedy");
}

/* The draws depend on the seed only: same seed same actions, other seed others. */
static void test_exploration_seeded(void **state) {
  (void)state;
  const int widths[2] = {9, 10};
  const nn_act act[1] = {NN_ACT_IDENTITY};
  uint8_t h[3][100];
  for (int k = 0; k < 3; k++) {
    nn_mlp net;
    make_net(&net, 1, widths, act, 1, 0.1);
    synrl_policy p;
    memset(&p, 0, sizeof p);
    synrl_config c = base_config();
    c.epsilon = 0.5;
    c.seed = k == 2 ? 99 : 7;
    synrl_trainer *t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 1);
    for (int it = 0; it < 5; it++) {
      synrl_choose_actions(t);
      t->iter++;
    }
    memcpy(h[k], t->hist, 100);
    learn_rule_destroy(&t->rule);
    nn_mlp_destroy(&net);
  }
  assert_memory_equal(h[0], h[1], 100);
  assert_memory_not_equal(h[0], h[2], 100);
}

/* ---------------- alpha_s halving ---------------- */

static void test_halving(void **state) {
  (void)state;
  const int widths[3] = {3, 4, 2};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_IDENTITY};
  nn_mlp net;
  make_net(&net, 2, widths, act, 21, 0.5);
  reg_data d;
  make_reg(&d, 6, 3, 2, 21);
  synrl_policy p;
  memset(&p, 0, sizeof p);
  synrl_config c = base_config();
  c.epsilon = 1.0; /* uniformly random actions */
  c.alpha_s = 0.01;
  c.halve_at = 4;
  c.bias_step = 2;
  synrl_trainer *t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 6);
  set_batch(t, &d.b);
  const size_t n = t->n_syn;
  double *prev = malloc(n * sizeof *prev);
  int32_t *prev_steps = malloc(n * sizeof *prev_steps);
  synrl_trainer_sync_params(t);
  memcpy(prev, net.params, n * sizeof *prev);
  size_t unchanged_at_halving = 0;
  for (long it = 1; it <= 8; it++) {
    memcpy(prev_steps, t->steps, n * sizeof *prev_steps);
    step(t, it);
    synrl_trainer_sync_params(t);
    const double unit = it < 4 ? 0.01 : 0.005;
    assert_true(t->unit == unit);
    for (size_t i = 0; i < n; i++) {
      const int k = is_bias(&net, i) ? 2 : 1;
      const int a = t->hist[i] / 9;
      assert_int_equal(t->delta[i], (a - 1) * k);
      const int32_t want_steps = (it == 4 ? 2 * prev_steps[i] : prev_steps[i]) + t->delta[i];
      assert_int_equal(t->steps[i], want_steps);
      /* the weight moved by delta * unit: alpha_s before, alpha_s / 2 from iteration 4 */
      assert_true(fabs(net.params[i] - (prev[i] + unit * t->delta[i])) <= 1e-15);
      if (t->delta[i] == 0) {
        assert_true(net.params[i] == prev[i]); /* halving alone moves nothing, bit for bit */
        if (it == 4) unchanged_at_halving++;
      }
      assert_true(net.params[i] == t->base[i] + t->unit * (double)t->steps[i]);
    }
    memcpy(prev, net.params, n * sizeof *prev);
  }
  assert_true(unchanged_at_halving > 0);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
  free(prev);
  free(prev_steps);
}

/* halve_at counts the driver's iterations (1-based in run_train) */
static void test_halving_in_run_train(void **state) {
  (void)state;
  for (int halve_at = 1; halve_at <= 3; halve_at++) {
    nn_mlp net;
    make_scalar_net(&net, 0.0, 0.0);
    data_set ds = {0};
    ds.n = 1;
    ds.in_dim = 1;
    ds.out_dim = 1;
    ds.x = core_alloc(sizeof(double));
    ds.targets = core_alloc(sizeof(double));
    ds.x[0] = 1.0;
    ds.targets[0] = 100.0;
    synrl_policy p;
    policy_always(&p, SYNRL_INC);
    synrl_config c = base_config();
    c.alpha_s = 0.25;
    c.halve_at = halve_at;
    synrl_trainer *t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 1);
    run_config rc;
    run_config_default(&rc);
    rc.iterations = 3;
    rc.eval_every = 100;
    run_result res;
    syn_err e;
    assert_int_equal(run_train(&t->rule, &ds, NULL, NULL, &rc, &res, &e), SYN_OK);
    /* increase every iteration: weight = (halve_at - 1) * 0.25 + (4 - halve_at) * 0.125 */
    double want = (halve_at - 1) * 0.25 + (4 - halve_at) * 0.125;
    assert_true(net.params[0] == want);
    assert_true(net.params[1] == want);
    assert_int_equal(t->steps[0], 2 * (halve_at - 1) + (4 - halve_at));
    learn_rule_destroy(&t->rule);
    nn_mlp_destroy(&net);
    data_set_free(&ds);
  }
}

/* ---------------- exact weights after many steps ---------------- */

static void test_weights_exact_after_many_steps(void **state) {
  (void)state;
  const int widths[3] = {2, 6, 1};
  const nn_act act[2] = {NN_ACT_TANH, NN_ACT_TANH};
  nn_mlp net;
  make_net(&net, 2, widths, act, 31, 1.0);
  const size_t n = net.n_params;
  double *w0 = malloc(n * sizeof *w0);
  long *count = calloc(n, sizeof *count);
  memcpy(w0, net.params, n * sizeof *w0);
  reg_data d;
  make_reg(&d, 30, 2, 1, 31);
  synrl_policy p;
  load_golden(&p);
  synrl_config c = base_config();
  c.epsilon = 0.3;
  c.alpha_s = 1e-3;
  c.bias_step = 2;
  c.halve_at = 300;
  synrl_trainer *t = make_trainer(&net, NN_LOSS_EUCLID, &p, &c, 30);
  set_batch(t, &d.b);
  double first = t->loss_prev, last = first;
  for (long it = 1; it <= 600; it++) {
    if (it == 300)
      for (size_t i = 0; i < n; i++) count[i] *= 2;
    last = step(t, it).loss;
    for (size_t i = 0; i < n; i++) count[i] += (t->hist[i] / 9 - 1) * (is_bias(&net, i) ? 2 : 1);
  }
  synrl_trainer_sync_params(t);
  assert_true(t->unit == 5e-4);
  for (size_t i = 0; i < n; i++) {
    assert_true(t->base[i] == w0[i]);
    assert_int_equal(t->steps[i], count[i]);
    assert_true(net.params[i] == w0[i] + 5e-4 * (double)count[i]);
  }
  assert_true(last < first); /* the golden policy trains */
  /* and the network the trainer reports is the one it measured */
  nn_ws ws;
  syn_err e;
  assert_int_equal(nn_ws_create(&ws, &net, 30, &e), SYN_OK);
  assert_true(nn_mlp_loss(&net, &d.b, &ws, NN_LOSS_EUCLID, NN_ACC_SIGN, NULL) == last);
  nn_ws_destroy(&ws);
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
  free(w0);
  free(count);
}

/* ---------------- argument checks ---------------- */

static void test_config_checks(void **state) {
  (void)state;
  nn_mlp net;
  make_scalar_net(&net, 0, 0);
  synrl_policy p;
  memset(&p, 0, sizeof p);
  synrl_trainer *t = NULL;
  syn_err e;
  synrl_config c;
  struct {
    double eps, as, aq, g;
    int bias;
  } bad[] = {
      {-0.1, 1e-3, 0.01, 0.9, 1}, {1.1, 1e-3, 0.01, 0.9, 1}, {NAN, 1e-3, 0.01, 0.9, 1},
      {0.1, 0.0, 0.01, 0.9, 1},   {0.1, -1, 0.01, 0.9, 1},   {0.1, INFINITY, 0.01, 0.9, 1},
      {0.1, 1e-3, -0.01, 0.9, 1}, {0.1, 1e-3, 1.5, 0.9, 1},  {0.1, 1e-3, 0.01, 1.1, 1},
      {0.1, 1e-3, 0.01, -0.1, 1}, {0.1, 1e-3, 0.01, 0.9, 0}, {0.1, 1e-3, 0.01, 0.9, 3},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    synrl_config_default(&c);
    c.epsilon = bad[i].eps;
    c.alpha_s = bad[i].as;
    c.alpha_q = bad[i].aq;
    c.gamma = bad[i].g;
    c.bias_step = bad[i].bias;
    assert_int_equal(synrl_trainer_create(&t, &net, NN_LOSS_MSE, &p, &c, 1, &e), SYN_ERR_ARG);
    assert_null(t);
  }
  /* the defaults are the paper's 2D settings */
  synrl_config_default(&c);
  assert_true(c.epsilon == 0.25 && c.alpha_s == 1e-3 && c.alpha_q == 0.01 && c.gamma == 0.9);
  assert_true(c.adaptive && c.bias_step == 1 && c.halve_at == 0);
  /* step before set_batch */
  t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 1);
  learn_step_info info;
  assert_int_equal(t->rule.step(&t->rule, 1, &info, &e), SYN_ERR_ARG);
  learn_rule_destroy(&t->rule);
  /* an 8-bit path on data without bytes */
  c.path = SYNRL_PATH_Q8_REF;
  t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 1);
  double x[1] = {1}, y[1] = {1};
  nn_batch b = {.n = 1, .in_dim = 1, .x = x, .targets = y, .out_dim = 1};
  assert_int_equal(t->rule.set_batch(&t->rule, &b, &e), SYN_ERR_UNSUPPORTED);
  learn_rule_destroy(&t->rule);
  /* auto picks general for such data */
  c.path = SYNRL_PATH_AUTO;
  t = make_trainer(&net, NN_LOSS_MSE, &p, &c, 1);
  set_batch(t, &b);
  assert_int_equal(t->path_used, SYNRL_PATH_GENERAL);
  learn_rule_destroy(&t->rule);
  assert_string_equal(synrl_path_name(SYNRL_PATH_GENERAL), "general");
  assert_string_equal(synrl_path_name(SYNRL_PATH_Q8_REF), "q8-ref");
  assert_string_equal(synrl_path_name(SYNRL_PATH_Q8_FAST), "q8-fast");
  assert_string_equal(synrl_path_name(SYNRL_PATH_AUTO), "auto");
  nn_mlp_destroy(&net);
}

int main(void) {
  blas_init();
  core_set_threads(1); /* tiny batches: a second OpenMP thread would only spin */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_additive_step),
      cmocka_unit_test(test_additive_step_bias2),
      cmocka_unit_test(test_histories),
      cmocka_unit_test(test_reward_first_iteration),
      cmocka_unit_test(test_reward_ties_are_negative),
      cmocka_unit_test(test_reward_across_batches),
      cmocka_unit_test(test_q_update_from_zero),
      cmocka_unit_test(test_q_update_greedy),
      cmocka_unit_test(test_q_update_golden_explore),
      cmocka_unit_test(test_q_first_update_by_hand),
      cmocka_unit_test(test_static_mode_keeps_table),
      cmocka_unit_test(test_epsilon_frequencies),
      cmocka_unit_test(test_exploration_seeded),
      cmocka_unit_test(test_halving),
      cmocka_unit_test(test_halving_in_run_train),
      cmocka_unit_test(test_weights_exact_after_many_steps),
      cmocka_unit_test(test_config_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
