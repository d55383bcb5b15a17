/* synrl policy learn / compare: the command-line side of train/policy_learn.c. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool wants_help(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
  return false;
}

/* "tanh,relu" -> mask; -1 on a bad name */
static int parse_acts(const char *s) {
  int m = 0;
  char buf[128];
  snprintf(buf, sizeof buf, "%s", s);
  char *save = NULL;
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (strcmp(t, "tanh") == 0) m |= PLEARN_ACT_TANH;
    else if (strcmp(t, "relu") == 0) m |= PLEARN_ACT_RELU;
    else if (strcmp(t, "sigmoid") == 0) m |= PLEARN_ACT_SIGMOID;
    else return -1;
  }
  return m ? m : -1;
}

/* The paper protocol's Fashion-MNIST split (as 'synrl train --preset ocr-0hu'). */
static int load_images(const char *prog, const opt_spec *specs, const char *data_dir,
                       uint64_t split_seed, task_data *td) {
  task_opts t;
  mlp_task_config_default(&t);
  t.task = "images";
  t.hidden = "0";
  t.data_dir = data_dir;
  syn_err e = {0};
  return mlp_task_prepare(td, &t, split_seed, &e) ? cli_fail(prog, specs, &e) : 0;
}

static void pct(char *b, size_t n, double v) {
  if (isnan(v)) snprintf(b, n, "-");
  else snprintf(b, n, "%.2f%%", 100 * v);
}

static void on_snapshot(void *user, const plearn_snapshot *s) {
  (void)user;
  char m[32], lo[32], im[32];
  pct(m, sizeof m, s->scores.acc_mean);
  pct(lo, sizeof lo, s->scores.acc_min);
  pct(im, sizeof im, s->scores.img_acc);
  fprintf(stderr,
          "snapshot %d at %ld iterations (%ld runs; %ld converged, %ld stalled): held-out 2D "
          "mean %s (min %s), image %s, score %.4f%s  [%.0fs]\n",
          s->index, s->iteration, s->tasks, s->restarts_converged, s->restarts_stalled, m, lo, im,
          s->scores.score, s->is_best ? "  *kept*" : "", s->seconds);
}

/* The flags of policy learn, parsed into c (and what the CLI itself needs). */
typedef struct learn_opts {
  plearn_config c;
  const char *acts, *select, *snap, *init, *out, *hpath, *data_dir;
  long img_iters, points;
  int threads;
  bool quiet, overwrite;
} learn_opts;

static int learn_specs(learn_opts *o, opt_spec *specs) {
  plearn_config *c = &o->c;
  const opt_spec add[] = {
      {"seed", OPT_U64, &c->seed, 0, 0, NULL, "fixes the task stream, networks and exploration"},
      {"iterations", OPT_LONG, &c->iterations, 1, 2e9, NULL, "learning iterations over the whole stream"},
      {"task-iterations", OPT_LONG, &c->task_max_iterations, 1, 2e9, NULL, "a run restarts after this many iterations"},
      {"check-every", OPT_LONG, &c->check_every, 1, 2e9, NULL, "convergence / stall check interval"},
      {"converge-acc", OPT_DOUBLE, &c->converge_acc, 0, 1, NULL, "restart a run once its training accuracy reaches this (0: off)"},
      {"stall-checks", OPT_INT, &c->stall_checks, 0, 1000000, NULL, "restart when the loss has not fallen by --stall-tol for this many checks (0: off)"},
      {"stall-tol", OPT_DOUBLE, &c->stall_tol, 0, 1, NULL, "relative loss improvement that counts as progress"},
      {"epsilon", OPT_DOUBLE, &c->epsilon, 0, 1, NULL, "exploration while learning"},
      {"alpha-q", OPT_DOUBLE, &c->alpha_q, 0, 1, NULL, "Q-learning rate"},
      {"gamma", OPT_DOUBLE, &c->gamma, 0, 1, NULL, "discount"},
      {"alpha-s-min", OPT_DOUBLE, &c->alpha_s_min, 1e-12, 1, NULL, "synaptic step per run: log-uniform from min ..."},
      {"alpha-s-max", OPT_DOUBLE, &c->alpha_s_max, 1e-12, 1, NULL, "... to max"},
      {"hidden-min", OPT_INT, &c->hidden_min, 1, 100000, NULL, "trainee hidden width per run: uniform from min ..."},
      {"hidden-max", OPT_INT, &c->hidden_max, 1, 100000, NULL, "... to max"},
      {"acts", OPT_STR, &o->acts, 0, 0, NULL, "trainee hidden activations to draw from: tanh,relu,sigmoid"},
      {"init-range", OPT_DOUBLE, &c->init_range, 0, 100, NULL, "trainee weights U[-r, r]"},
      {"points", OPT_LONG, &o->points, 1, 1e7, NULL, "training points per 2D task"},
      {"snapshot", OPT_CHOICE, &o->snap, 0, 0, "average|live", "snapshot the mean of the table over the interval, or the live table"},
      {"snapshot-every", OPT_LONG, &c->snapshot_every, 1, 2e9, NULL, "iterations between snapshots"},
      {"select", OPT_CHOICE, &o->select, 0, 0, "best|last", "keep the snapshot with the best transfer score, or the last"},
      {"image-weight", OPT_DOUBLE, &c->image_weight, 0, 1, NULL, "score = (1-w) * held-out 2D mean accuracy + w * image accuracy"},
      {"init", OPT_STR, &o->init, 0, 0, NULL, "start from this table (default: every Q = --init-value)"},
      {"init-value", OPT_DOUBLE, &c->init_value, -1e6, 1e6, NULL, "every Q starts here (without --init)"},
      {"holdout-boundaries", OPT_INT, &c->eval.n_boundaries, 0, PLEARN_MAX_TASKS, NULL, "held-out 2D boundaries per snapshot"},
      {"holdout-seed", OPT_U64, &c->eval.boundary_seed0, 1, 0, NULL, "held-out boundary i: boundary and trainee seed S + i"},
      {"holdout-iterations", OPT_LONG, &c->eval.iterations, 1, 2e9, NULL, "static iterations per held-out 2D task"},
      {"holdout-path", OPT_CHOICE, &o->hpath, 0, 0, "small|general", "computation path of the held-out 2D runs"},
      {"image-iterations", OPT_LONG, &o->img_iters, 0, 2e9, NULL, "held-out 0-HU Fashion-MNIST run per snapshot (0: none)"},
      {"image-seed", OPT_U64, &c->eval.img_seed, 0, 0, NULL, "seed of the image run (split, init, batches)"},
      {"data-dir", OPT_STR, &o->data_dir, 0, 0, NULL, "Fashion-MNIST IDX files"},
      {"threads", OPT_INT, &o->threads, 0, 1024, NULL, "threads (0: all cores); results do not depend on it"},
      {"out", OPT_STR, &o->out, 0, 0, NULL, "output directory (default runs/policy-learn-sSEED)"},
      {"quiet", OPT_FLAG, &o->quiet, 0, 0, NULL, "no progress lines"},
      {"overwrite", OPT_FLAG, &o->overwrite, 0, 0, NULL,
       "replace a finished run in the output directory (kept until this one is complete)"},
  };
  int n = (int)(sizeof add / sizeof *add);
  memcpy(specs, add, sizeof add);
  specs[n].name = NULL;
  return n;
}

/* Parses and checks the flags: -1 to go on, else the exit status. */
static int learn_parse(learn_opts *o, opt_spec *specs, int argc, char **argv) {
  const char *prog = "synrl policy learn";
  memset(o, 0, sizeof *o);
  plearn_config *c = &o->c;
  plearn_config_default(c);
  o->acts = "tanh";
  o->select = "best";
  o->snap = c->average ? "average" : "live";
  o->hpath = "small";
  o->data_dir = DATA_FASHION_MNIST_DIR;
  o->img_iters = 20000;
  o->points = (long)c->points;
  o->threads = 1;
  learn_specs(o, specs);
  if (wants_help(argc, argv)) {
    opts_help("usage: synrl policy learn [options]\n\n"
              "Learns one shared Q table over a stream of fresh 2D tasks (adaptive runs restarted\n"
              "when they converge or stall); every --snapshot-every iterations the table is frozen\n"
              "and applied statically to held-out tasks (2D boundaries with unseen seeds and a short\n"
              "0-HU Fashion-MNIST run). Writes OUT/best.txt (the kept table), best.json, last.txt,\n"
              "log.csv and metrics.csv (transfer scores over time) and summary.json, each atomically.",
              specs);
    return 0;
  }
  const char *pos[1];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 0, &npos)) return 2;
  int m = parse_acts(o->acts);
  const char *bad = m < 0                                ? "--acts: not a comma-separated list of tanh, relu, sigmoid"
                    : c->hidden_max < c->hidden_min     ? "--hidden-max is below --hidden-min"
                    : c->alpha_s_max < c->alpha_s_min   ? "--alpha-s-max is below --alpha-s-min"
                    : !c->eval.n_boundaries && !o->img_iters ? "no held-out task: give --holdout-boundaries or --image-iterations"
                    : o->out && !*o->out                ? "--out: empty directory name"
                                                        : NULL;
  if (bad) {
    fprintf(stderr, "%s: %s\n", prog, bad);
    return 2;
  }
  c->acts = (unsigned)m;
  c->points = (size_t)o->points;
  c->select_best = strcmp(o->select, "best") == 0;
  c->average = strcmp(o->snap, "average") == 0;
  c->eval.run_seed0 = c->eval.boundary_seed0;
  c->eval.path = strcmp(o->hpath, "general") == 0 ? SYNRL_PATH_GENERAL : SYNRL_PATH_SMALL;
  c->eval.img_iterations = o->img_iters;
  return -1;
}

/* The settings recorded in summary.json: every flag that changes the
 * results, and the image files read. */
static char *learn_settings(const opt_spec *specs, const task_data *td) {
  static const char *const neutral[] = {"threads", "quiet", "out", "overwrite", NULL};
  char extra[20000] = "";
  if (td->train_images[0])
    snprintf(extra, sizeof extra, "train_images_file=%s\ntrain_labels_file=%s\nsplit_seed_used=%llu\n",
             td->train_images, td->train_labels, (unsigned long long)td->split_seed);
  const data_set *sets[2] = {&td->train, &td->valid};
  for (int i = 0; i < 2 && td->train_images[0]; i++) run_settings_data(extra, sizeof extra, i, sets[i]);
  return cli_settings_text(specs, neutral, extra);
}

int cli_policy_learn(int argc, char **argv) {
  const char *prog = "synrl policy learn";
  learn_opts o;
  opt_spec specs[64];
  int rc = learn_parse(&o, specs, argc, argv);
  if (rc >= 0) return rc;
  plearn_config *c = &o.c;
  core_set_threads(o.threads);
  syn_err e = {0};
  synrl_policy start;
  if (o.init && synrl_policy_read(&start, o.init, &e)) {
    fprintf(stderr, "%s: --init: %s\n", prog, e.msg);
    return 1;
  }
  task_data td;
  memset(&td, 0, sizeof td);
  if (o.img_iters > 0) {
    if ((rc = load_images(prog, specs, o.data_dir, c->eval.img_seed, &td))) return rc;
    c->eval.img_train = &td.train;
    c->eval.img_valid = &td.valid;
  }
  char outdir[4096];
  if (o.out)
    snprintf(outdir, sizeof outdir, "%s", o.out);
  else
    snprintf(outdir, sizeof outdir, "runs/policy-learn-s%llu", (unsigned long long)c->seed);
  char *settings = learn_settings(specs, &td);
  if (!settings) {
    fprintf(stderr, "%s: out of memory\n", prog);
    task_free(&td);
    return 1;
  }
  char *cmd[3 + 256] = {(char *)"synrl", (char *)"policy", (char *)"learn"};
  c->argc = 3;
  for (int i = 0; i < argc && c->argc < 259; i++) cmd[c->argc++] = argv[i];
  c->argv = cmd;
  if ((rc = cli_claim_dir(prog, outdir, o.overwrite, false, c->argc, cmd))) {
    free(settings);
    task_free(&td);
    return rc;
  }
  /* summary.json and best.json mark a finished run: drop what an earlier run left */
  static const char *const outputs[] = {"summary.json", "best.json", "best.txt", "last.txt", "log.csv", "metrics.csv"};
  run_dir_clear(outdir, outputs, 6, 6);
  c->out_dir = outdir;
  c->settings = settings;
  plearn_result res;
  double t0 = core_now();
  syn_status s = plearn_run(c, o.init ? &start : NULL, o.quiet ? NULL : on_snapshot, NULL, &res, &e);
  task_free(&td);
  free(settings);
  cli_release_dir(outdir, !s);
  if (s) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 1;
  }
  char m1[32], m2[32];
  pct(m1, sizeof m1, res.best_scores.acc_mean);
  pct(m2, sizeof m2, res.best_scores.img_acc);
  printf("policy learn: %ld iterations over %ld runs, %d snapshots in %.1f s\n", c->iterations,
         res.tasks, res.n_snapshots, core_now() - t0);
  printf("  kept: snapshot %d (iteration %ld), held-out 2D mean %s, image %s, score %.4f\n",
         res.best_index, res.best_iteration, m1, m2, res.best_scores.score);
  printf("  output: %s/{best.txt,best.json,last.txt,log.csv,metrics.csv,summary.json}\n", outdir);
  return 0;
}

/* ---------------- compare ---------------- */

typedef struct cmp_row {
  const char *label, *file;
  synrl_policy p;
  plearn_scores s;
  double img_acc[PLEARN_MAX_TASKS], img_loss[PLEARN_MAX_TASKS];
  double img_mean, img_min, img_max, imgl_mean, imgl_min, imgl_max;
} cmp_row;

static void stats(const double *v, int n, double *mean, double *lo, double *hi) {
  *mean = 0;
  *lo = INFINITY;
  *hi = -INFINITY;
  for (int i = 0; i < n; i++) {
    *mean += v[i];
    *lo = fmin(*lo, v[i]);
    *hi = fmax(*hi, v[i]);
  }
  if (n) *mean /= n;
  else *mean = *lo = *hi = NAN;
}

static void fmt_num(char *b, size_t n, double v, bool percent, const char *unit) {
  if (isnan(v)) snprintf(b, n, "-");
  else if (percent) snprintf(b, n, "%.2f%s", 100 * v, unit);
  else snprintf(b, n, "%.6f", v);
}

/* The flags of policy compare. */
typedef struct cmp_opts {
  plearn_eval_config ec;
  long img_iters;
  int img_seeds, threads;
  uint64_t img_seed0;
  const char *hpath, *csv, *md, *tasks_csv, *data_dir;
  bool quiet;
  const char *pos[64];
  int npos;
} cmp_opts;

/* Parses and checks the flags: -1 to go on, else the exit status. */
static int compare_parse(cmp_opts *o, opt_spec *specs, int argc, char **argv) {
  const char *prog = "synrl policy compare";
  memset(o, 0, sizeof *o);
  plearn_eval_config *ec = &o->ec;
  plearn_eval_config_default(ec);
  ec->n_boundaries = 10;
  ec->boundary_seed0 = 101;
  ec->run_seed0 = 1;
  o->img_seeds = o->threads = 1;
  o->img_seed0 = 1;
  o->hpath = "small";
  o->data_dir = DATA_FASHION_MNIST_DIR;
  const opt_spec add[] = {
      {"boundaries", OPT_INT, &ec->n_boundaries, 0, PLEARN_MAX_TASKS, NULL, "2D boundaries"},
      {"boundary-seed", OPT_U64, &ec->boundary_seed0, 1, 0, NULL, "boundary i has seed B + i ..."},
      {"run-seed", OPT_U64, &ec->run_seed0, 1, 0, NULL, "... and trainee seed R + i (as exp_2d.sh: 101, 1)"},
      {"iterations", OPT_LONG, &ec->iterations, 1, 2e9, NULL, "static iterations per 2D task"},
      {"epsilon", OPT_DOUBLE, &ec->epsilon, 0, 1, NULL, "2D exploration"},
      {"alpha-s", OPT_DOUBLE, &ec->alpha_s, 1e-12, 1, NULL, "2D synaptic step"},
      {"path", OPT_CHOICE, &o->hpath, 0, 0, "small|general", "computation path of the 2D runs"},
      {"image-iterations", OPT_LONG, &o->img_iters, 0, 2e9, NULL, "0-HU Fashion-MNIST paper protocol run (0: none; the paper: 200000)"},
      {"image-seeds", OPT_INT, &o->img_seeds, 1, PLEARN_MAX_TASKS, NULL, "image runs with seeds S, S+1, ..."},
      {"image-seed", OPT_U64, &o->img_seed0, 0, 0, NULL, "first image seed (split, init, batches)"},
      {"data-dir", OPT_STR, &o->data_dir, 0, 0, NULL, "Fashion-MNIST IDX files"},
      {"csv", OPT_STR, &o->csv, 0, 0, NULL, "write the summary table as CSV (accuracies as fractions)"},
      {"md", OPT_STR, &o->md, 0, 0, NULL, "write the summary table as Markdown (accuracies in %)"},
      {"tasks-csv", OPT_STR, &o->tasks_csv, 0, 0, NULL, "write every task's result as CSV (accuracies as fractions)"},
      {"threads", OPT_INT, &o->threads, 0, 1024, NULL, "threads (0: all cores); results do not depend on it"},
      {"quiet", OPT_FLAG, &o->quiet, 0, 0, NULL, "no progress lines"},
  };
  const int n = (int)(sizeof add / sizeof *add);
  memcpy(specs, add, sizeof add);
  specs[n].name = NULL;
  if (wants_help(argc, argv)) {
    opts_help("usage: synrl policy compare [options] [LABEL=]FILE ...\n\n"
              "Applies each table statically (frozen) to the same held-out tasks: 2D boundaries\n"
              "(default: boundaries 101..110 with trainee seeds 1..10, as scripts/exp_2d.sh) and\n"
              "optionally the 0-HU Fashion-MNIST paper protocol; prints final accuracy and loss\n"
              "(mean, min, max). 2D: training-point accuracy; images: validation accuracy.",
              specs);
    return 0;
  }
  if (opts_parse(prog, specs, argc, argv, o->pos, 64, &o->npos)) return 2;
  if (o->npos == 0) {
    fprintf(stderr, "%s: give at least one policy FILE\n", prog);
    return 2;
  }
  if (ec->n_boundaries == 0 && o->img_iters == 0) {
    fprintf(stderr, "%s: no task: --boundaries 0 needs --image-iterations\n", prog);
    return 2;
  }
  ec->path = strcmp(o->hpath, "general") == 0 ? SYNRL_PATH_GENERAL : SYNRL_PATH_SMALL;
  ec->img_iterations = o->img_iters;
  return -1;
}

/* Reads the tables ([LABEL=]FILE) into rows; the exit status. */
static int compare_read(const cmp_opts *o, cmp_row *rows) {
  syn_err e = {0};
  for (int i = 0; i < o->npos; i++) {
    const char *eq = strchr(o->pos[i], '=');
    rows[i].file = eq ? eq + 1 : o->pos[i];
    rows[i].label = o->pos[i];
    if (eq) {
      size_t n = (size_t)(eq - o->pos[i]);
      char *l = malloc(n + 1);
      if (!l) return 1;
      memcpy(l, o->pos[i], n);
      l[n] = 0;
      rows[i].label = l;
    }
    if (synrl_policy_read(&rows[i].p, rows[i].file, &e)) {
      fprintf(stderr, "synrl policy compare: %s\n", e.msg);
      return 1;
    }
  }
  return 0;
}

/* Every table on every task: the 2D boundaries, then each image seed. */
static int compare_run(cmp_opts *o, const opt_spec *specs, cmp_row *rows) {
  const char *prog = "synrl policy compare";
  plearn_eval_config *ec = &o->ec;
  syn_err e = {0};
  for (int i = 0; i < o->npos && ec->n_boundaries > 0; i++) {
    plearn_eval_config c2 = *ec;
    c2.img_train = NULL;
    if (plearn_evaluate(&rows[i].p, &c2, 0.0, &rows[i].s, &e)) {
      fprintf(stderr, "%s: %s: %s\n", prog, rows[i].file, e.msg);
      return 1;
    }
    if (!o->quiet)
      fprintf(stderr, "%s: 2D mean %.2f%% (min %.2f%%)\n", rows[i].label, 100 * rows[i].s.acc_mean,
              100 * rows[i].s.acc_min);
  }
  int rc = 0;
  for (int k = 0; k < o->img_seeds && o->img_iters > 0 && !rc; k++) {
    task_data td;
    if ((rc = load_images(prog, specs, o->data_dir, o->img_seed0 + (uint64_t)k, &td))) break;
    ec->img_train = &td.train;
    ec->img_valid = &td.valid;
    ec->img_seed = o->img_seed0 + (uint64_t)k;
    for (int i = 0; i < o->npos && !rc; i++) {
      if (plearn_apply_images(&rows[i].p, ec, &rows[i].img_acc[k], &rows[i].img_loss[k], &e)) {
        fprintf(stderr, "%s: %s: %s\n", prog, rows[i].file, e.msg);
        rc = 1;
      } else if (!o->quiet) {
        fprintf(stderr, "%s: image seed %llu: valid %.2f%%\n", rows[i].label,
                (unsigned long long)ec->img_seed, 100 * rows[i].img_acc[k]);
      }
    }
    task_free(&td);
  }
  const int ni = o->img_iters > 0 ? o->img_seeds : 0;
  for (int i = 0; i < o->npos && !rc; i++) {
    if (ec->n_boundaries == 0) {
      rows[i].s.acc_mean = rows[i].s.acc_min = rows[i].s.acc_max = NAN;
      rows[i].s.loss_mean = rows[i].s.loss_min = rows[i].s.loss_max = NAN;
    }
    stats(rows[i].img_acc, ni, &rows[i].img_mean, &rows[i].img_min, &rows[i].img_max);
    stats(rows[i].img_loss, ni, &rows[i].imgl_mean, &rows[i].imgl_min, &rows[i].imgl_max);
  }
  return rc;
}

static void row_values(const cmp_row *r, double v[12]) {
  const double x[12] = {r->s.acc_mean, r->s.acc_min, r->s.acc_max, r->s.loss_mean,
                        r->s.loss_min, r->s.loss_max, r->img_mean, r->img_min, r->img_max,
                        r->imgl_mean, r->imgl_min, r->imgl_max};
  memcpy(v, x, sizeof x);
}

/* The table on stdout (accuracies in %). */
static void compare_print(const cmp_opts *o, const cmp_row *rows) {
  printf("2D: %d boundaries (seeds %llu..), %ld iterations, accuracy in %%; images: %d run(s) of %ld iterations, validation accuracy in %%\n",
         o->ec.n_boundaries, (unsigned long long)o->ec.boundary_seed0, o->ec.iterations,
         o->img_iters > 0 ? o->img_seeds : 0, o->img_iters);
  printf("%-28s %8s %8s %8s %10s %10s %10s %8s %8s %8s %9s\n", "policy", "2D mean", "min", "max",
         "loss mean", "min", "max", "img mean", "min", "max", "img loss");
  for (int i = 0; i < o->npos; i++) {
    double v[12];
    char b[12][32];
    row_values(&rows[i], v);
    for (int j = 0; j < 12; j++) fmt_num(b[j], sizeof b[j], v[j], j < 3 || (j >= 6 && j < 9), "");
    printf("%-28s %8s %8s %8s %10s %10s %10s %8s %8s %8s %9s\n", rows[i].label, b[0], b[1], b[2],
           b[3], b[4], b[5], b[6], b[7], b[8], b[9]);
  }
}

/* One output file, written atomically; the exit status. */
static int compare_write(const char *flag, const char *path, const cmp_opts *o, const cmp_row *rows,
                         void (*body)(FILE *f, const cmp_opts *o, const cmp_row *rows)) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) {
    fprintf(stderr, "synrl policy compare: --%s %s: %s\n", flag, path, strerror(errno));
    return 1;
  }
  body(f, o, rows);
  int bad = ferror(f) | (fclose(f) != 0);
  if (bad || rename(tmp, path) != 0) {
    remove(tmp);
    fprintf(stderr, "synrl policy compare: --%s %s: write failed\n", flag, path);
    return 1;
  }
  return 0;
}

static void csv_body(FILE *f, const cmp_opts *o, const cmp_row *rows) {
  static const char *const cols[] = {"2d_acc_mean", "2d_acc_min", "2d_acc_max", "2d_loss_mean",
                                     "2d_loss_min", "2d_loss_max", "img_acc_mean", "img_acc_min",
                                     "img_acc_max", "img_loss_mean", "img_loss_min", "img_loss_max"};
  fprintf(f, "policy,file");
  for (int j = 0; j < 12; j++) fprintf(f, ",%s", cols[j]);
  fprintf(f, "\n");
  for (int i = 0; i < o->npos; i++) {
    double v[12];
    row_values(&rows[i], v);
    fprintf(f, "\"%s\",\"%s\"", rows[i].label, rows[i].file);
    for (int j = 0; j < 12; j++) fprintf(f, ",%.10g", v[j]);
    fprintf(f, "\n");
  }
}

static void md_body(FILE *f, const cmp_opts *o, const cmp_row *rows) {
  fprintf(f, "| policy | 2D acc mean | min | max | 2D loss mean | min | max | image acc mean | min | max | image loss mean |\n");
  fprintf(f, "|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (int i = 0; i < o->npos; i++) {
    double v[12];
    char m[12][32];
    row_values(&rows[i], v);
    for (int j = 0; j < 12; j++) fmt_num(m[j], sizeof m[j], v[j], j < 3 || (j >= 6 && j < 9), "%");
    fprintf(f, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", rows[i].label, m[0],
            m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9]);
  }
}

static void tasks_body(FILE *f, const cmp_opts *o, const cmp_row *rows) {
  const plearn_eval_config *ec = &o->ec;
  fprintf(f, "policy,task,seed,run_seed,iterations,acc,loss\n");
  for (int i = 0; i < o->npos; i++) {
    for (int k = 0; k < rows[i].s.n; k++)
      fprintf(f, "\"%s\",boundary2d,%llu,%llu,%ld,%.6f,%.10g\n", rows[i].label,
              (unsigned long long)(ec->boundary_seed0 + (uint64_t)k),
              (unsigned long long)(ec->run_seed0 + (uint64_t)k), ec->iterations, rows[i].s.acc[k],
              rows[i].s.loss[k]);
    for (int k = 0; k < (o->img_iters > 0 ? o->img_seeds : 0); k++)
      fprintf(f, "\"%s\",fashion-0hu,%llu,%llu,%ld,%.6f,%.10g\n", rows[i].label,
              (unsigned long long)(o->img_seed0 + (uint64_t)k),
              (unsigned long long)(o->img_seed0 + (uint64_t)k), o->img_iters, rows[i].img_acc[k],
              rows[i].img_loss[k]);
  }
}

int cli_policy_compare(int argc, char **argv) {
  cmp_opts o;
  opt_spec specs[32];
  int rc = compare_parse(&o, specs, argc, argv);
  if (rc >= 0) return rc;
  core_set_threads(o.threads);
  cmp_row *rows = calloc((size_t)o.npos, sizeof *rows);
  if (!rows) {
    fprintf(stderr, "synrl policy compare: out of memory\n");
    return 1;
  }
  rc = compare_read(&o, rows);
  if (!rc) rc = compare_run(&o, specs, rows);
  /* the output files first: a file that cannot be written fails before stdout */
  if (!rc && o.csv) rc = compare_write("csv", o.csv, &o, rows, csv_body);
  if (!rc && o.md) rc = compare_write("md", o.md, &o, rows, md_body);
  if (!rc && o.tasks_csv) rc = compare_write("tasks-csv", o.tasks_csv, &o, rows, tasks_body);
  if (!rc) compare_print(&o, rows);
  for (int i = 0; i < o.npos; i++)
    if (rows[i].label != o.pos[i]) free((char *)rows[i].label);
  free(rows);
  return rc;
}
