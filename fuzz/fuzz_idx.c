/* IDX files as they come (raw, or gzip when they start with its magic: zlib
 * reads both), expected as 1-D labels, 3-D images, and as the dimension count
 * the file itself claims. */
#include "fuzz_util.h"
#include "synrl/train.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_path("idx");
  if (fuzz_write(path, data, size)) return 0;
  int claimed = size >= 4 && data[3] >= 1 && data[3] <= 4 ? data[3] : 2;
  const int nd[3] = {1, 3, claimed};
  for (int i = 0; i < 3; i++) {
    idx_array a;
    syn_err e = {0};
    if (idx_load_u8(&a, path, nd[i], &e) == SYN_OK) {
      size_t count = 1;
      for (int d = 0; d < a.ndim; d++) count *= a.dims[d];
      if (count != a.count || a.ndim != nd[i]) abort();
      volatile uint8_t sink = a.data[a.count - 1]; /* the whole buffer is there */
      (void)sink;
      idx_free(&a);
    } else if (!e.msg[0] || !strstr(e.msg, path)) {
      abort(); /* every error names the file */
    }
  }
  unlink(path);
  return 0;
}
