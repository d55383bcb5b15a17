#include "synrl/core.h"

#include <math.h>

/* Taylor coefficients 1/k! for k = 12 .. 2; the reduced argument satisfies
 * |r| <= ln2/2, where the degree-12 remainder is about 1.7e-16 relative
 * (under 1 ulp); rounding in the evaluation keeps the total under 2 ulp. */
static const double EXP_C[11] = {
    1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0,
    1.0 / 40320.0,     1.0 / 5040.0,     1.0 / 720.0,     1.0 / 120.0,
    1.0 / 24.0,        1.0 / 6.0,        1.0 / 2.0};

/* The fma clone is for speed only (fma() is exactly rounded either way).
 * clang 14 emits no linkable symbol for target_clones here, so it gets the
 * default version (the fuzzing build uses clang). */
#if defined(__clang__)
#define EXP_CLONES
#else
#define EXP_CLONES __attribute__((target_clones("fma", "default")))
#endif
EXP_CLONES double core_exp(double x) {
  if (!(x >= -700.0)) return x != x ? x : 0.0; /* NaN stays NaN */
  if (x > 709.78) return HUGE_VAL;
  double n = rint(x * CORE_EXP_LOG2E);
  double r = fma(-n, CORE_EXP_LN2_HI, x);
  r = fma(-n, CORE_EXP_LN2_LO, r);
  double p = EXP_C[0];
  for (int i = 1; i < 11; i++) p = fma(p, r, EXP_C[i]);
  p = fma(p, r, 1.0);
  p = fma(p, r, 1.0);
  return ldexp(p, (int)n);
}
