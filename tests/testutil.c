#define _XOPEN_SOURCE 700 /* mkdtemp */
#include "testutil.h"

#include <dirent.h>
#include <zlib.h>

#include "synrl/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

const char *tu_tmpdir(void) {
  static char dir[256];
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/synrl-test-XXXXXX");
    if (!mkdtemp(dir)) abort();
  }
  return dir;
}

void tu_path(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", tu_tmpdir(), name); }

const char *tu_source_dir(void) {
  const char *s = getenv("SYNRL_SOURCE_DIR");
  return s ? s : ".";
}

/* Random image-like rows (bytes, x = byte / 255) whose bright inputs carry the
 * label, for the 8-bit path tests. */
void tu_make_images(data_set *d, size_t n, int in, int classes, uint64_t seed) {
  memset(d, 0, sizeof *d);
  d->n = n;
  d->in_dim = in;
  d->out_dim = classes;
  d->x = core_alloc(n * (size_t)in * sizeof(double));
  d->x_u8 = core_alloc(n * (size_t)in);
  d->labels = core_alloc(n * sizeof(int32_t));
  assert_non_null(d->x);
  assert_non_null(d->x_u8);
  assert_non_null(d->labels);
  rng_t g;
  rng_seed(&g, seed, 77);
  for (size_t r = 0; r < n; r++) {
    int y = (int)rng_below(&g, (uint64_t)classes);
    d->labels[r] = y;
    for (int i = 0; i < in; i++) {
      uint8_t v = (uint8_t)rng_below(&g, 256);
      if (i % classes == y && v < 128) v = (uint8_t)(v + 127); /* bias toward bright */
      if (i == 0 && r % 7 == 0) v = 255;
      if (i == 1 && r % 5 == 0) v = 0;
      d->x_u8[r * (size_t)in + i] = v;
    }
  }
  for (size_t i = 0; i < n * (size_t)in; i++) d->x[i] = (double)d->x_u8[i] / 255.0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* cmocka group teardown: removes the per-process temporary directory */
int tu_teardown_tmp(void **st) {
  (void)st;
  nftw(tu_tmpdir(), rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}

long tu_file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

unsigned char *tu_slurp(const char *path, long *n) {
  *n = tu_file_size(path);
  assert_true(*n >= 0);
  unsigned char *b = malloc((size_t)*n + 1);
  assert_non_null(b);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fread(b, 1, (size_t)*n, f), (size_t)*n);
  fclose(f);
  return b;
}

void tu_spit(const char *path, const void *b, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  if (n) assert_int_equal(fwrite(b, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

void tu_replay_ckpt_inputs(const char *harness, const char *sub, int seeds,
                           int (*resume)(const char *path)) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/fuzz/%s/%s", tu_source_dir(), sub, harness);
  DIR *d = opendir(dir);
  if (!d) {
    if (seeds) fail_msg("no seed corpus in %s", dir);
    return;
  }
  int n = 0;
  for (struct dirent *de; (de = readdir(d));) {
    if (de->d_name[0] == '.') continue;
    char src[4400], path[512];
    snprintf(src, sizeof src, "%s/%s", dir, de->d_name);
    long size;
    unsigned char *b = tu_slurp(src, &size);
    assert_non_null(b);
    b = realloc(b, (size_t)size + 4);
    assert_non_null(b);
    const uint32_t crc = (uint32_t)crc32(0L, b, (uInt)size);
    for (int i = 0; i < 4; i++) b[size + i] = (unsigned char)(crc >> (8 * i));
    tu_path(path, sizeof path, "replay.ckpt");
    tu_spit(path, b, (size_t)size + 4);
    free(b);
    const int resumed = resume(path);
    if (resumed < 0) fail_msg("%s/%s: a run that loaded did not end, or an error without a message", sub, de->d_name);
    if (seeds && resumed != 1) fail_msg("seed %s resumed %d runs, expected its own", de->d_name, resumed);
    n++;
  }
  closedir(d);
  if (seeds) assert_true(n > 0);
}
