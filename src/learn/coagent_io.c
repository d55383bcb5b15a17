/* Coagent network files: several networks (an actor and its critic) in one
 * versioned binary with a trailing CRC, written atomically. */
#include "synrl/learn.h"
#include "core/fileio.h"

#include <math.h>
#include <string.h>

#define COA_MAGIC "SYNCOAG"  /* 8 bytes with the NUL */
#define COA_VERSION 1u

syn_status coa_nets_save(const coa_net *const *nets, int count, const char *path, syn_err *e) {
  fio_writer w;
  syn_status s = fio_writer_open(&w, path, e);
  if (s) return s;
  fio_put_bytes(&w, COA_MAGIC, 8);
  fio_put_u32(&w, COA_VERSION);
  fio_put_u32(&w, (uint32_t)count);
  for (int k = 0; k < count; k++) {
    const coa_net *n = nets[k];
    fio_put_u32(&w, (uint32_t)n->n_layers);
    for (int l = 0; l <= n->n_layers; l++) fio_put_u32(&w, (uint32_t)n->widths[l]);
    for (int l = 0; l < n->n_layers; l++) {
      fio_put_u32(&w, (uint32_t)n->layer[l].unit);
      fio_put_f64(&w, n->layer[l].var);
      fio_put_f64(&w, n->layer[l].temp);
    }
    fio_put_u64(&w, n->n_params);
    for (size_t i = 0; i < n->n_params; i++) fio_put_f64(&w, n->params[i]);
  }
  return fio_writer_commit(&w, e);
}

static syn_status load_one(coa_net *n, fio_reader *r, const char *path, int k, syn_err *e) {
  uint32_t nl = fio_get_u32(r);
  if (r->err || nl < 1 || nl > COA_MAX_LAYERS)
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: network %d: bad layer count", path, k);
  int widths[COA_MAX_LAYERS + 1];
  coa_unit units[COA_MAX_LAYERS];
  double var[COA_MAX_LAYERS], temp[COA_MAX_LAYERS];
  uint64_t shape = 0;
  for (uint32_t l = 0; l <= nl; l++) {
    uint32_t v = fio_get_u32(r);
    if (r->err || v < 1 || v > 1000000)
      return syn_err_set(e, SYN_ERR_FORMAT, "%s: network %d: bad width", path, k);
    widths[l] = (int)v;
  }
  for (uint32_t l = 0; l < nl; l++) {
    units[l] = (coa_unit)fio_get_u32(r);
    var[l] = fio_get_f64(r);
    temp[l] = fio_get_f64(r);
    shape += (uint64_t)(widths[l] + 1) * (uint64_t)widths[l + 1];
  }
  uint64_t np = fio_get_u64(r);
  if (r->err) return syn_err_set(e, SYN_ERR_FORMAT, "%s: truncated header", path);
  if (np != shape || np > (r->size - r->pos) / 8)
    return syn_err_set(e, SYN_ERR_FORMAT,
                       "%s: network %d: parameter count %llu does not match shape or file size", path,
                       k, (unsigned long long)np);
  syn_err sub;
  if (coa_net_create(n, (int)nl, widths, units, var, temp, &sub))
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: network %d: %s", path, k, sub.msg);
  for (size_t i = 0; i < n->n_params; i++) {
    n->params[i] = fio_get_f64(r);
    if (!isfinite(n->params[i])) {
      coa_net_destroy(n);
      return syn_err_set(e, SYN_ERR_FORMAT, "%s: network %d: non-finite parameter", path, k);
    }
  }
  return SYN_OK;
}

syn_status coa_nets_load(coa_net *nets, int count, const char *path, syn_err *e) {
  for (int k = 0; k < count; k++) memset(&nets[k], 0, sizeof nets[k]);
  fio_reader r;
  syn_status s = fio_reader_open(&r, path, e);
  if (s) return s;
  char magic[8];
  fio_get_bytes(&r, magic, 8);
  if (r.err || memcmp(magic, COA_MAGIC, 8) != 0) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: not a synrl coagent file (bad magic)", path);
  }
  uint32_t version = fio_get_u32(&r), cnt = fio_get_u32(&r);
  if (r.err || version != COA_VERSION || cnt != (uint32_t)count) {
    fio_reader_close(&r);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: unsupported version %u or %u networks (expected %d)",
                       path, version, cnt, count);
  }
  int k = 0;
  for (; k < count; k++)
    if ((s = load_one(&nets[k], &r, path, k, e))) break;
  if (!s) s = fio_reader_finish(&r, path, e);
  else fio_reader_close(&r);
  if (s)
    for (int j = 0; j < count; j++) coa_net_destroy(&nets[j]);
  return s;
}
