/* Classification checkpoints: each small run of cls_ckpt_setup.h resumed
 * from the input (fuzzing builds skip the CRC check, so mutations reach the
 * section readers: position, permutation, random streams, weights, best
 * weights, metrics rows). Nothing may crash or hang; an error must say why. */
#include "cls_ckpt_setup.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_path("clsckpt");
  /* the file is the payload plus a CRC (not checked in fuzzing builds) */
  uint8_t *buf = malloc(size + 4);
  if (!buf) return 0;
  if (size) memcpy(buf, data, size);
  memset(buf + size, 0, 4);
  int w = fuzz_write(path, buf, size + 4);
  free(buf);
  if (w) return 0;
  if (fzc_resume_all(path) < 0) abort();
  unlink(path);
  return 0;
}
