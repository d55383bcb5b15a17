/* A whole MLP run from an mlp_config: set-up, training, the run folder
 * (net.bin, policy.txt, target.bin, metrics.csv, summary.json), and the
 * folder measured again (mlp_eval_dir). */
#define _POSIX_C_SOURCE 200809L
#include "synrl/train.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The files of a train run folder; summary.json first: it marks a finished
 * run, and checkpoint.bin last: a resumed run keeps it. */
static const char *const outputs[] = {"summary.json", "metrics.csv", "net.bin", "policy.txt",
                                      "target.bin",   "checkpoint.bin"};
#define N_OUTPUTS (sizeof outputs / sizeof *outputs)

void run_settings_data(char *buf, size_t n, int i, const data_set *d) {
  uint64_t h = CORE_FNV_INIT;
  if (d->x_u8)
    h = core_fnv1a64(d->x_u8, d->n * (size_t)d->in_dim, h);
  else if (d->x)
    h = core_fnv1a64(d->x, d->n * (size_t)d->in_dim * sizeof(double), h);
  if (d->labels) h = core_fnv1a64(d->labels, d->n * sizeof(int32_t), h);
  if (d->targets) h = core_fnv1a64(d->targets, d->n * (size_t)d->out_dim * sizeof(double), h);
  size_t len = strlen(buf);
  if (len < n)
    snprintf(buf + len, n - len, "data%d_n=%zu\ndata%d_fnv1a64=%016llx\n", i, d->n, i,
             (unsigned long long)h);
}

void run_dir_clear(const char *dir, const char *const *names, size_t n, size_t n_delete) {
  char path[4400];
  for (size_t i = 0; i < n_delete && i < n; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  DIR *dh = opendir(dir);
  for (struct dirent *de; dh && (de = readdir(dh));)
    for (size_t i = 0; i < n; i++) {
      size_t len = strlen(names[i]);
      if (strncmp(de->d_name, names[i], len) == 0 && strncmp(de->d_name + len, ".tmp", 4) == 0) {
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
      }
    }
  if (dh) closedir(dh);
}

void mlp_run_opts_default(mlp_run_opts *o) {
  memset(o, 0, sizeof *o);
  o->progress_every_s = 1.0;
}

/* "NAME: " before e's message (the setting at fault); returns s. */
static syn_status err_prefix(syn_err *e, syn_status s, const char *name) {
  if (!e) return s;
  char msg[sizeof e->msg];
  snprintf(msg, sizeof msg, "%s", e->msg);
  return syn_err_set(e, s, "%s: %s", name, msg);
}

static bool is(const char *a, const char *b) { return a && strcmp(a, b) == 0; }

static syn_status parse_path(const char *name, synrl_path *p, syn_err *e) {
  static const char *const names[] = {"auto", "general", "q8-ref", "q8-fast", "small"};
  static const synrl_path paths[] = {SYNRL_PATH_AUTO, SYNRL_PATH_GENERAL, SYNRL_PATH_Q8_REF,
                                     SYNRL_PATH_Q8_FAST, SYNRL_PATH_SMALL};
  for (int i = 0; i < 5; i++)
    if (is(name, names[i])) {
      *p = paths[i];
      return SYN_OK;
    }
  return syn_err_set(e, SYN_ERR_ARG, "path: '%s' is not one of auto|general|q8-ref|q8-fast|small",
                     name ? name : "");
}

/* What can be checked before any file is read. */
static syn_status check_config(const mlp_config *c, syn_err *e) {
  const bool synrl = is(c->method, "synrl");
  if (!synrl && !is(c->method, "gd"))
    return syn_err_set(e, SYN_ERR_ARG, "method: '%s' is not one of synrl|gd", c->method ? c->method : "");
  if (!is(c->policy_mode, "adaptive") && !is(c->policy_mode, "static"))
    return syn_err_set(e, SYN_ERR_ARG, "policy-mode: '%s' is not one of adaptive|static",
                       c->policy_mode ? c->policy_mode : "");
  if (c->iterations < 0 || c->batch < 0 || c->batch_every < 1 || c->eval_every < 1)
    return syn_err_set(e, SYN_ERR_ARG, "iterations, batch, batch-every, eval-every: out of range");
  if (c->abort_below > 0 && (c->abort_after < 1 || c->abort_after > c->iterations))
    return syn_err_set(e, SYN_ERR_ARG, "abort-below: needs abort-after between 1 and iterations (%ld)",
                       c->iterations);
  if (synrl && c->iterations > 2000000000L) /* a synapse's int32 step counter must not overflow */
    return syn_err_set(e, SYN_ERR_ARG, "iterations: at most 2,000,000,000 for synaptic RL");
  if (synrl && is(c->policy_mode, "static") && !c->policy)
    return syn_err_set(e, SYN_ERR_ARG, "policy-mode: static needs a policy file (policy)");
  synrl_path path;
  return parse_path(c->path, &path, e);
}

/* The settings text: every setting, then what the run read -- the starting
 * policy's and the data's checksums, the seeds and files used -- so that a
 * checkpoint resumes only the run that wrote it and a run can be rebuilt. */
static char *settings_text(const mlp_run *r) {
  const mlp_task *t = &r->task;
  char extra[20000];
  int n = snprintf(extra, sizeof extra, "policy_fnv1a64=%016llx\n",
                   (unsigned long long)core_fnv1a64(r->policy.q, sizeof r->policy.q, CORE_FNV_INIT));
  if (t->has_target)
    n += snprintf(extra + n, sizeof extra - (size_t)n, "boundary_seed_used=%llu\n",
                  (unsigned long long)t->boundary_seed);
  if (t->train_images[0])
    n += snprintf(extra + n, sizeof extra - (size_t)n,
                  "split_seed_used=%llu\ntrain_images_file=%s\ntrain_labels_file=%s\n"
                  "test_images_file=%s\ntest_labels_file=%s\n",
                  (unsigned long long)t->split_seed, t->train_images, t->train_labels,
                  t->test_images[0] ? t->test_images : "(none)",
                  t->test_labels[0] ? t->test_labels : "(none)");
  const data_set *sets[3] = {&t->train, &t->valid, &t->test};
  for (int i = 0; i < 3; i++) run_settings_data(extra, sizeof extra, i, sets[i]);
  return mlp_config_text(&r->cfg, extra);
}

static syn_status make_rule(mlp_run *r, size_t max_batch, syn_err *e) {
  const mlp_config *c = &r->cfg;
  if (!is(c->method, "synrl")) {
    gd_config gc = {.lr = c->lr};
    return gd_create(&r->rule, &r->net, r->task.loss, &gc, max_batch, e);
  }
  synrl_config sc;
  synrl_config_default(&sc);
  sc.epsilon = c->epsilon;
  sc.alpha_s = c->alpha_s;
  sc.alpha_q = c->alpha_q;
  sc.gamma = c->gamma;
  sc.adaptive = is(c->policy_mode, "adaptive");
  sc.bias_step = c->bias_step;
  sc.halve_at = c->halve_at;
  sc.seed = c->seed;
  sc.portable = c->portable;
  syn_status s = parse_path(c->path, &sc.path, e);
  if (s) return s;
  if (sc.path == SYNRL_PATH_SMALL && r->task.loss == NN_LOSS_SOFTMAX_CE)
    return syn_err_set(e, SYN_ERR_ARG, "path: small trains regression networks (task boundary2d)");
  if ((sc.path == SYNRL_PATH_Q8_REF || sc.path == SYNRL_PATH_Q8_FAST) && !r->task.train.x_u8)
    return syn_err_set(e, SYN_ERR_ARG, "path: %s needs 8-bit inputs (task images)", c->path);
  if ((s = synrl_trainer_create(&r->synrl, &r->net, r->task.loss, &r->policy, &sc, max_batch, e)))
    return s;
  r->rule = &r->synrl->rule;
  return SYN_OK;
}

syn_status mlp_run_prepare(mlp_run *r, const mlp_config *c, syn_err *e) {
  memset(r, 0, sizeof *r);
  r->cfg = *c;
  syn_status s = check_config(c, e);
  if (s) return s;
  /* the policy first: a bad file should fail before minutes of data loading */
  if (is(c->method, "synrl") && c->policy && (s = synrl_policy_read(&r->policy, c->policy, e)))
    return err_prefix(e, s, "policy");
  if ((s = mlp_task_prepare(&r->task, &c->task, c->seed, e))) return s;
  if (c->batch > 0 && (size_t)c->batch > r->task.train.n) {
    s = syn_err_set(e, SYN_ERR_ARG, "batch: %ld exceeds the %zu training examples", c->batch,
                    r->task.train.n);
    goto fail;
  }
  if ((s = nn_mlp_create(&r->net, r->task.n_layers, r->task.widths, r->task.act, e))) goto fail;
  rng_t init_rng;
  rng_seed(&init_rng, c->seed, 0x1417);
  nn_mlp_init_uniform(&r->net, c->task.init_range, &init_rng);
  if ((s = make_rule(r, c->batch > 0 ? (size_t)c->batch : r->task.train.n, e))) goto fail;
  if (!(r->settings = settings_text(r))) {
    s = syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
    goto fail;
  }
  return SYN_OK;
fail:
  mlp_run_free(r);
  return s;
}

void mlp_run_free(mlp_run *r) {
  learn_rule_destroy(r->rule);
  if (r->net.params) nn_mlp_destroy(&r->net);
  mlp_task_free(&r->task);
  free(r->settings);
  memset(r, 0, sizeof *r);
}

static bool writer_of(const mlp_run_opts *o) {
  return o->out_dir && (!o->shard || o->shard->rank == 0);
}

static void out_path(char *buf, size_t n, const mlp_run_opts *o, const char *name) {
  snprintf(buf, n, "%s/%s", o->out_dir, name);
}

syn_status mlp_run_open(mlp_run *r, const mlp_run_opts *o, syn_err *e) {
  char ckpt[4200];
  syn_status s;
  if (o->resume && !o->out_dir) return syn_err_set(e, SYN_ERR_ARG, "resume: no run folder given");
  /* the folder is this run's until it is written (or the process ends): a
   * second run or resume on it is refused */
  if (writer_of(o) && (s = run_dir_lock(o->out_dir, o->argc, o->argv, e))) return err_prefix(e, s, "out");
  if (o->resume) {
    out_path(ckpt, sizeof ckpt, o, "checkpoint.bin");
    if ((s = run_checkpoint_kind_check(ckpt, RUN_KIND_TRAIN, e)) ||
        (s = run_checkpoint_check(ckpt, r->settings, e))) {
      if (writer_of(o)) run_dir_unlock(o->out_dir);
      return err_prefix(e, s, "resume");
    }
  }
  if (writer_of(o)) {
    /* an earlier run's outputs go (this run replaces them), and the
     * temporary files of a run killed while writing (rank 0 alone: another
     * rank would delete the files rank 0 is writing) */
    run_dir_clear(o->out_dir, outputs, N_OUTPUTS, N_OUTPUTS - (o->resume ? 1 : 0));
  }
  r->opened = true;
  return SYN_OK;
}

syn_status mlp_run_train(mlp_run *r, const mlp_run_opts *o, syn_err *e) {
  const bool writer = writer_of(o);
  char ckpt[4200] = "";
  syn_status s;
  if (!r->opened && (s = mlp_run_open(r, o, e))) return s;
  if (o->out_dir) out_path(ckpt, sizeof ckpt, o, "checkpoint.bin");
  run_config rc;
  run_config_default(&rc);
  const mlp_config *c = &r->cfg;
  rc.iterations = c->iterations;
  rc.batch_size = (size_t)c->batch;
  rc.batch_every = c->batch_every;
  rc.eval_every = c->eval_every;
  rc.abort_after = c->abort_after;
  rc.abort_below = c->abort_below;
  rc.patience = c->patience;
  rc.seed = c->seed;
  rc.acc = r->task.acc;
  rc.out_dir = writer ? o->out_dir : NULL;
  rc.shard = o->shard;
  /* rank 0 alone writes checkpoints; every rank resumes from them */
  rc.ckpt_path = writer ? ckpt : NULL;
  rc.ckpt_every = o->ckpt_every;
  rc.ckpt_every_s = o->ckpt_every_s;
  rc.ckpt_config = r->settings;
  rc.resume_path = o->resume ? ckpt : NULL;
  rc.stop = o->stop;
  rc.progress = o->progress;
  rc.progress_user = o->progress_user;
  rc.progress_every_s = o->progress_every_s;
  s = run_train(r->rule, &r->task.train, &r->task.valid, &r->task.test, &rc, &r->result, e);
  r->trained = !s && !r->result.interrupted;
  return s;
}

static void put_u64(run_summary *s, const char *key, uint64_t v) {
  if (v <= (uint64_t)LLONG_MAX) {
    run_summary_int(s, key, (long long)v);
  } else {
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
    run_summary_str(s, key, buf);
  }
}

static syn_status write_summary(const mlp_run *r, const mlp_run_opts *o, const char *path,
                                syn_err *e) {
  const mlp_config *c = &r->cfg;
  const run_result *res = &r->result;
  run_summary *s;
  syn_status st = run_summary_new(&s, RUN_KIND_TRAIN, o->argc, o->argv, r->settings, "iteration", e);
  if (st) return st;
  char shape[256];
  nn_mlp_describe(&r->net, shape, sizeof shape);
  const core_shard *sh = o->shard;
  run_summary_str(s, "preset", c->preset);
  run_summary_str(s, "task", c->task.task);
  run_summary_str(s, "method", c->method);
  run_summary_str(s, "network", shape);
  run_summary_int(s, "params", (long long)r->net.n_params);
  put_u64(s, "seed", c->seed);
  run_summary_int(s, "threads", core_threads());
  run_summary_int(s, "iterations", res->iterations);
  run_summary_int(s, "processes", sh ? sh->size : 1);
  run_summary_int(s, "shards", sh ? sh->shards : 1);
  run_summary_num(s, "bytes_sent_per_iteration",
                  sh && res->iterations > 0 ? (double)sh->bytes_sent / (double)res->iterations : 0.0);
  run_summary_int(s, "train_examples", (long long)r->task.train.n);
  run_summary_int(s, "valid_examples", (long long)r->task.valid.n);
  run_summary_int(s, "test_examples", (long long)r->task.test.n);
  if (r->synrl) {
    const synrl_trainer *t = r->synrl;
    run_summary_str(s, "policy_mode", c->policy_mode);
    run_summary_str(s, "policy", c->policy ? c->policy : "");
    run_summary_str(s, "path", synrl_path_name(t->path_used));
    run_summary_num(s, "epsilon", c->epsilon);
    run_summary_num(s, "alpha_s", c->alpha_s);
    run_summary_num(s, "alpha_q", c->alpha_q);
    run_summary_num(s, "gamma", c->gamma);
    run_summary_int(s, "halve_at", c->halve_at);
    run_summary_int(s, "batch", c->batch);
    run_summary_int(s, "batch_every", c->batch_every);
    run_summary_int(s, "bias_step", c->bias_step);
    run_summary_num(s, "positive_reward_fraction", t->iter ? (double)t->n_pos / (double)t->iter : 0.0);
  } else {
    run_summary_num(s, "lr", c->lr);
    run_summary_int(s, "batch", c->batch);
  }
  run_summary_num(s, "batch_loss", res->batch_loss);
  run_summary_num(s, "train_loss", res->train_loss);
  run_summary_num(s, "train_acc", res->train_acc);
  run_summary_num(s, "valid_loss", res->valid_loss);
  run_summary_num(s, "valid_acc", res->valid_acc);
  run_summary_num(s, "test_loss", res->test_loss);
  run_summary_num(s, "test_acc", res->test_acc);
  run_summary_bool(s, "aborted", res->aborted);
  run_summary_bool(s, "stopped_early", res->stopped_early);
  run_summary_num(s, "seconds", res->seconds);
  run_summary_num(s, "cpu_seconds", res->cpu_seconds);
  run_summary_hex64(s, "params_fnv1a64",
                    core_fnv1a64(r->net.params, r->net.n_params * sizeof(double), CORE_FNV_INIT));
  st = run_summary_write(s, path, e);
  run_summary_free(s);
  return st;
}

syn_status mlp_run_write(mlp_run *r, const mlp_run_opts *o, syn_err *e) {
  if (!r->trained) return syn_err_set(e, SYN_ERR_ARG, "the run has not finished training");
  if (!writer_of(o)) return SYN_OK;
  char p[4200];
  syn_status s;
  out_path(p, sizeof p, o, "net.bin");
  s = nn_mlp_save(&r->net, p, e);
  if (!s && r->synrl) {
    char comment[256];
    snprintf(comment, sizeof comment, "%s policy after %ld iterations, preset %s, seed %llu",
             r->synrl->cfg.adaptive ? "adaptive" : "static", r->synrl->iter, r->cfg.preset,
             (unsigned long long)r->cfg.seed);
    out_path(p, sizeof p, o, "policy.txt");
    s = synrl_policy_save(&r->policy, p, comment, e);
  }
  if (!s && r->task.has_target) {
    out_path(p, sizeof p, o, "target.bin");
    s = nn_mlp_save(&r->task.target, p, e);
  }
  if (!s) {
    out_path(p, sizeof p, o, "summary.json");
    s = write_summary(r, o, p, e);
  }
  if (!s) {
    out_path(p, sizeof p, o, "checkpoint.bin"); /* the run is complete: nothing to resume */
    run_dir_unlock(o->out_dir);
  } else {
    out_path(p, sizeof p, o, "metrics.csv"); /* no metrics that look like a finished run's */
  }
  unlink(p);
  return s;
}

syn_status mlp_run_dir(const mlp_config *c, const mlp_run_opts *o, run_result *res, syn_err *e) {
  mlp_run r;
  syn_status s = mlp_run_prepare(&r, c, e);
  if (s) return s;
  s = mlp_run_train(&r, o, e);
  if (!s && r.result.interrupted) s = syn_err_set(e, SYN_ERR_ABORTED, "interrupted at iteration %ld", r.result.iterations);
  if (!s) s = mlp_run_write(&r, o, e);
  if (s && r.opened && writer_of(o)) run_dir_unlock(o->out_dir); /* written: unlocked there */
  if (res) *res = r.result;
  mlp_run_free(&r);
  return s;
}

/* ---------------- a run folder measured again ---------------- */

syn_status mlp_eval_dir(const run_summary *s, const char *dir, run_eval *r, syn_err *e) {
  memset(r, 0, sizeof *r);
  r->metric = "train_acc";
  r->value = r->recorded = r->train_acc = r->valid_acc = r->test_acc = NAN;
  if (run_summary_kind(s) != RUN_KIND_TRAIN)
    return syn_err_set(e, SYN_ERR_ARG, "%s: a %s run, not a train run", dir,
                       run_kind_name(run_summary_kind(s)));
  if (!run_summary_n_settings(s))
    return syn_err_set(e, SYN_ERR_FORMAT, "%s/summary.json: no settings recorded", dir);
  /* the run's own settings, each as recorded */
  mlp_config c;
  mlp_config_default(&c);
  size_t n_table;
  const mlp_setting *table = mlp_settings(&n_table);
  for (size_t i = 0; i < run_summary_n_settings(s); i++) {
    const char *value, *name = run_summary_setting_at(s, i, &value);
    for (size_t k = 0; name && k < n_table; k++) {
      if (strcmp(name, table[k].name)) continue;
      syn_status st = mlp_config_set(&c, name, value, e);
      if (st) return err_prefix(e, st, "summary.json settings");
    }
  }
  mlp_task t;
  syn_status st = mlp_task_prepare(&t, &c.task, c.seed, e);
  if (st) return st;
  /* the data must be the run's: the same rows, bit for bit */
  const data_set *sets[3] = {&t.train, &t.valid, &t.test};
  for (int i = 0; i < 3 && !st; i++) {
    char lines[128] = "", key[32];
    run_settings_data(lines, sizeof lines, i, sets[i]);
    snprintf(key, sizeof key, "data%d_fnv1a64", i);
    const char *want = run_summary_setting(s, key), *got = strstr(lines, "_fnv1a64=");
    if (want && got && strncmp(got + 9, want, 16) != 0)
      st = syn_err_set(e, SYN_ERR_FORMAT,
                       "%s: the task's data (set %d) differ from the run's: data files changed?", dir, i);
  }
  nn_mlp net = {0};
  char p[4200];
  snprintf(p, sizeof p, "%s/net.bin", dir);
  if (!st) st = nn_mlp_load(&net, p, e);
  if (!st && (net.n_layers != t.n_layers ||
              memcmp(net.widths, t.widths, sizeof(int) * (size_t)(t.n_layers + 1)) != 0))
    st = syn_err_set(e, SYN_ERR_FORMAT, "%s: its shape is not the one the run's settings give", p);
  if (!st) {
    double loss, *acc[3] = {&r->train_acc, &r->valid_acc, &r->test_acc};
    for (int i = 0; i < 3; i++)
      if (sets[i]->n) run_evaluate(&net, sets[i], t.loss, t.acc, &loss, acc[i]);
    r->value = r->train_acc;
    if (!run_summary_get_num(s, "train_acc", &r->recorded)) r->recorded = NAN;
  }
  if (net.params) nn_mlp_destroy(&net);
  mlp_task_free(&t);
  return st;
}
