/* CIFAR-10 binary batches: every error names the file; what loads has labels
 * below 10 and 3072 inputs per row. */
#include "fuzz_util.h"
#include "synrl/train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_path("cifar.bin");
  if (fuzz_write(path, data, size)) return 0;
  data_set d;
  memset(&d, 0, sizeof d);
  syn_err e = {0};
  const char *paths[1] = {path};
  if (cifar_load(&d, paths, 1, &e) != SYN_OK) {
    if (!strstr(e.msg, path)) abort();
  } else {
    if (d.in_dim != 3072 || d.n != size / 3073) abort();
    for (size_t r = 0; r < d.n; r++)
      if (d.labels[r] < 0 || d.labels[r] > 9) abort();
  }
  data_set_free(&d);
  unlink(path);
  return 0;
}
