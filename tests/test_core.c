/* Core layer: random streams, error reporting, checksums, memory, BLAS
 * wrappers and the checksummed binary file I/O of src/core/fileio.c. */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include "synrl/core.h"
#include "core/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------- helpers for files ---------------- */
/* number of directory entries whose name starts with prefix */
static int count_prefix(const char *dir, const char *prefix) {
  DIR *d = opendir(dir);
  assert_non_null(d);
  int c = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) c++;
  closedir(d);
  return c;
}

/* ---------------- rng ---------------- */
static void test_splitmix_known(void **st) {
  (void)st;
  /* The reference splitmix64 from state 0 gives 0xe220a8397b1dcdaf first. */
  uint64_t x = 0;
  assert_int_equal(rng_splitmix64(&x), 0xe220a8397b1dcdafULL);
  assert_int_equal(x, 0x9e3779b97f4a7c15ULL);
}

static void test_xoshiro_known(void **st) {
  (void)st;
  /* xoshiro256** from the state {1, 2, 3, 4}: rotl(2 * 5, 7) * 9 = 1280 * 9. */
  rng_t r = {{1, 2, 3, 4}};
  assert_int_equal(rng_next_u64(&r), 11520u);
  /* then s = {7, 0, 2 ^ (2 << 17), rotl(6, 45)}: rotl(0 * 5, 7) * 9 = 0 */
  assert_int_equal(r.s[0], 7u);
  assert_int_equal(r.s[1], 0u);
  assert_int_equal(r.s[2], 2u ^ (2u << 17));
  assert_int_equal(rng_next_u64(&r), 0u);
}

static void test_rng_determinism(void **st) {
  (void)st;
  rng_t a, b, c, d;
  rng_seed(&a, 42, 7);
  rng_seed(&b, 42, 7);
  rng_seed(&c, 42, 8);
  rng_seed(&d, 43, 7);
  int diff_stream = 0, diff_seed = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = rng_next_u64(&a), y = rng_next_u64(&b), z = rng_next_u64(&c),
             w = rng_next_u64(&d);
    assert_int_equal(x, y);
    diff_stream += x != z;
    diff_seed += x != w;
  }
  assert_true(diff_stream > 990);
  assert_true(diff_seed > 990);
  /* nearby stream ids are unrelated: their states share nothing */
  rng_seed(&a, 0, 0);
  rng_seed(&b, 0, 1);
  for (int i = 0; i < 4; i++) assert_int_not_equal(a.s[i], b.s[i]);
  /* seeding never gives the all-zero state */
  for (uint64_t s = 0; s < 100; s++) {
    rng_seed(&a, s, s);
    assert_true((a.s[0] | a.s[1] | a.s[2] | a.s[3]) != 0);
  }
}

static void test_rng_uniform(void **st) {
  (void)st;
  rng_t r;
  rng_seed(&r, 1, 0);
  const int n = 200000;
  double sum = 0, mn = 1, mx = 0;
  int bins[10] = {0};
  for (int i = 0; i < n; i++) {
    double u = rng_uniform(&r);
    assert_true(u >= 0.0 && u < 1.0);
    sum += u;
    mn = fmin(mn, u);
    mx = fmax(mx, u);
    bins[(int)(u * 10)]++;
  }
  assert_close(sum / n, 0.5, 0.005);
  assert_true(mn < 1e-3 && mx > 1 - 1e-3);
  for (int i = 0; i < 10; i++) assert_in_range(bins[i], n / 10 - 700, n / 10 + 700);
  /* the largest value 53 random bits can give is still below 1 */
  assert_true((double)(UINT64_MAX >> 11) * 0x1.0p-53 < 1.0);
  for (int i = 0; i < 1000; i++) {
    double v = rng_uniform_range(&r, -10, 10);
    assert_true(v >= -10 && v < 10);
  }
}

static void test_rng_below(void **st) {
  (void)st;
  rng_t r;
  rng_seed(&r, 5, 3);
  assert_int_equal(rng_below(&r, 0), 0);
  assert_int_equal(rng_below(&r, 1), 0);
  const uint64_t ns[] = {2, 3, 7, 10, 1000, (1ULL << 63) + 1, UINT64_MAX};
  for (size_t k = 0; k < sizeof ns / sizeof *ns; k++)
    for (int i = 0; i < 2000; i++) assert_true(rng_below(&r, ns[k]) < ns[k]);
  /* n = 3 * 2^62: a plain modulo would give values below 2^62 half the time;
   * rejection makes it a third (3000 draws: 1000, sd 26) */
  int low = 0;
  for (int i = 0; i < 3000; i++) low += rng_below(&r, 3ULL << 62) < (1ULL << 62);
  assert_in_range(low, 850, 1150);
  /* rough uniformity: chi-square over 10 bins, 100000 draws (9 dof; 40 is far
   * beyond the 99.99th percentile of about 33.7) */
  const int n = 100000, k = 10;
  int cnt[10] = {0};
  for (int i = 0; i < n; i++) cnt[rng_below(&r, k)]++;
  double chi = 0, e = (double)n / k;
  for (int i = 0; i < k; i++) chi += (cnt[i] - e) * (cnt[i] - e) / e;
  if (chi > 40) fail_msg("chi-square %g over 10 bins", chi);
  /* every value of a small range appears */
  int seen[7] = {0};
  for (int i = 0; i < 1000; i++) seen[rng_below(&r, 7)] = 1;
  for (int i = 0; i < 7; i++) assert_true(seen[i]);
}

static void test_rng_shuffle(void **st) {
  (void)st;
  rng_t r;
  rng_seed(&r, 9, 9);
  enum { N = 1000 };
  uint32_t a[N], b[N];
  for (uint32_t i = 0; i < N; i++) a[i] = i;
  rng_shuffle_u32(&r, a, N);
  int seen[N] = {0}, fixed = 0;
  for (int i = 0; i < N; i++) {
    assert_true(a[i] < N);
    assert_int_equal(seen[a[i]], 0);
    seen[a[i]] = 1;
    fixed += a[i] == (uint32_t)i;
  }
  assert_true(fixed < 20); /* expected about 1 */
  /* same seed, same permutation */
  rng_seed(&r, 9, 9);
  for (uint32_t i = 0; i < N; i++) b[i] = i;
  rng_shuffle_u32(&r, b, N);
  assert_memory_equal(a, b, sizeof a);
  /* degenerate sizes */
  uint32_t one = 77;
  rng_shuffle_u32(&r, &one, 1);
  assert_int_equal(one, 77);
  rng_shuffle_u32(&r, NULL, 0);
  /* each of the 6 orders of 3 elements appears, roughly equally often */
  int orders[3][3][3] = {{{0}}};
  for (int t = 0; t < 6000; t++) {
    uint32_t c[3] = {0, 1, 2};
    rng_shuffle_u32(&r, c, 3);
    orders[c[0]][c[1]][c[2]]++;
  }
  int distinct = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 3; k++)
        if (orders[i][j][k]) {
          distinct++;
          assert_in_range(orders[i][j][k], 850, 1150);
        }
  assert_int_equal(distinct, 6);
}

/* ---------------- errors ---------------- */
static void test_err_set(void **st) {
  (void)st;
  syn_err e = {0};
  assert_int_equal(syn_err_set(&e, SYN_ERR_FORMAT, "%s: bad %d (%.2f)", "file.bin", 7, 1.5),
                   SYN_ERR_FORMAT);
  assert_int_equal(e.code, SYN_ERR_FORMAT);
  assert_string_equal(e.msg, "file.bin: bad 7 (1.50)");
  /* NULL err: still returns the code */
  assert_int_equal(syn_err_set(NULL, SYN_ERR_IO, "x %d", 1), SYN_ERR_IO);
  /* long messages are cut, terminated */
  char big[2000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  syn_err_set(&e, SYN_ERR_ARG, "%s", big);
  assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
  assert_int_equal(e.code, SYN_ERR_ARG);
  /* names */
  assert_string_equal(syn_status_name(SYN_OK), "ok");
  assert_string_equal(syn_status_name(SYN_ERR_IO), "I/O error");
  assert_string_equal(syn_status_name(SYN_ERR_FORMAT), "bad file format");
  for (int s = SYN_OK; s <= SYN_ERR_ABORTED; s++) {
    assert_non_null(syn_status_name((syn_status)s));
    assert_string_not_equal(syn_status_name((syn_status)s), "unknown");
  }
  assert_string_equal(syn_status_name((syn_status)99), "unknown");
}

/* ---------------- checksums, memory, BLAS ---------------- */
static void test_fnv(void **st) {
  (void)st;
  assert_int_equal(core_fnv1a64("a", 1, CORE_FNV_INIT), 0xaf63dc4c8601ec8cULL);
  assert_int_equal(core_fnv1a64("foobar", 6, CORE_FNV_INIT), 0x85944171f73967e8ULL);
  assert_int_equal(core_fnv1a64("", 0, CORE_FNV_INIT), CORE_FNV_INIT);
  /* chaining equals hashing the concatenation */
  assert_int_equal(core_fnv1a64("bar", 3, core_fnv1a64("foo", 3, CORE_FNV_INIT)),
                   core_fnv1a64("foobar", 6, CORE_FNV_INIT));
}

static void test_alloc(void **st) {
  (void)st;
  const size_t sizes[] = {0, 1, 63, 64, 65, 1000, 1 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
    unsigned char *p = core_alloc(sizes[i]);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 64, 0);
    for (size_t k = 0; k < sizes[i]; k++)
      if (p[k]) fail_msg("core_alloc(%zu) not zeroed at %zu", sizes[i], k);
    core_free(p);
  }
  core_free(NULL);
  assert_null(core_alloc(SIZE_MAX - 10)); /* rounding overflows: refused */
}

static void test_blas(void **st) {
  (void)st;
  blas_init();
  /* A = [1 2; 3 4], B = [5 6; 7 8]; A B = [19 22; 43 50]; A^T B = [26 30; 38 44] */
  const double a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};
  double c[4] = {1, 1, 1, 1};
  blas_dgemm(false, false, 2, 2, 2, 1.0, a, 2, b, 2, 0.0, c, 2);
  const double ab[4] = {19, 22, 43, 50}, atb[4] = {26, 30, 38, 44};
  assert_memory_equal(c, ab, sizeof c);
  blas_dgemm(true, false, 2, 2, 2, 1.0, a, 2, b, 2, 0.0, c, 2);
  assert_memory_equal(c, atb, sizeof c);
  /* beta = 1 accumulates; alpha scales: 2 * A B^T + C, A B^T = [17 23; 39 53] */
  double c2[4] = {1, 2, 3, 4};
  blas_dgemm(false, true, 2, 2, 2, 2.0, a, 2, b, 2, 1.0, c2, 2);
  const double want[4] = {35, 48, 81, 110};
  assert_memory_equal(c2, want, sizeof c2);
  float fa[4] = {1, 2, 3, 4}, fb[4] = {5, 6, 7, 8}, fc[4];
  blas_sgemm(false, false, 2, 2, 2, 1.0f, fa, 2, fb, 2, 0.0f, fc, 2);
  assert_true(fc[0] == 19 && fc[1] == 22 && fc[2] == 43 && fc[3] == 50);
  assert_true(core_threads() >= 1);
  assert_true(core_now() > 0);
  assert_true(core_peak_rss_kib() > 0);
  assert_non_null(blas_describe());
}

/* ---------------- fileio ---------------- */
static const double SPECIAL[] = {0.0, -0.0, 1.0, -2.5, 1e-310 /* subnormal */, 1.7976931348623157e308,
                                 INFINITY, -INFINITY};

static void write_sample(const char *path) {
  fio_writer w;
  syn_err e = {0};
  assert_int_equal(fio_writer_open(&w, path, &e), SYN_OK);
  fio_put_bytes(&w, "HEAD", 4);
  fio_put_u32(&w, 0xdeadbeefu);
  fio_put_u32(&w, 0);
  fio_put_u64(&w, 0x0123456789abcdefULL);
  fio_put_u64(&w, UINT64_MAX);
  for (size_t i = 0; i < sizeof SPECIAL / sizeof *SPECIAL; i++) fio_put_f64(&w, SPECIAL[i]);
  fio_put_f64(&w, NAN);
  assert_int_equal(fio_writer_commit(&w, &e), SYN_OK);
}

static void test_fio_roundtrip(void **st) {
  (void)st;
  char p[512];
  tu_path(p, sizeof p, "rt.bin");
  write_sample(p);
  /* 4 + 8 + 16 + 9 * 8 payload bytes + 4 CRC bytes */
  assert_int_equal(tu_file_size(p), 4 + 8 + 16 + 9 * 8 + 4);
  /* little-endian on disk */
  long n;
  unsigned char *raw = tu_slurp(p, &n);
  const unsigned char le[4] = {0xef, 0xbe, 0xad, 0xde};
  assert_memory_equal(raw + 4, le, 4);
  free(raw);

  fio_reader r;
  syn_err e = {0};
  assert_int_equal(fio_reader_open(&r, p, &e), SYN_OK);
  assert_int_equal(r.size, 4 + 8 + 16 + 9 * 8);
  char head[4];
  fio_get_bytes(&r, head, 4);
  assert_memory_equal(head, "HEAD", 4);
  assert_int_equal(fio_get_u32(&r), 0xdeadbeefu);
  assert_int_equal(fio_get_u32(&r), 0);
  assert_int_equal(fio_get_u64(&r), 0x0123456789abcdefULL);
  assert_int_equal(fio_get_u64(&r), UINT64_MAX);
  for (size_t i = 0; i < sizeof SPECIAL / sizeof *SPECIAL; i++) {
    double v = fio_get_f64(&r);
    assert_memory_equal(&v, &SPECIAL[i], sizeof v); /* bit-identical, -0.0 included */
  }
  assert_true(isnan(fio_get_f64(&r)));
  assert_int_equal(r.err, 0);
  assert_int_equal(fio_reader_finish(&r, p, &e), SYN_OK);
  assert_null(r.data);
  /* no temporary file left behind */
  assert_int_equal(count_prefix(tu_tmpdir(), "rt.bin.tmp"), 0);
}

static void test_fio_large(void **st) {
  (void)st;
  /* payloads around and above the reader's first 64 KiB buffer */
  const size_t sizes[] = {0, 65536 - 4, 65536, 200003};
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    char p[512];
    tu_path(p, sizeof p, "large.bin");
    size_t n = sizes[k];
    unsigned char *buf = malloc(n + 1), *back = malloc(n + 1);
    assert_non_null(buf);
    assert_non_null(back);
    for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)(i * 131 + (i >> 8));
    fio_writer w;
    syn_err e = {0};
    assert_int_equal(fio_writer_open(&w, p, &e), SYN_OK);
    fio_put_bytes(&w, buf, n);
    assert_int_equal(fio_writer_commit(&w, &e), SYN_OK);
    fio_reader r;
    assert_int_equal(fio_reader_open(&r, p, &e), SYN_OK);
    assert_int_equal(r.size, n);
    fio_get_bytes(&r, back, n);
    if (n) assert_memory_equal(buf, back, n);
    assert_int_equal(fio_reader_finish(&r, p, &e), SYN_OK);
    free(buf);
    free(back);
  }
}

static void test_fio_corrupt(void **st) {
  (void)st;
  char p[512];
  tu_path(p, sizeof p, "corrupt.bin");
  write_sample(p);
  long n;
  unsigned char *orig = tu_slurp(p, &n);
  /* flip each byte in turn (payload and CRC): always a checksum error */
  for (long i = 0; i < n; i++) {
    unsigned char *b = malloc((size_t)n);
    memcpy(b, orig, (size_t)n);
    b[i] ^= (unsigned char)(1u << (i % 8));
    tu_spit(p, b, (size_t)n);
    free(b);
    fio_reader r;
    syn_err e = {0};
    syn_status s = fio_reader_open(&r, p, &e);
    if (s != SYN_ERR_FORMAT) fail_msg("flipped byte %ld: status %d", i, (int)s);
    assert_contains(e.msg, p);
    assert_contains(e.msg, "checksum");
    assert_null(r.data);
  }
  free(orig);
}

static void test_fio_truncated(void **st) {
  (void)st;
  char p[512];
  tu_path(p, sizeof p, "trunc.bin");
  write_sample(p);
  long n;
  unsigned char *orig = tu_slurp(p, &n);
  const long cuts[] = {n - 1, n - 4, n / 2, 5, 4, 3, 1, 0};
  for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
    tu_spit(p, orig, (size_t)cuts[k]);
    fio_reader r;
    syn_err e = {0};
    syn_status s = fio_reader_open(&r, p, &e);
    if (s != SYN_ERR_FORMAT) fail_msg("cut to %ld bytes: status %d", cuts[k], (int)s);
    assert_contains(e.msg, p);
  }
  free(orig);

  /* A file whose CRC is right but whose payload is shorter than the reader
   * expects: reads past the end are caught by finish. */
  fio_writer w;
  syn_err e = {0};
  assert_int_equal(fio_writer_open(&w, p, &e), SYN_OK);
  fio_put_u32(&w, 1);
  assert_int_equal(fio_writer_commit(&w, &e), SYN_OK);
  fio_reader r;
  assert_int_equal(fio_reader_open(&r, p, &e), SYN_OK);
  assert_int_equal(fio_get_u32(&r), 1);
  assert_int_equal(fio_get_u64(&r), 0); /* past the end: zero, sticky error */
  assert_true(r.err);
  double d = fio_get_f64(&r);
  assert_true(d == 0.0);
  assert_int_equal(fio_reader_finish(&r, p, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "truncated");
  assert_contains(e.msg, p);
}

static void test_fio_trailing(void **st) {
  (void)st;
  char p[512];
  tu_path(p, sizeof p, "trail.bin");
  fio_writer w;
  syn_err e = {0};
  assert_int_equal(fio_writer_open(&w, p, &e), SYN_OK);
  fio_put_u32(&w, 5);
  fio_put_u32(&w, 6); /* the reader below expects only one u32 */
  assert_int_equal(fio_writer_commit(&w, &e), SYN_OK);
  fio_reader r;
  assert_int_equal(fio_reader_open(&r, p, &e), SYN_OK);
  assert_int_equal(fio_get_u32(&r), 5);
  assert_int_equal(fio_reader_finish(&r, p, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, "trailing");
  assert_contains(e.msg, p);

  /* garbage appended after the CRC: the CRC no longer matches */
  FILE *f = fopen(p, "ab");
  assert_non_null(f);
  fputs("junk", f);
  fclose(f);
  assert_int_equal(fio_reader_open(&r, p, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, p);
}

static void test_fio_missing_and_bad_dir(void **st) {
  (void)st;
  char p[1100], dir[512];
  syn_err e = {0};
  fio_reader r;
  tu_path(p, sizeof p, "does-not-exist.bin");
  assert_int_equal(fio_reader_open(&r, p, &e), SYN_ERR_IO);
  assert_contains(e.msg, p);
  assert_null(r.data);

  /* writing into a directory that does not exist */
  tu_path(dir, sizeof dir, "no-such-dir");
  snprintf(p, sizeof p, "%s/out.bin", dir);
  fio_writer w;
  assert_int_equal(fio_writer_open(&w, p, &e), SYN_ERR_IO);
  assert_contains(e.msg, p);
  assert_null(w.f);
  assert_int_equal(tu_file_size(dir), -1);
  assert_int_equal(tu_file_size(p), -1);
  assert_int_equal(fio_text_open(&w, p, &e), SYN_ERR_IO);
  assert_int_equal(tu_file_size(p), -1);
  assert_int_equal(count_prefix(tu_tmpdir(), "no-such-dir"), 0);

  /* a path too long for the writer: refused before anything is created */
  char longp[5000];
  memset(longp, 'a', sizeof longp - 1);
  longp[sizeof longp - 1] = 0;
  assert_int_equal(fio_writer_open(&w, longp, &e), SYN_ERR_ARG);
}

static void test_fio_commit_fails_cleanly(void **st) {
  (void)st;
  /* The destination is a directory: rename fails; the temporary file is
   * removed and the directory is untouched. */
  char p[512];
  tu_path(p, sizeof p, "dest-is-dir");
  assert_int_equal(mkdir(p, 0777), 0);
  fio_writer w;
  syn_err e = {0};
  assert_int_equal(fio_writer_open(&w, p, &e), SYN_OK);
  fio_put_u64(&w, 1);
  assert_int_equal(fio_writer_commit(&w, &e), SYN_ERR_IO);
  assert_contains(e.msg, p);
  struct stat sb;
  assert_int_equal(stat(p, &sb), 0);
  assert_true(S_ISDIR(sb.st_mode));
  assert_int_equal(count_prefix(tu_tmpdir(), "dest-is-dir.tmp"), 0);
  rmdir(p);
}

static void test_fio_abort_keeps_old(void **st) {
  (void)st;
  char p[512];
  tu_path(p, sizeof p, "keep.bin");
  write_sample(p);
  long n0;
  unsigned char *before = tu_slurp(p, &n0);
  fio_writer w;
  syn_err e = {0};
  assert_int_equal(fio_writer_open(&w, p, &e), SYN_OK);
  fio_put_u32(&w, 123);
  fio_writer_abort(&w);
  long n1;
  unsigned char *after = tu_slurp(p, &n1);
  assert_int_equal(n0, n1);
  assert_memory_equal(before, after, (size_t)n0);
  assert_int_equal(count_prefix(tu_tmpdir(), "keep.bin.tmp"), 0);
  free(before);
  free(after);
}

static void test_fio_text(void **st) {
  (void)st;
  char p[512];
  tu_path(p, sizeof p, "text.txt");
  fio_writer w;
  syn_err e = {0};
  assert_int_equal(fio_text_open(&w, p, &e), SYN_OK);
  fprintf(w.f, "hello %d\n", 42);
  assert_int_equal(fio_text_commit(&w, &e), SYN_OK);
  long n;
  unsigned char *b = tu_slurp(p, &n);
  assert_int_equal(n, 9); /* no CRC appended to text files */
  assert_memory_equal(b, "hello 42\n", 9);
  free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_splitmix_known),
      cmocka_unit_test(test_xoshiro_known),
      cmocka_unit_test(test_rng_determinism),
      cmocka_unit_test(test_rng_uniform),
      cmocka_unit_test(test_rng_below),
      cmocka_unit_test(test_rng_shuffle),
      cmocka_unit_test(test_err_set),
      cmocka_unit_test(test_fnv),
      cmocka_unit_test(test_alloc),
      cmocka_unit_test(test_blas),
      cmocka_unit_test(test_fio_roundtrip),
      cmocka_unit_test(test_fio_large),
      cmocka_unit_test(test_fio_corrupt),
      cmocka_unit_test(test_fio_truncated),
      cmocka_unit_test(test_fio_trailing),
      cmocka_unit_test(test_fio_missing_and_bad_dir),
      cmocka_unit_test(test_fio_commit_fails_cleanly),
      cmocka_unit_test(test_fio_abort_keeps_old),
      cmocka_unit_test(test_fio_text),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
