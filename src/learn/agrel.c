/* DeepAGREL / BrainProp on layered networks (see synrl/agrel.h). */
#include "synrl/learn.h"

#include <math.h>
#include <stdlib.h>

void agrel_config_default(agrel_config *c) {
  c->epsilon = 0.02;
  c->temperature = 1.0;
  c->clip_norm = 0.0;
}

int agrel_select(const float *q, int k, double epsilon, double temperature, rng_t *rng) {
  int best = 0;
  for (int i = 1; i < k; i++)
    if (q[i] > q[best]) best = i;
  if (epsilon <= 0 || rng_uniform(rng) >= epsilon) return best;
  /* Boltzmann draw, shifted by the maximum for range */
  double p[1024], sum = 0;
  int kk = k < 1024 ? k : 1024;
  for (int i = 0; i < kk; i++) sum += p[i] = core_exp(((double)q[i] - q[best]) / temperature);
  double u = rng_uniform(rng) * sum;
  for (int i = 0; i < kk; i++) {
    u -= p[i];
    if (u < 0) return i;
  }
  return kk - 1;
}

double agrel_output_grad(const float *q, size_t n, int k, const int32_t *labels,
                         const int32_t *chosen, float *dq, size_t *n_reward) {
  double loss = 0;
  size_t nr = 0;
  for (size_t b = 0; b < n; b++) {
    const float *qb = q + b * (size_t)k;
    float *d = dq + b * (size_t)k;
    for (int i = 0; i < k; i++) d[i] = 0.0f;
    int s = chosen[b];
    double r = s == labels[b] ? 1.0 : 0.0;
    nr += s == labels[b];
    double delta = r - qb[s];
    loss += 0.5 * delta * delta;
    d[s] = (float)(-delta / (double)n);
  }
  *n_reward = nr;
  return loss / (double)n;
}

syn_status agrel_step(nn_net *net, nn_net_ws *ws, const agrel_config *c, const float *x,
                      const int32_t *labels, size_t n, float lr, rng_t *rng,
                      agrel_step_info *info, syn_err *e) {
  if (n < 1 || n > ws->n_max)
    return syn_err_set(e, SYN_ERR_ARG, "agrel: batch of %zu rows (work space %zu)", n, ws->n_max);
  const int k = nn_net_out_size(net);
  const float *q = nn_net_forward(net, ws, x, n, true, true, rng);
  int32_t *chosen = malloc(n * sizeof *chosen);
  if (!chosen) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  for (size_t b = 0; b < n; b++)
    chosen[b] = agrel_select(q + b * (size_t)k, k, c->epsilon, c->temperature, rng);
  /* the output error lives in g0 until backward reads it */
  info->loss = agrel_output_grad(q, n, k, labels, chosen, ws->g0, &info->n_correct);
  free(chosen);
  if (!isfinite(info->loss)) return syn_err_set(e, SYN_ERR_ARG, "agrel: loss is not finite (diverged)");
  nn_net_backward(net, ws, n, ws->g0, net->fb);
  info->grad_norm = netbp_grad_clip(ws->grad, net->n_params, c->clip_norm);
  netbp_apply(net, ws->grad, lr);
  return SYN_OK;
}
