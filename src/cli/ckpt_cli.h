/* Command-line side of checkpoints, shared by the trainers' commands
 * (train, classify): the settings text that fixes a run, the data's
 * checksums, the resume hint, and the temporary files of a killed write. */
#ifndef SYNRL_CLI_CKPT_CLI_H
#define SYNRL_CLI_CKPT_CLI_H

#include "cli/opts.h"
#include "synrl/data.h"

#include <signal.h>
#include <stddef.h>

/* One "name=value" line per option (defaults included), skipping the names
 * in neutral (NULL-terminated: options that do not change the results), with
 * "synrl_version=V" first and extra (may be NULL) last. malloc'd; NULL if out
 * of memory. */
char *cli_ckpt_settings(const opt_spec *specs, const char *const *neutral, const char *extra);
/* Appends "dataI_n=N\ndataI_fnv1a64=H\n" for set d to buf (of n bytes). */
void cli_ckpt_data_lines(char *buf, size_t n, int i, const data_set *d);
/* "PROG: interrupted at WHERE; state saved in DIR/checkpoint.bin; resume
 * with: synrl CMD ARGS --resume 'DIR'" on stderr: the same arguments, any
 * --resume left out, quoted for a POSIX shell. */
void cli_ckpt_resume_hint(const char *prog, const char *cmd, int argc, char **argv, const char *dir,
                          const char *where);
/* Removes DIR/NAME.tmp* for every NAME of names (n of them): what a process
 * killed while writing NAME atomically left behind. */
void cli_ckpt_remove_tmp(const char *dir, const char *const *names, size_t n);

/* SIGINT and SIGTERM set a flag that the training loop polls, to write a
 * checkpoint and return (a handler can only reach a static object). */
typedef struct cli_stop_guard {
  struct sigaction old_int, old_term;
} cli_stop_guard;
const volatile sig_atomic_t *cli_stop_flag(void);
/* Clears the flag and installs the handlers; cli_stop_release puts the
 * previous ones back. */
void cli_stop_catch(cli_stop_guard *g);
void cli_stop_release(const cli_stop_guard *g);

#endif
