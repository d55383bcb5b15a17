/* Every input that once crashed a fuzz harness (fuzz/regress/<harness>/),
 * replayed through the same library calls in the ordinary build. The IDX
 * files there claimed gigabytes in a few bytes of header and made the loader
 * allocate all of it up front; here they must fail as format errors inside a
 * 256 MiB address space (that limit only where no sanitizer reserves
 * shadow memory). */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include "synrl/train.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* In a child with little memory: each expected dimension count must give a
 * format error naming the file. Exit status 0 if so. */
static int idx_child(const char *path, int claimed) {
  if (!UNDER_ASAN) {
    struct rlimit rl = {256u << 20, 256u << 20};
    setrlimit(RLIMIT_AS, &rl);
  }
  const int nd[3] = {1, 3, claimed}; /* as the harnesses */
  for (int i = 0; i < 3; i++) {
    idx_array a;
    syn_err e = {0};
    syn_status s = idx_load_u8(&a, path, nd[i], &e);
    if (s == SYN_OK) {
      idx_free(&a);
      continue;
    }
    if (s != SYN_ERR_FORMAT || !strstr(e.msg, path)) {
      fprintf(stderr, "%s: %s (%s)\n", path, e.msg, syn_status_name(s));
      return 1;
    }
  }
  return 0;
}

static void replay_dir(const char *harness, bool gz) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/fuzz/regress/%s", tu_source_dir(), harness);
  DIR *d = opendir(dir);
  if (!d) skip();
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char src[4400], path[4096];
    snprintf(src, sizeof src, "%s/%s", dir, de->d_name);
    long size;
    unsigned char *b = tu_slurp(src, &size);
    assert_non_null(b);
    tu_path(path, sizeof path, gz ? "regress.idx.gz" : "regress.idx");
    if (gz) { /* the harness compresses its input */
      gzFile g = gzopen(path, "wb1");
      assert_non_null(g);
      assert_int_equal(gzwrite(g, b, (unsigned)size), (int)size);
      assert_int_equal(gzclose(g), Z_OK);
    } else {
      tu_spit(path, b, (size_t)size);
    }
    int claimed = size >= 4 && b[3] >= 1 && b[3] <= 4 ? b[3] : 2;
    free(b);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(idx_child(path, claimed));
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) fail_msg("%s: %s", harness, de->d_name);
    n++;
  }
  closedir(d);
  assert_true(n > 0);
}

static void test_idx_raw(void **st) {
  (void)st;
  replay_dir("fuzz_idx", false);
}
static void test_idx_gz(void **st) {
  (void)st;
  replay_dir("fuzz_idx_gz", true);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_idx_raw),
      cmocka_unit_test(test_idx_gz),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
