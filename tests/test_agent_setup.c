/* The rl run as a library call: the presets, the settings text, the run
 * folder (metrics.csv, nets.bin, summary.json), the final evaluation and
 * agent_eval_dir measuring it again bit for bit, a resumed run, a user's
 * environment and a user's coagent rule. */
#include "testutil.h"

#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- presets ---- */
static void test_presets(void **st) {
  syn_err e;
  assert_int_equal(agent_task_count(), 6);
  assert_int_equal(agent_method_count(), 6);
  for (size_t t = 0; t < agent_task_count(); t++)
    for (size_t m = 0; m < agent_method_count(); m++) {
      char name[80];
      snprintf(name, sizeof name, "%s-%s", agent_task_at(t), agent_method_at(m));
      agent_setup s;
      agent_setup_default(&s);
      if (agent_preset(&s, name, &e)) fail_msg("%s: %s", name, e.msg);
      assert_string_equal(s.preset, name);
      agent_config c;
      /* the multiplexer rows have no lambda: their traces preset needs one */
      if (strncmp(name, "multiplexer", 11) == 0 && strstr(name, "traces")) {
        assert_int_equal(agent_setup_config(&s, &c, &e), SYN_ERR_ARG);
        assert_contains(e.msg, "lambda");
        continue;
      }
      if (agent_setup_config(&s, &c, &e)) fail_msg("%s: %s", name, e.msg);
      assert_string_equal(coa_rule_name(c.actor.rule),
                          strcmp(agent_method_at(m), "weightmax-traces") == 0 ? "weightmax" : agent_method_at(m));
    }
  assert_null(agent_task_at(agent_task_count()));
  /* what the rows say, spot-checked */
  agent_setup s;
  agent_setup_default(&s);
  assert_int_equal(agent_preset(&s, "cartpole-mapprop", &e), SYN_OK);
  assert_true(s.temp == 2 && s.lambda == 0.95 && s.critic_map && !s.fixed_last_logit && s.init_bias == 0);
  assert_true(s.lr[0] == 0.01 && s.lr_end[2] == 1e-8 && s.end_t == 50000 && s.episodes == 1000);
  assert_int_equal(agent_preset(&s, "cartpole-weightmax-traces", &e), SYN_OK);
  assert_true(s.lambda == 0.8 && s.fixed_last_logit && s.init_bias == 1e-3 && !s.critic_map);
  assert_true(s.critic_lr[0] == 0.04 && s.critic_lr_end[0] == 0.004);
  assert_int_equal(agent_preset(&s, "mountaincar-backprop", &e), SYN_OK);
  assert_string_equal(s.env, "mountaincar-continuous");
  assert_true(s.action_scale == 2 && s.action_shift == 1 && s.reward_clip == 5 && !s.fixed_last_logit);
  assert_true(s.lr[1] == 3e-4 && s.var[2] == 0.5);
  assert_int_equal(agent_preset(&s, "multiplexer37-ste", &e), SYN_OK);
  assert_true(s.batch == 128 && !s.critic && s.log_every == 1000 && s.lr[0] == 1e-3);
  /* the widths, gamma and seed are the caller's */
  s.seed = 9;
  s.gamma = 0.9;
  assert_int_equal(agent_preset(&s, "acrobot-weightmax", &e), SYN_OK);
  assert_true(s.seed == 9 && s.gamma == 0.9 && s.n_hidden == 2 && s.hidden[0] == 64);
  assert_true(agent_task_known("mountaincar-continuous") && agent_task_known("acrobot"));
  assert_false(agent_task_known("pong"));
  const char *bad[] = {"pong-weightmax", "cartpole-adam", "cartpole", "", "-weightmax"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    assert_int_equal(agent_preset(&s, bad[i], &e), SYN_ERR_ARG);
    assert_contains(e.msg, "preset");
  }
  /* a setup that is not whole */
  agent_setup_default(&s);
  s.method = "weightmax-traces";
  agent_config c;
  assert_int_equal(agent_setup_config(&s, &c, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "lambda");
  agent_setup_default(&s);
  s.env = "pong";
  assert_int_equal(agent_setup_config(&s, &c, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "pong");
  agent_setup_default(&s);
  s.method = "sgd";
  assert_int_equal(agent_setup_config(&s, &c, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "sgd");
}

static void test_settings_text(void **st) {
  agent_setup s;
  agent_setup_default(&s);
  syn_err e;
  assert_int_equal(agent_preset(&s, "cartpole-weightmax", &e), SYN_OK);
  char *t = agent_setup_settings(&s);
  assert_non_null(t);
  const char *want[] = {"\npreset=cartpole-weightmax\n", "\nenv=cartpole\n", "\nmethod=weightmax\n",
                        "\nhidden=64,32\n", "\nlr=0.02,0.0002,2e-05\n", "\nlr-end=0.0002,2e-06,2e-07\n",
                        "\ncritic=on\n", "\ncritic-method=backprop\n", "\nfixed-last-logit=on\n",
                        "\nadam-eps=1e-08\n", "\nseed=1\n", "\neval-episodes=20\n", "\nmax-steps=0\n"};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) assert_contains(t, want[i]);
  assert_true(strncmp(t, "synrl_version=", 14) == 0);
  /* one line per setting, each name=value */
  int lines = 0;
  for (const char *p = t; *p; p++) lines += *p == '\n';
  assert_int_equal(lines, 34);
  free(t);
}

/* ---- a run folder, measured again ---- */
static void mux_setup(agent_setup *s, const char *out) {
  agent_setup_default(s);
  s->env = "multiplexer6";
  s->critic = false;
  s->episodes = 3000;
  s->hidden[0] = 16;
  s->hidden[1] = 8;
  s->log_every = 500;
  s->seed = 4;
  s->out_dir = out;
}

static void test_run_dir_eval(void **st) {
  char dir[512], path[600];
  tu_path(dir, sizeof dir, "mux-run");
  agent_setup s;
  mux_setup(&s, dir);
  agent_outcome o;
  syn_err e;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_OK);
  assert_false(o.train.interrupted);
  assert_int_equal(o.eval_episodes, 20);
  assert_true(o.eval_return >= -1 && o.eval_return <= 1);
  const uint64_t h = o.actor_fnv1a64;
  const double ev = o.eval_return;
  /* the same actor measured directly */
  agent_config c;
  assert_int_equal(agent_setup_config(&s, &c, &e), SYN_OK);
  double again;
  assert_int_equal(agent_eval(&c, &o.actor, 20, &again, &e), SYN_OK);
  assert_true(again == ev);
  agent_outcome_free(&o);
  /* metrics.csv: the header and one row per 500 episodes */
  snprintf(path, sizeof path, "%s/metrics.csv", dir);
  long n;
  char *csv = (char *)tu_slurp(path, &n);
  assert_non_null(csv);
  csv = realloc(csv, (size_t)n + 1);
  csv[n] = 0;
  assert_true(strncmp(csv, "step,seconds,steps,return,running_mean\n500,", 43) == 0);
  int lines = 0;
  for (long i = 0; i < n; i++) lines += csv[i] == '\n';
  assert_int_equal(lines, 7);
  free(csv);
  /* summary.json read back; agent_eval_dir gives the recorded figure bit for bit */
  run_summary *sum;
  assert_int_equal(run_summary_load(&sum, dir, &e), SYN_OK);
  assert_int_equal(run_summary_kind(sum), RUN_KIND_RL);
  assert_string_equal(run_summary_get_str(sum, "metrics_step"), "episode");
  assert_string_equal(run_summary_setting(sum, "env"), "multiplexer6");
  assert_string_equal(run_summary_setting(sum, "hidden"), "16,8");
  char hex[24];
  snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
  assert_string_equal(run_summary_get_str(sum, "actor_fnv1a64"), hex);
  run_eval r;
  assert_int_equal(agent_eval_dir(sum, dir, &r, &e), SYN_OK);
  assert_string_equal(r.metric, "eval_return");
  assert_int_equal(r.episodes, 20);
  assert_true(r.value == ev && r.recorded == ev);
  run_summary_free(sum);
  /* no evaluation: the same weights, no eval_return, and eval_dir says so */
  s.eval_episodes = 0;
  tu_path(dir, sizeof dir, "mux-noeval");
  s.out_dir = dir;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_OK);
  assert_true(o.actor_fnv1a64 == h && isnan(o.eval_return));
  agent_outcome_free(&o);
  assert_int_equal(run_summary_load(&sum, dir, &e), SYN_OK);
  assert_int_not_equal(agent_eval_dir(sum, dir, &r, &e), SYN_OK);
  assert_contains(e.msg, "eval-episodes");
  run_summary_free(sum);
  /* no folder: nothing written, the same run */
  s.eval_episodes = 20;
  s.out_dir = NULL;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_OK);
  assert_true(o.actor_fnv1a64 == h && o.eval_return == ev);
  agent_outcome_free(&o);
  /* another seed, another evaluation stream */
  s.seed = 5;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_OK);
  assert_true(o.actor_fnv1a64 != h);
  agent_outcome_free(&o);
  /* the eval stream is not a training one */
  assert_true(agent_eval_seed(4, 0) != agent_eval_seed(4, 1) && agent_eval_seed(4, 0) != agent_eval_seed(5, 0));
}

/* a metrics.csv without its second column (wall time) */
static char *rows_but_seconds(const char *path) {
  long n;
  char *t = (char *)tu_slurp(path, &n);
  assert_non_null(t);
  char *out = malloc((size_t)n + 1);
  assert_non_null(out);
  size_t k = 0;
  for (long i = 0, field = 0; i < n; i++) {
    if (t[i] == '\n') field = -1;
    if (t[i] == ',' || t[i] == '\n') field++;
    if (field != 1) out[k++] = t[i];
  }
  out[k] = 0;
  free(t);
  return out;
}

/* a stop raised before the start: checkpoint at the first episode end, then resume */
static void test_run_dir_resume(void **st) {
  char ref[512], dir[512], a[600], b[600];
  tu_path(ref, sizeof ref, "cp-ref");
  tu_path(dir, sizeof dir, "cp-resumed");
  agent_setup s;
  agent_setup_default(&s);
  syn_err e;
  assert_int_equal(agent_preset(&s, "cartpole-weightmax-traces", &e), SYN_OK);
  s.episodes = 12;
  s.eval_episodes = 3;
  s.out_dir = ref;
  agent_outcome o;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_OK);
  const double ev = o.eval_return;
  agent_outcome_free(&o);
  volatile sig_atomic_t stop = 1;
  s.out_dir = dir;
  s.stop = &stop;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_OK);
  assert_true(o.train.interrupted && o.train.checkpoints == 1);
  agent_outcome_free(&o);
  snprintf(a, sizeof a, "%s/checkpoint.bin", dir);
  assert_true(tu_file_size(a) > 0);
  snprintf(a, sizeof a, "%s/summary.json", dir);
  assert_int_equal(tu_file_size(a), -1);
  /* other settings are refused, naming the first that differs */
  stop = 0;
  s.resume = true;
  s.seed = 2;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "seed");
  s.seed = 1;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_OK);
  assert_int_equal(o.train.episodes, 12);
  assert_true(o.eval_return == ev);
  agent_outcome_free(&o);
  snprintf(a, sizeof a, "%s/nets.bin", ref);
  snprintf(b, sizeof b, "%s/nets.bin", dir);
  long na, nb;
  unsigned char *pa = tu_slurp(a, &na), *pb = tu_slurp(b, &nb);
  assert_true(pa && pb && na == nb);
  assert_memory_equal(pa, pb, (size_t)na);
  free(pa);
  free(pb);
  snprintf(a, sizeof a, "%s/metrics.csv", ref);
  snprintf(b, sizeof b, "%s/metrics.csv", dir);
  char *ma = rows_but_seconds(a), *mb = rows_but_seconds(b);
  assert_string_equal(ma, mb);
  free(ma);
  free(mb);
  snprintf(a, sizeof a, "%s/checkpoint.bin", dir);
  assert_int_equal(tu_file_size(a), -1);
  /* resume without a folder */
  s.out_dir = NULL;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_ERR_ARG);
}

/* ---- a user's environment: a two-armed bandit where arm 1 pays ---- */
static syn_status arms_create(env *v, const env_config *c, syn_err *e) {
  (void)c;
  syn_status s = env_space_box(&v->obs, 2, 0.0, 1.0, e);
  if (!s) env_space_discrete(&v->act, 2);
  return s;
}
static syn_status arms_reset(env *v, double *obs, syn_err *e) {
  (void)e;
  obs[0] = 1;
  obs[1] = rng_uniform(&v->rng);
  return SYN_OK;
}
static syn_status arms_step(env *v, int action, const double *vec, double *obs, env_result *r, syn_err *e) {
  (void)vec;
  (void)e;
  obs[0] = obs[1] = 0;
  r->reward = action == 1 ? 1.0 : -1.0;
  r->terminated = true;
  return SYN_OK;
}
static const env_def arms_def = {.name = "two-arms", .summary = "arm 1 pays", .max_steps = 1,
                                 .create = arms_create, .reset = arms_reset, .step = arms_step};

static void test_user_env(void **st) {
  char dir[512];
  tu_path(dir, sizeof dir, "arms");
  agent_setup s;
  mux_setup(&s, dir);
  s.env_def = &arms_def;
  s.episodes = 400;
  s.log_every = 100;
  agent_outcome o;
  syn_err e;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_OK);
  if (!(o.eval_return > 0.8)) fail_msg("the bandit was not learned: eval_return %g", o.eval_return);
  agent_outcome_free(&o);
  run_summary *sum;
  assert_int_equal(run_summary_load(&sum, dir, &e), SYN_OK);
  assert_string_equal(run_summary_setting(sum, "env"), "two-arms");
  run_eval r;
  assert_int_equal(agent_eval_dir(sum, dir, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "not built in");
  run_summary_free(sum);
  /* the trainer alone, too */
  agent_config c;
  assert_int_equal(agent_setup_config(&s, &c, &e), SYN_OK);
  assert_ptr_equal(c.env_def, &arms_def);
  coa_net a;
  agent_result res;
  assert_int_equal(agent_run(&c, &a, NULL, &res, &e), SYN_OK);
  assert_int_equal(res.episodes, 400);
  coa_net_destroy(&a);
}

/* ---- a user's rule: no hooks at all is Global REINFORCE, bit for bit;
 * one that refuses the units is refused ---- */
static bool only_gaussian(coa_unit u) { return u == COA_GAUSSIAN; }
static const coa_rule_def plain = {.name = "plain", .hidden_unit = COA_BERNOULLI};
static const coa_rule_def picky = {.name = "picky", .hidden_unit = COA_BERNOULLI, .accepts = only_gaussian};

static void test_user_rule(void **st) {
  agent_setup s;
  mux_setup(&s, NULL);
  s.episodes = 600;
  s.method = "reinforce";
  agent_outcome ref, o;
  syn_err e;
  assert_int_equal(agent_setup_run(&s, &ref, &e), SYN_OK);
  s.rule = &plain;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_OK);
  assert_true(o.actor_fnv1a64 == ref.actor_fnv1a64 && o.eval_return == ref.eval_return);
  char *t = agent_setup_settings(&s);
  assert_contains(t, "\nmethod=plain\n");
  free(t);
  agent_outcome_free(&o);
  agent_outcome_free(&ref);
  /* checkpoints name a user rule: its own resumes, a built-in does not */
  agent_config c;
  s.rule = &plain;
  assert_int_equal(agent_setup_config(&s, &c, &e), SYN_OK);
  char path[512];
  tu_path(path, sizeof path, "plain.ckpt");
  volatile sig_atomic_t stop = 1;
  c.ckpt_path = path;
  c.stop = &stop;
  coa_net a;
  agent_result res;
  assert_int_equal(agent_run(&c, &a, NULL, &res, &e), SYN_OK);
  assert_true(res.interrupted);
  coa_net_destroy(&a);
  stop = 0;
  c.resume_path = path;
  c.actor.rule = COA_RULE_REINFORCE;
  assert_int_not_equal(agent_run(&c, &a, NULL, &res, &e), SYN_OK);
  assert_contains(e.msg, "rl.actor");
  c.actor.rule = &plain;
  assert_int_equal(agent_run(&c, &a, NULL, &res, &e), SYN_OK);
  assert_int_equal(res.episodes, 600);
  coa_net_destroy(&a);
  s.rule = &picky;
  assert_int_equal(agent_setup_run(&s, &o, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "picky");
  /* the built-ins by name */
  assert_ptr_equal(coa_rule_find("mapprop"), &coa_rule_mapprop);
  assert_null(coa_rule_find("plain"));
  assert_int_equal(coa_rule_count(), 5);
  for (size_t i = 0; i < coa_rule_count(); i++) assert_ptr_equal(coa_rule_find(coa_rule_at(i)->name), coa_rule_at(i));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_presets),        cmocka_unit_test(test_settings_text),
      cmocka_unit_test(test_run_dir_eval),   cmocka_unit_test(test_run_dir_resume),
      cmocka_unit_test(test_user_env),       cmocka_unit_test(test_user_rule),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
