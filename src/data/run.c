/* The training driver: minibatch draws, evaluation, metrics, progress. Works
 * with any learn_rule. */
#include "synrl/data.h"
#include "core/fileio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void run_config_default(run_config *c) {
  memset(c, 0, sizeof *c);
  c->iterations = 10000;
  c->batch_size = 0;
  c->batch_every = 1;
  c->eval_every = 100;
  c->seed = 1;
  c->acc = NN_ACC_SIGN;
  c->progress_every_s = 1.0;
}

void run_evaluate(const nn_mlp *net, const data_set *d, nn_loss loss, nn_acc acc, double *loss_out,
                  double *acc_out) {
  *loss_out = *acc_out = NAN;
  if (!d || d->n == 0) return;
  nn_ws ws;
  if (nn_ws_create(&ws, net, d->n, NULL)) return;
  nn_batch b = data_set_batch(d);
  *loss_out = nn_mlp_loss(net, &b, &ws, loss, acc, acc_out);
  nn_ws_destroy(&ws);
}

/* Minibatch: B rows drawn without replacement (a partial Fisher-Yates shuffle). */
static syn_status draw_batch(const data_set *train, size_t bsz, rng_t *r, uint32_t *perm,
                             data_set *bat, syn_err *e) {
  for (size_t i = 0; i < train->n; i++) perm[i] = (uint32_t)i;
  for (size_t i = 0; i < bsz; i++) {
    size_t j = i + (size_t)rng_below(r, train->n - i);
    uint32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  data_set_free(bat);
  return data_set_subset(bat, train, perm, bsz, e);
}

/* Loss and accuracy on a data set; with an active shard each process
 * computes its chunks and the sums are gathered, in the same order as alone. */
static syn_status eval_set(const nn_mlp *net, const data_set *d, nn_ws *ws, nn_loss loss, nn_acc acc,
                           core_shard *sh, double *loss_out, double *acc_out, syn_err *e) {
  nn_batch b = data_set_batch(d);
  if (!core_shard_active(sh)) {
    *loss_out = nn_mlp_loss(net, &b, ws, loss, acc, acc_out);
    return SYN_OK;
  }
  size_t nc = nn_chunk_count(d->n), lo, hi;
  core_shard_range(sh, sh->rank, nc, &lo, &hi);
  double *part = core_alloc(2 * (nc ? nc : 1) * sizeof *part), *corr = part + (nc ? nc : 1);
  if (!part) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  nn_mlp_loss_chunks(net, &b, ws, loss, acc, lo, hi, part + lo, corr + lo);
  double sl = 0.0, sc = 0.0;
  syn_status s = core_shard_sum(sh, part, nc, &sl, e);
  if (!s) s = core_shard_sum(sh, corr, nc, &sc, e);
  core_free(part);
  if (s) return s;
  *loss_out = nn_loss_finish(loss, sl, d->n, net->widths[net->n_layers]);
  *acc_out = sc / (double)d->n;
  return SYN_OK;
}

static syn_status eval_sets(learn_rule *rule, nn_ws *ws, const data_set *train,
                            const data_set *valid, const run_config *cfg, run_progress *p,
                            syn_err *e) {
  learn_rule_sync(rule);
  syn_status s = eval_set(rule->net, train, ws, rule->loss, cfg->acc, cfg->shard, &p->train_loss,
                          &p->train_acc, e);
  if (!s && valid && valid->n)
    s = eval_set(rule->net, valid, ws, rule->loss, cfg->acc, cfg->shard, &p->valid_loss,
                 &p->valid_acc, e);
  return s;
}

syn_status run_train(learn_rule *rule, const data_set *train, const data_set *valid,
                     const data_set *test, const run_config *cfg, run_result *res, syn_err *e) {
  memset(res, 0, sizeof *res);
  res->valid_loss = res->valid_acc = res->test_loss = res->test_acc = NAN;
  if (cfg->iterations < 0) return syn_err_set(e, SYN_ERR_ARG, "iterations must be >= 0");
  if (cfg->eval_every < 1) return syn_err_set(e, SYN_ERR_ARG, "eval interval must be >= 1");
  if (cfg->batch_every < 1) return syn_err_set(e, SYN_ERR_ARG, "batch interval must be >= 1");
  if (train->n == 0) return syn_err_set(e, SYN_ERR_ARG, "empty training set");
  const bool mini = cfg->batch_size > 0 && cfg->batch_size < train->n;
  size_t ws_rows = train->n;
  if (valid && valid->n > ws_rows) ws_rows = valid->n;
  nn_ws ws;
  syn_status s = nn_ws_create(&ws, rule->net, ws_rows, e);
  if (s) return s;
  data_set bat = {0};
  uint32_t *perm = NULL;
  rng_t brng;
  rng_seed(&brng, cfg->seed, 0xba7c4);
  fio_writer csv = {0};
  char csv_path[4096] = "";
  nn_batch b;
  if (mini) {
    perm = malloc(train->n * sizeof *perm);
    if (!perm) {
      s = syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
      goto done;
    }
    if ((s = draw_batch(train, cfg->batch_size, &brng, perm, &bat, e))) goto done;
    b = data_set_batch(&bat);
  } else {
    b = data_set_batch(train);
  }
  if (cfg->out_dir) {
    snprintf(csv_path, sizeof csv_path, "%s/metrics.csv", cfg->out_dir);
    if ((s = fio_text_open(&csv, csv_path, e))) goto done;
    fprintf(csv.f, "iter,batch_loss,reward_rate,train_loss,train_acc,valid_loss,valid_acc,elapsed_s\n");
  }
  if ((s = rule->set_batch(rule, &b, e))) goto done;

  run_progress p = {0};
  p.iterations = cfg->iterations;
  p.train_loss = p.train_acc = p.valid_loss = p.valid_acc = NAN;
  p.batch_loss = NAN;
  double t0 = core_now(), c0 = core_cpu_seconds(), last_report = t0, best_valid = -1.0;
  long since_best = 0, pos = 0, steps = 0;
  long it;
  for (it = 1; it <= cfg->iterations; it++) {
    if (mini && (it - 1) % cfg->batch_every == 0 && it > 1) {
      if ((s = draw_batch(train, cfg->batch_size, &brng, perm, &bat, e))) goto done;
      b = data_set_batch(&bat);
      if ((s = rule->set_batch(rule, &b, e))) goto done;
    }
    learn_step_info info;
    if ((s = rule->step(rule, it, &info, e))) goto done;
    p.batch_loss = info.loss;
    pos += info.reward > 0;
    steps++;
    bool eval = it % cfg->eval_every == 0 || it == cfg->iterations ||
                (cfg->abort_below > 0 && it == cfg->abort_after);
    double now = core_now();
    if (eval) {
      p.reward_rate = (double)pos / (double)steps;
      if ((s = eval_sets(rule, &ws, train, valid, cfg, &p, e))) goto done;
      pos = steps = 0;
      if (csv.f)
        fprintf(csv.f, "%ld,%.10g,%.6g,%.10g,%.6f,%.10g,%.6f,%.3f\n", it, p.batch_loss,
                p.reward_rate, p.train_loss, p.train_acc, p.valid_loss, p.valid_acc, now - t0);
      if (csv.f) fflush(csv.f); /* the partial file (temporary name) shows progress */
      if (cfg->abort_below > 0 && it == cfg->abort_after && p.train_acc < cfg->abort_below) {
        res->aborted = true;
        break;
      }
      if (cfg->patience > 0 && valid && valid->n) {
        if (p.valid_acc > best_valid) {
          best_valid = p.valid_acc;
          res->best_iter = it;
          since_best = 0;
        } else if (++since_best >= cfg->patience) {
          res->stopped_early = true;
          break;
        }
      }
    }
    if (cfg->progress && (now - last_report >= cfg->progress_every_s)) {
      p.iter = it;
      p.elapsed = now - t0;
      p.iters_per_sec = it / (p.elapsed > 0 ? p.elapsed : 1e-9);
      p.eta = (cfg->iterations - it) / (p.iters_per_sec > 0 ? p.iters_per_sec : 1e-9);
      cfg->progress(cfg->progress_user, &p);
      last_report = now;
    }
  }
  res->iterations = it > cfg->iterations ? cfg->iterations : it;
  res->seconds = core_now() - t0;
  res->cpu_seconds = core_cpu_seconds() - c0;
  learn_rule_sync(rule);
  if (cfg->iterations == 0 && (s = eval_sets(rule, &ws, train, valid, cfg, &p, e))) goto done;
  res->batch_loss = p.batch_loss;
  res->train_loss = p.train_loss;
  res->train_acc = p.train_acc;
  res->valid_loss = p.valid_loss;
  res->valid_acc = p.valid_acc;
  if (test && test->n) {
    if (!core_shard_active(cfg->shard)) {
      run_evaluate(rule->net, test, rule->loss, cfg->acc, &res->test_loss, &res->test_acc);
    } else {
      nn_ws tws;
      if ((s = nn_ws_create(&tws, rule->net, test->n, e))) goto done;
      s = eval_set(rule->net, test, &tws, rule->loss, cfg->acc, cfg->shard, &res->test_loss,
                   &res->test_acc, e);
      nn_ws_destroy(&tws);
      if (s) goto done;
    }
  }
  if (cfg->progress) {
    p.iter = res->iterations;
    p.elapsed = res->seconds;
    p.iters_per_sec = res->iterations / (res->seconds > 0 ? res->seconds : 1e-9);
    p.eta = 0;
    p.final = true;
    cfg->progress(cfg->progress_user, &p);
  }
  if (csv.f) {
    if (ferror(csv.f)) csv.err = EIO;
    s = fio_text_commit(&csv, e);
  }
done:
  if (s && csv.f) fio_writer_abort(&csv);
  data_set_free(&bat);
  free(perm);
  nn_ws_destroy(&ws);
  return s;
}
