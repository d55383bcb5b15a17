/* Learning one static synaptic policy over a stream of tasks, and applying
 * frozen tables to held-out tasks (see data.h). The paper's procedure (one
 * adaptive run, then freeze) gives tables that do not transfer
 * (docs/results.md, section 1); here the table sees many fresh runs, and
 * snapshots are judged by what they do when frozen. */
#include "synrl/train.h"
#include "core/fileio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void plearn_eval_config_default(plearn_eval_config *c) {
  memset(c, 0, sizeof *c);
  c->n_boundaries = 4;
  c->boundary_seed0 = 1001;
  c->run_seed0 = 1001;
  c->iterations = 10000;
  c->epsilon = 0.25;
  c->alpha_s = 1e-3;
  c->hidden = 100;
  c->points = 2000;
  c->path = SYNRL_PATH_SMALL;
  c->img_iterations = 20000;
  c->img_batch = 5000;
  c->img_batch_every = 5000;
  c->img_epsilon = 0.1;
  c->img_alpha_s = 1e-4;
  c->img_init_range = 0.1;
  c->img_seed = 1;
}

void plearn_config_default(plearn_config *c) {
  memset(c, 0, sizeof *c);
  c->seed = 1;
  c->iterations = 60000;
  c->task_max_iterations = 10000;
  c->check_every = 250;
  c->converge_acc = 0.995;
  c->stall_checks = 8;
  c->stall_tol = 0.01;
  c->epsilon = 0.25;
  c->alpha_q = 1e-4; /* the paper's 0.01 gives tables that do not transfer (docs/results.md) */
  c->gamma = 0.9;
  c->alpha_s_min = c->alpha_s_max = 1e-3;
  c->hidden_min = c->hidden_max = 100;
  c->acts = PLEARN_ACT_TANH;
  c->init_range = 1.0;
  c->points = 2000;
  /* Q starts near the level it settles at on this stream (about 2): from 0,
   * the action a state happens to take first gets updated most, rises first
   * and stays greedy while the others are still climbing */
  c->init_value = 2.0;
  c->average = true;
  c->snapshot_every = 20000;
  c->select_best = true;
  c->image_weight = 0.5;
  plearn_eval_config_default(&c->eval);
}

/* A static synaptic-RL run of `iters` iterations; returns the final metrics. */
static syn_status run_static(const synrl_policy *p, nn_mlp *net, nn_loss loss, double epsilon,
                             double alpha_s, uint64_t seed, synrl_path path, const data_set *train,
                             const data_set *valid, long iters, size_t batch, long batch_every,
                             nn_acc acc, run_result *res, syn_err *e) {
  synrl_policy frozen = *p; /* the trainer takes a mutable table; static mode leaves it alone */
  synrl_config sc;
  synrl_config_default(&sc);
  sc.epsilon = epsilon;
  sc.alpha_s = alpha_s;
  sc.adaptive = false;
  sc.seed = seed;
  sc.path = path;
  synrl_trainer *t = NULL;
  syn_status s = synrl_trainer_create(&t, net, loss, &frozen, &sc, batch ? batch : train->n, e);
  if (s) return s;
  run_config rc;
  run_config_default(&rc);
  rc.iterations = iters;
  rc.batch_size = batch;
  rc.batch_every = batch_every;
  rc.eval_every = iters > 0 ? iters : 1; /* the final evaluation only */
  rc.seed = seed;
  rc.acc = acc;
  s = run_train(&t->rule, train, valid, NULL, &rc, res, e);
  learn_rule_destroy(&t->rule);
  return s;
}

syn_status plearn_apply_2d(const synrl_policy *p, const plearn_eval_config *c,
                           uint64_t boundary_seed, uint64_t run_seed, double *acc, double *loss,
                           syn_err *e) {
  boundary2d_config bc;
  boundary2d_config_default(&bc);
  bc.seed = boundary_seed;
  bc.n_train = c->points;
  bc.n_valid = 0;
  nn_mlp target, net;
  data_set train, valid;
  syn_status s = boundary2d_make(&bc, &target, &train, &valid, e);
  if (s) return s;
  /* the trainee exactly as 'synrl train --task boundary2d --seed run_seed' makes it */
  int widths[3] = {2, c->hidden, 1};
  nn_act act[2] = {NN_ACT_TANH, NN_ACT_TANH};
  s = nn_mlp_create(&net, 2, widths, act, e);
  if (!s) {
    rng_t r;
    rng_seed(&r, run_seed, 0x1417);
    nn_mlp_init_uniform(&net, 1.0, &r);
    run_result res;
    s = run_static(p, &net, NN_LOSS_EUCLID, c->epsilon, c->alpha_s, run_seed, c->path, &train,
                   NULL, c->iterations, 0, 1, NN_ACC_SIGN, &res, e);
    if (!s) {
      *acc = res.train_acc;
      *loss = res.train_loss;
    }
    nn_mlp_destroy(&net);
  }
  nn_mlp_destroy(&target);
  data_set_free(&train);
  data_set_free(&valid);
  return s;
}

syn_status plearn_apply_images(const synrl_policy *p, const plearn_eval_config *c, double *acc,
                               double *loss, syn_err *e) {
  const data_set *tr = c->img_train, *va = c->img_valid;
  if (!tr || !va || tr->n == 0 || va->n == 0)
    return syn_err_set(e, SYN_ERR_ARG, "image task: no training or validation data");
  if (tr->out_dim < 2 || !tr->labels)
    return syn_err_set(e, SYN_ERR_ARG, "image task: needs classification data");
  size_t batch = c->img_batch < tr->n ? c->img_batch : 0;
  int widths[2] = {tr->in_dim, tr->out_dim};
  nn_act act[1] = {NN_ACT_IDENTITY};
  nn_mlp net;
  syn_status s = nn_mlp_create(&net, 1, widths, act, e);
  if (s) return s;
  rng_t r;
  rng_seed(&r, c->img_seed, 0x1417);
  nn_mlp_init_uniform(&net, c->img_init_range, &r);
  run_result res;
  s = run_static(p, &net, NN_LOSS_SOFTMAX_CE, c->img_epsilon, c->img_alpha_s, c->img_seed,
                 SYNRL_PATH_AUTO, tr, va, c->img_iterations, batch, c->img_batch_every,
                 NN_ACC_ARGMAX, &res, e);
  if (!s) {
    *acc = res.valid_acc;
    *loss = res.valid_loss;
  }
  nn_mlp_destroy(&net);
  return s;
}

double plearn_score(const plearn_scores *s, double w) {
  if (s->n > 0 && s->has_img) return (1.0 - w) * s->acc_mean + w * s->img_acc;
  if (s->n > 0) return s->acc_mean;
  if (s->has_img) return s->img_acc;
  return NAN;
}

bool plearn_better(const plearn_scores *cand, const plearn_scores *best, bool have_best) {
  if (isnan(cand->score)) return false;
  if (!have_best || isnan(best->score)) return true;
  return cand->score > best->score;
}

syn_status plearn_evaluate(const synrl_policy *p, const plearn_eval_config *c, double image_weight,
                           plearn_scores *out, syn_err *e) {
  memset(out, 0, sizeof *out);
  if (c->n_boundaries < 0 || c->n_boundaries > PLEARN_MAX_TASKS)
    return syn_err_set(e, SYN_ERR_ARG, "held-out boundaries: %d not in [0, %d]", c->n_boundaries,
                       PLEARN_MAX_TASKS);
  if (c->n_boundaries == 0 && !c->img_train)
    return syn_err_set(e, SYN_ERR_ARG, "no held-out tasks");
  out->acc_min = out->loss_min = INFINITY;
  out->acc_max = out->loss_max = -INFINITY;
  for (int i = 0; i < c->n_boundaries; i++) {
    syn_status s = plearn_apply_2d(p, c, c->boundary_seed0 + (uint64_t)i, c->run_seed0 + (uint64_t)i,
                                   &out->acc[i], &out->loss[i], e);
    if (s) return s;
    out->n++;
    out->acc_mean += out->acc[i];
    out->loss_mean += out->loss[i];
    out->acc_min = fmin(out->acc_min, out->acc[i]);
    out->acc_max = fmax(out->acc_max, out->acc[i]);
    out->loss_min = fmin(out->loss_min, out->loss[i]);
    out->loss_max = fmax(out->loss_max, out->loss[i]);
  }
  if (out->n) {
    out->acc_mean /= out->n;
    out->loss_mean /= out->n;
  } else {
    out->acc_mean = out->acc_min = out->acc_max = NAN;
    out->loss_mean = out->loss_min = out->loss_max = NAN;
  }
  out->img_acc = out->img_loss = NAN;
  if (c->img_train) {
    syn_status s = plearn_apply_images(p, c, &out->img_acc, &out->img_loss, e);
    if (s) return s;
    out->has_img = true;
  }
  out->score = plearn_score(out, image_weight);
  return SYN_OK;
}

/* ---------------- the learning stream ---------------- */

typedef struct learn_state {
  const plearn_config *c;
  plearn_result *res;
  plearn_snapshot *log;  /* every snapshot so far */
  int log_cap;
  bool have_best;
  long restarts_converged, restarts_stalled;
  double t0;
  plearn_progress_fn progress;
  void *user;
} learn_state;

static void out_path(char *buf, size_t n, const char *dir, const char *name) {
  snprintf(buf, n, "%s/%s", dir, name);
}

/* log.csv (the snapshots' transfer scores, kept for scripts) and metrics.csv
 * (the same in the layout every run shares: step = iteration, seconds, then
 * PLEARN_METRICS_COLUMNS). Both rewritten whole: "best" moves. */
static syn_status write_log(const learn_state *st, syn_err *e) {
  char path[4200];
  out_path(path, sizeof path, st->c->out_dir, "log.csv");
  fio_writer w;
  syn_status s = fio_text_open(&w, path, e);
  if (s) return s;
  run_metrics m;
  if ((s = run_metrics_init(&m, PLEARN_METRICS_COLUMNS, e))) {
    fio_writer_abort(&w);
    return s;
  }
  fprintf(w.f, "snapshot,iteration,tasks,restarts_converged,restarts_stalled,acc_2d_mean,acc_2d_min,"
               "acc_2d_max,loss_2d_mean,img_acc,img_loss,score,best,seconds\n");
  for (int i = 0; i < st->res->n_snapshots; i++) {
    const plearn_snapshot *p = &st->log[i];
    const bool best = p->index == st->res->best_index;
    fprintf(w.f, "%d,%ld,%ld,%ld,%ld,%.6f,%.6f,%.6f,%.8g,%.6f,%.8g,%.6f,%d,%.2f\n", p->index,
            p->iteration, p->tasks, p->restarts_converged, p->restarts_stalled, p->scores.acc_mean,
            p->scores.acc_min, p->scores.acc_max, p->scores.loss_mean, p->scores.img_acc,
            p->scores.img_loss, p->scores.score, best, p->seconds);
    const double row[12] = {p->index, (double)p->tasks, (double)p->restarts_converged,
                            (double)p->restarts_stalled, p->scores.acc_mean, p->scores.acc_min,
                            p->scores.acc_max, p->scores.loss_mean, p->scores.img_acc,
                            p->scores.img_loss, p->scores.score, best};
    run_metrics_row(&m, (double)p->iteration, p->seconds, row);
  }
  if (ferror(w.f)) w.err = EIO;
  s = fio_text_commit(&w, e);
  out_path(path, sizeof path, st->c->out_dir, "metrics.csv");
  if (!s) s = run_metrics_write(&m, path, e);
  run_metrics_free(&m);
  return s;
}

static void json_num(FILE *f, const char *name, double v, bool comma) {
  if (isnan(v))
    fprintf(f, "  \"%s\": null%s\n", name, comma ? "," : "");
  else
    fprintf(f, "  \"%s\": %.10g%s\n", name, v, comma ? "," : "");
}

static syn_status write_best(const learn_state *st, syn_err *e) {
  const plearn_config *c = st->c;
  const plearn_result *r = st->res;
  char path[4200], comment[512];
  out_path(path, sizeof path, c->out_dir, "best.txt");
  snprintf(comment, sizeof comment,
           "synrl policy learn, seed %llu: snapshot %d after %ld iterations; held-out 2D mean "
           "accuracy %.4f, image accuracy %.4f, score %.4f",
           (unsigned long long)c->seed, r->best_index, r->best_iteration, r->best_scores.acc_mean,
           r->best_scores.img_acc, r->best_scores.score);
  return synrl_policy_save(&r->best, path, comment, e);
}

/* Written once the stream is done: its presence marks a finished run. */
static syn_status write_best_json(const learn_state *st, syn_err *e) {
  const plearn_config *c = st->c;
  const plearn_result *r = st->res;
  char path[4200];
  syn_status s;
  out_path(path, sizeof path, c->out_dir, "best.json");
  fio_writer w;
  if ((s = fio_text_open(&w, path, e))) return s;
  FILE *f = w.f;
  fprintf(f, "{\n  \"seed\": %llu,\n  \"snapshot\": %d,\n  \"iteration\": %ld,\n",
          (unsigned long long)c->seed, r->best_index, r->best_iteration);
  fprintf(f, "  \"select\": \"%s\",\n  \"average\": %s,\n", c->select_best ? "best" : "last",
          c->average ? "true" : "false");
  json_num(f, "score", r->best_scores.score, true);
  json_num(f, "acc_2d_mean", r->best_scores.acc_mean, true);
  json_num(f, "acc_2d_min", r->best_scores.acc_min, true);
  json_num(f, "acc_2d_max", r->best_scores.acc_max, true);
  json_num(f, "loss_2d_mean", r->best_scores.loss_mean, true);
  json_num(f, "img_acc", r->best_scores.img_acc, true);
  json_num(f, "img_loss", r->best_scores.img_loss, true);
  fprintf(f, "  \"acc_2d\": [");
  for (int i = 0; i < r->best_scores.n; i++)
    fprintf(f, "%s%.6f", i ? ", " : "", r->best_scores.acc[i]);
  fprintf(f, "],\n  \"holdout_boundary_seeds\": [%llu, %llu],\n",
          (unsigned long long)c->eval.boundary_seed0,
          (unsigned long long)(c->eval.boundary_seed0 + (uint64_t)(c->eval.n_boundaries ? c->eval.n_boundaries - 1 : 0)));
  fprintf(f, "  \"holdout_iterations\": %ld,\n  \"img_iterations\": %ld\n}\n", c->eval.iterations,
          c->eval.img_train ? c->eval.img_iterations : 0L);
  if (ferror(f)) w.err = EIO;
  return fio_text_commit(&w, e);
}

/* summary.json (kind "policy-learn"): the settings, then best.json's figures. */
static syn_status write_summary(const learn_state *st, syn_err *e) {
  const plearn_config *c = st->c;
  const plearn_result *r = st->res;
  run_summary *s;
  syn_status rc = run_summary_new(&s, RUN_KIND_POLICY_LEARN, c->argc, c->argv, c->settings,
                                  "iteration", e);
  if (rc) return rc;
  run_summary_int(s, "seed", (long long)c->seed);
  run_summary_int(s, "iterations", c->iterations);
  run_summary_int(s, "tasks", r->tasks);
  run_summary_int(s, "snapshots", r->n_snapshots);
  run_summary_int(s, "snapshot", r->best_index);
  run_summary_int(s, "iteration", r->best_iteration);
  run_summary_str(s, "select", c->select_best ? "best" : "last");
  run_summary_bool(s, "average", c->average);
  const plearn_scores *b = &r->best_scores;
  run_summary_num(s, "score", b->score);
  run_summary_num(s, "acc_2d_mean", b->acc_mean);
  run_summary_num(s, "acc_2d_min", b->acc_min);
  run_summary_num(s, "acc_2d_max", b->acc_max);
  run_summary_num(s, "loss_2d_mean", b->loss_mean);
  run_summary_num(s, "img_acc", b->img_acc);
  run_summary_num(s, "img_loss", b->img_loss);
  run_summary_nums(s, "acc_2d", b->acc, (size_t)b->n);
  run_summary_int(s, "holdout_boundary_seed0", (long long)c->eval.boundary_seed0);
  run_summary_int(s, "holdout_boundaries", c->eval.n_boundaries);
  run_summary_int(s, "holdout_iterations", c->eval.iterations);
  run_summary_int(s, "img_iterations", c->eval.img_train ? c->eval.img_iterations : 0L);
  run_summary_hex64(s, "best_fnv1a64", core_fnv1a64(r->best.q, sizeof r->best.q, CORE_FNV_INIT));
  char path[4200];
  out_path(path, sizeof path, c->out_dir, "summary.json");
  rc = run_summary_write(s, path, e);
  run_summary_free(s);
  return rc;
}

static syn_status take_snapshot(learn_state *st, const synrl_policy *snap, long iteration,
                                long tasks, syn_err *e) {
  const plearn_config *c = st->c;
  plearn_result *r = st->res;
  if (r->n_snapshots >= st->log_cap) {
    int cap = st->log_cap ? 2 * st->log_cap : 16;
    plearn_snapshot *nl = realloc(st->log, (size_t)cap * sizeof *nl);
    if (!nl) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
    st->log = nl;
    st->log_cap = cap;
  }
  plearn_snapshot *p = &st->log[r->n_snapshots];
  memset(p, 0, sizeof *p);
  p->index = r->n_snapshots;
  p->iteration = iteration;
  p->tasks = tasks;
  p->restarts_converged = st->restarts_converged;
  p->restarts_stalled = st->restarts_stalled;
  syn_status s = plearn_evaluate(snap, &c->eval, c->image_weight, &p->scores, e);
  if (s) return s;
  p->is_best = c->select_best ? plearn_better(&p->scores, &r->best_scores, st->have_best) : true;
  r->n_snapshots++;
  r->last = *snap;
  if (p->is_best) {
    st->have_best = true;
    r->best = *snap;
    r->best_scores = p->scores;
    r->best_index = p->index;
    r->best_iteration = iteration;
  }
  p->seconds = core_now() - st->t0;
  if (c->out_dir) {
    char path[4200];
    out_path(path, sizeof path, c->out_dir, "last.txt");
    if ((s = synrl_policy_save(snap, path, "synrl policy learn: the latest snapshot", e))) return s;
    if (p->is_best && (s = write_best(st, e))) return s;
    if ((s = write_log(st, e))) return s;
  }
  if (st->progress) st->progress(st->user, p);
  return SYN_OK;
}

static syn_status check_config(const plearn_config *c, syn_err *e) {
  if (c->iterations < 1) return syn_err_set(e, SYN_ERR_ARG, "iterations must be >= 1");
  if (c->task_max_iterations < 1) return syn_err_set(e, SYN_ERR_ARG, "task iterations must be >= 1");
  if (c->check_every < 1) return syn_err_set(e, SYN_ERR_ARG, "check interval must be >= 1");
  if (c->snapshot_every < 1) return syn_err_set(e, SYN_ERR_ARG, "snapshot interval must be >= 1");
  if (c->hidden_min < 1 || c->hidden_max < c->hidden_min)
    return syn_err_set(e, SYN_ERR_ARG, "hidden widths: need 1 <= min <= max");
  if (!(c->alpha_s_min > 0) || !(c->alpha_s_max >= c->alpha_s_min) || !isfinite(c->alpha_s_max))
    return syn_err_set(e, SYN_ERR_ARG, "step sizes: need 0 < min <= max");
  if (!(c->acts & (PLEARN_ACT_TANH | PLEARN_ACT_RELU | PLEARN_ACT_SIGMOID)))
    return syn_err_set(e, SYN_ERR_ARG, "no trainee activation to draw from");
  if (!(c->image_weight >= 0 && c->image_weight <= 1))
    return syn_err_set(e, SYN_ERR_ARG, "image weight %g not in [0, 1]", c->image_weight);
  if (c->points < 1) return syn_err_set(e, SYN_ERR_ARG, "points must be >= 1");
  if (c->iterations > 2000000000L || c->task_max_iterations > 2000000000L)
    return syn_err_set(e, SYN_ERR_ARG, "at most 2,000,000,000 iterations");
  return SYN_OK;
}

syn_status plearn_run(const plearn_config *c, const synrl_policy *init, plearn_progress_fn progress,
                      void *user, plearn_result *res, syn_err *e) {
  memset(res, 0, sizeof *res);
  res->best_index = -1;
  syn_status s = check_config(c, e);
  if (s) return s;
  learn_state st = {.c = c, .res = res, .progress = progress, .user = user, .t0 = core_now()};
  synrl_policy live, avg;
  if (init) {
    live = *init;
  } else {
    for (int q = 0; q < SYNRL_N_Q; q++) live.q[q] = c->init_value;
  }
  double sum[SYNRL_N_Q] = {0};
  long n_sum = 0, done = 0, tasks = 0;
  nn_act acts[3];
  int n_acts = 0;
  if (c->acts & PLEARN_ACT_TANH) acts[n_acts++] = NN_ACT_TANH;
  if (c->acts & PLEARN_ACT_RELU) acts[n_acts++] = NN_ACT_RELU;
  if (c->acts & PLEARN_ACT_SIGMOID) acts[n_acts++] = NN_ACT_SIGMOID;
  rng_t tr;
  rng_seed(&tr, c->seed, 0x9a5c);
  while (done < c->iterations && !s) {
    /* a fresh task: boundary seeds have bit 62 set, so they never meet the
     * small seeds used for held-out boundaries */
    uint64_t bseed = rng_next_u64(&tr) | (1ULL << 62), rseed = rng_next_u64(&tr);
    int width = c->hidden_min + (int)rng_below(&tr, (uint64_t)(c->hidden_max - c->hidden_min + 1));
    nn_act act = acts[rng_below(&tr, (uint64_t)n_acts)];
    double u = rng_uniform(&tr);
    double alpha_s = c->alpha_s_min == c->alpha_s_max
                         ? c->alpha_s_min
                         : exp(log(c->alpha_s_min) + u * (log(c->alpha_s_max) - log(c->alpha_s_min)));
    tasks++;
    boundary2d_config bc;
    boundary2d_config_default(&bc);
    bc.seed = bseed;
    bc.n_train = c->points;
    bc.n_valid = 0;
    nn_mlp target, net;
    data_set train, valid;
    if ((s = boundary2d_make(&bc, &target, &train, &valid, e))) break;
    int widths[3] = {2, width, 1};
    nn_act nact[2] = {act, NN_ACT_TANH};
    synrl_trainer *t = NULL;
    if (!(s = nn_mlp_create(&net, 2, widths, nact, e))) {
      rng_t ir;
      rng_seed(&ir, rseed, 0x1417);
      nn_mlp_init_uniform(&net, c->init_range, &ir);
      synrl_config sc;
      synrl_config_default(&sc);
      sc.epsilon = c->epsilon;
      sc.alpha_s = alpha_s;
      sc.alpha_q = c->alpha_q;
      sc.gamma = c->gamma;
      sc.adaptive = true;
      sc.seed = rseed;
      sc.path = SYNRL_PATH_SMALL;
      s = synrl_trainer_create(&t, &net, NN_LOSS_EUCLID, &live, &sc, train.n, e);
      nn_batch b = data_set_batch(&train);
      if (!s) s = t->rule.set_batch(&t->rule, &b, e);
      double best_loss = INFINITY;
      int since = 0;
      for (long it = 1; it <= c->task_max_iterations && !s; it++) {
        learn_step_info info;
        if ((s = t->rule.step(&t->rule, it, &info, e))) break;
        done++;
        if (c->average) {
          for (int q = 0; q < SYNRL_N_Q; q++) sum[q] += live.q[q];
          n_sum++;
        }
        if (done % c->snapshot_every == 0 || done == c->iterations) {
          if (c->average) {
            for (int q = 0; q < SYNRL_N_Q; q++) avg.q[q] = sum[q] / (double)n_sum;
            memset(sum, 0, sizeof sum);
            n_sum = 0;
          } else {
            avg = live;
          }
          if ((s = take_snapshot(&st, &avg, done, tasks, e))) break;
        }
        if (done >= c->iterations) break;
        if (it % c->check_every == 0 && it < c->task_max_iterations) {
          double loss, acc;
          learn_rule_sync(&t->rule);
          run_evaluate(&net, &train, NN_LOSS_EUCLID, NN_ACC_SIGN, &loss, &acc);
          if (c->converge_acc > 0 && acc >= c->converge_acc) {
            st.restarts_converged++;
            break;
          }
          if (loss < best_loss * (1.0 - c->stall_tol)) {
            best_loss = loss;
            since = 0;
          } else if (c->stall_checks > 0 && ++since >= c->stall_checks) {
            st.restarts_stalled++;
            break;
          }
        }
      }
      learn_rule_destroy(t ? &t->rule : NULL);
      nn_mlp_destroy(&net);
    }
    nn_mlp_destroy(&target);
    data_set_free(&train);
    data_set_free(&valid);
  }
  res->tasks = tasks;
  if (!s && c->out_dir) s = write_best_json(&st, e);
  if (!s && c->out_dir) s = write_summary(&st, e);
  free(st.log);
  return s;
}
