/* Layered network files (synrl classify's net.bin): what loads must save and
 * load back bit for bit. */
#include "fuzz_util.h"
#include "synrl/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_path("lnet"), *out = fuzz_path("lnet-out");
  if (fuzz_write(path, data, size)) return 0;
  nn_net n, n2;
  syn_err e = {0};
  if (nn_net_load(&n, path, &e) != SYN_OK) {
    if (!strstr(e.msg, path)) abort();
    unlink(path);
    return 0;
  }
  if (nn_net_save(&n, out, &e) != SYN_OK) abort();
  if (nn_net_load(&n2, out, &e) != SYN_OK) abort();
  if (n2.n_params != n.n_params || memcmp(n.params, n2.params, n.n_params * sizeof(float)) != 0)
    abort();
  nn_net_destroy(&n);
  nn_net_destroy(&n2);
  unlink(out);
  unlink(path);
  return 0;
}
