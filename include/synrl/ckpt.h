/* synrl checkpoints: a versioned little-endian container of named sections,
 * written atomically (temporary file, fsync, rename) with a CRC-32. Any
 * trainer stores its state as sections of its own; the format is in
 * docs/formats.md. Core layer: includes only core.h. */
#ifndef SYNRL_CKPT_H
#define SYNRL_CKPT_H

#include "synrl/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CKPT_MAGIC "SYNRLCKP"
#define CKPT_VERSION 1u
#define CKPT_MAX_NAME 63      /* section names: 1..63 bytes of [A-Za-z0-9._-] */
#define CKPT_MAX_SECTIONS 256

/* Builds a checkpoint in memory, section by section. Errors are sticky:
 * ckpt_writer_save reports the first one. */
typedef struct ckpt_writer {
  unsigned char *buf;
  size_t len, cap;
  size_t sec_start;   /* offset of the open section's size field; 0: none open */
  uint32_t n_sections;
  syn_status err;
  char err_msg[128];
} ckpt_writer;

void ckpt_writer_init(ckpt_writer *w);
void ckpt_writer_free(ckpt_writer *w);
void ckpt_begin(ckpt_writer *w, const char *name);
void ckpt_end(ckpt_writer *w);
void ckpt_put_bytes(ckpt_writer *w, const void *p, size_t n);
void ckpt_put_u8(ckpt_writer *w, uint8_t v);
void ckpt_put_u32(ckpt_writer *w, uint32_t v);
void ckpt_put_u64(ckpt_writer *w, uint64_t v);
void ckpt_put_i64(ckpt_writer *w, int64_t v);
void ckpt_put_f64(ckpt_writer *w, double v);
void ckpt_put_f64s(ckpt_writer *w, const double *v, size_t n);
void ckpt_put_i32s(ckpt_writer *w, const int32_t *v, size_t n);
void ckpt_put_str(ckpt_writer *w, const char *s); /* u64 length + bytes */
/* Writes the container to path atomically: on any failure (full disk,
 * unwritable directory) path keeps its previous content and e says why. */
syn_status ckpt_writer_save(ckpt_writer *w, const char *path, syn_err *e);

/* A checkpoint read back: every section's bounds checked, names unique. */
typedef struct ckpt_section_ref {
  char name[CKPT_MAX_NAME + 1];
  size_t off, len;
} ckpt_section_ref;

typedef struct ckpt_file {
  unsigned char *data;  /* owned */
  size_t size;
  uint32_t version;
  uint32_t n_sections;
  ckpt_section_ref *sec;
  char label[256];      /* file name, for messages */
} ckpt_file;

syn_status ckpt_read(ckpt_file *f, const char *path, syn_err *e);
/* The same from memory (data are copied; no CRC: the caller checked it). */
syn_status ckpt_parse(ckpt_file *f, const void *data, size_t n, const char *label, syn_err *e);
void ckpt_file_free(ckpt_file *f);

/* Reading one section: typed reads with a sticky error; ckpt_sec_done
 * checks that it was consumed exactly and names the section on error. */
typedef struct ckpt_sec {
  const ckpt_file *f;
  const char *name;
  const unsigned char *p;
  size_t len, pos;
  bool err;
} ckpt_sec;

/* Opens a section; a missing one is an error naming it. */
syn_status ckpt_open(const ckpt_file *f, const char *name, ckpt_sec *s, syn_err *e);
bool ckpt_has(const ckpt_file *f, const char *name);
void ckpt_get_bytes(ckpt_sec *s, void *p, size_t n);
uint8_t ckpt_get_u8(ckpt_sec *s);
uint32_t ckpt_get_u32(ckpt_sec *s);
uint64_t ckpt_get_u64(ckpt_sec *s);
int64_t ckpt_get_i64(ckpt_sec *s);
double ckpt_get_f64(ckpt_sec *s);
void ckpt_get_f64s(ckpt_sec *s, double *v, size_t n);
void ckpt_get_i32s(ckpt_sec *s, int32_t *v, size_t n);
/* A string: returns a pointer into the file (not NUL-terminated) and its length. */
const char *ckpt_get_str(ckpt_sec *s, size_t *len);
size_t ckpt_remaining(const ckpt_sec *s);
syn_status ckpt_sec_done(ckpt_sec *s, syn_err *e);
/* "FILE: section NAME: WHAT" as a format error. */
syn_status ckpt_sec_fail(const ckpt_sec *s, syn_err *e, const char *what);

/* Settings texts ("name=value" lines) that fix a run: section `section`
 * holds one string; SYN_OK if it equals config (NULL: only read), else an
 * SYN_ERR_ARG error "FILE: does not match this run: written with 'a=1', this
 * run has 'a=2'" naming the first line that differs. */
syn_status ckpt_check_text(const ckpt_file *f, const char *section, const char *config,
                           syn_err *e);
/* The same on the checkpoint file at path (read errors as ckpt_read's). */
syn_status ckpt_file_check_text(const char *path, const char *section, const char *config,
                                syn_err *e);

#ifdef __cplusplus
}
#endif
#endif
