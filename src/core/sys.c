#define _POSIX_C_SOURCE 200809L /* clock_gettime, CLOCK_MONOTONIC */
#include "synrl/core.h"

#include <cblas.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

void *core_alloc(size_t bytes) {
  if (bytes == 0) bytes = 64;
  size_t rounded = (bytes + 63) & ~(size_t)63;
  if (rounded < bytes) return NULL;
  void *p = aligned_alloc(64, rounded);
  if (p) memset(p, 0, rounded);
  return p;
}

void core_free(void *p) { free(p); }

void blas_dgemm(bool ta, bool tb, int m, int n, int k, double alpha, const double *a, int lda,
                const double *b, int ldb, double beta, double *c, int ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void blas_sgemm(bool ta, bool tb, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void blas_init(void) { openblas_set_num_threads(1); }

const char *blas_describe(void) { return openblas_get_config(); }

void core_set_threads(int n) {
  if (n > 0) omp_set_num_threads(n);
}

int core_threads(void) { return omp_get_max_threads(); }

bool core_cpu_has_vnni(void) {
#if defined(SYNRL_HAVE_VNNI) && defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

double core_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double core_cpu_seconds(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
  return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
         (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

long core_peak_rss_kib(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
  return ru.ru_maxrss;
}

uint64_t core_fnv1a64(const void *data, size_t n, uint64_t h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < n; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* ---- shards ---- */
void core_shard_range(const core_shard *s, int rank, size_t n_chunks, size_t *lo, size_t *hi) {
  if (!core_shard_active(s)) {
    *lo = 0;
    *hi = n_chunks;
    return;
  }
  size_t S = (size_t)s->shards, P = (size_t)s->size, p = (size_t)rank;
  size_t j0 = p * S / P, j1 = (p + 1) * S / P;
  *lo = j0 * n_chunks / S;
  *hi = j1 * n_chunks / S;
}

syn_status core_shard_sum(core_shard *s, double *parts, size_t n, double *sum, syn_err *e) {
  if (core_shard_active(s)) {
    syn_status st = s->gather(s->ctx, parts, n, e);
    if (st) return st;
  }
  double t = 0.0;
  for (size_t i = 0; i < n; i++) t += parts[i];
  *sum = t;
  return SYN_OK;
}
