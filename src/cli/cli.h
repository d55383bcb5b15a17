#ifndef SYNRL_CLI_H
#define SYNRL_CLI_H

#include "synrl/train.h"
#include "cli/opts.h"

#include <signal.h>


int cli_train(int argc, char **argv);
/* cli_train with data parallelism over MPI ranks on or off (sweeps run
 * single-process cells on each rank). */
int cli_train_ex(int argc, char **argv, bool data_parallel);
int cli_sweep(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_data(int argc, char **argv); /* synrl data letters */
int cli_policy(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_plot(int argc, char **argv);
int cli_policy_learn(int argc, char **argv);
int cli_policy_compare(int argc, char **argv);
int cli_rl(int argc, char **argv);
int cli_classify(int argc, char **argv);

/* Checkpointing commands (src/cli/resume.c): "synrl_version=V" and one
 * "name=value" line per option of specs (defaults included) except those
 * named in neutral (NULL-terminated: options that do not change results),
 * then extra (may be NULL); malloc'd, NULL when out of memory. */
char *cli_settings_text(const opt_spec *specs, const char *const *neutral, const char *extra);
/* Appends "dataI_n=N\ndataI_fnv1a64=H\n" (the rows and a checksum of data set
 * d) to the string in buf (n bytes): a settings text's data lines. */
void cli_settings_data(char *buf, size_t n, int i, const data_set *d);
/* --resume DIR must be non-empty and --out, if given, the same: 0, or a
 * one-line error and 2. */
int cli_check_resume_dir(const char *prog, const char *resume, const char *out);
/* Takes run folder DIR for this run (run_dir_claim: locked; a finished run
 * refused without overwrite, else kept aside until the new one is complete);
 * 0, or a one-line error and the exit status (2: a finished run without
 * --overwrite; 1: in use by another run, or unwritable). cli_release_dir
 * after the run: complete when its summary.json is written. */
int cli_claim_dir(const char *prog, const char *dir, bool overwrite, bool resume, int argc, char *const *argv);
void cli_release_dir(const char *dir, bool complete);
/* Deletes DIR/names[i] for i < n_delete (a finished run's marks) and the
 * temporary files NAME.tmp* of all n names (left by a killed run). */
void cli_clear_outputs(const char *dir, const char *const *names, size_t n, size_t n_delete);
/* From cli_stop_catch until cli_stop_release, SIGINT and SIGTERM only set
 * the returned flag (the signal number), which a training loop polls. */
const volatile sig_atomic_t *cli_stop_catch(void);
void cli_stop_release(void);
/* Prints "resume with: synrl CMD ARGS --resume 'DIR'" and a newline to
 * stderr: the same arguments minus any --resume, shell-quoted. */
void cli_print_resume_cmd(const char *cmd, int argc, char **argv, const char *dir);

/* What defines a task and a network (train/mlp_task.c): shared by train and
 * eval. */
typedef mlp_task_config task_opts;
typedef mlp_task task_data;

/* Options for every setting of an mlp_config (the library's table), from
 * specs[n]; returns the new count. */
int cli_mlp_specs(mlp_config *c, opt_spec *specs, int n);
/* Prints the library's error e (a leading "setting:" as "--setting:") and
 * returns the exit status: 2 for bad values, 1 otherwise. */
int cli_fail(const char *prog, const opt_spec *specs, const syn_err *e);

void task_opts_default(task_opts *t);
/* Appends the task options to a spec table; returns the new count. */
int task_opts_specs(task_opts *t, opt_spec *specs, int n);
/* Loads or makes the data and works out the network shape; prints errors
 * and returns the exit status (0: done). */
int task_prepare(const char *prog, const task_opts *t, uint64_t seed, task_data *d);
void task_free(task_data *d);
/* "16,8" -> widths {16, 8}, n = 2; "" or "0": none. Prints an error, returns 2 if bad. */
int task_parse_hidden(const char *prog, const char *s, int *widths, int *n);

#endif
