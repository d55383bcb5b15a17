/* Checkpoint container (include/synrl/ckpt.h; format in docs/formats.md):
 *   magic "SYNRLCKP", u32 version, u32 section count,
 *   per section: u32 name length, name, u64 payload length, payload,
 *   u32 CRC-32 of everything before it.
 * Built in memory and handed to the atomic writer of fileio.c in one piece. */
#include "synrl/core.h"
#include "core/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HDR_BYTES 16 /* magic, version, section count */

static void fail(ckpt_writer *w, syn_status code, const char *msg) {
  if (w->err) return;
  w->err = code;
  snprintf(w->err_msg, sizeof w->err_msg, "%s", msg);
}

static void put_raw(ckpt_writer *w, const void *p, size_t n) {
  if (w->err || n == 0) return;
  if (n > w->cap - w->len) {
    size_t cap = w->cap ? w->cap : 4096;
    while (cap - w->len < n) {
      if (cap > SIZE_MAX / 2) return fail(w, SYN_ERR_NOMEM, "checkpoint too large");
      cap *= 2;
    }
    unsigned char *nb = realloc(w->buf, cap);
    if (!nb) return fail(w, SYN_ERR_NOMEM, "out of memory building a checkpoint");
    w->buf = nb;
    w->cap = cap;
  }
  memcpy(w->buf + w->len, p, n);
  w->len += n;
}

static void le32(unsigned char *b, uint32_t v) {
  for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
}
static void le64(unsigned char *b, uint64_t v) {
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t rd32(const unsigned char *b) {
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static uint64_t rd64(const unsigned char *b) { return rd32(b) | (uint64_t)rd32(b + 4) << 32; }

void ckpt_writer_init(ckpt_writer *w) {
  memset(w, 0, sizeof *w);
  unsigned char h[HDR_BYTES];
  memcpy(h, CKPT_MAGIC, 8);
  le32(h + 8, CKPT_VERSION);
  le32(h + 12, 0); /* section count, patched by ckpt_writer_save */
  put_raw(w, h, sizeof h);
}

void ckpt_writer_free(ckpt_writer *w) {
  free(w->buf);
  memset(w, 0, sizeof *w);
}

static bool name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > CKPT_MAX_NAME) return false;
  for (size_t i = 0; i < n; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-'))
      return false;
  }
  return true;
}

void ckpt_begin(ckpt_writer *w, const char *name) {
  if (w->err) return;
  if (w->sec_start) return fail(w, SYN_ERR_ARG, "checkpoint: section opened inside another");
  if (!name_ok(name)) return fail(w, SYN_ERR_ARG, "checkpoint: bad section name");
  if (w->n_sections >= CKPT_MAX_SECTIONS) return fail(w, SYN_ERR_ARG, "checkpoint: too many sections");
  unsigned char b[8];
  le32(b, (uint32_t)strlen(name));
  put_raw(w, b, 4);
  put_raw(w, name, strlen(name));
  w->sec_start = w->len;
  le64(b, 0);
  put_raw(w, b, 8);
}

void ckpt_end(ckpt_writer *w) {
  if (w->err) return;
  if (!w->sec_start) return fail(w, SYN_ERR_ARG, "checkpoint: section end without a begin");
  le64(w->buf + w->sec_start, (uint64_t)(w->len - w->sec_start - 8));
  w->sec_start = 0;
  w->n_sections++;
}

void ckpt_put_bytes(ckpt_writer *w, const void *p, size_t n) {
  if (!w->err && !w->sec_start) return fail(w, SYN_ERR_ARG, "checkpoint: data outside a section");
  put_raw(w, p, n);
}
void ckpt_put_u8(ckpt_writer *w, uint8_t v) { ckpt_put_bytes(w, &v, 1); }
void ckpt_put_u32(ckpt_writer *w, uint32_t v) {
  unsigned char b[4];
  le32(b, v);
  ckpt_put_bytes(w, b, 4);
}
void ckpt_put_u64(ckpt_writer *w, uint64_t v) {
  unsigned char b[8];
  le64(b, v);
  ckpt_put_bytes(w, b, 8);
}
void ckpt_put_i64(ckpt_writer *w, int64_t v) { ckpt_put_u64(w, (uint64_t)v); }
void ckpt_put_f64(ckpt_writer *w, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  ckpt_put_u64(w, u);
}
void ckpt_put_f64s(ckpt_writer *w, const double *v, size_t n) {
  for (size_t i = 0; i < n; i++) ckpt_put_f64(w, v[i]);
}
void ckpt_put_i32s(ckpt_writer *w, const int32_t *v, size_t n) {
  for (size_t i = 0; i < n; i++) ckpt_put_u32(w, (uint32_t)v[i]);
}
void ckpt_put_str(ckpt_writer *w, const char *s) {
  size_t n = strlen(s);
  ckpt_put_u64(w, n);
  ckpt_put_bytes(w, s, n);
}

syn_status ckpt_writer_save(ckpt_writer *w, const char *path, syn_err *e) {
  if (!w->err && w->sec_start) fail(w, SYN_ERR_ARG, "checkpoint: section left open");
  if (w->err) return syn_err_set(e, w->err, "%s: %s", path, w->err_msg);
  le32(w->buf + 12, w->n_sections);
  fio_writer fw;
  syn_status s = fio_writer_open(&fw, path, e);
  if (s) return s;
  fio_put_bytes(&fw, w->buf, w->len);
  return fio_writer_commit(&fw, e);
}

/* ---------------- reading ---------------- */
void ckpt_file_free(ckpt_file *f) {
  free(f->data);
  free(f->sec);
  memset(f, 0, sizeof *f);
}

/* Takes ownership of data (malloc'd, n bytes without the CRC). */
static syn_status parse_owned(ckpt_file *f, unsigned char *data, size_t n, const char *label,
                              syn_err *e) {
  memset(f, 0, sizeof *f);
  f->data = data;
  f->size = n;
  snprintf(f->label, sizeof f->label, "%s", label);
  syn_status st = SYN_OK;
  if (n < HDR_BYTES || memcmp(data, CKPT_MAGIC, 8) != 0) {
    st = syn_err_set(e, SYN_ERR_FORMAT, "%s: not a synrl checkpoint (bad magic)", label);
    goto out;
  }
  f->version = rd32(data + 8);
  if (f->version != CKPT_VERSION) {
    st = syn_err_set(e, SYN_ERR_FORMAT, "%s: checkpoint version %u, this synrl reads version %u",
                     label, f->version, CKPT_VERSION);
    goto out;
  }
  uint32_t ns = rd32(data + 12);
  if (ns > CKPT_MAX_SECTIONS) {
    st = syn_err_set(e, SYN_ERR_FORMAT, "%s: %u sections (at most %d)", label, ns, CKPT_MAX_SECTIONS);
    goto out;
  }
  f->sec = calloc(ns ? ns : 1, sizeof *f->sec);
  if (!f->sec) {
    st = syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", label);
    goto out;
  }
  size_t pos = HDR_BYTES;
  for (uint32_t i = 0; i < ns; i++) {
    if (n - pos < 4) goto trunc;
    uint32_t nl = rd32(data + pos);
    pos += 4;
    if (nl == 0 || nl > CKPT_MAX_NAME) {
      st = syn_err_set(e, SYN_ERR_FORMAT, "%s: section %u: bad name length %u", label, i, nl);
      goto out;
    }
    if (n - pos < nl) goto trunc;
    ckpt_section_ref *r = &f->sec[i];
    memcpy(r->name, data + pos, nl);
    r->name[nl] = 0;
    pos += nl;
    if (!name_ok(r->name) || strlen(r->name) != nl) {
      st = syn_err_set(e, SYN_ERR_FORMAT, "%s: section %u: bad name", label, i);
      goto out;
    }
    for (uint32_t j = 0; j < i; j++)
      if (strcmp(f->sec[j].name, r->name) == 0) {
        st = syn_err_set(e, SYN_ERR_FORMAT, "%s: section %s appears twice", label, r->name);
        goto out;
      }
    if (n - pos < 8) goto trunc;
    uint64_t len = rd64(data + pos);
    pos += 8;
    if (len > n - pos) goto trunc;
    r->off = pos;
    r->len = (size_t)len;
    pos += (size_t)len;
    f->n_sections = i + 1;
  }
  if (pos != n) {
    st = syn_err_set(e, SYN_ERR_FORMAT, "%s: %zu unexpected bytes after the last section", label,
                     n - pos);
    goto out;
  }
  return SYN_OK;
trunc:
  st = syn_err_set(e, SYN_ERR_FORMAT, "%s: truncated (a section runs past the end)", label);
out:
  ckpt_file_free(f);
  return st;
}

syn_status ckpt_read(ckpt_file *f, const char *path, syn_err *e) {
  memset(f, 0, sizeof *f);
  fio_reader r;
  syn_status s = fio_reader_open(&r, path, e);
  if (s) return s;
  unsigned char *data = r.data;
  size_t n = r.size;
  r.data = NULL;
  return parse_owned(f, data, n, path, e);
}

syn_status ckpt_parse(ckpt_file *f, const void *data, size_t n, const char *label, syn_err *e) {
  memset(f, 0, sizeof *f);
  unsigned char *copy = malloc(n ? n : 1);
  if (!copy) return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", label);
  if (n) memcpy(copy, data, n);
  return parse_owned(f, copy, n, label, e);
}

bool ckpt_has(const ckpt_file *f, const char *name) {
  for (uint32_t i = 0; i < f->n_sections; i++)
    if (strcmp(f->sec[i].name, name) == 0) return true;
  return false;
}

syn_status ckpt_open(const ckpt_file *f, const char *name, ckpt_sec *s, syn_err *e) {
  memset(s, 0, sizeof *s);
  s->f = f;
  s->name = name;
  for (uint32_t i = 0; i < f->n_sections; i++)
    if (strcmp(f->sec[i].name, name) == 0) {
      s->p = f->data + f->sec[i].off;
      s->len = f->sec[i].len;
      return SYN_OK;
    }
  s->err = true;
  return syn_err_set(e, SYN_ERR_FORMAT, "%s: no section '%s' (a checkpoint of another kind of run?)",
                     f->label, name);
}

void ckpt_get_bytes(ckpt_sec *s, void *p, size_t n) {
  if (s->err || n > s->len - s->pos) {
    s->err = true;
    if (n) memset(p, 0, n);
    return;
  }
  if (n) memcpy(p, s->p + s->pos, n);
  s->pos += n;
}
uint8_t ckpt_get_u8(ckpt_sec *s) {
  uint8_t v;
  ckpt_get_bytes(s, &v, 1);
  return v;
}
uint32_t ckpt_get_u32(ckpt_sec *s) {
  unsigned char b[4];
  ckpt_get_bytes(s, b, 4);
  return rd32(b);
}
uint64_t ckpt_get_u64(ckpt_sec *s) {
  unsigned char b[8];
  ckpt_get_bytes(s, b, 8);
  return rd64(b);
}
int64_t ckpt_get_i64(ckpt_sec *s) { return (int64_t)ckpt_get_u64(s); }
double ckpt_get_f64(ckpt_sec *s) {
  uint64_t u = ckpt_get_u64(s);
  double d;
  memcpy(&d, &u, 8);
  return d;
}
void ckpt_get_f64s(ckpt_sec *s, double *v, size_t n) {
  if (n > ckpt_remaining(s) / 8) s->err = true; /* fail before a long loop of zeros */
  for (size_t i = 0; i < n; i++) v[i] = s->err ? 0.0 : ckpt_get_f64(s);
}
void ckpt_get_i32s(ckpt_sec *s, int32_t *v, size_t n) {
  if (n > ckpt_remaining(s) / 4) s->err = true;
  for (size_t i = 0; i < n; i++) v[i] = s->err ? 0 : (int32_t)ckpt_get_u32(s);
}
const char *ckpt_get_str(ckpt_sec *s, size_t *len) {
  uint64_t n = ckpt_get_u64(s);
  *len = 0;
  if (s->err || n > s->len - s->pos) {
    s->err = true;
    return "";
  }
  const char *p = (const char *)s->p + s->pos;
  s->pos += (size_t)n;
  *len = (size_t)n;
  return p;
}
size_t ckpt_remaining(const ckpt_sec *s) { return s->err ? 0 : s->len - s->pos; }

syn_status ckpt_sec_fail(const ckpt_sec *s, syn_err *e, const char *what) {
  return syn_err_set(e, SYN_ERR_FORMAT, "%s: section %s: %s", s->f ? s->f->label : "checkpoint",
                     s->name, what);
}

syn_status ckpt_sec_done(ckpt_sec *s, syn_err *e) {
  if (s->err) return ckpt_sec_fail(s, e, "truncated");
  if (s->pos != s->len) return ckpt_sec_fail(s, e, "unexpected trailing bytes");
  return SYN_OK;
}

/* Lines "name=value": the first that differs, for the error message. */
static void first_difference(const char *a, size_t na, const char *b, char *out, size_t n) {
  size_t i = 0, j = 0;
  while (i < na || b[j]) {
    size_t ei = i, ej = j;
    while (ei < na && a[ei] != '\n') ei++;
    while (b[ej] && b[ej] != '\n') ej++;
    if (ei - i != ej - j || memcmp(a + i, b + j, ei - i) != 0) {
      snprintf(out, n, "written with '%.*s', this run has '%.*s'", (int)(ei - i > 200 ? 200 : ei - i),
               a + i, (int)(ej - j > 200 ? 200 : ej - j), b + j);
      for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20) *c = '?'; /* one line, whatever the file holds */
      return;
    }
    i = ei < na ? ei + 1 : ei;
    j = b[ej] ? ej + 1 : ej;
  }
  snprintf(out, n, "settings differ");
}

syn_status ckpt_check_text(const ckpt_file *f, const char *section, const char *config,
                           syn_err *e) {
  ckpt_sec s;
  syn_status st = ckpt_open(f, section, &s, e);
  if (st) return st;
  size_t n;
  const char *txt = ckpt_get_str(&s, &n);
  if ((st = ckpt_sec_done(&s, e)) || !config) return st;
  if (n == strlen(config) && memcmp(txt, config, n) == 0) return SYN_OK;
  char diff[480];
  first_difference(txt, n, config, diff, sizeof diff);
  return syn_err_set(e, SYN_ERR_ARG, "%s: does not match this run: %s", f->label, diff);
}

syn_status ckpt_file_check_text(const char *path, const char *section, const char *config,
                                syn_err *e) {
  ckpt_file f;
  syn_status s = ckpt_read(&f, path, e);
  if (s) return s;
  s = ckpt_check_text(&f, section, config, e);
  ckpt_file_free(&f);
  return s;
}
