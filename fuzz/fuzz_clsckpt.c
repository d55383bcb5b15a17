/* Classification checkpoints: each small run of cls_ckpt_setup.h resumed
 * from the input (fuzzing builds skip the CRC check, so mutations reach the
 * section readers: position, permutation, random streams, weights, best
 * weights, metrics rows). Nothing may crash or hang; an error must say why. */
#include "cls_ckpt_setup.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_resume_ckpt(data, size, "clsckpt", fzc_resume_all);
}
