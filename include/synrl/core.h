/* synrl core: status codes, explicit random streams, aligned memory, BLAS.
 * Everything above core includes this; core includes nothing of synrl. */
#ifndef SYNRL_CORE_H
#define SYNRL_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes: the library never prints or exits; it fills an err ---- */
typedef enum {
  SYN_OK = 0,
  SYN_ERR_ARG,         /* a value out of range or inconsistent */
  SYN_ERR_IO,          /* open/read/write/rename failed */
  SYN_ERR_FORMAT,      /* a file is corrupt, truncated or of the wrong kind */
  SYN_ERR_NOMEM,
  SYN_ERR_UNSUPPORTED,
  SYN_ERR_ABORTED      /* a run stopped by a rule (e.g. the abort rule) */
} syn_status;

typedef struct syn_err {
  syn_status code;
  char msg[512];
} syn_err;

/* Sets e (if non-NULL) and returns code, so callers can `return syn_err_set(...)`. */
syn_status syn_err_set(syn_err *e, syn_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *syn_status_name(syn_status s);

/* ---- version and numbers as text ---- */
const char *core_version(void);    /* "0.2.0" */
const char *core_git_commit(void); /* the commit the library was built from ("unknown" outside git) */
/* The shortest of %.15g, %.16g, %.17g that reads back as exactly v, in buf
 * (n >= 32), so that 0.1 prints as 0.1 and every value round-trips. */
const char *core_fmt_double(char *buf, size_t n, double v);

/* ---- random numbers: xoshiro256** seeded through splitmix64 ----
 * State is explicit. Independent streams come from (seed, stream id), so a
 * computation split over threads uses streams named by the work, not by the
 * thread, and gives the same numbers at any thread count. */
typedef struct rng_t {
  uint64_t s[4];
} rng_t;

uint64_t rng_splitmix64(uint64_t *x);
void rng_seed(rng_t *r, uint64_t seed, uint64_t stream);
uint64_t rng_next_u64(rng_t *r);
/* Counter-based draws: the splitmix64 sequence of `key` at position ctr. Any
 * element can be drawn directly, so work split over threads or vector lanes
 * sees the same numbers whatever the split. */
static inline uint64_t rng_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static inline uint64_t rng_at(uint64_t key, uint64_t ctr) {
  return rng_mix64(key + (ctr + 1) * 0x9e3779b97f4a7c15ULL);
}
/* uniform in [0, 1) with 53 random bits */
double rng_uniform(rng_t *r);
/* uniform in [lo, hi) */
double rng_uniform_range(rng_t *r, double lo, double hi);
/* uniform integer in [0, n), unbiased (rejection) */
uint64_t rng_below(rng_t *r, uint64_t n);
/* Fisher-Yates shuffle of an index array */
void rng_shuffle_u32(rng_t *r, uint32_t *a, size_t n);

/* ---- memory ---- */
void *core_alloc(size_t bytes);          /* 64-byte aligned, zeroed; NULL on failure */
void core_free(void *p);

/* ---- BLAS: thin wrappers so that the rest never includes cblas.h ----
 * C = alpha * op(A) * op(B) + beta * C, row-major. */
void blas_dgemm(bool trans_a, bool trans_b, int m, int n, int k, double alpha,
                const double *a, int lda, const double *b, int ldb, double beta,
                double *c, int ldc);
void blas_sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha,
                const float *a, int lda, const float *b, int ldb, float beta,
                float *c, int ldc);
/* OpenBLAS runs single-threaded inside synrl; parallelism is ours (OpenMP over
 * fixed work chunks), which keeps results independent of the thread count. */
void blas_init(void);
const char *blas_describe(void);

/* ---- threads ---- */
void core_set_threads(int n);   /* n <= 0: OpenMP default */
int core_threads(void);

/* ---- CPU features ---- */
bool core_cpu_has_vnni(void);   /* AVX-512 F+BW+DQ+VL+VNNI usable (and compiled in) */

/* ---- time ---- */
double core_now(void);          /* monotonic seconds */
double core_cpu_seconds(void);  /* CPU time of the process (user + system), all threads */
long core_peak_rss_kib(void);   /* peak resident set size */

/* ---- exp used by every softmax in synrl ----
 * A fixed sequence of correctly rounded operations (rint, fma, ldexp), so a
 * vector version that performs the same operations lane by lane (the 8-bit
 * synaptic-RL path) gives bit-identical results. Error below 2 ulp on
 * [-700, 700]; 0 below -700; +inf above 709.78. */
double core_exp(double x);
#define CORE_EXP_LOG2E 0x1.71547652b82fep0
#define CORE_EXP_LN2_HI 0x1.62e42fefa3800p-1
#define CORE_EXP_LN2_LO 0x1.ef35793c76730p-45

/* ---- work shared by several processes (data-parallel runs, e.g. over MPI) ----
 * A batch's rows fall into fixed chunks (a rule's own chunk size). Process
 * `rank` of `size` computes the partial sums of its contiguous range of
 * chunks; `gather` fills in every other process's entries, the same on every
 * process, and callers add them in chunk order. The total is then the very
 * number one process computes alone, for any size and any number of shards.
 * The shards (S, a multiple of size) only decide who computes what. The
 * library knows no transport: the caller (the CLI) provides gather. */
typedef struct core_shard {
  int rank, size, shards;
  /* parts[0..n): on entry this process's range is filled; on return all of it */
  syn_status (*gather)(void *ctx, double *parts, size_t n, syn_err *e);
  void *ctx;
  uint64_t bytes_sent; /* counted by gather, for benchmarks */
} core_shard;

/* Chunks [lo, hi) of n_chunks that process `rank` computes: shard j of S
 * holds chunks [j*n/S, (j+1)*n/S); process p holds shards [p*S/P, (p+1)*S/P).
 * With s == NULL: all of them. */
void core_shard_range(const core_shard *s, int rank, size_t n_chunks, size_t *lo, size_t *hi);
/* True when s splits work over more than one process. */
static inline bool core_shard_active(const core_shard *s) { return s && s->size > 1; }
/* Gathers parts and returns their sum in chunk order (no-op gather when inactive). */
syn_status core_shard_sum(core_shard *s, double *parts, size_t n, double *sum, syn_err *e);

/* ---- checksums: FNV-1a 64 over bytes, for "is this the same run" ---- */
uint64_t core_fnv1a64(const void *data, size_t n, uint64_t h);
#define CORE_FNV_INIT 0xcbf29ce484222325ULL

/* synrl checkpoints: a versioned little-endian container of named sections,
 * written atomically (temporary file, fsync, rename) with a CRC-32. Any
 * trainer stores its state as sections of its own; the format is in
 * docs/formats.md. Core layer: includes only core.h. */

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
