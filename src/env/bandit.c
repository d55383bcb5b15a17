/* One-step tasks of the coagent-network papers.
 *
 * Multiplexer (Barto 1985): k address bits (most significant first) then 2^k
 * data bits, each -1 or +1 with probability 1/2; the answer is the addressed
 * data bit. Action 1 answers +1, action 0 answers -1; reward +1 if right, -1
 * if wrong; the episode ends after the one step.
 *
 * Regression (MAP propagation paper): x ~ N(0, I_in), target
 * y = relu(relu(x W0) W1) with W0 (in x hidden) and W1 (hidden x 1) drawn once
 * from N(0, 1) by the task stream of the seed, no biases; the action is the
 * scalar estimate a; reward -(a - y)^2; one step. */
#include "env_impl.h"

#include <math.h>
#include <stdlib.h>

#define MUX_MAX_BITS 10

typedef struct mux_state {
  int k;
  int target; /* +1 or -1 */
} mux_state;

static syn_status mux_create(env *v, const env_config *c, syn_err *e) {
  int k = c->mux_bits;
  if (k == 0) k = v->def->data ? *(const int *)v->def->data : 4;
  if (v->def->data && c->mux_bits && c->mux_bits != *(const int *)v->def->data)
    return syn_err_set(e, SYN_ERR_ARG, "%s has %d address bits, the config asks for %d",
                       v->def->name, *(const int *)v->def->data, c->mux_bits);
  if (k < 1 || k > MUX_MAX_BITS)
    return syn_err_set(e, SYN_ERR_ARG, "multiplexer: %d address bits, must be 1 to %d", k,
                       MUX_MAX_BITS);
  syn_status st = env_space_box(&v->obs, k + (1 << k), -1.0, 1.0, e);
  if (st) return st;
  env_space_discrete(&v->act, 2);
  mux_state *p = calloc(1, sizeof *p);
  if (!p) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  p->k = k;
  v->state = p;
  return SYN_OK;
}

static void free_state(env *v) { free(v->state); }

static syn_status mux_reset(env *v, double *obs, syn_err *e) {
  mux_state *p = v->state;
  const int n = v->obs.n;
  for (int i = 0; i < n; i++) obs[i] = (rng_next_u64(&v->rng) >> 63) ? 1.0 : -1.0;
  int addr = 0;
  for (int i = 0; i < p->k; i++) addr = 2 * addr + (obs[i] > 0);
  p->target = obs[p->k + addr] > 0 ? 1 : -1;
  return SYN_OK;
}

static syn_status mux_step(env *v, int action, const double *vec, double *obs, env_result *r,
                           syn_err *e) {
  mux_state *p = v->state;
  const int answer = action == 1 ? 1 : -1;
  r->reward = answer == p->target ? 1.0 : -1.0;
  r->terminated = true;
  /* the episode is over: the observation after it carries no information */
  for (int i = 0; i < v->obs.n; i++) obs[i] = 0;
  return SYN_OK;
}

/* checkpoints: the current answer (k is fixed by the config: checked) */
static void mux_save(const env *v, ckpt_writer *w) {
  const mux_state *p = v->state;
  ckpt_put_u32(w, (uint32_t)p->k);
  ckpt_put_i64(w, p->target);
}

static syn_status mux_load(env *v, ckpt_sec *s, syn_err *e) {
  mux_state *p = v->state;
  const uint32_t k = ckpt_get_u32(s);
  const int64_t target = ckpt_get_i64(s);
  if (s->err) return SYN_OK; /* the caller reports the truncation */
  if (k != (uint32_t)p->k || (target != 1 && target != -1))
    return ckpt_sec_fail(s, e, "multiplexer state does not fit this environment");
  p->target = (int)target;
  return SYN_OK;
}

#define MUX_DEF(var, nm, k_ptr, sum)                                                           \
  const env_def var = {                                                                        \
      .name = nm,                                                                              \
      .summary = sum,                                                                          \
      .data = k_ptr,                                                                           \
      .max_steps = 0,                                                                          \
      .create = mux_create,                                                                    \
      .destroy = free_state,                                                                   \
      .reset = mux_reset,                                                                      \
      .step = mux_step,                                                                        \
      .save = mux_save,                                                                        \
      .load = mux_load,                                                                        \
  }

static const int mux_k2 = 2, mux_k3 = 3, mux_k4 = 4, mux_k5 = 5;
MUX_DEF(env_def_multiplexer, "multiplexer", NULL,
        "k-bit multiplexer (k = config mux_bits, default 4); +1 right, -1 wrong, one step");
MUX_DEF(env_def_multiplexer6, "multiplexer6", &mux_k2, "6-bit multiplexer (k = 2)");
MUX_DEF(env_def_multiplexer11, "multiplexer11", &mux_k3, "11-bit multiplexer (k = 3)");
MUX_DEF(env_def_multiplexer20, "multiplexer20", &mux_k4, "20-bit multiplexer (k = 4)");
MUX_DEF(env_def_multiplexer37, "multiplexer37", &mux_k5, "37-bit multiplexer (k = 5)");

/* ---- regression ---- */
typedef struct reg_state {
  int in, hidden;
  double y;
  double *w0; /* in x hidden, row-major */
  double *w1; /* hidden */
  double *h;
} reg_state;

static syn_status reg_create(env *v, const env_config *c, syn_err *e) {
  const int in = c->reg_in ? c->reg_in : 8, hid = c->reg_hidden ? c->reg_hidden : 64;
  if (in < 1 || in > 100000 || hid < 1 || hid > 100000)
    return syn_err_set(e, SYN_ERR_ARG, "regression: input %d and hidden %d must be 1 to 100000",
                       in, hid);
  syn_status st = env_space_box(&v->obs, in, -INFINITY, INFINITY, e);
  if (st) return st;
  st = env_space_box(&v->act, 1, -INFINITY, INFINITY, e);
  if (st) return st;
  reg_state *p = calloc(1, sizeof *p);
  if (!p) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  v->state = p;
  p->in = in;
  p->hidden = hid;
  p->w0 = malloc((size_t)in * hid * sizeof(double));
  p->w1 = malloc((size_t)hid * sizeof(double));
  p->h = malloc((size_t)hid * sizeof(double));
  if (!p->w0 || !p->w1 || !p->h) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  rng_t g;
  rng_seed(&g, c->seed, ENV_STREAM_TASK);
  for (size_t i = 0; i < (size_t)in * hid; i++) p->w0[i] = env_rng_normal(&g);
  for (int j = 0; j < hid; j++) p->w1[j] = env_rng_normal(&g);
  return SYN_OK;
}

static void reg_destroy(env *v) {
  reg_state *p = v->state;
  if (!p) return;
  free(p->w0);
  free(p->w1);
  free(p->h);
  free(p);
}

static syn_status reg_reset(env *v, double *obs, syn_err *e) {
  reg_state *p = v->state;
  for (int i = 0; i < p->in; i++) obs[i] = env_rng_normal(&v->rng);
  for (int j = 0; j < p->hidden; j++) p->h[j] = 0;
  for (int i = 0; i < p->in; i++)
    for (int j = 0; j < p->hidden; j++) p->h[j] += obs[i] * p->w0[(size_t)i * p->hidden + j];
  double y = 0;
  for (int j = 0; j < p->hidden; j++) y += (p->h[j] > 0 ? p->h[j] : 0) * p->w1[j];
  p->y = y > 0 ? y : 0;
  return SYN_OK;
}

static syn_status reg_step(env *v, int action, const double *vec, double *obs, env_result *r,
                           syn_err *e) {
  reg_state *p = v->state;
  const double d = vec[0] - p->y;
  r->reward = -d * d;
  r->terminated = true;
  for (int i = 0; i < p->in; i++) obs[i] = 0;
  return SYN_OK;
}

/* checkpoints: the current target (the task weights come from the seed) */
static void reg_save(const env *v, ckpt_writer *w) {
  const reg_state *p = v->state;
  ckpt_put_u32(w, (uint32_t)p->in);
  ckpt_put_u32(w, (uint32_t)p->hidden);
  ckpt_put_f64(w, p->y);
}

static syn_status reg_load(env *v, ckpt_sec *s, syn_err *e) {
  reg_state *p = v->state;
  const uint32_t in = ckpt_get_u32(s), hid = ckpt_get_u32(s);
  const double y = ckpt_get_f64(s);
  if (s->err) return SYN_OK; /* the caller reports the truncation */
  if (in != (uint32_t)p->in || hid != (uint32_t)p->hidden || !isfinite(y))
    return ckpt_sec_fail(s, e, "regression state does not fit this environment");
  p->y = y;
  return SYN_OK;
}

const env_def env_def_regression = {
    .name = "regression",
    .summary = "scalar regression y = relu(relu(x W0) W1), x ~ N(0, I_8); reward -(a - y)^2, one step",
    .max_steps = 0,
    .create = reg_create,
    .destroy = reg_destroy,
    .reset = reg_reset,
    .step = reg_step,
    .save = reg_save,
    .load = reg_load,
};
