/* The training driver for layered networks: epochs of shuffled minibatches,
 * lr halving, early stopping on validation accuracy (Keras' EarlyStopping
 * semantics), per-epoch metrics; and the reference code's networks. */
#include "synrl/classify.h"
#include "core/fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

syn_status cls_config_preset(cls_config *c, const char *net, syn_err *e) {
  memset(c, 0, sizeof *c);
  c->rule = CLS_RULE_AGREL;
  c->lr = 0.1;
  c->halve_every = 100;
  c->batch = 128;
  c->max_epochs = 500;
  c->patience = 45;
  c->min_delta = 0.001;
  c->restore_best = true;
  agrel_config_default(&c->agrel);
  c->init_sd = 0.005;
  c->bn_momentum = 0.99;
  c->seed = 1;
  if (strcmp(net, "dense") == 0) {
    c->init_sd = 0.01;
  } else if (strcmp(net, "loccon") == 0) {
    c->batch = 32;
  } else if (strcmp(net, "conv") != 0) {
    return syn_err_set(e, SYN_ERR_ARG, "unknown network '%s' (dense, conv, loccon)", net);
  }
  return SYN_OK;
}

syn_status cls_net_specs(const char *net, int classes, nn_lspec *sp, int *n_layers, syn_err *e) {
  return cls_net_specs_arch(net, false, classes, sp, n_layers, e);
}

syn_status cls_net_specs_arch(const char *net, bool code, int classes, nn_lspec *sp,
                              int *n_layers, syn_err *e) {
  int n = 0;
  const nn_lspec relu = {.kind = NN_L_RELU}, bn = {.kind = NN_L_BNORM},
                 drop = {.kind = NN_L_DROPOUT, .rate = 0.3};
  if (strcmp(net, "dense") == 0) {
    const int widths[3] = {1500, 1000, 500};
    for (int i = 0; i < 3; i++) {
      sp[n++] = (nn_lspec){.kind = NN_L_DENSE, .units = widths[i]};
      sp[n++] = relu;
      if (!code) sp[n++] = bn;
    }
  } else if (strcmp(net, "conv") == 0 || strcmp(net, "loccon") == 0) {
    if (net[0] == 'c')
      sp[n++] = (nn_lspec){.kind = NN_L_CONV, .units = 32, .k = 3, .stride = 1, .pad = NN_PAD_SAME};
    else
      sp[n++] = (nn_lspec){.kind = NN_L_LOCAL, .units = 32, .k = 3, .stride = 1, .pad = NN_PAD_VALID};
    sp[n++] = relu;
    sp[n++] = bn;
    if (code && net[0] == 'l')
      sp[n++] = (nn_lspec){.kind = NN_L_LOCAL, .units = 32, .k = 3, .stride = 2, .pad = NN_PAD_VALID};
    else
      sp[n++] = (nn_lspec){.kind = NN_L_CONV, .units = 32, .k = 3, .stride = 2, .pad = NN_PAD_SAME};
    sp[n++] = relu;
    sp[n++] = bn;
    sp[n++] = drop;
    sp[n++] = (nn_lspec){.kind = NN_L_DENSE, .units = 500};
    sp[n++] = relu;
    if (!code) sp[n++] = bn;
    sp[n++] = drop;
  } else {
    return syn_err_set(e, SYN_ERR_ARG, "unknown network '%s' (dense, conv, loccon)", net);
  }
  /* linear output, no bias: the Q-values (or the logits under backprop) */
  sp[n++] = (nn_lspec){.kind = NN_L_DENSE, .units = classes};
  *n_layers = n;
  return SYN_OK;
}

static int argmax(const float *v, int k) {
  int b = 0;
  for (int i = 1; i < k; i++)
    if (v[i] > v[b]) b = i;
  return b;
}

double cls_accuracy(const nn_net *net, nn_net_ws *ws, const float *x, const int32_t *labels,
                    size_t n) {
  if (n == 0) return NAN;
  const size_t in = net->layer[0].in_size;
  const int k = nn_net_out_size(net);
  size_t ok = 0;
  for (size_t r0 = 0; r0 < n; r0 += ws->n_max) {
    size_t m = n - r0 < ws->n_max ? n - r0 : ws->n_max;
    const float *y = nn_net_forward(net, ws, x + r0 * in, m, false, false, NULL);
    for (size_t b = 0; b < m; b++) ok += argmax(y + b * (size_t)k, k) == labels[r0 + b];
  }
  return (double)ok / (double)n;
}

static float *to_float(const data_set *d) {
  float *f = core_alloc((d->n * (size_t)d->in_dim + 1) * sizeof(float));
  if (f)
    for (size_t i = 0; i < d->n * (size_t)d->in_dim; i++) f[i] = (float)d->x[i];
  return f;
}

static syn_status check_set(const nn_net *net, const data_set *d, const char *what, syn_err *e) {
  if (!d) return SYN_OK;
  if ((size_t)d->in_dim != net->layer[0].in_size || !d->labels)
    return syn_err_set(e, SYN_ERR_ARG, "%s set: %d inputs, the network takes %zu", what, d->in_dim,
                       net->layer[0].in_size);
  const int k = nn_net_out_size(net);
  for (size_t i = 0; i < d->n; i++)
    if (d->labels[i] < 0 || d->labels[i] >= k)
      return syn_err_set(e, SYN_ERR_ARG, "%s set: label %d at row %zu, network has %d outputs",
                         what, d->labels[i], i, k);
  return SYN_OK;
}

typedef struct epoch_row {
  long epoch;
  double lr, train_loss, train_acc, valid_acc, seconds;
} epoch_row;

static syn_status write_metrics(const char *dir, const epoch_row *rows, long n, syn_err *e) {
  char path[4200];
  snprintf(path, sizeof path, "%s/metrics.csv", dir);
  fio_writer w;
  syn_status s = fio_text_open(&w, path, e);
  if (s) return s;
  fprintf(w.f, "epoch,lr,train_loss,train_acc,valid_acc,seconds\n");
  for (long i = 0; i < n; i++)
    fprintf(w.f, "%ld,%.9g,%.9g,%.6f,%.6f,%.3f\n", rows[i].epoch, rows[i].lr, rows[i].train_loss,
            rows[i].train_acc, rows[i].valid_acc, rows[i].seconds);
  if (ferror(w.f)) w.err = 5;
  return fio_text_commit(&w, e);
}

syn_status cls_train(nn_net *net, const data_set *train, const data_set *valid,
                     const data_set *test, const cls_config *c, cls_result *r, syn_err *e) {
  memset(r, 0, sizeof *r);
  r->test_acc = r->test_acc_last = r->best_valid_acc = r->last_valid_acc = NAN;
  syn_status s;
  if (!(c->lr > 0) || c->batch < 1 || c->max_epochs < 1 || c->patience < 0 ||
      !(c->min_delta >= 0) || c->warmup_steps < 0)
    return syn_err_set(e, SYN_ERR_ARG, "training settings out of range");
  if (!train || train->n == 0) return syn_err_set(e, SYN_ERR_ARG, "empty training set");
  if ((s = check_set(net, train, "training", e)) || (s = check_set(net, valid, "validation", e)) ||
      (s = check_set(net, test, "test", e)))
    return s;
  if (!(c->bn_momentum >= 0 && c->bn_momentum < 1))
    return syn_err_set(e, SYN_ERR_ARG, "batch-norm momentum %g not in [0, 1)", c->bn_momentum);
  net->bn_momentum = (float)c->bn_momentum;
  const size_t bsz = c->batch < train->n ? c->batch : train->n, in = net->layer[0].in_size;
  float *xt = to_float(train), *xv = valid ? to_float(valid) : NULL,
        *xs = test ? to_float(test) : NULL, *xb = core_alloc(bsz * in * sizeof(float)),
        *best = core_alloc((2 * net->n_params + net->n_state + 1) * sizeof(float));
  int32_t *lb = core_alloc(bsz * sizeof(int32_t));
  uint32_t *perm = core_alloc(train->n * sizeof(uint32_t));
  epoch_row *rows = calloc((size_t)c->max_epochs, sizeof *rows);
  nn_net_ws ws = {0};
  if (!xt || (valid && !xv) || (test && !xs) || !xb || !best || !lb || !perm || !rows) {
    s = syn_err_set(e, SYN_ERR_NOMEM, "out of memory for the training data");
    goto done;
  }
  if ((s = nn_net_ws_create(&ws, net, bsz, e))) goto done;
  rng_t shuf, draws;
  rng_seed(&shuf, c->seed, 2);
  rng_seed(&draws, c->seed, 3);
  for (size_t i = 0; i < train->n; i++) perm[i] = (uint32_t)i;
  const double t0 = core_now(), c0 = core_cpu_seconds();
  double best_acc = -1;
  long wait = 0, step = 0;
  for (long ep = 1; ep <= c->max_epochs; ep++) {
    double lr = c->lr;
    if (c->halve_every > 0) lr = ldexp(c->lr, -(int)((ep - 1) / c->halve_every));
    rng_shuffle_u32(&shuf, perm, train->n);
    double loss_sum = 0;
    size_t correct = 0;
    for (size_t b0 = 0; b0 < train->n; b0 += bsz) {
      size_t m = train->n - b0 < bsz ? train->n - b0 : bsz;
      for (size_t j = 0; j < m; j++) {
        memcpy(xb + j * in, xt + (size_t)perm[b0 + j] * in, in * sizeof(float));
        lb[j] = train->labels[perm[b0 + j]];
      }
      agrel_step_info info;
      double lr_t = lr; /* linear warm-up: step t (from 1) of W takes lr t / W */
      if (step < c->warmup_steps) lr_t = lr * (double)(step + 1) / (double)c->warmup_steps;
      step++;
      s = c->rule == CLS_RULE_AGREL
              ? agrel_step(net, &ws, &c->agrel, xb, lb, m, (float)lr_t, &draws, &info, e)
              : netbp_step(net, &ws, xb, lb, m, (float)lr_t, &draws, &info, e);
      if (s) goto done;
      loss_sum += info.loss * (double)m;
      correct += info.n_correct;
    }
    double vacc = valid && valid->n ? cls_accuracy(net, &ws, xv, valid->labels, valid->n) : NAN;
    epoch_row *row = &rows[ep - 1];
    *row = (epoch_row){ep, lr, loss_sum / (double)train->n, (double)correct / (double)train->n,
                       vacc, core_now() - t0};
    r->epochs = ep;
    r->train_loss = row->train_loss;
    r->train_acc = row->train_acc;
    r->last_valid_acc = vacc;
    if (c->out_dir && (s = write_metrics(c->out_dir, rows, ep, e))) goto done;
    if (c->progress)
      c->progress(c->progress_user, ep, lr, row->train_loss, row->train_acc, vacc, row->seconds);
    if (isnan(vacc)) continue;
    /* Keras EarlyStopping: an improvement must exceed min_delta */
    if (vacc - c->min_delta > best_acc || best_acc < 0) {
      best_acc = vacc;
      r->best_epoch = ep;
      wait = 0;
      memcpy(best, net->params, net->n_params * sizeof(float));
      memcpy(best + net->n_params, net->fb, net->n_params * sizeof(float));
      memcpy(best + 2 * net->n_params, net->state, net->n_state * sizeof(float));
    } else if (c->patience > 0 && ++wait >= c->patience) {
      r->stopped_early = true;
      break;
    }
  }
  r->best_valid_acc = best_acc >= 0 ? best_acc : NAN;
  r->seconds = core_now() - t0;
  r->cpu_seconds = core_cpu_seconds() - c0;
  if (test && test->n) r->test_acc_last = cls_accuracy(net, &ws, xs, test->labels, test->n);
  if (c->restore_best && best_acc >= 0) {
    memcpy(net->params, best, net->n_params * sizeof(float));
    memcpy(net->fb, best + net->n_params, net->n_params * sizeof(float));
    memcpy(net->state, best + 2 * net->n_params, net->n_state * sizeof(float));
  }
  r->test_acc = test && test->n ? cls_accuracy(net, &ws, xs, test->labels, test->n) : NAN;
  if (!c->restore_best && r->best_epoch == 0) r->best_epoch = r->epochs;
done:
  nn_net_ws_destroy(&ws);
  core_free(xt);
  core_free(xv);
  core_free(xs);
  core_free(xb);
  core_free(best);
  core_free(lb);
  core_free(perm);
  free(rows);
  return s;
}
