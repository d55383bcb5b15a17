/* The small runs whose checkpoints fuzz_ckpt resumes (and gen_ckpt_seeds
 * writes for its corpus): synaptic RL on the general and the 8-bit path, and
 * GD, on 32 rows of 8 byte-valued inputs, 3 classes, an 8-4-3 network. */
#ifndef SYNRL_FUZZ_CKPT_SETUP_H
#define SYNRL_FUZZ_CKPT_SETUP_H

#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FZ_SYNRL_GENERAL, FZ_SYNRL_Q8, FZ_GD, FZ_N_KINDS };
static const char *const fz_kind_names[FZ_N_KINDS] = {"synrl-general", "synrl-q8", "gd"};

typedef struct fz_run {
  data_set train;
  nn_mlp net;
  synrl_policy policy;
  learn_rule *rule;
  run_config rc;
  char config[64];
} fz_run;

static inline int fz_setup(fz_run *r, int kind) {
  memset(r, 0, sizeof *r);
  data_set *d = &r->train;
  d->n = 32;
  d->in_dim = 8;
  d->out_dim = 3;
  d->x = malloc(d->n * 8 * sizeof(double));
  d->x_u8 = malloc(d->n * 8);
  d->labels = malloc(d->n * sizeof(int32_t));
  if (!d->x || !d->x_u8 || !d->labels) return -1;
  for (size_t i = 0; i < d->n * 8; i++) {
    d->x_u8[i] = (uint8_t)(i * 37 % 251);
    d->x[i] = d->x_u8[i] / 255.0;
  }
  for (size_t i = 0; i < d->n; i++) d->labels[i] = (int32_t)(i % 3);
  int widths[3] = {8, 4, 3};
  nn_act act[2] = {NN_ACT_RELU, NN_ACT_IDENTITY};
  syn_err e;
  if (nn_mlp_create(&r->net, 2, widths, act, &e)) return -1;
  rng_t g;
  rng_seed(&g, 1, 2);
  nn_mlp_init_uniform(&r->net, 0.5, &g);
  if (kind == FZ_GD) {
    gd_config gc = {.lr = 0.1};
    if (gd_create(&r->rule, &r->net, NN_LOSS_SOFTMAX_CE, &gc, 32, &e)) return -1;
  } else {
    synrl_config sc;
    synrl_config_default(&sc);
    sc.path = kind == FZ_SYNRL_Q8 ? SYNRL_PATH_Q8_FAST : SYNRL_PATH_GENERAL;
    sc.portable = true;
    sc.halve_at = 5;
    synrl_trainer *t;
    if (synrl_trainer_create(&t, &r->net, NN_LOSS_SOFTMAX_CE, &r->policy, &sc, 32, &e)) return -1;
    r->rule = &t->rule;
  }
  run_config_default(&r->rc);
  r->rc.iterations = 8;
  r->rc.batch_size = 8;
  r->rc.batch_every = 2;
  r->rc.eval_every = 3;
  r->rc.patience = 100;
  r->rc.acc = NN_ACC_ARGMAX;
  snprintf(r->config, sizeof r->config, "rule=%s\n", fz_kind_names[kind]);
  r->rc.ckpt_config = r->config;
  return 0;
}

static inline void fz_free(fz_run *r) {
  learn_rule_destroy(r->rule);
  nn_mlp_destroy(&r->net);
  data_set_free(&r->train);
}

#endif
