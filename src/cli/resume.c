/* Shared by the commands that checkpoint (train, rl, classify): the settings text that
 * a checkpoint stores and a resume must match, and the printed command that
 * resumes an interrupted run. */
#include "cli/cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *cli_settings_text(const opt_spec *specs, const char *const *neutral, const char *extra) {
  size_t cap = 8192, len = 0;
  char *t = malloc(cap);
  if (!t) return NULL;
  t[0] = 0;
#define ADD(...)                                                           \
  do {                                                                     \
    int n_ = snprintf(t + len, cap - len, __VA_ARGS__);                    \
    if (n_ < 0 || (size_t)n_ >= cap - len) {                               \
      free(t);                                                             \
      return NULL;                                                         \
    }                                                                      \
    len += (size_t)n_;                                                     \
  } while (0)
  ADD("synrl_version=%s\n", core_version());
  for (const opt_spec *sp = specs; sp->name; sp++) {
    bool skip = false;
    for (const char *const *nn = neutral; nn && *nn; nn++) skip |= strcmp(sp->name, *nn) == 0;
    if (skip) continue;
    switch (sp->kind) {
      case OPT_INT: ADD("%s=%d\n", sp->name, *(int *)sp->ptr); break;
      case OPT_LONG: ADD("%s=%ld\n", sp->name, *(long *)sp->ptr); break;
      case OPT_U64: ADD("%s=%llu\n", sp->name, (unsigned long long)*(uint64_t *)sp->ptr); break;
      case OPT_DOUBLE: {
        char num[40];
        ADD("%s=%s\n", sp->name, core_fmt_double(num, sizeof num, *(double *)sp->ptr));
        break;
      }
      case OPT_STR:
      case OPT_CHOICE: {
        const char *v = *(const char **)sp->ptr;
        /* one line per setting: control characters would break the format */
        ADD("%s=", sp->name);
        for (const char *c = v ? v : "(none)"; *c && len + 2 < cap; c++)
          t[len++] = (unsigned char)*c < 0x20 ? '?' : *c;
        ADD("\n");
        break;
      }
      case OPT_FLAG: ADD("%s=%s\n", sp->name, *(bool *)sp->ptr ? "on" : "off"); break;
    }
  }
  if (extra) ADD("%s", extra);
#undef ADD
  return t;
}

void cli_settings_data(char *buf, size_t n, int i, const data_set *d) {
  run_settings_data(buf, n, i, d);
}

int cli_check_resume_dir(const char *prog, const char *resume, const char *out) {
  if (!resume || (*resume && (!out || strcmp(out, resume) == 0))) return 0;
  fprintf(stderr, "%s: --resume: %s\n", prog,
          *resume ? "the run continues in its own directory; leave out --out or give the same"
                  : "empty directory name");
  return 2;
}

int cli_claim_dir(const char *prog, const char *dir, bool overwrite, bool resume, int argc, char *const *argv) {
  syn_err e = {0};
  if (!run_dir_claim(dir, overwrite, resume, argc, argv, &e)) return 0;
  fprintf(stderr, "%s: %s: %s\n", prog, resume ? "--resume" : "--out", e.msg);
  return e.code == SYN_ERR_ARG ? 2 : 1;
}

void cli_release_dir(const char *dir, bool complete) { run_dir_release(dir, complete); }

void cli_clear_outputs(const char *dir, const char *const *names, size_t n, size_t n_delete) {
  run_dir_clear(dir, names, n, n_delete);
}

/* one shell word, quoted where it needs it */
static void put_word(const char *a, bool force_quote) {
  bool plain = *a != 0 && !force_quote;
  for (const char *c = a; *c; c++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./,:+@%", *c))
      plain = false;
  if (plain) {
    fprintf(stderr, " %s", a);
    return;
  }
  fputs(" '", stderr);
  for (const char *c = a; *c; c++)
    if (*c == '\'')
      fputs("'\\''", stderr);
    else if ((unsigned char)*c < 0x20)
      fputc('?', stderr);
    else
      fputc(*c, stderr);
  fputc('\'', stderr);
}

void cli_print_resume_cmd(const char *cmd, int argc, char **argv, const char *dir) {
  fprintf(stderr, "resume with: synrl %s", cmd);
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--resume") == 0) {
      i++;
      continue;
    }
    if (strncmp(argv[i], "--resume=", 9) == 0) continue;
    put_word(argv[i], false);
  }
  fprintf(stderr, " --resume");
  put_word(dir, true);
  fputc('\n', stderr);
}

/* SIGINT/SIGTERM: the training loop polls this flag, writes a checkpoint and
 * returns. A signal handler can only reach a static object. */
static volatile sig_atomic_t g_stop_signal;
static struct sigaction g_old_int, g_old_term, g_old_hup;

static void on_stop_signal(int sig) { g_stop_signal = sig; }

const volatile sig_atomic_t *cli_stop_catch(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  g_stop_signal = 0;
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
  /* a closed terminal or ssh session: checkpoint and stop, as for SIGTERM */
  sigaction(SIGHUP, &sa, &g_old_hup);
  return &g_stop_signal;
}

void cli_stop_release(void) {
  sigaction(SIGINT, &g_old_int, NULL);
  sigaction(SIGTERM, &g_old_term, NULL);
  sigaction(SIGHUP, &g_old_hup, NULL);
}
