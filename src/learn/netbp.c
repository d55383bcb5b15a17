/* Error-backprop (softmax + cross-entropy, SGD) on layered networks: the
 * baseline beside DeepAGREL on the same architecture. */
#include "synrl/learn.h"

#include <math.h>

double netbp_output_grad(const float *z, size_t n, int k, const int32_t *labels, float *dz,
                         size_t *n_correct) {
  double loss = 0;
  size_t nc = 0;
  for (size_t b = 0; b < n; b++) {
    const float *zb = z + b * (size_t)k;
    float *d = dz + b * (size_t)k;
    int best = 0;
    for (int i = 1; i < k; i++)
      if (zb[i] > zb[best]) best = i;
    nc += best == labels[b];
    double sum = 0;
    for (int i = 0; i < k; i++) sum += core_exp((double)zb[i] - zb[best]);
    double lse = log(sum) + zb[best];
    loss += lse - zb[labels[b]];
    for (int i = 0; i < k; i++) {
      double p = core_exp((double)zb[i] - lse);
      d[i] = (float)((p - (i == labels[b])) / (double)n);
    }
  }
  *n_correct = nc;
  return loss / (double)n;
}

double netbp_grad_clip(float *grad, size_t n, double max_norm) {
  double ss = 0;
  for (size_t i = 0; i < n; i++) ss += (double)grad[i] * grad[i];
  const double norm = sqrt(ss);
  if (max_norm > 0 && norm > max_norm) {
    const float f = (float)(max_norm / norm);
    for (size_t i = 0; i < n; i++) grad[i] *= f;
  }
  return norm;
}

void netbp_apply(nn_net *net, const float *grad, float lr) {
  for (size_t i = 0; i < net->n_params; i++) {
    float d = lr * grad[i];
    net->params[i] -= d;
    net->fb[i] -= d;
  }
}

syn_status netbp_step(nn_net *net, nn_net_ws *ws, const float *x, const int32_t *labels, size_t n,
                      float lr, rng_t *rng, agrel_step_info *info, syn_err *e) {
  if (n < 1 || n > ws->n_max)
    return syn_err_set(e, SYN_ERR_ARG, "backprop: batch of %zu rows (work space %zu)", n,
                       ws->n_max);
  const int k = nn_net_out_size(net);
  const float *z = nn_net_forward(net, ws, x, n, true, true, rng);
  info->loss = netbp_output_grad(z, n, k, labels, ws->g0, &info->n_correct);
  if (!isfinite(info->loss))
    return syn_err_set(e, SYN_ERR_ARG, "backprop: loss is not finite (diverged)");
  nn_net_backward(net, ws, n, ws->g0, net->params);
  info->grad_norm = netbp_grad_clip(ws->grad, net->n_params, 0);
  netbp_apply(net, ws->grad, lr);
  return SYN_OK;
}
