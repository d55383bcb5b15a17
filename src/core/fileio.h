/* Internal: versioned little-endian binary files with a trailing CRC-32,
 * written atomically (temporary name, fsync, rename). */
#ifndef SYNRL_CORE_FILEIO_H
#define SYNRL_CORE_FILEIO_H

#include "synrl/core.h"
#include <stdio.h>

typedef struct fio_writer {
  FILE *f;
  char path[4096];
  char tmp[4120];
  uint32_t crc;
  int err; /* sticky: any failed write */
} fio_writer;

syn_status fio_writer_open(fio_writer *w, const char *path, syn_err *e);
void fio_put_bytes(fio_writer *w, const void *p, size_t n);
void fio_put_u32(fio_writer *w, uint32_t v);
void fio_put_u64(fio_writer *w, uint64_t v);
void fio_put_f64(fio_writer *w, double v);
/* Appends the CRC, flushes, fsyncs and renames into place; on any failure the
 * temporary file is removed and the destination is left untouched. */
syn_status fio_writer_commit(fio_writer *w, syn_err *e);
void fio_writer_abort(fio_writer *w);

typedef struct fio_reader {
  unsigned char *data;
  size_t size; /* payload bytes (without the CRC) */
  size_t pos;
  int err;     /* sticky: read past the end */
} fio_reader;

/* Reads the whole file and checks its CRC. */
syn_status fio_reader_open(fio_reader *r, const char *path, syn_err *e);
void fio_get_bytes(fio_reader *r, void *p, size_t n);
uint32_t fio_get_u32(fio_reader *r);
uint64_t fio_get_u64(fio_reader *r);
double fio_get_f64(fio_reader *r);
/* Checks that the payload was consumed exactly; closes. */
syn_status fio_reader_finish(fio_reader *r, const char *path, syn_err *e);
void fio_reader_close(fio_reader *r);

/* Text files written atomically the same way (no CRC). */
syn_status fio_text_open(fio_writer *w, const char *path, syn_err *e);
syn_status fio_text_commit(fio_writer *w, syn_err *e);

#endif
