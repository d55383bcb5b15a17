/* safetensors export read back by an independent parser written here: the
 * 8-byte little-endian header length, 8-byte alignment of the data, the JSON
 * header (dtype, shape, data_offsets, metadata), and every value against the
 * network's own layout (row 0 of each layer's matrix is the bias). */
#include "testutil.h"

#include "synrl/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a minimal JSON reader: objects, arrays, strings, integers ---- */
typedef enum { J_OBJ, J_ARR, J_STR, J_NUM } jkind;
typedef struct jval {
  jkind kind;
  char *str;            /* J_STR */
  double num;           /* J_NUM */
  int n;                /* J_OBJ / J_ARR children */
  char **keys;          /* J_OBJ */
  struct jval **items;
} jval;

static void jfree(jval *v) {
  if (!v) return;
  for (int i = 0; i < v->n; i++) {
    if (v->keys) free(v->keys[i]);
    jfree(v->items[i]);
  }
  free(v->keys);
  free(v->items);
  free(v->str);
  free(v);
}

static void skip_ws(const char **p, const char *end) {
  while (*p < end && (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')) (*p)++;
}

static char *jstring(const char **p, const char *end) {
  if (*p >= end || **p != '"') return NULL;
  (*p)++;
  const char *a = *p;
  while (*p < end && **p != '"') {
    if (**p == '\\') return NULL; /* the exporter never escapes */
    (*p)++;
  }
  if (*p >= end) return NULL;
  char *s = malloc((size_t)(*p - a) + 1);
  memcpy(s, a, (size_t)(*p - a));
  s[*p - a] = 0;
  (*p)++;
  return s;
}

static jval *jparse(const char **p, const char *end) {
  skip_ws(p, end);
  if (*p >= end) return NULL;
  jval *v = calloc(1, sizeof *v);
  if (**p == '{' || **p == '[') {
    bool obj = **p == '{';
    v->kind = obj ? J_OBJ : J_ARR;
    (*p)++;
    skip_ws(p, end);
    if (*p < end && **p == (obj ? '}' : ']')) {
      (*p)++;
      return v;
    }
    for (;;) {
      v->items = realloc(v->items, (size_t)(v->n + 1) * sizeof *v->items);
      if (obj) {
        v->keys = realloc(v->keys, (size_t)(v->n + 1) * sizeof *v->keys);
        skip_ws(p, end);
        char *k = jstring(p, end);
        skip_ws(p, end);
        if (!k || *p >= end || **p != ':') {
          free(k);
          jfree(v);
          return NULL;
        }
        (*p)++;
        v->keys[v->n] = k;
      }
      jval *c = jparse(p, end);
      if (!c) {
        if (obj) free(v->keys[v->n]);
        jfree(v);
        return NULL;
      }
      v->items[v->n++] = c;
      skip_ws(p, end);
      if (*p < end && **p == ',') {
        (*p)++;
        continue;
      }
      if (*p < end && **p == (obj ? '}' : ']')) {
        (*p)++;
        return v;
      }
      jfree(v);
      return NULL;
    }
  }
  if (**p == '"') {
    v->kind = J_STR;
    v->str = jstring(p, end);
    if (!v->str) {
      free(v);
      return NULL;
    }
    return v;
  }
  char *e;
  v->kind = J_NUM;
  v->num = strtod(*p, &e);
  if (e == *p || e > end) {
    free(v);
    return NULL;
  }
  *p = e;
  return v;
}

static jval *jget(const jval *o, const char *key) {
  if (!o || o->kind != J_OBJ) return NULL;
  for (int i = 0; i < o->n; i++)
    if (strcmp(o->keys[i], key) == 0) return o->items[i];
  return NULL;
}

static uint64_t le64(const unsigned char *b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | b[i];
  return v;
}

static void make_net(nn_mlp *m, int n_layers, const int *widths, uint64_t seed) {
  nn_act act[NN_MAX_LAYERS];
  for (int l = 0; l < n_layers; l++) act[l] = l + 1 < n_layers ? NN_ACT_RELU : NN_ACT_TANH;
  syn_err e = {0};
  assert_int_equal(nn_mlp_create(m, n_layers, widths, act, &e), SYN_OK);
  rng_t g;
  rng_seed(&g, seed, 9);
  /* every parameter distinct and non-zero, biases included */
  for (size_t i = 0; i < m->n_params; i++) m->params[i] = rng_uniform_range(&g, -2, 2) + 1e-3 * (double)i;
}

/* Parses path and checks it against m; f32: values rounded to float. */
static void check_file(const char *path, const nn_mlp *m, bool f32) {
  long size;
  unsigned char *b = tu_slurp(path, &size);
  assert_non_null(b);
  assert_true(size >= 8);
  uint64_t hlen = le64(b);
  assert_true(hlen <= (uint64_t)size - 8);
  assert_int_equal((8 + hlen) % 8, 0);
  const char *p = (const char *)b + 8, *end = p + hlen;
  assert_int_equal(*p, '{');
  jval *h = jparse(&p, end);
  assert_non_null(h);
  skip_ws(&p, end); /* padding: spaces only */
  assert_true(p == end);
  const unsigned char *data = b + 8 + hlen;
  size_t data_len = (size_t)size - 8 - hlen;
  /* metadata */
  jval *meta = jget(h, "__metadata__");
  assert_non_null(meta);
  assert_string_equal(jget(meta, "format")->str, "synrl-mlp");
  char widths[128] = "", acts[128] = "";
  for (int l = 0; l <= m->n_layers; l++)
    snprintf(widths + strlen(widths), sizeof widths - strlen(widths), "%s%d", l ? "," : "", m->widths[l]);
  for (int l = 0; l < m->n_layers; l++)
    snprintf(acts + strlen(acts), sizeof acts - strlen(acts), "%s%s", l ? "," : "", nn_act_name(m->act[l]));
  assert_string_equal(jget(meta, "widths")->str, widths);
  assert_string_equal(jget(meta, "activations")->str, acts);
  assert_int_equal(h->n, 1 + 2 * m->n_layers); /* nothing else in the header */
  size_t esz = f32 ? 4 : 8, covered = 0;
  for (int l = 0; l < m->n_layers; l++) {
    int in = m->widths[l], out = m->widths[l + 1];
    for (int k = 0; k < 2; k++) {
      char name[64];
      snprintf(name, sizeof name, "layers.%d.%s", l, k ? "bias" : "weight");
      jval *t = jget(h, name);
      if (!t) fail_msg("no tensor %s", name);
      assert_string_equal(jget(t, "dtype")->str, f32 ? "F32" : "F64");
      jval *shape = jget(t, "shape"), *offs = jget(t, "data_offsets");
      assert_int_equal(shape->n, k ? 1 : 2);
      assert_int_equal((int)shape->items[0]->num, out);
      if (!k) assert_int_equal((int)shape->items[1]->num, in);
      size_t a = (size_t)offs->items[0]->num, z = (size_t)offs->items[1]->num;
      assert_int_equal(z - a, (size_t)(k ? out : out * in) * esz);
      assert_true(z <= data_len);
      assert_int_equal(a % esz, 0);
      covered += z - a;
      for (int j = 0; j < out; j++)
        for (int i = 0; i < (k ? 1 : in); i++) {
          size_t idx = k ? (size_t)j : (size_t)j * in + i;
          /* the stored layout: (in+1) x out row-major, row 0 the bias */
          double want = k ? m->w[l][j] : m->w[l][(size_t)(i + 1) * out + j];
          double got;
          if (f32) {
            float f;
            memcpy(&f, data + a + idx * 4, 4); /* x86-64 and aarch64 are little-endian */
            got = f;
            want = (float)want;
          } else {
            memcpy(&got, data + a + idx * 8, 8);
          }
          if (got != want) fail_msg("%s[%d,%d] = %.17g, expected %.17g", name, j, i, got, want);
        }
    }
  }
  assert_int_equal(covered, data_len); /* no gaps, no overlap, nothing trailing */
  jfree(h);
  free(b);
}

static void test_roundtrip(void **st) {
  (void)st;
  const int w1[3] = {2, 5, 1}, w2[4] = {7, 4, 3, 10}, w3[2] = {785 - 1, 10};
  const int *ws[3] = {w1, w2, w3};
  const int nl[3] = {2, 3, 1};
  for (int c = 0; c < 3; c++) {
    nn_mlp m;
    make_net(&m, nl[c], ws[c], (uint64_t)c + 1);
    char p[512];
    syn_err e = {0};
    tu_path(p, sizeof p, "net.safetensors");
    assert_int_equal(nn_mlp_save_safetensors(&m, p, NN_ST_F64, &e), SYN_OK);
    check_file(p, &m, false);
    assert_int_equal(nn_mlp_save_safetensors(&m, p, NN_ST_F32, &e), SYN_OK);
    check_file(p, &m, true);
    nn_mlp_destroy(&m);
  }
}

/* An unwritable destination fails with a message naming it, and leaves
 * neither the file nor its temporary behind. */
static void test_write_error(void **st) {
  (void)st;
  nn_mlp m;
  const int w[3] = {2, 3, 1};
  make_net(&m, 2, w, 5);
  char p[512];
  tu_path(p, sizeof p, "no-such-dir/x.safetensors");
  syn_err e = {0};
  assert_int_equal(nn_mlp_save_safetensors(&m, p, NN_ST_F64, &e), SYN_ERR_IO);
  assert_contains(e.msg, "no-such-dir/x.safetensors");
  assert_int_equal(tu_file_size(p), -1);
  /* an existing file is replaced whole */
  tu_path(p, sizeof p, "replace.safetensors");
  tu_spit(p, "old", 3);
  assert_int_equal(nn_mlp_save_safetensors(&m, p, NN_ST_F64, &e), SYN_OK);
  check_file(p, &m, false);
  nn_mlp_destroy(&m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_write_error),
  };
  return cmocka_run_group_tests(tests, NULL, tu_teardown_tmp);
}
