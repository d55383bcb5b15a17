/* Coagent network files (synrl rl's nets.bin, one or two networks): what
 * loads must save and load back bit for bit. */
#include "fuzz_util.h"
#include "synrl/learn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_path("coag"), *out = fuzz_path("coag-out");
  if (fuzz_write(path, data, size)) return 0;
  for (int count = 1; count <= 2; count++) {
    coa_net nets[2], back[2];
    syn_err e = {0};
    if (coa_nets_load(nets, count, path, &e) != SYN_OK) {
      if (!strstr(e.msg, path)) abort();
      continue;
    }
    const coa_net *ptrs[2] = {&nets[0], &nets[1]};
    if (coa_nets_save(ptrs, count, out, &e) != SYN_OK) abort();
    if (coa_nets_load(back, count, out, &e) != SYN_OK) abort();
    for (int i = 0; i < count; i++) {
      if (back[i].n_params != nets[i].n_params ||
          memcmp(back[i].params, nets[i].params, nets[i].n_params * sizeof(double)) != 0)
        abort();
      coa_net_destroy(&nets[i]);
      coa_net_destroy(&back[i]);
    }
    unlink(out);
  }
  unlink(path);
  return 0;
}
