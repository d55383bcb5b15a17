/* IDX content behind a valid gzip stream: the input is compressed first, so
 * the fuzzer explores the headers and sizes the decompressor hands over. */
#include "fuzz_util.h"
#include "synrl/train.h"

#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_path("idx.gz");
  gzFile g = gzopen(path, "wb1");
  if (!g) return 0;
  if (size && gzwrite(g, data, (unsigned)size) != (int)size) {
    gzclose(g);
    return 0;
  }
  if (gzclose(g) != Z_OK) return 0;
  int claimed = size >= 4 && data[3] >= 1 && data[3] <= 4 ? data[3] : 2;
  const int nd[3] = {1, 3, claimed};
  for (int i = 0; i < 3; i++) {
    idx_array a;
    syn_err e = {0};
    if (idx_load_u8(&a, path, nd[i], &e) == SYN_OK) {
      /* a valid stream: what loads is exactly the input */
      if (size < 4 + 4 * (size_t)a.ndim + a.count ||
          memcmp(a.data, data + 4 + 4 * (size_t)a.ndim, a.count) != 0)
        abort();
      idx_free(&a);
    } else if (!strstr(e.msg, path)) {
      abort();
    }
  }
  unlink(path);
  return 0;
}
