#define _POSIX_C_SOURCE 200809L /* stat */
/* IDX files (the MNIST family's format), raw or gzip-compressed. zlib's gzread
 * reads both. Every header field is checked before anything is allocated. */
#include "synrl/data.h"
#include "core/fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define IDX_MAX_BYTES ((size_t)1 << 32) /* 4 GiB: far above any data set used here */

void idx_free(idx_array *a) {
  core_free(a->data);
  memset(a, 0, sizeof *a);
}

static syn_status gz_read_exact(gzFile g, void *buf, size_t n, const char *path, const char *what,
                                syn_err *e) {
  unsigned char *p = buf;
  while (n > 0) {
    unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
    int got = gzread(g, p, chunk);
    if (got < 0) {
      int zerr;
      const char *msg = gzerror(g, &zerr);
      return syn_err_set(e, SYN_ERR_FORMAT, "%s: corrupt compressed data while reading %s (%s)",
                         path, what, msg);
    }
    if (got == 0)
      return syn_err_set(e, SYN_ERR_FORMAT, "%s: truncated: file ends inside the %s", path, what);
    p += got;
    n -= (size_t)got;
  }
  return SYN_OK;
}

/* zlib's gzread takes a gzip stream followed by bytes that are not another
 * gzip member as complete and drops those bytes; raw files with trailing
 * bytes are refused, so compressed ones are too: the file is walked member by
 * member (pread: the descriptor's position stays zlib's). */
static syn_status gz_check_end(int fd, const char *path, syn_err *e) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 15 + 16) != Z_OK) return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", path);
  unsigned char *in = malloc(1 << 16), *out = malloc(1 << 16);
  if (!in || !out) {
    free(in);
    free(out);
    inflateEnd(&z);
    return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", path);
  }
  off_t off = 0;
  long members = 0;
  int r = Z_OK;
  syn_status s = SYN_OK;
  for (;;) {
    if (z.avail_in == 0) {
      ssize_t got = pread(fd, in, 1 << 16, off);
      if (got < 0) {
        s = syn_err_set(e, SYN_ERR_IO, "%s: read failed: %s", path, strerror(errno));
        break;
      }
      if (got == 0) break;
      off += got;
      z.next_in = in;
      z.avail_in = (uInt)got;
    }
    if (r == Z_STREAM_END) { /* more bytes after a member: they must be another */
      members++;
      inflateReset(&z);
    }
    z.next_out = out;
    z.avail_out = 1 << 16;
    r = inflate(&z, Z_NO_FLUSH);
    if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
      s = members ? syn_err_set(e, SYN_ERR_FORMAT, "%s: trailing bytes after the compressed stream", path)
                  : syn_err_set(e, SYN_ERR_FORMAT, "%s: corrupt compressed data", path);
      break;
    }
  }
  if (!s && r != Z_STREAM_END)
    s = syn_err_set(e, SYN_ERR_FORMAT, members ? "%s: trailing bytes after the compressed stream"
                                               : "%s: truncated: compressed stream ends early", path);
  inflateEnd(&z);
  free(in);
  free(out);
  return s;
}

syn_status idx_load_u8(idx_array *out, const char *path, int expect_ndim, syn_err *e) {
  memset(out, 0, sizeof *out);
  /* a FIFO would block gzopen until a writer came: regular files only */
  int fd = fio_open_regular(path, e);
  if (fd < 0) return e ? e->code : SYN_ERR_IO;
  gzFile g = gzdopen(fd, "rb");
  if (!g) {
    close(fd);
    return syn_err_set(e, SYN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  }
  unsigned char hdr[4];
  syn_status s = gz_read_exact(g, hdr, 4, path, "header", e);
  if (s) goto done;
  if (hdr[0] != 0 || hdr[1] != 0) {
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s: not an IDX file (bad magic %02x%02x)", path, hdr[0],
                    hdr[1]);
    goto done;
  }
  if (hdr[2] != 0x08) {
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s: IDX element type 0x%02x, expected unsigned byte (0x08)",
                    path, hdr[2]);
    goto done;
  }
  if (hdr[3] != expect_ndim) {
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s: %d dimensions, expected %d", path, hdr[3], expect_ndim);
    goto done;
  }
  out->ndim = hdr[3];
  size_t count = 1;
  for (int i = 0; i < out->ndim; i++) {
    unsigned char b[4];
    if ((s = gz_read_exact(g, b, 4, path, "dimension sizes", e))) goto done;
    out->dims[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    if (out->dims[i] == 0) {
      s = syn_err_set(e, SYN_ERR_FORMAT, "%s: dimension %d is zero", path, i);
      goto done;
    }
    if (out->dims[i] > IDX_MAX_BYTES / count) {
      s = syn_err_set(e, SYN_ERR_FORMAT, "%s: dimensions too large", path);
      goto done;
    }
    count *= out->dims[i];
  }
  out->count = count;
  /* A header may claim gigabytes that the file does not hold: a raw file's
   * size is checked against it up front; compressed data are read in growing
   * pieces, so memory follows the bytes actually there. */
  const size_t hdr_bytes = 4 + 4 * (size_t)out->ndim;
  struct stat sb;
  if (gzdirect(g) && fstat(fd, &sb) == 0 &&
      (uint64_t)sb.st_size != (uint64_t)hdr_bytes + count) {
    s = (uint64_t)sb.st_size < (uint64_t)hdr_bytes + count
            ? syn_err_set(e, SYN_ERR_FORMAT, "%s: truncated: %lld bytes, the header says %zu",
                          path, (long long)sb.st_size, hdr_bytes + count)
            : syn_err_set(e, SYN_ERR_FORMAT,
                          "%s: trailing bytes after %zu elements (%lld bytes, the header says %zu)",
                          path, count, (long long)sb.st_size, hdr_bytes + count);
    goto done;
  }
  size_t cap = count < ((size_t)1 << 20) ? count : ((size_t)1 << 20), got = 0;
  out->data = core_alloc(cap);
  while (out->data) {
    if ((s = gz_read_exact(g, out->data + got, cap - got, path, "data", e))) goto done;
    got = cap;
    if (got == count) break;
    size_t ncap = cap > count / 2 ? count : 2 * cap;
    uint8_t *nd = core_alloc(ncap);
    if (nd) memcpy(nd, out->data, got);
    core_free(out->data);
    out->data = nd;
    cap = ncap;
  }
  if (!out->data) {
    s = syn_err_set(e, SYN_ERR_NOMEM, "%s: cannot allocate %zu bytes", path, count);
    goto done;
  }
  unsigned char extra;
  int more = gzread(g, &extra, 1), zerr = Z_OK;
  const char *msg = gzerror(g, &zerr);
  if (more != 0) {
    s = more < 0 ? syn_err_set(e, SYN_ERR_FORMAT, "%s: corrupt compressed data (%s)", path, msg)
                 : syn_err_set(e, SYN_ERR_FORMAT,
                               "%s: trailing bytes after %zu elements (header and size disagree)",
                               path, count);
  } else if (zerr == Z_BUF_ERROR) {
    /* gzread returns a gzip stream cut short after the data (in its CRC
     * and length) as a plain end of file and only flags it here. zlib does
     * not notice such a cut at all when it had read the whole file before
     * decoding the last data bytes straight into our buffer (files larger
     * than its buffers): the data are complete then, but unchecked. */
    s = syn_err_set(e, SYN_ERR_FORMAT, "%s: truncated: compressed stream ends early (%s)", path,
                    msg);
  } else if (!gzdirect(g)) {
    s = gz_check_end(fd, path, e);
  }
done:
  gzclose(g);
  if (s) idx_free(out);
  return s;
}

syn_status idx_save_u8(const idx_array *a, const char *path, syn_err *e) {
  size_t len = strlen(path);
  int gz = len > 3 && strcmp(path + len - 3, ".gz") == 0;
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  gzFile g = gzopen(tmp, gz ? "wb6" : "wbT");
  if (!g) return syn_err_set(e, SYN_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
  unsigned char hdr[4 + 16] = {0, 0, 0x08, (unsigned char)a->ndim};
  for (int i = 0; i < a->ndim; i++)
    for (int k = 0; k < 4; k++) hdr[4 + 4 * i + k] = (unsigned char)(a->dims[i] >> (24 - 8 * k));
  int ok = gzwrite(g, hdr, (unsigned)(4 + 4 * a->ndim)) == 4 + 4 * a->ndim;
  if (ok && a->count) ok = gzwrite(g, a->data, (unsigned)a->count) == (int)a->count;
  ok = (gzclose(g) == Z_OK) && ok;
  if (!ok || rename(tmp, path) != 0) {
    remove(tmp);
    return syn_err_set(e, SYN_ERR_IO, "%s: write failed", path);
  }
  return SYN_OK;
}

/* Whether the files a and b (each raw or gzip) hold the same bytes; true
 * when either cannot be read (its loader will say why). */
static bool same_content(const char *a, const char *b) {
  int fa = fio_open_regular(a, NULL), fb = fa < 0 ? -1 : fio_open_regular(b, NULL);
  gzFile ga = fa < 0 ? NULL : gzdopen(fa, "rb"), gb = fb < 0 ? NULL : gzdopen(fb, "rb");
  bool same = true;
  enum { CHUNK = 1 << 16 };
  unsigned char *ba = malloc(CHUNK), *bb = malloc(CHUNK);
  while (ga && gb && ba && bb) {
    int na = gzread(ga, ba, CHUNK), nb = gzread(gb, bb, CHUNK);
    if (na < 0 || nb < 0) break;
    if (na != nb || memcmp(ba, bb, (size_t)na) != 0) {
      same = false;
      break;
    }
    if (na == 0) break;
  }
  if (ga) gzclose(ga); else if (fa >= 0) close(fa);
  if (gb) gzclose(gb); else if (fb >= 0) close(fb);
  free(ba);
  free(bb);
  return same;
}

syn_status idx_find(char *out, size_t n, const char *dir, const char *stem, syn_err *e) {
  struct stat sb;
  /* the compressed file first: Debian's packages ship only .gz */
  if ((size_t)snprintf(out, n, "%s/%s.gz", dir, stem) < n && stat(out, &sb) == 0) {
    /* both there: the choice must not matter */
    char raw[4200];
    if ((size_t)snprintf(raw, sizeof raw, "%s/%s", dir, stem) < sizeof raw && stat(raw, &sb) == 0 &&
        !same_content(out, raw))
      return syn_err_set(e, SYN_ERR_FORMAT, "%s and %s.gz both exist and differ; remove the one not meant",
                         raw, stem);
    return SYN_OK;
  }
  if ((size_t)snprintf(out, n, "%s/%s", dir, stem) < n && stat(out, &sb) == 0) return SYN_OK;
  if (n) out[0] = 0;
  return syn_err_set(e, SYN_ERR_IO, "%s: no %s or %s.gz", dir, stem, stem);
}

syn_status idx_dir_find(idx_dir_files *f, const char *dir, syn_err *e) {
  char *const paths[4] = {f->train_images, f->train_labels, f->test_images, f->test_labels};
  static const char *const stems[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                       "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  for (int i = 0; i < 4; i++) {
    syn_status s = idx_find(paths[i], sizeof f->train_images, dir, stems[i], e);
    if (s == SYN_ERR_FORMAT) return s; /* raw and .gz differ */
    if (s)
      return syn_err_set(e, SYN_ERR_IO, "%s lacks {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]",
                         dir);
  }
  return SYN_OK;
}
