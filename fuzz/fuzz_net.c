/* Network files (net.bin): what loads must save and load back bit for bit,
 * and run forward on one row. */
#include "fuzz_util.h"
#include "synrl/nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_path("net"), *out = fuzz_path("net-out");
  if (fuzz_write(path, data, size)) return 0;
  nn_mlp m, m2;
  syn_err e = {0};
  if (nn_mlp_load(&m, path, &e) != SYN_OK) {
    if (!strstr(e.msg, path)) abort();
    unlink(path);
    return 0;
  }
  if (nn_mlp_save(&m, out, &e) != SYN_OK) abort();
  if (nn_mlp_load(&m2, out, &e) != SYN_OK) abort();
  if (m2.n_params != m.n_params || memcmp(m.params, m2.params, m.n_params * sizeof(double)) != 0)
    abort();
  nn_ws ws;
  if (m.widths[0] <= 4096 && nn_ws_create(&ws, &m, 1, &e) == SYN_OK) {
    double x[4096] = {0};
    double y[1] = {0};
    nn_batch b = {.n = 1, .in_dim = m.widths[0], .x = x, .targets = y, .out_dim = 1};
    if (m.widths[m.n_layers] == 1) (void)nn_mlp_loss(&m, &b, &ws, NN_LOSS_EUCLID, NN_ACC_SIGN, NULL);
    nn_ws_destroy(&ws);
  }
  nn_mlp_destroy(&m);
  nn_mlp_destroy(&m2);
  unlink(out);
  unlink(path);
  return 0;
}
