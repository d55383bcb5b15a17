/* Run folders: summary.json, written and read through cJSON. */
#define _POSIX_C_SOURCE 200809L
#include "synrl/train.h"
#include "core/fileio.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
