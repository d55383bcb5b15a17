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

/* Whether out may be written (atomically, by rename): absent, or a regular
 * file that is not the file `in` (NULL: no input to compare). A symbolic
 * link, a directory, FIFO or device (rename would replace the link or node)
 * and the input itself are refused (SYN_ERR_ARG), naming out. */
syn_status fio_output_check(const char *out, const char *in, syn_err *e);
/* Opens path for reading if it is a regular file: a FIFO (whose open would
 * wait for a writer), a device or a directory is refused without blocking.
 * Returns the descriptor (close it), or -1 with e set. */
int fio_open_regular(const char *path, syn_err *e);

/* Text files written atomically the same way (no CRC). */
syn_status fio_text_open(fio_writer *w, const char *path, syn_err *e);
syn_status fio_text_commit(fio_writer *w, syn_err *e);

#endif
