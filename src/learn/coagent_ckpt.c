/* Checkpoints of a coagent learner: everything that a later step reads,
 * so that a loaded learner continues bit for bit. */
#include "synrl/learn.h"

#include <string.h>

/* A rule's id: a built-in's place in coa_rule_at (the numbers checkpoints
 * have always stored), a user rule's name hashed, with the high bit set. */
static uint32_t rule_id(coa_rule r) {
  for (size_t i = 0; i < coa_rule_count(); i++)
    if (coa_rule_at(i) == r) return (uint32_t)i;
  const char *nm = coa_rule_name(r);
  return 0x80000000u | (uint32_t)core_fnv1a64(nm, strlen(nm), CORE_FNV_INIT);
}

void coa_learner_save(const coa_learner *L, ckpt_writer *w, const char *name) {
  const coa_net *n = L->net;
  ckpt_begin(w, name);
  ckpt_put_u32(w, rule_id(L->cfg.rule));
  ckpt_put_u32(w, (uint32_t)L->batch);
  ckpt_put_u32(w, (uint32_t)n->n_layers);
  for (int l = 0; l <= n->n_layers; l++) ckpt_put_u32(w, (uint32_t)n->widths[l]);
  for (int l = 0; l < n->n_layers; l++) ckpt_put_u32(w, (uint32_t)n->layer[l].unit);
  ckpt_put_u64(w, n->n_params);
  ckpt_put_i64(w, L->t);
  for (int l = 0; l < n->n_layers; l++) ckpt_put_i64(w, L->adam_t[l]);
  ckpt_put_f64s(w, n->params, n->n_params);
  ckpt_put_f64s(w, L->adam_m, n->n_params);
  ckpt_put_f64s(w, L->adam_v, n->n_params);
  ckpt_put_f64s(w, L->grad, n->n_params);
  ckpt_put_f64s(w, L->trace, (size_t)L->batch * n->n_params);
  ckpt_end(w);
}

syn_status coa_learner_load(coa_learner *L, const ckpt_file *f, const char *name, syn_err *e) {
  coa_net *n = L->net;
  ckpt_sec s;
  syn_status st = ckpt_open(f, name, &s, e);
  if (st) return st;
  bool fits = ckpt_get_u32(&s) == rule_id(L->cfg.rule);
  fits &= ckpt_get_u32(&s) == (uint32_t)L->batch;
  fits &= ckpt_get_u32(&s) == (uint32_t)n->n_layers;
  for (int l = 0; fits && l <= n->n_layers; l++) fits &= ckpt_get_u32(&s) == (uint32_t)n->widths[l];
  for (int l = 0; fits && l < n->n_layers; l++) fits &= ckpt_get_u32(&s) == (uint32_t)n->layer[l].unit;
  fits &= ckpt_get_u64(&s) == n->n_params;
  if (s.err) return ckpt_sec_fail(&s, e, "truncated");
  if (!fits) return ckpt_sec_fail(&s, e, "written for another network shape, rule or batch");
  const int64_t t = ckpt_get_i64(&s);
  int64_t at[COA_MAX_LAYERS];
  bool ok = t >= 0;
  for (int l = 0; l < n->n_layers; l++) {
    at[l] = ckpt_get_i64(&s);
    ok &= at[l] >= 0 && at[l] <= t;
  }
  if (s.err) return ckpt_sec_fail(&s, e, "truncated");
  if (!ok) return ckpt_sec_fail(&s, e, "update counts out of range");
  /* the sizes were checked above: a short section fails in the reads */
  ckpt_get_f64s(&s, n->params, n->n_params);
  ckpt_get_f64s(&s, L->adam_m, n->n_params);
  ckpt_get_f64s(&s, L->adam_v, n->n_params);
  ckpt_get_f64s(&s, L->grad, n->n_params);
  ckpt_get_f64s(&s, L->trace, (size_t)L->batch * n->n_params);
  if ((st = ckpt_sec_done(&s, e))) return st;
  for (size_t k = 0; k < n->n_params; k++)
    if (!(L->adam_v[k] >= 0)) return ckpt_sec_fail(&s, e, "negative or NaN Adam second moment");
  L->t = (long)t;
  for (int l = 0; l < n->n_layers; l++) L->adam_t[l] = (long)at[l];
  return SYN_OK;
}
