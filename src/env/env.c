/* The environment interface: the table of built-ins, lookup by name, and the
 * checks every environment shares (actions, episode state, time limit). */
#include "env_impl.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const env_def *const env_table[] = {
    &env_def_cartpole,      &env_def_acrobot,       &env_def_mountaincar_cont,
    &env_def_lunarlander,   &env_def_multiplexer,   &env_def_multiplexer6,
    &env_def_multiplexer11, &env_def_multiplexer20, &env_def_multiplexer37,
    &env_def_regression,
};

size_t env_count(void) { return sizeof env_table / sizeof env_table[0]; }

const env_def *env_at(size_t i) { return i < env_count() ? env_table[i] : NULL; }

static bool name_eq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
  return *a == *b;
}

const env_def *env_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < env_count(); i++) {
    const env_def *d = env_table[i];
    if (name_eq(d->name, name) || (d->alias && name_eq(d->alias, name))) return d;
  }
  return NULL;
}

double env_rng_normal(rng_t *r) {
  double u1 = rng_uniform(r), u2 = rng_uniform(r);
  /* 1 - u1 lies in (0, 1], so the log is finite */
  return sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * ENV_PI * u2);
}

void env_config_default(env_config *c) { memset(c, 0, sizeof *c); }

syn_status env_space_box(env_space *s, int dim, double lo, double hi, syn_err *e) {
  free(s->low);
  free(s->high);
  s->kind = ENV_BOX;
  s->n = dim;
  s->low = malloc((size_t)dim * sizeof(double));
  s->high = malloc((size_t)dim * sizeof(double));
  if (!s->low || !s->high) {
    free(s->low);
    free(s->high);
    s->low = s->high = NULL;
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  }
  for (int i = 0; i < dim; i++) {
    s->low[i] = lo;
    s->high[i] = hi;
  }
  return SYN_OK;
}

void env_space_discrete(env_space *s, int n) {
  free(s->low);
  free(s->high);
  s->kind = ENV_DISCRETE;
  s->n = n;
  s->low = s->high = NULL;
}

void env_seed(env *v, uint64_t seed) { rng_seed(&v->rng, seed, ENV_STREAM_EPISODES); }

static bool space_ok(const env_space *s) {
  if (s->n <= 0) return false;
  if (s->kind == ENV_DISCRETE) return true;
  if (s->kind != ENV_BOX || !s->low || !s->high) return false;
  for (int i = 0; i < s->n; i++)
    if (!(s->low[i] <= s->high[i])) return false;
  return true;
}

syn_status env_create_def(env *v, const env_def *def, const env_config *c, syn_err *e) {
  memset(v, 0, sizeof *v);
  if (!def || !def->name || !def->create || !def->reset || !def->step)
    return syn_err_set(e, SYN_ERR_ARG, "environment definition lacks a name, create, reset or step");
  env_config dflt;
  env_config_default(&dflt);
  if (!c) c = &dflt;
  if (c->max_steps < -1)
    return syn_err_set(e, SYN_ERR_ARG, "%s: time limit %d must be -1 (none), 0 (default) or positive",
                       def->name, c->max_steps);
  if (def->max_steps < 0)
    return syn_err_set(e, SYN_ERR_ARG, "%s: negative default time limit", def->name);
  v->def = def;
  v->cfg = *c;
  v->max_steps = def->max_steps;
  v->done = true;
  env_seed(v, c->seed);
  syn_status s = def->create(v, c, e);
  if (s) {
    env_destroy(v);
    return s;
  }
  if (!space_ok(&v->obs) || v->obs.kind != ENV_BOX || !space_ok(&v->act)) {
    env_destroy(v);
    return syn_err_set(e, SYN_ERR_ARG, "%s: create left an invalid observation or action space",
                       def->name);
  }
  if (c->max_steps > 0) v->max_steps = c->max_steps;
  if (c->max_steps == -1) v->max_steps = 0;
  return SYN_OK;
}

syn_status env_create(env *v, const char *name, const env_config *c, syn_err *e) {
  memset(v, 0, sizeof *v);
  const env_def *d = env_find(name);
  if (!d) {
    char list[512] = "";
    for (size_t i = 0; i < env_count(); i++) {
      if (i) strncat(list, ", ", sizeof list - strlen(list) - 1);
      strncat(list, env_table[i]->name, sizeof list - strlen(list) - 1);
    }
    return syn_err_set(e, SYN_ERR_ARG, "unknown environment '%s' (known: %s)", name ? name : "(null)",
                       list);
  }
  return env_create_def(v, d, c, e);
}

void env_destroy(env *v) {
  if (!v) return;
  if (v->def && v->def->destroy) v->def->destroy(v);
  free(v->obs.low);
  free(v->obs.high);
  free(v->act.low);
  free(v->act.high);
  memset(v, 0, sizeof *v);
}

syn_status env_reset(env *v, double *obs, syn_err *e) {
  if (!v || !v->def) return syn_err_set(e, SYN_ERR_ARG, "env_reset: environment not created");
  if (!obs) return syn_err_set(e, SYN_ERR_ARG, "%s: reset needs an observation buffer", v->def->name);
  syn_status s = v->def->reset(v, obs, e);
  if (s) return s;
  v->t = 0;
  v->done = false;
  return SYN_OK;
}

static syn_status step_common(env *v, int action, const double *vec, double *obs, env_result *r,
                              syn_err *e) {
  if (v->done)
    return syn_err_set(e, SYN_ERR_ARG, "%s: step after the episode ended; call env_reset",
                       v->def->name);
  r->reward = 0;
  r->terminated = r->truncated = false;
  syn_status s = v->def->step(v, action, vec, obs, r, e);
  if (s) return s;
  v->t++;
  if (v->max_steps > 0 && v->t >= v->max_steps) r->truncated = true;
  if (r->terminated || r->truncated) v->done = true;
  return SYN_OK;
}

syn_status env_step(env *v, int action, double *obs, env_result *r, syn_err *e) {
  if (!v || !v->def) return syn_err_set(e, SYN_ERR_ARG, "env_step: environment not created");
  if (!obs || !r) return syn_err_set(e, SYN_ERR_ARG, "%s: step needs obs and result", v->def->name);
  if (v->act.kind != ENV_DISCRETE)
    return syn_err_set(e, SYN_ERR_ARG, "%s: continuous actions; use env_step_box", v->def->name);
  if (action < 0 || action >= v->act.n)
    return syn_err_set(e, SYN_ERR_ARG, "%s: action %d outside [0, %d)", v->def->name, action,
                       v->act.n);
  return step_common(v, action, NULL, obs, r, e);
}

syn_status env_step_box(env *v, const double *action, double *obs, env_result *r, syn_err *e) {
  if (!v || !v->def) return syn_err_set(e, SYN_ERR_ARG, "env_step_box: environment not created");
  if (!obs || !r || !action)
    return syn_err_set(e, SYN_ERR_ARG, "%s: step needs action, obs and result", v->def->name);
  if (v->act.kind != ENV_BOX)
    return syn_err_set(e, SYN_ERR_ARG, "%s: discrete actions; use env_step", v->def->name);
  for (int i = 0; i < v->act.n; i++)
    if (!isfinite(action[i]))
      return syn_err_set(e, SYN_ERR_ARG, "%s: action component %d is not finite", v->def->name, i);
  return step_common(v, -1, action, obs, r, e);
}

/* ---- checkpoints ---- */
bool env_can_save(const env *v) { return v && v->def && v->def->save && v->def->load; }

syn_status env_state_save(const env *v, ckpt_writer *w, syn_err *e) {
  if (!env_can_save(v))
    return syn_err_set(e, SYN_ERR_UNSUPPORTED, "%s: no checkpoint support",
                       v && v->def ? v->def->name : "environment");
  ckpt_put_str(w, v->def->name);
  ckpt_put_i64(w, v->t);
  ckpt_put_u8(w, v->done);
  for (int i = 0; i < 4; i++) ckpt_put_u64(w, v->rng.s[i]);
  v->def->save(v, w);
  return SYN_OK;
}

syn_status env_state_load(env *v, ckpt_sec *s, syn_err *e) {
  if (!env_can_save(v))
    return syn_err_set(e, SYN_ERR_UNSUPPORTED, "%s: no checkpoint support",
                       v && v->def ? v->def->name : "environment");
  size_t n;
  const char *name = ckpt_get_str(s, &n);
  if (s->err || n != strlen(v->def->name) || memcmp(name, v->def->name, n) != 0)
    return ckpt_sec_fail(s, e, "state of another environment");
  const int64_t t = ckpt_get_i64(s);
  const uint8_t done = ckpt_get_u8(s);
  rng_t r;
  for (int i = 0; i < 4; i++) r.s[i] = ckpt_get_u64(s);
  if (s->err) return ckpt_sec_fail(s, e, "environment state truncated");
  if (t < 0 || done > 1 || (v->max_steps > 0 && t > v->max_steps))
    return ckpt_sec_fail(s, e, "environment step count out of range");
  if (!r.s[0] && !r.s[1] && !r.s[2] && !r.s[3])
    return ckpt_sec_fail(s, e, "environment random state is all zero");
  v->t = (long)t;
  v->done = done;
  v->rng = r;
  syn_status st = v->def->load(v, s, e);
  if (st) return st;
  if (s->err) return ckpt_sec_fail(s, e, "environment state truncated");
  return SYN_OK;
}
