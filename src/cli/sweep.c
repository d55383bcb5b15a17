/* synrl sweep: a grid of ordinary training runs, spread over MPI ranks when
 * started by mpirun (cell i runs on rank i mod P), one after another
 * otherwise, and gathered into one table. The grid file is documented in
 * docs/formats.md. */
#include "cli/cli.h"
#include "cli/mpi.h"
#include "core/fileio.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SWEEP_MAX_KEYS 16
#define SWEEP_MAX_VALUES 64
#define SWEEP_MAX_TOKENS 64
#define SWEEP_MAX_CELLS 100000

typedef struct sweep_grid {
  char *text;                                  /* the file, cut into tokens in place */
  char *command[SWEEP_MAX_TOKENS];             /* after "train" */
  int n_command;
  char *key[SWEEP_MAX_KEYS];
  char *value[SWEEP_MAX_KEYS][SWEEP_MAX_VALUES];
  int n_values[SWEEP_MAX_KEYS];
  int n_keys;
  long n_cells;
} sweep_grid;

static int next_token(char **p, char **tok) {
  while (**p == ' ' || **p == '\t') (*p)++;
  if (!**p) return 0;
  *tok = *p;
  while (**p && **p != ' ' && **p != '\t') (*p)++;
  if (**p) *(*p)++ = '\0';
  return 1;
}

static bool valid_key(const char *k) {
  if (!*k) return false;
  for (; *k; k++)
    if (!islower((unsigned char)*k) && !isdigit((unsigned char)*k) && *k != '-') return false;
  return true;
}

/* Prints a one-line error naming the file and line; 0 on success. */
static int grid_parse(sweep_grid *g, const char *path) {
  memset(g, 0, sizeof *g);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "synrl sweep: %s: %s\n", path, strerror(errno));
    return 1;
  }
  size_t cap = 1 << 16;
  g->text = malloc(cap + 1);
  if (!g->text) {
    fclose(f);
    fprintf(stderr, "synrl sweep: out of memory\n");
    return 1;
  }
  size_t n = fread(g->text, 1, cap, f);
  int big = n == cap && fgetc(f) != EOF;
  fclose(f);
  if (big) {
    fprintf(stderr, "synrl sweep: %s: larger than %zu bytes\n", path, cap);
    return 1;
  }
  g->text[n] = '\0';
  if (memchr(g->text, '\0', n)) {
    fprintf(stderr, "synrl sweep: %s: not a text file (NUL byte)\n", path);
    return 1;
  }
  int line = 0;
  bool have_command = false;
  for (char *p = g->text; p && *p;) {
    line++;
    char *eol = strchr(p, '\n'), *next = eol ? eol + 1 : NULL;
    if (eol) *eol = '\0';
    char *hash = strchr(p, '#');
    if (hash) *hash = '\0';
    for (char *c = p; *c; c++)
      if (*c == '\r') *c = ' ';
    char *eq = strchr(p, '=');
    char *tok, *q = p;
    if (!eq) {
      if (next_token(&q, &tok)) {
        fprintf(stderr, "synrl sweep: %s:%d: expected 'KEY = VALUES...'\n", path, line);
        return 1;
      }
      p = next;
      continue;
    }
    *eq = '\0';
    char *key;
    if (!next_token(&q, &key) || next_token(&q, &tok)) {
      fprintf(stderr, "synrl sweep: %s:%d: expected one key before '='\n", path, line);
      return 1;
    }
    q = eq + 1;
    if (strcmp(key, "command") == 0) {
      if (have_command) {
        fprintf(stderr, "synrl sweep: %s:%d: a second 'command' line\n", path, line);
        return 1;
      }
      have_command = true;
      if (!next_token(&q, &tok) || strcmp(tok, "train") != 0) {
        fprintf(stderr, "synrl sweep: %s:%d: the command must start with 'train'\n", path, line);
        return 1;
      }
      while (next_token(&q, &tok)) {
        if (g->n_command == SWEEP_MAX_TOKENS) {
          fprintf(stderr, "synrl sweep: %s:%d: more than %d words in the command\n", path, line,
                  SWEEP_MAX_TOKENS);
          return 1;
        }
        if (!strcmp(tok, "--out") || !strncmp(tok, "--out=", 6)) {
          fprintf(stderr, "synrl sweep: %s:%d: --out is set by the sweep (one directory per cell)\n",
                  path, line);
          return 1;
        }
        g->command[g->n_command++] = tok;
      }
    } else {
      if (!valid_key(key) || !strcmp(key, "out")) {
        fprintf(stderr, "synrl sweep: %s:%d: '%s' is not a flag name (lower case, digits, '-'; not 'out')\n",
                path, line, key);
        return 1;
      }
      for (int k = 0; k < g->n_keys; k++)
        if (!strcmp(g->key[k], key)) {
          fprintf(stderr, "synrl sweep: %s:%d: key '%s' given twice\n", path, line, key);
          return 1;
        }
      if (g->n_keys == SWEEP_MAX_KEYS) {
        fprintf(stderr, "synrl sweep: %s:%d: more than %d keys\n", path, line, SWEEP_MAX_KEYS);
        return 1;
      }
      int k = g->n_keys++;
      g->key[k] = key;
      while (next_token(&q, &tok)) {
        if (g->n_values[k] == SWEEP_MAX_VALUES) {
          fprintf(stderr, "synrl sweep: %s:%d: more than %d values\n", path, line, SWEEP_MAX_VALUES);
          return 1;
        }
        g->value[k][g->n_values[k]++] = tok;
      }
      if (g->n_values[k] == 0) {
        fprintf(stderr, "synrl sweep: %s:%d: key '%s' has no values\n", path, line, key);
        return 1;
      }
    }
    p = next;
  }
  if (!have_command) {
    fprintf(stderr, "synrl sweep: %s: no 'command = train ...' line\n", path);
    return 1;
  }
  g->n_cells = 1;
  for (int k = 0; k < g->n_keys; k++) {
    g->n_cells *= g->n_values[k];
    if (g->n_cells > SWEEP_MAX_CELLS) {
      fprintf(stderr, "synrl sweep: %s: more than %d cells\n", path, SWEEP_MAX_CELLS);
      return 1;
    }
  }
  return 0;
}

/* Value index of key k in cell i: the last key varies fastest. */
static int cell_value(const sweep_grid *g, long i, int k) {
  for (int j = g->n_keys - 1; j > k; j--) i /= g->n_values[j];
  return (int)(i % g->n_values[k]);
}

static void cell_dir(char *buf, size_t n, const char *out, long i) {
  snprintf(buf, n, "%s/cell-%04ld", out, i);
}

/* A number from summary.json ("key": value); NAN when absent or null. */
static double json_number(const char *text, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(text, pat);
  if (!p) return NAN;
  p += strlen(pat);
  char *end;
  double v = strtod(p, &end);
  return end == p ? NAN : v;
}

static char *read_small(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(65537);
  size_t n = buf ? fread(buf, 1, 65536, f) : 0;
  fclose(f);
  if (buf) buf[n] = '\0';
  return buf;
}

static const char *const sweep_metrics[] = {"iterations", "train_acc", "valid_acc", "test_acc",
                                            "valid_loss", "seconds"};
#define SWEEP_N_METRICS 6

static int write_tables(const sweep_grid *g, const char *out, bool *failed) {
  char csv_path[4200], md_path[4200];
  snprintf(csv_path, sizeof csv_path, "%s/sweep.csv", out);
  snprintf(md_path, sizeof md_path, "%s/sweep.md", out);
  fio_writer csv = {0}, md = {0};
  syn_err e = {0};
  if (fio_text_open(&csv, csv_path, &e) || fio_text_open(&md, md_path, &e)) {
    fprintf(stderr, "synrl sweep: %s\n", e.msg);
    if (csv.f) fio_writer_abort(&csv);
    return 1;
  }
  fprintf(csv.f, "cell");
  fprintf(md.f, "| cell |");
  for (int k = 0; k < g->n_keys; k++) {
    fprintf(csv.f, ",%s", g->key[k]);
    fprintf(md.f, " %s |", g->key[k]);
  }
  for (int m = 0; m < SWEEP_N_METRICS; m++) {
    fprintf(csv.f, ",%s", sweep_metrics[m]);
    fprintf(md.f, " %s |", sweep_metrics[m]);
  }
  fprintf(csv.f, ",status\n");
  fprintf(md.f, "\n|---|");
  for (int k = 0; k < g->n_keys + SWEEP_N_METRICS; k++) fprintf(md.f, "---|");
  fprintf(md.f, "\n");
  int missing = 0;
  for (long i = 0; i < g->n_cells; i++) {
    char dir[4200], path[4300];
    cell_dir(dir, sizeof dir, out, i);
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *text = failed[i] ? NULL : read_small(path);
    missing += !text;
    fprintf(csv.f, "%ld", i);
    fprintf(md.f, "| %ld |", i);
    for (int k = 0; k < g->n_keys; k++) {
      const char *v = g->value[k][cell_value(g, i, k)];
      fprintf(csv.f, ",%s", v);
      fprintf(md.f, " %s |", v);
    }
    for (int m = 0; m < SWEEP_N_METRICS; m++) {
      double v = text ? json_number(text, sweep_metrics[m]) : NAN;
      bool pct = strstr(sweep_metrics[m], "_acc") != NULL;
      if (isnan(v)) {
        fprintf(csv.f, ",");
        fprintf(md.f, " – |");
      } else {
        fprintf(csv.f, ",%.10g", v);
        if (pct)
          fprintf(md.f, " %.2f%% |", 100 * v);
        else
          fprintf(md.f, " %.6g |", v);
      }
    }
    fprintf(csv.f, ",%s\n", text ? "ok" : "failed");
    fprintf(md.f, "\n");
    free(text);
  }
  if (fio_text_commit(&csv, &e) || fio_text_commit(&md, &e)) {
    fprintf(stderr, "synrl sweep: %s\n", e.msg);
    if (md.f) fio_writer_abort(&md);
    return 1;
  }
  char *mdtext = read_small(md_path);
  if (mdtext) fputs(mdtext, stdout);
  free(mdtext);
  printf("sweep: %ld cells (%d failed): %s, %s\n", g->n_cells, missing, csv_path, md_path);
  return missing ? 1 : 0;
}

int cli_sweep(int argc, char **argv) {
  const char *prog = "synrl sweep";
  const char *out = NULL;
  bool dry = false;
  opt_spec specs[] = {
      {"out", OPT_STR, &out, 0, 0, NULL, "output directory (default runs/sweep-GRIDNAME)"},
      {"dry-run", OPT_FLAG, &dry, 0, 0, NULL, "list the cells and their commands; run nothing"},
      {NULL},
  };
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      opts_help("usage: synrl sweep GRID [options]\n\n"
                "Runs every cell of a grid of 'synrl train' runs (the grid file format is in\n"
                "docs/formats.md), each in its own directory OUT/cell-NNNN, then writes\n"
                "OUT/sweep.csv and OUT/sweep.md. Finished cells are skipped, so an interrupted\n"
                "sweep continues where it stopped. Under mpirun, cell i runs on rank i mod P.",
                specs);
      return 0;
    }
  const char *pos[1];
  int npos = 0;
  if (opts_parse(prog, specs, argc, argv, pos, 1, &npos)) return 2;
  if (npos != 1) {
    fprintf(stderr, "%s: expected one grid file (see synrl sweep --help)\n", prog);
    return 2;
  }
  sweep_grid g;
  if (grid_parse(&g, pos[0])) {
    free(g.text);
    return 2;
  }
  char outbuf[4096];
  if (!out) {
    const char *base = strrchr(pos[0], '/');
    base = base ? base + 1 : pos[0];
    snprintf(outbuf, sizeof outbuf, "runs/sweep-%.*s", (int)strcspn(base, "."), base);
    out = outbuf;
  }
  if (!*out) {
    fprintf(stderr, "%s: --out: empty directory name\n", prog);
    free(g.text);
    return 2;
  }
  int rank = cli_mpi_rank(), size = cli_mpi_size();
  char *cargv[SWEEP_MAX_TOKENS + 2 * SWEEP_MAX_KEYS + 4];
  bool *failed = calloc((size_t)g.n_cells, sizeof *failed);
  if (!failed) {
    fprintf(stderr, "%s: out of memory\n", prog);
    free(g.text);
    return 1;
  }
  if (rank == 0 && !dry && cli_make_dirs(out) != 0) {
    fprintf(stderr, "%s: --out %s: cannot create directory: %s\n", prog, out, strerror(errno));
    free(failed);
    free(g.text);
    return 1;
  }
  if (cli_mpi_barrier()) {
    fprintf(stderr, "%s: MPI barrier failed\n", prog);
    free(failed);
    free(g.text);
    return 1;
  }
  char flags[SWEEP_MAX_KEYS][80];
  for (int k = 0; k < g.n_keys; k++) snprintf(flags[k], sizeof flags[k], "--%s", g.key[k]);
  for (long i = 0; i < g.n_cells; i++) {
    if (i % size != rank) continue;
    char dir[4200], sum[4300];
    cell_dir(dir, sizeof dir, out, i);
    int n = 0;
    for (int t = 0; t < g.n_command; t++) cargv[n++] = g.command[t];
    for (int k = 0; k < g.n_keys; k++) {
      cargv[n++] = flags[k];
      cargv[n++] = g.value[k][cell_value(&g, i, k)];
    }
    cargv[n++] = "--out";
    cargv[n++] = dir;
    cargv[n++] = "--quiet";
    cargv[n] = NULL;
    if (dry) {
      printf("cell %ld: synrl train", i);
      for (int t = 0; t < n; t++) printf(" %s", cargv[t]);
      printf("\n");
      continue;
    }
    snprintf(sum, sizeof sum, "%s/summary.json", dir);
    struct stat st;
    if (stat(sum, &st) == 0) {
      fprintf(stderr, "sweep: cell %ld/%ld done before: %s\n", i + 1, g.n_cells, dir);
      continue;
    }
    fprintf(stderr, "sweep: rank %d: cell %ld/%ld:", rank, i + 1, g.n_cells);
    for (int k = 0; k < g.n_keys; k++)
      fprintf(stderr, " %s=%s", g.key[k], g.value[k][cell_value(&g, i, k)]);
    fprintf(stderr, "\n");
    if (cli_train_ex(n, cargv, false) != 0) {
      failed[i] = true;
      fprintf(stderr, "sweep: cell %ld failed (see the message above); the sweep goes on\n", i);
    }
  }
  int rc = 0;
  if (!dry) {
    if (cli_mpi_barrier()) {
      fprintf(stderr, "%s: MPI barrier failed\n", prog);
      rc = 1;
    } else if (rank == 0) {
      rc = write_tables(&g, out, failed);
    }
  }
  free(failed);
  free(g.text);
  return rc;
}
