/* Benchmark: training time of the reference conv network (conv32 3x3 same ->
 * conv32 3x3 s2 same -> dropout -> dense 500 -> dropout -> 10; ReLU and batch
 * norm after each layer) on Fashion-MNIST, forward + backward + update per
 * batch of 128, under DeepAGREL and under backprop, extrapolated to one
 * 55,000-image epoch (or a full epoch with --full); beside it one sgemm of
 * each of the network's largest shapes, so the layer code's overhead above
 * BLAS can be read off. Times are CPU seconds of this process (the machine
 * is shared; wall time is printed beside the training times).
 *
 *   build/bench_conv [--data-dir DIR] [--batches N] [--full]
 *
 * Single-threaded (OpenBLAS runs single-threaded inside synrl). The learning
 * rate is 0.02: DeepAGREL at the reference's 0.1 diverges on Fashion-MNIST
 * within a few dozen batches (docs/results.md), and a NaN would end the timing. */
#include "synrl/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 128
#define EPOCH_ROWS 55000

static double time_sgemm(int m, int n, int k, bool ta, bool tb, int reps) {
  float *a = core_alloc((size_t)m * k * sizeof(float)), *b = core_alloc((size_t)k * n * sizeof(float)),
        *c = core_alloc((size_t)m * n * sizeof(float));
  for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)(i % 7) * 0.1f;
  for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)(i % 5) * 0.1f;
  int lda = ta ? m : k, ldb = tb ? k : n;
  blas_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n); /* warm up */
  /* CPU time: on a shared machine wall time mostly measures the neighbours */
  double t0 = core_cpu_seconds();
  for (int r = 0; r < reps; r++) blas_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
  double t = (core_cpu_seconds() - t0) / reps;
  core_free(a);
  core_free(b);
  core_free(c);
  return t;
}

int main(int argc, char **argv) {
  blas_init();
  const char *dir = "/usr/share/datasets/fashion-mnist";
  long batches = 100;
  bool full = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc)
      dir = argv[++i];
    else if (strcmp(argv[i], "--batches") == 0 && i + 1 < argc)
      batches = atol(argv[++i]);
    else if (strcmp(argv[i], "--full") == 0)
      full = true;
    else {
      fprintf(stderr, "usage: bench_conv [--data-dir DIR] [--batches N] [--full]\n");
      return 2;
    }
  }
  if (batches < 1) batches = 1;
  char ip[4200], lp[4200];
  snprintf(ip, sizeof ip, "%s/train-images-idx3-ubyte.gz", dir);
  snprintf(lp, sizeof lp, "%s/train-labels-idx1-ubyte.gz", dir);
  data_set d;
  syn_err e;
  if (data_images_load(&d, ip, lp, EPOCH_ROWS, 10, &e)) {
    fprintf(stderr, "bench_conv: %s\n", e.msg);
    return 1;
  }
  const size_t rows = full ? d.n : (size_t)batches * BATCH < d.n ? (size_t)batches * BATCH : d.n;
  float *x = core_alloc(rows * 784 * sizeof(float));
  for (size_t i = 0; i < rows * 784; i++) x[i] = (float)d.x[i];
  printf("bench_conv: %s; conv network, batch %d, 1 thread, %zu images timed\n", blas_describe(),
         BATCH, rows);
  nn_lspec sp[NN_NET_MAX_LAYERS];
  int nl;
  cls_net_specs("conv", 10, sp, &nl, &e);
  for (int rule = 0; rule < 2; rule++) {
    nn_net net;
    if (nn_net_create(&net, 28, 28, 1, nl, sp, &e)) {
      fprintf(stderr, "bench_conv: %s\n", e.msg);
      return 1;
    }
    rng_t r;
    rng_seed(&r, 1, 1);
    nn_net_init_normal(&net, 0.005, &r);
    nn_net_ws ws;
    nn_net_ws_create(&ws, &net, BATCH, &e);
    agrel_config ac;
    agrel_config_default(&ac);
    agrel_step_info info;
    double t0 = core_now(), c0 = core_cpu_seconds();
    for (size_t b0 = 0; b0 < rows; b0 += BATCH) {
      size_t m = rows - b0 < BATCH ? rows - b0 : BATCH;
      syn_status s = rule == 0 ? agrel_step(&net, &ws, &ac, x + b0 * 784, d.labels + b0, m, 0.02f,
                                            &r, &info, &e)
                               : netbp_step(&net, &ws, x + b0 * 784, d.labels + b0, m, 0.02f, &r,
                                            &info, &e);
      if (s) {
        fprintf(stderr, "bench_conv: %s\n", e.msg);
        return 1;
      }
    }
    double wall = core_now() - t0, cpu = core_cpu_seconds() - c0;
    double per = cpu / (double)rows;
    /* inference over the same rows: the per-epoch validation cost */
    double t1 = core_cpu_seconds();
    cls_accuracy(&net, &ws, x, d.labels, rows);
    double inf = (core_cpu_seconds() - t1) / (double)rows;
    printf("  %-9s train %.3f ms/image CPU (wall %.3f) -> %.1f CPU-s per %d-image epoch; "
           "inference %.3f ms/image\n",
           rule == 0 ? "agrel" : "backprop", 1e3 * per, 1e3 * wall / (double)rows,
           per * EPOCH_ROWS, EPOCH_ROWS, 1e3 * inf);
    nn_net_ws_destroy(&ws);
    nn_net_destroy(&net);
  }
  /* the same shapes through sgemm alone (batch 128): conv2 forward (im2col'd),
   * conv2 weight gradient, dense 6272 -> 500 forward */
  struct {
    const char *what;
    int m, n, k;
    bool ta, tb;
  } g[] = {{"conv2 fwd  (25088x288)*(288x32)", BATCH * 196, 32, 288, false, false},
           {"conv2 dW   (288x25088)*(25088x32)", 288, 32, BATCH * 196, true, false},
           {"conv2 dX   (25088x32)*(32x288)", BATCH * 196, 288, 32, false, true},
           {"dense fwd  (128x6272)*(6272x500)", BATCH, 500, 6272, false, false},
           {"dense dW   (6272x128)*(128x500)", 6272, 500, BATCH, true, false},
           {"dense dX   (128x500)*(500x6272)", BATCH, 6272, 500, false, true}};
  double total = 0;
  for (size_t i = 0; i < sizeof g / sizeof *g; i++) {
    double t = time_sgemm(g[i].m, g[i].n, g[i].k, g[i].ta, g[i].tb, 20);
    total += t;
    printf("  sgemm %-34s %.3f ms  %.1f GFLOP/s\n", g[i].what, 1e3 * t,
           2.0 * g[i].m * g[i].n * g[i].k / t * 1e-9);
  }
  printf("  these six sgemms per batch: %.3f ms/image -> %.1f CPU-s per %d-image epoch\n",
         1e3 * total / BATCH, total / BATCH * EPOCH_ROWS, EPOCH_ROWS);
  core_free(x);
  data_set_free(&d);
  return 0;
}
