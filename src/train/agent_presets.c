/* The paper presets of `synrl rl` (TASK-METHOD) as named settings, and the
 * resolution of a setup into the training loop's configuration.
 *
 * Where the numbers come from (docs/coagent.md, "Settings the reference
 * leaves out"): the actor's episodes, rates (start -> end, annealing length),
 * lambda, output temperature and MAP variances are the hyperparameter tables
 * of the Weight Maximization and MAP propagation papers (S. Chung); what the
 * tables leave out -- the critics' rates and variances, the MAP-prop critic,
 * hidden temperature 1, N-1 free logits and biases U(+-1e-3) in the
 * weight_max code, the continuous action map of the map_prop code -- is read
 * from the authors' configuration files (github.com/stephen-chung-mh/
 * weight_max and map_prop: the .ini files of config/, with main.py / main_rl.py).
 * Global REINFORCE, backprop and STE take the Weight Max column; the
 * backprop/STE actor rates are ours (3e-4 per layer, annealed by the Weight
 * Max column's factor: 1e-3 collapsed on CartPole). Every list is per layer
 * for the default 64-32 network: hidden 1, hidden 2, output. */
#define _POSIX_C_SOURCE 200809L
#include "synrl/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* one method's column of a task */
typedef struct method_col {
  long episodes;
  double lambda; /* the critic's TD(lambda); the actor's traces where the method has them */
  double lr[3], lr_end[3];
  long end_t;
  double temp; /* the output's */
  double critic_lr[3], critic_lr_end[3];
} method_col;

typedef struct task_preset {
  const char *task, *env;
  int batch;
  bool critic;
  bool continuous; /* a Gaussian policy: no softmax logit to fix */
  method_col weightmax, mapprop;
  double var[3];        /* the MAP column's actor variances, every method (Gaussian units and outputs) */
  double critic_var[3]; /* the MAP-prop critic's, every method */
  double bp_lr[3], bp_lr_end[3]; /* backprop and STE actors (ours); end_t from the Weight Max column */
  double action_scale, action_shift; /* the map_prop code's action map, every method */
  double reward_clip;
  long log_every;
} task_preset;

static const task_preset presets[] = {
    /* CartPole-v1: both papers' tables; critics from weight_max config/cartpole.ini and
     * map_prop config/cartpole.ini */
    {.task = "cartpole", .env = "cartpole", .batch = 1, .critic = true,
     .weightmax = {.episodes = 1000, .lambda = 0.8, .lr = {0.02, 2e-4, 2e-5}, .lr_end = {2e-4, 2e-6, 2e-7},
                   .end_t = 50000, .temp = 1, .critic_lr = {0.04, 4e-5, 4e-6},
                   .critic_lr_end = {0.004, 4e-5, 4e-6}},
     .mapprop = {.episodes = 1000, .lambda = 0.95, .lr = {0.01, 1e-5, 1e-6}, .lr_end = {1e-3, 1e-6, 1e-8},
                 .end_t = 50000, .temp = 2, .critic_lr = {0.02, 2e-5, 2e-6},
                 .critic_lr_end = {0.002, 2e-6, 2e-7}},
     .var = {0.03, 0.1, 0.1}, .critic_var = {0.03, 0.1, 0.1},
     .bp_lr = {3e-4, 3e-4, 3e-4}, .bp_lr_end = {3e-6, 3e-6, 3e-6}, .log_every = 1},
    /* Acrobot-v1: the tables; critics from the config/acrobot.ini files */
    {.task = "acrobot", .env = "acrobot", .batch = 1, .critic = true,
     .weightmax = {.episodes = 1000, .lambda = 0.8, .lr = {0.1, 1e-3, 1e-4}, .lr_end = {0.01, 1e-4, 1e-5},
                   .end_t = 1000000, .temp = 1, .critic_lr = {0.01, 1e-5, 1e-6},
                   .critic_lr_end = {0.01, 1e-5, 1e-6}},
     .mapprop = {.episodes = 500, .lambda = 0.97, .lr = {0.01, 1e-5, 1e-6}, .lr_end = {1e-3, 1e-6, 1e-8},
                 .end_t = 100000, .temp = 4, .critic_lr = {0.02, 2e-5, 2e-6},
                 .critic_lr_end = {0.002, 2e-6, 2e-7}},
     .var = {0.03, 0.1, 0.1}, .critic_var = {0.06, 0.2, 0.2},
     .bp_lr = {3e-4, 3e-4, 3e-4}, .bp_lr_end = {3e-5, 3e-5, 3e-5}, .log_every = 1},
    /* LunarLander-v2: the tables (constant rates); critics from the config/lunarlander.ini
     * files; the weight_max code's output temperature 2 (layers [1, 1, 2]) */
    {.task = "lunarlander", .env = "lunarlander", .batch = 1, .critic = true,
     .weightmax = {.episodes = 3000, .lambda = 0.9, .lr = {0.08, 8e-4, 8e-5}, .lr_end = {0.08, 8e-4, 8e-5},
                   .end_t = 0, .temp = 2, .critic_lr = {0.02, 2e-5, 2e-6},
                   .critic_lr_end = {0.02, 2e-5, 2e-6}},
     .mapprop = {.episodes = 2500, .lambda = 0.97, .lr = {0.004, 4e-6, 4e-8}, .lr_end = {0.004, 4e-6, 4e-8},
                 .end_t = 0, .temp = 8, .critic_lr = {0.01, 1e-5, 1e-7}, .critic_lr_end = {0.01, 1e-5, 1e-7}},
     .var = {0.06, 0.2, 0.2}, .critic_var = {0.003, 0.01, 0.01},
     .bp_lr = {3e-4, 3e-4, 3e-4}, .bp_lr_end = {3e-4, 3e-4, 3e-4}, .log_every = 1},
    /* MountainCarContinuous-v0: the MAP propagation table; no published Weight Max row, so its
     * actor and critic take the MAP column's rates; the map_prop code's action map
     * clip(2a + 1) and reward clip 5 */
    {.task = "mountaincar", .env = "mountaincar-continuous", .batch = 1, .critic = true, .continuous = true,
     .weightmax = {.episodes = 500, .lambda = 0.97, .lr = {0.004, 4e-6, 4e-8}, .lr_end = {0.004, 4e-6, 4e-8},
                   .end_t = 0, .temp = 1, .critic_lr = {0.01, 1e-5, 1e-6}, .critic_lr_end = {0.01, 1e-5, 1e-6}},
     .mapprop = {.episodes = 500, .lambda = 0.97, .lr = {0.004, 4e-6, 4e-8}, .lr_end = {0.004, 4e-6, 4e-8},
                 .end_t = 0, .temp = 1, .critic_lr = {0.01, 1e-5, 1e-6}, .critic_lr_end = {0.01, 1e-5, 1e-6}},
     .var = {0.03, 0.1, 0.5}, .critic_var = {0.003, 0.01, 0.05},
     .bp_lr = {3e-4, 3e-4, 3e-4}, .bp_lr_end = {3e-4, 3e-4, 3e-4},
     .action_scale = 2, .action_shift = 1, .reward_clip = 5, .log_every = 1},
    /* the 20-bit multiplexer: the tables; no critic (the reward is the learning signal);
     * one-step episodes logged as block means of 1000 */
    {.task = "multiplexer20", .env = "multiplexer20", .batch = 1, .critic = false,
     .weightmax = {.episodes = 800000, .lr = {0.01, 1e-3, 1e-4}, .lr_end = {0.01, 1e-3, 1e-4}, .temp = 1},
     .mapprop = {.episodes = 800000, .lr = {0.04, 4e-5, 4e-6}, .lr_end = {0.04, 4e-5, 4e-6}, .temp = 1},
     .var = {0.3, 1, 1}, .critic_var = {1, 1, 1},
     .bp_lr = {3e-4, 3e-4, 3e-4}, .bp_lr_end = {3e-4, 3e-4, 3e-4}, .log_every = 1000},
    /* the 37-bit multiplexer: as the 20-bit one, batch 128 (the tables); backprop/STE 1e-3 */
    {.task = "multiplexer37", .env = "multiplexer37", .batch = 128, .critic = false,
     .weightmax = {.episodes = 4000000, .lr = {0.01, 1e-3, 1e-4}, .lr_end = {0.01, 1e-3, 1e-4}, .temp = 1},
     .mapprop = {.episodes = 4000000, .lr = {0.04, 4e-5, 4e-6}, .lr_end = {0.04, 4e-5, 4e-6}, .temp = 1},
     .var = {0.3, 1, 1}, .critic_var = {1, 1, 1},
     .bp_lr = {1e-3, 1e-3, 1e-3}, .bp_lr_end = {1e-3, 1e-3, 1e-3}, .log_every = 1000},
};
#define N_PRESETS (sizeof presets / sizeof *presets)

/* the methods of the presets, and the built-in rule each trains with */
static const char *const methods[] = {"reinforce", "weightmax", "weightmax-traces", "mapprop", "backprop", "ste"};
#define N_METHODS (sizeof methods / sizeof *methods)

size_t agent_task_count(void) { return N_PRESETS; }
const char *agent_task_at(size_t i) { return i < N_PRESETS ? presets[i].task : NULL; }
size_t agent_method_count(void) { return N_METHODS; }
const char *agent_method_at(size_t i) { return i < N_METHODS ? methods[i] : NULL; }

static const task_preset *find_task(const char *name) {
  for (size_t i = 0; name && i < N_PRESETS; i++)
    if (strcmp(presets[i].task, name) == 0 || strcmp(presets[i].env, name) == 0) return &presets[i];
  return NULL;
}

bool agent_task_known(const char *name) { return find_task(name) != NULL; }

static bool method_known(const char *m) {
  for (size_t i = 0; m && i < N_METHODS; i++)
    if (strcmp(methods[i], m) == 0) return true;
  return false;
}

/* "weightmax-traces" is Weight Max with lambda > 0 */
static coa_rule method_rule(const char *m) {
  return m && strcmp(m, "weightmax-traces") == 0 ? COA_RULE_WEIGHTMAX : coa_rule_find(m);
}

static void copy3(double *dst, const double *src) { memcpy(dst, src, 3 * sizeof(double)); }

void agent_setup_default(agent_setup *s) {
  memset(s, 0, sizeof *s);
  s->preset = "custom";
  s->env = "cartpole";
  s->method = "weightmax";
  s->episodes = 1000;
  s->batch = 1;
  s->n_hidden = s->critic_n_hidden = 2;
  s->hidden[0] = s->critic_hidden[0] = 64;
  s->hidden[1] = s->critic_hidden[1] = 32;
  for (int l = 0; l < 3; l++) {
    s->lr[l] = s->lr_end[l] = s->critic_lr[l] = s->critic_lr_end[l] = 1e-3;
    s->critic_var[l] = 0.1;
  }
  s->var[0] = s->var[1] = 0.1;
  s->var[2] = 0.5;
  s->gamma = 0.98;
  s->temp = s->hidden_temp = 1;
  s->map_steps = 20;
  s->critic = true;
  s->critic_lambda = 0.8;
  s->adam_eps = 1e-8;
  s->log_every = 1;
  s->seed = 1;
  s->eval_episodes = 20;
}

syn_status agent_task_apply(agent_setup *s, const char *task, const char *method, syn_err *e) {
  const task_preset *t = find_task(task);
  if (!t) return syn_err_set(e, SYN_ERR_ARG, "rl: unknown task '%s'", task ? task : "");
  if (!method_known(method)) return syn_err_set(e, SYN_ERR_ARG, "rl: unknown method '%s'", method ? method : "");
  const bool map = strcmp(method, "mapprop") == 0;
  const bool bp = strcmp(method, "backprop") == 0 || strcmp(method, "ste") == 0;
  const method_col *col = map ? &t->mapprop : &t->weightmax;
  s->env = t->env;
  s->env_def = NULL;
  s->method = method;
  s->rule = NULL;
  s->episodes = col->episodes;
  s->batch = t->batch;
  s->critic = t->critic;
  s->critic_lambda = col->lambda;
  s->lambda = map || strcmp(method, "weightmax-traces") == 0 ? col->lambda : 0;
  copy3(s->lr, bp ? t->bp_lr : col->lr);
  copy3(s->lr_end, bp ? t->bp_lr_end : col->lr_end);
  s->end_t = col->end_t;
  copy3(s->var, t->var);
  /* MAP prop: the softmax's temperature; the weight_max code's are per
   * layer, 1 for the hidden ones */
  s->temp = col->temp;
  s->hidden_temp = 1;
  s->reward_clip = t->reward_clip;
  s->log_every = t->log_every;
  s->critic_map = map;
  copy3(s->critic_lr, col->critic_lr);
  copy3(s->critic_lr_end, col->critic_lr_end);
  copy3(s->critic_var, t->critic_var);
  /* the weight_max code: N-1 free logits, biases ~ U(+-1e-3); map_prop: N, 0 */
  s->fixed_last_logit = !(map || t->continuous);
  s->init_bias = map ? 0 : 1e-3;
  /* the same environment wrapper for every method, so that a baseline sees
   * the environment the published row saw */
  s->action_scale = t->action_scale;
  s->action_shift = t->action_shift;
  return SYN_OK;
}

syn_status agent_preset(agent_setup *s, const char *name, syn_err *e) {
  const char *dash = name ? strchr(name, '-') : NULL;
  char task[64] = "";
  const size_t tl = dash ? (size_t)(dash - name) : 0;
  if (dash && tl < sizeof task) {
    memcpy(task, name, tl);
    task[tl] = 0;
  }
  if (!find_task(task) || !method_known(dash + 1))
    return syn_err_set(e, SYN_ERR_ARG, "rl: preset '%s' is not TASK-METHOD of a known task and method",
                       name ? name : "");
  syn_status st = agent_task_apply(s, task, dash + 1, e);
  if (!st) s->preset = name;
  return st;
}

/* the environment a setup names: a user's definition or a built-in */
static const env_def *setup_env(const agent_setup *s) { return s->env_def ? s->env_def : env_find(s->env); }

static syn_status check_widths(const char *what, int n, const int *w, syn_err *e) {
  if (n < 1 || n > COA_MAX_LAYERS - 1)
    return syn_err_set(e, SYN_ERR_ARG, "rl: %s: %d hidden layers (1..%d)", what, n, COA_MAX_LAYERS - 1);
  for (int l = 0; l < n; l++)
    if (w[l] < 1 || w[l] > 100000) return syn_err_set(e, SYN_ERR_ARG, "rl: %s: width %d out of range", what, w[l]);
  return SYN_OK;
}

syn_status agent_setup_config(const agent_setup *s, agent_config *c, syn_err *e) {
  memset(c, 0, sizeof *c);
  if (!setup_env(s)) return syn_err_set(e, SYN_ERR_ARG, "rl: unknown environment '%s'", s->env ? s->env : "");
  const coa_rule rule = s->rule ? s->rule : method_rule(s->method);
  if (!rule) return syn_err_set(e, SYN_ERR_ARG, "rl: unknown method '%s'", s->method ? s->method : "");
  if (s->method && strcmp(s->method, "weightmax-traces") == 0 && !(s->lambda > 0))
    return syn_err_set(e, SYN_ERR_ARG, "rl: method weightmax-traces needs lambda > 0");
  syn_status st = check_widths("hidden", s->n_hidden, s->hidden, e);
  if (!st && s->critic) st = check_widths("critic-hidden", s->critic_n_hidden, s->critic_hidden, e);
  if (st) return st;
  if (s->episodes < 1) return syn_err_set(e, SYN_ERR_ARG, "rl: episodes must be >= 1");
  if (s->log_every < 1 || s->eval_episodes < 0)
    return syn_err_set(e, SYN_ERR_ARG, "rl: log-every must be >= 1 and eval-episodes >= 0");
  c->env_name = s->env_def ? s->env_def->name : s->env;
  c->env_def = s->env_def;
  env_config_default(&c->env);
  c->env.max_steps = s->max_steps;
  c->n_hidden = s->n_hidden;
  memcpy(c->hidden, s->hidden, sizeof c->hidden);
  c->hidden_unit = rule->hidden_unit;
  memcpy(c->var, s->var, sizeof c->var);
  c->hidden_temp = s->hidden_temp;
  c->temp = s->temp;
  coa_config_default(&c->actor);
  coa_config_default(&c->critic);
  c->actor.rule = rule;
  c->actor.batch = s->batch;
  c->actor.lambda = s->lambda;
  c->actor.gamma = s->gamma;
  c->actor.end_t = c->critic.end_t = s->end_t;
  c->actor.map_steps = c->critic.map_steps = s->map_steps;
  memcpy(c->actor.lr_start, s->lr, sizeof s->lr);
  memcpy(c->actor.lr_end, s->lr_end, sizeof s->lr_end);
  c->actor.fix_last_logit = s->fixed_last_logit;
  c->actor.adam_correct_until = c->critic.adam_correct_until = s->adam_correct_until;
  c->actor.adam_eps = c->critic.adam_eps = s->adam_eps;
  c->use_critic = s->critic;
  c->critic_n_hidden = s->critic_n_hidden;
  memcpy(c->critic_hidden, s->critic_hidden, sizeof c->critic_hidden);
  c->critic.rule = s->critic_map ? COA_RULE_MAPPROP : COA_RULE_BACKPROP;
  c->critic.lambda = s->critic_lambda;
  memcpy(c->critic.lr_start, s->critic_lr, sizeof s->critic_lr);
  memcpy(c->critic.lr_end, s->critic_lr_end, sizeof s->critic_lr_end);
  memcpy(c->critic_var, s->critic_var, sizeof c->critic_var);
  c->init_bias = s->init_bias;
  c->action_scale = s->action_scale;
  c->action_shift = s->action_shift;
  c->reward_clip = s->reward_clip;
  c->episodes = s->episodes;
  c->seed = s->seed;
  return SYN_OK;
}

/* ---- the settings text ---- */
static void add_num(FILE *t, const char *name, double v) {
  char b[40];
  fprintf(t, "%s=%s\n", name, core_fmt_double(b, sizeof b, v));
}

static void add_list(FILE *t, const char *name, const double *v, int n) {
  char b[40];
  fprintf(t, "%s=", name);
  for (int i = 0; i < n; i++) fprintf(t, "%s%s", i ? "," : "", core_fmt_double(b, sizeof b, v[i]));
  fputc('\n', t);
}

static void add_widths(FILE *t, const char *name, const int *w, int n) {
  fprintf(t, "%s=", name);
  for (int i = 0; i < n; i++) fprintf(t, "%s%d", i ? "," : "", w[i]);
  fputc('\n', t);
}

/* one line per setting: a name with a newline would break the format */
static const char *one_line(const char *v) { return v && !strpbrk(v, "\n\r") ? v : "?"; }

char *agent_setup_settings(const agent_setup *s) {
  char *p = NULL;
  size_t len = 0;
  FILE *t = open_memstream(&p, &len);
  if (!t) return NULL;
  const int nl = s->n_hidden + 1, ncl = s->critic_n_hidden + 1;
  const char *method = s->rule ? coa_rule_name(s->rule) : s->method; /* a user rule: its name */
  fprintf(t, "synrl_version=%s\n", core_version());
  fprintf(t, "preset=%s\n", one_line(s->preset ? s->preset : "custom"));
  fprintf(t, "env=%s\n", one_line(s->env_def ? s->env_def->name : s->env));
  fprintf(t, "method=%s\n", one_line(method));
  fprintf(t, "episodes=%ld\nbatch=%d\n", s->episodes, s->batch);
  add_widths(t, "hidden", s->hidden, s->n_hidden);
  add_list(t, "lr", s->lr, nl);
  add_list(t, "lr-end", s->lr_end, nl);
  fprintf(t, "end-t=%ld\n", s->end_t);
  add_num(t, "lambda", s->lambda);
  add_num(t, "gamma", s->gamma);
  add_num(t, "temp", s->temp);
  add_num(t, "hidden-temp", s->hidden_temp);
  add_list(t, "var", s->var, nl);
  fprintf(t, "map-steps=%d\ncritic=%s\n", s->map_steps, s->critic ? "on" : "off");
  add_widths(t, "critic-hidden", s->critic_hidden, s->critic_n_hidden);
  fprintf(t, "critic-method=%s\n", s->critic_map ? "mapprop" : "backprop");
  add_list(t, "critic-var", s->critic_var, ncl);
  add_list(t, "critic-lr", s->critic_lr, ncl);
  add_list(t, "critic-lr-end", s->critic_lr_end, ncl);
  add_num(t, "critic-lambda", s->critic_lambda);
  fprintf(t, "fixed-last-logit=%s\nadam-correct-until=%ld\n", s->fixed_last_logit ? "on" : "off",
      s->adam_correct_until);
  add_num(t, "adam-eps", s->adam_eps);
  add_num(t, "init-bias", s->init_bias);
  add_num(t, "action-scale", s->action_scale);
  add_num(t, "action-shift", s->action_shift);
  add_num(t, "reward-clip", s->reward_clip);
  fprintf(t, "max-steps=%d\nlog-every=%ld\nseed=%llu\neval-episodes=%ld\n", s->max_steps, s->log_every,
      (unsigned long long)s->seed, s->eval_episodes);
  const bool bad = ferror(t) != 0;
  if (fclose(t) != 0 || bad) {
    free(p);
    return NULL;
  }
  return p;
}
