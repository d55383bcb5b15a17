/* LunarLander's rigid bodies against Gym's definition, hand-computed: the legs'
 * joint limits are relative to the legs' initial tilt (pybox2d sets the
 * revolute joint's reference angle from the two bodies), each leg hangs on the
 * side its anchor puts it, and a lander at rest on flat ground stands as high
 * as that leg geometry says. Drives the Box2D shim directly, so the terrain is
 * flat and the engines fire without dispersion. */
#include "testutil.h"

#include "synrl/env.h"

#include <math.h>

#ifdef SYNRL_HAVE_BOX2D
#include "env/lunarlander_box2d.h"

#define SCALE 30.0
#define H (400.0 / SCALE)
#define ANGULAR_SLOP (2.0 / 180.0 * 3.14159265358979323846) /* Box2D's b2_angularSlop */

/* Gym's limits for leg i = -1 are [0.4, 0.9] about a reference angle of
 * -0.05 (its initial tilt), so the leg-to-hull angle is [0.35, 0.85]; the motor
 * (speed -0.3) holds it at the lower end, which Box2D's position solver
 * enforces to within its angular slop. Leg i = +1 mirrors it. Without the
 * reference angle the resting angle would be 0.4 - slop .. 0.4. */
static void assert_leg_at_rest_angle(const ll_body_state *s) {
  const double lo = 0.35 - ANGULAR_SLOP - 1e-3, hi = 0.35 + 1e-3;
  if (!(s->leg_angle[0] >= lo && s->leg_angle[0] <= hi))
    fail_msg("legs[0] at %.5f rad from the hull, expected [%.5f, %.5f]", s->leg_angle[0], lo, hi);
  if (!(-s->leg_angle[1] >= lo && -s->leg_angle[1] <= hi))
    fail_msg("legs[1] at %.5f rad from the hull, expected -[%.5f, %.5f]", s->leg_angle[1], lo, hi);
}

/* The leg's centre: its anchor (i * 20, 18) px in leg coordinates sits on the
 * hull's centre, so the centre is the hull's position minus the anchor
 * rotated by the leg's angle. */
static void leg_centre(const ll_body_state *s, int k, double *x, double *y) {
  const double i = k == 0 ? -1 : 1;
  const double ax = i * 20 / SCALE, ay = 18 / SCALE;
  const double a = s->angle + s->leg_angle[k];
  *x = s->x - (ax * cos(a) - ay * sin(a));
  *y = s->y - (ax * sin(a) + ay * cos(a));
}

static ll_world *flat_world(void) {
  double heights[LL_CHUNKS + 1];
  for (int i = 0; i <= LL_CHUNKS; i++) heights[i] = H / 4;
  ll_world *w = ll_world_create();
  assert_non_null(w);
  assert_int_equal(ll_world_reset(w, heights), 0);
  ll_world_initial_force(w, 0, 0);
  return w;
}

static void test_legs_in_flight(void **st) {
  ll_world *w = flat_world();
  double m, sp;
  ll_body_state s;
  /* the first step swings the legs from their initial tilt past the lower
   * limit's side; the motor then lowers them at 0.3 rad/s onto the limit */
  for (int t = 0; t < 30; t++) ll_world_step(w, 0, 0, 0, &m, &sp);
  ll_world_state(w, &s);
  assert_true(s.y > 10); /* still in the air */
  assert_leg_at_rest_angle(&s);
  /* Gym's legs[0] (i = -1) hangs on the +x side, legs[1] on the -x side */
  assert_true(s.leg_x[0] > s.x + 0.7 && s.leg_x[1] < s.x - 0.7);
  for (int k = 0; k < 2; k++) {
    double x, y;
    leg_centre(&s, k, &x, &y);
    assert_close(s.leg_x[k], x, 0.01); /* the joint holds to Box2D's linear slop */
    assert_close(s.leg_y[k], y, 0.01);
  }
  ll_world_destroy(w);
}

/* Lowest point of leg k's 4 x 16 px box, relative to the hull's centre. */
static double leg_lowest(const ll_body_state *s, int k) {
  double cx, cy;
  leg_centre(s, k, &cx, &cy);
  const double a = s->angle + s->leg_angle[k];
  double low = INFINITY;
  for (int sx = -1; sx <= 1; sx += 2)
    for (int sy = -1; sy <= 1; sy += 2) {
      const double px = sx * 2 / SCALE, py = sy * 8 / SCALE;
      low = fmin(low, cy + px * sin(a) + py * cos(a) - s->y);
    }
  return low;
}

static void test_rest_height(void **st) {
  ll_world *w = flat_world();
  double m, sp;
  ll_body_state s;
  ll_world_state(w, &s);
  /* a vertical descent on the main engine (no dispersion, so no torque) */
  int t = 0;
  for (; t < 2000; t++) {
    ll_world_state(w, &s);
    if (!s.awake) break;
    assert_false(s.game_over);
    ll_world_step(w, s.vy < -1.0 ? 2 : 0, 0, 0, &m, &sp);
  }
  assert_true(t < 2000); /* Box2D put it to sleep */
  assert_true(s.leg_contact[0] && s.leg_contact[1]);
  assert_close(s.angle, 0, 1e-3);
  assert_leg_at_rest_angle(&s);
  /* the smoothed terrain is 0.99 * H/4 (0.33 * 3 heights); Box2D keeps
   * polygons and edges apart by their skins (0.01 m each) less at most its
   * linear slop (0.005 m) */
  const double ground = 0.99 * H / 4;
  for (int k = 0; k < 2; k++) {
    const double gap = s.y + leg_lowest(&s, k) - ground;
    if (!(gap >= 0.02 - 0.005 - 1e-3 && gap <= 0.02 + 1e-3))
      fail_msg("legs[%d]'s lowest corner %.5f m above the ground", k, gap);
  }
  /* With Gym's leg angles the hull stands 0.61 to 0.66 m above the pad (it
   * would be 0.57 to 0.62 m with the limits taken from zero). */
  const double above = s.y - ground;
  assert_true(above > 0.62 && above < 0.66);
  ll_world_destroy(w);
}
#endif

int main(void) {
#ifdef SYNRL_HAVE_BOX2D
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_legs_in_flight),
      cmocka_unit_test(test_rest_height),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
#else
  return env_have_box2d() ? 1 : 0; /* nothing to test without Box2D */
#endif
}
