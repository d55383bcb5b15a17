/* Checkpoints of the coagent RL trainer: environment state round trips, the
 * learner's state round trip, and interrupted-then-resumed runs of agent_run
 * that must end bit-identical to uninterrupted ones, for every environment
 * kind and every rule, with and without a critic, batch 1 and batch > 1. */
#include "testutil.h"

#include "synrl/train.h"
#include "synrl/core.h"

#include "../fuzz/rl_ckpt_setup.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- environments: save mid-episode, load into a fresh one, go on alike ---- */
static void act_of(const env *v, rng_t *r, int *a, double *vec) {
  if (v->act.kind == ENV_DISCRETE)
    *a = (int)rng_below(r, (uint64_t)v->act.n);
  else
    for (int i = 0; i < v->act.n; i++) vec[i] = rng_uniform_range(r, -1.5, 1.5);
}

static void step_env(env *v, int a, const double *vec, double *obs, env_result *res) {
  syn_err e;
  assert_int_equal(v->act.kind == ENV_DISCRETE ? env_step(v, a, obs, res, &e)
                                               : env_step_box(v, vec, obs, res, &e),
                   SYN_OK);
}

static void save_env(const env *v, const char *path) {
  ckpt_writer w;
  ckpt_writer_init(&w);
  ckpt_begin(&w, "env");
  syn_err e;
  assert_int_equal(env_state_save(v, &w, &e), SYN_OK);
  ckpt_end(&w);
  assert_int_equal(ckpt_writer_save(&w, path, &e), SYN_OK);
  ckpt_writer_free(&w);
}

static syn_status load_env(env *v, const char *path, syn_err *e) {
  ckpt_file f;
  syn_status st = ckpt_read(&f, path, e);
  if (st) return st;
  ckpt_sec s;
  st = ckpt_open(&f, "env", &s, e);
  if (!st) st = env_state_load(v, &s, e);
  if (!st) st = ckpt_sec_done(&s, e);
  ckpt_file_free(&f);
  return st;
}

static void test_env_roundtrip(void **st) {
  const char *names[] = {"cartpole",     "acrobot",       "mountaincar-continuous", "multiplexer6",
                         "multiplexer37", "regression"};
  char path[512];
  tu_path(path, sizeof path, "env.ckpt");
  for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
    env_config c;
    env_config_default(&c);
    c.seed = 11 + k;
    env a, b;
    syn_err e;
    assert_int_equal(env_create(&a, names[k], &c, &e), SYN_OK);
    assert_int_equal(env_create(&b, names[k], &c, &e), SYN_OK);
    assert_true(env_can_save(&a));
    double oa[64], ob[64], vec[4];
    rng_t pol;
    rng_seed(&pol, 5, k);
    env_result ra, rb;
    int act = 0;
    assert_int_equal(env_reset(&a, oa, &e), SYN_OK);
    /* a few episodes' worth, then a state in the middle of one */
    for (int i = 0; i < 37; i++) {
      act_of(&a, &pol, &act, vec);
      step_env(&a, act, vec, oa, &ra);
      if (ra.terminated || ra.truncated) assert_int_equal(env_reset(&a, oa, &e), SYN_OK);
    }
    save_env(&a, path);
    /* b has its own history: the load must replace all of it */
    assert_int_equal(env_reset(&b, ob, &e), SYN_OK);
    assert_int_equal(load_env(&b, path, &e), SYN_OK);
    assert_int_equal(a.t, b.t);
    assert_int_equal(a.done, b.done);
    for (int i = 0; i < 300; i++) {
      act_of(&a, &pol, &act, vec);
      step_env(&a, act, vec, oa, &ra);
      step_env(&b, act, vec, ob, &rb);
      assert_memory_equal(oa, ob, (size_t)a.obs.n * sizeof(double));
      assert_true(ra.reward == rb.reward && ra.terminated == rb.terminated && ra.truncated == rb.truncated);
      if (ra.terminated || ra.truncated) {
        assert_int_equal(env_reset(&a, oa, &e), SYN_OK);
        assert_int_equal(env_reset(&b, ob, &e), SYN_OK);
        assert_memory_equal(oa, ob, (size_t)a.obs.n * sizeof(double));
      }
    }
    env_destroy(&b);
    /* another environment's state is refused, naming the section */
    const char *other = strcmp(names[k], "cartpole") == 0 ? "acrobot" : "cartpole";
    assert_int_equal(env_create(&b, other, &c, &e), SYN_OK);
    assert_int_equal(load_env(&b, path, &e), SYN_ERR_FORMAT);
    assert_contains(e.msg, "env");
    env_destroy(&b);
    env_destroy(&a);
  }
  /* a multiplexer of another size */
  env a, b;
  syn_err e;
  double o[64];
  assert_int_equal(env_create(&a, "multiplexer6", NULL, &e), SYN_OK);
  assert_int_equal(env_reset(&a, o, &e), SYN_OK);
  save_env(&a, path);
  env_config c;
  env_config_default(&c);
  c.mux_bits = 3;
  assert_int_equal(env_create(&b, "multiplexer", &c, &e), SYN_OK);
  assert_int_not_equal(load_env(&b, path, &e), SYN_OK);
  env_destroy(&a);
  env_destroy(&b);
  /* lunarlander has no hooks */
  if (env_have_box2d()) {
    assert_int_equal(env_create(&a, "lunarlander", NULL, &e), SYN_OK);
    assert_false(env_can_save(&a));
    ckpt_writer w;
    ckpt_writer_init(&w);
    assert_int_equal(env_state_save(&a, &w, &e), SYN_ERR_UNSUPPORTED);
    ckpt_writer_free(&w);
    env_destroy(&a);
  }
}

/* states a step could never reach are refused (acrobot's angle wrapping
 * would loop for ages on 1e300) */
static void write_state(const char *path, const char *name, const double *x, int n) {
  ckpt_writer w;
  ckpt_writer_init(&w);
  ckpt_begin(&w, "env");
  ckpt_put_str(&w, name);
  ckpt_put_i64(&w, 3);
  ckpt_put_u8(&w, 0);
  for (int i = 0; i < 4; i++) ckpt_put_u64(&w, 12345 + i);
  ckpt_put_f64s(&w, x, (size_t)n);
  ckpt_end(&w);
  syn_err e;
  assert_int_equal(ckpt_writer_save(&w, path, &e), SYN_OK);
  ckpt_writer_free(&w);
}

static void test_env_bad_state(void **st) {
  char path[512];
  tu_path(path, sizeof path, "badenv.ckpt");
  struct {
    const char *name;
    double x[4];
    int n;
    bool ok;
  } cases[] = {
      {"acrobot", {0.5, -0.5, 1, -1}, 4, true},
      {"acrobot", {1e300, 0, 0, 0}, 4, false},
      {"acrobot", {0, 0, INFINITY, 0}, 4, false},
      {"acrobot", {0, NAN, 0, 0}, 4, false},
      {"cartpole", {0.1, 0, 0, NAN}, 4, false},
      {"cartpole", {0.1, 0, 0, 0}, 3, false}, /* short */
      {"mountaincar-continuous", {-0.5, 0}, 2, true},
      {"mountaincar-continuous", {-0.5, 0.5}, 2, false},
      {"mountaincar-continuous", {7, 0}, 2, false},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    write_state(path, cases[k].name, cases[k].x, cases[k].n);
    env v;
    syn_err e;
    assert_int_equal(env_create(&v, cases[k].name, NULL, &e), SYN_OK);
    syn_status s = load_env(&v, path, &e);
    if (cases[k].ok != (s == SYN_OK)) fail_msg("case %zu (%s): status %d: %s", k, cases[k].name, s, e.msg);
    if (s) assert_contains(e.msg, "section env");
    env_destroy(&v);
  }
}

/* ---- the learner: every piece of state comes back ---- */
static void test_learner_roundtrip(void **st) {
  const int widths[4] = {5, 6, 4, 3};
  const coa_unit units[3] = {COA_BERNOULLI, COA_BERNOULLI, COA_SOFTMAX};
  coa_net n1, n2;
  syn_err e;
  assert_int_equal(coa_net_create(&n1, 3, widths, units, NULL, NULL, &e), SYN_OK);
  assert_int_equal(coa_net_create(&n2, 3, widths, units, NULL, NULL, &e), SYN_OK);
  rng_t r;
  rng_seed(&r, 3, 0);
  coa_net_init(&n1, &r);
  coa_config cc;
  coa_config_default(&cc);
  cc.rule = COA_RULE_WEIGHTMAX;
  cc.batch = 3;
  cc.lambda = 0.7;
  cc.end_t = 50;
  cc.lr_end[0] = 1e-5;
  coa_learner a, b;
  assert_int_equal(coa_learner_create(&a, &n1, &cc, &e), SYN_OK);
  assert_int_equal(coa_learner_create(&b, &n2, &cc, &e), SYN_OK);
  double obs[15], rew[3];
  for (int t = 0; t < 9; t++) {
    for (int i = 0; i < 15; i++) obs[i] = rng_uniform(&r);
    for (int i = 0; i < 3; i++) rew[i] = rng_uniform(&r) - 0.5;
    coa_learner_act(&a, obs, &r);
    coa_learner_learn(&a, rew);
  }
  char path[512];
  tu_path(path, sizeof path, "learner.ckpt");
  ckpt_writer w;
  ckpt_writer_init(&w);
  coa_learner_save(&a, &w, "actor");
  assert_int_equal(ckpt_writer_save(&w, path, &e), SYN_OK);
  ckpt_writer_free(&w);
  ckpt_file f;
  assert_int_equal(ckpt_read(&f, path, &e), SYN_OK);
  assert_int_equal(coa_learner_load(&b, &f, "actor", &e), SYN_OK);
  const size_t np = n1.n_params;
  assert_memory_equal(n1.params, n2.params, np * sizeof(double));
  assert_memory_equal(a.adam_m, b.adam_m, np * sizeof(double));
  assert_memory_equal(a.adam_v, b.adam_v, np * sizeof(double));
  assert_memory_equal(a.trace, b.trace, 3 * np * sizeof(double));
  assert_int_equal(a.t, b.t);
  assert_memory_equal(a.adam_t, b.adam_t, sizeof a.adam_t);
  assert_true(coa_learner_lr(&a, 0) == coa_learner_lr(&b, 0));
  /* both go on alike */
  rng_t ra = r, rb = r;
  coa_learner_act(&a, obs, &ra);
  coa_learner_act(&b, obs, &rb);
  coa_learner_learn(&a, rew);
  coa_learner_learn(&b, rew);
  assert_memory_equal(n1.params, n2.params, np * sizeof(double));
  /* another batch or rule does not fit */
  coa_learner c2;
  cc.batch = 2;
  assert_int_equal(coa_learner_create(&c2, &n2, &cc, &e), SYN_OK);
  assert_int_equal(coa_learner_load(&c2, &f, "actor", &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "actor");
  coa_learner_destroy(&c2);
  cc.batch = 3;
  cc.rule = COA_RULE_REINFORCE;
  assert_int_equal(coa_learner_create(&c2, &n2, &cc, &e), SYN_OK);
  assert_int_equal(coa_learner_load(&c2, &f, "actor", &e), SYN_ERR_FORMAT);
  coa_learner_destroy(&c2);
  assert_int_equal(coa_learner_load(&b, &f, "critic", &e), SYN_ERR_FORMAT);
  ckpt_file_free(&f);
  coa_learner_destroy(&a);
  coa_learner_destroy(&b);
  coa_net_destroy(&n1);
  coa_net_destroy(&n2);
}

/* ---- the driver: interrupted and resumed == never stopped ---- */
typedef struct rec {
  double ret[4096];
  long steps[4096];
  long n;            /* episodes seen */
  long stop_at;      /* raise the stop flag at this episode (0: never) */
  volatile sig_atomic_t flag;
  long user_saved;   /* a caller section, round-tripped */
} rec;

static void rec_episode(void *user, long ep, long steps, double ret) {
  rec *r = user;
  assert_true(ep >= 1 && ep <= 4096);
  r->ret[ep - 1] = ret;
  r->steps[ep - 1] = steps;
  r->n = ep;
  if (r->stop_at && ep == r->stop_at) r->flag = 1;
}

static void rec_save(void *user, ckpt_writer *w) {
  rec *r = user;
  ckpt_begin(w, "test.user");
  ckpt_put_i64(w, r->n);
  ckpt_end(w);
}

static syn_status rec_load(void *user, const ckpt_file *f, syn_err *e) {
  rec *r = user;
  ckpt_sec s;
  syn_status st = ckpt_open(f, "test.user", &s, e);
  if (st) return st;
  r->user_saved = (long)ckpt_get_i64(&s);
  return ckpt_sec_done(&s, e);
}

typedef struct run_case {
  const char *env;
  coa_rule rule;
  double lambda;
  bool critic;
  int batch;
  long episodes;
  long stop_at; /* first interruption: at this episode */
} run_case;

static void config_of(agent_config *c, const run_case *k, rec *r) {
  memset(c, 0, sizeof *c);
  c->env_name = k->env;
  env_config_default(&c->env);
  c->n_hidden = 2;
  c->hidden[0] = 12;
  c->hidden[1] = 6;
  c->hidden_unit = k->rule == COA_RULE_MAPPROP ? COA_GAUSSIAN : k->rule == COA_RULE_BACKPROP ? COA_SOFTPLUS
                                                                                           : COA_BERNOULLI;
  for (int l = 0; l < COA_MAX_LAYERS; l++) c->var[l] = 0.1;
  c->hidden_temp = c->temp = 1;
  coa_config_default(&c->actor);
  c->actor.rule = k->rule;
  c->actor.batch = k->batch;
  c->actor.lambda = k->lambda;
  c->actor.map_steps = 3;
  c->actor.end_t = 200; /* the annealing position must come back too */
  for (int l = 0; l < 3; l++) {
    c->actor.lr_start[l] = 0.01;
    c->actor.lr_end[l] = 0.001;
  }
  c->critic_n_hidden = 1;
  c->critic_hidden[0] = 8;
  coa_config_default(&c->critic);
  c->critic.lambda = 0.8;
  for (int l = 0; l < 3; l++) c->critic.lr_start[l] = c->critic.lr_end[l] = 0.01;
  c->use_critic = k->critic;
  c->reward_clip = 50;
  c->episodes = k->episodes;
  c->seed = 21;
  c->on_episode = rec_episode;
  c->on_save = rec_save;
  c->on_load = rec_load;
  c->user = r;
  c->ckpt_config = "test settings\n";
  c->stop = &r->flag;
}

static void check_case(const run_case *k) {
  char path[512];
  tu_path(path, sizeof path, "agent.ckpt");
  remove(path);
  static rec ref, got;
  memset(&ref, 0, sizeof ref);
  memset(&got, 0, sizeof got);
  agent_config c;
  coa_net a0, c0, a1, c1;
  agent_result r0, r1;
  syn_err e;
  /* uninterrupted */
  config_of(&c, k, &ref);
  c.stop = NULL;
  assert_int_equal(agent_run(&c, &a0, &c0, &r0, &e), SYN_OK);
  assert_false(r0.interrupted);
  assert_int_equal(r0.episodes, k->episodes);
  /* 1: stopped at an episode (with batch > 1 other rows are mid-episode) */
  config_of(&c, k, &got);
  c.ckpt_path = path;
  got.stop_at = k->stop_at;
  assert_int_equal(agent_run(&c, &a1, &c1, &r1, &e), SYN_OK);
  if (!r1.interrupted) fail_msg("%s/%s: not interrupted", k->env, coa_rule_name(k->rule));
  assert_int_equal(r1.checkpoints, 1);
  coa_net_destroy(&a1);
  if (k->critic) coa_net_destroy(&c1);
  const long at1 = got.n;
  /* 2: resumed with the flag already up: one step later (mid-episode where
   * the env can be saved; at the next episode start where it cannot) */
  got.stop_at = 0;
  got.flag = 1;
  c.resume_path = path;
  assert_int_equal(agent_run(&c, &a1, &c1, &r1, &e), SYN_OK);
  assert_true(r1.interrupted);
  assert_int_equal(r1.resumed_at, at1);
  assert_int_equal(got.user_saved, at1);
  coa_net_destroy(&a1);
  if (k->critic) coa_net_destroy(&c1);
  /* 3: resumed to the end, with periodic checkpoints on the way */
  got.flag = 0;
  c.ckpt_every = 3;
  if (agent_run(&c, &a1, &c1, &r1, &e)) fail_msg("%s/%s: %s", k->env, coa_rule_name(k->rule), e.msg);
  assert_false(r1.interrupted);
  assert_int_equal(r1.episodes, k->episodes);
  assert_int_equal(r1.steps, r0.steps);
  assert_true(r1.avg_return == r0.avg_return && r1.recent_return == r0.recent_return);
  assert_int_equal(a0.n_params, a1.n_params);
  if (memcmp(a0.params, a1.params, a0.n_params * sizeof(double)) != 0)
    fail_msg("%s/%s batch %d critic %d: actor differs after resume", k->env, coa_rule_name(k->rule), k->batch,
             k->critic);
  if (k->critic) assert_memory_equal(c0.params, c1.params, c0.n_params * sizeof(double));
  assert_memory_equal(ref.ret, got.ret, (size_t)k->episodes * sizeof(double));
  assert_memory_equal(ref.steps, got.steps, (size_t)k->episodes * sizeof(long));
  coa_net_destroy(&a0);
  coa_net_destroy(&a1);
  if (k->critic) {
    coa_net_destroy(&c0);
    coa_net_destroy(&c1);
  }
}

static void test_resume_rules(void **st) {
  const run_case cases[] = {
      {"cartpole", COA_RULE_REINFORCE, 0, true, 1, 12, 5},
      {"cartpole", COA_RULE_WEIGHTMAX, 0, true, 1, 12, 4},
      {"cartpole", COA_RULE_WEIGHTMAX, 0.8, true, 1, 12, 6},
      {"cartpole", COA_RULE_MAPPROP, 0.9, true, 1, 10, 3},
      {"cartpole", COA_RULE_BACKPROP, 0, true, 1, 12, 7},
      {"cartpole", COA_RULE_STE, 0, true, 1, 12, 5},
      {"cartpole", COA_RULE_WEIGHTMAX, 0.8, false, 3, 14, 5},
      {"cartpole", COA_RULE_BACKPROP, 0, false, 1, 10, 4},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) check_case(&cases[i]);
}

static void test_resume_envs(void **st) {
  const run_case cases[] = {
      {"acrobot", COA_RULE_WEIGHTMAX, 0.8, true, 2, 4, 2},
      {"mountaincar-continuous", COA_RULE_MAPPROP, 0.9, true, 1, 3, 1},
      {"mountaincar-continuous", COA_RULE_BACKPROP, 0, true, 2, 4, 1},
      {"multiplexer6", COA_RULE_REINFORCE, 0, false, 1, 300, 120},
      {"multiplexer37", COA_RULE_WEIGHTMAX, 0, false, 128, 1500, 700},
      {"multiplexer37", COA_RULE_STE, 0, false, 16, 400, 150},
      {"regression", COA_RULE_MAPPROP, 0, false, 4, 300, 101},
      {"regression", COA_RULE_BACKPROP, 0, true, 1, 200, 77},
      {"lunarlander", COA_RULE_WEIGHTMAX, 0.8, true, 1, 4, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    if (strcmp(cases[i].env, "lunarlander") == 0 && !env_have_box2d()) continue;
    check_case(&cases[i]);
  }
}

/* ---- what does not fit is refused; what cannot be written is an error ---- */
static void test_resume_refused(void **st) {
  char path[512], bad[600];
  tu_path(path, sizeof path, "refuse.ckpt");
  static rec r;
  memset(&r, 0, sizeof r);
  const run_case k = {"cartpole", COA_RULE_WEIGHTMAX, 0, true, 2, 8, 3};
  agent_config c;
  config_of(&c, &k, &r);
  c.ckpt_path = path;
  r.stop_at = 3;
  coa_net a, cr;
  agent_result res;
  syn_err e;
  assert_int_equal(agent_run(&c, &a, &cr, &res, &e), SYN_OK);
  assert_true(res.interrupted);
  coa_net_destroy(&a);
  coa_net_destroy(&cr);
  r.stop_at = 0;
  r.flag = 0;
  c.resume_path = path;
  /* other settings */
  c.ckpt_config = "other settings\n";
  assert_int_equal(agent_run(&c, &a, &cr, &res, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "other settings");
  c.ckpt_config = "test settings\n";
  /* another batch (the settings text left aside) */
  c.ckpt_config = NULL;
  c.actor.batch = 3;
  assert_int_not_equal(agent_run(&c, &a, &cr, &res, &e), SYN_OK);
  assert_contains(e.msg, "rl.loop");
  c.actor.batch = 2;
  /* another rule */
  c.actor.rule = COA_RULE_REINFORCE;
  assert_int_not_equal(agent_run(&c, &a, &cr, &res, &e), SYN_OK);
  assert_contains(e.msg, "rl.actor");
  c.actor.rule = COA_RULE_WEIGHTMAX;
  /* no critic */
  c.use_critic = false;
  assert_int_equal(agent_run(&c, &a, NULL, &res, &e), SYN_OK); /* the critic section is simply unused */
  coa_net_destroy(&a);
  c.use_critic = true;
  /* damaged: one byte flipped, or cut short */
  long n;
  unsigned char *buf = tu_slurp(path, &n);
  assert_non_null(buf);
  snprintf(bad, sizeof bad, "%s.bad", path);
  c.resume_path = bad;
  for (long off = 5; off < n; off += n / 7) {
    buf[off] ^= 0x55;
    tu_spit(bad, buf, (size_t)n);
    buf[off] ^= 0x55;
    assert_int_not_equal(agent_run(&c, &a, &cr, &res, &e), SYN_OK);
    assert_contains(e.msg, bad);
  }
  tu_spit(bad, buf, (size_t)n / 2);
  assert_int_not_equal(agent_run(&c, &a, &cr, &res, &e), SYN_OK);
  assert_contains(e.msg, bad);
  free(buf);
  /* missing */
  tu_path(bad, sizeof bad, "missing.ckpt");
  assert_int_equal(agent_run(&c, &a, &cr, &res, &e), SYN_ERR_IO);
  /* unwritable: the checkpoint goes into a directory that does not exist */
  c.resume_path = NULL;
  tu_path(bad, sizeof bad, "no/such/dir/x.ckpt");
  c.ckpt_path = bad;
  c.ckpt_every = 1;
  assert_int_equal(agent_run(&c, &a, &cr, &res, &e), SYN_ERR_IO);
  assert_contains(e.msg, "x.ckpt");
  /* a stop without a checkpoint path: interrupted at once, nothing written */
  c.ckpt_path = NULL;
  r.flag = 1;
  assert_int_equal(agent_run(&c, &a, &cr, &res, &e), SYN_OK);
  assert_true(res.interrupted);
  assert_int_equal(res.checkpoints, 0);
  coa_net_destroy(&a);
  coa_net_destroy(&cr);
}

/* ---- the fuzz corpus and every input that once broke fuzz_rlckpt, replayed
 * with a valid CRC: each seed resumes its own run, nothing else crashes or
 * fails without a message ---- */
static void test_fuzz_inputs(void **st) {
  tu_replay_ckpt_inputs("fuzz_rlckpt", "corpus", true, fzr_resume_all);
  tu_replay_ckpt_inputs("fuzz_rlckpt", "regress", false, fzr_resume_all);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_env_roundtrip),  cmocka_unit_test(test_env_bad_state),
      cmocka_unit_test(test_learner_roundtrip),
      cmocka_unit_test(test_resume_rules),   cmocka_unit_test(test_resume_envs),
      cmocka_unit_test(test_resume_refused), cmocka_unit_test(test_fuzz_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
