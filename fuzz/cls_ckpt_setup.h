/* The small classification runs whose checkpoints fuzz_clsckpt resumes (and
 * gen_clsckpt_seeds writes for its corpus): 12x12 images of 4 classes, a
 * conv - batch norm - dropout - dense net with feedback weights drawn apart
 * from the forward ones, trained by DeepAGREL and by backprop. */
#ifndef SYNRL_FUZZ_CLS_CKPT_SETUP_H
#define SYNRL_FUZZ_CLS_CKPT_SETUP_H

#include "synrl/train.h"

#include <string.h>

enum { FZC_AGREL, FZC_BACKPROP, FZC_N_KINDS };
static const char *const fzc_kind_names[FZC_N_KINDS] = {"cls-agrel", "cls-backprop"};

typedef struct fzc_run {
  data_set tr, va;
  nn_net net;
  cls_config c;
} fzc_run;

/* rows whose pixels are brighter in the columns of their class */
static inline int fzc_images(data_set *d, size_t n, uint64_t seed) {
  memset(d, 0, sizeof *d);
  d->n = n;
  d->in_dim = 144;
  d->out_dim = 4;
  d->x = core_alloc(n * 144 * sizeof(double));
  d->labels = core_alloc(n * sizeof(int32_t));
  if (!d->x || !d->labels) return -1;
  rng_t r;
  rng_seed(&r, seed, 9);
  for (size_t i = 0; i < n; i++) {
    d->labels[i] = (int32_t)(i % 4);
    for (int k = 0; k < 144; k++) d->x[i * 144 + k] = 0.5 * rng_uniform(&r) + (k % 4 == (int)(i % 4) ? 0.5 : 0);
  }
  return 0;
}

/* 0: ready; -1: out of memory or a setup error (not the input's fault) */
static inline int fzc_setup(fzc_run *f, int kind) {
  memset(f, 0, sizeof *f);
  if (fzc_images(&f->tr, 40, 1) || fzc_images(&f->va, 12, 2)) return -1;
  const nn_lspec sp[] = {{.kind = NN_L_CONV, .units = 3, .k = 3, .stride = 2, .pad = NN_PAD_SAME},
                         {.kind = NN_L_RELU}, {.kind = NN_L_BNORM},
                         {.kind = NN_L_DROPOUT, .rate = 0.2},
                         {.kind = NN_L_DENSE, .units = 4}};
  syn_err e;
  if (nn_net_create(&f->net, 12, 12, 1, 5, sp, &e)) return -1;
  rng_t r;
  rng_seed(&r, 4, 1);
  nn_net_init_normal(&f->net, 0.1, &r);
  rng_seed(&r, 4, 2);
  for (size_t k = 0; k < f->net.n_params; k++) f->net.fb[k] = (float)(0.1 * (rng_uniform(&r) - 0.5));
  if (cls_config_preset(&f->c, "conv", &e)) return -1;
  f->c.rule = kind == FZC_AGREL ? CLS_RULE_AGREL : CLS_RULE_BACKPROP;
  f->c.seed = 5;
  f->c.batch = 8; /* 5 minibatches an epoch */
  f->c.max_epochs = 3;
  f->c.halve_every = 2;
  f->c.patience = 2;
  f->c.warmup_steps = 3;
  f->c.agrel.clip_norm = 5;
  f->c.ckpt_config = fzc_kind_names[kind];
  return 0;
}

static inline void fzc_free(fzc_run *f) {
  data_set_free(&f->tr);
  data_set_free(&f->va);
  nn_net_destroy(&f->net);
}

/* Resumes each run from path. Returns how many ran to their end, or -1 if
 * one broke a property: an error must say something. */
static inline int fzc_resume_all(const char *path) {
  int resumed = 0;
  for (int k = 0; k < FZC_N_KINDS; k++) {
    fzc_run f;
    if (fzc_setup(&f, k)) {
      fzc_free(&f);
      continue;
    }
    f.c.resume_path = path;
    cls_result res;
    syn_err e = {0};
    syn_status s = cls_train(&f.net, &f.tr, &f.va, NULL, &f.c, &res, &e);
    fzc_free(&f);
    if (s == SYN_OK)
      resumed++;
    else if (!e.msg[0])
      return -1;
  }
  return resumed;
}

#endif
