/* The tasks of synrl train: the paper's 2D decision boundary and image
 * classification (Fashion-MNIST IDX files), with the network shape they give. */
#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mlp_task_config_default(mlp_task_config *t) {
  memset(t, 0, sizeof *t);
  t->task = "boundary2d";
  t->hidden = "100";
  t->act = "tanh";
  t->out_act = "auto";
  t->loss = "auto";
  t->init_range = 1.0;
  t->points = 2000;
  t->valid_points = 2000;
  t->data_dir = DATA_FASHION_MNIST_DIR;
  t->protocol = "paper";
  t->n_images = 18720;
  t->valid_frac = 0.25;
}

void mlp_task_free(mlp_task *d) {
  data_set_free(&d->train);
  data_set_free(&d->valid);
  data_set_free(&d->test);
  if (d->has_target) nn_mlp_destroy(&d->target);
  memset(d, 0, sizeof *d);
}

/* DIR/STEM.gz, else DIR/STEM: the one that opens goes to out. */
/* idx_find (one implementation: .gz first, raw and .gz that differ refused),
 * with an absent file told apart from an error. */
static syn_status find_idx(const char *dir, const char *stem, char *out, size_t n, bool *found,
                           syn_err *e) {
  syn_err quiet = {0};
  syn_status s = idx_find(out, n, dir, stem, &quiet);
  *found = s == SYN_OK;
  if (s != SYN_ERR_FORMAT) return SYN_OK;
  if (e) *e = quiet;
  return s;
}

syn_status mlp_hidden_parse(const char *s, int *widths, int *n, syn_err *e) {
  *n = 0;
  if (!s || !*s || strcmp(s, "0") == 0 || strcmp(s, "none") == 0) return SYN_OK;
  for (const char *p = s; *p;) {
    char *end;
    long w = strtol(p, &end, 10);
    if (end == p || w < 1 || w > 100000 || (*end && (*end != ',' || !end[1])))
      return syn_err_set(e, SYN_ERR_ARG,
                         "hidden: '%s' is not a comma-separated list of widths in [1, 100000]", s);
    if (*n >= NN_MAX_LAYERS - 1)
      return syn_err_set(e, SYN_ERR_ARG, "hidden: at most %d hidden layers", NN_MAX_LAYERS - 1);
    widths[(*n)++] = (int)w;
    p = *end ? end + 1 : end;
  }
  return SYN_OK;
}

static syn_status load_images(mlp_task *d, const mlp_task_config *t, uint64_t seed, syn_err *e) {
  bool have_images, have_labels;
  syn_status fs = find_idx(t->data_dir, "train-images-idx3-ubyte", d->train_images,
                           sizeof d->train_images, &have_images, e);
  if (!fs) fs = find_idx(t->data_dir, "train-labels-idx1-ubyte", d->train_labels,
                         sizeof d->train_labels, &have_labels, e);
  if (fs) return fs;
  if (!have_images || !have_labels)
    return syn_err_set(e, SYN_ERR_IO,
                       "data-dir: %s: no train-images-idx3-ubyte[.gz] and "
                       "train-labels-idx1-ubyte[.gz] there (apt-get install dataset-fashion-mnist)",
                       t->data_dir);
  const bool paper = strcmp(t->protocol, "paper") == 0;
  data_set all;
  syn_status s = data_images_load(&all, d->train_images, d->train_labels,
                                  paper ? (size_t)t->n_images : 0, 10, e);
  if (s) return s;
  if (paper) {
    d->split_seed = t->split_seed ? t->split_seed : seed;
    s = data_split_random(&all, t->valid_frac, d->split_seed, &d->train, &d->valid, e);
    data_set_free(&all);
    if (s) return s;
  } else {
    d->train = all;
  }
  /* the official test set is reported for both protocols, when it is there */
  if ((fs = find_idx(t->data_dir, "t10k-images-idx3-ubyte", d->test_images, sizeof d->test_images,
                     &have_images, e)) ||
      (fs = find_idx(t->data_dir, "t10k-labels-idx1-ubyte", d->test_labels, sizeof d->test_labels,
                     &have_labels, e)))
    return fs;
  if (have_images && have_labels) {
    if ((s = data_images_load(&d->test, d->test_images, d->test_labels, 0, 10, e))) return s;
    if (d->test.in_dim != d->train.in_dim)
      return syn_err_set(e, SYN_ERR_FORMAT, "%s: image size differs from the training images",
                         d->test_images);
  } else {
    d->test_images[0] = d->test_labels[0] = 0;
  }
  d->acc = NN_ACC_ARGMAX;
  return SYN_OK;
}

static syn_status check_choice(const char *name, const char *v, const char *const *ok, syn_err *e) {
  for (; v && *ok; ok++)
    if (strcmp(v, *ok) == 0) return SYN_OK;
  return syn_err_set(e, SYN_ERR_ARG, "%s: '%s' is not a valid choice", name, v ? v : "(none)");
}

syn_status mlp_task_prepare(mlp_task *d, const mlp_task_config *t, uint64_t seed, syn_err *e) {
  memset(d, 0, sizeof *d);
  static const char *const tasks[] = {"boundary2d", "images", NULL};
  static const char *const protocols[] = {"paper", "official", NULL};
  syn_status s = check_choice("task", t->task, tasks, e);
  if (!s) s = check_choice("protocol", t->protocol, protocols, e);
  nn_act ha, oa;
  nn_loss loss_kind;
  const bool images = !s && strcmp(t->task, "images") == 0;
  const char *loss = t->loss && strcmp(t->loss, "auto") ? t->loss : images ? "softmax-ce" : "euclid";
  const char *out_act = t->out_act && strcmp(t->out_act, "auto") ? t->out_act
                        : images                                 ? "identity"
                                                                 : "tanh";
  if (!s && (!t->act || nn_act_parse(t->act, &ha)))
    s = syn_err_set(e, SYN_ERR_ARG, "act: '%s' is not an activation", t->act ? t->act : "");
  if (!s && nn_act_parse(out_act, &oa))
    s = syn_err_set(e, SYN_ERR_ARG, "out-act: '%s' is not an activation", out_act);
  if (!s && nn_loss_parse(loss, &loss_kind))
    s = syn_err_set(e, SYN_ERR_ARG, "loss: '%s' is not a loss", loss);
  if (!s && loss_kind == NN_LOSS_SOFTMAX_CE && !images)
    s = syn_err_set(e, SYN_ERR_ARG, "loss: softmax-ce needs a classification task (task images)");
  if (!s && loss_kind != NN_LOSS_SOFTMAX_CE && images)
    s = syn_err_set(e, SYN_ERR_ARG, "loss: %s: images are trained with softmax-ce", loss);
  int hidden[NN_MAX_LAYERS], nh = 0;
  if (!s) s = mlp_hidden_parse(t->hidden, hidden, &nh, e);
  if (s) return s;
  if (images) {
    s = load_images(d, t, seed, e);
  } else {
    boundary2d_config bc;
    boundary2d_config_default(&bc);
    bc.seed = d->boundary_seed = t->boundary_seed ? t->boundary_seed : seed;
    bc.n_train = (size_t)t->points;
    bc.n_valid = (size_t)t->valid_points;
    s = boundary2d_make(&bc, &d->target, &d->train, &d->valid, e);
    d->has_target = !s;
    d->acc = NN_ACC_SIGN;
  }
  if (s) {
    mlp_task_free(d);
    return s;
  }
  d->loss = loss_kind;
  d->n_layers = nh + 1;
  d->widths[0] = d->train.in_dim;
  for (int i = 0; i < nh; i++) d->widths[i + 1] = hidden[i];
  d->widths[nh + 1] = d->train.out_dim;
  for (int i = 0; i < nh; i++) d->act[i] = ha;
  d->act[nh] = oa;
  return SYN_OK;
}
