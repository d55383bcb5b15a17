/* Synaptic-level reinforcement learning (Bhargava, Rezaei, Lankarany 2022),
 * as the authors' code (SynRLv1.jl ... SynRLv6.jl) defines it: the trainer.
 * The shared Q table and its files are in learn/synrl_policy.c. */
#include "synrl/learn.h"
#include "learn/synrl_q8.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- trainer ---------------- */
const char *synrl_path_name(synrl_path p) {
  switch (p) {
    case SYNRL_PATH_AUTO: return "auto";
    case SYNRL_PATH_GENERAL: return "general";
    case SYNRL_PATH_Q8_REF: return "q8-ref";
    case SYNRL_PATH_Q8_FAST: return "q8-fast";
    case SYNRL_PATH_SMALL: return "small";
  }
  return "?";
}

void synrl_config_default(synrl_config *c) {
  memset(c, 0, sizeof *c);
  c->epsilon = 0.25;
  c->alpha_s = 1e-3;
  c->alpha_q = 0.01;
  c->gamma = 0.9;
  c->adaptive = true;
  c->bias_step = 1;
  c->halve_at = 0;
  c->seed = 1;
  c->path = SYNRL_PATH_AUTO;
}

void synrl_trainer_sync_params(synrl_trainer *t) {
  double *w = t->rule.net->params;
  for (size_t i = 0; i < t->n_syn; i++) w[i] = t->base[i] + t->unit * (double)t->steps[i];
}

/* One block of synapses [i0, i1): draw, choose, record. Scalar version. */
static void actions_block_scalar(synrl_trainer *t, const uint8_t *greedy, size_t i0, size_t i1,
                                 uint64_t ctr0) {
  const uint64_t thr = t->eps_threshold, key = t->draw_key;
  for (size_t i = i0; i < i1; i++) {
    uint64_t u = rng_at(key, ctr0 + i);
    int c = t->hist[i] / 3;
    int a = (u >> 32) < thr ? (int)(((u & 0xffffffffu) * 3) >> 32) : greedy[c];
    t->hist[i] = (uint8_t)(c + 9 * a);
    t->delta[i] = (int8_t)(a - 1);
    t->steps[i] += a - 1;
  }
}

#if defined(SYNRL_HAVE_VNNI)
#include <immintrin.h>
#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))
/* The same, eight synapses per vector (64-bit lanes). */
AVX512_TARGET static void actions_block_avx512(synrl_trainer *t, const uint8_t *greedy, size_t i0,
                                               size_t i1, uint64_t ctr0) {
  int64_t g16[16] = {0};
  for (int c = 0; c < 9; c++) g16[c] = greedy[c];
  const __m512i glo = _mm512_loadu_si512(g16), ghi = _mm512_loadu_si512(g16 + 8);
  const __m512i key = _mm512_set1_epi64((long long)t->draw_key);
  const __m512i gold = _mm512_set1_epi64((long long)0x9e3779b97f4a7c15ULL);
  const __m512i m1 = _mm512_set1_epi64((long long)0xbf58476d1ce4e5b9ULL);
  const __m512i m2 = _mm512_set1_epi64((long long)0x94d049bb133111ebULL);
  const __m512i thr = _mm512_set1_epi64((long long)t->eps_threshold);
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i one = _mm512_set1_epi64(1), three = _mm512_set1_epi64(3);
  size_t i = i0;
  for (; i + 8 <= i1; i += 8) {
    __m512i ctr = _mm512_add_epi64(_mm512_set1_epi64((long long)(ctr0 + i + 1)), lane);
    __m512i z = _mm512_add_epi64(key, _mm512_mullo_epi64(ctr, gold));
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)), m1);
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 27)), m2);
    z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
    __mmask8 explore = _mm512_cmplt_epu64_mask(_mm512_srli_epi64(z, 32), thr);
    __m512i ra = _mm512_srli_epi64(_mm512_mul_epu32(z, three), 32);
    __m512i h = _mm512_cvtepu8_epi64(_mm_loadl_epi64((const __m128i *)(t->hist + i)));
    __m512i c = _mm512_srli_epi64(_mm512_mullo_epi64(h, _mm512_set1_epi64(11)), 5); /* h / 3 */
    __m512i g = _mm512_permutex2var_epi64(glo, c, ghi);
    __m512i a = _mm512_mask_blend_epi64(explore, g, ra);
    __m512i nh = _mm512_add_epi64(c, _mm512_mullo_epi64(a, _mm512_set1_epi64(9)));
    __m512i d = _mm512_sub_epi64(a, one);
    _mm_storel_epi64((__m128i *)(t->hist + i), _mm512_cvtepi64_epi8(nh));
    _mm_storel_epi64((__m128i *)(t->delta + i), _mm512_cvtepi64_epi8(d));
    __m256i st = _mm256_loadu_si256((const __m256i *)(t->steps + i));
    _mm256_storeu_si256((__m256i *)(t->steps + i), _mm256_add_epi32(st, _mm512_cvtepi64_epi32(d)));
  }
  actions_block_scalar(t, greedy, i, i1, ctr0);
}
#endif

#define ACTION_BLOCK 4096

void synrl_choose_actions(synrl_trainer *t) {
  /* The greedy action depends only on the synapse's last two actions once the
   * global rewards are fixed: a 9-entry table per iteration. */
  uint8_t greedy[9];
  for (int c = 0; c < 9; c++)
    greedy[c] = (uint8_t)synrl_policy_greedy(t->policy, c + 9 * t->r2 + 27 * t->r1);
  const uint64_t ctr0 = (uint64_t)t->iter * t->n_syn;
  const size_t nb = (t->n_syn + ACTION_BLOCK - 1) / ACTION_BLOCK;
#if defined(SYNRL_HAVE_VNNI)
  const bool vec = core_cpu_has_vnni() && !t->cfg.portable;
#endif
#pragma omp parallel for schedule(static) if (nb > 1)
  for (size_t b = 0; b < nb; b++) {
    size_t i0 = b * ACTION_BLOCK, i1 = i0 + ACTION_BLOCK < t->n_syn ? i0 + ACTION_BLOCK : t->n_syn;
#if defined(SYNRL_HAVE_VNNI)
    if (vec) {
      actions_block_avx512(t, greedy, i0, i1, ctr0);
      continue;
    }
#endif
    actions_block_scalar(t, greedy, i0, i1, ctr0);
  }
  /* bias synapses (row 0 of each layer) step bias_step units */
  if (t->cfg.bias_step != 1) {
    const nn_mlp *net = t->rule.net;
    for (int l = 0; l < net->n_layers; l++)
      for (size_t i = net->offset[l]; i < net->offset[l] + (size_t)net->widths[l + 1]; i++) {
        t->steps[i] += t->delta[i] * (t->cfg.bias_step - 1);
        t->delta[i] = (int8_t)(t->delta[i] * t->cfg.bias_step);
      }
  }
}

static syn_status batch_loss(synrl_trainer *t, double *loss, syn_err *e) {
  if (t->path_used == SYNRL_PATH_GENERAL) {
    synrl_trainer_sync_params(t);
    core_shard *sh = t->cfg.shard;
    if (!core_shard_active(sh)) {
      *loss = nn_mlp_loss(t->rule.net, t->batch, &t->ws, t->rule.loss, NN_ACC_SIGN, NULL);
      return SYN_OK;
    }
    size_t nc = nn_chunk_count(t->batch->n), lo, hi;
    core_shard_range(sh, sh->rank, nc, &lo, &hi);
    double *parts = core_alloc((nc ? nc : 1) * sizeof *parts), sum;
    if (!parts) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
    nn_mlp_loss_chunks(t->rule.net, t->batch, &t->ws, t->rule.loss, NN_ACC_SIGN, lo, hi,
                       parts + lo, NULL);
    syn_status s = core_shard_sum(sh, parts, nc, &sum, e);
    core_free(parts);
    if (s) return s;
    *loss = nn_loss_finish(t->rule.loss, sum, t->batch->n, t->rule.net->widths[t->rule.net->n_layers]);
    return SYN_OK;
  }
  if (t->path_used == SYNRL_PATH_SMALL) {
    synrl_trainer_sync_params(t);
    *loss = nn_small_loss(t->small, t->rule.net, t->rule.loss);
    return SYN_OK;
  }
  return synrl_q8_loss(t, loss, e);
}

static syn_status synrl_set_batch(learn_rule *r, const nn_batch *b, syn_err *e) {
  synrl_trainer *t = (synrl_trainer *)r;
  if (b->n > t->ws.n_max)
    return syn_err_set(e, SYN_ERR_ARG, "batch of %zu rows exceeds the trainer's %zu", b->n,
                       t->ws.n_max);
  t->batch = b;
  if (t->path_used == SYNRL_PATH_AUTO) {
    t->path_used = b->x_u8 ? SYNRL_PATH_Q8_FAST : SYNRL_PATH_GENERAL;
  } else if (t->path_used == SYNRL_PATH_SMALL) {
    if (t->rule.loss == NN_LOSS_SOFTMAX_CE || !b->targets)
      return syn_err_set(e, SYN_ERR_UNSUPPORTED,
                         "path small trains regression networks (euclid or mse loss) only");
    if (!t->small) {
      t->small = calloc(1, sizeof *t->small);
      if (!t->small) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
      syn_status s = nn_small_create(t->small, t->rule.net, t->ws.n_max, t->cfg.portable, e);
      if (s) {
        free(t->small);
        t->small = NULL;
        return s;
      }
    }
    syn_status s = nn_small_set_batch(t->small, t->rule.net, b, e);
    if (s) return s;
  } else if (t->path_used != SYNRL_PATH_GENERAL && !b->x_u8) {
    return syn_err_set(e, SYN_ERR_UNSUPPORTED,
                       "path %s needs 8-bit inputs; this data is not 8-bit (use general)",
                       synrl_path_name(t->path_used));
  }
  const bool q8 = t->path_used == SYNRL_PATH_Q8_REF || t->path_used == SYNRL_PATH_Q8_FAST;
  if (q8 && !t->q8) {
    syn_status s = synrl_q8_create(t, t->ws.n_max, e);
    if (s) return s;
  }
  if (q8) {
    syn_status s = synrl_q8_set_batch(t, e);
    if (s) return s;
  }
  if (!t->have_loss) {
    /* loss history starts as [L0, L0] on the first batch */
    memset(t->delta, 0, t->n_syn);
    syn_status s = batch_loss(t, &t->loss_prev, e);
    if (s) return s;
    t->have_loss = true;
  }
  return SYN_OK;
}

static syn_status synrl_step(learn_rule *r, long iter, learn_step_info *info, syn_err *e) {
  synrl_trainer *t = (synrl_trainer *)r;
  if (!t->batch) return syn_err_set(e, SYN_ERR_ARG, "synrl: step before set_batch");
  if (t->cfg.halve_at > 0 && iter == t->cfg.halve_at) {
    t->unit *= 0.5;
    for (size_t i = 0; i < t->n_syn; i++) {
      if (t->steps[i] > INT32_MAX / 2 || t->steps[i] < INT32_MIN / 2)
        return syn_err_set(e, SYN_ERR_ARG, "synrl: step counter overflow at halving");
      t->steps[i] *= 2;
    }
    if (t->path_used == SYNRL_PATH_Q8_REF || t->path_used == SYNRL_PATH_Q8_FAST) synrl_q8_double(t);
  }
  synrl_choose_actions(t);
  double loss;
  syn_status st = batch_loss(t, &loss, e);
  if (st) return st;
  int R = loss < t->loss_prev ? 1 : -1; /* ties are -1 */
  int rcode = R > 0 ? SYNRL_R_POS : SYNRL_R_NEG;
  if (t->cfg.adaptive) {
    /* one standard Q-learning update per synapse, in synapse order */
    const int base_s = 9 * t->r2 + 27 * t->r1, base_next = 9 * t->r1 + 27 * rcode;
    for (size_t i = 0; i < t->n_syn; i++) {
      int h = t->hist[i];
      synrl_policy_update(t->policy, h % 9 + base_s, h / 9, (double)R, h / 3 + base_next,
                          t->cfg.alpha_q, t->cfg.gamma);
    }
  }
  t->r2 = t->r1;
  t->r1 = rcode;
  t->loss_prev = loss;
  t->iter++;
  t->n_pos += R > 0;
  info->loss = loss;
  info->reward = R;
  return SYN_OK;
}

static void synrl_destroy(learn_rule *r) {
  synrl_trainer *t = (synrl_trainer *)r;
  if (!t) return;
  synrl_q8_destroy(t);
  if (t->small) nn_small_destroy(t->small);
  free(t->small);
  nn_ws_destroy(&t->ws);
  core_free(t->base);
  core_free(t->steps);
  core_free(t->hist);
  core_free(t->delta);
  free(t);
}

/* ---------------- checkpoints ----------------
 * Everything the next iteration reads: the step counters (the 8-bit paths'
 * integer products are recomputed from them exactly on the next set_batch),
 * base weights and step unit (halving), action and reward histories, the
 * loss history, counters, and the shared Q table. Exploration draws are
 * counter-based (rng_at(draw_key, iter * n_syn + i)), so iter is their state. */
static syn_status synrl_save(learn_rule *r, ckpt_writer *w, syn_err *e) {
  synrl_trainer *t = (synrl_trainer *)r;
  const synrl_config *c = &t->cfg;
  ckpt_begin(w, "synrl");
  ckpt_put_u64(w, t->n_syn);
  ckpt_put_f64(w, c->epsilon);
  ckpt_put_f64(w, c->alpha_s);
  ckpt_put_f64(w, c->alpha_q);
  ckpt_put_f64(w, c->gamma);
  ckpt_put_u8(w, c->adaptive);
  ckpt_put_u32(w, (uint32_t)c->bias_step);
  ckpt_put_i64(w, c->halve_at);
  ckpt_put_u64(w, c->seed);
  ckpt_put_u32(w, (uint32_t)c->path);
  ckpt_put_u32(w, (uint32_t)t->path_used);
  ckpt_put_f64(w, t->unit);
  ckpt_put_u32(w, (uint32_t)t->r2);
  ckpt_put_u32(w, (uint32_t)t->r1);
  ckpt_put_f64(w, t->loss_prev);
  ckpt_put_u8(w, t->have_loss);
  ckpt_put_i64(w, t->iter);
  ckpt_put_i64(w, t->n_pos);
  ckpt_put_u64(w, t->draw_key);
  ckpt_put_f64s(w, t->base, t->n_syn);
  ckpt_put_i32s(w, t->steps, t->n_syn);
  ckpt_put_bytes(w, t->hist, t->n_syn);
  ckpt_put_bytes(w, t->delta, t->n_syn);
  ckpt_end(w);
  ckpt_begin(w, "synrl.policy");
  ckpt_put_f64s(w, t->policy->q, SYNRL_N_Q);
  ckpt_end(w);
  return SYN_OK;
}

static bool same_f64(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static syn_status synrl_load(learn_rule *r, const ckpt_file *f, syn_err *e) {
  synrl_trainer *t = (synrl_trainer *)r;
  const synrl_config *c = &t->cfg;
  if (t->batch || t->q8 || t->iter)
    return syn_err_set(e, SYN_ERR_ARG, "synrl: checkpoint loaded into a trainer already in use");
  ckpt_sec s;
  syn_status st = ckpt_open(f, "synrl", &s, e);
  if (st) return st;
  if (ckpt_get_u64(&s) != t->n_syn) return ckpt_sec_fail(&s, e, "synapse count differs from this network's");
  double eps = ckpt_get_f64(&s), as = ckpt_get_f64(&s), aq = ckpt_get_f64(&s), ga = ckpt_get_f64(&s);
  bool adaptive = ckpt_get_u8(&s) != 0;
  uint32_t bias_step = ckpt_get_u32(&s);
  int64_t halve_at = ckpt_get_i64(&s);
  uint64_t seed = ckpt_get_u64(&s);
  uint32_t path = ckpt_get_u32(&s), path_used = ckpt_get_u32(&s);
  if (s.err) return ckpt_sec_fail(&s, e, "truncated");
  if (!same_f64(eps, c->epsilon) || !same_f64(as, c->alpha_s) || !same_f64(aq, c->alpha_q) ||
      !same_f64(ga, c->gamma) || adaptive != c->adaptive || bias_step != (uint32_t)c->bias_step ||
      halve_at != c->halve_at || seed != c->seed || path != (uint32_t)c->path)
    return ckpt_sec_fail(&s, e, "settings differ from this run's");
  bool path_ok = c->path == SYNRL_PATH_AUTO
                     ? (path_used == SYNRL_PATH_GENERAL || path_used == SYNRL_PATH_Q8_FAST)
                     : path_used == (uint32_t)c->path;
  if (!path_ok) return ckpt_sec_fail(&s, e, "computation path does not fit the settings");
  double unit = ckpt_get_f64(&s);
  uint32_t r2 = ckpt_get_u32(&s), r1 = ckpt_get_u32(&s);
  double loss_prev = ckpt_get_f64(&s);
  uint8_t have_loss = ckpt_get_u8(&s);
  int64_t iter = ckpt_get_i64(&s), n_pos = ckpt_get_i64(&s);
  uint64_t draw_key = ckpt_get_u64(&s);
  if (s.err) return ckpt_sec_fail(&s, e, "truncated");
  /* iterations are at most 2e9 (the CLI's limit for a step counter) */
  if (!(unit > 0 && isfinite(unit)) || r2 > 2 || r1 > 2 || have_loss != 1 || iter < 0 ||
      iter > ((int64_t)1 << 40) ||
      n_pos < 0 || n_pos > iter || draw_key != t->draw_key)
    return ckpt_sec_fail(&s, e, "state out of range");
  /* each array must be there in full before anything is overwritten */
  if (ckpt_remaining(&s) != t->n_syn * (8 + 4 + 1 + 1))
    return ckpt_sec_fail(&s, e, "array sizes do not match the synapse count");
  ckpt_get_f64s(&s, t->base, t->n_syn);
  ckpt_get_i32s(&s, t->steps, t->n_syn);
  ckpt_get_bytes(&s, t->hist, t->n_syn);
  ckpt_get_bytes(&s, t->delta, t->n_syn);
  if ((st = ckpt_sec_done(&s, e))) return st;
  for (size_t i = 0; i < t->n_syn; i++)
    if (!isfinite(t->base[i]) || t->hist[i] >= 27 || t->delta[i] < -2 || t->delta[i] > 2)
      return ckpt_sec_fail(&s, e, "synapse state out of range");
  ckpt_sec ps;
  if ((st = ckpt_open(f, "synrl.policy", &ps, e))) return st;
  synrl_policy q;
  ckpt_get_f64s(&ps, q.q, SYNRL_N_Q);
  if ((st = ckpt_sec_done(&ps, e))) return st;
  for (int i = 0; i < SYNRL_N_Q; i++)
    if (!isfinite(q.q[i])) return ckpt_sec_fail(&ps, e, "non-finite Q value");
  *t->policy = q;
  t->path_used = (synrl_path)path_used;
  t->unit = unit;
  t->r2 = (int)r2;
  t->r1 = (int)r1;
  t->loss_prev = loss_prev;
  t->have_loss = true;
  t->iter = (long)iter;
  t->n_pos = (long)n_pos;
  return SYN_OK;
}

static void synrl_sync(learn_rule *r) { synrl_trainer_sync_params((synrl_trainer *)r); }

syn_status synrl_trainer_create(synrl_trainer **out, nn_mlp *net, nn_loss loss,
                                synrl_policy *policy, const synrl_config *cfg, size_t max_batch,
                                syn_err *e) {
  *out = NULL;
  if (!(cfg->epsilon >= 0 && cfg->epsilon <= 1))
    return syn_err_set(e, SYN_ERR_ARG, "epsilon %g not in [0, 1]", cfg->epsilon);
  if (!(cfg->alpha_s > 0 && isfinite(cfg->alpha_s)))
    return syn_err_set(e, SYN_ERR_ARG, "alpha_s %g must be positive", cfg->alpha_s);
  if (!(cfg->alpha_q >= 0 && cfg->alpha_q <= 1))
    return syn_err_set(e, SYN_ERR_ARG, "alpha_q %g not in [0, 1]", cfg->alpha_q);
  if (!(cfg->gamma >= 0 && cfg->gamma <= 1))
    return syn_err_set(e, SYN_ERR_ARG, "gamma %g not in [0, 1]", cfg->gamma);
  if (cfg->bias_step < 1 || cfg->bias_step > 2)
    return syn_err_set(e, SYN_ERR_ARG, "bias step %d not 1 or 2", cfg->bias_step);
  synrl_trainer *t = calloc(1, sizeof *t);
  if (!t) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  t->rule.name = "synrl";
  t->rule.net = net;
  t->rule.set_batch = synrl_set_batch;
  t->rule.step = synrl_step;
  t->rule.destroy = synrl_destroy;
  t->rule.sync = synrl_sync;
  t->rule.save = synrl_save;
  t->rule.load = synrl_load;
  t->rule.loss = loss;
  t->cfg = *cfg;
  t->policy = policy;
  t->n_syn = net->n_params;
  t->unit = cfg->alpha_s;
  t->r2 = t->r1 = SYNRL_R_NONE;
  t->path_used = cfg->path;
  t->eps_threshold = (uint64_t)llround(ldexp(cfg->epsilon, 32));
  t->base = core_alloc(t->n_syn * sizeof(double));
  t->steps = core_alloc(t->n_syn * sizeof(int32_t));
  t->hist = core_alloc(t->n_syn);
  t->delta = core_alloc(t->n_syn);
  if (!t->base || !t->steps || !t->hist || !t->delta) {
    synrl_destroy(&t->rule);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for %zu synapses", t->n_syn);
  }
  memcpy(t->base, net->params, t->n_syn * sizeof(double));
  /* action history starts at (null, null): state a2 + 3*a1 = 4 */
  memset(t->hist, 3 * (SYNRL_NULL + 3 * SYNRL_NULL), t->n_syn);
  uint64_t sk = cfg->seed ^ 0x5e1ec7a5e1ec7a5eULL;
  t->draw_key = rng_splitmix64(&sk);
  syn_status s = nn_ws_create(&t->ws, net, max_batch, e);
  if (s) {
    synrl_destroy(&t->rule);
    return s;
  }
  *out = t;
  return SYN_OK;
}
