#include "synrl/data.h"

#include <stdlib.h>
#include <string.h>

void data_set_free(data_set *d) {
  core_free(d->x);
  core_free(d->x_u8);
  core_free(d->labels);
  core_free(d->targets);
  memset(d, 0, sizeof *d);
}

syn_status data_set_alloc(data_set *d, size_t n, int in_dim, int classes, syn_err *e) {
  memset(d, 0, sizeof *d);
  d->n = n;
  d->in_dim = in_dim;
  d->out_dim = classes;
  d->x = core_alloc((n * (size_t)in_dim + 1) * sizeof(double));
  d->labels = core_alloc((n + 1) * sizeof(int32_t));
  if (!d->x || !d->labels) {
    data_set_free(d);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for %zu rows", n);
  }
  return SYN_OK;
}

uint64_t data_set_fnv1a64(const data_set *d) {
  uint64_t h = CORE_FNV_INIT;
  if (d->x_u8)
    h = core_fnv1a64(d->x_u8, d->n * (size_t)d->in_dim, h);
  else if (d->x)
    h = core_fnv1a64(d->x, d->n * (size_t)d->in_dim * sizeof(double), h);
  if (d->labels) h = core_fnv1a64(d->labels, d->n * sizeof(int32_t), h);
  if (d->targets) h = core_fnv1a64(d->targets, d->n * (size_t)d->out_dim * sizeof(double), h);
  return h;
}

nn_batch data_set_batch(const data_set *d) {
  nn_batch b = {.n = d->n,
                .in_dim = d->in_dim,
                .x = d->x,
                .x_u8 = d->x_u8,
                .labels = d->labels,
                .targets = d->targets,
                .out_dim = d->out_dim};
  return b;
}

static syn_status alloc_like(data_set *dst, const data_set *src, size_t n, syn_err *e) {
  memset(dst, 0, sizeof *dst);
  dst->n = n;
  dst->in_dim = src->in_dim;
  dst->out_dim = src->out_dim;
  dst->x = core_alloc(n * (size_t)src->in_dim * sizeof(double));
  int bad = !dst->x;
  if (src->x_u8) bad |= !(dst->x_u8 = core_alloc(n * (size_t)src->in_dim));
  if (src->labels) bad |= !(dst->labels = core_alloc(n * sizeof(int32_t)));
  if (src->targets) bad |= !(dst->targets = core_alloc(n * (size_t)src->out_dim * sizeof(double)));
  if (bad) {
    data_set_free(dst);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for %zu rows", n);
  }
  return SYN_OK;
}

syn_status data_set_subset(data_set *dst, const data_set *src, const uint32_t *idx, size_t n,
                           syn_err *e) {
  syn_status s = alloc_like(dst, src, n, e);
  if (s) return s;
  size_t in = (size_t)src->in_dim, od = (size_t)src->out_dim;
  for (size_t r = 0; r < n; r++) {
    size_t i = idx[r];
    memcpy(dst->x + r * in, src->x + i * in, in * sizeof(double));
    if (src->x_u8) memcpy(dst->x_u8 + r * in, src->x_u8 + i * in, in);
    if (src->labels) dst->labels[r] = src->labels[i];
    if (src->targets) memcpy(dst->targets + r * od, src->targets + i * od, od * sizeof(double));
  }
  return SYN_OK;
}

syn_status data_images_load(data_set *d, const char *images, const char *labels, size_t limit,
                            int classes, syn_err *e) {
  memset(d, 0, sizeof *d);
  idx_array im, lb;
  syn_status s = idx_load_u8(&im, images, 3, e);
  if (s) return s;
  if ((s = idx_load_u8(&lb, labels, 1, e))) {
    idx_free(&im);
    return s;
  }
  if (im.dims[0] != lb.dims[0]) {
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s has %u images but %s has %u labels", images, im.dims[0],
                    labels, lb.dims[0]);
    goto done;
  }
  size_t n = im.dims[0];
  if (limit > 0) {
    if (limit > n) {
      s = syn_err_set(e, SYN_ERR_ARG, "%s: asked for the first %zu images, file has %zu", images,
                      limit, n);
      goto done;
    }
    n = limit;
  }
  for (size_t i = 0; i < n; i++)
    if (lb.data[i] >= classes) {
      s = syn_err_set(e, SYN_ERR_FORMAT, "%s: label %u at index %zu is not below %d classes",
                      labels, lb.data[i], i, classes);
      goto done;
    }
  size_t in = (size_t)im.dims[1] * im.dims[2];
  d->n = n;
  d->in_dim = (int)in;
  d->out_dim = classes;
  d->x = core_alloc(n * in * sizeof(double));
  d->x_u8 = core_alloc(n * in);
  d->labels = core_alloc(n * sizeof(int32_t));
  if (!d->x || !d->x_u8 || !d->labels) {
    s = syn_err_set(e, SYN_ERR_NOMEM, "out of memory for %zu images", n);
    goto done;
  }
  memcpy(d->x_u8, im.data, n * in);
  for (size_t i = 0; i < n * in; i++) d->x[i] = (double)im.data[i] / 255.0;
  for (size_t i = 0; i < n; i++) d->labels[i] = lb.data[i];
done:
  idx_free(&im);
  idx_free(&lb);
  if (s) data_set_free(d);
  return s;
}

syn_status data_idx_dir_load(const idx_dir_files *f, int classes, int h, int w, data_set *train,
                             data_set *test, syn_err *e) {
  memset(test, 0, sizeof *test);
  syn_status s = data_images_load(train, f->train_images, f->train_labels, 0, classes, e);
  if (!s) s = data_images_load(test, f->test_images, f->test_labels, 0, classes, e);
  if (!s && train->in_dim != h * w)
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s: images are not %dx%d", f->train_images, h, w);
  if (!s && test->in_dim != h * w)
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s: images are not %dx%d", f->test_images, h, w);
  if (s) {
    data_set_free(train);
    data_set_free(test);
  }
  return s;
}

syn_status data_split_random(const data_set *all, double p_valid, uint64_t seed, data_set *train,
                             data_set *valid, syn_err *e) {
  if (!(p_valid >= 0 && p_valid < 1))
    return syn_err_set(e, SYN_ERR_ARG, "validation fraction %g not in [0, 1)", p_valid);
  uint32_t *ti = malloc(all->n * sizeof *ti), *vi = malloc(all->n * sizeof *vi);
  if (!ti || !vi) {
    free(ti);
    free(vi);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  }
  rng_t r;
  rng_seed(&r, seed, 0x59117);
  size_t nt = 0, nv = 0;
  for (size_t i = 0; i < all->n; i++) {
    if (rng_uniform(&r) < p_valid)
      vi[nv++] = (uint32_t)i;
    else
      ti[nt++] = (uint32_t)i;
  }
  syn_status s = data_set_subset(train, all, ti, nt, e);
  if (!s) s = data_set_subset(valid, all, vi, nv, e);
  if (s) data_set_free(train);
  free(ti);
  free(vi);
  return s;
}

void boundary2d_config_default(boundary2d_config *c) {
  c->hidden = 100;
  c->weight_range = 1.0;
  c->point_range = 10.0;
  c->n_train = 2000;
  c->n_valid = 2000;
  c->seed = 1;
}

static syn_status make_points(const nn_mlp *target, size_t n, double range, rng_t *r, data_set *d,
                              syn_err *e) {
  memset(d, 0, sizeof *d);
  d->n = n;
  d->in_dim = 2;
  d->out_dim = 1;
  d->x = core_alloc(n * 2 * sizeof(double));
  d->targets = core_alloc(n * sizeof(double));
  if (!d->x || !d->targets) {
    data_set_free(d);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  }
  for (size_t i = 0; i < 2 * n; i++) d->x[i] = rng_uniform_range(r, -range, range);
  nn_ws ws;
  syn_status s = nn_ws_create(&ws, target, n, e);
  if (s) {
    data_set_free(d);
    return s;
  }
  nn_batch b = data_set_batch(d);
  nn_mlp_forward_rows(target, &b, &ws, 0, 0, n);
  memcpy(d->targets, ws.h[target->n_layers - 1], n * sizeof(double));
  nn_ws_destroy(&ws);
  return SYN_OK;
}

syn_status boundary2d_make(const boundary2d_config *c, nn_mlp *target, data_set *train,
                           data_set *valid, syn_err *e) {
  if (c->hidden < 1 || c->n_train < 1)
    return syn_err_set(e, SYN_ERR_ARG, "boundary2d needs hidden >= 1 and points >= 1");
  int widths[3] = {2, c->hidden, 1};
  nn_act act[2] = {NN_ACT_TANH, NN_ACT_TANH};
  syn_status s = nn_mlp_create(target, 2, widths, act, e);
  if (s) return s;
  rng_t r;
  rng_seed(&r, c->seed, 0xb0da);
  nn_mlp_init_uniform(target, c->weight_range, &r);
  s = make_points(target, c->n_train, c->point_range, &r, train, e);
  if (!s && valid) {
    if (c->n_valid)
      s = make_points(target, c->n_valid, c->point_range, &r, valid, e);
    else
      memset(valid, 0, sizeof *valid);
    if (s) data_set_free(train);
  }
  if (s) nn_mlp_destroy(target);
  return s;
}
