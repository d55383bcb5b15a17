/* The rigid-body half of LunarLander-v2: a C API over Box2D (C++), so that the
 * environment itself (random draws, observation, reward) stays in C. Only
 * src/env includes this. */
#ifndef SYNRL_LUNARLANDER_BOX2D_H
#define SYNRL_LUNARLANDER_BOX2D_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LL_CHUNKS 11

typedef struct ll_world ll_world;

typedef struct ll_body_state {
  double x, y;       /* lander body position (m) */
  double vx, vy;     /* linear velocity (m/s) */
  double angle;      /* rad */
  double omega;      /* angular velocity (rad/s) */
  /* legs[0] is Gym's i = -1 leg, which hangs on the +x side of the hull (its
   * joint anchor is at -LEG_AWAY on the leg); legs[1] (i = +1) on the -x side */
  bool leg_contact[2];
  double leg_angle[2]; /* leg angle minus hull angle (rad) */
  double leg_x[2], leg_y[2]; /* leg centres (m) */
  bool game_over;    /* the lander body (not a leg) has touched the ground */
  bool awake;        /* Box2D has not put the lander to sleep */
} ll_body_state;

/* NULL when out of memory. */
ll_world *ll_world_create(void);
void ll_world_destroy(ll_world *w);
/* Builds a fresh world: terrain from the LL_CHUNKS + 1 raw heights (the
 * helipad chunks are overwritten here, as Gym does), the lander at the top
 * centre with the initial force (fx, fy) applied, and the two legs. Returns 0,
 * or -1 when out of memory. */
int ll_world_reset(ll_world *w, const double *heights);
/* the helipad height (m) of the current terrain */
double ll_world_helipad_y(const ll_world *w);
/* Applies the force (fx, fy) at the lander's centre of mass (reset only). */
void ll_world_initial_force(ll_world *w, double fx, double fy);
/* Fires the engines of a discrete action (0 none, 1 left orientation, 2 main,
 * 3 right orientation) with the dispersion (d0, d1) drawn by the caller,
 * then advances the world by 1/50 s. m_power / s_power: 1 if that engine
 * fired, else 0. */
void ll_world_step(ll_world *w, int action, double d0, double d1, double *m_power,
                   double *s_power);
void ll_world_state(const ll_world *w, ll_body_state *s);
/* Terrain after reset: chunk x and smoothed y (LL_CHUNKS each), for tests. */
void ll_world_terrain(const ll_world *w, double *chunk_x, double *smooth_y);

#ifdef __cplusplus
}
#endif
#endif
