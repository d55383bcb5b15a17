/* The RL training loop for coagent networks: one actor (and a critic) over a
 * batch of independent environments, one update per step, the conventions of
 * docs/coagent.md: delta = r + gamma V(s')(1 - terminated) - V(s),
 * delta = 0 on a time-limit truncation, traces reset at episode start. */
#include "synrl/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* rng streams of the run seed */
enum { STREAM_ACTOR_INIT = 1, STREAM_CRITIC_INIT = 2, STREAM_ACTOR_SAMPLE = 3, STREAM_CRITIC_SAMPLE = 4 };

typedef struct run_state {
  env *envs;
  int n_envs;
  double *obs, *next, *ret, *vs, *vn, *delta, *act_vec;
  long *len;
  int *ends; /* per row: 0 running, 1 truncated, 2 terminated */
  bool *first;     /* per row: just reset, no step taken yet */
  rng_t *pre_reset; /* per row: the env's rng before its last reset (replayed on resume) */
  coa_learner actor, critic;
  bool have_actor, have_critic;
  /* the loop's counters: all a checkpoint needs besides the above */
  long done, steps;
  double sum, recent[100];
  rng_t rs; /* the actor's sampling stream */
  rng_t rc; /* the MAP-prop critic's sampling stream */
} run_state;

static void run_state_free(run_state *s) {
  for (int r = 0; r < s->n_envs; r++) env_destroy(&s->envs[r]);
  free(s->envs);
  free(s->obs);
  free(s->next);
  free(s->ret);
  free(s->vs);
  free(s->vn);
  free(s->delta);
  free(s->act_vec);
  free(s->len);
  free(s->ends);
  free(s->first);
  free(s->pre_reset);
  if (s->have_actor) coa_learner_destroy(&s->actor);
  if (s->have_critic) coa_learner_destroy(&s->critic);
}

static syn_status make_net(coa_net *n, int in, int nh, const int *hidden, coa_unit hu, coa_unit out_unit,
                           int out, const double *var, double htemp, double temp, syn_err *e) {
  int widths[COA_MAX_LAYERS + 1];
  coa_unit units[COA_MAX_LAYERS];
  double t[COA_MAX_LAYERS], v[COA_MAX_LAYERS];
  if (nh < 0 || nh > COA_MAX_LAYERS - 1)
    return syn_err_set(e, SYN_ERR_ARG, "agent: %d hidden layers (0..%d)", nh, COA_MAX_LAYERS - 1);
  widths[0] = in;
  for (int l = 0; l < nh; l++) {
    widths[l + 1] = hidden[l];
    units[l] = hu;
    t[l] = htemp;
    v[l] = var ? var[l] : 1.0;
  }
  widths[nh + 1] = out;
  units[nh] = out_unit;
  t[nh] = temp;
  v[nh] = var ? var[nh] : 1.0;
  return coa_net_create(n, nh + 1, widths, units, v, t, e);
}

double agent_td_delta(double r, double v_s, double v_next, double gamma, bool terminated,
                      bool truncated) {
  if (truncated && !terminated) return 0.0;
  return r + gamma * v_next * (terminated ? 0.0 : 1.0) - v_s;
}

/* ---------------- checkpoints ---------------- */
/* A row can be saved if its environment has hooks, or if it has just been
 * reset (its reset is then replayed from the rng saved before it). */
static bool row_saveable(const run_state *s, int r) { return env_can_save(&s->envs[r]) || s->first[r]; }

static bool all_rows_saveable(const run_state *s) {
  for (int r = 0; r < s->n_envs; r++)
    if (!row_saveable(s, r)) return false;
  return true;
}

/* the environment's name: a user's definition or the built-in one */
static const char *env_label(const agent_config *c) { return c->env_def ? c->env_def->name : c->env_name; }

static syn_status save_checkpoint(const agent_config *c, const run_state *s, double elapsed, double cpu,
                                  agent_result *res, syn_err *e) {
  const double t0 = core_now();
  const int B = s->n_envs, nin = s->envs[0].obs.n;
  ckpt_writer w;
  ckpt_writer_init(&w);
  ckpt_begin(&w, "run.config");
  ckpt_put_str(&w, c->ckpt_config ? c->ckpt_config : "");
  ckpt_end(&w);
  ckpt_begin(&w, "rl.loop");
  ckpt_put_str(&w, env_label(c));
  ckpt_put_u32(&w, (uint32_t)B);
  ckpt_put_i64(&w, c->episodes);
  ckpt_put_i64(&w, s->done);
  ckpt_put_i64(&w, s->steps);
  ckpt_put_f64(&w, s->sum);
  ckpt_put_f64s(&w, s->recent, 100);
  for (int i = 0; i < 4; i++) ckpt_put_u64(&w, s->rs.s[i]);
  for (int i = 0; i < 4; i++) ckpt_put_u64(&w, s->rc.s[i]);
  ckpt_put_f64(&w, elapsed);
  ckpt_put_f64(&w, cpu);
  ckpt_end(&w);
  ckpt_begin(&w, "rl.rows");
  syn_status st = SYN_OK;
  for (int r = 0; r < B && !st; r++) {
    const bool replay = !env_can_save(&s->envs[r]);
    ckpt_put_f64s(&w, s->obs + (size_t)r * nin, (size_t)nin);
    ckpt_put_f64(&w, s->ret[r]);
    ckpt_put_i64(&w, s->len[r]);
    ckpt_put_u8(&w, s->first[r]);
    ckpt_put_u8(&w, replay);
    for (int i = 0; i < 4; i++) ckpt_put_u64(&w, s->pre_reset[r].s[i]);
    if (!replay) st = env_state_save(&s->envs[r], &w, e);
  }
  ckpt_end(&w);
  coa_learner_save(&s->actor, &w, "rl.actor");
  if (s->have_critic) coa_learner_save(&s->critic, &w, "rl.critic");
  if (c->on_save) c->on_save(c->user, &w);
  if (!st) st = ckpt_writer_save(&w, c->ckpt_path, e);
  if (!st) {
    res->checkpoints++;
    res->ckpt_bytes = w.len + 4;
    res->ckpt_seconds += core_now() - t0;
  }
  ckpt_writer_free(&w);
  return st;
}

static syn_status load_rows(const ckpt_file *f, run_state *s, syn_err *e) {
  const int B = s->n_envs, nin = s->envs[0].obs.n;
  ckpt_sec sec;
  syn_status st = ckpt_open(f, "rl.rows", &sec, e);
  if (st) return st;
  double *again = s->next; /* scratch: the replayed reset's observation */
  for (int r = 0; r < B; r++) {
    double *o = s->obs + (size_t)r * nin;
    ckpt_get_f64s(&sec, o, (size_t)nin);
    s->ret[r] = ckpt_get_f64(&sec);
    const int64_t len = ckpt_get_i64(&sec);
    const uint8_t first = ckpt_get_u8(&sec), replay = ckpt_get_u8(&sec);
    rng_t pre;
    for (int i = 0; i < 4; i++) pre.s[i] = ckpt_get_u64(&sec);
    if (sec.err) return ckpt_sec_fail(&sec, e, "truncated");
    if (len < 0 || len > ((int64_t)1 << 60) || first > 1 || replay > 1 || (first && len != 0) ||
        replay != !env_can_save(&s->envs[r]) || (replay && !first))
      return ckpt_sec_fail(&sec, e, "row state out of range");
    s->len[r] = (long)len;
    s->first[r] = first;
    s->pre_reset[r] = pre;
    if (!replay) {
      if ((st = env_state_load(&s->envs[r], &sec, e))) return st;
      continue;
    }
    /* no hooks: the row was just reset; do it again from the same rng */
    if (!pre.s[0] && !pre.s[1] && !pre.s[2] && !pre.s[3])
      return ckpt_sec_fail(&sec, e, "environment random state is all zero");
    s->envs[r].rng = pre;
    if ((st = env_reset(&s->envs[r], again, e))) return st;
    if (memcmp(again, o, (size_t)nin * sizeof(double)) != 0)
      return ckpt_sec_fail(&sec, e, "the environment's reset does not reproduce the saved observation");
  }
  return ckpt_sec_done(&sec, e);
}

static syn_status load_checkpoint(const agent_config *c, run_state *s, double *elapsed, double *cpu,
                                  syn_err *e) {
  ckpt_file f;
  syn_status st = ckpt_read(&f, c->resume_path, e);
  if (st) return st;
  ckpt_sec sec;
  if ((st = ckpt_open(&f, "run.config", &sec, e))) goto out;
  size_t n;
  const char *txt = ckpt_get_str(&sec, &n);
  if ((st = ckpt_sec_done(&sec, e))) goto out;
  if (c->ckpt_config && (n != strlen(c->ckpt_config) || memcmp(txt, c->ckpt_config, n) != 0)) {
    st = syn_err_set(e, SYN_ERR_ARG, "%s: written with other settings", f.label);
    goto out;
  }
  if ((st = ckpt_open(&f, "rl.loop", &sec, e))) goto out;
  const char *name = ckpt_get_str(&sec, &n);
  const char *want = env_label(c);
  const bool same_env = !sec.err && n == strlen(want) && memcmp(name, want, n) == 0;
  const uint32_t B = ckpt_get_u32(&sec);
  const int64_t episodes = ckpt_get_i64(&sec), done = ckpt_get_i64(&sec), steps = ckpt_get_i64(&sec);
  s->sum = ckpt_get_f64(&sec);
  ckpt_get_f64s(&sec, s->recent, 100);
  for (int i = 0; i < 4; i++) s->rs.s[i] = ckpt_get_u64(&sec);
  for (int i = 0; i < 4; i++) s->rc.s[i] = ckpt_get_u64(&sec);
  *elapsed = ckpt_get_f64(&sec);
  *cpu = ckpt_get_f64(&sec);
  if ((st = ckpt_sec_done(&sec, e))) goto out;
  if (!same_env || B != (uint32_t)s->n_envs || episodes != c->episodes) {
    st = ckpt_sec_fail(&sec, e, "written for another environment, batch or episode count");
    goto out;
  }
  /* counts far beyond any run, so that steps * B and the lengths cannot overflow */
  const int64_t big = (int64_t)1 << 60;
  if (done < 0 || done >= episodes || steps < 0 || steps > big / s->n_envs ||
      !(s->rs.s[0] | s->rs.s[1] | s->rs.s[2] | s->rs.s[3])) {
    st = ckpt_sec_fail(&sec, e, "counters out of range");
    goto out;
  }
  s->done = (long)done;
  s->steps = (long)steps;
  if (!(*elapsed >= 0) || !(*cpu >= 0)) *elapsed = *cpu = 0; /* reported only */
  if ((st = load_rows(&f, s, e))) goto out;
  if ((st = coa_learner_load(&s->actor, &f, "rl.actor", e))) goto out;
  if (s->have_critic && (st = coa_learner_load(&s->critic, &f, "rl.critic", e))) goto out;
  if (c->on_load) st = c->on_load(c->user, &f, e);
out:
  ckpt_file_free(&f);
  return st;
}

syn_status agent_run(const agent_config *c, coa_net *actor, coa_net *critic, agent_result *res,
                     syn_err *e) {
  memset(actor, 0, sizeof *actor);
  if (critic) memset(critic, 0, sizeof *critic);
  memset(res, 0, sizeof *res);
  if (c->episodes < 1) return syn_err_set(e, SYN_ERR_ARG, "agent: episodes must be >= 1");
  if (!c->env_def && !c->env_name) return syn_err_set(e, SYN_ERR_ARG, "agent: no environment");
  if (c->use_critic && !critic) return syn_err_set(e, SYN_ERR_ARG, "agent: no critic to fill");
  const int B = c->actor.batch;
  if (B < 1 || B > 100000) return syn_err_set(e, SYN_ERR_ARG, "agent: batch %d out of range", B);
  run_state s;
  memset(&s, 0, sizeof s);
  s.envs = calloc((size_t)B, sizeof(env));
  if (!s.envs) return syn_err_set(e, SYN_ERR_NOMEM, "agent: out of memory");
  syn_status st = SYN_OK;
  /* each row its own environment, seeded from the run seed and the row */
  for (int r = 0; r < B && !st; r++) {
    env_config ec = c->env;
    ec.seed = rng_at(c->seed ^ 0x656e76ULL, (uint64_t)r);
    st = c->env_def ? env_create_def(&s.envs[r], c->env_def, &ec, e) : env_create(&s.envs[r], c->env_name, &ec, e);
    if (!st) s.n_envs = r + 1;
  }
  if (st) {
    run_state_free(&s);
    return st;
  }
  const env_space *os = &s.envs[0].obs, *as = &s.envs[0].act;
  const int nin = os->n, nout = as->n;
  const bool discrete = as->kind == ENV_DISCRETE;
  st = make_net(actor, nin, c->n_hidden, c->hidden, c->hidden_unit, discrete ? COA_SOFTMAX : COA_GAUSS_OUT,
                nout, c->var, c->hidden_temp, c->temp, e);
  const bool map_critic = c->use_critic && c->critic.rule == COA_RULE_MAPPROP;
  if (!st && c->use_critic) {
    if (map_critic)
      st = make_net(critic, nin, c->critic_n_hidden, c->critic_hidden, COA_GAUSSIAN, COA_GAUSS_OUT, 1,
                    c->critic_var, 1.0, 1.0, e);
    else
      st = make_net(critic, nin, c->critic_n_hidden, c->critic_hidden, COA_SOFTPLUS, COA_LINEAR, 1, NULL,
                    1.0, 1.0, e);
  }
  if (st) goto fail;
  rng_t g;
  rng_seed(&g, c->seed, STREAM_ACTOR_INIT);
  coa_net_init_bias(actor, &g, c->init_bias);
  if (c->use_critic) {
    rng_seed(&g, c->seed, STREAM_CRITIC_INIT);
    coa_net_init_bias(critic, &g, c->init_bias);
  }
  st = coa_learner_create(&s.actor, actor, &c->actor, e);
  if (st) goto fail;
  s.have_actor = true;
  if (c->use_critic) {
    coa_config cc = c->critic;
    if (!map_critic) cc.rule = COA_RULE_BACKPROP;
    cc.batch = B;
    cc.gamma = c->actor.gamma;
    st = coa_learner_create(&s.critic, critic, &cc, e);
    if (st) goto fail;
    s.have_critic = true;
  }
  s.obs = malloc((size_t)B * nin * sizeof(double));
  s.next = malloc((size_t)B * nin * sizeof(double));
  s.act_vec = malloc((size_t)nout * sizeof(double));
  s.ret = calloc((size_t)B, sizeof(double));
  s.vs = calloc((size_t)B, sizeof(double));
  s.vn = calloc((size_t)B, sizeof(double));
  s.delta = calloc((size_t)B, sizeof(double));
  s.len = calloc((size_t)B, sizeof(long));
  s.ends = calloc((size_t)B, sizeof(int));
  s.first = calloc((size_t)B, sizeof(bool));
  s.pre_reset = calloc((size_t)B, sizeof(rng_t));
  if (!s.obs || !s.next || !s.act_vec || !s.ret || !s.vs || !s.vn || !s.delta || !s.len || !s.first ||
      !s.ends || !s.pre_reset) {
    st = syn_err_set(e, SYN_ERR_NOMEM, "agent: out of memory");
    goto fail;
  }
  for (int r = 0; r < B && !st; r++) {
    s.pre_reset[r] = s.envs[r].rng;
    st = env_reset(&s.envs[r], s.obs + (size_t)r * nin, e);
    s.first[r] = true;
  }
  if (st) goto fail;

  rng_seed(&s.rs, c->seed, STREAM_ACTOR_SAMPLE);
  rng_seed(&s.rc, c->seed, STREAM_CRITIC_SAMPLE);
  double elapsed0 = 0, cpu_before = 0;
  if (c->resume_path) {
    if ((st = load_checkpoint(c, &s, &elapsed0, &cpu_before, e))) goto fail;
    res->resumed_at = s.done;
  }
  const double t0 = core_now() - elapsed0, cpu0 = core_cpu_seconds() - cpu_before;
  const double every = c->progress_every > 0 ? c->progress_every : 1.0;
  double next_report = core_now() + every;
  double *recent = s.recent;
  long done = s.done, steps = s.steps;
  double sum = s.sum;
  /* checkpoints: by episode count and by time; a stop request waits for a
   * step where every row can be saved (envs without hooks: right after a
   * reset), which with batch 1 comes within one episode */
  const bool can_ckpt = c->ckpt_path && (B == 1 || env_can_save(&s.envs[0]));
  long last_ckpt_done = done;
  double last_ckpt_t = core_now();
  bool ckpt_due = false;
  const int top = actor->n_layers - 1;
  while (done < c->episodes) {
    if (map_critic)
      coa_learner_value_map(&s.critic, s.obs, s.vs, true, &s.rc);
    else if (c->use_critic)
      coa_learner_value(&s.critic, s.obs, s.vs, true);
    coa_learner_act(&s.actor, s.obs, &s.rs);
    for (int r = 0; r < B && !st; r++) {
      env_result er;
      double *nx = s.next + (size_t)r * nin;
      if (discrete) {
        st = env_step(&s.envs[r], s.actor.action[r], nx, &er, e);
      } else {
        memcpy(s.act_vec, s.actor.x[top + 1] + (size_t)r * nout, (size_t)nout * sizeof(double));
        if (c->action_scale != 0)
          for (int k = 0; k < nout; k++)
            s.act_vec[k] = fmin(fmax(c->action_scale * s.act_vec[k] + c->action_shift, as->low[k]),
                                as->high[k]);
        st = env_step_box(&s.envs[r], s.act_vec, nx, &er, e);
      }
      if (st) break;
      s.ret[r] += er.reward;
      s.len[r]++;
      double rl = er.reward;
      if (c->reward_clip > 0) rl = fmax(-c->reward_clip, fmin(c->reward_clip, rl));
      s.delta[r] = rl;
      s.ends[r] = er.terminated ? 2 : er.truncated ? 1 : 0;
    }
    if (st) goto fail;
    steps++;
    const int *ends = s.ends;
    if (c->use_critic) {
      if (map_critic)
        coa_learner_value_map(&s.critic, s.next, s.vn, false, &s.rc);
      else
        coa_learner_value(&s.critic, s.next, s.vn, false);
      for (int r = 0; r < B; r++)
        s.delta[r] = agent_td_delta(s.delta[r], s.vs[r], s.vn[r], c->actor.gamma, ends[r] == 2,
                                    ends[r] == 1);
      coa_learner_learn(&s.critic, s.delta);
    }
    coa_learner_learn(&s.actor, s.delta);
    for (int r = 0; r < B && !st; r++) {
      s.first[r] = false;
      if (!ends[r]) {
        memcpy(s.obs + (size_t)r * nin, s.next + (size_t)r * nin, (size_t)nin * sizeof(double));
        continue;
      }
      if (done < c->episodes) {
        if (c->on_episode) c->on_episode(c->user, done + 1, s.len[r], s.ret[r]);
        sum += s.ret[r];
        recent[done % 100] = s.ret[r];
        done++;
      }
      s.ret[r] = 0;
      s.len[r] = 0;
      s.first[r] = true;
      coa_learner_reset_row(&s.actor, r);
      if (c->use_critic) coa_learner_reset_row(&s.critic, r);
      s.pre_reset[r] = s.envs[r].rng;
      st = env_reset(&s.envs[r], s.obs + (size_t)r * nin, e);
    }
    if (st) goto fail;
    if (done < c->episodes) {
      const bool stop = c->stop && *c->stop;
      if (c->ckpt_every > 0 && done / c->ckpt_every > last_ckpt_done / c->ckpt_every) ckpt_due = true;
      if (c->ckpt_every_s > 0 && core_now() - last_ckpt_t >= c->ckpt_every_s) ckpt_due = true;
      if (stop && !can_ckpt) { /* no checkpoint possible: stop here */
        res->interrupted = true;
        break;
      }
      if ((stop || ckpt_due) && can_ckpt && all_rows_saveable(&s)) {
        s.done = done;
        s.steps = steps;
        s.sum = sum;
        st = save_checkpoint(c, &s, core_now() - t0, core_cpu_seconds() - cpu0, res, e);
        if (st) goto fail;
        ckpt_due = false;
        last_ckpt_done = done;
        last_ckpt_t = core_now();
        if (stop) {
          res->interrupted = true;
          break;
        }
      }
    }
    if (c->on_progress && done > 0 && (steps & 63) == 0) {
      double now = core_now();
      if (now >= next_report) {
        next_report = now + every;
        long nr = done < 100 ? done : 100;
        double rsum = 0;
        for (long k = 0; k < nr; k++) rsum += recent[k];
        agent_progress p = {.episodes = done, .target_episodes = c->episodes, .steps = steps * B,
                            .avg_return = sum / done, .recent_return = rsum / nr,
                            .elapsed = now - t0,
                            .eta = (now - t0) * (double)(c->episodes - done) / (double)done};
        c->on_progress(c->user, &p);
      }
    }
  }
  long nr = done < 100 ? done : 100;
  double rsum = 0;
  for (long k = 0; k < nr; k++) rsum += recent[k];
  res->episodes = done;
  res->steps = steps * B;
  res->avg_return = done ? sum / done : 0;
  res->recent_return = nr ? rsum / nr : 0;
  res->seconds = core_now() - t0;
  res->cpu_seconds = core_cpu_seconds() - cpu0;
  if (c->on_progress && !res->interrupted) {
    agent_progress p = {.episodes = done, .target_episodes = c->episodes, .steps = res->steps,
                        .avg_return = res->avg_return, .recent_return = res->recent_return,
                        .elapsed = res->seconds, .final = true};
    c->on_progress(c->user, &p);
  }
  run_state_free(&s);
  return SYN_OK;
fail:
  run_state_free(&s);
  coa_net_destroy(actor);
  if (critic) coa_net_destroy(critic);
  return st;
}
