/* synrl rl: coagent networks trained on RL tasks (issue 4). Presets are the
 * settings of reference/coagent-networks.md; flags override them. */
#include "cli/cli.h"
#include "core/fileio.h"
#include "synrl/train.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RL_TASKS "cartpole|acrobot|lunarlander|mountaincar|multiplexer20|multiplexer37"
#define RL_METHODS "reinforce|weightmax|weightmax-traces|mapprop|backprop|ste"

typedef struct rl_opts {
  const char *preset, *env, *method, *out, *hidden, *lr, *lr_end, *var, *critic, *critic_hidden,
      *critic_lr, *critic_lr_end, *critic_method, *critic_var, *fixed_last_logit, *resume;
  long episodes, end_t, log_every, ckpt_every, adam_correct_until;
  int batch, map_steps, max_steps;
  double lambda, critic_lambda, temp, hidden_temp, gamma, reward_clip, init_bias, action_scale,
      action_shift, ckpt_secs, adam_eps;
  uint64_t seed;
  bool quiet;
} rl_opts;

/* Task defaults: one row per task of the reference's table, completed with
 * what the reference leaves out from the authors' configuration files
 * (stephen-chung-mh/weight_max and map_prop, config/ files): the critics'
 * rates and variances, per-layer temperatures (hidden 1), the MAP-prop
 * critic and the continuous action mapping. Global REINFORCE, backprop and
 * STE take the Weight Max row (their actor rates are ours: 3e-4 per layer,
 * annealed by the Weight Max row's factor; 1e-3 collapsed on CartPole). */
typedef struct task_row {
  const char *task, *env;
  long wm_episodes, map_episodes;
  int batch;
  bool critic;
  double wm_lambda, map_lambda;
  const char *wm_lr, *wm_lr_end;
  long wm_end_t;
  double wm_temp; /* the output's; hidden layers 1 */
  const char *wm_critic_lr, *wm_critic_lr_end;
  const char *map_lr, *map_lr_end;
  long map_end_t;
  const char *map_var;
  double map_temp;
  const char *map_critic_lr, *map_critic_lr_end, *map_critic_var;
  double action_scale, action_shift; /* the task's action map, every method */
  const char *bp_lr, *bp_lr_end;
  double reward_clip;
  long log_every;
  bool continuous; /* Gaussian policy: no softmax logit to fix */
} task_row;

static const task_row task_rows[] = {
    {"cartpole", "cartpole", 1000, 1000, 1, true, 0.8, 0.95,
     "0.02,2e-4,2e-5", "2e-4,2e-6,2e-7", 50000, 1, "0.04,4e-5,4e-6", "0.004,4e-5,4e-6",
     "0.01,1e-5,1e-6", "1e-3,1e-6,1e-8", 50000, "0.03,0.1,0.1", 2,
     "0.02,2e-5,2e-6", "0.002,2e-6,2e-7", "0.03,0.1,0.1", 0, 0,
     "3e-4,3e-4,3e-4", "3e-6,3e-6,3e-6", 0, 1},
    {"acrobot", "acrobot", 1000, 500, 1, true, 0.8, 0.97,
     "0.1,1e-3,1e-4", "0.01,1e-4,1e-5", 1000000, 1, "0.01,1e-5,1e-6", "0.01,1e-5,1e-6",
     "0.01,1e-5,1e-6", "1e-3,1e-6,1e-8", 100000, "0.03,0.1,0.1", 4,
     "0.02,2e-5,2e-6", "0.002,2e-6,2e-7", "0.06,0.2,0.2", 0, 0,
     "3e-4,3e-4,3e-4", "3e-5,3e-5,3e-5", 0, 1},
    {"lunarlander", "lunarlander", 3000, 2500, 1, true, 0.9, 0.97,
     "0.08,8e-4,8e-5", "0.08,8e-4,8e-5", 0, 2, "0.02,2e-5,2e-6", "0.02,2e-5,2e-6",
     "0.004,4e-6,4e-8", "0.004,4e-6,4e-8", 0, "0.06,0.2,0.2", 8,
     "0.01,1e-5,1e-7", "0.01,1e-5,1e-7", "0.003,0.01,0.01", 0, 0,
     "3e-4,3e-4,3e-4", "3e-4,3e-4,3e-4", 0, 1},
    /* no published Weight Max row: its actor and critic take the MAP row's rates */
    {"mountaincar", "mountaincar-continuous", 500, 500, 1, true, 0.97, 0.97,
     "0.004,4e-6,4e-8", "0.004,4e-6,4e-8", 0, 1, "0.01,1e-5,1e-6", "0.01,1e-5,1e-6",
     "0.004,4e-6,4e-8", "0.004,4e-6,4e-8", 0, "0.03,0.1,0.5", 1,
     "0.01,1e-5,1e-6", "0.01,1e-5,1e-6", "0.003,0.01,0.05", 2, 1,
     "3e-4,3e-4,3e-4", "3e-4,3e-4,3e-4", 5, 1, true},
    {"multiplexer20", "multiplexer20", 800000, 800000, 1, false, 0, 0,
     "0.01,1e-3,1e-4", "0.01,1e-3,1e-4", 0, 1, "0,0,0", "0,0,0",
     "0.04,4e-5,4e-6", "0.04,4e-5,4e-6", 0, "0.3,1,1", 1,
     "0,0,0", "0,0,0", "1,1,1", 0, 0,
     "3e-4,3e-4,3e-4", "3e-4,3e-4,3e-4", 0, 1000},
    {"multiplexer37", "multiplexer37", 4000000, 4000000, 128, false, 0, 0,
     "0.01,1e-3,1e-4", "0.01,1e-3,1e-4", 0, 1, "0,0,0", "0,0,0",
     "0.04,4e-5,4e-6", "0.04,4e-5,4e-6", 0, "0.3,1,1", 1,
     "0,0,0", "0,0,0", "1,1,1", 0, 0,
     "1e-3,1e-3,1e-3", "1e-3,1e-3,1e-3", 0, 1000},
};

static const task_row *find_task(const char *name) {
  for (size_t i = 0; i < sizeof task_rows / sizeof *task_rows; i++)
    if (strcmp(task_rows[i].task, name) == 0 || strcmp(task_rows[i].env, name) == 0) return &task_rows[i];
  return NULL;
}

static void rl_defaults(rl_opts *o) {
  memset(o, 0, sizeof *o);
  o->env = "cartpole";
  o->method = "weightmax";
  o->hidden = "64,32";
  o->lr = "1e-3,1e-3,1e-3";
  o->var = "0.1,0.1,0.5";
  o->critic = "on";
  o->critic_hidden = "64,32";
  o->critic_lr = "1e-3,1e-3,1e-3";
  o->critic_method = "backprop";
  o->critic_var = "0.1,0.1,0.1";
  o->fixed_last_logit = "off";
  o->episodes = 1000;
  o->log_every = 1;
  o->batch = 1;
  o->map_steps = 20;
  o->critic_lambda = 0.8;
  o->temp = 1;
  o->hidden_temp = 1;
  o->gamma = 0.98;
  o->seed = 1;
  o->ckpt_secs = 60;
  o->adam_eps = 1e-8;
}

/* The settings of a (task, method) pair; flags given later override them. */
static void apply_task(rl_opts *o, const task_row *t, const char *method) {
  const bool map = strcmp(method, "mapprop") == 0;
  const bool bp = strcmp(method, "backprop") == 0 || strcmp(method, "ste") == 0;
  o->env = t->env;
  o->episodes = map ? t->map_episodes : t->wm_episodes;
  o->batch = t->batch;
  o->critic = t->critic ? "on" : "off";
  o->critic_lambda = map ? t->map_lambda : t->wm_lambda;
  o->lambda = map ? t->map_lambda : strcmp(method, "weightmax-traces") == 0 ? t->wm_lambda : 0;
  o->lr = map ? t->map_lr : bp ? t->bp_lr : t->wm_lr;
  o->lr_end = map ? t->map_lr_end : bp ? t->bp_lr_end : t->wm_lr_end;
  o->end_t = map ? t->map_end_t : t->wm_end_t;
  o->var = t->map_var;
  /* MAP prop: the temperature is the softmax's; the weight_max code's
   * temperatures are per layer, 1 for the hidden ones */
  o->temp = map ? t->map_temp : t->wm_temp;
  o->hidden_temp = 1;
  o->reward_clip = t->reward_clip;
  o->log_every = t->log_every;
  o->critic_method = map ? "mapprop" : "backprop";
  o->critic_lr = map ? t->map_critic_lr : t->wm_critic_lr;
  o->critic_lr_end = map ? t->map_critic_lr_end : t->wm_critic_lr_end;
  o->critic_var = t->map_critic_var;
  /* the weight_max code: N-1 free logits, biases ~ U(+-1e-3); map_prop: N, 0 */
  o->fixed_last_logit = map || t->continuous ? "off" : "on";
  o->init_bias = map ? 0 : 1e-3;
  /* the map_prop code's environment wrapper: the same for every method, so
   * that a baseline sees the environment the published row saw */
  o->action_scale = t->action_scale;
  o->action_shift = t->action_shift;
}

/* "a,b,c" -> up to max doubles; prints a one-line error naming the flag */
static int parse_list(const char *prog, const char *flag, const char *s, double *out, int max, int *n,
                      double lo) {
  *n = 0;
  const char *p = s;
  while (*p) {
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

static int make_dir(const char *path) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
  struct stat sb;
  return stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
}

/* per-episode log, kept in memory and written atomically at the end */
typedef struct ep_log {
  char *buf;
  size_t len, cap;
  long every, n_block;
  double block_ret, block_steps, sum;
  bool oom;
  bool tty, quiet;
} ep_log;

static void log_append(ep_log *l, const char *s, size_t n) {
  if (l->oom) return;
  if (l->len + n + 1 > l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 1 << 16;
    while (cap < l->len + n + 1) cap *= 2;
    char *b = realloc(l->buf, cap);
    if (!b) {
      l->oom = true;
      return;
    }
    l->buf = b;
    l->cap = cap;
  }
  memcpy(l->buf + l->len, s, n);
  l->len += n;
}

static void on_episode(void *user, long ep, long steps, double ret) {
  ep_log *l = user;
  l->sum += ret;
  l->block_ret += ret;
  l->block_steps += (double)steps;
  if (++l->n_block < l->every) return;
  char line[160];
  int n = snprintf(line, sizeof line, "%ld,%.10g,%.10g,%.10g\n", ep, l->block_steps / l->n_block,
                   l->block_ret / l->n_block, l->sum / ep);
  log_append(l, line, (size_t)n);
  l->n_block = 0;
  l->block_ret = l->block_steps = 0;
}

/* checkpoints: the log so far and the open block, in section rl.log */
static void log_save(void *user, ckpt_writer *w) {
  const ep_log *l = user;
  ckpt_begin(w, "rl.log");
  ckpt_put_i64(w, l->every);
  ckpt_put_i64(w, l->n_block);
  ckpt_put_f64(w, l->block_ret);
  ckpt_put_f64(w, l->block_steps);
  ckpt_put_f64(w, l->sum);
  ckpt_put_u64(w, l->len);
  ckpt_put_bytes(w, l->buf, l->len);
  ckpt_end(w);
}

static syn_status log_load(void *user, const ckpt_file *f, syn_err *e) {
  ep_log *l = user;
  ckpt_sec s;
  syn_status st = ckpt_open(f, "rl.log", &s, e);
  if (st) return st;
  const int64_t every = ckpt_get_i64(&s), n_block = ckpt_get_i64(&s);
  l->block_ret = ckpt_get_f64(&s);
  l->block_steps = ckpt_get_f64(&s);
  l->sum = ckpt_get_f64(&s);
  const uint64_t n = ckpt_get_u64(&s);
  if (s.err || every != l->every || n_block < 0 || n_block >= every || n > ckpt_remaining(&s))
    return ckpt_sec_fail(&s, e, "episode log does not fit this run");
  l->len = 0;
  l->n_block = (long)n_block;
  log_append(l, (const char *)s.p + s.pos, (size_t)n);
  s.pos += (size_t)n;
  if (l->oom) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for the episode log");
  return ckpt_sec_done(&s, e);
}

/* Options that do not change the results: left out of a checkpoint's settings. */
static const char *const rl_neutral[] = {"quiet", "out", "checkpoint-every", "checkpoint-secs", "resume",
                                         NULL};

static void on_progress(void *user, const agent_progress *p) {
  ep_log *l = user;
  if (l->quiet) return;
  fprintf(stderr, "%sepisode %ld/%ld  steps %ld  avg return %.4g  last-100 %.4g  %s %.0fs%s",
          l->tty ? "\r\033[K" : "", p->episodes, p->target_episodes, p->steps, p->avg_return,
          p->recent_return, p->final ? "took" : "eta", p->final ? p->elapsed : p->eta,
          l->tty && !p->final ? "" : "\n");
  fflush(stderr);
}

static void json_list(FILE *f, const double *v, int n) {
  fputc('[', f);
  for (int i = 0; i < n; i++) fprintf(f, "%s%.10g", i ? ", " : "", v[i]);
  fputc(']', f);
}

int cli_rl(int argc, char **argv) {
  const char *prog = "synrl rl";
  rl_opts o;
  rl_defaults(&o);
  /* A preset (TASK-METHOD), or --env/--method of a known task, sets the
   * task's settings first so that every other flag overrides them. */
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
  char pre_task[64] = "";
  if (pre) {
    const char *dash = strchr(pre, '-');
    size_t tl = dash ? (size_t)(dash - pre) : 0;
    const task_row *t = NULL;
    if (dash && tl < sizeof pre_task) {
      memcpy(pre_task, pre, tl);
      pre_task[tl] = 0;
      t = find_task(pre_task);
    }
    const char *m = dash ? dash + 1 : "";
    bool mok = false;
    for (const char *c = RL_METHODS; *c;) {
      const char *bar = strchr(c, '|');
      size_t len = bar ? (size_t)(bar - c) : strlen(c);
      if (strlen(m) == len && strncmp(c, m, len) == 0) mok = true;
      c = bar ? bar + 1 : c + len;
    }
    if (!t || !mok) {
      fprintf(stderr, "%s: --preset: '%s' is not TASK-METHOD with TASK one of %s and METHOD one of %s\n",
              prog, pre, RL_TASKS, RL_METHODS);
      return 2;
    }
    o.method = m;
    apply_task(&o, t, m);
    o.preset = pre;
  } else {
    const task_row *t = env_arg ? find_task(env_arg) : find_task(o.env);
    if (meth_arg) o.method = meth_arg;
    if (t) apply_task(&o, t, o.method);
  }
  opt_spec specs[] = {
      {"preset", OPT_STR, &o.preset, 0, 0, NULL, "TASK-METHOD: the task's published settings (flags override them)"},
      {"env", OPT_STR, &o.env, 0, 0, NULL, "environment (" RL_TASKS ", or any name of synrl/env.h)"},
      {"method", OPT_CHOICE, &o.method, 0, 0, RL_METHODS, "learning rule"},
      {"episodes", OPT_LONG, &o.episodes, 1, 1e10, NULL, "training episodes (one-step tasks: samples)"},
      {"batch", OPT_INT, &o.batch, 1, 100000, NULL, "independent environments updated together"},
      {"hidden", OPT_STR, &o.hidden, 0, 0, NULL, "hidden widths of the actor"},
      {"lr", OPT_STR, &o.lr, 0, 0, NULL, "Adam rate per layer, bottom to output"},
      {"lr-end", OPT_STR, &o.lr_end, 0, 0, NULL, "rates reached after --end-t updates (default: --lr)"},
      {"end-t", OPT_LONG, &o.end_t, 0, 1e12, NULL, "linear annealing length in updates (0: constant)"},
      {"lambda", OPT_DOUBLE, &o.lambda, 0, 1, NULL, "actor trace decay (weightmax-traces, mapprop)"},
      {"gamma", OPT_DOUBLE, &o.gamma, 0, 1, NULL, "discount"},
      {"temp", OPT_DOUBLE, &o.temp, 1e-6, 1e6, NULL, "output temperature"},
      {"hidden-temp", OPT_DOUBLE, &o.hidden_temp, 1e-6, 1e6, NULL, "hidden layers' temperature"},
      {"var", OPT_STR, &o.var, 0, 0, NULL, "variance per layer: Gaussian hidden units, then a Gaussian output"},
      {"map-steps", OPT_INT, &o.map_steps, 0, 100000, NULL, "mapprop: energy-descent steps N (0: Global REINFORCE)"},
      {"critic", OPT_CHOICE, &o.critic, 0, 0, "on|off", "TD(lambda) critic (off: the reward itself)"},
      {"critic-hidden", OPT_STR, &o.critic_hidden, 0, 0, NULL, "critic hidden widths (softplus)"},
      {"critic-method", OPT_CHOICE, &o.critic_method, 0, 0, "backprop|mapprop",
       "critic: backprop TD(lambda) (softplus units) or MAP propagation (Gaussian units)"},
      {"critic-var", OPT_STR, &o.critic_var, 0, 0, NULL, "mapprop critic: variance per layer"},
      {"critic-lr", OPT_STR, &o.critic_lr, 0, 0, NULL, "critic Adam rate per layer"},
      {"critic-lr-end", OPT_STR, &o.critic_lr_end, 0, 0, NULL, "critic rates after --end-t (default: --critic-lr)"},
      {"critic-lambda", OPT_DOUBLE, &o.critic_lambda, 0, 1, NULL, "critic TD(lambda)"},
      {"fixed-last-logit", OPT_CHOICE, &o.fixed_last_logit, 0, 0, "on|off",
       "softmax output: hold the last action's logit at 0 (N-1 free logits)"},
      {"adam-correct-until", OPT_LONG, &o.adam_correct_until, 0, 1e12, NULL,
       "Adam's bias correction only for the first N steps of a layer (0: always)"},
      {"adam-eps", OPT_DOUBLE, &o.adam_eps, 1e-300, 1, NULL,
       "Adam's epsilon, actor and critic (the authors' optimiser: 1e-9)"},
      {"init-bias", OPT_DOUBLE, &o.init_bias, 0, 1e6, NULL, "biases ~ U(+-V) at the start (0: zero)"},
      {"action-scale", OPT_DOUBLE, &o.action_scale, -1e6, 1e6, NULL,
       "continuous actions: the environment gets clip(scale*a + shift) (0: a, unclipped)"},
      {"action-shift", OPT_DOUBLE, &o.action_shift, -1e6, 1e6, NULL, "see --action-scale"},
      {"reward-clip", OPT_DOUBLE, &o.reward_clip, 0, 1e300, NULL, "clip rewards to +-V for learning (0: off)"},
      {"max-steps", OPT_INT, &o.max_steps, -1, 100000000, NULL, "episode time limit (0: the environment's)"},
      {"log-every", OPT_LONG, &o.log_every, 1, 1e10, NULL, "returns.csv: one row per K episodes (block means)"},
      {"seed", OPT_U64, &o.seed, 0, 0, NULL, "seed: fixes the whole run"},
      {"out", OPT_STR, &o.out, 0, 0, NULL, "output directory (default runs/rl/PRESET-sSEED)"},
      {"quiet", OPT_FLAG, &o.quiet, 0, 0, NULL, "no progress line"},
      {"checkpoint-every", OPT_LONG, &o.ckpt_every, 0, 1e12, NULL,
       "write OUT/checkpoint.bin after every N episodes (0: not by count)"},
      {"checkpoint-secs", OPT_DOUBLE, &o.ckpt_secs, 0, 1e9, NULL,
       "... and whenever S seconds passed since the last one (0: not by time); SIGINT/SIGTERM always write one"},
      {"resume", OPT_STR, &o.resume, 0, 0, NULL,
       "DIR: continue the interrupted run in DIR from DIR/checkpoint.bin (same settings)"},
      {NULL, 0, NULL, 0, 0, NULL, NULL},
  };
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      opts_help("usage: synrl rl [options]\n\n"
                "Trains a coagent network (Global REINFORCE, Weight Maximization, MAP propagation)\n"
                "or a backprop / straight-through baseline on an RL task. Presets TASK-METHOD:\n"
                "  TASK   " RL_TASKS "\n  METHOD " RL_METHODS "\n"
                "Writes returns.csv (episode,steps,return,running_mean), nets.bin and summary.json.",
                specs);
      return 0;
    }
  const char *pos[1];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 0, &npos)) return 2;
  if (!o.preset) o.preset = "custom";
  if (o.out && !*o.out) {
    fprintf(stderr, "%s: --out: empty directory name\n", prog);
    return 2;
  }
  if (cli_check_resume_dir(prog, o.resume, o.out)) return 2;
  if (!env_find(o.env)) {
    fprintf(stderr, "%s: --env: unknown environment '%s'\n", prog, o.env);
    return 2;
  }
  /* shapes and lists */
  agent_config ac;
  memset(&ac, 0, sizeof ac);
  int nh, nch, n;
  if (parse_widths(prog, "hidden", o.hidden, ac.hidden, &nh)) return 2;
  if (parse_widths(prog, "critic-hidden", o.critic_hidden, ac.critic_hidden, &nch)) return 2;
  coa_config_default(&ac.actor);
  coa_config_default(&ac.critic);
  const int nl = nh + 1, ncl = nch + 1;
  if (parse_list(prog, "lr", o.lr, ac.actor.lr_start, COA_MAX_LAYERS, &n, 0)) return 2;
  if (n != nl) {
    fprintf(stderr, "%s: --lr: %d rates for %d layers\n", prog, n, nl);
    return 2;
  }
  if (parse_list(prog, "lr-end", o.lr_end ? o.lr_end : o.lr, ac.actor.lr_end, COA_MAX_LAYERS, &n, 0)) return 2;
  if (n != nl) {
    fprintf(stderr, "%s: --lr-end: %d rates for %d layers\n", prog, n, nl);
    return 2;
  }
  if (parse_list(prog, "critic-lr", o.critic_lr, ac.critic.lr_start, COA_MAX_LAYERS, &n, 0)) return 2;
  if (n != ncl) {
    fprintf(stderr, "%s: --critic-lr: %d rates for %d layers\n", prog, n, ncl);
    return 2;
  }
  if (parse_list(prog, "critic-lr-end", o.critic_lr_end ? o.critic_lr_end : o.critic_lr, ac.critic.lr_end,
                 COA_MAX_LAYERS, &n, 0))
    return 2;
  if (n != ncl) {
    fprintf(stderr, "%s: --critic-lr-end: %d rates for %d layers\n", prog, n, ncl);
    return 2;
  }
  if (parse_list(prog, "critic-var", o.critic_var, ac.critic_var, COA_MAX_LAYERS, &n, 1e-12)) return 2;
  if (n != ncl) {
    fprintf(stderr, "%s: --critic-var: %d variances for %d layers\n", prog, n, ncl);
    return 2;
  }
  if (parse_list(prog, "var", o.var, ac.var, COA_MAX_LAYERS, &n, 1e-12)) return 2;
  if (n != nl) {
    fprintf(stderr, "%s: --var: %d variances for %d layers\n", prog, n, nl);
    return 2;
  }
  const char *m = o.method;
  ac.actor.rule = strcmp(m, "reinforce") == 0   ? COA_RULE_REINFORCE
                  : strcmp(m, "mapprop") == 0  ? COA_RULE_MAPPROP
                  : strcmp(m, "backprop") == 0 ? COA_RULE_BACKPROP
                  : strcmp(m, "ste") == 0      ? COA_RULE_STE
                                               : COA_RULE_WEIGHTMAX;
  ac.hidden_unit = ac.actor.rule == COA_RULE_MAPPROP    ? COA_GAUSSIAN
                   : ac.actor.rule == COA_RULE_BACKPROP ? COA_SOFTPLUS
                                                        : COA_BERNOULLI;
  if (strcmp(m, "weightmax-traces") == 0 && o.lambda == 0) {
    fprintf(stderr, "%s: --method weightmax-traces needs --lambda > 0 (or a preset)\n", prog);
    return 2;
  }
  ac.env_name = o.env;
  env_config_default(&ac.env);
  ac.env.max_steps = o.max_steps;
  ac.n_hidden = nh;
  ac.critic_n_hidden = nch;
  ac.hidden_temp = o.hidden_temp;
  ac.temp = o.temp;
  ac.actor.batch = o.batch;
  ac.actor.lambda = o.lambda;
  ac.actor.gamma = o.gamma;
  ac.actor.end_t = o.end_t;
  ac.actor.map_steps = o.map_steps;
  ac.use_critic = strcmp(o.critic, "on") == 0;
  ac.critic.lambda = o.critic_lambda;
  ac.critic.end_t = o.end_t;
  ac.critic.rule = strcmp(o.critic_method, "mapprop") == 0 ? COA_RULE_MAPPROP : COA_RULE_BACKPROP;
  ac.critic.map_steps = o.map_steps;
  ac.actor.fix_last_logit = strcmp(o.fixed_last_logit, "on") == 0;
  ac.actor.adam_correct_until = ac.critic.adam_correct_until = o.adam_correct_until;
  ac.actor.adam_eps = ac.critic.adam_eps = o.adam_eps;
  ac.init_bias = o.init_bias;
  ac.action_scale = o.action_scale;
  ac.action_shift = o.action_shift;
  ac.reward_clip = o.reward_clip;
  ac.episodes = o.episodes;
  ac.seed = o.seed;

  char outdir[4096];
  if (o.resume)
    snprintf(outdir, sizeof outdir, "%s", o.resume);
  else if (o.out)
    snprintf(outdir, sizeof outdir, "%s", o.out);
  else if (strcmp(o.preset, "custom") == 0)
    snprintf(outdir, sizeof outdir, "runs/rl/%s-%s-s%llu", o.env, m, (unsigned long long)o.seed);
  else
    snprintf(outdir, sizeof outdir, "runs/rl/%s-s%llu", o.preset, (unsigned long long)o.seed);
  char *config = cli_settings_text(specs, rl_neutral, NULL);
  if (!config) {
    fprintf(stderr, "%s: out of memory\n", prog);
    return 1;
  }
  char path[4200], ckpt_path[4200];
  snprintf(ckpt_path, sizeof ckpt_path, "%s/checkpoint.bin", outdir);
  syn_err e = {0};
  if (o.resume && run_checkpoint_check(ckpt_path, config, &e)) {
    fprintf(stderr, "%s: --resume: %s\n", prog, e.msg);
    free(config);
    return e.code == SYN_ERR_IO ? 1 : 2;
  }
  if (make_dir(outdir)) {
    fprintf(stderr, "%s: --out %s: cannot create directory: %s\n", prog, outdir, strerror(errno));
    free(config);
    return 1;
  }
  /* summary.json marks a finished run: drop one from an earlier run here,
   * a checkpoint too unless resuming from it, and the temporary files of a
   * run killed while writing */
  const char *outputs[] = {"summary.json", "returns.csv", "nets.bin", "checkpoint.bin"};
  const size_t n_outputs = sizeof outputs / sizeof *outputs;
  cli_clear_outputs(outdir, outputs, n_outputs, n_outputs - (o.resume != NULL));
  ep_log lg = {.every = o.log_every, .tty = isatty(2), .quiet = o.quiet};
  const char *hdr = "episode,steps,return,running_mean\n";
  log_append(&lg, hdr, strlen(hdr));
  ac.on_episode = on_episode;
  ac.on_progress = on_progress;
  ac.user = &lg;
  ac.progress_every = lg.tty ? 0.25 : 10.0;
  ac.ckpt_path = ckpt_path;
  ac.ckpt_every = o.ckpt_every;
  ac.ckpt_every_s = o.ckpt_secs;
  ac.ckpt_config = config;
  ac.resume_path = o.resume ? ckpt_path : NULL;
  ac.on_save = log_save;
  ac.on_load = log_load;
  /* Box2D worlds cannot be saved: their rows are checkpointed right after a
   * reset, which batch > 1 rows do not reach together */
  const env_def *ed = env_find(o.env);
  const bool ckpt_ok = o.batch == 1 || (ed->save && ed->load);
  if (!o.quiet && !ckpt_ok)
    fprintf(stderr, "synrl: note: %s cannot be checkpointed with --batch > 1: an interrupted run cannot resume\n",
            o.env);
  /* signals are caught from here on: once this line is out, Ctrl-C checkpoints */
  ac.stop = cli_stop_catch();
  if (!o.quiet)
    fprintf(stderr, "synrl: rl %s: %s on %s, hidden %s, batch %d, %ld episodes, seed %llu\n", o.preset, m,
            o.env, o.hidden, o.batch, o.episodes, (unsigned long long)o.seed);
  coa_net actor, critic;
  agent_result res;
  syn_status rs = agent_run(&ac, &actor, &critic, &res, &e);
  cli_stop_release();
  free(config);
  if (rs) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    free(lg.buf);
    return 1;
  }
  if (res.interrupted) {
    if (lg.tty && !o.quiet) fputs("\r\033[K", stderr);
    if (ckpt_ok) {
      fprintf(stderr, "%s: interrupted at episode %ld of %ld; state saved in %s/checkpoint.bin; ", prog,
              res.episodes, o.episodes, outdir);
      cli_print_resume_cmd("rl", argc, argv, outdir);
    } else {
      fprintf(stderr, "%s: interrupted at episode %ld of %ld; no checkpoint (%s with --batch > 1)\n", prog,
              res.episodes, o.episodes, o.env);
    }
    coa_net_destroy(&actor);
    if (ac.use_critic) coa_net_destroy(&critic);
    free(lg.buf);
    return 3;
  }
  if (!o.quiet && res.resumed_at)
    fprintf(stderr, "synrl: resumed at episode %ld from %s\n", res.resumed_at, ckpt_path);
  if (!o.quiet && res.checkpoints)
    fprintf(stderr, "synrl: %ld checkpoint(s) of %zu bytes written to %s, %.3f s in all\n", res.checkpoints,
            res.ckpt_bytes, ckpt_path, res.ckpt_seconds);
  int ret = 0;
  if (lg.oom) {
    fprintf(stderr, "%s: out of memory for the episode log (use --log-every)\n", prog);
    ret = 1;
  }
  fio_writer w;
  snprintf(path, sizeof path, "%s/returns.csv", outdir);
  if (!ret && !fio_text_open(&w, path, &e)) {
    fio_put_bytes(&w, lg.buf, lg.len);
    if (fio_text_commit(&w, &e)) ret = 1;
  } else if (!ret) {
    ret = 1;
  }
  if (!ret) {
    const coa_net *nets[2] = {&actor, &critic};
    snprintf(path, sizeof path, "%s/nets.bin", outdir);
    if (coa_nets_save(nets, ac.use_critic ? 2 : 1, path, &e)) ret = 1;
  }
  if (!ret) {
    snprintf(path, sizeof path, "%s/summary.json", outdir);
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) {
      syn_err_set(&e, SYN_ERR_IO, "%s: cannot write: %s", tmp, strerror(errno));
      ret = 1;
    } else {
      fprintf(f, "{\n  \"synrl_version\": \"%s\",\n  \"preset\": \"%s\",\n  \"env\": \"%s\",\n", core_version(),
              o.preset, o.env);
      fprintf(f, "  \"method\": \"%s\",\n  \"seed\": %llu,\n  \"episodes\": %ld,\n  \"steps\": %ld,\n", m,
              (unsigned long long)o.seed, res.episodes, res.steps);
      fprintf(f, "  \"avg_return\": %.10g,\n  \"last100_return\": %.10g,\n", res.avg_return,
              res.recent_return);
      fprintf(f, "  \"seconds\": %.3f,\n  \"cpu_seconds\": %.3f,\n", res.seconds, res.cpu_seconds);
      fprintf(f, "  \"hidden\": \"%s\",\n  \"hidden_unit\": \"%s\",\n  \"batch\": %d,\n", o.hidden,
              coa_unit_name(ac.hidden_unit), o.batch);
      fprintf(f, "  \"lr\": ");
      json_list(f, ac.actor.lr_start, nl);
      fprintf(f, ",\n  \"lr_end\": ");
      json_list(f, ac.actor.lr_end, nl);
      fprintf(f, ",\n  \"end_t\": %ld,\n  \"lambda\": %.10g,\n  \"gamma\": %.10g,\n", o.end_t, o.lambda,
              o.gamma);
      fprintf(f, "  \"temp\": %.10g,\n  \"hidden_temp\": %.10g,\n  \"var\": ", o.temp, o.hidden_temp);
      json_list(f, ac.var, nl);
      fprintf(f, ",\n  \"map_steps\": %d,\n  \"critic\": %s,\n  \"critic_lambda\": %.10g,\n  \"critic_lr\": ",
              ac.actor.rule == COA_RULE_MAPPROP ? o.map_steps : 0, ac.use_critic ? "true" : "false",
              o.critic_lambda);
      json_list(f, ac.critic.lr_start, ncl);
      fprintf(f, ",\n  \"critic_lr_end\": ");
      json_list(f, ac.critic.lr_end, ncl);
      fprintf(f, ",\n  \"critic_method\": \"%s\",\n  \"critic_var\": ", o.critic_method);
      json_list(f, ac.critic_var, ncl);
      fprintf(f, ",\n  \"fixed_last_logit\": %s,\n  \"init_bias\": %.10g,\n",
              ac.actor.fix_last_logit ? "true" : "false", o.init_bias);
      fprintf(f, "  \"action_scale\": %.10g,\n  \"action_shift\": %.10g,\n", o.action_scale,
              o.action_shift);
      fprintf(f, "  \"adam_correct_until\": %ld,\n  \"adam_eps\": %.10g,\n", o.adam_correct_until,
              o.adam_eps);
      fprintf(f, "  \"reward_clip\": %.10g,\n", o.reward_clip);
      fprintf(f, "  \"actor_params\": %zu,\n  \"actor_fnv1a64\": \"%016llx\"\n}\n", actor.n_params,
              (unsigned long long)core_fnv1a64(actor.params, actor.n_params * sizeof(double),
                                               CORE_FNV_INIT));
      int bad = ferror(f);
      bad |= fclose(f) != 0;
      if (bad || rename(tmp, path) != 0) {
        remove(tmp);
        syn_err_set(&e, SYN_ERR_IO, "%s: cannot write", path);
        ret = 1;
      }
    }
  }
  if (ret) fprintf(stderr, "%s: %s\n", prog, e.msg[0] ? e.msg : "cannot write the outputs");
  if (!ret) unlink(ckpt_path); /* the run is complete: nothing to resume */
  if (!ret && !o.quiet) fprintf(stderr, "synrl: rl: results in %s\n", outdir);
  coa_net_destroy(&actor);
  if (ac.use_critic) coa_net_destroy(&critic);
  free(lg.buf);
  return ret;
}
