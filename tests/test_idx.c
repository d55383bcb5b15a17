/* data: IDX files (raw and gzip), image data sets, the random split and the
 * 2D boundary task. */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include "synrl/train.h"

#include <ftw.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* ---------------- building files by hand ---------------- */
typedef struct bytes {
  unsigned char *p;
  size_t n, cap;
} bytes;

static void b_put(bytes *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    b->p = realloc(b->p, b->cap);
    assert_non_null(b->p);
  }
  memcpy(b->p + b->n, p, n);
  b->n += n;
}

static void b_u8(bytes *b, unsigned v) {
  unsigned char c = (unsigned char)v;
  b_put(b, &c, 1);
}

static void b_be32(bytes *b, uint32_t v) {
  unsigned char c[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                        (unsigned char)v};
  b_put(b, c, 4);
}

/* IDX header + data: type 0x08 unless told, dims big-endian */
static bytes idx_bytes(unsigned type, int ndim, const uint32_t *dims, const uint8_t *data,
                       size_t n_data) {
  bytes b = {0};
  b_u8(&b, 0);
  b_u8(&b, 0);
  b_u8(&b, type);
  b_u8(&b, (unsigned)ndim);
  for (int i = 0; i < ndim; i++) b_be32(&b, dims[i]);
  if (n_data) b_put(&b, data, n_data);
  return b;
}

static void write_raw(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  if (n) assert_int_equal(fwrite(p, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

/* gzip through zlib's gz functions */
static void write_gz(const char *path, const void *p, size_t n) {
  gzFile g = gzopen(path, "wb9");
  assert_non_null(g);
  if (n) assert_int_equal(gzwrite(g, p, (unsigned)n), (int)n);
  assert_int_equal(gzclose(g), Z_OK);
}

static unsigned char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)len + 1);
  assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
  fclose(f);
  *n = (size_t)len;
  return b;
}

static uint8_t *pattern(size_t n, unsigned seed) {
  uint8_t *d = malloc(n ? n : 1);
  rng_t r;
  rng_seed(&r, seed, 0);
  for (size_t i = 0; i < n; i++) d[i] = (uint8_t)(i % 7 == 0 ? rng_below(&r, 256) : (i / 13) & 0xff);
  return d;
}

static syn_status load_expect(const char *path, int ndim, syn_status want, const char *needle,
                              const char *what) {
  idx_array a;
  memset(&a, 0x5a, sizeof a);
  syn_err e = {0};
  syn_status s = idx_load_u8(&a, path, ndim, &e);
  if (s != want) fail_msg("%s: status %d (%s), expected %d", what, (int)s, e.msg, (int)want);
  if (want != SYN_OK) {
    assert_contains(e.msg, path);
    if (needle) assert_contains(e.msg, needle);
    assert_null(a.data);
  }
  idx_free(&a);
  return s;
}

/* ---------------- round trips ---------------- */
static void roundtrip_save(const char *name, int ndim, const uint32_t *dims) {
  char p[512];
  tu_path(p, sizeof p, name);
  idx_array a = {.ndim = ndim};
  size_t count = 1;
  for (int i = 0; i < ndim; i++) a.dims[i] = dims[i], count *= dims[i];
  a.count = count;
  a.data = pattern(count, 3);
  syn_err e = {0};
  assert_int_equal(idx_save_u8(&a, p, &e), SYN_OK);
  /* raw files are exactly header + data; .gz files are gzip */
  size_t n;
  unsigned char *f = slurp(p, &n);
  size_t len = strlen(p);
  if (strcmp(p + len - 3, ".gz") == 0) {
    assert_true(f[0] == 0x1f && f[1] == 0x8b);
  } else {
    bytes want = idx_bytes(8, ndim, dims, a.data, count);
    assert_int_equal(n, want.n);
    assert_memory_equal(f, want.p, n);
    free(want.p);
  }
  free(f);
  idx_array b;
  assert_int_equal(idx_load_u8(&b, p, ndim, &e), SYN_OK);
  assert_int_equal(b.ndim, ndim);
  assert_int_equal(b.count, count);
  for (int i = 0; i < ndim; i++) assert_int_equal(b.dims[i], dims[i]);
  assert_memory_equal(b.data, a.data, count);
  idx_free(&b);
  assert_null(b.data);
  free(a.data);
  /* no temporary left behind */
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s.tmp", p);
  struct stat sb;
  assert_int_not_equal(stat(tmp, &sb), 0);
}

static void test_save_load_roundtrip(void **st) {
  (void)st;
  const uint32_t d3[3] = {5, 28, 28}, d1[1] = {7}, d2[2] = {3, 1}, d4[4] = {2, 3, 4, 5};
  roundtrip_save("img-idx3-ubyte", 3, d3);
  roundtrip_save("img-idx3-ubyte.gz", 3, d3);
  roundtrip_save("lab-idx1-ubyte", 1, d1);
  roundtrip_save("lab-idx1-ubyte.gz", 1, d1);
  roundtrip_save("m2", 2, d2);
  roundtrip_save("m4.gz", 4, d4);
  /* large enough for several gzip blocks and the reader's chunks */
  const uint32_t big[3] = {300, 28, 28};
  roundtrip_save("big.gz", 3, big);
}

static void test_hand_built(void **st) {
  (void)st;
  char p[512];
  const uint32_t dims[3] = {2, 3, 4};
  const uint8_t data[24] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255, 254, 253, 252, 128, 127, 0, 0, 9, 9, 9, 1};
  bytes b = idx_bytes(8, 3, dims, data, 24);
  tu_path(p, sizeof p, "hand-raw");
  write_raw(p, b.p, b.n);
  idx_array a;
  syn_err e = {0};
  assert_int_equal(idx_load_u8(&a, p, 3, &e), SYN_OK);
  assert_int_equal(a.count, 24);
  assert_true(a.dims[0] == 2 && a.dims[1] == 3 && a.dims[2] == 4);
  assert_memory_equal(a.data, data, 24);
  idx_free(&a);
  tu_path(p, sizeof p, "hand.gz");
  write_gz(p, b.p, b.n);
  assert_int_equal(idx_load_u8(&a, p, 3, &e), SYN_OK);
  assert_memory_equal(a.data, data, 24);
  idx_free(&a);
  /* gzip content under a name without .gz is still read (zlib detects it) */
  tu_path(p, sizeof p, "hand-gz-noext");
  write_gz(p, b.p, b.n);
  assert_int_equal(idx_load_u8(&a, p, 3, &e), SYN_OK);
  assert_memory_equal(a.data, data, 24);
  idx_free(&a);
  /* dimension sizes above 255 are big-endian */
  const uint32_t d1[1] = {0x0102};
  uint8_t *lab = pattern(0x102, 4);
  bytes l = idx_bytes(8, 1, d1, lab, 0x102);
  assert_true(l.p[4] == 0 && l.p[5] == 0 && l.p[6] == 1 && l.p[7] == 2);
  tu_path(p, sizeof p, "labels-be");
  write_raw(p, l.p, l.n);
  assert_int_equal(idx_load_u8(&a, p, 1, &e), SYN_OK);
  assert_int_equal(a.dims[0], 0x102);
  assert_memory_equal(a.data, lab, 0x102);
  idx_free(&a);
  free(lab);
  free(l.p);
  free(b.p);
}

/* ---------------- broken files ---------------- */
static void both(const char *name, const bytes *b, int ndim, const char *needle, const char *what) {
  char p[512], what2[128];
  tu_path(p, sizeof p, name);
  write_raw(p, b->p, b->n);
  snprintf(what2, sizeof what2, "%s (raw)", what);
  load_expect(p, ndim, SYN_ERR_FORMAT, needle, what2);
  char pg[600];
  snprintf(pg, sizeof pg, "%s.gz", p);
  write_gz(pg, b->p, b->n);
  snprintf(what2, sizeof what2, "%s (gzip)", what);
  load_expect(pg, ndim, SYN_ERR_FORMAT, needle, what2);
}

static void test_bad_headers(void **st) {
  (void)st;
  const uint32_t dims[3] = {2, 2, 2};
  const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  bytes b = idx_bytes(8, 3, dims, data, 8);
  bytes c = {0};

  /* bad magic: first two bytes must be zero */
  b_put(&c, b.p, b.n);
  c.p[0] = 1;
  both("magic0", &c, 3, "magic", "bad magic byte 0");
  c.p[0] = 0;
  c.p[1] = 0x80;
  both("magic1", &c, 3, "magic", "bad magic byte 1");
  c.n = 0;
  b_put(&c, "P5\n2 2\n255\n", 11); /* some other file kind */
  both("pgm", &c, 3, "magic", "not an IDX file");

  /* wrong element type: 0x09 (signed byte), 0x0D (float) */
  const unsigned types[] = {0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x00};
  for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
    bytes t = idx_bytes(types[i], 3, dims, data, 8);
    both("type", &t, 3, "type", "wrong element type");
    free(t.p);
  }

  /* wrong number of dimensions: a 3-d file read as labels, a 1-d file as
   * images, and an absurd count */
  both("ndim3as1", &b, 1, "dimensions", "3-d file, 1-d expected");
  const uint32_t d1[1] = {8};
  bytes one = idx_bytes(8, 1, d1, data, 8);
  both("ndim1as3", &one, 3, "dimensions", "1-d file, 3-d expected");
  bytes many = {0};
  b_put(&many, "\0\0\x08\xff", 4);
  both("ndim255", &many, 3, "dimensions", "255 dimensions");

  /* a zero dimension, first or later */
  const uint32_t z0[3] = {0, 2, 2}, z2[3] = {2, 2, 0};
  bytes zb = idx_bytes(8, 3, z0, NULL, 0);
  both("zero0", &zb, 3, "zero", "dimension 0 is zero");
  free(zb.p);
  zb = idx_bytes(8, 3, z2, data, 8);
  both("zero2", &zb, 3, "zero", "dimension 2 is zero");
  free(zb.p);

  /* dimensions whose product is absurdly large: refused before allocating */
  const uint32_t huge[3] = {0xffffffffu, 0xffffffffu, 0xffffffffu};
  bytes hb = idx_bytes(8, 3, huge, data, 8);
  both("huge", &hb, 3, "large", "huge dimensions");
  free(hb.p);
  const uint32_t big[3] = {0x10000, 0x10000, 2}; /* 8 GiB: above the 4 GiB cap */
  hb = idx_bytes(8, 3, big, data, 8);
  both("big", &hb, 3, "large", "8 GiB declared");
  free(hb.p);

  /* truncated header: inside the magic, inside the dimension sizes */
  const size_t cuts[] = {1, 3, 4, 5, 8, 15};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    bytes t = {0};
    b_put(&t, b.p, cuts[i]);
    char what[64];
    snprintf(what, sizeof what, "header cut to %zu bytes", cuts[i]);
    both("hdrcut", &t, 3, "truncated", what);
    free(t.p);
  }
  free(c.p);
  free(one.p);
  free(many.p);
  free(b.p);
}

static void test_bad_sizes(void **st) {
  (void)st;
  const uint32_t dims[3] = {10, 8, 8};
  uint8_t *data = pattern(640, 5);
  bytes b = idx_bytes(8, 3, dims, data, 640);
  /* truncated data: one byte short, half, none at all */
  const size_t short_by[] = {1, 320, 640};
  for (size_t i = 0; i < sizeof short_by / sizeof *short_by; i++) {
    bytes t = {0};
    b_put(&t, b.p, b.n - short_by[i]);
    char what[64];
    snprintf(what, sizeof what, "data %zu bytes short", short_by[i]);
    both("datacut", &t, 3, "truncated", what);
    free(t.p);
  }
  /* trailing bytes after the data */
  bytes t = {0};
  b_put(&t, b.p, b.n);
  b_put(&t, "\0", 1);
  both("trail1", &t, 3, "trailing", "one trailing byte");
  b_put(&t, data, 640);
  both("trailmany", &t, 3, "trailing", "a second copy of the data");
  free(t.p);
  free(b.p);
  free(data);
}

/* Loads path; it must fail with FORMAT, or, when lenient, may succeed with
 * exactly the original data (never with different data). */
static void load_fails_or_same(const char *path, const uint8_t *data, size_t count, bool lenient,
                               const char *what) {
  idx_array a;
  syn_err e = {0};
  syn_status s = idx_load_u8(&a, path, 3, &e);
  if (s == SYN_OK && lenient) {
    assert_int_equal(a.count, count);
    if (memcmp(a.data, data, count) != 0) fail_msg("%s: loaded, with different data", what);
    idx_free(&a);
    return;
  }
  if (s != SYN_ERR_FORMAT) fail_msg("%s: status %d (%s), expected %d", what, (int)s, e.msg, SYN_ERR_FORMAT);
  assert_contains(e.msg, path);
  assert_null(a.data);
}

static void corrupt_gzip(uint32_t n_images) {
  const uint32_t dims[3] = {n_images, 28, 28};
  const size_t count = (size_t)n_images * 28 * 28;
  uint8_t *data = pattern(count, 6);
  bytes b = idx_bytes(8, 3, dims, data, count);
  char good[512], bad[512];
  tu_path(good, sizeof good, "good.gz");
  tu_path(bad, sizeof bad, "bad.gz");
  write_gz(good, b.p, b.n);
  load_expect(good, 3, SYN_OK, NULL, "intact gzip");
  size_t n;
  unsigned char *gz = slurp(good, &n);
  assert_true(n > 200);
  unsigned char *c = malloc(n);
  /* flip bytes in the compressed middle (past the 10-byte gzip header and
   * before the 8-byte CRC/size trailer) and in the trailer itself: the CRC
   * or the decoder catches every one */
  const size_t at[] = {n / 4, n / 3, n / 2, 2 * n / 3, n - 30, n - 8, n - 5, n - 1};
  for (size_t i = 0; i < sizeof at / sizeof *at; i++)
    for (int mode = 0; mode < 2; mode++) {
      memcpy(c, gz, n);
      if (mode == 0)
        c[at[i]] ^= 0x01;
      else
        for (size_t k = at[i]; k < at[i] + 4 && k < n; k++) c[k] ^= 0xa5;
      write_raw(bad, c, n);
      char what[96];
      snprintf(what, sizeof what, "%u images: gzip byte %zu %s", n_images, at[i],
               mode ? "and 3 after scrambled" : "flipped");
      load_expect(bad, 3, SYN_ERR_FORMAT, NULL, what);
    }
  /* Compressed stream cut short. Cuts that lose data always fail. A cut
   * inside the 8-byte trailer leaves all the data decodable; zlib's gzread
   * reports it only when it has not yet read the whole file by then (small
   * files), so for larger files the load may succeed: then with the right
   * data. */
  const size_t cuts[] = {n - 1, n - 4, n - 8, n - 12, n / 2, 20, 11, 10, 2};
  for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
    write_raw(bad, gz, cuts[i]);
    char what[96];
    snprintf(what, sizeof what, "%u images: gzip cut to %zu of %zu bytes", n_images, cuts[i], n);
    bool in_trailer = cuts[i] >= n - 8;
    load_fails_or_same(bad, b.p + 16, count, in_trailer && n_images > 4, what);
  }
  free(c);
  free(gz);
  free(b.p);
  free(data);
}

static void test_corrupt_gzip(void **st) {
  (void)st;
  corrupt_gzip(2);  /* one zlib input buffer: trailer cuts are caught */
  corrupt_gzip(50); /* larger than gzread's buffers */
}

static void test_empty_missing(void **st) {
  (void)st;
  char p[512];
  tu_path(p, sizeof p, "empty");
  write_raw(p, "", 0);
  load_expect(p, 3, SYN_ERR_FORMAT, "truncated", "empty file");
  tu_path(p, sizeof p, "empty.gz");
  write_gz(p, "", 0); /* a valid gzip stream of nothing */
  load_expect(p, 1, SYN_ERR_FORMAT, "truncated", "empty gzip stream");
  tu_path(p, sizeof p, "missing-idx3-ubyte");
  load_expect(p, 3, SYN_ERR_IO, NULL, "missing file");
  tu_path(p, sizeof p, "missing-dir/x.gz");
  load_expect(p, 3, SYN_ERR_IO, NULL, "missing directory");
  /* saving into a missing directory fails cleanly */
  idx_array a = {.ndim = 1, .dims = {3}, .count = 3, .data = (uint8_t *)"abc"};
  syn_err e = {0};
  assert_int_equal(idx_save_u8(&a, p, &e), SYN_ERR_IO);
  assert_contains(e.msg, p);
}

/* idx_find: the compressed file first, the raw one else, an error naming
 * the folder and the stem when neither is there; idx_dir_find: all four. */
static void test_find(void **st) {
  (void)st;
  char dir[512], p[4300], got[4300];
  tu_path(dir, sizeof dir, "find");
  mkdir(dir, 0755);
  syn_err e = {0};
  assert_int_equal(idx_find(got, sizeof got, dir, "a-idx1-ubyte", &e), SYN_ERR_IO);
  assert_contains(e.msg, dir);
  assert_contains(e.msg, "a-idx1-ubyte");
  snprintf(p, sizeof p, "%s/a-idx1-ubyte", dir);
  write_raw(p, "x", 1);
  assert_int_equal(idx_find(got, sizeof got, dir, "a-idx1-ubyte", &e), SYN_OK);
  assert_string_equal(got, p);
  snprintf(p, sizeof p, "%s/a-idx1-ubyte.gz", dir);
  write_gz(p, "x", 1);
  assert_int_equal(idx_find(got, sizeof got, dir, "a-idx1-ubyte", &e), SYN_OK);
  assert_string_equal(got, p);
  /* a path that does not fit is an error, not a cut name */
  char small[8];
  assert_int_equal(idx_find(small, sizeof small, dir, "a-idx1-ubyte", &e), SYN_ERR_IO);
  idx_dir_files f;
  assert_int_equal(idx_dir_find(&f, dir, &e), SYN_ERR_IO);
  assert_contains(e.msg, dir);
  const char *stems[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte.gz",
                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, stems[i]);
    write_raw(p, "x", 1);
  }
  assert_int_equal(idx_dir_find(&f, dir, &e), SYN_OK);
  snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte.gz", dir);
  assert_string_equal(f.train_labels, p);
  snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", dir);
  assert_string_equal(f.test_images, p);
}

/* ---------------- image data sets ---------------- */
static void save_idx(const char *name, int ndim, const uint32_t *dims, const uint8_t *data,
                     char *path, size_t n) {
  tu_path(path, n, name);
  idx_array a = {.ndim = ndim};
  size_t count = 1;
  for (int i = 0; i < ndim; i++) a.dims[i] = dims[i], count *= dims[i];
  a.count = count;
  a.data = (uint8_t *)data;
  syn_err e = {0};
  assert_int_equal(idx_save_u8(&a, path, &e), SYN_OK);
}

static void test_images_load(void **st) {
  (void)st;
  char ip[512], lp[512], lp4[512], lpbad[512];
  const uint32_t di[3] = {5, 2, 3};
  uint8_t *img = pattern(30, 8);
  img[0] = 255;
  img[1] = 0;
  const uint8_t lab[5] = {0, 9, 3, 3, 7};
  const uint32_t dl[1] = {5}, dl4[1] = {4};
  save_idx("im-idx3-ubyte.gz", 3, di, img, ip, sizeof ip);
  save_idx("lb-idx1-ubyte", 1, dl, lab, lp, sizeof lp);
  save_idx("lb4-idx1-ubyte", 1, dl4, lab, lp4, sizeof lp4);
  const uint8_t labbad[5] = {1, 2, 3, 4, 10};
  save_idx("lbbad-idx1-ubyte", 1, dl, labbad, lpbad, sizeof lpbad);

  data_set d;
  syn_err e = {0};
  assert_int_equal(data_images_load(&d, ip, lp, 0, 10, &e), SYN_OK);
  assert_int_equal(d.n, 5);
  assert_int_equal(d.in_dim, 6);
  assert_int_equal(d.out_dim, 10);
  assert_non_null(d.x_u8);
  assert_null(d.targets);
  assert_memory_equal(d.x_u8, img, 30);
  for (size_t i = 0; i < 30; i++) assert_true(d.x[i] == (double)img[i] / 255.0);
  assert_true(d.x[0] == 1.0 && d.x[1] == 0.0);
  for (int i = 0; i < 5; i++) assert_int_equal(d.labels[i], lab[i]);
  nn_batch b = data_set_batch(&d);
  assert_int_equal(b.n, 5);
  assert_ptr_equal(b.x, d.x);
  assert_ptr_equal(b.labels, d.labels);
  data_set_free(&d);
  assert_null(d.x);

  /* the first 3 only */
  assert_int_equal(data_images_load(&d, ip, lp, 3, 10, &e), SYN_OK);
  assert_int_equal(d.n, 3);
  assert_memory_equal(d.x_u8, img, 18);
  data_set_free(&d);
  /* limit == count is fine */
  assert_int_equal(data_images_load(&d, ip, lp, 5, 10, &e), SYN_OK);
  data_set_free(&d);

  /* count mismatch: names both files */
  assert_int_equal(data_images_load(&d, ip, lp4, 0, 10, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, ip);
  assert_contains(e.msg, lp4);
  assert_null(d.x);
  /* a label at or above the class count */
  assert_int_equal(data_images_load(&d, ip, lpbad, 0, 10, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, lpbad);
  assert_contains(e.msg, "10");
  assert_null(d.labels);
  assert_int_equal(data_images_load(&d, ip, lp, 0, 9, &e), SYN_ERR_FORMAT); /* label 9, 9 classes */
  assert_contains(e.msg, lp);
  /* ... but only the labels in use are checked */
  assert_int_equal(data_images_load(&d, ip, lpbad, 4, 10, &e), SYN_OK);
  data_set_free(&d);
  /* limit above the count */
  assert_int_equal(data_images_load(&d, ip, lp, 6, 10, &e), SYN_ERR_ARG);
  assert_contains(e.msg, ip);
  assert_null(d.x);
  /* files swapped: labels where images belong */
  assert_int_equal(data_images_load(&d, lp, ip, 0, 10, &e), SYN_ERR_FORMAT);
  assert_contains(e.msg, lp);
  /* a missing label file: the path is named */
  char miss[512];
  tu_path(miss, sizeof miss, "nope-idx1-ubyte");
  assert_int_equal(data_images_load(&d, ip, miss, 0, 10, &e), SYN_ERR_IO);
  assert_contains(e.msg, miss);
  free(img);
}

/* ---------------- random split ---------------- */
static void make_rows(data_set *d, size_t n) {
  memset(d, 0, sizeof *d);
  d->n = n;
  d->in_dim = 2;
  d->out_dim = 3;
  d->x = core_alloc(n * 2 * sizeof(double));
  d->x_u8 = core_alloc(n * 2);
  d->labels = core_alloc(n * sizeof(int32_t));
  for (size_t i = 0; i < n; i++) {
    d->x[2 * i] = (double)i;
    d->x[2 * i + 1] = -(double)i;
    d->x_u8[2 * i] = (uint8_t)i;
    d->x_u8[2 * i + 1] = (uint8_t)(i >> 8);
    d->labels[i] = (int32_t)(i % 3);
  }
}

static void check_split(const data_set *all, const data_set *tr, const data_set *va) {
  assert_int_equal(tr->n + va->n, all->n);
  int *seen = calloc(all->n, sizeof *seen);
  const data_set *parts[2] = {tr, va};
  for (int k = 0; k < 2; k++) {
    const data_set *s = parts[k];
    assert_int_equal(s->in_dim, all->in_dim);
    assert_int_equal(s->out_dim, all->out_dim);
    double prev = -1;
    for (size_t r = 0; r < s->n; r++) {
      double xi = s->x[2 * r];
      size_t i = (size_t)xi;
      assert_true(i < all->n);
      assert_true(xi > prev); /* original order kept */
      prev = xi;
      assert_int_equal(seen[i], 0); /* disjoint, no duplicates */
      seen[i] = 1;
      assert_true(s->x[2 * r + 1] == all->x[2 * i + 1]);
      assert_int_equal(s->labels[r], all->labels[i]);
      assert_int_equal(s->x_u8[2 * r], all->x_u8[2 * i]);
      assert_int_equal(s->x_u8[2 * r + 1], all->x_u8[2 * i + 1]);
    }
  }
  for (size_t i = 0; i < all->n; i++) assert_int_equal(seen[i], 1); /* covers everything */
  free(seen);
}

static void test_split(void **st) {
  (void)st;
  data_set all, tr, va, tr2, va2, tr3, va3;
  make_rows(&all, 10000);
  syn_err e = {0};
  assert_int_equal(data_split_random(&all, 0.25, 42, &tr, &va, &e), SYN_OK);
  check_split(&all, &tr, &va);
  /* binomial(10000, 0.25): sd 43; 5 sd is about 0.022 */
  double frac = (double)va.n / (double)all.n;
  if (fabs(frac - 0.25) > 0.022) fail_msg("validation fraction %g, expected about 0.25", frac);
  /* same seed, same split */
  assert_int_equal(data_split_random(&all, 0.25, 42, &tr2, &va2, &e), SYN_OK);
  assert_int_equal(tr2.n, tr.n);
  assert_memory_equal(tr2.x, tr.x, tr.n * 2 * sizeof(double));
  assert_memory_equal(va2.x, va.x, va.n * 2 * sizeof(double));
  /* another seed, another split */
  assert_int_equal(data_split_random(&all, 0.25, 43, &tr3, &va3, &e), SYN_OK);
  check_split(&all, &tr3, &va3);
  assert_true(tr3.n != tr.n || memcmp(tr3.x, tr.x, tr.n * 2 * sizeof(double)) != 0);
  data_set_free(&tr);
  data_set_free(&va);
  data_set_free(&tr2);
  data_set_free(&va2);
  data_set_free(&tr3);
  data_set_free(&va3);

  /* other fractions */
  const double ps[] = {0.0, 0.05, 0.5, 0.9};
  for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
    assert_int_equal(data_split_random(&all, ps[i], 7, &tr, &va, &e), SYN_OK);
    check_split(&all, &tr, &va);
    double f = (double)va.n / (double)all.n;
    if (fabs(f - ps[i]) > 0.025) fail_msg("p %g: validation fraction %g", ps[i], f);
    if (ps[i] == 0.0) assert_int_equal(va.n, 0);
    data_set_free(&tr);
    data_set_free(&va);
  }
  /* fractions out of range */
  const double badp[] = {-0.1, 1.0, 1.5, NAN};
  for (size_t i = 0; i < sizeof badp / sizeof *badp; i++) {
    memset(&tr, 0, sizeof tr);
    memset(&va, 0, sizeof va);
    assert_int_equal(data_split_random(&all, badp[i], 7, &tr, &va, &e), SYN_ERR_ARG);
  }
  /* subset of chosen rows */
  const uint32_t idx[3] = {9999, 0, 17};
  data_set sub;
  assert_int_equal(data_set_subset(&sub, &all, idx, 3, &e), SYN_OK);
  assert_true(sub.x[0] == 9999 && sub.x[2] == 0 && sub.x[4] == 17);
  assert_int_equal(sub.labels[0], 9999 % 3);
  data_set_free(&sub);
  data_set_free(&all);
}

/* ---------------- the 2D boundary task ---------------- */
static void small_cfg(boundary2d_config *c, uint64_t seed) {
  boundary2d_config_default(c);
  c->hidden = 12;
  c->n_train = 300;
  c->n_valid = 100;
  c->seed = seed;
}

static void test_boundary_defaults(void **st) {
  (void)st;
  boundary2d_config c;
  boundary2d_config_default(&c);
  assert_int_equal(c.hidden, 100);
  assert_true(c.weight_range == 1.0 && c.point_range == 10.0);
  assert_int_equal(c.n_train, 2000);
}

static void test_boundary(void **st) {
  (void)st;
  boundary2d_config c;
  small_cfg(&c, 5);
  nn_mlp t1, t2, t3;
  data_set tr1, va1, tr2, va2, tr3, va3;
  syn_err e = {0};
  assert_int_equal(boundary2d_make(&c, &t1, &tr1, &va1, &e), SYN_OK);
  assert_int_equal(boundary2d_make(&c, &t2, &tr2, &va2, &e), SYN_OK);
  /* shape: 2-hidden-1 tanh, tanh */
  assert_int_equal(t1.n_layers, 2);
  assert_true(t1.widths[0] == 2 && t1.widths[1] == 12 && t1.widths[2] == 1);
  assert_true(t1.act[0] == NN_ACT_TANH && t1.act[1] == NN_ACT_TANH);
  assert_int_equal(tr1.n, 300);
  assert_int_equal(va1.n, 100);
  assert_true(tr1.in_dim == 2 && tr1.out_dim == 1);
  assert_null(tr1.labels);
  assert_null(tr1.x_u8);
  /* same seed: identical network, points and targets */
  assert_memory_equal(t1.params, t2.params, t1.n_params * sizeof(double));
  assert_memory_equal(tr1.x, tr2.x, 600 * sizeof(double));
  assert_memory_equal(tr1.targets, tr2.targets, 300 * sizeof(double));
  assert_memory_equal(va1.targets, va2.targets, 100 * sizeof(double));
  /* another seed: another boundary and other points */
  small_cfg(&c, 6);
  assert_int_equal(boundary2d_make(&c, &t3, &tr3, &va3, &e), SYN_OK);
  assert_memory_not_equal(t1.params, t3.params, t1.n_params * sizeof(double));
  assert_memory_not_equal(tr1.x, tr3.x, 600 * sizeof(double));
  assert_memory_not_equal(tr1.targets, tr3.targets, 300 * sizeof(double));
  /* points in [-10, 10]; validation points are not the training points */
  for (size_t i = 0; i < 600; i++) assert_true(tr1.x[i] >= -10 && tr1.x[i] <= 10);
  for (size_t i = 0; i < 200; i++) assert_true(va1.x[i] >= -10 && va1.x[i] <= 10);
  assert_memory_not_equal(tr1.x, va1.x, 200 * sizeof(double));
  /* spread over the square, not clustered */
  double mn = 1e9, mx = -1e9;
  for (size_t i = 0; i < 600; i++) mn = fmin(mn, tr1.x[i]), mx = fmax(mx, tr1.x[i]);
  assert_true(mn < -9 && mx > 9);
  /* target network: biases zero, weights in [-1, 1], not all zero */
  int nonzero = 0;
  for (int l = 0; l < 2; l++) {
    int in = t1.widths[l], out = t1.widths[l + 1];
    for (int j = 0; j < out; j++) assert_true(t1.w[l][j] == 0.0);
    for (int i = out; i < (in + 1) * out; i++) {
      assert_true(t1.w[l][i] >= -1 && t1.w[l][i] <= 1);
      nonzero += t1.w[l][i] != 0;
    }
  }
  assert_int_equal(nonzero, 2 * 12 + 12);
  /* targets are the target network's outputs: by hand ... */
  int pos = 0;
  for (size_t r = 0; r < 300; r++) {
    const double *x = tr1.x + 2 * r;
    double y = t1.w[1][0];
    for (int j = 0; j < 12; j++) {
      double z = t1.w[0][j] + x[0] * t1.w[0][12 + j] + x[1] * t1.w[0][24 + j];
      y += tanh(z) * t1.w[1][1 + j];
    }
    y = tanh(y);
    if (fabs(y - tr1.targets[r]) > 1e-12) fail_msg("row %zu: target %.17g, by hand %.17g", r, tr1.targets[r], y);
    pos += tr1.targets[r] > 0;
  }
  /* ... and through nn_mlp_forward_rows one row at a time */
  nn_ws ws;
  assert_int_equal(nn_ws_create(&ws, &t1, 1, &e), SYN_OK);
  for (size_t r = 0; r < 100; r += 9) {
    nn_batch b = {.n = 1, .in_dim = 2, .x = va1.x + 2 * r, .out_dim = 1};
    nn_mlp_forward_rows(&t1, &b, &ws, 0, 0, 1);
    if (fabs(ws.h[1][0] - va1.targets[r]) > 1e-12)
      fail_msg("valid row %zu: target %.17g, forward %.17g", r, va1.targets[r], ws.h[1][0]);
  }
  nn_ws_destroy(&ws);
  /* a boundary, not a constant: both signs occur */
  assert_true(pos > 0 && pos < 300);

  nn_mlp_destroy(&t1);
  nn_mlp_destroy(&t2);
  nn_mlp_destroy(&t3);
  data_set_free(&tr1);
  data_set_free(&va1);
  data_set_free(&tr2);
  data_set_free(&va2);
  data_set_free(&tr3);
  data_set_free(&va3);
}

static void test_boundary_edges(void **st) {
  (void)st;
  boundary2d_config c;
  small_cfg(&c, 9);
  nn_mlp t;
  data_set tr, va, tr2;
  syn_err e = {0};
  /* no validation set requested */
  c.n_valid = 0;
  memset(&va, 0x5a, sizeof va);
  assert_int_equal(boundary2d_make(&c, &t, &tr, &va, &e), SYN_OK);
  assert_int_equal(va.n, 0);
  assert_null(va.x);
  nn_mlp_destroy(&t);
  /* valid == NULL: the training set is the same as with a validation set */
  assert_int_equal(boundary2d_make(&c, &t, &tr2, NULL, &e), SYN_OK);
  assert_memory_equal(tr.x, tr2.x, tr.n * 2 * sizeof(double));
  nn_mlp_destroy(&t);
  data_set_free(&tr);
  data_set_free(&tr2);
  /* bad configurations */
  c.hidden = 0;
  assert_int_equal(boundary2d_make(&c, &t, &tr, &va, &e), SYN_ERR_ARG);
  small_cfg(&c, 9);
  c.n_train = 0;
  assert_int_equal(boundary2d_make(&c, &t, &tr, &va, &e), SYN_ERR_ARG);
  /* other ranges are honoured */
  small_cfg(&c, 9);
  c.point_range = 0.5;
  c.weight_range = 0.25;
  assert_int_equal(boundary2d_make(&c, &t, &tr, NULL, &e), SYN_OK);
  for (size_t i = 0; i < 2 * tr.n; i++) assert_true(fabs(tr.x[i]) <= 0.5);
  for (size_t i = 0; i < t.n_params; i++) assert_true(fabs(t.params[i]) <= 0.25);
  nn_mlp_destroy(&t);
  data_set_free(&tr);
}

int main(void) {
  blas_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_save_load_roundtrip),
      cmocka_unit_test(test_hand_built),
      cmocka_unit_test(test_bad_headers),
      cmocka_unit_test(test_bad_sizes),
      cmocka_unit_test(test_corrupt_gzip),
      cmocka_unit_test(test_empty_missing),
      cmocka_unit_test(test_find),
      cmocka_unit_test(test_images_load),
      cmocka_unit_test(test_split),
      cmocka_unit_test(test_boundary_defaults),
      cmocka_unit_test(test_boundary),
      cmocka_unit_test(test_boundary_edges),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
