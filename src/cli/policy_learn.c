/* synrl policy learn / compare: the command-line side of data/policy_learn.c. */
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
static int load_images(const char *prog, const char *data_dir, uint64_t split_seed, task_data *td) {
  task_opts t;
  task_opts_default(&t);
  t.task = "images";
  t.hidden = "0";
  t.data_dir = data_dir;
  return task_prepare(prog, &t, split_seed, td);
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

int cli_policy_learn(int argc, char **argv) {
  const char *prog = "synrl policy learn";
  plearn_config c;
  plearn_config_default(&c);
  const char *acts = "tanh", *select = "best", *snap = c.average ? "average" : "live", *init = NULL, *out = NULL, *hpath = "small";
  const char *data_dir = "/usr/share/datasets/fashion-mnist";
  long img_iters = 20000, points = (long)c.points;
  int threads = 1;
  bool quiet = false;
  opt_spec specs[] = {
      {"seed", OPT_U64, &c.seed, 0, 0, NULL, "fixes the task stream, networks and exploration"},
      {"iterations", OPT_LONG, &c.iterations, 1, 2e9, NULL, "learning iterations over the whole stream"},
      {"task-iterations", OPT_LONG, &c.task_max_iterations, 1, 2e9, NULL, "a run restarts after this many iterations"},
      {"check-every", OPT_LONG, &c.check_every, 1, 2e9, NULL, "convergence / stall check interval"},
      {"converge-acc", OPT_DOUBLE, &c.converge_acc, 0, 1, NULL, "restart a run once its training accuracy reaches this (0: off)"},
      {"stall-checks", OPT_INT, &c.stall_checks, 0, 1000000, NULL, "restart when the loss has not fallen by --stall-tol for this many checks (0: off)"},
      {"stall-tol", OPT_DOUBLE, &c.stall_tol, 0, 1, NULL, "relative loss improvement that counts as progress"},
      {"epsilon", OPT_DOUBLE, &c.epsilon, 0, 1, NULL, "exploration while learning"},
      {"alpha-q", OPT_DOUBLE, &c.alpha_q, 0, 1, NULL, "Q-learning rate"},
      {"gamma", OPT_DOUBLE, &c.gamma, 0, 1, NULL, "discount"},
      {"alpha-s-min", OPT_DOUBLE, &c.alpha_s_min, 1e-12, 1, NULL, "synaptic step per run: log-uniform from min ..."},
      {"alpha-s-max", OPT_DOUBLE, &c.alpha_s_max, 1e-12, 1, NULL, "... to max"},
      {"hidden-min", OPT_INT, &c.hidden_min, 1, 100000, NULL, "trainee hidden width per run: uniform from min ..."},
      {"hidden-max", OPT_INT, &c.hidden_max, 1, 100000, NULL, "... to max"},
      {"acts", OPT_STR, &acts, 0, 0, NULL, "trainee hidden activations to draw from: tanh,relu,sigmoid"},
      {"init-range", OPT_DOUBLE, &c.init_range, 0, 100, NULL, "trainee weights U[-r, r]"},
      {"points", OPT_LONG, &points, 1, 1e7, NULL, "training points per 2D task"},
      {"snapshot", OPT_CHOICE, &snap, 0, 0, "average|live", "snapshot the mean of the table over the interval, or the live table"},
      {"snapshot-every", OPT_LONG, &c.snapshot_every, 1, 2e9, NULL, "iterations between snapshots"},
      {"select", OPT_CHOICE, &select, 0, 0, "best|last", "keep the snapshot with the best transfer score, or the last"},
      {"image-weight", OPT_DOUBLE, &c.image_weight, 0, 1, NULL, "score = (1-w) * held-out 2D mean accuracy + w * image accuracy"},
      {"init", OPT_STR, &init, 0, 0, NULL, "start from this table (default: every Q = --init-value)"},
      {"init-value", OPT_DOUBLE, &c.init_value, -1e6, 1e6, NULL, "every Q starts here (without --init)"},
      {"holdout-boundaries", OPT_INT, &c.eval.n_boundaries, 0, PLEARN_MAX_TASKS, NULL, "held-out 2D boundaries per snapshot"},
      {"holdout-seed", OPT_U64, &c.eval.boundary_seed0, 1, 0, NULL, "held-out boundary i: boundary and trainee seed S + i"},
      {"holdout-iterations", OPT_LONG, &c.eval.iterations, 1, 2e9, NULL, "static iterations per held-out 2D task"},
      {"holdout-path", OPT_CHOICE, &hpath, 0, 0, "small|general", "computation path of the held-out 2D runs"},
      {"image-iterations", OPT_LONG, &img_iters, 0, 2e9, NULL, "held-out 0-HU Fashion-MNIST run per snapshot (0: none)"},
      {"image-seed", OPT_U64, &c.eval.img_seed, 0, 0, NULL, "seed of the image run (split, init, batches)"},
      {"data-dir", OPT_STR, &data_dir, 0, 0, NULL, "Fashion-MNIST IDX files"},
      {"threads", OPT_INT, &threads, 0, 1024, NULL, "threads (0: all cores); results do not depend on it"},
      {"out", OPT_STR, &out, 0, 0, NULL, "output directory (default runs/policy-learn-sSEED)"},
      {"quiet", OPT_FLAG, &quiet, 0, 0, NULL, "no progress lines"},
      {0}};
  if (wants_help(argc, argv)) {
    opts_help("usage: synrl policy learn [options]\n\n"
              "Learns one shared Q table over a stream of fresh 2D tasks (adaptive runs restarted\n"
              "when they converge or stall); every --snapshot-every iterations the table is frozen\n"
              "and applied statically to held-out tasks (2D boundaries with unseen seeds and a short\n"
              "0-HU Fashion-MNIST run). Writes OUT/best.txt (the kept table), best.json, last.txt\n"
              "and log.csv (transfer scores over time), each atomically.",
              specs);
    return 0;
  }
  const char *pos[1];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 0, &npos)) return 2;
  int m = parse_acts(acts);
  if (m < 0) {
    fprintf(stderr, "%s: --acts: '%s' is not a comma-separated list of tanh, relu, sigmoid\n", prog, acts);
    return 2;
  }
  c.acts = (unsigned)m;
  c.points = (size_t)points;
  if (c.hidden_max < c.hidden_min) {
    fprintf(stderr, "%s: --hidden-max %d is below --hidden-min %d\n", prog, c.hidden_max, c.hidden_min);
    return 2;
  }
  if (c.alpha_s_max < c.alpha_s_min) {
    fprintf(stderr, "%s: --alpha-s-max %g is below --alpha-s-min %g\n", prog, c.alpha_s_max, c.alpha_s_min);
    return 2;
  }
  if (c.eval.n_boundaries == 0 && img_iters == 0) {
    fprintf(stderr, "%s: no held-out task: give --holdout-boundaries or --image-iterations\n", prog);
    return 2;
  }
  if (out && !*out) {
    fprintf(stderr, "%s: --out: empty directory name\n", prog);
    return 2;
  }
  c.select_best = strcmp(select, "best") == 0;
  c.average = strcmp(snap, "average") == 0;
  c.eval.run_seed0 = c.eval.boundary_seed0;
  c.eval.path = strcmp(hpath, "general") == 0 ? SYNRL_PATH_GENERAL : SYNRL_PATH_SMALL;
  c.eval.img_iterations = img_iters;
  core_set_threads(threads);
  syn_err e = {0};
  synrl_policy start;
  if (init && synrl_policy_read(&start, init, &e)) {
    fprintf(stderr, "%s: --init: %s\n", prog, e.msg);
    return 1;
  }
  task_data td;
  memset(&td, 0, sizeof td);
  if (img_iters > 0) {
    int rc = load_images(prog, data_dir, c.eval.img_seed, &td);
    if (rc) return rc;
    c.eval.img_train = &td.train;
    c.eval.img_valid = &td.valid;
  }
  char outdir[4096];
  if (out)
    snprintf(outdir, sizeof outdir, "%s", out);
  else
    snprintf(outdir, sizeof outdir, "runs/policy-learn-s%llu", (unsigned long long)c.seed);
  if (cli_make_dirs(outdir)) {
    fprintf(stderr, "%s: --out %s: cannot create directory: %s\n", prog, outdir, strerror(errno));
    task_free(&td);
    return 1;
  }
  /* best.json marks a finished run: drop what an earlier run left */
  const char *outputs[] = {"best.json", "best.txt", "last.txt", "log.csv"};
  for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++) {
    char stale[4200];
    snprintf(stale, sizeof stale, "%s/%s", outdir, outputs[i]);
    unlink(stale);
  }
  c.out_dir = outdir;
  plearn_result res;
  double t0 = core_now();
  syn_status s = plearn_run(&c, init ? &start : NULL, quiet ? NULL : on_snapshot, NULL, &res, &e);
  task_free(&td);
  if (s) {
    fprintf(stderr, "%s: %s\n", prog, e.msg);
    return 1;
  }
  char m1[32], m2[32];
  pct(m1, sizeof m1, res.best_scores.acc_mean);
  pct(m2, sizeof m2, res.best_scores.img_acc);
  printf("policy learn: %ld iterations over %ld runs, %d snapshots in %.1f s\n", c.iterations,
         res.tasks, res.n_snapshots, core_now() - t0);
  printf("  kept: snapshot %d (iteration %ld), held-out 2D mean %s, image %s, score %.4f\n",
         res.best_index, res.best_iteration, m1, m2, res.best_scores.score);
  printf("  output: %s/{best.txt,best.json,last.txt,log.csv}\n", outdir);
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

int cli_policy_compare(int argc, char **argv) {
  const char *prog = "synrl policy compare";
  plearn_eval_config ec;
  plearn_eval_config_default(&ec);
  ec.n_boundaries = 10;
  ec.boundary_seed0 = 101;
  ec.run_seed0 = 1;
  long img_iters = 0;
  int img_seeds = 1, threads = 1;
  uint64_t img_seed0 = 1;
  const char *hpath = "small", *csv = NULL, *md = NULL, *tasks_csv = NULL;
  const char *data_dir = "/usr/share/datasets/fashion-mnist";
  bool quiet = false;
  opt_spec specs[] = {
      {"boundaries", OPT_INT, &ec.n_boundaries, 0, PLEARN_MAX_TASKS, NULL, "2D boundaries"},
      {"boundary-seed", OPT_U64, &ec.boundary_seed0, 1, 0, NULL, "boundary i has seed B + i ..."},
      {"run-seed", OPT_U64, &ec.run_seed0, 1, 0, NULL, "... and trainee seed R + i (as exp_2d.sh: 101, 1)"},
      {"iterations", OPT_LONG, &ec.iterations, 1, 2e9, NULL, "static iterations per 2D task"},
      {"epsilon", OPT_DOUBLE, &ec.epsilon, 0, 1, NULL, "2D exploration"},
      {"alpha-s", OPT_DOUBLE, &ec.alpha_s, 1e-12, 1, NULL, "2D synaptic step"},
      {"path", OPT_CHOICE, &hpath, 0, 0, "small|general", "computation path of the 2D runs"},
      {"image-iterations", OPT_LONG, &img_iters, 0, 2e9, NULL, "0-HU Fashion-MNIST paper protocol run (0: none; the paper: 200000)"},
      {"image-seeds", OPT_INT, &img_seeds, 1, PLEARN_MAX_TASKS, NULL, "image runs with seeds S, S+1, ..."},
      {"image-seed", OPT_U64, &img_seed0, 0, 0, NULL, "first image seed (split, init, batches)"},
      {"data-dir", OPT_STR, &data_dir, 0, 0, NULL, "Fashion-MNIST IDX files"},
      {"csv", OPT_STR, &csv, 0, 0, NULL, "write the summary table as CSV"},
      {"md", OPT_STR, &md, 0, 0, NULL, "write the summary table as Markdown"},
      {"tasks-csv", OPT_STR, &tasks_csv, 0, 0, NULL, "write every task's result as CSV"},
      {"threads", OPT_INT, &threads, 0, 1024, NULL, "threads (0: all cores); results do not depend on it"},
      {"quiet", OPT_FLAG, &quiet, 0, 0, NULL, "no progress lines"},
      {0}};
  if (wants_help(argc, argv)) {
    opts_help("usage: synrl policy compare [options] [LABEL=]FILE ...\n\n"
              "Applies each table statically (frozen) to the same held-out tasks: 2D boundaries\n"
              "(default: boundaries 101..110 with trainee seeds 1..10, as scripts/exp_2d.sh) and\n"
              "optionally the 0-HU Fashion-MNIST paper protocol; prints final accuracy and loss\n"
              "(mean, min, max). 2D: training-point accuracy; images: validation accuracy.",
              specs);
    return 0;
  }
  const char *pos[64];
  int npos;
  if (opts_parse(prog, specs, argc, argv, pos, 64, &npos)) return 2;
  if (npos == 0) {
    fprintf(stderr, "%s: give at least one policy FILE\n", prog);
    return 2;
  }
  if (ec.n_boundaries == 0 && img_iters == 0) {
    fprintf(stderr, "%s: no task: --boundaries 0 needs --image-iterations\n", prog);
    return 2;
  }
  ec.path = strcmp(hpath, "general") == 0 ? SYNRL_PATH_GENERAL : SYNRL_PATH_SMALL;
  ec.img_iterations = img_iters;
  core_set_threads(threads);
  syn_err e = {0};
  cmp_row *rows = calloc((size_t)npos, sizeof *rows);
  if (!rows) {
    fprintf(stderr, "%s: out of memory\n", prog);
    return 1;
  }
  int rc = 0;
  for (int i = 0; i < npos && !rc; i++) {
    const char *eq = strchr(pos[i], '=');
    rows[i].file = eq ? eq + 1 : pos[i];
    rows[i].label = pos[i];
    if (eq) {
      size_t n = (size_t)(eq - pos[i]);
      char *l = malloc(n + 1);
      if (!l) { rc = 1; break; }
      memcpy(l, pos[i], n);
      l[n] = 0;
      rows[i].label = l;
    }
    if (synrl_policy_read(&rows[i].p, rows[i].file, &e)) {
      fprintf(stderr, "%s: %s\n", prog, e.msg);
      rc = 1;
    }
  }
  for (int i = 0; i < npos && !rc; i++) {
    if (ec.n_boundaries > 0) {
      plearn_eval_config c2 = ec;
      c2.img_train = NULL;
      if (plearn_evaluate(&rows[i].p, &c2, 0.0, &rows[i].s, &e)) {
        fprintf(stderr, "%s: %s: %s\n", prog, rows[i].file, e.msg);
        rc = 1;
        break;
      }
    }
    if (!quiet && ec.n_boundaries > 0)
      fprintf(stderr, "%s: 2D mean %.2f%% (min %.2f%%)\n", rows[i].label, 100 * rows[i].s.acc_mean,
              100 * rows[i].s.acc_min);
  }
  for (int k = 0; k < img_seeds && img_iters > 0 && !rc; k++) {
    task_data td;
    if ((rc = load_images(prog, data_dir, img_seed0 + (uint64_t)k, &td))) break;
    ec.img_train = &td.train;
    ec.img_valid = &td.valid;
    ec.img_seed = img_seed0 + (uint64_t)k;
    for (int i = 0; i < npos && !rc; i++) {
      if (plearn_apply_images(&rows[i].p, &ec, &rows[i].img_acc[k], &rows[i].img_loss[k], &e)) {
        fprintf(stderr, "%s: %s: %s\n", prog, rows[i].file, e.msg);
        rc = 1;
      } else if (!quiet) {
        fprintf(stderr, "%s: image seed %llu: valid %.2f%%\n", rows[i].label,
                (unsigned long long)ec.img_seed, 100 * rows[i].img_acc[k]);
      }
    }
    task_free(&td);
  }
  if (!rc) {
    const int ni = img_iters > 0 ? img_seeds : 0;
    for (int i = 0; i < npos; i++) {
      if (ec.n_boundaries == 0) {
        rows[i].s.acc_mean = rows[i].s.acc_min = rows[i].s.acc_max = NAN;
        rows[i].s.loss_mean = rows[i].s.loss_min = rows[i].s.loss_max = NAN;
      }
      stats(rows[i].img_acc, ni, &rows[i].img_mean, &rows[i].img_min, &rows[i].img_max);
      stats(rows[i].img_loss, ni, &rows[i].imgl_mean, &rows[i].imgl_min, &rows[i].imgl_max);
    }
    const char *cols[] = {"2d_acc_mean", "2d_acc_min", "2d_acc_max", "2d_loss_mean", "2d_loss_min",
                          "2d_loss_max", "img_acc_mean", "img_acc_min", "img_acc_max",
                          "img_loss_mean", "img_loss_min", "img_loss_max"};
    /* three outputs of one table: stdout (aligned), CSV and Markdown */
    FILE *fc = NULL, *fm = NULL;
    char tc[4200] = "", tm[4200] = "";
    if (csv) {
      snprintf(tc, sizeof tc, "%s.tmp", csv);
      if (!(fc = fopen(tc, "w"))) {
        fprintf(stderr, "%s: --csv %s: %s\n", prog, csv, strerror(errno));
        rc = 1;
      }
    }
    if (md && !rc) {
      snprintf(tm, sizeof tm, "%s.tmp", md);
      if (!(fm = fopen(tm, "w"))) {
        fprintf(stderr, "%s: --md %s: %s\n", prog, md, strerror(errno));
        rc = 1;
      }
    }
    if (!rc) {
      printf("2D: %d boundaries (seeds %llu..), %ld iterations, accuracy in %%; images: %d run(s) of %ld iterations, validation accuracy in %%\n",
             ec.n_boundaries, (unsigned long long)ec.boundary_seed0, ec.iterations, ni, img_iters);
      printf("%-28s %8s %8s %8s %10s %10s %10s %8s %8s %8s %9s\n", "policy", "2D mean", "min",
             "max", "loss mean", "min", "max", "img mean", "min", "max", "img loss");
      if (fc) {
        fprintf(fc, "policy,file");
        for (int j = 0; j < 12; j++) fprintf(fc, ",%s", cols[j]);
        fprintf(fc, "\n");
      }
      if (fm) {
        fprintf(fm, "| policy | 2D acc mean | min | max | 2D loss mean | min | max | image acc mean | min | max | image loss mean |\n");
        fprintf(fm, "|---|---|---|---|---|---|---|---|---|---|---|\n");
      }
      for (int i = 0; i < npos; i++) {
        const cmp_row *r = &rows[i];
        double v[12] = {r->s.acc_mean, r->s.acc_min, r->s.acc_max, r->s.loss_mean,
                        r->s.loss_min, r->s.loss_max, r->img_mean, r->img_min, r->img_max,
                        r->imgl_mean, r->imgl_min, r->imgl_max};
        char b[12][32], m[12][32];
        for (int j = 0; j < 12; j++) {
          bool pc = j < 3 || (j >= 6 && j < 9);
          fmt_num(b[j], sizeof b[j], v[j], pc, "");
          fmt_num(m[j], sizeof m[j], v[j], pc, "%");
        }
        printf("%-28s %8s %8s %8s %10s %10s %10s %8s %8s %8s %9s\n", r->label, b[0], b[1], b[2],
               b[3], b[4], b[5], b[6], b[7], b[8], b[9]);
        if (fc) {
          fprintf(fc, "\"%s\",\"%s\"", r->label, r->file);
          for (int j = 0; j < 12; j++) fprintf(fc, ",%.10g", v[j]);
          fprintf(fc, "\n");
        }
        if (fm)
          fprintf(fm, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", r->label, m[0],
                  m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9]);
      }
    }
    int bad = 0;
    if (fc) bad |= (ferror(fc) | (fclose(fc) != 0)) || rename(tc, csv) != 0;
    if (fm) bad |= (ferror(fm) | (fclose(fm) != 0)) || rename(tm, md) != 0;
    if (bad) {
      fprintf(stderr, "%s: writing the CSV/Markdown output failed\n", prog);
      if (fc) remove(tc);
      if (fm) remove(tm);
      rc = 1;
    }
    if (!rc && tasks_csv) {
      char tt[4200];
      snprintf(tt, sizeof tt, "%s.tmp", tasks_csv);
      FILE *f = fopen(tt, "w");
      if (!f) {
        fprintf(stderr, "%s: --tasks-csv %s: %s\n", prog, tasks_csv, strerror(errno));
        rc = 1;
      } else {
        fprintf(f, "policy,task,seed,run_seed,iterations,acc,loss\n");
        for (int i = 0; i < npos; i++) {
          for (int k = 0; k < rows[i].s.n; k++)
            fprintf(f, "\"%s\",boundary2d,%llu,%llu,%ld,%.6f,%.10g\n", rows[i].label,
                    (unsigned long long)(ec.boundary_seed0 + (uint64_t)k),
                    (unsigned long long)(ec.run_seed0 + (uint64_t)k), ec.iterations,
                    rows[i].s.acc[k], rows[i].s.loss[k]);
          for (int k = 0; k < ni; k++)
            fprintf(f, "\"%s\",fashion-0hu,%llu,%llu,%ld,%.6f,%.10g\n", rows[i].label,
                    (unsigned long long)(img_seed0 + (uint64_t)k),
                    (unsigned long long)(img_seed0 + (uint64_t)k), img_iters, rows[i].img_acc[k],
                    rows[i].img_loss[k]);
        }
        bad = ferror(f) | (fclose(f) != 0);
        if (bad || rename(tt, tasks_csv) != 0) {
          remove(tt);
          fprintf(stderr, "%s: --tasks-csv %s: write failed\n", prog, tasks_csv);
          rc = 1;
        }
      }
    }
  }
  for (int i = 0; i < npos; i++)
    if (rows[i].label != pos[i] && rows[i].label) free((char *)rows[i].label);
  free(rows);
  return rc;
}
