/* CIFAR-10 binary batches (data_batch_N.bin, test_batch.bin): 10,000 records
 * of 3073 bytes each, label first, then the red, green and blue planes. */
#define _POSIX_C_SOURCE 200809L
#include "synrl/data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CIFAR_SIDE 32
#define CIFAR_PIX (CIFAR_SIDE * CIFAR_SIDE)
#define CIFAR_REC (1 + 3 * CIFAR_PIX)

syn_status cifar_load(data_set *d, const char *const *paths, int n_paths, syn_err *e) {
  memset(d, 0, sizeof *d);
  if (n_paths < 1) return syn_err_set(e, SYN_ERR_ARG, "cifar: no files given");
  size_t total = 0, sizes[64];
  if (n_paths > 64) return syn_err_set(e, SYN_ERR_ARG, "cifar: at most 64 files");
  for (int f = 0; f < n_paths; f++) {
    struct stat sb;
    if (stat(paths[f], &sb) != 0)
      return syn_err_set(e, SYN_ERR_IO, "%s: cannot open: %s", paths[f], strerror(errno));
    if (!S_ISREG(sb.st_mode) || sb.st_size == 0 || (size_t)sb.st_size % CIFAR_REC != 0)
      return syn_err_set(e, SYN_ERR_FORMAT,
                         "%s: %lld bytes is not a whole number of %d-byte CIFAR-10 records",
                         paths[f], (long long)sb.st_size, CIFAR_REC);
    sizes[f] = (size_t)sb.st_size / CIFAR_REC;
    total += sizes[f];
  }
  const size_t in = 3 * CIFAR_PIX;
  d->n = total;
  d->in_dim = (int)in;
  d->out_dim = 10;
  d->x = core_alloc(total * in * sizeof(double));
  d->x_u8 = core_alloc(total * in);
  d->labels = core_alloc(total * sizeof(int32_t));
  unsigned char *rec = malloc(CIFAR_REC);
  syn_status s = SYN_OK;
  if (!d->x || !d->x_u8 || !d->labels || !rec) {
    s = syn_err_set(e, SYN_ERR_NOMEM, "cifar: out of memory for %zu images", total);
    goto done;
  }
  size_t row = 0;
  for (int f = 0; f < n_paths && !s; f++) {
    FILE *fp = fopen(paths[f], "rb");
    if (!fp) {
      s = syn_err_set(e, SYN_ERR_IO, "%s: cannot open: %s", paths[f], strerror(errno));
      break;
    }
    for (size_t i = 0; i < sizes[f]; i++, row++) {
      if (fread(rec, 1, CIFAR_REC, fp) != CIFAR_REC) {
        s = syn_err_set(e, SYN_ERR_FORMAT, "%s: truncated in record %zu", paths[f], i);
        break;
      }
      if (rec[0] >= 10) {
        s = syn_err_set(e, SYN_ERR_FORMAT, "%s: record %zu: label %u is not below 10", paths[f], i,
                        rec[0]);
        break;
      }
      d->labels[row] = rec[0];
      uint8_t *u = d->x_u8 + row * in;
      for (int p = 0; p < CIFAR_PIX; p++)
        for (int c = 0; c < 3; c++) u[p * 3 + c] = rec[1 + c * CIFAR_PIX + p];
    }
    fclose(fp);
  }
  if (!s)
    for (size_t i = 0; i < total * in; i++) d->x[i] = (double)d->x_u8[i] / 255.0;
done:
  free(rec);
  if (s) data_set_free(d);
  return s;
}
