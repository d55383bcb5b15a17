#define _POSIX_C_SOURCE 200809L /* strtok_r */
/* The shared Q table of synaptic-level RL: state index, greedy action,
 * Q-learning update, and its files -- the synrl text format (docs/formats.md)
 * and the authors' published TSV table. */
#include "synrl/learn.h"
#include "core/fileio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int synrl_state_index(int a2, int a1, int r2, int r1) { return a2 + 3 * a1 + 9 * r2 + 27 * r1; }

int synrl_policy_greedy(const synrl_policy *p, int s) {
  const double *q = p->q + 3 * s;
  int best = 0;
  for (int a = 1; a < 3; a++)
    if (q[a] > q[best]) best = a; /* strict: ties keep the lower index */
  return best;
}

void synrl_policy_update(synrl_policy *p, int s, int a, double reward, int s_next, double alpha_q,
                         double gamma) {
  const double *qn = p->q + 3 * s_next;
  double m = qn[0] > qn[1] ? qn[0] : qn[1];
  m = m > qn[2] ? m : qn[2];
  double *q = p->q + 3 * s + a;
  *q += alpha_q * (reward + gamma * m - *q);
}

static const char ACT_SYM[3] = {'-', '0', '+'};
static const char REW_SYM[3] = {'-', '?', '+'};

static int sym_index(const char *tok, const char *syms) {
  if (!tok || strlen(tok) != 1) return -1;
  for (int i = 0; i < 3; i++)
    if (tok[0] == syms[i]) return i;
  return -1;
}

#define POLICY_HEADER "synrl-policy 1"

/* The first line must be the header exactly (trailing white space allowed). */
static bool is_policy_header(const char *line) {
  size_t n = strlen(POLICY_HEADER);
  if (strncmp(line, POLICY_HEADER, n) != 0) return false;
  for (const char *p = line + n; *p; p++)
    if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') return false;
  return true;
}

syn_status synrl_policy_save(const synrl_policy *p, const char *path, const char *comment,
                             syn_err *e) {
  fio_writer w;
  syn_status s = fio_text_open(&w, path, e);
  if (s) return s;
  fprintf(w.f, "%s\n", POLICY_HEADER);
  fprintf(w.f, "# synrl shared synaptic Q table. One line per state:\n");
  fprintf(w.f, "#   a(t-2) a(t-1) r(t-2) r(t-1)  Q(-)  Q(0)  Q(+)  greedy\n");
  fprintf(w.f, "# actions: - decrease, 0 null, + increase; rewards: - (-1), ? (none yet), + (+1).\n");
  fprintf(w.f, "# The greedy column is informative; loading reads only the Q values.\n");
  if (comment && *comment) fprintf(w.f, "# %s\n", comment);
  for (int s_ = 0; s_ < SYNRL_N_STATES; s_++) {
    int a2 = s_ % 3, a1 = s_ / 3 % 3, r2 = s_ / 9 % 3, r1 = s_ / 27;
    fprintf(w.f, "%c %c %c %c %.17g %.17g %.17g %c\n", ACT_SYM[a2], ACT_SYM[a1], REW_SYM[r2],
            REW_SYM[r1], p->q[3 * s_], p->q[3 * s_ + 1], p->q[3 * s_ + 2],
            ACT_SYM[synrl_policy_greedy(p, s_)]);
  }
  if (ferror(w.f)) w.err = EIO;
  return fio_text_commit(&w, e);
}

static syn_status parse_double(const char *tok, double *out) {
  if (!tok) return SYN_ERR_FORMAT;
  char *end;
  errno = 0;
  double v = strtod(tok, &end);
  /* ERANGE also flags subnormal results, which %.17g writes and must read back;
   * overflow gives inf (caught by isfinite), total underflow gives 0. */
  if (end == tok || *end || !isfinite(v) || (errno == ERANGE && v == 0.0)) return SYN_ERR_FORMAT;
  *out = v;
  return SYN_OK;
}

/* A policy file opened for reading: a regular file (a FIFO would block),
 * past a UTF-8 byte order mark that an editor may have put first. */
static FILE *policy_open(const char *path, syn_err *e) {
  int fd = fio_open_regular(path, e);
  FILE *f = fd < 0 ? NULL : fdopen(fd, "r");
  if (!f) {
    if (fd >= 0) {
      syn_err_set(e, SYN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
      close(fd);
    }
    return NULL;
  }
  unsigned char bom[3];
  if (fread(bom, 1, 3, f) != 3 || bom[0] != 0xEF || bom[1] != 0xBB || bom[2] != 0xBF) rewind(f);
  return f;
}

syn_status synrl_policy_load(synrl_policy *p, const char *path, syn_err *e) {
  FILE *f = policy_open(path, e);
  if (!f) return e ? e->code : SYN_ERR_IO;
  char line[1024];
  int lineno = 0, seen[SYNRL_N_STATES] = {0}, count = 0;
  syn_status st = SYN_OK;
  synrl_policy tmp;
  memset(&tmp, 0, sizeof tmp);
  if (!fgets(line, sizeof line, f) || !is_policy_header(line)) {
    fclose(f);
    return syn_err_set(e, SYN_ERR_FORMAT, "%s: not a synrl policy file (first line must be '%s')",
                       path, POLICY_HEADER);
  }
  lineno = 1;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (!strchr(line, '\n') && !feof(f)) {
      st = syn_err_set(e, SYN_ERR_FORMAT, "%s:%d: line too long", path, lineno);
      break;
    }
    char *save = NULL, *tok[9];
    int nt = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t && nt < 9; t = strtok_r(NULL, " \t\r\n", &save))
      tok[nt++] = t;
    if (nt == 0 || tok[0][0] == '#') continue;
    if (nt != 7 && nt != 8) {
      st = syn_err_set(e, SYN_ERR_FORMAT, "%s:%d: expected 7 or 8 fields, got %d", path, lineno, nt);
      break;
    }
    int a2 = sym_index(tok[0], ACT_SYM), a1 = sym_index(tok[1], ACT_SYM);
    int r2 = sym_index(tok[2], REW_SYM), r1 = sym_index(tok[3], REW_SYM);
    if (a2 < 0 || a1 < 0 || r2 < 0 || r1 < 0) {
      st = syn_err_set(e, SYN_ERR_FORMAT, "%s:%d: bad state symbols", path, lineno);
      break;
    }
    int s_ = synrl_state_index(a2, a1, r2, r1);
    if (seen[s_]++) {
      st = syn_err_set(e, SYN_ERR_FORMAT, "%s:%d: state listed twice", path, lineno);
      break;
    }
    for (int a = 0; a < 3 && !st; a++)
      if (parse_double(tok[4 + a], &tmp.q[3 * s_ + a]))
        st = syn_err_set(e, SYN_ERR_FORMAT, "%s:%d: bad Q value '%s'", path, lineno, tok[4 + a]);
    if (st) break;
    count++;
  }
  fclose(f);
  if (!st && count != SYNRL_N_STATES)
    st = syn_err_set(e, SYN_ERR_FORMAT, "%s: %d of %d states present", path, count, SYNRL_N_STATES);
  if (!st) *p = tmp;
  return st;
}

syn_status synrl_policy_import_authors(synrl_policy *p, const char *path, syn_err *e) {
  FILE *f = policy_open(path, e);
  if (!f) return e ? e->code : SYN_ERR_IO;
  char line[1024];
  int lineno = 0, count = 0, seen[SYNRL_N_Q] = {0};
  syn_status st = SYN_OK;
  synrl_policy tmp;
  memset(&tmp, 0, sizeof tmp);
  while (fgets(line, sizeof line, f)) {
    lineno++;
    if (!strchr(line, '\n') && !feof(f)) {
      st = syn_err_set(e, SYN_ERR_FORMAT, "%s:%d: line too long", path, lineno);
      break;
    }
    char *save = NULL, *tok[7];
    int nt = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t && nt < 7; t = strtok_r(NULL, " \t\r\n", &save))
      tok[nt++] = t;
    if (nt == 0 || tok[0][0] == '#') continue;
    if (nt != 6) {
      st = syn_err_set(e, SYN_ERR_FORMAT, "%s:%d: expected 6 fields, got %d", path, lineno, nt);
      break;
    }
    int code[5];
    for (int i = 0; i < 5 && !st; i++) {
      char *end;
      long v = strtol(tok[i], &end, 10);
      if (*end || v < 1 || v > 3)
        st = syn_err_set(e, SYN_ERR_FORMAT, "%s:%d: code '%s' not in 1..3", path, lineno, tok[i]);
      code[i] = (int)v - 1;
    }
    if (st) break;
    int idx = code[0] + 3 * code[1] + 9 * code[2] + 27 * code[3] + 81 * code[4];
    if (seen[idx]++) {
      st = syn_err_set(e, SYN_ERR_FORMAT, "%s:%d: entry listed twice", path, lineno);
      break;
    }
    if (parse_double(tok[5], &tmp.q[idx])) {
      st = syn_err_set(e, SYN_ERR_FORMAT, "%s:%d: bad Q value '%s'", path, lineno, tok[5]);
      break;
    }
    count++;
  }
  fclose(f);
  if (!st && count != SYNRL_N_Q)
    st = syn_err_set(e, SYN_ERR_FORMAT, "%s: %d of %d entries present", path, count, SYNRL_N_Q);
  if (!st) *p = tmp;
  return st;
}

syn_status synrl_policy_read(synrl_policy *p, const char *path, syn_err *e) {
  FILE *f = policy_open(path, e);
  if (!f) return e ? e->code : SYN_ERR_IO;
  char line[64] = {0};
  char *ok = fgets(line, sizeof line, f);
  fclose(f);
  if (ok && strncmp(line, "synrl-policy", 12) == 0)
    return synrl_policy_load(p, path, e);
  return synrl_policy_import_authors(p, path, e);
}
