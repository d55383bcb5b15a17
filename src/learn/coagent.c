/* Coagent networks: the network, its forward pass with stochastic units, the
 * eligibilities, MAP propagation, traces and the per-layer Adam update. The
 * conventions are those of reference/coagent-networks.md. */
#include "synrl/learn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *coa_unit_name(coa_unit u) {
  static const char *names[] = {"bernoulli", "gaussian", "softplus", "relu",
                                "linear",    "softmax",  "gaussian-out"};
  return (unsigned)u < sizeof names / sizeof *names ? names[u] : "?";
}

const char *coa_rule_name(coa_rule r) { return r && r->name ? r->name : "?"; }

double coa_softplus(double x) { return x > 0 ? x + log1p(core_exp(-x)) : log1p(core_exp(x)); }

double coa_sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + core_exp(-x));
  double z = core_exp(x);
  return z / (1.0 + z);
}

/* Box-Muller, one value per call, so that a stream's use does not depend on
 * how many values an earlier call needed. */
double coa_normal(rng_t *r) {
  double u1 = 1.0 - rng_uniform(r), u2 = rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static bool unit_is_output(coa_unit u) { return u == COA_SOFTMAX || u == COA_GAUSS_OUT || u == COA_LINEAR; }
static bool unit_is_hidden(coa_unit u) { return u <= COA_LINEAR; }
static bool unit_is_stochastic(coa_unit u) { return u == COA_BERNOULLI || u == COA_GAUSSIAN; }

size_t coa_layer_params(const coa_layer *l) { return (size_t)(l->in + 1) * (size_t)l->out; }

syn_status coa_net_create(coa_net *n, int n_layers, const int *widths, const coa_unit *units,
                          const double *var, const double *temp, syn_err *e) {
  memset(n, 0, sizeof *n);
  if (n_layers < 1 || n_layers > COA_MAX_LAYERS)
    return syn_err_set(e, SYN_ERR_ARG, "coagent: %d layers (1..%d)", n_layers, COA_MAX_LAYERS);
  size_t np = 0;
  for (int l = 0; l <= n_layers; l++)
    if (widths[l] < 1 || widths[l] > 1000000)
      return syn_err_set(e, SYN_ERR_ARG, "coagent: width %d of layer %d out of range", widths[l], l);
  for (int l = 0; l < n_layers; l++) {
    coa_unit u = units[l];
    bool top = l == n_layers - 1;
    if ((unsigned)u > COA_GAUSS_OUT || (top && !unit_is_output(u)) || (!top && !unit_is_hidden(u)))
      return syn_err_set(e, SYN_ERR_ARG, "coagent: unit kind %d not allowed in layer %d", (int)u, l);
    double v = var ? var[l] : 1.0, t = temp ? temp[l] : 1.0;
    if (!(v > 0) || !isfinite(v) || !(t > 0) || !isfinite(t))
      return syn_err_set(e, SYN_ERR_ARG, "coagent: layer %d: variance and temperature must be > 0", l);
    n->layer[l] = (coa_layer){.in = widths[l], .out = widths[l + 1], .unit = u, .var = v, .temp = t};
    n->offset[l] = np;
    np += coa_layer_params(&n->layer[l]);
  }
  n->params = core_alloc(np * sizeof(double));
  if (!n->params) return syn_err_set(e, SYN_ERR_NOMEM, "coagent: out of memory (%zu parameters)", np);
  n->n_layers = n_layers;
  n->n_params = np;
  for (int l = 0; l <= n_layers; l++) n->widths[l] = widths[l];
  for (int l = 0; l < n_layers; l++) {
    n->layer[l].w = n->params + n->offset[l];
    n->layer[l].b = n->layer[l].w + (size_t)widths[l] * (size_t)widths[l + 1];
  }
  return SYN_OK;
}

void coa_net_destroy(coa_net *n) {
  core_free(n->params);
  memset(n, 0, sizeof *n);
}

void coa_net_init_bias(coa_net *n, rng_t *r, double bias_range) {
  for (int l = 0; l < n->n_layers; l++) {
    coa_layer *ly = &n->layer[l];
    double a = sqrt(6.0 / (ly->in + ly->out));
    for (size_t k = 0; k < (size_t)ly->in * ly->out; k++) ly->w[k] = rng_uniform_range(r, -a, a);
    if (bias_range > 0)
      for (int j = 0; j < ly->out; j++) ly->b[j] = rng_uniform_range(r, -bias_range, bias_range);
    else
      memset(ly->b, 0, (size_t)ly->out * sizeof(double));
  }
}

void coa_net_init(coa_net *n, rng_t *r) { coa_net_init_bias(n, r, 0); }

/* ---------------------------------------------------------------- learner */

void coa_config_default(coa_config *c) {
  memset(c, 0, sizeof *c);
  c->rule = COA_RULE_REINFORCE;
  c->batch = 1;
  c->gamma = 0.98;
  for (int l = 0; l < COA_MAX_LAYERS; l++) c->lr_start[l] = c->lr_end[l] = 1e-3;
  c->adam_b1 = 0.9;
  c->adam_b2 = 0.999;
  c->adam_eps = 1e-8;
}

syn_status coa_learner_create(coa_learner *L, coa_net *net, const coa_config *c, syn_err *e) {
  memset(L, 0, sizeof *L);
  if (c->batch < 1 || c->batch > 1000000)
    return syn_err_set(e, SYN_ERR_ARG, "coagent: batch %d out of range", c->batch);
  if (c->map_steps < 0) return syn_err_set(e, SYN_ERR_ARG, "coagent: negative MAP steps");
  if (!c->rule || !c->rule->name) return syn_err_set(e, SYN_ERR_ARG, "coagent: no rule (or a rule without a name)");
  const int nl = net->n_layers;
  coa_unit top = net->layer[nl - 1].unit;
  for (int l = 0; l < nl - 1; l++) {
    coa_unit u = net->layer[l].unit;
    if (c->rule->accepts && !c->rule->accepts(u))
      return syn_err_set(e, SYN_ERR_ARG, "coagent: rule %s cannot train %s hidden units",
                         coa_rule_name(c->rule), coa_unit_name(u));
  }
  if (top == COA_LINEAR && c->rule != COA_RULE_BACKPROP)
    return syn_err_set(e, SYN_ERR_ARG, "coagent: a value network is trained by backprop");
  if (c->fix_last_logit && (top != COA_SOFTMAX || net->widths[nl] < 2))
    return syn_err_set(e, SYN_ERR_ARG, "coagent: a fixed last logit needs a softmax output of >= 2 actions");
  const size_t B = (size_t)c->batch, np = net->n_params;
  size_t total = B * (size_t)net->widths[0] + B * np + 3 * np;
  for (int l = 0; l < nl; l++) total += 7 * B * (size_t)net->widths[l + 1];
  L->buf = core_alloc(total * sizeof(double));
  L->action = core_alloc(B * sizeof(int));
  if (!L->buf || !L->action) {
    core_free(L->buf);
    core_free(L->action);
    return syn_err_set(e, SYN_ERR_NOMEM, "coagent: out of memory for the learner");
  }
  double *p = L->buf;
  L->x[0] = p;
  p += B * net->widths[0];
  for (int l = 0; l < nl; l++) {
    size_t m = B * (size_t)net->widths[l + 1];
    L->x[l + 1] = p, p += m;
    L->pot[l] = p, p += m;
    L->mean[l] = p, p += m;
    L->dmu[l] = p, p += m;
    L->gz[l] = p, p += m;
    L->R[l] = p, p += m;
    L->gh[l] = p, p += m;
  }
  L->trace = p, p += B * np;
  L->grad = p, p += np;
  L->adam_m = p, p += np;
  L->adam_v = p, p += np;
  L->net = net;
  L->cfg = *c;
  L->batch = c->batch;
  if (c->fix_last_logit) { /* the last action's logit is the constant 0 */
    coa_layer *ly = &net->layer[nl - 1];
    for (int i = 0; i < ly->in; i++) ly->w[(size_t)i * ly->out + ly->out - 1] = 0;
    ly->b[ly->out - 1] = 0;
  }
  return SYN_OK;
}

void coa_learner_destroy(coa_learner *L) {
  core_free(L->buf);
  core_free(L->action);
  memset(L, 0, sizeof *L);
}

/* pot = (x.W + b)/temp for every row */
static void layer_pot(const coa_layer *ly, const double *x, int B, double *pot) {
  const int in = ly->in, out = ly->out;
  const double it = 1.0 / ly->temp;
  for (int r = 0; r < B; r++) {
    double *pr = pot + (size_t)r * out;
    const double *xr = x + (size_t)r * in;
    memcpy(pr, ly->b, (size_t)out * sizeof(double));
    for (int i = 0; i < in; i++) {
      const double xi = xr[i];
      if (xi == 0) continue; /* Bernoulli inputs are mostly 0 or 1 */
      const double *wi = ly->w + (size_t)i * out;
      for (int j = 0; j < out; j++) pr[j] += xi * wi[j];
    }
    if (ly->temp != 1.0)
      for (int j = 0; j < out; j++) pr[j] *= it;
  }
}

/* the mean of each unit given its potential (softmax: the probabilities) and
 * its derivative d mean / d pot (unused for softmax) */
static void layer_mean(const coa_layer *ly, const double *pot, int B, double *mean, double *dmu) {
  const size_t m = (size_t)B * ly->out;
  switch (ly->unit) {
    case COA_BERNOULLI:
      for (size_t k = 0; k < m; k++) {
        mean[k] = coa_sigmoid(pot[k]);
        dmu[k] = mean[k] * (1.0 - mean[k]);
      }
      break;
    case COA_GAUSSIAN:
    case COA_SOFTPLUS:
      /* one exp per unit: softplus(x) = max(x,0) + log1p(exp(-|x|)) and
       * sigma(x) from the same exp(-|x|) */
      for (size_t k = 0; k < m; k++) {
        const double x = pot[k], z = core_exp(-fabs(x));
        mean[k] = (x > 0 ? x : 0) + log1p(z);
        dmu[k] = x >= 0 ? 1.0 / (1.0 + z) : z / (1.0 + z);
      }
      break;
    case COA_RELU:
      for (size_t k = 0; k < m; k++) {
        mean[k] = pot[k] > 0 ? pot[k] : 0;
        dmu[k] = pot[k] > 0 ? 1.0 : 0.0;
      }
      break;
    case COA_LINEAR:
    case COA_GAUSS_OUT:
      memcpy(mean, pot, m * sizeof(double));
      for (size_t k = 0; k < m; k++) dmu[k] = 1.0;
      break;
    case COA_SOFTMAX:
      for (int r = 0; r < B; r++) {
        const double *pr = pot + (size_t)r * ly->out;
        double *q = mean + (size_t)r * ly->out, mx = pr[0], s = 0;
        for (int j = 1; j < ly->out; j++) mx = fmax(mx, pr[j]);
        for (int j = 0; j < ly->out; j++) s += q[j] = core_exp(pr[j] - mx);
        for (int j = 0; j < ly->out; j++) q[j] /= s;
      }
      break;
  }
}

/* draw a layer's values h from its means mu (softmax: the one-hot action,
 * its index into action[row]) */
static void sample_values(const coa_layer *ly, const double *mu, int B, double *h, int *action,
                          rng_t *rng) {
  const int out = ly->out;
  const size_t m = (size_t)B * out;
  switch (ly->unit) {
    case COA_BERNOULLI:
      for (size_t k = 0; k < m; k++) h[k] = rng_uniform(rng) < mu[k] ? 1.0 : 0.0;
      break;
    case COA_GAUSSIAN:
    case COA_GAUSS_OUT: {
      const double sd = sqrt(ly->var);
      for (size_t k = 0; k < m; k++) h[k] = mu[k] + sd * coa_normal(rng);
      break;
    }
    case COA_SOFTPLUS:
    case COA_RELU:
    case COA_LINEAR:
      memcpy(h, mu, m * sizeof(double));
      break;
    case COA_SOFTMAX:
      for (int r = 0; r < B; r++) {
        const double *q = mu + (size_t)r * out;
        double u = rng_uniform(rng), c = 0;
        int a = out - 1;
        for (int j = 0; j < out; j++) {
          c += q[j];
          if (u < c) {
            a = j;
            break;
          }
        }
        action[r] = a;
        for (int j = 0; j < out; j++) h[(size_t)r * out + j] = j == a;
      }
      break;
  }
}

static void layer_sample(coa_learner *L, int l, rng_t *rng) {
  sample_values(&L->net->layer[l], L->mean[l], L->batch, L->x[l + 1], L->action, rng);
}

/* gz = d log p(value) / d(x.W + b): the REINFORCE eligibility of each unit;
 * 0 for deterministic hidden units (they have none of their own). */
static void layer_local_gz(coa_learner *L, int l) {
  const coa_layer *ly = &L->net->layer[l];
  const size_t m = (size_t)L->batch * ly->out;
  const double *h = L->x[l + 1], *mu = L->mean[l], *dmu = L->dmu[l];
  double *g = L->gz[l];
  const double it = 1.0 / ly->temp, iv = 1.0 / ly->var;
  switch (ly->unit) {
    case COA_BERNOULLI:
    case COA_SOFTMAX: /* x holds the one-hot action */
      for (size_t k = 0; k < m; k++) g[k] = (h[k] - mu[k]) * it;
      if (ly->unit == COA_SOFTMAX && L->cfg.fix_last_logit) /* not a parameter: no eligibility */
        for (int r = 0; r < L->batch; r++) g[(size_t)r * ly->out + ly->out - 1] = 0;
      break;
    case COA_GAUSSIAN:
      for (size_t k = 0; k < m; k++) g[k] = (h[k] - mu[k]) * dmu[k] * iv * it;
      break;
    case COA_GAUSS_OUT:
      for (size_t k = 0; k < m; k++) g[k] = (h[k] - mu[k]) * iv * it;
      break;
    case COA_LINEAR:
      if (l == L->net->n_layers - 1) { /* a value output: dV/dz */
        for (size_t k = 0; k < m; k++) g[k] = it;
        break;
      }
      /* fall through */
    case COA_SOFTPLUS:
    case COA_RELU:
      memset(g, 0, m * sizeof(double));
      break;
  }
}

/* dst[r][i] = sum_j w_ij * gz[r][j] of layer l (the signal a unit of the layer
 * below gets from layer l) */
static void layer_back(const coa_layer *ly, const double *gz, int B, double *dst) {
  const int in = ly->in, out = ly->out;
  for (int r = 0; r < B; r++) {
    const double *gr = gz + (size_t)r * out;
    double *d = dst + (size_t)r * in;
    for (int i = 0; i < in; i++) {
      const double *wi = ly->w + (size_t)i * out;
      double s = 0;
      for (int j = 0; j < out; j++) s += wi[j] * gr[j];
      d[i] = s;
    }
  }
}

/* BACKPROP / STE / value networks: the hidden layers' gz become the exact
 * gradient of the top layer's log-probability (or value) with respect to
 * their z, passing through f'(pot) (sigma'(pot) for sampled Bernoulli units). */
void coa_learner_backprop_gz(coa_learner *L) {
  const coa_net *n = L->net;
  const int B = L->batch;
  for (int l = n->n_layers - 2; l >= 0; l--) {
    const coa_layer *ly = &n->layer[l];
    double *g = L->gz[l];
    layer_back(&n->layer[l + 1], L->gz[l + 1], B, g);
    const size_t m = (size_t)B * ly->out;
    const double *dmu = L->dmu[l], it = 1.0 / ly->temp;
    for (size_t k = 0; k < m; k++) g[k] *= dmu[k] * it;
  }
}

/* pot and mean of layers from l0 up (those below are current), then every
 * layer's local gz */
static void refresh_from(coa_learner *L, int l0) {
  const coa_net *n = L->net;
  for (int l = 0; l < n->n_layers; l++) {
    if (l >= l0) {
      layer_pot(&n->layer[l], L->x[l], L->batch, L->pot[l]);
      layer_mean(&n->layer[l], L->pot[l], L->batch, L->mean[l], L->dmu[l]);
      if (l < n->n_layers - 1 && !unit_is_stochastic(n->layer[l].unit))
        memcpy(L->x[l + 1], L->mean[l], (size_t)L->batch * n->layer[l].out * sizeof(double));
    }
    layer_local_gz(L, l);
  }
}

void coa_learner_refresh(coa_learner *L) { refresh_from(L, 0); }

void coa_learner_energy_grad(coa_learner *L) {
  const coa_net *n = L->net;
  for (int l = 0; l < n->n_layers - 1; l++) {
    const coa_layer *ly = &n->layer[l];
    double *gh = L->gh[l];
    layer_back(&n->layer[l + 1], L->gz[l + 1], L->batch, gh);
    const size_t m = (size_t)L->batch * ly->out;
    const double *h = L->x[l + 1], *mu = L->mean[l], iv = 1.0 / ly->var;
    for (size_t k = 0; k < m; k++) gh[k] += (mu[k] - h[k]) * iv;
  }
}

void coa_learner_map_step(coa_learner *L) {
  const coa_net *n = L->net;
  coa_learner_energy_grad(L);
  /* synchronous: every layer moves on the gradient of the same state */
  for (int l = 0; l < n->n_layers - 1; l++) {
    const double a = 0.5 * n->layer[l].var;
    const size_t m = (size_t)L->batch * n->layer[l].out;
    double *h = L->x[l + 1];
    const double *gh = L->gh[l];
    for (size_t k = 0; k < m; k++) h[k] += a * gh[k];
  }
  refresh_from(L, 1); /* the first layer's potential depends on the input only */
}

double coa_learner_log_joint(coa_learner *L, int row) {
  const coa_net *n = L->net;
  double s = 0;
  for (int l = 0; l < n->n_layers; l++) {
    const coa_layer *ly = &n->layer[l];
    const double *h = L->x[l + 1] + (size_t)row * ly->out, *mu = L->mean[l] + (size_t)row * ly->out;
    for (int j = 0; j < ly->out; j++) {
      switch (ly->unit) {
        case COA_GAUSSIAN:
        case COA_GAUSS_OUT: {
          double d = h[j] - mu[j];
          s += -0.5 * d * d / ly->var - 0.5 * log(6.283185307179586 * ly->var);
          break;
        }
        case COA_BERNOULLI: s += h[j] > 0.5 ? log(mu[j]) : log1p(-mu[j]); break;
        case COA_SOFTMAX:
          if (h[j] > 0.5) s += log(mu[j]);
          break;
        default: break; /* deterministic: no density of its own */
      }
    }
  }
  return s;
}

double coa_learner_log_policy(coa_learner *L, int row) { return coa_learner_log_joint(L, row); }

/* e <- lambda*gamma*e + x (x) gz, per row */
static void add_traces(coa_learner *L) {
  const coa_net *n = L->net;
  const double decay = L->cfg.lambda * L->cfg.gamma;
  for (int r = 0; r < L->batch; r++) {
    double *er = L->trace + (size_t)r * n->n_params;
    for (int l = 0; l < n->n_layers; l++) {
      const coa_layer *ly = &n->layer[l];
      const int in = ly->in, out = ly->out;
      double *ew = er + n->offset[l], *eb = ew + (size_t)in * out;
      const double *xr = L->x[l] + (size_t)r * in, *g = L->gz[l] + (size_t)r * out;
      for (int i = 0; i < in; i++) {
        double *e = ew + (size_t)i * out;
        const double xi = xr[i];
        if (decay == 0)
          for (int j = 0; j < out; j++) e[j] = xi * g[j];
        else
          for (int j = 0; j < out; j++) e[j] = decay * e[j] + xi * g[j];
      }
      for (int j = 0; j < out; j++) eb[j] = decay * eb[j] + g[j];
    }
  }
}

void coa_learner_act(coa_learner *L, const double *obs, rng_t *rng) {
  const coa_net *n = L->net;
  memcpy(L->x[0], obs, (size_t)L->batch * n->widths[0] * sizeof(double));
  for (int l = 0; l < n->n_layers; l++) {
    layer_pot(&n->layer[l], L->x[l], L->batch, L->pot[l]);
    layer_mean(&n->layer[l], L->pot[l], L->batch, L->mean[l], L->dmu[l]);
    layer_sample(L, l, rng);
    layer_local_gz(L, l);
  }
  if (L->cfg.rule->infer) L->cfg.rule->infer(L);
  coa_learner_eligibility(L);
}

void coa_learner_eligibility(coa_learner *L) {
  if (L->cfg.rule->eligibility) L->cfg.rule->eligibility(L);
  add_traces(L);
}

void coa_learner_value(coa_learner *L, const double *obs, double *v, bool trace) {
  const coa_net *n = L->net;
  const int top = n->n_layers - 1;
  memcpy(L->x[0], obs, (size_t)L->batch * n->widths[0] * sizeof(double));
  for (int l = 0; l < n->n_layers; l++) {
    layer_pot(&n->layer[l], L->x[l], L->batch, L->pot[l]);
    layer_mean(&n->layer[l], L->pot[l], L->batch, L->mean[l], L->dmu[l]);
    memcpy(L->x[l + 1], L->mean[l], (size_t)L->batch * n->layer[l].out * sizeof(double));
  }
  for (int r = 0; r < L->batch; r++) v[r] = L->mean[top][(size_t)r * n->widths[top + 1]];
  if (!trace) return;
  layer_local_gz(L, top);
  coa_learner_backprop_gz(L);
  add_traces(L);
}

void coa_learner_value_map(coa_learner *L, const double *obs, double *v, bool trace, rng_t *rng) {
  const coa_net *n = L->net;
  const int top = n->n_layers - 1, B = L->batch, wt = n->widths[top + 1];
  memcpy(L->x[0], obs, (size_t)B * n->widths[0] * sizeof(double));
  for (int l = 0; l < n->n_layers; l++) {
    layer_pot(&n->layer[l], L->x[l], B, L->pot[l]);
    layer_mean(&n->layer[l], L->pot[l], B, L->mean[l], L->dmu[l]);
    layer_sample(L, l, rng);
    layer_local_gz(L, l);
  }
  for (int r = 0; r < B; r++) v[r] = L->mean[top][(size_t)r * wt];
  if (!trace) return;
  for (int s = 0; s < L->cfg.map_steps; s++) coa_learner_map_step(L);
  /* the gate 1/(v - mean) of the output, with the mean after the MAP steps */
  for (int r = 0; r < B; r++) {
    const double d = L->x[top + 1][(size_t)r * wt] - L->mean[top][(size_t)r * wt];
    const double gate = d != 0 ? 1.0 / d : 0.0;
    for (int l = 0; l < n->n_layers; l++) {
      double *g = L->gz[l] + (size_t)r * n->widths[l + 1];
      for (int j = 0; j < n->widths[l + 1]; j++) g[j] *= gate;
    }
  }
  add_traces(L);
}

double coa_learner_lr(const coa_learner *L, int l) {
  const coa_config *c = &L->cfg;
  double f = c->end_t > 0 ? fmin((double)L->t / (double)c->end_t, 1.0) : 0.0;
  return c->lr_start[l] + (c->lr_end[l] - c->lr_start[l]) * f;
}

void coa_learner_learn(coa_learner *L, const double *rew) {
  coa_net *n = L->net;
  const coa_config *c = &L->cfg;
  const int B = L->batch;
  const double ib = 1.0 / B;
  for (int l = n->n_layers - 1; l >= 0; l--) {
    coa_layer *ly = &n->layer[l];
    const int in = ly->in, out = ly->out;
    double *R = L->R[l];
    if (l < n->n_layers - 1 && c->rule->unit_reward)
      c->rule->unit_reward(L, l, rew);
    else
      for (int r = 0; r < B; r++)
        for (int j = 0; j < out; j++) R[(size_t)r * out + j] = rew[r];
    /* grad = mean over rows of trace * R of the unit the weight feeds */
    const size_t off = n->offset[l], cnt = coa_layer_params(ly);
    double *g = L->grad + off;
    memset(g, 0, cnt * sizeof(double));
    for (int r = 0; r < B; r++) {
      const double *er = L->trace + (size_t)r * n->n_params + off, *Rr = R + (size_t)r * out;
      for (int i = 0; i <= in; i++) /* i == in: the bias row */
        for (int j = 0; j < out; j++) g[(size_t)i * out + j] += er[(size_t)i * out + j] * Rr[j];
    }
    /* Adam ascent, this layer's own state and rate */
    const double lr = coa_learner_lr(L, l);
    const long t = ++L->adam_t[l];
    const double b1 = c->adam_b1, b2 = c->adam_b2;
    const bool correct = c->adam_correct_until <= 0 || t < c->adam_correct_until;
    const double c1 = correct ? 1.0 / (1.0 - pow(b1, (double)t)) : 1.0;
    const double c2 = correct ? 1.0 / (1.0 - pow(b2, (double)t)) : 1.0;
    double *p = n->params + off, *m = L->adam_m + off, *v = L->adam_v + off;
    for (size_t k = 0; k < cnt; k++) {
      const double gk = g[k] *= ib;
      m[k] = b1 * m[k] + (1 - b1) * gk;
      v[k] = b2 * v[k] + (1 - b2) * gk * gk;
      p[k] += lr * (m[k] * c1) / (sqrt(v[k] * c2) + c->adam_eps);
    }
  }
  L->t++;
}

void coa_learner_reset_row(coa_learner *L, int row) {
  memset(L->trace + (size_t)row * L->net->n_params, 0, L->net->n_params * sizeof(double));
}

/* ---------------------------------------------------------------- rules */

static bool gaussian_hidden(coa_unit u) { return u == COA_GAUSSIAN; }
static bool deterministic_hidden(coa_unit u) { return !unit_is_stochastic(u); }
static bool bernoulli_hidden(coa_unit u) { return u == COA_BERNOULLI; }

static void mapprop_infer(coa_learner *L) {
  for (int s = 0; s < L->cfg.map_steps; s++) coa_learner_map_step(L);
}

/* Weight Maximization: the reward of unit i of layer l is the first-order
 * change of the squared norm of its outgoing weights along the raw update
 * direction e_ij * R_j, with layer l+1 already updated. */
static void weightmax_reward(coa_learner *L, int l, const double *rew) {
  (void)rew;
  const coa_net *n = L->net;
  const coa_layer *up = &n->layer[l + 1];
  const int in = up->in, out = up->out;
  const size_t off = n->offset[l + 1];
  double *Rb = L->R[l];
  for (int r = 0; r < L->batch; r++) {
    const double *er = L->trace + (size_t)r * n->n_params + off, *Rr = L->R[l + 1] + (size_t)r * out;
    for (int i = 0; i < in; i++) {
      const double *wi = up->w + (size_t)i * out, *ei = er + (size_t)i * out;
      double s = 0;
      for (int j = 0; j < out; j++) s += wi[j] * ei[j] * Rr[j];
      Rb[(size_t)r * in + i] = 2.0 * s;
    }
  }
}

const coa_rule_def coa_rule_reinforce = {.name = "reinforce",
                                         .summary = "Global REINFORCE: every unit learns from the global reward",
                                         .hidden_unit = COA_BERNOULLI,
                                         .accepts = unit_is_stochastic};
const coa_rule_def coa_rule_weightmax = {.name = "weightmax",
                                         .summary = "Weight Maximization: a hidden unit's reward is the change of "
                                                    "its outgoing weights' norm",
                                         .hidden_unit = COA_BERNOULLI,
                                         .accepts = unit_is_stochastic,
                                         .unit_reward = weightmax_reward};
const coa_rule_def coa_rule_mapprop = {.name = "mapprop",
                                       .summary = "MAP propagation: energy descent on the hidden values, then "
                                                  "REINFORCE",
                                       .hidden_unit = COA_GAUSSIAN,
                                       .accepts = gaussian_hidden,
                                       .infer = mapprop_infer};
const coa_rule_def coa_rule_backprop = {.name = "backprop",
                                        .summary = "backpropagation through deterministic hidden units",
                                        .hidden_unit = COA_SOFTPLUS,
                                        .accepts = deterministic_hidden,
                                        .eligibility = coa_learner_backprop_gz};
const coa_rule_def coa_rule_ste = {.name = "ste",
                                   .summary = "straight-through: Bernoulli hidden units, gradient through "
                                              "sigma'(pot)",
                                   .hidden_unit = COA_BERNOULLI,
                                   .accepts = bernoulli_hidden,
                                   .eligibility = coa_learner_backprop_gz};

/* the order fixes the ids that checkpoints store: do not reorder */
static const coa_rule_def *const builtin_rules[] = {&coa_rule_reinforce, &coa_rule_weightmax, &coa_rule_mapprop,
                                                    &coa_rule_backprop, &coa_rule_ste};

size_t coa_rule_count(void) { return sizeof builtin_rules / sizeof *builtin_rules; }

coa_rule coa_rule_at(size_t i) { return i < coa_rule_count() ? builtin_rules[i] : NULL; }

coa_rule coa_rule_find(const char *name) {
  for (size_t i = 0; name && i < coa_rule_count(); i++)
    if (strcmp(builtin_rules[i]->name, name) == 0) return builtin_rules[i];
  return NULL;
}

/* ---------------------------------------------------------------- policy alone */

syn_status coa_policy_ws_init(coa_policy_ws *ws, const coa_net *n, syn_err *e) {
  memset(ws, 0, sizeof *ws);
  size_t total = (size_t)n->widths[0];
  for (int l = 0; l < n->n_layers; l++) total += 4 * (size_t)n->widths[l + 1];
  ws->buf = core_alloc(total * sizeof(double));
  if (!ws->buf) return syn_err_set(e, SYN_ERR_NOMEM, "coagent: out of memory for a policy");
  double *p = ws->buf;
  ws->x[0] = p;
  p += n->widths[0];
  for (int l = 0; l < n->n_layers; l++) {
    const size_t m = (size_t)n->widths[l + 1];
    ws->x[l + 1] = p, p += m;
    ws->pot[l] = p, p += m;
    ws->mean[l] = p, p += m;
    ws->dmu[l] = p, p += m;
  }
  return SYN_OK;
}

void coa_policy_ws_free(coa_policy_ws *ws) {
  core_free(ws->buf);
  memset(ws, 0, sizeof *ws);
}

int coa_policy_sample(const coa_net *n, coa_policy_ws *ws, const double *obs, rng_t *rng) {
  int action = -1;
  memcpy(ws->x[0], obs, (size_t)n->widths[0] * sizeof(double));
  for (int l = 0; l < n->n_layers; l++) {
    layer_pot(&n->layer[l], ws->x[l], 1, ws->pot[l]);
    layer_mean(&n->layer[l], ws->pot[l], 1, ws->mean[l], ws->dmu[l]);
    sample_values(&n->layer[l], ws->mean[l], 1, ws->x[l + 1], &action, rng);
  }
  return n->layer[n->n_layers - 1].unit == COA_SOFTMAX ? action : -1;
}
