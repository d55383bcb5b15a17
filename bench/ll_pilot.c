/* How LunarLander's episodes end under two fixed policies: a hover-and-descend
 * pilot (the PD controller of Gym's demo, written here from its description)
 * and uniform random actions. Prints, per policy, the mean return, the share
 * of episodes that end at rest (+100), crashed or out of bounds (-100), or at
 * the 1000-step limit, and the mean length. A check of the environment's
 * dynamics that costs seconds, where a learning run costs minutes. Last, the
 * height of the hull's origin above flat ground once a vertical descent on the
 * main engine has come to rest (the legs' geometry, through the Box2D shim).
 *
 * usage: ll_pilot [--episodes N] [--seed S] */
#include "synrl/core.h"
#include "synrl/env.h"

#ifdef SYNRL_HAVE_BOX2D
#include "env/lunarlander_box2d.h"
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SYNRL_HAVE_BOX2D
/* -1 when the lander did not come to rest in 2000 frames */
static double rest_height_flat(void) {
  const double H = 400.0 / 30.0;
  double heights[LL_CHUNKS + 1];
  for (int i = 0; i <= LL_CHUNKS; i++) heights[i] = H / 4;
  ll_world *w = ll_world_create();
  if (!w || ll_world_reset(w, heights)) return -1;
  ll_world_initial_force(w, 0, 0);
  ll_body_state s;
  double m, sp;
  for (int t = 0; t < 2000; t++) {
    ll_world_state(w, &s);
    if (!s.awake) {
      ll_world_destroy(w);
      return s.y - 0.99 * H / 4; /* smoothed terrain: 0.33 * 3 heights */
    }
    ll_world_step(w, s.vy < -1.0 ? 2 : 0, 0, 0, &m, &sp);
  }
  ll_world_destroy(w);
  return -1;
}
#endif

static int pilot(const double *s) {
  const double target_angle = fmax(-0.4, fmin(0.4, 0.5 * s[0] + s[2])); /* lean towards the pad */
  const double target_y = 0.55 * fabs(s[0]);                             /* descend when above it */
  double turn = (target_angle - s[4]) * 0.5 - s[5];
  double lift = (target_y - s[1]) * 0.5 - s[3] * 0.5;
  if (s[6] > 0 || s[7] > 0) { /* touching down: only brake the fall */
    turn = 0;
    lift = -s[3] * 0.5;
  }
  if (lift > fabs(turn) && lift > 0.05) return 2;
  if (turn < -0.05) return 3;
  if (turn > 0.05) return 1;
  return 0;
}

int main(int argc, char **argv) {
  long episodes = 500;
  unsigned long long seed = 1;
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "--episodes") == 0)
      episodes = atol(argv[++i]);
    else if (i + 1 < argc && strcmp(argv[i], "--seed") == 0)
      seed = strtoull(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "usage: ll_pilot [--episodes N] [--seed S]\n");
      return 2;
    }
  }
  if (episodes < 1) {
    fprintf(stderr, "ll_pilot: --episodes: must be at least 1\n");
    return 2;
  }
  if (!env_have_box2d()) {
    fprintf(stderr, "ll_pilot: synrl was built without Box2D\n");
    return 1;
  }
  printf("policy,episodes,mean_return,sd_return,rest,crash,time_limit,mean_steps\n");
  for (int policy = 0; policy < 2; policy++) {
    env_config c;
    env_config_default(&c);
    c.seed = seed;
    env v;
    syn_err e;
    if (env_create(&v, "lunarlander", &c, &e)) {
      fprintf(stderr, "ll_pilot: %s\n", e.msg);
      return 1;
    }
    rng_t g;
    rng_seed(&g, seed, 1);
    double sum = 0, sum2 = 0, steps = 0;
    long rest = 0, crash = 0, limit = 0;
    for (long ep = 0; ep < episodes; ep++) {
      double obs[8], ret = 0;
      env_result r;
      if (env_reset(&v, obs, &e)) {
        fprintf(stderr, "ll_pilot: %s\n", e.msg);
        return 1;
      }
      do {
        const int a = policy == 0 ? pilot(obs) : (int)rng_below(&g, 4);
        if (env_step(&v, a, obs, &r, &e)) {
          fprintf(stderr, "ll_pilot: %s\n", e.msg);
          return 1;
        }
        ret += r.reward;
        steps++;
      } while (!r.terminated && !r.truncated);
      if (r.terminated && r.reward == 100.0)
        rest++;
      else if (r.terminated)
        crash++;
      else
        limit++;
      sum += ret;
      sum2 += ret * ret;
    }
    const double n = (double)episodes, mean = sum / n;
    printf("%s,%ld,%.2f,%.2f,%.3f,%.3f,%.3f,%.1f\n", policy == 0 ? "pilot" : "random", episodes,
           mean, sqrt(fmax(0, sum2 / n - mean * mean)), rest / n, crash / n, limit / n, steps / n);
    env_destroy(&v);
  }
#ifdef SYNRL_HAVE_BOX2D
  printf("# rest height on flat ground (m): %.4f\n", rest_height_flat());
#endif
  return 0;
}
