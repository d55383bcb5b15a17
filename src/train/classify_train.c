/* The training driver for layered networks: epochs of shuffled minibatches,
 * each handed to the configured rule (cls_rule), lr halving, early stopping
 * on validation accuracy (Keras' EarlyStopping semantics), per-epoch
 * metrics, checkpoints; and the reference code's networks. */
#include "synrl/train.h"
#include "core/fileio.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reference notes' settings; the authors' code (isapome/BrainProp,
 * main.py and brainprop.py, read after the runs: docs/agrel.md, "Checked
 * against the authors' code") has the same values for each of them. */
syn_status cls_config_preset(cls_config *c, const char *net, syn_err *e) {
  memset(c, 0, sizeof *c);
  c->rule = CLS_RULE_AGREL;   /* DeepAGREL/BrainProp; backprop is the baseline */
  c->lr = 0.1;                /* plain SGD, no momentum */
  c->halve_every = 100;       /* lr halved every 100 epochs */
  c->batch = 128;             /* loccon: 32, below */
  c->max_epochs = 500;
  c->patience = 45;           /* EarlyStopping(min_delta=0.001, patience=45) on */
  c->min_delta = 0.001;       /* validation accuracy */
  c->restore_best = true;     /* notes silent; the best validation epoch's weights (docs/agrel.md) */
  agrel_config_default(&c->agrel); /* epsilon 0.02, temperature 1 (tf.random.categorical) */
  c->init_sd = 0.005;         /* kernels N(0, 0.005); the dense MNIST net N(0, 0.01), below */
  c->bn_momentum = 0.99;      /* Keras' BatchNormalization default */
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

syn_status cls_set_accuracy(const nn_net *net, const data_set *d, size_t chunk, double *acc,
                            syn_err *e) {
  *acc = NAN;
  if (!d->n) return SYN_OK;
  if ((size_t)d->in_dim != net->layer[0].in_size || !d->labels)
    return syn_err_set(e, SYN_ERR_ARG, "data set: %d inputs, the network takes %zu", d->in_dim,
                       net->layer[0].in_size);
  float *x = to_float(d);
  nn_net_ws ws = {0};
  if (!x) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for %zu rows", d->n);
  syn_status s = nn_net_ws_create(&ws, net, chunk, e);
  if (!s) *acc = cls_accuracy(net, &ws, x, d->labels, d->n);
  nn_net_ws_destroy(&ws);
  core_free(x);
  return s;
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

/* metrics.csv from the rows so far, in the shared layout (run_metrics). The
 * rows stay numbers so that checkpoints keep their binary section. */
static syn_status write_metrics(const char *dir, const epoch_row *rows, long n, syn_err *e) {
  char path[4200];
  snprintf(path, sizeof path, "%s/metrics.csv", dir);
  run_metrics m;
  syn_status s = run_metrics_init(&m, "lr,train_loss,train_acc,valid_acc", e);
  if (s) return s;
  for (long i = 0; i < n; i++) {
    const double v[4] = {rows[i].lr, rows[i].train_loss, rows[i].train_acc, rows[i].valid_acc};
    run_metrics_row(&m, (double)rows[i].epoch, rows[i].seconds, v);
  }
  s = run_metrics_write(&m, path, e);
  run_metrics_free(&m);
  return s;
}

/* ---------------- checkpoints ---------------- */
/* Everything of the loop that the next minibatch reads, beside the network,
 * the permutation, the best weights and the metrics rows. */
typedef struct cls_loop {
  long ep;               /* the epoch under way (1-based) */
  size_t b0;             /* its next minibatch's first position in perm */
  double loss_sum;       /* this epoch so far */
  uint64_t correct;
  double best_acc;       /* -1: no validation accuracy yet */
  long best_epoch, wait; /* early stopping */
  rng_t shuf, draws;     /* minibatch order; dropout masks and max-Boltzmann choices */
  double elapsed, cpu;   /* time so far (reported, not part of the results) */
} cls_loop;

/* float32 arrays as little-endian bit patterns, in chunks */
static void put_f32s(ckpt_writer *w, const float *v, size_t n) {
  unsigned char b[4096];
  for (size_t i = 0; i < n;) {
    size_t m = 0;
    for (; i < n && m < sizeof b; i++, m += 4) {
      uint32_t u;
      memcpy(&u, &v[i], 4);
      for (int k = 0; k < 4; k++) b[m + k] = (unsigned char)(u >> (8 * k));
    }
    ckpt_put_bytes(w, b, m);
  }
}

static void get_f32s(ckpt_sec *s, float *v, size_t n) {
  unsigned char b[4096];
  for (size_t i = 0; i < n && !s->err;) {
    size_t m = (n - i) * 4 < sizeof b ? (n - i) * 4 : sizeof b;
    ckpt_get_bytes(s, b, m);
    for (size_t j = 0; j < m; j += 4, i++) {
      uint32_t u = (uint32_t)b[j] | (uint32_t)b[j + 1] << 8 | (uint32_t)b[j + 2] << 16 |
                   (uint32_t)b[j + 3] << 24;
      memcpy(&v[i], &u, 4);
    }
  }
}

/* params, then fb unless it equals params (the usual case: one flag byte
 * instead of a second copy), then the batch-norm running statistics */
static void put_weights(ckpt_writer *w, const nn_net *net, const float *params, const float *fb,
                        const float *state) {
  char shape[1024];
  nn_net_describe(net, shape, sizeof shape);
  ckpt_put_str(w, shape);
  ckpt_put_u64(w, net->n_params);
  ckpt_put_u64(w, net->n_state);
  put_f32s(w, params, net->n_params);
  bool same = memcmp(params, fb, net->n_params * sizeof(float)) == 0;
  ckpt_put_u8(w, same);
  if (!same) put_f32s(w, fb, net->n_params);
  put_f32s(w, state, net->n_state);
}

static syn_status get_weights(const ckpt_file *f, const char *name, const nn_net *net,
                              float *params, float *fb, float *state, syn_err *e) {
  ckpt_sec s;
  syn_status st = ckpt_open(f, name, &s, e);
  if (st) return st;
  char shape[1024];
  nn_net_describe(net, shape, sizeof shape);
  size_t n;
  const char *d = ckpt_get_str(&s, &n);
  if (!s.err && (n != strlen(shape) || memcmp(d, shape, n) != 0))
    return ckpt_sec_fail(&s, e, "written for another network");
  if (!s.err && (ckpt_get_u64(&s) != net->n_params || ckpt_get_u64(&s) != net->n_state))
    return ckpt_sec_fail(&s, e, "parameter count differs from this network's");
  get_f32s(&s, params, net->n_params);
  uint8_t same = ckpt_get_u8(&s);
  if (!s.err && same > 1) return ckpt_sec_fail(&s, e, "bad feedback-weight flag");
  if (same)
    memcpy(fb, params, net->n_params * sizeof(float));
  else
    get_f32s(&s, fb, net->n_params);
  get_f32s(&s, state, net->n_state);
  return ckpt_sec_done(&s, e);
}

/* The rule's byte in cls.loop: the built-ins keep the codes of the enum they
 * replaced (so earlier checkpoints resume); any other rule is 2, its name in
 * section cls.rule. */
static uint8_t rule_code(const cls_rule *r) {
  return r == CLS_RULE_AGREL ? 0 : r == CLS_RULE_BACKPROP ? 1 : 2;
}

syn_status cls_checkpoint_check(const char *path, const char *config, syn_err *e) {
  return ckpt_file_check_text(path, "cls.config", config, e);
}

static syn_status save_checkpoint(const nn_net *net, const cls_config *c, size_t n_train,
                                  const cls_loop *ls, const uint32_t *perm, const float *best,
                                  const epoch_row *rows, cls_result *r, syn_err *e) {
  const double t0 = core_now();
  ckpt_writer w;
  ckpt_writer_init(&w);
  ckpt_begin(&w, "cls.config");
  ckpt_put_str(&w, c->ckpt_config ? c->ckpt_config : "");
  ckpt_end(&w);
  ckpt_begin(&w, "cls.loop");
  ckpt_put_u8(&w, rule_code(c->rule));
  ckpt_put_i64(&w, c->max_epochs);
  ckpt_put_u64(&w, n_train);
  ckpt_put_u64(&w, c->batch);
  ckpt_put_i64(&w, ls->ep);
  ckpt_put_u64(&w, ls->b0);
  ckpt_put_f64(&w, ls->loss_sum);
  ckpt_put_u64(&w, ls->correct);
  ckpt_put_f64(&w, ls->best_acc);
  ckpt_put_i64(&w, ls->best_epoch);
  ckpt_put_i64(&w, ls->wait);
  for (int i = 0; i < 4; i++) ckpt_put_u64(&w, ls->shuf.s[i]);
  for (int i = 0; i < 4; i++) ckpt_put_u64(&w, ls->draws.s[i]);
  ckpt_put_f64(&w, ls->elapsed);
  ckpt_put_f64(&w, ls->cpu);
  ckpt_end(&w);
  ckpt_begin(&w, "cls.perm");
  for (size_t i = 0; i < n_train; i++) ckpt_put_u32(&w, perm[i]);
  ckpt_end(&w);
  /* the rows of the finished epochs: ls->ep - 1 of them */
  ckpt_begin(&w, "cls.metrics");
  for (long i = 0; i < ls->ep - 1; i++) {
    ckpt_put_i64(&w, rows[i].epoch);
    const double v[5] = {rows[i].lr, rows[i].train_loss, rows[i].train_acc, rows[i].valid_acc,
                         rows[i].seconds};
    ckpt_put_f64s(&w, v, 5);
  }
  ckpt_end(&w);
  ckpt_begin(&w, "cls.net");
  put_weights(&w, net, net->params, net->fb, net->state);
  ckpt_end(&w);
  if (ls->best_epoch > 0) {
    ckpt_begin(&w, "cls.best");
    put_weights(&w, net, best, best + net->n_params, best + 2 * net->n_params);
    ckpt_end(&w);
  }
  if (rule_code(c->rule) == 2) {
    ckpt_begin(&w, "cls.rule");
    ckpt_put_str(&w, c->rule->name ? c->rule->name : "");
    ckpt_end(&w);
  }
  if (c->rule->save) c->rule->save(c->rule, &w);
  syn_status s = ckpt_writer_save(&w, c->ckpt_path, e);
  if (!s) {
    r->checkpoints++;
    r->ckpt_bytes = w.len + 4;
    r->ckpt_seconds += core_now() - t0;
  }
  ckpt_writer_free(&w);
  return s;
}

static syn_status load_checkpoint(nn_net *net, const cls_config *c, size_t n_train, size_t bsz,
                                  cls_loop *ls, uint32_t *perm, float *best, epoch_row *rows,
                                  syn_err *e) {
  ckpt_file f;
  syn_status st = ckpt_read(&f, c->resume_path, e);
  if (st) return st;
  if ((st = ckpt_check_text(&f, "cls.config", c->ckpt_config, e))) goto out;
  ckpt_sec s;
  if ((st = ckpt_open(&f, "cls.loop", &s, e))) goto out;
  uint8_t rule = ckpt_get_u8(&s);
  int64_t max_epochs = ckpt_get_i64(&s);
  uint64_t n = ckpt_get_u64(&s), batch = ckpt_get_u64(&s);
  if (!s.err && (rule != rule_code(c->rule) || max_epochs != c->max_epochs || n != n_train ||
                 batch != c->batch)) {
    st = ckpt_sec_fail(&s, e, "written by a run with another rule, epoch count, training set or batch size");
    goto out;
  }
  ls->ep = (long)ckpt_get_i64(&s);
  ls->b0 = (size_t)ckpt_get_u64(&s);
  ls->loss_sum = ckpt_get_f64(&s);
  ls->correct = ckpt_get_u64(&s);
  ls->best_acc = ckpt_get_f64(&s);
  ls->best_epoch = (long)ckpt_get_i64(&s);
  ls->wait = (long)ckpt_get_i64(&s);
  for (int i = 0; i < 4; i++) ls->shuf.s[i] = ckpt_get_u64(&s);
  for (int i = 0; i < 4; i++) ls->draws.s[i] = ckpt_get_u64(&s);
  ls->elapsed = ckpt_get_f64(&s);
  ls->cpu = ckpt_get_f64(&s);
  if ((st = ckpt_sec_done(&s, e))) goto out;
  const bool no_best = ls->best_epoch == 0;
  if (ls->ep < 1 || ls->ep > c->max_epochs || ls->b0 >= n_train || ls->b0 % bsz != 0 ||
      ls->correct > ls->b0 || !isfinite(ls->loss_sum) || ls->best_epoch < 0 ||
      ls->best_epoch >= ls->ep || ls->wait < 0 || ls->wait >= ls->ep ||
      no_best != (ls->best_acc == -1) || (!no_best && !(ls->best_acc >= 0 && ls->best_acc <= 1)) ||
      !(ls->shuf.s[0] | ls->shuf.s[1] | ls->shuf.s[2] | ls->shuf.s[3]) ||
      !(ls->draws.s[0] | ls->draws.s[1] | ls->draws.s[2] | ls->draws.s[3])) {
    st = ckpt_sec_fail(&s, e, "loop state out of range");
    goto out;
  }
  if ((st = ckpt_open(&f, "cls.perm", &s, e))) goto out;
  if (ckpt_remaining(&s) != n_train * 4) {
    st = ckpt_sec_fail(&s, e, "size differs from the training set's");
    goto out;
  }
  /* a permutation: every row once */
  uint8_t *seen = calloc(n_train, 1);
  if (!seen) {
    st = syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n_train; i++) {
    perm[i] = ckpt_get_u32(&s);
    if (perm[i] >= n_train || seen[perm[i]]++) {
      free(seen);
      st = ckpt_sec_fail(&s, e, "not a permutation of the training rows");
      goto out;
    }
  }
  free(seen);
  if ((st = ckpt_sec_done(&s, e))) goto out;
  if ((st = ckpt_open(&f, "cls.metrics", &s, e))) goto out;
  if (ckpt_remaining(&s) != (size_t)(ls->ep - 1) * 48) {
    st = ckpt_sec_fail(&s, e, "row count differs from the epochs done");
    goto out;
  }
  for (long i = 0; i < ls->ep - 1; i++) {
    rows[i].epoch = (long)ckpt_get_i64(&s);
    double v[5];
    ckpt_get_f64s(&s, v, 5);
    rows[i].lr = v[0];
    rows[i].train_loss = v[1];
    rows[i].train_acc = v[2];
    rows[i].valid_acc = v[3];
    rows[i].seconds = v[4];
    if (rows[i].epoch != i + 1) {
      st = ckpt_sec_fail(&s, e, "epochs out of order");
      goto out;
    }
  }
  if ((st = ckpt_sec_done(&s, e))) goto out;
  if ((st = get_weights(&f, "cls.net", net, net->params, net->fb, net->state, e))) goto out;
  if (no_best == ckpt_has(&f, "cls.best")) {
    st = syn_err_set(e, SYN_ERR_FORMAT, "%s: section cls.best %s", f.label,
                     no_best ? "present without a best epoch" : "missing");
    goto out;
  }
  if (!no_best &&
      (st = get_weights(&f, "cls.best", net, best, best + net->n_params, best + 2 * net->n_params, e)))
    goto out;
  if (rule_code(c->rule) == 2) {
    if ((st = ckpt_open(&f, "cls.rule", &s, e))) goto out;
    size_t n_name;
    const char *name = ckpt_get_str(&s, &n_name);
    const char *want = c->rule->name ? c->rule->name : "";
    if (!s.err && (n_name != strlen(want) || memcmp(name, want, n_name) != 0)) {
      st = ckpt_sec_fail(&s, e, "written by a run with another rule");
      goto out;
    }
    if ((st = ckpt_sec_done(&s, e))) goto out;
  }
  if (c->rule->load) st = c->rule->load(c->rule, &f, e);
out:
  ckpt_file_free(&f);
  return st;
}

syn_status cls_train(nn_net *net, const data_set *train, const data_set *valid,
                     const data_set *test, const cls_config *c, cls_result *r, syn_err *e) {
  memset(r, 0, sizeof *r);
  r->test_acc = r->test_acc_last = r->best_valid_acc = r->last_valid_acc = NAN;
  syn_status s;
  if (!(c->lr > 0) || c->batch < 1 || c->max_epochs < 1 || c->patience < 0 ||
      !(c->min_delta >= 0) || c->warmup_steps < 0)
    return syn_err_set(e, SYN_ERR_ARG, "training settings out of range");
  if (!c->rule || !c->rule->step) return syn_err_set(e, SYN_ERR_ARG, "no learning rule");
  if (c->ckpt_every < 0 || !(c->ckpt_every_s >= 0))
    return syn_err_set(e, SYN_ERR_ARG, "checkpoint interval must be >= 0");
  if (!train || train->n == 0) return syn_err_set(e, SYN_ERR_ARG, "empty training set");
  if (train->n > UINT32_MAX) return syn_err_set(e, SYN_ERR_ARG, "training set above 2^32 rows");
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
  const size_t n_batches = (train->n + bsz - 1) / bsz;
  r->n_batches = n_batches;
  cls_loop ls = {.ep = 1, .best_acc = -1};
  bool resumed = c->resume_path != NULL;
  if (resumed) {
    if ((s = load_checkpoint(net, c, train->n, bsz, &ls, perm, best, rows, e))) goto done;
    r->resumed_epoch = ls.ep;
    r->resumed_batch = ls.b0 / bsz;
    /* metrics.csv as of the checkpoint, whatever a later write left */
    if (c->out_dir && (s = write_metrics(c->out_dir, rows, ls.ep - 1, e))) goto done;
  } else {
    rng_seed(&ls.shuf, c->seed, 2);
    rng_seed(&ls.draws, c->seed, 3);
    for (size_t i = 0; i < train->n; i++) perm[i] = (uint32_t)i;
  }
  /* time continues from the checkpoint's */
  const double t0 = core_now() - ls.elapsed, c0 = core_cpu_seconds() - ls.cpu;
  double last_ckpt = core_now();
  const long start_batch = (ls.ep - 1) * (long)n_batches + (long)(ls.b0 / bsz);
  long ep_done = ls.ep - 1;
  for (; ls.ep <= c->max_epochs; ls.ep++) {
    double lr = c->lr;
    if (c->halve_every > 0) lr = ldexp(c->lr, -(int)((ls.ep - 1) / c->halve_every));
    if (!resumed) {
      rng_shuffle_u32(&ls.shuf, perm, train->n);
      ls.b0 = 0;
      ls.loss_sum = 0;
      ls.correct = 0;
    }
    resumed = false;
    for (; ls.b0 < train->n; ls.b0 += bsz) {
      /* a checkpoint point: the epoch's order drawn, minibatch b0 / bsz next */
      const long gb = (ls.ep - 1) * (long)n_batches + (long)(ls.b0 / bsz);
      const bool stop = c->stop && *c->stop;
      const double now = core_now();
      if (stop || (c->ckpt_path && gb > start_batch &&
                   ((c->ckpt_every > 0 && gb % c->ckpt_every == 0) ||
                    (c->ckpt_every_s > 0 && now - last_ckpt >= c->ckpt_every_s)))) {
        if (!c->ckpt_path) {
          s = syn_err_set(e, SYN_ERR_ABORTED, "interrupted in epoch %ld; no checkpoint file given",
                          ls.ep);
          goto done;
        }
        ls.elapsed = now - t0;
        ls.cpu = core_cpu_seconds() - c0;
        if ((s = save_checkpoint(net, c, train->n, &ls, perm, best, rows, r, e))) goto done;
        last_ckpt = core_now();
        if (stop) {
          r->interrupted = true;
          r->stop_epoch = ls.ep;
          r->stop_batch = ls.b0 / bsz;
          r->epochs = ep_done;
          r->seconds = core_now() - t0;
          r->cpu_seconds = core_cpu_seconds() - c0;
          goto done; /* metrics.csv holds the finished epochs; the checkpoint the rest */
        }
      }
      size_t m = train->n - ls.b0 < bsz ? train->n - ls.b0 : bsz;
      for (size_t j = 0; j < m; j++) {
        memcpy(xb + j * in, xt + (size_t)perm[ls.b0 + j] * in, in * sizeof(float));
        lb[j] = train->labels[perm[ls.b0 + j]];
      }
      agrel_step_info info;
      /* linear warm-up: minibatch gb (from 0) of the first W takes lr (gb + 1) / W;
       * gb comes from the epoch and position, so a resumed run keeps it */
      double lr_t = lr;
      if (gb < c->warmup_steps) lr_t = lr * (double)(gb + 1) / (double)c->warmup_steps;
      const cls_batch batch = {.net = net, .ws = &ws, .x = xb, .labels = lb, .n = m,
                               .lr = (float)lr_t, .step = gb, .epoch = ls.ep, .rng = &ls.draws,
                               .config = c};
      if ((s = c->rule->step(c->rule, &batch, &info, e))) goto done;
      ls.loss_sum += info.loss * (double)m;
      ls.correct += info.n_correct;
    }
    const long ep = ls.ep;
    double vacc = valid && valid->n ? cls_accuracy(net, &ws, xv, valid->labels, valid->n) : NAN;
    epoch_row *row = &rows[ep - 1];
    *row = (epoch_row){ep, lr, ls.loss_sum / (double)train->n,
                       (double)ls.correct / (double)train->n, vacc, core_now() - t0};
    ep_done = ep;
    if (c->out_dir && (s = write_metrics(c->out_dir, rows, ep, e))) goto done;
    if (c->progress)
      c->progress(c->progress_user, ep, lr, row->train_loss, row->train_acc, vacc, row->seconds);
    if (isnan(vacc)) continue;
    /* Keras EarlyStopping: an improvement must exceed min_delta, tested as
     * vacc - min_delta > best (not vacc > best + min_delta, which rounds
     * differently: 0.0011 after 0.0001 with min_delta 0.001 improves here,
     * not there, and the stopping epoch would change). */
    if (vacc - c->min_delta > ls.best_acc || ls.best_acc < 0) {
      ls.best_acc = vacc;
      ls.best_epoch = ep;
      ls.wait = 0;
      memcpy(best, net->params, net->n_params * sizeof(float));
      memcpy(best + net->n_params, net->fb, net->n_params * sizeof(float));
      memcpy(best + 2 * net->n_params, net->state, net->n_state * sizeof(float));
    } else if (c->patience > 0 && ++ls.wait >= c->patience) {
      r->stopped_early = true;
      break;
    }
  }
  r->epochs = ep_done;
  r->best_epoch = ls.best_epoch;
  if (ep_done > 0) {
    r->train_loss = rows[ep_done - 1].train_loss;
    r->train_acc = rows[ep_done - 1].train_acc;
    r->last_valid_acc = rows[ep_done - 1].valid_acc;
  }
  r->best_valid_acc = ls.best_acc >= 0 ? ls.best_acc : NAN;
  r->seconds = core_now() - t0;
  r->cpu_seconds = core_cpu_seconds() - c0;
  if (test && test->n) r->test_acc_last = cls_accuracy(net, &ws, xs, test->labels, test->n);
  if (c->restore_best && ls.best_acc >= 0) {
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
