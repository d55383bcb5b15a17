/* RL checkpoints: each small run of rl_ckpt_setup.h resumed from the input
 * (fuzzing builds skip the CRC check, so mutations reach the section
 * readers: loop counters, rows, environment states, learners). Nothing may
 * crash or hang; a checkpoint that loads must run to the end. */
#include "fuzz_util.h"
#include "rl_ckpt_setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_path("rlckpt");
  /* the file is the payload plus a CRC (not checked in fuzzing builds) */
  uint8_t *buf = malloc(size + 4);
  if (!buf) return 0;
  if (size) memcpy(buf, data, size);
  memset(buf + size, 0, 4);
  int w = fuzz_write(path, buf, size + 4);
  free(buf);
  if (w) return 0;
  if (fzr_resume_all(path) < 0) abort();
  unlink(path);
  return 0;
}
