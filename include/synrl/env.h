/* synrl environments: one interface for episodic tasks (Gym/Gymnasium
 * semantics), a static table of built-in environments looked up by name, and
 * a vtable (env_def) through which a user plugs in an environment of their own.
 *
 * Use:
 *   env_config c; env_config_default(&c); c.seed = 7;
 *   env v; if (env_create(&v, "cartpole", &c, &e)) ...;
 *   double obs[v.obs.n]; env_result r;
 *   env_reset(&v, obs, &e);
 *   do { env_step(&v, action, obs, &r, &e); } while (!r.terminated && !r.truncated);
 *   env_destroy(&v);
 *
 * Randomness: every env owns an rng_t (field `rng`), seeded from c.seed at
 * create. env_reset draws the start state from it and continues the stream,
 * so a sequence of episodes is fixed by the seed; env_seed re-seeds it (Gym's
 * reset(seed=...)). Nothing is global: two envs with the same seed give the
 * same episodes bit for bit. Fixed task constants (the regression task's
 * target weights) come from their own stream of c.seed and never change after
 * create. */
#ifndef SYNRL_ENV_H
#define SYNRL_ENV_H

#include "synrl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- spaces ---- */
typedef enum {
  ENV_DISCRETE = 0, /* actions 0 .. n-1 */
  ENV_BOX = 1       /* vectors of n doubles within [low, high] */
} env_space_kind;

typedef struct env_space {
  env_space_kind kind;
  int n;        /* discrete: number of actions; box: dimension */
  double *low;  /* box: n lower bounds (-INFINITY where unbounded); NULL if discrete */
  double *high; /* box: n upper bounds (+INFINITY where unbounded); NULL if discrete */
} env_space;

/* Helpers for env_def.create: allocate (and fill with lo/hi) or set a space.
 * The bounds arrays are freed by env_destroy. */
syn_status env_space_box(env_space *s, int dim, double lo, double hi, syn_err *e);
void env_space_discrete(env_space *s, int n);

/* ---- configuration ---- */
typedef struct env_config {
  uint64_t seed;     /* seeds env.rng and any fixed task constants (default 0) */
  int max_steps;     /* time limit: 0 keeps the environment's own; -1 removes it */
  int mux_bits;      /* multiplexer: address bits k (0: from the name; "multiplexer" alone: 4) */
  int reg_in;        /* regression: input dimension (0: 8) */
  int reg_hidden;    /* regression: hidden width of the target network (0: 64) */
  void *user;        /* passed untouched to a user env_def.create */
} env_config;

void env_config_default(env_config *c);

/* ---- one step's outcome (the observation goes to a caller buffer) ---- */
typedef struct env_result {
  double reward;
  bool terminated; /* reached a terminal state: the value of obs is 0 */
  bool truncated;  /* the time limit ended the episode (bootstrap from obs);
                    * Gymnasium semantics: both may be true on the last step */
} env_result;

/* ---- an environment instance ---- */
typedef struct env_def env_def;

typedef struct env {
  const env_def *def;
  env_config cfg;  /* copy of the config it was created with */
  env_space obs;   /* observation space; obs buffers hold obs.n doubles */
  env_space act;   /* action space */
  int max_steps;   /* time limit in steps; 0: none */
  long t;          /* steps taken since the last reset */
  bool done;       /* the episode ended (or never began): env_step needs env_reset first */
  rng_t rng;       /* this environment's random stream */
  void *state;     /* the implementation's own state */
} env;

/* ---- the vtable: built-in environments and user ones alike ----
 * env_create sets v->def, v->cfg, v->rng and v->max_steps = def->max_steps
 * before calling create; create must set v->obs and v->act (env_space_* helpers)
 * and may allocate v->state (and may override v->max_steps). env_reset and
 * env_step check their arguments (action in range / finite, episode not over)
 * and apply the time limit; the functions here only simulate. */
struct env_def {
  const char *name;    /* lookup key, case-insensitive ("cartpole") */
  const char *alias;   /* second key, e.g. the Gym id "CartPole-v1", or NULL */
  const char *summary; /* one line */
  const void *data;    /* passed through for create (variants of one implementation) */
  int max_steps;       /* default time limit; 0: none */
  syn_status (*create)(env *v, const env_config *c, syn_err *e);
  void (*destroy)(env *v); /* frees v->state; may be NULL */
  /* Writes the first observation; draws randomness only from v->rng. */
  syn_status (*reset)(env *v, double *obs, syn_err *e);
  /* One transition. Discrete: `action` (already checked in range), action_vec
   * NULL. Box: action_vec (v->act.n finite values, not clipped), action -1.
   * Sets r->reward and r->terminated; r->truncated is set by env_step. */
  syn_status (*step)(env *v, int action, const double *action_vec, double *obs, env_result *r,
                     syn_err *e);
  /* Optional checkpoint hooks (both or neither): save puts the implementation's
   * own state (not t, done or rng: env_state_save stores those) into the open
   * section; load reads exactly that back into an env created with the same
   * config and checks it (a sticky ckpt_sec error is checked by the caller).
   * An env without them can be checkpointed only right after a reset, by
   * replaying the reset from the saved rng (the driver in agent_run does). */
  void (*save)(const env *v, ckpt_writer *w);
  syn_status (*load)(env *v, ckpt_sec *s, syn_err *e);
};

/* ---- the table of built-in environments ----
 * names: cartpole (CartPole-v1), acrobot (Acrobot-v1),
 * mountaincar-continuous (MountainCarContinuous-v0), lunarlander (LunarLander-v2;
 * SYN_ERR_UNSUPPORTED when built without Box2D), multiplexer, multiplexer6,
 * multiplexer11, multiplexer20, multiplexer37, regression. */
size_t env_count(void);
const env_def *env_at(size_t i);
const env_def *env_find(const char *name); /* NULL if unknown */
bool env_have_box2d(void);

/* Creates a built-in environment by name (or Gym id). */
syn_status env_create(env *v, const char *name, const env_config *c, syn_err *e);
/* Creates an environment from any definition, e.g. a user's own. c may be NULL
 * (defaults). */
syn_status env_create_def(env *v, const env_def *def, const env_config *c, syn_err *e);
void env_destroy(env *v);

/* Re-seeds v->rng (Gym's reset(seed=...)); the next env_reset draws from it. */
void env_seed(env *v, uint64_t seed);
/* Starts an episode: t = 0, writes obs (v->obs.n doubles). */
syn_status env_reset(env *v, double *obs, syn_err *e);
/* Discrete action index in [0, v->act.n). SYN_ERR_ARG if the env is a box env,
 * the action is out of range, or the episode is over. */
syn_status env_step(env *v, int action, double *obs, env_result *r, syn_err *e);
/* Continuous action of v->act.n finite values (environments clip as Gym does). */
syn_status env_step_box(env *v, const double *action, double *obs, env_result *r, syn_err *e);

/* ---- checkpoints ----
 * Whether the environment has save/load hooks (cartpole, acrobot,
 * mountaincar-continuous, the multiplexers and regression do; lunarlander's
 * Box2D world does not). */
bool env_can_save(const env *v);
/* The whole state (name, t, done, rng, the implementation's own) into the
 * open section of w; SYN_ERR_UNSUPPORTED without hooks. */
syn_status env_state_save(const env *v, ckpt_writer *w, syn_err *e);
/* Reads what env_state_save wrote into v, created with the same name and
 * config; a format error names the section. */
syn_status env_state_load(env *v, ckpt_sec *s, syn_err *e);

#ifdef __cplusplus
}
#endif
#endif
