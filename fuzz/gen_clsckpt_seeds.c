/* Writes the seed corpus of fuzz_clsckpt: a checkpoint of each small run of
 * cls_ckpt_setup.h, its last checkpoint (every 7 minibatches: the third epoch, mid-way).
 * usage: gen_clsckpt_seeds DIR */
#include "cls_ckpt_setup.h"

#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: gen_clsckpt_seeds DIR\n"), 2;
  for (int k = 0; k < FZC_N_KINDS; k++) {
    fzc_run f;
    if (fzc_setup(&f, k)) return fprintf(stderr, "gen_clsckpt_seeds: setup failed\n"), 1;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.ckpt", argv[1], fzc_kind_names[k]);
    f.c.ckpt_path = path;
    f.c.ckpt_every = 7;
    cls_result res;
    syn_err e = {0};
    if (cls_train(&f.net, &f.tr, &f.va, NULL, &f.c, &res, &e))
      return fprintf(stderr, "gen_clsckpt_seeds: %s\n", e.msg), 1;
    fzc_free(&f);
  }
  return 0;
}
