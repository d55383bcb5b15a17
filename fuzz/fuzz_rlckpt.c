/* RL checkpoints: each small run of rl_ckpt_setup.h resumed from the input
 * (fuzzing builds skip the CRC check, so mutations reach the section
 * readers: loop counters, rows, environment states, learners). Nothing may
 * crash or hang; a checkpoint that loads must run to the end. */
#include "fuzz_util.h"
#include "rl_ckpt_setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  return fuzz_resume_ckpt(data, size, "rlckpt", fzr_resume_all);
}
