/* The settings of an MLP run: defaults, the paper's presets, and the table
 * of settings that option parsers, checkpoints and summary.json share. */
#include "synrl/train.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mlp_config_default(mlp_config *c) {
  memset(c, 0, sizeof *c);
  mlp_task_config_default(&c->task);
  c->preset = "2d-adaptive";
  c->method = "synrl";
  c->policy_mode = "adaptive";
  c->path = "auto";
  /* the paper's Fig. 1a: 10,000 iterations, epsilon 0.25, alpha_q 0.01,
   * alpha_s 1e-3, gamma 0.9 (Bhargava et al. 2022, section 3.1) */
  c->iterations = 10000;
  c->batch = 0;
  c->batch_every = 1;
  c->eval_every = 100;
  c->epsilon = 0.25;
  c->alpha_s = 1e-3;
  c->alpha_q = 0.01;
  c->gamma = 0.9;
  c->lr = 0.1;
  c->bias_step = 1; /* the authors' SynRLv*.jl step biases by 2: --bias-step 2 */
  c->seed = 1;
}

/* ---------------- presets ---------------- */

static void preset_2d_static(mlp_config *c) {
  /* Fig. 1b: the same 2D task with a frozen table (give it as policy) */
  c->policy_mode = "static";
}

/* Common to the OCR presets: the paper's section 3.2 network on 28x28
 * images, ReLU hidden units, weights U[-0.1, 0.1] (the authors' SynRLv6.jl). */
static void preset_ocr(mlp_config *c, bool hu32) {
  c->task.task = "images";
  c->task.hidden = hu32 ? "32" : "0";
  c->task.act = "relu";
  c->task.init_range = 0.1;
  c->eval_every = 1000;
}

static void preset_ocr_synrl(mlp_config *c, bool hu32) {
  preset_ocr(c, hu32);
  /* the static policy behind the paper's numbers: the authors' published
   * golden_pol2cy table; batch 5000 re-drawn every 5000 iterations, epsilon
   * 0.1, alpha_s 1e-4 (SynRLv6.jl); 200,000 / 500,000 iterations and alpha_s
   * halved at 60,000 for 32 HU (the paper, section 3.2; SynRLv6.jl: 100,000).
   * The authors' abort rule is left off (abort_after 25000, abort_below 0.2
   * turn it on). */
  c->method = "synrl";
  c->policy_mode = "static";
  c->policy = "data/policies/authors-golden.tsv";
  c->batch = 5000;
  c->batch_every = 5000;
  c->alpha_s = 1e-4;
  c->epsilon = 0.1;
  c->iterations = hu32 ? 500000 : 200000;
  c->halve_at = hu32 ? 60000 : 0;
}

static void preset_ocr_gd(mlp_config *c, bool hu32) {
  preset_ocr(c, hu32);
  /* the paper's gradient-descent baseline: full batch, lr 0.1, no momentum;
   * the 0-HU network starts from U[-1, 1] as in the authors' 0 HU notebook */
  c->method = "gd";
  c->lr = 0.1;
  c->batch = 0;
  c->eval_every = 10;
  c->iterations = hu32 ? 500 : 5000;
  if (!hu32) c->task.init_range = 1.0;
}

static void p_2d_adaptive(mlp_config *c) { (void)c; /* the defaults: Fig. 1a */ }
static void p_ocr_0hu(mlp_config *c) { preset_ocr_synrl(c, false); }
static void p_ocr_32hu(mlp_config *c) { preset_ocr_synrl(c, true); }
static void p_gd_ocr_0hu(mlp_config *c) { preset_ocr_gd(c, false); }
static void p_gd_ocr_32hu(mlp_config *c) { preset_ocr_gd(c, true); }

static const struct {
  const char *name, *about;
  void (*apply)(mlp_config *c);
} presets[] = {
    {"2d-adaptive", "Fig. 1a: 2-100-1 tanh on a 2D boundary, table learned while training",
     p_2d_adaptive},
    {"2d-static", "Fig. 1b: the 2D task with a frozen table (give --policy)", preset_2d_static},
    {"ocr-0hu", "Table 1: 784-10 on Fashion-MNIST, the authors' static table", p_ocr_0hu},
    {"ocr-32hu", "Table 1: 784-32-10 ReLU on Fashion-MNIST, the authors' static table",
     p_ocr_32hu},
    {"gd-ocr-0hu", "Table 1 baseline: 784-10, full-batch gradient descent", p_gd_ocr_0hu},
    {"gd-ocr-32hu", "Table 1 baseline: 784-32-10 ReLU, full-batch gradient descent",
     p_gd_ocr_32hu},
};
#define N_PRESETS ((int)(sizeof presets / sizeof *presets))

int mlp_preset_count(void) { return N_PRESETS; }
const char *mlp_preset_name(int i) { return i >= 0 && i < N_PRESETS ? presets[i].name : NULL; }
const char *mlp_preset_about(int i) { return i >= 0 && i < N_PRESETS ? presets[i].about : NULL; }

const char *mlp_preset_choices(void) {
  return "2d-adaptive|2d-static|ocr-0hu|ocr-32hu|gd-ocr-0hu|gd-ocr-32hu";
}

syn_status mlp_preset_apply(const char *name, mlp_config *c, syn_err *e) {
  for (int i = 0; name && i < N_PRESETS; i++)
    if (strcmp(name, presets[i].name) == 0) {
      presets[i].apply(c);
      c->preset = presets[i].name;
      return SYN_OK;
    }
  return syn_err_set(e, SYN_ERR_ARG, "preset: '%s' is not one of %s", name ? name : "",
                     mlp_preset_choices());
}

/* ---------------- the settings table ---------------- */

#define AT(f) offsetof(mlp_config, f)
#define ACT_CHOICES "tanh|relu|sigmoid|identity"
static const mlp_setting settings[] = {
    {"preset", MLP_SET_STR, AT(preset), 1, 0, NULL,
     "2d-adaptive|2d-static|ocr-0hu|ocr-32hu|gd-ocr-0hu|gd-ocr-32hu (flags override it)"},
    {"method", MLP_SET_CHOICE, AT(method), 1, 0, "synrl|gd", "learning rule"},
    {"iterations", MLP_SET_LONG, AT(iterations), 0, 1e12, NULL, "iterations (GD: full-batch epochs)"},
    {"batch", MLP_SET_LONG, AT(batch), 0, 1e9, NULL, "minibatch size (0: the whole training set)"},
    {"batch-every", MLP_SET_LONG, AT(batch_every), 1, 1e12, NULL, "draw a new minibatch every K iterations"},
    {"eval-every", MLP_SET_LONG, AT(eval_every), 1, 1e12, NULL, "evaluate on the full sets every N iterations"},
    {"policy", MLP_SET_STR, AT(policy), 1, 0, NULL,
     "policy file (synrl format or the authors' TSV); adaptive runs start from zero without it"},
    {"policy-mode", MLP_SET_CHOICE, AT(policy_mode), 1, 0, "adaptive|static",
     "adaptive: learn the Q table while training; static: apply it frozen"},
    {"epsilon", MLP_SET_DOUBLE, AT(epsilon), 0, 1, NULL, "synrl: exploration probability"},
    {"alpha-s", MLP_SET_DOUBLE, AT(alpha_s), 1e-300, 1e6, NULL, "synrl: synaptic step"},
    {"alpha-q", MLP_SET_DOUBLE, AT(alpha_q), 0, 1, NULL, "synrl: Q-learning rate"},
    {"gamma", MLP_SET_DOUBLE, AT(gamma), 0, 1, NULL, "synrl: discount"},
    {"halve-at", MLP_SET_LONG, AT(halve_at), 0, 1e12, NULL, "synrl: halve alpha-s from this iteration (0: never)"},
    {"bias-step", MLP_SET_INT, AT(bias_step), 1, 2, NULL,
     "synrl: bias synapses step by this many alpha-s (the authors' code: 2)"},
    {"path", MLP_SET_CHOICE, AT(path), 1, 0, "auto|general|q8-ref|q8-fast|small",
     "synrl: computation path (auto: q8-fast for 8-bit inputs, else general; small: 2D-sized "
     "regression nets without BLAS, own tanh)"},
    {"portable", MLP_SET_BOOL, AT(portable), 1, 0, NULL,
     "synrl: portable kernels even where AVX-512 VNNI is present (same results)"},
    {"lr", MLP_SET_DOUBLE, AT(lr), 1e-300, 1e6, NULL, "gd: learning rate"},
    {"abort-after", MLP_SET_LONG, AT(abort_after), 0, 1e12, NULL, "the authors' abort rule: check at this iteration"},
    {"abort-below", MLP_SET_DOUBLE, AT(abort_below), 0, 1, NULL, "... stop if training accuracy is below this (0: off)"},
    {"patience", MLP_SET_LONG, AT(patience), 0, 1e12, NULL,
     "stop when validation accuracy has not improved for N evaluations (0: off)"},
    {"seed", MLP_SET_U64, AT(seed), 1, 0, NULL, "seed: fixes the whole run"},
    {"task", MLP_SET_CHOICE, AT(task.task), 1, 0, "boundary2d|images", "task"},
    {"hidden", MLP_SET_STR, AT(task.hidden), 1, 0, NULL, "hidden layer widths, comma-separated (0: none)"},
    {"act", MLP_SET_CHOICE, AT(task.act), 1, 0, ACT_CHOICES, "hidden activation"},
    {"out-act", MLP_SET_CHOICE, AT(task.out_act), 1, 0, "auto|" ACT_CHOICES,
     "output activation (auto: tanh for boundary2d, identity for images)"},
    {"loss", MLP_SET_CHOICE, AT(task.loss), 1, 0, "auto|euclid|mse|softmax-ce",
     "loss (auto: euclid for boundary2d, softmax-ce for images)"},
    {"init-range", MLP_SET_DOUBLE, AT(task.init_range), 0, 100, NULL, "initial weights U[-r, r], biases 0"},
    {"boundary-seed", MLP_SET_U64, AT(task.boundary_seed), 1, 0, NULL,
     "boundary2d: seed of the target boundary and points (0: the run's seed)"},
    {"points", MLP_SET_LONG, AT(task.points), 1, 10000000, NULL, "boundary2d: training points"},
    {"valid-points", MLP_SET_LONG, AT(task.valid_points), 0, 10000000, NULL,
     "boundary2d: held-out points from the same boundary"},
    {"data-dir", MLP_SET_STR, AT(task.data_dir), 1, 0, NULL,
     "images: folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]"},
    {"protocol", MLP_SET_CHOICE, AT(task.protocol), 1, 0, "paper|official",
     "images: paper (first N training images, random split) or official train/test"},
    {"n-images", MLP_SET_LONG, AT(task.n_images), 1, 100000000, NULL, "images, paper protocol: first N images"},
    {"valid-frac", MLP_SET_DOUBLE, AT(task.valid_frac), 0, 0.99, NULL,
     "images, paper protocol: probability an image goes to validation"},
    {"split-seed", MLP_SET_U64, AT(task.split_seed), 1, 0, NULL,
     "images, paper protocol: seed of the split (0: the run's seed)"},
};
#undef AT
#define N_SETTINGS (sizeof settings / sizeof *settings)

const mlp_setting *mlp_settings(size_t *n) {
  *n = N_SETTINGS;
  return settings;
}

bool mlp_choice_ok(const char *choices, const char *v) {
  size_t n = strlen(v);
  for (const char *c = choices; *c;) {
    const char *bar = strchr(c, '|');
    size_t len = bar ? (size_t)(bar - c) : strlen(c);
    if (len == n && strncmp(c, v, n) == 0) return true;
    if (!bar) break;
    c = bar + 1;
  }
  return false;
}

syn_status mlp_config_set(mlp_config *c, const char *name, const char *value, syn_err *e) {
  const mlp_setting *s = NULL;
  for (size_t i = 0; i < N_SETTINGS && !s; i++)
    if (strcmp(settings[i].name, name) == 0) s = &settings[i];
  if (!s) return syn_err_set(e, SYN_ERR_ARG, "%s: no such setting", name);
  void *p = (char *)c + s->offset;
  char *end = NULL;
  errno = 0;
  double x = 0;
  switch (s->kind) {
    case MLP_SET_STR:
      *(const char **)p = strcmp(value, "(none)") == 0 ? NULL : value;
      return SYN_OK;
    case MLP_SET_CHOICE:
      if (!mlp_choice_ok(s->choices, value))
        return syn_err_set(e, SYN_ERR_ARG, "%s: '%s' is not one of %s", name, value, s->choices);
      *(const char **)p = value;
      return SYN_OK;
    case MLP_SET_BOOL:
      if (strcmp(value, "on") && strcmp(value, "off"))
        return syn_err_set(e, SYN_ERR_ARG, "%s: '%s' is not on or off", name, value);
      *(bool *)p = strcmp(value, "on") == 0;
      return SYN_OK;
    case MLP_SET_U64: {
      unsigned long long u = strtoull(value, &end, 10);
      if (!*value || *end || errno || value[0] == '-')
        return syn_err_set(e, SYN_ERR_ARG, "%s: '%s' is not a valid value", name, value);
      *(uint64_t *)p = u;
      return SYN_OK;
    }
    case MLP_SET_INT:
    case MLP_SET_LONG:
      x = (double)strtoll(value, &end, 10);
      break;
    case MLP_SET_DOUBLE:
      x = strtod(value, &end);
      break;
  }
  if (!*value || *end || errno || !isfinite(x))
    return syn_err_set(e, SYN_ERR_ARG, "%s: '%s' is not a valid value", name, value);
  if (s->lo <= s->hi && (x < s->lo || x > s->hi))
    return syn_err_set(e, SYN_ERR_ARG, "%s: %s is out of range", name, value);
  if (s->kind == MLP_SET_INT)
    *(int *)p = (int)x;
  else if (s->kind == MLP_SET_LONG)
    *(long *)p = (long)x;
  else
    *(double *)p = x;
  return SYN_OK;
}

/* A growing string; NULL once out of memory. */
static char *append(char *t, size_t *len, size_t *cap, const char *s) {
  size_t n = strlen(s);
  if (!t) return NULL;
  if (*len + n + 1 > *cap) {
    while (*len + n + 1 > *cap) *cap *= 2;
    char *nt = realloc(t, *cap);
    if (!nt) {
      free(t);
      return NULL;
    }
    t = nt;
  }
  memcpy(t + *len, s, n + 1);
  *len += n;
  return t;
}

char *mlp_config_text(const mlp_config *c, const char *extra) {
  size_t len = 0, cap = 4096;
  char *t = malloc(cap), line[512];
  if (t) t[0] = 0;
  snprintf(line, sizeof line, "synrl_version=%s\n", core_version());
  t = append(t, &len, &cap, line);
  for (size_t i = 0; i < N_SETTINGS && t; i++) {
    const mlp_setting *s = &settings[i];
    const void *p = (const char *)c + s->offset;
    char num[48];
    const char *v = num;
    switch (s->kind) {
      case MLP_SET_INT: snprintf(num, sizeof num, "%d", *(const int *)p); break;
      case MLP_SET_LONG: snprintf(num, sizeof num, "%ld", *(const long *)p); break;
      case MLP_SET_U64: snprintf(num, sizeof num, "%llu", (unsigned long long)*(const uint64_t *)p); break;
      case MLP_SET_DOUBLE: core_fmt_double(num, sizeof num, *(const double *)p); break;
      case MLP_SET_BOOL: v = *(const bool *)p ? "on" : "off"; break;
      case MLP_SET_STR:
      case MLP_SET_CHOICE: v = *(const char *const *)p ? *(const char *const *)p : "(none)"; break;
    }
    /* one line per setting: control characters would break the format */
    snprintf(line, sizeof line, "%s=", s->name);
    t = append(t, &len, &cap, line);
    size_t at = len;
    t = append(t, &len, &cap, v);
    for (size_t k = at; t && k < len; k++)
      if ((unsigned char)t[k] < 0x20) t[k] = '?';
    t = append(t, &len, &cap, "\n");
  }
  if (extra) t = append(t, &len, &cap, extra);
  return t;
}
