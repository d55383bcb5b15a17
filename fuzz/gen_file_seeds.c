/* Writes seed corpora for the harnesses of file formats added after the
 * first fuzzing round: small valid files of each kind.
 * usage: gen_file_seeds CORPUS_DIR (writes a seed-N file per harness directory) */
#include "synrl/train.h"
#include "synrl/learn.h"
#include "synrl/nn.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static int put(const char *dir, const char *name, const void *p, size_t n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) return perror(path), 1;
  size_t w = fwrite(p, 1, n, f);
  return fclose(f) != 0 || w != n;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: gen_file_seeds CORPUS_DIR\n"), 2;
  char d[4096];
  syn_err e = {0};
  rng_t r;
  rng_seed(&r, 7, 0);
  /* MNIST JSON: one and two images */
  snprintf(d, sizeof d, "%s/fuzz_mnist_json", argv[1]);
  mkdir(d, 0777);
  for (int imgs = 1; imgs <= 2; imgs++) {
    static char buf[64 * 1024];
    size_t n = (size_t)snprintf(buf, sizeof buf, "{\"data\": [");
    for (int i = 0; i < 784 * imgs; i++)
      n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%g", i ? "," : "", (double)(i % 11) / 10.0);
    n += (size_t)snprintf(buf + n, sizeof buf - n, "]}\n");
    char name[32];
    snprintf(name, sizeof name, "seed-%d", imgs);
    if (put(d, name, buf, n)) return 1;
  }
  /* CIFAR: one record, and two */
  snprintf(d, sizeof d, "%s/fuzz_cifar", argv[1]);
  mkdir(d, 0777);
  static unsigned char rec[2 * 3073];
  for (size_t i = 0; i < sizeof rec; i++) rec[i] = (unsigned char)(i * 37);
  rec[0] = 3;
  rec[3073] = 9;
  if (put(d, "seed-1", rec, 3073) || put(d, "seed-2", rec, sizeof rec)) return 1;
  /* layered nets: a tiny conv-bnorm-relu-pool-dense and a dense one */
  snprintf(d, sizeof d, "%s/fuzz_lnet", argv[1]);
  mkdir(d, 0777);
  nn_lspec conv[] = {{.kind = NN_L_CONV, .units = 2, .k = 3, .stride = 1, .pad = NN_PAD_SAME, .bias = true},
                     {.kind = NN_L_BNORM},
                     {.kind = NN_L_RELU},
                     {.kind = NN_L_MAXPOOL, .k = 2, .stride = 2},
                     {.kind = NN_L_DROPOUT, .rate = 0.3},
                     {.kind = NN_L_LOCAL, .units = 2, .k = 2, .stride = 1, .pad = NN_PAD_VALID},
                     {.kind = NN_L_DENSE, .units = 3}};
  nn_lspec dense[] = {{.kind = NN_L_DENSE, .units = 4, .bias = true}, {.kind = NN_L_RELU},
                      {.kind = NN_L_DENSE, .units = 2}};
  nn_net n;
  char path[4200];
  if (nn_net_create(&n, 6, 6, 1, 7, conv, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  nn_net_init_normal(&n, 0.1, &r);
  snprintf(path, sizeof path, "%s/seed-conv", d);
  if (nn_net_save(&n, path, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  nn_net_destroy(&n);
  if (nn_net_create(&n, 1, 1, 5, 3, dense, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  nn_net_init_normal(&n, 0.1, &r);
  snprintf(path, sizeof path, "%s/seed-dense", d);
  if (nn_net_save(&n, path, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  nn_net_destroy(&n);
  /* coagent: an actor (Bernoulli hidden, softmax out) and a critic */
  snprintf(d, sizeof d, "%s/fuzz_coagent", argv[1]);
  mkdir(d, 0777);
  coa_net a, c;
  int wa[3] = {4, 3, 2}, wc[3] = {4, 3, 1};
  coa_unit ua[2] = {COA_BERNOULLI, COA_SOFTMAX}, uc[2] = {COA_SOFTPLUS, COA_LINEAR};
  if (coa_net_create(&a, 2, wa, ua, NULL, NULL, &e) || coa_net_create(&c, 2, wc, uc, NULL, NULL, &e))
    return fprintf(stderr, "%s\n", e.msg), 1;
  coa_net_init(&a, &r);
  coa_net_init(&c, &r);
  const coa_net *both[2] = {&a, &c};
  snprintf(path, sizeof path, "%s/seed-1", d);
  if (coa_nets_save(both, 1, path, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  snprintf(path, sizeof path, "%s/seed-2", d);
  if (coa_nets_save(both, 2, path, &e)) return fprintf(stderr, "%s\n", e.msg), 1;
  coa_net_destroy(&a);
  coa_net_destroy(&c);
  return 0;
}
