/* A whole rl run from its setup: the training loop, its metrics rows, the
 * final evaluation and the run folder (metrics.csv, nets.bin, summary.json);
 * and the evaluation again from a finished folder (agent_eval_dir). */
#define _POSIX_C_SOURCE 200809L
#include "synrl/train.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The evaluation's actor stream: a stream of the run seed that training
 * (streams 1 to 4, environments keyed by "env") does not use. */
enum { STREAM_EVAL_ACT = 5 };

uint64_t agent_eval_seed(uint64_t run_seed, long episode) {
  return rng_at(run_seed ^ 0x6576616cULL /* "eval" */, (uint64_t)episode);
}

static syn_status eval_env(env *v, const agent_config *c, const coa_net *actor, syn_err *e) {
  env_config ec = c->env;
  ec.seed = agent_eval_seed(c->seed, 0);
  syn_status st = c->env_def ? env_create_def(v, c->env_def, &ec, e) : env_create(v, c->env_name, &ec, e);
  if (st) return st;
  const coa_layer *top = &actor->layer[actor->n_layers - 1];
  const bool discrete = v->act.kind == ENV_DISCRETE;
  if (actor->widths[0] != v->obs.n || top->out != v->act.n ||
      (discrete ? top->unit != COA_SOFTMAX : top->unit != COA_GAUSS_OUT)) {
    env_destroy(v);
    return syn_err_set(e, SYN_ERR_ARG, "rl: the actor (%d inputs, %d %s outputs) does not fit %s", actor->widths[0],
                       top->out, coa_unit_name(top->unit), v->def->name);
  }
  return SYN_OK;
}

syn_status agent_eval(const agent_config *c, const coa_net *actor, long episodes, double *mean, syn_err *e) {
  *mean = NAN;
  if (episodes < 1) return syn_err_set(e, SYN_ERR_ARG, "rl: evaluation episodes must be >= 1");
  env v;
  syn_status st = eval_env(&v, c, actor, e);
  if (st) return st;
  coa_policy_ws ws;
  if ((st = coa_policy_ws_init(&ws, actor, e))) {
    env_destroy(&v);
    return st;
  }
  const int nin = v.obs.n, nout = v.act.n, top = actor->n_layers;
  double *obs = malloc((size_t)nin * sizeof(double)), *act = malloc((size_t)nout * sizeof(double));
  if (!obs || !act) st = syn_err_set(e, SYN_ERR_NOMEM, "rl: out of memory (evaluation)");
  rng_t g;
  rng_seed(&g, c->seed, STREAM_EVAL_ACT);
  double sum = 0;
  for (long i = 0; i < episodes && !st; i++) {
    env_seed(&v, agent_eval_seed(c->seed, i));
    if ((st = env_reset(&v, obs, e))) break;
    double ret = 0;
    env_result r = {0};
    while (!st && !r.terminated && !r.truncated) {
      const int a = coa_policy_sample(actor, &ws, obs, &g);
      if (a >= 0) {
        st = env_step(&v, a, obs, &r, e);
      } else { /* the training loop's action map */
        memcpy(act, ws.x[top], (size_t)nout * sizeof(double));
        if (c->action_scale != 0)
          for (int k = 0; k < nout; k++)
            act[k] = fmin(fmax(c->action_scale * act[k] + c->action_shift, v.act.low[k]), v.act.high[k]);
        st = env_step_box(&v, act, obs, &r, e);
      }
      ret += r.reward;
    }
    sum += ret;
  }
  if (!st) *mean = sum / (double)episodes;
  free(obs);
  free(act);
  coa_policy_ws_free(&ws);
  env_destroy(&v);
  return st;
}

/* ---- the run's episode log: block means as metrics.csv rows ---- */
typedef struct run_log {
  run_metrics m;
  long every, n_block;
  double block_ret, block_steps, sum;
  double t0; /* core_now() at the run's start, moved back by a resumed run's time */
  const agent_setup *s; /* the caller's progress callback */
} run_log;

static void log_episode(void *user, long ep, long steps, double ret) {
  run_log *l = user;
  const double seconds = core_now() - l->t0;
  l->sum += ret;
  l->block_ret += ret;
  l->block_steps += (double)steps;
  if (++l->n_block < l->every) return;
  const double row[3] = {l->block_steps / (double)l->n_block, l->block_ret / (double)l->n_block,
                         l->sum / (double)ep};
  run_metrics_row(&l->m, (double)ep, seconds, row);
  l->n_block = 0;
  l->block_ret = l->block_steps = 0;
}

static void log_progress(void *user, const agent_progress *p) {
  const run_log *l = user;
  if (l->s->on_progress) l->s->on_progress(l->s->user, p);
}

/* checkpoints: the open block and the sums in rl.log, the rows in rl.metrics */
static void log_save(void *user, ckpt_writer *w) {
  const run_log *l = user;
  ckpt_begin(w, "rl.log");
  ckpt_put_i64(w, l->every);
  ckpt_put_i64(w, l->n_block);
  ckpt_put_f64(w, l->block_ret);
  ckpt_put_f64(w, l->block_steps);
  ckpt_put_f64(w, l->sum);
  ckpt_put_f64(w, core_now() - l->t0);
  ckpt_end(w);
  run_metrics_save(&l->m, w, "rl.metrics");
}

static syn_status log_load(void *user, const ckpt_file *f, syn_err *e) {
  run_log *l = user;
  ckpt_sec s;
  syn_status st = ckpt_open(f, "rl.log", &s, e);
  if (st) return st;
  const int64_t every = ckpt_get_i64(&s), n_block = ckpt_get_i64(&s);
  l->block_ret = ckpt_get_f64(&s);
  l->block_steps = ckpt_get_f64(&s);
  l->sum = ckpt_get_f64(&s);
  const double elapsed = ckpt_get_f64(&s);
  if ((st = ckpt_sec_done(&s, e))) return st;
  l->t0 = core_now() - (elapsed >= 0 && elapsed < 1e12 ? elapsed : 0); /* reported only */
  if (every != l->every || n_block < 0 || n_block >= every)
    return ckpt_sec_fail(&s, e, "episode log does not fit this run");
  l->n_block = (long)n_block;
  return run_metrics_load(&l->m, f, "rl.metrics", e);
}

static void widths_text(char *buf, size_t n, const int *w, int k) {
  size_t len = 0;
  buf[0] = 0;
  for (int i = 0; i < k && len < n; i++) len += (size_t)snprintf(buf + len, n - len, "%s%d", i ? "," : "", w[i]);
}

/* summary.json: the common head, then the results under the keys synrl rl
 * has always written */
static syn_status write_summary(const agent_setup *s, const agent_config *c, const char *settings,
                                const agent_outcome *o, const char *path, syn_err *e) {
  run_summary *j;
  syn_status st = run_summary_new(&j, RUN_KIND_RL, s->argc, s->argv, settings, "episode", e);
  if (st) return st;
  const agent_result *r = &o->train;
  const int nl = c->n_hidden + 1, ncl = c->critic_n_hidden + 1;
  char buf[256];
  run_summary_str(j, "preset", s->preset ? s->preset : "custom");
  run_summary_str(j, "env", c->env_def ? c->env_def->name : c->env_name);
  run_summary_str(j, "method", s->rule ? coa_rule_name(s->rule) : s->method);
  if (s->seed <= (uint64_t)LLONG_MAX)
    run_summary_int(j, "seed", (long long)s->seed);
  else {
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)s->seed);
    run_summary_str(j, "seed", buf);
  }
  run_summary_int(j, "episodes", r->episodes);
  run_summary_int(j, "steps", r->steps);
  run_summary_num(j, "avg_return", r->avg_return);
  run_summary_num(j, "last100_return", r->recent_return);
  run_summary_num(j, "seconds", r->seconds);
  run_summary_num(j, "cpu_seconds", r->cpu_seconds);
  widths_text(buf, sizeof buf, c->hidden, c->n_hidden);
  run_summary_str(j, "hidden", buf);
  run_summary_str(j, "hidden_unit", coa_unit_name(c->hidden_unit));
  run_summary_int(j, "batch", c->actor.batch);
  run_summary_nums(j, "lr", c->actor.lr_start, (size_t)nl);
  run_summary_nums(j, "lr_end", c->actor.lr_end, (size_t)nl);
  run_summary_int(j, "end_t", c->actor.end_t);
  run_summary_num(j, "lambda", c->actor.lambda);
  run_summary_num(j, "gamma", c->actor.gamma);
  run_summary_num(j, "temp", c->temp);
  run_summary_num(j, "hidden_temp", c->hidden_temp);
  run_summary_nums(j, "var", c->var, (size_t)nl);
  run_summary_int(j, "map_steps", c->actor.rule == COA_RULE_MAPPROP ? c->actor.map_steps : 0);
  run_summary_bool(j, "critic", c->use_critic);
  run_summary_num(j, "critic_lambda", c->critic.lambda);
  run_summary_nums(j, "critic_lr", c->critic.lr_start, (size_t)ncl);
  run_summary_nums(j, "critic_lr_end", c->critic.lr_end, (size_t)ncl);
  run_summary_str(j, "critic_method", coa_rule_name(c->critic.rule));
  run_summary_nums(j, "critic_var", c->critic_var, (size_t)ncl);
  run_summary_bool(j, "fixed_last_logit", c->actor.fix_last_logit);
  run_summary_num(j, "init_bias", c->init_bias);
  run_summary_num(j, "action_scale", c->action_scale);
  run_summary_num(j, "action_shift", c->action_shift);
  run_summary_int(j, "adam_correct_until", c->actor.adam_correct_until);
  run_summary_num(j, "adam_eps", c->actor.adam_eps);
  run_summary_num(j, "reward_clip", c->reward_clip);
  run_summary_int(j, "actor_params", (long long)o->actor.n_params);
  run_summary_hex64(j, "actor_fnv1a64", o->actor_fnv1a64);
  run_summary_int(j, "eval_episodes", o->eval_episodes);
  if (o->eval_episodes > 0) run_summary_num(j, "eval_return", o->eval_return);
  st = run_summary_write(j, path, e);
  run_summary_free(j);
  return st;
}

void agent_outcome_free(agent_outcome *o) {
  coa_net_destroy(&o->actor);
  if (o->has_critic) coa_net_destroy(&o->critic);
  o->has_critic = false;
}

/* DIR/NAME into buf; SYN_ERR_ARG when it does not fit */
static syn_status path_in(char *buf, size_t n, const char *dir, const char *name, syn_err *e) {
  if ((size_t)snprintf(buf, n, "%s/%s", dir, name) >= n)
    return syn_err_set(e, SYN_ERR_ARG, "rl: %.64s...: output folder name too long", dir);
  return SYN_OK;
}

/* the outputs after a finished run */
static syn_status write_outputs(const agent_setup *s, const agent_config *c, const char *settings,
                                const run_log *lg, const agent_outcome *o, syn_err *e) {
  char path[4200];
  syn_status st = path_in(path, sizeof path, s->out_dir, "metrics.csv", e);
  if (!st) st = run_metrics_write(&lg->m, path, e);
  const coa_net *nets[2] = {&o->actor, &o->critic};
  if (!st) st = path_in(path, sizeof path, s->out_dir, "nets.bin", e);
  if (!st) st = coa_nets_save(nets, o->has_critic ? 2 : 1, path, e);
  if (!st) st = path_in(path, sizeof path, s->out_dir, "summary.json", e);
  if (!st) st = write_summary(s, c, settings, o, path, e);
  if (!st && !path_in(path, sizeof path, s->out_dir, "checkpoint.bin", e))
    unlink(path); /* the run is complete: nothing to resume */
  return st;
}

syn_status agent_setup_run(const agent_setup *s, agent_outcome *o, syn_err *e) {
  memset(o, 0, sizeof *o);
  o->eval_return = NAN;
  agent_config c;
  syn_status st = agent_setup_config(s, &c, e);
  if (st) return st;
  if (s->resume && !s->out_dir) return syn_err_set(e, SYN_ERR_ARG, "rl: resume needs the run's output folder");
  char *settings = agent_setup_settings(s);
  if (!settings) return syn_err_set(e, SYN_ERR_NOMEM, "rl: out of memory (settings)");
  run_log lg = {.every = s->log_every, .s = s};
  if ((st = run_metrics_init(&lg.m, "steps,return,running_mean", e))) {
    free(settings);
    return st;
  }
  char ckpt[4200], path[4200];
  bool locked = false;
  if (s->out_dir) {
    /* the folder is this run's until it ends: a second run or resume is refused */
    st = run_dir_lock(s->out_dir, s->argc, s->argv, e);
    locked = !st;
    if (!st) st = path_in(ckpt, sizeof ckpt, s->out_dir, "checkpoint.bin", e);
    if (!st && s->resume) st = run_checkpoint_kind_check(ckpt, RUN_KIND_RL, e);
    if (!st && s->resume) st = run_checkpoint_check(ckpt, settings, e);
    if (!st) st = run_dir_make(s->out_dir, e);
    /* summary.json marks a finished run: drop an earlier run's, and its
     * checkpoint unless resuming from it */
    if (!st) st = path_in(path, sizeof path, s->out_dir, "summary.json", e);
    if (!st) {
      unlink(path);
      if (!s->resume) unlink(ckpt);
    }
    c.ckpt_path = ckpt;
    c.resume_path = s->resume ? ckpt : NULL;
    c.ckpt_every = s->ckpt_every;
    c.ckpt_every_s = s->ckpt_every_s;
  }
  c.ckpt_config = settings;
  c.stop = s->stop;
  c.on_episode = log_episode;
  c.on_progress = log_progress;
  c.user = &lg;
  c.progress_every = s->progress_every;
  c.on_save = log_save;
  c.on_load = log_load;
  lg.t0 = core_now();
  if (!st) st = agent_run(&c, &o->actor, &o->critic, &o->train, e);
  if (st) goto out;
  o->has_critic = c.use_critic;
  o->actor_fnv1a64 = core_fnv1a64(o->actor.params, o->actor.n_params * sizeof(double), CORE_FNV_INIT);
  if (o->train.interrupted) goto out;
  if (s->eval_episodes > 0) {
    o->eval_episodes = s->eval_episodes;
    st = agent_eval(&c, &o->actor, s->eval_episodes, &o->eval_return, e);
  }
  if (!st && s->out_dir) st = write_outputs(s, &c, settings, &lg, o, e);
  if (st) agent_outcome_free(o);
out:
  if (locked) run_dir_unlock(s->out_dir);
  run_metrics_free(&lg.m);
  free(settings);
  return st;
}

/* ---- synrl eval RUNDIR ---- */
static syn_status setting_num(const run_summary *s, const char *name, double *v, syn_err *e) {
  const char *t = run_summary_setting(s, name);
  char *end = NULL;
  errno = 0;
  if (t) *v = strtod(t, &end);
  if (!t || end == t || *end || errno || !isfinite(*v))
    return syn_err_set(e, SYN_ERR_FORMAT, "summary.json: setting '%s' missing or not a number", name);
  return SYN_OK;
}

syn_status agent_eval_dir(const run_summary *s, const char *dir, run_eval *r, syn_err *e) {
  memset(r, 0, sizeof *r);
  r->metric = "eval_return";
  r->value = r->recorded = r->train_acc = r->valid_acc = r->test_acc = NAN;
  if (run_summary_kind(s) != RUN_KIND_RL)
    return syn_err_set(e, SYN_ERR_ARG, "%s: not an rl run (kind %s)", dir, run_kind_name(run_summary_kind(s)));
  const char *env_name = run_summary_setting(s, "env"), *critic = run_summary_setting(s, "critic");
  if (!env_name || !critic)
    return syn_err_set(e, SYN_ERR_FORMAT, "%s/summary.json: no env or critic setting", dir);
  if (!env_find(env_name))
    return syn_err_set(e, SYN_ERR_ARG,
                       "%s: environment '%s' is not built in: measure the actor with agent_eval and its env_def",
                       dir, env_name);
  double max_steps, scale, shift, n;
  syn_status st = setting_num(s, "max-steps", &max_steps, e);
  if (!st) st = setting_num(s, "action-scale", &scale, e);
  if (!st) st = setting_num(s, "action-shift", &shift, e);
  if (!st) st = setting_num(s, "eval-episodes", &n, e);
  if (st) return st;
  const char *seed_text = run_summary_setting(s, "seed");
  char *end = NULL;
  errno = 0;
  const unsigned long long sd = seed_text ? strtoull(seed_text, &end, 10) : 0;
  if (!seed_text || end == seed_text || *end || errno)
    return syn_err_set(e, SYN_ERR_FORMAT, "%s/summary.json: setting 'seed' missing or not a number", dir);
  if (n < 1 || n > 1e9 || n != floor(n))
    return syn_err_set(e, SYN_ERR_ARG, "%s: the run made no final evaluation (eval-episodes %g)", dir, n);
  if (max_steps != floor(max_steps) || max_steps < -1 || max_steps > INT_MAX)
    return syn_err_set(e, SYN_ERR_FORMAT, "%s/summary.json: setting 'max-steps' out of range", dir);
  agent_config c;
  memset(&c, 0, sizeof c);
  c.env_name = env_name;
  env_config_default(&c.env);
  c.env.max_steps = (int)max_steps;
  c.action_scale = scale;
  c.action_shift = shift;
  c.seed = sd;
  char path[4200];
  if ((st = path_in(path, sizeof path, dir, "nets.bin", e))) return st;
  coa_net nets[2];
  const int count = strcmp(critic, "on") == 0 ? 2 : 1;
  if ((st = coa_nets_load(nets, count, path, e))) return st;
  st = agent_eval(&c, &nets[0], (long)n, &r->value, e);
  for (int k = 0; k < count; k++) coa_net_destroy(&nets[k]);
  if (st) return st;
  r->episodes = (long)n;
  if (!run_summary_get_num(s, "eval_return", &r->recorded)) r->recorded = NAN;
  return SYN_OK;
}
