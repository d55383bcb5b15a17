/* Internal to src/env: the built-in definitions and shared helpers. */
#ifndef SYNRL_ENV_IMPL_H
#define SYNRL_ENV_IMPL_H

#include "synrl/env.h"

extern const env_def env_def_cartpole;
extern const env_def env_def_acrobot;
extern const env_def env_def_mountaincar_cont;
extern const env_def env_def_lunarlander;
extern const env_def env_def_multiplexer;
extern const env_def env_def_multiplexer6;
extern const env_def env_def_multiplexer11;
extern const env_def env_def_multiplexer20;
extern const env_def env_def_multiplexer37;
extern const env_def env_def_regression;

/* Standard normal draw (Box-Muller, one value per two uniforms, no cached
 * second value so the rng state alone fixes the sequence). */
double env_rng_normal(rng_t *r);

/* pi to double precision (M_PI is not part of C11) */
#define ENV_PI 3.14159265358979323846

/* Stream ids of rng_seed for an env's episode stream and fixed task constants. */
#define ENV_STREAM_EPISODES 0x656e76ULL
#define ENV_STREAM_TASK 0x7461736bULL

#endif
