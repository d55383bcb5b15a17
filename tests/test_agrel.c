/* learn/agrel + learn/netbp: action selection, the output errors, a
 * hand-computed DeepAGREL step, DeepAGREL = backprop of ½δ² through the chosen
 * unit for tied weights (finite differences), separate feedback weights, and
 * the training driver (determinism, early stopping, metrics). */
#include "testutil.h"

#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static void test_select(void **st) {
  (void)st;
  rng_t r;
  rng_seed(&r, 3, 0);
  float q[4] = {0.1f, 0.7f, 0.7f, -1.0f};
  for (int i = 0; i < 100; i++) assert_int_equal(agrel_select(q, 4, 0.0, 1.0, &r), 1);
  /* epsilon = 1: always the Boltzmann draw; frequencies follow softmax(q / T) */
  const int N = 40000;
  for (int t = 0; t < 2; t++) {
    double T = t ? 0.5 : 1.0, z = 0, p[4];
    for (int i = 0; i < 4; i++) z += p[i] = exp(q[i] / T);
    int cnt[4] = {0};
    for (int i = 0; i < N; i++) cnt[agrel_select(q, 4, 1.0, T, &r)]++;
    for (int i = 0; i < 4; i++) assert_close((double)cnt[i] / N, p[i] / z, 0.01);
  }
  /* epsilon = 0.2: argmax with 0.8 + 0.2 softmax share */
  float q2[3] = {2.0f, 0.0f, 0.0f};
  double z = exp(2.0) + 2, want = 0.8 + 0.2 * exp(2.0) / z;
  int best = 0;
  for (int i = 0; i < N; i++) best += agrel_select(q2, 3, 0.2, 1.0, &r) == 0;
  assert_close((double)best / N, want, 0.01);
}

static void test_output_grads(void **st) {
  (void)st;
  float q[6] = {0.2f, 0.9f, 0.1f, 0.5f, 0.4f, -0.3f};
  int32_t labels[2] = {1, 2}, chosen[2] = {1, 0};
  float dq[6];
  size_t nr;
  double L = agrel_output_grad(q, 2, 3, labels, chosen, dq, &nr);
  /* row 0: chosen 1 = label, r = 1, δ = 0.1; row 1: chosen 0 ≠ 2, r = 0, δ = −0.5 */
  assert_int_equal(nr, 1);
  assert_close(L, 0.5 * (0.5 * 0.01 + 0.5 * 0.25), 1e-7);
  float want[6] = {0, -0.05f, 0, 0.25f, 0, 0};
  for (int i = 0; i < 6; i++) assert_close(dq[i], want[i], 1e-7);
  /* softmax cross-entropy: gradient by finite differences */
  float z[6] = {0.3f, -1.2f, 2.0f, 0.0f, 0.5f, 0.25f}, dz[6];
  size_t nc;
  double L0 = netbp_output_grad(z, 2, 3, labels, dz, &nc);
  assert_int_equal(nc, 0); /* row 0 argmax 2 ≠ 1; row 1 argmax 1 ≠ 2 */
  for (int i = 0; i < 6; i++) {
    float zz[6], d2[6];
    memcpy(zz, z, sizeof z);
    zz[i] += 1e-3f;
    double lp = netbp_output_grad(zz, 2, 3, labels, d2, &nc);
    zz[i] -= 2e-3f;
    double lm = netbp_output_grad(zz, 2, 3, labels, d2, &nc);
    assert_close(dz[i], (lp - lm) / 2e-3, 1e-3);
  }
  assert_true(L0 > 0);
}

/* One dense output layer, no hidden units: Q = x W. With ε = 0 the choice is
 * argmax, and only column s of W moves, by lr δ x / n. */
static void test_hand_step(void **st) {
  (void)st;
  nn_lspec sp = {.kind = NN_L_DENSE, .units = 3};
  nn_net net;
  syn_err e;
  assert_int_equal(nn_net_create(&net, 1, 1, 2, 1, &sp, &e), SYN_OK);
  const float W[6] = {0.5f, -0.25f, 0.125f, 0.25f, 0.75f, -0.5f}; /* 2 x 3, row-major */
  memcpy(net.params, W, sizeof W);
  memcpy(net.fb, W, sizeof W);
  nn_net_ws ws;
  assert_int_equal(nn_net_ws_create(&ws, &net, 1, &e), SYN_OK);
  float x[2] = {1.0f, 2.0f};
  /* Q = (1.0, 1.25, -0.875): argmax 1; label 0 → r = 0, δ = −1.25 */
  int32_t label = 0;
  agrel_config c = {.epsilon = 0, .temperature = 1};
  agrel_step_info info;
  rng_t r;
  rng_seed(&r, 1, 1);
  assert_int_equal(agrel_step(&net, &ws, &c, x, &label, 1, 0.1f, &r, &info, &e), SYN_OK);
  assert_int_equal(info.n_correct, 0);
  assert_close(info.loss, 0.5 * 1.25 * 1.25, 1e-7);
  const float want[6] = {0.5f, -0.25f - 0.125f, 0.125f, 0.25f, 0.75f - 0.25f, -0.5f};
  for (int i = 0; i < 6; i++) {
    assert_close(net.params[i], want[i], 1e-7);
    assert_true(net.fb[i] == net.params[i]);
  }
  /* x = (2, 1): Q = (1.25, −0.25, −0.25), argmax 0 = label, r = 1, δ = −0.25 */
  x[0] = 2.0f;
  x[1] = 1.0f;
  label = 0;
  assert_int_equal(agrel_step(&net, &ws, &c, x, &label, 1, 0.1f, &r, &info, &e), SYN_OK);
  assert_int_equal(info.n_correct, 1);
  assert_close(info.loss, 0.5 * 0.25 * 0.25, 1e-7);
  assert_close(net.params[0], 0.5 - 0.1 * 0.25 * 2.0, 1e-7);
  assert_close(net.params[3], 0.25 - 0.1 * 0.25 * 1.0, 1e-7);
  for (int i = 0; i < 6; i++)
    if (i != 0 && i != 3) assert_close(net.params[i], want[i], 1e-7);
  nn_net_ws_destroy(&ws);
  nn_net_destroy(&net);
}

static nn_lspec conv_specs[] = {
    {.kind = NN_L_CONV, .units = 3, .k = 3, .stride = 1, .pad = NN_PAD_SAME},
    {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
    {.kind = NN_L_CONV, .units = 3, .k = 3, .stride = 2, .pad = NN_PAD_SAME},
    {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
    {.kind = NN_L_DENSE, .units = 6}, {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
    {.kind = NN_L_DENSE, .units = 4}};
#define N_CONV_SPECS 10

static float *rand_floats(size_t n, double sd, uint64_t seed) {
  float *x = malloc(n * sizeof(float));
  assert_non_null(x);
  rng_t r;
  rng_seed(&r, seed, 9);
  for (size_t i = 0; i < n; i++) x[i] = (float)(sd * nn_randn(&r));
  return x;
}

/* mean ½(r − Q_s)² with the choices held fixed */
static double half_delta_sq(const nn_net *net, nn_net_ws *ws, const float *x, size_t n,
                            const int32_t *labels, const int32_t *chosen) {
  const float *q = nn_net_forward(net, ws, x, n, true, false, NULL);
  float dq[64];
  size_t nr;
  return agrel_output_grad(q, n, nn_net_out_size(net), labels, chosen, dq, &nr);
}

/* For tied weights the DeepAGREL update is −lr times the gradient of the mean
 * ½δ² through the chosen units (finite differences), and params and fb
 * receive it alike. */
static void test_tied_equals_backprop(void **st) {
  (void)st;
  nn_net net;
  syn_err e;
  assert_int_equal(nn_net_create(&net, 6, 6, 1, N_CONV_SPECS, conv_specs, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, 5, 1);
  nn_net_init_normal(&net, 0.4, &r);
  const size_t n = 5;
  nn_net_ws ws;
  assert_int_equal(nn_net_ws_create(&ws, &net, n, &e), SYN_OK);
  float *x = rand_floats(n * 36, 1.0, 7);
  int32_t labels[5] = {0, 1, 2, 3, 1};
  /* the choices agrel_step will make (ε = 0: argmax) */
  const float *q = nn_net_forward(&net, &ws, x, n, true, false, NULL);
  int32_t chosen[5];
  for (size_t b = 0; b < n; b++) chosen[b] = agrel_select(q + 4 * b, 4, 0.0, 1.0, NULL);
  for (size_t b = 0; b < n; b++) labels[b] = (chosen[b] + 1) % 4;
  labels[2] = chosen[2]; /* one rewarded row */
  float *p0 = malloc(net.n_params * sizeof(float)), *g = malloc(net.n_params * sizeof(float));
  memcpy(p0, net.params, net.n_params * sizeof(float));
  for (size_t i = 0; i < net.n_params; i++) {
    const float h = 5e-4f; /* small: larger steps cross ReLU kinks here */
    float v = net.params[i];
    net.params[i] = v + h;
    double lp = half_delta_sq(&net, &ws, x, n, labels, chosen);
    net.params[i] = v - h;
    double lm = half_delta_sq(&net, &ws, x, n, labels, chosen);
    net.params[i] = v;
    g[i] = (float)((lp - lm) / (double)((v + h) - (v - h)));
  }
  agrel_config c = {.epsilon = 0, .temperature = 1};
  agrel_step_info info;
  const float lr = 0.5f;
  assert_int_equal(agrel_step(&net, &ws, &c, x, labels, n, lr, &r, &info, &e), SYN_OK);
  assert_int_equal(info.n_correct, 1);
  size_t moved = 0;
  for (size_t i = 0; i < net.n_params; i++) {
    double upd = (double)net.params[i] - p0[i];
    double want = -(double)lr * g[i];
    if (fabs(upd - want) > 2e-2 * (1e-2 + fabs(want)))
      fail_msg("parameter %zu: update %.7g, −lr ∂(½δ²)/∂w %.7g", i, upd, want);
    assert_true(net.fb[i] == net.params[i]); /* the same update on both */
    moved += upd != 0;
  }
  assert_true(moved > net.n_params / 2);
  free(p0);
  free(g);
  free(x);
  nn_net_ws_destroy(&ws);
  nn_net_destroy(&net);
}

/* Separate feedback weights: hidden units get δ through fb, the forward
 * weights stay out of the backward pass, and fb changes by exactly what
 * params change by. Checked by hand on dense 3 → 4 (ReLU) → 2. */
static void test_separate_feedback(void **st) {
  (void)st;
  nn_lspec sp[] = {{.kind = NN_L_DENSE, .units = 4}, {.kind = NN_L_RELU},
                   {.kind = NN_L_DENSE, .units = 2}};
  nn_net net;
  syn_err e;
  assert_int_equal(nn_net_create(&net, 1, 1, 3, 3, sp, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, 8, 1);
  nn_net_init_normal(&net, 0.5, &r);
  for (size_t i = 0; i < net.n_params; i++) net.fb[i] = (float)(0.5 * nn_randn(&r)); /* untied */
  /* hidden unit 0 on, unit 3 off for the input below */
  const float on[3] = {1, -1, 1}, off[3] = {-1, 1, -1};
  for (int i = 0; i < 3; i++) net.params[i * 4 + 0] = on[i], net.params[i * 4 + 3] = off[i];
  float *P = malloc(net.n_params * sizeof(float)), *F = malloc(net.n_params * sizeof(float));
  memcpy(P, net.params, net.n_params * sizeof(float));
  memcpy(F, net.fb, net.n_params * sizeof(float));
  nn_net_ws ws;
  assert_int_equal(nn_net_ws_create(&ws, &net, 1, &e), SYN_OK);
  float x[3] = {0.5f, -1.0f, 2.0f};
  int32_t label = 0;
  /* hand forward */
  double h[4], q[2];
  for (int j = 0; j < 4; j++) {
    h[j] = 0;
    for (int i = 0; i < 3; i++) h[j] += x[i] * P[i * 4 + j];
    h[j] = h[j] > 0 ? h[j] : 0;
  }
  for (int k = 0; k < 2; k++) {
    q[k] = 0;
    for (int j = 0; j < 4; j++) q[k] += h[j] * P[12 + j * 2 + k];
  }
  int s = q[1] > q[0] ? 1 : 0;
  double delta = (s == label ? 1.0 : 0.0) - q[s];
  agrel_config c = {.epsilon = 0, .temperature = 1};
  agrel_step_info info;
  const float lr = 0.1f;
  assert_int_equal(agrel_step(&net, &ws, &c, x, &label, 1, lr, &r, &info, &e), SYN_OK);
  int active = 0;
  for (int j = 0; j < 4; j++) {
    /* four factors: pre (x_i) · gate (h_j > 0) · δ · feedback from s through fb */
    double fbj = h[j] > 0 ? F[12 + j * 2 + s] : 0.0;
    active += h[j] > 0;
    for (int i = 0; i < 3; i++) {
      double d = lr * delta * x[i] * fbj;
      assert_close(net.params[i * 4 + j], P[i * 4 + j] + d, 1e-6);
      assert_close(net.fb[i * 4 + j], F[i * 4 + j] + d, 1e-6);
    }
    for (int k = 0; k < 2; k++) {
      double d = k == s ? lr * delta * h[j] : 0.0;
      assert_close(net.params[12 + j * 2 + k], P[12 + j * 2 + k] + d, 1e-6);
      assert_close(net.fb[12 + j * 2 + k], F[12 + j * 2 + k] + d, 1e-6);
    }
  }
  assert_true(active > 0 && active < 4); /* the gate matters in this case */
  free(P);
  free(F);
  nn_net_ws_destroy(&ws);
  nn_net_destroy(&net);
}

/* ---------------- the driver ---------------- */
/* 12x12 images whose class is the quadrant with a bright blob, plus noise */
static void make_blobs(data_set *d, size_t n, uint64_t seed) {
  memset(d, 0, sizeof *d);
  d->n = n;
  d->in_dim = 144;
  d->out_dim = 4;
  d->x = core_alloc(n * 144 * sizeof(double));
  d->labels = core_alloc(n * sizeof(int32_t));
  rng_t r;
  rng_seed(&r, seed, 3);
  for (size_t b = 0; b < n; b++) {
    int y = (int)rng_below(&r, 4);
    d->labels[b] = y;
    int cy = (y / 2) * 6 + 1 + (int)rng_below(&r, 3), cx = (y % 2) * 6 + 1 + (int)rng_below(&r, 3);
    for (int i = 0; i < 144; i++) {
      int py = i / 12, px = i % 12;
      double v = 0.2 * rng_uniform(&r);
      if (abs(py - cy) <= 1 && abs(px - cx) <= 1) v += 0.8;
      d->x[b * 144 + i] = v;
    }
  }
}

static void small_net(nn_net *net, uint64_t seed) {
  nn_lspec sp[] = {{.kind = NN_L_CONV, .units = 4, .k = 3, .stride = 2, .pad = NN_PAD_SAME},
                   {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
                   {.kind = NN_L_DROPOUT, .rate = 0.2},
                   {.kind = NN_L_DENSE, .units = 16}, {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
                   {.kind = NN_L_DENSE, .units = 4}};
  syn_err e;
  assert_int_equal(nn_net_create(net, 12, 12, 1, 8, sp, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, seed, 1);
  nn_net_init_normal(net, 0.05, &r);
}

static void run_blobs(const cls_rule *rule, uint64_t seed, long epochs, long patience, double lr,
                      const char *out, cls_result *res, uint64_t *checksum) {
  data_set tr, va, te;
  make_blobs(&tr, 400, 1);
  make_blobs(&va, 100, 2);
  make_blobs(&te, 100, 3);
  nn_net net;
  small_net(&net, seed);
  cls_config c;
  syn_err e;
  assert_int_equal(cls_config_preset(&c, "conv", &e), SYN_OK);
  c.rule = rule;
  c.seed = seed;
  c.batch = 32;
  c.max_epochs = epochs;
  c.patience = patience;
  c.lr = lr;
  c.bn_momentum = 0.9;
  c.agrel.epsilon = 0.1;
  c.out_dir = out;
  if (cls_train(&net, &tr, &va, &te, &c, res, &e) != SYN_OK) fail_msg("cls_train: %s", e.msg);
  *checksum = core_fnv1a64(net.params, net.n_params * sizeof(float), CORE_FNV_INIT);
  nn_net_destroy(&net);
  data_set_free(&tr);
  data_set_free(&va);
  data_set_free(&te);
}

static void test_driver_learns_and_repeats(void **st) {
  (void)st;
  char dir[512], csv[600];
  tu_path(dir, sizeof dir, "");
  cls_result a, b, bp;
  uint64_t ca, cb, cbp;
  run_blobs(CLS_RULE_AGREL, 4, 12, 0, 0.1, dir, &a, &ca);
  run_blobs(CLS_RULE_AGREL, 4, 12, 0, 0.1, NULL, &b, &cb);
  run_blobs(CLS_RULE_BACKPROP, 4, 12, 0, 0.1, NULL, &bp, &cbp);
  /* a seed fixes the run bit for bit */
  assert_true(ca == cb);
  assert_close(a.test_acc, b.test_acc, 0);
  /* both rules learn the four quadrants well above chance (0.25) */
  assert_true(a.test_acc > 0.8);
  assert_true(bp.test_acc > 0.8);
  assert_int_equal(a.epochs, 12);
  assert_false(a.stopped_early);
  assert_in_range(a.best_epoch, 1, 12);
  /* metrics.csv: header + one row per epoch */
  snprintf(csv, sizeof csv, "%s/metrics.csv", dir);
  long n;
  unsigned char *t = tu_slurp(csv, &n);
  t[n] = 0;
  int lines = 0;
  for (long i = 0; i < n; i++) lines += t[i] == '\n';
  assert_int_equal(lines, 13);
  assert_contains((char *)t, "step,seconds,lr,train_loss,train_acc,valid_acc\n1,");
  assert_non_null(strstr((char *)t, "\n12,")); /* step = epoch */
  free(t);
  /* another seed gives another run */
  cls_result o;
  uint64_t co;
  run_blobs(CLS_RULE_AGREL, 5, 2, 0, 0.1, NULL, &o, &co);
  assert_true(co != ca);
}

/* A learning rate too small to learn: training stops `patience` epochs after
 * the last improvement (only the batch-norm statistics still move). */
static void test_driver_early_stopping(void **st) {
  (void)st;
  cls_result r;
  uint64_t c;
  run_blobs(CLS_RULE_BACKPROP, 1, 50, 3, 1e-9, NULL, &r, &c);
  assert_true(r.stopped_early);
  assert_int_equal(r.epochs, r.best_epoch + 3);
  assert_true(r.epochs < 50);
}

/* lr halves every `halve_every` epochs: the lr column of metrics.csv */
static void test_driver_lr_schedule(void **st) {
  (void)st;
  data_set tr, va;
  make_blobs(&tr, 64, 1);
  make_blobs(&va, 16, 2);
  nn_lspec sp[] = {{.kind = NN_L_DENSE, .units = 8}, {.kind = NN_L_RELU}, {.kind = NN_L_DENSE, .units = 4}};
  nn_net net;
  syn_err e;
  assert_int_equal(nn_net_create(&net, 12, 12, 1, 3, sp, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, 1, 1);
  nn_net_init_normal(&net, 0.05, &r);
  cls_config c;
  assert_int_equal(cls_config_preset(&c, "dense", &e), SYN_OK);
  c.batch = 16;
  c.max_epochs = 5;
  c.patience = 0;
  c.halve_every = 2;
  c.lr = 0.2;
  char dir[512], csv[600];
  tu_path(dir, sizeof dir, "lr");
  mkdir(dir, 0777);
  c.out_dir = dir;
  cls_result res;
  if (cls_train(&net, &tr, &va, NULL, &c, &res, &e)) fail_msg("%s", e.msg);
  snprintf(csv, sizeof csv, "%s/metrics.csv", dir);
  long n;
  unsigned char *t = tu_slurp(csv, &n);
  t[n] = 0;
  /* step,seconds,lr,...: the lr of epochs 1..5 */
  const double want[5] = {0.2, 0.2, 0.1, 0.1, 0.05};
  const char *row = strchr((char *)t, '\n');
  for (int k = 0; k < 5; k++) {
    long step;
    double sec, lr;
    assert_non_null(row);
    assert_int_equal(sscanf(row + 1, "%ld,%lf,%lf,", &step, &sec, &lr), 3);
    assert_int_equal(step, k + 1);
    assert_true(lr == want[k]);
    row = strchr(row + 1, '\n');
  }
  assert_true(isnan(res.test_acc)); /* no test set given */
  free(t);
  nn_net_destroy(&net);
  data_set_free(&tr);
  data_set_free(&va);
  /* settings out of range are refused */
  c.lr = 0;
  assert_int_not_equal(cls_train(&net, &tr, &va, NULL, &c, &res, &e), SYN_OK);
}

static void test_presets(void **st) {
  (void)st;
  cls_config c;
  syn_err e;
  assert_int_equal(cls_config_preset(&c, "dense", &e), SYN_OK);
  assert_close(c.init_sd, 0.01, 0);
  assert_int_equal(c.batch, 128);
  assert_int_equal(cls_config_preset(&c, "loccon", &e), SYN_OK);
  assert_int_equal(c.batch, 32);
  assert_int_equal(c.patience, 45);
  assert_int_equal(c.max_epochs, 500);
  assert_close(c.agrel.epsilon, 0.02, 0);
  assert_int_not_equal(cls_config_preset(&c, "resnet", &e), SYN_OK);
  nn_lspec sp[NN_NET_MAX_LAYERS];
  int nl;
  const char *nets[3] = {"dense", "conv", "loccon"};
  const size_t params[3] = {784 * 1500 + 1500 * 1000 + 1000 * 500 + 500 * 10 + 2 * 3000,
                            288 + 9216 + 6272 * 500 + 5000 + 2 * (32 + 32 + 500),
                            26 * 26 * 288 + 9216 + 13 * 13 * 32 * 500 + 5000 + 2 * (32 + 32 + 500)};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(cls_net_specs(nets[i], 10, sp, &nl, &e), SYN_OK);
    nn_net net;
    assert_int_equal(nn_net_create(&net, 28, 28, 1, nl, sp, &e), SYN_OK);
    assert_int_equal(net.n_params, params[i]);
    assert_int_equal(nn_net_out_size(&net), 10);
    nn_net_destroy(&net);
  }
  /* the authors' code's layers: no batch norm in dense nor after dense 500;
   * loccon's second layer locally connected, valid: 26 -> 12 */
  const size_t code_params[3] = {784 * 1500 + 1500 * 1000 + 1000 * 500 + 500 * 10,
                                 288 + 9216 + 6272 * 500 + 5000 + 2 * (32 + 32),
                                 26 * 26 * 288 + 12 * 12 * 9216 + 4608 * 500 + 5000 + 2 * (32 + 32)};
  for (int i = 0; i < 3; i++) {
    assert_int_equal(cls_net_specs_arch(nets[i], true, 10, sp, &nl, &e), SYN_OK);
    nn_net net;
    assert_int_equal(nn_net_create(&net, 28, 28, 1, nl, sp, &e), SYN_OK);
    assert_int_equal(net.n_params, code_params[i]);
    nn_net_destroy(&net);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_select),
      cmocka_unit_test(test_output_grads),
      cmocka_unit_test(test_hand_step),
      cmocka_unit_test(test_tied_equals_backprop),
      cmocka_unit_test(test_separate_feedback),
      cmocka_unit_test(test_presets),
      cmocka_unit_test(test_driver_learns_and_repeats),
      cmocka_unit_test(test_driver_early_stopping),
      cmocka_unit_test(test_driver_lr_schedule),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
