/* synrl data: data files, tasks, and the training driver. */
#ifndef SYNRL_DATA_H
#define SYNRL_DATA_H

#include "synrl/learn.h"

#include <signal.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- IDX files (raw or gzip), validated: magic, type, dimensions, size ---- */
typedef struct idx_array {
  int ndim;
  uint32_t dims[4];
  size_t count; /* product of dims */
  uint8_t *data;
} idx_array;

/* Loads an unsigned-byte IDX array with the expected number of dimensions. */
syn_status idx_load_u8(idx_array *out, const char *path, int expect_ndim, syn_err *e);
void idx_free(idx_array *a);
/* Writes an unsigned-byte IDX array (raw, or gzip if the name ends in .gz). */
syn_status idx_save_u8(const idx_array *a, const char *path, syn_err *e);

/* ---- data sets held in memory ---- */
typedef struct data_set {
  size_t n;
  int in_dim;
  int out_dim;     /* classes for classification, outputs for regression */
  double *x;       /* n x in_dim */
  uint8_t *x_u8;   /* n x in_dim bytes or NULL; x == x_u8 / 255.0 */
  int32_t *labels; /* classification, or NULL */
  double *targets; /* regression, or NULL */
} data_set;

void data_set_free(data_set *d);
nn_batch data_set_batch(const data_set *d);
/* Copies rows idx[0..n) of src. */
syn_status data_set_subset(data_set *dst, const data_set *src, const uint32_t *idx, size_t n,
                           syn_err *e);
/* Images + labels from two IDX files; the first `limit` (0: all). Checks counts
 * agree and labels are below `classes`. */
syn_status data_images_load(data_set *d, const char *images, const char *labels, size_t limit,
                            int classes, syn_err *e);
/* The paper's split: each row goes to validation with probability p_valid. */
syn_status data_split_random(const data_set *all, double p_valid, uint64_t seed, data_set *train,
                             data_set *valid, syn_err *e);

/* The paper's 2D task: a target 2-hidden-1 tanh network, weights U[-1, 1],
 * zero biases; points U[-10, 10]^2; targets are the target network's outputs. */
typedef struct boundary2d_config {
  int hidden;           /* 100 */
  double weight_range;  /* 1 */
  double point_range;   /* 10 */
  size_t n_train;       /* 2000 */
  size_t n_valid;       /* held-out points from the same boundary (0: none) */
  uint64_t seed;        /* picks the boundary and the points */
} boundary2d_config;

void boundary2d_config_default(boundary2d_config *c);
syn_status boundary2d_make(const boundary2d_config *c, nn_mlp *target, data_set *train,
                           data_set *valid, syn_err *e);

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

void run_config_default(run_config *c);
syn_status run_train(learn_rule *rule, const data_set *train, const data_set *valid,
                     const data_set *test, const run_config *cfg, run_result *res, syn_err *e);
/* Whether the checkpoint at path was written with these settings (the
 * ckpt_config text); a one-line error naming the first that differs if not. */
syn_status run_checkpoint_check(const char *path, const char *config, syn_err *e);
/* Loss and accuracy of a network on a data set. */
void run_evaluate(const nn_mlp *net, const data_set *d, nn_loss loss, nn_acc acc, double *loss_out,
                  double *acc_out);

/* ---- learning a static policy over a stream of tasks (data/policy_learn.c) ----
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
  const char *out_dir;      /* best.txt, last.txt, log.csv, best.json written here (NULL: none) */
} plearn_config;

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

#ifdef __cplusplus
}
#endif
#endif
