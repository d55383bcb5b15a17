/* synrl rl: coagent networks trained on RL tasks. The presets and the run
 * live in the library (train/agent_presets.c, agent_dir.c); this file turns
 * flags into an agent_setup, calls agent_setup_run and prints. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_SPECS 48

/* The flags that are text in the command line: per-layer lists and choices.
 * Numbers go straight into the setup. */
typedef struct rl_flags {
  const char *hidden, *lr, *lr_end, *var, *critic_hidden, *critic_lr, *critic_lr_end, *critic_var;
  const char *critic, *critic_method, *fixed_last_logit, *out, *resume;
  long ckpt_every;
  double ckpt_secs;
  bool quiet, overwrite;
  char text[8][512]; /* the lists' defaults, from the setup */
  char tasks[256], methods[256], method_help[320];
} rl_flags;

static const char *list_text(char *buf, size_t n, const double *v, int k) {
  size_t len = 0;
  char num[40];
  buf[0] = 0;
  for (int i = 0; i < k && len < n; i++)
    len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "," : "", core_fmt_double(num, sizeof num, v[i]));
  return buf;
}

static const char *widths_text(char *buf, size_t n, const int *w, int k) {
  size_t len = 0;
  buf[0] = 0;
  for (int i = 0; i < k && len < n; i++) len += (size_t)snprintf(buf + len, n - len, "%s%d", i ? "," : "", w[i]);
  return buf;
}

/* "a,b,c" -> up to max doubles >= lo; a one-line error naming the flag */
static int parse_list(const char *prog, const char *flag, const char *s, double *out, int max, int *n, double lo) {
  *n = 0;
  for (const char *p = s; *p;) {
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno || !isfinite(v) || (*end && *end != ',') || *n >= max || v < lo) {
      fprintf(stderr, "%s: --%s: '%s' is not a list of at most %d numbers >= %g\n", prog, flag, s, max, lo);
      return 2;
    }
    out[(*n)++] = v;
    p = *end ? end + 1 : end;
    if (*end == ',' && !*p) {
      fprintf(stderr, "%s: --%s: '%s' ends with a comma\n", prog, flag, s);
      return 2;
    }
  }
  if (*n == 0) {
    fprintf(stderr, "%s: --%s: empty list\n", prog, flag);
    return 2;
  }
  return 0;
}

/* a list with exactly `want` entries (one per layer) */
static int parse_layers(const char *prog, const char *flag, const char *s, double *out, int want, double lo,
                        const char *what) {
  int n;
  if (parse_list(prog, flag, s, out, COA_MAX_LAYERS, &n, lo)) return 2;
  if (n == want) return 0;
  fprintf(stderr, "%s: --%s: %d %s for %d layers\n", prog, flag, n, what, want);
  return 2;
}

static int parse_widths(const char *prog, const char *flag, const char *s, int *w, int *n) {
  double v[COA_MAX_LAYERS];
  if (parse_list(prog, flag, s, v, COA_MAX_LAYERS - 1, n, 1)) return 2;
  for (int i = 0; i < *n; i++) {
    if (v[i] != floor(v[i]) || v[i] > 100000) {
      fprintf(stderr, "%s: --%s: '%s' must be whole widths from 1 to 100000\n", prog, flag, s);
      return 2;
    }
    w[i] = (int)v[i];
  }
  return 0;
}

/* "a|b|c" of the library's tasks or methods */
static void join_names(char *buf, size_t n, size_t count, const char *(*at)(size_t)) {
  size_t len = 0;
  buf[0] = 0;
  for (size_t i = 0; i < count && len < n; i++) len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? "|" : "", at(i));
}

/* A preset (TASK-METHOD), or --env/--method of a known task, sets the task's
 * settings first, so that every flag overrides them. Returns 2 on a bad
 * preset; *task_set tells whether a task's settings were applied. */
static int rl_preset(const char *prog, int argc, char **argv, agent_setup *s, rl_flags *f, bool *task_set) {
  const char *pre = NULL, *env_arg = NULL, *meth_arg = NULL;
  for (int i = 0; i < argc; i++) {
    const char **dst = strcmp(argv[i], "--preset") == 0   ? &pre
                       : strcmp(argv[i], "--env") == 0    ? &env_arg
                       : strcmp(argv[i], "--method") == 0 ? &meth_arg
                                                          : NULL;
    if (dst && i + 1 < argc) *dst = argv[i + 1];
    if (strncmp(argv[i], "--preset=", 9) == 0) pre = argv[i] + 9;
    if (strncmp(argv[i], "--env=", 6) == 0) env_arg = argv[i] + 6;
    if (strncmp(argv[i], "--method=", 9) == 0) meth_arg = argv[i] + 9;
  }
  syn_err e;
  *task_set = false;
  if (pre) {
    if (agent_preset(s, pre, &e)) {
      fprintf(stderr, "%s: --preset: '%s' is not TASK-METHOD with TASK one of %s and METHOD one of %s\n", prog, pre,
              f->tasks, f->methods);
      return 2;
    }
    *task_set = true;
    return 0;
  }
  const char *env = env_arg ? env_arg : s->env, *method = meth_arg ? meth_arg : s->method;
  s->method = method; /* an unknown one is refused by the parser */
  if (agent_task_known(env) && !agent_task_apply(s, env, method, &e)) *task_set = true;
  return 0;
}

/* The flag table over the setup and the text flags. */
static void rl_specs(opt_spec *sp, agent_setup *s, rl_flags *f) {
  const opt_spec specs[] = {
      {"preset", OPT_STR, &s->preset, 0, 0, NULL, "TASK-METHOD: the task's published settings (flags override them)"},
      {"env", OPT_STR, &s->env, 0, 0, NULL, "environment (a preset TASK, or any name of synrl/env.h)"},
      {"method", OPT_CHOICE, &s->method, 0, 0, f->methods, "learning rule"},
      {"episodes", OPT_LONG, &s->episodes, 1, 1e10, NULL, "training episodes (one-step tasks: samples)"},
      {"batch", OPT_INT, &s->batch, 1, 100000, NULL, "independent environments updated together"},
      {"hidden", OPT_STR, &f->hidden, 0, 0, NULL, "hidden widths of the actor"},
      {"lr", OPT_STR, &f->lr, 0, 0, NULL, "Adam rate per layer, bottom to output"},
      {"lr-end", OPT_STR, &f->lr_end, 0, 0, NULL, "rates reached after --end-t updates (default: --lr)"},
      {"end-t", OPT_LONG, &s->end_t, 0, 1e12, NULL, "linear annealing length in updates (0: constant)"},
      {"lambda", OPT_DOUBLE, &s->lambda, 0, 1, NULL, "actor trace decay (weightmax-traces, mapprop)"},
      {"gamma", OPT_DOUBLE, &s->gamma, 0, 1, NULL, "discount"},
      {"temp", OPT_DOUBLE, &s->temp, 1e-6, 1e6, NULL, "output temperature"},
      {"hidden-temp", OPT_DOUBLE, &s->hidden_temp, 1e-6, 1e6, NULL, "hidden layers' temperature"},
      {"var", OPT_STR, &f->var, 0, 0, NULL, "variance per layer: Gaussian hidden units, then a Gaussian output"},
      {"map-steps", OPT_INT, &s->map_steps, 0, 100000, NULL, "mapprop: energy-descent steps N (0: Global REINFORCE)"},
      {"critic", OPT_CHOICE, &f->critic, 0, 0, "on|off", "TD(lambda) critic (off: the reward itself)"},
      {"critic-hidden", OPT_STR, &f->critic_hidden, 0, 0, NULL, "critic hidden widths (softplus)"},
      {"critic-method", OPT_CHOICE, &f->critic_method, 0, 0, "backprop|mapprop",
       "critic: backprop TD(lambda) (softplus units) or MAP propagation (Gaussian units)"},
      {"critic-var", OPT_STR, &f->critic_var, 0, 0, NULL, "mapprop critic: variance per layer"},
      {"critic-lr", OPT_STR, &f->critic_lr, 0, 0, NULL, "critic Adam rate per layer"},
      {"critic-lr-end", OPT_STR, &f->critic_lr_end, 0, 0, NULL, "critic rates after --end-t (default: --critic-lr)"},
      {"critic-lambda", OPT_DOUBLE, &s->critic_lambda, 0, 1, NULL, "critic TD(lambda)"},
      {"fixed-last-logit", OPT_CHOICE, &f->fixed_last_logit, 0, 0, "on|off",
       "softmax output: hold the last action's logit at 0 (N-1 free logits)"},
      {"adam-correct-until", OPT_LONG, &s->adam_correct_until, 0, 1e12, NULL,
       "Adam's bias correction only for the first N steps of a layer (0: always)"},
      {"adam-eps", OPT_DOUBLE, &s->adam_eps, 1e-300, 1, NULL, "Adam's epsilon, actor and critic (the authors' optimiser: 1e-9)"},
      {"init-bias", OPT_DOUBLE, &s->init_bias, 0, 1e6, NULL, "biases ~ U(+-V) at the start (0: zero)"},
      {"action-scale", OPT_DOUBLE, &s->action_scale, -1e6, 1e6, NULL,
       "continuous actions: the environment gets clip(scale*a + shift) (0: a, unclipped)"},
      {"action-shift", OPT_DOUBLE, &s->action_shift, -1e6, 1e6, NULL, "see --action-scale"},
      {"reward-clip", OPT_DOUBLE, &s->reward_clip, 0, 1e300, NULL, "clip rewards to +-V for learning (0: off)"},
      {"max-steps", OPT_INT, &s->max_steps, -1, 100000000, NULL, "episode time limit (0: the environment's)"},
      {"log-every", OPT_LONG, &s->log_every, 1, 1e10, NULL, "metrics.csv: one row per K episodes (block means)"},
      {"seed", OPT_U64, &s->seed, 0, 0, NULL, "seed: fixes the whole run"},
      {"eval-episodes", OPT_LONG, &s->eval_episodes, 0, 1e9, NULL,
       "final evaluation of the actor: mean return over N episodes, eval_return (0: none)"},
      {"out", OPT_STR, &f->out, 0, 0, NULL, "output directory (default runs/rl/PRESET-sSEED)"},
      {"quiet", OPT_FLAG, &f->quiet, 0, 0, NULL, "no progress line"},
      {"overwrite", OPT_FLAG, &f->overwrite, 0, 0, NULL,
       "replace a finished run in the output directory (kept until this one is complete)"},
      {"checkpoint-every", OPT_LONG, &f->ckpt_every, 0, 1e12, NULL,
       "write OUT/checkpoint.bin after every N episodes (0: not by count)"},
      {"checkpoint-secs", OPT_DOUBLE, &f->ckpt_secs, 0, 1e9, NULL,
       "... and whenever S seconds passed since the last one (0: not by time); SIGINT/SIGTERM always write one"},
      {"resume", OPT_STR, &f->resume, 0, 0, NULL,
       "DIR: continue the interrupted run in DIR from DIR/checkpoint.bin (same settings)"},
      {NULL, 0, NULL, 0, 0, NULL, NULL},
  };
  memcpy(sp, specs, sizeof specs);
}

/* The text flags' defaults from the setup (lr-end: none unless a task set
 * one, so that --lr alone gives constant rates). */
static void rl_flag_defaults(rl_flags *f, const agent_setup *s, bool task_set) {
  const int nl = s->n_hidden + 1, ncl = s->critic_n_hidden + 1;
  f->hidden = widths_text(f->text[0], sizeof f->text[0], s->hidden, s->n_hidden);
  f->lr = list_text(f->text[1], sizeof f->text[1], s->lr, nl);
  f->lr_end = task_set ? list_text(f->text[2], sizeof f->text[2], s->lr_end, nl) : NULL;
  f->var = list_text(f->text[3], sizeof f->text[3], s->var, nl);
  f->critic_hidden = widths_text(f->text[4], sizeof f->text[4], s->critic_hidden, s->critic_n_hidden);
  f->critic_lr = list_text(f->text[5], sizeof f->text[5], s->critic_lr, ncl);
  f->critic_lr_end = task_set ? list_text(f->text[6], sizeof f->text[6], s->critic_lr_end, ncl) : NULL;
  f->critic_var = list_text(f->text[7], sizeof f->text[7], s->critic_var, ncl);
  f->critic = s->critic ? "on" : "off";
  f->critic_method = s->critic_map ? "mapprop" : "backprop";
  f->fixed_last_logit = s->fixed_last_logit ? "on" : "off";
  f->ckpt_secs = 60;
}

/* The parsed text flags into the setup; a one-line error and 2 if bad. */
static int rl_flags_apply(const char *prog, const rl_flags *f, agent_setup *s) {
  if (parse_widths(prog, "hidden", f->hidden, s->hidden, &s->n_hidden)) return 2;
  if (parse_widths(prog, "critic-hidden", f->critic_hidden, s->critic_hidden, &s->critic_n_hidden)) return 2;
  const int nl = s->n_hidden + 1, ncl = s->critic_n_hidden + 1;
  if (parse_layers(prog, "lr", f->lr, s->lr, nl, 0, "rates") ||
      parse_layers(prog, "lr-end", f->lr_end ? f->lr_end : f->lr, s->lr_end, nl, 0, "rates") ||
      parse_layers(prog, "critic-lr", f->critic_lr, s->critic_lr, ncl, 0, "rates") ||
      parse_layers(prog, "critic-lr-end", f->critic_lr_end ? f->critic_lr_end : f->critic_lr, s->critic_lr_end, ncl,
                   0, "rates") ||
      parse_layers(prog, "critic-var", f->critic_var, s->critic_var, ncl, 1e-12, "variances") ||
      parse_layers(prog, "var", f->var, s->var, nl, 1e-12, "variances"))
    return 2;
  if (strcmp(s->method, "weightmax-traces") == 0 && s->lambda == 0) {
    fprintf(stderr, "%s: --method weightmax-traces needs --lambda > 0 (or a preset)\n", prog);
    return 2;
  }
  if (!env_find(s->env)) {
    fprintf(stderr, "%s: --env: unknown environment '%s'\n", prog, s->env);
    return 2;
  }
  s->critic = strcmp(f->critic, "on") == 0;
  s->critic_map = strcmp(f->critic_method, "mapprop") == 0;
  s->fixed_last_logit = strcmp(f->fixed_last_logit, "on") == 0;
  return 0;
}

static void on_progress(void *user, const agent_progress *p) {
  const bool tty = *(const bool *)user;
  fprintf(stderr, "%sepisode %ld/%ld  steps %ld  avg return %.4g  last-100 %.4g  %s %.0fs%s", tty ? "\r\033[K" : "",
          p->episodes, p->target_episodes, p->steps, p->avg_return, p->recent_return, p->final ? "took" : "eta",
          p->final ? p->elapsed : p->eta, tty && !p->final ? "" : "\n");
  fflush(stderr);
}

/* What the run did, after agent_setup_run; the exit status. */
static int rl_report(const char *prog, int argc, char **argv, const agent_setup *s, const agent_outcome *o,
                     bool quiet, bool tty) {
  const agent_result *r = &o->train;
  if (r->interrupted) {
    if (tty && !quiet) fputs("\r\033[K", stderr);
    const env_def *ed = env_find(s->env);
    if (s->batch == 1 || (ed->save && ed->load)) {
      fprintf(stderr, "%s: interrupted at episode %ld of %ld; state saved in %s/checkpoint.bin; ", prog, r->episodes,
              s->episodes, s->out_dir);
      cli_print_resume_cmd("rl", argc, argv, s->out_dir);
    } else {
      fprintf(stderr, "%s: interrupted at episode %ld of %ld; no checkpoint (%s with --batch > 1)\n", prog,
              r->episodes, s->episodes, s->env);
    }
    return 3;
  }
  if (quiet) return 0;
  if (r->resumed_at) fprintf(stderr, "synrl: resumed at episode %ld from %s/checkpoint.bin\n", r->resumed_at, s->out_dir);
  if (r->checkpoints)
    fprintf(stderr, "synrl: %ld checkpoint(s) of %zu bytes written to %s/checkpoint.bin, %.3f s in all\n",
            r->checkpoints, r->ckpt_bytes, s->out_dir, r->ckpt_seconds);
  if (o->eval_episodes > 0)
    fprintf(stderr, "synrl: rl: final actor: mean return %.6g over %ld evaluation episodes\n", o->eval_return,
            o->eval_episodes);
  fprintf(stderr, "synrl: rl: results in %s\n", s->out_dir);
  return 0;
}

/* --out, --resume or the default; made and cleared of an earlier run's marks */
static int rl_outdir(const char *prog, agent_setup *s, const rl_flags *f, char *dir, size_t n,
                     int argc, char *const *argv) {
  if (f->resume)
    snprintf(dir, n, "%s", f->resume);
  else if (f->out)
    snprintf(dir, n, "%s", f->out);
  else if (strcmp(s->preset, "custom") == 0)
    snprintf(dir, n, "runs/rl/%s-%s-s%llu", s->env, s->method, (unsigned long long)s->seed);
  else
    snprintf(dir, n, "runs/rl/%s-s%llu", s->preset, (unsigned long long)s->seed);
  syn_err e;
  char ckpt[4200];
  snprintf(ckpt, sizeof ckpt, "%s/checkpoint.bin", dir);
  char *settings = f->resume ? agent_setup_settings(s) : NULL;
  syn_status st = f->resume ? run_checkpoint_kind_check(ckpt, RUN_KIND_RL, &e) : SYN_OK;
  if (!st) st = f->resume ? (settings ? run_checkpoint_check(ckpt, settings, &e)
                                              : syn_err_set(&e, SYN_ERR_NOMEM, "out of memory"))
                                  : SYN_OK;
  free(settings);
  if (st) {
    fprintf(stderr, "%s: --resume: %s\n", prog, e.msg);
    return e.code == SYN_ERR_IO ? 1 : 2;
  }
  int code = cli_claim_dir(prog, dir, f->overwrite, f->resume != NULL, argc, argv);
  if (code) return code;
  /* summary.json marks a finished run; also the temporary files of a run
   * killed while writing, and an older synrl's returns.csv */
  const char *outputs[] = {"summary.json", "metrics.csv", "nets.bin", "returns.csv", "checkpoint.bin"};
  const size_t n_out = sizeof outputs / sizeof *outputs;
  cli_clear_outputs(dir, outputs, n_out, n_out - (f->resume != NULL));
  s->out_dir = dir;
  s->resume = f->resume != NULL;
  return 0;
}

int cli_rl(int argc, char **argv) {
  const char *prog = "synrl rl";
  agent_setup s;
  agent_setup_default(&s);
  rl_flags f;
  memset(&f, 0, sizeof f);
  join_names(f.tasks, sizeof f.tasks, agent_task_count(), agent_task_at);
  join_names(f.methods, sizeof f.methods, agent_method_count(), agent_method_at);
  bool task_set;
  if (rl_preset(prog, argc, argv, &s, &f, &task_set)) return 2;
  rl_flag_defaults(&f, &s, task_set);
  opt_spec specs[N_SPECS];
  rl_specs(specs, &s, &f);
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      char usage[1024];
      snprintf(usage, sizeof usage,
               "usage: synrl rl [options]\n\n"
               "Trains a coagent network (Global REINFORCE, Weight Maximization, MAP propagation)\n"
               "or a backprop / straight-through baseline on an RL task. Presets TASK-METHOD:\n"
               "  TASK   %s\n  METHOD %s\n"
               "Writes metrics.csv (step,seconds,steps,return,running_mean; step = episode),\n"
               "nets.bin and summary.json (eval_return: the final actor's mean return).",
               f.tasks, f.methods);
      opts_help(usage, specs);
      return 0;
    }
  const char *pos[1];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 0, &npos)) return 2;
  if (!s.preset) s.preset = "custom";
  if (f.out && !*f.out) {
    fprintf(stderr, "%s: --out: empty directory name\n", prog);
    return 2;
  }
  if (cli_check_resume_dir(prog, f.resume, f.out) || rl_flags_apply(prog, &f, &s)) return 2;
  /* summary.json (and the folder's lock) record the whole command line */
  char **cmd = malloc((size_t)(argc + 2) * sizeof *cmd);
  if (!cmd) {
    fprintf(stderr, "%s: out of memory\n", prog);
    return 1;
  }
  cmd[0] = "synrl";
  cmd[1] = "rl";
  memcpy(cmd + 2, argv, (size_t)argc * sizeof *cmd);
  char outdir[4096];
  int rc = rl_outdir(prog, &s, &f, outdir, sizeof outdir, argc + 2, cmd);
  if (rc) {
    free(cmd);
    return rc;
  }
  bool tty = isatty(2);
  s.ckpt_every = f.ckpt_every;
  s.ckpt_every_s = f.ckpt_secs;
  s.on_progress = f.quiet ? NULL : on_progress;
  s.user = &tty;
  s.progress_every = tty ? 0.25 : 10.0;
  s.argc = argc + 2;
  s.argv = cmd;
  /* Box2D worlds cannot be saved: their rows are checkpointed right after a
   * reset, which batch > 1 rows do not reach together */
  const env_def *ed = env_find(s.env);
  if (!f.quiet && s.batch > 1 && !(ed->save && ed->load))
    fprintf(stderr, "synrl: note: %s cannot be checkpointed with --batch > 1: an interrupted run cannot resume\n",
            s.env);
  /* signals are caught from here on: once this line is out, Ctrl-C checkpoints */
  s.stop = cli_stop_catch();
  if (!f.quiet)
    fprintf(stderr, "synrl: rl %s: %s on %s, hidden %s, batch %d, %ld episodes, seed %llu\n", s.preset, s.method,
            s.env, f.hidden, s.batch, s.episodes, (unsigned long long)s.seed);
  agent_outcome o;
  syn_err e = {0};
  const syn_status st = agent_setup_run(&s, &o, &e);
  cli_stop_release();
  cli_release_dir(outdir, !st && !o.train.interrupted);
  free(cmd);
  if (st) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 1;
  }
  rc = rl_report(prog, argc, argv, &s, &o, f.quiet, tty);
  agent_outcome_free(&o);
  return rc;
}
