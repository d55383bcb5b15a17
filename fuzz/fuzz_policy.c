/* Policy files: the synrl text format and the authors' TSV, through each
 * loader and the one that picks by the first line. What loads must survive a
 * save/load round trip bit for bit. */
#include "fuzz_util.h"
#include "synrl/learn.h"

#include <math.h>

typedef syn_status (*loader)(synrl_policy *, const char *, syn_err *);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_path("policy"), *out = fuzz_path("policy-out");
  if (fuzz_write(path, data, size)) return 0;
  const loader loaders[3] = {synrl_policy_read, synrl_policy_load, synrl_policy_import_authors};
  for (int i = 0; i < 3; i++) {
    synrl_policy p, q;
    syn_err e = {0};
    if (loaders[i](&p, path, &e) != SYN_OK) {
      if (!strstr(e.msg, path)) abort();
      continue;
    }
    for (int k = 0; k < SYNRL_N_Q; k++)
      if (!isfinite(p.q[k])) abort();
    if (synrl_policy_save(&p, out, "fuzz", &e) != SYN_OK) abort();
    if (synrl_policy_load(&q, out, &e) != SYN_OK) abort();
    if (memcmp(&p, &q, sizeof p) != 0) abort();
    unlink(out);
  }
  unlink(path);
  return 0;
}
