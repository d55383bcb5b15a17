/* The RL training loop for coagent networks: one actor (and a critic) over a
 * batch of independent environments, one update per step, the conventions of
 * reference/coagent-networks.md: delta = r + gamma V(s')(1 - terminated) - V(s),
 * delta = 0 on a time-limit truncation, traces reset at episode start. */
#include "synrl/agent.h"

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
  coa_learner actor, critic;
  bool have_actor, have_critic;
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

syn_status agent_run(const agent_config *c, coa_net *actor, coa_net *critic, agent_result *res,
                     syn_err *e) {
  memset(actor, 0, sizeof *actor);
  if (critic) memset(critic, 0, sizeof *critic);
  memset(res, 0, sizeof *res);
  if (c->episodes < 1) return syn_err_set(e, SYN_ERR_ARG, "agent: episodes must be >= 1");
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
    st = env_create(&s.envs[r], c->env_name, &ec, e);
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
  if (!s.obs || !s.next || !s.act_vec || !s.ret || !s.vs || !s.vn || !s.delta || !s.len || !s.ends) {
    st = syn_err_set(e, SYN_ERR_NOMEM, "agent: out of memory");
    goto fail;
  }
  for (int r = 0; r < B && !st; r++) st = env_reset(&s.envs[r], s.obs + (size_t)r * nin, e);
  if (st) goto fail;

  rng_t rs, rc;
  rng_seed(&rs, c->seed, STREAM_ACTOR_SAMPLE);
  rng_seed(&rc, c->seed, STREAM_CRITIC_SAMPLE);
  const double t0 = core_now(), cpu0 = core_cpu_seconds();
  const double every = c->progress_every > 0 ? c->progress_every : 1.0;
  double next_report = t0 + every, sum = 0;
  double recent[100];
  long done = 0, steps = 0;
  const int top = actor->n_layers - 1;
  while (done < c->episodes) {
    if (map_critic)
      coa_learner_value_map(&s.critic, s.obs, s.vs, true, &rc);
    else if (c->use_critic)
      coa_learner_value(&s.critic, s.obs, s.vs, true);
    coa_learner_act(&s.actor, s.obs, &rs);
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
        coa_learner_value_map(&s.critic, s.next, s.vn, false, &rc);
      else
        coa_learner_value(&s.critic, s.next, s.vn, false);
      for (int r = 0; r < B; r++)
        s.delta[r] = agent_td_delta(s.delta[r], s.vs[r], s.vn[r], c->actor.gamma, ends[r] == 2,
                                    ends[r] == 1);
      coa_learner_learn(&s.critic, s.delta);
    }
    coa_learner_learn(&s.actor, s.delta);
    for (int r = 0; r < B && !st; r++) {
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
      coa_learner_reset_row(&s.actor, r);
      if (c->use_critic) coa_learner_reset_row(&s.critic, r);
      st = env_reset(&s.envs[r], s.obs + (size_t)r * nin, e);
    }
    if (st) goto fail;
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
  res->avg_return = sum / done;
  res->recent_return = rsum / nr;
  res->seconds = core_now() - t0;
  res->cpu_seconds = core_cpu_seconds() - cpu0;
  if (c->on_progress) {
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
