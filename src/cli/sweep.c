/* synrl sweep: a grid of ordinary runs of any subcommand (train, classify,
 * rl, policy learn), each cell in its own folder, gathered into one table.
 * Cells run as child processes, --jobs at a time (each on one thread), or,
 * under mpirun, cell i of a group on rank i mod P. The grid file is
 * documented in docs/formats.md ("Sweep grids"). */
#define _GNU_SOURCE /* setenv, readlink */
#include "cli/cli.h"
#include "cli/mpi.h"
#include "core/fileio.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SWEEP_MAX_GROUPS 64
#define SWEEP_MAX_DIMS 16   /* key lines per group */
#define SWEEP_MAX_ZIP 8     /* keys on one line, varied together */
#define SWEEP_MAX_VALUES 256 /* values on one key line */
#define SWEEP_MAX_TOKENS 64
#define SWEEP_MAX_CELLS 100000
#define SWEEP_WORD 4096     /* one word after substitution */

typedef struct sweep_dim {
  char *name[SWEEP_MAX_ZIP];
  int n_names;
  char *value[SWEEP_MAX_VALUES]; /* tuple t: value[t * n_names + j] */
  int n_tuples;
} sweep_dim;

typedef struct sweep_group {
  char *title;                       /* [TITLE], NULL for a grid without groups */
  int line;                          /* where the group starts */
  const char *sub[2];                /* the subcommand's words: "train" or "policy", "learn" */
  int n_sub;
  run_kind kind;
  char *command[SWEEP_MAX_TOKENS];   /* the words after the subcommand */
  int n_command;
  bool have_command;
  sweep_dim dim[SWEEP_MAX_DIMS];      /* the key "name" is a cell's folder, not a flag */
  bool after;                        /* uses {out}: starts when the groups before it are done */
  int n_dims;
  long n_cells, first;               /* cells, and the index of the first in the grid */
} sweep_group;

typedef struct sweep_grid {
  char *text;                        /* the file, cut into tokens in place */
  const char *path;
  sweep_group group[SWEEP_MAX_GROUPS];
  int n_groups;
  long n_cells;
} sweep_grid;

/* One cell, expanded: its folder name, and its words after the subcommand. */
typedef struct sweep_cell {
  const sweep_group *g;
  long index;
  char name[256];
  char *argv[SWEEP_MAX_TOKENS + 2 * SWEEP_MAX_DIMS * SWEEP_MAX_ZIP + 8];
  int argc;
  char buf[65536];                   /* the words' text */
  size_t used;
} sweep_cell;

static int next_token(char **p, char **tok) {
  while (**p == ' ' || **p == '\t') (*p)++;
  if (!**p) return 0;
  *tok = *p;
  while (**p && **p != ' ' && **p != '\t') (*p)++;
  if (**p) *(*p)++ = '\0';
  return 1;
}

/* The words of s, and whether the only one is `word`. */
static int count_words(const char *s) {
  int n = 0;
  for (const char *p = s; *p;) {
    while (*p == ' ') p++;
    if (!*p) break;
    n++;
    while (*p && *p != ' ') p++;
  }
  return n;
}

static bool only_word(const char *s, const char *word) {
  while (*s == ' ') s++;
  size_t n = strlen(word);
  if (strncmp(s, word, n)) return false;
  for (s += n; *s == ' '; s++) {}
  return !*s;
}

static bool valid_key(const char *k) {
  if (!*k) return false;
  for (; *k; k++)
    if (!islower((unsigned char)*k) && !isdigit((unsigned char)*k) && *k != '-') return false;
  return true;
}

#define GRID_ERR(...)                                 \
  do {                                                \
    fprintf(stderr, "synrl sweep: %s:%d: ", path, line); \
    fprintf(stderr, __VA_ARGS__);                     \
    fprintf(stderr, "\n");                            \
    return 1;                                         \
  } while (0)

/* "command = SUB words...": the subcommand (none: train, as grids before
 * 0.2.0 wrote it) and its words. */
static int parse_command(sweep_group *g, char *q, const char *path, int line) {
  char *tok;
  if (g->have_command) GRID_ERR("a second 'command' line in this group");
  g->have_command = true;
  char *words[SWEEP_MAX_TOKENS + 2];
  int n = 0;
  while (next_token(&q, &tok)) {
    if (n == SWEEP_MAX_TOKENS + 2) GRID_ERR("more than %d words in the command", SWEEP_MAX_TOKENS);
    words[n++] = tok;
  }
  int w = 0;
  if (n && !strcmp(words[0], "policy")) {
    if (n < 2 || strcmp(words[1], "learn"))
      GRID_ERR("of the policy commands a sweep runs only 'policy learn'");
    g->sub[0] = "policy", g->sub[1] = "learn", g->n_sub = 2, g->kind = RUN_KIND_POLICY_LEARN, w = 2;
  } else if (n && (!strcmp(words[0], "train") || !strcmp(words[0], "classify") ||
                   !strcmp(words[0], "rl"))) {
    g->sub[0] = words[0], g->n_sub = 1, w = 1;
    g->kind = !strcmp(words[0], "train")      ? RUN_KIND_TRAIN
              : !strcmp(words[0], "classify") ? RUN_KIND_CLASSIFY
                                              : RUN_KIND_RL;
  } else if (n && words[0][0] != '-') {
    GRID_ERR("unknown subcommand '%s': train, classify, rl or policy learn", words[0]);
  } else {
    g->sub[0] = "train", g->n_sub = 1, g->kind = RUN_KIND_TRAIN;
  }
  for (; w < n; w++) {
    if (g->n_command == SWEEP_MAX_TOKENS) GRID_ERR("more than %d words in the command", SWEEP_MAX_TOKENS);
    if (!strcmp(words[w], "--out") || !strncmp(words[w], "--out=", 6) ||
        !strcmp(words[w], "--resume") || !strncmp(words[w], "--resume=", 9))
      GRID_ERR("%s is set by the sweep (one folder per cell)", words[w]);
    g->command[g->n_command++] = words[w];
  }
  return 0;
}

/* "KEY [KEY...] = VALUES...": with several keys the values go in tuples. */
static int parse_dim(sweep_group *g, char *keys, char *q, const char *path, int line) {
  char *tok;
  if (g->n_dims == SWEEP_MAX_DIMS) GRID_ERR("more than %d key lines in a group", SWEEP_MAX_DIMS);
  sweep_dim *d = &g->dim[g->n_dims];
  memset(d, 0, sizeof *d);
  while (next_token(&keys, &tok)) {
    if (!valid_key(tok) || !strcmp(tok, "out") || !strcmp(tok, "resume"))
      GRID_ERR("'%s' is not a flag name (lower case, digits, '-'; not 'out' or 'resume')", tok);
    if (d->n_names == SWEEP_MAX_ZIP) GRID_ERR("more than %d keys on one line", SWEEP_MAX_ZIP);
    for (int k = 0; k < g->n_dims; k++)
      for (int j = 0; j < g->dim[k].n_names; j++)
        if (!strcmp(g->dim[k].name[j], tok)) GRID_ERR("key '%s' given twice", tok);
    for (int j = 0; j < d->n_names; j++)
      if (!strcmp(d->name[j], tok)) GRID_ERR("key '%s' given twice", tok);
    d->name[d->n_names++] = tok;
  }
  int nv = 0;
  while (next_token(&q, &tok)) {
    if (nv == SWEEP_MAX_VALUES) GRID_ERR("more than %d values", SWEEP_MAX_VALUES);
    d->value[nv++] = tok;
  }
  if (nv == 0) GRID_ERR("key '%s' has no values", d->name[0]);
  if (nv % d->n_names)
    GRID_ERR("%d values for %d keys: give them in groups of %d", nv, d->n_names, d->n_names);
  d->n_tuples = nv / d->n_names;
  g->n_dims++;
  return 0;
}

/* Prints a one-line error naming the file and line; 0 on success. */
static int grid_parse(sweep_grid *G, const char *path) {
  memset(G, 0, sizeof *G);
  G->path = path;
  size_t n = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "synrl sweep: %s: %s\n", path, strerror(errno));
    return 1;
  }
  size_t cap = 1 << 16;
  G->text = malloc(cap + 1);
  if (!G->text) {
    fclose(f);
    fprintf(stderr, "synrl sweep: out of memory\n");
    return 1;
  }
  n = fread(G->text, 1, cap, f);
  int big = n == cap && fgetc(f) != EOF;
  fclose(f);
  if (big) {
    fprintf(stderr, "synrl sweep: %s: larger than %zu bytes\n", path, cap);
    return 1;
  }
  G->text[n] = '\0';
  if (memchr(G->text, '\0', n)) {
    fprintf(stderr, "synrl sweep: %s: not a text file (NUL byte)\n", path);
    return 1;
  }
  int line = 0;
  sweep_group *g = NULL;
  for (char *p = G->text; p && *p;) {
    line++;
    char *eol = strchr(p, '\n'), *next = eol ? eol + 1 : NULL;
    if (eol) *eol = '\0';
    char *hash = strchr(p, '#');
    if (hash) *hash = '\0';
    for (char *c = p; *c; c++)
      if (*c == '\r' || *c == '\t') *c = ' ';
    char *tok, *q = p;
    while (*q == ' ') q++;
    if (*q == '[') { /* a new group */
      char *end = strchr(q, ']');
      char *rest = end ? end + 1 : NULL;
      if (!end || end == q + 1 || next_token(&rest, &tok)) GRID_ERR("expected '[GROUP]'");
      *end = '\0';
      if (G->n_groups == SWEEP_MAX_GROUPS) GRID_ERR("more than %d groups", SWEEP_MAX_GROUPS);
      if (G->n_groups == 1 && !G->group[0].title) GRID_ERR("lines before the first [GROUP]");
      g = &G->group[G->n_groups++];
      g->title = q + 1;
      g->line = line;
      p = next;
      continue;
    }
    char *eq = strchr(p, '=');
    if (!eq) {
      if (next_token(&q, &tok)) GRID_ERR("expected 'KEY = VALUES...'");
      p = next;
      continue;
    }
    *eq = '\0';
    if (!g) {
      g = &G->group[G->n_groups++];
      g->line = line;
    }
    if (!count_words(p)) GRID_ERR("no key before '='");
    if (only_word(p, "command")) {
      if (parse_command(g, eq + 1, path, line)) return 1;
    } else if (parse_dim(g, p, eq + 1, path, line)) {
      return 1;
    }
    p = next;
  }
  if (!G->n_groups) {
    fprintf(stderr, "synrl sweep: %s: no 'command = ...' line\n", path);
    return 1;
  }
  for (int k = 0; k < G->n_groups; k++) {
    g = &G->group[k];
    line = g->line;
    if (!g->have_command) GRID_ERR("group %s has no 'command = ...' line", g->title ? g->title : "");
    for (int t = 0; t < g->n_command; t++) g->after |= strstr(g->command[t], "{out}") != NULL;
    for (int d = 0; d < g->n_dims; d++)
      for (int v = 0; v < g->dim[d].n_tuples * g->dim[d].n_names; v++)
        g->after |= strstr(g->dim[d].value[v], "{out}") != NULL;
    g->first = G->n_cells;
    g->n_cells = 1;
    for (int d = 0; d < g->n_dims; d++) g->n_cells *= g->dim[d].n_tuples;
    G->n_cells += g->n_cells;
    if (G->n_cells > SWEEP_MAX_CELLS) {
      fprintf(stderr, "synrl sweep: %s: more than %d cells\n", path, SWEEP_MAX_CELLS);
      return 1;
    }
  }
  return 0;
}
#undef GRID_ERR

/* Tuple index of dimension d in the group's cell i: the last varies fastest. */
static int cell_tuple(const sweep_group *g, long i, int d) {
  for (int j = g->n_dims - 1; j > d; j--) i /= g->dim[j].n_tuples;
  return (int)(i % g->dim[d].n_tuples);
}

/* The value of key in cell i (NULL: the group has no such key). */
static const char *cell_value(const sweep_group *g, long i, const char *key) {
  for (int d = 0; d < g->n_dims; d++)
    for (int j = 0; j < g->dim[d].n_names; j++)
      if (!strcmp(g->dim[d].name[j], key))
        return g->dim[d].value[cell_tuple(g, i, d) * g->dim[d].n_names + j];
  return NULL;
}

/* Copies src into the cell's text with {out} and {KEY} replaced; NULL (and a
 * one-line error) for an unknown {name} or a word too long. */
static char *cell_subst(sweep_cell *c, const char *src, const char *out, long i) {
  char *dst = c->buf + c->used, *end = c->buf + sizeof c->buf;
  char *w = dst;
  for (const char *s = src; *s;) {
    const char *v = NULL;
    size_t skip = 1;
    if (*s == '{') {
      const char *close = strchr(s, '}');
      char key[64];
      if (!close || (size_t)(close - s - 1) >= sizeof key) {
        fprintf(stderr, "synrl sweep: '%s': an unclosed or long '{'\n", src);
        return NULL;
      }
      memcpy(key, s + 1, (size_t)(close - s - 1));
      key[close - s - 1] = '\0';
      v = !strcmp(key, "out") ? out : cell_value(c->g, i, key);
      if (!v) {
        fprintf(stderr, "synrl sweep: '%s': {%s} is neither {out} nor a key of its group\n", src, key);
        return NULL;
      }
      skip = (size_t)(close - s) + 1;
    }
    size_t len = v ? strlen(v) : 1;
    if (w + len + 1 >= end) {
      fprintf(stderr, "synrl sweep: '%s': the cell's words are too long\n", src);
      return NULL;
    }
    memcpy(w, v ? v : s, len);
    w += len;
    s += skip;
  }
  *w++ = '\0';
  c->used = (size_t)(w - c->buf);
  return dst;
}

static bool safe_name(const char *s) {
  if (!*s || !strcmp(s, ".") || !strcmp(s, "..") || *s == '.') return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && !strchr("._-+=,", *s)) return false;
  return true;
}

/* Expands cell `index` of the grid (words, folder name); 1 after an error. */
static int cell_make(sweep_cell *c, const sweep_grid *G, long index, const char *out) {
  memset(c, 0, offsetof(sweep_cell, buf));
  c->used = 0;
  c->index = index;
  const sweep_group *g = &G->group[0];
  for (int k = 0; k < G->n_groups; k++)
    if (index >= G->group[k].first) g = &G->group[k];
  c->g = g;
  long i = index - g->first;
  const char *tpl = cell_value(g, i, "name");
  if (tpl) {
    const char *nm = cell_subst(c, tpl, out, i);
    if (!nm) return 1;
    if (strlen(nm) >= sizeof c->name || !safe_name(nm)) {
      fprintf(stderr, "synrl sweep: name '%s' of cell %ld: not a plain folder name "
              "(letters, digits, . _ - + = ,)\n", nm, index);
      return 1;
    }
    snprintf(c->name, sizeof c->name, "%s", nm);
  } else {
    snprintf(c->name, sizeof c->name, "cell-%04ld", index);
  }
  for (int t = 0; t < g->n_command; t++)
    if (!(c->argv[c->argc++] = cell_subst(c, g->command[t], out, i))) return 1;
  for (int d = 0; d < g->n_dims; d++)
    for (int j = 0; j < g->dim[d].n_names; j++) {
      if (!strcmp(g->dim[d].name[j], "name")) continue;
      char flag[80];
      snprintf(flag, sizeof flag, "--%s", g->dim[d].name[j]);
      if (!(c->argv[c->argc++] = cell_subst(c, flag, out, i))) return 1;
      const char *v = g->dim[d].value[cell_tuple(g, i, d) * g->dim[d].n_names + j];
      if (!(c->argv[c->argc++] = cell_subst(c, v, out, i))) return 1;
    }
  return 0;
}

/* "name value" pairs of a cell's words: a flag followed by a word that is not
 * a flag takes it as its value; a bare flag is "on". */
typedef struct flag_pair {
  char name[64];
  const char *value;
} flag_pair;

static int cell_flags(char *const *words, int n, flag_pair *out, int max) {
  int k = 0;
  for (int t = 0; t < n && k < max; t++) {
    const char *w = words[t];
    if (strncmp(w, "--", 2)) continue;
    const char *eq = strchr(w, '=');
    size_t len = eq ? (size_t)(eq - w - 2) : strlen(w + 2);
    if (len >= sizeof out[k].name) continue;
    memcpy(out[k].name, w + 2, len);
    out[k].name[len] = '\0';
    if (eq)
      out[k].value = eq + 1;
    else if (t + 1 < n && strncmp(words[t + 1], "--", 2))
      out[k].value = words[++t];
    else
      out[k].value = "on";
    k++;
  }
  return k;
}

static bool same_value(const char *a, const char *b) {
  if (!strcmp(a, b)) return true;
  char *ea, *eb;
  double x = strtod(a, &ea), y = strtod(b, &eb);
  return ea != a && eb != b && !*ea && !*eb && x == y;
}

/* The record of what the sweep asked of a cell's folder: OUT/.sweep/NAME. */
static void record_path(char *buf, size_t n, const char *out, const sweep_cell *c) {
  snprintf(buf, n, "%s/.sweep/%s", out, c->name);
}

static int record_write(const char *out, const sweep_cell *c) {
  char path[4400];
  snprintf(path, sizeof path, "%s/.sweep", out);
  syn_err e = {0};
  if (run_dir_make(path, &e)) {
    fprintf(stderr, "synrl sweep: %s\n", e.msg);
    return 1;
  }
  record_path(path, sizeof path, out, c);
  fio_writer w = {0};
  if (fio_text_open(&w, path, &e)) {
    fprintf(stderr, "synrl sweep: %s\n", e.msg);
    return 1;
  }
  for (int t = 0; t < c->g->n_sub; t++) fprintf(w.f, "%s\n", c->g->sub[t]);
  for (int t = 0; t < c->argc; t++) fprintf(w.f, "%s\n", c->argv[t]);
  if (fio_text_commit(&w, &e)) {
    fprintf(stderr, "synrl sweep: %s\n", e.msg);
    return 1;
  }
  return 0;
}

/* Whether the finished run in dir was made with exactly this cell's settings:
 * the same kind, the same synrl version, the words the sweep recorded for it,
 * and every setting the cell gives equal to the one summary.json records.
 * false with the reason in why otherwise. */
static bool cell_matches(const char *out, const char *dir, const sweep_cell *c, char *why, size_t n) {
  char path[4600];
  snprintf(path, sizeof path, "%s/summary.json", dir);
  run_summary *s = NULL;
  syn_err e = {0};
  if (run_summary_load(&s, path, &e)) {
    snprintf(why, n, "%s", e.msg);
    return false;
  }
  bool ok = false;
  const char *ver = run_summary_setting(s, "synrl_version");
  if (run_summary_kind(s) != c->g->kind) {
    snprintf(why, n, "a %s run, the grid asks for %s", run_kind_name(run_summary_kind(s)),
             run_kind_name(c->g->kind));
  } else if (!ver) {
    snprintf(why, n, "its summary.json records no settings");
  } else if (strcmp(ver, core_version())) {
    snprintf(why, n, "made by synrl %s, this is %s", ver, core_version());
  } else {
    /* first what the run records, so that the message names the setting */
    flag_pair fl[SWEEP_MAX_TOKENS + SWEEP_MAX_DIMS * SWEEP_MAX_ZIP];
    int nf = cell_flags(c->argv, c->argc, fl, (int)(sizeof fl / sizeof *fl));
    ok = true;
    for (int k = 0; ok && k < nf; k++) {
      const char *rec = run_summary_setting(s, fl[k].name);
      if (rec && !same_value(rec, fl[k].value)) {
        snprintf(why, n, "%.60s=%.100s there, %.100s in the grid", fl[k].name, rec, fl[k].value);
        ok = false;
      }
    }
    /* then the words the sweep recorded: a flag the run was given that the grid
     * no longer gives (its default may differ) */
    record_path(path, sizeof path, out, c);
    FILE *f = ok ? fopen(path, "r") : NULL;
    char line[SWEEP_WORD], *words[SWEEP_MAX_TOKENS + 2 * SWEEP_MAX_DIMS * SWEEP_MAX_ZIP + 8];
    static char store[65536];
    size_t used = 0;
    int nw = 0;
    while (f && nw < (int)(sizeof words / sizeof *words) && fgets(line, sizeof line, f)) {
      line[strcspn(line, "\n")] = '\0';
      size_t len = strlen(line) + 1;
      if (used + len > sizeof store) break;
      words[nw++] = memcpy(store + used, line, len);
      used += len;
    }
    if (f) fclose(f);
    bool same = f && nw == c->g->n_sub + c->argc;
    for (int t = 0; same && t < c->g->n_sub; t++) same = !strcmp(words[t], c->g->sub[t]);
    for (int t = 0; same && t < c->argc; t++) same = same_value(words[c->g->n_sub + t], c->argv[t]);
    if (ok && !f) {
      snprintf(why, n, "no record of the command that made it (%.300s)", path);
      ok = false;
    } else if (ok && !same) {
      snprintf(why, n, "made by another command (%.300s)", path);
      ok = false;
    }
  }
  run_summary_free(s);
  return ok;
}

/* The cell's whole command line (for --dry-run and messages). */
static void print_cell(FILE *f, const sweep_cell *c, const char *dir) {
  fprintf(f, "synrl");
  for (int t = 0; t < c->g->n_sub; t++) fprintf(f, " %s", c->g->sub[t]);
  for (int t = 0; t < c->argc; t++) fprintf(f, " %s", c->argv[t]);
  fprintf(f, " --out %s --quiet\n", dir);
}

static bool has_flag(const sweep_cell *c, const char *flag) {
  size_t n = strlen(flag);
  for (int t = 0; t < c->argc; t++)
    if (!strncmp(c->argv[t], flag, n) && (c->argv[t][n] == '\0' || c->argv[t][n] == '=')) return true;
  return false;
}

/* The cell's argv for the subcommand's own entry point (after its name). */
static int cell_argv(const sweep_cell *c, const char *dir, bool one_thread, char **av) {
  int n = 0;
  for (int t = 0; t < c->argc; t++) av[n++] = c->argv[t];
  /* train and policy learn thread their loops; one process per core wants one each */
  if (one_thread && (c->g->kind == RUN_KIND_TRAIN || c->g->kind == RUN_KIND_POLICY_LEARN) &&
      !has_flag(c, "--threads")) {
    av[n++] = "--threads";
    av[n++] = "1";
  }
  av[n++] = "--out";
  av[n++] = (char *)dir;
  if (!has_flag(c, "--quiet")) av[n++] = "--quiet";
  av[n] = NULL;
  return n;
}

static int run_in_process(const sweep_cell *c, const char *dir) {
  char *av[sizeof c->argv / sizeof *c->argv + 8];
  int n = cell_argv(c, dir, false, av);
  switch (c->g->kind) {
    case RUN_KIND_TRAIN: return cli_train_ex(n, av, false);
    case RUN_KIND_CLASSIFY: return cli_classify(n, av);
    case RUN_KIND_RL: return cli_rl(n, av);
    case RUN_KIND_POLICY_LEARN: return cli_policy_learn(n, av);
  }
  return 2;
}

/* A child process running the cell: this binary again, stdout to /dev/null. */
static pid_t run_child(const sweep_cell *c, const char *dir, const char *exe, bool one_thread) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid != 0) return pid; /* -1: the caller reports it */
  char *av[sizeof c->argv / sizeof *c->argv + 12];
  av[0] = (char *)exe;
  for (int t = 0; t < c->g->n_sub; t++) av[1 + t] = (char *)c->g->sub[t];
  cell_argv(c, dir, one_thread, av + 1 + c->g->n_sub);
  if (one_thread) {
    setenv("OMP_NUM_THREADS", "1", 1);
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
  }
  if (!freopen("/dev/null", "w", stdout)) _exit(126);
  execv(exe, av);
  fprintf(stderr, "synrl sweep: %s: %s\n", exe, strerror(errno));
  _exit(127);
}

typedef enum { CELL_TODO = 0, CELL_OK, CELL_FAILED, CELL_STALE } cell_status;

/* ---- the tables ---- */

static const char *const train_metrics[] = {"iterations", "train_acc", "valid_acc", "test_acc",
                                            "valid_loss", "seconds"};
static const char *const any_metrics[] = {"iterations", "epochs",      "episodes",   "train_acc",
                                          "valid_acc",  "test_acc",    "valid_loss", "avg_return",
                                          "eval_return", "score",      "seconds"};
#define N_ANY (sizeof any_metrics / sizeof *any_metrics)

static int write_tables(const sweep_grid *G, const char *out, const cell_status *status) {
  char csv_path[4200], md_path[4200];
  snprintf(csv_path, sizeof csv_path, "%s/sweep.csv", out);
  snprintf(md_path, sizeof md_path, "%s/sweep.md", out);
  /* the key columns: every key of every group, in order of appearance */
  const char *keys[SWEEP_MAX_GROUPS * SWEEP_MAX_DIMS * SWEEP_MAX_ZIP];
  int n_keys = 0;
  bool all_train = true, grouped = G->group[0].title != NULL;
  for (int k = 0; k < G->n_groups; k++) grouped |= cell_value(&G->group[k], 0, "name") != NULL;
  for (int k = 0; k < G->n_groups; k++) {
    all_train &= G->group[k].kind == RUN_KIND_TRAIN;
    for (int d = 0; d < G->group[k].n_dims; d++)
      for (int j = 0; j < G->group[k].dim[d].n_names; j++) {
        const char *name = G->group[k].dim[d].name[j];
        bool seen = !strcmp(name, "name") && grouped; /* the name column says it */
        for (int q = 0; q < n_keys; q++) seen |= !strcmp(keys[q], name);
        if (!seen) keys[n_keys++] = name;
      }
  }
  const char *const *metrics = all_train ? train_metrics : any_metrics;
  int n_metrics = all_train ? 6 : (int)N_ANY;
  double *vals = malloc((size_t)G->n_cells * (size_t)n_metrics * sizeof(double));
  bool used[N_ANY] = {0};
  if (!vals) {
    fprintf(stderr, "synrl sweep: out of memory\n");
    return 1;
  }
  static sweep_cell c;
  for (long i = 0; i < G->n_cells; i++) {
    run_summary *s = NULL;
    syn_err e = {0};
    char path[4500];
    cell_make(&c, G, i, out);
    snprintf(path, sizeof path, "%s/%s/summary.json", out, c.name);
    bool have = status[i] == CELL_OK && !run_summary_load(&s, path, &e);
    for (int m = 0; m < n_metrics; m++) {
      double v = NAN;
      if (have) run_summary_get_num(s, metrics[m], &v);
      vals[i * n_metrics + m] = v;
      used[m] |= all_train || !isnan(v);
    }
    run_summary_free(s);
  }
  fio_writer csv = {0}, md = {0};
  syn_err e = {0};
  if (fio_text_open(&csv, csv_path, &e) || fio_text_open(&md, md_path, &e)) {
    fprintf(stderr, "synrl sweep: %s\n", e.msg);
    if (csv.f) fio_writer_abort(&csv);
    free(vals);
    return 1;
  }
  int n_cols = 0;
  fprintf(csv.f, "cell%s", grouped ? ",group,name" : "");
  fprintf(md.f, "| cell |%s", grouped ? " group | name |" : "");
  for (int k = 0; k < n_keys; k++, n_cols++) {
    fprintf(csv.f, ",%s", keys[k]);
    fprintf(md.f, " %s |", keys[k]);
  }
  for (int m = 0; m < n_metrics; m++)
    if (used[m]) {
      fprintf(csv.f, ",%s", metrics[m]);
      fprintf(md.f, " %s |", metrics[m]);
      n_cols++;
    }
  fprintf(csv.f, ",status\n");
  fprintf(md.f, "\n|---|%s", grouped ? "---|---|" : "");
  for (int k = 0; k < n_cols; k++) fprintf(md.f, "---|");
  fprintf(md.f, "\n");
  int missing = 0;
  static const char *const status_name[] = {"failed", "ok", "failed", "stale"};
  for (long i = 0; i < G->n_cells; i++) {
    cell_make(&c, G, i, out);
    long gi = i - c.g->first;
    missing += status[i] != CELL_OK;
    fprintf(csv.f, "%ld", i);
    fprintf(md.f, "| %ld |", i);
    if (grouped) {
      const char *title = c.g->title ? c.g->title : "";
      fprintf(csv.f, ",%s,%s", title, c.name);
      fprintf(md.f, " %s | %s |", title, c.name);
    }
    for (int k = 0; k < n_keys; k++) {
      const char *v = cell_value(c.g, gi, keys[k]);
      fprintf(csv.f, ",%s", v ? v : "");
      fprintf(md.f, " %s |", v ? v : "");
    }
    for (int m = 0; m < n_metrics; m++) {
      if (!used[m]) continue;
      double v = vals[i * n_metrics + m];
      if (isnan(v)) {
        fprintf(csv.f, ",");
        fprintf(md.f, " – |");
      } else {
        fprintf(csv.f, ",%.10g", v);
        if (strstr(metrics[m], "_acc"))
          fprintf(md.f, " %.2f%% |", 100 * v);
        else
          fprintf(md.f, " %.6g |", v);
      }
    }
    fprintf(csv.f, ",%s\n", status_name[status[i]]);
    fprintf(md.f, "\n");
  }
  free(vals);
  if (fio_text_commit(&csv, &e) || fio_text_commit(&md, &e)) {
    fprintf(stderr, "synrl sweep: %s\n", e.msg);
    if (md.f) fio_writer_abort(&md);
    return 1;
  }
  FILE *f = fopen(md_path, "r");
  if (f) {
    char buf[4096];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, k, stdout);
    fclose(f);
  }
  printf("sweep: %ld cells (%d failed or stale): %s, %s\n", G->n_cells, missing, csv_path, md_path);
  return missing ? 1 : 0;
}

/* Under mpirun each rank leaves its cells' outcomes in OUT/.sweep/NAME.status
 * for rank 0, which writes the table. */
static const char *const status_word[] = {"todo", "ok", "failed", "stale"};

static void status_write(const char *out, const sweep_cell *c, cell_status st) {
  char path[4500];
  record_path(path, sizeof path, out, c);
  strcat(path, ".status");
  fio_writer w = {0};
  syn_err e = {0};
  if (fio_text_open(&w, path, &e)) return;
  fprintf(w.f, "%s\n", status_word[st]);
  fio_text_commit(&w, &e);
}

static cell_status status_read(const char *out, const sweep_cell *c) {
  char path[4500], word[16] = "";
  record_path(path, sizeof path, out, c);
  strcat(path, ".status");
  FILE *f = fopen(path, "r");
  if (f) {
    if (!fgets(word, sizeof word, f)) word[0] = '\0';
    fclose(f);
  }
  word[strcspn(word, "\n")] = '\0';
  for (int k = CELL_OK; k <= CELL_STALE; k++)
    if (!strcmp(word, status_word[k])) return (cell_status)k;
  return CELL_FAILED;
}

/* Decides, before running, whether cell i is done (reuse), stale (refuse) or
 * to run; prints what it decided for the first two. */
static cell_status cell_check(const char *out, const sweep_cell *c, const char *dir) {
  char path[4500], why[512];
  struct stat st;
  snprintf(path, sizeof path, "%s/summary.json", dir);
  if (stat(path, &st) != 0) return CELL_TODO;
  if (cell_matches(out, dir, c, why, sizeof why)) {
    fprintf(stderr, "sweep: cell %ld done before: %s\n", c->index, dir);
    return CELL_OK;
  }
  fprintf(stderr,
          "sweep: cell %ld: %s holds a finished run with other settings (%s); not reused: "
          "remove it or sweep into another --out\n",
          c->index, dir, why);
  return CELL_STALE;
}

/* The cells of one sweep run by this process: a pool of up to `jobs` child
 * processes (one rank alone), or in process (several MPI ranks). */
typedef struct sweep_pool {
  const sweep_grid *G;
  const char *out;
  char **names;         /* each cell's folder name */
  cell_status *status;  /* each cell's outcome */
  int jobs, rank, size;
  bool dry, one_thread;
  char exe[4096];       /* this program, for the children */
  pid_t *pids;          /* running children ... */
  long *pid_cell;       /* ... and their cells */
  int running;
} sweep_pool;

/* Waits for one child and records its cell's outcome. */
static void pool_collect(sweep_pool *P) {
  int ws;
  pid_t p = wait(&ws);
  if (p < 0) {
    P->running = 0; /* no children left (ECHILD) */
    return;
  }
  for (int k = 0; k < P->jobs; k++)
    if (P->pids[k] == p) {
      bool ok = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
      P->status[P->pid_cell[k]] = ok ? CELL_OK : CELL_FAILED;
      if (!ok)
        fprintf(stderr, "sweep: cell %ld (%s) failed (see the message above); the sweep goes on\n",
                P->pid_cell[k], P->names[P->pid_cell[k]]);
      P->pids[k] = 0;
      P->running--;
    }
}

/* Cell ci: listed (dry run), reused, run in process, or started as a child. */
static void pool_start(sweep_pool *P, sweep_cell *c, long ci) {
  if ((ci - c->g->first) % P->size != P->rank) return;
  char dir[4400];
  snprintf(dir, sizeof dir, "%s/%s", P->out, c->name);
  if (P->dry) {
    printf("cell %ld: ", ci);
    print_cell(stdout, c, dir);
    return;
  }
  if ((P->status[ci] = cell_check(P->out, c, dir)) != CELL_TODO) {
    if (P->size > 1) status_write(P->out, c, P->status[ci]);
    return;
  }
  fprintf(stderr, "sweep: rank %d: cell %ld/%ld: %s\n", P->rank, ci + 1, P->G->n_cells, dir);
  if (record_write(P->out, c)) {
    P->status[ci] = CELL_FAILED;
    return;
  }
  if (P->size > 1) {
    P->status[ci] = run_in_process(c, dir) == 0 ? CELL_OK : CELL_FAILED;
    status_write(P->out, c, P->status[ci]);
    if (P->status[ci] != CELL_OK)
      fprintf(stderr, "sweep: cell %ld failed (see the message above); the sweep goes on\n", ci);
    return;
  }
  pid_t p = run_child(c, dir, P->exe, P->one_thread);
  if (p < 0) {
    fprintf(stderr, "sweep: cell %ld: cannot start a process: %s\n", ci, strerror(errno));
    P->status[ci] = CELL_FAILED;
    return;
  }
  for (int k = 0; k < P->jobs; k++)
    if (!P->pids[k]) {
      P->pids[k] = p;
      P->pid_cell[k] = ci;
      break;
    }
  P->running++;
}

/* Every cell, group after group; a group that reads earlier groups' outputs
 * ({out}) waits for them on every rank. */
static int pool_run(sweep_pool *P) {
  static sweep_cell c;
  long i = 0;
  while (i < P->G->n_cells || P->running) {
    bool barrier = !P->dry && i < P->G->n_cells && cell_make(&c, P->G, i, P->out) == 0 &&
                   c.g->after && i == c.g->first;
    if (barrier && P->running) {
      pool_collect(P);
      continue;
    }
    if (barrier && P->size > 1 && cli_mpi_barrier()) {
      fprintf(stderr, "synrl sweep: MPI barrier failed\n");
      return 1;
    }
    if (P->running == P->jobs || (i >= P->G->n_cells && P->running)) {
      pool_collect(P);
      continue;
    }
    long ci = i++;
    cell_make(&c, P->G, ci, P->out);
    pool_start(P, &c, ci);
  }
  return 0;
}

/* Every cell expands (names, {key}s) and no two share a folder. */
static int cells_name(sweep_pool *P, const char *grid_path) {
  static sweep_cell c;
  for (long i = 0; i < P->G->n_cells; i++) {
    if (cell_make(&c, P->G, i, P->out) || !(P->names[i] = strdup(c.name))) return 2;
    for (long j = 0; j < i; j++)
      if (!strcmp(P->names[j], P->names[i])) {
        fprintf(stderr, "synrl sweep: %s: cells %ld and %ld both have the folder name '%s'\n",
                grid_path, j, i, P->names[i]);
        return 2;
      }
  }
  return 0;
}

/* The folder, this program's path and the pool's memory: 0, or an exit status. */
static int pool_prepare(sweep_pool *P) {
  if (P->dry) return 0;
  if (P->size == 1) {
    ssize_t k = readlink("/proc/self/exe", P->exe, sizeof P->exe - 1);
    if (k <= 0) {
      fprintf(stderr, "synrl sweep: cannot find this program (/proc/self/exe): %s\n", strerror(errno));
      return 1;
    }
    P->exe[k] = '\0';
  }
  syn_err e = {0};
  if (P->rank == 0 && run_dir_make(P->out, &e)) {
    fprintf(stderr, "synrl sweep: --out %s: %s\n", P->out, e.msg);
    return 1;
  }
  if (cli_mpi_barrier()) {
    fprintf(stderr, "synrl sweep: MPI barrier failed\n");
    return 1;
  }
  return 0;
}

/* Rank 0 writes the tables; the other ranks' outcomes are in their status files. */
static int pool_finish(sweep_pool *P) {
  static sweep_cell c;
  if (P->dry) return 0;
  if (cli_mpi_barrier()) {
    fprintf(stderr, "synrl sweep: MPI barrier failed\n");
    return 1;
  }
  if (P->size > 1)
    for (long i = 0; i < P->G->n_cells; i++)
      if (P->status[i] == CELL_TODO) {
        cell_make(&c, P->G, i, P->out);
        P->status[i] = status_read(P->out, &c);
      }
  return P->rank == 0 ? write_tables(P->G, P->out, P->status) : 0;
}

/* Options and the grid: 0, or an exit status (help: -1). */
static int sweep_parse(int argc, char **argv, sweep_grid *G, const char **grid_path,
                       const char **out, char *outbuf, size_t outn, bool *dry, int *jobs) {
  const char *prog = "synrl sweep";
  opt_spec specs[] = {
      {"out", OPT_STR, out, 0, 0, NULL, "output folder (default runs/sweep-GRIDNAME)"},
      {"jobs", OPT_INT, jobs, 1, 1024, NULL,
       "cells run at once, each a process on one thread (OMP/OpenBLAS threads 1 too)"},
      {"dry-run", OPT_FLAG, dry, 0, 0, NULL, "list the cells and their commands; run nothing"},
      {NULL},
  };
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      opts_help("usage: synrl sweep GRID [options]\n\n"
                "Runs every cell of a grid of synrl train, classify, rl or policy learn runs\n"
                "(the grid file format is in docs/formats.md), each in its own folder under\n"
                "OUT, group after group, then writes OUT/sweep.csv and OUT/sweep.md. A cell\n"
                "whose folder holds a run made with exactly its settings is reused, so an\n"
                "interrupted sweep continues where it stopped; one made with other settings\n"
                "is reported and left alone. Under mpirun, cell i of a group runs on rank i mod P.",
                specs);
      return -1;
    }
  int npos = 0;
  if (opts_parse(prog, specs, argc, argv, grid_path, 1, &npos)) return 2;
  if (npos != 1) {
    fprintf(stderr, "%s: expected one grid file (see synrl sweep --help)\n", prog);
    return 2;
  }
  if (!*out) {
    const char *base = strrchr(*grid_path, '/');
    base = base ? base + 1 : *grid_path;
    snprintf(outbuf, outn, "runs/sweep-%.*s", (int)strcspn(base, "."), base);
    *out = outbuf;
  }
  if (!**out) {
    fprintf(stderr, "%s: --out: empty folder name\n", prog);
    return 2;
  }
  if (cli_mpi_size() > 1 && *jobs > 1) {
    fprintf(stderr, "%s: --jobs: under mpirun each rank runs its cells one at a time\n", prog);
    return 2;
  }
  return grid_parse(G, *grid_path) ? 2 : 0;
}

int cli_sweep(int argc, char **argv) {
  static sweep_grid G;
  const char *grid_path = NULL, *out = NULL;
  char outbuf[4096];
  sweep_pool P = {.G = &G, .jobs = 1, .rank = cli_mpi_rank(), .size = cli_mpi_size()};
  int rc = sweep_parse(argc, argv, &G, &grid_path, &out, outbuf, sizeof outbuf, &P.dry, &P.jobs);
  if (rc) {
    free(G.text);
    return rc < 0 ? 0 : rc;
  }
  P.out = out;
  P.one_thread = P.jobs > 1;
  P.names = calloc((size_t)G.n_cells, sizeof *P.names);
  P.status = calloc((size_t)G.n_cells, sizeof *P.status);
  P.pids = calloc((size_t)P.jobs, sizeof *P.pids);
  P.pid_cell = calloc((size_t)P.jobs, sizeof *P.pid_cell);
  if (!P.names || !P.status || !P.pids || !P.pid_cell) {
    fprintf(stderr, "synrl sweep: out of memory\n");
    rc = 1;
  }
  if (!rc) rc = cells_name(&P, grid_path);
  if (!rc) rc = pool_prepare(&P);
  if (!rc) rc = pool_run(&P);
  if (!rc) rc = pool_finish(&P);
  for (long i = 0; P.names && i < G.n_cells; i++) free(P.names[i]);
  free(P.names);
  free(P.status);
  free(P.pids);
  free(P.pid_cell);
  free(G.text);
  return rc;
}
