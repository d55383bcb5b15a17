/* nn/layers: shapes with the Keras padding conventions, forward passes
 * against direct formulas, finite-difference gradient checks for every layer
 * (parameters and, through a 1x1 convolution in front, inputs), save/load. */
#include "testutil.h"

#include "synrl/nn.h"

#include <stdio.h>
#include <stdlib.h>

/* ---------------- helpers ---------------- */
static void make_net(nn_net *net, int h, int w, int c, int n, const nn_lspec *sp, double sd,
                     uint64_t seed) {
  syn_err e;
  if (nn_net_create(net, h, w, c, n, sp, &e) != SYN_OK) fail_msg("create: %s", e.msg);
  rng_t r;
  rng_seed(&r, seed, 1);
  nn_net_init_normal(net, sd, &r);
  /* batch-norm gains and shifts away from 1 and 0, so their gradients matter */
  for (int l = 0; l < net->n_layers; l++) {
    const nn_layer *L = &net->layer[l];
    if (L->spec.kind != NN_L_BNORM && !L->n_b) continue;
    for (size_t i = 0; i < L->n_b; i++) net->params[L->b_off + i] = (float)(0.3 * nn_randn(&r));
    if (L->spec.kind == NN_L_BNORM)
      for (size_t i = 0; i < L->n_w; i++)
        net->params[L->w_off + i] = (float)(1 + 0.3 * nn_randn(&r));
  }
  memcpy(net->fb, net->params, net->n_params * sizeof(float));
}

static float *rand_floats(size_t n, double sd, uint64_t seed) {
  float *x = malloc(n * sizeof(float));
  assert_non_null(x);
  rng_t r;
  rng_seed(&r, seed, 9);
  for (size_t i = 0; i < n; i++) x[i] = (float)(sd * nn_randn(&r));
  return x;
}

/* L = sum R . y over a training forward; the dropout stream restarts each time */
static double lin_loss(const nn_net *net, nn_net_ws *ws, const float *x, size_t n, const float *R) {
  rng_t r;
  rng_seed(&r, 42, 5);
  const float *y = nn_net_forward(net, ws, x, n, true, false, &r);
  double L = 0;
  size_t m = n * (size_t)nn_net_out_size(net);
  for (size_t i = 0; i < m; i++) L += (double)R[i] * y[i];
  return L;
}

/* Checks every parameter's gradient (or every stride-th) by central differences. */
static void grad_check(nn_net *net, size_t n, uint64_t seed, const char *what) {
  nn_net_ws ws;
  syn_err e;
  assert_int_equal(nn_net_ws_create(&ws, net, n, &e), SYN_OK);
  float *x = rand_floats(n * net->layer[0].in_size, 1.0, seed);
  float *R = rand_floats(n * (size_t)nn_net_out_size(net), 1.0, seed + 1);
  lin_loss(net, &ws, x, n, R);
  nn_net_backward(net, &ws, n, R, net->params);
  float *g = malloc(net->n_params * sizeof(float));
  memcpy(g, ws.grad, net->n_params * sizeof(float));
  size_t stride = net->n_params > 400 ? net->n_params / 400 : 1, checked = 0;
  double worst = 0;
  for (size_t i = 0; i < net->n_params; i += stride) {
    const float p0 = net->params[i];
    const float h = 2e-3f * (fabsf(p0) > 1 ? fabsf(p0) : 1.0f);
    net->params[i] = p0 + h;
    double lp = lin_loss(net, &ws, x, n, R);
    net->params[i] = p0 - h;
    double lm = lin_loss(net, &ws, x, n, R);
    net->params[i] = p0;
    double fd = (lp - lm) / (double)((p0 + h) - (p0 - h));
    double err = fabs(fd - g[i]) / (1e-2 + fabs(fd) + fabs(g[i]));
    if (err > worst) worst = err;
    if (err > 2e-2)
      fail_msg("%s: parameter %zu: backward %.7g, finite difference %.7g", what, i, g[i], fd);
    checked++;
  }
  assert_true(checked > 0);
  free(g);
  free(x);
  free(R);
  nn_net_ws_destroy(&ws);
}

/* a 1x1 convolution in front checks the tested layer's input gradient */
#define IN1X1(c) {.kind = NN_L_CONV, .units = (c), .k = 1, .stride = 1, .pad = NN_PAD_VALID}
#define OUT(k) {.kind = NN_L_DENSE, .units = (k)}

/* ---------------- shapes ---------------- */
static void test_shapes_keras(void **st) {
  (void)st;
  struct {
    int in, k, s;
    nn_pad pad;
    int out, before;
  } cases[] = {
      {28, 3, 1, NN_PAD_SAME, 28, 1},  {28, 3, 2, NN_PAD_SAME, 14, 0},
      {5, 3, 2, NN_PAD_SAME, 3, 1},    {6, 3, 2, NN_PAD_SAME, 3, 0},
      {5, 2, 1, NN_PAD_SAME, 5, 0},    {7, 4, 3, NN_PAD_SAME, 3, 1},
      {28, 3, 1, NN_PAD_VALID, 26, 0}, {28, 3, 2, NN_PAD_VALID, 13, 0},
      {6, 2, 2, NN_PAD_VALID, 3, 0},   {5, 5, 1, NN_PAD_VALID, 1, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    nn_lspec sp = {.kind = NN_L_CONV, .units = 2, .k = cases[i].k, .stride = cases[i].s,
                   .pad = cases[i].pad};
    nn_net net;
    syn_err e;
    assert_int_equal(nn_net_create(&net, cases[i].in, cases[i].in, 1, 1, &sp, &e), SYN_OK);
    assert_int_equal(net.layer[0].oh, cases[i].out);
    assert_int_equal(net.layer[0].pad_t, cases[i].before);
    assert_int_equal(net.layer[0].pad_l, cases[i].before);
    nn_net_destroy(&net);
  }
  /* the reference networks' sizes */
  nn_lspec conv[] = {{.kind = NN_L_CONV, .units = 32, .k = 3, .stride = 1, .pad = NN_PAD_SAME},
                     {.kind = NN_L_CONV, .units = 32, .k = 3, .stride = 2, .pad = NN_PAD_SAME},
                     {.kind = NN_L_DENSE, .units = 500}, OUT(10)};
  nn_net net;
  syn_err e;
  assert_int_equal(nn_net_create(&net, 28, 28, 1, 4, conv, &e), SYN_OK);
  assert_int_equal(net.layer[1].out_size, 14 * 14 * 32);
  assert_int_equal(net.n_params, 9 * 32 + 9 * 32 * 32 + 6272 * 500 + 5000);
  nn_net_destroy(&net);
  nn_lspec loc = {.kind = NN_L_LOCAL, .units = 32, .k = 3, .stride = 1, .pad = NN_PAD_VALID};
  assert_int_equal(nn_net_create(&net, 28, 28, 1, 1, &loc, &e), SYN_OK);
  assert_int_equal(net.n_params, 26 * 26 * 9 * 32);
  nn_net_destroy(&net);
  /* refusals name the layer */
  nn_lspec big = {.kind = NN_L_CONV, .units = 2, .k = 7, .stride = 1, .pad = NN_PAD_VALID};
  assert_int_not_equal(nn_net_create(&net, 5, 5, 1, 1, &big, &e), SYN_OK);
  assert_contains(e.msg, "layer 0");
  nn_lspec drop = {.kind = NN_L_DROPOUT, .rate = 1.0};
  assert_int_not_equal(nn_net_create(&net, 5, 5, 1, 1, &drop, &e), SYN_OK);
  nn_lspec zero = {.kind = NN_L_DENSE, .units = 0};
  assert_int_not_equal(nn_net_create(&net, 5, 5, 1, 1, &zero, &e), SYN_OK);
}

/* ---------------- forward against direct formulas ---------------- */
static float at(const float *img, int h, int w, int c, int y, int x, int ch) {
  if (y < 0 || y >= h || x < 0 || x >= w) return 0.0f;
  return img[((size_t)y * w + x) * c + ch];
}

static void check_conv_direct(nn_lkind kind, int H, int W, int C, int F, int k, int s, nn_pad pad) {
  nn_lspec sp = {.kind = kind, .units = F, .k = k, .stride = s, .pad = pad, .bias = true};
  nn_net net;
  make_net(&net, H, W, C, 1, &sp, 0.5, 3);
  const nn_layer *L = &net.layer[0];
  /* padding by hand, Keras' rule */
  int oh = pad == NN_PAD_SAME ? (H + s - 1) / s : (H - k) / s + 1;
  int ow = pad == NN_PAD_SAME ? (W + s - 1) / s : (W - k) / s + 1;
  int pt = pad == NN_PAD_SAME ? ((oh - 1) * s + k - H > 0 ? ((oh - 1) * s + k - H) / 2 : 0) : 0;
  int pl = pad == NN_PAD_SAME ? ((ow - 1) * s + k - W > 0 ? ((ow - 1) * s + k - W) / 2 : 0) : 0;
  assert_int_equal(L->oh, oh);
  assert_int_equal(L->ow, ow);
  const size_t n = 3;
  nn_net_ws ws;
  syn_err e;
  assert_int_equal(nn_net_ws_create(&ws, &net, n, &e), SYN_OK);
  float *x = rand_floats(n * H * W * C, 1.0, 11);
  const float *y = nn_net_forward(&net, &ws, x, n, false, false, NULL);
  const float *Wt = net.params + L->w_off, *B = net.params + L->b_off;
  for (size_t b = 0; b < n; b++)
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++)
        for (int f = 0; f < F; f++) {
          size_t p = (size_t)oy * ow + ox;
          const float *wp = kind == NN_L_LOCAL ? Wt + p * (size_t)k * k * C * F : Wt;
          double acc = kind == NN_L_LOCAL ? B[p * F + f] : B[f];
          for (int di = 0; di < k; di++)
            for (int dj = 0; dj < k; dj++)
              for (int c = 0; c < C; c++)
                acc += (double)at(x + b * H * W * C, H, W, C, oy * s - pt + di, ox * s - pl + dj, c) *
                       wp[((size_t)(di * k + dj) * C + c) * F + f];
          assert_close(y[((b * oh + oy) * ow + ox) * F + f], acc, 1e-4);
        }
  free(x);
  nn_net_ws_destroy(&ws);
  nn_net_destroy(&net);
}

static void test_conv_forward_direct(void **st) {
  (void)st;
  check_conv_direct(NN_L_CONV, 6, 5, 2, 3, 3, 1, NN_PAD_SAME);
  check_conv_direct(NN_L_CONV, 6, 6, 2, 3, 3, 2, NN_PAD_SAME);
  check_conv_direct(NN_L_CONV, 7, 5, 1, 2, 2, 1, NN_PAD_SAME);
  check_conv_direct(NN_L_CONV, 7, 7, 2, 2, 3, 2, NN_PAD_VALID);
  check_conv_direct(NN_L_LOCAL, 6, 5, 2, 3, 3, 1, NN_PAD_VALID);
  check_conv_direct(NN_L_LOCAL, 6, 6, 2, 2, 3, 2, NN_PAD_SAME);
}

static void test_pool_bnorm_forward(void **st) {
  (void)st;
  /* max-pooling 2x2 on a 4x4x1 image with known values */
  nn_lspec mp = {.kind = NN_L_MAXPOOL, .k = 2, .stride = 2, .pad = NN_PAD_VALID};
  nn_net net;
  make_net(&net, 4, 4, 1, 1, &mp, 1, 1);
  nn_net_ws ws;
  syn_err e;
  assert_int_equal(nn_net_ws_create(&ws, &net, 1, &e), SYN_OK);
  float img[16] = {1, 2, 5, 0, 3, 4, -1, -2, 0, 0, 9, 8, -5, 7, 8, 9.5f};
  const float *y = nn_net_forward(&net, &ws, img, 1, false, false, NULL);
  assert_close(y[0], 4, 0);
  assert_close(y[1], 5, 0);
  assert_close(y[2], 7, 0);
  assert_close(y[3], 9.5, 0);
  nn_net_ws_destroy(&ws);
  nn_net_destroy(&net);
  /* batch norm in training: zero mean, unit variance per channel (gamma 1, beta 0) */
  nn_lspec bn = {.kind = NN_L_BNORM};
  assert_int_equal(nn_net_create(&net, 2, 2, 2, 1, &bn, &e), SYN_OK);
  assert_int_equal(nn_net_ws_create(&ws, &net, 3, &e), SYN_OK);
  float *x = rand_floats(3 * 8, 2.0, 5);
  for (int i = 0; i < 24; i += 2) x[i] += 3.0f; /* channel 0 shifted */
  y = nn_net_forward(&net, &ws, x, 3, true, true, NULL);
  for (int c = 0; c < 2; c++) {
    double m = 0, v = 0, mx = 0;
    for (int r = 0; r < 12; r++) m += y[r * 2 + c], mx += x[r * 2 + c];
    m /= 12, mx /= 12;
    for (int r = 0; r < 12; r++) v += (y[r * 2 + c] - m) * (y[r * 2 + c] - m);
    v /= 12;
    assert_close(m, 0, 1e-5);
    assert_close(v, 1, 2e-3); /* eps = 1e-3 */
    /* running mean moved (1 - momentum) of the way from 0 */
    assert_close(net.state[net.layer[0].s_off + c], 0.01 * mx, 1e-5);
  }
  /* inference with running statistics mean 0, var 1: y = x / sqrt(1 + eps) */
  net.state[0] = net.state[1] = 0;
  net.state[2] = net.state[3] = 1;
  y = nn_net_forward(&net, &ws, x, 3, false, false, NULL);
  assert_close(y[5], x[5] / sqrt(1.001), 1e-6);
  /* dropout: identity in inference, a 0 / 1/(1-rate) mask in training */
  free(x);
  nn_net_ws_destroy(&ws);
  nn_net_destroy(&net);
  nn_lspec dr = {.kind = NN_L_DROPOUT, .rate = 0.25};
  assert_int_equal(nn_net_create(&net, 1, 1, 4000, 1, &dr, &e), SYN_OK);
  assert_int_equal(nn_net_ws_create(&ws, &net, 1, &e), SYN_OK);
  float *ones = malloc(4000 * sizeof(float));
  for (int i = 0; i < 4000; i++) ones[i] = 1.0f;
  y = nn_net_forward(&net, &ws, ones, 1, false, false, NULL);
  for (int i = 0; i < 4000; i++) assert_true(y[i] == 1.0f);
  rng_t r;
  rng_seed(&r, 1, 1);
  y = nn_net_forward(&net, &ws, ones, 1, true, false, &r);
  int zeros = 0;
  for (int i = 0; i < 4000; i++) {
    assert_true(y[i] == 0.0f || fabsf(y[i] - 4.0f / 3.0f) < 1e-6f);
    zeros += y[i] == 0.0f;
  }
  assert_in_range(zeros, 850, 1150);
  free(ones);
  nn_net_ws_destroy(&ws);
  nn_net_destroy(&net);
}

/* ---------------- gradient checks ---------------- */
static void test_grad_dense(void **st) {
  (void)st;
  nn_lspec sp[] = {{.kind = NN_L_DENSE, .units = 7, .bias = true}, {.kind = NN_L_RELU},
                   {.kind = NN_L_DENSE, .units = 5, .bias = true}, OUT(3)};
  nn_net net;
  make_net(&net, 2, 3, 2, 4, sp, 0.5, 21);
  grad_check(&net, 4, 100, "dense");
  nn_net_destroy(&net);
}

static void test_grad_conv(void **st) {
  (void)st;
  struct {
    int h, w, k, s;
    nn_pad pad;
  } cases[] = {{5, 5, 3, 1, NN_PAD_SAME}, {6, 6, 3, 2, NN_PAD_SAME}, {5, 6, 2, 1, NN_PAD_SAME},
               {7, 6, 3, 2, NN_PAD_VALID}, {5, 5, 3, 1, NN_PAD_VALID}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    nn_lspec sp[] = {IN1X1(2),
                     {.kind = NN_L_CONV, .units = 3, .k = cases[i].k, .stride = cases[i].s,
                      .pad = cases[i].pad, .bias = true},
                     OUT(2)};
    nn_net net;
    make_net(&net, cases[i].h, cases[i].w, 2, 3, sp, 0.5, 30 + i);
    char what[64];
    snprintf(what, sizeof what, "conv case %zu", i);
    grad_check(&net, 3, 200 + i, what);
    nn_net_destroy(&net);
  }
}

static void test_grad_local(void **st) {
  (void)st;
  nn_lspec sp[] = {IN1X1(2),
                   {.kind = NN_L_LOCAL, .units = 3, .k = 3, .stride = 1, .pad = NN_PAD_VALID,
                    .bias = true},
                   OUT(2)};
  nn_net net;
  make_net(&net, 5, 6, 2, 3, sp, 0.5, 40);
  grad_check(&net, 3, 300, "local valid");
  nn_net_destroy(&net);
  nn_lspec sp2[] = {IN1X1(2),
                    {.kind = NN_L_LOCAL, .units = 2, .k = 3, .stride = 2, .pad = NN_PAD_SAME},
                    OUT(2)};
  make_net(&net, 6, 5, 2, 3, sp2, 0.5, 41);
  grad_check(&net, 3, 301, "local same s2");
  nn_net_destroy(&net);
}

static void test_grad_pool_relu_dropout(void **st) {
  (void)st;
  nn_lspec sp[] = {IN1X1(3), {.kind = NN_L_MAXPOOL, .k = 2, .stride = 2, .pad = NN_PAD_VALID},
                   OUT(2)};
  nn_net net;
  make_net(&net, 6, 4, 2, 3, sp, 0.5, 50);
  grad_check(&net, 3, 400, "maxpool valid");
  nn_net_destroy(&net);
  nn_lspec sp2[] = {IN1X1(2), {.kind = NN_L_MAXPOOL, .k = 3, .stride = 2, .pad = NN_PAD_SAME},
                    OUT(2)};
  make_net(&net, 5, 6, 2, 3, sp2, 0.5, 51);
  grad_check(&net, 3, 401, "maxpool same");
  nn_net_destroy(&net);
  nn_lspec sp3[] = {IN1X1(3), {.kind = NN_L_RELU}, {.kind = NN_L_DROPOUT, .rate = 0.4}, OUT(2)};
  make_net(&net, 4, 4, 2, 4, sp3, 0.5, 52);
  grad_check(&net, 3, 402, "relu + dropout");
  nn_net_destroy(&net);
}

static void test_grad_bnorm(void **st) {
  (void)st;
  nn_lspec sp[] = {IN1X1(3), {.kind = NN_L_BNORM}, OUT(2)};
  nn_net net;
  make_net(&net, 3, 4, 2, 3, sp, 0.5, 60);
  grad_check(&net, 4, 500, "bnorm (conv)");
  nn_net_destroy(&net);
  nn_lspec sp2[] = {{.kind = NN_L_DENSE, .units = 6}, {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
                    OUT(3)};
  make_net(&net, 1, 1, 5, 4, sp2, 0.5, 61);
  grad_check(&net, 8, 501, "bnorm (dense)");
  nn_net_destroy(&net);
}

/* The reference conv network's layer sequence in miniature, end to end. */
static void test_grad_stack(void **st) {
  (void)st;
  nn_lspec sp[] = {{.kind = NN_L_CONV, .units = 3, .k = 3, .stride = 1, .pad = NN_PAD_SAME},
                   {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
                   {.kind = NN_L_LOCAL, .units = 3, .k = 3, .stride = 2, .pad = NN_PAD_SAME},
                   {.kind = NN_L_RELU}, {.kind = NN_L_BNORM}, {.kind = NN_L_DROPOUT, .rate = 0.3},
                   {.kind = NN_L_DENSE, .units = 5}, {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
                   OUT(3)};
  nn_net net;
  make_net(&net, 6, 6, 1, 11, sp, 0.5, 70);
  grad_check(&net, 4, 600, "stack");
  nn_net_destroy(&net);
}

/* The feedback buffer carries the signal: with fb = 2 params on the output
 * layer, every lower gradient doubles and the output layer's does not. */
static void test_backward_uses_feedback(void **st) {
  (void)st;
  nn_lspec sp[] = {{.kind = NN_L_DENSE, .units = 4}, {.kind = NN_L_RELU}, OUT(3)};
  nn_net net;
  make_net(&net, 1, 1, 5, 3, sp, 0.5, 80);
  nn_net_ws ws;
  syn_err e;
  assert_int_equal(nn_net_ws_create(&ws, &net, 2, &e), SYN_OK);
  float *x = rand_floats(10, 1, 1), *R = rand_floats(6, 1, 2);
  nn_net_forward(&net, &ws, x, 2, true, false, NULL);
  nn_net_backward(&net, &ws, 2, R, net.params);
  float *g = malloc(net.n_params * sizeof(float));
  memcpy(g, ws.grad, net.n_params * sizeof(float));
  const nn_layer *O = &net.layer[2];
  for (size_t i = 0; i < O->n_w; i++) net.fb[O->w_off + i] *= 2;
  nn_net_backward(&net, &ws, 2, R, net.fb);
  int nonzero = 0;
  for (size_t i = 0; i < net.layer[0].n_w; i++) {
    assert_close(ws.grad[i], 2 * g[i], 1e-6);
    nonzero += g[i] != 0;
  }
  assert_true(nonzero > 0);
  for (size_t i = 0; i < O->n_w; i++) assert_true(ws.grad[O->w_off + i] == g[O->w_off + i]);
  free(g);
  free(x);
  free(R);
  nn_net_ws_destroy(&ws);
  nn_net_destroy(&net);
}

/* ---------------- save / load ---------------- */
static void test_save_load(void **st) {
  (void)st;
  nn_lspec sp[] = {{.kind = NN_L_CONV, .units = 3, .k = 3, .stride = 2, .pad = NN_PAD_SAME, .bias = true},
                   {.kind = NN_L_RELU}, {.kind = NN_L_BNORM}, {.kind = NN_L_DROPOUT, .rate = 0.3},
                   {.kind = NN_L_LOCAL, .units = 2, .k = 2, .stride = 1, .pad = NN_PAD_VALID},
                   {.kind = NN_L_MAXPOOL, .k = 2, .stride = 1, .pad = NN_PAD_SAME}, OUT(4)};
  nn_net net, back;
  make_net(&net, 8, 7, 2, 7, sp, 0.3, 90);
  for (size_t i = 0; i < net.n_params; i++) net.fb[i] = net.params[i] * 0.5f - 0.125f;
  for (size_t i = 0; i < net.n_state; i++) net.state[i] = (float)i * 0.25f;
  char path[512];
  tu_path(path, sizeof path, "net.lnt");
  syn_err e;
  assert_int_equal(nn_net_save(&net, path, &e), SYN_OK);
  assert_int_equal(nn_net_load(&back, path, &e), SYN_OK);
  assert_int_equal(back.n_layers, net.n_layers);
  assert_int_equal(back.n_params, net.n_params);
  assert_memory_equal(back.params, net.params, net.n_params * sizeof(float));
  assert_memory_equal(back.fb, net.fb, net.n_params * sizeof(float));
  assert_memory_equal(back.state, net.state, net.n_state * sizeof(float));
  for (int l = 0; l < net.n_layers; l++) {
    assert_int_equal(back.layer[l].spec.kind, net.layer[l].spec.kind);
    assert_int_equal(back.layer[l].out_size, net.layer[l].out_size);
  }
  nn_net_destroy(&back);
  /* damaged copies */
  long n;
  unsigned char *b = tu_slurp(path, &n);
  char bad[512];
  tu_path(bad, sizeof bad, "bad.lnt");
  tu_spit(bad, b, (size_t)n - 7);
  assert_int_not_equal(nn_net_load(&back, bad, &e), SYN_OK);
  assert_contains(e.msg, "bad.lnt");
  b[30] ^= 0x40;
  tu_spit(bad, b, (size_t)n);
  assert_int_not_equal(nn_net_load(&back, bad, &e), SYN_OK);
  tu_spit(bad, "SYNRLNET", 8);
  assert_int_not_equal(nn_net_load(&back, bad, &e), SYN_OK);
  tu_spit(bad, "", 0);
  assert_int_not_equal(nn_net_load(&back, bad, &e), SYN_OK);
  free(b);
  nn_net_destroy(&net);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shapes_keras),
      cmocka_unit_test(test_conv_forward_direct),
      cmocka_unit_test(test_pool_bnorm_forward),
      cmocka_unit_test(test_grad_dense),
      cmocka_unit_test(test_grad_conv),
      cmocka_unit_test(test_grad_local),
      cmocka_unit_test(test_grad_pool_relu_dropout),
      cmocka_unit_test(test_grad_bnorm),
      cmocka_unit_test(test_grad_stack),
      cmocka_unit_test(test_backward_uses_feedback),
      cmocka_unit_test(test_save_load),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
