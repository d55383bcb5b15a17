#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void task_opts_default(task_opts *t) {
  memset(t, 0, sizeof *t);
  t->task = "boundary2d";
  t->hidden = "100";
  t->act = "tanh";
  t->out_act = "auto";
  t->loss = "auto";
  t->init_range = 1.0;
  t->points = 2000;
  t->valid_points = 2000;
  t->data_dir = "/usr/share/datasets/fashion-mnist";
  t->protocol = "paper";
  t->n_images = 18720;
  t->valid_frac = 0.25;
}

int task_opts_specs(task_opts *t, opt_spec *s, int n) {
  opt_spec add[] = {
      {"task", OPT_CHOICE, &t->task, 0, 0, "boundary2d|images", "task"},
      {"hidden", OPT_STR, &t->hidden, 0, 0, NULL, "hidden layer widths, comma-separated (0: none)"},
      {"act", OPT_CHOICE, &t->act, 0, 0, "tanh|relu|sigmoid|identity", "hidden activation"},
      {"out-act", OPT_CHOICE, &t->out_act, 0, 0, "auto|tanh|relu|sigmoid|identity",
       "output activation (auto: tanh for boundary2d, identity for images)"},
      {"loss", OPT_CHOICE, &t->loss, 0, 0, "auto|euclid|mse|softmax-ce",
       "loss (auto: euclid for boundary2d, softmax-ce for images)"},
      {"init-range", OPT_DOUBLE, &t->init_range, 0, 100, NULL, "initial weights U[-r, r], biases 0"},
      {"boundary-seed", OPT_U64, &t->boundary_seed, 0, 0, NULL,
       "boundary2d: seed of the target boundary and points (0: the run's seed)"},
      {"points", OPT_LONG, &t->points, 1, 10000000, NULL, "boundary2d: training points"},
      {"valid-points", OPT_LONG, &t->valid_points, 0, 10000000, NULL,
       "boundary2d: held-out points from the same boundary"},
      {"data-dir", OPT_STR, &t->data_dir, 0, 0, NULL,
       "images: folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]"},
      {"protocol", OPT_CHOICE, &t->protocol, 0, 0, "paper|official",
       "images: paper (first N training images, random split) or official train/test"},
      {"n-images", OPT_LONG, &t->n_images, 1, 100000000, NULL, "images, paper protocol: first N images"},
      {"valid-frac", OPT_DOUBLE, &t->valid_frac, 0, 0.99, NULL,
       "images, paper protocol: probability an image goes to validation"},
      {"split-seed", OPT_U64, &t->split_seed, 0, 0, NULL,
       "images, paper protocol: seed of the split (0: the run's seed)"},
  };
  for (size_t i = 0; i < sizeof add / sizeof *add; i++) s[n++] = add[i];
  return n;
}

void task_free(task_data *d) {
  data_set_free(&d->train);
  data_set_free(&d->valid);
  data_set_free(&d->test);
  if (d->has_target) nn_mlp_destroy(&d->target);
  memset(d, 0, sizeof *d);
}

static int find_idx(const char *dir, const char *stem, char *out, size_t n) {
  snprintf(out, n, "%s/%s.gz", dir, stem);
  FILE *f = fopen(out, "rb");
  if (!f) {
    snprintf(out, n, "%s/%s", dir, stem);
    f = fopen(out, "rb");
  }
  if (f) fclose(f);
  return f ? 0 : -1;
}

int task_parse_hidden(const char *prog, const char *s, int *widths, int *n) {
  *n = 0;
  if (!*s || strcmp(s, "0") == 0 || strcmp(s, "none") == 0) return 0;
  const char *p = s;
  while (*p) {
    char *end;
    long w = strtol(p, &end, 10);
    if (end == p || w < 1 || w > 100000 || (*end && (*end != ',' || !end[1]))) {
      fprintf(stderr, "%s: --hidden: '%s' is not a comma-separated list of widths in [1, 100000]\n",
              prog, s);
      return 2;
    }
    if (*n >= NN_MAX_LAYERS - 1) {
      fprintf(stderr, "%s: --hidden: at most %d hidden layers\n", prog, NN_MAX_LAYERS - 1);
      return 2;
    }
    widths[(*n)++] = (int)w;
    p = *end ? end + 1 : end;
  }
  return 0;
}

int task_prepare(const char *prog, const task_opts *t, uint64_t seed, task_data *d) {
  memset(d, 0, sizeof *d);
  syn_err e = {0};
  bool images = strcmp(t->task, "images") == 0;
  int hidden[NN_MAX_LAYERS], nh;
  if (task_parse_hidden(prog, t->hidden, hidden, &nh)) return 2;
  if (images) {
    char ip[4096], lp[4096];
    const char *stem_i = "train-images-idx3-ubyte", *stem_l = "train-labels-idx1-ubyte";
    if (find_idx(t->data_dir, stem_i, ip, sizeof ip) || find_idx(t->data_dir, stem_l, lp, sizeof lp)) {
      fprintf(stderr, "%s: --data-dir %s: no %s[.gz] and %s[.gz] there (apt-get install dataset-fashion-mnist)\n",
              prog, t->data_dir, stem_i, stem_l);
      return 1;
    }
    data_set all;
    size_t limit = strcmp(t->protocol, "paper") == 0 ? (size_t)t->n_images : 0;
    if (data_images_load(&all, ip, lp, limit, 10, &e)) {
      fprintf(stderr, "%s: %s\n", prog, e.msg);
      return 1;
    }
    if (strcmp(t->protocol, "paper") == 0) {
      syn_status s = data_split_random(&all, t->valid_frac, t->split_seed ? t->split_seed : seed,
                                       &d->train, &d->valid, &e);
      data_set_free(&all);
      if (s) {
        fprintf(stderr, "%s: %s\n", prog, e.msg);
        return 1;
      }
    } else {
      d->train = all;
    }
    /* the official test set is reported for both protocols */
    char tip[4096], tlp[4096];
    if (!find_idx(t->data_dir, "t10k-images-idx3-ubyte", tip, sizeof tip) &&
        !find_idx(t->data_dir, "t10k-labels-idx1-ubyte", tlp, sizeof tlp)) {
      if (data_images_load(&d->test, tip, tlp, 0, 10, &e)) {
        fprintf(stderr, "%s: %s\n", prog, e.msg);
        task_free(d);
        return 1;
      }
      if (d->test.in_dim != d->train.in_dim) {
        fprintf(stderr, "%s: %s: image size differs from the training images\n", prog, tip);
        task_free(d);
        return 1;
      }
    }
    d->acc = NN_ACC_ARGMAX;
  } else {
    boundary2d_config bc;
    boundary2d_config_default(&bc);
    bc.seed = t->boundary_seed ? t->boundary_seed : seed;
    bc.n_train = (size_t)t->points;
    bc.n_valid = (size_t)t->valid_points;
    if (boundary2d_make(&bc, &d->target, &d->train, &d->valid, &e)) {
      fprintf(stderr, "%s: %s\n", prog, e.msg);
      return 1;
    }
    d->has_target = true;
    d->acc = NN_ACC_SIGN;
  }
  const char *loss = strcmp(t->loss, "auto") ? t->loss : images ? "softmax-ce" : "euclid";
  nn_loss_parse(loss, &d->loss);
  if (d->loss == NN_LOSS_SOFTMAX_CE && !images) {
    fprintf(stderr, "%s: --loss softmax-ce needs a classification task (--task images)\n", prog);
    task_free(d);
    return 2;
  }
  if (d->loss != NN_LOSS_SOFTMAX_CE && images) {
    fprintf(stderr, "%s: --loss %s: images are trained with softmax-ce\n", prog, loss);
    task_free(d);
    return 2;
  }
  d->n_layers = nh + 1;
  d->widths[0] = d->train.in_dim;
  for (int i = 0; i < nh; i++) d->widths[i + 1] = hidden[i];
  d->widths[nh + 1] = d->train.out_dim;
  nn_act ha, oa;
  nn_act_parse(t->act, &ha);
  nn_act_parse(strcmp(t->out_act, "auto") ? t->out_act : images ? "identity" : "tanh", &oa);
  for (int i = 0; i < nh; i++) d->act[i] = ha;
  d->act[nh] = oa;
  return 0;
}
