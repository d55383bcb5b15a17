/* Writes the seed corpus of fuzz_ckpt: a checkpoint of each small run of
 * ckpt_setup.h after 4 of its 8 iterations. usage: gen_ckpt_seeds DIR */
#include "ckpt_setup.h"

#include <signal.h>
#include <stdio.h>

static void stop_at_4(void *user, const run_progress *p) {
  if (!p->final && p->iter == 4) *(volatile sig_atomic_t *)user = 1;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: gen_ckpt_seeds DIR\n"), 2;
  blas_init();
  for (int k = 0; k < FZ_N_KINDS; k++) {
    fz_run r;
    if (fz_setup(&r, k)) return 1;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.ckpt", argv[1], fz_kind_names[k]);
    volatile sig_atomic_t stop = 0;
    r.rc.ckpt_path = path;
    r.rc.stop = &stop;
    r.rc.progress = stop_at_4;
    r.rc.progress_user = (void *)&stop;
    r.rc.progress_every_s = 0;
    run_result res;
    syn_err e = {0};
    if (run_train(r.rule, &r.train, NULL, NULL, &r.rc, &res, &e) || !res.interrupted)
      return fprintf(stderr, "gen_ckpt_seeds: %s: %s\n", fz_kind_names[k], e.msg), 1;
    fz_free(&r);
  }
  return 0;
}
