/* data/letters.c: the notMNIST-like set rendered from fonts. Uses the DejaVu
 * faces of fonts-dejavu-core (skipped when they are not installed), broken
 * font files the test writes itself, and checks determinism, the split, the
 * image geometry and the IDX files read back. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include "synrl/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void bad_settings(void **st) {
  letters_config c;
  letters_config_default(&c);
  assert_int_equal(c.size, 28);
  letters_result r;
  syn_err e = {0};
  c.size = 4;
#ifdef SYNRL_HAVE_FREETYPE
  assert_int_equal(letters_make(&c, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "size");
  c.size = 28;
  c.test_frac = 1;
  assert_int_equal(letters_make(&c, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "test-frac");
#else
  /* without FreeType every call says how to get it */
  assert_int_equal(letters_make(&c, &r, &e), SYN_ERR_UNSUPPORTED);
  assert_contains(e.msg, "libfreetype-dev");
#endif
  size_t n;
  const char *const *dirs = letters_default_dirs(&n);
  assert_true(n > 10);
  assert_non_null(strstr(dirs[0], "/usr/share"));
  assert_non_null(strstr(letters_default_packages(), "fonts-dejavu-core"));
}

#ifdef SYNRL_HAVE_FREETYPE
#define DEJAVU "/usr/share/fonts/truetype/dejavu/"
static const char *const dejavu[] = {DEJAVU "DejaVuSans.ttf", DEJAVU "DejaVuSerif.ttf",
                                     DEJAVU "DejaVuSansMono.ttf", DEJAVU "DejaVuSans-Bold.ttf"};
#define N_DEJAVU 4

static bool have_dejavu(void) {
  struct stat sb;
  for (int i = 0; i < N_DEJAVU; i++)
    if (stat(dejavu[i], &sb) != 0) return false;
  return true;
}

/* The three DejaVu faces, a garbage .ttf and a missing file. */
static void make_mixed(letters_result *r, uint64_t seed) {
  char garbage[512];
  tu_path(garbage, sizeof garbage, "garbage.ttf");
  tu_spit(garbage, "this is not a font file, only text\n", 35);
  const char *fonts[] = {dejavu[0], garbage, dejavu[1], "/nonexistent/none.ttf", dejavu[2],
                         dejavu[3]};
  letters_config c;
  letters_config_default(&c);
  c.fonts = fonts;
  c.n_fonts = 6;
  c.seed = seed;
  c.test_frac = 0.25;
  syn_err e = {0};
  assert_int_equal(letters_make(&c, r, &e), SYN_OK);
}

static const letters_font *font_named(const letters_result *r, const char *tail) {
  for (size_t i = 0; i < r->n_fonts; i++) {
    size_t a = strlen(r->fonts[i].path), b = strlen(tail);
    if (a >= b && strcmp(r->fonts[i].path + a - b, tail) == 0) return &r->fonts[i];
  }
  return NULL;
}

static void broken_fonts_skipped(void **st) {
  if (!have_dejavu()) skip();
  letters_result r;
  make_mixed(&r, 1);
  assert_int_equal(r.n_fonts, 6);
  assert_int_equal(r.n_used, 4);
  assert_int_equal(r.n_skipped, 2);
  assert_int_equal(r.n_test_fonts, 1);
  const letters_font *g = font_named(&r, "garbage.ttf"), *m = font_named(&r, "none.ttf");
  assert_non_null(g);
  assert_non_null(m);
  assert_false(g->used);
  assert_contains(g->why, "FreeType cannot load");
  assert_false(m->used);
  assert_contains(m->why, "cannot open");
  const letters_font *s = font_named(&r, "DejaVuSans.ttf");
  assert_true(s && s->used && !s->why[0]);
  assert_string_equal(s->family, "DejaVu Sans");
  assert_true(s->file_fnv1a64 != 0);
  /* counts: 10 letters per face; whole faces per set */
  assert_int_equal(r.train_labels.dims[0], 30);
  assert_int_equal(r.test_labels.dims[0], 10);
  for (int k = 0; k < LETTERS_CLASSES; k++) {
    assert_int_equal(r.train_per_class[k], 3);
    assert_int_equal(r.test_per_class[k], 1);
  }
  letters_result_free(&r);
}

static void deterministic_and_seeded(void **st) {
  if (!have_dejavu()) skip();
  letters_result a, b, c;
  make_mixed(&a, 7);
  make_mixed(&b, 7);
  make_mixed(&c, 8);
  assert_int_equal(a.train_images.count, b.train_images.count);
  assert_memory_equal(a.train_images.data, b.train_images.data, a.train_images.count);
  assert_memory_equal(a.train_labels.data, b.train_labels.data, a.train_labels.count);
  assert_memory_equal(a.test_images.data, b.test_images.data, a.test_images.count);
  /* another seed: the same 40 images, in another order or split */
  assert_int_equal(c.train_images.count + c.test_images.count,
                   a.train_images.count + a.test_images.count);
  assert_true(memcmp(a.train_labels.data, c.train_labels.data, a.train_labels.count) != 0 ||
              memcmp(a.test_images.data, c.test_images.data, a.test_images.count) != 0);
  letters_result_free(&a);
  letters_result_free(&b);
  letters_result_free(&c);
}

/* Each image: the ink's box has its longer side (nearly) filling the image
 * and is centred within a pixel. */
static void glyphs_fit_and_centred(void **st) {
  if (!have_dejavu()) skip();
  letters_result r;
  make_mixed(&r, 1);
  const int n = 28;
  for (size_t i = 0; i < r.train_labels.count; i++) {
    const uint8_t *im = r.train_images.data + i * n * n;
    int x0 = n, x1 = -1, y0 = n, y1 = -1;
    for (int y = 0; y < n; y++)
      for (int x = 0; x < n; x++)
        if (im[y * n + x]) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
    assert_true(x1 >= 0);
    const int w = x1 - x0 + 1, h = y1 - y0 + 1;
    if (!(w >= n - 1 || h >= n - 1)) fail_msg("image %zu: ink box %dx%d", i, w, h);
    if (abs((x0 + x1) - (n - 1)) > 2 || abs((y0 + y1) - (n - 1)) > 2)
      fail_msg("image %zu: ink box [%d,%d]x[%d,%d] not centred", i, x0, x1, y0, y1);
  }
  letters_result_free(&r);
}

static void written_and_read_back(void **st) {
  if (!have_dejavu()) skip();
  letters_result r;
  make_mixed(&r, 3);
  letters_config c;
  letters_config_default(&c);
  c.seed = 3;
  char dir[512], path[600];
  for (int gz = 0; gz < 2; gz++) {
    tu_path(dir, sizeof dir, gz ? "letters_gz" : "letters_raw");
    mkdir(dir, 0755);
    syn_err e = {0};
    assert_int_equal(letters_write(&r, &c, dir, gz, &e), SYN_OK);
    idx_dir_files f;
    assert_int_equal(idx_dir_find(&f, dir, &e), SYN_OK);
    assert_int_equal(strcmp(f.train_images + strlen(f.train_images) - 3, ".gz") == 0, gz);
    idx_array im, lb;
    assert_int_equal(idx_load_u8(&im, f.train_images, 3, &e), SYN_OK);
    assert_int_equal(im.dims[0], 30);
    assert_int_equal(im.dims[1], 28);
    assert_int_equal(im.dims[2], 28);
    assert_memory_equal(im.data, r.train_images.data, im.count);
    assert_int_equal(idx_load_u8(&lb, f.test_labels, 1, &e), SYN_OK);
    assert_int_equal(lb.dims[0], 10);
    for (size_t i = 0; i < lb.count; i++) assert_true(lb.data[i] < 10);
    idx_free(&im);
    idx_free(&lb);
    /* what the image tasks load */
    data_set train, test;
    assert_int_equal(data_idx_dir_load(&f, 10, 28, 28, &train, &test, &e), SYN_OK);
    assert_int_equal(train.n, 30);
    assert_int_equal(test.n, 10);
    data_set_free(&train);
    data_set_free(&test);
    snprintf(path, sizeof path, "%s/letters.json", dir);
    long n;
    char *m = (char *)tu_slurp(path, &n);
    assert_non_null(m);
    m = realloc(m, (size_t)n + 1);
    m[n] = 0;
    assert_contains(m, "\"seed\":\t3");
    assert_contains(m, "DejaVuSans.ttf");
    assert_contains(m, "file_fnv1a64");
    assert_contains(m, "garbage.ttf");
    assert_contains(m, "\"per_class\":\t[3, 3, 3, 3, 3, 3, 3, 3, 3, 3]");
    free(m);
  }
  letters_result_free(&r);
}

/* A folder: scanned recursively, other files ignored, the same face twice
 * rendered once. */
static void font_dir_scanned(void **st) {
  if (!have_dejavu()) skip();
  char dir[512], sub[600], path[700];
  tu_path(dir, sizeof dir, "fontdir");
  mkdir(dir, 0755);
  snprintf(sub, sizeof sub, "%s/sub", dir);
  mkdir(sub, 0755);
  long ns, nf;
  unsigned char *sans = tu_slurp(dejavu[0], &ns), *serif = tu_slurp(dejavu[1], &nf);
  assert_non_null(sans);
  assert_non_null(serif);
  snprintf(path, sizeof path, "%s/a.ttf", dir);
  tu_spit(path, sans, (size_t)ns);
  snprintf(path, sizeof path, "%s/b.TTF", sub);
  tu_spit(path, serif, (size_t)nf);
  snprintf(path, sizeof path, "%s/c.ttf", sub); /* a copy: same images as a.ttf */
  tu_spit(path, sans, (size_t)ns);
  snprintf(path, sizeof path, "%s/readme.txt", dir);
  tu_spit(path, "x", 1);
  snprintf(path, sizeof path, "%s/broken.otf", dir);
  tu_spit(path, sans, 100); /* truncated */
  free(sans);
  free(serif);
  const char *dirs[] = {dir};
  letters_config c;
  letters_config_default(&c);
  c.dirs = dirs;
  c.n_dirs = 1;
  letters_result r;
  syn_err e = {0};
  assert_int_equal(letters_make(&c, &r, &e), SYN_OK);
  assert_int_equal(r.n_fonts, 4);
  assert_int_equal(r.n_used, 2);
  const letters_font *copy = font_named(&r, "sub/c.ttf"), *br = font_named(&r, "broken.otf");
  assert_non_null(copy);
  assert_contains(copy->why, "the same images as");
  assert_non_null(br);
  assert_false(br->used);
  letters_result_free(&r);
  /* nothing usable: an error, not an empty set */
  const char *only_broken[] = {"/nonexistent/x.ttf"};
  c.dirs = NULL;
  c.n_dirs = 0;
  c.fonts = only_broken;
  c.n_fonts = 1;
  assert_int_equal(letters_make(&c, &r, &e), SYN_ERR_ARG);
  assert_contains(e.msg, "usable");
  /* a folder that cannot be read */
  const char *missing[] = {"/nonexistent/fonts"};
  c.fonts = NULL;
  c.n_fonts = 0;
  c.dirs = missing;
  c.n_dirs = 1;
  assert_int_equal(letters_make(&c, &r, &e), SYN_ERR_IO);
  assert_contains(e.msg, "/nonexistent/fonts");
}
#endif

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(bad_settings),
#ifdef SYNRL_HAVE_FREETYPE
      cmocka_unit_test(broken_fonts_skipped),
      cmocka_unit_test(deterministic_and_seeded),
      cmocka_unit_test(glyphs_fit_and_centred),
      cmocka_unit_test(written_and_read_back),
      cmocka_unit_test(font_dir_scanned),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
