/* Checkpoints: the container from memory, then each of the small runs of
 * ckpt_setup.h resumed from the input (fuzzing builds skip the CRC check, so
 * mutations reach the section readers). Nothing may crash; a checkpoint that
 * loads must run to the end. */
#include "fuzz_util.h"
#include "ckpt_setup.h"

#include <stdio.h>

/* every small run resumed from the file: a checkpoint that loads must run to
 * the end; one that does not must say why */
static int resume_all(const char *path) {
  syn_err e = {0};
  for (int k = 0; k < FZ_N_KINDS; k++) {
    fz_run r;
    if (fz_setup(&r, k)) abort();
    r.rc.resume_path = path;
    run_result res;
    if (run_train(r.rule, &r.train, NULL, NULL, &r.rc, &res, &e) == SYN_OK) {
      if (res.iterations != r.rc.iterations && !res.stopped_early && !res.aborted) abort();
    } else if (!e.msg[0]) {
      abort();
    }
    fz_free(&r);
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ckpt_file f;
  syn_err e = {0};
  if (ckpt_parse(&f, data, size, "fuzz", &e) == SYN_OK) {
    for (uint32_t i = 0; i < f.n_sections; i++)
      if (f.sec[i].off + f.sec[i].len > f.size || !ckpt_has(&f, f.sec[i].name)) abort();
    ckpt_file_free(&f);
  }
  return fuzz_resume_ckpt(data, size, "ckpt", resume_all);
}
