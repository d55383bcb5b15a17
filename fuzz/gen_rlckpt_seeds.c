/* Writes the seed corpus of fuzz_rlckpt: a checkpoint of each small run of
 * rl_ckpt_setup.h, interrupted at its second episode. usage: gen_rlckpt_seeds DIR */
#include "rl_ckpt_setup.h"

#include <stdio.h>

static void stop_at_2(void *user, long ep, long steps, double ret) {
  if (ep == 2) *(volatile sig_atomic_t *)user = 1;
}

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: gen_rlckpt_seeds DIR\n"), 2;
  for (int k = 0; k < FZR_N_KINDS; k++) {
    agent_config c;
    fzr_setup(&c, k);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.ckpt", argv[1], fzr_kind_names[k]);
    volatile sig_atomic_t stop = 0;
    c.ckpt_path = path;
    c.stop = &stop;
    c.on_episode = stop_at_2;
    c.user = (void *)&stop;
    coa_net a, cr;
    agent_result res;
    syn_err e = {0};
    if (agent_run(&c, &a, &cr, &res, &e) || !res.interrupted)
      return fprintf(stderr, "gen_rlckpt_seeds: %s: %s\n", fzr_kind_names[k], e.msg), 1;
    coa_net_destroy(&a);
    if (c.use_critic) coa_net_destroy(&cr);
  }
  return 0;
}
