/* The training driver: minibatch draws, evaluation, metrics, progress. Works
 * with any learn_rule. */
#include "synrl/train.h"
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

/* ---------------- checkpoints ---------------- */
/* Everything of the loop that the next iteration reads. */
typedef struct loop_state {
  long it;           /* iterations done */
  rng_t brng;        /* minibatch draws */
  long pos, steps;   /* rewards since the last evaluation */
  run_progress p;    /* last evaluation's values */
  double best_valid;
  long since_best, best_iter;
  double elapsed, cpu; /* time so far (reported, not part of the results) */
} loop_state;

syn_status run_checkpoint_check(const char *path, const char *config, syn_err *e) {
  return ckpt_file_check_text(path, "run.config", config, e);
}

static syn_status save_checkpoint(learn_rule *rule, const run_config *cfg, const char *path,
                                  const loop_state *ls,
                                  const uint32_t *batch_idx, size_t batch_n, const run_metrics *metrics,
                                  run_result *res, syn_err *e) {
  double t0 = core_now();
  if (metrics->oom) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory keeping the metrics");
  ckpt_writer w;
  ckpt_writer_init(&w);
  ckpt_begin(&w, "run.config");
  ckpt_put_str(&w, cfg->ckpt_config ? cfg->ckpt_config : "");
  ckpt_end(&w);
  ckpt_begin(&w, "run");
  ckpt_put_str(&w, rule->name);
  ckpt_put_i64(&w, cfg->iterations);
  ckpt_put_i64(&w, ls->it);
  for (int i = 0; i < 4; i++) ckpt_put_u64(&w, ls->brng.s[i]);
  ckpt_put_u64(&w, batch_n);
  for (size_t i = 0; i < batch_n; i++) ckpt_put_u32(&w, batch_idx[i]);
  ckpt_put_i64(&w, ls->pos);
  ckpt_put_i64(&w, ls->steps);
  const double pv[6] = {ls->p.batch_loss, ls->p.train_loss, ls->p.train_acc,
                        ls->p.valid_loss, ls->p.valid_acc,  ls->p.reward_rate};
  ckpt_put_f64s(&w, pv, 6);
  ckpt_put_f64(&w, ls->best_valid);
  ckpt_put_i64(&w, ls->since_best);
  ckpt_put_i64(&w, ls->best_iter);
  ckpt_put_f64(&w, ls->elapsed);
  ckpt_put_f64(&w, ls->cpu);
  ckpt_end(&w);
  run_metrics_save(metrics, &w, "run.metrics");
  learn_rule_sync(rule);
  ckpt_begin(&w, "net");
  ckpt_put_u64(&w, rule->net->n_params);
  ckpt_put_f64s(&w, rule->net->params, rule->net->n_params);
  ckpt_end(&w);
  syn_status s = rule->save(rule, &w, e);
  if (!s) s = ckpt_writer_save(&w, path, e);
  if (!s) {
    res->checkpoints++;
    res->ckpt_bytes = w.len + 4;
    res->ckpt_seconds += core_now() - t0;
  }
  ckpt_writer_free(&w);
  return s;
}

/* Restores the loop, the weights, the rule and the metrics; leaves the
 * current minibatch's rows in batch_idx[0..batch_n). */
static syn_status load_checkpoint(learn_rule *rule, const data_set *train, const run_config *cfg,
                                  bool mini, loop_state *ls, uint32_t *batch_idx, run_metrics *metrics,
                                  syn_err *e) {
  ckpt_file f;
  syn_status st = ckpt_read(&f, cfg->resume_path, e);
  if (st) return st;
  if ((st = ckpt_check_text(&f, "run.config", cfg->ckpt_config, e))) goto out;
  ckpt_sec s;
  if ((st = ckpt_open(&f, "run", &s, e))) goto out;
  size_t nlen;
  const char *name = ckpt_get_str(&s, &nlen);
  if (!s.err && (nlen != strlen(rule->name) || memcmp(name, rule->name, nlen) != 0)) {
    st = ckpt_sec_fail(&s, e, "written by another learning rule");
    goto out;
  }
  int64_t iters = ckpt_get_i64(&s), it = ckpt_get_i64(&s);
  for (int i = 0; i < 4; i++) ls->brng.s[i] = ckpt_get_u64(&s);
  uint64_t bn = ckpt_get_u64(&s);
  size_t want = mini ? cfg->batch_size : 0;
  if (!s.err && (iters != cfg->iterations || it < 0 || it > iters || bn != want)) {
    st = ckpt_sec_fail(&s, e, "iteration count or minibatch size out of range");
    goto out;
  }
  for (size_t i = 0; i < want && !s.err; i++) {
    batch_idx[i] = ckpt_get_u32(&s);
    if (batch_idx[i] >= train->n) {
      st = ckpt_sec_fail(&s, e, "minibatch row beyond the training set");
      goto out;
    }
  }
  ls->it = (long)it;
  ls->pos = (long)ckpt_get_i64(&s);
  ls->steps = (long)ckpt_get_i64(&s);
  double pv[6];
  ckpt_get_f64s(&s, pv, 6);
  ls->p.batch_loss = pv[0];
  ls->p.train_loss = pv[1];
  ls->p.train_acc = pv[2];
  ls->p.valid_loss = pv[3];
  ls->p.valid_acc = pv[4];
  ls->p.reward_rate = pv[5];
  ls->best_valid = ckpt_get_f64(&s);
  ls->since_best = (long)ckpt_get_i64(&s);
  ls->best_iter = (long)ckpt_get_i64(&s);
  ls->elapsed = ckpt_get_f64(&s);
  ls->cpu = ckpt_get_f64(&s);
  if ((st = ckpt_sec_done(&s, e))) goto out;
  if (ls->pos < 0 || ls->steps < 0 || ls->pos > ls->steps || ls->steps > ls->it ||
      ls->since_best < 0 || ls->since_best > ls->it ||
      ls->best_iter < 0 || ls->best_iter > ls->it || !(ls->brng.s[0] | ls->brng.s[1] | ls->brng.s[2] | ls->brng.s[3])) {
    st = ckpt_sec_fail(&s, e, "loop state out of range");
    goto out;
  }
  if ((st = run_metrics_load(metrics, &f, "run.metrics", e))) goto out;
  if ((st = ckpt_open(&f, "net", &s, e))) goto out;
  nn_mlp *net = rule->net;
  if (ckpt_get_u64(&s) != net->n_params || ckpt_remaining(&s) != net->n_params * 8) {
    st = ckpt_sec_fail(&s, e, "parameter count differs from this network's");
    goto out;
  }
  ckpt_get_f64s(&s, net->params, net->n_params);
  if ((st = ckpt_sec_done(&s, e))) goto out;
  st = rule->load(rule, &f, e);
out:
  ckpt_file_free(&f);
  return st;
}

syn_status run_train(learn_rule *rule, const data_set *train, const data_set *valid,
                     const data_set *test, const run_config *cfg, run_result *res, syn_err *e) {
  memset(res, 0, sizeof *res);
  res->valid_loss = res->valid_acc = res->test_loss = res->test_acc = NAN;
  if (cfg->iterations < 0) return syn_err_set(e, SYN_ERR_ARG, "iterations must be >= 0");
  if (cfg->eval_every < 1) return syn_err_set(e, SYN_ERR_ARG, "eval interval must be >= 1");
  if (cfg->batch_every < 1) return syn_err_set(e, SYN_ERR_ARG, "batch interval must be >= 1");
  if (train->n == 0) return syn_err_set(e, SYN_ERR_ARG, "empty training set");
  /* a rule without save/load trains as before, without checkpoints */
  const bool can_ckpt = rule->save && rule->load;
  if (cfg->resume_path && !can_ckpt)
    return syn_err_set(e, SYN_ERR_UNSUPPORTED, "rule %s cannot be checkpointed", rule->name);
  const char *ckpt_path = can_ckpt ? cfg->ckpt_path : NULL;
  if (cfg->ckpt_every < 0 || cfg->ckpt_every_s < 0)
    return syn_err_set(e, SYN_ERR_ARG, "checkpoint interval must be >= 0");
  const bool mini = cfg->batch_size > 0 && cfg->batch_size < train->n;
  size_t ws_rows = train->n;
  if (valid && valid->n > ws_rows) ws_rows = valid->n;
  nn_ws ws;
  syn_status s = nn_ws_create(&ws, rule->net, ws_rows, e);
  if (s) return s;
  data_set bat = {0};
  uint32_t *perm = NULL;
  run_metrics metrics;
  s = run_metrics_init(&metrics, MLP_METRICS_COLUMNS, e);
  if (s) {
    nn_ws_destroy(&ws);
    return s;
  }
  loop_state ls;
  memset(&ls, 0, sizeof ls);
  rng_seed(&ls.brng, cfg->seed, 0xba7c4);
  ls.p.iterations = cfg->iterations;
  ls.p.train_loss = ls.p.train_acc = ls.p.valid_loss = ls.p.valid_acc = NAN;
  ls.p.batch_loss = NAN;
  ls.best_valid = -1.0;
  fio_writer csv = {0};
  char csv_path[4096] = "";
  nn_batch b;
  if (mini) {
    perm = malloc(train->n * sizeof *perm);
    if (!perm) {
      s = syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
      goto done;
    }
  }
  if (cfg->resume_path) {
    if ((s = load_checkpoint(rule, train, cfg, mini, &ls, perm, &metrics, e))) goto done;
    res->resumed_at = ls.it;
    if (mini && (s = data_set_subset(&bat, train, perm, cfg->batch_size, e))) goto done;
  } else {
    if (mini && (s = draw_batch(train, cfg->batch_size, &ls.brng, perm, &bat, e))) goto done;
  }
  b = mini ? data_set_batch(&bat) : data_set_batch(train);
  if (cfg->out_dir) {
    snprintf(csv_path, sizeof csv_path, "%s/metrics.csv", cfg->out_dir);
    if ((s = fio_text_open(&csv, csv_path, e))) goto done;
    fwrite(metrics.text, 1, metrics.len, csv.f);
  }
  if ((s = rule->set_batch(rule, &b, e))) goto done;

  run_progress *p = &ls.p;
  /* time continues from the checkpoint's */
  double t0 = core_now() - ls.elapsed, c0 = core_cpu_seconds() - ls.cpu;
  const double t_start = core_now();
  double last_report = t_start, last_ckpt = t_start;
  long it;
  for (it = ls.it + 1; it <= cfg->iterations; it++) {
    if (mini && (it - 1) % cfg->batch_every == 0 && it > 1) {
      if ((s = draw_batch(train, cfg->batch_size, &ls.brng, perm, &bat, e))) goto done;
      b = data_set_batch(&bat);
      if ((s = rule->set_batch(rule, &b, e))) goto done;
    }
    learn_step_info info;
    if ((s = rule->step(rule, it, &info, e))) goto done;
    p->batch_loss = info.loss;
    ls.pos += info.reward > 0;
    ls.steps++;
    bool eval = it % cfg->eval_every == 0 || it == cfg->iterations ||
                (cfg->abort_below > 0 && it == cfg->abort_after);
    double now = core_now();
    if (eval) {
      p->reward_rate = (double)ls.pos / (double)ls.steps;
      if ((s = eval_sets(rule, &ws, train, valid, cfg, p, e))) goto done;
      ls.pos = ls.steps = 0;
      const size_t at = metrics.len;
      const double cols[6] = {p->batch_loss, p->reward_rate, p->train_loss,
                              p->train_acc,  p->valid_loss,  p->valid_acc};
      run_metrics_row(&metrics, (double)it, now - t0, cols);
      if (csv.f && !metrics.oom) {
        fwrite(metrics.text + at, 1, metrics.len - at, csv.f);
        fflush(csv.f); /* the partial file (temporary name) shows progress */
      }
      if (cfg->abort_below > 0 && it == cfg->abort_after && p->train_acc < cfg->abort_below) {
        res->aborted = true;
        break;
      }
      if (cfg->patience > 0 && valid && valid->n) {
        if (p->valid_acc > ls.best_valid) {
          ls.best_valid = p->valid_acc;
          ls.best_iter = it;
          ls.since_best = 0;
        } else if (++ls.since_best >= cfg->patience) {
          res->stopped_early = true;
          break;
        }
      }
    }
    if (cfg->progress && (now - last_report >= cfg->progress_every_s)) {
      p->iter = it;
      p->elapsed = now - t0;
      p->iters_per_sec = (double)(it - res->resumed_at) / (now - t_start > 0 ? now - t_start : 1e-9);
      p->eta = (cfg->iterations - it) / (p->iters_per_sec > 0 ? p->iters_per_sec : 1e-9);
      cfg->progress(cfg->progress_user, p);
      last_report = now;
    }
    bool stop = cfg->stop && *cfg->stop;
    if (it < cfg->iterations &&
        (stop || (ckpt_path && ((cfg->ckpt_every > 0 && it % cfg->ckpt_every == 0) ||
                                (cfg->ckpt_every_s > 0 && now - last_ckpt >= cfg->ckpt_every_s))))) {
      if (!ckpt_path) {
        s = syn_err_set(e, SYN_ERR_ABORTED, "interrupted at iteration %ld; %s", it,
                        can_ckpt ? "no checkpoint file given" : "this rule cannot be checkpointed");
        goto done;
      }
      ls.it = it;
      ls.elapsed = now - t0;
      ls.cpu = core_cpu_seconds() - c0;
      if ((s = save_checkpoint(rule, cfg, ckpt_path, &ls, perm, mini ? cfg->batch_size : 0, &metrics, res, e)))
        goto done;
      last_ckpt = core_now();
      if (stop) {
        res->interrupted = true;
        res->iterations = it;
        res->seconds = core_now() - t0;
        res->cpu_seconds = core_cpu_seconds() - c0;
        goto done; /* no metrics.csv: the checkpoint holds the rows */
      }
    }
  }
  res->best_iter = ls.best_iter;
  res->iterations = it > cfg->iterations ? cfg->iterations : it;
  res->seconds = core_now() - t0;
  res->cpu_seconds = core_cpu_seconds() - c0;
  learn_rule_sync(rule);
  if (cfg->iterations == 0 && (s = eval_sets(rule, &ws, train, valid, cfg, p, e))) goto done;
  res->batch_loss = p->batch_loss;
  res->train_loss = p->train_loss;
  res->train_acc = p->train_acc;
  res->valid_loss = p->valid_loss;
  res->valid_acc = p->valid_acc;
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
    p->iter = res->iterations;
    p->elapsed = res->seconds;
    p->iters_per_sec = (double)(res->iterations - res->resumed_at) /
                       (core_now() - t_start > 0 ? core_now() - t_start : 1e-9);
    p->eta = 0;
    p->final = true;
    cfg->progress(cfg->progress_user, p);
  }
  if (csv.f) {
    if (ferror(csv.f)) csv.err = EIO;
    if (metrics.oom) csv.err = ENOMEM;
    s = fio_text_commit(&csv, e);
  }
done:
  if (csv.f) fio_writer_abort(&csv);
  run_metrics_free(&metrics);
  data_set_free(&bat);
  free(perm);
  nn_ws_destroy(&ws);
  return s;
}
