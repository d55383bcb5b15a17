/* Run folders: summary.json, written and read through cJSON. */
#define _DEFAULT_SOURCE /* flock */
#define _POSIX_C_SOURCE 200809L
#include "synrl/train.h"
#include "core/fileio.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct run_summary {
  cJSON *root;
  bool oom; /* a value could not be added: write refuses */
};

static const char *const kind_names[RUN_N_KINDS] = {"train", "classify", "rl", "policy-learn"};

const char *run_kind_name(run_kind k) {
  return (unsigned)k < RUN_N_KINDS ? kind_names[k] : "unknown";
}

int run_kind_from_name(const char *name) {
  for (int k = 0; name && k < RUN_N_KINDS; k++)
    if (strcmp(name, kind_names[k]) == 0) return k;
  return -1;
}

syn_status run_dir_make(const char *path, syn_err *e) {
  char buf[4096];
  if (!path || !*path) return syn_err_set(e, SYN_ERR_ARG, "empty output folder name");
  if (strlen(path) >= sizeof buf) return syn_err_set(e, SYN_ERR_ARG, "%.64s...: path too long", path);
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return syn_err_set(e, SYN_ERR_IO, "%s: cannot create: %s", buf, strerror(errno));
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return syn_err_set(e, SYN_ERR_IO, "%s: cannot create: %s", buf, strerror(errno));
  struct stat st;
  if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
    return syn_err_set(e, SYN_ERR_IO, "%s: not a folder", buf);
  return SYN_OK;
}

static void add(run_summary *s, const char *key, cJSON *v) {
  if (!s) return;
  if (!v || !cJSON_AddItemToObject(s->root, key, v)) {
    cJSON_Delete(v);
    s->oom = true;
  }
}

static cJSON *number(double v) {
  if (!isfinite(v)) return cJSON_CreateNull();
  char buf[40];
  return cJSON_CreateRaw(core_fmt_double(buf, sizeof buf, v));
}

/* "name=value" lines as an object of strings; lines without '=' are skipped. */
static cJSON *settings_object(const char *text) {
  cJSON *o = cJSON_CreateObject();
  if (!o || !text) return o;
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
    const char *eq = memchr(p, '=', (size_t)(end - p));
    if (eq && eq > p) {
      char *name = strndup(p, (size_t)(eq - p)), *val = strndup(eq + 1, (size_t)(end - eq - 1));
      cJSON *v = val ? cJSON_CreateString(val) : NULL;
      bool ok = name && v && cJSON_AddItemToObject(o, name, v);
      if (!ok) cJSON_Delete(v);
      free(name);
      free(val);
      if (!ok) {
        cJSON_Delete(o);
        return NULL;
      }
    }
    p = nl ? nl + 1 : end;
  }
  return o;
}

syn_status run_summary_new(run_summary **out, run_kind kind, int argc, char *const *argv,
                           const char *settings, const char *metrics_step, syn_err *e) {
  *out = NULL;
  if ((unsigned)kind >= RUN_N_KINDS) return syn_err_set(e, SYN_ERR_ARG, "unknown run kind %d", kind);
  run_summary *s = calloc(1, sizeof *s);
  if (!s || !(s->root = cJSON_CreateObject())) {
    free(s);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory (summary)");
  }
  run_summary_str(s, "kind", run_kind_name(kind));
  run_summary_str(s, "synrl_version", core_version());
  run_summary_str(s, "git_commit", core_git_commit());
  cJSON *cmd = cJSON_CreateArray();
  for (int i = 0; cmd && i < argc; i++) {
    cJSON *a = cJSON_CreateString(argv[i]);
    if (!a || !cJSON_AddItemToArray(cmd, a)) {
      cJSON_Delete(a);
      s->oom = true;
    }
  }
  add(s, "command_line", cmd);
  add(s, "settings", settings_object(settings));
  if (metrics_step) run_summary_str(s, "metrics_step", metrics_step);
  if (s->oom) {
    run_summary_free(s);
    return syn_err_set(e, SYN_ERR_NOMEM, "out of memory (summary)");
  }
  *out = s;
  return SYN_OK;
}

void run_summary_free(run_summary *s) {
  if (!s) return;
  cJSON_Delete(s->root);
  free(s);
}

void run_summary_str(run_summary *s, const char *key, const char *v) {
  add(s, key, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}
void run_summary_num(run_summary *s, const char *key, double v) { add(s, key, number(v)); }
void run_summary_int(run_summary *s, const char *key, long long v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%lld", v);
  add(s, key, cJSON_CreateRaw(buf));
}
void run_summary_bool(run_summary *s, const char *key, bool v) { add(s, key, cJSON_CreateBool(v)); }
void run_summary_hex64(run_summary *s, const char *key, uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
  run_summary_str(s, key, buf);
}
void run_summary_nums(run_summary *s, const char *key, const double *v, size_t n) {
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; a && i < n; i++) {
    cJSON *x = number(v[i]);
    if (!x || !cJSON_AddItemToArray(a, x)) {
      cJSON_Delete(x);
      cJSON_Delete(a);
      a = NULL;
    }
  }
  add(s, key, a);
}

syn_status run_summary_write(const run_summary *s, const char *path, syn_err *e) {
  if (s->oom) return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory while building it", path);
  char *text = cJSON_Print(s->root);
  if (!text) return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", path);
  fio_writer w;
  syn_status st = fio_text_open(&w, path, e);
  if (st == SYN_OK) {
    fio_put_bytes(&w, text, strlen(text));
    fio_put_bytes(&w, "\n", 1);
    st = fio_text_commit(&w, e);
  }
  cJSON_free(text);
  return st;
}

syn_status run_summary_load(run_summary **out, const char *path, syn_err *e) {
  *out = NULL;
  char file[4096];
  struct stat st;
  if (stat(path, &st) != 0)
    return syn_err_set(e, SYN_ERR_IO, "%s: no such run folder or summary file", path);
  if (S_ISDIR(st.st_mode))
    snprintf(file, sizeof file, "%s/summary.json", path);
  else
    snprintf(file, sizeof file, "%s", path);
  if (stat(file, &st) != 0)
    return syn_err_set(e, SYN_ERR_IO, "%s: cannot open: %s", file, strerror(errno));
  if (!S_ISREG(st.st_mode)) return syn_err_set(e, SYN_ERR_IO, "%s: not a regular file", file);
  if (st.st_size > (64 << 20)) return syn_err_set(e, SYN_ERR_FORMAT, "%s: too large for a summary", file);
  FILE *f = fopen(file, "rb");
  if (!f) return syn_err_set(e, SYN_ERR_IO, "%s: cannot open: %s", file, strerror(errno));
  size_t n = (size_t)st.st_size;
  char *text = malloc(n + 1);
  size_t got = text ? fread(text, 1, n, f) : 0;
  fclose(f);
  if (!text) return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", file);
  if (got != n) {
    free(text);
    return syn_err_set(e, SYN_ERR_IO, "%s: short read", file);
  }
  text[n] = 0;
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
  free(text);
  if (!root || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: not a JSON object", file);
  }
  run_summary *s = calloc(1, sizeof *s);
  if (!s) {
    cJSON_Delete(root);
    return syn_err_set(e, SYN_ERR_NOMEM, "%s: out of memory", file);
  }
  s->root = root;
  if (run_summary_kind(s) == (run_kind)-1) {
    run_summary_free(s);
    return syn_err_set(e, SYN_ERR_FORMAT,
                       "%s: no known \"kind\" (written by synrl before 0.2.0, or not a run summary)",
                       file);
  }
  *out = s;
  return SYN_OK;
}

run_kind run_summary_kind(const run_summary *s) {
  return (run_kind)run_kind_from_name(run_summary_get_str(s, "kind"));
}

const char *run_summary_get_str(const run_summary *s, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(s->root, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool run_summary_get_num(const run_summary *s, const char *key, double *v) {
  const cJSON *x = cJSON_GetObjectItemCaseSensitive(s->root, key);
  if (cJSON_IsRaw(x) && x->valuestring) { /* written by this process, not yet reparsed */
    char *end;
    double d = strtod(x->valuestring, &end);
    if (*end) return false;
    *v = d;
    return true;
  }
  if (!cJSON_IsNumber(x)) return false;
  *v = x->valuedouble;
  return true;
}

static const cJSON *settings_of(const run_summary *s) {
  const cJSON *o = cJSON_GetObjectItemCaseSensitive(s->root, "settings");
  return cJSON_IsObject(o) ? o : NULL;
}

const char *run_summary_setting(const run_summary *s, const char *name) {
  const cJSON *o = settings_of(s);
  const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

size_t run_summary_n_settings(const run_summary *s) {
  const cJSON *o = settings_of(s);
  return o ? (size_t)cJSON_GetArraySize(o) : 0;
}

const char *run_summary_setting_at(const run_summary *s, size_t i, const char **value) {
  const cJSON *o = settings_of(s);
  const cJSON *v = o ? cJSON_GetArrayItem(o, (int)i) : NULL;
  *value = cJSON_IsString(v) ? v->valuestring : "";
  return v ? v->string : NULL;
}

/* ---- holding a run folder: DIR/.lock, DIR/.previous ---- */

/* Folders this process holds, by identity (device, inode), so that a
 * trainer called by a command that already holds its folder takes it again
 * (flock locks of two descriptors of one process would conflict). */
#define RUN_DIR_MAX_HELD 16
static struct held_dir {
  dev_t dev;
  ino_t ino;
  int fd, count;
  char lock_path[4200];
} g_held[RUN_DIR_MAX_HELD];

static struct held_dir *held_find(const char *dir) {
  struct stat st;
  if (stat(dir, &st) != 0) return NULL;
  for (int i = 0; i < RUN_DIR_MAX_HELD; i++)
    if (g_held[i].count > 0 && g_held[i].dev == st.st_dev && g_held[i].ino == st.st_ino) return &g_held[i];
  return NULL;
}

/* "PID COMMAND" of the holder, read from its lock file (may be empty). */
static void holder_text(int fd, char *buf, size_t n) {
  ssize_t got = pread(fd, buf, n - 1, 0);
  buf[got > 0 ? got : 0] = 0;
  for (char *c = buf; *c; c++)
    if (*c == '\n' || (unsigned char)*c < 0x20) *c = *c == '\n' && !c[1] ? 0 : ' ';
}

/* The identity stamp written into the lock: pid and command line. */
static void holder_write(int fd, int argc, char *const *argv) {
  char buf[1024];
  int len = snprintf(buf, sizeof buf, "%ld", (long)getpid());
  for (int i = 0; i < argc && len >= 0 && (size_t)len < sizeof buf; i++)
    len += snprintf(buf + len, sizeof buf - (size_t)len, " %s", argv[i]);
  if (len < 0) return;
  if ((size_t)len >= sizeof buf - 1) len = (int)sizeof buf - 2;
  buf[len++] = '\n';
  if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)len, 0) < 0) { /* a stamp is a courtesy */ }
}

syn_status run_dir_lock(const char *dir, int argc, char *const *argv, syn_err *e) {
  syn_status s = run_dir_make(dir, e);
  if (s) return s;
  struct held_dir *h = held_find(dir);
  if (h) {
    h->count++;
    return SYN_OK;
  }
  for (int i = 0; i < RUN_DIR_MAX_HELD && !h; i++)
    if (g_held[i].count == 0) h = &g_held[i];
  if (!h) return syn_err_set(e, SYN_ERR_ARG, "%s: too many run folders held at once", dir);
  if (snprintf(h->lock_path, sizeof h->lock_path, "%s/.lock", dir) >= (int)sizeof h->lock_path)
    return syn_err_set(e, SYN_ERR_ARG, "%.64s...: path too long", dir);
  for (int tries = 0; tries < 100; tries++) {
    /* O_NOFOLLOW: a link planted as .lock is not followed */
    int fd = open(h->lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0) return syn_err_set(e, SYN_ERR_IO, "%s: cannot write: %s", h->lock_path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      char who[1024];
      holder_text(fd, who, sizeof who);
      close(fd);
      if (err == EWOULDBLOCK)
        return syn_err_set(e, SYN_ERR_IO, "%s: in use by another run (pid %s); wait for it or use another folder",
                           dir, *who ? who : "unknown");
      return syn_err_set(e, SYN_ERR_IO, "%s: cannot lock: %s", h->lock_path, strerror(err));
    }
    /* the holder before us may have removed the file after we opened it: then
     * our lock is on a name nobody else sees; take the file there now */
    struct stat a, b;
    if (fstat(fd, &a) == 0 && stat(h->lock_path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
      struct stat d;
      if (stat(dir, &d) != 0) {
        close(fd);
        return syn_err_set(e, SYN_ERR_IO, "%s: %s", dir, strerror(errno));
      }
      holder_write(fd, argc, argv);
      h->dev = d.st_dev;
      h->ino = d.st_ino;
      h->fd = fd;
      h->count = 1;
      return SYN_OK;
    }
    close(fd);
  }
  return syn_err_set(e, SYN_ERR_IO, "%s: cannot lock: the lock file keeps changing", h->lock_path);
}

/* all: however many times this process took it */
static void unlock_dir(const char *dir, bool all) {
  struct held_dir *h = held_find(dir);
  if (!h || (!all && --h->count > 0)) return;
  unlink(h->lock_path); /* while still locked: see run_dir_lock */
  close(h->fd);
  h->count = 0;
}

void run_dir_unlock(const char *dir) { unlock_dir(dir, false); }

/* What a finished run of any kind leaves (summary.json first: its mark). */
static const char *const finished_names[] = {"summary.json", "metrics.csv", "net.bin",  "policy.txt",
                                             "target.bin",   "nets.bin",    "returns.csv", "best.json",
                                             "best.txt",     "last.txt",    "log.csv"};
#define N_FINISHED (sizeof finished_names / sizeof *finished_names)
#define PREVIOUS ".previous"

static bool exists_in(const char *dir, const char *name) {
  char p[4500];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return lstat(p, &st) == 0;
}

/* Moves the finished outputs (regular files) from folder `from` into `to`. */
static syn_status move_outputs(const char *from, const char *to, syn_err *e) {
  char a[4500], b[4500];
  struct stat st;
  for (size_t i = 0; i < N_FINISHED; i++) {
    snprintf(a, sizeof a, "%s/%s", from, finished_names[i]);
    if (lstat(a, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    snprintf(b, sizeof b, "%s/%s", to, finished_names[i]);
    if (rename(a, b) != 0 && errno != ENOENT)
      return syn_err_set(e, SYN_ERR_IO, "%s: cannot move to %s: %s", a, b, strerror(errno));
  }
  return SYN_OK;
}

/* Deletes the finished outputs in prev, then prev (other files keep it). */
static void drop_previous(const char *prev) {
  run_dir_clear(prev, finished_names, N_FINISHED, N_FINISHED);
  rmdir(prev);
}

/* A killed run may have left DIR/.previous: settled here, under the lock. */
static syn_status settle_previous(const char *dir, const char *prev, syn_err *e) {
  struct stat st;
  if (stat(prev, &st) != 0) return SYN_OK;
  if (exists_in(dir, "summary.json")) {
    drop_previous(prev); /* the new run finished: the old one is replaced */
    return SYN_OK;
  }
  if (exists_in(dir, "checkpoint.bin")) return SYN_OK; /* the new run can resume */
  /* the new run left nothing to continue: the old run comes back */
  run_dir_clear(dir, finished_names, N_FINISHED, N_FINISHED);
  syn_status s = move_outputs(prev, dir, e);
  if (!s) rmdir(prev);
  return s;
}

syn_status run_dir_claim(const char *dir, bool overwrite, bool resume, int argc, char *const *argv,
                         syn_err *e) {
  syn_status s = run_dir_lock(dir, argc, argv, e);
  if (s) return s;
  char prev[4400];
  snprintf(prev, sizeof prev, "%s/" PREVIOUS, dir);
  if ((s = settle_previous(dir, prev, e))) goto fail;
  if (resume) return SYN_OK;
  bool in_dir = exists_in(dir, "summary.json"), aside = exists_in(prev, "summary.json");
  if ((in_dir || aside) && !overwrite) {
    s = syn_err_set(e, SYN_ERR_ARG,
                    "%s holds a finished run (summary.json); give --overwrite to replace it "
                    "(kept until the new run is complete) or choose another folder",
                    dir);
    goto fail;
  }
  if (in_dir) {
    if (mkdir(prev, 0777) != 0 && errno != EEXIST) {
      s = syn_err_set(e, SYN_ERR_IO, "%s: cannot create: %s", prev, strerror(errno));
      goto fail;
    }
    if ((s = move_outputs(dir, prev, e))) {
      syn_err ignored;
      move_outputs(prev, dir, &ignored);
      rmdir(prev);
      goto fail;
    }
  }
  return SYN_OK;
fail:
  run_dir_unlock(dir);
  return s;
}

void run_dir_release(const char *dir, bool complete) {
  char prev[4400];
  snprintf(prev, sizeof prev, "%s/" PREVIOUS, dir);
  struct stat st;
  if (stat(prev, &st) == 0) {
    syn_err ignored;
    if (complete)
      drop_previous(prev);
    else
      settle_previous(dir, prev, &ignored);
  }
  unlock_dir(dir, true);
}

/* ---- checkpoints of another kind of run ---- */

syn_status run_checkpoint_kind_check(const char *path, run_kind want, syn_err *e) {
  ckpt_file f;
  syn_err ignored;
  /* unreadable or damaged: the full check that follows says what is wrong */
  if (ckpt_read(&f, path, &ignored)) return SYN_OK;
  /* each loop's own sections tell the kinds apart */
  int kind = ckpt_has(&f, "cls.config")                           ? RUN_KIND_CLASSIFY
             : ckpt_has(&f, "rl.loop")                            ? RUN_KIND_RL
             : ckpt_has(&f, "run.config") && ckpt_has(&f, "run") ? RUN_KIND_TRAIN
                                                                  : -1;
  ckpt_file_free(&f);
  if (kind < 0 || kind == (int)want) return SYN_OK;
  return syn_err_set(e, SYN_ERR_ARG, "%s: a checkpoint of a different kind of run (synrl %s), not of synrl %s",
                     path, run_kind_name((run_kind)kind), run_kind_name(want));
}
