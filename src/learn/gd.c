/* Gradient descent by backpropagation: the baseline beside every rule.
 * Full-batch GD when the driver passes the whole training set as the batch,
 * minibatch SGD when it passes minibatches. */
#include "synrl/learn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct gd_rule {
  learn_rule rule;
  gd_config cfg;
  const nn_batch *batch;
  nn_ws ws;
} gd_rule;

static syn_status gd_set_batch(learn_rule *r, const nn_batch *b, syn_err *e) {
  gd_rule *g = (gd_rule *)r;
  if (b->n > g->ws.n_max)
    return syn_err_set(e, SYN_ERR_ARG, "batch of %zu rows exceeds %zu", b->n, g->ws.n_max);
  g->batch = b;
  return SYN_OK;
}

static syn_status gd_step(learn_rule *r, long iter, learn_step_info *info, syn_err *e) {
  gd_rule *g = (gd_rule *)r;
  if (!g->batch) return syn_err_set(e, SYN_ERR_ARG, "gd: step before set_batch");
  nn_mlp *net = r->net;
  double loss = nn_mlp_grad(net, g->batch, &g->ws, r->loss);
  if (!isfinite(loss)) return syn_err_set(e, SYN_ERR_ARG, "gd: loss is not finite (diverged)");
  const double lr = g->cfg.lr;
  for (size_t i = 0; i < net->n_params; i++) net->params[i] -= lr * g->ws.grad[i];
  info->loss = loss;
  info->reward = 0;
  return SYN_OK;
}

/* The weights are the driver's "net" section; GD itself keeps only its rate,
 * stored so that a checkpoint of another rate is refused. */
static syn_status gd_save(learn_rule *r, ckpt_writer *w, syn_err *e) {
  gd_rule *g = (gd_rule *)r;
  ckpt_begin(w, "gd");
  ckpt_put_f64(w, g->cfg.lr);
  ckpt_end(w);
  return SYN_OK;
}

static syn_status gd_load(learn_rule *r, const ckpt_file *f, syn_err *e) {
  gd_rule *g = (gd_rule *)r;
  ckpt_sec s;
  syn_status st = ckpt_open(f, "gd", &s, e);
  if (st) return st;
  double lr = ckpt_get_f64(&s);
  if ((st = ckpt_sec_done(&s, e))) return st;
  if (memcmp(&lr, &g->cfg.lr, sizeof lr) != 0)
    return ckpt_sec_fail(&s, e, "learning rate differs from this run's");
  return SYN_OK;
}

static void gd_destroy(learn_rule *r) {
  gd_rule *g = (gd_rule *)r;
  nn_ws_destroy(&g->ws);
  free(g);
}

syn_status gd_create(learn_rule **out, nn_mlp *net, nn_loss loss, const gd_config *cfg,
                     size_t max_batch, syn_err *e) {
  *out = NULL;
  if (!(cfg->lr > 0 && isfinite(cfg->lr)))
    return syn_err_set(e, SYN_ERR_ARG, "learning rate %g must be positive", cfg->lr);
  gd_rule *g = calloc(1, sizeof *g);
  if (!g) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  g->rule.name = "gd";
  g->rule.net = net;
  g->rule.loss = loss;
  g->rule.set_batch = gd_set_batch;
  g->rule.step = gd_step;
  g->rule.destroy = gd_destroy;
  g->rule.save = gd_save;
  g->rule.load = gd_load;
  g->cfg = *cfg;
  syn_status s = nn_ws_create(&g->ws, net, max_batch, e);
  if (s) {
    free(g);
    return s;
  }
  *out = &g->rule;
  return SYN_OK;
}
