#define _POSIX_C_SOURCE 200809L
#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static syn_status open_tmp(fio_writer *w, const char *path, syn_err *e) {
  memset(w, 0, sizeof *w);
  if (strlen(path) >= sizeof w->path)
    return syn_err_set(e, SYN_ERR_ARG, "%s: path too long", path);
  strcpy(w->path, path);
  snprintf(w->tmp, sizeof w->tmp, "%s.tmp.%ld", path, (long)getpid());
  w->f = fopen(w->tmp, "wb");
  if (!w->f) return syn_err_set(e, SYN_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
  w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
  return SYN_OK;
}

syn_status fio_output_check(const char *out, const char *in, syn_err *e) {
  struct stat so, si;
  if (lstat(out, &so) != 0) {
    if (errno == ENOENT) return SYN_OK;
    return syn_err_set(e, SYN_ERR_IO, "%s: %s", out, strerror(errno));
  }
  if (S_ISLNK(so.st_mode))
    return syn_err_set(e, SYN_ERR_ARG, "%s: is a symbolic link; refusing to replace it (name a plain file)", out);
  if (!S_ISREG(so.st_mode))
    return syn_err_set(e, SYN_ERR_ARG,
                       "%s: not a regular file (a directory, FIFO or device); refusing to write it", out);
  if (in && stat(in, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
    return syn_err_set(e, SYN_ERR_ARG, "%s: the output is the input file %s; name another output", out, in);
  return SYN_OK;
}

int fio_open_regular(const char *path, syn_err *e) {
  /* O_NONBLOCK: opening a FIFO with no writer returns at once */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    syn_err_set(e, SYN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return -1;
  }
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    syn_err_set(e, SYN_ERR_IO, "%s: not a regular file (a FIFO, device or directory)", path);
    close(fd);
    return -1;
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  return fd;
}

syn_status fio_writer_open(fio_writer *w, const char *path, syn_err *e) {
  return open_tmp(w, path, e);
}
syn_status fio_text_open(fio_writer *w, const char *path, syn_err *e) {
  return open_tmp(w, path, e);
}

void fio_put_bytes(fio_writer *w, const void *p, size_t n) {
  if (w->err || n == 0) return;
  if (fwrite(p, 1, n, w->f) != n) w->err = errno ? errno : EIO;
  w->crc = (uint32_t)crc32(w->crc, p, (uInt)n);
}

void fio_put_u32(fio_writer *w, uint32_t v) {
  unsigned char b[4];
  for (int i = 0; i < 4; i++) b[i] = (unsigned char)(v >> (8 * i));
  fio_put_bytes(w, b, 4);
}

void fio_put_u64(fio_writer *w, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
  fio_put_bytes(w, b, 8);
}

void fio_put_f64(fio_writer *w, double v) {
  uint64_t u;
  memcpy(&u, &v, 8);
  fio_put_u64(w, u);
}

static syn_status finish(fio_writer *w, int with_crc, syn_err *e) {
  if (with_crc) {
    uint32_t crc = w->crc;
    fio_put_u32(w, crc);
  }
  if (!w->err && fflush(w->f) != 0) w->err = errno;
  if (!w->err && fsync(fileno(w->f)) != 0) w->err = errno;
  if (fclose(w->f) != 0 && !w->err) w->err = errno;
  w->f = NULL;
  if (!w->err && rename(w->tmp, w->path) != 0) w->err = errno;
  if (w->err) {
    int err = w->err;
    unlink(w->tmp);
    return syn_err_set(e, SYN_ERR_IO, "%s: write failed: %s", w->path, strerror(err));
  }
  return SYN_OK;
}

syn_status fio_writer_commit(fio_writer *w, syn_err *e) { return finish(w, 1, e); }
syn_status fio_text_commit(fio_writer *w, syn_err *e) { return finish(w, 0, e); }

void fio_writer_abort(fio_writer *w) {
  if (w->f) fclose(w->f);
  w->f = NULL;
  unlink(w->tmp);
}

syn_status fio_reader_open(fio_reader *r, const char *path, syn_err *e) {
  memset(r, 0, sizeof *r);
  FILE *f = fopen(path, "rb");
  if (!f) return syn_err_set(e, SYN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    fclose(f);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: not a regular file", path);
  }
  size_t cap = 1 << 16, n = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (!buf) {
      fclose(f);
      return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory reading file", path);
    }
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    if (cap > ((size_t)1 << 34)) {
      free(buf);
      fclose(f);
      return syn_err_set(e, SYN_ERR_FORMAT, "%s: file too large", path);
    }
    cap *= 2;
    unsigned char *nb = realloc(buf, cap);
    if (!nb) free(buf);
    buf = nb;
  }
  int rerr = ferror(f);
  fclose(f);
  if (rerr) {
    free(buf);
    return syn_err_set(e, SYN_ERR_IO, "%s: read error", path);
  }
  if (n < 4) {
    free(buf);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: truncated (%zu bytes)", path, n);
  }
  uint32_t stored = (uint32_t)buf[n - 4] | (uint32_t)buf[n - 3] << 8 | (uint32_t)buf[n - 2] << 16 |
                    (uint32_t)buf[n - 1] << 24;
  uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(n - 4));
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  stored = crc; /* fuzzing builds only: let mutated files reach the parsers behind the checksum */
#endif
  if (crc != stored) {
    free(buf);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: checksum mismatch (corrupt or truncated file)",
                       path);
  }
  r->data = buf;
  r->size = n - 4;
  return SYN_OK;
}

void fio_get_bytes(fio_reader *r, void *p, size_t n) {
  if (r->err || n > r->size - r->pos) {
    r->err = 1;
    memset(p, 0, n);
    return;
  }
  memcpy(p, r->data + r->pos, n);
  r->pos += n;
}

uint32_t fio_get_u32(fio_reader *r) {
  unsigned char b[4];
  fio_get_bytes(r, b, 4);
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t fio_get_u64(fio_reader *r) {
  uint64_t lo = fio_get_u32(r), hi = fio_get_u32(r);
  return lo | hi << 32;
}

double fio_get_f64(fio_reader *r) {
  uint64_t u = fio_get_u64(r);
  double d;
  memcpy(&d, &u, 8);
  return d;
}

syn_status fio_reader_finish(fio_reader *r, const char *path, syn_err *e) {
  int err = r->err, extra = r->pos != r->size;
  fio_reader_close(r);
  if (err) return syn_err_set(e, SYN_ERR_FORMAT, "%s: truncated", path);
  if (extra) return syn_err_set(e, SYN_ERR_FORMAT, "%s: unexpected trailing bytes", path);
  return SYN_OK;
}

void fio_reader_close(fio_reader *r) {
  free(r->data);
  memset(r, 0, sizeof *r);
}
