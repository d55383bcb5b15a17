/* Benchmark: environment steps per second, single thread, random actions
 * (uniform over the discrete actions, U(-1, 1) for continuous ones), with
 * env_reset whenever an episode ends (resets counted in the time).
 *
 *   build/bench_env [--steps N] [--seed S]
 *
 * Prints one line per environment: steps, seconds, steps per second. */
#include "synrl/env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  long steps = 200000;
  uint64_t seed = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--steps") && i + 1 < argc) {
      char *end;
      steps = strtol(argv[++i], &end, 10);
      if (*end || steps <= 0) {
        fprintf(stderr, "bench_env: --steps must be a positive integer\n");
        return 2;
      }
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      seed = strtoull(argv[++i], NULL, 10);
    } else {
      fprintf(stderr, "usage: bench_env [--steps N] [--seed S]\n");
      return 2;
    }
  }
  printf("%-24s %10s %8s %12s %9s\n", "environment", "steps", "seconds", "steps/s", "episodes");
  for (size_t k = 0; k < env_count(); k++) {
    const env_def *d = env_at(k);
    env v;
    syn_err e;
    env_config c;
    env_config_default(&c);
    c.seed = seed;
    if (env_create(&v, d->name, &c, &e)) {
      printf("%-24s (%s)\n", d->name, e.msg);
      continue;
    }
    double *obs = calloc((size_t)v.obs.n, sizeof(double));
    double *act = calloc((size_t)v.act.n, sizeof(double));
    rng_t g;
    rng_seed(&g, seed, 7);
    env_result r;
    long episodes = 0;
    double sum = 0;
    const double t0 = core_now();
    env_reset(&v, obs, &e);
    for (long s = 0; s < steps; s++) {
      if (v.act.kind == ENV_DISCRETE) {
        env_step(&v, (int)rng_below(&g, (uint64_t)v.act.n), obs, &r, &e);
      } else {
        for (int j = 0; j < v.act.n; j++) act[j] = rng_uniform_range(&g, -1, 1);
        env_step_box(&v, act, obs, &r, &e);
      }
      sum += r.reward;
      if (r.terminated || r.truncated) {
        episodes++;
        env_reset(&v, obs, &e);
      }
    }
    const double dt = core_now() - t0;
    printf("%-24s %10ld %8.3f %12.0f %9ld\n", d->name, steps, dt, (double)steps / dt, episodes);
    free(obs);
    free(act);
    env_destroy(&v);
    if (sum != sum) return 1; /* keeps the loop observable */
  }
  return 0;
}
