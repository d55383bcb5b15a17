/* The opt-in stabilisers of DeepAGREL training (issue 5): gradient-norm
 * clipping (netbp_grad_clip, agrel_config.clip_norm) and linear lr warm-up
 * (cls_config.warmup_steps), by hand-computed cases. */
#include "testutil.h"

#include "synrl/train.h"

static void test_grad_clip(void **st) {
  (void)st;
  float g[2] = {3.0f, 4.0f};
  assert_close(netbp_grad_clip(g, 2, 0), 5.0, 1e-12); /* 0: off */
  assert_true(g[0] == 3.0f && g[1] == 4.0f);
  assert_close(netbp_grad_clip(g, 2, 10), 5.0, 1e-12); /* under the bound: unchanged */
  assert_true(g[0] == 3.0f && g[1] == 4.0f);
  assert_close(netbp_grad_clip(g, 2, 1), 5.0, 1e-12);
  assert_close(g[0], 0.6, 1e-7);
  assert_close(g[1], 0.8, 1e-7);
  assert_close(netbp_grad_clip(g, 2, 0), 1.0, 1e-7);
  float z[3] = {0, 0, 0};
  assert_close(netbp_grad_clip(z, 3, 1), 0.0, 0); /* a zero gradient stays zero (no 0/0) */
  assert_true(z[0] == 0.0f && z[1] == 0.0f && z[2] == 0.0f);
}

/* The hand case of test_agrel.c: Q = x W, x = (1, 2), W 2x3, argmax 1, label
 * 0, δ = −1.25; the gradient is (1.25, 2.5) in column 1, norm 1.25 √5. Clipped
 * to norm 1 the column moves by lr (1, 2) / √5. */
static void test_step_clip(void **st) {
  (void)st;
  nn_lspec sp = {.kind = NN_L_DENSE, .units = 3};
  nn_net net;
  syn_err e;
  assert_int_equal(nn_net_create(&net, 1, 1, 2, 1, &sp, &e), SYN_OK);
  const float W[6] = {0.5f, -0.25f, 0.125f, 0.25f, 0.75f, -0.5f};
  nn_net_ws ws;
  assert_int_equal(nn_net_ws_create(&ws, &net, 1, &e), SYN_OK);
  float x[2] = {1.0f, 2.0f};
  int32_t label = 0;
  rng_t r;
  rng_seed(&r, 1, 1);
  agrel_step_info info;
  for (int clip = 0; clip < 3; clip++) {
    memcpy(net.params, W, sizeof W);
    memcpy(net.fb, W, sizeof W);
    /* 0: off; 1: clipped to 1; 2: a bound above the norm, unchanged */
    agrel_config c = {.epsilon = 0, .temperature = 1, .clip_norm = clip == 0 ? 0 : clip == 1 ? 1 : 3};
    assert_int_equal(agrel_step(&net, &ws, &c, x, &label, 1, 0.1f, &r, &info, &e), SYN_OK);
    assert_close(info.grad_norm, 1.25 * sqrt(5.0), 1e-6);
    const double f = clip == 1 ? 1.0 / (1.25 * sqrt(5.0)) : 1.0;
    assert_close(net.params[1], -0.25 - 0.1 * 1.25 * 1.0 * f, 1e-7);
    assert_close(net.params[4], 0.75 - 0.1 * 1.25 * 2.0 * f, 1e-7);
    for (int i = 0; i < 6; i++) {
      if (i != 1 && i != 4) assert_true(net.params[i] == W[i]);
      assert_true(net.fb[i] == net.params[i]);
    }
  }
  nn_net_ws_destroy(&ws);
  nn_net_destroy(&net);
}

/* A few rows, a dense net; returns the FNV hash of the weights after training */
static uint64_t train_small(const cls_rule *rule, double lr, long warmup, long epochs, size_t batch) {
  data_set tr = {0}, va = {0};
  tr.n = 24;
  va.n = 8;
  tr.in_dim = va.in_dim = 6;
  tr.out_dim = va.out_dim = 3;
  tr.x = core_alloc(tr.n * 6 * sizeof(double));
  va.x = core_alloc(va.n * 6 * sizeof(double));
  tr.labels = core_alloc(tr.n * sizeof(int32_t));
  va.labels = core_alloc(va.n * sizeof(int32_t));
  rng_t r;
  rng_seed(&r, 9, 0);
  for (size_t i = 0; i < tr.n * 6; i++) tr.x[i] = rng_uniform(&r);
  for (size_t i = 0; i < va.n * 6; i++) va.x[i] = rng_uniform(&r);
  for (size_t i = 0; i < tr.n; i++) tr.labels[i] = (int32_t)(i % 3);
  for (size_t i = 0; i < va.n; i++) va.labels[i] = (int32_t)(i % 3);
  nn_lspec sp[] = {{.kind = NN_L_DENSE, .units = 5}, {.kind = NN_L_RELU},
                   {.kind = NN_L_DENSE, .units = 3}};
  nn_net net;
  syn_err e;
  assert_int_equal(nn_net_create(&net, 1, 1, 6, 3, sp, &e), SYN_OK);
  rng_seed(&r, 1, 1);
  nn_net_init_normal(&net, 0.3, &r);
  cls_config c;
  assert_int_equal(cls_config_preset(&c, "dense", &e), SYN_OK);
  c.rule = rule;
  c.lr = lr;
  c.warmup_steps = warmup;
  c.max_epochs = epochs;
  c.patience = 0;
  c.batch = batch;
  c.restore_best = false;
  cls_result res;
  if (cls_train(&net, &tr, &va, NULL, &c, &res, &e)) fail_msg("cls_train: %s", e.msg);
  uint64_t h = core_fnv1a64(net.params, net.n_params * sizeof(float), CORE_FNV_INIT);
  nn_net_destroy(&net);
  data_set_free(&tr);
  data_set_free(&va);
  return h;
}

/* Step t (from 1) of a W-step warm-up runs at lr t / W: one step of lr 0.2
 * with W = 4 is one step of lr 0.05 (bit for bit, same streams); after the
 * warm-up the lr is the set one: W = 1 changes nothing. */
static void test_warmup(void **st) {
  (void)st;
  for (int rule = 0; rule < 2; rule++) {
    const cls_rule *ru = rule ? CLS_RULE_BACKPROP : CLS_RULE_AGREL;
    assert_true(train_small(ru, 0.2, 4, 1, 24) == train_small(ru, 0.05, 0, 1, 24));
    assert_true(train_small(ru, 0.2, 4, 1, 24) != train_small(ru, 0.2, 0, 1, 24));
    assert_true(train_small(ru, 0.2, 1, 3, 8) == train_small(ru, 0.2, 0, 3, 8));
    assert_true(train_small(ru, 0.2, 5, 3, 8) != train_small(ru, 0.2, 0, 3, 8));
  }
  /* a negative warm-up is refused */
  data_set tr = {0};
  cls_config c;
  syn_err e;
  cls_config_preset(&c, "dense", &e);
  c.warmup_steps = -1;
  nn_net net = {0};
  cls_result res;
  assert_int_not_equal(cls_train(&net, &tr, NULL, NULL, &c, &res, &e), SYN_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_grad_clip),
      cmocka_unit_test(test_step_clip),
      cmocka_unit_test(test_warmup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
