/* exp of eight doubles: lane by lane the same sequence of correctly rounded
 * operations as core_exp (core/mathx.c), so vector and scalar code give the
 * same bits. Shared by the vector kernels of nn and learn; include only in
 * files compiled where AVX-512 intrinsics are available (SYNRL_HAVE_VNNI). */
#ifndef SYNRL_CORE_EXP_AVX512_H
#define SYNRL_CORE_EXP_AVX512_H

#include "synrl/core.h"

#include <immintrin.h>
#include <math.h>

__attribute__((target("avx512f,avx512dq"))) static inline __m512d core_exp8(__m512d x) {
  static const double C[11] = {1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                               1.0 / 362880.0,    1.0 / 40320.0,     1.0 / 5040.0,
                               1.0 / 720.0,       1.0 / 120.0,       1.0 / 24.0,
                               1.0 / 6.0,         1.0 / 2.0};
  __m512d n = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(CORE_EXP_LOG2E)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(CORE_EXP_LN2_HI), x);
  r = _mm512_fnmadd_pd(n, _mm512_set1_pd(CORE_EXP_LN2_LO), r);
  __m512d p = _mm512_set1_pd(C[0]);
  for (int i = 1; i < 11; i++) p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(C[i]));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0));
  __m512d y = _mm512_scalef_pd(p, n);
  __mmask8 low = _mm512_cmp_pd_mask(x, _mm512_set1_pd(-700.0), _CMP_LT_OQ); /* NaN stays NaN */
  __mmask8 high = _mm512_cmp_pd_mask(x, _mm512_set1_pd(709.78), _CMP_GT_OQ);
  y = _mm512_mask_blend_pd(low, y, _mm512_set1_pd(0.0));
  return _mm512_mask_blend_pd(high, y, _mm512_set1_pd(HUGE_VAL));
}

#endif
