/* Benchmark: one synaptic-RL iteration (policy step for every synapse + loss on
 * the minibatch + reward) for the paper's two OCR networks on real
 * Fashion-MNIST pixels, beside one OpenBLAS SGEMM of the first layer's shape
 * and one full-batch gradient-descent epoch of each network.
 *
 *   build/bench_synrl [--data-dir DIR] [--iters N] [--threads T] [--csv FILE]
 *
 * All ratios are measured in this one run on this machine. */
#include "synrl/train.h"
#include "learn/synrl_q8.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 5000

typedef struct result {
  const char *name;
  double ms;
} result;

static double time_synrl(const data_set *bat, int hidden, synrl_path path, const synrl_policy *pol,
                         long iters, double *loss_out) {
  int widths[3] = {bat->in_dim, hidden, 10};
  nn_act act[2] = {NN_ACT_RELU, NN_ACT_IDENTITY};
  if (!hidden) {
    widths[1] = 10;
    act[0] = NN_ACT_IDENTITY;
  }
  nn_mlp net;
  syn_err e;
  if (nn_mlp_create(&net, hidden ? 2 : 1, widths, act, &e)) return NAN;
  rng_t r;
  rng_seed(&r, 1, 1);
  nn_mlp_init_uniform(&net, 0.1, &r);
  synrl_policy p = *pol;
  synrl_config c;
  synrl_config_default(&c);
  c.adaptive = false;
  c.epsilon = 0.1;
  c.alpha_s = 1e-4;
  c.path = path;
  synrl_trainer *t;
  if (synrl_trainer_create(&t, &net, NN_LOSS_SOFTMAX_CE, &p, &c, BATCH, &e)) {
    fprintf(stderr, "bench: %s\n", e.msg);
    exit(1);
  }
  nn_batch b = data_set_batch(bat);
  if (t->rule.set_batch(&t->rule, &b, &e)) {
    fprintf(stderr, "bench: %s\n", e.msg);
    exit(1);
  }
  learn_step_info info;
  long warm = iters / 10 + 1, it = 0;
  for (long i = 1; i <= warm; i++) t->rule.step(&t->rule, ++it, &info, &e);
  /* the best of three blocks: robust to other work on the machine */
  double dt = INFINITY;
  long block = (iters + 2) / 3;
  for (int rep = 0; rep < 3; rep++) {
    double t0 = core_now();
    for (long i = 0; i < block; i++) t->rule.step(&t->rule, ++it, &info, &e);
    double d = core_now() - t0;
    if (d < dt) dt = d;
  }
  iters = block;
  *loss_out = info.loss;
  learn_rule_destroy(&t->rule);
  nn_mlp_destroy(&net);
  return 1e3 * dt / (double)iters;
}

/* One SGEMM of the first layer's shape (OpenBLAS, `threads` threads). */
static double time_sgemm(int m, int k, int n, int threads) {
  float *a = malloc(sizeof(float) * (size_t)m * k), *b = malloc(sizeof(float) * (size_t)k * n),
        *c = malloc(sizeof(float) * (size_t)m * n);
  for (size_t i = 0; i < (size_t)m * k; i++) a[i] = (float)(i % 255) / 255.0f;
  for (size_t i = 0; i < (size_t)k * n; i++) b[i] = (float)((int)(i % 7) - 3) * 0.01f;
  extern void openblas_set_num_threads(int);
  openblas_set_num_threads(threads);
  blas_sgemm(false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
  double dt = INFINITY; /* the best of 30 */
  for (int i = 0; i < 30; i++) {
    double t0 = core_now();
    blas_sgemm(false, false, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
    double d = core_now() - t0;
    if (d < dt) dt = d;
  }
  openblas_set_num_threads(1);
  free(a);
  free(b);
  free(c);
  return 1e3 * dt;
}

static double time_gd_epoch(const data_set *train, int hidden) {
  int widths[3] = {train->in_dim, hidden ? hidden : 10, 10};
  nn_act act[2] = {hidden ? NN_ACT_RELU : NN_ACT_IDENTITY, NN_ACT_IDENTITY};
  nn_mlp net;
  syn_err e;
  nn_mlp_create(&net, hidden ? 2 : 1, widths, act, &e);
  rng_t r;
  rng_seed(&r, 1, 1);
  nn_mlp_init_uniform(&net, 0.1, &r);
  learn_rule *g;
  gd_config gc = {.lr = 0.1};
  gd_create(&g, &net, NN_LOSS_SOFTMAX_CE, &gc, train->n, &e);
  nn_batch b = data_set_batch(train);
  g->set_batch(g, &b, &e);
  learn_step_info info;
  g->step(g, 1, &info, &e);
  double dt = INFINITY; /* the best of 5 */
  for (int i = 0; i < 5; i++) {
    double t0 = core_now();
    g->step(g, 2 + i, &info, &e);
    double d = core_now() - t0;
    if (d < dt) dt = d;
  }
  learn_rule_destroy(g);
  nn_mlp_destroy(&net);
  return 1e3 * dt;
}

int main(int argc, char **argv) {
  const char *dir = "/usr/share/datasets/fashion-mnist", *csv = NULL;
  long iters = 2000;
  int threads = 0, only_fast = 0, only_hidden = -1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--data-dir") && i + 1 < argc) dir = argv[++i];
    else if (!strcmp(argv[i], "--iters") && i + 1 < argc) iters = atol(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--csv") && i + 1 < argc) csv = argv[++i];
    else if (!strcmp(argv[i], "--fast-only")) only_fast = 1;
    else if (!strcmp(argv[i], "--hidden") && i + 1 < argc) only_hidden = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: bench_synrl [--data-dir DIR] [--iters N] [--threads T] [--csv FILE] [--fast-only] [--hidden 0|32]\n");
      return 2;
    }
  }
  if (iters < 10) iters = 10;
  blas_init();
  core_set_threads(threads);
  char ip[4096], lp[4096];
  snprintf(ip, sizeof ip, "%s/train-images-idx3-ubyte.gz", dir);
  snprintf(lp, sizeof lp, "%s/train-labels-idx1-ubyte.gz", dir);
  syn_err e;
  data_set all, train, valid, bat;
  if (data_images_load(&all, ip, lp, 18720, 10, &e) ||
      data_split_random(&all, 0.25, 1, &train, &valid, &e)) {
    fprintf(stderr, "bench_synrl: %s\n", e.msg);
    return 1;
  }
  uint32_t *idx = malloc(BATCH * sizeof *idx);
  for (uint32_t i = 0; i < BATCH; i++) idx[i] = i;
  data_set_subset(&bat, &train, idx, BATCH, &e);
  free(idx);
  synrl_policy pol;
  char pp[4096];
  snprintf(pp, sizeof pp, "%s/data/policies/authors-golden.tsv", SYNRL_SOURCE_DIR);
  if (synrl_policy_read(&pol, pp, &e)) {
    fprintf(stderr, "bench_synrl: %s\n", e.msg);
    return 1;
  }
  printf("synrl benchmark: batch %d of Fashion-MNIST, %d threads, 8-bit kernel %s\n", BATCH,
         core_threads(), core_cpu_has_vnni() ? "avx512-vnni" : "portable");
  double sg1 = time_sgemm(BATCH, 785, 32, 1), sg2 = time_sgemm(BATCH, 785, 32, core_threads());
  printf("OpenBLAS SGEMM %dx785 . 785x32 (the first layer's shape): %.3f ms at 1 thread, %.3f ms at %d\n",
         BATCH, sg1, sg2, core_threads());
  printf("\n%-34s %10s %10s %14s %10s\n", "synaptic-RL iteration", "ms/iter", "iter/s",
         "/ 1-thr SGEMM", "loss");
  FILE *cf = csv ? fopen(csv, "w") : NULL;
  if (cf) fprintf(cf, "case,ms_per_iter,iters_per_sec,ratio_to_sgemm\n");
  int hs[2] = {0, 32};
  synrl_path paths[3] = {SYNRL_PATH_Q8_FAST, SYNRL_PATH_GENERAL, SYNRL_PATH_Q8_REF};
  for (int h = 0; h < 2; h++)
    for (int p = 0; only_hidden >= 0 && only_hidden != hs[h] ? 0 : p < (only_fast ? 1 : 3); p++) {
      long n = paths[p] == SYNRL_PATH_Q8_FAST ? iters : iters / 20 + 5;
      double loss = NAN;
      double ms = time_synrl(&bat, hs[h], paths[p], &pol, n, &loss);
      char name[64];
      snprintf(name, sizeof name, "%s HU, path %s", hs[h] ? "32" : "0", synrl_path_name(paths[p]));
      printf("%-34s %10.4f %10.0f %13.3fx %10.6f\n", name, ms, 1e3 / ms, ms / sg1, loss);
      if (cf) fprintf(cf, "%s,%.6f,%.1f,%.6f\n", name, ms, 1e3 / ms, ms / sg1);
    }
  printf("\n%-34s %10s\n", "gradient descent, full batch", "ms/epoch");
  for (int h = 0; h < 2 && !only_fast; h++) {
    double ms = time_gd_epoch(&train, hs[h]);
    printf("%-34s %10.3f   (%zu examples)\n", hs[h] ? "32 HU epoch" : "0 HU epoch", ms, train.n);
    if (cf) fprintf(cf, "gd %s HU epoch,%.6f,,\n", hs[h] ? "32" : "0", ms);
  }
  printf("\npeak memory: %.1f MiB\n", core_peak_rss_kib() / 1024.0);
  if (cf) fclose(cf);
  data_set_free(&all);
  data_set_free(&train);
  data_set_free(&valid);
  data_set_free(&bat);
  return 0;
}
